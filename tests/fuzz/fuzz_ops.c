// SPDX-License-Identifier: GPL-2.0-or-later
/* --ops lists: any accepted list selects only known ops; a rejection points inside the list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *list = malloc(size + 1);
	const char *bad = NULL;
	uint64_t sel = 0;
	size_t len;

	if (!list)
		return 0;
	memcpy(list, data, size);
	list[size] = '\0';
	len = strlen(list);
	if (va_ops_parse(list, &sel, &bad)) {
		if (!bad || bad < list || bad > list + len)
			abort();
	} else {
		if (!sel || (sel & ~VA_SEL_ALL))
			abort();
		/* every item of an accepted list is accepted on its own */
		for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) {
			uint64_t one = 0;

			if (va_ops_parse(item, &one, &bad) || (one & ~sel))
				abort();
		}
	}
	free(list);
	return 0;
}
