/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounded cache from byte strings to row ids, so that interning a path or
 * a process identity costs a hash lookup, not a query, in the common case.
 * Two generations: new keys go to the young table; when it is full the old
 * table is dropped and the young one becomes old. A hit in the old table
 * moves the key back to the young one, so the keys in use stay (an
 * approximation of least-recently-used at the cost of two lookups). A
 * generation's keys live in one arena, so a turnover frees no key by key.
 */
#ifndef VA_INTERN_H
#define VA_INTERN_H

#include <stddef.h>
#include <stdint.h>

/* 16 bytes: the tables are most of the cache's memory. */
struct va_intern_slot {
	uint32_t hash; /* the key's hash, high half: compared before the key */
	uint32_t off;  /* where the key is in the table's arena */
	int64_t id;    /* 0: empty */
};

struct va_intern_table {
	struct va_intern_slot *slots;
	size_t cap; /* a power of two, at least twice max */
	size_t len;
	/* The keys, one after another, each after its 32-bit length: freed all at once. */
	unsigned char *arena;
	size_t arena_len, arena_cap;
};

struct va_intern {
	struct va_intern_table young, old;
	size_t max; /* entries per generation */
	/*
	 * For the caller: how the recent misses went, up when the key was in
	 * the database already, down when it was new (-64 to 64).
	 */
	int miss_known;
};

int va_intern_init(struct va_intern *c, size_t max_entries);
void va_intern_free(struct va_intern *c); /* accepts a zeroed struct */
void va_intern_clear(struct va_intern *c);
/* Returns: the id cached for the bytes, or 0. A hit in the old generation is moved to the young. */
int64_t va_intern_get(struct va_intern *c, const void *key, size_t len);
/* Returns: 0 or -ENOMEM. */
int va_intern_put(struct va_intern *c, const void *key, size_t len, int64_t id);

#endif
