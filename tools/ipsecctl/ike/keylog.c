// SPDX-License-Identifier: GPL-2.0-only
/*
 * Key export for tshark: one line per SA, in the uat formats of its
 * ikev2_decryption_table and esp_sa tables.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "keylog.h"
#include "log.h"
#include "ikev1.h"
#include "sa.h"

static FILE *ike_f, *ike1_f, *esp_f;

static FILE *open_table(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		ike_log(IKE_LOG_ERR, "--export-keys: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	return fdopen(fd, "a");
}

int ike_keylog_open(const char *dir)
{
	ike_f = open_table(dir, "ikev2_decryption_table");
	ike1_f = open_table(dir, "ikev1_decryption_table");
	esp_f = open_table(dir, "esp_sa");
	if (!ike_f || !ike1_f || !esp_f) {
		ike_keylog_close();
		return -1;
	}
	ike_log(IKE_LOG_WARN, "WARNING: --export-keys writes every SA's keys to %s: anyone who "
		"can read it can decrypt this host's IPsec traffic. For debugging only.", dir);
	return 0;
}

void ike_keylog_close(void)
{
	if (ike_f)
		fclose(ike_f);
	if (ike1_f)
		fclose(ike1_f);
	if (esp_f)
		fclose(esp_f);
	ike_f = ike1_f = esp_f = NULL;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

void ike_keylog_ike(const struct ike_sa *sa)
{
	const struct ike2_keys *k = &sa->keys;
	size_t ek, ak;

	if (!ike_f || !k->encr)
		return;
	ek = k->encr->key_len;
	ak = k->integ ? k->integ->key_len : 0;
	hex(ike_f, sa->spi_i, IKE_SPI_LEN);
	fputc(',', ike_f);
	hex(ike_f, sa->spi_r, IKE_SPI_LEN);
	fputc(',', ike_f);
	hex(ike_f, k->sk_ei, ek);
	fputc(',', ike_f);
	hex(ike_f, k->sk_er, ek);
	fprintf(ike_f, ",\"%s\",", k->encr->tshark ? k->encr->tshark : "NULL");
	hex(ike_f, k->sk_ai, ak);
	fputc(',', ike_f);
	hex(ike_f, k->sk_ar, ak);
	fprintf(ike_f, ",\"%s\"\n", k->integ ? k->integ->tshark : "NONE [RFC4306]");
	fflush(ike_f);
}

void ike_keylog_ike1(const struct ike_sa *sa)
{
	const struct ike1_keys *k = &sa->v1->k;

	if (!ike1_f || !k->encr)
		return;
	hex(ike1_f, sa->spi_i, IKE_SPI_LEN);
	fputc(',', ike1_f);
	hex(ike1_f, k->ka, k->encr->key_len);
	fputc('\n', ike1_f);
	fflush(ike1_f);
}

static const char *esp_enc_name(const struct ike_encr_alg *ea)
{
	if (ea->id == IKE_ENCR_AES_GCM_16)
		return "AES-GCM with 16 octet ICV [RFC4106]";
	if (ea->id == IKE_ENCR_CHACHA20_POLY1305)
		return "ChaCha20 with Poly1305 [RFC7634]";
	return "AES-CBC [RFC3602]";
}

static const char *esp_auth_name(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96: return "HMAC-SHA-1-96 [RFC2404]";
	case IKE_INTEG_HMAC_SHA2_256_128: return "HMAC-SHA-256-128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192: return "HMAC-SHA-384-192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256: return "HMAC-SHA-512-256 [RFC4868]";
	}
	return "NULL";
}

void ike_keylog_esp(const struct sa *k, const struct ike_encr_alg *ea, uint16_t integ)
{
	char s[64], d[64];

	if (!esp_f || !ea)
		return;
	fprintf(esp_f, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x",
		k->src.family == AF_INET ? "IPv4" : "IPv6", addr_str(&k->src, s, sizeof(s)),
		addr_str(&k->dst, d, sizeof(d)), k->spi, esp_enc_name(ea));
	hex(esp_f, k->key, k->key_len);
	fprintf(esp_f, "\",\"%s\",\"%s", esp_auth_name(integ), k->has_auth_key ? "0x" : "");
	if (k->has_auth_key)
		hex(esp_f, k->auth_key, k->auth_key_len);
	fprintf(esp_f, "\"\n");
	fflush(esp_f);
}
