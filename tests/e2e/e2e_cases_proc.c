// SPDX-License-Identifier: GPL-2.0-or-later
/* Who did it: exec and its failures, other users, the login uid, threads. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_expect.h"

/* ---- exec ---- */

static char *exec_env[] = { "E2E=1", NULL };

static void child_exec(struct e2e_ctx *c)
{
	char *argv[] = { "true", "arg one", "", "--x=\"q\"", NULL };

	execve(c->env->true_bin, argv, exec_env);
	e2e_child_fail(c, "execve %s: %m", c->env->true_bin);
}

static void check_exec(struct e2e_check *k)
{
	static const char *const argv[] = { "true", "arg one", "", "--x=\"q\"" };
	struct e2e_proc p = e2e_proc_child(k);
	const char *bin = k->c->env->true_bin;
	struct json_object *e = e2e_find(k, "exec", bin, 0);

	e2e_ops(k, "exec");
	if (!e)
		return;
	p.comm = "true";
	p.exe = bin;
	e2e_proc(k, e, &p);
	e2e_int(k, e, "ret", 0);
	e2e_absent(k, e, "error");
	e2e_list(k, e, "argv", argv, 4);
	e2e_not_true(k, e, "argv_truncated");
	e2e_obj(k, e, bin, E2E_FOLLOW);
}

static void child_fexecve(struct e2e_ctx *c)
{
	char *argv[] = { "by-fd", NULL };
	int fd = open(c->env->true_bin, O_RDONLY);

	CK(c, fd);
	fexecve(fd, argv, exec_env);
	e2e_child_fail(c, "fexecve %s: %m", c->env->true_bin);
}

static void check_fexecve(struct e2e_check *k)
{
	static const char *const argv[] = { "by-fd" };
	struct e2e_proc p = e2e_proc_child(k);
	const char *bin = k->c->env->true_bin;
	struct json_object *e = e2e_find(k, "exec", bin, 0);

	e2e_ops(k, "open exec");
	if (!e)
		return;
	p.comm = "true"; /* the kernel names it after the file: "by-fd" is only argv[0] */
	p.exe = bin;
	e2e_proc(k, e, &p);
	e2e_int(k, e, "ret", 0);
	e2e_list(k, e, "argv", argv, 1);
	e2e_obj(k, e, bin, E2E_FOLLOW);
}

static int setup_exec_link(struct e2e_ctx *c)
{
	SK(c, symlink(c->env->true_bin, e2e_dpath(c, "link-to-true")));
	return 0;
}

static void child_exec_link(struct e2e_ctx *c)
{
	char *argv[] = { "link-to-true", NULL };

	execve(e2e_dpath(c, "link-to-true"), argv, exec_env);
	e2e_child_fail(c, "execve %s: %m", e2e_dpath(c, "link-to-true"));
}

static void check_exec_link(struct e2e_check *k)
{
	static const char *const argv[] = { "link-to-true" };
	struct e2e_proc p = e2e_proc_child(k);
	const char *bin = k->c->env->true_bin;
	struct json_object *e = e2e_find(k, "exec", bin, 0);

	/* The program run is the link's target: d_path names it, and so does /proc/PID/exe. */
	e2e_ops(k, "exec");
	if (!e)
		return;
	p.comm = "link-to-true";
	p.exe = bin;
	e2e_proc(k, e, &p);
	e2e_list(k, e, "argv", argv, 1);
	e2e_obj(k, e, bin, E2E_FOLLOW);
}

#define LONG_ARGS 200
#define LONG_ARG  1000

static void long_arg(char *buf, int i)
{
	memset(buf, 'a' + i % 26, LONG_ARG);
	buf[LONG_ARG] = '\0';
}

