// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store's file and schema, and writing events into it. Reading is the
 * query module's job (query.c); both agree on the schema below.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "record.h"
#include "store_priv.h"

#define STORE_BUSY_MS	5000	      /* how long a statement waits for another connection's lock */
#define WAL_BOUND_BYTES (128ll << 20) /* store_checkpoint.c */

/*
 * The schema (docs/STORE.md). Events are narrow rows: what repeats is
 * interned (paths, process identities, objects = dev/ino/type), and what
 * few events carry lives in `extra`, keyed by the same id. `link` is the
 * hash chain's link, cut to 8 bytes; `chain` keeps the full link at the end
 * of every batch. `names` pairs every name with the objects seen under it
 * (history follows a file across renames and hard links); `days`, `by_path`
 * and `by_proc` are per-day summaries kept by the writer for `report`, and
 * `hours` bounds each hour's ids, so that a window's edges cost an hour's
 * records, not a day's.
 */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS paths(id INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS procs(id INTEGER PRIMARY KEY, pid INTEGER, ppid INTEGER,"
	" uid INTEGER, euid INTEGER, gid INTEGER, auid INTEGER, ses INTEGER, tty INTEGER,"
	" mntns INTEGER, comm BLOB, exe BLOB,"
	" UNIQUE(pid, ppid, uid, euid, gid, auid, ses, tty, mntns, comm, exe));"
	"CREATE TABLE IF NOT EXISTS objects(id INTEGER PRIMARY KEY, dev INTEGER NOT NULL,"
	" ino INTEGER NOT NULL, ftype INTEGER NOT NULL, UNIQUE(dev, ino, ftype));"
	"CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	" op INTEGER NOT NULL, path INTEGER, proc INTEGER, obj INTEGER, ret INTEGER,"
	" count INTEGER, bytes INTEGER, flags INTEGER, link INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS extra(id INTEGER PRIMARY KEY, path2 INTEGER, tid INTEGER,"
	" mode INTEGER, owner_uid INTEGER, owner_gid INTEGER, size INTEGER,"
	" rename_flags INTEGER, path_flags INTEGER, path2_flags INTEGER, argv BLOB,"
	" detail TEXT);"
	"CREATE TABLE IF NOT EXISTS names(path INTEGER NOT NULL, obj INTEGER NOT NULL,"
	" PRIMARY KEY(path, obj)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS days(day INTEGER PRIMARY KEY, first_id INTEGER NOT NULL,"
	" last_id INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS hours(hour INTEGER PRIMARY KEY, first_id INTEGER NOT NULL,"
	" last_id INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS by_path(day INTEGER NOT NULL, path INTEGER NOT NULL,"
	" n INTEGER NOT NULL, PRIMARY KEY(day, path)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS by_proc(day INTEGER NOT NULL, proc INTEGER NOT NULL,"
	" n INTEGER NOT NULL, PRIMARY KEY(day, proc)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS chain(id INTEGER PRIMARY KEY, head BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS seals(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL,"
	" ts INTEGER NOT NULL, epoch INTEGER NOT NULL, head BLOB NOT NULL, mac BLOB NOT NULL,"
	" key_id INTEGER NOT NULL DEFAULT 0);"
	/*
	 * The paths index: a record's slice of 2^18 ids (VA_SLICE_BITS), path,
	 * object (0: none) and id. A table, not an index of events, so that the
	 * writer inserts a transaction's rows in key order (docs/STORE.md).
	 * Slice first: inserts stay in the newest slice's few MiB, which the
	 * page cache holds, at any store size; a path's records are one seek
	 * per slice of the window.
	 */
	"CREATE TABLE IF NOT EXISTS path_index(slice INTEGER NOT NULL, path INTEGER NOT NULL,"
	" obj INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(slice, path, obj, id))"
	" WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS extra_path2 ON extra(path2) WHERE path2 IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS names_obj ON names(obj);"
	/* The auditor's own rows (marks), read by every query to find the gaps. */
	"CREATE INDEX IF NOT EXISTS events_marks ON events(ts) WHERE op >= 100;";

int va_store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
		return -EINVAL;
	case SQLITE_CORRUPT:
		return -EUCLEAN; /* a damaged page */
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

/*
 * Queries need read access to the store, nothing more. In WAL mode SQLite
 * reads through the -shm index, which it must create when no writer left
 * one, and cannot in a directory the reader may not write. Without a -wal
 * file the main file holds every committed record, so it is read as it is
 * (immutable): the daemon is not running, or has not written since its
 * last checkpoint. Returns: 0 when @s was reopened so; -errno otherwise,
 * with @err saying what the reader lacks.
 */
static int read_only_wal(struct va_store *s, char *err, size_t errlen)
{
	char wal[PATH_MAX + 8], uri[3 * PATH_MAX + 32];
	size_t n = 0;
	int rc = sqlite3_extended_errcode(s->db);

	if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN)
		return -EINVAL;
	snprintf(wal, sizeof(wal), "%s-wal", s->file);
	if (access(wal, F_OK) == 0) {
		if (access(wal, R_OK))
			snprintf(err, errlen,
				 "cannot read %s: its write-ahead log %s must be readable by this "
				 "user too (SQLite makes it, and -shm, with the store's own "
				 "permissions: give the store the access you want and restart the "
				 "daemon), or ask as root",
				 s->file, wal);
		else
			snprintf(err, errlen,
				 "cannot read %s: SQLite needs its -shm index, which this user can "
				 "neither read nor create (give the store the access you want and "
				 "restart the daemon, which makes -shm alike), or ask as root",
				 s->file);
		return -EACCES;
	}
	/*
	 * A URI: '%', '?' and '#' escaped; "file://" and an empty authority
	 * before an absolute path, so that "//x" is not read as a host.
	 */
	n = (size_t)snprintf(uri, sizeof(uri), s->file[0] == '/' ? "file://" : "file:");
	for (const char *p = s->file; *p; p++) {
		if (n + 16 > sizeof(uri))
			return -ENAMETOOLONG;
		n += (size_t)(strchr("%?#", *p) ? snprintf(uri + n, sizeof(uri) - n, "%%%02X",
							   (unsigned char)*p)
						: snprintf(uri + n, sizeof(uri) - n, "%c", *p));
	}
	snprintf(uri + n, sizeof(uri) - n, "?immutable=1");
	if (stat(s->file, &s->immutable_st))
		return -errno;
	sqlite3_close(s->db);
	s->db = NULL;
	rc = sqlite3_open_v2(uri, &s->db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s read-only: %s", s->file, sqlite3_errstr(rc));
		return va_store_errno(rc);
	}
	s->immutable = true;
	sqlite3_exec(s->db, "PRAGMA cell_size_check=ON", NULL, NULL, NULL);
	return 0;
}

bool va_store_changed_under(const struct va_store *s)
{
	char wal[PATH_MAX + 8];
	struct stat st;

	if (!s || !s->immutable)
		return false;
	snprintf(wal, sizeof(wal), "%s-wal", s->file);
	return stat(s->file, &st) || st.st_ino != s->immutable_st.st_ino ||
	       st.st_dev != s->immutable_st.st_dev || st.st_size != s->immutable_st.st_size ||
	       st.st_mtim.tv_sec != s->immutable_st.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != s->immutable_st.st_mtim.tv_nsec || access(wal, F_OK) == 0;
}

/*
 * SQLite could not read the file's first pages (@rc): a file SQLite finds
 * malformed is damaged (cut short, overwritten), and says so as a damaged
 * page further in does (-EUCLEAN); other files are not a store at all.
 */
static int format_unreadable(struct va_store *s, int rc, char *err, size_t errlen)
{
	if ((rc & 0xff) == SQLITE_CORRUPT) {
		snprintf(err, errlen,
			 "%s is damaged (%s: SQLite cannot read its first pages, so cut short or "
			 "overwritten); nothing was changed",
			 s->file, sqlite3_errstr(rc));
		return -EUCLEAN;
	}
	snprintf(err, errlen, "%s is not a vfsaudit store (%s); nothing was changed", s->file,
		 sqlite3_errstr(rc));
	return -EINVAL;
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
	if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		return format_unreadable(s, rc, err, errlen);
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
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *f = sqlite3_column_text(st, 0);
		const unsigned char *v = sqlite3_column_text(st, 1);

		ours = f && !strcmp((const char *)f, VA_STORE_FORMAT);
		if (v)
			snprintf(version, sizeof(version), "%s", (const char *)v);
	}
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CORRUPT)
		return format_unreadable(s, rc, err, errlen);
	if (!ours) {
		snprintf(err, errlen,
			 "%s is an SQLite database but not a vfsaudit store; nothing was changed "
			 "(choose another file with --db)",
			 s->file);
		return -EINVAL;
	}
	s->version = atoi(version);
	if (s->version < VA_STORE_VERSION_OLDEST || s->version > VA_STORE_VERSION) {
		snprintf(
			err, errlen,
			"%s is a vfsaudit store of format version %s; this vfsaudit reads versions "
			"%d to %d",
			s->file, version, VA_STORE_VERSION_OLDEST, VA_STORE_VERSION);
		return -EINVAL;
	}
	return 0;
}

