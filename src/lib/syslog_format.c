// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RFC 5424 and RFC 3164 messages for events, seals and sink losses.
 *
 * Values from a process (paths, names) are untrusted. In the STRUCTURED-DATA
 * they are first C-escaped as in the text form (one line, exact bytes, valid
 * UTF-8 as PARAM-VALUE requires), then '"', '\\' and ']' are escaped as RFC
 * 5424 requires: an SD parser hands back the text form's spelling, and no
 * file name can close the element or forge a parameter.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "format.h"
#include "strbuf.h"
#include "syslog_format.h"

#define NS_PER_S 1000000000ull

void va_syslog_sd_escape(struct va_strbuf *out, const char *s, size_t len)
{
	size_t run = 0;

	if (!len)
		return; /* an empty value may come with no pointer at all */
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\' && s[i] != ']')
			continue;
		va_strbuf_put(out, s + run, i - run);
		va_strbuf_putc(out, '\\');
		run = i;
	}
	va_strbuf_put(out, s + run, len - run);
}

int va_syslog_frame(size_t msg_len, char *buf, size_t len)
{
	char d[24];
	size_t n = 0;

	/* Once per message on the sender's path: digits by hand, not snprintf. */
	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + msg_len % 10);
		msg_len /= 10;
	} while (msg_len);
	if (n + 2 > len)
		return -ENOSPC;
	memcpy(buf, d + sizeof(d) - n, n);
	buf[n] = ' ';
	buf[n + 1] = '\0';
	return (int)n + 1;
}

/* A header field: PRINTUSASCII, at most @max octets; "-" (NILVALUE) when empty. */
static void put_token(struct va_strbuf *m, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && s[n] && n < max; n++)
		va_strbuf_putc(m, s[n] > ' ' && s[n] < 0x7f ? s[n] : '_');
	if (!n)
		va_strbuf_putc(m, '-');
}

/* @v in exactly @width digits, zero-padded (@v < 10^@width). */
static void put_digits(struct va_strbuf *m, unsigned int v, int width)
{
	char d[10];

	for (int i = width - 1; i >= 0; i--) {
		d[i] = (char)('0' + v % 10);
		v /= 10;
	}
	va_strbuf_put(m, d, (size_t)width);
}

/* hh:mm:ss */
static void put_hms(struct va_strbuf *m, const struct tm *tm)
{
	put_digits(m, (unsigned int)tm->tm_hour, 2);
	va_strbuf_putc(m, ':');
	put_digits(m, (unsigned int)tm->tm_min, 2);
	va_strbuf_putc(m, ':');
	put_digits(m, (unsigned int)tm->tm_sec, 2);
}

static void put_pri(struct va_strbuf *m, const struct va_syslog_id *id)
{
	va_strbuf_putc(m, '<');
	va_strbuf_i64(m, id->facility * 8 + id->severity);
	va_strbuf_putc(m, '>');
}

static void header_5424(struct va_strbuf *m, const struct va_syslog_id *id, uint64_t ts_ns,
			const char *msgid)
{
	time_t sec = (time_t)(ts_ns / NS_PER_S);
	struct tm tm;

	gmtime_r(&sec, &tm);
	put_pri(m, id);
	va_strbuf_puts(m, "1 ");
	/* RFC 5424 allows six fraction digits; the nanoseconds are in the JSON log and the store.
	 */
	put_digits(m, (unsigned int)(tm.tm_year + 1900) % 10000, 4);
	va_strbuf_putc(m, '-');
	put_digits(m, (unsigned int)tm.tm_mon + 1, 2);
	va_strbuf_putc(m, '-');
	put_digits(m, (unsigned int)tm.tm_mday, 2);
	va_strbuf_putc(m, 'T');
	put_hms(m, &tm);
	va_strbuf_putc(m, '.');
	put_digits(m, (unsigned int)(ts_ns % NS_PER_S / 1000), 6);
	va_strbuf_puts(m, "Z ");
	put_token(m, id->hostname, 255);
	va_strbuf_putc(m, ' ');
	put_token(m, id->tag, 48);
	va_strbuf_putc(m, ' ');
	va_strbuf_u64(m, id->pid);
	va_strbuf_putc(m, ' ');
	put_token(m, msgid, 32);
	va_strbuf_putc(m, ' ');
}

