// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sinks of the real daemon (`vfsaudit run`): known changes made in a
 * scratch directory, read back from a test syslog socket (RFC 5424, field
 * by field), from the JSON log (and again after logrotate's move and a
 * SIGHUP), and from a real rsyslogd of the test's own (scratch config,
 * loopback ports, no system syslog touched) over TCP, UDP and its local
 * socket. Then the promise of the remote sink: rsyslogd restarted in the
 * middle of a stream, down for 5 s, gets every event exactly once; and a
 * peer that never comes, with no spool file: the loss is counted in status
 * and recorded in the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_case.h"
#include "../unit/sd_parse.h"

#define RSYSLOGD "/usr/sbin/rsyslogd"
#define SD_ID	 "vfsaudit@32473"
#define COMM	 "e2e-sinks"

/* A name no syslog line should be forged from: quote, bracket, backslash, newline, bad UTF-8. */
#define HOSTILE	    "x\"]\\\ny\xff"
#define HOSTILE_ESC "x\"]\\\\\\ny\\xff" /* the text form's spelling */

struct sinkd {
	struct e2e_watcher w;
	char db[PATH_MAX], status[PATH_MAX], conf[PATH_MAX], watched[PATH_MAX];
};

/* Start `vfsaudit run` on D/w with a scratch store and the sink options in @extra. */
static int sinkd_start(struct e2e_ctx *c, struct sinkd *d, const char *const *extra)
{
	char *argv[40];
	int n = 0;

	snprintf(d->db, sizeof(d->db), "%s/store/audit.db", c->dir);
	snprintf(d->status, sizeof(d->status), "%s/status.json", c->dir);
	snprintf(d->conf, sizeof(d->conf), "%s/empty.conf", c->dir);
	snprintf(d->watched, sizeof(d->watched), "%s/w", c->dir);
	if ((mkdir(d->watched, 0755) && errno != EEXIST) ||
	    (access(d->conf, F_OK) && e2e_write_file(d->conf, "# empty\n", 0644))) {
		snprintf(c->why, sizeof(c->why), "setting up %s: %m", c->dir);
		return -1;
	}
	argv[n++] = c->env->binary;
	argv[n++] = "run";
	argv[n++] = "--config";
	argv[n++] = d->conf;
	argv[n++] = "--db";
	argv[n++] = d->db;
	argv[n++] = "--status-file";
	argv[n++] = d->status;
	argv[n++] = "--path";
	argv[n++] = d->watched;
	for (int i = 0; extra[i] && n < 39; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	return e2e_watch_start(&d->w, "run", argv, false, c->why, sizeof(c->why));
}

static int sinkd_stop(struct e2e_ctx *c, struct sinkd *d)
{
	int ret = e2e_watch_stop(&d->w, c->why, sizeof(c->why));

	e2e_watch_free(&d->w);
	return ret;
}

/* `vfsaudit status --format json`. Returns: the object (put it), or NULL with c->why. */
static json_object *sinkd_status(struct e2e_ctx *c, struct sinkd *d)
{
	char *argv[] = { c->env->binary, "status", "--status-file", d->status, "--format",
			 "json",	 NULL };
	char out[16384], err[4096];
	json_object *o;
	int status;

	if (e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err)) ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why), "vfsaudit status failed: %.300s", err);
		return NULL;
	}
	o = json_tokener_parse(out);
	if (!o)
		snprintf(c->why, sizeof(c->why), "status JSON does not parse: %.300s", out);
	return o;
}

/* The status of sink @name ("syslog", "syslog_remote", "json_log"), or NULL. */
static json_object *sink_status(json_object *st, const char *name)
{
	json_object *sinks, *s;

	if (!st || !json_object_object_get_ex(st, "sinks", &sinks) ||
	    !json_object_object_get_ex(sinks, name, &s))
		return NULL;
	return s;
}

/* Run @fn in a child named COMM (so its events are recognisable); wait. Returns: its pid or -1. */
static pid_t run_child(struct e2e_ctx *c, void (*fn)(struct e2e_ctx *), bool wait_for_it)
{
	int status;
	pid_t p = fork();

	if (p < 0) {
		snprintf(c->why, sizeof(c->why), "fork: %m");
		return -1;
	}
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, COMM);
		umask(022);
		fn(c);
		_exit(0);
	}
	if (!wait_for_it)
		return p;
	waitpid(p, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why), "child failed (status %d)", status);
		return -1;
	}
	return p;
}

static int bind_dgram(struct e2e_ctx *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(c->why, sizeof(c->why), "socket path too long: %s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(c->why, sizeof(c->why), "bind %s: %m", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Reads a whole file (NUL-terminated, malloc'd), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			char *nb = realloc(buf, cap + 262144);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 262144;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		n += r;
		if (!r)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Wait up to @ms for @path to hold at least @lines lines, pumping other watchers. */
static size_t wait_lines(const char *path, size_t lines, int ms)
{
	uint64_t until = e2e_now_ns() + (uint64_t)ms * 1000000ull;
	size_t n = 0;

	for (;;) {
		char *s = slurp(path, NULL);

		n = count_lines(s);
		free(s);
		if (n >= lines || e2e_now_ns() > until)
			return n;
		e2e_watch_pump_for(50);
	}
}

/*
 * The event and seal lines of a JSON log, parsed: a JSON array (put it), or
 * NULL with c->why. Its run lines are checked and
 * left out: a start line opens a run's lines (the file's first line,
 * unless logrotate moved the run's beginning away), and a stop line names
 * the seq of the run's last event line before it.
 */
static json_object *read_json_log(struct e2e_ctx *c, const char *path)
{
	char *s = slurp(path, NULL), *line, *save = NULL;
	long long last_seq = -1;
	json_object *arr, *run;

	if (!s) {
		snprintf(c->why, sizeof(c->why), "cannot read %s: %m", path);
		return NULL;
	}
	arr = json_object_new_array();
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line);
		bool bad = !o;

		if (o && json_object_object_get_ex(o, "start", &run)) {
			/* Runs append to the file: each numbers its events anew. */
			bad = e2e_json_int(run, "pid", -1) <= 0 || !e2e_json_str(run, "ts");
			last_seq = -1;
		} else if (o && json_object_object_get_ex(o, "stop", &run)) {
			bad = e2e_json_int(run, "last_seq", -2) != last_seq && last_seq >= 0;
		} else if (o) {
			if (e2e_json_int(o, "seq", -1) >= 0)
				last_seq = e2e_json_int(o, "seq", -1);
			json_object_array_add(arr, o);
			o = NULL;
		}
		if (bad) {
			snprintf(c->why, sizeof(c->why), "%s: not JSON or a wrong run line: %.200s",
				 path, line);
			json_object_put(o);
			json_object_put(arr);
			free(s);
			return NULL;
		}
		json_object_put(o);
	}
	free(s);
	return arr;
}

