// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The record: the real daemon (`vfsaudit run`) with a scratch store, known
 * changes made by two users, then `history`, `report` and `status` checked
 * field by field; gap rows after a clean stop and after kill -9; a store
 * that survives repeated kill -9 under load; refused configurations and
 * stores.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "e2e_case.h"
#include "e2e_daemon.h"
#include "vfsaudit_wire.h"

#define NOBODY 65534

/* Run @fn in a child as @uid; wait for it. Returns: 0, or -1 with c->why. */
static int as_user(struct e2e_ctx *c, uid_t uid, void (*fn)(struct e2e_ctx *), pid_t *pid)
{
	int status;
	pid_t p = fork();

	if (p < 0) {
		snprintf(c->why, sizeof(c->why), "fork: %m");
		return -1;
	}
	if (p == 0) {
		if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
			_exit(98);
		fn(c);
		_exit(0);
	}
	if (pid)
		*pid = p;
	waitpid(p, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why), "child as uid %u failed (status %d)", uid, status);
		return -1;
	}
	return 0;
}

static void append_twice(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "w/foobar"), O_WRONLY | O_APPEND);

	if (fd < 0 || write(fd, "b\n", 2) != 2 || write(fd, "c\n", 2) != 2)
		_exit(1);
	close(fd);
}

static void create_foobar(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "w/foobar"), O_CREAT | O_WRONLY | O_EXCL, 0644);

	if (fd < 0 || write(fd, "a\n", 2) != 2)
		_exit(1);
	close(fd);
	if (chmod(e2e_dpath(c, "w/foobar"), 0666))
		_exit(1);
}

static void link_and_write(struct e2e_ctx *c)
{
	int fd;

	if (link(e2e_dpath(c, "w/foobar"), e2e_dpath(c, "w/hl")))
		_exit(1);
	fd = open(e2e_dpath(c, "w/hl"), O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "d\n", 2) != 2)
		_exit(1);
	close(fd);
}

static void replace_by_rename(struct e2e_ctx *c)
{
	if (e2e_write_file(e2e_dpath(c, "w/new"), "new\n", 0644) ||
	    rename(e2e_dpath(c, "w/new"), e2e_dpath(c, "w/foobar")))
		_exit(1);
}

/* `history PATH --format json` of @db, parsed; NULL with c->why. */
static json_object *history_json(struct e2e_ctx *c, const char *db, const char *path, char *out,
				 size_t outlen)
{
	char *argv[] = { c->env->binary, "history", (char *)path, "--db", (char *)db,
			 "--format",	 "json",    NULL };
	json_object *o;

	if (query(c, argv, out, outlen) != 0)
		return NULL;
	o = json_tokener_parse(out);
	if (!o)
		snprintf(c->why, sizeof(c->why), "history JSON does not parse: %.300s", out);
	return o;
}

/*
 * A link's target is anyone's bytes: asked through a link to a directory
 * whose name holds a terminal control sequence, history's answer and its
 * note on stderr escape it. Returns: 0, or -1 with c->why.
 */
/* Returns: @len bytes of @s in lowercase hex, in @buf. */
static const char *hex_of(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 3 <= size; s++, n += 2)
		snprintf(buf + n, 3, "%02x", (unsigned char)*s);
	buf[n] = '\0';
	return buf;
}

/* Whether @s is UTF-8 (well-formed sequences; enough to catch raw 0xfe/0xff bytes). */
static bool is_utf8(const unsigned char *s)
{
	while (*s) {
		int more = *s < 0x80		 ? 0
			   : (*s & 0xe0) == 0xc0 ? 1
			   : (*s & 0xf0) == 0xe0 ? 2
			   : (*s & 0xf8) == 0xf0 ? 3
						 : -1;

		if (more < 0)
			return false;
		for (s++; more--; s++)
			if ((*s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/*
 * history --format json of a name that is not UTF-8, asked through a link
 * whose name is not either: the JSON stays UTF-8, and path_hex and
 * asked_hex carry the exact bytes, as events do.
 */
static int history_json_bad_utf8(struct e2e_ctx *c, const char *db)
{
	char real[PATH_MAX], asked[PATH_MAX], want[2 * PATH_MAX + 8], out[65536], err[8192];
	char *argv[] = { c->env->binary, "history",  asked,  "--db",
			 (char *)db,	 "--format", "json", NULL };
	json_object *o = NULL;
	int status, ret = -1;

	snprintf(real, sizeof(real), "%s", e2e_dpath(c, "u\xff"));
	if (mkdir(real, 0755) || symlink(real, e2e_dpath(c, "l\xfe"))) {
		snprintf(c->why, sizeof(c->why), "a directory named with 0xff: %m");
		return -1;
	}
	snprintf(asked, sizeof(asked), "%s", e2e_dpath(c, "l\xfe/f"));
	if (e2e_run_cmd(argv, 30000, &status, out, sizeof(out), err, sizeof(err)) ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why), "history --format json failed: %.300s", err);
		return -1;
	}
	if (!is_utf8((const unsigned char *)out)) {
		snprintf(c->why, sizeof(c->why), "history JSON is not UTF-8: %.300s", out);
		return -1;
	}
	o = json_tokener_parse(out);
	snprintf(real, sizeof(real), "%s", e2e_dpath(c, "u\xff/f"));
	if (!o ||
	    check_str(c, "path_hex", e2e_json_str(o, "path_hex"),
		      hex_of(real, want, sizeof(want))) ||
	    check_str(c, "asked_hex", e2e_json_str(o, "asked_hex"),
		      hex_of(asked, want, sizeof(want))))
		goto out;
	ret = 0;
out:
	if (o)
		json_object_put(o);
	return ret;
}

static int history_escapes(struct e2e_ctx *c, const char *db)
{
	char real[PATH_MAX], asked[PATH_MAX], want[PATH_MAX + 64], out[8192], err[8192];
	char *argv[] = { c->env->binary, "history", asked, "--db", (char *)db, NULL };
	int status, ran;

	snprintf(real, sizeof(real), "%s", e2e_dpath(c, "d\x1b[2J"));
	snprintf(asked, sizeof(asked), "%s", e2e_dpath(c, "esc/f"));
	if (mkdir(real, 0755) || symlink(real, e2e_dpath(c, "esc"))) {
		snprintf(c->why, sizeof(c->why), "a directory with ESC in its name: %m");
		return -1;
	}
	if (e2e_run_cmd(argv, 30000, &status, out, sizeof(out), err, sizeof(err)) ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why), "history through the link failed: %.300s", err);
		return -1;
	}
	if (strchr(out, '\x1b') || strchr(err, '\x1b')) {
		snprintf(c->why, sizeof(c->why), "history printed a raw ESC byte");
		return -1;
	}
	snprintf(want, sizeof(want), "%s/d\\x1b[2J/f: changed 0 times", c->dir);
	if (strncmp(out, want, strlen(want))) {
		snprintf(c->why, sizeof(c->why), "history text: expected \"%s...\", got \"%.300s\"",
			 want, out);
		return -1;
	}
	snprintf(want, sizeof(want), "the history of its real path, %s/d\\x1b[2J/f\n", c->dir);
	if (!strstr(err, want)) {
		snprintf(c->why, sizeof(c->why), "history note: expected \"%s\", got \"%.300s\"",
			 want, err);
		return -1;
	}
	/* Into /dev (left out by default): the "not watched" line quotes the real path. */
	snprintf(real, sizeof(real), "/dev/shm/vfsaudit-e2e-%d-\x1b[2J", (int)getpid());
	if (mkdir(real, 0755) || symlink(real, e2e_dpath(c, "esc2"))) {
		snprintf(c->why, sizeof(c->why),
			 "a directory with ESC in its name in /dev/shm: %m");
		rmdir(real);
		return -1;
	}
	snprintf(asked, sizeof(asked), "%s", e2e_dpath(c, "esc2/f"));
	ran = e2e_run_cmd(argv, 30000, &status, out, sizeof(out), err, sizeof(err));
	rmdir(real);
	snprintf(want, sizeof(want), "is left out by default");
	if (ran || !WIFEXITED(status) || WEXITSTATUS(status) || strchr(out, '\x1b') ||
	    strchr(err, '\x1b') || !strstr(out, want) || !strstr(out, "-\\x1b[2J/f")) {
		snprintf(c->why, sizeof(c->why),
			 "history through a link into /dev: want the \"not watched\" line with "
			 "the path escaped, got \"%.300s\" \"%.200s\"",
			 out, err);
		return -1;
	}
	return history_json_bad_utf8(c, db);
}

/*
 * Known changes by root and by nobody, one file replaced by a rename and
 * written through a hard link: history and report must count them exactly.
 */
