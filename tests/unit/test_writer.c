// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store writer: everything pushed is stored, or counted as unsaved and
 * recorded in an UNSAVED row (stored + unsaved == pushed, exactly), marks
 * keep their place among the events, stop drains the queue, and retention
 * prunes old events in steps. A second SQLite connection holding the write
 * lock plays the slow (or full) disk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store.h"
#include "store_writer.h"
#include "backlog_fd.h"

#define SEC 1000000000ull
#define DAY (86400 * SEC)

struct ctx {
	char dir[64];
	char file[128];
	char err[4352];
	struct va_store *s;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/va-writer.XXXXXX");
	if (!mkdtemp(c->dir)) {
		free(c);
		return -1;
	}
	snprintf(c->file, sizeof(c->file), "%s/audit.db", c->dir);
	if (va_store_open(&c->s, c->file, VA_STORE_WRITE, c->err, sizeof(c->err))) {
		fprintf(stderr, "%s\n", c->err);
		return -1;
	}
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[160];

	va_store_close(c->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", c->dir);
	free(c);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int64_t sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static struct va_event make_event(uint64_t ts, unsigned int i)
{
	static const char *const paths[] = { "/etc/hosts", "/var/log/syslog",
					     "/home/alice/notes.txt", "/etc/passwd" };
	const char *p = paths[i % 4];
	struct va_event ev = {
		.ts_ns = ts,
		.op = VA_OP_WRITE,
		.pid = 4000 + i % 7,
		.tid = 4000 + i % 7,
		.ppid = 1,
		.uid = 1000,
		.euid = 1000,
		.gid = 1000,
		.auid = 1000,
		.ses = 2,
		.mntns = 4026531840ull,
		.count = 1,
		.bytes = i,
		.size = -1,
		.owner_uid = -1,
		.owner_gid = -1,
		.exe = { "/usr/bin/bash", 13 },
		.path = { p, strlen(p) },
	};
	snprintf(ev.comm, sizeof(ev.comm), "bash");
	return ev;
}

/* Poll the writer's counters until stored + unsaved reaches @pushed. */
static void wait_settled(struct va_writer *w, uint64_t pushed, unsigned int timeout_ms,
			 struct va_writer_stats *st)
{
	uint64_t end = mono_ms() + timeout_ms;

	for (;;) {
		va_writer_stats(w, st);
		if (st->stored + st->unsaved >= pushed && st->depth == 0)
			return;
		if (mono_ms() > end)
			fail_msg("writer did not settle: stored %llu unsaved %llu depth %zu of %llu",
				 (unsigned long long)st->stored, (unsigned long long)st->unsaved,
				 st->depth, (unsigned long long)pushed);
		sleep_ms(10);
	}
}

/* A second connection that holds the store's write lock: a disk that does not move. */
static sqlite3 *lock_store(struct ctx *c)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(c->file, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void unlock_store(sqlite3 *db)
{
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_all_stored(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s);
	const unsigned int n = 20000;
	uint64_t t0 = now_ns();

	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	wait_settled(w, n, 20000, &st);
	assert_int_equal(st.stored, n);
	assert_int_equal(st.unsaved, 0);
	assert_int_equal(st.unsaved_queue, 0);
	assert_int_equal(st.unsaved_disk, 0);
	assert_true(st.batches >= 1);
	assert_int_equal(st.last_error, 0);
	assert_int_equal(va_writer_checkpointer_error(w), 0);
	assert_int_equal(va_writer_stop(w), 0);

	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), n);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op >= 100"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM paths"), 4);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM procs"), 7);
	/* In push order, every event exactly once. */
	assert_int_equal(sql_int(db, "SELECT count(DISTINCT ts) FROM events"), n);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events a JOIN events b"
				     " ON b.id = a.id + 1 WHERE b.ts < a.ts"),
			 0);
	assert_int_equal(sql_int(db, "SELECT sum(bytes) FROM events"),
			 (int64_t)n * (n - 1) / 2);
}

/*
 * The background checkpoints cannot start (their connection cannot open the
 * file, moved away since the store opened): the writer says why, and stores
 * all the same, through the store's own connection.
 */
