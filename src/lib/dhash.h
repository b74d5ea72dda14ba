/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding the dcache's hash table (fs/dcache.c: dentry_hashtable, an array
 * of 8-byte hlist_bl heads, and d_hash_shift) without kallsyms, which lists
 * data symbols only with CONFIG_KALLSYMS_ALL: a dentry the kernel has just
 * hashed sits first in its bucket, so its d_hash.pprev is the address of
 * bucket (hash >> shift). Given several such (pprev, hash) pairs, one table
 * address and one shift explain them all; a pair that was not first in its
 * bucket (another name hashed there since) explains nothing and is outvoted.
 */
#ifndef VA_DHASH_H
#define VA_DHASH_H

#include <stddef.h>
#include <stdint.h>

struct va_dhash_sample {
	uint64_t pprev; /* d_hash.pprev of a dentry just hashed */
	uint64_t hash;  /* its d_name.hash (32 bits) */
};

/* Fewest samples, and the least share of them, that must agree. */
#define VA_DHASH_MIN_AGREE 8

/*
 * va_dhash_solve() - the table address and shift that the most samples
 * agree on. Returns: 0 with @table and @shift set when at least
 * VA_DHASH_MIN_AGREE samples and more than three quarters of them agree on
 * one kernel address, and no other answer does as well; -ESRCH otherwise.
 */
int va_dhash_solve(const struct va_dhash_sample *samples, size_t n, uint64_t *table,
		   uint32_t *shift);

#endif
