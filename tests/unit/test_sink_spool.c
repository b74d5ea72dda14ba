// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The syslog spool: order kept from memory through the file and back,
 * overflow counted exactly, undelivered messages kept across a stop and
 * across a crash (without resending what the peer already has), and files
 * that are not spools refused and left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sink_spool.h"

struct ctx {
	char dir[64];
	char file[128];
	char err[512];
};

static int setup(void **state)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	snprintf(x->dir, sizeof(x->dir), "/tmp/va-spool.XXXXXX");
	if (!mkdtemp(x->dir)) {
		free(x);
		return -1;
	}
	snprintf(x->file, sizeof(x->file), "%s/s.spool", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;
	char tmp[160];

	unlink(x->file);
	snprintf(tmp, sizeof(tmp), "%s.tmp", x->file);
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s/link", x->dir);
	unlink(tmp);
	rmdir(x->dir);
	free(x);
	return 0;
}

/* Message @i: "msg-<i>" padded with dots to @len bytes. */
static size_t msg(char *buf, size_t len, int i)
{
	int n = snprintf(buf, len + 1, "msg-%06d", i);

	memset(buf + n, '.', len - (size_t)n);
	return len;
}

static void push_n(struct va_spool *s, int from, int to, size_t len, int want)
{
	char buf[1024];

	for (int i = from; i < to; i++) {
		msg(buf, len, i);
		assert_int_equal(va_spool_push(s, buf, len, true) >= 0, want >= 0);
	}
}

/* Takes the next message and checks it is number @i. Returns: it (the caller frees). */
static struct va_spool_msg *take_expect(struct va_spool *s, int i, size_t len)
{
	struct va_spool_msg *m = va_spool_take(s);
	char want[1024];

	if (!m)
		fail_msg("expected message %d, got none", i);
	msg(want, len, i);
	if (m->len != len || memcmp(m->data, want, len))
		fail_msg("expected message %d, got %.*s", i, (int)(m->len > 40 ? 40 : m->len),
			 m->data);
	return m;
}

static void take_bytes(struct va_spool *s, const char *want)
{
	struct va_spool_msg *m = va_spool_take(s);

	assert_non_null(m);
	assert_int_equal(m->len, strlen(want));
	assert_memory_equal(m->data, want, m->len);
	assert_int_equal(m->file_end, 0);
	free(m);
}

static void test_memory_only(void **state)
{
	struct va_spool *s;
	struct va_spool_stats st;
	char err[256], big[600];

	assert_int_equal(va_spool_open(&s, 1000, NULL, 0, err, sizeof(err)), 0);
	/* The consumer waits: the first push asks for a wake-up, the next does not. */
	assert_true(va_spool_idle(s));
	assert_int_equal(va_spool_push(s, "abc", 3, true), 1);
	assert_int_equal(va_spool_push(s, "defg", 4, true), 0);
	assert_false(va_spool_idle(s));
	va_spool_stats(s, &st);
	assert_int_equal(st.queued, 2);
	assert_int_equal(st.mem_bytes, 7);
	take_bytes(s, "abc");
	take_bytes(s, "defg");
	assert_null(va_spool_take(s));

	/* 1000 bytes of memory: the second 600-byte message is refused and counted. */
	memset(big, 'x', sizeof(big));
	/* Past half full: a wake-up is asked for, so that the sender drains it now. */
	assert_int_equal(va_spool_push(s, big, sizeof(big), true), 1);
	assert_int_equal(va_spool_push(s, big, sizeof(big), true), -ENOSPC);
	assert_int_equal(va_spool_push(s, big, sizeof(big), false), -ENOSPC); /* not counted */
	assert_int_equal(va_spool_push(s, "small", 5, true), 0); /* still room for it */
	assert_int_equal(va_spool_lost(s), 1);
	va_spool_stats(s, &st);
	assert_int_equal(st.queued, 2);
	assert_int_equal(st.lost, 1);
	/* Without a file, a close counts what is left. */
	assert_int_equal(va_spool_close(s, NULL), 2);
}

