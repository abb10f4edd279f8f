// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv1 SA payloads: the phase 1 and quick mode offers from the
 * configuration, the responder's choice and answer, the initiator's check
 * of that answer, and the words for the log when nothing matches. See
 * proposal1.h.
 *
 * A transform is read into its meaning (struct ike1_p1, ike1_p2) by one
 * parser per phase, which takes the attributes in any order (strongSwan
 * and Libreswan differ) and refuses an attribute it does not know or one
 * given twice; both the responder's choice and the initiator's check
 * compare meanings, never bytes.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "proposal1.h"

#define ATTR_BIT(t)	(1u << (t))

/* --- Numbers: the configuration's IKEv2 IDs and IKEv1's attribute values --- */

static const struct {
	uint16_t prf;		/* IKE_PRF_* (conf.h: the phase 1 hash) */
	uint16_t integ;		/* IKE_INTEG_* */
	uint8_t hash;		/* IKE1_HASH_* */
	uint8_t auth_alg;	/* IKE1_AUTH_ALG_* */
} hashes[] = {
	{ IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96, IKE1_HASH_SHA1, IKE1_AUTH_ALG_HMAC_SHA1 },
	{ IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE1_HASH_SHA2_256,
	  IKE1_AUTH_ALG_HMAC_SHA2_256 },
	{ IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192, IKE1_HASH_SHA2_384,
	  IKE1_AUTH_ALG_HMAC_SHA2_384 },
	{ IKE_PRF_HMAC_SHA2_512, IKE_INTEG_HMAC_SHA2_512_256, IKE1_HASH_SHA2_512,
	  IKE1_AUTH_ALG_HMAC_SHA2_512 },
};

#define NHASHES	(sizeof(hashes) / sizeof(hashes[0]))

static uint8_t hash_of_prf(uint16_t prf)
{
	unsigned int i;

	for (i = 0; i < NHASHES; i++)
		if (hashes[i].prf == prf)
			return hashes[i].hash;
	return 0;
}

static uint16_t prf_of_hash(uint64_t hash)
{
	unsigned int i;

	for (i = 0; i < NHASHES; i++)
		if (hashes[i].hash == hash)
			return hashes[i].prf;
	return 0;
}

static uint8_t auth_alg_of_integ(uint16_t integ)
{
	unsigned int i;

	for (i = 0; i < NHASHES; i++)
		if (hashes[i].integ == integ)
			return hashes[i].auth_alg;
	return 0;
}

static uint16_t integ_of_auth_alg(uint64_t alg)
{
	unsigned int i;

	for (i = 0; i < NHASHES; i++)
		if (hashes[i].auth_alg == alg)
			return hashes[i].integ;
	return 0;
}

/* The draft NAT-T values mean what RFC 3947's do. */
static uint8_t encap_norm(uint64_t v)
{
	if (v == IKE1_ENCAP_UDP_TUNNEL_DRAFT)
		return IKE1_ENCAP_UDP_TUNNEL;
	if (v == IKE1_ENCAP_UDP_TRANSPORT_DRAFT)
		return IKE1_ENCAP_UDP_TRANSPORT;
	if (v >= IKE1_ENCAP_TUNNEL && v <= IKE1_ENCAP_UDP_TRANSPORT)
		return (uint8_t)v;
	return 0;
}