/*
 * The JSON log at @path ends with a run's stop line naming the seq of its
 * last event line, the @events-th of the run. Returns: true, or false with c->why.
 */
static bool ends_with_stop(struct e2e_ctx *c, const char *path, long long events)
{
	char *s = slurp(path, NULL), *last;
	json_object *o = NULL, *run;
	bool ok = false;

	if (s && (last = strrchr(s, '\n')) && last > s) {
		*last = '\0';
		last = strrchr(s, '\n');
		o = json_tokener_parse(last ? last + 1 : s);
	}
	ok = o && json_object_object_get_ex(o, "stop", &run) &&
	     e2e_json_int(run, "last_seq", -1) >= events;
	if (!ok)
		snprintf(c->why, sizeof(c->why), "%s: no stop line naming seq %lld or after at its end",
			 path, events);
	json_object_put(o);
	free(s);
	return ok;
}

/* Field checks with a message naming the message and the field. */
static int want_str(struct e2e_ctx *c, const char *what, const char *key, const char *got,
		    const char *want)
{
	if (got && !strcmp(got, want))
		return 0;
	snprintf(c->why, sizeof(c->why), "%.64s: %.32s: expected \"%.2000s\", got \"%.2000s\"",
		 what, key, want, got ? got : "(absent)");
	return -1;
}

static int want_sd(struct e2e_ctx *c, const struct sd_msg *m, const char *key, const char *want)
{
	char what[64];

	snprintf(what, sizeof(what), "syslog %s", m->msgid);
	return want_str(c, what, key, sd_get(m, SD_ID, key), want);
}

static int want_sd_int(struct e2e_ctx *c, const struct sd_msg *m, const char *key, long long want)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", want);
	return want_sd(c, m, key, buf);
}

/* The fields every event of the child carries: who, which file. */
static int check_common(struct e2e_ctx *c, const struct sd_msg *m, pid_t child,
			const struct stat *st)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "%u:%u", major(st->st_dev), minor(st->st_dev));
	return want_sd_int(c, m, "pid", child) || want_sd_int(c, m, "tid", child) ||
	       want_sd_int(c, m, "ppid", c->env->pid) || want_sd_int(c, m, "uid", 0) ||
	       want_sd_int(c, m, "euid", 0) || want_sd_int(c, m, "gid", 0) ||
	       want_sd(c, m, "comm", COMM) || want_sd(c, m, "exe", c->env->self_exe) ||
	       want_sd(c, m, "dev", dev) || want_sd_int(c, m, "ino", (long long)st->st_ino) ||
	       want_sd(c, m, "ftype", "file") ||
	       want_sd_int(c, m, "mntns", (long long)c->env->mntns);
}

/* "O_WRONLY,O_CREAT,..." holds each of the space-separated @want. */
static int want_flags(struct e2e_ctx *c, const struct sd_msg *m, const char *want)
{
	const char *got = sd_get(m, SD_ID, "flags");
	char w[128], *tok, *save = NULL, list[512];

	snprintf(list, sizeof(list), ",%s,", got ? got : "");
	snprintf(w, sizeof(w), "%s", want);
	for (tok = strtok_r(w, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char needle[64];

		snprintf(needle, sizeof(needle), ",%s,", tok);
		if (!strstr(list, needle)) {
			snprintf(c->why, sizeof(c->why), "syslog %s: flags \"%s\" lack %s",
				 m->msgid, got ? got : "(absent)", tok);
			return -1;
		}
	}
	return 0;
}

static void create_and_write(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "w/f"), O_CREAT | O_WRONLY | O_EXCL, 0644);

	if (fd < 0 || write(fd, "hello", 5) != 5)
		_exit(1);
	close(fd);
}

static void rename_and_chmod(struct e2e_ctx *c)
{
	if (rename(e2e_dpath(c, "w/f"), e2e_dpath(c, "w/" HOSTILE)) ||
	    chmod(e2e_dpath(c, "w/" HOSTILE), 0600))
		_exit(1);
}

static void create_g(struct e2e_ctx *c)
{
	if (e2e_write_file(e2e_dpath(c, "w/g"), "again\n", 0644))
		_exit(1);
}

/*
 * Datagrams from @fd until @n of them came from @child (up to 5 s), parsed.
 * Returns: how many, with the raw text kept for the message check.
 */
static int recv_msgs(struct e2e_ctx *c, int fd, pid_t child, struct sd_msg *m, char (*raw)[8192],
		     int n)
{
	uint64_t until = e2e_now_ns() + 5000000000ull;
	int got = 0;

	while (got < n && e2e_now_ns() < until) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t len;

		e2e_watch_pump(0);
		if (poll(&p, 1, 50) <= 0)
			continue;
		len = recv(fd, raw[got], sizeof(raw[got]) - 1, 0);
		if (len <= 0)
			continue;
		raw[got][len] = '\0';
		if (sd_parse(raw[got], (size_t)len, &m[got])) {
			snprintf(c->why, sizeof(c->why), "not RFC 5424 (%s): %.300s", m[got].why,
				 raw[got]);
			return -1;
		}
		if (!sd_get(&m[got], SD_ID, "pid") || atoi(sd_get(&m[got], SD_ID, "pid")) != child)
			continue;
		got++;
	}
	return got;
}

