// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * History and report over a store filled by hand: which events a path's
 * history holds (subtree, renames into it, other names of the same file
 * while the path had it), op selection, the time window, the counts by
 * user and program, the gaps the marks describe, and the report's lists.
 *
 * Records are numbered SEQ_STRIDE apart, so that every test's records lie in
 * many slices of the paths index (store.c), with empty slices between some.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "ops.h"
#include "query.h"
#include "store.h"
#include "store_priv.h"
#include "query_priv.h"

#define ALL_TIME   INT64_MAX
#define SEQ_STRIDE 150001
#define S(x)	   ((uint64_t)(x)*1000000000ull) /* seconds to ns */

/*
 * Spec times are multiplied by this: 1 keeps a test's records in one hour,
 * more spreads them over hours and days (the spans history narrows by).
 */
static uint64_t ts_scale = 1;

struct ctx {
	char dir[64];
	char file[128];
	char err[4352];
	struct va_store *s;
	/* Results live here so that teardown frees them when an assertion fails. */
	struct va_history h;
	struct va_report r;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	ts_scale = 1;

	if (!c)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/va-query.XXXXXX");
	if (!mkdtemp(c->dir)) {
		free(c);
		return -1;
	}
	snprintf(c->file, sizeof(c->file), "%s/audit.db", c->dir);
	if (va_store_open(&c->s, c->file, VA_STORE_WRITE, c->err, sizeof(c->err))) {
		fprintf(stderr, "%s\n", c->err);
		return -1;
	}
	if (va_store_begin(c->s))
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[160];

	va_history_free(&c->h);
	va_report_free(&c->r);
	va_store_close(c->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", c->dir);
	free(c);
	return 0;
}

/* Who did it: an index into a small cast of users and programs. */
struct actor {
	uint32_t uid, auid;
	const char *comm, *exe;
};

static const struct actor cast[] = {
	{ 1000, 1000, "vim", "/usr/bin/vim.basic" },	     /* 0 alice */
	{ 0, 1000, "sudoedit", "/usr/bin/sudo" },	     /* 1 root via alice */
	{ 0, VA_ID_UNSET, "dpkg", "/usr/bin/dpkg" },	     /* 2 root daemon */
	{ 33, VA_ID_UNSET, "php-fpm", "/usr/sbin/php-fpm" }, /* 3 www-data */
	{ 1001, 1001, "vim", "/usr/bin/vim.basic" },	     /* 4 bob */
	{ 0, 1001, "sudoedit", "/usr/bin/sudo" },	     /* 5 root via bob */
};

struct spec {
	uint64_t ts;
	enum va_op op;
	const char *path, *path2;
	uint64_t ino; /* 0: unknown */
	int who;
	int32_t flags; /* open flags, -1: none */
	int64_t ret;
};

static void add(struct ctx *c, const struct spec *sp)
{
	const struct actor *a = &cast[sp->who];
	struct va_event ev = {
		.ts_ns = sp->ts * ts_scale,
		.op = sp->op,
		.ret = sp->ret,
		.pid = 100 + (uint32_t)sp->who,
		.tid = 100 + (uint32_t)sp->who,
		.ppid = 1,
		.uid = a->uid,
		.euid = a->uid,
		.gid = a->uid,
		.auid = a->auid,
		.ses = a->auid == VA_ID_UNSET ? VA_ID_UNSET : 1,
		.mntns = 4026531840ull,
		.count = 1,
		.bytes = 1,
		.size = -1,
		.owner_uid = -1,
		.owner_gid = -1,
		.exe = { a->exe, strlen(a->exe) },
		.path = { sp->path, sp->path ? strlen(sp->path) : 0 },
		.path2 = { sp->path2, sp->path2 ? strlen(sp->path2) : 0 },
	};

	snprintf(ev.comm, sizeof(ev.comm), "%s", a->comm);
	if (sp->ino) {
		ev.has_dev = ev.has_ino = true;
		ev.dev_major = 8;
		ev.dev_minor = 1;
		ev.ino = sp->ino;
		ev.ftype = VA_FTYPE_FILE;
	}
	if (sp->flags >= 0) {
		ev.has_open_flags = true;
		ev.open_flags = (uint32_t)sp->flags;
	}
	assert_int_equal(va_store_add(c->s, &ev), 0);
	c->s->next_seq += SEQ_STRIDE - 1;
}

static void add_all(struct ctx *c, const struct spec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add(c, &v[i]);
	assert_int_equal(va_store_commit(c->s), 0);
}

static void history(struct ctx *c, const char *path, uint64_t since, uint64_t until, uint64_t ops,
		    struct va_history *h)
{
	since *= ts_scale;
	if (until != ALL_TIME)
		until *= ts_scale;
	assert_int_equal(va_history_query(c->s, path, since, until, ops, h), 0);
	assert_int_equal(h->count, h->n_events);
	for (size_t i = 1; i < h->n_events; i++)
		assert_true(h->events[i].ev.ts_ns >= h->events[i - 1].ev.ts_ns);
}

/* Returns: the match kind of the event at @ts in @h, or -1 when it is not there. */
static int match_at(const struct va_history *h, uint64_t ts)
{
	ts *= ts_scale;
	for (size_t i = 0; i < h->n_events; i++)
		if (h->events[i].ev.ts_ns == ts)
			return (int)h->events[i].match;
	return -1;
}

#define W(t, p)                                                                                    \
	{                                                                                          \
		t, VA_OP_WRITE, p, NULL, 0, 0, -1, 0                                               \
	}
#define WI(t, p, i)                                                                                \
	{                                                                                          \
		t, VA_OP_WRITE, p, NULL, i, 0, -1, 0                                               \
	}
#define OP(t, o, p)                                                                                \
	{                                                                                          \
		t, o, p, NULL, 0, 0, -1, 0                                                         \
	}

static void test_subtree(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		W(1, "/etc"),
		W(2, "/etc/passwd"),
		W(3, "/etc/ssh/sshd_config"),
		W(4, "/etcx"),
		W(5, "/etcx/passwd"),
		W(6, "/et"),
		W(7, "/etc-old/passwd"),
		W(8, "/etc.d/x"),
		W(9, "/etc/\xff\xfe"),
		W(10, "/etc0"),
		W(11, "/var/etc/passwd"),
		W(12, "/etc/passwd.bak"),
	};
	struct va_history *h = &c->h;

	add_all(c, v, sizeof(v) / sizeof(v[0]));

	history(c, "/etc", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 5);
	for (uint64_t ts = 1; ts <= 12; ts++)
		assert_int_equal(match_at(h, ts) == VA_MATCH_PATH,
				 ts == 1 || ts == 2 || ts == 3 || ts == 9 || ts == 12);
	va_history_free(h);

	/* A file covers itself only, not names that merely start with it. */
	history(c, "/etc/passwd", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->events[0].ev.ts_ns, 2);
	assert_memory_equal(h->events[0].ev.path.ptr, "/etc/passwd", 11);
	va_history_free(h);

	history(c, "/etcx", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 2);
	va_history_free(h);

	/* The root covers everything. */
	history(c, "/", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 12);
	va_history_free(h);

	history(c, "/nothing/here", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 0);
	assert_int_equal(h->n_users, 0);
	assert_int_equal(h->n_progs, 0);
	assert_int_equal(h->begin.first_ns, 1);
	va_history_free(h);
}

/*
 * A path cut at the walk's limit keeps only its tail, which may read
 * "/etc/shadow" while the file sits deep under /tmp: it must not count as a
 * change under /etc, in history or in report; nor one relative to another
 * namespace's root. One read up to init's root does.
 */
