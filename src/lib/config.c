// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config.h"
#include "util.h"

void va_config_init(struct va_config *c)
{
	memset(c, 0, sizeof(*c));
	va_filter_init(&c->filter);
	snprintf(c->db, sizeof(c->db), "%s", "/var/lib/vfsaudit/audit.db");
	snprintf(c->status_file, sizeof(c->status_file), "%s", VA_STATUS_DEFAULT_PATH);
	c->retain_ns = VA_RETAIN_DEFAULT_NS;
	c->backend = VA_BACKEND_AUTO;
	c->syslog_facility = 1; /* user: kern is the kernel's, and journald rewrites it */
	c->syslog_severity = 6; /* info, as the original probe's logger -p kern.info */
	snprintf(c->syslog_tag, sizeof(c->syslog_tag), "%s", VA_SYSLOG_DEFAULT_TAG);
	c->syslog_format = VA_SYSLOG_3164;
	snprintf(c->syslog_socket, sizeof(c->syslog_socket), "%s", "/dev/log");
	c->syslog_spool_bytes = VA_SYSLOG_SPOOL_DEFAULT;
	c->syslog_queue_bytes = VA_SYSLOG_QUEUE_DEFAULT;
	c->priority_boost = VA_PRIORITY_BOOST_DEFAULT;
	c->backlog_bytes = VA_BACKLOG_DEFAULT;
}

