// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of proposal.c and ts.c: SA payloads built from a configured
 * block and carried through the codec, the responder's choice among the
 * peer's proposals (order, AEADs, KE groups, unknown transforms, PFS,
 * ESN), the log lines of a mismatch, the initiator's check of the answer;
 * traffic selectors narrowed as RFC 7296 2.9 has it, checked, printed and
 * cut into prefixes. KTAP on stdout; exits 1 if any test failed.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "check.h"
#include "../buf.h"
#include "../codec.h"
#include "../conf.h"
#include "../proposal.h"
#include "../ts.h"

#define CHECK_STR(got, want) check_str((got), (want), #got, __LINE__)

static bool check_str(const char *got, const char *want, const char *what, int line)
{
	checks++;
	if (got && !strcmp(got, want))
		return true;
	printf("# line %d: %s: got \"%s\", want \"%s\"\n", line, what, got ? got : "(null)",
	       want);
	failures++;
	return false;
}

/*
 * conf.y names the algorithms in the daemon; these few stand in for it
 * here. Anything else is unknown (NULL), as the log must cope with.
 */
const char *ike_encr_name(uint16_t id, uint16_t keybits)
{
	static char buf[32];

	if (id == IKE_ENCR_AES_CBC)
		snprintf(buf, sizeof(buf), "aes-cbc-%u", keybits);
	else if (id == IKE_ENCR_AES_GCM_16)
		snprintf(buf, sizeof(buf), "aes-gcm-%u", keybits);
	else if (id == IKE_ENCR_CHACHA20_POLY1305)
		return "chacha20-poly1305";
	else if (id == IKE_ENCR_3DES)
		return "3des";
	else
		return NULL;
	return buf;
}

const char *ike_integ_name(uint16_t id)
{
	return id == IKE_INTEG_HMAC_SHA2_256_128 ? "hmac-sha256" :
	       id == IKE_INTEG_HMAC_SHA1_96 ? "hmac-sha1" : NULL;
}

const char *ike_prf_name(uint16_t id)
{
	return id == IKE_PRF_HMAC_SHA2_256 ? "hmac-sha256" :
	       id == IKE_PRF_HMAC_SHA1 ? "hmac-sha1" : NULL;
}

