// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The change counts of a window, by path and by process, for `report`.
 * Whole days inside the window come from the per-day counts the writer
 * keeps (by_path, by_proc). A day the window cuts is counted from its
 * records, whichever costs fewer: those inside the window, or the day's
 * counts less those outside it. `hours` bounds the records of each hour,
 * so the cost is the records of the hours scanned: at most half a day and
 * an hour at each end, and about an hour for a window that ends now. A
 * store of format 2 (no `hours`) scans the window's part of each such day.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "ops.h"
#include "query_priv.h"
#include "store_priv.h"

/* Add the summary rows of whole days [lo, hi] (@sql) into @m. */
static int add_days(sqlite3 *db, const char *sql, int64_t lo, int64_t hi, struct va_u64map *m)
{
	sqlite3_stmt *st;
	int ret = 0, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while (!ret && (rc = va_q_step(st)) == SQLITE_ROW)
		ret = va_count_add(m, (uint64_t)sqlite3_column_int64(st, 0),
				   (uint64_t)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return ret ? ret : rc < 0 ? rc : 0;
}

/* Take @n from @key's count (a count that would go below zero goes). */
static void count_sub(struct va_u64map *m, uint64_t key, uint64_t n)
{
	uint64_t have = (uintptr_t)va_u64map_get(m, key);

	if (have > n)
		va_u64map_put(m, key, (void *)(uintptr_t)(have - n));
	else if (have)
		va_u64map_del(m, key);
}

struct scan {
	int64_t day;	   /* only records of this day count */
	uint64_t from, to; /* the window's part of it */
	bool inside;	   /* count the records in [from, to], or those outside */
	bool subtract;	   /* take them from the counts instead of adding them */
	struct va_u64map *paths, *procs;
};

/* Count the change records with ids in [@lo, @hi] that @sc selects, as the writer counts them. */
static int scan_ids(sqlite3 *db, int64_t lo, int64_t hi, const struct scan *sc)
{
	sqlite3_stmt *st;
	int ret = 0, rc = SQLITE_DONE;

	if (lo > hi)
		return 0;
	if (sqlite3_prepare_v2(
		    db,
		    "SELECT e.path, e.proc, e.op, e.flags, x.path_flags, e.ts FROM events e"
		    " LEFT JOIN extra x ON x.id = e.id WHERE e.id BETWEEN ?1 AND ?2",
		    -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while (!ret && (rc = va_q_step(st)) == SQLITE_ROW) {
		bool has_flags = sqlite3_column_type(st, 3) != SQLITE_NULL;
		int64_t ts = sqlite3_column_int64(st, 5);
		bool in = (uint64_t)ts >= sc->from && (uint64_t)ts <= sc->to;
		uint64_t keys[2];
		struct va_u64map *maps[2] = { sc->paths, sc->procs };

		if (ts < 0 || ts / (int64_t)VA_DAY_NS != sc->day || in != sc->inside ||
		    !va_ops_selected(VA_SEL_CHANGES, (enum va_op)sqlite3_column_int(st, 2),
				     has_flags, (uint32_t)sqlite3_column_int64(st, 3)))
			continue;
		/* As the writer's day counts: a path with no head is not counted as a path. */
		keys[0] = sqlite3_column_type(st, 0) != SQLITE_NULL &&
					  !VA_PATH_HEADLESS(sqlite3_column_int64(st, 4))
				  ? (uint64_t)sqlite3_column_int64(st, 0)
				  : 0;
		keys[1] = sqlite3_column_type(st, 1) != SQLITE_NULL
				  ? (uint64_t)sqlite3_column_int64(st, 1)
				  : 0;
		for (int i = 0; i < 2 && !ret; i++) {
			if (!keys[i])
				continue;
			if (sc->subtract)
				count_sub(maps[i], keys[i], 1);
			else
				ret = va_count_add(maps[i], keys[i], 1);
		}
	}
	sqlite3_finalize(st);
	return ret ? ret : rc < 0 ? rc : 0;
}

/*
 * Ids [*lo, *hi] that hold every record with a time in [from, to], from
 * @table's spans (units of @unit_ns); *lo > *hi when there are none.
 */
static int span_ids(sqlite3 *db, const char *sql, uint64_t unit_ns, uint64_t from, uint64_t to,
		    int64_t *lo, int64_t *hi)
{
	sqlite3_stmt *st;
	int ret = 0;

	*lo = 1;
	*hi = 0;
	if (from > to)
		return 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, (int64_t)(from / unit_ns));
	sqlite3_bind_int64(st, 2, (int64_t)(to / unit_ns));
	if (sqlite3_step(st) != SQLITE_ROW)
		ret = va_q_errno(db);
	else if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*lo = sqlite3_column_int64(st, 0);
		*hi = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return ret;
}

static int hour_ids(sqlite3 *db, uint64_t from, uint64_t to, int64_t *lo, int64_t *hi)
{
	return span_ids(
		db, "SELECT min(first_id), max(last_id) FROM hours WHERE hour BETWEEN ?1 AND ?2",
		VA_HOUR_NS, from, to, lo, hi);
}

/*
 * Whether @day's hours are all there (a store upgraded from format 2 has
 * none for its older days) and its first records were not removed by
 * retention, whose day counts still count them: then the day's counts,
 * less what lies outside the window, are exact.
 */
static int day_whole(sqlite3 *db, int64_t day, bool *whole)
{
	sqlite3_stmt *st;
	int ret = 0;

	*whole = false;
	if (sqlite3_prepare_v2(db,
			       "SELECT d.first_id, d.last_id, (SELECT min(first_id) FROM hours"
			       " WHERE hour BETWEEN ?1 * 24 AND ?1 * 24 + 23),"
			       " (SELECT max(last_id) FROM hours WHERE hour BETWEEN ?1 * 24"
			       " AND ?1 * 24 + 23), (SELECT min(id) FROM events)"
			       " FROM days d WHERE d.day = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, day);
	ret = va_q_step(st);
	if (ret == SQLITE_ROW)
		*whole = sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 2) &&
			 sqlite3_column_int64(st, 1) == sqlite3_column_int64(st, 3) &&
			 sqlite3_column_int64(st, 4) <= sqlite3_column_int64(st, 0);
	ret = ret < 0 ? ret : 0;
	sqlite3_finalize(st);
	return ret;
}

/* Count the change records of @day that fall in [since, until]. */
static int count_cut_day(sqlite3 *db, bool hours, int64_t day, uint64_t since, uint64_t until,
			 struct va_u64map *paths, struct va_u64map *procs)
{
	uint64_t start = (uint64_t)day * VA_DAY_NS, end = start + VA_DAY_NS - 1;
	struct scan sc = { .day = day,
			   .from = since > start ? since : start,
			   .to = until < end ? until : end,
			   .inside = true,
			   .paths = paths,
			   .procs = procs };
	int64_t in_lo, in_hi, a_lo, a_hi, b_lo, b_hi;
	bool whole = false;
	int ret;

	if (!hours) {
		ret = span_ids(db,
			       "SELECT min(first_id), max(last_id) FROM days"
			       " WHERE day BETWEEN ?1 AND ?2",
			       VA_DAY_NS, start, start, &in_lo, &in_hi);
		return ret ? ret : scan_ids(db, in_lo, in_hi, &sc);
	}
	ret = hour_ids(db, sc.from, sc.to, &in_lo, &in_hi);
	if (!ret)
		ret = day_whole(db, day, &whole);
	if (!ret && whole && sc.from > start)
		ret = hour_ids(db, start, sc.from - 1, &a_lo, &a_hi);
	else
		a_lo = 1, a_hi = 0;
	if (!ret && whole && sc.to < end)
		ret = hour_ids(db, sc.to + 1, end, &b_lo, &b_hi);
	else
		b_lo = 1, b_hi = 0;
	if (ret)
		return ret;
	if (!whole || (in_hi - in_lo + 1) <= (a_hi - a_lo + 1) + (b_hi - b_lo + 1))
		return scan_ids(db, in_lo, in_hi, &sc);
	/* Cheaper: the day's counts, less the records outside the window. */
	ret = add_days(db, "SELECT path, n FROM by_path WHERE day BETWEEN ?1 AND ?2", day, day,
		       paths);
	if (!ret)
		ret = add_days(db, "SELECT proc, n FROM by_proc WHERE day BETWEEN ?1 AND ?2", day,
			       day, procs);
	sc.inside = false;
	sc.subtract = true;
	if (!ret && a_lo <= a_hi && b_lo <= b_hi && a_lo <= b_hi && b_lo <= a_hi) {
		/* The two sides share ids (a clock jump): their union, once, counts each record
		 * once. */
		ret = scan_ids(db, a_lo < b_lo ? a_lo : b_lo, a_hi > b_hi ? a_hi : b_hi, &sc);
	} else {
		if (!ret)
			ret = scan_ids(db, a_lo, a_hi, &sc);
		if (!ret)
			ret = scan_ids(db, b_lo, b_hi, &sc);
	}
	return ret;
}

int va_q_count_window(sqlite3 *db, uint64_t since, uint64_t until, struct va_u64map *paths,
		      struct va_u64map *procs)
{
	int64_t first = (int64_t)(since / VA_DAY_NS), last = (int64_t)(until / VA_DAY_NS);
	/* Days wholly inside the window. */
	int64_t lo = (int64_t)((since + VA_DAY_NS - 1) / VA_DAY_NS);
	int64_t hi = until >= UINT64_MAX - 1 ? last : (int64_t)((until + 1) / VA_DAY_NS) - 1;
	bool hours = false;
	int ret = va_q_has_table(db, "hours", &hours);

	if (!ret && lo <= hi) {
		ret = add_days(db, "SELECT path, n FROM by_path WHERE day BETWEEN ?1 AND ?2", lo,
			       hi, paths);
		if (!ret)
			ret = add_days(db,
				       "SELECT proc, n FROM by_proc WHERE day BETWEEN ?1 AND ?2",
				       lo, hi, procs);
	}
	for (int64_t d = first; !ret && d <= last; d++) {
		if (d >= lo && d <= hi) {
			d = hi; /* counted above */
			continue;
		}
		ret = count_cut_day(db, hours, d, since, until, paths, procs);
	}
	return ret;
}
