// SPDX-License-Identifier: GPL-2.0-or-later
/* The one checked number parser (STYLE.md) and what is built on it. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/sysmacros.h>

#include "util.h"

/* strtoull() accepts blanks, signs and "-1" as a huge number; parse by hand. */
static int parse_digits(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int va_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s)
		return -EINVAL;
	return parse_digits(s, strlen(s), max, out);
}

int va_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	size_t len, ndig = 0;
	unsigned int shift = 0;
	uint64_t v;
	int err;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	while (ndig < len && s[ndig] >= '0' && s[ndig] <= '9')
		ndig++;
	if (ndig < len) {
		const char *u = s + ndig;
		const char *hit = strchr(units, u[0] | 0x20);

		if (!hit || (u[1] && strcasecmp(u + 1, "ib")))
			return -EINVAL;
		shift = 10 * (unsigned int)(hit - units + 1);
	}
	err = parse_digits(s, ndig, UINT64_MAX, &v);
	if (err)
		return err;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int parse_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned int)((*s | 0x20) - 'a' + 10);
		else
			return -EINVAL;
		if (v >> 60)
			return -ERANGE;
		v = (v << 4) | d;
	}
	*out = v;
	return 0;
}

int va_parse_dev(const char *s, uint32_t *dev)
{
	const char *colon;
	uint64_t major, minor;
	int err;

	if (!s)
		return -EINVAL;
	colon = strchr(s, ':');
	if (colon) {
		err = parse_digits(s, (size_t)(colon - s), UINT64_MAX, &major);
		if (!err)
			err = va_parse_u64(colon + 1, UINT64_MAX, &minor);
	} else {
		uint64_t v;

		/* stat prints no "0x", but a user pasting one means the same number. */
		if (s[0] == '0' && (s[1] | 0x20) == 'x')
			s += 2;
		err = parse_hex(s, &v);
		if (err)
			return err;
		/* glibc's gnu_dev_major/minor: the encoding stat's %D is printed in. */
		major = major(v);
		minor = minor(v);
	}
	if (err)
		return err;
	if (major > VA_DEV_MAJOR_MAX || minor > VA_DEV_MINOR_MAX)
		return -ERANGE;
	*dev = va_dev_make((uint32_t)major, (uint32_t)minor);
	return 0;
}

int va_parse_duration(const char *v, uint64_t *ns)
{
	static const struct {
		char unit;
		uint64_t ns;
	} units[] = { { 's', 1000000000ull },	    { 'm', 60000000000ull },
		      { 'h', 3600000000000ull },    { 'd', 86400000000000ull },
		      { 'w', 604800000000000ull } };
	char num[32];
	size_t n = strlen(v);
	uint64_t count;

	if (!strcmp(v, "0") || !strcasecmp(v, "forever")) {
		*ns = 0;
		return 0;
	}
	if (n < 2 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, v, n - 1);
	num[n - 1] = '\0';
	if (va_parse_u64(num, 1000000, &count) || !count)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v[n - 1] != units[i].unit)
			continue;
		/* Refuse what would wrap around 2^64 ns into a short one. */
		if (count > UINT64_MAX / units[i].ns)
			return -EINVAL;
		*ns = count * units[i].ns;
		return 0;
	}
	return -EINVAL;
}
