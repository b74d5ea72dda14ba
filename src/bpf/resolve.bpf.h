/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolving a syscall's name to the kernel object it named, without
 * fentry/LSM hooks: after (or, for unlink, before) the call, every
 * component the kernel looked up is in the dentry cache. Walk the name
 * component by component from the dirfd, cwd or root: look each one up
 * among the directory's cached children (by the dcache's own name hash),
 * cross mounts downwards and upwards, follow fast symlinks (inline
 * targets; others make the resolution give up). When any step fails, the
 * caller falls back to the lexical path (VA_PATH_FROM_NAME). Each lookup
 * goes through the dcache's own hash table where start-up located it
 * (dhash_find()), else scans the directory's cached children.
 *
 * The hash is the kernel's full_name_hash() for 64-bit word-at-a-time
 * builds (stable since 4.8); capture.c checks it against the kernel's own
 * hashes at start (name_hash_ok) and resolution stays off if it differs.
 */
#ifndef VA_RESOLVE_BPF_H
#define VA_RESOLVE_BPF_H

#define RES_FOLLOW    0x1 /* follow a symlink in the last component */
#define RES_PARENT    0x2 /* stop before the last component */
#define RES_OBJECT    0x4 /* the event's dev/ino/type come from this name */
#define RES_MAX_LINKS 8
#define RES_MAX_STEPS (2 * VA_WIRE_NAME_MAX)
#define RES_MAX_KIDS  4096 /* cached children scanned per component before giving up */
#define RES_MOUNT_BUDGET 4096 /* child mounts scanned per name, in all (then remembered) */

#define GOLDEN_RATIO_64 0x61C8864680B583EBull
#define DCACHE_MOUNTED_OLD	0x10000 /* before enum dentry_flags (6.1, 6.12) */
#define DCACHE_ENTRY_TYPE_OLD	0x700000
#define DCACHE_SYMLINK_TYPE_OLD 0x600000

