// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The syslog sinks against real sockets on this machine: the local one
 * through a datagram socket that goes away and comes back, or stops reading;
 * the remote one over TCP (octet framing; a peer that closes and returns
 * gets every message once; a peer that is away for good gets them all from
 * the spool file at the next start) and over UDP. No root needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sink_syslog.h"
#include "sd_parse.h"

#define NS	1000000000ull
#define SPEC_TS (1795698842ull * NS + 123456789)

#define BYTES(lit) ((struct va_bytes){ lit, sizeof(lit) - 1 })

static const struct va_syslog_id ID = {
	.facility = 1, .severity = 6, .hostname = "host1", .tag = "vfsaudit", .pid = 4242
};

struct ctx {
	char dir[64];
	char sock[128];
	char spool[128];
	struct sd_msg m;
};

static int setup(void **state)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	snprintf(x->dir, sizeof(x->dir), "/tmp/va-sinks.XXXXXX");
	if (!mkdtemp(x->dir)) {
		free(x);
		return -1;
	}
	snprintf(x->sock, sizeof(x->sock), "%s/log", x->dir);
	snprintf(x->spool, sizeof(x->spool), "%s/remote.spool", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;

	unlink(x->sock);
	unlink(x->spool);
	rmdir(x->dir);
	free(x);
	return 0;
}

static struct va_event event(uint64_t seq)
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
		.path = BYTES("/etc/foobar"),
		.count = 1,
		.bytes = 5,
	};
	return ev;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int bind_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* One datagram (or a read) within @ms. Returns: its length, or -1. */
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

static void wait_sent(struct va_syslog_sink *k, uint64_t want)
{
	struct va_syslog_sink_stats st;
	uint64_t until = now_ms() + 5000;

	do {
		va_syslog_sink_stats(k, &st);
		if (st.sent >= want)
			break;
		usleep(10000);
	} while (now_ms() < until);
	assert_int_equal(st.sent, want);
}

static void test_local_3164_and_5424(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	struct va_syslog_sink_stats st;
	struct va_event ev = event(7);
	char buf[8192], err[256];
	int fd = bind_unix(x->sock);

	assert_int_equal(
		va_syslog_local_open(&k, &ID, x->sock, VA_SYSLOG_3164, 1 << 20, err, sizeof(err)),
		0);
	va_syslog_sink_event(k, &ev);
	assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
	assert_string_equal(buf,
			    "<14>Nov 26 13:14:02 vfsaudit[4242]: write: vi(1234,1000) /etc/foobar");
	wait_sent(k, 1);
	va_syslog_sink_close(k, 1000, &st);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.lost, 0);

	assert_int_equal(
		va_syslog_local_open(&k, &ID, x->sock, VA_SYSLOG_5424, 1 << 20, err, sizeof(err)),
		0);
	va_syslog_sink_event(k, &ev);
	assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
	assert_int_equal(sd_parse(buf, strlen(buf), &x->m), 0);
	assert_int_equal(x->m.pri, 14);
	assert_string_equal(sd_get(&x->m, VA_SYSLOG_SD_ID, "seq"), "7");
	assert_string_equal(sd_get(&x->m, VA_SYSLOG_SD_ID, "path"), "/etc/foobar");
	va_syslog_sink_close(k, 1000, NULL);
	close(fd);
}

/* The syslog daemon restarts (its socket goes away and comes back): nothing is lost. */
static void test_local_daemon_restart(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	struct va_syslog_sink_stats st;
	char buf[8192], err[256];
	int fd = bind_unix(x->sock);

	assert_int_equal(
		va_syslog_local_open(&k, &ID, x->sock, VA_SYSLOG_5424, 1 << 20, err, sizeof(err)),
		0);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		struct va_event ev = event(seq);

		va_syslog_sink_event(k, &ev);
	}
	for (int i = 1; i <= 3; i++)
		assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
	wait_sent(k, 3);
	close(fd);
	unlink(x->sock);
	for (uint64_t seq = 4; seq <= 6; seq++) {
		struct va_event ev = event(seq);

		va_syslog_sink_event(k, &ev);
	}
	usleep(300 * 1000); /* it finds no daemon and retries */
	va_syslog_sink_stats(k, &st);
	assert_false(st.connected);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.queued, 2); /* one in hand, two waiting */
	fd = bind_unix(x->sock);
	for (int want = 4; want <= 6; want++) {
		char num[16];

		assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
		assert_int_equal(sd_parse(buf, strlen(buf), &x->m), 0);
		snprintf(num, sizeof(num), "%d", want);
		assert_string_equal(sd_get(&x->m, NULL, "seq"), num);
	}
	wait_sent(k, 6);
	va_syslog_sink_close(k, 1000, &st);
	assert_int_equal(st.lost, 0);
	close(fd);
}

