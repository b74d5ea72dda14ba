// SPDX-License-Identifier: GPL-2.0-or-later
/* Filter options into one struct va_filter; see filter.h. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "../vfsaudit_wire.h"
#include "ops.h"
#include "util.h"

/*
 * Prefixes, not file systems: /dev because the original probe skipped it
 * (terminal writes would drown everything), /proc and /sys because their
 * files are kernel interfaces rewritten all day by systemd and container
 * runtimes. Also by path, since fanotify has no file system type at hand and
 * a container's /dev is often a plain tmpfs. An explicit --path below one of
 * these switches that one off (va_filter_default_exclude_applies()).
 */
const char *const va_default_exclude_paths[] = {
	"/dev",
	"/proc",
	"/sys",
	NULL,
};

/*
 * Superblock types (sb->s_type->name) whose files are kernel objects, not
 * stored data, wherever they are mounted. pipefs, sockfs and anon_inodefs
 * hold anonymous pipes, all socket traffic, eventfds, epoll and io_uring:
 * every shell pipeline and network write would show up, so socket reads and
 * writes need --no-default-excludes. A named FIFO keeps the inode of its disk
 * file system and stays reported, as do character and block devices outside
 * /dev. tmpfs, devtmpfs, hugetlbfs, efivarfs (EFI boot variables) and
 * binfmt_misc (interpreter registration) are left in on purpose: their writes
 * change the machine.
 */
const char *const va_default_exclude_fstypes[] = {
	"proc",		"sysfs", "cgroup",   "cgroup2",	   "devpts", "debugfs", "tracefs",
	"securityfs",	"bpf",	 "configfs", "pstore",	   "mqueue", "pipefs",	"sockfs",
	"anon_inodefs", "nsfs",	 "pidfs",    "rpc_pipefs", NULL,
};

void va_filter_init(struct va_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->ops = VA_SEL_CHANGES;
	f->default_excludes = true;
}

void va_filter_free(struct va_filter *f)
{
	if (!f)
		return;
	for (unsigned int i = 0; i < f->n_paths; i++)
		free(f->paths[i]);
	for (unsigned int i = 0; i < f->n_excludes; i++)
		free(f->excludes[i]);
	f->n_paths = 0;
	f->n_excludes = 0;
}

/*
 * Returns the length of @in normalized and, given @out, writes it there,
 * ending at @end. Backwards, so that a ".." is seen before the component it
 * cancels, which then never has to fit in @out.
 */
static size_t walk_back(const char *in, size_t in_len, char *out, size_t end)
{
	size_t i = in_len, total = 0, skip = 0;

	while (i > 0) {
		size_t stop = i, n;

		while (i > 0 && in[i - 1] != '/')
			i--;
		n = stop - i;
		if (i > 0)
			i--; /* the '/' before the component */
		if (!n || (n == 1 && in[i + 1] == '.'))
			continue;
		if (n == 2 && in[i + 1] == '.' && in[i + 2] == '.') {
			skip++;
			continue;
		}
		if (skip) {
			skip--;
			continue;
		}
		total += n + 1;
		if (out) {
			end -= n;
			memcpy(out + end, in + i + 1, n);
			out[--end] = '/';
		}
	}
	return total;
}

int va_path_normalize(const char *in, size_t in_len, char *out, size_t out_size)
{
	size_t len;

	if (!in || !in_len || in[0] != '/' || memchr(in, '\0', in_len))
		return -EINVAL;
	len = walk_back(in, in_len, NULL, 0);
	if (len > INT_MAX)
		return -ENAMETOOLONG;
	if (!len) {
		if (out_size < 2)
			return -ENAMETOOLONG;
		out[0] = '/';
		out[1] = '\0';
		return 1;
	}
	if (len + 1 > out_size)
		return -ENAMETOOLONG;
	walk_back(in, in_len, out, len);
	out[len] = '\0';
	return (int)len;
}

bool va_path_under(const char *path, size_t path_len, const char *prefix)
{
	size_t plen = prefix ? strlen(prefix) : 0;

	if (!plen)
		return false;
	/* Normalized prefixes end in '/' only when they are "/" itself. */
	if (prefix[plen - 1] == '/')
		plen--;
	if (!plen)
		return true;
	if (path_len < plen || memcmp(path, prefix, plen))
		return false;
	return path_len == plen || path[plen] == '/';
}

bool va_filter_default_exclude_applies(const struct va_filter *f, const char *prefix)
{
	if (!f->default_excludes)
		return false;
	for (unsigned int i = 0; i < f->n_paths; i++)
		if (va_path_under(f->paths[i], strlen(f->paths[i]), prefix))
			return false;
	return true;
}

