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
 *   level 3 (merge): level 2, and write(2) counted per open file with exact
 *   counts, the way vfsaudit merges writes: on exit, the file from the
 *   caller's descriptor table, one hash lookup by (file, process), two
 *   atomic adds; the first write of a file makes the entry and one record,
 *   and close(2), on entry, takes the counts into one record and deletes
 *   the entry. The least exact per-file write counting can cost here.
 *
 * Writes are not recorded at levels 1 and 2.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/syscall_nr.h"
#include "floor.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 level = 1;
const volatile __u32 self_tgid;

/* Level 3: the writes of one open file by one process (vfsaudit's is larger). */
struct merge_key {
	__u64 file;
	__u32 tgid;
	__u32 pad;
};

struct merge_val {
	__u64 count;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* vfsaudit's table of open files */
	__type(key, struct merge_key);
	__type(value, struct merge_val);
} merges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* vfsaudit's default on up to 4 CPUs */
} records SEC(".maps");

/* The struct file behind descriptor @fd of the current task, or 0. */
static __always_inline __u64 fd_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	return (__u64)f;
}

/* A reserved record's who, when and what, for call @nr that returned @ret. */
static __always_inline void fill_rec(struct floor_rec *r, long nr, long ret, __u64 count)
{
	__u64 id = bpf_get_current_pid_tgid(), ug = bpf_get_current_uid_gid();

	r->ts = bpf_ktime_get_boot_ns();
	r->ret = ret;
	r->count = count;
	r->nr = nr;
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->uid = (__u32)ug;
	r->gid = ug >> 32;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->name[0] = '\0';
}

/* A record with no name: a file's first write, or its writes at close. */
static __always_inline void send_counts(long nr, __u64 count, long bytes)
{
	struct floor_rec *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);

	if (!r)
		return;
	fill_rec(r, nr, bytes, count);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
	struct merge_key key = {};
	struct merge_val *v;

	if (level < 3 || id != VA_NR_close)
		return 0;
	key.file = fd_file((int)regs->di);
	if (!key.file)
		return 0;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	v = bpf_map_lookup_elem(&merges, &key);
	if (!v)
		return 0;
	send_counts(id, __sync_lock_test_and_set(&v->count, 0),
		    (long)__sync_lock_test_and_set(&v->bytes, 0));
	bpf_map_delete_elem(&merges, &key);
	return 0;
}

/* Level 3: count write @ret on its file; the file's first write is a record. */
static __always_inline void merge_write(struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct merge_key key = {};
	struct merge_val nv = {}, *v;

	if (ret < 0 || task->tgid == self_tgid)
		return;
	key.file = fd_file((int)regs->di);
	if (!key.file)
		return;
	key.tgid = task->tgid;
	v = bpf_map_lookup_elem(&merges, &key);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		__sync_fetch_and_add(&v->bytes, ret);
		return;
	}
	/* The first write goes in its own record; the entry counts the ones after it. */
	if (bpf_map_update_elem(&merges, &key, &nv, BPF_NOEXIST) == 0)
		send_counts(VA_NR_write, 1, ret);
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
	const char *name;
	struct floor_rec *r;

	if (level < 2)
		return 0;
	if (level >= 3 && nr == VA_NR_write) {
		merge_write(regs, ret);
		return 0;
	}
	name = name_arg(regs, nr);
	if (!name)
		return 0;
	if (bpf_get_current_pid_tgid() >> 32 == self_tgid)
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r)
		return 0;
	fill_rec(r, nr, ret, 1);
	if (bpf_probe_read_user_str(r->name, sizeof(r->name), name) < 0)
		r->name[0] = '\0';
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}