const char *ike_dh_name(uint16_t id)
{
	static const struct { uint16_t id; const char *name; } t[] = {
		{ IKE_DH_MODP2048, "modp2048" }, { IKE_DH_ECP256, "ecp256" },
		{ IKE_DH_CURVE25519, "curve25519" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

/* --- Building SA payloads by hand, as a peer would send them --- */

static const uint8_t spi4[4] = { 0xc0, 0x01, 0xd0, 0x0d };
static const uint8_t spi8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void sa_init(struct ike_sa_pl *sa)
{
	memset(sa, 0, sizeof(*sa));
}

static void sa_prop(struct ike_sa_pl *sa, uint8_t protocol)
{
	struct ike_proposal *p = &sa->prop[sa->nprop++];

	p->num = (uint8_t)sa->nprop;
	p->protocol = protocol;
	p->spi_size = protocol == IKE_PROTO_ESP ? 4 : 0;
	p->spi = protocol == IKE_PROTO_ESP ? spi4 : NULL;
	p->first = sa->ntrans;
	p->ntrans = 0;
}

static struct ike_transform *sa_xf(struct ike_sa_pl *sa, uint8_t type, uint16_t id,
				   uint16_t keylen)
{
	struct ike_transform *t = &sa->trans[sa->ntrans++];

	t->type = type;
	t->id = id;
	t->keylen = keylen;
	t->unknown_attr = false;
	sa->prop[sa->nprop - 1].ntrans++;
	return t;
}

/* An "ikesa" block: AES-GCM-256 and AES-CBC-256, SHA-256, curve25519 and MODP 2048. */
static void ike_block(struct ike_prop_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->encr[0] = (struct ike_xform_conf){ IKE_ENCR_AES_GCM_16, 256 };
	pc->encr[1] = (struct ike_xform_conf){ IKE_ENCR_AES_CBC, 256 };
	pc->nencr = 2;
	pc->integ[0] = IKE_INTEG_HMAC_SHA2_256_128;
	pc->ninteg = 1;
	pc->prf[0] = IKE_PRF_HMAC_SHA2_256;
	pc->nprf = 1;
	pc->dh[0] = IKE_DH_CURVE25519;
	pc->dh[1] = IKE_DH_MODP2048;
	pc->ndh = 2;
}

/* A "childsa" block: AES-GCM-256, no PFS. */
static void esp_block(struct ike_prop_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->encr[0] = (struct ike_xform_conf){ IKE_ENCR_AES_GCM_16, 256 };
	pc->nencr = 1;
}

/* The SA payload through the encoder and decoder, in an IKE_SA_INIT request. */
static bool sa_roundtrip(const struct ike_sa_pl *in, struct ike_sa_pl *out, uint8_t *buf,
			 size_t cap)
{
	struct ike_hdr h = { .spi_i = { 1, 2, 3, 4, 5, 6, 7, 8 }, .major = 2,
			     .exchange = IKE_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_INITIATOR };
	const struct ike_pl *pl;
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_msg m;
	unsigned int from = 0;

	ike_wbuf_init(&w, buf, cap);
	ike_enc_begin(&e, &w, &h);
	ike_enc_sa(&e, in);
	if (!CHECK(ike_enc_end(&e) == IKE_OK) || !CHECK(ike_decode(buf, w.len, &m) == IKE_OK))
		return false;
	pl = ike_msg_find(&m, IKE_PL_SA, &from);
	return CHECK(pl != NULL) && CHECK(ike_dec_sa(pl, out) == IKE_OK);
}

static bool sa_equal(const struct ike_sa_pl *a, const struct ike_sa_pl *b)
{
	const struct ike_proposal *p, *q;
	unsigned int i, j;

	if (a->nprop != b->nprop)
		return false;
	for (i = 0; i < a->nprop; i++) {
		p = &a->prop[i];
		q = &b->prop[i];
		if (p->num != q->num || p->protocol != q->protocol || p->spi_size != q->spi_size ||
		    p->ntrans != q->ntrans || (p->spi_size && memcmp(p->spi, q->spi, p->spi_size)))
			return false;
		for (j = 0; j < p->ntrans; j++) {
			const struct ike_transform *s = &a->trans[p->first + j];
			const struct ike_transform *t = &b->trans[q->first + j];

			if (s->type != t->type || s->id != t->id || s->keylen != t->keylen ||
			    s->unknown_attr != t->unknown_attr)
				return false;
		}
	}
	return true;
}

/* Transform j of proposal i is this one. */
static bool xf_is(const struct ike_sa_pl *sa, unsigned int i, unsigned int j, uint8_t type,
		  uint16_t id, uint16_t keylen)
{
	const struct ike_transform *t;

	if (i >= sa->nprop || j >= sa->prop[i].ntrans)
		return false;
	t = &sa->trans[sa->prop[i].first + j];
	return t->type == type && t->id == id && t->keylen == keylen && !t->unknown_attr;
}

/* --- Proposals --- */

static void test_build_ike(void)
{
	struct ike_sa_pl sa, back;
	struct ike_prop_conf pc;
	uint8_t buf[1024];

	ike_block(&pc);
	ike_prop_build(&sa, &pc, IKE_PROTO_IKE, NULL, 0);
	CHECK(sa.nprop == 2);
	/* AEADs first, without integrity; then the rest, with it. */
	CHECK(sa.prop[0].num == 1 && sa.prop[0].protocol == IKE_PROTO_IKE);
	CHECK(sa.prop[0].spi_size == 0 && sa.prop[0].ntrans == 4);
	CHECK(xf_is(&sa, 0, 0, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256));
	CHECK(xf_is(&sa, 0, 1, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0));
	CHECK(xf_is(&sa, 0, 2, IKE_TRANS_DH, IKE_DH_CURVE25519, 0));
	CHECK(xf_is(&sa, 0, 3, IKE_TRANS_DH, IKE_DH_MODP2048, 0));
	CHECK(sa.prop[1].num == 2 && sa.prop[1].ntrans == 5);
	CHECK(xf_is(&sa, 1, 0, IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256));
	CHECK(xf_is(&sa, 1, 1, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0));
	CHECK(xf_is(&sa, 1, 2, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0));
	CHECK(xf_is(&sa, 1, 3, IKE_TRANS_DH, IKE_DH_CURVE25519, 0));
	if (sa_roundtrip(&sa, &back, buf, sizeof(buf)))
		CHECK(sa_equal(&sa, &back));

	/* A rekey: an 8-byte SPI in each proposal. */
	ike_prop_build(&sa, &pc, IKE_PROTO_IKE, spi8, 8);
	CHECK(sa.nprop == 2 && sa.prop[0].spi_size == 8 && sa.prop[1].spi == spi8);
	if (sa_roundtrip(&sa, &back, buf, sizeof(buf))) {
		uint8_t spi[IKE_SPI_LEN];

		CHECK(sa_equal(&sa, &back));
		CHECK(ike_prop_ike_spi(&back, 1, spi) && !memcmp(spi, spi8, 8));
		CHECK(!ike_prop_ike_spi(&back, 2, spi));
	}

	/* Only AEADs: one proposal, the integrity list left out. */
	pc.nencr = 1;
	ike_prop_build(&sa, &pc, IKE_PROTO_IKE, NULL, 0);
	CHECK(sa.nprop == 1 && sa.prop[0].ntrans == 4);
	/* Only others: one proposal, numbered 1. */
	pc.encr[0] = (struct ike_xform_conf){ IKE_ENCR_AES_CBC, 128 };
	ike_prop_build(&sa, &pc, IKE_PROTO_IKE, NULL, 0);
	CHECK(sa.nprop == 1 && sa.prop[0].num == 1 && sa.prop[0].ntrans == 5);
}

static void test_build_esp(void)
{
	struct ike_sa_pl sa, back;
	struct ike_prop_conf pc;
	uint8_t buf[1024];
	uint32_t spi;

	esp_block(&pc);
	pc.encr[1] = (struct ike_xform_conf){ IKE_ENCR_AES_CBC, 128 };
	pc.nencr = 2;
	pc.integ[0] = IKE_INTEG_HMAC_SHA2_256_128;
	pc.ninteg = 1;
	ike_prop_build(&sa, &pc, IKE_PROTO_ESP, spi4, 4);
	CHECK(sa.nprop == 2);
	/* No PFS: no DH; ESN "no" only. */
	CHECK(sa.prop[0].ntrans == 2 && sa.prop[0].spi_size == 4);
	CHECK(xf_is(&sa, 0, 0, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256));
	CHECK(xf_is(&sa, 0, 1, IKE_TRANS_ESN, IKE_ESN_NO, 0));
	CHECK(sa.prop[1].ntrans == 3);
	CHECK(xf_is(&sa, 1, 1, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0));
	CHECK(xf_is(&sa, 1, 2, IKE_TRANS_ESN, IKE_ESN_NO, 0));
	if (sa_roundtrip(&sa, &back, buf, sizeof(buf))) {
		CHECK(sa_equal(&sa, &back));
		CHECK(ike_prop_esp_spi(&back, 0, &spi) && spi == 0xc001d00d);
		CHECK(!ike_prop_ike_spi(&back, 0, (uint8_t[8]){ 0 }));
	}

	/* PFS groups: DH before ESN. */
	pc.dh[0] = IKE_DH_MODP2048;
	pc.ndh = 1;
	ike_prop_build(&sa, &pc, IKE_PROTO_ESP, spi4, 4);
	CHECK(sa.prop[0].ntrans == 3 && sa.prop[1].ntrans == 4);
	CHECK(xf_is(&sa, 0, 1, IKE_TRANS_DH, IKE_DH_MODP2048, 0));
	CHECK(xf_is(&sa, 1, 2, IKE_TRANS_DH, IKE_DH_MODP2048, 0));
	if (sa_roundtrip(&sa, &back, buf, sizeof(buf)))
		CHECK(sa_equal(&sa, &back));

	/* A non-AEAD cipher without integrity algorithms proposes nothing. */
	pc.ninteg = 0;
	ike_prop_build(&sa, &pc, IKE_PROTO_ESP, spi4, 4);
	CHECK(sa.nprop == 1);
}

static void test_select_order(void)
{
	struct ike_prop_conf pc;
	struct ike_chosen c;
	struct ike_sa_pl sa;

	ike_block(&pc);
	sa_init(&sa);
	/* #1: 3DES only, which we do not have. */
	sa_prop(&sa, IKE_PROTO_IKE);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_3DES, 0);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	sa_xf(&sa, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_MODP2048, 0);
	/* #2: AES-CBC-128 (not ours) or -256; SHA-1 (not ours) or SHA-256. */
	sa_prop(&sa, IKE_PROTO_IKE);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 128);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA1, 0);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	sa_xf(&sa, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA1_96, 0);
	sa_xf(&sa, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_MODP2048, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_CURVE25519, 0);
	/* #3: our favourite, but the peer likes it less. */
	sa_prop(&sa, IKE_PROTO_IKE);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_CURVE25519, 0);

	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_MODP2048, &c) == 1);
	CHECK(c.encr == IKE_ENCR_AES_CBC && c.encr_keybits == 256);
	CHECK(c.prf == IKE_PRF_HMAC_SHA2_256 && c.integ == IKE_INTEG_HMAC_SHA2_256_128);
	CHECK(c.dh == IKE_DH_MODP2048 && c.esn == 0);
	/* Not for ESP, though. */
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == -1);

	/* Proposal #2 without its INTEG transforms: a cipher that needs one. */
	sa.prop[1].ntrans = 4;
	sa.trans[sa.prop[1].first + 2] = sa.trans[sa.prop[1].first + 6];
	sa.trans[sa.prop[1].first + 3] = sa.trans[sa.prop[1].first + 7];
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_CURVE25519, &c) == 2);
	CHECK(c.encr == IKE_ENCR_AES_GCM_16 && c.integ == 0 && c.dh == IKE_DH_CURVE25519);

	/* An IKE proposal without PRF or DH is not one. */
	sa_init(&sa);
	sa_prop(&sa, IKE_PROTO_IKE);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_CURVE25519, 0);
	sa_prop(&sa, IKE_PROTO_IKE);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, 0, &c) == -1);
}

