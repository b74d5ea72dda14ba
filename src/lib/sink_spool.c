// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sink_spool.h"

#define MAGIC	  "VASPOOL1"
#define HDR_SIZE  16 /* MAGIC, then the offset of the first undelivered record */
#define REC_HDR	  4
#define IOV_BATCH 256
/*
 * Recycled messages kept for reuse, and the size new ones get: one size for
 * nearly all (an event's syslog message is a few hundred bytes), so that
 * any kept one fits the next.
 */
#define RECYCLE_KEEP 1024
#define MSG_ROOM     1024

struct va_spool {
	pthread_mutex_t lock;
	/* Under lock: */
	struct va_spool_msg *head, *tail; /* memory, oldest first */
	uint64_t mem_count, mem_bytes;
	uint64_t file_count, file_bytes;
	uint64_t lost;
	int file_error;
	bool waiting;
	size_t mem_max;
	struct va_spool_msg *spare; /* recycled, for the producers */
	size_t spare_count;

	/*
	 * The file, under file_lock (taken before lock): the consumer's, and a
	 * producer's that finds memory full and spills before it would drop.
	 */
	pthread_mutex_t file_lock;
	int fd;
	char path[PATH_MAX];
	uint64_t file_max;
	/*
	 * Physical offsets: records [acked_off, take_off) are out with the peer,
	 * [take_off, write_off) wait. A record's file_end is logical (physical +
	 * base), so that those handed out stay meaningful after the file is
	 * emptied or compacted.
	 */
	uint64_t acked_off, take_off, write_off, base;
	bool header_dirty;
};

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int write_header(struct va_spool *s)
{
	char hdr[HDR_SIZE];

	memcpy(hdr, MAGIC, 8);
	memcpy(hdr + 8, &s->acked_off, 8);
	s->header_dirty = false;
	return write_all(s->fd, hdr, sizeof(hdr), 0);
}

static void set_file_error(struct va_spool *s, int err)
{
	pthread_mutex_lock(&s->lock);
	s->file_error = err;
	pthread_mutex_unlock(&s->lock);
}

/* An earlier run's records, from the header's offset to the last whole record. */
static int load_file(struct va_spool *s, const struct stat *st, char *err, size_t errlen)
{
	char hdr[HDR_SIZE];
	uint64_t off, count = 0, size = (uint64_t)st->st_size;

	if (!size) {
		s->acked_off = s->take_off = s->write_off = HDR_SIZE;
		return write_header(s);
	}
	if (size < HDR_SIZE || read_all(s->fd, hdr, sizeof(hdr), 0) || memcmp(hdr, MAGIC, 8)) {
		snprintf(err, errlen,
			 "%s exists and is not a vfsaudit spool; move it away or give another "
			 "--syslog-spool",
			 s->path);
		return -EINVAL;
	}
	memcpy(&off, hdr + 8, 8);
	if (off < HDR_SIZE || off > size)
		off = HDR_SIZE; /* damaged header: resending beats losing */
	s->acked_off = s->take_off = off;
	for (;;) {
		uint32_t len;

		if (off + REC_HDR > size || read_all(s->fd, &len, sizeof(len), off) || !len ||
		    len > VA_SPOOL_MSG_MAX || off + REC_HDR + len > size)
			break;
		off += REC_HDR + len;
		count++;
	}
	/* A record cut short by a crash or a full disk: drop its bytes. */
	if (off < size && ftruncate(s->fd, (off_t)off))
		return -errno;
	s->write_off = off;
	s->file_count = count;
	s->file_bytes = off - s->acked_off;
	return 0;
}

