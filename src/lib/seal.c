// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "chain.h"
#include "seal.h"

static const char evolve_tag[] = "vfsaudit-evolve-v1";
static const char seal_tag[] = "vfsaudit-seal-v1";
static const char file_magic[] = "vfsaudit-seal-key";
static const char id_tag[] = "vfsaudit-key-id-v1";

/* The id of an epoch-0 key: SHA-256 of the key, its start and interval, first 8 bytes. */
static uint64_t key_id_of(const struct va_seal_key *k0)
{
	uint8_t msg[sizeof(id_tag) + VA_SEAL_KEY_LEN + 16], *p = msg, md[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	uint64_t id = 0;

	memcpy(p, id_tag, sizeof(id_tag));
	p += sizeof(id_tag);
	memcpy(p, k0->key, VA_SEAL_KEY_LEN);
	p += VA_SEAL_KEY_LEN;
	p = va_put_be64(p, k0->start_ns);
	p = va_put_be64(p, k0->interval_ns);
	sha256_init(&ctx);
	sha256_update(&ctx, (size_t)(p - msg), msg);
	sha256_digest(&ctx, sizeof(md), md);
	for (int i = 0; i < 8; i++)
		id = id << 8 | md[i];
	explicit_bzero(msg, sizeof(msg));
	/* Stored as SQLite's signed integer: keep it positive. */
	return id >> 1;
}

uint64_t va_seal_epoch_of(const struct va_seal_key *k, uint64_t ts_ns)
{
	if (ts_ns < k->start_ns || !k->interval_ns)
		return 0;
	return (ts_ns - k->start_ns) / k->interval_ns;
}

void va_seal_advance(struct va_seal_key *k, uint64_t epoch)
{
	uint8_t next[VA_SEAL_KEY_LEN];

	while (k->epoch < epoch) {
		struct sha256_ctx ctx;

		/* SHA-256 is one-way: key e+1 tells nothing about key e. */
		sha256_init(&ctx);
		sha256_update(&ctx, sizeof(evolve_tag), (const uint8_t *)evolve_tag);
		sha256_update(&ctx, sizeof(k->key), k->key);
		sha256_digest(&ctx, sizeof(next), next);
		explicit_bzero(&ctx, sizeof(ctx));
		memcpy(k->key, next, sizeof(k->key));
		k->epoch++;
	}
	explicit_bzero(next, sizeof(next));
}

int va_seal_mac(const struct va_seal_key *k, uint64_t seq, uint64_t ts_ns, const uint8_t head[32],
		uint8_t mac[VA_SEAL_MAC_LEN])
{
	uint8_t msg[sizeof(seal_tag) + 3 * 8 + VA_HASH_LEN], *p = msg;
	struct hmac_sha256_ctx ctx;

	memcpy(p, seal_tag, sizeof(seal_tag));
	p += sizeof(seal_tag);
	p = va_put_be64(p, seq);
	p = va_put_be64(p, ts_ns);
	p = va_put_be64(p, k->epoch);
	memcpy(p, head, VA_HASH_LEN);
	p += VA_HASH_LEN;
	_Static_assert(VA_SEAL_MAC_LEN == SHA256_DIGEST_SIZE, "a seal is one HMAC-SHA256");
	hmac_sha256_set_key(&ctx, sizeof(k->key), k->key);
	hmac_sha256_update(&ctx, (size_t)(p - msg), msg);
	hmac_sha256_digest(&ctx, VA_SEAL_MAC_LEN, mac);
	/* The context holds the key's inner and outer states. */
	explicit_bzero(&ctx, sizeof(ctx));
	return 0;
}

int va_seal_key_new(struct va_seal_key *k, uint64_t start_ns, uint64_t interval_ns)
{
	memset(k, 0, sizeof(*k));
	if (getrandom(k->key, sizeof(k->key), 0) != (ssize_t)sizeof(k->key))
		return -errno ? -errno : -EIO;
	k->start_ns = start_ns;
	k->interval_ns = interval_ns;
	k->key_id = key_id_of(k);
	return 0;
}

void va_seal_key_wipe(struct va_seal_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

int va_seal_key_load(const char *file, struct va_seal_key *k)
{
	char line[256], hex[2 * VA_SEAL_KEY_LEN + 2], magic[32];
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), version;
	struct stat st;
	ssize_t n;
	int ret = -EINVAL;

	if (fd < 0)
		return -errno;
	/*
	 * Whoever can read the key can forge seals, and whoever can write it
	 * can make the daemon seal with a key they know: as ssh does with its
	 * private keys, refuse one another user owns or others may touch.
	 */
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	line[n] = '\0';
	memset(k, 0, sizeof(*k));
	if (sscanf(line, "%31s %d %" SCNu64 " %" SCNu64 " %" SCNu64 " %65s %" SCNu64, magic,
		   &version, &k->epoch, &k->start_ns, &k->interval_ns, hex, &k->key_id) >= 6 &&
	    !strcmp(magic, file_magic) && (version == 1 || version == 2) && k->interval_ns &&
	    !va_unhex(hex, k->key, sizeof(k->key)))
		ret = 0;
	if (version == 1)
		k->key_id = 0; /* made before key ids: its seals carry 0 */
	explicit_bzero(line, sizeof(line));
	explicit_bzero(hex, sizeof(hex));
	if (ret)
		va_seal_key_wipe(k);
	return ret;
}

int va_seal_key_save(const char *file, const struct va_seal_key *k)
{
	char tmp[PATH_MAX], hex[2 * VA_SEAL_KEY_LEN + 1], line[256];
	int fd, len, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", file) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	va_hex(k->key, sizeof(k->key), hex);
	len = snprintf(line, sizeof(line),
		       "%s 2 %" PRIu64 " %" PRIu64 " %" PRIu64 " %s %" PRIu64 "\n", file_magic,
		       k->epoch, k->start_ns, k->interval_ns, hex, k->key_id);
	if (write(fd, line, (size_t)len) != len || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	explicit_bzero(line, sizeof(line));
	explicit_bzero(hex, sizeof(hex));
	/*
	 * rename() replaces the file whole. The old key's blocks may linger on
	 * the disk until reused: docs/TAMPER.md says what that means.
	 */
	if (!ret && rename(tmp, file))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

void va_seal_verification_key(const struct va_seal_key *k0, char *buf, size_t len)
{
	char hex[2 * VA_SEAL_KEY_LEN + 1];

	va_hex(k0->key, sizeof(k0->key), hex);
	snprintf(buf, len, "%s/%" PRIu64 "/%" PRIu64, hex, k0->start_ns, k0->interval_ns);
	explicit_bzero(hex, sizeof(hex));
}

int va_seal_parse_verification_key(const char *s, struct va_seal_key *k0)
{
	char hex[2 * VA_SEAL_KEY_LEN + 1];
	const char *slash = strchr(s, '/');
	char *end;

	memset(k0, 0, sizeof(*k0));
	if (!slash || (size_t)(slash - s) != 2 * VA_SEAL_KEY_LEN)
		return -EINVAL;
	memcpy(hex, s, 2 * VA_SEAL_KEY_LEN);
	hex[2 * VA_SEAL_KEY_LEN] = '\0';
	if (va_unhex(hex, k0->key, sizeof(k0->key)))
		return -EINVAL;
	errno = 0;
	k0->start_ns = strtoull(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end != '/')
		return -EINVAL;
	k0->interval_ns = strtoull(end + 1, &end, 10);
	if (errno || *end || !k0->interval_ns)
		return -EINVAL;
	k0->key_id = key_id_of(k0);
	return 0;
}