static int run_history(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	pid_t p_create, p_append, p_link, p_rename;
	char out[262144], line[1024];
	json_object *o = NULL, *a, *e;
	const char *want_ops[] = { "create", "write", "chmod", "open",	"write",
				   "write",  "link",  "open",  "write", "rename" };
	const char *want_match[] = { NULL, NULL, NULL,	   NULL,     NULL,
				     NULL, NULL, "object", "object", "new_path" };
	pid_t want_pid[10];
	int ret = -1;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0777) || chmod(p.watched, 0777)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	if (daemon_start(c, &w, &p))
		return -1;
	if (as_user(c, 0, create_foobar, &p_create) ||
	    as_user(c, NOBODY, append_twice, &p_append) || as_user(c, 0, link_and_write, &p_link) ||
	    as_user(c, 0, replace_by_rename, &p_rename)) {
		daemon_stop(c, &w);
		return -1;
	}
	/* Merged write counts go out at close; give the store a moment. */
	usleep(1500 * 1000);
	if (daemon_stop(c, &w))
		return -1;

	for (int i = 0; i < 10; i++)
		want_pid[i] = i < 3 ? p_create : i < 6 ? p_append : i < 9 ? p_link : p_rename;
	o = history_json(c, p.db, e2e_dpath(c, "w/foobar"), out, sizeof(out));
	if (!o)
		return -1;
	if (check_str(c, "path", e2e_json_str(o, "path"), e2e_dpath(c, "w/foobar")) ||
	    check_int(c, "count", e2e_json_int(o, "count", -1), 10))
		goto out;
	json_object_object_get_ex(o, "by_user", &a);
	if (check_int(c, "by_user entries", a ? (int64_t)json_object_array_length(a) : -1, 2) ||
	    check_int(c, "by_user[0].uid", e2e_json_int(json_object_array_get_idx(a, 0), "uid", -1),
		      0) ||
	    check_int(c, "by_user[0].count",
		      e2e_json_int(json_object_array_get_idx(a, 0), "count", -1), 7) ||
	    check_int(c, "by_user[1].uid", e2e_json_int(json_object_array_get_idx(a, 1), "uid", -1),
		      NOBODY) ||
	    check_int(c, "by_user[1].count",
		      e2e_json_int(json_object_array_get_idx(a, 1), "count", -1), 3))
		goto out;
	json_object_object_get_ex(o, "events", &a);
	if (check_int(c, "events", a ? (int64_t)json_object_array_length(a) : -1, 10))
		goto out;
	for (int i = 0; i < 10; i++) {
		char what[64];

		e = json_object_array_get_idx(a, (size_t)i);
		snprintf(what, sizeof(what), "events[%d].op", i);
		if (check_str(c, what, e2e_json_str(e, "op"), want_ops[i]))
			goto out;
		snprintf(what, sizeof(what), "events[%d].pid", i);
		if (check_int(c, what, e2e_json_int(e, "pid", -1), want_pid[i]))
			goto out;
		snprintf(what, sizeof(what), "events[%d].uid", i);
		if (check_int(c, what, e2e_json_int(e, "uid", -1), i >= 3 && i < 6 ? NOBODY : 0))
			goto out;
		snprintf(what, sizeof(what), "events[%d].match", i);
		if (want_match[i] ? check_str(c, what, e2e_json_str(e, "match"), want_match[i])
				  : check_int(c, what, !!e2e_json_str(e, "match"), 0))
			goto out;
	}
	/* The two writes by nobody are one call each: counts add up to the calls. */
	if (check_int(c, "events[4].count + events[5].count",
		      e2e_json_int(json_object_array_get_idx(a, 4), "count", 0) +
			      e2e_json_int(json_object_array_get_idx(a, 5), "count", 0),
		      2) ||
	    check_str(c, "events[9].new_path",
		      e2e_json_str(json_object_array_get_idx(a, 9), "new_path"),
		      e2e_dpath(c, "w/foobar")) ||
	    check_str(c, "events[7].path", e2e_json_str(json_object_array_get_idx(a, 7), "path"),
		      e2e_dpath(c, "w/hl")))
		goto out;
	json_object_put(o);
	o = NULL;

	/* Asked through a symlinked directory: the same answer, by the real path. */
	if (symlink(e2e_dpath(c, "w"), e2e_dpath(c, "lnk"))) {
		snprintf(c->why, sizeof(c->why), "symlink: %m");
		return -1;
	}
	o = history_json(c, p.db, e2e_dpath(c, "lnk/foobar"), out, sizeof(out));
	if (!o)
		return -1;
	if (check_str(c, "path through the symlink", e2e_json_str(o, "path"),
		      e2e_dpath(c, "w/foobar")) ||
	    check_str(c, "asked through the symlink", e2e_json_str(o, "asked"),
		      e2e_dpath(c, "lnk/foobar")) ||
	    check_int(c, "count through the symlink", e2e_json_int(o, "count", -1), 10))
		goto out;
	json_object_put(o);
	o = NULL;

	/* The text form's first line, the answer at a glance. */
	{
		char *argv[] = { c->env->binary, "history", (char *)e2e_dpath(c, "w/foobar"),
				 "--db",	 p.db,	    NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		snprintf(line, sizeof(line), "%s: changed 10 times in the last 7 days by 2 users\n",
			 e2e_dpath(c, "w/foobar"));
		if (strncmp(out, line, strlen(line))) {
			snprintf(c->why, sizeof(c->why),
				 "history text: expected first line \"%.*s\", "
				 "got \"%.300s\"",
				 (int)strlen(line) - 1, line, out);
			return -1;
		}
	}
	/* Some of the change ops are still changes; with reads among them, accesses. */
	{
		static const char *const cases[][2] = { { "chmod,rename", "changed" },
							{ "write,read", "accessed" } };

		for (size_t i = 0; i < 2; i++) {
			char *argv[] = { c->env->binary,
					 "history",
					 (char *)e2e_dpath(c, "w/foobar"),
					 "--db",
					 p.db,
					 "--ops",
					 (char *)cases[i][0],
					 NULL };

			if (query(c, argv, out, sizeof(out)) != 0)
				return -1;
			snprintf(line, sizeof(line), "%s: %s ", e2e_dpath(c, "w/foobar"),
				 cases[i][1]);
			if (strncmp(out, line, strlen(line))) {
				snprintf(c->why, sizeof(c->why),
					 "history --ops %s: expected \"%s...\", got \"%.300s\"",
					 cases[i][0], line, out);
				return -1;
			}
		}
	}
	/* A window that ends in the past says where it ends: nothing of it happened then. */
	{
		char *argv[] = { c->env->binary,
				 "history",
				 (char *)e2e_dpath(c, "w/foobar"),
				 "--db",
				 p.db,
				 "--since",
				 "2000-01-01T00:00:00Z",
				 "--until",
				 "2000-01-02T00:00:00Z",
				 NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		snprintf(line, sizeof(line), "%s: changed 0 times between ", e2e_dpath(c, "w/foobar"));
		if (strncmp(out, line, strlen(line)) || !strstr(out, " and 2000-01-0")) {
			snprintf(c->why, sizeof(c->why),
				 "history text with --until: expected \"%s... and 2000-01-0...\", got "
				 "\"%.300s\"",
				 line, out);
			return -1;
		}
	}

	/* report: foobar is the most changed path (7 events name it). */
	{
		char *argv[] = { c->env->binary, "report", "--db", p.db, "--format", "json", NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
	}
	o = json_tokener_parse(out);
	if (!o || !json_object_object_get_ex(o, "paths", &a) || !json_object_array_length(a)) {
		snprintf(c->why, sizeof(c->why), "report JSON without paths: %.300s", out);
		goto out;
	}
	e = json_object_array_get_idx(a, 0);
	if (check_str(c, "report paths[0].path", e2e_json_str(e, "path"),
		      e2e_dpath(c, "w/foobar")) ||
	    check_int(c, "report paths[0].count", e2e_json_int(e, "count", -1), 7))
		goto out;
	/* The store is younger than report's 7 days: the days before it are a gap. */
	if (!json_object_object_get_ex(o, "gaps", &a) || !json_object_array_length(a)) {
		snprintf(c->why, sizeof(c->why),
			 "report JSON without the gap before the store: %.300s", out);
		goto out;
	}
	if (check_str(c, "report gaps[0].reason",
		      e2e_json_str(json_object_array_get_idx(a, 0), "reason"), "not yet recording"))
		goto out;
	json_object_put(o);
	o = NULL;

	/*
	 * The directory moved, a symlink left in its place: what was recorded
	 * under the old name is still its answer, not hidden behind the link.
	 */
	if (rename(e2e_dpath(c, "w"), e2e_dpath(c, "w-moved")) ||
	    symlink(e2e_dpath(c, "w-moved"), e2e_dpath(c, "w"))) {
		snprintf(c->why, sizeof(c->why), "move w behind a symlink: %m");
		return -1;
	}
	o = history_json(c, p.db, e2e_dpath(c, "w/foobar"), out, sizeof(out));
	if (!o)
		return -1;
	if (check_str(c, "path of a moved directory", e2e_json_str(o, "path"),
		      e2e_dpath(c, "w/foobar")) ||
	    check_int(c, "asked given", !!e2e_json_str(o, "asked"), 0) ||
	    check_int(c, "count of a moved directory", e2e_json_int(o, "count", -1), 10))
		goto out;
	ret = history_escapes(c, p.db);
out:
	if (o)
		json_object_put(o);
	return ret;
}

static void touch_one(struct e2e_ctx *c)
{
	if (e2e_write_file(e2e_dpath(c, "w/f"), "x\n", 0644))
		_exit(1);
}

/*
 * After kill -9 and before any restart: history says nobody is recording
 * (its lock is free), from the last row on, not "changed N times" alone.
 */
static int killed_gap_is_told(struct e2e_ctx *c, const struct daemon_paths *p)
{
	char out[65536];
	char *argv[] = { c->env->binary, "history",	(char *)e2e_dpath(c, "w/f"),
			 "--db",	 (char *)p->db, "--format",
			 "json",	 NULL };
	json_object *o, *a, *g = NULL;
	size_t n;
	int ret = -1;

	if (query(c, argv, out, sizeof(out)) != 0)
		return -1;
	o = json_tokener_parse(out);
	if (!o || !json_object_object_get_ex(o, "gaps", &a)) {
		snprintf(c->why, sizeof(c->why), "history JSON without gaps: %.300s", out);
		goto out;
	}
	n = json_object_array_length(a);
	if (n)
		g = json_object_array_get_idx(a, n - 1);
	if (!g || !json_object_object_get_ex(g, "to", NULL) ||
	    json_object_get_type(json_object_object_get(g, "to")) != json_type_null) {
		snprintf(c->why, sizeof(c->why), "after kill -9, no gap open at the end: %.300s",
			 out);
		goto out;
	}
	if (check_str(c, "killed: gap reason", e2e_json_str(g, "reason"), "crash"))
		goto out;
	ret = 0;
out:
	if (o)
		json_object_put(o);
	return ret;
}

static void write_after_unshare(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "w/ns-f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0 || unshare(CLONE_NEWNS) || write(fd, "abc", 3) != 3)
		_exit(1);
	close(fd);
}

/*
 * A write through a file opened before the process entered another mount
 * namespace: its path is outside the process's root but read up to the
 * daemon's, so history finds it by that path.
 */
static int run_history_unreachable(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	if (daemon_start(c, &w, &p) || as_user(c, 0, write_after_unshare, NULL))
		return -1;
	usleep(300 * 1000);
	if (daemon_stop(c, &w))
		return -1;
	return check_int(c, "bytes written after unshare, in history",
			 history_sum(c, &p, e2e_dpath(c, "w/ns-f"), "write", "bytes"), 3);
}

static char shm_path[PATH_MAX + 8];

static void open_shm_rw(struct e2e_ctx *c)
{
	int fd = open(shm_path, O_RDWR);

	(void)c;
	if (fd < 0)
		_exit(1);
	close(fd);
}

/*
 * history and report as root: SQLite opens the store's -wal and -shm for
 * writing and chowns them, the daemon's own program's I/O, not reported;
 * another program's open of the same file is.
 */
static int run_queries_unrecorded(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char conf[PATH_MAX + 16], out[65536], wal[PATH_MAX + 8], copy[PATH_MAX + 8];
	char *report[] = { c->env->binary, "report", "--db", p.db, NULL };
	/* From another mount namespace: systemd runs the daemon in one of its own. */
	char *elsewhere[] = { "/usr/bin/unshare", "-m",	  "--", c->env->binary,
			      "report",		  "--db", p.db, NULL };
	char *cp[] = { "/bin/sh", "-c", "cp \"$1\" \"$2\" && cp \"$1-wal\" \"$2-wal\"", "sh", p.db,
		       copy,	  NULL };
	/*
	 * Another store at the store's own path (a container's, in its own mount
	 * namespace): the same names, other files, not the daemon's.
	 */
	char *container[] = { "/usr/bin/unshare",
			      "-m",
			      "--",
			      "/bin/sh",
			      "-c",
			      "mount -t tmpfs none \"${1%/*}\" && cp \"$2\" \"$1\" && "
			      "cp \"$2-wal\" \"$1-wal\" && exec \"$3\" report --db \"$1\"",
			      "sh",
			      p.db,
			      copy,
			      c->env->binary,
			      NULL };
	pid_t other;

	daemon_paths(c, &p);
	snprintf(conf, sizeof(conf), "path = %s\n", c->dir);
	snprintf(shm_path, sizeof(shm_path), "%s-shm", p.db);
	snprintf(wal, sizeof(wal), "%s-wal", p.db);
	snprintf(copy, sizeof(copy), "%s/copy.db", c->dir);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	if (daemon_start_conf(c, &w, &p, conf))
		return -1;
	if (history_sum(c, &p, e2e_dpath(c, "w/x"), "create", NULL) < 0 ||
	    query(c, report, out, sizeof(out)) != 0 || as_user(c, 0, open_shm_rw, &other) ||
	    query(c, elsewhere, out, sizeof(out)) != 0 || query(c, cp, out, sizeof(out)) != 0 ||
	    query(c, container, out, sizeof(out)) != 0)
		return -1;
	usleep(300 * 1000);
	if (daemon_stop(c, &w))
		return -1;
	/*
	 * Counted with the daemon stopped: these queries are recorded by nobody.
	 * Under the store's names: the other program's open of -shm, and the
	 * other store's query: its -wal opened, its -shm made anew, both chowned.
	 */
	if (check_int(c, "opens of -shm", history_sum(c, &p, shm_path, "open", NULL), 1) ||
	    check_int(c, "chowns of -shm", history_sum(c, &p, shm_path, "chown", NULL), 1) ||
	    check_int(c, "opens of -wal", history_sum(c, &p, wal, "open", NULL), 1) ||
	    check_int(c, "chowns of -wal", history_sum(c, &p, wal, "chown", NULL), 1))
		return -1;
	return 0;
}

/* A clean stop and a kill -9 both leave a gap that history reports, as does the time before the
 * first record. */
static int run_gaps(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char out[65536];
	json_object *o = NULL, *a;
	/* The default window begins before the store's first record: that too is a gap. */
	static const char *const want[] = { "not yet recording", "not running", "crash",
					    "not running" };
	int ret = -1;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	if (daemon_start(c, &w, &p) || as_user(c, 0, touch_one, NULL) || daemon_stop(c, &w))
		return -1;
	if (daemon_start(c, &w, &p) || as_user(c, 0, touch_one, NULL))
		return -1;
	usleep(300 * 1000);
	daemon_kill9(&w);
	if (killed_gap_is_told(c, &p))
		return -1;
	if (daemon_start(c, &w, &p) || as_user(c, 0, touch_one, NULL))
		return -1;
	usleep(300 * 1000);
	if (daemon_stop(c, &w))
		return -1;
	{
		char *argv[] = { c->env->binary,
				 "history",
				 (char *)e2e_dpath(c, "w/f"),
				 "--db",
				 p.db,
				 "--ops",
				 "write",
				 "--format",
				 "json",
				 NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
	}
	o = json_tokener_parse(out);
	if (!o || !json_object_object_get_ex(o, "gaps", &a)) {
		snprintf(c->why, sizeof(c->why), "history JSON without gaps: %.300s", out);
		goto out;
	}
	if (check_int(c, "gaps", (int64_t)json_object_array_length(a), 4))
		goto out;
	for (size_t i = 0; i < 4; i++) {
		char what[32];

		snprintf(what, sizeof(what), "gaps[%zu].reason", i);
		if (check_str(c, what, e2e_json_str(json_object_array_get_idx(a, i), "reason"),
			      want[i]))
			goto out;
	}
	/* Every write made while a daemon ran was recorded: one per touch. */
	if (check_int(c, "count", e2e_json_int(o, "count", -1), 3))
		goto out;
	ret = 0;
out:
	if (o)
		json_object_put(o);
	return ret;
}

static void churn_forever(struct e2e_ctx *c)
{
	for (unsigned long i = 0;; i++) {
		char name[64];

		snprintf(name, sizeof(name), "w/f%lu", i % 500);
		e2e_write_file(e2e_dpath(c, name), "data\n", 0644);
	}
}

/* kill -9 under load, again and again: the store always opens intact. */
static int run_kill9(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char out[4096];

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	for (int round = 0; round < 5; round++) {
		pid_t load;
		char *check[] = { "/usr/bin/sqlite3", p.db, "PRAGMA integrity_check", NULL };

		if (daemon_start(c, &w, &p))
			return -1;
		load = fork();
		if (load == 0) {
			churn_forever(c);
			_exit(0);
		}
		usleep(700 * 1000);
		daemon_kill9(&w);
		kill(load, SIGKILL);
		waitpid(load, NULL, 0);
		if (query(c, check, out, sizeof(out)) != 0) {
			if (!c->why[0])
				snprintf(c->why, sizeof(c->why), "round %d: sqlite3 failed", round);
			return -1;
		}
		if (strcmp(out, "ok\n")) {
			snprintf(c->why, sizeof(c->why), "round %d: integrity_check: %.200s", round,
				 out);
			return -1;
		}
	}
	/* One more start: it records the crash and works. */
	if (daemon_start(c, &w, &p) || daemon_stop(c, &w)) {
		if (!c->why[0])
			snprintf(c->why, sizeof(c->why), "restart after the last kill -9 failed");
		return -1;
	}
	{
		char *argv[] = { "/usr/bin/sqlite3", p.db,
				 "SELECT count(*) FROM events WHERE op = 102", NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		if (atoi(out) != 5) {
			snprintf(c->why, sizeof(c->why), "crash rows: expected 5, got %.50s", out);
			return -1;
		}
	}
	return 0;
}

/* The status file as JSON; NULL with c->why (a failed status, or no JSON). */
static int run_status(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char out[8192];
	int code;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755) || daemon_start(c, &w, &p))
		return -1;
	usleep(1500 * 1000); /* the status file is rewritten every second */
	{
		json_object *o = status_json(c, &p), *v;
		char left_out[PATH_MAX + 64];
		int bad;

		/* What the daemon's filters leave out: it was started with --path w. */
		snprintf(left_out, sizeof(left_out), "only names under %s were recorded (--path)",
			 p.watched);
		bad = !o || !json_object_object_get_ex(o, "running", &v) ||
		      !json_object_get_boolean(v) ||
		      check_str(c, "backend", e2e_json_str(o, "backend"), "tracepoint") ||
		      check_str(c, "name_lookups", e2e_json_str(o, "name_lookups"), "dcache-hash") ||
		      check_str(c, "left_out", e2e_json_str(o, "left_out"), left_out) ||
		      check_int(c, "pid", e2e_json_int(o, "pid", -1), w.pid);

		if (bad && !c->why[0])
			snprintf(c->why, sizeof(c->why), "status JSON: %.300s",
				 o ? json_object_to_json_string(o) : "(none)");
		if (o)
			json_object_put(o);
		if (bad) {
			daemon_stop(c, &w);
			return -1;
		}
	}
	{
		/* Its store is not the default: the advice to seal it names it. */
		char *argv[] = { c->env->binary, "status", "--status-file", p.status, NULL };
		char want[PATH_MAX + 64];

		snprintf(want, sizeof(want), "run `vfsaudit setup-keys --db %s` and restart", p.db);
		if (query(c, argv, out, sizeof(out)) != 0 || !strstr(out, want)) {
			if (!c->why[0])
				snprintf(c->why, sizeof(c->why), "status text lacks \"%s\": %.300s",
					 want, out);
			daemon_stop(c, &w);
			return -1;
		}
	}
	if (daemon_stop(c, &w))
		return -1;
	{
		char *argv[] = { c->env->binary, "status", "--status-file", p.status, NULL };

		code = query(c, argv, out, sizeof(out));
	}
	c->why[0] = '\0';
	return check_int(c, "status exit after stop", code, 1);
}

/* Exit 2 naming FILE:LINE for a bad configuration line. */
static int run_bad_config(struct e2e_ctx *c)
{
	char conf[PATH_MAX], want[PATH_MAX + 8], out[4096], err[4096];
	char *argv[] = { c->env->binary, "run", "--config", conf, NULL };
	int status;

	snprintf(conf, sizeof(conf), "%s/bad.conf", c->dir);
	if (e2e_write_file(conf, "ops = changes\nno-such-key = 1\n", 0644) ||
	    e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err))) {
		snprintf(c->why, sizeof(c->why), "running vfsaudit run: %m");
		return -1;
	}
	snprintf(want, sizeof(want), "%s:2:", conf);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !strstr(err, want) ||
	    strstr(err, "ready")) {
		snprintf(c->why, sizeof(c->why), "expected exit 2 naming %s, got %d: %.300s", want,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
		return -1;
	}
	return 0;
}