/* A daemon that stops reading: the sink waits, never drops, never blocks the caller. */
static void test_local_slow_reader(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	char buf[8192], err[256];
	int fd = bind_unix(x->sock);
	uint64_t t0;

	assert_int_equal(
		va_syslog_local_open(&k, &ID, x->sock, VA_SYSLOG_5424, 4 << 20, err, sizeof(err)),
		0);
	t0 = now_ms();
	for (uint64_t seq = 1; seq <= 3000; seq++) {
		struct va_event ev = event(seq);

		va_syslog_sink_event(k, &ev);
	}
	/*
	 * Far more than the socket queue holds, and the producer did not wait
	 * for it (had it waited, nobody would ever read: it would hang here).
	 */
	assert_true(now_ms() - t0 < 10000);
	for (int want = 1; want <= 3000; want++) {
		char num[16];

		assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
		assert_int_equal(sd_parse(buf, strlen(buf), &x->m), 0);
		snprintf(num, sizeof(num), "%d", want);
		assert_string_equal(sd_get(&x->m, NULL, "seq"), num);
	}
	wait_sent(k, 3000);
	va_syslog_sink_close(k, 1000, NULL);
	close(fd);
}

/*
 * No daemon at all, and a full queue: losses counted; "lost" messages in
 * the stream, where the losses happened, add up to the count.
 */
static void test_local_losses(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	struct va_syslog_sink_stats st;
	struct va_event ev;
	char buf[8192], err[256];
	uint64_t events = 0, noted = 0, last_seq = 0;
	int fd;

	assert_int_equal(
		va_syslog_local_open(&k, &ID, x->sock, VA_SYSLOG_5424, 65536, err, sizeof(err)), 0);
	for (uint64_t seq = 1; seq <= 1000; seq++) {
		ev = event(seq);
		va_syslog_sink_event(k, &ev);
	}
	va_syslog_sink_stats(k, &st);
	assert_true(st.lost > 0);
	fd = bind_unix(x->sock);
	/* The last one comes after the backlog (the sink retries 2 s apart at most). */
	for (uint64_t until = now_ms() + 10000; now_ms() < until; usleep(10000)) {
		va_syslog_sink_stats(k, &st);
		if (!st.queued)
			break;
	}
	ev = event(1001);
	va_syslog_sink_event(k, &ev);
	while (last_seq != 1001 && recv_within(fd, buf, sizeof(buf), 5000) > 0) {
		assert_int_equal(sd_parse(buf, strlen(buf), &x->m), 0);
		if (!strcmp(x->m.msgid, "lost")) {
			assert_string_equal(sd_get(&x->m, NULL, "sink"), "syslog");
			noted += strtoull(sd_get(&x->m, NULL, "lost"), NULL, 10);
			continue;
		}
		/* in order, gaps only where messages were lost */
		assert_true(strtoull(sd_get(&x->m, NULL, "seq"), NULL, 10) > last_seq);
		last_seq = strtoull(sd_get(&x->m, NULL, "seq"), NULL, 10);
		events++;
	}
	assert_int_equal(last_seq, 1001);
	va_syslog_sink_stats(k, &st);
	assert_int_equal(noted, st.lost);
	assert_int_equal(events + st.lost, 1001);
	va_syslog_sink_close(k, 1000, &st);
	close(fd);

	/* Nobody there at the stop: what is queued is counted. */
	unlink(x->sock);
	assert_int_equal(
		va_syslog_local_open(&k, &ID, x->sock, VA_SYSLOG_5424, 1 << 20, err, sizeof(err)),
		0);
	for (uint64_t seq = 1; seq <= 5; seq++) {
		ev = event(seq);
		va_syslog_sink_event(k, &ev);
	}
	va_syslog_sink_close(k, 200, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.lost, 5);
}

static int listen_tcp(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(*port) };
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static int accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, ms), 1);
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* An RFC 6587 octet-counted stream, read as a receiver would. */
struct frames {
	char buf[1 << 20];
	size_t len;
};