/*
 * A batch take: the oldest, in order, as many as asked, and the counts
 * follow; messages handed back are reused for new ones.
 */
static void test_take_many(void **state)
{
	struct va_spool *s;
	struct va_spool_stats st;
	struct va_spool_msg *m, *next;
	char err[256];
	int i = 0;

	(void)state;
	assert_int_equal(va_spool_open(&s, 4096, NULL, 0, err, sizeof(err)), 0);
	assert_null(va_spool_take_many(s, 8));
	push_n(s, 0, 10, 100, 0);
	for (m = va_spool_take_many(s, 4); m; m = next, i++) {
		char want[100];

		msg(want, sizeof(want), i);
		assert_memory_equal(m->data, want, sizeof(want));
		next = m->next;
		free(m);
	}
	assert_int_equal(i, 4);
	va_spool_stats(s, &st);
	assert_int_equal(st.queued, 6);
	assert_int_equal(st.mem_bytes, 600);
	/* Handed back for reuse: pushes take them again, with the new bytes. */
	m = va_spool_take_many(s, 100);
	for (next = m; next; next = next->next)
		i++;
	assert_int_equal(i, 10);
	va_spool_recycle(s, m);
	push_n(s, 100, 106, 100, 0);
	for (i = 100; i < 106; i++)
		free(take_expect(s, i, 100));
	assert_null(va_spool_take_many(s, 100));
	va_spool_stats(s, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.mem_bytes, 0);
	assert_int_equal(va_spool_close(s, NULL), 0);
}

