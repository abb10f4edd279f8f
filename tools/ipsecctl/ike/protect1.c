// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv1 message encryption; see protect1.h. AES-CBC through EVP with
 * OpenSSL's padding off: RFC 2409 B pads with zeros and has no pad length
 * byte, so the cipher sees whole blocks only. There is no integrity check
 * here: IKEv1 authenticates the plaintext with the HASH payloads.
 */

#include <limits.h>
#include <string.h>
#include <openssl/evp.h>
#include "protect1.h"

#define MD_MAX	EVP_MAX_MD_SIZE

static const char *cipher_name(const struct ike_encr_alg *a)
{
	if (a->id != IKE_ENCR_AES_CBC)
		return NULL;
	return a->keybits == 128 ? "AES-128-CBC" : a->keybits == 256 ? "AES-256-CBC" : NULL;
}

/* The cipher's block, if it is one protect1 can use, else 0. */
static size_t block_of(const struct ike1_keys *k)
{
	if (!k->encr || !cipher_name(k->encr) || k->encr->block > IKE1_IV_MAX ||
	    k->encr->key_len > IKE_KEY_MAX)
		return 0;
	return k->encr->block;
}

/* AES-CBC over len bytes (whole blocks) from in to out, which may be the same. */
static int cbc(const struct ike1_keys *k, const uint8_t *iv, const uint8_t *in, uint8_t *out,
	       size_t len, int enc)
{
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *c;
	int n, ret = -1;

	if (len > INT_MAX)
		return -1;
	c = EVP_CIPHER_fetch(NULL, cipher_name(k->encr), NULL);
	ctx = c ? EVP_CIPHER_CTX_new() : NULL;
	if (ctx && EVP_CipherInit_ex2(ctx, c, k->ka, iv, enc, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) &&
	    EVP_CipherFinal_ex(ctx, out + n, &n))
		ret = 0;
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ret;
}

/* The first block of k->md over parts, as an IV. */
static int iv_from_hash(const struct ike1_keys *k, const struct ike_view *parts, unsigned int n,
			struct ike1_iv *iv)
{
	const EVP_MD *md = k->md ? EVP_get_digestbyname(k->md) : NULL;
	size_t block = block_of(k);
	uint8_t h[MD_MAX];

	if (!md || !block || (size_t)EVP_MD_get_size(md) < block || ike_digest(k->md, parts, n, h))
		return -1;
	memcpy(iv->b, h, block);
	iv->len = block;
	return 0;
}

int ike1_iv_phase1(const struct ike1_keys *k, const struct ike_view *gxi,
		   const struct ike_view *gxr, struct ike1_iv *iv)
{
	const struct ike_view parts[] = { *gxi, *gxr };

	return iv_from_hash(k, parts, 2, iv);
}

int ike1_iv_phase2(const struct ike1_keys *k, const struct ike1_iv *p1_last, uint32_t msgid,
		   struct ike1_iv *iv)
{
	const uint8_t mid[4] = {
		(uint8_t)(msgid >> 24), (uint8_t)(msgid >> 16), (uint8_t)(msgid >> 8),
		(uint8_t)msgid,
	};
	const struct ike_view parts[] = { { p1_last->b, p1_last->len }, { mid, sizeof(mid) } };

	if (p1_last->len != block_of(k))
		return -1;
	return iv_from_hash(k, parts, 2, iv);
}

int ike1_seal(const struct ike1_keys *k, struct ike1_iv *iv, uint8_t *msg, size_t len,
	      size_t cap)
{
	size_t block = block_of(k), body, padded, total;

	if (!block || iv->len != block || len <= IKE_HDR_LEN || len > cap ||
	    !(msg[19] & IKE1_FLAG_ENCRYPTION))
		return -1;
	body = len - IKE_HDR_LEN;
	padded = (body + block - 1) / block * block;
	total = IKE_HDR_LEN + padded;
	if (total > cap || total > INT_MAX)
		return -1;
	memset(msg + len, 0, total - len);
	if (cbc(k, iv->b, msg + IKE_HDR_LEN, msg + IKE_HDR_LEN, padded, 1)) {
		ike_wipe(msg + IKE_HDR_LEN, padded);
		return -1;
	}
	msg[24] = (uint8_t)(total >> 24);
	msg[25] = (uint8_t)(total >> 16);
	msg[26] = (uint8_t)(total >> 8);
	msg[27] = (uint8_t)total;
	memcpy(iv->b, msg + total - block, block);
	return (int)total;
}

int ike1_open(const struct ike_msg *m, const struct ike1_keys *k, struct ike1_iv *iv,
	      uint8_t *out, size_t cap, size_t *plen)
{
	const struct ike_view *c = &m->encrypted;
	size_t block = block_of(k);
	uint8_t last[IKE1_IV_MAX];

	if (!block || iv->len != block || !c->p || !c->len || c->len % block || c->len > cap)
		return -1;
	/* Kept before decrypting: out may be the ciphertext itself. */
	memcpy(last, c->p + c->len - block, block);
	if (cbc(k, iv->b, c->p, out, c->len, 0)) {
		ike_wipe(out, c->len);
		return -1;
	}
	memcpy(iv->b, last, block);
	*plen = c->len;
	return 0;
}
