// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Merged writes at their edges: a first record the ring buffer refused,
 * and a file the filters left out that comes into scope while it stays
 * open (renamed into the watched paths, or the filters reloaded). Each
 * case runs its own monitor and makes the calls itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e_case.h"
#include "e2e_daemon.h"

/*
 * Why "at least" in the sums below: while the ring is full, a record whose
 * path only user space can filter (a name through "..", relative to
 * another process's directory) is counted lost when refused, whether or
 * not the filters would have kept it, so other activity on the machine can
 * add to lost. Lost is never less than what was missed.
 */

/* Sum of @key over the write events of @path in @w's lines. */
static int64_t sum_writes(const struct e2e_watcher *w, const char *path, const char *key)
{
	int64_t sum = 0;

	for (size_t i = 0; i < w->n; i++) {
		struct json_object *o = w->ev[i].o;
		const char *op = e2e_json_str(o, "op"), *p = e2e_json_str(o, "path");

		if (op && p && !strcmp(op, "write") && !strcmp(p, path))
			sum += e2e_json_int(o, key, 0);
	}
	return sum;
}

static int write_n(struct e2e_ctx *c, int fd, int n)
{
	for (int i = 0; i < n; i++)
		if (write(fd, "abcdefg", 7) != 7) {
			snprintf(c->why, sizeof(c->why), "write: %m");
			return -1;
		}
	return 0;
}

#define FLOOD	   3000
#define AFTER_LOSS 500

/* Create and close FLOOD files DIR/PREFIX0000.. */
static int flood(struct e2e_ctx *c, const char *dir, const char *prefix)
{
	for (int i = 0; i < FLOOD; i++) {
		char name[700];
		int f;

		snprintf(name, sizeof(name), "%s/%s%04d", dir, prefix, i);
		f = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (f < 0 || close(f)) {
			snprintf(c->why, sizeof(c->why), "creating %s: %m", name);
			return -1;
		}
	}
	return 0;
}

/* Watch events: creates by this process, the sum of lost events. */
static void tally(const struct e2e_watcher *w, int64_t *creates, int64_t *lost)
{
	*creates = *lost = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct json_object *o = w->ev[i].o;
		const char *op = e2e_json_str(o, "op");

		if (!op)
			continue;
		if (!strcmp(op, "lost"))
			*lost += e2e_json_int(o, "lost", 0);
		else if (!strcmp(op, "create") && e2e_json_int(o, "pid", -1) == getpid())
			(*creates)++;
	}
}

/*
 * Make DIR (C/m, into @dir) and start @w watching all ops in it with a
 * 4 KiB ring, which a case fills by stopping @w. Returns: 0, or -1 with
 * c->why.
 */
