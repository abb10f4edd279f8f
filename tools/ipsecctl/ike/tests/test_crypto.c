// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the IKE crypto layer (crypto.c, dh.c, kdf.c, protect.c and
 * IKEv1's kdf1.c, protect1.c) against published vectors (vectors_crypto.h
 * and vectors_crypto1.h name each source), and
 * seal/open round trips in which any flipped bit, the wrong direction's
 * keys or a bad pad length fail the open. KTAP on stdout; exits 1 if any
 * test failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include "check.h"
#include "../codec.h"
#include "../crypto.h"
#include "../kdf.h"
#include "../kdf1.h"
#include "../protect.h"
#include "../protect1.h"
#include "vectors_crypto.h"
#include "vectors_crypto1.h"

/* Bytes from hex, for the vectors. */
struct hex {
	uint8_t p[1024];
	size_t len;
};

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	abort();
}

static void unhex(struct hex *h, const char *s)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > sizeof(h->p))
		abort();
	for (h->len = 0; h->len < n / 2; h->len++)
		h->p[h->len] = (uint8_t)(nibble(s[2 * h->len]) << 4 | nibble(s[2 * h->len + 1]));
}

static struct ike_view view(const struct hex *h)
{
	return (struct ike_view){ h->p, h->len };
}

#define CHECK_BYTES(got, want, n) check_bytes((got), (want), (n), #got, __LINE__)

static bool check_bytes(const uint8_t *got, const uint8_t *want, size_t n, const char *what,
			int line)
{
	size_t i;

	checks++;
	if (!memcmp(got, want, n))
		return true;
	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	printf("# line %d: %s differs from byte %zu of %zu\n", line, what, i, n);
	failures++;
	return false;
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const uint8_t zero[IKE_KEY_MAX];

/* --- Lookups --------------------------------------------------------- */

static void test_lookups(void)
{
	const struct ike_encr_alg *e;

	CHECK(ike_prf_alg(IKE_PRF_HMAC_SHA2_256) && ike_prf_alg(IKE_PRF_HMAC_SHA2_256)->len == 32);
	CHECK(ike_prf_alg(IKE_PRF_HMAC_SHA2_512)->len == 64);
	CHECK(ike_prf_alg(IKE_PRF_HMAC_SHA1)->len == 20);
	CHECK(!ike_prf_alg(IKE_PRF_AES128_XCBC) && !ike_prf_alg(IKE_PRF_HMAC_MD5));
	CHECK(ike_dh_group(14)->ke_len == 256 && ike_dh_group(15)->ke_len == 384);
	CHECK(ike_dh_group(16)->ke_len == 512 && ike_dh_group(19)->ke_len == 64);
	CHECK(ike_dh_group(20)->ke_len == 96 && ike_dh_group(31)->ke_len == 32);
	CHECK(ike_dh_group(2)->ke_len == 128 && !strcmp(ike_dh_group(2)->name, "modp1024"));
	CHECK(!ike_dh_group(1) && !ike_dh_group(21) && !ike_dh_group(32) && !ike_dh_new(5));
	e = ike_encr_alg(IKE_ENCR_AES_GCM_16, 256);
	CHECK(e && e->aead && e->key_len == 36 && e->salt_len == 4 && e->iv_len == 8 &&
	      e->icv_len == 16 && !strcmp(e->name, "aes-gcm-256") && e->tshark);
	e = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
	CHECK(e && !e->aead && e->key_len == 16 && e->iv_len == 16 && e->block == 16 &&
	      !strcmp(e->tshark, "AES-CBC-128 [RFC3602]"));
	CHECK(ike_encr_alg(IKE_ENCR_CHACHA20_POLY1305, 0) ==
	      ike_encr_alg(IKE_ENCR_CHACHA20_POLY1305, 256));
	CHECK(ike_encr_alg(IKE_ENCR_CHACHA20_POLY1305, 0)->key_len == 36);
	CHECK(!ike_encr_alg(IKE_ENCR_AES_CBC, 0) && !ike_encr_alg(IKE_ENCR_AES_GCM_16, 192) &&
	      !ike_encr_alg(IKE_ENCR_AES_GCM_8, 128) && !ike_encr_alg(IKE_ENCR_3DES, 0));
	CHECK(ike_integ_alg(IKE_INTEG_HMAC_SHA2_384_192)->icv_len == 24);
	CHECK(ike_integ_alg(IKE_INTEG_HMAC_SHA2_512_256)->key_len == 64);
	CHECK(ike_integ_alg(IKE_INTEG_HMAC_SHA1_96)->key_len == 20 &&
	      ike_integ_alg(IKE_INTEG_HMAC_SHA1_96)->icv_len == 12);
	CHECK(!ike_integ_alg(IKE_INTEG_HMAC_MD5_96) && !ike_integ_alg(IKE_INTEG_NONE));
}

static void test_helpers(void)
{
	uint8_t a[64] = { 0 }, b[64] = { 0 };
	unsigned int i;

	CHECK(ike_memeq(a, b, sizeof(a)));
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		CHECK(!ike_memeq(a, b, sizeof(a)));
		b[i] ^= 0x80;
	}
	ike_random(a, sizeof(a));
	ike_random(b, sizeof(b));
	CHECK(!ike_memeq(a, b, sizeof(a)));
	ike_wipe(a, sizeof(a));
	CHECK(ike_memeq(a, zero, sizeof(a)));
}

/* --- PRF, prf+, integrity -------------------------------------------- */

static void test_prf(void)
{
	const struct prf_vector *v;
	struct hex key, data, want;
	struct ike_view parts[3];
	uint8_t out[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prf_vectors); i++) {
		v = &prf_vectors[i];
		unhex(&key, v->key);
		unhex(&data, v->data);
		unhex(&want, v->out);
		CHECK(ike_prf_alg(v->prf)->len == want.len);
		parts[0] = view(&data);
		if (CHECK(!ike_prf(ike_prf_alg(v->prf), key.p, key.len, parts, 1, out)))
			CHECK_BYTES(out, want.p, want.len);
		/* The same data in three parts, one empty. */
		parts[0] = (struct ike_view){ data.p, 3 };
		parts[1] = (struct ike_view){ NULL, 0 };
		parts[2] = (struct ike_view){ data.p + 3, data.len - 3 };
		memset(out, 0, sizeof(out));
		if (CHECK(!ike_prf(ike_prf_alg(v->prf), key.p, key.len, parts, 3, out)))
			CHECK_BYTES(out, want.p, want.len);
	}
}

static void test_integ(void)
{
	const struct integ_vector *v;
	struct hex key, data, want;
	const struct ike_integ_alg *a;
	struct ike_view part;
	uint8_t icv[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(integ_vectors); i++) {
		v = &integ_vectors[i];
		a = ike_integ_alg(v->integ);
		unhex(&key, v->key);
		unhex(&data, v->data);
		unhex(&want, v->icv);
		CHECK(a->key_len == key.len && a->icv_len == want.len);
		part = view(&data);
		if (CHECK(!ike_integ(a, key.p, &part, 1, icv)))
			CHECK_BYTES(icv, want.p, want.len);
	}
}

/* prf+ from the KDF vectors' DKM, split at every seed boundary, and its limits. */
static void test_prf_plus(void)
{
	const struct ike_prf_alg *prf;
	struct hex ni, nr, si, sr, seed, want, buf;
	struct ike_view s[4];
	static uint8_t out[255 * 64 + 1];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(kdf_vectors); i++) {
		prf = ike_prf_alg(kdf_vectors[i].prf);
		unhex(&ni, kdf_vectors[i].ni);
		unhex(&nr, kdf_vectors[i].nr);
		unhex(&si, kdf_vectors[i].spi_i);
		unhex(&sr, kdf_vectors[i].spi_r);
		unhex(&seed, kdf_vectors[i].skeyseed);
		unhex(&want, kdf_vectors[i].dkm);
		s[0] = view(&ni);
		s[1] = view(&nr);
		s[2] = view(&si);
		s[3] = view(&sr);
		if (CHECK(!ike_prf_plus(prf, seed.p, seed.len, s, 4, out, want.len)))
			CHECK_BYTES(out, want.p, want.len);
		/* Any shorter output is a prefix (NSS's 15- and prf-length cases). */
		for (n = 1; n < want.len; n += 14) {
			memset(out, 0, want.len);
			if (CHECK(!ike_prf_plus(prf, seed.p, seed.len, s, 4, out, n)))
				CHECK_BYTES(out, want.p, n);
		}
		/* One seed part holding all four. */
		memcpy(buf.p, ni.p, 8);
		memcpy(buf.p + 8, nr.p, 8);
		memcpy(buf.p + 16, si.p, 8);
		memcpy(buf.p + 24, sr.p, 8);
		s[0] = (struct ike_view){ buf.p, 32 };
		if (CHECK(!ike_prf_plus(prf, seed.p, seed.len, s, 1, out, want.len)))
			CHECK_BYTES(out, want.p, want.len);
		/* 255 blocks at most (RFC 7296 2.13). */
		CHECK(!ike_prf_plus(prf, seed.p, seed.len, s, 1, out, 255 * prf->len));
		CHECK(ike_prf_plus(prf, seed.p, seed.len, s, 1, out, 255 * prf->len + 1) == -1);
	}
}

/* --- KDF -------------------------------------------------------------- */

