// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hard cases, every field exact: *at() calls on a directory fd whose
 * directory moved, relative names after the working directory moved,
 * failed attempts by an unprivileged user, device nodes and socket files
 * made in the scratch directory, names of control bytes and malformed
 * UTF-8, and a process in another mount namespace writing to a shared
 * file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_expect.h"

#define NOBODY 65534

/* Every read or write event on @path: the child's, successful, on @st, its ret its bytes. */
static void check_rw_exact(struct e2e_check *k, const char *op, const char *path,
			   const struct stat *st)
{
	for (size_t i = 0; i < e2e_count(k, op, path); i++) {
		struct json_object *e = e2e_find(k, op, path, i);

		e2e_common(k, e);
		e2e_int(k, e, "ret", e2e_json_int(e, "bytes", -1));
		e2e_obj_st(k, e, st, 0);
	}
}

/* ---- *at() on a dirfd whose directory was renamed after it was opened ---- */

static int setup_moved_dirfd(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "x"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "x/f"), "0123456789", 0644));
	SK(c, lstat(e2e_dpath(c, "x/f"), &c->st[0]));
	SK(c, lstat(e2e_dpath(c, "x"), &c->st[1]));
	return 0;
}

static void child_moved_dirfd(struct e2e_ctx *c)
{
	struct stat st;
	int dfd, fd;

	CK(c, chdir("/"));
	dfd = open(e2e_dpath(c, "x"), O_RDONLY | O_DIRECTORY);
	CK(c, dfd);
	CK(c, rename(e2e_dpath(c, "x"), e2e_dpath(c, "y")));
	fd = openat(dfd, "f", O_WRONLY);
	CK(c, fd);
	for (int i = 0; i < 3; i++)
		CK(c, write(fd, "abcd", 4));
	close(fd);
	CK(c, fchmodat(dfd, "f", 0600, 0));
	CK(c, mkdirat(dfd, "m", 0700));
	CK(c, fstatat(dfd, "m", &st, AT_SYMLINK_NOFOLLOW));
	c->shm->v[0] = (int64_t)st.st_ino;
	CK(c, renameat(dfd, "f", dfd, "g"));
	CK(c, linkat(dfd, "g", dfd, "h", 0));
	CK(c, unlinkat(dfd, "m", AT_REMOVEDIR));
	CK(c, unlinkat(dfd, "h", 0));
	close(dfd);
}