static void test_select_aead(void)
{
	struct ike_prop_conf pc;
	struct ike_chosen c;
	struct ike_sa_pl sa;

	ike_block(&pc);
	/* AEAD and CBC in one proposal (RFC 5282 says no, peers do it): with a real
	 * integrity algorithm only CBC can be taken. */
	sa_init(&sa);
	sa_prop(&sa, IKE_PROTO_IKE);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	sa_xf(&sa, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_CURVE25519, 0);
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_CURVE25519, &c) == 0);
	CHECK(c.encr == IKE_ENCR_AES_CBC && c.integ == IKE_INTEG_HMAC_SHA2_256_128);

	/* With INTEG NONE the AEAD is fine. */
	sa.trans[3].id = IKE_INTEG_NONE;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_CURVE25519, &c) == 0);
	CHECK(c.encr == IKE_ENCR_AES_GCM_16 && c.integ == 0);

	/* ESP, AEAD alone: no integrity, ESN none. */
	esp_block(&pc);
	sa_init(&sa);
	sa_prop(&sa, IKE_PROTO_ESP);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_ESN, IKE_ESN_YES, 0);
	sa_xf(&sa, IKE_TRANS_ESN, IKE_ESN_NO, 0);
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == 0);
	CHECK(c.encr == IKE_ENCR_AES_GCM_16 && c.encr_keybits == 256 && c.integ == 0);
	CHECK(c.dh == 0 && c.esn == IKE_ESN_NO);
	/* ESN only: we do not do it. */
	sa.prop[0].ntrans = 3;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == -1);
	/* No ESN transform: no ESN. */
	sa.prop[0].ntrans = 2;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == 0);
	/* A 2-byte SPI is not ESP's. */
	sa.prop[0].spi_size = 2;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == -1);
}

static void test_select_ke(void)
{
	struct ike_prop_conf pc;
	struct ike_chosen c;
	struct ike_sa_pl sa;

	ike_block(&pc);
	sa_init(&sa);
	sa_prop(&sa, IKE_PROTO_IKE);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_ECP256, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_MODP2048, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_CURVE25519, 0);

	/* The KE's group, when we have it. */
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_CURVE25519, &c) == 0);
	CHECK(c.dh == IKE_DH_CURVE25519);
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_MODP2048, &c) == 0);
	CHECK(c.dh == IKE_DH_MODP2048);
	/* ECP 256 is not ours: the peer's first of ours, for INVALID_KE_PAYLOAD. */
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_ECP256, &c) == 0);
	CHECK(c.dh == IKE_DH_MODP2048);
	/* A KE of a group the proposal does not list: likewise. */
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_MODP3072, &c) == 0);
	CHECK(c.dh == IKE_DH_MODP2048);
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, 0, &c) == 0 && c.dh == IKE_DH_MODP2048);
	/* None of ours. */
	sa.prop[0].ntrans = 3;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_IKE, IKE_DH_ECP256, &c) == -1);
}

static void test_select_pfs(void)
{
	struct ike_prop_conf pc;
	struct ike_chosen c;
	struct ike_sa_pl sa;

	esp_block(&pc);
	sa_init(&sa);
	sa_prop(&sa, IKE_PROTO_ESP);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_MODP2048, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_NONE, 0);
	sa_xf(&sa, IKE_TRANS_ESN, IKE_ESN_NO, 0);

	/* We want no PFS, the peer allows NONE. */
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, IKE_DH_MODP2048, &c) == 0 && c.dh == 0);
	/* The peer insists on PFS. */
	sa.trans[2].id = IKE_DH_CURVE25519;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, IKE_DH_MODP2048, &c) == -1);
	/* In IKE_AUTH there is no KE: DH transforms are ignored. */
	CHECK(ike_prop_select_flags(&sa, &pc, IKE_PROTO_ESP, 0, IKE_PROP_SKIP_DH, &c) == 0);
	CHECK(c.dh == 0 && c.encr == IKE_ENCR_AES_GCM_16);
	/* We want PFS: the group of the KE if it is ours. */
	pc.dh[0] = IKE_DH_CURVE25519;
	pc.dh[1] = IKE_DH_MODP2048;
	pc.ndh = 2;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, IKE_DH_CURVE25519, &c) == 0);
	CHECK(c.dh == IKE_DH_CURVE25519);
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == 0 && c.dh == IKE_DH_MODP2048);
	/* A peer without PFS. */
	sa.trans[1] = sa.trans[0];
	sa.trans[2] = sa.trans[3];
	sa.prop[0].first = 1;
	sa.prop[0].ntrans = 2;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == -1);
	CHECK(ike_prop_select_flags(&sa, &pc, IKE_PROTO_ESP, 0, IKE_PROP_SKIP_DH, &c) == 0);
}