/* Memory fills past half: the oldest go to the file; order holds throughout. */
static void test_spill_order(void **state)
{
	struct ctx *x = *state;
	struct va_spool *s;
	struct va_spool_stats st;
	struct stat sb;
	int next = 0;

	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	assert_int_equal(stat(x->file, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	for (int round = 0; round < 5; round++) {
		push_n(s, round * 8, round * 8 + 8, 100, 0); /* 800 bytes: past half */
		va_spool_spill(s);
		va_spool_stats(s, &st);
		assert_true(st.mem_bytes <= 500);
		assert_true(st.file_bytes > 0);
		/* Take a few each round: from the file first, oldest first. */
		for (int k = 0; k < 3; k++) {
			struct va_spool_msg *m = take_expect(s, next++, 100);

			assert_true(m->file_end > 0);
			va_spool_acked(s, m->file_end);
			free(m);
		}
	}
	va_spool_stats(s, &st);
	assert_int_equal(st.queued, 40 - 15);
	assert_int_equal(st.lost, 0);
	while (next < 40) {
		struct va_spool_msg *m = take_expect(s, next++, 100);

		va_spool_acked(s, m->file_end);
		free(m);
	}
	assert_null(va_spool_take(s));
	va_spool_stats(s, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.file_bytes, 0);
	/* Everything delivered: the file is back to its header alone. */
	va_spool_sync(s);
	assert_int_equal(stat(x->file, &sb), 0);
	assert_int_equal(sb.st_size, 16);
	/* Nothing left at close: the file goes away. */
	assert_int_equal(va_spool_close(s, NULL), 0);
	assert_int_not_equal(access(x->file, F_OK), 0);
}

/* Memory full before the consumer spilled: the producer spills itself, nothing is lost. */
static void test_producer_spills(void **state)
{
	struct ctx *x = *state;
	struct va_spool *s;
	struct va_spool_stats st;

	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	/* 20 KB into 1 KB of memory, and no consumer at all meanwhile. */
	push_n(s, 0, 200, 100, 0);
	va_spool_stats(s, &st);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.queued, 200);
	assert_true(st.mem_bytes <= 1000);
	assert_true(st.file_bytes >= 190 * 104);
	for (int i = 0; i < 200; i++) {
		struct va_spool_msg *m = take_expect(s, i, 100);

		va_spool_acked(s, m->file_end);
		free(m);
	}
	assert_null(va_spool_take(s));
	assert_int_equal(va_spool_close(s, NULL), 0);
}

struct race {
	struct va_spool *s;
	int n;
	int done; /* set by the producer at its end (atomic) */
};

static void *produce(void *arg)
{
	struct race *r = arg;
	char buf[100];

	for (int i = 0; i < r->n; i++) {
		msg(buf, sizeof(buf), i);
		if (va_spool_push(r->s, buf, sizeof(buf), true) < 0)
			break;
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A producer that outruns its consumer, both at once: order kept, none lost. */
static void test_producer_consumer_race(void **state)
{
	struct ctx *x = *state;
	struct race r = { .n = 20000 };
	pthread_t t;
	int next = 0;

	assert_int_equal(va_spool_open(&r.s, 2000, x->file, 16 << 20, x->err, sizeof(x->err)), 0);
	assert_int_equal(pthread_create(&t, NULL, produce, &r), 0);
	while (next < r.n) {
		struct va_spool_msg *m;
		char want[100];

		va_spool_spill(r.s);
		m = va_spool_take(r.s);
		/* Once the producer is done, one more empty take means all were taken. */
		if (!m && __atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
			m = va_spool_take(r.s);
		if (!m && __atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
			break;
		if (!m)
			continue;
		msg(want, sizeof(want), next);
		if (m->len != sizeof(want) || memcmp(m->data, want, sizeof(want)))
			fail_msg("expected message %d, got %.*s", next, 12, m->data);
		va_spool_acked(r.s, m->file_end);
		free(m);
		next++;
	}
	pthread_join(t, NULL);
	assert_int_equal(va_spool_lost(r.s), 0);
	assert_int_equal(next, r.n);
	assert_null(va_spool_take(r.s));
	assert_int_equal(va_spool_close(r.s, NULL), 0);
}

/* Memory and file both full: exactly the refused ones are counted. */
static void test_overflow_counted(void **state)
{
	struct ctx *x = *state;
	struct va_spool *s;
	struct va_spool_stats st;
	int accepted = 0, refused = 0;
	char buf[200];

	/* File: 16-byte header and room for 5 records of 4 + 100 bytes. */
	assert_int_equal(va_spool_open(&s, 400, x->file, 16 + 5 * 104, x->err, sizeof(x->err)), 0);
	for (int i = 0; i < 30; i++) {
		msg(buf, 100, i);
		if (va_spool_push(s, buf, 100, true) >= 0)
			accepted++;
		else
			refused++;
		va_spool_spill(s);
	}
	va_spool_stats(s, &st);
	assert_int_equal(accepted, 5 + 4); /* five in the file, four in memory */
	assert_int_equal(st.lost, (uint64_t)refused);
	assert_int_equal(st.lost, 21);
	assert_int_equal(st.queued, 9);
	/* The first nine in order; the rest were refused, not reordered. */
	for (int i = 0; i < 9; i++)
		free(take_expect(s, i, 100));
	assert_null(va_spool_take(s));
	va_spool_close(s, NULL);
}

/*
 * A stop with messages undelivered: the ones handed back come first, then
 * the file's, then memory's; the next open sends them in that order.
 */
static void test_persist_at_close(void **state)
{
	struct ctx *x = *state;
	struct va_spool *s;
	struct va_spool_msg *a, *b;
	struct va_spool_stats st;

	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	push_n(s, 0, 8, 100, 0);
	va_spool_spill(s); /* 0..4 or so to the file */
	push_n(s, 8, 12, 100, 0);
	a = take_expect(s, 0, 100);
	b = take_expect(s, 1, 100);
	a->next = b; /* in flight, not acknowledged */
	assert_int_equal(va_spool_close(s, a), 0);

	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	va_spool_stats(s, &st);
	assert_int_equal(st.queued, 12);
	for (int i = 0; i < 12; i++)
		free(take_expect(s, i, 100));
	assert_null(va_spool_take(s));
	assert_int_equal(va_spool_close(s, NULL), 0);
	assert_int_not_equal(access(x->file, F_OK), 0);
}

/*
 * A crash (no close): what the peer acknowledged is not sent again, what
 * was taken but not acknowledged is. Memory is gone, as it must be.
 */
static void test_crash_resume(void **state)
{
	struct ctx *x = *state;
	struct va_spool *s;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct va_spool_msg *m[3];
		char err[256];

		if (va_spool_open(&s, 1000, x->file, 1 << 20, err, sizeof(err)))
			_exit(1);
		push_n(s, 0, 9, 100, 0);
		va_spool_spill(s);
		for (int i = 0; i < 3; i++)
			m[i] = va_spool_take(s);
		va_spool_acked(s, m[0]->file_end);
		va_spool_acked(s, m[1]->file_end);
		va_spool_sync(s);
		_exit(0); /* as kill -9: nothing closed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	/* 2 was taken but never acknowledged: it comes again, then the rest of the file. */
	free(take_expect(s, 2, 100));
	for (int i = 3;; i++) {
		struct va_spool_msg *m = va_spool_take(s);

		if (!m)
			break;
		free(m);
		assert_true(i < 9);
	}
	va_spool_close(s, NULL);
}

/* A record cut short by a crash mid-write is dropped, the ones before it kept. */
static void test_torn_record(void **state)
{
	struct ctx *x = *state;
	struct va_spool *s;
	struct va_spool_msg *m;
	struct stat sb;
	int fd;

	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	push_n(s, 0, 6, 100, 0);
	m = take_expect(s, 0, 100);
	assert_int_equal(va_spool_close(s, m), 0);
	assert_int_equal(stat(x->file, &sb), 0);
	assert_int_equal(sb.st_size, 16 + 6 * 104);
	fd = open(x->file, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, sb.st_size - 30), 0);
	close(fd);
	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	for (int i = 0; i < 5; i++)
		free(take_expect(s, i, 100));
	assert_null(va_spool_take(s));
	va_spool_close(s, NULL);
}

/* A file that is not a spool is refused and left as it was; a symlink is never followed. */
static void test_refused_files(void **state)
{
	struct ctx *x = *state;
	struct va_spool *s = NULL;
	char link[160], back[64] = "";
	int fd;
	ssize_t n;

	fd = open(x->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "my precious notes\n", 18), 18);
	close(fd);
	assert_int_equal(va_spool_open(&s, 1000, x->file, 1 << 20, x->err, sizeof(x->err)),
			 -EINVAL);
	assert_non_null(strstr(x->err, "not a vfsaudit spool"));
	fd = open(x->file, O_RDONLY);
	n = read(fd, back, sizeof(back) - 1);
	close(fd);
	assert_int_equal(n, 18);
	assert_string_equal(back, "my precious notes\n");

	snprintf(link, sizeof(link), "%s/link", x->dir);
	assert_int_equal(symlink(x->file, link), 0);
	assert_int_equal(va_spool_open(&s, 1000, link, 1 << 20, x->err, sizeof(x->err)), -ELOOP);
	assert_non_null(strstr(x->err, link));
}

/* Two daemons cannot share one spool file. */
static void test_locked(void **state)
{
	struct ctx *x = *state;
	struct va_spool *a, *b;

	assert_int_equal(va_spool_open(&a, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), 0);
	assert_int_equal(va_spool_open(&b, 1000, x->file, 1 << 20, x->err, sizeof(x->err)), -EBUSY);
	assert_non_null(strstr(x->err, "in use"));
	va_spool_close(a, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_only),
		cmocka_unit_test(test_take_many),
		cmocka_unit_test_setup_teardown(test_spill_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_producer_spills, setup, teardown),
		cmocka_unit_test_setup_teardown(test_producer_consumer_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persist_at_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
