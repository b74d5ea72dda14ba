/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process table: exe and argv per process, fed by the kernel's exec,
 * fork and exit records, so that events of processes that have already
 * exited still name their program. /proc is read only to seed the table
 * with the processes that existed before capture started, and as a last
 * resort for a process whose fork record was lost.
 */
#ifndef VA_PROCTAB_H
#define VA_PROCTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "u64map.h"

struct va_proc {
	char *exe; /* absolute path, NUL-terminated; NULL unknown */
	size_t exe_len;
	char *argv; /* arguments, each followed by NUL */
	size_t argv_len;
	uint64_t dead_since_ns; /* 0 while alive */
	unsigned int refs;	/* shared between parent and forked children */
};

struct va_proctab {
	struct va_u64map map;
	uint64_t linger_ns; /* keep exited processes this long: their last events may follow */
	const char *proc_root;
};

void va_proctab_init(struct va_proctab *t, const char *proc_root);
void va_proctab_free(struct va_proctab *t);
/* Seed from proc_root (normally "/proc"). Returns: processes added. */
int va_proctab_seed(struct va_proctab *t);
int va_proctab_exec(struct va_proctab *t, uint32_t pid, const char *exe, size_t exe_len,
		    const char *argv, size_t argv_len);
int va_proctab_fork(struct va_proctab *t, uint32_t child, uint32_t parent);
void va_proctab_exit(struct va_proctab *t, uint32_t pid, uint64_t now_ns);
/* Drop processes that exited more than linger_ns before @now_ns. */
void va_proctab_expire(struct va_proctab *t, uint64_t now_ns);
/* Returns: the entry for @pid, reading /proc once for an unknown live pid; NULL if none. */
const struct va_proc *va_proctab_get(struct va_proctab *t, uint32_t pid);

#endif