/* A d_flags bit: enum dentry_flags in newer kernels, which also renumbered them. */
#define DCACHE_FLAG(name)                                                                          \
	(bpf_core_enum_value_exists(enum dentry_flags, name)                                       \
		 ? bpf_core_enum_value(enum dentry_flags, name)                                    \
		 : name##_OLD)

/* Kernels before 6.8 kept children in list_heads. */
struct dentry___old {
	struct list_head d_subdirs;
	struct list_head d_child;
} __attribute__((preserve_access_index));


static __always_inline __u64 rol64(__u64 w, unsigned int s)
{
	return (w << s) | (w >> (64 - s));
}

/* full_name_hash(salt, s->comp, len) as the kernel computes it, with the length. */
static __always_inline __u64 name_hash_len(struct scratch *s, __u64 salt, __u32 len)
{
	__u64 a = 0, x = 0, y = salt;
	__u32 rem = len, w;

	for (w = 0; w < 32; w++) {
		if (rem < 8)
			break;
		a = *(__u64 *)(s->comp + w * 8);
		x ^= a;
		y ^= x;
		x = rol64(x, 12);
		x += y;
		y = rol64(y, 45);
		y *= 9;
		rem -= 8;
	}
	if (rem && w < 32) {
		a = *(__u64 *)(s->comp + (w & 31) * 8);
		x ^= a & ~(~0ull << (rem * 8));
	}
	y ^= x * GOLDEN_RATIO_64;
	y *= GOLDEN_RATIO_64;
	return ((__u64)len << 32) | (y >> 32);
}

struct kids_ctx {
	struct dentry *parent;
	void *node;
	void *end;
	__u64 hash_len;
	__u64 head; /* first 8 bytes of the name, zero padded */
	struct dentry *found;
};

/* The dentry read into @h is a positive child named like @k's. */
static __always_inline bool kid_named(const struct dentry_head *h, const struct kids_ctx *k)
{
	return h->hash_len == k->hash_len && h->inode &&
	       dentry_name_head(h, k->hash_len >> 32) == k->head;
}

/*
 * A cached child is still the one: the same parent, name and hash, positive
 * and hashed (an unlinked name that is still open keeps its parent and name
 * but is unhashed, and a new file of that name is another dentry). A freed
 * and reused dentry fails these too: reading it is safe, only the answer
 * would be wrong, and the checks catch that.
 */
static __always_inline bool kid_matches(struct dentry *d, const struct kids_ctx *k,
					struct dentry_head *h)
{
	if (!d || read_dentry_head(d, h))
		return false;
	return h->parent == k->parent && h->hash_pprev && kid_named(h, k);
}

static long kid_step(__u32 i, void *arg)
{
	struct kids_ctx *k = arg;
	struct scratch *s = get_scratch();
	struct dentry *d;
	void *node = k->node;

	if (!s || !node || node == k->end)
		return 1;
	if (bpf_core_field_exists(struct dentry, d_children)) {
		d = (void *)node - bpf_core_field_offset(struct dentry, d_sib);
		k->node = BPF_CORE_READ((struct hlist_node *)node, next);
	} else {
		d = (void *)node - bpf_core_field_offset(struct dentry___old, d_child);
		k->node = BPF_CORE_READ((struct list_head *)node, next);
	}
	/* Unhashed: unlinked, though still open; the name no longer leads to it. */
	if (read_dentry_head(d, &s->head) || !s->head.hash_pprev || !kid_named(&s->head, k))
		return 0;
	k->found = d;
	return 1;
}

#define DHASH_MAX_CHAIN 16
#define DHASH_UNKNOWN	1 /* not a dentry: the lookup could not tell */

/* @name, of @len bytes (9 to 255), is s->comp's name (zero padded). */
static __always_inline bool same_long_name(struct scratch *s, const unsigned char *name, __u32 len)
{
	__u32 words = (len + 7) / 8;

	/* A short name is in the snapshot of its dentry already (read_dentry_head()). */
	if (s->head.name_inline && name == s->head.name) {
		for (int w = 0; w < DNAME_INLINE_MIN / 8; w++) {
			if (w >= words)
				break;
			if (inline_name_word(&s->head, w, len) != *(__u64 *)(s->comp + w * 8))
				return false;
		}
		return true;
	}
	__builtin_memset(s->kname, 0, sizeof(s->kname));
	if (bpf_probe_read_kernel(s->kname, len & 255, name))
		return false;
	for (int w = 0; w < 32; w++) {
		if (w >= words)
			break;
		if (*(__u64 *)(s->kname + w * 8) != *(__u64 *)(s->comp + w * 8))
			return false;
	}
	return true;
}

/*
 * dhash_find() - the positive child of @parent named s->comp, whose
 * dcache hash and length are @hash_len, looked up in the dcache's own hash
 * table as __d_lookup_rcu() does: one bucket, whose chain holds a dentry or
 * two, however many children the directory has. Tracepoint programs run
 * under the RCU read lock, as the kernel's lookup does.
 * Returns: the dentry; 0 when the chain has none (the dcache has no such
 * child); DHASH_UNKNOWN when a read failed, the chain was too long, or it
 * led into another bucket (a concurrent rename).
 * Inline, and with nothing on the stack: it runs deep in name resolution,
 * whose call chain the kernel limits to 512 bytes of stack.
 */
static __always_inline __u64 dhash_find(struct scratch *s, __u64 parent, __u64 hash_len)
{
	__u64 off = bpf_core_field_offset(struct dentry, d_hash), node;
	__u32 len = hash_len >> 32; /* at most 255: va_dhash_child() checked */

	/* Kept in scratch, not registers: spilled, they took 100 bytes of stack. */
	s->kid_key.parent = parent;
	s->kid_key.hash_len = hash_len;
	if (bpf_probe_read_kernel(&s->bucket_head, sizeof(s->bucket_head),
				  (void *)(dhash_table +
					   ((__u64)((__u32)hash_len >> (dhash_shift & 31)) << 3))))
		return DHASH_UNKNOWN;
	node = s->bucket_head & ~1ull; /* bit 0 of a hlist_bl head is the bucket's lock */
	for (int i = 0; i < DHASH_MAX_CHAIN; i++) {
		struct dentry *d = (void *)(node - off);
		struct dentry_head *h = &s->head;

		if (!node)
			return 0;
		if (read_dentry_head(d, h))
			return DHASH_UNKNOWN;
		/*
		 * A rename moves a dentry to another chain while we walk:
		 * then this is no longer our bucket, and a miss proves nothing.
		 */
		if ((__u32)(h->hash_len ^ s->kid_key.hash_len) >> (dhash_shift & 31))
			return DHASH_UNKNOWN;
		if ((__u64)h->parent == s->kid_key.parent && h->hash_len == s->kid_key.hash_len &&
		    h->inode &&
		    (len <= 8 ? dentry_name_head(h, len) == *(__u64 *)s->comp
			      : same_long_name(s, h->name, len)))
			return (__u64)d;
		node = h->hash_next;
	}
	return DHASH_UNKNOWN;
}

/*
 * va_dhash_child() - the positive child of @parent named s->comp[0..len)
 * through the dcache's hash table (dhash_find()). A global function apart
 * from va_lookup_child(), not called by it: each call level adds its stack
 * to the chain the kernel limits to 512 bytes.
 */
__noinline __u64 va_dhash_child(__u64 parent, __u32 len)
{
	struct scratch *s = get_scratch();

	/* The caller checked that @parent's filesystem hashes names as we do (DCACHE_OP_HASH). */
	if (!s || len > 255)
		return DHASH_UNKNOWN;
	return dhash_find(s, parent, name_hash_len(s, parent, len));
}

/*
 * The positive cached child of @parent named s->comp[0..len), or 0, from
 * our cache of lookups or a scan of the directory's children: where the
 * dcache's hash table was not found, or could not tell. A global function:
 * the verifier checks it once, not at every call site.
 */
__noinline __u64 va_lookup_child(__u64 parent_addr, __u32 len)
{
	struct dentry *parent = (struct dentry *)parent_addr;
	struct scratch *s = get_scratch();
	struct kids_ctx k = {};
	__u64 *cached;

	if (!s || len > 255)
		return 0;
	/* Filesystems with their own name hash (case-folding) are not ours to hash. */
	if (BPF_CORE_READ(parent, d_flags) & 1 /* DCACHE_OP_HASH */)
		return 0;
	k.parent = parent;
	k.hash_len = name_hash_len(s, parent_addr, len);
	k.head = *(__u64 *)s->comp;
	if (len < 8)
		k.head &= ~(~0ull << (len * 8));
	s->kid_key.parent = parent_addr;
	s->kid_key.hash_len = k.hash_len;
	cached = bpf_map_lookup_elem(&kid_cache, &s->kid_key);
	if (cached) {
		/*
		 * Read once: an LRU slot is reused at once, without a grace
		 * period, so a second read may see another key's child.
		 */
		__u64 child = READ_ONCE(*cached);

		if (kid_matches((struct dentry *)child, &k, &s->head))
			return child;
	}
	if (bpf_core_field_exists(struct dentry, d_children)) {
		k.node = BPF_CORE_READ(parent, d_children.first);
		k.end = NULL;
	} else {
		struct dentry___old *old = (void *)parent;

		k.node = BPF_CORE_READ(old, d_subdirs.next);
		k.end = (void *)parent + bpf_core_field_offset(struct dentry___old, d_subdirs);
	}
	bpf_loop(RES_MAX_KIDS, kid_step, &k, 0);
	if (k.found)
		bpf_map_update_elem(&kid_cache, &s->kid_key, &k.found, BPF_ANY);
	return (__u64)k.found;
}

struct mnt_ctx {
	void *node, *end;
	struct dentry *mountpoint;
	struct mount *found;
	__u32 steps;
	__u32 done; /* the list ended: what was found is all there is */
};

static long mnt_step(__u32 i, void *arg)
{
	struct mnt_ctx *m = arg;
	struct list_head *node = m->node;
	struct mount *child;

	if (!node || (void *)node == m->end) {
		m->done = 1;
		return 1;
	}
	m->steps++;
	child = (void *)node - bpf_core_field_offset(struct mount, mnt_child);
	m->node = BPF_CORE_READ(node, next);
	if (BPF_CORE_READ(child, mnt_mountpoint) == m->mountpoint)
		m->found = child; /* keep going: the last one mounted is on top */
	return 0;
}

/* The mount event counter of @mnt's namespace: it moves at every mount and umount there. */
static __always_inline __u64 ns_event(struct mount *mnt)
{
	struct mnt_namespace *ns = BPF_CORE_READ(mnt, mnt_ns);

	return ns ? BPF_CORE_READ(ns, event) : 0;
}

/*
 * The mount on mountpoint @d of @mnt (its head left in s->mhead), or 0.
 * From mnt_cache when the mount remembered is still there (its parent and
 * mountpoint unchanged: an unmounted mount becomes its own parent, and one
 * tucked under a newer mount gets that one as parent), or when none was
 * there and nothing was mounted or unmounted in the namespace since. Else a
 * scan of @mnt's child mounts, within what is left of the name's budget,
 * remembered after.
 */
static __always_inline struct mount *mount_on(struct scratch *s, struct mount *mnt,
					      struct dentry *d)
{
	struct mnt_hit *cached, *hit = &s->mnt_hit;
	__u32 budget = s->mnt_budget;
	struct mnt_ctx m = {};
	__u64 event = 0;

	s->mnt_key.mnt = (__u64)mnt;
	s->mnt_key.dentry = (__u64)d;
	cached = bpf_map_lookup_elem(&mnt_cache, &s->mnt_key);
	if (cached) {
		/* Read once, key included: an LRU slot is reused without a grace period. */
		hit->mnt = READ_ONCE(cached->mnt);
		hit->dentry = READ_ONCE(cached->dentry);
		hit->child = READ_ONCE(cached->child);
		hit->event = READ_ONCE(cached->event);
		if (hit->mnt == (__u64)mnt && hit->dentry == (__u64)d) {
			struct mount *child = (struct mount *)hit->child;

			if (child && !read_mount_head(child, &s->mhead) &&
			    s->mhead.parent == (__u64)mnt && s->mhead.mountpoint == (__u64)d)
				return child;
			if (!child && (event = ns_event(mnt)) && hit->event == event)
				return 0;
		}
	}
	if (!budget)
		return 0;
	/* Before the scan: a mount made during it moves the counter past what is kept. */
	if (!event)
		event = ns_event(mnt);
	m.node = BPF_CORE_READ(mnt, mnt_mounts.next);
	m.end = (void *)mnt + bpf_core_field_offset(struct mount, mnt_mounts);
	m.mountpoint = d;
	bpf_loop(budget, mnt_step, &m, 0);
	s->mnt_budget = m.steps < budget ? budget - m.steps : 0;
	/* What a cache hit leaves too: the child's head, for its root. */
	if (m.found && read_mount_head(m.found, &s->mhead))
		return 0;
	/* None found is worth remembering only after the whole list, in a namespace. */
	if (m.found || (m.done && event)) {
		hit->mnt = (__u64)mnt;
		hit->dentry = (__u64)d;
		hit->child = (__u64)m.found;
		hit->event = event;
		bpf_map_update_elem(&mnt_cache, &s->mnt_key, hit, BPF_ANY);
	}
	return m.found;
}

/* If p->dentry is a mount point, step into what is mounted there (global: checked once). */
__noinline int va_cross_down(struct mnt_pos *p)
{
	__u32 mounted = DCACHE_FLAG(DCACHE_MOUNTED);
	struct scratch *s = get_scratch();
	struct dentry *d;
	struct vfsmount *vfsmnt;
	__u32 flags;

	if (!p || !s)
		return -1;
	d = (struct dentry *)p->dentry;
	vfsmnt = (struct vfsmount *)p->vfsmnt;
	flags = p->dflags; /* the caller read the flags of the dentry it passes */

	for (int k = 0; k < 4; k++) {
		struct mount *child;

		if (!(flags & mounted))
			break;
		child = mount_on(s, real_mount(vfsmnt), d);
		if (!child)
			break;
		vfsmnt = (void *)child + bpf_core_field_offset(struct mount, mnt);
		/* mount_on() left the child's head in s->mhead: its root is there. */
		d = (struct dentry *)s->mhead.root;
		flags = BPF_CORE_READ(d, d_flags);
	}
	p->dentry = (__u64)d;
	p->vfsmnt = (__u64)vfsmnt;
	p->dflags = flags;
	return 0;
}

/* "..": up one directory, across mount roots, never above the root (global: checked once). */
__noinline int va_go_up(struct mnt_pos *p)
{
	struct dentry *d;
	struct vfsmount *vfsmnt;

	if (!p)
		return -1;
	d = (struct dentry *)p->dentry;
	vfsmnt = (struct vfsmount *)p->vfsmnt;
	for (int k = 0; k < 8; k++) {
		struct mount *mnt, *mp;

		if ((__u64)d == p->root_dentry && (__u64)vfsmnt == p->root_mnt)
			return 0;
		if (d != BPF_CORE_READ(vfsmnt, mnt_root))
			break;
		mnt = real_mount(vfsmnt);
		mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mp == mnt)
			return 0;
		d = BPF_CORE_READ(mnt, mnt_mountpoint);
		vfsmnt = (void *)mp + bpf_core_field_offset(struct mount, mnt);
	}
	p->dentry = (__u64)BPF_CORE_READ(d, d_parent);
	p->vfsmnt = (__u64)vfsmnt;
	return 0;
}

