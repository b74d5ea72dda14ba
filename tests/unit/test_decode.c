// SPDX-License-Identifier: GPL-2.0-or-later
/* The decoder: wire records in, events out; malformed records refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "decode.h"

static struct va_decoded d;

struct rec {
	struct va_wire_file w;
	char data[256];
};

static size_t make(struct rec *r, uint32_t op, const char *s1, const char *s2, uint16_t f1,
		   uint16_t f2)
{
	size_t l1 = strlen(s1), l2 = s2 ? strlen(s2) : 0;

	memset(r, 0, sizeof(*r));
	r->w.hdr.type = VA_WIRE_FILE;
	r->w.hdr.ts = 123;
	r->w.op = op;
	r->w.task.pid = 42;
	r->w.task.tid = 43;
	r->w.task.uid = 1000;
	r->w.task.auid = VA_ID_UNSET;
	memcpy(r->w.task.comm, "touch", 5);
	memcpy(r->data, s1, l1);
	if (l2)
		memcpy(r->data + l1, s2, l2);
	r->w.str_len[0] = (uint32_t)l1;
	r->w.str_len[1] = (uint32_t)l2;
	r->w.str_flags[0] = f1;
	r->w.str_flags[1] = f2;
	r->w.hdr.size = (uint32_t)(sizeof(r->w) + l1 + l2);
	return r->w.hdr.size;
}

static void test_object_event(void **state)
{
	struct rec r;
	size_t n = make(&r, VA_OP_WRITE, "/etc/foobar", NULL, 0, 0);

	(void)state;
	r.w.wflags = VA_WF_DEV_KNOWN | VA_WF_INO_KNOWN;
	r.w.dev = (8u << 20) | 3;
	r.w.ino = 77;
	r.w.imode = S_IFREG | 0644;
	r.w.count = 5;
	r.w.bytes = 320;
	r.w.ret = 64;
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_int_equal(d.type, VA_WIRE_FILE);
	assert_int_equal(d.boot_ts, 123);
	assert_int_equal(d.ev.op, VA_OP_WRITE);
	assert_int_equal(d.ev.path.len, 11);
	assert_memory_equal(d.ev.path.ptr, "/etc/foobar", 11);
	assert_true(d.ev.has_dev);
	assert_int_equal(d.ev.dev_major, 8);
	assert_int_equal(d.ev.dev_minor, 3);
	assert_true(d.ev.has_ino);
	assert_int_equal(d.ev.ino, 77);
	assert_int_equal(d.ev.ftype, VA_FTYPE_FILE);
	assert_int_equal(d.ev.count, 5);
	assert_int_equal(d.ev.bytes, 320);
	assert_int_equal(d.ev.pid, 42);
	assert_int_equal(d.ev.tid, 43);
	assert_string_equal(d.ev.comm, "touch");
	assert_int_equal(d.ev.auid, VA_ID_UNSET);
	assert_int_equal(d.agg_id, 0);
}

static void test_name_is_normalised(void **state)
{
	struct rec r;
	size_t n = make(&r, VA_OP_UNLINK, "/tmp/a/../b//./f", NULL, VA_PATH_FROM_NAME, 0);

	(void)state;
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_int_equal(d.ev.path.len, strlen("/tmp/b/f"));
	assert_memory_equal(d.ev.path.ptr, "/tmp/b/f", d.ev.path.len);
	assert_true(d.ev.path_flags & VA_PATH_FROM_NAME);
	assert_false(d.ev.has_ino);
	assert_int_equal(d.ev.ftype, VA_FTYPE_UNKNOWN);
}

static void test_dev_of_dir_only_for_plain_names(void **state)
{
	struct rec r;
	size_t n = make(&r, VA_OP_UNLINK, "/tmp/x/f", NULL, VA_PATH_FROM_NAME, 0);

	(void)state;
	r.w.wflags = VA_WF_DEV_OF_DIR;
	r.w.dev = (254u << 20) | 1;
	r.w.name_off = 7; /* "/tmp/x/" + "f" */
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_true(d.ev.has_dev);
	assert_int_equal(d.ev.dev_major, 254);

	n = make(&r, VA_OP_UNLINK, "/tmp/x/sub/f", NULL, VA_PATH_FROM_NAME, 0);
	r.w.wflags = VA_WF_DEV_OF_DIR;
	r.w.name_off = 7; /* name "sub/f" may cross a mount */
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_false(d.ev.has_dev);
}

