// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"

static uint64_t mix(uint64_t h)
{
	/* splitmix64's finalizer: every input bit reaches every output bit. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

/*
 * Eight bytes per step: paths and process keys are long, and hashing them a
 * byte at a time was a tenth of the writer's time.
 */
static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, k;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&k, p, 8);
		h = (h ^ mix(k)) * 0x9e3779b97f4a7c15ull;
	}
	k = 0;
	memcpy(&k, p, len);
	return mix(h ^ k);
}

static int table_init(struct va_intern_table *t, size_t max_entries)
{
	size_t cap = 64;

	while (cap < max_entries * 2)
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->cap = cap;
	t->len = 0;
	return 0;
}

static void table_clear(struct va_intern_table *t)
{
	if (t->slots)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->len = 0;
	t->arena_len = 0;
}

/* @s's key: its length, and its bytes after it. */
static uint32_t key_len(const struct va_intern_table *t, const struct va_intern_slot *s)
{
	uint32_t len;

	memcpy(&len, t->arena + s->off, sizeof(len));
	return len;
}

/* Copy @key into @t's arena. Returns: its offset, or -ENOMEM. */
static int64_t arena_add(struct va_intern_table *t, const void *key, size_t len)
{
	size_t need = sizeof(uint32_t) + len, off = t->arena_len;
	uint32_t len32 = (uint32_t)len;

	if (len > UINT32_MAX || off + need > UINT32_MAX)
		return -ENOMEM;
	if (off + need > t->arena_cap) {
		size_t cap = t->arena_cap ? t->arena_cap : 65536;
		unsigned char *grown;

		while (cap < off + need)
			cap *= 2;
		grown = realloc(t->arena, cap);
		if (!grown)
			return -ENOMEM;
		t->arena = grown;
		t->arena_cap = cap;
	}
	memcpy(t->arena + off, &len32, sizeof(len32));
	memcpy(t->arena + off + sizeof(len32), key, len);
	t->arena_len = off + need;
	return (int64_t)off;
}

int va_intern_init(struct va_intern *c, size_t max_entries)
{
	memset(c, 0, sizeof(*c));
	c->max = max_entries / 2 ? max_entries / 2 : 1;
	if (table_init(&c->young, c->max) || table_init(&c->old, c->max)) {
		va_intern_free(c);
		return -ENOMEM;
	}
	return 0;
}

void va_intern_clear(struct va_intern *c)
{
	table_clear(&c->young);
	table_clear(&c->old);
}

void va_intern_free(struct va_intern *c)
{
	if (!c)
		return;
	va_intern_clear(c);
	free(c->young.slots);
	free(c->old.slots);
	free(c->young.arena);
	free(c->old.arena);
	memset(&c->young, 0, sizeof(c->young));
	memset(&c->old, 0, sizeof(c->old));
}

/* Returns: the slot holding the key, or the empty slot where it would go. */
static struct va_intern_slot *find(const struct va_intern_table *t, uint64_t h, const void *key,
				   size_t len)
{
	uint32_t tag = (uint32_t)(h >> 32);

	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct va_intern_slot *s = &t->slots[i];

		if (!s->id || (s->hash == tag && key_len(t, s) == len &&
			       !memcmp(t->arena + s->off + sizeof(uint32_t), key, len)))
			return s;
	}
}

/* Put into the young table, turning the generations over when it is full. */
static int put_young(struct va_intern *c, uint64_t h, const void *key, size_t len, int64_t id)
{
	struct va_intern_slot *s;
	int64_t off;

	/* Full, or its arena's 32-bit offsets would run out (keys of gigabytes). */
	if (c->young.len >= c->max || c->young.arena_len + sizeof(uint32_t) + len > UINT32_MAX) {
		struct va_intern_table t = c->old;

		table_clear(&t);
		c->old = c->young;
		c->young = t;
	}
	/* The table is at most half full: probing always ends. */
	s = find(&c->young, h, key, len);
	if (s->id) {
		s->id = id;
		return 0;
	}
	off = arena_add(&c->young, key, len);
	if (off < 0)
		return (int)off;
	s->off = (uint32_t)off;
	s->hash = (uint32_t)(h >> 32);
	s->id = id;
	c->young.len++;
	return 0;
}

int64_t va_intern_get(struct va_intern *c, const void *key, size_t len)
{
	uint64_t h = hash_bytes(key, len);
	struct va_intern_slot *s = find(&c->young, h, key, len);
	int64_t id;

	if (s->id)
		return s->id;
	s = find(&c->old, h, key, len);
	if (!s->id)
		return 0;
	id = s->id;
	/* Still in use: keep it through the next turnover (failing that, it is only a cache). */
	(void)put_young(c, h, key, len, id);
	return id;
}

int va_intern_put(struct va_intern *c, const void *key, size_t len, int64_t id)
{
	return put_young(c, hash_bytes(key, len), key, len, id);
}
