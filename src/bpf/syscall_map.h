/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86-64 equivalents of 32-bit (ia32) and x32 system call numbers, for
 * the calls the tracepoint backend handles. Plain C: the BPF programs use
 * it (syscall.bpf.h), and a unit test checks each pair by name against
 * the kernel headers.
 */
#ifndef VA_SYSCALL_MAP_H
#define VA_SYSCALL_MAP_H

#include "syscall_nr.h"
#include "syscall_nr32.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* The x86-64 number of the ia32 call @nr, or -1 when it is not one handled. */
static __always_inline long nr_from_ia32(long nr)
{
	switch (nr) {
	case VA_NR32_read:
		return VA_NR_read;
	case VA_NR32_write:
		return VA_NR_write;
	case VA_NR32_open:
		return VA_NR_open;
	case VA_NR32_close:
		return VA_NR_close;
	case VA_NR32_creat:
		return VA_NR_creat;
	case VA_NR32_link:
		return VA_NR_link;
	case VA_NR32_unlink:
		return VA_NR_unlink;
	case VA_NR32_execve:
		return VA_NR_execve;
	case VA_NR32_mknod:
		return VA_NR_mknod;
	case VA_NR32_chmod:
		return VA_NR_chmod;
	case VA_NR32_lchown:
	case VA_NR32_lchown32:
		return VA_NR_lchown;
	case VA_NR32_utime:
		return VA_NR_utime;
	case VA_NR32_rename:
		return VA_NR_rename;
	case VA_NR32_mkdir:
		return VA_NR_mkdir;
	case VA_NR32_rmdir:
		return VA_NR_rmdir;
	case VA_NR32_symlink:
		return VA_NR_symlink;
	case VA_NR32_truncate:
	case VA_NR32_truncate64:
		return VA_NR_truncate;
	case VA_NR32_ftruncate:
	case VA_NR32_ftruncate64:
		return VA_NR_ftruncate;
	case VA_NR32_fchmod:
		return VA_NR_fchmod;
	case VA_NR32_fchown:
	case VA_NR32_fchown32:
		return VA_NR_fchown;
	case VA_NR32_readv:
		return VA_NR_readv;
	case VA_NR32_writev:
		return VA_NR_writev;
	case VA_NR32_pread64:
		return VA_NR_pread64;
	case VA_NR32_pwrite64:
		return VA_NR_pwrite64;
	case VA_NR32_chown:
	case VA_NR32_chown32:
		return VA_NR_chown;
	case VA_NR32_sendfile:
	case VA_NR32_sendfile64:
		return VA_NR_sendfile;
	case VA_NR32_setxattr:
		return VA_NR_setxattr;
	case VA_NR32_lsetxattr:
		return VA_NR_lsetxattr;
	case VA_NR32_fsetxattr:
		return VA_NR_fsetxattr;
	case VA_NR32_removexattr:
		return VA_NR_removexattr;
	case VA_NR32_lremovexattr:
		return VA_NR_lremovexattr;
	case VA_NR32_fremovexattr:
		return VA_NR_fremovexattr;
	case VA_NR32_utimes:
		return VA_NR_utimes;
	case VA_NR32_openat:
		return VA_NR_openat;
	case VA_NR32_mkdirat:
		return VA_NR_mkdirat;
	case VA_NR32_mknodat:
		return VA_NR_mknodat;
	case VA_NR32_fchownat:
		return VA_NR_fchownat;
	case VA_NR32_futimesat:
		return VA_NR_futimesat;
	case VA_NR32_unlinkat:
		return VA_NR_unlinkat;
	case VA_NR32_renameat:
		return VA_NR_renameat;
	case VA_NR32_linkat:
		return VA_NR_linkat;
	case VA_NR32_symlinkat:
		return VA_NR_symlinkat;
	case VA_NR32_fchmodat:
		return VA_NR_fchmodat;
	case VA_NR32_splice:
		return VA_NR_splice;
	case VA_NR32_tee:
		return VA_NR_tee;
	case VA_NR32_utimensat:
	case VA_NR32_utimensat_time64:
		return VA_NR_utimensat;
	case VA_NR32_preadv:
		return VA_NR_preadv;
	case VA_NR32_pwritev:
		return VA_NR_pwritev;
	case VA_NR32_open_by_handle_at:
		return VA_NR_open_by_handle_at;
	case VA_NR32_renameat2:
		return VA_NR_renameat2;
	case VA_NR32_execveat:
		return VA_NR_execveat;
	case VA_NR32_sendto:
		return VA_NR_sendto;
	case VA_NR32_sendmsg:
		return VA_NR_sendmsg;
	case VA_NR32_recvfrom:
		return VA_NR_recvfrom;
	case VA_NR32_recvmsg:
		return VA_NR_recvmsg;
	case VA_NR32_copy_file_range:
		return VA_NR_copy_file_range;
	case VA_NR32_preadv2:
		return VA_NR_preadv2;
	case VA_NR32_pwritev2:
		return VA_NR_pwritev2;
	case VA_NR32_openat2:
		return VA_NR_openat2;
	case VA_NR32_fchmodat2:
		return VA_NR_fchmodat2;
	case VA_NR32_setxattrat:
		return VA_NR_setxattrat;
	case VA_NR32_removexattrat:
		return VA_NR_removexattrat;
	}
	return -1;
}

#define X32_SYSCALL_BIT 0x40000000

/*
 * The x86-64 number of the x32 call @nr (its bit cleared): x86-64's own,
 * but for the calls that pass structures with pointers, numbered from 512.
 */
static __always_inline long nr_from_x32(long nr)
{
	switch (nr) {
	/* Numbers x32 renumbers: from x32, the kernel refuses them (ENOSYS). */
	case VA_NR_readv:
	case VA_NR_writev:
	case VA_NR_recvfrom:
	case VA_NR_sendmsg:
	case VA_NR_recvmsg:
	case VA_NR_execve:
	case VA_NR_preadv:
	case VA_NR_pwritev:
	case VA_NR_execveat:
	case VA_NR_preadv2:
	case VA_NR_pwritev2:
		return -1;
	case 515:
		return VA_NR_readv;
	case 516:
		return VA_NR_writev;
	case 517:
		return VA_NR_recvfrom;
	case 518:
		return VA_NR_sendmsg;
	case 519:
		return VA_NR_recvmsg;
	case 520:
		return VA_NR_execve;
	case 534:
		return VA_NR_preadv;
	case 535:
		return VA_NR_pwritev;
	case 545:
		return VA_NR_execveat;
	case 546:
		return VA_NR_preadv2;
	case 547:
		return VA_NR_pwritev2;
	}
	return nr < 512 ? nr : -1;
}

#endif