/* Returns: the next message (NUL-terminated in place) within @ms, or NULL. */
static char *next_frame(int fd, struct frames *f, size_t *mlen, int ms)
{
	uint64_t until = now_ms() + (uint64_t)ms;

	for (;;) {
		char *sp = memchr(f->buf, ' ', f->len);

		if (sp) {
			size_t n = strtoul(f->buf, NULL, 10), hl = (size_t)(sp - f->buf) + 1;

			for (char *p = f->buf; p < sp; p++)
				if (*p < '0' || *p > '9')
					fail_msg("bad frame length '%.*s'", (int)(sp - f->buf),
						 f->buf);
			if (f->len >= hl + n) {
				static char out[65536];

				assert_true(n < sizeof(out));
				memcpy(out, f->buf + hl, n);
				out[n] = '\0';
				memmove(f->buf, f->buf + hl + n, f->len - hl - n);
				f->len -= hl + n;
				*mlen = n;
				return out;
			}
		}
		{
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int64_t left = (int64_t)until - (int64_t)now_ms();
			ssize_t r;

			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				return NULL;
			r = read(fd, f->buf + f->len, sizeof(f->buf) - f->len);
			if (r <= 0)
				return NULL;
			f->len += (size_t)r;
		}
	}
}

static void expect_seq(struct ctx *x, int fd, struct frames *f, int from, int to)
{
	for (int want = from; want <= to; want++) {
		size_t len;
		char *msg = next_frame(fd, f, &len, 5000), num[16];

		if (!msg)
			fail_msg("message seq %d did not come", want);
		if (sd_parse(msg, len, &x->m))
			fail_msg("seq %d: %s: %s", want, x->m.why, msg);
		snprintf(num, sizeof(num), "%d", want);
		if (strcmp(sd_get(&x->m, NULL, "seq"), num))
			fail_msg("expected seq %d, got %s", want, sd_get(&x->m, NULL, "seq"));
	}
}

static void push_range(struct va_syslog_sink *k, int from, int to)
{
	for (int seq = from; seq <= to; seq++) {
		struct va_event ev = event((uint64_t)seq);

		va_syslog_sink_event(k, &ev);
	}
}

/* The peer closes and comes back on the same port: every message once, in order. */
static void test_remote_tcp_restart(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	struct va_syslog_sink_stats st;
	struct va_syslog_url url = { .proto = VA_SYSLOG_TCP, .host = "127.0.0.1" };
	struct frames *f = calloc(1, sizeof(*f));
	uint16_t port = 0;
	char err[256];
	int lfd = listen_tcp(&port), cfd;
	size_t len;

	assert_non_null(f);
	snprintf(url.port, sizeof(url.port), "%u", port);
	assert_int_equal(
		va_syslog_remote_open(&k, &ID, &url, 1 << 20, x->spool, 1 << 20, err, sizeof(err)),
		0);
	push_range(k, 1, 100);
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	expect_seq(x, cfd, f, 1, 100);
	wait_sent(k, 100);
	va_syslog_sink_stats(k, &st);
	assert_true(st.connected);

	/* The peer stops (everything read, so a clean close) and is away a while. */
	close(cfd);
	close(lfd);
	push_range(k, 101, 150);
	usleep(500 * 1000);
	va_syslog_sink_stats(k, &st);
	assert_false(st.connected);
	assert_int_equal(st.sent, 100);
	lfd = listen_tcp(&port);
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	memset(f, 0, sizeof(*f));
	expect_seq(x, cfd, f, 101, 150);
	wait_sent(k, 150);
	/* and nothing more: none twice */
	assert_null(next_frame(cfd, f, &len, 300));
	va_syslog_sink_close(k, 1000, &st);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.queued, 0);
	assert_int_not_equal(access(x->spool, F_OK), 0); /* nothing kept */
	close(cfd);
	close(lfd);
	free(f);
}

/*
 * A peer that acknowledged messages and closed without reading them: its
 * kernel resets the connection. Those messages (the last second's) come
 * again on the next connection; the ones it read long before do not.
 */
