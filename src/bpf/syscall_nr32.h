/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 32-bit (ia32) system call numbers of the calls the tracepoint backend
 * handles, and their x86-64 equivalents. A 32-bit program, or any program
 * through int $0x80, makes these: the sys_enter/sys_exit tracepoints pass
 * the ia32 number, with the arguments in ebx, ecx, edx, esi, edi, ebp.
 * Read as x86-64 numbers they name other calls (ia32 87 is swapon, x86-64
 * 87 unlink), so they are translated, and those without an equivalent here
 * are left alone. A unit test checks these against <asm/unistd_32.h>.
 */
#ifndef VA_SYSCALL_NR32_H
#define VA_SYSCALL_NR32_H

#define VA_NR32_read		  3
#define VA_NR32_write		  4
#define VA_NR32_open		  5
#define VA_NR32_close		  6
#define VA_NR32_creat		  8
#define VA_NR32_link		  9
#define VA_NR32_unlink		  10
#define VA_NR32_execve		  11
#define VA_NR32_mknod		  14
#define VA_NR32_chmod		  15
#define VA_NR32_lchown		  16 /* 16-bit ids */
#define VA_NR32_utime		  30
#define VA_NR32_rename		  38
#define VA_NR32_mkdir		  39
#define VA_NR32_rmdir		  40
#define VA_NR32_symlink		  83
#define VA_NR32_truncate	  92
#define VA_NR32_ftruncate	  93
#define VA_NR32_fchmod		  94
#define VA_NR32_fchown		  95 /* 16-bit ids */
#define VA_NR32_readv		  145
#define VA_NR32_writev		  146
#define VA_NR32_pread64		  180
#define VA_NR32_pwrite64	  181
#define VA_NR32_chown		  182 /* 16-bit ids */
#define VA_NR32_sendfile	  187
#define VA_NR32_truncate64	  193 /* length in ecx (low) and edx (high) */
#define VA_NR32_ftruncate64	  194
#define VA_NR32_lchown32	  198
#define VA_NR32_fchown32	  207
#define VA_NR32_chown32		  212
#define VA_NR32_setxattr	  226
#define VA_NR32_lsetxattr	  227
#define VA_NR32_fsetxattr	  228
#define VA_NR32_removexattr	  235
#define VA_NR32_lremovexattr	  236
#define VA_NR32_fremovexattr	  237
#define VA_NR32_sendfile64	  239
#define VA_NR32_utimes		  271
#define VA_NR32_openat		  295
#define VA_NR32_mkdirat		  296
#define VA_NR32_mknodat		  297
#define VA_NR32_fchownat	  298
#define VA_NR32_futimesat	  299
#define VA_NR32_unlinkat	  301
#define VA_NR32_renameat	  302
#define VA_NR32_linkat		  303
#define VA_NR32_symlinkat	  304
#define VA_NR32_fchmodat	  306
#define VA_NR32_splice		  313
#define VA_NR32_tee		  315
#define VA_NR32_utimensat	  320
#define VA_NR32_preadv		  333
#define VA_NR32_pwritev		  334
#define VA_NR32_open_by_handle_at 342
#define VA_NR32_renameat2	  353
#define VA_NR32_execveat	  358
#define VA_NR32_sendto		  369
#define VA_NR32_sendmsg		  370
#define VA_NR32_recvfrom	  371
#define VA_NR32_recvmsg		  372
#define VA_NR32_copy_file_range	  377
#define VA_NR32_preadv2		  378
#define VA_NR32_pwritev2	  379
#define VA_NR32_utimensat_time64  412
/* From 424 on, new calls have one number on every architecture. */
#define VA_NR32_openat2	      437
#define VA_NR32_fchmodat2     452
#define VA_NR32_setxattrat    463
#define VA_NR32_removexattrat 466

#endif
