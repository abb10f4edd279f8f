/* SPDX-License-Identifier: GPL-2.0-only */
/* The ESP transforms nfesp offers and how they map onto the crypto API. */
#ifndef _NFESP_ALGS_H
#define _NFESP_ALGS_H

#include <linux/types.h>
#include <crypto/aead.h>

struct netlink_ext_ack;

struct nfesp_algo {
	u16 enc;		/* enum nfesp_enc_alg */
	u16 auth;		/* enum nfesp_auth_alg, 0 for an AEAD */
	const char *cra_name;	/* what the crypto API calls it */
	unsigned int icv_len;
	unsigned int iv_len;
	unsigned int block_size;
	const char *cra_name_esn;	/* with ESN, if it differs */
};

struct nfesp_keys {
	u16 enc;
	u16 auth;
	const u8 *enc_key;
	unsigned int enc_key_len;
	const u8 *auth_key;
	unsigned int auth_key_len;
	const char *driver;
};

const struct nfesp_algo *nfesp_algo_find(u16 enc, u16 auth,
					 struct netlink_ext_ack *extack);
int nfesp_algo_check_keys(const struct nfesp_keys *keys,
			  struct netlink_ext_ack *extack);
struct crypto_aead *nfesp_algo_new_aead(const struct nfesp_algo *algo,
					const struct nfesp_keys *keys, bool esn,
					struct netlink_ext_ack *extack);

#endif /* _NFESP_ALGS_H */