static void test_select_unknown(void)
{
	struct ike_transform *t;
	struct ike_prop_conf pc;
	struct ike_chosen c;
	struct ike_sa_pl sa;

	esp_block(&pc);
	pc.encr[1] = (struct ike_xform_conf){ IKE_ENCR_AES_CBC, 128 };
	pc.nencr = 2;
	pc.integ[0] = IKE_INTEG_HMAC_SHA2_256_128;
	pc.ninteg = 1;
	sa_init(&sa);
	/* #1: an unknown transform type makes the whole proposal unacceptable. */
	sa_prop(&sa, IKE_PROTO_ESP);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, 6, 0, 0);
	sa_xf(&sa, IKE_TRANS_ESN, IKE_ESN_NO, 0);
	/* #2: a PRF has no business in ESP. */
	sa_prop(&sa, IKE_PROTO_ESP);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	sa_xf(&sa, IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	/* #3: an unknown ID, an unknown attribute: only those are skipped. */
	sa_prop(&sa, IKE_PROTO_ESP);
	sa_xf(&sa, IKE_TRANS_ENCR, 99, 0);
	t = sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256);
	t->unknown_attr = true;
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 128);
	sa_xf(&sa, IKE_TRANS_INTEG, 1000, 0);
	sa_xf(&sa, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	sa_xf(&sa, IKE_TRANS_ESN, 7, 0);
	sa_xf(&sa, IKE_TRANS_ESN, IKE_ESN_NO, 0);

	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == 2);
	CHECK(c.encr == IKE_ENCR_AES_CBC && c.encr_keybits == 128);
	CHECK(c.integ == IKE_INTEG_HMAC_SHA2_256_128 && c.esn == IKE_ESN_NO);
	/* The key length is part of the algorithm. */
	sa.trans[sa.prop[2].first + 2].keylen = 192;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == -1);
}

/* The lines of a mismatch, gathered. */
struct lines {
	unsigned int n;
	char text[8][256];
};

static void gather(void *arg, const char *text)
{
	struct lines *l = arg;

	if (l->n < 8)
		snprintf(l->text[l->n], sizeof(l->text[0]), "%s", text);
	l->n++;
}

static void test_mismatch(void)
{
	struct ike_sa_pl sa, ours;
	struct ike_prop_conf pc;
	struct lines l = { 0 };
	struct ike_chosen c;

	esp_block(&pc);
	sa_init(&sa);
	sa_prop(&sa, IKE_PROTO_ESP);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128);
	sa_xf(&sa, IKE_TRANS_ESN, IKE_ESN_NO, 0);
	sa_prop(&sa, IKE_PROTO_ESP);
	sa_xf(&sa, IKE_TRANS_ENCR, 99, 0);
	sa_xf(&sa, IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 128);
	sa_xf(&sa, IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	sa_xf(&sa, IKE_TRANS_INTEG, 77, 0);
	sa_xf(&sa, IKE_TRANS_DH, IKE_DH_MODP2048, 0);
	sa_xf(&sa, IKE_TRANS_ESN, IKE_ESN_NO, 0);
	sa_xf(&sa, 9, 3, 0);

	c.encr = 1;
	CHECK(ike_prop_select(&sa, &pc, IKE_PROTO_ESP, 0, &c) == -1);
	CHECK(c.encr == 0);
	ike_prop_build(&ours, &pc, IKE_PROTO_ESP, spi4, 4);
	ike_prop_log_mismatch(&sa, &ours, gather, &l);
	CHECK(l.n == 2);
	CHECK_STR(l.text[0], "received: #1 ESP aes-gcm-128/no-esn | configured: #1 ESP aes-gcm-256/no-esn");
	CHECK_STR(l.text[1], "received: #2 ESP encr#99,aes-cbc-128/hmac-sha256,integ#77/modp2048"
			     "/no-esn/type9#3 | configured: -");

	/* Our side longer; an empty payload still gives a line. */
	l.n = 0;
	sa.nprop = 0;
	ike_prop_log_mismatch(&sa, &ours, gather, &l);
	CHECK(l.n == 1);
	CHECK_STR(l.text[0], "received: - | configured: #1 ESP aes-gcm-256/no-esn");
}

static void test_accept(void)
{
	struct ike_sa_pl offered, resp, back;
	struct ike_prop_conf pc;
	struct ike_chosen c, got;
	const char *why;
	uint8_t buf[512];
	char s[128];

	ike_block(&pc);
	ike_prop_build(&offered, &pc, IKE_PROTO_IKE, NULL, 0);
	/* The responder's answer, through the codec. */
	c = (struct ike_chosen){ .encr = IKE_ENCR_AES_CBC, .encr_keybits = 256,
				 .integ = IKE_INTEG_HMAC_SHA2_256_128,
				 .prf = IKE_PRF_HMAC_SHA2_256, .dh = IKE_DH_MODP2048 };
	ike_prop_reply(&resp, &c, IKE_PROTO_IKE, 2, NULL, 0);
	CHECK(resp.nprop == 1 && resp.prop[0].num == 2 && resp.prop[0].ntrans == 4);
	if (sa_roundtrip(&resp, &back, buf, sizeof(buf))) {
		CHECK(ike_prop_accept(&back, &offered, IKE_PROTO_IKE, &got, &why) == 0);
		CHECK(!memcmp(&got, &c, sizeof(c)));
	}
	CHECK_STR(ike_chosen_str(&got, IKE_PROTO_IKE, s, sizeof(s)),
		  "aes-cbc-256/hmac-sha256/hmac-sha256/modp2048");

	/* Proposal #1 did not have CBC. */
	resp.prop[0].num = 1;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "a transform we did not offer");
	resp.prop[0].num = 3;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "a proposal number we did not offer");
	resp.prop[0].num = 2;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_ESP, &got, &why) == -1);
	CHECK_STR(why, "a proposal of another protocol");

	/* Two proposals. */
	resp.prop[1] = resp.prop[0];
	resp.nprop = 2;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "more than one proposal in the answer");
	resp.nprop = 1;

	/* A key length we did not offer. */
	resp.trans[0].keylen = 128;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "a transform we did not offer");
	resp.trans[0].keylen = 256;

	/* Missing: the PRF (1), then the integrity algorithm (2). */
	resp.prop[0].first = 2;
	resp.prop[0].ntrans = 2;
	resp.trans[2] = resp.trans[0];
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "no INTEG transform");
	ike_prop_reply(&resp, &c, IKE_PROTO_IKE, 2, NULL, 0);
	resp.trans[1] = resp.trans[2];
	resp.trans[2] = resp.trans[3];
	resp.prop[0].ntrans = 3;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "no PRF transform");

	/* Two of a type. */
	ike_prop_reply(&resp, &c, IKE_PROTO_IKE, 2, NULL, 0);
	resp.trans[4] = resp.trans[3];
	resp.trans[4].id = IKE_DH_CURVE25519;
	resp.prop[0].ntrans = 5;
	resp.ntrans = 5;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "more than one transform of a type");

	/* An SPI where IKE_SA_INIT has none. */
	ike_prop_reply(&resp, &c, IKE_PROTO_IKE, 2, spi8, 8);
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_IKE, &got, &why) == -1);
	CHECK_STR(why, "an SPI of the wrong size");
}