static void test_headless_paths(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = { W(1, "/etc/shadow"), W(2, "/etc/shadow"),
					 W(3, "/etc/passwd") };
	struct va_history *h = &c->h;
	struct va_report r;

	add(c, &v[0]);
	{
		struct va_event ev = { .ts_ns = 2,
				       .op = VA_OP_WRITE,
				       .pid = 7,
				       .tid = 7,
				       .uid = 65534,
				       .auid = VA_ID_UNSET,
				       .ses = VA_ID_UNSET,
				       .count = 1,
				       .bytes = 1,
				       .size = -1,
				       .owner_uid = -1,
				       .owner_gid = -1,
				       .path = { "/etc/shadow", 11 },
				       .path_flags = VA_PATH_TRUNCATED };

		snprintf(ev.comm, sizeof(ev.comm), "sh");
		assert_int_equal(va_store_add(c->s, &ev), 0);
		ev.ts_ns = 3;
		ev.path_flags = VA_PATH_UNREACHABLE;
		assert_int_equal(va_store_add(c->s, &ev), 0);
		/* Outside the process's root but read up to vfsaudit's: a whole path. */
		ev.ts_ns = 4;
		ev.path_flags = VA_PATH_UNREACHABLE | VA_PATH_INIT_ROOT;
		assert_int_equal(va_store_add(c->s, &ev), 0);
	}
	add_all(c, &v[2], 1);

	history(c, "/etc/shadow", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 2);
	assert_int_equal(h->events[0].ev.ts_ns, 1);
	assert_int_equal(h->events[1].ev.ts_ns, 4);
	va_history_free(h);
	history(c, "/etc", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 3);
	va_history_free(h);

	assert_int_equal(va_report_query(c->s, 0, ALL_TIME, 10, &r), 0);
	assert_int_equal(r.n_paths, 2);
	for (size_t i = 0; i < r.n_paths; i++)
		assert_int_equal(r.paths[i].count,
				 r.paths[i].len == 11 && !memcmp(r.paths[i].path, "/etc/shadow", 11)
					 ? 2
					 : 1);
	va_report_free(&r);
}

static void test_renames_into(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		{ 10, VA_OP_RENAME, "/tmp/passwd.new", "/etc/passwd", 0, 0, -1, 0 },
		{ 20, VA_OP_LINK, "/tmp/hl", "/etc/hl", 0, 0, -1, 0 },
		{ 30, VA_OP_RENAME, "/etc/passwd", "/tmp/passwd.old", 0, 0, -1, 0 },
		{ 40, VA_OP_RENAME, "/tmp/a", "/etcx/a", 0, 0, -1, 0 },
		{ 50, VA_OP_RENAME, "/etc/a", "/etc/b", 0, 0, -1, 0 },
		/* A symlink's content is not a name: a link to /etc/passwd is not a change to it.
		 */
		{ 60, VA_OP_SYMLINK, "/tmp/sl", "/etc/passwd", 0, 0, -1, 0 },
	};
	struct va_history *h = &c->h;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/etc", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(match_at(h, 10), VA_MATCH_NEW_PATH);
	assert_int_equal(match_at(h, 20), VA_MATCH_NEW_PATH);
	assert_int_equal(match_at(h, 30), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 40), -1);
	assert_int_equal(match_at(h, 50), VA_MATCH_PATH); /* both names inside: once */
	assert_int_equal(match_at(h, 60), -1);
	assert_int_equal(h->count, 4);
	va_history_free(h);

	history(c, "/etc/passwd", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 2);
	assert_int_equal(match_at(h, 10), VA_MATCH_NEW_PATH);
	assert_int_equal(match_at(h, 30), VA_MATCH_PATH);
	/* The renamed-in event keeps both names. */
	assert_memory_equal(h->events[0].ev.path.ptr, "/tmp/passwd.new", 15);
	assert_memory_equal(h->events[0].ev.path2.ptr, "/etc/passwd", 11);
	va_history_free(h);

	/* A rename into the path is a change: it is in the default selection. */
	history(c, "/etc/passwd", 0, ALL_TIME, VA_SEL_CHANGES, h);
	assert_int_equal(h->count, 2);
	va_history_free(h);
	history(c, "/etc/passwd", 0, ALL_TIME, VA_SEL_READS, h);
	assert_int_equal(h->count, 0);
	va_history_free(h);
}

static void object_names_case(struct ctx *c)
{
	static const struct spec v[] = {
		WI(5, "/var/hl", 100),	    /* before the path had inode 100: not matched */
		WI(10, "/etc/shadow", 100), /* the path, inode 100 */
		WI(20, "/var/hl", 100),	    /* hard link: same file */
		WI(25, "/mnt/bind/etc/shadow", 100), /* bind mount: same file */
		WI(27, "/var/hl2", 101),	     /* another file */
		{ 30, VA_OP_UNLINK, "/etc/shadow", NULL, 100, 0, -1, 0 },
		WI(40, "/var/hl", 100), /* the link lives on, but the path is gone */
		{ 50, VA_OP_CREATE, "/etc/shadow", NULL, 200, 0, O_WRONLY | O_CREAT, 0 },
		WI(60, "/var/other", 200), /* a link to the new file */
		/* A failed unlink does not end anything. */
		{ 65, VA_OP_UNLINK, "/etc/shadow", NULL, 200, 0, -1, -EACCES },
		WI(66, "/var/other", 200),
		/* Renamed over: the name now holds inode 300. */
		{ 70, VA_OP_RENAME, "/etc/nshadow", "/etc/shadow", 300, 0, -1, 0 },
		WI(80, "/var/other", 200), /* no longer the path's file */
		WI(90, "/var/new", 100),   /* inode 100 reused by an unrelated file */
		WI(95, "/etc/shadow", 300),
		WI(96, "/var/l300", 300), /* a link to the renamed-in file */
	};
	struct va_history *h = &c->h;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/etc/shadow", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(match_at(h, 5), -1);
	assert_int_equal(match_at(h, 10), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 20), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 25), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 27), -1);
	assert_int_equal(match_at(h, 30), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 40), -1);
	assert_int_equal(match_at(h, 50), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 60), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 65), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 66), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 70), VA_MATCH_NEW_PATH);
	assert_int_equal(match_at(h, 80), -1);
	assert_int_equal(match_at(h, 90), -1);
	assert_int_equal(match_at(h, 95), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 96), VA_MATCH_OBJECT);
	assert_int_equal(h->count, 11);
	va_history_free(h);

	/* The window limits the other names too. */
	history(c, "/etc/shadow", 15, 62, VA_SEL_ALL, h);
	assert_int_equal(h->count, 5); /* 20, 25, 30, 50, 60 */
	assert_int_equal(match_at(h, 10), -1);
	assert_int_equal(match_at(h, 20), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 60), VA_MATCH_OBJECT);
	va_history_free(h);
}

/*
 * A name renamed away and back has its file again (a span each time), and
 * a name the file had only between two renames keeps those two records
 * alone, not every later one of the file (editors' backup names).
 */
