/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A strict RFC 5424 parser for the tests: the unit tests, the fuzzer and
 * the end-to-end suite read vfsaudit's messages back with it, the way a
 * SIEM would, without regular expressions. Written from the RFC's ABNF, not
 * from the builder, so that the two do not share a mistake. Header-only.
 */
#ifndef SD_PARSE_H
#define SD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SD_MAX_PARAMS 64

struct sd_param {
	char id[33];   /* the SD-ID of its element */
	char name[33]; /* PARAM-NAME */
	char *value;   /* unescaped, NUL-terminated (points into the message's buffer) */
	size_t len;
};

struct sd_msg {
	int pri, version;
	char ts[64], host[256], app[49], procid[129], msgid[33];
	int n_elements;
	struct sd_param params[SD_MAX_PARAMS];
	int n_params;
	const char *msg; /* after the SD and one space; NULL when absent */
	size_t msg_len;
	char buf[65536]; /* the unescaped values */
	size_t used;
	char why[128]; /* what was wrong */
};

static inline int sd_fail(struct sd_msg *m, const char *why, size_t at)
{
	snprintf(m->why, sizeof(m->why), "%s at offset %zu", why, at);
	return -1;
}

/* A header field: 1 to @max PRINTUSASCII octets, then one space. */
static inline int sd_token(const char *s, size_t len, size_t *i, char *out, size_t max,
			   struct sd_msg *m)
{
	size_t n = 0;

	while (*i < len && s[*i] != ' ') {
		unsigned char c = (unsigned char)s[*i];

		if (c < 33 || c > 126 || n >= max)
			return sd_fail(m, "bad header field", *i);
		out[n++] = (char)c;
		(*i)++;
	}
	out[n] = '\0';
	if (!n || *i >= len)
		return sd_fail(m, "short header", *i);
	(*i)++;
	return 0;
}

/* SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"'. */
static inline int sd_name(const char *s, size_t len, size_t *i, char *out, struct sd_msg *m)
{
	size_t n = 0;

	while (*i < len) {
		unsigned char c = (unsigned char)s[*i];

		if (c < 33 || c > 126 || c == '=' || c == ']' || c == '"')
			break;
		if (n >= 32)
			return sd_fail(m, "SD-NAME too long", *i);
		out[n++] = (char)c;
		(*i)++;
	}
	out[n] = '\0';
	return n ? 0 : sd_fail(m, "empty SD-NAME", *i);
}

/* PARAM-VALUE between quotes: '"', '\\' and ']' must come escaped. */
static inline int sd_value(const char *s, size_t len, size_t *i, struct sd_param *p,
			   struct sd_msg *m)
{
	char *out = m->buf + m->used;
	size_t n = 0;

	if (*i >= len || s[*i] != '"')
		return sd_fail(m, "value without '\"'", *i);
	(*i)++;
	for (;;) {
		char c;

		if (*i >= len)
			return sd_fail(m, "unterminated value", *i);
		c = s[(*i)++];
		if (c == '"')
			break;
		if (c == ']')
			return sd_fail(m, "unescaped ']' in a value", *i - 1);
		if (c == '\\' && *i < len && (s[*i] == '"' || s[*i] == '\\' || s[*i] == ']'))
			c = s[(*i)++];
		if (m->used + n + 2 > sizeof(m->buf))
			return sd_fail(m, "values too long", *i);
		out[n++] = c;
	}
	out[n] = '\0';
	p->value = out;
	p->len = n;
	m->used += n + 1;
	return 0;
}

/* Returns: 0 with @m filled, or -1 with m->why. */
static inline int sd_parse(const char *s, size_t len, struct sd_msg *m)
{
	size_t i = 0;
	char ver[8];

	memset(m, 0, offsetof(struct sd_msg, buf));
	m->used = 0;
	if (len < 3 || s[0] != '<')
		return sd_fail(m, "no PRI", 0);
	for (i = 1; i < len && i < 5 && s[i] >= '0' && s[i] <= '9'; i++)
		m->pri = m->pri * 10 + (s[i] - '0');
	if (i == 1 || i >= len || s[i] != '>' || m->pri > 191 || (s[1] == '0' && i > 2))
		return sd_fail(m, "bad PRI", i);
	i++;
	if (sd_token(s, len, &i, ver, sizeof(ver) - 1, m) || strcmp(ver, "1"))
		return sd_fail(m, "VERSION is not 1", i);
	m->version = 1;
	if (sd_token(s, len, &i, m->ts, sizeof(m->ts) - 1, m) ||
	    sd_token(s, len, &i, m->host, 255, m) || sd_token(s, len, &i, m->app, 48, m) ||
	    sd_token(s, len, &i, m->procid, 128, m) || sd_token(s, len, &i, m->msgid, 32, m))
		return -1;
	if (i < len && s[i] == '-') {
		i++;
	} else {
		while (i < len && s[i] == '[') {
			char id[33];

			i++;
			if (sd_name(s, len, &i, id, m))
				return -1;
			while (i < len && s[i] == ' ') {
				struct sd_param *p;

				if (m->n_params >= SD_MAX_PARAMS)
					return sd_fail(m, "too many params", i);
				p = &m->params[m->n_params];
				i++;
				snprintf(p->id, sizeof(p->id), "%s", id);
				if (sd_name(s, len, &i, p->name, m))
					return -1;
				if (i >= len || s[i] != '=')
					return sd_fail(m, "no '='", i);
				i++;
				if (sd_value(s, len, &i, p, m))
					return -1;
				m->n_params++;
			}
			if (i >= len || s[i] != ']')
				return sd_fail(m, "SD-ELEMENT not closed", i);
			i++;
			m->n_elements++;
		}
		if (!m->n_elements)
			return sd_fail(m, "no STRUCTURED-DATA", i);
	}
	if (i == len)
		return 0;
	if (s[i] != ' ')
		return sd_fail(m, "no space before MSG", i);
	m->msg = s + i + 1;
	m->msg_len = len - i - 1;
	return 0;
}

/* Returns: the value of @name in element @id (NULL: any), or NULL. */
static inline const char *sd_get(const struct sd_msg *m, const char *id, const char *name)
{
	for (int i = 0; i < m->n_params; i++)
		if ((!id || !strcmp(m->params[i].id, id)) && !strcmp(m->params[i].name, name))
			return m->params[i].value;
	return NULL;
}

#endif