static void test_checkpointer_refused(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	char moved[160];
	const unsigned int n = 2000;

	snprintf(moved, sizeof(moved), "%s/moved.db", c->dir);
	assert_int_equal(rename(c->file, moved), 0);
	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	assert_int_equal(va_writer_checkpointer_error(w), -EIO);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(1000 + i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(rename(moved, c->file), 0);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM events WHERE op < 100"),
			 n);
}

/* Stop writes what is still queued. */
static void test_stop_drains(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	const unsigned int n = 3000;

	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(1000 + i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_push_mark(w, VA_MARK_STOP, 999999, NULL), 0);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM events WHERE op < 100"),
			 n);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT op FROM events ORDER BY id DESC LIMIT 1"),
			 VA_MARK_STOP);
	assert_int_equal(va_writer_stop(NULL), 0);
}

static void test_queue_full(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 10000;
	uint64_t t0 = now_ns(), first_refused = 0, refused = 0;

	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, 10, 0), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + i, i);
		int ret = va_writer_push(w, &ev);

		if (ret) {
			assert_int_equal(ret, -ENOSPC);
			if (!refused++)
				first_refused = ev.ts_ns;
		}
	}
	va_writer_stats(w, &st);
	assert_true(st.depth <= 10);
	sleep_ms(200);
	unlock_store(lock);

	wait_settled(w, n, 20000, &st);
	assert_true(st.unsaved_queue > 0);
	assert_int_equal(st.unsaved_queue, refused);
	assert_int_equal(st.unsaved_disk, 0);
	assert_int_equal(st.unsaved, st.unsaved_queue + st.unsaved_disk);
	assert_int_equal(st.stored + st.unsaved, n);
	/* The capacity holds the batch being written too: 10 in all, not 10 more. */
	assert_true(st.stored >= 1 && st.stored <= 10);
	assert_int_equal(va_writer_stop(w), 0);

	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), st.stored);
	assert_true(sql_int(db, "SELECT count(*) FROM events WHERE op = 103") >= 1);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 103"), st.unsaved);
	/* The row says from when: the first event that was not stored. */
	assert_int_equal(sql_int(db, "SELECT min(ts) FROM events WHERE op = 103"),
			 (int64_t)first_refused);
}

/*
 * The queue's memory is bounded, not only its events: 128 bytes an event on
 * average, 64 KiB at least. Events with 6,000-byte paths fill a queue of
 * 100 events after ten; the rest are counted unsaved, not held.
 */
static void test_queue_bytes_bound(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 100;
	uint64_t t0 = now_ns(), refused = 0;
	static char path[6001];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, n, 0), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + i, i);

		ev.path.ptr = path;
		ev.path.len = sizeof(path) - 1;
		refused += va_writer_push(w, &ev) == -ENOSPC;
	}
	va_writer_stats(w, &st);
	/* 64 KiB hold ten such events (6,061 bytes packed, 6,401 asked for). */
	assert_true(st.depth >= 9 && st.depth <= 11);
	assert_int_equal(refused, n - st.depth);
	unlock_store(lock);
	wait_settled(w, n, 20000, &st);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(st.unsaved_queue, refused);
	assert_int_equal(st.stored + st.unsaved, n);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), st.stored);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 103"), refused);
}

/*
 * A queue of a few events still takes one at a time: the byte bound has a
 * floor above the largest event, or a small --queue-size would refuse all.
 */
static void test_small_queue_stores(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	uint64_t t0 = now_ns();
	static char path[8001];
	int refused = 0;

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	assert_int_equal(va_writer_start(&w, c->s, 1, 0), 0);
	for (unsigned int i = 0; i < 3; i++) {
		struct va_event ev = make_event(t0 + i, i);

		if (i == 2) { /* the longest path an event carries */
			ev.path.ptr = path;
			ev.path.len = sizeof(path) - 1;
		}
		refused += va_writer_push(w, &ev) != 0;
		wait_settled(w, i + 1, 5000, &st); /* empty again before the next */
	}
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(refused, 0);
	assert_int_equal(st.stored, 3);
}

/*
 * A loss record (events the ring buffer could not take) arriving while the
 * queue is full is still queued: refused, it would be one unsaved event
 * standing for thousands that no row would count.
 */
