// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store-fill: fill a vfsaudit store with realistic synthetic events through
 * the store's own write path (va_store_add, batches of BATCH events per
 * transaction), and say how fast that went and how big the file became.
 *
 *   store-fill DB EVENTS [PATHS] [BATCH]
 *
 * The tree: /etc, twelve users' homes (documents, projects, caches,
 * downloads), /var/log, /var/lib, /usr/lib and /tmp, PATHS distinct names in
 * all (default 300000). Access is skewed the way a real machine's is: logs
 * and a small set of hot files take most writes, the long tail is touched
 * rarely. A few hundred process identities (a dozen users, root, daemons;
 * some with a login uid and terminal, some without) do the work. Writes
 * dominate the op mix. Timestamps spread evenly over the 8 days before now,
 * in order, as the daemon would store them.
 *
 * WAL checkpoints run on a thread of their own, as in the daemon
 * (STORE_FILL_INLINE_CHECKPOINT=1: in the commits, SQLite's default).
 *
 * STORE_FILL_SQL (experiments only): SQL run on the store's connection
 * before filling, e.g. "PRAGMA cache_size=-262144; DROP INDEX events_ts;" to
 * measure what a setting or an index costs. Progress (events/s per million)
 * goes to stderr.
 *
 * STORE_FILL_WRITER=1: through the daemon's writer instead (va_writer_push:
 * its queue, its batches and transactions, its checkpointer), the filler
 * waiting while a quarter of the queue's events are not yet committed.
 * BATCH is then not used.
 * STORE_FILL_RATE=N with it: offer N events a second, no faster, as capture
 * would; the output's cpu_ns_per_event is then the one to compare.
 *
 * Output: "key value" lines (events, seconds, events_per_s, bytes,
 * bytes_per_event, distinct_paths, distinct_procs, stmt_runs, sample_*), for
 * bench/store-run.
 * Build: see bench/store-run (links build/libvfsaudit.a).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "chain.h"
#include "record.h"
#include "store.h"
#include "store_checkpoint.h"
#include "store_writer.h"

#define SEC 1000000000ull
#define DAY (86400 * SEC)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: fast, deterministic, good enough for a workload. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)((rnd() >> 32) * n >> 32);
}

/* A skewed pick in [0, n): small indices are much more likely (u^4). */
static uint32_t rnd_skewed(uint32_t n)
{
	double u = (double)(rnd() >> 11) / (double)(1ull << 53);

	return (uint32_t)(u * u * u * u * n);
}

struct path {
	char *s;
	size_t len;
	uint32_t dev; /* major << 20 | minor */
	uint64_t ino;
};

/*
 * STORE_FILL_PROFILE=1: time spent in each of the store's statements, by
 * their text (a statement's address may be freed and reused: BEGIN and
 * COMMIT are prepared and finalized each time).
 */
#define PROFILE_MAX 64
static struct {
	char *sql;
	uint64_t ns;
} profile[PROFILE_MAX];

static int profile_statement(unsigned int type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql(p);

	(void)type;
	(void)ctx;
	if (!sql)
		return 0;
	for (int i = 0; i < PROFILE_MAX; i++) {
		if (!profile[i].sql && !(profile[i].sql = strdup(sql)))
			return 0;
		if (!strcmp(profile[i].sql, sql)) {
			profile[i].ns += (uint64_t)*(sqlite3_int64 *)x;
			break;
		}
	}
	return 0;
}

static struct path *paths;
static size_t n_paths, cap_paths;
/*
 * Inodes of the files that replace others: above every path's own (1000 + 7
 * a path) and the churn's (5,000,000 on), a size a large ext4 volume has.
 */
static uint64_t replaced_ino = 1ull << 26;

