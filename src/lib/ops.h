/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Operation selections for --ops: single ops and the groups of SPEC.md. */
#ifndef VA_OPS_H
#define VA_OPS_H

#include <stdint.h>
#include "event.h"

/*
 * A selection is a bit set: bit (1 << op) for each op, except that opens are
 * split by intent, because `changes` holds opens for writing and `reads`
 * opens for reading.
 */
#define VA_SEL(op)	    (1ull << (op))
#define VA_SEL_OPEN_WRITE   (1ull << 40)
#define VA_SEL_OPEN_READ    (1ull << 41)

#define VA_SEL_CHANGES                                                                     \
	(VA_SEL(VA_OP_CREATE) | VA_SEL(VA_OP_WRITE) | VA_SEL(VA_OP_TRUNCATE) |             \
	 VA_SEL(VA_OP_UNLINK) | VA_SEL(VA_OP_RMDIR) | VA_SEL(VA_OP_MKDIR) |                \
	 VA_SEL(VA_OP_MKNOD) | VA_SEL(VA_OP_RENAME) | VA_SEL(VA_OP_LINK) |                 \
	 VA_SEL(VA_OP_SYMLINK) | VA_SEL(VA_OP_CHMOD) | VA_SEL(VA_OP_CHOWN) |               \
	 VA_SEL(VA_OP_SETXATTR) | VA_SEL(VA_OP_REMOVEXATTR) | VA_SEL(VA_OP_UTIMES) |       \
	 VA_SEL_OPEN_WRITE)
#define VA_SEL_READS (VA_SEL(VA_OP_READ) | VA_SEL_OPEN_READ)
#define VA_SEL_EXEC  VA_SEL(VA_OP_EXEC)
#define VA_SEL_ALL   (VA_SEL_CHANGES | VA_SEL_READS | VA_SEL_EXEC)

/**
 * va_ops_parse() - parse a comma-separated list of op names and groups.
 * @list: e.g. "changes,exec" or "open,read"; "open" means both intents.
 * @sel: receives the selection.
 * @bad: on failure, points at the first bad item inside @list (not terminated
 *       at the comma), for the error message.
 *
 * Returns: 0, or -EINVAL for an empty list, an empty item or an unknown name.
 */
int va_ops_parse(const char *list, uint64_t *sel, const char **bad);
/* What an --ops list may hold, for the messages that refuse one. */
#define VA_OPS_HELP                                                                                \
	"use op names (create, open, read, write, truncate, unlink, rmdir, mkdir, mknod, rename, " \
	"link, symlink, chmod, chown, setxattr, removexattr, utimes, exec) or groups (changes, "  \
	"reads, exec, all), separated by commas"

/* Returns: true when @op with @open_flags is in the selection @ops. */
bool va_ops_selected(uint64_t ops, enum va_op op, bool has_flags, uint32_t open_flags);

#endif
