// SPDX-License-Identifier: GPL-2.0-or-later
/* The stream as a whole: merged counts, promptness, --every-call, loss accounting, self. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_expect.h"

#define N_SMALL 10000

/* ---- merged counts ---- */

static void child_many_writes(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	for (int i = 0; i < N_SMALL; i++)
		if (write(fd, "1234567", 7) != 7)
			e2e_child_fail(c, "write %d: %m", i);
	close(fd);
}

static void check_all_rw(struct e2e_check *k, const char *op, const char *p)
{
	for (size_t i = 0; i < e2e_count(k, op, p); i++) {
		struct json_object *e = e2e_find(k, op, p, i);

		e2e_common(k, e);
		e2e_obj(k, e, p, 0);
	}
}

static void check_many_writes(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");

	e2e_ops(k, "create write+");
	e2e_sum(k, "write", p, "count", N_SMALL);
	e2e_sum(k, "write", p, "bytes", 7 * N_SMALL);
	check_all_rw(k, "write", p);
}

/*
 * Writes without a pause for 3.5 s, so that the periodic flush (every second)
 * drains the counters several times while calls keep landing in them.
 */
static void child_long_writes(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	struct timespec t0, t;
	int64_t n = 0;

	CK(c, fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000; i++, n++)
			if (write(fd, "1234567", 7) != 7)
				e2e_child_fail(c, "write %lld: %m", (long long)n);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 3500);
	close(fd);
	c->shm->v[1] = n;
}

static void check_long_writes(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");

	e2e_sum(k, "write", p, "count", k->c->shm->v[1]);
	e2e_sum(k, "write", p, "bytes", 7 * k->c->shm->v[1]);
	check_all_rw(k, "write", p);
}

/* Parent and child share one open file; each process's sums are its own. */
static void child_shared_fd(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644), status;
	pid_t pid;

	CK(c, fd);
	pid = fork();
	CK(c, pid);
	if (pid == 0) {
		for (int i = 0; i < 1000; i++)
			if (write(fd, "ab", 2) != 2)
				_exit(1);
		_exit(0);
	}
	for (int i = 0; i < 500; i++)
		CK(c, write(fd, "abc", 3));
	CK(c, waitpid(pid, &status, 0));
	c->shm->v[0] = pid;
	close(fd);
}

static void sum_of_pid(struct e2e_check *k, int64_t pid, const char *p, int64_t count,
		       int64_t bytes)
{
	int64_t n = 0, b = 0;

	for (size_t i = 0; i < k->n; i++) {
		struct json_object *o = k->ev[i]->o;
		const char *op = e2e_json_str(o, "op"), *path = e2e_json_str(o, "path");

		if (e2e_json_int(o, "pid", -1) != pid || !op || strcmp(op, "write") || !path ||
		    strcmp(path, p))
			continue;
		n += e2e_json_int(o, "count", 0);
		b += e2e_json_int(o, "bytes", 0);
	}
	if (n < count || b < bytes)
		e2e_missing(k, "pid %lld: write count %lld bytes %lld so far, want %lld and %lld",
			    (long long)pid, (long long)n, (long long)b, (long long)count,
			    (long long)bytes);
	else if (n != count || b != bytes)
		e2e_fail(k, "pid %lld: write count %lld bytes %lld, want %lld and %lld",
			 (long long)pid, (long long)n, (long long)b, (long long)count,
			 (long long)bytes);
}

static void check_shared_fd(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");

	sum_of_pid(k, k->c->child, p, 500, 1500);
	sum_of_pid(k, k->c->shm->v[0], p, 1000, 2000);
}

struct thread_arg {
	struct e2e_ctx *c;
	int fd;
};

static void *thread_writes(void *arg)
{
	struct thread_arg *a = arg;

	for (int i = 0; i < 2500; i++)
		if (write(a->fd, "xyz", 3) != 3)
			e2e_child_fail(a->c, "thread write: %m");
	return NULL;
}

