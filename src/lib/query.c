// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ops.h"
#include "query.h"
#include "query_priv.h"
#include "record.h"

int va_q_errno(sqlite3 *db)
{
	switch (sqlite3_errcode(db) & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		/* The header was good when the store opened: a page past it is not. */
		return -EUCLEAN;
	default:
		return -EIO;
	}
}

int va_q_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_ROW || rc == SQLITE_DONE ? rc : va_q_errno(sqlite3_db_handle(st));
}

int va_q_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : va_q_errno(db);
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

int va_q_has_table(sqlite3 *db, const char *name, bool *has)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = va_q_step(st);
	*has = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int64_t va_q_col_int(sqlite3_stmt *st, int i, int64_t dflt)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

/*
 * Copy a record's strings into the result, then make the event. The row's
 * memory is gone at the next step.
 */
static int row_to_event(struct va_history *h, sqlite3_stmt *st, struct va_event *ev)
{
	static const enum va_rec_field strings[] = { VA_REC_PATH, VA_REC_PATH2, VA_REC_COMM,
						     VA_REC_EXE,  VA_REC_ARGV,	VA_REC_DETAIL };
	struct va_record r;
	int ret = 0;

	va_record_from_stmt(&r, st, 0);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		struct va_val *v = &r.v[strings[i]];
		struct va_bytes kept;

		if (v->type != VA_VAL_BLOB || !v->len)
			continue;
		ret |= keep(h, v->p, v->len, &kept);
		v->p = kept.ptr;
	}
	va_record_to_event(&r, ev);
	return ret ? -ENOMEM : 0;
}

/* The connection's page cache size, as PRAGMA cache_size says it (pages, or -KiB). */
static int64_t cache_size(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* At most this many names under PATH make a small history (see va_history_query). */
#define SMALL_HISTORY_PATHS 16

/* Fill temp.hp with the ids of PATH and every path under it (*@n_paths of them). */
static int select_paths(sqlite3 *db, const char *path, int *n_paths)
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
	ret = va_q_exec(db, "CREATE TEMP TABLE IF NOT EXISTS hp(id INTEGER PRIMARY KEY);"
			    "DELETE FROM temp.hp;");
	if (ret)
		goto out;
	if (sqlite3_prepare_v2(db,
			       "INSERT OR IGNORE INTO temp.hp SELECT id FROM paths WHERE path = ?1"
			       " OR (path >= ?2 AND path < ?3)",
			       -1, &st, NULL) != SQLITE_OK) {
		ret = va_q_errno(db);
		goto out;
	}
	sqlite3_bind_blob(st, 1, path, (int)strlen(path), SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, lo, (int)n + 1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hi, (int)n + 1, SQLITE_STATIC);
	ret = va_q_step(st);
	ret = ret < 0 ? ret : 0;
	*n_paths = sqlite3_changes(db);
out:
	sqlite3_finalize(st);
	free(lo);
	free(hi);
	return ret;
}

/* Count @weight events for the event's uid, and for its login uid under that uid. */
int va_q_add_user(struct va_count_user **v, size_t *n, const struct va_event *ev, uint64_t weight)
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

