/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A `vfsaudit watch` subprocess and the lines it prints. Every watcher that
 * is running is drained by e2e_watch_pump(), whichever case is looking at
 * it, so no watcher ever blocks on a full pipe (which would make it lose
 * events and fail cases that have nothing to do with it).
 */
#ifndef E2E_WATCH_H
#define E2E_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

struct e2e_event {
	struct json_object *o; /* JSON watchers; NULL for text */
	char *text;	       /* text watchers: the line without '\n' */
	size_t text_len;
	uint64_t at_ns; /* CLOCK_MONOTONIC when the line was read */
};

struct e2e_watcher {
	char name[32];
	bool json;
	bool consecutive; /* seq must go up by exactly one */
	bool running;
	bool ready;
	pid_t pid;
	int out_fd, err_fd;
	char *obuf; /* stdout bytes not yet ending in '\n' */
	size_t olen, ocap;
	char err[4096]; /* stderr, the ready line included */
	size_t errlen;
	struct e2e_event *ev;
	size_t n, cap;
	int64_t last_seq;
	unsigned int nproblems; /* invalid lines, seq errors, own pid */
	unsigned int nshown;	/* of those, how many @problems spells out (reset by the reader) */
	char problems[1024];
	bool exited;
	int status; /* waitpid status once exited */
};

/* Returns: CLOCK_MONOTONIC in nanoseconds. */
uint64_t e2e_now_ns(void);

/**
 * e2e_watch_start() - run @argv (argv[0] the vfsaudit binary) and wait for
 * its `ready` line on stderr.
 *
 * Returns: 0, or -1 with the reason (and the watcher's stderr) in @why.
 */
int e2e_watch_start(struct e2e_watcher *w, const char *name, char *const argv[], bool json,
		    char *why, size_t len);

/* Read whatever every running watcher has printed, waiting up to @timeout_ms for the first byte. */
void e2e_watch_pump(int timeout_ms);

/* Pump for @ms milliseconds. */
void e2e_watch_pump_for(int ms);

/**
 * e2e_watch_stop() - SIGTERM, drain stdout to EOF, reap.
 *
 * Returns: 0 when it exited with status 0, else -1 with the reason in @why.
 */
int e2e_watch_stop(struct e2e_watcher *w, char *why, size_t len);

/* Forget the lines read so far. */
void e2e_watch_clear(struct e2e_watcher *w);

/* Free what a stopped watcher holds. */
void e2e_watch_free(struct e2e_watcher *w);

/* Returns: @o's integer member @key, or @def when absent, null or not an integer. */
int64_t e2e_json_int(struct json_object *o, const char *key, int64_t def);

/* Returns: @o's string member @key, or NULL. */
const char *e2e_json_str(struct json_object *o, const char *key);

#endif
