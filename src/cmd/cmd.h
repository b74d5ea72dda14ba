/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command front ends: one do_<verb>() per subcommand, dispatched from main(). */
#ifndef VA_CMD_H
#define VA_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "filter.h"

/* Exit codes (SPEC.md). */
#define EXIT_OK	     0
#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

int do_watch(int argc, char **argv);
int do_run(int argc, char **argv);
int do_history(int argc, char **argv);
int do_report(int argc, char **argv);
int do_status(int argc, char **argv);
int do_verify(int argc, char **argv);
int do_setup_keys(int argc, char **argv);

/* The filter options every capturing command accepts, for getopt_long. */
#define FILTER_LONG_OPTIONS                                                                    \
	{ "path", required_argument, NULL, 0 }, { "exclude", required_argument, NULL, 0 },     \
		{ "dev", required_argument, NULL, 0 }, { "uid", required_argument, NULL, 0 },  \
		{ "comm", required_argument, NULL, 0 }, { "ops", required_argument, NULL, 0 }, \
		{ "every-call", no_argument, NULL, 0 },                                        \
		{ "no-default-excludes", no_argument, NULL, 0 }

/**
 * filter_option() - apply a long option if it is a filter option.
 * Returns: 1 when @name was a filter option and applied, 0 when it is not a
 * filter option, -1 after printing why the value is bad (exit 2).
 */
int filter_option(struct va_filter *f, const char *name, const char *value);

/* Say on stderr which --path prefixes the other filters leave out whole. */
void filter_warn_unwatched(const struct va_filter *f);
/* Print the FILTERS section of a usage text, with the default exclusions. */
void filter_usage(FILE *out);

#endif
