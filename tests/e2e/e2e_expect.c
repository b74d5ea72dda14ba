// SPDX-License-Identifier: GPL-2.0-or-later
/* Field checks: exact values, each failure naming field, expectation and what came. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "e2e_expect.h"

static void vappend(struct e2e_check *k, const char *fmt, va_list ap)
{
	size_t used = strlen(k->msg);

	if (used + 16 >= sizeof(k->msg))
		return;
	if (used)
		used += (size_t)snprintf(k->msg + used, sizeof(k->msg) - used, "; ");
	vsnprintf(k->msg + used, sizeof(k->msg) - used, fmt, ap);
}

void e2e_fail(struct e2e_check *k, const char *fmt, ...)
{
	va_list ap;

	k->failed = true;
	va_start(ap, fmt);
	vappend(k, fmt, ap);
	va_end(ap);
}

void e2e_missing(struct e2e_check *k, const char *fmt, ...)
{
	va_list ap;

	k->failed = true;
	k->incomplete = true;
	va_start(ap, fmt);
	vappend(k, fmt, ap);
	va_end(ap);
}

/* A path fit for a message: long ones keep their two ends. */
static const char *shorten(const char *s, char *buf, size_t len)
{
	size_t n;

	if (!s)
		return "(none)";
	n = strlen(s);
	if (n < 110)
		return s;
	snprintf(buf, len, "%.40s...(%zu bytes)...%s", s, n, s + n - 50);
	return buf;
}

/* "op path", to say which event a message is about. */
static const char *ev_name(struct json_object *e, char *buf, size_t len)
{
	char sb[160];

	snprintf(buf, len, "%s %s", e2e_json_str(e, "op") ? e2e_json_str(e, "op") : "?",
		 shorten(e2e_json_str(e, "path"), sb, sizeof(sb)));
	return buf;
}

static const char *val_text(struct json_object *e, const char *key, char *buf, size_t len)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(e, key, &v))
		return "(absent)";
	if (!v)
		return "null";
	s = json_object_to_json_string_ext(v,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strlen(s) < 120)
		return s;
	snprintf(buf, len, "%.60s...%s", s, s + strlen(s) - 50);
	return buf;
}

#define MISMATCH(k, e, key, wantfmt, ...)                                                          \
	do {                                                                                       \
		char nb_[256], vb_[160];                                                           \
		e2e_fail(k, "%s: %s: expected " wantfmt ", got %s", ev_name(e, nb_, sizeof(nb_)),  \
			 key, __VA_ARGS__, val_text(e, key, vb_, sizeof(vb_)));                    \
	} while (0)

void e2e_str(struct e2e_check *k, struct json_object *e, const char *key, const char *want)
{
	if (!want) {
		e2e_null(k, e, key);
		return;
	}
	e2e_strn(k, e, key, want, strlen(want));
}

void e2e_strn(struct e2e_check *k, struct json_object *e, const char *key, const char *want,
	      size_t len)
{
	struct json_object *v;
	char sb[160];

	if (json_object_object_get_ex(e, key, &v) && v &&
	    json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) == len &&
	    !memcmp(json_object_get_string(v), want, len))
		return;
	MISMATCH(k, e, key, "\"%s\"", shorten(want, sb, sizeof(sb)));
}

void e2e_int(struct e2e_check *k, struct json_object *e, const char *key, int64_t want)
{
	struct json_object *v;

	if (json_object_object_get_ex(e, key, &v) && v && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) == want)
		return;
	MISMATCH(k, e, key, "%" PRId64, want);
}

void e2e_null(struct e2e_check *k, struct json_object *e, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(e, key, &v) && !v)
		return;
	MISMATCH(k, e, key, "%s", "null");
}

void e2e_absent(struct e2e_check *k, struct json_object *e, const char *key)
{
	if (!json_object_object_get_ex(e, key, NULL))
		return;
	MISMATCH(k, e, key, "%s", "(absent)");
}

