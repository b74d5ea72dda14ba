// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "event.h"
#include "format.h"

#define NS	1000000000ull
#define SPEC_TS (1795698842ull * NS + 123456789) /* 2026-11-26T13:14:02.123456789Z */

#define BYTES(lit) ((struct va_bytes){ lit, sizeof(lit) - 1 })

/* SPEC.md's first example: vi (pid 1234, uid 1000) wrote /etc/foobar. */
static struct va_event base_event(void)
{
	struct va_event ev = {
		.seq = 42,
		.ts_ns = SPEC_TS,
		.op = VA_OP_WRITE,
		.ret = 5,
		.mntns = 4026531841ull,
		.pid = 1234,
		.tid = 1235,
		.ppid = 1,
		.uid = 1000,
		.euid = 1000,
		.gid = 1000,
		.auid = 1000,
		.ses = 3,
		.tty_dev = (136u << 20) | 3,
		.comm = "vi",
		.exe = BYTES("/usr/bin/vim.basic"),
		.path = BYTES("/etc/foobar"),
		.dev_major = 8,
		.dev_minor = 3,
		.has_dev = true,
		.ino = 1311,
		.has_ino = true,
		.ftype = VA_FTYPE_FILE,
		.count = 1,
		.bytes = 5,
		.size = -1,
		.owner_uid = -1,
		.owner_gid = -1,
	};
	return ev;
}

/* Formats @ev; the caller frees the result. */
static char *format(enum va_format fmt, const struct va_event *ev)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(va_event_write(f, fmt, ev), 0);
	assert_int_equal(fclose(f), 0);
	/* one event, one line: the only newline is the last byte */
	assert_true(size > 0);
	assert_int_equal(strlen(buf), size);
	assert_ptr_equal(strchr(buf, '\n'), buf + size - 1);
	return buf;
}

static void check_text(const struct va_event *ev, const char *want)
{
	char *s = format(VA_FORMAT_TEXT, ev);

	assert_string_equal(s, want);
	free(s);
}

/* Formats @ev as JSON and parses it back; the caller puts the result. */
static struct json_object *round_trip(const struct va_event *ev)
{
	char *s = format(VA_FORMAT_JSON, ev);
	struct json_object *o = json_tokener_parse(s);