static void test_object_names_renamed_back(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		{ 10, VA_OP_CREATE, "/d/f", NULL, 100, 0, O_WRONLY | O_CREAT, 0 },
		WI(11, "/d/f", 100),
		{ 20, VA_OP_RENAME, "/d/f", "/d/g", 100, 0, -1, 0 },
		WI(25, "/d/h0", 100), /* another name of it while neither f nor g: in g's span */
		{ 30, VA_OP_RENAME, "/d/g", "/d/f", 100, 0, -1, 0 },
		{ 40, VA_OP_LINK, "/d/f", "/d/h", 100, 0, -1, 0 },
		WI(50, "/d/h", 100),
		{ 60, VA_OP_CHMOD, "/d/f", NULL, 100, 0, -1, 0 },
		/* Renamed onto itself: nothing changes, the hard link stays f's file. */
		{ 70, VA_OP_RENAME, "/d/f", "/d/f", 100, 0, -1, 0 },
		WI(75, "/d/h", 100),
		/* A directory removed ends its span: its inode reused is another's. */
		{ 80, VA_OP_MKDIR, "/d/sub", NULL, 500, 0, -1, 0 },
		{ 81, VA_OP_RMDIR, "/d/sub", NULL, 500, 0, -1, 0 },
		{ 90, VA_OP_MKDIR, "/e/other", NULL, 500, 0, -1, 0 },
	};
	struct va_history *h = &c->h;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/d/sub", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(match_at(h, 90), -1);
	assert_int_equal(h->count, 2);
	va_history_free(h);
	history(c, "/d/f", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(match_at(h, 70), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 75), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 10), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 20), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 25), -1); /* f was g then */
	assert_int_equal(match_at(h, 30), VA_MATCH_NEW_PATH);
	assert_int_equal(match_at(h, 40), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 50), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 60), VA_MATCH_PATH);
	assert_int_equal(h->count, 9);
	va_history_free(h);

	history(c, "/d/g", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(match_at(h, 20), VA_MATCH_NEW_PATH);
	assert_int_equal(match_at(h, 25), VA_MATCH_OBJECT);
	assert_int_equal(match_at(h, 30), VA_MATCH_PATH);
	assert_int_equal(h->count, 3); /* not 40, 50, 60: g was gone */
	va_history_free(h);
}

static void test_object_names(void **state)
{
	object_names_case(*state);
}

/* The same over two days: each object's other names are sought in its hours only. */
static void test_object_names_over_hours(void **state)
{
	ts_scale = 1800ull * 1000000000ull;
	object_names_case(*state);
	ts_scale = 1;
}

/*
 * A directory's history: another file in it being written does not end
 * the span in which a hard link elsewhere is one of its files.
 */
static void test_object_names_in_directory(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		WI(10, "/srv/app/a", 10), WI(20, "/srv/app/b", 11),
		WI(30, "/backup/a-link", 10), /* /srv/app/a still is inode 10 */
	};
	struct va_history *h = &c->h;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/srv/app/a", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(match_at(h, 30), VA_MATCH_OBJECT);
	va_history_free(h);
	history(c, "/srv/app", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(match_at(h, 10), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 20), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 30), VA_MATCH_OBJECT);
	va_history_free(h);
}

static void test_ops_selection(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		{ 1, VA_OP_OPEN, "/f", NULL, 0, 0, O_RDONLY, 0 },	       /* read */
		{ 2, VA_OP_OPEN, "/f", NULL, 0, 0, O_WRONLY, 0 },	       /* change */
		{ 3, VA_OP_OPEN, "/f", NULL, 0, 0, O_RDWR | O_CLOEXEC, 0 },    /* change */
		{ 4, VA_OP_OPEN, "/f", NULL, 0, 0, O_RDONLY | O_TRUNC, 0 },    /* change */
		{ 5, VA_OP_OPEN, "/f", NULL, 0, 0, O_RDONLY | O_CREAT, 0 },    /* change */
		{ 6, VA_OP_OPEN, "/f", NULL, 0, 0, O_RDONLY | O_NOFOLLOW, 0 }, /* read */
		{ 7, VA_OP_READ, "/f", NULL, 0, 0, -1, 0 },		       /* read */
		{ 8, VA_OP_WRITE, "/f", NULL, 0, 0, -1, 0 },		       /* change */
		{ 9, VA_OP_EXEC, "/f", NULL, 0, 0, -1, 0 },		       /* exec */
		{ 10, VA_OP_CHMOD, "/f", NULL, 0, 0, -1, 0 },		       /* change */
		{ 11, VA_OP_OPEN, "/f", NULL, 0, 0, O_WRONLY, -EACCES },       /* failed change */
		{ 12, VA_OP_OPEN, "/f", NULL, 0, 0, O_PATH, 0 },	       /* read */
		{ 13, VA_OP_UTIMES, "/f", NULL, 0, 0, -1, 0 },		       /* change */
	};
	static const uint64_t changes[] = { 2, 3, 4, 5, 8, 10, 11, 13 };
	static const uint64_t reads[] = { 1, 6, 7, 12 };
	struct va_history *h = &c->h;
	uint64_t sel;
	const char *bad;

	add_all(c, v, sizeof(v) / sizeof(v[0]));

	history(c, "/f", 0, ALL_TIME, VA_SEL_CHANGES, h);
	assert_int_equal(h->count, sizeof(changes) / sizeof(changes[0]));
	for (size_t i = 0; i < h->n_events; i++)
		assert_int_equal(h->events[i].ev.ts_ns, changes[i]);
	va_history_free(h);

	history(c, "/f", 0, ALL_TIME, VA_SEL_READS, h);
	assert_int_equal(h->count, sizeof(reads) / sizeof(reads[0]));
	for (size_t i = 0; i < h->n_events; i++)
		assert_int_equal(h->events[i].ev.ts_ns, reads[i]);
	va_history_free(h);

	history(c, "/f", 0, ALL_TIME, VA_SEL_EXEC, h);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->events[0].ev.op, VA_OP_EXEC);
	va_history_free(h);

	history(c, "/f", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 13);
	va_history_free(h);

	/* As the command line gives them. */
	assert_int_equal(va_ops_parse("write,chmod", &sel, &bad), 0);
	history(c, "/f", 0, ALL_TIME, sel, h);
	assert_int_equal(h->count, 2);
	va_history_free(h);
	assert_int_equal(va_ops_parse("open", &sel, &bad), 0);
	history(c, "/f", 0, ALL_TIME, sel, h);
	assert_int_equal(h->count, 8);
	va_history_free(h);
}

static void test_window(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		W(S(100), "/w"),
		W(S(200), "/w"),
		W(S(300), "/w"),
		W(S(400), "/w"),
	};
	struct va_history *h = &c->h;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/w", S(150), S(250), VA_SEL_CHANGES, h);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->events[0].ev.ts_ns, S(200));
	assert_int_equal(h->since_ns, S(150));
	assert_int_equal(h->until_ns, S(250));
	va_history_free(h);

	/* Both ends are inclusive. */
	history(c, "/w", S(200), S(300), VA_SEL_CHANGES, h);
	assert_int_equal(h->count, 2);
	va_history_free(h);
	history(c, "/w", S(401), ALL_TIME, VA_SEL_CHANGES, h);
	assert_int_equal(h->count, 0);
	assert_int_equal(h->begin.first_ns, S(100));
	va_history_free(h);
}

static void test_by_user_and_program(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		{ 1, VA_OP_WRITE, "/etc/hosts", NULL, 0, 0, -1, 0 }, /* alice x2 */
		{ 2, VA_OP_WRITE, "/etc/hosts", NULL, 0, 0, -1, 0 },
		{ 3, VA_OP_WRITE, "/etc/hosts", NULL, 0, 2, -1, 0 }, /* root (dpkg) x3 */
		{ 4, VA_OP_WRITE, "/etc/hosts", NULL, 0, 2, -1, 0 },
		{ 5, VA_OP_WRITE, "/etc/hosts", NULL, 0, 2, -1, 0 },
		{ 6, VA_OP_WRITE, "/etc/hosts", NULL, 0, 1, -1, 0 }, /* root (sudoedit) x1 */
		{ 7, VA_OP_WRITE, "/etc/hosts", NULL, 0, 3, -1, 0 }, /* www-data x1 */
		{ 8, VA_OP_WRITE, "/etc/hosts", NULL, 0, 4, -1, 0 }, /* bob (vim) x1 */
		{ 9, VA_OP_READ, "/etc/hosts", NULL, 0, 3, -1, 0 },  /* a read: not counted */
	};
	struct va_history *h = &c->h;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/etc/hosts", 0, ALL_TIME, VA_SEL_CHANGES, h);
	assert_int_equal(h->count, 8);
	assert_int_equal(h->n_users, 4);
	assert_int_equal(h->users[0].uid, 0);
	assert_int_equal(h->users[0].count, 4);
	assert_int_equal(h->users[1].uid, 1000);
	assert_int_equal(h->users[1].count, 2);
	assert_int_equal(h->users[1].auid, 1000);
	/* Ties: by uid. */
	assert_int_equal(h->users[2].uid, 33);
	assert_int_equal(h->users[2].count, 1);
	assert_int_equal(h->users[2].auid, VA_ID_UNSET);
	assert_int_equal(h->users[3].uid, 1001);
	assert_int_equal(h->users[3].count, 1);

	/* vim (alice and bob) ties with dpkg: ties by exe. */
	assert_int_equal(h->n_progs, 4);
	assert_string_equal(h->progs[0].exe, "/usr/bin/dpkg");
	assert_string_equal(h->progs[0].comm, "dpkg");
	assert_int_equal(h->progs[0].count, 3);
	assert_string_equal(h->progs[1].exe, "/usr/bin/vim.basic");
	assert_string_equal(h->progs[1].comm, "vim");
	assert_int_equal(h->progs[1].count, 3);
	assert_string_equal(h->progs[2].exe, "/usr/bin/sudo");
	assert_int_equal(h->progs[2].count, 1);
	assert_string_equal(h->progs[3].exe, "/usr/sbin/php-fpm");
	assert_int_equal(h->progs[3].count, 1);
	va_history_free(h);
}

