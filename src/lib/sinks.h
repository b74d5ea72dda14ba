/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's sinks besides the store: local syslog, remote syslog and the
 * JSON log, opened from the configuration and fed every event. Each keeps
 * count of what it delivered and what it lost; the daemon shows the counts
 * in `status` and records losses in the store.
 *
 * va_sinks_event() and va_sinks_seal() may be called from different
 * threads; the rest from the daemon's main thread.
 */
#ifndef VA_SINKS_H
#define VA_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "syslog_format.h"
#include "event.h"

struct va_sinks;

struct va_sink_stats {
	bool enabled;
	uint64_t sent;	      /* delivered (JSON log: lines written) */
	uint64_t resent;      /* remote: acknowledged, sent again after a reset (maybe twice) */
	uint64_t lost;	      /* could not be delivered: counted, never silent */
	uint64_t queued;      /* waiting (memory and spool file) */
	uint64_t spool_bytes; /* remote: bytes in the spool file */
	bool connected;	      /* syslog sinks: the socket or peer is there */
	int error;	      /* -errno of the last failure, 0 once it works again */
};

struct va_sinks_stats {
	struct va_sink_stats syslog, remote, json_log;
};

/**
 * va_sinks_open() - open the sinks @cfg names (none is fine).
 *
 * A syslog daemon or peer that is not there yet is no error: its sink
 * retries. Returns: 0; -errno with @err naming the sink and what to do.
 */
int va_sinks_open(struct va_sinks **out, const struct va_config *cfg, char *err, size_t errlen);

/* Hand @ev to every sink (it is copied or formatted before this returns). */
void va_sinks_event(struct va_sinks *s, const struct va_event *ev);

/**
 * va_sinks_seal() - publish a seal of the store's hash chain: one syslog
 * message (MSGID "seal", SD-ELEMENT vfsauditSeal@32473 with seq, epoch,
 * event_seq, head and mac) to each syslog sink, and a {"seal":{...}} line to the JSON
 * log, so that a copy outside the machine proves what the chain held.
 */
void va_sinks_seal(struct va_sinks *s, const struct va_seal *seal);

/* SIGHUP: have the JSON log reopened (logrotate), by its own thread. */
void va_sinks_reopen(struct va_sinks *s);

void va_sinks_stats(struct va_sinks *s, struct va_sinks_stats *st);

/**
 * va_sinks_close() - deliver what is queued (a couple of seconds at most),
 * keep what the remote peer could not take in the spool file, close.
 * @final: the last counts (what was lost at the close included). Accepts NULL.
 */
void va_sinks_close(struct va_sinks *s, struct va_sinks_stats *final);

#endif
