// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shared half of capture, fed wire records by hand (no kernel): merged
 * read/write templates, their end, and their expiry when the end record was
 * lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "capture_priv.h"
#include "vfsaudit_wire.h"

#define IDLE_FLUSHES 5

struct seen {
	unsigned int events; /* non-loss events delivered */
	uint64_t count;	     /* their calls */
	uint64_t lost;	     /* events reported lost */
	struct va_event last; /* the last non-loss event, its path in last_path */
	char last_path[64];
};

static int collect(const struct va_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (ev->op == VA_OP_LOST) {
		s->lost += ev->lost;
	} else {
		s->events++;
		s->count += ev->count;
		s->last = *ev;
		snprintf(s->last_path, sizeof(s->last_path), "%.*s", (int)ev->path.len,
			 ev->path.ptr);
	}
	return 0;
}

static struct va_capture *capture_new(struct seen *s)
{
	struct va_capture *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fn = collect;
	c->fn_ctx = s;
	/* No /proc here: the tables answer "unknown", which these records do not need. */
	va_proctab_init(&c->procs, "/nonexistent");
	va_mounts_init(&c->mounts, "/nonexistent");
	va_u64map_init(&c->aggs);
	va_u64map_init(&c->opens);
	return c;
}

struct rec {
	struct va_wire_file w;
	char data[64];
};

/* The first call of a merged write on /tmp/f, carrying agg @id. */
static void deliver_start(struct va_capture *c, uint64_t id)
{
	static const char path[] = "/tmp/f";
	struct rec r;

	memset(&r, 0, sizeof(r));
	r.w.hdr.type = VA_WIRE_FILE;
	r.w.hdr.ts = 1000;
	r.w.op = VA_OP_WRITE;
	r.w.task.pid = 42;
	r.w.task.tid = 42;
	r.w.task.auid = VA_ID_UNSET;
	r.w.task.ses = VA_ID_UNSET;
	r.w.wflags = VA_WF_AGG_START | VA_WF_DEV_KNOWN | VA_WF_INO_KNOWN;
	r.w.imode = S_IFREG | 0644;
	r.w.ino = 7;
	r.w.agg_id = id;
	r.w.count = 1;
	r.w.bytes = 64;
	r.w.ret = 64;
	r.w.size = -1;
	r.w.owner_uid = -1;
	r.w.owner_gid = -1;
	memcpy(r.data, path, sizeof(path) - 1);
	r.w.str_len[0] = sizeof(path) - 1;
	r.w.hdr.size = (uint32_t)(sizeof(r.w) + sizeof(path) - 1);
	assert_int_equal(va_capture_deliver(c, &r, r.w.hdr.size), 0);
}

/* More calls merged into agg @id since its last record; @end: it ended. */
static void deliver_flush(struct va_capture *c, uint64_t id, uint64_t count, bool end)
{
	struct va_wire_flush f;

	memset(&f, 0, sizeof(f));
	f.hdr.type = VA_WIRE_RW_FLUSH;
	f.hdr.ts = 2000;
	f.hdr.size = sizeof(f);
	f.agg_id = id;
	f.count = count;
	f.bytes = count * 64;
	f.flags = end ? VA_FLUSH_END : 0;
	assert_int_equal(va_capture_deliver(c, &f, sizeof(f)), 0);
}

static size_t templates(struct va_capture *c)
{
	return c->aggs.len;
}

/* A merged write's flushes become events of their own; its end drops the template. */
static void test_flush_and_end(void **state)
{
	struct seen s = { 0 };
	struct va_capture *c = capture_new(&s);

	(void)state;
	deliver_start(c, 1);
	assert_int_equal(templates(c), 1);
	deliver_flush(c, 1, 9, false);
	deliver_flush(c, 1, 0, true);
	assert_int_equal(templates(c), 0);
	assert_int_equal(s.events, 2);
	assert_int_equal(s.count, 10);
	assert_int_equal(s.lost, 0);
	va_capture_close(c);
}

/*
 * The end record of an aggregation was lost: its template goes after the
 * kernel's idle time plus two flushes, not before, and one that is still
 * heard from stays. A flush record for a dropped template counts as lost,
 * as many as the calls it carried.
 */
static void test_expiry_after_lost_end(void **state)
{
	struct seen s = { 0 };
	struct va_capture *c = capture_new(&s);

	(void)state;
	deliver_start(c, 1); /* its end will never come */
	deliver_start(c, 2); /* still written to */
	for (int i = 0; i < IDLE_FLUSHES + 2; i++) {
		va_capture_flushed(c, IDLE_FLUSHES);
		deliver_flush(c, 2, 1, false);
	}
	assert_int_equal(templates(c), 2);
	va_capture_flushed(c, IDLE_FLUSHES);
	assert_int_equal(templates(c), 1);
	assert_int_equal(c->stats.aggs_expired, 1);

	/* Agg 2 lives on; a late record for agg 1 is its 3 calls lost, and said so. */
	deliver_flush(c, 2, 1, false);
	deliver_flush(c, 1, 3, false);
	assert_int_equal(s.lost, 3);
	assert_int_equal(s.events, 2 + IDLE_FLUSHES + 2 + 1);
	deliver_flush(c, 2, 0, true);
	assert_int_equal(templates(c), 0);
	va_capture_close(c);
}

