/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Syscall exit handlers, one program per family, reached from the
 * dispatcher by tail call on the syscall number (x86-64's, also for a
 * 32-bit call: syscall.bpf.h); the result is the tracepoint's @ret.
 */
#ifndef VA_SYS_FILES_BPF_H
#define VA_SYS_FILES_BPF_H

#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_CREAT	    00000100
#define O_EXCL	    00000200
#define O_TRUNC	    00001000
#define O_PATH	    010000000
#define AT_REMOVEDIR 0x200

/* Common start of every handler. Returns: the scratch slot, or NULL to stop. */
static __always_inline struct scratch *begin(struct task_struct *task, __u32 op, long ret)
{
	struct scratch *s;

	if (is_self(task))
		return NULL;
	s = get_scratch();
	if (!s)
		return NULL;
	start_event(s, task, op, ret);
	if (task_filtered_out(&s->ev.task))
		return NULL;
	return s;
}

#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_SYMLINK_FOLLOW   0x400

/* Fill str1 from (@dfd, @uname), or from the dfd's file for AT_EMPTY_PATH calls. */
static __always_inline void str1_from_name(struct scratch *s, struct task_struct *task, long dfd,
					   const char *uname, __u32 rflags)
{
	struct file *f;

	if (dfd != AT_FDCWD && name_is_empty(uname)) {
		f = fd_file(task, dfd);
		if (f) {
			set_object_file(s, f);
			s->ev.str_len[0] = va_file_path((__u64)f);
			return;
		}
	}
	s->ev.str_len[0] = va_put_resolved(0, dfd, (__u64)uname, rflags | RES_OBJECT, 0);
}

static __always_inline void str1_from_fd(struct scratch *s, struct task_struct *task, long fd)
{
	struct file *f = fd_file(task, fd);

	if (!f) {
		s->ev.str_flags[0] |= VA_PATH_FAULT;
		return;
	}
	set_object_file(s, f);
	s->ev.str_len[0] = va_file_path((__u64)f);
}

/*
 * Send the event in scratch if the filters keep it. A global function: the
 * verifier checks the filters once per program, not in each of the
 * handler's states.
 */
__noinline int va_finish(void)
{
	struct scratch *s = get_scratch();

	if (!s || !event_kept(s))
		return 0;
	return emit_file(s);
}

/*
 * Check our full_name_hash() against the hash the dcache stored for a
 * file vfsaudit itself created: calib[2] = 1 when they agree, 2 when not.
 */
static __always_inline void calibrate_name_hash(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct scratch *s = get_scratch();
	__u64 hl = 0;
	__u32 key = 2, verdict = 2, len;

	if (!s)
		return;
	bpf_probe_read_kernel(&hl, sizeof(hl), (void *)d + bpf_core_field_offset(struct dentry, d_name));
	len = hl >> 32;
	if (len && len <= 255) {
		__builtin_memset(s->comp, 0, sizeof(s->comp));
		bpf_probe_read_kernel(s->comp, len & 255, BPF_CORE_READ(d, d_name.name));
		if (name_hash_len(s, (__u64)BPF_CORE_READ(d, d_parent), len) == hl)
			verdict = 1;
	}
	bpf_map_update_elem(&calib, &key, &verdict, BPF_ANY);
}

/*
 * Where the dcache hashed a file vfsaudit itself just created: d_hash.pprev
 * and d_name.hash go to dhash_samples, for user space to find the table
 * from (dhash.c). Once it has set dhash_table, look the file up through
 * the table instead: calib[3] = 1 when that finds this very dentry, 2 when
 * not.
 */
