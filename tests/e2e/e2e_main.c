// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The end-to-end runner: starts the real `vfsaudit watch` processes, runs
 * every case of the tables in a forked child, waits (with a deadline) for
 * the events of that child, and judges them. Needs root.
 *
 *   e2e --binary build/vfsaudit [--only SUBSTRING]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_case.h"
#include "e2e_expect.h"

#define DEADLINE_NS    (3ull * 1000000000ull)  /* after the child exits */
#define SHORT_DEADLINE (500ull * 1000000ull)   /* once the run is over budget */
#define RUN_BUDGET_NS  (90ull * 1000000000ull) /* a broken binary must not take minutes */
#define CHILD_MAX_NS   (15ull * 1000000000ull) /* a child that hangs */
#define DEFAULT_SETTLE 100

struct table {
	const struct e2e_case *cases;
	const size_t *n;
};

static const struct table tables[] = {
	{ e2e_cases_ops, &e2e_n_cases_ops },
	{ e2e_cases_attrs, &e2e_n_cases_attrs },
	{ e2e_cases_names, &e2e_n_cases_names },
	{ e2e_cases_paths, &e2e_n_cases_paths },
	{ e2e_cases_proc, &e2e_n_cases_proc },
	{ e2e_cases_special, &e2e_n_cases_special },
	{ e2e_cases_filters, &e2e_n_cases_filters },
	{ e2e_cases_stream, &e2e_n_cases_stream },
	{ e2e_cases_hard, &e2e_n_cases_hard },
	{ e2e_cases_borrow, &e2e_n_cases_borrow },
	/* Its last case checks that every shared watcher stopped cleanly: after their last use. */
	{ e2e_cases_cli, &e2e_n_cases_cli },
	{ e2e_cases_store, &e2e_n_cases_store },
	{ e2e_cases_stall, &e2e_n_cases_stall },
	{ e2e_cases_sinks, &e2e_n_cases_sinks },
	{ e2e_cases_tamper, &e2e_n_cases_tamper },
	{ e2e_cases_merge, &e2e_n_cases_merge },
};

static const char *const watcher_names[W__COUNT] = {
	[W_NONE] = "none", [W_MAIN] = "main", [W_TEXT] = "text",    [W_COMM] = "comm",
	[W_FILT] = "filt", [W_UID] = "uid",   [W_OPS] = "ops-exec", [W_EVERY] = "every-call",
	[W_LOST] = "lost", [W_SELF] = "self", [W_DEV] = "dev",	    [W_CHG] = "changes",
};

/* Where a dedicated watcher's cases put their directories. */
static const char *const watcher_base[W__COUNT] = {
	[W_TEXT] = "text",   [W_COMM] = "comm", [W_FILT] = "filt", [W_UID] = "uid", [W_OPS] = "ops",
	[W_EVERY] = "every", [W_SELF] = "self", [W_DEV] = "devf",  [W_CHG] = "chg",
};

