// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/memops.h>

#include "chain.h"
#include "record.h"
#include "store_priv.h"
#include "timefmt.h"
#include "verify.h"
#include "verify_index.h"

/*
 * A seal may come this much later than the records it covers: the writer
 * seals at the first batch after each interval, and a batch can take a
 * while under load.
 */
#define SEAL_SLACK_NS (60ull * 1000000000ull)

struct seal_row {
	int64_t id, seq;
	uint64_t ts, epoch, key_id;
	uint8_t head[VA_HASH_LEN];
	uint8_t mac[VA_SEAL_MAC_LEN];
	bool head_ok, mac_ok;
};

struct crash_row {
	int64_t seq;
	uint64_t ts;
};

/* First and last seq (+1, so never NULL) of each day's or hour's records. */
struct spans {
	struct va_u64map first, last;
};

struct walk {
	struct va_store *s;
	struct va_verify_result *r;
	struct va_seal_key keys[VA_SEAL_MAX_KEYS]; /* each evolved forward as seals are checked */
	size_t n_keys;
	uint64_t interval_ns; /* the longest of the keys' */
	bool keyed;
	struct seal_row *seals;
	size_t n_seals, next_seal;
	struct crash_row *crashes;
	size_t n_crashes;
	struct va_chain chain;
	int64_t prune_cut; /* records before this were removed by retention */
	bool prune_recorded;
	/* The summaries `report` and `history` read, recomputed from the records. */
	struct va_u64map by_path, by_proc;
	struct spans days, hours;
	struct va_index_check index; /* the paths index, against the records */
};

static void fail(struct walk *w, uint64_t seq, uint64_t ts, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct walk *w, uint64_t seq, uint64_t ts, const char *fmt, ...)
{
	va_list ap;

	if (!w->r->intact)
		return;
	w->r->intact = false;
	w->r->bad_seq = seq;
	w->r->bad_ts = ts;
	va_start(ap, fmt);
	vsnprintf(w->r->problem, sizeof(w->r->problem), fmt, ap);
	va_end(ap);
}

static int load_seals(struct walk *w)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int ret = 0;

	if (sqlite3_prepare_v2(w->s->db,
			       "SELECT id, seq, ts, epoch, head, mac, key_id FROM seals"
			       " ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct seal_row *sr;

		if (w->n_seals == cap) {
			struct seal_row *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(w->seals, cap * sizeof(*nv));
			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			w->seals = nv;
		}
		sr = &w->seals[w->n_seals++];
		memset(sr, 0, sizeof(*sr));
		sr->id = sqlite3_column_int64(st, 0);
		sr->seq = sqlite3_column_int64(st, 1);
		sr->ts = (uint64_t)sqlite3_column_int64(st, 2);
		sr->epoch = (uint64_t)sqlite3_column_int64(st, 3);
		sr->key_id = (uint64_t)sqlite3_column_int64(st, 6);
		/* A head or mac of the wrong size stays zero and fails below. */
		if (sqlite3_column_bytes(st, 4) == VA_HASH_LEN)
			memcpy(sr->head, sqlite3_column_blob(st, 4), VA_HASH_LEN);
		if (sqlite3_column_bytes(st, 5) == VA_SEAL_MAC_LEN)
			memcpy(sr->mac, sqlite3_column_blob(st, 5), VA_SEAL_MAC_LEN);
	}
	sqlite3_finalize(st);
	return ret;
}

/* Crash marks: records written before a crash may be sealed only after the restart. */
static int load_crashes(struct walk *w)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int ret = 0;

	if (sqlite3_prepare_v2(w->s->db, "SELECT id, ts FROM events WHERE op = 102 ORDER BY id", -1,
			       &st, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (w->n_crashes == cap) {
			struct crash_row *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(w->crashes, cap * sizeof(*nv));
			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			w->crashes = nv;
		}
		w->crashes[w->n_crashes++] =
			(struct crash_row){ sqlite3_column_int64(st, 0),
					    (uint64_t)sqlite3_column_int64(st, 1) };
	}
	sqlite3_finalize(st);
	return ret;
}

