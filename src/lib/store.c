// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store's file and schema, and writing events into it. Reading is the
 * query module's job (query.c); both agree on the schema below.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "intern.h"
#include "store.h"

/*
 * events.proc and events.path point at interned rows. A process identity
 * is everything about the actor that repeats from one event to the next;
 * tid is stored only when it differs from pid. Nullable columns cost one
 * byte when empty, so op-specific fields are plain columns.
 */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS paths(id INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS procs(id INTEGER PRIMARY KEY, pid INTEGER, ppid INTEGER,"
	" uid INTEGER, euid INTEGER, gid INTEGER, auid INTEGER, ses INTEGER, tty INTEGER,"
	" mntns INTEGER, comm BLOB, exe BLOB,"
	" UNIQUE(pid, ppid, uid, euid, gid, auid, ses, tty, mntns, comm, exe));"
	"CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	" op INTEGER NOT NULL, path INTEGER, path2 INTEGER, proc INTEGER, tid INTEGER,"
	" dev INTEGER, ino INTEGER, ftype INTEGER, ret INTEGER, count INTEGER, bytes INTEGER,"
	" flags INTEGER, mode INTEGER, owner_uid INTEGER, owner_gid INTEGER, size INTEGER,"
	" rename_flags INTEGER, path_flags INTEGER, path2_flags INTEGER, argv BLOB,"
	" detail TEXT);"
	"CREATE INDEX IF NOT EXISTS events_path ON events(path, ts);"
	"CREATE INDEX IF NOT EXISTS events_path2 ON events(path2, ts) WHERE path2 IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS events_object ON events(dev, ino) WHERE ino IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS events_ts ON events(ts);"
	/* The auditor's own rows (marks), read by every query to find the gaps. */
	"CREATE INDEX IF NOT EXISTS events_marks ON events(ts) WHERE op >= 100;";

struct va_store {
	sqlite3 *db;
	char *file;
	sqlite3_stmt *ins_event, *ins_path, *get_path, *ins_proc, *get_proc;
	struct va_intern paths, procs;
	bool in_txn;
};

static int errno_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
		return -EINVAL;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

/* Create the store's directory 0700 if it is missing (not its parents: those are the admin's). */
static int ensure_dir(const char *file)
{
	char *copy = strdup(file);
	struct stat st;
	char *dir;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (mkdir(dir, 0700) && errno != EEXIST)
		ret = -errno;
	else if (stat(dir, &st))
		ret = -errno;
	else if (!S_ISDIR(st.st_mode))
		ret = -ENOTDIR;
	free(copy);
	return ret;
}

/*
 * Create the file 0600 ourselves, refusing symlinks and anything that is
 * not a regular file, before SQLite sees the name.
 */
static int check_file(const char *file, bool create)
{
	int fd = open(file, (create ? O_RDWR | O_CREAT : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;
	int ret = 0;

	if (fd < 0)
		return errno == ELOOP ? -ELOOP : -errno;
	if (fstat(fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	close(fd);
	return ret;
}

static int prepare(struct va_store *s, sqlite3_stmt **st, const char *sql)
{
	return errno_of(sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL));
}

/* Refuse files that are SQLite but not ours; stamp new ones. */
static int check_format(struct va_store *s, bool writable, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, tables = 0;
	char version[32] = "";
	bool ours = false;

	rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		tables = sqlite3_column_int(st, 0);
	else
		rc = rc == SQLITE_OK ? sqlite3_errcode(s->db) : rc;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s is not a vfsaudit store (%s); nothing was changed", s->file,
			 sqlite3_errstr(rc));
		return -EINVAL;
	}
	if (tables == 0) {
		if (!writable) {
			snprintf(err, errlen, "%s is empty: no events recorded yet", s->file);
			return -ENOENT;
		}
		return 0;
	}
	rc = sqlite3_prepare_v2(s->db,
				"SELECT (SELECT value FROM meta WHERE key = 'format'),"
				" (SELECT value FROM meta WHERE key = 'version')",
				-1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *f = sqlite3_column_text(st, 0);
		const unsigned char *v = sqlite3_column_text(st, 1);

		ours = f && !strcmp((const char *)f, VA_STORE_FORMAT);
		if (v)
			snprintf(version, sizeof(version), "%s", (const char *)v);
	}
	sqlite3_finalize(st);
	if (!ours) {
		snprintf(err, errlen,
			 "%s is an SQLite database but not a vfsaudit store; nothing was changed "
			 "(choose another file with --db)",
			 s->file);
		return -EINVAL;
	}
	if (atoi(version) != VA_STORE_VERSION) {
		snprintf(err, errlen,
			 "%s is a vfsaudit store of format version %s; this vfsaudit reads version %d",
			 s->file, version, VA_STORE_VERSION);
		return -EINVAL;
	}
	return 0;
}

static int create_schema(struct va_store *s, char *err, size_t errlen)
{
	char sql[256];
	int rc = sqlite3_exec(s->db, schema, NULL, NULL, NULL);

	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql),
			 "INSERT OR IGNORE INTO meta VALUES('format', '%s');"
			 "INSERT OR IGNORE INTO meta VALUES('version', '%d');"
			 "INSERT OR IGNORE INTO meta VALUES('created', strftime('%%s','now'));",
			 VA_STORE_FORMAT, VA_STORE_VERSION);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot set up the store %s: %s", s->file,
			 sqlite3_errmsg(s->db));
		return errno_of(rc);
	}
	return 0;
}

