// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's status file: every field `vfsaudit status` shows comes back
 * from the file as the daemon wrote it (negative errnos included), a file
 * of an older daemon without the newer fields reads them as 0, and a file
 * that is not JSON is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "status.h"

static char dir[64], file[128];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/va-status.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/status.json", dir);
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* Every number distinct, so that two fields swapped would show. */
static void fill(struct va_status *st)
{
	memset(st, 0, sizeof(*st));
	st->pid = 4242;
	snprintf(st->backend, sizeof(st->backend), "tracepoint");
	snprintf(st->unseen, sizeof(st->unseen), "no io_uring");
	snprintf(st->lookups, sizeof(st->lookups), "dcache-hash");
	snprintf(st->left_out, sizeof(st->left_out), "/proc, /sys");
	snprintf(st->store, sizeof(st->store), "/var/lib/vfsaudit/audit.db");
	st->started_ns = 1000000001;
	st->updated_ns = 1000000002;
	st->events = 3;
	st->events_per_s = 1234.5;
	st->lost = 5;
	st->proc_lost = 6;
	st->ring_bytes = 4u << 20;
	st->ring_peak_bytes = 8;
	st->stall_max_ns = 9000000;
	st->unsaved_queue = 10;
	st->unsaved_disk = 11;
	st->stored = 12;
	st->queue_depth = 13;
	st->backlog = 14;
	st->backlog_bytes = 15;
	st->backlog_error = -ENOSPC;
	st->store_bytes = 16;
	st->sealed = true;
	st->seals = 17;
	st->seal_epoch = 18;
	st->seal_error = -EACCES;
	st->store_error = -EIO;
	for (int i = 0; i < VA_STATUS_SINKS; i++) {
		struct va_status_sink *k = &st->sinks[i];

		snprintf(k->target, sizeof(k->target), "target %d", i);
		k->sent = 100 + (uint64_t)i;
		k->lost = 300 + (uint64_t)i;
		k->queued = 400 + (uint64_t)i;
		k->error = -(i + 1);
		/* What only some sinks have: a spool for the remote one, a connection but for the
		 * file. */
		if (i == VA_STATUS_SYSLOG_REMOTE) {
			k->resent = 200 + (uint64_t)i;
			k->spool_bytes = 500 + (uint64_t)i;
		}
		k->connected = i != VA_STATUS_JSON_LOG;
	}
}

static void test_round_trip(void **state)
{
	struct va_status in, out;

	(void)state;
	fill(&in);
	assert_int_equal(va_status_write(file, &in), 0);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(va_status_read(file, &out), 0);
	assert_int_equal(out.pid, in.pid);
	assert_string_equal(out.backend, in.backend);
	assert_string_equal(out.unseen, in.unseen);
	assert_string_equal(out.lookups, in.lookups);
	assert_string_equal(out.left_out, in.left_out);
	assert_string_equal(out.store, in.store);
	assert_int_equal(out.started_ns, in.started_ns);
	assert_int_equal(out.updated_ns, in.updated_ns);
	assert_int_equal(out.events, in.events);
	assert_true(out.events_per_s == in.events_per_s);
	assert_int_equal(out.lost, in.lost);
	assert_int_equal(out.proc_lost, in.proc_lost);
	assert_int_equal(out.ring_bytes, in.ring_bytes);
	assert_int_equal(out.ring_peak_bytes, in.ring_peak_bytes);
	assert_int_equal(out.stall_max_ns, in.stall_max_ns);
	assert_int_equal(out.unsaved_queue, in.unsaved_queue);
	assert_int_equal(out.unsaved_disk, in.unsaved_disk);
	assert_int_equal(out.stored, in.stored);
	assert_int_equal(out.queue_depth, in.queue_depth);
	assert_int_equal(out.backlog, in.backlog);
	assert_int_equal(out.backlog_bytes, in.backlog_bytes);
	assert_int_equal(out.backlog_error, -ENOSPC);
	assert_int_equal(out.store_bytes, in.store_bytes);
	assert_true(out.sealed);
	assert_int_equal(out.seals, in.seals);
	assert_int_equal(out.seal_epoch, in.seal_epoch);
	assert_int_equal(out.seal_error, -EACCES);
	assert_int_equal(out.store_error, -EIO);
	for (int i = 0; i < VA_STATUS_SINKS; i++) {
		const struct va_status_sink *a = &in.sinks[i], *b = &out.sinks[i];

		assert_string_equal(b->target, a->target);
		assert_int_equal(b->sent, a->sent);
		assert_int_equal(b->resent, a->resent);
		assert_int_equal(b->lost, a->lost);
		assert_int_equal(b->queued, a->queued);
		assert_int_equal(b->spool_bytes, a->spool_bytes);
		assert_int_equal(b->connected, a->connected);
		assert_int_equal(b->error, a->error);
	}
}

/* A daemon from before a field was added: the fields it did not write read as 0. */
static void test_older_file(void **state)
{
	struct va_status out;
	FILE *f = fopen(file, "w");

	(void)state;
	assert_non_null(f);
	fputs("{\"pid\":7,\"backend\":\"tracepoint\",\"events\":9,\"backlog\":2}\n", f);
	fclose(f);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(va_status_read(file, &out), 0);
	assert_int_equal(out.pid, 7);
	assert_int_equal(out.events, 9);
	assert_int_equal(out.backlog, 2);
	assert_int_equal(out.backlog_error, 0);
	assert_int_equal(out.stall_max_ns, 0);
	assert_int_equal(out.seal_error, 0);
	assert_string_equal(out.store, "");
}

/* A status written after the reader read its clock is fresh: the daemon writes every second. */
static void test_live_written_after_now(void **state)
{
	struct va_status st = { .pid = (uint32_t)getpid() };
	const uint64_t now = 1795873269000000000ull, s = 1000000000ull;

	(void)state;
	st.updated_ns = now + s / 100;
	assert_true(va_status_live(&st, now));
	st.updated_ns = now - 9 * s;
	assert_true(va_status_live(&st, now));
	st.updated_ns = now - 11 * s;
	assert_false(va_status_live(&st, now));
	st.pid = 0;
	st.updated_ns = now;
	assert_false(va_status_live(&st, now));
}

static void test_not_json(void **state)
{
	struct va_status out;
	FILE *f = fopen(file, "w");

	(void)state;
	assert_non_null(f);
	fputs("not json\n", f);
	fclose(f);
	assert_int_equal(va_status_read(file, &out), -EINVAL);
	unlink(file);
	assert_int_equal(va_status_read(file, &out), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_older_file),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_live_written_after_now),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