/* Seals must come in order: by seq, by time and by epoch. */
static void check_seal_order(struct walk *w)
{
	for (size_t i = 1; i < w->n_seals; i++) {
		const struct seal_row *a = &w->seals[i - 1], *b = &w->seals[i];

		/* A new key (setup-keys --force) starts again at epoch 0. */
		if (b->seq < a->seq || b->ts < a->ts ||
		    (b->epoch < a->epoch && b->key_id == a->key_id)) {
			fail(w, (uint64_t)b->seq, b->ts,
			     "seal %lld is out of order (it covers seq %lld but follows a seal of "
			     "seq %lld): seals were reordered or inserted",
			     (long long)b->id, (long long)b->seq, (long long)a->seq);
			return;
		}
	}
}

/* The seals at @seq: their heads must be the chain's, their MACs the key's. */
static void check_seals_at(struct walk *w, int64_t seq)
{
	char when[64];

	for (; w->next_seal < w->n_seals && w->seals[w->next_seal].seq <= seq; w->next_seal++) {
		struct seal_row *sr = &w->seals[w->next_seal];
		uint8_t mac[VA_SEAL_MAC_LEN];
		struct va_seal_key *k;

		if (sr->seq < seq)
			continue; /* before the first record: checked as the anchor */
		va_time_rfc3339(sr->ts, when, sizeof(when));
		if (memcmp(sr->head, w->chain.head, VA_HASH_LEN)) {
			fail(w, (uint64_t)seq, 0,
			     "seal %lld (%s) does not match the records it covers (up to seq "
			     "%lld): "
			     "either those records or the seal itself were changed",
			     (long long)sr->id, when, (long long)seq);
			return;
		}
		sr->head_ok = true;
		if (!w->keyed)
			continue;
		k = NULL;
		for (size_t i = 0; i < w->n_keys && !k; i++)
			if (w->keys[i].key_id == sr->key_id)
				k = &w->keys[i];
		if (!k) {
			fail(w, (uint64_t)seq, 0,
			     "seal %lld (%s) was made with a key none of the verification keys "
			     "given "
			     "is (key id %llx): give the key of each setup-keys run with another "
			     "--key, or the seal was forged",
			     (long long)sr->id, when, (unsigned long long)sr->key_id);
			return;
		}
		if (sr->epoch < k->epoch) {
			fail(w, (uint64_t)seq, 0, "seal %lld (%s) goes back to epoch %llu",
			     (long long)sr->id, when, (unsigned long long)sr->epoch);
			return;
		}
		va_seal_advance(k, sr->epoch);
		/* A key of epoch e cannot vouch for a time before epoch e began. */
		if (sr->ts < k->start_ns + sr->epoch * k->interval_ns ||
		    va_seal_mac(k, (uint64_t)sr->seq, sr->ts, sr->head, mac) ||
		    !memeql_sec(mac, sr->mac, sizeof(mac))) {
			fail(w, (uint64_t)seq, 0,
			     "seal %lld (%s, epoch %llu) is not authentic: it was forged or "
			     "altered "
			     "(or the verification key given is not this store's)",
			     (long long)sr->id, when, (unsigned long long)sr->epoch);
			return;
		}
		sr->mac_ok = true;
	}
}

/* When the first of the verification keys began (its epoch 0). */
static uint64_t keys_start(const struct walk *w)
{
	uint64_t start = UINT64_MAX;

	for (size_t i = 0; i < w->n_keys; i++)
		if (w->keys[i].start_ns < start)
			start = w->keys[i].start_ns;
	return start;
}

/*
 * With the key: a record must be sealed within two intervals (and some
 * slack) of its time, or else someone who held a later key could have
 * rewritten it. The only excuse is a crash: records of the last moments
 * before it are sealed after the restart.
 */
