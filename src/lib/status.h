/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running daemon's status, shared through a small JSON file that the
 * daemon rewrites atomically every second (directory 0700, file 0600: root
 * only). `vfsaudit status` reads it; no socket to keep open or secure.
 */
#ifndef VA_STATUS_H
#define VA_STATUS_H

#include <stdint.h>

struct va_status {
	uint32_t pid;
	char backend[32];
	char unseen[256];
	char store[4096];
	uint64_t started_ns;
	uint64_t updated_ns;
	uint64_t events;	  /* captured since start */
	double events_per_s;	  /* over the last interval */
	uint64_t lost;		  /* kernel could not deliver */
	uint64_t proc_lost;	  /* process-table records lost: some exe may be unknown */
	uint64_t unsaved_queue;	  /* store queue was full */
	uint64_t unsaved_disk;	  /* store write failed (disk full…) */
	uint64_t stored;
	uint64_t queue_depth;
	uint64_t store_bytes;
	int store_error;	  /* -errno of the last failed store write, 0 fine */
};

/* Write @st to @file atomically (temporary file + rename). Returns: 0 or -errno. */
int va_status_write(const char *file, const struct va_status *st);
/* Returns: 0; -ENOENT when no daemon wrote one; -EINVAL when unreadable. */
int va_status_read(const char *file, struct va_status *st);

#endif
