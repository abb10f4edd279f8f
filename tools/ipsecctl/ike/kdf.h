/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 key derivation (RFC 7296 2.13-2.18): SKEYSEED, the seven SK_*
 * keys, the rekeyed SKEYSEED, child SA keying material, and the AUTH data
 * of a pre-shared key. All 0 on success, -1 on failure; outputs that
 * failed halfway are wiped.
 */
#ifndef IKE_KDF_H
#define IKE_KDF_H

#include <stdint.h>
#include "codec.h"
#include "crypto.h"

#define IKE_KEY_MAX	64

struct ike2_keys {
	const struct ike_prf_alg *prf;
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ;	/* NULL with an AEAD */
	uint8_t sk_d[IKE_KEY_MAX];
	uint8_t sk_ai[IKE_KEY_MAX], sk_ar[IKE_KEY_MAX];
	uint8_t sk_ei[IKE_KEY_MAX], sk_er[IKE_KEY_MAX];	/* salt included, at the end */
	uint8_t sk_pi[IKE_KEY_MAX], sk_pr[IKE_KEY_MAX];
};

/* SKEYSEED = prf(Ni | Nr, g^ir); prf->len bytes (HMAC PRFs only). */
int ike2_skeyseed(const struct ike_prf_alg *prf, const struct ike_view *ni,
		  const struct ike_view *nr, const struct ike_view *gir, uint8_t *out);
/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 2.18). */
int ike2_skeyseed_rekey(const struct ike_prf_alg *old_prf, const uint8_t *old_sk_d,
			const struct ike_view *gir, const struct ike_view *ni,
			const struct ike_view *nr, uint8_t *out);
/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), with k->prf, k->encr and k->integ
 * set by the caller (SK_a* are skipped without integ).
 */
int ike2_derive(struct ike2_keys *k, const uint8_t *skeyseed, const struct ike_view *ni,
		const struct ike_view *nr, const uint8_t *spi_i, const uint8_t *spi_r);
/*
 * Child SA KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), len bytes; gir NULL
 * without PFS. The caller cuts it (RFC 7296 2.17): encryption then
 * integrity key for the initiator-to-responder SA, then the same for the
 * other direction.
 */
int ike2_child_keymat(const struct ike_prf_alg *prf, const uint8_t *sk_d,
		      const struct ike_view *gir, const struct ike_view *ni,
		      const struct ike_view *nr, uint8_t *out, size_t len);
/* A child SA pair's keys, as "ipsecctl sa add" takes them. */
struct ike2_child_keys {
	const struct ike_encr_alg *encr;	/* set by the caller */
	const struct ike_integ_alg *integ;	/* NULL with an AEAD */
	uint8_t ei[IKE_KEY_MAX], ai[IKE_KEY_MAX];	/* initiator to responder; salt in ei */
	uint8_t er[IKE_KEY_MAX], ar[IKE_KEY_MAX];	/* responder to initiator */
};

/*
 * KEYMAT for c->encr and c->integ cut as RFC 7296 2.17 says: encryption
 * then integrity key of the initiator-to-responder SA, then those of the
 * other direction. gir NULL without PFS.
 */
int ike2_child_keys(const struct ike_prf_alg *prf, const uint8_t *sk_d,
		    const struct ike_view *gir, const struct ike_view *ni,
		    const struct ike_view *nr, struct ike2_child_keys *c);
void ike2_child_keys_wipe(struct ike2_child_keys *c);

/*
 * AUTH data for a shared key (RFC 7296 2.15):
 * prf(prf(psk, "Key Pad for IKEv2"), real_msg | nonce | prf(sk_p, id_body)),
 * where real_msg is the sender's first message, nonce the peer's nonce,
 * sk_p the sender's SK_pi or SK_pr and id_body the sender's ID payload
 * body (type, 3 reserved bytes, data). prf->len bytes.
 */
int ike2_psk_auth(const struct ike_prf_alg *prf, const uint8_t *psk, size_t psklen,
		  const struct ike_view *real_msg, const struct ike_view *nonce,
		  const uint8_t *sk_p, const struct ike_view *id_body, uint8_t *out);
void ike2_keys_wipe(struct ike2_keys *k);

#endif /* IKE_KDF_H */
