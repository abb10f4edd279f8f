// SPDX-License-Identifier: GPL-2.0-only
/*
 * SA payloads: what we offer from the configuration, which of the peer's
 * proposals we take, whether the peer's answer is one we can take, and
 * the words for the log when nothing matches. See proposal.h.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "proposal.h"

#define TYPE_BIT(t)	(1u << (t))
#define IKE_TYPES	(TYPE_BIT(IKE_TRANS_ENCR) | TYPE_BIT(IKE_TRANS_PRF) | \
			 TYPE_BIT(IKE_TRANS_INTEG) | TYPE_BIT(IKE_TRANS_DH))
#define ESP_TYPES	(TYPE_BIT(IKE_TRANS_ENCR) | TYPE_BIT(IKE_TRANS_INTEG) | \
			 TYPE_BIT(IKE_TRANS_DH) | TYPE_BIT(IKE_TRANS_ESN))

bool ike_encr_is_aead(uint16_t id)
{
	switch (id) {
	case IKE_ENCR_AES_CCM_8:
	case IKE_ENCR_AES_CCM_12:
	case IKE_ENCR_AES_CCM_16:
	case IKE_ENCR_AES_GCM_8:
	case IKE_ENCR_AES_GCM_12:
	case IKE_ENCR_AES_GCM_16:
	case IKE_ENCR_NULL_AUTH_AES_GMAC:
	case IKE_ENCR_CHACHA20_POLY1305:
		return true;
	default:
		return false;
	}
}

/* The transform types a proposal of this protocol may hold; 0 for others. */
static unsigned int types_of(uint8_t protocol)
{
	if (protocol == IKE_PROTO_IKE)
		return IKE_TYPES;
	if (protocol == IKE_PROTO_ESP)
		return ESP_TYPES;
	return 0;
}

static bool spi_size_ok(uint8_t protocol, uint8_t spi_size)
{
	if (protocol == IKE_PROTO_IKE)
		return spi_size == 0 || spi_size == IKE_SPI_LEN;
	return spi_size == 4;
}

/* --- Building --- */

static void add_xform(struct ike_sa_pl *sa, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct ike_transform *t;

	if (sa->ntrans >= IKE_MAX_TRANSFORMS)
		return;
	t = &sa->trans[sa->ntrans++];
	t->type = type;
	t->id = id;
	t->keylen = keylen;
	t->unknown_attr = false;
}

static void add_list(struct ike_sa_pl *sa, uint8_t type, const uint16_t *ids, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && i < IKE_CONF_MAX_ALGS; i++)
		add_xform(sa, type, ids[i], 0);
}

/* One proposal of the block's AEADs (aead) or of its other ciphers. */
static void build_one(struct ike_sa_pl *out, const struct ike_prop_conf *pc, uint8_t protocol,
		      bool aead, const uint8_t *spi, uint8_t spi_size)
{
	struct ike_proposal *p;
	unsigned int i, first = out->ntrans;
	bool any = false;

	for (i = 0; i < pc->nencr && i < IKE_CONF_MAX_ALGS; i++)
		any |= ike_encr_is_aead(pc->encr[i].id) == aead;
	if (!any || (!aead && !pc->ninteg) || out->nprop >= IKE_MAX_PROPOSALS)
		return;
	for (i = 0; i < pc->nencr && i < IKE_CONF_MAX_ALGS; i++)
		if (ike_encr_is_aead(pc->encr[i].id) == aead)
			add_xform(out, IKE_TRANS_ENCR, pc->encr[i].id, pc->encr[i].keybits);
	if (protocol == IKE_PROTO_IKE)
		add_list(out, IKE_TRANS_PRF, pc->prf, pc->nprf);
	if (!aead)
		add_list(out, IKE_TRANS_INTEG, pc->integ, pc->ninteg);
	add_list(out, IKE_TRANS_DH, pc->dh, pc->ndh);
	if (protocol == IKE_PROTO_ESP)
		add_xform(out, IKE_TRANS_ESN, IKE_ESN_NO, 0);

	p = &out->prop[out->nprop++];
	p->num = (uint8_t)out->nprop;
	p->protocol = protocol;
	p->spi_size = spi_size;
	p->spi = spi_size ? spi : NULL;
	p->first = first;
	p->ntrans = out->ntrans - first;
}

