// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backlog.h"

#define LEN_BYTES sizeof(uint32_t)

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

int va_backlog_reserve(struct va_backlog *b, size_t len, unsigned char **p)
{
	size_t need = LEN_BYTES + len;

	if (b->fd < 0)
		return -EBADF;
	if (len > UINT32_MAX || va_backlog_bytes(b) + need > b->max_bytes)
		return -ENOSPC;
	if (b->tail_len && b->tail_len + need > VA_BACKLOG_CHUNK && write_tail(b))
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

long va_backlog_take(struct va_backlog *b, struct va_region *buf, size_t max, size_t *n)
{
	size_t want, got;
	uint32_t len;
	long ret;

	*n = 0;
	if (!b->entries)
		return 0;
	if (b->read_off < b->file_len) {
		/* The file holds the oldest: the tail came after all of it. */
		want = b->file_len - b->read_off < max ? b->file_len - b->read_off : max;
		if (want < LEN_BYTES)
			return -EIO; /* cannot be: only whole entries are written */
		for (;;) {
			if (va_region_reserve(buf, want))
				return -ENOMEM;
			ret = read_at(b->fd, buf->p, want, b->read_off);
			if (ret < 0)
				return ret;
			got = whole_entries(buf->p, want, n);
			if (*n)
				break;
			/* One entry longer than @max: read it whole. */
			memcpy(&len, buf->p, LEN_BYTES);
			if (LEN_BYTES + len > b->file_len - b->read_off)
				return -EIO;
			want = LEN_BYTES + len;
		}
		b->read_off += got;
	} else {
		/* All the file is taken: the tail, straight from memory. */
		if (va_region_reserve(buf, b->tail_len))
			return -ENOMEM;
		memcpy(buf->p, b->tail.p, b->tail_len);
		got = whole_entries(buf->p, b->tail_len, n);
		b->tail_len = 0;
	}
	b->entries -= *n;
	/* All taken: start the file again rather than let it grow for as long as the daemon runs.
	 */
	if (!b->entries && !b->tail_len) {
		if (!ftruncate(b->fd, 0))
			b->file_len = b->read_off = 0;
		va_region_shrink(&b->tail, 64u << 10);
	}
	return (long)got;
}

void va_backlog_close(struct va_backlog *b)
{
	if (b->fd >= 0)
		close(b->fd);
	va_region_free(&b->tail);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}
