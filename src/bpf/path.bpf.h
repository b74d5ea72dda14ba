/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paths from kernel objects: walk dentry -> d_parent and, at each mount
 * root, mount -> mnt_mountpoint, up to the process's root (task->fs->root),
 * as d_path() does. The walk writes from the end of scratch->walk towards
 * the front; the result is then copied into a string slot of the event.
 *
 * Paths named by a syscall argument (unlink, rename, chmod…) are the
 * directory's path from the kernel (dirfd, cwd or root) joined with the
 * name; user space normalises "." and "..". Intermediate symlinks in such a
 * name are not followed: the LSM backend sees the object itself.
 */
#ifndef VA_PATH_BPF_H
#define VA_PATH_BPF_H

#define WALK_MAX_DEPTH 2048

/* Inode types (linux/stat.h), for every hook family. */
#define S_IFMT	00170000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFLNK 0120000
#define AT_FDCWD	  -100

static __always_inline struct mount *real_mount(struct vfsmount *m)
{
	return (void *)m - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch_map, &cpu);
}

#define OFF(type, field) bpf_core_field_offset(type, field)
#define DNAME_INLINE_MIN 32 /* bytes of a name kept in the dentry itself, at least (6.1: 32) */

/* Where a short name's bytes are kept: right after d_inode, on every kernel since 2.6. */
static __always_inline __u32 dentry_iname_off(void)
{
	return OFF(struct dentry, d_inode) + 8;
}

/* One read of the dentry's first DSNAP_SIZE bytes holds every field a walk or lookup needs. */
static __always_inline bool dentry_snap_fits(void)
{
	return OFF(struct dentry, d_flags) + 4 <= DSNAP_SIZE &&
	       OFF(struct dentry, d_hash) + 16 <= DSNAP_SIZE &&
	       OFF(struct dentry, d_parent) + 8 <= DSNAP_SIZE &&
	       OFF(struct dentry, d_name) + 16 <= DSNAP_SIZE &&
	       OFF(struct dentry, d_op) + 8 <= DSNAP_SIZE &&
	       dentry_iname_off() + DNAME_INLINE_MIN <= DSNAP_SIZE;
}

#define RAW64(h, off) (*(__u64 *)((h)->raw + (off)))

/* Returns: 0, or a negative error when @d could not be read. */
static __always_inline long read_dentry_head(struct dentry *d, struct dentry_head *h)
{
	/* Until the read succeeds, the fields are nobody's. */
	h->self = NULL;
	if (dentry_snap_fits()) {
		if (bpf_probe_read_kernel(h->raw, DSNAP_SIZE, d))
			return -1;
		h->flags = *(__u32 *)(h->raw + OFF(struct dentry, d_flags));
		h->hash_next = RAW64(h, OFF(struct dentry, d_hash));
		h->hash_pprev = RAW64(h, OFF(struct dentry, d_hash) + 8);
		h->parent = (struct dentry *)RAW64(h, OFF(struct dentry, d_parent));
		h->hash_len = RAW64(h, OFF(struct dentry, d_name));
		h->name = (const unsigned char *)RAW64(h, OFF(struct dentry, d_name) + 8);
		h->inode = (struct inode *)RAW64(h, OFF(struct dentry, d_inode));
		h->op = (const void *)RAW64(h, OFF(struct dentry, d_op));
		h->name_inline = (void *)h->name == (void *)d + dentry_iname_off() &&
				 (h->hash_len >> 32) < DNAME_INLINE_MIN;
		h->self = d;
		return 0;
	}
	h->flags = BPF_CORE_READ(d, d_flags);
	h->hash_next = (__u64)BPF_CORE_READ(d, d_hash.next);
	h->hash_pprev = (__u64)BPF_CORE_READ(d, d_hash.pprev);
	h->parent = BPF_CORE_READ(d, d_parent);
	h->hash_len = BPF_CORE_READ(d, d_name.hash_len);
	h->name = BPF_CORE_READ(d, d_name.name);
	h->inode = BPF_CORE_READ(d, d_inode);
	h->op = BPF_CORE_READ(d, d_op);
	h->name_inline = 0;
	h->self = d;
	return 0;
}

#define DSEQ_OFF OFF(struct dentry, d_seq.seqcount.sequence)

