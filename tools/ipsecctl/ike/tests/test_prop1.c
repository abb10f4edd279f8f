// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of proposal1.c: IKEv1 phase 1 and quick mode SA payloads
 * built from a configured block, carried through the codec (codec1.c),
 * chosen by a responder, answered, and the answer checked by the
 * initiator; attributes in any order, the draft NAT-T encapsulation
 * values, unknown attributes, mismatches and their log lines, and an
 * answer that changes what was offered. KTAP on stdout; exits 1 if any
 * test failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../buf.h"
#include "../codec.h"
#include "../codec1.h"
#include "../conf.h"
#include "../proposal1.h"

/* conf_words.c names the algorithms in the daemon; these stand in for it. */
const char *ike_encr_name(uint16_t id, uint16_t keybits)
{
	static char buf[32];

	if (id == IKE_ENCR_AES_CBC)
		snprintf(buf, sizeof(buf), "aes-cbc-%u", keybits);
	else if (id == IKE_ENCR_AES_GCM_16)
		snprintf(buf, sizeof(buf), "aes-gcm-%u", keybits);
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
	return id == IKE_DH_MODP2048 ? "modp2048" : id == IKE_DH_MODP1024 ? "modp1024" : NULL;
}

/* --- Helpers --- */

static void conf_enc(struct ike_prop_conf *pc, uint16_t id, uint16_t keybits)
{
	pc->encr[pc->nencr].id = id;
	pc->encr[pc->nencr++].keybits = keybits;
}

/* main enc aes-cbc-256 aes-cbc-128 auth hmac-sha256 hmac-sha1 group modp2048 modp1024 */
static void p1_conf_wide(struct ike_prop_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	conf_enc(pc, IKE_ENCR_AES_CBC, 256);
	conf_enc(pc, IKE_ENCR_AES_CBC, 128);
	pc->prf[pc->nprf++] = IKE_PRF_HMAC_SHA2_256;
	pc->prf[pc->nprf++] = IKE_PRF_HMAC_SHA1;
	pc->dh[pc->ndh++] = IKE_DH_MODP2048;
	pc->dh[pc->ndh++] = IKE_DH_MODP1024;
}

/* An old peer: aes-cbc-128, hmac-sha1, modp1024 only. */
static void p1_conf_old(struct ike_prop_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	conf_enc(pc, IKE_ENCR_AES_CBC, 128);
	pc->prf[pc->nprf++] = IKE_PRF_HMAC_SHA1;
	pc->dh[pc->ndh++] = IKE_DH_MODP1024;
}

/* quick enc aes-gcm-256 aes-cbc-256 auth hmac-sha256 group modp2048 */
static void p2_conf(struct ike_prop_conf *pc, bool pfs)
{
	memset(pc, 0, sizeof(*pc));
	conf_enc(pc, IKE_ENCR_AES_GCM_16, 256);
	conf_enc(pc, IKE_ENCR_AES_CBC, 256);
	pc->integ[pc->ninteg++] = IKE_INTEG_HMAC_SHA2_256_128;
	if (pfs)
		pc->dh[pc->ndh++] = IKE_DH_MODP2048;
}

/*
 * sa through the codec: encoded as an SA payload in a message, decoded
 * back into *out (whose views point into buf, which must outlive it).
 */
static bool wire(const struct ike1_sa_pl *sa, struct ike1_sa_pl *out, uint8_t *buf, size_t size)
{
	static const struct ike_hdr h = { .major = IKE1_MAJOR, .exchange = IKE1_EXCH_IDENT_PROT };
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_msg m;

	ike_wbuf_init(&w, buf, size);
	ike_enc_begin(&e, &w, &h);
	ike1_enc_sa(&e, sa);
	if (!CHECK(ike_enc_end(&e) == IKE_OK))
		return false;
	if (!CHECK(ike_decode(buf, w.len, &m) == IKE_OK && m.npl == 1))
		return false;
	return CHECK(ike1_dec_sa(&m.pl[0], out) == IKE_OK);
}

