/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoding of wire records (vfsaudit_wire.h) into the event model. Pure:
 * no kernel, no /proc. Every size is checked before a field is read, so a
 * short or corrupt record is refused, never trusted.
 */
#ifndef VA_DECODE_H
#define VA_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define VA_DECODE_PATH_BUF (VA_WIRE_SLOT + 64)

struct va_decoded {
	uint32_t type;	/* enum va_wire_type */
	uint64_t boot_ts; /* CLOCK_BOOTTIME ns */

	/* VA_WIRE_FILE: ev.ts_ns, ev.seq and ev.exe are left to the caller. VA_WIRE_RW_START: who.
	 */
	struct va_event ev;
	uint32_t wflags;
	uint64_t agg_id;
	uint32_t tmpl; /* VA_WF_TEMPLATE: the thread's template number; 0 none */

	/* VA_WIRE_RW_FLUSH, VA_WIRE_RW_START (with agg_id) */
	uint64_t flush_count, flush_bytes;
	uint32_t flush_flags, flush_tid;

	/* VA_WIRE_RW_START: the template it begins from (tmpl), its op; who is in ev */
	uint32_t start_op;

	/* VA_WIRE_FORK / VA_WIRE_EXIT */
	uint32_t proc_pid, proc_parent;

	/* VA_WIRE_LOST */
	uint64_t lost;
	uint32_t lost_cause;

	/* Paths rebuilt here (normalised names, "pipe:[123]"); ev points into them. */
	char path_buf[VA_DECODE_PATH_BUF];
	char path2_buf[VA_DECODE_PATH_BUF];
};

/**
 * va_decode() - decode one wire record.
 * @rec: the record as the ring buffer delivered it.
 * @size: bytes available at @rec.
 * @d: receives the result; its strings point into @rec or into @d.
 *
 * Returns: 0; -EINVAL for a record that is short, inconsistent or of an
 * unknown type; -ENAMETOOLONG never (long paths keep VA_PATH_TRUNCATED).
 */
int va_decode(const void *rec, size_t size, struct va_decoded *d);

#endif
