// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tamper evidence: a store written and sealed by the real writer verifies
 * clean, with and without the verification key; each kind of tampering
 * (a changed path or field, a deleted, inserted or swapped row, a record cut
 * short after its last seal, a replaced seal, old records removed by hand,
 * a re-seal with a later key) is caught and the first bad record named; a
 * week of one-minute epochs verifies clean. The digests themselves are
 * pinned by known answers, so that no change of library or encoding can
 * leave the stores already written unverifiable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "chain.h"
#include "record.h"
#include "seal.h"
#include "store.h"
#include "store_writer.h"
#include "verify.h"

#define SEC 1000000000ull

struct ctx {
	char dir[64], file[128], key_file[160], copy[160];
	struct va_seal_key k0;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct va_event make_event(uint64_t ts, unsigned int i)
{
	static const char *const paths[] = { "/etc/hosts", "/var/log/syslog",
					     "/home/alice/notes.txt", "/etc/passwd" };
	const char *p = paths[i % 4];
	struct va_event ev = {
		.ts_ns = ts,
		.op = VA_OP_WRITE,
		.pid = 4000 + i % 7,
		.tid = 4000 + i % 7,
		.ppid = 1,
		.uid = 1000,
		.euid = 1000,
		.gid = 1000,
		.auid = 1000,
		.ses = 2,
		.count = 1,
		.bytes = i,
		.has_dev = true,
		.dev_major = 8,
		.dev_minor = 1,
		.has_ino = true,
		.ino = 100 + i % 4,
		.ftype = VA_FTYPE_FILE,
		.size = -1,
		.owner_uid = -1,
		.owner_gid = -1,
		.exe = { "/usr/bin/bash", 13 },
		.path = { p, strlen(p) },
	};
	snprintf(ev.comm, sizeof(ev.comm), "bash");
	return ev;
}

/* A store of 60 events over about 2.5 s, sealed by the writer every second and at stop. */
static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct va_seal_key k;
	struct va_writer *w;
	struct va_store *s;
	char err[512];

	if (!c)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/va-verify.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->file, sizeof(c->file), "%s/audit.db", c->dir);
	snprintf(c->key_file, sizeof(c->key_file), "%s.key", c->file);
	snprintf(c->copy, sizeof(c->copy), "%s/copy.db", c->dir);
	if (va_seal_key_new(&c->k0, now_ns() - 2 * SEC, SEC) ||
	    va_seal_key_save(c->key_file, &c->k0))
		return -1;
	if (va_store_open(&s, c->file, VA_STORE_WRITE, err, sizeof(err)) ||
	    va_writer_start(&w, s, 0, 0) || va_writer_seal(w, c->key_file, NULL, NULL))
		return -1;
	va_writer_push_mark(w, VA_MARK_START, now_ns(), "tracepoint");
	for (unsigned int i = 0; i < 60; i++) {
		struct va_event ev = make_event(now_ns(), i);

		va_writer_push(w, &ev);
		if (i % 10 == 9)
			sleep_ms(420);
	}
	va_writer_push_mark(w, VA_MARK_STOP, now_ns(), NULL);
	if (va_writer_stop(w))
		return -1;
	va_store_close(s);
	/* The key on disk moved on: epoch 0's is gone from the machine. */
	if (va_seal_key_load(c->key_file, &k) || k.epoch == 0 ||
	    !memcmp(k.key, c->k0.key, sizeof(k.key)))
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", c->dir);
	free(c);
	return 0;
}