static uint64_t attr(const struct ike1_transform *t, uint16_t type)
{
	uint64_t v;

	return ike1_attr_get(t, type, &v) ? v : 0xdeadbeef;
}

/* Replace the first attribute of type with val (TV). */
static void set_attr(struct ike1_transform *t, uint16_t type, uint64_t val)
{
	unsigned int i;

	for (i = 0; i < t->nattr; i++) {
		if (t->attr[i].type == type) {
			t->attr[i].val = val;
			t->attr[i].tlv = val > UINT16_MAX;
			t->attr[i].data.p = NULL;
			t->attr[i].data.len = t->attr[i].tlv ? 4 : 0;
			return;
		}
	}
}

static void del_attr(struct ike1_transform *t, uint16_t type)
{
	unsigned int i;

	for (i = 0; i < t->nattr; i++) {
		if (t->attr[i].type == type) {
			memmove(&t->attr[i], &t->attr[i + 1], (t->nattr - i - 1) * sizeof(t->attr[0]));
			t->nattr--;
			return;
		}
	}
}

static char log_text[8][1024];
static unsigned int log_n;

static void log_line(void *arg, const char *text)
{
	(void)arg;
	if (log_n < 8)
		snprintf(log_text[log_n++], sizeof(log_text[0]), "%s", text);
}

/* --- Phase 1 --- */

static void test_p1_build(void)
{
	static uint8_t buf[4096];
	struct ike1_sa_pl sa, got;
	struct ike_prop_conf pc;
	const struct ike1_transform *t;

	p1_conf_wide(&pc);
	ike1_p1_build(&sa, &pc, 28800, false);
	CHECK(sa.doi == IKE1_DOI_IPSEC && sa.situation == IKE1_SIT_IDENTITY_ONLY);
	CHECK(sa.nprop == 1 && sa.prop[0].protocol == IKE_PROTO_IKE && sa.prop[0].spi_size == 0);
	CHECK(sa.ntrans == 8 && sa.prop[0].ntrans == 8);
	/* enc outermost, then hash, then group, in the block's order. */
	t = &sa.trans[0];
	CHECK(t->num == 1 && t->id == IKE1_TRANSFORM_KEY_IKE);
	CHECK(attr(t, IKE1_A_ENCRYPTION) == IKE1_ENC_AES_CBC && attr(t, IKE1_A_KEY_LENGTH) == 256);
	CHECK(attr(t, IKE1_A_HASH) == IKE1_HASH_SHA2_256 && attr(t, IKE1_A_GROUP_DESC) == 14);
	CHECK(attr(t, IKE1_A_AUTH_METHOD) == IKE1_AUTH_PSK);
	CHECK(attr(t, IKE1_A_LIFE_TYPE) == IKE1_LIFE_SECONDS &&
	      attr(t, IKE1_A_LIFE_DURATION) == 28800);
	CHECK(attr(&sa.trans[1], IKE1_A_GROUP_DESC) == 2 &&
	      attr(&sa.trans[2], IKE1_A_HASH) == IKE1_HASH_SHA1 &&
	      attr(&sa.trans[4], IKE1_A_KEY_LENGTH) == 128 && sa.trans[7].num == 8);
	/* A lifetime over 65535 s goes as a 4-byte TLV, and comes back. */
	ike1_p1_build(&sa, &pc, 86400, false);
	CHECK(sa.trans[0].attr[6].tlv && sa.trans[0].attr[6].data.len == 4);
	if (wire(&sa, &got, buf, sizeof(buf)))
		CHECK(got.ntrans == 8 && attr(&got.trans[0], IKE1_A_LIFE_DURATION) == 86400);
	/* Aggressive mode: the first group only. */
	ike1_p1_build(&sa, &pc, 28800, true);
	CHECK(sa.ntrans == 4 && attr(&sa.trans[1], IKE1_A_GROUP_DESC) == 14 &&
	      attr(&sa.trans[3], IKE1_A_GROUP_DESC) == 14);
}

