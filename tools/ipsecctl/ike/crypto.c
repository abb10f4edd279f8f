// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv2 primitives over OpenSSL 3.0 EVP; see crypto.h. HMAC through
 * EVP_MAC, the key exchange through EVP_PKEY (named groups "modp_2048"...,
 * "P-256"..., X25519). Every buffer that held a secret is cleansed before
 * it goes out of scope.
 */

#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include "crypto.h"

/* --- PRF and integrity: HMAC ------------------------------------------ */

struct prf {
	struct ike_prf_alg alg;
	const char *md;		/* OpenSSL's digest name */
};

static const struct prf prfs[] = {
	{ { IKE_PRF_HMAC_SHA1, "hmac-sha1", 20 }, "SHA1" },
	{ { IKE_PRF_HMAC_SHA2_256, "hmac-sha256", 32 }, "SHA256" },
	{ { IKE_PRF_HMAC_SHA2_384, "hmac-sha384", 48 }, "SHA384" },
	{ { IKE_PRF_HMAC_SHA2_512, "hmac-sha512", 64 }, "SHA512" },
};

struct integ {
	struct ike_integ_alg alg;
	const char *md;
};

static const struct integ integs[] = {
	/* IKEv1 quick mode's ESP with older peers (RFC 2404); no IKE SA uses it. */
	{ { IKE_INTEG_HMAC_SHA1_96, "hmac-sha1", 20, 12, "HMAC_SHA1_96 [RFC2404]" }, "SHA1" },
	{ { IKE_INTEG_HMAC_SHA2_256_128, "hmac-sha256", 32, 16,
	    "HMAC_SHA2_256_128 [RFC4868]" }, "SHA256" },
	{ { IKE_INTEG_HMAC_SHA2_384_192, "hmac-sha384", 48, 24,
	    "HMAC_SHA2_384_192 [RFC4868]" }, "SHA384" },
	{ { IKE_INTEG_HMAC_SHA2_512_256, "hmac-sha512", 64, 32,
	    "HMAC_SHA2_512_256 [RFC4868]" }, "SHA512" },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define HMAC_MAX	EVP_MAX_MD_SIZE

const struct ike_prf_alg *ike_prf_alg(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prfs); i++)
		if (prfs[i].alg.id == id)
			return &prfs[i].alg;
	return NULL;
}

static const char *prf_md(const struct ike_prf_alg *a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prfs); i++)
		if (&prfs[i].alg == a)
			return prfs[i].md;
	return NULL;
}

const struct ike_integ_alg *ike_integ_alg(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(integs); i++)
		if (integs[i].alg.id == id)
			return &integs[i].alg;
	return NULL;
}

static const char *integ_md(const struct ike_integ_alg *a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(integs); i++)
		if (&integs[i].alg == a)
			return integs[i].md;
	return NULL;
}

/* HMAC's implementation, fetched once: a fetch per message costs a lookup. */
static EVP_MAC *hmac_impl(void)
{
	static EVP_MAC *mac;

	if (!mac)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return mac;
}

