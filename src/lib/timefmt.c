// SPDX-License-Identifier: GPL-2.0-or-later
/* Time formatting and parsing, in UTC only: an audit record must not depend on TZ. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

#define NSEC_PER_SEC 1000000000ull

int va_time_rfc3339(uint64_t ns_since_epoch, char *buf, size_t len)
{
	time_t secs = (time_t)(ns_since_epoch / NSEC_PER_SEC);
	unsigned int frac = (unsigned int)(ns_since_epoch % NSEC_PER_SEC);
	struct tm tm;

	if (len < VA_RFC3339_SIZE)
		return -ENOSPC;
	/* 64-bit nanoseconds end in 2554: gmtime_r cannot fail for them. */
	if (!gmtime_r(&secs, &tm))
		return -EOVERFLOW;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return 0;
}

/* Reads exactly @n digits at *@p. */
static bool take_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool take_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* Parses "Z", "+HH:MM", "+HHMM" or nothing (UTC) into seconds east of UTC. */
static int parse_zone(const char **p, long *east)
{
	int sign, hh, mm;

	*east = 0;
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return 0;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!take_digits(p, 2, &hh))
		return -EINVAL;
	take_char(p, ':');
	if (!take_digits(p, 2, &mm) || hh > 23 || mm > 59)
		return -EINVAL;
	*east = sign * (hh * 3600L + mm * 60L);
	return 0;
}

static int parse_absolute(const char *s, uint64_t *out_ns)
{
	const char *p = s;
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0;
	uint64_t frac = 0;
	long east = 0;
	time_t t;

	if (!take_digits(&p, 4, &y) || !take_char(&p, '-') || !take_digits(&p, 2, &mo) ||
	    !take_char(&p, '-') || !take_digits(&p, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!take_digits(&p, 2, &h) || !take_char(&p, ':') || !take_digits(&p, 2, &mi))
			return -EINVAL;
		if (take_char(&p, ':')) {
			if (!take_digits(&p, 2, &sec))
				return -EINVAL;
			if (take_char(&p, '.')) {
				int n = 0;

				while (*p >= '0' && *p <= '9' && n < 9) {
					frac = frac * 10 + (uint64_t)(*p++ - '0');
					n++;
				}
				if (!n || (*p >= '0' && *p <= '9'))
					return -EINVAL;
				while (n++ < 9)
					frac *= 10;
			}
		}
		/* 60 is RFC 3339's leap second; timegm carries it into the next minute. */
		if (h > 23 || mi > 59 || sec > 60)
			return -EINVAL;
		if (parse_zone(&p, &east))
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 && y != 1969)
		return -ERANGE;
	t -= east;
	if (t < 0 || (uint64_t)t > (UINT64_MAX - frac) / NSEC_PER_SEC)
		return -ERANGE;
	*out_ns = (uint64_t)t * NSEC_PER_SEC + frac;
	return 0;
}

static int unit_seconds(char c, uint64_t *secs)
{
	switch (c) {
	case 's':
		*secs = 1;
		return 0;
	case 'm':
		*secs = 60;
		return 0;
	case 'h':
		*secs = 3600;
		return 0;
	case 'd':
		*secs = 86400;
		return 0;
	case 'w':
		*secs = 7 * 86400;
		return 0;
	default:
		return -EINVAL;
	}
}

static int parse_duration(const char *s, uint64_t *out_ns)
{
	const uint64_t max_secs = UINT64_MAX / NSEC_PER_SEC;
	uint64_t total = 0;
	const char *p = s;

	do {
		uint64_t v = 0, unit;
		int n = 0;

		for (; *p >= '0' && *p <= '9'; p++, n++) {
			if (v > max_secs)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		/* A bare number has no unit to go by: "90" could mean anything. */
		if (!n || unit_seconds(*p, &unit))
			return -EINVAL;
		p++;
		if (v > max_secs / unit || total > max_secs - v * unit)
			return -ERANGE;
		total += v * unit;
	} while (*p);
	*out_ns = total * NSEC_PER_SEC;
	return 0;
}

int va_parse_when(const char *s, uint64_t now_ns, uint64_t *out_ns)
{
	uint64_t ns;
	int err;

	if (!s || !*s)
		return -EINVAL;
	/* "2026-..." has a '-' at index 4; a duration never does. */
	if (strlen(s) >= 10 && s[4] == '-')
		return parse_absolute(s, out_ns);
	err = parse_duration(s, &ns);
	if (err)
		return err;
	if (ns > now_ns)
		return -ERANGE;
	*out_ns = now_ns - ns;
	return 0;
}
