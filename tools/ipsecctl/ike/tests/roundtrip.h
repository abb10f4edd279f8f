/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The codec's round-trip property, shared by test_codec.c and the libFuzzer
 * harness: whatever decodes re-encodes (as a whole message, and each IKEv2
 * payload through its typed encoder) into something that decodes to the
 * same views, and so does an SK payload's body taken as its plaintext.
 * rt_check() returns NULL, or what differed.
 *
 * Buffers come from malloc() at their exact size, so that AddressSanitizer
 * sees any read past them.
 */
#ifndef IKE_TESTS_ROUNDTRIP_H
#define IKE_TESTS_ROUNDTRIP_H

#include <stdlib.h>
#include <string.h>
#include "../codec.h"

static bool bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	return !n || (a && b && !memcmp(a, b, n));
}

static bool view_eq(const struct ike_view *a, const struct ike_view *b)
{
	return a->len == b->len && bytes_eq(a->p, b->p, a->len);
}

static bool hdr_eq(const struct ike_hdr *a, const struct ike_hdr *b)
{
	return !memcmp(a->spi_i, b->spi_i, IKE_SPI_LEN) &&
	       !memcmp(a->spi_r, b->spi_r, IKE_SPI_LEN) &&
	       a->next == b->next && a->major == b->major && a->minor == b->minor &&
	       a->exchange == b->exchange && a->flags == b->flags && a->msgid == b->msgid &&
	       a->length == b->length;
}

static bool pl_eq(const struct ike_pl *a, const struct ike_pl *b)
{
	return a->type == b->type && a->next == b->next && a->critical == b->critical &&
	       a->inner == b->inner && view_eq(&a->body, &b->body);
}

static bool msg_eq(const struct ike_msg *a, const struct ike_msg *b)
{
	unsigned int i;

	if (!hdr_eq(&a->hdr, &b->hdr) || a->npl != b->npl || !view_eq(&a->encrypted, &b->encrypted))
		return false;
	for (i = 0; i < a->npl; i++)
		if (!pl_eq(&a->pl[i], &b->pl[i]))
			return false;
	return true;
}

static bool sa_eq(const struct ike_sa_pl *a, const struct ike_sa_pl *b)
{
	const struct ike_proposal *p, *q;
	unsigned int i;

	if (a->nprop != b->nprop || a->ntrans != b->ntrans)
		return false;
	for (i = 0; i < a->nprop; i++) {
		p = &a->prop[i];
		q = &b->prop[i];
		if (p->num != q->num || p->protocol != q->protocol || p->spi_size != q->spi_size ||
		    !bytes_eq(p->spi, q->spi, p->spi_size) || p->first != q->first ||
		    p->ntrans != q->ntrans)
			return false;
	}
	for (i = 0; i < a->ntrans; i++)
		if (a->trans[i].type != b->trans[i].type || a->trans[i].id != b->trans[i].id ||
		    a->trans[i].keylen != b->trans[i].keylen)
			return false;
	return true;
}

static bool ts_eq(const struct ike_ts_pl *a, const struct ike_ts_pl *b)
{
	const struct ike_ts *s, *t;
	unsigned int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		s = &a->ts[i];
		t = &b->ts[i];
		if (s->type != t->type || s->proto != t->proto || s->sport != t->sport ||
		    s->eport != t->eport || s->alen != t->alen ||
		    !bytes_eq(s->start, t->start, s->alen) || !bytes_eq(s->end, t->end, s->alen))
			return false;
		/* A known type's body is its fields; an unknown type's is all there is. */
		if (!s->alen && !view_eq(&s->body, &t->body))
			return false;
	}
	return true;
}

static bool cp_eq(const struct ike_cp *a, const struct ike_cp *b)
{
	unsigned int i;

	if (a->cfg_type != b->cfg_type || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->attr[i].type != b->attr[i].type ||
		    !view_eq(&a->attr[i].value, &b->attr[i].value))
			return false;
	return true;
}