static __always_inline void calibrate_dhash(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct scratch *s = get_scratch();
	__u32 slot = dhash_samples_n, key = 3, verdict = 2, len;
	struct dhash_sample *smp;
	__u64 hl = 0;

	if (!s)
		return;
	bpf_probe_read_kernel(&hl, sizeof(hl), (void *)d + bpf_core_field_offset(struct dentry, d_name));
	if (!dhash_table) {
		smp = bpf_map_lookup_elem(&dhash_samples, &slot);
		if (!smp)
			return;
		smp->pprev = (__u64)BPF_CORE_READ(d, d_hash.pprev);
		smp->hash = (__u32)hl;
		dhash_samples_n = slot + 1;
		return;
	}
	len = hl >> 32;
	if (len && len <= 255) {
		__builtin_memset(s->comp, 0, sizeof(s->comp));
		bpf_probe_read_kernel(s->comp, len & 255, BPF_CORE_READ(d, d_name.name));
		if (va_dhash_child((__u64)BPF_CORE_READ(d, d_parent), len) == (__u64)d)
			verdict = 1;
	}
	bpf_map_update_elem(&calib, &key, &verdict, BPF_ANY);
}

/*
 * Both name calibrations, for a file vfsaudit itself created. A global
 * function, so that its locals are not on h_open's stack, which name
 * resolution's call chain already fills.
 */
__noinline int va_calibrate_names(__u64 file, __u32 created)
{
	struct file *f = (struct file *)file;

	if (!f)
		return 0;
	calibrate_name_hash(f);
	/* Only files just made are first in their bucket (and each counts once). */
	if (created)
		calibrate_dhash(f);
	return 0;
}

/*
 * Send the open event in @s of @f (NULL when the open failed) and, where
 * the thread may read or write it merged, make it the thread's template
 * (rw_send_borrowed()). Not for an event whose filters user space decides:
 * the template would be one user space may drop. Not inlined: h_open's
 * frame is on a call chain whose stack the kernel limits to 512 bytes.
 */
static __noinline void emit_open(struct scratch *s, struct task_struct *task, struct file *f)
{
	__u32 acc = s->ev.oflags & O_ACCMODE, seq = 0;
	struct open_tmpl *t = NULL;

	/*
	 * Its path walked, whole, from a hashed dentry (not deleted, not the
	 * root); the access the flags asked for (the file's f_mode, without
	 * reading it).
	 */
	if (f && !every_call && !(s->ev.wflags & VA_WF_USER_FILTER) && s->wstart.read &&
	    s->wstart.pprev && !(s->ev.str_flags[0] & VA_PATH_FAULT) && !(s->ev.oflags & O_PATH) &&
	    ((acc != O_RDONLY && ops_selected(SEL(VA_OP_WRITE))) ||
	     (acc != O_WRONLY && ops_selected(SEL(VA_OP_READ)))))
		t = bpf_task_storage_get(&open_tmpls, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t) {
		seq = t->seq + 1;
		t->seq = seq;
		s->ev.agg_id = seq;
		s->ev.wflags |= VA_WF_TEMPLATE;
	}
	if (emit_file(s))
		seq = 0;
	if (t)
		open_tmpl_set(t, task, f, seq, s);
}

/*
 * The root of init, the reaper of vfsaudit's pid namespace (pid 1 on the
 * machine): VA_PATH_INIT_ROOT. Not vfsaudit's own root, which systemd gives
 * a mount namespace of its own; not found up the parents, which need not
 * lead to pid 1 (processes started through a subreaper or a sandbox).
 */
static __always_inline void note_init_root(struct task_struct *task)
{
	struct task_struct *init = task->nsproxy->pid_ns_for_children->child_reaper;

	if (!init || !init->fs)
		return;
	init_root_mnt = (__u64)real_mount(init->fs->root.mnt);
	init_root_dentry = (__u64)init->fs->root.dentry;
}