static int prepare_writes(struct va_store *s)
{
	int ret;

	ret = prepare(s, &s->ins_event,
		      "INSERT INTO events(ts, op, path, path2, proc, tid, dev, ino, ftype, ret, count,"
		      " bytes, flags, mode, owner_uid, owner_gid, size, rename_flags, path_flags,"
		      " path2_flags, argv, detail)"
		      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!ret)
		ret = prepare(s, &s->ins_path, "INSERT OR IGNORE INTO paths(path) VALUES(?)");
	if (!ret)
		ret = prepare(s, &s->get_path, "SELECT id FROM paths WHERE path = ?");
	if (!ret)
		ret = prepare(s, &s->ins_proc,
			      "INSERT OR IGNORE INTO procs(pid, ppid, uid, euid, gid, auid, ses, tty,"
			      " mntns, comm, exe) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
	if (!ret)
		ret = prepare(s, &s->get_proc,
			      "SELECT id FROM procs WHERE pid IS ? AND ppid IS ? AND uid IS ? AND"
			      " euid IS ? AND gid IS ? AND auid IS ? AND ses IS ? AND tty IS ? AND"
			      " mntns IS ? AND comm IS ? AND exe IS ?");
	if (!ret)
		ret = va_intern_init(&s->paths, 65536);
	if (!ret)
		ret = va_intern_init(&s->procs, 16384);
	return ret;
}

int va_store_open(struct va_store **out, const char *file, unsigned int flags, char *err,
		  size_t errlen)
{
	bool writable = flags & VA_STORE_WRITE;
	struct va_store *s = calloc(1, sizeof(*s));
	int ret, rc;

	if (!s)
		return -ENOMEM;
	s->file = strdup(file);
	if (!s->file) {
		ret = -ENOMEM;
		goto fail;
	}
	if (writable && (ret = ensure_dir(file))) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", file, strerror(-ret));
		goto fail;
	}
	ret = check_file(file, writable);
	if (ret) {
		if (ret == -ELOOP)
			snprintf(err, errlen, "%s is a symbolic link; refusing to use it as the store",
				 file);
		else if (ret == -EINVAL)
			snprintf(err, errlen, "%s is not a regular file", file);
		else if (ret == -ENOENT)
			snprintf(err, errlen,
				 "no store at %s: start the daemon (vfsaudit run) or give --db",
				 file);
		else
			snprintf(err, errlen, "cannot open %s: %s", file, strerror(-ret));
		goto fail;
	}
	rc = sqlite3_open_v2(file, &s->db,
			     (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
				     SQLITE_OPEN_NOFOLLOW,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", file, sqlite3_errstr(rc));
		ret = errno_of(rc);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	ret = check_format(s, writable, err, errlen);
	if (ret)
		goto fail;
	if (writable) {
		/*
		 * WAL: readers (history, report) never block the writer; with
		 * synchronous=NORMAL a crash or kill -9 loses at most the last
		 * transactions, never the database's consistency.
		 */
		rc = sqlite3_exec(s->db,
				  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
				  "PRAGMA wal_autocheckpoint=4000;"
				  /*
				   * 64 MiB of page cache: the index of interned paths is
				   * written at random places; with SQLite's 2 MiB default
				   * every new path costs disk reads.
				   */
				  "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
				  NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "cannot set up %s: %s", file, sqlite3_errmsg(s->db));
			ret = errno_of(rc);
			goto fail;
		}
		ret = create_schema(s, err, errlen);
		if (ret)
			goto fail;
		ret = prepare_writes(s);
		if (ret) {
			snprintf(err, errlen, "cannot prepare writes to %s: %s", file,
				 sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	va_store_close(s);
	return ret;
}

void va_store_close(struct va_store *s)
{
	if (!s)
		return;
	if (s->in_txn)
		va_store_rollback(s);
	sqlite3_finalize(s->ins_event);
	sqlite3_finalize(s->ins_path);
	sqlite3_finalize(s->get_path);
	sqlite3_finalize(s->ins_proc);
	sqlite3_finalize(s->get_proc);
	sqlite3_close(s->db);
	va_intern_free(&s->paths);
	va_intern_free(&s->procs);
	free(s->file);
	free(s);
}

struct sqlite3 *va_store_db(struct va_store *s)
{
	return s->db;
}

int va_store_begin(struct va_store *s)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		s->in_txn = true;
	return errno_of(rc);
}

int va_store_commit(struct va_store *s)
{
	int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		va_store_rollback(s);
		return errno_of(rc);
	}
	s->in_txn = false;
	return 0;
}

void va_store_rollback(struct va_store *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = false;
	/* Ids cached during the rolled-back transaction may not exist. */
	va_intern_clear(&s->paths);
	va_intern_clear(&s->procs);
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

/* Returns: the id of @p in paths (inserting it), or -errno. */
static int64_t intern_path(struct va_store *s, const struct va_bytes *p)
{
	int64_t id = va_intern_get(&s->paths, p->ptr, p->len);
	int ret;

	if (id)
		return id;
	sqlite3_bind_blob(s->ins_path, 1, p->ptr, (int)p->len, SQLITE_STATIC);
	ret = step_done(s->ins_path);
	if (ret)
		return ret;
	if (sqlite3_changes(s->db) > 0) {
		id = sqlite3_last_insert_rowid(s->db);
	} else {
		sqlite3_bind_blob(s->get_path, 1, p->ptr, (int)p->len, SQLITE_STATIC);
		if (sqlite3_step(s->get_path) == SQLITE_ROW)
			id = sqlite3_column_int64(s->get_path, 0);
		sqlite3_reset(s->get_path);
		if (!id)
			return -EIO;
	}
	va_intern_put(&s->paths, p->ptr, p->len, id);
	return id;
}

/*
 * No NULLs in a process identity: UNIQUE treats NULLs as all different,
 * which would make a new row for every event of a daemon with no login uid.
 * Unset ids are stored as the kernel's 4294967295, no tty as 0, no exe as ''.
 */
static void bind_proc(sqlite3_stmt *st, const struct va_event *ev)
{
	sqlite3_bind_int64(st, 1, ev->pid);
	sqlite3_bind_int64(st, 2, ev->ppid);
	sqlite3_bind_int64(st, 3, ev->uid);
	sqlite3_bind_int64(st, 4, ev->euid);
	sqlite3_bind_int64(st, 5, ev->gid);
	sqlite3_bind_int64(st, 6, ev->auid);
	sqlite3_bind_int64(st, 7, ev->ses);
	sqlite3_bind_int64(st, 8, ev->tty_dev);
	sqlite3_bind_int64(st, 9, (int64_t)ev->mntns);
	sqlite3_bind_blob(st, 10, ev->comm, (int)strlen(ev->comm), SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, ev->exe.len ? ev->exe.ptr : "", (int)ev->exe.len, SQLITE_STATIC);
}

/* Returns: the id of the event's process identity (inserting it), or -errno. */
static int64_t intern_proc(struct va_store *s, const struct va_event *ev)
{
	/* Cache key: the identity fields as they are laid out, then comm and exe. */
	char key[64 + 17 + PATH_MAX];
	size_t n = 0, e = ev->exe.len < PATH_MAX ? ev->exe.len : PATH_MAX;
	uint32_t ids[] = { ev->pid, ev->ppid, ev->uid, ev->euid, ev->gid, ev->auid, ev->ses,
			   ev->tty_dev };
	int64_t id;
	int ret;

	memcpy(key, ids, sizeof(ids));
	n += sizeof(ids);
	memcpy(key + n, &ev->mntns, sizeof(ev->mntns));
	n += sizeof(ev->mntns);
	memcpy(key + n, ev->comm, sizeof(ev->comm));
	n += sizeof(ev->comm);
	if (e)
		memcpy(key + n, ev->exe.ptr, e);
	n += e;
	id = va_intern_get(&s->procs, key, n);
	if (id)
		return id;
	bind_proc(s->ins_proc, ev);
	ret = step_done(s->ins_proc);
	if (ret)
		return ret;
	if (sqlite3_changes(s->db) > 0) {
		id = sqlite3_last_insert_rowid(s->db);
	} else {
		bind_proc(s->get_proc, ev);
		if (sqlite3_step(s->get_proc) == SQLITE_ROW)
			id = sqlite3_column_int64(s->get_proc, 0);
		sqlite3_reset(s->get_proc);
		sqlite3_clear_bindings(s->get_proc);
		if (!id)
			return -EIO;
	}
	va_intern_put(&s->procs, key, n, id);
	return id;
}

static void bind_opt_int(sqlite3_stmt *st, int i, bool has, int64_t v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
}

int va_store_add(struct va_store *s, const struct va_event *ev)
{
	sqlite3_stmt *st = s->ins_event;
	int64_t path = 0, path2 = 0, proc;
	bool rw = ev->op == VA_OP_READ || ev->op == VA_OP_WRITE;
	bool has_mode = ev->op == VA_OP_CHMOD || ev->op == VA_OP_MKDIR || ev->op == VA_OP_MKNOD;

	if (ev->path.len) {
		path = intern_path(s, &ev->path);
		if (path < 0)
			return (int)path;
	}
	if (ev->path2.len) {
		path2 = intern_path(s, &ev->path2);
		if (path2 < 0)
			return (int)path2;
	}
	proc = intern_proc(s, ev);
	if (proc < 0)
		return (int)proc;

	sqlite3_bind_int64(st, 1, (int64_t)ev->ts_ns);
	sqlite3_bind_int(st, 2, ev->op);
	bind_opt_int(st, 3, path > 0, path);
	bind_opt_int(st, 4, path2 > 0, path2);
	sqlite3_bind_int64(st, 5, proc);
	bind_opt_int(st, 6, ev->tid != ev->pid, ev->tid);
	bind_opt_int(st, 7, ev->has_dev, ((int64_t)ev->dev_major << 20) | ev->dev_minor);
	bind_opt_int(st, 8, ev->has_ino, (int64_t)ev->ino);
	bind_opt_int(st, 9, ev->ftype != VA_FTYPE_UNKNOWN, ev->ftype);
	sqlite3_bind_int64(st, 10, ev->ret);
	bind_opt_int(st, 11, rw, (int64_t)ev->count);
	bind_opt_int(st, 12, rw, (int64_t)ev->bytes);
	bind_opt_int(st, 13, ev->has_open_flags, ev->open_flags);
	bind_opt_int(st, 14, has_mode, ev->mode);
	bind_opt_int(st, 15, ev->op == VA_OP_CHOWN, ev->owner_uid);
	bind_opt_int(st, 16, ev->op == VA_OP_CHOWN, ev->owner_gid);
	bind_opt_int(st, 17, ev->op == VA_OP_TRUNCATE && ev->size >= 0, ev->size);
	bind_opt_int(st, 18, ev->rename_flags != 0, ev->rename_flags);
	bind_opt_int(st, 19, ev->path_flags != 0, ev->path_flags);
	/* exec has no second path: its column says whether argv was cut short. */
	if (ev->op == VA_OP_EXEC)
		bind_opt_int(st, 20, ev->argv_truncated, VA_STORE_ARGV_TRUNCATED);
	else
		bind_opt_int(st, 20, ev->path2_flags != 0, ev->path2_flags);
	if (ev->op == VA_OP_EXEC && ev->argv.len)
		sqlite3_bind_blob(st, 21, ev->argv.ptr, (int)ev->argv.len, SQLITE_STATIC);
	if (ev->op == VA_OP_LOST)
		sqlite3_bind_int64(st, 11, (int64_t)ev->lost);
	return step_done(st);
}

int va_store_mark(struct va_store *s, enum va_mark mark, uint64_t ts_ns, uint64_t n,
		  const char *detail)
{
	sqlite3_stmt *st = s->ins_event;

	sqlite3_bind_int64(st, 1, (int64_t)ts_ns);
	sqlite3_bind_int(st, 2, mark);
	bind_opt_int(st, 11, mark == VA_MARK_UNSAVED, (int64_t)n);
	sqlite3_bind_int(st, 10, 0);
	if (detail)
		sqlite3_bind_text(st, 22, detail, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

int va_store_last(struct va_store *s, int *op, uint64_t *ts_ns)
{
	sqlite3_stmt *st;
	int rc, ret = -ENOENT;

	rc = sqlite3_prepare_v2(s->db, "SELECT op, ts FROM events ORDER BY id DESC LIMIT 1", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return errno_of(rc);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*op = sqlite3_column_int(st, 0);
		*ts_ns = (uint64_t)sqlite3_column_int64(st, 1);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

int va_store_prune(struct va_store *s, uint64_t before_ns, unsigned int max_rows)
{
	sqlite3_stmt *st;
	int rc;

	/* Events only: marks say when nobody watched, which stays true. */
	rc = sqlite3_prepare_v2(s->db,
				"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ?"
				" AND op < 100 ORDER BY ts LIMIT ?)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return errno_of(rc);
	sqlite3_bind_int64(st, 1, (int64_t)before_ns);
	sqlite3_bind_int(st, 2, (int)max_rows);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return errno_of(rc);
	return sqlite3_changes(s->db);
}

uint64_t va_store_size(const struct va_store *s)
{
	char wal[PATH_MAX + 8];
	struct stat st;
	uint64_t total = 0;

	if (!stat(s->file, &st))
		total += (uint64_t)st.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", s->file);
	if (!stat(wal, &st))
		total += (uint64_t)st.st_size;
	return total;
}
