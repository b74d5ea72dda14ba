// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store: the file it creates, the files it refuses (and leaves alone),
 * every event field written and read back unchanged, interning, marks,
 * pruning and transactions. Each test works in its own directory under /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "ops.h"
#include "query.h"
#include "store.h"
#include "store_checkpoint.h"
#include "verify.h"

#define ALL_TIME INT64_MAX

struct ctx {
	char dir[64];
	char file[128];
	char err[4352];
	/* Held here by tests that may fail midway, so that teardown frees them. */
	struct va_store *s;
	struct va_history h;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/va-store.XXXXXX");
	if (!mkdtemp(c->dir)) {
		free(c);
		return -1;
	}
	snprintf(c->file, sizeof(c->file), "%s/audit.db", c->dir);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[160];

	va_history_free(&c->h);
	va_store_close(c->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", c->dir);
	free(c);
	return 0;
}

static void write_file(const char *file, const void *data, size_t len)
{
	FILE *f = fopen(file, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Returns: the file's bytes (malloc'd), with their count in @len. */
static char *read_file(const char *file, size_t *len)
{
	FILE *f = fopen(file, "re");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static bool exists(const char *file)
{
	struct stat st;

	return lstat(file, &st) == 0;
}

static int64_t sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static struct va_store *open_rw(struct ctx *c)
{
	struct va_store *s = NULL;

	assert_int_equal(va_store_open(&s, c->file, VA_STORE_WRITE, c->err, sizeof(c->err)), 0);
	assert_non_null(s);
	return s;
}

/* A plain write event by a login user's editor. */
static struct va_event base_event(uint64_t ts, const char *path)
{
	struct va_event ev = {
		.ts_ns = ts,
		.op = VA_OP_WRITE,
		.pid = 1234,
		.tid = 1234,
		.ppid = 1000,
		.uid = 1000,
		.euid = 1000,
		.gid = 1000,
		.auid = 1000,
		.ses = 3,
		.tty_dev = (136u << 20) | 3,
		.mntns = 4026531840ull,
		.count = 1,
		.bytes = 10,
		.size = -1,
		.owner_uid = -1,
		.owner_gid = -1,
		.exe = { "/usr/bin/vim.basic", 18 },
		.path = { path, strlen(path) },
	};
	snprintf(ev.comm, sizeof(ev.comm), "vim");
	return ev;
}

static void test_create_modes(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = NULL;
	char sub[128], file[160], wal[168];
	mode_t old = umask(0);
	struct stat st;

	/* umask 0: the modes must come from the store, not from a friendly umask. */
	snprintf(sub, sizeof(sub), "%s/lib", c->dir);
	snprintf(file, sizeof(file), "%s/audit.db", sub);
	snprintf(wal, sizeof(wal), "%s-wal", file);
	assert_int_equal(va_store_open(&s, file, VA_STORE_WRITE, c->err, sizeof(c->err)), 0);
	umask(old);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* The WAL holds events too: it must be as private as the database. */
	assert_int_equal(va_store_begin(s), 0);
	struct va_event ev = base_event(1, "/etc/passwd");
	assert_int_equal(va_store_add(s, &ev), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_true(va_store_size(s) > 0);
	va_store_close(s);

	/* Reopening an existing store works and keeps what it holds. */
	assert_int_equal(va_store_open(&s, file, VA_STORE_WRITE, c->err, sizeof(c->err)), 0);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count(*) FROM events"), 1);
	va_store_close(s);
	assert_int_equal(va_store_open(&s, file, 0, c->err, sizeof(c->err)), 0);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count(*) FROM events"), 1);
	va_store_close(s);
	va_store_close(NULL);
}

static void test_existing_dir_mode_kept(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = NULL;
	struct stat st;

	/* The directory is the admin's when it exists: not chmod'ed behind their back. */
	assert_int_equal(chmod(c->dir, 0750), 0);
	assert_int_equal(va_store_open(&s, c->file, VA_STORE_WRITE, c->err, sizeof(c->err)), 0);
	va_store_close(s);
	assert_int_equal(stat(c->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
}

static void test_symlink_refused(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = NULL;
	char target[200], link[160], dangling[160], missing[160], buf[16] = "";
	static const char content[] = "precious data\n";
	size_t len;
	char *got;

	snprintf(target, sizeof(target), "%s/target", c->dir);
	snprintf(link, sizeof(link), "%s/link.db", c->dir);
	snprintf(dangling, sizeof(dangling), "%s/dangling.db", c->dir);
	snprintf(missing, sizeof(missing), "%s/missing", c->dir);
	write_file(target, content, sizeof(content) - 1);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(symlink(missing, dangling), 0);

	assert_int_equal(va_store_open(&s, link, VA_STORE_WRITE, c->err, sizeof(c->err)), -ELOOP);
	assert_null(s);
	assert_non_null(strstr(c->err, link));
	assert_non_null(strstr(c->err, "symbolic link"));
	assert_int_equal(va_store_open(&s, link, 0, c->err, sizeof(c->err)), -ELOOP);
	got = read_file(target, &len);
	assert_int_equal(len, sizeof(content) - 1);
	assert_memory_equal(got, content, len);
	free(got);
	assert_int_equal(readlink(link, buf, sizeof(buf) - 1) > 0, 1);

	/* A dangling link must not create its target either. */
	assert_int_equal(va_store_open(&s, dangling, VA_STORE_WRITE, c->err, sizeof(c->err)),
			 -ELOOP);
	assert_false(exists(missing));
	snprintf(target, sizeof(target), "%s-wal", link);
	assert_false(exists(target));
}

static void check_refused_unchanged(struct ctx *c, const char *file, const char *want_msg)
{
	struct va_store *s = NULL;
	char side[200];
	size_t len0, len1;
	char *before = read_file(file, &len0), *after;

	for (int i = 0; i < 2; i++) {
		unsigned int flags = i ? 0 : VA_STORE_WRITE;

		c->err[0] = '\0';
		assert_int_equal(va_store_open(&s, file, flags, c->err, sizeof(c->err)), -EINVAL);
		assert_null(s);
		assert_non_null(strstr(c->err, file));
		if (want_msg)
			assert_non_null(strstr(c->err, want_msg));
	}
	after = read_file(file, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(before, after, len0);
	free(before);
	free(after);
	snprintf(side, sizeof(side), "%s-journal", file);
	assert_false(exists(side));
}

static void test_not_sqlite_refused(void **state)
{
	struct ctx *c = *state;
	char file[160];
	char bin[8192];

	snprintf(file, sizeof(file), "%s/notes.txt", c->dir);
	write_file(file, "root:x:0:0:root:/root:/bin/bash\n", 32);
	check_refused_unchanged(c, file, NULL);

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 131 + 7);
	snprintf(file, sizeof(file), "%s/blob.bin", c->dir);
	write_file(file, bin, sizeof(bin));
	check_refused_unchanged(c, file, NULL);
}

static void make_foreign_db(const char *file, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_foreign_sqlite_refused(void **state)
{
	struct ctx *c = *state;
	char file[160];

	snprintf(file, sizeof(file), "%s/places.sqlite", c->dir);
	make_foreign_db(file, "CREATE TABLE bookmarks(id INTEGER PRIMARY KEY, url TEXT);"
			      "INSERT INTO bookmarks(url) VALUES('https://example.org');");
	check_refused_unchanged(c, file, "not a vfsaudit store");

	/* A meta table of the same shape but another owner. */
	snprintf(file, sizeof(file), "%s/other.db", c->dir);
	make_foreign_db(file, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
			      "INSERT INTO meta VALUES('format', 'someone-else');");
	check_refused_unchanged(c, file, "not a vfsaudit store");
}

static void test_other_version_refused(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);

	va_store_close(s);
	make_foreign_db(c->file, "PRAGMA journal_mode=DELETE;"
				 "UPDATE meta SET value = '99' WHERE key = 'version';");
	check_refused_unchanged(c, c->file, "version");
}

/* Format 2 (paths index on (path, obj)) is read as is and upgraded by the writer. */
/*
 * Paths interned across a reopen (an empty cache): after two known paths
 * the writer looks a missed path up before inserting it, after new ones it
 * inserts first. Either way each path is one row, and each record names the
 * path it was given.
 */
static void test_intern_across_reopen(void **state)
{
	struct ctx *c = *state;
	static const char *const first[] = { "/etc/a", "/etc/b", "/etc/c" };
	/*
	 * a: inserted first, ignored, looked up; b: looked up first; d, e: looked up
	 * first, not found, inserted; f: inserted first; c: inserted first, looked up.
	 */
	static const char *const second[] = { "/etc/a", "/etc/b", "/etc/d", "/etc/e", "/etc/f",
					      "/etc/c" };
	struct va_store *s;
	struct va_verify_result r;

	for (int pass = 0; pass < 2; pass++) {
		const char *const *paths = pass ? second : first;
		size_t n = pass ? 6 : 3;

		s = open_rw(c);
		assert_int_equal(va_store_begin(s), 0);
		for (size_t i = 0; i < n; i++) {
			struct va_event ev = base_event(10000000000ull + pass * 100 + i, paths[i]);

			assert_int_equal(va_store_add(s, &ev), 0);
		}
		assert_int_equal(va_store_commit(s), 0);
		va_store_close(s);
	}
	assert_int_equal(va_store_open(&s, c->file, 0, c->err, sizeof(c->err)), 0);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count(*) FROM paths"), 6);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count(DISTINCT path) FROM paths"), 6);
	/* Each record's path, in order: a, b, c, then the second pass's. */
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(va_store_db(s),
						    "SELECT group_concat(name, '') FROM (SELECT"
						    " substr(p.path, 6) AS name FROM events e JOIN"
						    " paths p ON p.id = e.path WHERE e.op < 100"
						    " ORDER BY e.id)",
						    -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "abcabdefc");
		sqlite3_finalize(st);
	}
	assert_int_equal(va_verify(s, NULL, 0, &r), 0);
	assert_true(r.intact);
	va_store_close(s);
}

/*
 * Older formats: read as they are, upgraded by the writer. @to_old turns a
 * store of this format into one of @version; the paths index @old_index
 * goes, path_index (format 4) comes, filled from the records.
 */
static void check_upgraded(struct ctx *c, const char *to_old, int version, const char *old_index,
			   bool renumbered)
{
	struct va_store *s = open_rw(c);
	struct va_event ev = base_event(10000000000ull, "/etc/hosts");
	struct va_history h;
	char sql[200];

	assert_int_equal(va_store_begin(s), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(va_store_add(s, &ev), 0);
	assert_int_equal(va_store_commit(s), 0);
	va_store_close(s);
	make_foreign_db(c->file, to_old);

	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(va_store_open(&s, c->file, pass ? VA_STORE_WRITE : 0, c->err,
					       sizeof(c->err)),
				 0);
		assert_int_equal(va_history_query(s, "/etc/hosts", 0, INT64_MAX, ~0ull, &h), 0);
		assert_int_equal(h.n_events, 3);
		va_history_free(&h);
		assert_int_equal(sql_int(va_store_db(s), "SELECT value FROM meta WHERE"
							 " key = 'version'"),
				 pass ? VA_STORE_VERSION : version);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE name = '%s'",
			 old_index);
		assert_int_equal(sql_int(va_store_db(s), sql), pass ? 0 : 1);
		assert_int_equal(sql_int(va_store_db(s), "SELECT count(*) FROM sqlite_master"
							 " WHERE name = 'path_index'"),
				 pass);
		if (pass) {
			struct va_verify_result r;

			if (!renumbered)
				assert_int_equal(sql_int(va_store_db(s),
							 "SELECT count(*) FROM hours"
							 " WHERE first_id = 1 AND last_id = 3"),
						 1);
			/* The three events: the start mark has no path. */
			assert_int_equal(sql_int(va_store_db(s),
						 "SELECT count(*) FROM path_index p JOIN events e"
						 " ON e.id = p.id AND e.path = p.path"
						 " AND p.slice = e.id >> 18"),
					 3);
			/* Records renumbered by hand no longer match the chain. */
			assert_int_equal(va_verify(s, NULL, 0, &r), 0);
			assert_true(r.intact == !renumbered);
		}
		va_store_close(s);
	}
}

static void test_version2_upgraded(void **state)
{
	check_upgraded(*state,
		       "DROP TABLE path_index;"
		       "CREATE INDEX events_path ON events(path, obj);"
		       "DROP TABLE hours;"
		       "UPDATE meta SET value = '2' WHERE key = 'version';",
		       2, "events_path", false);
}

static void test_version3_upgraded(void **state)
{
	check_upgraded(*state,
		       "DROP TABLE path_index;"
		       "CREATE INDEX events_slice_path ON events(id >> 18, path, obj);"
		       "UPDATE meta SET value = '3' WHERE key = 'version';",
		       3, "events_slice_path", false);
}

/*
 * A rewritten store may number its records far apart: the upgrade fills
 * the paths index slice by slice, skipping the empty ones by a seek (one
 * at a time, 2^32 slices lay between these).
 */
static void test_sparse_ids_upgraded(void **state)
{
	struct ctx *c = *state;

	check_upgraded(c,
		       "DROP TABLE path_index;"
		       "CREATE INDEX events_slice_path ON events(id >> 18, path, obj);"
		       "UPDATE events SET id = 1125899906842624 WHERE id = 3;"
		       "UPDATE events SET id = -1125899906842624 WHERE id = 2;"
		       "UPDATE meta SET value = '3' WHERE key = 'version';",
		       3, "events_slice_path", true);
}

static void test_readonly_missing(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = NULL;
	char empty[160], nodir[160];

	assert_int_equal(va_store_open(&s, c->file, 0, c->err, sizeof(c->err)), -ENOENT);
	assert_null(s);
	assert_non_null(strstr(c->err, c->file));
	assert_false(exists(c->file));

	snprintf(nodir, sizeof(nodir), "%s/nodir/audit.db", c->dir);
	assert_int_equal(va_store_open(&s, nodir, 0, c->err, sizeof(c->err)), -ENOENT);
	snprintf(nodir, sizeof(nodir), "%s/nodir", c->dir);
	assert_false(exists(nodir));

	/* An empty file (created but never written) has no events yet. */
	snprintf(empty, sizeof(empty), "%s/empty.db", c->dir);
	write_file(empty, "", 0);
	assert_int_equal(va_store_open(&s, empty, 0, c->err, sizeof(c->err)), -ENOENT);

	/* A directory is not a store. */
	assert_int_equal(va_store_open(&s, c->dir, 0, c->err, sizeof(c->err)), -EINVAL);
}

/* Field by field: what was stored is what comes back. */
static void assert_same_event(const struct va_event *a, const struct va_event *b)
{
	assert_int_equal(a->ts_ns, b->ts_ns);
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->ret, b->ret);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->tid, b->tid);
	assert_int_equal(a->ppid, b->ppid);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->euid, b->euid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->auid, b->auid);
	assert_int_equal(a->ses, b->ses);
	assert_int_equal(a->tty_dev, b->tty_dev);
	assert_int_equal(a->mntns, b->mntns);
	assert_string_equal(a->comm, b->comm);
	assert_int_equal(a->exe.len, b->exe.len);
	if (a->exe.len)
		assert_memory_equal(a->exe.ptr, b->exe.ptr, a->exe.len);
	assert_int_equal(a->path.len, b->path.len);
	if (a->path.len)
		assert_memory_equal(a->path.ptr, b->path.ptr, a->path.len);
	assert_int_equal(a->path2.len, b->path2.len);
	if (a->path2.len)
		assert_memory_equal(a->path2.ptr, b->path2.ptr, a->path2.len);
	assert_int_equal(a->argv.len, b->argv.len);
	if (a->argv.len)
		assert_memory_equal(a->argv.ptr, b->argv.ptr, a->argv.len);
	assert_int_equal(a->has_dev, b->has_dev);
	if (a->has_dev) {
		assert_int_equal(a->dev_major, b->dev_major);
		assert_int_equal(a->dev_minor, b->dev_minor);
	}
	assert_int_equal(a->has_ino, b->has_ino);
	if (a->has_ino)
		assert_int_equal(a->ino, b->ino);
	assert_int_equal(a->ftype, b->ftype);
	assert_int_equal(a->has_open_flags, b->has_open_flags);
	if (a->has_open_flags)
		assert_int_equal(a->open_flags, b->open_flags);
	if (a->op == VA_OP_READ || a->op == VA_OP_WRITE) {
		assert_int_equal(a->count, b->count);
		assert_int_equal(a->bytes, b->bytes);
	}
	if (a->op == VA_OP_CHMOD || a->op == VA_OP_MKDIR || a->op == VA_OP_MKNOD)
		assert_int_equal(a->mode, b->mode);
	if (a->op == VA_OP_CHOWN) {
		assert_int_equal(a->owner_uid, b->owner_uid);
		assert_int_equal(a->owner_gid, b->owner_gid);
	}
	if (a->op == VA_OP_TRUNCATE)
		assert_int_equal(a->size, b->size);
	assert_int_equal(a->rename_flags, b->rename_flags);
	assert_int_equal(a->path_flags, b->path_flags);
	assert_int_equal(a->path2_flags, b->path2_flags);
}

