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

#define VA_STORE_DEFAULT_PATH	"/var/lib/vfsaudit/audit.db"
#define VA_STORE_FORMAT		"vfsaudit-store"
#define VA_STORE_VERSION	4
#define VA_STORE_VERSION_OLDEST 2 /* read as is, upgraded when opened for writing */
/*
 * The paths index's first key is a record's slice, id >> VA_SLICE_BITS
 * (store.c); queries seek once per slice. Text, for SQL.
 */
#define VA_SLICE_SHIFT 18
#define VA_SLICE_BITS  "18" /* VA_SLICE_SHIFT */

/* Marks: rows with these op numbers record the auditor's own life. */
enum va_mark {
	VA_MARK_START = 100,	 /* daemon started (detail: backend and filters, coverage.h) */
	VA_MARK_STOP = 101,	 /* clean stop */
	VA_MARK_CRASH = 102,	 /* started after a stop that was not clean: ts = va_store_last() */
	VA_MARK_UNSAVED = 103,	 /* events captured but not stored (queue full, disk full) */
	VA_MARK_PRUNE = 104,	 /* retention removed every record up to seq `count` */
	VA_MARK_SINK_LOST = 105, /* stored, but a sink (syslog, JSON log) lost some: see detail */
	VA_MARK_FILTERS = 106,	 /* a reload changed the filters (detail: as VA_MARK_START's) */
};

/*
 * Reading records back: the SELECT list in enum va_rec_field order (record.h)
 * over events `e` and what they point at. Shared by the queries and verify,
 * so that both see exactly what the chain covers.
 */
#define VA_RECORD_COLUMNS                                                                          \
	"e.id, e.ts, e.op, p1.path, p2.path, pr.pid, pr.ppid, pr.uid, pr.euid, pr.gid, pr.auid,"   \
	" pr.ses, pr.tty, pr.mntns, pr.comm, pr.exe, x.tid, nullif(o.dev, -1), nullif(o.ino, -1)," \
	" nullif(o.ftype, 0), e.ret, e.count, e.bytes, e.flags, x.mode, x.owner_uid, x.owner_gid," \
	" x.size, x.rename_flags, x.path_flags, x.path2_flags, x.argv, x.detail"
#define VA_RECORD_JOINS                                                                            \
	" LEFT JOIN extra x ON x.id = e.id LEFT JOIN paths p1 ON p1.id = e.path"                   \
	" LEFT JOIN paths p2 ON p2.id = x.path2 LEFT JOIN procs pr ON pr.id = e.proc"              \
	" LEFT JOIN objects o ON o.id = e.obj"

/*
 * True for a row of VA_RECORD_JOINS that points at a path, process or
 * object that is not there. The writer never makes one and nothing deletes
 * what records point at, so it means a damaged page, which SQLite does not
 * always notice: the record would read as someone else's (uid 0, no name).
 */
#define VA_RECORD_DANGLING                                                                         \
	"((e.path IS NOT NULL AND p1.id IS NULL) OR (x.path2 IS NOT NULL AND p2.id IS NULL) OR"    \
	" (e.proc IS NOT NULL AND pr.id IS NULL) OR (e.obj IS NOT NULL AND o.id IS NULL))"

/*
 * A path whose leading part is not known matches no prefix: cut at the
 * walk's limit, or outside the process's root and not read up to init's
 * (VA_PATH_INIT_ROOT: the path as the machine's administrator sees it).
 * Unlike the filters' VA_PATH_HEAD_UNKNOWN, a path whose walk faulted
 * counts as whole here, as it always has: the day sums of stores written
 * before must still add up for verify.
 */
#define VA_PATH_HEADLESS(flags)                                                                    \
	(((flags)&VA_PATH_TRUNCATED) ||                                                            \
	 ((flags) & (VA_PATH_UNREACHABLE | VA_PATH_INIT_ROOT)) == VA_PATH_UNREACHABLE)

struct va_record;
struct sqlite3_stmt;