static void test_loss_record_when_full(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 100;
	uint64_t t0 = now_ns();
	struct va_event loss = { .op = VA_OP_LOST, .lost = 5000, .auid = VA_ID_UNSET,
				 .ses = VA_ID_UNSET };

	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, 10, 0), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + i, i);

		va_writer_push(w, &ev);
	}
	loss.ts_ns = t0 + n;
	assert_int_equal(va_writer_push(w, &loss), 0);
	sleep_ms(100);
	unlock_store(lock);
	wait_settled(w, n + 1, 20000, &st);
	assert_int_equal(va_writer_stop(w), 0);

	/* Every event is stored, or counted unsaved, or counted lost: exactly. */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100 AND op != 19") +
				 sql_int(db, "SELECT coalesce(sum(count), 0) FROM events WHERE op = 103") +
				 sql_int(db, "SELECT coalesce(sum(count), 0) FROM events WHERE op = 19"),
			 n + 5000);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 19"), 5000);
}

/*
 * A batch the disk refuses (the write lock held past the busy timeout)
 * with a loss record in it: the record's events become unsaved, all of
 * them, not one.
 */
static void test_loss_record_write_failure(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 50;
	struct va_event loss = { .op = VA_OP_LOST, .lost = 5000, .auid = VA_ID_UNSET,
				 .ses = VA_ID_UNSET, .ts_ns = 199 };

	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	assert_int_equal(va_writer_push(w, &loss), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(200 + i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	sleep_ms(6000);
	unlock_store(lock);
	wait_settled(w, n + 1, 20000, &st);
	assert_int_equal(va_writer_stop(w), 0);
	assert_true(st.unsaved_disk > 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100 AND op != 19") +
				 sql_int(db, "SELECT coalesce(sum(count), 0) FROM events WHERE op = 103") +
				 sql_int(db, "SELECT coalesce(sum(count), 0) FROM events WHERE op = 19"),
			 n + 5000);
	/*
	 * The stats count the loss record as one entry: its 5,000 were counted
	 * lost when they happened (status: lost + unsaved, not twice).
	 */
	assert_int_equal(st.stored + st.unsaved, n + 1);
	assert_true(st.unsaved <= n + 1);
}

/*
 * The disk refuses a batch (here: the write lock is held longer than the
 * store's busy timeout). Its events are counted as unsaved; the marks in it
 * are not events and must still reach the store once writing works again.
 */
static void test_write_failure(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 50;
	int64_t starts;
	int ret;

	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	assert_int_equal(va_writer_push_mark(w, VA_MARK_START, 100, "tracepoint"), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(200 + i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	sleep_ms(6000);
	va_writer_stats(w, &st);
	assert_int_not_equal(st.last_error, 0);
	unlock_store(lock);

	wait_settled(w, n, 20000, &st);
	assert_true(st.unsaved_disk > 0);
	assert_int_equal(st.unsaved_queue, 0);
	assert_int_equal(st.stored + st.unsaved, n);
	/* The failure is there to be said, once, whatever the transactions after it did. */
	assert_int_not_equal(va_writer_take_error(w), 0);
	assert_int_equal(va_writer_take_error(w), 0);
	ret = va_writer_stop(w);

	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), st.stored);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 103"), st.unsaved);
	/*
	 * The START mark was in the failed batch; it says when capture began
	 * and must not vanish. And once the UNSAVED row is written, nothing is
	 * failing any more: stop has no error to return.
	 */
	starts = sql_int(db, "SELECT count(*) FROM events WHERE op = 100");
	if (starts != 1 || ret != 0)
		fail_msg("after a failed batch: %lld START rows (want 1); va_writer_stop() = %d "
			 "(want 0)",
			 (long long)starts, ret);
}

/*
 * A transaction that takes several batches and then fails (a trigger
 * refuses one event, as a full disk would refuse a page): every event in it
 * becomes unsaved, those of the batches written before the failure too, and
 * the START mark of its first batch still reaches the store. A batch is cut
 * at BATCH_GATHER_BYTES: 1,200 events with 3,000-byte paths are more than
 * one batch, and they come well within one transaction's 250 ms. Events
 * written but not committed count in the queue's depth.
 */
static void test_failed_transaction_of_batches(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s);
	const unsigned int big = 1200, after = 20, total = big + 1 + after;
	static char long_path[3001];
	struct va_event ev;
	uint64_t t0;
	bool slow;

	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	/* Events only: the UNSAVED row that follows may carry the same time. */
	assert_int_equal(sqlite3_exec(db, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON events"
					  " WHEN NEW.ts = 777777 AND NEW.op < 100"
					  " BEGIN SELECT RAISE(ABORT, 'refused'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	t0 = mono_ms();
	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	assert_int_equal(va_writer_push_mark(w, VA_MARK_START, 100, "tracepoint"), 0);
	for (unsigned int i = 0; i < big; i++) {
		ev = make_event(1000 + i, i);
		ev.path.ptr = long_path;
		ev.path.len = sizeof(long_path) - 1;
		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	sleep_ms(20); /* the full batch is taken and written; the transaction stays open */
	/* The START mark counts in the depth until its batch is written (entries, not events). */
	va_writer_stats(w, &st);
	assert_in_range(st.depth + st.stored + st.unsaved, big, big + 1);
	ev = make_event(777777, 0);
	assert_int_equal(va_writer_push(w, &ev), 0);
	/* No commit can come before the transaction's 250 ms are up. */
	slow = mono_ms() - t0 >= 250;
	for (unsigned int i = 0; i < after; i++) {
		ev = make_event(800000 + i, i);
		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_flush(w, 20000), 0);
	wait_settled(w, total, 20000, &st);
	assert_int_equal(va_writer_stop(w), 0);

	/*
	 * All in one transaction; only on a machine so slow that 250 ms
	 * passed before the refused event may the big batches have been
	 * committed alone before it. Either way exact.
	 */
	if (st.stored != 0 && (!slow || st.stored != big))
		fail_msg("stored %llu: want 0 (one transaction)%s", (unsigned long long)st.stored,
			 slow ? " or 1200 (a slow machine)" : "");
	assert_int_equal(st.stored + st.unsaved, total);
	assert_int_equal(st.unsaved_disk, st.unsaved);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), st.stored);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 103"), st.unsaved);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op = 100"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE ts = 777777 AND op < 100"), 0);
}

/* refuse_next(): true for as many calls as `refusals` says (a counter no rollback undoes). */
static int refusals;

static void refuse_next(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	/* Called on the writer's thread, read on the test's. */
	sqlite3_result_int(ctx, __atomic_fetch_sub(&refusals, 1, __ATOMIC_SEQ_CST) > 0);
}

/*
 * Three transactions fail in a row, each at its first row: the START mark
 * (first in the queue, then first in each retry) must survive them all and
 * be stored once, and the events of the first are counted unsaved once.
 */
static void test_failures_in_a_row(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s);
	const unsigned int n = 30;

	__atomic_store_n(&refusals, 3, __ATOMIC_SEQ_CST);
	assert_int_equal(sqlite3_create_function(db, "refuse_next", 0, SQLITE_UTF8, NULL,
						 refuse_next, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON events"
					  " WHEN refuse_next() BEGIN SELECT RAISE(ABORT, 'refused'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	assert_int_equal(va_writer_push_mark(w, VA_MARK_START, 100, "tracepoint"), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(200 + i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	wait_settled(w, n, 20000, &st);
	/* The events are counted at the first failure; the mark waits for the fourth try. */
	for (uint64_t end = mono_ms() + 20000; mono_ms() < end;) {
		va_writer_stats(w, &st);
		if (__atomic_load_n(&refusals, __ATOMIC_SEQ_CST) <= 0 && !st.last_error)
			break;
		sleep_ms(50);
	}
	assert_int_equal(va_writer_stop(w), 0);
	assert_true(__atomic_load_n(&refusals, __ATOMIC_SEQ_CST) <= 0);
	assert_int_equal(st.stored, 0);
	assert_int_equal(st.unsaved_disk, n);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op = 100"), 1);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 103"), n);
}

static uint64_t cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/*
 * A transaction open and not yet due, nothing queued, and a queue so small
 * that a quarter of it is 0 events: the writer waits for the due time, it
 * does not spin (a spin took about 250 ms of CPU here).
 */
static void test_open_transaction_waits(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	struct va_event ev = make_event(100, 0);
	uint64_t cpu;

	assert_int_equal(va_writer_start(&w, c->s, 2, 0), 0);
	cpu = cpu_ms();
	assert_int_equal(va_writer_push(w, &ev), 0);
	sleep_ms(400);
	cpu = cpu_ms() - cpu;
	wait_settled(w, 1, 20000, &st);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(st.stored, 1);
	if (cpu > 100)
		fail_msg("the writer used %llu ms of CPU waiting for one event's commit",
			 (unsigned long long)cpu);
}

static void test_marks_in_order(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	sqlite3 *db = va_store_db(c->s);
	sqlite3_stmt *q;
	static const int want[] = { VA_MARK_CRASH, VA_MARK_START, VA_OP_WRITE, VA_OP_WRITE,
				    VA_OP_WRITE, VA_MARK_STOP, VA_MARK_START, VA_OP_WRITE,
				    VA_MARK_STOP };
	size_t i = 0;
	struct va_event ev;

	assert_int_equal(va_writer_start(&w, c->s, 0, 0), 0);
	assert_int_equal(va_writer_push_mark(w, VA_MARK_CRASH, 50, NULL), 0);
	assert_int_equal(va_writer_push_mark(w, VA_MARK_START, 100, "tracepoint"), 0);
	for (unsigned int k = 0; k < 3; k++) {
		ev = make_event(110 + k, k);
		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_push_mark(w, VA_MARK_STOP, 200, NULL), 0);
	sleep_ms(150); /* let it be written in another batch */
	assert_int_equal(va_writer_push_mark(w, VA_MARK_START, 300, "lsm"), 0);
	ev = make_event(310, 0);
	assert_int_equal(va_writer_push(w, &ev), 0);
	assert_int_equal(va_writer_push_mark(w, VA_MARK_STOP, 400, NULL), 0);
	assert_int_equal(va_writer_stop(w), 0);

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT op, detail FROM events e LEFT JOIN extra x ON x.id = e.id"
					    " ORDER BY e.id", -1,
					    &q, NULL),
			 SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_int_equal(sqlite3_column_int(q, 0), want[i]);
		if (i == 1)
			assert_string_equal((const char *)sqlite3_column_text(q, 1), "tracepoint");
		if (i == 6)
			assert_string_equal((const char *)sqlite3_column_text(q, 1), "lsm");
		i++;
	}
	sqlite3_finalize(q);
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events a JOIN events b"
				     " ON b.id = a.id + 1 WHERE b.ts < a.ts"),
			 0);
}

