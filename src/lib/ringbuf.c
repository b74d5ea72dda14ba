// SPDX-License-Identifier: GPL-2.0-or-later
/* The reading side of a BPF ring buffer, its data mapped once: ringbuf.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "ringbuf.h"

void va_ring_init(struct va_ring *r, unsigned long *consumer_pos, const unsigned long *producer_pos,
		  const void *data, size_t size, va_ring_fn fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->consumer_pos = consumer_pos;
	r->producer_pos = producer_pos;
	r->data = data;
	r->size = size;
	r->fn = fn;
	r->ctx = ctx;
	r->epoll_fd = -1;
}

int va_ring_open(struct va_ring *r, int map_fd, va_ring_fn fn, void *ctx)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct epoll_event ev = { .events = EPOLLIN };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *cons = MAP_FAILED, *data = MAP_FAILED;
	int ep = -1, err;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	/* The consumer position is the only page user space may write. */
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (cons == MAP_FAILED)
		goto fail;
	/* The producer position's page, then the data: once, not twice as libbpf maps it. */
	data = mmap(NULL, page + info.max_entries, PROT_READ, MAP_SHARED, map_fd, (off_t)page);
	if (data == MAP_FAILED)
		goto fail;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, map_fd, &ev))
		goto fail;
	va_ring_init(r, cons, data, (unsigned char *)data + page, info.max_entries, fn, ctx);
	r->epoll_fd = ep;
	r->map_cons = cons;
	r->map_data = data;
	r->page = page;
	return 0;

fail:
	err = -errno;
	if (ep >= 0)
		close(ep);
	if (data != MAP_FAILED)
		munmap(data, page + info.max_entries);
	if (cons != MAP_FAILED)
		munmap(cons, page);
	return err;
}

/* A record's bytes in one piece: in place, or joined in r->wrap when it runs past the end. */
static const void *record_at(struct va_ring *r, size_t off, size_t len)
{
	size_t first;

	if (off + len <= r->size)
		return r->data + off;
	if (len > r->wrap_cap) {
		unsigned char *p = realloc(r->wrap, len);

		if (!p)
			return NULL;
		r->wrap = p;
		r->wrap_cap = len;
	}
	first = r->size - off;
	memcpy(r->wrap, r->data + off, first);
	memcpy(r->wrap + first, r->data, len - first);
	return r->wrap;
}

long va_ring_consume(struct va_ring *r)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE), prod;
	size_t mask = r->size - 1;
	long n = 0;

	/* Again after the last record: more may have come while we delivered. */
	while ((prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE)) != cons) {
		while (cons != prod) {
			const __u32 *hdr = (const __u32 *)(r->data + (cons & mask));
			__u32 word = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			size_t len =
				word & ~(__u32)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			size_t total = (len + BPF_RINGBUF_HDR_SZ + 7) & ~(size_t)7;

			if (word & BPF_RINGBUF_BUSY_BIT)
				return n; /* reserved, not yet submitted: later records wait for it
					   */
			if (total > r->size)
				return -EBADMSG;
			if (!(word & BPF_RINGBUF_DISCARD_BIT)) {
				const void *rec = record_at(
					r, ((cons & mask) + BPF_RINGBUF_HDR_SZ) & mask, len);

				if (!rec)
					return -ENOMEM;
				r->fn(r->ctx, rec, len);
				n++;
			}
			cons += total;
			/* Gives the record's space back to the producers. */
			__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
		}
	}
	return n;
}

long va_ring_poll(struct va_ring *r, int timeout_ms)
{
	struct epoll_event ev;

	if (epoll_wait(r->epoll_fd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return va_ring_consume(r);
}

void va_ring_close(struct va_ring *r)
{
	/* Only va_ring_open() maps: a ring of the caller's memory has nothing here. */
	if (r->map_cons) {
		munmap(r->map_data, r->page + r->size);
		munmap(r->map_cons, r->page);
		close(r->epoll_fd);
	}
	free(r->wrap);
	memset(r, 0, sizeof(*r));
	r->epoll_fd = -1;
}