static void child_threads(struct e2e_ctx *c)
{
	struct thread_arg a = { c, open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644) };
	pthread_t t[4];

	CK(c, a.fd);
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, thread_writes, &a))
			e2e_child_fail(c, "pthread_create failed");
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	close(a.fd);
}

static void check_threads(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");

	e2e_sum(k, "write", p, "count", 10000);
	e2e_sum(k, "write", p, "bytes", 30000);
}

static int setup_big(struct e2e_ctx *c)
{
	char *data = malloc(7 * N_SMALL + 1);
	int ret;

	if (!data) {
		snprintf(c->why, sizeof(c->why), "setup: out of memory");
		return -1;
	}
	memset(data, 'r', 7 * N_SMALL);
	data[7 * N_SMALL] = '\0';
	ret = e2e_write_file(e2e_dpath(c, "f"), data, 0644);
	free(data);
	SK(c, ret);
	return 0;
}

static void child_many_reads(struct e2e_ctx *c)
{
	char buf[7];
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	for (int i = 0; i < N_SMALL; i++)
		if (read(fd, buf, sizeof(buf)) != 7)
			e2e_child_fail(c, "read %d: short or failed", i);
	close(fd);
}

static void check_many_reads(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");

	e2e_ops(k, "open read+");
	e2e_sum(k, "read", p, "count", N_SMALL);
	e2e_sum(k, "read", p, "bytes", 7 * N_SMALL);
	check_all_rw(k, "read", p);
}

static void child_every_call(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	for (int i = 0; i < 100; i++)
		CK(c, write(fd, "abc", 3));
	close(fd);
}

static void check_every_call(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");
	size_t n = e2e_count(k, "write", p);

	if (n < 100)
		e2e_missing(k, "expected 100 write events with --every-call, got %zu so far", n);
	else if (n > 100)
		e2e_fail(k, "expected 100 write events with --every-call, got %zu", n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = e2e_find(k, "write", p, i);

		e2e_int(k, e, "count", 1);
		e2e_int(k, e, "bytes", 3);
		if (i == 0 || i == n - 1) {
			e2e_common(k, e);
			e2e_obj(k, e, p, 0);
		}
	}
	e2e_ops(k, "create write+");
}

static void child_prompt(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	c->shm->v[0] = (int64_t)e2e_now_ns();
	CK(c, write(fd, "x", 1));
	sleep(3); /* the file stays open */
	close(fd);
}

static void check_prompt(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");

	e2e_ops(k, "create write+");
	e2e_sum(k, "write", p, "count", 1);
	e2e_sum(k, "write", p, "bytes", 1);
	for (size_t i = 0; i < k->n; i++) {
		const char *op = e2e_json_str(k->ev[i]->o, "op");
		int64_t lag;

		if (!op || strcmp(op, "write"))
			continue;
		lag = (int64_t)k->ev[i]->at_ns - k->c->shm->v[0];
		if (lag > 1000000000)
			e2e_fail(k, "first write reported %.2f s after the call (want < 1 s)",
				 (double)lag / 1e9);
		break;
	}
}

/*
 * ---- loss: a 4k ring buffer against 20000 creates ----
 * The runner reads nothing while the child runs (E2E_HOLD): the watcher
 * blocks on its full stdout and its ring buffer overflows, so there is loss
 * on any machine, however fast the watcher drains.
 */

#define N_LOST 20000

static void child_flood(struct e2e_ctx *c)
{
	char name[32];

	for (int i = 0; i < N_LOST; i++) {
		int fd;

		snprintf(name, sizeof(name), "f%05d", i);
		fd = open(e2e_dpath(c, name), O_WRONLY | O_CREAT | O_EXCL, 0644);
		CK(c, fd);
		close(fd);
	}
}

