// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE message codec; see codec.h. Every length field is checked against
 * what encloses it before anything behind it is read.
 */

#include <string.h>
#include "codec.h"

static const char *const errors[IKE_E_COUNT] = {
	[IKE_OK]		= "no error",
	[IKE_E_HDR_TRUNC]	= "message shorter than the IKE header",
	[IKE_E_VERSION]		= "unsupported major version",
	[IKE_E_MSG_LEN]		= "message length field does not match the datagram",
	[IKE_E_PL_HDR_TRUNC]	= "payload header past end of message",
	[IKE_E_PL_SHORT]	= "payload length under 4",
	[IKE_E_PL_PAST_END]	= "payload length past end of message",
	[IKE_E_TRAILING]	= "data after the last payload",
	[IKE_E_TOO_MANY]	= "too many payloads",
	[IKE_E_CRITICAL]	= "unsupported critical payload",
	[IKE_E_WRONG_TYPE]	= "payload of another type",
	[IKE_E_BODY_SHORT]	= "payload body too short",
	[IKE_E_PROP_LEN]	= "proposal length wrong",
	[IKE_E_PROP_MORE]	= "proposal last/more field disagrees with the length",
	[IKE_E_PROP_SPI]	= "proposal SPI size past end of proposal",
	[IKE_E_PROP_NTRANS]	= "proposal transform count mismatch",
	[IKE_E_TOO_MANY_PROPS]	= "too many proposals",
	[IKE_E_XFORM_LEN]	= "transform length wrong",
	[IKE_E_XFORM_MORE]	= "transform last/more field disagrees with the length",
	[IKE_E_TOO_MANY_XFORMS]	= "too many transforms",
	[IKE_E_ATTR_LEN]	= "transform attribute past end of transform",
	[IKE_E_NONCE_LEN]	= "nonce not 16 to 256 bytes",
	[IKE_E_ID_LEN]		= "identification data of the wrong length",
	[IKE_E_NOTIFY_SPI]	= "notify SPI size past end of payload",
	[IKE_E_DELETE_LEN]	= "delete SPI count does not fill the payload",
	[IKE_E_TS_COUNT]	= "traffic selector count mismatch",
	[IKE_E_TS_LEN]		= "traffic selector length wrong",
	[IKE_E_TS_RANGE]	= "traffic selector start above end",
	[IKE_E_TOO_MANY_TS]	= "too many traffic selectors",
	[IKE_E_CP_ATTR_LEN]	= "configuration attribute past end of payload",
	[IKE_E_TOO_MANY_CP_ATTRS] = "too many configuration attributes",
	[IKE_E_FRAG_NUM]	= "fragment number 0 or above the total",
	[IKE_E_NOSPACE]		= "output buffer full",
	[IKE_E_TOO_LONG]	= "encoded length over its field's limit",
	[IKE_E_ENC_ORDER]	= "payload after SK",
	[IKE_E_ENC_ARG]		= "encoder given an inconsistent payload",
	[IKE_E_V1_NESTED]	= "IKEv1 proposal or transform payload outside an SA payload",
	[IKE_E_NONCE1_LEN]	= "IKEv1 nonce not 8 to 256 bytes",
	[IKE_E_TOO_MANY_ATTRS]	= "too many transform attributes",
};

const char *ike_strerror(int err)
{
	if (err < 0 || err >= IKE_E_COUNT || !errors[err])
		return "unknown error";
	return errors[err];
}

bool ike_pl_known(uint8_t major, uint8_t type)
{
	if (major == IKE2_MAJOR)
		return (type >= IKE_PL_SA && type <= IKE_PL_GSPM) ||
		       type == IKE_PL_SKF || type == IKE_PL_PS;
	return (type >= IKE1_PL_SA && type <= IKE1_PL_ATTR) ||
	       type == IKE1_PL_NAT_D || type == IKE1_PL_NAT_OA ||
	       (type >= IKE1_PL_NAT_D_DRAFT && type <= IKE1_PL_FRAGMENT);
}

static bool ends_chain(uint8_t major, uint8_t type)
{
	return major == IKE2_MAJOR && (type == IKE_PL_SK || type == IKE_PL_SKF);
}

