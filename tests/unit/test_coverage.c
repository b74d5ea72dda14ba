// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the record covers: the daemon's filters written into a row and read
 * back, and what they leave out of a history (names, ops, users).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "coverage.h"
#include "ops.h"

static void add(struct va_filter *f, const char *key, const char *value)
{
	char err[256];

	assert_int_equal(va_filter_add(f, key, value, err, sizeof(err)), 0);
}

/* Encode @f, decode it into @out: what a history reads back from the start row. */
static void round_trip(const struct va_filter *f, struct va_filter *out)
{
	char detail[8192];

	assert_int_equal(va_coverage_encode("tracepoint", f, detail, sizeof(detail)), 0);
	assert_non_null(strstr(detail, "\"backend\":\"tracepoint\""));
	assert_int_equal(va_coverage_decode(detail, strlen(detail), out), 0);
}

static void test_round_trip(void **state)
{
	struct va_filter f, g;

	(void)state;
	va_filter_init(&f);
	add(&f, "path", "/etc");
	add(&f, "path", "/home/alice");
	add(&f, "exclude", "/etc/ssl");
	add(&f, "uid", "1000");
	add(&f, "comm", "vim");
	add(&f, "dev", "8:3");
	add(&f, "ops", "changes,exec");
	f.every_call = true;
	f.default_excludes = false;
	round_trip(&f, &g);
	assert_int_equal(g.ops, VA_SEL_CHANGES | VA_SEL_EXEC);
	assert_true(g.every_call);
	assert_false(g.default_excludes);
	assert_int_equal(g.n_paths, 2);
	assert_string_equal(g.paths[0], "/etc");
	assert_string_equal(g.paths[1], "/home/alice");
	assert_int_equal(g.n_excludes, 1);
	assert_string_equal(g.excludes[0], "/etc/ssl");
	assert_int_equal(g.n_uids, 1);
	assert_int_equal(g.uids[0], 1000);
	assert_int_equal(g.n_comms, 1);
	assert_string_equal(g.comms[0], "vim");
	assert_int_equal(g.n_devs, 1);
	assert_int_equal(g.devs[0], f.devs[0]);
	va_filter_free(&f);
	va_filter_free(&g);
}

static void test_decode_refuses(void **state)
{
	static const char *const bad[] = {
		"{",
		"{}",				      /* no ops */
		"{\"ops\":\"all\"}",		      /* not a number */
		"{\"ops\":4,\"path\":\"/etc\"}",      /* not a list */
		"{\"ops\":4,\"path\":[\"etc\"]}",     /* not absolute */
		"{\"ops\":4,\"uid\":[\"nosuchuser\"]}", /* a name, not a number */
		"{\"ops\":4,\"uid\":[\"root\"]}",	      /* never looked up here */
		"{\"ops\":4,\"comm\":[7]}",
		"{\"ops\":4,\"dev\":[\"x:y\"]}",
		"[1,2]",
	};
	struct va_filter f;

	(void)state;
	/* Rows written before the filters were recorded: the backend's name alone. */
	assert_int_equal(va_coverage_decode("tracepoint", 10, &f), -ENOENT);
	va_filter_free(&f);
	assert_int_equal(va_coverage_decode(NULL, 0, &f), -ENOENT);
	va_filter_free(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (va_coverage_decode(bad[i], strlen(bad[i]), &f) == 0)
			fail_msg("accepted %s", bad[i]);
		va_filter_free(&f);
	}
}

static enum va_cover check(const struct va_filter *f, const char *path, uint64_t ops, char *why)
{
	return va_coverage_check(f, path, ops, why, 512);
}

