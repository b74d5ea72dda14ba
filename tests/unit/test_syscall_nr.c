// SPDX-License-Identifier: GPL-2.0-or-later
/* The BPF side's syscall numbers must be the C library's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "bpf/syscall_nr.h"

#define CHECK(name) assert_int_equal(VA_NR_##name, SYS_##name)

static void test_numbers(void **state)
{
	(void)state;
	CHECK(read);
	CHECK(write);
	CHECK(open);
	CHECK(close);
	CHECK(pread64);
	CHECK(pwrite64);
	CHECK(readv);
	CHECK(writev);
	CHECK(sendfile);
	CHECK(sendto);
	CHECK(recvfrom);
	CHECK(sendmsg);
	CHECK(recvmsg);
	CHECK(execve);
	CHECK(truncate);
	CHECK(ftruncate);
	CHECK(rename);
	CHECK(mkdir);
	CHECK(rmdir);
	CHECK(creat);
	CHECK(link);
	CHECK(unlink);
	CHECK(symlink);
	CHECK(chmod);
	CHECK(fchmod);
	CHECK(chown);
	CHECK(fchown);
	CHECK(lchown);
	CHECK(utime);
	CHECK(mknod);
	CHECK(setxattr);
	CHECK(lsetxattr);
	CHECK(fsetxattr);
	CHECK(removexattr);
	CHECK(lremovexattr);
	CHECK(fremovexattr);
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
	CHECK(copy_file_range);
	CHECK(preadv2);
	CHECK(pwritev2);
#ifdef SYS_openat2
	CHECK(openat2);
#endif
#ifdef SYS_fchmodat2
	CHECK(fchmodat2);
#endif
#ifdef SYS_setxattrat
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
