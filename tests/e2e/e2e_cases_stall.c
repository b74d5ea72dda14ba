// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A disk that stops taking writes must not stop the capture. The store and
 * the JSON log sit on a filesystem of their own (an ext4 image on a loop
 * device) which is frozen (fsfreeze, as backup and snapshot tools do) while
 * files are made: the daemon must go on draining the kernel's ring buffer
 * into memory, lose nothing there, and store and log every event once the
 * filesystem thaws.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include "e2e_case.h"
#include "e2e_daemon.h"

/*
 * Enough that their records (about 2.4 MB) take much of the ring, pass
 * the queue of 16 into several of the backlog's 1 MiB chunks (about 3 MB),
 * and pass the JSON log's 64 KiB flush mark (about 8 MB of lines, within
 * the 16 MiB it may hold in memory).
 */
#define FROZEN_CREATES 20000
/* How long the filesystem stays frozen after the last create. */
#define FROZEN_MS 1000
/* Under this, the capture went on while the disk was frozen; before, it waited as long as that. */
#define STALL_LIMIT_NS 500000000ll

struct frozen {
	char img[PATH_MAX], mnt[PATH_MAX - 64], json[PATH_MAX];
	bool mounted, frozen;
	pid_t guard;  /* thaws the filesystem should this process die */
	int guard_fd; /* its pipe's write end: closed, the guard thaws and exits */
};

/* Run a system tool; Returns: 0, or -1 with c->why naming it and what it said. */
static int tool(struct e2e_ctx *c, char *const argv[])
{
	char out[2048];
	int code = query(c, argv, out, sizeof(out));

	if (code == 0)
		return 0;
	if (!c->why[0] || code > 0)
		snprintf(c->why, sizeof(c->why), "%s exit %d (scripts/setup --tests installs it)",
			 argv[0], code);
	return -1;
}

/* FIFREEZE or FITHAW: fsfreeze(8)'s calls, with no process that could be stuck. */
static int freeze_ioctl(const char *mnt, bool on)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, on ? FIFREEZE : FITHAW, 0);
	close(fd);
	return ret;
}

static int set_frozen(struct e2e_ctx *c, struct frozen *f, bool on)
{
	/* Marked first: whatever happens next, the cleanup thaws. */
	if (on)
		f->frozen = true;
	for (int i = 0; i < 5; i++) {
		if (!freeze_ioctl(f->mnt, on)) {
			f->frozen = on;
			return 0;
		}
		usleep(100 * 1000);
	}
	snprintf(c->why, sizeof(c->why), "%s %s: %m", on ? "freezing" : "thawing", f->mnt);
	return -1;
}

/*
 * A child that thaws the filesystem when the pipe from this process closes:
 * should the runner be killed mid-case, the machine is not left with a
 * frozen filesystem (which would hang whatever touches it next).
 */
static int start_guard(struct e2e_ctx *c, struct frozen *f)
{
	int fds[2];
	char b;

	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(c->why, sizeof(c->why), "pipe: %m");
		return -1;
	}
	f->guard = fork();
	if (f->guard < 0) {
		snprintf(c->why, sizeof(c->why), "fork: %m");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (f->guard == 0) {
		/* Holds nothing of the runner's open: only its pipe. */
		for (int fd = 0; fd < 1024; fd++)
			if (fd != fds[0])
				close(fd);
		while (read(fds[0], &b, 1) < 0 && errno == EINTR)
			;
		freeze_ioctl(f->mnt, false);
		_exit(0);
	}
	close(fds[0]);
	f->guard_fd = fds[1];
	return 0;
}

