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

static __always_inline __u64 wake_flag(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline struct loss *get_loss(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&losses, &zero);
}

/* Send the pending loss count of @l, if any. Returns: 0, or -1 when it did not fit. */
static __always_inline int report_loss(struct loss *l, __u32 cpu)
{
	struct va_wire_lost rec = {};
	__u64 n = l->pending[VA_LOSS_RINGBUF];

	if (!n)
		return 0;
	rec.hdr.ts = bpf_ktime_get_boot_ns();
	rec.hdr.type = VA_WIRE_LOST;
	rec.hdr.size = sizeof(rec);
	rec.lost = n;
	rec.cause = VA_LOSS_RINGBUF;
	rec.cpu = cpu;
	if (bpf_ringbuf_output(&events, &rec, sizeof(rec), wake_flag()))
		return -1;
	__sync_fetch_and_sub(&l->pending[VA_LOSS_RINGBUF], n);
	return 0;
}

static __always_inline void count_loss(struct loss *l)
{
	if (!l)
		return;
	__sync_fetch_and_add(&l->pending[VA_LOSS_RINGBUF], 1);
	__sync_fetch_and_add(&l->total[VA_LOSS_RINGBUF], 1);
}

/* Returns: 0 when @rec was queued; otherwise it was counted as lost. */
static __always_inline int output(void *rec, __u64 size)
{
	struct loss *l = get_loss();

	if (l && l->pending[VA_LOSS_RINGBUF] && report_loss(l, bpf_get_smp_processor_id())) {
		count_loss(l);
		return -1;
	}
	if (bpf_ringbuf_output(&events, rec, size, wake_flag())) {
		count_loss(l);
		return -1;
	}
	return 0;
}

/* Queue the file event under construction in @s. */
static __always_inline int emit_file(struct scratch *s)
{
	__u64 len = (__u64)s->ev.str_len[0] + s->ev.str_len[1];

	if (len > VA_WIRE_DATA_MAX - 1)
		len = VA_WIRE_DATA_MAX - 1;
	s->ev.hdr.size = sizeof(s->ev) + len;
	return output(s, sizeof(s->ev) + (len & (VA_WIRE_DATA_MAX - 1)));
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
