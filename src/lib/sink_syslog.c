// SPDX-License-Identifier: GPL-2.0-or-later
/* What the local and the remote syslog sink share. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sink_syslog_priv.h"

uint64_t sink_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int sink_init(struct va_syslog_sink *k, const char *name, enum va_syslog_format fmt,
	      const struct va_syslog_id *id, size_t queue_bytes, const char *spool_file,
	      uint64_t spool_bytes, char *err, size_t errlen)
{
	int ret;

	k->name = name;
	k->fmt = fmt;
	k->id = *id;
	snprintf(k->hostname, sizeof(k->hostname), "%s", id->hostname ? id->hostname : "");
	snprintf(k->tag, sizeof(k->tag), "%s", id->tag ? id->tag : "");
	k->id.hostname = k->hostname;
	k->id.tag = k->tag;
	k->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->wake_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: eventfd: %s", name, strerror(errno));
		return ret;
	}
	ret = va_spool_open(&k->spool, queue_bytes, spool_file, spool_bytes, err, errlen);
	if (ret) {
		close(k->wake_fd);
		return ret;
	}
	pthread_mutex_init(&k->lock, NULL);
	pthread_mutex_init(&k->push_lock, NULL);
	return 0;
}

int sink_start(struct va_syslog_sink *k, void *(*main)(void *), char *err, size_t errlen)
{
	int ret = pthread_create(&k->thread, NULL, main, k);

	if (ret) {
		snprintf(err, errlen, "%s: cannot start its thread: %s", k->name, strerror(ret));
		va_syslog_sink_close(k, 0, NULL);
		return -ret;
	}
	k->started = true;
	/* Named for `top -H` and perf. */
	pthread_setname_np(k->thread, "va-sink");
	return 0;
}

bool sink_stopping(struct va_syslog_sink *k)
{
	bool s;

	pthread_mutex_lock(&k->lock);
	s = k->stopping;
	pthread_mutex_unlock(&k->lock);
	return s;
}

bool sink_done(struct va_syslog_sink *k, bool idle)
{
	bool done;

	pthread_mutex_lock(&k->lock);
	done = k->stopping && (idle || sink_now_ns() >= k->stop_by_ns);
	pthread_mutex_unlock(&k->lock);
	return done;
}

/* As sink_wait(); *@woken tells whether the eventfd fired. */
static short wait_for(struct va_syslog_sink *k, int fd, short events, int timeout_ms, bool *woken)
{
	struct pollfd p[2] = { { .fd = k->wake_fd, .events = POLLIN },
			       { .fd = fd, .events = events } };
	uint64_t v;

	*woken = false;
	if (poll(p, fd >= 0 ? 2 : 1, timeout_ms) <= 0)
		return 0;
	if (p[0].revents) {
		*woken = true;
		if (read(k->wake_fd, &v, sizeof(v)) < 0) {
			/* EAGAIN: another wake-up was read already */
		}
	}
	return fd >= 0 ? p[1].revents : 0;
}

short sink_wait(struct va_syslog_sink *k, int fd, short events, int timeout_ms)
{
	bool woken;

	return wait_for(k, fd, events, timeout_ms, &woken);
}

short sink_wait_idle(struct va_syslog_sink *k, int fd, short events, int timeout_ms)
{
	bool woken;
	short rev = wait_for(k, fd, events, timeout_ms, &woken);

	/* A second wake-up (memory half full, or the stop) ends the pause early. */
	if (woken && !rev && !sink_stopping(k))
		wait_for(k, -1, 0, SINK_GATHER_MS, &woken);
	return rev;
}

/* The target's address, as status names it. */
static const char *sink_target(const struct va_syslog_sink *k)
{
	return k->socket_path[0] ? k->socket_path : k->url.host;
}

/* A target that comes and goes (UDP after ICMP errors, a proxy that accepts and closes) is said at
 * most this often. */
#define SINK_SAY_DOWN_EVERY_NS (60ull * 1000000000ull)

/*
 * Said on stderr (the daemon's log) when the target goes away or cannot be
 * reached, and when it is back: once each, not at every retry, and "not
 * reachable" at most once a minute. Called from the sink's own thread only.
 */
void sink_set_state(struct va_syslog_sink *k, bool connected, int err)
{
	uint64_t now = sink_now_ns();
	bool down = !connected && err && !k->said_down &&
		    (!k->down_said_ns || now - k->down_said_ns >= SINK_SAY_DOWN_EVERY_NS);
	bool up = connected && k->said_down;

	pthread_mutex_lock(&k->lock);
	k->connected = connected;
	k->last_error = err;
	pthread_mutex_unlock(&k->lock);
	if (down)
		fprintf(stderr,
			"vfsaudit: %s sink: %s not reachable (%s); messages wait (in memory, then "
			"in the spool file if one is set) and go when it is back, retried every 2 "
			"s "
			"at most; what does not fit is counted lost\n",
			k->name, sink_target(k), strerror(err < 0 ? -err : err));
	else if (up)
		fprintf(stderr, "vfsaudit: %s sink: %s reachable again\n", k->name, sink_target(k));
	if (down)
		k->down_said_ns = now;
	if (down || up)
		k->said_down = down;
}

void sink_count_sent(struct va_syslog_sink *k, uint64_t n)
{
	pthread_mutex_lock(&k->lock);
	k->sent += n;
	pthread_mutex_unlock(&k->lock);
}

