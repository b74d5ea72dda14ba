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

struct walk_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *mnt_root; /* of vfsmnt */
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 pos;
	__u32 flags;
};

static __always_inline struct mount *real_mount(struct vfsmount *m)
{
	return (void *)m - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch_map, &cpu);
}

static __always_inline bool dentry_head_in_one(void)
{
	__u32 h = bpf_core_field_offset(struct dentry, d_hash);

	return bpf_core_field_offset(struct dentry, d_parent) == h + 16 &&
	       bpf_core_field_offset(struct dentry, d_name) == h + 24 &&
	       bpf_core_field_offset(struct dentry, d_inode) == h + 40;
}

/* Returns: 0, or a negative error when @d could not be read. */
static __always_inline long read_dentry_head(struct dentry *d, struct dentry_head *h)
{
	if (dentry_head_in_one())
		return bpf_probe_read_kernel(
			h, sizeof(*h), (void *)d + bpf_core_field_offset(struct dentry, d_hash));
	h->hash_next = (__u64)BPF_CORE_READ(d, d_hash.next);
	h->hash_pprev = (__u64)BPF_CORE_READ(d, d_hash.pprev);
	h->parent = BPF_CORE_READ(d, d_parent);
	h->hash_len = BPF_CORE_READ(d, d_name.hash_len);
	h->name = BPF_CORE_READ(d, d_name.name);
	h->inode = BPF_CORE_READ(d, d_inode);
	return 0;
}

/* The first 8 bytes of @h's name of @len bytes (zero padded): usually without a read. */
static __always_inline __u64 dentry_name_head(struct dentry *d, const struct dentry_head *h,
					      __u32 len)
{
	__u64 head = 0;

	if (dentry_head_in_one() &&
	    (void *)h->name == (void *)d + bpf_core_field_offset(struct dentry, d_inode) + 8)
		head = h->inline_head;
	else
		bpf_probe_read_kernel(&head, 8, h->name);
	if (len < 8)
		head &= ~(~0ull << (len * 8));
	return head;
}

static long walk_step(__u32 i, void *arg)
{
	struct walk_ctx *c = arg;
	struct scratch *s = get_scratch();
	/* Locals: CO-RE reads must not wrap accesses to our own walk_ctx. */
	struct dentry *d = c->dentry, *parent, *mnt_root = c->mnt_root;
	struct vfsmount *vfsmnt = c->vfsmnt;
	struct mount *mnt = c->mnt;
	struct dentry_head *h;
	__u32 len, pos = c->pos;

	if (!s)
		return 1;
	if (d == c->root_dentry && vfsmnt == c->root_mnt)
		return 1;
	h = &s->head;
	if (read_dentry_head(d, h)) {
		c->flags |= VA_PATH_FAULT;
		return 1;
	}
	parent = h->parent;
	if (d == mnt_root || d == parent) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);

		if (d == mnt_root && mp != mnt) {
			vfsmnt = (void *)mp + bpf_core_field_offset(struct mount, mnt);
			c->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
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
	pos -= len;
	bpf_probe_read_kernel(s->walk + (pos & WALK_MASK), len & 255, h->name);
	pos -= 1;
	s->walk[pos & WALK_MASK] = '/';
	c->pos = pos;
	c->dentry = parent;
	return 0;
}

/*
 * walk_path() - write the path of (@dentry, @vfsmnt) into scratch->walk.
 * Returns: the start offset in s->walk; the path ends at WALK_BUF.
 */
static __always_inline __u32 walk_path(struct scratch *s, struct task_struct *task,
				       struct dentry *dentry, struct vfsmount *vfsmnt, __u16 *flags)
{
	struct walk_ctx c = {};
	struct dentry *parent;

	c.dentry = dentry;
	c.vfsmnt = vfsmnt;
	c.mnt = real_mount(vfsmnt);
	c.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	c.root_dentry = task->fs->root.dentry;
	c.root_mnt = task->fs->root.mnt;
	c.pos = WALK_BUF;
	bpf_loop(WALK_MAX_DEPTH, walk_step, &c, 0);
	if (c.pos == WALK_BUF) {
		c.pos = WALK_BUF - 1;
		s->walk[WALK_BUF - 1] = '/';
	}
	/* d_unlinked(): unhashed and not a root. */
	parent = BPF_CORE_READ(dentry, d_parent);
	if (!BPF_CORE_READ(dentry, d_hash.pprev) && parent != dentry)
		c.flags |= VA_PATH_DELETED;
	*flags |= c.flags;
	return c.pos;
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
static __always_inline bool is_pseudo(struct dentry *d)
{
	const struct dentry_operations *op = BPF_CORE_READ(d, d_op);

	return op && BPF_CORE_READ(op, d_dname);
}

/*
 * put_path() - the path of a kernel struct path into data[@off].
 * Returns: the string length.
 */
static __always_inline __u32 put_path(struct scratch *s, struct task_struct *task, __u32 off,
				      struct dentry *dentry, struct vfsmount *mnt, __u16 *flags)
{
	__u32 pos;

	if (is_pseudo(dentry)) {
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		__u32 len = BPF_CORE_READ(dentry, d_name.len) & 255;

		*flags |= VA_PATH_PSEUDO;
		bpf_probe_read_kernel(s->data + (off & SLOT_MASK), len, name);
		return len;
	}
	pos = walk_path(s, task, dentry, mnt, flags);
	return put_walk(s, off, pos);
}

static __always_inline __u32 put_file_path(struct scratch *s, struct task_struct *task, __u32 off,
					   struct file *f, __u16 *flags)
{
	return put_path(s, task, off, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt),
			flags);
}

/* Describe the object behind @inode in the event (dev, ino, type, fs). */
static __always_inline void set_object(struct scratch *s, struct inode *inode)
{
	if (!inode)
		return;
	s->ev.ino = BPF_CORE_READ(inode, i_ino);
	s->ev.imode = BPF_CORE_READ(inode, i_mode);
	s->ev.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	s->ev.fs_magic = BPF_CORE_READ(inode, i_sb, s_magic);
	s->ev.wflags |= VA_WF_DEV_KNOWN | VA_WF_INO_KNOWN;
}

static __always_inline void set_object_file(struct scratch *s, struct file *f)
{
	set_object(s, BPF_CORE_READ(f, f_inode));
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
			dentry = task->fs->pwd.dentry;
			mnt = task->fs->pwd.mnt;
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
		pos = walk_path(s, task, dentry, mnt, flags);
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
