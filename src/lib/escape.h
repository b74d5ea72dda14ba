/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Making untrusted bytes (file names, process names, arguments) safe to print:
 * C-style escaping for the text form, UTF-8 repair and hex for JSON.
 */
#ifndef VA_ESCAPE_H
#define VA_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct va_strbuf;

/**
 * va_escape_c() - write bytes C-escaped, so that they stay on one line.
 * '\\' becomes "\\\\", newline "\\n", tab "\\t", carriage return "\\r"; every
 * other control character (0x00-0x1f, 0x7f, and the C1 range U+0080-U+009F,
 * which some terminals obey) and every byte that is not part of valid UTF-8
 * becomes "\\xHH" (lowercase). Other valid UTF-8 passes through unchanged.
 *
 * Returns: 0, or -EIO when @out failed.
 */
int va_escape_c(FILE *out, const char *s, size_t len);
/* The same, appended to @out. */
void va_escape_c_buf(struct va_strbuf *out, const char *s, size_t len);

/* Returns: true when @s is strict UTF-8: no overlong forms, surrogates or values above U+10FFFF. */
bool va_utf8_valid(const char *s, size_t len);

/**
 * va_utf8_sanitize() - copy with every byte that is not part of valid UTF-8
 * replaced by U+FFFD, one replacement per bad byte.
 * @out_len: receives the length without the NUL; may be NULL.
 *
 * Returns: a NUL-terminated malloc'd string (the caller frees it), or NULL
 * with errno ENOMEM.
 */
char *va_utf8_sanitize(const char *s, size_t len, size_t *out_len);

/* Returns: @len bytes as lowercase hex, NUL-terminated and malloc'd; NULL with errno ENOMEM. */
char *va_hex_encode(const char *s, size_t len);

#endif