void va_config_free(struct va_config *c)
{
	if (c)
		va_filter_free(&c->filter);
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
	    !strcasecmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int set_path(char *dst, size_t size, const char *key, const char *v, char *err,
		    size_t errlen)
{
	if (v[0] != '/' || strlen(v) >= size) {
		snprintf(err, errlen, "%s '%s': give an absolute path", key, v);
		return -EINVAL;
	}
	snprintf(dst, size, "%s", v);
	return 0;
}

static bool is_off(const char *v)
{
	bool b;

	return !strcasecmp(v, "none") || (!parse_bool(v, &b) && !b);
}

/* The sinks' keys. Returns: as va_config_set(). */
static int set_sink(struct va_config *c, const char *key, const char *value, char *err,
		    size_t errlen)
{
	char why[256];
	bool b;
	uint64_t v;

	if (!strcmp(key, "syslog")) {
		/* "--syslog" alone, or yes: on, with the facility set so far. */
		if (!value[0] || (!parse_bool(value, &b) && b)) {
			c->syslog = true;
			return 0;
		}
		if (is_off(value)) {
			c->syslog = false;
			return 0;
		}
		if (va_syslog_parse_pri(value, &c->syslog_facility, &c->syslog_severity, why,
					sizeof(why))) {
			snprintf(err, errlen, "syslog '%s': %s (FACILITY.LEVEL, e.g. user.info)",
				 value, why);
			return -EINVAL;
		}
		c->syslog = true;
		return 0;
	}
	if (!strcmp(key, "syslog-tag")) {
		if (va_syslog_parse_tag(value, why, sizeof(why))) {
			snprintf(err, errlen, "syslog-tag '%s': %s", value, why);
			return -EINVAL;
		}
		snprintf(c->syslog_tag, sizeof(c->syslog_tag), "%s", value);
		return 0;
	}
	if (!strcmp(key, "syslog-format")) {
		const char *f = strncasecmp(value, "rfc", 3) ? value : value + 3;

		if (strcmp(f, "3164") && strcmp(f, "5424")) {
			snprintf(err, errlen, "syslog-format '%s': use 3164 or 5424", value);
			return -EINVAL;
		}
		c->syslog_format = f[0] == '3' ? VA_SYSLOG_3164 : VA_SYSLOG_5424;
		return 0;
	}
	if (!strcmp(key, "syslog-socket"))
		return set_path(c->syslog_socket, sizeof(c->syslog_socket), key, value, err,
				errlen);
	if (!strcmp(key, "syslog-remote")) {
		if (is_off(value)) {
			memset(&c->syslog_remote, 0, sizeof(c->syslog_remote));
			return 0;
		}
		if (va_syslog_parse_url(value, &c->syslog_remote, why, sizeof(why))) {
			snprintf(err, errlen, "syslog-remote '%s': %s", value, why);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "syslog-spool"))
		return set_path(c->syslog_spool, sizeof(c->syslog_spool), key, value, err, errlen);
	if (!strcmp(key, "syslog-spool-size") || !strcmp(key, "syslog-queue-size")) {
		bool spool = key[7] == 's';

		/* The spool may be off (0); the queue cannot, it is where messages wait. */
		if (va_parse_size(value, &v) || v > (spool ? (64ull << 30) : (1ull << 30)) ||
		    (!spool && v < 65536)) {
			snprintf(err, errlen, "%s '%s': give a size %s", key, value,
				 spool ? "up to 64G (0: no spool file)" : "from 64k to 1G");
			return -EINVAL;
		}
		if (spool)
			c->syslog_spool_bytes = v;
		else
			c->syslog_queue_bytes = v;
		return 0;
	}
	if (!strcmp(key, "json-log")) {
		if (!strcasecmp(value, "none")) {
			c->json_log[0] = '\0';
			return 0;
		}
		return set_path(c->json_log, sizeof(c->json_log), key, value, err, errlen);
	}
	return -ENOENT;
}

int va_config_set(struct va_config *c, const char *key, const char *value, char *err,
		  size_t errlen)
{
	bool b;
	int ret;

	if (!value)
		value = "";
	/* The option's own name works too: "one key per long option" (no-default-excludes = yes). */
	if (!strcmp(key, "every-call") || !strcmp(key, "default-excludes") ||
	    !strcmp(key, "no-default-excludes")) {
		if (parse_bool(value, &b)) {
			snprintf(err, errlen, "%s '%s': use yes or no", key, value);
			return -EINVAL;
		}
		if (key[0] == 'e')
			c->filter.every_call = b;
		else
			c->filter.default_excludes = key[0] == 'n' ? !b : b;
		return 0;
	}
	if (!strcmp(key, "db"))
		return set_path(c->db, sizeof(c->db), key, value, err, errlen);
	if (!strcmp(key, "status-file"))
		return set_path(c->status_file, sizeof(c->status_file), key, value, err, errlen);
	if (!strcmp(key, "seal-key"))
		return set_path(c->seal_key, sizeof(c->seal_key), key, value, err, errlen);
	if (!strcmp(key, "retain")) {
		if (va_parse_duration(value, &c->retain_ns)) {
			snprintf(err, errlen,
				 "retain '%s': give a duration (90s, 15m, 12h, 7d, 2w) or forever",
				 value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "backend")) {
		if (va_backend_parse(value, &c->backend)) {
			snprintf(err, errlen, "backend '%s': use auto, tracepoint, lsm or fanotify",
				 value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "buffer-size") || !strcmp(key, "queue-size")) {
		uint64_t v;

		ret = key[0] == 'b' ? va_parse_size(value, &v) : va_parse_u64(value, 1u << 26, &v);
		if (ret || !v || (key[0] == 'b' && (v < 4096 || v > (1ull << 30)))) {
			snprintf(err, errlen, "%s '%s': give a number%s", key, value,
				 key[0] == 'b' ? " of bytes from 4k to 1G" : " of events, up to 67108864");
			return -EINVAL;
		}
		if (key[0] == 'b')
			c->ringbuf_bytes = v;
		else
			c->queue_events = v;
		return 0;
	}
	if (!strcmp(key, "backlog-size")) {
		uint64_t v;

		if (va_parse_size(value, &v) || v > (64ull << 30)) {
			snprintf(err, errlen, "%s '%s': give a size up to 64G (0: no backlog file)",
				 key, value);
			return -EINVAL;
		}
		c->backlog_bytes = v;
		return 0;
	}
	if (!strcmp(key, "priority-boost")) {
		uint64_t v;

		if (va_parse_u64(value, 20, &v)) {
			snprintf(err, errlen,
				 "priority-boost '%s': give a number of nice steps from 0 to 20", value);
			return -EINVAL;
		}
		c->priority_boost = (unsigned int)v;
		return 0;
	}
	if (!strncmp(key, "syslog", 6) || !strcmp(key, "json-log")) {
		ret = set_sink(c, key, value, err, errlen);
		if (ret != -ENOENT)
			return ret;
	}
	return va_filter_add(&c->filter, key, value, err, errlen);
}

struct load_ctx {
	struct va_config *c;
	const char *file;
	FILE *fp;
	char *text; /* the line being read, whole (getline) */
	size_t text_cap;
	int lineno;   /* of the line inih has last been given */
	int err_line; /* where l->ret was set */
	char section[64];
	char *err;
	size_t errlen;
	int ret;
};

static int on_key(void *user, const char *section, const char *name, const char *raw);

static char *skip_blanks(char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' || *p == '\v')
		p++;
	return p;
}

static void trim_end(char *p)
{
	char *end = p + strlen(p);

	while (end > p && strchr(" \t\r\n\f\v", end[-1]))
		*--end = '\0';
}

/*
 * A line longer than the parser's buffer (Debian's libinih reads 200 bytes
 * at a time and takes the rest for the next line): "key = value" read as
 * inih reads it (a ';' after a blank starts a comment), and given to
 * on_key() here. Anything else on such a line is refused.
 */
static void long_line(struct load_ctx *l, char *start)
{
	char *eq = NULL, *value;

	for (char *p = start; *p && !eq; p++) {
		if (*p == ';' && p > start && (p[-1] == ' ' || p[-1] == '\t'))
			break;
		if (*p == '=' || *p == ':')
			eq = p;
	}
	if (!eq || *start == '[') {
		if (!l->ret) {
			snprintf(l->err, l->errlen, "%s: not a 'key = value' line", l->file);
			l->ret = -EINVAL;
			l->err_line = l->lineno;
		}
		return;
	}
	*eq = '\0';
	trim_end(start);
	value = skip_blanks(eq + 1);
	for (char *p = value; *p; p++) {
		if (*p == ';' && p > value && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	trim_end(value);
	on_key(l, l->section, start, value);
}

/*
 * What inih reads the file through, one line at a time (fgets's contract).
 * Each line is given whole or not at all: a comment as an empty line,
 * whatever its length; a setting with its indentation taken off (inih
 * would take an indented line for the rest of the previous value, so that
 * an indented "path = /srv" after "comm = nginx" became a process name);
 * a setting longer than inih's buffer read here (long_line()).
 */
static char *read_line(char *str, int num, void *stream)
{
	struct load_ctx *l = stream;
	ssize_t n = getline(&l->text, &l->text_cap, l->fp);
	char *start;

	if (n < 0 || num < 2)
		return NULL;
	l->lineno++;
	start = skip_blanks(l->text);
	/* A UTF-8 byte order mark, first in the file, is inih's to skip. */
	if (l->lineno == 1 && !strncmp(l->text, "\xEF\xBB\xBF", 3))
		start = skip_blanks(l->text + 3);
	if (*start == '#' || *start == ';' || !*start) {
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (*start == '[' && strchr(start, ']')) {
		/* The section, for long_line(); inih knows it from the line itself. */
		size_t len = (size_t)(strchr(start, ']') - start - 1);

		snprintf(l->section, sizeof(l->section), "%.*s", (int)len, start + 1);
		/*
		 * Refused at its own line: the first key under it may be far
		 * below, or there may be none (an empty section said nothing).
		 */
		if (l->section[0] && strcmp(l->section, "vfsaudit") && !l->ret) {
			snprintf(l->err, l->errlen,
				 "%s: unknown section [%s]; put settings at the top or in "
				 "[vfsaudit]",
				 l->file, l->section);
			l->ret = -EINVAL;
			l->err_line = l->lineno;
		}
	}
	if (strlen(start) < (size_t)num - 1) {
		snprintf(str, (size_t)num, "%s", start);
		return str;
	}
	long_line(l, start);
	snprintf(str, (size_t)num, "\n");
	return str;
}

/*
 * inih strips ';' comments after a value; '#' ones too, when whitespace
 * precedes them, so that "path = /var # web root" watches /var.
 */
static void strip_hash_comment(char *v)
{
	char *end;

	for (char *p = v; *p; p++) {
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
}

/* inih calls this once per key; returning 0 marks the line as bad. */
static int on_key(void *user, const char *section, const char *name, const char *raw)
{
	struct load_ctx *l = user;
	char msg[1024], value[4096];
	int ret;

	snprintf(value, sizeof(value), "%s", raw ? raw : "");
	strip_hash_comment(value);

	/* The first bad line only; an unknown section is refused by read_line(). */
	if (l->ret)
		return 1;
	ret = va_config_set(l->c, name, value, msg, sizeof(msg));
	if (ret == -ENOENT)
		snprintf(msg, sizeof(msg), "unknown setting '%s'", name);
	if (ret) {
		snprintf(l->err, l->errlen, "%s: %s", l->file, msg);
		l->ret = ret == -E2BIG ? -EINVAL : (ret == -ENOENT ? -EINVAL : ret);
		l->err_line = l->lineno;
		return 0;
	}
	return 1;
}

int va_config_load(struct va_config *c, const char *file, char *err, size_t errlen)
{
	struct load_ctx l = { .c = c, .file = file, .err = err, .errlen = errlen };
	char where[64];
	int line;

	l.fp = fopen(file, "re");
	if (!l.fp) {
		snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
		return -errno;
	}
	errno = 0;
	line = ini_parse_stream(read_line, &l, on_key, &l);
	if (line >= 0 && ferror(l.fp))
		line = -1;
	fclose(l.fp);
	free(l.text);
	if (line < 0) {
		int e = errno ? errno : EIO; /* a directory: EISDIR */

		snprintf(err, errlen, "cannot read %s: %s", file, strerror(e));
		return -e;
	}
	/* The first bad line: a setting refused (ours), or one inih could not parse. */
	if (l.ret && (!line || line >= l.err_line))
		line = l.err_line;
	else
		l.ret = 0;
	if (line > 0) {
		/* Put the line number where the message names the file. */
		size_t n = strlen(file);

		snprintf(where, sizeof(where), ":%d", line);
		if (l.ret && !strncmp(err, file, n)) {
			char rest[2048];

			snprintf(rest, sizeof(rest), "%s", err + n);
			snprintf(err, errlen, "%s%s%s", file, where, rest);
		} else {
			snprintf(err, errlen, "%s%s: not a 'key = value' line", file, where);
		}
		return -EINVAL;
	}
	return 0;
}