/* The nice value of every thread of @pid, or INT_MIN when they differ (or none was read). */
static int threads_nice(pid_t pid, int min_threads)
{
	char dir[64], path[PATH_MAX], buf[1024];
	struct dirent *de;
	int nice = INT_MIN, n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return INT_MIN;
	while ((de = readdir(d))) {
		char *p;
		int v, fd;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/stat", dir, de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* After "(comm)": state is field 3, nice field 19. */
		p = strrchr(buf, ')');
		if (!p ||
		    sscanf(p + 2,
			   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %d",
			   &v) != 1)
			continue;
		if (n++ && v != nice) {
			nice = INT_MIN;
			break;
		}
		nice = v;
	}
	closedir(d);
	return n >= min_threads ? nice : INT_MIN; /* every thread must be counted */
}

/*
 * The daemon lowers its nice value by 15 (all its threads), or as the
 * configuration says; a value out of range exits 2 naming it.
 */
static int run_priority(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char out[4096], err[4096];
	char *bad[] = { c->env->binary, "run", "--priority-boost", "21", NULL };
	int base, want, got, status;

	errno = 0;
	base = getpriority(PRIO_PROCESS, 0);
	if (base == -1 && errno)
		return -1;
	daemon_paths(c, &p);
	for (int round = 0; round < 2; round++) {
		want = round ? base : (base - 15 < -20 ? -20 : base - 15);
		if (round && e2e_write_file(p.conf, "priority-boost = 0\n", 0644))
			return -1;
		if (daemon_start(c, &w, &p))
			return -1;
		got = threads_nice(w.pid, 2); /* the daemon has threads */
		if (daemon_stop(c, &w))
			return -1;
		if (got != want) {
			snprintf(c->why, sizeof(c->why),
				 "%s: the daemon's threads run at nice %d, expected %d (ours: %d)",
				 round ? "priority-boost = 0" : "default", got, want, base);
			return -1;
		}
	}
	if (e2e_run_cmd(bad, 10000, &status, out, sizeof(out), err, sizeof(err)))
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !strstr(err, "priority-boost '21'")) {
		snprintf(c->why, sizeof(c->why),
			 "--priority-boost 21: expected exit 2 naming it, got %d: %.300s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
		return -1;
	}
	return 0;
}

/* The size of @pid's ring buffer map, from fdinfo; 0: none. */
static long ring_size_of(pid_t pid)
{
	char dir[64], path[320], link[64], line[128];
	struct dirent *d;
	long size = 0;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	fds = opendir(dir);
	while (fds && !size && (d = readdir(fds))) {
		ssize_t n;
		FILE *f;
		int type = -1;
		long entries = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:bpf-map"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, d->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			sscanf(line, "map_type: %d", &type);
			sscanf(line, "max_entries: %ld", &entries);
		}
		if (f)
			fclose(f);
		if (type == BPF_MAP_TYPE_RINGBUF)
			size = entries;
	}
	if (fds)
		closedir(fds);
	return size;
}

