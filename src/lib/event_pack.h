/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An event in a few dozen bytes, for the writer's queue: numbers as
 * varints (most are small or zero), strings after their lengths. The
 * struct is 264 bytes however little an event says; packed, a typical one
 * takes 40 to 60 bytes plus its strings, so the queue that absorbs a burst
 * holds four times the events in the same memory.
 */
#ifndef VA_EVENT_PACK_H
#define VA_EVENT_PACK_H

#include <stddef.h>

#include "event.h"

/* At most this many bytes besides the strings. */
#define VA_EVENT_PACK_MAX 400

/* The packed size of @ev, strings included. */
size_t va_event_pack_size(const struct va_event *ev);
/* Pack @ev into @out (va_event_pack_size() bytes). Returns: the bytes written. */
size_t va_event_pack(unsigned char *out, const struct va_event *ev);
/*
 * Unpack what va_event_pack() wrote into @ev, whose strings point into @in.
 * Returns: the bytes read, or 0 when @in (of @len bytes) is not a whole event.
 */
size_t va_event_unpack(const unsigned char *in, size_t len, struct va_event *ev);

#endif
