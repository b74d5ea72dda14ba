// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfsaudit verify: is the stored record intact? Exit 0 intact, 1 tampered
 * (naming the first bad record), 2 usage error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd.h"
#include "common.h"
#include "format.h"
#include "timefmt.h"
#include "verify.h"

static void verify_usage(FILE *out)
{
	fprintf(out,
		"SYNOPSIS\n"
		"  vfsaudit verify [--db FILE] [--key KEY] [--format text|json]\n"
		"\n"
		"Checks that the stored record is intact: every record is linked into a hash\n"
		"chain, and the daemon seals the chain at intervals with a key that changes\n"
		"one way (docs/TAMPER.md). Names the first record that was changed, deleted,\n"
		"inserted or moved, a forged seal, or a record cut short after its last seal.\n"
		"Exit 0 intact, 1 tampered (or unreadable), 2 usage error.\n"
		"\n"
		"OPTIONS\n"
		"  --db FILE      the store (default %s)\n"
		"  --key KEY      the verification key `vfsaudit setup-keys` printed, or a file\n"
		"                 holding it; repeat it for a store re-keyed with --force.\n"
		"                 Without it the chain is checked but the seals cannot be\n"
		"                 authenticated. Anyone with this key can forge seals: pass it\n"
		"                 from a file, on a machine you trust\n"
		"  --format FMT   text (default) or json\n"
		"\n"
		"EXAMPLES\n"
		"  vfsaudit verify\n"
		"  vfsaudit verify --key 3f9c...e1/1764151200000000000/60000000000\n",
		VA_STORE_DEFAULT_PATH);
}

/*
 * KEY itself, or the first line of a file holding it. The key is a secret:
 * errors never repeat it. Returns: 0 or EXIT_USAGE.
 */
static int read_key(const char *arg, struct va_seal_key *k0)
{
	char line[256];
	FILE *f;

	/* A key's shape: 64 hex digits and a '/' (a file name can have both, so try the file too). */
	bool key_shaped = strspn(arg, "0123456789abcdefABCDEF") == 64 && arg[64] == '/';

	if (!va_seal_parse_verification_key(arg, k0))
		return 0;
	{
		f = fopen(arg, "re");
		if (f) {
			bool ok = fgets(line, sizeof(line), f) != NULL;

			fclose(f);
			line[strcspn(line, "\r\n")] = '\0';
			if (ok && !va_seal_parse_verification_key(line, k0)) {
				memset(line, 0, sizeof(line));
				return 0;
			}
			memset(line, 0, sizeof(line));
			fprintf(stderr,
				"vfsaudit verify: --key: the file %s does not hold a verification "
				"key (HEX/START/INTERVAL, as `vfsaudit setup-keys` printed it)\n",
				arg);
			return EXIT_USAGE;
		}
		/* Only a name that cannot be a mistyped key is repeated. */
		if (arg[0] == '/' || arg[0] == '.') {
			fprintf(stderr, "vfsaudit verify: --key: cannot read %s: %s\n", arg,
				strerror(errno));
			return EXIT_USAGE;
		}
		if (!key_shaped && strchr(arg, '/') && errno != ENOENT) {
			fprintf(stderr, "vfsaudit verify: --key: cannot read the key file given: %s\n",
				strerror(errno));
			return EXIT_USAGE;
		}
	}
	fprintf(stderr,
		"vfsaudit verify: --key: neither a verification key nor a file that can be read: "
		"give the HEX/START/INTERVAL line `vfsaudit setup-keys` printed (64 hex digits, "
		"two numbers), or a file holding it\n");
	return EXIT_USAGE;
}

static void print_text(const char *db, const struct va_verify_result *r)
{
	char a[64], b[64];

	printf("store: %s\n", db);
	if (r->damaged) {
		printf("DAMAGED: %s; restore it from a copy, or stop the daemon and move it aside "
		       "to start a new one\n",
		       r->problem);
		return;
	}
	if (r->records) {
		fmt_local(r->first_ts, a, sizeof(a), 0);
		fmt_local(r->last_ts, b, sizeof(b), 1);
		printf("records%s: %llu (seq %llu to %llu, %s to %s)\n",
		       r->intact ? "" : " checked before the first problem",
		       (unsigned long long)r->records, (unsigned long long)r->first_seq,
		       (unsigned long long)r->last_seq, a, b);
	} else {
		printf("records: none\n");
	}
	if (!r->seals && r->keyed && r->records)
		printf("NOT AUTHENTICATED: no seal in the store, so the key proves none of its "
		       "records (a daemon with a sealing key seals at each interval; without one, "
		       "run `vfsaudit setup-keys` and restart it)\n");
	else if (!r->seals)
		printf("seals: none yet (a daemon with a sealing key seals at each interval; "
		       "without one, run `vfsaudit setup-keys` and restart it)\n");
	else if (r->keyed && r->intact)
		printf("seals: %llu, authenticated with the verification key\n",
		       (unsigned long long)r->seals);
	else if (r->keyed)
		printf("seals: %llu, checked with the verification key up to the problem below\n",
		       (unsigned long long)r->seals);
	else
		printf("seals: %llu, matching the chain but NOT authenticated: give --key to check "
		       "them\n",
		       (unsigned long long)r->seals);
	if (!r->intact) {
		printf("TAMPERED: %s\n", r->problem);
		return;
	}
	if (r->seals && r->last_seal_seq) {
		fmt_local(r->last_seal_ts, a, sizeof(a), 1);
		printf("last seal: seq %llu at %s (epoch %llu)\n",
		       (unsigned long long)r->last_seal_seq, a,
		       (unsigned long long)r->last_seal_epoch);
	}
	if (r->unsealed && r->seals)
		printf("note: the last %llu records are chained but not sealed yet (sealed at the "
		       "next interval, or at the next start after a crash)\n",
		       (unsigned long long)r->unsealed);
	if (r->late_after_crash)
		printf("note: %llu records were sealed late because the daemon crashed first\n",
		       (unsigned long long)r->late_after_crash);
	if (r->before_key)
		printf("note: %llu records predate the sealing key (setup-keys was run on a store "
		       "in use): the first seal covers them as part of the chain, but no seal "
		       "vouches for their times\n",
		       (unsigned long long)r->before_key);
	printf("intact: the chain%s verified\n",
	       r->seals ? (r->keyed ? " and its seals" : " (not its seals' keys)") : "");
}

