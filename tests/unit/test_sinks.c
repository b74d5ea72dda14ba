// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON log (lines exactly as `watch --format json` prints them, 0600,
 * buffered but written within a second, reopened after logrotate's move,
 * symlinks and FIFOs refused) and the sinks together: va_sinks_open() from a
 * configuration, one event to each, and a seal to each in its own form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "format.h"
#include "sink_jsonlog.h"
#include "sinks.h"
#include "sd_parse.h"

#define NS	1000000000ull
#define SPEC_TS (1795698842ull * NS + 123456789)

#define BYTES(lit) ((struct va_bytes){ lit, sizeof(lit) - 1 })

struct ctx {
	char dir[64];
	char log[128], moved[128], sock[128], other[128];
	struct sd_msg m;
};

static int setup(void **state)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	snprintf(x->dir, sizeof(x->dir), "/tmp/va-jsonlog.XXXXXX");
	if (!mkdtemp(x->dir)) {
		free(x);
		return -1;
	}
	snprintf(x->log, sizeof(x->log), "%s/events.json", x->dir);
	snprintf(x->moved, sizeof(x->moved), "%s/events.json.1", x->dir);
	snprintf(x->sock, sizeof(x->sock), "%s/log", x->dir);
	snprintf(x->other, sizeof(x->other), "%s/other", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	unlink(x->log);
	unlink(x->moved);
	unlink(x->sock);
	unlink(x->other);
	rmdir(x->dir);
	free(x);
	return 0;
}

static struct va_event event(uint64_t seq, const char *path)
{
	struct va_event ev = {
		.seq = seq,
		.ts_ns = SPEC_TS,
		.op = VA_OP_WRITE,
		.ret = 5,
		.pid = 1234,
		.tid = 1234,
		.uid = 1000,
		.auid = VA_ID_UNSET,
		.ses = VA_ID_UNSET,
		.comm = "vi",
		.path = { path, strlen(path) },
		.count = 1,
		.bytes = 5,
	};
	return ev;
}

/* What `watch --format json` prints for @ev. */
static char *json_line(const struct va_event *ev)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(va_event_write_json(f, ev), 0);
	fclose(f);
	return buf;
}

/* The run lines of a JSON log (sink_jsonlog.h), taken out of its text by strip_run_lines(). */
struct run_lines {
	int starts, stops;
	long long last_seq; /* of the last stop line */
	bool start_first;   /* the text began with a start line */
};

