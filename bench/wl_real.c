// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * real: what a developer's machine does. Extract a tarball of /usr/include
 * (made once, in the cache directory, outside any measurement), write COUNT
 * small C files and a Makefile, and build them with make -jJOBS against the
 * extracted headers (so the compiler reads the tree tar just wrote).
 *
 * tar and the compiler make their own calls, which cannot be counted from
 * here; the walk afterwards counts what they left: every regular file,
 * directory and symlink is one create, mkdir or symlink. Their reads,
 * writes, chmods, chowns and utimes are not in the counts (exact=0).
 * The tree is left in DIR/real for the caller to remove after measuring.
 */
#include "wl.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TARBALL "usr-include.tar"

static void run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		wl_die("fork", argv[0]);
	if (pid == 0) {
		/* The ops line is ours alone: the tools' output goes to stderr. */
		dup2(2, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		wl_die("waitpid", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "workloads: %s failed (status %d)\n", argv[0], status);
		exit(1);
	}
}

/* mkdir -p: the cache may be the first thing under ~/.cache. */
static void make_dirs(const char *dir)
{
	char path[4096];

	wl_path(path, sizeof(path), "%s", dir);
	for (char *p = path + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			wl_die("mkdir", path);
		*p = c;
		if (!c)
			break;
	}
}

/* Make the tarball once; later runs reuse it. Not counted, not timed. */
int wl_real_prepare(const struct wl_opts *o)
{
	char tar[4096], tmp[4096];

	wl_path(tar, sizeof(tar), "%s/" TARBALL, o->cache);
	if (!access(tar, R_OK))
		return 0;
	make_dirs(o->cache);
	wl_path(tmp, sizeof(tmp), "%s.%d", tar, (int)getpid());
	fprintf(stderr,
		"workloads: making %s (once; it stays there for later runs: delete it when done)\n",
		tar);
	run((char *[]){ "tar", "-C", "/", "-cf", tmp, "usr/include", NULL });
	if (rename(tmp, tar))
		wl_die("rename", tmp);
	return 0;
}

static void write_sources(const struct wl_opts *o, struct wl_count *c, const char *src)
{
	char path[4096], text[2048];
	int n;

	for (long i = 0; i < o->count; i++) {
		wl_path(path, sizeof(path), "%s/f%ld.c", src, i);
		n = snprintf(text, sizeof(text),
			     "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
			     "#include <sys/stat.h>\n#include <unistd.h>\n\n"
			     "long f%ld(const char *s);\n\n"
			     "long f%ld(const char *s)\n{\n"
			     "\tchar buf[64];\n\tlong h = %ld;\n\n"
			     "\tsnprintf(buf, sizeof(buf), \"%%s-%ld\", s);\n"
			     "\tfor (size_t i = 0; i < strlen(buf); i++)\n"
			     "\t\th = h * 31 + buf[i];\n"
			     "\treturn h ^ (long)getpid();\n}\n",
			     i, i, i, i);
		wl_put_file(c, path, text, (size_t)n);
	}
	wl_path(path, sizeof(path), "%s/main.c", src);
	n = snprintf(text, sizeof(text), "int main(void)\n{\n\treturn 0;\n}\n");
	wl_put_file(c, path, text, (size_t)n);
	wl_path(path, sizeof(path), "%s/Makefile", src);
	n = snprintf(text, sizeof(text),
		     "INC := ../x/usr/include\n"
		     "CFLAGS := -O2 -pipe -I$(INC) -I$(INC)/$(shell $(CC) -print-multiarch)\n"
		     "OBJS := $(patsubst %%.c,%%.o,$(wildcard *.c))\n"
		     "prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n");
	wl_put_file(c, path, text, (size_t)n);
}

static struct wl_count *walk_count;

static int walk_one(const char *path __attribute__((unused)), const struct stat *st, int type,
		    struct FTW *ftw)
{
	if (ftw->level == 0)
		return 0; /* the top directory: made (and counted) by us */
	if (type == FTW_SL)
		walk_count->n[WL_SYMLINK]++;
	else if (type == FTW_D || type == FTW_DP)
		walk_count->n[WL_MKDIR]++;
	else if (S_ISREG(st->st_mode))
		walk_count->n[WL_CREATE]++;
	return 0;
}

/* Every object and the program must be there: make said it built them. */
static void count_build(const struct wl_opts *o, struct wl_count *c, const char *src)
{
	char path[4096];

	for (long i = 0; i < o->count; i++) {
		wl_path(path, sizeof(path), "%s/f%ld.o", src, i);
		if (access(path, F_OK))
			wl_die("access", path);
	}
	wl_path(path, sizeof(path), "%s/main.o", src);
	if (access(path, F_OK))
		wl_die("access", path);
	wl_path(path, sizeof(path), "%s/prog", src);
	if (access(path, X_OK))
		wl_die("access", path);
	c->n[WL_CREATE] += (unsigned long long)o->count + 2;
}

int wl_real(const struct wl_opts *o, struct wl_count *c)
{
	char top[4096], x[4096], src[4096], tar[4096], jobs[32];

	wl_path(tar, sizeof(tar), "%s/" TARBALL, o->cache);
	wl_path(top, sizeof(top), "%s/real", o->dir);
	wl_path(x, sizeof(x), "%s/x", top);
	wl_path(src, sizeof(src), "%s/src", top);
	wl_mkdir(c, top);
	wl_mkdir(c, x);
	wl_mkdir(c, src);
	run((char *[]){ "tar", "-C", x, "-xf", tar, NULL });
	write_sources(o, c, src);
	snprintf(jobs, sizeof(jobs), "-j%ld", o->jobs);
	run((char *[]){ "make", "-s", jobs, "-C", src, NULL });
	return 0;
}

int wl_real_tally(const struct wl_opts *o, struct wl_count *c)
{
	char x[4096], src[4096];
	struct wl_count made = { 0 };

	wl_path(x, sizeof(x), "%s/real/x", o->dir);
	wl_path(src, sizeof(src), "%s/real/src", o->dir);
	walk_count = &made;
	if (nftw(x, walk_one, 64, FTW_PHYS))
		wl_die("nftw", x);
	count_build(o, &made, src);
	wl_count_add(c, &made);
	return 0;
}
