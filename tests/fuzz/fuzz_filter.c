// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Filter option values as a user or a config file could give them. Input:
 * NUL-separated items, the first byte of each picking the option. Stored
 * results must be what the kernel maps are promised: normalized, bounded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = { "path", "exclude", "dev", "uid", "comm", "ops", "bogus" };

static void check_prefix(const char *p)
{
	char again[VA_FILTER_PREFIX_MAX + 1];
	size_t len = strlen(p);

	if (p[0] != '/' || len > VA_FILTER_PREFIX_MAX)
		abort();
	if (va_path_normalize(p, len, again, sizeof(again)) != (int)len || strcmp(again, p))
		abort();
}

static void check(const struct va_filter *f)
{
	if (f->n_paths > VA_FILTER_MAX_PREFIXES || f->n_excludes > VA_FILTER_MAX_PREFIXES ||
	    f->n_devs > VA_FILTER_MAX_IDS || f->n_uids > VA_FILTER_MAX_IDS ||
	    f->n_comms > VA_FILTER_MAX_IDS)
		abort();
	for (unsigned int i = 0; i < f->n_paths; i++)
		check_prefix(f->paths[i]);
	for (unsigned int i = 0; i < f->n_excludes; i++)
		check_prefix(f->excludes[i]);
	for (unsigned int i = 0; i < f->n_comms; i++) {
		size_t n = strnlen(f->comms[i], 16);

		if (n < 1 || n > 15)
			abort();
		for (size_t k = n; k < 16; k++)
			if (f->comms[i][k])
				abort();
	}
	if (!f->ops || (f->ops & ~VA_SEL_ALL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	struct va_filter f;
	char err[256];
	size_t i = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	va_filter_init(&f);
	while (i < size) {
		const char *key = keys[(uint8_t)buf[i] % (sizeof(keys) / sizeof(keys[0]))];
		const char *value = buf + i + 1;
		int ret;

		if (i + 1 > size)
			break;
		ret = va_filter_add(&f, key, value, err, sizeof(err));
		/* every failure explains itself */
		if (ret && (!memchr(err, '\0', sizeof(err)) || !err[0]))
			abort();
		if (ret && ret != -EINVAL && ret != -E2BIG && ret != -ENOENT && ret != -ENOMEM)
			abort();
		check(&f);
		i += 1 + strlen(value) + 1;
	}
	va_filter_free(&f);
	free(buf);
	return 0;
}