int va_spool_open(struct va_spool **out, size_t mem_max, const char *file, uint64_t file_max,
		  char *err, size_t errlen)
{
	struct va_spool *s = calloc(1, sizeof(*s));
	struct stat st;
	int ret;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->file_lock, NULL);
	s->fd = -1;
	s->mem_max = mem_max;
	s->file_max = file_max;
	if (file && file_max) {
		snprintf(s->path, sizeof(s->path), "%s", file);
		s->fd = open(file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (s->fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot open the syslog spool %s: %s", file,
				 strerror(errno));
			goto fail;
		}
		if (fstat(s->fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
			snprintf(
				err, errlen,
				"the syslog spool %s is not a regular file of this user; remove it",
				file);
			ret = -EINVAL;
			goto fail;
		}
		/* Two daemons must not send each other's records. */
		if (flock(s->fd, LOCK_EX | LOCK_NB)) {
			snprintf(err, errlen, "the syslog spool %s is in use by another vfsaudit",
				 file);
			ret = -EBUSY;
			goto fail;
		}
		if ((st.st_mode & 07777) != 0600 && fchmod(s->fd, 0600)) {
			ret = -errno;
			snprintf(err, errlen, "chmod 0600 %s: %s", file, strerror(errno));
			goto fail;
		}
		ret = load_file(s, &st, err, errlen);
		if (ret) {
			if (ret != -EINVAL)
				snprintf(err, errlen, "cannot read the syslog spool %s: %s", file,
					 strerror(-ret));
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->file_lock);
	free(s);
	return ret;
}

static void spill(struct va_spool *s);

/* A message of room for @len bytes: a recycled one when it fits (lock held), else NULL. */
static struct va_spool_msg *reuse_locked(struct va_spool *s, size_t len)
{
	struct va_spool_msg *m = s->spare;

	if (!m || m->cap < len)
		return NULL;
	s->spare = m->next;
	s->spare_count--;
	return m;
}

static struct va_spool_msg *new_msg(size_t len)
{
	size_t cap = len < MSG_ROOM ? MSG_ROOM : len;
	struct va_spool_msg *m = len <= VA_SPOOL_MSG_MAX ? malloc(sizeof(*m) + cap) : NULL;

	if (m)
		m->cap = cap;
	return m;
}

int va_spool_push(struct va_spool *s, const char *msg, size_t len, bool count_lost)
{
	struct va_spool_msg *m;
	uint64_t half = s->mem_max / 2;
	int wake = 0;

	pthread_mutex_lock(&s->lock);
	m = reuse_locked(s, len);
	if (!m) {
		pthread_mutex_unlock(&s->lock);
		m = new_msg(len);
		pthread_mutex_lock(&s->lock);
	}
	if (m) {
		m->next = NULL;
		m->file_end = 0;
		m->sent_end = 0;
		m->acked_ns = 0;
		m->len = len;
		memcpy(m->data, msg, len);
	}
	if (m && s->mem_bytes + len > s->mem_max && s->fd >= 0) {
		/*
		 * Memory is full before the consumer spilled (a burst, or a
		 * consumer busy sending): spill here rather than drop. Slow, and
		 * only when the alternative is a loss.
		 */
		pthread_mutex_unlock(&s->lock);
		pthread_mutex_lock(&s->file_lock);
		spill(s);
		pthread_mutex_unlock(&s->file_lock);
		pthread_mutex_lock(&s->lock);
	}
	if (!m || s->mem_bytes + len > s->mem_max) {
		s->lost += count_lost;
		pthread_mutex_unlock(&s->lock);
		free(m);
		return -ENOSPC;
	}
	if (s->tail)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->mem_count++;
	/*
	 * Crossing half: the consumer should spill (or, without a file, send)
	 * now rather than at its next round or after its gathering pause.
	 */
	if (s->mem_bytes <= half && s->mem_bytes + len > half)
		wake = 1;
	s->mem_bytes += len;
	if (s->waiting) {
		s->waiting = false;
		wake = 1;
	}
	pthread_mutex_unlock(&s->lock);
	return wake;
}

/* Everything in the file delivered: start it over, so that it never grows for nothing. */
static void maybe_reset(struct va_spool *s)
{
	if (s->fd < 0 || s->acked_off != s->write_off || s->write_off == HDR_SIZE)
		return;
	s->base += s->write_off - HDR_SIZE;
	s->acked_off = s->take_off = s->write_off = HDR_SIZE;
	if (ftruncate(s->fd, HDR_SIZE) || write_header(s))
		set_file_error(s, -errno);
}

static void drop_file_rest(struct va_spool *s)
{
	pthread_mutex_lock(&s->lock);
	s->lost += s->file_count;
	s->file_count = 0;
	s->file_bytes = 0;
	s->file_error = -EIO;
	pthread_mutex_unlock(&s->lock);
	s->take_off = s->write_off;
}

static struct va_spool_msg *take_file(struct va_spool *s)
{
	struct va_spool_msg *m;
	uint32_t len;

	if (read_all(s->fd, &len, sizeof(len), s->take_off) || !len || len > VA_SPOOL_MSG_MAX ||
	    s->take_off + REC_HDR + len > s->write_off) {
		/* Damaged under us: what is left cannot be trusted, and is counted. */
		drop_file_rest(s);
		return NULL;
	}
	m = malloc(sizeof(*m) + len);
	if (!m)
		return NULL;
	if (read_all(s->fd, m->data, len, s->take_off + REC_HDR)) {
		free(m);
		drop_file_rest(s);
		return NULL;
	}
	m->next = NULL;
	m->sent_end = 0;
	m->acked_ns = 0;
	m->len = len;
	m->cap = len;
	s->take_off += REC_HDR + len;
	m->file_end = s->take_off + s->base;
	pthread_mutex_lock(&s->lock);
	s->file_count--;
	s->file_bytes -= REC_HDR + len;
	pthread_mutex_unlock(&s->lock);
	return m;
}

/* Up to @max of the oldest in memory, linked. */
static struct va_spool_msg *take_mem(struct va_spool *s, size_t max)
{
	struct va_spool_msg *first, *last;
	uint64_t bytes = 0;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	first = last = s->head;
	if (first) {
		for (;;) {
			n++;
			bytes += last->len;
			if (n == max || !last->next)
				break;
			last = last->next;
		}
		s->head = last->next;
		if (!s->head)
			s->tail = NULL;
		last->next = NULL;
		s->mem_count -= n;
		s->mem_bytes -= bytes;
	}
	pthread_mutex_unlock(&s->lock);
	return first;
}

struct va_spool_msg *va_spool_take_many(struct va_spool *s, size_t max)
{
	struct va_spool_msg *m;

	if (!max)
		return NULL;
	if (s->fd < 0)
		return take_mem(s, max);
	/*
	 * file_lock across both: a producer's spill moves the oldest in memory
	 * to the file, and must not do it between the look at the file and the
	 * take from memory (the consumer would skip what was moved).
	 */
	pthread_mutex_lock(&s->file_lock);
	/* The file holds the oldest, one record at a time: the backlog, not the hot path. */
	if (s->take_off < s->write_off)
		m = take_file(s);
	else
		m = take_mem(s, max);
	pthread_mutex_unlock(&s->file_lock);
	return m;
}

struct va_spool_msg *va_spool_take(struct va_spool *s)
{
	return va_spool_take_many(s, 1);
}

void va_spool_recycle(struct va_spool *s, struct va_spool_msg *list)
{
	struct va_spool_msg *m, *next, *extra = NULL;

	if (!list)
		return;
	pthread_mutex_lock(&s->lock);
	for (m = list; m; m = next) {
		next = m->next;
		if (s->spare_count < RECYCLE_KEEP && m->cap >= MSG_ROOM) {
			m->next = s->spare;
			s->spare = m;
			s->spare_count++;
		} else {
			m->next = extra;
			extra = m;
		}
	}
	pthread_mutex_unlock(&s->lock);
	for (m = extra; m; m = next) {
		next = m->next;
		free(m);
	}
}

bool va_spool_idle(struct va_spool *s)
{
	bool idle;

	/* file_lock: no spill between the two looks (as in va_spool_take_many()). */
	if (s->fd >= 0)
		pthread_mutex_lock(&s->file_lock);
	idle = s->fd < 0 || s->take_off == s->write_off;
	if (idle) {
		pthread_mutex_lock(&s->lock);
		idle = !s->head;
		if (idle)
			s->waiting = true;
		pthread_mutex_unlock(&s->lock);
	}
	if (s->fd >= 0)
		pthread_mutex_unlock(&s->file_lock);
	return idle;
}

/* Move the records not yet delivered to the front of a full file. */
static int compact(struct va_spool *s)
{
	uint64_t shift = s->acked_off - HDR_SIZE, from = s->acked_off;
	char buf[65536];
	int ret;

	if (!shift)
		return 0;
	while (from < s->write_off) {
		size_t n = s->write_off - from < sizeof(buf) ? s->write_off - from : sizeof(buf);

		ret = read_all(s->fd, buf, n, from);
		if (!ret)
			ret = write_all(s->fd, buf, n, from - shift);
		if (ret)
			return ret;
		from += n;
	}
	s->base += shift;
	s->take_off -= shift;
	s->write_off -= shift;
	s->acked_off = HDR_SIZE;
	if (ftruncate(s->fd, (off_t)s->write_off))
		return -errno;
	return write_header(s);
}

static void put_back(struct va_spool *s, struct va_spool_msg *first, struct va_spool_msg *last,
		     uint64_t count, uint64_t bytes)
{
	pthread_mutex_lock(&s->lock);
	last->next = s->head;
	s->head = first;
	if (!s->tail)
		s->tail = last;
	s->mem_count += count;
	s->mem_bytes += bytes;
	pthread_mutex_unlock(&s->lock);
}

/* Append @first..@count messages as records. Returns: 0 or -errno (file as it was). */
static int append_records(struct va_spool *s, struct va_spool_msg *first, uint64_t count)
{
	struct iovec iov[2 * IOV_BATCH];
	uint32_t lens[IOV_BATCH];
	uint64_t off = s->write_off;
	struct va_spool_msg *m = first;

	while (count) {
		size_t n = 0, bytes = 0;

		for (; m && count && n < IOV_BATCH; m = m->next, count--, n++) {
			lens[n] = (uint32_t)m->len;
			iov[2 * n] = (struct iovec){ &lens[n], REC_HDR };
			iov[2 * n + 1] = (struct iovec){ m->data, m->len };
			bytes += REC_HDR + m->len;
		}
		for (size_t done = 0; done < bytes;) {
			ssize_t w = pwritev(s->fd, iov, (int)(2 * n), (off_t)(off + done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0 || (size_t)w != bytes - done) {
				/* Short write (disk full): drop the partial record. */
				int e = w < 0 ? errno : ENOSPC;

				if (ftruncate(s->fd, (off_t)s->write_off)) {
					/* the header still bounds what a restart reads */
				}
				return -e;
			}
			done += (size_t)w;
		}
		off += bytes;
	}
	s->write_off = off;
	return 0;
}

void va_spool_spill(struct va_spool *s)
{
	if (s->fd < 0)
		return;
	pthread_mutex_lock(&s->file_lock);
	spill(s);
	pthread_mutex_unlock(&s->file_lock);
}

/* Move the oldest in memory to the file when memory is past half full (file_lock held). */
static void spill(struct va_spool *s)
{
	struct va_spool_msg *first, *last = NULL, *m;
	uint64_t count = 0, bytes = 0, want;
	int ret;

	if (s->fd < 0)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->mem_bytes <= s->mem_max / 2) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	want = s->mem_bytes - s->mem_max / 4;
	pthread_mutex_unlock(&s->lock);
	if (s->write_off + want > s->file_max && s->acked_off > HDR_SIZE) {
		ret = compact(s);
		if (ret) {
			set_file_error(s, ret);
			return;
		}
	}
	/* Detach the oldest messages that fit; the producer goes on appending meanwhile. */
	pthread_mutex_lock(&s->lock);
	first = s->head;
	for (m = first; m && bytes < want; m = m->next) {
		if (s->write_off + bytes + REC_HDR + m->len > s->file_max)
			break;
		bytes += REC_HDR + m->len;
		count++;
		last = m;
	}
	if (!count) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->head = last->next;
	if (!s->head)
		s->tail = NULL;
	last->next = NULL;
	s->mem_count -= count;
	s->mem_bytes -= bytes - count * REC_HDR;
	pthread_mutex_unlock(&s->lock);

	ret = append_records(s, first, count);
	if (ret) {
		set_file_error(s, ret);
		put_back(s, first, last, count, bytes - count * REC_HDR);
		return;
	}
	pthread_mutex_lock(&s->lock);
	s->file_count += count;
	s->file_bytes += bytes;
	s->file_error = 0;
	pthread_mutex_unlock(&s->lock);
	while (first) {
		m = first->next;
		free(first);
		first = m;
	}
}

void va_spool_acked(struct va_spool *s, uint64_t file_end)
{
	uint64_t off;

	if (s->fd < 0 || !file_end)
		return;
	pthread_mutex_lock(&s->file_lock);
	off = file_end > s->base ? file_end - s->base : 0;
	if (off > s->acked_off && off <= s->take_off) {
		s->acked_off = off;
		s->header_dirty = true;
		maybe_reset(s);
	}
	pthread_mutex_unlock(&s->file_lock);
}

void va_spool_sync(struct va_spool *s)
{
	if (s->fd < 0)
		return;
	pthread_mutex_lock(&s->file_lock);
	if (s->header_dirty) {
		int ret = write_header(s);

		if (ret)
			set_file_error(s, ret);
	}
	pthread_mutex_unlock(&s->file_lock);
}

uint64_t va_spool_lost(struct va_spool *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	n = s->lost;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void va_spool_stats(struct va_spool *s, struct va_spool_stats *st)
{
	pthread_mutex_lock(&s->lock);
	st->queued = s->mem_count + s->file_count;
	st->mem_bytes = s->mem_bytes;
	st->lost = s->lost;
	st->file_error = s->file_error;
	st->file_bytes = s->file_bytes;
	pthread_mutex_unlock(&s->lock);
}

/* Messages in a list; @mem_only: only those that did not come from the file. */
static uint64_t count_list(const struct va_spool_msg *m, bool mem_only)
{
	uint64_t n = 0;

	for (; m; m = m->next)
		n += !mem_only || !m->file_end;
	return n;
}

static void free_list(struct va_spool_msg *m)
{
	while (m) {
		struct va_spool_msg *next = m->next;

		free(m);
		m = next;
	}
}

static int write_list(int fd, const struct va_spool_msg *m, uint64_t *off)
{
	for (; m; m = m->next) {
		uint32_t len = (uint32_t)m->len;
		int ret = write_all(fd, &len, sizeof(len), *off);

		if (!ret)
			ret = write_all(fd, m->data, m->len, *off + REC_HDR);
		if (ret)
			return ret;
		*off += REC_HDR + m->len;
	}
	return 0;
}

/* The undelivered, in order, into a new file that then replaces the spool. */
static int persist(struct va_spool *s, const struct va_spool_msg *unsent)
{
	char tmp[PATH_MAX + 8], hdr[HDR_SIZE], buf[65536];
	uint64_t off = HDR_SIZE, first = HDR_SIZE, from = s->take_off;
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	memcpy(hdr, MAGIC, 8);
	memcpy(hdr + 8, &first, 8);
	ret = write_all(fd, hdr, sizeof(hdr), 0);
	if (!ret)
		ret = write_list(fd, unsent, &off);
	while (!ret && from < s->write_off) {
		size_t n = s->write_off - from < sizeof(buf) ? s->write_off - from : sizeof(buf);

		ret = read_all(s->fd, buf, n, from);
		if (!ret)
			ret = write_all(fd, buf, n, off);
		from += n;
		off += n;
	}
	if (!ret)
		ret = write_list(fd, s->head, &off);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, s->path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

uint64_t va_spool_close(struct va_spool *s, struct va_spool_msg *unsent)
{
	uint64_t lost = 0, pending;

	if (!s) {
		lost = count_list(unsent, false);
		free_list(unsent);
		return lost;
	}
	pending = count_list(unsent, false) + s->mem_count;
	if (s->fd >= 0) {
		bool empty = !pending && s->take_off == s->write_off;

		if (empty) {
			unlink(s->path);
		} else if (persist(s, unsent)) {
			/* The old file keeps what came from it; the rest is gone. */
			va_spool_sync(s);
			lost = count_list(unsent, true) + s->mem_count;
		}
		close(s->fd);
	} else {
		lost = pending;
	}
	free_list(unsent);
	free_list(s->head);
	free_list(s->spare);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->file_lock);
	free(s);
	return lost;
}
