// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where objects live: bind mounts, other mount namespaces, deleted files,
 * paths beyond PATH_MAX, and names built to break logs (JSON and text form).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_expect.h"

/* ---- mounts ---- */

static int setup_bind(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "real"), 0755));
	SK(c, mkdir(e2e_dpath(c, "view"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "real/f"), "", 0644));
	SK(c, mount(e2e_dpath(c, "real"), e2e_dpath(c, "view"), NULL, MS_BIND, NULL));
	return 0;
}

static void cleanup_bind(struct e2e_ctx *c)
{
	umount2(e2e_dpath(c, "view"), MNT_DETACH);
}

static void child_bind(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "view/f"), O_WRONLY);

	CK(c, fd);
	CK(c, write(fd, "abc", 3));
	close(fd);
}

static void check_bind(struct e2e_check *k)
{
	const char *v = e2e_dpath(k->c, "view/f"), *r = e2e_dpath(k->c, "real/f");
	struct json_object *o = e2e_find(k, "open", v, 0);
	struct json_object *w = e2e_find(k, "write", v, 0);

	e2e_ops(k, "open write+");
	if (o) {
		e2e_common(k, o);
		e2e_obj(k, o, r, 0);
	}
	if (w) {
		e2e_common(k, w);
		e2e_obj(k, w, r, 0);
	}
	e2e_sum(k, "write", v, "bytes", 3);
}

static void child_bind_chmod(struct e2e_ctx *c)
{
	CK(c, chmod(e2e_dpath(c, "view/f"), 0600));
}

static void check_bind_chmod(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "chmod", e2e_dpath(k->c, "view/f"), 0);

	e2e_ops(k, "chmod");
	if (!e)
		return;
	e2e_common(k, e);
	e2e_obj(k, e, e2e_dpath(k->c, "real/f"), 0);
}

/*
 * One mountpoint, three mounts in turn: a tmpfs; another after the first is
 * unmounted; a third mounted over the second. Each chmod of m/f must carry
 * the device of the mount on top at that moment, whatever the crossing
 * remembered from the one before.
 */
static int setup_remount(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "m"), 0755));
	return 0;
}

static void cleanup_remount(struct e2e_ctx *c)
{
	for (int i = 0; i < 3 && !umount2(e2e_dpath(c, "m"), MNT_DETACH); i++)
		;
}

/* Mount a tmpfs on m, create m/f (dev and ino to v[3 + @slot], v[@slot]), chmod it. */
static void mount_create_chmod(struct e2e_ctx *c, int slot)
{
	const char *f = e2e_dpath(c, "m/f");
	struct stat st;
	int fd;

	CK(c, mount("tmpfs", e2e_dpath(c, "m"), "tmpfs", 0, "size=64k"));
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	CK(c, fstat(fd, &st));
	close(fd);
	c->shm->v[slot] = (int64_t)st.st_ino;
	c->shm->v[3 + slot] = (int64_t)st.st_dev;
	CK(c, chmod(f, 0600));
}

static void child_remount(struct e2e_ctx *c)
{
	int fd;

	mount_create_chmod(c, 0);
	/* Held open while detached: the next tmpfs cannot reuse its device number. */
	fd = open(e2e_dpath(c, "m/f"), O_RDONLY);
	CK(c, fd);
	CK(c, umount2(e2e_dpath(c, "m"), MNT_DETACH));
	mount_create_chmod(c, 1);
	mount_create_chmod(c, 2);
	close(fd);
}

static void check_remount(struct e2e_check *k)
{
	const char *f = e2e_dpath(k->c, "m/f");
	struct e2e_shm *sh = k->c->shm;

	e2e_ops(k, "create chmod open create chmod create chmod");
	for (int i = 0; i < 3; i++) {
		struct json_object *e = e2e_find(k, "chmod", f, (size_t)i);

		if (!e)
			continue;
		e2e_common(k, e);
		e2e_dev(k, e, (uint64_t)sh->v[3 + i]);
		e2e_int(k, e, "ino", sh->v[i]);
	}
	if (sh->v[3] == sh->v[4] || sh->v[4] == sh->v[5])
		e2e_fail(k, "the three tmpfs mounts did not get devices of their own");
}

