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
#include "syslog_format.h"
#include "syslog_opts.h"

#define VA_CONFIG_DEFAULT_PATH	"/etc/vfsaudit/vfsaudit.conf"
#define VA_STATUS_DEFAULT_PATH	"/run/vfsaudit/status.json"
#define VA_RETAIN_DEFAULT_NS	(7ull * 24 * 3600 * 1000000000ull)
#define VA_SYSLOG_DEFAULT_TAG	"vfsaudit"
#define VA_SYSLOG_QUEUE_DEFAULT (8ull << 20)
#define VA_SYSLOG_SPOOL_DEFAULT (256ull << 20)
/*
 * How far `run` lowers its nice value at start. Under a storm of events on
 * a machine whose CPUs are all busy, a daemon at nice 0 gets a fraction of
 * a CPU, and its ring buffer and queue overflow (counted, never silent);
 * at -10 it kept up, or nearly, and the workload slowed a little instead
 * (bench/daemon-ab, 16 loops on 2 CPUs: no ring-buffer loss in 11 runs,
 * every event stored in 6, about 8% fewer operations); at -15 the writer
 * kept up in all of 4 runs of 20 s where at -10 it fell behind in 3, in a
 * slow hour of the machine (README, "The daemon under load").
 * auditd does the same (priority_boost, default 4).
 */
#define VA_PRIORITY_BOOST_DEFAULT 15
/* The store writer's backlog on disk (backlog.h): some seconds of a burst of a million a second. */
#define VA_BACKLOG_DEFAULT (1ull << 30)

struct va_config {
	struct va_filter filter;
	char db[PATH_MAX];
	uint64_t retain_ns; /* 0: keep everything */
	enum va_backend backend;
	uint64_t ringbuf_bytes;
	uint64_t queue_events;
	uint64_t backlog_bytes;	     /* the store's backlog file past the queue; 0: none */
	unsigned int priority_boost; /* nice steps taken at start, 0 to 20 */
	char status_file[PATH_MAX];
	char seal_key[PATH_MAX]; /* "": the store's name with ".key" added */

	/* Sinks besides the store (sinks.h). */
	bool syslog;			      /* --syslog */
	int syslog_facility, syslog_severity; /* default user.info */
	char syslog_tag[VA_SYSLOG_TAG_MAX + 1];
	enum va_syslog_format syslog_format; /* of the local sink; default 3164 */
	char syslog_socket[108];	     /* default /dev/log */
	struct va_syslog_url syslog_remote;  /* proto VA_SYSLOG_NONE: none */
	char syslog_spool[PATH_MAX];	     /* "": the store's path and ".spool" */
	uint64_t syslog_spool_bytes;	     /* 0: memory only */
	uint64_t syslog_queue_bytes;	     /* memory of each syslog sink */
	char json_log[PATH_MAX];	     /* "": none */
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