/* Every typed view an IKEv2 payload can have, and which one is in use. */
struct rt_typed {
	int err;
	union {
		struct ike_sa_pl sa;
		struct ike_ke ke;
		struct ike_view view;	/* nonce, VID */
		struct ike_id id;
		struct ike_auth auth;
		struct ike_cert cert;
		struct ike_notify n;
		struct ike_delete d;
		struct ike_ts_pl ts;
		struct ike_sk sk;
		struct ike_cp cp;
	};
};

/* Decode pl by its type; false if the codec has no typed decoder for it. */
static bool rt_dec(const struct ike_pl *pl, struct rt_typed *t)
{
	switch (pl->type) {
	case IKE_PL_SA:
		t->err = ike_dec_sa(pl, &t->sa);
		break;
	case IKE_PL_KE:
		t->err = ike_dec_ke(pl, &t->ke);
		break;
	case IKE_PL_NONCE:
		t->err = ike_dec_nonce(pl, &t->view);
		break;
	case IKE_PL_VID:
		t->err = ike_dec_vid(pl, &t->view);
		break;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		t->err = ike_dec_id(pl, &t->id);
		break;
	case IKE_PL_AUTH:
		t->err = ike_dec_auth(pl, &t->auth);
		break;
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		t->err = ike_dec_cert(pl, &t->cert);
		break;
	case IKE_PL_NOTIFY:
		t->err = ike_dec_notify(pl, &t->n);
		break;
	case IKE_PL_DELETE:
		t->err = ike_dec_delete(pl, &t->d);
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		t->err = ike_dec_ts(pl, &t->ts);
		break;
	case IKE_PL_SK:
	case IKE_PL_SKF:
		t->err = ike_dec_sk(pl, &t->sk);
		break;
	case IKE_PL_CP:
		t->err = ike_dec_cp(pl, &t->cp);
		break;
	default:
		return false;
	}
	return true;
}

static void rt_enc(struct ike_enc *e, uint8_t type, const struct rt_typed *t)
{
	switch (type) {
	case IKE_PL_SA:
		ike_enc_sa(e, &t->sa);
		break;
	case IKE_PL_KE:
		ike_enc_ke(e, &t->ke);
		break;
	case IKE_PL_NONCE:
		ike_enc_nonce(e, &t->view);
		break;
	case IKE_PL_VID:
		ike_enc_vid(e, &t->view);
		break;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		ike_enc_id(e, type, &t->id);
		break;
	case IKE_PL_AUTH:
		ike_enc_auth(e, &t->auth);
		break;
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		ike_enc_cert(e, type, &t->cert);
		break;
	case IKE_PL_NOTIFY:
		ike_enc_notify(e, &t->n);
		break;
	case IKE_PL_DELETE:
		ike_enc_delete(e, &t->d);
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		ike_enc_ts(e, type, &t->ts);
		break;
	case IKE_PL_SK:
	case IKE_PL_SKF:
		ike_enc_sk(e, &t->sk);
		break;
	case IKE_PL_CP:
		ike_enc_cp(e, &t->cp);
		break;
	}
}

static bool rt_eq(uint8_t type, const struct rt_typed *a, const struct rt_typed *b)
{
	switch (type) {
	case IKE_PL_SA:
		return sa_eq(&a->sa, &b->sa);
	case IKE_PL_KE:
		return a->ke.group == b->ke.group && view_eq(&a->ke.data, &b->ke.data);
	case IKE_PL_NONCE:
	case IKE_PL_VID:
		return view_eq(&a->view, &b->view);
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		return a->id.type == b->id.type && view_eq(&a->id.data, &b->id.data);
	case IKE_PL_AUTH:
		return a->auth.method == b->auth.method && view_eq(&a->auth.data, &b->auth.data);
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		return a->cert.encoding == b->cert.encoding &&
		       view_eq(&a->cert.data, &b->cert.data);
	case IKE_PL_NOTIFY:
		return a->n.protocol == b->n.protocol && a->n.spi_size == b->n.spi_size &&
		       a->n.type == b->n.type && bytes_eq(a->n.spi, b->n.spi, a->n.spi_size) &&
		       view_eq(&a->n.data, &b->n.data);
	case IKE_PL_DELETE:
		return a->d.protocol == b->d.protocol && a->d.spi_size == b->d.spi_size &&
		       a->d.nspi == b->d.nspi &&
		       bytes_eq(a->d.spis, b->d.spis, (size_t)a->d.nspi * a->d.spi_size);
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		return ts_eq(&a->ts, &b->ts);
	case IKE_PL_SK:
	case IKE_PL_SKF:
		return a->sk.inner == b->sk.inner && a->sk.frag == b->sk.frag &&
		       a->sk.frag_num == b->sk.frag_num && a->sk.frag_total == b->sk.frag_total &&
		       view_eq(&a->sk.data, &b->sk.data);
	case IKE_PL_CP:
		return cp_eq(&a->cp, &b->cp);
	}
	return false;
}