/*
 * 300 mounts under one parent mount, then one more on m: crossing into it
 * must find it, where a scan of the parent's child mounts gave up after 256
 * (a container host has hundreds).
 */
#define MANY_MOUNTS 300

static int setup_many_mounts(struct e2e_ctx *c)
{
	char name[64];

	SK(c, mkdir(e2e_dpath(c, "m"), 0755));
	SK(c, mkdir(e2e_dpath(c, "many"), 0755));
	for (int i = 0; i < MANY_MOUNTS; i++) {
		snprintf(name, sizeof(name), "many/%d", i);
		SK(c, mkdir(e2e_dpath(c, name), 0755));
		SK(c, mount("tmpfs", e2e_dpath(c, name), "tmpfs", 0, "size=4k"));
	}
	return 0;
}

static void cleanup_many_mounts(struct e2e_ctx *c)
{
	char name[64];

	cleanup_remount(c);
	for (int i = 0; i < MANY_MOUNTS; i++) {
		snprintf(name, sizeof(name), "many/%d", i);
		umount2(e2e_dpath(c, name), MNT_DETACH);
	}
}

static void child_many_mounts(struct e2e_ctx *c)
{
	mount_create_chmod(c, 0);
}

static void check_many_mounts(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "chmod", e2e_dpath(k->c, "m/f"), 0);

	e2e_ops(k, "create chmod");
	if (!e)
		return;
	e2e_common(k, e);
	e2e_dev(k, e, (uint64_t)k->c->shm->v[3]);
	e2e_int(k, e, "ino", k->c->shm->v[0]);
}

/*
 * p is a mountpoint in another mount namespace only (as PrivateTmp= makes
 * /tmp): here a name through p leads to the directory under it, again and
 * again (a crossing that found no mount is remembered), until a tmpfs is
 * mounted on p here too; then to the tmpfs.
 */
static pid_t other_ns_pid;

