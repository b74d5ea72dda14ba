// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A first read or write that borrows its open's record (rw.bpf.h) must say
 * what a record of its own would have said. Each case changes, between the
 * open and the first write, one thing the open's record carries: the
 * process's uid (setuid), its program (exec), its name (prctl), its root
 * (chroot), the file's name (rename), the filters (a reload); or, with
 * opens not recorded, reopens the same inode by another name (a hard link,
 * a bind mount), where the struct file freed by the close comes back for
 * the reopen on kernels that reuse it at once (6.7 and later).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e_case.h"
#include "e2e_daemon.h"
#include "e2e_expect.h"

/* ---- what a borrowed event carries ---- */

/*
 * A read's and a truncating open's first write: each is the open's path
 * and object with its own op, count and bytes, and none of the open's
 * flags or the truncate's size.
 */
static void child_read_and_truncate(struct e2e_ctx *c)
{
	char buf[16];
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	CK(c, read(fd, buf, 4));
	close(fd);
	fd = open(e2e_dpath(c, "f"), O_WRONLY | O_TRUNC);
	CK(c, fd);
	CK(c, write(fd, "xyz", 3));
	close(fd);
}

static void check_read_and_truncate(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	const char *f = e2e_dpath(k->c, "f");
	struct json_object *r = e2e_find(k, "read", f, 0);
	struct json_object *w = e2e_find(k, "write", f, 0);

	e2e_ops(k, "open read open truncate write");
	if (r) {
		e2e_proc(k, r, &p);
		e2e_int(k, r, "count", 1);
		e2e_int(k, r, "bytes", 4);
		e2e_int(k, r, "ret", 4);
		e2e_absent(k, r, "flags");
		e2e_obj_st(k, r, &k->c->st[0], 0);
	}
	if (w) {
		e2e_proc(k, w, &p);
		e2e_int(k, w, "count", 1);
		e2e_int(k, w, "bytes", 3);
		e2e_int(k, w, "ret", 3);
		e2e_absent(k, w, "flags");
		e2e_absent(k, w, "size");
		e2e_obj_st(k, w, &k->c->st[0], 0);
	}
}

/* ---- the process changed between the open and the write ---- */

static void child_setuid(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, setresuid(1000, 1000, 0));
	CK(c, write(fd, "abc", 3));
	close(fd);
}

static void check_setuid(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *cr = e2e_find(k, "create", e2e_dpath(k->c, "f"), 0);
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "f"), 0);

	e2e_ops(k, "create write");
	if (cr)
		e2e_proc(k, cr, &p);
	p.uid = p.euid = 1000;
	if (w) {
		e2e_proc(k, w, &p);
		e2e_int(k, w, "count", 1);
		e2e_int(k, w, "bytes", 3);
		e2e_obj(k, w, e2e_dpath(k->c, "f"), 0);
	}
}

static void child_exec(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	char cmd[64];

	CK(c, fd);
	/* printf is the shell's own: the write is the shell's, in this process. */
	snprintf(cmd, sizeof(cmd), "printf abcd >&%d", fd);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	e2e_child_fail(c, "exec /bin/sh: %m");
}

static void check_exec(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "f"), 0);
	char *exe = realpath("/bin/sh", NULL);

	if (w) {
		p.comm = "sh";
		p.exe = exe;
		e2e_proc(k, w, &p);
		e2e_int(k, w, "count", 1);
		e2e_int(k, w, "bytes", 4);
	}
	free(exe);
}

static void child_comm(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, prctl(PR_SET_NAME, "e2e-renamed"));
	CK(c, write(fd, "ab", 2));
	close(fd);
}

static void check_comm(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *cr = e2e_find(k, "create", e2e_dpath(k->c, "f"), 0);
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "f"), 0);

	e2e_ops(k, "create write");
	if (cr)
		e2e_proc(k, cr, &p);
	p.comm = "e2e-renamed";
	if (w) {
		e2e_proc(k, w, &p);
		e2e_int(k, w, "bytes", 2);
	}
}

/*
 * After a chroot into the file's directory the process sees the file as
 * /f, outside the watched paths: its write is left out, as a write by a
 * process chrooted before the open would be.
 */
static void child_chroot(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, chroot(c->dir));
	CK(c, write(fd, "ab", 2));
	close(fd);
}

static void check_chroot(struct e2e_check *k)
{
	e2e_ops(k, "create");
}

/*
 * A thread other than the leader opens f and execs: the exec gives it the
 * leader's tid, under which user space holds the leader's template (g).
 * The write of f after the exec is f's.
 */
static void *exec_thread_main(void *arg)
{
	struct e2e_ctx *c = arg;
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	char cmd[64];

	CK(c, fd);
	snprintf(cmd, sizeof(cmd), "printf x >&%d", fd);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	e2e_child_fail(c, "exec /bin/sh: %m");
	return NULL;
}

static void child_exec_thread(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "g"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	pthread_t t;

	CK(c, fd);
	if (pthread_create(&t, NULL, exec_thread_main, c))
		e2e_child_fail(c, "pthread_create failed");
	pthread_join(t, NULL); /* the exec ends this process's image first */
}

