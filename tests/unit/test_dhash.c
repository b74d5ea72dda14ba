// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Locating the dcache's hash table from (pprev, hash) samples: the table and
 * shift behind a set of bucket heads are found, whatever the table's size;
 * a few samples that were not first in their bucket are outvoted; too few
 * samples, too many outliers, or addresses no table explains are refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dhash.h"

#define N 32

/* A fixed pseudo-random sequence (xorshift64), so failures reproduce. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* @n bucket heads of a table at @table with 2^(32 - @shift) buckets. */
static void heads(struct va_dhash_sample *s, size_t n, uint64_t table, uint32_t shift,
		  uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		s[i].hash = (uint32_t)next_random(&seed);
		s[i].pprev = table + ((s[i].hash >> shift) << 3);
	}
}

static void test_finds_table_and_shift(void **state)
{
	static const uint32_t shifts[] = { 10, 13, 18, 21, 26 };
	struct va_dhash_sample s[N];

	(void)state;
	for (size_t k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
		uint64_t table = 0xffff9c4e40000000ull + k * 0x1000000ull, got = 0;
		uint32_t shift = 0;

		heads(s, N, table, shifts[k], 7 + k);
		assert_int_equal(va_dhash_solve(s, N, &got, &shift), 0);
		assert_int_equal(got, table);
		assert_int_equal(shift, shifts[k]);
	}
}

/* A sample whose dentry was no longer first in its bucket points into another dentry. */
static void test_outliers_outvoted(void **state)
{
	struct va_dhash_sample s[N];
	uint64_t x = 99, got = 0;
	uint32_t shift = 0;

	(void)state;
	heads(s, N, 0xffffa00000000000ull, 14, 3);
	for (size_t i = 0; i < 6; i++)
		s[i * 5].pprev = 0xffff888100000000ull + (next_random(&x) & 0xffffff8ull);
	assert_int_equal(va_dhash_solve(s, N, &got, &shift), 0);
	assert_int_equal(got, 0xffffa00000000000ull);
	assert_int_equal(shift, 14);

	/* A quarter or more that disagree: no answer is trusted. */
	for (size_t i = 0; i < N / 4; i++)
		s[i * 4 + 1].pprev = 0xffff888100000000ull + (next_random(&x) & 0xffffff8ull);
	assert_int_equal(va_dhash_solve(s, N, &got, &shift), -ESRCH);
}

static void test_refuses_what_no_table_explains(void **state)
{
	struct va_dhash_sample s[N];
	uint64_t x = 12345, got = 0;
	uint32_t shift = 0;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		s[i].hash = (uint32_t)next_random(&x);
		s[i].pprev = 0xffff888000000000ull + (next_random(&x) & 0xfffffff8ull);
	}
	assert_int_equal(va_dhash_solve(s, N, &got, &shift), -ESRCH);

	/* Too few samples to tell, even if they agree. */
	heads(s, VA_DHASH_MIN_AGREE - 1, 0xffffa00000000000ull, 14, 5);
	assert_int_equal(va_dhash_solve(s, VA_DHASH_MIN_AGREE - 1, &got, &shift), -ESRCH);
	assert_int_equal(va_dhash_solve(s, 0, &got, &shift), -ESRCH);

	/* A user-space address is no kernel table. */
	heads(s, N, 0x00007f0000000000ull, 14, 5);
	assert_int_equal(va_dhash_solve(s, N, &got, &shift), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_table_and_shift),
		cmocka_unit_test(test_outliers_outvoted),
		cmocka_unit_test(test_refuses_what_no_table_explains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
