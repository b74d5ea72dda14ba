/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The store's private state, shared by store.c (file, schema) and store_write.c (rows). */
#ifndef VA_STORE_PRIV_H
#define VA_STORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "chain.h"
#include "record.h"
#include "intern.h"
#include "store.h"
#include "store_rows.h"
#include "u64map.h"

#define VA_DAY_NS  (86400ull * 1000000000ull)
#define VA_HOUR_NS (3600ull * 1000000000ull)
/* The same, for SQL. */
#define VA_DAY_NS_SQL  "86400000000000"
#define VA_HOUR_NS_SQL "3600000000000"

/* Ids [first, last] of the records with a timestamp in one day or hour (UTC). */
struct va_day_span {
	int64_t day, first, last;
};

/* A transaction's spans, written out when full (a clock jump) and at its end. */
struct va_span_set {
	struct va_day_span v[8];
	unsigned int n;
	sqlite3_stmt *up; /* the upsert into `days` or `hours` */
};

/* An `events` row: id, ts, op, path, proc, obj, ret, count, bytes, flags, link. */
#define VA_EVENT_COLS 11

struct va_name_pair {
	int64_t path, obj;
};

/*
 * A `path_index` row: the record's slice, path, object (0: none) and id.
 * The object column from an `events` row's, in SQL (a hand-made row may hold
 * anything there) and in C.
 */
#define VA_PATH_INDEX_OBJ "max(coalesce(obj, 0), 0)"
static inline int64_t va_path_index_obj(int64_t obj)
{
	return obj > 0 ? obj : 0;
}

struct va_path_entry {
	int64_t slice, path, obj, id;
};

struct va_store {
	sqlite3 *db;
	char *file;
	char store_id[40];
	bool writable, in_txn;
	/* Read as it is, without -shm (store.c read_only_wal): the file as it was then. */
	bool immutable;
	struct stat immutable_st;
	int version; /* meta.version; 0 for a store created now */
	int64_t wal_bound; /* the write-ahead log's bound, in bytes (store_checkpoint.c) */
	/* Writing: */
	sqlite3_stmt *ins_extra, *ins_path, *get_path, *ins_proc, *get_proc;
	sqlite3_stmt *ins_obj, *get_obj, *ins_chain, *ins_seal;
	struct va_row_group events_rows, names_rows, by_path_rows, by_proc_rows, path_index_rows;
	/* Events rows not yet inserted: they go in groups (store_rows.h). */
	int64_t pending[VA_ROW_GROUP][VA_EVENT_COLS];
	uint32_t pending_nulls[VA_ROW_GROUP]; /* a bit per NULL column */
	unsigned int n_pending;
	struct va_intern paths, procs, objs;
	struct va_u64map names;		/* (path, obj) pairs known to be stored */
	struct va_name_pair *new_names; /* this transaction's new pairs */
	size_t n_new_names, cap_new_names;
	struct va_path_entry *new_entries; /* this transaction's paths index rows */
	size_t n_new_entries, cap_new_entries;
	struct va_u64map by_path, by_proc; /* this transaction's change counts */
	struct va_span_set days, hours;	   /* this transaction's days and hours */
	struct va_chain chain;		   /* head: the last record's link */
	int64_t next_seq;
	bool dirty; /* records added in this transaction */
};

/* A per-day summary key: the day (UTC) and a path or process id. */
static inline uint64_t va_day_key(int64_t day, int64_t id)
{
	return (uint64_t)day << 40 | (uint64_t)id;
}

/* Counters kept in a u64map's value pointer (a count is never 0, so never NULL). */
static inline int va_count_add(struct va_u64map *m, uint64_t key, uint64_t n)
{
	return va_u64map_put(m, key, (void *)((uintptr_t)va_u64map_get(m, key) + n));
}

/* How a record counts in the per-day summaries `report` reads (VA_SUM_* bits). */
#define VA_SUM_PROC 0x1 /* a change: its process counts */
#define VA_SUM_PATH 0x2 /* and its path, which has a head */
unsigned int va_record_sums(const struct va_record *r);

/* Returns: 0 or -errno for an SQLite result code. */
int va_store_errno(int rc);

/* store_write.c: prepare the write statements and load the chain's state. */
int va_store_prepare_writes(struct va_store *s);
/* Reload the chain head and next seq from the file (after open and rollback). */
int va_store_load_head(struct va_store *s);
/* The batch's summaries (days, rollups, chain checkpoint), before COMMIT. */
int va_store_flush_batch(struct va_store *s);
/* Forget what the rolled-back transaction added. */
void va_store_forget_batch(struct va_store *s);
void va_store_finalize_writes(struct va_store *s);

#endif
