/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rows of integer columns inserted several at a time: one statement of
 * VA_ROW_GROUP rows ("VALUES (?,?),(?,?),...") instead of one per row.
 * SQLite's cost per statement run (binding, opening the cursors, halting)
 * is about as much as its cost per row for the narrow rows of the store, so
 * a group of 16 nearly halves the time an insert takes (docs/STORE.md).
 */
#ifndef VA_STORE_ROWS_H
#define VA_STORE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define VA_ROW_GROUP 16

struct va_row_group {
	sqlite3_stmt *many; /* VA_ROW_GROUP rows */
	sqlite3_stmt *one;  /* the rest */
	int ncols;	    /* at most 32 */
};

/*
 * Prepare "@head VALUES (?,...),... @tail" for @ncols columns, @tail being
 * e.g. an ON CONFLICT clause (which may name excluded.COLUMN, never ?N).
 * Returns: 0 or -errno.
 */
int va_rows_prepare(sqlite3 *db, struct va_row_group *g, const char *head, int ncols,
		    const char *tail);
void va_rows_finalize(struct va_row_group *g); /* accepts a zeroed struct */
/*
 * Insert @nrows rows of @vals (row after row, ncols values each). @nulls,
 * when not NULL, has a bit per column of each row: set, that value is NULL.
 * Returns: 0 or -errno (SQLite's error, as va_store_errno).
 */
int va_rows_insert(struct va_row_group *g, const int64_t *vals, const uint32_t *nulls,
		   size_t nrows);

#endif
