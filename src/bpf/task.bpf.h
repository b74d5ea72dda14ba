/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who: the identity of the current task, read at the time of the call. */
#ifndef VA_TASK_BPF_H
#define VA_TASK_BPF_H

#define MINORBITS 20

/*
 * @task is the running task as a BTF pointer: its tgid is a plain load,
 * where bpf_get_current_pid_tgid() is a helper call (a call and a return,
 * which cost the most of anything on a read or write's path on machines
 * whose returns go through a mitigation thunk).
 */
static __always_inline bool is_self(const struct task_struct *task)
{
	return task->tgid == self_tgid;
}

/*
 * @task is the running task as a BTF pointer (bpf_get_current_task_btf or a
 * tp_btf argument): its fields are read with plain loads, which the
 * verifier makes fault-safe (a fault reads 0), at a fraction of a helper
 * call's cost each. This runs for every event.
 */
static __always_inline void fill_task(struct va_wire_task *t, struct task_struct *task)
{
	const struct cred *cred = task->cred;
	struct tty_struct *tty;

	/* What bpf_get_current_pid_tgid() and _uid_gid() return, without their calls. */
	t->pid = task->tgid;
	t->tid = task->pid;
	t->uid = cred->uid.val;
	t->gid = cred->gid.val;
	t->ppid = task->real_parent->tgid;
	t->euid = cred->euid.val;
	/* loginuid/sessionid exist only with CONFIG_AUDIT. */
	if (bpf_core_field_exists(task->loginuid)) {
		t->auid = task->loginuid.val;
		t->ses = task->sessionid;
	} else {
		t->auid = 0xffffffff;
		t->ses = 0xffffffff;
	}
	tty = task->signal->tty;
	if (tty) {
		__u32 major = tty->driver->major;
		__u32 minor = tty->driver->minor_start + tty->index;

		t->tty = (major << MINORBITS) | minor;
	} else {
		t->tty = 0;
	}
	t->mntns = task->nsproxy->mnt_ns->ns.inum;
	bpf_get_current_comm(t->comm, sizeof(t->comm));
}

/* Returns: true when the task filters (--uid, --comm) drop this task. */
static __always_inline bool task_filtered_out(const struct va_wire_task *t)
{
	__u32 set = current_set();
	struct va_filter_id_key uid = { .set = set, .id = t->uid };
	struct va_filter_comm_key comm = { .set = set };

	if (filter_conf[set].uid && !bpf_map_lookup_elem(&uid_filter, &uid))
		return true;
	if (filter_conf[set].comm) {
		__builtin_memcpy(comm.comm, t->comm, sizeof(comm.comm));
		if (!bpf_map_lookup_elem(&comm_filter, &comm))
			return true;
	}
	return false;
}

/* Returns: true when the filters in force select any of @sel's ops. */
static __always_inline bool ops_selected(__u64 sel)
{
	return filter_conf[current_set()].ops_sel & sel;
}

/* Returns: true when the filters in force pick processes by uid or name. */
static __always_inline bool task_filters(void)
{
	__u32 set = current_set();

	return filter_conf[set].uid || filter_conf[set].comm;
}

/*
 * Returns: the struct file behind @fd in @task, or NULL.
 * @task is a BTF pointer (tp_btf), so task->files->fdt is walked with plain
 * loads, not a helper call per step: this runs on every read and write.
 */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || fd < 0 || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

#endif
