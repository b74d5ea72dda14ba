// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor under any syscall-tracepoint auditor on this kernel, for
 * bench/floor-ab to set beside vfsaudit:
 *
 *   level 1 (attach): programs on sys_enter and sys_exit that return at
 *   once: what the tracepoints cost merely by being attached.
 *   level 2 (record): level 1, and on the exit of every call that names a
 *   file (open, creat, rename, chmod, unlink, mkdir, ...) one ring-buffer
 *   record of who (pid, tid, uid, gid, comm) and the name as the caller
 *   passed it, unresolved, submitted without a wakeup (the reader drains on
 *   a 10 ms timer). No path resolution, no inode, no process identity
 *   beyond the helpers, no filter: the least an event can cost.
 *
 * Writes are not recorded at either level: vfsaudit merges them per open
 * file, so on write-heavy level 1 is the floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/syscall_nr.h"
#include "floor.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 level = 1;
const volatile __u32 self_tgid;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* vfsaudit's default on up to 4 CPUs */
} records SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
	return 0;
}

/* The user-space name argument of call @nr, or NULL when it names no file. */
static __always_inline const char *name_arg(struct pt_regs *regs, long nr)
{
	switch (nr) {
	case VA_NR_open:
	case VA_NR_creat:
	case VA_NR_rename:
	case VA_NR_mkdir:
	case VA_NR_rmdir:
	case VA_NR_link:
	case VA_NR_unlink:
	case VA_NR_symlink:
	case VA_NR_chmod:
	case VA_NR_chown:
	case VA_NR_lchown:
	case VA_NR_truncate:
	case VA_NR_mknod:
		return (const char *)regs->di;
	case VA_NR_openat:
	case VA_NR_openat2:
	case VA_NR_mkdirat:
	case VA_NR_mknodat:
	case VA_NR_fchownat:
	case VA_NR_unlinkat:
	case VA_NR_renameat:
	case VA_NR_renameat2:
	case VA_NR_linkat:
	case VA_NR_fchmodat:
	case VA_NR_utimensat:
		return (const char *)regs->si;
	case VA_NR_symlinkat:
		return (const char *)regs->dx;
	}
	return NULL;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	__u64 id, ug;
	const char *name;
	struct floor_rec *r;

	if (level < 2)
		return 0;
	name = name_arg(regs, nr);
	if (!name)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (id >> 32 == self_tgid)
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r)
		return 0;
	ug = bpf_get_current_uid_gid();
	r->ts = bpf_ktime_get_boot_ns();
	r->ret = ret;
	r->nr = nr;
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->uid = (__u32)ug;
	r->gid = ug >> 32;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (bpf_probe_read_user_str(r->name, sizeof(r->name), name) < 0)
		r->name[0] = '\0';
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}