static int watcher_start(struct e2e_env *env, enum e2e_wid id, char *why, size_t len)
{
	char a[8][PATH_MAX];
	char *argv[24];
	struct stat st;
	int n = 0;

#define ARG(s)	     (argv[n++] = (char *)(s))
#define ARGF(i, ...) (snprintf(a[i], PATH_MAX, __VA_ARGS__), argv[n++] = a[i])
	ARG(env->binary);
	ARG("watch");
	ARG("--format");
	ARG(id == W_TEXT ? "text" : "json");
	switch (id) {
	case W_MAIN:
		ARG("--ops"), ARG("all"), ARG("--no-default-excludes");
		ARG("--path"), ARGF(0, "%s", env->scratch);
		ARG("--path"), ARG("/dev/null");
		break;
	case W_TEXT:
		ARG("--ops"), ARG("all"), ARG("--path"), ARGF(0, "%s/text", env->scratch);
		break;
	case W_COMM:
		ARG("--ops"), ARG("all"), ARG("--no-default-excludes");
		ARG("--comm"), ARG("e2e-comm");
		break;
	case W_FILT:
		ARG("--ops"), ARG("all"), ARG("--path"), ARGF(0, "%s/filt/etc", env->scratch);
		ARG("--exclude"), ARGF(1, "%s/filt/etc/skip", env->scratch);
		break;
	case W_UID:
		ARG("--ops"), ARG("all"), ARG("--uid"), ARG("65534");
		ARG("--path"), ARGF(0, "%s/uid", env->scratch);
		break;
	case W_OPS:
		ARG("--ops"), ARG("exec"), ARG("--path"), ARGF(0, "%s", env->scratch);
		break;
	case W_EVERY:
		ARG("--ops"), ARG("all"), ARG("--every-call");
		ARG("--path"), ARGF(0, "%s/every", env->scratch);
		break;
	case W_LOST:
		ARG("--ops"), ARG("all"), ARG("--buffer-size"), ARG("4k");
		ARG("--path"), ARGF(0, "%s", env->lostdir);
		break;
	case W_SELF:
		ARG("--ops"), ARG("all"), ARG("--no-default-excludes");
		ARG("--comm"), ARG("vfsaudit");
		break;
	case W_CHG:
		ARG("--path"), ARGF(0, "%s/chg", env->scratch);
		break;
	case W_DEV:
		if (stat(env->scratch, &st)) {
			snprintf(why, len, "stat %s: %s", env->scratch, strerror(errno));
			return -1;
		}
		ARG("--ops"), ARG("all"), ARG("--no-default-excludes");
		ARG("--path"), ARGF(0, "%s/devf", env->scratch), ARG("--path"), ARG("/dev/null");
		ARG("--dev"), ARGF(1, "%jx", (uintmax_t)st.st_dev);
		break;
	default:
		snprintf(why, len, "no such watcher");
		return -1;
	}
	argv[n] = NULL;
#undef ARG
#undef ARGF
	if (e2e_watch_start(&env->w[id], watcher_names[id], argv, id != W_TEXT, why, len))
		return -1;
	env->w[id].consecutive = true;
	return 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int64_t read_id(const char *path)
{
	char buf[32];
	long long v;

	if (read_line(path, buf, sizeof(buf)) || sscanf(buf, "%lld", &v) != 1 || v == 4294967295LL)
		return -1;
	return v;
}

/* The controlling terminal as vfsaudit names it; "" for none, "?" for one not to check. */
static void own_tty(char *buf, size_t len)
{
	char stat[1024], *p;
	unsigned int tty_nr = 0, major, minor;

	buf[0] = '\0';
	if (read_line("/proc/self/stat", stat, sizeof(stat)) || !(p = strrchr(stat, ')')))
		return;
	if (sscanf(p + 2, "%*c %*d %*d %*d %u", &tty_nr) != 1 || !tty_nr)
		return;
	major = (tty_nr >> 8) & 0xfff;
	minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
	if (major >= 136 && major <= 143)
		snprintf(buf, len, "pts/%u", (major - 136) * 256 + minor);
	else if (major == 4)
		snprintf(buf, len, minor < 64 ? "tty%u" : "ttyS%u",
			 minor < 64 ? minor : minor - 64);
	else
		snprintf(buf, len, "?"); /* a terminal SPEC does not name: not checked */
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	if (close(out) || n < 0)
		return -1;
	return chmod(to, mode);
}

static int env_init(struct e2e_env *env, const char *binary)
{
	static const char *const dirs[] = {
		"bin",		 "text",	   "comm",     "filt", "filt/etc", "filt/etcx",
		"filt/etc/skip", "filt/etc/skipx", "filt/out", "uid",  "ops",	   "every",
		"self",		 "devf",	   "chg",      NULL
	};
	char buf[PATH_MAX], link[64];
	ssize_t n;

	env->pid = getpid();
	if (!realpath(binary, env->binary)) {
		fprintf(stderr, "e2e: --binary %s: %s\n", binary, strerror(errno));
		return -1;
	}
	n = readlink("/proc/self/exe", env->self_exe, sizeof(env->self_exe) - 1);
	if (n < 0)
		return -1;
	env->self_exe[n] = '\0';
	n = readlink("/proc/self/ns/mnt", link, sizeof(link) - 1);
	if (n < 0 || (link[n] = '\0', sscanf(link, "mnt:[%" SCNu64 "]", &env->mntns) != 1)) {
		fprintf(stderr, "e2e: cannot read /proc/self/ns/mnt\n");
		return -1;
	}
	env->auid = read_id("/proc/self/loginuid");
	env->ses = read_id("/proc/self/sessionid");
	own_tty(env->tty, sizeof(env->tty));
	snprintf(env->scratch, sizeof(env->scratch), "/tmp/vfsaudit-e2e.XXXXXX");
	snprintf(env->lostdir, sizeof(env->lostdir), "/tmp/vfsaudit-e2e-lost.XXXXXX");
	if (!mkdtemp(env->scratch) || !mkdtemp(env->lostdir) || chmod(env->scratch, 0755)) {
		fprintf(stderr, "e2e: mkdtemp under /tmp: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; dirs[i]; i++) {
		snprintf(buf, sizeof(buf), "%s/%s", env->scratch, dirs[i]);
		if (mkdir(buf, 0755) || chmod(buf, !strcmp(dirs[i], "uid") ? 0777 : 0755)) {
			fprintf(stderr, "e2e: mkdir %s: %s\n", buf, strerror(errno));
			return -1;
		}
	}
	snprintf(env->true_bin, sizeof(env->true_bin), "%s/bin/true", env->scratch);
	if (copy_file("/bin/true", env->true_bin, 0755)) {
		fprintf(stderr, "e2e: copy /bin/true to %s: %s\n", env->true_bin, strerror(errno));
		return -1;
	}
	return 0;
}

static void make_case_dir(struct e2e_ctx *c, int idx)
{
	const char *base = c->tc->watcher == W_LOST ? c->env->lostdir : c->env->scratch;
	const char *sub = watcher_base[c->tc->watcher];
	char slug[48];
	size_t j = 0;

	for (const char *p = c->tc->name; *p && j < sizeof(slug) - 1; p++) {
		bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9');

		if (keep)
			slug[j++] = *p;
		else if (j && slug[j - 1] != '-')
			slug[j++] = '-';
	}
	while (j && slug[j - 1] == '-')
		j--;
	slug[j] = '\0';
	if (sub)
		snprintf(c->dir, sizeof(c->dir), "%s/%s/%02d-%s", base, sub, idx, slug);
	else
		snprintf(c->dir, sizeof(c->dir), "%s/%02d-%s", base, idx, slug);
}

static bool pid_in(const int64_t *set, size_t n, int64_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == pid)
			return true;
	return false;
}

/* The events that belong to the case: the child's (and its descendants'), or every text line. */
static void select_events(struct e2e_check *k, struct e2e_watcher *w, struct e2e_event **buf)
{
	int64_t set[64];
	size_t nset = 1;
	bool grew = true;

	set[0] = k->c->child;
	k->all = w->ev;
	k->n_all = w->n;
	k->ev = buf;
	k->n = 0;
	while ((k->c->tc->flags & E2E_TREE) && grew) {
		grew = false;
		for (size_t i = 0; i < k->n_all && nset < 64; i++) {
			struct json_object *o = k->all[i].o;
			int64_t pid = e2e_json_int(o, "pid", -1);

			if (o && !pid_in(set, nset, pid) &&
			    pid_in(set, nset, e2e_json_int(o, "ppid", -1))) {
				set[nset++] = pid;
				grew = true;
			}
		}
	}
	for (size_t i = 0; i < k->n_all; i++) {
		struct e2e_event *e = &k->all[i];

		if (!e->o || pid_in(set, nset, e2e_json_int(e->o, "pid", -1)))
			k->ev[k->n++] = e;
	}
}

static void run_check(struct e2e_check *k, struct e2e_ctx *c, struct e2e_watcher *w,
		      struct e2e_event ***buf, size_t *bufcap)
{
	memset(k, 0, sizeof(*k));
	k->c = c;
	if (*bufcap < w->n + 1) {
		size_t cap = (w->n + 1) * 2;
		struct e2e_event **nb = realloc(*buf, cap * sizeof(*nb));

		if (!nb) {
			e2e_fail(k, "out of memory");
			return;
		}
		*buf = nb;
		*bufcap = cap;
	}
	select_events(k, w, *buf);
	c->tc->check(k);
}

static void describe_child_failure(struct e2e_ctx *c, int status, char *reason, size_t len)
{
	if (c->shm->err[0])
		snprintf(reason, len, "child: %s", c->shm->err);
	else if (WIFSIGNALED(status))
		snprintf(reason, len, "child killed by signal %d", WTERMSIG(status));
	else
		snprintf(reason, len, "child exit status %d", WEXITSTATUS(status));
}

static uint64_t run_started;

/* Returns: how long to wait for missing events after the child exits. */
static uint64_t deadline_ns(void)
{
	return e2e_now_ns() - run_started > RUN_BUDGET_NS ? SHORT_DEADLINE : DEADLINE_NS;
}

/* E2E_DUMP=1: show what the case saw, on stderr. */
static void dump_events(const struct e2e_check *k)
{
	for (size_t i = 0; i < k->n; i++)
		fprintf(stderr, "  # %s\n",
			k->ev[i]->o ? json_object_to_json_string_ext(k->ev[i]->o,
								     JSON_C_TO_STRING_PLAIN)
				    : k->ev[i]->text);
}

/* Fork the child, then listen until the check is satisfied or the deadline passes. */
static int run_forked(struct e2e_ctx *c, struct e2e_watcher *w, char *reason, size_t len)
{
	const struct e2e_case *tc = c->tc;
	uint64_t start, exited_at = 0;
	struct e2e_event **buf = NULL;
	size_t bufcap = 0;
	struct e2e_check k;
	bool exited = false, settled = false;
	int status = 0, ret = -1;

	/* What the watcher printed before the fork is not this case's. */
	e2e_watch_pump(0);
	e2e_watch_clear(w);
	start = e2e_now_ns();
	c->child = fork();
	if (c->child < 0) {
		snprintf(reason, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (c->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "e2e-child");
		umask(022);
		tc->child(c);
		_exit(0);
	}
	for (;;) {
		if (!exited && (tc->flags & E2E_HOLD))
			usleep(5000);
		else
			e2e_watch_pump(exited ? 20 : 5);
		if (!exited) {
			if (waitpid(c->child, &status, WNOHANG) == c->child) {
				exited = true;
				exited_at = e2e_now_ns();
				if (!(tc->flags & E2E_ANYEXIT) &&
				    (!WIFEXITED(status) || WEXITSTATUS(status))) {
					describe_child_failure(c, status, reason, len);
					break;
				}
			} else if (e2e_now_ns() - start > CHILD_MAX_NS) {
				kill(c->child, SIGKILL);
				waitpid(c->child, &status, 0);
				snprintf(reason, len, "child still running after 15 s (killed)");
				break;
			}
			continue;
		}
		run_check(&k, c, w, &buf, &bufcap);
		/* An event not found may still come, unless the child's ops are all in already. */
		if (k.find_missing && !k.ops_done)
			k.incomplete = true;
		if (k.failed && k.incomplete && w->out_fd >= 0 &&
		    e2e_now_ns() - exited_at < deadline_ns())
			continue;
		if (k.failed && k.incomplete && w->out_fd < 0) {
			snprintf(reason, len, "watcher %s exited during the case; stderr: %.300s",
				 w->name, w->err);
			break;
		}
		if (!settled) {
			/* Passing or plainly wrong now: listen a little longer for stragglers. */
			e2e_watch_pump_for(tc->settle_ms ? tc->settle_ms : DEFAULT_SETTLE);
			settled = true;
			continue;
		}
		if (k.failed)
			snprintf(reason, len, "%s", k.msg);
		else
			ret = 0;
		if (getenv("E2E_DUMP"))
			dump_events(&k);
		break;
	}
	free(buf);
	return ret;
}

static int run_case(struct e2e_env *env, const struct e2e_case *tc, int idx, struct e2e_shm *shm,
		    char *reason, size_t len)
{
	struct e2e_ctx *c = calloc(1, sizeof(*c));
	unsigned int before[W__COUNT] = { 0 };
	int ret = -1;

	if (!c) {
		snprintf(reason, len, "out of memory");
		return -1;
	}
	c->env = env;
	c->tc = tc;
	c->shm = shm;
	memset(shm, 0, sizeof(*shm));
	make_case_dir(c, idx);
	if (mkdir(c->dir, 0755) && errno != EEXIST) {
		snprintf(reason, len, "mkdir %s: %s", c->dir, strerror(errno));
		goto out;
	}
	if (tc->watcher != W_NONE && !env->started[tc->watcher]) {
		snprintf(reason, len, "watcher %s: %s", watcher_names[tc->watcher],
			 env->start_error[tc->watcher]);
		goto out;
	}
	for (int i = 0; i < W__COUNT; i++)
		before[i] = env->w[i].nproblems;
	if (tc->setup && tc->setup(c)) {
		snprintf(reason, len, "%s", c->why);
		goto out;
	}
	if (tc->run) {
		ret = tc->run(c);
		if (ret)
			snprintf(reason, len, "%s", c->why);
	} else if (env->w[tc->watcher].out_fd < 0) {
		snprintf(reason, len, "watcher %s is gone; stderr: %.300s",
			 env->w[tc->watcher].name, env->w[tc->watcher].err);
	} else {
		ret = run_forked(c, &env->w[tc->watcher], reason, len);
	}
	for (int i = 0; i < W__COUNT; i++) {
		struct e2e_watcher *w = &env->w[i];
		size_t used = strlen(reason);

		if (!env->started[i] || w->nproblems == before[i])
			continue;
		snprintf(reason + used, len - used, "%swatcher %s stream: %s", ret ? "; " : "",
			 w->name, w->problems);
		w->problems[0] = '\0';
		w->nshown = 0;
		ret = -1;
	}
out:
	if (tc->cleanup)
		tc->cleanup(c);
	free(c);
	return ret;
}

/* Prints @s and a newline, control bytes escaped: one case, one line. */
static void print_one_line(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "binary", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *binary = "build/vfsaudit", *only = NULL;
	struct e2e_env *env;
	struct e2e_shm *shm;
	const struct e2e_case *all[256];
	int last_use[W__COUNT], n = 0, passed = 0, failed = 0, opt;
	char reason[16384];

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'b') {
			binary = optarg;
		} else if (opt == 'o') {
			only = optarg;
		} else {
			fprintf(stderr, "usage: e2e --binary PATH [--only SUBSTRING]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_started = e2e_now_ns();
	if (geteuid() != 0) {
		printf("e2e: skipped (needs root)\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	env = calloc(1, sizeof(*env));
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!env || shm == MAP_FAILED || env_init(env, binary)) {
		printf("e2e: 0 passed, 1 failed\n");
		return 1;
	}
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; i < *tables[t].n && n < 256; i++)
			if (!only || strstr(tables[t].cases[i].name, only))
				all[n++] = &tables[t].cases[i];
	for (int w = 0; w < W__COUNT; w++)
		last_use[w] = -1;
	for (int i = 0; i < n; i++)
		last_use[all[i]->watcher] = i;
	for (int i = 0; i < n; i++) {
		enum e2e_wid wid = all[i]->watcher;

		if (wid != W_NONE && !env->started[wid] && !env->start_error[wid][0]) {
			if (watcher_start(env, wid, env->start_error[wid],
					  sizeof(env->start_error[wid])) == 0)
				env->started[wid] = true;
		}
		reason[0] = '\0';
		if (run_case(env, all[i], i + 1, shm, reason, sizeof(reason)) == 0) {
			printf("ok - %s\n", all[i]->name);
			passed++;
		} else {
			printf("FAIL - %s: ", all[i]->name);
			print_one_line(reason);
			failed++;
		}
		for (int w = 1; w < W__COUNT; w++) {
			if (last_use[w] != i || !env->started[w] || env->stopped[w])
				continue;
			e2e_watch_stop(&env->w[w], env->stop_error[w], sizeof(env->stop_error[w]));
			env->stopped[w] = true;
			e2e_watch_free(&env->w[w]);
		}
	}
	e2e_rmtree(env->scratch);
	e2e_rmtree(env->lostdir);
	printf("e2e: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