/* The d_seq of the dentry read into @h, which every d_move() changes. */
static __always_inline __u32 dentry_seq(const struct dentry_head *h)
{
	struct dentry *d = h->self;

	if (dentry_snap_fits() && DSEQ_OFF + 4 <= DSNAP_SIZE)
		return *(__u32 *)(h->raw + DSEQ_OFF);
	return BPF_CORE_READ(d, d_seq.seqcount.sequence);
}

/*
 * Returns: true when @d is hashed and its d_seq is still @seq: it has not
 * been renamed or unlinked since @seq was read (its ancestors may have been).
 */
static __always_inline bool dentry_unmoved(struct dentry *d, __u32 seq)
{
	__u32 hash = OFF(struct dentry, d_hash);
	__u64 head[3] = {};

	if (DSEQ_OFF + 4 <= sizeof(head) && hash + 16 <= sizeof(head)) {
		if (bpf_probe_read_kernel(head, sizeof(head), d))
			return false;
		return *(__u32 *)((void *)head + DSEQ_OFF) == seq &&
		       *(__u64 *)((void *)head + hash + 8) != 0;
	}
	return BPF_CORE_READ(d, d_seq.seqcount.sequence) == seq && BPF_CORE_READ(d, d_hash.pprev);
}

/* Word @w of @h's inline name of @len bytes, zero padded. */
static __always_inline __u64 inline_name_word(const struct dentry_head *h, __u32 w, __u32 len)
{
	__u32 at = dentry_iname_off() + w * 8;
	__u64 x;

	if (at > DSNAP_SIZE - 8)
		return 0;
	x = *(__u64 *)(h->raw + at);
	if (len < w * 8 + 8)
		x &= ~(~0ull << ((len - w * 8) * 8));
	return x;
}

/* The first 8 bytes of @h's name of @len bytes (zero padded): usually without a read. */
static __always_inline __u64 dentry_name_head(const struct dentry_head *h, __u32 len)
{
	__u64 head = 0;

	if (h->name_inline)
		return inline_name_word(h, 0, len);
	bpf_probe_read_kernel(&head, 8, h->name);
	if (len < 8)
		head &= ~(~0ull << (len * 8));
	return head;
}

/*
 * Copy @h's inline name (@len < DNAME_INLINE_MIN bytes) to end at
 * walk[@end], a word at a time from the end. The words may also write up to
 * 7 bytes before the name's start: the walk fills those afterwards ('/', the
 * parent's name) or they lie before the path's start, where nothing reads.
 */
static __always_inline void copy_inline_name(struct scratch *s, const struct dentry_head *h,
					     __u32 end, __u32 len)
{
#pragma unroll
	for (__u32 k = 0; k < DNAME_INLINE_MIN / 8; k++) {
		/* From raw[iname + len - 8(k+1)]: at worst 31 bytes before the name, inside raw. */
		__u32 from = dentry_iname_off() + len - 8 * (k + 1);

		if (k * 8 >= len || from > DSNAP_SIZE - 8)
			break;
		*(__u64 *)(s->walk + ((end - 8 * (k + 1)) & WALK_MASK)) = *(__u64 *)(h->raw + from);
	}
}

/* mnt_parent, mnt_mountpoint and mnt.mnt_root follow each other (every kernel since 3.3). */
static __always_inline bool mount_head_in_one(void)
{
	__u32 p = OFF(struct mount, mnt_parent);

	return OFF(struct mount, mnt_mountpoint) == p + 8 &&
	       OFF(struct mount, mnt) + OFF(struct vfsmount, mnt_root) == p + 16;
}

/* Returns: 0, or -1 when @m could not be read. */
static __always_inline long read_mount_head(struct mount *m, struct mount_head *h)
{
	if (mount_head_in_one())
		return bpf_probe_read_kernel(h, sizeof(*h),
					     (void *)m + OFF(struct mount, mnt_parent));
	h->parent = (__u64)BPF_CORE_READ(m, mnt_parent);
	h->mountpoint = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
	h->root = (__u64)BPF_CORE_READ(m, mnt.mnt_root);
	return 0;
}

