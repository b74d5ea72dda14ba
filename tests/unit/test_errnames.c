// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "errnames.h"

static void test_common(void **state)
{
	(void)state;
	assert_string_equal(va_errno_name(EPERM), "EPERM");
	assert_string_equal(va_errno_name(ENOENT), "ENOENT");
	assert_string_equal(va_errno_name(EACCES), "EACCES");
	assert_string_equal(va_errno_name(EROFS), "EROFS");
	assert_string_equal(va_errno_name(EXDEV), "EXDEV");
	assert_string_equal(va_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
	assert_string_equal(va_errno_name(EHWPOISON), "EHWPOISON");
	assert_string_equal(va_errno_name(133), "EHWPOISON");
	assert_string_equal(va_errno_name(1), "EPERM");
}

static void test_aliases(void **state)
{
	(void)state;
	assert_string_equal(va_errno_name(EWOULDBLOCK), "EAGAIN");
	assert_string_equal(va_errno_name(EDEADLOCK), "EDEADLK");
	assert_string_equal(va_errno_name(ENOTSUP), "EOPNOTSUPP");
	assert_int_equal(va_errno_from_name("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(va_errno_from_name("EDEADLOCK"), EDEADLK);
	assert_int_equal(va_errno_from_name("ENOTSUP"), EOPNOTSUPP);
}

static void test_unknown(void **state)
{
	(void)state;
	assert_null(va_errno_name(0));
	assert_null(va_errno_name(-1));
	assert_null(va_errno_name(-13));
	assert_null(va_errno_name(41));
	assert_null(va_errno_name(58));
	assert_null(va_errno_name(134));
	assert_null(va_errno_name(511));
	assert_null(va_errno_name(520));
	assert_null(va_errno_name(532));
	assert_null(va_errno_name(4095));
	assert_int_equal(va_errno_from_name("EBOGUS"), 0);
	assert_int_equal(va_errno_from_name(""), 0);
	assert_int_equal(va_errno_from_name("eacces"), 0);
	assert_int_equal(va_errno_from_name(NULL), 0);
}

static void test_kernel_internal(void **state)
{
	(void)state;
	assert_string_equal(va_errno_name(512), "ERESTARTSYS");
	assert_string_equal(va_errno_name(516), "ERESTART_RESTARTBLOCK");
	assert_string_equal(va_errno_name(519), "ENOPARAM");
	assert_string_equal(va_errno_name(521), "EBADHANDLE");
	assert_string_equal(va_errno_name(524), "ENOTSUPP");
	assert_string_equal(va_errno_name(531), "ENOGRACE");
	assert_int_equal(va_errno_from_name("ERESTARTSYS"), 512);
	assert_int_equal(va_errno_from_name("ENOGRACE"), 531);
}

/* Every value 1..133 but the two holes is named, and the names agree with the C library's. */
static void test_full_table(void **state)
{
	int named = 0;

	(void)state;
	for (int i = 1; i <= 133; i++) {
		const char *n = va_errno_name(i);

		if (i == 41 || i == 58) {
			assert_null(n);
			continue;
		}
		assert_non_null(n);
		named++;
		assert_int_equal(va_errno_from_name(n), i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
		assert_string_equal(n, strerrorname_np(i));
#endif
	}
	assert_int_equal(named, 131);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common),	   cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_unknown),	   cmocka_unit_test(test_kernel_internal),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
