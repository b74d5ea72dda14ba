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

int va_intern_init(struct va_intern *c, size_t max_entries)
{
	size_t cap = 64;

	while (cap < max_entries * 2)
		cap <<= 1;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	c->cap = cap;
	c->len = 0;
	c->max = max_entries;
	return 0;
}

void va_intern_clear(struct va_intern *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		free(c->slots[i].key);
		c->slots[i].key = NULL;
		c->slots[i].id = 0;
	}
	c->len = 0;
}

void va_intern_free(struct va_intern *c)
{
	if (!c || !c->slots)
		return;
	va_intern_clear(c);
	free(c->slots);
	c->slots = NULL;
}

int64_t va_intern_get(const struct va_intern *c, const void *key, size_t len)
{
	uint64_t h = hash_bytes(key, len);

	for (size_t i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		const struct va_intern_slot *s = &c->slots[i];

		if (!s->id)
			return 0;
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
			return s->id;
	}
}

int va_intern_put(struct va_intern *c, const void *key, size_t len, int64_t id)
{
	uint64_t h = hash_bytes(key, len);
	struct va_intern_slot *s;
	size_t i;

	/* The table is at most half full: probing always ends. */
	if (c->len >= c->max)
		va_intern_clear(c);
	for (i = h & (c->cap - 1); c->slots[i].id; i = (i + 1) & (c->cap - 1)) {
		s = &c->slots[i];
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len)) {
			s->id = id;
			return 0;
		}
	}
	s = &c->slots[i];
	s->key = malloc(len ? len : 1);
	if (!s->key)
		return -ENOMEM;
	memcpy(s->key, key, len);
	s->len = len;
	s->hash = h;
	s->id = id;
	c->len++;
	return 0;
}