static void child_exec_long(struct e2e_ctx *c)
{
	static char args[LONG_ARGS][LONG_ARG + 1];
	char *argv[LONG_ARGS + 2];

	argv[0] = "true";
	for (int i = 0; i < LONG_ARGS; i++) {
		long_arg(args[i], i);
		argv[i + 1] = args[i];
	}
	argv[LONG_ARGS + 1] = NULL;
	execve(c->env->true_bin, argv, exec_env);
	e2e_child_fail(c, "execve %s: %m", c->env->true_bin);
}

static void check_exec_long(struct e2e_check *k)
{
	struct json_object *e = e2e_find(k, "exec", k->c->env->true_bin, 0), *a, *s;
	char want[LONG_ARG + 1];
	size_t n;
	bool cut;

	e2e_ops(k, "exec");
	if (!e)
		return;
	if (!json_object_object_get_ex(e, "argv", &a) || !a ||
	    !json_object_is_type(a, json_type_array)) {
		e2e_fail(k, "exec: argv: expected a list");
		return;
	}
	cut = json_object_object_get_ex(e, "argv_truncated", &s) && s &&
	      json_object_is_type(s, json_type_boolean) && json_object_get_boolean(s);
	n = json_object_array_length(a);
	if (!cut && n != LONG_ARGS + 1)
		e2e_fail(k, "exec: argv has %zu of %d strings and argv_truncated is not true", n,
			 LONG_ARGS + 1);
	if (n > LONG_ARGS + 1)
		e2e_fail(k, "exec: argv has %zu strings, more than the %d given", n, LONG_ARGS + 1);
	/* Every string but a cut last one is exact; the last is a prefix. */
	for (size_t i = 0; i < n && i <= LONG_ARGS; i++) {
		const char *got = json_object_get_string(json_object_array_get_idx(a, i));
		size_t gl = got ? strlen(got) : 0;

		if (i == 0)
			snprintf(want, sizeof(want), "true");
		else
			long_arg(want, (int)i - 1);
		if (!got || (i + 1 < n || !cut ? strcmp(got, want) : strncmp(got, want, gl))) {
			e2e_fail(k, "exec: argv[%zu] (%zu bytes) is not %s of the argument given",
				 i, gl, i + 1 == n && cut ? "a prefix" : "a copy");
			break;
		}
	}
}

static void child_tty(struct e2e_ctx *c)
{
	struct stat st;
	int m, s, fd;

	CK(c, setsid());
	m = posix_openpt(O_RDWR | O_NOCTTY);
	CK(c, m);
	CK(c, grantpt(m));
	CK(c, unlockpt(m));
	s = open(ptsname(m), O_RDWR);
	CK(c, s);
	CK(c, ioctl(s, TIOCSCTTY, 0));
	CK(c, fstat(s, &st));
	snprintf(c->shm->s[0], sizeof(c->shm->s[0]), "pts/%u", minor(st.st_rdev));
	fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	CK(c, fd);
	close(fd);
}

static void check_tty(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "create", e2e_dpath(k->c, "f"), 0);

	e2e_ops(k, "create");
	if (!e)
		return;
	p.tty = k->c->shm->s[0];
	e2e_proc(k, e, &p);
}

static void child_exec_grandchild(struct e2e_ctx *c)
{
	char *argv[] = { "true", "grandchild", NULL };
	int status;
	pid_t pid = fork();

	CK(c, pid);
	if (pid == 0) {
		execve(c->env->true_bin, argv, exec_env);
		_exit(127);
	}
	c->shm->v[0] = pid;
	CK(c, waitpid(pid, &status, 0));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		e2e_child_fail(c, "grandchild exec of %s failed (status %d)", c->env->true_bin,
			       status);
}

static void check_exec_grandchild(struct e2e_check *k)
{
	static const char *const argv[] = { "true", "grandchild" };
	struct e2e_proc p = e2e_proc_child(k);
	const char *bin = k->c->env->true_bin;
	struct json_object *e = e2e_find(k, "exec", bin, 0);

	e2e_ops(k, "exec");
	if (!e)
		return;
	p.pid = p.tid = k->c->shm->v[0];
	p.ppid = k->c->child;
	p.comm = "true";
	p.exe = bin;
	e2e_proc(k, e, &p);
	e2e_int(k, e, "ret", 0);
	e2e_list(k, e, "argv", argv, 2);
}