static void test_accept_esp(void)
{
	struct ike_sa_pl offered, resp, back;
	struct ike_prop_conf pc;
	struct ike_chosen c, got;
	const char *why;
	uint8_t buf[512];
	uint32_t spi;
	char s[128];

	esp_block(&pc);
	ike_prop_build(&offered, &pc, IKE_PROTO_ESP, spi4, 4);
	c = (struct ike_chosen){ .encr = IKE_ENCR_AES_GCM_16, .encr_keybits = 256 };
	ike_prop_reply(&resp, &c, IKE_PROTO_ESP, 1, spi8 + 4, 4);
	CHECK(resp.prop[0].ntrans == 2);
	if (sa_roundtrip(&resp, &back, buf, sizeof(buf))) {
		CHECK(ike_prop_accept(&back, &offered, IKE_PROTO_ESP, &got, &why) == 0);
		CHECK(!memcmp(&got, &c, sizeof(c)));
		CHECK(ike_prop_esp_spi(&back, 0, &spi) && spi == 0x05060708);
	}
	CHECK_STR(ike_chosen_str(&got, IKE_PROTO_ESP, s, sizeof(s)), "aes-gcm-256");

	/* Without ESN: "no ESN", which we offered. INTEG NONE: fine with an AEAD. */
	resp.prop[0].ntrans = 1;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_ESP, &got, &why) == 0);
	ike_prop_reply(&resp, &(struct ike_chosen){ .encr = IKE_ENCR_AES_GCM_16,
						    .encr_keybits = 256 },
		       IKE_PROTO_ESP, 1, spi4, 4);
	resp.trans[2] = resp.trans[1];
	resp.trans[1] = (struct ike_transform){ .type = IKE_TRANS_INTEG, .id = IKE_INTEG_NONE };
	resp.prop[0].ntrans = 3;
	resp.ntrans = 3;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_ESP, &got, &why) == 0);
	/* ESN yes we did not offer. */
	resp.trans[2].id = IKE_ESN_YES;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_ESP, &got, &why) == -1);
	CHECK_STR(why, "a transform we did not offer");

	/* With PFS offered, the answer must have a group. */
	pc.dh[0] = IKE_DH_MODP2048;
	pc.ndh = 1;
	pc.encr[0] = (struct ike_xform_conf){ IKE_ENCR_AES_CBC, 256 };
	pc.integ[0] = IKE_INTEG_HMAC_SHA2_256_128;
	pc.ninteg = 1;
	ike_prop_build(&offered, &pc, IKE_PROTO_ESP, spi4, 4);
	c = (struct ike_chosen){ .encr = IKE_ENCR_AES_CBC, .encr_keybits = 256,
				 .integ = IKE_INTEG_HMAC_SHA2_256_128, .dh = IKE_DH_MODP2048 };
	ike_prop_reply(&resp, &c, IKE_PROTO_ESP, 1, spi4, 4);
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_ESP, &got, &why) == 0);
	CHECK_STR(ike_chosen_str(&got, IKE_PROTO_ESP, s, sizeof(s)),
		  "aes-cbc-256/hmac-sha256/modp2048");
	c.dh = 0;
	ike_prop_reply(&resp, &c, IKE_PROTO_ESP, 1, spi4, 4);
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_ESP, &got, &why) == -1);
	CHECK_STR(why, "no DH transform");
	/* An unknown attribute. */
	c.dh = IKE_DH_MODP2048;
	ike_prop_reply(&resp, &c, IKE_PROTO_ESP, 1, spi4, 4);
	resp.trans[1].unknown_attr = true;
	CHECK(ike_prop_accept(&resp, &offered, IKE_PROTO_ESP, &got, &why) == -1);
	CHECK_STR(why, "a transform attribute we do not know");
}

static void test_chosen_str(void)
{
	struct ike_chosen c = { .encr = IKE_ENCR_AES_GCM_16, .encr_keybits = 256,
				.prf = IKE_PRF_HMAC_SHA2_256, .dh = IKE_DH_CURVE25519 };
	char s[64], tiny[8];

	CHECK_STR(ike_chosen_str(&c, IKE_PROTO_IKE, s, sizeof(s)),
		  "aes-gcm-256/hmac-sha256/curve25519");
	c = (struct ike_chosen){ .encr = 99, .integ = 88, .dh = 77, .esn = 1 };
	CHECK_STR(ike_chosen_str(&c, IKE_PROTO_ESP, s, sizeof(s)), "encr#99/integ#88/dh#77/esn");
	/* Cut short, still a string. */
	c = (struct ike_chosen){ .encr = IKE_ENCR_AES_GCM_16, .encr_keybits = 256,
				 .prf = IKE_PRF_HMAC_SHA2_256, .dh = IKE_DH_CURVE25519 };
	CHECK(strlen(ike_chosen_str(&c, IKE_PROTO_IKE, tiny, sizeof(tiny))) == sizeof(tiny) - 1);
}

/* --- Traffic selectors --- */

/* "10.1.0.0/24" or "10.0.0.1-10.0.0.9", then optional proto and ports. */
static struct ike_tsel ts_of(const char *range, uint8_t proto, uint16_t sport, uint16_t eport)
{
	char a[64], *dash, *slash;
	struct ike_sel sel;
	struct ike_tsel t;
	int family;

	snprintf(a, sizeof(a), "%s", range);
	family = strchr(a, ':') ? AF_INET6 : AF_INET;
	memset(&t, 0, sizeof(t));
	dash = strchr(a, '-');
	slash = strchr(a, '/');
	if (dash) {
		*dash = '\0';
		t.family = family;
		if (inet_pton(family, a, t.start) != 1 || inet_pton(family, dash + 1, t.end) != 1)
			abort();
	} else {
		memset(&sel, 0, sizeof(sel));
		sel.plen = family == AF_INET ? 32 : 128;
		if (slash) {
			*slash = '\0';
			sel.plen = atoi(slash + 1);
		}
		sel.addr.family = family;
		if (inet_pton(family, a, sel.addr.bytes) != 1)
			abort();
		ike_tsel_from_sel(&t, &sel);
	}
	t.proto = proto;
	t.sport = sport;
	t.eport = eport;
	return t;
}

#define ANY 0, 0, 65535		/* any protocol, any port */
#define ALL_PORTS 0, 65535

static const char *str(const struct ike_tsel *t)
{
	static char buf[4][128];
	static unsigned int k;

	k = (k + 1) % 4;
	return ike_tsel_str(t, buf[k], sizeof(buf[k]));
}

