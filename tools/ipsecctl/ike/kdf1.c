// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv1 key derivation; see kdf1.h. Every key is one or more ike_prf()
 * calls over views of the inputs; the only secrets copied are the chained
 * blocks of Appendix B and of KEYMAT, wiped after use.
 */

#include <string.h>
#include "kdf1.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const char *ike1_prf_md(uint16_t prf_id)
{
	switch (prf_id) {
	case IKE_PRF_HMAC_SHA1:
		return "SHA1";
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	case IKE_PRF_HMAC_SHA2_512:
		return "SHA512";
	}
	return NULL;
}

static bool prf_ok(const struct ike_prf_alg *prf)
{
	return prf && prf->len <= IKE_KEY_MAX;
}

int ike1_skeyid_psk(struct ike1_keys *k, const uint8_t *psk, size_t psklen,
		    const struct ike_view *ni, const struct ike_view *nr)
{
	const struct ike_view parts[] = { *ni, *nr };

	if (!prf_ok(k->prf))
		return -1;
	return ike_prf(k->prf, psk, psklen, parts, ARRAY_SIZE(parts), k->skeyid);
}

/*
 * Appendix B: a cipher key longer than SKEYID_e is K1 | K2 | ... with
 * K1 = prf(SKEYID_e, 0) and Kn = prf(SKEYID_e, Kn-1); otherwise SKEYID_e's
 * first bytes. The blocks chain through out itself, so only the last,
 * partial one needs a buffer.
 */
static int cipher_key(struct ike1_keys *k)
{
	static const uint8_t zero_byte;
	size_t plen = k->prf->len, len = k->encr->key_len, done = 0, n;
	struct ike_view in = { &zero_byte, 1 };
	uint8_t t[IKE_KEY_MAX];
	int ret = 0;

	if (len <= plen) {
		memcpy(k->ka, k->skeyid_e, len);
		return 0;
	}
	while (!ret && done < len) {
		ret = ike_prf(k->prf, k->skeyid_e, plen, &in, 1, t);
		n = len - done < plen ? len - done : plen;
		memcpy(k->ka + done, t, n);
		in = (struct ike_view){ k->ka + done, plen };
		done += n;
	}
	ike_wipe(t, sizeof(t));
	return ret;
}

int ike1_derive(struct ike1_keys *k, const struct ike_view *gxy, const uint8_t *cky_i,
		const uint8_t *cky_r)
{
	static const uint8_t ids[3] = { 0, 1, 2 };
	uint8_t *out[3] = { k->skeyid_d, k->skeyid_a, k->skeyid_e };
	struct ike_view parts[5] = {
		{ NULL, 0 }, *gxy, { cky_i, IKE_SPI_LEN }, { cky_r, IKE_SPI_LEN },
	};
	unsigned int i;
	int ret = 0;

	if (!prf_ok(k->prf) || !k->encr || k->encr->key_len > IKE_KEY_MAX)
		return -1;
	/* SKEYID_d has no previous key in front; _a and _e chain on the one before. */
	for (i = 0; !ret && i < ARRAY_SIZE(out); i++) {
		parts[0] = (struct ike_view){ i ? out[i - 1] : NULL, i ? k->prf->len : 0 };
		parts[4] = (struct ike_view){ &ids[i], 1 };
		ret = ike_prf(k->prf, k->skeyid, k->prf->len, parts, ARRAY_SIZE(parts), out[i]);
	}
	if (!ret)
		ret = cipher_key(k);
	if (ret) {
		ike_wipe(k->skeyid_d, sizeof(k->skeyid_d));
		ike_wipe(k->skeyid_a, sizeof(k->skeyid_a));
		ike_wipe(k->skeyid_e, sizeof(k->skeyid_e));
		ike_wipe(k->ka, sizeof(k->ka));
	}
	return ret;
}

int ike1_hash_auth(const struct ike1_keys *k, bool of_initiator, const struct ike_view *gxi,
		   const struct ike_view *gxr, const uint8_t *cky_i, const uint8_t *cky_r,
		   const struct ike_view *sai_b, const struct ike_view *id_b, uint8_t *out)
{
	const struct ike_view ci = { cky_i, IKE_SPI_LEN }, cr = { cky_r, IKE_SPI_LEN };
	/* The responder's hash swaps both pairs: its own values come first. */
	const struct ike_view parts[] = {
		of_initiator ? *gxi : *gxr, of_initiator ? *gxr : *gxi,
		of_initiator ? ci : cr, of_initiator ? cr : ci, *sai_b, *id_b,
	};

	if (!prf_ok(k->prf))
		return -1;
	return ike_prf(k->prf, k->skeyid, k->prf->len, parts, ARRAY_SIZE(parts), out);
}

int ike1_qm_keymat(const struct ike1_keys *k, const struct ike_view *gxy, uint8_t protocol,
		   const uint8_t spi[4], const struct ike_view *ni, const struct ike_view *nr,
		   uint8_t *out, size_t len)
{
	struct ike_view parts[6];
	uint8_t t[IKE_KEY_MAX];
	size_t plen, done = 0, n;
	unsigned int np = 1;
	int ret = 0;

	if (!prf_ok(k->prf))
		return -1;
	plen = k->prf->len;
	if (gxy)
		parts[np++] = *gxy;
	parts[np++] = (struct ike_view){ &protocol, 1 };
	parts[np++] = (struct ike_view){ spi, 4 };
	parts[np++] = *ni;
	parts[np++] = *nr;
	/* K1 has no previous block; each later one starts with the one before. */
	parts[0] = (struct ike_view){ NULL, 0 };
	while (!ret && done < len) {
		ret = ike_prf(k->prf, k->skeyid_d, plen, parts, np, t);
		n = len - done < plen ? len - done : plen;
		memcpy(out + done, t, n);
		parts[0] = (struct ike_view){ t, plen };
		done += n;
	}
	ike_wipe(t, sizeof(t));
	if (ret)
		ike_wipe(out, len);
	return ret;
}

int ike1_hash_msg(const struct ike1_keys *k, bool zero, uint32_t msgid,
		  const struct ike_view *ni, const struct ike_view *nr,
		  const struct ike_view *rest, uint8_t *out)
{
	static const uint8_t zero_byte;
	const uint8_t mid[4] = {
		(uint8_t)(msgid >> 24), (uint8_t)(msgid >> 16), (uint8_t)(msgid >> 8),
		(uint8_t)msgid,
	};
	struct ike_view parts[5];
	unsigned int n = 0;

	if (!prf_ok(k->prf))
		return -1;
	if (zero)
		parts[n++] = (struct ike_view){ &zero_byte, 1 };
	parts[n++] = (struct ike_view){ mid, sizeof(mid) };
	if (ni)
		parts[n++] = *ni;
	if (nr)
		parts[n++] = *nr;
	if (rest)
		parts[n++] = *rest;
	return ike_prf(k->prf, k->skeyid_a, k->prf->len, parts, n, out);
}

void ike1_keys_wipe(struct ike1_keys *k)
{
	ike_wipe(k, sizeof(*k));
}