static void test_kdf(void)
{
	const struct kdf_vector *v;
	const struct ike_prf_alg *prf;
	struct hex ni, nr, gir, gnew, si, sr, seed, dkm, want;
	struct ike_view vni, vnr, vgir, vgnew;
	uint8_t out[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kdf_vectors); i++) {
		v = &kdf_vectors[i];
		prf = ike_prf_alg(v->prf);
		unhex(&ni, v->ni);
		unhex(&nr, v->nr);
		unhex(&gir, v->gir);
		unhex(&gnew, v->gir_new);
		unhex(&si, v->spi_i);
		unhex(&sr, v->spi_r);
		unhex(&seed, v->skeyseed);
		unhex(&dkm, v->dkm);
		vni = view(&ni);
		vnr = view(&nr);
		vgir = view(&gir);
		vgnew = view(&gnew);
		if (CHECK(!ike2_skeyseed(prf, &vni, &vnr, &vgir, out)))
			CHECK_BYTES(out, seed.p, prf->len);
		/* SK_d is DKM's first prf->len bytes. */
		unhex(&want, v->skeyseed_rekey);
		if (CHECK(!ike2_skeyseed_rekey(prf, dkm.p, &vgnew, &vni, &vnr, out)))
			CHECK_BYTES(out, want.p, want.len);
		if (v->dkm_child) {
			unhex(&want, v->dkm_child);
			if (CHECK(!ike2_child_keymat(prf, dkm.p, NULL, &vni, &vnr, out, want.len)))
				CHECK_BYTES(out, want.p, want.len);
			unhex(&want, v->dkm_child_dh);
			if (CHECK(!ike2_child_keymat(prf, dkm.p, &vgnew, &vni, &vnr, out,
						     want.len)))
				CHECK_BYTES(out, want.p, want.len);
		}
	}
}

/* ike2_derive() cuts DKM in RFC 7296 2.14's order. */
static void test_derive(void)
{
	const struct kdf_vector *v;
	struct hex ni, nr, si, sr, seed, dkm;
	struct ike_view vni, vnr;
	struct ike2_keys k;
	const uint8_t *d;

	/* SHA-1 with AES-GCM-128: 20 * 3 + 20 * 2 = 100 of DKM's 132 bytes. */
	v = &kdf_vectors[0];
	unhex(&ni, v->ni);
	unhex(&nr, v->nr);
	unhex(&si, v->spi_i);
	unhex(&sr, v->spi_r);
	unhex(&seed, v->skeyseed);
	unhex(&dkm, v->dkm);
	vni = view(&ni);
	vnr = view(&nr);
	memset(&k, 0, sizeof(k));
	k.prf = ike_prf_alg(IKE_PRF_HMAC_SHA1);
	k.encr = ike_encr_alg(IKE_ENCR_AES_GCM_16, 128);
	d = dkm.p;
	if (CHECK(!ike2_derive(&k, seed.p, &vni, &vnr, si.p, sr.p))) {
		CHECK_BYTES(k.sk_d, d, 20);
		CHECK_BYTES(k.sk_ei, d + 20, 20);
		CHECK_BYTES(k.sk_er, d + 40, 20);
		CHECK_BYTES(k.sk_pi, d + 60, 20);
		CHECK_BYTES(k.sk_pr, d + 80, 20);
	}

	/* SHA-256 with AES-CBC-128 and HMAC-SHA2-256: the first 132 bytes. */
	v = &kdf_vectors[1];
	unhex(&ni, v->ni);
	unhex(&nr, v->nr);
	unhex(&si, v->spi_i);
	unhex(&sr, v->spi_r);
	unhex(&seed, v->skeyseed);
	unhex(&dkm, v->dkm);
	vni = view(&ni);
	vnr = view(&nr);
	memset(&k, 0, sizeof(k));
	k.prf = ike_prf_alg(IKE_PRF_HMAC_SHA2_256);
	k.encr = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
	k.integ = ike_integ_alg(IKE_INTEG_HMAC_SHA2_256_128);
	d = dkm.p;
	if (CHECK(!ike2_derive(&k, seed.p, &vni, &vnr, si.p, sr.p))) {
		CHECK_BYTES(k.sk_d, d, 32);
		CHECK_BYTES(k.sk_ai, d + 32, 32);
		CHECK_BYTES(k.sk_ar, d + 64, 32);
		CHECK_BYTES(k.sk_ei, d + 96, 16);
		CHECK_BYTES(k.sk_er, d + 112, 16);
		CHECK_BYTES(k.sk_pi, d + 128, 4);
	}
	ike2_keys_wipe(&k);
	CHECK(!k.prf && ike_memeq(k.sk_d, zero, IKE_KEY_MAX));

	/* No integrity algorithm without an AEAD. */
	k.prf = ike_prf_alg(IKE_PRF_HMAC_SHA2_256);
	k.encr = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
	k.integ = NULL;
	CHECK(ike2_derive(&k, seed.p, &vni, &vnr, si.p, sr.p) == -1);
}

/* Child SA keys cut from the CAVP child DKM (SHA-1), with and without PFS. */
static void test_child_keys(void)
{
	const struct kdf_vector *v = &kdf_vectors[0];
	const struct ike_prf_alg *prf = ike_prf_alg(IKE_PRF_HMAC_SHA1);
	struct hex ni, nr, gnew, dkm, want;
	struct ike_view vni, vnr, vgnew;
	struct ike2_child_keys c;

	unhex(&ni, v->ni);
	unhex(&nr, v->nr);
	unhex(&gnew, v->gir_new);
	unhex(&dkm, v->dkm);
	vni = view(&ni);
	vnr = view(&nr);
	vgnew = view(&gnew);
	/* AES-CBC-128 and HMAC-SHA2-256: 16 + 32 + 16 + 32 of 132 bytes. */
	memset(&c, 0, sizeof(c));
	c.encr = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
	c.integ = ike_integ_alg(IKE_INTEG_HMAC_SHA2_256_128);
	unhex(&want, v->dkm_child);
	if (CHECK(!ike2_child_keys(prf, dkm.p, NULL, &vni, &vnr, &c))) {
		CHECK_BYTES(c.ei, want.p, 16);
		CHECK_BYTES(c.ai, want.p + 16, 32);
		CHECK_BYTES(c.er, want.p + 48, 16);
		CHECK_BYTES(c.ar, want.p + 64, 32);
	}
	/* AES-GCM-256 (key and salt) with PFS: 36 + 36. */
	memset(&c, 0, sizeof(c));
	c.encr = ike_encr_alg(IKE_ENCR_AES_GCM_16, 256);
	unhex(&want, v->dkm_child_dh);
	if (CHECK(!ike2_child_keys(prf, dkm.p, &vgnew, &vni, &vnr, &c))) {
		CHECK_BYTES(c.ei, want.p, 36);
		CHECK_BYTES(c.er, want.p + 36, 36);
		CHECK(ike_memeq(c.ai, zero, IKE_KEY_MAX));
	}
	ike2_child_keys_wipe(&c);
	CHECK(!c.encr && ike_memeq(c.ei, zero, IKE_KEY_MAX));
	/* CBC without an integrity algorithm: refused. */
	c.encr = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
	CHECK(ike2_child_keys(prf, dkm.p, NULL, &vni, &vnr, &c) == -1);
}

/*
 * PSK AUTH: no published vector was found, so the composition is checked
 * against HMAC computed here by OpenSSL's one-shot EVP_Q_mac().
 */
static void q_hmac(const char *md, const uint8_t *key, size_t klen, const uint8_t *d,
		   size_t dlen, uint8_t *out)
{
	size_t n;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, klen, d, dlen, out, 64, &n))
		abort();
}

static void test_psk_auth(void)
{
	static const char psk[] = "test-psk-not-a-real-secret";
	const struct ike_prf_alg *prf = ike_prf_alg(IKE_PRF_HMAC_SHA2_256);
	uint8_t msg[300], nonce[32], skp[32], id[12], inner[32], maced[32], want[32], out[32];
	uint8_t octets[sizeof(msg) + sizeof(nonce) + 32];
	struct ike_view vmsg, vnonce, vid;

	ike_random(msg, sizeof(msg));
	ike_random(nonce, sizeof(nonce));
	ike_random(skp, sizeof(skp));
	memcpy(id, (uint8_t[]){ IKE_ID_IPV4_ADDR, 0, 0, 0, 192, 0, 2, 1 }, 8);
	q_hmac("SHA256", skp, sizeof(skp), id, 8, maced);
	q_hmac("SHA256", (const uint8_t *)psk, strlen(psk), (const uint8_t *)"Key Pad for IKEv2",
	       17, inner);
	memcpy(octets, msg, sizeof(msg));
	memcpy(octets + sizeof(msg), nonce, sizeof(nonce));
	memcpy(octets + sizeof(msg) + sizeof(nonce), maced, 32);
	q_hmac("SHA256", inner, 32, octets, sizeof(octets), want);
	vmsg = (struct ike_view){ msg, sizeof(msg) };
	vnonce = (struct ike_view){ nonce, sizeof(nonce) };
	vid = (struct ike_view){ id, 8 };
	if (CHECK(!ike2_psk_auth(prf, (const uint8_t *)psk, strlen(psk), &vmsg, &vnonce, skp,
				 &vid, out)))
		CHECK_BYTES(out, want, 32);
	/* Another ID, another AUTH. */
	id[7] = 2;
	CHECK(!ike2_psk_auth(prf, (const uint8_t *)psk, strlen(psk), &vmsg, &vnonce, skp, &vid,
			     out) && !ike_memeq(out, want, 32));
}

/* --- Key exchange ----------------------------------------------------- */

