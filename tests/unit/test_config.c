// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's settings: every key of va_config_set with good and bad
 * values (the message names the key), and config files read with
 * va_config_load (comments, repeated keys, sections, the line of a mistake).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "ops.h"
#include "store.h"
#include "util.h"

#define SEC  1000000000ull
#define HOUR (3600 * SEC)
#define DAY  (24 * HOUR)

struct ctx {
	struct va_config c;
	char err[1024];
	char dir[64];
	char file[128];
};

static int setup(void **state)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	va_config_init(&x->c);
	snprintf(x->dir, sizeof(x->dir), "/tmp/va-config.XXXXXX");
	if (!mkdtemp(x->dir)) {
		free(x);
		return -1;
	}
	snprintf(x->file, sizeof(x->file), "%s/vfsaudit.conf", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	va_config_free(&x->c);
	unlink(x->file);
	rmdir(x->dir);
	free(x);
	return 0;
}

static int set(struct ctx *x, const char *key, const char *value)
{
	x->err[0] = '\0';
	return va_config_set(&x->c, key, value, x->err, sizeof(x->err));
}

/* A bad value: -EINVAL, and the message names the key and the value. */
static void bad(struct ctx *x, const char *key, const char *value)
{
	int ret = set(x, key, value);

	if (ret != -EINVAL)
		fail_msg("%s = '%s': got %d, want -EINVAL", key, value, ret);
	if (!strstr(x->err, key))
		fail_msg("%s = '%s': message does not name the key: %s", key, value, x->err);
	if (value[0] && !strstr(x->err, value))
		fail_msg("%s = '%s': message does not name the value: %s", key, value, x->err);
}

static void test_defaults(void **state)
{
	struct ctx *x = *state;

	assert_string_equal(x->c.db, VA_STORE_DEFAULT_PATH);
	assert_string_equal(x->c.status_file, VA_STATUS_DEFAULT_PATH);
	assert_true(x->c.retain_ns >= 7 * DAY); /* SPEC: at least 7d */
	assert_int_equal(x->c.backend, VA_BACKEND_AUTO);
	assert_int_equal(x->c.filter.ops, VA_SEL_CHANGES);
	assert_true(x->c.filter.default_excludes);
	assert_false(x->c.filter.every_call);
	assert_int_equal(x->c.filter.n_paths, 0);
}

static void test_bools(void **state)
{
	struct ctx *x = *state;
	static const char *const yes[] = { "yes", "YES", "true", "1", "on", "On" };
	static const char *const no[] = { "no", "False", "0", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		x->c.filter.every_call = false;
		assert_int_equal(set(x, "every-call", yes[i]), 0);
		assert_true(x->c.filter.every_call);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		x->c.filter.default_excludes = true;
		assert_int_equal(set(x, "default-excludes", no[i]), 0);
		assert_false(x->c.filter.default_excludes);
	}
	assert_int_equal(set(x, "default-excludes", "yes"), 0);
	assert_true(x->c.filter.default_excludes);
	bad(x, "every-call", "maybe");
	bad(x, "every-call", "");
	bad(x, "default-excludes", "2");
	bad(x, "default-excludes", "yes please");
	assert_true(x->c.filter.default_excludes);
	/* The option's name as the key: the opposite sense. */
	assert_int_equal(set(x, "no-default-excludes", "yes"), 0);
	assert_false(x->c.filter.default_excludes);
	assert_int_equal(set(x, "no-default-excludes", "no"), 0);
	assert_true(x->c.filter.default_excludes);
	bad(x, "no-default-excludes", "");
}

static void test_paths(void **state)
{
	struct ctx *x = *state;
	char longp[PATH_MAX + 10];

	assert_int_equal(set(x, "db", "/srv/audit/audit.db"), 0);
	assert_string_equal(x->c.db, "/srv/audit/audit.db");
	assert_int_equal(set(x, "status-file", "/run/va/status.json"), 0);
	assert_string_equal(x->c.status_file, "/run/va/status.json");
	bad(x, "db", "audit.db");
	bad(x, "db", "");
	bad(x, "status-file", "./status.json");
	assert_string_equal(x->c.db, "/srv/audit/audit.db"); /* unchanged by the bad ones */
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(set(x, "db", longp), -EINVAL);
	assert_non_null(strstr(x->err, "db"));
}