int va_q_add_prog(struct va_count_prog **v, size_t *n, const struct va_event *ev, uint64_t weight)
{
	struct va_count_prog *nv;

	for (size_t i = 0; i < *n; i++) {
		struct va_count_prog *p = &(*v)[i];

		if (!strcmp(p->comm, ev->comm) && strlen(p->exe) == ev->exe.len &&
		    (!ev->exe.len || !memcmp(p->exe, ev->exe.ptr, ev->exe.len))) {
			p->count += weight;
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
	nv[*n].count = weight;
	(*n)++;
	return 0;
}

int va_q_by_user_count(const void *a, const void *b)
{
	const struct va_count_user *x = a, *y = b;

	return x->count < y->count   ? 1
	       : x->count > y->count ? -1
				     : (x->uid > y->uid) - (x->uid < y->uid);
}

int va_q_by_prog_count(const void *a, const void *b)
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

/* Both parts read the partial index of marks (events_marks), in its order. */
const char va_q_gaps_sql[] = "SELECT op, ts, count FROM events WHERE op >= 100 AND ts <= ?2 AND"
			     " (ts >= ?1 OR id = (SELECT id FROM events WHERE op >= 100"
			     " AND op IN (100, 101, 102) AND ts < ?1 ORDER BY ts DESC, id DESC"
			     " LIMIT 1))"
			     " ORDER BY ts, id";

/* Gaps in [since, until] from the mark rows (and the last mark before @since). */
int va_q_find_gaps(sqlite3 *db, uint64_t since, uint64_t until, struct va_gap **gaps, size_t *n)
{
	sqlite3_stmt *st;
	struct va_gap open = { 0 };
	bool is_open = false;
	int ret = 0, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, va_q_gaps_sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, (int64_t)since);
	sqlite3_bind_int64(st, 2, (int64_t)until);
	while (!ret && (rc = va_q_step(st)) == SQLITE_ROW) {
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
			ret = push_gap(
				gaps, n,
				(struct va_gap){ .from_ns = ts,
						 .to_ns = ts,
						 .unsaved = (uint64_t)va_q_col_int(st, 2, 0) });
			break;
		}
	}
	sqlite3_finalize(st);
	if (!ret && rc < 0)
		ret = rc;
	if (!ret && is_open)
		ret = push_gap(gaps, n, open);
	return ret;
}

/*
 * A daemon killed with -9, or a machine that stopped, leaves no stop row:
 * its crash row comes only with the next start. Until then, when the last
 * mark is a start and no daemon holds the store's lock, nothing has been
 * recorded since the store's last row: a gap open at the window's end,
 * as the crash row will say. Where the lock cannot be read (a reader
 * without access to it) nothing is claimed either way. @daemon is asked
 * before the read transaction: a daemon that stops writes its stop row
 * before it lets the lock go, so the rows read then include that row.
 */
int va_q_gap_since_last_row(struct va_store *s, enum va_daemon_state daemon, uint64_t since,
			    uint64_t until, struct va_gap **gaps, size_t *n)
{
	sqlite3 *db = va_store_db(s);
	sqlite3_stmt *st;
	uint64_t last_ts;
	int rc, mark = 0, last_op;

	/* A gap open already (the last mark a stop) says it all. */
	if (*n && !(*gaps)[*n - 1].to_ns && !(*gaps)[*n - 1].unsaved)
		return 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT op FROM events WHERE op >= 100 AND op IN (100, 101, 102)"
			       " ORDER BY ts DESC, id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	rc = va_q_step(st);
	if (rc == SQLITE_ROW)
		mark = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	if (mark != VA_MARK_START || daemon != VA_DAEMON_NONE)
		return 0;
	/* From the time the next start's crash row will carry. */
	rc = va_store_last(s, &last_op, &last_ts);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	if (last_ts >= until)
		return 0;
	return push_gap(
		gaps, n,
		(struct va_gap){ .from_ns = last_ts < since ? since : last_ts, .crash = true });
}