static void test_dh_vectors(void)
{
	const struct dh_vector *v;
	struct hex pi, gi, pr, gr, want;
	struct ike_dh *i, *r;
	uint8_t out[128];
	size_t k;

	for (k = 0; k < ARRAY_SIZE(dh_vectors); k++) {
		v = &dh_vectors[k];
		unhex(&pi, v->priv_i);
		unhex(&gi, v->pub_i);
		unhex(&pr, v->priv_r);
		unhex(&gr, v->pub_r);
		unhex(&want, v->shared);
		i = ike_dh_new_priv(v->group, pi.p, pi.len);
		r = ike_dh_new_priv(v->group, pr.p, pr.len);
		if (!CHECK(i && r))
			goto next;
		if (CHECK(ike_dh_public(i, out, sizeof(out)) == (int)gi.len))
			CHECK_BYTES(out, gi.p, gi.len);
		if (CHECK(ike_dh_public(r, out, sizeof(out)) == (int)gr.len))
			CHECK_BYTES(out, gr.p, gr.len);
		CHECK(ike_dh_public(i, out, gi.len - 1) == -1);
		memset(out, 0, sizeof(out));
		if (CHECK(ike_dh_shared(i, gr.p, gr.len, out, sizeof(out)) == (int)want.len))
			CHECK_BYTES(out, want.p, want.len);
		memset(out, 0, sizeof(out));
		if (CHECK(ike_dh_shared(r, gi.p, gi.len, out, sizeof(out)) == (int)want.len))
			CHECK_BYTES(out, want.p, want.len);
		/* Wrong lengths, a short output buffer. */
		CHECK(ike_dh_shared(i, gr.p, gr.len - 1, out, sizeof(out)) == -1);
		CHECK(ike_dh_shared(i, gr.p, gr.len + 1, out, sizeof(out)) == -1);
		CHECK(ike_dh_shared(i, gr.p, gr.len, out, want.len - 1) == -1);
next:
		ike_dh_free(i);
		ike_dh_free(r);
	}
}

/* MODP from a known private value: g = 2, so 2^256 is a single 1 bit. */
static void test_dh_modp_priv(void)
{
	uint8_t x[2] = { 0x01, 0x00 }, pub[256], want[256] = { 0 }, s1[256], s2[256];
	struct ike_dh *a = ike_dh_new_priv(14, x, sizeof(x)), *b = ike_dh_new(14);

	want[256 - 33] = 1;
	if (CHECK(a && b) && CHECK(ike_dh_public(a, pub, sizeof(pub)) == 256)) {
		CHECK_BYTES(pub, want, 256);
		/* b's secret from a's public is a's from b's public. */
		CHECK(ike_dh_public(b, pub, sizeof(pub)) == 256);
		CHECK(ike_dh_shared(a, pub, 256, s1, sizeof(s1)) == 256);
		CHECK(ike_dh_shared(b, want, 256, s2, sizeof(s2)) == 256);
		CHECK(ike_memeq(s1, s2, 256));
	}
	ike_dh_free(a);
	ike_dh_free(b);
}

/* Fresh pairs agree, for every group. */
static void test_dh_fresh(void)
{
	static const uint16_t ids[] = { 2, 14, 15, 16, 19, 20, 31 };
	uint8_t pa[512], pb[512], sa[512], sb[512];
	struct ike_dh *a, *b;
	int la, lb, n;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		a = ike_dh_new(ids[i]);
		b = ike_dh_new(ids[i]);
		if (!CHECK(a && b))
			goto next;
		la = ike_dh_public(a, pa, sizeof(pa));
		lb = ike_dh_public(b, pb, sizeof(pb));
		CHECK(la == (int)ike_dh_group(ids[i])->ke_len && lb == la);
		CHECK(la > 0 && !ike_memeq(pa, pb, (size_t)la));
		n = ike_dh_shared(a, pb, (size_t)lb, sa, sizeof(sa));
		CHECK(n > 0 && ike_dh_shared(b, pa, (size_t)la, sb, sizeof(sb)) == n);
		CHECK(n > 0 && ike_memeq(sa, sb, (size_t)n));
		CHECK(n == (ids[i] == 19 || ids[i] == 20 ? la / 2 : la));
next:
		ike_dh_free(a);
		ike_dh_free(b);
	}
	ike_dh_free(NULL);
}

/* MODP: 0, 1, p - 1, p, p - 2 (outside the prime-order subgroup) refused. */
static void test_dh_modp_bad(void)
{
	uint8_t v[256], out[256];
	struct ike_dh *dh = ike_dh_new(14);
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);

	if (!CHECK(dh && p))
		goto out;
	memset(v, 0, sizeof(v));
	CHECK(ike_dh_shared(dh, v, sizeof(v), out, sizeof(out)) == -1);
	v[255] = 1;
	CHECK(ike_dh_shared(dh, v, sizeof(v), out, sizeof(out)) == -1);
	v[255] = 2;	/* the generator itself is a valid (if silly) value */
	CHECK(ike_dh_shared(dh, v, sizeof(v), out, sizeof(out)) == 256);
	BN_bn2binpad(p, v, sizeof(v));
	CHECK(ike_dh_shared(dh, v, sizeof(v), out, sizeof(out)) == -1);
	BN_sub_word(p, 1);
	BN_bn2binpad(p, v, sizeof(v));
	CHECK(ike_dh_shared(dh, v, sizeof(v), out, sizeof(out)) == -1);
	BN_sub_word(p, 1);
	BN_bn2binpad(p, v, sizeof(v));
	CHECK(ike_dh_shared(dh, v, sizeof(v), out, sizeof(out)) == -1);
	memset(v, 0xff, sizeof(v));
	CHECK(ike_dh_shared(dh, v, sizeof(v), out, sizeof(out)) == -1);
out:
	BN_free(p);
	ike_dh_free(dh);
}

/* ECP: off the curve, the point at infinity's encoding, coordinates >= p. X25519: zero. */
static void test_dh_ecp_x25519_bad(void)
{
	struct ike_dh *dh19 = ike_dh_new(19), *dh20 = ike_dh_new(20), *x = ike_dh_new(31);
	uint8_t v[96], out[64];
	struct hex g;

	if (!CHECK(dh19 && dh20 && x))
		goto out;
	unhex(&g, dh_vectors[0].pub_r);
	g.p[63] ^= 1;
	CHECK(ike_dh_shared(dh19, g.p, 64, out, sizeof(out)) == -1);
	g.p[63] ^= 1;
	g.p[0] ^= 1;
	CHECK(ike_dh_shared(dh19, g.p, 64, out, sizeof(out)) == -1);
	memset(v, 0, sizeof(v));
	CHECK(ike_dh_shared(dh19, v, 64, out, sizeof(out)) == -1);
	memset(v, 0xff, sizeof(v));
	CHECK(ike_dh_shared(dh19, v, 64, out, sizeof(out)) == -1);
	unhex(&g, dh_vectors[1].pub_r);
	g.p[95] ^= 0x80;
	CHECK(ike_dh_shared(dh20, g.p, 96, out, sizeof(out)) == -1);
	/* A P-256 point is no P-384 point, whatever its length. */
	unhex(&g, dh_vectors[0].pub_r);
	CHECK(ike_dh_shared(dh20, g.p, 64, out, sizeof(out)) == -1);
	/* u = 0 and u = 1 are of small order: the result is all zero (RFC 8031 2.3). */
	memset(v, 0, 32);
	CHECK(ike_dh_shared(x, v, 32, out, sizeof(out)) == -1);
	v[0] = 1;
	CHECK(ike_dh_shared(x, v, 32, out, sizeof(out)) == -1);
	CHECK(!ike_dh_new_priv(31, v, 31) && !ike_dh_new_priv(19, v, 65));
out:
	ike_dh_free(dh19);
	ike_dh_free(dh20);
	ike_dh_free(x);
}

/* --- SK payload ------------------------------------------------------- */

/* RFC 7634 Appendix B: open the example, and seal it again byte for byte. */
static void test_chacha_ike(void)
{
	struct hex key, iv, aad, plain, ct;
	uint8_t msg[128], out[128];
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_INFORMATIONAL, .msgid = 9 };
	struct ike2_keys k = { 0 };
	struct ike_notify n;
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_msg m;
	struct ike_sk sk;
	size_t len, plen = 0;

	unhex(&key, CHACHA_IKE_KEY);
	unhex(&iv, CHACHA_IKE_IV);
	unhex(&aad, CHACHA_IKE_AAD);
	unhex(&plain, CHACHA_IKE_PLAIN);
	unhex(&ct, CHACHA_IKE_CIPHER);
	k.prf = ike_prf_alg(IKE_PRF_HMAC_SHA2_256);
	k.encr = ike_encr_alg(IKE_ENCR_CHACHA20_POLY1305, 0);
	memcpy(k.sk_er, key.p, key.len);	/* the I flag is clear: the responder sent it */
	len = 0;
	memcpy(msg, aad.p, aad.len);
	len += aad.len;
	memcpy(msg + len, iv.p, iv.len);
	len += iv.len;
	memcpy(msg + len, ct.p, ct.len);
	len += ct.len;
	CHECK(len == 69);
	if (!CHECK(!ike_decode(msg, len, &m)))
		return;
	if (CHECK(!ike2_sk_open(&m, &k, false, out, sizeof(out), &plen))) {
		CHECK(plen == plain.len - 1);
		CHECK_BYTES(out, plain.p, plen);
		CHECK(!ike_dec_sk(&m.pl[m.npl - 1], &sk) && sk.inner == IKE_PL_NOTIFY);
		CHECK(!ike_decode_inner(&m, sk.inner, out, plen));
		CHECK(!ike_dec_notify(&m.pl[m.npl - 1], &n) && n.type == IKE_N_SET_WINDOW_SIZE);
	}
	/* The initiator's keys (zero) do not open it. */
	CHECK(ike2_sk_open(&m, &k, true, out, sizeof(out), &plen) == -1);
	/* Too small an output buffer. */
	CHECK(ike2_sk_open(&m, &k, false, out, plain.len - 1, &plen) == -1);

	/* Sealed again with the same IV: the same 69 bytes. */
	memcpy(h.spi_i, aad.p, 8);
	memcpy(h.spi_r, aad.p + 8, 8);
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	if (CHECK(!ike2_sk_seal_iv(&e, &k, false, IKE_PL_NOTIFY, plain.p, plain.len - 1, iv.p)) &&
	    CHECK(w.len == len))
		CHECK_BYTES(out, msg, len);
}

