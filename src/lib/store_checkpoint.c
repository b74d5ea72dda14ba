// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "store_checkpoint.h"

#define CHECKPOINT_EVERY_MS 500
#define CHECKPOINT_CLOSE_MS 20 /* while the log is past half its bound (store.c bound_wal) */

struct va_checkpointer {
	struct va_store *store;
	sqlite3 *db; /* our own connection */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

static void *checkpoint_main(void *arg)
{
	struct va_checkpointer *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (va_store_wal_filling(c->store) ? CHECKPOINT_CLOSE_MS
								 : CHECKPOINT_EVERY_MS) *
				 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->wake, &c->lock, &until);
		if (c->stopping)
			break;
		pthread_mutex_unlock(&c->lock);
		/* PASSIVE: copies what no reader still needs, never blocks the writer. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int va_checkpointer_start(struct va_checkpointer **out, struct va_store *s)
{
	struct va_checkpointer *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->store = s;
	if (sqlite3_open_v2(va_store_file(s), &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	sqlite3_busy_timeout(c->db, 100);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	sqlite3_exec(va_store_db(s), "PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
	err = pthread_create(&c->thread, NULL, checkpoint_main, c);
	if (!err)
		pthread_setname_np(c->thread, "va-checkpoint");
	if (err) {
		sqlite3_exec(va_store_db(s), "PRAGMA wal_autocheckpoint=4000", NULL, NULL, NULL);
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
	/* The store checkpoints itself again (and at close). */
	sqlite3_exec(va_store_db(c->store), "PRAGMA wal_autocheckpoint=4000", NULL, NULL, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	free(c);
}
