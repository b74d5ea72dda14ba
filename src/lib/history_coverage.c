// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which filters were in force over a history's window: the start and reload
 * rows carry them (coverage.h). The one in force at the window's start is
 * the last such row before it; each later one takes over from its time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "query_priv.h"

static int push_note(struct va_cover_note **v, size_t *n, const struct va_cover_note *note)
{
	struct va_cover_note *nv, *last = *n ? &(*v)[*n - 1] : NULL;

	/* A restart with the same filters continues the span. */
	if (last && last->to_ns == note->from_ns && last->cover == note->cover &&
	    !strcmp(last->why, note->why)) {
		last->to_ns = note->to_ns;
		return 0;
	}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = *note;
	return 0;
}

/*
 * Both parts read the partial index of marks (events_marks). In the
 * daemon's order (id), also for the row in force at the window's start: a
 * crash row, written at the next start with the time of the last record,
 * may have an earlier time than a reload row before it. "+id": ordered by
 * the bare rowid, SQLite walks the whole events table in id order rather
 * than sort the few marks (0.8 s a history at 10M records).
 */
const char va_q_coverage_sql[] =
	"SELECT e.ts, e.op, x.detail FROM events e LEFT JOIN extra x"
	" ON x.id = e.id WHERE e.op >= 100 AND e.op IN (100, 101, 102, 106)"
	" AND e.ts <= ?2 AND (e.ts >= ?1 OR e.id = (SELECT id FROM events"
	" WHERE op >= 100 AND op IN (100, 101, 102, 106) AND ts < ?1"
	" ORDER BY +id DESC LIMIT 1))"
	" ORDER BY +e.id";

int va_q_find_coverage(sqlite3 *db, const char *path, uint64_t ops, uint64_t since,
		       uint64_t until, struct va_cover_note **notes, size_t *n)
{
	struct va_cover_note cur = { 0 };
	bool open = false;
	sqlite3_stmt *st;
	int ret = 0, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, va_q_coverage_sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, (int64_t)since);
	sqlite3_bind_int64(st, 2, (int64_t)until);
	while (!ret && (rc = va_q_step(st)) == SQLITE_ROW) {
		uint64_t ts = (uint64_t)sqlite3_column_int64(st, 0);
		int op = sqlite3_column_int(st, 1);
		const char *detail = (const char *)sqlite3_column_text(st, 2);
		struct va_filter f;
		int dec;

		/* A stop or crash ends the span: the gaps say what follows. */
		if (open) {
			cur.to_ns = ts < since ? since : ts;
			if (cur.to_ns > cur.from_ns)
				ret = push_note(notes, n, &cur);
			open = false;
		}
		if (ret || op == VA_MARK_STOP || op == VA_MARK_CRASH)
			continue;
		/* Older rows name the backend alone: what they recorded is not known. */
		dec = va_coverage_decode(detail, detail ? strlen(detail) : 0, &f);
		if (dec == -ENOMEM)
			ret = dec;
		if (dec)
			continue;
		cur.cover = path ? va_coverage_check(&f, path, ops, cur.why, sizeof(cur.why))
				 : va_coverage_describe(&f, cur.why, sizeof(cur.why));
		cur.from_ns = ts < since ? since : ts;
		open = cur.cover != VA_COVER_ALL;
		va_filter_free(&f);
	}
	sqlite3_finalize(st);
	if (!ret && rc < 0)
		ret = rc;
	if (!ret && open && until > cur.from_ns) {
		cur.to_ns = until;
		ret = push_note(notes, n, &cur);
	}
	return ret;
}