static void test_round_trip(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);
	static const char odd[] = "/data/new\nline \xff\xfe bad\x1b[31m utf8";
	static const char odd2[] = "/data/\xc3\x28renamed\tto";
	static const char argv[] = "ls\0-l\0--color=auto\0\xff\0";
	static const char exe_odd[] = "/opt/t\xe9st/bin/tool";
	struct va_event evs[14];
	struct va_history h;
	size_t n = 0;

	evs[n] = base_event(1000000000001ull, odd); /* write with everything set */
	evs[n].tid = 1240;
	evs[n].has_dev = true;
	evs[n].dev_major = 259;
	evs[n].dev_minor = 65537;
	evs[n].has_ino = true;
	evs[n].ino = 1ull << 40;
	evs[n].ftype = VA_FTYPE_FILE;
	evs[n].count = 7;
	evs[n].bytes = 123456789012ull;
	evs[n].ret = 4096;
	n++;

	evs[n] = base_event(1000000000002ull, "/data/a"); /* rename, flags, no login */
	evs[n].op = VA_OP_RENAME;
	evs[n].path2 = (struct va_bytes){ odd2, sizeof(odd2) - 1 };
	evs[n].rename_flags = VA_RENAME_NOREPLACE;
	evs[n].path_flags = VA_PATH_DELETED | VA_PATH_FROM_NAME; /* headless paths: test_query */
	evs[n].path2_flags = 2;
	evs[n].auid = VA_ID_UNSET;
	evs[n].ses = VA_ID_UNSET;
	evs[n].tty_dev = 0;
	snprintf(evs[n].comm, sizeof(evs[n].comm), "mv");
	evs[n].exe = (struct va_bytes){ "/usr/bin/mv", 11 };
	n++;

	evs[n] = base_event(1000000000003ull, "/data/bin/ls"); /* exec with argv */
	evs[n].op = VA_OP_EXEC;
	evs[n].argv = (struct va_bytes){ argv, sizeof(argv) - 1 };
	evs[n].ftype = VA_FTYPE_FILE;
	evs[n].exe = (struct va_bytes){ exe_odd, sizeof(exe_odd) - 1 };
	snprintf(evs[n].comm, sizeof(evs[n].comm), "0123456789abcdef"); /* 16 bytes: the most */
	n++;

	evs[n] = base_event(1000000000004ull, "/data/cfg"); /* open for writing, truncating */
	evs[n].op = VA_OP_OPEN;
	evs[n].has_open_flags = true;
	evs[n].open_flags = O_WRONLY | O_TRUNC | O_CLOEXEC;
	n++;

	evs[n] = base_event(1000000000005ull, "/data/cfg"); /* chmod */
	evs[n].op = VA_OP_CHMOD;
	evs[n].mode = 04755;
	n++;

	evs[n] = base_event(1000000000006ull, "/data/dir"); /* mkdir */
	evs[n].op = VA_OP_MKDIR;
	evs[n].mode = 0755;
	evs[n].ftype = VA_FTYPE_DIR;
	n++;

	evs[n] = base_event(1000000000007ull, "/data/fifo"); /* mknod */
	evs[n].op = VA_OP_MKNOD;
	evs[n].mode = S_IFIFO | 0600;
	evs[n].ftype = VA_FTYPE_FIFO;
	n++;

	evs[n] = base_event(1000000000008ull, "/data/cfg"); /* chown, gid unchanged */
	evs[n].op = VA_OP_CHOWN;
	evs[n].owner_uid = 1001;
	evs[n].owner_gid = -1;
	n++;

	evs[n] = base_event(1000000000009ull, "/data/cfg"); /* truncate with a size */
	evs[n].op = VA_OP_TRUNCATE;
	evs[n].size = 1ll << 33;
	n++;

	evs[n] = base_event(1000000000010ull, "/data/cfg"); /* truncate, size unknown */
	evs[n].op = VA_OP_TRUNCATE;
	evs[n].size = -1;
	n++;

	evs[n] = base_event(1000000000011ull, "/data/link"); /* symlink: path2 is the content */
	evs[n].op = VA_OP_SYMLINK;
	evs[n].path2 = (struct va_bytes){ "../../etc/shadow", 16 };
	n++;

	evs[n] = base_event(1000000000012ull, "/data/cfg"); /* setxattr: path2 is the name */
	evs[n].op = VA_OP_SETXATTR;
	evs[n].path2 = (struct va_bytes){ "security.evm", 12 };
	n++;

	evs[n] = base_event(1000000000013ull, "/data/shadow"); /* denied open */
	evs[n].op = VA_OP_OPEN;
	evs[n].has_open_flags = true;
	evs[n].open_flags = O_RDWR;
	evs[n].ret = -EACCES;
	evs[n].euid = 0; /* setuid attempt */
	evs[n].exe = (struct va_bytes){ NULL, 0 };
	n++;

	evs[n] = base_event(1000000000014ull, "/data/pipe"); /* read on a FIFO */
	evs[n].op = VA_OP_READ;
	evs[n].ftype = VA_FTYPE_FIFO;
	evs[n].count = 3;
	evs[n].bytes = 0;
	n++;

	assert_int_equal(va_store_begin(s), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(va_store_add(s, &evs[i]), 0);
	assert_int_equal(va_store_commit(s), 0);
	va_store_close(s);

	/* Read back through a read-only open, as `history` does. */
	assert_int_equal(va_store_open(&s, c->file, 0, c->err, sizeof(c->err)), 0);
	assert_int_equal(va_history_query(s, "/data", 0, ALL_TIME, VA_SEL_ALL, &h), 0);
	assert_int_equal(h.n_events, n);
	assert_int_equal(h.count, n);
	for (size_t i = 0; i < n; i++) {
		assert_same_event(&evs[i], &h.events[i].ev);
		assert_int_equal(h.events[i].match, VA_MATCH_PATH);
	}
	/* Row ids are the stored events' sequence: strictly increasing. */
	for (size_t i = 1; i < n; i++)
		assert_true(h.events[i].ev.seq > h.events[i - 1].ev.seq);
	va_history_free(&h);
	va_history_free(&h); /* twice is harmless */
	va_store_close(s);
}

