/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one header floor.bpf.c and floor.c share: a record. */
#ifndef VA_FLOOR_H
#define VA_FLOOR_H

/* About the size of a vfsaudit event with a short path (its header is 192 bytes). */
struct floor_rec {
	__u64 ts;
	__s64 ret;   /* a call's return, or the bytes of merged writes */
	__u64 count; /* calls: 1, or the merged writes */
	__s64 nr;
	__u32 pid, tid, uid, gid;
	char comm[16];
	char name[200];
};

#endif
