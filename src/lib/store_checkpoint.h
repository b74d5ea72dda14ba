/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The WAL checkpointer: a thread with its own connection that copies the
 * write-ahead log into the database twice a second (SQLite's PASSIVE mode,
 * which never waits for the writer). Left to SQLite, the checkpoint runs
 * inside the writer's commit and, with its fsync, can hold up storing for
 * longer than the one second a crash may cost. It also keeps the log
 * near its bound (va_store_set_wal_bound()): past it, the writer copies
 * what little is left after a commit, so that the next transaction starts
 * the log again; a backlog (a reader's old snapshot holds the copies back,
 * or the disk is slower than the writer) stays the thread's to copy, and
 * the log grows meanwhile rather than hold up storing.
 */
#ifndef VA_STORE_CHECKPOINT_H
#define VA_STORE_CHECKPOINT_H

#include "store.h"

struct va_checkpointer;

/*
 * Start checkpointing @s (its own checkpoints in the commit are replaced
 * meanwhile by the bound's hook).
 * Call before any other thread uses @s. Returns: 0 or -errno.
 */
int va_checkpointer_start(struct va_checkpointer **out, struct va_store *s);
/* Stop, after the last writer is done with the store. Accepts NULL. */
void va_checkpointer_stop(struct va_checkpointer *c);

#endif
