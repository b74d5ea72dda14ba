// SPDX-License-Identifier: GPL-2.0-or-later
/* How objects are named: renames, links, symlinks, dirfd-relative and ".." paths. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "e2e_expect.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int setup_ab(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "a"), "original a", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "b"), "original b", 0644));
	SK(c, lstat(e2e_dpath(c, "a"), &c->st[0]));
	SK(c, lstat(e2e_dpath(c, "b"), &c->st[1]));
	return 0;
}

static int do_renameat2(const char *from, const char *to, unsigned int flags)
{
	return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

/* The rename event of @from -> @to, successful, whose object is now at @obj with @st's inode. */
static struct json_object *check_rename_ev(struct e2e_check *k, const char *from, const char *to,
					   const struct stat *st)
{
	struct json_object *e = e2e_find(k, "rename", from, 0);

	if (!e)
		return NULL;
	e2e_common(k, e);
	e2e_int(k, e, "ret", 0);
	e2e_str(k, e, "new_path", to);
	e2e_obj_st(k, e, st, 0);
	return e;
}

/* ---- rename ---- */

static void child_rename(struct e2e_ctx *c)
{
	CK(c, rename(e2e_dpath(c, "a"), e2e_dpath(c, "c")));
}

static void check_rename(struct e2e_check *k)
{
	struct json_object *e;

	e2e_ops(k, "rename");
	e = check_rename_ev(k, e2e_dpath(k->c, "a"), e2e_dpath(k->c, "c"), &k->c->st[0]);
	if (e)
		e2e_absent(k, e, "rename_flags");
}

static int setup_xdir(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "x"), 0755));
	SK(c, mkdir(e2e_dpath(c, "y"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "x/a"), "a", 0644));
	SK(c, lstat(e2e_dpath(c, "x/a"), &c->st[0]));
	return 0;
}

static void child_rename_xdir(struct e2e_ctx *c)
{
	CK(c, rename(e2e_dpath(c, "x/a"), e2e_dpath(c, "y/b")));
}

static void check_rename_xdir(struct e2e_check *k)
{
	e2e_ops(k, "rename");
	check_rename_ev(k, e2e_dpath(k->c, "x/a"), e2e_dpath(k->c, "y/b"), &k->c->st[0]);
}

static void child_rename_over(struct e2e_ctx *c)
{
	CK(c, rename(e2e_dpath(c, "a"), e2e_dpath(c, "b")));
}

static void check_rename_over(struct e2e_check *k)
{
	e2e_ops(k, "rename");
	/* b is now a's inode: the event names the object that moved. */
	check_rename_ev(k, e2e_dpath(k->c, "a"), e2e_dpath(k->c, "b"), &k->c->st[0]);
}

static void child_exchange(struct e2e_ctx *c)
{
	CK(c, do_renameat2(e2e_dpath(c, "a"), e2e_dpath(c, "b"), RENAME_EXCHANGE));
}

static void check_exchange(struct e2e_check *k)
{
	static const char *const flags[] = { "RENAME_EXCHANGE" };
	struct json_object *e;

	e2e_ops(k, "rename");
	e = check_rename_ev(k, e2e_dpath(k->c, "a"), e2e_dpath(k->c, "b"), &k->c->st[0]);
	if (e)
		e2e_list(k, e, "rename_flags", flags, 1);
}

static void child_noreplace(struct e2e_ctx *c)
{
	CK(c, do_renameat2(e2e_dpath(c, "a"), e2e_dpath(c, "c"), RENAME_NOREPLACE));
	if (do_renameat2(e2e_dpath(c, "c"), e2e_dpath(c, "b"), RENAME_NOREPLACE) == 0 ||
	    errno != EEXIST)
		e2e_child_fail(c,
			       "RENAME_NOREPLACE onto an existing name did not fail with EEXIST");
}

static void check_noreplace(struct e2e_check *k)
{
	static const char *const flags[] = { "RENAME_NOREPLACE" };
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e;

	e2e_ops(k, "rename rename");
	e = check_rename_ev(k, e2e_dpath(k->c, "a"), e2e_dpath(k->c, "c"), &k->c->st[0]);
	if (e)
		e2e_list(k, e, "rename_flags", flags, 1);
	e = e2e_find(k, "rename", e2e_dpath(k->c, "c"), 0);
	if (!e)
		return;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, EEXIST);
	e2e_str(k, e, "new_path", e2e_dpath(k->c, "b"));
	e2e_list(k, e, "rename_flags", flags, 1);
	e2e_obj_st(k, e, &k->c->st[0], E2E_OPTIONAL);
}

/* ---- link and symlink ---- */

