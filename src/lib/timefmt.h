/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Timestamps out (RFC 3339, UTC, nanoseconds) and in (SPEC.md's WHEN). */
#ifndef VA_TIMEFMT_H
#define VA_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-26T13:14:02.123456789Z" and its NUL. */
#define VA_RFC3339_SIZE 31

/**
 * va_time_rfc3339() - format a CLOCK_REALTIME time, always in UTC with nine
 * fraction digits, whatever TZ says. Thread-safe.
 *
 * Returns: 0, or -ENOSPC when @len is below VA_RFC3339_SIZE.
 */
int va_time_rfc3339(uint64_t ns_since_epoch, char *buf, size_t len);

/**
 * va_parse_when() - parse a --since/--until argument.
 * @s: a duration back from @now_ns: a number and a unit s, m, h, d or w,
 *     possibly several ("90s", "15m", "1h30m", "7d", "2w"); or an absolute
 *     time: "2026-11-20" (midnight UTC), "2026-11-20T13:00" or
 *     "2026-11-20T13:00:00" with optional fraction (".5", up to 9 digits)
 *     and zone ("Z", "+01:00", "-0500"; none means UTC). A space may stand
 *     for the 'T'.
 *
 * Returns: 0; -EINVAL for anything else; -ERANGE when the time lies before
 * 1970 or beyond what nanoseconds in 64 bits hold (year 2554).
 */
int va_parse_when(const char *s, uint64_t now_ns, uint64_t *out_ns);

#endif
