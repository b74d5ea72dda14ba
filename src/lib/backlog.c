// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backlog.h"

#define LEN_BYTES sizeof(uint32_t)
/* Taken bytes are given back to the filesystem this many at a time. */
#define FREE_STEP (8u << 20)
/* After a failed write the spill thread tries again this much later. */
#define RETRY_MS 200

static void *spill_main(void *arg);

int va_backlog_open(struct va_backlog *b, const char *dir, uint64_t max_bytes,
		    pthread_mutex_t *lock)
{
	pthread_condattr_t cattr;
	char path[4096];
	int fd, err;

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
	b->lock = lock;
	b->max_bytes = max_bytes;
	/* The retry's wait is measured on the monotonic clock, as the writer's are. */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&b->wake, &cattr);
	pthread_cond_init(&b->done, &cattr);
	pthread_condattr_destroy(&cattr);
	err = pthread_create(&b->thread, NULL, spill_main, b);
	if (err) {
		pthread_cond_destroy(&b->wake);
		pthread_cond_destroy(&b->done);
		close(fd);
		memset(b, 0, sizeof(*b));
		b->fd = -1;
		return -err;
	}
	pthread_setname_np(b->thread, "va-backlog");
	b->running = true;
	b->fd = fd;
	return 0;
}

uint64_t va_backlog_bytes(const struct va_backlog *b)
{
	return b->file_len - b->read_off + b->pending_bytes + b->tail_len;
}

/* What the bound counts: the file's blocks not given back yet, and memory's. */
static uint64_t held_bytes(const struct va_backlog *b)
{
	return b->file_len - b->freed + b->pending_bytes + b->tail_len;
}

