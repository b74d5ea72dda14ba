// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ops.h"
#include "query.h"

#define CHANGE_OPS_SQL                                                                             \
	"(e.op IN (1,4,5,6,7,8,9,10,11,12,13,14,15,16,17) OR"                                      \
	" (e.op = 2 AND e.flags & 2097152 = 0 AND (e.flags & 3 != 0 OR e.flags & 576 != 0)))"

bool va_ops_selected(uint64_t ops, enum va_op op, bool has_flags, uint32_t open_flags)
{
	bool write;

	if (op == VA_OP_NONE || op >= VA_OP_MAX || op == VA_OP_LOST)
		return false;
	if (op != VA_OP_OPEN)
		return ops & VA_SEL(op);
	/* Intent unknown (a backend without flags): only when both intents are asked for. */
	if (!has_flags)
		return (ops & (VA_SEL_OPEN_WRITE | VA_SEL_OPEN_READ)) ==
		       (VA_SEL_OPEN_WRITE | VA_SEL_OPEN_READ);
	write = ((open_flags & O_ACCMODE) != O_RDONLY || (open_flags & (O_TRUNC | O_CREAT))) &&
		!(open_flags & O_PATH);
	return ops & (write ? VA_SEL_OPEN_WRITE : VA_SEL_OPEN_READ);
}

static int errno_of(sqlite3 *db)
{
	switch (sqlite3_errcode(db) & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : errno_of(db);
}

/* Keep a copy of a column's bytes for the result's lifetime. */
static int keep(struct va_history *h, const void *p, size_t len, struct va_bytes *out)
{
	char **nv, *copy;

	out->ptr = NULL;
	out->len = 0;
	if (!p || !len)
		return 0;
	copy = malloc(len + 1);
	nv = realloc(h->strings, (h->n_strings + 1) * sizeof(*nv));
	if (!copy || !nv) {
		free(copy);
		if (nv)
			h->strings = nv;
		return -ENOMEM;
	}
	memcpy(copy, p, len);
	copy[len] = '\0';
	h->strings = nv;
	h->strings[h->n_strings++] = copy;
	out->ptr = copy;
	out->len = len;
	return 0;
}

static int64_t col_int(sqlite3_stmt *st, int i, int64_t dflt)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

/* The SELECT list that row_to_event() reads, and its joins. */
#define EVENT_COLUMNS                                                                              \
	"e.id, e.ts, e.op, p1.path, p2.path, e.tid, e.dev, e.ino, e.ftype, e.ret, e.count,"        \
	" e.bytes, e.flags, e.mode, e.owner_uid, e.owner_gid, e.size, e.rename_flags,"             \
	" e.path_flags, e.path2_flags, e.argv, pr.pid, pr.ppid, pr.uid, pr.euid, pr.gid,"          \
	" pr.auid, pr.ses, pr.tty, pr.mntns, pr.comm, pr.exe"
#define EVENT_JOINS                                                                                \
	" LEFT JOIN paths p1 ON p1.id = e.path LEFT JOIN paths p2 ON p2.id = e.path2"             \
	" LEFT JOIN procs pr ON pr.id = e.proc"

static int row_to_event(struct va_history *h, sqlite3_stmt *st, struct va_event *ev)
{
	int64_t dev;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	ev->seq = (uint64_t)sqlite3_column_int64(st, 0);
	ev->ts_ns = (uint64_t)sqlite3_column_int64(st, 1);
	ev->op = (enum va_op)sqlite3_column_int(st, 2);
	ret |= keep(h, sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3), &ev->path);
	ret |= keep(h, sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4), &ev->path2);
	ev->pid = (uint32_t)col_int(st, 21, 0);
	ev->tid = (uint32_t)col_int(st, 5, ev->pid);
	dev = col_int(st, 6, -1);
	if (dev >= 0) {
		ev->has_dev = true;
		ev->dev_major = (uint32_t)(dev >> 20);
		ev->dev_minor = (uint32_t)(dev & 0xfffff);
	}
	ev->has_ino = sqlite3_column_type(st, 7) != SQLITE_NULL;
	ev->ino = (uint64_t)col_int(st, 7, 0);
	ev->ftype = (enum va_ftype)col_int(st, 8, VA_FTYPE_UNKNOWN);
	ev->ret = col_int(st, 9, 0);
	ev->count = (uint64_t)col_int(st, 10, 0);
	ev->bytes = (uint64_t)col_int(st, 11, 0);
	ev->has_open_flags = sqlite3_column_type(st, 12) != SQLITE_NULL;
	ev->open_flags = (uint32_t)col_int(st, 12, 0);
	ev->mode = (uint32_t)col_int(st, 13, 0);
	ev->owner_uid = col_int(st, 14, -1);
	ev->owner_gid = col_int(st, 15, -1);
	ev->size = col_int(st, 16, -1);
	ev->rename_flags = (uint32_t)col_int(st, 17, 0);
	ev->path_flags = (uint32_t)col_int(st, 18, 0);
	ev->path2_flags = (uint32_t)col_int(st, 19, 0);
	if (ev->op == VA_OP_EXEC) {
		ev->argv_truncated = ev->path2_flags & VA_STORE_ARGV_TRUNCATED;
		ev->path2_flags = 0;
	}
	ret |= keep(h, sqlite3_column_blob(st, 20), (size_t)sqlite3_column_bytes(st, 20), &ev->argv);
	ev->ppid = (uint32_t)col_int(st, 22, 0);
	ev->uid = (uint32_t)col_int(st, 23, 0);
	ev->euid = (uint32_t)col_int(st, 24, 0);
	ev->gid = (uint32_t)col_int(st, 25, 0);
	ev->auid = (uint32_t)col_int(st, 26, VA_ID_UNSET);
	ev->ses = (uint32_t)col_int(st, 27, VA_ID_UNSET);
	ev->tty_dev = (uint32_t)col_int(st, 28, 0);
	ev->mntns = (uint64_t)col_int(st, 29, 0);
	if (sqlite3_column_bytes(st, 30) > 0)
		snprintf(ev->comm, sizeof(ev->comm), "%.*s", sqlite3_column_bytes(st, 30),
			 (const char *)sqlite3_column_blob(st, 30));
	ret |= keep(h, sqlite3_column_blob(st, 31), (size_t)sqlite3_column_bytes(st, 31), &ev->exe);
	if (ev->op == VA_OP_LOST)
		ev->lost = ev->count;
	return ret ? -ENOMEM : 0;
}

