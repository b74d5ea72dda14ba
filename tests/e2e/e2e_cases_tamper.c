// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tamper evidence with the real daemon: `setup-keys` makes a key, `run`
 * seals a store of known changes, and `verify --key` finds it intact. Then
 * the store is edited behind the daemon's back with the sqlite3 tool, once
 * while the daemon runs and then on copies in each way the record can be
 * attacked, and `verify` must exit 1 naming the first bad record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "e2e_case.h"

struct sealed {
	char db[PATH_MAX], conf[PATH_MAX], status[PATH_MAX], watched[PATH_MAX];
	char json[PATH_MAX]; /* the JSON log: events and the seals sent out */
	char key[256];
};

/* Run a command; stdout in @out. Returns: its exit code, or -1 with c->why. */
static int run(struct e2e_ctx *c, char *const argv[], char *out, size_t outlen)
{
	char err[4096];
	int status;

	if (e2e_run_cmd(argv, 60000, &status, out, outlen, err, sizeof(err))) {
		snprintf(c->why, sizeof(c->why), "running %s: %m", argv[0]);
		return -1;
	}
	if (!WIFEXITED(status)) {
		snprintf(c->why, sizeof(c->why), "%s %s killed by signal %d", argv[0], argv[1],
			 WTERMSIG(status));
		return -1;
	}
	if (WEXITSTATUS(status))
		snprintf(c->why, sizeof(c->why), "%s %s exit %d: %.500s", argv[0], argv[1],
			 WEXITSTATUS(status), err);
	return WEXITSTATUS(status);
}

static int sql(struct e2e_ctx *c, const char *db, const char *statement, char *out, size_t len)
{
	char *argv[] = { "/usr/bin/sqlite3", (char *)db, (char *)statement, NULL };
	char dummy[256];

	return run(c, argv, out ? out : dummy, out ? len : sizeof(dummy));
}

static int start_daemon(struct e2e_ctx *c, struct sealed *s, struct e2e_watcher *w)
{
	char *argv[] = { c->env->binary, "run",		  "--config", s->conf,	"--db",
			 s->db,		 "--status-file", s->status,  "--path", s->watched,
			 "--json-log",	 s->json,	  NULL };

	memset(w, 0, sizeof(*w));
	return e2e_watch_start(w, "run", argv, false, c->why, sizeof(c->why));
}

static int write_files(struct e2e_ctx *c, struct sealed *s, int from, int n)
{
	char path[PATH_MAX + 32];

	for (int i = from; i < from + n; i++) {
		snprintf(path, sizeof(path), "%s/f%02d", s->watched, i);
		if (e2e_write_file(path, "content\n", 0644)) {
			snprintf(c->why, sizeof(c->why), "writing %s: %m", path);
			return -1;
		}
		usleep(100 * 1000);
	}
	return 0;
}

/* setup-keys, then a daemon that seals every second while 30 files are written. */
static int make_sealed(struct e2e_ctx *c, struct sealed *s, bool tamper_live)
{
	char out[4096];
	struct e2e_watcher w;

	snprintf(s->db, sizeof(s->db), "%s/store/audit.db", c->dir);
	snprintf(s->conf, sizeof(s->conf), "%s/empty.conf", c->dir);
	snprintf(s->status, sizeof(s->status), "%s/status.json", c->dir);
	snprintf(s->watched, sizeof(s->watched), "%s/w", c->dir);
	snprintf(s->json, sizeof(s->json), "%s/events.json", c->dir);
	if (mkdir(s->watched, 0755) || mkdir(e2e_dpath(c, "store"), 0700) ||
	    e2e_write_file(s->conf, "# empty\n", 0644)) {
		snprintf(c->why, sizeof(c->why), "setting up: %m");
		return -1;
	}
	{
		char *argv[] = { c->env->binary, "setup-keys", "--db", s->db,
				 "--interval",	 "1s",	       NULL };

		if (run(c, argv, out, sizeof(out)))
			return -1;
		out[strcspn(out, "\n")] = '\0';
		if (strlen(out) >= sizeof(s->key)) {
			snprintf(c->why, sizeof(c->why), "setup-keys printed no key: %.200s", out);
			return -1;
		}
		memcpy(s->key, out, strlen(out) + 1);
	}
	if (start_daemon(c, s, &w))
		return -1;
	if (write_files(c, s, 0, 15))
		goto fail;
	/* Behind the running daemon's back: the 3rd record says something else now. */
	if (tamper_live && sql(c, s->db, "UPDATE events SET ret = ret + 1 WHERE id = 3", NULL, 0))
		goto fail;
	if (write_files(c, s, 15, 15))
		goto fail;
	return e2e_watch_stop(&w, c->why, sizeof(c->why)) ? -1 : (e2e_watch_free(&w), 0);
fail:
	e2e_watch_stop(&w, out, sizeof(out));
	e2e_watch_free(&w);
	return -1;
}

