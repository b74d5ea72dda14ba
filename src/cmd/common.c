// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <json-c/json.h>

#include "cmd.h"
#include "common.h"
#include "store.h"
#include "escape.h"
#include "timefmt.h"

uint64_t now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void fmt_local(uint64_t ns, char *buf, size_t len, int zone)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, zone ? "%Y-%m-%d %H:%M:%S %Z" : "%Y-%m-%d %H:%M:%S", &tm);
}

/*
 * A name lookup can cost dozens of system calls (NSS modules, userdb): a
 * history of thousands of events by a few users asks only once per uid.
 */
void user_name(uint32_t uid, char *buf, size_t len)
{
	static struct {
		uint32_t uid;
		bool used;
		char name[64];
	} cache[32];
	struct passwd pw, *res = NULL;
	char tmp[1024];
	size_t slot = uid % (sizeof(cache) / sizeof(cache[0]));

	if (!cache[slot].used || cache[slot].uid != uid) {
		if (!getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) && res)
			snprintf(cache[slot].name, sizeof(cache[slot].name), "%s", res->pw_name);
		else
			snprintf(cache[slot].name, sizeof(cache[slot].name), "#%u", uid);
		cache[slot].uid = uid;
		cache[slot].used = true;
	}
	snprintf(buf, len, "%s", cache[slot].name);
}

/* Where the window's first part without records ends (0: none): the store's begin, or until. */
static uint64_t before_begin(uint64_t since, uint64_t until, const struct va_store_begin *sb)
{
	if (!sb->first_ns || since >= sb->first_ns)
		return 0;
	return until && until < sb->first_ns ? until : sb->first_ns;
}

void print_gaps(FILE *out, const struct va_gap *gaps, size_t n, uint64_t since, uint64_t until,
		const struct va_store_begin *sb)
{
	uint64_t begin = before_begin(since, until, sb);
	char a[64], b[64];

	if (begin) {
		fmt_local(begin, a, sizeof(a), 1);
		fprintf(out, "no record before %s: %s\n", a,
			sb->pruned ? "older records were removed (retain)"
				   : "the auditor was not yet recording");
	}
	for (size_t i = 0; i < n; i++) {
		const struct va_gap *g = &gaps[i];

		/* The zone once per line: at the end of a range, or after a lone time. */
		fmt_local(g->from_ns, a, sizeof(a), !g->to_ns || g->unsaved);
		if (g->unsaved) {
			fprintf(out, "%llu events not stored from %s (store queue or disk full)\n",
				(unsigned long long)g->unsaved, a);
		} else if (g->to_ns && g->to_ns - g->from_ns < 1000000000ull) {
			/* A restart within a second: "between 11:43:18 and 11:43:18" says little.
			 */
			fmt_local(g->from_ns, a, sizeof(a), 1);
			fprintf(out, "no record for %llu ms at %s: auditor not running%s\n",
				(unsigned long long)((g->to_ns - g->from_ns + 999999) / 1000000), a,
				g->crash ? " (it stopped without a clean shutdown)" : "");
		} else if (g->to_ns) {
			fmt_local(g->to_ns, b, sizeof(b), 1);
			fprintf(out, "no record between %s and %s: auditor not running%s\n", a, b,
				g->crash ? " (it stopped without a clean shutdown)" : "");
		} else {
			fprintf(out, "no record since %s: auditor not running%s\n", a,
				g->crash ? " (it stopped without a clean shutdown)" : "");
		}
	}
}

void print_notes(const struct va_cover_note *notes, size_t n)
{
	char a[64], b[64];

	for (size_t i = 0; i < n; i++) {
		fmt_local(notes[i].from_ns, a, sizeof(a), 0);
		fmt_local(notes[i].to_ns, b, sizeof(b), 1);
		printf("%s from %s to %s: ",
		       notes[i].cover == VA_COVER_NONE ? "not watched" : "partly watched", a, b);
		/* The reason may quote the path asked about: anyone's bytes (a link's target). */
		va_escape_c(stdout, notes[i].why, strlen(notes[i].why));
		putchar('\n');
	}
}

