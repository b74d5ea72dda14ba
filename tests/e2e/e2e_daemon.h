/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon for the e2e cases that need one (e2e_daemon.c): each case
 * gets a store, a status file, a configuration file and a watched
 * directory in its scratch directory.
 */
#ifndef E2E_DAEMON_H
#define E2E_DAEMON_H

#include <limits.h>
#include <stdint.h>
#include <json-c/json.h>

#include "e2e_case.h"
#include "e2e_watch.h"

struct daemon_paths {
	char db[PATH_MAX], status[PATH_MAX], conf[PATH_MAX], watched[PATH_MAX];
};

/* The case's store (store/audit.db), status file, empty configuration and watched directory (w). */
void daemon_paths(struct e2e_ctx *c, struct daemon_paths *p);
/* `vfsaudit run` with @p's files, watching @p->watched; waits for ready. Returns: 0, or -1 with
 * c->why. */
int daemon_start(struct e2e_ctx *c, struct e2e_watcher *w, const struct daemon_paths *p);
/* SIGTERM, and check it exits 0. Returns: 0, or -1 with c->why. */
int daemon_stop(struct e2e_ctx *c, struct e2e_watcher *w);
/* `vfsaudit run` with @p's files and @conf as its configuration (no --path). Returns: as
 * daemon_start(). */
int daemon_start_conf(struct e2e_ctx *c, struct e2e_watcher *w, const struct daemon_paths *p,
		      const char *conf);
/*
 * @conf as @p's configuration, SIGHUP, and wait (5 s at most) until the
 * daemon says it reloaded. Returns: 0, or -1 with c->why.
 */
int daemon_reload(struct e2e_ctx *c, struct e2e_watcher *w, const struct daemon_paths *p,
		  const char *conf);
/* kill -9, as a crash or a power cut would stop it. */
void daemon_kill9(struct e2e_watcher *w);
/* Run @argv, its output in @out. Returns: its exit status, or -1 with c->why. */
int query(struct e2e_ctx *c, char *const argv[], char *out, size_t outlen);
int check_str(struct e2e_ctx *c, const char *what, const char *got, const char *want);
int check_int(struct e2e_ctx *c, const char *what, int64_t got, int64_t want);
/* `vfsaudit status --format json` of the daemon of @p. Returns: it, or NULL with c->why. */
json_object *status_json(struct e2e_ctx *c, const struct daemon_paths *p);
/*
 * `history PATH --format json` on @p's store: the sum of @key over its events
 * of @op, or their number when @key is NULL. Returns: it, or -1 with c->why.
 */
int64_t history_sum(struct e2e_ctx *c, const struct daemon_paths *p, const char *path,
		    const char *op, const char *key);
/* One number from the store. Returns: it, or -1 with c->why. */
long store_count(struct e2e_ctx *c, const char *db, const char *sql);

#endif
