// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE key exchange groups over EVP_PKEY; see crypto.h. MODP 14-16
 * (RFC 3526) as OpenSSL's named safe-prime groups, MODP 2 (RFC 2409 6.2,
 * for IKEv1 peers) from its prime, as OpenSSL names no such group, ECP 19
 * and 20 (RFC 5903) as P-256 and P-384, and Curve25519 (RFC 8031) as
 * X25519. Peer values are checked by OpenSSL when they become keys and
 * again when the peer is set with validation; the cheap checks come first,
 * here.
 */

#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include "crypto.h"

enum kind { MODP, ECP, X25519 };

struct group {
	struct ike_dh_group g;
	enum kind kind;
	const char *ossl;	/* the group name OpenSSL knows; NULL: see prime */
	BIGNUM *(*prime)(BIGNUM *bn);	/* a MODP group OpenSSL does not name; g is 2 */
};

static const struct group groups[] = {
	{ { IKE_DH_MODP1024, "modp1024", 128 }, MODP, NULL, BN_get_rfc2409_prime_1024 },
	{ { IKE_DH_MODP2048, "modp2048", 256 }, MODP, "modp_2048", NULL },
	{ { IKE_DH_MODP3072, "modp3072", 384 }, MODP, "modp_3072", NULL },
	{ { IKE_DH_MODP4096, "modp4096", 512 }, MODP, "modp_4096", NULL },
	{ { IKE_DH_ECP256, "ecp256", 64 }, ECP, "P-256", NULL },
	{ { IKE_DH_ECP384, "ecp384", 96 }, ECP, "P-384", NULL },
	{ { IKE_DH_CURVE25519, "curve25519", 32 }, X25519, "X25519", NULL },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Large enough for any group's public value or shared secret (and 0x04). */
#define DH_MAX	520

struct ike_dh {
	const struct group *grp;
	EVP_PKEY *key;
};

static const struct group *find_group(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].g.id == id)
			return &groups[i];
	return NULL;
}

const struct ike_dh_group *ike_dh_group(uint16_t id)
{
	const struct group *grp = find_group(id);

	return grp ? &grp->g : NULL;
}

static const char *key_type(const struct group *grp)
{
	return grp->kind == MODP ? "DH" : grp->kind == ECP ? "EC" : "X25519";
}

static struct ike_dh *dh_wrap(const struct group *grp, EVP_PKEY *key)
{
	struct ike_dh *dh;

	if (!key)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		EVP_PKEY_free(key);
		return NULL;
	}
	dh->grp = grp;
	dh->key = key;
	return dh;
}

/*
 * A key pair of a group OpenSSL does not name. OpenSSL 3.0's key
 * generation fails on these explicit p, q, g (generate_key: "BN lib"), so
 * x is drawn here and the pair made as for a known private value: 256
 * bits, well over twice the strength of a 1024-bit group.
 */
#define PRIV_LEN	32

static struct ike_dh *new_random_priv(const struct group *grp)
{
	uint8_t x[PRIV_LEN];
	struct ike_dh *dh;

	ike_random(x, sizeof(x));
	x[0] |= 0x80;	/* never 0 or 1, and a full 256 bits */
	dh = ike_dh_new_priv(grp->g.id, x, sizeof(x));
	OPENSSL_cleanse(x, sizeof(x));
	return dh;
}

struct ike_dh *ike_dh_new(uint16_t id)
{
	const struct group *grp = find_group(id);
	OSSL_PARAM params[2];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;

	if (!grp)
		return NULL;
	if (!grp->ossl)
		return new_random_priv(grp);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(grp), NULL);
	if (!ctx)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)grp->ossl, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_keygen_init(ctx) <= 0 ||
	    (grp->kind != X25519 && !EVP_PKEY_CTX_set_params(ctx, params)) ||
	    EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return dh_wrap(grp, key);
}

