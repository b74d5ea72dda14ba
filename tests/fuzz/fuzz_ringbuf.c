// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ring buffer reader over any bytes: the producer and consumer
 * positions and a 256-byte data area taken from the input. Whatever the
 * headers say, it must read nothing outside the ring, give back no space
 * past the producer position, and stop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ringbuf.h"

#define FUZZ_RING 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(void *ctx, const void *rec, size_t len)
{
	const unsigned char *p = rec;
	unsigned *sum = ctx;

	/* Every byte read: the sanitizer sees any read past the ring or the join buffer. */
	for (size_t i = 0; i < len; i++)
		*sum += p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long pos[2] = { 0, 0 }, start[2]; /* consumer, producer */
	unsigned char *ring = calloc(1, FUZZ_RING);
	struct va_ringbuf r;
	unsigned sum = 0;
	long n;

	if (!ring)
		return 0;
	memcpy(pos, data, size < sizeof(pos) ? size : sizeof(pos));
	if (size > sizeof(pos))
		memcpy(ring, data + sizeof(pos),
		       size - sizeof(pos) < FUZZ_RING ? size - sizeof(pos) : FUZZ_RING);
	memcpy(start, pos, sizeof(pos));
	if (va_ringbuf_init(&r, &pos[0], &pos[1], ring, FUZZ_RING, touch, &sum)) {
		free(ring);
		return 0;
	}
	n = va_ringbuf_consume(&r);
	/* Space given back only forwards, and never past what was reserved. */
	if (pos[0] < start[0] || (start[0] <= start[1] && pos[0] > start[1]))
		abort();
	/* A record takes 8 bytes at least, and no more than the ring is read. */
	if (n > (long)(FUZZ_RING / 8))
		abort();
	va_ringbuf_close(&r);
	free(ring);
	return 0;
}
