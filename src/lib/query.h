/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Questions to the store: the history of a path (how many times, by whom,
 * when) and the report (most changed paths, most active users and
 * programs). Read-only; no BPF, no root.
 */
#ifndef VA_QUERY_H
#define VA_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage.h"
#include "event.h"
#include "store.h"

/* How an event relates to the path asked about. */
enum va_match {
	VA_MATCH_PATH = 0,     /* its path is PATH or under it */
	VA_MATCH_NEW_PATH = 1, /* renamed or linked to a name under PATH */
	VA_MATCH_OBJECT = 2,   /* same dev/ino under another name (hard link, bind mount) */
};

struct va_hist_event {
	struct va_event ev; /* strings owned by the result */
	enum va_match match;
};

#define VA_MAX_AUIDS 8

struct va_count_user {
	uint32_t uid;
	uint32_t auid; /* the most frequent login uid for this uid, VA_ID_UNSET if none */
	uint64_t count;
	/* private: login uids seen under this uid */
	uint32_t auids[VA_MAX_AUIDS];
	uint64_t auid_counts[VA_MAX_AUIDS];
	uint64_t auid_best;
};

struct va_count_prog {
	char *exe;
	char comm[17];
	uint64_t count;
};

/* A span with no record: the auditor was not running, or events were not stored. */
struct va_gap {
	uint64_t from_ns, to_ns; /* to_ns 0: still open at the end of the window */
	uint64_t unsaved;	 /* events counted but not stored; 0 for "not running" */
	bool crash;		 /* ended by a crash rather than a clean stop */
};

/*
 * A span in which the daemon's filters left out some or all of what a
 * history asks about: "changed 0 times" there means "not watched".
 */
struct va_cover_note {
	uint64_t from_ns, to_ns; /* to_ns: the window's end, or the next start or reload */
	enum va_cover cover;	 /* VA_COVER_PART or VA_COVER_NONE */
	char why[512];
};

/* Where a store's record begins: its oldest row, and whether retention removed older ones. */
struct va_store_begin {
	uint64_t first_ns; /* the oldest row's time, 0 when empty */
	bool pruned;	   /* a retention mark: rows before first_ns were removed */
};

struct va_history {
	uint64_t since_ns, until_ns;
	uint64_t count;
	struct va_hist_event *events;
	size_t n_events;
	struct va_count_user *users;
	size_t n_users;
	struct va_count_prog *progs;
	size_t n_progs;
	struct va_gap *gaps;
	size_t n_gaps;
	struct va_cover_note *notes;
	size_t n_notes;
	struct va_store_begin begin; /* where the store's record begins */
	/* private */
	char **strings;
	size_t n_strings;
};

/**
 * va_history_query() - every event on @path (a directory covers its
 * subtree) within [since, until] whose op is in @ops (VA_SEL_* bits),
 * with the renames into it and other names of the same objects.
 * Returns: 0 or -errno.
 */
int va_history_query(struct va_store *s, const char *path, uint64_t since_ns, uint64_t until_ns,
		     uint64_t ops, struct va_history *h);
void va_history_free(struct va_history *h);

struct va_report_path {
	char *path;
	size_t len;
	uint64_t count;
};

struct va_report {
	uint64_t since_ns, until_ns;
	struct va_cover_note *notes; /* spans whose filters recorded less than everything */
	size_t n_notes;
	uint64_t changes; /* change events in the window */
	struct va_report_path *paths;
	size_t n_paths;
	struct va_count_user *users;
	size_t n_users;
	struct va_count_prog *progs;
	size_t n_progs;
	struct va_gap *gaps;
	size_t n_gaps;
	struct va_store_begin begin; /* where the store's record begins */
};

/* The @top most changed paths, users and programs in [since, until]. */
int va_report_query(struct va_store *s, uint64_t since_ns, uint64_t until_ns, unsigned int top,
		    struct va_report *r);
void va_report_free(struct va_report *r);

#endif
