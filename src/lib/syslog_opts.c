// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "syslog_opts.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct name {
	const char *name;
	int value;
};

/*
 * glibc's facilitynames, which logger(1) takes. Codes 12 to 15 have no
 * agreed names (rsyslog and syslog-ng disagree), so they are not offered.
 */
static const struct name facilities[] = {
	{ "kern", 0 },	    { "user", 1 },    { "mail", 2 },	{ "daemon", 3 },  { "auth", 4 },
	{ "syslog", 5 },    { "lpr", 6 },     { "news", 7 },	{ "uucp", 8 },	  { "cron", 9 },
	{ "authpriv", 10 }, { "ftp", 11 },    { "local0", 16 }, { "local1", 17 }, { "local2", 18 },
	{ "local3", 19 },   { "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
	{ "security", 4 }, /* glibc's deprecated alias, last so that 4 prints as auth */
};

static const struct name severities[] = {
	{ "emerg", 0 },	  { "alert", 1 },  { "crit", 2 }, { "err", 3 },
	{ "warning", 4 }, { "notice", 5 }, { "info", 6 }, { "debug", 7 },
	{ "panic", 0 },	  { "error", 3 },  { "warn", 4 },
};

static int lookup(const struct name *t, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].name) == len && !strncasecmp(t[i].name, s, len))
			return t[i].value;
	return -1;
}

static const char *name_of(const struct name *t, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return "?";
}

const char *va_syslog_facility_name(int facility)
{
	return name_of(facilities, ARRAY_SIZE(facilities), facility);
}

const char *va_syslog_severity_name(int severity)
{
	return name_of(severities, ARRAY_SIZE(severities), severity);
}

int va_syslog_parse_pri(const char *s, int *facility, int *severity, char *err, size_t errlen)
{
	const char *dot = strchr(s, '.');
	size_t flen = dot ? (size_t)(dot - s) : strlen(s);
	int f = lookup(facilities, ARRAY_SIZE(facilities), s, flen);
	int l = dot ? lookup(severities, ARRAY_SIZE(severities), dot + 1, strlen(dot + 1)) : 6;

	if (f < 0) {
		snprintf(
			err, errlen,
			"unknown facility '%.*s': use kern, user, mail, daemon, auth, syslog, lpr, "
			"news, uucp, cron, authpriv, ftp or local0 to local7",
			(int)(flen > 32 ? 32 : flen), s);
		return -EINVAL;
	}
	if (l < 0) {
		snprintf(
			err, errlen,
			"unknown level '%.32s': use emerg, alert, crit, err, warning, notice, info "
			"or debug",
			dot + 1);
		return -EINVAL;
	}
	*facility = f;
	*severity = l;
	return 0;
}

int va_syslog_parse_tag(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (!n || n > VA_SYSLOG_TAG_MAX) {
		snprintf(err, errlen, "give 1 to %d characters", VA_SYSLOG_TAG_MAX);
		return -EINVAL;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* A receiver ends the tag at ':' or '[' (pid) and at a blank. */
		if (*p <= ' ' || *p >= 0x7f || *p == ':' || *p == '[' || *p == ']') {
			snprintf(err, errlen,
				 "use printable ASCII without blanks, ':', '[' or ']' (letters, "
				 "digits, '-', '_', '.', '/')");
			return -EINVAL;
		}
	}
	return 0;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static bool ipv6_char(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
	       c == ':' || c == '.' || c == '%' || host_char(c); /* %zone names an interface */
}

int va_syslog_parse_url(const char *s, struct va_syslog_url *out, char *err, size_t errlen)
{
	struct va_syslog_url u = { 0 }, *url = &u;
	const char *host, *end, *port;
	size_t hlen;
	uint64_t num;

	if (!strncasecmp(s, "tcp://", 6)) {
		url->proto = VA_SYSLOG_TCP;
	} else if (!strncasecmp(s, "udp://", 6)) {
		url->proto = VA_SYSLOG_UDP;
	} else {
		snprintf(err, errlen, "give tcp://HOST:PORT or udp://HOST:PORT");
		return -EINVAL;
	}
	host = s + 6;
	if (*host == '[') {
		host++;
		end = strchr(host, ']');
		if (!end || end[1] != ':') {
			snprintf(err, errlen,
				 "an IPv6 address goes in brackets with the port after "
				 "them: tcp://[::1]:514");
			return -EINVAL;
		}
		port = end + 2;
		for (const char *p = host; p < end; p++)
			if (!ipv6_char(*p))
				goto bad_host;
	} else {
		end = strrchr(host, ':');
		if (!end) {
			snprintf(err, errlen, "give a port: %s://HOST:PORT (514 is the usual one)",
				 url->proto == VA_SYSLOG_TCP ? "tcp" : "udp");
			return -EINVAL;
		}
		port = end + 1;
		for (const char *p = host; p < end; p++)
			if (!host_char(*p))
				goto bad_host;
	}
	hlen = (size_t)(end - host);
	if (!hlen || hlen >= sizeof(url->host))
		goto bad_host;
	if (va_parse_u64(port, 65535, &num) || !num) {
		snprintf(err, errlen, "bad port '%.16s': give a number from 1 to 65535", port);
		return -EINVAL;
	}
	memcpy(url->host, host, hlen);
	url->host[hlen] = '\0';
	snprintf(url->port, sizeof(url->port), "%u", (unsigned int)num);
	*out = u;
	return 0;
bad_host:
	snprintf(err, errlen, "bad host '%.*s': give a host name or an address",
		 (int)((size_t)(end - host) > 64 ? 64 : (size_t)(end - host)), host);
	return -EINVAL;
}