/* verify --format json [--key]; checks the exit code and the record named. */
static int expect_verify(struct e2e_ctx *c, const struct sealed *s, const char *db, bool keyed,
			 int want_rc, int64_t want_bad, const char *want_words)
{
	char *argv[] = {
		c->env->binary,		"verify",	"--db", (char *)db, "--format", "json",
		keyed ? "--key" : NULL, (char *)s->key, NULL
	};
	char out[8192];
	json_object *o, *v;
	int rc = run(c, argv, out, sizeof(out)), ret = -1;
	const char *problem;

	if (rc != want_rc) {
		snprintf(c->why, sizeof(c->why), "verify exit %d, expected %d: %.600s", rc, want_rc,
			 out);
		return -1;
	}
	o = json_tokener_parse(out);
	if (!o) {
		snprintf(c->why, sizeof(c->why), "verify printed no JSON: %.300s", out);
		return -1;
	}
	problem = e2e_json_str(o, "problem");
	if (want_rc == 0 && e2e_json_int(o, "records", 0) < 30)
		snprintf(c->why, sizeof(c->why), "verify saw too few records: %.300s", out);
	else if (want_rc == 0 && !(json_object_object_get_ex(o, "bad_seq", &v) && !v &&
				   json_object_object_get_ex(o, "problem", &v) && !v &&
				   json_object_object_get_ex(o, "bad_time", &v) && !v))
		snprintf(
			c->why, sizeof(c->why),
			"an intact store's JSON lacks bad_seq, bad_time or problem as null: %.300s",
			out);
	else if (want_rc && e2e_json_int(o, "bad_seq", -1) != want_bad)
		snprintf(c->why, sizeof(c->why), "verify named seq %lld, expected %lld: %.500s",
			 (long long)e2e_json_int(o, "bad_seq", -1), (long long)want_bad, out);
	else if (want_words && (!problem || !strstr(problem, want_words)))
		snprintf(c->why, sizeof(c->why), "verify's problem lacks \"%s\": %.500s",
			 want_words, out);
	else
		ret = 0;
	json_object_put(o);
	return ret;
}

static int64_t sql_int(struct e2e_ctx *c, const char *db, const char *statement)
{
	char out[256];

	if (sql(c, db, statement, out, sizeof(out)))
		return -1;
	return strtoll(out, NULL, 10);
}

/*
 * The last seal in the JSON log: its seq (or -1), the event_seq it names,
 * and the seq of the last event line before it.
 */
