// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel-side cost of one kind of call at a time (bench/op-cost): runs
 * COUNT calls of each kind in DIR and, for each kind, prints the wall time
 * per call and the run time the monitor's BPF programs spent per call
 * (kernel.bpf_stats_enabled must be on; PID's programs are those whose file
 * descriptors it holds). Without PID only wall times are printed: the
 * baseline. Every call is checked: a failed one ends the run.
 *
 *   op_cost [--pid PID] COUNT DIR
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROGS 64

static int prog_fds[MAX_PROGS];
static int n_progs;

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "op_cost: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
	exit(1);
}

/* The programs @pid holds: "prog_id:" lines of its fdinfo. */
static void find_progs(const char *pid)
{
	char dir[64], path[320], line[128];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		die("open", dir);
	while ((de = readdir(d)) && n_progs < MAX_PROGS) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int id;
			int fd, dup = 0;

			if (sscanf(line, "prog_id: %u", &id) != 1)
				continue;
			fd = bpf_prog_get_fd_by_id(id);
			if (fd < 0)
				continue;
			for (int i = 0; i < n_progs; i++) {
				struct bpf_prog_info a = {}, b = {};
				__u32 la = sizeof(a), lb = sizeof(b);

				bpf_obj_get_info_by_fd(prog_fds[i], &a, &la);
				bpf_obj_get_info_by_fd(fd, &b, &lb);
				dup |= a.id == b.id;
			}
			if (dup)
				close(fd);
			else
				prog_fds[n_progs++] = fd;
		}
		fclose(f);
	}
	closedir(d);
	if (!n_progs) {
		fprintf(stderr, "op_cost: process %s holds no BPF programs\n", pid);
		exit(1);
	}
}

static unsigned long long bpf_ns(void)
{
	unsigned long long ns = 0;

	for (int i = 0; i < n_progs; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(prog_fds[i], &info, &len) == 0)
			ns += info.run_time_ns;
	}
	return ns;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void check(long r, const char *what, const char *arg)
{
	if (r < 0)
		die(what, arg);
}

struct ctx {
	const char *dir;
	int dirfd;
	long count;
};

static void name(char *buf, size_t size, const struct ctx *c, const char *fmt, long i)
{
	char leaf[64];

	snprintf(leaf, sizeof(leaf), fmt, i);
	if (c)
		snprintf(buf, size, "%s/%s", c->dir, leaf);
	else
		snprintf(buf, size, "%s", leaf);
}

/* One kind of call, made COUNT times; names f<i>, g<i> in DIR. */
static void op_create(const struct ctx *c, long i)
{
	char p[4096];
	int fd;

	name(p, sizeof(p), c, "f%ld", i);
	fd = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
	check(fd, "create", p);
	close(fd);
}

static void op_write(const struct ctx *c, long i)
{
	char p[4096], buf[64] = { 0 };
	int fd;

	name(p, sizeof(p), c, "f%ld", i);
	fd = open(p, O_WRONLY);
	check(fd, "open", p);
	check(write(fd, buf, sizeof(buf)), "write", p);
	close(fd);
}

static void op_open_r(const struct ctx *c, long i)
{
	char p[4096];
	int fd;

	name(p, sizeof(p), c, "f%ld", i);
	fd = open(p, O_RDONLY);
	check(fd, "open", p);
	close(fd);
}

static void op_stat(const struct ctx *c, long i)
{
	char p[4096];
	struct stat st;

	name(p, sizeof(p), c, "f%ld", i);
	check(stat(p, &st), "stat", p);
}

static void op_chmod(const struct ctx *c, long i)
{
	char p[4096];

	name(p, sizeof(p), c, "f%ld", i);
	check(chmod(p, 0600), "chmod", p);
}

static void op_chmod_rel(const struct ctx *c, long i)
{
	char p[4096];

	name(p, sizeof(p), NULL, "f%ld", i);
	check(fchmodat(c->dirfd, p, 0640, 0), "fchmodat", p);
}

static void op_rename(const struct ctx *c, long i)
{
	char a[4096], b[4096];

	name(a, sizeof(a), c, "f%ld", i);
	name(b, sizeof(b), c, "g%ld", i);
	check(rename(a, b), "rename", a);
}

static void op_unlink(const struct ctx *c, long i)
{
	char p[4096];

	name(p, sizeof(p), c, "g%ld", i);
	check(unlink(p), "unlink", p);
}

static const struct {
	const char *name;
	void (*fn)(const struct ctx *c, long i);
} kinds[] = {
	{ "create+close (absolute)", op_create },
	{ "open+write 64 B+close", op_write },
	{ "open to read+close (not recorded)", op_open_r },
	{ "stat (not recorded)", op_stat },
	{ "chmod (absolute)", op_chmod },
	{ "fchmodat (dirfd, name)", op_chmod_rel },
	{ "rename (absolute, same directory)", op_rename },
	{ "unlink (absolute)", op_unlink },
};

int main(int argc, char **argv)
{
	const char *pid = NULL;
	struct ctx c;

	if (argc > 2 && strcmp(argv[1], "--pid") == 0) {
		pid = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: op_cost [--pid PID] COUNT DIR\n");
		return 2;
	}
	c.count = atol(argv[1]);
	c.dir = argv[2];
	c.dirfd = open(c.dir, O_RDONLY | O_DIRECTORY);
	check(c.dirfd, "open", c.dir);
	if (pid)
		find_progs(pid);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		/* OP_COST_ONLY=WORD: only the kinds named with WORD, and their set-up. */
		const char *only = getenv("OP_COST_ONLY");
		bool timed = !only || strstr(kinds[k].name, only);
		unsigned long long t0 = now_ns(), b0 = pid ? bpf_ns() : 0, t1, b1;

		if (!timed && kinds[k].fn != op_create && kinds[k].fn != op_rename)
			continue;
		for (long i = 0; i < c.count; i++)
			kinds[k].fn(&c, i);
		if (!timed)
			continue;
		t1 = now_ns();
		b1 = pid ? bpf_ns() : 0;
		printf("op\t%s\t%.0f\t%.0f\n", kinds[k].name, (double)(t1 - t0) / c.count,
		       (double)(b1 - b0) / c.count);
	}
	return 0;
}
