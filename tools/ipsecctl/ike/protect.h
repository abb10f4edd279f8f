/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 message protection: the Encrypted and Authenticated (SK) payload
 * of RFC 7296 3.14, with AES-CBC and an HMAC, AES-GCM (RFC 5282) or
 * ChaCha20-Poly1305 (RFC 7634); and its fragments, the Encrypted Fragment
 * (SKF) payloads of RFC 7383.
 *
 * The SK payload is the message's last: IV, ciphertext of the inner chain
 * + padding + pad length, ICV. With an integrity algorithm the ICV is the
 * truncated HMAC of the whole message up to it; with an AEAD it is the
 * tag, the AAD is the message from its first byte through the SK generic
 * header and the nonce is the salt (end of SK_e) | the 8-byte IV.
 */
#ifndef IKE_PROTECT_H
#define IKE_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "kdf.h"

/*
 * Appends the SK payload to the message being encoded in e (after
 * ike_enc_begin() and any outer payloads), its next payload field first,
 * its plaintext the inner chain plain (from ike_enc_chain_end(), in another
 * buffer; NULL and 0 for an empty INFORMATIONAL, first IKE_PL_NONE); ends the
 * message (ike_enc_end()) and encrypts and authenticates it in place.
 * initiator: the sender is the original initiator (SK_ei, SK_ai), or not
 * (SK_er, SK_ar). 0, an IKE_E_* from the encoder, or -1.
 */
int ike2_sk_seal(struct ike_enc *e, const struct ike2_keys *k, bool initiator, uint8_t first,
		 const uint8_t *plain, size_t plen);
/* The same with a given IV (k->encr->iv_len bytes): for test vectors. */
int ike2_sk_seal_iv(struct ike_enc *e, const struct ike2_keys *k, bool initiator,
		    uint8_t first, const uint8_t *plain, size_t plen, const uint8_t *iv);
/*
 * m, from ike_decode(), ends with an SK payload: checks its ICV in
 * constant time (or the AEAD tag) and decrypts into out (cap bytes);
 * *plen is the inner chain's length, the padding and pad length removed.
 * An SKF payload opens the same way, and out is then that fragment's piece
 * of the inner chain (reassembly, by ike_dec_sk()'s frag_num and
 * frag_total, is the caller's).
 * from_initiator: whose keys. 0, or -1 whatever went wrong (callers log
 * "bad ICV or padding", nothing more). On -1, out holds nothing.
 * Then: ike_decode_inner(m, sk.inner, out, *plen).
 */
int ike2_sk_open(const struct ike_msg *m, const struct ike2_keys *k, bool from_initiator,
		 uint8_t *out, size_t cap, size_t *plen);

/*
 * RFC 7383 fragmentation: the inner chain plain (first payload type first)
 * sealed into SKF fragments, each a whole message of header h (as for
 * ike_enc_begin(); no outer payloads) and SKF, at most max_len bytes long.
 * The fragments go one after another into out (cap bytes); frags[i] is the
 * i-th one's bytes, *nfrags how many (at most max_frags). Fragment 1 names
 * the first inner payload, the others 0. 0, an IKE_E_* (IKE_E_ENC_ARG if
 * max_len leaves no room, IKE_E_TOO_LONG for more than max_frags
 * fragments), or -1.
 */
int ike2_skf_seal(const struct ike_hdr *h, const struct ike2_keys *k, bool initiator,
		  uint8_t first, const uint8_t *plain, size_t plen, size_t max_len, uint8_t *out,
		  size_t cap, struct ike_view *frags, unsigned int max_frags, unsigned int *nfrags);

#endif /* IKE_PROTECT_H */