static int setup_other_ns(struct e2e_ctx *c)
{
	int ready[2];
	char b;

	SK(c, mkdir(e2e_dpath(c, "p"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "p/x"), "", 0644));
	SK(c, pipe(ready));
	other_ns_pid = fork();
	SK(c, other_ns_pid);
	if (other_ns_pid == 0) {
		close(ready[0]);
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", e2e_dpath(c, "p"), "tmpfs", 0, "size=64k"))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	b = 0;
	if (read(ready[0], &b, 1) != 1 || b != 'r') {
		close(ready[0]);
		errno = EIO;
		SK(c, -1);
	}
	close(ready[0]);
	return 0;
}

static void cleanup_other_ns(struct e2e_ctx *c)
{
	umount2(e2e_dpath(c, "p"), MNT_DETACH);
	if (other_ns_pid > 0) {
		kill(other_ns_pid, SIGKILL);
		waitpid(other_ns_pid, NULL, 0);
		other_ns_pid = 0;
	}
}

static void child_other_ns(struct e2e_ctx *c)
{
	const char *x = e2e_dpath(c, "p/x");
	struct stat st;
	int fd;

	CK(c, lstat(x, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	c->shm->v[3] = (int64_t)st.st_dev;
	CK(c, chmod(x, 0600));
	CK(c, chmod(x, 0640));
	CK(c, mount("tmpfs", e2e_dpath(c, "p"), "tmpfs", 0, "size=64k"));
	fd = open(x, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	CK(c, fstat(fd, &st));
	close(fd);
	c->shm->v[1] = (int64_t)st.st_ino;
	c->shm->v[4] = (int64_t)st.st_dev;
	CK(c, chmod(x, 0600));
}

static void check_other_ns(struct e2e_check *k)
{
	const char *x = e2e_dpath(k->c, "p/x");
	struct e2e_shm *sh = k->c->shm;

	e2e_ops(k, "chmod chmod create chmod");
	for (int i = 0; i < 3; i++) {
		struct json_object *e = e2e_find(k, "chmod", x, (size_t)i);
		int j = i < 2 ? 0 : 1;

		if (!e)
			continue;
		e2e_common(k, e);
		e2e_dev(k, e, (uint64_t)sh->v[3 + j]);
		e2e_int(k, e, "ino", sh->v[j]);
	}
}

static int setup_ns(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "ns"), 0755));
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

static void child_ns(struct e2e_ctx *c)
{
	struct stat st;
	int fd;

	CK(c, unshare(CLONE_NEWNS));
	CK(c, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	CK(c, mount("tmpfs", e2e_dpath(c, "ns"), "tmpfs", 0, "size=1m,mode=0755"));
	c->shm->v[0] = (int64_t)own_mntns();
	fd = open(e2e_dpath(c, "ns/f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	CK(c, fstat(fd, &st));
	c->shm->v[1] = (int64_t)st.st_dev;
	c->shm->v[2] = (int64_t)st.st_ino;
	close(fd);
	CK(c, chmod(e2e_dpath(c, "ns/f"), 0600));
}

static void check_ns(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct e2e_shm *sh = k->c->shm;
	struct json_object *e = e2e_find(k, "create", e2e_dpath(k->c, "ns/f"), 0);
	struct json_object *m = e2e_find(k, "chmod", e2e_dpath(k->c, "ns/f"), 0);

	e2e_ops(k, "create chmod");
	if (!e || !m)
		return;
	if ((uint64_t)sh->v[0] == k->c->env->mntns)
		e2e_fail(k, "the child's mount namespace is the runner's; unshare had no effect");
	p.mntns = (uint64_t)sh->v[0];
	for (int i = 0; i < 2; i++, e = m) {
		e2e_proc(k, e, &p);
		e2e_dev(k, e, (uint64_t)sh->v[1]);
		e2e_int(k, e, "ino", sh->v[2]);
		e2e_str(k, e, "ftype", "file");
	}
}

/* ---- deleted while open ---- */

static int setup_f(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "f"), "", 0644));
	SK(c, lstat(e2e_dpath(c, "f"), &c->st[0]));
	return 0;
}

static void child_deleted(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY);

	CK(c, fd);
	CK(c, unlink(e2e_dpath(c, "f")));
	CK(c, write(fd, "abc", 3));
	close(fd);
}

static void check_deleted(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");
	struct json_object *o = e2e_find(k, "open", p, 0);
	struct json_object *w = e2e_find(k, "write", p, 0);

	e2e_ops(k, "open unlink write+");
	if (o)
		e2e_not_true(k, o, "deleted");
	if (!w)
		return;
	e2e_common(k, w);
	e2e_true(k, w, "deleted");
	e2e_obj_st(k, w, &k->c->st[0], 0);
	e2e_sum(k, "write", p, "count", 1);
	e2e_sum(k, "write", p, "bytes", 3);
}

/* ---- names that change meaning: what a cached lookup must not get wrong ---- */

static int setup_reused(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "x"), 0755));
	SK(c, mkdir(e2e_dpath(c, "z"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "x/f"), "", 0644));
	return 0;
}

/* Create @path afresh; its inode number goes to shm->v[@slot]. */
static void create_noting(struct e2e_ctx *c, const char *path, int slot)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	CK(c, fstat(fd, &st));
	c->shm->v[slot] = (int64_t)st.st_ino;
	close(fd);
}

/*
 * The same name, x/f, names four objects in turn: the first; another after
 * its directory moved to z/x (the same name in another directory) and x was
 * made again; another after unlink; and
 * another while the unlinked one is still open (the old name's dentry then
 * stays, unhashed). Each chmod must carry the object it changed.
 */
