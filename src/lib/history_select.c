// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which records `history PATH` shows: those on PATH and the names under it,
 * those renamed or linked into it, and those of the same object under
 * another name while PATH had that object (inode numbers are reused after
 * deletion: outside that span a match would be another file). `names` lists
 * every name each object was seen under, so the search stays on the paths
 * index.
 *
 * The paths index leads with the record's slice, id >> VA_SLICE_BITS
 * (store.c), so each statement below runs once per slice, the slice bound
 * as ?3. In a store of format 4 the index is the path_index table; in older
 * ones an index of events on an expression, which SQLite seeks only when
 * the expression is compared with a constant or a parameter, not with a
 * joined column.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "query_priv.h"
#include "store_priv.h"

#define SLICE "e.id >> " VA_SLICE_BITS

/*
 * The records (e) of slice ?3 with path @path (and object @obj), through
 * the paths index: the path_index table (format 4), or the index of events
 * on (SLICE, path, obj) of formats 2 and 3.
 */
#define BY_PATH_TABLE(path)                                                                        \
	" CROSS JOIN path_index x ON x.slice = ?3 AND x.path = " path                              \
	" CROSS JOIN events e ON e.id = x.id"
#define BY_PATH_OBJ_TABLE(path, obj)                                                               \
	" CROSS JOIN path_index x ON x.slice = ?3 AND x.path = " path " AND x.obj = " obj          \
	" CROSS JOIN events e ON e.id = x.id"
#define BY_PATH_EVENTS(path)	      " CROSS JOIN events e ON " SLICE " = ?3 AND e.path = " path
#define BY_PATH_OBJ_EVENTS(path, obj) BY_PATH_EVENTS(path) " AND e.obj = " obj

/* PATH's own records, of one slice. */
#define PATH_RECORDS(by_path)                                                                      \
	"INSERT INTO temp.pe SELECT e.id, e.ts, e.path, e.obj, e.op, e.ret, o.ino >= 0,"           \
	" o.ino >= 0 AND o.dev >= 0 FROM temp.hp h" by_path " LEFT JOIN objects o ON o.id = e.obj"
/* The records of PATH's objects under their other names while PATH had them, of one slice. */
#define OBJECT_RECORDS(by_path_obj)                                                                \
	"INSERT OR IGNORE INTO temp.hid SELECT e.id, 2 FROM temp.objs o"                           \
	" JOIN names n ON n.obj = o.obj AND ?3 BETWEEN o.slo AND o.shi" by_path_obj                \
	" WHERE e.ts BETWEEN max(?1, o.first) AND min(?2, o.last)"

struct slices {
	int64_t all_lo, all_hi; /* every slice that holds records; lo > hi: none */
	int64_t lo, hi;		/* those that may hold records of the window */
};

/* Where a time's ids are bounded: `hours`, or `days` in a store of format 2. */
struct spans {
	const char *table, *unit, *unit_ns;
};

static int find_spans(sqlite3 *db, struct spans *sp)
{
	bool hours = false;
	int ret = va_q_has_table(db, "hours", &hours);

	*sp = hours ? (struct spans){ "hours", "hour", VA_HOUR_NS_SQL }
		    : (struct spans){ "days", "day", VA_DAY_NS_SQL };
	return ret;
}

/*
 * SQL for the first id of a record at or after @t (@last: the last id of
 * one at or before @t), to the span: every record of a day (hour) lies
 * within its first and last id. A time before the first span (after the
 * last) takes the first (last) id there is, so that records of a span
 * that retention has begun to remove are still found; so does a time with
 * no span on its side (spans missing from a damaged or older store).
 */
static void id_at_sql(char *buf, size_t n, const struct spans *sp, const char *t, bool last)
{
	snprintf(buf, n,
		 "(CASE WHEN NOT EXISTS (SELECT 1 FROM %s WHERE %s %s (%s) / %s)"
		 " THEN (SELECT %s(id) FROM events)"
		 " ELSE coalesce((SELECT %s FROM %s WHERE %s %s (%s) / %s),"
		 " (SELECT %s(id) FROM events)) END)",
		 sp->table, sp->unit, last ? ">" : "<", t, sp->unit_ns, last ? "max" : "min",
		 last ? "max(last_id)" : "min(first_id)", sp->table, sp->unit,
		 last ? "<=" : ">=", t, sp->unit_ns, last ? "max" : "min");
}

static int find_slices(sqlite3 *db, const struct spans *sp, uint64_t since, uint64_t until,
		       struct slices *sl)
{
	char lo[400], hi[400], sql[1200];
	sqlite3_stmt *st;
	int ret = 0;