/* One payload through its typed decoder, encoder and decoder again. */
static const char *rt_payload(const struct ike_hdr *hdr, const struct ike_pl *pl)
{
	struct rt_typed *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	size_t cap = IKE_HDR_LEN + IKE_PL_HDR_LEN + pl->body.len;
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t *buf = malloc(cap);
	const char *why = NULL;
	struct ike_wbuf w;
	struct ike_enc e;

	if (!a || !b || !m || !buf) {
		why = "out of memory";
		goto out;
	}
	if (!rt_dec(pl, a) || a->err)
		goto out;
	ike_wbuf_init(&w, buf, cap);
	ike_enc_begin(&e, &w, hdr);
	rt_enc(&e, pl->type, a);
	if (ike_enc_end(&e)) {
		why = "a decoded payload does not re-encode in its size";
		goto out;
	}
	if (ike_decode(buf, w.len, m) || m->npl != 1 || m->pl[0].type != pl->type) {
		why = "a re-encoded payload does not decode as a message";
		goto out;
	}
	rt_dec(&m->pl[0], b);
	if (b->err)
		why = "a re-encoded payload does not decode";
	else if (!rt_eq(pl->type, a, b))
		why = "a re-encoded payload decodes to other values";
out:
	free(buf);
	free(m);
	free(b);
	free(a);
	return why;
}

/*
 * The last payload, if SK, taken as plaintext: its inner chain decoded into
 * m and each inner payload checked as rt_payload() does.
 */
static const char *rt_inner(struct ike_msg *m)
{
	const struct ike_pl *last;
	const char *why = NULL;
	struct ike_sk sk;
	unsigned int i;

	if (!m->npl || m->hdr.major != IKE2_MAJOR)
		return NULL;
	last = &m->pl[m->npl - 1];
	if (last->type != IKE_PL_SK || ike_dec_sk(last, &sk))
		return NULL;
	if (ike_decode_inner(m, sk.inner, sk.data.p, sk.data.len))
		return NULL;
	for (i = 0; i < m->npl && !why; i++)
		if (m->pl[i].inner)
			why = rt_payload(&m->hdr, &m->pl[i]);
	return why;
}

/* Decode p, then check every round trip, the inner chain's too. */
static const char *rt_check(const uint8_t *p, size_t len)
{
	struct ike_msg *m = malloc(sizeof(*m)), *m2 = malloc(sizeof(*m2));
	uint8_t *buf = malloc(len ? len : 1);
	const char *why = NULL;
	struct ike_wbuf w;
	unsigned int i;

	if (!m || !m2 || !buf) {
		why = "out of memory";
		goto out;
	}
	if (ike_decode(p, len, m)) {
		if (m->bad_off > len)
			why = "error offset past the message";
		goto out;
	}
	for (i = 0; i < m->npl && !why && m->hdr.major == IKE2_MAJOR; i++)
		why = rt_payload(&m->hdr, &m->pl[i]);
	if (why)
		goto out;
	ike_wbuf_init(&w, buf, len);
	if (ike_encode(&w, m) || w.len != len)
		why = "a decoded message does not re-encode in its size";
	else if (ike_decode(buf, w.len, m2))
		why = "a re-encoded message does not decode";
	else if (!msg_eq(m, m2))
		why = "a re-encoded message decodes to other views";
	else
		why = rt_inner(m);
out:
	free(buf);
	free(m2);
	free(m);
	return why;
}

#endif /* IKE_TESTS_ROUNDTRIP_H */