/* Take the start and stop lines out of @text, checking each one's fields. */
static void strip_run_lines(char *text, struct run_lines *rl)
{
	char *line = text, *out = text;

	memset(rl, 0, sizeof(*rl));
	while (*line) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
		bool start = !strncmp(line, "{\"start\":{\"ts\":\"", 15);
		bool stop = !strncmp(line, "{\"stop\":{\"ts\":\"", 14);

		if (start || stop) {
			char pid[32];

			snprintf(pid, sizeof(pid), "\"pid\":%d", (int)getpid());
			assert_non_null(strstr(line, pid));
			if (line == text)
				rl->start_first = start;
			rl->starts += start;
			rl->stops += stop;
			if (stop)
				rl->last_seq = atoll(strstr(line, "\"last_seq\":") + 11);
		} else {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = '\0';
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_jsonlog_lines(void **state)
{
	struct ctx *x = *state;
	struct va_jsonlog *j;
	struct va_jsonlog_stats st;
	struct va_event a = event(1, "/etc/foobar"), b = event(2, "/tmp/\xff\n\"");
	char err[256], *want_a = json_line(&a), *want_b = json_line(&b), *got, want[4096];
	struct run_lines rl;
	struct stat sb;
	off_t start_size;

	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), 0);
	assert_int_equal(stat(x->log, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* The run's start line, at once. */
	start_size = sb.st_size;
	got = slurp(x->log);
	strip_run_lines(got, &rl);
	assert_true(rl.start_first && rl.starts == 1 && rl.stops == 0);
	assert_string_equal(got, "");
	free(got);
	va_jsonlog_event(j, &a);
	va_jsonlog_event(j, &b);
	/* Buffered: not yet in the file... */
	assert_int_equal(stat(x->log, &sb), 0);
	assert_int_equal(sb.st_size, start_size);
	va_jsonlog_stats(j, &st);
	assert_int_equal(st.queued, 2);
	/* ...but within a second, written by the sink's thread. */
	for (int i = 0; i < 300 && (va_jsonlog_stats(j, &st), st.queued); i++)
		usleep(10 * 1000);
	got = slurp(x->log);
	strip_run_lines(got, &rl);
	snprintf(want, sizeof(want), "%s%s", want_a, want_b);
	assert_string_equal(got, want);
	free(got);
	va_jsonlog_stats(j, &st);
	assert_int_equal(st.written, 2); /* the start line is not an event */
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.lost, 0);
	/* The stop writes what is left. */
	va_jsonlog_event(j, &a);
	va_jsonlog_close(j, &st);
	assert_int_equal(st.written, 3);
	got = slurp(x->log);
	strip_run_lines(got, &rl);
	snprintf(want, sizeof(want), "%s%s%s", want_a, want_b, want_a);
	assert_string_equal(got, want);
	/* The stop line names the last event's seq: a missing line before it shows. */
	assert_true(rl.starts == 1 && rl.stops == 1);
	assert_int_equal(rl.last_seq, a.seq);
	free(got);
	/* Appended, never truncated, by the next run, which says where it begins. */
	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), 0);
	va_jsonlog_event(j, &b);
	va_jsonlog_close(j, NULL);
	got = slurp(x->log);
	strip_run_lines(got, &rl);
	snprintf(want, sizeof(want), "%s%s%s%s", want_a, want_b, want_a, want_b);
	assert_string_equal(got, want);
	assert_true(rl.starts == 2 && rl.stops == 2);
	assert_int_equal(rl.last_seq, b.seq);
	free(got);
	free(want_a);
	free(want_b);
}

/* Wait until @j has done @n reopens (its thread does them). */
static void wait_reopens(struct va_jsonlog *j, uint64_t n)
{
	struct va_jsonlog_stats st;

	for (int i = 0; i < 500; i++) {
		va_jsonlog_stats(j, &st);
		if (st.reopens >= n)
			return;
		usleep(10000);
	}
	fail_msg("the JSON log's thread did not reopen the file in 5 s");
}

/* logrotate moves the file and sends SIGHUP: later lines go to a new file. */
static void test_jsonlog_reopen(void **state)
{
	struct ctx *x = *state;
	struct va_jsonlog *j;
	struct va_event a = event(1, "/a"), b = event(2, "/b");
	char err[256], *want_a = json_line(&a), *want_b = json_line(&b), *got;
	struct va_jsonlog_stats st;
	struct run_lines rl;

	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), 0);
	va_jsonlog_event(j, &a);
	assert_int_equal(rename(x->log, x->moved), 0);
	va_jsonlog_reopen(j);
	wait_reopens(j, 1);
	va_jsonlog_event(j, &b);
	va_jsonlog_close(j, NULL);
	got = slurp(x->moved);
	strip_run_lines(got, &rl);
	assert_string_equal(got, want_a); /* what was buffered went to the old file */
	assert_true(rl.start_first && rl.starts == 1 && rl.stops == 0);
	free(got);
	/* The run goes on in the new file: no start line there, its stop line at the end. */
	got = slurp(x->log);
	strip_run_lines(got, &rl);
	assert_string_equal(got, want_b);
	assert_true(rl.starts == 0 && rl.stops == 1);
	assert_int_equal(rl.last_seq, b.seq);
	free(got);
	/* A reopen that fails keeps the old file. */
	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), 0);
	unlink(x->log);
	assert_int_equal(symlink(x->other, x->log), 0);
	/* The thread reopens (the caller does not wait): the failure shows in the stats. */
	va_jsonlog_reopen(j);
	wait_reopens(j, 1);
	va_jsonlog_stats(j, &st);
	assert_int_equal(st.last_error, -ELOOP);
	va_jsonlog_event(j, &a);
	va_jsonlog_close(j, NULL);
	assert_int_not_equal(access(x->other, F_OK), 0); /* never written through the link */
	/* A reopen asked for just before the stop is done: the stop line is the new file's. */
	unlink(x->log);
	unlink(x->moved);
	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), 0);
	va_jsonlog_event(j, &a);
	assert_int_equal(rename(x->log, x->moved), 0);
	va_jsonlog_reopen(j);
	va_jsonlog_close(j, &st);
	assert_int_equal(st.reopens, 1);
	got = slurp(x->log);
	strip_run_lines(got, &rl);
	assert_string_equal(got, "");
	assert_true(rl.starts == 0 && rl.stops == 1);
	free(got);
	got = slurp(x->moved);
	strip_run_lines(got, &rl);
	assert_string_equal(got, want_a);
	assert_true(rl.starts == 1 && rl.stops == 0);
	free(got);
	free(want_a);
	free(want_b);
}

