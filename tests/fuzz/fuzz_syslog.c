// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The syslog side on arbitrary input: the settings' parsers (FACILITY.LEVEL,
 * tags, tcp://HOST:PORT) never crash and accept only what they promise; and
 * messages built from events with arbitrary names, and seals with arbitrary
 * values, are one line of valid UTF-8 within the size asked for, parse as
 * RFC 5424 with exactly one element, and give back each value's text-form
 * spelling: no name can close the element, forge a parameter or a line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "event.h"
#include "syslog_format.h"
#include "syslog_opts.h"
#include "../unit/sd_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sd_msg parsed;

/* Takes the next chunk: one length byte, then that many bytes (or what is left). */
static struct va_bytes chunk(const uint8_t **p, size_t *left)
{
	struct va_bytes b = { NULL, 0 };
	size_t n;

	if (!*left)
		return b;
	n = **p;
	(*p)++;
	(*left)--;
	if (n > *left)
		n = *left;
	b.ptr = (const char *)*p;
	b.len = n;
	*p += n;
	*left -= n;
	return b;
}

static char *c_escaped(const struct va_bytes *b, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	va_escape_c(f, b->ptr, b->len);
	fclose(f);
	return buf;
}

static void check_line(const char *s, size_t len)
{
	if (strlen(s) != len || memchr(s, '\n', len) || memchr(s, '\r', len) ||
	    !va_utf8_valid(s, len))
		abort();
}

/* Settings: NUL-terminated copies of the input through each parser. */
static void fuzz_settings(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[512];
	struct va_syslog_url url;
	int f, l;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!va_syslog_parse_pri(s, &f, &l, err, sizeof(err)) &&
	    (f < 0 || f > 23 || l < 0 || l > 7 || va_syslog_pri(f, l) > 191))
		abort();
	if (!va_syslog_parse_tag(s, err, sizeof(err))) {
		size_t n = strlen(s);

		if (!n || n > VA_SYSLOG_TAG_MAX || strpbrk(s, " :[]\t\n"))
			abort();
	}
	if (!va_syslog_parse_url(s, &url, err, sizeof(err))) {
		unsigned long port = strtoul(url.port, NULL, 10);

		if ((url.proto != VA_SYSLOG_TCP && url.proto != VA_SYSLOG_UDP) || !url.host[0] ||
		    port < 1 || port > 65535 || strpbrk(url.host, " /[]\n"))
			abort();
	}
	free(s);
}

static void fuzz_event(const uint8_t *data, size_t size)
{
	static const struct va_syslog_id id = {
		.facility = 1, .severity = 6, .hostname = "h", .tag = "vfsaudit", .pid = 1
	};
	struct va_event ev = { 0 };
	const uint8_t *p = data;
	size_t left = size, max, len;
	struct va_bytes comm;
	char *msg;

	if (size < 3)
		return;
	ev.op = (enum va_op)(p[0] % (VA_OP_EXEC + 2));
	max = 512 + (size_t)p[1] * 64; /* 512 .. 16832 */
	ev.ret = (int8_t)p[2];
	p += 3;
	left -= 3;
	ev.seq = 7;
	ev.path = chunk(&p, &left);
	ev.path2 = chunk(&p, &left);
	ev.exe = chunk(&p, &left);
	ev.argv = chunk(&p, &left);
	comm = chunk(&p, &left);
	memcpy(ev.comm, comm.ptr ? comm.ptr : "", comm.len < 16 ? comm.len : 16);
	ev.auid = ev.ses = VA_ID_UNSET;
	ev.has_open_flags = ev.ret & 1;
	ev.open_flags = (uint32_t)ev.ret * 0x10101u;
	ev.rename_flags = (uint32_t)ev.ret & 7;
	ev.mode = (uint32_t)ev.ret * 0111u;
	ev.path_flags = (uint32_t)ev.ret & 0x3f;

	if (!va_syslog_event(VA_SYSLOG_3164, &id, &ev, max, &msg, &len)) {
		check_line(msg, len);
		if (len > max)
			abort();
		free(msg);
	}
	if (va_syslog_event(VA_SYSLOG_5424, &id, &ev, max, &msg, &len))
		return;
	check_line(msg, len);
	/* Cut values keep the whole inside the limit wherever the limit is not tiny. */
	if (max >= 4096 && len > max)
		abort();
	if (sd_parse(msg, len, &parsed) || parsed.n_elements != 1 ||
	    strcmp(parsed.params[0].id, VA_SYSLOG_SD_ID) || strcmp(parsed.procid, "1"))
		abort();
	if (ev.op != VA_OP_LOST && !sd_get(&parsed, NULL, "truncated")) {
		size_t n;
		char *want = c_escaped(&ev.path, &n);
		const char *got = sd_get(&parsed, NULL, "path");

		if (!got || strlen(got) != n || memcmp(got, want, n))
			abort();
		free(want);
	}
	free(msg);
}

static void fuzz_seal(const uint8_t *data, size_t size)
{
	static const struct va_syslog_id id = {
		.facility = 4, .severity = 5, .tag = "t", .pid = 2
	};
	const uint8_t *p = data;
	size_t left = size, len, n;
	struct va_bytes h = chunk(&p, &left), m = chunk(&p, &left);
	char *head = strndup(h.ptr ? h.ptr : "", h.len), *mac = strndup(m.ptr ? m.ptr : "", m.len);
	struct va_seal seal = { .seq = size, .ts_ns = size * 1000000007ull, .epoch = 3 };
	char *msg, *want;

	if (!head || !mac)
		abort();
	seal.head_hex = head;
	seal.mac_hex = mac;
	if (!va_syslog_seal(VA_SYSLOG_5424, &id, &seal, &msg, &len)) {
		struct va_bytes hb = { head, strlen(head) };

		check_line(msg, len);
		if (sd_parse(msg, len, &parsed) || parsed.n_elements != 1 || parsed.n_params != 5 ||
		    strcmp(parsed.msgid, "seal") || !sd_get(&parsed, VA_SYSLOG_SEAL_SD_ID, "head"))
			abort();
		want = c_escaped(&hb, &n);
		if (strcmp(sd_get(&parsed, VA_SYSLOG_SEAL_SD_ID, "head"), want))
			abort();
		free(want);
		free(msg);
	}
	free(head);
	free(mac);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_settings(data + 1, size - 1);
		break;
	case 1:
		fuzz_event(data + 1, size - 1);
		break;
	default:
		fuzz_seal(data + 1, size - 1);
		break;
	}
	return 0;
}