struct suite {
	uint16_t encr, keybits, integ, prf;
};

static const struct suite suites[] = {
	{ IKE_ENCR_AES_GCM_16, 128, 0, IKE_PRF_HMAC_SHA2_256 },
	{ IKE_ENCR_AES_GCM_16, 256, 0, IKE_PRF_HMAC_SHA2_384 },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, 0, IKE_PRF_HMAC_SHA2_256 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, IKE_PRF_HMAC_SHA2_384 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, IKE_PRF_HMAC_SHA2_512 },
};

static void suite_keys(const struct suite *s, struct ike2_keys *k)
{
	static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, spi_r[8] = { 9, 10 };
	uint8_t seed[64], ni[32], nr[32];
	struct ike_view vni = { ni, 32 }, vnr = { nr, 32 };

	memset(k, 0, sizeof(*k));
	k->prf = ike_prf_alg(s->prf);
	k->encr = ike_encr_alg(s->encr, s->keybits);
	k->integ = s->integ ? ike_integ_alg(s->integ) : NULL;
	ike_random(seed, sizeof(seed));
	ike_random(ni, sizeof(ni));
	ike_random(nr, sizeof(nr));
	if (ike2_derive(k, seed, &vni, &vnr, spi_i, spi_r))
		abort();
}

/*
 * An IKE_AUTH-like message: a cleartext VID outside, IDi (192.0.2.1), AUTH
 * and a Notify inside; the inner chain is copied to chain_out. SPIi starts
 * with the byte spi. Returns the message length.
 */
static size_t seal_msg_spi(const struct ike2_keys *k, bool initiator, uint8_t spi,
			   uint8_t *buf, size_t cap, uint8_t *chain_out, size_t *chain_len)
{
	static const uint8_t vid[] = "nfesp test";
	uint8_t idd[4] = { 192, 0, 2, 1 }, authd[32], inner[512];
	struct ike_hdr h = { .spi_i = { 1, 2, 3, 4, 5, 6, 7, 8 }, .spi_r = { 9, 10 },
			     .major = 2, .exchange = IKE_EXCH_IKE_AUTH, .msgid = 1,
			     .flags = IKE_FLAG_INITIATOR };
	struct ike_id id = { IKE_ID_IPV4_ADDR, { idd, 4 } };
	struct ike_auth auth = { IKE_AUTH_PSK, { authd, 32 } };
	struct ike_notify n = { .type = IKE_N_INITIAL_CONTACT };
	struct ike_view chain, vv = { vid, sizeof(vid) - 1 };
	struct ike_wbuf w;
	struct ike_enc e;
	uint8_t first;

	ike_random(authd, sizeof(authd));
	ike_wbuf_init(&w, inner, sizeof(inner));
	ike_enc_chain_begin(&e, &w);
	ike_enc_id(&e, IKE_PL_IDI, &id);
	ike_enc_auth(&e, &auth);
	ike_enc_notify(&e, &n);
	if (ike_enc_chain_end(&e, &chain, &first))
		abort();
	memcpy(chain_out, chain.p, chain.len);
	*chain_len = chain.len;
	h.spi_i[0] = spi;
	ike_wbuf_init(&w, buf, cap);
	ike_enc_begin(&e, &w, &h);
	ike_enc_vid(&e, &vv);
	if (ike2_sk_seal(&e, k, initiator, first, chain.p, chain.len))
		return 0;
	return w.len;
}

static size_t seal_msg(const struct ike2_keys *k, bool initiator, uint8_t *buf, size_t cap,
		       uint8_t *chain_out, size_t *chain_len)
{
	return seal_msg_spi(k, initiator, 1, buf, cap, chain_out, chain_len);
}

/* Decodes a copy of len bytes and opens it: 0, or -1 if either refused. */
static int decode_open(const uint8_t *p, size_t len, const struct ike2_keys *k, bool from_i,
		       uint8_t *out, size_t *plen)
{
	uint8_t *copy = malloc(len);
	struct ike_msg m;
	int ret = -1;

	if (!copy)
		abort();
	memcpy(copy, p, len);
	if (!ike_decode(copy, len, &m))
		ret = ike2_sk_open(&m, k, from_i, out, 512, plen);
	free(copy);
	return ret;
}

static void test_roundtrip(void)
{
	uint8_t msg[1024], chain[512], out[512];
	size_t i, len, clen, plen, flips, refused;
	const struct suite *s;
	struct ike2_keys k;
	struct ike_msg m;
	unsigned int bit;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		s = &suites[i];
		suite_keys(s, &k);
		len = seal_msg(&k, true, msg, sizeof(msg), chain, &clen);
		if (!CHECK(len > 0))
			continue;
		plen = 0;
		if (CHECK(!decode_open(msg, len, &k, true, out, &plen)) &&
		    CHECK(plen == clen))
			CHECK_BYTES(out, chain, clen);
		/* The inner chain decodes behind the outer payloads. */
		if (CHECK(!ike_decode(msg, len, &m)) &&
		    CHECK(!ike2_sk_open(&m, &k, true, out, sizeof(out), &plen)))
			CHECK(!ike_decode_inner(&m, IKE_PL_IDI, out, plen) && m.npl == 5 &&
			      m.pl[2].type == IKE_PL_IDI && m.pl[4].type == IKE_PL_NOTIFY);
		/* The other direction's keys do not open it. */
		CHECK(decode_open(msg, len, &k, false, out, &plen) == -1);
		/* Responder's keys both ways. */
		len = seal_msg(&k, false, msg, sizeof(msg), chain, &clen);
		CHECK(len && !decode_open(msg, len, &k, false, out, &plen) && plen == clen);
		CHECK(decode_open(msg, len, &k, true, out, &plen) == -1);
		/* Any one bit flipped, anywhere: header, VID, SK header, IV, ciphertext, ICV. */
		flips = refused = 0;
		for (bit = 0; bit < len * 8; bit++) {
			msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			flips++;
			refused += decode_open(msg, len, &k, false, out, &plen) == -1;
			msg[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		CHECK(flips == refused);
		/* Truncated or extended by a byte. */
		CHECK(decode_open(msg, len - 1, &k, false, out, &plen) == -1);
		CHECK(!decode_open(msg, len, &k, false, out, &plen));
		ike2_keys_wipe(&k);
	}
}

/* Plaintext lengths around the block: padding and the pad length byte. */
static void test_padding(void)
{
	uint8_t plain[64], msg[256], out[256];
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_INFORMATIONAL };
	const struct ike_encr_alg *a;
	struct ike2_keys k;
	struct ike_wbuf w;
	struct ike_enc e;
	size_t i, n, plen;
	struct ike_sk sk;
	struct ike_msg m;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		suite_keys(&suites[i], &k);
		a = k.encr;
		for (n = 0; n <= 33; n++) {
			ike_random(plain, n);
			ike_wbuf_init(&w, msg, sizeof(msg));
			ike_enc_begin(&e, &w, &h);
			if (!CHECK(!ike2_sk_seal(&e, &k, true, IKE_PL_NOTIFY, plain, n)))
				continue;
			if (!CHECK(!ike_decode(msg, w.len, &m)) ||
			    !CHECK(!ike_dec_sk(&m.pl[0], &sk)))
				continue;
			/* IV, then whole blocks of plaintext + padding + 1, then the ICV. */
			CHECK((sk.data.len - a->iv_len - (a->aead ? a->icv_len :
				k.integ->icv_len)) == (n + 1 + a->block - 1) / a->block * a->block);
			CHECK(!ike2_sk_open(&m, &k, true, out, sizeof(out), &plen) && plen == n &&
			      ike_memeq(out, plain, n));
		}
		/* An empty INFORMATIONAL: no plaintext at all. */
		ike_wbuf_init(&w, msg, sizeof(msg));
		ike_enc_begin(&e, &w, &h);
		CHECK(!ike2_sk_seal(&e, &k, false, IKE_PL_NONE, NULL, 0) &&
		      !ike_decode(msg, w.len, &m) && !ike_dec_sk(&m.pl[0], &sk) &&
		      sk.inner == IKE_PL_NONE &&
		      !ike2_sk_open(&m, &k, false, out, sizeof(out), &plen) && plen == 0);
		ike2_keys_wipe(&k);
	}
}

/*
 * AES-CBC: a pad length past the plaintext, under a valid ICV. Flipping a
 * bit of the byte one block before the last ciphertext byte (in the IV if
 * there is one block) flips the same bit of the pad length byte; the ICV
 * is then recomputed with the right key.
 */
