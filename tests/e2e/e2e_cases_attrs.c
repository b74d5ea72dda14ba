// SPDX-License-Identifier: GPL-2.0-or-later
/* Names and attributes: unlink, rmdir, mkdir, mknod, chmod, chown, xattrs, timestamps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "e2e_expect.h"

static int setup_xattr(struct e2e_ctx *c)
{
	if (e2e_setup_file(c))
		return -1;
	if (setxattr(e2e_dpath(c, "f"), "user.x", "1", 1, 0)) {
		snprintf(c->why, sizeof(c->why),
			 "setup: the filesystem of %s does not take user xattrs (%m)", c->dir);
		return -1;
	}
	return 0;
}

/* ---- names: unlink, rmdir, mkdir, mknod ---- */

static void child_unlink(struct e2e_ctx *c)
{
	CK(c, unlink(e2e_dpath(c, "f")));
}

static void check_unlink(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "unlink", "unlink", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_obj_st(k, e, &k->c->st[0], 0); /* noted before the name went */
}

static void child_unlink_enoent(struct e2e_ctx *c)
{
	if (unlink(e2e_dpath(c, "missing")) == 0 || errno != ENOENT)
		e2e_child_fail(c, "unlink of a missing file did not fail with ENOENT");
}

static void check_unlink_enoent(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "unlink", e2e_dpath(k->c, "missing"), 0);

	e2e_ops(k, "unlink");
	if (!e)
		return;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, ENOENT);
	e2e_obj_missing(k, e, e2e_dpath(k->c, "missing"));
}

static void child_rmdir(struct e2e_ctx *c)
{
	CK(c, rmdir(e2e_dpath(c, "d")));
}

static void check_rmdir(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "rmdir", "rmdir", "d");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_obj_st(k, e, &k->c->st[0], 0); /* noted before the name went */
	e2e_str(k, e, "ftype", "dir");
}

static void child_mkdir(struct e2e_ctx *c)
{
	CK(c, mkdir(e2e_dpath(c, "d"), 0755));
}

static void check_mkdir(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "mkdir", "mkdir", "d");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_str(k, e, "mode", "0755");
	e2e_obj(k, e, e2e_dpath(k->c, "d"), 0);
}

static void child_mkdirat(struct e2e_ctx *c)
{
	int dfd = open(c->dir, O_RDONLY | O_DIRECTORY);

	CK(c, dfd);
	CK(c, mkdirat(dfd, "e", 0700));
	close(dfd);
}

static void check_mkdirat(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "mkdir", e2e_dpath(k->c, "e"), 0);

	e2e_ops(k, "open mkdir");
	if (!e)
		return;
	e2e_common(k, e);
	e2e_str(k, e, "mode", "0700");
	e2e_obj(k, e, e2e_dpath(k->c, "e"), 0);
}

static void child_mknod_fifo(struct e2e_ctx *c)
{
	CK(c, mknod(e2e_dpath(c, "p"), S_IFIFO | 0640, 0));
}

static void check_mknod_fifo(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "mknod", "mknod", "p");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_str(k, e, "mode", "0640");
	e2e_obj(k, e, e2e_dpath(k->c, "p"), 0);
}

static void child_mknod_reg(struct e2e_ctx *c)
{
	CK(c, mknod(e2e_dpath(c, "r"), 0644, 0));
}

static void check_mknod_reg(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "mknod", "mknod", "r");

	if (!e)
		return;
	e2e_str(k, e, "mode", "0644");
	e2e_obj(k, e, e2e_dpath(k->c, "r"), 0);
}

static void child_mkdir_eexist(struct e2e_ctx *c)
{
	if (mkdir(e2e_dpath(c, "d"), 0755) == 0 || errno != EEXIST)
		e2e_child_fail(c, "mkdir of an existing directory did not fail with EEXIST");
}

static void check_mkdir_eexist(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "mkdir", e2e_dpath(k->c, "d"), 0);

	e2e_ops(k, "mkdir");
	if (!e)
		return;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, EEXIST);
	e2e_str(k, e, "mode", "0755");
}