/*
 * Versions 2 and 3 kept the paths index as an index of events
 * (events(path, obj) and events(id >> 18, path, obj)); version 2 had no
 * `hours` either. The writer replaces the index with the path_index table
 * and fills the table and `hours` from the records, in one transaction.
 * Readers use either form.
 */
static int upgrade(struct va_store *s)
{
	char sql[200];

	if (!s->version || s->version == VA_STORE_VERSION)
		return SQLITE_OK;
	snprintf(sql, sizeof(sql),
		 "BEGIN IMMEDIATE; DROP INDEX IF EXISTS events_path;"
		 " DROP INDEX IF EXISTS events_slice_path;"
		 " UPDATE meta SET value = '%d' WHERE key = 'version';",
		 VA_STORE_VERSION);
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/*
 * An older store's paths index, slice by slice: each slice's rows sorted
 * apart, in key order, so the sort's memory is one slice's, whatever the
 * store's size. Slices without records are skipped by a seek each: a
 * rewritten store may hold ids far apart.
 */
static int fill_path_index(struct va_store *s)
{
	sqlite3_stmt *next = NULL, *fill = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db,
				"SELECT id >> " VA_SLICE_BITS " FROM events WHERE id >= ?1"
				" ORDER BY id LIMIT 1",
				-1, &next, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
					"INSERT INTO path_index SELECT id >> " VA_SLICE_BITS
					", path, " VA_PATH_INDEX_OBJ " , id FROM events"
					" WHERE id BETWEEN ?1 AND ?2 AND path IS NOT NULL"
					" ORDER BY 2, 3, 4",
					-1, &fill, NULL);
	for (int64_t from = INT64_MIN; rc == SQLITE_OK;) {
		int64_t slice;

		sqlite3_bind_int64(next, 1, from);
		rc = sqlite3_step(next);
		if (rc != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
			break;
		}
		slice = sqlite3_column_int64(next, 0);
		sqlite3_reset(next);
		/* The slice's first and last ids, shifted unsigned: slices may be negative. */
		from = (int64_t)((uint64_t)slice << VA_SLICE_SHIFT);
		sqlite3_bind_int64(fill, 1, from);
		sqlite3_bind_int64(fill, 2, from | ((1ll << VA_SLICE_SHIFT) - 1));
		rc = sqlite3_step(fill);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(fill);
		if (slice == INT64_MAX >> VA_SLICE_SHIFT)
			break;
		from = (int64_t)((uint64_t)(slice + 1) << VA_SLICE_SHIFT);
	}
	sqlite3_finalize(next);
	sqlite3_finalize(fill);
	return rc;
}

