/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What history (query.c) and report (report.c) share. */
#ifndef VA_QUERY_PRIV_H
#define VA_QUERY_PRIV_H

#include <stdbool.h>

#include <sqlite3.h>

#include "query.h"
#include "u64map.h"

int va_q_errno(sqlite3 *db);
int va_q_exec(sqlite3 *db, const char *sql);
/*
 * Step @st. Returns: SQLITE_ROW or SQLITE_DONE, or -errno (-EUCLEAN: the
 * store is damaged). An error must not end a loop of rows as if it were the
 * last one: a damaged page would read as "nothing happened".
 */
int va_q_step(sqlite3_stmt *st);
int64_t va_q_col_int(sqlite3_stmt *st, int i, int64_t dflt);
/* Does the store have table @name (`hours` came with format 3)? Returns: 0 or -errno. */
int va_q_has_table(sqlite3 *db, const char *name, bool *has);

/* Count @weight events for the event's uid, and for its login uid under that uid. */
int va_q_add_user(struct va_count_user **v, size_t *n, const struct va_event *ev, uint64_t weight);
/* Count @weight events for the event's program (exe and comm). */
int va_q_add_prog(struct va_count_prog **v, size_t *n, const struct va_event *ev, uint64_t weight);
/* qsort orders: most events first. */
int va_q_by_user_count(const void *a, const void *b);
int va_q_by_prog_count(const void *a, const void *b);

/*
 * Fill temp.hid (id, match) with the records history shows for the paths in
 * temp.hp over [since, until] (history_select.c).
 */
int va_q_select_events(sqlite3 *db, uint64_t since, uint64_t until);

/*
 * Add the change counts of [since, until] into @paths (path id -> n) and
 * @procs (process id -> n) (report_window.c).
 */
int va_q_count_window(sqlite3 *db, uint64_t since, uint64_t until, struct va_u64map *paths,
		      struct va_u64map *procs);

/*
 * The spans of [since, until] whose filters (start and reload rows) leave
 * out some of @path or @ops (history_coverage.c); @path NULL: anything
 * but the default exclusions (report).
 */
int va_q_find_coverage(sqlite3 *db, const char *path, uint64_t ops, uint64_t since,
		       uint64_t until, struct va_cover_note **notes, size_t *n);

/* Gaps in [since, until] from the mark rows (and the last mark before @since). */
/* Where the store's record begins, into *@b. Returns: 0 or -errno. */
int va_q_store_begin(sqlite3 *db, struct va_store_begin *b);
int va_q_find_gaps(sqlite3 *db, uint64_t since, uint64_t until, struct va_gap **gaps, size_t *n);
/*
 * A gap open since the store's last row when the last mark is a start and
 * @daemon (asked before the read transaction) says none runs now.
 */
int va_q_gap_since_last_row(struct va_store *s, enum va_daemon_state daemon, uint64_t since,
			    uint64_t until, struct va_gap **gaps, size_t *n);
/* Their statements: tests check that SQLite reads them through the index of marks. */
extern const char va_q_coverage_sql[], va_q_gaps_sql[];

#endif