/* One step up of the walk in s->wctx: a dentry, or a mount's root to its mountpoint. */
static long walk_step(__u32 i, void *arg)
{
	struct scratch *s = get_scratch();
	struct walk_ctx *c;
	/* Locals: CO-RE reads must not wrap accesses to our own walk_ctx. */
	struct dentry *d, *parent, *mnt_root;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry_head *h;
	__u32 len, pos;

	if (!s)
		return 1; /* never: the map has a slot for every CPU */
	c = &s->wctx;
	d = c->dentry;
	mnt_root = c->mnt_root;
	vfsmnt = c->vfsmnt;
	mnt = c->mnt;
	pos = c->pos;
	if (d == c->root_dentry && vfsmnt == c->root_mnt)
		return 1;
	/*
	 * Past the process's root (another namespace, a chroot), at init's: the
	 * path so far is the file's as the machine's administrator sees it.
	 * (Not at the namespace's top mount only: a root can be mounted over a
	 * hidden rootfs, as after switch_root.)
	 */
	if ((__u64)d == init_root_dentry && (__u64)mnt == init_root_mnt) {
		c->flags |= VA_PATH_UNREACHABLE | VA_PATH_INIT_ROOT;
		return 1;
	}
	h = &s->head;
	if (read_dentry_head(d, h)) {
		c->flags |= VA_PATH_FAULT;
		return 1;
	}
	parent = h->parent;
	if (i == 0) {
		s->wstart.seq = dentry_seq(h);
		s->wstart.pprev = h->hash_pprev;
		s->wstart.parent = (__u64)parent;
		s->wstart.op = (__u64)h->op;
		s->wstart.read = 1;
	}
	if (d == mnt_root || d == parent) {
		struct mount_head *mh = &s->mhead;
		struct mount *mp;

		if (read_mount_head(mnt, mh)) {
			c->flags |= VA_PATH_FAULT;
			return 1;
		}
		mp = (struct mount *)mh->parent;
		if (d == mnt_root && mp != mnt) {
			vfsmnt = (void *)mp + bpf_core_field_offset(struct mount, mnt);
			c->dentry = (struct dentry *)mh->mountpoint;
			c->mnt = mp;
			c->vfsmnt = vfsmnt;
			c->mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
			return 0;
		}
		/* A global root that is not ours: another namespace or a detached mount. */
		c->flags |= VA_PATH_UNREACHABLE;
		return 1;
	}
	len = h->hash_len >> 32;
	if (len > 255 || len + 1 > pos) {
		c->flags |= VA_PATH_TRUNCATED;
		return 1;
	}
	if (h->name_inline && pos >= 64)
		copy_inline_name(s, h, pos, len & (DNAME_INLINE_MIN - 1));
	else
		bpf_probe_read_kernel(s->walk + ((pos - len) & WALK_MASK), len & 255, h->name);
	pos -= len + 1;
	s->walk[pos & WALK_MASK] = '/';
	c->pos = pos;
	c->dentry = parent;
	return 0;
}

/*
 * va_walk() - write the path of (@dentry, @vfsmnt) into scratch->walk, for
 * the running task; s->wstart gets what the first step read of @dentry (op
 * 0: not read, a root), s->wctx.flags the path's flags. A global function
 * with its state in scratch: inlined, or with its state on its frame, it
 * took stack from every call chain that writes a path, and the kernel
 * allows a chain 512 bytes.
 * Returns: the start offset in s->walk; the path ends at WALK_BUF.
 */
__noinline __u32 va_walk(__u64 dentry, __u64 vfsmnt)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vfsmount *m = (struct vfsmount *)vfsmnt;
	struct scratch *s = get_scratch();
	struct walk_ctx *c;

	if (!s)
		return WALK_BUF;
	c = &s->wctx;
	/* Through a local: a CO-RE read must not wrap an access to our own walk_ctx. */
	c->dentry = (struct dentry *)dentry;
	c->vfsmnt = m;
	c->mnt = real_mount(m);
	c->mnt_root = BPF_CORE_READ(m, mnt_root);
	c->root_dentry = task->fs->root.dentry;
	c->root_mnt = task->fs->root.mnt;
	c->pos = WALK_BUF;
	c->flags = 0;
	s->wstart.read = 0;
	s->wstart.op = 0;
	s->wstart.dentry = dentry;
	s->wstart.mnt = vfsmnt;
	s->wstart.root_dentry = (__u64)c->root_dentry;
	s->wstart.root_mnt = (__u64)c->root_mnt;
	bpf_loop(WALK_MAX_DEPTH, walk_step, NULL, 0);
	if (c->pos == WALK_BUF) {
		c->pos = WALK_BUF - 1;
		s->walk[WALK_BUF - 1] = '/';
	}
	/* d_unlinked(): unhashed and not a root (a walk that read nothing began at the root). */
	if (s->wstart.read && !s->wstart.pprev && s->wstart.parent != dentry)
		c->flags |= VA_PATH_DELETED;
	return c->pos;
}

