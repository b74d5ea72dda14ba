/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sink's bounded spool: the messages a syslog peer has not yet taken, in
 * order. New messages go to memory; when memory fills past half, the sink's
 * thread moves the oldest of them to a spool file, so a peer that is away
 * for a while loses nothing. What fits in neither is refused and counted:
 * the daemon records that count, loss is never silent.
 *
 * Threads: any thread may push; one consumer thread takes, spills, acks and
 * closes. Messages are in order: file (oldest), then memory.
 *
 * The file (0600, never through a symlink) starts with a header naming the
 * first record not yet delivered; records are a 32-bit length and the bytes.
 * It is not synced: it outlives a crash of the daemon, not a power cut. At a
 * stop with messages undelivered, they are all written to it and the next
 * start sends them first.
 */
#ifndef VA_SINK_SPOOL_H
#define VA_SINK_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longer messages are refused (and counted); syslog messages stay far below. */
#define VA_SPOOL_MSG_MAX (1u << 20)

struct va_spool;

/* A message taken from the spool; the taker owns it (free()). */
struct va_spool_msg {
	struct va_spool_msg *next; /* for the taker's own lists */
	uint64_t file_end;	   /* came from the file: where its record ends; else 0 */
	uint64_t sent_end;	   /* the taker's: where it ends in the byte stream it went into */
	uint64_t acked_ns;	   /* the taker's: when the peer acknowledged it; 0 not yet */
	size_t len;
	size_t cap; /* bytes data[] can hold: a recycled message is reused for a shorter one */
	char data[];
};

struct va_spool_stats {
	uint64_t queued;     /* messages waiting, memory and file */
	uint64_t mem_bytes;  /* bytes of those in memory */
	uint64_t file_bytes; /* bytes of those in the file */
	uint64_t lost;	     /* refused since open: memory and file full */
	int file_error;	     /* -errno of the last failed file write; 0 fine */
};

/**
 * va_spool_open() - a spool of @mem_max bytes in memory and, when @file is
 * given, up to @file_max bytes in @file. Messages an earlier run left in the
 * file come first.
 *
 * Returns: 0; -EINVAL when @file exists and is not a spool (left untouched),
 * -errno otherwise; @err names the file and what to do.
 */
int va_spool_open(struct va_spool **out, size_t mem_max, const char *file, uint64_t file_max,
		  char *err, size_t errlen);

/**
 * va_spool_push() - append a copy of @msg.
 * @count_lost: count it as lost when there is no room.
 *
 * Returns: 1 when the consumer should be woken (it waits, or memory is past
 * half full), 0 otherwise; -ENOSPC when there is no room.
 */
int va_spool_push(struct va_spool *s, const char *msg, size_t len, bool count_lost);

/* Returns: how many messages were refused since open. */
uint64_t va_spool_lost(struct va_spool *s);

/* Consumer. Returns: the oldest message, or NULL when none waits (or on a read error). */
struct va_spool_msg *va_spool_take(struct va_spool *s);

/*
 * Consumer: up to @max of the oldest messages in one go, linked by their
 * next (one lock for a batch); NULL when none waits.
 */
struct va_spool_msg *va_spool_take_many(struct va_spool *s, size_t max);

/*
 * Consumer: hand back delivered messages (a list linked by next) instead of
 * free()ing them: the producer reuses them, which spares a malloc and a
 * cross-thread free per message. free() is correct too, only slower.
 */
void va_spool_recycle(struct va_spool *s, struct va_spool_msg *list);

/*
 * Consumer: returns true, and marks the consumer as waiting, when nothing
 * is left to take; the next push then asks for a wake-up.
 */
bool va_spool_idle(struct va_spool *s);

/* Consumer: move the oldest messages in memory to the file when memory is past half full. */
void va_spool_spill(struct va_spool *s);

/*
 * Consumer: the peer has the messages up to the one whose record ends at
 * @file_end (a va_spool_msg's file_end; 0 is ignored). The file's header
 * says so at the next va_spool_sync(), so that a crash resends none of them.
 */
void va_spool_acked(struct va_spool *s, uint64_t file_end);
void va_spool_sync(struct va_spool *s);

void va_spool_stats(struct va_spool *s, struct va_spool_stats *st);

/**
 * va_spool_close() - keep what was not delivered and free the spool.
 * @unsent: messages taken but not delivered (oldest first), handed back;
 *          they come before everything still in the spool.
 *
 * Everything undelivered goes to the file, for the next start; the file is
 * removed when nothing is left. Without a file, or when writing it fails,
 * the messages are counted.
 *
 * Returns: how many messages were lost. Accepts NULL.
 */
uint64_t va_spool_close(struct va_spool *s, struct va_spool_msg *unsent);

#endif