/*
 * Local syslog through a test socket (RFC 5424, a chosen facility and tag)
 * and the JSON log, with the same changes; then logrotate's move and SIGHUP.
 */
static int run_local_and_json(struct e2e_ctx *c)
{
	char sock[PATH_MAX], json[PATH_MAX], moved[PATH_MAX];
	const char *extra[] = { "--syslog=local3.notice",
				"--syslog-format",
				"5424",
				"--syslog-tag",
				"vfsaudit-e2e",
				"--syslog-socket",
				sock,
				"--json-log",
				json,
				NULL };
	static const char *const ops[] = { "create", "write", "rename", "chmod" };
	struct sd_msg *m = calloc(4, sizeof(*m));
	char(*raw)[8192] = calloc(4, sizeof(*raw));
	struct sinkd d;
	struct stat st;
	json_object *arr = NULL, *stj = NULL;
	pid_t p1, p2;
	int fd = -1, ret = -1, n;
	char want[PATH_MAX * 2];

	snprintf(sock, sizeof(sock), "%s/log.sock", c->dir);
	snprintf(json, sizeof(json), "%s/events.json", c->dir);
	snprintf(moved, sizeof(moved), "%s/events.json.1", c->dir);
	if (!m || !raw)
		goto out;
	fd = bind_dgram(c, sock);
	if (fd < 0 || sinkd_start(c, &d, extra))
		goto out;
	p1 = run_child(c, create_and_write, true);
	if (p1 < 0 || stat(e2e_dpath(c, "w/f"), &st))
		goto stop;
	p2 = run_child(c, rename_and_chmod, true);
	if (p2 < 0)
		goto stop;
	/* Both children are one test process's forks: their events come in this order. */
	n = recv_msgs(c, fd, p1, m, raw, 2);
	if (n >= 0 && n < 2)
		snprintf(c->why, sizeof(c->why), "%d of 2 syslog messages from the first child", n);
	if (n < 2)
		goto stop;
	n = recv_msgs(c, fd, p2, m + 2, raw + 2, 2);
	if (n >= 0 && n < 2)
		snprintf(c->why, sizeof(c->why), "%d of 2 syslog messages from the second child",
			 n);
	if (n < 2)
		goto stop;
	for (int i = 0; i < 4; i++) {
		pid_t who = i < 2 ? p1 : p2;

		if (m[i].pri != 19 * 8 + 5) {
			snprintf(c->why, sizeof(c->why), "PRI %d, want 157 (local3.notice): %.200s",
				 m[i].pri, raw[i]);
			goto stop;
		}
		if (want_str(c, "syslog", "APP-NAME", m[i].app, "vfsaudit-e2e") ||
		    want_str(c, "syslog", "MSGID", m[i].msgid, ops[i]) ||
		    want_sd(c, &m[i], "op", ops[i]) || check_common(c, &m[i], who, &st) ||
		    (i && want_sd_int(c, &m[i], "ret", i == 1 ? 5 : 0)))
			goto stop;
		/* create returns the descriptor, whatever number it got */
		if (!sd_get(&m[i], SD_ID, "ret") || atoi(sd_get(&m[i], SD_ID, "ret")) < 0 ||
		    sd_get(&m[i], SD_ID, "error")) {
			snprintf(c->why, sizeof(c->why), "%s failed: %.300s", ops[i], raw[i]);
			goto stop;
		}
		snprintf(want, sizeof(want), "%d", d.w.pid);
		if (want_str(c, "syslog", "PROCID", m[i].procid, want))
			goto stop;
		/* Consecutive: nothing else happened in D/w, and nothing was lost. */
		if (i && atoll(sd_get(&m[i], SD_ID, "seq")) !=
				 atoll(sd_get(&m[i - 1], SD_ID, "seq")) + 1) {
			snprintf(c->why, sizeof(c->why), "seq %s after %s",
				 sd_get(&m[i], SD_ID, "seq"), sd_get(&m[i - 1], SD_ID, "seq"));
			goto stop;
		}
	}
	if (want_sd(c, &m[0], "path", e2e_dpath(c, "w/f")) ||
	    want_flags(c, &m[0], "O_WRONLY O_CREAT O_EXCL") ||
	    want_sd(c, &m[1], "path", e2e_dpath(c, "w/f")) || want_sd_int(c, &m[1], "count", 1) ||
	    want_sd_int(c, &m[1], "bytes", 5) || want_sd(c, &m[2], "path", e2e_dpath(c, "w/f")) ||
	    want_sd(c, &m[2], "new_path", e2e_dpath(c, "w/" HOSTILE_ESC)) ||
	    want_sd(c, &m[3], "path", e2e_dpath(c, "w/" HOSTILE_ESC)) ||
	    want_sd(c, &m[3], "mode", "0600"))
		goto stop;
	/* The message text is the text form, one line whatever the name. */
	snprintf(want, sizeof(want), "create: " COMM "(%d,0) %s", p1, e2e_dpath(c, "w/f"));
	if (want_str(c, "syslog create", "MSG", m[0].msg, want))
		goto stop;
	snprintf(want, sizeof(want), "rename: " COMM "(%d,0) %s -> %s", p2, e2e_dpath(c, "w/f"),
		 e2e_dpath(c, "w/" HOSTILE_ESC));
	if (want_str(c, "syslog rename", "MSG", m[2].msg, want))
		goto stop;

	/* The JSON log: the same events, the same seq, written within a second or so. */
	wait_lines(json, 5, 3000); /* the run's start line, then 4 events */
	if (stat(json, &st) || (st.st_mode & 07777) != 0600) {
		snprintf(c->why, sizeof(c->why), "%s: missing or not mode 0600", json);
		goto stop;
	}
	arr = read_json_log(c, json);
	if (!arr)
		goto stop;
	if (json_object_array_length(arr) != 4) {
		snprintf(c->why, sizeof(c->why), "JSON log: %zu lines, want 4",
			 json_object_array_length(arr));
		goto stop;
	}
	for (int i = 0; i < 4; i++) {
		json_object *e = json_object_array_get_idx(arr, (size_t)i);
		char what[32];

		snprintf(what, sizeof(what), "JSON log line %d", i + 1);
		if (want_str(c, what, "op", e2e_json_str(e, "op"), ops[i]) ||
		    e2e_json_int(e, "seq", -1) != atoll(sd_get(&m[i], SD_ID, "seq")) ||
		    e2e_json_int(e, "pid", -1) != (i < 2 ? p1 : p2) ||
		    want_str(c, what, "comm", e2e_json_str(e, "comm"), COMM)) {
			if (!c->why[0])
				snprintf(c->why, sizeof(c->why), "%s: seq or pid differ: %s", what,
					 json_object_to_json_string(e));
			goto stop;
		}
	}
	{
		/* the exact bytes of the hostile name, as SPEC's *_hex */
		char hex[PATH_MAX * 2] = "";
		const char *name = e2e_dpath(c, "w/" HOSTILE);

		for (size_t i = 0; name[i]; i++)
			snprintf(hex + 2 * i, 3, "%02x", (unsigned char)name[i]);
		if (want_str(c, "JSON log rename", "new_path_hex",
			     e2e_json_str(json_object_array_get_idx(arr, 2), "new_path_hex"), hex))
			goto stop;
	}

	/* logrotate: move, SIGHUP; the next events go to a new file. */
	if (rename(json, moved) || kill(d.w.pid, SIGHUP)) {
		snprintf(c->why, sizeof(c->why), "rename/kill: %m");
		goto stop;
	}
	e2e_watch_pump_for(300);
	if (run_child(c, create_g, true) < 0)
		goto stop;
	/* create, write, chmod of g */
	if (wait_lines(json, 3, 3000) != 3 || wait_lines(moved, 5, 0) != 5) {
		snprintf(c->why, sizeof(c->why),
			 "after SIGHUP: %zu lines in the new file (want 3), "
			 "%zu in the moved one (want 5: the start line and 4 events)",
			 wait_lines(json, 3, 0), wait_lines(moved, 5, 0));
		goto stop;
	}
	e2e_watch_pump_for(1100); /* the status file is rewritten every second */
	stj = sinkd_status(c, &d);
	if (!stj)
		goto stop;
	if (e2e_json_int(sink_status(stj, "syslog"), "sent", -1) != 7 ||
	    e2e_json_int(sink_status(stj, "syslog"), "lost", -1) != 0 ||
	    e2e_json_int(sink_status(stj, "json_log"), "sent", -1) != 7 ||
	    e2e_json_int(sink_status(stj, "json_log"), "lost", -1) != 0) {
		snprintf(c->why, sizeof(c->why), "status sinks: %.400s",
			 json_object_to_json_string(sink_status(stj, "syslog")));
		goto stop;
	}
	ret = 0;
stop:
	if (sinkd_stop(c, &d) && !ret)
		ret = -1;
	/* The run went on in the new file, and its stop line ends it there. */
	if (!ret && !ends_with_stop(c, json, 7))
		ret = -1;
out:
	if (fd >= 0)
		close(fd);
	json_object_put(arr);
	json_object_put(stj);
	free(m);
	free(raw);
	return ret;
}

