// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON log's own thread, with the system calls it makes interposed:
 * its last error clears once the disk takes writes again, while events
 * keep coming during each write (as a steady stream adds lines while the
 * thread writes with the lock let go); a thread that cannot start leaves
 * no line in the file, not even a stop line that would claim a clean run;
 * a reopen asked while a write is held up by the disk does not wait for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sink_jsonlog.h"

static int log_fd = -1, fail_writes, add_during_write, fail_thread, hold_writes, held;
static struct va_jsonlog *jl;
static uint64_t seq = 100;

static struct va_event event(uint64_t s)
{
	struct va_event ev = {
		.seq = s,
		.ts_ns = 1700000000000000000ull,
		.op = VA_OP_WRITE,
		.ret = 5,
		.pid = 1234,
		.tid = 1234,
		.uid = 1000,
		.auid = VA_ID_UNSET,
		.ses = VA_ID_UNSET,
		.comm = "vi",
		.path = { "/etc/hosts", 10 },
		.count = 1,
		.bytes = 5,
	};
	return ev;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	if (fd >= 0 && fd == __atomic_load_n(&log_fd, __ATOMIC_SEQ_CST)) {
		if (__atomic_load_n(&fail_writes, __ATOMIC_SEQ_CST)) {
			errno = ENOSPC;
			return -1;
		}
		/* A disk that stalls (frozen for a backup): the write waits for the release. */
		if (__atomic_load_n(&hold_writes, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&held, 1, __ATOMIC_SEQ_CST);
			while (__atomic_load_n(&hold_writes, __ATOMIC_SEQ_CST))
				usleep(1000);
		}
		if (__atomic_load_n(&add_during_write, __ATOMIC_SEQ_CST)) {
			/* An event that arrives while the sink's thread writes (its lock let go).
			 */
			struct va_event ev = event(seq++);

			va_jsonlog_event(jl, &ev);
		}
	}
	return syscall(SYS_write, fd, buf, count);
}

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

	if (__atomic_load_n(&fail_thread, __ATOMIC_SEQ_CST))
		return EAGAIN;
	if (!real)
		real = dlsym(RTLD_NEXT, "pthread_create");
	return real(t, a, fn, arg);
}

static int fd_of(const char *path)
{
	char link[4096], p[64];

	for (int fd = 3; fd < 1024; fd++) {
		ssize_t n;

		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		n = readlink(p, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			if (!strcmp(link, path))
				return fd;
		}
	}
	return -1;
}

static void test_last_error_clears_after_recovery(void **state)
{
	char path[] = "/tmp/va-jsonlog-faults.XXXXXX", err[512];
	struct va_jsonlog_stats st;
	int tmp = mkstemp(path);

	(void)state;
	assert_true(tmp >= 0);
	close(tmp);
	assert_int_equal(va_jsonlog_open(&jl, path, err, sizeof(err)), 0);
	log_fd = fd_of(path);
	assert_true(log_fd >= 0);
	__atomic_store_n(&fail_writes, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 10; i++) {
		struct va_event ev = event(seq++);

		va_jsonlog_event(jl, &ev);
	}
	sleep(2); /* the thread's once-a-second flush fails */
	va_jsonlog_stats(jl, &st);
	assert_int_equal(st.last_error, -ENOSPC);
	/* The disk has room again; events keep coming. */
	__atomic_store_n(&add_during_write, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fail_writes, 0, __ATOMIC_SEQ_CST);
	sleep(4);
	va_jsonlog_stats(jl, &st);
	fprintf(stderr, "written %llu queued %llu lost %llu last_error %d\n",
		(unsigned long long)st.written, (unsigned long long)st.queued,
		(unsigned long long)st.lost, st.last_error);
	assert_true(st.written >= 10);
	assert_int_equal(st.lost, 0);
	/* Every write has succeeded for seconds: the error is past. */
	assert_int_equal(st.last_error, 0);
	__atomic_store_n(&add_during_write, 0, __ATOMIC_SEQ_CST);
	va_jsonlog_close(jl, NULL);
	log_fd = -1;
	unlink(path);
}