void ike_prop_build(struct ike_sa_pl *out, const struct ike_prop_conf *pc, uint8_t protocol,
		    const uint8_t *spi, uint8_t spi_size)
{
	out->nprop = 0;
	out->ntrans = 0;
	build_one(out, pc, protocol, true, spi, spi_size);
	build_one(out, pc, protocol, false, spi, spi_size);
}

void ike_prop_reply(struct ike_sa_pl *out, const struct ike_chosen *c, uint8_t protocol,
		    uint8_t propnum, const uint8_t *spi, uint8_t spi_size)
{
	struct ike_proposal *p = &out->prop[0];

	out->nprop = 1;
	out->ntrans = 0;
	add_xform(out, IKE_TRANS_ENCR, c->encr, c->encr_keybits);
	if (protocol == IKE_PROTO_IKE)
		add_xform(out, IKE_TRANS_PRF, c->prf, 0);
	if (c->integ)
		add_xform(out, IKE_TRANS_INTEG, c->integ, 0);
	if (protocol == IKE_PROTO_IKE || c->dh)
		add_xform(out, IKE_TRANS_DH, c->dh, 0);
	if (protocol == IKE_PROTO_ESP)
		add_xform(out, IKE_TRANS_ESN, c->esn, 0);
	p->num = propnum;
	p->protocol = protocol;
	p->spi_size = spi_size;
	p->spi = spi_size ? spi : NULL;
	p->first = 0;
	p->ntrans = out->ntrans;
}

/* --- Choosing, as responder --- */

