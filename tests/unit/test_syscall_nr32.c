// SPDX-License-Identifier: GPL-2.0-or-later
/* The BPF side's 32-bit (ia32) syscall numbers must be the kernel headers'. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <asm/unistd_32.h>
#include <cmocka.h>

#include "bpf/syscall_nr32.h"

#define CHECK(name) assert_int_equal(VA_NR32_##name, __NR_##name)

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
