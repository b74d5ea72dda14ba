// SPDX-License-Identifier: GPL-2.0-or-later
/* The process table and the hash map under it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "proctab.h"
#include "u64map.h"

static void test_map_many(void **state)
{
	struct va_u64map m;
	static int vals[5000];

	(void)state;
	va_u64map_init(&m);
	assert_null(va_u64map_get(&m, 1));
	assert_null(va_u64map_del(&m, 1));
	for (int i = 0; i < 5000; i++)
		assert_int_equal(va_u64map_put(&m, (uint64_t)i * 7, &vals[i]), 0);
	assert_int_equal(m.len, 5000);
	/* Delete every other key; the rest must stay reachable past the holes. */
	for (int i = 0; i < 5000; i += 2)
		assert_ptr_equal(va_u64map_del(&m, (uint64_t)i * 7), &vals[i]);
	for (int i = 0; i < 5000; i++) {
		if (i % 2)
			assert_ptr_equal(va_u64map_get(&m, (uint64_t)i * 7), &vals[i]);
		else
			assert_null(va_u64map_get(&m, (uint64_t)i * 7));
	}
	assert_int_equal(m.len, 2500);
	assert_int_equal(va_u64map_put(&m, 7, &vals[0]), 0); /* replace */
	assert_ptr_equal(va_u64map_get(&m, 7), &vals[0]);
	assert_int_equal(m.len, 2500);
	va_u64map_free(&m);
}

/* A fake /proc with one process: 77 -> /usr/bin/fake, cmdline "fake\0-x\0". */
static char root[64];

static int setup_proc(void **state)
{
	char p[128];
	FILE *f;

	(void)state;
	strcpy(root, "/tmp/vfsaudit-proctab-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(p, sizeof(p), "%s/77", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/77/exe", root);
	if (symlink("/usr/bin/fake", p))
		return -1;
	snprintf(p, sizeof(p), "%s/77/cmdline", root);
	f = fopen(p, "w");
	if (!f)
		return -1;
	fwrite("fake\0-x\0", 1, 8, f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/self", root); /* not a pid: ignored */
	mkdir(p, 0755);
	return 0;
}

static int teardown_proc(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_seed_fork_exec_exit(void **state)
{
	struct va_proctab t;
	const struct va_proc *p;

	(void)state;
	va_proctab_init(&t, root);
	assert_int_equal(va_proctab_seed(&t), 1);
	p = va_proctab_get(&t, 77);
	assert_non_null(p);
	assert_string_equal(p->exe, "/usr/bin/fake");
	assert_int_equal(p->argv_len, 8);
	assert_memory_equal(p->argv, "fake\0-x\0", 8);

	/* A fork inherits; an exec of the child leaves the parent alone. */
	assert_int_equal(va_proctab_fork(&t, 78, 77), 0);
	assert_string_equal(va_proctab_get(&t, 78)->exe, "/usr/bin/fake");
	assert_int_equal(va_proctab_exec(&t, 78, "/bin/sh", 7, "sh\0", 3), 0);
	assert_string_equal(va_proctab_get(&t, 78)->exe, "/bin/sh");
	assert_string_equal(va_proctab_get(&t, 77)->exe, "/usr/bin/fake");

	/* An exited process is still known for its late events, then dropped. */
	va_proctab_exit(&t, 78, 1000);
	assert_string_equal(va_proctab_get(&t, 78)->exe, "/bin/sh");
	va_proctab_expire(&t, 1000 + t.linger_ns / 2);
	assert_non_null(va_u64map_get(&t.map, 78));
	va_proctab_expire(&t, 1000 + t.linger_ns + 1);
	assert_null(va_u64map_get(&t.map, 78));
	assert_non_null(va_u64map_get(&t.map, 77));

	/* Exit of a parent that still shares its entry with a child. */
	assert_int_equal(va_proctab_fork(&t, 79, 77), 0);
	va_proctab_exit(&t, 77, 5);
	va_proctab_expire(&t, 5 + t.linger_ns + 1);
	assert_null(va_u64map_get(&t.map, 77));
	assert_string_equal(va_proctab_get(&t, 79)->exe, "/usr/bin/fake");

	/* Unknown and not in /proc: no exe. */
	p = va_proctab_get(&t, 4000000);
	assert_true(!p || !p->exe);
	assert_int_equal(va_proctab_fork(&t, 5, 4000001), -ENOENT);
	va_proctab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_many),
		cmocka_unit_test_setup_teardown(test_seed_fork_exec_exit, setup_proc, teardown_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
