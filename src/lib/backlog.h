/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The store writer's backlog on disk. When the writer falls behind and its
 * queue's memory is full, entries go on, in order, to a file beside the
 * store instead of being counted unsaved, and the writer takes them back
 * once it has written what memory held. A burst of a million events a
 * second on a machine of many CPUs, which one SQLite writer cannot keep up
 * with, then costs disk space for a while, not records, and the daemon's
 * memory stays bounded.
 *
 * The file is anonymous (O_TMPFILE, or unlinked at once), 0600; like the
 * queue in memory it does not outlive the daemon. Entries are a 32-bit
 * length, then the bytes. Appends collect in memory and are written a
 * chunk (VA_BACKLOG_CHUNK) at a time. What is taken back is given back to
 * the filesystem (holes punched) as the reads go on, and the file starts
 * again when all is taken: the disk it holds stays within the bound even
 * under a storm that never lets it empty.
 *
 * Threads: none of its own, no lock of its own. The writer calls
 * everything under its queue's lock except va_backlog_read(), which reads
 * what va_backlog_next() named and changes nothing.
 */
#ifndef VA_BACKLOG_H
#define VA_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

/* Appends written at a time; the largest entry (64 KiB, store_writer.c) fits many times. */
#define VA_BACKLOG_CHUNK (1u << 20)

struct va_backlog {
	int fd;		       /* -1: no backlog */
	uint64_t max_bytes;    /* the disk and memory it may take */
	uint64_t file_len;     /* bytes written to the file */
	uint64_t read_off;     /* bytes of it taken back */
	uint64_t freed;	       /* bytes at its start given back (a hole), at most read_off */
	struct va_region tail; /* appended, not yet written: tail_len bytes */
	size_t tail_len;
	uint64_t entries;	  /* waiting: in the file and the tail */
	uint64_t appended, taken; /* entries ever appended and taken: where a flush stands */
	int error;		  /* -errno of the last failed write; 0 fine */
};

/**
 * va_backlog_open() - a backlog of up to @max_bytes in an anonymous file in @dir.
 * Returns: 0 or -errno (no such directory, no room, a filesystem that
 * refuses). @b stays usable (closed) either way.
 */
int va_backlog_open(struct va_backlog *b, const char *dir, uint64_t max_bytes);

/*
 * Room for an entry of up to @len bytes at the end: *@p is where its bytes
 * go, and va_backlog_commit() closes it with its length. @force: past the
 * bound, and kept in memory when the file cannot be written (for the few
 * entries that must keep their place: marks, loss records). Returns: 0;
 * -ENOSPC when it does not fit the bound, or the tail is full and writing
 * it failed (b->error says why); -ENOMEM; -EBADF when closed.
 */
int va_backlog_reserve(struct va_backlog *b, size_t len, bool force, unsigned char **p);
/* Close the entry va_backlog_reserve() made room for: @len bytes, at most what it asked. */
void va_backlog_commit(struct va_backlog *b, size_t len);

/*
 * Where the oldest entries are: true, and [*@off, *@end) of the file to
 * read with va_backlog_read(); false when the file holds nothing unread
 * (take the tail, va_backlog_take_tail()).
 */
bool va_backlog_next(const struct va_backlog *b, uint64_t *off, uint64_t *end);

/**
 * va_backlog_read() - whole entries from [@off, @end) of @fd, about @max
 * bytes of them (one longer entry whole), into @buf from its start; each
 * is a 32-bit length, then the bytes. Changes nothing in the backlog.
 * @n: set to how many entries.
 * Returns: the bytes, or -errno.
 */
long va_backlog_read(int fd, uint64_t off, uint64_t end, struct va_region *buf, size_t max,
		     size_t *n);

/* The @n entries, @bytes long, va_backlog_read() gave are taken: forget them. */
void va_backlog_consume(struct va_backlog *b, uint64_t bytes, size_t n);

/* The tail's entries, from memory, into @buf, and forget them. Returns: the bytes, or -ENOMEM. */
long va_backlog_take_tail(struct va_backlog *b, struct va_region *buf, size_t *n);

/* The entry at @off of what a take gave: its bytes and length; the next one's offset. */
size_t va_backlog_entry(const unsigned char *buf, size_t off, const unsigned char **p,
			uint32_t *len);

/* Bytes waiting, in the file and the tail. */
uint64_t va_backlog_bytes(const struct va_backlog *b);

/* Forget every entry (the caller counts them): the file starts again. */
void va_backlog_clear(struct va_backlog *b);

/* Close the file and free the tail; accepts a closed backlog. */
void va_backlog_close(struct va_backlog *b);

#endif
