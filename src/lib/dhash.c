// SPDX-License-Identifier: GPL-2.0-or-later
/* Locating the dcache's hash table from freshly hashed dentries (dhash.h). */
#include <errno.h>
#include <stdbool.h>

#include "dhash.h"

/* The table address sample @s implies, if the table has 2^(32 - @shift) buckets. */
static uint64_t implied_table(const struct va_dhash_sample *s, uint32_t shift)
{
	return s->pprev - (((uint64_t)(uint32_t)s->hash >> shift) << 3);
}

/* How many of @samples imply the same table as samples[@i] under @shift. */
static size_t agreeing(const struct va_dhash_sample *samples, size_t n, size_t i, uint32_t shift)
{
	uint64_t table = implied_table(&samples[i], shift);
	size_t count = 0;

	for (size_t j = 0; j < n; j++)
		count += implied_table(&samples[j], shift) == table;
	return count;
}

int va_dhash_solve(const struct va_dhash_sample *samples, size_t n, uint64_t *table,
		   uint32_t *shift)
{
	uint64_t best_table = 0;
	uint32_t best_shift = 0;
	size_t best = 0;
	bool tie = false;

	/* A shift of 0 would be 2^32 buckets: no kernel sizes it so. */
	for (uint32_t s = 1; s < 32; s++) {
		for (size_t i = 0; i < n; i++) {
			size_t count = agreeing(samples, n, i, s);
			uint64_t t = implied_table(&samples[i], s);

			if (count > best) {
				best = count;
				best_table = t;
				best_shift = s;
				tie = false;
			} else if (count == best && (t != best_table || s != best_shift)) {
				tie = true;
			}
		}
	}
	/* Kernel addresses are in the upper half; heads are 8-byte aligned. */
	if (best < VA_DHASH_MIN_AGREE || best * 4 <= n * 3 || tie || !(best_table >> 63) ||
	    (best_table & 7))
		return -ESRCH;
	*table = best_table;
	*shift = best_shift;
	return 0;
}