static int start_small_ring(struct e2e_ctx *c, struct e2e_watcher *w, char *dir, size_t size,
			    const char *name)
{
	char *argv[] = { c->env->binary,  "watch", "--format", "json", "--ops", "all",
			 "--buffer-size", "4k",	   "--path",   dir,    NULL };

	snprintf(dir, size, "%s/m", c->dir);
	if (mkdir(dir, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", dir);
		return -1;
	}
	return e2e_watch_start(w, name, argv, true, c->why, sizeof(c->why));
}

/* The end of a case: @fd closed, @w resumed (a case may leave it stopped), stopped, freed. */
static void end_small_ring(struct e2e_watcher *w, int fd)
{
	char why[512];

	if (fd >= 0)
		close(fd);
	kill(w->pid, SIGCONT);
	if (w->running)
		e2e_watch_stop(w, why, sizeof(why));
	e2e_watch_free(w);
}

/* Every call seen or counted lost: @seen + @lost at least @calls. Returns: 0, or -1 with c->why. */
static int check_accounted(struct e2e_ctx *c, int64_t seen, int64_t lost, int calls)
{
	if (seen + lost >= calls)
		return 0;
	snprintf(c->why, sizeof(c->why), "seen %lld + lost %lld = %lld, want at least %d",
		 (long long)seen, (long long)lost, (long long)(seen + lost), calls);
	return -1;
}

/*
 * The first write of a file while the ring buffer is full: its record, the
 * one that names the merge, is lost (and counted). The writes after the
 * ring has room again, and a flush has forgotten the refusal, are
 * recorded, with exact counts; before, user space never learned the merge
 * and counted each later flush as one lost event.
 * And nothing is unaccounted: creates, opens and writes seen, plus lost,
 * are the calls made.
 */
static int run_first_record_lost(struct e2e_ctx *c)
{
	char dir[600], file[700];
	struct e2e_watcher w;
	int64_t creates, lost, writes;
	int fd = -1, ret = -1;

	if (start_small_ring(c, &w, dir, sizeof(dir), "merge-lost"))
		return -1;
	snprintf(file, sizeof(file), "%s/f", dir);
	/* Stopped, it drains nothing: 3,000 creates fill a 4 KiB ring many times over. */
	kill(w.pid, SIGSTOP);
	if (flood(c, dir, "c"))
		goto out;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(c->why, sizeof(c->why), "creating %s: %m", file);
		goto out;
	}
	if (write_n(c, fd, 1))
		goto out;
	kill(w.pid, SIGCONT);
	/* Calls right after a refusal are counted lost until a flush (each second) forgets it. */
	e2e_watch_pump_for(2200);
	if (write_n(c, fd, AFTER_LOSS))
		goto out;
	close(fd);
	fd = -1;
	e2e_watch_pump_for(1500);
	if (e2e_watch_stop(&w, c->why, sizeof(c->why)))
		goto out;
	tally(&w, &creates, &lost);
	writes = sum_writes(&w, file, "count");
	if (writes != AFTER_LOSS || sum_writes(&w, file, "bytes") != 7 * AFTER_LOSS) {
		snprintf(c->why, sizeof(c->why),
			 "writes recorded after the lost first one: count %lld, bytes %lld (want "
			 "%d, %d); lost %lld",
			 (long long)writes, (long long)sum_writes(&w, file, "bytes"), AFTER_LOSS,
			 7 * AFTER_LOSS, (long long)lost);
		goto out;
	}
	/* The creates (3,000 and f) and 501 writes. */
	ret = check_accounted(c, creates + writes, lost, FLOOD + 1 + 1 + AFTER_LOSS);
out:
	end_small_ring(&w, fd);
	return ret;
}

/*
 * The record of a merge's later calls refused by the full ring: its calls
 * are counted lost, each one, not as one event; so creates and writes
 * seen, plus lost, are still the calls made.
 */
static int run_flush_record_lost(struct e2e_ctx *c)
{
	char dir[600], file[700];
	struct e2e_watcher w;
	int64_t creates, lost, writes;
	int fd = -1, ret = -1;

	if (start_small_ring(c, &w, dir, sizeof(dir), "merge-flush-lost"))
		return -1;
	snprintf(file, sizeof(file), "%s/f", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_n(c, fd, 1)) {
		snprintf(c->why, sizeof(c->why), "creating %s: %m", file);
		goto out;
	}
	/* The first write's record is read; then the ring fills and the close's is refused. */
	e2e_watch_pump_for(500);
	kill(w.pid, SIGSTOP);
	if (flood(c, dir, "c") || write_n(c, fd, AFTER_LOSS))
		goto out;
	close(fd);
	fd = -1;
	kill(w.pid, SIGCONT);
	e2e_watch_pump_for(1500);
	if (e2e_watch_stop(&w, c->why, sizeof(c->why)))
		goto out;
	tally(&w, &creates, &lost);
	writes = sum_writes(&w, file, "count");
	/* The creates (f and 3,000) and 501 writes. */
	ret = check_accounted(c, creates + writes, lost, 1 + FLOOD + 1 + AFTER_LOSS);
out:
	end_small_ring(&w, fd);
	return ret;
}

/*
 * Stopped (SIGTERM) while its ring is full and 3,000 creates wait as
 * losses not yet sent: the stop delivers what the ring holds, and counts
 * the rest lost, exactly, once each.
 */
static int run_stop_with_losses_pending(struct e2e_ctx *c)
{
	char dir[600];
	struct e2e_watcher w;
	int64_t creates, lost;
	int ret = -1;

	if (start_small_ring(c, &w, dir, sizeof(dir), "merge-stop"))
		return -1;
	kill(w.pid, SIGSTOP);
	if (flood(c, dir, "c"))
		goto out;
	kill(w.pid, SIGTERM);
	kill(w.pid, SIGCONT);
	if (e2e_watch_stop(&w, c->why, sizeof(c->why)))
		goto out;
	tally(&w, &creates, &lost);
	if (!lost)
		snprintf(c->why, sizeof(c->why), "no loss counted, %lld creates seen",
			 (long long)creates);
	else
		ret = check_accounted(c, creates, lost, FLOOD);
out:
	end_small_ring(&w, -1);
	return ret;
}

/*
 * A file written outside the watched paths is left out once, at its first
 * write; renamed into them while it stays open, its next writes are
 * followed from the next periodic flush on (about a second).
 */
