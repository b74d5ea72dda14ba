// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "store.h"
#include "store_priv.h"
#include "verify_index.h"

int va_index_check_start(struct va_index_check *c, sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof(*c));
	c->db = db;
	c->slice = -1;
	rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'path_index'", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return va_store_errno(rc);
	rc = sqlite3_step(st);
	c->on = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return va_store_errno(rc);
	if (!c->on)
		return 0;
	rc = sqlite3_prepare_v2(db, "SELECT path, obj, id FROM path_index WHERE slice = ? ORDER BY id",
				-1, &c->slice_rows, NULL);
	return va_store_errno(rc);
}

/* Step to the slice's next row. Returns: 0 or -errno. */
static int next_row(struct va_index_check *c)
{
	int rc = sqlite3_step(c->slice_rows);

	c->have_row = rc == SQLITE_ROW;
	if (c->have_row) {
		c->path = sqlite3_column_int64(c->slice_rows, 0);
		c->obj = sqlite3_column_int64(c->slice_rows, 1);
		c->id = sqlite3_column_int64(c->slice_rows, 2);
		return 0;
	}
	return rc == SQLITE_DONE ? 0 : va_store_errno(rc);
}

int64_t va_index_check_record(struct va_index_check *c, int64_t seq, int64_t path, int64_t obj)
{
	int64_t slice = seq >> VA_SLICE_SHIFT;
	int ret;

	if (!c->on)
		return 0;
	if (slice != c->slice) {
		/* What is left of the slice before lists records that are not there. */
		if (c->have_row)
			return c->id;
		sqlite3_reset(c->slice_rows);
		sqlite3_bind_int64(c->slice_rows, 1, slice);
		c->slice = slice;
		ret = next_row(c);
		if (ret)
			return ret;
	}
	if (!c->have_row || c->id > seq)
		return seq; /* not listed */
	if (c->id < seq || c->path != path || c->obj != obj)
		return c->id; /* a row for a record without a path, or another path or object */
	c->matched++;
	return next_row(c);
}

int64_t va_index_check_end(struct va_index_check *c)
{
	sqlite3_stmt *st;
	int64_t rows = -1;
	int rc;

	if (!c->on)
		return 0;
	if (c->have_row)
		return c->id;
	rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM path_index", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rows < 0)
		return va_store_errno(rc);
	return (uint64_t)rows == c->matched ? 0 : INT64_MAX;
}

void va_index_check_free(struct va_index_check *c)
{
	sqlite3_finalize(c->slice_rows);
	c->slice_rows = NULL;
}