static void test_retain(void **state)
{
	struct ctx *x = *state;
	static const struct {
		const char *v;
		uint64_t ns;
	} good[] = {
		{ "7d", 7 * DAY },     { "12h", 12 * HOUR }, { "90s", 90 * SEC }, { "15m", 15 * 60 * SEC },
		{ "2w", 14 * DAY },    { "forever", 0 },     { "Forever", 0 },	  { "0", 0 },
		{ "365d", 365 * DAY }, { "1s", SEC },
	};
	static const char *const bads[] = { "", "7", "d", "-1d", "7x", "7 d", " 7d", "1.5d",
					    "7dd", "0x10d", "never", "1000001d" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		x->c.retain_ns = 12345;
		if (set(x, "retain", good[i].v))
			fail_msg("retain = '%s': %s", good[i].v, x->err);
		if (x->c.retain_ns != good[i].ns)
			fail_msg("retain = '%s': %llu ns, want %llu", good[i].v,
				 (unsigned long long)x->c.retain_ns, (unsigned long long)good[i].ns);
	}
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		x->c.retain_ns = 12345;
		bad(x, "retain", bads[i]);
		assert_int_equal(x->c.retain_ns, 12345);
	}
}

/*
 * A long retention is either refused or kept as long as asked: never
 * wrapped around 2^64 ns into a short one (30501 weeks would become 3 days,
 * and the daemon would prune everything older than that).
 */
static void test_retain_no_overflow(void **state)
{
	struct ctx *x = *state;
	static const char *const longs[] = { "30501w", "1000000w", "1000000d", "300000d" };

	for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
		x->c.retain_ns = 12345;
		if (set(x, "retain", longs[i]) == 0 && x->c.retain_ns != 0 &&
		    x->c.retain_ns < 1000 * 365 * DAY)
			fail_msg("retain = '%s' gives %llu ns (%llu days)", longs[i],
				 (unsigned long long)x->c.retain_ns,
				 (unsigned long long)(x->c.retain_ns / DAY));
	}
}

static void test_backend(void **state)
{
	struct ctx *x = *state;

	assert_int_equal(set(x, "backend", "tracepoint"), 0);
	assert_int_equal(x->c.backend, VA_BACKEND_TRACEPOINT);
	assert_int_equal(set(x, "backend", "lsm"), 0);
	assert_int_equal(x->c.backend, VA_BACKEND_LSM);
	assert_int_equal(set(x, "backend", "fanotify"), 0);
	assert_int_equal(x->c.backend, VA_BACKEND_FANOTIFY);
	assert_int_equal(set(x, "backend", "auto"), 0);
	assert_int_equal(x->c.backend, VA_BACKEND_AUTO);
	bad(x, "backend", "ebpf");
	bad(x, "backend", "LSM");
	bad(x, "backend", "");
	assert_int_equal(x->c.backend, VA_BACKEND_AUTO);
}

