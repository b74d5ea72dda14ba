// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The escapers on arbitrary bytes: C-escaped output is printable, one line,
 * valid UTF-8 and decodes back to the input; the UTF-8 repair always yields
 * valid UTF-8 and leaves valid input alone; hex is exact.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes our escapes; anything else after a backslash is a bug. */
static size_t unescape(const char *s, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (++i >= len)
			abort();
		switch (s[i]) {
		case '\\':
			out[o++] = '\\';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 'x':
			if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				abort();
			out[o++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
			break;
		default:
			abort();
		}
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *esc = NULL, *dec = NULL, *san, *hex;
	size_t esc_len = 0, san_len = 0;
	FILE *f = open_memstream(&esc, &esc_len);
	bool valid = va_utf8_valid(in, size);

	if (!f)
		return 0;
	if (va_escape_c(f, in, size) || fclose(f))
		abort();
	for (size_t i = 0; i < esc_len; i++) {
		unsigned char c = (unsigned char)esc[i];

		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < esc_len && (unsigned char)esc[i + 1] < 0xa0))
			abort();
	}
	if (!va_utf8_valid(esc, esc_len))
		abort();
	dec = malloc(esc_len + 1);
	if (!dec || unescape(esc, esc_len, dec) != size || memcmp(dec, in, size))
		abort();
	/* text with nothing to escape passes through unchanged */
	if (valid && esc_len == size && memcmp(esc, in, size))
		abort();

	san = va_utf8_sanitize(in, size, &san_len);
	if (!san || !va_utf8_valid(san, san_len) || san[san_len])
		abort();
	if (valid != (san_len == size && !memcmp(san, in, size)))
		abort();

	hex = va_hex_encode(in, size);
	if (!hex || strlen(hex) != 2 * size)
		abort();
	for (size_t i = 0; i < size; i++)
		if ((hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1])) != data[i])
			abort();
	free(esc);
	free(dec);
	free(san);
	free(hex);
	return 0;
}
