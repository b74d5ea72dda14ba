// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The workloads of the monitor comparison (bench/compare): each performs an
 * exact number of each file operation in a scratch directory and prints
 * them, with its wall and CPU time, as two machine-readable lines.
 */
#include "wl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char usage[] =
	"SYNOPSIS\n"
	"  workloads [--count N] [--rounds N] [--procs N] [--jobs N] [--cache DIR] WORKLOAD DIR\n"
	"  workloads --prepare [--cache DIR]\n"
	"\n"
	"Runs one workload in DIR (an existing, empty directory) and prints\n"
	"  ops workload=NAME create=N open_r=N open_w=N read=N write=N close=N stat=N\n"
	"      rename=N chmod=N unlink=N mkdir=N rmdir=N symlink=N total=N exact=1|0\n"
	"  time wall_ns=N cpu_ns=N user_ns=N sys_ns=N\n"
	"(CPU time includes the workload's children.) DIR is left empty, except\n"
	"after real, whose tree DIR/real is left for the caller to remove.\n"
	"\n"
	"WORKLOADS (COUNT default)\n"
	"  write-heavy  one file, COUNT writes of 64 bytes (1000000)\n"
	"  mixed        COUNT x create + 4 KiB write + close, open + read + close,\n"
	"               rename, chmod, unlink (50000)\n"
	"  meta         COUNT files (5000) in directories of 100; ROUNDS (20) passes of\n"
	"               stat, open/close to read, open/close to write; then unlink all\n"
	"  bigdir       COUNT files (10000) in one directory; 3 passes of open/close\n"
	"               to write and chmod, oldest first; then unlink all\n"
	"  storm        PROCS (16) processes at once, each mixed with COUNT (3000)\n"
	"  real         extract a tarball of /usr/include, write COUNT (300) C files,\n"
	"               build them with make -jJOBS (2); only created files, directories\n"
	"               and links are counted (exact=0)\n"
	"\n"
	"OPTIONS\n"
	"  --cache DIR   where real keeps its tarball (default $XDG_CACHE_HOME or\n"
	"                $HOME/.cache, then /vfsaudit-bench)\n"
	"  --prepare     make the tarball now (outside any measurement) and exit\n"
	"\n"
	"EXAMPLES\n"
	"  workloads write-heavy /dev/shm/scratch\n"
	"  workloads --count 1000 --procs 4 storm /tmp/scratch\n";

struct workload {
	const char *name;
	int (*prepare)(const struct wl_opts *o); /* untimed, before */
	int (*run)(const struct wl_opts *o, struct wl_count *c);
	int (*tally)(const struct wl_opts *o, struct wl_count *c); /* untimed, after */
	long count;
	bool exact;
};

static const struct workload workloads[] = {
	{ "write-heavy", NULL, wl_write_heavy, NULL, 1000000, true },
	{ "mixed", NULL, wl_mixed, NULL, 50000, true },
	{ "meta", NULL, wl_meta, NULL, 5000, true },
	{ "bigdir", NULL, wl_bigdir, NULL, 10000, true },
	{ "storm", NULL, wl_storm, NULL, 3000, true },
	{ "real", wl_real_prepare, wl_real, wl_real_tally, 300, false },
};

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 1000000000L)
		return -EINVAL;
	*out = v;
	return 0;
}

static unsigned long long ns_of(struct timeval tv)
{
	return (unsigned long long)tv.tv_sec * 1000000000ull +
	       (unsigned long long)tv.tv_usec * 1000;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void default_cache(char *out, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		snprintf(out, size, "%s/vfsaudit-bench", xdg);
	else
		snprintf(out, size, "%s/.cache/vfsaudit-bench", home && *home ? home : "/root");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "procs", required_argument, NULL, 'p' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "cache", required_argument, NULL, 'c' },
		{ "prepare", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct wl_opts o = { .count = -1, .rounds = 20, .procs = 16, .jobs = 2 };
	const struct workload *w = NULL;
	struct wl_count c = { 0 };
	struct rusage self, kids;
	unsigned long long t0, t1, user, sys;
	char cache[4096];
	bool prepare = false;
	long *target;
	int opt;

	default_cache(cache, sizeof(cache));
	o.cache = cache;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
		case 'r':
		case 'p':
		case 'j':
			target = opt == 'n'   ? &o.count
				 : opt == 'r' ? &o.rounds
				 : opt == 'p' ? &o.procs
					      : &o.jobs;
			if (parse_count(optarg, target)) {
				fprintf(stderr, "workloads: '%s': give a whole number\n", optarg);
				return 2;
			}
			break;
		case 'c':
			o.cache = optarg;
			break;
		case 'P':
			prepare = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (prepare)
		return wl_real_prepare(&o) ? 1 : 0;
	if (argc - optind != 2) {
		fputs(usage, stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(argv[optind], workloads[i].name))
			w = &workloads[i];
	if (!w) {
		fprintf(stderr, "workloads: no workload '%s'; see --help\n", argv[optind]);
		return 2;
	}
	if (o.procs < 1 || o.jobs < 1) {
		fprintf(stderr, "workloads: --procs and --jobs need at least 1\n");
		return 2;
	}
	o.dir = argv[optind + 1];
	if (o.count < 0)
		o.count = w->count;
	if (w->prepare && w->prepare(&o))
		return 1;

	t0 = now_ns();
	w->run(&o, &c);
	t1 = now_ns();
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	if (w->tally)
		w->tally(&o, &c);

	user = ns_of(self.ru_utime) + ns_of(kids.ru_utime);
	sys = ns_of(self.ru_stime) + ns_of(kids.ru_stime);
	wl_count_print(w->name, &c, w->exact);
	printf("time wall_ns=%llu cpu_ns=%llu user_ns=%llu sys_ns=%llu\n", t1 - t0, user + sys,
	       user, sys);
	return 0;
}