/* by_user's auid is the most frequent login uid behind that uid (query.h). */
static void test_by_user_most_frequent_login(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		{ 1, VA_OP_WRITE, "/etc/sudoers", NULL, 0, 1, -1, 0 }, /* root via alice x1 */
		{ 2, VA_OP_WRITE, "/etc/sudoers", NULL, 0, 5, -1, 0 }, /* root via bob x3 */
		{ 3, VA_OP_WRITE, "/etc/sudoers", NULL, 0, 5, -1, 0 },
		{ 4, VA_OP_WRITE, "/etc/sudoers", NULL, 0, 5, -1, 0 },
	};
	struct va_history *h = &c->h;
	struct va_report *r = &c->r;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/etc/sudoers", 0, ALL_TIME, VA_SEL_CHANGES, h);
	assert_int_equal(h->n_users, 1);
	assert_int_equal(h->users[0].count, 4);
	assert_int_equal(h->users[0].auid, 1001);
	va_history_free(h);
	assert_int_equal(va_report_query(c->s, 0, ALL_TIME, 10, r), 0);
	assert_int_equal(r->n_users, 1);
	assert_int_equal(r->users[0].auid, 1001);
	va_report_free(r);
}

static void mark(struct ctx *c, enum va_mark m, uint64_t ts, uint64_t n)
{
	assert_int_equal(va_store_begin(c->s), 0);
	assert_int_equal(va_store_mark(c->s, m, ts, n, m == VA_MARK_START ? "tracepoint" : NULL),
			 0);
	assert_int_equal(va_store_commit(c->s), 0);
}

static void test_gaps(void **state)
{
	struct ctx *c = *state;
	struct va_history *h = &c->h;
	struct va_report *r = &c->r;

	va_store_rollback(c->s);
	mark(c, VA_MARK_START, S(100), 0);
	assert_int_equal(va_store_begin(c->s), 0);
	add(c, &(struct spec)W(S(150), "/etc/hosts"));
	assert_int_equal(va_store_commit(c->s), 0);
	mark(c, VA_MARK_STOP, S(200), 0);
	mark(c, VA_MARK_START, S(300), 0);
	assert_int_equal(va_store_begin(c->s), 0);
	add(c, &(struct spec)W(S(390), "/etc/hosts"));
	assert_int_equal(va_store_commit(c->s), 0);
	/* Killed after 390; the next start finds no clean stop. */
	mark(c, VA_MARK_CRASH, S(390), 0);
	mark(c, VA_MARK_START, S(500), 0);
	mark(c, VA_MARK_UNSAVED, S(600), 7);
	mark(c, VA_MARK_STOP, S(700), 0);

	history(c, "/etc/hosts", 0, S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->count, 2); /* marks are not events */
	assert_int_equal(h->begin.first_ns, S(100));
	assert_int_equal(h->n_gaps, 4);
	assert_int_equal(h->gaps[0].from_ns, S(200));
	assert_int_equal(h->gaps[0].to_ns, S(300));
	assert_false(h->gaps[0].crash);
	assert_int_equal(h->gaps[0].unsaved, 0);
	assert_int_equal(h->gaps[1].from_ns, S(390));
	assert_int_equal(h->gaps[1].to_ns, S(500));
	assert_true(h->gaps[1].crash);
	assert_int_equal(h->gaps[2].from_ns, S(600));
	assert_int_equal(h->gaps[2].unsaved, 7);
	assert_false(h->gaps[2].crash);
	assert_int_equal(h->gaps[3].from_ns, S(700));
	assert_int_equal(h->gaps[3].to_ns, 0); /* still not running */
	assert_false(h->gaps[3].crash);
	va_history_free(h);

	/* A window that starts inside a gap: the gap starts with the window. */
	history(c, "/etc/hosts", S(250), S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 4);
	assert_int_equal(h->gaps[0].from_ns, S(250));
	assert_int_equal(h->gaps[0].to_ns, S(300));
	va_history_free(h);

	/* A window that ends inside a gap: open at the end. */
	history(c, "/etc/hosts", S(350), S(450), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 1);
	assert_int_equal(h->gaps[0].from_ns, S(390));
	assert_int_equal(h->gaps[0].to_ns, 0);
	assert_true(h->gaps[0].crash);
	va_history_free(h);

	/* A window while running: no gap at all. */
	history(c, "/etc/hosts", S(510), S(590), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 0);
	va_history_free(h);

	/* A window entirely inside a stop. */
	history(c, "/etc/hosts", S(800), S(900), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 1);
	assert_int_equal(h->gaps[0].from_ns, S(800));
	assert_int_equal(h->gaps[0].to_ns, 0);
	va_history_free(h);

	assert_int_equal(va_report_query(c->s, 0, S(1000), 10, r), 0);
	assert_int_equal(r->changes, 2);
	assert_int_equal(r->n_gaps, 4);
	assert_int_equal(r->gaps[2].unsaved, 7);
	va_report_free(r);
}

/*
 * A daemon killed with -9 leaves no stop row, and its crash row comes only
 * with the next start: until then the gap is told from its lock, free.
 */