static void test_rename_and_symlink(void **state)
{
	struct rec r;
	size_t n = make(&r, VA_OP_RENAME, "/a/x", "/b/../c/y", VA_PATH_FROM_NAME,
			VA_PATH_FROM_NAME);

	(void)state;
	r.w.rename_flags = VA_RENAME_EXCHANGE;
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_memory_equal(d.ev.path.ptr, "/a/x", 4);
	assert_int_equal(d.ev.path2.len, 4);
	assert_memory_equal(d.ev.path2.ptr, "/c/y", 4);
	assert_int_equal(d.ev.rename_flags, VA_RENAME_EXCHANGE);

	/* A symlink target is content, never normalised. */
	n = make(&r, VA_OP_SYMLINK, "/l", "../t/./x", VA_PATH_FROM_NAME, 0);
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_int_equal(d.ev.path2.len, 8);
	assert_memory_equal(d.ev.path2.ptr, "../t/./x", 8);
}

static void test_pseudo_paths(void **state)
{
	struct rec r;
	size_t n = make(&r, VA_OP_WRITE, "", NULL, VA_PATH_PSEUDO, 0);

	(void)state;
	r.w.fs_magic = 0x50495045; /* pipefs */
	r.w.ino = 991;
	r.w.wflags = VA_WF_INO_KNOWN;
	r.w.imode = S_IFIFO | 0600;
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_int_equal(d.ev.path.len, strlen("pipe:[991]"));
	assert_memory_equal(d.ev.path.ptr, "pipe:[991]", d.ev.path.len);
	assert_int_equal(d.ev.ftype, VA_FTYPE_FIFO);

	r.w.fs_magic = 0x534F434B; /* sockfs */
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_memory_equal(d.ev.path.ptr, "socket:[991]", d.ev.path.len);

	n = make(&r, VA_OP_READ, "[eventfd]", NULL, VA_PATH_PSEUDO, 0);
	r.w.fs_magic = 0x09041934;
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_int_equal(d.ev.path.len, strlen("anon_inode:[eventfd]"));
	assert_memory_equal(d.ev.path.ptr, "anon_inode:[eventfd]", d.ev.path.len);
}

static void test_exec_argv(void **state)
{
	struct rec r;
	static const char argv[] = "ls\0-l\0/etc\0";
	size_t n = make(&r, VA_OP_EXEC, "/usr/bin/ls", NULL, 0, 0);

	(void)state;
	memcpy(r.data + 11, argv, sizeof(argv) - 1);
	r.w.str_len[1] = sizeof(argv) - 1;
	r.w.hdr.size += sizeof(argv) - 1;
	r.w.wflags = VA_WF_ARGV_TRUNC;
	n = r.w.hdr.size;
	assert_int_equal(va_decode(&r, n, &d), 0);
	assert_int_equal(d.ev.argv.len, sizeof(argv) - 1);
	assert_memory_equal(d.ev.argv.ptr, argv, d.ev.argv.len);
	assert_true(d.ev.argv_truncated);
	assert_int_equal(d.ev.path2.len, 0);
}

static void test_refuses_malformed(void **state)
{
	struct rec r;
	size_t n = make(&r, VA_OP_WRITE, "/x", NULL, 0, 0);

	(void)state;
	assert_int_equal(va_decode(&r, 8, &d), -EINVAL);	/* shorter than a header */
	assert_int_equal(va_decode(&r, n - 1, &d), -EINVAL); /* hdr.size beyond the buffer */
	r.w.str_len[0] = 200;				     /* strings beyond hdr.size */
	assert_int_equal(va_decode(&r, n, &d), -EINVAL);
	n = make(&r, VA_OP_WRITE, "/x", NULL, 0, 0);
	r.w.op = VA_OP_MAX;
	assert_int_equal(va_decode(&r, n, &d), -EINVAL);
	r.w.op = VA_OP_LOST; /* losses have their own record type */
	assert_int_equal(va_decode(&r, n, &d), -EINVAL);
	n = make(&r, VA_OP_WRITE, "/x", NULL, 0, 0);
	r.w.hdr.type = 99;
	assert_int_equal(va_decode(&r, n, &d), -EINVAL);
	r.w.hdr.type = VA_WIRE_RW_FLUSH;
	r.w.hdr.size = sizeof(struct va_wire_flush) - 1;
	assert_int_equal(va_decode(&r, n, &d), -EINVAL);
	assert_int_equal(va_decode(NULL, 100, &d), -EINVAL);
}

