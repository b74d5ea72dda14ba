// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfsaudit setup-keys: create the sealing key the daemon evolves, and print
 * the verification key for the administrator to keep off the machine (as
 * `journalctl --setup-keys` does for journald's sealing).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "seal.h"
#include "util.h"

static void setup_keys_usage(FILE *out)
{
	fprintf(out,
		"SYNOPSIS\n"
		"  vfsaudit setup-keys [--db FILE] [--seal-key FILE] [--interval DUR] [--force]\n"
		"\n"
		"Creates the sealing key (FILE, default the store's name with `.key` added) that\n"
		"`vfsaudit run` uses to seal the record every interval, and prints the\n"
		"verification key on standard output. Keep the verification key OFF this machine\n"
		"(paper, a password manager): with it, `vfsaudit verify --key KEY` proves that\n"
		"no sealed record was changed, even by someone who later became root here.\n"
		"Restart the daemon afterwards.\n"
		"\n"
		"OPTIONS\n"
		"  --db FILE        the store (default %s)\n"
		"  --seal-key FILE  where the daemon's key lives (default DB.key)\n"
		"  --interval DUR   seal this often (default 60s)\n"
		"  --force          replace an existing key: seals made with it can then be\n"
		"                   checked only with its own verification key\n"
		"\n"
		"EXAMPLES\n"
		"  sudo vfsaudit setup-keys > /dev/tty\n"
		"  sudo vfsaudit setup-keys --interval 5m\n",
		VA_STORE_DEFAULT_PATH);
}

int do_setup_keys(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "seal-key", required_argument, NULL, 'k' },
		{ "interval", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VA_STORE_DEFAULT_PATH, *key_file = NULL;
	uint64_t interval = VA_SEAL_INTERVAL_DEFAULT_NS;
	char path[PATH_MAX], vkey[160];
	struct va_seal_key k;
	bool force = false;
	struct stat st;
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			db = optarg;
			break;
		case 'k':
			key_file = optarg;
			break;
		case 'i':
			if (va_parse_duration(optarg, &interval) || interval < 1000000000ull) {
				fprintf(stderr,
					"vfsaudit setup-keys: --interval '%s': give a duration of "
					"at "
					"least 1s (30s, 5m, 1h)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			setup_keys_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr,
				"vfsaudit setup-keys: unknown option or missing value in '%s'; see "
				"`vfsaudit setup-keys --help`\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfsaudit setup-keys: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!key_file) {
		snprintf(path, sizeof(path), "%s.key", db);
		key_file = path;
	}
	if (!lstat(key_file, &st) && !force) {
		fprintf(stderr,
			"vfsaudit setup-keys: %s exists already; give --force to replace it (seals "
			"made with it then need its own verification key)\n",
			key_file);
		return EXIT_USAGE;
	}
	/*
	 * A daemon recording now would store records without seals until it
	 * restarts with the key, records no seal could then vouch for in time:
	 * verify would report them as rewritten. Before the key, they are
	 * known to predate it.
	 */
	if (va_store_daemon(db) == VA_DAEMON_RUNNING) {
		fprintf(stderr,
			"vfsaudit setup-keys: a daemon is recording into %s: stop it first, then "
			"run setup-keys and start it again (what it stored between the key and "
			"its restart could not be sealed in time)\n",
			db);
		return EXIT_RUNTIME;
	}
	ret = va_seal_key_new(&k, now_real_ns(), interval);
	if (!ret)
		ret = va_seal_key_save(key_file, &k);
	if (ret) {
		fprintf(stderr, "vfsaudit setup-keys: cannot write %s: %s\n", key_file,
			strerror(-ret));
		va_seal_key_wipe(&k);
		return EXIT_RUNTIME;
	}
	va_seal_verification_key(&k, vkey, sizeof(vkey));
	va_seal_key_wipe(&k);
	fprintf(stderr,
		"vfsaudit: sealing key written to %s; start `vfsaudit run` to use it.\n"
		"The verification key follows on standard output. Keep it OFF this machine;\n"
		"`vfsaudit verify --key KEY` needs it to prove the seals authentic.\n",
		key_file);
	printf("%s\n", vkey);
	memset(vkey, 0, sizeof(vkey));
	return EXIT_OK;
}
