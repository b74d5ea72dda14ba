// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The BPF side's 32-bit (ia32) syscall numbers must be the kernel headers',
 * and each must map to the x86-64 call of the same name (syscall_map.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <asm/unistd_32.h>
#include <cmocka.h>

#include "bpf/syscall_map.h"

#define CHECK(name) assert_int_equal(VA_NR32_##name, __NR_##name)
/* The ia32 call @name is handled as the x86-64 call @as (VA_NR_* are checked in test_syscall_nr).
 */
#define MAP32(name, as) assert_int_equal(nr_from_ia32(__NR_##name), VA_NR_##as)

static void test_numbers(void **state)
{
	(void)state;
	CHECK(read);
	CHECK(write);
	CHECK(open);
	CHECK(close);
	CHECK(creat);
	CHECK(link);
	CHECK(unlink);
	CHECK(execve);
	CHECK(mknod);
	CHECK(chmod);
	CHECK(lchown);
	CHECK(utime);
	CHECK(rename);
	CHECK(mkdir);
	CHECK(rmdir);
	CHECK(symlink);
	CHECK(truncate);
	CHECK(ftruncate);
	CHECK(fchmod);
	CHECK(fchown);
	CHECK(readv);
	CHECK(writev);
	CHECK(pread64);
	CHECK(pwrite64);
	CHECK(chown);
	CHECK(sendfile);
	CHECK(truncate64);
	CHECK(ftruncate64);
	CHECK(lchown32);
	CHECK(fchown32);
	CHECK(chown32);
	CHECK(setxattr);
	CHECK(lsetxattr);
	CHECK(fsetxattr);
	CHECK(removexattr);
	CHECK(lremovexattr);
	CHECK(fremovexattr);
	CHECK(sendfile64);
	CHECK(utimes);
	CHECK(openat);
	CHECK(mkdirat);
	CHECK(mknodat);
	CHECK(fchownat);
	CHECK(futimesat);
	CHECK(unlinkat);
	CHECK(renameat);
	CHECK(linkat);
	CHECK(symlinkat);
	CHECK(fchmodat);
	CHECK(splice);
	CHECK(tee);
	CHECK(utimensat);
	CHECK(preadv);
	CHECK(pwritev);
	CHECK(open_by_handle_at);
	CHECK(renameat2);
	CHECK(execveat);
	CHECK(sendto);
	CHECK(sendmsg);
	CHECK(recvfrom);
	CHECK(recvmsg);
	CHECK(copy_file_range);
	CHECK(preadv2);
	CHECK(pwritev2);
	CHECK(utimensat_time64);
#ifdef __NR_openat2
	CHECK(openat2);
#endif
#ifdef __NR_fchmodat2
	CHECK(fchmodat2);
#endif
#ifdef __NR_setxattrat
	CHECK(setxattrat);
	CHECK(removexattrat);
#endif
}

static void test_map(void **state)
{
	(void)state;
	MAP32(read, read);
	MAP32(write, write);
	MAP32(open, open);
	MAP32(close, close);
	MAP32(creat, creat);
	MAP32(link, link);
	MAP32(unlink, unlink);
	MAP32(execve, execve);
	MAP32(mknod, mknod);
	MAP32(chmod, chmod);
	MAP32(utime, utime);
	MAP32(rename, rename);
	MAP32(mkdir, mkdir);
	MAP32(rmdir, rmdir);
	MAP32(symlink, symlink);
	MAP32(truncate, truncate);
	MAP32(ftruncate, ftruncate);
	MAP32(fchmod, fchmod);
	MAP32(readv, readv);
	MAP32(writev, writev);
	MAP32(pread64, pread64);
	MAP32(pwrite64, pwrite64);
	MAP32(sendfile, sendfile);
	MAP32(setxattr, setxattr);
	MAP32(lsetxattr, lsetxattr);
	MAP32(fsetxattr, fsetxattr);
	MAP32(removexattr, removexattr);
	MAP32(lremovexattr, lremovexattr);
	MAP32(fremovexattr, fremovexattr);
	MAP32(utimes, utimes);
	MAP32(openat, openat);
	MAP32(mkdirat, mkdirat);
	MAP32(mknodat, mknodat);
	MAP32(fchownat, fchownat);
	MAP32(futimesat, futimesat);
	MAP32(unlinkat, unlinkat);
	MAP32(renameat, renameat);
	MAP32(linkat, linkat);
	MAP32(symlinkat, symlinkat);
	MAP32(fchmodat, fchmodat);
	MAP32(splice, splice);
	MAP32(tee, tee);
	MAP32(utimensat, utimensat);
	MAP32(preadv, preadv);
	MAP32(pwritev, pwritev);
	MAP32(open_by_handle_at, open_by_handle_at);
	MAP32(renameat2, renameat2);
	MAP32(execveat, execveat);
	MAP32(sendto, sendto);
	MAP32(sendmsg, sendmsg);
	MAP32(recvfrom, recvfrom);
	MAP32(recvmsg, recvmsg);
	MAP32(copy_file_range, copy_file_range);
	MAP32(preadv2, preadv2);
	MAP32(pwritev2, pwritev2);
	MAP32(lchown, lchown);
	MAP32(lchown32, lchown);
	MAP32(chown, chown);
	MAP32(chown32, chown);
	MAP32(fchown, fchown);
	MAP32(fchown32, fchown);
	MAP32(truncate64, truncate);
	MAP32(ftruncate64, ftruncate);
	MAP32(sendfile64, sendfile);
	MAP32(utimensat_time64, utimensat);
#ifdef __NR_openat2
	MAP32(openat2, openat2);
#endif
#ifdef __NR_fchmodat2
	MAP32(fchmodat2, fchmodat2);
#endif
	/* Calls not handled, and numbers that are none. */
	assert_int_equal(nr_from_ia32(__NR_getpid), -1);
	assert_int_equal(nr_from_ia32(__NR_swapon), -1);
	assert_int_equal(nr_from_ia32(-1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
