// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A mixed file workload for overhead measurements: small writes (the
 * aggregation path), file churn (create, write, rename, chmod, unlink: one
 * event each), and sequential reads. Prints one line per phase with its
 * wall time in ns, so bench/run can compare runs with and without a monitor.
 *
 * Usage: workload DIR [SCALE]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void small_writes(const char *dir, long n)
{
	char path[4096], buf[64];
	int fd;

	memset(buf, 'w', sizeof(buf));
	snprintf(path, sizeof(path), "%s/small", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		die("open small");
	for (long i = 0; i < n; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("write small");
	close(fd);
	unlink(path);
}

static void churn(const char *dir, long n)
{
	char a[4096], b[4096], buf[4096];

	memset(buf, 'c', sizeof(buf));
	for (long i = 0; i < n; i++) {
		struct stat st;
		int fd;

		snprintf(a, sizeof(a), "%s/churn-%ld", dir, i);
		snprintf(b, sizeof(b), "%s/churn-%ld.new", dir, i);
		fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0)
			die("open churn");
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("write churn");
		close(fd);
		if (stat(a, &st) || rename(a, b) || chmod(b, 0600) || unlink(b))
			die("churn");
	}
}

static void reads(const char *dir, long n)
{
	char path[4096], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		die("open big");
	memset(buf, 'r', sizeof(buf));
	for (int i = 0; i < 256; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			die("write big");
	close(fd);
	for (long i = 0; i < n; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("open big");
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	unlink(path);
}

int main(int argc, char **argv)
{
	long scale = argc > 2 ? atol(argv[2]) : 1;
	unsigned long long t0, t1, t2, t3;

	if (argc < 2) {
		fprintf(stderr, "usage: workload DIR [SCALE]\n");
		return 2;
	}
	t0 = now_ns();
	small_writes(argv[1], 200000 * scale);
	t1 = now_ns();
	churn(argv[1], 2000 * scale);
	t2 = now_ns();
	reads(argv[1], 100 * scale);
	t3 = now_ns();
	printf("small_writes %llu\nchurn %llu\nreads %llu\ntotal %llu\n", t1 - t0, t2 - t1,
	       t3 - t2, t3 - t0);
	return 0;
}
