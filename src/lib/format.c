// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text and JSON forms of an event. Everything that came from a process (names,
 * paths, arguments) is untrusted: the text form C-escapes it so an event is
 * one line, the JSON form repairs invalid UTF-8 and carries the exact bytes in
 * a *_hex field so nothing is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "errnames.h"
#include "escape.h"
#include "format.h"
#include "timefmt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Open flags arrive as the kernel saw them. glibc defines O_LARGEFILE as 0 on
 * 64-bit targets, yet the kernel sets its bit on every 64-bit open, so take
 * the kernel's value. The other O_* agree with glibc's per architecture.
 */
#if defined(__aarch64__) || defined(__arm__)
#define KERNEL_O_LARGEFILE 0400000u
#else
#define KERNEL_O_LARGEFILE 0100000u /* asm-generic, x86 */
#endif

int va_format_parse(const char *s, enum va_format *out)
{
	if (s && !strcmp(s, "text")) {
		*out = VA_FORMAT_TEXT;
		return 0;
	}
	if (s && !strcmp(s, "json")) {
		*out = VA_FORMAT_JSON;
		return 0;
	}
	return -EINVAL;
}

int va_tty_name(uint32_t tty_dev, char *buf, size_t len)
{
	uint32_t major = tty_dev >> 20, minor = tty_dev & 0xfffff;
	int n;

	if (!tty_dev)
		return -ENOENT;
	/* The names devpts and the tty drivers give (admin-guide/devices.txt). */
	if (major >= 136 && major <= 143)
		n = snprintf(buf, len, "pts/%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor < 64)
		n = snprintf(buf, len, "tty%u", minor);
	else if (major == 4)
		n = snprintf(buf, len, "ttyS%u", minor - 64);
	else if (major == 5 && minor <= 2)
		n = snprintf(buf, len, "%s", minor == 0 ? "tty" : minor == 1 ? "console" : "ptmx");
	else if (major == 188)
		n = snprintf(buf, len, "ttyUSB%u", minor);
	else if (major == 166)
		n = snprintf(buf, len, "ttyACM%u", minor);
	else
		n = snprintf(buf, len, "%u:%u", major, minor);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static const char *op_label(enum va_op op, char *buf, size_t len)
{
	const char *name = va_op_name(op);

	/* A newer producer's op: print its number rather than drop the event. */
	if (!name) {
		snprintf(buf, len, "op%u", (unsigned int)op);
		name = buf;
	}
	return name;
}

/* Returns: the errno name for a negative @ret, or "E<n>" written into @buf. */
static const char *error_label(int64_t ret, char *buf, size_t len)
{
	uint64_t err = (uint64_t)0 - (uint64_t)ret;
	const char *name = err <= INT_MAX ? va_errno_name((int)err) : NULL;

	if (!name) {
		snprintf(buf, len, "E%" PRIu64, err);
		name = buf;
	}
	return name;
}

static size_t comm_len(const struct va_event *ev)
{
	return strnlen(ev->comm, sizeof(ev->comm));
}

static void text_path(FILE *out, const struct va_bytes *b, uint32_t flags)
{
	/* The marks /proc and getcwd(3) use, so they read familiar. */
	if (flags & VA_PATH_UNREACHABLE)
		fputs("(unreachable)", out);
	if (flags & VA_PATH_TRUNCATED)
		fputs("...", out);
	if (b->len)
		va_escape_c(out, b->ptr, b->len);
	else if (!(flags & (VA_PATH_UNREACHABLE | VA_PATH_TRUNCATED)))
		fputs("(unknown)", out);
	if (flags & VA_PATH_DELETED)
		fputs(" (deleted)", out);
}

int va_event_write_text(FILE *out, const struct va_event *ev)
{
	char opbuf[16], errbuf[32];

	if (ev->op == VA_OP_LOST) {
		fprintf(out, "lost: %" PRIu64 " events\n", ev->lost);
		return ferror(out) ? -EIO : 0;
	}
	fputs(op_label(ev->op, opbuf, sizeof(opbuf)), out);
	fputs(": ", out);
	va_escape_c(out, ev->comm, comm_len(ev));
	fprintf(out, "(%" PRIu32 ",%" PRIu32 ") ", ev->pid, ev->uid);
	text_path(out, &ev->path, ev->path_flags);
	switch (ev->op) {
	case VA_OP_RENAME:
	case VA_OP_LINK:
		fputs(" -> ", out);
		text_path(out, &ev->path2, ev->path2_flags);
		break;
	case VA_OP_SYMLINK:
		/* The content is a string the link holds, not a path that was walked. */
		fputs(" -> ", out);
		va_escape_c(out, ev->path2.ptr, ev->path2.len);
		break;
	default:
		break;
	}
	if (ev->ret < 0)
		fprintf(out, " [%s]", error_label(ev->ret, errbuf, sizeof(errbuf)));
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

/* Keys are string literals and each is added once, which spares json-c a copy and a lookup. */
#define ADD_FLAGS (JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT)

static int put(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add_ex(o, key, v, ADD_FLAGS)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int put_null(struct json_object *o, const char *key)
{
	return json_object_object_add_ex(o, key, NULL, ADD_FLAGS) ? -ENOMEM : 0;
}

static int put_bool_if(struct json_object *o, const char *key, bool cond)
{
	return cond ? put(o, key, json_object_new_boolean(1)) : 0;
}

/* json-c requires valid UTF-8 and takes an int length. */
static struct json_object *new_str(const char *p, size_t len)
{
	struct json_object *s;
	size_t n;
	char *fixed;

	if (!len)
		return json_object_new_string("");
	if (len > INT_MAX / 3)
		len = INT_MAX / 3;
	if (va_utf8_valid(p, len))
		return json_object_new_string_len(p, (int)len);
	fixed = va_utf8_sanitize(p, len, &n);
	if (!fixed)
		return NULL;
	s = json_object_new_string_len(fixed, (int)n);
	free(fixed);
	return s;
}

/* @key holds the text; when that text had to be repaired, @hex_key holds the exact bytes. */
static int put_bytes(struct json_object *o, const char *key, const char *hex_key,
		     const struct va_bytes *b)
{
	char *hex;
	int err;

	err = put(o, key, new_str(b->ptr, b->len));
	if (err || !hex_key || !b->len || va_utf8_valid(b->ptr, b->len))
		return err;
	hex = va_hex_encode(b->ptr, b->len);
	if (!hex)
		return -ENOMEM;
	err = put(o, hex_key, json_object_new_string(hex));
	free(hex);
	return err;
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

static int put_path(struct json_object *o, const struct path_keys *k, const struct va_bytes *b,
		    uint32_t flags)
{
	int err = put_bytes(o, k->name, k->hex, b);

	if (!err)
		err = put_bool_if(o, k->deleted, flags & VA_PATH_DELETED);
	if (!err)
		err = put_bool_if(o, k->truncated, flags & VA_PATH_TRUNCATED);
	if (!err)
		err = put_bool_if(o, k->unreachable, flags & VA_PATH_UNREACHABLE);
	if (!err)
		err = put_bool_if(o, k->from_name, flags & VA_PATH_FROM_NAME);
	if (!err)
		err = put_bool_if(o, k->fault, flags & VA_PATH_FAULT);
#ifdef VA_PATH_PSEUDO
	if (!err && k->pseudo)
		err = put_bool_if(o, k->pseudo, flags & VA_PATH_PSEUDO);
#endif
	return err;
}

struct flag_name {
	uint32_t bits;
	uint32_t unless; /* not named when all of these are set: a wider flag holds it */
	const char *name;
};

/* SPEC order: access mode first, then as open(2) lists them. */
static const struct flag_name open_flag_names[] = {
	{ O_CREAT, 0, "O_CREAT" },
	{ O_EXCL, 0, "O_EXCL" },
	{ O_NOCTTY, 0, "O_NOCTTY" },
	{ O_TRUNC, 0, "O_TRUNC" },
	{ O_APPEND, 0, "O_APPEND" },
	{ O_NONBLOCK, 0, "O_NONBLOCK" },
	{ O_DSYNC, O_SYNC, "O_DSYNC" },
	{ O_SYNC, 0, "O_SYNC" },
	{ O_DIRECT, 0, "O_DIRECT" },
	{ KERNEL_O_LARGEFILE, 0, "O_LARGEFILE" },
	{ O_DIRECTORY, O_TMPFILE, "O_DIRECTORY" },
	{ O_NOFOLLOW, 0, "O_NOFOLLOW" },
	{ O_NOATIME, 0, "O_NOATIME" },
	{ O_CLOEXEC, 0, "O_CLOEXEC" },
	{ O_PATH, 0, "O_PATH" },
	{ O_TMPFILE, 0, "O_TMPFILE" },
};

static const struct flag_name rename_flag_names[] = {
	{ VA_RENAME_NOREPLACE, 0, "RENAME_NOREPLACE" },
	{ VA_RENAME_EXCHANGE, 0, "RENAME_EXCHANGE" },
	{ VA_RENAME_WHITEOUT, 0, "RENAME_WHITEOUT" },
};

static int add_flag(struct json_object *arr, const char *name)
{
	struct json_object *s = json_object_new_string(name);

	if (!s)
		return -ENOMEM;
	if (json_object_array_add(arr, s)) {
		json_object_put(s);
		return -ENOMEM;
	}
	return 0;
}

/* Appends the names of @flags to @arr, and what no name covers as one hex string. */
static int add_flag_names(struct json_object *arr, uint32_t flags, const struct flag_name *t,
			  size_t n, uint32_t named)
{
	char hex[16];
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		if ((flags & t[i].bits) != t[i].bits)
			continue;
		if (t[i].unless && (flags & t[i].unless) == t[i].unless)
			continue;
		err = add_flag(arr, t[i].name);
		named |= t[i].bits;
	}
	if (!err && (flags & ~named)) {
		snprintf(hex, sizeof(hex), "0x%" PRIx32, flags & ~named);
		err = add_flag(arr, hex);
	}
	return err;
}

static struct json_object *open_flags_json(uint32_t flags)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };
	struct json_object *arr = json_object_new_array();
	uint32_t mode = flags & O_ACCMODE, named = 0;
	int err = 0;

	if (!arr)
		return NULL;
	/* Mode 3 is not an access mode (it asks for ioctl-only access); it goes out as hex. */
	if (mode < ARRAY_SIZE(acc)) {
		err = add_flag(arr, acc[mode]);
		named = O_ACCMODE;
	}
	if (!err)
		err = add_flag_names(arr, flags, open_flag_names, ARRAY_SIZE(open_flag_names),
				     named);
	if (err) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static struct json_object *rename_flags_json(uint32_t flags)
{
	struct json_object *arr = json_object_new_array();

	if (arr &&
	    add_flag_names(arr, flags, rename_flag_names, ARRAY_SIZE(rename_flag_names), 0)) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

/* exec arguments: each ends in a NUL; a cut-off last one may not. */
static struct json_object *argv_json(const struct va_bytes *b)
{
	struct json_object *arr = json_object_new_array();
	size_t i = 0;

	if (!arr)
		return NULL;
	while (i < b->len) {
		const char *p = b->ptr + i;
		const char *nul = memchr(p, '\0', b->len - i);
		size_t n = nul ? (size_t)(nul - p) : b->len - i;
		struct json_object *s = new_str(p, n);

		if (!s || json_object_array_add(arr, s)) {
			json_object_put(s);
			json_object_put(arr);
			return NULL;
		}
		i += n + 1;
	}
	return arr;
}

static struct json_object *mode_json(uint32_t mode)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%04" PRIo32, mode & 07777);
	return json_object_new_string(buf);
}

static int put_id(struct json_object *o, const char *key, uint32_t id)
{
	return id == VA_ID_UNSET ? put_null(o, key) : put(o, key, json_object_new_int64(id));
}

static int put_extras(struct json_object *o, const struct va_event *ev)
{
	int err = 0;

	switch (ev->op) {
	case VA_OP_CREATE:
	case VA_OP_OPEN:
		if (ev->has_open_flags)
			err = put(o, "flags", open_flags_json(ev->open_flags));
		break;
	case VA_OP_READ:
	case VA_OP_WRITE:
		err = put(o, "count", json_object_new_uint64(ev->count));
		if (!err)
			err = put(o, "bytes", json_object_new_uint64(ev->bytes));
		break;
	case VA_OP_TRUNCATE:
		if (ev->size >= 0)
			err = put(o, "size", json_object_new_int64(ev->size));
		if (!err && ev->has_open_flags)
			err = put(o, "flags", open_flags_json(ev->open_flags));
		break;
	case VA_OP_RENAME:
		err = put_path(o, &new_path_keys, &ev->path2, ev->path2_flags);
		if (!err && ev->rename_flags)
			err = put(o, "rename_flags", rename_flags_json(ev->rename_flags));
		break;
	case VA_OP_LINK:
		err = put_path(o, &new_path_keys, &ev->path2, ev->path2_flags);
		break;
	case VA_OP_SYMLINK:
		err = put_bytes(o, "target", "target_hex", &ev->path2);
		break;
	case VA_OP_CHMOD:
	case VA_OP_MKDIR:
	case VA_OP_MKNOD:
		err = put(o, "mode", mode_json(ev->mode));
		break;
	case VA_OP_CHOWN:
		err = put(o, "owner_uid", json_object_new_int64(ev->owner_uid));
		if (!err)
			err = put(o, "owner_gid", json_object_new_int64(ev->owner_gid));
		break;
	case VA_OP_SETXATTR:
	case VA_OP_REMOVEXATTR:
		err = put_bytes(o, "xattr", NULL, &ev->path2);
		break;
	case VA_OP_EXEC:
		err = put(o, "argv", argv_json(&ev->argv));
		if (!err)
			err = put_bool_if(o, "argv_truncated", ev->argv_truncated);
		break;
	default:
		break;
	}
	return err;
}

static enum va_ftype event_ftype(const struct va_event *ev)
{
	/* mknod and mkdir name the type in their mode even before an inode exists. */
	if (ev->ftype == VA_FTYPE_UNKNOWN && (ev->op == VA_OP_MKNOD || ev->op == VA_OP_MKDIR))
		return va_ftype_from_mode(ev->mode);
	return ev->ftype;
}

static int put_common(struct json_object *o, const struct va_event *ev)
{
	char buf[32];
	const char *ftype;
	int err;

	err = put_path(o, &path_keys, &ev->path, ev->path_flags);
	if (!err)
		err = put(o, "mntns", json_object_new_uint64(ev->mntns));
	if (!err)
		err = put(o, "ret", json_object_new_int64(ev->ret));
	if (!err && ev->ret < 0)
		err = put(o, "error",
			  json_object_new_string(error_label(ev->ret, buf, sizeof(buf))));
	if (!err)
		err = put(o, "pid", json_object_new_int64(ev->pid));
	if (!err)
		err = put(o, "tid", json_object_new_int64(ev->tid));
	if (!err)
		err = put(o, "ppid", json_object_new_int64(ev->ppid));
	if (!err)
		err = put(o, "uid", json_object_new_int64(ev->uid));
	if (!err)
		err = put(o, "euid", json_object_new_int64(ev->euid));
	if (!err)
		err = put(o, "gid", json_object_new_int64(ev->gid));
	if (!err)
		err = put_id(o, "auid", ev->auid);
	if (!err)
		err = put_id(o, "ses", ev->ses);
	if (!err)
		err = va_tty_name(ev->tty_dev, buf, sizeof(buf))
			      ? put_null(o, "tty")
			      : put(o, "tty", json_object_new_string(buf));
	if (!err)
		err = put(o, "comm", new_str(ev->comm, comm_len(ev)));
	if (!err)
		err = ev->exe.len ? put_bytes(o, "exe", "exe_hex", &ev->exe) : put_null(o, "exe");
	if (!err && ev->has_dev) {
		snprintf(buf, sizeof(buf), "%" PRIu32 ":%" PRIu32, ev->dev_major, ev->dev_minor);
		err = put(o, "dev", json_object_new_string(buf));
	} else if (!err) {
		err = put_null(o, "dev");
	}
	if (!err)
		err = ev->has_ino ? put(o, "ino", json_object_new_uint64(ev->ino))
				  : put_null(o, "ino");
	ftype = va_ftype_name(event_ftype(ev));
	if (!err)
		err = ftype ? put(o, "ftype", json_object_new_string(ftype)) : put_null(o, "ftype");
	return err;
}

struct json_object *va_event_to_json(const struct va_event *ev)
{
	char ts[VA_RFC3339_SIZE], opbuf[16];
	struct json_object *o = json_object_new_object();
	int err;

	if (!o)
		return NULL;
	va_time_rfc3339(ev->ts_ns, ts, sizeof(ts));
	err = put(o, "seq", json_object_new_uint64(ev->seq));
	if (!err)
		err = put(o, "ts", json_object_new_string(ts));
	if (!err)
		err = put(o, "op", json_object_new_string(op_label(ev->op, opbuf, sizeof(opbuf))));
	if (ev->op == VA_OP_LOST) {
		if (!err)
			err = put(o, "lost", json_object_new_uint64(ev->lost));
	} else {
		if (!err)
			err = put_common(o, ev);
		if (!err)
			err = put_extras(o, ev);
	}
	if (err) {
		json_object_put(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

int va_event_write_json(FILE *out, const struct va_event *ev)
{
	struct json_object *o = va_event_to_json(ev);
	const char *s;
	size_t len;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s) {
		fwrite(s, 1, len, out);
		fputc('\n', out);
	}
	json_object_put(o);
	if (!s)
		return -ENOMEM;
	return ferror(out) ? -EIO : 0;
}

int va_event_write(FILE *out, enum va_format fmt, const struct va_event *ev)
{
	switch (fmt) {
	case VA_FORMAT_TEXT:
		return va_event_write_text(out, ev);
	case VA_FORMAT_JSON:
		return va_event_write_json(out, ev);
	default:
		return -EINVAL;
	}
}
