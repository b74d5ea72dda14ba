/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON-lines sink (--json-log FILE): one event per line in SPEC.md's
 * JSON form, appended (O_APPEND, 0600, never through a symlink). Lines are
 * buffered and written at least every second, when the buffer fills, and
 * at the stop. SIGHUP reopens the file, so
 * that logrotate can move it away. When the disk is full, lines wait in
 * memory up to a limit; what does not fit is counted as lost.
 *
 * Each run's lines begin with {"start":{"ts","pid"}}: the events after it
 * are numbered (seq) from 1 again. A clean stop ends them with
 * {"stop":{"ts","pid","last_seq"}}, the seq of the run's last event line,
 * so that a reader can tell lines missing at the end from none written.
 *
 * Thread-safe: events and seals may come from different threads. A thread
 * of its own writes the file, so that a disk that stalls (frozen for a
 * backup, slow) holds up neither: lines wait in memory meanwhile, up to the
 * same limit as on a full disk.
 */
#ifndef VA_SINK_JSONLOG_H
#define VA_SINK_JSONLOG_H

#include <stdint.h>

#include "event.h"
#include "syslog_format.h"

struct va_jsonlog;

struct va_jsonlog_stats {
	uint64_t written; /* lines in the file */
	uint64_t lost;	  /* lines that could not be written */
	uint64_t queued;  /* lines waiting in memory */
	int last_error;	  /* -errno of the last failed write or reopen; 0 fine */
	uint64_t reopens; /* reopens done (file swapped), failed ones included */
};

/* Returns: 0; -errno with @err naming the file. */
int va_jsonlog_open(struct va_jsonlog **out, const char *path, char *err, size_t errlen);

void va_jsonlog_event(struct va_jsonlog *j, const struct va_event *ev);

/* {"seal":{"seq":N,"ts":"RFC 3339","epoch":N,"head":"hex","mac":"hex"}} */
void va_jsonlog_seal(struct va_jsonlog *j, const struct va_seal *seal);

/*
 * Ask the sink's thread to write the buffer, close the file and open the
 * path again (a new file after logrotate's move); the caller does not wait
 * for the disk. A failed open is said on stderr and in the stats'
 * last_error, and the old file stays in use; the stats' reopens count
 * each reopen done, once the file is swapped (or the open failed).
 */
void va_jsonlog_reopen(struct va_jsonlog *j);

void va_jsonlog_stats(struct va_jsonlog *j, struct va_jsonlog_stats *st);

/* Write the buffer and close. Accepts NULL. */
void va_jsonlog_close(struct va_jsonlog *j, struct va_jsonlog_stats *final);

#endif
