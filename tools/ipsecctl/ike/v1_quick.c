// SPDX-License-Identifier: GPL-2.0-only
/*
 * Quick mode (RFC 2409 5.5): phase 2, an ESP SA pair under the ISAKMP SA.
 *
 *   1: HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]
 *   2: HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr] [, N(RESPONDER-LIFETIME)]
 *   3: HDR*, HASH(3)
 *
 * KEYMAT is one per SPI: each side's inbound SA is keyed with the SPI it
 * chose. Make-before-break: the responder installs its inbound SA when it
 * sends message 2 and its outbound one when message 3 comes (the
 * initiator has both by then); the initiator installs both at message 2.
 * A rekey is a new quick mode; the old pair goes after the new one is in.
 */

#include <stdlib.h>
#include <string.h>
#include <linux/nfesp.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "kernel.h"
#include "log.h"

/*
 * strongSwan and Libreswan as responders install both SAs when message 3
 * comes: the initiator's outbound SA waits a moment for that, or the first
 * packets (the ones held for the ACQUIRE among them) would reach the peer
 * before its inbound SA. Until then a rekey's traffic stays in the old SA.
 */
#define INITIATOR_OUT_DELAY_MS	1000
/* The responder's outbound SA waits for message 3, or this long. */
#define RESPONDER_OUT_WAIT_MS	5000

/* --- IDci/IDcr <-> selectors ------------------------------------------- */

static void id_from_tsel(const struct ike_tsel *t, struct ike1_id *id, uint8_t *buf)
{
	size_t alen = t->family == AF_INET ? 4 : 16, i;
	bool prefix = true, ones = false;
	uint8_t x;

	memset(id, 0, sizeof(*id));
	id->proto = t->proto;
	id->port = t->sport == t->eport ? t->sport : 0;
	memcpy(buf, t->start, alen);
	if (!memcmp(t->start, t->end, alen)) {
		id->type = t->family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		id->data.p = buf;
		id->data.len = alen;
		return;
	}
	/* A prefix: start ^ end is 0...01...1 and start has no host bits. */
	for (i = 0; i < alen; i++) {
		x = t->start[i] ^ t->end[i];
		if ((ones && x != 0xff) || (x & (uint8_t)(x + 1)) || (t->start[i] & x))
			prefix = false;
		if (x)
			ones = true;
		buf[alen + i] = (uint8_t)~x;
	}
	if (prefix) {
		id->type = t->family == AF_INET ? IKE1_ID_IPV4_ADDR_SUBNET : IKE1_ID_IPV6_ADDR_SUBNET;
	} else {
		id->type = t->family == AF_INET ? IKE1_ID_IPV4_ADDR_RANGE : IKE1_ID_IPV6_ADDR_RANGE;
		memcpy(buf + alen, t->end, alen);
	}
	id->data.p = buf;
	id->data.len = 2 * alen;
}

static int tsel_from_id(struct ike_tsel *t, const struct ike1_id *id)
{
	size_t alen, i;

	memset(t, 0, sizeof(*t));
	switch (id->type) {
	case IKE_ID_IPV4_ADDR: case IKE1_ID_IPV4_ADDR_SUBNET: case IKE1_ID_IPV4_ADDR_RANGE:
		t->family = AF_INET;
		alen = 4;
		break;
	case IKE_ID_IPV6_ADDR: case IKE1_ID_IPV6_ADDR_SUBNET: case IKE1_ID_IPV6_ADDR_RANGE:
		t->family = AF_INET6;
		alen = 16;
		break;
	default:
		return -1;
	}
	if (id->type == IKE_ID_IPV4_ADDR || id->type == IKE_ID_IPV6_ADDR) {
		if (id->data.len != alen)
			return -1;
		memcpy(t->start, id->data.p, alen);
		memcpy(t->end, id->data.p, alen);
	} else {
		if (id->data.len != 2 * alen)
			return -1;
		memcpy(t->start, id->data.p, alen);
		if (id->type == IKE1_ID_IPV4_ADDR_RANGE || id->type == IKE1_ID_IPV6_ADDR_RANGE) {
			memcpy(t->end, id->data.p + alen, alen);
		} else {
			for (i = 0; i < alen; i++) {
				t->start[i] &= id->data.p[alen + i];
				t->end[i] = t->start[i] | (uint8_t)~id->data.p[alen + i];
			}
		}
	}
	if (memcmp(t->start, t->end, alen) > 0)
		return -1;
	t->proto = id->proto;
	t->sport = id->port;
	t->eport = id->port ? id->port : 65535;
	return 0;
}

