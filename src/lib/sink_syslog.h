/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The syslog sinks: the local one (datagrams to /dev/log) and the remote one
 * (RFC 5424 over TCP with RFC 6587 octet counting, or UDP). Each formats in
 * the caller's thread and hands the message to a bounded spool; its own
 * thread sends, so a slow or absent syslog daemon never stalls capture.
 * Messages that find no room are counted, and a "lost" message tells the
 * receiver how many as soon as there is room again.
 */
#ifndef VA_SINK_SYSLOG_H
#define VA_SINK_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "syslog_format.h"
#include "syslog_opts.h"

#define VA_SYSLOG_DEFAULT_SOCKET "/dev/log"

struct va_syslog_sink;

struct va_syslog_sink_stats {
	uint64_t sent;	      /* delivered; over TCP: acknowledged by the peer's kernel */
	uint64_t resent;      /* acknowledged, then sent again after a reset: maybe twice */
	uint64_t lost;	      /* refused (queue and spool full) or dropped at stop */
	uint64_t queued;      /* waiting, in memory and in the spool file */
	uint64_t spool_bytes; /* of those, bytes in the spool file */
	uint64_t mem_bytes;   /* of those, bytes in memory */
	bool connected;
	int last_error; /* -errno of the last failed connect or send; 0 once one works */
};

/**
 * va_syslog_local_open() - the local sink: datagrams (or a stream, where the
 * socket is one) to @socket_path, reconnecting when the daemon restarts.
 * @queue_bytes: memory for messages the daemon has not taken yet.
 *
 * Returns: 0 (the socket may be missing: it is retried); -errno with @err.
 */
int va_syslog_local_open(struct va_syslog_sink **out, const struct va_syslog_id *id,
			 const char *socket_path, enum va_syslog_format fmt, size_t queue_bytes,
			 char *err, size_t errlen);

/**
 * va_syslog_remote_open() - the remote sink, always RFC 5424.
 * @spool_file: where messages go when @queue_bytes of memory are not enough
 *              (NULL or @spool_bytes 0: memory only).
 *
 * Over TCP a message counts as delivered once the peer's kernel has
 * acknowledged its last byte (SIOCOUTQ); after a broken connection every
 * message not acknowledged is sent again, so a peer that restarts gets each
 * message once. A peer that resets the connection may have thrown away
 * bytes it acknowledged (syslog has no application acknowledgement to tell):
 * then the last second's messages go again as well, and may arrive twice.
 *
 * Returns: 0 (the peer may be away: it is retried); -errno with @err.
 */
int va_syslog_remote_open(struct va_syslog_sink **out, const struct va_syslog_id *id,
			  const struct va_syslog_url *url, size_t queue_bytes,
			  const char *spool_file, uint64_t spool_bytes, char *err, size_t errlen);

/* Queue one event's message (any thread). */
void va_syslog_sink_event(struct va_syslog_sink *k, const struct va_event *ev);

/* Queue a seal's message (any thread). */
void va_syslog_sink_seal(struct va_syslog_sink *k, const struct va_seal *seal);

void va_syslog_sink_stats(struct va_syslog_sink *k, struct va_syslog_sink_stats *st);

/**
 * va_syslog_sink_close() - send what is queued (for at most @drain_ms), keep
 * what the remote sink could not send in its spool file for the next start,
 * stop the thread.
 * @final: receives the last stats, NULL allowed. Accepts NULL.
 */
void va_syslog_sink_close(struct va_syslog_sink *k, int drain_ms,
			  struct va_syslog_sink_stats *final);

#endif
