/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event's two printed forms (SPEC.md "Text form", "JSON form"): pure
 * functions of a struct va_event, shared by `watch`, every sink and the
 * queries.
 */
#ifndef VA_FORMAT_H
#define VA_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

struct json_object;

enum va_format {
	VA_FORMAT_TEXT,
	VA_FORMAT_JSON,
};

/* Returns: 0 for "text" or "json", -EINVAL otherwise. */
int va_format_parse(const char *s, enum va_format *out);

/* Writes one line, '\n' included. Returns: 0, -ENOMEM, or -EIO when @out failed. */
int va_event_write(FILE *out, enum va_format fmt, const struct va_event *ev);

/* "write: vi(1234,1000) /etc/foobar\n"; every field C-escaped. Returns: as va_event_write(). */
int va_event_write_text(FILE *out, const struct va_event *ev);

/*
 * Returns: the event as a JSON object (the caller json_object_put()s it), or
 * NULL with errno ENOMEM. Every string in it is valid UTF-8.
 */
struct json_object *va_event_to_json(const struct va_event *ev);

/* One JSON object and '\n'. Returns: as va_event_write(). */
int va_event_write_json(FILE *out, const struct va_event *ev);

/**
 * va_tty_name() - name a controlling terminal as ps(1) does.
 * @tty_dev: kernel dev_t encoding (major << 20 | minor).
 *
 * Returns: 0 with "pts/3", "tty1", "ttyS0", "ttyUSB0", "ttyACM0", "tty",
 * "console", "ptmx" or else "MAJ:MIN" in @buf; -ENOENT when @tty_dev is 0
 * (no terminal); -ENOSPC when @len is too small.
 */
int va_tty_name(uint32_t tty_dev, char *buf, size_t len);

#endif
