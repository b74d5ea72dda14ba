// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain.h"
#include "event_pack.h"
#include "seal.h"
#include "store_checkpoint.h"
#include "store_writer.h"

#define BATCH_WAIT_MS 100
/*
 * A batch gathers for at least this long (unless the queue is a quarter
 * full, or a flush or stop is asked): each commit rewrites every index page
 * it touched, so fewer, larger batches write far less. Well under the one
 * second a crash may cost.
 */
#define BATCH_GATHER_MS 250
/*
 * The queue's memory is bounded as well as its events: this much an event
 * on average (a typical packed event with its process and path takes 80 to
 * 130 bytes; a storm of long paths would otherwise take up to 8 KiB each),
 * at most QUEUE_MAX_BYTES in all.
 */
#define QUEUE_EVENT_BYTES 128
#define QUEUE_MAX_BYTES	  (1024ull << 20)
/* Above the largest packed event: VA_EVENT_PACK_MAX and three paths and an argv. */
#define QUEUE_MIN_BYTES (64u << 10)
#define PRUNE_EVERY_NS	(10ull * 1000000000ull)
#define PRUNE_STEP_ROWS 5000

/*
 * A queued entry is bytes in its queue's buffer: a kind byte, then for an
 * event its packed form (event_pack.h), for a mark (the kind is the enum
 * va_mark, 100 and up) its time and its words. The item only says where.
 */
#define ENTRY_EVENT 0
#define MARK_HEAD	(1 + sizeof(uint64_t)) /* a mark's kind byte and time */
#define MARK_DETAIL_MAX 63

struct item {
	uint32_t off, len;
};

/*
 * A queue's entries are packed into one buffer of its own, kept from batch
 * to batch: no allocation per event in the capture thread and no free per
 * event in the writer's (with the two threads' heaps apart, those cost page
 * faults and lock traffic at a hundred thousand events a second), and about
 * a quarter of the memory the events themselves take.
 */
struct queue {
	struct item *v;
	size_t len, cap;
	unsigned char *str;
	size_t slen, scap;
};

struct va_writer {
	struct va_store *store;
	struct va_checkpointer *checkpointer; /* NULL: SQLite checkpoints in the commit */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t flushed;		/* signalled when flush_done moves */
	uint64_t flush_req, flush_done; /* va_writer_flush() generations (under lock) */
	struct queue front;		/* producers append here (under lock) */
	size_t writing; /* items of the batch being written (under lock): they count against capacity */
	size_t writing_bytes; /* and their bytes, against byte_capacity */
	struct queue
		retry; /* marks of a batch that failed: written first next time (writer only) */
	size_t capacity;      /* entries held, the batch being written included */
	size_t byte_capacity; /* their bytes: what the queue may take of memory */
	uint64_t retain_ns;
	bool stopping;
	/* Under lock: */
	struct va_writer_stats stats;
	uint64_t pending_unsaved;  /* not yet recorded in a row */
	uint64_t unsaved_since_ns; /* when the first of those was dropped */
	/* Sealing (writer thread only, once started): */
	bool sealing;
	char *key_file;
	struct va_seal_key key;
	uint64_t last_seal_ns; /* CLOCK_MONOTONIC */
	uint64_t sealed_seq;   /* the last seq covered by a seal */
	void (*on_seal)(const struct va_seal_info *info, void *arg);
	void *on_seal_arg;
	struct va_seal_info pending_seal; /* written in the open transaction */
	uint64_t event_seq,
		txn_event_seq; /* last event stored: committed, in the open transaction */
	bool seal_pending;
};

