// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backlog.h"
#include "chain.h"
#include "event_pack.h"
#include "region.h"
#include "seal.h"
#include "store_checkpoint.h"
#include "store_writer.h"

#define BATCH_WAIT_MS 100
/* Failed reads of the backlog in a row (200 ms apart) before what it holds is counted unsaved. */
#define BACKLOG_TRIES 5
/*
 * A batch gathers for at least this long (unless the queue is a quarter
 * full, or a flush or stop is asked): each commit rewrites every index page
 * it touched, so fewer, larger batches write far less. Well under the one
 * second a crash may cost.
 */
#define BATCH_GATHER_MS 250
/*
 * ... or until it holds this many bytes (about 20,000 typical events, a
 * tenth of a second at 200,000 events a second). Each queue's buffer then
 * stays near BATCH_KEEP_BYTES however fast events come, where 250 ms of a
 * storm grew both to 8 MiB and more.
 */
#define BATCH_GATHER_BYTES (3u << 20)
/* What a queue keeps between batches: a full batch and what comes while it is taken. */
#define BATCH_KEEP_BYTES (BATCH_GATHER_BYTES + VA_REGION_STEP)
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
#define ENTRY_LOSS	1 /* an event that is a loss record: it counts its lost */
#define MARK_HEAD	(1 + sizeof(uint64_t)) /* a mark's kind byte and time */
/*
 * A start row's filters in JSON (coverage.h); filters too large for it are
 * recorded as not known (cmd_run.c).
 */
#define MARK_DETAIL_MAX 32767

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
	struct va_region items; /* struct item[len] */
	struct va_region bytes; /* the entries, slen bytes */
	size_t len, slen;
};

static struct item *item_at(const struct queue *q, size_t i)
{
	return (struct item *)q->items.p + i;
}

/*
 * The open transaction. It takes several batches when events come fast: a
 * batch is bounded (BATCH_GATHER_BYTES) to keep the queues small, a
 * transaction is not, since each commit rewrites every index page it
 * touched. Should it fail, what it stands for is known without the batches
 * that went into it.
 */
struct txn {
	bool open;
	uint64_t events;	 /* events in it, stored once it commits */
	uint64_t weight;	 /* the events it stands for (a loss record counts its lost) */
	uint64_t lost_weight;	 /* of which: those loss records' lost, counted lost already */
	uint64_t first_ts;	 /* when its first entry happened */
	uint64_t unsaved, since; /* unsaved counts written in it, and since when */
	struct queue marks;	 /* copies of its marks: kept for the retry should it fail */
};