/* open, creat, openat, openat2, open_by_handle_at */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_open, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long nr = SYSNR(regs), dfd = AT_FDCWD;
	const char *uname = NULL;
	__u32 flags = 0, op = VA_OP_OPEN;
	__u64 sel, want_trunc = 0;
	struct scratch *s;
	struct file *f = NULL;

	switch (nr) {
	case VA_NR_open:
		uname = (const char *)ARG0(regs);
		flags = ARG1(regs);
		break;
	case VA_NR_creat:
		uname = (const char *)ARG0(regs);
		flags = O_CREAT | O_WRONLY | O_TRUNC;
		break;
	case VA_NR_openat:
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		flags = ARG2(regs);
		break;
	case VA_NR_openat2: {
		__u64 how_flags = 0;

		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)ARG2(regs));
		flags = how_flags;
		break;
	}
	case VA_NR_open_by_handle_at:
		dfd = (int)ARG0(regs);
		flags = ARG2(regs);
		break;
	default:
		return 0;
	}

	/*
	 * Calibrate on the opens of the thread of ours that does it
	 * (backend_tp.c), not on those of our store or sinks.
	 */
	if (is_self(task)) {
		if (ret >= 0 && (flags & O_CREAT) && task->pid == calib_tid) {
			__u32 idx = (flags & O_EXCL) ? 0 : 1;
			__u32 fmode;

			f = fd_file(task, ret);
			if (!f)
				return 0;
			fmode = BPF_CORE_READ(f, f_mode);
			bpf_map_update_elem(&calib, &idx, &fmode, BPF_ANY);
			note_init_root(task);
			va_calibrate_names((__u64)f, flags & O_EXCL);
		}
		return 0;
	}

	bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT));
	if (flags & O_PATH)
		write = false;
	/*
	 * Most opens on a machine read, and most audits leave reads out: stop
	 * before any read of the file when no op this open could be is selected.
	 * Only an O_CREAT open can have made the file; only an O_TRUNC one truncates.
	 */
	if (!ops_selected(write ? SEL_OPEN_WRITE : SEL_OPEN_READ) &&
	    !((flags & O_CREAT) && ops_selected(SEL(VA_OP_CREATE))) &&
	    !((flags & O_TRUNC) && ops_selected(SEL(VA_OP_TRUNCATE))))
		return 0;
	if (ret >= 0)
		f = fd_file(task, ret);
	if (f && (flags & O_CREAT) && fmode_created && (BPF_CORE_READ(f, f_mode) & fmode_created)) {
		op = VA_OP_CREATE;
		sel = SEL(VA_OP_CREATE);
	} else {
		sel = write ? SEL_OPEN_WRITE : SEL_OPEN_READ;
		/* A truncating open of an existing regular file is a truncate too. */
		if (f && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY &&
		    (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) == S_IFREG)
			want_trunc = ops_selected(SEL(VA_OP_TRUNCATE));
	}
	if (!ops_selected(sel) && !want_trunc)
		return 0;

	s = begin(task, op, ret);
	if (!s)
		return 0;
	/*
	 * For the thread's template (emit_open()): read before the object and
	 * path filters judge this open. The task filters judged it already, but
	 * a read or write applies them again itself.
	 */
	s->begin_gen = READ_ONCE(flush_gen);
	s->begin_epoch = READ_ONCE(filter_set);
	s->ev.oflags = flags;
	s->ev.wflags |= VA_WF_OPEN_FLAGS;
	if (f) {
		set_object_file(s, f);
		if (object_filtered_out(s))
			return 0;
		s->ev.str_len[0] = va_file_path((__u64)f);
	} else if (uname) {
		/* Failed: no object, but its directory resolves. */
		s->ev.str_len[0] = va_put_resolved(0, dfd, (__u64)uname, RES_PARENT, 0);
	} else {
		str1_from_fd(s, task, dfd);
	}
	if (!event_kept(s))
		return 0;
	if (ops_selected(sel))
		emit_open(s, task, f);
	if (want_trunc) {
		s->ev.wflags &= ~VA_WF_TEMPLATE;
		s->ev.hdr.ts = bpf_ktime_get_boot_ns();
		s->ev.op = VA_OP_TRUNCATE;
		s->ev.size = 0;
		emit_file(s);
	}
	return 0;
}

