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
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "errnames.h"
#include "escape.h"
#include "format.h"
#include "syslog_format.h"

#define NS_PER_S 1000000000ull

int va_syslog_sd_escape(FILE *out, const char *s, size_t len)
{
	size_t run = 0;

	if (!len)
		return ferror(out) ? -EIO : 0; /* an empty value may come with no pointer at all */
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\' && s[i] != ']')
			continue;
		fwrite(s + run, 1, i - run, out);
		fputc('\\', out);
		run = i;
	}
	fwrite(s + run, 1, len - run, out);
	return ferror(out) ? -EIO : 0;
}

int va_syslog_frame(size_t msg_len, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%zu ", msg_len);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* A header field: PRINTUSASCII, at most @max octets; "-" (NILVALUE) when empty. */
static void put_token(FILE *m, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && s[n] && n < max; n++)
		fputc(s[n] > ' ' && s[n] < 0x7f ? s[n] : '_', m);
	if (!n)
		fputc('-', m);
}

static void header_5424(FILE *m, const struct va_syslog_id *id, uint64_t ts_ns, const char *msgid)
{
	time_t sec = (time_t)(ts_ns / NS_PER_S);
	struct tm tm;

	gmtime_r(&sec, &tm);
	/* RFC 5424 allows six fraction digits; the nanoseconds are in the JSON log and the store.
	 */
	fprintf(m, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06uZ ", id->facility * 8 + id->severity,
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned int)(ts_ns % NS_PER_S / 1000));
	put_token(m, id->hostname, 255);
	fputc(' ', m);
	put_token(m, id->tag, 48);
	fprintf(m, " %" PRIu32 " ", id->pid);
	put_token(m, msgid, 32);
	fputc(' ', m);
}

