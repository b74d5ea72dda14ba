/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's settings, from the configuration file and the command line:
 * one key for each long option (`path = /etc` is `--path /etc`). The file is
 * INI-like (inih): `key = value` lines, `#` or `;` comments, repeatable keys
 * for repeatable options, no sections needed.
 */
#ifndef VA_CONFIG_H
#define VA_CONFIG_H

#include <limits.h>
#include <stdint.h>

#include "capture.h"
#include "filter.h"

#define VA_CONFIG_DEFAULT_PATH	"/etc/vfsaudit/vfsaudit.conf"
#define VA_STATUS_DEFAULT_PATH	"/run/vfsaudit/status.json"
#define VA_RETAIN_DEFAULT_NS	(7ull * 24 * 3600 * 1000000000ull)

struct va_config {
	struct va_filter filter;
	char db[PATH_MAX];
	uint64_t retain_ns; /* 0: keep everything */
	enum va_backend backend;
	uint64_t ringbuf_bytes;
	uint64_t queue_events;
	char status_file[PATH_MAX];
};

void va_config_init(struct va_config *c);
void va_config_free(struct va_config *c); /* the filter's strings */

/**
 * va_config_set() - apply one setting.
 * Returns: 0; -ENOENT for an unknown key; -EINVAL for a bad value, with
 * @err naming the key, the value and what to do.
 */
int va_config_set(struct va_config *c, const char *key, const char *value, char *err,
		  size_t errlen);

/**
 * va_config_load() - apply every line of @file.
 * Returns: 0; -ENOENT when the file does not exist; -EINVAL naming the first
 * bad line ("FILE:LINE: ...") in @err; -errno otherwise.
 */
int va_config_load(struct va_config *c, const char *file, char *err, size_t errlen);

#endif
