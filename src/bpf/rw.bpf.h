/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads and writes, merged in the kernel. The first successful call on an
 * open file by a process is sent at once with its full context and an
 * aggregation id; later calls only add to the counters of that id, which go
 * out as small VA_WIRE_RW_FLUSH records at close, from the periodic flush
 * (user space runs it every second) and when the entry has been idle.
 * Counters are updated with atomics and taken with xchg, so the sums over
 * all records are exact whatever runs concurrently.
 *
 * Ending an aggregation (close, idle, a reused struct file) races with a
 * call that found the entry just before: the ender marks it ENDED before its
 * last xchg, and a caller re-reads the state after adding. Atomics are full
 * barriers, so either the ender's xchg saw the caller's add, or the caller
 * sees ENDED and takes back, with its own xchg, whatever is left, and sends
 * it on its own. Each call is counted exactly once.
 */
#ifndef VA_RW_BPF_H
#define VA_RW_BPF_H

#define EAGAIN 11

/*
 * Returns: 0, or -1 when the ring buffer refused the record (counted when it
 * carried calls). Not inlined: its record would add to rw_account()'s frame,
 * which is on the call chain whose stack the kernel limits to 512 bytes.
 */
static __noinline int emit_flush(__u64 id, __u64 count, __u64 bytes, __u32 flags, __u32 tid)
{
	struct va_wire_flush rec = {};

	rec.hdr.ts = bpf_ktime_get_boot_ns();
	rec.hdr.type = VA_WIRE_RW_FLUSH;
	rec.hdr.size = sizeof(rec);
	rec.agg_id = id;
	rec.count = count;
	rec.bytes = bytes;
	rec.flags = flags;
	rec.tid = tid;
	if (count || bytes)
		return output_as(&rec, sizeof(rec), VA_LOSS_RINGBUF, count);
	output_marker(&rec, sizeof(rec));
	return 0;
}

/* Take what @v holds and send it (with @end, as its last record). Returns: emit_flush()'s. */
static __always_inline int agg_send(struct agg_val *v, bool end)
{
	__u64 count = __sync_lock_test_and_set(&v->count, 0);
	__u64 bytes = __sync_lock_test_and_set(&v->bytes, 0);

	if (!(count || bytes || end))
		return 0;
	return emit_flush(v->id, count, bytes, end ? VA_FLUSH_END : 0, v->tid);
}

/*
 * Send what @v holds and, with @end, mark the aggregation finished (once).
 * Returns: true when this call ended it: it alone deletes it then.
 */
static __always_inline bool agg_drain(struct agg_val *v, bool end)
{
	if (end) {
		if (__sync_val_compare_and_swap(&v->state, AGG_ACTIVE, AGG_ENDED) != AGG_ACTIVE)
			return false;
	} else if (READ_ONCE(v->state) != AGG_ACTIVE) {
		return false;
	}
	if (!agg_send(v, end) || end)
		return end;
	/*
	 * A refused flush record (counted lost) ends the aggregation too, as a
	 * close would: the next call starts a new one with a full record, where
	 * user space may have forgotten this one's template meanwhile
	 * (capture.c). Calls added since the take above go with the end.
	 */
	if (__sync_val_compare_and_swap(&v->state, AGG_ACTIVE, AGG_ENDED) != AGG_ACTIVE)
		return false;
	agg_send(v, true);
	return true;
}

/*
 * End @v, whatever its state, to delete it. Returns: true when this caller
 * ended it (and must delete it); false when another one did or does.
 */
static __always_inline bool agg_take_end(struct agg_val *v)
{
	__u64 state = READ_ONCE(v->state);

	if (state == AGG_ACTIVE)
		return agg_drain(v, true);
	if (state == AGG_ENDED)
		return false;
	return __sync_val_compare_and_swap(&v->state, state, AGG_ENDED) == state;
}

