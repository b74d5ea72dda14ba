/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The store writer: a thread that takes events from a bounded queue and
 * writes them in batched transactions, so that a slow disk never stalls
 * the capture loop. Past the queue's bounds events wait in the backlog
 * file, in order (backlog.h). When that is full too, or the disk is, they
 * are counted as unsaved and an "unsaved" row records how many once
 * writing works again: loss is never silent. Retention pruning runs here too, in
 * small steps between batches.
 */
#ifndef VA_STORE_WRITER_H
#define VA_STORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "store.h"

struct va_writer;

/*
 * Events held in memory for the store (4 MiB at 128 bytes an event); past
 * them the backlog file takes a burst (va_writer_backlog()). Twice as many
 * raised the daemon's peak RSS on a long tail of names from 60.9-61.7 MiB
 * to 62.6-63.8 (FILES=300000 bench/daemon-ab, 16 processes, 3 runs each)
 * for no more stored; 262,144 before the backlog, 66.0-77.6.
 */
#define VA_WRITER_QUEUE_DEFAULT 32768

struct va_writer_stats {
	uint64_t stored;	  /* events written */
	uint64_t unsaved;	  /* events captured but not stored (total; not the lost ones
				   * a loss record that could not be stored stood for) */
	uint64_t unsaved_queue;	  /* of which: queue full */
	uint64_t unsaved_disk;	  /* of which: write failed (disk full) */
	uint64_t pruned;	  /* events deleted by retention */
	uint64_t batches;	  /* transactions committed with events in them */
	size_t depth;		  /* entries (events, and marks) not yet committed */
	uint64_t backlog;	  /* of which: waiting in the backlog file */
	uint64_t backlog_bytes;	  /* the bytes they take there */
	int backlog_error;	  /* -errno while writing or reading it fails; 0 fine */
	int last_error;		  /* -errno of the last failed write, 0 when fine */
	uint64_t seals;		  /* seals written */
	uint64_t seal_epoch;	  /* the sealing key's epoch now */
	int seal_error;		  /* -errno of the last failure to save the evolved key */
};

/* A seal just committed to the store, for the sinks (hex strings). */
struct va_seal_info {
	uint64_t seq, ts_ns, epoch;
	/*
	 * The last event under this seal by the seq the sinks gave it (the
	 * capture's, which starts again at each run; 0: none yet this run):
	 * how a remote copy ties its events to the store's records.
	 */
	uint64_t event_seq;
	char head[65], mac[65];
};

/**
 * va_writer_start() - start the writer thread on @s (which it then owns
 * until va_writer_stop()).
 * @capacity: events the queue holds in memory (0: VA_WRITER_QUEUE_DEFAULT);
 *            past them they go to the backlog, or are counted unsaved.
 * @retain_ns: delete events older than this (0: keep everything).
 */
int va_writer_start(struct va_writer **out, struct va_store *s, size_t capacity,
		    uint64_t retain_ns);

/**
 * va_writer_backlog() - past the queue's bounds, keep events in order in an
 * anonymous file in @dir, up to @max_bytes (0: none, they are counted
 * unsaved), and store them once the writer has caught up (backlog.h).
 * Call before pushing events.
 * Returns: 0 or -errno (the file cannot be made there: no backlog then);
 * -EBUSY while the backlog holds events.
 */
int va_writer_backlog(struct va_writer *w, const char *dir, uint64_t max_bytes);

/* Delete events older than @retain_ns from now on (0: keep everything). */
void va_writer_set_retain(struct va_writer *w, uint64_t retain_ns);

/**
 * va_writer_seal() - seal the chain every @interval_ns (and at stop) with
 * the forward-secure key in @key_file, which the writer evolves and saves
 * as epochs pass. @on_seal, if set, is called from the writer thread after
 * each seal is committed. Call before pushing events.
 * Returns: 0; -ENOENT (no key file: run `vfsaudit setup-keys`); -EINVAL (not a key file).
 */
int va_writer_seal(struct va_writer *w, const char *key_file,
		   void (*on_seal)(const struct va_seal_info *info, void *arg), void *arg);

/**
 * va_writer_flush() - write what is queued now, sealed (when sealing) even
 * before the interval is up, and wait for it.
 * Returns: 0; -ETIMEDOUT after @timeout_ms.
 */
int va_writer_flush(struct va_writer *w, unsigned int timeout_ms);

/* Queue a copy of @ev. Returns: 0, or -ENOSPC when the queue and the backlog are full (counted). */
int va_writer_push(struct va_writer *w, const struct va_event *ev);

/* Queue a mark row (start, stop, crash) in order with the events. */
int va_writer_push_mark(struct va_writer *w, enum va_mark mark, uint64_t ts_ns,
			const char *detail);

void va_writer_stats(struct va_writer *w, struct va_writer_stats *st);
/*
 * The first write failure since the last call (-errno), and forget it; 0:
 * none. last_error says how the last transaction went, and one that
 * failed may be followed at once by one that does not: on a full disk, the
 * loss row fits in the log's room where the events' rows did not.
 */
int va_writer_take_error(struct va_writer *w);

/*
 * Why the background checkpoints did not start (-errno; 0: they did). The
 * store works without them, SQLite checkpointing inside the commits, which
 * can hold storing up for the length of an fsync.
 */
int va_writer_checkpointer_error(const struct va_writer *w);

/* Write everything queued, stop the thread. Returns: 0, or the last write error. */
int va_writer_stop(struct va_writer *w);
/* The same, and the counters once all is written (or counted), in @st. */
int va_writer_stop_stats(struct va_writer *w, struct va_writer_stats *st);

#endif
