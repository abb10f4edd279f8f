// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SK payload; see protect.h. Encrypt-then-MAC for AES-CBC: the ICV is
 * checked before anything is decrypted. AEADs through EVP's AEAD controls.
 */

#include <limits.h>
#include <string.h>
#include <openssl/evp.h>
#include "protect.h"

#define AEAD_NONCE_LEN	12	/* salt (4) | IV (8), RFC 5282 4 and RFC 7634 2 */
#define ICV_MAX		32

static const char *cipher_name(const struct ike_encr_alg *a)
{
	switch (a->id) {
	case IKE_ENCR_AES_GCM_16:
		return a->keybits == 128 ? "AES-128-GCM" : a->keybits == 256 ? "AES-256-GCM" : NULL;
	case IKE_ENCR_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305";
	case IKE_ENCR_AES_CBC:
		return a->keybits == 128 ? "AES-128-CBC" : a->keybits == 256 ? "AES-256-CBC" : NULL;
	}
	return NULL;
}

/* The cipher's implementation, fetched once per name (a handful exist). */
static EVP_CIPHER *cipher_impl(const char *name)
{
	static struct {
		const char *name;
		EVP_CIPHER *c;
	} cache[8];
	unsigned int i;

	for (i = 0; i < sizeof(cache) / sizeof(cache[0]) && cache[i].name; i++)
		if (!strcmp(cache[i].name, name))
			return cache[i].c;
	if (i == sizeof(cache) / sizeof(cache[0]))
		return NULL;
	cache[i].c = EVP_CIPHER_fetch(NULL, name, NULL);
	if (cache[i].c)
		cache[i].name = name;
	return cache[i].c;
}

/* A context for a's cipher with key and iv, or NULL. */
static EVP_CIPHER_CTX *cipher_ctx(const struct ike_encr_alg *a, const uint8_t *key,
				  const uint8_t *iv, int enc)
{
	const char *name = cipher_name(a);
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *c;

	if (!name)
		return NULL;
	c = cipher_impl(name);
	ctx = c ? EVP_CIPHER_CTX_new() : NULL;
	if (ctx && (!EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(ctx, 0))) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/*
 * AEAD in place over buf (len bytes), with aad; enc writes the tag to tag,
 * decryption checks it. 0 or -1.
 */
static int aead(const struct ike_encr_alg *a, const uint8_t *key, const uint8_t *iv,
		const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len, uint8_t *tag,
		int enc)
{
	size_t klen = a->key_len - a->salt_len;
	uint8_t nonce[AEAD_NONCE_LEN];
	EVP_CIPHER_CTX *ctx;
	int n, ret = -1;

	if (a->salt_len + a->iv_len != sizeof(nonce) || aadlen > INT_MAX || len > INT_MAX)
		return -1;
	memcpy(nonce, key + klen, a->salt_len);
	memcpy(nonce + a->salt_len, iv, a->iv_len);
	ctx = cipher_ctx(a, key, nonce, enc);
	if (!ctx)
		return -1;
	if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->icv_len, tag))
		goto out;
	if (!EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) ||
	    !EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, buf + n, &n))
		goto out;
	if (enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->icv_len, tag))
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

/* AES-CBC in place, len a multiple of the block. 0 or -1. */
static int cbc(const struct ike_encr_alg *a, const uint8_t *key, const uint8_t *iv,
	       uint8_t *buf, size_t len, int enc)
{
	EVP_CIPHER_CTX *ctx;
	int n, ret = -1;

	if (len > INT_MAX)
		return -1;
	ctx = cipher_ctx(a, key, iv, enc);
	if (!ctx)
		return -1;
	if (EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) && EVP_CipherFinal_ex(ctx, buf + n, &n))
		ret = 0;
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

static size_t icv_len(const struct ike2_keys *k)
{
	return k->encr->aead ? k->encr->icv_len : k->integ->icv_len;
}

static bool keys_ok(const struct ike2_keys *k)
{
	return k->encr && (k->encr->aead || k->integ) && icv_len(k) <= ICV_MAX;
}

