// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backlog.h"

#define LEN_BYTES sizeof(uint32_t)
/* Taken bytes are given back to the filesystem this many at a time. */
#define FREE_STEP (8u << 20)

int va_backlog_open(struct va_backlog *b, const char *dir, uint64_t max_bytes)
{
	char path[4096];
	int fd;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	/* Anonymous from the start: nothing to clean up after a crash, nothing for others to open.
	 */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		if (snprintf(path, sizeof(path), "%s/.vfsaudit-backlog.XXXXXX", dir) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		fd = mkostemp(path, O_CLOEXEC); /* 0600 */
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0)
		return -errno;
	b->fd = fd;
	b->max_bytes = max_bytes;
	return 0;
}

uint64_t va_backlog_bytes(const struct va_backlog *b)
{
	return b->file_len - b->read_off + b->tail_len;
}

/* What the bound counts: the file's blocks not given back yet, and the tail. */
static uint64_t held_bytes(const struct va_backlog *b)
{
	return b->file_len - b->freed + b->tail_len;
}

/* Write the tail at the file's end. Returns: 0 or -errno (the tail stays, to be taken from memory).
 */
static int write_tail(struct va_backlog *b)
{
	size_t done = 0;

	while (done < b->tail_len) {
		ssize_t n = pwrite(b->fd, b->tail.p + done, b->tail_len - done,
				   (off_t)(b->file_len + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			b->error = n < 0 ? -errno : -EIO;
			return b->error;
		}
		done += (size_t)n;
	}
	b->file_len += b->tail_len;
	b->tail_len = 0;
	b->error = 0;
	return 0;
}

int va_backlog_reserve(struct va_backlog *b, size_t len, bool force, unsigned char **p)
{
	size_t need = LEN_BYTES + len;

	if (b->fd < 0)
		return -EBADF;
	if (len > UINT32_MAX || (!force && held_bytes(b) + need > b->max_bytes))
		return -ENOSPC;
	if (b->tail_len && b->tail_len + need > VA_BACKLOG_CHUNK && write_tail(b) && !force)
		return -ENOSPC;
	if (va_region_reserve(&b->tail, b->tail_len + need))
		return -ENOMEM;
	*p = b->tail.p + b->tail_len + LEN_BYTES;
	return 0;
}

void va_backlog_commit(struct va_backlog *b, size_t len)
{
	uint32_t n = (uint32_t)len;

	memcpy(b->tail.p + b->tail_len, &n, LEN_BYTES);
	b->tail_len += LEN_BYTES + len;
	b->entries++;
	b->appended++;
}

size_t va_backlog_entry(const unsigned char *buf, size_t off, const unsigned char **p,
			uint32_t *len)
{
	memcpy(len, buf + off, LEN_BYTES);
	*p = buf + off + LEN_BYTES;
	return off + LEN_BYTES + *len;
}

/* The whole entries at the start of @buf's @got bytes: how many, and the bytes they take. */
static size_t whole_entries(const unsigned char *buf, size_t got, size_t *n)
{
	size_t off = 0;

	*n = 0;
	while (got - off >= LEN_BYTES) {
		uint32_t len;

		memcpy(&len, buf + off, LEN_BYTES);
		if (got - off - LEN_BYTES < len)
			break;
		off += LEN_BYTES + len;
		(*n)++;
	}
	return off;
}

static long read_at(int fd, unsigned char *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return (long)done;
}

bool va_backlog_next(const struct va_backlog *b, uint64_t *off, uint64_t *end)
{
	*off = b->read_off;
	*end = b->file_len;
	return b->read_off < b->file_len;
}

long va_backlog_read(int fd, uint64_t off, uint64_t end, struct va_region *buf, size_t max,
		     size_t *n)
{
	size_t want = end - off < max ? (size_t)(end - off) : max, got;
	uint32_t len;
	long ret;

	*n = 0;
	for (;;) {
		if (want < LEN_BYTES)
			return -EIO; /* cannot be: only whole entries are written */
		if (va_region_reserve(buf, want))
			return -ENOMEM;
		ret = read_at(fd, buf->p, want, off);
		if (ret < 0)
			return ret;
		got = whole_entries(buf->p, want, n);
		if (*n)
			return (long)got;
		/* One entry longer than @max: read it whole. */
		memcpy(&len, buf->p, LEN_BYTES);
		if (LEN_BYTES + len > end - off)
			return -EIO;
		want = LEN_BYTES + len;
	}
}

/* All taken: start the file again; else give back what reads have passed. */
static void give_back(struct va_backlog *b)
{
	uint64_t upto = b->read_off & ~(uint64_t)4095;

	if (!b->entries) {
		if (!ftruncate(b->fd, 0))
			b->file_len = b->read_off = b->freed = 0;
		va_region_shrink(&b->tail, 64u << 10);
		return;
	}
	/* Should the filesystem not punch holes, the bound counts the whole file. */
	if (upto - b->freed >= FREE_STEP &&
	    !fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)b->freed,
		       (off_t)(upto - b->freed)))
		b->freed = upto;
}

void va_backlog_consume(struct va_backlog *b, uint64_t bytes, size_t n)
{
	b->read_off += bytes;
	b->entries -= n;
	b->taken += n;
	give_back(b);
}

long va_backlog_take_tail(struct va_backlog *b, struct va_region *buf, size_t *n)
{
	size_t got;

	*n = 0;
	if (va_region_reserve(buf, b->tail_len))
		return -ENOMEM;
	memcpy(buf->p, b->tail.p, b->tail_len);
	got = whole_entries(buf->p, b->tail_len, n);
	b->tail_len = 0;
	b->entries -= *n;
	b->taken += *n;
	give_back(b);
	return (long)got;
}

void va_backlog_clear(struct va_backlog *b)
{
	b->taken += b->entries;
	b->entries = 0;
	b->tail_len = 0;
	b->read_off = b->file_len;
	give_back(b);
}

void va_backlog_close(struct va_backlog *b)
{
	if (b->fd >= 0)
		close(b->fd);
	va_region_free(&b->tail);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}