/*
 * The ring buffer: 4 MiB by default on a machine of up to 4 CPUs, 8 MiB on a
 * larger one, and what --buffer-size says.
 */
static int watch_ring_size(struct e2e_ctx *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const long want[] = { (cpus > 0 && cpus <= 4 ? 4L : 8L) << 20, 16L << 20 };
	struct e2e_watcher w;

	for (int round = 0; round < 2; round++) {
		char *argv[] = { c->env->binary, "watch", "--path", c->dir, "--buffer-size", "16M",
				 NULL };
		long got;

		if (!round)
			argv[4] = NULL;
		if (e2e_watch_start(&w, "ring", argv, false, c->why, sizeof(c->why)))
			return -1;
		got = ring_size_of(w.pid);
		if (e2e_watch_stop(&w, c->why, sizeof(c->why))) {
			e2e_watch_free(&w);
			return -1;
		}
		e2e_watch_free(&w);
		if (got != want[round]) {
			snprintf(c->why, sizeof(c->why), "%s (%ld CPUs): ring buffer %ld bytes, expected %ld",
				 round ? "--buffer-size 16M" : "default", cpus, got, want[round]);
			return -1;
		}
	}
	return 0;
}

/*
 * `watch` lowers its nice value by 15 as run does, by N with --priority-boost
 * N, not at all with 0.
 */
static int watch_priority(struct e2e_ctx *c)
{
	static const char *const boosts[] = { NULL, "3", "0" };
	char out[4096], err[4096];
	char *bad[] = { c->env->binary, "watch", "--priority-boost", "x", NULL };
	struct e2e_watcher w;
	int base, got, status;

	errno = 0;
	base = getpriority(PRIO_PROCESS, 0);
	if (base == -1 && errno)
		return -1;
	for (int round = 0; round < 3; round++) {
		char *argv[] = { c->env->binary, "watch", "--path", c->dir, "--priority-boost",
				 (char *)boosts[round], NULL };
		int boost = round == 0 ? 15 : round == 1 ? 3 : 0;
		int want = base - boost < -20 ? -20 : base - boost;

		if (!boosts[round])
			argv[4] = NULL;
		if (e2e_watch_start(&w, "nice", argv, false, c->why, sizeof(c->why)))
			return -1;
		got = threads_nice(w.pid, 1);
		if (e2e_watch_stop(&w, c->why, sizeof(c->why))) {
			e2e_watch_free(&w);
			return -1;
		}
		e2e_watch_free(&w);
		if (got != want) {
			snprintf(c->why, sizeof(c->why),
				 "--priority-boost %s: watch runs at nice %d, expected %d",
				 boosts[round] ? boosts[round] : "(default)", got, want);
			return -1;
		}
	}
	/*
	 * Without CAP_SYS_NICE the default boost is skipped quietly: `ready` is
	 * still the first line, as it was before watch had a boost.
	 */
	if (access("/usr/bin/setpriv", X_OK) == 0) {
		char *nonice[] = { "/usr/bin/setpriv", "--inh-caps=-sys_nice",
				   "--bounding-set=-sys_nice", c->env->binary, "watch", "--path",
				   c->dir, NULL };

		if (e2e_watch_start(&w, "nonice", nonice, false, c->why, sizeof(c->why)))
			return -1;
		got = threads_nice(w.pid, 1);
		snprintf(out, sizeof(out), "%s", w.err);
		if (e2e_watch_stop(&w, c->why, sizeof(c->why))) {
			e2e_watch_free(&w);
			return -1;
		}
		e2e_watch_free(&w);
		if (strncmp(out, "ready ", 6) || got != base) {
			snprintf(c->why, sizeof(c->why),
				 "without CAP_SYS_NICE: nice %d (expected %d), stderr: %.300s", got,
				 base, out);
			return -1;
		}
	}
	if (e2e_run_cmd(bad, 10000, &status, out, sizeof(out), err, sizeof(err)))
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !strstr(err, "priority-boost 'x'")) {
		snprintf(c->why, sizeof(c->why),
			 "--priority-boost x: expected exit 2 naming it, got %d: %.300s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
		return -1;
	}
	return 0;
}

/*
 * A --db that cannot be a store is a configuration error, exit 2 naming
 * --db: a file that is not a store (left as it was), a directory, a name
 * in a directory that does not exist.
 */
static int run_not_a_store(struct e2e_ctx *c)
{
	char db[PATH_MAX], out[4096], err[4096], back[64] = "";
	char *argv[] = { c->env->binary, "run", "--db", db, NULL };
	static const char *const names[] = { "notes.txt", ".", "no/such/dir/a.db" };
	static const char *const says[] = { "not a vfsaudit store", "Is a directory",
					    "No such file or directory" };
	int status, fd;
	ssize_t n;

	if (e2e_write_file(e2e_dpath(c, "notes.txt"), "my precious notes\n", 0644))
		return -1;
	for (int i = 0; i < 3; i++) {
		snprintf(db, sizeof(db), "%s/%s", c->dir, names[i]);
		if (e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err)))
			return -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !strstr(err, says[i]) ||
		    !strstr(err, "check --db")) {
			snprintf(c->why, sizeof(c->why),
				 "--db %s: expected exit 2 '%s ... check --db', got %d: %.300s",
				 names[i], says[i], WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				 err);
			return -1;
		}
	}
	snprintf(db, sizeof(db), "%s/notes.txt", c->dir);
	fd = open(db, O_RDONLY);
	n = fd >= 0 ? read(fd, back, sizeof(back) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n != 18 || strcmp(back, "my precious notes\n")) {
		snprintf(c->why, sizeof(c->why), "the file was changed: \"%s\"", back);
		return -1;
	}
	return 0;
}

static void create_many(struct e2e_ctx *c);