struct producer {
	struct va_writer *w;
	unsigned int id, n, refused;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (unsigned int i = 0; i < p->n; i++) {
		struct va_event ev = make_event(((uint64_t)p->id << 32) | i, i);

		if (va_writer_push(p->w, &ev))
			p->refused++;
	}
	return NULL;
}

static void test_concurrent_producers(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	struct producer p[4];
	pthread_t t[4];
	uint64_t refused = 0;

	assert_int_equal(va_writer_start(&w, c->s, 1000, 0), 0);
	for (unsigned int i = 0; i < 4; i++) {
		p[i] = (struct producer){ w, i + 1, 5000, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
	}
	for (unsigned int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		refused += p[i].refused;
	}
	wait_settled(w, 20000, 20000, &st);
	assert_int_equal(st.stored + st.unsaved, 20000);
	assert_int_equal(st.unsaved_queue, refused);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM events WHERE op < 100"),
			 st.stored);
	assert_int_equal(sql_int(va_store_db(c->s),
				 "SELECT coalesce(sum(count), 0) FROM events WHERE op = 103"),
			 st.unsaved);
}

/*
 * The store held locked, a writer with a queue of 10 and a backlog of
 * 64 MiB, and @n events pushed from @t0 on, each taken in: all but the
 * first few wait in the backlog. Returns: the lock (unlock_store()).
 */