/* A loopback port nobody uses now. */
static int free_port(int type)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* The test's own rsyslogd: TCP, UDP and a local socket, each into its own file. */
struct rsys {
	pid_t pid;
	int tcp, udp;
	char dir[600], conf[PATH_MAX], pidfile[PATH_MAX], sock[PATH_MAX];
	char tcp_log[PATH_MAX], udp_log[PATH_MAX], local_log[PATH_MAX], out[PATH_MAX];
};

static int rsys_setup(struct e2e_ctx *c, struct rsys *r)
{
	char text[32768];

	memset(r, 0, sizeof(*r));
	if (access(RSYSLOGD, X_OK)) {
		snprintf(c->why, sizeof(c->why), "%s not found: install rsyslog (scripts/setup)",
			 RSYSLOGD);
		return -1;
	}
	snprintf(r->dir, sizeof(r->dir), "%s/rs", c->dir);
	snprintf(r->conf, sizeof(r->conf), "%s/rsyslog.conf", r->dir);
	snprintf(r->pidfile, sizeof(r->pidfile), "%s/rsyslogd.pid", r->dir);
	snprintf(r->sock, sizeof(r->sock), "%s/log.sock", r->dir);
	snprintf(r->tcp_log, sizeof(r->tcp_log), "%s/tcp.log", r->dir);
	snprintf(r->udp_log, sizeof(r->udp_log), "%s/udp.log", r->dir);
	snprintf(r->local_log, sizeof(r->local_log), "%s/local.log", r->dir);
	snprintf(r->out, sizeof(r->out), "%s/rsyslogd.out", r->dir);
	r->tcp = free_port(SOCK_STREAM);
	r->udp = free_port(SOCK_DGRAM);
	if (mkdir(r->dir, 0700) || r->tcp < 0 || r->udp < 0) {
		snprintf(c->why, sizeof(c->why), "rsyslog setup in %s: %m", r->dir);
		return -1;
	}
	/*
	 * Defaults everywhere else: the message size limit and, for the
	 * local socket, the parser that a distribution's rsyslog uses there.
	 */
	snprintf(text, sizeof(text),
		 "global(workDirectory=\"%s\")\n"
		 "module(load=\"imtcp\")\n"
		 "module(load=\"imudp\")\n"
		 "module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
		 "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%d\" ruleset=\"tcp\")\n"
		 "input(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\" ruleset=\"udp\")\n"
		 "input(type=\"imuxsock\" Socket=\"%s\" ruleset=\"local\")\n"
		 "template(name=\"raw\" type=\"string\" string=\"%%rawmsg%%\\n\")\n"
		 "template(name=\"local\" type=\"string\""
		 " string=\"%%pri%%|%%syslogtag%%|%%msg%%\\n\")\n"
		 "ruleset(name=\"tcp\") { action(type=\"omfile\" file=\"%s\" template=\"raw\") }\n"
		 "ruleset(name=\"udp\") { action(type=\"omfile\" file=\"%s\" template=\"raw\") }\n"
		 "ruleset(name=\"local\") { action(type=\"omfile\" file=\"%s\" template=\"local\") "
		 "}\n",
		 r->dir, r->tcp, r->udp, r->sock, r->tcp_log, r->udp_log, r->local_log);
	if (e2e_write_file(r->conf, text, 0600)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", r->conf);
		return -1;
	}
	return 0;
}

