// SPDX-License-Identifier: GPL-2.0-or-later
/* Op and file-type names, and --ops lists. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "event.h"
#include "ops.h"

/* Indexed by enum va_op: the numbers are the wire format's, names SPEC.md's. */
static const char *const op_names[VA_OP_MAX] = {
	[VA_OP_CREATE] = "create",     [VA_OP_OPEN] = "open",
	[VA_OP_READ] = "read",	       [VA_OP_WRITE] = "write",
	[VA_OP_TRUNCATE] = "truncate", [VA_OP_UNLINK] = "unlink",
	[VA_OP_RMDIR] = "rmdir",       [VA_OP_MKDIR] = "mkdir",
	[VA_OP_MKNOD] = "mknod",       [VA_OP_RENAME] = "rename",
	[VA_OP_LINK] = "link",	       [VA_OP_SYMLINK] = "symlink",
	[VA_OP_CHMOD] = "chmod",       [VA_OP_CHOWN] = "chown",
	[VA_OP_SETXATTR] = "setxattr", [VA_OP_REMOVEXATTR] = "removexattr",
	[VA_OP_UTIMES] = "utimes",     [VA_OP_EXEC] = "exec",
	[VA_OP_LOST] = "lost",
};

static const char *const ftype_names[] = {
	[VA_FTYPE_FILE] = "file", [VA_FTYPE_DIR] = "dir",	[VA_FTYPE_SYMLINK] = "symlink",
	[VA_FTYPE_FIFO] = "fifo", [VA_FTYPE_SOCKET] = "socket", [VA_FTYPE_CHR] = "chr",
	[VA_FTYPE_BLK] = "blk",
};

const char *va_op_name(enum va_op op)
{
	if ((unsigned int)op >= VA_OP_MAX)
		return NULL;
	return op_names[op];
}

enum va_op va_op_from_name(const char *name)
{
	if (!name)
		return VA_OP_NONE;
	for (unsigned int i = 1; i < VA_OP_MAX; i++)
		if (op_names[i] && !strcmp(op_names[i], name))
			return (enum va_op)i;
	return VA_OP_NONE;
}

const char *va_ftype_name(enum va_ftype t)
{
	if ((unsigned int)t >= sizeof(ftype_names) / sizeof(ftype_names[0]))
		return NULL;
	return ftype_names[t];
}

enum va_ftype va_ftype_from_mode(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return VA_FTYPE_FILE;
	case S_IFDIR:
		return VA_FTYPE_DIR;
	case S_IFLNK:
		return VA_FTYPE_SYMLINK;
	case S_IFIFO:
		return VA_FTYPE_FIFO;
	case S_IFSOCK:
		return VA_FTYPE_SOCKET;
	case S_IFCHR:
		return VA_FTYPE_CHR;
	case S_IFBLK:
		return VA_FTYPE_BLK;
	default:
		return VA_FTYPE_UNKNOWN;
	}
}

static const struct {
	const char *name;
	uint64_t sel;
} groups[] = {
	{ "changes", VA_SEL_CHANGES },
	{ "reads", VA_SEL_READS },
	{ "all", VA_SEL_ALL },
	/* Without an intent, "open" means every open: the user named the op. */
	{ "open", VA_SEL_OPEN_WRITE | VA_SEL_OPEN_READ },
};

static bool item_is(const char *item, size_t len, const char *name)
{
	return strlen(name) == len && !memcmp(item, name, len);
}

static int item_sel(const char *item, size_t len, uint64_t *sel)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (item_is(item, len, groups[i].name)) {
			*sel = groups[i].sel;
			return 0;
		}
	}
	for (unsigned int op = 1; op < VA_OP_MAX; op++) {
		/* lost is always delivered: selecting it would suggest it can be turned off. */
		if (op == VA_OP_LOST || op == VA_OP_OPEN)
			continue;
		if (item_is(item, len, op_names[op])) {
			*sel = VA_SEL(op);
			return 0;
		}
	}
	return -EINVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int va_ops_parse(const char *list, uint64_t *sel, const char **bad)
{
	uint64_t acc = 0;
	const char *p = list;

	if (!list)
		return -EINVAL;
	for (;;) {
		const char *end = strchrnul(p, ',');
		const char *s = p, *e = end;
		uint64_t one;

		/* "changes, exec" from a config file or a quoted argument is meant kindly. */
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		if (s == e || item_sel(s, (size_t)(e - s), &one)) {
			if (bad)
				*bad = s;
			return -EINVAL;
		}
		acc |= one;
		if (!*end)
			break;
		p = end + 1;
	}
	*sel = acc;
	return 0;
}

bool va_ops_selected(uint64_t ops, enum va_op op, bool has_flags, uint32_t open_flags)
{
	bool write;

	if (op == VA_OP_NONE || op >= VA_OP_MAX || op == VA_OP_LOST)
		return false;
	if (op != VA_OP_OPEN)
		return ops & VA_SEL(op);
	/* Intent unknown (a backend without flags): only when both intents are asked for. */
	if (!has_flags)
		return (ops & (VA_SEL_OPEN_WRITE | VA_SEL_OPEN_READ)) ==
		       (VA_SEL_OPEN_WRITE | VA_SEL_OPEN_READ);
	write = ((open_flags & O_ACCMODE) != O_RDONLY || (open_flags & (O_TRUNC | O_CREAT))) &&
		!(open_flags & O_PATH);
	return ops & (write ? VA_SEL_OPEN_WRITE : VA_SEL_OPEN_READ);
}