/* What became of a full record. */
#define RW_FILTERED 0 /* a path filter left it out */
#define RW_SENT	    1
#define RW_REFUSED  2 /* the ring buffer did not take it: its calls are counted lost */
#define RW_EXCLUDED 3 /* --dev or the filesystem exclusion left it out */

/*
 * Build and send the full record of @count read/write calls of @bytes in all
 * (one call, usually).
 * Returns: RW_SENT, RW_REFUSED, RW_FILTERED or RW_EXCLUDED.
 */
static __always_inline int rw_build(struct task_struct *task, struct file *f, __u32 op, long ret,
				    __u64 agg_id, __u64 count, __u64 bytes)
{
	struct scratch *s = get_scratch();

	if (!s)
		return RW_FILTERED;
	start_event(s, task, op, ret);
	set_object_file(s, f);
	if (object_filtered_out(s))
		return RW_EXCLUDED;
	s->ev.str_len[0] = va_file_path((__u64)f);
	if (!event_kept(s))
		return RW_FILTERED;
	s->ev.count = count;
	s->ev.bytes = bytes;
	if (agg_id) {
		s->ev.agg_id = agg_id;
		s->ev.wflags |= VA_WF_AGG_START;
	}
	return emit_file(s) ? RW_REFUSED : RW_SENT;
}

/* One call (BPF functions take at most five arguments: one entry point per shape). */
static __noinline int rw_send_one(struct task_struct *task, struct file *f, __u32 op, long ret,
				  __u64 agg_id)
{
	return rw_build(task, f, op, ret, agg_id, 1, ret > 0 ? ret : 0);
}

#define RW_NO_TEMPLATE 4 /* no template of this open to borrow: send a full record */

/*
 * The first call of aggregation @nv (new: its id and inode set), named by
 * the thread's template when the thread's last recorded open is this one
 * (maps.bpf.h) and its path would be the same: the same struct file,
 * dentry, mount and inode, the file neither renamed nor unlinked since,
 * the same root (no chroot, no new mount namespace); the same tid (a
 * thread that execs takes its leader's, and user space holds the leader's
 * template under it); the same filters (their decision on the open
 * holds); and within VA_TMPL_LEND_FLUSHES flushes (user space keeps it a
 * little longer: capture.c). Who made the call is read now. A directory
 * above the file renamed, or a mount above it moved, in between goes
 * unseen: the call is reported under the name the file was opened by.
 * Returns: RW_SENT, RW_REFUSED (counted lost), or RW_NO_TEMPLATE.
 */
static __noinline int rw_send_borrowed(struct task_struct *task, struct file *f, __u32 op, long ret,
				       const struct agg_val *nv)
{
	struct open_tmpl *t = bpf_task_storage_get(&open_tmpls, task, 0, 0);
	struct va_wire_start rec = {};
	struct path path;

	if (!t || !t->file || t->file != (__u64)f || t->inode != nv->inode || t->tid != task->pid ||
	    t->root_dentry != (__u64)task->fs->root.dentry ||
	    t->root_mnt != (__u64)task->fs->root.mnt || t->epoch != READ_ONCE(filter_set) ||
	    t->gen + VA_TMPL_LEND_FLUSHES <= READ_ONCE(flush_gen))
		return RW_NO_TEMPLATE;
	if (bpf_probe_read_kernel(&path, sizeof(path), &f->f_path) ||
	    t->dentry != (__u64)path.dentry || t->mnt != (__u64)path.mnt ||
	    !dentry_unmoved(path.dentry, t->dseq))
		return RW_NO_TEMPLATE;
	rec.hdr.ts = bpf_ktime_get_boot_ns();
	rec.hdr.type = VA_WIRE_RW_START;
	rec.hdr.size = sizeof(rec);
	fill_task(&rec.task, task);
	rec.agg_id = nv->id;
	rec.count = 1;
	rec.bytes = ret > 0 ? ret : 0;
	rec.tmpl = t->seq;
	rec.op = op;
	return output_as(&rec, sizeof(rec), VA_LOSS_RINGBUF, 1) ? RW_REFUSED : RW_SENT;
}

