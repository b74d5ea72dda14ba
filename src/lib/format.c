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
#include "strbuf.h"
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

const char *va_op_label(enum va_op op, char *buf, size_t len)
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
const char *va_error_label(int64_t ret, char *buf, size_t len)
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

static void text_path(struct va_strbuf *out, const struct va_bytes *b, uint32_t flags)
{
	/* The marks /proc and getcwd(3) use, so they read familiar. */
	if (flags & VA_PATH_UNREACHABLE)
		va_strbuf_puts(out, "(unreachable)");
	if (flags & VA_PATH_TRUNCATED)
		va_strbuf_puts(out, "...");
	if (b->len)
		va_escape_c_buf(out, b->ptr, b->len);
	else if (!(flags & (VA_PATH_UNREACHABLE | VA_PATH_TRUNCATED)))
		va_strbuf_puts(out, "(unknown)");
	if (flags & VA_PATH_DELETED)
		va_strbuf_puts(out, " (deleted)");
}

void va_event_text(struct va_strbuf *out, const struct va_event *ev)
{
	char opbuf[16], errbuf[32];

	if (ev->op == VA_OP_LOST) {
		va_strbuf_puts(out, "lost: ");
		va_strbuf_u64(out, ev->lost);
		va_strbuf_puts(out, " events");
		return;
	}
	va_strbuf_puts(out, va_op_label(ev->op, opbuf, sizeof(opbuf)));
	va_strbuf_puts(out, ": ");
	va_escape_c_buf(out, ev->comm, comm_len(ev));
	va_strbuf_putc(out, '(');
	va_strbuf_u64(out, ev->pid);
	va_strbuf_putc(out, ',');
	va_strbuf_u64(out, ev->uid);
	va_strbuf_puts(out, ") ");
	text_path(out, &ev->path, ev->path_flags);
	switch (ev->op) {
	case VA_OP_RENAME:
	case VA_OP_LINK:
		va_strbuf_puts(out, " -> ");
		text_path(out, &ev->path2, ev->path2_flags);
		break;
	case VA_OP_SYMLINK:
		/* The content is a string the link holds, not a path that was walked. */
		va_strbuf_puts(out, " -> ");
		va_escape_c_buf(out, ev->path2.ptr, ev->path2.len);
		break;
	default:
		break;
	}
	if (ev->ret < 0) {
		va_strbuf_puts(out, " [");
		va_strbuf_puts(out, va_error_label(ev->ret, errbuf, sizeof(errbuf)));
		va_strbuf_putc(out, ']');
	}
}

/* @b's contents and a newline to @out. */
static int write_line(FILE *out, struct va_strbuf *b)
{
	int ret = 0;

	va_strbuf_putc(b, '\n');
	if (b->failed)
		ret = -ENOMEM;
	else if (fwrite(b->p, 1, b->len, out) != b->len || ferror(out))
		ret = -EIO;
	va_strbuf_free(b);
	return ret;
}

int va_event_write_text(FILE *out, const struct va_event *ev)
{
	struct va_strbuf b = { 0 };

	va_event_text(&b, ev);
	return write_line(out, &b);
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

_Static_assert(ARRAY_SIZE(open_flag_names) + 2 <= VA_FLAG_NAMES_MAX, "room for every name");

/* Appends the names of @flags, and what no name covers as one hex string. */
static size_t add_flag_names(const char **names, size_t k, uint32_t flags,
			     const struct flag_name *t, size_t n, uint32_t named, char *hex)
{
	for (size_t i = 0; i < n; i++) {
		if ((flags & t[i].bits) != t[i].bits)
			continue;
		if (t[i].unless && (flags & t[i].unless) == t[i].unless)
			continue;
		names[k++] = t[i].name;
		named |= t[i].bits;
	}
	if (flags & ~named) {
		snprintf(hex, VA_FLAG_HEX_SIZE, "0x%" PRIx32, flags & ~named);
		names[k++] = hex;
	}
	return k;
}

size_t va_open_flag_names(uint32_t flags, const char **names, char *hex)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };
	uint32_t mode = flags & O_ACCMODE, named = 0;
	size_t k = 0;

	/* Mode 3 is not an access mode (it asks for ioctl-only access); it goes out as hex. */
	if (mode < ARRAY_SIZE(acc)) {
		names[k++] = acc[mode];
		named = O_ACCMODE;
	}
	return add_flag_names(names, k, flags, open_flag_names, ARRAY_SIZE(open_flag_names), named,
			      hex);
}

size_t va_rename_flag_names(uint32_t flags, const char **names, char *hex)
{
	return add_flag_names(names, 0, flags, rename_flag_names, ARRAY_SIZE(rename_flag_names), 0,
			      hex);
}

enum va_ftype va_event_ftype(const struct va_event *ev)
{
	/* mknod and mkdir name the type in their mode even before an inode exists. */
	if (ev->ftype == VA_FTYPE_UNKNOWN && (ev->op == VA_OP_MKNOD || ev->op == VA_OP_MKDIR))
		return va_ftype_from_mode(ev->mode);
	return ev->ftype;
}

int va_event_write_json(FILE *out, const struct va_event *ev)
{
	struct va_strbuf b = { 0 };

	va_event_json(&b, ev);
	return write_line(out, &b);
}

struct json_object *va_event_to_json(const struct va_event *ev)
{
	struct va_strbuf b = { 0 };
	struct json_tokener *tok;
	struct json_object *o = NULL;

	/* One JSON writer: the tree is read back from the line the sinks write. */
	va_event_json(&b, ev);
	tok = b.failed ? NULL : json_tokener_new();
	if (tok) {
		o = json_tokener_parse_ex(tok, b.p, (int)b.len);
		json_tokener_free(tok);
	}
	va_strbuf_free(&b);
	if (!o)
		errno = ENOMEM;
	return o;
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