/* An exec whose arguments were cut short must not read back as complete. */
static void test_argv_truncated_kept(void **state)
{
	struct ctx *c = *state;
	struct va_event ev = base_event(5, "/usr/bin/find");

	c->s = open_rw(c);
	ev.op = VA_OP_EXEC;
	ev.argv = (struct va_bytes){ "find\0/\0-name\0", 13 };
	ev.argv_truncated = true;
	assert_int_equal(va_store_begin(c->s), 0);
	assert_int_equal(va_store_add(c->s, &ev), 0);
	assert_int_equal(va_store_commit(c->s), 0);
	assert_int_equal(va_history_query(c->s, "/usr/bin/find", 0, ALL_TIME, VA_SEL_ALL, &c->h),
			 0);
	assert_int_equal(c->h.n_events, 1);
	assert_int_equal(c->h.events[0].ev.argv.len, 13);
	assert_true(c->h.events[0].ev.argv_truncated);
}

static void test_lost_event(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);
	struct va_event ev = base_event(77, "");

	ev.op = VA_OP_LOST;
	ev.path.len = 0;
	ev.lost = 4242;
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &ev), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count FROM events WHERE op = 19"), 4242);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count(*) FROM events WHERE path IS NULL"),
			 1);
	va_store_close(s);
}