static void child_link(struct e2e_ctx *c)
{
	int fd;

	CK(c, link(e2e_dpath(c, "a"), e2e_dpath(c, "c")));
	fd = open(e2e_dpath(c, "c"), O_RDONLY);
	CK(c, fd);
	close(fd);
}

static void check_link(struct e2e_check *k)
{
	struct json_object *l = e2e_find(k, "link", e2e_dpath(k->c, "a"), 0);
	struct json_object *o = e2e_find(k, "open", e2e_dpath(k->c, "c"), 0);

	e2e_ops(k, "link open");
	if (l) {
		e2e_common(k, l);
		e2e_int(k, l, "ret", 0);
		e2e_str(k, l, "new_path", e2e_dpath(k->c, "c"));
		e2e_obj_st(k, l, &k->c->st[0], 0);
	}
	if (o) {
		e2e_common(k, o);
		e2e_obj_st(k, o, &k->c->st[0], 0); /* same inode as a */
	}
}

static void child_symlink(struct e2e_ctx *c)
{
	CK(c, symlink("some/target", e2e_dpath(c, "l")));
}

static void check_symlink(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "symlink", e2e_dpath(k->c, "l"), 0);

	e2e_ops(k, "symlink");
	if (!e)
		return;
	e2e_common(k, e);
	e2e_int(k, e, "ret", 0);
	e2e_str(k, e, "target", "some/target");
	e2e_absent(k, e, "target_hex");
	e2e_obj(k, e, e2e_dpath(k->c, "l"), 0);
}

/* ---- dirfd-relative and ".." ---- */

static int setup_sub(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "sub"), 0755));
	return 0;
}

static void child_openat(struct e2e_ctx *c)
{
	int dfd, fd;

	CK(c, chdir("/"));
	dfd = open(e2e_dpath(c, "sub"), O_RDONLY | O_DIRECTORY);
	CK(c, dfd);
	fd = openat(dfd, "f", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	close(fd);
	CK(c, mkdirat(dfd, "m", 0755));
	CK(c, unlinkat(dfd, "f", 0));
	close(dfd);
}

static void check_openat(struct e2e_check *k)
{
	struct json_object *d = e2e_find(k, "open", e2e_dpath(k->c, "sub"), 0);
	struct json_object *cr = e2e_find(k, "create", e2e_dpath(k->c, "sub/f"), 0);
	struct json_object *mk = e2e_find(k, "mkdir", e2e_dpath(k->c, "sub/m"), 0);
	struct json_object *un = e2e_find(k, "unlink", e2e_dpath(k->c, "sub/f"), 0);

	e2e_ops(k, "open create mkdir unlink");
	if (d)
		e2e_obj(k, d, e2e_dpath(k->c, "sub"), 0);
	if (cr)
		e2e_common(k, cr);
	if (mk) {
		e2e_common(k, mk);
		e2e_obj(k, mk, e2e_dpath(k->c, "sub/m"), 0);
	}
	if (un)
		e2e_common(k, un);
}

static int setup_two_dirs(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "x"), 0755));
	SK(c, mkdir(e2e_dpath(c, "y"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "x/a"), "a", 0644));
	SK(c, lstat(e2e_dpath(c, "x/a"), &c->st[0]));
	return 0;
}

static void child_two_dirfds(struct e2e_ctx *c)
{
	int x, y;

	CK(c, chdir("/"));
	x = open(e2e_dpath(c, "x"), O_RDONLY | O_DIRECTORY);
	CK(c, x);
	y = open(e2e_dpath(c, "y"), O_RDONLY | O_DIRECTORY);
	CK(c, y);
	CK(c, renameat(x, "a", y, "b"));
	CK(c, linkat(y, "b", x, "c", 0));
	CK(c, symlinkat("tgt", x, "s"));
	close(x);
	close(y);
}

static void check_two_dirfds(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	struct json_object *rn = e2e_find(k, "rename", e2e_dpath(c, "x/a"), 0);
	struct json_object *ln = e2e_find(k, "link", e2e_dpath(c, "y/b"), 0);
	struct json_object *sl = e2e_find(k, "symlink", e2e_dpath(c, "x/s"), 0);

	e2e_ops(k, "open open rename link symlink");
	if (rn) {
		e2e_common(k, rn);
		e2e_str(k, rn, "new_path", e2e_dpath(c, "y/b"));
		e2e_obj_st(k, rn, &c->st[0], 0);
	}
	if (ln) {
		e2e_str(k, ln, "new_path", e2e_dpath(c, "x/c"));
		e2e_obj_st(k, ln, &c->st[0], 0);
	}
	if (sl) {
		e2e_str(k, sl, "target", "tgt");
		e2e_obj(k, sl, e2e_dpath(c, "x/s"), 0);
	}
}

