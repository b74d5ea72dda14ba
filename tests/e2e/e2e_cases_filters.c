// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Filters, each against a watcher started with it. What must not be
 * reported is done first and a reported sentinel last: the child's events
 * arrive in order, so once the sentinel is in, a wrongly reported event
 * would be too (and the settle time catches stragglers).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_expect.h"

static void create_at(struct e2e_ctx *c, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	close(fd);
}

/* ---- --path and --exclude (W_FILT: --path S/filt/etc --exclude S/filt/etc/skip) ---- */

static void child_boundary(struct e2e_ctx *c)
{
	create_at(c, e2e_spath(c, "filt/etcx/f1"));
	CK(c, chmod(e2e_spath(c, "filt/etc"), 0755));
	create_at(c, e2e_spath(c, "filt/etc/f1"));
}

static void check_boundary(struct e2e_check *k)
{
	struct json_object *m = e2e_find(k, "chmod", e2e_spath(k->c, "filt/etc"), 0);
	struct json_object *cr = e2e_find(k, "create", e2e_spath(k->c, "filt/etc/f1"), 0);

	/* etcx/f1 must not appear; etc itself is on the boundary and does. */
	e2e_ops(k, "chmod create");
	if (m)
		e2e_common(k, m);
	if (cr)
		e2e_common(k, cr);
}

static void child_exclude(struct e2e_ctx *c)
{
	create_at(c, e2e_spath(c, "filt/etc/skip/f2"));
	CK(c, chmod(e2e_spath(c, "filt/etc/skip"), 0755));
	create_at(c, e2e_spath(c, "filt/etc/skipx/f2"));
}

static void check_exclude(struct e2e_check *k)
{
	struct json_object *cr = e2e_find(k, "create", e2e_spath(k->c, "filt/etc/skipx/f2"), 0);

	e2e_ops(k, "create");
	if (cr)
		e2e_common(k, cr);
}

static void child_cross(struct e2e_ctx *c)
{
	create_at(c, e2e_spath(c, "filt/out/f3"));
	CK(c, rename(e2e_spath(c, "filt/out/f3"), e2e_spath(c, "filt/etc/f3")));
	CK(c, rename(e2e_spath(c, "filt/etc/f3"), e2e_spath(c, "filt/out/f4")));
	CK(c, link(e2e_spath(c, "filt/out/f4"), e2e_spath(c, "filt/etc/l4")));
	CK(c, unlink(e2e_spath(c, "filt/out/f4")));
}

static void check_cross(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	struct json_object *in = e2e_find(k, "rename", e2e_spath(c, "filt/out/f3"), 0);
	struct json_object *out = e2e_find(k, "rename", e2e_spath(c, "filt/etc/f3"), 0);
	struct json_object *ln = e2e_find(k, "link", e2e_spath(c, "filt/out/f4"), 0);

	e2e_ops(k, "rename rename link");
	if (in) {
		e2e_common(k, in);
		e2e_str(k, in, "new_path", e2e_spath(c, "filt/etc/f3"));
	}
	if (out)
		e2e_str(k, out, "new_path", e2e_spath(c, "filt/out/f4"));
	if (ln)
		e2e_str(k, ln, "new_path", e2e_spath(c, "filt/etc/l4"));
}

static int setup_link_in(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_spath(c, "filt/etc/secret"), "s", 0644));
	SK(c, symlink(e2e_spath(c, "filt/etc/secret"), e2e_spath(c, "filt/out/lnk")));
	return 0;
}

static void child_link_in(struct e2e_ctx *c)
{
	CK(c, chmod(e2e_spath(c, "filt/out/lnk"), 0600));
}

static void check_link_in(struct e2e_check *k)
{
	const char *secret = e2e_spath(k->c, "filt/etc/secret");
	struct json_object *e;

	/* A change to a watched file made through a link from elsewhere is still a change to it. */
	e2e_ops(k, "chmod");
	e = e2e_find(k, "chmod", secret, 0);
	if (!e)
		return;
	e2e_common(k, e);
	e2e_str(k, e, "mode", "0600");
	e2e_obj(k, e, secret, 0);
}

