// SPDX-License-Identifier: GPL-2.0-or-later
/* The watcher subprocesses: start, drain, validate every line, stop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_watch.h"

#define MAX_RUNNING 16

static struct e2e_watcher *running[MAX_RUNNING];

uint64_t e2e_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t e2e_json_int(struct json_object *o, const char *key, int64_t def)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v ||
	    !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

const char *e2e_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void problem(struct e2e_watcher *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Keeps the first few problems verbatim and counts the rest. */
static void problem(struct e2e_watcher *w, const char *fmt, ...)
{
	size_t used = strlen(w->problems);
	va_list ap;

	w->nproblems++;
	if (w->nshown++ >= 3 || used + 8 >= sizeof(w->problems))
		return;
	if (used)
		used += (size_t)snprintf(w->problems + used, sizeof(w->problems) - used, "; ");
	va_start(ap, fmt);
	vsnprintf(w->problems + used, sizeof(w->problems) - used, fmt, ap);
	va_end(ap);
}

static void register_running(struct e2e_watcher *w)
{
	for (int i = 0; i < MAX_RUNNING; i++) {
		if (!running[i]) {
			running[i] = w;
			return;
		}
	}
}

static void unregister_running(struct e2e_watcher *w)
{
	for (int i = 0; i < MAX_RUNNING; i++)
		if (running[i] == w)
			running[i] = NULL;
}

static void push_event(struct e2e_watcher *w, struct e2e_event *e)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct e2e_event *nv = realloc(w->ev, cap * sizeof(*nv));

		if (!nv) {
			problem(w, "out of memory storing events");
			json_object_put(e->o);
			free(e->text);
			return;
		}
		w->ev = nv;
		w->cap = cap;
	}
	w->ev[w->n++] = *e;
}

/* Validate one JSON line: it parses completely, is strict UTF-8, seq goes up, pid is not ours. */
static void take_json_line(struct e2e_watcher *w, const char *line, size_t len, uint64_t now)
{
	struct json_tokener *tok = json_tokener_new();
	struct e2e_event e = { .at_ns = now };
	int64_t seq;

	if (!tok) {
		problem(w, "out of memory parsing");
		return;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	e.o = json_tokener_parse_ex(tok, line, (int)len);
	if (!e.o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(e.o, json_type_object)) {
		problem(w, "invalid JSON line (%zu bytes): %.120s", len, line);
		json_object_put(e.o);
		json_tokener_free(tok);
		return;
	}
	json_tokener_free(tok);
	seq = e2e_json_int(e.o, "seq", -1);
	if (seq < 0)
		problem(w, "line without an integer seq: %.120s", line);
	else if (w->last_seq >= 0 && seq <= w->last_seq)
		problem(w, "seq not increasing: %lld after %lld", (long long)seq,
			(long long)w->last_seq);
	else if (w->consecutive && w->last_seq >= 0 && seq != w->last_seq + 1)
		problem(w, "seq gap: %lld after %lld", (long long)seq, (long long)w->last_seq);
	if (seq >= 0)
		w->last_seq = seq;
	if (e2e_json_int(e.o, "pid", -1) == w->pid)
		problem(w, "reported its own pid %d: %.160s", (int)w->pid, line);
	push_event(w, &e);
}

static void take_text_line(struct e2e_watcher *w, const char *line, size_t len, uint64_t now)
{
	struct e2e_event e = { .at_ns = now, .text_len = len };

	e.text = malloc(len + 1);
	if (!e.text) {
		problem(w, "out of memory storing a line");
		return;
	}
	memcpy(e.text, line, len);
	e.text[len] = '\0';
	push_event(w, &e);
}

static void split_lines(struct e2e_watcher *w, uint64_t now)
{
	size_t start = 0;

	for (size_t i = 0; i < w->olen; i++) {
		if (w->obuf[i] != '\n')
			continue;
		if (w->json)
			take_json_line(w, w->obuf + start, i - start, now);
		else
			take_text_line(w, w->obuf + start, i - start, now);
		start = i + 1;
	}
	memmove(w->obuf, w->obuf + start, w->olen - start);
	w->olen -= start;
}

static void read_out(struct e2e_watcher *w)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(w->out_fd, buf, sizeof(buf))) > 0) {
		uint64_t now = e2e_now_ns();

		if (w->olen + (size_t)n > w->ocap) {
			size_t cap = w->ocap ? w->ocap : 65536;
			char *nb;

			while (cap < w->olen + (size_t)n)
				cap *= 2;
			nb = realloc(w->obuf, cap);
			if (!nb) {
				problem(w, "out of memory reading");
				return;
			}
			w->obuf = nb;
			w->ocap = cap;
		}
		memcpy(w->obuf + w->olen, buf, (size_t)n);
		w->olen += (size_t)n;
		split_lines(w, now);
	}
	if (n == 0) {
		if (w->olen)
			problem(w, "output ends in a partial line: %.120s", w->obuf);
		close(w->out_fd);
		w->out_fd = -1;
	}
}