/*
 * A read or write call's exit (@nr its x86-64 number): merged per open
 * file. The dispatcher runs it for read and write, h_rw for the others.
 */
static __always_inline void rw_exit(struct task_struct *task, struct pt_regs *regs, long nr,
				    long ret)
{
	struct va_wire_task t = {};
	__u32 dir;

	switch (nr) {
	case VA_NR_read:
	case VA_NR_pread64:
	case VA_NR_readv:
	case VA_NR_preadv:
	case VA_NR_preadv2:
	case VA_NR_recvfrom:
	case VA_NR_recvmsg:
		dir = 0;
		break;
	default:
		dir = 1;
	}
	if (!ops_selected(SEL(dir ? VA_OP_WRITE : VA_OP_READ)) || is_self(task))
		return;
	if (task_filters()) {
		t.uid = (__u32)bpf_get_current_uid_gid();
		bpf_get_current_comm(t.comm, sizeof(t.comm));
		if (task_filtered_out(&t))
			return;
	}
	rw_account(task, fd_file(task, ARG0(regs)), dir, ret);
}

/* The vector, positional and socket forms of read and write */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_rw, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	rw_exit(task, regs, SYSNR(regs), ret);
	return 0;
}

/* sendfile, splice, tee, copy_file_range: a read on one file, a write on another */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_xfer, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long nr = SYSNR(regs), in_fd, out_fd;
	struct va_wire_task t = {};

	if (is_self(task))
		return 0;
	switch (nr) {
	case VA_NR_sendfile:
		out_fd = ARG0(regs);
		in_fd = ARG1(regs);
		break;
	case VA_NR_tee:
		in_fd = ARG0(regs);
		out_fd = ARG1(regs);
		break;
	default: /* splice, copy_file_range: (fd_in, off_in, fd_out, …) */
		in_fd = ARG0(regs);
		out_fd = ARG2(regs);
	}
	if (task_filters()) {
		t.uid = (__u32)bpf_get_current_uid_gid();
		bpf_get_current_comm(t.comm, sizeof(t.comm));
		if (task_filtered_out(&t))
			return 0;
	}
	if (ops_selected(SEL(VA_OP_READ)))
		rw_account(task, fd_file(task, in_fd), 0, ret);
	if (ops_selected(SEL(VA_OP_WRITE)))
		rw_account(task, fd_file(task, out_fd), 1, ret);
	return 0;
}

/* truncate, ftruncate */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_truncate, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s = begin(task, VA_OP_TRUNCATE, ret);

	if (!s)
		return 0;
	s->ev.size = sys_length_arg(task, regs);
	if (SYSNR(regs) == VA_NR_ftruncate)
		str1_from_fd(s, task, ARG0(regs));
	else
		str1_from_name(s, task, AT_FDCWD, (const char *)ARG0(regs), RES_FOLLOW);
	va_finish();
	return 0;
}

