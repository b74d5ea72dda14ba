/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The embedded store: SQLite in WAL mode. Paths and program identities are
 * interned (one row per distinct string); events reference them. Daemon
 * starts, clean stops, crash restarts and losses are rows too, so a query
 * can tell "nothing happened" from "nobody was watching".
 */
#ifndef VA_STORE_H
#define VA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define VA_STORE_DEFAULT_PATH "/var/lib/vfsaudit/audit.db"
#define VA_STORE_FORMAT	      "vfsaudit-store"
#define VA_STORE_VERSION      1

/* events.path2_flags of an exec row: its argv was cut short. */
#define VA_STORE_ARGV_TRUNCATED 1

/* Marks: rows with these op numbers record the auditor's own life. */
enum va_mark {
	VA_MARK_START = 100,   /* daemon started (detail: backend) */
	VA_MARK_STOP = 101,    /* clean stop */
	VA_MARK_CRASH = 102,   /* started after a stop that was not clean: ts = last record */
	VA_MARK_UNSAVED = 103, /* events captured but not stored (queue full, disk full) */
};

struct va_store;

/* Open for writing: create the file (0600) and its directory (0700) if needed. */
#define VA_STORE_WRITE 0x1

/**
 * va_store_open() - open a store.
 * @err: receives a message naming the file and what is wrong.
 *
 * The file is never opened through a symlink. An existing file that is not a
 * vfsaudit store is refused and left untouched.
 * Returns: 0; -ENOENT (no store yet, read-only open); -EINVAL (not a vfsaudit
 * store or damaged); -EACCES; -errno otherwise.
 */
int va_store_open(struct va_store **out, const char *file, unsigned int flags, char *err,
		  size_t errlen);
void va_store_close(struct va_store *s); /* accepts NULL */

/* Transactions: a batch of adds is one transaction (and one fsync in WAL). */
int va_store_begin(struct va_store *s);
int va_store_commit(struct va_store *s); /* -ENOSPC when the disk is full: batch rolled back */
void va_store_rollback(struct va_store *s);

/* Add one event (inside a transaction). Returns: 0 or -errno. */
int va_store_add(struct va_store *s, const struct va_event *ev);

/* Add a mark row; @n: for VA_MARK_UNSAVED the count. */
int va_store_mark(struct va_store *s, enum va_mark mark, uint64_t ts_ns, uint64_t n,
		  const char *detail);

/**
 * va_store_last() - the newest row, to tell a crash from a clean stop.
 * Returns: 0 with its op and ts; -ENOENT for an empty store.
 */
int va_store_last(struct va_store *s, int *op, uint64_t *ts_ns);

/**
 * va_store_prune() - delete at most @max_rows events older than @before_ns.
 * Small steps, so that pruning never holds the database for long.
 * Returns: rows deleted, or -errno.
 */
int va_store_prune(struct va_store *s, uint64_t before_ns, unsigned int max_rows);

/* Returns: the SQLite handle, for the query module (read-only use). */
struct sqlite3 *va_store_db(struct va_store *s);

/* Bytes the store occupies on disk (database and WAL). */
uint64_t va_store_size(const struct va_store *s);

#endif