/* syslog(3)'s form on /dev/log: local time, no hostname (the receiver adds its own). */
static void header_3164(struct va_strbuf *m, const struct va_syslog_id *id, uint64_t ts_ns)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t sec = (time_t)(ts_ns / NS_PER_S);
	struct tm tm;

	localtime_r(&sec, &tm);
	put_pri(m, id);
	va_strbuf_put(m, months[tm.tm_mon % 12], 3);
	va_strbuf_putc(m, ' ');
	/* "%2d": a space before a one-digit day. */
	if (tm.tm_mday < 10)
		va_strbuf_putc(m, ' ');
	va_strbuf_i64(m, tm.tm_mday);
	va_strbuf_putc(m, ' ');
	put_hms(m, &tm);
	va_strbuf_putc(m, ' ');
	put_token(m, id->tag, 32);
	va_strbuf_putc(m, '[');
	va_strbuf_u64(m, id->pid);
	va_strbuf_puts(m, "]: ");
}

/* The STRUCTURED-DATA being written; @cap bounds each untrusted value (raw bytes). */
struct sd {
	struct va_strbuf *m;
	struct va_strbuf tmp; /* for values escaped twice */
	size_t cap;
	bool cut;
};

/* ` key="` */
static void sd_key(struct sd *sd, const char *key)
{
	va_strbuf_putc(sd->m, ' ');
	va_strbuf_puts(sd->m, key);
	va_strbuf_puts(sd->m, "=\"");
}

static void sd_param(struct sd *sd, const char *key, const char *val, size_t len)
{
	sd_key(sd, key);
	va_syslog_sd_escape(sd->m, val, len);
	va_strbuf_putc(sd->m, '"');
}

static void sd_str(struct sd *sd, const char *key, const char *val)
{
	sd_param(sd, key, val, strlen(val));
}

static void sd_u64(struct sd *sd, const char *key, uint64_t v)
{
	sd_key(sd, key);
	va_strbuf_u64(sd->m, v);
	va_strbuf_putc(sd->m, '"');
}

static void sd_i64(struct sd *sd, const char *key, int64_t v)
{
	sd_key(sd, key);
	va_strbuf_i64(sd->m, v);
	va_strbuf_putc(sd->m, '"');
}

static bool plain_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '\\')
			return false;
	return true;
}

/* Untrusted bytes: C-escaped as in the text form, then SD-escaped. */
static void sd_bytes(struct sd *sd, const char *key, const char *p, size_t len)
{
	if (len > sd->cap) {
		len = sd->cap;
		sd->cut = true;
	}
	if (plain_ascii(p, len)) {
		sd_param(sd, key, p, len);
		return;
	}
	va_strbuf_clear(&sd->tmp);
	va_escape_c_buf(&sd->tmp, p, len);
	if (sd->tmp.failed)
		sd->m->failed = true;
	else
		sd_param(sd, key, sd->tmp.p, sd->tmp.len);
}

static void sd_true_if(struct sd *sd, const char *key, bool cond)
{
	if (cond)
		sd_param(sd, key, "true", 4);
}

static void sd_path(struct sd *sd, const char *key, const struct va_bytes *b, uint32_t flags,
		    const char *const keys[6])
{
	sd_bytes(sd, key, b->ptr, b->len);
	sd_true_if(sd, keys[0], flags & VA_PATH_DELETED);
	sd_true_if(sd, keys[1], flags & VA_PATH_TRUNCATED);
	sd_true_if(sd, keys[2], flags & VA_PATH_UNREACHABLE);
	sd_true_if(sd, keys[3], flags & VA_PATH_FROM_NAME);
	sd_true_if(sd, keys[4], flags & VA_PATH_FAULT);
	if (keys[5])
		sd_true_if(sd, keys[5], flags & VA_PATH_PSEUDO);
}

