// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The writer's backlog file: entries come back whole and in order, across
 * the chunks written and the reads' bounds, an entry longer than a read
 * included; the bound refuses; appends never wait for the file, and chunks
 * that cannot be written are kept in memory up to their bound and taken
 * from there; the file starts again once all is taken, and gives back what
 * was taken while it never empties; marks and loss records (force) pass
 * the bound.
 *
 * Every call is made with the lock held, as the writer does; the spill
 * thread writes chunks only while a test lets it go (settle()).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "backlog.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Let the spill thread write every full chunk to the file (or fail to). */
static void settle(struct va_backlog *b)
{
	while (b->count && (b->spilling || !b->error))
		pthread_cond_wait(&b->done, &lock);
}

static void open_backlog(struct va_backlog *b, const char *dir, uint64_t bound, int expect)
{
	pthread_mutex_lock(&lock);
	assert_int_equal(va_backlog_open(b, dir, bound, &lock), expect);
}

static void close_backlog(struct va_backlog *b)
{
	va_backlog_close(b);
	pthread_mutex_unlock(&lock);
	assert_int_equal(b->fd, -1);
}

/* Entry @i: @i's length (cycling up to 3,000 bytes), each byte a function of @i. */
static size_t entry_len(unsigned int i)
{
	return 1 + (i * 7919u) % 3000;
}

static void append_as(struct va_backlog *b, unsigned int i, bool force)
{
	size_t len = entry_len(i);
	unsigned char *p;

	assert_int_equal(va_backlog_reserve(b, len + 16, force, &p), 0);
	for (size_t k = 0; k < len; k++)
		p[k] = (unsigned char)(i + k);
	va_backlog_commit(b, len);
}

static void append(struct va_backlog *b, unsigned int i)
{
	append_as(b, i, false);
}

/* The oldest entries, about @max bytes of them, as the writer takes them (with no lock to let go). */
static long take_some(struct va_backlog *b, struct va_region *buf, size_t max, size_t *n)
{
	uint64_t off, end;
	long got;

	*n = 0;
	switch (va_backlog_next(b, &off, &end)) {
	case VA_BACKLOG_EMPTY:
		return 0;
	case VA_BACKLOG_IN_MEMORY:
		got = va_backlog_take_memory(b, buf, n);
		break;
	default:
		got = va_backlog_read(b->fd, off, end, buf, max, n);
		if (got > 0)
			va_backlog_consume(b, (uint64_t)got, *n);
	}
	va_backlog_tidy(b);
	return got;
}

/* A backlog of @bound bytes in /tmp, filled with entries until the next would not fit: how many. */
static unsigned int open_full(struct va_backlog *b, uint64_t bound)
{
	unsigned int i = 0;

	open_backlog(b, "/tmp", bound, 0);
	while (va_backlog_bytes(b) + 4 + entry_len(i) + 16 <= bound)
		append(b, i++);
	return i;
}

/*
 * Take, @max bytes at a time, until no more than @keep bytes wait, checking
 * each entry is the next expected; returns the next expected.
 */
static unsigned int take_until(struct va_backlog *b, unsigned int next, size_t max, uint64_t keep)
{
	struct va_region buf = { 0 };
	size_t n;
	long got = 0;

	while (va_backlog_bytes(b) > keep && (got = take_some(b, &buf, max, &n)) > 0) {
		size_t off = 0;

		for (size_t e = 0; e < n; e++, next++) {
			const unsigned char *p;
			uint32_t len;

			off = va_backlog_entry(buf.p, off, &p, &len);
			assert_int_equal(len, entry_len(next));
			for (size_t k = 0; k < len; k++)
				assert_int_equal(p[k], (unsigned char)(next + k));
		}
		assert_int_equal(off, (size_t)got);
	}
	assert_true(got >= 0);
	assert_true(va_backlog_bytes(b) <= keep);
	if (!keep)
		assert_int_equal(take_some(b, &buf, max, &n), 0);
	va_region_free(&buf);
	return next;
}

/* Take everything, checking each entry is the next expected; returns the next expected. */
static unsigned int take_all(struct va_backlog *b, unsigned int next, size_t max)
{
	return take_until(b, next, max, 0);
}

