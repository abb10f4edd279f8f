/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv1 message encryption (RFC 2408 3.1, 5.3; RFC 2409 Appendix B).
 *
 * Everything after the ISAKMP header is encrypted with the phase 1 cipher
 * (AES-CBC, key k->ka) when the E flag is set; the plaintext is padded
 * with zero bytes to the block size (RFC 2409 B: no pad length byte; the
 * receiver finds the end by the payload chain). The header's length
 * covers the padded ciphertext.
 *
 * IVs (Appendix B): the first of phase 1 is hash(g^xi | g^xr) cut to the
 * block size; each message's last ciphertext block is the next message's
 * IV. Each quick mode and informational exchange starts from
 * hash(last phase 1 ciphertext block | M-ID) and chains within itself.
 * The hash is the negotiated one (k->md), not its HMAC.
 */
#ifndef IKE_PROTECT1_H
#define IKE_PROTECT1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "kdf1.h"

#define IKE1_IV_MAX	16

struct ike1_iv {
	uint8_t b[IKE1_IV_MAX];
	size_t len;		/* the cipher's block size */
};

/* The first phase 1 IV: hash(g^xi | g^xr), its first block. */
int ike1_iv_phase1(const struct ike1_keys *k, const struct ike_view *gxi,
		   const struct ike_view *gxr, struct ike1_iv *iv);
/* A quick mode or informational exchange's first IV: hash(p1_last | M-ID). */
int ike1_iv_phase2(const struct ike1_keys *k, const struct ike1_iv *p1_last, uint32_t msgid,
		   struct ike1_iv *iv);

/*
 * Encrypts a message in place: msg (len bytes) is a whole ISAKMP message,
 * header first, written with the E flag set; what follows the header is
 * padded with zeros to the block (the buffer must have room: cap bytes),
 * encrypted with *iv, the header's length patched. *iv becomes the last
 * ciphertext block. The new length, or -1.
 */
int ike1_seal(const struct ike1_keys *k, struct ike1_iv *iv, uint8_t *msg, size_t len,
	      size_t cap);

/*
 * Decrypts m->encrypted (ike_decode() of a message with the E flag) with
 * *iv into out (cap bytes); *plen is the whole plaintext, padding included
 * (ike_decode_inner() skips what follows the chain). On success *iv
 * becomes the last ciphertext block; on failure (not a multiple of the
 * block, too long) it is unchanged and -1 is returned. A wrong key or IV
 * is not detected here: the HASH payload check is the caller's.
 */
int ike1_open(const struct ike_msg *m, const struct ike1_keys *k, struct ike1_iv *iv,
	      uint8_t *out, size_t cap, size_t *plen);

#endif /* IKE_PROTECT1_H */