static sqlite3 *held_writer(struct ctx *c, struct va_writer **w, unsigned int n, uint64_t t0)
{
	sqlite3 *lock = lock_store(c);

	assert_int_equal(va_writer_start(w, c->s, 10, 0), 0);
	assert_int_equal(va_writer_backlog(*w, c->dir, 64u << 20), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + i, i);

		assert_int_equal(va_writer_push(*w, &ev), 0);
	}
	return lock;
}

/* Whether @dir holds anything but the store's own files (audit.db, -wal, -shm). */
static bool stray_files(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -qv '^audit\\.db\\(-wal\\|-shm\\)\\?$'", dir);
	return system(cmd) == 0;
}

/*
 * A writer held up (the store locked): past the queue's 60,000 the events
 * wait in the backlog file, none is refused, and once the store moves every
 * event is stored in the order pushed, a mark in its place among them, and
 * those pushed while the backlog drains (memory has room again: a batch of
 * it is 3 MiB, fewer events than the queue holds) after them.
 */
static void test_backlog_keeps_all_in_order(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 200000, late = 2000, queue = 60000;
	uint64_t t0 = now_ns();

	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, queue, 0), 0);
	assert_int_equal(va_writer_backlog(w, c->dir, 64u << 20), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + 2 * i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
		if (i == n / 2)
			assert_int_equal(va_writer_push_mark(w, VA_MARK_STOP, t0 + 2 * i + 1, NULL),
					 0);
	}
	va_writer_stats(w, &st);
	assert_int_equal(st.unsaved, 0);
	assert_true(st.backlog >= n - queue);
	assert_true(st.backlog_bytes > st.backlog * 4);
	assert_int_equal(st.depth, n + 1);
	/* Anonymous: nothing in the directory to clean up or to read. */
	assert_false(stray_files(c->dir));
	sleep_ms(200);
	unlock_store(lock);
	/* The writer has taken memory's batch and the backlog's first: memory has room. */
	for (uint64_t end = mono_ms() + 20000; mono_ms() < end;) {
		sleep_ms(1);
		va_writer_stats(w, &st);
		if (st.backlog < n - queue)
			break;
	}
	assert_true(st.backlog > 0);
	for (unsigned int i = n; i < n + late; i++) {
		struct va_event ev = make_event(t0 + 2 * i, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}

	wait_settled(w, n + late, 20000, &st);
	assert_int_equal(st.stored, n + late);
	assert_int_equal(st.unsaved, 0);
	assert_int_equal(st.backlog, 0);
	assert_int_equal(st.backlog_bytes, 0);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), n + late);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events a JOIN events b"
				     " ON b.id = a.id + 1 WHERE b.ts <= a.ts"),
			 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100 AND id <"
				     " (SELECT id FROM events WHERE op = 101)"),
			 n / 2 + 1);
}