static void test_p1_roundtrip(void)
{
	static uint8_t b1[4096], b2[4096];
	struct ike1_sa_pl offer, at_resp, reply, at_init;
	struct ike_prop_conf init, resp;
	struct ike1_p1 chosen, accepted;
	const char *why;
	int ti;

	p1_conf_wide(&init);
	p1_conf_old(&resp);
	ike1_p1_build(&offer, &init, 28800, false);
	if (!wire(&offer, &at_resp, b1, sizeof(b1)))
		return;
	ti = ike1_p1_select(&at_resp, &resp, 0, &chosen);
	/* aes-cbc-128 (2nd enc) x sha1 (2nd hash) x modp1024 (2nd group): the 8th. */
	CHECK(ti == 7);
	CHECK(chosen.alg.encr == IKE_ENCR_AES_CBC && chosen.alg.encr_keybits == 128 &&
	      chosen.alg.prf == IKE_PRF_HMAC_SHA1 && chosen.alg.dh == IKE_DH_MODP1024 &&
	      chosen.auth_method == IKE1_AUTH_PSK && chosen.life_s == 28800);
	ike1_p1_reply(&reply, &at_resp, ti);
	CHECK(reply.nprop == 1 && reply.ntrans == 1 && reply.prop[0].num == 1 &&
	      reply.trans[0].num == 8);
	if (!wire(&reply, &at_init, b2, sizeof(b2)))
		return;
	CHECK(ike1_p1_accept(&at_init, &offer, &accepted, &why) == 0);
	CHECK(!memcmp(&accepted.alg, &chosen.alg, sizeof(chosen.alg)) &&
	      accepted.life_s == 28800);

	/* The responder configured like the initiator takes the peer's first. */
	CHECK(ike1_p1_select(&at_resp, &init, 0, &chosen) == 0 &&
	      chosen.alg.encr_keybits == 256 && chosen.alg.prf == IKE_PRF_HMAC_SHA2_256);
	/* Aggressive mode: the transform must have the KE's group. */
	CHECK(ike1_p1_select(&at_resp, &init, IKE_DH_MODP1024, &chosen) == 1 &&
	      chosen.alg.dh == IKE_DH_MODP1024);
	CHECK(ike1_p1_select(&at_resp, &resp, IKE_DH_MODP2048, &chosen) == -1);
}

