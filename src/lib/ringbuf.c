// SPDX-License-Identifier: GPL-2.0-or-later
/* The reading side of a BPF ring buffer, its data mapped once: ringbuf.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "ringbuf.h"

int va_ringbuf_init(struct va_ringbuf *r, unsigned long *consumer_pos,
		    const unsigned long *producer_pos, const void *data, size_t size,
		    va_ringbuf_fn fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->epoll_fd = -1;
	/*
	 * A mapping of its own, not malloc: its pages become resident only
	 * where a joined record is written, where heap memory freed at start
	 * (libbpf's BTF) is resident already.
	 */
	r->wrap = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->wrap == MAP_FAILED) {
		r->wrap = NULL;
		return -ENOMEM;
	}
	r->consumer_pos = consumer_pos;
	r->producer_pos = producer_pos;
	r->data = data;
	r->size = size;
	r->fn = fn;
	r->ctx = ctx;
	return 0;
}

int va_ringbuf_open(struct va_ringbuf *r, int map_fd, va_ringbuf_fn fn, void *ctx)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct epoll_event ev = { .events = EPOLLIN };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *cons = MAP_FAILED, *data = MAP_FAILED;
	int ep = -1, err;

	memset(r, 0, sizeof(*r));
	r->epoll_fd = -1;
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
	err = va_ringbuf_init(r, cons, data, (unsigned char *)data + page, info.max_entries, fn,
			      ctx);
	if (err)
		goto fail_err;
	r->epoll_fd = ep;
	return 0;

fail:
	err = -errno;
fail_err:
	if (ep >= 0)
		close(ep);
	if (data != MAP_FAILED)
		munmap(data, page + info.max_entries);
	if (cons != MAP_FAILED)
		munmap(cons, page);
	return err;
}

/* A record's bytes in one piece: in place, or joined in r->wrap when it runs past the end. */
static const void *record_at(struct va_ringbuf *r, size_t off, size_t len)
{
	size_t first = r->size - off;

	if (len <= first)
		return r->data + off;
	memcpy(r->wrap, r->data + off, first);
	memcpy(r->wrap + first, r->data, len - first);
	return r->wrap;
}

long va_ringbuf_consume(struct va_ringbuf *r)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE), prod;
	size_t mask = r->size - 1;
	long n = 0;

	/* Again after the last record: more may have come while we delivered. */
	while ((prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE)) > cons) {
		/* The kernel's positions are 8-aligned and never a ring apart: these are not. */
		if (prod - cons > r->size || ((cons | prod) & 7))
			return -EBADMSG;
		while (cons < prod) {
			const __u32 *hdr = (const __u32 *)(r->data + (cons & mask));
			__u32 word = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			size_t len =
				word & ~(__u32)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			size_t total = (len + BPF_RINGBUF_HDR_SZ + 7) & ~(size_t)7;

			/* Reserved, not yet submitted: the records after it wait for it. */
			if (word & BPF_RINGBUF_BUSY_BIT)
				return n;
			/* Reading past what was reserved would give back space in use. */
			if (total > prod - cons)
				return -EBADMSG;
			if (!(word & BPF_RINGBUF_DISCARD_BIT)) {
				size_t off = ((cons & mask) + BPF_RINGBUF_HDR_SZ) & mask;

				r->fn(r->ctx, record_at(r, off, len), len);
				n++;
			}
			cons += total;
			/* Gives the record's space back to the producers. */
			__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
		}
	}
	return n;
}

long va_ringbuf_poll(struct va_ringbuf *r, int timeout_ms)
{
	struct epoll_event ev;

	if (epoll_wait(r->epoll_fd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return va_ringbuf_consume(r);
}

void va_ringbuf_close(struct va_ringbuf *r)
{
	/* Only va_ringbuf_open() maps: the caller's memory has no epoll, a zeroed ring nothing. */
	if (r->epoll_fd >= 0 && r->consumer_pos) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);

		/* The producer's page and the data, then the consumer's page (va_ringbuf_open()). */
		munmap((void *)r->producer_pos, page + r->size);
		munmap(r->consumer_pos, page);
		close(r->epoll_fd);
	}
	if (r->wrap)
		munmap(r->wrap, r->size);
	memset(r, 0, sizeof(*r));
	r->epoll_fd = -1;
}