static void add_path(uint32_t dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_path(uint32_t dev, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (n_paths == cap_paths) {
		cap_paths = cap_paths ? cap_paths * 2 : 4096;
		paths = realloc(paths, cap_paths * sizeof(*paths));
		if (!paths) {
			perror("realloc");
			exit(1);
		}
	}
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	paths[n_paths].s = strndup(buf, (size_t)n);
	paths[n_paths].len = (size_t)n;
	paths[n_paths].dev = dev;
	paths[n_paths].ino = 1000 + n_paths * 7 + rnd_below(7);
	n_paths++;
}

#define DEV_ROOT ((8u << 20) | 1)
#define DEV_HOME ((8u << 20) | 2)
#define DEV_TMP	 ((0u << 20) | 40)

static const char *const users[] = { "alice", "bob",   "carol", "dave",	 "erin",  "frank",
				     "grace", "heidi", "ivan",	"judy",	 "mallory", "oscar" };
#define N_USERS (sizeof(users) / sizeof(users[0]))

static void build_tree(size_t want)
{
	static const char *const etc_files[] = {
		"passwd",     "shadow",	     "group",	     "gshadow",	 "hosts",      "hostname",
		"resolv.conf", "fstab",	     "sudoers",	     "crontab",	 "os-release", "environment",
		"ld.so.cache", "localtime",  "timezone",     "motd",	 "issue",      "profile",
		"bash.bashrc", "nsswitch.conf", "services", "protocols", "login.defs", "adduser.conf",
	};
	static const char *const etc_dirs[] = { "ssh",	     "apt/sources.list.d", "systemd/system",
						"nginx/sites-enabled", "cron.d", "sudoers.d",
						"default",   "logrotate.d",	   "security",
						"ssl/certs", "pam.d",		   "udev/rules.d" };
	static const char *const logs[] = { "syslog", "auth.log", "kern.log", "dpkg.log",
					    "nginx/access.log", "nginx/error.log",
					    "postgresql/postgresql-15-main.log", "apt/history.log" };
	static const char *const exts[] = { "c", "h", "py", "md", "txt", "json", "rs", "go", "o", "log" };
	size_t per_home, i;

	/* Hot files first: the skewed pick favours the start of the list. */
	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++)
		add_path(DEV_ROOT, "/var/log/%s", logs[i]);
	for (i = 0; i < N_USERS; i++) {
		add_path(DEV_HOME, "/home/%s/.bash_history", users[i]);
		add_path(DEV_HOME, "/home/%s/.cache/mozilla/firefox/profile/cache2/index", users[i]);
		add_path(DEV_HOME, "/home/%s/.local/share/recently-used.xbel", users[i]);
	}
	for (i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++)
		add_path(DEV_ROOT, "/etc/%s", etc_files[i]);
	for (i = 0; i < 2000; i++)
		add_path(DEV_ROOT, "/etc/%s/%s%zu.conf", etc_dirs[i % 12],
			 i % 3 ? "conf" : "local-", i / 12);
	for (i = 0; i < 600; i++)
		add_path(DEV_ROOT, "/var/log/%s.%zu%s", logs[i % 8], i / 8 + 1, i % 2 ? ".gz" : "");
	for (i = 0; i < 400; i++)
		add_path(DEV_ROOT, "/var/log/journal/4f1c2a/system@%06zx.journal", i * 7919);
	for (i = 0; i < 6000; i++)
		add_path(DEV_ROOT, "/var/lib/%s/%zu/%zu", i % 2 ? "postgresql/15/main/base" :
							   "dpkg/info", i % 17, i);
	/* /usr/lib: a fifth of the names; the rest in homes and /tmp. */
	for (i = 0; i < want / 5; i++) {
		if (i % 4 == 0)
			add_path(DEV_ROOT, "/usr/lib/x86_64-linux-gnu/lib%zu.so.%zu", i / 4, i % 7);
		else
			add_path(DEV_ROOT, "/usr/lib/python3/dist-packages/pkg%zu/mod%zu.py",
				 i / 40, i % 40);
	}
	for (i = 0; i < want / 20; i++)
		add_path(DEV_TMP, "/tmp/tmp%08zx/part-%zu", i * 2654435761u % 0xffffffffu, i % 5);
	per_home = (want > n_paths ? want - n_paths : 0) / N_USERS;
	for (size_t u = 0; u < N_USERS; u++) {
		for (i = 0; i < per_home; i++) {
			switch (i % 5) {
			case 0:
				add_path(DEV_HOME, "/home/%s/projects/p%zu/src/file%zu.%s", users[u],
					 i / 500, i % 500, exts[i % 10]);
				break;
			case 1:
				add_path(DEV_HOME, "/home/%s/Documents/%zu/report-%zu.odt",
					 users[u], i / 100, i);
				break;
			case 2:
				add_path(DEV_HOME, "/home/%s/.cache/thumbnails/large/%016zx.png",
					 users[u], i * 0x9e3779b1u);
				break;
			case 3:
				add_path(DEV_HOME, "/home/%s/Downloads/file %zu (copy).pdf",
					 users[u], i);
				break;
			default:
				add_path(DEV_HOME, "/home/%s/projects/p%zu/build/obj%zu.o",
					 users[u], i / 500, i);
			}
		}
	}
}

