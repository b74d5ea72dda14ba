// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report: most changed paths, most active users and programs over a
 * window, from the counts report_window.c makes: a week costs a few hundred
 * thousand summary rows and at most about a day of events, not millions of
 * events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "query_priv.h"
#include "store_priv.h"

/* Ties at the last place are ordered by path; past this many, by first appearance. */
#define MAX_TIED 10000

static int by_count_then_id(const void *a, const void *b)
{
	const struct va_u64map_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return (x->key > y->key) - (x->key < y->key);
}

/* Returns: the map's entries, most counted first (the caller frees), or NULL. */
static struct va_u64map_count *sorted(const struct va_u64map *m)
{
	struct va_u64map_count *v = va_u64map_counts(m);

	if (v)
		qsort(v, m->len, sizeof(*v), by_count_then_id);
	return v;
}

static int by_count_then_path(const void *a, const void *b)
{
	const struct va_report_path *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	c = memcmp(x->path, y->path, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int report_paths(sqlite3 *db, const struct va_u64map *paths, struct va_report *r,
			unsigned int top)
{
	struct va_u64map_count *v = sorted(paths);
	sqlite3_stmt *st = NULL;
	size_t want = top < paths->len ? top : paths->len;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	/* Take the ties at the last place too, so that they can be ordered by name. */
	while (want && want < paths->len && want < top + MAX_TIED && v[want].n == v[top - 1].n)
		want++;
	r->paths = calloc(want ? want : 1, sizeof(*r->paths));
	if (!r->paths || sqlite3_prepare_v2(db, "SELECT path FROM paths WHERE id = ?", -1, &st,
					    NULL) != SQLITE_OK) {
		ret = r->paths ? va_q_errno(db) : -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < want && !ret; i++) {
		struct va_report_path *p = &r->paths[r->n_paths];
		size_t len = 0;
		int rc;

		sqlite3_bind_int64(st, 1, (int64_t)v[i].key);
		rc = va_q_step(st);
		/* Counted, so interned: a path that is not there is a damaged page. */
		if (rc != SQLITE_ROW) {
			ret = rc < 0 ? rc : -EUCLEAN;
			break;
		}
		len = (size_t)sqlite3_column_bytes(st, 0);
		p->path = malloc(len + 1);
		if (!p->path) {
			ret = -ENOMEM;
			break;
		}
		if (len)
			memcpy(p->path, sqlite3_column_blob(st, 0), len);
		p->path[len] = '\0';
		p->len = len;
		p->count = v[i].n;
		r->n_paths++;
		sqlite3_reset(st);
	}
	qsort(r->paths, r->n_paths, sizeof(*r->paths), by_count_then_path);
	for (size_t i = top; i < r->n_paths; i++)
		free(r->paths[i].path);
	if (r->n_paths > top)
		r->n_paths = top;
out:
	sqlite3_finalize(st);
	free(v);
	return ret;
}

static int report_actors(sqlite3 *db, const struct va_u64map *procs, struct va_report *r,
			 unsigned int top)
{
	struct va_u64map_count *v = sorted(procs);
	sqlite3_stmt *st = NULL;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	if (sqlite3_prepare_v2(db, "SELECT uid, auid, exe, comm FROM procs WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK) {
		free(v);
		return va_q_errno(db);
	}
	for (size_t i = 0; i < procs->len && !ret; i++) {
		struct va_event ev = { 0 };
		int rc;

		sqlite3_bind_int64(st, 1, (int64_t)v[i].key);
		rc = va_q_step(st);
		/* Counted, so interned: a process that is not there is a damaged page. */
		if (rc != SQLITE_ROW) {
			ret = rc < 0 ? rc : -EUCLEAN;
			break;
		}
		ev.uid = (uint32_t)sqlite3_column_int64(st, 0);
		ev.auid = (uint32_t)va_q_col_int(st, 1, VA_ID_UNSET);
		ev.exe.ptr = sqlite3_column_blob(st, 2);
		ev.exe.len = (size_t)sqlite3_column_bytes(st, 2);
		snprintf(ev.comm, sizeof(ev.comm), "%.*s", sqlite3_column_bytes(st, 3),
			 (const char *)sqlite3_column_blob(st, 3));
		ret = va_q_add_user(&r->users, &r->n_users, &ev, v[i].n);
		if (!ret)
			ret = va_q_add_prog(&r->progs, &r->n_progs, &ev, v[i].n);
		r->changes += v[i].n;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(v);
	if (r->n_users)
		qsort(r->users, r->n_users, sizeof(*r->users), va_q_by_user_count);
	if (r->n_progs)
		qsort(r->progs, r->n_progs, sizeof(*r->progs), va_q_by_prog_count);
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
	struct va_u64map paths, procs;
	/* Before the transaction's first read (va_q_gap_since_last_row). */
	enum va_daemon_state daemon = va_store_daemon(va_store_file(s));
	int ret;

	memset(r, 0, sizeof(*r));
	r->since_ns = since_ns;
	r->until_ns = until_ns;
	va_u64map_init(&paths);
	va_u64map_init(&procs);
	ret = va_q_exec(db, "BEGIN");
	if (ret)
		return ret;
	ret = va_q_count_window(db, since_ns, until_ns, &paths, &procs);
	if (!ret && top)
		ret = report_paths(db, &paths, r, top);
	if (!ret)
		ret = report_actors(db, &procs, r, top);
	if (!ret)
		ret = va_q_find_gaps(db, since_ns, until_ns, &r->gaps, &r->n_gaps);
	if (!ret)
		ret = va_q_gap_since_last_row(s, daemon, since_ns, until_ns, &r->gaps, &r->n_gaps);
	if (!ret)
		ret = va_q_store_begin(db, &r->begin);
	if (!ret)
		ret = va_q_find_coverage(db, NULL, VA_SEL_CHANGES, since_ns, until_ns, &r->notes,
					 &r->n_notes);
	va_q_exec(db, "ROLLBACK");
	va_u64map_free(&paths);
	va_u64map_free(&procs);
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
	free(r->notes);
	memset(r, 0, sizeof(*r));
}
