/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable buffer in an anonymous mapping of its own, for the writer's
 * queues: it grows without copying (mremap moves pages, not bytes), in steps
 * of at most VA_REGION_STEP so that what is resident follows what is used,
 * and what it gives back goes back to the kernel at once. A malloc'd buffer
 * of the same size would, after glibc raised its mmap threshold past it
 * (libbpf frees the kernel's 5 MiB BTF at start), grow inside the heap and
 * leave each outgrown copy there, resident.
 */
#ifndef VA_REGION_H
#define VA_REGION_H

#include <stddef.h>

/* Growth doubles up to this size, then goes this much at a time. */
#define VA_REGION_STEP (1u << 20)

struct va_region {
	unsigned char *p; /* NULL until the first reserve */
	size_t cap;	  /* bytes mapped */
};

/* Room for @need bytes, keeping those already there. Returns: 0 or -ENOMEM. */
int va_region_reserve(struct va_region *r, size_t need);
/* Give back all but the first @keep bytes (rounded up to a page); keeps the contents there. */
void va_region_shrink(struct va_region *r, size_t keep);
/* Unmap; accepts a zeroed region. */
void va_region_free(struct va_region *r);

#endif