static void test_gap_while_no_daemon_holds_the_lock(void **state)
{
	struct ctx *c = *state;
	struct va_history *h = &c->h;
	struct va_report *r = &c->r;
	char lock[160];
	int fd;

	va_store_rollback(c->s);
	mark(c, VA_MARK_START, S(100), 0);
	assert_int_equal(va_store_begin(c->s), 0);
	add(c, &(struct spec)W(S(150), "/etc/hosts"));
	assert_int_equal(va_store_commit(c->s), 0);

	/* No lock file (a copy of the store, or another name for it): nothing said. */
	assert_int_equal(va_store_daemon(c->file), VA_DAEMON_UNKNOWN);
	history(c, "/etc/hosts", 0, S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 0);
	va_history_free(h);

	/* Another file's lock (copied with it): nothing said either. */
	snprintf(lock, sizeof(lock), "%s.lock", c->file);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "1 2\n", 4, 0), 4);
	assert_int_equal(va_store_daemon(c->file), VA_DAEMON_UNKNOWN);

	/* A daemon holds this store's lock: it runs, nothing is missing. */
	assert_int_equal(va_store_stamp_lock(fd, c->file), 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(va_store_daemon(c->file), VA_DAEMON_RUNNING);
	history(c, "/etc/hosts", 0, S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 0);
	va_history_free(h);

	/* Killed: the lock is let go with no stop row. A gap since the last row, open. */
	close(fd);
	assert_int_equal(va_store_daemon(c->file), VA_DAEMON_NONE);
	history(c, "/etc/hosts", 0, S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->n_gaps, 1);
	assert_int_equal(h->gaps[0].from_ns, S(150));
	assert_int_equal(h->gaps[0].to_ns, 0);
	assert_true(h->gaps[0].crash);
	va_history_free(h);
	/* A window after the last row: the gap starts with it. */
	history(c, "/etc/hosts", S(400), S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 1);
	assert_int_equal(h->gaps[0].from_ns, S(400));
	va_history_free(h);
	/* A window that ends before the last row: nothing said about it. */
	history(c, "/etc/hosts", 0, S(120), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 0);
	va_history_free(h);
	assert_int_equal(va_report_query(c->s, 0, S(1000), 10, r), 0);
	assert_int_equal(r->n_gaps, 1);
	assert_int_equal(r->gaps[0].from_ns, S(150));
	assert_true(r->gaps[0].crash);
	va_report_free(r);

	/* An "unsaved" row written last carries an earlier time: the gap starts at the newest. */
	mark(c, VA_MARK_UNSAVED, S(120), 3);
	history(c, "/etc/hosts", 0, S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->gaps[h->n_gaps - 1].from_ns, S(150));
	assert_int_equal(h->gaps[h->n_gaps - 1].to_ns, 0);
	va_history_free(h);

	/* Stopped cleanly: the unsaved row's, then the stop row's gap, and no crash one. */
	mark(c, VA_MARK_STOP, S(200), 0);
	history(c, "/etc/hosts", 0, S(1000), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_gaps, 2);
	assert_int_equal(h->gaps[0].unsaved, 3);
	assert_int_equal(h->gaps[1].from_ns, S(200));
	assert_false(h->gaps[1].crash);
	va_history_free(h);
}

static void test_report(void **state)
{
	struct ctx *c = *state;
	struct spec v[64];
	size_t n = 0;
	struct va_report *r = &c->r;

	/* /etc/a 5 changes, /etc/b 3, /etc/c 2, /etc/d 1; /etc/r read 10 times. */
	for (int i = 0; i < 5; i++)
		v[n++] = (struct spec){ S(10 + i), VA_OP_WRITE, "/etc/a", NULL, 0, 0, -1, 0 };
	for (int i = 0; i < 3; i++)
		v[n++] = (struct spec){ S(20 + i), VA_OP_CHMOD, "/etc/b", NULL, 0, 2, -1, 0 };
	for (int i = 0; i < 2; i++)
		v[n++] = (struct spec){ S(30 + i), VA_OP_OPEN, "/etc/c", NULL, 0, 3, O_WRONLY, 0 };
	v[n++] = (struct spec){ S(40), VA_OP_UNLINK, "/etc/d", NULL, 0, 4, -1, 0 };
	for (int i = 0; i < 10; i++)
		v[n++] = (struct spec){ S(50 + i), VA_OP_OPEN, "/etc/r", NULL, 0, 3, O_RDONLY, 0 };
	for (int i = 0; i < 10; i++)
		v[n++] = (struct spec){ S(60 + i), VA_OP_READ, "/etc/r", NULL, 0, 3, -1, 0 };
	v[n++] = (struct spec){ S(70), VA_OP_EXEC, "/usr/bin/ls", NULL, 0, 3, -1, 0 };
	v[n++] = (struct spec){ S(500), VA_OP_WRITE, "/etc/late", NULL, 0, 4, -1, 0 };
	add_all(c, v, n);

	assert_int_equal(va_report_query(c->s, 0, S(100), 10, r), 0);
	assert_int_equal(r->changes, 11);
	assert_int_equal(r->n_paths, 4);
	assert_string_equal(r->paths[0].path, "/etc/a");
	assert_int_equal(r->paths[0].len, 6);
	assert_int_equal(r->paths[0].count, 5);
	assert_string_equal(r->paths[1].path, "/etc/b");
	assert_int_equal(r->paths[1].count, 3);
	assert_string_equal(r->paths[2].path, "/etc/c");
	assert_int_equal(r->paths[2].count, 2);
	assert_string_equal(r->paths[3].path, "/etc/d");
	assert_int_equal(r->paths[3].count, 1);
	/* Users by changes: alice 5, root 3, www-data 2, bob 1. */
	assert_int_equal(r->n_users, 4);
	assert_int_equal(r->users[0].uid, 1000);
	assert_int_equal(r->users[0].count, 5);
	assert_int_equal(r->users[1].uid, 0);
	assert_int_equal(r->users[1].count, 3);
	assert_int_equal(r->users[2].uid, 33);
	assert_int_equal(r->users[2].count, 2);
	assert_int_equal(r->users[3].uid, 1001);
	assert_int_equal(r->users[3].count, 1);
	/* Programs: vim (alice and bob) 6, dpkg 3, php-fpm 2. */
	assert_int_equal(r->n_progs, 3);
	assert_string_equal(r->progs[0].exe, "/usr/bin/vim.basic");
	assert_int_equal(r->progs[0].count, 6);
	assert_string_equal(r->progs[1].exe, "/usr/bin/dpkg");
	assert_string_equal(r->progs[1].comm, "dpkg");
	assert_int_equal(r->progs[1].count, 3);
	assert_string_equal(r->progs[2].exe, "/usr/sbin/php-fpm");
	assert_int_equal(r->progs[2].count, 2);
	va_report_free(r);

	/* top limits every list, not the total. */
	assert_int_equal(va_report_query(c->s, 0, S(100), 2, r), 0);
	assert_int_equal(r->changes, 11);
	assert_int_equal(r->n_paths, 2);
	assert_string_equal(r->paths[1].path, "/etc/b");
	assert_int_equal(r->n_users, 2);
	assert_int_equal(r->users[1].uid, 0);
	assert_int_equal(r->n_progs, 2);
	assert_string_equal(r->progs[1].exe, "/usr/bin/dpkg");
	va_report_free(r);

	/* The window. */
	assert_int_equal(va_report_query(c->s, S(21), S(500), 10, r), 0);
	assert_int_equal(r->changes, 6); /* b x2, c x2, d, late */
	assert_int_equal(r->since_ns, S(21));
	assert_int_equal(r->until_ns, S(500));
	va_report_free(r);
	va_report_free(NULL);
}

/* report's "changes" and history's default selection agree on the same data. */
static void test_report_agrees_with_history(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		{ 1, VA_OP_OPEN, "/x/a", NULL, 0, 0, O_WRONLY, 0 },
		{ 2, VA_OP_OPEN, "/x/a", NULL, 0, 0, O_RDONLY, 0 },
		{ 3, VA_OP_OPEN, "/x/a", NULL, 0, 0, O_PATH | O_WRONLY, 0 },
		{ 4, VA_OP_OPEN, "/x/a", NULL, 0, 0, -1, 0 }, /* flags unknown (fanotify) */
		{ 5, VA_OP_CREATE, "/x/b", NULL, 0, 0, O_CREAT | O_WRONLY, 0 },
		{ 6, VA_OP_RENAME, "/x/b", "/x/c", 0, 0, -1, 0 },
		{ 7, VA_OP_EXEC, "/x/c", NULL, 0, 0, -1, 0 },
		{ 8, VA_OP_READ, "/x/c", NULL, 0, 0, -1, 0 },
	};
	struct va_history *h = &c->h;
	struct va_report *r = &c->r;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	history(c, "/", 0, ALL_TIME, VA_SEL_CHANGES, h);
	assert_int_equal(va_report_query(c->s, 0, ALL_TIME, 10, r), 0);
	assert_int_equal(r->changes, h->count);
	va_history_free(h);
	va_report_free(r);
}

/*
 * A window that cuts days is counted from the hours it covers, or from the
 * day's counts less the hours it does not, whichever is fewer records: both
 * must give what the records say, for windows that cut a day early, late,
 * in the middle, and end after the last record.
 */