/* Thousands of ends lost: the templates do not pile up. */
static void test_expiry_bounds_memory(void **state)
{
	struct seen s = { 0 };
	struct va_capture *c = capture_new(&s);
	size_t most = 0;

	(void)state;
	for (uint64_t id = 1; id <= 20000; id++) {
		deliver_start(c, id);
		if (id % 1000 == 0)
			va_capture_flushed(c, IDLE_FLUSHES);
		if (templates(c) > most)
			most = templates(c);
	}
	for (int i = 0; i < IDLE_FLUSHES + 3; i++)
		va_capture_flushed(c, IDLE_FLUSHES);
	assert_int_equal(templates(c), 0);
	assert_true(most <= 1000 * (IDLE_FLUSHES + 3));
	assert_int_equal(c->stats.aggs_expired, 20000);
	va_capture_close(c);
}

/* Thread @tid's open of @path (O_WRONLY), recorded as its template number @tmpl. */
static void deliver_open(struct va_capture *c, uint32_t tid, uint32_t tmpl, const char *path)
{
	struct rec r;
	size_t len = strlen(path);

	memset(&r, 0, sizeof(r));
	r.w.hdr.type = VA_WIRE_FILE;
	r.w.hdr.ts = 500;
	r.w.op = VA_OP_OPEN;
	r.w.task.pid = 42;
	r.w.task.tid = tid;
	r.w.task.uid = 1000;
	r.w.task.euid = 1000;
	memcpy(r.w.task.comm, "opener", 6);
	r.w.task.auid = VA_ID_UNSET;
	r.w.task.ses = VA_ID_UNSET;
	r.w.wflags = VA_WF_DEV_KNOWN | VA_WF_INO_KNOWN | VA_WF_OPEN_FLAGS | VA_WF_TEMPLATE;
	r.w.oflags = 01; /* O_WRONLY */
	r.w.imode = S_IFREG | 0644;
	r.w.ino = 7;
	r.w.agg_id = tmpl;
	r.w.ret = 3;
	r.w.size = -1;
	r.w.owner_uid = -1;
	r.w.owner_gid = -1;
	assert_true(len <= sizeof(r.data));
	memcpy(r.data, path, len);
	r.w.str_len[0] = (uint32_t)len;
	r.w.hdr.size = (uint32_t)(sizeof(r.w) + len);
	assert_int_equal(va_capture_deliver(c, &r, r.w.hdr.size), 0);
}

/* The first write of thread @tid's open numbered @tmpl, starting agg @id, by uid @uid. */
static void deliver_borrowed_as(struct va_capture *c, uint32_t tid, uint32_t tmpl, uint64_t id,
				uint32_t uid)
{
	struct va_wire_start st;

	memset(&st, 0, sizeof(st));
	st.hdr.type = VA_WIRE_RW_START;
	st.hdr.ts = 1500;
	st.hdr.size = sizeof(st);
	st.task.pid = 42;
	st.task.tid = tid;
	st.task.uid = uid;
	st.task.euid = uid;
	st.task.auid = VA_ID_UNSET;
	st.task.ses = VA_ID_UNSET;
	memcpy(st.task.comm, "writer", 6);
	st.agg_id = id;
	st.count = 1;
	st.bytes = 64;
	st.tmpl = tmpl;
	st.op = VA_OP_WRITE;
	assert_int_equal(va_capture_deliver(c, &st, sizeof(st)), 0);
}

static void deliver_borrowed(struct va_capture *c, uint32_t tid, uint32_t tmpl, uint64_t id)
{
	deliver_borrowed_as(c, tid, tmpl, id, 1000);
}

/*
 * A first write that borrows its thread's open record is that open's path
 * and object with the write's own who, op, time, thread, count and bytes,
 * and none of the open's own fields; its flushes follow as after a full
 * record.
 */