/* Called with at least IKE_HDR_LEN bytes in r. */
static void dec_hdr(struct ike_rbuf *r, struct ike_hdr *h)
{
	uint8_t ver;

	memcpy(h->spi_i, ike_rbuf_bytes(r, IKE_SPI_LEN), IKE_SPI_LEN);
	memcpy(h->spi_r, ike_rbuf_bytes(r, IKE_SPI_LEN), IKE_SPI_LEN);
	h->next = ike_rbuf_u8(r);
	ver = ike_rbuf_u8(r);
	h->major = ver >> 4;
	h->minor = ver & 0x0f;
	h->exchange = ike_rbuf_u8(r);
	h->flags = ike_rbuf_u8(r);
	h->msgid = ike_rbuf_u32(r);
	h->length = ike_rbuf_u32(r);
}

/* One generic payload at r, appended to m; *type becomes the next one's. */
static int dec_pl(struct ike_msg *m, struct ike_rbuf *r, uint8_t *type, bool inner)
{
	uint8_t major = m->hdr.major;
	struct ike_pl *pl;
	uint8_t next, flags;
	uint16_t len;

	if (ike_rbuf_left(r) < IKE_PL_HDR_LEN)
		return IKE_E_PL_HDR_TRUNC;
	next = ike_rbuf_u8(r);
	flags = ike_rbuf_u8(r);
	len = ike_rbuf_u16(r);
	if (len < IKE_PL_HDR_LEN)
		return IKE_E_PL_SHORT;
	if ((size_t)len - IKE_PL_HDR_LEN > ike_rbuf_left(r))
		return IKE_E_PL_PAST_END;
	if (major == IKE2_MAJOR && (flags & IKE_PL_CRITICAL) && !ike_pl_known(major, *type)) {
		m->bad_type = *type;
		return IKE_E_CRITICAL;
	}
	/* Proposals and transforms live inside an SA payload's body only (RFC 2408 3.5, 3.6). */
	if (major == IKE1_MAJOR && (*type == IKE1_PL_PROPOSAL || *type == IKE1_PL_TRANSFORM)) {
		m->bad_type = *type;
		return IKE_E_V1_NESTED;
	}
	if (m->npl >= IKE_MAX_PAYLOADS)
		return IKE_E_TOO_MANY;
	pl = &m->pl[m->npl++];
	pl->type = *type;
	pl->next = next;
	pl->critical = major == IKE2_MAJOR && (flags & IKE_PL_CRITICAL);
	pl->inner = inner;
	pl->body.len = len - IKE_PL_HDR_LEN;
	pl->body.p = ike_rbuf_bytes(r, pl->body.len);
	*type = ends_chain(major, pl->type) ? IKE_PL_NONE : next;
	return IKE_OK;
}

/*
 * The chain from type first over [p, p + len); base is p's offset for
 * bad_off. Padding may follow an IKEv1 inner chain (decrypted), and up to
 * three bytes an IKEv1 message's (Libreswan pads every message to a
 * multiple of four, its "ikepad"); nothing else may follow a chain.
 */
static int dec_chain(struct ike_msg *m, uint8_t first, const uint8_t *p, size_t len,
		     size_t base, bool inner)
{
	struct ike_rbuf r;
	uint8_t type = first;
	int err;

	ike_rbuf_init(&r, p, len);
	while (type != IKE_PL_NONE) {
		m->bad_off = base + r.off;
		err = dec_pl(m, &r, &type, inner);
		if (err)
			return err;
	}
	m->bad_off = base + r.off;
	if (!inner && m->hdr.major == IKE1_MAJOR && ike_rbuf_left(&r) <= IKE1_MAX_TRAILER) {
		m->trailer.len = ike_rbuf_left(&r);
		m->trailer.p = ike_rbuf_bytes(&r, m->trailer.len);
	}
	if (ike_rbuf_left(&r) && !(inner && m->hdr.major == IKE1_MAJOR))
		return IKE_E_TRAILING;
	return IKE_OK;
}

int ike_decode(const uint8_t *p, size_t len, struct ike_msg *m)
{
	struct ike_rbuf r;

	m->npl = 0;
	m->raw.p = p;
	m->raw.len = len;
	m->encrypted.p = NULL;
	m->encrypted.len = 0;
	m->trailer.p = NULL;
	m->trailer.len = 0;
	m->bad_type = 0;
	m->bad_off = 0;
	if (!p || len < IKE_HDR_LEN)
		return IKE_E_HDR_TRUNC;
	ike_rbuf_init(&r, p, len);
	dec_hdr(&r, &m->hdr);
	if (m->hdr.major != IKE1_MAJOR && m->hdr.major != IKE2_MAJOR) {
		m->bad_off = 17;
		return IKE_E_VERSION;
	}
	if (m->hdr.length != len) {
		m->bad_off = 24;
		return IKE_E_MSG_LEN;
	}
	if (m->hdr.major == IKE1_MAJOR && (m->hdr.flags & IKE1_FLAG_ENCRYPTION)) {
		m->encrypted.p = p + IKE_HDR_LEN;
		m->encrypted.len = len - IKE_HDR_LEN;
		return IKE_OK;
	}
	return dec_chain(m, m->hdr.next, p + IKE_HDR_LEN, len - IKE_HDR_LEN, IKE_HDR_LEN, false);
}