static int setup_dotdot(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "a"), 0755));
	SK(c, mkdir(e2e_dpath(c, "b"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "b/f"), "f", 0644));
	return 0;
}

static void child_dotdot(struct e2e_ctx *c)
{
	int fd;

	CK(c, chdir(e2e_dpath(c, "a")));
	CK(c, unlink("../b/f"));
	CK(c, mkdir("./../b/.//n", 0755));
	fd = open("../b//g", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	close(fd);
	CK(c, rename("../b/g", "../a/../b/h"));
}

static void check_dotdot(struct e2e_check *k)
{
	struct json_object *un = e2e_find(k, "unlink", e2e_dpath(k->c, "b/f"), 0);
	struct json_object *mk = e2e_find(k, "mkdir", e2e_dpath(k->c, "b/n"), 0);
	struct json_object *cr = e2e_find(k, "create", e2e_dpath(k->c, "b/g"), 0);
	struct json_object *rn = e2e_find(k, "rename", e2e_dpath(k->c, "b/g"), 0);

	e2e_ops(k, "unlink mkdir create rename");
	if (un)
		e2e_common(k, un);
	if (mk)
		e2e_obj(k, mk, e2e_dpath(k->c, "b/n"), 0);
	if (cr)
		e2e_common(k, cr);
	if (rn) {
		e2e_str(k, rn, "new_path", e2e_dpath(k->c, "b/h"));
		e2e_obj(k, rn, e2e_dpath(k->c, "b/h"), 0);
	}
}

/* ---- through and on symlinks ---- */

static int setup_tl(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "t"), "target", 0644));
	SK(c, symlink("t", e2e_dpath(c, "l")));
	SK(c, lstat(e2e_dpath(c, "l"), &c->st[0]));
	return 0;
}

static void child_open_via_link(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "l"), O_WRONLY);

	CK(c, fd);
	CK(c, write(fd, "x", 1));
	close(fd);
}

static void check_open_via_link(struct e2e_check *k)
{
	const char *t = e2e_dpath(k->c, "t");
	struct json_object *o = e2e_find(k, "open", t, 0);
	struct json_object *w = e2e_find(k, "write", t, 0);

	e2e_ops(k, "open write+");
	if (o) {
		e2e_common(k, o);
		e2e_obj(k, o, t, 0);
	}
	if (w) {
		e2e_common(k, w);
		e2e_obj(k, w, t, 0);
	}
}

static void child_chmod_via_link(struct e2e_ctx *c)
{
	CK(c, chmod(e2e_dpath(c, "l"), 0600));
}

static void check_chmod_via_link(struct e2e_check *k)
{
	const char *t = e2e_dpath(k->c, "t");
	struct json_object *e;

	e2e_ops(k, "chmod");
	/* chmod follows the link: the object changed is t, and d_path names it. */
	e = e2e_find(k, "chmod", t, 0);
	if (!e)
		return;
	e2e_common(k, e);
	e2e_str(k, e, "mode", "0600");
	e2e_obj(k, e, t, 0);
}

/* A target too long to live in the inode (ext4 keeps up to 59 bytes inline). */
#define LONG_DIR "directory-with-a-name-long-enough-that-the-link-target-is-stored-out-of-line"

static int setup_long_target(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, LONG_DIR), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, LONG_DIR "/t"), "target", 0644));
	SK(c, symlink(e2e_dpath(c, LONG_DIR "/t"), e2e_dpath(c, "l")));
	return 0;
}

static void child_chmod_long_target(struct e2e_ctx *c)
{
	CK(c, chmod(e2e_dpath(c, "l"), 0600));
}

static void check_chmod_long_target(struct e2e_check *k)
{
	const char *t = e2e_dpath(k->c, LONG_DIR "/t"), *l = e2e_dpath(k->c, "l");
	struct json_object *e;
	struct stat st;

	/*
	 * SPEC: the path is the object's (d_path). The README documents the
	 * fallback for targets stored out of line (the tracepoint backend cannot
	 * read them): the name as written, which the event must then say, with
	 * the directory's dev.
	 */
	e2e_ops(k, "chmod");
	if (e2e_count(k, "chmod", l) == 1 && !stat(k->c->dir, &st)) {
		e = e2e_find(k, "chmod", l, 0);
		e2e_true(k, e, "path_from_name");
		e2e_dev(k, e, st.st_dev);
		e2e_common(k, e);
		return;
	}
	e = e2e_find(k, "chmod", t, 0);
	if (!e)
		return;
	e2e_common(k, e);
	e2e_obj(k, e, t, 0);
}

static void child_unlink_link(struct e2e_ctx *c)
{
	CK(c, unlink(e2e_dpath(c, "l")));
}