static void child_reused(struct e2e_ctx *c)
{
	const char *f = e2e_dpath(c, "x/f");
	struct stat st;
	int fd;

	CK(c, lstat(f, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	CK(c, chmod(f, 0600));
	CK(c, rename(e2e_dpath(c, "x"), e2e_dpath(c, "z/x")));
	CK(c, mkdir(e2e_dpath(c, "x"), 0755));
	create_noting(c, f, 1);
	CK(c, chmod(f, 0600));
	CK(c, chmod(e2e_dpath(c, "z/x/f"), 0600));
	CK(c, unlink(f));
	create_noting(c, f, 2);
	CK(c, chmod(f, 0600));
	fd = open(f, O_RDONLY);
	CK(c, fd);
	CK(c, unlink(f));
	create_noting(c, f, 3);
	CK(c, chmod(f, 0600));
	close(fd);
}

static void check_reused(struct e2e_check *k)
{
	const char *f = e2e_dpath(k->c, "x/f");
	struct e2e_shm *sh = k->c->shm;
	struct json_object *e;

	e2e_ops(k, "chmod rename mkdir create chmod chmod unlink create chmod open unlink create "
		   "chmod");
	for (int i = 0; i < 4; i++) {
		e = e2e_find(k, "chmod", f, (size_t)i);
		if (!e)
			continue;
		e2e_common(k, e);
		e2e_int(k, e, "ino", sh->v[i]);
	}
	e = e2e_find(k, "chmod", e2e_dpath(k->c, "z/x/f"), 0);
	if (e)
		e2e_int(k, e, "ino", sh->v[0]);
	if (sh->v[1] == sh->v[0] || sh->v[3] == sh->v[2])
		e2e_fail(k, "inode numbers were reused while the old objects lived");
}

/*
 * A name unlinked while its file stays open leads nowhere: a chmod of it
 * fails, and its event must not name the open, deleted file.
 */
static void child_gone_name(struct e2e_ctx *c)
{
	const char *f = e2e_dpath(c, "x/f");
	int fd = open(f, O_RDONLY);

	CK(c, fd);
	CK(c, unlink(f));
	if (chmod(f, 0600) == 0 || errno != ENOENT)
		e2e_child_fail(c, "chmod of an unlinked name: expected ENOENT");
	close(fd);
}

static void check_gone_name(struct e2e_check *k)
{
	const char *f = e2e_dpath(k->c, "x/f");
	struct json_object *e = e2e_find(k, "chmod", f, 0);

	e2e_ops(k, "open unlink chmod");
	if (!e)
		return;
	e2e_errno(k, e, ENOENT);
	e2e_not_true(k, e, "deleted");
	e2e_obj_missing(k, e, f);
}

/*
 * A large directory: big/old and a long name were made first, so 6,000
 * newer names stand before them among the directory's cached children.
 * Their chmods, by name and through a symlink to the directory, must still
 * name the object and the resolved path (a scan of the children gave up
 * past 4,096 of them).
 */
#define BIG_SIBLINGS 6000
#define BIG_LONG     "big/an-old-name-longer-than-one-word.conf" /* compared past 8 bytes */

static int setup_big(struct e2e_ctx *c)
{
	char name[64];

	SK(c, mkdir(e2e_dpath(c, "big"), 0755));
	SK(c, e2e_write_file(e2e_dpath(c, "big/old"), "", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, BIG_LONG), "", 0644));
	for (int i = 0; i < BIG_SIBLINGS; i++) {
		snprintf(name, sizeof(name), "big/n%05d", i);
		SK(c, e2e_write_file(e2e_dpath(c, name), "", 0644));
	}
	SK(c, symlink("big", e2e_dpath(c, "lnk")));
	return 0;
}

static void child_big(struct e2e_ctx *c)
{
	CK(c, chmod(e2e_dpath(c, "big/old"), 0600));
	CK(c, chmod(e2e_dpath(c, "lnk/old"), 0640));
	CK(c, chmod(e2e_dpath(c, BIG_LONG), 0600));
}

static void check_big(struct e2e_check *k)
{
	const char *f = e2e_dpath(k->c, "big/old");

	const char *g = e2e_dpath(k->c, BIG_LONG);
	struct json_object *e;

	e2e_ops(k, "chmod chmod chmod");
	for (int i = 0; i < 2; i++) {
		e = e2e_find(k, "chmod", f, (size_t)i);
		if (e) {
			e2e_common(k, e);
			e2e_obj(k, e, f, 0);
		}
	}
	e = e2e_find(k, "chmod", g, 0);
	if (e) {
		e2e_common(k, e);
		e2e_obj(k, e, g, 0);
	}
}

/* Absolute names with "//", "." and ".." are recorded as the paths they resolve to. */
static void child_dotted(struct e2e_ctx *c)
{
	char name[PATH_MAX];

	snprintf(name, sizeof(name), "%s//x/./f", c->dir);
	CK(c, chmod(name, 0600));
	snprintf(name, sizeof(name), "%s/x/../x/f", c->dir);
	CK(c, chmod(name, 0640));
}

static void check_dotted(struct e2e_check *k)
{
	const char *f = e2e_dpath(k->c, "x/f");

	e2e_ops(k, "chmod chmod");
	for (int i = 0; i < 2; i++) {
		struct json_object *e = e2e_find(k, "chmod", f, (size_t)i);

		if (e) {
			e2e_common(k, e);
			e2e_obj(k, e, f, 0);
		}
	}
}

/* ---- long paths, built with openat chains of 200-byte names ---- */

#define LONG_NAME 200

static void long_name(char *buf, int level)
{
	snprintf(buf, 4, "%03d", level);
	memset(buf + 3, 'n', LONG_NAME - 3);
	buf[LONG_NAME] = '\0';
}

/* Returns: D/<level 0>/…/<level levels-1>/f, malloc'd. */
static char *long_path(struct e2e_ctx *c, int levels)
{
	size_t len = strlen(c->dir) + (size_t)levels * (LONG_NAME + 1) + 3;
	char *p = malloc(len), name[LONG_NAME + 1];
	size_t used;

	if (!p)
		return NULL;
	used = (size_t)snprintf(p, len, "%s", c->dir);
	for (int i = 0; i < levels; i++) {
		long_name(name, i);
		used += (size_t)snprintf(p + used, len - used, "/%s", name);
	}
	snprintf(p + used, len - used, "/f");
	return p;
}

/* In the child: make D/<level 0>/…/<level levels-1>. Returns: the last one's fd. */
static int long_dirs(struct e2e_ctx *c, int levels)
{
	char name[LONG_NAME + 1];
	int fd = open(c->dir, O_RDONLY | O_DIRECTORY), nfd;

	CK(c, fd);
	for (int i = 0; i < levels; i++) {
		long_name(name, i);
		CK(c, mkdirat(fd, name, 0755));
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY);
		CK(c, nfd);
		close(fd);
		fd = nfd;
	}
	return fd;
}