static void check_flood(struct e2e_check *k)
{
	int64_t creates = 0, lost = 0, lost_events = 0;

	for (size_t i = 0; i < k->n_all; i++) {
		struct json_object *o = k->all[i].o;
		const char *op = e2e_json_str(o, "op");

		if (!op)
			continue;
		if (!strcmp(op, "lost")) {
			int64_t n = e2e_json_int(o, "lost", -1);

			lost_events++;
			if (n <= 0)
				e2e_fail(k, "lost event with lost = %lld (want > 0)", (long long)n);
			else
				lost += n;
			e2e_absent(k, o, "path");
		} else if (!strcmp(op, "create") && e2e_json_int(o, "pid", -1) == k->c->child) {
			creates++;
		}
	}
	if (creates + lost < N_LOST)
		e2e_missing(
			k,
			"creates seen (%lld) + lost (%lld in %lld lost events) = %lld, want >= %d",
			(long long)creates, (long long)lost, (long long)lost_events,
			(long long)(creates + lost), N_LOST);
	else if (!lost_events)
		e2e_fail(k, "no lost event although a 4k buffer took %lld creates",
			 (long long)creates);
}

/* ---- vfsaudit does not report itself ---- */

static void child_self(struct e2e_ctx *c)
{
	char *argv[] = { "vfsaudit", "watch", "--bogus", NULL };
	int fd = open(e2e_dpath(c, "err"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, dup2(fd, STDERR_FILENO));
	fd = open("/dev/null", O_WRONLY);
	CK(c, fd);
	CK(c, dup2(fd, STDOUT_FILENO)); /* the runner's stdout is the test report */
	execv(c->env->binary, argv);
	e2e_child_fail(c, "exec %s: %m", c->env->binary);
}

static void check_self(struct e2e_check *k)
{
	pid_t self = k->c->env->w[W_SELF].pid;
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "err"), 0);

	/* Another vfsaudit process is reported: the filter works, the exclusion is by pid. */
	if (w) {
		p.comm = "vfsaudit";
		p.exe = k->c->env->binary;
		e2e_proc(k, w, &p);
	}
	for (size_t i = 0; i < k->n_all; i++)
		if (e2e_json_int(k->all[i].o, "pid", -1) == self) {
			e2e_fail(k, "the watcher (pid %d) reported its own %s", (int)self,
				 e2e_json_str(k->all[i].o, "op"));
			break;
		}
}

const struct e2e_case e2e_cases_stream[] = {
	E2E_CASE("merge: 10000 writes of 7 bytes sum to count 10000, bytes 70000", W_MAIN, 0, NULL,
		 child_many_writes, check_many_writes),
	E2E_CASE("merge: 10000 reads of 7 bytes sum to count 10000, bytes 70000", W_MAIN, 0,
		 setup_big, child_many_reads, check_many_reads),
	E2E_CASE("merge: parent and child writing one shared file, sums per pid", W_MAIN, E2E_TREE,
		 NULL, child_shared_fd, check_shared_fd),
	E2E_CASE("merge: 4 threads x 2500 writes on one fd sum to 10000", W_MAIN, 0, NULL,
		 child_threads, check_threads),
	E2E_CASE("merge: 3.5 s of writes across periodic flushes sum exactly", W_MAIN, 0, NULL,
		 child_long_writes, check_long_writes),
	E2E_CASE("merge: first write reported within 1 s while the file stays open", W_MAIN, 0,
		 NULL, child_prompt, check_prompt),
	E2E_CASE("every-call: 100 writes give 100 events of count 1", W_EVERY, 0, NULL,
		 child_every_call, check_every_call, .settle_ms = 300),
	E2E_CASE("lost: 4k buffer and 20000 creates: lost events, no seq gap, nothing unaccounted",
		 W_LOST, E2E_HOLD, NULL, child_flood, check_flood, .settle_ms = 300),
	E2E_CASE("self: another vfsaudit is reported, the watcher itself never", W_SELF,
		 E2E_ANYEXIT, NULL, child_self, check_self, .settle_ms = 500),
};
const size_t e2e_n_cases_stream = sizeof(e2e_cases_stream) / sizeof(e2e_cases_stream[0]);
