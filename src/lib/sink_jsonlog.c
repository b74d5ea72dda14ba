// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "format.h"
#include "sink_jsonlog.h"
#include "strbuf.h"
#include "timefmt.h"

#define FLUSH_BYTES    (64 * 1024) /* write once this much is buffered */
#define BUFFER_MAX     (16u << 20) /* what waits in memory while writes fail */
#define FLUSH_EVERY_NS 1000000000ull

/*
 * The file is written by a thread of the sink's own ("va-jsonlog"), with
 * the lock let go: events are added by the capture thread, which must
 * never wait for a disk (a filesystem frozen for a backup, a slow one)
 * while the kernel's ring buffer fills behind it. Appends go to buf; a
 * write takes buf's bytes as out and writes them, and what a full disk
 * did not take stays at out's front, to go first next time.
 */
struct va_jsonlog {
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* the thread: a full buffer, or the stop */
	pthread_cond_t written; /* a write ended */
	pthread_t thread;
	bool running, stopping;
	bool writing;	   /* out is being written, the lock let go */
	bool write_failed; /* the last write failed: wait a second before the next */
	bool reopen;	   /* asked for by va_jsonlog_reopen(), for the thread to do */
	char path[PATH_MAX];
	int fd;
	char *buf;
	size_t len, cap;
	char *out; /* before buf in the file's order */
	size_t out_len, out_cap;
	uint64_t lines; /* whole lines in out and buf */
	uint64_t last_flush_ns;
	struct va_jsonlog_stats st;
	struct va_strbuf evbuf; /* va_jsonlog_event()'s, kept between events */
	uint64_t last_seq;	/* of the last event line */
	uint64_t uncounted;	/* run lines among the buffer's lines (at its front) */
	bool cut; /* the buffer begins with the rest of a line the file has the start of */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a reader (regular files ignore it). */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		      0600);
	int e;

	/* A FIFO without a reader refuses a non-blocking writer (ENXIO): not a file either. */
	if (fd < 0 && errno == ENXIO && !stat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the JSON log %s is not a regular file", path);
		return -EINVAL;
	}
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open the JSON log %s: %s%s", path, strerror(e),
			 e == ELOOP ? " (it is a symlink: give the real path)" : "");
		return -e;
	}
	/* A FIFO or a device would block the capture loop or go nowhere. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "the JSON log %s is not a regular file", path);
		return -EINVAL;
	}
	return fd;
}

/* Whole lines in @p's @n bytes. */
static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t lines = 0;

	for (const char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	return lines;
}

/*
 * Out's first @done bytes, with @lines whole lines, were written (lock
 * held): count those lines, and keep the rest at out's front. After a
 * short write (disk full) the rest goes first next time: a line cut in two
 * is completed, never followed by another.
 */
static void account_written(struct va_jsonlog *j, size_t done, uint64_t lines)
{
	/* Run lines, at the front, are not events. */
	uint64_t run = lines < j->uncounted ? lines : j->uncounted;

	if (!done)
		return;
	j->cut = j->out[done - 1] != '\n';
	j->uncounted -= run;
	j->st.written += lines - run;
	j->lines -= lines;
	memmove(j->out, j->out + done, j->out_len - done);
	j->out_len -= done;
}

/*
 * Write what waits (lock held; let go for the write itself, one write at a
 * time): out's rest first, then buf's bytes.
 */
