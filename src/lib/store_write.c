// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing records: interning, the hash chain, and the per-batch summaries
 * (days, per-day change counts, the chain checkpoint). Everything a batch
 * adds is in its transaction, so a crash leaves either all of it or none.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops.h"
#include "record.h"
#include "store_priv.h"

/*
 * Bounds on the in-memory caches; past them a cache is emptied and refills
 * from the database. Sized for the hot set of a busy machine within the
 * daemon's memory budget (about 10 MiB for all four): past the hot set a
 * MiB does more in SQLite's page cache (store.c), which serves every
 * index, than here.
 */
#define PATH_CACHE 32768
#define PROC_CACHE 16384
#define OBJ_CACHE  32768
/* Three quarters of 2^17: the map (grown past 3/4 full) stays at 2^17 slots, 2 MiB. */
#define NAME_CACHE 98304
/* Slots of a batch's per-day counts kept between batches (1 MiB a map). */
#define SUMS_KEEP 65536

static int prepare(struct va_store *s, sqlite3_stmt **st, const char *sql)
{
	return va_store_errno(
		sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL));
}

int va_store_prepare_writes(struct va_store *s)
{
	static const struct {
		size_t off;
		const char *sql;
	} stmts[] = {
#define S(field, text) { offsetof(struct va_store, field), text }
		S(ins_extra, "INSERT INTO extra(id, path2, tid, mode, owner_uid, owner_gid, size,"
			     " rename_flags, path_flags, path2_flags, argv, detail)"
			     " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"),
		S(ins_path, "INSERT OR IGNORE INTO paths(path) VALUES(?)"),
		S(get_path, "SELECT id FROM paths WHERE path = ?"),
		S(ins_proc, "INSERT OR IGNORE INTO procs(pid, ppid, uid, euid, gid, auid, ses, tty,"
			    " mntns, comm, exe) VALUES(?,?,?,?,?,?,?,?,?,?,?)"),
		S(get_proc, "SELECT id FROM procs WHERE pid IS ? AND ppid IS ? AND uid IS ? AND"
			    " euid IS ? AND gid IS ? AND auid IS ? AND ses IS ? AND tty IS ? AND"
			    " mntns IS ? AND comm IS ? AND exe IS ?"),
		S(ins_obj, "INSERT OR IGNORE INTO objects(dev, ino, ftype) VALUES(?,?,?)"),
		S(get_obj, "SELECT id FROM objects WHERE dev = ? AND ino = ? AND ftype = ?"),
		S(ins_chain, "INSERT OR REPLACE INTO chain(id, head) VALUES(?,?)"),
		S(days.up,
		  "INSERT INTO days(day, first_id, last_id) VALUES(?1,?2,?3) ON CONFLICT(day)"
		  " DO UPDATE SET first_id = min(first_id, ?2), last_id = max(last_id, ?3)"),
		S(hours.up,
		  "INSERT INTO hours(hour, first_id, last_id) VALUES(?1,?2,?3) ON CONFLICT(hour)"
		  " DO UPDATE SET first_id = min(first_id, ?2), last_id = max(last_id, ?3)"),
		S(ins_seal,
		  "INSERT INTO seals(seq, ts, epoch, head, mac, key_id) VALUES(?,?,?,?,?,?)"),
#undef S
	};
	int ret = 0;

	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]) && !ret; i++)
		ret = prepare(s, (sqlite3_stmt **)((char *)s + stmts[i].off), stmts[i].sql);
	if (!ret)
		ret = va_rows_prepare(s->db, &s->events_rows,
				      "INSERT INTO events(id, ts, op, path, proc, obj, ret, count,"
				      " bytes, flags, link)",
				      VA_EVENT_COLS, "");
	if (!ret)
		ret = va_rows_prepare(s->db, &s->names_rows, "INSERT OR IGNORE INTO names(path, obj)",
				      2, "");
	if (!ret)
		ret = va_rows_prepare(s->db, &s->path_index_rows,
				      "INSERT INTO path_index(slice, path, obj, id)", 4, "");
	if (!ret)
		ret = va_rows_prepare(s->db, &s->by_path_rows, "INSERT INTO by_path(day, path, n)", 3,
				      "ON CONFLICT(day, path) DO UPDATE SET n = n + excluded.n");
	if (!ret)
		ret = va_rows_prepare(s->db, &s->by_proc_rows, "INSERT INTO by_proc(day, proc, n)", 3,
				      "ON CONFLICT(day, proc) DO UPDATE SET n = n + excluded.n");
	if (!ret)
		ret = va_intern_init(&s->paths, PATH_CACHE);
	if (!ret)
		ret = va_intern_init(&s->procs, PROC_CACHE);
	if (!ret)
		ret = va_intern_init(&s->objs, OBJ_CACHE);
	va_u64map_init(&s->names);
	va_u64map_init(&s->by_path);
	va_u64map_init(&s->by_proc);
	if (!ret)
		ret = va_chain_init(&s->chain, s->store_id);
	if (!ret)
		ret = va_store_load_head(s);
	return ret;
}