/* Replace the name with "target/rest" in the other buffer. Returns: 0 or -1. */
static __always_inline int expand_link(struct scratch *s, struct res_ctx *c, struct dentry *link)
{
	const char *target = BPF_CORE_READ(link, d_inode, i_link);
	__u32 next = (c->cur + 1) & 1, rest = c->len > c->pos ? c->len - c->pos : 0;
	char *dst = s->names[next];
	long n;

	if (!target || ++c->links > RES_MAX_LINKS)
		return -1;
	n = bpf_probe_read_kernel_str(dst, VA_WIRE_NAME_MAX, target);
	if (n <= 1)
		return -1;
	n -= 1;
	if (rest) {
		if (n + 1 + rest >= VA_WIRE_NAME_MAX)
			return -1;
		dst[n & NAME_MASK] = '/';
		bpf_probe_read_kernel(dst + ((n + 1) & NAME_MASK), rest & NAME_MASK,
				      s->names[c->cur & 1] + (c->pos & NAME_MASK));
		n += 1 + rest;
	}
	if (dst[0] == '/') {
		c->dentry = c->root_dentry;
		c->vfsmnt = c->root_mnt;
	}
	c->cur = next;
	c->len = n;
	c->pos = 0;
	c->start = 0;
	return 0;
}

/*
 * Where the component at @pos of the name in s->names[@cur] ends: the next
 * '/' or @len, looking at 8 bytes at a time, up to 136 bytes a call. One
 * loop step per component, where a step per byte cost more than the
 * lookups. A global function: the verifier checks it once, and its
 * unknown result keeps the caller's states few.
 */