static void print_json(const char *db, const struct va_verify_result *r)
{
	json_object *o = json_object_new_object();
	char ts[VA_RFC3339_SIZE];

	json_object_object_add(o, "store", json_object_new_string(db));
	json_object_object_add(o, "intact", json_object_new_boolean(r->intact));
	json_object_object_add(o, "keyed", json_object_new_boolean(r->keyed));
	json_object_object_add(o, "authenticated",
			       json_object_new_boolean(r->keyed && r->intact && r->seals));
	json_object_object_add(o, "damaged", json_object_new_boolean(r->damaged));
	json_object_object_add(o, "records", json_object_new_uint64(r->records));
	json_object_object_add(o, "first_seq", json_object_new_uint64(r->first_seq));
	json_object_object_add(o, "last_seq", json_object_new_uint64(r->last_seq));
	json_object_object_add(o, "seals", json_object_new_uint64(r->seals));
	json_object_object_add(o, "last_seal_seq", json_object_new_uint64(r->last_seal_seq));
	json_object_object_add(o, "unsealed", json_object_new_uint64(r->unsealed));
	json_object_object_add(o, "late_after_crash", json_object_new_uint64(r->late_after_crash));
	json_object_object_add(o, "before_key", json_object_new_uint64(r->before_key));
	/* Every key always there (null when intact or unknown): one shape for a SIEM's parser. */
	json_object_object_add(o, "bad_seq", r->intact ? NULL : json_object_new_uint64(r->bad_seq));
	if (!r->intact && r->bad_ts) {
		va_time_rfc3339(r->bad_ts, ts, sizeof(ts));
		json_object_object_add(o, "bad_time", json_object_new_string(ts));
	} else {
		json_object_object_add(o, "bad_time", NULL);
	}
	/* Intact but asked to authenticate with nothing to authenticate: exit 1, and why. */
	if (!r->intact)
		json_object_object_add(o, "problem", json_object_new_string(r->problem));
	else if (r->keyed && r->records && !r->seals)
		json_object_object_add(o, "problem",
				       json_object_new_string("no seal in the store, so the key "
							      "proves none of its records"));
	else
		json_object_object_add(o, "problem", NULL);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int do_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VA_STORE_DEFAULT_PATH;
	enum va_format fmt = VA_FORMAT_TEXT;
	struct va_seal_key keys[VA_SEAL_MAX_KEYS];
	struct va_verify_result r;
	struct va_store *s;
	char err[4352];
	size_t n_keys = 0;
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			db = optarg;
			break;
		case 'k':
			if (n_keys == VA_SEAL_MAX_KEYS) {
				fprintf(stderr, "vfsaudit verify: --key: at most %d keys\n",
					VA_SEAL_MAX_KEYS);
				return EXIT_USAGE;
			}
			if (read_key(optarg, &keys[n_keys]))
				return EXIT_USAGE;
			n_keys++;
			break;
		case 'f':
			if (va_format_parse(optarg, &fmt)) {
				fprintf(stderr,
					"vfsaudit verify: --format: '%s' is not text or json\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			verify_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr,
				"vfsaudit verify: unknown option or missing value in '%s'; see "
				"`vfsaudit verify --help`\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfsaudit verify: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	ret = va_store_open(&s, db, 0, err, sizeof(err));
	if (ret == -EUCLEAN) {
		/* Damaged from its first pages on: the answer is DAMAGED, as for a page further in.
		 */
		memset(&r, 0, sizeof(r));
		r.damaged = true;
		snprintf(r.problem, sizeof(r.problem), "%.500s", err);
		for (size_t i = 0; i < n_keys; i++)
			va_seal_key_wipe(&keys[i]);
		if (fmt == VA_FORMAT_JSON)
			print_json(db, &r);
		else
			print_text(db, &r);
		return EXIT_RUNTIME;
	}
	if (ret) {
		fprintf(stderr, "vfsaudit: %s\n", err);
		for (size_t i = 0; i < n_keys; i++)
			va_seal_key_wipe(&keys[i]);
		return EXIT_RUNTIME;
	}
	ret = va_verify(s, keys, n_keys, &r);
	for (size_t i = 0; i < n_keys; i++)
		va_seal_key_wipe(&keys[i]);
	ret = read_outcome(s, db, ret);
	va_store_close(s);
	if (ret)
		return ret;
	if (fmt == VA_FORMAT_JSON)
		print_json(db, &r);
	else
		print_text(db, &r);
	/* Asked to authenticate with a key, a store that holds no seal has no answer: not 0. */
	return r.intact && !(r.keyed && r.records && !r.seals) ? EXIT_OK : EXIT_RUNTIME;
}
