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
 * length, then the bytes. Appends collect in memory, a chunk
 * (VA_BACKLOG_CHUNK) at a time. What is taken back is given back to the
 * filesystem (holes punched) as the reads go on, and the file starts again
 * when all is taken: the disk it holds stays within the bound even under a
 * storm that never lets it empty.
 *
 * Threads and lock: the owner's lock, given at open, guards everything
 * here, and every call is made with it held. The appender (the capture
 * thread, through the writer's push) never touches the file: full chunks go
 * to a thread of the backlog's own ("va-backlog"), which writes them with
 * the lock let go, up to VA_BACKLOG_PENDING of them waiting in memory. A
 * filesystem that stalls (frozen for a backup, a journal commit, a slow
 * disk) then holds up that thread, not the capture, which would otherwise
 * stop draining the kernel's ring buffer and lose events there. The reader
 * (the writer thread) lets the lock go while it reads the file, punches
 * holes in it or truncates it.
 */
#ifndef VA_BACKLOG_H
#define VA_BACKLOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

/* Appends written at a time; the largest entry (64 KiB, store_writer.c) fits many times. */
#define VA_BACKLOG_CHUNK (1u << 20)
/*
 * Full chunks that may wait in memory for the file: at a million events a
 * second of about 100 bytes, 160 ms of a filesystem that does not take
 * writes (with the queue's and the ring buffer's own room, some 200 ms).
 * Past them appends are refused (the events counted unsaved), as when the
 * file cannot be written at all.
 */
#define VA_BACKLOG_PENDING 16

struct va_backlog_chunk {
	struct va_region buf;
	size_t len;
};

struct va_backlog {
	int fd;		       /* -1: no backlog */
	pthread_mutex_t *lock; /* the owner's: guards all of this */
	pthread_cond_t wake;   /* the spill thread waits for a chunk here */
	pthread_cond_t done;   /* a chunk's write, or the reader's truncation or punch, ended */
	pthread_t thread;
	bool running; /* the spill thread was started */
	bool closing;
	uint64_t max_bytes; /* the disk and memory it may take */
	uint64_t file_len;  /* bytes written to the file */
	uint64_t read_off;  /* bytes of it taken back */
	uint64_t freed;	    /* bytes at its start given back (a hole), at most read_off */
	struct va_backlog_chunk pending[VA_BACKLOG_PENDING]; /* full chunks, oldest at first */
	unsigned int first, count;
	uint64_t pending_bytes;
	bool spilling;	 /* pending[first] is being written, the lock let go */
	bool truncating; /* the reader truncates the file, the lock let go: nothing is written */
	bool punching;	 /* the reader punches a hole, the lock let go */
	struct va_region tail; /* appended, not yet a full chunk: tail_len bytes */
	size_t tail_len;
	uint64_t entries;	  /* waiting: in the file and in memory */
	uint64_t appended, taken; /* entries ever appended and taken: where a flush stands */
	int error;		  /* -errno of the last failed write; 0 fine */
};

/**
 * va_backlog_open() - a backlog of up to @max_bytes in an anonymous file in
 * @dir, guarded by @lock (which the caller may hold), and its spill thread.
 * Returns: 0 or -errno (no such directory, no room, a filesystem that
 * refuses, no thread). @b stays usable (closed) either way.
 */
int va_backlog_open(struct va_backlog *b, const char *dir, uint64_t max_bytes,
		    pthread_mutex_t *lock);

/*
 * Room for an entry of up to @len bytes at the end: *@p is where its bytes
 * go, and va_backlog_commit() closes it with its length. @force: past the
 * bound, and kept in memory when the file does not take the chunks (for the
 * few entries that must keep their place: marks, loss records). Never
 * waits for the file. Returns: 0; -ENOSPC when it does not fit the bound,
 * or VA_BACKLOG_PENDING chunks wait for the file already (b->error says
 * why, when writing failed); -ENOMEM; -EBADF when closed.
 */
int va_backlog_reserve(struct va_backlog *b, size_t len, bool force, unsigned char **p);
/* Close the entry va_backlog_reserve() made room for: @len bytes, at most what it asked. */
void va_backlog_commit(struct va_backlog *b, size_t len);

enum va_backlog_where {
	VA_BACKLOG_EMPTY,
	VA_BACKLOG_IN_FILE, /* [*off, *end) of the file: va_backlog_read(), va_backlog_consume() */
	VA_BACKLOG_IN_MEMORY, /* va_backlog_take_memory() */
};

/*
 * Where the oldest entries are. Should they be in the chunk the spill
 * thread is writing, it waits (letting the lock go) until they are in the
 * file, or stay in memory because the write failed.
 */
enum va_backlog_where va_backlog_next(struct va_backlog *b, uint64_t *off, uint64_t *end);

/**
 * va_backlog_read() - whole entries from [@off, @end) of @fd, about @max
 * bytes of them (one longer entry whole), into @buf from its start; each
 * is a 32-bit length, then the bytes. Changes nothing in the backlog: call
 * it with the lock let go.
 * @n: set to how many entries.
 * Returns: the bytes, or -errno.
 */
long va_backlog_read(int fd, uint64_t off, uint64_t end, struct va_region *buf, size_t max,
		     size_t *n);

/* The @n entries, @bytes long, va_backlog_read() gave are taken: forget them. */
void va_backlog_consume(struct va_backlog *b, uint64_t bytes, size_t n);

/*
 * The oldest entries in memory (a chunk, or the tail), when
 * va_backlog_next() said they are there, into @buf, and forget them.
 * Returns: the bytes, or -ENOMEM.
 */
long va_backlog_take_memory(struct va_backlog *b, struct va_region *buf, size_t *n);

/*
 * After takes: give back to the filesystem what reads have passed, or
 * start the file again once all is taken. Lets the lock go for the
 * system call; the reader's to call.
 */
void va_backlog_tidy(struct va_backlog *b);

/* The entry at @off of what a take gave: its bytes and length; the next one's offset. */
size_t va_backlog_entry(const unsigned char *buf, size_t off, const unsigned char **p,
			uint32_t *len);

/* Bytes waiting, in the file and in memory. */
uint64_t va_backlog_bytes(const struct va_backlog *b);

/*
 * Wait (letting the lock go) until no chunk is being written. Call it
 * before counting what va_backlog_clear() will drop: with the lock held from
 * then on, nothing is appended between the count and the clear.
 */
void va_backlog_settle(struct va_backlog *b);

/*
 * Forget every entry (the caller counts them, after va_backlog_settle()):
 * the file starts again.
 */
void va_backlog_clear(struct va_backlog *b);

/*
 * Stop the spill thread, close the file, free the memory; accepts a closed
 * backlog. With the lock held (when open), which it lets go while the
 * thread ends; appends meanwhile are refused (-EBADF).
 */
void va_backlog_close(struct va_backlog *b);

#endif