/* A 64 MiB ext4 filesystem of its own, mounted at DIR/frozen. */
static int frozen_mount(struct e2e_ctx *c, struct frozen *f)
{
	char *mkfs[] = { "/usr/sbin/mkfs.ext4", "-q", "-F", f->img, NULL };
	char *mount[] = { "/usr/bin/mount", "-o", "loop", f->img, f->mnt, NULL };
	int fd;

	snprintf(f->img, sizeof(f->img), "%s/frozen.img", c->dir);
	snprintf(f->mnt, sizeof(f->mnt), "%s/frozen", c->dir);
	snprintf(f->json, sizeof(f->json), "%s/frozen/events.json", c->dir);
	fd = open(f->img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 64ll << 20) || close(fd) || mkdir(f->mnt, 0700)) {
		snprintf(c->why, sizeof(c->why), "making %s: %m", f->img);
		return -1;
	}
	if (tool(c, mkfs) || tool(c, mount))
		return -1;
	f->mounted = true;
	return start_guard(c, f);
}

static int frozen_unmount(struct e2e_ctx *c, struct frozen *f)
{
	char *umount[] = { "/usr/bin/umount", f->mnt, NULL };
	char *lazy[] = { "/usr/bin/umount", "-l", f->mnt, NULL };
	char why[sizeof(c->why)];
	int ret = 0;

	/* Whatever failed, the filesystem thaws: a frozen one cannot be unmounted. */
	memcpy(why, c->why, sizeof(why));
	if (f->frozen)
		ret |= set_frozen(c, f, false);
	if (f->mounted && tool(c, umount)) {
		tool(c, lazy);
		ret = -1;
	}
	if (f->guard > 0) {
		close(f->guard_fd);
		waitpid(f->guard, NULL, 0);
	}
	/* The case's own failure is the one to tell; else this one. */
	if (why[0] || !ret)
		memcpy(c->why, why, sizeof(why));
	return ret;
}

/*
 * The daemon's status file until it has counted @want events, 8 s at
 * most. Read as is: `vfsaudit status` reads the store too, which waits
 * for the thaw.
 */
static json_object *status_when_counted(struct e2e_ctx *c, const struct daemon_paths *p,
					int64_t want)
{
	int64_t events = -1, lost = -1;

	for (int i = 0; i < 80; i++) {
		json_object *o = json_object_from_file(p->status);

		events = e2e_json_int(o, "events", -1);
		lost = e2e_json_int(o, "lost", -1);
		if (o && events >= want)
			return o;
		json_object_put(o);
		usleep(100 * 1000);
	}
	snprintf(c->why, sizeof(c->why),
		 "status never counted %lld events: %lld captured, %lld lost in the ring buffer",
		 (long long)want, (long long)events, (long long)lost);
	return NULL;
}

/* Lines of @path that name a file made while frozen. */
static long frozen_lines(struct e2e_ctx *c, const char *path)
{
	char line[8192];
	long n = 0;
	FILE *fp = fopen(path, "re");

	if (!fp) {
		snprintf(c->why, sizeof(c->why), "opening %s: %m", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp))
		n += strstr(line, "/w/frozen-") != NULL;
	fclose(fp);
	return n;
}

static int check_frozen_status(struct e2e_ctx *c, json_object *o)
{
	int64_t stall = e2e_json_int(o, "stall_max_ns", -1);

	if (check_int(c, "lost in the ring buffer while frozen", e2e_json_int(o, "lost", -1), 0) ||
	    check_int(c, "unsaved while frozen", e2e_json_int(o, "unsaved_queue", -1), 0))
		return -1;
	if (stall < 0 || stall >= STALL_LIMIT_NS) {
		snprintf(c->why, sizeof(c->why),
			 "stall_max_ns %lld: the capture waited for the frozen disk",
			 (long long)stall);
		return -1;
	}
	return 0;
}

/* `vfsaudit status` answers while the store cannot be read, and says so. */
static int check_status_frozen(struct e2e_ctx *c, const struct daemon_paths *p)
{
	char *argv[] = { c->env->binary, "status", "--status-file", (char *)p->status, NULL };
	char out[8192];
	json_object *o, *v;
	uint64_t t0 = e2e_now_ns();
	bool readable;

	if (query(c, argv, out, sizeof(out)) != 0)
		return -1;
	if (!strstr(out, "did not answer within 2 s")) {
		snprintf(c->why, sizeof(c->why), "status text while frozen: %.400s", out);
		return -1;
	}
	o = status_json(c, p);
	if (!o)
		return -1;
	readable = !json_object_object_get_ex(o, "store_readable", &v) || !v ||
		   !json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v);
	json_object_put(o);
	if (readable) {
		snprintf(c->why, sizeof(c->why), "status JSON: store_readable true while frozen");
		return -1;
	}
	/* Two waits of 2 s, and the rest. */
	if (e2e_now_ns() - t0 > 8000000000ull) {
		snprintf(c->why, sizeof(c->why), "status took %llu ms while frozen",
			 (unsigned long long)((e2e_now_ns() - t0) / 1000000));
		return -1;
	}
	return 0;
}

