// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stored records are untrusted input too: someone who can write the store
 * can put anything in a row (the tamper tests do). history and report must
 * read any row, of any column types, without crashing, and print valid JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "format.h"
#include "ops.h"
#include "query.h"
#include "seal.h"
#include "store.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bind column @i from the input: NULL, an integer, a blob or text. */
static void bind_fuzz(sqlite3_stmt *st, int i, const uint8_t **p, size_t *n)
{
	uint8_t kind, len;
	int64_t v = 0;

	if (*n < 2) {
		sqlite3_bind_null(st, i);
		return;
	}
	kind = (*p)[0] & 3;
	len = (*p)[1] & 31;
	*p += 2;
	*n -= 2;
	if (len > *n)
		len = (uint8_t)*n;
	switch (kind) {
	case 0:
		sqlite3_bind_null(st, i);
		break;
	case 1:
		memcpy(&v, *p, len < 8 ? len : 8);
		sqlite3_bind_int64(st, i, v);
		break;
	case 2:
		sqlite3_bind_blob(st, i, *p, len, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_text(st, i, (const char *)*p, len, SQLITE_TRANSIENT);
	}
	*p += len;
	*n -= len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct va_store *s;
	static char file[64];
	struct va_history h;
	struct va_report r;
	struct va_verify_result vr;
	struct va_seal_key k0;
	sqlite3_stmt *st;
	sqlite3 *db;
	char err[512];

	if (!s) {
		snprintf(file, sizeof(file), "/tmp/fuzz-store-%d/a.db", (int)getpid());
		if (va_store_open(&s, file, VA_STORE_WRITE, err, sizeof(err)))
			abort();
	}
	db = va_store_db(s);
	sqlite3_exec(db,
		     "DELETE FROM events; DELETE FROM extra; DELETE FROM paths; DELETE FROM procs;"
		     " DELETE FROM objects; DELETE FROM names; DELETE FROM days; DELETE FROM hours;"
		     " DELETE FROM by_path;"
		     " DELETE FROM by_proc; DELETE FROM chain; DELETE FROM seals;"
		     " DELETE FROM path_index;",
		     NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, "INSERT INTO paths(id, path) VALUES(1, ?), (2, ?)", -1, &st,
			       NULL) == SQLITE_OK) {
		bind_fuzz(st, 1, &data, &size);
		bind_fuzz(st, 2, &data, &size);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO procs VALUES(1,?,?,?,?,?,?,?,?,?,?,?)", -1, &st,
			       NULL) == SQLITE_OK) {
		for (int i = 1; i <= 11; i++)
			bind_fuzz(st, i, &data, &size);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO objects VALUES(1,?,?,?)", -1, &st, NULL) ==
	    SQLITE_OK) {
		for (int i = 1; i <= 3; i++)
			bind_fuzz(st, i, &data, &size);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	/*
	 * Rows, with their side rows, summaries, checkpoints and seals: the
	 * path, proc and object ids point at the rows above, the rest is fuzz.
	 */
	static const struct {
		const char *sql;
		int params;
	} rows[] = {
		{ "INSERT INTO events(ts, op, path, proc, obj, ret, count, bytes, flags, link)"
		  " VALUES(?,?,1,1,1,?,?,?,?,?)",
		  7 },
		{ "INSERT OR REPLACE INTO extra VALUES((SELECT max(id) FROM "
		  "events),2,?,?,?,?,?,?,?,?,?,?)",
		  10 },
		{ "INSERT OR IGNORE INTO names VALUES(?,?)", 2 },
		{ "INSERT OR REPLACE INTO days VALUES(?,?,?)", 3 },
		{ "INSERT OR REPLACE INTO hours VALUES(?,?,?)", 3 },
		/* Ids anywhere: a rewritten store need not number its records 1, 2, 3... */
		{ "INSERT OR REPLACE INTO events(id, ts, op, path, proc, obj, ret, count, bytes,"
		  " flags, link) VALUES(?,?,?,1,1,1,?,?,?,?,?)",
		  8 },
		/* Rows of the paths index made up; those of the records come below. */
		{ "INSERT OR IGNORE INTO path_index VALUES(?,?,?,?)", 4 },
		{ "INSERT OR IGNORE INTO by_path VALUES(?,?,?)", 3 },
		{ "INSERT OR IGNORE INTO by_proc VALUES(?,?,?)", 3 },
		{ "INSERT OR REPLACE INTO chain VALUES(?,?)", 2 },
		{ "INSERT INTO seals(seq, ts, epoch, head, mac, key_id) VALUES(?,?,?,?,?,?)", 6 },
	};
	for (size_t k = 0; size > 8; k = (k + 1) % (sizeof(rows) / sizeof(rows[0]))) {
		if (sqlite3_prepare_v2(db, rows[k].sql, -1, &st, NULL) != SQLITE_OK)
			break;
		for (int i = 1; i <= rows[k].params; i++)
			bind_fuzz(st, i, &data, &size);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	/* The paths index as the writer keeps it, so that history reads every record. */
	sqlite3_exec(db,
		     "INSERT OR IGNORE INTO path_index SELECT id >> 18, path,"
		     " max(coalesce(obj, 0), 0), id FROM events WHERE path IS NOT NULL",
		     NULL, NULL, NULL);
	if (!va_history_query(s, "/", 0, UINT64_MAX >> 1, VA_SEL_ALL, &h)) {
		FILE *out = fopen("/dev/null", "w");

		for (size_t i = 0; i < h.n_events && out; i++) {
			json_object *o = va_event_to_json(&h.events[i].ev);

			if (!o)
				abort();
			json_object_put(o);
			va_event_write_text(out, &h.events[i].ev);
		}
		if (out)
			fclose(out);
		va_history_free(&h);
	}
	if (!va_report_query(s, 0, UINT64_MAX >> 1, 10, &r))
		va_report_free(&r);
	/* verify reads every row and seal; it must judge them, never crash. */
	va_seal_key_new(&k0, 0, 1000000000ull);
	va_verify(s, NULL, 0, &vr);
	va_verify(s, &k0, 1, &vr);
	return 0;
}
