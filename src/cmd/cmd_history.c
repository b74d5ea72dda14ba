// SPDX-License-Identifier: GPL-2.0-or-later
/* vfsaudit history PATH: how many times it was changed, by whom, and when. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmd.h"
#include "common.h"
#include "escape.h"
#include "filter.h"
#include "format.h"
#include "strbuf.h"
#include "ops.h"
#include "timefmt.h"
#include "util.h"

static void history_usage(FILE *out)
{
	fprintf(out,
		"SYNOPSIS\n"
		"  vfsaudit history PATH [--since WHEN] [--until WHEN] [--ops LIST] [--db FILE]\n"
		"                   [--format text|json] [--limit N]\n"
		"\n"
		"How many times PATH was changed (with --ops: read, executed…), by whom and when.\n"
		"A directory covers everything under it. Renames into PATH and other names of the\n"
		"same file (hard links, bind mounts) are shown and marked. Files are recorded by\n"
		"their real path: a PATH through a symlink with nothing recorded under that name\n"
		"is answered for its real path, as it says. Needs read access to the store only.\n"
		"\n"
		"OPTIONS\n"
		"  --since WHEN     start of the window (default 7d): 90s, 15m, 12h, 7d, 2w, or "
		"a time\n"
		"                   2026-11-20, 2026-11-20T13:00:00Z\n"
		"  --until WHEN     end of the window (default now)\n"
		"  --ops LIST       ops and groups (default changes; reads, exec, all, op names)\n"
		"  --db FILE        the store (default %s)\n"
		"  --format FMT     text (default) or json\n"
		"  --limit N        text timeline: the last N events (default 50, 0 for all)\n"
		"\n"
		"EXAMPLES\n"
		"  vfsaudit history /etc/foobar\n"
		"  vfsaudit history /etc --since 2026-11-20 --until 2026-11-21\n"
		"  vfsaudit history /etc/shadow --ops all --format json | jq .by_user\n",
		VA_STORE_DEFAULT_PATH);
}

static const char *match_note(enum va_match m)
{
	switch (m) {
	case VA_MATCH_NEW_PATH:
		return "  (into this path)";
	case VA_MATCH_OBJECT:
		return "  (same file, other name)";
	default:
		return "";
	}
}

/* "7d" -> "in the last 7 days"; anything fancier is printed as given. */
static void print_duration(const char *arg)
{
	static const struct {
		char unit;
		const char *name;
	} units[] = { { 's', "second" },
		      { 'm', "minute" },
		      { 'h', "hour" },
		      { 'd', "day" },
		      { 'w', "week" } };
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (end[0] == units[i].unit && !end[1]) {
			if (n == 1)
				printf("in the last %s", units[i].name);
			else
				printf("in the last %lu %ss", n, units[i].name);
			return;
		}
	}
	printf("in the last %s", arg);
}

/*
 * Say on stderr that @path goes through a symbolic link to @real, and which
 * of the two the answer is for (@as_given: the name as given, which had
 * events of its own). Both are escaped: a link's target is anyone's bytes.
 */
static void note_link(const char *path, const char *real, bool as_given, const char *db)
{
	bool other_db = strcmp(db, VA_STORE_DEFAULT_PATH) != 0;

	fputs("vfsaudit: ", stderr);
	va_escape_c(stderr, path, strlen(path));
	if (!as_given) {
		fputs(" goes through a symbolic link: nothing recorded under that name; the "
		      "history of its real path, ",
		      stderr);
		va_escape_c(stderr, real, strlen(real));
		fputc('\n', stderr);
		return;
	}
	fputs(" goes through a symbolic link now: this is what was recorded under that name; "
	      "what is done through the link is recorded under ",
	      stderr);
	va_escape_c(stderr, real, strlen(real));
	fputs(" (`vfsaudit history", stderr);
	if (other_db) {
		fputs(" --db ", stderr);
		va_escape_c(stderr, db, strlen(db));
	}
	fputc(' ', stderr);
	va_escape_c(stderr, real, strlen(real));
	fputs("`)\n", stderr);
}