static void test_p1_order(void)
{
	struct ike1_sa_pl peer;
	struct ike_prop_conf pc;
	struct ike1_transform *t;
	struct ike1_p1 c;

	/* Libreswan's order: life first, key length last; no key length means 128. */
	memset(&peer, 0, sizeof(peer));
	peer.nprop = 1;
	peer.ntrans = 2;
	peer.prop[0] = (struct ike1_proposal){ .num = 0, .protocol = IKE_PROTO_IKE, .ntrans = 2 };
	t = &peer.trans[0];
	t->num = 0;
	t->id = IKE1_TRANSFORM_KEY_IKE;
	ike1_attr_add(t, IKE1_A_LIFE_TYPE, IKE1_LIFE_SECONDS, false);
	ike1_attr_add(t, IKE1_A_LIFE_DURATION, 3600, true);
	ike1_attr_add(t, IKE1_A_GROUP_DESC, IKE_DH_MODP1024, false);
	ike1_attr_add(t, IKE1_A_AUTH_METHOD, IKE1_AUTH_PSK, false);
	ike1_attr_add(t, IKE1_A_HASH, IKE1_HASH_SHA1, false);
	ike1_attr_add(t, IKE1_A_ENCRYPTION, IKE1_ENC_AES_CBC, false);
	peer.trans[1] = *t;
	ike1_attr_add(&peer.trans[1], IKE1_A_KEY_LENGTH, 256, false);
	p1_conf_old(&pc);
	CHECK(ike1_p1_select(&peer, &pc, 0, &c) == 0 && c.alg.encr_keybits == 128 &&
	      c.life_s == 3600);
	conf_enc(&pc, IKE_ENCR_AES_CBC, 256);
	pc.encr[0].keybits = 256;
	pc.nencr = 1;
	CHECK(ike1_p1_select(&peer, &pc, 0, &c) == 1 && c.alg.encr_keybits == 256);
	/* An attribute we do not know makes its transform unacceptable. */
	ike1_attr_add(&peer.trans[1], 16001, 1, false);
	CHECK(ike1_p1_select(&peer, &pc, 0, &c) == -1);
	/* So does one given twice, and a method other than PSK. */
	peer.trans[1].nattr--;
	ike1_attr_add(&peer.trans[1], IKE1_A_HASH, IKE1_HASH_SHA1, false);
	CHECK(ike1_p1_select(&peer, &pc, 0, &c) == -1);
	peer.trans[1].nattr--;
	set_attr(&peer.trans[1], IKE1_A_AUTH_METHOD, IKE1_AUTH_RSA_SIG);
	CHECK(ike1_p1_select(&peer, &pc, 0, &c) == -1);
	set_attr(&peer.trans[1], IKE1_A_AUTH_METHOD, IKE1_AUTH_PSK);
	CHECK(ike1_p1_select(&peer, &pc, 0, &c) == 1);
	/* A duration without its type is not one. */
	del_attr(&peer.trans[1], IKE1_A_LIFE_TYPE);
	CHECK(ike1_p1_select(&peer, &pc, 0, &c) == -1);
}

static void test_p1_mismatch_and_accept(void)
{
	struct ike1_sa_pl offer, peer, reply;
	struct ike_prop_conf a, b;
	struct ike1_p1 c;
	const char *why;
	int ti;

	p1_conf_old(&a);
	memset(&b, 0, sizeof(b));
	conf_enc(&b, IKE_ENCR_AES_CBC, 256);
	b.prf[b.nprf++] = IKE_PRF_HMAC_SHA2_256;
	b.dh[b.ndh++] = IKE_DH_MODP2048;
	ike1_p1_build(&peer, &a, 28800, false);
	ike1_p1_build(&offer, &b, 28800, false);
	CHECK(ike1_p1_select(&peer, &b, 0, &c) == -1);
	log_n = 0;
	ike1_prop_log_mismatch(&peer, &offer, log_line, NULL);
	CHECK(log_n == 1);
	if (!CHECK(!strcmp(log_text[0], "received: #1 ISAKMP aes-cbc-128/sha1/modp1024 | configured: #1 ISAKMP aes-cbc-256/sha256/modp2048")))
		printf("# %s\n", log_text[0]);

	/* The answer changes an attribute: refused. */
	p1_conf_wide(&a);
	ike1_p1_build(&offer, &a, 28800, false);
	ti = ike1_p1_select(&offer, &a, 0, &c);
	CHECK(ti == 0);
	ike1_p1_reply(&reply, &offer, ti);
	CHECK(ike1_p1_accept(&reply, &offer, &c, &why) == 0);
	set_attr(&reply.trans[0], IKE1_A_LIFE_DURATION, 86400);
	CHECK(ike1_p1_accept(&reply, &offer, &c, &why) == -1 && why &&
	      !strcmp(why, "a transform we did not offer"));
	set_attr(&reply.trans[0], IKE1_A_LIFE_DURATION, 28800);
	set_attr(&reply.trans[0], IKE1_A_GROUP_DESC, IKE_DH_MODP1024);
	set_attr(&reply.trans[0], IKE1_A_HASH, IKE1_HASH_SHA2_512);
	CHECK(ike1_p1_accept(&reply, &offer, &c, &why) == -1);
	ike1_p1_reply(&reply, &offer, ti);
	ike1_attr_add(&reply.trans[0], 16001, 1, false);
	CHECK(ike1_p1_accept(&reply, &offer, &c, &why) == -1 && why && strstr(why, "unknown"));
	/* Two transforms in the answer. */
	reply = offer;
	CHECK(ike1_p1_accept(&reply, &offer, &c, &why) == -1 && why &&
	      !strcmp(why, "not one transform in the answer"));
	reply.nprop = 0;
	CHECK(ike1_p1_accept(&reply, &offer, &c, &why) == -1);
}