/* A key of grp's type from what b holds; b is freed. */
static EVP_PKEY *from_bld(const struct group *grp, int selection, OSSL_PARAM_BLD *b)
{
	BIGNUM *p = NULL, *q = NULL, *g = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!b)
		return NULL;
	if (grp->ossl) {
		if (!OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, grp->ossl, 0))
			goto out;
	} else {
		/*
		 * The prime, g = 2 and q = (p - 1) / 2: with q, OpenSSL checks
		 * that a peer's value is in the subgroup, as for named groups.
		 */
		p = grp->prime(NULL);
		q = p ? BN_dup(p) : NULL;
		g = BN_new();
		if (!q || !g || !BN_rshift1(q, q) || !BN_set_word(g, 2) ||
		    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, p) ||
		    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_Q, q) ||
		    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, g))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(b);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(grp), NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* clears the copy of a private value */
	OSSL_PARAM_BLD_free(b);
	BN_free(p);
	BN_free(q);
	BN_free(g);
	return key;
}

/* A MODP domain parameter (p or g), or NULL: from our key, or from the bare group. */
static BIGNUM *modp_param(const struct group *grp, const EVP_PKEY *key, const char *name)
{
	EVP_PKEY *params = NULL;
	BIGNUM *bn = NULL;

	if (!key)
		key = params = from_bld(grp, EVP_PKEY_KEY_PARAMETERS, OSSL_PARAM_BLD_new());
	if (key && !EVP_PKEY_get_bn_param(key, name, &bn))
		bn = NULL;
	EVP_PKEY_free(params);
	return bn;
}

/*
 * The public value for the private x: g^x mod p into *y for MODP, x * G
 * uncompressed into oct for ECP. The parameter builder only keeps
 * pointers until OSSL_PARAM_BLD_to_param(), so the caller owns both.
 */
static int public_of(const struct group *grp, const BIGNUM *x, BIGNUM **y, uint8_t *oct,
		     size_t *olen)
{
	BIGNUM *p = NULL, *g = NULL;
	EC_GROUP *ecg = NULL;
	EC_POINT *pt = NULL;
	BN_CTX *bnc;
	int ret = -1;

	bnc = BN_CTX_secure_new();
	if (!bnc)
		return -1;
	if (grp->kind == MODP) {
		p = modp_param(grp, NULL, OSSL_PKEY_PARAM_FFC_P);
		g = modp_param(grp, NULL, OSSL_PKEY_PARAM_FFC_G);
		*y = BN_new();
		if (!p || !g || !*y || !BN_mod_exp(*y, g, x, p, bnc))
			goto out;
	} else {
		ecg = EC_GROUP_new_by_curve_name_ex(NULL, NULL, EC_curve_nist2nid(grp->ossl));
		pt = ecg ? EC_POINT_new(ecg) : NULL;
		if (!pt || !EC_POINT_mul(ecg, pt, x, NULL, NULL, bnc))
			goto out;
		*olen = EC_POINT_point2oct(ecg, pt, POINT_CONVERSION_UNCOMPRESSED, oct, DH_MAX,
					   bnc);
		if (!*olen)
			goto out;
	}
	ret = 0;
out:
	EC_POINT_free(pt);
	EC_GROUP_free(ecg);
	BN_free(p);
	BN_free(g);
	BN_CTX_free(bnc);
	return ret;
}

struct ike_dh *ike_dh_new_priv(uint16_t id, const uint8_t *priv, size_t len)
{
	const struct group *grp = find_group(id);
	OSSL_PARAM_BLD *b = NULL;
	BIGNUM *x = NULL, *y = NULL;
	EVP_PKEY *key = NULL;
	uint8_t oct[DH_MAX];
	size_t olen = 0;

	if (!grp || !len || len > grp->g.ke_len)
		return NULL;
	if (grp->kind == X25519)
		return dh_wrap(grp, len == 32 ? EVP_PKEY_new_raw_private_key_ex(NULL, "X25519",
								NULL, priv, len) : NULL);
	x = BN_secure_new();
	b = OSSL_PARAM_BLD_new();
	if (!x || !b || !BN_bin2bn(priv, (int)len, x) || public_of(grp, x, &y, oct, &olen) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, x) ||
	    !(y ? OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, y) :
		  OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, oct, olen))) {
		OSSL_PARAM_BLD_free(b);
		goto out;
	}
	key = from_bld(grp, EVP_PKEY_KEYPAIR, b);