/* va_walk() of (@dentry, @vfsmnt), its path flags added to @flags. Returns: as va_walk(). */
static __always_inline __u32 walk_path(struct scratch *s, struct dentry *dentry,
				       struct vfsmount *vfsmnt, __u16 *flags)
{
	__u32 pos = va_walk((__u64)dentry, (__u64)vfsmnt);

	*flags |= s->wctx.flags;
	return pos;
}

/* Copy the walk result starting at @pos into data[@off]. Returns: its length. */
static __always_inline __u32 put_walk(struct scratch *s, __u32 off, __u32 pos)
{
	__u32 len = WALK_BUF - pos;

	if (len > WALK_BUF)
		return 0;
	bpf_probe_read_kernel(s->data + (off & SLOT_MASK), len & (2 * WALK_BUF - 1),
			      s->walk + (pos & WALK_MASK));
	return len;
}

/*
 * Pipes, sockets and anonymous inodes have no path: their dentries name
 * themselves through d_op->d_dname ("pipe:[123]"). Put the dentry name and
 * let user space format it from fs_magic and ino as d_path would.
 */
static __always_inline bool is_pseudo_op(const void *op)
{
	return op && BPF_CORE_READ((const struct dentry_operations *)op, d_dname);
}

/*
 * put_path() - the path of a kernel struct path into data[@off].
 * Returns: the string length.
 */
static __always_inline __u32 put_path(struct scratch *s, __u32 off, struct dentry *dentry,
				      struct vfsmount *mnt, __u16 *flags)
{
	/* The walk reads the dentry's d_op on its way: a pseudo file's walk is thrown away. */
	__u16 wflags = 0;
	__u32 pos = walk_path(s, dentry, mnt, &wflags);

	if (is_pseudo_op((const void *)s->wstart.op)) {
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		__u32 len = BPF_CORE_READ(dentry, d_name.len) & 255;

		*flags |= VA_PATH_PSEUDO;
		bpf_probe_read_kernel(s->data + (off & SLOT_MASK), len, name);
		return len;
	}
	*flags |= wflags;
	return put_walk(s, off, pos);
}

/*
 * va_file_path() - the path of open file @file as the event's first string,
 * for the running task. A global function: the verifier checks the walk
 * once per program, not at each call site. Returns: the string length.
 */
__noinline __u32 va_file_path(__u64 file)
{
	struct scratch *s = get_scratch();
	struct file *f = (struct file *)file;

	if (!s)
		return 0;
	return put_path(s, 0, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt),
			&s->ev.str_flags[0]);
}

/*
 * The superblock fields an event carries: s_dev and s_magic in one read
 * where they are close. Returns: false when they could not be read.
 */
static __always_inline bool set_object_sb(struct scratch *s, struct super_block *sb)
{
	__u32 dev = OFF(struct super_block, s_dev), magic = OFF(struct super_block, s_magic);
	__u32 from = dev & ~7u;

	if (from < magic && magic + 8 - from <= sizeof(s->osnap)) {
		if (bpf_probe_read_kernel(s->osnap, magic + 8 - from, (void *)sb + from))
			return false;
		s->ev.dev = *(__u32 *)(s->osnap + dev - from);
		s->ev.fs_magic = *(__u64 *)(s->osnap + magic - from);
		return true;
	}
	s->ev.dev = BPF_CORE_READ(sb, s_dev);
	s->ev.fs_magic = BPF_CORE_READ(sb, s_magic);
	return true;
}

/*
 * Describe the object behind @inode in the event (dev, ino, type, fs).
 * Returns: false when there is none, or it could not be read.
 */