static bool list_has(const uint16_t *ids, unsigned int n, uint16_t id)
{
	unsigned int i;

	for (i = 0; i < n && i < IKE_CONF_MAX_ALGS; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool conf_has_encr(const struct ike_prop_conf *pc, uint16_t id, uint16_t keybits)
{
	unsigned int i;

	for (i = 0; i < pc->nencr && i < IKE_CONF_MAX_ALGS; i++)
		if (pc->encr[i].id == id && pc->encr[i].keybits == keybits)
			return true;
	return false;
}

/* --- Reading a transform --- */

/*
 * A life type, then its duration (RFC 2409 App. A, RFC 2407 4.5): pairs,
 * at most one of each type. False for anything else.
 */
static bool life_attr(const struct ike1_attr *a, uint16_t type_attr, uint16_t dur_attr,
		      uint64_t *pending, uint64_t *life_s, uint64_t *life_kb, unsigned int *seen)
{
	if (a->type == type_attr) {
		if (*pending || (a->val != IKE1_LIFE_SECONDS && a->val != IKE1_LIFE_KILOBYTES) ||
		    (*seen & ATTR_BIT(a->val)))
			return false;
		*pending = a->val;
		*seen |= ATTR_BIT(a->val);
		return true;
	}
	if (a->type != dur_attr || !*pending || !a->val)
		return false;
	if (*pending == IKE1_LIFE_SECONDS)
		*life_s = a->val;
	else
		*life_kb = a->val;
	*pending = 0;
	return true;
}

/* A phase 1 transform's meaning; false if it has what we do not know, or lacks what it needs. */
static bool parse_p1(const struct ike1_transform *t, struct ike1_p1 *p)
{
	unsigned int i, seen = 0, lives = 0;
	uint64_t pending = 0, kb = 0, enc = 0;
	const struct ike1_attr *a;

	memset(p, 0, sizeof(*p));
	if (t->id != IKE1_TRANSFORM_KEY_IKE || t->nattr > IKE1_MAX_ATTRS)
		return false;
	for (i = 0; i < t->nattr; i++) {
		a = &t->attr[i];
		if (a->type == IKE1_A_LIFE_TYPE || a->type == IKE1_A_LIFE_DURATION) {
			if (!life_attr(a, IKE1_A_LIFE_TYPE, IKE1_A_LIFE_DURATION, &pending,
				       &p->life_s, &kb, &lives))
				return false;
			continue;
		}
		if (a->type >= 32 || (seen & ATTR_BIT(a->type)))
			return false;
		seen |= ATTR_BIT(a->type);
		switch (a->type) {
		case IKE1_A_ENCRYPTION:
			enc = a->val;
			break;
		case IKE1_A_KEY_LENGTH:
			if (!a->val || a->val > UINT16_MAX)
				return false;
			p->alg.encr_keybits = (uint16_t)a->val;
			break;
		case IKE1_A_HASH:
			p->alg.prf = prf_of_hash(a->val);
			if (!p->alg.prf)
				return false;
			break;
		case IKE1_A_AUTH_METHOD:
			if (a->val > UINT8_MAX)
				return false;
			p->auth_method = (uint8_t)a->val;
			break;
		case IKE1_A_GROUP_DESC:
			if (!a->val || a->val > UINT16_MAX)
				return false;
			p->alg.dh = (uint16_t)a->val;
			break;
		default:
			return false;
		}
	}
	if (pending || enc != IKE1_ENC_AES_CBC || !p->alg.prf || !p->auth_method || !p->alg.dh)
		return false;
	p->alg.encr = IKE_ENCR_AES_CBC;
	/* AES without a key length attribute is AES-128 (RFC 3602 5). */
	if (!p->alg.encr_keybits)
		p->alg.encr_keybits = 128;
	return true;
}

/* A quick mode ESP transform's meaning; as parse_p1(). */
static bool parse_p2(const struct ike1_transform *t, struct ike1_p2 *p)
{
	unsigned int i, seen = 0, lives = 0;
	const struct ike1_attr *a;
	uint64_t pending = 0;

	memset(p, 0, sizeof(*p));
	if (t->nattr > IKE1_MAX_ATTRS ||
	    (t->id != IKE_ENCR_AES_CBC && t->id != IKE_ENCR_AES_GCM_16))
		return false;
	p->alg.encr = t->id;
	for (i = 0; i < t->nattr; i++) {
		a = &t->attr[i];
		if (a->type == IKE1_A_SA_LIFE_TYPE || a->type == IKE1_A_SA_LIFE_DURATION) {
			if (!life_attr(a, IKE1_A_SA_LIFE_TYPE, IKE1_A_SA_LIFE_DURATION, &pending,
				       &p->life_s, &p->life_kb, &lives))
				return false;
			continue;
		}
		if (a->type >= 32 || (seen & ATTR_BIT(a->type)))
			return false;
		seen |= ATTR_BIT(a->type);
		switch (a->type) {
		case IKE1_A_SA_GROUP_DESC:
			if (!a->val || a->val > UINT16_MAX)
				return false;
			p->alg.dh = (uint16_t)a->val;
			break;
		case IKE1_A_ENCAP_MODE:
			if (!encap_norm(a->val))
				return false;
			p->encap = (uint16_t)a->val;
			break;
		case IKE1_A_AUTH_ALG:
			p->alg.integ = integ_of_auth_alg(a->val);
			if (!p->alg.integ)
				return false;
			break;
		case IKE1_A_SA_KEY_LENGTH:
			if (!a->val || a->val > UINT16_MAX)
				return false;
			p->alg.encr_keybits = (uint16_t)a->val;
			break;
		default:
			return false;
		}
	}
	if (pending || !p->encap)
		return false;
	/* An AEAD has no separate integrity; CBC needs it. */
	if (ike_encr_is_aead(p->alg.encr) ? p->alg.integ != 0 : p->alg.integ == 0)
		return false;
	if (!p->alg.encr_keybits)
		p->alg.encr_keybits = 128;
	return true;
}

/* The encapsulation a transform asks for, draft values as RFC 3947's. */
static uint8_t p2_encap(const struct ike1_p2 *p)
{
	return encap_norm(p->encap);
}

static bool prop_ok(const struct ike1_sa_pl *sa, const struct ike1_proposal *p)
{
	return p->first <= sa->ntrans && p->ntrans <= sa->ntrans - p->first &&
	       sa->ntrans <= IKE1_MAX_TRANSFORMS;
}

/* --- Phase 1 --- */

static void add_p1_xform(struct ike1_sa_pl *out, const struct ike_xform_conf *enc, uint16_t prf,
			 uint16_t dh, uint64_t life_s)
{
	struct ike1_transform *t;

	if (out->ntrans >= IKE1_MAX_TRANSFORMS || out->ntrans >= UINT8_MAX)
		return;
	t = &out->trans[out->ntrans++];
	memset(t, 0, sizeof(*t));
	t->num = (uint8_t)out->ntrans;
	t->id = IKE1_TRANSFORM_KEY_IKE;
	/* strongSwan's order: cipher, key length, hash, method, group, life. */
	ike1_attr_add(t, IKE1_A_ENCRYPTION, IKE1_ENC_AES_CBC, false);
	ike1_attr_add(t, IKE1_A_KEY_LENGTH, enc->keybits, false);
	ike1_attr_add(t, IKE1_A_HASH, hash_of_prf(prf), false);
	ike1_attr_add(t, IKE1_A_AUTH_METHOD, IKE1_AUTH_PSK, false);
	ike1_attr_add(t, IKE1_A_GROUP_DESC, dh, false);
	if (life_s) {
		ike1_attr_add(t, IKE1_A_LIFE_TYPE, IKE1_LIFE_SECONDS, false);
		ike1_attr_add(t, IKE1_A_LIFE_DURATION, life_s, false);
	}
}

void ike1_p1_build(struct ike1_sa_pl *out, const struct ike_prop_conf *pc, uint64_t life_s,
		   bool aggressive)
{
	unsigned int e, h, g, ndh = aggressive && pc->ndh ? 1 : pc->ndh;
	struct ike1_proposal *p = &out->prop[0];

	memset(p, 0, sizeof(*p));
	out->doi = IKE1_DOI_IPSEC;
	out->situation = IKE1_SIT_IDENTITY_ONLY;
	out->nprop = 1;
	out->ntrans = 0;
	for (e = 0; e < pc->nencr && e < IKE_CONF_MAX_ALGS; e++) {
		if (pc->encr[e].id != IKE_ENCR_AES_CBC)
			continue;
		for (h = 0; h < pc->nprf && h < IKE_CONF_MAX_ALGS; h++) {
			if (!hash_of_prf(pc->prf[h]))
				continue;
			for (g = 0; g < ndh && g < IKE_CONF_MAX_ALGS; g++)
				add_p1_xform(out, &pc->encr[e], pc->prf[h], pc->dh[g], life_s);
		}
	}
	p->num = 1;
	p->protocol = IKE_PROTO_IKE;
	p->first = 0;
	p->ntrans = out->ntrans;
}

static bool p1_acceptable(const struct ike1_p1 *c, const struct ike_prop_conf *pc,
			  uint16_t ke_group)
{
	return c->auth_method == IKE1_AUTH_PSK &&
	       conf_has_encr(pc, c->alg.encr, c->alg.encr_keybits) &&
	       list_has(pc->prf, pc->nprf, c->alg.prf) && list_has(pc->dh, pc->ndh, c->alg.dh) &&
	       (!ke_group || c->alg.dh == ke_group);
}

int ike1_p1_select(const struct ike1_sa_pl *peer, const struct ike_prop_conf *pc,
		   uint16_t ke_group, struct ike1_p1 *out)
{
	const struct ike1_proposal *p = NULL;
	unsigned int i;

	for (i = 0; i < peer->nprop && i < IKE_MAX_PROPOSALS; i++) {
		if (peer->prop[i].protocol == IKE_PROTO_IKE) {
			p = &peer->prop[i];
			break;
		}
	}
	if (p && prop_ok(peer, p)) {
		for (i = 0; i < p->ntrans; i++) {
			if (parse_p1(&peer->trans[p->first + i], out) &&
			    p1_acceptable(out, pc, ke_group))
				return (int)(p->first + i);
		}
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

/* The proposal transform ti belongs to. */
static int prop_of(const struct ike1_sa_pl *sa, int ti)
{
	unsigned int i;

	for (i = 0; i < sa->nprop && i < IKE_MAX_PROPOSALS; i++)
		if (prop_ok(sa, &sa->prop[i]) && (unsigned int)ti >= sa->prop[i].first &&
		    (unsigned int)ti < sa->prop[i].first + sa->prop[i].ntrans)
			return (int)i;
	return -1;
}

/* The peer's proposal pi with only its transform ti. */
static void reply_one(struct ike1_sa_pl *out, const struct ike1_sa_pl *peer, int pi, int ti)
{
	out->doi = peer->doi;
	out->situation = peer->situation;
	out->nprop = 0;
	out->ntrans = 0;
	if (pi < 0 || ti < 0 || (unsigned int)ti >= peer->ntrans ||
	    (unsigned int)ti >= IKE1_MAX_TRANSFORMS)
		return;
	out->prop[0] = peer->prop[pi];
	out->prop[0].first = 0;
	out->prop[0].ntrans = 1;
	out->trans[0] = peer->trans[ti];
	out->nprop = 1;
	out->ntrans = 1;
}

void ike1_p1_reply(struct ike1_sa_pl *out, const struct ike1_sa_pl *peer, int ti)
{
	reply_one(out, peer, ti < 0 ? -1 : prop_of(peer, ti), ti);
}

/* The answer's one proposal and one transform, after the checks both phases make. */
static const struct ike1_transform *answer_xform(const struct ike1_sa_pl *resp,
						 uint8_t protocol, const char **why)
{
	const struct ike1_proposal *p;

	if (resp->nprop != 1) {
		*why = resp->nprop ? "more than one proposal in the answer" : "no proposal in the answer";
		return NULL;
	}
	p = &resp->prop[0];
	if (!prop_ok(resp, p)) {
		*why = "a malformed proposal";
		return NULL;
	}
	if (p->protocol != protocol) {
		*why = "a proposal of another protocol";
		return NULL;
	}
	if (p->ntrans != 1) {
		*why = "not one transform in the answer";
		return NULL;
	}
	return &resp->trans[p->first];
}

static bool p1_equal(const struct ike1_p1 *a, const struct ike1_p1 *b)
{
	return a->alg.encr == b->alg.encr && a->alg.encr_keybits == b->alg.encr_keybits &&
	       a->alg.prf == b->alg.prf && a->alg.dh == b->alg.dh &&
	       a->auth_method == b->auth_method && a->life_s == b->life_s;
}

int ike1_p1_accept(const struct ike1_sa_pl *resp, const struct ike1_sa_pl *offered,
		   struct ike1_p1 *out, const char **why)
{
	const struct ike1_transform *t;
	struct ike1_p1 o;
	unsigned int i;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	t = answer_xform(resp, IKE_PROTO_IKE, why);
	if (!t)
		return -1;
	if (!parse_p1(t, out)) {
		*why = "a transform we cannot use (an attribute unknown, missing or twice)";
		memset(out, 0, sizeof(*out));
		return -1;
	}
	/* RFC 2409 5: the responder must not change an attribute. */
	for (i = 0; i < offered->ntrans && i < IKE1_MAX_TRANSFORMS; i++)
		if (parse_p1(&offered->trans[i], &o) && p1_equal(out, &o))
			return 0;
	*why = "a transform we did not offer";
	memset(out, 0, sizeof(*out));
	return -1;
}

/* --- Quick mode --- */

static void put_spi(uint8_t *p, uint32_t spi)
{
	p[0] = spi >> 24;
	p[1] = spi >> 16;
	p[2] = spi >> 8;
	p[3] = spi;
}

static uint32_t get_spi(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void add_p2_prop(struct ike1_sa_pl *out, const struct ike_xform_conf *enc, uint16_t integ,
			uint16_t dh, uint32_t spi, uint8_t encap, uint64_t life_s,
			uint64_t life_kb)
{
	struct ike1_proposal *p;
	struct ike1_transform *t;

	if (out->nprop >= IKE_MAX_PROPOSALS || out->ntrans >= IKE1_MAX_TRANSFORMS)
		return;
	t = &out->trans[out->ntrans];
	memset(t, 0, sizeof(*t));
	t->num = 1;
	t->id = (uint8_t)enc->id;
	if (life_s) {
		ike1_attr_add(t, IKE1_A_SA_LIFE_TYPE, IKE1_LIFE_SECONDS, false);
		ike1_attr_add(t, IKE1_A_SA_LIFE_DURATION, life_s, false);
	}
	if (life_kb) {
		ike1_attr_add(t, IKE1_A_SA_LIFE_TYPE, IKE1_LIFE_KILOBYTES, false);
		ike1_attr_add(t, IKE1_A_SA_LIFE_DURATION, life_kb, false);
	}
	if (dh)
		ike1_attr_add(t, IKE1_A_SA_GROUP_DESC, dh, false);
	ike1_attr_add(t, IKE1_A_ENCAP_MODE, encap, false);
	if (integ)
		ike1_attr_add(t, IKE1_A_AUTH_ALG, auth_alg_of_integ(integ), false);
	ike1_attr_add(t, IKE1_A_SA_KEY_LENGTH, enc->keybits, false);

	p = &out->prop[out->nprop++];
	memset(p, 0, sizeof(*p));
	p->num = (uint8_t)out->nprop;
	p->protocol = IKE_PROTO_ESP;
	p->spi_size = 4;
	put_spi(p->spi, spi);
	p->first = out->ntrans++;
	p->ntrans = 1;
}

void ike1_p2_build(struct ike1_sa_pl *out, const struct ike_prop_conf *pc, uint32_t spi,
		   uint8_t encap, uint64_t life_s, uint64_t life_kb)
{
	/* Quick mode has one KE: the first group is the one PFS offers. */
	uint16_t dh = pc->ndh ? pc->dh[0] : 0;
	const struct ike_xform_conf *enc;
	unsigned int e, a;

	out->doi = IKE1_DOI_IPSEC;
	out->situation = IKE1_SIT_IDENTITY_ONLY;
	out->nprop = 0;
	out->ntrans = 0;
	for (e = 0; e < pc->nencr && e < IKE_CONF_MAX_ALGS; e++) {
		enc = &pc->encr[e];
		if (enc->id != IKE_ENCR_AES_CBC && enc->id != IKE_ENCR_AES_GCM_16)
			continue;
		if (ike_encr_is_aead(enc->id)) {
			add_p2_prop(out, enc, 0, dh, spi, encap, life_s, life_kb);
			continue;
		}
		for (a = 0; a < pc->ninteg && a < IKE_CONF_MAX_ALGS; a++)
			if (auth_alg_of_integ(pc->integ[a]))
				add_p2_prop(out, enc, pc->integ[a], dh, spi, encap, life_s,
					    life_kb);
	}
}

static bool p2_acceptable(const struct ike1_p2 *c, const struct ike_prop_conf *pc, uint8_t encap,
			  uint16_t pfs)
{
	if (!conf_has_encr(pc, c->alg.encr, c->alg.encr_keybits) ||
	    (c->alg.integ && !list_has(pc->integ, pc->ninteg, c->alg.integ)) ||
	    p2_encap(c) != encap_norm(encap))
		return false;
	/* PFS: the transform's group is the KE's, one we configured; none without a KE. */
	if (!pfs)
		return !c->alg.dh && !pc->ndh;
	return c->alg.dh == pfs && list_has(pc->dh, pc->ndh, pfs);
}

int ike1_p2_select(const struct ike1_sa_pl *peer, const struct ike_prop_conf *pc,
		   uint8_t encap, uint16_t pfs, struct ike1_p2 *out, int *ti)
{
	const struct ike1_proposal *p;
	unsigned int i, j;

	for (i = 0; i < peer->nprop && i < IKE_MAX_PROPOSALS; i++) {
		p = &peer->prop[i];
		if (p->protocol != IKE_PROTO_ESP || p->spi_size != 4 || !prop_ok(peer, p))
			continue;
		/* Proposals with one number are one AND-ed offer (RFC 2408 4.2): not ours. */
		if ((i > 0 && peer->prop[i - 1].num == p->num) ||
		    (i + 1 < peer->nprop && peer->prop[i + 1].num == p->num))
			continue;
		for (j = 0; j < p->ntrans; j++) {
			if (parse_p2(&peer->trans[p->first + j], out) &&
			    p2_acceptable(out, pc, encap, pfs)) {
				out->spi = get_spi(p->spi);
				*ti = (int)(p->first + j);
				return (int)i;
			}
		}
	}
	memset(out, 0, sizeof(*out));
	*ti = -1;
	return -1;
}

void ike1_p2_reply(struct ike1_sa_pl *out, const struct ike1_sa_pl *peer, int pi, int ti,
		   uint32_t our_spi)
{
	if (pi < 0 || (unsigned int)pi >= peer->nprop || pi >= IKE_MAX_PROPOSALS ||
	    prop_of(peer, ti) != pi) {
		reply_one(out, peer, -1, -1);
		return;
	}
	reply_one(out, peer, pi, ti);
	out->prop[0].spi_size = 4;
	put_spi(out->prop[0].spi, our_spi);
}

static bool p2_equal(const struct ike1_p2 *a, const struct ike1_p2 *b)
{
	return a->alg.encr == b->alg.encr && a->alg.encr_keybits == b->alg.encr_keybits &&
	       a->alg.integ == b->alg.integ && a->alg.dh == b->alg.dh &&
	       p2_encap(a) == p2_encap(b) && a->life_s == b->life_s && a->life_kb == b->life_kb;
}

int ike1_p2_accept(const struct ike1_sa_pl *resp, const struct ike1_sa_pl *offered,
		   struct ike1_p2 *out, const char **why)
{
	const struct ike1_proposal *o = NULL;
	const struct ike1_transform *t;
	struct ike1_p2 mine;
	unsigned int i, j;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	t = answer_xform(resp, IKE_PROTO_ESP, why);
	if (!t)
		return -1;
	if (resp->prop[0].spi_size != 4) {
		*why = "an SPI of the wrong size";
		return -1;
	}
	for (i = 0; i < offered->nprop && i < IKE_MAX_PROPOSALS; i++)
		if (offered->prop[i].num == resp->prop[0].num && prop_ok(offered, &offered->prop[i]))
			o = &offered->prop[i];
	if (!o) {
		*why = "a proposal number we did not offer";
		return -1;
	}
	if (!parse_p2(t, out)) {
		*why = "a transform we cannot use (an attribute unknown, missing or twice)";
		memset(out, 0, sizeof(*out));
		return -1;
	}
	for (j = 0; j < o->ntrans; j++) {
		if (parse_p2(&offered->trans[o->first + j], &mine) && p2_equal(out, &mine)) {
			out->spi = get_spi(resp->prop[0].spi);
			return 0;
		}
	}
	*why = "a transform we did not offer";
	memset(out, 0, sizeof(*out));
	return -1;
}

/* --- Names for the log --- */

struct sbuf {
	char *p;
	size_t len, size;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= b->size) {
		b->len = b->size - 1;
		if (b->size > 4)
			memcpy(b->p + b->size - 4, "...", 4);
	}
}

static const char *hash_word(uint64_t hash)
{
	switch (hash) {
	case IKE1_HASH_MD5:
		return "md5";
	case IKE1_HASH_SHA1:
		return "sha1";
	case IKE1_HASH_SHA2_256:
		return "sha256";
	case IKE1_HASH_SHA2_384:
		return "sha384";
	case IKE1_HASH_SHA2_512:
		return "sha512";
	default:
		return NULL;
	}
}

/* "/NAME", or "/WHAT#N" for what conf_words.c cannot name. */
static void sb_name(struct sbuf *b, const char *name, const char *what, uint64_t n)
{
	if (name && *name && strcmp(name, "unknown"))
		sb_add(b, "/%s", name);
	else
		sb_add(b, "/%s#%llu", what, (unsigned long long)n);
}

/* "aes-cbc-256/sha256/modp2048", or the attributes as numbers when unknown. */
static void sb_p1(struct sbuf *b, const struct ike1_transform *t)
{
	const struct ike1_attr *a;
	uint64_t enc = 0, klen = 0, hash = 0, meth = 0, grp = 0;
	unsigned int i;

	for (i = 0; i < t->nattr && i < IKE1_MAX_ATTRS; i++) {
		a = &t->attr[i];
		switch (a->type) {
		case IKE1_A_ENCRYPTION:
			enc = a->val;
			break;
		case IKE1_A_KEY_LENGTH:
			klen = a->val;
			break;
		case IKE1_A_HASH:
			hash = a->val;
			break;
		case IKE1_A_AUTH_METHOD:
			meth = a->val;
			break;
		case IKE1_A_GROUP_DESC:
			grp = a->val;
			break;
		case IKE1_A_LIFE_TYPE:
		case IKE1_A_LIFE_DURATION:
			break;
		default:
			sb_add(b, "attr%u?+", a->type);
			break;
		}
	}
	if (t->id != IKE1_TRANSFORM_KEY_IKE)
		sb_add(b, "id%u:", t->id);
	if (enc == IKE1_ENC_AES_CBC)
		sb_add(b, "aes-cbc-%u", klen ? (unsigned int)klen : 128);
	else
		sb_add(b, "enc#%llu", (unsigned long long)enc);
	if (hash_word(hash))
		sb_add(b, "/%s", hash_word(hash));
	else
		sb_add(b, "/hash#%llu", (unsigned long long)hash);
	sb_name(b, grp <= UINT16_MAX ? ike_dh_name((uint16_t)grp) : NULL, "dh", grp);
	if (meth != IKE1_AUTH_PSK)
		sb_add(b, "/auth#%llu", (unsigned long long)meth);
}

/* "aes-gcm-256/modp2048/tunnel": cipher, auth, group, mode. */
static void sb_p2(struct sbuf *b, const struct ike1_transform *t)
{
	const struct ike1_attr *a;
	uint64_t klen = 0, alg = 0, grp = 0, mode = 0;
	unsigned int i;

	for (i = 0; i < t->nattr && i < IKE1_MAX_ATTRS; i++) {
		a = &t->attr[i];
		switch (a->type) {
		case IKE1_A_SA_KEY_LENGTH:
			klen = a->val;
			break;
		case IKE1_A_AUTH_ALG:
			alg = a->val;
			break;
		case IKE1_A_SA_GROUP_DESC:
			grp = a->val;
			break;
		case IKE1_A_ENCAP_MODE:
			mode = a->val;
			break;
		case IKE1_A_SA_LIFE_TYPE:
		case IKE1_A_SA_LIFE_DURATION:
			break;
		default:
			sb_add(b, "attr%u?+", a->type);
			break;
		}
	}
	if (t->id == IKE_ENCR_AES_CBC)
		sb_add(b, "aes-cbc-%u", klen ? (unsigned int)klen : 128);
	else if (t->id == IKE_ENCR_AES_GCM_16)
		sb_add(b, "aes-gcm-%u", klen ? (unsigned int)klen : 128);
	else
		sb_add(b, "encr#%u", t->id);
	if (alg)
		sb_name(b, alg <= UINT16_MAX ? ike_integ_name(integ_of_auth_alg(alg)) : NULL,
			"auth", alg);
	if (grp)
		sb_name(b, grp <= UINT16_MAX ? ike_dh_name((uint16_t)grp) : NULL, "dh", grp);
	switch (encap_norm(mode)) {
	case IKE1_ENCAP_TUNNEL:
	case IKE1_ENCAP_UDP_TUNNEL:
		sb_add(b, "/tunnel");
		break;
	case IKE1_ENCAP_TRANSPORT:
	case IKE1_ENCAP_UDP_TRANSPORT:
		sb_add(b, "/transport");
		break;
	default:
		sb_add(b, "/mode#%llu", (unsigned long long)mode);
		break;
	}
}

static void sb_proposal(struct sbuf *b, const struct ike1_sa_pl *sa, unsigned int i)
{
	const struct ike1_proposal *p = &sa->prop[i];
	unsigned int j;

	sb_add(b, "#%u %s", p->num, p->protocol == IKE_PROTO_IKE ? "ISAKMP" :
	       p->protocol == IKE_PROTO_ESP ? "ESP" : "proto?");
	if (!prop_ok(sa, p))
		return;
	for (j = 0; j < p->ntrans; j++) {
		sb_add(b, "%s", j ? "," : " ");
		if (p->protocol == IKE_PROTO_IKE)
			sb_p1(b, &sa->trans[p->first + j]);
		else
			sb_p2(b, &sa->trans[p->first + j]);
	}
	if (!p->ntrans)
		sb_add(b, " (no transforms)");
}

void ike1_prop_log_mismatch(const struct ike1_sa_pl *peer, const struct ike1_sa_pl *ours,
			    void (*line)(void *arg, const char *text), void *arg)
{
	unsigned int i, np = peer->nprop, no = ours->nprop;
	char text[1024];
	struct sbuf b;

	if (np > IKE_MAX_PROPOSALS)
		np = IKE_MAX_PROPOSALS;
	if (no > IKE_MAX_PROPOSALS)
		no = IKE_MAX_PROPOSALS;
	for (i = 0; i < np || i < no || i == 0; i++) {
		b = (struct sbuf){ text, 0, sizeof(text) };
		text[0] = '\0';
		sb_add(&b, "received: ");
		if (i < np)
			sb_proposal(&b, peer, i);
		else
			sb_add(&b, "-");
		if (b.len > sizeof(text) / 2) {
			b.len = sizeof(text) / 2 - 4;
			sb_add(&b, "...");
		}
		sb_add(&b, " | configured: ");
		if (i < no)
			sb_proposal(&b, ours, i);
		else
			sb_add(&b, "-");
		line(arg, text);
	}
}