/* --- Quick mode --- */

static void test_p2_build(void)
{
	static uint8_t buf[4096];
	struct ike1_sa_pl sa, got;
	struct ike_prop_conf pc;
	const struct ike1_transform *t;

	p2_conf(&pc, true);
	ike1_p2_build(&sa, &pc, 0xc0ffee01, IKE1_ENCAP_TUNNEL, 3600, 1u << 22);
	CHECK(sa.nprop == 2 && sa.ntrans == 2);
	CHECK(sa.prop[0].num == 1 && sa.prop[1].num == 2 && sa.prop[0].protocol == IKE_PROTO_ESP &&
	      sa.prop[0].spi_size == 4 && sa.prop[0].spi[0] == 0xc0 && sa.prop[0].spi[3] == 0x01);
	t = &sa.trans[0];
	CHECK(t->id == IKE_ENCR_AES_GCM_16 && attr(t, IKE1_A_SA_KEY_LENGTH) == 256 &&
	      attr(t, IKE1_A_AUTH_ALG) == 0xdeadbeef && attr(t, IKE1_A_ENCAP_MODE) == 1 &&
	      attr(t, IKE1_A_SA_GROUP_DESC) == 14 && attr(t, IKE1_A_SA_LIFE_DURATION) == 3600);
	/* Lifetimes: seconds, then kilobytes, each type before its duration. */
	CHECK(t->attr[2].type == IKE1_A_SA_LIFE_TYPE && t->attr[2].val == IKE1_LIFE_KILOBYTES &&
	      t->attr[3].val == 1u << 22 && t->attr[3].tlv);
	t = &sa.trans[1];
	CHECK(t->id == IKE_ENCR_AES_CBC && attr(t, IKE1_A_AUTH_ALG) == IKE1_AUTH_ALG_HMAC_SHA2_256);
	if (wire(&sa, &got, buf, sizeof(buf)))
		CHECK(got.nprop == 2 && got.prop[1].spi[1] == 0xff);
	/* No PFS: no group attribute; no kilobytes: no second life pair. */
	p2_conf(&pc, false);
	ike1_p2_build(&sa, &pc, 1, IKE1_ENCAP_TRANSPORT, 3600, 0);
	CHECK(attr(&sa.trans[0], IKE1_A_SA_GROUP_DESC) == 0xdeadbeef && sa.trans[0].nattr == 4);
}

