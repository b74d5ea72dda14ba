// SPDX-License-Identifier: GPL-2.0-or-later
/* The command line: usage errors, a store that cannot be made, and clean stops on signals. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_case.h"

/* `vfsaudit watch @a @b` must exit 2, print nothing on stdout, and name @opt on stderr. */
static int usage_error(struct e2e_ctx *c, const char *a, const char *b, const char *opt)
{
	char *argv[] = { c->env->binary, "watch", (char *)a, (char *)b, NULL };
	char out[4096], err[4096];
	int status;

	if (e2e_run_cmd(argv, 5000, &status, out, sizeof(out), err, sizeof(err))) {
		if (errno == ETIMEDOUT)
			snprintf(c->why, sizeof(c->why), "still running after 5 s (killed)");
		else
			snprintf(c->why, sizeof(c->why), "running vfsaudit watch %s: %m", a);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2) {
		snprintf(c->why, sizeof(c->why),
			 "exit status: expected 2, got %s %d; stderr: %.300s",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), err);
		return -1;
	}
	if (!strstr(err, opt)) {
		snprintf(c->why, sizeof(c->why), "stderr does not name %s: \"%.300s\"", opt, err);
		return -1;
	}
	if (strstr(err, "ready")) {
		snprintf(c->why, sizeof(c->why), "stderr says ready on a usage error: \"%.300s\"",
			 err);
		return -1;
	}
	if (out[0]) {
		snprintf(c->why, sizeof(c->why), "stdout not empty: \"%.200s\"", out);
		return -1;
	}
	return 0;
}

/* `vfsaudit --version`: one line, "vfsaudit " and the commit, exit 0, nothing on stderr. */
static int run_version(struct e2e_ctx *c)
{
	char *argv[] = { c->env->binary, "--version", NULL };
	char out[4096], err[4096];
	size_t len;
	int status;

	if (e2e_run_cmd(argv, 5000, &status, out, sizeof(out), err, sizeof(err))) {
		snprintf(c->why, sizeof(c->why), "running vfsaudit --version: %m");
		return -1;
	}
	len = strlen(out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || err[0]) {
		snprintf(c->why, sizeof(c->why), "status %d, stderr \"%.300s\"", status, err);
		return -1;
	}
	if (strncmp(out, "vfsaudit ", 9) || len < 11 || out[len - 1] != '\n' ||
	    strchr(out, '\n') != out + len - 1 || strchr(out + 9, ' ')) {
		snprintf(c->why, sizeof(c->why),
			 "want one line \"vfsaudit COMMIT\", got \"%.300s\"", out);
		return -1;
	}
	return 0;
}

static int run_bogus(struct e2e_ctx *c)
{
	return usage_error(c, "--bogus", NULL, "--bogus");
}

static int run_bad_ops(struct e2e_ctx *c)
{
	/* The whole help, to its end: it once overran a 256-byte buffer. */
	return usage_error(c, "--ops", "changes,nosuchop",
			   "or groups (changes, reads, exec, all), separated by commas");
}

static int run_relative_path(struct e2e_ctx *c)
{
	return usage_error(c, "--path", "relative", "--path");
}

static int run_bad_dev(struct e2e_ctx *c)
{
	return usage_error(c, "--dev", "x:y", "--dev");
}

static int run_bad_format(struct e2e_ctx *c)
{
	return usage_error(c, "--format", "xml", "--format");
}

static int run_bad_uid(struct e2e_ctx *c)
{
	return usage_error(c, "--uid", "no-such-user-e2e", "--uid");
}

/* A store where no file can be made: run exits 1 naming it, not with the queries' advice. */
static int run_store_uncreatable(struct e2e_ctx *c)
{
	char *argv[] = { c->env->binary,
			 "run",
			 "--config",
			 "/dev/null",
			 "--db",
			 "/proc/vfsaudit-e2e.db",
			 "--status-file",
			 (char *)e2e_dpath(c, "status.json"),
			 NULL };
	char out[4096], err[4096];
	int status;

	if (e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err))) {
		snprintf(c->why, sizeof(c->why), "running vfsaudit run: %m");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 ||
	    !strstr(err, "cannot create the store /proc/vfsaudit-e2e.db") ||
	    strstr(err, "start the daemon") || strstr(err, "ready")) {
		snprintf(c->why, sizeof(c->why),
			 "expected exit 2 and \"cannot create the store "
			 "/proc/vfsaudit-e2e.db\", got %s %d: \"%.300s\"",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), err);
		return -1;
	}
	return 0;
}