static void test_remote_tcp_reset(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	struct va_syslog_sink_stats st;
	struct va_syslog_url url = { .proto = VA_SYSLOG_TCP, .host = "127.0.0.1" };
	struct frames *f = calloc(1, sizeof(*f));
	uint16_t port = 0;
	char err[256];
	int lfd = listen_tcp(&port), cfd;
	size_t len;

	assert_non_null(f);
	snprintf(url.port, sizeof(url.port), "%u", port);
	assert_int_equal(
		va_syslog_remote_open(&k, &ID, &url, 1 << 20, x->spool, 1 << 20, err, sizeof(err)),
		0);
	push_range(k, 1, 50);
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	expect_seq(x, cfd, f, 1, 50);
	wait_sent(k, 50);
	usleep(1200 * 1000); /* 1..50 were read a while ago */
	push_range(k, 51, 60);
	wait_sent(k, 60); /* acknowledged by the kernel, never read */
	close(cfd);	  /* unread data: a reset */
	close(lfd);
	lfd = listen_tcp(&port);
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	memset(f, 0, sizeof(*f));
	expect_seq(x, cfd, f, 51, 60);
	assert_null(next_frame(cfd, f, &len, 300));
	va_syslog_sink_stats(k, &st);
	/*
	 * At least those ten; the same ten again when a reconnection landed in
	 * the closing listener's backlog (acknowledged there, then reset).
	 */
	assert_true(st.resent >= 10 && st.resent % 10 == 0);
	assert_int_equal(st.sent, 60); /* counted once */
	va_syslog_sink_close(k, 1000, &st);
	assert_int_equal(st.lost, 0);
	close(cfd);
	close(lfd);
	free(f);
}

/* The peer is away across a stop: the spool file keeps every message for the next start. */
static void test_remote_spool_across_restart(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	struct va_syslog_sink_stats st;
	struct va_syslog_url url = { .proto = VA_SYSLOG_TCP, .host = "127.0.0.1" };
	struct frames *f = calloc(1, sizeof(*f));
	uint16_t port = 0;
	char err[256];
	int lfd = listen_tcp(&port), cfd;
	size_t len;

	assert_non_null(f);
	close(lfd); /* the port is known and nobody listens */
	snprintf(url.port, sizeof(url.port), "%u", port);
	assert_int_equal(
		va_syslog_remote_open(&k, &ID, &url, 65536, x->spool, 4 << 20, err, sizeof(err)),
		0);
	/* ~400 kB: six times the memory queue */
	for (int seq = 1; seq <= 2000; seq++) {
		struct va_event ev = event((uint64_t)seq);
		uint64_t until = now_ms() + 5000;

		va_syslog_sink_event(k, &ev);
		/* A real rate leaves the thread time to spill; a loaded test machine may not. */
		do
			va_syslog_sink_stats(k, &st);
		while (st.mem_bytes > 32 * 1024 && now_ms() < until && !usleep(1000));
	}
	usleep(200 * 1000);
	va_syslog_sink_stats(k, &st);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.queued, 2000);
	assert_true(st.spool_bytes > 65536);
	va_syslog_sink_close(k, 200, &st);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.queued, 2000); /* kept in the file */

	lfd = listen_tcp(&port);
	assert_int_equal(
		va_syslog_remote_open(&k, &ID, &url, 65536, x->spool, 4 << 20, err, sizeof(err)),
		0);
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	expect_seq(x, cfd, f, 1, 2000);
	push_range(k, 2001, 2001);
	expect_seq(x, cfd, f, 2001, 2001);
	wait_sent(k, 2001);
	assert_null(next_frame(cfd, f, &len, 200));
	va_syslog_sink_close(k, 1000, &st);
	assert_int_equal(st.lost, 0);
	close(cfd);
	close(lfd);
	free(f);
}

static void test_remote_udp(void **state)
{
	struct ctx *x = *state;
	struct va_syslog_sink *k;
	struct va_syslog_url url = { .proto = VA_SYSLOG_UDP, .host = "127.0.0.1" };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sa);
	char buf[9000], err[256];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &slen), 0);
	snprintf(url.port, sizeof(url.port), "%u", ntohs(sa.sin_port));
	assert_int_equal(va_syslog_remote_open(&k, &ID, &url, 1 << 20, NULL, 0, err, sizeof(err)),
			 0);
	push_range(k, 1, 3);
	for (int want = 1; want <= 3; want++) {
		char num[8];

		assert_true(recv_within(fd, buf, sizeof(buf), 5000) > 0);
		/* one message per datagram, no framing */
		assert_int_equal(strncmp(buf, "<14>1 ", 6), 0);
		assert_int_equal(sd_parse(buf, strlen(buf), &x->m), 0);
		snprintf(num, sizeof(num), "%d", want);
		assert_string_equal(sd_get(&x->m, NULL, "seq"), num);
	}
	wait_sent(k, 3);
	va_syslog_sink_close(k, 1000, NULL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_local_3164_and_5424, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_daemon_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_slow_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_losses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_tcp_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_tcp_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_spool_across_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_udp, setup, teardown),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
