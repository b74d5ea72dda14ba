/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two syslog sinks share: the spool, the wake-up descriptor, the
 * thread and its stop rules, statistics, reconnection backoff. Each
 * transport (sink_syslog_local.c, sink_syslog_remote.c) brings its thread.
 */
#ifndef VA_SINK_SYSLOG_PRIV_H
#define VA_SINK_SYSLOG_PRIV_H

#include <pthread.h>
#include <sys/un.h>

#include "sink_spool.h"
#include "strbuf.h"
#include "sink_syslog.h"

/* Reconnection: 100 ms, doubling, never more than 2 s apart. */
#define SINK_BACKOFF_MIN_MS 100
#define SINK_BACKOFF_MAX_MS 2000

struct va_syslog_sink {
	const char *name; /* "syslog", "syslog-remote": in loss messages */
	enum va_syslog_format fmt;
	struct va_syslog_id id;
	char hostname[256];
	char tag[VA_SYSLOG_TAG_MAX + 1];
	struct va_spool *spool;
	int wake_fd; /* eventfd: producers and close() wake the thread */
	pthread_t thread;
	bool started;

	/* Producers: a loss is announced before the next message, in order. */
	struct va_strbuf evbuf; /* va_syslog_sink_event()'s, kept between events */
	pthread_mutex_t push_lock;
	uint64_t announced;

	pthread_mutex_t lock; /* what follows */
	bool stopping;
	uint64_t stop_by_ns; /* CLOCK_MONOTONIC: give up sending then */
	uint64_t sent;
	uint64_t resent;  /* acknowledged, and sent again after a reset */
	uint64_t dropped; /* too big to send, or left over at close */
	bool connected;
	bool said_down;	       /* "not reachable" was said on stderr, "reachable again" not yet */
	uint64_t down_said_ns; /* when "not reachable" was last said (sink_now_ns()) */
	int last_error;
	struct va_spool_msg *unsent; /* the thread's undelivered messages, handed back at its end */

	/* The transport's settings. */
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct va_syslog_url url;
};

/* Set up @k's common parts. Returns: 0 or -errno with @err. */
int sink_init(struct va_syslog_sink *k, const char *name, enum va_syslog_format fmt,
	      const struct va_syslog_id *id, size_t queue_bytes, const char *spool_file,
	      uint64_t spool_bytes, char *err, size_t errlen);
/* Start @main on @k, or free @k's common parts. Returns: 0 or -errno with @err. */
int sink_start(struct va_syslog_sink *k, void *(*main)(void *), char *err, size_t errlen);

uint64_t sink_now_ns(void);

/*
 * The thread's stop rule: true once close() asked for a stop and either
 * nothing is left to send (@idle) or its drain time ran out.
 */
bool sink_done(struct va_syslog_sink *k, bool idle);
bool sink_stopping(struct va_syslog_sink *k);

/*
 * Wait up to @timeout_ms for @events on @fd (-1: none) or a wake-up.
 * Returns: @fd's revents (0 on a wake-up or time-out).
 */
short sink_wait(struct va_syslog_sink *k, int fd, short events, int timeout_ms);

/*
 * The same, for a thread with nothing left to send. Woken by a producer, it
 * lets more messages gather for SINK_GATHER_MS before it returns, so that a
 * busy machine costs a wake-up per batch, not per event.
 */
#define SINK_GATHER_MS 10
short sink_wait_idle(struct va_syslog_sink *k, int fd, short events, int timeout_ms);

void sink_set_state(struct va_syslog_sink *k, bool connected, int err);
void sink_count_sent(struct va_syslog_sink *k, uint64_t n);
void sink_count_resent(struct va_syslog_sink *k, uint64_t n);
void sink_count_dropped(struct va_syslog_sink *k, uint64_t n);

/*
 * The delay in ms before the next try, counting @failures in a row (reset
 * to 0 on success): none after the first (a restarted daemon is usually
 * back at once), then SINK_BACKOFF_MIN_MS doubling up to SINK_BACKOFF_MAX_MS.
 */
int sink_backoff(int *failures);

/* The thread hands back what it took and could not deliver. */
void sink_hand_back(struct va_syslog_sink *k, struct va_spool_msg *unsent);

#endif