/* Run `history` on @db without any capability (root without them reads as "other"). */
static int history_nocaps(struct e2e_ctx *c, const char *db, const char *path, char *out,
			  size_t outlen, char *err, size_t errlen)
{
	char *argv[] = { "/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-all", "--",
			 c->env->binary, "history", "--db", (char *)db, (char *)path, NULL };
	int status;

	if (e2e_run_cmd(argv, 20000, &status, out, outlen, err, errlen))
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Queries need read access to the store, nothing more: a store the reader
 * may read in a directory it may not write (no -shm can be made there).
 */
static int run_read_only_store(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char ro[PATH_MAX], db[PATH_MAX + 16], wal[PATH_MAX + 32], file[PATH_MAX + 8];
	char out[8192], err[4096];
	static char cmd[12 * PATH_MAX];
	int ret;

	daemon_paths(c, &p);
	snprintf(file, sizeof(file), "%s/f", p.watched);
	snprintf(ro, sizeof(ro), "%s/ro", c->dir);
	snprintf(db, sizeof(db), "%s/audit.db", ro);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	if (mkdir(p.watched, 0755) || daemon_start(c, &w, &p))
		return -1;
	if (e2e_write_file(file, "data\n", 0644)) {
		daemon_stop(c, &w);
		return -1;
	}
	e2e_watch_pump_for(1500);
	if (daemon_stop(c, &w))
		return -1;
	/* The test's directory must let "other" through to ro/. */
	snprintf(cmd, sizeof(cmd),
		 "chmod o+x '%s' && mkdir '%s' && cp '%s' '%s' && chown -R 65534:65534 '%s' && "
		 "chmod 0444 '%s' && chmod 0555 '%s'",
		 c->dir, ro, p.db, db, ro, db, ro);
	if (system(cmd)) {
		snprintf(c->why, sizeof(c->why), "preparing a read-only store failed: %.300s", cmd);
		return -1;
	}
	ret = history_nocaps(c, db, file, out, sizeof(out), err, sizeof(err));
	if (ret != 0 || !strstr(out, ": changed ") || strstr(out, "changed 0 times")) {
		snprintf(c->why, sizeof(c->why), "history of a read-only store: exit %d: %.300s%.300s",
			 ret, out, err);
		return -1;
	}
	/* A write-ahead log it cannot read: said so, not "not a vfsaudit store". */
	snprintf(cmd, sizeof(cmd), "chmod 0755 '%s' && install -m 0000 -o 65534 /dev/null '%s' && chmod 0555 '%s'",
		 ro, wal, ro);
	if (system(cmd))
		return -1;
	ret = history_nocaps(c, db, file, out, sizeof(out), err, sizeof(err));
	if (ret != 1 || !strstr(err, "write-ahead log")) {
		snprintf(c->why, sizeof(c->why), "an unreadable -wal: exit %d: %.300s", ret, err);
		return -1;
	}
	/* The daemon's own store, root's, asked by nobody: say what to do, not only "Permission
	 * denied". */
	{
		char *argv[] = { "/usr/bin/setpriv",
				 "--reuid=65534",
				 "--regid=65534",
				 "--clear-groups",
				 "--",
				 c->env->binary,
				 "history",
				 "--db",
				 p.db,
				 file,
				 NULL };
		int status;

		if (e2e_run_cmd(argv, 20000, &status, out, sizeof(out), err, sizeof(err)))
			return -1;
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	if (ret != 1 || !strstr(err, "this user may not read the store")) {
		snprintf(c->why, sizeof(c->why), "a store root's to read: exit %d: %.300s", ret,
			 err);
		return -1;
	}
	return 0;
}

/*
 * history tells "changed 0 times" from "not watched": a daemon recording
 * only w/ says /etc/passwd was outside its --path, and that reads were not
 * recorded; a file under w/ has no such note.
 */
static int run_coverage(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char out[16384], want[PATH_MAX + 64], file[PATH_MAX + 8];
	json_object *o, *cov, *n0;
	int ret = -1;

	daemon_paths(c, &p);
	snprintf(file, sizeof(file), "%s/f", p.watched);
	if (mkdir(p.watched, 0755) || daemon_start(c, &w, &p))
		return -1;
	if (e2e_write_file(file, "data\n", 0644)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", file);
		daemon_stop(c, &w);
		return -1;
	}
	e2e_watch_pump_for(1500);
	if (daemon_stop(c, &w))
		return -1;
	{
		char *argv[] = { c->env->binary, "history", "--db", p.db, "/etc/passwd", NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		snprintf(want, sizeof(want), "only names under %s were recorded (--path)", p.watched);
		if (!strstr(out, "not watched from") || !strstr(out, want)) {
			snprintf(c->why, sizeof(c->why), "history /etc/passwd does not say it was "
							  "not watched: %.400s", out);
			return -1;
		}
	}
	{
		char *argv[] = { c->env->binary, "history", "--db", p.db, "--ops", "reads",
				 "--format", "json", file, NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		o = json_tokener_parse(out);
		if (!o || !json_object_object_get_ex(o, "coverage", &cov) ||
		    json_object_array_length(cov) != 1 || !(n0 = json_object_array_get_idx(cov, 0)) ||
		    strcmp(e2e_json_str(n0, "watched") ? e2e_json_str(n0, "watched") : "", "no") ||
		    !strstr(e2e_json_str(n0, "why") ? e2e_json_str(n0, "why") : "",
			    "open for reading, read")) {
			snprintf(c->why, sizeof(c->why), "history --ops reads: coverage %.400s", out);
			goto out;
		}
		json_object_put(o);
		o = NULL;
	}
	{
		char *argv[] = { c->env->binary, "history", "--db", p.db, file, NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		if (strstr(out, "watched") || !strstr(out, "changed")) {
			snprintf(c->why, sizeof(c->why), "history of a watched file: %.400s", out);
			return -1;
		}
	}
	{
		/* A key for another store: this one holds no seal, so the key proves nothing here. */
		char kdb[PATH_MAX + 16], key[256], err[4096];
		char *keys[] = { c->env->binary, "setup-keys", "--db", kdb, NULL };
		char *verify[] = { c->env->binary, "verify", "--db", p.db, "--key", key, NULL };
		int status;

		snprintf(kdb, sizeof(kdb), "%s/k.db", c->dir);
		if (query(c, keys, out, sizeof(out)) != 0)
			return -1;
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(out, "\n"), out);
		if (e2e_run_cmd(verify, 20000, &status, out, sizeof(out), err, sizeof(err)))
			return -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 ||
		    !strstr(out, "NOT AUTHENTICATED")) {
			snprintf(c->why, sizeof(c->why),
				 "verify --key of a store with no seal: exit %d: %.300s",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
			return -1;
		}
	}
	{
		char *argv[] = { c->env->binary, "report", "--db", p.db, NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		if (!strstr(out, "partly watched from") || !strstr(out, want)) {
			snprintf(c->why, sizeof(c->why), "report does not say only %s was watched: %.400s",
				 p.watched, out);
			return -1;
		}
	}
	ret = 0;
out:
	if (o)
		json_object_put(o);
	return ret;
}

/* Without the capabilities: exit 1 naming them, and no store, lock or directory left behind. */
static int run_no_capabilities(struct e2e_ctx *c)
{
	char dir[PATH_MAX], db[PATH_MAX + 16], out[4096], err[4096];
	char *argv[] = { "/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-all", "--",
			 c->env->binary, "run", "--config", "/dev/null", "--db", db, NULL };
	int status;

	snprintf(dir, sizeof(dir), "%s/nocaps", c->dir);
	snprintf(db, sizeof(db), "%s/audit.db", dir);
	if (e2e_run_cmd(argv, 20000, &status, out, sizeof(out), err, sizeof(err)))
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 || !strstr(err, "CAP_BPF")) {
		snprintf(c->why, sizeof(c->why), "expected exit 1 naming CAP_BPF, got %d: %.300s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
		return -1;
	}
	if (access(dir, F_OK) == 0) {
		snprintf(c->why, sizeof(c->why), "%s was made by a run that could not capture", dir);
		return -1;
	}
	return 0;
}

/* Run @argv; it must exit 1 and say "is damaged" (on stdout or stderr). */
static int expect_damaged(struct e2e_ctx *c, char *const argv[])
{
	char out[8192], err[4096];
	int status;

	if (e2e_run_cmd(argv, 20000, &status, out, sizeof(out), err, sizeof(err)))
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 ||
	    (!strstr(err, "is damaged") && !strstr(out, "is damaged"))) {
		snprintf(c->why, sizeof(c->why), "%s: expected exit 1 saying damaged, got %d: %.200s%.200s",
			 argv[1], WIFEXITED(status) ? WEXITSTATUS(status) : -1, err, out);
		return -1;
	}
	return 0;
}

/*
 * The store cut to half its size (a copy interrupted, a disk that lost its
 * end): SQLite cannot read its first pages. Damaged, not "not a store":
 * history, report and verify say so, and verify's JSON has damaged: true.
 */
static int damaged_from_the_start(struct e2e_ctx *c, const struct daemon_paths *p)
{
	char *history[] = { c->env->binary, "history",		"--db",
			    (char *)p->db,  (char *)p->watched, NULL };
	char *report[] = { c->env->binary, "report", "--db", (char *)p->db, NULL };
	char *verify[] = { c->env->binary, "verify", "--db", (char *)p->db, NULL };
	char *verify_json[] = { c->env->binary, "verify", "--db", (char *)p->db,
				"--format",	"json",	  NULL };
	char wal[PATH_MAX + 8], out[8192], err[4096];
	struct stat st;
	json_object *o;
	int status, ret = -1;

	snprintf(wal, sizeof(wal), "%s-wal", p->db);
	unlink(wal);
	if (stat(p->db, &st) || truncate(p->db, st.st_size / 2)) {
		snprintf(c->why, sizeof(c->why), "cutting %s short: %m", p->db);
		return -1;
	}
	if (expect_damaged(c, history) || expect_damaged(c, report) || expect_damaged(c, verify))
		return -1;
	if (e2e_run_cmd(verify_json, 20000, &status, out, sizeof(out), err, sizeof(err)))
		return -1;
	o = json_tokener_parse(out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 || !o ||
	    !json_object_get_boolean(json_object_object_get(o, "damaged"))) {
		snprintf(c->why, sizeof(c->why),
			 "verify --format json of a store cut short: want exit 1 and damaged: "
			 "true, got %d: %.200s %.200s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err);
		goto out;
	}
	ret = 0;
out:
	if (o)
		json_object_put(o);
	return ret;
}

/*
 * A damaged page of the records: history, report and verify say the store
 * is damaged and exit 1, instead of answering "changed 0 times".
 */
static int run_damaged_store(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char out[256];
	unsigned char junk = 0xff;
	long page, page_size;
	int fd;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755) || daemon_start(c, &w, &p))
		return -1;
	if (as_user(c, 0, create_many, NULL)) {
		daemon_stop(c, &w);
		return -1;
	}
	if (daemon_stop(c, &w))
		return -1;
	{
		char *argv[] = { "/usr/bin/sqlite3", p.db,
				 "SELECT rootpage FROM sqlite_master WHERE name = 'events'", NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		page = atol(out);
	}
	{
		char *argv[] = { "/usr/bin/sqlite3", p.db, "PRAGMA page_size", NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			return -1;
		page_size = atol(out);
	}
	/* 3,000 creates fill many pages: the root is an interior page, its type byte checked. */
	fd = open(p.db, O_WRONLY);
	if (page < 2 || page_size < 512 || fd < 0 ||
	    pwrite(fd, &junk, 1, (off_t)(page - 1) * page_size) != 1) {
		snprintf(c->why, sizeof(c->why), "damaging page %ld of %s: %m", page, p.db);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	{
		char *history[] = { c->env->binary, "history", "--db", p.db, p.watched, NULL };
		char *report[] = { c->env->binary, "report", "--db", p.db, "--since", "1h", NULL };
		char *verify[] = { c->env->binary, "verify", "--db", p.db, NULL };

		if (expect_damaged(c, history) || expect_damaged(c, report) ||
		    expect_damaged(c, verify))
			return -1;
	}
	return damaged_from_the_start(c, &p);
}

static void create_many(struct e2e_ctx *c)
{
	for (int i = 0; i < 3000; i++) {
		char name[64];

		snprintf(name, sizeof(name), "w/n%d", i);
		if (e2e_write_file(e2e_dpath(c, name), "data\n", 0644))
			_exit(1);
	}
}

/*
 * A full disk: the store cannot grow, capture goes on, the writer counts
 * what it could not store; once space returns an "unsaved" row records it,
 * and the store is intact.
 */
static int run_disk_full(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char store[PATH_MAX], filler[PATH_MAX], out[8192], block[65536];
	int fd, ret = -1;
	long unsaved;

	daemon_paths(c, &p);
	snprintf(store, sizeof(store), "%s/store", c->dir);
	snprintf(filler, sizeof(filler), "%s/store/filler", c->dir);
	if (mkdir(p.watched, 0755) || mkdir(store, 0700) ||
	    mount("tmpfs", store, "tmpfs", 0, "size=2m,mode=0700")) {
		snprintf(c->why, sizeof(c->why), "setting up a 2 MiB tmpfs store: %m");
		return -1;
	}
	if (daemon_start(c, &w, &p))
		goto out;
	usleep(500 * 1000);
	/* Take every free block. */
	memset(block, 'f', sizeof(block));
	fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	while (fd >= 0 && write(fd, block, sizeof(block)) > 0)
		;
	while (fd >= 0 && write(fd, block, 512) > 0)
		;
	if (fd >= 0)
		close(fd);
	if (as_user(c, 0, create_many, NULL)) {
		daemon_stop(c, &w);
		goto out;
	}
	usleep(2500 * 1000);
	{
		char *argv[] = { c->env->binary, "status", "--status-file", p.status, "--format",
				 "json",	 NULL };
		json_object *o;

		if (query(c, argv, out, sizeof(out)) != 0) {
			daemon_stop(c, &w);
			goto out;
		}
		o = json_tokener_parse(out);
		unsaved = o ? (long)e2e_json_int(o, "unsaved_disk", -1) : -1;
		if (o)
			json_object_put(o);
		if (unsaved <= 0) {
			snprintf(c->why, sizeof(c->why),
				 "status while the disk is full: unsaved_disk "
				 "%ld: %.300s",
				 unsaved, out);
			daemon_stop(c, &w);
			goto out;
		}
	}
	/* Said at once on stderr (the journal), not only at the stop. */
	e2e_watch_pump_for(200);
	if (!strstr(w.err, "no space left")) {
		snprintf(c->why, sizeof(c->why), "no word of the full disk on stderr: %.300s",
			 w.err);
		daemon_stop(c, &w);
		goto out;
	}
	/* Space returns: the count is recorded, capture never stopped. */
	unlink(filler);
	/* Recovery is said after 3 good seconds. */
	for (int i = 0; i < 60 && !strstr(w.err, " again "); i++)
		e2e_watch_pump_for(100);
	if (!strstr(w.err, "writing to the store") || !strstr(w.err, " again ")) {
		snprintf(c->why, sizeof(c->why), "no word on stderr that the store recovered: %.300s",
			 w.err);
		daemon_stop(c, &w);
		goto out;
	}
	if (daemon_stop(c, &w))
		goto out;
	{
		char *check[] = { "/usr/bin/sqlite3", p.db, "PRAGMA integrity_check", NULL };

		if (query(c, check, out, sizeof(out)) != 0 || strcmp(out, "ok\n")) {
			snprintf(c->why, sizeof(c->why),
				 "integrity_check after the disk was full: %.200s", out);
			goto out;
		}
	}
	{
		char *argv[] = { "/usr/bin/sqlite3", p.db,
				 "SELECT coalesce(sum(count), 0) FROM events WHERE op = 103",
				 NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			goto out;
		if (atol(out) < unsaved) {
			snprintf(c->why, sizeof(c->why),
				 "unsaved rows count %ld, status said %ld before space returned",
				 atol(out), unsaved);
			goto out;
		}
	}
	ret = 0;
out:
	umount2(store, MNT_DETACH);
	return ret;
}

/* ---- history of a name reached through a bind mount, then renamed away ---- */

static void hb_write(const char *path, int flags)
{
	int fd = open(path, O_WRONLY | flags, 0644);

	if (fd < 0 || write(fd, "x\n", 2) != 2)
		_exit(1);
	close(fd);
}

static void hb_create(struct e2e_ctx *c)
{
	hb_write(e2e_dpath(c, "w/real/f"), O_CREAT | O_EXCL);
}

static void hb_via_bind(struct e2e_ctx *c)
{
	hb_write(e2e_dpath(c, "w/view/f"), O_APPEND);
	if (chmod(e2e_dpath(c, "w/view/f"), 0600))
		_exit(1);
}

static void hb_rename_out(struct e2e_ctx *c)
{
	if (rename(e2e_dpath(c, "w/real/f"), e2e_dpath(c, "w/out")))
		_exit(1);
	hb_write(e2e_dpath(c, "w/out"), O_APPEND);
}

/* One history event: op, pid, path, match (NULL: none). Returns: 0, or -1 with c->why. */
static int hb_event(struct e2e_ctx *c, json_object *a, int i, const char *op, pid_t pid,
		    const char *path, const char *match)
{
	json_object *e = json_object_array_get_idx(a, (size_t)i);
	char what[64];

	snprintf(what, sizeof(what), "events[%d].op", i);
	if (check_str(c, what, e2e_json_str(e, "op"), op))
		return -1;
	snprintf(what, sizeof(what), "events[%d].pid", i);
	if (check_int(c, what, e2e_json_int(e, "pid", -1), pid))
		return -1;
	snprintf(what, sizeof(what), "events[%d].uid", i);
	if (check_int(c, what, e2e_json_int(e, "uid", -1), 0))
		return -1;
	snprintf(what, sizeof(what), "events[%d].path", i);
	if (check_str(c, what, e2e_json_str(e, "path"), path))
		return -1;
	snprintf(what, sizeof(what), "events[%d].match", i);
	if (match ? check_str(c, what, e2e_json_str(e, "match"), match)
		  : check_int(c, what, !!e2e_json_str(e, "match"), 0))
		return -1;
	if (!strcmp(op, "write")) {
		snprintf(what, sizeof(what), "events[%d].count", i);
		if (check_int(c, what, e2e_json_int(e, "count", -1), 1))
			return -1;
		snprintf(what, sizeof(what), "events[%d].bytes", i);
		if (check_int(c, what, e2e_json_int(e, "bytes", -1), 2))
			return -1;
	}
	return 0;
}

/* `history PATH --format json` into *@o, with exactly @n events in *@a. Returns: 0, or -1. */
static int hb_history(struct e2e_ctx *c, const char *db, const char *path, int n, json_object **o,
		      json_object **a)
{
	static char out[262144];
	char *argv[] = { c->env->binary, "history",  (char *)path, "--db",
			 (char *)db,	 "--format", "json",	   NULL };
	char what[PATH_MAX + 32];

	if (query(c, argv, out, sizeof(out)) != 0)
		return -1;
	*o = json_tokener_parse(out);
	if (!*o || !json_object_object_get_ex(*o, "events", a)) {
		snprintf(c->why, sizeof(c->why), "history %s JSON without events: %.300s", path,
			 out);
		return -1;
	}
	snprintf(what, sizeof(what), "history %s: events", path);
	return check_int(c, what, (int64_t)json_object_array_length(*a), n);
}

/*
 * real/f, written and chmodded through a bind mount of real on view, then
 * renamed out to out and written there, then made anew: history of real/f
 * shows the bind-mounted name's events marked "object", the rename out as
 * its own, not what happened to out afterwards, and the new file unmarked;
 * history of out shows the rename into it marked "new_path".
 */
static int run_history_bind(struct e2e_ctx *c)
{
	const char *real = e2e_dpath(c, "w/real"), *view = e2e_dpath(c, "w/view");
	const char *f = e2e_dpath(c, "w/real/f"), *v = e2e_dpath(c, "w/view/f");
	const char *out = e2e_dpath(c, "w/out");
	struct daemon_paths p;
	struct e2e_watcher w;
	pid_t p1, p2, p3, p4;
	json_object *o = NULL, *a;
	int ret = -1;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755) || mkdir(real, 0755) || mkdir(view, 0755) ||
	    mount(real, view, NULL, MS_BIND, NULL)) {
		snprintf(c->why, sizeof(c->why), "setup of %s: %m", p.watched);
		return -1;
	}
	if (daemon_start(c, &w, &p))
		goto out;
	if (as_user(c, 0, hb_create, &p1) || as_user(c, 0, hb_via_bind, &p2) ||
	    as_user(c, 0, hb_rename_out, &p3) || as_user(c, 0, hb_create, &p4)) {
		daemon_stop(c, &w);
		goto out;
	}
	usleep(1500 * 1000);
	if (daemon_stop(c, &w))
		goto out;

	if (hb_history(c, p.db, f, 8, &o, &a) || hb_event(c, a, 0, "create", p1, f, NULL) ||
	    hb_event(c, a, 1, "write", p1, f, NULL) || hb_event(c, a, 2, "open", p2, v, "object") ||
	    hb_event(c, a, 3, "write", p2, v, "object") ||
	    hb_event(c, a, 4, "chmod", p2, v, "object") ||
	    hb_event(c, a, 5, "rename", p3, f, NULL) ||
	    check_str(c, "events[5].new_path",
		      e2e_json_str(json_object_array_get_idx(a, 5), "new_path"), out) ||
	    hb_event(c, a, 6, "create", p4, f, NULL) || hb_event(c, a, 7, "write", p4, f, NULL))
		goto out;
	json_object_put(o);
	o = NULL;
	if (hb_history(c, p.db, out, 3, &o, &a) || hb_event(c, a, 0, "rename", p3, f, "new_path") ||
	    hb_event(c, a, 1, "open", p3, out, NULL) || hb_event(c, a, 2, "write", p3, out, NULL))
		goto out;
	ret = 0;
out:
	if (o)
		json_object_put(o);
	umount2(view, MNT_DETACH);
	return ret;
}

#define RELOAD_FILES 20000

static void create_reload_files(struct e2e_ctx *c)
{
	for (int i = 0; i < RELOAD_FILES; i++) {
		char name[64];
		int fd;

		snprintf(name, sizeof(name), "w/r%d", i);
		fd = open(e2e_dpath(c, name), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			_exit(1);
		close(fd);
	}
}

/* SIGHUP @w every @ms until @child exits. Returns: the number sent, or -1 with c->why. */
static int hup_until_exit(struct e2e_ctx *c, struct e2e_watcher *w, pid_t child, int ms)
{
	int status, n = 0;

	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child)
			break;
		if (r < 0) {
			snprintf(c->why, sizeof(c->why), "waitpid: %m");
			return -1;
		}
		if (kill(w->pid, SIGHUP)) {
			snprintf(c->why, sizeof(c->why), "kill -HUP: %m");
			return -1;
		}
		n++;
		e2e_watch_pump_for(ms);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why), "load child failed (status %d)", status);
		return -1;
	}
	return n;
}

/*
 * SIGHUP with the same settings, again and again, while a process creates
 * files under the watched prefix: "without losing events across the
 * reload", every create is in the store exactly once. (The reload empties
 * the kernel's filter maps before filling them again: creates made in
 * between were dropped, uncounted.)
 */
static int run_reload_no_loss(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char sql[PATH_MAX + 256];
	long got, lost, distinct;
	pid_t load;
	int hups;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	if (daemon_start(c, &w, &p))
		return -1;
	load = fork();
	if (load < 0) {
		snprintf(c->why, sizeof(c->why), "fork: %m");
		daemon_stop(c, &w);
		return -1;
	}
	if (load == 0) {
		create_reload_files(c);
		_exit(0);
	}
	hups = hup_until_exit(c, &w, load, 10);
	e2e_watch_pump_for(1500);
	if (daemon_stop(c, &w) || hups < 0)
		return -1;
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM events e JOIN paths p ON p.id = e.path WHERE e.op = 1 "
		 "AND CAST(p.path AS TEXT) LIKE '%s/r%%'",
		 p.watched);
	got = store_count(c, p.db, sql);
	snprintf(sql, sizeof(sql),
		 "SELECT count(DISTINCT p.path) FROM events e JOIN paths p ON p.id = e.path "
		 "WHERE e.op = 1 AND CAST(p.path AS TEXT) LIKE '%s/r%%'",
		 p.watched);
	distinct = store_count(c, p.db, sql);
	lost = store_count(c, p.db, "SELECT coalesce(sum(count), 0) FROM events WHERE op = 19");
	if (got < 0 || distinct < 0 || lost < 0)
		return -1;
	if (got != RELOAD_FILES || distinct != RELOAD_FILES) {
		snprintf(c->why, sizeof(c->why),
			 "%d creates under %d SIGHUPs (settings unchanged): %ld stored, %ld distinct "
			 "(want %d each); %ld counted lost",
			 RELOAD_FILES, hups, got, distinct, RELOAD_FILES, lost);
		return -1;
	}
	return 0;
}

static void open_dev_null(struct e2e_ctx *c)
{
	uint64_t end = e2e_now_ns() + 3000000000ull;

	while (e2e_now_ns() < end) {
		for (int i = 0; i < 1000; i++) {
			int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
		}
	}
}

/*
 * SIGHUP must not let through, even for an instant, what the filters in
 * force leave out: with the default exclusions (no --path), opens of
 * /dev/null for writing are never recorded, reloads or not. (The reload
 * empties the path and filesystem-type maps before filling them again:
 * in between everything was recorded.)
 */
static int run_reload_no_leak(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	long got;
	pid_t load;
	int hups;

	daemon_paths(c, &p);
	if (e2e_write_file(p.conf, "# default exclusions only\n", 0644)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", p.conf);
		return -1;
	}
	{
		char *argv[] = { c->env->binary, "run",		  "--config",	   p.conf,
				 "--db",	 p.db,		  "--status-file", p.status,
				 NULL };

		memset(&w, 0, sizeof(w));
		if (e2e_watch_start(&w, "run", argv, false, c->why, sizeof(c->why)))
			return -1;
	}
	load = fork();
	if (load < 0) {
		snprintf(c->why, sizeof(c->why), "fork: %m");
		daemon_stop(c, &w);
		return -1;
	}
	if (load == 0) {
		open_dev_null(c);
		_exit(0);
	}
	hups = hup_until_exit(c, &w, load, 5);
	e2e_watch_pump_for(1000);
	if (daemon_stop(c, &w) || hups < 0)
		return -1;
	got = store_count(c, p.db,
			  "SELECT count(*) FROM events e JOIN paths p ON p.id = e.path WHERE "
			  "e.op < 100 AND CAST(p.path AS TEXT) = '/dev/null'");
	if (got < 0)
		return -1;
	if (got) {
		snprintf(c->why, sizeof(c->why),
			 "%ld events on /dev/null (default-excluded) recorded across %d SIGHUPs "
			 "with unchanged settings; want 0",
			 got, hups);
		return -1;
	}
	return 0;
}

/*
 * SIGHUP applies what a running daemon can take (the filters, retain) and
 * says which other changes wait for a restart: "configuration reloaded"
 * alone, after retain = 30d became 1d, left the administrator believing a
 * day's retention was in force; and a changed every-call refused the whole
 * reload, filters included.
 */
static int run_reload_says_restart(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char conf[PATH_MAX + 160], skip[PATH_MAX + 16], kept[PATH_MAX + 16], sql[PATH_MAX + 256];
	char *said;
	long n_skip, n_kept;

	daemon_paths(c, &p);
	snprintf(skip, sizeof(skip), "%s/skip", p.watched);
	snprintf(kept, sizeof(kept), "%s/kept", p.watched);
	if (mkdir(p.watched, 0755) || mkdir(skip, 0755) ||
	    e2e_write_file(p.conf, "retain = 30d\n", 0644)) {
		snprintf(c->why, sizeof(c->why), "setup: %m");
		return -1;
	}
	if (daemon_start(c, &w, &p))
		return -1;
	snprintf(conf, sizeof(conf), "retain = 1d\nqueue-size = 5000\nevery-call = yes\nexclude = %s\n",
		 skip);
	if (e2e_write_file(p.conf, conf, 0644) || kill(w.pid, SIGHUP)) {
		snprintf(c->why, sizeof(c->why), "rewrite and SIGHUP: %m");
		daemon_stop(c, &w);
		return -1;
	}
	for (int i = 0; i < 50 && !strstr(w.err, "configuration reloaded"); i++)
		e2e_watch_pump_for(100);
	strcat(skip, "/f");
	if (e2e_write_file(skip, "x", 0644) || e2e_write_file(kept, "x", 0644)) {
		snprintf(c->why, sizeof(c->why), "writing after the reload: %m");
		daemon_stop(c, &w);
		return -1;
	}
	e2e_watch_pump_for(500);
	said = strstr(w.err, "vfsaudit: configuration reloaded") ? strdup(w.err) : NULL;
	if (daemon_stop(c, &w)) {
		free(said);
		return -1;
	}
	if (!said) {
		snprintf(c->why, sizeof(c->why), "no reload line at all: %.500s", w.err);
		return -1;
	}
	if (!strstr(said, "vfsaudit: reload: retain now 86400 s\n") ||
	    !strstr(said, "vfsaudit: reload: every-call, queue-size: changes take effect at "
			  "restart\n")) {
		snprintf(c->why, sizeof(c->why),
			 "want retain applied and every-call, queue-size said to wait: %.600s",
			 strstr(said, "ready") ? strchr(strstr(said, "ready"), '\n') : said);
		free(said);
		return -1;
	}
	free(said);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM events e JOIN paths p ON p.id = e.path"
		 " WHERE CAST(p.path AS TEXT) = '%s'",
		 skip);
	n_skip = store_count(c, p.db, sql);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM events e JOIN paths p ON p.id = e.path"
		 " WHERE CAST(p.path AS TEXT) = '%s' AND e.op = 1",
		 kept);
	n_kept = store_count(c, p.db, sql);
	if (n_skip != 0 || n_kept != 1) {
		snprintf(c->why, sizeof(c->why),
			 "the reload's exclude: %ld events under it (want 0), %ld creates beside it"
			 " (want 1)",
			 n_skip, n_kept);
		return -1;
	}
	return 0;
}