int ike_decode_inner(struct ike_msg *m, uint8_t first, const uint8_t *p, size_t len)
{
	m->bad_type = 0;
	return dec_chain(m, first, p, len, 0, true);
}

const struct ike_pl *ike_msg_find(const struct ike_msg *m, uint8_t type, unsigned int *from)
{
	unsigned int i;

	for (i = from ? *from : 0; i < m->npl; i++) {
		if (m->pl[i].type != type)
			continue;
		if (from)
			*from = i + 1;
		return &m->pl[i];
	}
	return NULL;
}

/* A reader over pl's body if pl is of type t1 or t2. */
static int open_body(const struct ike_pl *pl, uint8_t t1, uint8_t t2, struct ike_rbuf *r)
{
	if (pl->type != t1 && pl->type != t2)
		return IKE_E_WRONG_TYPE;
	ike_rbuf_init(r, pl->body.p, pl->body.len);
	return IKE_OK;
}

/* The rest of r as a view. */
static void rest(struct ike_rbuf *r, struct ike_view *v)
{
	v->len = ike_rbuf_left(r);
	v->p = ike_rbuf_bytes(r, v->len);
}

/*
 * A last/more byte (RFC 7296 3.3.1, 3.3.2) must agree with the length: more
 * if and only if len leaves bytes after this substructure.
 */
static bool more_agrees(uint8_t lm, uint8_t more_val, size_t len, size_t left, bool *more)
{
	if (lm != 0 && lm != more_val)
		return false;
	*more = lm == more_val;
	return *more == (len < left);
}

static int dec_attrs(struct ike_rbuf *a, struct ike_transform *tr)
{
	uint16_t type, val;

	while (ike_rbuf_left(a)) {
		if (ike_rbuf_left(a) < 4)
			return IKE_E_ATTR_LEN;
		type = ike_rbuf_u16(a);
		val = ike_rbuf_u16(a);
		if (!(type & IKE_ATTR_AF)) {
			/* TLV: val is the length of a value that follows. */
			if (!ike_rbuf_skip(a, val))
				return IKE_E_ATTR_LEN;
			tr->unknown_attr = true;
		} else if ((type & ~IKE_ATTR_AF) == IKE_ATTR_KEY_LENGTH && !tr->keylen && val) {
			tr->keylen = val;
		} else {
			tr->unknown_attr = true;
		}
	}
	return IKE_OK;
}

static int dec_transform(struct ike_rbuf *r, struct ike_sa_pl *sa, bool *more)
{
	size_t left = ike_rbuf_left(r);
	struct ike_transform *tr;
	struct ike_rbuf a;
	uint8_t lm, type;
	uint16_t len, id;

	if (left < 8)
		return IKE_E_XFORM_LEN;
	lm = ike_rbuf_u8(r);
	ike_rbuf_u8(r);
	len = ike_rbuf_u16(r);
	type = ike_rbuf_u8(r);
	ike_rbuf_u8(r);
	id = ike_rbuf_u16(r);
	if (len < 8 || len > left)
		return IKE_E_XFORM_LEN;
	if (!more_agrees(lm, 3, len, left, more))
		return IKE_E_XFORM_MORE;
	if (sa->ntrans >= IKE_MAX_TRANSFORMS)
		return IKE_E_TOO_MANY_XFORMS;
	tr = &sa->trans[sa->ntrans++];
	tr->type = type;
	tr->id = id;
	tr->keylen = 0;
	tr->unknown_attr = false;
	ike_rbuf_init(&a, ike_rbuf_bytes(r, len - 8), len - 8);
	return dec_attrs(&a, tr);
}