bool va_filter_path_kept(const struct va_filter *f, const char *path, size_t len,
			 const char **decider, bool *by_default)
{
	const char *inc = NULL, *exc = NULL;
	size_t ninc = 0, nexc = 0, n;
	bool dflt = false;

	for (unsigned int i = 0; i < f->n_paths; i++) {
		n = strlen(f->paths[i]);
		if (va_path_under(path, len, f->paths[i]) && (!inc || n > ninc)) {
			inc = f->paths[i];
			ninc = n;
		}
	}
	for (unsigned int i = 0; i < f->n_excludes; i++) {
		n = strlen(f->excludes[i]);
		if (va_path_under(path, len, f->excludes[i]) && (!exc || n > nexc)) {
			exc = f->excludes[i];
			nexc = n;
		}
	}
	for (const char *const *d = va_default_exclude_paths; *d; d++) {
		n = strlen(*d);
		if (va_filter_default_exclude_applies(f, *d) && va_path_under(path, len, *d) &&
		    (!exc || n > nexc)) {
			exc = *d;
			nexc = n;
			dflt = true;
		}
	}
	if (by_default)
		*by_default = false;
	if (exc && (!inc || nexc >= ninc)) {
		if (decider)
			*decider = exc;
		if (by_default)
			*by_default = dflt;
		return false;
	}
	if (decider)
		*decider = inc;
	return inc || f->n_paths == 0;
}