/* A bad filter option names it once: "--path 'x'", not "----path 'x'". */
static int run_bad_filter_option(struct e2e_ctx *c)
{
	char conf[PATH_MAX], out[4096], err[4096];
	char *argv[] = { c->env->binary, "run", "--config", conf, "--path", "relative", NULL };
	int status;

	snprintf(conf, sizeof(conf), "%s/empty.conf", c->dir);
	if (e2e_write_file(conf, "\n", 0644) ||
	    e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err))) {
		snprintf(c->why, sizeof(c->why), "running vfsaudit run: %m");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !strstr(err, "--path 'relative'") ||
	    strstr(err, "---path")) {
		snprintf(c->why, sizeof(c->why), "expected exit 2 naming --path 'relative', got %d: %.300s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
		return -1;
	}
	return 0;
}

/*
 * A prefix through a symlink matches nothing (files are named by their real
 * path): run and watch refuse it with exit 2, naming the real path. run
 * refuses it before making a store.
 */
static int run_symlink_prefix(struct e2e_ctx *c)
{
	char conf[PATH_MAX], real[PATH_MAX], lnk[PATH_MAX], under[PATH_MAX + 8], db[PATH_MAX];
	char want[PATH_MAX + 64], out[4096], err[4096];
	char *run[] = { c->env->binary, "run", "--config", conf, "--db", db, "--path", under, NULL };
	char *watch[] = { c->env->binary, "watch", "--exclude", under, NULL };
	char **cmds[] = { run, watch };
	int status;

	snprintf(conf, sizeof(conf), "%s/empty.conf", c->dir);
	snprintf(real, sizeof(real), "%s/real", c->dir);
	snprintf(lnk, sizeof(lnk), "%s/lnk", c->dir);
	snprintf(under, sizeof(under), "%s/sub", lnk);
	snprintf(db, sizeof(db), "%s/store/audit.db", c->dir);
	if (e2e_write_file(conf, "\n", 0644) || mkdir(real, 0755) || symlink("real", lnk)) {
		snprintf(c->why, sizeof(c->why), "setup: %m");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(want, sizeof(want), "give --%s %s/sub", i ? "exclude" : "path", real);
		if (e2e_run_cmd(cmds[i], 10000, &status, out, sizeof(out), err, sizeof(err))) {
			snprintf(c->why, sizeof(c->why), "running vfsaudit: %m");
			return -1;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !strstr(err, want)) {
			snprintf(c->why, sizeof(c->why), "%s: want exit 2 and '%s', got %d: %.300s",
				 cmds[i][1], want, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				 err);
			return -1;
		}
	}
	if (!access(db, F_OK)) {
		snprintf(c->why, sizeof(c->why), "run made %s before refusing", db);
		return -1;
	}
	return 0;
}