static int dec_transforms(struct ike_rbuf *t, struct ike_sa_pl *sa, struct ike_proposal *prop,
			  uint8_t ntrans)
{
	bool more = ike_rbuf_left(t) > 0;
	int err;

	prop->first = sa->ntrans;
	while (more) {
		if (sa->ntrans - prop->first >= ntrans)
			return IKE_E_PROP_NTRANS;
		err = dec_transform(t, sa, &more);
		if (err)
			return err;
	}
	prop->ntrans = sa->ntrans - prop->first;
	return prop->ntrans == ntrans ? IKE_OK : IKE_E_PROP_NTRANS;
}

static int dec_proposal(struct ike_rbuf *r, struct ike_sa_pl *sa, bool *more)
{
	size_t left = ike_rbuf_left(r);
	struct ike_proposal *prop;
	uint8_t lm, ntrans;
	struct ike_rbuf t;
	uint16_t len;
	size_t tlen;

	if (left < 8)
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
	if (len < 8 || len > left)
		return IKE_E_PROP_LEN;
	if (!more_agrees(lm, 2, len, left, more))
		return IKE_E_PROP_MORE;
	if (prop->spi_size > len - 8)
		return IKE_E_PROP_SPI;
	prop->spi = ike_rbuf_bytes(r, prop->spi_size);
	tlen = len - 8 - prop->spi_size;
	ike_rbuf_init(&t, ike_rbuf_bytes(r, tlen), tlen);
	return dec_transforms(&t, sa, prop, ntrans);
}

int ike_dec_sa(const struct ike_pl *pl, struct ike_sa_pl *sa)
{
	struct ike_rbuf r;
	bool more = true;
	int err;

	err = open_body(pl, IKE_PL_SA, IKE_PL_SA, &r);
	if (err)
		return err;
	sa->nprop = 0;
	sa->ntrans = 0;
	if (!ike_rbuf_left(&r))
		return IKE_E_BODY_SHORT;
	while (more) {
		err = dec_proposal(&r, sa, &more);
		if (err)
			return err;
	}
	return IKE_OK;
}

int ike_dec_ke(const struct ike_pl *pl, struct ike_ke *ke)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE_PL_KE, IKE_PL_KE, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) <= 4)
		return IKE_E_BODY_SHORT;
	ke->group = ike_rbuf_u16(&r);
	ike_rbuf_u16(&r);
	rest(&r, &ke->data);
	return IKE_OK;
}

int ike_dec_nonce(const struct ike_pl *pl, struct ike_view *nonce)
{
	if (pl->type != IKE_PL_NONCE)
		return IKE_E_WRONG_TYPE;
	if (pl->body.len < IKE_NONCE_MIN || pl->body.len > IKE_NONCE_MAX)
		return IKE_E_NONCE_LEN;
	*nonce = pl->body;
	return IKE_OK;
}

/* A type byte, three reserved, then data: ID, AUTH. */
static int dec_typed(const struct ike_pl *pl, uint8_t t1, uint8_t t2, uint8_t *type,
		     struct ike_view *data)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, t1, t2, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) <= 4)
		return IKE_E_BODY_SHORT;
	*type = ike_rbuf_u8(&r);
	ike_rbuf_skip(&r, 3);
	rest(&r, data);
	return IKE_OK;
}

int ike_dec_id(const struct ike_pl *pl, struct ike_id *id)
{
	int err = dec_typed(pl, IKE_PL_IDI, IKE_PL_IDR, &id->type, &id->data);

	if (err)
		return err;
	if ((id->type == IKE_ID_IPV4_ADDR && id->data.len != 4) ||
	    (id->type == IKE_ID_IPV6_ADDR && id->data.len != 16))
		return IKE_E_ID_LEN;
	return IKE_OK;
}

int ike_dec_auth(const struct ike_pl *pl, struct ike_auth *auth)
{
	return dec_typed(pl, IKE_PL_AUTH, IKE_PL_AUTH, &auth->method, &auth->data);
}

int ike_dec_cert(const struct ike_pl *pl, struct ike_cert *cert)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE_PL_CERT, IKE_PL_CERTREQ, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) < 1)
		return IKE_E_BODY_SHORT;
	cert->encoding = ike_rbuf_u8(&r);
	rest(&r, &cert->data);
	return IKE_OK;
}

int ike_dec_notify(const struct ike_pl *pl, struct ike_notify *n)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE_PL_NOTIFY, IKE_PL_NOTIFY, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) < 4)
		return IKE_E_BODY_SHORT;
	n->protocol = ike_rbuf_u8(&r);
	n->spi_size = ike_rbuf_u8(&r);
	n->type = ike_rbuf_u16(&r);
	n->spi = ike_rbuf_bytes(&r, n->spi_size);
	if (!n->spi)
		return IKE_E_NOTIFY_SPI;
	rest(&r, &n->data);
	return IKE_OK;
}

