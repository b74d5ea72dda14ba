/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hash map from 64-bit keys to pointers (open addressing, linear probing,
 * backward-shift deletion). Used for the process table (pid), read/write
 * aggregation templates (agg id), mount tables (namespace) and the store's
 * cache of (path, object) pairs.
 */
#ifndef VA_U64MAP_H
#define VA_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct va_u64map {
	uint64_t *keys;
	void **vals; /* NULL marks an empty slot */
	size_t cap;  /* a power of two */
	size_t len;
};

void va_u64map_init(struct va_u64map *m);
void va_u64map_free(struct va_u64map *m); /* frees the table, not the values */
/*
 * Empty the map. A table of at most @keep_cap slots is kept for reuse
 * (refilling it costs no regrowth); a larger one is freed.
 */
void va_u64map_clear(struct va_u64map *m, size_t keep_cap);
/* Returns: the value for @key, or NULL. */
void *va_u64map_get(const struct va_u64map *m, uint64_t key);
/* Insert or replace. Returns: 0, or -ENOMEM. @val must not be NULL. */
int va_u64map_put(struct va_u64map *m, uint64_t key, void *val);
/* Returns: the removed value, or NULL when absent. */
void *va_u64map_del(struct va_u64map *m, uint64_t key);
/* Visit every entry; @fn may not change the map. */
void va_u64map_each(const struct va_u64map *m, void (*fn)(uint64_t key, void *val, void *ctx),
		    void *ctx);
/* An entry whose value is a count (the value pointer as an integer). */
struct va_u64map_count {
	uint64_t key;
	uint64_t n;
};
/* Every entry as a count, in no order (m->len of them; the caller frees). Returns: NULL on ENOMEM.
 */
struct va_u64map_count *va_u64map_counts(const struct va_u64map *m);
/* The longest run of slots a lookup may walk: how well the keys spread. */
size_t va_u64map_longest_probe(const struct va_u64map *m);

#endif