	if (!o)
		fail_msg("not JSON: %s", s);
	free(s);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static struct json_object *field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no field \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static void assert_absent(struct json_object *o, const char *key)
{
	if (json_object_object_get_ex(o, key, NULL))
		fail_msg("unexpected field \"%s\" in %s", key, json_object_to_json_string(o));
}

static void assert_null_field(struct json_object *o, const char *key)
{
	assert_null(field(o, key));
}

static void assert_str_field(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = field(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

/* Compares a string field byte for byte, NULs and all. */
static void assert_bytes_field(struct json_object *o, const char *key, const char *want, size_t len)
{
	struct json_object *v = field(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	assert_int_equal(json_object_get_string_len(v), len);
	assert_memory_equal(json_object_get_string(v), want, len);
}

static void assert_int_field(struct json_object *o, const char *key, int64_t want)
{
	struct json_object *v = field(o, key);

	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_get_int64(v) == want);
}

/* @want: the expected elements, joined with ','. */
static void assert_list_field(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = field(o, key);
	char got[512] = "";

	assert_true(json_object_is_type(v, json_type_array));
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		assert_true(json_object_is_type(e, json_type_string));
		if (i)
			strcat(got, ",");
		strcat(got, json_object_get_string(e));
	}
	assert_string_equal(got, want);
}

/* ---- text form ---- */

static void test_text_spec_examples(void **state)
{
	struct va_event ev = base_event();

	(void)state;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar\n");

	ev = base_event();
	ev.op = VA_OP_RENAME;
	ev.pid = 1240;
	ev.uid = 0;
	ev.euid = 0;
	strcpy(ev.comm, "mv");
	ev.path2 = BYTES("/etc/foobar.old");
	check_text(&ev, "rename: mv(1240,0) /etc/foobar -> /etc/foobar.old\n");

	ev = base_event();
	ev.op = VA_OP_OPEN;
	ev.pid = 1250;
	ev.ret = -EACCES;
	strcpy(ev.comm, "cat");
	ev.path = BYTES("/etc/shadow");
	check_text(&ev, "open: cat(1250,1000) /etc/shadow [EACCES]\n");
}

static void test_text_ops(void **state)
{
	struct va_event ev = base_event();

	(void)state;
	ev.op = VA_OP_LINK;
	ev.path2 = BYTES("/etc/hard");
	check_text(&ev, "link: vi(1234,1000) /etc/foobar -> /etc/hard\n");

	ev = base_event();
	ev.op = VA_OP_SYMLINK;
	ev.path = BYTES("/tmp/l");
	ev.path2 = BYTES("../target\n");
	check_text(&ev, "symlink: vi(1234,1000) /tmp/l -> ../target\\n\n");

	ev = base_event();
	ev.op = VA_OP_SETXATTR; /* the attribute name stays out of the text form */
	ev.path2 = BYTES("user.x");
	check_text(&ev, "setxattr: vi(1234,1000) /etc/foobar\n");

	ev = base_event();
	ev.op = VA_OP_EXEC;
	ev.path = BYTES("/usr/bin/ls");
	ev.argv = BYTES("ls\0-l\0");
	check_text(&ev, "exec: vi(1234,1000) /usr/bin/ls\n");

	ev = base_event();
	ev.uid = 1000;
	ev.euid = 0; /* sudo: the text form shows the real uid */
	ev.op = VA_OP_UNLINK;
	check_text(&ev, "unlink: vi(1234,1000) /etc/foobar\n");

	ev = base_event();
	ev.op = VA_OP_LOST;
	ev.lost = 17;
	check_text(&ev, "lost: 17 events\n");

	ev = base_event();
	ev.op = (enum va_op)99;
	check_text(&ev, "op99: vi(1234,1000) /etc/foobar\n");
}

static void test_text_errors(void **state)
{
	struct va_event ev = base_event();

	(void)state;
	ev.ret = -EPERM;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar [EPERM]\n");
	ev.ret = -EWOULDBLOCK;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar [EAGAIN]\n");
	ev.ret = -200;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar [E200]\n");
	ev.ret = -512;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar [ERESTARTSYS]\n");
	ev.ret = INT64_MIN;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar [E9223372036854775808]\n");
	ev.ret = 0;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar\n");

	ev = base_event();
	ev.op = VA_OP_RENAME;
	ev.path2 = BYTES("/etc/b");
	ev.ret = -EXDEV;
	check_text(&ev, "rename: vi(1234,1000) /etc/foobar -> /etc/b [EXDEV]\n");
}

static void test_text_path_flags(void **state)
{
	struct va_event ev = base_event();

	(void)state;
	ev.path_flags = VA_PATH_DELETED;
	check_text(&ev, "write: vi(1234,1000) /etc/foobar (deleted)\n");
	ev.path = BYTES("/deep/path");
	ev.path_flags = VA_PATH_TRUNCATED;
	check_text(&ev, "write: vi(1234,1000) .../deep/path\n");
	ev.path_flags = VA_PATH_UNREACHABLE;
	check_text(&ev, "write: vi(1234,1000) (unreachable)/deep/path\n");
	ev.path_flags = VA_PATH_UNREACHABLE | VA_PATH_TRUNCATED | VA_PATH_DELETED;
	check_text(&ev, "write: vi(1234,1000) (unreachable).../deep/path (deleted)\n");
	ev.path_flags = VA_PATH_FROM_NAME;
	check_text(&ev, "write: vi(1234,1000) /deep/path\n");
	ev.path = (struct va_bytes){ NULL, 0 };
	ev.path_flags = VA_PATH_FAULT;
	check_text(&ev, "write: vi(1234,1000) (unknown)\n");

	ev = base_event();
	ev.op = VA_OP_RENAME;
	ev.path2 = BYTES("/x/y");
	ev.path2_flags = VA_PATH_TRUNCATED;
	check_text(&ev, "rename: vi(1234,1000) /etc/foobar -> .../x/y\n");
}

/* No file or process name can forge a second line or drive the terminal. */
static void test_text_hostile_names(void **state)
{
	struct va_event ev = base_event();

	(void)state;
	ev.path = BYTES("/tmp/a\nwrite: vi(1,0) /etc/shadow");
	check_text(&ev, "write: vi(1234,1000) /tmp/a\\nwrite: vi(1,0) /etc/shadow\n");

	ev.path = BYTES("/tmp/\x1b[2J\x1b[31mred\r");
	check_text(&ev, "write: vi(1234,1000) /tmp/\\x1b[2J\\x1b[31mred\\r\n");

	ev.path = BYTES("/tmp/back\\slash\\n");
	check_text(&ev, "write: vi(1234,1000) /tmp/back\\\\slash\\\\n\n");

	ev.path = BYTES("/tmp/\xff\xfe");
	check_text(&ev, "write: vi(1234,1000) /tmp/\\xff\\xfe\n");

	ev.path = BYTES("/tmp/trunc\xe2\x82");
	check_text(&ev, "write: vi(1234,1000) /tmp/trunc\\xe2\\x82\n");

	ev.path = BYTES("/tmp/over\xc0\xaf"
			"long");
	check_text(&ev, "write: vi(1234,1000) /tmp/over\\xc0\\xaflong\n");

	ev.path = BYTES("/tmp/caf\xc3\xa9 \xe2\x82\xac");
	check_text(&ev, "write: vi(1234,1000) /tmp/caf\xc3\xa9 \xe2\x82\xac\n");

	ev.path = BYTES("/tmp/tab\there");
	memcpy(ev.comm, "\x1b]0;x\x07\n\\\xff", 10);
	ev.comm[10] = '\0';
	check_text(&ev, "write: \\x1b]0;x\\x07\\n\\\\\\xff(1234,1000) /tmp/tab\\there\n");

	/* a comm that fills all 16 bytes without a NUL */
	memcpy(ev.comm, "0123456789abcdef", 16);
	ev.comm[16] = '\0';
	ev.path = BYTES("/x");
	check_text(&ev, "write: 0123456789abcdef(1234,1000) /x\n");

	ev = base_event();
	ev.op = VA_OP_RENAME;
	ev.path = BYTES("/a\n");
	ev.path2 = BYTES("/b\n\xff");
	check_text(&ev, "rename: vi(1234,1000) /a\\n -> /b\\n\\xff\n");
}

/* ---- JSON form ---- */

static void test_json_exact(void **state)
{
	struct va_event ev = base_event();
	char *s;

	(void)state;
	s = format(VA_FORMAT_JSON, &ev);
	assert_string_equal(
		s,
		"{\"seq\":42,\"ts\":\"2026-11-26T13:14:02.123456789Z\",\"op\":\"write\","
		"\"path\":\"/etc/foobar\",\"mntns\":4026531841,\"ret\":5,\"pid\":1234,\"tid\":1235,"
		"\"ppid\":1,\"uid\":1000,\"euid\":1000,\"gid\":1000,\"auid\":1000,\"ses\":3,"
		"\"tty\":\"pts/3\",\"comm\":\"vi\",\"exe\":\"/usr/bin/vim.basic\",\"dev\":\"8:3\","
		"\"ino\":1311,\"ftype\":\"file\",\"count\":1,\"bytes\":5}\n");
	free(s);

	ev.op = VA_OP_LOST;
	ev.seq = 7;
	ev.lost = 17;
	s = format(VA_FORMAT_JSON, &ev);
	assert_string_equal(s, "{\"seq\":7,\"ts\":\"2026-11-26T13:14:02.123456789Z\",\"op\":"
			       "\"lost\",\"lost\":17}\n");
	free(s);
}

static void test_json_fields(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.seq = UINT64_MAX;
	ev.ino = UINT64_MAX;
	ev.uid = 4294967294u;
	o = round_trip(&ev);
	assert_true(json_object_get_uint64(field(o, "seq")) == UINT64_MAX);
	assert_true(json_object_get_uint64(field(o, "ino")) == UINT64_MAX);
	assert_int_field(o, "uid", 4294967294);
	assert_str_field(o, "ts", "2026-11-26T13:14:02.123456789Z");
	assert_int_field(o, "ret", 5);
	assert_absent(o, "error");
	assert_absent(o, "path_hex");
	assert_absent(o, "deleted");
	assert_absent(o, "flags");
	json_object_put(o);
}

static void test_json_nulls(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.auid = VA_ID_UNSET;
	ev.ses = VA_ID_UNSET;
	ev.tty_dev = 0;
	ev.exe = (struct va_bytes){ NULL, 0 };
	ev.has_dev = false;
	ev.has_ino = false;
	ev.ftype = VA_FTYPE_UNKNOWN;
	o = round_trip(&ev);
	assert_null_field(o, "auid");
	assert_null_field(o, "ses");
	assert_null_field(o, "tty");
	assert_null_field(o, "exe");
	assert_null_field(o, "dev");
	assert_null_field(o, "ino");
	assert_null_field(o, "ftype");
	assert_str_field(o, "comm", "vi");
	json_object_put(o);

	ev = base_event();
	ev.auid = 0; /* root's login uid is a value, not "unset" */
	ev.ses = 0;
	o = round_trip(&ev);
	assert_int_field(o, "auid", 0);
	assert_int_field(o, "ses", 0);
	json_object_put(o);
}

static void test_json_error(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.ret = -EACCES;
	o = round_trip(&ev);
	assert_int_field(o, "ret", -13);
	assert_str_field(o, "error", "EACCES");
	json_object_put(o);

	ev.ret = -4000;
	o = round_trip(&ev);
	assert_str_field(o, "error", "E4000");
	json_object_put(o);
}

static void test_json_invalid_utf8(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.path = BYTES("/tmp/\xff\xfe");
	o = round_trip(&ev);
	assert_str_field(o, "path", "/tmp/\xef\xbf\xbd\xef\xbf\xbd");
	assert_str_field(o, "path_hex", "2f746d702ffffe");
	json_object_put(o);

	ev.path = BYTES("/tmp/t\xe2\x82");
	o = round_trip(&ev);
	assert_str_field(o, "path", "/tmp/t\xef\xbf\xbd\xef\xbf\xbd");
	assert_str_field(o, "path_hex", "2f746d702f74e282");
	json_object_put(o);

	ev.path = BYTES("/o\xc0\xaf");
	ev.exe = BYTES("/bin/\xed\xa0\x80");
	memcpy(ev.comm, "c\xff", 3);
	o = round_trip(&ev);
	assert_str_field(o, "path", "/o\xef\xbf\xbd\xef\xbf\xbd");
	assert_str_field(o, "path_hex", "2f6fc0af");
	assert_str_field(o, "exe", "/bin/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_str_field(o, "exe_hex", "2f62696e2feda080");
	assert_str_field(o, "comm", "c\xef\xbf\xbd");
	json_object_put(o);

	/* valid multibyte text needs no hex */
	ev = base_event();
	ev.path = BYTES("/tmp/caf\xc3\xa9");
	o = round_trip(&ev);
	assert_str_field(o, "path", "/tmp/caf\xc3\xa9");
	assert_absent(o, "path_hex");
	assert_absent(o, "exe_hex");
	json_object_put(o);
}

static void test_json_control_chars(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;
	char *s;

	(void)state;
	ev.path = BYTES("/tmp/a\nb\x1b[31m\"q\"\\\t/\x7f");
	s = format(VA_FORMAT_JSON, &ev);
	assert_non_null(strstr(s, "\"path\":\"/tmp/a\\nb\\u001b[31m\\\"q\\\"\\\\\\t/\x7f\""));
	free(s);
	o = round_trip(&ev);
	assert_bytes_field(o, "path", ev.path.ptr, ev.path.len);
	assert_absent(o, "path_hex"); /* control characters are valid UTF-8 */
	json_object_put(o);
}

static void test_json_path_flags(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.path_flags = VA_PATH_DELETED | VA_PATH_TRUNCATED | VA_PATH_UNREACHABLE |
			VA_PATH_FROM_NAME | VA_PATH_FAULT;
	o = round_trip(&ev);
	assert_true(json_object_get_boolean(field(o, "deleted")));
	assert_true(json_object_get_boolean(field(o, "path_truncated")));
	assert_true(json_object_get_boolean(field(o, "path_unreachable")));
	assert_true(json_object_get_boolean(field(o, "path_from_name")));
	assert_true(json_object_get_boolean(field(o, "path_fault")));
	assert_str_field(o, "path", "/etc/foobar"); /* marks stay out of the path itself */
	json_object_put(o);

	ev.path_flags = VA_PATH_DELETED;
	o = round_trip(&ev);
	assert_true(json_object_get_boolean(field(o, "deleted")));
	assert_absent(o, "path_truncated");
	assert_absent(o, "path_unreachable");
	assert_absent(o, "path_from_name");
	json_object_put(o);
}

static void check_open_flags(uint32_t flags, const char *want)
{
	struct va_event ev = base_event();
	struct json_object *o;

	ev.op = VA_OP_OPEN;
	ev.open_flags = flags;
	ev.has_open_flags = true;
	o = round_trip(&ev);
	assert_list_field(o, "flags", want);
	assert_absent(o, "count");
	json_object_put(o);
}

static void test_json_open_flags(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	check_open_flags(O_RDONLY, "O_RDONLY");
	check_open_flags(O_WRONLY | O_TRUNC, "O_WRONLY,O_TRUNC");
	check_open_flags(O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, "O_RDWR,O_CREAT,O_EXCL,O_CLOEXEC");
	check_open_flags(O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY,
			 "O_WRONLY,O_NOCTTY,O_APPEND,O_NONBLOCK");
	check_open_flags(O_WRONLY | O_SYNC, "O_WRONLY,O_SYNC");
	check_open_flags(O_WRONLY | O_DSYNC, "O_WRONLY,O_DSYNC");
	check_open_flags(O_RDWR | O_TMPFILE, "O_RDWR,O_TMPFILE");
	check_open_flags(O_DIRECTORY | O_NOFOLLOW, "O_RDONLY,O_DIRECTORY,O_NOFOLLOW");
	check_open_flags(O_PATH | O_NOATIME | O_DIRECT, "O_RDONLY,O_DIRECT,O_NOATIME,O_PATH");
#ifdef __x86_64__
	/* the kernel's O_LARGEFILE, which glibc hides on 64-bit */
	check_open_flags(O_WRONLY | 0100000, "O_WRONLY,O_LARGEFILE");
	check_open_flags(020000, "O_RDONLY,0x2000"); /* FASYNC has no name here */
#endif
	check_open_flags(O_WRONLY | 0x40000000u, "O_WRONLY,0x40000000");
	check_open_flags(3, "0x3"); /* not an access mode */

	ev.op = VA_OP_CREATE;
	ev.open_flags = O_WRONLY | O_CREAT | O_TRUNC;
	ev.has_open_flags = true;
	o = round_trip(&ev);
	assert_str_field(o, "op", "create");
	assert_list_field(o, "flags", "O_WRONLY,O_CREAT,O_TRUNC");
	json_object_put(o);

	/* a backend that could not see the flags says nothing rather than O_RDONLY */
	ev.has_open_flags = false;
	o = round_trip(&ev);
	assert_absent(o, "flags");
	json_object_put(o);
}

static void test_json_read_write_truncate(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.op = VA_OP_READ;
	ev.count = 3;
	ev.bytes = 12288;
	o = round_trip(&ev);
	assert_int_field(o, "count", 3);
	assert_int_field(o, "bytes", 12288);
	json_object_put(o);

	ev = base_event();
	ev.op = VA_OP_TRUNCATE;
	ev.size = 0;
	o = round_trip(&ev);
	assert_int_field(o, "size", 0);
	assert_absent(o, "flags");
	assert_absent(o, "count");
	json_object_put(o);

	ev.size = -1;
	ev.open_flags = O_WRONLY | O_TRUNC;
	ev.has_open_flags = true;
	o = round_trip(&ev);
	assert_absent(o, "size");
	assert_list_field(o, "flags", "O_WRONLY,O_TRUNC");
	json_object_put(o);
}

static void test_json_rename_link_symlink(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.op = VA_OP_RENAME;
	ev.path2 = BYTES("/etc/new\xff");
	ev.path2_flags = VA_PATH_TRUNCATED;
	ev.rename_flags = VA_RENAME_NOREPLACE;
	o = round_trip(&ev);
	assert_str_field(o, "new_path", "/etc/new\xef\xbf\xbd");
	assert_str_field(o, "new_path_hex", "2f6574632f6e6577ff");
	assert_true(json_object_get_boolean(field(o, "new_path_truncated")));
	assert_list_field(o, "rename_flags", "RENAME_NOREPLACE");
	assert_absent(o, "path_hex");
	assert_absent(o, "path_truncated");
	json_object_put(o);

	ev.path2 = BYTES("/etc/new");
	ev.path2_flags = 0;
	ev.rename_flags = VA_RENAME_EXCHANGE | VA_RENAME_WHITEOUT | 0x10;
	o = round_trip(&ev);
	assert_list_field(o, "rename_flags", "RENAME_EXCHANGE,RENAME_WHITEOUT,0x10");
	assert_absent(o, "new_path_hex");
	assert_absent(o, "new_path_truncated");
	json_object_put(o);

	ev.rename_flags = 0;
	o = round_trip(&ev);
	assert_absent(o, "rename_flags");
	json_object_put(o);

	ev = base_event();
	ev.op = VA_OP_LINK;
	ev.path2 = BYTES("/etc/hard");
	o = round_trip(&ev);
	assert_str_field(o, "new_path", "/etc/hard");
	assert_absent(o, "rename_flags");
	json_object_put(o);

	ev = base_event();
	ev.op = VA_OP_SYMLINK;
	ev.path = BYTES("/tmp/l");
	ev.path2 = BYTES("../t\xfe");
	o = round_trip(&ev);
	assert_str_field(o, "path", "/tmp/l");
	assert_str_field(o, "target", "../t\xef\xbf\xbd");
	assert_str_field(o, "target_hex", "2e2e2f74fe");
	assert_absent(o, "new_path");
	json_object_put(o);
}

static void test_json_mode_owner_xattr(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o;

	(void)state;
	ev.op = VA_OP_CHMOD;
	ev.mode = S_IFREG | 0644;
	o = round_trip(&ev);
	assert_str_field(o, "mode", "0644");
	json_object_put(o);

	ev.mode = 04755;
	o = round_trip(&ev);
	assert_str_field(o, "mode", "4755");
	json_object_put(o);

	ev.op = VA_OP_MKDIR;
	ev.mode = 0700;
	ev.ftype = VA_FTYPE_UNKNOWN;
	o = round_trip(&ev);
	assert_str_field(o, "mode", "0700");
	json_object_put(o);

	ev.op = VA_OP_MKNOD;
	ev.mode = S_IFCHR | 0600;
	o = round_trip(&ev);
	assert_str_field(o, "mode", "0600");
	assert_str_field(o, "ftype", "chr");
	json_object_put(o);

	ev = base_event();
	ev.op = VA_OP_CHOWN;
	ev.owner_uid = 0;
	ev.owner_gid = -1;
	o = round_trip(&ev);
	assert_int_field(o, "owner_uid", 0);
	assert_int_field(o, "owner_gid", -1);
	assert_absent(o, "mode");
	json_object_put(o);

	ev = base_event();
	ev.op = VA_OP_SETXATTR;
	ev.path2 = BYTES("security.capability");
	o = round_trip(&ev);
	assert_str_field(o, "xattr", "security.capability");
	json_object_put(o);

	ev.op = VA_OP_REMOVEXATTR;
	ev.path2 = BYTES("user.\xff");
	o = round_trip(&ev);
	assert_str_field(o, "xattr", "user.\xef\xbf\xbd");
	json_object_put(o);

	ev = base_event();
	ev.op = VA_OP_UTIMES;
	o = round_trip(&ev);
	assert_absent(o, "count");
	assert_absent(o, "mode");
	json_object_put(o);
}

static void test_json_exec(void **state)
{
	struct va_event ev = base_event();
	struct json_object *o, *argv;

	(void)state;
	ev.op = VA_OP_EXEC;
	ev.path = BYTES("/usr/bin/ls");
	ev.argv = BYTES("ls\0-l\0\0x\xff\0a\nb\0");
	o = round_trip(&ev);
	argv = field(o, "argv");
	assert_int_equal(json_object_array_length(argv), 5);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 0)), "ls");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 1)), "-l");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 2)), "");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 3)),
			    "x\xef\xbf\xbd");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 4)), "a\nb");
	assert_absent(o, "argv_truncated");
	json_object_put(o);

	/* cut off inside the last argument */
	ev.argv = BYTES("cat\0/very/lo");
	ev.argv_truncated = true;
	o = round_trip(&ev);
	assert_list_field(o, "argv", "cat,/very/lo");
	assert_true(json_object_get_boolean(field(o, "argv_truncated")));
	json_object_put(o);

	ev.argv = (struct va_bytes){ NULL, 0 };
	ev.argv_truncated = false;
	o = round_trip(&ev);
	assert_int_equal(json_object_array_length(field(o, "argv")), 0);
	json_object_put(o);
}

