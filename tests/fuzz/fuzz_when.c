// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * WHEN arguments. Durations never reach past now; every absolute time that
 * parses comes back to the same nanosecond through our own RFC 3339 output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ts[VA_RFC3339_SIZE];
	uint64_t now = 0, t = 0, back = 0;
	char *s;

	if (size < sizeof(now))
		return 0;
	memcpy(&now, data, sizeof(now));
	data += sizeof(now);
	size -= sizeof(now);
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!va_parse_when(s, now, &t)) {
		if (strlen(s) >= 10 && s[4] == '-') {
			if (va_time_rfc3339(t, ts, sizeof(ts)) || va_parse_when(ts, 0, &back) ||
			    back != t || strlen(ts) != VA_RFC3339_SIZE - 1)
				abort();
		} else if (t > now) {
			abort();
		}
	}
	free(s);
	return 0;
}