static void check_exec_thread(struct e2e_check *k)
{
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "f"), 0);

	e2e_ops(k, "create create write");
	if (e2e_count(k, "write", e2e_dpath(k->c, "g")))
		e2e_fail(k, "the write of f was reported as one of g");
	if (w) {
		e2e_int(k, w, "count", 1);
		e2e_int(k, w, "bytes", 1);
		e2e_str(k, w, "comm", "sh");
	}
}

/* ---- the file renamed between its open and the first write ---- */

static void child_renamed(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "a"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, rename(e2e_dpath(c, "a"), e2e_dpath(c, "b")));
	CK(c, write(fd, "abcde", 5));
	close(fd);
}

static void check_renamed(struct e2e_check *k)
{
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "b"), 0);

	e2e_ops(k, "create rename write");
	if (w) {
		e2e_int(k, w, "count", 1);
		e2e_int(k, w, "bytes", 5);
		e2e_obj(k, w, e2e_dpath(k->c, "b"), 0);
	}
}

/* ---- the same inode reopened by another name, the reopen not recorded ---- */

#define REOPENS 20

/* `watch --ops create,write` on @dir: creates recorded, opens not. */
static int start_create_write(struct e2e_ctx *c, struct e2e_watcher *w, const char *dir)
{
	char *argv[] = { c->env->binary, "watch",  "--format",	"json", "--ops",
			 "create,write", "--path", (char *)dir, NULL };

	memset(w, 0, sizeof(*w));
	return e2e_watch_start(w, "borrow", argv, true, c->why, sizeof(c->why));
}

/*
 * Create @made and close it; with @hard_link, link it as @other; open
 * @other (the same inode), write 5 bytes, close.
 */
static int create_then_reopen(struct e2e_ctx *c, const char *made, const char *other,
			      bool hard_link)
{
	int fd = open(made, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 || close(fd)) {
		snprintf(c->why, sizeof(c->why), "creating %s: %m", made);
		return -1;
	}
	if (hard_link && link(made, other)) {
		snprintf(c->why, sizeof(c->why), "link %s: %m", other);
		return -1;
	}
	fd = open(other, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "abcde", 5) != 5 || close(fd)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", other);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* The write events in @w of @path: how many, and their calls. */
static void writes_of(const struct e2e_watcher *w, const char *path, int *events, int64_t *calls)
{
	*events = 0;
	*calls = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct json_object *o = w->ev[i].o;
		const char *op = e2e_json_str(o, "op"), *p = e2e_json_str(o, "path");

		if (op && p && !strcmp(op, "write") && !strcmp(p, path)) {
			(*events)++;
			*calls += e2e_json_int(o, "count", 0);
		}
	}
}

/*
 * Each write is under the name written by (@other, then the number), none
 * under the one created (@made, then the number).
 */
static int check_reopens(struct e2e_ctx *c, struct e2e_watcher *w, const char *made_base,
			 const char *other_base)
{
	for (int i = 0; i < REOPENS; i++) {
		char made[700], other[700];
		int events;
		int64_t calls;

		snprintf(made, sizeof(made), "%s%d", made_base, i);
		snprintf(other, sizeof(other), "%s%d", other_base, i);
		writes_of(w, made, &events, &calls);
		if (events) {
			snprintf(c->why, sizeof(c->why),
				 "%d write events under %s, the name the file was created by; "
				 "it was written as %s",
				 events, made, other);
			return -1;
		}
		writes_of(w, other, &events, &calls);
		if (calls != 1) {
			snprintf(c->why, sizeof(c->why), "writes of %s: %lld calls, want 1", other,
				 (long long)calls);
			return -1;
		}
	}
	return 0;
}

/* The end of a case: @w stopped if it still runs, and freed. */
static void end_watch(struct e2e_watcher *w)
{
	char why[512];

	if (w->running)
		e2e_watch_stop(w, why, sizeof(why));
	e2e_watch_free(w);
}

static int run_hard_link(struct e2e_ctx *c)
{
	char made[700], other[700];
	struct e2e_watcher w;
	int ret = -1;

	if (start_create_write(c, &w, c->dir))
		return -1;
	for (int i = 0; i < REOPENS; i++) {
		snprintf(made, sizeof(made), "%s/a%d", c->dir, i);
		snprintf(other, sizeof(other), "%s/h%d", c->dir, i);
		if (create_then_reopen(c, made, other, true) < 0)
			goto out;
	}
	e2e_watch_pump_for(1500);
	if (e2e_watch_stop(&w, c->why, sizeof(c->why)))
		goto out;
	snprintf(made, sizeof(made), "%s/a", c->dir);
	snprintf(other, sizeof(other), "%s/h", c->dir);
	ret = check_reopens(c, &w, made, other);
out:
	end_watch(&w);
	return ret;
}