/* Fill temp.hp with the ids of PATH and every path under it. */
static int select_paths(sqlite3 *db, const char *path)
{
	size_t n = strlen(path);
	char *lo = malloc(n + 2), *hi = malloc(n + 2);
	sqlite3_stmt *st = NULL;
	int ret = -ENOMEM;

	if (!lo || !hi)
		goto out;
	/* Names under PATH sort between "PATH/" and "PATH0" ('0' follows '/'). */
	if (n == 1 && path[0] == '/')
		n = 0;
	memcpy(lo, path, n);
	memcpy(hi, path, n);
	lo[n] = '/';
	hi[n] = '0';
	ret = exec(db, "CREATE TEMP TABLE IF NOT EXISTS hp(id INTEGER PRIMARY KEY);"
		       "DELETE FROM temp.hp;");
	if (ret)
		goto out;
	if (sqlite3_prepare_v2(db,
			       "INSERT OR IGNORE INTO temp.hp SELECT id FROM paths WHERE path = ?1"
			       " OR (path >= ?2 AND path < ?3)",
			       -1, &st, NULL) != SQLITE_OK) {
		ret = errno_of(db);
		goto out;
	}
	sqlite3_bind_blob(st, 1, path, (int)strlen(path), SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, lo, (int)n + 1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hi, (int)n + 1, SQLITE_STATIC);
	ret = sqlite3_step(st) == SQLITE_DONE ? 0 : errno_of(db);
out:
	sqlite3_finalize(st);
	free(lo);
	free(hi);
	return ret;
}