static void test_interning(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);
	sqlite3 *db = va_store_db(s);
	struct va_event ev = base_event(1, "/etc/hosts");
	struct va_event daemon = base_event(1, "/var/log/syslog");

	/* A daemon: no login uid, no session, no terminal. */
	daemon.auid = VA_ID_UNSET;
	daemon.ses = VA_ID_UNSET;
	daemon.tty_dev = 0;
	snprintf(daemon.comm, sizeof(daemon.comm), "rsyslogd");
	daemon.exe = (struct va_bytes){ "/usr/sbin/rsyslogd", 18 };

	for (int b = 0; b < 2; b++) {
		assert_int_equal(va_store_begin(s), 0);
		for (int i = 0; i < 500; i++) {
			ev.ts_ns = (uint64_t)(b * 500 + i + 1);
			assert_int_equal(va_store_add(s, &ev), 0);
		}
		assert_int_equal(va_store_commit(s), 0);
	}
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events"), 1000);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM paths"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM procs"), 1);
	assert_int_equal(sql_int(db, "SELECT count(DISTINCT path) FROM events"), 1);
	assert_int_equal(sql_int(db, "SELECT count(DISTINCT proc) FROM events"), 1);

	/* Another thread of the same process is the same identity. */
	ev.tid = 1299;
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &ev), 0);
	assert_int_equal(va_store_add(s, &daemon), 0);
	assert_int_equal(va_store_add(s, &daemon), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM procs"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM paths"), 2);
	va_store_close(s);

	/* After a restart (empty caches) the same strings map to the same rows. */
	s = open_rw(c);
	db = va_store_db(s);
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &ev), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM paths"), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM procs"), 2);
	va_store_close(s);
}