/*
 * Settings that cannot work: exit 2 (a usage or configuration error) and
 * a message that says what, before anything runs.
 */
static int run_bad_settings(struct e2e_ctx *c)
{
	char db[PATH_MAX], key[PATH_MAX], status[PATH_MAX], fifo[PATH_MAX], out[4096], err[4096];
	char *bin = c->env->binary;
	struct {
		char *argv[14];
		const char *says;
	} cases[] = {
		{ { bin, "report", "--db", db, "--until", "8d", NULL },
		  "--since is after --until" },
		{ { bin, "history", "--db", db, "", NULL }, "PATH is empty" },
		{ { bin, "history", "--db", db, "--limit", "2000000000", "/etc", NULL },
		  "from 0 to 1073741824" },
		{ { bin, "run", "--config", "/dev/null", "--db", db, "--status-file", status,
		    "--json-log", "/nonexistent-vfsaudit-dir/x.json", NULL },
		  "its directory must exist" },
		{ { bin, "run", "--config", "/dev/null", "--db", db, "--status-file", status,
		    "--json-log", fifo, NULL },
		  "is not a regular file" },
		{ { bin, "run", "--config", "/dev/null", "--db", db, "--status-file",
		    "/nonexistent-vfsaudit-dir/deeper/status.json", NULL },
		  "status file /nonexistent-vfsaudit-dir/deeper/status.json cannot be written: No "
		  "such file" },
		{ { bin, "run", "--config", "/dev/null", "--db", db, "--status-file", status,
		    "--seal-key", "/nonexistent-vfsaudit.key", NULL },
		  "no such file (make it with `vfsaudit setup-keys" },
		{ { bin, "run", "--config", "/dev/null", "--db", db, "--status-file", status,
		    "--seal-key", key, NULL },
		  "its group or others may read or write it" },
	};
	char *setup[] = { bin, "setup-keys", "--db", db, "--seal-key", key, NULL };
	int st;

	snprintf(db, sizeof(db), "%s", e2e_dpath(c, "audit.db"));
	snprintf(key, sizeof(key), "%s", e2e_dpath(c, "audit.key"));
	snprintf(status, sizeof(status), "%s", e2e_dpath(c, "status.json"));
	snprintf(fifo, sizeof(fifo), "%s", e2e_dpath(c, "fifo"));
	if (mkfifo(fifo, 0600)) {
		snprintf(c->why, sizeof(c->why), "mkfifo %s: %m", fifo);
		return -1;
	}
	if (e2e_run_cmd(setup, 10000, &st, out, sizeof(out), err, sizeof(err)) || !WIFEXITED(st) ||
	    WEXITSTATUS(st) || chmod(key, 0644)) {
		snprintf(c->why, sizeof(c->why), "setup-keys: %.300s", err);
		return -1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (e2e_run_cmd(cases[i].argv, 10000, &st, out, sizeof(out), err, sizeof(err)))
			return -1;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 2 || !strstr(err, cases[i].says)) {
			snprintf(c->why, sizeof(c->why),
				 "%s %s ... %s: want exit 2 saying \"%s\", got %d: %.300s",
				 cases[i].argv[1], cases[i].argv[2], cases[i].argv[4],
				 cases[i].says, WIFEXITED(st) ? WEXITSTATUS(st) : -1, err);
			return -1;
		}
	}
	return 0;
}

