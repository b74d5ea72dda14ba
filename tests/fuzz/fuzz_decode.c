// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Wire records are the decoder's untrusted input: any byte string must be
 * refused or decoded into an event the formatters can print as one valid
 * line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "decode.h"
#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct va_decoded d;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	void *rec;

	/* A copy of exactly @size bytes, so reads past the end are caught. */
	rec = malloc(size ? size : 1);
	if (!rec)
		return 0;
	memcpy(rec, data, size);
	if (va_decode(rec, size, &d) == 0 && d.type == VA_WIRE_FILE) {
		out = open_memstream(&buf, &len);
		if (!out)
			abort();
		va_event_write_text(out, &d.ev);
		fclose(out);
		if (!len || memchr(buf, '\n', len) != buf + len - 1)
			abort(); /* one event, one line */
		free(buf);
		buf = NULL;
		out = open_memstream(&buf, &len);
		if (!out)
			abort();
		va_event_write_json(out, &d.ev);
		fclose(out);
		json_object *obj = json_tokener_parse(buf);
		if (!obj)
			abort();
		json_object_put(obj);
		free(buf);
	}
	free(rec);
	return 0;
}