static int64_t last_logged_seal(struct e2e_ctx *c, const char *path, int64_t *event_seq,
				int64_t *last_event)
{
	char line[8192];
	int64_t seq = -1, ev = -1;
	FILE *f = fopen(path, "r");

	*event_seq = *last_event = -1;
	if (!f) {
		snprintf(c->why, sizeof(c->why), "%s: %m", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse(line), *seal;

		if (o && json_object_object_get_ex(o, "seal", &seal)) {
			seq = e2e_json_int(seal, "seq", -1);
			*event_seq = e2e_json_int(seal, "event_seq", -1);
			*last_event = ev;
		} else if (o) {
			ev = e2e_json_int(o, "seq", -1);
		}
		json_object_put(o);
	}
	fclose(f);
	return seq;
}

/*
 * The last seal covers the stop row, and went out to the sinks before they
 * closed: a copy off the machine proves the clean stop. It names the last
 * event it covers by the seq the sinks gave that event.
 */
static int expect_stop_sealed_outside(struct e2e_ctx *c, const struct sealed *s)
{
	int64_t stop = sql_int(c, s->db, "SELECT max(id) FROM events WHERE op = 101");
	int64_t sealed = sql_int(c, s->db, "SELECT max(seq) FROM seals");
	int64_t event_seq, last_event,
		logged = last_logged_seal(c, s->json, &event_seq, &last_event);

	if (stop <= 0 || sealed != stop || logged != stop) {
		snprintf(c->why, sizeof(c->why),
			 "stop row %lld, last seal in the store %lld, last in the JSON log %lld: "
			 "want all three equal",
			 (long long)stop, (long long)sealed, (long long)logged);
		return -1;
	}
	if (event_seq <= 0 || event_seq != last_event) {
		snprintf(
			c->why, sizeof(c->why),
			"the last seal names event_seq %lld, the last event before it has seq %lld",
			(long long)event_seq, (long long)last_event);
		return -1;
	}
	return 0;
}

struct attack {
	const char *what, *sql;
	/* The seq verify must name: a number, or a query for it (on the untouched store). */
	int64_t bad;
	const char *bad_sql;
	const char *words;
};

static int run_tamper(struct e2e_ctx *c)
{
	static const struct attack attacks[] = {
		{ "a path renamed in the paths table",
		  "UPDATE paths SET path = CAST('/etc/shadow' AS BLOB) WHERE id ="
		  " (SELECT path FROM events WHERE id = 12)",
		  0,
		  "SELECT min(id) FROM events WHERE path = (SELECT path FROM events WHERE id = 12)",
		  "changed, inserted or moved" },
		{ "a user changed",
		  "UPDATE procs SET uid = 4242 WHERE id = (SELECT proc FROM events"
		  " WHERE id = 10)",
		  0,
		  "SELECT min(id) FROM events WHERE proc = (SELECT proc FROM events WHERE id = 10)",
		  "changed" },
		{ "a row deleted", "DELETE FROM events WHERE id = 8", 8, NULL, "missing" },
		{ "a row inserted",
		  "UPDATE events SET id = -id WHERE id >= 9; UPDATE events SET id = 1 - id WHERE "
		  "id < 0;"
		  " UPDATE extra SET id = -id WHERE id >= 9; UPDATE extra SET id = 1 - id WHERE id "
		  "< 0;"
		  " INSERT INTO events SELECT 9, ts, op,"
		  " path, proc, obj, ret, count, bytes, flags, link FROM events WHERE id = 8",
		  9, NULL, NULL },
		{ "two rows swapped",
		  "UPDATE events SET id = -1 WHERE id = 6; UPDATE events SET id = 6 WHERE id = 7;"
		  " UPDATE events SET id = 7 WHERE id = -1",
		  6, NULL, NULL },
		{ "cut short after the last seal",
		  "DELETE FROM events WHERE id > (SELECT max(seq) - 3 FROM seals);"
		  " DELETE FROM chain WHERE id > (SELECT max(seq) - 3 FROM seals)",
		  0, "SELECT max(seq) - 2 FROM seals", "cut short" },
		{ "a seal replaced", "UPDATE seals SET mac = randomblob(32) WHERE id = 2", 0,
		  "SELECT seq FROM seals WHERE id = 2", "not authentic" },
		{ "old records removed by hand", "DELETE FROM events WHERE id <= 5", 5, NULL,
		  NULL },
	};
	struct sealed s;
	char copy[PATH_MAX + 16], cmd[4 * PATH_MAX];

	if (make_sealed(c, &s, false) || expect_verify(c, &s, s.db, true, 0, 0, NULL) ||
	    expect_verify(c, &s, s.db, false, 0, 0, NULL) || expect_stop_sealed_outside(c, &s))
		return -1;
	snprintf(copy, sizeof(copy), "%s/copy.db", c->dir);
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct attack *a = &attacks[i];
		int64_t bad = a->bad_sql ? sql_int(c, s.db, a->bad_sql) : a->bad;
		char *sh[] = { "/bin/sh", "-c", cmd, NULL };
		char out[256];

		snprintf(cmd, sizeof(cmd), "rm -f '%s'* && cp '%s' '%s'", copy, s.db, copy);
		if (bad <= 0 || run(c, sh, out, sizeof(out)) || sql(c, copy, a->sql, NULL, 0) ||
		    expect_verify(c, &s, copy, true, 1, bad, a->words)) {
			size_t n = strlen(c->why);

			snprintf(c->why + n, sizeof(c->why) - n, " [attack: %s]", a->what);
			return -1;
		}
	}
	return 0;
}

static int run_tamper_live(struct e2e_ctx *c)
{
	struct sealed s;

	if (make_sealed(c, &s, true))
		return -1;
	return expect_verify(c, &s, s.db, true, 1, 3, "changed");
}

static int run_setup_keys_refuses(struct e2e_ctx *c)
{
	char db[PATH_MAX + 16], out[1024];
	char *argv[] = { c->env->binary, "setup-keys", "--db", db, NULL };
	char *bad_interval[] = { c->env->binary, "setup-keys", "--db", db,
				 "--interval",	 "soon",       NULL };
	char *bad_key[] = { c->env->binary, "verify", "--db", db, "--key", "not-a-key", NULL };

	snprintf(db, sizeof(db), "%s/audit.db", c->dir);
	if (run(c, argv, out, sizeof(out)) != 0)
		return -1;
	/* A second run would orphan the seals made with the first key. */
	if (run(c, argv, out, sizeof(out)) != 2 || !strstr(c->why, "--force")) {
		snprintf(c->why, sizeof(c->why), "a second setup-keys was not refused with exit 2");
		return -1;
	}
	if (run(c, bad_interval, out, sizeof(out)) != 2 || !strstr(c->why, "--interval")) {
		snprintf(c->why, sizeof(c->why), "a bad --interval was not refused naming it");
		return -1;
	}
	if (run(c, bad_key, out, sizeof(out)) != 2 || !strstr(c->why, "--key")) {
		snprintf(c->why, sizeof(c->why), "a bad --key was not refused naming it");
		return -1;
	}
	return 0;
}

const struct e2e_case e2e_cases_tamper[] = {
	{ .name = "tamper: a sealed store verifies; each attack on a copy is named",
	  .run = run_tamper },
	{ .name = "tamper: a row changed while the daemon runs is named", .run = run_tamper_live },
	{ .name = "tamper: setup-keys and verify refuse bad use with exit 2",
	  .run = run_setup_keys_refuses },
};
const size_t e2e_n_cases_tamper = sizeof(e2e_cases_tamper) / sizeof(e2e_cases_tamper[0]);
