// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Escaping and UTF-8 checks. A file name can hold any byte but '/' and NUL,
 * so everything here treats its input as hostile: nothing a name contains may
 * start a new log line, drive a terminal, or make the JSON invalid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "escape.h"
#include "strbuf.h"

/* Returns: the length of the valid UTF-8 sequence at @s, or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c < 0xc2) /* a stray continuation, or an overlong 2-byte form */
		return 0;
	if (c < 0xe0) {
		need = 2;
	} else if (c < 0xf0) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else if (c < 0xf5) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

bool va_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n;

		/* ASCII runs are the common case; skip the decoder for them. */
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

static const char hexdigits[] = "0123456789abcdef";

void va_escape_c_buf(struct va_strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;

	if (!len)
		return; /* an empty value may come with no pointer at all */
	while (i < len) {
		unsigned char c = p[i];
		size_t n = 1;
		const char *esc = NULL;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			n = utf8_seq(p + i, len - i);
			/* U+0080-U+009F (C2 80-9F) are C1 controls: CSI as 0x9b moves cursors. */
			if (n > 1 && !(c == 0xc2 && p[i + 1] < 0xa0)) {
				i += n;
				continue;
			}
			if (!n)
				n = 1;
		}
		va_strbuf_put(out, p + run, i - run);
		if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\r')
			esc = "\\r";
		if (esc) {
			va_strbuf_put(out, esc, 2);
		} else {
			for (size_t k = 0; k < n; k++) {
				char b[4] = { '\\', 'x', hexdigits[p[i + k] >> 4],
					      hexdigits[p[i + k] & 0xf] };

				va_strbuf_put(out, b, sizeof(b));
			}
		}
		i += n;
		run = i;
	}
	va_strbuf_put(out, p + run, i - run);
}

int va_escape_c(FILE *out, const char *s, size_t len)
{
	struct va_strbuf b = { 0 };
	int ret;

	va_escape_c_buf(&b, s, len);
	if (b.failed)
		ret = -ENOMEM;
	else if (b.len && fwrite(b.p, 1, b.len, out) != b.len)
		ret = -EIO;
	else
		ret = ferror(out) ? -EIO : 0;
	va_strbuf_free(&b);
	return ret;
}

char *va_utf8_sanitize(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *buf, *o;
	size_t i = 0;

	/* Each bad byte grows into the 3 bytes of U+FFFD. */
	if (len > (SIZE_MAX - 1) / 3) {
		errno = ENOMEM;
		return NULL;
	}
	buf = malloc(len * 3 + 1);
	if (!buf)
		return NULL;
	o = buf;
	while (i < len) {
		size_t n = p[i] < 0x80 ? 1 : utf8_seq(p + i, len - i);

		if (n) {
			for (size_t k = 0; k < n; k++)
				*o++ = (char)p[i + k];
			i += n;
		} else {
			*o++ = (char)0xef;
			*o++ = (char)0xbf;
			*o++ = (char)0xbd;
			i++;
		}
	}
	*o = '\0';
	if (out_len)
		*out_len = (size_t)(o - buf);
	return buf;
}

char *va_hex_encode(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *buf;

	if (len > (SIZE_MAX - 1) / 2) {
		errno = ENOMEM;
		return NULL;
	}
	buf = malloc(len * 2 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = hexdigits[p[i] >> 4];
		buf[2 * i + 1] = hexdigits[p[i] & 0xf];
	}
	buf[len * 2] = '\0';
	return buf;
}
