// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ring buffer reader on a ring laid out in memory as the kernel lays it
 * out (kernel/bpf/ringbuf.c): records come out in order and byte for byte,
 * one that runs past the end of the data comes out joined, a record not yet
 * submitted holds back the ones after it, a discarded one is skipped, the
 * consumer position gives each record's space back, a record submitted
 * while the reader delivers is read too, and a header whose length cannot
 * be stops the reader without reading past the ring or giving back space
 * the kernel has not filled.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/bpf.h>

#include "ringbuf.h"

#define RING_SIZE 256u
#define MAX_SEEN  4096

/* The producer's side, as the kernel's reserve and submit leave the memory. */
struct fake_ring {
	unsigned long cons, prod;
	unsigned char data[RING_SIZE] __attribute__((aligned(8)));
};

struct fake_ring;

struct seen {
	size_t n;
	size_t len[MAX_SEEN];
	unsigned char first[MAX_SEEN], last[MAX_SEEN];
	unsigned char bytes[MAX_SEEN]; /* every byte of the last record */
	bool check_all;		       /* record k carries the pattern of tag k + 1 */
	struct fake_ring *inject;      /* a producer adding a record during the first call */
};

static size_t produce(struct fake_ring *f, size_t len, uint32_t flags, unsigned tag);
static unsigned char pattern(unsigned tag, size_t i);

static void on_rec(void *ctx, const void *rec, size_t len)
{
	struct seen *s = ctx;
	const unsigned char *p = rec;

	assert_true(s->n < MAX_SEEN);
	assert_true(len > 0 && len <= sizeof(s->bytes));
	s->len[s->n] = len;
	s->first[s->n] = p[0];
	s->last[s->n] = p[len - 1];
	memcpy(s->bytes, p, len);
	if (s->check_all)
		for (size_t i = 0; i < len; i++)
			if (p[i] != pattern((unsigned)s->n + 1, i))
				fail_msg("record %zu byte %zu: %u, want %u", s->n, i, p[i],
					 pattern((unsigned)s->n + 1, i));
	s->n++;
	if (s->inject) {
		produce(s->inject, 24, 0, 99);
		s->inject = NULL;
	}
}

/* The byte at @i of record @tag: differs from byte to byte and from record to record. */
static unsigned char pattern(unsigned tag, size_t i)
{
	return (unsigned char)(tag * 31 + i * 7 + 1);
}