struct va_writer {
	struct va_store *store;
	struct va_checkpointer *checkpointer; /* NULL: SQLite checkpoints in the commit */
	int checkpointer_error; /* why it is NULL (-errno), for va_writer_checkpointer_error() */
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
	struct va_backlog backlog; /* past capacity, in order (under lock; fd -1: none) */
	uint64_t backlog_weight;   /* the events its entries stand for (under lock) */
	uint64_t backlog_lost;	   /* of which: loss records' lost, counted lost already */
	uint64_t backlog_since;	   /* no later than the oldest of them happened (under lock) */
	uint64_t flush_backlog;	   /* backlog.appended at the last flush request (under lock) */
	size_t writing_backlog;	   /* entries of the batch being written that came from it */
	unsigned int backlog_failures; /* reads of it that failed in a row (writer only) */
	size_t capacity;	   /* entries held, the batch being written included */
	size_t byte_capacity; /* their bytes: what the queue may take of memory */
	uint64_t retain_ns;
	bool stopping;
	/* Under lock: */
	struct va_writer_stats stats;
	int first_error; /* va_writer_take_error() */
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
	struct txn txn; /* writer thread only */
	size_t uncommitted; /* events written in the open transaction (under lock) */
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

/* Room for one more entry of up to @n bytes in @q. */
static int entry_reserve(struct queue *q, size_t n)
{
	/* An item's offset is 32 bits. */
	if (q->slen + n > UINT32_MAX)
		return -ENOMEM;
	return va_region_reserve(&q->items, (q->len + 1) * sizeof(struct item)) ||
			       va_region_reserve(&q->bytes, q->slen + n)
		       ? -ENOMEM
		       : 0;
}

/* Close the entry written at q->slen, @len bytes long. */
static void entry_commit(struct queue *q, size_t len)
{
	item_at(q, q->len)->off = (uint32_t)q->slen;
	item_at(q, q->len)->len = (uint32_t)len;
	q->len++;
	q->slen += len;
}

/* The events @ev stands for when it cannot be stored: a loss record, those it counts. */
static uint64_t event_weight(const struct va_event *ev)
{
	return ev->op == VA_OP_LOST && ev->lost ? ev->lost : 1;
}

/*
 * Of event_weight(), those counted lost already: a loss record's lost but
 * one. In the stats a loss record is one entry, unsaved as when stored
 * (stored + unsaved = pushed); its lost are in the lost count.
 */
static uint64_t event_lost_part(const struct va_event *ev)
{
	return ev->op == VA_OP_LOST && ev->lost ? ev->lost - 1 : 0;
}

static int entry_kind(const struct queue *q, size_t i)
{
	return q->bytes.p[item_at(q, i)->off];
}

/* Entry @i, an event. Returns: false when it does not unpack (cannot be: we packed it). */
static bool entry_event(const struct queue *q, size_t i, struct va_event *ev)
{
	const struct item *it = item_at(q, i);

	return it->len > 1 && va_event_unpack(q->bytes.p + it->off + 1, it->len - 1, ev) != 0;
}

/* Entry @i, a mark: its time and words (@detail, MARK_DETAIL_MAX + 1 bytes). */
static uint64_t entry_mark(const struct queue *q, size_t i, char *detail)
{
	const struct item *it = item_at(q, i);
	size_t n = it->len - MARK_HEAD;
	uint64_t ts;

	memcpy(&ts, q->bytes.p + it->off + 1, sizeof(ts));
	memcpy(detail, q->bytes.p + it->off + MARK_HEAD, n);
	detail[n] = '\0';
	return ts;
}

/* Forget the entries; keep the memory for the next batch. */
static void queue_clear(struct queue *q)
{
	q->len = 0;
	q->slen = 0;
}

static void queue_free(struct queue *q)
{
	va_region_free(&q->items);
	va_region_free(&q->bytes);
	memset(q, 0, sizeof(*q));
}

/*
 * After a batch, give back what a backlog made it grow past a batch's
 * usual size: under a steady load the memory is kept from batch to batch,
 * and after a burst the daemon shrinks back instead of keeping the most
 * it ever held.
 */
static void queue_trim(struct queue *q)
{
	va_region_shrink(&q->bytes, BATCH_KEEP_BYTES);
	va_region_shrink(&q->items, BATCH_KEEP_BYTES / 4);
}

/*
 * @n events not stored, @lost of them the lost events of loss records that
 * were not stored either (event_lost_part()). The store's "unsaved" row
 * counts all @n: it has no record of any of them. The stats count
 * @n - @lost: those were counted lost when they happened, and lost +
 * unsaved must not count them twice.
 */
static void count_unsaved(struct va_writer *w, uint64_t n, uint64_t lost, bool disk, uint64_t when)
{
	uint64_t captured = n - (lost < n ? lost : n);

	if (!w->pending_unsaved)
		w->unsaved_since_ns = when;
	w->pending_unsaved += n;
	w->stats.unsaved += captured;
	if (disk)
		w->stats.unsaved_disk += captured;
	else
		w->stats.unsaved_queue += captured;
}

/* Under the lock: whether the next batch is worth writing without more gathering. */
static bool batch_full(const struct va_writer *w)
{
	/* Never when empty: a queue of under 4 events has a quarter of 0. */
	return w->front.len && (w->front.len >= w->capacity / 4 ||
				w->front.slen >= w->byte_capacity / 4 ||
				w->front.slen >= BATCH_GATHER_BYTES);
}

int va_writer_push(struct va_writer *w, const struct va_event *ev)
{
	size_t need = 1 + va_event_pack_size(ev);
	bool loss = ev->op == VA_OP_LOST;
	uint64_t n = event_weight(ev), lost = event_lost_part(ev);
	bool was_full, full;
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	/*
	 * The bounds hold all the events queued, the batch being written
	 * included: a writer that falls behind holds @capacity events and
	 * @byte_capacity bytes, not twice that. Past them events go to the
	 * backlog, and all after them too until it is empty: they are stored
	 * in the order they came. A loss record is let past the bounds, as
	 * marks are: refused, it would count as one unsaved event where it
	 * stands for ev->lost events that were never delivered, and those would
	 * go uncounted.
	 */
	full = w->front.len + w->writing >= w->capacity ||
	       w->front.slen + w->writing_bytes + need > w->byte_capacity;
	if (w->backlog.entries || full) {
		unsigned char *p;

		/* A loss record keeps its place past the backlog's bound, as marks do. */
		if (!va_backlog_reserve(&w->backlog, need, loss, &p)) {
			p[0] = loss ? ENTRY_LOSS : ENTRY_EVENT;
			va_backlog_commit(&w->backlog, 1 + va_event_pack(p + 1, ev));
			if (!w->backlog_weight)
				w->backlog_since = ev->ts_ns;
			w->backlog_weight += n;
			w->backlog_lost += lost;
			if (w->backlog.entries == 1)
				pthread_cond_signal(&w->wake);
			goto out;
		}
		/* Never into memory ahead of the backlog's older events. */
		if (!loss || w->backlog.entries) {
			count_unsaved(w, n, lost, false, ev->ts_ns);
			ret = -ENOSPC;
			goto out;
		}
	}
	if (entry_reserve(&w->front, need)) {
		count_unsaved(w, n, lost, false, ev->ts_ns);
		ret = -ENOSPC;
		goto out;
	}
	was_full = batch_full(w);
	w->front.bytes.p[w->front.slen] = loss ? ENTRY_LOSS : ENTRY_EVENT;
	entry_commit(&w->front, 1 + va_event_pack(w->front.bytes.p + w->front.slen + 1, ev));
	/* The writer waits for the first event, then gathers until the batch is full. */
	if (w->front.len == 1 || (!was_full && batch_full(w)))
		pthread_cond_signal(&w->wake);
out:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

/* Write a mark entry at @p; returns its length. */
static size_t put_mark(unsigned char *p, enum va_mark mark, uint64_t ts_ns, const char *detail,
		       size_t n)
{
	p[0] = (unsigned char)mark;
	memcpy(p + 1, &ts_ns, sizeof(ts_ns));
	if (n)
		memcpy(p + MARK_HEAD, detail, n);
	return MARK_HEAD + n;
}

/* Append a mark entry to @q. */
static int queue_mark(struct queue *q, enum va_mark mark, uint64_t ts_ns, const char *detail)
{
	size_t n = detail ? strnlen(detail, MARK_DETAIL_MAX) : 0;

	if (entry_reserve(q, MARK_HEAD + n))
		return -ENOMEM;
	entry_commit(q, put_mark(q->bytes.p + q->slen, mark, ts_ns, detail, n));
	return 0;
}

/* Append a mark entry to the backlog. */
static int backlog_mark(struct va_backlog *b, enum va_mark mark, uint64_t ts_ns, const char *detail)
{
	size_t n = detail ? strnlen(detail, MARK_DETAIL_MAX) : 0;
	unsigned char *p;
	int ret = va_backlog_reserve(b, MARK_HEAD + n, true, &p);

	if (!ret)
		va_backlog_commit(b, put_mark(p, mark, ts_ns, detail, n));
	return ret;
}

int va_writer_push_mark(struct va_writer *w, enum va_mark mark, uint64_t ts_ns, const char *detail)
{
	int ret;

	pthread_mutex_lock(&w->lock);
	/*
	 * Marks are few and say why records are missing: never refused for
	 * room. Behind a backlog they wait in it, in their place, past its
	 * bound; only should memory run out do they go ahead of it.
	 */
	if (w->backlog.entries && !backlog_mark(&w->backlog, mark, ts_ns, detail)) {
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		return 0;
	}
	ret = queue_mark(&w->front, mark, ts_ns, detail);
	if (!ret)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return ret;
}

/* Store a mark entry's row: @detail as entry_mark() left it. */
static int store_mark(struct va_writer *w, int kind, uint64_t ts, const char *detail)
{
	return va_store_mark(w->store, (enum va_mark)kind, ts, 0, detail[0] ? detail : NULL);
}

/* Write the marks kept from a failed transaction (the retry holds marks only). */
static int write_retry(struct va_writer *w)
{
	char detail[MARK_DETAIL_MAX + 1];
	int ret = 0;

	for (size_t i = 0; i < w->retry.len && !ret; i++) {
		uint64_t ts = entry_mark(&w->retry, i, detail);

		ret = store_mark(w, entry_kind(&w->retry, i), ts, detail);
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

/* Open a transaction and write the marks kept from a failed one. @ret: 0 or -errno. */
static int txn_begin(struct va_writer *w)
{
	int ret;

	memset(&w->txn, 0, offsetof(struct txn, marks));
	queue_clear(&w->txn.marks);
	w->seal_pending = false;
	w->txn_event_seq = w->event_seq;
	ret = va_store_begin(w->store);
	if (ret)
		return ret;
	w->txn.open = true;
	return write_retry(w);
}

/*
 * Add the unsaved count and @batch to the transaction. Every entry is
 * accounted for, so that a failure knows what the transaction stood for;
 * after a failure (@ret, or one here) nothing more is written.
 * Returns: @ret, or the failure here.
 */
static int txn_add(struct va_writer *w, const struct queue *batch, uint64_t unsaved,
		   uint64_t since, int ret)
{
	struct txn *t = &w->txn;
	char detail[MARK_DETAIL_MAX + 1];
	struct va_event ev;

	if (unsaved) {
		if (!t->unsaved)
			t->since = since;
		t->unsaved += unsaved;
		if (!ret)
			ret = va_store_mark(w->store, VA_MARK_UNSAVED, since, unsaved, NULL);
	}
	for (size_t i = 0; i < batch->len; i++) {
		int kind = entry_kind(batch, i);
		uint64_t ts;

		if (kind != ENTRY_EVENT && kind != ENTRY_LOSS) {
			ts = entry_mark(batch, i, detail);
			/* Marks say when nobody was recording: never dropped. */
			queue_mark(&t->marks, (enum va_mark)kind, ts, detail);
			if (!ret)
				ret = store_mark(w, kind, ts, detail);
		} else if (!entry_event(batch, i, &ev)) {
			ts = 0;
			t->weight++;
			ret = ret ? ret : -EINVAL; /* cannot be: packed by va_writer_push() */
		} else {
			ts = ev.ts_ns;
			t->events++;
			t->weight += event_weight(&ev);
			t->lost_weight += event_lost_part(&ev);
			if (!ret && !(ret = va_store_add(w->store, &ev)))
				w->txn_event_seq = ev.seq;
		}
		if (!t->first_ts)
			t->first_ts = ts;
	}
	return ret;
}

/*
 * Seal when due (or at @final) and commit; or, after a failure (@ret or
 * the commit's), roll back: the transaction's events become an unsaved
 * count and its marks wait for the next one. Returns: 0 or -errno.
 */
static int txn_end(struct va_writer *w, int ret, bool final)
{
	struct txn *t = &w->txn;
	char detail[MARK_DETAIL_MAX + 1];

	if (!ret)
		ret = maybe_seal(w, final);
	if (!ret)
		ret = va_store_commit(w->store);
	else if (t->open)
		va_store_rollback(w->store);
	t->open = false;
	if (!ret) {
		w->event_seq = w->txn_event_seq;
		sealed(w);
		queue_clear(&w->retry);
	} else {
		w->seal_pending = false;
		for (size_t i = 0; i < t->marks.len; i++) {
			uint64_t ts = entry_mark(&t->marks, i, detail);

			queue_mark(&w->retry, (enum va_mark)entry_kind(&t->marks, i), ts, detail);
		}
	}
	queue_clear(&t->marks);

	pthread_mutex_lock(&w->lock);
	if (ret) {
		/* Put the unsaved counts back; this transaction's events join them. */
		if (t->unsaved) {
			if (!w->pending_unsaved || t->since < w->unsaved_since_ns)
				w->unsaved_since_ns = t->since;
			w->pending_unsaved += t->unsaved;
		}
		/* A loss record that cannot be stored leaves its events unsaved. */
		if (t->weight)
			count_unsaved(w, t->weight, t->lost_weight, true, t->first_ts);
		w->stats.last_error = ret;
		/* Damage is always said: it outranks a failure the next second may undo. */
		if (!w->first_error || ret == -EUCLEAN)
			w->first_error = ret;
	} else {
		w->stats.stored += t->events;
		w->stats.batches += t->events > 0;
		w->stats.last_error = 0;
	}
	/* In the same breath: no reader sees these events both stored and waiting. */
	w->writing = 0;
	w->writing_bytes = 0;
	w->uncommitted = 0;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static void maybe_prune(struct va_writer *w, uint64_t *last_prune)
{
	uint64_t now = now_real_ns(), retain = __atomic_load_n(&w->retain_ns, __ATOMIC_RELAXED);
	int n;

	if (!retain || now - *last_prune < PRUNE_EVERY_NS || now < retain)
		return;
	*last_prune = now;
	n = va_store_prune(w->store, now - retain, PRUNE_STEP_ROWS);
	if (n > 0) {
		pthread_mutex_lock(&w->lock);
		w->stats.pruned += (uint64_t)n;
		pthread_mutex_unlock(&w->lock);
		/* More to delete: come back at the next batch rather than hold the file. */
		if (n == PRUNE_STEP_ROWS)
			*last_prune = 0;
	}
}

/*
 * Under the lock: let a batch grow until it is full or BATCH_GATHER_MS
 * after the last commit; with a transaction open, wait for that time even
 * with nothing queued, to commit it then.
 */
static void gather(struct va_writer *w, uint64_t last_commit)
{
	uint64_t due = last_commit + BATCH_GATHER_MS * 1000000ull, now = now_mono_ns();
	struct timespec until;

	/* Behind a backlog there is no waiting: the writer is late already. */
	while ((w->front.len || w->txn.open) && !batch_full(w) && !w->backlog.entries &&
	       !w->stopping && w->flush_req == w->flush_done && now < due) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)(due - now);
		while (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->lock, &until);
		now = now_mono_ns();
	}
}

/* The events entry @i stands for: a loss record its lost, a mark none. */
static uint64_t entry_weight(const struct queue *q, size_t i)
{
	struct va_event ev;

	switch (entry_kind(q, i)) {
	case ENTRY_EVENT:
		return 1;
	case ENTRY_LOSS:
		return entry_event(q, i, &ev) ? event_weight(&ev) : 1;
	default:
		return 0;
	}
}

/* Of entry_weight(), those a loss record counted lost already. */
static uint64_t entry_lost(const struct queue *q, size_t i)
{
	struct va_event ev;

	return entry_kind(q, i) == ENTRY_LOSS && entry_event(q, i, &ev) ? event_lost_part(&ev) : 0;
}

/*
 * Called with the lock held and memory's queue empty: the backlog's oldest
 * entries, a batch's worth, into @batch. The file is read with the lock
 * let go, since 3 MiB read under it would hold the capture thread up: only
 * this thread takes from the backlog or closes it while it holds entries,
 * and appends go past what is read. Returns: 0 or -errno (the entries
 * stay in the backlog).
 */
static int take_backlog(struct va_writer *w, struct queue *batch)
{
	uint64_t off, end, weight = 0, lost = 0;
	enum va_backlog_where where = va_backlog_next(&w->backlog, &off, &end);
	size_t n, most = 0;
	long got;

	if (where == VA_BACKLOG_EMPTY)
		return 0;
	if (where == VA_BACKLOG_IN_FILE) {
		pthread_mutex_unlock(&w->lock);
		got = va_backlog_read(w->backlog.fd, off, end, &batch->bytes, BATCH_GATHER_BYTES,
				      &n);
		pthread_mutex_lock(&w->lock);
	} else {
		/*
		 * Room first, what memory holds is gone once taken: an entry
		 * takes 4 + MARK_HEAD or more, and a chunk or the tail is at
		 * most about VA_BACKLOG_CHUNK.
		 */
		size_t len = w->backlog.count ? w->backlog.pending[w->backlog.first].len
					      : w->backlog.tail_len;

		most = len / (sizeof(uint32_t) + MARK_HEAD) + 1;
		if (va_region_reserve(&batch->items, most * sizeof(struct item)))
			return -ENOMEM;
		got = va_backlog_take_memory(&w->backlog, &batch->bytes, &n);
	}
	if (got < 0)
		return (int)got;
	if (n > most && va_region_reserve(&batch->items, n * sizeof(struct item)))
		return -ENOMEM; /* from the file only: nothing taken yet */
	for (size_t pos = 0, i = 0; i < n; i++) {
		const unsigned char *p;
		uint32_t len;
		size_t next = va_backlog_entry(batch->bytes.p, pos, &p, &len);

		*item_at(batch, i) = (struct item){ (uint32_t)(p - batch->bytes.p), len };
		weight += entry_weight(batch, i);
		lost += entry_lost(batch, i);
		pos = next;
	}
	batch->len = n;
	batch->slen = (size_t)got;
	if (where == VA_BACKLOG_IN_FILE)
		va_backlog_consume(&w->backlog, (uint64_t)got, n);
	w->backlog_weight -= weight < w->backlog_weight ? weight : w->backlog_weight;
	w->backlog_lost -= lost < w->backlog_lost ? lost : w->backlog_lost;
	/* Lets the lock go for a truncation or a punch: what it took is accounted already. */
	va_backlog_tidy(&w->backlog);
	return 0;
}

/*
 * Under the lock: count what waits in the backlog as unsaved and forget
 * it, when it cannot be read back or the store refuses it at a stop. Its
 * marks go with it: the disk that lost them lost their events too.
 */
static void drop_backlog(struct va_writer *w)
{
	/* Else events appended while it waited would be dropped uncounted. */
	va_backlog_settle(&w->backlog);
	if (w->backlog_weight)
		count_unsaved(w, w->backlog_weight, w->backlog_lost, true, w->backlog_since);
	w->backlog_weight = w->backlog_lost = 0;
	va_backlog_clear(&w->backlog);
}

static void *writer_main(void *arg)
{
	struct va_writer *w = arg;
	struct queue batch = { 0 };
	/* The start counts as a commit: the first batch gathers like the others. */
	uint64_t last_prune = 0, last_commit = now_mono_ns();

	for (;;) {
		uint64_t unsaved, since, flush;
		bool stop, final, due, more, covered;
		int ret = 0, backlog_err = 0;

		pthread_mutex_lock(&w->lock);
		if (!w->front.len && !w->backlog.entries && !w->stopping && !w->pending_unsaved &&
		    !w->txn.open && w->flush_req == w->flush_done) {
			struct timespec until;

			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += BATCH_WAIT_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
		}
		gather(w, last_commit);
		if (!w->front.len && w->backlog.entries) {
			/*
			 * Memory's queue is older than the backlog: it is written
			 * first. A batch from the backlog counts against no bound
			 * of memory's queue, so that events go back to memory as
			 * soon as the backlog is empty.
			 */
			backlog_err = take_backlog(w, &batch);
			if (backlog_err) {
				w->stats.backlog_error = backlog_err;
				/* Tried again after a pause; at a stop, or for good, counted. */
				if (++w->backlog_failures >= BACKLOG_TRIES || w->stopping)
					drop_backlog(w);
			} else {
				w->backlog_failures = 0;
				w->stats.backlog_error = 0;
			}
			w->writing_backlog = batch.len;
		} else {
			/* Swap: producers go on filling a fresh queue while we write. */
			struct queue tmp = w->front;

			w->front = batch;
			batch = tmp;
			w->writing = batch.len;
			w->writing_bytes = batch.slen;
		}
		more = w->backlog.entries > 0;
		covered = w->backlog.taken >= w->flush_backlog;
		unsaved = w->pending_unsaved;
		since = w->unsaved_since_ns;
		w->pending_unsaved = 0;
		stop = w->stopping;
		flush = w->flush_req;
		pthread_mutex_unlock(&w->lock);

		/*
		 * A stop is done when everything is written, the backlog too; a
		 * flush when what was queued before it is, which under a storm
		 * that keeps the backlog full comes long before it is empty.
		 */
		final = (stop && !more) || (flush != w->flush_done && covered);
		due = final || now_mono_ns() >= last_commit + BATCH_GATHER_MS * 1000000ull;
		/* A final or due seal needs a transaction even when nothing is queued. */
		if (!w->txn.open &&
		    (batch.len || unsaved || w->retry.len || seal_due(w, final)))
			ret = txn_begin(w);
		if (w->txn.open || ret)
			ret = txn_add(w, &batch, unsaved, since, ret);
		if ((w->txn.open || ret) && (ret || due)) {
			ret = txn_end(w, ret, final);
			last_commit = now_mono_ns();
		}
		/* The store refuses: what the backlog holds would take as long each. */
		if (ret && stop && more) {
			pthread_mutex_lock(&w->lock);
			drop_backlog(w);
			pthread_mutex_unlock(&w->lock);
		}
		if (flush != w->flush_done && covered) {
			pthread_mutex_lock(&w->lock);
			w->flush_done = flush;
			pthread_cond_broadcast(&w->flushed);
			pthread_mutex_unlock(&w->lock);
		}

		pthread_mutex_lock(&w->lock);
		w->writing = 0;
		w->writing_bytes = 0;
		w->writing_backlog = 0;
		w->uncommitted = w->txn.open ? w->txn.events : 0;
		pthread_mutex_unlock(&w->lock);
		queue_clear(&batch);
		queue_trim(&batch);

		if (stop) {
			pthread_mutex_lock(&w->lock);
			stop = !w->front.len && !w->backlog.entries &&
			       ((!w->pending_unsaved && !w->retry.len) || ret);
			pthread_mutex_unlock(&w->lock);
			if (stop)
				break;
		}
		if (ret || backlog_err) {
			/* Disk full or locked: wait a little before trying again. */
			struct timespec pause = { 0, 200 * 1000000L };

			nanosleep(&pause, NULL);
		}
		/* Pruning takes transactions of its own. */
		if (!w->txn.open)
			maybe_prune(w, &last_prune);
	}
	queue_free(&batch);
	queue_free(&w->retry);
	queue_free(&w->txn.marks);
	return NULL;
}

int va_writer_flush(struct va_writer *w, unsigned int timeout_ms)
{
	struct timespec until;
	uint64_t gen;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	/* Past any batch already taken: the request is seen after what is queued now. */
	gen = ++w->flush_req;
	w->flush_backlog = w->backlog.appended;
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
	pthread_condattr_t cattr;
	int err;

	if (!w)
		return -ENOMEM;
	w->store = s;
	w->backlog.fd = -1;
	w->capacity = capacity ? capacity : VA_WRITER_QUEUE_DEFAULT;
	w->byte_capacity = w->capacity > QUEUE_MAX_BYTES / QUEUE_EVENT_BYTES
				   ? QUEUE_MAX_BYTES
				   : w->capacity * QUEUE_EVENT_BYTES;
	/* However small the queue, an empty one takes the largest event. */
	if (w->byte_capacity < QUEUE_MIN_BYTES)
		w->byte_capacity = QUEUE_MIN_BYTES;
	w->retain_ns = retain_ns;
	pthread_mutex_init(&w->lock, NULL);
	/* Waits are measured on the monotonic clock: a clock step must not stretch a batch. */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &cattr);
	pthread_cond_init(&w->flushed, &cattr);
	pthread_condattr_destroy(&cattr);
	/* Without it the store still works: SQLite checkpoints inside the commits. */
	w->checkpointer_error = va_checkpointer_start(&w->checkpointer, s);
	if (w->checkpointer_error)
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
	st->depth = w->front.len + w->writing + w->writing_backlog + w->uncommitted +
		    w->backlog.entries;
	st->backlog = w->backlog.entries;
	st->backlog_bytes = va_backlog_bytes(&w->backlog);
	/*
	 * Its spill thread's last write (a full disk), while chunks wait that
	 * it could not write: once the reader has taken them from memory,
	 * nothing is failing any more (the next write tries again).
	 */
	if (w->backlog.error && w->backlog.count)
		st->backlog_error = w->backlog.error;
	pthread_mutex_unlock(&w->lock);
}

void va_writer_set_retain(struct va_writer *w, uint64_t retain_ns)
{
	__atomic_store_n(&w->retain_ns, retain_ns, __ATOMIC_RELAXED);
}

int va_writer_backlog(struct va_writer *w, const char *dir, uint64_t max_bytes)
{
	int ret;

	pthread_mutex_lock(&w->lock);
	/* Its entries would go uncounted, and the writer may be reading it. */
	if (w->backlog.entries) {
		pthread_mutex_unlock(&w->lock);
		return -EBUSY;
	}
	va_backlog_close(&w->backlog);
	w->stats.backlog_error = 0; /* the old file's */
	ret = max_bytes ? va_backlog_open(&w->backlog, dir, max_bytes, &w->lock) : 0;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int va_writer_checkpointer_error(const struct va_writer *w)
{
	return w->checkpointer_error;
}

int va_writer_take_error(struct va_writer *w)
{
	int err;

	pthread_mutex_lock(&w->lock);
	err = w->first_error;
	w->first_error = 0;
	pthread_mutex_unlock(&w->lock);
	return err;
}

int va_writer_stop(struct va_writer *w)
{
	return va_writer_stop_stats(w, NULL);
}

int va_writer_stop_stats(struct va_writer *w, struct va_writer_stats *st)
{
	int ret;

	if (st)
		memset(st, 0, sizeof(*st));
	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	va_checkpointer_stop(w->checkpointer);
	ret = w->stats.last_error;
	if (st)
		*st = w->stats;
	queue_free(&w->front);
	pthread_mutex_lock(&w->lock);
	va_backlog_close(&w->backlog);
	pthread_mutex_unlock(&w->lock);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->flushed);
	va_seal_key_wipe(&w->key);
	free(w->key_file);
	free(w);
	return ret;
}