static void test_p2_roundtrip(void)
{
	static uint8_t b1[4096], b2[4096];
	struct ike1_sa_pl offer, at_resp, reply, at_init;
	struct ike_prop_conf init, resp;
	struct ike1_p2 chosen, accepted;
	const char *why;
	int pi, ti;

	p2_conf(&init, true);
	/* The responder only does CBC. */
	p2_conf(&resp, true);
	resp.encr[0] = resp.encr[1];
	resp.nencr = 1;
	ike1_p2_build(&offer, &init, 0x11111111, IKE1_ENCAP_TUNNEL, 3600, 0);
	if (!wire(&offer, &at_resp, b1, sizeof(b1)))
		return;
	pi = ike1_p2_select(&at_resp, &resp, IKE1_ENCAP_TUNNEL, IKE_DH_MODP2048, &chosen, &ti);
	CHECK(pi == 1 && ti == 1 && chosen.spi == 0x11111111);
	CHECK(chosen.alg.encr == IKE_ENCR_AES_CBC && chosen.alg.encr_keybits == 256 &&
	      chosen.alg.integ == IKE_INTEG_HMAC_SHA2_256_128 && chosen.alg.dh == IKE_DH_MODP2048 &&
	      chosen.encap == IKE1_ENCAP_TUNNEL && chosen.life_s == 3600 && !chosen.life_kb);
	ike1_p2_reply(&reply, &at_resp, pi, ti, 0x22222222);
	CHECK(reply.nprop == 1 && reply.prop[0].num == 2 && reply.prop[0].spi[0] == 0x22);
	if (!wire(&reply, &at_init, b2, sizeof(b2)))
		return;
	CHECK(ike1_p2_accept(&at_init, &offer, &accepted, &why) == 0);
	CHECK(accepted.spi == 0x22222222 && accepted.alg.integ == IKE_INTEG_HMAC_SHA2_256_128 &&
	      accepted.alg.dh == IKE_DH_MODP2048);
	/* Without the peer's KE, a transform with a group is not acceptable. */
	CHECK(ike1_p2_select(&at_resp, &resp, IKE1_ENCAP_TUNNEL, 0, &chosen, &ti) == -1);
	/* Nor is another mode. */
	CHECK(ike1_p2_select(&at_resp, &resp, IKE1_ENCAP_TRANSPORT, IKE_DH_MODP2048, &chosen,
			     &ti) == -1);
	/* No PFS on either side. */
	p2_conf(&init, false);
	p2_conf(&resp, false);
	ike1_p2_build(&offer, &init, 7, IKE1_ENCAP_TRANSPORT, 3600, 1000);
	pi = ike1_p2_select(&offer, &resp, IKE1_ENCAP_TRANSPORT, 0, &chosen, &ti);
	CHECK(pi == 0 && chosen.alg.encr == IKE_ENCR_AES_GCM_16 && !chosen.alg.integ &&
	      !chosen.alg.dh && chosen.life_kb == 1000);
	/* We want PFS, the peer sent no KE: refused. */
	p2_conf(&resp, true);
	CHECK(ike1_p2_select(&offer, &resp, IKE1_ENCAP_TRANSPORT, 0, &chosen, &ti) == -1);
}

