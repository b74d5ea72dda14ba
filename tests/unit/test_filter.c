// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "filter.h"
#include "ops.h"
#include "../../src/vfsaudit_wire.h"

static int setup(void **state)
{
	static struct va_filter f;

	va_filter_init(&f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	va_filter_free(*state);
	return 0;
}

static char errbuf[512];

static int add(struct va_filter *f, const char *key, const char *value)
{
	return va_filter_add(f, key, value, errbuf, sizeof(errbuf));
}

static void assert_err_mentions(const char *a, const char *b)
{
	if (!strstr(errbuf, a) || (b && !strstr(errbuf, b)))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", errbuf, a, b ? b : "");
}

static void test_init_free(void **state)
{
	struct va_filter *f = *state;

	assert_int_equal(f->ops, VA_SEL_CHANGES);
	assert_true(f->default_excludes);
	assert_false(f->every_call);
	assert_int_equal(f->n_paths + f->n_excludes + f->n_devs + f->n_uids + f->n_comms, 0);
	assert_int_equal(add(f, "path", "/etc"), 0);
	va_filter_free(f);
	assert_int_equal(f->n_paths, 0);
	va_filter_free(NULL);
}

static void test_paths(void **state)
{
	struct va_filter *f = *state;

	assert_int_equal(add(f, "path", "/etc"), 0);
	assert_int_equal(add(f, "path", "/etc/"), 0); /* the same prefix again */
	assert_int_equal(add(f, "path", "//usr//local/./bin/../lib/"), 0);
	assert_int_equal(add(f, "path", "/"), 0);
	assert_int_equal(f->n_paths, 3);
	assert_string_equal(f->paths[0], "/etc");
	assert_string_equal(f->paths[1], "/usr/local/lib");
	assert_string_equal(f->paths[2], "/");
	assert_int_equal(add(f, "exclude", "/var/log/"), 0);
	assert_int_equal(f->n_excludes, 1);
	assert_string_equal(f->excludes[0], "/var/log");

	assert_int_equal(add(f, "path", "etc"), -EINVAL);
	assert_err_mentions("--path", "'etc'");
	assert_err_mentions("absolute", NULL);
	assert_int_equal(add(f, "exclude", ""), -EINVAL);
	assert_err_mentions("--exclude", "absolute");
	assert_int_equal(f->n_paths, 3);
	assert_int_equal(f->n_excludes, 1);
}

static void test_path_length(void **state)
{
	struct va_filter *f = *state;
	char p[VA_FILTER_PREFIX_MAX + 2];

	memset(p, 'a', sizeof(p));
	p[0] = '/';
	p[VA_FILTER_PREFIX_MAX] = '\0'; /* exactly 254 bytes */
	assert_int_equal(add(f, "path", p), 0);
	assert_int_equal(strlen(f->paths[0]), VA_FILTER_PREFIX_MAX);
	p[VA_FILTER_PREFIX_MAX] = 'a';
	p[VA_FILTER_PREFIX_MAX + 1] = '\0';
	assert_int_equal(add(f, "path", p), -EINVAL);
	assert_err_mentions("--path", "254");
	/* what normalizing removes does not count */
	p[VA_FILTER_PREFIX_MAX] = '/';
	assert_int_equal(add(f, "exclude", p), 0);
}

static void test_too_many(void **state)
{
	struct va_filter *f = *state;
	char p[32];

	for (int i = 0; i < VA_FILTER_MAX_PREFIXES; i++) {
		snprintf(p, sizeof(p), "/p%d", i);
		assert_int_equal(add(f, "path", p), 0);
	}
	assert_int_equal(add(f, "path", "/one/more"), -E2BIG);
	assert_err_mentions("--path", NULL);
	assert_int_equal(add(f, "path", "/p3"), 0); /* a repeat costs no slot */
	assert_int_equal(f->n_paths, VA_FILTER_MAX_PREFIXES);
	for (int i = 0; i < VA_FILTER_MAX_IDS; i++) {
		snprintf(p, sizeof(p), "%d", i);
		assert_int_equal(add(f, "uid", p), 0);
		snprintf(p, sizeof(p), "c%d", i);
		assert_int_equal(add(f, "comm", p), 0);
		snprintf(p, sizeof(p), "1:%d", i);
		assert_int_equal(add(f, "dev", p), 0);
	}
	assert_int_equal(add(f, "uid", "100000"), -E2BIG);
	assert_int_equal(add(f, "comm", "another"), -E2BIG);
	assert_int_equal(add(f, "dev", "2:2"), -E2BIG);
	assert_int_equal(add(f, "dev", "1:5"), 0);
}

static void test_dev(void **state)
{
	struct va_filter *f = *state;

	assert_int_equal(add(f, "dev", "8:3"), 0);
	assert_int_equal(add(f, "dev", "803"), 0); /* the same device */
	assert_int_equal(add(f, "dev", "fd00"), 0);
	assert_int_equal(f->n_devs, 2);
	assert_int_equal(f->devs[0], (8u << 20) | 3);
	assert_int_equal(f->devs[1], 253u << 20);
	assert_int_equal(add(f, "dev", "sda1"), -EINVAL);
	assert_err_mentions("--dev", "'sda1'");
	assert_err_mentions("MAJ:MIN", NULL);
	assert_int_equal(add(f, "dev", "5000:1"), -EINVAL);
	assert_err_mentions("--dev", "5000:1");
}

static void test_uid(void **state)
{
	struct va_filter *f = *state;

	assert_int_equal(add(f, "uid", "1000"), 0);
	assert_int_equal(add(f, "uid", "root"), 0);
	assert_int_equal(add(f, "uid", "0"), 0); /* root again */
	assert_int_equal(add(f, "uid", "4294967294"), 0);
	assert_int_equal(f->n_uids, 3);
	assert_int_equal(f->uids[0], 1000);
	assert_int_equal(f->uids[1], 0);
	assert_int_equal(f->uids[2], 4294967294u);
	assert_int_equal(add(f, "uid", "no-such-user-va"), -EINVAL);
	assert_err_mentions("--uid", "'no-such-user-va'");
	assert_err_mentions("no such user", NULL);
	assert_int_equal(add(f, "uid", "4294967295"), -EINVAL);
	assert_err_mentions("--uid", NULL);
	assert_int_equal(add(f, "uid", ""), -EINVAL);
	assert_err_mentions("--uid", NULL);
	assert_int_equal(f->n_uids, 3);
}

static void test_comm(void **state)
{
	struct va_filter *f = *state;
	const char zeros[16] = { 0 };

	assert_int_equal(add(f, "comm", "vi"), 0);
	assert_int_equal(add(f, "comm", "123456789012345"), 0);
	assert_int_equal(add(f, "comm", "vi"), 0);
	assert_int_equal(f->n_comms, 2);
	assert_string_equal(f->comms[0], "vi");
	assert_memory_equal(f->comms[0] + 2, zeros, 14);
	assert_memory_equal(f->comms[1], "123456789012345", 16);
	assert_int_equal(add(f, "comm", "1234567890123456"), -EINVAL);
	assert_err_mentions("--comm", "15 bytes");
	assert_int_equal(add(f, "comm", ""), -EINVAL);
	assert_err_mentions("--comm", NULL);
	assert_int_equal(f->n_comms, 2);
}

static void test_ops(void **state)
{
	struct va_filter *f = *state;

	assert_int_equal(add(f, "ops", "exec"), 0);
	assert_int_equal(f->ops, VA_SEL_EXEC);
	assert_int_equal(add(f, "ops", "changes,reads"), 0); /* replaces, not adds */
	assert_int_equal(f->ops, VA_SEL_CHANGES | VA_SEL_READS);
	assert_int_equal(add(f, "ops", "write,bogus"), -EINVAL);
	assert_err_mentions("--ops", "'bogus'");
	assert_err_mentions("changes", NULL);
	assert_int_equal(f->ops, VA_SEL_CHANGES | VA_SEL_READS);
	assert_int_equal(add(f, "ops", "write,,read"), -EINVAL);
	assert_err_mentions("empty", NULL);
	assert_int_equal(add(f, "ops", "lost"), -EINVAL);
	assert_int_equal(add(f, "ops", ""), -EINVAL);
}

static void test_unknown_key(void **state)
{
	struct va_filter *f = *state;

	assert_int_equal(add(f, "inode", "5"), -ENOENT);
	assert_err_mentions("inode", NULL);
	assert_int_equal(add(f, "path", NULL), -EINVAL);
}

static void norm_ok(const char *in, const char *want)
{
	char out[64];
	int n = va_path_normalize(in, strlen(in), out, sizeof(out));

	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void test_normalize(void **state)
{
	char out[8];

	(void)state;
	norm_ok("/", "/");
	norm_ok("//", "/");
	norm_ok("/etc", "/etc");
	norm_ok("/etc/", "/etc");
	norm_ok("//etc///passwd//", "/etc/passwd");
	norm_ok("/./etc/./", "/etc");
	norm_ok("/a/b/../c", "/a/c");
	norm_ok("/a/b/../../..", "/");
	norm_ok("/..", "/");
	norm_ok("/../etc", "/etc");
	norm_ok("/a/..b/c.", "/a/..b/c.");
	norm_ok("/...", "/...");
	norm_ok("/a/.hidden", "/a/.hidden");
	norm_ok("/a b/\xff", "/a b/\xff");

	assert_int_equal(va_path_normalize("etc", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(va_path_normalize("", 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(va_path_normalize("./x", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(va_path_normalize("/a\0b", 4, out, sizeof(out)), -EINVAL);
	assert_int_equal(va_path_normalize("/1234567", 8, out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(va_path_normalize("/123456", 7, out, sizeof(out)), 7);
	assert_string_equal(out, "/123456");
	/* what a ".." removes need not fit */
	assert_int_equal(va_path_normalize("/1234567890/../x", 16, out, 3), 2);
	assert_string_equal(out, "/x");
	assert_int_equal(va_path_normalize("/1234567890/../xy", 17, out, 3), -ENAMETOOLONG);
	assert_int_equal(va_path_normalize("/", 1, out, 1), -ENAMETOOLONG);
	/* the length is authoritative */
	assert_int_equal(va_path_normalize("/etc/passwd", 4, out, sizeof(out)), 4);
	assert_string_equal(out, "/etc");
}

#define UNDER(p, pre) va_path_under(p, strlen(p), pre)

static void test_path_under(void **state)
{
	(void)state;
	assert_true(UNDER("/etc", "/etc"));
	assert_true(UNDER("/etc/x", "/etc"));
	assert_true(UNDER("/etc/x/y", "/etc"));
	assert_false(UNDER("/etcx", "/etc"));
	assert_false(UNDER("/etcx/y", "/etc"));
	assert_false(UNDER("/et", "/etc"));
	assert_false(UNDER("/", "/etc"));
	assert_false(UNDER("/usr/etc", "/etc"));
	assert_true(UNDER("/", "/"));
	assert_true(UNDER("/anything/at/all", "/"));
	assert_true(UNDER("/etc/x", "/etc/"));
	assert_true(UNDER("/etc", "/etc/"));
	assert_false(UNDER("/etcx", "/etc/"));
	assert_false(UNDER("/etc", ""));
	assert_true(va_path_under("/etcx", 4, "/etc"));
	assert_false(va_path_under("/etc/x", 3, "/etc"));
}

static int contains(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static void test_default_excludes(void **state)
{
	struct va_filter *f = *state;

	assert_true(contains(va_default_exclude_paths, "/dev"));
	assert_true(contains(va_default_exclude_paths, "/proc"));
	assert_true(contains(va_default_exclude_paths, "/sys"));
	for (const char *const *p = va_default_exclude_paths; *p; p++) {
		char out[VA_FILTER_PREFIX_MAX + 1];

		assert_int_equal(va_path_normalize(*p, strlen(*p), out, sizeof(out)), strlen(*p));
		assert_string_equal(out, *p);
	}
	/* anonymous pipes, sockets and terminals are noise... */
	assert_true(contains(va_default_exclude_fstypes, "pipefs"));
	assert_true(contains(va_default_exclude_fstypes, "sockfs"));
	assert_true(contains(va_default_exclude_fstypes, "anon_inodefs"));
	assert_true(contains(va_default_exclude_fstypes, "devpts"));
	assert_true(contains(va_default_exclude_fstypes, "proc"));
	assert_true(contains(va_default_exclude_fstypes, "sysfs"));
	/* ...but file systems that hold data, named FIFOs and sockets are not */
	assert_false(contains(va_default_exclude_fstypes, "tmpfs"));
	assert_false(contains(va_default_exclude_fstypes, "ext4"));
	assert_false(contains(va_default_exclude_fstypes, "xfs"));
	assert_false(contains(va_default_exclude_fstypes, "btrfs"));
	assert_false(contains(va_default_exclude_fstypes, "overlay"));
	assert_false(contains(va_default_exclude_fstypes, "devtmpfs"));

	assert_true(va_filter_default_exclude_applies(f, "/dev"));
	assert_int_equal(add(f, "path", "/"), 0);
	assert_true(va_filter_default_exclude_applies(f, "/dev"));
	assert_int_equal(add(f, "path", "/dev/sdb"), 0);
	assert_false(va_filter_default_exclude_applies(f, "/dev"));
	assert_true(va_filter_default_exclude_applies(f, "/proc"));
	f->default_excludes = false;
	assert_false(va_filter_default_exclude_applies(f, "/proc"));
}

/*
 * A prefix through a symlink would match nothing (the kernel names files by
 * their real path): refused, naming the real path to give instead, where
 * the symlink is in the part that exists; real and missing paths pass.
 */
static void test_symlink_prefix(void **state)
{
	struct va_filter *f = *state;
	char dir[] = "/tmp/va-filter.XXXXXX", real[64], lnk[64], p[128], want[160];

	assert_non_null(mkdtemp(dir));
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(lnk, sizeof(lnk), "%s/lnk", dir);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink("real", lnk), 0);

	snprintf(p, sizeof(p), "%s/sub/not/yet", real);
	assert_int_equal(add(f, "path", p), 0);
	assert_int_equal(add(f, "path", "/"), 0);
	assert_int_equal(add(f, "exclude", "/nonexistent-dir/x"), 0);
	assert_int_equal(va_filter_check_real(f, errbuf, sizeof(errbuf)), 0);

	snprintf(p, sizeof(p), "%s/sub", lnk);
	assert_int_equal(add(f, "exclude", p), 0);
	assert_int_equal(va_filter_check_real(f, errbuf, sizeof(errbuf)), -EINVAL);
	snprintf(want, sizeof(want), "give --exclude %s/sub", real);
	assert_err_mentions("--exclude '", want);

	assert_int_equal(unlink(lnk), 0);
	assert_int_equal(rmdir(real), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* The trie's answer, as path_kept() keys a path and backend_tp.c keys a prefix. */
static int trie_matches(const char *prefix, const char *path)
{
	char key[512], pkey[512];

	snprintf(key, sizeof(key), "%s%s", path, strcmp(path, "/") ? "/" : "");
	snprintf(pkey, sizeof(pkey), "%s%s", prefix, strcmp(prefix, "/") ? "/" : "");
	return strncmp(key, pkey, strlen(pkey)) == 0;
}

/* The quick test as the BPF program runs it: the path's first 8 bytes, loaded. */
static int quick_may_match(const struct va_filter_conf *conf, const char *path)
{
	char buf[8];
	uint64_t w;

	memset(buf, 0x5a, sizeof(buf)); /* bytes past the path are whatever was there */
	memcpy(buf, path, strlen(path) < 8 ? strlen(path) : 8);
	memcpy(&w, buf, 8);
	return va_filter_head_may_match(conf, va_filter_head_key(w, (uint32_t)strlen(path)));
}

/*
 * The quick test never says "cannot match" where the trie matches (it may
 * say "may match" where the trie does not: the trie then decides), and it
 * does skip the common case.
 */
static void test_heads(void **state)
{
	static const char *const prefixes[] = { "/dev",	    "/proc",	     "/sys", "/opt/ab",
						"/tmp/abc", "/var/lib/dpkg", "/e",   "/" };
	static const char *const paths[] = {
		"/",
		"/d",
		"/dev",
		"/dev/",
		"/dev/null",
		"/devices",
		"/device/x",
		"/proc",
		"/proc/1/stat",
		"/procx",
		"/sys",
		"/sysfs",
		"/tmp",
		"/opt/ab",
		"/opt/ab/a",
		"/opt/abx",
		"/opt/a",
		"/tmp/abc",
		"/tmp/abc/d",
		"/tmp/abcd",
		"/var/lib",
		"/var/lib/dpkg",
		"/var/lib/dpkgx",
		"/var/lib/dpkg/info",
		"/e",
		"/e/f",
		"/ex",
		"",
		"/etc/passwd",
		"/home/u/f",
	};
	struct va_filter_conf conf;

	(void)state;
	/* Each prefix alone, then all but "/" (which matches everything). */
	for (size_t p = 0; p <= sizeof(prefixes) / sizeof(prefixes[0]); p++) {
		memset(&conf, 0, sizeof(conf));
		if (p < sizeof(prefixes) / sizeof(prefixes[0]))
			va_filter_add_head(&conf, prefixes[p]);
		else
			for (size_t i = 0; i + 1 < sizeof(prefixes) / sizeof(prefixes[0]); i++)
				va_filter_add_head(&conf, prefixes[i]);
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			int trie = 0;

			if (p < sizeof(prefixes) / sizeof(prefixes[0]))
				trie = trie_matches(prefixes[p], paths[i]);
			else
				for (size_t k = 0; k + 1 < sizeof(prefixes) / sizeof(prefixes[0]);
				     k++)
					trie |= trie_matches(prefixes[k], paths[i]);
			if (trie && !quick_may_match(&conf, paths[i]))
				fail_msg("quick test skips %s, which a prefix matches", paths[i]);
		}
	}
	/* The default excludes: a path elsewhere skips the trie. */
	memset(&conf, 0, sizeof(conf));
	va_filter_add_head(&conf, "/dev");
	va_filter_add_head(&conf, "/proc");
	va_filter_add_head(&conf, "/sys");
	assert_int_equal(conf.heads, 3);
	assert_false(quick_may_match(&conf, "/home/u/f"));
	assert_false(quick_may_match(&conf, "/devices"));
	assert_false(quick_may_match(&conf, "/sysfs"));
	assert_true(quick_may_match(&conf, "/dev"));
	assert_true(quick_may_match(&conf, "/proc/1"));
	/* Past VA_FILTER_HEADS prefixes it always says "may match". */
	for (int i = 0; i < VA_FILTER_HEADS; i++)
		va_filter_add_head(&conf, "/x");
	assert_int_equal(conf.heads, VA_FILTER_HEADS + 1);
	assert_true(quick_may_match(&conf, "/home/u/f"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_free),
		T(test_paths),
		T(test_symlink_prefix),
		T(test_path_length),
		T(test_too_many),
		T(test_dev),
		T(test_uid),
		T(test_comm),
		T(test_ops),
		T(test_unknown_key),
		T(test_normalize),
		T(test_path_under),
		T(test_default_excludes),
		T(test_heads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
