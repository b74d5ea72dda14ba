// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor: load bench/floor.bpf.c at a level (0: only the program on
 * sys_exit attached, idle; 1: both attached and idle, 2: one
 * unresolved record per call that names a file, 3: that, and writes merged
 * per open file), write "ready" to stderr, drain the ring buffer every
 * 10 ms until SIGTERM or SIGINT, then print how many records it read and,
 * with kernel.bpf_stats_enabled on, each program's runs and time per run.
 * Built and run by bench/floor-ab.
 *
 *   floor LEVEL
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/syscall_nr.h"
#include "floor.h"
#include "floor.skel.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct tally {
	unsigned long long records;
	unsigned long long writes; /* level 3: writes counted, first ones and merged */
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct tally *t = ctx;
	const struct floor_rec *r = data;

	if (size < sizeof(*r))
		return 0;
	t->records++;
	if (r->nr == VA_NR_write || r->nr == VA_NR_close)
		t->writes += r->count;
	return 0;
}

/* With kernel.bpf_stats_enabled on, the kernel counts each program's runs and time. */
static void print_prog_stats(const struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0 && info.run_cnt)
		printf("prog %s runs %llu ns_per_run %llu\n", bpf_program__name(prog),
		       (unsigned long long)info.run_cnt,
		       (unsigned long long)(info.run_time_ns / info.run_cnt));
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct tally tally = { 0 };
	long level;
	char *end;
	int err;

	if (argc != 2 || (level = strtol(argv[1], &end, 10), *end) || level < 0 || level > 3) {
		fprintf(stderr,
			"usage: floor LEVEL (0: sys_exit attached, 1: both, 2: a record per "
			"named file, 3: and writes merged)\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->level = (__u32)level;
	/* Level 0: what the entry tracepoint costs, by its absence. */
	if (level == 0)
		bpf_program__set_autoattach(skel->progs.floor_enter, false);
	skel->rodata->self_tgid = (__u32)getpid();
	err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor: cannot load or attach: %s\n", strerror(-err));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.records), on_record, &tally, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "floor: cannot map the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	fprintf(stderr, "ready level=%ld\n", level);
	/* Records come without a wakeup, so epoll would not see them: drain on a timer. */
	while (!stopping) {
		usleep(10000);
		err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "floor: reading the ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
	}
	err = ring_buffer__consume(rb);
	if (err >= 0)
		err = 0;
	printf("records %llu\n", tally.records);
	if (level >= 3)
		printf("writes %llu\n", tally.writes);
	print_prog_stats(skel->progs.floor_enter);
	print_prog_stats(skel->progs.floor_exit);
cleanup:
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return err ? 1 : 0;
}
