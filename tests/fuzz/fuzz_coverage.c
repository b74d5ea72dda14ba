// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The filters a start row carries are read back from the store, which an
 * intruder may have edited: any bytes must decode or be refused, never
 * crash; what decodes must encode and decode to the same filters, and be
 * checkable against any path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct va_filter *a, const struct va_filter *b)
{
	if (a->ops != b->ops || a->every_call != b->every_call ||
	    a->default_excludes != b->default_excludes || a->n_paths != b->n_paths ||
	    a->n_excludes != b->n_excludes || a->n_uids != b->n_uids || a->n_devs != b->n_devs ||
	    a->n_comms != b->n_comms)
		abort();
	for (unsigned int i = 0; i < a->n_paths; i++)
		if (strcmp(a->paths[i], b->paths[i]))
			abort();
	for (unsigned int i = 0; i < a->n_excludes; i++)
		if (strcmp(a->excludes[i], b->excludes[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/", "/etc", "/etc/passwd", "/dev/sda", "/tmp/cv/w" };
	static char detail[65536];
	struct va_filter f, g;
	char why[512];

	if (va_coverage_decode((const char *)data, size, &f))
		return 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		enum va_cover c = va_coverage_check(&f, paths[i], VA_SEL_ALL, why, sizeof(why));

		if (c != VA_COVER_ALL && c != VA_COVER_PART && c != VA_COVER_NONE)
			abort();
		if (c != VA_COVER_ALL && !memchr(why, '\0', sizeof(why)))
			abort();
	}
	if (va_coverage_describe(&f, why, sizeof(why)) != VA_COVER_ALL && !why[0])
		abort();
	if (va_coverage_encode("tracepoint", &f, detail, sizeof(detail)))
		abort();
	if (va_coverage_decode(detail, strlen(detail), &g))
		abort();
	same(&f, &g);
	va_filter_free(&f);
	va_filter_free(&g);
	return 0;
}