/*
 * Files opened before unshare(CLONE_NEWNS) lie outside the new namespace's
 * tree: their paths are unreachable from the process's root, and read from
 * the root of the tree they lie in. The filters judge them as shown.
 */
static void child_unreachable(struct e2e_ctx *c)
{
	int skip = open(e2e_spath(c, "filt/etc/skip/u1"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	int out = open(e2e_spath(c, "filt/out/u2"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	int in = open(e2e_spath(c, "filt/etc/u3"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, skip);
	CK(c, out);
	CK(c, in);
	CK(c, unshare(CLONE_NEWNS));
	CK(c, write(skip, "a", 1));
	CK(c, write(out, "bb", 2));
	CK(c, write(in, "ccc", 3));
}

/*
 * A file on a mount detached while it is open: its path is relative to
 * that mount's root ("/d1"), not a place under the filters' prefixes, and
 * is kept. It is written first: the sentinel after it is a kept event.
 */
static void child_detached(struct e2e_ctx *c)
{
	const char *dm = e2e_spath(c, "filt/out/dm");
	char f[PATH_MAX];
	int fd;

	snprintf(f, sizeof(f), "%s/d1", dm);
	CK(c, mkdir(dm, 0755));
	CK(c, mount("tmpfs", dm, "tmpfs", 0, "size=64k"));
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	CK(c, umount2(dm, MNT_DETACH));
	CK(c, write(fd, "dd", 2));
	create_at(c, e2e_spath(c, "filt/etc/d2"));
}

static void check_detached(struct e2e_check *k)
{
	struct json_object *w = e2e_find(k, "write", "/d1", 0);

	/* d1's create was outside --path (its mount still attached): not reported. */
	e2e_ops(k, "write create");
	if (!w)
		return;
	e2e_true(k, w, "path_unreachable");
	e2e_int(k, w, "bytes", 2);
}

static void check_unreachable(struct e2e_check *k)
{
	const char *in = e2e_spath(k->c, "filt/etc/u3");
	struct json_object *cr = e2e_find(k, "create", in, 0);
	struct json_object *w = e2e_find(k, "write", in, 0);

	/* u1 (excluded) and u2 (outside --path) must not appear, before or after. */
	e2e_ops(k, "create write");
	if (cr)
		e2e_not_true(k, cr, "path_unreachable");
	if (!w)
		return;
	e2e_true(k, w, "path_unreachable");
	e2e_int(k, w, "bytes", 3);
	e2e_obj(k, w, in, 0);
}

static int setup_dir_link(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_spath(c, "filt/etc/victim"), "v", 0644));
	SK(c, symlink(e2e_spath(c, "filt/etc"), e2e_spath(c, "filt/out/etclink")));
	return 0;
}

static void child_dir_link(struct e2e_ctx *c)
{
	CK(c, unlink(e2e_spath(c, "filt/out/etclink/victim")));
}

static void check_dir_link(struct e2e_check *k)
{
	struct json_object *e;

	/* The name removed is etc/victim: a link on the way there must not hide it. */
	e2e_ops(k, "unlink");
	e = e2e_find(k, "unlink", e2e_spath(k->c, "filt/etc/victim"), 0);
	if (e)
		e2e_common(k, e);
}

/* ---- default ops: changes (W_CHG: --path S/chg and nothing else) ---- */

static int setup_chg(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "f"), "0123456789", 0644));
	return 0;
}

static void child_chg(struct e2e_ctx *c)
{
	char buf[4];
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	CK(c, read(fd, buf, sizeof(buf)));
	close(fd);
	fd = open(e2e_dpath(c, "f"), O_WRONLY);
	CK(c, fd);
	CK(c, write(fd, "w", 1));
	close(fd);
}

static void check_chg(struct e2e_check *k)
{
	struct json_object *o = e2e_find(k, "open", e2e_dpath(k->c, "f"), 0);

	/* The read-only open and the read are not changes. */
	e2e_ops(k, "open write");
	if (o)
		e2e_flags(k, o, "O_WRONLY");
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "bytes", 1);
}

/* ---- --uid 65534 (W_UID) ---- */

static int setup_uid(struct e2e_ctx *c)
{
	SK(c, chmod(c->dir, 0777));
	return 0;
}