out:
	BN_clear_free(x);
	BN_free(y);
	return dh_wrap(grp, key);
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap)
{
	size_t n = dh->grp->g.ke_len, len;
	uint8_t oct[DH_MAX];
	BIGNUM *y = NULL;
	int ret = -1;

	if (cap < n)
		return -1;
	switch (dh->grp->kind) {
	case MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
		    BN_bn2binpad(y, out, (int)n) == (int)n)
			ret = (int)n;
		BN_free(y);
		break;
	case ECP:
		/* Uncompressed: 0x04 | x | y; the KE payload drops the 0x04. */
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, oct,
						    sizeof(oct), &len) &&
		    len == n + 1 && oct[0] == POINT_CONVERSION_UNCOMPRESSED) {
			memcpy(out, oct + 1, n);
			ret = (int)n;
		}
		break;
	case X25519:
		len = n;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &len) && len == n)
			ret = (int)n;
		break;
	}
	return ret;
}

/* 2 <= y <= p - 2 (RFC 7296 5.3 by way of SP 800-56A 5.6.2.3.1). */
static bool modp_range_ok(const struct ike_dh *dh, const BIGNUM *y)
{
	BIGNUM *p = modp_param(dh->grp, dh->key, OSSL_PKEY_PARAM_FFC_P);
	bool ok = false;

	if (p && BN_sub_word(p, 1))
		ok = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, p) < 0;
	BN_free(p);
	return ok;
}

static EVP_PKEY *peer_key(struct ike_dh *dh, const uint8_t *peer, size_t len)
{
	const struct group *grp = dh->grp;
	uint8_t oct[DH_MAX];
	OSSL_PARAM_BLD *b;
	BIGNUM *y = NULL;
	EVP_PKEY *key;

	if (grp->kind == X25519)
		return EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, len);
	b = OSSL_PARAM_BLD_new();
	if (!b)
		return NULL;
	if (grp->kind == MODP) {
		y = BN_bin2bn(peer, (int)len, NULL);
		if (!y || !modp_range_ok(dh, y) ||
		    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto fail;
	} else {
		oct[0] = POINT_CONVERSION_UNCOMPRESSED;
		memcpy(oct + 1, peer, len);
		if (!OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, oct, len + 1))
			goto fail;
	}
	key = from_bld(grp, EVP_PKEY_PUBLIC_KEY, b);
	BN_free(y);
	return key;
fail:
	OSSL_PARAM_BLD_free(b);
	BN_free(y);
	return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out, size_t cap)
{
	size_t n = dh->grp->g.ke_len, want, slen = 0;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t buf[DH_MAX];
	EVP_PKEY *pk;
	int ret = -1;

	/* The secret: MODP the prime's size, ECP x alone, X25519 32 bytes. */
	want = dh->grp->kind == ECP ? n / 2 : n;
	if (len != n || cap < want)
		return -1;
	pk = peer_key(dh, peer, len);
	if (!pk)
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) <= 0 ||
	    EVP_PKEY_derive(ctx, NULL, &slen) <= 0 || slen > sizeof(buf) ||
	    EVP_PKEY_derive(ctx, buf, &slen) <= 0 || slen > want)
		goto out;
	/* OpenSSL's DH drops leading zero bytes; IKE keeps them (RFC 7296 2.14). */
	memset(out, 0, want - slen);
	memcpy(out + want - slen, buf, slen);
	if (all_zero(out, want)) {
		OPENSSL_cleanse(out, want);
		goto out;
	}
	ret = (int)want;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ret;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);		/* OpenSSL clears the private value */
	OPENSSL_cleanse(dh, sizeof(*dh));
	free(dh);
}
