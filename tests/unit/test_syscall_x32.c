// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * x32 syscall numbers (bit 30 set; those that pass structures with
 * pointers renumbered from 512) must map to the x86-64 call of the same
 * name (syscall_map.h), and the x86-64 numbers x32 renumbered to none.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#define __X32_SYSCALL_BIT 0x40000000 /* <asm/unistd.h> defines it; <asm/unistd_x32.h> uses it */
#include <asm/unistd_x32.h>
#include <cmocka.h>

#include "bpf/syscall_map.h"

#define MAPX32(name) assert_int_equal(nr_from_x32(__NR_##name & ~X32_SYSCALL_BIT), VA_NR_##name)

static void test_map(void **state)
{
	(void)state;
	MAPX32(read);
	MAPX32(write);
	MAPX32(open);
	MAPX32(close);
	MAPX32(creat);
	MAPX32(link);
	MAPX32(unlink);
	MAPX32(mknod);
	MAPX32(chmod);
	MAPX32(chown);
	MAPX32(fchown);
	MAPX32(lchown);
	MAPX32(utime);
	MAPX32(rename);
	MAPX32(mkdir);
	MAPX32(rmdir);
	MAPX32(symlink);
	MAPX32(truncate);
	MAPX32(ftruncate);
	MAPX32(fchmod);
	MAPX32(pread64);
	MAPX32(pwrite64);
	MAPX32(sendfile);
	MAPX32(sendto);
	MAPX32(setxattr);
	MAPX32(lsetxattr);
	MAPX32(fsetxattr);
	MAPX32(removexattr);
	MAPX32(lremovexattr);
	MAPX32(fremovexattr);
	MAPX32(utimes);
	MAPX32(openat);
	MAPX32(mkdirat);
	MAPX32(mknodat);
	MAPX32(fchownat);
	MAPX32(futimesat);
	MAPX32(unlinkat);
	MAPX32(renameat);
	MAPX32(linkat);
	MAPX32(symlinkat);
	MAPX32(fchmodat);
	MAPX32(splice);
	MAPX32(tee);
	MAPX32(utimensat);
	MAPX32(open_by_handle_at);
	MAPX32(renameat2);
	MAPX32(copy_file_range);
	MAPX32(readv);
	MAPX32(writev);
	MAPX32(recvfrom);
	MAPX32(sendmsg);
	MAPX32(recvmsg);
	MAPX32(execve);
	MAPX32(preadv);
	MAPX32(pwritev);
	MAPX32(execveat);
	MAPX32(preadv2);
	MAPX32(pwritev2);
	/* The x86-64 numbers of the calls x32 renumbers: the kernel refuses them from x32. */
	assert_int_equal(nr_from_x32(VA_NR_readv), -1);
	assert_int_equal(nr_from_x32(VA_NR_execve), -1);
	assert_int_equal(nr_from_x32(VA_NR_pwritev2), -1);
	assert_int_equal(nr_from_x32(600), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