/* Start it and wait until it accepts on TCP. */
static int rsys_start(struct e2e_ctx *c, struct rsys *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons((uint16_t)r->tcp) };
	uint64_t until = e2e_now_ns() + 10000000000ull;

	unlink(r->pidfile);
	r->pid = fork();
	if (r->pid < 0) {
		snprintf(c->why, sizeof(c->why), "fork: %m");
		return -1;
	}
	if (r->pid == 0) {
		int fd = open(r->out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execl(RSYSLOGD, RSYSLOGD, "-n", "-f", r->conf, "-i", r->pidfile, (char *)NULL);
		_exit(127);
	}
	while (e2e_now_ns() < until) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

		ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (fd >= 0)
			close(fd);
		if (ok && !access(r->sock, F_OK))
			return 0;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid)
			break;
		e2e_watch_pump_for(50);
	}
	{
		char *out = slurp(r->out, NULL);

		snprintf(c->why, sizeof(c->why), "rsyslogd did not start listening: %.400s",
			 out ? out : "");
		free(out);
	}
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
	return -1;
}

/* SIGTERM, as `systemctl stop rsyslog`: it writes what it has and exits. */
static void rsys_stop(struct rsys *r)
{
	uint64_t until = e2e_now_ns() + 10000000000ull;

	if (r->pid <= 0)
		return;
	kill(r->pid, SIGTERM);
	while (waitpid(r->pid, NULL, WNOHANG) != r->pid) {
		if (e2e_now_ns() > until) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
			break;
		}
		e2e_watch_pump_for(20);
	}
	r->pid = 0;
}

/*
 * The lines rsyslog wrote, parsed as RFC 5424, into @m (at most @max).
 * Returns: how many, or -1 with c->why for a line that does not parse.
 */
static int parse_log(struct e2e_ctx *c, const char *path, struct sd_msg *m, int max)
{
	char *s = slurp(path, NULL), *line, *save = NULL;
	int n = 0;

	if (!s)
		return 0;
	for (line = strtok_r(s, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
		if (sd_parse(line, strlen(line), &m[n])) {
			snprintf(c->why, sizeof(c->why), "%s: not RFC 5424 (%s): %.300s", path,
				 m[n].why, line);
			free(s);
			return -1;
		}
		n++;
	}
	free(s);
	return n;
}

/*
 * Every event of the JSON log @arr in rsyslog's @log once: no seq twice, none
 * missing, none foreign. Parses a line at a time (a message holds 64 KiB).
 */
static int every_event_once(struct e2e_ctx *c, json_object *arr, const char *log)
{
	size_t events = json_object_array_length(arr), got = 0;
	int64_t first = e2e_json_int(json_object_array_get_idx(arr, 0), "seq", -1);
	unsigned char *seen = calloc(events + 1, 1);
	struct sd_msg *m = malloc(sizeof(*m));
	char *text = slurp(log, NULL), *line, *save = NULL;
	int ret = -1;

	if (!seen || !m || !text) {
		snprintf(c->why, sizeof(c->why), "%s: nothing arrived (%m)", log);
		goto out;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *sq;
		int64_t k;

		if (sd_parse(line, strlen(line), m)) {
			snprintf(c->why, sizeof(c->why), "%s: not RFC 5424 (%s): %.300s", log,
				 m->why, line);
			goto out;
		}
		sq = sd_get(m, SD_ID, "seq");
		k = sq ? atoll(sq) - first : -1;
		if (k < 0 || k >= (int64_t)events) {
			snprintf(c->why, sizeof(c->why), "rsyslog got seq %s, not in the JSON log",
				 sq ? sq : "(none)");
			goto out;
		}
		if (seen[k]++) {
			snprintf(c->why, sizeof(c->why), "rsyslog got seq %s twice", sq);
			goto out;
		}
		got++;
	}
	for (size_t k = 0; k < events; k++) {
		if (!seen[k]) {
			snprintf(c->why, sizeof(c->why),
				 "%zu of %zu events arrived; lost: seq %lld (%.300s)", got, events,
				 (long long)(first + (int64_t)k),
				 json_object_to_json_string(json_object_array_get_idx(arr, k)));
			goto out;
		}
	}
	ret = 0;
out:
	free(text);
	free(m);
	free(seen);
	return ret;
}

/* The JSON log's events against rsyslog's copies: the same seq, op, path, pid and inode. */
static int match_json(struct e2e_ctx *c, json_object *arr, struct sd_msg *m, int n, const char *via)
{
	size_t len = json_object_array_length(arr);

	if ((size_t)n != len) {
		snprintf(c->why, sizeof(c->why), "%s: %d messages, the JSON log has %zu events",
			 via, n, len);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, (size_t)i);
		char what[64];

		snprintf(what, sizeof(what), "%s message %d", via, i + 1);
		if (m[i].pri != 14 || strcmp(m[i].app, "vfsaudit") ||
		    strcmp(m[i].msgid, e2e_json_str(e, "op")) ||
		    atoll(sd_get(&m[i], SD_ID, "seq")) != e2e_json_int(e, "seq", -1) ||
		    atoll(sd_get(&m[i], SD_ID, "pid")) != e2e_json_int(e, "pid", -1) ||
		    atoll(sd_get(&m[i], SD_ID, "ino")) != e2e_json_int(e, "ino", -1) ||
		    strcmp(sd_get(&m[i], SD_ID, "comm"), e2e_json_str(e, "comm"))) {
			snprintf(c->why, sizeof(c->why), "%s differs from the JSON log's %s", what,
				 json_object_to_json_string(e));
			return -1;
		}
	}
	return 0;
}

