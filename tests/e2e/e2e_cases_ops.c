// SPDX-License-Identifier: GPL-2.0-or-later
/* Creating, opening, reading, writing and truncating files, one case per syscall form. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "e2e_expect.h"

/* ---- create and open ---- */

static void child_create(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	close(fd);
}

static void check_create(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "create", "create", "f");

	if (!e)
		return;
	e2e_flags(k, e, "O_WRONLY O_CREAT O_EXCL");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_creat(struct e2e_ctx *c)
{
	int fd = (int)syscall(SYS_creat, e2e_dpath(c, "f"), 0644);

	CK(c, fd);
	close(fd);
}

static void check_creat(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "create", "create", "f");

	if (!e)
		return;
	e2e_flags(k, e, "O_WRONLY O_CREAT O_TRUNC");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_openat2(struct e2e_ctx *c)
{
	struct open_how how = { .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0644 };
	int dfd = open(c->dir, O_RDONLY | O_DIRECTORY), fd;

	CK(c, dfd);
	fd = (int)syscall(SYS_openat2, dfd, "f", &how, sizeof(how));
	CK(c, fd);
	close(fd);
	close(dfd);
}

static void check_openat2(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open create", "create", "f");

	if (!e)
		return;
	e2e_flags(k, e, "O_WRONLY O_CREAT O_EXCL");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

/* A handle names no path: what is reported is where the file is. */
static void child_by_handle(struct e2e_ctx *c)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mount_id, dfd, fd;

	if (!fh)
		e2e_child_fail(c, "out of memory");
	fh->handle_bytes = MAX_HANDLE_SZ;
	CK(c, name_to_handle_at(AT_FDCWD, e2e_dpath(c, "f"), fh, &mount_id, 0));
	dfd = open(c->dir, O_RDONLY | O_DIRECTORY);
	CK(c, dfd);
	fd = open_by_handle_at(dfd, fh, O_RDONLY);
	CK(c, fd);
	close(fd);
	close(dfd);
	free(fh);
}

static void check_by_handle(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open open", "open", "f");

	if (!e)
		return;
	e2e_flags(k, e, "O_RDONLY");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_open_creat_existing(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT, 0644);

	CK(c, fd);
	close(fd);
}

static void check_open_creat_existing(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open", "open", "f");

	if (!e)
		return;
	e2e_flags(k, e, "O_WRONLY O_CREAT");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_open_write(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_APPEND);

	CK(c, fd);
	close(fd);
}

static void check_open_write(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open", "open", "f");

	if (!e)
		return;
	e2e_flags(k, e, "O_WRONLY O_APPEND");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_open_read(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	close(fd);
}

static void check_open_read(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open", "open", "f");

	if (!e)
		return;
	e2e_flags(k, e, "O_RDONLY");
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_open_enoent(struct e2e_ctx *c)
{
	if (open(e2e_dpath(c, "missing"), O_RDONLY) >= 0 || errno != ENOENT)
		e2e_child_fail(c, "open of a missing file did not fail with ENOENT");
}

static void check_open_enoent(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "open", e2e_dpath(k->c, "missing"), 0);

	e2e_ops(k, "open");
	if (!e)
		return;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, ENOENT);
	e2e_flags(k, e, "O_RDONLY");
	e2e_obj_missing(k, e, e2e_dpath(k->c, "missing"));
}

/* ---- read and write ---- */

static void child_write(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY);

	CK(c, fd);
	CK(c, write(fd, "aaaaa", 5));
	CK(c, write(fd, "bbbbbb", 6));
	CK(c, write(fd, "ccccccc", 7));
	close(fd);
}

static void check_rw_events(struct e2e_check *k, const char *op, const char *rel)
{
	const char *p = e2e_dpath(k->c, rel);

	for (size_t i = 0; i < e2e_count(k, op, p); i++) {
		struct json_object *e = e2e_find(k, op, p, i);

		e2e_common(k, e);
		e2e_obj(k, e, p, 0);
	}
}

static void check_write(struct e2e_check *k)
{
	e2e_ops(k, "open write+");
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "count", 3);
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "bytes", 18);
	check_rw_events(k, "write", "f");
}

static void child_read(struct e2e_ctx *c)
{
	char buf[4];
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	for (int i = 0; i < 4; i++)
		CK(c, read(fd, buf, sizeof(buf)));
	close(fd);
}

static void check_read(struct e2e_check *k)
{
	e2e_ops(k, "open read+");
	e2e_sum(k, "read", e2e_dpath(k->c, "f"), "count", 4);
	e2e_sum(k, "read", e2e_dpath(k->c, "f"), "bytes", 10);
	check_rw_events(k, "read", "f");
}

static void child_write_no_close(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY);

	CK(c, fd);
	for (int i = 0; i < 3; i++)
		CK(c, write(fd, "wxyz", 4));
	_exit(0); /* the kernel closes it; no close(2) */
}

static void check_write_no_close(struct e2e_check *k)
{
	e2e_ops(k, "open write+");
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "count", 3);
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "bytes", 12);
	check_rw_events(k, "write", "f");
}

static void child_write_ebadf(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_RDONLY);

	CK(c, fd);
	if (write(fd, "x", 1) >= 0 || errno != EBADF)
		e2e_child_fail(c, "write to a read-only fd did not fail with EBADF");
	close(fd);
}

static void check_write_ebadf(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "write", e2e_dpath(k->c, "f"), 0);

	e2e_ops(k, "open write");
	if (!e)
		return;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, EBADF);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_writev(struct e2e_ctx *c)
{
	struct iovec iov[2] = { { "abc", 3 }, { "de", 2 } };
	int fd = open(e2e_dpath(c, "f"), O_WRONLY);

	CK(c, fd);
	CK(c, writev(fd, iov, 2));
	CK(c, pwrite(fd, "wxyz", 4, 10));
	close(fd);
}

