/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The syslog sinks' settings vocabulary: FACILITY.LEVEL names as logger(1)
 * spells them, tags, and the remote peer's tcp://HOST:PORT URL. Pure
 * functions: the configuration, the unit tests and the fuzzer call them.
 */
#ifndef VA_SYSLOG_OPTS_H
#define VA_SYSLOG_OPTS_H

#include <stddef.h>

/* RFC 3164 allows 32 characters of TAG; RFC 5424's APP-NAME 48: the stricter one. */
#define VA_SYSLOG_TAG_MAX 32

enum va_syslog_proto {
	VA_SYSLOG_NONE = 0,
	VA_SYSLOG_TCP,
	VA_SYSLOG_UDP,
};

struct va_syslog_url {
	enum va_syslog_proto proto;
	char host[256]; /* a name or an address; IPv6 without its brackets */
	char port[6];	/* "1".."65535" */
};

/**
 * va_syslog_parse_pri() - parse "FACILITY.LEVEL" or "FACILITY" (level info).
 * Facilities: kern, user, mail, daemon, auth (security), syslog, lpr, news,
 * uucp, cron, authpriv, ftp, local0..local7; levels: emerg (panic), alert,
 * crit, err (error), warning (warn), notice, info, debug; any case.
 *
 * Returns: 0 with the RFC 5424 numbers; -EINVAL naming what was wrong in @err.
 */
int va_syslog_parse_pri(const char *s, int *facility, int *severity, char *err, size_t errlen);

/* Returns: the names of a facility and a severity number ("user", "info"), or "?". */
const char *va_syslog_facility_name(int facility);
const char *va_syslog_severity_name(int severity);

/* Returns: RFC 5424's PRI: facility * 8 + severity. */
static inline int va_syslog_pri(int facility, int severity)
{
	return facility * 8 + severity;
}

/**
 * va_syslog_parse_tag() - check a tag: 1 to VA_SYSLOG_TAG_MAX printable ASCII
 * characters without blanks, ':', '[' or ']' (which end a RFC 3164 TAG).
 *
 * Returns: 0, or -EINVAL with the reason in @err.
 */
int va_syslog_parse_tag(const char *s, char *err, size_t errlen);

/**
 * va_syslog_parse_url() - parse "tcp://HOST:PORT" or "udp://HOST:PORT"; HOST
 * is a name, an IPv4 address or a bracketed IPv6 address ("[::1]").
 *
 * Returns: 0; -EINVAL with the reason (the part that is wrong) in @err, and
 * @url untouched.
 */
int va_syslog_parse_url(const char *s, struct va_syslog_url *url, char *err, size_t errlen);

#endif