/* Daemons (auid, ses, tty unset: NULL columns) are interned too, across restarts. */
static void test_interning_null_identity(void **state)
{
	struct ctx *c = *state;
	struct va_event daemon = base_event(1, "/var/log/syslog");

	daemon.auid = VA_ID_UNSET;
	daemon.ses = VA_ID_UNSET;
	daemon.tty_dev = 0;
	for (int round = 0; round < 3; round++) {
		c->s = open_rw(c);
		assert_int_equal(va_store_begin(c->s), 0);
		assert_int_equal(va_store_add(c->s, &daemon), 0);
		assert_int_equal(va_store_commit(c->s), 0);
		va_store_close(c->s);
		c->s = NULL;
	}
	c->s = open_rw(c);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM events"), 3);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM paths"), 1);
	assert_int_equal(sql_int(va_store_db(c->s), "SELECT count(*) FROM procs"), 1);
}

static void test_last(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);
	struct va_event ev = base_event(500, "/etc/hosts");
	uint64_t ts = 0;
	int op = 0;

	assert_int_equal(va_store_last(s, &op, &ts), -ENOENT);
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_mark(s, VA_MARK_START, 100, 0, "tracepoint"), 0);
	assert_int_equal(va_store_add(s, &ev), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(va_store_last(s, &op, &ts), 0);
	assert_int_equal(op, VA_OP_WRITE);
	assert_int_equal(ts, 500);

	/*
	 * The newest row is the one written last, even with an older
	 * timestamp; the time is the newest of the last rows (an unsaved
	 * row's is the start of what it counts).
	 */
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_mark(s, VA_MARK_STOP, 400, 0, NULL), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(va_store_last(s, &op, &ts), 0);
	assert_int_equal(op, VA_MARK_STOP);
	assert_int_equal(ts, 500);
	/* A sink's losses recorded after the stop row leave it a clean stop. */
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_mark(s, VA_MARK_SINK_LOST, 410, 3, "syslog-remote: 3"), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(va_store_last(s, &op, &ts), 0);
	assert_int_equal(op, VA_MARK_STOP);
	assert_int_equal(sql_int(va_store_db(s),
				 "SELECT count(*) FROM events e JOIN extra x ON x.id = e.id"
				 " WHERE op = 100 AND detail = 'tracepoint'"),
			 1);
	va_store_close(s);
}