/*
 * A real rsyslogd: RFC 5424 over TCP (octet counting) and UDP, and the
 * local default (RFC 3164) through its own imuxsock, parsed by its stock
 * parser for that socket.
 */
static int run_rsyslog(struct e2e_ctx *c)
{
	struct rsys r;
	struct sinkd d;
	struct sd_msg *m = calloc(16, sizeof(*m));
	json_object *arr = NULL, *stj = NULL;
	char url[64], json[PATH_MAX], want[PATH_MAX * 3], *local = NULL;
	const char *extra[] = { "--syslog", "--syslog-socket", r.sock, "--syslog-remote",
				url,	    "--json-log",      json,   NULL };
	pid_t p1, p2;
	int ret = -1, n;

	snprintf(json, sizeof(json), "%s/events.json", c->dir);
	if (!m || rsys_setup(c, &r) || rsys_start(c, &r))
		goto out;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", r.tcp);
	if (sinkd_start(c, &d, extra))
		goto out;
	p1 = run_child(c, create_and_write, true);
	p2 = p1 < 0 ? -1 : run_child(c, rename_and_chmod, true);
	e2e_watch_pump_for(1100);
	stj = p2 < 0 ? NULL : sinkd_status(c, &d);
	if (!stj || !json_object_get_boolean(json_object_object_get(
			    sink_status(stj, "syslog_remote"), "connected"))) {
		if (stj)
			snprintf(c->why, sizeof(c->why), "status: remote not connected: %.300s",
				 json_object_to_json_string(sink_status(stj, "syslog_remote")));
		sinkd_stop(c, &d);
		goto out;
	}
	/* A clean stop delivers what is queued before it exits. */
	if (sinkd_stop(c, &d))
		goto out;
	arr = read_json_log(c, json);
	if (!arr)
		goto out;
	if (wait_lines(r.tcp_log, 4, 5000) < 4 || wait_lines(r.local_log, 4, 5000) < 4) {
		snprintf(c->why, sizeof(c->why),
			 "rsyslog wrote %zu TCP and %zu local lines, want 4",
			 wait_lines(r.tcp_log, 4, 0), wait_lines(r.local_log, 4, 0));
		goto out;
	}
	n = parse_log(c, r.tcp_log, m, 16);
	if (n < 0 || match_json(c, arr, m, n, "rsyslog TCP"))
		goto out;
	if (want_sd(c, &m[2], "new_path", e2e_dpath(c, "w/" HOSTILE_ESC)))
		goto out;
	/* The local default: syslog(3)'s form, which rsyslog's socket parser takes apart. */
	local = slurp(r.local_log, NULL);
	snprintf(want, sizeof(want),
		 "14|vfsaudit[%d]:| create: " COMM "(%d,0) %s\n"
		 "14|vfsaudit[%d]:| write: " COMM "(%d,0) %s\n"
		 "14|vfsaudit[%d]:| rename: " COMM "(%d,0) %s -> %s\n"
		 "14|vfsaudit[%d]:| chmod: " COMM "(%d,0) %s\n",
		 d.w.pid, p1, e2e_dpath(c, "w/f"), d.w.pid, p1, e2e_dpath(c, "w/f"), d.w.pid, p2,
		 e2e_dpath(c, "w/f"), e2e_dpath(c, "w/" HOSTILE_ESC), d.w.pid, p2,
		 e2e_dpath(c, "w/" HOSTILE_ESC));
	if (want_str(c, "rsyslog local socket", "lines", local, want))
		goto out;

	/* UDP: one datagram per message. */
	json_object_put(arr);
	arr = NULL;
	unlink(json);
	snprintf(url, sizeof(url), "udp://127.0.0.1:%d", r.udp);
	extra[0] = "--syslog=no";
	if (sinkd_start(c, &d, extra))
		goto out;
	if (run_child(c, create_g, true) < 0) {
		sinkd_stop(c, &d);
		goto out;
	}
	e2e_watch_pump_for(300);
	if (sinkd_stop(c, &d))
		goto out;
	arr = read_json_log(c, json);
	if (!arr || wait_lines(r.udp_log, 2, 5000) < 2) {
		if (arr)
			snprintf(c->why, sizeof(c->why), "rsyslog wrote %zu UDP lines, want 2",
				 wait_lines(r.udp_log, 2, 0));
		goto out;
	}
	n = parse_log(c, r.udp_log, m, 16);
	if (n < 0 || match_json(c, arr, m, n, "rsyslog UDP") ||
	    want_sd(c, &m[0], "path", e2e_dpath(c, "w/g")))
		goto out;
	ret = 0;
out:
	rsys_stop(&r);
	json_object_put(arr);
	json_object_put(stj);
	free(local);
	free(m);
	return ret;
}

#define STREAM_FILES   300
#define STREAM_GAP_US  26000 /* 300 files in about 8 s */
#define STREAM_KILL_AT 75    /* about 2 s in */

static int stream_tick = -1; /* the child says "one more file" here */
static int stream_go = -1;   /* and waits here once, while rsyslogd stops */

/* Two events a file: create and write. */
static void stream_files(struct e2e_ctx *c)
{
	for (int i = 0; i < STREAM_FILES; i++) {
		char name[32], go;
		int fd;

		snprintf(name, sizeof(name), "w/s%03d", i);
		fd = open(e2e_dpath(c, name), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "x\n", 2) != 2 || close(fd) ||
		    write(stream_tick, "", 1) != 1)
			_exit(1);
		if (i + 1 == STREAM_KILL_AT && read(stream_go, &go, 1) != 1)
			_exit(1);
		usleep(STREAM_GAP_US);
	}
}

/* Wait until the child has made @n files. */
static int stream_wait(int fd, int *seen, int n)
{
	char buf[64];

	while (*seen < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		e2e_watch_pump(0);
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			return -1;
		*seen += (int)r;
	}
	return 0;
}

/*
 * rsyslogd stopped (SIGTERM, as `systemctl restart` does) in the middle of
 * a steady stream, down for 5 s, started again: every event arrives, none
 * twice. The stream waits while rsyslogd stops (150 ms): a receiver
 * that stops reading while messages still arrive, then closes, throws away
 * what its kernel acknowledged; no plain-TCP sender can know how much, and
 * the sink answers that reset by sending the last second again, which may
 * repeat some (README; a unit test covers that case).
 */