static void check_timely(struct walk *w, int64_t seq, uint64_t ts)
{
	uint64_t allowed = 2 * w->interval_ns + SEAL_SLACK_NS;
	const struct seal_row *cover = NULL;
	char when[64];

	for (size_t i = w->next_seal; i < w->n_seals && !cover; i++)
		if (w->seals[i].seq >= seq)
			cover = &w->seals[i];
	if (!cover || cover->ts <= ts + allowed)
		return;
	/*
	 * Recorded before any sealing key existed (setup-keys run on a store in
	 * use): no seal could be timely. The first seal vouches for them as the
	 * chain's head: a later key cannot remake it, only replace it when every
	 * seal is deleted (docs/TAMPER.md: only a copy of the seals shows that).
	 */
	if (cover == &w->seals[0] && ts < keys_start(w)) {
		w->r->before_key++;
		return;
	}
	/*
	 * Only the last crash before the covering seal excuses, and only the
	 * records of the moments before it: one forged crash row cannot excuse
	 * a long rewrite, and a row after each rewritten record is caught by
	 * the check that a record is not much older than the seal before it.
	 */
	for (size_t i = w->n_crashes; i-- > 0;) {
		const struct crash_row *c = &w->crashes[i];

		if (c->seq > cover->seq)
			continue;
		/* The crash row itself carries the time of the record before it. */
		if (c->seq >= seq && ts + allowed >= c->ts) {
			w->r->late_after_crash++;
			return;
		}
		break;
	}
	va_time_rfc3339(ts, when, sizeof(when));
	fail(w, (uint64_t)seq, ts,
	     "record seq %lld (%s) was first sealed long after its time: it may have been "
	     "rewritten with a later key",
	     (long long)seq, when);
}

/*
 * With the key: a record is never much older than the seal before it (the
 * writer seals what it has stored). A record that is would be one written
 * in after that seal, by someone holding a later key.
 */
static void check_not_backdated(struct walk *w, int64_t seq, uint64_t ts)
{
	const struct seal_row *prev = w->next_seal ? &w->seals[w->next_seal - 1] : NULL;
	uint64_t allowed = 2 * w->interval_ns + SEAL_SLACK_NS;
	char when[64];

	if (!prev || prev->seq >= seq || ts + allowed >= prev->ts)
		return;
	va_time_rfc3339(ts, when, sizeof(when));
	fail(w, (uint64_t)seq, ts,
	     "record seq %lld (%s) comes after a seal made long after its time: it was "
	     "written in later",
	     (long long)seq, when);
}

static int note_span(struct spans *sp, int64_t key, int64_t seq)
{
	/* Stored +1 so that seq 0 is never a NULL value. */
	void *v = (void *)(uintptr_t)((uint64_t)seq + 1);

	if (!va_u64map_get(&sp->first, (uint64_t)key) &&
	    va_u64map_put(&sp->first, (uint64_t)key, v))
		return -ENOMEM;
	return va_u64map_put(&sp->last, (uint64_t)key, v);
}

/* Count the record as the writer counts it for `report` (store_write.c). */
static int tally(struct walk *w, const struct va_record *r, sqlite3_stmt *st)
{
	int64_t seq = r->v[VA_REC_SEQ].i, day = r->v[VA_REC_TS].i / (int64_t)VA_DAY_NS;
	int64_t path = sqlite3_column_int64(st, VA_REC_NFIELDS + 1);
	int64_t proc = sqlite3_column_int64(st, VA_REC_NFIELDS + 2);
	unsigned int sums = va_record_sums(r);

	if (day < 0 || seq <= 0)
		return 0;
	if (note_span(&w->days, day, seq) ||
	    note_span(&w->hours, r->v[VA_REC_TS].i / (int64_t)VA_HOUR_NS, seq))
		return -ENOMEM;
	if (path > 0 && (sums & VA_SUM_PATH) && va_count_add(&w->by_path, va_day_key(day, path), 1))
		return -ENOMEM;
	if (proc > 0 && (sums & VA_SUM_PROC) && va_count_add(&w->by_proc, va_day_key(day, proc), 1))
		return -ENOMEM;
	return 0;
}

/*
 * The days (or hours) retention has cut into: their rows say they began
 * before the first record kept, and their sums also count what went, so
 * they cannot be recounted. Only once retention has removed records.
 */