static int create_schema(struct va_store *s, char *err, size_t errlen)
{
	char sql[512];
	bool older = s->version && s->version != VA_STORE_VERSION;
	int rc = upgrade(s);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, schema, NULL, NULL, NULL);
	/* Format 2 had no `hours`: derived from the records, as the writer keeps it. */
	if (rc == SQLITE_OK && s->version == 2)
		rc = sqlite3_exec(s->db,
				  "INSERT OR IGNORE INTO hours SELECT ts / " VA_HOUR_NS_SQL
				  ", min(id), max(id) FROM events GROUP BY 1",
				  NULL, NULL, NULL);
	if (rc == SQLITE_OK && older)
		rc = fill_path_index(s);
	if (rc == SQLITE_OK && older)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK && older)
		s->version = VA_STORE_VERSION;

	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql),
			 "INSERT OR IGNORE INTO meta VALUES('format', '%s');"
			 "INSERT OR IGNORE INTO meta VALUES('version', '%d');"
			 "INSERT OR IGNORE INTO meta VALUES('created', strftime('%%s','now'));"
			 /* The chain's genesis: two stores never share a chain. */
			 "INSERT OR IGNORE INTO meta VALUES('store_id', "
			 "lower(hex(randomblob(16))));",
			 VA_STORE_FORMAT, VA_STORE_VERSION);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot set up the store %s: %s", s->file,
			 sqlite3_errmsg(s->db));
		if (older)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return va_store_errno(rc);
	}
	return 0;
}