static void test_bad_pad_length(void)
{
	uint8_t msg[1024], chain[512], out[512];
	const struct ike_integ_alg *ia;
	struct ike_view v;
	size_t i, len, clen, plen, icvl;
	struct ike2_keys k;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		if (suites[i].encr != IKE_ENCR_AES_CBC)
			continue;
		suite_keys(&suites[i], &k);
		ia = k.integ;
		icvl = ia->icv_len;
		len = seal_msg(&k, true, msg, sizeof(msg), chain, &clen);
		if (!CHECK(len))
			continue;
		/* Pad length 0x80 | its value: past any of these plaintexts. */
		msg[len - icvl - 1 - 16] ^= 0x80;
		v = (struct ike_view){ msg, len - icvl };
		CHECK(!ike_integ(ia, k.sk_ai, &v, 1, msg + len - icvl));
		CHECK(decode_open(msg, len, &k, true, out, &plen) == -1);
		/* Flipped back, with the ICV recomputed once more: opens. */
		msg[len - icvl - 1 - 16] ^= 0x80;
		CHECK(!ike_integ(ia, k.sk_ai, &v, 1, msg + len - icvl));
		CHECK(!decode_open(msg, len, &k, true, out, &plen) && plen == clen);
		ike2_keys_wipe(&k);
	}
}

/* AEAD in place with EVP, no tag check: stream ciphers, so it also decrypts. */
static void aead_enc(const struct ike_encr_alg *a, const uint8_t *key, const uint8_t *nonce,
		     const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len, uint8_t *tag)
{
	const char *name = a->id == IKE_ENCR_CHACHA20_POLY1305 ? "ChaCha20-Poly1305" :
			   a->keybits == 128 ? "AES-128-GCM" : "AES-256-GCM";
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n;

	if (!c || !ctx || !EVP_EncryptInit_ex2(ctx, c, key, nonce, NULL) ||
	    !EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) ||
	    !EVP_EncryptUpdate(ctx, buf, &n, buf, (int)len) ||
	    !EVP_EncryptFinal_ex(ctx, buf + n, &n) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag))
		abort();
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
}

/*
 * AEAD: the SK plaintext's last byte (the pad length) set to pad and the
 * tag made anew, with the initiator's keys, by EVP here.
 */
static void aead_set_pad(uint8_t *msg, size_t len, const struct ike2_keys *k, uint8_t pad)
{
	const struct ike_encr_alg *a = k->encr;
	uint8_t nonce[12], tag[16];
	struct ike_msg m;
	struct ike_sk sk;
	uint8_t *ct;
	size_t ctl;

	if (ike_decode(msg, len, &m) || ike_dec_sk(&m.pl[m.npl - 1], &sk))
		abort();
	memcpy(nonce, k->sk_ei + a->key_len - 4, 4);
	memcpy(nonce + 4, sk.data.p, 8);
	ct = msg + (sk.data.p - msg) + 8;
	ctl = sk.data.len - 8 - 16;
	aead_enc(a, k->sk_ei, nonce, NULL, 0, ct, ctl, tag);	/* now plaintext */
	ct[ctl - 1] = pad;
	aead_enc(a, k->sk_ei, nonce, msg, (size_t)(sk.data.p - msg), ct, ctl, tag);
	memcpy(ct + ctl, tag, 16);
}

/* AEADs: a pad length past the plaintext under a valid tag; all padding is fine. */
static void test_bad_pad_aead(void)
{
	uint8_t msg[1024], chain[512], out[512];
	size_t i, len, clen, plen;
	struct ike2_keys k;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		if (suites[i].encr == IKE_ENCR_AES_CBC)
			continue;
		suite_keys(&suites[i], &k);
		len = seal_msg(&k, true, msg, sizeof(msg), chain, &clen);
		if (!CHECK(len))
			continue;
		/* The helper itself: pad length 0 again opens. */
		aead_set_pad(msg, len, &k, 0);
		CHECK(!decode_open(msg, len, &k, true, out, &plen) && plen == clen);
		/* The plaintext is clen bytes and the pad length byte. */
		aead_set_pad(msg, len, &k, (uint8_t)(clen + 1));
		CHECK(decode_open(msg, len, &k, true, out, &plen) == -1);
		aead_set_pad(msg, len, &k, 0xff);
		CHECK(decode_open(msg, len, &k, true, out, &plen) == -1);
		/* Everything padding: an empty inner chain. */
		aead_set_pad(msg, len, &k, (uint8_t)clen);
		CHECK(!decode_open(msg, len, &k, true, out, &plen) && plen == 0);
		ike2_keys_wipe(&k);
	}
}

/* RFC 7383: fragments of at most max_len bytes that open and join again. */
static void test_fragments(void)
{
	struct ike_hdr h = { .spi_i = { 1, 2, 3, 4, 5, 6, 7, 8 }, .spi_r = { 9, 10 },
			     .major = 2, .exchange = IKE_EXCH_IKE_AUTH, .msgid = 1,
			     .flags = IKE_FLAG_INITIATOR };
	uint8_t chain[600], joined[600], out[4096], piece[512];
	size_t i, plen, total, flips, refused;
	struct ike_view frags[16];
	unsigned int nf, f, bit;
	struct ike2_keys k;
	struct ike_msg m;
	struct ike_sk sk;

	ike_random(chain, sizeof(chain));
	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		suite_keys(&suites[i], &k);
		if (!CHECK(!ike2_skf_seal(&h, &k, true, IKE_PL_IDI, chain, sizeof(chain), 200, out,
					  sizeof(out), frags, 16, &nf)))
			continue;
		CHECK(nf >= 4 && nf <= 6);
		total = 0;
		for (f = 0; f < nf; f++) {
			CHECK(frags[f].len <= 200);
			/* AEADs fill every fragment but the last to the byte. */
			CHECK(!k.encr->aead || f + 1 == nf || frags[f].len == 200);
			if (!CHECK(!ike_decode(frags[f].p, frags[f].len, &m)) ||
			    !CHECK(m.npl == 1 && !ike_dec_sk(&m.pl[0], &sk)))
				continue;
			CHECK(sk.frag && sk.frag_num == f + 1 && sk.frag_total == nf);
			CHECK(sk.inner == (f ? IKE_PL_NONE : IKE_PL_IDI));
			CHECK(m.hdr.msgid == 1 && m.hdr.exchange == IKE_EXCH_IKE_AUTH);
			if (CHECK(!ike2_sk_open(&m, &k, true, piece, sizeof(piece), &plen)) &&
			    CHECK(total + plen <= sizeof(joined))) {
				memcpy(joined + total, piece, plen);
				total += plen;
			}
			CHECK(ike2_sk_open(&m, &k, false, piece, sizeof(piece), &plen) == -1);
		}
		CHECK(total == sizeof(chain) && ike_memeq(joined, chain, total));
		/* Every bit of the second fragment, its number and total included. */
		flips = refused = 0;
		for (bit = 0; bit < frags[1].len * 8; bit++) {
			out[frags[1].p - out + bit / 8] ^= (uint8_t)(1 << (bit % 8));
			flips++;
			refused += decode_open(frags[1].p, frags[1].len, &k, true, piece,
					       &plen) == -1;
			out[frags[1].p - out + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		CHECK(flips == refused);
		/* One fragment for an empty chain; no room; too many fragments; no space. */
		CHECK(!ike2_skf_seal(&h, &k, true, IKE_PL_NONE, chain, 0, 200, out, sizeof(out),
				     frags, 16, &nf) && nf == 1);
		CHECK(ike2_skf_seal(&h, &k, true, IKE_PL_IDI, chain, sizeof(chain), 60, out,
				    sizeof(out), frags, 16, &nf) == IKE_E_ENC_ARG);
		CHECK(ike2_skf_seal(&h, &k, true, IKE_PL_IDI, chain, sizeof(chain), 200, out,
				    sizeof(out), frags, 2, &nf) == IKE_E_TOO_LONG);
		CHECK(ike2_skf_seal(&h, &k, true, IKE_PL_IDI, chain, sizeof(chain), 200, out, 500,
				    frags, 16, &nf) == IKE_E_NOSPACE);
		ike2_keys_wipe(&k);
	}
}

/*
 * Wireshark as a second implementation: tshark 4.0 (a dependency of make
 * check, tools/deps.sh) decrypts and verifies what we seal, given the keys
 * in its ikev2_decryption_table, and sees a flipped ICV byte. The packets
 * go into a pcap of raw IPv4/UDP datagrams (linktype 101).
 */
static void pcap_u32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	fwrite(b, 1, 4, f);
}

static void pcap_packet(FILE *f, const uint8_t *msg, size_t len)
{
	uint8_t ip[28] = {
		0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0,
		192, 0, 2, 1, 192, 0, 2, 2,	/* IPv4, UDP, 192.0.2.1 > 192.0.2.2 */
		0x01, 0xf4, 0x01, 0xf4,		/* ports 500 > 500, checksum 0 */
	};

	ip[2] = (uint8_t)((len + 28) >> 8);
	ip[3] = (uint8_t)(len + 28);
	ip[24] = (uint8_t)((len + 8) >> 8);
	ip[25] = (uint8_t)(len + 8);
	pcap_u32(f, 0);
	pcap_u32(f, 0);
	pcap_u32(f, (uint32_t)(len + 28));
	pcap_u32(f, (uint32_t)(len + 28));
	fwrite(ip, 1, sizeof(ip), f);
	fwrite(msg, 1, len, f);
}

static char *hexs(char *p, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p += sprintf(p, "%02x", b[i]);
	return p;
}