static int partial_units(struct walk *w, const char *sql, struct va_u64map *out)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (w->r->first_seq <= 1)
		return 0;
	if (sqlite3_prepare_v2(w->s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, (int64_t)w->r->first_seq);
	while (!ret && sqlite3_step(st) == SQLITE_ROW)
		ret = va_u64map_put(out, (uint64_t)sqlite3_column_int64(st, 0), (void *)1);
	sqlite3_finalize(st);
	return ret;
}

/*
 * The summaries must say what the records say, for every day (hour) that
 * retention has not cut into. Rows are checked against the recount, and the
 * recount against the rows, by counting both.
 */
static void check_summaries(struct walk *w)
{
	const struct {
		const char *table, *sql;
		struct va_u64map *counts; /* (day, id) -> n; NULL: a span table */
		struct spans *spans;
		bool hourly;
	} sums[] = {
		{ "by_path", "SELECT day, path, n FROM by_path", &w->by_path, NULL, false },
		{ "by_proc", "SELECT day, proc, n FROM by_proc", &w->by_proc, NULL, false },
		{ "days", "SELECT day, first_id, last_id FROM days", NULL, &w->days, false },
		{ "hours", "SELECT hour, first_id, last_id FROM hours", NULL, &w->hours, true },
	};
	struct va_u64map partial[2]; /* days, hours */

	va_u64map_init(&partial[0]);
	va_u64map_init(&partial[1]);
	if (partial_units(w, "SELECT day FROM days WHERE first_id < ?1", &partial[0]) ||
	    partial_units(w, "SELECT hour FROM hours WHERE first_id < ?1", &partial[1]))
		goto out;
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]) && w->r->intact; i++) {
		const struct va_u64map *skip = &partial[sums[i].hourly];
		const struct va_u64map *keys =
			sums[i].counts ? sums[i].counts : &sums[i].spans->first;
		uint64_t unit_ns = sums[i].hourly ? VA_HOUR_NS : VA_DAY_NS;
		uint64_t rows = 0, expected = 0;
		sqlite3_stmt *st;
		char when[64];

		if (sqlite3_prepare_v2(w->s->db, sums[i].sql, -1, &st, NULL) != SQLITE_OK)
			goto out;
		while (w->r->intact && sqlite3_step(st) == SQLITE_ROW) {
			int64_t unit = sqlite3_column_int64(st, 0), a = sqlite3_column_int64(st, 1);
			int64_t b = sqlite3_column_int64(st, 2);
			uintptr_t first;
			bool ok;

			if (va_u64map_get(skip, (uint64_t)unit))
				continue;
			rows++;
			if (sums[i].counts) {
				ok = (int64_t)(uintptr_t)va_u64map_get(sums[i].counts,
								       va_day_key(unit, a)) == b;
			} else {
				/* Unsigned: a hand-made row may hold INT64_MAX. */
				ok = (uint64_t)(uintptr_t)va_u64map_get(&sums[i].spans->first,
									(uint64_t)unit) == (uint64_t)a + 1 &&
				     (uint64_t)(uintptr_t)va_u64map_get(&sums[i].spans->last,
									(uint64_t)unit) == (uint64_t)b + 1;
			}
			if (ok)
				continue;
			va_time_rfc3339((uint64_t)unit * unit_ns, when, sizeof(when));
			/* The first record of that day or hour, as the records say (0: none). */
			first = (uintptr_t)va_u64map_get(
				sums[i].hourly ? &w->hours.first : &w->days.first, (uint64_t)unit);
			fail(w, first ? (uint64_t)first - 1 : 0, 0,
			     "the summary `report` reads (%s, %s of %.*s) does not match the "
			     "records: it was changed",
			     sums[i].table, sums[i].hourly ? "hour" : "day",
			     sums[i].hourly ? 13 : 10, when);
		}
		sqlite3_finalize(st);
		if (!w->r->intact)
			goto out;
		/* Every recounted entry of a checked day must have had its row. */
		for (size_t k = 0; k < keys->cap; k++) {
			uint64_t unit = sums[i].counts ? keys->keys[k] >> 40 : keys->keys[k];

			if (keys->vals[k] && !va_u64map_get(skip, unit))
				expected++;
		}
		if (rows != expected)
			fail(w, 0, 0,
			     "the summary `report` reads (%s) lacks rows the records call for: "
			     "rows "
			     "were deleted",
			     sums[i].table);
	}
