// SPDX-License-Identifier: GPL-2.0-or-later
/* I/O on special files: named FIFOs, sockets, anonymous pipes, character devices. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e_expect.h"

static int setup_fifo(struct e2e_ctx *c)
{
	SK(c, mkfifo(e2e_dpath(c, "p"), 0644));
	return 0;
}

static void child_fifo(struct e2e_ctx *c)
{
	char buf[4];
	int r = open(e2e_dpath(c, "p"), O_RDONLY | O_NONBLOCK), w;

	CK(c, r);
	w = open(e2e_dpath(c, "p"), O_WRONLY);
	CK(c, w);
	CK(c, write(w, "ping", 4));
	CK(c, read(r, buf, sizeof(buf)));
	close(w);
	close(r);
}

static void check_fifo(struct e2e_check *k)
{
	const char *p = e2e_dpath(k->c, "p");
	struct json_object *o1 = e2e_find(k, "open", p, 0), *o2 = e2e_find(k, "open", p, 1);
	struct json_object *w = e2e_find(k, "write", p, 0), *r = e2e_find(k, "read", p, 0);

	e2e_ops(k, "open open write read");
	if (o1) {
		e2e_common(k, o1);
		e2e_flags(k, o1, "O_RDONLY O_NONBLOCK");
		e2e_obj(k, o1, p, 0);
	}
	if (o2) {
		e2e_flags(k, o2, "O_WRONLY");
		e2e_obj(k, o2, p, 0);
	}
	if (w) {
		e2e_common(k, w);
		e2e_obj(k, w, p, 0);
	}
	if (r) {
		e2e_common(k, r);
		e2e_obj(k, r, p, 0);
	}
	e2e_sum(k, "write", p, "bytes", 4);
	e2e_sum(k, "read", p, "bytes", 4);
}

static void child_devnull(struct e2e_ctx *c)
{
	int fd = open("/dev/null", O_WRONLY);

	CK(c, fd);
	for (int i = 0; i < 3; i++)
		CK(c, write(fd, "0123456789", 10));
	close(fd);
}

static void check_devnull(struct e2e_check *k)
{
	struct json_object *o = e2e_find(k, "open", "/dev/null", 0);
	struct json_object *w = e2e_find(k, "write", "/dev/null", 0);

	e2e_ops(k, "open write+");
	if (o) {
		e2e_common(k, o);
		e2e_obj(k, o, "/dev/null", 0);
	}
	if (w) {
		e2e_common(k, w);
		e2e_obj(k, w, "/dev/null", 0);
	}
	e2e_sum(k, "write", "/dev/null", "count", 3);
	e2e_sum(k, "write", "/dev/null", "bytes", 30);
}

/* Pseudo files have no place in a tree: these cases use the --comm watcher. */
static void child_socketpair(struct e2e_ctx *c)
{
	struct stat a, b;
	char buf[5];
	int sv[2];

	prctl(PR_SET_NAME, "e2e-comm");
	CK(c, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CK(c, fstat(sv[0], &a));
	CK(c, fstat(sv[1], &b));
	c->shm->v[0] = (int64_t)a.st_ino;
	c->shm->v[1] = (int64_t)b.st_ino;
	c->shm->v[2] = (int64_t)a.st_dev;
	CK(c, write(sv[0], "hello", 5));
	CK(c, read(sv[1], buf, sizeof(buf)));
	close(sv[0]);
	close(sv[1]);
}

static void check_pseudo(struct e2e_check *k, const char *kind, const char *ftype)
{
	struct e2e_proc p = e2e_proc_child(k);
	char wpath[64], rpath[64];
	struct json_object *w, *r;

	snprintf(wpath, sizeof(wpath), "%s:[%lld]", kind, (long long)k->c->shm->v[0]);
	snprintf(rpath, sizeof(rpath), "%s:[%lld]", kind, (long long)k->c->shm->v[1]);
	w = e2e_find(k, "write", wpath, 0);
	r = e2e_find(k, "read", rpath, 0);
	e2e_ops(k, "write read");
	p.comm = "e2e-comm";
	if (w) {
		e2e_proc(k, w, &p);
		e2e_str(k, w, "ftype", ftype);
		e2e_int(k, w, "ino", k->c->shm->v[0]);
		e2e_dev(k, w, (uint64_t)k->c->shm->v[2]);
	}
	if (r) {
		e2e_proc(k, r, &p);
		e2e_str(k, r, "ftype", ftype);
		e2e_int(k, r, "ino", k->c->shm->v[1]);
		e2e_dev(k, r, (uint64_t)k->c->shm->v[2]);
	}
	e2e_sum(k, "write", wpath, "bytes", 5);
	e2e_sum(k, "write", wpath, "count", 1);
	e2e_sum(k, "read", rpath, "bytes", 5);
}

static void check_socketpair(struct e2e_check *k)
{
	check_pseudo(k, "socket", "socket");
}

static void child_pipe(struct e2e_ctx *c)
{
	struct stat st;
	char buf[5];
	int p[2];

	prctl(PR_SET_NAME, "e2e-comm");
	CK(c, pipe(p));
	CK(c, fstat(p[0], &st));
	c->shm->v[0] = c->shm->v[1] = (int64_t)st.st_ino;
	c->shm->v[2] = (int64_t)st.st_dev;
	CK(c, write(p[1], "hello", 5));
	CK(c, read(p[0], buf, sizeof(buf)));
	close(p[0]);
	close(p[1]);
}

static void check_pipe(struct e2e_check *k)
{
	check_pseudo(k, "pipe", "fifo");
}

const struct e2e_case e2e_cases_special[] = {
	E2E_CASE("fifo: open, write and read of a named FIFO", W_MAIN, 0, setup_fifo, child_fifo,
		 check_fifo),
	E2E_CASE("chr: writes to /dev/null", W_MAIN, 0, NULL, child_devnull, check_devnull),
	E2E_CASE("socket: socketpair write and read (socket:[INO])", W_COMM, 0, NULL,
		 child_socketpair, check_socketpair),
	E2E_CASE("pipe: anonymous pipe write and read (pipe:[INO])", W_COMM, 0, NULL, child_pipe,
		 check_pipe),
};
const size_t e2e_n_cases_special = sizeof(e2e_cases_special) / sizeof(e2e_cases_special[0]);