/*
 * After the thread's open of @f was recorded as template number @seq, or
 * could not be (@seq 0): what its first read or write may borrow. What the
 * record's object and walk read of @f (s->file_inode, s->wstart), not read
 * again; the filters and flush as h_open() found them, before the event was
 * judged (a reload since then means other filters).
 */
static __always_inline void open_tmpl_set(struct open_tmpl *t, struct task_struct *task,
					  struct file *f, __u32 seq, const struct scratch *s)
{
	t->file = seq ? (__u64)f : 0;
	t->dentry = s->wstart.dentry;
	t->mnt = s->wstart.mnt;
	t->dseq = s->wstart.seq;
	t->inode = s->file_inode;
	t->root_dentry = s->wstart.root_dentry;
	t->root_mnt = s->wstart.root_mnt;
	t->tid = task->pid;
	t->gen = s->begin_gen;
	t->epoch = s->begin_epoch;
}

/* Calls taken back from an ended aggregation: their byte total is the event's ret. */
static __noinline int rw_send_calls(struct task_struct *task, struct file *f, __u32 op, __u64 count,
				    __u64 bytes)
{
	return rw_build(task, f, op, (long)bytes, 0, count, bytes);
}

/* Add one call to @v; if it was ended meanwhile, take back what it missed. */
static __always_inline void agg_add(struct task_struct *task, struct file *f, __u32 op,
				    struct agg_val *v, long ret)
{
	__u64 count, bytes, was;

	__sync_fetch_and_add(&v->count, 1);
	/*
	 * The fetching form, its value kept: an ordered atomic on every JIT
	 * (arm64's plain atomic add is not), so that both adds are seen
	 * before the state is read. x86's lock add is ordered either way.
	 */
	was = __sync_fetch_and_add(&v->bytes, ret);
	barrier_var(was);
	if (READ_ONCE(v->state) == AGG_ACTIVE)
		return;
	count = __sync_lock_test_and_set(&v->count, 0);
	bytes = __sync_lock_test_and_set(&v->bytes, 0);
	if (count || bytes)
		rw_send_calls(task, f, op, count, bytes);
}

/*
 * Account one read (dir 0) or write (dir 1) call on @f that returned @ret.
 * Inline: every merged read and write runs it, and a call and its return
 * cost more than its own work on some machines.
 */