/*
 * Fill temp.hid with the events to show: on the path, renamed/linked into
 * it, and on the same inode under another name while PATH had that inode
 * (inode numbers are reused after deletion: outside that span a match
 * would be another file).
 */
static int select_events(sqlite3 *db, uint64_t since, uint64_t until)
{
	static const char *const sql[] = {
		"CREATE TEMP TABLE IF NOT EXISTS hid(id INTEGER PRIMARY KEY, match INTEGER);"
		"DELETE FROM temp.hid;"
		"CREATE TEMP TABLE IF NOT EXISTS objs(path INTEGER, dev INTEGER, ino INTEGER,"
		" first INTEGER, last INTEGER);"
		"DELETE FROM temp.objs;",
		"INSERT OR IGNORE INTO temp.hid SELECT e.id, 0 FROM events e"
		" WHERE e.path IN (SELECT id FROM temp.hp) AND e.ts BETWEEN ?1 AND ?2",
		"INSERT OR IGNORE INTO temp.hid SELECT e.id, 1 FROM events e"
		" WHERE e.path2 IN (SELECT id FROM temp.hp) AND e.op IN (10, 11)"
		" AND e.ts BETWEEN ?1 AND ?2",
		"INSERT INTO temp.objs SELECT path, dev, ino, min(ts), NULL FROM events"
		" WHERE path IN (SELECT id FROM temp.hp) AND ino IS NOT NULL AND dev IS NOT NULL"
		" GROUP BY path, dev, ino",
		/*
		 * A name stops being that file when the same name is seen with
		 * another inode, or is unlinked, or renamed away or over.
		 */
		"UPDATE temp.objs SET last = min("
		" coalesce((SELECT min(e.ts) FROM events e WHERE e.path = temp.objs.path AND"
		" e.ts > temp.objs.first AND ((e.ino IS NOT NULL AND (e.dev != temp.objs.dev OR"
		" e.ino != temp.objs.ino)) OR (e.op IN (6, 10) AND e.ret = 0))),"
		" 9223372036854775807),"
		" coalesce((SELECT min(e.ts) FROM events e WHERE e.path2 = temp.objs.path AND"
		" e.op = 10 AND e.ret = 0 AND e.ts > temp.objs.first), 9223372036854775807))",
		"INSERT OR IGNORE INTO temp.hid SELECT e.id, 2 FROM temp.objs o JOIN events e"
		" ON e.dev = o.dev AND e.ino = o.ino WHERE e.ts BETWEEN max(?1, o.first)"
		" AND min(?2, o.last)",
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;
		const char *tail = sql[i];

		while (tail && *tail) {
			if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK)
				return errno_of(db);
			if (!st)
				break;
			if (sqlite3_bind_parameter_count(st) >= 2) {
				sqlite3_bind_int64(st, 1, (int64_t)since);
				sqlite3_bind_int64(st, 2, (int64_t)until);
			}
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				return errno_of(db);
			}
			sqlite3_finalize(st);
		}
	}
	return 0;
}

