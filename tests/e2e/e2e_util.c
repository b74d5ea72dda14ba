// SPDX-License-Identifier: GPL-2.0-or-later
/* Small helpers for setups and children: paths, files, trees, commands. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_case.h"

static const char *join(struct e2e_ctx *c, const char *base, const char *rel)
{
	char *buf = c->paths[c->next_path++ % (sizeof(c->paths) / sizeof(c->paths[0]))];

	snprintf(buf, PATH_MAX, "%s/%s", base, rel);
	return buf;
}

const char *e2e_dpath(struct e2e_ctx *c, const char *rel)
{
	return join(c, c->dir, rel);
}

const char *e2e_spath(struct e2e_ctx *c, const char *rel)
{
	return join(c, c->env->scratch, rel);
}

void e2e_child_fail(struct e2e_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->shm->err, sizeof(c->shm->err), fmt, ap);
	va_end(ap);
	_exit(99);
}

int e2e_write_file(const char *path, const char *data, mode_t mode)
{
	size_t len = strlen(data);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		close(fd);
		errno = e;
		return -1;
	}
	if (fchmod(fd, mode)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int e2e_setup_file(struct e2e_ctx *c)
{
	SK(c, e2e_write_file(e2e_dpath(c, "f"), "0123456789", 0644));
	SK(c, lstat(e2e_dpath(c, "f"), &c->st[0]));
	return 0;
}

int e2e_setup_link(struct e2e_ctx *c)
{
	if (e2e_setup_file(c))
		return -1;
	SK(c, symlink("f", e2e_dpath(c, "l")));
	return 0;
}

int e2e_setup_dir(struct e2e_ctx *c)
{
	SK(c, mkdir(e2e_dpath(c, "d"), 0755));
	SK(c, lstat(e2e_dpath(c, "d"), &c->st[0]));
	return 0;
}

/* By descriptor, so trees deeper than PATH_MAX go too. */
static int rmtree_at(int dfd, const char *name, int depth, dev_t dev)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (depth > 200)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(dfd, name, 0);
	/* A filesystem a case left mounted (maybe frozen) is not walked into. */
	if (dev && (fstat(fd, &st) || st.st_dev != dev)) {
		close(fd);
		return -1;
	}
	if (!dev && fstat(fd, &st) == 0)
		dev = st.st_dev;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)
			rmtree_at(dirfd(d), de->d_name, depth + 1, dev);
		else
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR);
}

int e2e_rmtree(const char *path)
{
	return rmtree_at(AT_FDCWD, path, 0, 0);
}

static void take(int fd, char *buf, size_t len, size_t *used, bool *eof)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0) {
		*eof = true;
		return;
	}
	if (len && *used < len - 1) {
		size_t room = len - 1 - *used;
		size_t t = (size_t)n < room ? (size_t)n : room;

		memcpy(buf + *used, tmp, t);
		*used += t;
		buf[*used] = '\0';
	}
}

int e2e_run_cmd(char *const argv[], int timeout_ms, int *status, char *out, size_t outlen,
		char *err, size_t errlen)
{
	uint64_t deadline = e2e_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	int po[2], pe[2];
	size_t uo = 0, ue = 0;
	bool eo = false, ee = false;
	pid_t pid;
	int st;

	if (outlen)
		out[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (pipe2(po, O_CLOEXEC))
		return -1;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		for (int i = 0; i < 2; i++) {
			close(po[i]);
			close(pe[i]);
		}
		errno = e;
		return -1;
	}
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	while ((!eo || !ee) && e2e_now_ns() < deadline) {
		struct pollfd pfd[2] = { { .fd = eo ? -1 : po[0], .events = POLLIN },
					 { .fd = ee ? -1 : pe[0], .events = POLLIN } };

		if (poll(pfd, 2, 50) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			take(po[0], out, outlen, &uo, &eo);
		if (pfd[1].revents)
			take(pe[0], err, errlen, &ue, &ee);
	}
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (e2e_now_ns() >= deadline) {
			kill(pid, SIGKILL);
			/* One stuck in a frozen filesystem cannot die: leave it, fail the case. */
			for (int i = 0; i < 100 && waitpid(pid, &st, WNOHANG) != pid; i++)
				usleep(20000);
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(10000);
	}
	*status = st;
	return 0;
}