/* syslog(3)'s form on /dev/log: local time, no hostname (the receiver adds its own). */
static void header_3164(FILE *m, const struct va_syslog_id *id, uint64_t ts_ns)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t sec = (time_t)(ts_ns / NS_PER_S);
	struct tm tm;

	localtime_r(&sec, &tm);
	fprintf(m, "<%d>%s %2d %02d:%02d:%02d ", id->facility * 8 + id->severity,
		months[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	put_token(m, id->tag, 32);
	fprintf(m, "[%" PRIu32 "]: ", id->pid);
}

/* The STRUCTURED-DATA being written; @cap bounds each untrusted value (raw bytes). */
struct sd {
	FILE *m;
	size_t cap;
	bool cut;
	bool oom;
};

static void sd_param(struct sd *sd, const char *key, const char *val, size_t len)
{
	fprintf(sd->m, " %s=\"", key);
	va_syslog_sd_escape(sd->m, val, len);
	fputc('"', sd->m);
}

static void sd_str(struct sd *sd, const char *key, const char *val)
{
	sd_param(sd, key, val, strlen(val));
}

static void sd_u64(struct sd *sd, const char *key, uint64_t v)
{
	fprintf(sd->m, " %s=\"%" PRIu64 "\"", key, v);
}

static void sd_i64(struct sd *sd, const char *key, int64_t v)
{
	fprintf(sd->m, " %s=\"%" PRId64 "\"", key, v);
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
	char *tmp = NULL;
	size_t tlen = 0;
	FILE *t;

	if (len > sd->cap) {
		len = sd->cap;
		sd->cut = true;
	}
	if (plain_ascii(p, len)) {
		sd_param(sd, key, p, len);
		return;
	}
	t = open_memstream(&tmp, &tlen);
	if (!t) {
		sd->oom = true;
		return;
	}
	va_escape_c(t, p, len);
	if (fclose(t)) {
		sd->oom = true;
	} else {
		sd_param(sd, key, tmp, tlen);
	}
	free(tmp);
}

static void sd_true_if(struct sd *sd, const char *key, bool cond)
{
	if (cond)
		fprintf(sd->m, " %s=\"true\"", key);
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

/* A list of flag names from the JSON form, comma-separated: "O_WRONLY,O_CREAT". */
static void sd_names(struct sd *sd, const char *key, struct json_object *jo)
{
	struct json_object *arr;

	if (!jo || !json_object_object_get_ex(jo, key, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	fprintf(sd->m, " %s=\"", key);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));

		if (i)
			fputc(',', sd->m);
		va_syslog_sd_escape(sd->m, s, strlen(s));
	}
	fputc('"', sd->m);
}

/*
 * exec arguments: the JSON form's array, as JSON text (a space-joined list
 * would not say where an argument with a space ends). Under a cap, whole
 * arguments only, and argv_truncated.
 */
static void sd_argv(struct sd *sd, struct json_object *jo, bool truncated)
{
	struct json_object *arr, *out;
	size_t used = 0, n;
	const char *s;

	if (!jo || !json_object_object_get_ex(jo, "argv", &arr))
		return;
	out = json_object_new_array();
	if (!out) {
		sd->oom = true;
		return;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(arr, i);
		size_t alen = (size_t)json_object_get_string_len(a);

		if (used + alen > sd->cap) {
			sd->cut = true;
			truncated = true;
			break;
		}
		used += alen;
		json_object_array_add(out, json_object_get(a));
	}
	s = json_object_to_json_string_ext(out,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s)
		sd_str(sd, "argv", s);
	else
		sd->oom = true;
	json_object_put(out);
	sd_true_if(sd, "argv_truncated", truncated);
}

/* The fields of SPEC.md's JSON form under the same names; nulls are left out. */
static void sd_event(struct sd *sd, const struct va_event *ev, struct json_object *jo)
{
	char buf[32];
	const char *s;
	enum va_ftype ft;

	fputs("[" VA_SYSLOG_SD_ID, sd->m);
	sd_u64(sd, "seq", ev->seq);
	s = va_op_name(ev->op);
	if (s) {
		sd_str(sd, "op", s);
	} else {
		snprintf(buf, sizeof(buf), "op%u", (unsigned int)ev->op);
		sd_str(sd, "op", buf);
	}
	if (ev->op == VA_OP_LOST) {
		sd_u64(sd, "lost", ev->lost);
		fputc(']', sd->m);
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
	if (ev->ret < 0) {
		uint64_t e = (uint64_t)0 - (uint64_t)ev->ret;
		const char *name = e <= INT_MAX ? va_errno_name((int)e) : NULL;

		if (name) {
			sd_str(sd, "error", name);
		} else {
			snprintf(buf, sizeof(buf), "E%" PRIu64, e);
			sd_str(sd, "error", buf);
		}
	}
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
	ft = ev->ftype;
	if (ft == VA_FTYPE_UNKNOWN && (ev->op == VA_OP_MKNOD || ev->op == VA_OP_MKDIR))
		ft = va_ftype_from_mode(ev->mode);
	s = va_ftype_name(ft);
	if (s)
		sd_str(sd, "ftype", s);

	switch (ev->op) {
	case VA_OP_CREATE:
	case VA_OP_OPEN:
		sd_names(sd, "flags", jo);
		break;
	case VA_OP_READ:
	case VA_OP_WRITE:
		sd_u64(sd, "count", ev->count);
		sd_u64(sd, "bytes", ev->bytes);
		break;
	case VA_OP_TRUNCATE:
		if (ev->size >= 0)
			sd_i64(sd, "size", ev->size);
		sd_names(sd, "flags", jo);
		break;
	case VA_OP_RENAME:
		sd_names(sd, "rename_flags", jo);
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
		sd_argv(sd, jo, ev->argv_truncated);
		break;
	default:
		break;
	}
	sd_true_if(sd, "truncated", sd->cut);
	fputc(']', sd->m);
}

/* The JSON form is only needed for the flag names and the arguments. */
static bool needs_json(const struct va_event *ev)
{
	return ev->op == VA_OP_EXEC || (ev->op == VA_OP_RENAME && ev->rename_flags) ||
	       (ev->has_open_flags &&
		(ev->op == VA_OP_CREATE || ev->op == VA_OP_OPEN || ev->op == VA_OP_TRUNCATE));
}

/* The text form's line without its newline. Returns: malloc'd, or NULL. */
static char *event_text(const struct va_event *ev, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);

	if (!m)
		return NULL;
	va_event_write_text(m, ev);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	if (size && buf[size - 1] == '\n')
		buf[--size] = '\0';
	*len = size;
	return buf;
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

/* Appends " " and the message text, cut to what is left of @max. */
static void put_msg(FILE *m, size_t used, size_t max, const char *text, size_t tlen)
{
	size_t room;

	if (used + 1 + 4 > max)
		return;
	room = max - used - 1;
	fputc(' ', m);
	if (tlen <= room) {
		fwrite(text, 1, tlen, m);
		return;
	}
	fwrite(text, 1, safe_cut(text, tlen, room - 3), m);
	fputs("...", m);
}

static int finish(FILE *m, char **buf, size_t *size, char **out, size_t *len)
{
	if (fclose(m)) {
		free(*buf);
		return -ENOMEM;
	}
	*out = *buf;
	*len = *size;
	return 0;
}

int va_syslog_event(enum va_syslog_format fmt, const struct va_syslog_id *id,
		    const struct va_event *ev, size_t max, char **out, size_t *len)
{
	static const size_t caps[] = { SIZE_MAX, 1024, 256, 64 };
	struct json_object *jo = NULL;
	char *text, *buf = NULL, opbuf[16];
	const char *msgid = va_op_name(ev->op);
	size_t tlen = 0, size = 0;
	FILE *m = NULL;
	int ret = -ENOMEM;

	if (!max)
		max = VA_SYSLOG_MAX_MSG;
	if (max < 512)
		max = 512;
	if (!msgid) {
		snprintf(opbuf, sizeof(opbuf), "op%u", (unsigned int)ev->op);
		msgid = opbuf;
	}
	text = event_text(ev, &tlen);
	if (!text)
		return -ENOMEM;
	if (fmt == VA_SYSLOG_3164) {
		m = open_memstream(&buf, &size);
		if (!m)
			goto out;
		header_3164(m, id, ev->ts_ns);
		fflush(m);
		/* No separating space: the header ends in ": ". */
		if (size + tlen <= max) {
			fwrite(text, 1, tlen, m);
		} else if (size + 4 <= max) {
			fwrite(text, 1, safe_cut(text, tlen, max - size - 3), m);
			fputs("...", m);
		}
		ret = finish(m, &buf, &size, out, len);
		goto out;
	}
	if (needs_json(ev)) {
		jo = va_event_to_json(ev);
		if (!jo)
			goto out;
	}
	/* Shorten the untrusted values only when the whole would not fit. */
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct sd sd = { .cap = caps[i] };

		buf = NULL;
		size = 0;
		m = open_memstream(&buf, &size);
		if (!m)
			goto out;
		sd.m = m;
		header_5424(m, id, ev->ts_ns, msgid);
		sd_event(&sd, ev, jo);
		fflush(m);
		if (sd.oom || ferror(m)) {
			fclose(m);
			free(buf);
			goto out;
		}
		if (size + 64 <= max || i + 1 == sizeof(caps) / sizeof(caps[0]))
			break;
		fclose(m);
		free(buf);
	}
	put_msg(m, size, max, text, tlen);
	ret = finish(m, &buf, &size, out, len);
out:
	json_object_put(jo);
	free(text);
	return ret;
}

int va_syslog_seal(enum va_syslog_format fmt, const struct va_syslog_id *id,
		   const struct va_seal *seal, char **out, size_t *len)
{
	const char *head = seal->head_hex ? seal->head_hex : "";
	const char *mac = seal->mac_hex ? seal->mac_hex : "";
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);

	if (!m)
		return -ENOMEM;
	if (fmt == VA_SYSLOG_3164) {
		header_3164(m, id, seal->ts_ns);
	} else {
		struct sd sd = { .m = m, .cap = SIZE_MAX };

		header_5424(m, id, seal->ts_ns, "seal");
		fputs("[" VA_SYSLOG_SEAL_SD_ID, m);
		sd_u64(&sd, "seq", seal->seq);
		sd_u64(&sd, "epoch", seal->epoch);
		/* Hex from the store, but escaped like any value: one line whatever comes. */
		sd_bytes(&sd, "head", head, strlen(head));
		sd_bytes(&sd, "mac", mac, strlen(mac));
		fputs("] ", m);
		if (sd.oom) {
			fclose(m);
			free(buf);
			return -ENOMEM;
		}
	}
	fprintf(m, "seal: seq=%" PRIu64 " epoch=%" PRIu64 " head=", seal->seq, seal->epoch);
	va_escape_c(m, head, strlen(head));
	fputs(" mac=", m);
	va_escape_c(m, mac, strlen(mac));
	return finish(m, &buf, &size, out, len);
}

int va_syslog_lost(enum va_syslog_format fmt, const struct va_syslog_id *id, uint64_t ts_ns,
		   uint64_t n, const char *sink, char **out, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);

	if (!m)
		return -ENOMEM;
	if (fmt == VA_SYSLOG_3164) {
		header_3164(m, id, ts_ns);
	} else {
		header_5424(m, id, ts_ns, "lost");
		fprintf(m, "[" VA_SYSLOG_SD_ID " op=\"lost\" lost=\"%" PRIu64 "\" sink=\"", n);
		va_syslog_sd_escape(m, sink, strlen(sink));
		fputs("\"] ", m);
	}
	fprintf(m, "lost: %" PRIu64 " events not sent to %s (its queue was full)", n, sink);
	return finish(m, &buf, &size, out, len);
}