void sink_count_resent(struct va_syslog_sink *k, uint64_t n)
{
	pthread_mutex_lock(&k->lock);
	k->resent += n;
	pthread_mutex_unlock(&k->lock);
}

void sink_count_dropped(struct va_syslog_sink *k, uint64_t n)
{
	pthread_mutex_lock(&k->lock);
	k->dropped += n;
	pthread_mutex_unlock(&k->lock);
}

int sink_backoff(int *failures)
{
	int n = (*failures)++;
	int ms;

	if (!n)
		return 0;
	ms = SINK_BACKOFF_MIN_MS << (n - 1 < 5 ? n - 1 : 5);
	return ms < SINK_BACKOFF_MAX_MS ? ms : SINK_BACKOFF_MAX_MS;
}

void sink_hand_back(struct va_syslog_sink *k, struct va_spool_msg *unsent)
{
	pthread_mutex_lock(&k->lock);
	k->unsent = unsent;
	k->connected = false;
	pthread_mutex_unlock(&k->lock);
}

static void wake(struct va_syslog_sink *k)
{
	uint64_t one = 1;

	if (write(k->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, the thread is awake anyway */
	}
}

/* Queue @msg (NULL: only announce losses), after a loss message when some are unannounced. */
static void push(struct va_syslog_sink *k, const char *msg, size_t len, uint64_t ts_ns)
{
	uint64_t lost;
	int r, w = 0;

	pthread_mutex_lock(&k->push_lock);
	lost = va_spool_lost(k->spool);
	if (lost > k->announced) {
		char *note;
		size_t nlen;

		if (!va_syslog_lost(k->fmt, &k->id, ts_ns, lost - k->announced, k->name, &note,
				    &nlen)) {
			/* Not counted when it finds no room either: it is not an event. */
			r = va_spool_push(k->spool, note, nlen, false);
			if (r >= 0) {
				k->announced = lost;
				w |= r;
			}
			free(note);
		}
	}
	if (msg) {
		r = va_spool_push(k->spool, msg, len, true);
		w |= r > 0;
	}
	pthread_mutex_unlock(&k->push_lock);
	if (w)
		wake(k);
}

void va_syslog_sink_event(struct va_syslog_sink *k, const struct va_event *ev)
{
	if (!k)
		return;
	/* One thread gives the events (the capture's): evbuf needs no lock. */
	if (va_syslog_event_buf(k->fmt, &k->id, ev, VA_SYSLOG_MAX_MSG, &k->evbuf)) {
		sink_count_dropped(k, 1);
		return;
	}
	push(k, k->evbuf.p, k->evbuf.len, ev->ts_ns);
}

void va_syslog_sink_seal(struct va_syslog_sink *k, const struct va_seal *seal)
{
	char *msg;
	size_t len;

	if (!k)
		return;
	if (va_syslog_seal(k->fmt, &k->id, seal, &msg, &len)) {
		sink_count_dropped(k, 1);
		return;
	}
	push(k, msg, len, seal->ts_ns);
	free(msg);
}

void va_syslog_sink_stats(struct va_syslog_sink *k, struct va_syslog_sink_stats *st)
{
	struct va_spool_stats ss;

	memset(st, 0, sizeof(*st));
	if (!k)
		return;
	va_spool_stats(k->spool, &ss);
	pthread_mutex_lock(&k->lock);
	st->sent = k->sent;
	st->resent = k->resent;
	st->lost = ss.lost + k->dropped;
	st->queued = ss.queued;
	st->spool_bytes = ss.file_bytes;
	st->mem_bytes = ss.mem_bytes;
	st->connected = k->connected;
	st->last_error = k->last_error ? k->last_error : ss.file_error;
	pthread_mutex_unlock(&k->lock);
}

void va_syslog_sink_close(struct va_syslog_sink *k, int drain_ms,
			  struct va_syslog_sink_stats *final)
{
	struct va_syslog_sink_stats st;
	uint64_t lost, unsent = 0;

	if (!k) {
		if (final)
			memset(final, 0, sizeof(*final));
		return;
	}
	if (k->started) {
		pthread_mutex_lock(&k->lock);
		k->stopping = true;
		k->stop_by_ns =
			sink_now_ns() + (uint64_t)(drain_ms > 0 ? drain_ms : 0) * 1000000ull;
		pthread_mutex_unlock(&k->lock);
		wake(k);
		pthread_join(k->thread, NULL);
	}
	/* Losses not yet announced go into the spool file, for the next start. */
	if (k->url.proto != VA_SYSLOG_NONE)
		push(k, NULL, 0, (uint64_t)time(NULL) * 1000000000ull);
	va_syslog_sink_stats(k, &st);
	for (struct va_spool_msg *m = k->unsent; m; m = m->next)
		unsent++;
	lost = va_spool_close(k->spool, k->unsent);
	k->unsent = NULL;
	st.lost += lost;
	st.queued = st.queued + unsent - lost; /* kept in the spool file */
	st.spool_bytes = 0;
	st.connected = false;
	if (final)
		*final = st;
	close(k->wake_fd);
	pthread_mutex_destroy(&k->lock);
	pthread_mutex_destroy(&k->push_lock);
	va_strbuf_free(&k->evbuf);
	free(k);
}