/* Add events at @ts..., one transaction (so one chain checkpoint) each. */
static void add_batch(struct va_store *s, const struct va_event *tmpl, const uint64_t *ts, size_t n)
{
	struct va_event ev = *tmpl;

	assert_int_equal(va_store_begin(s), 0);
	for (size_t i = 0; i < n; i++) {
		ev.ts_ns = ts[i];
		assert_int_equal(va_store_add(s, &ev), 0);
	}
	assert_int_equal(va_store_commit(s), 0);
}

/*
 * Transactions one after another, with the checkpoints beside them: the
 * -wal file stays near its bound, where SQLite alone would seldom start the
 * log again (the checkpoints rarely finish between two transactions).
 */
static void test_wal_bounded(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);
	struct va_checkpointer *cp;
	char wal[200], path[600];
	int64_t biggest = 0;
	struct timespec t0, t;
	struct stat st;
	int n = 0;

	assert_int_equal(va_store_set_wal_bound(s, 1 << 20), 0);
	assert_int_equal(va_checkpointer_start(&cp, s), 0);
	snprintf(wal, sizeof(wal), "%s-wal", c->file);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_int_equal(va_store_begin(s), 0);
		for (int i = 0; i < 50; i++, n++) {
			struct va_event ev;

			/* New long names: a transaction writes about 100 KiB of pages. */
			snprintf(path, sizeof(path), "/srv/%0500d/%d", n, i);
			ev = base_event(1000 + (uint64_t)n, path);
			assert_int_equal(va_store_add(s, &ev), 0);
		}
		assert_int_equal(va_store_commit(s), 0);
		/* Paced, some 10 MiB of log a second: a disk that keeps up with the copies. */
		usleep(10000);
		clock_gettime(CLOCK_MONOTONIC, &t);
		/* After the thread's first pass (half a second): it says how far behind it is. */
		if (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 > 0.7) {
			assert_int_equal(stat(wal, &st), 0);
			if (st.st_size > biggest)
				biggest = st.st_size;
		}
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < 2.5);
	va_checkpointer_stop(cp);
	/* Some 10-30 MiB written: the bound and a transaction or two. */
	assert_true(n >= 5000);
	if (biggest > 2 << 20)
		fail_msg("-wal reached %lld bytes, bound 1 MiB, %d records", (long long)biggest, n);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count(*) FROM events"), n);
	va_store_close(s);
}

