/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Object filters, evaluated before a record is queued: --dev, the default
 * exclusion of pseudo filesystems, and path prefixes (--path, --exclude,
 * default excludes) through one LPM trie where the longest prefix decides.
 * Paths built from a syscall's name are not yet normalised here ("..");
 * those records carry VA_WF_USER_FILTER and user space applies the same
 * rules to the normalised path.
 */
#ifndef VA_FILTER_BPF_H
#define VA_FILTER_BPF_H

/* Returns: true when --dev or the filesystem exclusion drops the object. */
static __always_inline bool object_filtered_out(struct scratch *s)
{
	__u32 set = current_set();
	struct va_filter_id_key k = { .set = set };

	if (!(s->ev.wflags & VA_WF_DEV_KNOWN))
		return false;
	k.id = s->ev.fs_magic;
	if (filter_conf[set].fs && bpf_map_lookup_elem(&fs_exclude, &k))
		return true;
	k.id = s->ev.dev;
	if (filter_conf[set].dev && !bpf_map_lookup_elem(&dev_filter, &k))
		return true;
	return false;
}

/* Returns: true when the path at data[@off] (@len bytes) may match a prefix of set @set. */
static __always_inline bool may_match_prefix(struct scratch *s, __u32 set, __u32 off, __u32 len)
{
	__u64 w = *(__u64 *)(s->data + (off & SLOT_MASK));

	return va_filter_head_may_match(&filter_conf[set & 1], va_filter_head_key(w, len));
}

/* Returns: true when the path at data[@off] (@len bytes, @flags) is kept. */
static __always_inline bool path_kept(struct scratch *s, __u32 off, __u32 len, __u16 flags)
{
	__u32 set = current_set();
	__u8 *verdict;
	__u32 n = len;

	if (!filter_conf[set].path)
		return true;
	/*
	 * The head of such a path is unknown: keep it rather than guess. An
	 * unreachable path read up to init's root (a file opened before the
	 * process entered another mount namespace or a chroot) is whole as the
	 * administrator sees paths, and judged as shown; one relative to
	 * another namespace's root or a detached mount's is kept.
	 */
	if (VA_PATH_HEAD_UNKNOWN(flags))
		return true;
	if (!may_match_prefix(s, set, off, len))
		return !filter_conf[set].path_includes;
	if (n > PATH_KEY_MAX)
		n = PATH_KEY_MAX;
	barrier_var(n);
	if (n > PATH_KEY_MAX)
		return true;
	bpf_probe_read_kernel(s->key.data, n, s->data + (off & SLOT_MASK));
	if (len < PATH_KEY_MAX && !(len == 1 && s->key.data[0] == '/')) {
		__u32 i = len;

		barrier_var(i);
		if (i < PATH_KEY_MAX)
			s->key.data[i] = '/';
		n = len + 1;
	}
	s->key.set = set;
	s->key.prefixlen = (1 + n) * 8;
	verdict = bpf_map_lookup_elem(&path_filter, &s->key);
	if (verdict)
		return *verdict == PATH_INCLUDE;
	return !filter_conf[set].path_includes;
}

/* Returns: true when the event in @s passes the object and path filters. */
static __always_inline bool event_kept(struct scratch *s)
{
	if (s->ev.wflags & VA_WF_USER_FILTER)
		return true;
	if (object_filtered_out(s))
		return false;
	if (!filter_conf[current_set()].path)
		return true;
	if (path_kept(s, 0, s->ev.str_len[0], s->ev.str_flags[0]))
		return true;
	/* A rename or link matches when either of its names does. */
	if ((s->ev.op == VA_OP_RENAME || s->ev.op == VA_OP_LINK) &&
	    path_kept(s, s->ev.str_len[0], s->ev.str_len[1], s->ev.str_flags[1]))
		return true;
	return false;
}

#endif
