// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The u64 map: what was put is found, replaced and removed; removal keeps
 * the rest findable; and keys that differ only in their high half (a path id
 * packed above one reused inode's id) still spread over the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "u64map.h"

#define N 100000u

static void *val_of(uint64_t i)
{
	return (void *)(uintptr_t)(i + 1);
}

static void test_put_get_del(void **state)
{
	struct va_u64map m;

	(void)state;
	va_u64map_init(&m);
	assert_null(va_u64map_get(&m, 1));
	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(va_u64map_put(&m, i * 3, val_of(i)), 0);
	assert_int_equal(m.len, N);
	for (uint64_t i = 0; i < N; i++) {
		assert_ptr_equal(va_u64map_get(&m, i * 3), val_of(i));
		assert_null(va_u64map_get(&m, i * 3 + 1));
	}
	/* Replacing keeps the count. */
	assert_int_equal(va_u64map_put(&m, 3, val_of(7)), 0);
	assert_int_equal(m.len, N);
	assert_ptr_equal(va_u64map_get(&m, 3), val_of(7));
	/* Remove every other key: the rest stay findable. */
	for (uint64_t i = 0; i < N; i += 2)
		assert_ptr_equal(va_u64map_del(&m, i * 3), i == 1 ? val_of(7) : val_of(i));
	assert_null(va_u64map_del(&m, 0));
	assert_int_equal(m.len, N / 2);
	for (uint64_t i = 0; i < N; i++)
		if (i % 2)
			assert_ptr_equal(va_u64map_get(&m, i * 3), i == 1 ? val_of(7) : val_of(i));
		else
			assert_null(va_u64map_get(&m, i * 3));
	va_u64map_free(&m);
}

/* Keys that share their low 32 bits must not share a probe chain. */
/* Clearing empties the map; a table within the bound is kept, a larger one freed. */
static void test_clear(void **state)
{
	struct va_u64map m;
	size_t cap;

	(void)state;
	va_u64map_init(&m);
	for (uint64_t k = 1; k <= 1000; k++)
		assert_int_equal(va_u64map_put(&m, k, (void *)(uintptr_t)k), 0);
	cap = m.cap;
	va_u64map_clear(&m, cap);
	assert_int_equal(m.len, 0);
	assert_int_equal(m.cap, cap);
	for (uint64_t k = 1; k <= 1000; k++)
		assert_null(va_u64map_get(&m, k));
	/* Refilled without growing, and found again. */
	for (uint64_t k = 2001; k <= 3000; k++)
		assert_int_equal(va_u64map_put(&m, k, (void *)(uintptr_t)k), 0);
	assert_int_equal(m.cap, cap);
	assert_ptr_equal(va_u64map_get(&m, 2500), (void *)(uintptr_t)2500);
	va_u64map_clear(&m, cap - 1);
	assert_int_equal(m.cap, 0);
	assert_null(va_u64map_get(&m, 2500));
	va_u64map_free(&m);
}

static void test_packed_keys_spread(void **state)
{
	struct va_u64map m;

	(void)state;
	va_u64map_init(&m);
	for (uint64_t path = 1; path <= N; path++)
		assert_int_equal(va_u64map_put(&m, path << 32 | 4242, val_of(path)), 0);
	for (uint64_t path = 1; path <= N; path++)
		assert_ptr_equal(va_u64map_get(&m, path << 32 | 4242), val_of(path));
	/* Load is at most 3/4; a fair spread keeps runs short (here under 20; a multiply-only hash
	 * made one run of 12,500). */
	assert_true(va_u64map_longest_probe(&m) < 200);
	va_u64map_free(&m);

	/* Sequential keys, as pids and ids come. */
	va_u64map_init(&m);
	for (uint64_t i = 1; i <= N; i++)
		assert_int_equal(va_u64map_put(&m, i, val_of(i)), 0);
	assert_true(va_u64map_longest_probe(&m) < 200);
	va_u64map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_packed_keys_spread),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