static void test_prune(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);
	sqlite3 *db = va_store_db(s);
	struct va_event ev = base_event(0, "/etc/hosts");
	static const uint64_t b1[] = { 1000, 2000 }, b2[] = { 3000, 4000, 5000 },
			      b3[] = { 6000, 7000 }, b4[] = { 8000, 9000, 10000 };

	add_batch(s, &ev, b1, 2);
	add_batch(s, &ev, b2, 3);
	add_batch(s, &ev, b3, 2);
	add_batch(s, &ev, b4, 3);

	/* Cuts fall at batch ends (chain checkpoints), about max_rows at a time, oldest first. */
	assert_int_equal(va_store_prune(s, 6000, 2), 2);
	assert_int_equal(sql_int(db, "SELECT min(ts) FROM events WHERE op < 100"), 3000);
	assert_int_equal(sql_int(db, "SELECT min(id) FROM events"), 3);
	/* The cut is recorded in the chain, and its checkpoint kept for verify. */
	assert_int_equal(sql_int(db, "SELECT count FROM events WHERE op = 104"), 2);
	assert_int_equal(sql_int(db, "SELECT min(id) FROM chain"), 2);
	/* 3000..5000 go; 6000 is not older than 6000, so its batch stays whole. */
	assert_int_equal(va_store_prune(s, 6000, 100), 3);
	assert_int_equal(va_store_prune(s, 6000, 100), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), 5);
	assert_int_equal(sql_int(db, "SELECT min(ts) FROM events WHERE op < 100"), 6000);
	/* A batch is not cut in two: 7000 keeps 6000 with it. */
	assert_int_equal(va_store_prune(s, 6500, 100), 0);
	assert_int_equal(va_store_prune(s, 7001, 100), 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events WHERE op < 100"), 3);
	/* The retention rows are in the chain, so they are pruned in turn, never all. */
	assert_true(sql_int(db, "SELECT count(*) FROM events WHERE op = 104") >= 1);
	/* The paths index lists the records kept, no others. */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM path_index"), 3);
	assert_int_equal(sql_int(db, "SELECT min(id) FROM path_index"),
			 sql_int(db, "SELECT min(id) FROM events WHERE op < 100"));
	va_store_close(s);
}