struct proc {
	uint32_t pid, ppid, uid, gid, auid, ses, tty;
	uint64_t mntns;
	char comm[17];
	const char *exe;
	int home; /* user index whose home it works in, -1: system */
};

static struct proc procs[400];

static void build_procs(void)
{
	static const struct {
		const char *comm, *exe;
	} user_progs[] = {
		{ "vim", "/usr/bin/vim.basic" }, { "bash", "/usr/bin/bash" },
		{ "code", "/usr/share/code/code" }, { "firefox", "/usr/lib/firefox/firefox" },
		{ "cc1", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1" }, { "python3", "/usr/bin/python3.11" },
		{ "git", "/usr/bin/git" }, { "make", "/usr/bin/make" },
		{ "cp", "/usr/bin/cp" }, { "rsync", "/usr/bin/rsync" },
	};
	static const struct {
		const char *comm, *exe;
		uint32_t uid;
	} sys_progs[] = {
		{ "rsyslogd", "/usr/sbin/rsyslogd", 104 },
		{ "systemd-journal", "/usr/lib/systemd/systemd-journald", 0 },
		{ "nginx", "/usr/sbin/nginx", 33 },
		{ "postgres", "/usr/lib/postgresql/15/bin/postgres", 110 },
		{ "dpkg", "/usr/bin/dpkg", 0 },
		{ "apt", "/usr/bin/apt", 0 },
		{ "cron", "/usr/sbin/cron", 0 },
		{ "sshd", "/usr/sbin/sshd", 0 },
		{ "logrotate", "/usr/sbin/logrotate", 0 },
		{ "sudoedit", "/usr/bin/sudo", 0 },
	};
	size_t n = sizeof(procs) / sizeof(procs[0]);

	for (size_t i = 0; i < n; i++) {
		struct proc *p = &procs[i];

		p->pid = 1000 + (uint32_t)i * 37;
		p->ppid = 900 + (uint32_t)(i % 50);
		p->mntns = i % 20 == 19 ? 4026532500ull + i % 3 : 4026531840ull;
		if (i % 4 == 0) { /* system daemons and root tools */
			size_t k = (i / 4) % (sizeof(sys_progs) / sizeof(sys_progs[0]));
			bool sudo = !strcmp(sys_progs[k].comm, "sudoedit");

			p->uid = p->gid = sys_progs[k].uid;
			p->auid = sudo ? 1000 + (uint32_t)(i % N_USERS) : 0xffffffffu;
			p->ses = sudo ? 3 + (uint32_t)(i % N_USERS) : 0xffffffffu;
			p->tty = sudo ? (136u << 20) | (uint32_t)(i % 8) : 0;
			snprintf(p->comm, sizeof(p->comm), "%s", sys_progs[k].comm);
			p->exe = sys_progs[k].exe;
			p->home = -1;
		} else {
			size_t k = i % (sizeof(user_progs) / sizeof(user_progs[0]));
			uint32_t u = (uint32_t)(i % N_USERS);

			p->uid = p->gid = p->auid = 1000 + u;
			p->ses = 3 + u;
			p->tty = i % 3 ? (136u << 20) | (uint32_t)(i % 8) : 0;
			snprintf(p->comm, sizeof(p->comm), "%s", user_progs[k].comm);
			p->exe = user_progs[k].exe;
			p->home = (int)u;
		}
	}
}

/* Pick a path for @p: mostly the hot head, the tree otherwise. */
static struct path *pick_path(void)
{
	uint32_t r = rnd_below(100);

	if (r < 25)
		return &paths[rnd_below(8)]; /* logs */
	if (r < 35)
		return &paths[8 + rnd_below(3 * N_USERS)]; /* per-user hot files */
	return &paths[rnd_skewed((uint32_t)n_paths)];
}

/*
 * Push @ev, waiting first while 65,536 events (a quarter of the default
 * queue) are queued or written but not committed. The fill's events take
 * about 150 bytes queued, so the queue's byte bound (32 MiB) is not reached
 * either, and a push is never refused.
 */
static int push_throttled(struct va_writer *w, const struct va_event *ev)
{
	struct va_writer_stats st;
	struct timespec pause = { 0, 1000000 };

	for (;;) {
		va_writer_stats(w, &st);
		if (st.depth < 65536)
			break;
		nanosleep(&pause, NULL);
	}
	return va_writer_push(w, ev);
}

/* Sleep until event @i is due at @rate events a second from @t0. */
static void pace(const struct timespec *t0, uint64_t i, double rate)
{
	struct timespec now, pause;
	double ahead;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ahead = (double)i / rate - ((double)(now.tv_sec - t0->tv_sec) +
				    (double)(now.tv_nsec - t0->tv_nsec) / 1e9);
	if (ahead <= 0)
		return;
	pause.tv_sec = (time_t)ahead;
	pause.tv_nsec = (long)((ahead - (double)pause.tv_sec) * 1e9);
	nanosleep(&pause, NULL);
}

int main(int argc, char **argv)
{
	const char *db = argc > 1 ? argv[1] : NULL;
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	size_t want_paths = argc > 3 ? strtoul(argv[3], NULL, 10) : 300000;
	uint64_t batch = argc > 4 ? strtoull(argv[4], NULL, 10) : 10000;
	/* Experiments only: SQL run on the store's connection before filling. */
	const char *extra_sql = getenv("STORE_FILL_SQL");
	bool churn = getenv("STORE_FILL_CHURN") != NULL;
	struct va_writer *w = NULL;
	double rate = getenv("STORE_FILL_RATE") ? atof(getenv("STORE_FILL_RATE")) : 0;
	struct va_store *s = NULL;
	struct va_checkpointer *cp = NULL;
	char err[4352], tmpname[600], sample_file[600] = "", wal[600];
	struct timespec t0, t1, tp;
	uint64_t now, start, span, hot_count = 0;
	struct stat st;
	struct va_chain chain;
	uint64_t chain_ns = 0, add_ns = 0, commit_ns = 0;
	struct timespec a0, a1;
	int ret;

	/* "--help" is not a store to fill. */
	if (!db || db[0] == '-' || !n || !batch) {
		fprintf(stderr, "usage: %s DB EVENTS [PATHS] [BATCH]\n", argv[0]);
		return 2;
	}
	build_tree(want_paths);
	build_procs();
	if (va_chain_init(&chain, "store-fill")) {
		fprintf(stderr, "store-fill: no SHA-256\n");
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &t0);
	now = (uint64_t)t0.tv_sec * SEC + (uint64_t)t0.tv_nsec;
	span = 8 * DAY;
	start = now - span;

	ret = va_store_open(&s, db, VA_STORE_WRITE, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "store-fill: %s\n", err);
		return 1;
	}
	if (extra_sql && *extra_sql &&
	    sqlite3_exec(va_store_db(s), extra_sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "store-fill: STORE_FILL_SQL: %s\n", sqlite3_errmsg(va_store_db(s)));
		return 1;
	}
	if (getenv("STORE_FILL_PROFILE"))
		sqlite3_trace_v2(va_store_db(s), SQLITE_TRACE_PROFILE, profile_statement, NULL);
	if (getenv("STORE_FILL_WRITER") && va_writer_start(&w, s, 0, 0)) {
		fprintf(stderr, "store-fill: cannot start the writer\n");
		return 1;
	}
	/* As the daemon's writer does: WAL checkpoints (and their fsync) on a thread of their own. */
	if (!w && !getenv("STORE_FILL_INLINE_CHECKPOINT") && va_checkpointer_start(&cp, s)) {
		fprintf(stderr, "store-fill: cannot start the checkpointer\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tp = t0;
	for (uint64_t i = 0; i < n; i++) {
		const struct proc *p = &procs[rnd_skewed(sizeof(procs) / sizeof(procs[0]))];
		struct path *path = pick_path();
		struct va_event ev = {
			.ts_ns = start + (uint64_t)((double)span * (double)i / (double)n) +
				 rnd_below(1000),
			.pid = p->pid,
			.tid = i % 10 == 0 ? p->pid + 1 + rnd_below(4) : p->pid,
			.ppid = p->ppid,
			.uid = p->uid,
			.euid = p->uid,
			.gid = p->gid,
			.auid = p->auid,
			.ses = p->ses,
			.tty_dev = p->tty,
			.mntns = p->mntns,
			.has_dev = true,
			.dev_major = path->dev >> 20,
			.dev_minor = path->dev & 0xfffff,
			.has_ino = true,
			.ino = path->ino,
			.ftype = VA_FTYPE_FILE,
			.size = -1,
			.owner_uid = -1,
			.owner_gid = -1,
			.exe = { p->exe, strlen(p->exe) },
			.path = { path->s, path->len },
		};
		uint32_t r = rnd_below(1000);

		memcpy(ev.comm, p->comm, sizeof(ev.comm));
		if (r < 450) {
			ev.op = VA_OP_WRITE;
			ev.count = 1 + rnd_below(20);
			ev.bytes = ev.count * (1 + rnd_below(8192));
			ev.ret = 0;
		} else if (r < 560) {
			ev.op = VA_OP_OPEN;
			ev.has_open_flags = true;
			ev.open_flags = (rnd_below(2) ? O_WRONLY : O_RDWR) | O_CLOEXEC |
					(rnd_below(3) ? 0 : O_TRUNC);
		} else if (r < 620) {
			ev.op = VA_OP_OPEN;
			ev.has_open_flags = true;
			ev.open_flags = O_RDONLY | O_CLOEXEC;
		} else if (r < 680) {
			ev.op = VA_OP_READ;
			ev.count = 1 + rnd_below(50);
			ev.bytes = ev.count * rnd_below(65536);
		} else if (r < 750) {
			ev.op = VA_OP_CREATE;
			ev.has_open_flags = true;
			ev.open_flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
		} else if (r < 780) {
			ev.op = VA_OP_TRUNCATE;
			ev.size = rnd_below(2) ? 0 : (int64_t)rnd_below(1 << 20);
		} else if (r < 840) {
			ev.op = VA_OP_UNLINK;
		} else if (r < 890) {
			/* The editor's atomic replace: NAME.tmp renamed over NAME. */
			int len = snprintf(tmpname, sizeof(tmpname), "%.*s.tmp", (int)path->len,
					   path->s);

			ev.op = VA_OP_RENAME;
			ev.path = (struct va_bytes){ tmpname, (size_t)len };
			ev.path2 = (struct va_bytes){ path->s, path->len };
			/* A new file, which the name has from now on (inodes above the paths'). */
			ev.ino = replaced_ino++;
			path->ino = ev.ino;
		} else if (r < 910) {
			ev.op = VA_OP_CHMOD;
			ev.mode = rnd_below(2) ? 0644 : 0600;
		} else if (r < 920) {
			ev.op = VA_OP_CHOWN;
			ev.owner_uid = p->uid;
			ev.owner_gid = -1;
		} else if (r < 935) {
			ev.op = VA_OP_UTIMES;
		} else if (r < 945) {
			ev.op = VA_OP_MKDIR;
			ev.mode = 0755;
			ev.ftype = VA_FTYPE_DIR;
		} else if (r < 950) {
			ev.op = VA_OP_SETXATTR;
			ev.path2 = (struct va_bytes){ "security.selinux", 16 };
		} else if (r < 955) {
			ev.op = VA_OP_LINK;
			ev.path2 = (struct va_bytes){ paths[rnd_skewed((uint32_t)n_paths)].s, 0 };
			ev.path2.len = strlen(ev.path2.ptr);
		} else {
			ev.op = VA_OP_EXEC;
			ev.path = (struct va_bytes){ p->exe, strlen(p->exe) };
			ev.argv = (struct va_bytes){ "prog\0--quiet\0input.txt\0", 23 };
		}
		if (churn) {
			/*
			 * STORE_FILL_CHURN=1: temporary files, each created,
			 * written and removed, never seen again: one new path
			 * and object every three events, as under a build or
			 * a mail spool.
			 */
			static const enum va_op churn_ops[] = { VA_OP_CREATE, VA_OP_WRITE, VA_OP_UNLINK };
			int len = snprintf(tmpname, sizeof(tmpname), "/var/tmp/build/cc%06llu.o",
					   (unsigned long long)(i / 3));

			ev = (struct va_event){ .ts_ns = ev.ts_ns, .pid = p->pid, .tid = p->pid,
						.ppid = p->ppid, .uid = p->uid, .euid = p->uid,
						.gid = p->gid, .auid = p->auid, .ses = p->ses,
						.tty_dev = p->tty, .mntns = p->mntns, .has_dev = true,
						.dev_major = 8, .dev_minor = 1, .has_ino = true,
						.ino = 5000000 + i / 3, .ftype = VA_FTYPE_FILE,
						.size = -1, .owner_uid = -1, .owner_gid = -1,
						.exe = { p->exe, strlen(p->exe) },
						.path = { tmpname, (size_t)len } };
			memcpy(ev.comm, p->comm, sizeof(ev.comm));
			ev.op = churn_ops[i % 3];
			if (ev.op == VA_OP_CREATE) {
				ev.has_open_flags = true;
				ev.open_flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
			} else if (ev.op == VA_OP_WRITE) {
				ev.count = 1;
				ev.bytes = 4096;
			}
		}
		if (rnd_below(100) < 2) {
			ev.ret = -EACCES;
			ev.count = ev.bytes = 0;
		}
		if (ev.path.ptr == paths[9].s)
			hot_count++;

		if (w) {
			if (rate > 0 && (i & 255) == 0)
				pace(&t0, i, rate);
			ret = push_throttled(w, &ev);
			if (ret)
				break;
			goto progress;
		}
		if (i % batch == 0 && (ret = va_store_begin(s)))
			break;
		clock_gettime(CLOCK_MONOTONIC, &a0);
		ret = va_store_add(s, &ev);
		clock_gettime(CLOCK_MONOTONIC, &a1);
		add_ns += (uint64_t)((a1.tv_sec - a0.tv_sec) * 1000000000ll + (a1.tv_nsec - a0.tv_nsec));
		if (ret)
			break;
		/*
		 * The hash chain's share: the same work va_store_add did for the
		 * chain (the record, its encoding, SHA-256), again on a chain of
		 * our own, timed alone and taken out of the fill's time below.
		 */
		{
			struct timespec c0, c1;
			struct va_record rec;

			clock_gettime(CLOCK_MONOTONIC, &c0);
			va_record_from_event(&rec, &ev);
			rec.v[VA_REC_SEQ] = (struct va_val){ .type = VA_VAL_INT, .i = (int64_t)i + 1 };
			va_chain_add(&chain, &rec);
			clock_gettime(CLOCK_MONOTONIC, &c1);
			chain_ns += (uint64_t)((c1.tv_sec - c0.tv_sec) * 1000000000ll +
					       (c1.tv_nsec - c0.tv_nsec));
		}
		if ((i + 1) % batch == 0 || i + 1 == n) {
			clock_gettime(CLOCK_MONOTONIC, &a0);
			ret = va_store_commit(s);
			clock_gettime(CLOCK_MONOTONIC, &a1);
			commit_ns += (uint64_t)((a1.tv_sec - a0.tv_sec) * 1000000000ll +
						(a1.tv_nsec - a0.tv_nsec));
			if (ret)
				break;
		}
progress:
		if ((i + 1) % 1000000 == 0) {
			/* The rate falls as the indexes outgrow the cache: show how. */
			struct timespec tn;
			double el;

			clock_gettime(CLOCK_MONOTONIC, &tn);
			el = (double)(tn.tv_sec - tp.tv_sec) + (double)(tn.tv_nsec - tp.tv_nsec) / 1e9;
			fprintf(stderr, "progress %llu events, %.0f events/s for the last million\n",
				(unsigned long long)(i + 1), 1e6 / el);
			tp = tn;
		}
	}
	if (w) {
		struct va_writer_stats ws;

		va_writer_stats(w, &ws);
		ret = va_writer_stop(w);
		if (!ret && ws.unsaved)
			ret = -ENOSPC; /* cannot be: pushes wait for room */
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ret) {
		fprintf(stderr, "store-fill: write failed: %s\n", strerror(-ret));
		va_store_close(s);
		return 1;
	}
	{
		sqlite3 *h = va_store_db(s);
		sqlite3_stmt *q;

		/* A typical file: one that saw about as many events as the median named file. */
		if (sqlite3_prepare_v2(h,
				       "SELECT CAST(p.path AS TEXT) FROM paths p WHERE"
				       " CAST(p.path AS TEXT) LIKE '/etc/%/%' AND"
				       " CAST(p.path AS TEXT) NOT LIKE '%.tmp'"
				       " ORDER BY p.id LIMIT 1 OFFSET 100",
				       -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			snprintf(sample_file, sizeof(sample_file), "%s",
				 (const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
		if (sqlite3_prepare_v2(h, "SELECT (SELECT count(*) FROM paths),"
					  " (SELECT count(*) FROM procs)",
				       -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW) {
			printf("distinct_paths %lld\n", (long long)sqlite3_column_int64(q, 0));
			printf("distinct_procs %lld\n", (long long)sqlite3_column_int64(q, 1));
		}
		sqlite3_finalize(q);
		/*
		 * How often each of the store's prepared statements ran: the
		 * INSERT OR IGNORE / SELECT on paths and procs run only when the
		 * store's intern cache misses.
		 */
		for (sqlite3_stmt *p = sqlite3_next_stmt(h, NULL); p; p = sqlite3_next_stmt(h, p))
			printf("stmt_runs %d %.50s\n", sqlite3_stmt_status(p, SQLITE_STMTSTATUS_RUN, 0),
			       sqlite3_sql(p));
		printf("add_ms %llu\ncommit_ms %llu\n", (unsigned long long)(add_ns / 1000000),
		       (unsigned long long)(commit_ns / 1000000));
		for (int i = 0; i < PROFILE_MAX && profile[i].sql; i++)
			printf("stmt_ms %llu %.50s\n", (unsigned long long)(profile[i].ns / 1000000),
			       profile[i].sql);
	}
	va_checkpointer_stop(cp);
	va_store_close(s); /* checkpoints the WAL into the database */

	{
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 -
			      (double)chain_ns / 1e9;
		double chain_s = (double)chain_ns / 1e9;
		uint64_t bytes = 0;

		if (!stat(db, &st))
			bytes += (uint64_t)st.st_size;
		snprintf(wal, sizeof(wal), "%s-wal", db);
		if (!stat(wal, &st))
			bytes += (uint64_t)st.st_size;
		/* Write amplification: what the process wrote (WAL and checkpoints) per event. */
		FILE *io = fopen("/proc/self/io", "re");
		char line[128];
		unsigned long long v;

		while (io && fgets(line, sizeof(line), io)) {
			if (sscanf(line, "wchar: %llu", &v) == 1)
				printf("written_bytes_per_event %.0f\n", (double)v / (double)n);
			if (sscanf(line, "rchar: %llu", &v) == 1)
				printf("read_bytes_per_event %.0f\n", (double)v / (double)n);
		}
		if (io)
			fclose(io);
		printf("events %llu\n", (unsigned long long)n);
		printf("seconds %.2f\n", secs);
		printf("events_per_s %.0f\n", (double)n / secs);
		{
			struct rusage ru;

			/* All threads: the filler's own share is the same from build to build. */
			getrusage(RUSAGE_SELF, &ru);
			printf("cpu_ns_per_event %.0f\n",
			       ((double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
				(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3) /
				       (double)n);
		}
		/* The store's rate if it kept no chain, and the ratio the chain costs. */
		printf("chain_ns_per_event %.0f\n", (double)chain_ns / (double)n);
		printf("events_per_s_without_chain %.0f\n", (double)n / (secs - chain_s));
		printf("chain_cost_ratio %.3f\n", secs / (secs - chain_s));
		printf("bytes %llu\n", (unsigned long long)bytes);
		printf("bytes_per_event %.1f\n", (double)bytes / (double)n);
		printf("sample_file %s\n", sample_file);
		printf("sample_file_hot %s\n", paths[9].s);
		printf("sample_file_hot_events %llu\n", (unsigned long long)hot_count);
		printf("sample_dir /etc\n");
		printf("sample_subdir /etc/ssh\n");
		printf("sample_home /home/%s\n", users[0]);
	}
	va_chain_free(&chain);
	for (int i = 0; i < PROFILE_MAX; i++)
		free(profile[i].sql);
	return 0;
}
