// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

bool va_strbuf_grow(struct va_strbuf *b, size_t n)
{
	size_t cap;
	char *np;

	if (b->failed)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	if (n > SIZE_MAX / 4 - b->len) {
		b->failed = true;
		return false;
	}
	/* Most events fit in one allocation. */
	cap = b->cap ? b->cap : 512;
	while (cap < b->len + n + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->failed = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void va_strbuf_u64(struct va_strbuf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	/* Digits backwards: no printf on the per-event path. */
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	va_strbuf_put(b, tmp + sizeof(tmp) - n, n);
}

void va_strbuf_i64(struct va_strbuf *b, int64_t v)
{
	if (v < 0) {
		va_strbuf_putc(b, '-');
		/* INT64_MIN has no positive int64; its magnitude fits a uint64. */
		va_strbuf_u64(b, (uint64_t)0 - (uint64_t)v);
		return;
	}
	va_strbuf_u64(b, (uint64_t)v);
}

void va_strbuf_clear(struct va_strbuf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->p)
		b->p[0] = '\0';
}

char *va_strbuf_take(struct va_strbuf *b, size_t *len)
{
	char *p = b->failed ? NULL : b->p;

	if (!p && !b->failed) {
		/* Nothing appended: hand back an empty string, not NULL. */
		p = calloc(1, 1);
	}
	if (len)
		*len = p ? b->len : 0;
	if (!p)
		free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = false;
	return p;
}

void va_strbuf_free(struct va_strbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
