// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "region.h"

/* The first mapping: small, since most queues hold a few events at a time. */
#define REGION_MIN (64u << 10)

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) & ~(page - 1);
}

static size_t grown_cap(size_t cap, size_t need)
{
	if (!cap)
		cap = REGION_MIN;
	while (cap < need && cap < VA_REGION_STEP)
		cap *= 2;
	if (cap < need)
		cap = (need + VA_REGION_STEP - 1) / VA_REGION_STEP * VA_REGION_STEP;
	return page_round(cap);
}

int va_region_reserve(struct va_region *r, size_t need)
{
	size_t cap;
	void *p;

	if (need <= r->cap)
		return 0;
	if (need > SIZE_MAX - VA_REGION_STEP)
		return -ENOMEM;
	cap = grown_cap(r->cap, need);
	if (r->p)
		p = mremap(r->p, r->cap, cap, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	r->p = p;
	r->cap = cap;
	return 0;
}

void va_region_shrink(struct va_region *r, size_t keep)
{
	void *p;

	if (!r->p || (keep = page_round(keep)) >= r->cap)
		return;
	if (!keep) {
		va_region_free(r);
		return;
	}
	/* Shrinking in place cannot move; should it fail, the region simply stays as large. */
	p = mremap(r->p, r->cap, keep, 0);
	if (p != MAP_FAILED)
		r->cap = keep;
}

void va_region_free(struct va_region *r)
{
	if (r->p)
		munmap(r->p, r->cap);
	memset(r, 0, sizeof(*r));
}
