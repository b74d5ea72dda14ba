// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "store.h"
#include "store_priv.h"
#include "verify_index.h"

int va_index_check_start(struct va_index_check *c, sqlite3 *db, int version)
{
	sqlite3_stmt *st;
	bool table;
	int rc;

	memset(c, 0, sizeof(*c));
	c->db = db;
	c->slice = -1;
	rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'path_index'", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return va_store_errno(rc);
	rc = sqlite3_step(st);
	table = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return va_store_errno(rc);
	/* Formats 2 and 3: an index of events, which SQLite keeps. */
	c->on = table || !version || version >= 4;
	if (!table)
		return 0;
	rc = sqlite3_prepare_v2(db,
				"SELECT path, obj, id FROM path_index WHERE slice = ? ORDER BY id",
				-1, &c->slice_rows, NULL);
	return va_store_errno(rc);
}

/* Step to the slice's next row. Returns: 0 or -errno. */
static int next_row(struct va_index_check *c)
{
	int rc = sqlite3_step(c->slice_rows);

	c->have_row = rc == SQLITE_ROW;
	if (c->have_row) {
		/* A REAL or a BLOB is never equal to the record's integer in history's join. */
		c->row_ok = true;
		for (int i = 0; i < 3; i++)
			c->row_ok &= sqlite3_column_type(c->slice_rows, i) == SQLITE_INTEGER;
		c->path = sqlite3_column_int64(c->slice_rows, 0);
		c->obj = sqlite3_column_int64(c->slice_rows, 1);
		c->id = sqlite3_column_int64(c->slice_rows, 2);
		return 0;
	}
	return rc == SQLITE_DONE ? 0 : va_store_errno(rc);
}

/* The row the check stopped on is not a record's: say which seq it names, if any. */
static int stray_row(const struct va_index_check *c, int64_t *bad_seq)
{
	*bad_seq = c->row_ok && c->id > 0 ? c->id : 0;
	return 0;
}

int va_index_check_record(struct va_index_check *c, int64_t seq, int64_t path, int64_t obj,
			  int64_t *bad_seq)
{
	int64_t slice = (int64_t)((uint64_t)seq >> VA_SLICE_SHIFT);
	int ret;

	if (!c->on)
		return 1;
	if (!c->slice_rows) {
		*bad_seq = seq; /* the table is gone */
		return 0;
	}
	if (slice != c->slice) {
		/* What is left of the slice before lists records that are not there. */
		if (c->have_row)
			return stray_row(c, bad_seq);
		sqlite3_reset(c->slice_rows);
		sqlite3_bind_int64(c->slice_rows, 1, slice);
		c->slice = slice;
		ret = next_row(c);
		if (ret)
			return ret;
	}
	/* Not listed, or listed with a value history's join cannot match. */
	if (!c->have_row || !c->row_ok || c->id > seq) {
		*bad_seq = seq;
		return 0;
	}
	if (c->id != seq || c->path != path || c->obj != obj)
		return stray_row(c, bad_seq);
	c->matched++;
	ret = next_row(c);
	return ret ? ret : 1;
}

int va_index_check_end(struct va_index_check *c, int64_t *bad_seq)
{
	sqlite3_stmt *st;
	int64_t rows = -1;
	int rc;

	*bad_seq = 0;
	if (!c->on)
		return 1;
	if (!c->slice_rows)
		return 1; /* gone, and no record has a path: nothing to list */
	if (c->have_row)
		return stray_row(c, bad_seq);
	rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM path_index", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rows < 0)
		return va_store_errno(rc);
	return (uint64_t)rows == c->matched;
}

void va_index_check_free(struct va_index_check *c)
{
	sqlite3_finalize(c->slice_rows);
	c->slice_rows = NULL;
}
