/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one event model every backend fills and every sink reads (SPEC.md's
 * fields). Backends differ only in how they fill it; formatters are pure
 * functions of it.
 */
#ifndef VA_EVENT_H
#define VA_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../vfsaudit_wire.h"


enum va_ftype {
	VA_FTYPE_UNKNOWN = 0,
	VA_FTYPE_FILE,
	VA_FTYPE_DIR,
	VA_FTYPE_SYMLINK,
	VA_FTYPE_FIFO,
	VA_FTYPE_SOCKET,
	VA_FTYPE_CHR,
	VA_FTYPE_BLK,
};

/* VA_PATH_* (how a path was obtained) are defined in the wire header. */

/* auid/ses value meaning "not set" (the kernel's AUDIT_UID_UNSET). */
#define VA_ID_UNSET 0xffffffffu

/* Rename flags as the kernel defines them (linux/fs.h). */
#define VA_RENAME_NOREPLACE 0x1
#define VA_RENAME_EXCHANGE  0x2
#define VA_RENAME_WHITEOUT  0x4

/*
 * Byte strings are not NUL-terminated in general (a name may hold any byte
 * but '/' and NUL, a path any byte but NUL); lengths are authoritative.
 * Pointers borrow memory owned by whoever filled the event.
 */
struct va_bytes {
	const char *ptr;
	size_t len;
};

struct va_event {
	uint64_t seq;
	uint64_t ts_ns; /* CLOCK_REALTIME, ns since the epoch */
	int64_t ret;	/* >= 0 success, < 0 negative errno */
	uint64_t mntns;
	uint64_t ino;
	uint64_t count; /* read/write: calls merged */
	uint64_t bytes; /* read/write: bytes in those calls */
	uint64_t lost;	/* op == VA_OP_LOST: events not delivered */
	int64_t size;	/* truncate: new size, -1 unknown */
	int64_t owner_uid, owner_gid; /* chown: -1 unchanged */

	enum va_op op;
	enum va_ftype ftype;
	uint32_t pid, tid, ppid;
	uint32_t uid, euid, gid;
	uint32_t auid, ses; /* VA_ID_UNSET when unset */
	uint32_t tty_dev;   /* kernel dev_t (new encoding) of the tty, 0 none */
	uint32_t dev_major, dev_minor;
	bool has_dev, has_ino;
	uint32_t open_flags; /* open/create/truncate-by-open: O_* as passed */
	bool has_open_flags;
	uint32_t mode;	/* chmod/mkdir/mknod: permission and type bits */
	uint32_t rename_flags;
	uint32_t path_flags, path2_flags;

	char comm[17];
	struct va_bytes exe;  /* absolute path, len 0 when unknown */
	struct va_bytes path; /* object path (rename/link: old name) */
	/* rename/link: new name; symlink: link content; *xattr: attribute name */
	struct va_bytes path2;
	struct va_bytes argv; /* exec: arguments, each followed by a NUL */
	bool argv_truncated;
};

/* Returns: the op's name ("write"), or NULL for an unknown number. */
const char *va_op_name(enum va_op op);
/* Returns: the op for a name, or VA_OP_NONE. */
enum va_op va_op_from_name(const char *name);
/* Returns: "file", "dir", …, or NULL for VA_FTYPE_UNKNOWN. */
const char *va_ftype_name(enum va_ftype t);
/* Returns: the ftype for an inode mode's S_IFMT bits. */
enum va_ftype va_ftype_from_mode(uint32_t mode);

#endif
