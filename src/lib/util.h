/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checked parsers for the numbers users type: counts, sizes, device numbers. */
#ifndef VA_UTIL_H
#define VA_UTIL_H

#include <stdint.h>

/**
 * va_parse_u64() - parse a decimal number, all of @s.
 * No sign, no blanks, no base prefix: "0x10" or " 5" are mistakes, not numbers.
 *
 * Returns: 0; -EINVAL when @s is empty or not all digits; -ERANGE above @max.
 */
int va_parse_u64(const char *s, uint64_t max, uint64_t *out);

/**
 * va_parse_size() - parse a byte count with an optional binary unit.
 * "4096", "64k", "16M", "1G", "2T" (case-insensitive, powers of 1024; "KiB"
 * style is accepted too).
 *
 * Returns: 0; -EINVAL for a bad number or unit; -ERANGE when it overflows.
 */
int va_parse_size(const char *s, uint64_t *out);

/**
 * va_parse_duration() - parse a length of time: N followed by s, m, h, d or
 * w ("90s", "7d"); "0" and "forever" give 0 (no limit).
 *
 * Returns: 0; -EINVAL for anything else, or what would overflow 2^64 ns.
 */
int va_parse_duration(const char *s, uint64_t *ns);

/*
 * Device numbers inside vfsaudit use the kernel's internal dev_t encoding
 * (MKDEV: 12-bit major, 20-bit minor), what BPF reads from a super_block.
 */
#define VA_DEV_MINORBITS 20
#define VA_DEV_MAJOR_MAX 0xfffu
#define VA_DEV_MINOR_MAX 0xfffffu

static inline uint32_t va_dev_make(uint32_t major, uint32_t minor)
{
	return (major << VA_DEV_MINORBITS) | (minor & VA_DEV_MINOR_MAX);
}

static inline uint32_t va_dev_major(uint32_t dev)
{
	return dev >> VA_DEV_MINORBITS;
}

static inline uint32_t va_dev_minor(uint32_t dev)
{
	return dev & VA_DEV_MINOR_MAX;
}

/**
 * va_parse_dev() - parse a --dev argument into the kernel encoding.
 * Accepts "MAJ:MIN" in decimal ("8:3") or the hex number `stat -c %D` prints
 * ("803"), which is glibc's user-space dev_t encoding.
 *
 * Returns: 0; -EINVAL for bad syntax; -ERANGE when the major exceeds 12 bits
 * or the minor 20 bits (the kernel cannot hold such a device).
 */
int va_parse_dev(const char *s, uint32_t *dev);

#endif