static void tsel_host(struct ike_tsel *t, const struct addr *a)
{
	ike_tsel_from_host(t, a, 0, 0);
}

/* --- Keys --------------------------------------------------------------- */

static int install(struct ike_sa *sa, struct ike1_x *x, struct ike_child *c,
		   unsigned int defer_ms)
{
	const struct ike_encr_alg *ea = ike_encr_alg(c->alg.encr, c->alg.encr_keybits);
	const struct ike_integ_alg *ia = c->alg.integ ? ike_integ_alg(c->alg.integ) : NULL;
	uint8_t in[2 * IKE_KEY_MAX], out[2 * IKE_KEY_MAX], spi[4];
	struct ike_view ni = { x->ni, x->ni_len }, nr = { x->nr, x->nr_len };
	struct ike_view gxy = { x->gxy, x->gxy_len };
	size_t ekey, akey;
	int err = -1;

	if (!ea || (c->alg.integ && !ia))
		return -1;
	ekey = ea->key_len;
	akey = ia ? ia->key_len : 0;
	put_be32(spi, c->spi_in);
	if (ike1_qm_keymat(&sa->v1->k, x->gxy_len ? &gxy : NULL, IKE_PROTO_ESP, spi, &ni, &nr,
			   in, ekey + akey))
		goto out;
	put_be32(spi, c->spi_out);
	if (ike1_qm_keymat(&sa->v1->k, x->gxy_len ? &gxy : NULL, IKE_PROTO_ESP, spi, &ni, &nr,
			   out, ekey + akey))
		goto out;
	err = ike_child_install_keys(c, in, out, ekey, akey, defer_ms);
	if (err)
		ike_log(IKE_LOG_ERR, "%s: the quick mode SAs could not be installed", ike_sa_name(sa));
out:
	ike_wipe(in, sizeof(in));
	ike_wipe(out, sizeof(out));
	ike_wipe(x->gxy, sizeof(x->gxy));
	return err;
}

/* The ESP encapsulation mode for our rule and the NAT situation (RFC 3947 5). */
static uint8_t encap_for(const struct ike_sa *sa)
{
	bool tunnel = !sa->conn || sa->conn->mode == NFESP_MODE_TUNNEL;
	bool udp = (sa->nat_local || sa->nat_remote) && sa->natt;

	if (!udp)
		return tunnel ? IKE1_ENCAP_TUNNEL : IKE1_ENCAP_TRANSPORT;
	/* The RFC's values; a peer's draft ones are taken for them (proposal1.c). */
	return tunnel ? IKE1_ENCAP_UDP_TUNNEL : IKE1_ENCAP_UDP_TRANSPORT;
}

/* RESPONDER-LIFETIME (RFC 2407 4.6.3.1): its seconds, or 0. */
static uint64_t responder_lifetime(const struct ike_msg *m)
{
	struct ike1_notify n;
	struct ike_rbuf r;
	uint16_t type, len;
	uint64_t v, secs = 0;
	bool seconds = false;
	unsigned int i;

	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != IKE1_PL_NOTIFY || ike1_dec_notify(&m->pl[i], &n) ||
		    n.type != IKE1_N_RESPONDER_LIFETIME)
			continue;
		ike_rbuf_init(&r, n.data.p, n.data.len);
		while (ike_rbuf_left(&r) >= 4) {
			type = ike_rbuf_u16(&r);
			if (type & IKE_ATTR_AF) {
				v = ike_rbuf_u16(&r);
			} else {
				const uint8_t *p;

				len = ike_rbuf_u16(&r);
				p = ike_rbuf_bytes(&r, len);
				if (!p || len > 8)
					break;
				for (v = 0; len; len--)
					v = v << 8 | *p++;
			}
			type &= ~IKE_ATTR_AF;
			if (type == IKE1_A_SA_LIFE_TYPE)
				seconds = v == IKE1_LIFE_SECONDS;
			else if (type == IKE1_A_SA_LIFE_DURATION && seconds)
				secs = v;
		}
	}
	return secs;
}

