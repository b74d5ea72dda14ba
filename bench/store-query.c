// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store-query: time the query functions themselves, in process (no exec, no
 * output formatting), on a store: the median of RUNS calls.
 *
 *   store-query DB history PATH [RUNS] [SINCE_S]
 *   store-query DB report [RUNS] [SINCE_S]
 *
 * SINCE_S: the window starts that many seconds before now (default 7 days),
 * as `--since 7d` does. Prints "ms MEDIAN events N" (report: "changes N").
 * Build: see bench/store-run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "ops.h"
#include "query.h"
#include "store.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* STORE_QUERY_PROFILE=1: each statement the query runs, with its time, on stderr. */
static int profile(unsigned int type, void *ctx, void *p, void *x)
{
	(void)ctx;
	if (type == SQLITE_TRACE_PROFILE) {
		char *sql = sqlite3_expanded_sql(p);

		fprintf(stderr, "%10.1f ms  %.160s\n", (double)*(sqlite3_int64 *)x / 1e6,
			sql ? sql : sqlite3_sql(p));
		sqlite3_free(sql);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	bool report = argc > 2 && !strcmp(argv[2], "report");
	int arg = report ? 3 : 4;
	int runs = argc > arg ? atoi(argv[arg]) : 5;
	uint64_t since_s = argc > arg + 1 ? strtoull(argv[arg + 1], NULL, 10) : 7 * 86400;
	struct va_store *s = NULL;
	char err[4352];
	double t[64];
	uint64_t n = 0, now, since;
	struct timespec rt;

	if (argc < 3 || (!report && (strcmp(argv[2], "history") || argc < 4)) || runs < 1 ||
	    runs > 64) {
		fprintf(stderr, "usage: %s DB history PATH [RUNS] [SINCE_S] | DB report [RUNS] [SINCE_S]\n",
			argv[0]);
		return 2;
	}
	if (va_store_open(&s, argv[1], 0, err, sizeof(err))) {
		fprintf(stderr, "store-query: %s\n", err);
		return 1;
	}
	if (getenv("STORE_QUERY_PROFILE"))
		sqlite3_trace_v2(va_store_db(s), SQLITE_TRACE_PROFILE, profile, NULL);
	clock_gettime(CLOCK_REALTIME, &rt);
	now = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	since = now - since_s * 1000000000ull;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		int ret;

		if (report) {
			struct va_report r;

			ret = va_report_query(s, since, now, 10, &r);
			n = r.changes;
			if (!ret)
				va_report_free(&r);
		} else {
			struct va_history h;

			ret = va_history_query(s, argv[3], since, now, VA_SEL_CHANGES, &h);
			n = h.count;
			if (!ret)
				va_history_free(&h);
		}
		t[i] = now_ms() - t0;
		if (ret) {
			fprintf(stderr, "store-query: query failed: %d\n", ret);
			return 1;
		}
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	printf("ms %.1f %s %llu\n", t[(runs - 1) / 2], report ? "changes" : "events",
	       (unsigned long long)n);
	va_store_close(s);
	return 0;
}
