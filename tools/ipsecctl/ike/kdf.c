// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv2 key derivation; see kdf.h. Everything is prf or prf+ from
 * crypto.c over views of the inputs, so nothing is copied but the
 * SKEYSEED key (Ni | Nr) and the prf+ output, both wiped after use.
 */

#include <string.h>
#include "kdf.h"

#define NONCES_MAX	(2 * IKE_NONCE_MAX)
#define DERIVE_MAX	(7 * IKE_KEY_MAX)

int ike2_skeyseed(const struct ike_prf_alg *prf, const struct ike_view *ni,
		  const struct ike_view *nr, const struct ike_view *gir, uint8_t *out)
{
	uint8_t key[NONCES_MAX];
	int ret;

	/* Ni | Nr is the key: one contiguous buffer. */
	if (!prf || ni->len > IKE_NONCE_MAX || nr->len > IKE_NONCE_MAX)
		return -1;
	memcpy(key, ni->p, ni->len);
	memcpy(key + ni->len, nr->p, nr->len);
	ret = ike_prf(prf, key, ni->len + nr->len, gir, 1, out);
	ike_wipe(key, sizeof(key));
	return ret;
}

int ike2_skeyseed_rekey(const struct ike_prf_alg *old_prf, const uint8_t *old_sk_d,
			const struct ike_view *gir, const struct ike_view *ni,
			const struct ike_view *nr, uint8_t *out)
{
	const struct ike_view parts[] = { *gir, *ni, *nr };

	if (!old_prf)
		return -1;
	return ike_prf(old_prf, old_sk_d, old_prf->len, parts, 3, out);
}

/* Takes the next n bytes of the keying material into key. */
static void take(uint8_t *key, const uint8_t *km, size_t *off, size_t n)
{
	memcpy(key, km + *off, n);
	*off += n;
}

int ike2_derive(struct ike2_keys *k, const uint8_t *skeyseed, const struct ike_view *ni,
		const struct ike_view *nr, const uint8_t *spi_i, const uint8_t *spi_r)
{
	const struct ike_view seed[] = {
		*ni, *nr, { spi_i, IKE_SPI_LEN }, { spi_r, IKE_SPI_LEN },
	};
	size_t plen, elen, alen, off = 0;
	uint8_t km[DERIVE_MAX];
	int ret;

	if (!k->prf || !k->encr || (!k->integ && !k->encr->aead))
		return -1;
	plen = k->prf->len;
	elen = k->encr->key_len;
	alen = k->integ ? k->integ->key_len : 0;
	if (plen > IKE_KEY_MAX || elen > IKE_KEY_MAX || alen > IKE_KEY_MAX)
		return -1;
	ret = ike_prf_plus(k->prf, skeyseed, plen, seed, 4, km, 3 * plen + 2 * elen + 2 * alen);
	if (!ret) {
		take(k->sk_d, km, &off, plen);
		take(k->sk_ai, km, &off, alen);
		take(k->sk_ar, km, &off, alen);
		take(k->sk_ei, km, &off, elen);
		take(k->sk_er, km, &off, elen);
		take(k->sk_pi, km, &off, plen);
		take(k->sk_pr, km, &off, plen);
	}
	ike_wipe(km, sizeof(km));
	return ret;
}

int ike2_child_keymat(const struct ike_prf_alg *prf, const uint8_t *sk_d,
		      const struct ike_view *gir, const struct ike_view *ni,
		      const struct ike_view *nr, uint8_t *out, size_t len)
{
	struct ike_view seed[3];
	unsigned int n = 0;

	if (!prf)
		return -1;
	if (gir)
		seed[n++] = *gir;
	seed[n++] = *ni;
	seed[n++] = *nr;
	return ike_prf_plus(prf, sk_d, prf->len, seed, n, out, len);
}

int ike2_child_keys(const struct ike_prf_alg *prf, const uint8_t *sk_d,
		    const struct ike_view *gir, const struct ike_view *ni,
		    const struct ike_view *nr, struct ike2_child_keys *c)
{
	size_t elen, alen, off = 0;
	uint8_t km[4 * IKE_KEY_MAX];
	int ret;

	if (!c->encr || (!c->integ && !c->encr->aead))
		return -1;
	elen = c->encr->key_len;
	alen = c->integ ? c->integ->key_len : 0;
	if (elen > IKE_KEY_MAX || alen > IKE_KEY_MAX)
		return -1;
	ret = ike2_child_keymat(prf, sk_d, gir, ni, nr, km, 2 * (elen + alen));
	if (!ret) {
		take(c->ei, km, &off, elen);
		take(c->ai, km, &off, alen);
		take(c->er, km, &off, elen);
		take(c->ar, km, &off, alen);
	}
	ike_wipe(km, sizeof(km));
	return ret;
}

void ike2_child_keys_wipe(struct ike2_child_keys *c)
{
	ike_wipe(c, sizeof(*c));
}

int ike2_psk_auth(const struct ike_prf_alg *prf, const uint8_t *psk, size_t psklen,
		  const struct ike_view *real_msg, const struct ike_view *nonce,
		  const uint8_t *sk_p, const struct ike_view *id_body, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";	/* 17 bytes, no NUL */
	const struct ike_view padv = { (const uint8_t *)pad, sizeof(pad) - 1 };
	uint8_t key[IKE_KEY_MAX], maced_id[IKE_KEY_MAX];
	struct ike_view octets[3];
	int ret = -1;

	if (!prf || prf->len > IKE_KEY_MAX)
		return -1;
	if (ike_prf(prf, sk_p, prf->len, id_body, 1, maced_id) ||
	    ike_prf(prf, psk, psklen, &padv, 1, key))
		goto out;
	octets[0] = *real_msg;
	octets[1] = *nonce;
	octets[2] = (struct ike_view){ maced_id, prf->len };
	ret = ike_prf(prf, key, prf->len, octets, 3, out);
out:
	ike_wipe(key, sizeof(key));
	ike_wipe(maced_id, sizeof(maced_id));
	return ret;
}

void ike2_keys_wipe(struct ike2_keys *k)
{
	ike_wipe(k, sizeof(*k));
}