__noinline __u32 va_component_end(__u32 cur, __u32 pos, __u32 len)
{
	struct scratch *s = get_scratch();
	const char *name;

	if (!s)
		return len;
	name = s->names[cur & 1];
	for (int k = 0; k < 16; k++) {
		__u64 x;

		if (pos + 8 > len)
			break;
		x = *(const __u64 *)(name + (pos & NAME_MASK)) ^ 0x2f2f2f2f2f2f2f2full;
		if ((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull)
			break; /* a '/' among these 8 */
		pos += 8;
	}
	for (int k = 0; k < 8; k++) {
		if (pos >= len || name[pos & NAME_MASK] == '/')
			break;
		pos++;
	}
	return pos;
}

/*
 * s->comp = the component s->names[@cur][@start..@start+@len), zero padded
 * to a whole word, copied a word at a time: what hashing and comparing
 * read. A global function: the verifier checks its loop once, not in every
 * state of the name's walk.
 */
__noinline int va_copy_component(__u32 cur, __u32 start, __u32 len)
{
	struct scratch *s = get_scratch();
	__u32 words = (len + 7) / 8;
	const char *name;

	if (!s || len > 255)
		return -1;
	name = s->names[cur & 1];
	for (int w = 0; w < 32; w++) {
		__u64 x;

		if (w >= words)
			break;
		x = *(const __u64 *)(name + ((start + w * 8) & NAME_MASK));
		if (len < w * 8 + 8)
			x &= ~(~0ull << ((len - w * 8) * 8));
		*(__u64 *)(s->comp + w * 8) = x;
	}
	return 0;
}

/* One step of the walk in s->rctx: a component, or 136 bytes of a long one. */
static long res_step(__u32 i, void *arg)
{
	struct scratch *s = get_scratch();
	struct res_ctx *c;
	__u32 pos, start, clen;
	struct dentry *child;
	const char *name;
	bool last;

	if (!s)
		return 1; /* never: the map has a slot for every CPU */
	c = &s->rctx;
	pos = c->pos;
	start = c->start;
	name = s->names[c->cur & 1];
	pos = va_component_end(c->cur, pos, c->len);
	if (pos < c->len && name[pos & NAME_MASK] != '/') {
		c->pos = pos; /* a long component: go on in the next step */
		return 0;
	}
	/* A component ends at pos: [start, pos). Trailing '/' were stripped. */
	clen = pos - start;
	last = pos >= c->len;
	c->pos = pos + 1;
	c->start = pos + 1;
	if (clen == 0 || (clen == 1 && name[start & NAME_MASK] == '.')) {
		if (start) /* the empty component before an absolute name's first '/' is fine */
			c->canonical = 0;
		goto next;
	}
	if (clen == 2 && name[start & NAME_MASK] == '.' && name[(start + 1) & NAME_MASK] == '.') {
		c->canonical = 0;
		s->mpos.dentry = (__u64)c->dentry;
		s->mpos.vfsmnt = (__u64)c->vfsmnt;
		s->mpos.root_dentry = (__u64)c->root_dentry;
		s->mpos.root_mnt = (__u64)c->root_mnt;
		va_go_up(&s->mpos);
		c->dentry = (struct dentry *)s->mpos.dentry;
		c->vfsmnt = (struct vfsmount *)s->mpos.vfsmnt;
		c->dflags_known = 0;
		goto next;
	}
	if (clen > 255) {
		c->status = -1;
		return 1;
	}
	if (last && (c->flags & RES_PARENT)) {
		c->last_start = start;
		c->last_len = clen;
		c->status = 1;
		return 1;
	}
	va_copy_component(c->cur, start, clen);
	/* The directory's flags: known from its own lookup, else read once. */
	if (!c->dflags_known) {
		struct dentry *dir = c->dentry;

		c->dflags = BPF_CORE_READ(dir, d_flags);
	}
	/* A filesystem with its own name hash (case-folding) is not ours to hash. */
	child = (struct dentry *)((dhash_ok && !(c->dflags & 1 /* DCACHE_OP_HASH */))
					  ? va_dhash_child((__u64)c->dentry, clen)
					  : DHASH_UNKNOWN);
	if ((__u64)child == DHASH_UNKNOWN)
		child = (struct dentry *)va_lookup_child((__u64)c->dentry, clen);
	if (!child) {
		c->status = -1;
		return 1;
	}
	/* Every way to the child read its snapshot last; read it when not. */
	if (s->head.self != child && read_dentry_head(child, &s->head)) {
		c->status = -1;
		return 1;
	}
	c->dflags = s->head.flags;
	c->dflags_known = 1;
	c->dentry = child;
	if (c->dflags & DCACHE_FLAG(DCACHE_MOUNTED)) {
		/* In scratch, not on this frame: the call chain's stack is all spoken for. */
		s->mpos.dentry = (__u64)child;
		s->mpos.vfsmnt = (__u64)c->vfsmnt;
		s->mpos.dflags = c->dflags;
		va_cross_down(&s->mpos);
		c->dentry = (struct dentry *)s->mpos.dentry;
		c->vfsmnt = (struct vfsmount *)s->mpos.vfsmnt;
		c->dflags = s->mpos.dflags;
		child = c->dentry;
	}
	if ((c->dflags & DCACHE_FLAG(DCACHE_ENTRY_TYPE)) == DCACHE_FLAG(DCACHE_SYMLINK_TYPE) &&
	    (!last || (c->flags & RES_FOLLOW))) {
		/* The link's directory is where a relative target starts. */
		c->dentry = BPF_CORE_READ(child, d_parent);
		c->dflags_known = 0;
		if (expand_link(s, c, child)) {
			c->status = -1;
			return 1;
		}
		return 0;
	}
next:
	if (last) {
		c->status = 1;
		return 1;
	}
	return 0;
}

/*
 * Run the component walk in s->rctx (global: the verifier checks it once).
 * The walk's state stays in scratch, not on this frame: the call chains
 * through here are limited to 512 bytes of stack. Returns: 0 or -1.
 */
__noinline int va_resolve_run(void)
{
	struct scratch *s = get_scratch();

	if (!s)
		return -1;
	bpf_loop(RES_MAX_STEPS, res_step, NULL, 0);
	return s->rctx.status == 1 ? 0 : -1;
}

/*
 * Remember the directory the last put_resolved() with RES_PARENT found, for
 * the next name in this handler run (s->hint); the handler clears it after
 * that name (h_two).
 */
static __always_inline void hint_from_last(struct scratch *s, long dfd)
{
	struct res_ctx *c = &s->rctx;
	__u32 len = c->last_start;

	s->hint.len = 0;
	if (c->status != 1 || !(c->flags & RES_PARENT) || c->links || c->cur || !len ||
	    len > sizeof(s->hint_prefix))
		return;
	for (int w = 0; w < sizeof(s->hint_prefix) / 8; w++) {
		if (w * 8 >= len)
			break;
		*(__u64 *)(s->hint_prefix + w * 8) = *(__u64 *)(s->names[0] + w * 8);
	}
	s->hint.dentry = c->dentry;
	s->hint.vfsmnt = c->vfsmnt;
	s->hint.dfd = dfd;
	s->hint.canonical = c->canonical;
	s->hint.len = len;
}

/*
 * s->names[0] starts with s->hint's prefix (global: its loop is checked
 * once). Returns: 1 when it does, else 0.
 */
__noinline int va_hint_matches(__u32 len)
{
	struct scratch *s = get_scratch();
	__u32 n;

	if (!s)
		return 0;
	n = s->hint.len;
	if (!n || n >= len || n > sizeof(s->hint_prefix))
		return 0;
	for (int w = 0; w < sizeof(s->hint_prefix) / 8; w++) {
		__u64 a, b;

		if (w * 8 >= n)
			break;
		a = *(__u64 *)(s->names[0] + w * 8);
		b = *(__u64 *)(s->hint_prefix + w * 8);
		if (n < w * 8 + 8) {
			__u64 mask = ~(~0ull << ((n - w * 8) * 8));

			a &= mask;
			b &= mask;
		}
		if (a != b)
			return 0;
	}
	return 1;
}

/*
 * resolve_name() - the object (dentry, vfsmount) that (@dfd, @uname) names.
 * With RES_PARENT, its directory, and the last component's place in
 * s->names[s->rctx.cur].
 * Returns: 0 with s->rctx filled, or -1 when the name cannot be resolved here.
 */
static __always_inline int resolve_name(struct scratch *s, struct task_struct *task, long dfd,
					const char *uname, __u32 flags)
{
	struct res_ctx *c = &s->rctx; /* what va_resolve_run() runs */
	struct fs_struct *fs = task->fs;
	/*
	 * Kept in registers: a load from c here and one from fs below may be
	 * merged into one instruction, which the verifier refuses.
	 */
	struct dentry *root_dentry = fs->root.dentry;
	struct vfsmount *root_mnt = fs->root.mnt;
	long n;
	__u32 len;

	if (!name_hash_ok || !uname) {
		c->status = -1; /* not an older name's result, for hint_from_last() */
		return -1;
	}
	/* A name that needs no lookup ("/") must not meet an older run's snapshot. */
	s->head.self = NULL;
	__builtin_memset(c, 0, sizeof(*c));
	c->flags = flags;
	c->root_dentry = root_dentry;
	c->root_mnt = root_mnt;
	n = bpf_probe_read_user_str(s->names[0], VA_WIRE_NAME_MAX, uname);
	if (n <= 1)
		return -1;
	len = (__u32)n - 1;
	/* "a/b/" names a/b: drop trailing slashes, keep a lone "/". */
	for (int k = 0; k < 64 && len > 1; k++) {
		if (s->names[0][(len - 1) & NAME_MASK] != '/')
			break;
		len--;
	}
	c->len = len;
	/* The same directory as the name before (a rename's): resume after it. */
	if (s->hint.len && (s->names[0][0] == '/' || dfd == s->hint.dfd) && va_hint_matches(len)) {
		c->dentry = s->hint.dentry;
		c->vfsmnt = s->hint.vfsmnt;
		c->canonical = s->hint.canonical;
		c->pos = s->hint.len;
		c->start = s->hint.len;
		s->mnt_budget = RES_MOUNT_BUDGET;
		return va_resolve_run();
	}
	if (s->names[0][0] == '/') {
		c->dentry = root_dentry;
		c->vfsmnt = root_mnt;
		c->canonical = 1;
	} else if (dfd == AT_FDCWD) {
		c->dentry = fs->pwd.dentry;
		c->vfsmnt = fs->pwd.mnt;
	} else {
		struct file *f = fd_file(task, dfd);

		if (!f)
			return -1;
		c->dentry = BPF_CORE_READ(f, f_path.dentry);
		c->vfsmnt = BPF_CORE_READ(f, f_path.mnt);
	}
	s->mnt_budget = RES_MOUNT_BUDGET;
	return va_resolve_run();
}

/*
 * put_resolved() - str at data[@off] for (@dfd, @uname): the object's own
 * path when the name resolves (with RES_OBJECT also the event's dev, ino
 * and type); with RES_PARENT, or when the object does not exist (a failed
 * call), the directory's path and the last component; else the lexical
 * path. Returns: the string length.
 */
static __always_inline __u32 put_resolved(struct scratch *s, struct task_struct *task, __u32 off,
					  long dfd, const char *uname, __u32 flags, __u16 *sflags)
{
	/* In scratch: on the caller's frame it took most of the call chain's stack. */
	struct res_ctx *c = &s->rctx;
	__u32 base, pos;

	if (resolve_name(s, task, dfd, uname, flags)) {
		if ((flags & RES_PARENT) || resolve_name(s, task, dfd, uname, flags | RES_PARENT))
			return put_name(s, task, off, dfd, uname, sflags);
		/*
		 * The object did not resolve (it does not exist, or a symlink's
		 * target is not inline): its directory did; the last part is the
		 * name as written. Say so, and leave the path filters to user space.
		 */
		flags |= RES_PARENT;
		*sflags |= VA_PATH_FROM_NAME;
		s->ev.wflags |= VA_WF_USER_FILTER;
	}
	if (c->canonical && !c->links && c->len <= VA_WIRE_NAME_MAX - 1) {
		/* The name is the path (the whole of it, also with RES_PARENT). */
		struct dentry *d = c->dentry;
		struct dentry_head *h = &s->head;

		/* The last lookup left the object's snapshot in s->head, usually. */
		if (!(flags & RES_PARENT) && (h->self == d || !read_dentry_head(d, h))) {
			if (flags & RES_OBJECT)
				set_object(s, h->inode);
			/* d_unlinked(), as walk_path() would say: gone since the call. */
			if (!h->hash_pprev && h->parent != d)
				*sflags |= VA_PATH_DELETED;
		}
		bpf_probe_read_kernel(s->data + (off & SLOT_MASK), c->len & NAME_MASK, s->names[0]);
		return c->len;
	}
	if (!(flags & RES_PARENT)) {
		struct dentry *d = c->dentry;

		if (flags & RES_OBJECT)
			set_object(s, BPF_CORE_READ(d, d_inode));
		return put_path(s, off, d, c->vfsmnt, sflags);
	}
	pos = walk_path(s, c->dentry, c->vfsmnt, sflags);
	*sflags &= ~VA_PATH_DELETED;
	base = put_walk(s, off, pos);
	if (!(base == 1 && s->data[off & SLOT_MASK] == '/'))
		s->data[(off + base++) & (VA_WIRE_DATA_MAX - 1)] = '/';
	bpf_probe_read_kernel(s->data + ((off + base) & (VA_WIRE_DATA_MAX - 1)), c->last_len & 255,
			      s->names[c->cur & 1] + (c->last_start & NAME_MASK));
	return base + (c->last_len & 255);
}

/*
 * va_put_resolved() - put_resolved() for the running task into str @slot
 * (0 or 1) of the event in scratch. A global function: the verifier checks
 * a resolution once per program, not once per name at every call site
 * (a rename's handler has five).
 */
__noinline __u32 va_put_resolved(__u32 off, long dfd, __u64 uname, __u32 flags, __u32 slot)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s = get_scratch();

	if (!s)
		return 0;
	return put_resolved(s, task, off, dfd, (const char *)uname, flags,
			    &s->ev.str_flags[slot & 1]);
}

#endif