/* Fill @r from the VA_RECORD_COLUMNS of a row, starting at column @col; strings borrow the row. */
void va_record_from_stmt(struct va_record *r, struct sqlite3_stmt *st, int col);

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
/*
 * The write-ahead log's bound (default 128 MiB; smaller in tests): past it,
 * the writer copies what is left of the log into the store after a commit
 * when little is left, so that the next transaction starts it again
 * (store_checkpoint.c). Also the size the -wal file is cut back to then
 * (journal_size_limit): it stays that big on disk. Set it before the
 * checkpointer starts. Returns: 0 or -errno.
 */
int va_store_set_wal_bound(struct va_store *s, int64_t bytes);
int64_t va_store_wal_bound(const struct va_store *s);
void va_store_rollback(struct va_store *s);

/*
 * Add one event (inside a transaction). Returns: 0 or -errno. After an
 * error the transaction is half done (rows written, rows waiting to be, the
 * chain moved on): roll it back (va_store_rollback), never commit it. The
 * same holds for va_store_mark().
 */
int va_store_add(struct va_store *s, const struct va_event *ev);

/* Add a mark row; @n: the count it carries (unsaved events, the prune cut), or 0. */
int va_store_mark(struct va_store *s, enum va_mark mark, uint64_t ts_ns, uint64_t n,
		  const char *detail);

/**
 * va_store_last() - the newest row's op, to tell a crash from a clean
 * stop, and the newest time among the last rows (an "unsaved" row written
 * last carries an earlier one); sink-loss rows (written after the stop
 * row) do not count.
 * Returns: 0 with the op and ts; -ENOENT for an empty store.
 */
int va_store_last(struct va_store *s, int *op, uint64_t *ts_ns);

/**
 * va_store_prune() - delete the oldest records, about @max_rows of them, if
 * they are all older than @before_ns. The cut is at a chain checkpoint, and
 * a VA_MARK_PRUNE record says where it is, so the chain stays verifiable.
 * Runs its own transaction; small steps never hold the database for long.
 * Returns: rows deleted, or -errno.
 */
int va_store_prune(struct va_store *s, uint64_t before_ns, unsigned int max_rows);

/**
 * va_store_seal() - record a seal of the chain head (inside a transaction).
 * @mac: HMAC of the head under the epoch's key (seal.h); @key_id names the key.
 */
int va_store_seal(struct va_store *s, uint64_t ts_ns, uint64_t epoch, uint64_t key_id,
		  const uint8_t *mac, size_t mac_len);

/* The chain's head: the last record's seq and link. */
void va_store_head(const struct va_store *s, uint64_t *seq, uint8_t head[32]);

/* Returns: the store's file name. */
const char *va_store_file(const struct va_store *s);

/* Whether a daemon records into a store now. */
enum va_daemon_state {
	VA_DAEMON_UNKNOWN = -1, /* its lock file cannot be read: cannot tell */
	VA_DAEMON_NONE = 0,
	VA_DAEMON_RUNNING = 1,
};

/*
 * va_store_daemon() - whether a `vfsaudit run` records into the store
 * @file now: it holds FILE.lock (flock) for as long as it runs. Free, the
 * lock says none runs only when it names this very file (the device and
 * inode va_store_stamp_lock() wrote); missing, unreadable or another
 * file's (a copy): VA_DAEMON_UNKNOWN.
 */
enum va_daemon_state va_store_daemon(const char *file);
/* Write @file's device and inode into its lock file, open as @fd. Returns: 0 or -errno. */
int va_store_stamp_lock(int fd, const char *file);

/* Returns: the SQLite handle, for the query module (read-only use). */
struct sqlite3 *va_store_db(struct va_store *s);
/*
 * A store opened read-only without its -shm index is read as an unchanging
 * file: true when it changed since (a daemon started meanwhile), so that
 * what was read, or a failure, may be from a half-written file. Ask again.
 */
bool va_store_changed_under(const struct va_store *s);

/* Bytes the store occupies on disk (database and WAL). */
uint64_t va_store_size(const struct va_store *s);

#endif
