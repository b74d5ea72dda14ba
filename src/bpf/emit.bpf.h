/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Delivery to user space, with no silent loss: a record the ring buffer
 * cannot take is counted per CPU, and the count goes out as a
 * VA_WIRE_LOST record ahead of the next record that fits (or from the
 * periodic flush), so user space sees the loss where it happened.
 *
 * The consumer is woken in batches: records are submitted without a wakeup
 * until wake_bytes are queued; user space also drains on a short timer.
 * Waking per record was the largest single cost measured on small VMs.
 */
#ifndef VA_EMIT_BPF_H
#define VA_EMIT_BPF_H

/*
 * The wakeup flag for a record of @size, and the ring's high-water mark:
 * what it held with this record in (a plain store, not a CAS loop: when two
 * CPUs raise it at once one value wins, each a fill that was seen; status
 * reads it every second, so it is a close lower bound, and exact when
 * nothing races).
 */
static __always_inline __u64 wake_flag(__u64 size)
{
	/* Each record takes an 8-byte header and is padded to 8 bytes. */
	__u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + ((size + 15) & ~7ull);

	/* A query races with the consumer: only a refused record says full. */
	if (queued >= ring_size)
		queued = ring_size - 8;
	if (queued > READ_ONCE(ring_peak))
		ring_peak = queued;
	if (queued >= wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* A record did not fit: the ring was full, whatever the last query saw. */
static __always_inline void note_ring_full(void)
{
	if (!READ_ONCE(ring_refused))
		ring_refused = 1;
}

static __always_inline struct loss *get_loss(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&losses, &zero);
}

/* Send the pending loss count of @l for @cause, if any. Returns: 0, or -1 when it did not fit. */
static __always_inline int report_loss(struct loss *l, __u32 cpu, __u32 cause)
{
	struct va_wire_lost rec = {};
	__u64 n;

	if (cause >= VA_LOSS_CAUSES)
		return 0;
	/*
	 * Taken, not read: the flush reads other CPUs' counts (flush_loss),
	 * and the CPU's own programs may send them at the same time. Only one
	 * of the two gets a count to send; one that does not fit goes back.
	 */
	if (!READ_ONCE(l->pending[cause]))
		return 0;
	n = __sync_lock_test_and_set(&l->pending[cause], 0);
	if (!n)
		return 0;
	rec.hdr.ts = bpf_ktime_get_boot_ns();
	rec.hdr.type = VA_WIRE_LOST;
	rec.hdr.size = sizeof(rec);
	rec.lost = n;
	rec.cause = cause;
	rec.cpu = cpu;
	if (bpf_ringbuf_output(&events, &rec, sizeof(rec), wake_flag(sizeof(rec)))) {
		note_ring_full();
		__sync_fetch_and_add(&l->pending[cause], n);
		return -1;
	}
	return 0;
}

/*
 * @n: the calls the record carried: 1, or a merged read or write's count,
 * which is 0 for a record of bytes whose calls another record counted.
 */
static __always_inline void count_loss(struct loss *l, __u32 cause, __u64 n)
{
	if (!l || cause >= VA_LOSS_CAUSES || !n)
		return;
	__sync_fetch_and_add(&l->pending[cause], n);
	__sync_fetch_and_add(&l->total[cause], n);
}

/*
 * Send this CPU's pending loss counts ahead of the next record, so that the
 * loss shows where it happened. Returns: 0, or -1 when they did not fit (a
 * record must then not overtake them).
 */
static __always_inline int report_pending(struct loss *l)
{
	__u32 cpu = bpf_get_smp_processor_id();

	if (l && (l->pending[VA_LOSS_RINGBUF] || l->pending[VA_LOSS_PROC]) &&
	    (report_loss(l, cpu, VA_LOSS_RINGBUF) || report_loss(l, cpu, VA_LOSS_PROC)))
		return -1;
	return 0;
}

/*
 * Returns: 0 when @rec was queued; otherwise it was counted as lost under
 * @cause (events, or process-table records, which are not events), as
 * @calls calls: a merged read or write record carries many, and each is an
 * operation the record would have accounted for.
 */
static __always_inline int output_as(void *rec, __u64 size, __u32 cause, __u64 calls)
{
	struct loss *l = get_loss();

	if (report_pending(l)) {
		count_loss(l, cause, calls);
		return -1;
	}
	if (bpf_ringbuf_output(&events, rec, size, wake_flag(size))) {
		note_ring_full();
		count_loss(l, cause, calls);
		return -1;
	}
	return 0;
}

/*
 * Queue a record that carries no event (the end of an aggregation with
 * nothing left to add): when it does not fit, no event is lost, so none is
 * counted. Counting it made the losses reported exceed the events missing.
 */
static __always_inline void output_marker(void *rec, __u64 size)
{
	if (!report_pending(get_loss()))
		if (bpf_ringbuf_output(&events, rec, size, wake_flag(size)))
			note_ring_full();
}

/* Queue the file event under construction in @s. */
static __always_inline int emit_file(struct scratch *s)
{
	__u64 len = (__u64)s->ev.str_len[0] + s->ev.str_len[1];

	if (len > VA_WIRE_DATA_MAX - 1)
		len = VA_WIRE_DATA_MAX - 1;
	s->ev.hdr.size = sizeof(s->ev) + len;
	/* A read or write record carries its calls' count; any other, one event. */
	return output_as(s, sizeof(s->ev) + (len & (VA_WIRE_DATA_MAX - 1)),
			 (s->ev.wflags & VA_WF_PROC_ONLY) ? VA_LOSS_PROC : VA_LOSS_RINGBUF,
			 (s->ev.op == VA_OP_READ || s->ev.op == VA_OP_WRITE) ? s->ev.count : 1);
}

/* Start a file event in @s: header, who, op and result. */
static __always_inline void start_event(struct scratch *s, struct task_struct *task, __u32 op,
					long ret)
{
	__builtin_memset(&s->ev, 0, sizeof(s->ev));
	s->ev.hdr.ts = bpf_ktime_get_boot_ns();
	s->ev.hdr.type = VA_WIRE_FILE;
	fill_task(&s->ev.task, task);
	s->ev.op = op;
	s->ev.ret = ret;
	s->ev.size = -1;
	s->ev.owner_uid = -1;
	s->ev.owner_gid = -1;
}

#endif
