/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 cryptographic primitives over OpenSSL 3.0 EVP: the PRFs (HMAC),
 * the key exchange groups (MODP, ECP, Curve25519), the tables of
 * encryption and integrity algorithms that protect.c uses, and randomness,
 * comparison and wiping.
 *
 * Lookups return NULL for what is not supported; the algorithm pointers
 * the other functions take must come from them. Everything else returns
 * 0 (or a length) on success and -1 on failure. No function prints: the
 * caller logs, and never a secret.
 */
#ifndef IKE_CRYPTO_H
#define IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "codec.h"	/* struct ike_view */

struct ike_prf_alg {
	uint16_t id;		/* IKE_PRF_* */
	const char *name;	/* "hmac-sha256" */
	size_t len;		/* output bytes, and key bytes for SK_d, SK_pi, SK_pr */
};

/* IKE_PRF_HMAC_SHA2_256/384/512, and HMAC_SHA1 (vectors, IKEv1); NULL otherwise. */
const struct ike_prf_alg *ike_prf_alg(uint16_t id);
/* prf(key, parts[0] | ... | parts[n - 1]) into out (a->len bytes). */
int ike_prf(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
	    const struct ike_view *parts, unsigned int n, uint8_t *out);
/*
 * prf+ (RFC 7296 2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n),
 * with S the concatenation of seed[0..nseed - 1] (at most IKE_PRF_MAX_SEED
 * parts); outlen bytes, at most 255 * a->len.
 */
#define IKE_PRF_MAX_SEED	8
int ike_prf_plus(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
		 const struct ike_view *seed, unsigned int nseed, uint8_t *out, size_t outlen);

struct ike_dh_group {
	uint16_t id;		/* IKE_DH_* */
	const char *name;	/* "modp2048", "ecp256", "curve25519" */
	size_t ke_len;		/* the KE payload's key exchange data length */
};

/* 2, 14, 15, 16 (MODP; 2 for IKEv1), 19, 20 (ECP), 31 (Curve25519); NULL otherwise. */
const struct ike_dh_group *ike_dh_group(uint16_t id);

struct ike_dh;

/* A fresh key pair; NULL on error. */
struct ike_dh *ike_dh_new(uint16_t id);
/*
 * A key pair from a known private value (big-endian for MODP and ECP, the
 * 32 raw bytes for Curve25519): for test vectors only.
 */
struct ike_dh *ike_dh_new_priv(uint16_t id, const uint8_t *priv, size_t len);
/*
 * Our public value as the KE payload carries it: MODP zero-padded to the
 * prime's size, ECP x | y without the 0x04 (RFC 5903), Curve25519 the
 * 32-byte u (RFC 8031). The length, or -1 if cap is too small.
 */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap);
/*
 * The shared secret g^ir from the peer's KE data: MODP padded to the
 * prime's size, ECP x only, Curve25519 32 bytes. Refuses a wrong length,
 * 0, 1 and p - 1 and values outside the subgroup for MODP, a point not on
 * the curve, and an all-zero Curve25519 result. The length, or -1.
 */
int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out, size_t cap);
/* Frees and wipes; NULL is fine. */
void ike_dh_free(struct ike_dh *dh);

struct ike_encr_alg {
	uint16_t id;		/* IKE_ENCR_* */
	uint16_t keybits;	/* the key length attribute; 0: none is sent (ChaCha20) */
	const char *name;	/* as "ipsecctl sa add" names it: "aes-gcm-256" */
	size_t key_len;		/* bytes of keying material, salt included */
	size_t salt_len;	/* at the end of the keying material */
	size_t iv_len;		/* the IV in the SK payload */
	size_t block;		/* padding multiple; 1 for AEADs */
	size_t icv_len;		/* an AEAD's tag; 0 otherwise */
	bool aead;
	const char *tshark;	/* Wireshark's ikev2_decryption_table name; NULL if none */
};

/* AES_GCM_16 (128, 256), CHACHA20_POLY1305 (0 or 256), AES_CBC (128, 256); else NULL. */
const struct ike_encr_alg *ike_encr_alg(uint16_t id, uint16_t keybits);

struct ike_integ_alg {
	uint16_t id;		/* IKE_INTEG_* */
	const char *name;	/* "hmac-sha256" */
	size_t key_len;
	size_t icv_len;		/* the truncated HMAC */
	const char *tshark;
};

/* HMAC_SHA2_256_128, _384_192, _512_256; NULL otherwise. */
const struct ike_integ_alg *ike_integ_alg(uint16_t id);
/* The truncated HMAC of parts[0..n - 1] (a->icv_len bytes). */
int ike_integ(const struct ike_integ_alg *a, const uint8_t *key,
	      const struct ike_view *parts, unsigned int n, uint8_t *icv);

/* Random bytes; aborts if the generator fails. */
void ike_random(void *p, size_t n);
/* A hash ("SHA1", "SHA256") of the concatenated parts into out. 0 or -1. */
int ike_digest(const char *md, const struct ike_view *parts, unsigned int n, uint8_t *out);
/* OpenSSL set up and its algorithms fetched before the first peer comes. */
void ike_crypto_init(void);
/* Constant-time equality of n bytes. */
bool ike_memeq(const void *a, const void *b, size_t n);
/* Zeroes that the compiler does not elide. */
void ike_wipe(void *p, size_t n);

#endif /* IKE_CRYPTO_H */