/*
 * A backlog of 256 KiB fills: past it events are refused and counted,
 * stored + unsaved == pushed, and those stored keep their order.
 */
static void test_backlog_full_counts_unsaved(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 20000;
	uint64_t t0 = now_ns(), refused = 0;

	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, 10, 0), 0);
	assert_int_equal(va_writer_backlog(w, c->dir, 256u << 10), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + i, i);

		refused += va_writer_push(w, &ev) == -ENOSPC;
	}
	va_writer_stats(w, &st);
	assert_true(st.backlog_bytes <= 256u << 10);
	assert_true(st.backlog > 1000);
	sleep_ms(200);
	unlock_store(lock);

	wait_settled(w, n, 20000, &st);
	assert_true(refused > 0);
	assert_int_equal(st.unsaved_queue, refused);
	assert_int_equal(st.stored + st.unsaved, n);
	assert_true(st.stored > 1000);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), st.stored);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 103"), st.unsaved);
	assert_int_equal(
		sql_int(db, "SELECT count(*) FROM events a JOIN events b"
			    " ON b.id = a.id + 1 WHERE b.ts < a.ts AND a.op < 100 AND b.op < 100"),
		0);
}

/*
 * A flush waits for the backlog too, all its batches (3 MiB each): what was
 * pushed before it is stored when it returns.
 */
static void test_backlog_flush(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *lock;
	const unsigned int n = 100000;
	uint64_t t0 = now_ns();

	lock = held_writer(c, &w, n, t0);
	va_writer_stats(w, &st);
	assert_true(st.backlog_bytes > 2 * (3u << 20));
	unlock_store(lock);
	assert_int_equal(va_writer_flush(w, 20000), 0);
	va_writer_stats(w, &st);
	assert_int_equal(st.stored, n);
	assert_int_equal(st.depth, 0);
	assert_int_equal(va_writer_stop(w), 0);
}

