/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the record covers. The daemon writes its filters into the record
 * (the start row, and a row at each reload that changes them), so that a
 * history can tell "changed 0 times" from "not watched": a path outside
 * --path, an excluded one, ops that were not selected, or only some users
 * or programs recorded.
 */
#ifndef VA_COVERAGE_H
#define VA_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"

/**
 * va_coverage_encode() - the detail of a start or filters row: the backend
 * and the filters in force, as JSON.
 * Returns: 0, or -ENOSPC when @out is too small.
 */
int va_coverage_encode(const char *backend, const struct va_filter *f, char *out, size_t len);

/**
 * va_coverage_decode() - read the filters back from a row's detail into @f
 * (initialized here; free it with va_filter_free()).
 * Returns: 0; -ENOENT when the detail holds no filters (a store written
 * before they were recorded); -EINVAL when they do not parse.
 */
int va_coverage_decode(const char *detail, size_t len, struct va_filter *f);

enum va_cover {
	VA_COVER_ALL,  /* everything history asks about was recorded */
	VA_COVER_PART, /* some of it: some names under PATH, some ops, some users... */
	VA_COVER_NONE, /* none of it */
};

/**
 * va_coverage_check() - how much of PATH (and the names under it) and the
 * ops @ops a daemon with filters @f recorded.
 * @why: receives what was left out, in words, unless VA_COVER_ALL.
 */
enum va_cover va_coverage_check(const struct va_filter *f, const char *path, uint64_t ops,
				char *why, size_t len);

/**
 * va_coverage_describe() - what filters @f leave out of a count of changes
 * anywhere (report's question): --path, --exclude, change ops not
 * selected, uid/comm/dev filters. The default exclusions are not named:
 * every daemon has them.
 * Returns: VA_COVER_ALL, or VA_COVER_PART with @why.
 */
enum va_cover va_coverage_describe(const struct va_filter *f, char *why, size_t len);

#endif
