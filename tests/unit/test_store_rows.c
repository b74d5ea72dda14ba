// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rows inserted in groups (store_rows.c): every row arrives once, in order,
 * with its values and its NULLs, whether the count is a multiple of the
 * group or not; a tail such as an upsert applies to every row; a failing
 * row is reported, not skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store_rows.h"

static sqlite3 *open_db(void)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE t(k INTEGER PRIMARY KEY, a INTEGER, b INTEGER);"
				      "CREATE TABLE n(k INTEGER PRIMARY KEY, v INTEGER NOT NULL);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	return db;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -999;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_counts_around_the_group_size(void **state)
{
	static const size_t counts[] = { 0, 1, VA_ROW_GROUP - 1, VA_ROW_GROUP, VA_ROW_GROUP + 1,
					 3 * VA_ROW_GROUP + 5 };
	int64_t vals[3 * (3 * VA_ROW_GROUP + 5)];
	uint32_t nulls[3 * VA_ROW_GROUP + 5];

	(void)state;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		sqlite3 *db = open_db();
		struct va_row_group g = { 0 };
		size_t n = counts[c];

		for (size_t i = 0; i < n; i++) {
			vals[3 * i] = (int64_t)i + 1;
			vals[3 * i + 1] = (int64_t)i * 10;
			vals[3 * i + 2] = -(int64_t)i;
			/* a NULL on every third row, b NULL on every fifth */
			nulls[i] = (i % 3 == 0 ? 1u << 1 : 0) | (i % 5 == 0 ? 1u << 2 : 0);
		}
		assert_int_equal(va_rows_prepare(db, &g, "INSERT INTO t(k, a, b)", 3, ""), 0);
		assert_int_equal(va_rows_insert(&g, vals, nulls, n), 0);
		assert_int_equal(query_int(db, "SELECT count(*) FROM t"), (int64_t)n);
		if (n) {
			assert_int_equal(query_int(db, "SELECT max(k) FROM t"), (int64_t)n);
			/* Each row's values where it has them, NULL where its mask says. */
			assert_int_equal(query_int(db, "SELECT count(*) FROM t WHERE"
						       " ((k - 1) % 3 = 0) != (a IS NULL)"
						       " OR ((k - 1) % 5 = 0) != (b IS NULL)"
						       " OR (a IS NOT NULL AND a != (k - 1) * 10)"
						       " OR (b IS NOT NULL AND b != 1 - k)"),
					 0);
		}
		va_rows_finalize(&g);
		va_rows_finalize(&g); /* a second time is harmless */
		sqlite3_close(db);
	}
}

static void test_tail_applies_to_every_row(void **state)
{
	sqlite3 *db = open_db();
	struct va_row_group g = { 0 };
	int64_t vals[2 * 40];

	(void)state;
	/* 40 rows over 8 keys, 5 each: the upsert adds them up. */
	for (int i = 0; i < 40; i++) {
		vals[2 * i] = i % 8;
		vals[2 * i + 1] = i + 1;
	}
	assert_int_equal(va_rows_prepare(db, &g, "INSERT INTO n(k, v)", 2,
					 "ON CONFLICT(k) DO UPDATE SET v = v + excluded.v"),
			 0);
	assert_int_equal(va_rows_insert(&g, vals, NULL, 40), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM n"), 8);
	assert_int_equal(query_int(db, "SELECT sum(v) FROM n"), 40 * 41 / 2);
	assert_int_equal(query_int(db, "SELECT v FROM n WHERE k = 3"), 4 + 12 + 20 + 28 + 36);
	va_rows_finalize(&g);
	sqlite3_close(db);
}

static void test_failure_is_reported(void **state)
{
	sqlite3 *db = open_db();
	struct va_row_group g = { 0 };
	int64_t vals[2 * 20] = { 0 };
	uint32_t nulls[20] = { 0 };

	(void)state;
	for (int i = 0; i < 20; i++)
		vals[2 * i] = i + 1;
	nulls[17] = 1u << 1; /* v is NOT NULL: the remainder's second row fails */
	assert_int_equal(va_rows_prepare(db, &g, "INSERT INTO n(k, v)", 2, ""), 0);
	assert_int_not_equal(va_rows_insert(&g, vals, nulls, 20), 0);
	/* The group before it went in; the failing statement added nothing. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM n"), VA_ROW_GROUP + 1);
	va_rows_finalize(&g);
	assert_int_equal(va_rows_prepare(db, &g, "INSERT INTO n(k, v)", 0, ""), -EINVAL);
	assert_int_equal(va_rows_prepare(db, &g, "INSERT INTO n(k, v)", 33, ""), -EINVAL);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_around_the_group_size),
		cmocka_unit_test(test_tail_applies_to_every_row),
		cmocka_unit_test(test_failure_is_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