static const char *const path_flag_keys[6] = { "deleted",	   "path_truncated",
					       "path_unreachable", "path_from_name",
					       "path_fault",	   "path_pseudo" };
static const char *const new_path_flag_keys[6] = { "new_path_deleted",	   "new_path_truncated",
						   "new_path_unreachable", "new_path_from_name",
						   "new_path_fault",	   NULL };

/* Flag names as the JSON form lists them, comma-separated: "O_WRONLY,O_CREAT". */
static void sd_names(struct sd *sd, const char *key, const char **names, size_t n)
{
	sd_key(sd, key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			va_strbuf_putc(sd->m, ',');
		va_syslog_sd_escape(sd->m, names[i], strlen(names[i]));
	}
	va_strbuf_putc(sd->m, '"');
}

static void sd_open_flags(struct sd *sd, const struct va_event *ev)
{
	const char *names[VA_FLAG_NAMES_MAX];
	char hex[VA_FLAG_HEX_SIZE];

	if (ev->has_open_flags)
		sd_names(sd, "flags", names, va_open_flag_names(ev->open_flags, names, hex));
}

/*
 * exec arguments: the JSON form's array, as JSON text (a space-joined list
 * would not say where an argument with a space ends). Under a cap, whole
 * arguments only, and argv_truncated.
 */
static void sd_argv(struct sd *sd, const struct va_event *ev)
{
	bool truncated = ev->argv_truncated, cut = false;

	va_strbuf_clear(&sd->tmp);
	va_json_argv(&sd->tmp, &ev->argv, sd->cap, &cut);
	if (sd->tmp.failed) {
		sd->m->failed = true;
		return;
	}
	if (cut)
		sd->cut = truncated = true;
	sd_param(sd, "argv", sd->tmp.p, sd->tmp.len);
	sd_true_if(sd, "argv_truncated", truncated);
}

