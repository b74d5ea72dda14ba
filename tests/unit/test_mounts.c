// SPDX-License-Identifier: GPL-2.0-or-later
/* Mount tables: the device of a path named by a syscall. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "mounts.h"

static char root[64];

static void write_mountinfo(const char *pid, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/mountinfo", root, pid);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/vfsaudit-mounts-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

#define DEV(ma, mi) (((ma) << 20) | (mi))

static void test_longest_mount_point(void **state)
{
	struct va_mounts m;
	uint32_t dev = 0;

	(void)state;
	write_mountinfo("10", "21 1 254:0 / / rw - ext4 /dev/vda rw\n"
			      "22 21 0:26 / /tmp rw - tmpfs tmpfs rw\n"
			      "23 22 0:40 / /tmp/my\\040dir rw - tmpfs tmpfs rw\n"
			      "24 21 0:27 / /tmpx rw - tmpfs tmpfs rw\n"
			      "garbage line\n"
			      "25 22 0:41 / /tmp rw - tmpfs tmpfs rw\n");
	va_mounts_init(&m, root);
	assert_int_equal(va_mounts_dev(&m, 1, 10, 0, "/etc/passwd", 11, 1, &dev), 0);
	assert_int_equal(dev, DEV(254, 0));
	/* The later mount over /tmp hides the earlier one. */
	assert_int_equal(va_mounts_dev(&m, 1, 10, 0, "/tmp/f", 6, 1, &dev), 0);
	assert_int_equal(dev, DEV(0, 41));
	assert_int_equal(va_mounts_dev(&m, 1, 10, 0, "/tmpx/f", 7, 1, &dev), 0);
	assert_int_equal(dev, DEV(0, 27));
	assert_int_equal(va_mounts_dev(&m, 1, 10, 0, "/tmp/my dir/f", 13, 1, &dev), 0);
	assert_int_equal(dev, DEV(0, 40));

	/* The process is gone: its namespace's table is kept and still answers. */
	assert_int_equal(va_mounts_dev(&m, 1, 999, 0, "/tmp/g", 6, 5000000000ull, &dev), 0);
	assert_int_equal(dev, DEV(0, 41));
	/* Unknown namespace, nobody to ask. */
	assert_int_equal(va_mounts_dev(&m, 2, 999, 998, "/x", 2, 1, &dev), -ENOENT);
	/* ...but the parent answers. */
	assert_int_equal(va_mounts_dev(&m, 2, 999, 10, "/x", 2, 1, &dev), 0);
	assert_int_equal(dev, DEV(254, 0));
	va_mounts_free(&m);
}

static void test_unescape(void **state)
{
	char s[] = "/a\\040b\\011c\\134d\\0";

	(void)state;
	assert_int_equal(va_mountinfo_unescape(s), strlen("/a b\tc\\d\\0"));
	assert_string_equal(s, "/a b\tc\\d\\0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_longest_mount_point, setup, teardown),
		cmocka_unit_test(test_unescape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