static int run_filtered_renamed_in(struct e2e_ctx *c)
{
	char in[600], out_dir[600], from[700], to[700];
	char *argv[] = { c->env->binary, "watch", "--format", "json", "--path", in, NULL };
	struct e2e_watcher w;
	int fd = -1, ret = -1;
	int64_t writes;
	char why[512];

	snprintf(in, sizeof(in), "%s/in", c->dir);
	snprintf(out_dir, sizeof(out_dir), "%s/out", c->dir);
	snprintf(from, sizeof(from), "%s/g", out_dir);
	snprintf(to, sizeof(to), "%s/g", in);
	if (mkdir(in, 0755) || mkdir(out_dir, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir: %m");
		return -1;
	}
	if (e2e_watch_start(&w, "merge-rename", argv, true, c->why, sizeof(c->why)))
		return -1;
	fd = open(from, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_n(c, fd, 3) || rename(from, to)) {
		snprintf(c->why, sizeof(c->why), "writing %s, renaming it: %m", from);
		goto out;
	}
	/* Two flushes' time: the decision made outside is forgotten. */
	e2e_watch_pump_for(2200);
	if (write_n(c, fd, 5))
		goto out;
	close(fd);
	fd = -1;
	e2e_watch_pump_for(1000);
	if (e2e_watch_stop(&w, c->why, sizeof(c->why)))
		goto out;
	writes = sum_writes(&w, to, "count");
	if (writes != 5 || sum_writes(&w, from, "count") != 0) {
		snprintf(c->why, sizeof(c->why),
			 "writes to %.200s after it was renamed in: count %lld (want 5); before, "
			 "as %.200s: "
			 "%lld (want 0)",
			 to, (long long)writes, from, (long long)sum_writes(&w, from, "count"));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (w.running)
		e2e_watch_stop(&w, why, sizeof(why));
	e2e_watch_free(&w);
	return ret;
}

/*
 * A file written outside the watched paths, then the configuration widened
 * and reloaded (SIGHUP) while it stays open: the writes after the reload
 * are recorded, at once, not only after the next flush forgets the old
 * decision.
 */
static int run_filtered_reloaded(struct e2e_ctx *c)
{
	struct daemon_paths p;
	struct e2e_watcher w;
	char a[600], b[600], f[700], conf[1300];
	int fd = -1, ret = -1;
	int64_t writes;

	daemon_paths(c, &p);
	snprintf(a, sizeof(a), "%s/a", c->dir);
	snprintf(b, sizeof(b), "%s/b", c->dir);
	snprintf(f, sizeof(f), "%s/f", b);
	snprintf(conf, sizeof(conf), "path = %s\n", a);
	if (mkdir(a, 0755) || mkdir(b, 0755)) {
		snprintf(c->why, sizeof(c->why), "setting up: %m");
		return -1;
	}
	if (daemon_start_conf(c, &w, &p, conf))
		return -1;
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_n(c, fd, 2)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", f);
		goto out;
	}
	snprintf(conf, sizeof(conf), "path = %s\npath = %s\n", a, b);
	if (daemon_reload(c, &w, &p, conf) || write_n(c, fd, 7))
		goto out;
	close(fd);
	fd = -1;
	if (daemon_stop(c, &w) || (writes = history_sum(c, &p, f, "write", "count")) < 0 ||
	    check_int(c, "writes recorded after the reload", writes, 7))
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (w.running)
		daemon_stop(c, &w);
	return ret;
}

const struct e2e_case e2e_cases_merge[] = {
	{ .name = "merge: a first write whose record the full ring refused: later writes "
		  "recorded exactly, every call seen or counted lost",
	  .run = run_first_record_lost },
	{ .name = "merge: the record of 500 merged writes refused by the full ring: 500 "
		  "counted lost, every call seen or counted lost",
	  .run = run_flush_record_lost },
	{ .name = "stop: SIGTERM with the ring full and 3,000 losses not yet sent: each create "
		  "seen or counted lost, once",
	  .run = run_stop_with_losses_pending },
	{ .name = "merge: a file left out, renamed into the watched paths while open: its "
		  "writes followed from the next flush",
	  .run = run_filtered_renamed_in },
	{ .name = "merge: a file left out, the filters widened by SIGHUP while it is open: "
		  "its next writes recorded",
	  .run = run_filtered_reloaded },
};
const size_t e2e_n_cases_merge = sizeof(e2e_cases_merge) / sizeof(e2e_cases_merge[0]);