/* Reserve and fill a record of @len bytes with header @flags; returns its header's offset. */
static size_t produce(struct fake_ring *f, size_t len, uint32_t flags, unsigned tag)
{
	size_t at = f->prod & (RING_SIZE - 1), total = (len + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
	uint32_t hdr[2] = { (uint32_t)len | flags, 0 };

	assert_true(f->prod + total - f->cons <= RING_SIZE);
	memcpy(f->data + at, hdr, sizeof(hdr));
	for (size_t i = 0; i < len; i++)
		f->data[(at + BPF_RINGBUF_HDR_SZ + i) & (RING_SIZE - 1)] = pattern(tag, i);
	f->prod += total;
	return at;
}

static void submit(struct fake_ring *f, size_t at, size_t len)
{
	uint32_t hdr = (uint32_t)len;

	memcpy(f->data + at, &hdr, sizeof(hdr));
}

static void assert_record(const struct seen *s, size_t k, size_t len, unsigned tag)
{
	assert_int_equal(s->len[k], len);
	assert_int_equal(s->first[k], pattern(tag, 0));
	assert_int_equal(s->last[k], pattern(tag, len - 1));
}

static void test_in_order(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	assert_int_equal(va_ringbuf_consume(&r), 0);
	produce(&f, 5, 0, 1);
	produce(&f, 16, 0, 2);
	produce(&f, 1, 0, 3);
	assert_int_equal(va_ringbuf_consume(&r), 3);
	assert_int_equal(s.n, 3);
	assert_record(&s, 0, 5, 1);
	assert_record(&s, 1, 16, 2);
	assert_record(&s, 2, 1, 3);
	/* Headers and padding included: 16 + 24 + 16 bytes given back. */
	assert_int_equal(f.cons, 56);
	assert_int_equal(f.cons, f.prod);
	assert_int_equal(va_ringbuf_consume(&r), 0);
	va_ringbuf_close(&r);
}

static void test_busy_holds_back(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;
	size_t busy;

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	produce(&f, 8, 0, 1);
	busy = produce(&f, 12, BPF_RINGBUF_BUSY_BIT, 2);
	produce(&f, 4, 0, 3); /* submitted, but after one that is not */
	assert_int_equal(va_ringbuf_consume(&r), 1);
	assert_int_equal(f.cons, 16);
	submit(&f, busy, 12);
	assert_int_equal(va_ringbuf_consume(&r), 2);
	assert_record(&s, 1, 12, 2);
	assert_record(&s, 2, 4, 3);
	assert_int_equal(f.cons, f.prod);
	va_ringbuf_close(&r);
}

static void test_discarded_skipped(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	produce(&f, 8, BPF_RINGBUF_DISCARD_BIT, 1);
	produce(&f, 9, 0, 2);
	assert_int_equal(va_ringbuf_consume(&r), 1);
	assert_int_equal(s.n, 1);
	assert_record(&s, 0, 9, 2);
	assert_int_equal(f.cons, f.prod);
	va_ringbuf_close(&r);
}

/* A record that runs past the end, and one whose header is the ring's last 8 bytes. */
static void test_wrapped_joined(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	/* 200 bytes in: the next header at 200, its 100 bytes from 208 to 308. */
	produce(&f, 192, 0, 1);
	assert_int_equal(va_ringbuf_consume(&r), 1);
	assert_int_equal(produce(&f, 100, 0, 2), 200);
	assert_int_equal(va_ringbuf_consume(&r), 1);
	assert_record(&s, 1, 100, 2);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(s.bytes[i], pattern(2, i));
	/* Now at 312 (56): fill to 248, so that the next header sits at 248..256. */
	produce(&f, 184, 0, 3);
	assert_int_equal(produce(&f, 40, 0, 4), 248);
	assert_int_equal(va_ringbuf_consume(&r), 2);
	assert_record(&s, 3, 40, 4);
	for (size_t i = 0; i < 40; i++)
		assert_int_equal(s.bytes[i], pattern(4, i));
	assert_int_equal(f.cons, f.prod);
	va_ringbuf_close(&r);
}

/* Many laps of the ring, records of every length, read a few at a time. */
static void test_many_laps(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;
	unsigned tag = 0, next_check = 0;

	(void)state;
	s.check_all = true;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	srand(7);
	for (int round = 0; round < 500; round++) {
		size_t burst = (size_t)(rand() % 4) + 1;

		for (size_t k = 0; k < burst; k++) {
			size_t len = (size_t)(rand() % 120) + 1;

			if (f.prod + ((len + 15) & ~7ul) - f.cons > RING_SIZE)
				break;
			produce(&f, len, 0, ++tag);
		}
		assert_int_equal(va_ringbuf_consume(&r), (long)(tag - next_check));
		for (; next_check < s.n; next_check++)
			assert_int_equal(s.first[next_check], pattern(next_check + 1, 0));
		assert_int_equal(f.cons, f.prod);
	}
	assert_int_equal(s.n, tag);
	assert_true(f.prod > 20 * RING_SIZE);
	va_ringbuf_close(&r);
}

static void test_bad_length_stops(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;
	uint32_t hdr = RING_SIZE; /* with its header, more than the ring holds */

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	produce(&f, 8, 0, 1);
	memcpy(f.data + f.prod, &hdr, sizeof(hdr));
	f.prod += 16;
	assert_int_equal(va_ringbuf_consume(&r), -EBADMSG);
	assert_int_equal(s.n, 1);
	assert_int_equal(f.cons, 16); /* the good record given back, the bad one kept */
	va_ringbuf_close(&r);
}

/* A length that fits the ring but runs past what was reserved: not read, nothing given back. */
static void test_length_past_producer_stops(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;
	uint32_t hdr = 100;

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	memcpy(f.data, &hdr, sizeof(hdr));
	f.prod = 16;
	assert_int_equal(va_ringbuf_consume(&r), -EBADMSG);
	assert_int_equal(s.n, 0);
	assert_int_equal(f.cons, 0);
	va_ringbuf_close(&r);
}

/* Positions the kernel cannot have written: not 8-aligned, or more than a ring apart. */
static void test_bad_positions_stop(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	f.cons = 254;
	f.prod = 270;
	assert_int_equal(va_ringbuf_consume(&r), -EBADMSG);
	f.cons = 0;
	f.prod = RING_SIZE + 8;
	assert_int_equal(va_ringbuf_consume(&r), -EBADMSG);
	assert_int_equal(s.n, 0);
	assert_int_equal(f.cons, 0);
	va_ringbuf_close(&r);
}

/* A record submitted while the reader delivers is read in the same call. */
static void test_record_added_meanwhile(void **state)
{
	struct fake_ring f = { 0 };
	struct seen s = { 0 };
	struct va_ringbuf r;

	(void)state;
	assert_int_equal(va_ringbuf_init(&r, &f.cons, &f.prod, f.data, RING_SIZE, on_rec, &s), 0);
	s.inject = &f;
	produce(&f, 10, 0, 1);
	assert_int_equal(va_ringbuf_consume(&r), 2);
	assert_record(&s, 1, 24, 99);
	assert_int_equal(f.cons, f.prod);
	va_ringbuf_close(&r);
}

static void test_open_refuses_other_fds(void **state)
{
	struct seen s = { 0 };
	struct va_ringbuf r;

	(void)state;
	memset(&r, 0xa5, sizeof(r)); /* open must not need a zeroed struct */
	assert_true(va_ringbuf_open(&r, 0, on_rec, &s) < 0); /* stdin: no BPF map */
	assert_int_equal(r.epoll_fd, -1);
	va_ringbuf_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_busy_holds_back),
		cmocka_unit_test(test_discarded_skipped),
		cmocka_unit_test(test_wrapped_joined),
		cmocka_unit_test(test_many_laps),
		cmocka_unit_test(test_bad_length_stops),
		cmocka_unit_test(test_length_past_producer_stops),
		cmocka_unit_test(test_bad_positions_stop),
		cmocka_unit_test(test_record_added_meanwhile),
		cmocka_unit_test(test_open_refuses_other_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
