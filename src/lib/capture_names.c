// SPDX-License-Identifier: GPL-2.0-or-later
/* Backend names, apart from capture.c so that pure modules (config) need no libbpf. */
#include <errno.h>
#include <string.h>

#include "capture.h"

int va_backend_parse(const char *name, enum va_backend *out)
{
	static const char *const names[] = { "auto", "tracepoint", "lsm", "fanotify" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*out = (enum va_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *va_backend_name(enum va_backend b)
{
	switch (b) {
	case VA_BACKEND_TRACEPOINT:
		return "tracepoint";
	case VA_BACKEND_LSM:
		return "lsm";
	case VA_BACKEND_FANOTIFY:
		return "fanotify";
	default:
		return "auto";
	}
}