static void child_long(struct e2e_ctx *c, int levels)
{
	struct stat st;
	int fd = long_dirs(c, levels), nfd;

	nfd = openat(fd, "f", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, nfd);
	CK(c, fstat(nfd, &st));
	c->shm->v[0] = (int64_t)st.st_ino;
	c->shm->v[1] = (int64_t)st.st_dev;
	close(nfd);
	close(fd);
}

static void child_long_5k(struct e2e_ctx *c)
{
	child_long(c, 25);
}

static void child_long_8k(struct e2e_ctx *c)
{
	child_long(c, 42);
}

static void check_long_5k(struct e2e_check *k)
{
	char *want = long_path(k->c, 25);
	struct json_object *e;

	if (!want) {
		e2e_fail(k, "out of memory");
		return;
	}
	if (strlen(want) <= 4096 || strlen(want) >= 8191)
		e2e_fail(k, "test bug: path length %zu is not between 4096 and 8191", strlen(want));
	e = e2e_find(k, "create", want, 0);
	if (e) {
		e2e_common(k, e);
		e2e_not_true(k, e, "path_truncated");
		e2e_int(k, e, "ino", k->c->shm->v[0]);
		e2e_dev(k, e, (uint64_t)k->c->shm->v[1]);
	}
	free(want);
}

