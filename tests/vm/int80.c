// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest's 32-bit calls: creat, chmod, rename and unlink of ARGV[1]
 * (renamed to ARGV[2]) through int $0x80, with a getpid between (ia32 20,
 * x86-64's writev) that must record nothing. Built static by tests/vm/run.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static long int80(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

int main(int argc, char **argv)
{
	/* Below 4 GiB: 32-bit calls take 32-bit pointers. */
	char *low = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long fd;

	if (argc != 3 || low == MAP_FAILED || strlen(argv[1]) >= 4096 || strlen(argv[2]) >= 4096)
		return 2;
	strcpy(low, argv[1]);
	strcpy(low + 4096, argv[2]);
	fd = int80(8 /* creat */, (long)low, 0644);
	if (fd < 0 || int80(6 /* close */, fd, 0) || int80(15 /* chmod */, (long)low, 0600) ||
	    int80(20 /* getpid */, 0, 0) < 0 ||
	    int80(38 /* rename */, (long)low, (long)low + 4096) ||
	    int80(10 /* unlink */, (long)low + 4096, 0)) {
		fprintf(stderr, "int80: a 32-bit call failed\n");
		return 1;
	}
	return 0;
}
