/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers the query commands share: times, user names, store opening. */
#ifndef VA_CMD_COMMON_H
#define VA_CMD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "query.h"

/* "2026-11-20 13:01:02" in local time (with the zone when @zone). */
void fmt_local(uint64_t ns, char *buf, size_t len, int zone);
/* A user's name, or "#UID" when the system does not know it. */
void user_name(uint32_t uid, char *buf, size_t len);
/* Print the gaps of a window as sentences a person reads. */
/*
 * The window's gaps: the time before the store's record begins (@b: not yet
 * recording, or removed by retention), then @gaps.
 */
void print_gaps(FILE *out, const struct va_gap *gaps, size_t n, uint64_t since, uint64_t until,
		const struct va_store_begin *b);
/* The gaps as a JSON array. */
/* The spans whose filters left out some or all of what was asked ("not watched from A to B: why"). */
void print_notes(const struct va_cover_note *notes, size_t n);
/* [{"from", "to", "watched": "no"|"partly", "why"}, …] */
struct json_object *notes_json(const struct va_cover_note *notes, size_t n);
/*
 * Add @len bytes of @s to @o as @key, a JSON string with U+FFFD for bytes
 * that are not UTF-8; when there were such bytes and @hex_key is given, the
 * exact bytes in hex as @hex_key too (as events carry path and path_hex).
 */
void json_add_path(struct json_object *o, const char *key, const char *hex_key, const char *s,
		   size_t len);
struct json_object *gaps_json(const struct va_gap *gaps, size_t n, uint64_t since, uint64_t until,
			      const struct va_store_begin *b);
/* [{"uid", "user", "auid", "count"}, …] and [{"exe", "comm", "count"}, …]. */
struct json_object *users_json(const struct va_count_user *u, size_t n);
struct json_object *progs_json(const struct va_count_prog *p, size_t n);
/* Open the store read-only; prints the reason and returns an exit code on failure. */
int open_store_ro(const char *db, struct va_store **out);
/* Say why reading store @db failed (-errno @ret; -EUCLEAN: damaged) and what to do. */
void say_read_error(const char *db, int ret);
/*
 * After a query of @s returned @ret: 0 when its answer stands, else
 * EXIT_RUNTIME once the reason is said (the failure, or a store that
 * changed under a reader without its -shm: then nothing read is trusted).
 */
int read_outcome(const struct va_store *s, const char *db, int ret);
/* Parse WHEN for --since/--until; prints the reason. Returns: 0 or EXIT_USAGE. */
int parse_when_opt(const char *opt, const char *value, uint64_t now, uint64_t *out);
uint64_t now_real_ns(void);
/*
 * Lower the nice value by @boost (0 to 20) before any thread starts. A
 * refusal is said, except a default boost (not @asked for) refused for want
 * of CAP_SYS_NICE: `watch` then runs as it did before it had a boost.
 */
void boost_priority(unsigned int boost, bool asked);

#endif