/* ---- chmod ---- */

static void child_chmod(struct e2e_ctx *c)
{
	CK(c, chmod(e2e_dpath(c, "f"), 0600));
}

static void check_chmod(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "chmod", "chmod", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_str(k, e, "mode", "0600");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_fchmod(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	CK(c, fchmod(fd, 0640));
	close(fd);
}

static void check_fchmod(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open chmod", "chmod", "f");

	if (!e)
		return;
	e2e_str(k, e, "mode", "0640");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_fchmodat(struct e2e_ctx *c)
{
	int dfd = open(c->dir, O_RDONLY | O_DIRECTORY);

	CK(c, dfd);
	CK(c, fchmodat(dfd, "f", 0604, 0));
	close(dfd);
}

static void check_fchmodat(struct e2e_check *k)
{
	struct json_object *d = e2e_find(k, "open", k->c->dir, 0);
	struct json_object *e = e2e_one(k, "open chmod", "chmod", "f");

	if (d) {
		e2e_flags(k, d, "O_RDONLY O_DIRECTORY");
		e2e_obj(k, d, k->c->dir, 0);
	}
	if (!e)
		return;
	e2e_str(k, e, "mode", "0604");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

/* ---- chown ---- */

static void child_chown(struct e2e_ctx *c)
{
	CK(c, chown(e2e_dpath(c, "f"), 1000, 1001));
}

static void check_chown(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "chown", "chown", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_int(k, e, "owner_uid", 1000);
	e2e_int(k, e, "owner_gid", 1001);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_fchown(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	CK(c, fchown(fd, (uid_t)-1, 2000));
	close(fd);
}

static void check_fchown(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open chown", "chown", "f");

	if (!e)
		return;
	e2e_int(k, e, "owner_uid", -1);
	e2e_int(k, e, "owner_gid", 2000);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_lchown(struct e2e_ctx *c)
{
	CK(c, lchown(e2e_dpath(c, "l"), 3000, (gid_t)-1));
}

static void check_lchown(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "chown", "chown", "l");

	if (!e)
		return;
	e2e_int(k, e, "owner_uid", 3000);
	e2e_int(k, e, "owner_gid", -1);
	e2e_obj(k, e, e2e_dpath(k->c, "l"), 0); /* the link itself */
}

static void child_fchownat(struct e2e_ctx *c)
{
	int dfd = open(c->dir, O_RDONLY | O_DIRECTORY);

	CK(c, dfd);
	CK(c, fchownat(dfd, "f", 4000, 4001, 0));
	close(dfd);
}

static void check_fchownat(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open chown", "chown", "f");

	if (!e)
		return;
	e2e_int(k, e, "owner_uid", 4000);
	e2e_int(k, e, "owner_gid", 4001);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

/* ---- xattrs ---- */

static void child_setxattr(struct e2e_ctx *c)
{
	CK(c, setxattr(e2e_dpath(c, "f"), "user.x", "v", 1, 0));
}

static void check_setxattr(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "setxattr", "setxattr", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_str(k, e, "xattr", "user.x");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_fsetxattr(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	CK(c, fsetxattr(fd, "user.y", "v", 1, 0));
	close(fd);
}

static void check_fsetxattr(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open setxattr", "setxattr", "f");

	if (!e)
		return;
	e2e_str(k, e, "xattr", "user.y");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_removexattr(struct e2e_ctx *c)
{
	CK(c, removexattr(e2e_dpath(c, "f"), "user.x"));
}

static void check_removexattr(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "removexattr", "removexattr", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_str(k, e, "xattr", "user.x");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

/* ---- timestamps ---- */

static void child_utimes(struct e2e_ctx *c)
{
	struct timeval tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	CK(c, utimes(e2e_dpath(c, "f"), tv));
}

static void child_utimensat(struct e2e_ctx *c)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	CK(c, utimensat(AT_FDCWD, e2e_dpath(c, "f"), ts, 0));
}

static void check_utimes(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "utimes", "utimes", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_futimens(struct e2e_ctx *c)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	CK(c, futimens(fd, ts));
	close(fd);
}

static void check_futimens(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open utimes", "utimes", "f");

	if (e)
		e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_utimensat_nofollow(struct e2e_ctx *c)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	CK(c, utimensat(AT_FDCWD, e2e_dpath(c, "l"), ts, AT_SYMLINK_NOFOLLOW));
}

static void check_utimensat_nofollow(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "utimes", "utimes", "l");

	if (e)
		e2e_obj(k, e, e2e_dpath(k->c, "l"), 0);
}

const struct e2e_case e2e_cases_attrs[] = {
	E2E_CASE("unlink", W_MAIN, 0, e2e_setup_file, child_unlink, check_unlink),
	E2E_CASE("unlink: missing file fails with ENOENT", W_MAIN, 0, NULL, child_unlink_enoent,
		 check_unlink_enoent),
	E2E_CASE("rmdir", W_MAIN, 0, e2e_setup_dir, child_rmdir, check_rmdir),
	E2E_CASE("mkdir: mode 0755", W_MAIN, 0, NULL, child_mkdir, check_mkdir),
	E2E_CASE("mkdir: mkdirat(dirfd) mode 0700", W_MAIN, 0, NULL, child_mkdirat, check_mkdirat),
	E2E_CASE("mkdir: EEXIST on an existing directory", W_MAIN, 0, e2e_setup_dir,
		 child_mkdir_eexist, check_mkdir_eexist),
	E2E_CASE("mknod: FIFO mode 0640", W_MAIN, 0, NULL, child_mknod_fifo, check_mknod_fifo),
	E2E_CASE("mknod: regular file", W_MAIN, 0, NULL, child_mknod_reg, check_mknod_reg),
	E2E_CASE("chmod: chmod(2) 0600", W_MAIN, 0, e2e_setup_file, child_chmod, check_chmod),
	E2E_CASE("chmod: fchmod(2) 0640", W_MAIN, 0, e2e_setup_file, child_fchmod, check_fchmod),
	E2E_CASE("chmod: fchmodat(2) 0604", W_MAIN, 0, e2e_setup_file, child_fchmodat,
		 check_fchmodat),
	E2E_CASE("chown: chown(2) 1000:1001", W_MAIN, 0, e2e_setup_file, child_chown, check_chown),
	E2E_CASE("chown: fchown(2) -1:2000", W_MAIN, 0, e2e_setup_file, child_fchown, check_fchown),
	E2E_CASE("chown: lchown(2) of a symlink", W_MAIN, 0, e2e_setup_link, child_lchown,
		 check_lchown),
	E2E_CASE("chown: fchownat(2) 4000:4001", W_MAIN, 0, e2e_setup_file, child_fchownat,
		 check_fchownat),
	E2E_CASE("xattr: setxattr user.x", W_MAIN, 0, setup_xattr, child_setxattr, check_setxattr),
	E2E_CASE("xattr: fsetxattr user.y", W_MAIN, 0, setup_xattr, child_fsetxattr,
		 check_fsetxattr),
	E2E_CASE("xattr: removexattr user.x", W_MAIN, 0, setup_xattr, child_removexattr,
		 check_removexattr),
	E2E_CASE("utimes: utimes(2)", W_MAIN, 0, e2e_setup_file, child_utimes, check_utimes),
	E2E_CASE("utimes: utimensat(2)", W_MAIN, 0, e2e_setup_file, child_utimensat, check_utimes),
	E2E_CASE("utimes: futimens(3)", W_MAIN, 0, e2e_setup_file, child_futimens, check_futimens),
	E2E_CASE("utimes: utimensat AT_SYMLINK_NOFOLLOW of a symlink", W_MAIN, 0, e2e_setup_link,
		 child_utimensat_nofollow, check_utimensat_nofollow),
};
const size_t e2e_n_cases_attrs = sizeof(e2e_cases_attrs) / sizeof(e2e_cases_attrs[0]);