static void test_report_cut_days(void **state)
{
	struct ctx *c = *state;
	static const char *const names[] = { "/w/0", "/w/1", "/w/2", "/w/3", "/w/4" };
	const uint64_t day = 86400ull * 1000000000ull, hour = day / 24, min = hour / 60;
	const uint64_t base = 20000 * day;
	static struct spec v[3 * 24 * 5];
	size_t n = 0;
	struct va_report *r = &c->r;

	for (uint64_t h = 0; h < 3 * 24; h++) {
		for (uint64_t k = 0; k < 4; k++)
			v[n++] = (struct spec){ base + h * hour + k * 13 * min,
						VA_OP_WRITE,
						names[(h * 3 + k) % 5],
						NULL,
						0,
						(int)(h % 3),
						-1,
						0 };
		v[n++] = (struct spec){
			base + h * hour + 59 * min, VA_OP_READ, names[h % 5], NULL, 0, 0, -1, 0
		};
	}
	add_all(c, v, n);

	const uint64_t since[] = { 0,
				   base + 3 * hour + 17 * min,
				   base + 12 * hour,
				   base + 23 * hour + 59 * min,
				   base + day + hour,
				   base + day + 20 * hour + 5 * min };
	const uint64_t until[] = { base + day + 2 * hour,      base + day + 13 * hour + 1,
				   base + 2 * day + 22 * hour, base + 3 * day - 1,
				   base + 3 * day + 5 * hour,  ALL_TIME };

	for (size_t i = 0; i < sizeof(since) / sizeof(since[0]); i++) {
		for (size_t j = 0; j < sizeof(until) / sizeof(until[0]); j++) {
			uint64_t want[5] = { 0 }, total = 0;

			if (since[i] > until[j])
				continue;
			for (size_t e = 0; e < n; e++) {
				if (v[e].op != VA_OP_WRITE || v[e].ts < since[i] ||
				    v[e].ts > until[j])
					continue;
				want[v[e].path[3] - '0']++;
				total++;
			}
			assert_int_equal(va_report_query(c->s, since[i], until[j], 10, r), 0);
			if (r->changes != total)
				fail_msg("window %zu/%zu: %llu changes, want %llu", i, j,
					 (unsigned long long)r->changes, (unsigned long long)total);
			for (size_t p = 0; p < r->n_paths; p++) {
				unsigned int k = (unsigned int)(r->paths[p].path[3] - '0');

				assert_int_equal(r->paths[p].count, want[k]);
				want[k] = 0;
			}
			for (size_t k = 0; k < 5; k++)
				assert_int_equal(want[k], 0);
			va_report_free(r);
		}
	}
}

/*
 * Every history and report reads the daemon's own rows: through their
 * partial index, never by walking the records (a bare "ORDER BY e.id" made
 * SQLite walk all of them: 0.8 s a history at 10M records).
 */
static void test_marks_read_by_index(void **state)
{
	struct ctx *c = *state;
	const char *const sql[] = { va_q_coverage_sql, va_q_gaps_sql };
	sqlite3 *db = va_store_db(c->s);

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		char q[1024];
		sqlite3_stmt *st;
		int marks = 0;

		snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql[i]);
		assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *step = (const char *)sqlite3_column_text(st, 3);

			if (!strncmp(step, "SCAN", 4))
				fail_msg("statement %zu: %s", i, step);
			marks += strstr(step, "events_marks") != NULL;
		}
		sqlite3_finalize(st);
		assert_int_equal(marks, 2); /* the window's rows and the one in force before */
	}
}

/*
 * Ids far apart (a store someone rewrote): history visits the slices that
 * hold records, not every slice between, and still finds them all.
 */