/* The child is up: timers, policies of passive rules, the log. */
static void child_up(struct ike_sa *sa, struct ike1_x *x, struct ike_child *c)
{
	uint64_t lt = sa->conn ? sa->conn->lifetime : 3600;

	ike2_child_timers(c);
	if (c->life_s && c->life_s < lt) {
		/* The responder's shorter lifetime: renew before it. */
		ike_timer_arm(&c->rekey_timer, c->life_s * 800);
		c->rekey_at_ms = ike_now_ms() + c->life_s * 800;
	}
	ike2_log_child(c);
	daemon_child_up(c);
	/*
	 * What it replaces goes: a second after our own rekey; after a minute
	 * when the peer renewed it, which should delete it first.
	 */
	if (x->old && x->old->state != CHILD_S_REKEYED) {
		/* If it goes before the new outbound SA is in, that goes in first. */
		if (x->old->ike == c->ike)
			x->old->successor = c;
		ike2_child_replaced(x->old, x->initiator);
	}
	x->old = NULL;
}

/* --- Initiator ---------------------------------------------------------- */

int ike1_quick_start(struct ike_sa *sa, struct ike_child *old)
{
	static struct ike_out o;
	struct ike_conn *conn = sa->conn;
	uint8_t pub[IKE1_GX_MAX], idb[2][32];
	struct ike1_id idci, idcr;
	struct ike_child *c;
	struct ike1_x *x;
	uint16_t pfs;
	size_t hoff;
	uint32_t spi;
	int len = 0;

	if (!conn || !conn->nfrom || !conn->nto)
		return -1;
	x = ike1_x_new(sa, IKE1_EXCH_QUICK, 0, true);
	if (!x)
		return -1;
	c = ike_child_new(sa);
	if (!c)
		goto err_x;
	x->child = c;
	x->old = old;
	c->initiator = true;
	if (kb_spi_alloc(&sa->local.addr, &sa->remote.addr, &spi)) {
		ike_log(IKE_LOG_ERR, "%s: no SPI from the module: %s", ike_sa_name(sa),
			kb_last_error());
		goto err_x;
	}
	c->spi_in = spi;
	ike_tsel_from_sel(&c->ts_local[0], &conn->from[0]);
	ike_tsel_from_sel(&c->ts_remote[0], &conn->to[0]);
	c->nlocal = c->nremote = 1;
	c->v1_encap = encap_for(sa);
	x->offered = calloc(1, sizeof(*x->offered));
	if (!x->offered)
		goto err_x;
	ike1_p2_build(x->offered, &conn->child, spi, c->v1_encap, conn->lifetime,
		      conn->lifetime_bytes / 1024);
	pfs = conn->child.ndh ? conn->child.dh[0] : 0;
	if (pfs) {
		x->dh = ike_dh_new(pfs);
		len = x->dh ? ike_dh_public(x->dh, pub, sizeof(pub)) : -1;
		if (len < 0)
			goto err_x;
	}
	x->ni_len = IKE_NONCE_LEN;
	ike_random(x->ni, x->ni_len);
	ike1_out_begin(&o, sa, IKE1_EXCH_QUICK, x->msgid, true);
	hoff = ike1_out_hash_reserve(&o, sa);
	ike1_enc_sa(&o.e, x->offered);
	ike1_enc_data(&o.e, IKE1_PL_NONCE, x->ni, x->ni_len);
	if (pfs)
		ike1_enc_data(&o.e, IKE1_PL_KE, pub, (size_t)len);
	/* In transport mode the IDs are the phase 1 addresses: left out (RFC 2409 5.5). */
	if (conn->mode == NFESP_MODE_TUNNEL) {
		id_from_tsel(&c->ts_local[0], &idci, idb[0]);
		id_from_tsel(&c->ts_remote[0], &idcr, idb[1]);
		ike1_enc_id(&o.e, &idci);
		ike1_enc_id(&o.e, &idcr);
	}
	ike1_out_hash(&o, sa, hoff, false, x->msgid, NULL, NULL);
	x->st = IKE1_QM_I1;
	if (ike1_out_send(sa, &o, &x->iv, &x->last))
		goto err_x;
	ike_timer_arm(&x->timer, 1000);
	ike_log(IKE_LOG_INFO, "%s: Quick Mode 0x%08x%s", ike_sa_name(sa), x->msgid,
		old ? " (rekey)" : "");
	return 0;
err_x:
	ike1_x_free(x);
	return -1;
}