static void test_paths(void **state)
{
	struct va_filter f;
	char why[512];

	(void)state;
	va_filter_init(&f);
	/* No --path: everything but the default excludes. */
	assert_int_equal(check(&f, "/etc/passwd", VA_SEL_CHANGES, why), VA_COVER_ALL);
	assert_int_equal(check(&f, "/dev/sda", VA_SEL_CHANGES, why), VA_COVER_NONE);
	assert_non_null(strstr(why, "--no-default-excludes"));
	/* / holds /dev, /proc and /sys, left out by default. */
	assert_int_equal(check(&f, "/", VA_SEL_CHANGES, why), VA_COVER_PART);
	assert_non_null(strstr(why, "names under /dev were left out by default"));
	assert_int_equal(check(&f, "/etc", VA_SEL_CHANGES, why), VA_COVER_ALL);

	add(&f, "path", "/srv/w");
	add(&f, "exclude", "/srv/w/cache");
	assert_int_equal(check(&f, "/srv/w/a", VA_SEL_CHANGES, why), VA_COVER_ALL);
	assert_int_equal(check(&f, "/etc/passwd", VA_SEL_CHANGES, why), VA_COVER_NONE);
	assert_non_null(strstr(why, "only names under /srv/w"));
	/* Component boundaries: /srv/wx is not under /srv/w. */
	assert_int_equal(check(&f, "/srv/wx", VA_SEL_CHANGES, why), VA_COVER_NONE);
	assert_int_equal(check(&f, "/srv/w/cache/x", VA_SEL_CHANGES, why), VA_COVER_NONE);
	assert_non_null(strstr(why, "excluded (--exclude /srv/w/cache)"));
	/* A directory: part of it. */
	assert_int_equal(check(&f, "/srv/w", VA_SEL_CHANGES, why), VA_COVER_PART);
	assert_non_null(strstr(why, "/srv/w/cache were excluded"));
	assert_int_equal(check(&f, "/srv", VA_SEL_CHANGES, why), VA_COVER_PART);
	assert_non_null(strstr(why, "only names under /srv/w"));
	/* A tie: the exclude wins, as in the kernel's prefix table. */
	add(&f, "path", "/srv/t");
	add(&f, "exclude", "/srv/t");
	assert_int_equal(check(&f, "/srv/t/x", VA_SEL_CHANGES, why), VA_COVER_NONE);
	assert_non_null(strstr(why, "excluded (--exclude /srv/t)"));
	/* --path under a default exclude asks for it. */
	add(&f, "path", "/dev/sdb");
	assert_int_equal(check(&f, "/dev/sdb", VA_SEL_CHANGES, why), VA_COVER_ALL);
	/* Not so for file systems left out by type: their files are dropped whatever --path says. */
	add(&f, "path", "/proc/sys");
	assert_int_equal(check(&f, "/proc/sys/kernel/hostname", VA_SEL_CHANGES, why),
			 VA_COVER_NONE);
	assert_non_null(strstr(why, "files on proc (/proc)"));
	add(&f, "path", "/dev");
	assert_int_equal(check(&f, "/dev/pts/0", VA_SEL_CHANGES, why), VA_COVER_NONE);
	assert_int_equal(check(&f, "/dev", VA_SEL_CHANGES, why), VA_COVER_PART);
	assert_non_null(strstr(why, "devpts (/dev/pts)"));
	f.default_excludes = false;
	assert_int_equal(check(&f, "/proc/sys/kernel/hostname", VA_SEL_CHANGES, why),
			 VA_COVER_ALL);
	va_filter_free(&f);
}

static void test_ops_and_actors(void **state)
{
	struct va_filter f;
	char why[512];

	(void)state;
	va_filter_init(&f); /* ops: changes */
	assert_int_equal(check(&f, "/etc/a", VA_SEL_READS, why), VA_COVER_NONE);
	assert_string_equal(why, "not recorded: open for reading, read (--ops)");
	assert_int_equal(check(&f, "/etc/a", VA_SEL_CHANGES | VA_SEL_EXEC, why), VA_COVER_PART);
	assert_string_equal(why, "not recorded: exec (--ops)");
	add(&f, "uid", "1000");
	assert_int_equal(check(&f, "/etc/a", VA_SEL_CHANGES, why), VA_COVER_PART);
	assert_string_equal(why, "only some users (--uid) were recorded");
	/* Not watched at all: the path's reason alone. */
	add(&f, "path", "/srv");
	assert_int_equal(check(&f, "/etc/a", VA_SEL_CHANGES, why), VA_COVER_NONE);
	assert_string_equal(why, "only names under /srv were recorded (--path)");
	va_filter_free(&f);
}

/* report's question, changes anywhere: the default exclusions are every daemon's, not said. */
static void test_describe(void **state)
{
	struct va_filter f;
	char why[512];

	(void)state;
	va_filter_init(&f);
	assert_int_equal(va_coverage_describe(&f, why, sizeof(why)), VA_COVER_ALL);
	assert_string_equal(why, "");
	add(&f, "path", "/srv");
	add(&f, "exclude", "/srv/cache");
	add(&f, "ops", "create,write");
	add(&f, "comm", "nginx");
	assert_int_equal(va_coverage_describe(&f, why, sizeof(why)), VA_COVER_PART);
	assert_non_null(strstr(why, "only names under /srv were recorded (--path); "));
	assert_non_null(strstr(why, "names under /srv/cache were not (--exclude); "));
	assert_non_null(strstr(why, "not recorded: open for writing, truncate, unlink"));
	assert_non_null(strstr(why, "only some programs (--comm) were recorded"));
	va_filter_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_ops_and_actors),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