	id_at_sql(lo, sizeof(lo), sp, "?1", false);
	id_at_sql(hi, sizeof(hi), sp, "?2", true);
	/* min(id) and max(id) each alone: together SQLite scans the table. */
	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT min(id) FROM events) >> " VA_SLICE_BITS ","
		 " (SELECT max(id) FROM events) >> " VA_SLICE_BITS ", %s >> " VA_SLICE_BITS
		 ", %s >> " VA_SLICE_BITS,
		 lo, hi);
	*sl = (struct slices){ 0, -1, 0, -1 };
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, (int64_t)since);
	sqlite3_bind_int64(st, 2, (int64_t)until);
	if (sqlite3_step(st) != SQLITE_ROW)
		ret = va_q_errno(db);
	else if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		*sl = (struct slices){ va_q_col_int(st, 0, 0), va_q_col_int(st, 1, -1),
				       va_q_col_int(st, 2, 0), va_q_col_int(st, 3, -1) };
	sqlite3_finalize(st);
	return ret;
}

/* Run @sql once; ?1, ?2: the window. */
static int run_once(sqlite3 *db, const char *sql, uint64_t since, uint64_t until)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, (int64_t)since);
	sqlite3_bind_int64(st, 2, (int64_t)until);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = va_q_errno(db);
	sqlite3_finalize(st);
	return ret;
}

/* One span of temp.objs, being built: the object a name has, since when. */
struct span {
	int64_t path, obj, first;
	bool open;
};

/* End @sp's span at @ts (inclusive), if one is open. Returns: 0 or -errno. */
static int close_span(sqlite3 *db, sqlite3_stmt *put, struct span *sp, int64_t ts)
{
	int ret = 0;

	if (!sp->open)
		return 0;
	sp->open = false;
	sqlite3_bind_int64(put, 1, sp->path);
	sqlite3_bind_int64(put, 2, sp->obj);
	sqlite3_bind_int64(put, 3, sp->first);
	sqlite3_bind_int64(put, 4, ts);
	if (sqlite3_step(put) != SQLITE_DONE)
		ret = va_q_errno(db);
	sqlite3_reset(put);
	return ret;
}

/*
 * The spans in which each name of PATH had each (real) object, into
 * temp.objs, read from the name's records in time order: a record on the
 * name showing an object, or a rename or link onto the name, begins one;
 * the name seen with another object, unlinked, removed (rmdir), renamed
 * away or renamed over ends it, the ending record included. A name may
 * have an object again after losing it (renamed away and back): each span
 * is a row. One
 * that began when the name was renamed away (so first seen then) ends
 * there, rather than take every later record of the object.
 */
static int object_spans(sqlite3 *db)
{
	static const char rows[] =
		/* path, ts, id, obj, real, has_ino, ends, 0: the name's own records */
		"SELECT path, ts, id, obj, real, has_ino, op IN (6, 7, 10) AND ret = 0, 0"
		" FROM temp.pe"
		" UNION ALL"
		/* and those that gave the name its object: renames and links onto it */
		" SELECT x.path2, e.ts, e.id, e.obj,"
		" coalesce(o.ino >= 0 AND o.dev >= 0, 0), 1, 0, 1"
		" FROM temp.hp h CROSS JOIN extra x ON x.path2 = h.id"
		" CROSS JOIN events e ON e.id = x.id LEFT JOIN objects o ON o.id = e.obj"
		" WHERE e.op IN (10, 11) AND e.ret = 0"
		/* A record that does both (renamed onto itself) ends the span, then begins one. */
		" ORDER BY 1, 2, 3, 8";
	sqlite3_stmt *st = NULL, *put = NULL;
	struct span sp = { 0 };
	int ret = 0, rc;

	if (sqlite3_prepare_v2(db, rows, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT OR IGNORE INTO temp.objs(path, obj, first, last)"
			       " VALUES (?1, ?2, ?3, ?4)",
			       -1, &put, NULL) != SQLITE_OK) {
		ret = va_q_errno(db);
		goto out;
	}
	while (!ret && (rc = va_q_step(st)) == SQLITE_ROW) {
		int64_t path = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);
		int64_t obj = sqlite3_column_int64(st, 3);
		bool real = sqlite3_column_int(st, 4), has_ino = sqlite3_column_int(st, 5);
		bool ends = sqlite3_column_int(st, 6);

		if (sp.open && sp.path != path)
			ret = close_span(db, put, &sp, INT64_MAX);
		/* The name now has this record's object, or an unknown one. */
		if (!ret && has_ino && (!real || !sp.open || sp.obj != obj))
			ret = close_span(db, put, &sp, ts);
		if (!ret && has_ino && real && !sp.open)
			sp = (struct span){ .path = path, .obj = obj, .first = ts, .open = true };
		if (!ret && ends)
			ret = close_span(db, put, &sp, ts);
	}
	if (!ret && rc < 0)
		ret = rc;
	if (!ret)
		ret = close_span(db, put, &sp, INT64_MAX);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(put);
	return ret;
}

/*
 * The slices where each object's other names can matter: those of the
 * window's part in which PATH had the object.
 */