static void test_other_records(void **state)
{
	struct va_wire_flush f = { .hdr = { 5, VA_WIRE_RW_FLUSH, sizeof(f) } };
	struct va_wire_proc p = { .hdr = { 6, VA_WIRE_FORK, sizeof(p) } };
	struct va_wire_lost l = { .hdr = { 7, VA_WIRE_LOST, sizeof(l) } };
	struct va_wire_start st = { .hdr = { 8, VA_WIRE_RW_START, sizeof(st) } };

	(void)state;
	f.agg_id = 9;
	f.count = 3;
	f.bytes = 30;
	f.flags = VA_FLUSH_END;
	f.tid = 44;
	assert_int_equal(va_decode(&f, sizeof(f), &d), 0);
	assert_int_equal(d.agg_id, 9);
	assert_int_equal(d.flush_count, 3);
	assert_int_equal(d.flush_bytes, 30);
	assert_int_equal(d.flush_flags, VA_FLUSH_END);
	assert_int_equal(d.flush_tid, 44);

	st.agg_id = 10;
	st.count = 1;
	st.bytes = 64;
	st.tmpl = 3;
	st.task.pid = 44;
	st.task.tid = 45;
	st.task.uid = 1000;
	st.op = VA_OP_WRITE;
	assert_int_equal(va_decode(&st, sizeof(st), &d), 0);
	assert_int_equal(d.type, VA_WIRE_RW_START);
	assert_int_equal(d.agg_id, 10);
	assert_int_equal(d.flush_count, 1);
	assert_int_equal(d.flush_bytes, 64);
	assert_int_equal(d.flush_tid, 45);
	assert_int_equal(d.tmpl, 3);
	assert_int_equal(d.start_op, VA_OP_WRITE);
	assert_int_equal(d.ev.pid, 44);
	assert_int_equal(d.ev.tid, 45);
	assert_int_equal(d.ev.uid, 1000);
	/* Untrusted: only a read or a write, naming a template and an aggregation. */
	st.op = VA_OP_CHMOD;
	assert_int_equal(va_decode(&st, sizeof(st), &d), -EINVAL);
	st.op = VA_OP_READ;
	st.tmpl = 0;
	assert_int_equal(va_decode(&st, sizeof(st), &d), -EINVAL);
	st.tmpl = 3;
	st.agg_id = 0;
	assert_int_equal(va_decode(&st, sizeof(st), &d), -EINVAL);
	st.agg_id = 10;
	st.hdr.size = sizeof(st) - 1;
	assert_int_equal(va_decode(&st, sizeof(st), &d), -EINVAL);

	p.pid = 100;
	p.parent_pid = 1;
	assert_int_equal(va_decode(&p, sizeof(p), &d), 0);
	assert_int_equal(d.type, VA_WIRE_FORK);
	assert_int_equal(d.proc_pid, 100);
	assert_int_equal(d.proc_parent, 1);

	l.lost = 12;
	assert_int_equal(va_decode(&l, sizeof(l), &d), 0);
	assert_int_equal(d.type, VA_WIRE_LOST);
	assert_int_equal(d.lost, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_event),
		cmocka_unit_test(test_name_is_normalised),
		cmocka_unit_test(test_dev_of_dir_only_for_plain_names),
		cmocka_unit_test(test_rename_and_symlink),
		cmocka_unit_test(test_pseudo_paths),
		cmocka_unit_test(test_exec_argv),
		cmocka_unit_test(test_refuses_malformed),
		cmocka_unit_test(test_other_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
