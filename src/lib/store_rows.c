// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "store_rows.h"

static int prepare_n(sqlite3 *db, sqlite3_stmt **st, const char *head, int ncols, int nrows,
		     const char *tail)
{
	size_t cap = strlen(head) + strlen(tail) + 16 + (size_t)nrows * ((size_t)ncols * 2 + 3);
	char *sql = malloc(cap), *p;
	int rc;

	if (!sql)
		return -ENOMEM;
	p = sql + sprintf(sql, "%s VALUES", head);
	for (int r = 0; r < nrows; r++) {
		*p++ = r ? ',' : ' ';
		*p++ = '(';
		for (int c = 0; c < ncols; c++) {
			if (c)
				*p++ = ',';
			*p++ = '?';
		}
		*p++ = ')';
	}
	sprintf(p, "%s%s", *tail ? " " : "", tail);
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	free(sql);
	return va_store_errno(rc);
}

int va_rows_prepare(sqlite3 *db, struct va_row_group *g, const char *head, int ncols,
		    const char *tail)
{
	int ret;

	if (ncols < 1 || ncols > 32)
		return -EINVAL;
	g->ncols = ncols;
	ret = prepare_n(db, &g->many, head, ncols, VA_ROW_GROUP, tail);
	if (!ret)
		ret = prepare_n(db, &g->one, head, ncols, 1, tail);
	if (ret)
		va_rows_finalize(g);
	return ret;
}

void va_rows_finalize(struct va_row_group *g)
{
	sqlite3_finalize(g->many);
	sqlite3_finalize(g->one);
	g->many = g->one = NULL;
}

/* Bind @nrows rows to @st from parameter 1 on, run it once. */
static int run(sqlite3_stmt *st, int ncols, const int64_t *vals, const uint32_t *nulls,
	       size_t nrows)
{
	int i = 1, rc;

	for (size_t r = 0; r < nrows; r++) {
		for (int c = 0; c < ncols; c++, i++) {
			if (nulls && (nulls[r] >> c & 1))
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_int64(st, i, vals[r * (size_t)ncols + (size_t)c]);
		}
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : va_store_errno(rc);
}

int va_rows_insert(struct va_row_group *g, const int64_t *vals, const uint32_t *nulls,
		   size_t nrows)
{
	int ret = 0;

	/* Every parameter is bound on each run: no bindings to clear. */
	for (; nrows >= VA_ROW_GROUP && !ret; nrows -= VA_ROW_GROUP) {
		ret = run(g->many, g->ncols, vals, nulls, VA_ROW_GROUP);
		vals += VA_ROW_GROUP * (size_t)g->ncols;
		if (nulls)
			nulls += VA_ROW_GROUP;
	}
	for (; nrows && !ret; nrows--) {
		ret = run(g->one, g->ncols, vals, nulls, 1);
		vals += g->ncols;
		if (nulls)
			nulls++;
	}
	return ret;
}
