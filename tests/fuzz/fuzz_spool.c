// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The syslog spool file outlives the daemon: a crash, a full disk or anyone
 * with write access may leave it torn or changed. Opening it must refuse it
 * or read whole records only, hand each back at most once, in order, within
 * the file's bytes, and leave a spool that still takes and keeps messages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink_spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char file[64];
	struct va_spool *s;
	struct va_spool_msg *m;
	char err[512];
	uint64_t bytes = 0, prev_end = 0;
	FILE *f;

	if (!file[0])
		snprintf(file, sizeof(file), "/tmp/fuzz-spool-%d", (int)getpid());
	unlink(file);
	f = fopen(file, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (va_spool_open(&s, 1 << 16, file, 1 << 20, err, sizeof(err))) {
		if (!err[0])
			abort(); /* a refusal says why */
		return 0;
	}
	while ((m = va_spool_take(s))) {
		/* Whole records, in order, inside what was written: a 4-byte length each. */
		if (!m->len || m->len > VA_SPOOL_MSG_MAX || m->file_end <= prev_end)
			abort();
		prev_end = m->file_end;
		bytes += 4 + m->len;
		if (bytes > size)
			abort();
		va_spool_acked(s, m->file_end);
		free(m);
	}
	/* Still a working spool. */
	if (va_spool_push(s, "after", 5, true) < 0)
		abort();
	m = va_spool_take(s);
	if (!m || m->len != 5 || memcmp(m->data, "after", 5))
		abort();
	free(m);
	va_spool_close(s, NULL);
	unlink(file);
	return 0;
}