static void test_write_from_open(void **state)
{
	struct seen s = { 0 };
	struct va_capture *c = capture_new(&s);

	(void)state;
	deliver_open(c, 43, 3, "/tmp/opened");
	assert_int_equal(s.events, 1);
	assert_int_equal(s.last.op, VA_OP_OPEN);
	assert_string_equal(s.last.comm, "opener");
	deliver_borrowed_as(c, 43, 3, 10, 0);
	assert_int_equal(s.events, 2);
	assert_int_equal(s.lost, 0);
	assert_int_equal(s.last.op, VA_OP_WRITE);
	assert_string_equal(s.last_path, "/tmp/opened");
	assert_int_equal(s.last.tid, 43);
	assert_int_equal(s.last.pid, 42);
	assert_int_equal(s.last.uid, 0);
	assert_int_equal(s.last.euid, 0);
	assert_string_equal(s.last.comm, "writer");
	assert_int_equal(s.last.ino, 7);
	assert_int_equal(s.last.count, 1);
	assert_int_equal(s.last.bytes, 64);
	assert_int_equal(s.last.ret, 64);
	assert_false(s.last.has_open_flags);
	assert_int_equal(s.last.size, -1);
	assert_int_equal(s.last.ts_ns, 1500 + c->boot_to_real_ns);
	assert_int_equal(templates(c), 1);
	deliver_flush(c, 10, 9, false);
	assert_string_equal(s.last_path, "/tmp/opened");
	deliver_flush(c, 10, 0, true);
	assert_int_equal(templates(c), 0);
	assert_int_equal(s.count, 10);
	va_capture_close(c);
}

/*
 * A write can borrow only its own thread's last open: one naming an older
 * template, or a thread with none, is a call whose context was lost, and
 * counted so. The next open replaces the thread's template, in place when
 * it fits.
 */
static void test_borrow_only_the_last_open(void **state)
{
	struct seen s = { 0 };
	struct va_capture *c = capture_new(&s);

	(void)state;
	deliver_open(c, 43, 3, "/tmp/a-rather-long-name");
	deliver_open(c, 43, 4, "/tmp/b");
	deliver_borrowed(c, 43, 3, 10);
	assert_int_equal(s.lost, 1);
	deliver_borrowed(c, 44, 4, 11);
	assert_int_equal(s.lost, 2);
	deliver_borrowed(c, 43, 4, 12);
	assert_int_equal(s.lost, 2);
	assert_string_equal(s.last_path, "/tmp/b");
	/* Its tid, now another process's (a pid reused): not its template either. */
	{
		struct va_wire_start st;

		memset(&st, 0, sizeof(st));
		st.hdr.type = VA_WIRE_RW_START;
		st.hdr.size = sizeof(st);
		st.task.pid = 99;
		st.task.tid = 43;
		st.agg_id = 20;
		st.count = 1;
		st.tmpl = 4;
		st.op = VA_OP_WRITE;
		assert_int_equal(va_capture_deliver(c, &st, sizeof(st)), 0);
		assert_int_equal(s.lost, 3);
	}
	deliver_open(c, 43, 5, "/tmp/c-longer-than-the-first-one");
	deliver_borrowed(c, 43, 5, 13);
	assert_string_equal(s.last_path, "/tmp/c-longer-than-the-first-one");
	assert_int_equal(s.lost, 3);
	va_capture_close(c);
}

/*
 * A thread's template lasts two flushes longer than the kernel lends it
 * (VA_TMPL_LEND_FLUSHES, rw_send_borrowed()): a start the kernel sent just
 * before a flush may be read after it. Then it goes: a thread that opened
 * once and never again keeps no memory.
 */
static void test_open_template_expires(void **state)
{
	struct seen s = { 0 };
	struct va_capture *c = capture_new(&s);

	(void)state;
	deliver_open(c, 43, 1, "/tmp/a");
	for (int i = 0; i < VA_TMPL_LEND_FLUSHES + 2; i++)
		va_capture_flushed(c, IDLE_FLUSHES);
	assert_int_equal(c->opens.len, 1);
	deliver_borrowed(c, 43, 1, 10);
	assert_int_equal(s.lost, 0);
	va_capture_flushed(c, IDLE_FLUSHES);
	assert_int_equal(c->opens.len, 0);
	deliver_borrowed(c, 43, 1, 11);
	assert_int_equal(s.lost, 1);
	va_capture_close(c);
}

/* A process's exit ends its main thread's template: exits do not leave them behind. */
static void test_exit_drops_open_template(void **state)
{
	struct seen s = { 0 };
	struct va_capture *c = capture_new(&s);
	struct va_wire_proc ex = { .hdr = { 900, VA_WIRE_EXIT, sizeof(ex) }, .pid = 42 };

	(void)state;
	deliver_open(c, 42, 1, "/tmp/a");
	deliver_open(c, 43, 1, "/tmp/b");
	assert_int_equal(c->opens.len, 2);
	assert_int_equal(va_capture_deliver(c, &ex, sizeof(ex)), 0);
	assert_int_equal(c->opens.len, 1);
	assert_null(va_u64map_get(&c->opens, 42));
	va_capture_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flush_and_end),
		cmocka_unit_test(test_expiry_after_lost_end),
		cmocka_unit_test(test_expiry_bounds_memory),
		cmocka_unit_test(test_write_from_open),
		cmocka_unit_test(test_borrow_only_the_last_open),
		cmocka_unit_test(test_open_template_expires),
		cmocka_unit_test(test_exit_drops_open_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