/* unlink, unlinkat, rmdir, mkdir, mkdirat, mknod, mknodat */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_name, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long nr = SYSNR(regs), dfd = AT_FDCWD;
	const char *uname;
	__u32 op, mode = 0;
	struct scratch *s;

	switch (nr) {
	case VA_NR_unlink:
		op = VA_OP_UNLINK;
		uname = (const char *)ARG0(regs);
		break;
	case VA_NR_unlinkat:
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		op = (ARG2(regs) & AT_REMOVEDIR) ? VA_OP_RMDIR : VA_OP_UNLINK;
		break;
	case VA_NR_rmdir:
		op = VA_OP_RMDIR;
		uname = (const char *)ARG0(regs);
		break;
	case VA_NR_mkdir:
		op = VA_OP_MKDIR;
		uname = (const char *)ARG0(regs);
		mode = ARG1(regs);
		break;
	case VA_NR_mkdirat:
		op = VA_OP_MKDIR;
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		mode = ARG2(regs);
		break;
	case VA_NR_mknod:
		op = VA_OP_MKNOD;
		uname = (const char *)ARG0(regs);
		mode = ARG1(regs);
		break;
	default: /* mknodat */
		op = VA_OP_MKNOD;
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		mode = ARG2(regs);
	}
	/* The entry's note goes now, whatever happens to this event (note_victim()). */
	s = get_scratch();
	if (!s)
		return 0;
	s->note.nr = 0;
	if (op == VA_OP_UNLINK || op == VA_OP_RMDIR) {
		__u32 tid = task->pid;
		struct victim *v = bpf_map_lookup_elem(&victims, &tid);

		if (v) {
			__builtin_memcpy(&s->note, v, sizeof(s->note));
			bpf_map_delete_elem(&victims, &tid);
			if (s->note.nr != nr || s->note.uname != (__u64)uname || s->note.dfd != dfd)
				s->note.nr = 0;
		}
	}
	if (!ops_selected(SEL(op)))
		return 0;
	s = begin(task, op, ret);
	if (!s)
		return 0;
	if (op == VA_OP_MKDIR) {
		s->ev.mode = mode & 07777;
		s->ev.imode = S_IFDIR | (mode & 07777);
		s->ev.wflags |= VA_WF_FTYPE_KNOWN;
	} else if (op == VA_OP_MKNOD) {
		s->ev.mode = mode;
		/* mknod with no type bits makes a regular file. */
		s->ev.imode = (mode & S_IFMT) ? mode : (mode | S_IFREG);
		s->ev.wflags |= VA_WF_FTYPE_KNOWN;
	} else if (op == VA_OP_RMDIR) {
		s->ev.imode = S_IFDIR;
		s->ev.wflags |= VA_WF_FTYPE_KNOWN;
	}
	if ((op == VA_OP_UNLINK || op == VA_OP_RMDIR) && ret == 0) {
		/* The name is gone: its directory now, its object as seen at entry. */
		__u32 path_len = 0, at;
		long n = 0;

		if (s->note.nr) {
			s->ev.ino = s->note.ino;
			s->ev.imode = s->note.imode;
			s->ev.dev = s->note.dev;
			s->ev.fs_magic = s->note.fs_magic;
			s->ev.wflags |= VA_WF_DEV_KNOWN | VA_WF_INO_KNOWN;
			path_len = s->note.path_len;
		}
		/*
		 * The entry found the name to be the path: no need to resolve it
		 * again, if the name reads as long (or longer by trailing '/';
		 * a name rewritten meanwhile fools this as it fooled a resolution).
		 */
		at = path_len;
		barrier_var(at); /* keeps the mask below, which the verifier needs */
		if (path_len && path_len < VA_WIRE_NAME_MAX)
			n = bpf_probe_read_user_str(s->data, VA_WIRE_NAME_MAX, uname);
		if (n > path_len && (n == path_len + 1 || s->data[at & NAME_MASK] == '/'))
			s->ev.str_len[0] = path_len;
		else
			s->ev.str_len[0] = va_put_resolved(0, dfd, (__u64)uname, RES_PARENT, 0);
	} else {
		s->ev.str_len[0] = va_put_resolved(0, dfd, (__u64)uname, RES_OBJECT, 0);
	}
	va_finish();
	return 0;
}

