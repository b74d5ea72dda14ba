// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * va_path_normalize() against a plain forward implementation, and the
 * properties filter prefixes rely on: idempotent, canonical, and
 * va_path_under() true of the path itself and its parents only on '/'.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Forward, with a buffer as large as the input: the obvious algorithm. */
static size_t reference(const char *in, size_t len, char *out)
{
	size_t o = 0, i = 0;

	while (i < len) {
		size_t start, n;

		while (i < len && in[i] == '/')
			i++;
		start = i;
		while (i < len && in[i] != '/')
			i++;
		n = i - start;
		if (!n || (n == 1 && in[start] == '.'))
			continue;
		if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, in + start, n);
		o += n;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in;
	size_t out_size, len;
	char *out, *ref, *again;
	int n;

	if (size < 1)
		return 0;
	out_size = data[0];
	in = (const char *)data + 1;
	len = size - 1;
	out = malloc(out_size ? out_size : 1);
	ref = malloc(len + 2);
	again = malloc(len + 2);
	if (!out || !ref || !again)
		goto done;
	n = va_path_normalize(in, len, out, out_size);
	if (!len || in[0] != '/' || memchr(in, '\0', len)) {
		if (n != -EINVAL)
			abort();
		goto done;
	}
	reference(in, len, ref);
	if (strlen(ref) + 1 > out_size) {
		if (n != -ENAMETOOLONG)
			abort();
		goto done;
	}
	if (n < 0 || (size_t)n != strlen(ref) || strcmp(out, ref))
		abort();
	/* canonical: normalizing again changes nothing */
	if (va_path_normalize(out, (size_t)n, again, len + 2) != n || strcmp(again, out))
		abort();
	if (!va_path_under(out, (size_t)n, out))
		abort();
	for (int i = 1; i < n; i++) {
		char save = out[i];
		/* a prefix ending in '/' ("/" itself included) is a boundary too */
		bool boundary = save == '/' || out[i - 1] == '/';

		out[i] = '\0';
		if (va_path_under(ref, (size_t)n, out) != boundary)
			abort();
		out[i] = save;
	}
done:
	free(out);
	free(ref);
	free(again);
	return 0;
}
