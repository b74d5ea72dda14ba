// SPDX-License-Identifier: GPL-2.0-or-later
/* vfsaudit report: the most changed paths, the most active users and programs. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd.h"
#include "common.h"
#include "escape.h"
#include "format.h"
#include "timefmt.h"
#include "util.h"

static void report_usage(FILE *out)
{
	fprintf(out,
		"SYNOPSIS\n"
		"  vfsaudit report [--since WHEN] [--until WHEN] [--top N] [--db FILE]\n"
		"                  [--format text|json]\n"
		"\n"
		"The most changed paths, the most active users and programs over a window.\n"
		"\n"
		"OPTIONS\n"
		"  --since WHEN   start (default 7d); --until WHEN end (default now)\n"
		"  --top N        lines per list (default 10)\n"
		"  --db FILE      the store (default %s)\n"
		"  --format FMT   text (default) or json\n"
		"\n"
		"JSON: {\"since\", \"until\", \"changes\", \"paths\": [{\"path\", \"count\"}],\n"
		"\"users\": [{\"uid\", \"user\", \"auid\", \"count\"}], \"programs\": [{\"exe\", \"comm\",\n"
		"\"count\"}], \"gaps\": [{\"from\", \"to\", \"reason\"}], \"coverage\": [{\"from\",\n"
		"\"to\", \"watched\", \"why\"}]}\n"
		"\n"
		"EXAMPLES\n"
		"  vfsaudit report\n"
		"  vfsaudit report --since 24h --top 20 --format json\n",
		VA_STORE_DEFAULT_PATH);
}

static void print_text(const struct va_report *r)
{
	char a[64], b[64], name[64];

	fmt_local(r->since_ns, a, sizeof(a), 0);
	fmt_local(r->until_ns, b, sizeof(b), 1);
	printf("%llu change%s between %s and %s\n", (unsigned long long)r->changes,
	       r->changes == 1 ? "" : "s", a, b);
	print_gaps(stdout, r->gaps, r->n_gaps, r->since_ns, r->until_ns, &r->begin);
	print_notes(r->notes, r->n_notes);
	printf("\nmost changed paths:\n");
	for (size_t i = 0; i < r->n_paths; i++) {
		printf("  %8llu  ", (unsigned long long)r->paths[i].count);
		va_escape_c(stdout, r->paths[i].path, r->paths[i].len);
		putchar('\n');
	}
	printf("\nmost active users:\n");
	for (size_t i = 0; i < r->n_users; i++) {
		user_name(r->users[i].uid, name, sizeof(name));
		printf("  %8llu  %s (uid %u)\n", (unsigned long long)r->users[i].count, name,
		       r->users[i].uid);
	}
	printf("\nmost active programs:\n");
	for (size_t i = 0; i < r->n_progs; i++) {
		printf("  %8llu  ", (unsigned long long)r->progs[i].count);
		va_escape_c(stdout, r->progs[i].exe[0] ? r->progs[i].exe : "?",
			    r->progs[i].exe[0] ? strlen(r->progs[i].exe) : 1);
		printf(" (");
		va_escape_c(stdout, r->progs[i].comm, strlen(r->progs[i].comm));
		printf(")\n");
	}
}

static void print_json(const struct va_report *r)
{
	json_object *o = json_object_new_object(), *a;
	char ts[VA_RFC3339_SIZE];

	va_time_rfc3339(r->since_ns, ts, sizeof(ts));
	json_object_object_add(o, "since", json_object_new_string(ts));
	va_time_rfc3339(r->until_ns, ts, sizeof(ts));
	json_object_object_add(o, "until", json_object_new_string(ts));
	json_object_object_add(o, "changes", json_object_new_int64((int64_t)r->changes));
	a = json_object_new_array();
	for (size_t i = 0; i < r->n_paths; i++) {
		json_object *p = json_object_new_object();

		json_add_path(p, "path", "path_hex", r->paths[i].path, r->paths[i].len);
		json_object_object_add(p, "count", json_object_new_int64((int64_t)r->paths[i].count));
		json_object_array_add(a, p);
	}
	json_object_object_add(o, "paths", a);
	json_object_object_add(o, "users", users_json(r->users, r->n_users));
	json_object_object_add(o, "programs", progs_json(r->progs, r->n_progs));
	json_object_object_add(o, "gaps",
			       gaps_json(r->gaps, r->n_gaps, r->since_ns, r->until_ns, &r->begin));
	json_object_object_add(o, "coverage", notes_json(r->notes, r->n_notes));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int do_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' }, { "until", required_argument, NULL, 'u' },
		{ "top", required_argument, NULL, 't' },   { "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VA_STORE_DEFAULT_PATH, *since_arg = "7d";
	uint64_t now = now_real_ns(), since, until = now, top = 10;
	enum va_format fmt = VA_FORMAT_TEXT;
	struct va_store *store = NULL;
	struct va_report r;
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			since_arg = optarg;
			break;
		case 'u':
			if (parse_when_opt("until", optarg, now, &until))
				return EXIT_USAGE;
			break;
		case 't':
			if (va_parse_u64(optarg, 100000, &top) || !top) {
				fprintf(stderr,
					"vfsaudit: --top '%s': give a number from 1 to 100000\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (va_format_parse(optarg, &fmt)) {
				fprintf(stderr, "vfsaudit: --format '%s': use text or json\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			report_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr,
				"vfsaudit report: unknown option or missing value in '%s'; see "
				"`vfsaudit report --help`\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vfsaudit report: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (parse_when_opt("since", since_arg, now, &since))
		return EXIT_USAGE;
	if (since > until) {
		fprintf(stderr,
			"vfsaudit report: --since is after --until: give an earlier --since\n");
		return EXIT_USAGE;
	}
	ret = open_store_ro(db, &store);
	if (ret)
		return ret;
	ret = va_report_query(store, since, until, (unsigned int)top, &r);
	if (read_outcome(store, db, ret)) {
		if (!ret)
			va_report_free(&r);
		va_store_close(store);
		return EXIT_RUNTIME;
	}
	if (fmt == VA_FORMAT_JSON)
		print_json(&r);
	else
		print_text(&r);
	va_report_free(&r);
	va_store_close(store);
	return EXIT_OK;
}
