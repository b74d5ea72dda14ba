/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stored record as the values of its columns, in one canonical order:
 * the form the store writes, the queries read back, and the hash chain
 * commits to (docs/TAMPER.md). Writing and verifying build the same values
 * through the same functions, so "what was stored" and "what was hashed"
 * cannot drift apart.
 */
#ifndef VA_RECORD_H
#define VA_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* The canonical field order. Appending a field needs a new chain version. */
enum va_rec_field {
	VA_REC_SEQ,
	VA_REC_TS,
	VA_REC_OP,
	VA_REC_PATH,
	VA_REC_PATH2,
	VA_REC_PID,
	VA_REC_PPID,
	VA_REC_UID,
	VA_REC_EUID,
	VA_REC_GID,
	VA_REC_AUID,
	VA_REC_SES,
	VA_REC_TTY,
	VA_REC_MNTNS,
	VA_REC_COMM,
	VA_REC_EXE,
	VA_REC_TID,
	VA_REC_DEV,
	VA_REC_INO,
	VA_REC_FTYPE,
	VA_REC_RET,
	VA_REC_COUNT,
	VA_REC_BYTES,
	VA_REC_FLAGS,
	VA_REC_MODE,
	VA_REC_OWNER_UID,
	VA_REC_OWNER_GID,
	VA_REC_SIZE,
	VA_REC_RENAME_FLAGS,
	VA_REC_PATH_FLAGS,
	VA_REC_PATH2_FLAGS,
	VA_REC_ARGV,
	VA_REC_DETAIL,
	VA_REC_NFIELDS,
};

enum va_val_type {
	VA_VAL_NULL = 0,
	VA_VAL_INT = 1,
	VA_VAL_BLOB = 2,
};

struct va_val {
	enum va_val_type type;
	int64_t i;
	const void *p; /* borrowed */
	size_t len;
};

struct va_record {
	struct va_val v[VA_REC_NFIELDS];
};

/* events.path2_flags of an exec row: its argv was cut short. */
#define VA_REC_ARGV_TRUNCATED 1

/* Fill @r from an event (not its seq): only the fields its op carries. Borrows @ev's strings. */
void va_record_from_event(struct va_record *r, const struct va_event *ev);

/* Fill @r for one of the auditor's own rows (enum va_mark in store.h). */
void va_record_mark(struct va_record *r, int mark, uint64_t ts_ns, uint64_t n, const char *detail);

/* The event a record stands for; borrows @r's strings. */
void va_record_to_event(const struct va_record *r, struct va_event *ev);

/* The record's name for people: "seq 123 (2026-11-26T10:00:00.123456789Z)". */
void va_record_describe(const struct va_record *r, char *buf, size_t len);

#endif