struct json_object *notes_json(const struct va_cover_note *notes, size_t n)
{
	json_object *arr = json_object_new_array();
	char ts[VA_RFC3339_SIZE];

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		va_time_rfc3339(notes[i].from_ns, ts, sizeof(ts));
		json_object_object_add(o, "from", json_object_new_string(ts));
		va_time_rfc3339(notes[i].to_ns, ts, sizeof(ts));
		json_object_object_add(o, "to", json_object_new_string(ts));
		json_object_object_add(
			o, "watched",
			json_object_new_string(notes[i].cover == VA_COVER_NONE ? "no" : "partly"));
		/* The reason may quote a path: anyone's bytes. */
		json_add_path(o, "why", NULL, notes[i].why, strlen(notes[i].why));
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *gaps_json(const struct va_gap *gaps, size_t n, uint64_t since, uint64_t until,
			      const struct va_store_begin *sb)
{
	uint64_t begin = before_begin(since, until, sb);
	json_object *arr = json_object_new_array();
	char ts[VA_RFC3339_SIZE];

	/* As print_gaps(): the window begins before the store's record does. */
	if (begin) {
		json_object *g = json_object_new_object();

		va_time_rfc3339(since, ts, sizeof(ts));
		json_object_object_add(g, "from", since ? json_object_new_string(ts) : NULL);
		va_time_rfc3339(begin, ts, sizeof(ts));
		json_object_object_add(g, "to", json_object_new_string(ts));
		json_object_object_add(
			g, "reason",
			json_object_new_string(sb->pruned ? "retention" : "not yet recording"));
		json_object_array_add(arr, g);
	}
	for (size_t i = 0; i < n; i++) {
		json_object *g = json_object_new_object();

		va_time_rfc3339(gaps[i].from_ns, ts, sizeof(ts));
		json_object_object_add(g, "from", json_object_new_string(ts));
		if (gaps[i].to_ns) {
			va_time_rfc3339(gaps[i].to_ns, ts, sizeof(ts));
			json_object_object_add(g, "to", json_object_new_string(ts));
		} else {
			json_object_object_add(g, "to", NULL);
		}
		json_object_object_add(g, "reason",
				       json_object_new_string(gaps[i].unsaved ? "unsaved"
							      : gaps[i].crash ? "crash"
									      : "not running"));
		if (gaps[i].unsaved)
			json_object_object_add(g, "unsaved",
					       json_object_new_int64((int64_t)gaps[i].unsaved));
		json_object_array_add(arr, g);
	}
	return arr;
}

struct json_object *users_json(const struct va_count_user *u, size_t n)
{
	json_object *arr = json_object_new_array();
	char name[64];

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		user_name(u[i].uid, name, sizeof(name));
		json_object_object_add(o, "uid", json_object_new_int64(u[i].uid));
		json_object_object_add(o, "user", json_object_new_string(name));
		json_object_object_add(o, "auid", u[i].auid == VA_ID_UNSET
							  ? NULL
							  : json_object_new_int64(u[i].auid));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)u[i].count));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* A JSON string of @s, with U+FFFD for bytes that are not UTF-8; NULL when empty. */
static json_object *clean_string(const char *s)
{
	size_t n;
	char *clean = s[0] ? va_utf8_sanitize(s, strlen(s), &n) : NULL;
	json_object *o = clean ? json_object_new_string_len(clean, (int)n) : NULL;

	free(clean);
	return o;
}

void json_add_path(json_object *o, const char *key, const char *hex_key, const char *s, size_t len)
{
	size_t n;
	char *clean = va_utf8_sanitize(s, len, &n), *hex;

	json_object_object_add(o, key, clean ? json_object_new_string_len(clean, (int)n) : NULL);
	free(clean);
	if (!hex_key || va_utf8_valid(s, len))
		return;
	hex = va_hex_encode(s, len);
	json_object_object_add(o, hex_key, hex ? json_object_new_string(hex) : NULL);
	free(hex);
}

struct json_object *progs_json(const struct va_count_prog *p, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "exe", clean_string(p[i].exe));
		json_object_object_add(o, "comm", clean_string(p[i].comm));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)p[i].count));
		json_object_array_add(arr, o);
	}
	return arr;
}

int open_store_ro(const char *db, struct va_store **out)
{
	char err[4352];
	int ret = va_store_open(out, db, 0, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

int read_outcome(const struct va_store *s, const char *db, int ret)
{
	if (va_store_changed_under(s)) {
		fprintf(stderr,
			"vfsaudit: %s changed while it was read (a daemon started writing it): ask "
			"again\n",
			db);
		return EXIT_RUNTIME;
	}
	if (ret) {
		say_read_error(db, ret);
		return EXIT_RUNTIME;
	}
	return 0;
}

void say_read_error(const char *db, int ret)
{
	if (ret == -EUCLEAN)
		fprintf(stderr,
			"vfsaudit: the store %s is damaged (SQLite found a malformed page): its "
			"answers cannot be trusted. `vfsaudit verify --db %s` checks it; restore it "
			"from a copy, or stop the daemon and move it aside to start a new one\n",
			db, db);
	else
		fprintf(stderr, "vfsaudit: reading %s: %s\n", db, strerror(-ret));
}

int parse_when_opt(const char *opt, const char *value, uint64_t now, uint64_t *out)
{
	if (va_parse_when(value, now, out)) {
		fprintf(stderr,
			"vfsaudit: --%s '%s': give a duration back from now (90s, 15m, 12h, 7d, "
			"2w) or a time (2026-11-20, 2026-11-20T13:00:00Z)\n",
			opt, value);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * Lower the nice value by @boost before any thread starts: Linux keeps one
 * per thread, and threads take their creator's. A refusal is said, not
 * fatal: the record matters more than its priority.
 */
void boost_priority(unsigned int boost, bool asked)
{
	int now;

	if (!boost)
		return;
	errno = 0;
	now = getpriority(PRIO_PROCESS, 0);
	if (now == -1 && errno)
		return;
	if (setpriority(PRIO_PROCESS, 0, now - (int)boost < -20 ? -20 : now - (int)boost) &&
	    (asked || (errno != EPERM && errno != EACCES)))
		fprintf(stderr,
			"vfsaudit: priority-boost %u: %s; going on at nice %d (events may be lost "
			"when the CPUs are busy, and are then counted)\n",
			boost, strerror(errno), now);
}