/* One ikev2_decryption_table row as a tshark -o option, appended at p. */
static char *uat_row(char *p, const uint8_t *spi_i, const uint8_t *spi_r,
		     const struct ike2_keys *k)
{
	const struct ike_integ_alg *ia = k->integ;

	p += sprintf(p, " -o 'uat:ikev2_decryption_table:");
	p = hexs(p, spi_i, 8);
	*p++ = ',';
	p = hexs(p, spi_r, 8);
	*p++ = ',';
	p = hexs(p, k->sk_ei, k->encr->key_len);
	*p++ = ',';
	p = hexs(p, k->sk_er, k->encr->key_len);
	p += sprintf(p, ",\"%s\",", k->encr->tshark);
	if (ia) {
		p = hexs(p, k->sk_ai, ia->key_len);
		*p++ = ',';
		p = hexs(p, k->sk_ar, ia->key_len);
	} else {
		*p++ = ',';
	}
	return p + sprintf(p, ",\"%s\"'", ia ? ia->tshark : "NONE [RFC4306]");
}

static void test_tshark(void)
{
	char dir[] = "/tmp/test_crypto.XXXXXX", path[64], cmd[8192], line[512], *p;
	unsigned int npkt = 0, good = 0, bad = 0;
	uint8_t msg[1024], chain[512];
	size_t i, len, clen;
	struct ike2_keys k;
	bool ok;
	FILE *f;

	if (!CHECK(mkdtemp(dir)))
		return;
	snprintf(path, sizeof(path), "%s/ike.pcap", dir);
	f = fopen(path, "w");
	if (!CHECK(f))
		goto out;
	pcap_u32(f, 0xa1b2c3d4);
	pcap_u32(f, 0x00040002);	/* version 2.4 */
	pcap_u32(f, 0);
	pcap_u32(f, 0);
	pcap_u32(f, 65535);
	pcap_u32(f, 101);		/* LINKTYPE_RAW */
	p = cmd + sprintf(cmd, "tshark -n -r %s", path);
	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		suite_keys(&suites[i], &k);
		if (!k.encr->tshark)	/* Wireshark 4.0 has no ChaCha20-Poly1305 */
			continue;
		len = seal_msg_spi(&k, true, (uint8_t)(0x10 + i), msg, sizeof(msg), chain, &clen);
		if (!CHECK(len))
			continue;
		p = uat_row(p, msg, msg + 8, &k);
		/* Each message twice: as sealed (odd frames), then its last ICV byte flipped. */
		pcap_packet(f, msg, len);
		msg[len - 1] ^= 1;
		pcap_packet(f, msg, len);
		npkt += 2;
		ike2_keys_wipe(&k);
	}
	fclose(f);
	snprintf(p, (size_t)(cmd + sizeof(cmd) - p),
		 " -T fields -E separator=, -e frame.number -e isakmp.id.data.ipv4_addr"
		 " -e _ws.expert.message 2>&1");
	f = popen(cmd, "r");
	if (!CHECK(f))
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] < '0' || line[0] > '9')	/* "Running as user root" */
			continue;
		/* Decrypted either way; the ICV or tag is right only in odd frames. */
		ok = strstr(line, ",192.0.2.1,");
		if (atoi(line) % 2)
			good += ok && !strstr(line, "incorrect");
		else
			bad += ok && strstr(line, "Integrity Checksum Data is incorrect");
		printf("# tshark: %s", line);
	}
	CHECK(pclose(f) == 0);
	CHECK(npkt == 10 && good == npkt / 2 && bad == npkt / 2);
	ike_wipe(cmd, sizeof(cmd));
out:
	unlink(path);
	rmdir(dir);
}

/* Seal's refusals: no room, payload after SK, too long for the SK length field. */
static void test_seal_limits(void)
{
	uint8_t msg[4096], plain[70000] = { 0 };
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_INFORMATIONAL };
	struct ike_view vid = { plain, 4 };
	struct ike2_keys k;
	struct ike_wbuf w;
	struct ike_enc e;

	suite_keys(&suites[3], &k);
	ike_wbuf_init(&w, msg, 60);
	ike_enc_begin(&e, &w, &h);
	CHECK(ike2_sk_seal(&e, &k, true, IKE_PL_NOTIFY, plain, 40) == IKE_E_NOSPACE);
	ike_wbuf_init(&w, msg, sizeof(msg));
	ike_enc_begin(&e, &w, &h);
	CHECK(!ike2_sk_seal(&e, &k, true, IKE_PL_NOTIFY, plain, 40));
	ike_enc_vid(&e, &vid);
	CHECK(ike_enc_end(&e) == IKE_E_ENC_ORDER);
	ike_wbuf_init(&w, msg, sizeof(msg));
	ike_enc_begin(&e, &w, &h);
	CHECK(ike2_sk_seal(&e, &k, true, IKE_PL_NOTIFY, plain, 65500) == IKE_E_TOO_LONG);
	k.integ = NULL;
	ike_wbuf_init(&w, msg, sizeof(msg));
	ike_enc_begin(&e, &w, &h);
	CHECK(ike2_sk_seal(&e, &k, true, IKE_PL_NOTIFY, plain, 40) == -1);
	ike2_keys_wipe(&k);
}


/* --- IKEv1 (kdf1.c, protect1.c) --------------------------------------- */

/* MODP 1024 from known private values; p - 1 and p - 2 refused. */
static void test_v1_modp1024(void)
{
	uint8_t x[32], y[32], pub[128], pub_y[128], s[128], v[128];
	struct hex want, shared;
	struct ike_dh *a, *b;
	BIGNUM *p = BN_get_rfc2409_prime_1024(NULL);
	unsigned int i;

	for (i = 0; i < 32; i++) {
		x[i] = (uint8_t)(i + 1);
		y[i] = (uint8_t)(i + 0x21);
	}
	unhex(&want, V1_MODP1024_PUB);
	unhex(&shared, V1_MODP1024_SHARED);
	a = ike_dh_new_priv(IKE_DH_MODP1024, x, sizeof(x));
	b = ike_dh_new_priv(IKE_DH_MODP1024, y, sizeof(y));
	if (CHECK(a && b && p) && CHECK(ike_dh_public(a, pub, sizeof(pub)) == 128)) {
		CHECK_BYTES(pub, want.p, 128);
		CHECK(ike_dh_public(b, pub_y, sizeof(pub_y)) == 128);
		if (CHECK(ike_dh_shared(a, pub_y, 128, s, sizeof(s)) == 128))
			CHECK_BYTES(s, shared.p, 128);
		if (CHECK(ike_dh_shared(b, pub, 128, s, sizeof(s)) == 128))
			CHECK_BYTES(s, shared.p, 128);
		CHECK(ike_dh_shared(a, pub_y, 127, s, sizeof(s)) == -1);
		BN_sub_word(p, 1);
		BN_bn2binpad(p, v, sizeof(v));
		CHECK(ike_dh_shared(a, v, sizeof(v), s, sizeof(s)) == -1);
		BN_sub_word(p, 1);	/* p - 2: outside the subgroup of order q */
		BN_bn2binpad(p, v, sizeof(v));
		CHECK(ike_dh_shared(a, v, sizeof(v), s, sizeof(s)) == -1);
	}
	BN_free(p);
	ike_dh_free(a);
	ike_dh_free(b);
}

static void test_v1_prf_md(void)
{
	CHECK(!strcmp(ike1_prf_md(IKE_PRF_HMAC_SHA1), "SHA1"));
	CHECK(!strcmp(ike1_prf_md(IKE_PRF_HMAC_SHA2_256), "SHA256"));
	CHECK(!strcmp(ike1_prf_md(IKE_PRF_HMAC_SHA2_384), "SHA384"));
	CHECK(!strcmp(ike1_prf_md(IKE_PRF_HMAC_SHA2_512), "SHA512"));
	CHECK(!ike1_prf_md(IKE_PRF_HMAC_MD5) && !ike1_prf_md(IKE_PRF_AES128_XCBC));
}

/* SKEYID from the PSK, SKEYID_d/_a/_e and Ka: CAVP, NSS and strongSwan's keys. */
static void test_v1_kdf(void)
{
	struct hex psk, ni, nr, gxy, ci, cr, skeyid, d, a, e, ka;
	const struct v1_kdf_vector *v;
	struct ike_view vni, vnr, vgxy;
	struct ike1_keys k;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v1_kdf_vectors); i++) {
		v = &v1_kdf_vectors[i];
		memset(&k, 0, sizeof(k));
		k.prf = ike_prf_alg(v->prf);
		k.md = ike1_prf_md(v->prf);
		unhex(&skeyid, v->skeyid);
		if (!CHECK(k.prf && k.md && skeyid.len == k.prf->len))
			continue;
		if (v->psk) {
			unhex(&psk, v->psk);
			unhex(&ni, v->ni);
			unhex(&nr, v->nr);
			vni = view(&ni);
			vnr = view(&nr);
			if (CHECK(!ike1_skeyid_psk(&k, psk.p, psk.len, &vni, &vnr)))
				CHECK_BYTES(k.skeyid, skeyid.p, skeyid.len);
		} else {
			memcpy(k.skeyid, skeyid.p, skeyid.len);
		}
		if (!v->gxy)
			continue;
		k.encr = ike_encr_alg(IKE_ENCR_AES_CBC, v->keybits);
		unhex(&gxy, v->gxy);
		unhex(&ci, v->cky_i);
		unhex(&cr, v->cky_r);
		unhex(&d, v->skeyid_d);
		unhex(&a, v->skeyid_a);
		unhex(&e, v->skeyid_e);
		unhex(&ka, v->ka);
		vgxy = view(&gxy);
		if (!CHECK(k.encr && ka.len == k.encr->key_len) ||
		    !CHECK(!ike1_derive(&k, &vgxy, ci.p, cr.p)))
			continue;
		CHECK_BYTES(k.skeyid_d, d.p, d.len);
		CHECK_BYTES(k.skeyid_a, a.p, a.len);
		CHECK_BYTES(k.skeyid_e, e.p, e.len);
		CHECK_BYTES(k.ka, ka.p, ka.len);
		ike1_keys_wipe(&k);
		CHECK_BYTES(k.skeyid_e, zero, sizeof(k.skeyid_e));
		CHECK(!k.prf);
	}
	/* No PRF or cipher: refused, and the keys wiped. */
	memset(&k, 0x55, sizeof(k));
	k.prf = NULL;
	k.encr = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
	CHECK(ike1_derive(&k, &vgxy, ci.p, cr.p) == -1);
	k.prf = ike_prf_alg(IKE_PRF_HMAC_SHA2_256);
	k.encr = NULL;
	CHECK(ike1_derive(&k, &vgxy, ci.p, cr.p) == -1);
	CHECK(ike1_skeyid_psk(&(struct ike1_keys){ 0 }, psk.p, psk.len, &vni, &vnr) == -1);
}

