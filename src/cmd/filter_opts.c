// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "coverage.h"

int filter_option(struct va_filter *f, const char *name, const char *value)
{
	char err[1024];

	if (!strcmp(name, "every-call")) {
		f->every_call = true;
		return 1;
	}
	if (!strcmp(name, "no-default-excludes")) {
		f->default_excludes = false;
		return 1;
	}
	switch (va_filter_add(f, name, value, err, sizeof(err))) {
	case 0:
		return 1;
	case -ENOENT:
		return 0;
	default:
		fprintf(stderr, "vfsaudit: %s\n", err);
		return -1;
	}
}

void filter_warn_unwatched(const struct va_filter *f)
{
	char why[512];

	/* A --path the filters leave out whole (/proc: its files are excluded by type). */
	for (unsigned int i = 0; i < f->n_paths; i++)
		if (va_coverage_check(f, f->paths[i], f->ops, why, sizeof(why)) == VA_COVER_NONE)
			fprintf(stderr, "vfsaudit: --path %s records nothing: %s\n", f->paths[i],
				why);
}

void filter_usage(FILE *out)
{
	fprintf(out,
		"FILTERS (evaluated in the kernel)\n"
		"  --path PREFIX        only paths under PREFIX (component boundaries); repeatable\n"
		"  --exclude PREFIX     drop paths under PREFIX; repeatable. The longest matching\n"
		"                       prefix of --path/--exclude decides\n"
		"  --dev MAJ:MIN        only files on that device (hex as stat -c %%D: 803); repeatable\n"
		"  --uid UID|NAME       only these real user ids; repeatable\n"
		"  --comm NAME          only these process names; repeatable\n"
		"  --ops LIST           ops and groups: changes (default), reads, exec, all, or op\n"
		"                       names (create,open,read,write,truncate,unlink,rmdir,mkdir,\n"
		"                       mknod,rename,link,symlink,chmod,chown,setxattr,\n"
		"                       removexattr,utimes,exec)\n"
		"  --every-call         one event per read/write call (no merging)\n"
		"  --no-default-excludes\n"
		"                       also report the default exclusions:\n"
		"                         paths:");
	for (const char *const *p = va_default_exclude_paths; *p; p++)
		fprintf(out, " %s", *p);
	fprintf(out, " (an explicit --path below one re-admits it)\n"
		     "                         filesystems:");
	int col = 41;
	for (const char *const *t = va_default_exclude_fstypes; *t; t++) {
		int n = (int)strlen(*t) + 1;

		if (col + n > 79) {
			fprintf(out, "\n                                     ");
			col = 37;
		}
		fprintf(out, " %s", *t);
		col += n;
	}
	fprintf(out, "\n                       (anonymous pipes and sockets live in pipefs/sockfs)\n");
}
