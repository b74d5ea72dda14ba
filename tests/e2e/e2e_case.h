/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One end-to-end case: optional setup in the runner, real syscalls in a
 * forked child, then a check over the events the watcher printed for that
 * child. The case tables live in e2e_cases_*.c, grouped by theme.
 */
#ifndef E2E_CASE_H
#define E2E_CASE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "e2e_watch.h"

/* The watchers; each is started before its first case and stopped after its last. */
enum e2e_wid {
	W_NONE,	 /* the case runs commands itself */
	W_MAIN,	 /* --ops all --no-default-excludes --path S --path /dev/null */
	W_TEXT,	 /* --format text --ops all --path S/text */
	W_COMM,	 /* --ops all --no-default-excludes --comm e2e-comm */
	W_FILT,	 /* --ops all --path S/filt/etc --exclude S/filt/etc/skip */
	W_UID,	 /* --ops all --uid 65534 --path S/uid */
	W_OPS,	 /* --ops exec --path S */
	W_EVERY, /* --ops all --every-call --path S/every */
	W_LOST,	 /* --ops all --buffer-size 4k --path L */
	W_SELF,	 /* --ops all --no-default-excludes --comm vfsaudit */
	W_CHG,	 /* --path S/chg (default ops: changes) */
	W_DEV,	 /* --ops all --no-default-excludes --path S/devf --path /dev/null --dev HEX(S) */
	W__COUNT,
};

struct e2e_env {
	char binary[PATH_MAX]; /* vfsaudit, absolute */
	char scratch[256];     /* S: mkdtemp, mode 0755 */
	char lostdir[256];     /* L: mkdtemp outside S, so W_MAIN does not see the flood */
	char self_exe[PATH_MAX];
	char true_bin[PATH_MAX]; /* S/bin/true, a copy of /bin/true inside the watched tree */
	uint64_t mntns;
	int64_t auid, ses; /* -1: unset, JSON null */
	char tty[32];	   /* "": null; "?": not checked */
	pid_t pid;
	struct e2e_watcher w[W__COUNT];
	bool started[W__COUNT];
	char start_error[W__COUNT][512];
	char stop_error[W__COUNT][512];
	bool stopped[W__COUNT];
};

/* Shared with the child (MAP_SHARED): what it found out, for the check. */
struct e2e_shm {
	char err[1024]; /* why the child gave up */
	int64_t v[16];
	char s[2][256];
};

#define E2E_TREE    0x1 /* the child's descendants' events count too */
#define E2E_ANYEXIT 0x2 /* the child's exit status is not a failure */
#define E2E_HOLD    0x4 /* read no watcher output until the child exits: a stalled consumer */

struct e2e_ctx;
struct e2e_check;

struct e2e_case {
	const char *name;
	enum e2e_wid watcher;
	unsigned int flags;
	/* Runner side, before the fork. Returns: 0, or -1 with the reason in c->why. */
	int (*setup)(struct e2e_ctx *c);
	/* The child's syscalls; returning means _exit(0). */
	void (*child)(struct e2e_ctx *c);
	/* Judges the events; see e2e_expect.h. */
	void (*check)(struct e2e_check *k);
	void (*cleanup)(struct e2e_ctx *c);
	/* Instead of setup/child/check: the whole case. Returns: 0 pass, -1 with c->why. */
	int (*run)(struct e2e_ctx *c);
	int settle_ms; /* keep listening this long after the check passes (default 100) */
};

/* A table row: name, watcher, flags, setup, child, check, then any `.field = value`. */
#define E2E_CASE(n, w, fl, su, ch, ck, ...)                                                        \
	{                                                                                          \
		.name = (n), .watcher = (w), .flags = (fl), .setup = (su), .child = (ch),          \
		.check = (ck), __VA_ARGS__                                                         \
	}