/*
 * A full disk cuts lines short: the run lines too. Each line is completed
 * before another follows, and a run never starts on the end of a line the
 * last one left cut.
 */
static void test_jsonlog_cut_lines(void **state)
{
	struct ctx *x = *state;
	struct va_jsonlog *j;
	struct va_jsonlog_stats st;
	struct va_event a = event(1, "/a");
	char err[256], *want_a = json_line(&a), *got, *line, *save = NULL;
	struct rlimit fsize, was;
	struct run_lines rl;
	int lines = 0;
	FILE *f;

	/* The last run's final line, cut: no newline at the end. */
	f = fopen(x->log, "we");
	assert_non_null(f);
	fputs("{\"seq\":7,\"ts\":\"2026-11-", f);
	fclose(f);
	/* The disk takes 20 more bytes: the start line is cut in its turn. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	fsize = was;
	fsize.rlim_cur = 26 + 1 + 20;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &fsize), 0);
	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), 0);
	/* Space again: the rest of the start line, then the event. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	va_jsonlog_event(j, &a);
	va_jsonlog_close(j, &st);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.lost, 0);
	got = slurp(x->log);
	/* Line by line: the old fragment alone, then whole lines only. */
	for (line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save), lines++) {
		if (lines == 0)
			assert_string_equal(line, "{\"seq\":7,\"ts\":\"2026-11-");
		else
			assert_true(line[strlen(line) - 1] == '}');
	}
	assert_int_equal(lines, 4);
	free(got);
	got = slurp(x->log);
	strip_run_lines(strchr(got, '\n') + 1, &rl);
	assert_true(rl.start_first && rl.starts == 1 && rl.stops == 1);
	assert_int_equal(rl.last_seq, a.seq);
	assert_string_equal(strchr(got, '\n') + 1, want_a);
	free(got);
	free(want_a);
}

/* The file's size now. */
static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/*
 * A line the disk cut short just before a rotation: its rest belongs to the
 * old file, never at the head of the new one, and that event is counted
 * lost. Reopened without a rotation, the same file gets the rest.
 */