static void test_sparse_ids(void **state)
{
	struct ctx *c = *state;
	static const struct spec v[] = {
		W(10, "/srv/a"),
		W(20, "/srv/a"),
		W(30, "/srv/a"),
	};
	struct va_history *h = &c->h;
	sqlite3 *db;

	add_all(c, v, sizeof(v) / sizeof(v[0]));
	db = va_store_db(c->s);
	assert_int_equal(sqlite3_exec(db,
				      /* The paths index (format 4) follows, as a rewrite would. */
				      "UPDATE path_index SET id = 1125899906842624,"
				      " slice = 1125899906842624 >> 18 WHERE id ="
				      " (SELECT max(id) FROM events WHERE op < 100);"
				      "UPDATE path_index SET id = -1125899906842624,"
				      " slice = -1125899906842624 >> 18 WHERE id ="
				      " (SELECT min(id) FROM events WHERE op < 100 AND id > 0);"
				      "UPDATE events SET id = 1125899906842624 WHERE id ="
				      " (SELECT max(id) FROM events WHERE op < 100);"
				      "UPDATE events SET id = -1125899906842624 WHERE id ="
				      " (SELECT min(id) FROM events WHERE op < 100 AND id > 0)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	history(c, "/srv/a", 0, ALL_TIME, VA_SEL_ALL, h);
	assert_int_equal(h->count, 3);
	assert_int_equal(match_at(h, 10), VA_MATCH_PATH);
	assert_int_equal(match_at(h, 30), VA_MATCH_PATH);
	va_history_free(h);
}

/*
 * Records out of time order (a clock step back): the window 10:00-14:00 cuts
 * the day, the day's counts less the hours outside it are cheaper, and the
 * two outside sides share ids, the later one starting lower. Each outside
 * record must be taken off once.
 */
static void test_report_complement_overlap(void **state)
{
	struct ctx *c = *state;
	const uint64_t day = 86400ull * 1000000000ull, hour = day / 24, min = hour / 60;
	const uint64_t base = 20000 * day;
	static struct spec v[40];
	size_t n = 0;
	struct va_report *r = &c->r;

	v[n++] = (struct spec){ base + 23 * hour, VA_OP_WRITE, "/w/0", NULL, 0, 0, -1, 0 };
	v[n++] = (struct spec){ base + 1 * hour, VA_OP_WRITE, "/w/1", NULL, 0, 0, -1, 0 };
	v[n++] = (struct spec){ base + 23 * hour + min, VA_OP_WRITE, "/w/0", NULL, 0, 0, -1, 0 };
	v[n++] = (struct spec){ base + 1 * hour + min, VA_OP_WRITE, "/w/1", NULL, 0, 0, -1, 0 };
	for (uint64_t k = 0; k < 30; k++)
		v[n++] = (struct spec){
			base + 12 * hour + k * min, VA_OP_WRITE, "/w/2", NULL, 0, 0, -1, 0
		};
	add_all(c, v, n);
	assert_int_equal(va_report_query(c->s, base + 10 * hour, base + 14 * hour, 10, r), 0);
	assert_int_equal(r->changes, 30);
	assert_int_equal(r->n_paths, 1);
	assert_string_equal(r->paths[0].path, "/w/2");
}

/*
 * Retention, then a record whose time is before the first kept one's: the
 * hours and days that still hold records keep their rows, and history in
 * a window finds both the path's record and its other name's.
 */
static void test_history_after_retention_disorder(void **state)
{
	struct ctx *c = *state;
	const uint64_t H = 3600ull * 1000000000ull, M = H / 60;
	const uint64_t base = 20000ull * 24 * H;
	struct spec b1[] = { W(base + 9 * H, "/junk") };
	struct spec b2[] = {
		WI(base + 11 * H + 1, "/tmp/other", 5),
		WI(base + 10 * H + 10 * M, "/etc/f", 100),
		WI(base + 10 * H + 20 * M, "/var/hl", 100),
		W(base + 12 * H, "/tmp/z"),
	};
	struct va_history *h = &c->h;

	add_all(c, b1, 1);
	assert_int_equal(va_store_begin(c->s), 0);
	add_all(c, b2, 4);
	assert_true(va_store_prune(c->s, base + 9 * H + 30 * M, 5000) > 0);
	history(c, "/etc/f", base + 10 * H, base + 10 * H + 30 * M, VA_SEL_ALL, h);
	assert_int_equal(h->count, 2);
	assert_int_equal(match_at(h, base + 10 * H + 10 * M), VA_MATCH_PATH);
	assert_int_equal(match_at(h, base + 10 * H + 20 * M), VA_MATCH_OBJECT);
	va_history_free(h);
}

/* Retention that removes every record of a day removes its counts: report no longer counts them. */
static void test_retention_removes_counts(void **state)
{
	struct ctx *c = *state;
	const uint64_t day = 86400ull * 1000000000ull;
	const uint64_t base = 20000 * day;
	struct spec v[] = { W(base + 100, "/w/a"), W(base + 200, "/w/a") };
	struct va_report *r = &c->r;

	add_all(c, v, 2);
	/* Before: the record begins with its first row, nothing removed (not yet recording). */
	assert_int_equal(va_report_query(c->s, base - day, base + 2 * day, 10, r), 0);
	assert_int_equal(r->begin.first_ns, base + 100);
	assert_false(r->begin.pruned);
	va_report_free(r);
	assert_true(va_store_prune(c->s, base + 3 * day, 5000) > 0);
	assert_int_equal(va_report_query(c->s, base - day, base + 2 * day, 10, r), 0);
	assert_int_equal(r->changes, 0);
	assert_int_equal(r->n_paths, 0);
	/* After: what is before the first row left was removed by retention. */
	assert_true(r->begin.first_ns > base + 200);
	assert_true(r->begin.pruned);
}

static void test_ops_selected_table(void **state)
{
	static const struct {
		uint64_t ops;
		enum va_op op;
		bool has_flags;
		uint32_t flags;
		bool want;
	} t[] = {
		{ VA_SEL_CHANGES, VA_OP_WRITE, false, 0, true },
		{ VA_SEL_CHANGES, VA_OP_READ, false, 0, false },
		{ VA_SEL_READS, VA_OP_READ, false, 0, true },
		{ VA_SEL_READS, VA_OP_WRITE, false, 0, false },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_RDONLY, false },
		{ VA_SEL_READS, VA_OP_OPEN, true, O_RDONLY, true },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_WRONLY, true },
		{ VA_SEL_READS, VA_OP_OPEN, true, O_WRONLY, false },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_RDWR, true },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_RDONLY | O_TRUNC, true },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_RDONLY | O_CREAT, true },
		{ VA_SEL_READS, VA_OP_OPEN, true, O_RDONLY | O_CREAT, false },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_RDONLY | O_APPEND | O_NONBLOCK, false },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_WRONLY | O_APPEND, true },
		{ VA_SEL_CHANGES, VA_OP_OPEN, true, O_PATH | O_WRONLY, false },
		{ VA_SEL_CHANGES, VA_OP_CREATE, true, O_CREAT | O_WRONLY, true },
		{ VA_SEL_READS, VA_OP_CREATE, true, O_CREAT | O_WRONLY, false },
		{ VA_SEL_EXEC, VA_OP_EXEC, false, 0, true },
		{ VA_SEL_CHANGES, VA_OP_EXEC, false, 0, false },
		{ VA_SEL_READS, VA_OP_EXEC, false, 0, false },
		{ VA_SEL_ALL, VA_OP_EXEC, false, 0, true },
		{ VA_SEL_ALL, VA_OP_OPEN, true, O_RDONLY, true },
		{ VA_SEL_ALL, VA_OP_OPEN, true, O_WRONLY, true },
		{ VA_SEL_ALL, VA_OP_LOST, false, 0, false },
		{ VA_SEL_ALL, VA_OP_NONE, false, 0, false },
		{ VA_SEL_ALL, VA_OP_MAX, false, 0, false },
		{ VA_SEL_ALL, (enum va_op)VA_MARK_START, false, 0, false },
		{ VA_SEL(VA_OP_CHMOD), VA_OP_CHMOD, false, 0, true },
		{ VA_SEL(VA_OP_CHMOD), VA_OP_CHOWN, false, 0, false },
		{ VA_SEL_OPEN_READ, VA_OP_OPEN, true, O_RDONLY, true },
		{ VA_SEL_OPEN_READ, VA_OP_OPEN, true, O_RDWR, false },
		{ 0, VA_OP_WRITE, false, 0, false },
		{ 0, VA_OP_OPEN, true, O_WRONLY, false },
	};
	static const enum va_op changes[] = {
		VA_OP_CREATE, VA_OP_WRITE, VA_OP_TRUNCATE, VA_OP_UNLINK,      VA_OP_RMDIR,
		VA_OP_MKDIR,  VA_OP_MKNOD, VA_OP_RENAME,   VA_OP_LINK,	      VA_OP_SYMLINK,
		VA_OP_CHMOD,  VA_OP_CHOWN, VA_OP_SETXATTR, VA_OP_REMOVEXATTR, VA_OP_UTIMES,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (va_ops_selected(t[i].ops, t[i].op, t[i].has_flags, t[i].flags) != t[i].want)
			fail_msg("row %zu: op %d flags %#x: want %d", i, t[i].op, t[i].flags,
				 t[i].want);
	}
	/* SPEC.md's `changes` group, op by op. */
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		assert_true(va_ops_selected(VA_SEL_CHANGES, changes[i], false, 0));
		assert_false(va_ops_selected(VA_SEL_READS, changes[i], false, 0));
	}
}

/* A start or filters row recording @path (NULL: everything) and @ops. */
static void filters_mark(struct ctx *c, enum va_mark m, uint64_t ts, const char *path, const char *ops)
{
	struct va_filter f;
	char detail[4096], err[256];

	va_filter_init(&f);
	if (path)
		assert_int_equal(va_filter_add(&f, "path", path, err, sizeof(err)), 0);
	assert_int_equal(va_filter_add(&f, "ops", ops, err, sizeof(err)), 0);
	assert_int_equal(va_coverage_encode("tracepoint", &f, detail, sizeof(detail)), 0);
	va_filter_free(&f);
	assert_int_equal(va_store_begin(c->s), 0);
	assert_int_equal(va_store_mark(c->s, m, ts, 0, detail), 0);
	assert_int_equal(va_store_commit(c->s), 0);
}

/*
 * "Changed 0 times" and "not watched" are told apart: the filters of each
 * start and reload row say what was recorded, span by span.
 */
static void test_coverage_notes(void **state)
{
	struct ctx *c = *state;
	struct va_history *h = &c->h;

	va_store_rollback(c->s);
	filters_mark(c, VA_MARK_START, S(100), "/srv", "changes");
	/* A reload widens the filters, the same again later; a restart without --path. */
	filters_mark(c, VA_MARK_FILTERS, S(200), "/srv", "changes,reads");
	filters_mark(c, VA_MARK_FILTERS, S(250), "/srv", "changes,reads");
	mark(c, VA_MARK_STOP, S(300), 0);
	filters_mark(c, VA_MARK_START, S(400), NULL, "changes");

	/* /etc was outside --path until the stop at 300 (then nobody watched: a gap). */
	history(c, "/etc/passwd", S(50), S(500), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_notes, 1);
	assert_int_equal(h->notes[0].cover, VA_COVER_NONE);
	assert_int_equal(h->notes[0].from_ns, S(100));
	assert_int_equal(h->notes[0].to_ns, S(300));
	assert_string_equal(h->notes[0].why, "only names under /srv were recorded (--path)");
	va_history_free(h);

	/* Reads of /srv/x: not recorded before the reload at 200, nor after the restart. */
	history(c, "/srv/x", S(50), S(500), VA_SEL_READS, h);
	assert_int_equal(h->n_notes, 2);
	assert_int_equal(h->notes[0].from_ns, S(100));
	assert_int_equal(h->notes[0].to_ns, S(200));
	assert_int_equal(h->notes[1].from_ns, S(400));
	assert_int_equal(h->notes[1].to_ns, S(500));
	assert_int_equal(h->notes[1].cover, VA_COVER_NONE);
	va_history_free(h);

	/* The window begins inside a span: the row before it decides. */
	history(c, "/etc/passwd", S(150), S(180), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_notes, 1);
	assert_int_equal(h->notes[0].from_ns, S(150));
	assert_int_equal(h->notes[0].to_ns, S(180));
	va_history_free(h);

	/* Changes to /srv/x: recorded throughout. */
	history(c, "/srv/x", S(50), S(500), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_notes, 0);
	va_history_free(h);

	/* A stop ends the span: the gaps say what follows it. */
	mark(c, VA_MARK_STOP, S(450), 0);
	history(c, "/srv/x", S(50), S(500), VA_SEL_READS, h);
	assert_int_equal(h->n_notes, 2);
	assert_int_equal(h->notes[1].from_ns, S(400));
	assert_int_equal(h->notes[1].to_ns, S(450));
}