static uint64_t now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Room for @n more bytes in @q's buffer, which grows by doubling up to
 * @limit (past it only as far as needed: marks and loss records are let
 * past the queue's bound).
 */
static int bytes_reserve(struct queue *q, size_t n, size_t limit)
{
	size_t cap = q->scap ? q->scap : 65536;
	unsigned char *ns;

	if (q->slen + n <= q->scap)
		return 0;
	if (q->slen + n > UINT32_MAX)
		return -ENOMEM; /* an item's offset is 32 bits */
	while (cap < q->slen + n)
		cap *= 2;
	if (cap > limit)
		cap = limit > q->slen + n ? limit : q->slen + n;
	ns = realloc(q->str, cap);
	if (!ns)
		return -ENOMEM;
	q->str = ns;
	q->scap = cap;
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

/* Room for one more entry of up to @n bytes in @q. */
static int entry_reserve(struct queue *q, size_t n, size_t limit)
{
	return queue_reserve(q, q->len + 1) || bytes_reserve(q, n, limit) ? -ENOMEM : 0;
}

/* Close the entry written at q->slen, @len bytes long. */
static void entry_commit(struct queue *q, size_t len)
{
	q->v[q->len].off = (uint32_t)q->slen;
	q->v[q->len].len = (uint32_t)len;
	q->len++;
	q->slen += len;
}

/* The events @ev stands for when it cannot be stored: a loss record, those it counts. */
static uint64_t event_weight(const struct va_event *ev)
{
	return ev->op == VA_OP_LOST && ev->lost ? ev->lost : 1;
}

static int entry_kind(const struct queue *q, size_t i)
{
	return q->str[q->v[i].off];
}

/* Entry @i, an event. Returns: false when it does not unpack (cannot be: we packed it). */
static bool entry_event(const struct queue *q, size_t i, struct va_event *ev)
{
	const struct item *it = &q->v[i];

	return it->len > 1 && va_event_unpack(q->str + it->off + 1, it->len - 1, ev) != 0;
}

/* Entry @i, a mark: its time and words (@detail, MARK_DETAIL_MAX + 1 bytes). */
static uint64_t entry_mark(const struct queue *q, size_t i, char *detail)
{
	const struct item *it = &q->v[i];
	size_t n = it->len - MARK_HEAD;
	uint64_t ts;

	memcpy(&ts, q->str + it->off + 1, sizeof(ts));
	memcpy(detail, q->str + it->off + MARK_HEAD, n);
	detail[n] = '\0';
	return ts;
}

/* When entry @i happened. */
static uint64_t entry_ts(const struct queue *q, size_t i)
{
	char detail[MARK_DETAIL_MAX + 1];
	struct va_event ev;

	if (entry_kind(q, i) != ENTRY_EVENT)
		return entry_mark(q, i, detail);
	return entry_event(q, i, &ev) ? ev.ts_ns : 0;
}

/* Forget the entries; keep the memory for the next batch. */
static void queue_clear(struct queue *q)
{
	q->len = 0;
	q->slen = 0;
}

static void queue_free(struct queue *q)
{
	free(q->v);
	free(q->str);
	memset(q, 0, sizeof(*q));
}

/*
 * Give back a batch's memory when it took more than half the queue's
 * bound: the two queues then keep at most one and a half times the bound
 * between them, where each would otherwise keep the most it ever held. A
 * batch is written once the queue is a quarter full, so under a steady
 * load (doubling past a quarter, to at most a half) the memory is kept
 * from batch to batch.
 */
static void queue_trim(struct queue *q, size_t capacity, size_t byte_capacity)
{
	if (q->scap > byte_capacity / 2) {
		free(q->str);
		q->str = NULL;
		q->scap = 0;
	}
	if (q->cap > capacity / 2) {
		free(q->v);
		q->v = NULL;
		q->cap = 0;
	}
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

/* Under the lock: whether the next batch is worth writing without more gathering. */
static bool queue_quarter_full(const struct va_writer *w)
{
	return w->front.len >= w->capacity / 4 || w->front.slen >= w->byte_capacity / 4;
}

int va_writer_push(struct va_writer *w, const struct va_event *ev)
{
	size_t need = 1 + va_event_pack_size(ev);
	bool loss = ev->op == VA_OP_LOST;
	uint64_t n = event_weight(ev);
	bool was_full;
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	/*
	 * The bounds hold all the events queued, the batch being written
	 * included: a writer that falls behind holds @capacity events and
	 * @byte_capacity bytes, not twice that. A loss record is let past them,
	 * as marks are: refused, it would count as one unsaved event where it
	 * stands for ev->lost events that were never delivered, and those would
	 * go uncounted.
	 */
	if ((!loss && (w->front.len + w->writing >= w->capacity ||
		       w->front.slen + w->writing_bytes + need > w->byte_capacity)) ||
	    entry_reserve(&w->front, need, w->byte_capacity)) {
		count_unsaved(w, n, false, ev->ts_ns);
		ret = -ENOSPC;
		goto out;
	}
	was_full = queue_quarter_full(w);
	w->front.str[w->front.slen] = ENTRY_EVENT;
	entry_commit(&w->front, 1 + va_event_pack(w->front.str + w->front.slen + 1, ev));
	/* The writer waits for the first event, then gathers until a quarter. */
	if (w->front.len == 1 || (!was_full && queue_quarter_full(w)))
		pthread_cond_signal(&w->wake);
out:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

/* Append a mark entry to @q. */
static int queue_mark(struct queue *q, enum va_mark mark, uint64_t ts_ns, const char *detail,
		      size_t limit)
{
	size_t n = detail ? strnlen(detail, MARK_DETAIL_MAX) : 0;
	unsigned char *p;

	if (entry_reserve(q, MARK_HEAD + n, limit))
		return -ENOMEM;
	p = q->str + q->slen;
	p[0] = (unsigned char)mark;
	memcpy(p + 1, &ts_ns, sizeof(ts_ns));
	if (n)
		memcpy(p + MARK_HEAD, detail, n);
	entry_commit(q, MARK_HEAD + n);
	return 0;
}

int va_writer_push_mark(struct va_writer *w, enum va_mark mark, uint64_t ts_ns, const char *detail)
{
	int ret;

	pthread_mutex_lock(&w->lock);
	/* Marks are few and say why records are missing: never refused for room. */
	ret = queue_mark(&w->front, mark, ts_ns, detail, w->byte_capacity);
	if (!ret)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static int write_items(struct va_writer *w, const struct queue *q)
{
	char detail[MARK_DETAIL_MAX + 1];
	struct va_event ev;
	int ret = 0;

	for (size_t i = 0; i < q->len && !ret; i++) {
		int kind = entry_kind(q, i);

		if (kind != ENTRY_EVENT) {
			uint64_t ts = entry_mark(q, i, detail);

			ret = va_store_mark(w->store, (enum va_mark)kind, ts, 0,
					    detail[0] ? detail : NULL);
		} else if (!entry_event(q, i, &ev)) {
			ret = -EINVAL; /* cannot be: packed by va_writer_push() */
		} else if (!(ret = va_store_add(w->store, &ev))) {
			w->txn_event_seq = ev.seq;
		}
	}
	return ret;
}

/* Returns: whether records wait for a seal that is due now (or at @final). */
static bool seal_due(struct va_writer *w, bool final)
{
	uint8_t head[VA_HASH_LEN];
	uint64_t seq;

	if (!w->sealing)
		return false;
	va_store_head(w->store, &seq, head);
	return seq != w->sealed_seq &&
	       (final || now_mono_ns() - w->last_seal_ns >= w->key.interval_ns);
}

/*
 * Seal the chain head inside the open transaction, when an interval has
 * passed (or at @final) and records were added since the last seal. The key
 * is evolved to the current epoch first, and the evolved key saved, so that
 * the file never holds a key older than the newest seal.
 */
static int maybe_seal(struct va_writer *w, bool final)
{
	struct timespec rt;
	uint64_t seq, now, epoch;
	uint8_t head[VA_HASH_LEN], mac[VA_SEAL_MAC_LEN];
	int ret;

	if (!w->sealing)
		return 0;
	if (!seal_due(w, final))
		return 0;
	va_store_head(w->store, &seq, head);
	clock_gettime(CLOCK_REALTIME, &rt);
	now = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	epoch = va_seal_epoch_of(&w->key, now);
	if (epoch > w->key.epoch) {
		va_seal_advance(&w->key, epoch);
		ret = va_seal_key_save(w->key_file, &w->key);
		pthread_mutex_lock(&w->lock);
		w->stats.seal_error = ret;
		w->stats.seal_epoch = w->key.epoch;
		pthread_mutex_unlock(&w->lock);
	}
	ret = va_seal_mac(&w->key, seq, now, head, mac);
	if (!ret)
		ret = va_store_seal(w->store, now, w->key.epoch, w->key.key_id, mac, sizeof(mac));
	if (ret)
		return ret;
	w->pending_seal.seq = seq;
	w->pending_seal.event_seq = w->txn_event_seq;
	w->pending_seal.ts_ns = now;
	w->pending_seal.epoch = w->key.epoch;
	va_hex(head, sizeof(head), w->pending_seal.head);
	va_hex(mac, sizeof(mac), w->pending_seal.mac);
	w->seal_pending = true;
	return 0;
}

/* After a commit: the seal in it is real now. */
static void sealed(struct va_writer *w)
{
	if (!w->seal_pending)
		return;
	w->seal_pending = false;
	w->sealed_seq = w->pending_seal.seq;
	w->last_seal_ns = now_mono_ns();
	pthread_mutex_lock(&w->lock);
	w->stats.seals++;
	pthread_mutex_unlock(&w->lock);
	if (w->on_seal)
		w->on_seal(&w->pending_seal, w->on_seal_arg);
}

/*
 * Write the marks kept from a failed batch, the unsaved count and @batch in
 * one transaction, sealed when due (@final: the last batch). Returns: 0 or
 * -errno (nothing stored).
 */
static int write_batch(struct va_writer *w, struct queue *batch, uint64_t unsaved,
		       uint64_t unsaved_since, bool final)
{
	int ret = va_store_begin(w->store);

	if (ret)
		return ret;
	w->seal_pending = false;
	w->txn_event_seq = w->event_seq;
	ret = write_items(w, &w->retry);
	if (!ret && unsaved)
		ret = va_store_mark(w->store, VA_MARK_UNSAVED, unsaved_since, unsaved, NULL);
	if (!ret)
		ret = write_items(w, batch);
	if (!ret)
		ret = maybe_seal(w, final);
	if (ret) {
		va_store_rollback(w->store);
		w->seal_pending = false;
		return ret;
	}
	ret = va_store_commit(w->store);
	if (ret) {
		w->seal_pending = false;
	} else {
		w->event_seq = w->txn_event_seq;
		sealed(w);
	}
	return ret;
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

/* Under the lock: let a batch grow until BATCH_GATHER_MS after the last commit. */
static void gather(struct va_writer *w, uint64_t last_commit)
{
	uint64_t due = last_commit + BATCH_GATHER_MS * 1000000ull, now = now_mono_ns();
	struct timespec until;

	while (w->front.len && !queue_quarter_full(w) && !w->stopping &&
	       w->flush_req == w->flush_done && now < due) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(due - now);
		while (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->lock, &until);
		now = now_mono_ns();
	}
}

static void *writer_main(void *arg)
{
	struct va_writer *w = arg;
	struct queue batch = { 0 };
	/* The start counts as a commit: the first batch gathers like the others. */
	uint64_t last_prune = 0, last_commit = now_mono_ns();

	for (;;) {
		uint64_t unsaved, since, flush, batch_weight;
		size_t batch_events;
		bool stop;
		int ret;

		pthread_mutex_lock(&w->lock);
		if (!w->front.len && !w->stopping && !w->pending_unsaved &&
		    w->flush_req == w->flush_done) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += BATCH_WAIT_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
		}
		gather(w, last_commit);
		/* Swap: producers go on filling a fresh queue while we write. */
		struct queue tmp = w->front;
		w->front = batch;
		batch = tmp;
		w->writing = batch.len;
		w->writing_bytes = batch.slen;
		unsaved = w->pending_unsaved;
		since = w->unsaved_since_ns;
		w->pending_unsaved = 0;
		stop = w->stopping;
		flush = w->flush_req;
		pthread_mutex_unlock(&w->lock);

		ret = 0;
		/* A final or due seal needs a transaction even when nothing is queued. */
		if (batch.len || unsaved || w->retry.len ||
		    seal_due(w, stop || flush != w->flush_done))
			ret = write_batch(w, &batch, unsaved, since,
					  stop || flush != w->flush_done);
		if (flush != w->flush_done) {
			pthread_mutex_lock(&w->lock);
			w->flush_done = flush;
			pthread_cond_broadcast(&w->flushed);
			pthread_mutex_unlock(&w->lock);
		}
		batch_events = 0;
		batch_weight = 0;
		for (size_t i = 0; i < batch.len; i++)
			batch_events += entry_kind(&batch, i) == ENTRY_EVENT;
		if (ret) {
			/*
			 * Marks say when nobody was recording: keep them for the next
			 * try. Events of the batch become an unsaved count below.
			 */
			for (size_t i = 0; i < batch.len; i++) {
				char detail[MARK_DETAIL_MAX + 1];
				struct va_event ev;
				int kind = entry_kind(&batch, i);

				if (kind == ENTRY_EVENT)
					batch_weight += entry_event(&batch, i, &ev) ? event_weight(&ev) : 1;
				else
					queue_mark(&w->retry, (enum va_mark)kind,
						   entry_mark(&batch, i, detail), detail, SIZE_MAX);
			}
		} else {
			queue_clear(&w->retry);
		}

		if (batch.len)
			last_commit = now_mono_ns();
		pthread_mutex_lock(&w->lock);
		w->writing = 0;
		w->writing_bytes = 0;
		if (ret) {
			/* Put the unsaved count back; this batch joins it. */
			w->pending_unsaved += unsaved;
			w->unsaved_since_ns = unsaved ? since : w->unsaved_since_ns;
			/* A loss record that cannot be stored leaves its events unsaved. */
			count_unsaved(w, batch_weight, true, batch.len ? entry_ts(&batch, 0) : since);
			w->stats.last_error = ret;
		} else {
			w->stats.stored += batch_events;
			w->stats.batches += batch.len > 0;
			w->stats.last_error = 0;
		}
		pthread_mutex_unlock(&w->lock);
		queue_clear(&batch);
		queue_trim(&batch, w->capacity, w->byte_capacity);

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
	queue_free(&batch);
	queue_free(&w->retry);
	return NULL;
}

int va_writer_flush(struct va_writer *w, unsigned int timeout_ms)
{
	struct timespec until;
	uint64_t gen;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	/* Past any batch already taken: the request is seen after what is queued now. */
	gen = ++w->flush_req;
	pthread_cond_signal(&w->wake);
	while (w->flush_done < gen && !ret)
		ret = pthread_cond_timedwait(&w->flushed, &w->lock, &until) ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int va_writer_seal(struct va_writer *w, const char *key_file,
		   void (*on_seal)(const struct va_seal_info *info, void *arg), void *arg)
{
	struct va_seal_key key;
	char *copy;
	int ret = va_seal_key_load(key_file, &key);

	if (ret)
		return ret;
	copy = strdup(key_file);
	if (!copy) {
		va_seal_key_wipe(&key);
		return -ENOMEM;
	}
	pthread_mutex_lock(&w->lock);
	free(w->key_file);
	w->key_file = copy;
	w->key = key;
	w->on_seal = on_seal;
	w->on_seal_arg = arg;
	w->stats.seal_epoch = key.epoch;
	w->sealed_seq = 0;
	w->last_seal_ns = now_mono_ns();
	w->sealing = true;
	pthread_mutex_unlock(&w->lock);
	va_seal_key_wipe(&key);
	return 0;
}

int va_writer_start(struct va_writer **out, struct va_store *s, size_t capacity, uint64_t retain_ns)
{
	struct va_writer *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->store = s;
	w->capacity = capacity ? capacity : 262144;
	w->byte_capacity = w->capacity > QUEUE_MAX_BYTES / QUEUE_EVENT_BYTES
				   ? QUEUE_MAX_BYTES
				   : w->capacity * QUEUE_EVENT_BYTES;
	/* However small the queue, an empty one takes the largest event. */
	if (w->byte_capacity < QUEUE_MIN_BYTES)
		w->byte_capacity = QUEUE_MIN_BYTES;
	w->retain_ns = retain_ns;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->flushed, NULL);
	/* Without it the store still works: SQLite checkpoints inside the commits. */
	if (va_checkpointer_start(&w->checkpointer, s))
		w->checkpointer = NULL;
	err = pthread_create(&w->thread, NULL, writer_main, w);
	if (!err)
		pthread_setname_np(w->thread, "va-writer"); /* for `top -H` and perf */
	if (err) {
		va_checkpointer_stop(w->checkpointer);
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
	st->depth = w->front.len + w->writing;
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
	va_checkpointer_stop(w->checkpointer);
	ret = w->stats.last_error;
	queue_free(&w->front);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->flushed);
	va_seal_key_wipe(&w->key);
	free(w->key_file);
	free(w);
	return ret;
}