static void flush_locked(struct va_jsonlog *j)
{
	while (j->writing)
		pthread_cond_wait(&j->written, &j->lock);
	j->last_flush_ns = mono_ns();
	for (int round = 0; round < 2; round++) {
		size_t done = 0;
		int fd = j->fd, err = 0;
		uint64_t lines;

		if (!j->out_len) {
			char *p = j->out;
			size_t cap = j->out_cap;

			j->out = j->buf;
			j->out_cap = j->cap;
			j->out_len = j->len;
			j->buf = p;
			j->cap = cap;
			j->len = 0;
		}
		if (!j->out_len)
			break;
		/* Out is this thread's until `writing` drops: nobody else moves it. */
		j->writing = true;
		pthread_mutex_unlock(&j->lock);
		while (done < j->out_len) {
			ssize_t n = write(fd, j->out + done, j->out_len - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? -errno : -EIO;
				break;
			}
			done += (size_t)n;
		}
		/* Up to 16 MiB after a thaw: counted before the lock is taken again. */
		lines = count_lines(j->out, done);
		pthread_mutex_lock(&j->lock);
		j->writing = false;
		account_written(j, done, lines);
		pthread_cond_broadcast(&j->written);
		j->write_failed = err != 0;
		if (err) {
			j->st.last_error = err;
			/* What waits stays within BUFFER_MAX, and so does what holds it. */
			if (j->out_cap > 4 * FLUSH_BYTES && j->out_len < j->out_cap / 2) {
				char *p = realloc(j->out, j->out_len > FLUSH_BYTES ? j->out_len
										   : FLUSH_BYTES);

				if (p) {
					j->out = p;
					j->out_cap =
						j->out_len > FLUSH_BYTES ? j->out_len : FLUSH_BYTES;
				}
			}
			return;
		}
		/* A burst's buffer goes back; the usual one is kept for the next swap. */
		if (j->out_cap > 4 * FLUSH_BYTES) {
			free(j->out);
			j->out = NULL;
			j->out_cap = 0;
		}
	}
	/* Every write taken whole: lines added meanwhile may wait, the error is past. */
	j->st.last_error = 0;
}

static void reopen_file(struct va_jsonlog *j);

/*
 * The thread: writes once FLUSH_BYTES wait, or a second after the last
 * write; after a failed write (a full disk) only once a second.
 */