static __always_inline int rw_account(struct task_struct *task, struct file *f, __u32 dir, long ret)
{
	__u32 op = dir ? VA_OP_WRITE : VA_OP_READ;
	struct agg_key key = {};
	struct agg_val nv = {}, *v;
	struct inode *inode;
	__u64 now, count;
	int sent;

	if (!f)
		return 0;
	/* Failed calls are reported one by one; "try again" is not an access. */
	if (ret < 0) {
		if (ret != -EAGAIN)
			rw_send_one(task, f, op, ret, 0);
		return 0;
	}
	if (every_call) {
		rw_send_one(task, f, op, ret, 0);
		return 0;
	}
	inode = BPF_CORE_READ(f, f_inode);
	key.file = (__u64)f;
	key.tgid = task->tgid;
	key.dir = dir;
	now = READ_ONCE(flush_gen);
	v = bpf_map_lookup_elem(&agg, &key);
	if (v && v->inode == (__u64)inode) {
		__u64 state = READ_ONCE(v->state);

		if (state == AGG_ACTIVE) {
			if (v->last_gen != now)
				v->last_gen = now;
			agg_add(task, f, op, v, ret);
			return 0;
		}
		/*
		 * Its first record was refused: the ring buffer was full a
		 * moment ago. Each call is counted lost, at the cost of a count,
		 * until the next flush forgets it; then a call tries a full
		 * record again. Trying at every call would cost a path walk and
		 * a record per call while the machine is overloaded.
		 */
		if (state == AGG_REFUSED) {
			count_loss(get_loss(), VA_LOSS_RINGBUF, 1);
			return 0;
		}
		/* Left out by the filters in force: this call too. */
		if ((state == AGG_FILTERED || state == AGG_EXCLUDED) &&
		    v->epoch == READ_ONCE(filter_set))
			return 0;
		/* Left out under filters since replaced, or being ended: below. */
	}
	if (v) {
		/*
		 * A struct file freed and reused, or left out under old filters:
		 * one caller replaces it; another, or one that finds it being
		 * ended, sends its call on its own.
		 */
		if (!agg_take_end(v)) {
			rw_send_one(task, f, op, ret, 0);
			return 0;
		}
		bpf_map_delete_elem(&agg, &key);
	}
	nv.inode = (__u64)inode;
	nv.last_gen = now;
	nv.tid = task->pid;
	nv.epoch = READ_ONCE(filter_set);
	nv.id = __sync_fetch_and_add(&agg_next_id, 1) + 1;
	if (bpf_map_update_elem(&agg, &key, &nv, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&agg, &key);
		if (v && v->inode == (__u64)inode && READ_ONCE(v->state) == AGG_ACTIVE) {
			/* Another thread started it a moment ago. */
			agg_add(task, f, op, v, ret);
			return 0;
		}
		/* Table full, or another one ending: this call on its own, not lost. */
		rw_send_one(task, f, op, ret, 0);
		return 0;
	}
	sent = rw_send_borrowed(task, f, op, ret, &nv);
	if (sent == RW_NO_TEMPLATE)
		sent = rw_send_one(task, f, op, ret, nv.id);
	if (sent == RW_SENT)
		return 0;
	v = bpf_map_lookup_elem(&agg, &key);
	/* Ended and replaced meanwhile (a close, a flush): not this one's to mark. */
	if (!v || v->id != nv.id)
		return 0;
	if (sent != RW_REFUSED) {
		__sync_val_compare_and_swap(&v->state, AGG_ACTIVE,
					    sent == RW_FILTERED ? AGG_FILTERED : AGG_EXCLUDED);
		return 0;
	}
	/*
	 * The record that names the aggregation was refused (and counted
	 * lost): user space will never know its id. Calls other threads added
	 * meanwhile are counted lost too; later ones until the next flush.
	 */
	if (__sync_val_compare_and_swap(&v->state, AGG_ACTIVE, AGG_REFUSED) != AGG_ACTIVE)
		return 0;
	count = __sync_lock_test_and_set(&v->count, 0);
	__sync_lock_test_and_set(&v->bytes, 0);
	if (count)
		count_loss(get_loss(), VA_LOSS_RINGBUF, count);
	return 0;
}

#define FMODE_WRITE 0x2

/*
 * close(2): end the aggregations of this file descriptor's file. Only the
 * directions whose op is selected can have one (one started before a reload
 * deselected its op ends at the periodic flush); when only writes are, a
 * file not open for writing has none: most closes look nothing up.
 */
static __always_inline void rw_close(struct task_struct *task, long fd)
{
	struct file *f = fd_file(task, fd);
	struct agg_key key = {};
	struct agg_val *v;
	bool reads = ops_selected(SEL(VA_OP_READ)), writes = ops_selected(SEL(VA_OP_WRITE));

	if (!f || !(reads || writes))
		return;
	if (writes && !reads && !(BPF_CORE_READ(f, f_mode) & FMODE_WRITE))
		return;
	key.file = (__u64)f;
	key.tgid = task->tgid;
	for (__u32 dir = 0; dir < 2; dir++) {
		if (!(dir ? writes : reads))
			continue;
		key.dir = dir;
		v = bpf_map_lookup_elem(&agg, &key);
		if (v && agg_take_end(v))
			bpf_map_delete_elem(&agg, &key);
	}
}

#endif