static int run_restart(struct e2e_ctx *c)
{
	struct rsys r;
	struct sinkd d;
	json_object *arr = NULL, *stj = NULL;
	char url[64], json[PATH_MAX];
	const char *extra[] = { "--syslog-remote", url, "--json-log", json, NULL };
	int64_t queued_down = -1;
	bool connected_down = true;
	int ret = -1, status, tick[2] = { -1, -1 }, go[2] = { -1, -1 }, files = 0;
	pid_t child;
	size_t events;

	snprintf(json, sizeof(json), "%s/events.json", c->dir);
	if (rsys_setup(c, &r) || rsys_start(c, &r))
		goto out;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", r.tcp);
	if (sinkd_start(c, &d, extra))
		goto out;
	if (pipe2(tick, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		snprintf(c->why, sizeof(c->why), "pipe: %m");
		goto stop;
	}
	stream_tick = tick[1];
	stream_go = go[0];
	child = run_child(c, stream_files, false);
	close(tick[1]);
	tick[1] = -1;
	if (child < 0)
		goto stop;
	if (stream_wait(tick[0], &files, STREAM_KILL_AT)) {
		snprintf(c->why, sizeof(c->why), "the writing child stalled at file %d", files);
		goto stop;
	}
	e2e_watch_pump_for(150); /* the last file's events are through the daemon by now */
	rsys_stop(&r);
	if (write(go[1], "", 1) != 1) {
		snprintf(c->why, sizeof(c->why), "pipe: %m");
		goto stop;
	}
	/* While it is down: status says so, and messages wait. */
	e2e_watch_pump_for(2500);
	stj = sinkd_status(c, &d);
	if (stj) {
		json_object *rs = sink_status(stj, "syslog_remote");

		connected_down = json_object_get_boolean(json_object_object_get(rs, "connected"));
		queued_down = e2e_json_int(rs, "queued", -1);
	}
	e2e_watch_pump_for(2500);
	if (rsys_start(c, &r))
		goto stop;
	stream_wait(tick[0], &files, STREAM_FILES);
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why), "the writing child failed (status %d)", status);
		goto stop;
	}
	if (connected_down || queued_down <= 0) {
		snprintf(c->why, sizeof(c->why),
			 "while rsyslogd was down, status said connected=%d queued=%lld",
			 connected_down, (long long)queued_down);
		goto stop;
	}
	/* Give the sink its reconnection (2 s at most apart) and the backlog. */
	for (uint64_t until = e2e_now_ns() + 10000000000ull; e2e_now_ns() < until;) {
		json_object *rs;
		bool done;

		e2e_watch_pump_for(500);
		json_object_put(stj);
		stj = sinkd_status(c, &d);
		rs = sink_status(stj, "syslog_remote");
		done = json_object_get_boolean(json_object_object_get(rs, "connected")) &&
		       e2e_json_int(rs, "queued", -1) == 0;
		if (done)
			break;
	}
	/* The daemon's log said so, each way. */
	if (!strstr(d.w.err, "syslog-remote sink: 127.0.0.1 not reachable (") ||
	    !strstr(d.w.err, "syslog-remote sink: 127.0.0.1 reachable again")) {
		snprintf(c->why, sizeof(c->why),
			 "stderr does not say the remote went away and came back: %.600s", d.w.err);
		goto stop;
	}
	if (sinkd_stop(c, &d))
		goto out;
	arr = read_json_log(c, json);
	events = arr ? json_object_array_length(arr) : 0;
	if (!arr)
		goto out;
	if (events != 2 * STREAM_FILES) {
		size_t used = (size_t)snprintf(c->why, sizeof(c->why),
					       "the JSON log has %zu events, want %d (create and "
					       "write of each file); not those:",
					       events, 2 * STREAM_FILES);

		for (size_t i = 0; i < events && used < 2000; i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			const char *op = e2e_json_str(e, "op");

			if (op && (!strcmp(op, "create") || !strcmp(op, "write")) &&
			    e2e_json_int(e, "pid", -1) == child)
				continue;
			used += (size_t)snprintf(c->why + used, sizeof(c->why) - used, " %.300s",
						 json_object_to_json_string(e));
		}
		goto out;
	}
	rsys_stop(&r); /* writes what it has */
	if (every_event_once(c, arr, r.tcp_log))
		goto out;
	ret = 0;
	goto out;
stop:
	sinkd_stop(c, &d);
