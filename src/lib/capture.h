/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture: loads a backend, applies the filters in the kernel, and delivers
 * events (in order, numbered, with loss made explicit) to a callback.
 */
#ifndef VA_CAPTURE_H
#define VA_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "filter.h"

struct va_capture;

/* Called for every event in order. A non-zero return stops va_capture_poll(). */
typedef int (*va_event_fn)(const struct va_event *ev, void *ctx);

enum va_backend {
	VA_BACKEND_AUTO = 0,
	VA_BACKEND_TRACEPOINT,
	VA_BACKEND_LSM,
	VA_BACKEND_FANOTIFY,
};

struct va_capture_opts {
	const struct va_filter *filter;
	enum va_backend backend;
	uint64_t ringbuf_bytes; /* 0: default; rounded up to a power of two pages */
	bool verbose;		/* libbpf's own messages on stderr */
	/*
	 * The daemon's store, or NULL: opens and chowns of it and of its
	 * -wal, -shm and -journal files by this same program (`history`,
	 * `report` and `verify`, whose SQLite opens the -wal and -shm for
	 * writing and, as root, chowns them to the store's owner) are its
	 * own I/O, not reported. Any other program's are.
	 */
	const char *store_file;
};

struct va_capture_stats {
	uint64_t events;   /* delivered to the callback */
	uint64_t lost;	   /* reported in lost events */
	uint64_t proc_lost; /* process-table records lost: exe may be unknown for some */
	uint64_t decode_errors;
	uint64_t aggs_expired; /* read/write templates whose end record never came */
	uint64_t ring_bytes;   /* the kernel's ring buffer (0: the backend has none) */
	uint64_t ring_peak;    /* the most it held since start, as of the last periodic flush;
				* ring_bytes once a record did not fit */
};

/* Returns: 0 and the backend for a name ("auto", "tracepoint", …), or -EINVAL. */
int va_backend_parse(const char *name, enum va_backend *out);
const char *va_backend_name(enum va_backend b);

/*
 * Whether this process may capture (CAP_SYS_ADMIN, or CAP_BPF with
 * CAP_PERFMON): asked before anything is made, so that a refusal leaves no
 * store behind. Returns: 0, or -EPERM with the reason in @err.
 */
int va_capture_permitted(char *err, size_t errlen);

/**
 * va_capture_open() - load, configure and attach a backend.
 * @err: receives a message naming what failed and what to do.
 *
 * Once this returns 0 every probe is attached: nothing that happens later is
 * missed.
 * Returns: 0; -EPERM without the capabilities; -EOPNOTSUPP for a backend
 * this build or kernel does not offer; other -errno for load failures.
 */
int va_capture_open(struct va_capture **out, const struct va_capture_opts *opts, va_event_fn fn,
		    void *ctx, char *err, size_t errlen);

/* Wait up to @timeout_ms, then deliver what is queued. Returns: 0, the callback's non-zero, or -errno. */
int va_capture_poll(struct va_capture *c, int timeout_ms);

/* Deliver everything still held in the kernel (aggregated counts, losses). */
int va_capture_drain(struct va_capture *c);

/**
 * va_capture_set_filter() - replace the filters while capture goes on (a
 * configuration reload). @f's strings must live until the next call or
 * va_capture_close(). Returns: 0, or -errno with @err filled.
 */
int va_capture_set_filter(struct va_capture *c, const struct va_filter *f, char *err,
			  size_t errlen);

enum va_backend va_capture_backend(const struct va_capture *c);
/* What the backend cannot see, for the ready line and status. */
const char *va_capture_limits(const struct va_capture *c);
/*
 * How the kernel side looks names up: "dcache-hash" (the dentry cache's own
 * table: one bucket a component) or "directory-scan" (the directory's cached
 * children: slower in large directories); "" where names are not resolved.
 */
const char *va_capture_lookups(const struct va_capture *c);
void va_capture_stats(const struct va_capture *c, struct va_capture_stats *st);
void va_capture_close(struct va_capture *c); /* accepts NULL */

#endif
