// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_writer.h"

#define BATCH_WAIT_MS	  100
#define PRUNE_EVERY_NS	  (10ull * 1000000000ull)
#define PRUNE_STEP_ROWS	  5000

struct item {
	struct va_event ev; /* strings point into @buf */
	char *buf;
	int mark; /* 0, or an enum va_mark */
	char detail[64];
};

struct queue {
	struct item *v;
	size_t len, cap;
};

struct va_writer {
	struct va_store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queue front; /* producers append here (under lock) */
	struct queue retry; /* marks of a batch that failed: written first next time (writer only) */
	size_t capacity;
	uint64_t retain_ns;
	bool stopping;
	/* Under lock: */
	struct va_writer_stats stats;
	uint64_t pending_unsaved;  /* not yet recorded in a row */
	uint64_t unsaved_since_ns; /* when the first of those was dropped */
};

static uint64_t now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void item_free(struct item *it)
{
	free(it->buf);
	it->buf = NULL;
}

/* Copy @ev with its strings into one allocation. */
static int item_copy(struct item *it, const struct va_event *ev)
{
	size_t n = ev->path.len + ev->path2.len + ev->exe.len + ev->argv.len;
	char *p;

	it->ev = *ev;
	it->mark = 0;
	it->buf = malloc(n ? n : 1);
	if (!it->buf)
		return -ENOMEM;
	p = it->buf;
#define COPY(field)                                                                                \
	do {                                                                                       \
		if (ev->field.len)                                                                 \
			memcpy(p, ev->field.ptr, ev->field.len);                                   \
		it->ev.field.ptr = p;                                                              \
		p += ev->field.len;                                                                \
	} while (0)
	COPY(path);
	COPY(path2);
	COPY(exe);
	COPY(argv);
#undef COPY
	return 0;
}