struct e2e_ctx {
	struct e2e_env *env;
	const struct e2e_case *tc;
	char dir[512]; /* D: this case's directory */
	struct e2e_shm *shm;
	pid_t child;
	struct stat st[4]; /* what setup saw, for objects the case removes */
	char why[8192];
	char paths[16][PATH_MAX];
	unsigned int next_path;
};

/* Returns: "D/@rel" in one of the context's rotating buffers (16 live at a time). */
const char *e2e_dpath(struct e2e_ctx *c, const char *rel);
/* Returns: "S/@rel", likewise. */
const char *e2e_spath(struct e2e_ctx *c, const char *rel);

/* In the child: record why it stops and _exit(99). */
void e2e_child_fail(struct e2e_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* In the child: fail with the expression's text and errno when it is negative. */
#define CK(c, expr)                                                                                \
	do {                                                                                       \
		if ((long)(expr) < 0)                                                              \
			e2e_child_fail(c, "%s:%d: %s: %m", __FILE__, __LINE__, #expr);             \
	} while (0)

/* In setup: record the reason and return -1 from the calling function. */
#define SK(c, expr)                                                                                \
	do {                                                                                       \
		if ((long)(expr) < 0) {                                                            \
			snprintf((c)->why, sizeof((c)->why), "setup: %s: %m", #expr);              \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

/* Helpers for setups and children. Returns: 0, or -1 with errno set. */
int e2e_write_file(const char *path, const char *data, mode_t mode);
int e2e_rmtree(const char *path);

/* Common setups. Returns: 0, or -1 with c->why. D/f holds ten bytes (lstat in st[0]). */
int e2e_setup_file(struct e2e_ctx *c);
/* D/f, and D/l -> f. */
int e2e_setup_link(struct e2e_ctx *c);
/* The directory D/d (lstat in st[0]). */
int e2e_setup_dir(struct e2e_ctx *c);

/**
 * e2e_run_cmd() - run @argv to completion (at most @timeout_ms), collecting
 * its stdout and stderr (NUL-terminated, cut to the buffers).
 *
 * Returns: 0 with its waitpid status in @status, or -1 with errno set
 * (ETIMEDOUT: it was killed).
 */
int e2e_run_cmd(char *const argv[], int timeout_ms, int *status, char *out, size_t outlen,
		char *err, size_t errlen);

/* The tables, one per theme. */
extern const struct e2e_case e2e_cases_ops[];
extern const size_t e2e_n_cases_ops;
extern const struct e2e_case e2e_cases_attrs[];
extern const size_t e2e_n_cases_attrs;
extern const struct e2e_case e2e_cases_names[];
extern const size_t e2e_n_cases_names;
extern const struct e2e_case e2e_cases_paths[];
extern const size_t e2e_n_cases_paths;
extern const struct e2e_case e2e_cases_proc[];
extern const size_t e2e_n_cases_proc;
extern const struct e2e_case e2e_cases_special[];
extern const size_t e2e_n_cases_special;
extern const struct e2e_case e2e_cases_filters[];
extern const size_t e2e_n_cases_filters;
extern const struct e2e_case e2e_cases_stream[];
extern const size_t e2e_n_cases_stream;
extern const struct e2e_case e2e_cases_cli[];
extern const size_t e2e_n_cases_cli;
extern const struct e2e_case e2e_cases_store[];
extern const size_t e2e_n_cases_store;
extern const struct e2e_case e2e_cases_stall[];
extern const size_t e2e_n_cases_stall;
extern const struct e2e_case e2e_cases_sinks[];
extern const size_t e2e_n_cases_sinks;
extern const struct e2e_case e2e_cases_tamper[];
extern const size_t e2e_n_cases_tamper;
extern const struct e2e_case e2e_cases_hard[];
extern const size_t e2e_n_cases_merge;
extern const struct e2e_case e2e_cases_merge[];
extern const struct e2e_case e2e_cases_borrow[];
extern const size_t e2e_n_cases_borrow;
extern const size_t e2e_n_cases_hard;

#endif
