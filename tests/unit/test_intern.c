// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The intern cache: what was put is found with its id; past its bound the
 * keys in use survive the turnover of generations while untouched ones go;
 * a key is matched on all its bytes, not its hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "intern.h"

static void key_of(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "/home/alice/projects/file-%u.c", i);
}

static void test_put_get(void **state)
{
	struct va_intern c;
	char k[64];

	(void)state;
	assert_int_equal(va_intern_init(&c, 100), 0);
	for (unsigned int i = 1; i <= 40; i++) {
		key_of(i, k, sizeof(k));
		assert_int_equal(va_intern_put(&c, k, strlen(k), i * 10), 0);
	}
	for (unsigned int i = 1; i <= 40; i++) {
		key_of(i, k, sizeof(k));
		assert_int_equal(va_intern_get(&c, k, strlen(k)), i * 10);
	}
	/* A prefix, or the same bytes plus one, is another key. */
	key_of(1, k, sizeof(k));
	assert_int_equal(va_intern_get(&c, k, strlen(k) - 1), 0);
	assert_int_equal(va_intern_get(&c, k, strlen(k) + 1), 0);
	/* Binary keys with NULs. */
	assert_int_equal(va_intern_put(&c, "a\0b", 3, 7), 0);
	assert_int_equal(va_intern_get(&c, "a\0b", 3), 7);
	assert_int_equal(va_intern_get(&c, "a\0c", 3), 0);
	va_intern_free(&c);
}

static void test_hot_keys_survive(void **state)
{
	struct va_intern c;
	char k[64];
	unsigned int kept = 0, misses = 0;

	(void)state;
	assert_int_equal(va_intern_init(&c, 100), 0);
	/* Ten hot keys used between every new one; 1000 cold keys stream past. */
	for (unsigned int i = 1; i <= 1000; i++) {
		key_of(100000 + i, k, sizeof(k));
		assert_int_equal(va_intern_put(&c, k, strlen(k), 100000 + i), 0);
		for (unsigned int h = 1; h <= 10; h++) {
			key_of(h, k, sizeof(k));
			if (va_intern_get(&c, k, strlen(k)) == 0) {
				misses++;
				assert_int_equal(va_intern_put(&c, k, strlen(k), h), 0);
			}
		}
	}
	for (unsigned int h = 1; h <= 10; h++) {
		key_of(h, k, sizeof(k));
		kept += va_intern_get(&c, k, strlen(k)) == h;
	}
	assert_int_equal(kept, 10);
	/* Only their first use missed: emptying the whole cache would miss them again and again. */
	assert_int_equal(misses, 10);
	/* The cold keys of long ago are gone: the cache stays bounded. */
	key_of(100001, k, sizeof(k));
	assert_int_equal(va_intern_get(&c, k, strlen(k)), 0);
	assert_true(c.young.len <= c.max && c.old.len <= c.max);
	va_intern_clear(&c);
	key_of(1, k, sizeof(k));
	assert_int_equal(va_intern_get(&c, k, strlen(k)), 0);
	va_intern_free(&c);
}

/*
 * Keys of every length from empty to past PATH_MAX, through many turnovers
 * of the generations (which reuse their arenas): each is found with its own
 * id while its generation lives, and an arena never holds more than a
 * generation's keys.
 */
static void test_keys_of_all_lengths(void **state)
{
	static char big[5000];
	struct va_intern c;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(va_intern_init(&c, 64), 0);
	for (int round = 0; round < 20; round++) {
		for (size_t len = round; len < sizeof(big); len += 97) {
			big[0] = (char)('A' + round);
			assert_int_equal(va_intern_put(&c, big, len, (int64_t)(len + 1)), 0);
			assert_int_equal(va_intern_get(&c, big, len), (int64_t)(len + 1));
			/* One byte less is another key, never this one's id. */
			if (len > 1)
				assert_int_not_equal(va_intern_get(&c, big, len - 1), (int64_t)(len + 1));
		}
		assert_true(c.young.arena_len <= c.max * (sizeof(uint32_t) + sizeof(big)));
	}
	assert_int_equal(va_intern_put(&c, "", 0, 5), 0);
	assert_int_equal(va_intern_get(&c, "", 0), 5);
	va_intern_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_hot_keys_survive),
		cmocka_unit_test(test_keys_of_all_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
