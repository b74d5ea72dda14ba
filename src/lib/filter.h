/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Filter options (--path, --exclude, --dev, --uid, --comm, --ops) parsed
 * into one description that the capture backend turns into kernel maps.
 * The same code serves `watch`, `run` and the config file.
 */
#ifndef VA_FILTER_H
#define VA_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VA_FILTER_MAX_PREFIXES 64
/* Bytes of a prefix, without its NUL: the kernel filter holds it, a "/" and a byte more. */
#define VA_FILTER_PREFIX_MAX   254
#define VA_FILTER_MAX_IDS      64

struct va_filter {
	uint64_t ops; /* VA_SEL_* bits */
	bool every_call;
	bool default_excludes; /* true unless --no-default-excludes */
	/* Normalized absolute prefixes: no trailing '/', no "//", "." or ".." ("/" stays "/"). */
	char *paths[VA_FILTER_MAX_PREFIXES];
	unsigned int n_paths;
	char *excludes[VA_FILTER_MAX_PREFIXES];
	unsigned int n_excludes;
	uint32_t devs[VA_FILTER_MAX_IDS]; /* kernel dev_t, new encoding (MKDEV) */
	unsigned int n_devs;
	uint32_t uids[VA_FILTER_MAX_IDS];
	unsigned int n_uids;
	char comms[VA_FILTER_MAX_IDS][16]; /* NUL-padded */
	unsigned int n_comms;
};

/* Default exclusions, as shown by --help (NULL-terminated). */
extern const char *const va_default_exclude_paths[];
extern const char *const va_default_exclude_fstypes[];

void va_filter_init(struct va_filter *f); /* ops = changes, default excludes on */
void va_filter_free(struct va_filter *f); /* accepts NULL */

/*
 * va_filter_check_real() - refuse a --path or --exclude prefix that goes
 * through a symlink where it exists (/bin on a merged /usr, /var/run):
 * the kernel names files by their real path, which such a prefix never
 * matches. For what an administrator gives, not for filters read back
 * from a store (the machine may have changed since).
 * Returns: 0, or -EINVAL with @err naming the prefix and its real path.
 */
int va_filter_check_real(const struct va_filter *f, char *err, size_t errlen);

/**
 * va_filter_add() - apply one filter option.
 * @key: the long option name without dashes ("path", "exclude", "dev",
 *       "uid", "comm", "ops").
 * @value: its argument.
 * @err: buffer for a message naming what is wrong and what to do.
 *
 * Returns: 0; -EINVAL for a bad value (message in @err); -E2BIG when a
 * repeatable option was given more often than the kernel maps hold;
 * -ENOENT for an unknown @key.
 */
int va_filter_add(struct va_filter *f, const char *key, const char *value, char *err,
		  size_t errlen);

/**
 * va_path_normalize() - make an absolute path canonical, lexically.
 * Collapses "//", drops "." and resolves ".." against the preceding
 * component (".." at the root stays at the root), removes a trailing '/'.
 *
 * Returns: the length written to @out (NUL-terminated), or -EINVAL when @in is
 * not absolute, -ENAMETOOLONG when @out is too small.
 */
int va_path_normalize(const char *in, size_t in_len, char *out, size_t out_size);

/*
 * The real path (realpath(3), @real of PATH_MAX bytes) of @path's longest
 * existing leading part, and in @part how many bytes of @path that part is.
 * Returns: 0, or -1 when nothing could be resolved.
 */
int va_path_real_part(const char *path, char *real, size_t *part);

/* Returns: true when @path lies under @prefix on a component boundary. */
bool va_path_under(const char *path, size_t path_len, const char *prefix);

/**
 * va_filter_path_kept() - whether @f's path prefixes keep @path: the
 * longest matching prefix of --path, --exclude and the default exclusions
 * decides, an exclude winning a tie, as the kernel's prefix table does.
 * @decider: receives the deciding prefix, NULL when none matched (kept
 *           only when there is no --path).
 * @by_default: receives whether a default exclusion decided.
 * Either may be NULL.
 */
bool va_filter_path_kept(const struct va_filter *f, const char *path, size_t len,
			 const char **decider, bool *by_default);

/*
 * Returns: whether the default exclusion @prefix (from va_default_exclude_paths)
 * is in force: default excludes are on and no --path lies under @prefix, since
 * asking for --path /dev/sdb means wanting it.
 */
bool va_filter_default_exclude_applies(const struct va_filter *f, const char *prefix);

struct va_filter_conf;

/*
 * va_filter_prefix_key() - @prefix as the path filter trie keys it: the
 * prefix and a '/' (so that /etc does not match /etcx), "/" alone as it is;
 * zero padded to @size. Returns: the key's length, 0 when it does not fit.
 */
size_t va_filter_prefix_key(const char *prefix, char *key, size_t size);

/*
 * va_filter_add_head() - add @prefix's first bytes to @conf's quick test
 * (vfsaudit_wire.h); past VA_FILTER_HEADS prefixes the test always says
 * "may match", and the trie decides alone.
 */
void va_filter_add_head(struct va_filter_conf *conf, const char *prefix);

#endif
