// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ESP transforms: AES-GCM (RFC 4106), ChaCha20-Poly1305 (RFC 7634),
 * AES-CBC with HMAC-SHA2 or HMAC-SHA1-96 (RFC 3602, RFC 4868, RFC 2404)
 * and NULL with either (RFC 2410). Each becomes one AEAD of the kernel
 * crypto API, as in esp4.c.
 */

#include <linux/err.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <net/netlink.h>
#include <uapi/linux/nfesp.h>
#include "algs.h"
#include "compat.h"

#define AEAD_SALT_LEN 4

static const struct nfesp_algo algos[] = {
	{ NFESP_ENC_AES_GCM_16, 0, "rfc4106(gcm(aes))", 16, 8, 4 },
	{ NFESP_ENC_CHACHA20_POLY1305, 0, "rfc7539esp(chacha20,poly1305)", 16, 8, 4 },
	{ NFESP_ENC_AES_CBC, NFESP_AUTH_HMAC_SHA2_256_128,
	  "authenc(hmac(sha256),cbc(aes))", 16, 16, 16, "authencesn(hmac(sha256),cbc(aes))" },
	{ NFESP_ENC_AES_CBC, NFESP_AUTH_HMAC_SHA2_384_192,
	  "authenc(hmac(sha384),cbc(aes))", 24, 16, 16, "authencesn(hmac(sha384),cbc(aes))" },
	{ NFESP_ENC_AES_CBC, NFESP_AUTH_HMAC_SHA2_512_256,
	  "authenc(hmac(sha512),cbc(aes))", 32, 16, 16, "authencesn(hmac(sha512),cbc(aes))" },
	{ NFESP_ENC_AES_CBC, NFESP_AUTH_HMAC_SHA1_96,
	  "authenc(hmac(sha1),cbc(aes))", 12, 16, 16, "authencesn(hmac(sha1),cbc(aes))" },
	{ NFESP_ENC_NULL, NFESP_AUTH_HMAC_SHA2_256_128,
	  "authenc(hmac(sha256),ecb(cipher_null))", 16, 0, 4, "authencesn(hmac(sha256),ecb(cipher_null))" },
	{ NFESP_ENC_NULL, NFESP_AUTH_HMAC_SHA2_384_192,
	  "authenc(hmac(sha384),ecb(cipher_null))", 24, 0, 4, "authencesn(hmac(sha384),ecb(cipher_null))" },
	{ NFESP_ENC_NULL, NFESP_AUTH_HMAC_SHA2_512_256,
	  "authenc(hmac(sha512),ecb(cipher_null))", 32, 0, 4, "authencesn(hmac(sha512),ecb(cipher_null))" },
	{ NFESP_ENC_NULL, NFESP_AUTH_HMAC_SHA1_96,
	  "authenc(hmac(sha1),ecb(cipher_null))", 12, 0, 4, "authencesn(hmac(sha1),ecb(cipher_null))" },
};

static bool enc_is_aead(u16 enc)
{
	return enc == NFESP_ENC_AES_GCM_16 || enc == NFESP_ENC_CHACHA20_POLY1305;
}

static bool enc_known(u16 enc)
{
	return enc_is_aead(enc) || enc == NFESP_ENC_AES_CBC || enc == NFESP_ENC_NULL;
}

const struct nfesp_algo *nfesp_algo_find(u16 enc, u16 auth,
					 struct netlink_ext_ack *extack)
{
	unsigned int i;

	if (!enc_known(enc)) {
		nfesp_err_fmt(extack, "unknown encryption algorithm", " %u", enc);
		return NULL;
	}
	if (enc_is_aead(enc) && auth) {
		NL_SET_ERR_MSG_MOD(extack, "an AEAD takes no separate integrity algorithm");
		return NULL;
	}
	if (!enc_is_aead(enc) && !auth) {
		NL_SET_ERR_MSG_MOD(extack, "this encryption algorithm needs an integrity algorithm");
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(algos); i++)
		if (algos[i].enc == enc && algos[i].auth == auth)
			return &algos[i];
	nfesp_err_fmt(extack, "unknown integrity algorithm", " %u", auth);
	return NULL;
}

/* The HMAC key is as long as the hash output (RFC 4868 2.1.1, RFC 2404 3). */
static unsigned int auth_key_len(u16 auth)
{
	switch (auth) {
	case NFESP_AUTH_HMAC_SHA1_96:
		return 20;
	case NFESP_AUTH_HMAC_SHA2_256_128:
		return 32;
	case NFESP_AUTH_HMAC_SHA2_384_192:
		return 48;
	case NFESP_AUTH_HMAC_SHA2_512_256:
		return 64;
	}
	return 0;
}

