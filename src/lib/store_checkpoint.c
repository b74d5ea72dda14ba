// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "store_checkpoint.h"

#define CHECKPOINT_EVERY_MS 500
#define CHECKPOINT_CLOSE_MS 20 /* while the log holds more than half its bound */
#define FIRST_READ_WAIT_MS  1000
/*
 * Past the bound, the writer copies the rest itself only when the last pass
 * left fewer frames than this (8 MiB): its copy is those and what was
 * committed since, some tens of ms.
 */
#define CATCH_UP_FRAMES 2048

struct va_checkpointer {
	struct va_store *store;
	sqlite3 *db; /* our own connection */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	int bound_frames;
	/* For the writer: frames the last pass left (-1: no pass yet, or it failed). */
	atomic_int behind;
};

static void *checkpoint_main(void *arg)
{
	struct va_checkpointer *c = arg;
	bool filling = false; /* the log held more than half its bound at the last pass */

	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		struct timespec until;
		int frames = -1, copied = -1, rc;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (filling ? CHECKPOINT_CLOSE_MS : CHECKPOINT_EVERY_MS) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->wake, &c->lock, &until);
		if (c->stopping)
			break;
		pthread_mutex_unlock(&c->lock);
		/* PASSIVE: copies what no reader still needs, never blocks the writer. */
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames,
					       &copied);
		if (rc == SQLITE_OK && frames >= 0 && copied >= 0) {
			atomic_store(&c->behind, frames - copied);
			filling = frames > c->bound_frames / 2;
		} else if (rc != SQLITE_BUSY) {
			/* Failing (a full disk): the writer would fail the same way, at its cost.
			 */
			atomic_store(&c->behind, -1);
		}
		/* Busy: the writer's own copy is running; what the last pass said holds. */
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/*
 * After each of the writer's commits, with the frames the log holds.
 * SQLite starts the log again only when a transaction begins with all of
 * it copied, which the checkpoints beside the writer never achieve while
 * transactions follow one another at its limit: filling 10M records grew
 * it past 5 GiB, 10 s of a long tail of names at 170,000 events/s to 500
 * MiB. So past the bound the writer copies the rest itself, if the last
 * pass left little: a reader's old snapshot can hold the log back (the
 * checkpoints stop there), and the writer never takes that backlog on: it
 * waits for the thread to copy it.
 */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct va_checkpointer *c = arg;
	int behind = atomic_load(&c->behind);

	if (frames > c->bound_frames && behind >= 0 && behind < CATCH_UP_FRAMES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

int va_checkpointer_start(struct va_checkpointer **out, struct va_store *s)
{
	struct va_checkpointer *c = calloc(1, sizeof(*c));
	sqlite3_stmt *st;
	int64_t frame = 4096 + 24, bound;
	int err, rc;

	if (!c)
		return -ENOMEM;
	c->store = s;
	atomic_init(&c->behind, -1);
	if (sqlite3_open_v2(va_store_file(s), &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	/*
	 * A connection learns that the file is in WAL mode when it first reads
	 * it: until then its checkpoints do nothing (the log's size comes back
	 * as -1). Checkpointing did nothing at all before this read was here.
	 * The read waits up to a second for another process's exclusive lock
	 * (a recovery, sqlite3 with locking_mode=EXCLUSIVE); the passes only
	 * 100 ms, to be tried again half a second later.
	 */
	sqlite3_busy_timeout(c->db, FIRST_READ_WAIT_MS);
	rc = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? -EBUSY : -EIO;
	}
	sqlite3_busy_timeout(c->db, 100);
	/* A log frame is a page and its 24-byte header. */
	if (sqlite3_prepare_v2(c->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		frame = sqlite3_column_int64(st, 0) + 24;
	sqlite3_finalize(st);
	bound = va_store_wal_bound(s) / frame;
	c->bound_frames = bound > 0 && bound < (1 << 30) ? (int)bound : 1 << 30;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	/* Replaces SQLite's own checkpoints in the commit (wal_autocheckpoint). */
	sqlite3_wal_hook(va_store_db(s), on_commit, c);
	err = pthread_create(&c->thread, NULL, checkpoint_main, c);
	if (!err)
		pthread_setname_np(c->thread, "va-checkpoint");
	if (err) {
		sqlite3_wal_autocheckpoint(va_store_db(s),
					   4000); /* replaces on_commit; cannot fail */
		sqlite3_close(c->db);
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->wake);
		free(c);
		return -err;
	}
	*out = c;
	return 0;
}

void va_checkpointer_stop(struct va_checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	/* The store checkpoints itself again (and at close): on_commit goes, before c does. */
	sqlite3_wal_autocheckpoint(va_store_db(c->store), 4000);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	free(c);
}