/* v1main's keys, as the known answers of vectors_crypto1.h were made from. */
static void v1main_keys(struct ike1_keys *k)
{
	const struct v1_kdf_vector *v = &v1_kdf_vectors[5];
	struct hex h;

	memset(k, 0, sizeof(*k));
	k->prf = ike_prf_alg(IKE_PRF_HMAC_SHA2_256);
	k->encr = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
	k->md = "SHA256";
	unhex(&h, v->skeyid);
	memcpy(k->skeyid, h.p, h.len);
	unhex(&h, v->skeyid_d);
	memcpy(k->skeyid_d, h.p, h.len);
	unhex(&h, v->skeyid_a);
	memcpy(k->skeyid_a, h.p, h.len);
	unhex(&h, v->skeyid_e);
	memcpy(k->skeyid_e, h.p, h.len);
	unhex(&h, v->ka);
	memcpy(k->ka, h.p, h.len);
}

/* n bytes of value c, as a view. */
static struct ike_view fill(uint8_t *buf, size_t n, uint8_t c)
{
	memset(buf, c, n);
	return (struct ike_view){ buf, n };
}

/* n bytes first, first + 1, ..., as a view. */
static struct ike_view count(uint8_t *buf, size_t n, uint8_t first)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(first + i);
	return (struct ike_view){ buf, n };
}

static void test_v1_hashes(void)
{
	uint8_t gi[64], gr[64], nib[16], nrb[20], out[IKE_KEY_MAX];
	struct hex ci, cr, sai, idi, idr, rest, want;
	struct ike_view vgi, vgr, vni, vnr, vsai, vidi, vidr, vrest;
	struct ike1_keys k;

	v1main_keys(&k);
	vgi = fill(gi, sizeof(gi), 0x11);
	vgr = fill(gr, sizeof(gr), 0x22);
	vni = count(nib, sizeof(nib), 0x30);
	vnr = count(nrb, sizeof(nrb), 0x60);
	unhex(&ci, v1_kdf_vectors[5].cky_i);
	unhex(&cr, v1_kdf_vectors[5].cky_r);
	unhex(&sai, V1_SAI_B);
	unhex(&idi, V1_IDII_B);
	unhex(&idr, V1_IDIR_B);
	unhex(&rest, V1_REST);
	vsai = view(&sai);
	vidi = view(&idi);
	vidr = view(&idr);
	vrest = view(&rest);
	unhex(&want, V1_HASH_I);
	if (CHECK(!ike1_hash_auth(&k, true, &vgi, &vgr, ci.p, cr.p, &vsai, &vidi, out)))
		CHECK_BYTES(out, want.p, 32);
	unhex(&want, V1_HASH_R);
	if (CHECK(!ike1_hash_auth(&k, false, &vgi, &vgr, ci.p, cr.p, &vsai, &vidr, out)))
		CHECK_BYTES(out, want.p, 32);
	unhex(&want, V1_HASH1);
	if (CHECK(!ike1_hash_msg(&k, false, 0x1a2b3c4d, NULL, NULL, &vrest, out)))
		CHECK_BYTES(out, want.p, 32);
	unhex(&want, V1_HASH2);
	if (CHECK(!ike1_hash_msg(&k, false, 0x1a2b3c4d, &vni, NULL, &vrest, out)))
		CHECK_BYTES(out, want.p, 32);
	unhex(&want, V1_HASH3);
	if (CHECK(!ike1_hash_msg(&k, true, 0x1a2b3c4d, &vni, &vnr, NULL, out)))
		CHECK_BYTES(out, want.p, 32);
	/* The M-ID is big-endian on the wire: another value, another hash. */
	if (CHECK(!ike1_hash_msg(&k, true, 0x4d3c2b1a, &vni, &vnr, NULL, out)))
		CHECK(memcmp(out, want.p, 32));
	k.prf = NULL;
	CHECK(ike1_hash_msg(&k, true, 1, &vni, &vnr, NULL, out) == -1);
	CHECK(ike1_hash_auth(&k, true, &vgi, &vgr, ci.p, cr.p, &vsai, &vidi, out) == -1);
	ike1_keys_wipe(&k);
}

static void test_v1_keymat(void)
{
	static const uint8_t spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
	uint8_t g2[128], nib[16], nrb[20], out[80], part[80];
	struct ike_view vg2, vni, vnr;
	struct ike1_keys k;
	struct hex want;
	size_t n;

	v1main_keys(&k);
	vg2 = fill(g2, sizeof(g2), 0x5a);
	vni = count(nib, sizeof(nib), 0x30);
	vnr = count(nrb, sizeof(nrb), 0x60);
	unhex(&want, V1_KEYMAT);
	if (CHECK(!ike1_qm_keymat(&k, NULL, IKE_PROTO_ESP, spi, &vni, &vnr, out, sizeof(out))))
		CHECK_BYTES(out, want.p, sizeof(out));
	/* Any length is a prefix of a longer one: 1, 31, 32, 33 and 64 bytes. */
	for (n = 1; n <= 64; n += n == 1 ? 30 : n == 33 ? 31 : 1) {
		if (n > 33 && n < 64)
			continue;
		if (CHECK(!ike1_qm_keymat(&k, NULL, IKE_PROTO_ESP, spi, &vni, &vnr, part, n)))
			CHECK_BYTES(part, want.p, n);
	}
	unhex(&want, V1_KEYMAT_PFS);
	if (CHECK(!ike1_qm_keymat(&k, &vg2, IKE_PROTO_ESP, spi, &vni, &vnr, out, sizeof(out))))
		CHECK_BYTES(out, want.p, sizeof(out));
	/* The protocol is part of the input. */
	if (CHECK(!ike1_qm_keymat(&k, &vg2, IKE_PROTO_AH, spi, &vni, &vnr, out, sizeof(out))))
		CHECK(memcmp(out, want.p, sizeof(out)));
	ike1_keys_wipe(&k);
}

/* A main mode message of ours: v1main's cookies, E set, body first..first + n - 1. */
static size_t v1_msg(uint8_t *buf, uint8_t flags, uint8_t first, size_t n)
{
	struct hex ci, cr;
	size_t len = IKE_HDR_LEN + n;

	unhex(&ci, v1_kdf_vectors[5].cky_i);
	unhex(&cr, v1_kdf_vectors[5].cky_r);
	memcpy(buf, ci.p, 8);
	memcpy(buf + 8, cr.p, 8);
	buf[16] = IKE1_PL_ID;
	buf[17] = 0x10;
	buf[18] = IKE1_EXCH_IDENT_PROT;
	buf[19] = flags;
	memset(buf + 20, 0, 4);
	buf[24] = 0;
	buf[25] = 0;
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	count(buf + IKE_HDR_LEN, n, first);
	return len;
}

