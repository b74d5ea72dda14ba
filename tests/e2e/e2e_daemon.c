// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon (`vfsaudit run`) for the cases that need one: its scratch
 * paths, start and stop, the query commands run beside it and what they
 * print, and checks of the numbers they give.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_daemon.h"

void daemon_paths(struct e2e_ctx *c, struct daemon_paths *p)
{
	snprintf(p->db, sizeof(p->db), "%s/store/audit.db", c->dir);
	snprintf(p->status, sizeof(p->status), "%s/status.json", c->dir);
	snprintf(p->conf, sizeof(p->conf), "%s/empty.conf", c->dir);
	snprintf(p->watched, sizeof(p->watched), "%s/w", c->dir);
}

/* `vfsaudit run` with @p's files, and --path @path unless NULL; waits for ready. */
static int start_run(struct e2e_ctx *c, struct e2e_watcher *w, const struct daemon_paths *p,
		     const char *path)
{
	char *argv[] = { c->env->binary,
			 "run",
			 "--config",
			 (char *)p->conf,
			 "--db",
			 (char *)p->db,
			 "--status-file",
			 (char *)p->status,
			 "--path",
			 (char *)path,
			 NULL };

	if (!path)
		argv[8] = NULL;
	memset(w, 0, sizeof(*w));
	return e2e_watch_start(w, "run", argv, false, c->why, sizeof(c->why));
}

int daemon_start(struct e2e_ctx *c, struct e2e_watcher *w, const struct daemon_paths *p)
{
	if (access(p->conf, F_OK) && e2e_write_file(p->conf, "# empty\n", 0644)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", p->conf);
		return -1;
	}
	return start_run(c, w, p, p->watched);
}

int daemon_start_conf(struct e2e_ctx *c, struct e2e_watcher *w, const struct daemon_paths *p,
		      const char *conf)
{
	if (e2e_write_file(p->conf, conf, 0644)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", p->conf);
		return -1;
	}
	return start_run(c, w, p, NULL);
}

int daemon_reload(struct e2e_ctx *c, struct e2e_watcher *w, const struct daemon_paths *p,
		  const char *conf)
{
	static const char done[] = "vfsaudit: configuration reloaded";
	size_t before = w->errlen;

	if (e2e_write_file(p->conf, conf, 0644)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", p->conf);
		return -1;
	}
	if (kill(w->pid, SIGHUP)) {
		snprintf(c->why, sizeof(c->why), "SIGHUP: %m");
		return -1;
	}
	for (int waited = 0; waited < 5000; waited += 20) {
		if (before < w->errlen && strstr(w->err + before, done))
			return 0;
		e2e_watch_pump_for(20);
	}
	snprintf(c->why, sizeof(c->why), "no \"%s\" within 5 s of SIGHUP; stderr: %.500s", done,
		 w->err);
	return -1;
}

int daemon_stop(struct e2e_ctx *c, struct e2e_watcher *w)
{
	int ret = e2e_watch_stop(w, c->why, sizeof(c->why));

	e2e_watch_free(w);
	return ret;
}

/* kill -9, as a crash or a power cut would stop it. */
void daemon_kill9(struct e2e_watcher *w)
{
	char why[512];

	kill(w->pid, SIGKILL);
	/* Reaps it and forgets it; its "killed by signal" report is expected. */
	e2e_watch_stop(w, why, sizeof(why));
	e2e_watch_free(w);
}

int query(struct e2e_ctx *c, char *const argv[], char *out, size_t outlen)
{
	char err[4096];
	int status;

	if (e2e_run_cmd(argv, 20000, &status, out, outlen, err, sizeof(err))) {
		snprintf(c->why, sizeof(c->why), "running %s %s: %m", argv[1], argv[2]);
		return -1;
	}
	if (!WIFEXITED(status)) {
		snprintf(c->why, sizeof(c->why), "%s killed by signal %d", argv[1],
			 WTERMSIG(status));
		return -1;
	}
	if (WEXITSTATUS(status) && err[0])
		snprintf(c->why, sizeof(c->why), "%s exit %d: %.300s", argv[1], WEXITSTATUS(status),
			 err);
	return WEXITSTATUS(status);
}

int64_t history_sum(struct e2e_ctx *c, const struct daemon_paths *p, const char *path,
		    const char *op, const char *key)
{
	char *argv[] = { c->env->binary, "history",  (char *)path, "--db",
			 (char *)p->db,	 "--format", "json",	   NULL };
	json_object *o, *events;
	int64_t sum = 0;
	char out[65536];

	if (query(c, argv, out, sizeof(out)) != 0)
		return -1;
	o = json_tokener_parse(out);
	if (!o || !json_object_object_get_ex(o, "events", &events)) {
		snprintf(c->why, sizeof(c->why), "history JSON without events: %.300s", out);
		if (o)
			json_object_put(o);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		const char *eop = e2e_json_str(e, "op");

		if (eop && !strcmp(eop, op))
			sum += key ? e2e_json_int(e, key, 0) : 1;
	}
	json_object_put(o);
	return sum;
}

int check_str(struct e2e_ctx *c, const char *what, const char *got, const char *want)
{
	if (got && !strcmp(got, want))
		return 0;
	snprintf(c->why, sizeof(c->why), "%s: expected \"%s\", got \"%s\"", what, want,
		 got ? got : "(null)");
	return -1;
}

int check_int(struct e2e_ctx *c, const char *what, int64_t got, int64_t want)
{
	if (got == want)
		return 0;
	snprintf(c->why, sizeof(c->why), "%s: expected %lld, got %lld", what, (long long)want,
		 (long long)got);
	return -1;
}

json_object *status_json(struct e2e_ctx *c, const struct daemon_paths *p)
{
	char *argv[] = { c->env->binary, "status", "--status-file", (char *)p->status, "--format",
			 "json",	 NULL };
	char out[8192];
	json_object *o;
	int code = query(c, argv, out, sizeof(out));

	if (code != 0) {
		if (code > 0 && !c->why[0])
			snprintf(c->why, sizeof(c->why), "status exit %d", code);
		return NULL;
	}
	o = json_tokener_parse(out);
	if (!o)
		snprintf(c->why, sizeof(c->why), "status JSON: %.300s", out);
	return o;
}

/* One number from the store. Returns: it, or -1 with c->why. */
long store_count(struct e2e_ctx *c, const char *db, const char *sql)
{
	char out[4096];
	char *argv[] = { "/usr/bin/sqlite3", (char *)db, (char *)sql, NULL };

	if (query(c, argv, out, sizeof(out)) != 0) {
		if (!c->why[0])
			snprintf(c->why, sizeof(c->why), "sqlite3 failed: %s", sql);
		return -1;
	}
	return atol(out);
}
