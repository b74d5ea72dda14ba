// SPDX-License-Identifier: GPL-2.0-or-later
/* vfsaudit: who touched which file, seen from the kernel. Subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "version.h"

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
	{ "watch", do_watch, "live stream of file events to stdout" },
	{ "run", do_run, "the daemon: store every event, feed the sinks" },
	{ "history", do_history, "how many times PATH was changed, by whom, when" },
	{ "report", do_report, "most changed paths, most active users and programs" },
	{ "verify", do_verify, "check that the stored record is intact" },
	{ "setup-keys", do_setup_keys, "create the sealing key; print the verification key" },
	{ "status", do_status, "the running daemon's backend, rates and losses" },
};

static void usage(FILE *out)
{
	fprintf(out, "SYNOPSIS\n  vfsaudit COMMAND [OPTIONS]\n\nCOMMANDS\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\n`vfsaudit COMMAND --help` describes each command; `vfsaudit --version`\n"
		     "names the commit it was built from.\n\n"
		     "EXAMPLES\n"
		     "  sudo vfsaudit watch --path /etc\n"
		     "  sudo vfsaudit watch --ops all --format json --path /home\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("vfsaudit %s\n", VA_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].func(argc - 1, argv + 1);
	fprintf(stderr, "vfsaudit: unknown command '%s'; see `vfsaudit --help`\n", argv[1]);
	return EXIT_USAGE;
}
