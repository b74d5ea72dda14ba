/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The path filters' quick test, shared by the BPF programs and user space
 * (which fills it and tests it): each path prefix's first 8 bytes, as the
 * trie's key has them (the prefix and a '/', except for "/" itself). A path
 * whose key starts like none of them cannot match a prefix, and skips the
 * trie lookup and the copy of its key. Little-endian words, as x86-64 and
 * arm64 load them.
 */
#ifndef VA_FILTER_HEADS_H
#define VA_FILTER_HEADS_H

#include "vfsaudit_wire.h"

/* Bytes 0..n-1 of a word (n <= 8). */
static inline va_u64 va_head_mask(va_u32 n)
{
	return n >= 8 ? ~0ull : ~(~0ull << (n * 8));
}

/*
 * The first 8 bytes of the key of a path of @len bytes whose first 8 bytes
 * (as loaded; bytes past @len are ignored) are @w.
 */
static inline va_u64 va_head_key(va_u64 w, va_u32 len)
{
	if (len == 1 && (w & 0xff) == '/')
		return '/';
	if (len < 8)
		return (w & va_head_mask(len)) | ((va_u64)'/' << (len * 8));
	return w;
}

/* Returns: 1 when a path whose key starts with @key may match a prefix of @conf. */
static inline int va_head_may_match(const struct va_filter_conf *conf, va_u64 key)
{
	va_u32 heads = conf->heads;

	if (heads > VA_FILTER_HEADS)
		return 1;
	for (int i = 0; i < VA_FILTER_HEADS; i++) {
		if (i >= (int)heads)
			break;
		if ((key & conf->head_mask[i]) == conf->head[i])
			return 1;
	}
	return 0;
}

#endif