/* The store's id (meta.store_id), the chain's genesis. A store without one has none: "". */
static void load_store_id(struct va_store *s)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'store_id'", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(s->store_id, sizeof(s->store_id), "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
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
		snprintf(err, errlen, "cannot create the directory of %s: %s", file,
			 strerror(-ret));
		goto fail;
	}
	ret = check_file(file, writable);
	if (ret) {
		if (ret == -ELOOP)
			snprintf(err, errlen,
				 "%s is a symbolic link; refusing to use it as the store", file);
		else if (ret == -EINVAL)
			snprintf(err, errlen, "%s is not a regular file", file);
		else if (ret == -ENOENT && !writable)
			snprintf(err, errlen,
				 "no store at %s: start the daemon (vfsaudit run) or give --db",
				 file);
		else if (ret == -ENOENT)
			snprintf(err, errlen,
				 "cannot create the store %s: %s; give --db a file in a writable "
				 "directory",
				 file, strerror(-ret));
		else if ((ret == -EACCES || ret == -EPERM) && !writable)
			snprintf(err, errlen,
				 "cannot open %s: %s: this user may not read the store; ask as its "
				 "owner (root, by default), or give a group read access to it "
				 "(README)",
				 file, strerror(-ret));
		else
			snprintf(err, errlen, "cannot open %s: %s", file, strerror(-ret));
		goto fail;
	}
	/*
	 * No allocation statistics: they take a global mutex on every
	 * allocation. Only possible before SQLite's first use; later it fails
	 * and changes nothing.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/*
	 * NOMUTEX: a connection is used by one thread at a time (the writer's
	 * by the writer, once started), so it needs no lock of its own; with
	 * one, every bind, step and reset took and released it, an eighth of
	 * the daemon's CPU under load.
	 */
	rc = sqlite3_open_v2(file, &s->db,
			     (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
				     SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", file, sqlite3_errstr(rc));
		ret = va_store_errno(rc);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	/*
	 * Check each page's cells as it is read: a damaged page then fails the
	 * query (-EUCLEAN) more often instead of reading as fewer rows.
	 */
	sqlite3_exec(s->db, "PRAGMA cell_size_check=ON", NULL, NULL, NULL);
	ret = check_format(s, writable, err, errlen);
	if (ret && !writable && read_only_wal(s, err, errlen) == 0)
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
				   * 16 MiB of page cache: the indexes are written at
				   * random places, and on a long tail of names every
				   * intern-cache miss reads the paths and objects
				   * indexes; a page SQLite holds costs no pread. With
				   * the path and object caches half as large (about the
				   * same memory in all), 16 MiB took 18% less CPU an
				   * event than 8 MiB writing 300,000 files at random
				   * (FILES=300000 bench/daemon-ab, 6 of 6 alternated runs).
				   */
				  "PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;",
				  NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "cannot set up %s: %s", file, sqlite3_errmsg(s->db));
			ret = va_store_errno(rc);
			goto fail;
		}
		ret = create_schema(s, err, errlen);
		if (ret)
			goto fail;
		load_store_id(s);
		s->writable = true;
		ret = va_store_set_wal_bound(s, WAL_BOUND_BYTES);
		if (!ret)
			ret = va_store_prepare_writes(s);
		if (ret) {
			snprintf(err, errlen, "cannot prepare writes to %s: %s", file,
				 sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	if (!s->writable)
		load_store_id(s);
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
	va_store_finalize_writes(s);
	sqlite3_close(s->db);
	free(s->file);
	free(s);
}

const char *va_store_file(const struct va_store *s)
{
	return s->file;
}

int va_store_stamp_lock(int fd, const char *file)
{
	char line[64];
	struct stat st;
	int n;

	if (stat(file, &st))
		return -errno;
	n = snprintf(line, sizeof(line), "%ju %ju\n", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n)
		return -errno;
	return 0;
}

enum va_daemon_state va_store_daemon(const char *file)
{
	char lock[PATH_MAX + 8], line[64];
	uintmax_t dev, ino;
	enum va_daemon_state state;
	struct stat st;
	ssize_t n;
	int fd;

	if (snprintf(lock, sizeof(lock), "%s.lock", file) >= (int)sizeof(lock))
		return VA_DAEMON_UNKNOWN;
	/*
	 * No lock file: a store copied, or reached by another name (a bind
	 * mount), or the file removed: nothing can be said.
	 */
	fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return VA_DAEMON_UNKNOWN;
	/* Held: a daemon records here (one of an older build too, which wrote no stamp). */
	if (flock(fd, LOCK_SH | LOCK_NB)) {
		state = errno == EWOULDBLOCK ? VA_DAEMON_RUNNING : VA_DAEMON_UNKNOWN;
		close(fd);
		return state;
	}
	/* Free: none runs, if this is the lock of this very file, not of one it was copied from. */
	n = pread(fd, line, sizeof(line) - 1, 0);
	line[n > 0 ? n : 0] = '\0';
	state = n > 0 && sscanf(line, "%ju %ju", &dev, &ino) == 2 && !stat(file, &st) &&
				dev == (uintmax_t)st.st_dev && ino == (uintmax_t)st.st_ino
			? VA_DAEMON_NONE
			: VA_DAEMON_UNKNOWN;
	close(fd); /* lets the shared lock taken here go */
	return state;
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
	return va_store_errno(rc);
}

int64_t va_store_wal_bound(const struct va_store *s)
{
	return s->wal_bound;
}

int va_store_set_wal_bound(struct va_store *s, int64_t bytes)
{
	char sql[64];

	s->wal_bound = bytes;
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit=%lld", (long long)bytes);
	return va_store_errno(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

int va_store_commit(struct va_store *s)
{
	int ret = va_store_flush_batch(s);
	int rc;

	if (ret) {
		va_store_rollback(s);
		return ret;
	}
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		va_store_rollback(s);
		return va_store_errno(rc);
	}
	s->in_txn = false;
	return 0;
}

void va_store_rollback(struct va_store *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = false;
	va_store_forget_batch(s);
}

int va_store_last(struct va_store *s, int *op, uint64_t *ts_ns)
{
	sqlite3_stmt *st;
	int rc, ret = -ENOENT;

	/*
	 * Not the sinks' loss rows: they are written at the stop, after the
	 * stop row (which is sealed while the sinks are still open).
	 */
	rc = sqlite3_prepare_v2(
		s->db,
		"SELECT (SELECT op FROM events WHERE op != 105 ORDER BY id DESC LIMIT 1),"
		" (SELECT max(ts) FROM (SELECT ts FROM events WHERE op != 105"
		" ORDER BY id DESC LIMIT 64))",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return va_store_errno(rc);
	/* The op of the last row; the newest time of the last few (an unsaved row's is earlier). */
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*op = sqlite3_column_int(st, 0);
		*ts_ns = (uint64_t)sqlite3_column_int64(st, 1);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

void va_record_from_stmt(struct va_record *r, sqlite3_stmt *st, int col)
{
	for (int f = 0; f < VA_REC_NFIELDS; f++) {
		struct va_val *v = &r->v[f];

		switch (sqlite3_column_type(st, col + f)) {
		case SQLITE_NULL:
			*v = (struct va_val){ .type = VA_VAL_NULL };
			break;
		case SQLITE_INTEGER:
			*v = (struct va_val){ .type = VA_VAL_INT,
					      .i = sqlite3_column_int64(st, col + f) };
			break;
		case SQLITE_FLOAT:
			/*
			 * Only a hand-edited row has one: read it as SQLite's own
			 * conversion does, which saturates where a C cast of a
			 * value past int64 (or a NaN) is undefined.
			 */
			*v = (struct va_val){ .type = VA_VAL_INT,
					      .i = sqlite3_column_int64(st, col + f) };
			break;
		default: {
			const void *p = sqlite3_column_blob(st, col + f);
			size_t len = (size_t)sqlite3_column_bytes(st, col + f);

			*v = (struct va_val){ .type = VA_VAL_BLOB, .p = p ? p : "", .len = len };
		}
		}
	}
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