void va_store_finalize_writes(struct va_store *s)
{
	sqlite3_stmt **all[] = { &s->ins_extra, &s->ins_path,  &s->get_path,  &s->ins_proc,
				 &s->get_proc,	&s->ins_obj,   &s->get_obj,   &s->ins_chain,
				 &s->days.up,	&s->hours.up,  &s->ins_seal };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	va_rows_finalize(&s->events_rows);
	va_rows_finalize(&s->names_rows);
	va_rows_finalize(&s->path_index_rows);
	va_rows_finalize(&s->by_path_rows);
	va_rows_finalize(&s->by_proc_rows);
	s->n_pending = 0;
	va_intern_free(&s->paths);
	va_intern_free(&s->procs);
	va_intern_free(&s->objs);
	va_u64map_free(&s->names);
	va_u64map_free(&s->by_path);
	va_u64map_free(&s->by_proc);
	free(s->new_names);
	s->new_names = NULL;
	s->n_new_names = s->cap_new_names = 0;
	free(s->new_entries);
	s->new_entries = NULL;
	s->n_new_entries = s->cap_new_entries = 0;
	va_chain_free(&s->chain);
}

/*
 * The head is the newest checkpoint: every transaction that adds records
 * ends with one, so it is the link of the last record. A store with no
 * checkpoint starts from the genesis link of its id.
 */
int va_store_load_head(struct va_store *s)
{
	sqlite3_stmt *st;
	int64_t last_event = 0;
	int rc;

	rc = sqlite3_prepare_v2(s->db,
				"SELECT (SELECT max(id) FROM events),"
				" (SELECT id FROM chain ORDER BY id DESC LIMIT 1),"
				" (SELECT head FROM chain ORDER BY id DESC LIMIT 1)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return va_store_errno(rc);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -EIO;
	}
	last_event = sqlite3_column_int64(st, 0);
	s->next_seq = sqlite3_column_int64(st, 1) + 1;
	if (last_event >= s->next_seq)
		s->next_seq = last_event + 1;
	if (sqlite3_column_bytes(st, 2) == VA_HASH_LEN)
		memcpy(s->chain.head, sqlite3_column_blob(st, 2), VA_HASH_LEN);
	else
		va_chain_genesis(&s->chain, s->store_id);
	sqlite3_finalize(st);
	return 0;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : va_store_errno(rc);
}

/* Run @get bound by @bind. Returns: the id it finds, 0 when none, or -errno. */
static int64_t find_row(sqlite3_stmt *get, void (*bind)(sqlite3_stmt *, const void *),
			const void *arg)
{
	int64_t id = 0;
	int rc;

	bind(get, arg);
	rc = sqlite3_step(get);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(get, 0);
	else if (rc != SQLITE_DONE)
		id = va_store_errno(rc);
	sqlite3_reset(get);
	sqlite3_clear_bindings(get);
	return id;
}

