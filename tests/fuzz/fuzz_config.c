// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration file is input an administrator (or an attacker who can
 * write it) controls: any bytes must load or be refused with a message,
 * never crash, and a refusal must name a line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct va_config c;
	char err[512];
	FILE *f;
	int ret;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz-config-%d.conf", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	va_config_init(&c);
	err[0] = '\0';
	ret = va_config_load(&c, path, err, sizeof(err));
	if (ret && ret != -EINVAL && ret != -EIO)
		abort();
	/* A refusal names the file and a line. */
	if (ret == -EINVAL && strncmp(err, path, strlen(path)))
		abort();
	if (!ret && c.filter.n_paths > VA_FILTER_MAX_PREFIXES)
		abort();
	va_config_free(&c);
	return 0;
}
