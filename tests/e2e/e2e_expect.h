/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Field checks over the events of one case. A check either finds what it
 * wants or records why not. Two kinds of "not": an event that is missing
 * (or a sum still short) may yet arrive, so the runner keeps listening
 * until the deadline; a field with a wrong value will not get better, so
 * the runner stops at once.
 */
#ifndef E2E_EXPECT_H
#define E2E_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "e2e_case.h"

struct e2e_check {
	struct e2e_ctx *c;
	/* The child's events (its descendants' too with E2E_TREE), in arrival order; text watchers:
	 * every line. */
	struct e2e_event **ev;
	size_t n;
	/* Every line the watcher printed since the case started. */
	struct e2e_event *all;
	size_t n_all;
	bool failed;
	bool incomplete;   /* something may still arrive */
	bool find_missing; /* e2e_find() came up empty */
	bool ops_done;	   /* e2e_ops() saw exactly the ops it wanted: nothing more will come */
	char msg[3072];
};

/* Process identity an event must carry. */
struct e2e_proc {
	int64_t pid, tid, ppid, uid, euid, gid;
	int64_t auid, ses; /* -1: null */
	const char *comm, *exe;
	uint64_t mntns;
	const char *tty; /* NULL: null */
};

void e2e_fail(struct e2e_check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like e2e_fail, but the event may still come. */
void e2e_missing(struct e2e_check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns: the identity of the case's child as the runner knows it. */
struct e2e_proc e2e_proc_child(struct e2e_check *k);

/**
 * e2e_find() - the @nth (0-based) of the child's events with @op and @path
 * (@path NULL: any). Records a missing event, listing what did come.
 *
 * Returns: the event, or NULL.
 */
struct json_object *e2e_find(struct e2e_check *k, const char *op, const char *path, size_t nth);

/*
 * e2e_one() - the child's ops are exactly @ops, and its first @op event on
 * D/@rel carries the child's identity and success.
 *
 * Returns: that event, or NULL.
 */
struct json_object *e2e_one(struct e2e_check *k, const char *ops, const char *op, const char *rel);

/* Returns: how many of the child's events have @op and @path (NULL: any). */
size_t e2e_count(struct e2e_check *k, const char *op, const char *path);

/*
 * The child's ops, in order, are exactly @want: ops separated by spaces,
 * "write+" for one or more in a row.
 */
void e2e_ops(struct e2e_check *k, const char *want);

/* Sum of integer field @key over the child's @op events on @path equals @want. */
void e2e_sum(struct e2e_check *k, const char *op, const char *path, const char *key, int64_t want);

/* Field checks; each names the event, the field, what was expected and what came. */
void e2e_str(struct e2e_check *k, struct json_object *e, const char *key, const char *want);
void e2e_strn(struct e2e_check *k, struct json_object *e, const char *key, const char *want,
	      size_t len);
void e2e_int(struct e2e_check *k, struct json_object *e, const char *key, int64_t want);
void e2e_null(struct e2e_check *k, struct json_object *e, const char *key);
void e2e_absent(struct e2e_check *k, struct json_object *e, const char *key);
void e2e_true(struct e2e_check *k, struct json_object *e, const char *key);
/* The boolean @key is absent or false. */
void e2e_not_true(struct e2e_check *k, struct json_object *e, const char *key);
/* The string list @key is exactly @want (@n strings). */
void e2e_list(struct e2e_check *k, struct json_object *e, const char *key, const char *const *want,
	      size_t n);
/* "flags" holds exactly the space-separated @want, in any order; O_LARGEFILE is ignored. */
void e2e_flags(struct e2e_check *k, struct json_object *e, const char *want);

/* pid, tid, ppid, uid, euid, gid, auid, ses, tty, comm, exe, mntns, seq and ts. */
void e2e_proc(struct e2e_check *k, struct json_object *e, const struct e2e_proc *p);
/* e2e_proc() with the child's identity, and success (ret >= 0, no "error"). */
void e2e_common(struct e2e_check *k, struct json_object *e);
/* ret is -@errnum and error its name. */
void e2e_errno(struct e2e_check *k, struct json_object *e, int errnum);

#define E2E_FOLLOW 0x1 /* stat, not lstat */
#define E2E_OPTIONAL                                                                               \
	0x2 /* dev/ino/ftype may be null (the object is gone); given, they must match */
/* dev, ino and ftype are those of @path now. */
void e2e_obj(struct e2e_check *k, struct json_object *e, const char *path, unsigned int how);
/* dev, ino and ftype are those of @st. */
void e2e_obj_st(struct e2e_check *k, struct json_object *e, const struct stat *st,
		unsigned int how);
/* For an object that does not exist: ino and ftype null, dev null or that of @path's directory. */
void e2e_obj_missing(struct e2e_check *k, struct json_object *e, const char *path);
/* dev is "MAJ:MIN" of @dev. */
void e2e_dev(struct e2e_check *k, struct json_object *e, uint64_t dev);

/* Returns: "file", "dir", … for @mode. */
const char *e2e_ftype_name(mode_t mode);

#endif