/*
 * Insert-or-find through a cache: @ins is INSERT OR IGNORE, @get its SELECT,
 * both bound by @bind. A miss costs one statement when it guesses right,
 * two when not: a key already in the database is found by @get, a new one
 * added by @ins. Which comes first follows the recent misses: new files
 * under a churn of temporary names, a long tail of known ones on a machine
 * that has been recorded for days. Returns: the row id, or -errno.
 */
static int64_t intern(struct va_store *s, struct va_intern *cache, const void *key, size_t len,
		      sqlite3_stmt *ins, sqlite3_stmt *get,
		      void (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
	int64_t id = va_intern_get(cache, key, len);
	bool known;
	int ret;

	if (id)
		return id;
	if (cache->miss_known > 0 && (id = find_row(get, bind, arg)) < 0)
		return id;
	if (id) {
		known = true;
	} else {
		bind(ins, arg);
		ret = step_done(ins);
		if (ret)
			return ret;
		known = sqlite3_changes(s->db) == 0;
		id = known ? find_row(get, bind, arg) : sqlite3_last_insert_rowid(s->db);
		if (id < 0)
			return id;
		if (!id)
			return -EIO;
	}
	if (known ? cache->miss_known < 64 : cache->miss_known > -64)
		cache->miss_known += known ? 1 : -1;
	va_intern_put(cache, key, len, id);
	return id;
}

static void bind_val(sqlite3_stmt *st, int i, const struct va_val *v)
{
	if (v->type == VA_VAL_INT)
		sqlite3_bind_int64(st, i, v->i);
	else if (v->type == VA_VAL_BLOB)
		sqlite3_bind_blob(st, i, v->p, (int)v->len, SQLITE_STATIC);
}

static void bind_path(sqlite3_stmt *st, const void *arg)
{
	bind_val(st, 1, arg);
}

static int64_t intern_path(struct va_store *s, const struct va_val *v)
{
	return intern(s, &s->paths, v->p, v->len, s->ins_path, s->get_path, bind_path, v);
}

static void bind_proc(sqlite3_stmt *st, const void *arg)
{
	const struct va_record *r = arg;

	for (int f = VA_REC_PID; f <= VA_REC_EXE; f++)
		bind_val(st, f - VA_REC_PID + 1, &r->v[f]);
}

static int64_t intern_proc(struct va_store *s, const struct va_record *r)
{
	/* Cache key: the nine ids, then comm, a separator and exe. */
	char key[9 * 8 + 17 + 1 + PATH_MAX];
	size_t n = 0;

	for (int f = VA_REC_PID; f <= VA_REC_MNTNS; f++) {
		memcpy(key + n, &r->v[f].i, 8);
		n += 8;
	}
	for (int f = VA_REC_COMM; f <= VA_REC_EXE; f++) {
		size_t len = r->v[f].len < PATH_MAX ? r->v[f].len : PATH_MAX;

		if (len)
			memcpy(key + n, r->v[f].p, len);
		n += len;
		key[n++] = '\0';
	}
	return intern(s, &s->procs, key, n, s->ins_proc, s->get_proc, bind_proc, r);
}

/* Objects: missing dev or ino are stored as -1, unknown type as 0 (NULLs would never match). */
static void obj_key(const struct va_record *r, int64_t k[3])
{
	k[0] = r->v[VA_REC_DEV].type == VA_VAL_INT ? r->v[VA_REC_DEV].i : -1;
	k[1] = r->v[VA_REC_INO].type == VA_VAL_INT ? r->v[VA_REC_INO].i : -1;
	k[2] = r->v[VA_REC_FTYPE].type == VA_VAL_INT ? r->v[VA_REC_FTYPE].i : 0;
}

static void bind_obj(sqlite3_stmt *st, const void *arg)
{
	int64_t k[3];

	obj_key(arg, k);
	for (int i = 0; i < 3; i++)
		sqlite3_bind_int64(st, i + 1, k[i]);
}

static int64_t intern_obj(struct va_store *s, const struct va_record *r)
{
	int64_t k[3];

	obj_key(r, k);
	if (k[0] == -1 && k[1] == -1 && k[2] == 0)
		return 0;
	return intern(s, &s->objs, k, sizeof(k), s->ins_obj, s->get_obj, bind_obj, r);
}

/*
 * Room for one more element in the array at *@v of *@cap, @n used: doubled
 * when full, @first to begin with. Returns: 0 or -ENOMEM.
 */
static int room_for_one(void **v, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *grown;

	if (n < *cap)
		return 0;
	grown = realloc(*v, want * size);
	if (!grown)
		return -ENOMEM;
	*v = grown;
	*cap = want;
	return 0;
}

/*
 * Remember that @obj was seen under @path (once per pair). New pairs wait
 * for the batch's end, to be inserted in key order (flush_names).
 */
static int note_name(struct va_store *s, int64_t path, int64_t obj)
{
	uint64_t key = (uint64_t)path << 32 | (uint64_t)obj;
	bool cacheable = path < (1ll << 31) && obj < (1ll << 32);

	if (!path || !obj || (cacheable && va_u64map_get(&s->names, key)))
		return 0;
	if (room_for_one((void **)&s->new_names, &s->cap_new_names, s->n_new_names,
			 sizeof(*s->new_names), 1024))
		return -ENOMEM;
	s->new_names[s->n_new_names++] = (struct va_name_pair){ path, obj };
	if (!cacheable)
		return 0;
	if (s->names.len >= NAME_CACHE)
		va_u64map_clear(&s->names, SIZE_MAX);
	/* Any non-NULL value marks presence. */
	return va_u64map_put(&s->names, key, (void *)1);
}

static int cmp_name(const void *a, const void *b)
{
	const struct va_name_pair *x = a, *y = b;

	if (x->path != y->path)
		return x->path < y->path ? -1 : 1;
	return (x->obj > y->obj) - (x->obj < y->obj);
}

/*
 * In key order, each insert lands next to the one before: pages of the
 * index are read and dirtied once per batch, not once per pair.
 */
static int flush_names(struct va_store *s)
{
	if (!s->n_new_names)
		return 0;
	qsort(s->new_names, s->n_new_names, sizeof(*s->new_names), cmp_name);
	/* A pair is two int64s, path then obj: the rows as they are. */
	_Static_assert(sizeof(struct va_name_pair) == 2 * sizeof(int64_t), "pairs are rows");
	return va_rows_insert(&s->names_rows, &s->new_names[0].path, NULL, s->n_new_names);
}

/* Queue record @id's row of the paths index, written in key order with the transaction. */
static int note_path_entry(struct va_store *s, int64_t path, int64_t obj, int64_t id)
{
	if (!path)
		return 0;
	if (room_for_one((void **)&s->new_entries, &s->cap_new_entries, s->n_new_entries,
			 sizeof(*s->new_entries), 4096))
		return -ENOMEM;
	s->new_entries[s->n_new_entries++] =
		(struct va_path_entry){ id >> VA_SLICE_SHIFT, path, va_path_index_obj(obj), id };
	return 0;
}

static int cmp_path_entry(const void *a, const void *b)
{
	const struct va_path_entry *x = a, *y = b;

	if (x->slice != y->slice)
		return x->slice < y->slice ? -1 : 1;
	if (x->path != y->path)
		return x->path < y->path ? -1 : 1;
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/*
 * The transaction's rows of the paths index, in key order: each insert
 * lands next to the one before, where in arrival order each landed at a
 * random place in the newest slice (docs/STORE.md).
 */
static int flush_path_entries(struct va_store *s)
{
	int ret;

	if (!s->n_new_entries)
		return 0;
	qsort(s->new_entries, s->n_new_entries, sizeof(*s->new_entries), cmp_path_entry);
	_Static_assert(sizeof(struct va_path_entry) == 4 * sizeof(int64_t), "entries are rows");
	ret = va_rows_insert(&s->path_index_rows, &s->new_entries[0].slice, NULL,
			     s->n_new_entries);
	s->n_new_entries = 0;
	return ret;
}

unsigned int va_record_sums(const struct va_record *r)
{
	bool headless = r->v[VA_REC_PATH_FLAGS].type == VA_VAL_INT &&
			VA_PATH_HEADLESS(r->v[VA_REC_PATH_FLAGS].i);

	if (!va_ops_selected(VA_SEL_CHANGES, (enum va_op)r->v[VA_REC_OP].i,
			     r->v[VA_REC_FLAGS].type == VA_VAL_INT, (uint32_t)r->v[VA_REC_FLAGS].i))
		return 0;
	/* A path with no head is no answer to "which paths changed most". */
	return VA_SUM_PROC | (headless ? 0 : VA_SUM_PATH);
}

/* Write out and forget @set's spans. */
static int flush_spans(struct va_span_set *set)
{
	int ret = 0;

	for (unsigned int i = 0; i < set->n && !ret; i++) {
		sqlite3_bind_int64(set->up, 1, set->v[i].day);
		sqlite3_bind_int64(set->up, 2, set->v[i].first);
		sqlite3_bind_int64(set->up, 3, set->v[i].last);
		ret = step_done(set->up);
	}
	set->n = 0;
	return ret;
}

/* Record @seq in the span of day or hour @key. */
static int note_span(struct va_span_set *set, int64_t key, int64_t seq)
{
	int ret;

	for (unsigned int i = set->n; i-- > 0;) {
		if (set->v[i].day == key) {
			set->v[i].last = seq;
			return 0;
		}
	}
	/* A transaction over many days or hours (a clock jump): write the ones so far. */
	if (set->n == sizeof(set->v) / sizeof(set->v[0]) && (ret = flush_spans(set)))
		return ret;
	set->v[set->n++] = (struct va_day_span){ key, seq, seq };
	return 0;
}

static bool any_extra(const struct va_record *r)
{
	static const enum va_rec_field extra[] = {
		VA_REC_PATH2,	    VA_REC_TID,	 VA_REC_MODE,	      VA_REC_OWNER_UID,
		VA_REC_OWNER_GID,   VA_REC_SIZE, VA_REC_RENAME_FLAGS, VA_REC_PATH_FLAGS,
		VA_REC_PATH2_FLAGS, VA_REC_ARGV, VA_REC_DETAIL,
	};

	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (r->v[extra[i]].type != VA_VAL_NULL)
			return true;
	return false;
}

/* Column @c of the events row @row: an integer of @v, else NULL. */
static void put_col(int64_t *row, uint32_t *nulls, int c, const struct va_val *v)
{
	if (v->type == VA_VAL_INT)
		row[c] = v->i;
	else
		*nulls |= 1u << c;
}

/* An interned id, or NULL for none (0). */
static void put_id(int64_t *row, uint32_t *nulls, int c, int64_t id)
{
	row[c] = id;
	if (id <= 0)
		*nulls |= 1u << c;
}

static int write_pending(struct va_store *s)
{
	int ret = va_rows_insert(&s->events_rows, &s->pending[0][0], s->pending_nulls,
				 s->n_pending);

	s->n_pending = 0;
	return ret;
}

/* Queue the events row of @r (record @seq), writing a full group out. */
static int add_event_row(struct va_store *s, const struct va_record *r, int64_t seq,
			 int64_t path, int64_t proc, int64_t obj)
{
	int64_t *row = s->pending[s->n_pending];
	uint32_t *nulls = &s->pending_nulls[s->n_pending];

	*nulls = 0;
	row[0] = seq;
	put_col(row, nulls, 1, &r->v[VA_REC_TS]);
	put_col(row, nulls, 2, &r->v[VA_REC_OP]);
	put_id(row, nulls, 3, path);
	put_id(row, nulls, 4, proc);
	put_id(row, nulls, 5, obj);
	put_col(row, nulls, 6, &r->v[VA_REC_RET]);
	put_col(row, nulls, 7, &r->v[VA_REC_COUNT]);
	put_col(row, nulls, 8, &r->v[VA_REC_BYTES]);
	put_col(row, nulls, 9, &r->v[VA_REC_FLAGS]);
	row[10] = va_chain_short(s->chain.head);
	return ++s->n_pending == VA_ROW_GROUP ? write_pending(s) : 0;
}

static void bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
}

/* Store one record: its seq is the next in the chain. */
static int add_record(struct va_store *s, struct va_record *r)
{
	int64_t path = 0, path2 = 0, proc = 0, obj, seq = s->next_seq, day;
	unsigned int sums;
	sqlite3_stmt *st;
	int ret;

	r->v[VA_REC_SEQ] = (struct va_val){ .type = VA_VAL_INT, .i = seq };
	if (r->v[VA_REC_PATH].type == VA_VAL_BLOB &&
	    (path = intern_path(s, &r->v[VA_REC_PATH])) < 0)
		return (int)path;
	if (r->v[VA_REC_PATH2].type == VA_VAL_BLOB &&
	    (path2 = intern_path(s, &r->v[VA_REC_PATH2])) < 0)
		return (int)path2;
	if (r->v[VA_REC_PID].type == VA_VAL_INT && (proc = intern_proc(s, r)) < 0)
		return (int)proc;
	obj = intern_obj(s, r);
	if (obj < 0)
		return (int)obj;
	ret = va_chain_add(&s->chain, r);
	if (ret)
		return ret;

	ret = add_event_row(s, r, seq, path, proc, obj);
	if (!ret)
		ret = note_path_entry(s, path, obj, seq);
	if (!ret && any_extra(r)) {
		st = s->ins_extra;
		sqlite3_bind_int64(st, 1, seq);
		bind_id(st, 2, path2);
		bind_val(st, 3, &r->v[VA_REC_TID]);
		for (int f = VA_REC_MODE; f < VA_REC_DETAIL; f++)
			bind_val(st, 4 + f - VA_REC_MODE, &r->v[f]);
		if (r->v[VA_REC_DETAIL].type == VA_VAL_BLOB)
			sqlite3_bind_text(st, 4 + VA_REC_DETAIL - VA_REC_MODE,
					  r->v[VA_REC_DETAIL].p, (int)r->v[VA_REC_DETAIL].len,
					  SQLITE_STATIC);
		ret = step_done(st);
	}
	if (!ret)
		ret = note_name(s, path, obj);
	if (!ret && r->v[VA_REC_OP].i != VA_OP_RENAME && r->v[VA_REC_OP].i != VA_OP_LINK)
		path2 = 0;
	if (!ret)
		ret = note_name(s, path2, obj);
	if (ret)
		return ret;

	day = r->v[VA_REC_TS].i / (int64_t)VA_DAY_NS;
	ret = note_span(&s->days, day, seq);
	if (!ret)
		ret = note_span(&s->hours, r->v[VA_REC_TS].i / (int64_t)VA_HOUR_NS, seq);
	if (ret)
		return ret;
	sums = va_record_sums(r);
	if ((path && (sums & VA_SUM_PATH) && va_count_add(&s->by_path, va_day_key(day, path), 1)) ||
	    (proc && (sums & VA_SUM_PROC) && va_count_add(&s->by_proc, va_day_key(day, proc), 1)))
		return -ENOMEM;
	s->next_seq = seq + 1;
	s->dirty = true;
	return 0;
}

int va_store_add(struct va_store *s, const struct va_event *ev)
{
	struct va_record r;

	va_record_from_event(&r, ev);
	return add_record(s, &r);
}

int va_store_mark(struct va_store *s, enum va_mark mark, uint64_t ts_ns, uint64_t n,
		  const char *detail)
{
	struct va_record r;

	va_record_mark(&r, mark, ts_ns, n, detail);
	return add_record(s, &r);
}

static int cmp_count(const void *a, const void *b)
{
	const struct va_u64map_count *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* Add a batch's per-day counts, in key order (the summary's primary key). */
static int flush_counts(const struct va_u64map *counts, struct va_row_group *rows)
{
	struct va_u64map_count *v = va_u64map_counts(counts);
	int64_t *cols = malloc((counts->len ? counts->len : 1) * 3 * sizeof(*cols));
	int ret;

	if (!v || !cols) {
		free(v);
		free(cols);
		return -ENOMEM;
	}
	qsort(v, counts->len, sizeof(*v), cmp_count);
	for (size_t i = 0; i < counts->len; i++) {
		cols[3 * i] = (int64_t)(v[i].key >> 40);
		cols[3 * i + 1] = (int64_t)(v[i].key & ((1ull << 40) - 1));
		cols[3 * i + 2] = (int64_t)v[i].n;
	}
	ret = va_rows_insert(rows, cols, NULL, counts->len);
	free(v);
	free(cols);
	return ret;
}

int va_store_flush_batch(struct va_store *s)
{
	int ret = 0;

	if (!s->dirty)
		return 0;
	ret = write_pending(s);
	if (!ret)
		ret = flush_spans(&s->days);
	if (!ret)
		ret = flush_spans(&s->hours);
	if (!ret)
		ret = flush_names(s);
	if (!ret)
		ret = flush_path_entries(s);
	if (!ret)
		ret = flush_counts(&s->by_path, &s->by_path_rows);
	if (!ret)
		ret = flush_counts(&s->by_proc, &s->by_proc_rows);
	if (!ret) {
		sqlite3_bind_int64(s->ins_chain, 1, s->next_seq - 1);
		sqlite3_bind_blob(s->ins_chain, 2, s->chain.head, VA_HASH_LEN, SQLITE_STATIC);
		ret = step_done(s->ins_chain);
	}
	if (ret)
		return ret;
	/* Reused by the next batch unless a burst made them big. */
	va_u64map_clear(&s->by_path, SUMS_KEEP);
	va_u64map_clear(&s->by_proc, SUMS_KEEP);
	s->n_new_names = 0;
	s->dirty = false;
	return 0;
}

void va_store_forget_batch(struct va_store *s)
{
	/* Ids cached during the rolled-back transaction may not exist. */
	va_intern_clear(&s->paths);
	va_intern_clear(&s->procs);
	va_intern_clear(&s->objs);
	va_u64map_free(&s->names);
	va_u64map_free(&s->by_path);
	va_u64map_free(&s->by_proc);
	s->n_new_names = 0;
	s->n_new_entries = 0;
	s->n_pending = 0;
	s->days.n = s->hours.n = 0;
	s->dirty = false;
	if (s->writable)
		va_store_load_head(s);
}

int va_store_seal(struct va_store *s, uint64_t ts_ns, uint64_t epoch, uint64_t key_id,
		  const uint8_t *mac, size_t mac_len)
{
	sqlite3_stmt *st = s->ins_seal;

	sqlite3_bind_int64(st, 6, (int64_t)key_id);
	sqlite3_bind_int64(st, 1, s->next_seq - 1);
	sqlite3_bind_int64(st, 2, (int64_t)ts_ns);
	sqlite3_bind_int64(st, 3, (int64_t)epoch);
	sqlite3_bind_blob(st, 4, s->chain.head, VA_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, mac, (int)mac_len, SQLITE_STATIC);
	return step_done(st);
}

void va_store_head(const struct va_store *s, uint64_t *seq, uint8_t head[32])
{
	*seq = (uint64_t)(s->next_seq - 1);
	memcpy(head, s->chain.head, VA_HASH_LEN);
}

static int exec_bound(sqlite3 *db, const char *sql, int64_t a)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return va_store_errno(rc);
	sqlite3_bind_int64(st, 1, a);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : va_store_errno(rc);
}

