// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKEv1 payload bodies; see codec1.h. As in codec.c, every length is
 * checked against what encloses it before anything behind it is read.
 * The proposal and transform substructures have the generic header's
 * shape (RFC 2408 3.5, 3.6) but live inside the SA payload's body: the
 * generic chain (codec.c) never walks them.
 */

#include <string.h>
#include "codec1.h"

#define SA_FIXED	8	/* DOI, situation */
#define PROP_FIXED	8	/* generic header, #, protocol, SPI size, #transforms */
#define XFORM_FIXED	8	/* generic header, #, ID, reserved */

bool ike1_attr_get(const struct ike1_transform *t, uint16_t type, uint64_t *val)
{
	unsigned int i;

	for (i = 0; i < t->nattr && i < IKE1_MAX_ATTRS; i++) {
		if (t->attr[i].type == type) {
			*val = t->attr[i].val;
			return true;
		}
	}
	return false;
}

int ike1_attr_add(struct ike1_transform *t, uint16_t type, uint64_t val, bool force_tlv)
{
	struct ike1_attr *a;

	if (t->nattr >= IKE1_MAX_ATTRS)
		return -1;
	a = &t->attr[t->nattr++];
	a->type = type & ~IKE_ATTR_AF;
	a->val = val;
	a->tlv = force_tlv || val > UINT16_MAX;
	/* No bytes to point at: the encoder writes val in data.len bytes. */
	a->data.p = NULL;
	a->data.len = a->tlv ? (val > UINT32_MAX ? 8 : 4) : 0;
	return 0;
}

/* A reader over pl's body if pl is of type t. */
static int open_body(const struct ike_pl *pl, uint8_t t, struct ike_rbuf *r)
{
	if (pl->type != t)
		return IKE_E_WRONG_TYPE;
	ike_rbuf_init(r, pl->body.p, pl->body.len);
	return IKE_OK;
}

static void rest(struct ike_rbuf *r, struct ike_view *v)
{
	v->len = ike_rbuf_left(r);
	v->p = ike_rbuf_bytes(r, v->len);
}

/* As codec.c: a next payload field of more_val or 0 must agree with the length. */
static bool more_agrees(uint8_t lm, uint8_t more_val, size_t len, size_t left, bool *more)
{
	if (lm != 0 && lm != more_val)
		return false;
	*more = lm == more_val;
	return *more == (len < left);
}

static int dec_attr(struct ike_rbuf *a, struct ike1_attr *at)
{
	uint16_t type, v;
	size_t i;

	if (ike_rbuf_left(a) < 4)
		return IKE_E_ATTR_LEN;
	type = ike_rbuf_u16(a);
	v = ike_rbuf_u16(a);
	at->type = type & ~IKE_ATTR_AF;
	at->tlv = !(type & IKE_ATTR_AF);
	at->data.p = NULL;
	at->data.len = 0;
	if (!at->tlv) {
		at->val = v;
		return IKE_OK;
	}
	/* TLV: v is the length of the value that follows. */
	at->data.p = ike_rbuf_bytes(a, v);
	if (!at->data.p)
		return IKE_E_ATTR_LEN;
	at->data.len = v;
	at->val = 0;
	/* Longer values (none that nfesp uses) keep val 0: the bytes are in data. */
	if (v <= 8)
		for (i = 0; i < v; i++)
			at->val = at->val << 8 | at->data.p[i];
	return IKE_OK;
}

static int dec_transform(struct ike_rbuf *r, struct ike1_sa_pl *sa, bool *more)
{
	size_t left = ike_rbuf_left(r);
	struct ike1_transform *tr;
	struct ike_rbuf a;
	uint8_t lm;
	uint16_t len;
	int err;

	if (left < XFORM_FIXED)
		return IKE_E_XFORM_LEN;
	if (sa->ntrans >= IKE1_MAX_TRANSFORMS)
		return IKE_E_TOO_MANY_XFORMS;
	tr = &sa->trans[sa->ntrans++];
	lm = ike_rbuf_u8(r);
	ike_rbuf_u8(r);
	len = ike_rbuf_u16(r);
	tr->num = ike_rbuf_u8(r);
	tr->id = ike_rbuf_u8(r);
	ike_rbuf_u16(r);
	tr->nattr = 0;
	if (len < XFORM_FIXED || len > left)
		return IKE_E_XFORM_LEN;
	if (!more_agrees(lm, IKE1_PL_TRANSFORM, len, left, more))
		return IKE_E_XFORM_MORE;
	ike_rbuf_init(&a, ike_rbuf_bytes(r, len - XFORM_FIXED), len - XFORM_FIXED);
	while (ike_rbuf_left(&a)) {
		if (tr->nattr >= IKE1_MAX_ATTRS)
			return IKE_E_TOO_MANY_ATTRS;
		err = dec_attr(&a, &tr->attr[tr->nattr++]);
		if (err)
			return err;
	}
	return IKE_OK;
}

