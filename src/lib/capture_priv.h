/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside capture: what the backends share (delivery, process table,
 * aggregation templates, user-space filter, numbering) and the interface
 * each backend implements.
 */
#ifndef VA_CAPTURE_PRIV_H
#define VA_CAPTURE_PRIV_H

#include "capture.h"
#include "decode.h"
#include "mounts.h"
#include "proctab.h"
#include "u64map.h"

struct va_capture;

struct va_backend_ops {
	enum va_backend id;
	const char *limits;
	int (*poll)(struct va_capture *c, int timeout_ms);
	int (*drain)(struct va_capture *c);
	int (*set_filter)(struct va_capture *c, const struct va_filter *f, char *err,
			  size_t errlen);
	void (*close)(struct va_capture *c);
};

struct va_capture {
	const struct va_backend_ops *ops;
	void *backend; /* the backend's own state */
	struct va_filter filter; /* a copy; the path lists are borrowed from the caller */
	va_event_fn fn;
	void *fn_ctx;
	struct va_proctab procs;
	struct va_mounts mounts; /* dev of paths named by a syscall */
	struct va_u64map aggs; /* agg id -> struct agg_template */
	struct va_u64map opens; /* tid -> struct agg_template: the thread's last open record */
	uint64_t flushes;      /* periodic flushes delivered: the templates' clock */
	uint64_t seq;
	uint64_t boot_to_real_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	struct va_capture_stats stats;
	const char *lookups; /* how names are looked up in the kernel; NULL: not by name */
	struct va_decoded dec; /* big: kept here, not on the stack */
	int stop;		/* the callback's non-zero return */
	char *own_exe;		/* this program, as the process table names it (store_file set) */
	char *store_file;	/* va_capture_opts.store_file, copied */
};

/* Deliver one wire record. Returns: 0, or the callback's non-zero return. */
int va_capture_deliver(struct va_capture *c, const void *rec, size_t size);
/* Report @n lost records now, at this point of the stream. */
int va_capture_report_lost(struct va_capture *c, uint64_t n, uint64_t boot_ts);
/*
 * A backend's periodic flush and its records were delivered. In the
 * kernel, an aggregation idle for @idle_flushes flushes is ended by one,
 * with an end record, and one whose flush record the ring buffer refused
 * is ended at once (rw.bpf.h); a template that heard nothing for longer
 * belongs to an ended aggregation whose end record was lost: it is
 * dropped, so that memory stays bounded under sustained loss. A later
 * record for it counts as lost, as when its first record was lost.
 */
void va_capture_flushed(struct va_capture *c, uint64_t idle_flushes);
/* Refresh the boot-time to real-time offset (clock steps, suspend). */
void va_capture_sync_clock(struct va_capture *c);

/* Backends. Each returns 0 with c->ops and c->backend set, or -errno with @err filled. */
/* The ring buffer's size when none is given: 4 MiB on up to 4 CPUs, else 8 MiB. */
uint64_t va_tp_default_ringbuf(void);
int va_tp_open(struct va_capture *c, const struct va_capture_opts *opts, char *err,
	       size_t errlen);

#endif