static void test_format_parse(void **state)
{
	enum va_format f = VA_FORMAT_JSON;

	(void)state;
	assert_int_equal(va_format_parse("text", &f), 0);
	assert_int_equal(f, VA_FORMAT_TEXT);
	assert_int_equal(va_format_parse("json", &f), 0);
	assert_int_equal(f, VA_FORMAT_JSON);
	assert_int_equal(va_format_parse("JSON", &f), -EINVAL);
	assert_int_equal(va_format_parse("", &f), -EINVAL);
	assert_int_equal(va_format_parse("xml", &f), -EINVAL);
	assert_int_equal(va_format_parse(NULL, &f), -EINVAL);
	assert_int_equal(f, VA_FORMAT_JSON);
}

static void check_tty(uint32_t major, uint32_t minor, const char *want)
{
	char buf[32];

	assert_int_equal(va_tty_name((major << 20) | minor, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_tty_name(void **state)
{
	char small[4];

	(void)state;
	check_tty(136, 0, "pts/0");
	check_tty(136, 3, "pts/3");
	check_tty(137, 3, "pts/259");
	check_tty(143, 255, "pts/2047");
	check_tty(4, 1, "tty1");
	check_tty(4, 0, "tty0");
	check_tty(4, 63, "tty63");
	check_tty(4, 64, "ttyS0");
	check_tty(4, 65, "ttyS1");
	check_tty(5, 0, "tty");
	check_tty(5, 1, "console");
	check_tty(5, 2, "ptmx");
	check_tty(188, 0, "ttyUSB0");
	check_tty(166, 1, "ttyACM1");
	check_tty(1, 3, "1:3");
	check_tty(229, 7, "229:7");
	assert_int_equal(va_tty_name(0, small, sizeof(small)), -ENOENT);
	assert_int_equal(va_tty_name((136u << 20) | 3, small, sizeof(small)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_spec_examples),
		cmocka_unit_test(test_text_ops),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_path_flags),
		cmocka_unit_test(test_text_hostile_names),
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_json_nulls),
		cmocka_unit_test(test_json_error),
		cmocka_unit_test(test_json_invalid_utf8),
		cmocka_unit_test(test_json_control_chars),
		cmocka_unit_test(test_json_path_flags),
		cmocka_unit_test(test_json_open_flags),
		cmocka_unit_test(test_json_read_write_truncate),
		cmocka_unit_test(test_json_rename_link_symlink),
		cmocka_unit_test(test_json_mode_owner_xattr),
		cmocka_unit_test(test_json_exec),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_tty_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