/*
 * setup-keys while a daemon records into the store: refused, no key made
 * (what the daemon stored until its restart could not be sealed in time,
 * and verify would report it); with the daemon stopped, the key is made.
 */
static int run_keys_while_running(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char key[PATH_MAX + 8], out[4096], err[4096];
	char *argv[] = { c->env->binary, "setup-keys", "--db", p.db, NULL };
	int status, ret = -1;

	daemon_paths(c, &p);
	snprintf(key, sizeof(key), "%s.key", p.db);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir: %m");
		return -1;
	}
	if (daemon_start(c, &w, &p))
		return -1;
	if (e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err))) {
		snprintf(c->why, sizeof(c->why), "running setup-keys: %m");
		daemon_stop(c, &w);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 || !strstr(err, "stop it first") ||
	    !access(key, F_OK)) {
		snprintf(c->why, sizeof(c->why),
			 "setup-keys with the daemon running: want exit 1, 'stop it first' and no "
			 "key; got %d, key %s: %.300s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			 access(key, F_OK) ? "absent" : "made", err);
		daemon_stop(c, &w);
		return -1;
	}
	if (daemon_stop(c, &w))
		return -1;
	if (e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err)) ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0 || access(key, F_OK))
		snprintf(c->why, sizeof(c->why), "setup-keys after the stop: exit %d: %.300s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
	else
		ret = 0;
	return ret;
}

/*
 * A second daemon, into another store, on the first one's status file:
 * refused before it makes its store (status would show whichever wrote
 * last, and the first to stop would remove it).
 */
static int run_status_file_taken(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char db2[PATH_MAX + 8], out[4096], err[4096];
	char *argv[] = { c->env->binary, "run",	   "--config",	    p.conf, "--db",
			 db2,		 "--path", p.watched,	    "--status-file",
			 p.status,	 NULL };
	int status, ret = -1;

	daemon_paths(c, &p);
	snprintf(db2, sizeof(db2), "%s/other/audit.db", c->dir);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir: %m");
		return -1;
	}
	if (daemon_start(c, &w, &p))
		return -1;
	for (int i = 0; i < 30 && access(p.status, F_OK); i++)
		e2e_watch_pump_for(100);
	if (e2e_run_cmd(argv, 10000, &status, out, sizeof(out), err, sizeof(err)))
		snprintf(c->why, sizeof(c->why), "running the second daemon: %m");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 ||
		 !strstr(err, "give this one its own --status-file") || !access(db2, F_OK))
		snprintf(c->why, sizeof(c->why),
			 "second daemon on the same status file: want exit 1 naming --status-file"
			 " and no store; got %d, store %s: %.300s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			 access(db2, F_OK) ? "absent" : "made", err);
	else
		ret = 0;
	if (daemon_stop(c, &w))
		return -1;
	return ret;
}

/* ---- a burst past the queue: the backlog file ---- */

#define BURST_WRITES 100000

