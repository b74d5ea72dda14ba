// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * storm: PROCS processes run the mixed workload at once, COUNT iterations
 * each, every one in its own directory. They start together (they wait on a
 * pipe the parent closes) so the monitor sees all of them in the same
 * moment. Each child counts into its own slot of a shared mapping; the
 * parent adds the slots of the children that exited 0.
 */
#include "wl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(const struct wl_opts *o, long id, int gate, struct wl_count *slot)
{
	struct wl_opts mine = *o;
	char dir[4096];
	char b;

	/* EOF when the parent closes its end: everyone is forked. */
	if (read(gate, &b, 1) < 0)
		wl_die("read", "(start gate)");
	wl_path(dir, sizeof(dir), "%s/storm-%ld", o->dir, id);
	wl_mkdir(slot, dir);
	mine.dir = dir;
	wl_mixed(&mine, slot);
	wl_rmdir(slot, dir);
	_exit(0);
}

int wl_storm(const struct wl_opts *o, struct wl_count *c)
{
	size_t size = sizeof(struct wl_count) * (size_t)o->procs;
	struct wl_count *slots;
	int gate[2], failed = 0;

	slots = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		wl_die("mmap", "(storm counters)");
	if (pipe(gate))
		wl_die("pipe", NULL);
	for (long i = 0; i < o->procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			wl_die("fork", NULL);
		if (pid == 0) {
			close(gate[1]);
			child(o, i, gate[0], &slots[i]);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (;;) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	if (failed) {
		fprintf(stderr, "workloads: storm: %d of %ld processes failed\n", failed, o->procs);
		exit(1);
	}
	for (long i = 0; i < o->procs; i++)
		wl_count_add(c, &slots[i]);
	munmap(slots, size);
	return 0;
}
