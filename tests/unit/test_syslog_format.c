// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Syslog messages, exactly: RFC 5424 and RFC 3164 for SPEC.md's example
 * event, hostile names (quotes, brackets, backslashes, newlines, invalid
 * UTF-8) that must neither break the STRUCTURED-DATA nor forge a line, long
 * values cut to the size receivers take, seals, loss notices, PRI, octet
 * framing, and the settings' parsers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "escape.h"
#include "event.h"
#include "strbuf.h"
#include "syslog_format.h"
#include "syslog_opts.h"
#include "sd_parse.h"

#define NS	1000000000ull
#define SPEC_TS (1795698842ull * NS + 123456789) /* 2026-11-26T13:14:02.123456789Z */

#define BYTES(lit) ((struct va_bytes){ lit, sizeof(lit) - 1 })

static const struct va_syslog_id ID = {
	.facility = 1, .severity = 6, .hostname = "host1", .tag = "vfsaudit", .pid = 4242
};

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

/* Builds, checks the message is one line of valid UTF-8, compares. */
static char *build(enum va_syslog_format fmt, const struct va_event *ev, size_t max)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(va_syslog_event(fmt, &ID, ev, max, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	assert_null(memchr(out, '\n', len));
	assert_null(memchr(out, '\r', len));
	assert_true(va_utf8_valid(out, len));
	return out;
}

static void check(enum va_syslog_format fmt, const struct va_event *ev, const char *want)
{
	char *s = build(fmt, ev, 0);

	assert_string_equal(s, want);
	free(s);
}

static void test_pri(void **state)
{
	int f = -1, l = -1;
	char err[256];

	assert_int_equal(va_syslog_pri(1, 6), 14);
	assert_int_equal(va_syslog_pri(0, 0), 0);
	assert_int_equal(va_syslog_pri(10, 5), 85);
	assert_int_equal(va_syslog_pri(23, 7), 191);
	assert_int_equal(va_syslog_parse_pri("kern.info", &f, &l, err, sizeof(err)), 0);
	assert_int_equal(va_syslog_pri(f, l), 6); /* the original probe's logger -p kern.info */
	assert_int_equal(va_syslog_parse_pri("security.emerg", &f, &l, err, sizeof(err)), 0);
	assert_int_equal(f, 4);
	assert_int_equal(l, 0);
	assert_int_equal(va_syslog_parse_pri("local0.panic", &f, &l, err, sizeof(err)), 0);
	assert_int_equal(va_syslog_pri(f, l), 128);
	assert_int_equal(va_syslog_parse_pri("user.error", &f, &l, err, sizeof(err)), 0);
	assert_int_equal(l, 3);
	assert_int_equal(va_syslog_parse_pri("mail.debug.x", &f, &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_pri("", &f, &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_pri("user.", &f, &l, err, sizeof(err)), -EINVAL);
	assert_string_equal(va_syslog_facility_name(4), "auth");
	assert_string_equal(va_syslog_facility_name(10), "authpriv");
	assert_string_equal(va_syslog_severity_name(4), "warning");
	assert_string_equal(va_syslog_facility_name(13), "?");
}

static void test_url(void **state)
{
	struct va_syslog_url u;
	char err[256];

	assert_int_equal(va_syslog_parse_url("tcp://127.0.0.1:514", &u, err, sizeof(err)), 0);
	assert_int_equal(u.proto, VA_SYSLOG_TCP);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "514");
	assert_int_equal(va_syslog_parse_url("udp://[fe80::1%eth0]:1514", &u, err, sizeof(err)), 0);
	assert_int_equal(u.proto, VA_SYSLOG_UDP);
	assert_string_equal(u.host, "fe80::1%eth0");
	assert_string_equal(u.port, "1514");
	/* leading zeros are a number like any other; the port is written back plain */
	assert_int_equal(va_syslog_parse_url("tcp://log-host_1.example:0514", &u, err, sizeof(err)),
			 0);
	assert_string_equal(u.port, "514");
	assert_int_equal(va_syslog_parse_url("tcp://h:514/", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_url("tcp://h:-1", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_url("tcp://[]:514", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_url("tcp://[::1]514", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_url("tcp://h\n:514", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_url("tcp:/h:514", &u, err, sizeof(err)), -EINVAL);
	/* a host name longer than a host name can be */
	{
		char url[400];

		snprintf(url, sizeof(url), "tcp://%0300d:514", 7);
		assert_int_equal(va_syslog_parse_url(url, &u, err, sizeof(err)), -EINVAL);
	}
}

static void test_tag(void **state)
{
	char err[256];

	assert_int_equal(va_syslog_parse_tag("vfsaudit", err, sizeof(err)), 0);
	assert_int_equal(va_syslog_parse_tag("a", err, sizeof(err)), 0);
	assert_int_equal(va_syslog_parse_tag("x\xc3\xa9", err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_tag("a\tb", err, sizeof(err)), -EINVAL);
	assert_int_equal(va_syslog_parse_tag("abcdefghijabcdefghijabcdefghijab", err, sizeof(err)),
			 0);
}

static void test_frame(void **state)
{
	char buf[24];

	assert_int_equal(va_syslog_frame(123, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "123 ");
	assert_int_equal(va_syslog_frame(0, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "0 ");
	assert_int_equal(va_syslog_frame(18446744073709551615ull, buf, sizeof(buf)), 21);
	assert_int_equal(va_syslog_frame(12345, buf, 5), -ENOSPC);
}

static void test_sd_escape(void **state)
{
	struct va_strbuf b = { 0 };

	(void)state;
	va_syslog_sd_escape(&b, "a\"b\\c]d[e=f", 11);
	assert_false(b.failed);
	assert_string_equal(b.p, "a\\\"b\\\\c\\]d[e=f");
	va_strbuf_free(&b);
}

static void test_5424_spec_event(void **state)
{
	struct va_event ev = base_event();

	check(VA_SYSLOG_5424, &ev,
	      "<14>1 2026-11-26T13:14:02.123456Z host1 vfsaudit 4242 write [vfsaudit@32473"
	      " seq=\"42\" op=\"write\" path=\"/etc/foobar\" mntns=\"4026531841\" ret=\"5\""
	      " pid=\"1234\" tid=\"1235\" ppid=\"1\" uid=\"1000\" euid=\"1000\" gid=\"1000\""
	      " auid=\"1000\" ses=\"3\" tty=\"pts/3\" comm=\"vi\" exe=\"/usr/bin/vim.basic\""
	      " dev=\"8:3\" ino=\"1311\" ftype=\"file\" count=\"1\" bytes=\"5\"]"
	      " write: vi(1234,1000) /etc/foobar");
}

static void test_3164_spec_event(void **state)
{
	struct va_event ev = base_event();

	/* Local time, as syslog(3): UTC here. */
	setenv("TZ", "UTC", 1);
	tzset();
	check(VA_SYSLOG_3164, &ev,
	      "<14>Nov 26 13:14:02 vfsaudit[4242]: write: vi(1234,1000) /etc/foobar");
	/* A single-digit day is padded with a space, as RFC 3164 says. */
	ev.ts_ns = 1796256000ull * NS; /* 2026-12-03T00:00:00Z */
	check(VA_SYSLOG_3164, &ev,
	      "<14>Dec  3 00:00:00 vfsaudit[4242]: write: vi(1234,1000) /etc/foobar");
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	check(VA_SYSLOG_3164, &ev,
	      "<14>Dec  3 01:00:00 vfsaudit[4242]: write: vi(1234,1000) /etc/foobar");
	setenv("TZ", "UTC", 1);
	tzset();
}

/* Unset ids, no terminal, no device: left out of the SD rather than invented. */
static void test_5424_nulls_and_errors(void **state)
{
	struct va_event ev = base_event();

	ev.op = VA_OP_OPEN;
	ev.ret = -13;
	ev.auid = VA_ID_UNSET;
	ev.ses = VA_ID_UNSET;
	ev.tty_dev = 0;
	ev.has_dev = false;
	ev.has_ino = false;
	ev.ftype = VA_FTYPE_UNKNOWN;
	ev.exe = (struct va_bytes){ NULL, 0 };
	ev.path = BYTES("/etc/shadow");
	ev.has_open_flags = true;
	ev.open_flags = 01 | 01000; /* O_WRONLY | O_TRUNC */
	check(VA_SYSLOG_5424, &ev,
	      "<14>1 2026-11-26T13:14:02.123456Z host1 vfsaudit 4242 open [vfsaudit@32473"
	      " seq=\"42\" op=\"open\" path=\"/etc/shadow\" mntns=\"4026531841\" ret=\"-13\""
	      " error=\"EACCES\" pid=\"1234\" tid=\"1235\" ppid=\"1\" uid=\"1000\" euid=\"1000\""
	      " gid=\"1000\" comm=\"vi\" flags=\"O_WRONLY,O_TRUNC\"]"
	      " open: vi(1234,1000) /etc/shadow [EACCES]");
}

/*
 * Hostile names: '"' and ']' would end the value or the element, '\\' would
 * escape, a newline would forge a line, 0xff is not UTF-8. The SD holds the
 * text form's escaping, SD-escaped on top; a strict parser gets it back.
 */
static void test_5424_hostile(void **state)
{
	static const char path[] = "/tmp/a\"b]c\\d\ne\xff";
	struct va_event ev = base_event();
	struct sd_msg *m = malloc(sizeof(*m));
	char *s;

	assert_non_null(m);
	ev.op = VA_OP_RENAME;
	ev.ret = 0;
	ev.path = (struct va_bytes){ path, sizeof(path) - 1 };
	ev.path2 = BYTES("/tmp/q] [x=\"1\"]");
	snprintf(ev.comm, sizeof(ev.comm), "x]y\"z\x1b");
	ev.exe = BYTES("/bin/\xc3\xa9v\\il");
	s = build(VA_SYSLOG_5424, &ev, 0);
	assert_string_equal(
		s,
		"<14>1 2026-11-26T13:14:02.123456Z host1 vfsaudit 4242 rename [vfsaudit@32473"
		" seq=\"42\" op=\"rename\" path=\"/tmp/a\\\"b\\]c\\\\\\\\d\\\\ne\\\\xff\""
		" new_path=\"/tmp/q\\] [x=\\\"1\\\"\\]\" mntns=\"4026531841\" ret=\"0\""
		" pid=\"1234\" tid=\"1235\" ppid=\"1\" uid=\"1000\" euid=\"1000\" gid=\"1000\""
		" auid=\"1000\" ses=\"3\" tty=\"pts/3\" comm=\"x\\]y\\\"z\\\\x1b\""
		" exe=\"/bin/\xc3\xa9v\\\\\\\\il\" dev=\"8:3\" ino=\"1311\" ftype=\"file\"]"
		" rename: x]y\"z\\x1b(1234,1000) /tmp/a\"b]c\\\\d\\ne\\xff -> /tmp/q] [x=\"1\"]");
	/* A SIEM's parser: one element, the text form's spelling of each value. */
	assert_int_equal(sd_parse(s, strlen(s), m), 0);
	assert_int_equal(m->n_elements, 1);
	assert_string_equal(m->msgid, "rename");
	assert_string_equal(sd_get(m, VA_SYSLOG_SD_ID, "path"), "/tmp/a\"b]c\\\\d\\ne\\xff");
	assert_string_equal(sd_get(m, VA_SYSLOG_SD_ID, "new_path"), "/tmp/q] [x=\"1\"]");
	assert_string_equal(sd_get(m, VA_SYSLOG_SD_ID, "comm"), "x]y\"z\\x1b");
	assert_string_equal(sd_get(m, VA_SYSLOG_SD_ID, "exe"), "/bin/\xc3\xa9v\\\\il");
	assert_null(sd_get(m, VA_SYSLOG_SD_ID, "x")); /* no forged parameter */
	assert_int_equal(m->msg_len,
			 strlen("rename: x]y\"z\\x1b(1234,1000) /tmp/a\"b]c\\\\d\\ne\\xff"
				" -> /tmp/q] [x=\"1\"]"));
	free(s);
	free(m);
}

static void test_5424_ops(void **state)
{
	static const char argv[] = "ls\0-l\0a b\0";
	struct va_event ev = base_event();
	struct sd_msg *m = malloc(sizeof(*m));
	char *s;

	assert_non_null(m);
	ev.op = VA_OP_EXEC;
	ev.argv = (struct va_bytes){ argv, sizeof(argv) - 1 };
	ev.path = BYTES("/usr/bin/ls");
	s = build(VA_SYSLOG_5424, &ev, 0);
	assert_int_equal(sd_parse(s, strlen(s), m), 0);
	/* JSON, so that "a b" stays one argument */
	assert_string_equal(sd_get(m, NULL, "argv"), "[\"ls\",\"-l\",\"a b\"]");
	assert_null(sd_get(m, NULL, "argv_truncated"));
	free(s);

	ev = base_event();
	ev.op = VA_OP_CHOWN;
	ev.owner_uid = 0;
	ev.owner_gid = -1;
	s = build(VA_SYSLOG_5424, &ev, 0);
	assert_int_equal(sd_parse(s, strlen(s), m), 0);
	assert_string_equal(sd_get(m, NULL, "owner_uid"), "0");
	assert_string_equal(sd_get(m, NULL, "owner_gid"), "-1");
	assert_null(sd_get(m, NULL, "count"));
	free(s);

	ev = base_event();
	ev.op = VA_OP_MKDIR;
	ev.mode = 040755;
	ev.ftype = VA_FTYPE_UNKNOWN;
	ev.path_flags = VA_PATH_FROM_NAME;
	s = build(VA_SYSLOG_5424, &ev, 0);
	assert_int_equal(sd_parse(s, strlen(s), m), 0);
	assert_string_equal(sd_get(m, NULL, "mode"), "0755");
	assert_string_equal(sd_get(m, NULL, "ftype"), "dir");
	assert_string_equal(sd_get(m, NULL, "path_from_name"), "true");
	free(s);

	ev = base_event();
	ev.op = VA_OP_SETXATTR;
	ev.path2 = BYTES("user.x]");
	s = build(VA_SYSLOG_5424, &ev, 0);
	assert_int_equal(sd_parse(s, strlen(s), m), 0);
	assert_string_equal(sd_get(m, NULL, "xattr"), "user.x]");
	free(s);

	ev = base_event();
	ev.op = VA_OP_LOST;
	ev.lost = 17;
	check(VA_SYSLOG_5424, &ev,
	      "<14>1 2026-11-26T13:14:02.123456Z host1 vfsaudit 4242 lost [vfsaudit@32473"
	      " seq=\"42\" op=\"lost\" lost=\"17\"] lost: 17 events");
	free(m);
}

/* Header fields are PRINTUSASCII: a hostname with a blank cannot shift the fields. */
static void test_5424_header_tokens(void **state)
{
	struct va_syslog_id id = ID;
	struct va_event ev = base_event();
	char *s;
	size_t len;

	id.hostname = "my host";
	assert_int_equal(va_syslog_event(VA_SYSLOG_5424, &id, &ev, 0, &s, &len), 0);
	assert_non_null(strstr(s, "Z my_host vfsaudit 4242 write ["));
	free(s);
	id.hostname = "";
	assert_int_equal(va_syslog_event(VA_SYSLOG_5424, &id, &ev, 0, &s, &len), 0);
	assert_non_null(strstr(s, "Z - vfsaudit 4242 write ["));
	free(s);
}

/* Longer than receivers take: values shortened, marked, still one parseable message. */
static void test_5424_long(void **state)
{
	size_t n = 20000;
	char *path = malloc(n), *s;
	struct va_event ev = base_event();
	struct sd_msg *m = malloc(sizeof(*m));
	const char *v;

	assert_non_null(path);
	assert_non_null(m);
	path[0] = '/';
	for (size_t i = 1; i < n; i++)
		path[i] = i % 3 ? '\xff' : ']'; /* each grows when escaped */
	ev.path = (struct va_bytes){ path, n };
	s = build(VA_SYSLOG_5424, &ev, 0);
	assert_true(strlen(s) <= VA_SYSLOG_MAX_MSG);
	assert_int_equal(sd_parse(s, strlen(s), m), 0);
	assert_string_equal(sd_get(m, NULL, "truncated"), "true");
	v = sd_get(m, NULL, "path");
	assert_non_null(v);
	assert_true(strlen(v) > 100);
	assert_int_equal(strncmp(v, "/\\xff\\xff]\\xff\\xff]", 19), 0);
	assert_string_equal(sd_get(m, NULL, "ino"), "1311"); /* the short fields are all there */
	/* The text is cut between escapes, and says so. */
	assert_non_null(m->msg);
	assert_true(m->msg_len > 3);
	assert_memory_equal(m->msg + m->msg_len - 3, "...", 3);
	{
		const char *bs = NULL;

		for (const char *p = m->msg; p < m->msg + m->msg_len - 3; p++)
			if (*p == '\\')
				bs = p;
		assert_non_null(bs);
		assert_true(bs + 4 <= m->msg + m->msg_len - 3); /* "\xff" whole */
	}
	free(s);

	/* A tighter limit is kept too. */
	s = build(VA_SYSLOG_5424, &ev, 2048);
	assert_true(strlen(s) <= 2048);
	assert_int_equal(sd_parse(s, strlen(s), m), 0);
	free(s);
	/* And the RFC 3164 form. */
	s = build(VA_SYSLOG_3164, &ev, 1024);
	assert_true(strlen(s) <= 1024);
	assert_memory_equal(s + strlen(s) - 3, "...", 3);
	free(s);
	free(path);
	free(m);
}

/* A UTF-8 character is never cut in two. */
static void test_3164_cut_utf8(void **state)
{
	char path[2000];
	struct va_event ev = base_event();
	char *s;
	size_t len;

	path[0] = '/';
	for (size_t i = 1; i + 1 < sizeof(path); i += 2)
		memcpy(path + i, "\xc3\xa9", 2);
	ev.path = (struct va_bytes){ path, sizeof(path) - 1 };
	for (size_t max = 600; max < 620; max++) {
		s = build(VA_SYSLOG_3164, &ev, max);
		len = strlen(s);
		assert_true(len <= max);
		assert_true(va_utf8_valid(s, len));
		free(s);
	}
}

static void test_seal(void **state)
{
	struct va_seal seal = { .seq = 1000,
				.ts_ns = SPEC_TS,
				.epoch = 3,
				.event_seq = 997,
				.head_hex = "00ff",
				.mac_hex = "abcd" };
	struct sd_msg *m = malloc(sizeof(*m));
	char *s;
	size_t len;

	assert_non_null(m);
	assert_int_equal(va_syslog_seal(VA_SYSLOG_5424, &ID, &seal, &s, &len), 0);
	assert_string_equal(
		s, "<14>1 2026-11-26T13:14:02.123456Z host1 vfsaudit 4242 seal"
		   " [vfsauditSeal@32473 seq=\"1000\" epoch=\"3\" event_seq=\"997\" head=\"00ff\""
		   " mac=\"abcd\"] seal: seq=1000 epoch=3 event_seq=997 head=00ff mac=abcd");
	assert_int_equal(sd_parse(s, len, m), 0);
	assert_string_equal(sd_get(m, VA_SYSLOG_SEAL_SD_ID, "head"), "00ff");
	free(s);
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(va_syslog_seal(VA_SYSLOG_3164, &ID, &seal, &s, &len), 0);
	assert_string_equal(
		s, "<14>Nov 26 13:14:02 vfsaudit[4242]: seal: seq=1000 epoch=3 event_seq=997"
		   " head=00ff mac=abcd");
	free(s);
	/* Whatever the caller passes stays inside its value. */
	seal.head_hex = "x\"] y=\"1";
	seal.mac_hex = "\n";
	assert_int_equal(va_syslog_seal(VA_SYSLOG_5424, &ID, &seal, &s, &len), 0);
	assert_null(strchr(s, '\n'));
	assert_int_equal(sd_parse(s, len, m), 0);
	assert_string_equal(sd_get(m, NULL, "head"), "x\"] y=\"1");
	assert_null(sd_get(m, NULL, "y"));
	free(s);
	free(m);
}

static void test_lost_notice(void **state)
{
	char *s;
	size_t len;

	assert_int_equal(
		va_syslog_lost(VA_SYSLOG_5424, &ID, SPEC_TS, 12, "syslog-remote", &s, &len), 0);
	assert_string_equal(s, "<14>1 2026-11-26T13:14:02.123456Z host1 vfsaudit 4242 lost"
			       " [vfsaudit@32473 op=\"lost\" lost=\"12\" sink=\"syslog-remote\"]"
			       " lost: 12 events not sent to syslog-remote (its queue was full)");
	free(s);
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(va_syslog_lost(VA_SYSLOG_3164, &ID, SPEC_TS, 1, "syslog", &s, &len), 0);
	assert_string_equal(s, "<14>Nov 26 13:14:02 vfsaudit[4242]: lost: 1 events not sent to"
			       " syslog (its queue was full)");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pri),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_sd_escape),
		cmocka_unit_test(test_5424_spec_event),
		cmocka_unit_test(test_3164_spec_event),
		cmocka_unit_test(test_5424_nulls_and_errors),
		cmocka_unit_test(test_5424_hostile),
		cmocka_unit_test(test_5424_ops),
		cmocka_unit_test(test_5424_header_tokens),
		cmocka_unit_test(test_5424_long),
		cmocka_unit_test(test_3164_cut_utf8),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_lost_notice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