static void test_v1_protect(void)
{
	uint8_t gi[64], gr[64], msg[256], msg2[256], plain[256], ref[64];
	struct ike1_iv iv, iv_o, saved, qm;
	struct hex want, c1, c2;
	struct ike_view vgi, vgr;
	struct ike1_keys k;
	struct ike_msg m;
	size_t plen;
	int len;

	v1main_keys(&k);
	vgi = fill(gi, sizeof(gi), 0x11);
	vgr = fill(gr, sizeof(gr), 0x22);
	unhex(&want, V1_IV1);
	if (!CHECK(!ike1_iv_phase1(&k, &vgi, &vgr, &iv)) || !CHECK(iv.len == 16))
		return;
	CHECK_BYTES(iv.b, want.p, 16);
	iv_o = iv;

	/* 37 bytes: padded with 11 zeros, the length patched to 76. */
	unhex(&c1, V1_C1);
	v1_msg(msg, IKE1_FLAG_ENCRYPTION, 0x40, 37);
	CHECK(ike1_seal(&k, &iv, msg, IKE_HDR_LEN + 37, IKE_HDR_LEN + 47) == -1);
	len = ike1_seal(&k, &iv, msg, IKE_HDR_LEN + 37, sizeof(msg));
	if (!CHECK(len == IKE_HDR_LEN + 48))
		return;
	CHECK(msg[24] == 0 && msg[25] == 0 && msg[26] == 0 && msg[27] == 76);
	CHECK_BYTES(msg + IKE_HDR_LEN, c1.p, 48);
	CHECK_BYTES(iv.b, c1.p + 32, 16);

	/* A whole block: no padding; chained on the first message's last block. */
	unhex(&c2, V1_C2);
	v1_msg(msg2, IKE1_FLAG_ENCRYPTION, 0x80, 16);
	if (CHECK(ike1_seal(&k, &iv, msg2, IKE_HDR_LEN + 16, sizeof(msg2)) == IKE_HDR_LEN + 16))
		CHECK_BYTES(msg2 + IKE_HDR_LEN, c2.p, 16);
	unhex(&want, V1_IV_QM);
	if (CHECK(!ike1_iv_phase2(&k, &iv, 0x1a2b3c4d, &qm)))
		CHECK_BYTES(qm.b, want.p, 16);

	/* The receiver: same IVs, same plaintexts, padding included. */
	count(ref, 37, 0x40);
	memset(ref + 37, 0, 11);
	if (CHECK(ike_decode(msg, (size_t)len, &m) == IKE_OK && m.encrypted.len == 48) &&
	    CHECK(!ike1_open(&m, &k, &iv_o, plain, sizeof(plain), &plen))) {
		CHECK(plen == 48);
		CHECK_BYTES(plain, ref, 48);
		CHECK_BYTES(iv_o.b, c1.p + 32, 16);
	}
	count(ref, 16, 0x80);
	if (CHECK(ike_decode(msg2, IKE_HDR_LEN + 16, &m) == IKE_OK) &&
	    CHECK(!ike1_open(&m, &k, &iv_o, plain, sizeof(plain), &plen))) {
		CHECK(plen == 16);
		CHECK_BYTES(plain, ref, 16);
		CHECK(ike_memeq(iv_o.b, iv.b, 16));
	}

	/* A wrong IV is not detected here, but the plaintext is not the one sent. */
	saved = iv_o;
	if (CHECK(ike_decode(msg2, IKE_HDR_LEN + 16, &m) == IKE_OK) &&
	    CHECK(!ike1_open(&m, &k, &iv_o, plain, sizeof(plain), &plen)))
		CHECK(memcmp(plain, ref, 16));
	/* Too small a buffer, or not whole blocks: refused, the IV unchanged. */
	iv_o = saved;
	CHECK(ike1_open(&m, &k, &iv_o, plain, 15, &plen) == -1);
	m.encrypted.len = 15;
	CHECK(ike1_open(&m, &k, &iv_o, plain, sizeof(plain), &plen) == -1);
	m.encrypted.len = 0;
	CHECK(ike1_open(&m, &k, &iv_o, plain, sizeof(plain), &plen) == -1);
	CHECK(ike_memeq(iv_o.b, saved.b, 16));

	/* Without the E flag, or with nothing to encrypt, seal refuses. */
	v1_msg(msg, 0, 0x40, 20);
	CHECK(ike1_seal(&k, &iv, msg, IKE_HDR_LEN + 20, sizeof(msg)) == -1);
	v1_msg(msg, IKE1_FLAG_ENCRYPTION, 0x40, 0);
	CHECK(ike1_seal(&k, &iv, msg, IKE_HDR_LEN, sizeof(msg)) == -1);
	/* An unencrypted message has nothing to open. */
	v1_msg(msg, 0, 0x40, 0);
	msg[16] = IKE_PL_NONE;
	if (CHECK(ike_decode(msg, IKE_HDR_LEN, &m) == IKE_OK))
		CHECK(ike1_open(&m, &k, &iv_o, plain, sizeof(plain), &plen) == -1);
	ike1_keys_wipe(&k);
}

/* Round trips of 1 to 100 bytes with AES-256 and SHA-1; every bit flip changes the text. */
static void test_v1_roundtrip(void)
{
	uint8_t gi[96], gr[96], msg[256], orig[256], plain[256], ref[40];
	struct ike1_iv is, ir;
	struct ike_view vgi, vgr;
	struct ike1_keys k;
	struct ike_msg m;
	size_t n, plen, bit;
	int len;

	memset(&k, 0, sizeof(k));
	k.prf = ike_prf_alg(IKE_PRF_HMAC_SHA1);
	k.md = ike1_prf_md(IKE_PRF_HMAC_SHA1);
	k.encr = ike_encr_alg(IKE_ENCR_AES_CBC, 256);
	ike_random(k.skeyid, 20);
	vgi = fill(gi, sizeof(gi), 0x33);
	vgr = fill(gr, sizeof(gr), 0x44);
	if (!CHECK(!ike1_derive(&k, &vgi, gi, gr)) ||
	    !CHECK(!ike1_iv_phase1(&k, &vgi, &vgr, &is)))
		return;
	ir = is;
	for (n = 1; n <= 100; n++) {
		v1_msg(msg, IKE1_FLAG_ENCRYPTION, (uint8_t)n, n);
		len = ike1_seal(&k, &is, msg, IKE_HDR_LEN + n, sizeof(msg));
		if (!CHECK(len == (int)(IKE_HDR_LEN + (n + 15) / 16 * 16)) ||
		    !CHECK(ike_decode(msg, (size_t)len, &m) == IKE_OK) ||
		    !CHECK(!ike1_open(&m, &k, &ir, plain, sizeof(plain), &plen)))
			break;
		count(orig, n, (uint8_t)n);
		CHECK(plen == (size_t)len - IKE_HDR_LEN);
		CHECK_BYTES(plain, orig, n);
		CHECK_BYTES(plain + n, zero, plen - n);
		CHECK(ike_memeq(is.b, ir.b, 16));
	}
	/*
	 * CBC: a flipped ciphertext bit garbles its block and flips one in the
	 * next, so the 40 bytes sent never come out again.
	 */
	count(ref, sizeof(ref), 1);
	v1_msg(msg, IKE1_FLAG_ENCRYPTION, 1, 40);
	len = ike1_seal(&k, &is, msg, IKE_HDR_LEN + 40, sizeof(msg));
	memcpy(orig, msg, (size_t)len);
	for (bit = 0; len > 0 && bit < 8 * ((size_t)len - IKE_HDR_LEN); bit += 7) {
		struct ike1_iv iv = ir;

		memcpy(msg, orig, (size_t)len);
		msg[IKE_HDR_LEN + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		if (CHECK(ike_decode(msg, (size_t)len, &m) == IKE_OK) &&
		    CHECK(!ike1_open(&m, &k, &iv, plain, sizeof(plain), &plen)))
			CHECK(memcmp(plain, ref, sizeof(ref)));
	}
	ike1_keys_wipe(&k);
}

static const struct test tests[] = {
	{ "lookups: PRF, groups, encryption and integrity algorithms", test_lookups },
	{ "constant-time compare, random, wipe", test_helpers },
	{ "PRF: RFC 4868 2.7.1, HMAC-SHA-256/384/512, whole and in parts", test_prf },
	{ "integrity: RFC 4868 2.7.2, truncated HMAC-SHA-256/384/512", test_integ },
	{ "prf+: CAVP SP 800-135 DKM (SHA-1, -256, -384, -512), prefixes, limit", test_prf_plus },
	{ "KDF: CAVP SKEYSEED, rekey SKEYSEED, child DKM with and without PFS", test_kdf },
	{ "SK_* cut from DKM in RFC 7296 2.14 order", test_derive },
	{ "child SA keys cut from CAVP child DKM in RFC 7296 2.17 order", test_child_keys },
	{ "PSK AUTH: RFC 7296 2.15 composition against EVP_Q_mac", test_psk_auth },
	{ "DH: RFC 5903 8.1/8.2 ECP, RFC 7748 6.1 and RFC 8031 X25519", test_dh_vectors },
	{ "DH: MODP 2048 from a known private value", test_dh_modp_priv },
	{ "DH: fresh key pairs agree in groups 2, 14, 15, 16, 19, 20, 31", test_dh_fresh },
	{ "DH: MODP 0, 1, p - 2, p - 1, p and above refused", test_dh_modp_bad },
	{ "DH: ECP points off the curve, X25519 small order refused", test_dh_ecp_x25519_bad },
	{ "SK: RFC 7634 Appendix B ChaCha20-Poly1305 opened and resealed", test_chacha_ike },
	{ "SK: GCM, ChaCha20, CBC+HMAC round trips; every bit flip refused", test_roundtrip },
	{ "SK: padding for plaintexts of 0 to 33 bytes, and none at all", test_padding },
	{ "SK: CBC pad length past the plaintext refused under a valid ICV",
	  test_bad_pad_length },
	{ "SK: AEAD pad length past the plaintext refused under a valid tag",
	  test_bad_pad_aead },
	{ "SKF: RFC 7383 fragments within the size, joined again; bit flips refused",
	  test_fragments },
	{ "SK: tshark 4.0 decrypts and verifies GCM and CBC+HMAC, sees a bad ICV", test_tshark },
	{ "SK: seal refuses no room, payload after SK, too long, no integrity", test_seal_limits },
	{ "IKEv1: MODP 1024 from known private values, p - 1 and p - 2 refused",
	  test_v1_modp1024 },
	{ "IKEv1: the hash of each PRF", test_v1_prf_md },
	{ "IKEv1: CAVP/NSS SKEYID (PSK), SKEYID_d/a/e, App. B Ka; strongSwan's keys",
	  test_v1_kdf },
	{ "IKEv1: HASH_I, HASH_R, HASH(1), HASH(2), HASH(3) known answers", test_v1_hashes },
	{ "IKEv1: quick mode KEYMAT with and without PFS, known answers and prefixes",
	  test_v1_keymat },
	{ "IKEv1: IVs, zero padding, chaining, length: openssl enc known answers",
	  test_v1_protect },
	{ "IKEv1: AES-256/SHA-1 round trips of 1 to 100 bytes, bit flips", test_v1_roundtrip },
};

int main(void)
{
	const unsigned int n = ARRAY_SIZE(tests);

	return run_tests(tests, n);
}