/* rename, renameat, renameat2, link, linkat, symlink, symlinkat */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_two, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long nr = SYSNR(regs), odfd = AT_FDCWD, ndfd = AT_FDCWD;
	const char *oname, *nname;
	__u32 op, rflags = 0;
	struct scratch *s;
	__u32 len1;

	switch (nr) {
	case VA_NR_rename:
	case VA_NR_link:
	case VA_NR_symlink:
		oname = (const char *)ARG0(regs);
		nname = (const char *)ARG1(regs);
		op = nr == VA_NR_rename ? VA_OP_RENAME : nr == VA_NR_link ? VA_OP_LINK : VA_OP_SYMLINK;
		break;
	case VA_NR_symlinkat:
		oname = (const char *)ARG0(regs);
		ndfd = (int)ARG1(regs);
		nname = (const char *)ARG2(regs);
		op = VA_OP_SYMLINK;
		break;
	default: /* renameat, renameat2, linkat */
		odfd = (int)ARG0(regs);
		oname = (const char *)ARG1(regs);
		ndfd = (int)ARG2(regs);
		nname = (const char *)ARG3(regs);
		op = nr == VA_NR_linkat ? VA_OP_LINK : VA_OP_RENAME;
		if (nr == VA_NR_renameat2)
			rflags = ARG4(regs);
	}
	if (!ops_selected(SEL(op)))
		return 0;
	s = begin(task, op, ret);
	if (!s)
		return 0;
	s->ev.rename_flags = rflags;
	if (op == VA_OP_SYMLINK) {
		/* path is the link; the target is its content, kept as written. */
		s->ev.imode = S_IFLNK | 0777;
		s->ev.wflags |= VA_WF_FTYPE_KNOWN;
		len1 = va_put_resolved(0, ndfd, (__u64)nname, RES_OBJECT, 0);
		s->ev.str_len[0] = len1;
		s->ev.str_len[1] = put_raw(s, len1, oname, &s->ev.str_flags[1]);
	} else if (op == VA_OP_LINK) {
		__u32 follow = nr == VA_NR_linkat && (ARG4(regs) & AT_SYMLINK_FOLLOW) ? RES_FOLLOW : 0;

		str1_from_name(s, task, odfd, oname, follow);
		len1 = s->ev.str_len[0];
		s->ev.str_len[1] = va_put_resolved(len1, ndfd, (__u64)nname, 0, 1);
	} else if (ret == 0) {
		/* Renamed: the old name is gone, the object is at the new one. */
		len1 = va_put_resolved(0, odfd, (__u64)oname, RES_PARENT, 0);
		s->ev.str_len[0] = len1;
		/* Usually within one directory: the new name's resolution starts from it. */
		hint_from_last(s, odfd);
		s->ev.str_len[1] = va_put_resolved(len1, ndfd, (__u64)nname, RES_OBJECT, 1);
		s->hint.len = 0;
	} else {
		len1 = va_put_resolved(0, odfd, (__u64)oname, RES_OBJECT, 0);
		s->ev.str_len[0] = len1;
		s->ev.str_len[1] = va_put_resolved(len1, ndfd, (__u64)nname, RES_PARENT, 1);
	}
	va_finish();
	return 0;
}

/* chmod and chown families, utime(s), utimensat, futimesat */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_attr, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long nr = SYSNR(regs), dfd = AT_FDCWD, fd = -1;
	const char *uname = NULL;
	__u32 op, follow = RES_FOLLOW;
	struct scratch *s;

	switch (nr) {
	case VA_NR_chmod:
	case VA_NR_fchmod:
	case VA_NR_fchmodat:
	case VA_NR_fchmodat2:
		op = VA_OP_CHMOD;
		break;
	case VA_NR_chown:
	case VA_NR_fchown:
	case VA_NR_lchown:
	case VA_NR_fchownat:
		op = VA_OP_CHOWN;
		break;
	default:
		op = VA_OP_UTIMES;
	}
	if (!ops_selected(SEL(op)))
		return 0;
	s = begin(task, op, ret);
	if (!s)
		return 0;
	switch (nr) {
	case VA_NR_chmod:
		uname = (const char *)ARG0(regs);
		s->ev.mode = ARG1(regs) & 07777;
		break;
	case VA_NR_fchmod:
		fd = ARG0(regs);
		s->ev.mode = ARG1(regs) & 07777;
		break;
	case VA_NR_fchmodat:
	case VA_NR_fchmodat2:
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		s->ev.mode = ARG2(regs) & 07777;
		if (nr == VA_NR_fchmodat2 && (ARG3(regs) & AT_SYMLINK_NOFOLLOW))
			follow = 0;
		break;
	case VA_NR_chown:
	case VA_NR_lchown:
		if (nr == VA_NR_lchown)
			follow = 0;
		uname = (const char *)ARG0(regs);
		s->ev.owner_uid = sys_id_arg(task, regs, 1);
		s->ev.owner_gid = sys_id_arg(task, regs, 2);
		break;
	case VA_NR_fchown:
		fd = ARG0(regs);
		s->ev.owner_uid = sys_id_arg(task, regs, 1);
		s->ev.owner_gid = sys_id_arg(task, regs, 2);
		break;
	case VA_NR_fchownat:
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		s->ev.owner_uid = (int)ARG2(regs);
		s->ev.owner_gid = (int)ARG3(regs);
		if (ARG4(regs) & AT_SYMLINK_NOFOLLOW)
			follow = 0;
		break;
	case VA_NR_utimensat:
	case VA_NR_futimesat:
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		if (nr == VA_NR_utimensat && (ARG3(regs) & AT_SYMLINK_NOFOLLOW))
			follow = 0;
		/* utimensat(fd, NULL, …) is futimens(fd). */
		if (!uname) {
			fd = dfd;
			dfd = AT_FDCWD;
		}
		break;
	default: /* utime, utimes */
		uname = (const char *)ARG0(regs);
	}
	if (fd >= 0)
		str1_from_fd(s, task, fd);
	else
		str1_from_name(s, task, dfd, uname, follow);
	va_finish();
	return 0;
}