void e2e_true(struct e2e_check *k, struct json_object *e, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(e, key, &v) && v &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
		return;
	MISMATCH(k, e, key, "%s", "true");
}

void e2e_not_true(struct e2e_check *k, struct json_object *e, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(e, key, &v) ||
	    (v && json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)))
		return;
	MISMATCH(k, e, key, "%s", "absent or false");
}

static void list_text(const char *const *want, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + 4 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s\"%s\"", i ? "," : "[",
					 want[i]);
	if (used + 2 < len)
		snprintf(buf + used, len - used, "%s", n ? "]" : "[]");
}

void e2e_list(struct e2e_check *k, struct json_object *e, const char *key, const char *const *want,
	      size_t n)
{
	struct json_object *v;
	char wb[512];
	bool ok = json_object_object_get_ex(e, key, &v) && v &&
		  json_object_is_type(v, json_type_array) && json_object_array_length(v) == n;

	for (size_t i = 0; ok && i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		ok = s && json_object_is_type(s, json_type_string) &&
		     !strcmp(json_object_get_string(s), want[i]);
	}
	if (ok)
		return;
	list_text(want, n, wb, sizeof(wb));
	MISMATCH(k, e, key, "%s", wb);
}

void e2e_flags(struct e2e_check *k, struct json_object *e, const char *want)
{
	char copy[256], *save = NULL, *tok;
	struct json_object *v;
	size_t nwant = 0, nhave = 0;
	bool ok = json_object_object_get_ex(e, "flags", &v) && v &&
		  json_object_is_type(v, json_type_array);

	snprintf(copy, sizeof(copy), "%s", want);
	for (tok = strtok_r(copy, " ", &save); ok && tok; tok = strtok_r(NULL, " ", &save)) {
		bool found = false;

		nwant++;
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(v, i));

			if (s && !strcmp(s, tok))
				found = true;
		}
		ok = found;
	}
	for (size_t i = 0; ok && i < json_object_array_length(v); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(v, i));

		if (!s || strcmp(s, "O_LARGEFILE"))
			nhave++;
	}
	if (ok && nhave == nwant)
		return;
	MISMATCH(k, e, "flags", "[%s]", want);
}

const char *e2e_ftype_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "symlink";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "chr";
	case S_IFBLK:
		return "blk";
	default:
		return "?";
	}
}

/* ts is RFC 3339 UTC with nanoseconds, and close to now. */
static void check_ts(struct e2e_check *k, struct json_object *e)
{
	const char *ts = e2e_json_str(e, "ts");
	struct tm tm = { 0 };
	unsigned int ns;
	char z = 0, nb[256];
	int used = 0;
	time_t t;

	if (ts && strlen(ts) == 30 &&
	    sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%9u%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ns, &z, &used) == 8 &&
	    z == 'Z' && used == 30 && ts[19] == '.') {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		t = timegm(&tm);
		if (llabs((long long)(t - time(NULL))) <= 120)
			return;
		e2e_fail(k, "%s: ts: %s is not within 2 minutes of now", ev_name(e, nb, sizeof(nb)),
			 ts);
		return;
	}
	e2e_fail(k, "%s: ts: expected RFC 3339 UTC with nanoseconds, got %s",
		 ev_name(e, nb, sizeof(nb)), ts ? ts : "(not a string)");
}

static void check_id(struct e2e_check *k, struct json_object *e, const char *key, int64_t want)
{
	if (want < 0)
		e2e_null(k, e, key);
	else
		e2e_int(k, e, key, want);
}