static int dec_proposal(struct ike_rbuf *r, struct ike1_sa_pl *sa, bool *more)
{
	size_t left = ike_rbuf_left(r), tlen;
	struct ike1_proposal *prop;
	uint8_t lm, ntrans;
	struct ike_rbuf t;
	bool tmore;
	uint16_t len;
	int err;

	if (left < PROP_FIXED)
		return IKE_E_PROP_LEN;
	if (sa->nprop >= IKE_MAX_PROPOSALS)
		return IKE_E_TOO_MANY_PROPS;
	prop = &sa->prop[sa->nprop++];
	lm = ike_rbuf_u8(r);
	ike_rbuf_u8(r);
	len = ike_rbuf_u16(r);
	prop->num = ike_rbuf_u8(r);
	prop->protocol = ike_rbuf_u8(r);
	prop->spi_size = ike_rbuf_u8(r);
	ntrans = ike_rbuf_u8(r);
	prop->first = sa->ntrans;
	prop->ntrans = 0;
	if (len < PROP_FIXED || len > left)
		return IKE_E_PROP_LEN;
	if (!more_agrees(lm, IKE1_PL_PROPOSAL, len, left, more))
		return IKE_E_PROP_MORE;
	if (prop->spi_size > len - PROP_FIXED || prop->spi_size > sizeof(prop->spi))
		return IKE_E_PROP_SPI;
	memcpy(prop->spi, ike_rbuf_bytes(r, prop->spi_size), prop->spi_size);
	tlen = len - PROP_FIXED - prop->spi_size;
	ike_rbuf_init(&t, ike_rbuf_bytes(r, tlen), tlen);
	tmore = tlen > 0;
	while (tmore) {
		if (sa->ntrans - prop->first >= ntrans)
			return IKE_E_PROP_NTRANS;
		err = dec_transform(&t, sa, &tmore);
		if (err)
			return err;
	}
	prop->ntrans = sa->ntrans - prop->first;
	return prop->ntrans == ntrans && ntrans ? IKE_OK : IKE_E_PROP_NTRANS;
}

int ike1_dec_sa(const struct ike_pl *pl, struct ike1_sa_pl *sa)
{
	struct ike_rbuf r;
	bool more = true;
	int err;

	sa->nprop = 0;
	sa->ntrans = 0;
	err = open_body(pl, IKE1_PL_SA, &r);
	if (err)
		return err;
	/* The IPsec DOI's situation is 4 bytes (RFC 2407 4.2); a proposal must follow. */
	if (ike_rbuf_left(&r) <= SA_FIXED)
		return IKE_E_BODY_SHORT;
	sa->doi = ike_rbuf_u32(&r);
	sa->situation = ike_rbuf_u32(&r);
	while (more) {
		err = dec_proposal(&r, sa, &more);
		if (err)
			return err;
	}
	return IKE_OK;
}

/* The data length an ID type has, 0 for those of any length. */
static size_t id_len(uint8_t type)
{
	switch (type) {
	case IKE_ID_IPV4_ADDR:
		return 4;
	case IKE1_ID_IPV4_ADDR_SUBNET:
	case IKE1_ID_IPV4_ADDR_RANGE:
		return 8;
	case IKE_ID_IPV6_ADDR:
		return 16;
	case IKE1_ID_IPV6_ADDR_SUBNET:
	case IKE1_ID_IPV6_ADDR_RANGE:
		return 32;
	default:
		return 0;
	}
}