/* The fields of SPEC.md's JSON form under the same names; nulls are left out. */
static void sd_event(struct sd *sd, const struct va_event *ev)
{
	const char *names[VA_FLAG_NAMES_MAX];
	char buf[32];
	const char *s;

	va_strbuf_puts(sd->m, "[" VA_SYSLOG_SD_ID);
	sd_u64(sd, "seq", ev->seq);
	sd_str(sd, "op", va_op_label(ev->op, buf, sizeof(buf)));
	if (ev->op == VA_OP_LOST) {
		sd_u64(sd, "lost", ev->lost);
		va_strbuf_putc(sd->m, ']');
		return;
	}
	sd_path(sd, "path", &ev->path, ev->path_flags, path_flag_keys);
	switch (ev->op) {
	case VA_OP_RENAME:
	case VA_OP_LINK:
		sd_path(sd, "new_path", &ev->path2, ev->path2_flags, new_path_flag_keys);
		break;
	case VA_OP_SYMLINK:
		sd_bytes(sd, "target", ev->path2.ptr, ev->path2.len);
		break;
	case VA_OP_SETXATTR:
	case VA_OP_REMOVEXATTR:
		sd_bytes(sd, "xattr", ev->path2.ptr, ev->path2.len);
		break;
	default:
		break;
	}
	sd_u64(sd, "mntns", ev->mntns);
	sd_i64(sd, "ret", ev->ret);
	if (ev->ret < 0)
		sd_str(sd, "error", va_error_label(ev->ret, buf, sizeof(buf)));
	sd_u64(sd, "pid", ev->pid);
	sd_u64(sd, "tid", ev->tid);
	sd_u64(sd, "ppid", ev->ppid);
	sd_u64(sd, "uid", ev->uid);
	sd_u64(sd, "euid", ev->euid);
	sd_u64(sd, "gid", ev->gid);
	if (ev->auid != VA_ID_UNSET)
		sd_u64(sd, "auid", ev->auid);
	if (ev->ses != VA_ID_UNSET)
		sd_u64(sd, "ses", ev->ses);
	if (!va_tty_name(ev->tty_dev, buf, sizeof(buf)))
		sd_str(sd, "tty", buf);
	sd_bytes(sd, "comm", ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	if (ev->exe.len)
		sd_bytes(sd, "exe", ev->exe.ptr, ev->exe.len);
	if (ev->has_dev) {
		snprintf(buf, sizeof(buf), "%" PRIu32 ":%" PRIu32, ev->dev_major, ev->dev_minor);
		sd_str(sd, "dev", buf);
	}
	if (ev->has_ino)
		sd_u64(sd, "ino", ev->ino);
	s = va_ftype_name(va_event_ftype(ev));
	if (s)
		sd_str(sd, "ftype", s);

	switch (ev->op) {
	case VA_OP_CREATE:
	case VA_OP_OPEN:
		sd_open_flags(sd, ev);
		break;
	case VA_OP_READ:
	case VA_OP_WRITE:
		sd_u64(sd, "count", ev->count);
		sd_u64(sd, "bytes", ev->bytes);
		break;
	case VA_OP_TRUNCATE:
		if (ev->size >= 0)
			sd_i64(sd, "size", ev->size);
		sd_open_flags(sd, ev);
		break;
	case VA_OP_RENAME:
		if (ev->rename_flags)
			sd_names(sd, "rename_flags", names,
				 va_rename_flag_names(ev->rename_flags, names, buf));
		break;
	case VA_OP_CHMOD:
	case VA_OP_MKDIR:
	case VA_OP_MKNOD:
		snprintf(buf, sizeof(buf), "%04" PRIo32, ev->mode & 07777);
		sd_str(sd, "mode", buf);
		break;
	case VA_OP_CHOWN:
		sd_i64(sd, "owner_uid", ev->owner_uid);
		sd_i64(sd, "owner_gid", ev->owner_gid);
		break;
	case VA_OP_EXEC:
		sd_argv(sd, ev);
		break;
	default:
		break;
	}
	sd_true_if(sd, "truncated", sd->cut);
	va_strbuf_putc(sd->m, ']');
}

/*
 * Where the C-escaped @s may be cut at or before @limit: never inside an
 * escape ("\\x1b", "\\\\") or a UTF-8 character.
 */
static size_t safe_cut(const char *s, size_t len, size_t limit)
{
	size_t i = 0, last = 0;

	while (i < len && i <= limit) {
		unsigned char c = (unsigned char)s[i];
		size_t n = 1;

		last = i;
		if (c == '\\')
			n = i + 1 < len && s[i + 1] == 'x' ? 4 : 2;
		else if (c >= 0xf0)
			n = 4;
		else if (c >= 0xe0)
			n = 3;
		else if (c >= 0xc0)
			n = 2;
		i += n;
	}
	return i <= limit ? (i < len ? i : len) : last;
}

static int finish(struct va_strbuf *m, char **out, size_t *len)
{
	*out = va_strbuf_take(m, len);
	return *out ? 0 : -ENOMEM;
}

/*
 * Appends the text form (after a space when @space), cut with "..." so that
 * the message stays within @max; nothing when not even that fits.
 */
static void put_text(struct va_strbuf *m, const struct va_event *ev, size_t max, bool space)
{
	size_t before = m->len, start;

	if (space)
		va_strbuf_putc(m, ' ');
	start = m->len;
	va_event_text(m, ev);
	if (m->failed || m->len <= max)
		return;
	if (start + 4 > max) {
		m->len = before;
	} else {
		m->len = start + safe_cut(m->p + start, m->len - start, max - start - 3);
		m->p[m->len] = '\0';
		va_strbuf_puts(m, "...");
	}
	m->p[m->len] = '\0';
}

int va_syslog_event_buf(enum va_syslog_format fmt, const struct va_syslog_id *id,
			const struct va_event *ev, size_t max, struct va_strbuf *m)
{
	static const size_t caps[] = { SIZE_MAX, 1024, 256, 64 };
	char opbuf[16];
	const char *msgid = va_op_label(ev->op, opbuf, sizeof(opbuf));

	if (!max)
		max = VA_SYSLOG_MAX_MSG;
	if (max < 512)
		max = 512;
	va_strbuf_clear(m);
	if (fmt == VA_SYSLOG_3164) {
		header_3164(m, id, ev->ts_ns);
		/* No separating space: the header ends in ": ". */
		put_text(m, ev, max, false);
		return m->failed ? -ENOMEM : 0;
	}
	/* Shorten the untrusted values only when the whole would not fit. */
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct sd sd = { .m = m, .cap = caps[i] };

		va_strbuf_clear(m);
		header_5424(m, id, ev->ts_ns, msgid);
		sd_event(&sd, ev);
		va_strbuf_free(&sd.tmp);
		if (m->failed)
			return -ENOMEM;
		if (m->len + 64 <= max)
			break;
	}
	put_text(m, ev, max, true);
	return m->failed ? -ENOMEM : 0;
}