out:
	va_u64map_free(&partial[0]);
	va_u64map_free(&partial[1]);
}

/* The chain's start: genesis, or the checkpoint left at the retention cut. */
static int find_anchor(struct walk *w, int64_t first)
{
	sqlite3_stmt *st;
	int ret = -ENOENT;

	if (first <= 1)
		return va_chain_init(&w->chain, w->s->store_id);
	if (sqlite3_prepare_v2(w->s->db, "SELECT head FROM chain WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, first - 1);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == VA_HASH_LEN) {
		ret = va_chain_init(&w->chain, w->s->store_id);
		if (!ret)
			memcpy(w->chain.head, sqlite3_column_blob(st, 0), VA_HASH_LEN);
	}
	sqlite3_finalize(st);
	w->prune_cut = first - 1;
	if (ret == -ENOENT) {
		if (va_chain_init(&w->chain, w->s->store_id))
			return -ENOMEM;
		fail(w, (uint64_t)first - 1, 0,
		     "records up to seq %lld are missing, and no checkpoint is left where they "
		     "end: they were deleted",
		     (long long)first - 1);
		return 0;
	}
	return ret;
}

static void index_mismatch(struct walk *w, int64_t seq)
{
	if (!seq)
		fail(w, 0, 0,
		     "the paths index lists records that are not in the store: it was "
		     "altered, and history would answer wrongly");
	else
		fail(w, (uint64_t)seq, 0,
		     "the paths index does not list record seq %lld as it is: it was altered, "
		     "and history would answer wrongly",
		     (long long)seq);
}

/* The record, if it has a path, is listed under it in the paths index. Returns: 0 or -errno. */
static int check_listed(struct walk *w, const struct va_record *r, sqlite3_stmt *st)
{
	int64_t path = sqlite3_column_int64(st, VA_REC_NFIELDS + 1);
	int64_t obj = sqlite3_column_int64(st, VA_REC_NFIELDS + 3);
	int64_t bad = 0;
	int ret;

	if (sqlite3_column_type(st, VA_REC_NFIELDS + 1) == SQLITE_NULL)
		return 0;
	ret = va_index_check_record(&w->index, r->v[VA_REC_SEQ].i, path, obj > 0 ? obj : 0, &bad);
	if (!ret)
		index_mismatch(w, bad);
	return ret < 0 ? ret : 0;
}

static int walk_records(struct walk *w)
{
	sqlite3_stmt *st = NULL, *cp = NULL;
	int64_t expect = 0, next_cp = -1, last_ts_prev = -1;
	struct va_record rec;
	char when[64];
	int rc, ret = 0;

	if (sqlite3_prepare_v2(w->s->db,
			       "SELECT " VA_RECORD_COLUMNS
			       ", e.link, e.path, e.proc, e.obj FROM events e" VA_RECORD_JOINS
			       " ORDER BY e.id",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->s->db, "SELECT id, head FROM chain WHERE id >= ? ORDER BY id", -1,
			       &cp, NULL) != SQLITE_OK) {
		ret = -EIO;
		goto out;
	}
	while (w->r->intact && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq, link;
		uint64_t ts;

		va_record_from_stmt(&rec, st, 0);
		seq = rec.v[VA_REC_SEQ].i;
		ts = (uint64_t)rec.v[VA_REC_TS].i;
		link = sqlite3_column_int64(st, VA_REC_NFIELDS);
		if (!expect) {
			ret = find_anchor(w, seq);
			if (ret || !w->r->intact)
				break;
			w->r->first_seq = (uint64_t)seq;
			w->r->first_ts = ts;
			expect = seq;
			sqlite3_bind_int64(cp, 1, seq);
			next_cp = sqlite3_step(cp) == SQLITE_ROW ? sqlite3_column_int64(cp, 0) : -1;
			/* Seals at the anchor were made over the records now pruned. */
			while (w->next_seal < w->n_seals && w->seals[w->next_seal].seq < seq)
				w->next_seal++;
		}
		va_time_rfc3339(ts, when, sizeof(when));
		if (seq != expect && (uint64_t)seq == (uint64_t)expect + 1) {
			fail(w, (uint64_t)expect, 0,
			     "record seq %lld is missing (deleted); the next record is seq %lld "
			     "(%s)",
			     (long long)expect, (long long)seq, when);
			break;
		}
		if (seq != expect) {
			fail(w, (uint64_t)expect, 0,
			     "records seq %lld to %lld are missing (deleted); the next record is "
			     "seq %lld (%s)",
			     (long long)expect, (long long)seq - 1, (long long)seq, when);
			break;
		}
		if (va_chain_add(&w->chain, &rec)) {
			ret = -ENOMEM;
			break;
		}
		if (!va_chain_short_match(w->chain.head, link)) {
			fail(w, (uint64_t)seq, ts,
			     "record seq %lld (%s) was changed, inserted or moved: it does not "
			     "match "
			     "the chain",
			     (long long)seq, when);
			break;
		}
		if (seq == next_cp) {
			if (sqlite3_column_bytes(cp, 1) != VA_HASH_LEN ||
			    memcmp(sqlite3_column_blob(cp, 1), w->chain.head, VA_HASH_LEN)) {
				fail(w, (uint64_t)seq, ts,
				     "the records up to seq %lld (%s) do not match the chain's "
				     "checkpoint there: they were rewritten",
				     (long long)seq, when);
				break;
			}
			next_cp = sqlite3_step(cp) == SQLITE_ROW ? sqlite3_column_int64(cp, 0) : -1;
		}
		if (rec.v[VA_REC_OP].i == VA_MARK_CRASH && last_ts_prev >= 0 &&
		    (int64_t)ts != last_ts_prev) {
			fail(w, (uint64_t)seq, ts,
			     "crash record seq %lld (%s) does not carry the time of the record "
			     "before "
			     "it: it was forged",
			     (long long)seq, when);
			break;
		}
		if (rec.v[VA_REC_OP].i == VA_MARK_PRUNE && rec.v[VA_REC_COUNT].i == w->prune_cut)
			w->prune_recorded = true;
		if (w->keyed) {
			check_not_backdated(w, seq, ts);
			check_timely(w, seq, ts);
		}
		check_seals_at(w, seq);
		if (tally(w, &rec, st))
			ret = -ENOMEM;
		if (!ret && (ret = check_listed(w, &rec, st)) != 0)
			break;
		w->r->records++;
		w->r->last_seq = (uint64_t)seq;
		w->r->last_ts = ts;
		last_ts_prev = (int64_t)ts;
		expect = (int64_t)((uint64_t)seq + 1); /* a made-up id may be INT64_MAX */
	}
	if (!ret && w->r->intact && next_cp > 0)
		fail(w, w->r->last_seq + 1, 0,
		     "the record was cut short: a checkpoint covers records up to seq %lld, but "
		     "the last record is seq %llu",
		     (long long)next_cp, (unsigned long long)w->r->last_seq);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(cp);
	return ret;
}

/*
 * SQLite's own check of the file's structure: the walk reads the records
 * through the tables, but history and report read the indexes, and a
 * damaged index page would answer them wrongly while every record verifies.
 */
static int check_structure(struct walk *w)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(w->s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
		return va_store_errno(sqlite3_errcode(w->s->db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok")) {
		fail(w, 0, 0, "the store's file is damaged (SQLite's check: %s)",
		     (const char *)sqlite3_column_text(st, 0));
	} else if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
		fail(w, 0, 0, "the store's file is damaged (SQLite's check: %s)",
		     sqlite3_errmsg(w->s->db));
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		/* Busy, out of memory: not a finding about the file. */
		sqlite3_finalize(st);
		return va_store_errno(rc);
	}
	w->r->damaged = !w->r->intact;
	sqlite3_finalize(st);
	return 0;
}

int va_verify(struct va_store *s, const struct va_seal_key *keys, size_t n_keys,
	      struct va_verify_result *r)
{
	struct walk w = { .s = s, .r = r };
	char when[64];
	int ret;

	memset(r, 0, sizeof(*r));
	r->intact = true;
	for (size_t i = 0; i < n_keys && i < VA_SEAL_MAX_KEYS; i++) {
		w.keys[w.n_keys++] = keys[i];
		if (keys[i].interval_ns > w.interval_ns)
			w.interval_ns = keys[i].interval_ns;
		w.keyed = true;
		r->keyed = true;
	}
	ret = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
	/* First: on a damaged file the walk's findings would be named tampering. */
	if (!ret)
		ret = check_structure(&w);
	if (!ret && r->intact)
		ret = load_seals(&w);
	if (!ret)
		ret = load_crashes(&w);
	if (!ret)
		check_seal_order(&w);
	va_u64map_init(&w.by_path);
	va_u64map_init(&w.by_proc);
	va_u64map_init(&w.days.first);
	va_u64map_init(&w.days.last);
	va_u64map_init(&w.hours.first);
	va_u64map_init(&w.hours.last);
	if (!ret && r->intact)
		ret = va_index_check_start(&w.index, s->db, s->version);
	if (!ret && r->intact)
		ret = walk_records(&w);
	if (ret)
		goto out;
	r->seals = w.n_seals;
	for (size_t i = 0; i < w.n_seals; i++) {
		if (w.seals[i].seq >= (int64_t)r->first_seq &&
		    w.seals[i].seq <= (int64_t)r->last_seq) {
			r->last_seal_seq = (uint64_t)w.seals[i].seq;
			r->last_seal_ts = w.seals[i].ts;
			r->last_seal_epoch = w.seals[i].epoch;
		}
	}
	if (!r->intact)
		goto out;
	if (w.n_seals && w.seals[w.n_seals - 1].seq > (int64_t)r->last_seq) {
		const struct seal_row *sr = &w.seals[w.n_seals - 1];

		va_time_rfc3339(sr->ts, when, sizeof(when));
		fail(&w, r->last_seq + 1, 0,
		     "the record was cut short after its last seal: seal %lld (%s) covers records "
		     "up to seq %lld, but the last record is seq %llu",
		     (long long)sr->id, when, (long long)sr->seq, (unsigned long long)r->last_seq);
		goto out;
	}
	if (r->first_seq > 1 && !w.prune_recorded) {
		fail(&w, r->first_seq - 1, 0,
		     "records up to seq %llu were deleted, and no retention record says so",
		     (unsigned long long)r->first_seq - 1);
		goto out;
	}
	/* Last: a record cut short or removed is the better name for what happened. */
	{
		int64_t bad = 0;
		int listed = va_index_check_end(&w.index, &bad);

		if (listed < 0) {
			ret = listed;
			goto out;
		}
		if (!listed)
			index_mismatch(&w, bad);
	}
	if (r->intact)
		check_summaries(&w);
	if (!r->intact)
		goto out;
	r->unsealed = r->last_seq -
		      (r->last_seal_seq >= r->first_seq ? r->last_seal_seq : r->first_seq - 1);
out:
	/* One read transaction for all of it: a running daemon's new rows are not half seen. */
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	va_u64map_free(&w.by_path);
	va_u64map_free(&w.by_proc);
	va_u64map_free(&w.days.first);
	va_u64map_free(&w.days.last);
	va_u64map_free(&w.hours.first);
	va_u64map_free(&w.hours.last);
	for (size_t i = 0; i < w.n_keys; i++)
		va_seal_key_wipe(&w.keys[i]);
	va_chain_free(&w.chain);
	va_index_check_free(&w.index);
	free(w.seals);
	free(w.crashes);
	return ret;
}