int ike_digest(const char *md, const struct ike_view *parts, unsigned int n, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int i;
	int ok;

	ok = ctx && EVP_DigestInit_ex2(ctx, EVP_get_digestbyname(md), NULL);
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

void ike_crypto_init(void)
{
	uint8_t b[32];
	struct ike_dh *dh;

	/*
	 * OpenSSL reads its configuration, seeds its generator and fetches
	 * algorithms on first use; done here, the first peer does not wait
	 * for it (under TCG a third of a second).
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	ike_random(b, sizeof(b));
	hmac_impl();
	dh = ike_dh_new(IKE_DH_CURVE25519);
	ike_dh_free(dh);
	ike_wipe(b, sizeof(b));
}

/*
 * HMAC-md(key, parts) into out, which has room for HMAC_MAX bytes; *outlen
 * the full length. The parts may hold (n - 1) NULL views of length 0.
 */
static int hmac(const char *md, const uint8_t *key, size_t klen, const struct ike_view *parts,
		unsigned int n, uint8_t *out, size_t *outlen)
{
	static const uint8_t empty;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;
	unsigned int i;
	int ret = -1;

	if (!md)
		return -1;
	mac = hmac_impl();
	if (!mac)
		return -1;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* A zero-length key must still be a key, not "keep the old one". */
	if (!EVP_MAC_init(ctx, klen ? key : &empty, klen, params))
		goto out;
	for (i = 0; i < n; i++)
		if (parts[i].len && !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, out, outlen, HMAC_MAX))
		goto out;
	ret = 0;
out:
	EVP_MAC_CTX_free(ctx);
	return ret;
}

int ike_prf(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
	    const struct ike_view *parts, unsigned int n, uint8_t *out)
{
	uint8_t buf[HMAC_MAX];
	size_t len;
	int ret = -1;

	if (!a || hmac(prf_md(a), key, klen, parts, n, buf, &len) || len != a->len)
		goto out;
	memcpy(out, buf, len);
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

int ike_prf_plus(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
		 const struct ike_view *seed, unsigned int nseed, uint8_t *out, size_t outlen)
{
	struct ike_view parts[IKE_PRF_MAX_SEED + 2];
	uint8_t t[HMAC_MAX], counter;
	size_t done = 0, n;
	unsigned int i;
	int ret = -1;

	if (!a || nseed > IKE_PRF_MAX_SEED || outlen > 255 * a->len)
		return -1;
	for (i = 0; i < nseed; i++)
		parts[i + 1] = seed[i];
	parts[nseed + 1] = (struct ike_view){ &counter, 1 };
	for (counter = 1; done < outlen; counter++) {
		/* T1 has no previous block in front of the seed. */
		parts[0] = (struct ike_view){ t, counter == 1 ? 0 : a->len };
		if (ike_prf(a, key, klen, parts, nseed + 2, t))
			goto out;
		n = outlen - done < a->len ? outlen - done : a->len;
		memcpy(out + done, t, n);
		done += n;
	}
	ret = 0;
out:
	OPENSSL_cleanse(t, sizeof(t));
	if (ret)
		OPENSSL_cleanse(out, outlen);
	return ret;
}

int ike_integ(const struct ike_integ_alg *a, const uint8_t *key,
	      const struct ike_view *parts, unsigned int n, uint8_t *icv)
{
	uint8_t buf[HMAC_MAX];
	size_t len;
	int ret = -1;

	if (!a || hmac(integ_md(a), key, a->key_len, parts, n, buf, &len) || len < a->icv_len)
		goto out;
	memcpy(icv, buf, a->icv_len);
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

/* --- Encryption algorithms (the ciphers themselves are in protect.c) --- */

static const struct ike_encr_alg encrs[] = {
	{ IKE_ENCR_AES_GCM_16, 128, "aes-gcm-128", 20, 4, 8, 1, 16, true,
	  "AES-GCM-128 with 16 octet ICV [RFC5282]" },
	{ IKE_ENCR_AES_GCM_16, 256, "aes-gcm-256", 36, 4, 8, 1, 16, true,
	  "AES-GCM-256 with 16 octet ICV [RFC5282]" },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, "chacha20-poly1305", 36, 4, 8, 1, 16, true, NULL },
	{ IKE_ENCR_AES_CBC, 128, "aes-cbc-128", 16, 0, 16, 16, 0, false,
	  "AES-CBC-128 [RFC3602]" },
	{ IKE_ENCR_AES_CBC, 256, "aes-cbc-256", 32, 0, 16, 16, 0, false,
	  "AES-CBC-256 [RFC3602]" },
};

const struct ike_encr_alg *ike_encr_alg(uint16_t id, uint16_t keybits)
{
	size_t i;

	/* RFC 7634 2: ChaCha20-Poly1305 has one key size and no attribute. */
	if (id == IKE_ENCR_CHACHA20_POLY1305 && keybits == 256)
		keybits = 0;
	for (i = 0; i < ARRAY_SIZE(encrs); i++)
		if (encrs[i].id == id && encrs[i].keybits == keybits)
			return &encrs[i];
	return NULL;
}

/* --- Randomness, comparison, wiping ------------------------------------ */

void ike_random(void *p, size_t n)
{
	if (n > INT32_MAX || RAND_bytes(p, (int)n) != 1)
		abort();
}

bool ike_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void ike_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}