static void test_p2_draft_and_unknown(void)
{
	struct ike1_sa_pl peer, reply;
	struct ike_prop_conf pc;
	struct ike1_p2 c;
	const char *why;
	int pi, ti;

	p2_conf(&pc, false);
	ike1_p2_build(&peer, &pc, 0xabcdef01, IKE1_ENCAP_UDP_TUNNEL, 3600, 0);
	set_attr(&peer.trans[0], IKE1_A_ENCAP_MODE, IKE1_ENCAP_UDP_TUNNEL_DRAFT);
	pi = ike1_p2_select(&peer, &pc, IKE1_ENCAP_UDP_TUNNEL, 0, &c, &ti);
	CHECK(pi == 0 && c.encap == IKE1_ENCAP_UDP_TUNNEL_DRAFT);
	/* Answered with the value the peer sent. */
	ike1_p2_reply(&reply, &peer, pi, ti, 5);
	CHECK(attr(&reply.trans[0], IKE1_A_ENCAP_MODE) == IKE1_ENCAP_UDP_TUNNEL_DRAFT);
	set_attr(&peer.trans[0], IKE1_A_ENCAP_MODE, IKE1_ENCAP_UDP_TRANSPORT_DRAFT);
	CHECK(ike1_p2_select(&peer, &pc, IKE1_ENCAP_UDP_TRANSPORT, 0, &c, &ti) == 0);
	CHECK(ike1_p2_select(&peer, &pc, IKE1_ENCAP_UDP_TUNNEL, 0, &c, &ti) == 1);
	set_attr(&peer.trans[0], IKE1_A_ENCAP_MODE, 61445);
	CHECK(ike1_p2_select(&peer, &pc, IKE1_ENCAP_UDP_TRANSPORT, 0, &c, &ti) == -1);

	/* An unknown attribute: that proposal is skipped, the next taken. */
	ike1_p2_build(&peer, &pc, 9, IKE1_ENCAP_TUNNEL, 3600, 0);
	ike1_attr_add(&peer.trans[0], 16002, 7, false);
	CHECK(ike1_p2_select(&peer, &pc, IKE1_ENCAP_TUNNEL, 0, &c, &ti) == 1 &&
	      c.alg.encr == IKE_ENCR_AES_CBC);
	/* An auth algorithm with GCM, and CBC without one: unacceptable. */
	ike1_p2_build(&peer, &pc, 9, IKE1_ENCAP_TUNNEL, 3600, 0);
	ike1_attr_add(&peer.trans[0], IKE1_A_AUTH_ALG, IKE1_AUTH_ALG_HMAC_SHA2_256, false);
	del_attr(&peer.trans[1], IKE1_A_AUTH_ALG);
	CHECK(ike1_p2_select(&peer, &pc, IKE1_ENCAP_TUNNEL, 0, &c, &ti) == -1);
	log_n = 0;
	ike1_p2_build(&reply, &pc, 9, IKE1_ENCAP_TUNNEL, 3600, 0);
	ike1_prop_log_mismatch(&peer, &reply, log_line, NULL);
	CHECK(log_n == 2);
	if (!CHECK(!strcmp(log_text[0], "received: #1 ESP aes-gcm-256/hmac-sha256/tunnel | configured: #1 ESP aes-gcm-256/tunnel")))
		printf("# %s\n", log_text[0]);
	if (!CHECK(!strcmp(log_text[1], "received: #2 ESP aes-cbc-256/tunnel | configured: #2 ESP aes-cbc-256/hmac-sha256/tunnel")))
		printf("# %s\n", log_text[1]);

	/* The answer changes the lifetime, or names a proposal we did not make. */
	ike1_p2_build(&peer, &pc, 9, IKE1_ENCAP_TUNNEL, 3600, 0);
	ike1_p2_reply(&reply, &peer, 1, 1, 0x33);
	CHECK(ike1_p2_accept(&reply, &peer, &c, &why) == 0 && c.spi == 0x33);
	set_attr(&reply.trans[0], IKE1_A_SA_LIFE_DURATION, 7200);
	CHECK(ike1_p2_accept(&reply, &peer, &c, &why) == -1 && why &&
	      !strcmp(why, "a transform we did not offer"));
	ike1_p2_reply(&reply, &peer, 1, 1, 0x33);
	reply.prop[0].num = 9;
	CHECK(ike1_p2_accept(&reply, &peer, &c, &why) == -1 && why &&
	      !strcmp(why, "a proposal number we did not offer"));
	/* A transform index of another proposal: no answer. */
	ike1_p2_reply(&reply, &peer, 0, 1, 0x33);
	CHECK(reply.nprop == 0);
}

static const struct test tests[] = {
	{ "phase 1 offer: enc x hash x group, attributes, TLV lifetime; aggressive one group",
	  test_p1_build },
	{ "phase 1: build, select, reply, accept through the codec", test_p1_roundtrip },
	{ "phase 1: attributes in any order, key length absent, unknown or repeated ones",
	  test_p1_order },
	{ "phase 1: mismatch and its log line; an answer that changes an attribute refused",
	  test_p1_mismatch_and_accept },
	{ "quick mode offer: a proposal per enc x auth, SPI, PFS group, lifetimes",
	  test_p2_build },
	{ "quick mode: build, select, reply, accept through the codec; PFS both ways",
	  test_p2_roundtrip },
	{ "quick mode: draft NAT-T encapsulation, unknown attributes, mismatch, bad answers",
	  test_p2_draft_and_unknown },
};

int main(void)
{
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