static void burst_writes(struct e2e_ctx *c)
{
	char block[64];
	int fd = open(e2e_dpath(c, "w/burst"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	memset(block, 'b', sizeof(block));
	for (int i = 0; fd >= 0 && i < BURST_WRITES; i++)
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			_exit(1);
	if (fd < 0 || close(fd))
		_exit(1);
}

/*
 * One burst of BURST_WRITES writes, one event each (every-call), into a
 * daemon whose queue holds 16 events, with @conf's backlog setting; the
 * store in @tag's directory. Returns: 0, or -1 with c->why.
 */
static int burst_run(struct e2e_ctx *c, struct daemon_paths *p, const char *tag, const char *conf)
{
	struct e2e_watcher w;
	char store[PATH_MAX - 16];

	snprintf(store, sizeof(store), "%s/%s", c->dir, tag);
	snprintf(p->db, sizeof(p->db), "%s/audit.db", store);
	snprintf(p->conf, sizeof(p->conf), "%s/%s.conf", c->dir, tag);
	if ((mkdir(store, 0700) && errno != EEXIST) || e2e_write_file(p->conf, conf, 0644)) {
		snprintf(c->why, sizeof(c->why), "setting up %s: %m", store);
		return -1;
	}
	unlink(e2e_dpath(c, "w/burst"));
	if (daemon_start(c, &w, p))
		return -1;
	if (as_user(c, 0, burst_writes, NULL)) {
		daemon_stop(c, &w);
		return -1;
	}
	/* A stop writes out everything queued, the backlog included. */
	return daemon_stop(c, &w);
}

/*
 * A burst faster than the store writes, past a queue of 16 events: with
 * the backlog file every write is stored, in order, none counted unsaved,
 * and no file is left beside the store; the same burst without it
 * (backlog-size = 0) leaves events unsaved, which shows the burst did go
 * past the queue.
 */
static int run_backlog(struct e2e_ctx *c)
{
	struct daemon_paths p;
	char sql[PATH_MAX + 256], out[4096];
	long writes, calls, unsaved, disorder;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	if (burst_run(c, &p, "without", "queue-size = 16\nevery-call = yes\nbacklog-size = 0\n"))
		return -1;
	unsaved = store_count(c, p.db, "SELECT coalesce(sum(count), 0) FROM events WHERE op = 103");
	if (unsaved <= 0) {
		snprintf(c->why, sizeof(c->why),
			 "without a backlog the burst left %ld unsaved: it did not go past the "
			 "queue",
			 unsaved);
		return -1;
	}

	if (burst_run(c, &p, "with", "queue-size = 16\nevery-call = yes\n"))
		return -1;
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM events e JOIN paths p ON p.id = e.path WHERE e.op = 4 "
		 "AND CAST(p.path AS TEXT) = '%s/burst'",
		 p.watched);
	writes = store_count(c, p.db, sql);
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(sum(e.count), 0) FROM events e JOIN paths p ON p.id = e.path "
		 "WHERE e.op = 4 AND CAST(p.path AS TEXT) = '%s/burst'",
		 p.watched);
	calls = store_count(c, p.db, sql);
	unsaved = store_count(c, p.db, "SELECT coalesce(sum(count), 0) FROM events WHERE op = 103");
	/* Stored in the order they came: each write's time at or after the one stored before. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM (SELECT e.ts, lag(e.ts) OVER (ORDER BY e.id) AS prev "
		 "FROM events e JOIN paths p ON p.id = e.path WHERE e.op = 4 "
		 "AND CAST(p.path AS TEXT) = '%s/burst') WHERE ts < prev",
		 p.watched);
	disorder = store_count(c, p.db, sql);
	if (writes < 0 || calls < 0 || unsaved < 0 || disorder < 0)
		return -1;
	if (writes != BURST_WRITES || calls != BURST_WRITES || unsaved || disorder) {
		snprintf(c->why, sizeof(c->why),
			 "with the backlog: %ld write records of %ld calls stored (want %d each), "
			 "%ld unsaved, %ld out of order",
			 writes, calls, BURST_WRITES, unsaved, disorder);
		return -1;
	}
	{
		char dir[PATH_MAX];
		char *ls[] = { "/bin/ls", "-A", dir, NULL };

		snprintf(dir, sizeof(dir), "%s/with", c->dir);
		if (query(c, ls, out, sizeof(out)) != 0)
			return -1;
		/* The store and the daemon's lock: nothing else. */
		if (strcmp(out, "audit.db\naudit.db.lock\n")) {
			snprintf(c->why, sizeof(c->why), "left beside the store: %.300s", out);
			return -1;
		}
	}
	return 0;
}

/* ---- status: how full the kernel's ring buffer got ---- */

#define RING_TEST_BYTES 65536

struct ring_status {
	int64_t events, lost, ring_bytes, peak;
};

/*
 * Poll status (it is rewritten every second, the peak read every second)
 * until @done says so, 8 s at most. Returns: 0, or -1 with c->why.
 */
static int wait_ring_status(struct e2e_ctx *c, const struct daemon_paths *p,
			    bool (*done)(const struct ring_status *), struct ring_status *rs)
{
	for (int i = 0; i < 80; i++) {
		json_object *o = status_json(c, p);

		if (!o)
			return -1;
		rs->events = e2e_json_int(o, "events", -1);
		rs->lost = e2e_json_int(o, "lost", -1);
		rs->ring_bytes = e2e_json_int(o, "ring_bytes", -1);
		rs->peak = e2e_json_int(o, "ring_peak_bytes", -1);
		json_object_put(o);
		if (done(rs))
			return 0;
		usleep(100 * 1000);
	}
	snprintf(c->why, sizeof(c->why),
		 "status after 8 s: events %lld, lost %lld, ring_bytes %lld, ring_peak_bytes %lld",
		 (long long)rs->events, (long long)rs->lost, (long long)rs->ring_bytes,
		 (long long)rs->peak);
	return -1;
}

#define RING_FEW   8
#define RING_FLOOD 3000

/* What the few creates take in the ring: set before they are made. */
static int64_t few_bytes;

/*
 * A create is one record: the file record and its path (no NUL), after
 * the ring's 8-byte header, padded to 8 bytes.
 */
static int64_t create_record_bytes(const char *path)
{
	return (int64_t)((sizeof(struct va_wire_file) + strlen(path) + 8 + 7) & ~(size_t)7);
}

static bool few_seen(const struct ring_status *rs)
{
	return rs->events >= RING_FEW && rs->peak >= few_bytes;
}

static bool flood_seen(const struct ring_status *rs)
{
	return rs->lost > 0 && rs->peak == rs->ring_bytes;
}

/* Create @n empty files named PREFIX0.. in the watched directory. */
static int create_files(struct e2e_ctx *c, const char *prefix, int n)
{
	char rel[64];

	for (int i = 0; i < n; i++) {
		int fd;

		snprintf(rel, sizeof(rel), "w/%s%d", prefix, i);
		fd = open(e2e_dpath(c, rel), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || close(fd)) {
			snprintf(c->why, sizeof(c->why), "creating %s: %m", rel);
			return -1;
		}
	}
	return 0;
}

/*
 * A daemon with a 64 KiB ring, stopped while 8 files are made: status says
 * the ring held at least those 8 records (their exact size, header and
 * padding included) and stayed under a quarter; stopped while 3,000 are
 * made: events were lost and status says the ring was full (its
 * high-water mark is its size, which only a refused record sets, and the
 * text says so).
 */
static int run_status_ring(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	struct ring_status rs;
	char out[8192];
	int ret = -1;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755) || e2e_write_file(p.conf, "buffer-size = 64k\n", 0644)) {
		snprintf(c->why, sizeof(c->why), "setting up: %m");
		return -1;
	}
	if (daemon_start(c, &w, &p))
		return -1;
	few_bytes = 0;
	for (int i = 0; i < RING_FEW; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "w/few%d", i);
		few_bytes += create_record_bytes(e2e_dpath(c, rel));
	}
	/* Stopped, the daemon drains nothing: the last create finds the others queued. */
	kill(w.pid, SIGSTOP);
	if (create_files(c, "few", RING_FEW))
		goto out;
	kill(w.pid, SIGCONT);
	if (wait_ring_status(c, &p, few_seen, &rs))
		goto out;
	if (check_int(c, "ring_bytes", rs.ring_bytes, RING_TEST_BYTES) ||
	    check_int(c, "lost before the flood", rs.lost, 0))
		goto out;
	/* The daemon is woken at a quarter: a few records stay well under it. */
	if (rs.peak >= rs.ring_bytes / 4) {
		snprintf(c->why, sizeof(c->why),
			 "ring_peak_bytes %lld before the flood (the creates take %lld)",
			 (long long)rs.peak, (long long)few_bytes);
		goto out;
	}
	kill(w.pid, SIGSTOP);
	if (create_files(c, "flood", RING_FLOOD))
		goto out;
	kill(w.pid, SIGCONT);
	if (wait_ring_status(c, &p, flood_seen, &rs))
		goto out;
	{
		char *argv[] = { c->env->binary, "status", "--status-file", p.status, NULL };

		if (query(c, argv, out, sizeof(out)) != 0)
			goto out;
		if (!strstr(out,
			    "held at most 100.0% of its size since start: it was full at least "
			    "once")) {
			snprintf(c->why, sizeof(c->why), "status text: %.400s", out);
			goto out;
		}
	}
	ret = 0;
out:
	kill(w.pid, SIGCONT);
	if (daemon_stop(c, &w))
		ret = -1;
	return ret;
}

const struct e2e_case e2e_cases_store[] = {
	{ .name = "store: history needs read access to the store, nothing more",
	  .run = run_read_only_store },
	{ .name = "store: history and report say what the filters did not watch; verify --key "
		  "of a store with no seal is not authenticated",
	  .run = run_coverage },
	{ .name = "store: run without capabilities exits 1 naming them, makes no store",
	  .run = run_no_capabilities },
	{ .name = "store: a damaged page, or a store cut short: history, report and verify say "
		  "so, exit 1",
	  .run = run_damaged_store },
	{ .name = "store: a full disk is counted, recorded when space returns, store intact",
	  .run = run_disk_full },
	{ .name = "store: a burst past a queue of 16 waits in the backlog file: 100,000 writes "
		  "stored in order, none unsaved (without it: unsaved), no file left",
	  .run = run_backlog },
	{ .name = "store: history counts changes by two users, renames, hard links",
	  .run = run_history },
	{ .name = "store: history of a name: through a bind mount (marked), renamed out, made anew",
	  .run = run_history_bind },
	{ .name = "store: gaps after a clean stop and after kill -9", .run = run_gaps },
	{ .name = "store: history finds a write made after unshare through a file opened before",
	  .run = run_history_unreachable },
	{ .name = "store: history and report are not recorded by their daemon, from any mount "
		  "namespace; another program's open of its -shm is, and a query of another store",
	  .run = run_queries_unrecorded },
	{ .name = "store: 5 x kill -9 under load, integrity_check ok, crash rows",
	  .run = run_kill9 },
	{ .name = "store: status while running (exit 0) and after (exit 1)", .run = run_status },
	{ .name = "store: status says how full the ring buffer got: 8 records, then full after "
		  "a flood with events lost",
	  .run = run_status_ring },
	{ .name = "store: a bad configuration line exits 2 naming FILE:LINE",
	  .run = run_bad_config },
	{ .name = "store: a --db that cannot be a store (not one, a directory, no directory) "
		  "exits 2 naming --db; the file is untouched",
	  .run = run_not_a_store },
	{ .name = "run: its threads run at nice -15, or as priority-boost says; 21 exits 2",
	  .run = run_priority },
	{ .name = "watch: nice -15, -3 with --priority-boost 3, its own with 0 or without "
		  "CAP_SYS_NICE (quietly); x exits 2",
	  .run = watch_priority },
	{ .name = "watch: a 4 MiB ring buffer on up to 4 CPUs (8 MiB on more), 16 MiB with "
		  "--buffer-size 16M",
	  .run = watch_ring_size },
	{ .name = "reload: SIGHUPs under load lose no event in scope (each create stored once)",
	  .run = run_reload_no_loss },
	{ .name = "reload: SIGHUPs under load record nothing the filters leave out (/dev/null)",
	  .run = run_reload_no_leak },
	{ .name = "reload: retain and filters apply; every-call, queue-size are said to wait for a "
		  "restart",
	  .run = run_reload_says_restart },
	{ .name = "run, watch: a --path or --exclude through a symlink exits 2 naming the real "
		  "path",
	  .run = run_symlink_prefix },
	{ .name = "setup-keys refuses while a daemon records into the store, works once it stops",
	  .run = run_keys_while_running },
	{ .name = "run: a second daemon on another's status file is refused before making its "
		  "store",
	  .run = run_status_file_taken },
	{ .name = "run: a bad filter option on the command line is named as --path, exit 2",
	  .run = run_bad_filter_option },
};
const size_t e2e_n_cases_store = sizeof(e2e_cases_store) / sizeof(e2e_cases_store[0]);
