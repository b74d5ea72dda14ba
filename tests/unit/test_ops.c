// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "event.h"
#include "ops.h"

/* SPEC.md's op table, in wire-number order. */
static const char *const spec_ops[] = {
	NULL,	 "create",   "open",	    "read",   "write", "truncate", "unlink",
	"rmdir", "mkdir",    "mknod",	    "rename", "link",  "symlink",  "chmod",
	"chown", "setxattr", "removexattr", "utimes", "exec",  "lost",
};

static void test_op_names(void **state)
{
	(void)state;
	assert_int_equal(sizeof(spec_ops) / sizeof(spec_ops[0]), VA_OP_MAX);
	for (unsigned int i = 1; i < VA_OP_MAX; i++) {
		assert_string_equal(va_op_name((enum va_op)i), spec_ops[i]);
		assert_int_equal(va_op_from_name(spec_ops[i]), i);
	}
	assert_null(va_op_name(VA_OP_NONE));
	assert_null(va_op_name(VA_OP_MAX));
	assert_null(va_op_name((enum va_op)999));
	assert_int_equal(va_op_from_name("bogus"), VA_OP_NONE);
	assert_int_equal(va_op_from_name(""), VA_OP_NONE);
	assert_int_equal(va_op_from_name("Write"), VA_OP_NONE);
	assert_int_equal(va_op_from_name(NULL), VA_OP_NONE);
}

static void test_ftype(void **state)
{
	(void)state;
	assert_string_equal(va_ftype_name(VA_FTYPE_FILE), "file");
	assert_string_equal(va_ftype_name(VA_FTYPE_DIR), "dir");
	assert_string_equal(va_ftype_name(VA_FTYPE_SYMLINK), "symlink");
	assert_string_equal(va_ftype_name(VA_FTYPE_FIFO), "fifo");
	assert_string_equal(va_ftype_name(VA_FTYPE_SOCKET), "socket");
	assert_string_equal(va_ftype_name(VA_FTYPE_CHR), "chr");
	assert_string_equal(va_ftype_name(VA_FTYPE_BLK), "blk");
	assert_null(va_ftype_name(VA_FTYPE_UNKNOWN));
	assert_null(va_ftype_name((enum va_ftype)42));

	assert_int_equal(va_ftype_from_mode(S_IFREG | 0644), VA_FTYPE_FILE);
	assert_int_equal(va_ftype_from_mode(S_IFDIR | 0755), VA_FTYPE_DIR);
	assert_int_equal(va_ftype_from_mode(S_IFLNK | 0777), VA_FTYPE_SYMLINK);
	assert_int_equal(va_ftype_from_mode(S_IFIFO | 0600), VA_FTYPE_FIFO);
	assert_int_equal(va_ftype_from_mode(S_IFSOCK | 0600), VA_FTYPE_SOCKET);
	assert_int_equal(va_ftype_from_mode(S_IFCHR | 0666), VA_FTYPE_CHR);
	assert_int_equal(va_ftype_from_mode(S_IFBLK | 0660), VA_FTYPE_BLK);
	assert_int_equal(va_ftype_from_mode(0644), VA_FTYPE_UNKNOWN);
}

static uint64_t parse_ok(const char *list)
{
	uint64_t sel = 0;
	const char *bad = NULL;

	assert_int_equal(va_ops_parse(list, &sel, &bad), 0);
	return sel;
}

static void parse_bad(const char *list, size_t bad_at)
{
	uint64_t sel = 0x5a5a;
	const char *bad = NULL;

	assert_int_equal(va_ops_parse(list, &sel, &bad), -EINVAL);
	assert_ptr_equal(bad, list + bad_at);
	assert_int_equal(sel, 0x5a5a); /* untouched on failure */
}

static void test_groups(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("changes"), VA_SEL_CHANGES);
	assert_int_equal(parse_ok("reads"), VA_SEL_READS);
	assert_int_equal(parse_ok("exec"), VA_SEL(VA_OP_EXEC));
	assert_int_equal(parse_ok("all"), VA_SEL_ALL);

	/* changes: opens for writing, never for reading, never reads or exec */
	assert_true(VA_SEL_CHANGES & VA_SEL_OPEN_WRITE);
	assert_false(VA_SEL_CHANGES & VA_SEL_OPEN_READ);
	assert_false(VA_SEL_CHANGES & VA_SEL(VA_OP_READ));
	assert_false(VA_SEL_CHANGES & VA_SEL(VA_OP_EXEC));
	assert_false(VA_SEL_ALL & VA_SEL(VA_OP_LOST));
	assert_false(VA_SEL_ALL & VA_SEL(VA_OP_OPEN));
}

static void test_single_ops(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("write"), VA_SEL(VA_OP_WRITE));
	assert_int_equal(parse_ok("open"), VA_SEL_OPEN_WRITE | VA_SEL_OPEN_READ);
	assert_int_equal(parse_ok("read,write"), VA_SEL(VA_OP_READ) | VA_SEL(VA_OP_WRITE));
	assert_int_equal(parse_ok("changes,exec"), VA_SEL_CHANGES | VA_SEL_EXEC);
	assert_int_equal(parse_ok(" changes , exec\t"), VA_SEL_CHANGES | VA_SEL_EXEC);
	assert_int_equal(parse_ok("write,write"), VA_SEL(VA_OP_WRITE));
	for (unsigned int op = 1; op < VA_OP_MAX; op++) {
		if (op == VA_OP_LOST || op == VA_OP_OPEN)
			continue;
		assert_int_equal(parse_ok(spec_ops[op]), VA_SEL(op));
		assert_true(VA_SEL_ALL & VA_SEL(op));
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("", 0);
	parse_bad("bogus", 0);
	parse_bad("write,bogus", 6);
	parse_bad("write,,read", 6);
	parse_bad("write,", 6);
	parse_bad(",write", 0);
	parse_bad("lost", 0);
	parse_bad("changes,lost", 8);
	parse_bad("none", 0);
	parse_bad("Write", 0);
	parse_bad("writes", 0);
	parse_bad("wri", 0);
	parse_bad("write read", 0);
	parse_bad("write, ,read", 7);
	assert_int_equal(va_ops_parse(NULL, &(uint64_t){ 0 }, NULL), -EINVAL);
	/* @bad is optional */
	assert_int_equal(va_ops_parse("bogus", &(uint64_t){ 0 }, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op_names),     cmocka_unit_test(test_ftype),
		cmocka_unit_test(test_groups),	     cmocka_unit_test(test_single_ops),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