static int queue_reserve(struct queue *q, size_t want)
{
	struct item *nv;
	size_t cap = q->cap ? q->cap : 256;

	if (want <= q->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	nv = realloc(q->v, cap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	q->v = nv;
	q->cap = cap;
	return 0;
}

static void count_unsaved(struct va_writer *w, uint64_t n, bool disk, uint64_t when)
{
	if (!w->pending_unsaved)
		w->unsaved_since_ns = when;
	w->pending_unsaved += n;
	w->stats.unsaved += n;
	if (disk)
		w->stats.unsaved_disk += n;
	else
		w->stats.unsaved_queue += n;
}

int va_writer_push(struct va_writer *w, const struct va_event *ev)
{
	struct item *it;
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	if (w->front.len >= w->capacity || queue_reserve(&w->front, w->front.len + 1)) {
		count_unsaved(w, 1, false, ev->ts_ns);
		ret = -ENOSPC;
		goto out;
	}
	it = &w->front.v[w->front.len];
	if (item_copy(it, ev)) {
		count_unsaved(w, 1, false, ev->ts_ns);
		ret = -ENOSPC;
		goto out;
	}
	w->front.len++;
	if (w->front.len == 1 || w->front.len == w->capacity / 2)
		pthread_cond_signal(&w->wake);
out:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int va_writer_push_mark(struct va_writer *w, enum va_mark mark, uint64_t ts_ns,
			const char *detail)
{
	struct item *it;
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	/* Marks are few and say why records are missing: never refused for room. */
	if (queue_reserve(&w->front, w->front.len + 1)) {
		ret = -ENOMEM;
		goto out;
	}
	it = &w->front.v[w->front.len++];
	memset(it, 0, sizeof(*it));
	it->mark = mark;
	it->ev.ts_ns = ts_ns;
	if (detail)
		snprintf(it->detail, sizeof(it->detail), "%s", detail);
	pthread_cond_signal(&w->wake);
out:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static int write_items(struct va_writer *w, const struct queue *q)
{
	int ret = 0;

	for (size_t i = 0; i < q->len && !ret; i++) {
		const struct item *it = &q->v[i];

		if (it->mark)
			ret = va_store_mark(w->store, (enum va_mark)it->mark, it->ev.ts_ns, 0,
					    it->detail[0] ? it->detail : NULL);
		else
			ret = va_store_add(w->store, &it->ev);
	}
	return ret;
}

/*
 * Write the marks kept from a failed batch, the unsaved count and @batch in
 * one transaction. Returns: 0 or -errno (nothing stored).
 */
static int write_batch(struct va_writer *w, struct queue *batch, uint64_t unsaved,
		       uint64_t unsaved_since)
{
	int ret = va_store_begin(w->store);

	if (ret)
		return ret;
	ret = write_items(w, &w->retry);
	if (!ret && unsaved)
		ret = va_store_mark(w->store, VA_MARK_UNSAVED, unsaved_since, unsaved, NULL);
	if (!ret)
		ret = write_items(w, batch);
	if (ret) {
		va_store_rollback(w->store);
		return ret;
	}
	return va_store_commit(w->store);
}

static void maybe_prune(struct va_writer *w, uint64_t *last_prune)
{
	uint64_t now = now_real_ns();
	int n;

	if (!w->retain_ns || now - *last_prune < PRUNE_EVERY_NS || now < w->retain_ns)
		return;
	*last_prune = now;
	n = va_store_prune(w->store, now - w->retain_ns, PRUNE_STEP_ROWS);
	if (n > 0) {
		pthread_mutex_lock(&w->lock);
		w->stats.pruned += (uint64_t)n;
		pthread_mutex_unlock(&w->lock);
		/* More to delete: come back at the next batch rather than hold the file. */
		if (n == PRUNE_STEP_ROWS)
			*last_prune = 0;
	}
}

static void *writer_main(void *arg)
{
	struct va_writer *w = arg;
	struct queue batch = { 0 };
	uint64_t last_prune = 0;

	for (;;) {
		uint64_t unsaved, since;
		bool stop;
		int ret;

		pthread_mutex_lock(&w->lock);
		if (!w->front.len && !w->stopping && !w->pending_unsaved) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += BATCH_WAIT_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
		}
		/* Swap: producers go on filling a fresh queue while we write. */
		struct queue tmp = w->front;
		w->front = batch;
		batch = tmp;
		unsaved = w->pending_unsaved;
		since = w->unsaved_since_ns;
		w->pending_unsaved = 0;
		stop = w->stopping;
		pthread_mutex_unlock(&w->lock);

		ret = 0;
		if (batch.len || unsaved || w->retry.len)
			ret = write_batch(w, &batch, unsaved, since);
		if (ret) {
			/*
			 * Marks say when nobody was recording: keep them for the next
			 * try. Events of the batch become an unsaved count below.
			 */
			for (size_t i = 0; i < batch.len; i++) {
				if (!batch.v[i].mark || queue_reserve(&w->retry, w->retry.len + 1))
					continue;
				w->retry.v[w->retry.len++] = batch.v[i];
				batch.v[i].mark = 0;
				batch.v[i].buf = NULL;
			}
		} else {
			w->retry.len = 0;
		}

		pthread_mutex_lock(&w->lock);
		if (ret) {
			size_t events = 0;

			for (size_t i = 0; i < batch.len; i++)
				events += batch.v[i].mark == 0 && batch.v[i].buf;
			/* Put the unsaved count back; this batch joins it. */
			w->pending_unsaved += unsaved;
			w->unsaved_since_ns = unsaved ? since : w->unsaved_since_ns;
			count_unsaved(w, events, true, batch.len ? batch.v[0].ev.ts_ns : since);
			w->stats.last_error = ret;
		} else {
			for (size_t i = 0; i < batch.len; i++)
				w->stats.stored += batch.v[i].mark == 0;
			w->stats.batches += batch.len > 0;
			w->stats.last_error = 0;
		}
		pthread_mutex_unlock(&w->lock);
		for (size_t i = 0; i < batch.len; i++)
			item_free(&batch.v[i]);
		batch.len = 0;

		if (stop) {
			pthread_mutex_lock(&w->lock);
			stop = !w->front.len && ((!w->pending_unsaved && !w->retry.len) || ret);
			pthread_mutex_unlock(&w->lock);
			if (stop)
				break;
		}
		if (ret) {
			/* Disk full or locked: wait a little before trying again. */
			struct timespec pause = { 0, 200 * 1000000L };

			nanosleep(&pause, NULL);
		}
		maybe_prune(w, &last_prune);
	}
	free(batch.v);
	free(w->retry.v);
	return NULL;
}

int va_writer_start(struct va_writer **out, struct va_store *s, size_t capacity,
		    uint64_t retain_ns)
{
	struct va_writer *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->store = s;
	w->capacity = capacity ? capacity : 262144;
	w->retain_ns = retain_ns;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	err = pthread_create(&w->thread, NULL, writer_main, w);
	if (err) {
		free(w);
		return -err;
	}
	*out = w;
	return 0;
}

void va_writer_stats(struct va_writer *w, struct va_writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->stats;
	st->depth = w->front.len;
	pthread_mutex_unlock(&w->lock);
}

int va_writer_stop(struct va_writer *w)
{
	int ret;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	ret = w->stats.last_error;
	for (size_t i = 0; i < w->front.len; i++)
		item_free(&w->front.v[i]);
	free(w->front.v);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
	return ret;
}