static void test_order_across_chunks_and_reads(void **state)
{
	struct va_backlog b;
	struct stat sb;
	unsigned int next = 0;

	(void)state;
	open_backlog(&b, "/tmp", 64u << 20, 0);
	for (unsigned int i = 0; i < 3000; i++) /* about 4.5 MB: chunks in the file, a tail */
		append(&b, i);
	assert_int_equal(b.entries, 3000);
	/* Appends never wait for the file: the chunks are in memory until the spill thread runs. */
	assert_int_equal(b.file_len, 0);
	assert_true(b.count > 0);
	settle(&b);
	assert_true(b.file_len > 0 && b.tail_len > 0);
	assert_int_equal(b.count, 0);
	/* Reads of 2,000 bytes: some entries are longer, and come whole. */
	next = take_all(&b, next, 2000);
	assert_int_equal(next, 3000);
	assert_int_equal(b.entries, 0);
	assert_int_equal(va_backlog_bytes(&b), 0);
	/* All taken: the file starts again. */
	assert_int_equal(fstat(b.fd, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	/* And takes more, interleaved with takes. */
	for (unsigned int i = 3000; i < 6000; i++) {
		append(&b, i);
		if (i % 700 == 0)
			settle(&b);
		if (i % 1000 == 0)
			next = take_all(&b, next, 1u << 20);
	}
	settle(&b);
	for (unsigned int i = 6000; i < 8000; i++)
		append(&b, i);
	/* Some in the file, some in chunks, the rest in the tail: in that order. */
	assert_true(b.file_len > b.read_off && b.count > 0 && b.tail_len > 0);
	assert_int_equal(take_all(&b, next, 1u << 20), 8000);
	close_backlog(&b);
}

static void test_bound(void **state)
{
	struct va_backlog b;
	unsigned char *p;
	unsigned int i;

	(void)state;
	i = open_full(&b, 100000);
	assert_int_equal(va_backlog_reserve(&b, entry_len(i) + 16, false, &p), -ENOSPC);
	assert_true(va_backlog_bytes(&b) <= 100000);
	assert_int_equal(take_all(&b, 0, 1u << 20), i);
	/* Room again once taken. */
	assert_int_equal(va_backlog_reserve(&b, 1000, false, &p), 0);
	close_backlog(&b);
}

/*
 * A file that cannot be written: the chunks stay in memory, appends are
 * refused once VA_BACKLOG_PENDING of them and a full tail wait, and all
 * come back from memory, in order.
 */
static void test_write_failure_keeps_chunks(void **state)
{
	struct va_backlog b;
	unsigned char *p;
	unsigned int i = 0;

	(void)state;
	open_backlog(&b, "/tmp", 64u << 20, 0);
	close(b.fd);
	b.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(b.fd >= 0);
	while (!b.count)
		append(&b, i++);
	settle(&b);
	assert_int_equal(b.error, -EBADF);
	while (va_backlog_reserve(&b, entry_len(i) + 16, false, &p) == 0)
		append(&b, i++);
	assert_int_equal(va_backlog_reserve(&b, entry_len(i) + 16, false, &p), -ENOSPC);
	assert_int_equal(b.count, VA_BACKLOG_PENDING);
	assert_true(b.tail_len + 4 + entry_len(i) + 16 > VA_BACKLOG_CHUNK);
	assert_int_equal(b.file_len, 0);
	/* A mark still finds room, in memory. */
	append_as(&b, i++, true);
	assert_int_equal(take_all(&b, 0, 1u << 20), i);
	close_backlog(&b);
}

/* A failed write sets the error; the retry that works, 200 ms later, clears it. */
static void test_write_error_clears(void **state)
{
	struct va_backlog b;
	unsigned int i = 0;
	int good;

	(void)state;
	open_backlog(&b, "/tmp", 64u << 20, 0);
	good = b.fd;
	b.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(b.fd >= 0);
	while (!b.count)
		append(&b, i++);
	settle(&b);
	assert_int_equal(b.error, -EBADF);
	close(b.fd);
	b.fd = good; /* the spill thread reads it under the lock at each try */
	while (b.count)
		pthread_cond_wait(&b.done, &lock);
	assert_int_equal(b.error, 0);
	assert_true(b.file_len > 0);
	assert_int_equal(take_all(&b, 0, 1u << 20), i);
	close_backlog(&b);
}

/*
 * A storm that never lets the backlog empty: 256 MiB through a bound of
 * 16 MiB, never more than 2 MiB waiting. Taken bytes are given back as
 * reads go on, so the disk held stays near the bound and nothing is refused.
 */
static void test_never_empty_stays_bounded(void **state)
{
	struct va_backlog b;
	struct stat sb;
	unsigned int next = 0, i = 0;

	(void)state;
	open_backlog(&b, "/tmp", 16u << 20, 0);
	while ((uint64_t)b.taken * 1500 < (256ull << 20)) {
		while (va_backlog_bytes(&b) < (2u << 20))
			append(&b, i++); /* asserts each is taken in */
		settle(&b);
		/* Take half: what waits never drops to nothing. */
		next = take_until(&b, next, 256u << 10, 1u << 20);
		assert_true(b.entries > 0);
	}
	assert_int_equal(fstat(b.fd, &sb), 0);
	/* The apparent size grew; the blocks held did not. */
	assert_true(sb.st_size > (200ll << 20));
	assert_true((uint64_t)sb.st_blocks * 512 < (16u << 20) + (9u << 20));
	assert_int_equal(take_all(&b, next, 1u << 20), i);
	close_backlog(&b);
}

/* Forced entries pass the bound; a clear forgets everything and starts the file again. */
static void test_force_and_clear(void **state)
{
	struct va_backlog b;
	struct stat sb;
	unsigned char *p;
	unsigned int i;

	(void)state;
	i = open_full(&b, 100000);
	settle(&b);
	assert_int_equal(va_backlog_reserve(&b, 5000, false, &p), -ENOSPC);
	assert_int_equal(va_backlog_reserve(&b, 5000, true, &p), 0);
	memset(p, 'm', 5000);
	va_backlog_commit(&b, 5000);
	assert_int_equal(b.entries, i + 1);
	assert_int_equal(b.appended, i + 1);
	va_backlog_clear(&b);
	assert_int_equal(b.entries, 0);
	assert_int_equal(b.taken, i + 1);
	assert_int_equal(va_backlog_bytes(&b), 0);
	assert_int_equal(fstat(b.fd, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(take_all(&b, 0, 1u << 20), 0);
	close_backlog(&b);
}

static void test_closed(void **state)
{
	struct va_backlog b;
	unsigned char *p;
	struct va_region buf = { 0 };
	size_t n;

	(void)state;
	open_backlog(&b, "/nonexistent/dir", 1u << 20, -ENOENT);
	assert_int_equal(va_backlog_reserve(&b, 10, false, &p), -EBADF);
	assert_int_equal(take_some(&b, &buf, 1000, &n), 0);
	close_backlog(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_across_chunks_and_reads),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_write_failure_keeps_chunks),
		cmocka_unit_test(test_write_error_clears),
		cmocka_unit_test(test_never_empty_stays_bounded),
		cmocka_unit_test(test_force_and_clear),
		cmocka_unit_test(test_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
