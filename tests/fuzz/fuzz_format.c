// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Both event forms on hostile events: numbers, flags and ops from the input,
 * and comm, paths, exe and argv as raw bytes. The text form must stay one
 * printable line; the JSON form must parse, read back as json-c would write
 * it, and carry every path byte for byte, in the text itself or in its
 * *_hex twin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "escape.h"
#include "event.h"
#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed part of an input: every number the formatters look at. */
struct numbers {
	uint64_t seq, ts_ns, mntns, ino, count, bytes, lost;
	int64_t ret, size, owner_uid, owner_gid;
	uint32_t op, ftype, pid, tid, ppid, uid, euid, gid, auid, ses, tty_dev;
	uint32_t dev_major, dev_minor, open_flags, mode, rename_flags, path_flags, path2_flags;
	uint8_t bools;
	uint8_t lens[5]; /* comm, exe, path, path2, argv */
};

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* @key must hold @b exactly: as the text when it is valid UTF-8, else in @hex_key. */
static void check_bytes(struct json_object *o, const char *key, const char *hex_key,
			const struct va_bytes *b)
{
	struct json_object *v, *h;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		abort();
	s = json_object_get_string(v);
	if (!va_utf8_valid(s, (size_t)json_object_get_string_len(v)))
		abort();
	if (va_utf8_valid(b->ptr, b->len)) {
		if ((size_t)json_object_get_string_len(v) != b->len ||
		    (b->len && memcmp(s, b->ptr, b->len)))
			abort();
		if (json_object_object_get_ex(o, hex_key, NULL))
			abort();
		return;
	}
	if (!json_object_object_get_ex(o, hex_key, &h))
		abort();
	s = json_object_get_string(h);
	if (strlen(s) != 2 * b->len)
		abort();
	for (size_t i = 0; i < b->len; i++)
		if ((hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1])) != (uint8_t)b->ptr[i])
			abort();
}

static void check_text(const char *s, size_t len)
{
	if (!len || s[len - 1] != '\n' || strlen(s) != len)
		abort();
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			abort();
	}
	if (!va_utf8_valid(s, len))
		abort();
}

static void check_json(const char *s, size_t len, const struct va_event *ev)
{
	struct json_object *o, *v;

	if (!len || s[len - 1] != '\n' || memchr(s, '\n', len - 1) || strlen(s) != len)
		abort();
	o = json_tokener_parse(s);
	if (!o || !json_object_is_type(o, json_type_object))
		abort();
	/* The line is written without json-c: it must be json-c's own serialisation of itself. */
	{
		size_t n;
		const char *again = json_object_to_json_string_length(
			o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

		if (!again || n != len - 1 || memcmp(again, s, n))
			abort();
	}
	if (!json_object_object_get_ex(o, "op", &v) || !json_object_is_type(v, json_type_string))
		abort();
	if (ev->op != VA_OP_LOST) {
		check_bytes(o, "path", "path_hex", &ev->path);
		if (ev->exe.len)
			check_bytes(o, "exe", "exe_hex", &ev->exe);
		if (ev->op == VA_OP_RENAME || ev->op == VA_OP_LINK)
			check_bytes(o, "new_path", "new_path_hex", &ev->path2);
		if (ev->op == VA_OP_SYMLINK)
			check_bytes(o, "target", "target_hex", &ev->path2);
		if (json_object_object_get_ex(o, "error", NULL) != (ev->ret < 0))
			abort();
	}
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct numbers n;
	struct va_event ev;
	struct va_bytes *parts[4] = { &ev.exe, &ev.path, &ev.path2, &ev.argv };
	const char *p;
	char *out = NULL;
	size_t out_len = 0, left, take;
	FILE *f;

	if (size < sizeof(n))
		return 0;
	memcpy(&n, data, sizeof(n));
	p = (const char *)data + sizeof(n);
	left = size - sizeof(n);

	memset(&ev, 0, sizeof(ev));
	ev.seq = n.seq;
	ev.ts_ns = n.ts_ns;
	ev.mntns = n.mntns;
	ev.ino = n.ino;
	ev.count = n.count;
	ev.bytes = n.bytes;
	ev.lost = n.lost;
	ev.ret = n.ret;
	ev.size = n.size;
	ev.owner_uid = n.owner_uid;
	ev.owner_gid = n.owner_gid;
	ev.op = (enum va_op)(n.op % (VA_OP_MAX + 2));
	ev.ftype = (enum va_ftype)(n.ftype % 9);
	ev.pid = n.pid;
	ev.tid = n.tid;
	ev.ppid = n.ppid;
	ev.uid = n.uid;
	ev.euid = n.euid;
	ev.gid = n.gid;
	ev.auid = n.auid;
	ev.ses = n.ses;
	ev.tty_dev = n.tty_dev;
	ev.dev_major = n.dev_major;
	ev.dev_minor = n.dev_minor;
	ev.open_flags = n.open_flags;
	ev.mode = n.mode;
	ev.rename_flags = n.rename_flags;
	ev.path_flags = n.path_flags;
	ev.path2_flags = n.path2_flags;
	ev.has_dev = n.bools & 1;
	ev.has_ino = n.bools & 2;
	ev.has_open_flags = n.bools & 4;
	ev.argv_truncated = n.bools & 8;

	/* comm: the kernel gives at most 16 bytes, NUL-padded */
	take = n.lens[0] % 17 < left ? n.lens[0] % 17 : left;
	memcpy(ev.comm, p, take);
	p += take;
	left -= take;
	for (int i = 0; i < 4; i++) {
		/* the last part takes the rest, so long inputs make long paths */
		take = i == 3 ? left : (n.lens[i + 1] < left ? n.lens[i + 1] : left);
		parts[i]->ptr = p;
		parts[i]->len = take;
		p += take;
		left -= take;
	}

	f = open_memstream(&out, &out_len);
	if (!f)
		return 0;
	if (va_event_write(f, VA_FORMAT_TEXT, &ev) || fclose(f))
		abort();
	check_text(out, out_len);
	free(out);

	out = NULL;
	f = open_memstream(&out, &out_len);
	if (!f)
		return 0;
	if (va_event_write(f, VA_FORMAT_JSON, &ev) || fclose(f))
		abort();
	check_json(out, out_len, &ev);
	free(out);
	return 0;
}