static void check_moved_dirfd(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	const struct stat *f = &c->st[0];
	struct json_object *e;

	e2e_ops(k, "open rename open write+ chmod mkdir rename link rmdir unlink");
	if ((e = e2e_find(k, "open", e2e_dpath(c, "x"), 0))) {
		e2e_common(k, e);
		e2e_flags(k, e, "O_RDONLY O_DIRECTORY");
		e2e_obj_st(k, e, &c->st[1], 0);
	}
	if ((e = e2e_find(k, "rename", e2e_dpath(c, "x"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", e2e_dpath(c, "y"));
		e2e_obj_st(k, e, &c->st[1], 0);
	}
	/* From here on the dirfd's directory is y: every name is under it. */
	if ((e = e2e_find(k, "open", e2e_dpath(c, "y/f"), 0))) {
		e2e_common(k, e);
		e2e_flags(k, e, "O_WRONLY");
		e2e_obj_st(k, e, f, 0);
	}
	e2e_sum(k, "write", e2e_dpath(c, "y/f"), "count", 3);
	e2e_sum(k, "write", e2e_dpath(c, "y/f"), "bytes", 12);
	check_rw_exact(k, "write", e2e_dpath(c, "y/f"), f);
	if ((e = e2e_find(k, "chmod", e2e_dpath(c, "y/f"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_obj_st(k, e, f, 0);
	}
	if ((e = e2e_find(k, "mkdir", e2e_dpath(c, "y/m"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0700");
		e2e_int(k, e, "ino", c->shm->v[0]);
		e2e_str(k, e, "ftype", "dir");
	}
	if ((e = e2e_find(k, "rename", e2e_dpath(c, "y/f"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", e2e_dpath(c, "y/g"));
		e2e_obj_st(k, e, f, 0);
	}
	if ((e = e2e_find(k, "link", e2e_dpath(c, "y/g"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", e2e_dpath(c, "y/h"));
		e2e_obj_st(k, e, f, 0);
	}
	if ((e = e2e_find(k, "rmdir", e2e_dpath(c, "y/m"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "ino", c->shm->v[0]);
		e2e_str(k, e, "ftype", "dir");
	}
	if ((e = e2e_find(k, "unlink", e2e_dpath(c, "y/h"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_obj_st(k, e, f, 0);
	}
}

/* ---- relative names after the working directory itself was renamed ---- */

static int setup_moved_cwd(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "a"), 0755));
	return 0;
}

static void child_moved_cwd(struct e2e_ctx *c)
{
	struct stat st;
	int fd;

	CK(c, chdir(e2e_dpath(c, "a")));
	CK(c, rename(e2e_dpath(c, "a"), e2e_dpath(c, "b")));
	fd = open("f", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	CK(c, fstat(fd, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	c->shm->v[1] = (int64_t)st.st_dev;
	CK(c, write(fd, "xyz", 3));
	close(fd);
	CK(c, symlink("f", "l"));
	CK(c, chmod("l", 0600));
	CK(c, rename("f", "../c"));
	CK(c, unlink("../c"));
}

static void check_moved_cwd(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	struct e2e_shm *sh = c->shm;
	struct json_object *e;
	const char *f = e2e_dpath(c, "b/f");

	e2e_ops(k, "rename create write+ symlink chmod rename unlink");
	if ((e = e2e_find(k, "create", f, 0))) {
		e2e_common(k, e);
		e2e_flags(k, e, "O_WRONLY O_CREAT O_EXCL");
		e2e_int(k, e, "ino", sh->v[0]);
		e2e_dev(k, e, (uint64_t)sh->v[1]);
	}
	e2e_sum(k, "write", f, "count", 1);
	e2e_sum(k, "write", f, "bytes", 3);
	if ((e = e2e_find(k, "write", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 3);
		e2e_int(k, e, "ino", sh->v[0]);
	}
	if ((e = e2e_find(k, "symlink", e2e_dpath(c, "b/l"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "target", "f");
	}
	if ((e = e2e_find(k, "chmod", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_int(k, e, "ino", sh->v[0]);
	}
	if ((e = e2e_find(k, "rename", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", e2e_dpath(c, "c"));
		e2e_int(k, e, "ino", sh->v[0]);
	}
	if ((e = e2e_find(k, "unlink", e2e_dpath(c, "c"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "ino", sh->v[0]);
	}
}

/* ---- failed attempts by an unprivileged user ---- */

/* The calls uid 65534 makes in the root-owned 0755 directory ro; each must fail. */
enum { D_OPEN, D_CREATE, D_TRUNC, D_CHMOD, D_UNLINK, D_RENAME, D_MKDIR, D_LINK, D_SYMLINK, D__N };

static int setup_denied(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "ro"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "ro/f"), "0123456789", 0644));
	SK(c, lstat(e2e_dpath(c, "ro/f"), &c->st[0]));
	return 0;
}

/* Record -errno of a call that must fail in shm->v[@slot]. */
static void must_fail(struct e2e_ctx *c, int slot, long ret, const char *what)
{
	if (ret >= 0)
		e2e_child_fail(c, "%s as uid 65534 succeeded", what);
	c->shm->v[slot] = -errno;
}

static void child_denied(struct e2e_ctx *c)
{
	const char *f = e2e_dpath(c, "ro/f");

	CK(c, setresgid(NOBODY, NOBODY, NOBODY));
	CK(c, setresuid(NOBODY, NOBODY, NOBODY));
	must_fail(c, D_OPEN, open(f, O_WRONLY), "open O_WRONLY");
	must_fail(c, D_CREATE, open(e2e_dpath(c, "ro/new"), O_WRONLY | O_CREAT | O_EXCL, 0644),
		  "open O_CREAT");
	must_fail(c, D_TRUNC, truncate(f, 0), "truncate");
	must_fail(c, D_CHMOD, chmod(f, 0666), "chmod");
	must_fail(c, D_UNLINK, unlink(f), "unlink");
	must_fail(c, D_RENAME, rename(f, e2e_dpath(c, "ro/g")), "rename");
	must_fail(c, D_MKDIR, mkdir(e2e_dpath(c, "ro/m"), 0755), "mkdir");
	must_fail(c, D_LINK, link(f, e2e_dpath(c, "ro/h")), "link");
	must_fail(c, D_SYMLINK, symlink("f", e2e_dpath(c, "ro/s")), "symlink");
}

/*
 * A creating call that failed: no inode, the type it asked for (the event
 * says so for mkdir, mknod and symlink), dev null or that of the directory.
 */
static void check_not_made(struct e2e_check *k, struct json_object *e, const char *ftype)
{
	struct json_object *v;
	struct stat st;

	e2e_null(k, e, "ino");
	e2e_str(k, e, "ftype", ftype);
	if (json_object_object_get_ex(e, "dev", &v) && v && !stat(e2e_dpath(k->c, "ro"), &st))
		e2e_dev(k, e, st.st_dev);
}

/* Failed with -shm->v[@slot], by uid and gid 65534. */
static void check_denied_ev(struct e2e_check *k, struct json_object *e, int slot)
{
	struct e2e_proc p = e2e_proc_child(k);

	p.uid = p.euid = p.gid = NOBODY;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, (int)-k->c->shm->v[slot]);
	e2e_absent(k, e, "count");
	e2e_absent(k, e, "bytes");
}

static void check_denied(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	const char *f = e2e_dpath(c, "ro/f");
	struct json_object *e;

	e2e_ops(k, "open open truncate chmod unlink rename mkdir link symlink");
	if ((e = e2e_find(k, "open", f, 0))) {
		check_denied_ev(k, e, D_OPEN);
		e2e_flags(k, e, "O_WRONLY");
		e2e_obj_st(k, e, &c->st[0], E2E_OPTIONAL);
	}
	if ((e = e2e_find(k, "open", e2e_dpath(c, "ro/new"), 0))) {
		check_denied_ev(k, e, D_CREATE);
		e2e_flags(k, e, "O_WRONLY O_CREAT O_EXCL");
		e2e_obj_missing(k, e, e2e_dpath(c, "ro/new"));
	}
	if ((e = e2e_find(k, "truncate", f, 0))) {
		check_denied_ev(k, e, D_TRUNC);
		e2e_int(k, e, "size", 0);
		e2e_obj_st(k, e, &c->st[0], E2E_OPTIONAL);
	}
	if ((e = e2e_find(k, "chmod", f, 0))) {
		check_denied_ev(k, e, D_CHMOD);
		e2e_str(k, e, "mode", "0666");
		e2e_obj_st(k, e, &c->st[0], E2E_OPTIONAL);
	}
	if ((e = e2e_find(k, "unlink", f, 0))) {
		check_denied_ev(k, e, D_UNLINK);
		e2e_obj_st(k, e, &c->st[0], E2E_OPTIONAL);
	}
	if ((e = e2e_find(k, "rename", f, 0))) {
		check_denied_ev(k, e, D_RENAME);
		e2e_str(k, e, "new_path", e2e_dpath(c, "ro/g"));
		e2e_obj_st(k, e, &c->st[0], E2E_OPTIONAL);
	}
	if ((e = e2e_find(k, "mkdir", e2e_dpath(c, "ro/m"), 0))) {
		check_denied_ev(k, e, D_MKDIR);
		e2e_str(k, e, "mode", "0755");
		check_not_made(k, e, "dir");
	}
	if ((e = e2e_find(k, "link", f, 0))) {
		check_denied_ev(k, e, D_LINK);
		e2e_str(k, e, "new_path", e2e_dpath(c, "ro/h"));
		e2e_obj_st(k, e, &c->st[0], E2E_OPTIONAL);
	}
	if ((e = e2e_find(k, "symlink", e2e_dpath(c, "ro/s"), 0))) {
		check_denied_ev(k, e, D_SYMLINK);
		e2e_str(k, e, "target", "f");
		check_not_made(k, e, "symlink");
	}
	/* Nothing was changed. */
	if (access(e2e_dpath(c, "ro/new"), F_OK) == 0 || access(e2e_dpath(c, "ro/g"), F_OK) == 0)
		e2e_fail(k, "test bug: a denied call changed ro/");
}

/* ---- a character device node made in the scratch directory ---- */

static void child_chr_node(struct e2e_ctx *c)
{
	const char *n = e2e_dpath(c, "null");
	struct stat st;
	int fd;

	CK(c, mknod(n, S_IFCHR | 0620, makedev(1, 3)));
	CK(c, lstat(n, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	c->shm->v[1] = (int64_t)st.st_dev;
	fd = open(n, O_WRONLY);
	CK(c, fd);
	for (int i = 0; i < 3; i++)
		CK(c, write(fd, "0123456789", 10));
	close(fd);
	fd = open(n, O_RDONLY);
	CK(c, fd);
	if (read(fd, (char[8]){ 0 }, 8) != 0)
		e2e_child_fail(c, "a read of the null device node did not return 0");
	close(fd);
	CK(c, unlink(n));
}

static void check_chr_node(struct e2e_check *k)
{
	const char *n = e2e_dpath(k->c, "null");
	struct e2e_shm *sh = k->c->shm;
	struct stat st = { .st_ino = (ino_t)sh->v[0],
			   .st_dev = (dev_t)sh->v[1],
			   .st_mode = S_IFCHR | 0620 };
	struct json_object *e;

	e2e_ops(k, "mknod open write+ open read unlink");
	if ((e = e2e_find(k, "mknod", n, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0620");
		e2e_obj_st(k, e, &st, 0);
	}
	for (size_t i = 0; i < 2; i++) {
		if ((e = e2e_find(k, "open", n, i))) {
			e2e_common(k, e);
			e2e_flags(k, e, i ? "O_RDONLY" : "O_WRONLY");
			e2e_obj_st(k, e, &st, 0);
		}
	}
	e2e_sum(k, "write", n, "count", 3);
	e2e_sum(k, "write", n, "bytes", 30);
	check_rw_exact(k, "write", n, &st);
	if ((e = e2e_find(k, "read", n, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "count", 1);
		e2e_int(k, e, "bytes", 0);
		e2e_obj_st(k, e, &st, 0);
	}
	if ((e = e2e_find(k, "unlink", n, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_obj_st(k, e, &st, 0);
	}
}

/* ---- a unix-domain socket file in the scratch directory ---- */

static void child_sock_file(struct e2e_ctx *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *s = e2e_dpath(c, "s");
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CK(c, fd);
	if (strlen(s) >= sizeof(sa.sun_path))
		e2e_child_fail(c, "test bug: %s is too long for sun_path", s);
	memcpy(sa.sun_path, s, strlen(s));
	/* bind(2) makes the file: documented as unseen by the tracepoint backend. */
	CK(c, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	CK(c, lstat(s, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	c->shm->v[1] = (int64_t)st.st_dev;
	if (open(s, O_RDONLY) >= 0 || errno != ENXIO)
		e2e_child_fail(c, "open of a socket file did not fail with ENXIO");
	CK(c, chmod(s, 0600));
	CK(c, unlink(s));
	close(fd);
}

static void check_sock_file(struct e2e_check *k)
{
	const char *s = e2e_dpath(k->c, "s");
	struct e2e_shm *sh = k->c->shm;
	struct e2e_proc p = e2e_proc_child(k);
	struct stat st = { .st_ino = (ino_t)sh->v[0],
			   .st_dev = (dev_t)sh->v[1],
			   .st_mode = S_IFSOCK | 0755 };
	struct json_object *e;

	e2e_ops(k, "open chmod unlink");
	if ((e = e2e_find(k, "open", s, 0))) {
		e2e_proc(k, e, &p);
		e2e_errno(k, e, ENXIO);
		e2e_flags(k, e, "O_RDONLY");
		e2e_obj_st(k, e, &st, E2E_OPTIONAL);
	}
	if ((e = e2e_find(k, "chmod", s, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_obj_st(k, e, &st, 0);
	}
	if ((e = e2e_find(k, "unlink", s, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_obj_st(k, e, &st, 0);
	}
}

/* ---- control bytes and malformed UTF-8 in a name ---- */

/*
 * Every control byte class, DEL, then malformed UTF-8: an overlong '/', a
 * UTF-16 surrogate, a sequence cut short, a lone continuation byte, a code
 * point past U+10FFFF; then valid two- and three-byte characters.
 */
#define BAD_NAME                                                                                   \
	"c\x01\x02\t\r\x1b\x1f\x7f"                                                                \
	"-\xc0\xaf-\xed\xa0\x80-\xe2\x82"                                                          \
	"A-\x80-\xf4\x90\x80\x80-\xc3\xa9\xe2\x82\xac"
#define FFFD "\xef\xbf\xbd"
#define BAD_NAME_JSON                                                                              \
	"c\x01\x02\t\r\x1b\x1f\x7f"                                                                \
	"-" FFFD FFFD "-" FFFD FFFD FFFD "-" FFFD FFFD "A-" FFFD "-" FFFD FFFD FFFD FFFD           \
	"-\xc3\xa9\xe2\x82\xac"

static void hex_of(const char *s, char *out, size_t len)
{
	size_t j = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && j + 3 < len; p++)
		j += (size_t)snprintf(out + j, len - j, "%02x", *p);
	out[j] = '\0';
}

static void child_bad_utf8(struct e2e_ctx *c)
{
	struct stat st;
	int fd = open(e2e_dpath(c, BAD_NAME), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, fstat(fd, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	CK(c, write(fd, "12345", 5));
	CK(c, write(fd, "678", 3));
	close(fd);
	CK(c, chmod(e2e_dpath(c, BAD_NAME), 0600));
}

static void check_bad_utf8(struct e2e_check *k)
{
	const char *json = e2e_dpath(k->c, BAD_NAME_JSON);
	char hex[2 * PATH_MAX];
	struct json_object *e;

	hex_of(e2e_dpath(k->c, BAD_NAME), hex, sizeof(hex));
	e2e_ops(k, "create write+ chmod");
	e2e_sum(k, "write", json, "count", 2);
	e2e_sum(k, "write", json, "bytes", 8);
	for (size_t i = 0; i < e2e_count(k, "write", json); i++) {
		e = e2e_find(k, "write", json, i);
		e2e_common(k, e);
		e2e_int(k, e, "ret", e2e_json_int(e, "bytes", -1));
		e2e_int(k, e, "ino", k->c->shm->v[0]);
		e2e_str(k, e, "path_hex", hex);
	}
	if ((e = e2e_find(k, "create", json, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ino", k->c->shm->v[0]);
		e2e_str(k, e, "path_hex", hex);
	}
	if ((e = e2e_find(k, "chmod", json, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "ino", k->c->shm->v[0]);
		e2e_str(k, e, "path_hex", hex);
	}
}

/* ---- another mount namespace, writing to the file system it shares with ours ---- */

static int setup_ns_shared(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "x"), 0755));
	SK(c, mkdir(e2e_dpath(c, "y"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "x/f"), "", 0644));
	SK(c, lstat(e2e_dpath(c, "x/f"), &c->st[0]));
	return 0;
}

static uint64_t own_mntns(void)
{
	char link[64];
	uint64_t ns = 0;
	ssize_t n = readlink("/proc/self/ns/mnt", link, sizeof(link) - 1);

	if (n > 0) {
		link[n] = '\0';
		sscanf(link, "mnt:[%" SCNu64 "]", &ns);
	}
	return ns;
}

static void child_ns_shared(struct e2e_ctx *c)
{
	int fd;

	CK(c, unshare(CLONE_NEWNS));
	CK(c, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	c->shm->v[0] = (int64_t)own_mntns();
	fd = open(e2e_dpath(c, "x/f"), O_WRONLY | O_APPEND);
	CK(c, fd);
	for (int i = 0; i < 4; i++)
		CK(c, write(fd, "abcdef", 6));
	close(fd);
	CK(c, rename(e2e_dpath(c, "x/f"), e2e_dpath(c, "y/g")));
	CK(c, chmod(e2e_dpath(c, "y/g"), 0600));
}

static void check_ns_shared(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	struct e2e_proc p = e2e_proc_child(k);
	const char *f = e2e_dpath(c, "x/f"), *g = e2e_dpath(c, "y/g");
	struct json_object *e;

	e2e_ops(k, "open write+ rename chmod");
	if ((uint64_t)c->shm->v[0] == c->env->mntns)
		e2e_fail(k, "the child's mount namespace is the runner's; unshare had no effect");
	p.mntns = (uint64_t)c->shm->v[0];
	if ((e = e2e_find(k, "open", f, 0))) {
		e2e_proc(k, e, &p);
		e2e_absent(k, e, "error");
		e2e_flags(k, e, "O_WRONLY O_APPEND");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	e2e_sum(k, "write", f, "count", 4);
	e2e_sum(k, "write", f, "bytes", 24);
	for (size_t i = 0; i < e2e_count(k, "write", f); i++) {
		e = e2e_find(k, "write", f, i);
		e2e_proc(k, e, &p);
		e2e_int(k, e, "ret", e2e_json_int(e, "bytes", -1));
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "rename", f, 0))) {
		e2e_proc(k, e, &p);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", g);
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "chmod", g, 0))) {
		e2e_proc(k, e, &p);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
}

/*
 * A bind mount that exists only in the child's mount namespace: the names
 * are those the child used (view/f), the object is real/f.
 */
static int setup_ns_bind(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "real"), 0755));
	SK(c, mkdir(e2e_dpath(c, "view"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "real/f"), "", 0644));
	SK(c, lstat(e2e_dpath(c, "real/f"), &c->st[0]));
	return 0;
}

static void child_ns_bind(struct e2e_ctx *c)
{
	int fd;

	CK(c, unshare(CLONE_NEWNS));
	CK(c, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	CK(c, mount(e2e_dpath(c, "real"), e2e_dpath(c, "view"), NULL, MS_BIND, NULL));
	c->shm->v[0] = (int64_t)own_mntns();
	fd = open(e2e_dpath(c, "view/f"), O_WRONLY);
	CK(c, fd);
	for (int i = 0; i < 2; i++)
		CK(c, write(fd, "abc", 3));
	close(fd);
	CK(c, chmod(e2e_dpath(c, "view/f"), 0600));
	CK(c, unlink(e2e_dpath(c, "view/f")));
}

static void check_ns_bind(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	struct e2e_proc p = e2e_proc_child(k);
	const char *v = e2e_dpath(c, "view/f");
	struct json_object *e;

	e2e_ops(k, "open write+ chmod unlink");
	p.mntns = (uint64_t)c->shm->v[0];
	if ((e = e2e_find(k, "open", v, 0))) {
		e2e_proc(k, e, &p);
		e2e_absent(k, e, "error");
		e2e_flags(k, e, "O_WRONLY");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	e2e_sum(k, "write", v, "count", 2);
	e2e_sum(k, "write", v, "bytes", 6);
	for (size_t i = 0; i < e2e_count(k, "write", v); i++) {
		e = e2e_find(k, "write", v, i);
		e2e_proc(k, e, &p);
		e2e_int(k, e, "ret", e2e_json_int(e, "bytes", -1));
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "chmod", v, 0))) {
		e2e_proc(k, e, &p);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "unlink", v, 0))) {
		e2e_proc(k, e, &p);
		e2e_int(k, e, "ret", 0);
		e2e_obj_st(k, e, &c->st[0], 0);
	}
}

/* ---- a deep path past 4096 bytes: every op on the file at the bottom ---- */

#define DEEP_LEVELS 25
#define DEEP_NAME   200

static void deep_name(char *buf, int level)
{
	snprintf(buf, 4, "%03d", level);
	memset(buf + 3, 'd', DEEP_NAME - 3);
	buf[DEEP_NAME] = '\0';
}

/* Returns: D/<level 0>/.../<level DEEP_LEVELS-1>/@leaf, malloc'd. */
static char *deep_path(struct e2e_ctx *c, const char *leaf)
{
	size_t len = strlen(c->dir) + DEEP_LEVELS * (DEEP_NAME + 1) + strlen(leaf) + 2;
	char *p = malloc(len), name[DEEP_NAME + 1];
	size_t used;

	if (!p)
		return NULL;
	used = (size_t)snprintf(p, len, "%s", c->dir);
	for (int i = 0; i < DEEP_LEVELS; i++) {
		deep_name(name, i);
		used += (size_t)snprintf(p + used, len - used, "/%s", name);
	}
	snprintf(p + used, len - used, "/%s", leaf);
	return p;
}

static void child_deep(struct e2e_ctx *c)
{
	char name[DEEP_NAME + 1];
	struct stat st;
	int dfd = open(c->dir, O_RDONLY | O_DIRECTORY), nfd, fd;

	CK(c, dfd);
	for (int i = 0; i < DEEP_LEVELS; i++) {
		deep_name(name, i);
		CK(c, mkdirat(dfd, name, 0755));
		nfd = openat(dfd, name, O_RDONLY | O_DIRECTORY);
		CK(c, nfd);
		close(dfd);
		dfd = nfd;
	}
	fd = openat(dfd, "f", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	CK(c, fstat(fd, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	c->shm->v[1] = (int64_t)st.st_dev;
	for (int i = 0; i < 3; i++)
		CK(c, write(fd, "0123456", 7));
	close(fd);
	CK(c, renameat(dfd, "f", dfd, "g"));
	CK(c, fchmodat(dfd, "g", 0600, 0));
	CK(c, unlinkat(dfd, "g", 0));
	close(dfd);
}

static void check_deep(struct e2e_check *k)
{
	char *f = deep_path(k->c, "f"), *g = deep_path(k->c, "g");
	char ops[DEEP_LEVELS * 11 + 64];
	size_t used = 0;
	struct json_object *e;
	const struct e2e_shm *sh = k->c->shm;

	if (!f || !g) {
		e2e_fail(k, "out of memory");
		goto out;
	}
	if (strlen(f) <= 4096 || strlen(f) >= 8191)
		e2e_fail(k, "test bug: path length %zu is not between 4096 and 8191", strlen(f));
	used = (size_t)snprintf(ops, sizeof(ops), "open ");
	for (int i = 0; i < DEEP_LEVELS; i++)
		used += (size_t)snprintf(ops + used, sizeof(ops) - used, "mkdir open ");
	snprintf(ops + used, sizeof(ops) - used, "create write+ rename chmod unlink");
	e2e_ops(k, ops);
	if ((e = e2e_find(k, "create", f, 0))) {
		e2e_common(k, e);
		e2e_flags(k, e, "O_WRONLY O_CREAT O_EXCL");
		e2e_not_true(k, e, "path_truncated");
		e2e_int(k, e, "ino", sh->v[0]);
		e2e_dev(k, e, (uint64_t)sh->v[1]);
	}
	e2e_sum(k, "write", f, "count", 3);
	e2e_sum(k, "write", f, "bytes", 21);
	for (size_t i = 0; i < e2e_count(k, "write", f); i++) {
		e = e2e_find(k, "write", f, i);
		e2e_common(k, e);
		e2e_int(k, e, "ret", e2e_json_int(e, "bytes", -1));
		e2e_int(k, e, "ino", sh->v[0]);
	}
	if ((e = e2e_find(k, "rename", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", g);
		e2e_int(k, e, "ino", sh->v[0]);
		e2e_dev(k, e, (uint64_t)sh->v[1]);
	}
	if ((e = e2e_find(k, "chmod", g, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_int(k, e, "ino", sh->v[0]);
	}
	if ((e = e2e_find(k, "unlink", g, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "ino", sh->v[0]);
		e2e_str(k, e, "ftype", "file");
	}
out:
	free(f);
	free(g);
}

/* ---- a file replaced by a rename while open: its later changes are of the deleted file ---- */

static int setup_replaced(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "f"), "old", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "g"), "new", 0644));
	SK(c, lstat(e2e_dpath(c, "f"), &c->st[0]));
	SK(c, lstat(e2e_dpath(c, "g"), &c->st[1]));
	return 0;
}

static void child_replaced(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_APPEND), fd2;

	CK(c, fd);
	/* A second fd for the attribute changes: merged writes go out at the first one's close. */
	fd2 = open(e2e_dpath(c, "f"), O_RDWR);
	CK(c, fd2);
	CK(c, rename(e2e_dpath(c, "g"), e2e_dpath(c, "f")));
	CK(c, write(fd, "12", 2));
	CK(c, write(fd, "345", 3));
	close(fd);
	CK(c, fchmod(fd2, 0600));
	CK(c, ftruncate(fd2, 1));
	close(fd2);
	CK(c, chmod(e2e_dpath(c, "f"), 0640));
}

static void check_replaced(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	const char *f = e2e_dpath(c, "f");
	struct json_object *e;

	e2e_ops(k, "open open rename write+ chmod truncate chmod");
	for (size_t i = 0; i < 2; i++) {
		if ((e = e2e_find(k, "open", f, i))) {
			e2e_common(k, e);
			e2e_flags(k, e, i ? "O_RDWR" : "O_WRONLY O_APPEND");
			e2e_not_true(k, e, "deleted");
			e2e_obj_st(k, e, &c->st[0], 0);
		}
	}
	if ((e = e2e_find(k, "rename", e2e_dpath(c, "g"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", f);
		e2e_obj_st(k, e, &c->st[1], 0);
	}
	e2e_sum(k, "write", f, "count", 2);
	e2e_sum(k, "write", f, "bytes", 5);
	for (size_t i = 0; i < e2e_count(k, "write", f); i++) {
		e = e2e_find(k, "write", f, i);
		e2e_common(k, e);
		e2e_int(k, e, "ret", e2e_json_int(e, "bytes", -1));
		e2e_true(k, e, "deleted");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	/* The fd's file is the replaced one: deleted, its own inode. */
	if ((e = e2e_find(k, "chmod", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_true(k, e, "deleted");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "truncate", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "size", 1);
		e2e_true(k, e, "deleted");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	/* The name now: the file that replaced it, not deleted. */
	if ((e = e2e_find(k, "chmod", f, 1))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0640");
		e2e_not_true(k, e, "deleted");
		e2e_obj_st(k, e, &c->st[1], 0);
	}
}

/* ---- a hard link that outlives the first name ---- */

static int setup_hl(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "x"), 0755));
	SK(c, mkdir(e2e_dpath(c, "y"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "x/f"), "0123456789", 0644));
	SK(c, lstat(e2e_dpath(c, "x/f"), &c->st[0]));
	return 0;
}

static void child_hl(struct e2e_ctx *c)
{
	int fd;

	CK(c, link(e2e_dpath(c, "x/f"), e2e_dpath(c, "y/h")));
	CK(c, unlink(e2e_dpath(c, "x/f")));
	fd = open(e2e_dpath(c, "y/h"), O_WRONLY | O_APPEND);
	CK(c, fd);
	CK(c, write(fd, "ab", 2));
	CK(c, write(fd, "cd", 2));
	close(fd);
	CK(c, chmod(e2e_dpath(c, "y/h"), 0600));
}

static void check_hl(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	const char *h = e2e_dpath(c, "y/h");
	struct json_object *e;

	e2e_ops(k, "link unlink open write+ chmod");
	if ((e = e2e_find(k, "link", e2e_dpath(c, "x/f"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", h);
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "unlink", e2e_dpath(c, "x/f"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "open", h, 0))) {
		e2e_common(k, e);
		e2e_flags(k, e, "O_WRONLY O_APPEND");
		e2e_not_true(k, e, "deleted");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	e2e_sum(k, "write", h, "count", 2);
	e2e_sum(k, "write", h, "bytes", 4);
	for (size_t i = 0; i < e2e_count(k, "write", h); i++) {
		e = e2e_find(k, "write", h, i);
		e2e_common(k, e);
		e2e_int(k, e, "ret", e2e_json_int(e, "bytes", -1));
		e2e_not_true(k, e, "deleted");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
	if ((e = e2e_find(k, "chmod", h, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
		e2e_obj_st(k, e, &c->st[0], 0);
	}
}

/*
 * ---- renames whose names share their first bytes but not their directory ----
 * A rename's new name resumes from the directory its old name resolved to
 * when both start with the same bytes and the same dirfd: "s/a" -> "s/b"
 * from two dirfds whose directories each hold an s must not.
 */

static int setup_rename_prefix(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "p"), 0755));
	SK(c, mkdir(e2e_dpath(c, "p/s"), 0755));
	SK(c, mkdir(e2e_dpath(c, "q"), 0755));
	SK(c, mkdir(e2e_dpath(c, "q/s"), 0755));
	SK(c, mkdir(e2e_dpath(c, "q/sx"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "p/s/a"), "x", 0644));
	SK(c, lstat(e2e_dpath(c, "p/s/a"), &c->st[0]));
	return 0;
}

static void child_rename_prefix(struct e2e_ctx *c)
{
	int p = open(e2e_dpath(c, "p"), O_RDONLY | O_DIRECTORY);
	int q = open(e2e_dpath(c, "q"), O_RDONLY | O_DIRECTORY);

	CK(c, p);
	CK(c, q);
	CK(c, renameat(p, "s/a", q, "s/b"));  /* same bytes, other directory */
	CK(c, renameat(q, "s/b", q, "s/c"));  /* same dirfd: may resume */
	CK(c, renameat(q, "s/c", q, "sx/d")); /* a longer name sharing "s" */
	CK(c, rename(e2e_dpath(c, "q/sx/d"), e2e_dpath(c, "q/sx/e")));
	close(p);
	close(q);
}

static void check_rename_prefix(struct e2e_check *k)
{
	static const char *const moves[][2] = {
		{ "p/s/a", "q/s/b" },
		{ "q/s/b", "q/s/c" },
		{ "q/s/c", "q/sx/d" },
		{ "q/sx/d", "q/sx/e" },
	};
	struct e2e_ctx *c = k->c;

	e2e_ops(k, "open open rename rename rename rename");
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		struct json_object *e = e2e_find(k, "rename", e2e_dpath(c, moves[i][0]), 0);

		if (!e)
			continue;
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", e2e_dpath(c, moves[i][1]));
		e2e_obj_st(k, e, &c->st[0], 0);
	}
}

/*
 * ---- the same names before and after the tree changed under them ----
 * Anything the capture keeps from one call to the next (a directory a name
 * resolved to, the path of a directory a walk passed) is only right while
 * the tree stays as it was. The child names a file, stays on one CPU, and a
 * process of its own on another CPU changes the tree (so that nothing the
 * child does itself in between forgets what the first call left): the
 * directory's parent renamed away and another renamed in its place, a
 * tmpfs mounted over the parent, the directory removed and made anew; and
 * the same relative name from another working directory or dirfd. Each
 * second name must be the new object. (On one CPU the case cannot set
 * that up. A per-CPU cache of resolved directories, tried and taken out,
 * failed it whenever one of its checks was left out; docs/
 * PERFORMANCE-HISTORY.md says why it was not kept.)
 */

static int setup_tree_changed(struct e2e_ctx *c)
{
	static const char *const dirs[] = { "a", "a/b", "n",   "n/b", "p",  "p/q",
					    "r", "x",	"x/s", "y",   "y/s" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		SK(c, mkdir(e2e_dpath(c, dirs[i]), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "a/b/f"), "x", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "n/b/f"), "x", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "p/q/f"), "x", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "r/f"), "x", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "x/s/f"), "x", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "y/s/f"), "x", 0644));
	SK(c, lstat(e2e_dpath(c, "a/b/f"), &c->st[0]));
	SK(c, lstat(e2e_dpath(c, "n/b/f"), &c->st[1]));
	SK(c, lstat(e2e_dpath(c, "p/q/f"), &c->st[2]));
	SK(c, lstat(e2e_dpath(c, "r/f"), &c->st[3]));
	return 0;
}

static void pin_to(struct e2e_ctx *c, int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CK(c, sched_setaffinity(0, sizeof(one), &one));
}

/*
 * Run @change in a process of ours on a CPU other than @cpu of the @ncpu
 * (when there is one); wait for it. The caller counts the CPUs beforehand:
 * sysconf() opens a file, whose walk would replace what the case set up.
 */
static void on_other_cpu(struct e2e_ctx *c, int cpu, long ncpu, void (*change)(struct e2e_ctx *c))
{
	int status;
	pid_t pid = fork();

	CK(c, pid);
	if (pid == 0) {
		if (ncpu > 1)
			pin_to(c, (cpu + 1) % (int)ncpu);
		change(c);
		_exit(0);
	}
	CK(c, waitpid(pid, &status, 0));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		CK(c, -1);
}

static void swap_parent(struct e2e_ctx *c)
{
	CK(c, rename(e2e_dpath(c, "a"), e2e_dpath(c, "a2")));
	CK(c, rename(e2e_dpath(c, "n"), e2e_dpath(c, "a")));
}

/* Create D/@rel, empty; its inode and device go to shm->v[@slot], v[@slot + 1]. */
static void create_noted(struct e2e_ctx *c, const char *rel, int slot)
{
	struct stat st;
	int fd = open(e2e_dpath(c, rel), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, fstat(fd, &st));
	c->shm->v[slot] = (int64_t)st.st_ino;
	c->shm->v[slot + 1] = (int64_t)st.st_dev;
	close(fd);
}

static void mount_over_parent(struct e2e_ctx *c)
{
	CK(c, mount("tmpfs", e2e_dpath(c, "p"), "tmpfs", 0, "size=1m"));
	CK(c, mkdir(e2e_dpath(c, "p/q"), 0755));
	create_noted(c, "p/q/f", 1);
}

static void remake_dir(struct e2e_ctx *c)
{
	CK(c, unlink(e2e_dpath(c, "r/f")));
	CK(c, rmdir(e2e_dpath(c, "r")));
	CK(c, mkdir(e2e_dpath(c, "r"), 0755));
	create_noted(c, "r/f", 3);
}

/*
 * Keep the child on the CPU it is on, in a mount namespace of its own (its
 * mounts go with it, whatever happens; shm->v[0] says which), and count the
 * CPUs (@ncpu) for on_other_cpu() now. Returns: the CPU.
 */
static int settle_child(struct e2e_ctx *c, long *ncpu)
{
	int cpu = sched_getcpu();

	*ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	CK(c, cpu);
	pin_to(c, cpu);
	CK(c, unshare(CLONE_NEWNS));
	CK(c, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	c->shm->v[0] = (int64_t)own_mntns();
	return cpu;
}

static void child_tree_changed(struct e2e_ctx *c)
{
	long ncpu;
	int cpu = settle_child(c, &ncpu), dr, dx, dy;

	CK(c, chmod(e2e_dpath(c, "a/b/f"), 0600));
	on_other_cpu(c, cpu, ncpu, swap_parent);
	CK(c, chmod(e2e_dpath(c, "a/b/f"), 0600));

	CK(c, chmod(e2e_dpath(c, "p/q/f"), 0600));
	on_other_cpu(c, cpu, ncpu, mount_over_parent);
	CK(c, chmod(e2e_dpath(c, "p/q/f"), 0600));

	/* Held open, the removed directory's dentry is dropped, not reused for the new one. */
	dr = open(e2e_dpath(c, "r"), O_RDONLY | O_DIRECTORY);
	CK(c, dr);
	CK(c, chmod(e2e_dpath(c, "r/f"), 0600));
	on_other_cpu(c, cpu, ncpu, remake_dir);
	CK(c, chmod(e2e_dpath(c, "r/f"), 0600));
	close(dr);

	CK(c, chdir(e2e_dpath(c, "x")));
	CK(c, chmod("s/f", 0600));
	CK(c, chdir(e2e_dpath(c, "y")));
	CK(c, chmod("s/f", 0600));
	dx = open(e2e_dpath(c, "x"), O_RDONLY | O_DIRECTORY);
	dy = open(e2e_dpath(c, "y"), O_RDONLY | O_DIRECTORY);
	CK(c, dx);
	CK(c, dy);
	CK(c, fchmodat(dx, "s/f", 0640, 0));
	CK(c, fchmodat(dy, "s/f", 0640, 0));
	close(dx);
	close(dy);
}

/* The @nth chmod of D/@rel succeeded, by the child, on the object of inode @ino, device @dev. */
static void check_chmod_of(struct e2e_check *k, const struct e2e_proc *p, const char *rel,
			   size_t nth, int64_t ino, int64_t dev)
{
	struct json_object *e = e2e_find(k, "chmod", e2e_dpath(k->c, rel), nth);

	if (!e)
		return;
	e2e_proc(k, e, p);
	e2e_int(k, e, "ret", 0);
	e2e_int(k, e, "ino", ino);
	e2e_dev(k, e, (uint64_t)dev);
}

static void check_tree_changed(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	struct e2e_proc p = e2e_proc_child(k);
	struct e2e_shm *sh = c->shm;
	struct stat x, y;

	e2e_ops(k, "chmod chmod chmod chmod open chmod chmod chmod chmod open open chmod chmod");
	p.mntns = (uint64_t)sh->v[0];
	if (lstat(e2e_dpath(c, "x/s/f"), &x) || lstat(e2e_dpath(c, "y/s/f"), &y)) {
		e2e_fail(k, "cannot stat the case's files: %s", strerror(errno));
		return;
	}
	check_chmod_of(k, &p, "a/b/f", 0, (int64_t)c->st[0].st_ino, (int64_t)c->st[0].st_dev);
	check_chmod_of(k, &p, "a/b/f", 1, (int64_t)c->st[1].st_ino, (int64_t)c->st[1].st_dev);
	check_chmod_of(k, &p, "p/q/f", 0, (int64_t)c->st[2].st_ino, (int64_t)c->st[2].st_dev);
	check_chmod_of(k, &p, "p/q/f", 1, sh->v[1], sh->v[2]);
	check_chmod_of(k, &p, "r/f", 0, (int64_t)c->st[3].st_ino, (int64_t)c->st[3].st_dev);
	check_chmod_of(k, &p, "r/f", 1, sh->v[3], sh->v[4]);
	check_chmod_of(k, &p, "x/s/f", 0, (int64_t)x.st_ino, (int64_t)x.st_dev);
	check_chmod_of(k, &p, "y/s/f", 0, (int64_t)y.st_ino, (int64_t)y.st_dev);
	check_chmod_of(k, &p, "x/s/f", 1, (int64_t)x.st_ino, (int64_t)x.st_dev);
	check_chmod_of(k, &p, "y/s/f", 1, (int64_t)y.st_ino, (int64_t)y.st_dev);
}

/*
 * ---- paths of files made before and after their directory moved ----
 * As above, for the walk up from a file: the child makes a file; a process
 * of its own on another CPU renames the directory's parent, or moves the
 * bind mount the directory is seen through; the child's next file in that
 * same directory must have the directory's new path.
 */

static int setup_dir_moved(struct e2e_ctx *c)
{
	static const char *const dirs[] = { "a", "a/b", "src", "src/q", "m" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		SK(c, mkdir(e2e_dpath(c, dirs[i]), 0755));
	return 0;
}

static void rename_parent(struct e2e_ctx *c)
{
	CK(c, rename(e2e_dpath(c, "a"), e2e_dpath(c, "a2")));
}

static void move_bind_mount(struct e2e_ctx *c)
{
	CK(c, mkdir(e2e_dpath(c, "m2"), 0755));
	CK(c, mount(e2e_dpath(c, "m"), e2e_dpath(c, "m2"), NULL, MS_MOVE, NULL));
}

static void child_dir_moved(struct e2e_ctx *c)
{
	long ncpu;
	int cpu = settle_child(c, &ncpu);

	CK(c, mount(e2e_dpath(c, "src"), e2e_dpath(c, "m"), NULL, MS_BIND, NULL));

	create_noted(c, "a/b/f1", 1);
	on_other_cpu(c, cpu, ncpu, rename_parent);
	create_noted(c, "a2/b/f2", 3);

	create_noted(c, "m/q/f3", 5);
	on_other_cpu(c, cpu, ncpu, move_bind_mount);
	create_noted(c, "m2/q/f4", 7);
}

static void check_dir_moved(struct e2e_check *k)
{
	static const char *const made[] = { "a/b/f1", "a2/b/f2", "m/q/f3", "m2/q/f4" };
	struct e2e_ctx *c = k->c;
	struct e2e_proc p = e2e_proc_child(k);
	struct e2e_shm *sh = c->shm;

	e2e_ops(k, "create create create create");
	p.mntns = (uint64_t)sh->v[0];
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		struct json_object *e = e2e_find(k, "create", e2e_dpath(c, made[i]), 0);

		if (!e)
			continue;
		e2e_proc(k, e, &p);
		e2e_absent(k, e, "error");
		e2e_int(k, e, "ino", sh->v[1 + 2 * i]);
		e2e_dev(k, e, (uint64_t)sh->v[2 + 2 * i]);
	}
}

/*
 * ---- 32-bit calls (int $0x80) ----
 * A 64-bit program can make 32-bit system calls with int $0x80, as a
 * 32-bit program does: other numbers (ia32 87 is swapon, x86-64's unlink;
 * ia32 20 is getpid, x86-64's writev) and other registers. Each must be
 * recorded as what it is, and none as what its number means in 64 bits.
 */

static long int80(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	/* The kernel zeroes r8-r11 on the way back from int $0x80. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static void child_int80(struct e2e_ctx *c)
{
	/* Below 4 GiB: 32-bit calls take 32-bit pointers. */
	char *low = mmap(NULL, 4 * PATH_MAX, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	char *f, *g, *lpath, *target, *buf;
	long fd;

	if (low == MAP_FAILED)
		CK(c, -1);
	f = low;
	g = low + PATH_MAX;
	lpath = low + 2 * PATH_MAX;
	target = low + 3 * PATH_MAX;
	buf = target + 16;
	snprintf(f, PATH_MAX, "%s", e2e_dpath(c, "f"));
	snprintf(g, PATH_MAX, "%s", e2e_dpath(c, "g"));
	snprintf(lpath, PATH_MAX, "%s", e2e_dpath(c, "l"));
	strcpy(target, "g");
	strcpy(buf, "abc");
	fd = int80(8 /* creat */, (long)f, 0644, 0, 0, 0);
	CK(c, (int)fd);
	CK(c, (int)int80(4 /* write */, fd, (long)buf, 3, 0, 0));
	/* In 64 bits, 20 is writev, and rdi (here edi) its fd: nothing may be written. */
	CK(c, (int)int80(20 /* getpid */, fd, (long)buf, 1, 0, fd));
	CK(c, (int)int80(6 /* close */, fd, 0, 0, 0, 0));
	CK(c, (int)int80(15 /* chmod */, (long)f, 0600, 0, 0, 0));
	CK(c, (int)int80(182 /* chown, 16-bit ids */, (long)f, 0xffff, 1234, 0, 0));
	/* All five registers: dirfd, name, owner, group in esi, flags in edi. */
	CK(c, (int)int80(298 /* fchownat */, AT_FDCWD, (long)f, 4321, 5678, AT_SYMLINK_NOFOLLOW));
	CK(c, (int)int80(353 /* renameat2, flags in edi */, AT_FDCWD, (long)f, AT_FDCWD, (long)g,
			 RENAME_NOREPLACE));
	CK(c, (int)int80(193 /* truncate64: length in two registers */, (long)g, 7, 1, 0, 0));
	CK(c, (int)int80(83 /* symlink */, (long)target, (long)lpath, 0, 0, 0));
	CK(c, (int)int80(10 /* unlink */, (long)lpath, 0, 0, 0, 0));
	CK(c, (int)int80(10 /* unlink */, (long)g, 0, 0, 0, 0));
	munmap(low, 4 * PATH_MAX);
}

static void check_int80(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	const char *f = e2e_dpath(c, "f"), *g = e2e_dpath(c, "g"), *l = e2e_dpath(c, "l");
	struct json_object *e;

	e2e_ops(k, "create write chmod chown chown rename truncate symlink unlink unlink");
	if ((e = e2e_find(k, "create", f, 0))) {
		e2e_common(k, e);
		e2e_flags(k, e, "O_WRONLY O_CREAT O_TRUNC");
	}
	e2e_sum(k, "write", f, "count", 1);
	e2e_sum(k, "write", f, "bytes", 3);
	if ((e = e2e_find(k, "chmod", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "mode", "0600");
	}
	if ((e = e2e_find(k, "chown", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "owner_uid", -1);
		e2e_int(k, e, "owner_gid", 1234);
	}
	if ((e = e2e_find(k, "chown", f, 1))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "owner_uid", 4321);
		e2e_int(k, e, "owner_gid", 5678);
	}
	if ((e = e2e_find(k, "rename", f, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "new_path", g);
		e2e_list(k, e, "rename_flags", (const char *const[]){ "RENAME_NOREPLACE" }, 1);
	}
	if ((e = e2e_find(k, "truncate", g, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_int(k, e, "size", (int64_t)((1ull << 32) + 7));
	}
	if ((e = e2e_find(k, "symlink", l, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_str(k, e, "target", "g");
	}
	if ((e = e2e_find(k, "unlink", l, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
	}
	if ((e = e2e_find(k, "unlink", g, 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
	}
}

/*
 * ---- an x32 call, and a number past 32 bits ----
 * x32 programs (the ILP32 ABI) call with bit 30 set in the number; kernels
 * mostly refuse them (ENOSYS), but the call is still made and must be
 * recorded as what it is, with the kernel's answer. The kernel reads only
 * a number's low 32 bits: 0x100000057 is an unlink.
 */

static int setup_x32(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "f"), "x", 0644));
	SK(c, lstat(e2e_dpath(c, "f"), &c->st[0]));
	return 0;
}

static void child_x32(struct e2e_ctx *c)
{
	long r = syscall(0x40000000 | SYS_chmod, e2e_dpath(c, "f"), 0600);

	c->shm->v[0] = r < 0 ? -errno : r;
	/* The kernel reads the number's low 32 bits: this is an unlink. */
	CK(c, (int)syscall(0x100000000L | SYS_unlink, e2e_dpath(c, "f")));
}

static void check_x32(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "chmod", e2e_dpath(k->c, "f"), 0);
	struct e2e_proc p = e2e_proc_child(k);
	int64_t ret = k->c->shm->v[0];

	e2e_ops(k, "chmod unlink");
	if (e) {
		e2e_proc(k, e, &p);
		e2e_int(k, e, "ret", ret);
		e2e_str(k, e, "mode", "0600");
		if (ret < 0)
			e2e_errno(k, e, (int)-ret);
	}
	if ((e = e2e_find(k, "unlink", e2e_dpath(k->c, "f"), 0))) {
		e2e_common(k, e);
		e2e_int(k, e, "ret", 0);
		e2e_obj_st(k, e, &k->c->st[0], 0);
	}
}

const struct e2e_case e2e_cases_hard[] = {
	E2E_CASE("hard: *at() on a dirfd whose directory was renamed after it was opened", W_MAIN,
		 0, setup_moved_dirfd, child_moved_dirfd, check_moved_dirfd),
	E2E_CASE("hard: renames whose names share their first bytes, not their directory", W_MAIN,
		 0, setup_rename_prefix, child_rename_prefix, check_rename_prefix),
	E2E_CASE("hard: a name again after its directory's parent was swapped, mounted over, "
		 "remade; other cwd, dirfd",
		 W_MAIN, 0, setup_tree_changed, child_tree_changed, check_tree_changed),
	E2E_CASE("hard: files made before and after their directory's parent was renamed, its "
		 "bind mount moved",
		 W_MAIN, 0, setup_dir_moved, child_dir_moved, check_dir_moved),
	E2E_CASE("hard: 32-bit calls (int $0x80): create, write, chmod, 16-bit chown, rename, "
		 "truncate64, symlink, unlink",
		 W_MAIN, 0, NULL, child_int80, check_int80),
	E2E_CASE("hard: an x32 chmod (bit 30 of the number), an unlink numbered 0x100000057",
		 W_MAIN, 0, setup_x32, child_x32, check_x32),
	E2E_CASE("hard: relative names after the working directory was renamed", W_MAIN, 0,
		 setup_moved_cwd, child_moved_cwd, check_moved_cwd),
	E2E_CASE("hard: 9 calls denied to uid 65534 in a root directory, ret and error exact",
		 W_MAIN, 0, setup_denied, child_denied, check_denied),
	E2E_CASE("hard: a character device node (mknod 1:3): written 3 times, read, unlinked",
		 W_MAIN, 0, NULL, child_chr_node, check_chr_node),
	E2E_CASE("hard: a unix socket file: open ENXIO, chmod and unlink", W_MAIN, 0, NULL,
		 child_sock_file, check_sock_file),
	E2E_CASE("hard: control bytes and malformed UTF-8 in a name written twice", W_MAIN, 0, NULL,
		 child_bad_utf8, check_bad_utf8),
	E2E_CASE("hard: another mount namespace writes, renames and chmods a shared file", W_MAIN,
		 0, setup_ns_shared, child_ns_shared, check_ns_shared),
	E2E_CASE("hard: a bind mount only in another mount namespace: write, chmod, unlink", W_MAIN,
		 0, setup_ns_bind, child_ns_bind, check_ns_bind),
	E2E_CASE("hard: 25 levels of 200-byte names: create, write 3 times, rename, chmod, unlink",
		 W_MAIN, 0, NULL, child_deep, check_deep),
	E2E_CASE("hard: a file replaced by a rename while open: writes, fchmod, ftruncate deleted",
		 W_MAIN, 0, setup_replaced, child_replaced, check_replaced),
	E2E_CASE("hard: a hard link across directories outlives the first name: written by it",
		 W_MAIN, 0, setup_hl, child_hl, check_hl),
};
const size_t e2e_n_cases_hard = sizeof(e2e_cases_hard) / sizeof(e2e_cases_hard[0]);