/*
 * The SK payload (type IKE_PL_SK) or one SKF fragment (IKE_PL_SKF, with
 * num and total): see ike2_sk_seal(). For SKF the fragment number and
 * total are part of the AAD or of what the ICV covers, as the generic
 * header is (RFC 7383 2.5).
 */
static int seal(struct ike_enc *e, const struct ike2_keys *k, bool initiator, uint8_t type,
		uint8_t first, uint16_t num, uint16_t total, const uint8_t *plain, size_t plen,
		const uint8_t *iv)
{
	const struct ike_encr_alg *a = k->encr;
	const uint8_t *ek = initiator ? k->sk_ei : k->sk_er;
	const uint8_t *ak = initiator ? k->sk_ai : k->sk_ar;
	size_t padded, iv_off, ct_off, icv_off, icvl, hdr;
	struct ike_wbuf *w = e->w;
	struct ike_view msg;
	uint8_t *p;
	int err;

	if (!keys_ok(k))
		return -1;
	icvl = icv_len(k);
	hdr = IKE_PL_HDR_LEN + (type == IKE_PL_SKF ? 4 : 0);
	/* Plaintext, padding and the pad length byte: a multiple of the block. */
	padded = (plen + 1 + a->block - 1) / a->block * a->block;
	if (plen > UINT16_MAX || hdr + a->iv_len + padded + icvl > UINT16_MAX)
		return IKE_E_TOO_LONG;
	ike_enc_pl_begin(e, type, false);
	if (e->err)
		return e->err;
	ike_wbuf_patch_u8(w, e->pl_off, first);
	if (type == IKE_PL_SKF) {
		ike_wbuf_u16(w, num);
		ike_wbuf_u16(w, total);
	}
	iv_off = ike_wbuf_reserve(w, a->iv_len);
	ct_off = ike_wbuf_reserve(w, padded);
	icv_off = ike_wbuf_reserve(w, icvl);
	ike_enc_pl_end(e);
	e->next_off = SIZE_MAX;		/* nothing may follow SK */
	err = ike_enc_end(e);
	if (err)
		return err;

	p = w->p;
	if (iv)
		memcpy(p + iv_off, iv, a->iv_len);
	else
		ike_random(p + iv_off, a->iv_len);
	if (plen)	/* an empty INFORMATIONAL (liveness check) has no inner payload */
		memmove(p + ct_off, plain, plen);
	memset(p + ct_off + plen, 0, padded - plen);
	p[ct_off + padded - 1] = (uint8_t)(padded - plen - 1);
	if (a->aead) {
		err = aead(a, ek, p + iv_off, p + e->start, iv_off - e->start, p + ct_off, padded,
			   p + icv_off, 1);
	} else {
		msg = (struct ike_view){ p + e->start, icv_off - e->start };
		err = cbc(a, ek, p + iv_off, p + ct_off, padded, 1);
		if (!err)
			err = ike_integ(k->integ, ak, &msg, 1, p + icv_off);
	}
	if (err) {
		ike_wipe(p + ct_off, padded);
		return -1;
	}
	return 0;
}

int ike2_sk_seal_iv(struct ike_enc *e, const struct ike2_keys *k, bool initiator,
		    uint8_t first, const uint8_t *plain, size_t plen, const uint8_t *iv)
{
	return seal(e, k, initiator, IKE_PL_SK, first, 0, 0, plain, plen, iv);
}

int ike2_sk_seal(struct ike_enc *e, const struct ike2_keys *k, bool initiator, uint8_t first,
		 const uint8_t *plain, size_t plen)
{
	return seal(e, k, initiator, IKE_PL_SK, first, 0, 0, plain, plen, NULL);
}

/* The most plaintext one fragment of at most max_len bytes carries; 0 if none. */
static size_t frag_room(const struct ike2_keys *k, size_t max_len)
{
	const struct ike_encr_alg *a = k->encr;
	size_t fixed = IKE_HDR_LEN + IKE_PL_HDR_LEN + 4 + a->iv_len + icv_len(k);

	if (max_len > UINT16_MAX)
		max_len = UINT16_MAX;
	if (max_len < fixed + a->block)
		return 0;
	/* Whole blocks, the last of which ends with the pad length byte. */
	return (max_len - fixed) / a->block * a->block - 1;
}

