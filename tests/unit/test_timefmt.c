// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <cmocka.h>

#include "timefmt.h"

#define NS 1000000000ull
/* 2026-11-26T13:14:02Z, SPEC.md's example */
#define SPEC_SECS 1795698842ull
/* 2026-11-20T00:00:00Z */
#define NOV20 1795132800ull

static void check_fmt(uint64_t ns, const char *want)
{
	char buf[VA_RFC3339_SIZE];

	assert_int_equal(va_time_rfc3339(ns, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_rfc3339(void **state)
{
	char small[VA_RFC3339_SIZE - 1];

	(void)state;
	check_fmt(0, "1970-01-01T00:00:00.000000000Z");
	check_fmt(SPEC_SECS * NS + 123456789, "2026-11-26T13:14:02.123456789Z");
	check_fmt(SPEC_SECS * NS + 1, "2026-11-26T13:14:02.000000001Z");
	check_fmt(1709208000ull * NS + 999999999, "2024-02-29T12:00:00.999999999Z");
	check_fmt(UINT64_MAX, "2554-07-21T23:34:33.709551615Z");
	assert_int_equal(va_time_rfc3339(0, small, sizeof(small)), -ENOSPC);
}

/* The audit record must not change with the reader's time zone. */
static void test_rfc3339_ignores_tz(void **state)
{
	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	check_fmt(SPEC_SECS * NS + 123456789, "2026-11-26T13:14:02.123456789Z");
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	assert_int_equal(va_parse_when("2026-11-20", 0, &(uint64_t){ 0 }), 0);
	{
		uint64_t t = 0;

		assert_int_equal(va_parse_when("2026-11-20T13:00:00", 0, &t), 0);
		assert_int_equal(t, (NOV20 + 13 * 3600) * NS);
	}
	unsetenv("TZ");
	tzset();
}

static uint64_t when_ok(const char *s, uint64_t now)
{
	uint64_t t = 0;

	assert_int_equal(va_parse_when(s, now, &t), 0);
	return t;
}

static void when_bad(const char *s, int err)
{
	uint64_t t = 77;

	assert_int_equal(va_parse_when(s, SPEC_SECS * NS, &t), err);
	assert_int_equal(t, 77);
}

static void test_durations(void **state)
{
	const uint64_t now = SPEC_SECS * NS + 5;

	(void)state;
	assert_int_equal(when_ok("90s", now), now - 90 * NS);
	assert_int_equal(when_ok("15m", now), now - 15 * 60 * NS);
	assert_int_equal(when_ok("12h", now), now - 12 * 3600 * NS);
	assert_int_equal(when_ok("7d", now), now - 7 * 86400 * NS);
	assert_int_equal(when_ok("2w", now), now - 14 * 86400 * NS);
	assert_int_equal(when_ok("1h30m", now), now - 5400 * NS);
	assert_int_equal(when_ok("0s", now), now);
	assert_int_equal(when_ok("007s", now), now - 7 * NS);
	assert_int_equal(when_ok("10s", 10 * NS), 0);
}

static void test_duration_errors(void **state)
{
	(void)state;
	when_bad("", -EINVAL);
	when_bad("90", -EINVAL);
	when_bad("s", -EINVAL);
	when_bad("-5m", -EINVAL);
	when_bad("+5m", -EINVAL);
	when_bad("5x", -EINVAL);
	when_bad("5 m", -EINVAL);
	when_bad(" 5m", -EINVAL);
	when_bad("5m ", -EINVAL);
	when_bad("5M", -EINVAL);
	when_bad("1.5h", -EINVAL);
	when_bad("5mm", -EINVAL);
	when_bad("1h30", -EINVAL);
	when_bad("yesterday", -EINVAL);
	/* further back than 1970 */
	when_bad("100000w", -ERANGE);
	when_bad("99999999999999999999s", -ERANGE);
	when_bad("18446744073s1s", -ERANGE);
	assert_int_equal(va_parse_when(NULL, 0, &(uint64_t){ 0 }), -EINVAL);
	assert_int_equal(va_parse_when("11s", 10 * NS, &(uint64_t){ 0 }), -ERANGE);
}

static void test_absolute(void **state)
{
	const uint64_t h13 = (NOV20 + 13 * 3600) * NS;

	(void)state;
	assert_int_equal(when_ok("2026-11-20", 0), NOV20 * NS);
	assert_int_equal(when_ok("2026-11-20T13:00:00Z", 0), h13);
	assert_int_equal(when_ok("2026-11-20T13:00:00", 0), h13);
	assert_int_equal(when_ok("2026-11-20t13:00:00z", 0), h13);
	assert_int_equal(when_ok("2026-11-20 13:00:00", 0), h13);
	assert_int_equal(when_ok("2026-11-20T13:00", 0), h13);
	assert_int_equal(when_ok("2026-11-20T13:00Z", 0), h13);
	assert_int_equal(when_ok("2026-11-20T13:00:00.5Z", 0), h13 + 500000000);
	assert_int_equal(when_ok("2026-11-20T13:00:00.123456789Z", 0), h13 + 123456789);
	assert_int_equal(when_ok("2026-11-20T13:00:00.000000001", 0), h13 + 1);
	assert_int_equal(when_ok("2026-11-20T14:00:00+01:00", 0), h13);
	assert_int_equal(when_ok("2026-11-20T08:00:00-05:00", 0), h13);
	assert_int_equal(when_ok("2026-11-20T08:00:00-0500", 0), h13);
	assert_int_equal(when_ok("2026-11-20T13:00:00+00:00", 0), h13);
	assert_int_equal(when_ok("2024-02-29", 0), (1709208000ull - 12 * 3600) * NS);
	assert_int_equal(when_ok("1970-01-01", 0), 0);
	assert_int_equal(when_ok("1969-12-31T23:00:00-01:00", 0), 0);
	/* RFC 3339 leap second: the next minute's first second */
	assert_int_equal(when_ok("2026-11-20T12:59:60Z", 0), h13);
	assert_int_equal(when_ok("2554-07-21T23:34:33.709551615Z", 0), UINT64_MAX);
	/* now is irrelevant to absolute times */
	assert_int_equal(when_ok("2026-11-20", 1), NOV20 * NS);
}

static void test_absolute_errors(void **state)
{
	(void)state;
	when_bad("2026-02-29", -EINVAL);
	when_bad("2100-02-29", -EINVAL);
	when_bad("2026-13-01", -EINVAL);
	when_bad("2026-00-10", -EINVAL);
	when_bad("2026-11-31", -EINVAL);
	when_bad("2026-11-00", -EINVAL);
	when_bad("2026-1-20", -EINVAL);
	when_bad("2026-11-2", -EINVAL);
	when_bad("2026/11/20", -EINVAL);
	when_bad("2026-11-20T", -EINVAL);
	when_bad("2026-11-20T13", -EINVAL);
	when_bad("2026-11-20T24:00:00", -EINVAL);
	when_bad("2026-11-20T13:60:00", -EINVAL);
	when_bad("2026-11-20T13:00:61", -EINVAL);
	when_bad("2026-11-20T13:00:00ZZ", -EINVAL);
	when_bad("2026-11-20T13:00:00.", -EINVAL);
	when_bad("2026-11-20T13:00:00.1234567890", -EINVAL);
	when_bad("2026-11-20T13:00:00+1", -EINVAL);
	when_bad("2026-11-20T13:00:00+24:00", -EINVAL);
	when_bad("2026-11-20T13:00:00 ", -EINVAL);
	when_bad("2026-11-20Z", -EINVAL);
	when_bad("2026-11-20x", -EINVAL);
	when_bad("1969-12-31", -ERANGE);
	when_bad("0000-01-01", -ERANGE);
	when_bad("2554-07-21T23:34:34Z", -ERANGE);
	when_bad("9999-12-31", -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),	  cmocka_unit_test(test_rfc3339_ignores_tz),
		cmocka_unit_test(test_durations), cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_absolute),  cmocka_unit_test(test_absolute_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