static void *writer_main(void *arg)
{
	struct va_jsonlog *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		uint64_t now = mono_ns(), due = j->last_flush_ns + FLUSH_EVERY_NS;
		struct timespec until;

		/* Before the stop: a reopen asked for just before it is still done. */
		if (j->reopen) {
			j->reopen = false;
			reopen_file(j);
			continue;
		}
		if (j->stopping)
			break;
		if ((j->len >= FLUSH_BYTES && !j->write_failed) ||
		    ((j->len || j->out_len) && now >= due)) {
			flush_locked(j);
			continue;
		}
		if (now >= due)
			due = now + FLUSH_EVERY_NS;
		until.tv_sec = (time_t)(due / 1000000000ull);
		until.tv_nsec = (long)(due % 1000000000ull);
		pthread_cond_timedwait(&j->wake, &j->lock, &until);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* Make room for @n more bytes (lock held). Returns: 0, or -1 past BUFFER_MAX. */
static int reserve_locked(struct va_jsonlog *j, size_t n)
{
	size_t cap = j->cap ? j->cap : FLUSH_BYTES * 2;
	char *nb;

	/* Both buffers count: what waits in memory stays within BUFFER_MAX. */
	if (j->out_len + j->len + n > BUFFER_MAX)
		return -1;
	if (j->len + n <= j->cap)
		return 0;
	while (cap < j->len + n)
		cap *= 2;
	/* What out holds counts too (its allocation may be larger while a write fails). */
	if (cap > BUFFER_MAX - j->out_len)
		cap = BUFFER_MAX - j->out_len;
	nb = realloc(j->buf, cap);
	if (!nb)
		return -1;
	j->buf = nb;
	j->cap = cap;
	return 0;
}

/* Append @n bytes that end in a newline, already counted in lines (lock held). */
static void add_bytes_locked(struct va_jsonlog *j, const char *s, size_t n)
{
	if (reserve_locked(j, n)) {
		j->lines--;
		if (j->uncounted)
			j->uncounted--;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

/* Append one line (lock held); @s without its newline. */
static void add_line_locked(struct va_jsonlog *j, const char *s, size_t n)
{
	if (reserve_locked(j, n + 1)) {
		j->st.lost++;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->buf[j->len + n] = '\n';
	j->len += n + 1;
	j->lines++;
	/* Once, as it crosses: the thread looks again after each write. */
	if (j->len >= FLUSH_BYTES && j->len - (n + 1) < FLUSH_BYTES)
		pthread_cond_signal(&j->wake);
}

/*
 * A run's first or last line: {"start":{"ts","pid"}} or
 * {"stop":{"ts","pid","last_seq"}}, with the buffer empty. Written at once,
 * and not counted as lines written: they are not events. What a full disk
 * did not take waits at the buffer's front, as flush_locked() keeps the
 * rest of a line cut short, so that no line is ever glued to a fragment.
 */
static void write_run_line(struct va_jsonlog *j, const char *what, bool stop)
{
	char ts[VA_RFC3339_SIZE], line[256];
	struct timespec now;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	va_time_rfc3339((uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec, ts,
			sizeof(ts));
	n = snprintf(line, sizeof(line), "{\"%s\":{\"ts\":\"%s\",\"pid\":%d", what, ts,
		     (int)getpid());
	if (stop)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"last_seq\":%llu",
			      (unsigned long long)j->last_seq);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "}}\n");
	j->uncounted++;
	j->lines++;
	add_bytes_locked(j, line, (size_t)n);
	flush_locked(j);
}

/*
 * A file whose last line was cut short (a full disk at the last stop):
 * end it, so that this run's first line stands alone.
 */
static void end_cut_line(int fd)
{
	char self[64], last = '\n';
	struct stat st;
	int rd;

	if (fstat(fd, &st) || st.st_size == 0)
		return;
	/* The file itself, read-only: @fd is write-only, and its path may have moved. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	rd = open(self, O_RDONLY | O_CLOEXEC);
	if (rd < 0)
		return;
	if (pread(rd, &last, 1, st.st_size - 1) == 1 && last != '\n' && write(fd, "\n", 1) != 1) {
		/* Refused: the cut line stays open, and the start line completes it. */
	}
	close(rd);
}

int va_jsonlog_open(struct va_jsonlog **out, const char *path, char *err, size_t errlen)
{
	struct va_jsonlog *j = calloc(1, sizeof(*j));
	pthread_condattr_t cattr;
	int ret;

	if (!j)
		return -ENOMEM;
	if (strlen(path) >= sizeof(j->path)) {
		free(j);
		snprintf(err, errlen, "json-log: path too long");
		return -ENAMETOOLONG;
	}
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->fd = open_file(path, err, errlen);
	if (j->fd < 0) {
		ret = j->fd;
		free(j);
		return ret;
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&j->wake, &cattr);
	pthread_cond_init(&j->written, &cattr);
	pthread_condattr_destroy(&cattr);
	j->last_flush_ns = mono_ns();
	/* First: without its thread the sink does not start, and writes no line at all. */
	ret = pthread_create(&j->thread, NULL, writer_main, j);
	if (ret) {
		snprintf(err, errlen, "json-log: no thread to write %s: %s", path, strerror(ret));
		close(j->fd);
		pthread_cond_destroy(&j->wake);
		pthread_cond_destroy(&j->written);
		pthread_mutex_destroy(&j->lock);
		free(j);
		return -ret;
	}
	pthread_setname_np(j->thread, "va-jsonlog");
	j->running = true;
	/* Each run numbers its events from 1: the line says where it begins. */
	end_cut_line(j->fd);
	pthread_mutex_lock(&j->lock);
	write_run_line(j, "start", false);
	pthread_mutex_unlock(&j->lock);
	*out = j;
	return 0;
}

static void add_json(struct va_jsonlog *j, struct json_object *o)
{
	const char *s;
	size_t n;

	pthread_mutex_lock(&j->lock);
	s = o ? json_object_to_json_string_length(
			o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n)
	      : NULL;
	if (s)
		add_line_locked(j, s, n);
	else
		j->st.lost++;
	pthread_mutex_unlock(&j->lock);
	json_object_put(o);
}

void va_jsonlog_event(struct va_jsonlog *j, const struct va_event *ev)
{
	struct va_strbuf *b;

	if (!j)
		return;
	/*
	 * One thread gives the events (the capture's), so evbuf needs no lock;
	 * formatting outside it spares the writer thread's seals the wait.
	 */
	b = &j->evbuf;
	va_strbuf_clear(b);
	va_event_json(b, ev);
	pthread_mutex_lock(&j->lock);
	if (b->failed)
		j->st.lost++;
	else
		add_line_locked(j, b->p, b->len);
	j->last_seq = ev->seq;
	pthread_mutex_unlock(&j->lock);
}

void va_jsonlog_seal(struct va_jsonlog *j, const struct va_seal *seal)
{
	char ts[VA_RFC3339_SIZE];
	struct json_object *o, *in;

	if (!j)
		return;
	o = json_object_new_object();
	in = json_object_new_object();
	if (!o || !in) {
		json_object_put(o);
		json_object_put(in);
		add_json(j, NULL);
		return;
	}
	va_time_rfc3339(seal->ts_ns, ts, sizeof(ts));
	json_object_object_add(in, "seq", json_object_new_uint64(seal->seq));
	json_object_object_add(in, "ts", json_object_new_string(ts));
	json_object_object_add(in, "epoch", json_object_new_uint64(seal->epoch));
	json_object_object_add(in, "event_seq", json_object_new_uint64(seal->event_seq));
	json_object_object_add(in, "head",
			       json_object_new_string(seal->head_hex ? seal->head_hex : ""));
	json_object_object_add(in, "mac",
			       json_object_new_string(seal->mac_hex ? seal->mac_hex : ""));
	json_object_object_add(o, "seal", in);
	add_json(j, o);
}

/*
 * Forget the rest of the line the disk cut short in the file being left
 * (lock held): written to another file, it would begin that one with a
 * fragment. The line is lost (unless a run line).
 */
static void drop_cut_rest(struct va_jsonlog *j)
{
	/* A cut line's rest is at out's front: flush_locked() left it there. */
	const char *nl = j->cut ? memchr(j->out, '\n', j->out_len) : NULL;
	size_t n;

	if (!nl)
		return;
	n = (size_t)(nl + 1 - j->out);
	memmove(j->out, j->out + n, j->out_len - n);
	j->out_len -= n;
	j->lines--;
	if (j->uncounted)
		j->uncounted--;
	else
		j->st.lost++;
	j->cut = false;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * SIGHUP's reopen, on this thread: what waits goes to the file in use, then
 * the path is opened again. The lock is held but let go for each step that
 * touches a disk (a stalled filesystem may hold one up), so that appends
 * never wait for one; only this thread reads or swaps j->fd meanwhile.
 * The outcome is told on stderr (the daemon's log) and in the stats.
 */
static void reopen_file(struct va_jsonlog *j)
{
	char err[512];
	bool rotated;
	int fd, old;

	flush_locked(j);
	pthread_mutex_unlock(&j->lock);
	fd = open_file(j->path, err, sizeof(err));
	/* Rotated (not merely reopened): the new file starts on a whole line. */
	rotated = fd >= 0 && !same_file(j->fd, fd);
	if (rotated)
		end_cut_line(fd);
	pthread_mutex_lock(&j->lock);
	if (fd < 0) {
		j->st.last_error = fd;
		j->st.reopens++;
		pthread_mutex_unlock(&j->lock);
		fprintf(stderr,
			"vfsaudit: reopening the JSON log: %s; still writing the old file\n", err);
		pthread_mutex_lock(&j->lock);
		return;
	}
	/* Lines added during the open are the old file's: they came before the swap. */
	flush_locked(j);
	if (rotated)
		drop_cut_rest(j);
	old = j->fd;
	j->fd = fd;
	j->st.reopens++; /* after the swap: what comes now goes to the new file */
	pthread_mutex_unlock(&j->lock);
	close(old); /* no write is in flight on it: flush_locked() waited for them */
	pthread_mutex_lock(&j->lock);
}

void va_jsonlog_reopen(struct va_jsonlog *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	/* The thread does it: the caller (capture) never waits for a disk. */
	j->reopen = true;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
}

void va_jsonlog_stats(struct va_jsonlog *j, struct va_jsonlog_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	*st = j->st;
	st->queued = j->lines - j->uncounted; /* events and seals */
	pthread_mutex_unlock(&j->lock);
}

void va_jsonlog_close(struct va_jsonlog *j, struct va_jsonlog_stats *final)
{
	if (!j) {
		if (final)
			memset(final, 0, sizeof(*final));
		return;
	}
	pthread_mutex_lock(&j->lock);
	if (j->running) {
		j->stopping = true;
		pthread_cond_signal(&j->wake);
		pthread_mutex_unlock(&j->lock);
		pthread_join(j->thread, NULL);
		pthread_mutex_lock(&j->lock);
	}
	flush_locked(j);
	/* After whole lines only: never glued to one the disk cut short. */
	if (!j->len && !j->out_len)
		write_run_line(j, "stop", true);
	/* What the disk would still not take is lost now (events and seals). */
	j->st.lost += j->lines - j->uncounted;
	j->lines = 0;
	j->st.queued = 0;
	if (final)
		*final = j->st;
	pthread_mutex_unlock(&j->lock);
	close(j->fd);
	pthread_cond_destroy(&j->wake);
	pthread_cond_destroy(&j->written);
	pthread_mutex_destroy(&j->lock);
	va_strbuf_free(&j->evbuf);
	free(j->buf);
	free(j->out);
	free(j);
}
