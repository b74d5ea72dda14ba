/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounded cache from byte strings to row ids, so that interning a path or
 * a process identity costs a hash lookup, not a query, in the common case.
 * When full it is emptied and refills from the database.
 */
#ifndef VA_INTERN_H
#define VA_INTERN_H

#include <stddef.h>
#include <stdint.h>

struct va_intern_slot {
	uint64_t hash;
	int64_t id; /* 0: empty */
	char *key;
	size_t len;
};

struct va_intern {
	struct va_intern_slot *slots;
	size_t cap; /* a power of two */
	size_t len;
	size_t max; /* entries before the cache is emptied */
};

int va_intern_init(struct va_intern *c, size_t max_entries);
void va_intern_free(struct va_intern *c); /* accepts a zeroed struct */
void va_intern_clear(struct va_intern *c);
/* Returns: the id cached for the bytes, or 0. */
int64_t va_intern_get(const struct va_intern *c, const void *key, size_t len);
/* Returns: 0 or -ENOMEM. */
int va_intern_put(struct va_intern *c, const void *key, size_t len, int64_t id);

#endif