void e2e_proc(struct e2e_check *k, struct json_object *e, const struct e2e_proc *p)
{
	char nb[256];

	e2e_int(k, e, "pid", p->pid);
	e2e_int(k, e, "tid", p->tid);
	e2e_int(k, e, "ppid", p->ppid);
	e2e_int(k, e, "uid", p->uid);
	e2e_int(k, e, "euid", p->euid);
	e2e_int(k, e, "gid", p->gid);
	check_id(k, e, "auid", p->auid);
	check_id(k, e, "ses", p->ses);
	if (!p->tty || strcmp(p->tty, "?"))
		e2e_str(k, e, "tty", p->tty);
	e2e_str(k, e, "comm", p->comm);
	e2e_str(k, e, "exe", p->exe);
	e2e_int(k, e, "mntns", (int64_t)p->mntns);
	if (e2e_json_int(e, "seq", -1) < 0)
		e2e_fail(k, "%s: seq: expected an integer, got none", ev_name(e, nb, sizeof(nb)));
	check_ts(k, e);
}

struct e2e_proc e2e_proc_child(struct e2e_check *k)
{
	struct e2e_env *env = k->c->env;

	return (struct e2e_proc){
		.pid = k->c->child,
		.tid = k->c->child,
		.ppid = env->pid,
		.uid = 0,
		.euid = 0,
		.gid = 0,
		.auid = env->auid,
		.ses = env->ses,
		.comm = "e2e-child",
		.exe = env->self_exe,
		.mntns = env->mntns,
		.tty = env->tty[0] ? env->tty : NULL,
	};
}

void e2e_common(struct e2e_check *k, struct json_object *e)
{
	struct e2e_proc p = e2e_proc_child(k);
	char nb[256];

	e2e_proc(k, e, &p);
	if (e2e_json_int(e, "ret", -1) < 0)
		e2e_fail(k, "%s: ret: expected >= 0, got %s", ev_name(e, nb, sizeof(nb)),
			 val_text(e, "ret", nb + 128, 128));
	e2e_absent(k, e, "error");
}

void e2e_errno(struct e2e_check *k, struct json_object *e, int errnum)
{
	e2e_int(k, e, "ret", -errnum);
	e2e_str(k, e, "error", strerrorname_np(errnum));
}

void e2e_dev(struct e2e_check *k, struct json_object *e, uint64_t dev)
{
	char want[32];

	snprintf(want, sizeof(want), "%u:%u", major(dev), minor(dev));
	e2e_str(k, e, "dev", want);
}

void e2e_obj_st(struct e2e_check *k, struct json_object *e, const struct stat *st, unsigned int how)
{
	struct json_object *v;

	if (!(how & E2E_OPTIONAL) || !json_object_object_get_ex(e, "dev", &v) || v)
		e2e_dev(k, e, st->st_dev);
	if (!(how & E2E_OPTIONAL) || !json_object_object_get_ex(e, "ino", &v) || v)
		e2e_int(k, e, "ino", (int64_t)st->st_ino);
	if (!(how & E2E_OPTIONAL) || !json_object_object_get_ex(e, "ftype", &v) || v)
		e2e_str(k, e, "ftype", e2e_ftype_name(st->st_mode));
}

void e2e_obj(struct e2e_check *k, struct json_object *e, const char *path, unsigned int how)
{
	struct stat st;
	char sb[160];

	if ((how & E2E_FOLLOW) ? stat(path, &st) : lstat(path, &st)) {
		e2e_fail(k, "cannot stat %s to compare dev/ino: %s", shorten(path, sb, sizeof(sb)),
			 strerror(errno));
		return;
	}
	e2e_obj_st(k, e, &st, how);
}

void e2e_obj_missing(struct e2e_check *k, struct json_object *e, const char *path)
{
	char dir[PATH_MAX], *slash;
	struct json_object *v;
	struct stat st;

	e2e_null(k, e, "ino");
	e2e_null(k, e, "ftype");
	if (!json_object_object_get_ex(e, "dev", &v) || !v)
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (stat(dir[0] ? dir : "/", &st)) {
		e2e_fail(k, "cannot stat %s: %s", dir, strerror(errno));
		return;
	}
	e2e_dev(k, e, st.st_dev);
}

struct json_object *e2e_one(struct e2e_check *k, const char *ops, const char *op, const char *rel)
{
	struct json_object *e = e2e_find(k, op, e2e_dpath(k->c, rel), 0);

