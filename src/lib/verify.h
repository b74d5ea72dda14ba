/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `vfsaudit verify`: walk the stored records in order, recompute the hash
 * chain, compare it with every row's link, every checkpoint and every seal,
 * and (with the verification key) authenticate the seals and check that
 * every record was sealed in time. Stops at the first problem and names the
 * record (docs/TAMPER.md).
 */
#ifndef VA_VERIFY_H
#define VA_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "seal.h"
#include "store.h"

struct va_verify_result {
	bool intact;
	bool keyed; /* seals were authenticated with the verification key */
	bool damaged; /* not intact because SQLite found the file damaged: nothing else was checked */
	uint64_t records, first_seq, last_seq, first_ts, last_ts;
	uint64_t seals, last_seal_seq, last_seal_ts, last_seal_epoch;
	uint64_t unsealed;	   /* records after the last seal */
	uint64_t late_after_crash; /* records sealed late because the daemon crashed first */
	uint64_t before_key;	   /* records older than the first key, under the first seal */
	/* When not intact: */
	uint64_t bad_seq, bad_ts; /* the first bad record (bad_ts 0: unknown) */
	char problem[512];	  /* what is wrong, in words */
};

/**
 * va_verify() - check the store's record.
 * @keys: the verification keys (epoch 0; more than one when the store was
 *        re-keyed), or @n_keys 0 to check the chain alone.
 * Returns: 0 when the check ran (see @r->intact); -errno when the store
 * could not be read.
 */
int va_verify(struct va_store *s, const struct va_seal_key *keys, size_t n_keys,
	      struct va_verify_result *r);

#endif