int va_q_store_begin(sqlite3 *db, struct va_store_begin *b)
{
	sqlite3_stmt *st;
	int rc;

	memset(b, 0, sizeof(*b));
	/*
	 * Records are stored in arrival order: the first row is the oldest, to
	 * a second or so. A prune mark (through the index of the daemon's own
	 * rows) says retention removed older ones.
	 */
	if (sqlite3_prepare_v2(db,
			       "SELECT (SELECT ts FROM events ORDER BY id LIMIT 1), "
			       "EXISTS (SELECT 1 FROM events WHERE op >= 100 AND op = ?1)",
			       -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int(st, 1, VA_MARK_PRUNE);
	rc = va_q_step(st);
	if (rc == SQLITE_ROW) {
		b->first_ns = (uint64_t)va_q_col_int(st, 0, 0);
		b->pruned = va_q_col_int(st, 1, 0) != 0;
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int va_history_query(struct va_store *s, const char *path, uint64_t since_ns, uint64_t until_ns,
		     uint64_t ops, struct va_history *h)
{
	sqlite3 *db = va_store_db(s);
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int n_paths = 0;
	int64_t cache_was = 0;
	int ret, rc = SQLITE_DONE;
	/* Before the transaction's first read (va_q_gap_since_last_row). */
	enum va_daemon_state daemon = va_store_daemon(va_store_file(s));

	memset(h, 0, sizeof(*h));
	h->since_ns = since_ns;
	h->until_ns = until_ns;
	ret = va_q_exec(db, "PRAGMA temp_store=MEMORY; BEGIN");
	if (ret)
		return ret;
	ret = select_paths(db, path, &n_paths);
	/*
	 * A few names' records are read about once each: a small page cache
	 * recycles its pages where SQLite's default 2 MiB takes a fresh page
	 * from the kernel for each, and on a virtual machine each first touch
	 * of a page is a costly fault (bench/store-run, history of one file
	 * in 10M records: 51 ms, 42 ms with 256 KiB). A directory's records
	 * revisit index pages across slices: it keeps the default.
	 */
	if (!ret && n_paths <= SMALL_HISTORY_PATHS) {
		cache_was = cache_size(db);
		ret = va_q_exec(db, "PRAGMA cache_size=-256");
	}
	if (!ret)
		ret = va_q_select_events(db, since_ns, until_ns);
	if (ret)
		goto out;
	if (sqlite3_prepare_v2(db,
			       "SELECT " VA_RECORD_COLUMNS ", h.match, " VA_RECORD_DANGLING
			       " FROM temp.hid h"
			       /* CROSS JOIN: hid first, then each event by its id. */
			       " CROSS JOIN events e ON e.id = h.id" VA_RECORD_JOINS
			       " ORDER BY e.ts, e.id",
			       -1, &st, NULL) != SQLITE_OK) {
		ret = va_q_errno(db);
		goto out;
	}
	while (!ret && (rc = va_q_step(st)) == SQLITE_ROW) {
		struct va_hist_event he;

		if (sqlite3_column_int(st, VA_REC_NFIELDS + 1)) {
			ret = -EUCLEAN;
			break;
		}
		ret = row_to_event(h, st, &he.ev);
		if (ret)
			break;
		he.match = (enum va_match)sqlite3_column_int(st, VA_REC_NFIELDS);
		if (!va_ops_selected(ops, he.ev.op, he.ev.has_open_flags, he.ev.open_flags))
			continue;
		/*
		 * A path whose head is missing (cut at the walk's limit, or outside
		 * the process's root) is not known to be under PATH, however it
		 * begins: a deep tree under /tmp can end in "etc/shadow".
		 */
		if (he.match == VA_MATCH_PATH && VA_PATH_HEADLESS(he.ev.path_flags))
			continue;
		if (he.match == VA_MATCH_NEW_PATH && VA_PATH_HEADLESS(he.ev.path2_flags))
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
		ret = va_q_add_user(&h->users, &h->n_users, &he.ev, 1);
		if (!ret)
			ret = va_q_add_prog(&h->progs, &h->n_progs, &he.ev, 1);
	}
	sqlite3_finalize(st);
	if (!ret && rc < 0)
		ret = rc;
	if (!ret)
		ret = va_q_find_gaps(db, since_ns, until_ns, &h->gaps, &h->n_gaps);
	if (!ret)
		ret = va_q_gap_since_last_row(s, daemon, since_ns, until_ns, &h->gaps, &h->n_gaps);
	if (!ret)
		ret = va_q_find_coverage(db, path, ops, since_ns, until_ns, &h->notes, &h->n_notes);
	if (!ret)
		ret = va_q_store_begin(db, &h->begin);
	if (h->n_users)
		qsort(h->users, h->n_users, sizeof(*h->users), va_q_by_user_count);
	if (h->n_progs)
		qsort(h->progs, h->n_progs, sizeof(*h->progs), va_q_by_prog_count);
out:
	va_q_exec(db, "ROLLBACK");
	if (cache_was) {
		/* The connection's own setting again (the writer's 16 MiB, or the default). */
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA cache_size=%lld", (long long)cache_was);
		va_q_exec(db, sql);
	}
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
	free(h->notes);
	memset(h, 0, sizeof(*h));
}