static void ids_or_hosts(struct ike_sa *sa, const struct ike_msg *m, struct ike_tsel *ci,
			 struct ike_tsel *cr, bool *bad)
{
	unsigned int from = 0;
	const struct ike_pl *a = ike_msg_find(m, IKE1_PL_ID, &from);
	const struct ike_pl *b = a ? ike_msg_find(m, IKE1_PL_ID, &from) : NULL;
	struct ike1_id id;

	*bad = false;
	if (!a) {
		tsel_host(ci, sa->initiator ? &sa->local.addr : &sa->remote.addr);
		tsel_host(cr, sa->initiator ? &sa->remote.addr : &sa->local.addr);
		return;
	}
	if (!b || ike1_dec_id(a, &id) || tsel_from_id(ci, &id) || ike1_dec_id(b, &id) ||
	    tsel_from_id(cr, &id))
		*bad = true;
}

static void in_qm2(struct ike_sa *sa, const struct ike_msg *m, struct ike1_x *x)
{
	static struct ike1_sa_pl resp;
	static struct ike_out o;
	struct ike_child *c = x->child;
	const struct ike_pl *sap = ike1_find(m, IKE1_PL_SA), *np = ike1_find(m, IKE1_PL_NONCE);
	const struct ike_pl *kp = ike1_find(m, IKE1_PL_KE);
	struct ike_view ni = { x->ni, x->ni_len }, nr, ke;
	const char *why = "SA or nonce missing";
	struct ike1_p2 p2;
	int len;

	if (!ike1_hash_ok(sa, m, false, x->msgid, &ni, NULL)) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: bad HASH(2): dropped",
			ike_sa_name(sa), x->msgid);
		return;
	}
	ike_timer_cancel(&x->timer);
	if (!sap || !np || ike1_dec_sa(sap, &resp) || ike1_dec_data(np, &nr) ||
	    ike1_p2_accept(&resp, x->offered, &p2, &why) ||
	    !ike1_store(x->nr, sizeof(x->nr), &x->nr_len, &nr)) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: the answer is refused: %s",
			ike_sa_name(sa), x->msgid, why);
		goto fail;
	}
	if (!!p2.alg.dh != !!x->dh || (x->dh && !kp)) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: PFS %s in the answer",
			ike_sa_name(sa), x->msgid, x->dh ? "missing" : "unasked");
		goto fail;
	}
	if (x->dh) {
		if (ike1_dec_data(kp, &ke))
			goto fail;
		len = ike_dh_shared(x->dh, ke.p, ke.len, x->gxy, sizeof(x->gxy));
		if (len < 0) {
			ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: the peer's PFS public value is "
				"invalid", ike_sa_name(sa), x->msgid);
			goto fail;
		}
		x->gxy_len = (size_t)len;
	}
	c->alg = p2.alg;
	c->spi_out = p2.spi;
	c->life_s = responder_lifetime(m);
	if (install(sa, x, c, INITIATOR_OUT_DELAY_MS))
		goto fail;
	ike1_out_begin(&o, sa, IKE1_EXCH_QUICK, x->msgid, true);
	nr.p = x->nr;
	nr.len = x->nr_len;
	{
		size_t hoff = ike1_out_hash_reserve(&o, sa);

		ike1_out_hash(&o, sa, hoff, true, x->msgid, &ni, &nr);
	}
	x->st = IKE1_QM_DONE;
	ike1_out_send(sa, &o, &x->iv, &x->last);
	child_up(sa, x, c);
	ike_timer_arm(&x->timer, 30000);
	return;
fail:
	if (x->old)
		x->old->state = CHILD_S_INSTALLED;
	ike1_x_free(x);
}

/* --- Responder ---------------------------------------------------------- */

static bool ts_ok(const struct ike_conn *conn, const struct ike_tsel *local,
		  const struct ike_tsel *remote)
{
	struct ike_tsel a;
	unsigned int i, j;

	for (i = 0; i < conn->nfrom; i++) {
		ike_tsel_from_sel(&a, &conn->from[i]);
		if (!ike_tsel_contains(&a, local))
			continue;
		for (j = 0; j < conn->nto; j++) {
			ike_tsel_from_sel(&a, &conn->to[j]);
			if (ike_tsel_contains(&a, remote))
				return true;
		}
	}
	return false;
}