/*
 * Returns: the last checkpoint such that every record up to it is older than
 * @before_ns, going no further than the first checkpoint past about
 * @max_rows records; 0 when the oldest batch is not old enough yet.
 */
static int64_t prune_cut(struct va_store *s, unsigned int max_rows, uint64_t before_ns)
{
	sqlite3_stmt *cps = NULL, *age = NULL;
	int64_t first = 0, cut = 0, from;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT id FROM chain WHERE id >= (SELECT min(id) FROM events)"
			       " ORDER BY id LIMIT 1000",
			       -1, &cps, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
			       "SELECT min(id), max(ts) FROM events WHERE id BETWEEN ? AND ?", -1,
			       &age, NULL) != SQLITE_OK)
		goto out;
	from = 0;
	while (sqlite3_step(cps) == SQLITE_ROW) {
		int64_t cp = sqlite3_column_int64(cps, 0);
		bool old;

		sqlite3_bind_int64(age, 1, from);
		sqlite3_bind_int64(age, 2, cp);
		if (sqlite3_step(age) != SQLITE_ROW)
			break;
		if (!first)
			first = sqlite3_column_int64(age, 0);
		old = sqlite3_column_type(age, 1) == SQLITE_NULL ||
		      sqlite3_column_int64(age, 1) < (int64_t)before_ns;
		sqlite3_reset(age);
		if (!old)
			break;
		cut = cp;
		from = cp + 1;
		if (first && cp - first + 1 >= (int64_t)max_rows)
			break;
	}
