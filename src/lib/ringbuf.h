/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reading side of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF) with its data
 * area mapped once. libbpf's ring_buffer maps the data twice, back to back,
 * so that a record running past the end reads as one piece; the kernel fills
 * every page of a ring buffer mapping when it is made, so the daemon's
 * resident size counted the ring twice (8 MiB for the 4 MiB default, 16 MiB
 * for the 8 MiB one of larger machines). Here the few records that wrap are
 * copied into a buffer of their own instead.
 *
 * The protocol is the kernel's (kernel/bpf/ringbuf.c): the producer position
 * and each record's 8-byte header are read with acquire semantics, a header
 * with BPF_RINGBUF_BUSY_BIT is a record not yet submitted (stop there), one
 * with BPF_RINGBUF_DISCARD_BIT is skipped, and the consumer position, which
 * gives the space back, is stored with release semantics after each record.
 */
#ifndef VA_RINGBUF_H
#define VA_RINGBUF_H

#include <stddef.h>

/* Called once per submitted record, in order; @rec is valid until it returns. */
typedef void (*va_ring_fn)(void *ctx, const void *rec, size_t len);

struct va_ring {
	unsigned long *consumer_pos;	   /* ours: how far we have read */
	const unsigned long *producer_pos; /* the kernel's: how far it has reserved */
	const unsigned char *data;	   /* size bytes, mapped once */
	size_t size;			   /* a power of two */
	unsigned char *wrap;		   /* a record that runs past the end, joined */
	size_t wrap_cap;
	va_ring_fn fn;
	void *ctx;
	/* Set by va_ring_open() only (-1 / NULL when the memory is the caller's). */
	int epoll_fd;
	void *map_cons, *map_data;
	size_t page;
};

/*
 * Map the ring buffer @map_fd and watch it for wakeups. Returns: 0, or a
 * negative errno (nothing left open).
 */
int va_ring_open(struct va_ring *r, int map_fd, va_ring_fn fn, void *ctx);

/*
 * Read a ring laid out in memory the caller holds: the consumer and
 * producer positions and @size bytes of data (a power of two, at least 8).
 * What va_ring_open() does after mapping; the unit tests' way in.
 */
void va_ring_init(struct va_ring *r, unsigned long *consumer_pos, const unsigned long *producer_pos,
		  const void *data, size_t size, va_ring_fn fn, void *ctx);

/*
 * Deliver every record submitted so far. Returns: the records delivered, or
 * -EBADMSG for a header whose length cannot be (nothing after it is read),
 * -ENOMEM when a wrapped record found no memory to be joined in (the
 * record is left for the next call).
 */
long va_ring_consume(struct va_ring *r);

/* Wait up to @timeout_ms for a wakeup, then va_ring_consume(). */
long va_ring_poll(struct va_ring *r, int timeout_ms);

/* Unmap and free; accepts a zeroed ring. */
void va_ring_close(struct va_ring *r);

#endif
