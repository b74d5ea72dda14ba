// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON form (SPEC.md "JSON form"), written straight into a buffer.
 *
 * Why not json-c's tree: building it costs a dozen allocations and a hash
 * table per event, which on the capture path cost the sinks 40% of the
 * store's rate. The output is json-c's own plain serialisation of the same
 * tree, byte for byte (same key order, same string escapes), which the unit
 * tests and a differential fuzz target check; va_event_to_json() reads this
 * line back, so there is one writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "format.h"
#include "strbuf.h"
#include "timefmt.h"

/* A JSON string body, escaped as json-c escapes (with JSON_C_TO_STRING_NOSLASHESCAPE). */
static void json_escape(struct va_strbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 0 };
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '\b':
			esc[1] = 'b';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
			break;
		}
		va_strbuf_put(b, s + run, i - run);
		va_strbuf_put(b, esc, n);
		run = i + 1;
	}
	if (len)
		va_strbuf_put(b, s + run, len - run);
}

/*
 * A JSON string of untrusted bytes: invalid UTF-8 becomes U+FFFD, a byte each.
 * Returns: whether the bytes were valid UTF-8 (kept as they are).
 */
static bool json_str(struct va_strbuf *b, const char *p, size_t len)
{
	bool valid = !len || va_utf8_valid(p, len);

	va_strbuf_putc(b, '"');
	if (!valid) {
		size_t n;
		char *fixed = va_utf8_sanitize(p, len, &n);

		if (!fixed)
			b->failed = true;
		else
			json_escape(b, fixed, n);
		free(fixed);
	} else {
		json_escape(b, p, len);
	}
	va_strbuf_putc(b, '"');
	return valid;
}

/* ,"key": — every key is a literal that needs no escape. */
static void key(struct va_strbuf *b, const char *k)
{
	va_strbuf_puts(b, ",\"");
	va_strbuf_puts(b, k);
	va_strbuf_puts(b, "\":");
}

static void put_u64(struct va_strbuf *b, const char *k, uint64_t v)
{
	key(b, k);
	va_strbuf_u64(b, v);
}

static void put_i64(struct va_strbuf *b, const char *k, int64_t v)
{
	key(b, k);
	va_strbuf_i64(b, v);
}

/* A string known to be plain ASCII (names from tables, numbers). */
static void put_lit(struct va_strbuf *b, const char *k, const char *v)
{
	key(b, k);
	va_strbuf_putc(b, '"');
	va_strbuf_puts(b, v);
	va_strbuf_putc(b, '"');
}

static void put_null(struct va_strbuf *b, const char *k)
{
	key(b, k);
	va_strbuf_puts(b, "null");
}

static void put_true_if(struct va_strbuf *b, const char *k, bool cond)
{
	if (!cond)
		return;
	key(b, k);
	va_strbuf_puts(b, "true");
}

/* @k holds the text; when that text had to be repaired, @hex_key holds the exact bytes. */
static void put_bytes(struct va_strbuf *b, const char *k, const char *hex_key,
		      const struct va_bytes *v)
{
	key(b, k);
	if (json_str(b, v->ptr, v->len) || !hex_key)
		return;
	key(b, hex_key);
	va_strbuf_putc(b, '"');
	for (size_t i = 0; i < v->len; i++) {
		static const char hex[] = "0123456789abcdef";
		unsigned char c = (unsigned char)v->ptr[i];
		char h[2] = { hex[c >> 4], hex[c & 0xf] };

		va_strbuf_put(b, h, 2);
	}
	va_strbuf_putc(b, '"');
}

struct path_keys {
	const char *name, *hex, *deleted, *truncated, *unreachable, *from_name, *fault, *pseudo;
};

static const struct path_keys path_keys = {
	.name = "path",
	.hex = "path_hex",
	.deleted = "deleted",
	.truncated = "path_truncated",
	.unreachable = "path_unreachable",
	.from_name = "path_from_name",
	.fault = "path_fault",
	.pseudo = "path_pseudo", /* "pipe:[1234]": what d_path names, not a place in a tree */
};

/* A new name is never pseudo: renames and links happen in a directory. */
static const struct path_keys new_path_keys = {
	.name = "new_path",
	.hex = "new_path_hex",
	.deleted = "new_path_deleted",
	.truncated = "new_path_truncated",
	.unreachable = "new_path_unreachable",
	.from_name = "new_path_from_name",
	.fault = "new_path_fault",
};

static void put_path(struct va_strbuf *b, const struct path_keys *k, const struct va_bytes *v,
		     uint32_t flags)
{
	put_bytes(b, k->name, k->hex, v);
	put_true_if(b, k->deleted, flags & VA_PATH_DELETED);
	put_true_if(b, k->truncated, flags & VA_PATH_TRUNCATED);
	put_true_if(b, k->unreachable, flags & VA_PATH_UNREACHABLE);
	put_true_if(b, k->from_name, flags & VA_PATH_FROM_NAME);
	put_true_if(b, k->fault, flags & VA_PATH_FAULT);
	if (k->pseudo)
		put_true_if(b, k->pseudo, flags & VA_PATH_PSEUDO);
}

static void put_names(struct va_strbuf *b, const char *k, const char **names, size_t n)
{
	key(b, k);
	va_strbuf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			va_strbuf_putc(b, ',');
		va_strbuf_putc(b, '"');
		va_strbuf_puts(b, names[i]);
		va_strbuf_putc(b, '"');
	}
	va_strbuf_putc(b, ']');
}