int ike1_dec_id(const struct ike_pl *pl, struct ike1_id *id)
{
	struct ike_rbuf r;
	size_t want;
	int err;

	err = open_body(pl, IKE1_PL_ID, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) <= 4)
		return IKE_E_BODY_SHORT;
	id->type = ike_rbuf_u8(&r);
	id->proto = ike_rbuf_u8(&r);
	id->port = ike_rbuf_u16(&r);
	rest(&r, &id->data);
	want = id_len(id->type);
	if (want && id->data.len != want)
		return IKE_E_ID_LEN;
	return IKE_OK;
}

int ike1_dec_notify(const struct ike_pl *pl, struct ike1_notify *n)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE1_PL_NOTIFY, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) < 8)
		return IKE_E_BODY_SHORT;
	n->doi = ike_rbuf_u32(&r);
	n->protocol = ike_rbuf_u8(&r);
	n->spi_size = ike_rbuf_u8(&r);
	n->type = ike_rbuf_u16(&r);
	n->spi = ike_rbuf_bytes(&r, n->spi_size);
	if (!n->spi)
		return IKE_E_NOTIFY_SPI;
	rest(&r, &n->data);
	return IKE_OK;
}

int ike1_dec_delete(const struct ike_pl *pl, struct ike1_delete *d)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE1_PL_DELETE, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) < 8)
		return IKE_E_BODY_SHORT;
	d->doi = ike_rbuf_u32(&r);
	d->protocol = ike_rbuf_u8(&r);
	d->spi_size = ike_rbuf_u8(&r);
	d->nspi = ike_rbuf_u16(&r);
	/* RFC 2408 3.15: at least one SPI, and nothing after them. */
	if (!d->nspi || !d->spi_size || (size_t)d->nspi * d->spi_size != ike_rbuf_left(&r))
		return IKE_E_DELETE_LEN;
	d->spis = ike_rbuf_bytes(&r, ike_rbuf_left(&r));
	return IKE_OK;
}

int ike1_dec_data(const struct ike_pl *pl, struct ike_view *data)
{
	switch (pl->type) {
	case IKE1_PL_NONCE:
		/* RFC 2409 5: 8 to 256 bytes. */
		if (pl->body.len < 8 || pl->body.len > 256)
			return IKE_E_NONCE1_LEN;
		break;
	case IKE1_PL_KE:
	case IKE1_PL_HASH:
	case IKE1_PL_VID:
	case IKE1_PL_NAT_D:
	case IKE1_PL_NAT_D_DRAFT:
		if (!pl->body.len)
			return IKE_E_BODY_SHORT;
		break;
	default:
		return IKE_E_WRONG_TYPE;
	}
	*data = pl->body;
	return IKE_OK;
}

/* Encoding. */

static void enc_fail(struct ike_enc *e, int err)
{
	if (!e->err)
		e->err = err;
}

static void enc_attr(struct ike_enc *e, const struct ike1_attr *a)
{
	struct ike_wbuf *w = e->w;
	uint64_t v = a->val;
	size_t i;

	if (!a->tlv) {
		if (a->val > UINT16_MAX) {
			enc_fail(e, IKE_E_ENC_ARG);
			return;
		}
		ike_wbuf_u16(w, IKE_ATTR_AF | a->type);
		ike_wbuf_u16(w, (uint16_t)a->val);
		return;
	}
	if (a->data.len > UINT16_MAX || (!a->data.p && a->data.len > 8)) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_wbuf_u16(w, a->type & ~IKE_ATTR_AF);
	ike_wbuf_u16(w, (uint16_t)a->data.len);
	if (a->data.p) {
		ike_wbuf_bytes(w, a->data.p, a->data.len);
		return;
	}
	/* Built by ike1_attr_add(): val, big-endian, in data.len bytes. */
	for (i = a->data.len; i > 0; i--)
		ike_wbuf_u8(w, (uint8_t)(i > 8 ? 0 : v >> (8 * (i - 1))));
}

static void enc_transform(struct ike_enc *e, const struct ike1_transform *tr, bool last)
{
	struct ike_wbuf *w = e->w;
	size_t off = w->len, len;
	unsigned int i;

	if (tr->nattr > IKE1_MAX_ATTRS) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_wbuf_u8(w, last ? 0 : IKE1_PL_TRANSFORM);
	ike_wbuf_u8(w, 0);
	ike_wbuf_u16(w, 0);
	ike_wbuf_u8(w, tr->num);
	ike_wbuf_u8(w, tr->id);
	ike_wbuf_u16(w, 0);
	for (i = 0; i < tr->nattr; i++)
		enc_attr(e, &tr->attr[i]);
	len = w->len - off;
	if (len > UINT16_MAX)
		enc_fail(e, IKE_E_TOO_LONG);
	else
		ike_wbuf_patch_u16(w, off + 2, (uint16_t)len);
}

