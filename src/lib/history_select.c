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
 * as ?3: SQLite seeks an index on an expression only when the expression
 * is compared with a constant or a parameter, not with a joined column.
 */
#include <errno.h>
#include <stdint.h>

#include "query_priv.h"
#include "store.h"

#define SLICE  "e.id >> " VA_SLICE_BITS
#define DAY_NS "86400000000000"
#define TS_MAX "9223372036854775807"

struct slices {
	int64_t all_lo, all_hi; /* every slice that holds records; lo > hi: none */
	int64_t lo, hi;		/* those that may hold records of the window */
};

/*
 * The window's ids come from `days` (each day's first and last id). A
 * window reaching past the first or last day recorded takes every id on
 * that side, so the records of a day that retention has begun to remove
 * are still found.
 */
static int find_slices(sqlite3 *db, uint64_t since, uint64_t until, struct slices *sl)
{
	/* min(id) and max(id) each alone: together SQLite scans the table. */
	static const char sql[] =
		"WITH e(lo, hi) AS (SELECT (SELECT min(id) FROM events), (SELECT max(id) FROM "
		"events))"
		" SELECT lo >> " VA_SLICE_BITS ", hi >> " VA_SLICE_BITS ","
		" (CASE WHEN NOT EXISTS (SELECT 1 FROM days WHERE day < ?1 / " DAY_NS ")"
		" THEN lo ELSE (SELECT min(first_id) FROM days"
		" WHERE day >= ?1 / " DAY_NS ") END) >> " VA_SLICE_BITS ","
		" (CASE WHEN NOT EXISTS (SELECT 1 FROM days WHERE day > ?2 / " DAY_NS ")"
		" THEN hi ELSE (SELECT max(last_id) FROM days"
		" WHERE day <= ?2 / " DAY_NS ") END) >> " VA_SLICE_BITS " FROM e";
	sqlite3_stmt *st;
	int ret = 0;

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

/* Run @sql once for each n in [@lo, @hi], bound as ?3 where it has one; ?1, ?2: the window. */
static int run(sqlite3 *db, const char *sql, uint64_t since, uint64_t until, int64_t lo, int64_t hi)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	for (int64_t n = lo; n <= hi && !ret; n++) {
		if (sqlite3_bind_parameter_count(st) >= 2) {
			sqlite3_bind_int64(st, 1, (int64_t)since);
			sqlite3_bind_int64(st, 2, (int64_t)until);
		}
		if (sqlite3_bind_parameter_count(st) >= 3)
			sqlite3_bind_int64(st, 3, n);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = va_q_errno(db);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ret;
}

int va_q_select_events(sqlite3 *db, uint64_t since, uint64_t until)
{
	struct slices sl;
	int ret;

	ret = va_q_exec(db, "CREATE TEMP TABLE IF NOT EXISTS hid(id INTEGER PRIMARY KEY,"
			    " match INTEGER);"
			    "DELETE FROM temp.hid;"
			    "CREATE TEMP TABLE IF NOT EXISTS objs(path INTEGER, obj INTEGER,"
			    " first INTEGER, last INTEGER, PRIMARY KEY(path, obj));"
			    "DELETE FROM temp.objs;");
	if (!ret)
		ret = find_slices(db, since, until, &sl);
	if (!ret)
		ret = run(db,
			  "INSERT OR IGNORE INTO temp.hid SELECT e.id, 0 FROM temp.hp h"
			  " CROSS JOIN events e ON " SLICE " = ?3 AND e.path = h.id"
			  " WHERE e.ts BETWEEN ?1 AND ?2",
			  since, until, sl.lo, sl.hi);
	if (!ret)
		ret = run(db,
			  "INSERT OR IGNORE INTO temp.hid SELECT e.id, 1 FROM temp.hp h"
			  " CROSS JOIN extra x ON x.path2 = h.id JOIN events e ON e.id = x.id"
			  " WHERE e.op IN (10, 11) AND e.ts BETWEEN ?1 AND ?2",
			  since, until, 0, 0);
	/* The objects PATH had, from the first time it had each. Real ones only. */
	if (!ret)
		ret = run(
			db,
			"INSERT INTO temp.objs SELECT e.path, e.obj, min(e.ts), " TS_MAX
			" FROM temp.hp h CROSS JOIN events e ON " SLICE " = ?3"
			" AND e.path = h.id JOIN objects o ON o.id = e.obj"
			" WHERE o.ino >= 0 AND o.dev >= 0 GROUP BY e.path, e.obj"
			" ON CONFLICT(path, obj) DO UPDATE SET first = min(first, excluded.first)",
			since, until, sl.all_lo, sl.all_hi);
	/*
	 * A name stops being that file when the same name is seen with
	 * another object, or is unlinked, or renamed away or over.
	 */
	if (!ret)
		ret = run(db,
			  "UPDATE temp.objs SET last = min(last, coalesce((SELECT min(e.ts)"
			  " FROM events e LEFT JOIN objects o ON o.id = e.obj"
			  " WHERE " SLICE " = ?3 AND e.path = temp.objs.path"
			  " AND e.ts > temp.objs.first AND"
			  " ((o.ino >= 0 AND e.obj != temp.objs.obj) OR"
			  " (e.op IN (6, 10) AND e.ret = 0))), " TS_MAX "))",
			  since, until, sl.all_lo, sl.all_hi);
	if (!ret)
		ret = run(db,
			  "UPDATE temp.objs SET last = min(last, coalesce((SELECT min(e.ts)"
			  " FROM extra x JOIN events e ON e.id = x.id"
			  " WHERE x.path2 = temp.objs.path AND e.op = 10 AND e.ret = 0"
			  " AND e.ts > temp.objs.first), " TS_MAX "))",
			  since, until, 0, 0);
	if (!ret)
		ret = run(db,
			  "INSERT OR IGNORE INTO temp.hid SELECT e.id, 2 FROM temp.objs o"
			  " JOIN names n ON n.obj = o.obj CROSS JOIN events e"
			  " ON " SLICE " = ?3 AND e.path = n.path AND e.obj = o.obj"
			  " WHERE e.ts BETWEEN max(?1, o.first) AND min(?2, o.last)",
			  since, until, sl.lo, sl.hi);
	return ret;
}
