/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86-64 system call numbers the tracepoint backend handles. vmlinux.h has
 * no __NR_* macros; a unit test checks these against <sys/syscall.h>.
 */
#ifndef VA_SYSCALL_NR_H
#define VA_SYSCALL_NR_H

#define VA_NR_read		0
#define VA_NR_write		1
#define VA_NR_open		2
#define VA_NR_close		3
#define VA_NR_pread64		17
#define VA_NR_pwrite64		18
#define VA_NR_readv		19
#define VA_NR_writev		20
#define VA_NR_sendfile		40
#define VA_NR_sendto		44
#define VA_NR_recvfrom		45
#define VA_NR_sendmsg		46
#define VA_NR_recvmsg		47
#define VA_NR_execve		59
#define VA_NR_truncate		76
#define VA_NR_ftruncate		77
#define VA_NR_rename		82
#define VA_NR_mkdir		83
#define VA_NR_rmdir		84
#define VA_NR_creat		85
#define VA_NR_link		86
#define VA_NR_unlink		87
#define VA_NR_symlink		88
#define VA_NR_chmod		90
#define VA_NR_fchmod		91
#define VA_NR_chown		92
#define VA_NR_fchown		93
#define VA_NR_lchown		94
#define VA_NR_utime		132
#define VA_NR_mknod		133
#define VA_NR_setxattr		188
#define VA_NR_lsetxattr		189
#define VA_NR_fsetxattr		190
#define VA_NR_removexattr	197
#define VA_NR_lremovexattr	198
#define VA_NR_fremovexattr	199
#define VA_NR_utimes		235
#define VA_NR_openat		257
#define VA_NR_mkdirat		258
#define VA_NR_mknodat		259
#define VA_NR_fchownat		260
#define VA_NR_futimesat		261
#define VA_NR_unlinkat		263
#define VA_NR_renameat		264
#define VA_NR_linkat		265
#define VA_NR_symlinkat		266
#define VA_NR_fchmodat		268
#define VA_NR_splice		275
#define VA_NR_tee		276
#define VA_NR_utimensat		280
#define VA_NR_preadv		295
#define VA_NR_pwritev		296
#define VA_NR_open_by_handle_at 304
#define VA_NR_renameat2		316
#define VA_NR_execveat		322
#define VA_NR_copy_file_range	326
#define VA_NR_preadv2		327
#define VA_NR_pwritev2		328
#define VA_NR_openat2		437
#define VA_NR_fchmodat2		452
#define VA_NR_setxattrat	463
#define VA_NR_removexattrat	466

#define VA_NR_MAX 512 /* size of the dispatch table */

#endif