int ike_dec_delete(const struct ike_pl *pl, struct ike_delete *d)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE_PL_DELETE, IKE_PL_DELETE, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) < 4)
		return IKE_E_BODY_SHORT;
	d->protocol = ike_rbuf_u8(&r);
	d->spi_size = ike_rbuf_u8(&r);
	d->nspi = ike_rbuf_u16(&r);
	if ((size_t)d->nspi * d->spi_size != ike_rbuf_left(&r) || (!d->spi_size && d->nspi))
		return IKE_E_DELETE_LEN;
	d->spis = ike_rbuf_bytes(&r, ike_rbuf_left(&r));
	return IKE_OK;
}

/* Ports: start <= end, or the OPAQUE pair; addresses: start <= end. */
static bool ts_ordered(const struct ike_ts *ts)
{
	bool opaque = ts->sport == IKE_TS_PORT_OPAQUE_START && ts->eport == IKE_TS_PORT_OPAQUE_END;

	if (ts->sport > ts->eport && !opaque)
		return false;
	return memcmp(ts->start, ts->end, ts->alen) <= 0;
}

static int dec_one_ts(struct ike_rbuf *r, struct ike_ts *ts)
{
	struct ike_rbuf b;
	uint16_t len;

	if (ike_rbuf_left(r) < 4)
		return IKE_E_TS_LEN;
	ts->type = ike_rbuf_u8(r);
	ts->proto = ike_rbuf_u8(r);
	len = ike_rbuf_u16(r);
	if (len < 4 || len - 4u > ike_rbuf_left(r))
		return IKE_E_TS_LEN;
	ts->body.len = len - 4u;
	ts->body.p = ike_rbuf_bytes(r, ts->body.len);
	ts->sport = ts->eport = 0;
	ts->start = ts->end = NULL;
	if (ts->type == IKE_TS_IPV4_ADDR_RANGE)
		ts->alen = 4;
	else if (ts->type == IKE_TS_IPV6_ADDR_RANGE)
		ts->alen = 16;
	else
		ts->alen = 0;
	if (!ts->alen)
		return IKE_OK;
	if (ts->body.len != 4u + 2u * ts->alen)
		return IKE_E_TS_LEN;
	ike_rbuf_init(&b, ts->body.p, ts->body.len);
	ts->sport = ike_rbuf_u16(&b);
	ts->eport = ike_rbuf_u16(&b);
	ts->start = ike_rbuf_bytes(&b, ts->alen);
	ts->end = ike_rbuf_bytes(&b, ts->alen);
	return ts_ordered(ts) ? IKE_OK : IKE_E_TS_RANGE;
}

int ike_dec_ts(const struct ike_pl *pl, struct ike_ts_pl *ts)
{
	struct ike_rbuf r;
	uint8_t n;
	int err;

	err = open_body(pl, IKE_PL_TSI, IKE_PL_TSR, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) < 4)
		return IKE_E_BODY_SHORT;
	n = ike_rbuf_u8(&r);
	ike_rbuf_skip(&r, 3);
	for (ts->n = 0; ike_rbuf_left(&r); ts->n++) {
		if (ts->n >= IKE_MAX_TS)
			return IKE_E_TOO_MANY_TS;
		err = dec_one_ts(&r, &ts->ts[ts->n]);
		if (err)
			return err;
	}
	return (ts->n == n && n) ? IKE_OK : IKE_E_TS_COUNT;
}

int ike_dec_sk(const struct ike_pl *pl, struct ike_sk *sk)
{
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE_PL_SK, IKE_PL_SKF, &r);
	if (err)
		return err;
	sk->inner = pl->next;
	sk->frag = pl->type == IKE_PL_SKF;
	sk->frag_num = 0;
	sk->frag_total = 0;
	if (sk->frag) {
		if (ike_rbuf_left(&r) < 4)
			return IKE_E_BODY_SHORT;
		sk->frag_num = ike_rbuf_u16(&r);
		sk->frag_total = ike_rbuf_u16(&r);
		if (!sk->frag_num || sk->frag_num > sk->frag_total)
			return IKE_E_FRAG_NUM;
	}
	rest(&r, &sk->data);
	return IKE_OK;
}