/* Stop writes the backlog out too, all its batches, and counts nothing unsaved. */
static void test_backlog_stop_drains(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	sqlite3 *lock;
	const unsigned int n = 100000;
	uint64_t t0 = now_ns();

	lock = held_writer(c, &w, n, t0);
	unlock_store(lock);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM events WHERE op < 100"),
			 n);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM events WHERE op = 103"),
			 0);
}

/* Reads of this fd fail (EIO): a disk that lost the backlog. Everything else reads as usual. */
static int fail_read_fd = -1;

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	if (fd >= 0 && fd == __atomic_load_n(&fail_read_fd, __ATOMIC_RELAXED)) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_pread64, fd, buf, count, offset);
}

/*
 * A backlog that cannot be read back: a few tries, then what it holds is
 * counted unsaved (disk), exactly, and the writer neither spins nor hangs.
 */
static void test_backlog_read_failure(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *lock;
	const unsigned int n = 60000;
	uint64_t t0 = now_ns(), start;

	lock = held_writer(c, &w, n, t0);
	va_writer_stats(w, &st);
	assert_true(st.backlog_bytes > (1u << 20)); /* in the file, not only the tail */
	fail_read_fd = backlog_fd(c->dir);
	assert_true(fail_read_fd >= 0);
	unlock_store(lock);
	wait_settled(w, n, 20000, &st);
	fail_read_fd = -1;
	assert_int_equal(st.backlog, 0);
	assert_int_equal(st.backlog_error, -EIO);
	assert_true(st.unsaved_disk > 0);
	assert_int_equal(st.stored + st.unsaved, n);
	start = mono_ms();
	assert_int_equal(va_writer_stop_stats(w, &st), 0);
	assert_true(mono_ms() - start < 2000);
	assert_int_equal(st.stored + st.unsaved, n);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT sum(count) FROM events WHERE op = 103"),
			 st.unsaved);
}

/*
 * A loss record behind a full backlog still goes in, in its place (after
 * the events before it, none of them overtaken), and counts all it stands
 * for; events past the bound are counted unsaved.
 */
static void test_backlog_loss_record_in_place(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s), *lock;
	const unsigned int n = 5000;
	uint64_t t0 = now_ns(), refused = 0, small_stored = 0;
	struct va_event loss = { .ts_ns = t0 + n, .op = VA_OP_LOST, .lost = 777 };

	lock = lock_store(c);
	assert_int_equal(va_writer_start(&w, c->s, 10, 0), 0);
	assert_int_equal(va_writer_backlog(w, c->dir, 128u << 10), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct va_event ev = make_event(t0 + i, i);

		refused += va_writer_push(w, &ev) == -ENOSPC;
	}
	assert_true(refused > 0);
	/* Fill what room is left with events no larger than the loss record. */
	for (unsigned int i = 0; i < 10000; i++) {
		struct va_event small = {
			.ts_ns = t0 + n, .op = VA_OP_WRITE, .count = 1, .lost = 1
		};

		if (va_writer_push(w, &small) == -ENOSPC) {
			refused++;
			break;
		}
		small_stored++;
	}
	assert_int_equal(va_writer_push(w, &loss), 0);
	sleep_ms(100);
	unlock_store(lock);
	wait_settled(w, n + small_stored + 2, 20000,
		     &st); /* stored counts the loss record as one */
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(st.unsaved, refused);
	assert_int_equal(st.stored + st.unsaved, n + small_stored + 2);
	assert_int_equal(sql_int(db, "SELECT sum(count) FROM events WHERE op = 19"), 777);
	/* In its place: after every event stored. */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op = 4 AND id >"
				     " (SELECT id FROM events WHERE op = 19)"),
			 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op = 4"),
			 n + small_stored - (refused - 1));
}

/* Shared with the pushing thread: stop and pushed through atomics. */
struct storm {
	struct va_writer *w;
	bool stop;
	uint64_t pushed;
};