static void test_sizes(void **state)
{
	struct ctx *x = *state;

	assert_int_equal(set(x, "buffer-size", "64M"), 0);
	assert_int_equal(x->c.ringbuf_bytes, 64ull << 20);
	assert_int_equal(set(x, "buffer-size", "4k"), 0);
	assert_int_equal(x->c.ringbuf_bytes, 4096);
	assert_int_equal(set(x, "buffer-size", "1G"), 0);
	assert_int_equal(x->c.ringbuf_bytes, 1ull << 30);
	bad(x, "buffer-size", "2G");
	bad(x, "buffer-size", "0");
	bad(x, "buffer-size", "lots");
	bad(x, "buffer-size", "-4k");
	assert_int_equal(x->c.ringbuf_bytes, 1ull << 30);

	assert_int_equal(set(x, "queue-size", "100000"), 0);
	assert_int_equal(x->c.queue_events, 100000);
	assert_int_equal(set(x, "queue-size", "67108864"), 0);
	bad(x, "queue-size", "67108865");
	bad(x, "queue-size", "0");
	bad(x, "queue-size", "1k"); /* a count of events, not bytes */
	bad(x, "queue-size", "");
	assert_int_equal(x->c.queue_events, 67108864);

	assert_int_equal(x->c.priority_boost, VA_PRIORITY_BOOST_DEFAULT);
	assert_int_equal(VA_PRIORITY_BOOST_DEFAULT, 15);
	assert_int_equal(set(x, "priority-boost", "0"), 0);
	assert_int_equal(x->c.priority_boost, 0);
	assert_int_equal(set(x, "priority-boost", "20"), 0);
	bad(x, "priority-boost", "21");
	bad(x, "priority-boost", "-5");
	bad(x, "priority-boost", "");
	assert_int_equal(x->c.priority_boost, 20);
}

static void test_filter_keys(void **state)
{
	struct ctx *x = *state;

	assert_int_equal(set(x, "path", "/etc/"), 0);
	assert_int_equal(set(x, "path", "/home//alice/./docs"), 0);
	assert_int_equal(set(x, "path", "/etc"), 0); /* same prefix again: once */
	assert_int_equal(x->c.filter.n_paths, 2);
	assert_string_equal(x->c.filter.paths[0], "/etc");
	assert_string_equal(x->c.filter.paths[1], "/home/alice/docs");
	assert_int_equal(set(x, "exclude", "/etc/ssl"), 0);
	assert_int_equal(x->c.filter.n_excludes, 1);
	assert_string_equal(x->c.filter.excludes[0], "/etc/ssl");
	assert_int_equal(set(x, "dev", "8:3"), 0);
	assert_int_equal(set(x, "dev", "803"), 0); /* the same device, hex form: once */
	assert_int_equal(set(x, "dev", "259:1"), 0);
	assert_int_equal(x->c.filter.n_devs, 2);
	assert_int_equal(x->c.filter.devs[0], va_dev_make(8, 3));
	assert_int_equal(x->c.filter.devs[1], va_dev_make(259, 1));
	assert_int_equal(set(x, "uid", "0"), 0);
	assert_int_equal(set(x, "uid", "1000"), 0);
	assert_int_equal(set(x, "uid", "root"), 0); /* 0 again */
	assert_int_equal(x->c.filter.n_uids, 2);
	assert_int_equal(set(x, "comm", "sshd"), 0);
	assert_int_equal(x->c.filter.n_comms, 1);
	assert_string_equal(x->c.filter.comms[0], "sshd");
	assert_int_equal(set(x, "ops", "reads,exec"), 0);
	assert_int_equal(x->c.filter.ops, VA_SEL_READS | VA_SEL_EXEC);
	assert_int_equal(set(x, "ops", "all"), 0);
	assert_int_equal(x->c.filter.ops, VA_SEL_ALL);

	bad(x, "path", "etc");
	bad(x, "path", "");
	bad(x, "exclude", "relative/dir");
	bad(x, "dev", "8:");
	bad(x, "dev", "4096:0");
	bad(x, "uid", "no-such-user-vfsaudit");
	bad(x, "uid", "4294967295");
	bad(x, "comm", "a-name-longer-than-15");
	bad(x, "comm", "");
	bad(x, "ops", "changes,bogus");
	bad(x, "ops", "");
	assert_int_equal(x->c.filter.ops, VA_SEL_ALL);
	assert_int_equal(x->c.filter.n_paths, 2);
}

static void test_filter_limits(void **state)
{
	struct ctx *x = *state;
	char p[32];
	int ret = 0;

	for (int i = 0; i <= VA_FILTER_MAX_PREFIXES && !ret; i++) {
		snprintf(p, sizeof(p), "/d%d", i);
		ret = set(x, "path", p);
	}
	assert_int_not_equal(ret, 0);
	assert_int_equal(x->c.filter.n_paths, VA_FILTER_MAX_PREFIXES);
	assert_non_null(strstr(x->err, "path"));
}