int va_syslog_event(enum va_syslog_format fmt, const struct va_syslog_id *id,
		    const struct va_event *ev, size_t max, char **out, size_t *len)
{
	struct va_strbuf m = { 0 };
	int ret = va_syslog_event_buf(fmt, id, ev, max, &m);

	if (ret) {
		va_strbuf_free(&m);
		return ret;
	}
	return finish(&m, out, len);
}

int va_syslog_seal(enum va_syslog_format fmt, const struct va_syslog_id *id,
		   const struct va_seal *seal, char **out, size_t *len)
{
	const char *head = seal->head_hex ? seal->head_hex : "";
	const char *mac = seal->mac_hex ? seal->mac_hex : "";
	struct va_strbuf m = { 0 };

	if (fmt == VA_SYSLOG_3164) {
		header_3164(&m, id, seal->ts_ns);
	} else {
		struct sd sd = { .m = &m, .cap = SIZE_MAX };

		header_5424(&m, id, seal->ts_ns, "seal");
		va_strbuf_puts(&m, "[" VA_SYSLOG_SEAL_SD_ID);
		sd_u64(&sd, "seq", seal->seq);
		sd_u64(&sd, "epoch", seal->epoch);
		sd_u64(&sd, "event_seq", seal->event_seq);
		/* Hex from the store, but escaped like any value: one line whatever comes. */
		sd_bytes(&sd, "head", head, strlen(head));
		sd_bytes(&sd, "mac", mac, strlen(mac));
		va_strbuf_free(&sd.tmp);
		va_strbuf_puts(&m, "] ");
	}
	va_strbuf_puts(&m, "seal: seq=");
	va_strbuf_u64(&m, seal->seq);
	va_strbuf_puts(&m, " epoch=");
	va_strbuf_u64(&m, seal->epoch);
	va_strbuf_puts(&m, " event_seq=");
	va_strbuf_u64(&m, seal->event_seq);
	va_strbuf_puts(&m, " head=");
	va_escape_c_buf(&m, head, strlen(head));
	va_strbuf_puts(&m, " mac=");
	va_escape_c_buf(&m, mac, strlen(mac));
	return finish(&m, out, len);
}

int va_syslog_lost(enum va_syslog_format fmt, const struct va_syslog_id *id, uint64_t ts_ns,
		   uint64_t n, const char *sink, char **out, size_t *len)
{
	struct va_strbuf m = { 0 };

	if (fmt == VA_SYSLOG_3164) {
		header_3164(&m, id, ts_ns);
	} else {
		header_5424(&m, id, ts_ns, "lost");
		va_strbuf_puts(&m, "[" VA_SYSLOG_SD_ID " op=\"lost\" lost=\"");
		va_strbuf_u64(&m, n);
		va_strbuf_puts(&m, "\" sink=\"");
		va_syslog_sd_escape(&m, sink, strlen(sink));
		va_strbuf_puts(&m, "\"] ");
	}
	va_strbuf_puts(&m, "lost: ");
	va_strbuf_u64(&m, n);
	va_strbuf_puts(&m, " events not sent to ");
	va_strbuf_puts(&m, sink);
	va_strbuf_puts(&m, " (its queue was full)");
	return finish(&m, out, len);
}