static void enc_proposal(struct ike_enc *e, const struct ike1_sa_pl *sa, unsigned int i)
{
	const struct ike1_proposal *prop = &sa->prop[i];
	struct ike_wbuf *w = e->w;
	size_t off = w->len, len;
	unsigned int j;

	if (!prop->ntrans || prop->ntrans > UINT8_MAX || prop->first > sa->ntrans ||
	    prop->ntrans > sa->ntrans - prop->first || prop->spi_size > sizeof(prop->spi)) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_wbuf_u8(w, i + 1 == sa->nprop ? 0 : IKE1_PL_PROPOSAL);
	ike_wbuf_u8(w, 0);
	ike_wbuf_u16(w, 0);
	ike_wbuf_u8(w, prop->num);
	ike_wbuf_u8(w, prop->protocol);
	ike_wbuf_u8(w, prop->spi_size);
	ike_wbuf_u8(w, (uint8_t)prop->ntrans);
	ike_wbuf_bytes(w, prop->spi, prop->spi_size);
	for (j = 0; j < prop->ntrans; j++)
		enc_transform(e, &sa->trans[prop->first + j], j + 1 == prop->ntrans);
	len = w->len - off;
	if (len > UINT16_MAX)
		enc_fail(e, IKE_E_TOO_LONG);
	else
		ike_wbuf_patch_u16(w, off + 2, (uint16_t)len);
}

void ike1_enc_sa(struct ike_enc *e, const struct ike1_sa_pl *sa)
{
	unsigned int i;

	if (!sa->nprop || sa->nprop > IKE_MAX_PROPOSALS || sa->ntrans > IKE1_MAX_TRANSFORMS) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_enc_pl_begin(e, IKE1_PL_SA, false);
	ike_wbuf_u32(e->w, sa->doi);
	ike_wbuf_u32(e->w, sa->situation);
	for (i = 0; i < sa->nprop; i++)
		enc_proposal(e, sa, i);
	ike_enc_pl_end(e);
}

void ike1_enc_id(struct ike_enc *e, const struct ike1_id *id)
{
	ike_enc_pl_begin(e, IKE1_PL_ID, false);
	ike_wbuf_u8(e->w, id->type);
	ike_wbuf_u8(e->w, id->proto);
	ike_wbuf_u16(e->w, id->port);
	ike_wbuf_bytes(e->w, id->data.p, id->data.len);
	ike_enc_pl_end(e);
}

void ike1_enc_notify(struct ike_enc *e, const struct ike1_notify *n)
{
	if (n->spi_size && !n->spi) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_enc_pl_begin(e, IKE1_PL_NOTIFY, false);
	ike_wbuf_u32(e->w, n->doi);
	ike_wbuf_u8(e->w, n->protocol);
	ike_wbuf_u8(e->w, n->spi_size);
	ike_wbuf_u16(e->w, n->type);
	ike_wbuf_bytes(e->w, n->spi, n->spi_size);
	ike_wbuf_bytes(e->w, n->data.p, n->data.len);
	ike_enc_pl_end(e);
}

void ike1_enc_delete(struct ike_enc *e, const struct ike1_delete *d)
{
	size_t len = (size_t)d->nspi * d->spi_size;

	if (!len || !d->spis) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_enc_pl_begin(e, IKE1_PL_DELETE, false);
	ike_wbuf_u32(e->w, d->doi);
	ike_wbuf_u8(e->w, d->protocol);
	ike_wbuf_u8(e->w, d->spi_size);
	ike_wbuf_u16(e->w, d->nspi);
	ike_wbuf_bytes(e->w, d->spis, len);
	ike_enc_pl_end(e);
}

void ike1_enc_data(struct ike_enc *e, uint8_t pl_type, const void *p, size_t len)
{
	ike_enc_pl_begin(e, pl_type, false);
	ike_wbuf_bytes(e->w, p, len);
	ike_enc_pl_end(e);
}