static void test_unknown(void **state)
{
	struct ctx *x = *state;

	assert_int_equal(set(x, "colour", "blue"), -ENOENT);
	assert_non_null(strstr(x->err, "colour"));
	assert_int_equal(set(x, "", "x"), -ENOENT);
	assert_int_equal(set(x, "Path", "/etc"), -ENOENT); /* keys are case-sensitive */
	assert_int_equal(set(x, "syslog-colour", "x"), -ENOENT);
	/* A key with no value at all. */
	assert_int_not_equal(set(x, "path", NULL), 0);
	assert_int_equal(x->c.filter.n_paths, 0);
}

static void test_sink_defaults(void **state)
{
	struct ctx *x = *state;

	assert_false(x->c.syslog);
	assert_int_equal(x->c.syslog_facility, 1); /* user */
	assert_int_equal(x->c.syslog_severity, 6); /* info */
	assert_string_equal(x->c.syslog_tag, "vfsaudit");
	assert_int_equal(x->c.syslog_format, VA_SYSLOG_3164);
	assert_string_equal(x->c.syslog_socket, "/dev/log");
	assert_int_equal(x->c.syslog_remote.proto, VA_SYSLOG_NONE);
	assert_string_equal(x->c.syslog_spool, "");
	assert_int_equal(x->c.syslog_spool_bytes, 256ull << 20);
	assert_int_equal(x->c.syslog_queue_bytes, 8ull << 20);
	assert_string_equal(x->c.json_log, "");
}

static void test_syslog_key(void **state)
{
	struct ctx *x = *state;

	/* --syslog alone: on, user.info */
	assert_int_equal(set(x, "syslog", ""), 0);
	assert_true(x->c.syslog);
	assert_int_equal(x->c.syslog_facility, 1);
	assert_int_equal(x->c.syslog_severity, 6);
	assert_int_equal(set(x, "syslog", "authpriv.notice"), 0);
	assert_int_equal(x->c.syslog_facility, 10);
	assert_int_equal(x->c.syslog_severity, 5);
	/* yes keeps the facility chosen so far; no turns it off */
	assert_int_equal(set(x, "syslog", "no"), 0);
	assert_false(x->c.syslog);
	assert_int_equal(set(x, "syslog", "yes"), 0);
	assert_true(x->c.syslog);
	assert_int_equal(x->c.syslog_facility, 10);
	assert_int_equal(set(x, "syslog", "LOCAL7.Warn"), 0);
	assert_int_equal(x->c.syslog_facility, 23);
	assert_int_equal(x->c.syslog_severity, 4);
	assert_int_equal(set(x, "syslog", "kern"), 0); /* level: info */
	assert_int_equal(x->c.syslog_facility, 0);
	assert_int_equal(x->c.syslog_severity, 6);
	bad(x, "syslog", "foo.info");
	assert_non_null(strstr(x->err, "facility 'foo'"));
	bad(x, "syslog", "user.loud");
	assert_non_null(strstr(x->err, "level 'loud'"));
	bad(x, "syslog", "user.");
	bad(x, "syslog", ".info");
	bad(x, "syslog", "local8.info");
	/* a refused value changes nothing */
	assert_int_equal(x->c.syslog_facility, 0);
}