static void print_text(const char *path, const char *since_arg, bool until_given,
		       const struct va_history *h, uint64_t ops, size_t limit)
{
	char a[64], name[64];
	size_t first;

	va_escape_c(stdout, path, strlen(path));
	/* Changes only (all of them or some): "changed"; reads or execs among them: "accessed". */
	printf(": %s %llu time%s ", (ops & ~VA_SEL_CHANGES) ? "accessed" : "changed",
	       (unsigned long long)h->count, h->count == 1 ? "" : "s");
	if (!until_given && since_arg && since_arg[0] >= '0' && since_arg[0] <= '9' &&
	    !strchr(since_arg, '-'))
		print_duration(since_arg);
	else {
		fmt_local(h->since_ns, a, sizeof(a), 1);
		printf("%s %s", until_given ? "between" : "since", a);
	}
	if (until_given) {
		/* A window that ends before now says so: "since" alone reads as "up to now". */
		fmt_local(h->until_ns, a, sizeof(a), 1);
		printf(" and %s", a);
	}
	printf(" by %zu user%s\n", h->n_users, h->n_users == 1 ? "" : "s");
	print_gaps(stdout, h->gaps, h->n_gaps, h->since_ns, h->until_ns, &h->begin);
	print_notes(h->notes, h->n_notes);
	if (!h->count)
		return;

	printf("\nby user:\n");
	for (size_t i = 0; i < h->n_users; i++) {
		char login[96] = "";

		user_name(h->users[i].uid, name, sizeof(name));
		if (h->users[i].auid != VA_ID_UNSET) {
			char who[64];

			user_name(h->users[i].auid, who, sizeof(who));
			snprintf(login, sizeof(login), ", login %s", who);
		}
		printf("  %8llu  %s (uid %u%s)\n", (unsigned long long)h->users[i].count, name,
		       h->users[i].uid, login);
	}
	printf("\nby program:\n");
	for (size_t i = 0; i < h->n_progs; i++) {
		printf("  %8llu  ", (unsigned long long)h->progs[i].count);
		va_escape_c(stdout, h->progs[i].exe[0] ? h->progs[i].exe : "?",
			    h->progs[i].exe[0] ? strlen(h->progs[i].exe) : 1);
		printf(" (");
		va_escape_c(stdout, h->progs[i].comm, strlen(h->progs[i].comm));
		printf(")\n");
	}

	first = limit && h->n_events > limit ? h->n_events - limit : 0;
	printf("\ntimeline:\n");
	if (first)
		printf("  ... %zu earlier event%s (--limit 0 shows all)\n", first,
		       first == 1 ? "" : "s");
	for (size_t i = first; i < h->n_events; i++) {
		const struct va_hist_event *he = &h->events[i];
		char *line = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&line, &len);

		if (!mem)
			break;
		va_event_write_text(mem, &he->ev);
		fclose(mem);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		fmt_local(he->ev.ts_ns, a, sizeof(a), 0);
		user_name(he->ev.uid, name, sizeof(name));
		/* The watch line (already escaped), after when and who. */
		printf("  %s.%03llu  %-10s %s%s\n", a,
		       (unsigned long long)(he->ev.ts_ns % 1000000000ull / 1000000ull), name, line,
		       match_note(he->match));
		free(line);
	}
}

/*
 * The summary through json-c; the events, which may be many, straight from
 * the event writer (the same bytes json-c would give, without a tree per
 * event), with "match" added before each one's closing brace.
 */