/* The PFS group of a KE by its length, among the quick block's groups. */
static uint16_t pfs_group(const struct ike_conn *conn, const struct ike_view *ke)
{
	const struct ike_dh_group *g;
	unsigned int i;

	for (i = 0; i < conn->child.ndh; i++) {
		g = ike_dh_group(conn->child.dh[i]);
		if (g && g->ke_len == ke->len)
			return g->id;
	}
	return 0xffff;		/* matches no proposal */
}

static bool tsel_eq(const struct ike_tsel *a, const struct ike_tsel *b)
{
	size_t alen = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && !memcmp(a->start, b->start, alen) &&
	       !memcmp(a->end, b->end, alen) && a->proto == b->proto &&
	       a->sport == b->sport && a->eport == b->eport;
}

/* The older child of this rule that a new one replaces (a rekey by the peer). */
static struct ike_child *predecessor(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_child *o;
	struct ike_sa *s;

	for (s = ike_sas; s; s = s->next) {
		if (s->version != 1 || s->state == IKE_S_DEAD || strcmp(s->conn_name, sa->conn_name))
			continue;
		for (o = s->children; o; o = o->next)
			if (o != c && o->state == CHILD_S_INSTALLED &&
			    tsel_eq(&o->ts_local[0], &c->ts_local[0]) &&
			    tsel_eq(&o->ts_remote[0], &c->ts_remote[0]))
				return o;
	}
	return NULL;
}