static void put_open_flags(struct va_strbuf *b, uint32_t flags)
{
	const char *names[VA_FLAG_NAMES_MAX];
	char hex[VA_FLAG_HEX_SIZE];

	put_names(b, "flags", names, va_open_flag_names(flags, names, hex));
}

void va_json_argv(struct va_strbuf *b, const struct va_bytes *argv, size_t cap, bool *cut)
{
	size_t i = 0, used = 0;
	bool first = true;

	va_strbuf_putc(b, '[');
	/* Each argument ends in a NUL; a cut-off last one may not. */
	while (i < argv->len) {
		const char *p = argv->ptr + i;
		const char *nul = memchr(p, '\0', argv->len - i);
		size_t n = nul ? (size_t)(nul - p) : argv->len - i;

		if (used + n > cap) {
			*cut = true;
			break;
		}
		used += n;
		if (!first)
			va_strbuf_putc(b, ',');
		first = false;
		json_str(b, p, n);
		i += n + 1;
	}
	va_strbuf_putc(b, ']');
}

static void put_id(struct va_strbuf *b, const char *k, uint32_t id)
{
	if (id == VA_ID_UNSET)
		put_null(b, k);
	else
		put_u64(b, k, id);
}

static void put_extras(struct va_strbuf *b, const struct va_event *ev)
{
	const char *names[VA_FLAG_NAMES_MAX];
	char buf[VA_FLAG_HEX_SIZE];
	bool cut = false;

	switch (ev->op) {
	case VA_OP_CREATE:
	case VA_OP_OPEN:
		if (ev->has_open_flags)
			put_open_flags(b, ev->open_flags);
		break;
	case VA_OP_READ:
	case VA_OP_WRITE:
		put_u64(b, "count", ev->count);
		put_u64(b, "bytes", ev->bytes);
		break;
	case VA_OP_TRUNCATE:
		if (ev->size >= 0)
			put_i64(b, "size", ev->size);
		if (ev->has_open_flags)
			put_open_flags(b, ev->open_flags);
		break;
	case VA_OP_RENAME:
		put_path(b, &new_path_keys, &ev->path2, ev->path2_flags);
		if (ev->rename_flags)
			put_names(b, "rename_flags", names,
				  va_rename_flag_names(ev->rename_flags, names, buf));
		break;
	case VA_OP_LINK:
		put_path(b, &new_path_keys, &ev->path2, ev->path2_flags);
		break;
	case VA_OP_SYMLINK:
		put_bytes(b, "target", "target_hex", &ev->path2);
		break;
	case VA_OP_CHMOD:
	case VA_OP_MKDIR:
	case VA_OP_MKNOD:
		snprintf(buf, sizeof(buf), "%04" PRIo32, ev->mode & 07777);
		put_lit(b, "mode", buf);
		break;
	case VA_OP_CHOWN:
		put_i64(b, "owner_uid", ev->owner_uid);
		put_i64(b, "owner_gid", ev->owner_gid);
		break;
	case VA_OP_SETXATTR:
	case VA_OP_REMOVEXATTR:
		put_bytes(b, "xattr", NULL, &ev->path2);
		break;
	case VA_OP_EXEC:
		key(b, "argv");
		va_json_argv(b, &ev->argv, SIZE_MAX, &cut);
		put_true_if(b, "argv_truncated", ev->argv_truncated);
		break;
	default:
		break;
	}
}

static void put_common(struct va_strbuf *b, const struct va_event *ev)
{
	char buf[32];
	const char *ftype;

	put_path(b, &path_keys, &ev->path, ev->path_flags);
	put_u64(b, "mntns", ev->mntns);
	put_i64(b, "ret", ev->ret);
	if (ev->ret < 0)
		put_lit(b, "error", va_error_label(ev->ret, buf, sizeof(buf)));
	put_u64(b, "pid", ev->pid);
	put_u64(b, "tid", ev->tid);
	put_u64(b, "ppid", ev->ppid);
	put_u64(b, "uid", ev->uid);
	put_u64(b, "euid", ev->euid);
	put_u64(b, "gid", ev->gid);
	put_id(b, "auid", ev->auid);
	put_id(b, "ses", ev->ses);
	if (va_tty_name(ev->tty_dev, buf, sizeof(buf)))
		put_null(b, "tty");
	else
		put_lit(b, "tty", buf);
	key(b, "comm");
	json_str(b, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	if (ev->exe.len)
		put_bytes(b, "exe", "exe_hex", &ev->exe);
	else
		put_null(b, "exe");
	if (ev->has_dev) {
		snprintf(buf, sizeof(buf), "%" PRIu32 ":%" PRIu32, ev->dev_major, ev->dev_minor);
		put_lit(b, "dev", buf);
	} else {
		put_null(b, "dev");
	}
	if (ev->has_ino)
		put_u64(b, "ino", ev->ino);
	else
		put_null(b, "ino");
	ftype = va_ftype_name(va_event_ftype(ev));
	if (ftype)
		put_lit(b, "ftype", ftype);
	else
		put_null(b, "ftype");
}

void va_event_json(struct va_strbuf *b, const struct va_event *ev)
{
	char ts[VA_RFC3339_SIZE], opbuf[16];

	va_time_rfc3339(ev->ts_ns, ts, sizeof(ts));
	va_strbuf_puts(b, "{\"seq\":");
	va_strbuf_u64(b, ev->seq);
	put_lit(b, "ts", ts);
	put_lit(b, "op", va_op_label(ev->op, opbuf, sizeof(opbuf)));
	if (ev->op == VA_OP_LOST) {
		put_u64(b, "lost", ev->lost);
	} else {
		put_common(b, ev);
		put_extras(b, ev);
	}
	va_strbuf_putc(b, '}');
}
