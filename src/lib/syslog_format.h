/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Syslog messages: RFC 5424 with the event's fields as STRUCTURED-DATA, and
 * the RFC 3164 form local syslog daemons parse on /dev/log (what syslog(3)
 * and logger(1) send). Pure functions of an event, shared by the local and
 * the remote sink, unit-tested and fuzzed.
 *
 * The message text is the event's text form (SPEC.md), so a syslog line
 * reads like `vfsaudit watch`. In RFC 5424 the SD-ELEMENT "vfsaudit@32473"
 * carries the fields under their JSON names; 32473 is the Private Enterprise
 * Number IANA reserves for documentation (RFC 5612), used until vfsaudit has
 * one of its own.
 */
#ifndef VA_SYSLOG_FORMAT_H
#define VA_SYSLOG_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

struct va_strbuf;

#define VA_SYSLOG_SD_ID	     "vfsaudit@32473"
#define VA_SYSLOG_SEAL_SD_ID "vfsauditSeal@32473"

/*
 * Longest message built: rsyslog's default maxMessageSize is 8096 octets and
 * it cuts longer ones, which would leave the STRUCTURED-DATA unparseable. A
 * longer event has its longest values shortened instead (truncated="true").
 */
#define VA_SYSLOG_MAX_MSG 8000

enum va_syslog_format {
	VA_SYSLOG_3164,
	VA_SYSLOG_5424,
};

/* Who sends: the header fields every message shares. */
struct va_syslog_id {
	int facility, severity;
	const char *hostname; /* RFC 5424 HOSTNAME; NULL or "" writes "-" */
	const char *tag;      /* APP-NAME, or RFC 3164 TAG */
	uint32_t pid;	      /* PROCID: the daemon's pid */
};

/* A seal of the store's hash chain (SPEC.md "Tamper evidence"). */
struct va_seal {
	uint64_t seq, ts_ns, epoch;
	uint64_t event_seq; /* the last event it covers, by the events' own seq (0: none) */
	const char *head_hex, *mac_hex;
};

/**
 * va_syslog_event() - the message for one event.
 * @max: longest message wanted (0: VA_SYSLOG_MAX_MSG); at least 512.
 *
 * RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG` with
 * the event's time in UTC to the microsecond, MSGID the op ("write"). RFC
 * 3164: `<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG` in local time, as syslog(3).
 * No newline at the end.
 *
 * Returns: 0 with a malloc'd message in @out (NUL-terminated) and its length
 * in @len; -ENOMEM.
 */
int va_syslog_event(enum va_syslog_format fmt, const struct va_syslog_id *id,
		    const struct va_event *ev, size_t max, char **out, size_t *len);

/* The same, written over @out (a buffer kept from one event to the next). Returns: 0, -ENOMEM. */
int va_syslog_event_buf(enum va_syslog_format fmt, const struct va_syslog_id *id,
			const struct va_event *ev, size_t max, struct va_strbuf *out);

/* A seal: MSGID "seal", SD-ELEMENT "vfsauditSeal@32473". Returns: as va_syslog_event(). */
int va_syslog_seal(enum va_syslog_format fmt, const struct va_syslog_id *id,
		   const struct va_seal *seal, char **out, size_t *len);

/*
 * How many events a sink could not pass on (its queue was full): MSGID
 * "lost", SD op="lost" lost="N" sink="NAME", at @ts_ns. Returns: as
 * va_syslog_event().
 */
int va_syslog_lost(enum va_syslog_format fmt, const struct va_syslog_id *id, uint64_t ts_ns,
		   uint64_t n, const char *sink, char **out, size_t *len);

/* Appends @len bytes as an RFC 5424 PARAM-VALUE: '"', '\\' and ']' get a backslash. */
void va_syslog_sd_escape(struct va_strbuf *out, const char *s, size_t len);

/**
 * va_syslog_frame() - RFC 6587 octet counting: "MSG-LEN SP" for a message of
 * @msg_len octets, into @buf.
 *
 * Returns: the prefix's length, or -ENOSPC when @len is too small (24 always do).
 */
int va_syslog_frame(size_t msg_len, char *buf, size_t len);

#endif
