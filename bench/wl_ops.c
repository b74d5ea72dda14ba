// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counting wrappers for the comparison workloads: one call, one count, and
 * the count only when the call did what was asked (a short write is a
 * failure here: the monitors are checked against these numbers).
 */
#include "wl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const op_names[WL_NOPS] = {
	[WL_CREATE] = "create",	  [WL_OPEN_R] = "open_r", [WL_OPEN_W] = "open_w",
	[WL_READ] = "read",	  [WL_WRITE] = "write",	  [WL_CLOSE] = "close",
	[WL_STAT] = "stat",	  [WL_RENAME] = "rename", [WL_CHMOD] = "chmod",
	[WL_UNLINK] = "unlink",	  [WL_MKDIR] = "mkdir",	  [WL_RMDIR] = "rmdir",
	[WL_SYMLINK] = "symlink",
};

void wl_die(const char *call, const char *path)
{
	int err = errno;

	fprintf(stderr, "workloads: %s %s: %s\n", call, path ? path : "", strerror(err));
	exit(1);
}

void wl_path(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		wl_die("path", fmt);
	}
}

int wl_create(struct wl_count *c, const char *path)
{
	/* O_EXCL: a create that found an old file would be an open, not a create. */
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);

	if (fd < 0)
		wl_die("create", path);
	c->n[WL_CREATE]++;
	return fd;
}

int wl_open(struct wl_count *c, const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		wl_die("open", path);
	c->n[(flags & O_ACCMODE) == O_RDONLY ? WL_OPEN_R : WL_OPEN_W]++;
	return fd;
}

void wl_read(struct wl_count *c, int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = EIO;
		wl_die("read", "(short)");
	}
	c->n[WL_READ]++;
}

void wl_write(struct wl_count *c, int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = ENOSPC;
		wl_die("write", "(short)");
	}
	c->n[WL_WRITE]++;
}

void wl_close(struct wl_count *c, int fd)
{
	if (close(fd))
		wl_die("close", NULL);
	c->n[WL_CLOSE]++;
}

void wl_stat(struct wl_count *c, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		wl_die("stat", path);
	c->n[WL_STAT]++;
}

void wl_rename(struct wl_count *c, const char *from, const char *to)
{
	if (rename(from, to))
		wl_die("rename", from);
	c->n[WL_RENAME]++;
}

void wl_chmod(struct wl_count *c, const char *path, unsigned int mode)
{
	if (chmod(path, mode))
		wl_die("chmod", path);
	c->n[WL_CHMOD]++;
}

void wl_unlink(struct wl_count *c, const char *path)
{
	if (unlink(path))
		wl_die("unlink", path);
	c->n[WL_UNLINK]++;
}

void wl_mkdir(struct wl_count *c, const char *path)
{
	if (mkdir(path, 0755))
		wl_die("mkdir", path);
	c->n[WL_MKDIR]++;
}

void wl_rmdir(struct wl_count *c, const char *path)
{
	if (rmdir(path))
		wl_die("rmdir", path);
	c->n[WL_RMDIR]++;
}

void wl_put_file(struct wl_count *c, const char *path, const void *buf, size_t len)
{
	int fd = wl_create(c, path);

	wl_write(c, fd, buf, len);
	wl_close(c, fd);
}

void wl_count_add(struct wl_count *sum, const struct wl_count *c)
{
	for (int i = 0; i < WL_NOPS; i++)
		sum->n[i] += c->n[i];
}

void wl_count_print(const char *workload, const struct wl_count *c, bool exact)
{
	unsigned long long total = 0;

	printf("ops workload=%s", workload);
	for (int i = 0; i < WL_NOPS; i++) {
		printf(" %s=%llu", op_names[i], c->n[i]);
		total += c->n[i];
	}
	printf(" total=%llu exact=%d\n", total, exact);
}
