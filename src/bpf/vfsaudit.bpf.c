// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfsaudit's tracepoint backend: syscall exit tracepoints (tp_btf, no
 * tracefs needed) dispatched by tail call to one program per syscall family,
 * sched tracepoints for the process table, and a flush program that user
 * space runs every second.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "maps.bpf.h"
#include "syscall.bpf.h"
#include "task.bpf.h"
#include "path.bpf.h"
#include "emit.bpf.h"
#include "filter.bpf.h"
#include "resolve.bpf.h"
#include "rw.bpf.h"
#include "sys_files.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Every syscall exit on the system comes here: one tail call on the syscall
 * number (a 32-bit call's x86-64 equivalent); numbers without a handler
 * (the vast majority) fall through. read and write, the most frequent by
 * far, are handled here: a tail call is an indirect jump, behind a
 * retpoline where the CPU needs one (bench/bpf-cost write-heavy: 40 to
 * 50 ns a write less on the machine of docs/PERFORMANCE-HISTORY.md).
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_dispatch, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long nr = SYSNR(regs);

	if (nr < 0 || nr >= VA_NR_MAX)
		return 0;
	if (nr == VA_NR_read || nr == VA_NR_write) {
		rw_exit(task, regs, nr, ret);
		return 0;
	}
	bpf_tail_call(ctx, &exit_handlers, nr);
	return 0;
}

/*
 * unlink/rmdir: note what the name points to while it still does. A note
 * is for its own call only: one that cannot be made removes the thread's
 * older note, and the exit takes it (and drops it) only for the same
 * syscall, name and dirfd.
 */
static __always_inline void note_victim(struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s = get_scratch();
	struct res_ctx *c;
	struct victim *v;
	struct inode *inode;
	__u32 tid = task->pid;
	long dfd = AT_FDCWD;
	const char *uname = (const char *)ARG0(regs);

	if (!s || !ops_selected(SEL(VA_OP_UNLINK) | SEL(VA_OP_RMDIR)) || is_self(task))
		return;
	/* In scratch, not on this frame: the call chain's stack is all spoken for. */
	c = &s->rctx;
	v = &s->note;
	if (id == VA_NR_unlinkat) {
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
	}
	if (resolve_name(s, task, dfd, uname, 0))
		goto drop;
	/* The lookup of the last component read its dentry already, usually. */
	if (s->head.self == c->dentry) {
		inode = s->head.inode;
	} else {
		struct dentry *d = c->dentry;

		inode = BPF_CORE_READ(d, d_inode);
	}
	/* The event slot is free at syscall entry: set_object() reads the inode there. */
	if (!inode || !set_object(s, inode))
		goto drop;
	v->ino = s->ev.ino;
	v->imode = s->ev.imode;
	v->dev = s->ev.dev;
	v->fs_magic = s->ev.fs_magic;
	v->path_len = c->canonical && !c->links ? c->len : 0;
	v->uname = (__u64)uname;
	v->dfd = dfd;
	v->nr = id;
	bpf_map_update_elem(&victims, &tid, v, BPF_ANY);
	return;
drop:
	bpf_map_delete_elem(&victims, &tid);
}

/*
 * Syscall entry: close(2) ends the read/write aggregations of the file while
 * it still has its fd; unlink/rmdir note their victim.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_hook, struct pt_regs *regs, long raw_id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long id = sys_nr_of(task, raw_id);

	if (id == VA_NR_close) {
		if (!every_call && !is_self(task))
			rw_close(task, (int)ARG0(regs));
		return 0;
	}
	if (id == VA_NR_unlink || id == VA_NR_unlinkat || id == VA_NR_rmdir)
		note_victim(regs, id);
	return 0;
}

static __always_inline void emit_proc(__u32 type, __u32 pid, __u32 parent)
{
	struct va_wire_proc rec = {};

	rec.hdr.ts = bpf_ktime_get_boot_ns();
	rec.hdr.type = type;
	rec.hdr.size = sizeof(rec);
	rec.pid = pid;
	rec.parent_pid = parent;
	output_as(&rec, sizeof(rec), VA_LOSS_PROC, 1);
}

/* New processes inherit their parent's exe and argv in the process table. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 pid = BPF_CORE_READ(child, pid), tgid = BPF_CORE_READ(child, tgid);

	if (pid != tgid)
		return 0; /* a thread */
	emit_proc(VA_WIRE_FORK, tgid, BPF_CORE_READ(parent, tgid));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	/* The tracepoint fires after signal->live is decremented: 0 means the last thread. */
	if (task->signal->live.counter != 0)
		return 0;
	emit_proc(VA_WIRE_EXIT, task->tgid, 0);
	return 0;
}

