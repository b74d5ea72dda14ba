// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report: most changed paths, most active users and programs over a
 * window. Whole days inside the window come from the per-day counts the
 * writer keeps (by_path, by_proc); the partial days at its ends are counted
 * from their events (the `days` table bounds their ids). So a week costs a
 * few hundred thousand summary rows and at most two days of events, not
 * millions of events.
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

struct tally {
	int64_t id;
	uint64_t n;
};

/* Add the summary rows of whole days [lo, hi] from @table into @m. */
static int add_days(sqlite3 *db, const char *sql, int64_t lo, int64_t hi, struct va_u64map *m)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while (!ret && sqlite3_step(st) == SQLITE_ROW)
		ret = va_count_add(m, (uint64_t)sqlite3_column_int64(st, 0),
				   (uint64_t)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return ret;
}

/* Count the change events of day @day that fall in [since, until]. */
static int add_edge_day(sqlite3 *db, int64_t day, uint64_t since, uint64_t until,
			struct va_u64map *paths, struct va_u64map *procs)
{
	sqlite3_stmt *st;
	int ret = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT e.path, e.proc, e.op, e.flags, x.path_flags FROM days d"
			       " CROSS JOIN events e ON e.id BETWEEN d.first_id AND d.last_id"
			       " LEFT JOIN extra x ON x.id = e.id"
			       " WHERE d.day = ?1 AND e.ts BETWEEN ?2 AND ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return va_q_errno(db);
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_int64(st, 2, (int64_t)since);
	sqlite3_bind_int64(st, 3, (int64_t)until);
	while (!ret && sqlite3_step(st) == SQLITE_ROW) {
		bool has_flags = sqlite3_column_type(st, 3) != SQLITE_NULL;

		if (!va_ops_selected(VA_SEL_CHANGES, (enum va_op)sqlite3_column_int(st, 2),
				     has_flags, (uint32_t)sqlite3_column_int64(st, 3)))
			continue;
		/* As the writer's day counts: a path with no head is not counted as a path. */
		if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
		    !(sqlite3_column_int64(st, 4) & VA_PATH_HEADLESS))
			ret = va_count_add(paths, (uint64_t)sqlite3_column_int64(st, 0), 1);
		if (!ret && sqlite3_column_type(st, 1) != SQLITE_NULL)
			ret = va_count_add(procs, (uint64_t)sqlite3_column_int64(st, 1), 1);
	}
	sqlite3_finalize(st);
	return ret;
}

static int count_window(sqlite3 *db, uint64_t since, uint64_t until, struct va_u64map *paths,
			struct va_u64map *procs)
{
	int64_t first = (int64_t)(since / VA_DAY_NS), last = (int64_t)(until / VA_DAY_NS);
	/* Days wholly inside the window. */
	int64_t lo = (int64_t)((since + VA_DAY_NS - 1) / VA_DAY_NS);
	int64_t hi = until >= UINT64_MAX - 1 ? last : (int64_t)((until + 1) / VA_DAY_NS) - 1;
	int ret = 0;

	if (lo <= hi) {
		ret = add_days(db, "SELECT path, n FROM by_path WHERE day BETWEEN ?1 AND ?2", lo,
			       hi, paths);
		if (!ret)
			ret = add_days(db,
				       "SELECT proc, n FROM by_proc WHERE day BETWEEN ?1 AND ?2",
				       lo, hi, procs);
	}
	for (int64_t d = first; !ret && d <= last; d++) {
		if (d >= lo && d <= hi) {
			d = hi; /* counted above */
			continue;
		}
		ret = add_edge_day(db, d, since, until, paths, procs);
	}
	return ret;
}

struct collect {
	struct tally *v;
	size_t n;
};

static void collect_one(uint64_t key, void *val, void *arg)
{
	struct collect *c = arg;

	c->v[c->n++] = (struct tally){ .id = (int64_t)key, .n = (uintptr_t)val };
}

static int by_count_then_id(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Returns: the map's entries, most counted first (the caller frees), or NULL. */
static struct tally *sorted(const struct va_u64map *m)
{
	struct collect c = { .v = malloc((m->len ? m->len : 1) * sizeof(*c.v)) };

	if (!c.v)
		return NULL;
	va_u64map_each(m, collect_one, &c);
	qsort(c.v, c.n, sizeof(*c.v), by_count_then_id);
	return c.v;
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
	struct tally *v = sorted(paths);
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

		sqlite3_bind_int64(st, 1, v[i].id);
		if (sqlite3_step(st) == SQLITE_ROW)
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
	struct tally *v = sorted(procs);
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

		sqlite3_bind_int64(st, 1, v[i].id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			ev.uid = (uint32_t)sqlite3_column_int64(st, 0);
			ev.auid = (uint32_t)va_q_col_int(st, 1, VA_ID_UNSET);
			ev.exe.ptr = sqlite3_column_blob(st, 2);
			ev.exe.len = (size_t)sqlite3_column_bytes(st, 2);
			snprintf(ev.comm, sizeof(ev.comm), "%.*s", sqlite3_column_bytes(st, 3),
				 (const char *)sqlite3_column_blob(st, 3));
		}
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
	int ret;

	memset(r, 0, sizeof(*r));
	r->since_ns = since_ns;
	r->until_ns = until_ns;
	va_u64map_init(&paths);
	va_u64map_init(&procs);
	ret = va_q_exec(db, "BEGIN");
	if (ret)
		return ret;
	ret = count_window(db, since_ns, until_ns, &paths, &procs);
	if (!ret && top)
		ret = report_paths(db, &paths, r, top);
	if (!ret)
		ret = report_actors(db, &procs, r, top);
	if (!ret)
		ret = va_q_find_gaps(db, since_ns, until_ns, &r->gaps, &r->n_gaps);
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
	memset(r, 0, sizeof(*r));
}