static void check_long_8k(struct e2e_check *k)
{
	char *want = long_path(k->c, 42);
	struct json_object *e = e2e_find(k, "create", NULL, 0);
	const char *path;
	size_t wl, pl;

	if (!want) {
		e2e_fail(k, "out of memory");
		return;
	}
	wl = strlen(want);
	if (wl <= 8192)
		e2e_fail(k, "test bug: path length %zu is not beyond 8192", wl);
	if (e) {
		e2e_common(k, e);
		e2e_true(k, e, "path_truncated");
		e2e_int(k, e, "ino", k->c->shm->v[0]);
		e2e_dev(k, e, (uint64_t)k->c->shm->v[1]);
		path = e2e_json_str(e, "path");
		pl = path ? strlen(path) : 0;
		if (!pl || pl > wl || strcmp(want + wl - pl, path))
			e2e_fail(k,
				 "create: path: expected a non-empty suffix of the %zu-byte path "
				 "ending in \"...%s\", got %zu bytes ending in \"...%s\"",
				 wl, want + wl - 40, pl,
				 pl > 40 ? path + pl - 40
				 : path	 ? path
					 : "");
	}
	free(want);
}

/*
 * Creates of 5 KiB names, about 5.3 KiB of record each, enough to go round
 * the ring buffer (4 MiB on up to 4 CPUs, 8 MiB on more: backend_tp.c)
 * two and a half times; each lap has a record that runs past the ring's
 * end, which the reader joins (src/lib/ringbuf.c). Paced, so that the
 * watcher and the runner reading its output keep up and nothing is lost.
 */
#define LAPS_FILES_MAX 4096

static int laps_files(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long ring = cpus > 0 && cpus <= 4 ? 4l << 20 : 8l << 20;

	return (int)(ring * 5 / 2 / 5300);
}

static void child_long_laps(struct e2e_ctx *c)
{
	char name[16];
	int fd = long_dirs(c, 25), nfd, n = laps_files();

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%04d", i);
		nfd = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		CK(c, nfd);
		close(nfd);
		if (i % 10 == 9)
			usleep(10000);
	}
	close(fd);
}

static void check_long_laps(struct e2e_check *k)
{
	char *dir = long_path(k->c, 25); /* ends in "/f" */
	size_t dl, seen = 0, want = (size_t)laps_files();
	unsigned char got[LAPS_FILES_MAX] = { 0 };

	if (!dir || want > LAPS_FILES_MAX) {
		e2e_fail(k, "test bug: out of memory, or %zu files", want);
		free(dir);
		return;
	}
	dl = strlen(dir) - 1; /* up to and with the '/' */
	for (size_t i = 0; i < k->n; i++) {
		const char *op = e2e_json_str(k->ev[i]->o, "op");
		const char *path = e2e_json_str(k->ev[i]->o, "path");
		unsigned int n;
		char tail[8];

		if (!op || strcmp(op, "create"))
			continue;
		if (!path || strlen(path) != dl + 5 || strncmp(path, dir, dl) ||
		    sscanf(path + dl, "f%4u%7s", &n, tail) != 1 || n >= want) {
			e2e_fail(k,
				 "create %zu: path of %zu bytes is not D/<25 levels>/fNNNN: "
				 "\"...%s\"",
				 i, path ? strlen(path) : 0,
				 path && strlen(path) > 60 ? path + strlen(path) - 60
				 : path			   ? path
							   : "");
			break;
		}
		if (got[n]++) {
			e2e_fail(k, "create of f%04u reported twice", n);
			break;
		}
		seen++;
	}
	if (!k->failed && seen < want)
		e2e_missing(k, "%zu of %zu creates seen", seen, want);
	free(dir);
}

/* ---- hostile names ---- */

#define ODD_NAME                                                                                   \
	"a\nb\x1b"                                                                                 \
	"c\\d\xff"
#define ODD_NAME_JSON                                                                              \
	"a\nb\x1b"                                                                                 \
	"c\\d\xef\xbf\xbd" /* U+FFFD for the bad byte */
#define ODD_NAME_TEXT "a\\nb\\x1bc\\\\d\\xff"
#define ODD_NEW	      "z\xfe"
#define ODD_TARGET    "t\xff"

static void hex_of(const char *s, char *out, size_t len)
{
	size_t j = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && j + 3 < len; p++)
		j += (size_t)snprintf(out + j, len - j, "%02x", *p);
	out[j] = '\0';
}