static void test_jsonlog_cut_then_reopen(void **state)
{
	struct ctx *x = *state;
	struct va_jsonlog *j;
	struct va_jsonlog_stats st;
	struct va_event a = event(1, "/a"), b = event(2, "/b");
	char err[256], *want_a = json_line(&a), *want_b = json_line(&b), *got, *nl;
	struct rlimit fsize, was;
	struct run_lines rl;

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	for (int rotate = 0; rotate < 2; rotate++) {
		unlink(x->log);
		unlink(x->moved);
		assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), 0);
		/* Room for 20 bytes of a's line, which the reopen's flush writes. */
		fsize = was;
		fsize.rlim_cur = (rlim_t)file_size(x->log) + 20;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &fsize), 0);
		va_jsonlog_event(j, &a);
		if (rotate)
			assert_int_equal(rename(x->log, x->moved), 0);
		va_jsonlog_reopen(j);
		wait_reopens(j, 1);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
		va_jsonlog_event(j, &b);
		va_jsonlog_close(j, &st);
		got = slurp(x->log);
		if (rotate) {
			/* The new file: b and the stop line, whole. */
			assert_int_equal(st.written, 1);
			assert_int_equal(st.lost, 1);
			strip_run_lines(got, &rl);
			assert_true(rl.starts == 0 && rl.stops == 1);
			assert_string_equal(got, want_b);
			free(got);
			/* The old one: its start line, then a's first 20 bytes, no more. */
			got = slurp(x->moved);
			nl = strchr(got, '\n');
			assert_non_null(nl);
			assert_int_equal(strlen(nl + 1), 20);
			assert_memory_equal(nl + 1, want_a, 20);
		} else {
			assert_int_equal(st.written, 2);
			assert_int_equal(st.lost, 0);
			strip_run_lines(got, &rl);
			assert_true(rl.start_first && rl.starts == 1 && rl.stops == 1);
			assert_int_equal(strncmp(got, want_a, strlen(want_a)), 0);
			assert_string_equal(got + strlen(want_a), want_b);
		}
		free(got);
	}
	signal(SIGXFSZ, SIG_DFL);
	free(want_a);
	free(want_b);
}