static void test_syslog_other_keys(void **state)
{
	struct ctx *x = *state;

	assert_int_equal(set(x, "syslog-tag", "vfs-audit_2.x/y"), 0);
	assert_string_equal(x->c.syslog_tag, "vfs-audit_2.x/y");
	bad(x, "syslog-tag", "two words");
	bad(x, "syslog-tag", "tag:");
	bad(x, "syslog-tag", "tag[1]");
	bad(x, "syslog-tag", "abcdefghijabcdefghijabcdefghijabc"); /* 33 */
	bad(x, "syslog-tag", "");
	assert_string_equal(x->c.syslog_tag, "vfs-audit_2.x/y");

	assert_int_equal(set(x, "syslog-format", "5424"), 0);
	assert_int_equal(x->c.syslog_format, VA_SYSLOG_5424);
	assert_int_equal(set(x, "syslog-format", "rfc3164"), 0);
	assert_int_equal(x->c.syslog_format, VA_SYSLOG_3164);
	bad(x, "syslog-format", "json");

	assert_int_equal(set(x, "syslog-socket", "/run/systemd/journal/dev-log"), 0);
	assert_string_equal(x->c.syslog_socket, "/run/systemd/journal/dev-log");
	bad(x, "syslog-socket", "dev/log");
	bad(x, "syslog-socket", "/a/path/longer/than/a/unix/socket/may/be/a/path/longer/than/a/"
				"unix/socket/may/be/a/path/longer/than/a/unix/socket");

	assert_int_equal(set(x, "syslog-spool", "/var/spool/vfsaudit.spool"), 0);
	assert_string_equal(x->c.syslog_spool, "/var/spool/vfsaudit.spool");
	bad(x, "syslog-spool", "spool");
	assert_int_equal(set(x, "syslog-spool-size", "1G"), 0);
	assert_int_equal(x->c.syslog_spool_bytes, 1ull << 30);
	assert_int_equal(set(x, "syslog-spool-size", "0"), 0);
	assert_int_equal(x->c.syslog_spool_bytes, 0);
	bad(x, "syslog-spool-size", "65G");
	bad(x, "syslog-spool-size", "lots");
	assert_int_equal(set(x, "syslog-queue-size", "64k"), 0);
	assert_int_equal(x->c.syslog_queue_bytes, 65536);
	bad(x, "syslog-queue-size", "0");
	bad(x, "syslog-queue-size", "4k");
	bad(x, "syslog-queue-size", "2G");

	assert_int_equal(set(x, "json-log", "/var/log/vfsaudit.json"), 0);
	assert_string_equal(x->c.json_log, "/var/log/vfsaudit.json");
	bad(x, "json-log", "vfsaudit.json");
	assert_int_equal(set(x, "json-log", "none"), 0);
	assert_string_equal(x->c.json_log, "");
}

static void test_syslog_remote_key(void **state)
{
	struct ctx *x = *state;

	assert_int_equal(set(x, "syslog-remote", "tcp://siem.example.org:6514"), 0);
	assert_int_equal(x->c.syslog_remote.proto, VA_SYSLOG_TCP);
	assert_string_equal(x->c.syslog_remote.host, "siem.example.org");
	assert_string_equal(x->c.syslog_remote.port, "6514");
	assert_int_equal(set(x, "syslog-remote", "UDP://192.0.2.7:514"), 0);
	assert_int_equal(x->c.syslog_remote.proto, VA_SYSLOG_UDP);
	assert_string_equal(x->c.syslog_remote.host, "192.0.2.7");
	assert_int_equal(set(x, "syslog-remote", "tcp://[2001:db8::1]:514"), 0);
	assert_string_equal(x->c.syslog_remote.host, "2001:db8::1");
	assert_string_equal(x->c.syslog_remote.port, "514");
	bad(x, "syslog-remote", "tcp://siem");
	assert_non_null(strstr(x->err, "port"));
	bad(x, "syslog-remote", "tcp://siem:");
	bad(x, "syslog-remote", "tcp://siem:0");
	bad(x, "syslog-remote", "tcp://siem:65536");
	bad(x, "syslog-remote", "tcp://siem:51x");
	bad(x, "syslog-remote", "tcp://:514");
	bad(x, "syslog-remote", "tcp://si em:514");
	bad(x, "syslog-remote", "tcp://2001:db8::1:514"); /* brackets needed */
	bad(x, "syslog-remote", "tcp://[2001:db8::1:514");
	bad(x, "syslog-remote", "tls://siem:6514");
	bad(x, "syslog-remote", "siem:514");
	/* still the last good one */
	assert_string_equal(x->c.syslog_remote.host, "2001:db8::1");
	assert_int_equal(set(x, "syslog-remote", "none"), 0);
	assert_int_equal(x->c.syslog_remote.proto, VA_SYSLOG_NONE);
}