static int run_bind_mount(struct e2e_ctx *c)
{
	char real[600], view[600], made[700], seen[700];
	struct e2e_watcher w;
	int ret = -1;

	snprintf(real, sizeof(real), "%s/real", c->dir);
	snprintf(view, sizeof(view), "%s/view", c->dir);
	if (mkdir(real, 0755) || mkdir(view, 0755) || mount(real, view, NULL, MS_BIND, NULL)) {
		snprintf(c->why, sizeof(c->why), "bind mount %s on %s: %m", real, view);
		return -1;
	}
	if (start_create_write(c, &w, c->dir))
		goto out;
	for (int i = 0; i < REOPENS; i++) {
		snprintf(made, sizeof(made), "%s/f%d", real, i);
		snprintf(seen, sizeof(seen), "%s/f%d", view, i);
		if (create_then_reopen(c, made, seen, false) < 0)
			goto out;
	}
	e2e_watch_pump_for(1500);
	if (e2e_watch_stop(&w, c->why, sizeof(c->why)))
		goto out;
	snprintf(made, sizeof(made), "%s/f", real);
	snprintf(seen, sizeof(seen), "%s/f", view);
	ret = check_reopens(c, &w, made, seen);
out:
	end_watch(&w);
	umount2(view, MNT_DETACH);
	return ret;
}

/* ---- the filters reloaded between the open and the write ---- */

/*
 * A file opened (and recorded) while its directory is watched, then the
 * configuration narrowed and reloaded (SIGHUP) before its first write: the
 * write is left out, as the filters in force say, though the open that it
 * would borrow from was kept.
 */
static int run_reload_narrows(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char a[600], b[600], f[700], conf[1300];
	int fd = -1, ret = -1;
	int64_t creates, writes;

	daemon_paths(c, &p);
	snprintf(a, sizeof(a), "%s/a", c->dir);
	snprintf(b, sizeof(b), "%s/b", c->dir);
	snprintf(f, sizeof(f), "%s/f", a);
	snprintf(conf, sizeof(conf), "path = %s\n", a);
	if (mkdir(a, 0755) || mkdir(b, 0755)) {
		snprintf(c->why, sizeof(c->why), "setting up: %m");
		return -1;
	}
	if (daemon_start_conf(c, &w, &p, conf))
		return -1;
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(c->why, sizeof(c->why), "creating %s: %m", f);
		goto out;
	}
	/* The template is lent for one to two seconds: the reload must be done well within. */
	snprintf(conf, sizeof(conf), "path = %s\n", b);
	if (daemon_reload(c, &w, &p, conf))
		goto out;
	if (write(fd, "abc", 3) != 3) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", f);
		goto out;
	}
	close(fd);
	fd = -1;
	if (daemon_stop(c, &w) || (creates = history_sum(c, &p, f, "create", NULL)) < 0 ||
	    (writes = history_sum(c, &p, f, "write", NULL)) < 0 ||
	    check_int(c, "creates recorded before the reload", creates, 1) ||
	    check_int(c, "writes recorded after the reload left the file out", writes, 0))
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (w.running)
		daemon_stop(c, &w);
	return ret;
}

const struct e2e_case e2e_cases_borrow[] = {
	E2E_CASE("borrow: a first read, and a truncating open's first write: the open's path and "
		 "object, their own op, count and bytes, no flags or size",
		 W_MAIN, 0, e2e_setup_file, child_read_and_truncate, check_read_and_truncate),
	E2E_CASE("borrow: setuid between the open and the first write: the write is the new uid's",
		 W_MAIN, 0, NULL, child_setuid, check_setuid),
	E2E_CASE("borrow: exec between the open and the first write: the write is the new "
		 "program's",
		 W_MAIN, 0, NULL, child_exec, check_exec),
	E2E_CASE("borrow: a thread opens f and execs, taking the leader's tid: its write is f's, "
		 "not the leader's last open's",
		 W_MAIN, 0, NULL, child_exec_thread, check_exec_thread),
	E2E_CASE("borrow: prctl(PR_SET_NAME) between the open and the first write: the write has "
		 "the new comm",
		 W_MAIN, 0, NULL, child_comm, check_comm),
	E2E_CASE("borrow: chroot between the open and the first write: the write's path is the "
		 "new root's (outside the watched paths)",
		 W_MAIN, 0, NULL, child_chroot, check_chroot, .settle_ms = 1500),
	E2E_CASE("borrow: the file renamed between its open and its first write: the write is "
		 "under the new name",
		 W_MAIN, 0, NULL, child_renamed, check_renamed),
	{ .name = "borrow: opens not recorded, the same inode reopened through a hard link: "
		  "each write under the link's name",
	  .run = run_hard_link },
	{ .name = "borrow: opens not recorded, the same inode reopened through a bind mount: "
		  "each write under the mount's path",
	  .run = run_bind_mount },
	{ .name = "borrow: the filters narrowed by SIGHUP between the open and the first write: "
		  "the write left out",
	  .run = run_reload_narrows },
};
const size_t e2e_n_cases_borrow = sizeof(e2e_cases_borrow) / sizeof(e2e_cases_borrow[0]);