static void read_err(struct e2e_watcher *w)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(w->err_fd, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(w->err) - 1 - w->errlen;
		size_t take = (size_t)n < room ? (size_t)n : room;

		memcpy(w->err + w->errlen, buf, take);
		w->errlen += take;
		w->err[w->errlen] = '\0';
	}
	if (n == 0) {
		close(w->err_fd);
		w->err_fd = -1;
	}
	if (!w->ready && (!strncmp(w->err, "ready", 5) || strstr(w->err, "\nready")))
		w->ready = true;
}

void e2e_watch_pump(int timeout_ms)
{
	struct pollfd pfd[2 * MAX_RUNNING];
	struct e2e_watcher *who[2 * MAX_RUNNING];
	int n = 0;

	for (int i = 0; i < MAX_RUNNING; i++) {
		struct e2e_watcher *w = running[i];

		if (!w)
			continue;
		if (w->out_fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = w->out_fd, .events = POLLIN };
			who[n++] = w;
		}
		if (w->err_fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = w->err_fd, .events = POLLIN };
			who[n++] = w;
		}
	}
	if (!n) {
		if (timeout_ms > 0)
			usleep((useconds_t)timeout_ms * 1000);
		return;
	}
	if (poll(pfd, (nfds_t)n, timeout_ms) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == who[i]->out_fd)
			read_out(who[i]);
		else if (pfd[i].fd == who[i]->err_fd)
			read_err(who[i]);
	}
}

void e2e_watch_pump_for(int ms)
{
	uint64_t end = e2e_now_ns() + (uint64_t)ms * 1000000ull;
	uint64_t now;

	while ((now = e2e_now_ns()) < end)
		e2e_watch_pump((int)((end - now) / 1000000ull) + 1);
}

static bool reap(struct e2e_watcher *w)
{
	if (!w->exited && waitpid(w->pid, &w->status, WNOHANG) == w->pid)
		w->exited = true;
	return w->exited;
}

int e2e_watch_start(struct e2e_watcher *w, const char *name, char *const argv[], bool json,
		    char *why, size_t len)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	uint64_t deadline;

	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->json = json;
	w->last_seq = -1;
	w->out_fd = w->err_fd = -1;
	if (pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		goto fail;
	}
	/* Room for bursts while the runner is busy in a case's setup. */
	fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
	w->pid = fork();
	if (w->pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		goto fail;
	}
	if (w->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	w->out_fd = out[0];
	w->err_fd = errp[0];
	fcntl(w->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(w->err_fd, F_SETFL, O_NONBLOCK);
	w->running = true;
	register_running(w);
	deadline = e2e_now_ns() + 20ull * 1000000000ull;
	while (!w->ready && e2e_now_ns() < deadline) {
		e2e_watch_pump(50);
		if (w->err_fd < 0 && !w->ready)
			break;
	}
	if (w->ready)
		return 0;
	snprintf(why, len, "watcher %s did not print `ready`; stderr: %.300s", name, w->err);
	kill(w->pid, SIGKILL);
	waitpid(w->pid, &w->status, 0);
	w->exited = true;
	unregister_running(w);
	w->running = false;
	if (w->out_fd >= 0)
		close(w->out_fd);
	if (w->err_fd >= 0)
		close(w->err_fd);
	w->out_fd = w->err_fd = -1;
	return -1;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return -1;
}

int e2e_watch_stop(struct e2e_watcher *w, char *why, size_t len)
{
	uint64_t deadline = e2e_now_ns() + 10ull * 1000000000ull;
	int ret = 0;

	if (!w->running) {
		snprintf(why, len, "watcher %s was not running", w->name);
		return -1;
	}
	if (!w->exited)
		kill(w->pid, SIGTERM);
	while ((w->out_fd >= 0 || w->err_fd >= 0 || !reap(w)) && e2e_now_ns() < deadline)
		e2e_watch_pump(20);
	if (!reap(w)) {
		snprintf(why, len, "watcher %s still running 10 s after SIGTERM", w->name);
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &w->status, 0);
		w->exited = true;
		ret = -1;
	} else if (!WIFEXITED(w->status) || WEXITSTATUS(w->status) != 0) {
		if (WIFSIGNALED(w->status))
			snprintf(why, len, "watcher %s: killed by signal %d after SIGTERM", w->name,
				 WTERMSIG(w->status));
		else
			snprintf(
				why, len,
				"watcher %s: exit status %d after SIGTERM (want 0); stderr: %.200s",
				w->name, WEXITSTATUS(w->status), w->err);
		ret = -1;
	}
	unregister_running(w);
	w->running = false;
	if (w->out_fd >= 0)
		close(w->out_fd);
	if (w->err_fd >= 0)
		close(w->err_fd);
	w->out_fd = w->err_fd = -1;
	return ret;
}

void e2e_watch_clear(struct e2e_watcher *w)
{
	for (size_t i = 0; i < w->n; i++) {
		json_object_put(w->ev[i].o);
		free(w->ev[i].text);
	}
	w->n = 0;
}

void e2e_watch_free(struct e2e_watcher *w)
{
	e2e_watch_clear(w);
	free(w->ev);
	free(w->obuf);
	w->ev = NULL;
	w->obuf = NULL;
	w->cap = w->ocap = w->olen = 0;
}