static void write_conf(struct ctx *x, const char *text)
{
	FILE *f = fopen(x->file, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int load(struct ctx *x)
{
	x->err[0] = '\0';
	return va_config_load(&x->c, x->file, x->err, sizeof(x->err));
}

/* The message starts with "FILE:LINE:". */
static void assert_at_line(struct ctx *x, int line)
{
	char want[200];

	snprintf(want, sizeof(want), "%s:%d:", x->file, line);
	if (strncmp(x->err, want, strlen(want)))
		fail_msg("want a message starting with '%s', got '%s'", want, x->err);
}

static void test_load_file(void **state)
{
	struct ctx *x = *state;

	write_conf(x, "# vfsaudit settings\n"
		      "; another comment style\n"
		      "\n"
		      "path = /etc\n"
		      "path=/var/www\n"
		      "exclude   =   /etc/ssl   \n"
		      "uid = 0\n"
		      "uid = 33\n"
		      "ops = changes,exec\n"
		      "retain = 30d\n"
		      "db = /srv/vfsaudit/audit.db\n"
		      "backend = tracepoint\n"
		      "queue-size = 50000\n"
		      "every-call = yes\n");
	assert_int_equal(load(x), 0);
	assert_int_equal(x->c.filter.n_paths, 2);
	assert_string_equal(x->c.filter.paths[0], "/etc");
	assert_string_equal(x->c.filter.paths[1], "/var/www");
	assert_int_equal(x->c.filter.n_excludes, 1);
	assert_string_equal(x->c.filter.excludes[0], "/etc/ssl");
	assert_int_equal(x->c.filter.n_uids, 2);
	assert_int_equal(x->c.filter.ops, VA_SEL_CHANGES | VA_SEL_EXEC);
	assert_int_equal(x->c.retain_ns, 30 * DAY);
	assert_string_equal(x->c.db, "/srv/vfsaudit/audit.db");
	assert_int_equal(x->c.backend, VA_BACKEND_TRACEPOINT);
	assert_int_equal(x->c.queue_events, 50000);
	assert_true(x->c.filter.every_call);
}

/*
 * inih joins an indented line to the value before it (multi-line values):
 * the file is read without indentation, so an indented "key = value" is a
 * setting of its own.
 */
static void test_load_indented(void **state)
{
	struct ctx *x = *state;

	write_conf(x, "path = /etc\n"
		      "    exclude = /etc/ssl\n"
		      "\tuid = 7\n");
	assert_int_equal(load(x), 0);
	assert_int_equal(x->c.filter.n_paths, 1);
	assert_int_equal(x->c.filter.n_excludes, 1);
	assert_string_equal(x->c.filter.excludes[0], "/etc/ssl");
	assert_int_equal(x->c.filter.n_uids, 1);
}

/* A directory given as the file: refused, saying so (it read as an empty file). */
static void test_load_directory(void **state)
{
	struct ctx *x = *state;

	x->err[0] = '\0';
	assert_int_equal(va_config_load(&x->c, x->dir, x->err, sizeof(x->err)), -EISDIR);
	assert_non_null(strstr(x->err, "Is a directory"));
}

/*
 * An indented line after a key whose value may hold spaces (comm) must not
 * pass silently either: "comm = nginx" then "    path = /srv" loaded as a
 * second process name "path = /srv" and no path filter at all.
 */
static void test_load_indented_comm(void **state)
{
	struct ctx *x = *state;
	int ret;

	write_conf(x, "comm = nginx\n"
		      "    path = /srv\n");
	ret = load(x);
	assert_int_equal(ret, 0);
	/* Read as a key of its own: the path filter is there, one comm. */
	assert_int_equal(x->c.filter.n_comms, 1);
	assert_int_equal(x->c.filter.n_paths, 1);
	assert_string_equal(x->c.filter.paths[0], "/srv");
}

/*
 * A line longer than inih's 200-byte buffer is one line: a long comment is
 * a comment (it was split and its tail parsed as a setting of its own, on
 * "line 2"), and a long value is the whole value (a --path prefix may have
 * up to 255 bytes), or an error naming the line it is on.
 */
static void test_load_long_comment(void **state)
{
	struct ctx *x = *state;
	char text[1024];
	int ret;

	/* A comment of 300 bytes, nothing else: loads. */
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'x', 299);
	strcat(text, "\n");
	write_conf(x, text);
	ret = load(x);
	if (ret)
		fail_msg("a 300-byte comment line: %d, %s", ret, x->err);
}

static void test_load_long_comment_tail(void **state)
{
	struct ctx *x = *state;
	char text[1024];
	int ret;

	/* A comment whose 200th byte starts "path = /nowhere": still a comment. */
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'x', 198);
	strcat(text, "path = /nowhere\n");
	write_conf(x, text);
	ret = load(x);
	if (ret || x->c.filter.n_paths)
		fail_msg("a comment's tail became a setting: ret %d, %u paths (%s)", ret,
			 x->c.filter.n_paths, x->c.filter.n_paths ? x->c.filter.paths[0] : "");
}