/*
 * A successful exec: always sent, because the process table needs every
 * exec; one that fails the filters is marked VA_WF_PROC_ONLY.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s;
	struct file *f;
	unsigned long start, end, len;
	__u32 len1;

	if (is_self(task))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	start_event(s, task, VA_OP_EXEC, 0);
	f = BPF_CORE_READ(bprm, file);
	set_object_file(s, f);
	len1 = va_file_path((__u64)f);
	s->ev.str_len[0] = len1;

	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > VA_WIRE_ARGV_MAX) {
		len = VA_WIRE_ARGV_MAX;
		s->ev.wflags |= VA_WF_ARGV_TRUNC;
	}
	if (len && bpf_probe_read_user(s->data + (len1 & SLOT_MASK), len & (VA_WIRE_ARGV_MAX * 2 - 1),
				       (void *)start) == 0)
		s->ev.str_len[1] = len;

	if (!ops_selected(SEL(VA_OP_EXEC)) || task_filtered_out(&s->ev.task) || !event_kept(s))
		s->ev.wflags |= VA_WF_PROC_ONLY;
	emit_file(s);
	return 0;
}

/* Periodic flush, run by user space through BPF_PROG_TEST_RUN. */
struct flush_ctx {
	__u64 gen;
};

static long flush_one(struct bpf_map *map, struct agg_key *key, struct agg_val *v,
		      struct flush_ctx *c)
{
	/* A call made during this flush stamps gen or gen - 1: never idle. */
	bool idle = READ_ONCE(v->last_gen) + agg_idle_flushes <= c->gen;
	bool mine = agg_drain(v, idle);
	__u64 state = READ_ONCE(v->state);

	/*
	 * Ended here (idle, or its flush record refused): gone. Left out by a
	 * path filter, or its first record refused: forgotten, and decided
	 * again at the next call, so that a file renamed into the watched
	 * paths while open is followed within a flush, and one whose record
	 * the full ring refused is tried again. Left out by device or
	 * filesystem (which an open file cannot change): when idle.
	 */
	if (!mine &&
	    (state == AGG_FILTERED || state == AGG_REFUSED || (idle && state == AGG_EXCLUDED)))
		mine = __sync_val_compare_and_swap(&v->state, state, AGG_ENDED) == state;
	/* Ended long ago and still here: its ender's delete failed. */
	if (!mine && state == AGG_ENDED && idle)
		mine = true;
	if (mine)
		bpf_map_delete_elem(map, key);
	return 0;
}

const volatile __u32 nr_cpus = 1;

static long flush_loss(__u32 cpu, void *unused)
{
	__u32 zero = 0;
	struct loss *l = bpf_map_lookup_percpu_elem(&losses, &zero, cpu);

	if (l) {
		report_loss(l, cpu, VA_LOSS_RINGBUF);
		report_loss(l, cpu, VA_LOSS_PROC);
	}
	return 0;
}

SEC("raw_tp")
int flush(void *ctx)
{
	struct flush_ctx c = { .gen = __sync_fetch_and_add(&flush_gen, 1) + 1 };

	bpf_loop(nr_cpus, flush_loss, NULL, 0);
	bpf_for_each_map_elem(&agg, flush_one, &c, 0);
	return 0;
}
