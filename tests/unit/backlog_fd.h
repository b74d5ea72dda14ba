/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For the writer's unit tests: find the backlog's unnamed file among this process's. */
#ifndef TEST_BACKLOG_FD_H
#define TEST_BACKLOG_FD_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The writer's backlog file in @dir: an unnamed file of it still open here. Returns: its fd, or -1.
 */
static int backlog_fd(const char *dir)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd = -1;

	while (d && fd < 0 && (e = readdir(d))) {
		char link[PATH_MAX], path[PATH_MAX + 64];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strncmp(link, dir, strlen(dir)) && strstr(link, "(deleted)"))
			fd = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return fd;
}

#endif