static void test_load_long_value(void **state)
{
	struct ctx *x = *state;
	char text[1024], longp[240];
	int ret;

	/* A 239-byte prefix: kept whole, or refused naming line 1. */
	longp[0] = '/';
	memset(longp + 1, 'a', sizeof(longp) - 2);
	longp[sizeof(longp) - 1] = '\0';
	snprintf(text, sizeof(text), "path = %s\n", longp);
	write_conf(x, text);
	ret = load(x);
	assert_int_equal(ret, 0);
	assert_int_equal(x->c.filter.n_paths, 1);
	assert_string_equal(x->c.filter.paths[0], longp);

	/* Indented, after a section, a comment after it: read as inih reads a short one. */
	snprintf(text, sizeof(text), "[vfsaudit]\n\n  exclude:%s  ; the build tree\n", longp);
	write_conf(x, text);
	assert_int_equal(load(x), 0);
	assert_int_equal(x->c.filter.n_excludes, 1);
	assert_string_equal(x->c.filter.excludes[0], longp);

	/* Refused where a short one would be, naming its line. */
	snprintf(text, sizeof(text), "uid = 1\n# %s\npath = %sx/../../%s\n", longp, longp, "a");
	write_conf(x, text);
	assert_int_equal(load(x), 0);
	snprintf(text, sizeof(text), "uid = 1\n# %s\npaht = %s\n", longp, longp);
	write_conf(x, text);
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 3);
	assert_non_null(strstr(x->err, "unknown setting 'paht'"));
	/* A long setting under an unknown section: the section is named, at its line. */
	snprintf(text, sizeof(text), "[other]\npath = %s\n", longp);
	write_conf(x, text);
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 1);
	assert_non_null(strstr(x->err, "unknown section [other]"));
	snprintf(text, sizeof(text), "uid = 1\n%s\n", longp);
	write_conf(x, text);
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 2);
	assert_non_null(strstr(x->err, "not a 'key = value' line"));
	/* A short bad line before a long bad one: the first is named. */
	snprintf(text, sizeof(text), "uid\npaht = %s\n", longp);
	write_conf(x, text);
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 1);
}

/*
 * An inline comment must not become part of the value: "path = /var # web"
 * silently watching a prefix "/var # web" would watch nothing under /var.
 */
static void test_load_inline_comments(void **state)
{
	struct ctx *x = *state;
	int ret;

	write_conf(x, "path = /etc ; the configuration\n");
	assert_int_equal(load(x), 0);
	assert_int_equal(x->c.filter.n_paths, 1);
	assert_string_equal(x->c.filter.paths[0], "/etc");

	write_conf(x, "path = /var # the web root\n");
	ret = load(x);
	if (ret == 0) {
		assert_int_equal(x->c.filter.n_paths, 2);
		assert_string_equal(x->c.filter.paths[1], "/var");
	} else {
		assert_int_equal(ret, -EINVAL);
		assert_at_line(x, 1);
	}
}