static void child_exec_enoent(struct e2e_ctx *c)
{
	char *argv[] = { "nope", NULL };

	if (execve(e2e_dpath(c, "nope"), argv, exec_env) == 0 || errno != ENOENT)
		e2e_child_fail(c, "exec of a missing file did not fail with ENOENT");
}

static void check_exec_enoent(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "exec", e2e_dpath(k->c, "nope"), 0);

	e2e_ops(k, "exec");
	if (!e)
		return;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, ENOENT);
	e2e_obj_missing(k, e, e2e_dpath(k->c, "nope"));
}

static int setup_noexec(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "noexec"), "#!/bin/sh\n", 0644));
	SK(c, lstat(e2e_dpath(c, "noexec"), &c->st[0]));
	return 0;
}

static void child_exec_eacces(struct e2e_ctx *c)
{
	char *argv[] = { "noexec", NULL };

	if (execve(e2e_dpath(c, "noexec"), argv, exec_env) == 0 || errno != EACCES)
		e2e_child_fail(c, "exec of a 0644 file did not fail with EACCES");
}

static void check_exec_eacces(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "exec", e2e_dpath(k->c, "noexec"), 0);

	e2e_ops(k, "exec");
	if (!e)
		return;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, EACCES);
	e2e_obj_st(k, e, &k->c->st[0], E2E_OPTIONAL);
}

/* ---- other users ---- */

static int setup_secret(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "secret"), "s3cr3t", 0600));
	SK(c, lstat(e2e_dpath(c, "secret"), &c->st[0]));
	return 0;
}

static void child_eacces(struct e2e_ctx *c)
{
	CK(c, setresuid(65534, 65534, 65534));
	if (open(e2e_dpath(c, "secret"), O_WRONLY) >= 0 || errno != EACCES)
		e2e_child_fail(c, "uid 65534 opening a root 0600 file did not fail with EACCES");
}

static void check_eacces(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *e = e2e_find(k, "open", e2e_dpath(k->c, "secret"), 0);

	e2e_ops(k, "open");
	if (!e)
		return;
	p.uid = p.euid = 65534;
	e2e_proc(k, e, &p);
	e2e_errno(k, e, EACCES);
	e2e_flags(k, e, "O_WRONLY");
	e2e_obj_st(k, e, &k->c->st[0], E2E_OPTIONAL);
}

static int setup_auid(struct e2e_ctx *c)
{
	if (access("/proc/self/loginuid", F_OK)) {
		snprintf(
			c->why, sizeof(c->why),
			"the kernel has no /proc/self/loginuid (CONFIG_AUDIT off?): auid cannot be "
			"tested, and SPEC requires it");
		return -1;
	}
	SK(c, chmod(c->dir, 0777));
	return 0;
}

static void create_file(struct e2e_ctx *c, const char *rel)
{
	int fd = open(e2e_dpath(c, rel), O_WRONLY | O_CREAT | O_EXCL, 0644);

	CK(c, fd);
	close(fd);
}

