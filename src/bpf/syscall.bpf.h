/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A syscall's number and arguments, from the saved user registers, which
 * x86-64 leaves intact until the return to user space. A 32-bit (ia32)
 * call has its own numbers and registers: SYSNR() gives its x86-64
 * equivalent (-1 for calls not handled), ARGn() its n-th argument. @r is a
 * BTF pointer (tp_btf): its fields are plain loads, not helper calls.
 */
#ifndef VA_SYSCALL_BPF_H
#define VA_SYSCALL_BPF_H

#include "syscall_map.h"

#define TS_COMPAT 0x0002 /* x86 thread_info.status: in a 32-bit syscall */

/*
 * @task's current syscall is a 32-bit one (the flag is cleared on the
 * return to user space). A load from the task the caller has at hand, not
 * a helper call: every syscall asks at entry and at exit, and a handler
 * once more for its number and each argument.
 */
static __always_inline bool sys_compat(const struct task_struct *task)
{
	if (!bpf_core_field_exists(struct thread_info, status))
		return false;
	return task->thread_info.status & TS_COMPAT;
}

/*
 * The call's x86-64 number (-1: a 32-bit call not handled). x32 calls (the
 * ILP32 ABI, usually off: they then fail with ENOSYS) have x86-64's
 * registers and, mostly, its numbers with X32_SYSCALL_BIT set.
 */
static __always_inline long sys_nr_of(const struct task_struct *task, long nr)
{
	/* The kernel reads the low 32 bits (int nr): 0x100000057 is an unlink too. */
	nr = (int)nr;
	if (sys_compat(task))
		return nr_from_ia32(nr);
	if (nr & X32_SYSCALL_BIT)
		return nr_from_x32(nr & ~X32_SYSCALL_BIT);
	return nr;
}

static __always_inline long sys_nr(const struct task_struct *task, const struct pt_regs *r)
{
	return sys_nr_of(task, r->orig_ax);
}

/* Argument @n (0-4): zero-extended from 32 bits for an ia32 call; callers cast ints. */
static __always_inline long sys_arg(const struct task_struct *task, const struct pt_regs *r, int n)
{
	if (sys_compat(task)) {
		switch (n) {
		case 0:
			return (__u32)r->bx;
		case 1:
			return (__u32)r->cx;
		case 2:
			return (__u32)r->dx;
		case 3:
			return (__u32)r->si;
		default:
			return (__u32)r->di;
		}
	}
	switch (n) {
	case 0:
		return r->di;
	case 1:
		return r->si;
	case 2:
		return r->dx;
	case 3:
		return r->r10;
	default:
		return r->r8;
	}
}

/* truncate's and ftruncate's length (argument 1): ia32 truncate64 passes it in two registers. */
static __always_inline long sys_length_arg(const struct task_struct *task, const struct pt_regs *r)
{
	if (!sys_compat(task))
		return r->si;
	if ((int)r->orig_ax == VA_NR32_truncate64 || (int)r->orig_ax == VA_NR32_ftruncate64)
		return (long)((__u64)(__u32)r->cx | (__u64)(__u32)r->dx << 32);
	/*
	 * A 32-bit long. ftruncate took it unsigned before Linux 6.10: a
	 * negative length that succeeded was read so.
	 */
	if ((int)r->orig_ax == VA_NR32_ftruncate && (int)r->cx < 0 && r->ax == 0)
		return (__u32)r->cx;
	return (int)r->cx;
}

/* A chown's owner or group (argument @n): the old ia32 calls take 16 bits, 0xffff for -1. */
static __always_inline int sys_id_arg(const struct task_struct *task, const struct pt_regs *r,
				      int n)
{
	long id = sys_arg(task, r, n);
	int nr = r->orig_ax;

	if (sys_compat(task) &&
	    (nr == VA_NR32_chown || nr == VA_NR32_lchown || nr == VA_NR32_fchown)) {
		id &= 0xffff;
		return id == 0xffff ? -1 : (int)id;
	}
	return (int)id;
}

/* In a handler: @task is the current task, which every handler has at hand. */
#define ARG0(r)	 sys_arg(task, r, 0)
#define ARG1(r)	 sys_arg(task, r, 1)
#define ARG2(r)	 sys_arg(task, r, 2)
#define ARG3(r)	 sys_arg(task, r, 3)
#define ARG4(r)	 sys_arg(task, r, 4)
#define SYSNR(r) sys_nr(task, r)

#endif