static int add_prefix(const char *opt, char **list, unsigned int *n, const char *value, char *err,
		      size_t errlen)
{
	char buf[VA_FILTER_PREFIX_MAX + 1];
	int len;

	if (value[0] != '/') {
		snprintf(err, errlen,
			 "--%s '%s': not an absolute path; give the full path, starting with '/'",
			 opt, value);
		return -EINVAL;
	}
	len = va_path_normalize(value, strlen(value), buf, sizeof(buf));
	if (len < 0) {
		snprintf(err, errlen,
			 "--%s '%.64s...': longer than %d bytes, which is all the kernel filter "
			 "holds; give a shorter prefix",
			 opt, value, VA_FILTER_PREFIX_MAX);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < *n; i++)
		if (!strcmp(list[i], buf))
			return 0;
	if (*n >= VA_FILTER_MAX_PREFIXES) {
		snprintf(err, errlen, "--%s '%s': more than %d prefixes; use fewer, broader ones",
			 opt, buf, VA_FILTER_MAX_PREFIXES);
		return -E2BIG;
	}
	list[*n] = strdup(buf);
	if (!list[*n]) {
		snprintf(err, errlen, "--%s '%s': out of memory", opt, buf);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

static int add_id(const char *opt, uint32_t *list, unsigned int *n, uint32_t id, const char *value,
		  char *err, size_t errlen)
{
	for (unsigned int i = 0; i < *n; i++)
		if (list[i] == id)
			return 0;
	if (*n >= VA_FILTER_MAX_IDS) {
		snprintf(err, errlen, "--%s '%s': more than %d values; use fewer", opt, value,
			 VA_FILTER_MAX_IDS);
		return -E2BIG;
	}
	list[(*n)++] = id;
	return 0;
}

static int add_dev(struct va_filter *f, const char *value, char *err, size_t errlen)
{
	uint32_t dev;
	int ret = va_parse_dev(value, &dev);

	if (ret == -ERANGE) {
		snprintf(err, errlen,
			 "--dev '%s': no such device number (major above %u or minor above %u)",
			 value, VA_DEV_MAJOR_MAX, VA_DEV_MINOR_MAX);
		return -EINVAL;
	}
	if (ret) {
		snprintf(err, errlen,
			 "--dev '%s': not a device number; give MAJ:MIN (\"8:3\") or what `stat -c "
			 "%%D FILE` prints (\"803\")",
			 value);
		return -EINVAL;
	}
	return add_id("dev", f->devs, &f->n_devs, dev, value, err, errlen);
}

static int lookup_user(const char *name, uint32_t *uid, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf = NULL;
	int ret;

	if (size <= 0)
		size = 1024;
	/* NSS backends may need more than they advertise: grow on ERANGE. */
	for (;;) {
		char *nbuf = realloc(buf, (size_t)size);

		if (!nbuf) {
			ret = ENOMEM;
			break;
		}
		buf = nbuf;
		ret = getpwnam_r(name, &pw, buf, (size_t)size, &res);
		if (ret != ERANGE || size >= 1 << 20)
			break;
		size *= 2;
	}
	if (!ret && res)
		*uid = (uint32_t)res->pw_uid;
	free(buf);
	if (ret) {
		snprintf(err, errlen, "--uid '%s': looking up the user failed: %s", name,
			 strerror(ret));
		return -ret;
	}
	if (!res) {
		snprintf(err, errlen, "--uid '%s': no such user; give a user name or a numeric uid",
			 name);
		return -EINVAL;
	}
	return 0;
}

static int add_uid(struct va_filter *f, const char *value, char *err, size_t errlen)
{
	uint64_t v;
	uint32_t uid;
	int ret;

	/* (uid_t)-1 means "no uid" to the kernel; no task runs as it. */
	ret = va_parse_u64(value, UINT32_MAX - 1, &v);
	if (ret == -ERANGE) {
		snprintf(err, errlen, "--uid '%s': above the largest uid, %u", value,
			 UINT32_MAX - 1);
		return -EINVAL;
	}
	if (ret) {
		if (!*value) {
			snprintf(err, errlen, "--uid: empty; give a user name or a numeric uid");
			return -EINVAL;
		}
		ret = lookup_user(value, &uid, err, errlen);
		if (ret)
			return ret;
	} else {
		uid = (uint32_t)v;
	}
	return add_id("uid", f->uids, &f->n_uids, uid, value, err, errlen);
}

static int add_comm(struct va_filter *f, const char *value, char *err, size_t errlen)
{
	size_t len = strlen(value);

	if (!len || len > 15) {
		snprintf(err, errlen,
			 "--comm '%s': %zu bytes; the kernel keeps only the first 15 bytes of a "
			 "process name, give 1 to 15 of them",
			 value, len);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < f->n_comms; i++)
		if (!strncmp(f->comms[i], value, sizeof(f->comms[i])))
			return 0;
	if (f->n_comms >= VA_FILTER_MAX_IDS) {
		snprintf(err, errlen, "--comm '%s': more than %d names; use fewer", value,
			 VA_FILTER_MAX_IDS);
		return -E2BIG;
	}
	memset(f->comms[f->n_comms], 0, sizeof(f->comms[0]));
	memcpy(f->comms[f->n_comms], value, len);
	f->n_comms++;
	return 0;
}

static int set_ops(struct va_filter *f, const char *value, char *err, size_t errlen)
{
	const char *bad = value;
	uint64_t sel;

	if (va_ops_parse(value, &sel, &bad)) {
		int n = (int)strcspn(bad, ",");

		snprintf(err, errlen,
			 "--ops '%s': %s%.*s%s; " VA_OPS_HELP,
			 value, n ? "unknown op '" : "empty item", n, bad, n ? "'" : "");
		return -EINVAL;
	}
	f->ops = sel;
	return 0;
}

int va_path_real_part(const char *path, char *real, size_t *part)
{
	char buf[PATH_MAX], *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		if (realpath(buf, real)) {
			*part = strlen(buf);
			return 0;
		}
		if ((errno != ENOENT && errno != ENOTDIR) || !strcmp(buf, "/"))
			return -1;
		slash = strrchr(buf, '/');
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

static int check_real(const char *opt, char *const *list, unsigned int n, char *err, size_t errlen)
{
	char real[PATH_MAX];
	size_t part;

	for (unsigned int i = 0; i < n; i++) {
		if (va_path_real_part(list[i], real, &part) ||
		    (strlen(real) == part && !strncmp(real, list[i], part)))
			continue;
		snprintf(err, errlen,
			 "--%s '%s': %.*s goes through a symlink to %s (the kernel names files by"
			 " their real path, so this prefix would match nothing); give --%s %s%s",
			 opt, list[i], (int)part, list[i], real, opt, strcmp(real, "/") ? real : "",
			 list[i] + part);
		return -EINVAL;
	}
	return 0;
}

int va_filter_check_real(const struct va_filter *f, char *err, size_t errlen)
{
	int ret = check_real("path", f->paths, f->n_paths, err, errlen);

	return ret ? ret : check_real("exclude", f->excludes, f->n_excludes, err, errlen);
}

int va_filter_add(struct va_filter *f, const char *key, const char *value, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (!key || !value) {
		snprintf(err, errlen, "filter option without a value");
		return -EINVAL;
	}
	if (!strcmp(key, "path"))
		return add_prefix("path", f->paths, &f->n_paths, value, err, errlen);
	if (!strcmp(key, "exclude"))
		return add_prefix("exclude", f->excludes, &f->n_excludes, value, err, errlen);
	if (!strcmp(key, "dev"))
		return add_dev(f, value, err, errlen);
	if (!strcmp(key, "uid"))
		return add_uid(f, value, err, errlen);
	if (!strcmp(key, "comm"))
		return add_comm(f, value, err, errlen);
	if (!strcmp(key, "ops"))
		return set_ops(f, value, err, errlen);
	snprintf(err, errlen,
		 "unknown filter option '%s'; use path, exclude, dev, uid, comm or ops", key);
	return -ENOENT;
}

size_t va_filter_prefix_key(const char *prefix, char *key, size_t size)
{
	size_t n = strlen(prefix);

	if (n + 1 > size)
		return 0;
	memset(key, 0, size);
	memcpy(key, prefix, n);
	if (strcmp(prefix, "/"))
		key[n++] = '/';
	return n;
}

void va_filter_add_head(struct va_filter_conf *conf, const char *prefix)
{
	char key[VA_FILTER_KEY_PATH_MAX];
	uint64_t word;
	size_t n = va_filter_prefix_key(prefix, key, sizeof(key));

	if (!n || conf->heads >= VA_FILTER_HEADS) {
		conf->heads = VA_FILTER_HEADS + 1; /* the trie decides alone */
		return;
	}
	memcpy(&word, key, 8);
	conf->head_mask[conf->heads] = va_filter_head_mask(n < 8 ? (uint32_t)n : 8);
	conf->head[conf->heads] = word & conf->head_mask[conf->heads];
	conf->heads++;
}