static void test_ts_conv(void)
{
	struct ike_tsel t, back[2];
	struct ike_sel sel;
	struct addr a;
	struct ike_ts_pl pl, dec;
	uint8_t storage[2][32], buf[512];
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_IKE_AUTH };
	const struct ike_pl *p;
	unsigned int from = 0;
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_msg m;
	struct ike_ts unknown = { .type = 9 };

	memset(&sel, 0, sizeof(sel));
	sel.addr.family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &sel.addr.v4);
	sel.plen = 16;
	ike_tsel_from_sel(&t, &sel);
	CHECK_STR(str(&t), "10.1.0.0/16");
	CHECK(t.sport == 0 && t.eport == 65535 && t.proto == 0);
	sel.proto = 17;
	sel.port_min = sel.port_max = 53;
	sel.plen = 32;
	ike_tsel_from_sel(&t, &sel);
	CHECK_STR(str(&t), "10.1.2.3/32[udp/53]");
	sel.proto = 6;
	sel.port_min = 1024;
	sel.port_max = 65535;
	ike_tsel_from_sel(&t, &sel);
	CHECK_STR(str(&t), "10.1.2.3/32[tcp/1024-65535]");

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::5", &a.v6);
	ike_tsel_from_host(&t, &a, 58, 0);
	CHECK_STR(str(&t), "2001:db8::5/128[ipv6-icmp]");
	ike_tsel_from_host(&t, &a, 0, 0);
	CHECK_STR(str(&t), "2001:db8::5/128");

	t = ts_of("10.0.0.1-10.0.0.9", 6, 0, 65535);
	CHECK_STR(str(&t), "10.0.0.1-10.0.0.9[tcp]");
	t.sport = IKE_TS_PORT_OPAQUE_START;
	t.eport = IKE_TS_PORT_OPAQUE_END;
	CHECK_STR(str(&t), "10.0.0.1-10.0.0.9[tcp/opaque]");
	t = ts_of("::/0", 0, 53, 53);
	CHECK_STR(str(&t), "::/0[any/53]");

	/* Payload view, encoder, decoder, back to ranges. */
	back[0] = ts_of("10.0.0.1-10.0.0.9", 6, 80, 443);
	back[1] = ts_of("2001:db8::/64", 17, ALL_PORTS);
	ike_ts_pl_build(&pl, back, 2, storage);
	CHECK(pl.n == 2 && pl.ts[0].type == IKE_TS_IPV4_ADDR_RANGE && pl.ts[1].alen == 16);
	ike_wbuf_init(&w, buf, sizeof(buf));
	ike_enc_begin(&e, &w, &h);
	ike_enc_ts(&e, IKE_PL_TSI, &pl);
	if (CHECK(ike_enc_end(&e) == IKE_OK) && CHECK(ike_decode(buf, w.len, &m) == IKE_OK) &&
	    CHECK((p = ike_msg_find(&m, IKE_PL_TSI, &from)) != NULL) &&
	    CHECK(ike_dec_ts(p, &dec) == IKE_OK) && CHECK(dec.n == 2)) {
		CHECK(ike_tsel_from_ts(&t, &dec.ts[0]) == 0);
		CHECK(!memcmp(&t, &back[0], sizeof(t)));
		CHECK_STR(str(&t), "10.0.0.1-10.0.0.9[tcp/80-443]");
		CHECK(ike_tsel_from_ts(&t, &dec.ts[1]) == 0);
		CHECK(!memcmp(&t, &back[1], sizeof(t)));
		CHECK_STR(str(&t), "2001:db8::/64[udp]");
	}
	CHECK(ike_tsel_from_ts(&t, &unknown) == -1);
}

static void test_narrow_trigger(void)
{
	struct ike_tsel peer[2], mine[2], out[8];
	unsigned int n;

	/* strongSwan's: the packet, then the policy; ours is smaller. */
	peer[0] = ts_of("10.1.0.5/32", 1, ALL_PORTS);
	peer[1] = ts_of("10.1.0.0/16", ANY);
	mine[0] = ts_of("10.1.0.0/24", ANY);
	n = ike_ts_narrow(peer, 2, mine, 1, out, 8);
	CHECK(n == 1);
	CHECK_STR(str(&out[0]), "10.1.0.0/24");

	/* Two of ours: the one holding the packet first, though listed second. */
	mine[0] = ts_of("10.1.1.0/24", ANY);
	mine[1] = ts_of("10.1.0.0/24", ANY);
	n = ike_ts_narrow(peer, 2, mine, 2, out, 8);
	CHECK(n == 2);
	CHECK_STR(str(&out[0]), "10.1.0.0/24");
	CHECK_STR(str(&out[1]), "10.1.1.0/24");

	/* Ours larger than the peer's: cut down to what it proposed. */
	peer[1] = ts_of("10.1.0.0/25", ANY);
	mine[0] = ts_of("10.0.0.0/8", ANY);
	n = ike_ts_narrow(peer, 2, mine, 1, out, 8);
	CHECK(n == 1);
	CHECK_STR(str(&out[0]), "10.1.0.0/25");

	/* The packet is ours, the peer's second TS does not hold it: the packet alone first. */
	peer[1] = ts_of("10.2.0.0/16", ANY);
	n = ike_ts_narrow(peer, 2, mine, 1, out, 8);
	CHECK(n == 2);
	CHECK_STR(str(&out[0]), "10.1.0.5/32[icmp]");
	CHECK_STR(str(&out[1]), "10.2.0.0/16");

	/* A single TS: the plain intersection. */
	n = ike_ts_narrow(peer, 1, mine, 1, out, 8);
	CHECK(n == 1);
	CHECK_STR(str(&out[0]), "10.1.0.5/32[icmp]");
}