static void *storm_push(void *arg)
{
	struct storm *s = arg;
	uint64_t t0 = now_ns();

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		uint64_t n = __atomic_load_n(&s->pushed, __ATOMIC_RELAXED);
		struct va_event ev = make_event(t0 + n, (unsigned int)n);

		/* Refused (counted unsaved) or taken, each call is an event. */
		va_writer_push(s->w, &ev);
		__atomic_store_n(&s->pushed, n + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * A flush under a storm that keeps the backlog from emptying returns once
 * what came before it is stored, not when the backlog is empty.
 */
static void test_backlog_flush_under_storm(void **state)
{
	struct ctx *c = *state;
	struct storm s = { 0 };
	struct va_writer_stats st, last;
	pthread_t t;
	uint64_t before;
	int flushed;

	assert_int_equal(va_writer_start(&s.w, c->s, 10, 0), 0);
	assert_int_equal(va_writer_backlog(s.w, c->dir, 1u << 30), 0);
	assert_int_equal(pthread_create(&t, NULL, storm_push, &s), 0);
	for (uint64_t end = mono_ms() + 10000; mono_ms() < end;) {
		sleep_ms(10);
		va_writer_stats(s.w, &st);
		if (st.backlog > 50000)
			break;
	}
	before = __atomic_load_n(&s.pushed, __ATOMIC_RELAXED);
	flushed = st.backlog > 50000 ? va_writer_flush(s.w, 15000) : -EAGAIN;
	va_writer_stats(s.w, &st);
	/* The storm stops before any check can fail: a failed check must not leave it running. */
	__atomic_store_n(&s.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	assert_int_equal(va_writer_stop_stats(s.w, &last), 0);
	assert_int_equal(flushed, 0);
	assert_true(st.stored >= before);
	assert_true(st.backlog > 0); /* the storm went on: the flush did not wait for it */
	assert_int_equal(last.stored + last.unsaved, s.pushed);
}

/*
 * A stop while the store refuses (locked): the backlog is counted unsaved
 * at once, not tried batch by batch at a busy wait each; and a second
 * va_writer_backlog() while it holds events is refused.
 */
static void test_backlog_stop_locked(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *lock;
	const unsigned int n = 150000; /* several batches of 3 MiB */
	uint64_t t0 = now_ns(), start;

	lock = held_writer(c, &w, n, t0);
	assert_int_equal(va_writer_backlog(w, c->dir, 64u << 20), -EBUSY);
	start = mono_ms();
	assert_int_not_equal(va_writer_stop_stats(w, &st), 0);
	assert_true(mono_ms() - start < 20000);
	assert_int_equal(st.stored, 0);
	assert_int_equal(st.unsaved, n);
	unlock_store(lock);
}

static void test_retention(void **state)
{
	struct ctx *c = *state;
	struct va_writer *w = NULL;
	struct va_writer_stats st;
	sqlite3 *db = va_store_db(c->s);
	uint64_t now = now_ns(), end;
	const unsigned int old = 12000; /* more than one pruning step */

	/* Batches of 1000, as the writer would commit them: prune cuts between batches. */
	for (unsigned int i = 0; i < old; i++) {
		struct va_event ev = make_event(now - 10 * DAY + i, i);

		if (i % 1000 == 0)
			assert_int_equal(va_store_begin(c->s), 0);
		assert_int_equal(va_store_add(c->s, &ev), 0);
		if (i % 1000 == 999)
			assert_int_equal(va_store_commit(c->s), 0);
	}
	assert_int_equal(va_store_begin(c->s), 0);
	assert_int_equal(va_store_mark(c->s, VA_MARK_START, now - 10 * DAY, 0, "tracepoint"), 0);
	for (unsigned int i = 0; i < 10; i++) {
		struct va_event ev = make_event(now - DAY + i, i);

		assert_int_equal(va_store_add(c->s, &ev), 0);
	}
	assert_int_equal(va_store_commit(c->s), 0);

	assert_int_equal(va_writer_start(&w, c->s, 0, 7 * DAY), 0);
	end = mono_ms() + 20000;
	do {
		sleep_ms(20);
		va_writer_stats(w, &st);
	} while (st.pruned < old && mono_ms() < end);
	assert_int_equal(st.pruned, old);
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), 10);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op = 100"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpointer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_keeps_all_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_full_counts_unsaved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_stop_drains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_read_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_loss_record_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_flush_under_storm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_stop_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bytes_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_queue_stores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_record_when_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_record_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_transaction_of_batches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_transaction_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_in_a_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_producers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
