// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Keys are typed or pasted by people and read from files an intruder may
 * have written: the verification key's text and the key file must be parsed
 * or refused, never misread. A parsed key must print back as it was read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char file[64];
	struct va_seal_key k, back;
	char *text = malloc(size + 1), printed[160];
	FILE *f;
	int ret;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!va_seal_parse_verification_key(text, &k)) {
		va_seal_verification_key(&k, printed, sizeof(printed));
		if (va_seal_parse_verification_key(printed, &back) ||
		    memcmp(back.key, k.key, sizeof(k.key)) || back.start_ns != k.start_ns ||
		    back.interval_ns != k.interval_ns)
			abort();
	}
	free(text);
	if (!file[0])
		snprintf(file, sizeof(file), "/tmp/fuzz-seal-key-%d", (int)getpid());
	f = fopen(file, "w");
	if (!f)
		return 0;
	/* A key file others may read is refused before it is parsed: this one is private. */
	if (fchmod(fileno(f), 0600)) {
		fclose(f);
		return 0;
	}
	fwrite(data, 1, size, f);
	fclose(f);
	ret = va_seal_key_load(file, &k);
	if (ret == -EPERM)
		abort(); /* the parser was never reached: the fuzzer would test nothing */
	if (!ret && !k.interval_ns)
		abort();
	return 0;
}
