// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The writer's queue packs events: every field must come back as it went
 * in, for ordinary events and for extreme values, and a cut packed event
 * must be refused, never read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event_pack.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Small, huge or extreme, as fields are in practice and at their limits. */
static uint64_t pick(void)
{
	static const uint64_t edges[] = { 0,
					  1,
					  127,
					  128,
					  UINT32_MAX,
					  (uint64_t)INT64_MAX,
					  (uint64_t)INT64_MIN,
					  UINT64_MAX,
					  (uint64_t)-1 };

	switch (rnd() % 3) {
	case 0:
		return rnd() % 300;
	case 1:
		return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
	default:
		return rnd();
	}
}

static void fill(struct va_event *ev, char *strings, size_t room)
{
	struct va_bytes *s[] = { &ev->exe, &ev->path, &ev->path2, &ev->argv };
	size_t used = 0;

	memset(ev, 0, sizeof(*ev));
	ev->seq = pick();
	ev->ts_ns = pick();
	ev->ret = (int64_t)pick();
	ev->mntns = pick();
	ev->ino = pick();
	ev->count = pick();
	ev->bytes = pick();
	ev->lost = pick();
	ev->size = (int64_t)pick();
	ev->owner_uid = (int64_t)pick();
	ev->owner_gid = (int64_t)pick();
	ev->op = (enum va_op)(pick() % 40);
	ev->ftype = (enum va_ftype)(pick() % 8);
	ev->pid = (uint32_t)pick();
	ev->tid = (uint32_t)pick();
	ev->ppid = (uint32_t)pick();
	ev->uid = (uint32_t)pick();
	ev->euid = (uint32_t)pick();
	ev->gid = (uint32_t)pick();
	ev->auid = (uint32_t)pick();
	ev->ses = (uint32_t)pick();
	ev->tty_dev = (uint32_t)pick();
	ev->dev_major = (uint32_t)pick();
	ev->dev_minor = (uint32_t)pick();
	ev->has_dev = rnd() & 1;
	ev->has_ino = rnd() & 1;
	ev->has_open_flags = rnd() & 1;
	ev->argv_truncated = rnd() & 1;
	ev->open_flags = (uint32_t)pick();
	ev->mode = (uint32_t)pick();
	ev->rename_flags = (uint32_t)pick();
	ev->path_flags = (uint32_t)pick();
	ev->path2_flags = (uint32_t)pick();
	for (size_t i = 0, n = rnd() % 17; i < n; i++)
		ev->comm[i] = (char)(1 + rnd() % 255);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		size_t n = rnd() % 3 ? rnd() % 100 : 0;

		if (used + n > room)
			n = 0;
		for (size_t k = 0; k < n; k++)
			strings[used + k] = (char)rnd(); /* NULs and all */
		*s[i] = (struct va_bytes){ strings + used, n };
		used += n;
	}
}

static void same_bytes(struct va_bytes a, struct va_bytes b)
{
	assert_int_equal(a.len, b.len);
	if (a.len)
		assert_memory_equal(a.ptr, b.ptr, a.len);
}

static void test_round_trip(void **state)
{
	static char strings[512];
	static unsigned char buf[VA_EVENT_PACK_MAX + 512];
	struct va_event in, out;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t n;

		fill(&in, strings, sizeof(strings));
		n = va_event_pack(buf, &in);
		assert_true(n <= va_event_pack_size(&in));
		assert_int_equal(va_event_unpack(buf, n, &out), n);
		assert_int_equal(out.seq, in.seq);
		assert_int_equal(out.ts_ns, in.ts_ns);
		assert_int_equal(out.ret, in.ret);
		assert_int_equal(out.mntns, in.mntns);
		assert_int_equal(out.ino, in.ino);
		assert_int_equal(out.count, in.count);
		assert_int_equal(out.bytes, in.bytes);
		assert_int_equal(out.lost, in.lost);
		assert_int_equal(out.size, in.size);
		assert_int_equal(out.owner_uid, in.owner_uid);
		assert_int_equal(out.owner_gid, in.owner_gid);
		assert_int_equal(out.op, in.op);
		assert_int_equal(out.ftype, in.ftype);
		assert_int_equal(out.pid, in.pid);
		assert_int_equal(out.tid, in.tid);
		assert_int_equal(out.ppid, in.ppid);
		assert_int_equal(out.uid, in.uid);
		assert_int_equal(out.euid, in.euid);
		assert_int_equal(out.gid, in.gid);
		assert_int_equal(out.auid, in.auid);
		assert_int_equal(out.ses, in.ses);
		assert_int_equal(out.tty_dev, in.tty_dev);
		assert_int_equal(out.dev_major, in.dev_major);
		assert_int_equal(out.dev_minor, in.dev_minor);
		assert_int_equal(out.has_dev, in.has_dev);
		assert_int_equal(out.has_ino, in.has_ino);
		assert_int_equal(out.has_open_flags, in.has_open_flags);
		assert_int_equal(out.argv_truncated, in.argv_truncated);
		assert_int_equal(out.open_flags, in.open_flags);
		assert_int_equal(out.mode, in.mode);
		assert_int_equal(out.rename_flags, in.rename_flags);
		assert_int_equal(out.path_flags, in.path_flags);
		assert_int_equal(out.path2_flags, in.path2_flags);
		assert_memory_equal(out.comm, in.comm, sizeof(in.comm));
		same_bytes(out.exe, in.exe);
		same_bytes(out.path, in.path);
		same_bytes(out.path2, in.path2);
		same_bytes(out.argv, in.argv);
	}
}

/* An ordinary event packs small: the point of packing. */
static void test_small(void **state)
{
	static unsigned char buf[VA_EVENT_PACK_MAX + 64];
	struct va_event ev = {
		.seq = 123456,
		.ts_ns = 1795000000000000000ull,
		.ret = 64,
		.mntns = 4026531840ull,
		.ino = 1234567,
		.count = 1,
		.bytes = 64,
		.size = -1,
		.owner_uid = -1,
		.owner_gid = -1,
		.op = VA_OP_WRITE,
		.ftype = VA_FTYPE_FILE,
		.pid = 4242,
		.tid = 4242,
		.ppid = 1,
		.uid = 1000,
		.euid = 1000,
		.gid = 1000,
		.auid = 1000,
		.ses = 3,
		.has_dev = true,
		.has_ino = true,
		.dev_major = 8,
		.dev_minor = 1,
		.comm = "vim",
		.exe = { "/usr/bin/vim.basic", 18 },
		.path = { "/etc/hosts", 10 },
	};
	size_t n = va_event_pack(buf, &ev);

	(void)state;
	assert_true(n < 64 + 18 + 10);
	/* Numbers and lengths in under a quarter of the struct (which holds no strings). */
	assert_true((n - 3 - 18 - 10) * 4 < sizeof(struct va_event));
}

/* Every cut of a packed event is refused, without reading past the cut. */
static void test_cut(void **state)
{
	static char strings[512];
	struct va_event in, out;

	(void)state;
	for (int i = 0; i < 300; i++) {
		unsigned char full[VA_EVENT_PACK_MAX + 512];
		size_t n;

		fill(&in, strings, sizeof(strings));
		n = va_event_pack(full, &in);
		for (size_t cut = 0; cut < n; cut++) {
			/* Exactly @cut bytes on the heap: ASan sees any read past them. */
			unsigned char *p = malloc(cut ? cut : 1);

			assert_non_null(p);
			memcpy(p, full, cut);
			assert_int_equal(va_event_unpack(p, cut, &out), 0);
			free(p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