static void test_narrow(void)
{
	struct ike_tsel peer[3], mine[3], out[8];
	unsigned int n;

	/* Disjoint. */
	peer[0] = ts_of("10.1.0.0/16", ANY);
	mine[0] = ts_of("10.2.0.0/16", ANY);
	CHECK(ike_ts_narrow(peer, 1, mine, 1, out, 8) == 0);
	/* Another family. */
	mine[0] = ts_of("2001:db8::/32", ANY);
	CHECK(ike_ts_narrow(peer, 1, mine, 1, out, 8) == 0);

	/* Partial overlap of ranges. */
	peer[0] = ts_of("10.0.0.0-10.0.0.200", ANY);
	mine[0] = ts_of("10.0.0.128/25", ANY);
	n = ike_ts_narrow(peer, 1, mine, 1, out, 8);
	CHECK(n == 1);
	CHECK_STR(str(&out[0]), "10.0.0.128-10.0.0.200");

	/* Each of the peer's with each of ours, in the peer's order, no repeats. */
	peer[0] = ts_of("192.168.0.0/16", ANY);
	peer[1] = ts_of("10.0.0.0/8", ANY);
	peer[2] = ts_of("10.1.0.0/16", ANY);
	mine[0] = ts_of("10.1.0.0/16", ANY);
	mine[1] = ts_of("10.2.0.0/16", ANY);
	mine[2] = ts_of("192.168.1.0/24", ANY);
	n = ike_ts_narrow(peer, 3, mine, 3, out, 8);
	CHECK(n == 3);
	CHECK_STR(str(&out[0]), "192.168.1.0/24");
	CHECK_STR(str(&out[1]), "10.1.0.0/16");
	CHECK_STR(str(&out[2]), "10.2.0.0/16");
	/* Capped at max. */
	CHECK(ike_ts_narrow(peer, 3, mine, 3, out, 2) == 2);

	/* IPv6. */
	peer[0] = ts_of("2001:db8::/32", ANY);
	mine[0] = ts_of("2001:db8:1::/48", ANY);
	mine[1] = ts_of("2001:db9::/32", ANY);
	n = ike_ts_narrow(peer, 1, mine, 2, out, 8);
	CHECK(n == 1);
	CHECK_STR(str(&out[0]), "2001:db8:1::/48");
	/* Everything, and a packet for our second selector: that one first. */
	peer[0] = ts_of("2001:db9::1", 58, ALL_PORTS);
	peer[1] = ts_of("::/0", ANY);
	n = ike_ts_narrow(peer, 2, mine, 2, out, 8);
	CHECK(n == 2);
	CHECK_STR(str(&out[0]), "2001:db9::/32");
	CHECK_STR(str(&out[1]), "2001:db8:1::/48");
	/* A packet none of ours holds: our order. */
	peer[0] = ts_of("2001:db8::1", 58, ALL_PORTS);
	n = ike_ts_narrow(peer, 2, mine, 2, out, 8);
	CHECK(n == 2);
	CHECK_STR(str(&out[0]), "2001:db8:1::/48");
	CHECK_STR(str(&out[1]), "2001:db9::/32");
	/* Only the packet, which is not ours. */
	CHECK(ike_ts_narrow(peer, 1, mine, 2, out, 8) == 0);
}

static void test_narrow_ports(void)
{
	struct ike_tsel peer[2], mine[2], out[8], x;
	unsigned int n;

	/* Any protocol meets TCP: TCP; any ports meet 443: 443. */
	peer[0] = ts_of("10.0.0.0/24", ANY);
	mine[0] = ts_of("10.0.0.0/24", 6, 443, 443);
	n = ike_ts_narrow(peer, 1, mine, 1, out, 8);
	CHECK(n == 1);
	CHECK_STR(str(&out[0]), "10.0.0.0/24[tcp/443]");
	/* TCP and UDP do not meet. */
	peer[0].proto = 17;
	CHECK(ike_ts_narrow(peer, 1, mine, 1, out, 8) == 0);
	/* Port ranges overlap. */
	peer[0] = ts_of("10.0.0.0/24", 6, 1000, 2000);
	mine[0] = ts_of("10.0.0.0/16", 6, 1500, 3000);
	n = ike_ts_narrow(peer, 1, mine, 1, out, 8);
	CHECK(n == 1);
	CHECK_STR(str(&out[0]), "10.0.0.0/24[tcp/1500-2000]");
	mine[0].sport = 2001;
	CHECK(ike_ts_narrow(peer, 1, mine, 1, out, 8) == 0);
	/* Two of ours for two services, both in. */
	peer[0] = ts_of("10.0.0.5", 6, 0, 65535);
	mine[0] = ts_of("10.0.0.0/24", 6, 22, 22);
	mine[1] = ts_of("10.0.0.0/24", 6, 80, 80);
	n = ike_ts_narrow(peer, 1, mine, 2, out, 8);
	CHECK(n == 2);
	CHECK_STR(str(&out[0]), "10.0.0.5/32[tcp/22]");
	CHECK_STR(str(&out[1]), "10.0.0.5/32[tcp/80]");

	/* OPAQUE meets OPAQUE and any, nothing else. */
	peer[0] = ts_of("10.0.0.0/24", 17, IKE_TS_PORT_OPAQUE_START, IKE_TS_PORT_OPAQUE_END);
	mine[0] = ts_of("10.0.0.0/24", ANY);
	CHECK(ike_tsel_intersect(&peer[0], &mine[0], &x));
	CHECK_STR(str(&x), "10.0.0.0/24[udp/opaque]");
	CHECK(ike_tsel_contains(&mine[0], &peer[0]) && !ike_tsel_contains(&peer[0], &mine[0]));
	mine[0] = ts_of("10.0.0.0/24", 17, 53, 53);
	CHECK(!ike_tsel_intersect(&peer[0], &mine[0], &x));
	CHECK(!ike_tsel_contains(&mine[0], &peer[0]));
}

static void test_within(void)
{
	struct ike_tsel off[2], resp[2];

	off[0] = ts_of("10.1.0.5/32", 1, ALL_PORTS);
	off[1] = ts_of("10.1.0.0/16", ANY);
	resp[0] = ts_of("10.1.0.0/24", ANY);
	resp[1] = ts_of("10.1.0.5/32", 1, ALL_PORTS);
	CHECK(ike_ts_within(resp, 2, off, 2));
	/* Wider than offered. */
	resp[0] = ts_of("10.0.0.0/8", ANY);
	CHECK(!ike_ts_within(resp, 1, off, 2));
	/* A protocol: inside "any"; "any" is not inside ICMP. */
	resp[0] = ts_of("10.1.0.5/32", 6, 80, 80);
	CHECK(ike_ts_within(resp, 1, off, 2));
	CHECK(!ike_ts_within(resp, 1, off, 1));
	resp[0] = ts_of("10.1.0.5/32", ANY);
	CHECK(!ike_ts_within(resp, 1, off, 1));
	/* A range not a prefix, inside. */
	resp[0] = ts_of("10.1.0.7-10.1.3.1", ANY);
	CHECK(ike_ts_within(resp, 1, off, 2));
	/* Nothing at all is not an answer; IPv6 is not inside IPv4. */
	CHECK(!ike_ts_within(resp, 0, off, 2));
	resp[0] = ts_of("::/0", ANY);
	CHECK(!ike_ts_within(resp, 1, off, 2));
}

