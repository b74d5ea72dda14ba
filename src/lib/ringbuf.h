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
typedef void (*va_ringbuf_fn)(void *ctx, const void *rec, size_t len);

struct va_ringbuf {
	unsigned long *consumer_pos;	   /* ours: how far we have read */
	const unsigned long *producer_pos; /* the kernel's: how far it has reserved */
	const unsigned char *data;	   /* size bytes, mapped once */
	size_t size;			   /* a power of two */
	/*
	 * A record that runs past the end, joined: as large as the ring, so
	 * that joining never fails; only the bytes written become resident.
	 */
	unsigned char *wrap;
	va_ringbuf_fn fn;
	void *ctx;
	/* Set by va_ringbuf_open() only: -1 when the memory is the caller's. */
	int epoll_fd;
};

/*
 * Map the ring buffer @map_fd and watch it for wakeups. Returns: 0, or a
 * negative errno (nothing left open; va_ringbuf_close() is still safe).
 */
int va_ringbuf_open(struct va_ringbuf *r, int map_fd, va_ringbuf_fn fn, void *ctx);

/*
 * Read a ring laid out in memory the caller holds: the consumer and
 * producer positions and @size bytes of data (a power of two, at least 8).
 * What va_ringbuf_open() does after mapping; the unit tests' way in.
 * Returns: 0, or -ENOMEM.
 */
int va_ringbuf_init(struct va_ringbuf *r, unsigned long *consumer_pos,
		    const unsigned long *producer_pos, const void *data, size_t size,
		    va_ringbuf_fn fn, void *ctx);

/*
 * Deliver every record submitted so far. Returns: the records delivered,
 * or -EBADMSG for positions or a header length that cannot be (the record
 * and what follows are left unread, and the count of records delivered
 * before it is not told).
 */
long va_ringbuf_consume(struct va_ringbuf *r);

/* Wait up to @timeout_ms for a wakeup, then va_ringbuf_consume(). */
long va_ringbuf_poll(struct va_ringbuf *r, int timeout_ms);

/* Unmap and free; accepts a zeroed ring and one whose open failed. */
void va_ringbuf_close(struct va_ringbuf *r);

#endif