static int object_slices(sqlite3 *db, const struct spans *sp, uint64_t since, uint64_t until)
{
	char lo[400], hi[400], sql[1200];

	id_at_sql(lo, sizeof(lo), sp, "max(?1, temp.objs.first)", false);
	id_at_sql(hi, sizeof(hi), sp, "min(?2, temp.objs.last)", true);
	snprintf(sql, sizeof(sql),
		 "UPDATE temp.objs SET slo = %s >> " VA_SLICE_BITS ", shi = %s >> " VA_SLICE_BITS,
		 lo, hi);
	return run_once(db, sql, since, until);
}

/*
 * Run @sql once for each slice in [@lo, @hi] that holds records, bound as
 * ?3; ?1, ?2: the window. A store's ids are contiguous, but one that was
 * tampered with may hold any: empty slices are skipped by a seek each.
 */
static int run_slices(sqlite3 *db, const char *sql, uint64_t since, uint64_t until, int64_t lo,
		      int64_t hi)
{
	sqlite3_stmt *st = NULL, *next = NULL;
	int ret = 0, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT id >> " VA_SLICE_BITS " FROM events WHERE id >= ?1"
			       " ORDER BY id LIMIT 1",
			       -1, &next, NULL) != SQLITE_OK) {
		ret = va_q_errno(db);
		goto out;
	}
	for (int64_t n = lo; n <= hi && !ret; n++) {
		/* The slice's first id; n is some id's slice, so this fits. */
		sqlite3_bind_int64(next, 1, (int64_t)((uint64_t)n << VA_SLICE_SHIFT));
		rc = sqlite3_step(next);
		if (rc != SQLITE_ROW) {
			if (rc != SQLITE_DONE)
				ret = va_q_errno(db);
			break;
		}
		if (sqlite3_column_int64(next, 0) > n)
			n = sqlite3_column_int64(next, 0);
		sqlite3_reset(next);
		if (n > hi)
			break;
		sqlite3_bind_int64(st, 1, (int64_t)since);
		sqlite3_bind_int64(st, 2, (int64_t)until);
		sqlite3_bind_int64(st, 3, n);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = va_q_errno(db);
		sqlite3_reset(st);
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(next);
	return ret;
}

int va_q_select_events(sqlite3 *db, uint64_t since, uint64_t until)
{
	struct slices sl;
	struct spans sp;
	bool table = false; /* the paths index is the path_index table (format 4) */
	int ret;

	ret = va_q_exec(db, "CREATE TEMP TABLE IF NOT EXISTS hid(id INTEGER PRIMARY KEY,"
			    " match INTEGER);"
			    "DELETE FROM temp.hid;"
			    /* PATH's own records, all time: what the statements below read. */
			    "CREATE TEMP TABLE IF NOT EXISTS pe(id INTEGER PRIMARY KEY, ts INTEGER,"
			    " path INTEGER, obj INTEGER, op INTEGER, ret INTEGER, has_ino INTEGER,"
			    " real INTEGER);"
			    "CREATE INDEX IF NOT EXISTS temp.pe_path ON pe(path, ts);"
			    "DELETE FROM temp.pe;"
			    "CREATE TEMP TABLE IF NOT EXISTS objs(path INTEGER, obj INTEGER,"
			    " first INTEGER, last INTEGER, slo INTEGER, shi INTEGER,"
			    " PRIMARY KEY(path, obj, first));"
			    "DELETE FROM temp.objs;");
	if (!ret)
		ret = find_spans(db, &sp);
	if (!ret)
		ret = find_slices(db, &sp, since, until, &sl);
	if (!ret)
		ret = va_q_has_table(db, "path_index", &table);
	if (!ret)
		ret = run_slices(db,
				 table ? PATH_RECORDS(BY_PATH_TABLE("h.id"))
				       : PATH_RECORDS(BY_PATH_EVENTS("h.id")),
				 since, until, sl.all_lo, sl.all_hi);
	if (!ret)
		ret = run_once(db,
			       "INSERT OR IGNORE INTO temp.hid SELECT id, 0 FROM temp.pe"
			       " WHERE ts BETWEEN ?1 AND ?2",
			       since, until);
	if (!ret)
		ret = run_once(db,
			       "INSERT OR IGNORE INTO temp.hid SELECT e.id, 1 FROM temp.hp h"
			       " CROSS JOIN extra x ON x.path2 = h.id JOIN events e ON e.id = x.id"
			       " WHERE e.op IN (10, 11) AND e.ts BETWEEN ?1 AND ?2",
			       since, until);
	if (!ret)
		ret = object_spans(db);
	if (!ret)
		ret = object_slices(db, &sp, since, until);
	if (!ret)
		ret = run_slices(db,
				 table ? OBJECT_RECORDS(BY_PATH_OBJ_TABLE("n.path", "o.obj"))
				       : OBJECT_RECORDS(BY_PATH_OBJ_EVENTS("n.path", "o.obj")),
				 since, until, sl.lo, sl.hi);
	return ret;
}