	e2e_ops(k, ops);
	if (e)
		e2e_common(k, e);
	return e;
}

static bool ev_is(struct json_object *e, const char *op, const char *path)
{
	const char *o = e2e_json_str(e, "op"), *p = e2e_json_str(e, "path");

	return o && !strcmp(o, op) && (!path || (p && !strcmp(p, path)));
}

/* The child's events as "op path" items, for messages. */
static void list_events(struct e2e_check *k, char *buf, size_t len)
{
	size_t used = 0;
	char nb[256];

	buf[0] = '\0';
	for (size_t i = 0; i < k->n && used + 8 < len; i++) {
		if (i == 12) {
			snprintf(buf + used, len - used, ", ... %zu in all", k->n);
			return;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 k->ev[i]->o ? ev_name(k->ev[i]->o, nb, sizeof(nb))
						     : k->ev[i]->text);
	}
}

struct json_object *e2e_find(struct e2e_check *k, const char *op, const char *path, size_t nth)
{
	char sb[160], lb[1200];
	size_t seen = 0;

	for (size_t i = 0; i < k->n; i++) {
		struct json_object *e = k->ev[i]->o;

		if (e && ev_is(e, op, path) && seen++ == nth)
			return e;
	}
	list_events(k, lb, sizeof(lb));
	k->find_missing = true;
	e2e_fail(k, "no%s %s event for %s from the child; its events: [%s]", nth ? " further" : "",
		 op, path ? shorten(path, sb, sizeof(sb)) : "any path", lb);
	return NULL;
}

size_t e2e_count(struct e2e_check *k, const char *op, const char *path)
{
	size_t n = 0;

	for (size_t i = 0; i < k->n; i++)
		if (k->ev[i]->o && ev_is(k->ev[i]->o, op, path))
			n++;
	return n;
}

void e2e_ops(struct e2e_check *k, const char *want)
{
	char copy[512], *save = NULL, *tok, lb[1200];
	size_t i = 0;
	bool ok = true;

	snprintf(copy, sizeof(copy), "%s", want);
	for (tok = strtok_r(copy, " ", &save); tok && ok; tok = strtok_r(NULL, " ", &save)) {
		size_t tl = strlen(tok);
		bool plus = tl && tok[tl - 1] == '+';
		size_t matched = 0;

		if (plus)
			tok[--tl] = '\0';
		while (i < k->n && k->ev[i]->o) {
			const char *op = e2e_json_str(k->ev[i]->o, "op");

			if (!op || strcmp(op, tok))
				break;
			i++;
			matched++;
			if (!plus)
				break;
		}
		if (!matched) {
			ok = false;
			/* Events come in order: running out means more may come. */
			if (i >= k->n) {
				list_events(k, lb, sizeof(lb));
				e2e_missing(k, "ops: expected [%s], got so far [%s]", want, lb);
				return;
			}
		}
	}
	if (ok && i == k->n) {
		k->ops_done = true;
		return;
	}
	list_events(k, lb, sizeof(lb));
	e2e_fail(k, "ops: expected exactly [%s], got [%s]", want, lb);
}

void e2e_sum(struct e2e_check *k, const char *op, const char *path, const char *key, int64_t want)
{
	int64_t sum = 0;
	char sb[160];

	for (size_t i = 0; i < k->n; i++)
		if (k->ev[i]->o && ev_is(k->ev[i]->o, op, path))
			sum += e2e_json_int(k->ev[i]->o, key, 0);
	if (sum == want)
		return;
	if (sum < want)
		e2e_missing(k,
			    "sum of %s over %s events on %s: expected %" PRId64 ", got %" PRId64
			    " so far",
			    key, op, path ? shorten(path, sb, sizeof(sb)) : "any path", want, sum);
	else
		e2e_fail(k, "sum of %s over %s events on %s: expected %" PRId64 ", got %" PRId64,
			 key, op, path ? shorten(path, sb, sizeof(sb)) : "any path", want, sum);
}
