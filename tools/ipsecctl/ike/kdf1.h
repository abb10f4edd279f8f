/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv1 key derivation (RFC 2409 5, 5.5 and Appendix B) for pre-shared
 * keys: SKEYID, SKEYID_d/_a/_e, the phase 1 cipher key expanded from
 * SKEYID_e, HASH_I/HASH_R, and quick mode KEYMAT with and without PFS.
 *
 * The PRF is the HMAC of the negotiated hash (RFC 2409 5: "the HMAC
 * version of the negotiated hash algorithm"), one of crypto.h's PRFs:
 * IKE_PRF_HMAC_SHA1, IKE_PRF_HMAC_SHA2_256/384/512. All 0 on success,
 * -1 on failure; outputs that failed halfway are wiped.
 */
#ifndef IKE_KDF1_H
#define IKE_KDF1_H

#include <stdbool.h>
#include <stdint.h>
#include "codec.h"
#include "crypto.h"
#include "kdf.h"	/* IKE_KEY_MAX */

struct ike1_keys {
	const struct ike_prf_alg *prf;		/* set by the caller */
	const struct ike_encr_alg *encr;	/* set by the caller: AES-CBC */
	const char *md;				/* the hash, for the IVs: "SHA256" */
	uint8_t skeyid[IKE_KEY_MAX];		/* prf->len bytes each */
	uint8_t skeyid_d[IKE_KEY_MAX];
	uint8_t skeyid_a[IKE_KEY_MAX];
	uint8_t skeyid_e[IKE_KEY_MAX];
	uint8_t ka[IKE_KEY_MAX];		/* the cipher key, encr->key_len bytes */
};

/* The OpenSSL digest name of an IKE_PRF_HMAC_* ("SHA1", "SHA256"...), or NULL. */
const char *ike1_prf_md(uint16_t prf_id);

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) into k->skeyid (RFC 2409 5). */
int ike1_skeyid_psk(struct ike1_keys *k, const uint8_t *psk, size_t psklen,
		    const struct ike_view *ni, const struct ike_view *nr);

/*
 * From k->skeyid (set by ike1_skeyid_psk or by the caller, for vectors):
 *   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 *   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 *   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * and k->ka, the cipher key: SKEYID_e's first encr->key_len bytes if it is
 * long enough, else Appendix B's K = K1 | K2 | ..., K1 = prf(SKEYID_e, 0)
 * (one zero byte), Kn = prf(SKEYID_e, Kn-1), truncated.
 */
int ike1_derive(struct ike1_keys *k, const struct ike_view *gxy, const uint8_t *cky_i,
		const uint8_t *cky_r);

/*
 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * of_initiator picks which. g^xi is always the initiator's KE data, g^xr
 * the responder's; sai_b is the body of the initiator's SA payload (from
 * the DOI on, generic header excluded); id_b the body of the ID payload of
 * the side whose hash it is (from the ID type on). prf->len bytes.
 */
int ike1_hash_auth(const struct ike1_keys *k, bool of_initiator, const struct ike_view *gxi,
		   const struct ike_view *gxr, const uint8_t *cky_i, const uint8_t *cky_r,
		   const struct ike_view *sai_b, const struct ike_view *id_b, uint8_t *out);

/*
 * Quick mode (RFC 2409 5.5): KEYMAT = K1 | K2 | ..., len bytes, with
 *   K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * gxy NULL without PFS; spi in network order as the SA payload carries it
 * (the SPI of the SA this key is for: the receiver's own); protocol
 * IKE_PROTO_ESP. ni, nr: the quick mode nonces (bodies).
 */
int ike1_qm_keymat(const struct ike1_keys *k, const struct ike_view *gxy, uint8_t protocol,
		   const uint8_t spi[4], const struct ike_view *ni, const struct ike_view *nr,
		   uint8_t *out, size_t len);

/*
 * The hashes of quick mode and informational exchanges, prf(SKEYID_a, ...):
 *   HASH(1) = prf(SKEYID_a, M-ID | rest)           ni, nr NULL
 *   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest)    nr NULL
 *   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) rest NULL, zero true
 * rest: the message's payloads after the HASH payload, generic headers
 * included, as they are on the wire (decrypted, padding excluded).
 * msgid in host order. prf->len bytes.
 */
int ike1_hash_msg(const struct ike1_keys *k, bool zero, uint32_t msgid,
		  const struct ike_view *ni, const struct ike_view *nr,
		  const struct ike_view *rest, uint8_t *out);

void ike1_keys_wipe(struct ike1_keys *k);

#endif /* IKE_KDF1_H */