/* Count @weight events for the event's uid, and for its login uid under that uid. */
static int add_user(struct va_count_user **v, size_t *n, const struct va_event *ev,
		    uint64_t weight)
{
	struct va_count_user *u = NULL, *nv;
	size_t k;

	for (size_t i = 0; i < *n && !u; i++)
		if ((*v)[i].uid == ev->uid)
			u = &(*v)[i];
	if (!u) {
		nv = realloc(*v, (*n + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		u = &nv[(*n)++];
		memset(u, 0, sizeof(*u));
		u->uid = ev->uid;
		u->auid = VA_ID_UNSET;
	}
	u->count += weight;
	if (ev->auid == VA_ID_UNSET)
		return 0;
	/* A uid is usually used by a few people: keep the most frequent login uid. */
	for (k = 0; k < VA_MAX_AUIDS && u->auid_counts[k] && u->auids[k] != ev->auid; k++)
		;
	if (k == VA_MAX_AUIDS)
		return 0;
	u->auids[k] = ev->auid;
	u->auid_counts[k] += weight;
	if (u->auid == VA_ID_UNSET || u->auid_counts[k] > u->auid_best) {
		u->auid = ev->auid;
		u->auid_best = u->auid_counts[k];
	}
	return 0;
}

static int add_prog(struct va_count_prog **v, size_t *n, const struct va_event *ev)
{
	struct va_count_prog *nv;

	for (size_t i = 0; i < *n; i++) {
		struct va_count_prog *p = &(*v)[i];

		if (!strcmp(p->comm, ev->comm) && strlen(p->exe) == ev->exe.len &&
		    (!ev->exe.len || !memcmp(p->exe, ev->exe.ptr, ev->exe.len))) {
			p->count++;
			return 0;
		}
	}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	nv[*n].exe = strndup(ev->exe.ptr ? ev->exe.ptr : "", ev->exe.len);
	if (!nv[*n].exe)
		return -ENOMEM;
	snprintf(nv[*n].comm, sizeof(nv[*n].comm), "%s", ev->comm);
	nv[*n].count = 1;
	(*n)++;
	return 0;
}

static int by_user_count(const void *a, const void *b)
{
	const struct va_count_user *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : (x->uid > y->uid) - (x->uid < y->uid);
}

static int by_prog_count(const void *a, const void *b)
{
	const struct va_count_prog *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->exe, y->exe);
}

static int push_gap(struct va_gap **v, size_t *n, struct va_gap g)
{
	struct va_gap *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = g;
	return 0;
}

/* Gaps in [since, until] from the mark rows (and the last mark before @since). */
static int find_gaps(sqlite3 *db, uint64_t since, uint64_t until, struct va_gap **gaps,
		     size_t *n)
{
	sqlite3_stmt *st;
	struct va_gap open = { 0 };
	bool is_open = false;
	int ret = 0;

	if (sqlite3_prepare_v2(db,
			       /* Both parts use the partial index of marks (events_marks). */
			       "SELECT op, ts, count FROM events WHERE op >= 100 AND ts <= ?2 AND"
			       " (ts >= ?1 OR id = (SELECT id FROM events WHERE op >= 100"
			       " AND op != 103 AND ts < ?1 ORDER BY ts DESC LIMIT 1)) ORDER BY ts, id",
			       -1, &st, NULL) != SQLITE_OK)
		return errno_of(db);
	sqlite3_bind_int64(st, 1, (int64_t)since);
	sqlite3_bind_int64(st, 2, (int64_t)until);
	while (!ret && sqlite3_step(st) == SQLITE_ROW) {
		int op = sqlite3_column_int(st, 0);
		uint64_t ts = (uint64_t)sqlite3_column_int64(st, 1);

		switch (op) {
		case VA_MARK_STOP:
		case VA_MARK_CRASH:
			open = (struct va_gap){ .from_ns = ts < since ? since : ts,
						.crash = op == VA_MARK_CRASH };
			is_open = true;
			break;
		case VA_MARK_START:
			if (is_open && ts >= since) {
				open.to_ns = ts;
				ret = push_gap(gaps, n, open);
			}
			is_open = false;
			break;
		case VA_MARK_UNSAVED:
			ret = push_gap(gaps, n,
				       (struct va_gap){ .from_ns = ts, .to_ns = ts,
							.unsaved = (uint64_t)col_int(st, 2, 0) });
			break;
		}
	}
	sqlite3_finalize(st);
	if (!ret && is_open)
		ret = push_gap(gaps, n, open);
	return ret;
}

static uint64_t first_record(sqlite3 *db)
{
	sqlite3_stmt *st;
	uint64_t ts = 0;

	if (sqlite3_prepare_v2(db, "SELECT min(ts) FROM events", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		ts = (uint64_t)col_int(st, 0, 0);
	sqlite3_finalize(st);
	return ts;
}

int va_history_query(struct va_store *s, const char *path, uint64_t since_ns, uint64_t until_ns,
		     uint64_t ops, struct va_history *h)
{
	sqlite3 *db = va_store_db(s);
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int ret;

	memset(h, 0, sizeof(*h));
	h->since_ns = since_ns;
	h->until_ns = until_ns;
	ret = exec(db, "PRAGMA temp_store=MEMORY; BEGIN");
	if (ret)
		return ret;
	ret = select_paths(db, path);
	if (!ret)
		ret = select_events(db, since_ns, until_ns);
	if (ret)
		goto out;
	if (sqlite3_prepare_v2(db,
			       "SELECT " EVENT_COLUMNS ", h.match FROM temp.hid h"
			       /* CROSS JOIN: hid first; the planner would rather scan events by ts to avoid a sort. */
			       " CROSS JOIN events e ON e.id = h.id" EVENT_JOINS " ORDER BY e.ts, e.id",
			       -1, &st, NULL) != SQLITE_OK) {
		ret = errno_of(db);
		goto out;
	}
	while (!ret && sqlite3_step(st) == SQLITE_ROW) {
		struct va_hist_event he;

		ret = row_to_event(h, st, &he.ev);
		if (ret)
			break;
		he.match = (enum va_match)sqlite3_column_int(st, 32);
		if (!va_ops_selected(ops, he.ev.op, he.ev.has_open_flags, he.ev.open_flags))
			continue;
		if (h->n_events == cap) {
			struct va_hist_event *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(h->events, cap * sizeof(*nv));
			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			h->events = nv;
		}
		h->events[h->n_events++] = he;
		h->count++;
		ret = add_user(&h->users, &h->n_users, &he.ev, 1);
		if (!ret)
			ret = add_prog(&h->progs, &h->n_progs, &he.ev);
	}
	sqlite3_finalize(st);
	if (!ret)
		ret = find_gaps(db, since_ns, until_ns, &h->gaps, &h->n_gaps);
	h->first_record_ns = first_record(db);
	if (h->n_users)
		qsort(h->users, h->n_users, sizeof(*h->users), by_user_count);
	if (h->n_progs)
		qsort(h->progs, h->n_progs, sizeof(*h->progs), by_prog_count);
out:
	exec(db, "ROLLBACK");
	if (ret)
		va_history_free(h);
	return ret;
}

void va_history_free(struct va_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_strings; i++)
		free(h->strings[i]);
	for (size_t i = 0; i < h->n_progs; i++)
		free(h->progs[i].exe);
	free(h->strings);
	free(h->events);
	free(h->users);
	free(h->progs);
	free(h->gaps);
	memset(h, 0, sizeof(*h));
}

static int report_paths(sqlite3 *db, struct va_report *r, unsigned int top)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT p.path, count(*) c FROM events e JOIN paths p ON p.id = e.path"
			       " WHERE e.ts BETWEEN ?1 AND ?2 AND " CHANGE_OPS_SQL
			       " GROUP BY e.path ORDER BY c DESC, p.path LIMIT ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return errno_of(db);
	sqlite3_bind_int64(st, 1, (int64_t)r->since_ns);
	sqlite3_bind_int64(st, 2, (int64_t)r->until_ns);
	sqlite3_bind_int(st, 3, (int)top);
	while (!ret && sqlite3_step(st) == SQLITE_ROW) {
		struct va_report_path *nv = realloc(r->paths, (r->n_paths + 1) * sizeof(*nv));
		size_t len = (size_t)sqlite3_column_bytes(st, 0);

		if (!nv) {
			ret = -ENOMEM;
			break;
		}
		r->paths = nv;
		nv[r->n_paths].path = malloc(len + 1);
		if (!nv[r->n_paths].path) {
			ret = -ENOMEM;
			break;
		}
		if (len)
			memcpy(nv[r->n_paths].path, sqlite3_column_blob(st, 0), len);
		nv[r->n_paths].path[len] = '\0';
		nv[r->n_paths].len = len;
		nv[r->n_paths].count = (uint64_t)sqlite3_column_int64(st, 1);
		r->n_paths++;
	}
	sqlite3_finalize(st);
	return ret;
}

static int report_actors(sqlite3 *db, struct va_report *r, unsigned int top)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT pr.uid, pr.auid, pr.exe, pr.comm, count(*) FROM events e"
			       " JOIN procs pr ON pr.id = e.proc WHERE e.ts BETWEEN ?1 AND ?2 AND "
			       CHANGE_OPS_SQL " GROUP BY pr.uid, pr.auid, pr.exe, pr.comm",
			       -1, &st, NULL) != SQLITE_OK)
		return errno_of(db);
	sqlite3_bind_int64(st, 1, (int64_t)r->since_ns);
	sqlite3_bind_int64(st, 2, (int64_t)r->until_ns);
	while (!ret && sqlite3_step(st) == SQLITE_ROW) {
		struct va_event ev = { 0 };
		uint64_t n = (uint64_t)sqlite3_column_int64(st, 4);

		ev.uid = (uint32_t)sqlite3_column_int64(st, 0);
		ev.auid = (uint32_t)col_int(st, 1, VA_ID_UNSET);
		ev.exe.ptr = sqlite3_column_blob(st, 2);
		ev.exe.len = (size_t)sqlite3_column_bytes(st, 2);
		snprintf(ev.comm, sizeof(ev.comm), "%.*s", sqlite3_column_bytes(st, 3),
			 (const char *)sqlite3_column_blob(st, 3));
		/* add_prog() counts one; add the rest of this group's count. */
		ret = add_user(&r->users, &r->n_users, &ev, n);
		if (!ret)
			ret = add_prog(&r->progs, &r->n_progs, &ev);
		if (ret)
			break;
		for (size_t i = 0; i < r->n_progs; i++)
			if (!strcmp(r->progs[i].comm, ev.comm) && strlen(r->progs[i].exe) == ev.exe.len &&
			    (!ev.exe.len || !memcmp(r->progs[i].exe, ev.exe.ptr, ev.exe.len)))
				r->progs[i].count += n - 1;
		r->changes += n;
	}
	sqlite3_finalize(st);
	if (r->n_users)
		qsort(r->users, r->n_users, sizeof(*r->users), by_user_count);
	if (r->n_progs)
		qsort(r->progs, r->n_progs, sizeof(*r->progs), by_prog_count);
	if (r->n_users > top)
		r->n_users = top;
	if (r->n_progs > top) {
		for (size_t i = top; i < r->n_progs; i++)
			free(r->progs[i].exe);
		r->n_progs = top;
	}
	return ret;
}

int va_report_query(struct va_store *s, uint64_t since_ns, uint64_t until_ns, unsigned int top,
		    struct va_report *r)
{
	sqlite3 *db = va_store_db(s);
	int ret;

	memset(r, 0, sizeof(*r));
	r->since_ns = since_ns;
	r->until_ns = until_ns;
	ret = exec(db, "BEGIN");
	if (ret)
		return ret;
	ret = report_paths(db, r, top);
	if (!ret)
		ret = report_actors(db, r, top);
	if (!ret)
		ret = find_gaps(db, since_ns, until_ns, &r->gaps, &r->n_gaps);
	exec(db, "ROLLBACK");
	if (ret)
		va_report_free(r);
	return ret;
}

void va_report_free(struct va_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_paths; i++)
		free(r->paths[i].path);
	for (size_t i = 0; i < r->n_progs; i++)
		free(r->progs[i].exe);
	free(r->paths);
	free(r->users);
	free(r->progs);
	free(r->gaps);
	memset(r, 0, sizeof(*r));
}