int ike_dec_vid(const struct ike_pl *pl, struct ike_view *vid)
{
	if (pl->type != IKE_PL_VID)
		return IKE_E_WRONG_TYPE;
	if (!pl->body.len)
		return IKE_E_BODY_SHORT;
	*vid = pl->body;
	return IKE_OK;
}

int ike_dec_cp(const struct ike_pl *pl, struct ike_cp *cp)
{
	struct ike_cp_attr *a;
	struct ike_rbuf r;
	int err;

	err = open_body(pl, IKE_PL_CP, IKE_PL_CP, &r);
	if (err)
		return err;
	if (ike_rbuf_left(&r) < 4)
		return IKE_E_BODY_SHORT;
	cp->cfg_type = ike_rbuf_u8(&r);
	ike_rbuf_skip(&r, 3);
	for (cp->n = 0; ike_rbuf_left(&r); cp->n++) {
		if (cp->n >= IKE_MAX_CP_ATTRS)
			return IKE_E_TOO_MANY_CP_ATTRS;
		if (ike_rbuf_left(&r) < 4)
			return IKE_E_CP_ATTR_LEN;
		a = &cp->attr[cp->n];
		a->type = ike_rbuf_u16(&r) & 0x7fff;
		a->value.len = ike_rbuf_u16(&r);
		a->value.p = ike_rbuf_bytes(&r, a->value.len);
		if (!a->value.p)
			return IKE_E_CP_ATTR_LEN;
	}
	return IKE_OK;
}

/* Encoding. */

static void enc_fail(struct ike_enc *e, int err)
{
	if (!e->err)
		e->err = err;
}

void ike_enc_begin(struct ike_enc *e, struct ike_wbuf *w, const struct ike_hdr *h)
{
	e->w = w;
	e->start = w->len;
	e->next_off = e->start + 16;
	e->pl_off = SIZE_MAX;
	e->err = IKE_OK;
	ike_wbuf_bytes(w, h->spi_i, IKE_SPI_LEN);
	ike_wbuf_bytes(w, h->spi_r, IKE_SPI_LEN);
	/* Overwritten by the first payload, if any. */
	ike_wbuf_u8(w, h->next);
	ike_wbuf_u8(w, (uint8_t)(h->major << 4 | (h->minor & 0x0f)));
	ike_wbuf_u8(w, h->exchange);
	ike_wbuf_u8(w, h->flags);
	ike_wbuf_u32(w, h->msgid);
	ike_wbuf_reserve(w, 4);
}

void ike_enc_chain_begin(struct ike_enc *e, struct ike_wbuf *w)
{
	e->w = w;
	e->start = w->len;
	e->pl_off = SIZE_MAX;
	e->err = IKE_OK;
	/* The first payload's type goes here, as into a header's next payload. */
	e->next_off = ike_wbuf_reserve(w, 1);
}

int ike_enc_chain_end(struct ike_enc *e, struct ike_view *chain, uint8_t *first)
{
	if (e->w->err)
		enc_fail(e, IKE_E_NOSPACE);
	if (e->err)
		return e->err;
	*first = e->w->p[e->start];
	chain->p = e->w->p + e->start + 1;
	chain->len = e->w->len - e->start - 1;
	return IKE_OK;
}

void ike_enc_pl_begin(struct ike_enc *e, uint8_t type, bool critical)
{
	if (e->next_off == SIZE_MAX) {
		enc_fail(e, IKE_E_ENC_ORDER);
		return;
	}
	ike_wbuf_patch_u8(e->w, e->next_off, type);
	e->pl_off = ike_wbuf_reserve(e->w, IKE_PL_HDR_LEN);
	e->next_off = e->pl_off;
	ike_wbuf_patch_u8(e->w, e->pl_off + 1, critical ? IKE_PL_CRITICAL : 0);
}

void ike_enc_pl_end(struct ike_enc *e)
{
	size_t len;

	if (e->w->err || e->pl_off == SIZE_MAX)
		return;
	len = e->w->len - e->pl_off;
	if (len > UINT16_MAX) {
		enc_fail(e, IKE_E_TOO_LONG);
		return;
	}
	ike_wbuf_patch_u16(e->w, e->pl_off + 2, (uint16_t)len);
}

int ike_enc_end(struct ike_enc *e)
{
	size_t len = e->w->len - e->start;

	if (len > UINT32_MAX)
		enc_fail(e, IKE_E_TOO_LONG);
	else
		ike_wbuf_patch_u32(e->w, e->start + 24, (uint32_t)len);
	if (e->w->err)
		enc_fail(e, IKE_E_NOSPACE);
	return e->err;
}

