/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable byte buffer for the formatters: the event's text, JSON and
 * syslog forms are built once per event on the capture path, where stdio's
 * memory streams and a JSON tree cost more than the store itself.
 */
#ifndef VA_STRBUF_H
#define VA_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Zero-initialise it. After an allocation failure @failed is set and every
 * later append does nothing: check once at the end, not after each append.
 */
struct va_strbuf {
	char *p; /* NUL-terminated once anything was appended */
	size_t len, cap;
	bool failed;
};

/* Room for @n more bytes and a NUL. Returns: false (and marks @b failed) when out of memory. */
bool va_strbuf_grow(struct va_strbuf *b, size_t n);

/*
 * The appends are inline: a formatter makes dozens per event, mostly of a few
 * bytes, and a literal's strlen() folds away.
 */
static inline void va_strbuf_put(struct va_strbuf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap && !va_strbuf_grow(b, n))
		return;
	if (b->failed)
		return;
	if (n)
		__builtin_memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void va_strbuf_puts(struct va_strbuf *b, const char *s)
{
	va_strbuf_put(b, s, __builtin_strlen(s));
}

static inline void va_strbuf_putc(struct va_strbuf *b, char c)
{
	va_strbuf_put(b, &c, 1);
}

void va_strbuf_u64(struct va_strbuf *b, uint64_t v);
void va_strbuf_i64(struct va_strbuf *b, int64_t v);
/* Drop the contents, keep the memory. */
void va_strbuf_clear(struct va_strbuf *b);
/* Returns: the contents, which the caller now owns (NULL when failed); @b is empty again. */
char *va_strbuf_take(struct va_strbuf *b, size_t *len);
void va_strbuf_free(struct va_strbuf *b);

#endif
