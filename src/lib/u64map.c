// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	/*
	 * Mix every bit of the key into the slot (the splitmix64 finaliser):
	 * keys are sequential ids, pids, and pairs packed as hi << 32 | lo, where
	 * a plain multiply would leave the low slot bits to depend on lo alone
	 * (one reused inode under many names made one long probe chain).
	 */
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebull;
	key ^= key >> 31;
	return (size_t)key & (cap - 1);
}

void va_u64map_init(struct va_u64map *m)
{
	m->keys = NULL;
	m->vals = NULL;
	m->cap = 0;
	m->len = 0;
}

void va_u64map_free(struct va_u64map *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	va_u64map_init(m);
}

void va_u64map_clear(struct va_u64map *m, size_t keep_cap)
{
	if (m->cap > keep_cap) {
		va_u64map_free(m);
		return;
	}
	if (m->len)
		memset(m->vals, 0, m->cap * sizeof(*m->vals));
	m->len = 0;
}

void *va_u64map_get(const struct va_u64map *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot_of(key, m->cap); m->vals[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

static int grow(struct va_u64map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, i, j;
	uint64_t *nkeys = calloc(ncap, sizeof(*nkeys));
	void **nvals = calloc(ncap, sizeof(*nvals));

	if (!nkeys || !nvals) {
		free(nkeys);
		free(nvals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->vals[i])
			continue;
		for (j = slot_of(m->keys[i], ncap); nvals[j]; j = (j + 1) & (ncap - 1))
			;
		nkeys[j] = m->keys[i];
		nvals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nkeys;
	m->vals = nvals;
	m->cap = ncap;
	return 0;
}

int va_u64map_put(struct va_u64map *m, uint64_t key, void *val)
{
	size_t i;
	int err;

	if ((m->len + 1) * 4 > m->cap * 3) {
		err = grow(m);
		if (err)
			return err;
	}
	for (i = slot_of(key, m->cap); m->vals[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
	return 0;
}

void *va_u64map_del(struct va_u64map *m, uint64_t key)
{
	size_t i, j, home, mask = m->cap - 1;
	void *val;

	if (!m->cap)
		return NULL;
	for (i = slot_of(key, m->cap); m->vals[i]; i = (i + 1) & mask)
		if (m->keys[i] == key)
			break;
	if (!m->vals[i])
		return NULL;
	val = m->vals[i];
	m->vals[i] = NULL;
	m->len--;
	/* Shift later members of the probe chain back so lookups still find them. */
	for (j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
		home = slot_of(m->keys[j], m->cap);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			m->vals[j] = NULL;
			i = j;
		}
	}
	return val;
}

void va_u64map_each(const struct va_u64map *m, void (*fn)(uint64_t key, void *val, void *ctx),
		    void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i])
			fn(m->keys[i], m->vals[i], ctx);
}

size_t va_u64map_longest_probe(const struct va_u64map *m)
{
	size_t longest = 0, i;

	for (i = 0; i < m->cap; i++) {
		size_t home, walk;

		if (!m->vals[i])
			continue;
		home = slot_of(m->keys[i], m->cap);
		walk = ((i - home) & (m->cap - 1)) + 1;
		if (walk > longest)
			longest = walk;
	}
	return longest;
}

struct va_u64map_count *va_u64map_counts(const struct va_u64map *m)
{
	struct va_u64map_count *v = malloc((m->len ? m->len : 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; v && i < m->cap; i++)
		if (m->vals[i])
			v[n++] = (struct va_u64map_count){ m->keys[i], (uintptr_t)m->vals[i] };
	return v;
}
