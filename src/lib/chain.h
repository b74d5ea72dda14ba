/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hash chain over stored records (docs/TAMPER.md): each link is
 * SHA-256 over the previous link and the record's canonical encoding, so a
 * record cannot be changed, removed, inserted or moved without changing
 * every link after it.
 */
#ifndef VA_CHAIN_H
#define VA_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define VA_CHAIN_VERSION 1
#define VA_HASH_LEN	 32

struct va_chain {
	uint8_t head[VA_HASH_LEN]; /* the link of the last record added */
	/* private */
	uint8_t *buf;
	size_t cap;
};

/* Returns: 0. The head starts as the genesis link of @store_id. */
int va_chain_init(struct va_chain *c, const char *store_id);
void va_chain_free(struct va_chain *c); /* accepts a zeroed struct */
/* Set the head back to the genesis link of @store_id. Returns: 0. */
int va_chain_genesis(struct va_chain *c, const char *store_id);

/* Advance the head over @r (its seq included). Returns: 0 or -ENOMEM. */
int va_chain_add(struct va_chain *c, const struct va_record *r);

/*
 * The part of a link kept in each row: its first 31 bits, big-endian (SQLite
 * stores it in 4 bytes). Enough to name the record where the chain breaks:
 * a forged record passes it by chance once in 2^31, and then still fails at
 * the batch's checkpoint, which holds the whole link.
 */
int64_t va_chain_short(const uint8_t link[VA_HASH_LEN]);
/* Store format 2 kept the first 8 bytes, as a signed integer. */
int64_t va_chain_short64(const uint8_t link[VA_HASH_LEN]);
/* Does a row's stored @link match @head, in either form? */
bool va_chain_short_match(const uint8_t head[VA_HASH_LEN], int64_t link);

/* Lower-case hex of @n bytes into @out (2n+1 bytes). */
void va_hex(const uint8_t *p, size_t n, char *out);
/* Write @v big-endian at @p (the encodings the chain and the seals hash). Returns: p + 8. */
uint8_t *va_put_be64(uint8_t *p, uint64_t v);
/* Returns: 0, or -EINVAL when @s is not exactly 2n hex digits. */
int va_unhex(const char *s, uint8_t *out, size_t n);

#endif