static int run_signal(struct e2e_ctx *c, int sig)
{
	char *argv[] = { c->env->binary, "watch", "--format", "json", "--path", c->dir, NULL };
	struct e2e_watcher w;
	uint64_t deadline;
	int ret = -1;

	if (e2e_watch_start(&w, "sig", argv, true, c->why, sizeof(c->why)))
		return -1;
	kill(w.pid, sig);
	deadline = e2e_now_ns() + 10ull * 1000000000ull;
	while (e2e_now_ns() < deadline && !w.exited) {
		e2e_watch_pump(20);
		if (waitpid(w.pid, &w.status, WNOHANG) == w.pid)
			w.exited = true;
	}
	if (!w.exited)
		snprintf(c->why, sizeof(c->why), "still running 10 s after %s", strsignal(sig));
	else if (!WIFEXITED(w.status))
		snprintf(c->why, sizeof(c->why), "killed by signal %d instead of exiting",
			 WTERMSIG(w.status));
	else if (WEXITSTATUS(w.status))
		snprintf(c->why, sizeof(c->why), "exit status: expected 0, got %d; stderr: %.300s",
			 WEXITSTATUS(w.status), w.err);
	else
		ret = 0;
	e2e_watch_stop(&w, c->why + strlen(c->why), 0);
	e2e_watch_free(&w);
	return ret;
}

static int run_sigterm(struct e2e_ctx *c)
{
	return run_signal(c, SIGTERM);
}

static int run_sigint(struct e2e_ctx *c)
{
	return run_signal(c, SIGINT);
}

/* Every watcher of the run was stopped with SIGTERM after its last case. */
static int run_all_stopped(struct e2e_ctx *c)
{
	struct e2e_env *env = c->env;
	size_t used = 0;

	for (int i = 1; i < W__COUNT; i++) {
		const char *why = NULL;

		if (!env->started[i])
			continue;
		if (!env->stopped[i])
			why = "was not stopped";
		else if (env->stop_error[i][0])
			why = env->stop_error[i];
		else if (env->w[i].problems[0])
			why = env->w[i].problems;
		if (why && used < sizeof(c->why) - 1)
			used += (size_t)snprintf(c->why + used, sizeof(c->why) - used, "%s%s: %s",
						 used ? "; " : "", env->w[i].name, why);
	}
	return used ? -1 : 0;
}

const struct e2e_case e2e_cases_cli[] = {
	E2E_CASE("version: --version prints the commit it was built from, exit 0", W_NONE, 0, NULL,
		 NULL, NULL, .run = run_version),
	E2E_CASE("usage: watch --bogus exits 2", W_NONE, 0, NULL, NULL, NULL, .run = run_bogus),
	E2E_CASE("usage: watch --ops nosuchop exits 2, with the whole list of ops", W_NONE, 0, NULL,
		 NULL, NULL, .run = run_bad_ops),
	E2E_CASE("usage: watch --path relative exits 2", W_NONE, 0, NULL, NULL, NULL,
		 .run = run_relative_path),
	E2E_CASE("usage: watch --dev x:y exits 2", W_NONE, 0, NULL, NULL, NULL, .run = run_bad_dev),
	E2E_CASE("usage: watch --format xml exits 2", W_NONE, 0, NULL, NULL, NULL,
		 .run = run_bad_format),
	E2E_CASE("usage: watch --uid of an unknown user exits 2", W_NONE, 0, NULL, NULL, NULL,
		 .run = run_bad_uid),
	E2E_CASE("usage: run --db where no file can be made exits 2 and names it", W_NONE, 0, NULL,
		 NULL, NULL, .run = run_store_uncreatable),
	E2E_CASE("usage: report --until before --since, history '', --limit too large, run "
		 "--json-log or --status-file in no directory, --json-log a FIFO, --seal-key "
		 "missing or readable by "
		 "others: exit 2 saying so",
		 W_NONE, 0, NULL, NULL, NULL, .run = run_bad_settings),
	E2E_CASE("signal: SIGTERM stops watch with exit 0", W_NONE, 0, NULL, NULL, NULL,
		 .run = run_sigterm),
	E2E_CASE("signal: SIGINT stops watch with exit 0", W_NONE, 0, NULL, NULL, NULL,
		 .run = run_sigint),
	E2E_CASE("signal: every watcher of this run exited 0 on SIGTERM", W_NONE, 0, NULL, NULL,
		 NULL, .run = run_all_stopped),
};
const size_t e2e_n_cases_cli = sizeof(e2e_cases_cli) / sizeof(e2e_cases_cli[0]);