static void test_rollback_then_commit(void **state)
{
	struct ctx *c = *state;
	struct va_store *s = open_rw(c);
	sqlite3 *db = va_store_db(s);
	struct va_event a = base_event(10, "/etc/rolled-back");
	struct va_event b = base_event(20, "/etc/kept");
	struct va_history h;

	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &a), 0);
	assert_int_equal(va_store_add(s, &b), 0);
	va_store_rollback(s);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM paths"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM procs"), 0);

	/* The ids cached in the rolled-back transaction must not be reused. */
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &b), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events e JOIN paths p ON p.id = e.path"
				     " JOIN procs r ON r.id = e.proc"),
			 1);
	assert_int_equal(va_history_query(s, "/etc/kept", 0, ALL_TIME, VA_SEL_ALL, &h), 0);
	assert_int_equal(h.n_events, 1);
	assert_int_equal(h.events[0].ev.ts_ns, 20);
	assert_string_equal(h.events[0].ev.comm, "vim");
	va_history_free(&h);

	/* Closing with an open transaction drops it. */
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &a), 0);
	va_store_close(s);
	s = open_rw(c);
	assert_int_equal(sql_int(va_store_db(s), "SELECT count(*) FROM events"), 1);
	va_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intern_across_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_dir_mode_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_sqlite_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version2_upgraded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version3_upgraded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_ids_upgraded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_truncated_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interning_null_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_then_commit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