out:
	rsys_stop(&r);
	for (int i = 0; i < 2; i++) {
		if (tick[i] >= 0)
			close(tick[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	json_object_put(arr);
	json_object_put(stj);
	return ret;
}

/* create, write, chmod (e2e_write_file sets the mode): 15,000 events, about 90 times the queue */
#define BURST_FILES 5000

static void create_burst(struct e2e_ctx *c)
{
	for (int i = 0; i < BURST_FILES; i++) {
		char name[32];

		snprintf(name, sizeof(name), "w/b%05d", i);
		if (e2e_write_file(e2e_dpath(c, name), "data\n", 0644))
			_exit(1);
	}
}

/*
 * A burst as fast as one process makes it while rsyslogd is down, with a
 * 64 KiB memory queue: the spool file takes what memory cannot hold, and
 * once rsyslogd is up every event arrives, none twice, none lost.
 */
static int run_burst(struct e2e_ctx *c)
{
	struct rsys r;
	struct sinkd d;
	char url[64], json[PATH_MAX];
	const char *extra[] = {
		"--syslog-remote", url, "--syslog-queue-size", "64k", "--json-log", json, NULL
	};
	json_object *arr = NULL, *stj = NULL, *rs;
	int64_t spooled, lost;
	bool delivered = false;
	int ret = -1;

	snprintf(json, sizeof(json), "%s/events.json", c->dir);
	if (rsys_setup(c, &r))
		return -1;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", r.tcp);
	if (sinkd_start(c, &d, extra))
		return -1;
	if (run_child(c, create_burst, true) < 0)
		goto stop;
	e2e_watch_pump_for(1500);
	stj = sinkd_status(c, &d);
	rs = sink_status(stj, "syslog_remote");
	spooled = e2e_json_int(rs, "spool_bytes", -1);
	lost = e2e_json_int(rs, "lost", -1);
	if (!stj || spooled < 1000000 || lost != 0) {
		snprintf(c->why, sizeof(c->why),
			 "after the burst with rsyslogd down, want >= 1 MB spooled and none lost: "
			 "%.300s",
			 rs ? json_object_to_json_string(rs) : "(no status)");
		goto stop;
	}
	if (rsys_start(c, &r))
		goto stop;
	for (uint64_t until = e2e_now_ns() + 30000000000ull; !delivered && e2e_now_ns() < until;) {
		e2e_watch_pump_for(500);
		json_object_put(stj);
		stj = sinkd_status(c, &d);
		rs = sink_status(stj, "syslog_remote");
		delivered = json_object_get_boolean(json_object_object_get(rs, "connected")) &&
			    e2e_json_int(rs, "queued", -1) == 0;
	}
	if (!delivered) {
		snprintf(c->why, sizeof(c->why),
			 "not delivered 30 s after rsyslogd came back: %.300s",
			 rs ? json_object_to_json_string(rs) : "(no status)");
		goto stop;
	}
	if (sinkd_stop(c, &d))
		goto out;
	if (strstr(d.w.err, "not delivered")) {
		snprintf(c->why, sizeof(c->why), "losses said at the stop: %.300s", d.w.err);
		goto out;
	}
	arr = read_json_log(c, json);
	if (!arr)
		goto out;
	if (json_object_array_length(arr) != 3 * BURST_FILES) {
		snprintf(c->why, sizeof(c->why), "the JSON log has %zu events, want %d",
			 json_object_array_length(arr), 3 * BURST_FILES);
		goto out;
	}
	rsys_stop(&r); /* writes what it has */
	ret = every_event_once(c, arr, r.tcp_log);
	goto out;
stop:
	sinkd_stop(c, &d);
out:
	rsys_stop(&r);
	json_object_put(arr);
	json_object_put(stj);
	return ret;
}

static void create_many(struct e2e_ctx *c)
{
	for (int i = 0; i < 600; i++) {
		char name[32];

		snprintf(name, sizeof(name), "w/n%03d", i);
		if (e2e_write_file(e2e_dpath(c, name), "data\n", 0644))
			_exit(1);
	}
}

/*
 * Nobody listens and there is no spool file: what does not fit in the
 * queue is counted in status, said at the stop, and recorded in the store.
 */
static int run_losses(struct e2e_ctx *c)
{
	struct sinkd d;
	char url[64], out[16384], err[1024];
	const char *extra[] = { "--syslog-remote",
				url,
				"--syslog-queue-size",
				"64k",
				"--syslog-spool-size",
				"0",
				NULL };
	json_object *stj = NULL;
	int64_t lost;
	long long recorded = 0;
	int ret = -1, status, port = free_port(SOCK_STREAM);

	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	if (port < 0 || sinkd_start(c, &d, extra))
		return -1;
	if (run_child(c, create_many, true) < 0) {
		sinkd_stop(c, &d);
		return -1;
	}
	e2e_watch_pump_for(1200);
	stj = sinkd_status(c, &d);
	lost = e2e_json_int(sink_status(stj, "syslog_remote"), "lost", -1);
	if (!stj || lost <= 0 ||
	    json_object_get_boolean(
		    json_object_object_get(sink_status(stj, "syslog_remote"), "connected"))) {
		if (stj)
			snprintf(c->why, sizeof(c->why), "status with nobody listening: %.300s",
				 json_object_to_json_string(sink_status(stj, "syslog_remote")));
		sinkd_stop(c, &d);
		goto out;
	}
	if (sinkd_stop(c, &d))
		goto out;
	if (!strstr(d.w.err, "messages not delivered")) {
		snprintf(c->why, sizeof(c->why), "no loss said at the stop: %.300s", d.w.err);
		goto out;
	}
	/* The store's rows say how many, per sink. */
	{
		char *argv[] = { "/usr/bin/sqlite3", d.db,
				 "SELECT x.detail FROM events e JOIN extra x ON x.id = e.id"
				 " WHERE e.op = 105",
				 NULL };

		if (e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err)) ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			snprintf(c->why, sizeof(c->why), "sqlite3: %.300s", err);
			goto out;
		}
	}
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		long long k;

		if (sscanf(line, "syslog-remote: %lld messages not delivered", &k) != 1) {
			snprintf(c->why, sizeof(c->why), "unexpected sink-lost row: %s", line);
			goto out;
		}
		recorded += k;
	}
	/* At least what status said while running; the rest of the queue at the stop. */
	if (recorded < lost) {
		snprintf(c->why, sizeof(c->why), "store rows record %lld lost, status said %lld",
			 recorded, (long long)lost);
		goto out;
	}
	ret = 0;
out:
	json_object_put(stj);
	return ret;
}

const struct e2e_case e2e_cases_sinks[] = {
	{ .name = "sinks: local syslog (RFC 5424 fields) and JSON log of known changes; SIGHUP "
		  "reopens the moved log",
	  .run = run_local_and_json },
	{ .name = "sinks: rsyslogd gets them over TCP and UDP, and the local default through its "
		  "socket",
	  .run = run_rsyslog },
	{ .name = "sinks: rsyslogd restarted mid-stream, down 5 s: every event once over TCP",
	  .run = run_restart },
	{ .name = "sinks: a burst while rsyslogd is down, 64 KiB of memory: the spool file takes "
		  "it, every event once",
	  .run = run_burst },
	{ .name = "sinks: nobody listening, no spool: losses in status, at the stop and in the "
		  "store",
	  .run = run_losses },
};
const size_t e2e_n_cases_sinks = sizeof(e2e_cases_sinks) / sizeof(e2e_cases_sinks[0]);