static void check_hex(struct e2e_check *k, struct json_object *e, const char *key,
		      const char *bytes)
{
	char want[2 * PATH_MAX];
	const char *got = e2e_json_str(e, key);

	hex_of(bytes, want, sizeof(want));
	if (!got || strcasecmp(got, want))
		e2e_fail(k, "%s: expected %s, got %s", key, want, got ? got : "(none)");
}

static void child_odd_names(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, ODD_NAME), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	close(fd);
	CK(c, rename(e2e_dpath(c, ODD_NAME), e2e_dpath(c, ODD_NEW)));
	CK(c, symlink(ODD_TARGET, e2e_dpath(c, "sl")));
}

static void check_odd_names(struct e2e_check *k)
{
	struct e2e_ctx *c = k->c;
	struct json_object *cr = e2e_find(k, "create", e2e_dpath(c, ODD_NAME_JSON), 0);
	struct json_object *rn = e2e_find(k, "rename", e2e_dpath(c, ODD_NAME_JSON), 0);
	struct json_object *sl = e2e_find(k, "symlink", e2e_dpath(c, "sl"), 0);

	e2e_ops(k, "create rename symlink");
	if (cr) {
		e2e_common(k, cr);
		check_hex(k, cr, "path_hex", e2e_dpath(c, ODD_NAME));
		e2e_obj(k, cr, e2e_dpath(c, ODD_NEW), 0);
	}
	if (rn) {
		check_hex(k, rn, "path_hex", e2e_dpath(c, ODD_NAME));
		e2e_str(k, rn, "new_path", e2e_dpath(c, "z\xef\xbf\xbd"));
		check_hex(k, rn, "new_path_hex", e2e_dpath(c, ODD_NEW));
	}
	if (sl) {
		e2e_absent(k, sl, "path_hex");
		e2e_str(k, sl, "target", "t\xef\xbf\xbd");
		check_hex(k, sl, "target_hex", ODD_TARGET);
	}
}

static void child_odd_text(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, ODD_NAME), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	close(fd);
}

static void check_odd_text(struct e2e_check *k)
{
	char want[PATH_MAX + 64], tag[32];
	size_t n = 0;
	const char *line = NULL;

	snprintf(want, sizeof(want), "create: e2e-child(%d,0) %s/" ODD_NAME_TEXT, (int)k->c->child,
		 k->c->dir);
	snprintf(tag, sizeof(tag), "(%d,", (int)k->c->child);
	for (size_t i = 0; i < k->n; i++) {
		if (!k->ev[i]->text || !strstr(k->ev[i]->text, tag))
			continue;
		n++;
		line = k->ev[i]->text;
		for (const unsigned char *p = (const unsigned char *)line; *p; p++)
			if (*p < 0x20 || *p == 0x7f || *p >= 0x80) {
				e2e_fail(k, "text line holds raw byte 0x%02x: %s", *p, line);
				break;
			}
	}
	if (!n)
		e2e_missing(k, "no text line for the child; expected: %s", want);
	else if (n > 1)
		e2e_fail(k, "expected exactly one text line for the child, got %zu (last: %s)", n,
			 line);
	else if (strcmp(line, want))
		e2e_fail(k, "text line: expected \"%s\", got \"%s\"", want, line);
}

static int setup_text2(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "a"), "a", 0644));
	SK(c, e2e_write_file(e2e_dpath(c, "secret"), "s", 0600));
	return 0;
}

static void child_text2(struct e2e_ctx *c)
{
	CK(c, rename(e2e_dpath(c, "a"), e2e_dpath(c, "b")));
	CK(c, setresuid(65534, 65534, 65534));
	if (open(e2e_dpath(c, "secret"), O_WRONLY) >= 0 || errno != EACCES)
		e2e_child_fail(c, "uid 65534 opening a root 0600 file did not fail with EACCES");
}