static void check_unlink_link(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "unlink", e2e_dpath(k->c, "l"), 0);

	e2e_ops(k, "unlink");
	if (!e)
		return;
	e2e_common(k, e);
	e2e_obj_st(k, e, &k->c->st[0], 0); /* noted before the name went */
}

/* D/y/l -> ../x/sub: "D/y/l/../f" is D/x/f to the kernel, whatever the letters say. */
static int setup_dotdot_link(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "x"), 0755));
	SK(c, mkdir(e2e_dpath(c, "x/sub"), 0755));
	SK(c, mkdir(e2e_dpath(c, "y"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "x/f"), "real", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "y/f"), "decoy", 0644));
	SK(c, symlink("../x/sub", e2e_dpath(c, "y/l")));
	return 0;
}

static void child_rename_dotdot_link(struct e2e_ctx *c)
{
	CK(c, rename(e2e_dpath(c, "y/f"), e2e_dpath(c, "y/l/../moved")));
	if (access(e2e_dpath(c, "x/moved"), F_OK))
		e2e_child_fail(c, "test bug: the kernel did not move y/f to x/moved");
}

static void check_rename_dotdot_link(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "rename", e2e_dpath(k->c, "y/f"), 0);

	e2e_ops(k, "rename");
	if (!e)
		return;
	e2e_common(k, e);
	e2e_str(k, e, "new_path", e2e_dpath(k->c, "x/moved"));
	e2e_obj(k, e, e2e_dpath(k->c, "x/moved"), 0);
}

static void child_dotdot_link(struct e2e_ctx *c)
{
	CK(c, unlink(e2e_dpath(c, "y/l/../f")));
	if (access(e2e_dpath(c, "x/f"), F_OK) == 0 || access(e2e_dpath(c, "y/f"), F_OK))
		e2e_child_fail(c, "test bug: the kernel did not remove x/f");
}

static void check_dotdot_link(struct e2e_check *k)
{
	struct json_object *e;

	e2e_ops(k, "unlink");
	e = e2e_find(k, "unlink", e2e_dpath(k->c, "x/f"), 0);
	if (e)
		e2e_common(k, e);
}

const struct e2e_case e2e_cases_names[] = {
	E2E_CASE("rename: same directory", W_MAIN, 0, setup_ab, child_rename, check_rename),
	E2E_CASE("rename: across directories", W_MAIN, 0, setup_xdir, child_rename_xdir,
		 check_rename_xdir),
	E2E_CASE("rename: onto an existing file", W_MAIN, 0, setup_ab, child_rename_over,
		 check_rename_over),
	E2E_CASE("rename: renameat2 RENAME_EXCHANGE", W_MAIN, 0, setup_ab, child_exchange,
		 check_exchange),
	E2E_CASE("rename: renameat2 RENAME_NOREPLACE, then EEXIST", W_MAIN, 0, setup_ab,
		 child_noreplace, check_noreplace),
	E2E_CASE("link: new_path, and the new name opens the same inode", W_MAIN, 0, setup_ab,
		 child_link, check_link),
	E2E_CASE("symlink: target is the link's content", W_MAIN, 0, NULL, child_symlink,
		 check_symlink),
	E2E_CASE("paths: openat/mkdirat/unlinkat on a dirfd from another cwd", W_MAIN, 0, setup_sub,
		 child_openat, check_openat),
	E2E_CASE("paths: relative names with .. and // are normalized", W_MAIN, 0, setup_dotdot,
		 child_dotdot, check_dotdot),
	E2E_CASE("paths: renameat/linkat/symlinkat relative to two dirfds", W_MAIN, 0,
		 setup_two_dirs, child_two_dirfds, check_two_dirfds),
	E2E_CASE("paths: a new name with .. after a symlinked directory", W_MAIN, 0,
		 setup_dotdot_link, child_rename_dotdot_link, check_rename_dotdot_link),
	E2E_CASE("paths: .. after a symlinked directory names the file removed", W_MAIN, 0,
		 setup_dotdot_link, child_dotdot_link, check_dotdot_link),
	E2E_CASE("symlink: open through a link reports the target", W_MAIN, 0, setup_tl,
		 child_open_via_link, check_open_via_link),
	E2E_CASE("symlink: chmod through a link reports the target", W_MAIN, 0, setup_tl,
		 child_chmod_via_link, check_chmod_via_link),
	E2E_CASE("symlink: chmod through a link with a long (out-of-line) target", W_MAIN, 0,
		 setup_long_target, child_chmod_long_target, check_chmod_long_target),
	E2E_CASE("symlink: unlink of the link reports the link", W_MAIN, 0, setup_tl,
		 child_unlink_link, check_unlink_link),
};
const size_t e2e_n_cases_names = sizeof(e2e_cases_names) / sizeof(e2e_cases_names[0]);
