/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mount tables per mount namespace, from /proc/PID/mountinfo: the device of
 * a path that a syscall named (unlink, rename, chmod…), whose object the
 * tracepoint backend never holds. The longest mount point that contains the
 * path gives the filesystem, as the kernel's own lookup would, symlinks
 * within the name aside. Tables are reloaded when older than a second.
 */
#ifndef VA_MOUNTS_H
#define VA_MOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "u64map.h"

struct va_mounts {
	struct va_u64map by_ns; /* mntns inode -> table */
	const char *proc_root;
	uint64_t ttl_ns;
	uint64_t self_mntns; /* our own namespace: /proc/self/mountinfo serves it */
};

void va_mounts_init(struct va_mounts *m, const char *proc_root);
void va_mounts_free(struct va_mounts *m);

/**
 * va_mounts_dev() - the device (kernel encoding, MAJ << 20 | MIN) of @path as
 * process @pid (child of @ppid) in namespace @mntns sees it. Short-lived
 * processes are often gone by then: the parent's table is asked next, then
 * our own when the namespace is ours.
 * Returns: 0; -ENOENT when no table could be read (the process is gone and
 * nobody else in that namespace was asked before).
 */
int va_mounts_dev(struct va_mounts *m, uint64_t mntns, uint32_t pid, uint32_t ppid, const char *path,
		  size_t len, uint64_t now_ns, uint32_t *dev);

/**
 * va_mountinfo_unescape() - undo mountinfo's octal escapes (\040 for space,
 * \011, \012, \134) in place. Returns: the new length.
 */
size_t va_mountinfo_unescape(char *s);

#endif