static void test_prefixes(void)
{
	char s[8][INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN];
	struct addr addrs[260];
	struct ike_tsel t;
	int plens[260], n, i;

	t = ts_of("10.0.0.1-10.0.0.9", ANY);
	n = ike_tsel_to_prefixes(&t, addrs, plens, 8);
	CHECK(n == 4);
	for (i = 0; i < n && i < 8; i++) {
		inet_ntop(AF_INET, addrs[i].bytes, a, sizeof(a));
		snprintf(s[i], sizeof(s[i]), "%s/%d", a, plens[i]);
		CHECK(addrs[i].family == AF_INET);
	}
	if (n == 4) {
		CHECK_STR(s[0], "10.0.0.1/32");
		CHECK_STR(s[1], "10.0.0.2/31");
		CHECK_STR(s[2], "10.0.0.4/30");
		CHECK_STR(s[3], "10.0.0.8/31");
	}
	/* More than max. */
	CHECK(ike_tsel_to_prefixes(&t, addrs, plens, 3) == -1);

	/* The full range: one /0, for both families. */
	t = ts_of("0.0.0.0-255.255.255.255", ANY);
	n = ike_tsel_to_prefixes(&t, addrs, plens, 1);
	CHECK(n == 1 && plens[0] == 0 && addrs[0].v4.s_addr == 0);
	CHECK_STR(str(&t), "0.0.0.0/0");
	t = ts_of("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ANY);
	n = ike_tsel_to_prefixes(&t, addrs, plens, 1);
	CHECK(n == 1 && plens[0] == 0 && addrs[0].family == AF_INET6);

	/* One address, the last one. */
	t = ts_of("255.255.255.255", ANY);
	n = ike_tsel_to_prefixes(&t, addrs, plens, 1);
	CHECK(n == 1 && plens[0] == 32 && addrs[0].v4.s_addr == 0xffffffff);

	/* The worst IPv6 range: ::1 to ff..fe, 254 prefixes, /128 up to /2 and back. */
	t = ts_of("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", ANY);
	n = ike_tsel_to_prefixes(&t, addrs, plens, 260);
	CHECK(n == 254);
	if (n == 254)
		CHECK(plens[0] == 128 && plens[126] == 2 && plens[127] == 2 && plens[128] == 3 &&
		      plens[253] == 128);
	/* Backwards is no range. */
	memcpy(t.start, t.end, 16);
	t.end[0] = 0;
	CHECK(ike_tsel_to_prefixes(&t, addrs, plens, 260) == -1);
}

static const char *pfx(const struct addr *a, int plen)
{
	static char buf[2][INET6_ADDRSTRLEN + 8];
	static unsigned int k;
	char s[INET6_ADDRSTRLEN];

	k = (k + 1) % 2;
	inet_ntop(a->family, a->bytes, s, sizeof(s));
	snprintf(buf[k], sizeof(buf[k]), "%s/%d", s, plen);
	return buf[k];
}

static void test_sa_selector(void)
{
	struct ike_tsel from[2], to[2];
	struct selector sel;

	/* One prefix a side: exact, ports only with a protocol that has them. */
	from[0] = ts_of("10.2.0.0/16", 17, 1024, 65535);
	to[0] = ts_of("10.1.0.5", 17, 53, 53);
	CHECK(ike_ts_selector(from, 1, to, 1, &sel));
	CHECK_STR(pfx(&sel.src, sel.src_plen), "10.2.0.0/16");
	CHECK_STR(pfx(&sel.dst, sel.dst_plen), "10.1.0.5/32");
	CHECK(sel.proto == 17 && sel.sport_min == 1024 && sel.sport_max == 65535 &&
	      sel.dport_min == 53 && sel.dport_max == 53);
	/* A range and a second TS: the shortest prefix over both, any proto. */
	from[0] = ts_of("10.0.0.1-10.0.0.9", ANY);
	from[1] = ts_of("10.0.1.0/24", 6, ALL_PORTS);
	to[0] = ts_of("2001:db8::/64", ANY);
	CHECK(!ike_ts_selector(from, 2, to, 1, &sel) && !sel.src.family);
	to[0] = ts_of("10.1.0.0/24", ANY);
	CHECK(ike_ts_selector(from, 2, to, 1, &sel));
	CHECK_STR(pfx(&sel.src, sel.src_plen), "10.0.0.0/23");
	CHECK(sel.proto == 0 && sel.sport_min == 0 && sel.sport_max == 65535);
	/* ICMP's "ports" are type and code: no port range in the selector. */
	from[0] = ts_of("10.2.0.0/16", 1, 8, 8);
	to[0] = ts_of("10.1.0.0/16", 1, ALL_PORTS);
	CHECK(ike_ts_selector(from, 1, to, 1, &sel));
	CHECK(sel.proto == 1 && sel.sport_min == 0 && sel.sport_max == 65535);
	CHECK(!ike_ts_selector(from, 0, to, 1, &sel) && !sel.src.family);
}

static const struct test tests[] = {
	{ "build: IKE, AEADs first and apart, SPI sizes, through the codec", test_build_ike },
	{ "build: ESP, no PFS and PFS, ESN no, through the codec", test_build_esp },
	{ "select: the peer's first acceptable proposal, its transform order", test_select_order },
	{ "select: AEAD with INTEG NONE or none, ESN, SPI size", test_select_aead },
	{ "select: the KE's group, or another for INVALID_KE_PAYLOAD", test_select_ke },
	{ "select: PFS wanted or not, DH skipped in IKE_AUTH", test_select_pfs },
	{ "select: unknown type drops the proposal, unknown ID or attribute only itself",
	  test_select_unknown },
	{ "no proposal chosen: -1 and the log lines side by side", test_mismatch },
	{ "accept (IKE): the reply through the codec; what is refused and why", test_accept },
	{ "accept (ESP): ESN, INTEG NONE, PFS, attributes", test_accept_esp },
	{ "chosen algorithms as a string, unknown IDs as numbers", test_chosen_str },
	{ "TS: from selectors, hosts and payloads; as strings", test_ts_conv },
	{ "narrow: the triggering packet's range first", test_narrow_trigger },
	{ "narrow: disjoint, partial, several, IPv6", test_narrow },
	{ "narrow: protocols and ports, OPAQUE", test_narrow_ports },
	{ "within: the answer inside the offer", test_within },
	{ "range to prefixes: fewest, in order, limits", test_prefixes },
	{ "the kernel SA's selector: exact, covering several, families, ports", test_sa_selector },
};

int main(void)
{
	const unsigned int n = sizeof(tests) / sizeof(tests[0]);

	return run_tests(tests, n);
}