out:
	sqlite3_finalize(cps);
	sqlite3_finalize(age);
	return cut;
}

enum { EVENTS_DELETE = 2 }; /* va_store_prune()'s, after the paths index's two */

int va_store_prune(struct va_store *s, uint64_t before_ns, unsigned int max_rows)
{
	/*
	 * Summaries go with the days (hours) all of whose records go: those
	 * whose last id is at or below the cut. Decided by id, not by time:
	 * records are stored in arrival order, and their times may be a little
	 * out of it (CPUs, clock steps). A day some of whose records are kept
	 * keeps its summaries whole; verify does not recount it.
	 */
	static const char *const deletes[] = {
		/*
		 * The paths index first, while the records say where their rows
		 * are: whole slices by a range of the key, the cut's own slice
		 * row by row (by key, not by a scan of the slice).
		 */
		"DELETE FROM path_index WHERE slice < ?1 >> " VA_SLICE_BITS,
		"DELETE FROM path_index WHERE (slice, path, obj, id) IN (SELECT id >> " VA_SLICE_BITS
		", path, " VA_PATH_INDEX_OBJ ", id FROM events WHERE id >= (?1 >> " VA_SLICE_BITS
		") << " VA_SLICE_BITS " AND id <= ?1 AND path IS NOT NULL)",
		[EVENTS_DELETE] = "DELETE FROM events WHERE id <= ?1",
		"DELETE FROM extra WHERE id <= ?1",
		/* The checkpoint at the cut stays: verify starts from it. */
		"DELETE FROM chain WHERE id < ?1",
		"DELETE FROM seals WHERE seq < ?1",
		"DELETE FROM by_path WHERE day IN (SELECT day FROM days WHERE last_id <= ?1)",
		"DELETE FROM by_proc WHERE day IN (SELECT day FROM days WHERE last_id <= ?1)",
		"DELETE FROM days WHERE last_id <= ?1",
		"DELETE FROM hours WHERE last_id <= ?1",
	};
	int64_t cut, deleted = 0;
	struct timespec now;
	char detail[64];
	int ret;

	ret = va_store_begin(s);
	if (ret)
		return ret;
	cut = prune_cut(s, max_rows, before_ns);
	if (!cut) {
		va_store_rollback(s);
		return 0;
	}
	for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]) && !ret; i++) {
		ret = exec_bound(s->db, deletes[i], cut);
		if (i == EVENTS_DELETE)
			deleted = sqlite3_changes(s->db);
	}
	/* Part of the chain: removing old records by hand cannot pass for retention. */
	snprintf(detail, sizeof(detail), "records up to seq %lld removed by retention",
		 (long long)cut);
	clock_gettime(CLOCK_REALTIME, &now);
	if (!ret)
		ret = va_store_mark(s, VA_MARK_PRUNE,
				    (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec,
				    (uint64_t)cut, detail);
	if (ret) {
		va_store_rollback(s);
		return ret;
	}
	ret = va_store_commit(s);
	return ret ? ret : (int)deleted;
}
