// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "chain.h"

/*
 * Domain strings: a link can never be mistaken for a seal or a genesis
 * value, and a future encoding gets a new name rather than a silent change.
 */
static const char genesis_tag[] = "vfsaudit-genesis-v1";
static const char link_tag[] = "vfsaudit-chain-v1";

int va_chain_init(struct va_chain *c, const char *store_id)
{
	memset(c, 0, sizeof(*c));
	return va_chain_genesis(c, store_id);
}

int va_chain_genesis(struct va_chain *c, const char *store_id)
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(genesis_tag), (const uint8_t *)genesis_tag);
	sha256_update(&ctx, strlen(store_id), (const uint8_t *)store_id);
	sha256_digest(&ctx, VA_HASH_LEN, c->head);
	return 0;
}

void va_chain_free(struct va_chain *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

static int reserve(struct va_chain *c, size_t want)
{
	uint8_t *nb;
	size_t cap = c->cap ? c->cap : 1024;

	if (want <= c->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	nb = realloc(c->buf, cap);
	if (!nb)
		return -ENOMEM;
	c->buf = nb;
	c->cap = cap;
	return 0;
}

uint8_t *va_put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static uint8_t *put_be32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

/*
 * The canonical encoding: for each field in enum va_rec_field order, a type
 * byte, then an int as 8 bytes big-endian or a blob as a 4-byte big-endian
 * length and its bytes. Unambiguous, so two different records never encode
 * alike.
 */
int va_chain_add(struct va_chain *c, const struct va_record *r)
{
	/* Tag, previous link and record in one buffer: one digest update, not three. */
	size_t need = sizeof(link_tag) + VA_HASH_LEN + VA_REC_NFIELDS * 9;
	struct sha256_ctx ctx;
	uint8_t *p;

	for (int f = 0; f < VA_REC_NFIELDS; f++)
		if (r->v[f].type == VA_VAL_BLOB)
			need += r->v[f].len;
	if (reserve(c, need))
		return -ENOMEM;
	p = c->buf;
	memcpy(p, link_tag, sizeof(link_tag));
	p += sizeof(link_tag);
	memcpy(p, c->head, VA_HASH_LEN);
	p += VA_HASH_LEN;
	for (int f = 0; f < VA_REC_NFIELDS; f++) {
		const struct va_val *v = &r->v[f];

		*p++ = (uint8_t)v->type;
		if (v->type == VA_VAL_INT) {
			p = va_put_be64(p, (uint64_t)v->i);
		} else if (v->type == VA_VAL_BLOB) {
			p = put_be32(p, (uint32_t)v->len);
			memcpy(p, v->p, v->len);
			p += v->len;
		}
	}
	sha256_init(&ctx);
	sha256_update(&ctx, (size_t)(p - c->buf), c->buf);
	sha256_digest(&ctx, VA_HASH_LEN, c->head);
	return 0;
}

int64_t va_chain_short64(const uint8_t link[VA_HASH_LEN])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | link[i];
	return (int64_t)v;
}

int64_t va_chain_short(const uint8_t link[VA_HASH_LEN])
{
	return (int64_t)((uint64_t)va_chain_short64(link) >> 33);
}

bool va_chain_short_match(const uint8_t head[VA_HASH_LEN], int64_t link)
{
	/* A store upgraded from format 2 holds both forms. */
	return link == va_chain_short(head) || link == va_chain_short64(head);
}

void va_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int va_unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
