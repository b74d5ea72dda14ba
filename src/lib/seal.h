/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Forward-secure seals (docs/TAMPER.md). Time is cut into epochs of a fixed
 * interval from a start time. Epoch 0's key is random; each next key is a
 * one-way hash of the one before, which is then erased. A seal is an HMAC,
 * under the key of its epoch, of the chain head at a record. Whoever holds
 * epoch 0's key (the verification key, kept off the machine) can check every
 * seal; whoever takes the machine at epoch e holds only key e, and cannot
 * forge a seal of an earlier epoch.
 */
#ifndef VA_SEAL_H
#define VA_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define VA_SEAL_KEY_LEN		    32
#define VA_SEAL_MAC_LEN		    32
#define VA_SEAL_INTERVAL_DEFAULT_NS (60ull * 1000000000ull)

struct va_seal_key {
	uint8_t key[VA_SEAL_KEY_LEN]; /* the key of @epoch */
	uint64_t epoch;
	uint64_t start_ns;    /* when epoch 0 began */
	uint64_t interval_ns; /* length of an epoch */
	/*
	 * Names the key without giving it away: a hash of epoch 0's key with
	 * its start and interval. Every seal carries it, so that verify picks
	 * the right verification key, and a key with another start or interval
	 * is not taken for this one.
	 */
	uint64_t key_id;
};

/* Verification keys one verify run takes (a store re-keyed with setup-keys --force has two). */
#define VA_SEAL_MAX_KEYS 8

/* Returns: the epoch @ts_ns falls in (0 before the start). */
uint64_t va_seal_epoch_of(const struct va_seal_key *k, uint64_t ts_ns);

/* Evolve @k forward to @epoch (no-op when it is there or past). The old keys are wiped. */
void va_seal_advance(struct va_seal_key *k, uint64_t epoch);

/* HMAC-SHA256 under @k of (seq, ts, epoch, head). Returns: 0 or -EIO. */
int va_seal_mac(const struct va_seal_key *k, uint64_t seq, uint64_t ts_ns, const uint8_t head[32],
		uint8_t mac[VA_SEAL_MAC_LEN]);

/* A fresh epoch-0 key starting at @start_ns. Returns: 0 or -errno (no randomness). */
int va_seal_key_new(struct va_seal_key *k, uint64_t start_ns, uint64_t interval_ns);

/*
 * The key file: one line, "vfsaudit-seal-key 2 EPOCH START INTERVAL HEXKEY KEYID".
 * Saved 0600 through a temporary file and rename(2), so that the previous
 * epoch's key is not left in the file. Returns: 0 or -errno; -EINVAL for
 * a file that is not a key file. -ENOENT when there is none. -EPERM when
 * another user owns it or its group or others may read or write it.
 */
int va_seal_key_load(const char *file, struct va_seal_key *k);
int va_seal_key_save(const char *file, const struct va_seal_key *k);

/*
 * The verification key the administrator keeps: "HEXKEY/START/INTERVAL"
 * (epoch 0's key, start and interval in ns). Returns: 0; -EINVAL when @s
 * is not one.
 */
void va_seal_verification_key(const struct va_seal_key *k0, char *buf, size_t len);
int va_seal_parse_verification_key(const char *s, struct va_seal_key *k0);

/* Wipe a key from memory. */
void va_seal_key_wipe(struct va_seal_key *k);

#endif