static bool list_has(const uint16_t *ids, unsigned int n, uint16_t id)
{
	unsigned int i;

	for (i = 0; i < n && i < IKE_CONF_MAX_ALGS; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool conf_has_encr(const struct ike_prop_conf *pc, const struct ike_transform *t)
{
	unsigned int i;

	for (i = 0; i < pc->nencr && i < IKE_CONF_MAX_ALGS; i++)
		if (pc->encr[i].id == t->id && pc->encr[i].keybits == t->keylen)
			return true;
	return false;
}

/* A usable transform of this type and ID in the proposal. */
static bool prop_has(const struct ike_sa_pl *sa, const struct ike_proposal *p, uint8_t type,
		     uint16_t id)
{
	const struct ike_transform *t;
	unsigned int i;

	for (i = 0; i < p->ntrans; i++) {
		t = &sa->trans[p->first + i];
		if (t->type == type && t->id == id && !t->unknown_attr && !t->keylen)
			return true;
	}
	return false;
}

/* The first usable transform of this type (peer's order) that is in ids. */
static bool first_of(const struct ike_sa_pl *sa, const struct ike_proposal *p, uint8_t type,
		     const uint16_t *ids, unsigned int n, uint16_t *out)
{
	const struct ike_transform *t;
	unsigned int i;

	for (i = 0; i < p->ntrans; i++) {
		t = &sa->trans[p->first + i];
		if (t->type != type || t->unknown_attr || t->keylen)
			continue;
		if (t->id && list_has(ids, n, t->id)) {
			*out = t->id;
			return true;
		}
	}
	return false;
}

/* The types the proposal has transforms of; false if one is not ours. */
static bool prop_types(const struct ike_sa_pl *sa, const struct ike_proposal *p,
		       uint8_t protocol, unsigned int *seen)
{
	unsigned int i, allowed = types_of(protocol);
	uint8_t type;

	*seen = 0;
	for (i = 0; i < p->ntrans; i++) {
		type = sa->trans[p->first + i].type;
		if (type >= 32 || !(allowed & TYPE_BIT(type)))
			return false;
		*seen |= TYPE_BIT(type);
	}
	return true;
}

/* The cipher, and the integrity algorithm it needs. */
static bool choose_encr(const struct ike_sa_pl *sa, const struct ike_proposal *p,
			const struct ike_prop_conf *pc, unsigned int seen, struct ike_chosen *c)
{
	const struct ike_transform *t;
	unsigned int i;

	for (i = 0; i < p->ntrans; i++) {
		t = &sa->trans[p->first + i];
		if (t->type != IKE_TRANS_ENCR || t->unknown_attr || !conf_has_encr(pc, t))
			continue;
		if (ike_encr_is_aead(t->id)) {
			/* No integrity transform, or NONE among them. */
			if ((seen & TYPE_BIT(IKE_TRANS_INTEG)) &&
			    !prop_has(sa, p, IKE_TRANS_INTEG, IKE_INTEG_NONE))
				continue;
			c->integ = 0;
		} else if (!first_of(sa, p, IKE_TRANS_INTEG, pc->integ, pc->ninteg, &c->integ)) {
			continue;
		}
		c->encr = t->id;
		c->encr_keybits = t->keylen;
		return true;
	}
	return false;
}

static bool choose_dh(const struct ike_sa_pl *sa, const struct ike_proposal *p,
		      const struct ike_prop_conf *pc, uint8_t protocol, unsigned int seen,
		      uint16_t hint, struct ike_chosen *c)
{
	c->dh = 0;
	if (!(seen & TYPE_BIT(IKE_TRANS_DH)))
		/* Mandatory for IKE; for ESP, fine unless we want PFS. */
		return protocol == IKE_PROTO_ESP && !pc->ndh;
	if (hint && prop_has(sa, p, IKE_TRANS_DH, hint) && list_has(pc->dh, pc->ndh, hint)) {
		c->dh = hint;
		return true;
	}
	if (first_of(sa, p, IKE_TRANS_DH, pc->dh, pc->ndh, &c->dh))
		return true;
	/* A child SA without PFS, if the peer allows it. */
	return protocol == IKE_PROTO_ESP && !pc->ndh &&
	       prop_has(sa, p, IKE_TRANS_DH, IKE_DH_NONE);
}

static bool choose(const struct ike_sa_pl *sa, const struct ike_proposal *p,
		   const struct ike_prop_conf *pc, uint8_t protocol, uint16_t hint,
		   unsigned int flags, struct ike_chosen *c)
{
	unsigned int seen;

	memset(c, 0, sizeof(*c));
	if (p->protocol != protocol || !spi_size_ok(protocol, p->spi_size) ||
	    !prop_types(sa, p, protocol, &seen))
		return false;
	if (!choose_encr(sa, p, pc, seen, c))
		return false;
	if (protocol == IKE_PROTO_IKE &&
	    !first_of(sa, p, IKE_TRANS_PRF, pc->prf, pc->nprf, &c->prf))
		return false;
	if (protocol == IKE_PROTO_ESP && (flags & IKE_PROP_SKIP_DH))
		c->dh = 0;
	else if (!choose_dh(sa, p, pc, protocol, seen, hint, c))
		return false;
	/* ESN: "no" only; no ESN transform means no ESN. */
	if (protocol == IKE_PROTO_ESP && (seen & TYPE_BIT(IKE_TRANS_ESN)) &&
	    !prop_has(sa, p, IKE_TRANS_ESN, IKE_ESN_NO))
		return false;
	c->esn = IKE_ESN_NO;
	return true;
}

int ike_prop_select_flags(const struct ike_sa_pl *peer, const struct ike_prop_conf *pc,
			  uint8_t protocol, uint16_t ke_group_hint, unsigned int flags,
			  struct ike_chosen *out)
{
	unsigned int i;

	for (i = 0; i < peer->nprop && i < IKE_MAX_PROPOSALS; i++) {
		if (peer->prop[i].first > peer->ntrans ||
		    peer->prop[i].ntrans > peer->ntrans - peer->prop[i].first)
			continue;
		if (choose(peer, &peer->prop[i], pc, protocol, ke_group_hint, flags, out))
			return (int)i;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

int ike_prop_select(const struct ike_sa_pl *peer, const struct ike_prop_conf *pc,
		    uint8_t protocol, uint16_t ke_group_hint, struct ike_chosen *out)
{
	return ike_prop_select_flags(peer, pc, protocol, ke_group_hint, 0, out);
}

/* --- Accepting the answer, as initiator --- */

static const char *missing_word(uint8_t type)
{
	switch (type) {
	case IKE_TRANS_PRF:
		return "no PRF transform";
	case IKE_TRANS_DH:
		return "no DH transform";
	case IKE_TRANS_ESN:
		return "no ESN transform";
	default:
		return "a transform type missing";
	}
}

/* The offered proposal has exactly this transform. */
static bool offered_has(const struct ike_sa_pl *sa, const struct ike_proposal *p,
			const struct ike_transform *t)
{
	const struct ike_transform *o;
	unsigned int i;

	for (i = 0; i < p->ntrans; i++) {
		o = &sa->trans[p->first + i];
		if (o->type == t->type && o->id == t->id && o->keylen == t->keylen)
			return true;
	}
	return false;
}

static bool offered_type(const struct ike_sa_pl *sa, const struct ike_proposal *p, uint8_t type)
{
	unsigned int i;

	for (i = 0; i < p->ntrans; i++)
		if (sa->trans[p->first + i].type == type)
			return true;
	return false;
}

/* An absent type stands for NONE if that is what we offered, or all we did. */
static bool absent_ok(const struct ike_sa_pl *sa, const struct ike_proposal *p, uint8_t type)
{
	unsigned int i;

	for (i = 0; i < p->ntrans; i++) {
		const struct ike_transform *o = &sa->trans[p->first + i];

		if (o->type == type && o->id == 0)
			return true;
	}
	return !offered_type(sa, p, type);
}

static const struct ike_proposal *find_offered(const struct ike_sa_pl *offered, uint8_t num,
					       uint8_t protocol)
{
	unsigned int i;

	for (i = 0; i < offered->nprop && i < IKE_MAX_PROPOSALS; i++)
		if (offered->prop[i].num == num && offered->prop[i].protocol == protocol)
			return &offered->prop[i];
	return NULL;
}

int ike_prop_accept(const struct ike_sa_pl *resp, const struct ike_sa_pl *offered,
		    uint8_t protocol, struct ike_chosen *out, const char **why)
{
	unsigned int i, count[6] = { 0 }, allowed = types_of(protocol);
	const struct ike_proposal *p, *o;
	const struct ike_transform *t;
	uint16_t val[6] = { 0 };

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (resp->nprop != 1) {
		*why = resp->nprop ? "more than one proposal in the answer" : "no proposal in the answer";
		return -1;
	}
	p = &resp->prop[0];
	if (p->first > resp->ntrans || p->ntrans > resp->ntrans - p->first) {
		*why = "a malformed proposal";
		return -1;
	}
	if (p->protocol != protocol) {
		*why = "a proposal of another protocol";
		return -1;
	}
	o = find_offered(offered, p->num, protocol);
	if (!o) {
		*why = "a proposal number we did not offer";
		return -1;
	}
	if (p->spi_size != o->spi_size || (p->spi_size && !p->spi)) {
		*why = "an SPI of the wrong size";
		return -1;
	}
	for (i = 0; i < p->ntrans; i++) {
		t = &resp->trans[p->first + i];
		if (t->type >= 32 || !(allowed & TYPE_BIT(t->type))) {
			*why = "a transform type that does not belong to the protocol";
			return -1;
		}
		if (t->unknown_attr) {
			*why = "a transform attribute we do not know";
			return -1;
		}
		if (++count[t->type] > 1) {
			*why = "more than one transform of a type";
			return -1;
		}
		/* NONE in place of a type we did not offer is fine (RFC 5282 8). */
		if (!offered_has(offered, o, t) &&
		    !(t->id == 0 && t->type != IKE_TRANS_ENCR && !offered_type(offered, o, t->type))) {
			*why = "a transform we did not offer";
			return -1;
		}
		val[t->type] = t->id;
		if (t->type == IKE_TRANS_ENCR)
			out->encr_keybits = t->keylen;
	}
	if (!count[IKE_TRANS_ENCR]) {
		*why = "no ENCR transform";
		return -1;
	}
	out->encr = val[IKE_TRANS_ENCR];
	out->integ = val[IKE_TRANS_INTEG];
	out->prf = val[IKE_TRANS_PRF];
	out->dh = val[IKE_TRANS_DH];
	out->esn = val[IKE_TRANS_ESN];
	if (ike_encr_is_aead(out->encr) ? out->integ != 0 : out->integ == 0) {
		*why = ike_encr_is_aead(out->encr) ? "an integrity transform with an AEAD"
						   : "no INTEG transform";
		return -1;
	}
	for (i = IKE_TRANS_PRF; i <= IKE_TRANS_ESN; i++) {
		if (i == IKE_TRANS_INTEG || count[i] || !(allowed & TYPE_BIT(i)))
			continue;
		if (protocol == IKE_PROTO_IKE || !absent_ok(offered, o, (uint8_t)i)) {
			*why = missing_word((uint8_t)i);
			return -1;
		}
	}
	if (protocol == IKE_PROTO_IKE && !out->dh) {
		*why = "DH group NONE for an IKE SA";
		return -1;
	}
	return 0;
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
		/* Truncated: say so at the end. */
		b->len = b->size - 1;
		if (b->size > 4)
			memcpy(b->p + b->size - 4, "...", 4);
	}
}

static bool known_id(uint8_t type, uint16_t id)
{
	static const uint16_t encr[] = { 2, 3, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 28 };
	static const uint16_t prf[] = { 1, 2, 4, 5, 6, 7, 8 };
	static const uint16_t integ[] = { 1, 2, 5, 8, 12, 13, 14 };
	static const uint16_t dh[] = { 1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31, 32 };
	const uint16_t *l;
	size_t n, i;

	switch (type) {
	case IKE_TRANS_ENCR:
		l = encr;
		n = sizeof(encr) / sizeof(encr[0]);
		break;
	case IKE_TRANS_PRF:
		l = prf;
		n = sizeof(prf) / sizeof(prf[0]);
		break;
	case IKE_TRANS_INTEG:
		l = integ;
		n = sizeof(integ) / sizeof(integ[0]);
		break;
	case IKE_TRANS_DH:
		l = dh;
		n = sizeof(dh) / sizeof(dh[0]);
		break;
	default:
		return false;
	}
	for (i = 0; i < n; i++)
		if (l[i] == id)
			return true;
	return false;
}

static void sb_xform(struct sbuf *b, uint8_t type, uint16_t id, uint16_t keylen)
{
	static const char *const prefix[] = {
		[IKE_TRANS_ENCR] = "encr", [IKE_TRANS_PRF] = "prf", [IKE_TRANS_INTEG] = "integ",
		[IKE_TRANS_DH] = "dh", [IKE_TRANS_ESN] = "esn",
	};
	const char *name = NULL;

	if (type == IKE_TRANS_ESN && id <= IKE_ESN_YES) {
		sb_add(b, "%s", id == IKE_ESN_YES ? "esn" : "no-esn");
		return;
	}
	if ((type == IKE_TRANS_INTEG || type == IKE_TRANS_DH) && id == 0) {
		sb_add(b, "%s-none", prefix[type]);
		return;
	}
	if (known_id(type, id)) {
		if (type == IKE_TRANS_ENCR)
			name = ike_encr_name(id, keylen);
		else if (type == IKE_TRANS_PRF)
			name = ike_prf_name(id);
		else if (type == IKE_TRANS_INTEG)
			name = ike_integ_name(id);
		else
			name = ike_dh_name(id);
	}
	if (name && *name)
		sb_add(b, "%s", name);
	else if (type >= IKE_TRANS_ENCR && type <= IKE_TRANS_ESN)
		sb_add(b, "%s#%u", prefix[type], id);
	else
		sb_add(b, "type%u#%u", type, id);
	if (keylen && !name)
		sb_add(b, "-%u", keylen);
}

const char *ike_chosen_str(const struct ike_chosen *c, uint8_t protocol, char *buf, size_t len)
{
	struct sbuf b = { buf, 0, len };

	if (!len)
		return buf;
	buf[0] = '\0';
	sb_xform(&b, IKE_TRANS_ENCR, c->encr, c->encr_keybits);
	if (c->integ) {
		sb_add(&b, "/");
		sb_xform(&b, IKE_TRANS_INTEG, c->integ, 0);
	}
	if (protocol == IKE_PROTO_IKE) {
		sb_add(&b, "/");
		sb_xform(&b, IKE_TRANS_PRF, c->prf, 0);
	}
	if (protocol == IKE_PROTO_IKE || c->dh) {
		sb_add(&b, "/");
		sb_xform(&b, IKE_TRANS_DH, c->dh, 0);
	}
	if (protocol == IKE_PROTO_ESP && c->esn)
		sb_add(&b, "/esn");
	return buf;
}

static const char *proto_word(uint8_t protocol, char *buf, size_t len)
{
	if (protocol == IKE_PROTO_IKE)
		return "IKE";
	if (protocol == IKE_PROTO_AH)
		return "AH";
	if (protocol == IKE_PROTO_ESP)
		return "ESP";
	snprintf(buf, len, "proto#%u", protocol);
	return buf;
}

/* "#1 ESP aes-gcm-128,aes-gcm-256/no-esn": types in a fixed order, unknown ones last. */
static void sb_proposal(struct sbuf *b, const struct ike_sa_pl *sa, unsigned int i)
{
	static const uint8_t order[] = {
		IKE_TRANS_ENCR, IKE_TRANS_INTEG, IKE_TRANS_PRF, IKE_TRANS_DH, IKE_TRANS_ESN,
	};
	const struct ike_proposal *p = &sa->prop[i];
	const struct ike_transform *t;
	unsigned int k, j, n;
	bool first = true;
	char pb[16];

	sb_add(b, "#%u %s", p->num, proto_word(p->protocol, pb, sizeof(pb)));
	if (p->first > sa->ntrans || p->ntrans > sa->ntrans - p->first)
		return;
	for (k = 0; k <= sizeof(order); k++) {
		n = 0;
		for (j = 0; j < p->ntrans; j++) {
			t = &sa->trans[p->first + j];
			if (k < sizeof(order) ? t->type != order[k]
					      : (t->type >= 1 && t->type <= IKE_TRANS_ESN))
				continue;
			sb_add(b, "%s", first ? " " : n && k < sizeof(order) ? "," : "/");
			sb_xform(b, t->type, t->id, t->keylen);
			if (t->unknown_attr)
				sb_add(b, "+attr?");
			first = false;
			n++;
		}
	}
	if (first)
		sb_add(b, " (no transforms)");
}

void ike_prop_log_mismatch(const struct ike_sa_pl *peer, const struct ike_sa_pl *ours,
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
		/* Keep room for our side: the peer's side alone may be long. */
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

/* --- SPIs --- */

bool ike_prop_esp_spi(const struct ike_sa_pl *sa, unsigned int i, uint32_t *spi)
{
	const uint8_t *s;

	if (i >= sa->nprop || i >= IKE_MAX_PROPOSALS || sa->prop[i].spi_size != 4 ||
	    !sa->prop[i].spi)
		return false;
	s = sa->prop[i].spi;
	*spi = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
	return true;
}

bool ike_prop_ike_spi(const struct ike_sa_pl *sa, unsigned int i, uint8_t spi[IKE_SPI_LEN])
{
	if (i >= sa->nprop || i >= IKE_MAX_PROPOSALS || sa->prop[i].spi_size != IKE_SPI_LEN ||
	    !sa->prop[i].spi)
		return false;
	memcpy(spi, sa->prop[i].spi, IKE_SPI_LEN);
	return true;
}