static void test_thread_start_failure_writes_nothing(void **state)
{
	char path[] = "/tmp/va-jsonlog-faults.XXXXXX", err[512], text[4096] = "";
	struct va_jsonlog *j = NULL;
	int tmp = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(tmp >= 0);
	close(tmp);
	__atomic_store_n(&fail_thread, 1, __ATOMIC_SEQ_CST);
	assert_int_equal(va_jsonlog_open(&j, path, err, sizeof(err)), -EAGAIN);
	__atomic_store_n(&fail_thread, 0, __ATOMIC_SEQ_CST);
	f = fopen(path, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	unlink(path);
	/* A failed open writes nothing: no start, and no stop line claiming a clean run. */
	assert_string_equal(text, "");
}

static void *release_later(void *arg)
{
	(void)arg;
	sleep(3);
	__atomic_store_n(&hold_writes, 0, __ATOMIC_SEQ_CST);
	return NULL;
}

static size_t lines_in(const char *path)
{
	char text[65536];
	size_t n = 0, lines = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		n = fread(text, 1, sizeof(text), f);
		fclose(f);
	}
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	return lines;
}

/*
 * SIGHUP's reopen, asked while the thread's write is held up by a stalled
 * disk, returns at once: the caller is the capture thread, which must never
 * wait for a disk. Once the disk moves, the events after the reopen go to
 * the new file, those before it to the moved one.
 */
static void test_reopen_does_not_wait_for_the_disk(void **state)
{
	char path[] = "/tmp/va-jsonlog-faults.XXXXXX", moved[64], err[512];
	int tmp = mkstemp(path), returned_while_held;
	struct va_jsonlog_stats st;
	pthread_t releaser;

	(void)state;
	assert_true(tmp >= 0);
	close(tmp);
	snprintf(moved, sizeof(moved), "%s.1", path);
	assert_int_equal(va_jsonlog_open(&jl, path, err, sizeof(err)), 0);
	log_fd = fd_of(path);
	assert_true(log_fd >= 0);
	__atomic_store_n(&held, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&hold_writes, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 5; i++) {
		struct va_event ev = event(seq++);

		va_jsonlog_event(jl, &ev);
	}
	/* The once-a-second write begins, and is held. */
	for (int i = 0; i < 300 && !__atomic_load_n(&held, __ATOMIC_SEQ_CST); i++)
		usleep(10000);
	assert_true(__atomic_load_n(&held, __ATOMIC_SEQ_CST));
	assert_int_equal(pthread_create(&releaser, NULL, release_later, NULL), 0);
	assert_int_equal(rename(path, moved), 0);
	va_jsonlog_reopen(jl);
	returned_while_held = __atomic_load_n(&hold_writes, __ATOMIC_SEQ_CST);
	pthread_join(releaser, NULL);
	assert_true(returned_while_held);
	/* The disk moves: the reopen is done once the held write ends. */
	for (int i = 0; i < 300; i++) {
		va_jsonlog_stats(jl, &st);
		if (st.reopens)
			break;
		usleep(10000);
	}
	assert_int_equal(st.reopens, 1);
	for (int i = 0; i < 3; i++) {
		struct va_event ev = event(seq++);

		va_jsonlog_event(jl, &ev);
	}
	va_jsonlog_close(jl, NULL);
	log_fd = -1;
	/* The start line and 5 events; then 3 events and the stop line. */
	assert_int_equal(lines_in(moved), 6);
	assert_int_equal(lines_in(path), 4);
	unlink(path);
	unlink(moved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_error_clears_after_recovery),
		cmocka_unit_test(test_thread_start_failure_writes_nothing),
		cmocka_unit_test(test_reopen_does_not_wait_for_the_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