static void test_load_section(void **state)
{
	struct ctx *x = *state;

	write_conf(x, "path = /etc\n"
		      "[vfsaudit]\n"
		      "path = /home\n");
	assert_int_equal(load(x), 0);
	assert_int_equal(x->c.filter.n_paths, 2);

	write_conf(x, "[vfsaudit]\n"
		      "path = /usr\n"
		      "[syslog]\n"
		      "path = /srv\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 3); /* the section's own line, not its first key's */
	assert_non_null(strstr(x->err, "unknown section [syslog]"));
	assert_int_equal(x->c.filter.n_paths, 3); /* /usr applied, /srv not */

	/* An empty section is refused too: it shows a file meant for something else. */
	write_conf(x, "path = /opt\n"
		      "\n"
		      "[syslog]\n"
		      "# nothing yet\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 3);
	assert_non_null(strstr(x->err, "unknown section [syslog]"));
}

static void test_load_errors(void **state)
{
	struct ctx *x = *state;

	write_conf(x, "# comment\n"
		      "path = /etc\n"
		      "\n"
		      "colour = blue\n"
		      "path = /var\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 4);
	assert_non_null(strstr(x->err, "colour"));

	write_conf(x, "path = /etc\n"
		      "retain = soon\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 2);
	assert_non_null(strstr(x->err, "retain"));
	assert_non_null(strstr(x->err, "soon"));

	write_conf(x, "path = /etc\n"
		      "\n"
		      "just some words\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 3);

	/* The first mistake is the one reported. */
	write_conf(x, "ops = bogus\n"
		      "colour = blue\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 1);
	assert_non_null(strstr(x->err, "bogus"));

	/* A long message whole, to its end (it was cut at 256, then 512 bytes). */
	write_conf(x,
		   "ops = create,write,unlink,rename,chmod,chown,create,write,unlink,rename,"
		   "chmod,chown,create,write,unlink,rename,chmod,chown,create,write,unlink,rename,"
		   "chmod,chown,create,write,unlink,rename,chmod,chown,create,write,unlink,rename,"
		   "chmod,chown,create,write,unlink,rename,chmod,chown,bogus\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 1);
	assert_non_null(strstr(x->err, "separated by commas"));

	write_conf(x, "comm = sshd\n"
		      "[unterminated\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 2);

	unlink(x->file);
	assert_int_equal(load(x), -ENOENT);
	assert_non_null(strstr(x->err, x->file));
}

/* The sinks from a file; a bad sink line is named by its number. */
static void test_load_sinks(void **state)
{
	struct ctx *x = *state;

	write_conf(x, "syslog = daemon.notice\n"
		      "syslog-tag = audit\n"
		      "syslog-remote = tcp://127.0.0.1:514 # the SIEM\n"
		      "json-log = /var/log/vfsaudit.json\n");
	assert_int_equal(load(x), 0);
	assert_true(x->c.syslog);
	assert_int_equal(x->c.syslog_facility, 3);
	assert_int_equal(x->c.syslog_severity, 5);
	assert_string_equal(x->c.syslog_tag, "audit");
	assert_string_equal(x->c.syslog_remote.port, "514");
	assert_string_equal(x->c.json_log, "/var/log/vfsaudit.json");

	write_conf(x, "path = /etc\n"
		      "syslog-remote = tcp://127.0.0.1\n");
	assert_int_equal(load(x), -EINVAL);
	assert_at_line(x, 2);
	assert_non_null(strstr(x->err, "syslog-remote"));
	assert_non_null(strstr(x->err, "port"));
}

static void test_load_empty(void **state)
{
	struct ctx *x = *state;

	write_conf(x, "");
	assert_int_equal(load(x), 0);
	write_conf(x, "# only comments\n\n; here\n");
	assert_int_equal(load(x), 0);
	assert_int_equal(x->c.filter.n_paths, 0);
	assert_int_equal(x->c.retain_ns, VA_RETAIN_DEFAULT_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retain_no_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_other_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_remote_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_sinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_indented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_indented_comm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_long_comment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_long_comment_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_long_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_inline_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