static void test_jsonlog_refused(void **state)
{
	struct ctx *x = *state;
	struct va_jsonlog *j;
	char err[256];

	assert_int_equal(symlink(x->other, x->log), 0);
	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symlink"));
	unlink(x->log);
	assert_int_equal(mkfifo(x->log, 0600), 0);
	/* No reader: refused as what it is, not as "No such device or address". */
	assert_int_equal(va_jsonlog_open(&j, x->log, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(x->log);
	assert_int_equal(va_jsonlog_open(&j, "/nonexistent-dir/x.json", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-dir/x.json"));
}

static int bind_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static ssize_t recv_within(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	n = recv(fd, buf, len - 1, 0);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* From a configuration: an event and a seal to every sink, each in its form. */
static void test_sinks_event_and_seal(void **state)
{
	struct ctx *x = *state;
	struct va_config cfg;
	struct va_sinks *s;
	struct va_sinks_stats st;
	struct va_event ev = event(9, "/etc/foobar");
	char err[512], buf[8192], *got, *want_ev = json_line(&ev), want[4096];
	int fd = bind_unix(x->sock);

	va_config_init(&cfg);
	assert_int_equal(va_config_set(&cfg, "syslog", "local3.notice", err, sizeof(err)), 0);
	assert_int_equal(va_config_set(&cfg, "syslog-format", "5424", err, sizeof(err)), 0);
	assert_int_equal(va_config_set(&cfg, "syslog-tag", "audit", err, sizeof(err)), 0);
	assert_int_equal(va_config_set(&cfg, "syslog-socket", x->sock, err, sizeof(err)), 0);
	assert_int_equal(va_config_set(&cfg, "json-log", x->log, err, sizeof(err)), 0);
	assert_int_equal(va_sinks_open(&s, &cfg, err, sizeof(err)), 0);

	va_sinks_event(s, &ev);
	va_sinks_seal(s, &(struct va_seal){ .seq = 1000,
					    .ts_ns = SPEC_TS,
					    .epoch = 3,
					    .event_seq = 9,
					    .head_hex = "5a5a",
					    .mac_hex = "c0ffee" });
	assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
	assert_int_equal(sd_parse(buf, strlen(buf), &x->m), 0);
	assert_int_equal(x->m.pri, 19 * 8 + 5);
	assert_string_equal(x->m.app, "audit");
	assert_string_equal(x->m.msgid, "write");
	assert_string_equal(sd_get(&x->m, "vfsaudit@32473", "seq"), "9");
	assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
	assert_int_equal(sd_parse(buf, strlen(buf), &x->m), 0);
	assert_string_equal(x->m.msgid, "seal");
	assert_string_equal(x->m.ts, "2026-11-26T13:14:02.123456Z");
	assert_int_equal(x->m.n_params, 5);
	assert_string_equal(sd_get(&x->m, "vfsauditSeal@32473", "event_seq"), "9");
	assert_string_equal(sd_get(&x->m, "vfsauditSeal@32473", "seq"), "1000");
	assert_string_equal(sd_get(&x->m, "vfsauditSeal@32473", "epoch"), "3");
	assert_string_equal(sd_get(&x->m, "vfsauditSeal@32473", "head"), "5a5a");
	assert_string_equal(sd_get(&x->m, "vfsauditSeal@32473", "mac"), "c0ffee");

	va_sinks_close(s, &st);
	assert_true(st.syslog.enabled);
	assert_int_equal(st.syslog.sent, 2);
	assert_false(st.remote.enabled);
	assert_true(st.json_log.enabled);
	assert_int_equal(st.json_log.sent, 2);
	got = slurp(x->log);
	{
		struct run_lines rl;

		strip_run_lines(got, &rl);
		assert_true(rl.start_first && rl.starts == 1 && rl.stops == 1);
		assert_int_equal(rl.last_seq, ev.seq);
	}
	snprintf(want, sizeof(want),
		 "%s{\"seal\":{\"seq\":1000,\"ts\":\"2026-11-26T13:14:02.123456789Z\",\"epoch\":3,"
		 "\"event_seq\":9,\"head\":\"5a5a\",\"mac\":\"c0ffee\"}}\n",
		 want_ev);
	assert_string_equal(got, want);
	free(got);
	free(want_ev);
	va_config_free(&cfg);
	close(fd);
}

/* No sinks configured: every call is harmless. */
static void test_sinks_none(void **state)
{
	struct va_config cfg;
	struct va_sinks *s;
	struct va_sinks_stats st;
	struct va_event ev = event(1, "/x");
	char err[256];

	va_config_init(&cfg);
	assert_int_equal(va_sinks_open(&s, &cfg, err, sizeof(err)), 0);
	va_sinks_event(s, &ev);
	va_sinks_seal(
		s, &(struct va_seal){
			   .seq = 1, .ts_ns = 1, .epoch = 1, .head_hex = "00", .mac_hex = "00" });
	va_sinks_reopen(s);
	va_sinks_stats(s, &st);
	assert_false(st.syslog.enabled || st.remote.enabled || st.json_log.enabled);
	va_sinks_close(s, &st);
	va_sinks_close(NULL, NULL);
	va_sinks_event(NULL, &ev);
	va_config_free(&cfg);
}

/* A sink that cannot open stops the start, naming it. */
static void test_sinks_open_error(void **state)
{
	struct va_config cfg;
	struct va_sinks *s = NULL;
	char err[512];

	va_config_init(&cfg);
	assert_int_equal(
		va_config_set(&cfg, "json-log", "/nonexistent-dir/e.json", err, sizeof(err)), 0);
	assert_int_equal(va_config_set(&cfg, "syslog", "", err, sizeof(err)), 0);
	assert_int_equal(va_sinks_open(&s, &cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-dir/e.json"));
	va_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_jsonlog_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonlog_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonlog_cut_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonlog_cut_then_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonlog_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sinks_event_and_seal, setup, teardown),
		cmocka_unit_test(test_sinks_none),
		cmocka_unit_test(test_sinks_open_error),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