int nfesp_algo_check_keys(const struct nfesp_keys *keys,
			  struct netlink_ext_ack *extack)
{
	unsigned int len = keys->enc_key_len;

	switch (keys->enc) {
	case NFESP_ENC_AES_GCM_16:
		if (len != 16 + AEAD_SALT_LEN && len != 24 + AEAD_SALT_LEN &&
		    len != 32 + AEAD_SALT_LEN) {
			nfesp_err_fmt(extack,
				      "AES-GCM key must be 20, 28 or 36 bytes (key and salt)",
				      ", got %u", len);
			return -EINVAL;
		}
		break;
	case NFESP_ENC_CHACHA20_POLY1305:
		if (len != 32 + AEAD_SALT_LEN) {
			nfesp_err_fmt(extack,
				      "ChaCha20-Poly1305 key must be 36 bytes (key and salt)",
				      ", got %u", len);
			return -EINVAL;
		}
		break;
	case NFESP_ENC_AES_CBC:
		if (len != 16 && len != 24 && len != 32) {
			nfesp_err_fmt(extack, "AES-CBC key must be 16, 24 or 32 bytes",
				      ", got %u", len);
			return -EINVAL;
		}
		break;
	case NFESP_ENC_NULL:
		if (len) {
			NL_SET_ERR_MSG_MOD(extack, "NULL encryption takes no key");
			return -EINVAL;
		}
		break;
	}
	if (keys->auth && keys->auth_key_len != auth_key_len(keys->auth)) {
		nfesp_err_fmt(extack, "integrity key must be as long as the hash",
			      ": %u bytes, got %u", auth_key_len(keys->auth),
			      keys->auth_key_len);
		return -EINVAL;
	}
	if (!keys->auth && keys->auth_key_len) {
		NL_SET_ERR_MSG_MOD(extack, "integrity key given without an integrity algorithm");
		return -EINVAL;
	}
	return 0;
}

/*
 * authenc() takes one key blob: an rtattr with the encryption key length,
 * then the integrity key, then the encryption key. It is built, used and
 * wiped here.
 */
static int set_authenc_key(struct crypto_aead *aead, const struct nfesp_keys *keys)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *blob, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + keys->auth_key_len + keys->enc_key_len;
	blob = kmalloc(len, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;

	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(keys->enc_key_len);
	p = blob + RTA_SPACE(sizeof(*param));
	memcpy(p, keys->auth_key, keys->auth_key_len);
	memcpy(p + keys->auth_key_len, keys->enc_key, keys->enc_key_len);

	err = crypto_aead_setkey(aead, blob, len);
	kfree_sensitive(blob);
	return err;
}

struct crypto_aead *nfesp_algo_new_aead(const struct nfesp_algo *algo,
					const struct nfesp_keys *keys, bool esn,
					struct netlink_ext_ack *extack)
{
	/* With ESN, HMAC must cover the high sequence bits: authencesn. */
	const char *cra_name = esn && algo->cra_name_esn ? algo->cra_name_esn
							 : algo->cra_name;
	const char *name = keys->driver ?: cra_name;
	struct crypto_aead *aead;
	int err;

	/* The crypto API allocates transforms unaccounted: no GFP to pass. */
	aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(aead)) {
		/* Formatted extack messages are at most 80 bytes. */
		nfesp_err_fmt(extack, "crypto API has no such algorithm or driver",
			      ": \"%.32s\" (%ld)", name, PTR_ERR(aead));
		return aead;
	}
	if (keys->driver &&
	    strcmp(crypto_tfm_alg_name(crypto_aead_tfm(aead)), cra_name)) {
		nfesp_err_fmt(extack, "crypto driver implements another algorithm",
			      ": \"%s\" is %s, not %s", name,
			      crypto_tfm_alg_name(crypto_aead_tfm(aead)),
			      cra_name);
		err = -EINVAL;
		goto err_free_aead;
	}
	if (algo->auth)
		err = set_authenc_key(aead, keys);
	else
		err = crypto_aead_setkey(aead, keys->enc_key, keys->enc_key_len);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "crypto API refused the key");
		goto err_free_aead;
	}
	err = crypto_aead_setauthsize(aead, algo->icv_len);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "crypto API refused the ICV length");
		goto err_free_aead;
	}
	return aead;

err_free_aead:
	crypto_free_aead(aead);
	return ERR_PTR(err);
}