static pid_t spawn_create(struct e2e_ctx *c, uid_t uid, const char *rel)
{
	int status;
	pid_t pid = fork();

	CK(c, pid);
	if (pid == 0) {
		if (uid)
			CK(c, setresuid(uid, uid, uid));
		create_at(c, e2e_dpath(c, rel));
		_exit(0);
	}
	CK(c, waitpid(pid, &status, 0));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		e2e_child_fail(c, "%s", c->shm->err[0] ? c->shm->err : "grandchild failed");
	return pid;
}

static void child_uid(struct e2e_ctx *c)
{
	c->shm->v[0] = spawn_create(c, 0, "root-f");
	c->shm->v[1] = spawn_create(c, 65534, "nobody-f");
}

static void check_uid(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "create", e2e_dpath(k->c, "nobody-f"), 0);

	e2e_ops(k, "create");
	if (!e)
		return;
	p.pid = p.tid = k->c->shm->v[1];
	p.ppid = k->c->child;
	p.uid = p.euid = 65534;
	e2e_proc(k, e, &p);
	e2e_obj(k, e, e2e_dpath(k->c, "nobody-f"), 0);
}

/* ---- --comm e2e-comm (W_COMM) ---- */

static void child_comm(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "x"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, write(fd, "x", 1));
	close(fd);
	prctl(PR_SET_NAME, "e2e-comm");
	create_at(c, e2e_dpath(c, "sentinel"));
}

static void check_comm(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "create", e2e_dpath(k->c, "sentinel"), 0);

	e2e_ops(k, "create");
	if (!e)
		return;
	p.comm = "e2e-comm";
	e2e_proc(k, e, &p);
}

/*
 * The entry of an unlink notes its object (and, for a plain absolute name,
 * that the name is the path) for the exit. A note left by an unlink the
 * --comm filter dropped must not be taken by the same thread's next unlink,
 * whose entry could not resolve its name (through a symlink whose target is
 * too long to be inline): that gave the other file's inode, and a path cut
 * to, or padded past its NUL to, the other name's length.
 */
static int setup_stale_victim(struct e2e_ctx *c)
{
	char target[256];
	int n;

	SK(c, mkdir(e2e_dpath(c, "real"), 0755));
	SK(c, mkdir(e2e_dpath(c, "w"), 0755));
	/* > 128 bytes: neither tmpfs nor ext4 keeps it inline (no i_link) */
	n = snprintf(target, sizeof(target), "../");
	while (n < 160)
		n += snprintf(target + n, sizeof(target) - (size_t)n, "./");
	snprintf(target + n, sizeof(target) - (size_t)n, "real");
	SK(c, symlink(target, e2e_dpath(c, "w/ln")));
	SK(c, e2e_write_file(e2e_dpath(c, "w/a_file_with_a_rather_long_name_xyz"), "x", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "real/f"), "x", 0644));
	SK(c, lstat(e2e_dpath(c, "real/f"), &c->st[0]));
	return 0;
}

static void child_stale_victim(struct e2e_ctx *c)
{
	prctl(PR_SET_NAME, "e2e-other");
	CK(c, unlink(e2e_dpath(c, "w/a_file_with_a_rather_long_name_xyz"))); /* filtered out */
	prctl(PR_SET_NAME, "e2e-comm");
	CK(c, unlink(e2e_dpath(c, "w/ln/f")));
}

static void check_stale_victim(struct e2e_check *k)
{
	struct json_object *e;

	e2e_ops(k, "unlink");
	/* The name as given: the resolver cannot follow the link. */
	e = e2e_find(k, "unlink", e2e_dpath(k->c, "w/ln/f"), 0);
	if (!e)
		return;
	e2e_absent(k, e, "path_hex");
	{
		/* json-c compares to the first NUL: check the whole string's length. */
		struct json_object *v = NULL;
		const char *want = e2e_dpath(k->c, "w/ln/f");

		if (json_object_object_get_ex(e, "path", &v) &&
		    (size_t)json_object_get_string_len(v) != strlen(want))
			e2e_fail(k,
				 "unlink %s: path is %d bytes, %zu expected (bytes past the name)",
				 want, json_object_get_string_len(v), strlen(want));
	}
	/* Not the inode of the file the dropped unlink removed. */
	e2e_obj_st(k, e, &k->c->st[0], E2E_OPTIONAL);
}