int ike2_skf_seal(const struct ike_hdr *h, const struct ike2_keys *k, bool initiator,
		  uint8_t first, const uint8_t *plain, size_t plen, size_t max_len, uint8_t *out,
		  size_t cap, struct ike_view *frags, unsigned int max_frags, unsigned int *nfrags)
{
	size_t room, used = 0, off = 0, n;
	struct ike_wbuf w;
	struct ike_enc e;
	unsigned int i, total;
	int err;

	if (!keys_ok(k))
		return -1;
	room = frag_room(k, max_len);
	if (!room)
		return IKE_E_ENC_ARG;
	total = plen ? (unsigned int)((plen + room - 1) / room) : 1;
	if (total > UINT16_MAX || total > max_frags)
		return IKE_E_TOO_LONG;
	for (i = 0; i < total; i++) {
		n = plen - off < room ? plen - off : room;
		ike_wbuf_init(&w, out + used, cap - used);
		ike_enc_begin(&e, &w, h);
		/* Only the first fragment names the first inner payload (RFC 7383 2.5). */
		err = seal(&e, k, initiator, IKE_PL_SKF, i ? IKE_PL_NONE : first,
			   (uint16_t)(i + 1), (uint16_t)total, plen ? plain + off : NULL, n, NULL);
		if (err)
			return err;
		frags[i] = (struct ike_view){ out + used, w.len };
		used += w.len;
		off += n;
	}
	*nfrags = total;
	return 0;
}

/* The SK or SKF payload, if it is the message's last, outer, and ends the datagram. */
static int find_sk(const struct ike_msg *m, struct ike_sk *sk)
{
	const struct ike_pl *pl = NULL;
	unsigned int i;

	for (i = 0; i < m->npl; i++)
		if (!m->pl[i].inner)
			pl = &m->pl[i];
	if (m->hdr.major != IKE2_MAJOR || !pl ||
	    (pl->type != IKE_PL_SK && pl->type != IKE_PL_SKF) || ike_dec_sk(pl, sk))
		return -1;
	if (sk->data.p + sk->data.len != m->raw.p + m->raw.len)
		return -1;
	return 0;
}

int ike2_sk_open(const struct ike_msg *m, const struct ike2_keys *k, bool from_initiator,
		 uint8_t *out, size_t cap, size_t *plen)
{
	const uint8_t *ek = from_initiator ? k->sk_ei : k->sk_er;
	const uint8_t *ak = from_initiator ? k->sk_ai : k->sk_ar;
	const struct ike_encr_alg *a = k->encr;
	uint8_t icv[ICV_MAX], tag[ICV_MAX];
	size_t icvl, ctl, pad;
	struct ike_view msg;
	const uint8_t *iv;
	struct ike_sk sk;
	int err;

	if (!keys_ok(k) || find_sk(m, &sk))
		return -1;
	icvl = icv_len(k);
	if (sk.data.len < a->iv_len + icvl + a->block)
		return -1;
	iv = sk.data.p;
	ctl = sk.data.len - a->iv_len - icvl;
	if (ctl % a->block || ctl > cap)
		return -1;
	memcpy(out, iv + a->iv_len, ctl);
	if (a->aead) {
		memcpy(tag, iv + a->iv_len + ctl, icvl);
		err = aead(a, ek, iv, m->raw.p, (size_t)(sk.data.p - m->raw.p), out, ctl, tag, 0);
	} else {
		msg = (struct ike_view){ m->raw.p, m->raw.len - icvl };
		err = ike_integ(k->integ, ak, &msg, 1, icv);
		if (!err && !ike_memeq(icv, m->raw.p + msg.len, icvl))
			err = -1;
		if (!err)
			err = cbc(a, ek, iv, out, ctl, 0);
	}
	pad = out[ctl - 1];
	if (err || pad + 1 > ctl) {
		ike_wipe(out, ctl);
		return -1;
	}
	*plen = ctl - 1 - pad;
	return 0;
}