static int write_at(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Forget the oldest chunk; its memory goes back to the kernel. */
static void pop_chunk(struct va_backlog *b)
{
	struct va_backlog_chunk *c = &b->pending[b->first];

	b->pending_bytes -= c->len;
	c->len = 0;
	va_region_free(&c->buf);
	b->first = (b->first + 1) % VA_BACKLOG_PENDING;
	b->count--;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* RETRY_MS, or until the backlog closes (lock held, let go meanwhile). */
static void wait_retry(struct va_backlog *b)
{
	uint64_t until = mono_ns() + RETRY_MS * 1000000ull;

	while (!b->closing && mono_ns() < until) {
		struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
				       .tv_nsec = (long)(until % 1000000000ull) };

		pthread_cond_timedwait(&b->wake, b->lock, &ts);
	}
}

/*
 * The spill thread: the oldest full chunk to the file's end, with the lock
 * let go. The chunk stays in pending[] while it is written, so that a
 * reader finds it, in its place, in the file or (should the write fail)
 * in memory; nothing else moves the file's end meanwhile (a truncation
 * is only made when nothing waits, and holds the next write back).
 */
static void *spill_main(void *arg)
{
	struct va_backlog *b = arg;

	pthread_mutex_lock(b->lock);
	for (;;) {
		struct va_backlog_chunk *c;
		uint64_t off;
		int fd, ret;

		while (!b->closing && (!b->count || b->truncating))
			pthread_cond_wait(&b->wake, b->lock);
		if (b->closing)
			break;
		c = &b->pending[b->first];
		off = b->file_len;
		fd = b->fd;
		b->spilling = true;
		pthread_mutex_unlock(b->lock);
		ret = write_at(fd, c->buf.p, c->len, off);
		/* What a short write left past the end would hold disk the bound does not count. */
		if (ret && ftruncate(fd, (off_t)off)) {
			/* Then the next write covers it, or the truncation once all is taken. */
		}
		pthread_mutex_lock(b->lock);
		b->spilling = false;
		b->error = ret;
		if (!ret) {
			b->file_len += c->len;
			pop_chunk(b);
		}
		pthread_cond_broadcast(&b->done);
		/*
		 * Disk full, or no such file: the chunks stay in memory for the
		 * reader meanwhile, and the write is tried again RETRY_MS later
		 * (a chunk handed over meanwhile does not hasten it).
		 */
		if (ret)
			wait_retry(b);
	}
	pthread_mutex_unlock(b->lock);
	return NULL;
}

/* The tail, full, to the spill thread. Returns: 0, or -ENOSPC when its room is full. */
static int hand_over(struct va_backlog *b)
{
	struct va_backlog_chunk *c;

	if (b->count == VA_BACKLOG_PENDING)
		return -ENOSPC;
	c = &b->pending[(b->first + b->count) % VA_BACKLOG_PENDING];
	/* The slot's region is empty (popped): the tail starts a fresh one. */
	va_region_free(&c->buf);
	c->buf = b->tail;
	c->len = b->tail_len;
	memset(&b->tail, 0, sizeof(b->tail));
	b->tail_len = 0;
	b->pending_bytes += c->len;
	b->count++;
	pthread_cond_signal(&b->wake);
	return 0;
}

int va_backlog_reserve(struct va_backlog *b, size_t len, bool force, unsigned char **p)
{
	size_t need = LEN_BYTES + len;

	if (b->fd < 0 || b->closing)
		return -EBADF;
	if (len > UINT32_MAX - LEN_BYTES || (!force && held_bytes(b) + need > b->max_bytes))
		return -ENOSPC;
	if (b->tail_len && b->tail_len + need > VA_BACKLOG_CHUNK && hand_over(b) && !force)
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

enum va_backlog_where va_backlog_next(struct va_backlog *b, uint64_t *off, uint64_t *end)
{
	/* The file holds what is older than the chunk being written: that goes first. */
	while (b->entries && b->spilling && b->read_off == b->file_len)
		pthread_cond_wait(&b->done, b->lock);
	*off = b->read_off;
	*end = b->file_len;
	if (!b->entries)
		return VA_BACKLOG_EMPTY;
	return b->read_off < b->file_len ? VA_BACKLOG_IN_FILE : VA_BACKLOG_IN_MEMORY;
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

void va_backlog_consume(struct va_backlog *b, uint64_t bytes, size_t n)
{
	b->read_off += bytes;
	b->entries -= n;
	b->taken += n;
}

long va_backlog_take_memory(struct va_backlog *b, struct va_region *buf, size_t *n)
{
	/* The oldest chunk, unless it is being written: va_backlog_next() waited for that. */
	bool chunk = b->count > 0;
	const struct va_region *src = chunk ? &b->pending[b->first].buf : &b->tail;
	size_t len = chunk ? b->pending[b->first].len : b->tail_len, got;

	*n = 0;
	if (chunk && b->spilling)
		return -EBUSY; /* cannot be */
	if (va_region_reserve(buf, len))
		return -ENOMEM;
	memcpy(buf->p, src->p, len);
	got = whole_entries(buf->p, len, n);
	if (chunk)
		pop_chunk(b);
	else
		b->tail_len = 0;
	b->entries -= *n;
	b->taken += *n;
	return (long)got;
}

void va_backlog_tidy(struct va_backlog *b)
{
	uint64_t upto = b->read_off & ~(uint64_t)4095, from = b->freed;
	int fd = b->fd, ret;

	if (fd < 0 || b->closing)
		return;
	if (!b->entries) {
		/* Nothing waits, none of it in a chunk being written: the file starts again. */
		va_region_shrink(&b->tail, 64u << 10);
		if (!b->file_len)
			return;
		b->truncating = true;
		pthread_mutex_unlock(b->lock);
		ret = ftruncate(fd, 0);
		pthread_mutex_lock(b->lock);
		b->truncating = false;
		/* What came meanwhile waited in memory. */
		if (!ret)
			b->file_len = b->read_off = b->freed = 0;
		pthread_cond_signal(&b->wake);
		pthread_cond_broadcast(&b->done);
		return;
	}
	/*
	 * Appends go past the end, reads past read_off: nobody touches the
	 * range. Should the filesystem not punch holes, the bound counts the
	 * whole file.
	 */
	if (upto - from < FREE_STEP)
		return;
	b->punching = true;
	pthread_mutex_unlock(b->lock);
	ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from,
			(off_t)(upto - from));
	pthread_mutex_lock(b->lock);
	b->punching = false;
	if (!ret)
		b->freed = upto;
	pthread_cond_broadcast(&b->done);
}

/* Drop what waits in memory, the chunk being written excepted. */
static void drop_memory(struct va_backlog *b)
{
	while (b->count)
		pop_chunk(b);
	b->tail_len = 0;
}

void va_backlog_settle(struct va_backlog *b)
{
	while (b->spilling)
		pthread_cond_wait(&b->done, b->lock);
}

void va_backlog_clear(struct va_backlog *b)
{
	/* Never dropped while being written; after va_backlog_settle() this does not wait. */
	va_backlog_settle(b);
	drop_memory(b);
	b->taken += b->entries;
	b->entries = 0;
	b->read_off = b->file_len;
	va_backlog_tidy(b);
}

void va_backlog_close(struct va_backlog *b)
{
	if (b->running) {
		b->closing = true;
		/* The reader's truncation or punch uses the descriptor with the lock let go. */
		while (b->truncating || b->punching)
			pthread_cond_wait(&b->done, b->lock);
		pthread_cond_signal(&b->wake);
		pthread_mutex_unlock(b->lock);
		pthread_join(b->thread, NULL);
		pthread_mutex_lock(b->lock);
		pthread_cond_destroy(&b->wake);
		pthread_cond_destroy(&b->done);
	}
	if (b->fd >= 0)
		close(b->fd);
	drop_memory(b);
	va_region_free(&b->tail);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}
