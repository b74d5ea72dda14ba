// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "util.h"

static void u64_bad(const char *s, uint64_t max, int err)
{
	uint64_t v = 77;

	assert_int_equal(va_parse_u64(s, max, &v), err);
	assert_int_equal(v, 77);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(va_parse_u64("0", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(va_parse_u64("42", UINT64_MAX, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(va_parse_u64("007", UINT64_MAX, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(va_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(va_parse_u64("100", 100, &v), 0);
	assert_int_equal(v, 100);

	u64_bad("18446744073709551616", UINT64_MAX, -ERANGE);
	u64_bad("99999999999999999999999", UINT64_MAX, -ERANGE);
	u64_bad("101", 100, -ERANGE);
	u64_bad("4294967296", UINT32_MAX, -ERANGE);
	u64_bad("", UINT64_MAX, -EINVAL);
	u64_bad("-1", UINT64_MAX, -EINVAL);
	u64_bad("+1", UINT64_MAX, -EINVAL);
	u64_bad(" 1", UINT64_MAX, -EINVAL);
	u64_bad("1 ", UINT64_MAX, -EINVAL);
	u64_bad("0x10", UINT64_MAX, -EINVAL);
	u64_bad("12a", UINT64_MAX, -EINVAL);
	u64_bad("1.0", UINT64_MAX, -EINVAL);
	u64_bad(NULL, UINT64_MAX, -EINVAL);
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;

	assert_int_equal(va_parse_size(s, &v), 0);
	assert_true(v == want);
}

static void size_bad(const char *s, int err)
{
	uint64_t v = 77;

	assert_int_equal(va_parse_size(s, &v), err);
	assert_int_equal(v, 77);
}

static void test_parse_size(void **state)
{
	(void)state;
	size_ok("4096", 4096);
	size_ok("0", 0);
	size_ok("64k", 64 << 10);
	size_ok("64K", 64 << 10);
	size_ok("16M", 16ull << 20);
	size_ok("16m", 16ull << 20);
	size_ok("1G", 1ull << 30);
	size_ok("2T", 2ull << 40);
	size_ok("1KiB", 1024);
	size_ok("3mib", 3ull << 20);
	size_ok("16777215T", 16777215ull << 40);
	size_bad("16777216T", -ERANGE);
	size_bad("18446744073709551616", -ERANGE);
	size_bad("", -EINVAL);
	size_bad("k", -EINVAL);
	size_bad("1.5k", -EINVAL);
	size_bad("1kb", -EINVAL);
	size_bad("1k ", -EINVAL);
	size_bad("1 k", -EINVAL);
	size_bad("-1k", -EINVAL);
	size_bad("1P", -EINVAL);
	size_bad("1x", -EINVAL);
	size_bad("1ki", -EINVAL);
	size_bad(NULL, -EINVAL);
}

static void dev_ok(const char *s, uint32_t major, uint32_t minor)
{
	uint32_t dev = 0;

	assert_int_equal(va_parse_dev(s, &dev), 0);
	assert_int_equal(dev, (major << 20) | minor);
	assert_int_equal(va_dev_major(dev), major);
	assert_int_equal(va_dev_minor(dev), minor);
}

static void dev_bad(const char *s, int err)
{
	uint32_t dev = 77;

	assert_int_equal(va_parse_dev(s, &dev), err);
	assert_int_equal(dev, 77);
}

/* What `stat -c %D` prints for a device: glibc's dev_t in hex. */
static void dev_stat_form(uint32_t major, uint32_t minor)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%jx", (uintmax_t)makedev(major, minor));
	dev_ok(buf, major, minor);
}

static void test_parse_dev(void **state)
{
	(void)state;
	dev_ok("8:3", 8, 3);
	dev_ok("0:0", 0, 0);
	dev_ok("259:1", 259, 1);
	dev_ok("4095:1048575", 4095, 1048575);
	dev_ok("803", 8, 3);
	dev_ok("fd00", 253, 0);
	dev_ok("FD01", 253, 1);
	dev_ok("0x803", 8, 3);
	dev_ok("2a", 0, 42);
	dev_stat_form(8, 3);
	dev_stat_form(259, 70000);
	dev_stat_form(4095, 1048575);
	dev_stat_form(0, 300);

	dev_bad("4096:0", -ERANGE);
	dev_bad("0:1048576", -ERANGE);
	dev_bad("99999999999999999999:0", -ERANGE);
	{
		char buf[32];

		snprintf(buf, sizeof(buf), "%jx", (uintmax_t)makedev(4096, 0));
		dev_bad(buf, -ERANGE);
	}
	dev_bad("", -EINVAL);
	dev_bad("8:", -EINVAL);
	dev_bad(":3", -EINVAL);
	dev_bad("8:3:1", -EINVAL);
	dev_bad("8:-3", -EINVAL);
	dev_bad("-8:3", -EINVAL);
	dev_bad(" 8:3", -EINVAL);
	dev_bad("8 :3", -EINVAL);
	dev_bad("0x", -EINVAL);
	dev_bad("xyz", -EINVAL);
	dev_bad("80g", -EINVAL);
	dev_bad("/dev/sda", -EINVAL);
	dev_bad(NULL, -EINVAL);
}

static void test_dev_helpers(void **state)
{
	(void)state;
	assert_int_equal(va_dev_make(8, 3), 0x800003);
	assert_int_equal(va_dev_make(4095, 1048575), 0xffffffffu);
	assert_int_equal(va_dev_major(0x800003), 8);
	assert_int_equal(va_dev_minor(0x800003), 3);
	assert_int_equal(va_dev_major(0xfff00000u), 4095);
	assert_int_equal(va_dev_minor(0xfff00000u), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_dev),
		cmocka_unit_test(test_dev_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