static void check_writev(struct e2e_check *k)
{
	e2e_ops(k, "open write+");
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "count", 2);
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "bytes", 9);
	check_rw_events(k, "write", "f");
}

static void child_copy_range(struct e2e_ctx *c)
{
	int in = open(e2e_dpath(c, "f"), O_RDONLY), out;
	ssize_t n;

	CK(c, in);
	out = open(e2e_dpath(c, "g"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, out);
	n = copy_file_range(in, NULL, out, NULL, 10, 0);
	CK(c, n);
	c->shm->v[0] = n;
	close(in);
	close(out);
}

static void check_copy_range(struct e2e_check *k)
{
	struct json_object *r = e2e_find(k, "read", e2e_dpath(k->c, "f"), 0);
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "g"), 0);

	e2e_sum(k, "read", e2e_dpath(k->c, "f"), "count", 1);
	e2e_sum(k, "read", e2e_dpath(k->c, "f"), "bytes", k->c->shm->v[0]);
	e2e_sum(k, "write", e2e_dpath(k->c, "g"), "count", 1);
	e2e_sum(k, "write", e2e_dpath(k->c, "g"), "bytes", k->c->shm->v[0]);
	if (r) {
		e2e_common(k, r);
		e2e_obj(k, r, e2e_dpath(k->c, "f"), 0);
	}
	if (w) {
		e2e_common(k, w);
		e2e_obj(k, w, e2e_dpath(k->c, "g"), 0);
	}
}

/* ---- truncate ---- */

static void child_truncate(struct e2e_ctx *c)
{
	CK(c, truncate(e2e_dpath(c, "f"), 100));
}

static void check_truncate(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "truncate", "truncate", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_int(k, e, "size", 100);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_ftruncate(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_RDWR);

	CK(c, fd);
	CK(c, ftruncate(fd, 5));
	close(fd);
}

static void check_ftruncate(struct e2e_check *k)
{
	struct json_object *e = e2e_one(k, "open truncate", "truncate", "f");

	if (!e)
		return;
	e2e_int(k, e, "ret", 0);
	e2e_int(k, e, "size", 5);
	e2e_obj(k, e, e2e_dpath(k->c, "f"), 0);
}

static void child_open_trunc(struct e2e_ctx *c)
{
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_TRUNC);

	CK(c, fd);
	close(fd);
}

static void check_open_trunc(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "f");
	struct json_object *o = e2e_find(k, "open", p, 0);
	struct json_object *t = e2e_find(k, "truncate", p, 0);

	e2e_ops(k, "open truncate");
	if (o) {
		e2e_common(k, o);
		e2e_flags(k, o, "O_WRONLY O_TRUNC");
		e2e_obj(k, o, p, 0);
	}
	if (t) {
		e2e_common(k, t);
		e2e_int(k, t, "size", 0);
		e2e_obj(k, t, p, 0);
	}
}

const struct e2e_case e2e_cases_ops[] = {
	E2E_CASE("create: open O_CREAT|O_EXCL of a new file", W_MAIN, 0, NULL, child_create,
		 check_create),
	E2E_CASE("create: creat(2)", W_MAIN, 0, NULL, child_creat, check_creat),
	E2E_CASE("create: openat2(2) flags come from struct open_how", W_MAIN, 0, NULL,
		 child_openat2, check_openat2),
	E2E_CASE("open: open_by_handle_at(2) reports the file's path", W_MAIN, 0, e2e_setup_file,
		 child_by_handle, check_by_handle),
	E2E_CASE("open: O_CREAT of an existing file is an open", W_MAIN, 0, e2e_setup_file,
		 child_open_creat_existing, check_open_creat_existing),
	E2E_CASE("open: existing file for writing", W_MAIN, 0, e2e_setup_file, child_open_write,
		 check_open_write),
	E2E_CASE("open: existing file for reading", W_MAIN, 0, e2e_setup_file, child_open_read,
		 check_open_read),
	E2E_CASE("open: missing file fails with ENOENT", W_MAIN, 0, NULL, child_open_enoent,
		 check_open_enoent),
	E2E_CASE("write: count and bytes of 3 calls", W_MAIN, 0, e2e_setup_file, child_write,
		 check_write),
	E2E_CASE("read: count and bytes, EOF read included", W_MAIN, 0, e2e_setup_file, child_read,
		 check_read),
	E2E_CASE("write: counts flushed when the process exits without close", W_MAIN, 0,
		 e2e_setup_file, child_write_no_close, check_write_no_close),
	E2E_CASE("write: failed write (EBADF) is an event", W_MAIN, 0, e2e_setup_file,
		 child_write_ebadf, check_write_ebadf),
	E2E_CASE("write: writev(2) and pwrite(2) count one call each", W_MAIN, 0, e2e_setup_file,
		 child_writev, check_writev),
	E2E_CASE("copy_file_range: a read of the source, a write of the destination", W_MAIN, 0,
		 e2e_setup_file, child_copy_range, check_copy_range),
	E2E_CASE("truncate: truncate(2)", W_MAIN, 0, e2e_setup_file, child_truncate,
		 check_truncate),
	E2E_CASE("truncate: ftruncate(2)", W_MAIN, 0, e2e_setup_file, child_ftruncate,
		 check_ftruncate),
	E2E_CASE("truncate: O_TRUNC open of an existing file", W_MAIN, 0, e2e_setup_file,
		 child_open_trunc, check_open_trunc),
};
const size_t e2e_n_cases_ops = sizeof(e2e_cases_ops) / sizeof(e2e_cases_ops[0]);