/*
 * A crash row carries the time of the last record, which may be earlier
 * than a reload row written before it: the daemon's order decides.
 */
static void test_coverage_crash_after_reload(void **state)
{
	struct ctx *c = *state;
	struct va_history *h = &c->h;

	va_store_rollback(c->s);
	filters_mark(c, VA_MARK_START, S(100), NULL, "changes");
	filters_mark(c, VA_MARK_FILTERS, S(200), "/srv", "changes");
	mark(c, VA_MARK_CRASH, S(190), 0);
	filters_mark(c, VA_MARK_START, S(400), NULL, "changes");
	/* Nobody watched from the crash to 400: a gap, not "outside --path". */
	history(c, "/etc/passwd", S(300), S(500), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_notes, 0);
	va_history_free(h);
	/* From the reload to the crash, /etc was outside --path: an empty span, not said. */
	history(c, "/etc/passwd", S(50), S(500), VA_SEL_CHANGES, h);
	assert_int_equal(h->n_notes, 0);
}

/* report says when the daemon recorded only some of the machine. */
static void test_report_coverage(void **state)
{
	struct ctx *c = *state;
	struct va_report *r = &c->r;

	va_store_rollback(c->s);
	filters_mark(c, VA_MARK_START, S(100), "/srv", "changes");
	mark(c, VA_MARK_STOP, S(200), 0);
	filters_mark(c, VA_MARK_START, S(300), NULL, "changes");
	assert_int_equal(va_report_query(c->s, S(50), S(500), 10, r), 0);
	assert_int_equal(r->n_notes, 1);
	assert_int_equal(r->notes[0].cover, VA_COVER_PART);
	assert_int_equal(r->notes[0].from_ns, S(100));
	assert_int_equal(r->notes[0].to_ns, S(200));
	assert_string_equal(r->notes[0].why, "only names under /srv were recorded (--path)");
}

/* A start row of a store written before the filters were recorded: nothing is said. */
static void test_coverage_unknown(void **state)
{
	struct ctx *c = *state;

	va_store_rollback(c->s);
	mark(c, VA_MARK_START, S(100), 0);
	history(c, "/etc/passwd", S(50), S(500), VA_SEL_CHANGES, &c->h);
	assert_int_equal(c->h.n_notes, 0);
}

/* A small store: three changes to /etc/a by alice, one to /etc/b by dpkg. */
static void add_few(struct ctx *c)
{
	static const struct spec v[] = {
		WI(S(10), "/etc/a", 11),
		WI(S(11), "/etc/a", 11),
		WI(S(12), "/etc/a", 11),
		{ S(13), VA_OP_CHMOD, "/etc/b", NULL, 12, 2, -1, 0 },
	};

	add_all(c, v, sizeof(v) / sizeof(v[0]));
}

static void exec_sql(struct ctx *c, const char *sql)
{
	assert_int_equal(sqlite3_exec(va_store_db(c->s), sql, NULL, NULL, NULL), SQLITE_OK);
}

/*
 * A record whose process, path or object row is gone reads, through the
 * LEFT JOINs, as uid 0 with no program: a damaged page SQLite did not
 * notice. history and report say the store is damaged instead of answering.
 */
static void test_dangling_references(void **state)
{
	struct ctx *c = *state;

	add_few(c);
	history(c, "/etc/a", 0, ALL_TIME, VA_SEL_CHANGES, &c->h);
	assert_int_equal(c->h.count, 3);
	assert_int_equal(c->h.users[0].uid, 1000);
	va_history_free(&c->h);

	exec_sql(c, "DELETE FROM procs WHERE uid = 1000");
	assert_int_equal(va_history_query(c->s, "/etc/a", 0, ALL_TIME, VA_SEL_CHANGES, &c->h),
			 -EUCLEAN);
	/* The other file's records are whole. */
	history(c, "/etc/b", 0, ALL_TIME, VA_SEL_CHANGES, &c->h);
	assert_int_equal(c->h.count, 1);
	va_history_free(&c->h);
	/* report counts processes by id (by_proc): one that is not there is damage too. */
	assert_int_equal(va_report_query(c->s, 0, S(100), 10, &c->r), -EUCLEAN);

	exec_sql(c, "DELETE FROM objects");
	assert_int_equal(va_history_query(c->s, "/etc/b", 0, ALL_TIME, VA_SEL_CHANGES, &c->h),
			 -EUCLEAN);
}

/* report: a counted path that is not in `paths`. */
static void test_report_dangling_path(void **state)
{
	struct ctx *c = *state;

	add_few(c);
	exec_sql(c, "DELETE FROM paths WHERE path = CAST('/etc/b' AS BLOB)");
	assert_int_equal(va_report_query(c->s, 0, S(100), 10, &c->r), -EUCLEAN);
}

/* Overwrite the type byte of the first page of @table (a b-tree page type SQLite checks). */
static void damage_root_page(struct ctx *c, const char *table)
{
	char sql[128];
	sqlite3_stmt *st;
	int64_t page, page_size;
	unsigned char junk = 0xff;
	int fd;

	snprintf(sql, sizeof(sql),
		 "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master"
		 " WHERE name = '%s'",
		 table);
	assert_int_equal(sqlite3_prepare_v2(va_store_db(c->s), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	page = sqlite3_column_int64(st, 0);
	page_size = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	assert_true(page > 1);
	/* Closing the last connection checkpoints the WAL into the file. */
	va_store_close(c->s);
	c->s = NULL;
	fd = open(c->file, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &junk, 1, (off_t)((page - 1) * page_size)), 1);
	close(fd);
	assert_int_equal(va_store_open(&c->s, c->file, 0, c->err, sizeof(c->err)), 0);
}

/* A damaged page of the records: history fails with -EUCLEAN, not "nothing happened". */
static void test_damaged_events_page(void **state)
{
	struct ctx *c = *state;

	add_few(c);
	damage_root_page(c, "events");
	assert_int_equal(va_history_query(c->s, "/etc/a", 0, ALL_TIME, VA_SEL_CHANGES, &c->h),
			 -EUCLEAN);
}

/* A damaged page of the day counts: report fails, not "0 changes". */
static void test_damaged_counts_page(void **state)
{
	struct ctx *c = *state;

	add_few(c);
	damage_root_page(c, "by_path");
	/* Whole days: read from the day counts. */
	assert_int_equal(va_report_query(c->s, 0, S(3 * 86400), 10, &c->r), -EUCLEAN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_subtree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_read_by_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renames_into, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headless_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_names_renamed_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_names_over_hours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_names_in_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ops_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_user_and_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_user_most_frequent_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_while_no_daemon_holds_the_lock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_agrees_with_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_cut_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_complement_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_after_retention_disorder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retention_removes_counts, setup, teardown),
		cmocka_unit_test(test_ops_selected_table),
		cmocka_unit_test_setup_teardown(test_dangling_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coverage_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coverage_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coverage_crash_after_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_coverage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_dangling_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_events_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_counts_page, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
