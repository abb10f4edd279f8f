// SPDX-License-Identifier: GPL-2.0-only
/* Algorithm names, as ip-xfrm and OpenBSD ipsecctl users know them. */

#include <string.h>
#include <linux/nfesp.h>
#include "ipsecctl.h"

static const struct enc_alg encs[] = {
	{ "aes-gcm-128", NFESP_ENC_AES_GCM_16, 20, true },
	{ "aes-gcm-192", NFESP_ENC_AES_GCM_16, 28, true },
	{ "aes-gcm-256", NFESP_ENC_AES_GCM_16, 36, true },
	{ "chacha20-poly1305", NFESP_ENC_CHACHA20_POLY1305, 36, true },
	{ "aes-cbc-128", NFESP_ENC_AES_CBC, 16, false },
	{ "aes-cbc-192", NFESP_ENC_AES_CBC, 24, false },
	{ "aes-cbc-256", NFESP_ENC_AES_CBC, 32, false },
	{ "null", NFESP_ENC_NULL, 0, false },
};

static const struct auth_alg auths[] = {
	{ "hmac-sha256", NFESP_AUTH_HMAC_SHA2_256_128, 32 },
	{ "hmac-sha384", NFESP_AUTH_HMAC_SHA2_384_192, 48 },
	{ "hmac-sha512", NFESP_AUTH_HMAC_SHA2_512_256, 64 },
	{ "hmac-sha1", NFESP_AUTH_HMAC_SHA1_96, 20 },	/* IKEv1 peers */
};

#define for_each(p, arr) for (p = arr; p < arr + sizeof(arr) / sizeof(arr[0]); p++)

const struct enc_alg *enc_alg_by_name(const char *name)
{
	const struct enc_alg *e;

	for_each(e, encs)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

const struct enc_alg *enc_alg_by_id(uint16_t id, size_t key_len)
{
	const struct enc_alg *e;

	for_each(e, encs)
		if (e->id == id && e->key_len == key_len)
			return e;
	return NULL;
}

const struct auth_alg *auth_alg_by_name(const char *name)
{
	const struct auth_alg *h;

	for_each(h, auths)
		if (!strcmp(h->name, name))
			return h;
	return NULL;
}

const struct auth_alg *auth_alg_by_id(uint16_t id)
{
	const struct auth_alg *h;

	for_each(h, auths)
		if (h->id == id)
			return h;
	return NULL;
}

void list_algs(FILE *f)
{
	const struct enc_alg *e;
	const struct auth_alg *h;

	fprintf(f, "enc:");
	for_each(e, encs)
		fprintf(f, " %s", e->name);
	fprintf(f, "\nauth:");
	for_each(h, auths)
		fprintf(f, " %s", h->name);
	fputc('\n', f);
}

/* The @i-th name of the enc or auth table, NULL past its end. */
const char *alg_nth(bool enc, unsigned int i)
{
	if (enc)
		return i < sizeof(encs) / sizeof(encs[0]) ? encs[i].name : NULL;
	return i < sizeof(auths) / sizeof(auths[0]) ? auths[i].name : NULL;
}

/* "a, b, c": the names of the enc or auth table, for a message. */
const char *alg_names(bool enc, char *buf, size_t len)
{
	const char *name;
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; (name = alg_nth(enc, i)) && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "", name);
	return buf;
}
