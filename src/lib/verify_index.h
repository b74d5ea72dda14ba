/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verify's check of the paths index (path_index, format 4) against the
 * records: history finds a path's records through it, so a row deleted,
 * added or changed there would hide records from history, or show others,
 * while every record still matches the chain. The walk gives each record
 * in id order; the index is read a slice at a time in id order beside it.
 */
#ifndef VA_VERIFY_INDEX_H
#define VA_VERIFY_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct va_index_check {
	sqlite3 *db;
	sqlite3_stmt *slice_rows; /* one slice's rows, by id */
	bool on;		  /* the store has the table (older formats: an index of events) */
	bool have_row;		  /* slice_rows is on a row */
	bool row_ok;		  /* ... whose columns are all integers, as the writer puts them */
	int64_t slice, path, obj, id;
	uint64_t matched; /* records found listed as they are */
};

/*
 * @version: the store's format (0 for one created now). From format 4 on,
 * a missing table is an alteration: the caller learns it from the first
 * record or from va_index_check_end().
 * Returns: 0 or -errno.
 */
int va_index_check_start(struct va_index_check *c, sqlite3 *db, int version);
/*
 * The next record with a path, in id order (@obj 0: none).
 * Returns: 1 when the index lists it as it is; 0 when the index and the
 * records disagree, @bad_seq then being the first seq they disagree on (0
 * when the row is no seq); or -errno.
 */
int va_index_check_record(struct va_index_check *c, int64_t seq, int64_t path, int64_t obj,
			  int64_t *bad_seq);
/*
 * After the last record: the index lists nothing more.
 * Returns: 1 when so; 0 with @bad_seq as above; or -errno.
 */
int va_index_check_end(struct va_index_check *c, int64_t *bad_seq);
void va_index_check_free(struct va_index_check *c);

#endif