static void in_qm1(struct ike_sa *sa, const struct ike_msg *m, struct ike1_x *x)
{
	static struct ike1_sa_pl peer, reply;
	static struct ike_out o;
	struct ike_conn *conn = sa->conn;
	const struct ike_pl *sap = ike1_find(m, IKE1_PL_SA), *np = ike1_find(m, IKE1_PL_NONCE);
	const struct ike_pl *kp = ike1_find(m, IKE1_PL_KE);
	uint8_t pub[IKE1_GX_MAX];
	struct ike_tsel ci, cr;
	struct ike_view ni, ke;
	struct ike_child *c;
	struct ike1_p2 p2;
	uint16_t pfs = 0;
	size_t hoff;
	uint32_t spi;
	int pi, ti, len = 0, glen;
	bool bad;

	if (!ike1_hash_ok(sa, m, false, x->msgid, NULL, NULL)) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: bad HASH(1): dropped",
			ike_sa_name(sa), x->msgid);
		goto drop;
	}
	if (!conn || !sap || !np || ike1_dec_sa(sap, &peer) || ike1_dec_data(np, &ni) ||
	    !ike1_store(x->ni, sizeof(x->ni), &x->ni_len, &ni) ||
	    (kp && ike1_dec_data(kp, &ke))) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: malformed or incomplete",
			ike_sa_name(sa), x->msgid);
		goto drop;
	}
	ids_or_hosts(sa, m, &ci, &cr, &bad);
	if (bad || !ts_ok(conn, &cr, &ci)) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: %s -- %s is not this rule's traffic",
			ike_sa_name(sa), x->msgid, ike_tsel_str(&ci, (char[128]){ 0 }, 128),
			ike_tsel_str(&cr, (char[128]){ 0 }, 128));
		ike1_send_notify(sa, IKE1_N_INVALID_ID_INFORMATION, IKE_PROTO_ESP, NULL, 0,
				 NULL, 0);
		goto drop;
	}
	if (kp)
		pfs = pfs_group(conn, &ke);
	pi = ike1_p2_select(&peer, &conn->child, encap_for(sa), pfs, &p2, &ti);
	if (pi < 0) {
		static struct ike1_sa_pl ours;

		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: no proposal chosen",
			ike_sa_name(sa), x->msgid);
		ike1_p2_build(&ours, &conn->child, 0, encap_for(sa), conn->lifetime,
			      conn->lifetime_bytes / 1024);
		ike1_log_mismatch(sa, &peer, &ours);
		ike1_send_notify(sa, IKE_N_NO_PROPOSAL_CHOSEN, IKE_PROTO_ESP, NULL, 0, NULL, 0);
		goto drop;
	}
	if (kb_spi_alloc(&sa->local.addr, &sa->remote.addr, &spi)) {
		ike_log(IKE_LOG_ERR, "%s: no SPI from the module: %s", ike_sa_name(sa),
			kb_last_error());
		goto drop;
	}
	c = ike_child_new(sa);
	if (!c)
		goto drop;
	x->child = c;
	c->spi_in = spi;
	c->spi_out = p2.spi;
	c->alg = p2.alg;
	c->v1_encap = encap_for(sa);
	c->ts_local[0] = cr;
	c->ts_remote[0] = ci;
	c->nlocal = c->nremote = 1;
	x->commit = m->hdr.flags & IKE1_FLAG_COMMIT;
	x->nr_len = IKE_NONCE_LEN;
	ike_random(x->nr, x->nr_len);
	if (p2.alg.dh) {
		x->dh = ike_dh_new(p2.alg.dh);
		len = x->dh ? ike_dh_public(x->dh, pub, sizeof(pub)) : -1;
		if (len < 0)
			goto drop;
		glen = ike_dh_shared(x->dh, ke.p, ke.len, x->gxy, sizeof(x->gxy));
		if (glen < 0) {
			ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: the peer's PFS public value is "
				"invalid", ike_sa_name(sa), x->msgid);
			goto drop;
		}
		x->gxy_len = (size_t)glen;
	}
	ike1_p2_reply(&reply, &peer, pi, ti, spi);
	ike1_out_begin(&o, sa, IKE1_EXCH_QUICK, x->msgid, true);
	hoff = ike1_out_hash_reserve(&o, sa);
	ike1_enc_sa(&o.e, &reply);
	ike1_enc_data(&o.e, IKE1_PL_NONCE, x->nr, x->nr_len);
	if (p2.alg.dh)
		ike1_enc_data(&o.e, IKE1_PL_KE, pub, (size_t)len);
	{
		unsigned int from = 0;
		const struct ike_pl *idp;

		/* The IDs go back as they came. */
		while ((idp = ike_msg_find(m, IKE1_PL_ID, &from)))
			ike_enc_raw(&o.e, IKE1_PL_ID, false, &idp->body);
	}
	ni.p = x->ni;
	ni.len = x->ni_len;
	ike1_out_hash(&o, sa, hoff, false, x->msgid, &ni, NULL);
	/* The inbound SA now; the outbound one when message 3 says the peer has its own. */
	if (install(sa, x, c, RESPONDER_OUT_WAIT_MS))
		goto drop;
	x->st = IKE1_QM_R1;
	if (ike1_out_send(sa, &o, &x->iv, &x->last))
		goto drop;
	x->old = predecessor(sa, c);
	child_up(sa, x, c);
	ike_timer_arm(&x->timer, 1000);
	return;
drop:
	ike1_x_free(x);
}

static void in_qm3(struct ike_sa *sa, const struct ike_msg *m, struct ike1_x *x)
{
	struct ike_view ni = { x->ni, x->ni_len }, nr = { x->nr, x->nr_len };
	struct ike_child *c = x->child;
	uint8_t spi[4];

	if (!ike1_hash_ok(sa, m, true, x->msgid, &ni, &nr)) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: bad HASH(3): dropped",
			ike_sa_name(sa), x->msgid);
		return;
	}
	ike_timer_cancel(&x->timer);
	x->st = IKE1_QM_DONE;
	if (!c)
		return;		/* deleted meanwhile */
	ike_child_install_out(c);
	if (x->commit) {
		put_be32(spi, c->spi_in);
		ike1_send_notify(sa, IKE1_N_CONNECTED, IKE_PROTO_ESP, spi, 4, NULL, 0);
	}
	ike_timer_arm(&x->timer, 30000);
}

void ike1_quick_in(struct ike_sa *sa, struct ike_msg *m, struct ike1_x *x)
{
	if (x->st == IKE1_QM_DONE)
		return;
	if (x->initiator) {
		if (x->st == IKE1_QM_I1)
			in_qm2(sa, m, x);
		return;
	}
	/* A responder's exchange starts in the state 0 too, with nothing sent. */
	if (x->st == IKE1_QM_I1 && !x->last.out)
		in_qm1(sa, m, x);
	else if (x->st == IKE1_QM_R1)
		in_qm3(sa, m, x);
}