static int64_t sql_int(const char *file, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void verify_file(const char *file, const struct va_seal_key *k0, struct va_verify_result *r)
{
	struct va_store *s;
	char err[512];

	assert_int_equal(va_store_open(&s, file, 0, err, sizeof(err)), 0);
	assert_int_equal(va_verify(s, k0, k0 ? 1 : 0, r), 0);
	va_store_close(s);
}

/* Copy the store, run @sql on the copy behind the store's back, verify it. */
static void tamper(struct ctx *c, const char *sql, bool keyed, struct va_verify_result *r)
{
	char cmd[512];
	sqlite3 *db;

	snprintf(cmd, sizeof(cmd), "rm -f '%s'* && cp '%s' '%s'", c->copy, c->file, c->copy);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(c->copy, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	verify_file(c->copy, keyed ? &c->k0 : NULL, r);
}

static void test_clean(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	verify_file(c->file, &c->k0, &r);
	assert_true(r.intact);
	assert_true(r.keyed);
	assert_int_equal(r.records, 62);
	assert_int_equal(r.first_seq, 1);
	assert_int_equal(r.last_seq, 62);
	assert_true(r.seals >= 2);
	/* The clean stop sealed everything. */
	assert_int_equal(r.last_seal_seq, 62);
	assert_int_equal(r.unsealed, 0);

	verify_file(c->file, NULL, &r);
	assert_true(r.intact);
	assert_false(r.keyed);
}

/*
 * Rows keep 31 bits of their link (4 bytes in SQLite); rows written by
 * format 2 kept 64, and verify takes either form, and only those.
 */
static void test_short_links(void **state)
{
	struct ctx *c = *state;
	uint8_t head[VA_HASH_LEN];
	int64_t s31, s64;

	assert_int_equal(sql_int(c->file, "SELECT count(*) FROM events"
					  " WHERE link < 0 OR link >= 2147483648"),
			 0);
	for (int i = 0; i < VA_HASH_LEN; i++)
		head[i] = (uint8_t)(0xf1 + 37 * i);
	s31 = va_chain_short(head);
	s64 = va_chain_short64(head);
	assert_true(s31 >= 0 && s31 < (1ll << 31));
	assert_int_equal((uint64_t)s64 >> 33, (uint64_t)s31);
	assert_true(va_chain_short_match(head, s31));
	assert_true(va_chain_short_match(head, s64));
	assert_false(va_chain_short_match(head, s31 ^ 1));
	assert_false(va_chain_short_match(head, s64 ^ 1));
	assert_false(va_chain_short_match(head, s31 << 1));
}

/*
 * Keys set up on a store in use: the records from before the key cannot have
 * been sealed in time. They are noted, covered by the first seal, not
 * reported as rewritten; one older record slipped in after that first seal is.
 */
static void test_records_before_key(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;
	struct va_seal_key k;
	struct va_writer *w;
	struct va_store *s;
	char dir[96], file[128], key_file[160], err[512];
	uint64_t t0 = now_ns() - 3600 * SEC;

	snprintf(dir, sizeof(dir), "%s/prekey", c->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/audit.db", dir);
	snprintf(key_file, sizeof(key_file), "%s.key", file);
	/* An hour of records, unsealed. */
	assert_int_equal(va_store_open(&s, file, VA_STORE_WRITE, err, sizeof(err)), 0);
	assert_int_equal(va_writer_start(&w, s, 0, 0), 0);
	for (unsigned int i = 0; i < 20; i++) {
		struct va_event ev = make_event(t0 + i * 60 * SEC, i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_stop(w), 0);
	/* Then setup-keys, and a restart that seals. */
	assert_int_equal(va_seal_key_new(&k, now_ns() - SEC, SEC), 0);
	assert_int_equal(va_seal_key_save(key_file, &k), 0);
	assert_int_equal(va_writer_start(&w, s, 0, 0), 0);
	assert_int_equal(va_writer_seal(w, key_file, NULL, NULL), 0);
	for (unsigned int i = 0; i < 5; i++) {
		struct va_event ev = make_event(now_ns(), i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(va_verify(s, &k, 1, &r), 0);
	if (!r.intact)
		fail_msg("%s", r.problem);
	assert_int_equal(r.records, 25);
	assert_int_equal(r.before_key, 20);

	/* A record dated before the key, stored after the first seal: rewritten. */
	assert_int_equal(va_writer_start(&w, s, 0, 0), 0);
	assert_int_equal(va_writer_seal(w, key_file, NULL, NULL), 0);
	{
		struct va_event ev = make_event(t0, 0);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_stop(w), 0);
	assert_int_equal(va_verify(s, &k, 1, &r), 0);
	assert_false(r.intact);
	va_store_close(s);
}

static void test_changed_path(void **state)
{
	struct ctx *c = *state;
	int64_t first =
		sql_int(c->file, "SELECT min(e.id) FROM events e JOIN paths p"
				 " ON p.id = e.path WHERE p.path = CAST('/etc/passwd' AS BLOB)");
	struct va_verify_result r;

	tamper(c,
	       "UPDATE paths SET path = CAST('/etc/shadow' AS BLOB)"
	       " WHERE path = CAST('/etc/passwd' AS BLOB)",
	       true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, first);
	assert_non_null(strstr(r.problem, "was changed, inserted or moved"));
}

static void test_changed_field(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	tamper(c, "UPDATE events SET bytes = bytes + 1 WHERE id = 17", false, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 17);
	assert_int_not_equal(r.bad_ts, 0);
	tamper(c, "UPDATE procs SET uid = 0", true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 2); /* the first event; seq 1 is the start mark */
}

/*
 * A damaged index page: every record still verifies through the tables,
 * but history reads the index. verify runs SQLite's structure check too.
 */
static void test_damaged_index(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;
	char cmd[512];
	unsigned char junk = 0xff;
	int64_t page = sql_int(c->file, "SELECT rootpage FROM sqlite_master"
					" WHERE name = 'path_index'");
	int64_t page_size = sql_int(c->file, "PRAGMA page_size");
	int fd;

	assert_true(page > 1 && page_size >= 512);
	snprintf(cmd, sizeof(cmd), "rm -f '%s'* && cp '%s' '%s'", c->copy, c->file, c->copy);
	assert_int_equal(system(cmd), 0);
	fd = open(c->copy, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &junk, 1, (off_t)((page - 1) * page_size)), 1);
	close(fd);
	verify_file(c->copy, &c->k0, &r);
	assert_false(r.intact);
	assert_non_null(strstr(r.problem, "damaged"));
}

/*
 * The paths index is how history finds a path's records: a row of it
 * deleted, changed or added hides records or shows others, while every
 * record still matches the chain.
 */
static void test_index_altered(void **state)
{
	struct ctx *c = *state;
	static const struct {
		const char *sql;
		int64_t bad_seq;
	} cases[] = {
		{ "DELETE FROM path_index WHERE id = 20", 20 },
		{ "UPDATE path_index SET path = path + 1 WHERE id = 20", 20 },
		{ "UPDATE path_index SET obj = obj + 1 WHERE id = 20", 20 },
		/* Past the last record, in its slice. */
		{ "INSERT INTO path_index SELECT slice, path, obj, 5000 FROM path_index"
		  " WHERE id = 20",
		  5000 },
		/* Record 1 is the start mark: it has no path. */
		{ "INSERT INTO path_index SELECT slice, path, obj, 1 FROM path_index"
		  " WHERE id = 20",
		  1 },
		/* In a slice that holds no record: only the count can tell. */
		{ "INSERT INTO path_index VALUES(7, 1, 0, 7 << 18)", 0 },
		/* A row that is no seq must not stop the check before what follows. */
		{ "INSERT INTO path_index VALUES(0, 1, 0, 0); DELETE FROM path_index WHERE id = 20",
		  0 },
		{ "INSERT INTO path_index VALUES(0, 1, 0, -5)", 0 },
		/* Values history's join never matches with the record's integers. */
		{ "UPDATE path_index SET path = path + 0.5 WHERE id = 20", 20 },
		{ "UPDATE path_index SET id = id + 0.5 WHERE id = 20", 20 },
		{ "UPDATE path_index SET path = CAST(CAST(path AS TEXT) AS BLOB) WHERE id = 20", 20 },
		/* Format 4 without it: history would fall back, the writer make it anew, empty. */
		{ "DROP TABLE path_index", 2 },
	};
	struct va_verify_result r;

	assert_int_equal(sql_int(c->file, "SELECT path IS NOT NULL FROM events WHERE id = 20"), 1);
	assert_int_equal(sql_int(c->file, "SELECT path IS NULL FROM events WHERE id = 1"), 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tamper(c, cases[i].sql, true, &r);
		if (r.intact)
			fail_msg("not found: %s", cases[i].sql);
		assert_false(r.damaged);
		assert_int_equal(r.bad_seq, cases[i].bad_seq);
		assert_non_null(strstr(r.problem, "paths index"));
	}
}

static void test_deleted_row(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	tamper(c, "DELETE FROM events WHERE id = 20", true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 20);
	assert_non_null(strstr(r.problem, "missing"));
}

static void test_inserted_row(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	/* Make room at 30 and put a copy of 29 there, link and all. */
	tamper(c,
	       "UPDATE events SET id = -id WHERE id >= 30; UPDATE events SET id = 1 - id WHERE id "
	       "< 0;"
	       "UPDATE extra SET id = id + 1 WHERE id >= 30;"
	       "INSERT INTO events SELECT 30, ts, op, path, proc, obj, ret, count, bytes, flags,"
	       " link FROM events WHERE id = 29",
	       true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 30);
}

static void test_swapped_rows(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	tamper(c,
	       "UPDATE events SET id = -1 WHERE id = 40; UPDATE events SET id = 40 WHERE id = 41;"
	       " UPDATE events SET id = 41 WHERE id = -1",
	       true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 40);
}

static void test_cut_short(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	/* The last records and their checkpoints: the last seal still covers them. */
	tamper(c, "DELETE FROM events WHERE id > 58; DELETE FROM chain WHERE id > 58", true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 59);
	assert_non_null(strstr(r.problem, "cut short after its last seal"));
	/* And the last seal with them: the checkpoints still tell. */
	tamper(c, "DELETE FROM events WHERE id > 58; DELETE FROM seals WHERE seq > 58", true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 59);
}

static void test_replaced_seal(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;
	int64_t seq = sql_int(c->file, "SELECT seq FROM seals ORDER BY id LIMIT 1");

	tamper(c, "UPDATE seals SET mac = randomblob(32) WHERE id = 1", true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, seq);
	assert_non_null(strstr(r.problem, "not authentic"));
	/* Without the key a MAC cannot be judged: said so, not claimed. */
	tamper(c, "UPDATE seals SET mac = randomblob(32) WHERE id = 1", false, &r);
	assert_true(r.intact);
	assert_false(r.keyed);
	/* A seal over another head fails either way. */
	tamper(c, "UPDATE seals SET head = randomblob(32) WHERE id = 1", false, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, seq);
}

/* setup-keys --force: seals under two keys; verify needs both, and says so. */
static void test_rekeyed(void **state)
{
	struct ctx *c = *state;
	struct va_seal_key k1, both[2], bad;
	struct va_verify_result r;
	struct va_writer *w;
	struct va_store *s;
	char cmd[512], err[512], key2[200];

	snprintf(cmd, sizeof(cmd), "rm -f '%s'* && cp '%s' '%s'", c->copy, c->file, c->copy);
	assert_int_equal(system(cmd), 0);
	snprintf(key2, sizeof(key2), "%s.key2", c->copy);
	assert_int_equal(va_seal_key_new(&k1, now_ns() - SEC, SEC), 0);
	assert_int_equal(va_seal_key_save(key2, &k1), 0);
	assert_int_equal(va_store_open(&s, c->copy, VA_STORE_WRITE, err, sizeof(err)), 0);
	assert_int_equal(va_writer_start(&w, s, 0, 0), 0);
	assert_int_equal(va_writer_seal(w, key2, NULL, NULL), 0);
	for (unsigned int i = 0; i < 5; i++) {
		struct va_event ev = make_event(now_ns(), i);

		assert_int_equal(va_writer_push(w, &ev), 0);
	}
	assert_int_equal(va_writer_stop(w), 0);
	va_store_close(s);

	verify_file(c->copy, &c->k0, &r);
	assert_false(r.intact);
	assert_non_null(strstr(r.problem, "key none of the verification keys"));
	both[0] = c->k0;
	both[1] = k1;
	{
		struct va_store *ro;

		assert_int_equal(va_store_open(&ro, c->copy, 0, err, sizeof(err)), 0);
		assert_int_equal(va_verify(ro, both, 2, &r), 0);
		va_store_close(ro);
	}
	assert_true(r.intact);
	assert_int_equal(r.last_seq, 67);
	/* The right key with another start is another key. */
	bad = c->k0;
	bad.start_ns += 1;
	va_seal_verification_key(&bad, key2, sizeof(key2));
	assert_int_equal(va_seal_parse_verification_key(key2, &bad), 0);
	verify_file(c->file, &bad, &r);
	assert_false(r.intact);
	va_seal_key_wipe(&k1);
}

/* The day counts `report` reads are checked against the records too. */
static void test_changed_summaries(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	tamper(c,
	       "UPDATE by_path SET n = n + 1 WHERE (day, path) IN (SELECT day, path FROM by_path "
	       "LIMIT 1)",
	       true, &r);
	assert_false(r.intact);
	assert_non_null(strstr(r.problem, "by_path"));
	tamper(c, "DELETE FROM by_proc", true, &r);
	assert_false(r.intact);
	assert_non_null(strstr(r.problem, "by_proc"));
	tamper(c, "UPDATE days SET first_id = first_id + 5", false, &r);
	assert_false(r.intact);
	assert_non_null(strstr(r.problem, "days"));
}

static void test_prefix_deleted(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;

	tamper(c, "DELETE FROM events WHERE id <= 10", true, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 10);
}

static void test_retention_verifies(void **state)
{
	struct ctx *c = *state;
	struct va_verify_result r;
	struct va_store *s;
	char cmd[512], err[512];

	snprintf(cmd, sizeof(cmd), "rm -f '%s'* && cp '%s' '%s'", c->copy, c->file, c->copy);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(va_store_open(&s, c->copy, VA_STORE_WRITE, err, sizeof(err)), 0);
	assert_true(va_store_prune(s, now_ns() + SEC, 20) > 0);
	va_store_close(s);
	verify_file(c->copy, &c->k0, &r);
	assert_true(r.intact);
	assert_true(r.first_seq > 1);
	/* The retention record is the only thing not sealed yet. */
	assert_int_equal(r.unsealed, 1);
}

/*
 * A week of one-minute epochs, one record and one seal each, written the way
 * the writer does (key evolved to the epoch, seal in the record's batch).
 */
/*
 * Retention in steps: each pass removes a few records, so records of
 * several old days are kept for a while. The summaries of every day whose
 * records are kept stay whole, and the store verifies after every pass.
 */
static void test_retention_in_steps(void **state)
{
	struct ctx *c = *state;
	uint64_t base = now_ns() / (86400 * SEC) * (86400 * SEC) - 6 * 86400 * SEC;
	struct va_verify_result r;
	struct va_store *s;
	char file[200], err[512];
	int passes = 0, ret;

	snprintf(file, sizeof(file), "%s/steps.db", c->dir);
	assert_int_equal(va_store_open(&s, file, VA_STORE_WRITE, err, sizeof(err)), 0);
	for (unsigned int d = 0; d < 5; d++) {
		for (unsigned int i = 0; i < 40; i++) {
			struct va_event ev = make_event(base + d * 86400 * SEC + i * 60 * SEC, i);

			if (i % 10 == 0)
				assert_int_equal(va_store_begin(s), 0);
			assert_int_equal(va_store_add(s, &ev), 0);
			if (i % 10 == 9)
				assert_int_equal(va_store_commit(s), 0);
		}
	}
	while ((ret = va_store_prune(s, base + 3 * 86400 * SEC, 15)) > 0) {
		passes++;
		assert_int_equal(va_verify(s, NULL, 0, &r), 0);
		if (!r.intact)
			fail_msg("after pass %d: %s", passes, r.problem);
	}
	assert_int_equal(ret, 0);
	/* 120 records of three days, 10 or 20 a pass. */
	assert_true(passes >= 6);
	assert_int_equal(sql_int(file, "SELECT count(*) FROM events WHERE op < 100"), 80);
	assert_int_equal(sql_int(file, "SELECT min(day) FROM days"),
			 (int64_t)(base / (86400 * SEC)) + 3);
	va_store_close(s);
}

/*
 * Retention where a record kept is older than one removed (times a little
 * out of arrival order): the store still verifies.
 */
static void test_retention_disorder_verifies(void **state)
{
	struct ctx *c = *state;
	const uint64_t H = 3600 * SEC;
	uint64_t base = now_ns() / (86400 * SEC) * (86400 * SEC) - 6 * 86400 * SEC;
	struct va_event e1 = make_event(base + 11 * H, 0);
	struct va_event e2 = make_event(base + 10 * H + 59 * 60 * SEC, 1);
	struct va_event e3 = make_event(base + 11 * H + 300 * SEC, 2);
	struct va_verify_result r;
	struct va_store *s;
	char file[200], err[512];

	snprintf(file, sizeof(file), "%s/disorder.db", c->dir);
	assert_int_equal(va_store_open(&s, file, VA_STORE_WRITE, err, sizeof(err)), 0);
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &e1), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_int_equal(va_store_begin(s), 0);
	assert_int_equal(va_store_add(s, &e2), 0);
	assert_int_equal(va_store_add(s, &e3), 0);
	assert_int_equal(va_store_commit(s), 0);
	assert_true(va_store_prune(s, base + 11 * H + SEC, 5000) > 0);
	assert_int_equal(va_verify(s, NULL, 0, &r), 0);
	if (!r.intact)
		fail_msg("%s", r.problem);
	va_store_close(s);
}

static void test_week_of_epochs(void **state)
{
	struct ctx *c = *state;
	const uint64_t minute = 60 * SEC, epochs = 7 * 24 * 60;
	uint64_t start = now_ns() - epochs * minute - minute, seq;
	struct va_seal_key k0, k, late;
	struct va_verify_result r;
	uint8_t head[32], mac[32];
	struct va_store *s;
	char file[200], err[512];
	sqlite3 *db;

	snprintf(file, sizeof(file), "%s/week.db", c->dir);
	assert_int_equal(va_seal_key_new(&k0, start, minute), 0);
	k = k0;
	assert_int_equal(va_store_open(&s, file, VA_STORE_WRITE, err, sizeof(err)), 0);
	for (uint64_t e = 0; e < epochs; e++) {
		struct va_event ev = make_event(start + e * minute + SEC, (unsigned int)e);

		assert_int_equal(va_store_begin(s), 0);
		assert_int_equal(va_store_add(s, &ev), 0);
		va_seal_advance(&k, e);
		va_store_head(s, &seq, head);
		assert_int_equal(va_seal_mac(&k, seq, ev.ts_ns + SEC, head, mac), 0);
		assert_int_equal(
			va_store_seal(s, ev.ts_ns + SEC, k.epoch, k.key_id, mac, sizeof(mac)), 0);
		assert_int_equal(va_store_commit(s), 0);
	}
	va_store_close(s);
	verify_file(file, &k0, &r);
	assert_true(r.intact);
	assert_int_equal(r.records, epochs);
	assert_int_equal(r.seals, epochs);
	assert_int_equal(r.last_seal_epoch, epochs - 1);

	/*
	 * Root at the end of the week holds the last key only: a mid-week seal
	 * made again with it is caught.
	 */
	late = k;
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	{
		sqlite3_stmt *st;
		uint64_t ts;

		assert_int_equal(sqlite3_prepare_v2(db,
						    "SELECT ts, head FROM seals WHERE id = 5000",
						    -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		ts = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(head, sqlite3_column_blob(st, 1), 32);
		sqlite3_finalize(st);
		assert_int_equal(va_seal_mac(&late, 5000, ts, head, mac), 0);
		/* Its epoch stays: a later epoch would be out of order, and too late for its time.
		 */
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE seals SET mac = ? WHERE id = 5000",
						    -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_blob(st, 1, mac, 32, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	verify_file(file, &k0, &r);
	assert_false(r.intact);
	assert_int_equal(r.bad_seq, 5000);
	va_seal_key_wipe(&k);
	va_seal_key_wipe(&late);
}

/* A key others may read, or another user owns, could be forged with: refused. */
static void test_key_file_must_be_private(void **state)
{
	char dir[] = "/tmp/vfsaudit-key.XXXXXX", file[64];
	struct va_seal_key k, got;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/k", dir);
	assert_int_equal(va_seal_key_new(&k, 1, SEC), 0);
	assert_int_equal(va_seal_key_save(file, &k), 0);
	assert_int_equal(va_seal_key_load(file, &got), 0);
	assert_int_equal(chmod(file, 0640), 0);
	assert_int_equal(va_seal_key_load(file, &got), -EPERM);
	assert_int_equal(chmod(file, 0604), 0);
	assert_int_equal(va_seal_key_load(file, &got), -EPERM);
	assert_int_equal(chmod(file, 0400), 0);
	assert_int_equal(va_seal_key_load(file, &got), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(file, 65534, 65534), 0);
		assert_int_equal(va_seal_key_load(file, &got), -EPERM);
	}
	unlink(file);
	rmdir(dir);
}

static void test_verification_key_text(void **state)
{
	struct ctx *c = *state;
	struct va_seal_key back;
	char text[160];

	va_seal_verification_key(&c->k0, text, sizeof(text));
	assert_int_equal(va_seal_parse_verification_key(text, &back), 0);
	assert_memory_equal(back.key, c->k0.key, sizeof(back.key));
	assert_int_equal(back.start_ns, c->k0.start_ns);
	assert_int_equal(back.interval_ns, c->k0.interval_ns);
	assert_int_equal(va_seal_parse_verification_key("abc/1/2", &back), -EINVAL);
	text[5] = 'x';
	assert_int_equal(va_seal_parse_verification_key(text, &back), -EINVAL);
}

static void assert_hex(const uint8_t digest[32], const char *want)
{
	char got[65];

	va_hex(digest, 32, got);
	assert_string_equal(got, want);
}

/*
 * Known answers, computed by the OpenSSL build this project used before and
 * checked with Python's hashlib and hmac where the input is plain (the
 * genesis, the key evolution, the seal): the store format's digests.
 */
static void test_known_answers(void **state)
{
	struct va_chain c;
	struct va_record r;
	struct va_event ev = {
		.op = VA_OP_RENAME, .pid = 4242, .tid = 4243, .ppid = 1, .uid = 1000,
		.euid = 1000, .gid = 100, .auid = 1000, .ses = 3,
		.ts_ns = 1795000000123456789ull, .has_dev = true, .dev_major = 8,
		.dev_minor = 1, .has_ino = true, .ino = 131073, .ftype = VA_FTYPE_FILE,
		.size = -1, .owner_uid = -1, .owner_gid = -1, .comm = "vim",
		.exe = { "/usr/bin/vim.basic", 18 }, .path = { "/etc/.hosts.swp", 15 },
		.path2 = { "/etc/hosts", 10 },
	};
	struct va_seal_key k = { .start_ns = 1795000000000000000ull,
				 .interval_ns = 60000000000ull };
	uint8_t mac[VA_SEAL_MAC_LEN];

	(void)state;
	assert_int_equal(va_chain_init(&c, "kat-store"), 0);
	assert_hex(c.head, "8d14e8b74d38aa3ac03b2d40cd57a88ad0192b49ec16b493789833a310d7c3a0");
	va_record_from_event(&r, &ev);
	r.v[VA_REC_SEQ] = (struct va_val){ .type = VA_VAL_INT, .i = 1 };
	assert_int_equal(va_chain_add(&c, &r), 0);
	assert_hex(c.head, "e7a41afd3aeffb2d251f81c9d9a28c46431e3f313c400a9f87a060c742b07f8a");
	for (int i = 0; i < VA_SEAL_KEY_LEN; i++)
		k.key[i] = (uint8_t)i;
	va_seal_advance(&k, 3);
	assert_hex(k.key, "d8bdfccc6aa867d2d3170652d9428bead2e4f3860d2ec4826d0ea2f4fc3b6068");
	assert_int_equal(va_seal_mac(&k, 1, 1795000200000000000ull, c.head, mac), 0);
	assert_hex(mac, "c835bec6143a0f5793ef1ea9f77e400bc9000b9f00cff27512c965f8dd67167d");
	va_chain_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_short_links),
		cmocka_unit_test(test_records_before_key),
		cmocka_unit_test(test_changed_path),
		cmocka_unit_test(test_changed_field),
		cmocka_unit_test(test_index_altered),
		cmocka_unit_test(test_deleted_row),
		cmocka_unit_test(test_damaged_index),
		cmocka_unit_test(test_inserted_row),
		cmocka_unit_test(test_swapped_rows),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_replaced_seal),
		cmocka_unit_test(test_changed_summaries),
		cmocka_unit_test(test_rekeyed),
		cmocka_unit_test(test_prefix_deleted),
		cmocka_unit_test(test_retention_verifies),
		cmocka_unit_test(test_retention_in_steps),
		cmocka_unit_test(test_retention_disorder_verifies),
		cmocka_unit_test(test_week_of_epochs),
		cmocka_unit_test(test_key_file_must_be_private),
		cmocka_unit_test(test_verification_key_text),
		cmocka_unit_test(test_known_answers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
