/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running daemon's status, shared through a small JSON file that the
 * daemon rewrites atomically every second (directory 0700, file 0600: root
 * only). `vfsaudit status` reads it; no socket to keep open or secure.
 */
#ifndef VA_STATUS_H
#define VA_STATUS_H

#include <stdbool.h>
#include <stdint.h>

/* The sinks besides the store, in this order; JSON keys va_status_sink_names[]. */
enum { VA_STATUS_SYSLOG, VA_STATUS_SYSLOG_REMOTE, VA_STATUS_JSON_LOG, VA_STATUS_SINKS };
extern const char *const va_status_sink_names[VA_STATUS_SINKS];

struct va_status_sink {
	char target[4160];    /* where it writes ("user.info /dev/log"); "" when not configured */
	uint64_t sent;	      /* delivered (JSON log: lines written) */
	uint64_t resent;      /* remote: sent again after a reset, may have arrived twice */
	uint64_t lost;	      /* could not be delivered */
	uint64_t queued;      /* waiting */
	uint64_t spool_bytes; /* remote: bytes in its spool file */
	bool connected;	      /* syslog: socket or peer there */
	int error;	      /* -errno of its last failure, 0 fine */
};

struct va_status {
	uint32_t pid;
	char backend[32];
	char unseen[256];
	char lookups[32]; /* va_capture_lookups() */
	char left_out[512]; /* what the filters leave out (va_coverage_describe), "" for nothing */
	char store[4096];
	uint64_t started_ns;
	uint64_t updated_ns;
	uint64_t events;	  /* captured since start */
	double events_per_s;	  /* over the last interval */
	uint64_t lost;		  /* kernel could not deliver */
	uint64_t proc_lost;	  /* process-table records lost: some exe may be unknown */
	uint64_t ring_bytes;	  /* the kernel's ring buffer */
	uint64_t ring_peak_bytes; /* the most it held since start: how close it came to a loss */
	/*
	 * The longest the capture thread went without reading the ring buffer
	 * on one event (handing it to the store's queue and the sinks) or one
	 * step of its own (a reload, the status file), to the coarse clock's
	 * tick: the ring buffer fills meanwhile.
	 */
	uint64_t stall_max_ns;
	uint64_t unsaved_queue;	  /* store queue was full */
	uint64_t unsaved_disk;	  /* store write failed (disk full…) */
	uint64_t stored;
	uint64_t queue_depth;	/* waiting for the store, the backlog included */
	uint64_t backlog;	/* of those: in the backlog file */
	uint64_t backlog_bytes; /* its size */
	int backlog_error;	/* -errno while writing or reading it fails; 0 fine */
	uint64_t store_bytes;
	bool sealed;	     /* the chain is sealed with a forward-secure key */
	uint64_t seals;	     /* seals written since start */
	uint64_t seal_epoch; /* the sealing key's epoch */
	int seal_error;	     /* -errno: the evolved key could not be saved */
	int store_error;	  /* -errno of the last failed store write, 0 fine */
	struct va_status_sink sinks[VA_STATUS_SINKS];
};

/* Write @st to @file atomically (temporary file + rename). Returns: 0 or -errno. */
int va_status_write(const char *file, const struct va_status *st);
/*
 * Whether @file can be written as va_status_write() writes it (its
 * directory made, its temporary file created), leaving nothing behind but
 * the directory. Returns: 0 or -errno.
 */
int va_status_probe(const char *file);
/* Returns: 0; -ENOENT when no daemon wrote one; -EINVAL when unreadable. */
int va_status_read(const char *file, struct va_status *st);
/*
 * Whether the daemon that wrote @st still runs: its pid alive, the file
 * written in the last 10 s (one killed with -9 leaves its file behind).
 */
bool va_status_live(const struct va_status *st, uint64_t now_ns);

#endif
