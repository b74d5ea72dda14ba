// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stream of wire records through capture's shared half (capture.c):
 * templates of merged reads and writes and of threads' opens, the records
 * that start, flush and end them, losses, and the periodic flush that
 * expires them. Whatever the records claim, in whatever order, each event
 * must print as one valid JSON object, and nothing may leak or be read
 * after it is freed.
 *
 * Input: a sequence of items. A byte with the top bit set is a periodic
 * flush; otherwise it and the next byte are a record's length (15 bits,
 * little end first), and the record follows.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "capture_priv.h"
#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No kernel here: capture_open() is never called, only its delivery half. */
int va_tp_open(struct va_capture *c, const struct va_capture_opts *opts, char *err, size_t errlen)
{
	return -EOPNOTSUPP;
}

static int print_event(const struct va_event *ev, void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	json_object *obj;

	if (!out)
		abort();
	va_event_write_json(out, ev);
	fclose(out);
	obj = json_tokener_parse(buf);
	if (!obj)
		abort();
	json_object_put(obj);
	free(buf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct va_capture *c = calloc(1, sizeof(*c));

	if (!c)
		return 0;
	c->fn = print_event;
	va_proctab_init(&c->procs, "/nonexistent");
	va_mounts_init(&c->mounts, "/nonexistent");
	va_u64map_init(&c->aggs);
	va_u64map_init(&c->opens);
	while (size) {
		size_t len;
		void *rec;

		if (data[0] & 0x80) {
			va_capture_flushed(c, 2);
			data++;
			size--;
			continue;
		}
		if (size < 2)
			break;
		len = (size_t)data[0] | (size_t)data[1] << 8;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		/* A copy of exactly @len bytes, so reads past the end are caught. */
		rec = malloc(len ? len : 1);
		if (!rec)
			break;
		memcpy(rec, data, len);
		va_capture_deliver(c, rec, len);
		free(rec);
		data += len;
		size -= len;
	}
	va_capture_close(c);
	return 0;
}
