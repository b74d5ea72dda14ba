// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

/* Escapes @len bytes of @in and compares with @want. */
static void check_escape(const char *in, size_t len, const char *want)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(va_escape_c(f, in, len), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, want);
	free(buf);
}

#define ESC(lit, want) check_escape(lit, sizeof(lit) - 1, want)

static void test_escape_plain(void **state)
{
	(void)state;
	ESC("", "");
	ESC("/etc/foobar", "/etc/foobar");
	ESC("with space ~!@#$%^&*()[]{}\"'", "with space ~!@#$%^&*()[]{}\"'");
}

static void test_escape_controls(void **state)
{
	(void)state;
	ESC("a\nb", "a\\nb");
	ESC("\t\r", "\\t\\r");
	ESC("back\\slash", "back\\\\slash");
	ESC("\\n", "\\\\n"); /* a literal backslash-n must not read as a newline */
	ESC("\x1b[31mred", "\\x1b[31mred");
	ESC("\x7f", "\\x7f");
	ESC("\x01\x1f", "\\x01\\x1f");
	ESC("a\0b", "a\\x00b");
	ESC("\x08\x0b\x0c", "\\x08\\x0b\\x0c");
}

static void test_escape_utf8(void **state)
{
	(void)state;
	ESC("caf\xc3\xa9", "caf\xc3\xa9");
	ESC("\xe2\x82\xac", "\xe2\x82\xac");
	ESC("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	ESC("\xc2\xa0", "\xc2\xa0");		     /* U+00A0, first after C1 */
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	ESC("\xef\xbf\xbd", "\xef\xbf\xbd");
}

static void test_escape_invalid(void **state)
{
	(void)state;
	ESC("\xff", "\\xff");
	ESC("a\xff"
	    "b",
	    "a\\xffb");
	ESC("\xe2\x82", "\\xe2\\x82"); /* truncated at the end */
	ESC("\xe2\x82"
	    "x",
	    "\\xe2\\x82x");				       /* truncated in the middle */
	ESC("\xe2\x82\xe2\x82\xac", "\\xe2\\x82\xe2\x82\xac"); /* resyncs on the next lead byte */
	ESC("\xc0\xaf", "\\xc0\\xaf");			       /* overlong '/' */
	ESC("\xc1\xbf", "\\xc1\\xbf");
	ESC("\xe0\x80\xaf", "\\xe0\\x80\\xaf");		 /* overlong, 3 bytes */
	ESC("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"); /* overlong, 4 bytes */
	ESC("\xed\xa0\x80", "\\xed\\xa0\\x80");		 /* surrogate U+D800 */
	ESC("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* U+110000 */
	ESC("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	ESC("\x80", "\\x80");
	ESC("\xc2\x9b", "\\xc2\\x9b"); /* C1 CSI */
	ESC("\xc2\x85", "\\xc2\\x85"); /* C1 NEL, a line break to some */
}

static void check_valid(const char *s, size_t len, bool want)
{
	assert_int_equal(va_utf8_valid(s, len), want);
}

#define VALID(lit, want) check_valid(lit, sizeof(lit) - 1, want)

static void test_utf8_valid(void **state)
{
	(void)state;
	VALID("", true);
	VALID("plain", true);
	VALID("a\0b", true);
	VALID("\xc2\x80", true);
	VALID("\xdf\xbf", true);
	VALID("\xe0\xa0\x80", true);
	VALID("\xed\x9f\xbf", true); /* U+D7FF */
	VALID("\xee\x80\x80", true); /* U+E000 */
	VALID("\xf0\x90\x80\x80", true);
	VALID("\xf4\x8f\xbf\xbf", true);

	VALID("\x80", false);
	VALID("\xbf", false);
	VALID("\xc0\x80", false);
	VALID("\xc1\xbf", false);
	VALID("\xc2", false);
	VALID("\xc2\x41", false);
	VALID("\xe0\x9f\xbf", false);
	VALID("\xed\xa0\x80", false);
	VALID("\xed\xbf\xbf", false);
	VALID("\xf0\x8f\xbf\xbf", false);
	VALID("\xf4\x90\x80\x80", false);
	VALID("\xf5\x80\x80\x80", false);
	VALID("\xfe", false);
	VALID("\xff", false);
	VALID("\xe2\x82", false);
	VALID("\xf0\x9f\x98", false);
	/* the length is authoritative: a cut through a character is invalid */
	check_valid("\xe2\x82\xac", 2, false);
	check_valid("ok\xff", 2, true);
}

static void check_sanitize(const char *in, size_t len, const char *want, size_t want_len)
{
	size_t n = 12345;
	char *s = va_utf8_sanitize(in, len, &n);

	assert_non_null(s);
	assert_int_equal(n, want_len);
	assert_memory_equal(s, want, want_len + 1);
	assert_true(va_utf8_valid(s, n));
	free(s);
}

#define SAN(lit, want) check_sanitize(lit, sizeof(lit) - 1, want, sizeof(want) - 1)

static void test_sanitize(void **state)
{
	char *s;

	(void)state;
	SAN("", "");
	SAN("/etc/passwd", "/etc/passwd");
	SAN("caf\xc3\xa9", "caf\xc3\xa9");
	SAN("a\xff"
	    "b",
	    "a\xef\xbf\xbd"
	    "b");
	SAN("\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd");
	SAN("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	SAN("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	SAN("\xe2\x82\xe2\x82\xac", "\xef\xbf\xbd\xef\xbf\xbd\xe2\x82\xac");
	SAN("a\0b", "a\0b");
	/* control characters are valid UTF-8: JSON escapes them, not this */
	SAN("\n\x1b", "\n\x1b");

	s = va_utf8_sanitize("abc", 3, NULL);
	assert_string_equal(s, "abc");
	free(s);
}

static void test_hex(void **state)
{
	char *h;

	(void)state;
	h = va_hex_encode("", 0);
	assert_string_equal(h, "");
	free(h);
	h = va_hex_encode("\x00\xff/a\x0f\xf0", 6);
	assert_string_equal(h, "00ff2f610ff0");
	free(h);
	h = va_hex_encode("/tmp/\xff\xfe", 7);
	assert_string_equal(h, "2f746d702ffffe");
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain), cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_utf8),  cmocka_unit_test(test_escape_invalid),
		cmocka_unit_test(test_utf8_valid),   cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
