// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "event_pack.h"

/* Flags byte. */
#define HAS_DEV	       0x1
#define HAS_INO	       0x2
#define HAS_OPEN_FLAGS 0x4
#define ARGV_TRUNCATED 0x8

static unsigned char *put_u(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

/* Signed values whose usual small magnitudes are negative (-1: unknown, -errno). */
static unsigned char *put_s(unsigned char *p, int64_t v)
{
	return put_u(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static unsigned char *put_bytes(unsigned char *p, const void *s, size_t n)
{
	p = put_u(p, n);
	if (n)
		memcpy(p, s, n);
	return p + n;
}

struct reader {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t get_u(struct reader *r)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		if (r->p == r->end) {
			r->bad = true;
			return 0;
		}
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static int64_t get_s(struct reader *r)
{
	uint64_t v = get_u(r);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static uint32_t get_u32(struct reader *r)
{
	uint64_t v = get_u(r);

	if (v > UINT32_MAX)
		r->bad = true;
	return (uint32_t)v;
}

static struct va_bytes get_bytes(struct reader *r)
{
	uint64_t n = get_u(r);
	struct va_bytes b = { NULL, 0 };

	if (r->bad || n > (uint64_t)(r->end - r->p)) {
		r->bad = true;
		return b;
	}
	b.ptr = (const char *)r->p;
	b.len = (size_t)n;
	r->p += n;
	return b;
}

size_t va_event_pack_size(const struct va_event *ev)
{
	/* An upper bound for the numbers, the exact length of the strings. */
	return VA_EVENT_PACK_MAX + ev->exe.len + ev->path.len + ev->path2.len + ev->argv.len;
}

size_t va_event_pack(unsigned char *out, const struct va_event *ev)
{
	unsigned char *p = out;
	size_t comm_len = strnlen(ev->comm, sizeof(ev->comm) - 1);

	p = put_u(p, ev->seq);
	p = put_u(p, ev->ts_ns);
	p = put_s(p, ev->ret);
	p = put_u(p, ev->mntns);
	p = put_u(p, ev->ino);
	p = put_u(p, ev->count);
	p = put_u(p, ev->bytes);
	p = put_u(p, ev->lost);
	p = put_s(p, ev->size);
	p = put_s(p, ev->owner_uid);
	p = put_s(p, ev->owner_gid);
	p = put_u(p, (uint32_t)ev->op);
	p = put_u(p, (uint32_t)ev->ftype);
	p = put_u(p, ev->pid);
	p = put_u(p, ev->tid);
	p = put_u(p, ev->ppid);
	p = put_u(p, ev->uid);
	p = put_u(p, ev->euid);
	p = put_u(p, ev->gid);
	p = put_u(p, ev->auid);
	p = put_u(p, ev->ses);
	p = put_u(p, ev->tty_dev);
	p = put_u(p, ev->dev_major);
	p = put_u(p, ev->dev_minor);
	*p++ = (unsigned char)((ev->has_dev ? HAS_DEV : 0) | (ev->has_ino ? HAS_INO : 0) |
			       (ev->has_open_flags ? HAS_OPEN_FLAGS : 0) |
			       (ev->argv_truncated ? ARGV_TRUNCATED : 0));
	p = put_u(p, ev->open_flags);
	p = put_u(p, ev->mode);
	p = put_u(p, ev->rename_flags);
	p = put_u(p, ev->path_flags);
	p = put_u(p, ev->path2_flags);
	p = put_bytes(p, ev->comm, comm_len);
	p = put_bytes(p, ev->exe.ptr, ev->exe.len);
	p = put_bytes(p, ev->path.ptr, ev->path.len);
	p = put_bytes(p, ev->path2.ptr, ev->path2.len);
	p = put_bytes(p, ev->argv.ptr, ev->argv.len);
	return (size_t)(p - out);
}

size_t va_event_unpack(const unsigned char *in, size_t len, struct va_event *ev)
{
	struct reader r = { in, in + len, false };
	struct va_bytes comm;
	uint64_t flags;

	memset(ev, 0, sizeof(*ev));
	ev->seq = get_u(&r);
	ev->ts_ns = get_u(&r);
	ev->ret = get_s(&r);
	ev->mntns = get_u(&r);
	ev->ino = get_u(&r);
	ev->count = get_u(&r);
	ev->bytes = get_u(&r);
	ev->lost = get_u(&r);
	ev->size = get_s(&r);
	ev->owner_uid = get_s(&r);
	ev->owner_gid = get_s(&r);
	ev->op = (enum va_op)get_u32(&r);
	ev->ftype = (enum va_ftype)get_u32(&r);
	ev->pid = get_u32(&r);
	ev->tid = get_u32(&r);
	ev->ppid = get_u32(&r);
	ev->uid = get_u32(&r);
	ev->euid = get_u32(&r);
	ev->gid = get_u32(&r);
	ev->auid = get_u32(&r);
	ev->ses = get_u32(&r);
	ev->tty_dev = get_u32(&r);
	ev->dev_major = get_u32(&r);
	ev->dev_minor = get_u32(&r);
	if (r.p == r.end)
		return 0;
	flags = *r.p++;
	ev->has_dev = flags & HAS_DEV;
	ev->has_ino = flags & HAS_INO;
	ev->has_open_flags = flags & HAS_OPEN_FLAGS;
	ev->argv_truncated = flags & ARGV_TRUNCATED;
	ev->open_flags = get_u32(&r);
	ev->mode = get_u32(&r);
	ev->rename_flags = get_u32(&r);
	ev->path_flags = get_u32(&r);
	ev->path2_flags = get_u32(&r);
	comm = get_bytes(&r);
	if (!r.bad && comm.len < sizeof(ev->comm))
		memcpy(ev->comm, comm.ptr, comm.len);
	else
		r.bad = true;
	ev->exe = get_bytes(&r);
	ev->path = get_bytes(&r);
	ev->path2 = get_bytes(&r);
	ev->argv = get_bytes(&r);
	return r.bad ? 0 : (size_t)(r.p - in);
}