static __always_inline bool set_object(struct scratch *s, struct inode *inode)
{
	__u32 ino = OFF(struct inode, i_ino), mode = OFF(struct inode, i_mode),
	      isb = OFF(struct inode, i_sb);
	struct super_block *sb;

	if (!inode)
		return false;
	if (ino + 8 <= sizeof(s->osnap) && mode + 2 <= sizeof(s->osnap) &&
	    isb + 8 <= sizeof(s->osnap)) {
		if (bpf_probe_read_kernel(s->osnap, sizeof(s->osnap), inode))
			return false;
		s->ev.ino = *(__u64 *)(s->osnap + ino);
		s->ev.imode = *(__u16 *)(s->osnap + mode);
		sb = (struct super_block *)*(__u64 *)(s->osnap + isb);
	} else {
		s->ev.ino = BPF_CORE_READ(inode, i_ino);
		s->ev.imode = BPF_CORE_READ(inode, i_mode);
		sb = BPF_CORE_READ(inode, i_sb);
	}
	if (!set_object_sb(s, sb))
		return false;
	s->ev.wflags |= VA_WF_DEV_KNOWN | VA_WF_INO_KNOWN;
	return true;
}

static __always_inline void set_object_file(struct scratch *s, struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);

	s->file_inode = (__u64)inode;
	set_object(s, inode);
}

/*
 * put_name() - the path a syscall names with (@dfd, @uname), into data[@off]:
 * the directory's path from the kernel, '/', the name as the process passed
 * it. An absolute name is taken as it is (it is already the path as the
 * process sees it). The directory's dev is recorded: it is the object's too
 * when the name has no '/'.
 * Returns: the string length; flags get VA_PATH_FROM_NAME (and
 * VA_PATH_FAULT when the name could not be read).
 */
static __always_inline __u32 put_name(struct scratch *s, struct task_struct *task, __u32 off,
				      long dfd, const char *uname, __u16 *flags)
{
	struct dentry *dentry;
	struct vfsmount *mnt;
	__u32 base = 0, pos;
	char first = 0;
	long n;

	*flags |= VA_PATH_FROM_NAME;
	s->ev.wflags |= VA_WF_USER_FILTER;
	if (bpf_probe_read_user(&first, 1, uname) < 0) {
		*flags |= VA_PATH_FAULT;
		return 0;
	}
	if (first != '/') {
		if (dfd == AT_FDCWD) {
			struct fs_struct *fs = task->fs;

			/* Read, not loaded: va_walk() takes addresses, not BTF pointers. */
			dentry = BPF_CORE_READ(fs, pwd.dentry);
			mnt = BPF_CORE_READ(fs, pwd.mnt);
		} else {
			struct file *f = fd_file(task, dfd);

			if (!f) {
				*flags |= VA_PATH_FAULT;
				return 0;
			}
			dentry = BPF_CORE_READ(f, f_path.dentry);
			mnt = BPF_CORE_READ(f, f_path.mnt);
		}
		if (!(s->ev.wflags & VA_WF_DEV_KNOWN)) {
			s->ev.dev = BPF_CORE_READ(dentry, d_sb, s_dev);
			s->ev.fs_magic = BPF_CORE_READ(dentry, d_sb, s_magic);
			s->ev.wflags |= VA_WF_DEV_OF_DIR;
		}
		pos = walk_path(s, dentry, mnt, flags);
		/* The directory itself is never "deleted" for the name's sake. */
		*flags &= ~VA_PATH_DELETED;
		base = put_walk(s, off, pos);
		s->data[(off + base) & (VA_WIRE_DATA_MAX - 1)] = '/';
		base += 1;
	}
	if (off == 0)
		s->ev.name_off = base;
	n = bpf_probe_read_user_str(s->data + ((off + base) & (VA_WIRE_DATA_MAX - 1)),
				    VA_WIRE_NAME_MAX, uname);
	if (n <= 0) {
		*flags |= VA_PATH_FAULT;
		return base;
	}
	return base + (__u32)n - 1;
}

/*
 * put_raw() - bytes of a user string (symlink target, xattr name) as they are.
 * Returns: the length, without the NUL.
 */
static __always_inline __u32 put_raw(struct scratch *s, __u32 off, const char *ustr, __u16 *flags)
{
	long n = bpf_probe_read_user_str(s->data + (off & SLOT_MASK), VA_WIRE_NAME_MAX, ustr);

	if (n <= 0) {
		*flags |= VA_PATH_FAULT;
		return 0;
	}
	return (__u32)n - 1;
}

/* Returns: true when the name at @uname is empty (an AT_EMPTY_PATH call on dfd). */
static __always_inline bool name_is_empty(const char *uname)
{
	char c = 1;

	if (!uname)
		return true;
	if (bpf_probe_read_user(&c, 1, uname) < 0)
		return false;
	return c == 0;
}

#endif