/* ---- --ops exec (W_OPS) ---- */

static void child_ops_exec(struct e2e_ctx *c)
{
	char *argv[] = { "true", "ops", NULL };
	char *envp[] = { NULL };
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, write(fd, "data", 4));
	close(fd);
	CK(c, chmod(e2e_dpath(c, "f"), 0600));
	CK(c, unlink(e2e_dpath(c, "f")));
	execve(c->env->true_bin, argv, envp);
	e2e_child_fail(c, "execve %s: %m", c->env->true_bin);
}

static void check_ops_exec(struct e2e_check *k)
{
	static const char *const argv[] = { "true", "ops" };
	struct json_object *e = e2e_find(k, "exec", k->c->env->true_bin, 0);

	e2e_ops(k, "exec");
	if (e)
		e2e_list(k, e, "argv", argv, 2);
}

/* ---- --dev in the hex form of stat -c %D (W_DEV: S's device, --path S/devf and /dev/null) ---- */

static void child_dev(struct e2e_ctx *c)
{
	int fd = open("/dev/null", O_WRONLY);

	CK(c, fd);
	CK(c, write(fd, "x", 1));
	close(fd);
	create_at(c, e2e_dpath(c, "f"));
}

static void check_dev(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "create", e2e_dpath(k->c, "f"), 0);

	/* /dev/null is on another device: its open and write must not appear. */
	e2e_ops(k, "create");
	if (!e)
		return;
	e2e_common(k, e);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

const struct e2e_case e2e_cases_filters[] = {
	E2E_CASE("filter: --path matches on component boundaries (etc, not etcx)", W_FILT, 0, NULL,
		 child_boundary, check_boundary, .settle_ms = 300),
	E2E_CASE("filter: --exclude drops its subtree (skip, not skipx)", W_FILT, 0, NULL,
		 child_exclude, check_exclude, .settle_ms = 300),
	E2E_CASE("filter: renames and links into or out of --path are reported", W_FILT, 0, NULL,
		 child_cross, check_cross, .settle_ms = 300),
	E2E_CASE("filter: chmod through a symlink from outside --path is reported", W_FILT, 0,
		 setup_link_in, child_link_in, check_link_in, .settle_ms = 300),
	E2E_CASE("filter: unlink through a symlinked directory into --path is reported", W_FILT, 0,
		 setup_dir_link, child_dir_link, check_dir_link, .settle_ms = 300),
	E2E_CASE("filter: --path and --exclude judge a path unreachable from the process's root",
		 W_FILT, 0, NULL, child_unreachable, check_unreachable, .settle_ms = 300),
	E2E_CASE("filter: a path relative to a detached mount's root is kept (its head is unknown)",
		 W_FILT, 0, NULL, child_detached, check_detached, .settle_ms = 300),
	E2E_CASE("filter: default --ops (changes) skips reads and read-only opens", W_CHG, 0,
		 setup_chg, child_chg, check_chg, .settle_ms = 300),
	E2E_CASE("filter: --dev in hex (stat -c %D) drops other devices", W_DEV, 0, NULL, child_dev,
		 check_dev, .settle_ms = 300),
	E2E_CASE("filter: --uid 65534 reports only uid 65534", W_UID, E2E_TREE, setup_uid,
		 child_uid, check_uid, .settle_ms = 300),
	E2E_CASE("filter: --comm reports only that process name", W_COMM, 0, NULL, child_comm,
		 check_comm, .settle_ms = 300),
	E2E_CASE("filter: an unlink --comm dropped leaves nothing for the thread's next unlink",
		 W_COMM, 0, setup_stale_victim, child_stale_victim, check_stale_victim,
		 .settle_ms = 300),
	E2E_CASE("filter: --ops exec reports no writes", W_OPS, 0, NULL, child_ops_exec,
		 check_ops_exec, .settle_ms = 300),
};
const size_t e2e_n_cases_filters = sizeof(e2e_cases_filters) / sizeof(e2e_cases_filters[0]);