static int print_json(const char *path, const char *asked, const struct va_history *h)
{
	static const char *const m[] = { "path", "new_path", "object" };
	json_object *o = json_object_new_object(), *gaps, *notes;
	char ts[VA_RFC3339_SIZE];
	struct va_strbuf b = { 0 };
	const char *text; /* json-c's, of the summary, then of the gaps */
	int ret = 0;

	json_add_path(o, "path", "path_hex", path, strlen(path));
	/* Asked through a symlink, answered for its real path. */
	if (asked)
		json_add_path(o, "asked", "asked_hex", asked, strlen(asked));
	va_time_rfc3339(h->since_ns, ts, sizeof(ts));
	json_object_object_add(o, "since", json_object_new_string(ts));
	va_time_rfc3339(h->until_ns, ts, sizeof(ts));
	json_object_object_add(o, "until", json_object_new_string(ts));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)h->count));
	json_object_object_add(o, "by_user", users_json(h->users, h->n_users));
	json_object_object_add(o, "by_program", progs_json(h->progs, h->n_progs));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	/* The summary without its closing brace. */
	if (text && *text)
		va_strbuf_put(&b, text, strlen(text) - 1);
	else
		b.failed = true;
	va_strbuf_puts(&b, ",\"events\":[");
	for (size_t i = 0; i < h->n_events; i++) {
		if (i)
			va_strbuf_putc(&b, ',');
		va_event_json(&b, &h->events[i].ev);
		if (h->events[i].match == VA_MATCH_PATH)
			continue;
		b.len--; /* the event's closing brace */
		va_strbuf_puts(&b, ",\"match\":\"");
		va_strbuf_puts(&b, m[h->events[i].match]);
		va_strbuf_puts(&b, "\"}");
	}
	gaps = gaps_json(h->gaps, h->n_gaps, h->since_ns, h->until_ns, &h->begin);
	va_strbuf_puts(&b, "],\"gaps\":");
	text = json_object_to_json_string_ext(gaps, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		va_strbuf_puts(&b, text);
	else
		b.failed = true;
	notes = notes_json(h->notes, h->n_notes);
	va_strbuf_puts(&b, ",\"coverage\":");
	text = json_object_to_json_string_ext(notes, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		va_strbuf_puts(&b, text);
	else
		b.failed = true;
	va_strbuf_puts(&b, "}\n");
	if (b.failed) {
		fprintf(stderr, "vfsaudit: out of memory\n");
		ret = -ENOMEM;
	} else {
		fwrite(b.p, 1, b.len, stdout);
	}
	json_object_put(gaps);
	json_object_put(notes);
	json_object_put(o);
	va_strbuf_free(&b);
	return ret;
}

/*
 * PATH as the store keeps it: absolute, normalised, no trailing '/' (in
 * @out); and absolute as given, for resolving (in @raw, PATH_MAX * 2).
 */
static int absolute_path(const char *arg, char *raw, char *out, size_t size)
{
	char cwd[PATH_MAX];

	if (arg[0] == '/') {
		snprintf(raw, PATH_MAX * 2, "%s", arg);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		snprintf(raw, PATH_MAX * 2, "%s/%s", cwd, arg);
	}
	return va_path_normalize(raw, strlen(raw), out, size) < 0 ? -EINVAL : 0;
}

/*
 * The kernel names a file by its real path, and so does the store: a name
 * through a symlink (/var/run/x for /run/x) matches what was recorded
 * before the link was made, if anything, and nothing since. @real gets
 * the real path of @raw (absolute, as given: ".." taken as the kernel takes
 * it, after the links before it) as far as it exists now, the rest as
 * written. Returns: true when that differs from @path, the name normalised
 * as text.
 */
static bool real_name(const char *raw, const char *path, char *real, size_t size)
{
	char part_real[PATH_MAX], joined[PATH_MAX * 2];
	size_t part;

	if (va_path_real_part(raw, part_real, &part))
		return false;
	snprintf(joined, sizeof(joined), "%s%s", strcmp(part_real, "/") ? part_real : "",
		 raw + part);
	if (va_path_normalize(joined, strlen(joined), real, size) < 0)
		return false;
	return strcmp(real, path) != 0;
}

int do_history(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "ops", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VA_STORE_DEFAULT_PATH, *since_arg = "7d", *bad;
	uint64_t now = now_real_ns(), since, until = now, ops = VA_SEL_CHANGES, limit = 50;
	bool until_given = false;
	enum va_format fmt = VA_FORMAT_TEXT;
	struct va_store *store = NULL;
	struct va_history h;
	char raw[PATH_MAX * 2], path[PATH_MAX], real[PATH_MAX];
	const char *shown;
	bool linked;
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			since_arg = optarg;
			break;
		case 'u':
			until_given = true;
			if (parse_when_opt("until", optarg, now, &until))
				return EXIT_USAGE;
			break;
		case 'o':
			if (va_ops_parse(optarg, &ops, &bad)) {
				fprintf(stderr,
					"vfsaudit: --ops '%s': unknown op or group near '%s'; "
					VA_OPS_HELP "\n",
					optarg, bad ? bad : optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (va_format_parse(optarg, &fmt)) {
				fprintf(stderr, "vfsaudit: --format '%s': use text or json\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			if (va_parse_u64(optarg, 1u << 30, &limit)) {
				fprintf(stderr,
					"vfsaudit: --limit '%s': give a number from 0 to %u (0: "
					"all)\n",
					optarg, 1u << 30);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			history_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr,
				"vfsaudit history: unknown option or missing value in '%s'; see "
				"`vfsaudit history --help`\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "vfsaudit history: give exactly one PATH; see `vfsaudit history "
				"--help`\n");
		return EXIT_USAGE;
	}
	if (parse_when_opt("since", since_arg, now, &since))
		return EXIT_USAGE;
	if (since > until) {
		fprintf(stderr,
			"vfsaudit history: --since is after --until: give an earlier --since\n");
		return EXIT_USAGE;
	}
	/* Not the current directory: an empty name is a mistake in a script, most likely. */
	if (!argv[optind][0]) {
		fprintf(stderr,
			"vfsaudit history: PATH is empty: give the file or directory to ask "
			"about (. for the current directory)\n");
		return EXIT_USAGE;
	}
	if (absolute_path(argv[optind], raw, path, sizeof(path))) {
		fputs("vfsaudit history: '", stderr);
		va_escape_c(stderr, argv[optind], strlen(argv[optind]));
		fputs("': not a usable path\n", stderr);
		return EXIT_USAGE;
	}
	linked = real_name(raw, path, real, sizeof(real));
	ret = open_store_ro(db, &store);
	if (ret)
		return ret;
	shown = path;
	ret = va_history_query(store, path, since, until, ops, &h);
	if (!ret && linked && !h.count) {
		/* Nothing under the name as given: what went through the link is under its target.
		 */
		va_history_free(&h);
		shown = real;
		ret = va_history_query(store, real, since, until, ops, &h);
		note_link(path, real, false, db);
	} else if (!ret && linked) {
		note_link(path, real, true, db);
	}
	if (read_outcome(store, db, ret)) {
		if (!ret)
			va_history_free(&h);
		va_store_close(store);
		return EXIT_RUNTIME;
	}
	if (fmt == VA_FORMAT_JSON)
		ret = print_json(shown, shown == path ? NULL : path, &h);
	else
		print_text(shown, since_arg, until_given, &h, ops, (size_t)limit);
	va_history_free(&h);
	va_store_close(store);
	return ret ? EXIT_RUNTIME : EXIT_OK;
}