static void child_auid(struct e2e_ctx *c)
{
	char buf[32] = "";
	int fd = open("/proc/self/loginuid", O_WRONLY);
	ssize_t n;

	CK(c, fd);
	if (write(fd, "1000", 4) != 4)
		e2e_child_fail(c, "writing 1000 to /proc/self/loginuid: %m");
	close(fd);
	fd = open("/proc/self/sessionid", O_RDONLY);
	CK(c, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	CK(c, n);
	close(fd);
	buf[n] = '\0';
	c->shm->v[0] = strtoll(buf, NULL, 10);
	if (c->shm->v[0] == 4294967295LL)
		c->shm->v[0] = -1;
	CK(c, setresuid(1000, 1000, 0));
	create_file(c, "u1000");
	CK(c, setresuid(0, 0, 0));
	create_file(c, "u0");
}

static void check_auid(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *a = e2e_find(k, "create", e2e_dpath(k->c, "u1000"), 0);
	struct json_object *b = e2e_find(k, "create", e2e_dpath(k->c, "u0"), 0);

	e2e_ops(k, "create create");
	p.auid = 1000;
	p.ses = k->c->shm->v[0];
	if (b) {
		e2e_proc(k, b, &p);
		e2e_obj(k, b, e2e_dpath(k->c, "u0"), 0);
	}
	p.uid = p.euid = 1000;
	if (a) {
		e2e_proc(k, a, &p);
		e2e_obj(k, a, e2e_dpath(k->c, "u1000"), 0);
	}
}

/* ---- threads ---- */

static void *thread_main(void *arg)
{
	struct e2e_ctx *c = arg;
	int fd = open(e2e_dpath(c, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	c->shm->v[0] = gettid();
	CK(c, fd);
	CK(c, write(fd, "thrd", 4));
	close(fd);
	return NULL;
}

static void child_thread(struct e2e_ctx *c)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_main, c))
		e2e_child_fail(c, "pthread_create failed");
	pthread_join(t, NULL);
}

static void check_thread(struct e2e_check *k)
{
	struct e2e_proc p = e2e_proc_child(k);
	struct json_object *cr = e2e_find(k, "create", e2e_dpath(k->c, "f"), 0);
	struct json_object *w = e2e_find(k, "write", e2e_dpath(k->c, "f"), 0);

	e2e_ops(k, "create write+");
	p.tid = k->c->shm->v[0];
	if (p.tid == p.pid)
		e2e_fail(k, "test bug: the thread's tid is the pid");
	if (cr)
		e2e_proc(k, cr, &p);
	if (w) {
		e2e_proc(k, w, &p);
		e2e_obj(k, w, e2e_dpath(k->c, "f"), 0);
	}
	e2e_sum(k, "write", e2e_dpath(k->c, "f"), "bytes", 4);
}

const struct e2e_case e2e_cases_proc[] = {
	E2E_CASE("exec: argv exact, exe is the executed path", W_MAIN, 0, NULL, child_exec,
		 check_exec),
	E2E_CASE("exec: through a symlink, path and exe are the target", W_MAIN, 0, setup_exec_link,
		 child_exec_link, check_exec_link),
	E2E_CASE("exec: 200 KB of argv is exact or marked argv_truncated", W_MAIN, 0, NULL,
		 child_exec_long, check_exec_long),
	E2E_CASE("exec: fexecve(3) (execveat AT_EMPTY_PATH) names the file", W_MAIN, 0, NULL,
		 child_fexecve, check_fexecve),
	E2E_CASE("exec: by a grandchild (pid and ppid)", W_MAIN, E2E_TREE, NULL,
		 child_exec_grandchild, check_exec_grandchild),
	E2E_CASE("exec: missing file fails with ENOENT", W_MAIN, 0, NULL, child_exec_enoent,
		 check_exec_enoent),
	E2E_CASE("exec: non-executable file fails with EACCES", W_MAIN, 0, setup_noexec,
		 child_exec_eacces, check_exec_eacces),
	E2E_CASE("uid: EACCES opening a root 0600 file as uid 65534", W_MAIN, 0, setup_secret,
		 child_eacces, check_eacces),
	E2E_CASE("auid: login uid 1000 survives setresuid back to root", W_MAIN, 0, setup_auid,
		 child_auid, check_auid),
	E2E_CASE("tty: the controlling terminal is named pts/N", W_MAIN, 0, NULL, child_tty,
		 check_tty),
	E2E_CASE("tid: a thread's write carries its tid", W_MAIN, 0, NULL, child_thread,
		 check_thread),
};
const size_t e2e_n_cases_proc = sizeof(e2e_cases_proc) / sizeof(e2e_cases_proc[0]);
