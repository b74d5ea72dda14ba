/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event's two printed forms (SPEC.md "Text form", "JSON form"): pure
 * functions of a struct va_event, shared by `watch`, every sink and the
 * queries.
 */
#ifndef VA_FORMAT_H
#define VA_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

struct json_object;

enum va_format {
	VA_FORMAT_TEXT,
	VA_FORMAT_JSON,
};

struct va_strbuf;

/* Returns: 0 for "text" or "json", -EINVAL otherwise. */
int va_format_parse(const char *s, enum va_format *out);

/* Writes one line, '\n' included. Returns: 0, -ENOMEM, or -EIO when @out failed. */
int va_event_write(FILE *out, enum va_format fmt, const struct va_event *ev);

/* "write: vi(1234,1000) /etc/foobar\n"; every field C-escaped. Returns: as va_event_write(). */
int va_event_write_text(FILE *out, const struct va_event *ev);

/* The text form without its newline, appended to @out (check @out->failed). */
void va_event_text(struct va_strbuf *out, const struct va_event *ev);

/*
 * The JSON form without its newline, appended to @out (check @out->failed):
 * json-c's plain serialisation of va_event_to_json(), byte for byte, written
 * without building the tree.
 */
void va_event_json(struct va_strbuf *out, const struct va_event *ev);

/*
 * exec arguments (each ends in a NUL) as a JSON array of strings; whole
 * arguments only while their bytes fit @cap, and *@cut set when one did not.
 */
void va_json_argv(struct va_strbuf *out, const struct va_bytes *argv, size_t cap, bool *cut);

/*
 * Returns: the event as a JSON object (the caller json_object_put()s it), or
 * NULL with errno ENOMEM. Every string in it is valid UTF-8.
 */
struct json_object *va_event_to_json(const struct va_event *ev);

/* One JSON object and '\n'. Returns: as va_event_write(). */
int va_event_write_json(FILE *out, const struct va_event *ev);

/* The op's name, or "op<n>" in @buf for an op this build does not know. */
const char *va_op_label(enum va_op op, char *buf, size_t len);
/* For a negative @ret: the errno's name ("EACCES"), or "E<n>" in @buf. */
const char *va_error_label(int64_t ret, char *buf, size_t len);
/* The file type the event names: mkdir and mknod give it in their mode. */
enum va_ftype va_event_ftype(const struct va_event *ev);

/*
 * The names of open(2) or renameat2(2) flags, SPEC order (the access mode
 * first); bits no name covers come last, as one "0x..." string kept in @hex.
 * Returns: how many names were put in @names.
 */
#define VA_FLAG_NAMES_MAX 20
#define VA_FLAG_HEX_SIZE  16
size_t va_open_flag_names(uint32_t flags, const char **names, char *hex);
size_t va_rename_flag_names(uint32_t flags, const char **names, char *hex);

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
