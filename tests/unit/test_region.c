// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The writer's growable mapping: growth keeps what was written, doubles up
 * to VA_REGION_STEP and then goes a step at a time (so that what is
 * mapped stays within a step of what is used), and shrinking gives back
 * all but what is kept, keeping its bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "region.h"

static void fill(unsigned char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		p[i] = (unsigned char)(i * 7 + 3);
}

static void assert_filled(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + 3))
			fail_msg("byte %zu lost: %u", i, p[i]);
}

static void test_grow_keeps_bytes(void **state)
{
	struct va_region r = { 0 };
	size_t used = 0;

	(void)state;
	assert_int_equal(va_region_reserve(&r, 1), 0);
	assert_non_null(r.p);
	assert_int_equal(r.cap, 64u << 10);
	/* Grow a few bytes past the end each time, as the queue does, to 20 MiB. */
	while (used < (20u << 20)) {
		size_t next = used + 100000;

		assert_int_equal(va_region_reserve(&r, next), 0);
		assert_true(r.cap >= next);
		/* Past a step, never more than a step (and a page) beyond what was asked. */
		if (next > VA_REGION_STEP)
			assert_true(r.cap < next + VA_REGION_STEP + (size_t)sysconf(_SC_PAGESIZE));
		fill(r.p, used, next);
		used = next;
	}
	assert_filled(r.p, used);
	va_region_free(&r);
	assert_null(r.p);
	assert_int_equal(r.cap, 0);
	va_region_free(&r); /* twice is harmless */
}

static void test_shrink(void **state)
{
	struct va_region r = { 0 };

	(void)state;
	assert_int_equal(va_region_reserve(&r, 8u << 20), 0);
	fill(r.p, 0, 8u << 20);
	va_region_shrink(&r, 3u << 20);
	assert_int_equal(r.cap, 3u << 20);
	assert_filled(r.p, 3u << 20);
	/* Not below what is kept: a no-op. */
	va_region_shrink(&r, 4u << 20);
	assert_int_equal(r.cap, 3u << 20);
	/* And it grows again from there. */
	assert_int_equal(va_region_reserve(&r, 5u << 20), 0);
	assert_filled(r.p, 3u << 20);
	fill(r.p, 3u << 20, 5u << 20);
	assert_filled(r.p, 5u << 20);
	/* Keeping nothing unmaps it. */
	va_region_shrink(&r, 0);
	assert_null(r.p);
	assert_int_equal(r.cap, 0);
}

static void test_too_large(void **state)
{
	struct va_region r = { 0 };

	(void)state;
	assert_int_equal(va_region_reserve(&r, SIZE_MAX - 5), -ENOMEM);
	assert_null(r.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_bytes),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