static int check_frozen_record(struct e2e_ctx *c, const struct daemon_paths *p,
			       const struct frozen *f)
{
	char sql[PATH_MAX + 256];
	long creates, missing, lines;

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM events e JOIN paths p ON p.id = e.path WHERE e.op = 1 "
		 "AND CAST(p.path AS TEXT) LIKE '%s/frozen-%%'",
		 p->watched);
	creates = store_count(c, p->db, sql);
	missing = store_count(c, p->db,
			      "SELECT coalesce(sum(count), 0) FROM events WHERE op IN (19, 103)");
	lines = frozen_lines(c, f->json);
	if (creates < 0 || missing < 0 || lines < 0)
		return -1;
	if (check_int(c, "creates stored", creates, FROZEN_CREATES) ||
	    check_int(c, "events recorded as lost or unsaved", missing, 0) ||
	    check_int(c, "creates in the JSON log", lines, FROZEN_CREATES))
		return -1;
	return 0;
}

static int run_frozen_disk(struct e2e_ctx *c)
{
	struct frozen f = { 0 };
	struct daemon_paths p;
	struct e2e_watcher w;
	char conf[PATH_MAX + 128];
	json_object *st = NULL;
	int ret = -1;

	daemon_paths(c, &p);
	if (mkdir(p.watched, 0755)) {
		snprintf(c->why, sizeof(c->why), "mkdir %s: %m", p.watched);
		return -1;
	}
	if (frozen_mount(c, &f))
		goto out;
	snprintf(p.db, sizeof(p.db), "%s/audit.db", f.mnt);
	snprintf(conf, sizeof(conf), "queue-size = 16\njson-log = %s\n", f.json);
	if (e2e_write_file(p.conf, conf, 0644)) {
		snprintf(c->why, sizeof(c->why), "writing %s: %m", p.conf);
		goto out;
	}
	if (daemon_start(c, &w, &p))
		goto out;
	if (set_frozen(c, &f, true))
		goto stop;
	for (int i = 0; i < FROZEN_CREATES; i++) {
		char rel[96];
		int fd;

		snprintf(rel, sizeof(rel), "w/frozen-%05d-a-name-long-enough-to-fill-chunks", i);
		fd = open(e2e_dpath(c, rel), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || close(fd)) {
			snprintf(c->why, sizeof(c->why), "creating %s: %m", rel);
			goto stop;
		}
	}
	usleep(FROZEN_MS * 1000);
	/* Still frozen: every create was read from the ring buffer, none lost there. */
	st = status_when_counted(c, &p, FROZEN_CREATES);
	if (!st || check_frozen_status(c, st) || check_status_frozen(c, &p) ||
	    set_frozen(c, &f, false))
		goto stop;
	ret = 0;
stop:
	if (f.frozen)
		set_frozen(c, &f, false);
	/* The stop writes everything out: the backlog, the JSON log's lines. */
	if (daemon_stop(c, &w))
		ret = -1;
	if (!ret)
		ret = check_frozen_record(c, &p, &f);
out:
	json_object_put(st);
	if (frozen_unmount(c, &f))
		ret = -1;
	return ret;
}

const struct e2e_case e2e_cases_stall[] = {
	{ .name = "stall: the store's and the JSON log's filesystem frozen during 20,000 creates: "
		  "none lost, the capture never waits, all stored and logged after the thaw",
	  .run = run_frozen_disk },
};
const size_t e2e_n_cases_stall = sizeof(e2e_cases_stall) / sizeof(e2e_cases_stall[0]);