void ike_enc_raw(struct ike_enc *e, uint8_t type, bool critical, const struct ike_view *body)
{
	ike_enc_pl_begin(e, type, critical);
	ike_wbuf_bytes(e->w, body->p, body->len);
	ike_enc_pl_end(e);
}

static void enc_transform(struct ike_enc *e, const struct ike_transform *tr, bool last)
{
	struct ike_wbuf *w = e->w;

	ike_wbuf_u8(w, last ? 0 : 3);
	ike_wbuf_u8(w, 0);
	ike_wbuf_u16(w, tr->keylen ? 12 : 8);
	ike_wbuf_u8(w, tr->type);
	ike_wbuf_u8(w, 0);
	ike_wbuf_u16(w, tr->id);
	if (tr->keylen) {
		ike_wbuf_u16(w, IKE_ATTR_AF | IKE_ATTR_KEY_LENGTH);
		ike_wbuf_u16(w, tr->keylen);
	}
}

static void enc_proposal(struct ike_enc *e, const struct ike_sa_pl *sa, unsigned int i)
{
	const struct ike_proposal *prop = &sa->prop[i];
	struct ike_wbuf *w = e->w;
	size_t off = w->len, len;
	unsigned int j;

	if (prop->ntrans > UINT8_MAX || prop->first > sa->ntrans ||
	    prop->ntrans > sa->ntrans - prop->first || (prop->spi_size && !prop->spi)) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_wbuf_u8(w, i + 1 == sa->nprop ? 0 : 2);
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

void ike_enc_sa(struct ike_enc *e, const struct ike_sa_pl *sa)
{
	unsigned int i;

	ike_enc_pl_begin(e, IKE_PL_SA, false);
	for (i = 0; i < sa->nprop; i++)
		enc_proposal(e, sa, i);
	ike_enc_pl_end(e);
}

void ike_enc_ke(struct ike_enc *e, const struct ike_ke *ke)
{
	ike_enc_pl_begin(e, IKE_PL_KE, false);
	ike_wbuf_u16(e->w, ke->group);
	ike_wbuf_u16(e->w, 0);
	ike_wbuf_bytes(e->w, ke->data.p, ke->data.len);
	ike_enc_pl_end(e);
}

void ike_enc_nonce(struct ike_enc *e, const struct ike_view *nonce)
{
	ike_enc_raw(e, IKE_PL_NONCE, false, nonce);
}

/* A type byte, three reserved, then data. */
static void enc_typed(struct ike_enc *e, uint8_t pl_type, uint8_t type,
		      const struct ike_view *data)
{
	ike_enc_pl_begin(e, pl_type, false);
	ike_wbuf_u8(e->w, type);
	ike_wbuf_reserve(e->w, 3);
	ike_wbuf_bytes(e->w, data->p, data->len);
	ike_enc_pl_end(e);
}

void ike_enc_id(struct ike_enc *e, uint8_t pl_type, const struct ike_id *id)
{
	enc_typed(e, pl_type, id->type, &id->data);
}

void ike_enc_auth(struct ike_enc *e, const struct ike_auth *auth)
{
	enc_typed(e, IKE_PL_AUTH, auth->method, &auth->data);
}

void ike_enc_cert(struct ike_enc *e, uint8_t pl_type, const struct ike_cert *cert)
{
	ike_enc_pl_begin(e, pl_type, false);
	ike_wbuf_u8(e->w, cert->encoding);
	ike_wbuf_bytes(e->w, cert->data.p, cert->data.len);
	ike_enc_pl_end(e);
}

void ike_enc_notify(struct ike_enc *e, const struct ike_notify *n)
{
	if (n->spi_size && !n->spi) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_enc_pl_begin(e, IKE_PL_NOTIFY, false);
	ike_wbuf_u8(e->w, n->protocol);
	ike_wbuf_u8(e->w, n->spi_size);
	ike_wbuf_u16(e->w, n->type);
	ike_wbuf_bytes(e->w, n->spi, n->spi_size);
	ike_wbuf_bytes(e->w, n->data.p, n->data.len);
	ike_enc_pl_end(e);
}

void ike_enc_delete(struct ike_enc *e, const struct ike_delete *d)
{
	size_t len = (size_t)d->nspi * d->spi_size;

	if (len && !d->spis) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_enc_pl_begin(e, IKE_PL_DELETE, false);
	ike_wbuf_u8(e->w, d->protocol);
	ike_wbuf_u8(e->w, d->spi_size);
	ike_wbuf_u16(e->w, d->nspi);
	ike_wbuf_bytes(e->w, d->spis, len);
	ike_enc_pl_end(e);
}

static void enc_one_ts(struct ike_enc *e, const struct ike_ts *ts)
{
	struct ike_wbuf *w = e->w;

	ike_wbuf_u8(w, ts->type);
	ike_wbuf_u8(w, ts->proto);
	if (!ts->alen) {
		if (ts->body.len > UINT16_MAX - 4u) {
			enc_fail(e, IKE_E_TOO_LONG);
			return;
		}
		ike_wbuf_u16(w, (uint16_t)(4 + ts->body.len));
		ike_wbuf_bytes(w, ts->body.p, ts->body.len);
		return;
	}
	if ((ts->alen != 4 && ts->alen != 16) || !ts->start || !ts->end) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_wbuf_u16(w, (uint16_t)(8 + 2 * ts->alen));
	ike_wbuf_u16(w, ts->sport);
	ike_wbuf_u16(w, ts->eport);
	ike_wbuf_bytes(w, ts->start, ts->alen);
	ike_wbuf_bytes(w, ts->end, ts->alen);
}

void ike_enc_ts(struct ike_enc *e, uint8_t pl_type, const struct ike_ts_pl *ts)
{
	unsigned int i;

	if (ts->n > IKE_MAX_TS) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_enc_pl_begin(e, pl_type, false);
	ike_wbuf_u8(e->w, (uint8_t)ts->n);
	ike_wbuf_reserve(e->w, 3);
	for (i = 0; i < ts->n; i++)
		enc_one_ts(e, &ts->ts[i]);
	ike_enc_pl_end(e);
}

void ike_enc_vid(struct ike_enc *e, const struct ike_view *vid)
{
	ike_enc_raw(e, IKE_PL_VID, false, vid);
}

void ike_enc_cp(struct ike_enc *e, const struct ike_cp *cp)
{
	const struct ike_cp_attr *a;
	unsigned int i;

	if (cp->n > IKE_MAX_CP_ATTRS) {
		enc_fail(e, IKE_E_ENC_ARG);
		return;
	}
	ike_enc_pl_begin(e, IKE_PL_CP, false);
	ike_wbuf_u8(e->w, cp->cfg_type);
	ike_wbuf_reserve(e->w, 3);
	for (i = 0; i < cp->n; i++) {
		a = &cp->attr[i];
		if (a->value.len > UINT16_MAX) {
			enc_fail(e, IKE_E_TOO_LONG);
			return;
		}
		ike_wbuf_u16(e->w, a->type & 0x7fff);
		ike_wbuf_u16(e->w, (uint16_t)a->value.len);
		ike_wbuf_bytes(e->w, a->value.p, a->value.len);
	}
	ike_enc_pl_end(e);
}

void ike_enc_sk(struct ike_enc *e, const struct ike_sk *sk)
{
	ike_enc_pl_begin(e, sk->frag ? IKE_PL_SKF : IKE_PL_SK, false);
	if (e->err)
		return;
	if (sk->frag) {
		ike_wbuf_u16(e->w, sk->frag_num);
		ike_wbuf_u16(e->w, sk->frag_total);
	}
	ike_wbuf_bytes(e->w, sk->data.p, sk->data.len);
	ike_wbuf_patch_u8(e->w, e->pl_off, sk->inner);
	ike_enc_pl_end(e);
	e->next_off = SIZE_MAX;
}

int ike_encode(struct ike_wbuf *w, const struct ike_msg *m)
{
	const struct ike_pl *pl;
	struct ike_enc e;
	unsigned int i;

	ike_enc_begin(&e, w, &m->hdr);
	if (m->encrypted.p)
		ike_wbuf_bytes(w, m->encrypted.p, m->encrypted.len);
	for (i = 0; i < m->npl; i++) {
		pl = &m->pl[i];
		if (pl->inner)
			continue;
		ike_enc_raw(&e, pl->type, pl->critical, &pl->body);
		if (ends_chain(m->hdr.major, pl->type)) {
			ike_wbuf_patch_u8(w, e.pl_off, pl->next);
			e.next_off = SIZE_MAX;
		}
	}
	if (m->trailer.len)
		ike_wbuf_bytes(w, m->trailer.p, m->trailer.len);
	return ike_enc_end(&e);
}