/* setxattr and removexattr families */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_xattr, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long nr = SYSNR(regs), dfd = AT_FDCWD, fd = -1;
	const char *uname = NULL, *attr;
	__u32 op, follow = RES_FOLLOW;
	struct scratch *s;

	switch (nr) {
	case VA_NR_setxattr:
	case VA_NR_lsetxattr:
	case VA_NR_removexattr:
	case VA_NR_lremovexattr:
		if (nr == VA_NR_lsetxattr || nr == VA_NR_lremovexattr)
			follow = 0;
		uname = (const char *)ARG0(regs);
		attr = (const char *)ARG1(regs);
		break;
	case VA_NR_fsetxattr:
	case VA_NR_fremovexattr:
		fd = ARG0(regs);
		attr = (const char *)ARG1(regs);
		break;
	default: /* setxattrat, removexattrat: (dfd, name, at_flags, attr, …) */
		dfd = (int)ARG0(regs);
		uname = (const char *)ARG1(regs);
		attr = (const char *)ARG3(regs);
		if (ARG2(regs) & AT_SYMLINK_NOFOLLOW)
			follow = 0;
	}
	op = (nr == VA_NR_setxattr || nr == VA_NR_lsetxattr || nr == VA_NR_fsetxattr ||
	      nr == VA_NR_setxattrat)
		     ? VA_OP_SETXATTR
		     : VA_OP_REMOVEXATTR;
	if (!ops_selected(SEL(op)))
		return 0;
	s = begin(task, op, ret);
	if (!s)
		return 0;
	if (fd >= 0)
		str1_from_fd(s, task, fd);
	else
		str1_from_name(s, task, dfd, uname, follow);
	s->ev.str_len[1] = put_raw(s, s->ev.str_len[0], attr, &s->ev.str_flags[1]);
	va_finish();
	return 0;
}

/* execve, execveat that failed (successful ones come from sched_process_exec) */
SEC("tp_btf/sys_exit")
int BPF_PROG(h_exec_fail, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s;

	if (ret >= 0)
		return 0;
	s = begin(task, VA_OP_EXEC, ret);
	if (!s)
		return 0;
	if (SYSNR(regs) == VA_NR_execveat)
		str1_from_name(s, task, (int)ARG0(regs), (const char *)ARG1(regs), RES_FOLLOW);
	else
		str1_from_name(s, task, AT_FDCWD, (const char *)ARG0(regs), RES_FOLLOW);
	va_finish();
	return 0;
}

#endif