static void check_text2(struct e2e_check *k)
{
	char want[2][PATH_MAX + 128], tag[32];
	const char *got[2] = { NULL, NULL };
	size_t n = 0;
	int pid = (int)k->c->child;

	snprintf(want[0], sizeof(want[0]), "rename: e2e-child(%d,0) %s/a -> %s/b", pid, k->c->dir,
		 k->c->dir);
	snprintf(want[1], sizeof(want[1]), "open: e2e-child(%d,65534) %s/secret [EACCES]", pid,
		 k->c->dir);
	snprintf(tag, sizeof(tag), "(%d,", pid);
	for (size_t i = 0; i < k->n; i++) {
		if (!k->ev[i]->text || !strstr(k->ev[i]->text, tag))
			continue;
		if (n < 2)
			got[n] = k->ev[i]->text;
		n++;
	}
	for (int i = 0; i < 2; i++) {
		if (!got[i])
			e2e_missing(k, "text line %d missing; expected \"%s\"", i + 1, want[i]);
		else if (strcmp(got[i], want[i]))
			e2e_fail(k, "text line %d: expected \"%s\", got \"%s\"", i + 1, want[i],
				 got[i]);
	}
	if (n > 2)
		e2e_fail(k, "expected 2 text lines for the child, got %zu", n);
}

const struct e2e_case e2e_cases_paths[] = {
	E2E_CASE("mount: write through a bind mount", W_MAIN, 0, setup_bind, child_bind, check_bind,
		 .cleanup = cleanup_bind),
	E2E_CASE("mount: chmod by name through a bind mount", W_MAIN, 0, setup_bind,
		 child_bind_chmod, check_bind_chmod, .cleanup = cleanup_bind),
	E2E_CASE("mount: a mountpoint remounted, then mounted over: each chmod has its mount",
		 W_MAIN, 0, setup_remount, child_remount, check_remount,
		 .cleanup = cleanup_remount),
	E2E_CASE("mount: a tmpfs mounted after 300 others under the same parent mount", W_MAIN, 0,
		 setup_many_mounts, child_many_mounts, check_many_mounts,
		 .cleanup = cleanup_many_mounts),
	E2E_CASE("mount: a mountpoint only in another namespace, then here too", W_MAIN, 0,
		 setup_other_ns, child_other_ns, check_other_ns, .cleanup = cleanup_other_ns),
	E2E_CASE("mount: create and chmod on a tmpfs in another mount namespace", W_MAIN, 0,
		 setup_ns, child_ns, check_ns),
	E2E_CASE("deleted: write to an unlinked open file", W_MAIN, 0, setup_f, child_deleted,
		 check_deleted),
	E2E_CASE("names: x/f reused after a rename, an unlink, and while the old one is open",
		 W_MAIN, 0, setup_reused, child_reused, check_reused),
	E2E_CASE("names: a failed chmod of a name unlinked while open does not name that file",
		 W_MAIN, 0, setup_reused, child_gone_name, check_gone_name),
	E2E_CASE("names: \"//\", \".\" and \"..\" in absolute names give the resolved path", W_MAIN,
		 0, setup_reused, child_dotted, check_dotted),
	E2E_CASE("names: the oldest of 6,002 names in a directory, directly and through a symlink",
		 W_MAIN, 0, setup_big, child_big, check_big),
	E2E_CASE("long path: 25 levels of 200-byte names (> 4096 bytes)", W_MAIN, 0, NULL,
		 child_long_5k, check_long_5k),
	E2E_CASE("long path: 42 levels (> 8192 bytes) is truncated to a suffix", W_MAIN, 0, NULL,
		 child_long_8k, check_long_8k),
	E2E_CASE("long path: creates of 5 KiB paths go round the ring 2.5 times, each exact",
		 W_MAIN, 0, NULL, child_long_laps, check_long_laps),
	E2E_CASE("names: newline, ESC, backslash, 0xff in JSON", W_MAIN, 0, NULL, child_odd_names,
		 check_odd_names),
	E2E_CASE("names: newline, ESC, backslash, 0xff in text form", W_TEXT, 0, NULL,
		 child_odd_text, check_odd_text),
	E2E_CASE("text: a rename and a denied open, one line each", W_TEXT, 0, setup_text2,
		 child_text2, check_text2),
};
const size_t e2e_n_cases_paths = sizeof(e2e_cases_paths) / sizeof(e2e_cases_paths[0]);
