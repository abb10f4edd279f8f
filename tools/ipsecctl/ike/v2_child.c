// SPDX-License-Identifier: GPL-2.0-only
/*
 * Child SAs: their SA and TS payloads in IKE_AUTH and CREATE_CHILD_SA
 * (RFC 7296 1.3, 2.9), and CREATE_CHILD_SA for a new child, a child rekey
 * (1.3.3, with or without PFS) and an IKE SA rekey (1.3.2, 2.18), with
 * rekey collisions settled by the nonces (2.8.1).
 */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nfesp.h>
#include "daemon_int.h"
#include "ikev2.h"
#include "kernel.h"
#include "keylog.h"
#include "log.h"

static void log_line(void *arg, const char *text)
{
	ike_log(IKE_LOG_WARN, "%s:   %s", (const char *)arg, text);
}

static void put_ts(struct ike_out *o, uint8_t type, const struct ike_tsel *t, unsigned int n)
{
	uint8_t storage[IKE_TS_MAX][32];
	struct ike_ts_pl pl;

	ike_ts_pl_build(&pl, t, n, storage);
	ike_enc_ts(&o->e, type, &pl);
}

static unsigned int conf_tsel(const struct ike_sel *s, unsigned int n, struct ike_tsel *out,
			      unsigned int max)
{
	unsigned int i;

	for (i = 0; i < n && i < max; i++)
		ike_tsel_from_sel(&out[i], &s[i]);
	return i;
}

static unsigned int dec_tsel(const struct ike_pl *pl, struct ike_tsel *out)
{
	struct ike_ts_pl ts;
	unsigned int i, n = 0;

	if (!pl || ike_dec_ts(pl, &ts))
		return 0;
	for (i = 0; i < ts.n && n < IKE_TS_MAX; i++)
		if (!ike_tsel_from_ts(&out[n], &ts.ts[i]))
			n++;
	return n;
}

void ike2_log_child(struct ike_child *c)
{
	char a[128], b[128];

	ike_log(IKE_LOG_INFO, "%s: child SA 0x%08x/0x%08x %s %s: %s%s === %s%s",
		ike_sa_name(c->ike), c->spi_in, c->spi_out,
		c->mode == NFESP_MODE_TRANSPORT ? "transport" : "tunnel",
		ike_chosen_str(&c->alg, IKE_PROTO_ESP, (char[96]){ 0 }, 96),
		ike_tsel_str(&c->ts_local[0], a, sizeof(a)), c->nlocal > 1 ? " ..." : "",
		ike_tsel_str(&c->ts_remote[0], b, sizeof(b)), c->nremote > 1 ? " ..." : "");
}

/* Nonce, and KE with PFS: what a CREATE_CHILD_SA request carries. */
static int put_nonce_ke(struct ike_out *o, struct ike_req *r, uint16_t group)
{
	uint8_t pub[1024];
	struct ike_view nv = { r->nonce, IKE_NONCE_LEN };
	int len;

	ike_random(r->nonce, IKE_NONCE_LEN);
	ike_enc_nonce(&o->e, &nv);
	if (!group)
		return 0;
	r->dh = ike_dh_new(group);
	if (!r->dh)
		return -1;
	len = ike_dh_public(r->dh, pub, sizeof(pub));
	if (len < 0)
		return -1;
	ike_enc_ke(&o->e, &(struct ike_ke){ .group = group, .data = { pub, (size_t)len } });
	return 0;
}

/*
 * The initiator's SA, [Ni, KE,] TSi and TSr for a child: a new one (the
 * trigger first, then the rule's selectors), or r->child's successor.
 */
int ike2_child_offer(struct ike_sa *sa, struct ike_out *o, struct ike_req *r, bool create)
{
	struct ike_conn *conn = sa->conn;
	struct ike_prop_conf pc = conn->child;
	struct ike_child *c;
	uint32_t spi;
	int err;

	err = kb_spi_alloc(&sa->local.addr, &sa->remote.addr, &spi);
	if (err) {
		ike_log(IKE_LOG_ERR, "%s: no SPI from the module: %s", ike_sa_name(sa),
			kb_last_error());
		return -1;
	}
	c = ike_child_new(sa);
	if (!c)
		return -1;
	c->spi_in = spi;
	c->initiator = true;
	r->new_child = c;
	r->spi_in = spi;
	/* No Diffie-Hellman in IKE_AUTH: that child's keys come from the IKE SA's. */
	if (!create)
		pc.ndh = 0;
	put_be32(r->spi_bytes, spi);
	ike_prop_build(&r->offered, &pc, IKE_PROTO_ESP, r->spi_bytes, 4);
	ike_enc_sa(&o->e, &r->offered);
	if (create && put_nonce_ke(o, r, pc.ndh ? pc.dh[0] : 0))
		return -1;
	if (r->child) {
		memcpy(r->tsi, r->child->ts_local, sizeof(r->tsi));
		memcpy(r->tsr, r->child->ts_remote, sizeof(r->tsr));
		r->ntsi = r->child->nlocal;
		r->ntsr = r->child->nremote;
	} else {
		r->ntsi = r->ntsr = 0;
		if (sa->has_trigger) {
			r->tsi[r->ntsi++] = sa->trigger_src;
			r->tsr[r->ntsr++] = sa->trigger_dst;
		}
		r->ntsi += conf_tsel(conn->from, conn->nfrom, r->tsi + r->ntsi,
				     IKE_TS_MAX - r->ntsi);
		r->ntsr += conf_tsel(conn->to, conn->nto, r->tsr + r->ntsr,
				     IKE_TS_MAX - r->ntsr);
	}
	put_ts(o, IKE_PL_TSI, r->tsi, r->ntsi);
	put_ts(o, IKE_PL_TSR, r->tsr, r->ntsr);
	if (conn->mode == NFESP_MODE_TRANSPORT)
		ike2_out_notify(o, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	return 0;
}

/*
 * The responder's choice for a child: proposal, SPIs, selectors. reply
 * points into spib, which must live until it is encoded.
 */
static int child_decide(struct ike_sa *sa, const struct ike2_pls *p, struct ike_child *c,
			bool create, uint16_t ke_group, uint16_t *err, struct ike_sa_pl *reply,
			uint8_t *spib)
{
	struct ike_conn *conn = sa->conn;
	struct ike_prop_conf pc = conn->child;
	struct ike_tsel peer_i[IKE_TS_MAX], peer_r[IKE_TS_MAX], mine[IKE_TS_MAX];
	struct ike_sa_pl sapl, ours;
	unsigned int npi, npr, nmine;
	uint32_t spi;
	int idx;

	*err = IKE_N_INVALID_SYNTAX;
	if (!p->sa || !p->tsi || !p->tsr || ike_dec_sa(p->sa, &sapl))
		return -1;
	if (!create)
		pc.ndh = 0;
	idx = ike_prop_select_flags(&sapl, &pc, IKE_PROTO_ESP, ke_group,
				    create ? 0 : IKE_PROP_SKIP_DH, &c->alg);
	if (idx < 0 || sapl.prop[idx].spi_size != 4) {
		ike_prop_build(&ours, &pc, IKE_PROTO_ESP, (uint8_t[4]){ 0 }, 4);
		ike_log(IKE_LOG_WARN, "%s: no ESP proposal in common (NO_PROPOSAL_CHOSEN):",
			ike_sa_name(sa));
		ike_prop_log_mismatch(&sapl, &ours, log_line, (void *)ike_sa_name(sa));
		*err = IKE_N_NO_PROPOSAL_CHOSEN;
		return -1;
	}
	if (c->alg.dh && c->alg.dh != ke_group) {
		*err = IKE_N_INVALID_KE_PAYLOAD;
		return -1;
	}
	npi = dec_tsel(p->tsi, peer_i);
	npr = dec_tsel(p->tsr, peer_r);
	/* TSi is the initiator's side: our "to"; TSr ours, "from". */
	nmine = conf_tsel(conn->to, conn->nto, mine, IKE_TS_MAX);
	c->nremote = ike_ts_narrow(peer_i, npi, mine, nmine, c->ts_remote, IKE_TS_MAX);
	nmine = conf_tsel(conn->from, conn->nfrom, mine, IKE_TS_MAX);
	c->nlocal = ike_ts_narrow(peer_r, npr, mine, nmine, c->ts_local, IKE_TS_MAX);
	if (!c->nremote || !c->nlocal) {
		ike_log(IKE_LOG_WARN, "%s: the peer's traffic selectors are outside the rule "
			"(TS_UNACCEPTABLE)", ike_sa_name(sa));
		*err = IKE_N_TS_UNACCEPTABLE;
		return -1;
	}
	if (conn->mode == NFESP_MODE_TRANSPORT &&
	    !ike2_notify(p, IKE_N_USE_TRANSPORT_MODE, NULL)) {
		ike_log(IKE_LOG_WARN, "%s: the peer asks for tunnel mode; the rule says transport",
			ike_sa_name(sa));
		*err = IKE_N_NO_PROPOSAL_CHOSEN;
		return -1;
	}
	c->mode = conn->mode;
	c->spi_out = get_be32(sapl.prop[idx].spi);
	if (kb_spi_alloc(&sa->local.addr, &sa->remote.addr, &spi)) {
		ike_log(IKE_LOG_ERR, "%s: no SPI from the module: %s", ike_sa_name(sa),
			kb_last_error());
		*err = IKE_N_TEMPORARY_FAILURE;
		return -1;
	}
	c->spi_in = spi;
	c->initiator = false;
	put_be32(spib, spi);
	ike_prop_reply(reply, &c->alg, IKE_PROTO_ESP, sapl.prop[idx].num, spib, 4);
	*err = 0;
	return 0;
}

static void put_answer_ts(struct ike_out *o, struct ike_child *c)
{
	put_ts(o, IKE_PL_TSI, c->ts_remote, c->nremote);
	put_ts(o, IKE_PL_TSR, c->ts_local, c->nlocal);
	if (c->mode == NFESP_MODE_TRANSPORT)
		ike2_out_notify(o, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
}

/* IKE_AUTH's child: chosen, installed (keys from the IKE SA's nonces), answered. */
int ike2_child_answer(struct ike_sa *sa, struct ike_out *o, const struct ike2_pls *p,
		      struct ike_child *c, uint16_t *err)
{
	struct ike_view ni = { sa->ni, sa->ni_len }, nr = { sa->nr, sa->nr_len };
	struct ike_sa_pl reply;
	uint8_t spib[4];

	if (child_decide(sa, p, c, false, 0, err, &reply, spib))
		return -1;
	if (ike_child_install(c, NULL, &ni, &nr, false)) {
		*err = IKE_N_TEMPORARY_FAILURE;
		return -1;
	}
	ike2_child_timers(c);
	ike_enc_sa(&o->e, &reply);
	put_answer_ts(o, c);
	return 0;
}

/* The initiator takes the responder's answer for child c and installs it. */
int ike2_child_accept(struct ike_sa *sa, struct ike_req *r, const struct ike2_pls *p,
		      struct ike_child *c)
{
	struct ike_tsel ti[IKE_TS_MAX], tr[IKE_TS_MAX];
	struct ike_view ni, nr, gir = { NULL, 0 };
	uint8_t secret[1024];
	struct ike_sa_pl sapl;
	struct ike_ke ke;
	const char *why = NULL;
	unsigned int nti, ntr;
	int len, err = -1;

	if (!p->sa || ike_dec_sa(p->sa, &sapl) ||
	    ike_prop_accept(&sapl, &r->offered, IKE_PROTO_ESP, &c->alg, &why) ||
	    sapl.prop[0].spi_size != 4) {
		ike_log(IKE_LOG_WARN, "%s: the peer's ESP proposal is not one we sent: %s",
			ike_sa_name(sa), why ? why : "no SA payload");
		return -1;
	}
	c->spi_out = get_be32(sapl.prop[0].spi);
	nti = dec_tsel(p->tsi, ti);
	ntr = dec_tsel(p->tsr, tr);
	if (!nti || !ntr || !ike_ts_within(ti, nti, r->tsi, r->ntsi) ||
	    !ike_ts_within(tr, ntr, r->tsr, r->ntsr)) {
		ike_log(IKE_LOG_WARN, "%s: the peer's traffic selectors are not within ours",
			ike_sa_name(sa));
		return -1;
	}
	memcpy(c->ts_local, ti, sizeof(ti));
	memcpy(c->ts_remote, tr, sizeof(tr));
	c->nlocal = nti;
	c->nremote = ntr;
	c->mode = ike2_notify(p, IKE_N_USE_TRANSPORT_MODE, NULL) ? NFESP_MODE_TRANSPORT
								: NFESP_MODE_TUNNEL;
	if (c->mode != sa->conn->mode) {
		ike_log(IKE_LOG_WARN, "%s: the peer chose %s mode; the rule says %s", ike_sa_name(sa),
			c->mode == NFESP_MODE_TRANSPORT ? "transport" : "tunnel",
			sa->conn->mode == NFESP_MODE_TRANSPORT ? "transport" : "tunnel");
		return -1;
	}
	if (r->kind == IKE_REQ_AUTH) {
		ni = (struct ike_view){ sa->ni, sa->ni_len };
		nr = (struct ike_view){ sa->nr, sa->nr_len };
	} else {
		ni = (struct ike_view){ r->nonce, IKE_NONCE_LEN };
		if (!p->nonce || ike_dec_nonce(p->nonce, &nr))
			return -1;
		if (c->alg.dh) {
			if (!p->ke || ike_dec_ke(p->ke, &ke) || ke.group != c->alg.dh || !r->dh)
				return -1;
			len = ike_dh_shared(r->dh, ke.data.p, ke.data.len, secret, sizeof(secret));
			if (len < 0)
				return -1;
			gir.p = secret;
			gir.len = (size_t)len;
		}
	}
	err = ike_child_install(c, c->alg.dh ? &gir : NULL, &ni, &nr, false);
	ike_wipe(secret, sizeof(secret));
	if (err)
		return -1;
	ike2_child_timers(c);
	ike2_log_child(c);
	daemon_child_up(c);
	return 0;
}

static int child_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
		      const struct ike2_pls *p);

static int send_create(struct ike_sa *sa, struct ike_child *old)
{
	static struct ike_out o;
	struct ike_req *r;
	uint8_t spib[4];

	r = ike2_req_new(old ? IKE_REQ_CHILD_REKEY : IKE_REQ_CHILD_NEW, child_resp);
	if (!r)
		return -1;
	r->child = old;
	ike2_out_enc(&o);
	if (old) {
		put_be32(spib, old->spi_in);
		ike2_out_notify(&o, IKE_PROTO_ESP, spib, 4, IKE_N_REKEY_SA, NULL, 0);
	}
	if (ike2_child_offer(sa, &o, r, true)) {
		ike_req_free(r);
		return -1;
	}
	ike_log(IKE_LOG_INFO, "%s: CREATE_CHILD_SA: %s", ike_sa_name(sa),
		old ? "rekeying child SA" : "new child SA");
	if (ike2_request(sa, &o, IKE_EXCH_CREATE_CHILD_SA, r))
		return -1;
	if (old)
		old->state = CHILD_S_REKEYING;
	return 0;
}

void ike2_rekey_child(struct ike_child *c)
{
	if (send_create(c->ike, c))
		ike_log(IKE_LOG_WARN, "%s: cannot rekey child SA 0x%08x", ike_sa_name(c->ike),
			c->spi_in);
}

int ike2_new_child(struct ike_sa *sa)
{
	return send_create(sa, NULL);
}

static int nonce_min(const struct ike_view *a, const struct ike_view *b, uint8_t *out)
{
	const struct ike_view *m = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len) <= 0 ?
				   a : b;

	memcpy(out, m->p, m->len);
	return (int)m->len;
}

static int child_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
		      const struct ike2_pls *p)
{
	struct ike_child *old = r->child, *c = r->new_child;
	struct ike_notify n;
	struct ike_view ni, nr;
	uint8_t ours[IKE_NONCE_MAX];
	uint16_t err = ike2_error_notify(p);
	int len;

	r->new_child = NULL;
	if (err) {
		ike_child_free(c);
		if (old && old->state == CHILD_S_REKEYING)
			old->state = CHILD_S_INSTALLED;
		if (old && old->rekeyed_by_peer) {
			ike2_child_replaced(old, false);
			return 0;
		}
		if (err == IKE_N_TEMPORARY_FAILURE && old) {
			ike_log(IKE_LOG_INFO, "%s: the peer is busy (TEMPORARY_FAILURE): rekey later",
				ike_sa_name(sa));
			ike_timer_arm(&old->rekey_timer, 2000);
		} else if (err == IKE_N_CHILD_SA_NOT_FOUND && old) {
			ike_log(IKE_LOG_INFO, "%s: the peer has no child SA 0x%08x: replacing it",
				ike_sa_name(sa), old->spi_in);
			ike_child_free(old);
			sa->pending_child = true;
		} else if (err == IKE_N_INVALID_KE_PAYLOAD && ike2_notify(p, err, &n)) {
			ike_log(IKE_LOG_WARN, "%s: the peer wants another PFS group; add it to "
				"childsa group", ike_sa_name(sa));
		} else {
			ike_log(IKE_LOG_WARN, "%s: CREATE_CHILD_SA refused with error %u",
				ike_sa_name(sa), err);
		}
		return 0;
	}
	if (ike2_child_accept(sa, r, p, c)) {
		ike_child_free(c);
		if (old)
			old->state = CHILD_S_INSTALLED;
		if (old && old->rekeyed_by_peer)
			ike2_child_replaced(old, false);
		return 0;
	}
	if (!old)
		return 0;
	if (old->rekeyed_by_peer) {
		/* Both rekeyed it (2.8.1): the exchange with the lowest nonce is redundant. */
		ni = (struct ike_view){ r->nonce, IKE_NONCE_LEN };
		if (ike_dec_nonce(p->nonce, &nr))
			return 0;
		len = nonce_min(&ni, &nr, ours);
		if (memcmp(ours, old->peer_nonce_min,
			   (size_t)len < old->peer_nonce_min_len ? (size_t)len
								 : old->peer_nonce_min_len) < 0) {
			ike_log(IKE_LOG_INFO, "%s: rekey collision: ours lost; deleting our new "
				"child SA 0x%08x", ike_sa_name(sa), c->spi_in);
			ike2_child_replaced(c, true);
			ike2_child_replaced(old, false);
			return 0;
		}
		ike_log(IKE_LOG_INFO, "%s: rekey collision: ours won", ike_sa_name(sa));
	}
	ike2_child_replaced(old, true);
	return 0;
}

static int ike_rekey_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
			  const struct ike2_pls *p);

void ike2_rekey_ike(struct ike_sa *sa)
{
	static struct ike_out o;
	struct ike_prop_conf pc = sa->conn->ike;
	struct ike_sa *n;
	struct ike_req *r;
	unsigned int i;

	r = ike2_req_new(IKE_REQ_IKE_REKEY, ike_rekey_resp);
	n = ike_sa_new(sa->conn, true);
	if (!r || !n)
		goto fail;
	r->new_ike = n;
	n->state = IKE_S_INIT_SENT;
	n->rekey_of = sa;
	n->local = sa->local;
	n->remote = sa->remote;
	/* The group in use first (the peer took it once), or the one it asked for. */
	for (i = 0; i < pc.ndh; i++) {
		uint16_t want = sa->dh_group ? sa->dh_group : sa->alg.dh;

		if (pc.dh[i] == want) {
			pc.dh[i] = pc.dh[0];
			pc.dh[0] = want;
		}
	}
	ike2_out_enc(&o);
	ike_prop_build(&r->offered, &pc, IKE_PROTO_IKE, n->spi_i, IKE_SPI_LEN);
	ike_enc_sa(&o.e, &r->offered);
	if (put_nonce_ke(&o, r, pc.dh[0]))
		goto fail;
	ike_log(IKE_LOG_INFO, "%s: CREATE_CHILD_SA: rekeying the IKE SA", ike_sa_name(sa));
	ike2_request(sa, &o, IKE_EXCH_CREATE_CHILD_SA, r);	/* r owns n */
	return;
fail:
	if (r)
		r->new_ike = n;
	else if (n)
		ike2_sa_dead(n, NULL);
	ike_req_free(r);
}

/* The new IKE SA's keys (RFC 7296 2.18) and the children moved to it. */
static int ike_rekey_finish(struct ike_sa *old, struct ike_sa *n, const struct ike_view *gir)
{
	uint8_t skeyseed[IKE_KEY_MAX];
	struct ike_view ni = { n->ni, n->ni_len }, nr = { n->nr, n->nr_len };
	int err;

	n->keys.prf = ike_prf_alg(n->alg.prf);
	n->keys.encr = ike_encr_alg(n->alg.encr, n->alg.encr_keybits);
	n->keys.integ = n->alg.integ ? ike_integ_alg(n->alg.integ) : NULL;
	if (!n->keys.prf || !n->keys.encr)
		return -1;
	err = ike2_skeyseed_rekey(old->keys.prf, old->keys.sk_d, gir, &ni, &nr, skeyseed);
	if (!err)
		err = ike2_derive(&n->keys, skeyseed, &ni, &nr, n->spi_i, n->spi_r);
	ike_wipe(skeyseed, sizeof(skeyseed));
	if (err)
		return -1;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->natt = old->natt;
	n->peer_frag = old->peer_frag;
	n->initial_contact_sent = true;
	n->rekey_of = NULL;
	while (old->children)
		ike_child_move(old->children, n);
	old->replaced = true;
	ike2_established(n);
	ike_keylog_ike(n);
	ike_log(IKE_LOG_INFO, "%s: IKE SA rekeyed: now #%u (%02x%02x%02x%02x...)",
		ike_sa_name(old), n->serial, n->spi_i[0], n->spi_i[1], n->spi_i[2], n->spi_i[3]);
	return 0;
}

static int ike_rekey_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
			  const struct ike2_pls *p)
{
	struct ike_sa *n = r->new_ike;
	struct ike_notify nt;
	struct ike_sa_pl sapl;
	struct ike_ke ke;
	struct ike_view nr, gir;
	uint8_t secret[1024];
	const char *why = NULL;
	uint16_t err = ike2_error_notify(p);
	int len;

	r->new_ike = NULL;
	if (err || !p->sa || !p->ke || !p->nonce || ike_dec_sa(p->sa, &sapl) ||
	    ike_dec_ke(p->ke, &ke) || ike_dec_nonce(p->nonce, &nr) || nr.len > IKE_NONCE_MAX ||
	    ike_prop_accept(&sapl, &r->offered, IKE_PROTO_IKE, &n->alg, &why) ||
	    sapl.prop[0].spi_size != IKE_SPI_LEN || ke.group != n->alg.dh) {
		ike_log(IKE_LOG_WARN, "%s: IKE SA rekey refused or malformed (error %u%s%s)",
			ike_sa_name(sa), err, why ? ": " : "", why ? why : "");
		ike2_sa_dead(n, NULL);
		if (err == IKE_N_INVALID_KE_PAYLOAD && ike2_notify(p, err, &nt) &&
		    nt.data.len == 2) {
			sa->dh_group = (uint16_t)(nt.data.p[0] << 8 | nt.data.p[1]);
			ike_timer_arm(&sa->rekey_timer, 0);
		} else {
			ike_timer_arm(&sa->rekey_timer, err == IKE_N_TEMPORARY_FAILURE ? 2000 : 30000);
		}
		return 0;
	}
	memcpy(n->spi_r, sapl.prop[0].spi, IKE_SPI_LEN);
	memcpy(n->ni, r->nonce, IKE_NONCE_LEN);
	n->ni_len = IKE_NONCE_LEN;
	memcpy(n->nr, nr.p, nr.len);
	n->nr_len = nr.len;
	len = ike_dh_shared(r->dh, ke.data.p, ke.data.len, secret, sizeof(secret));
	if (len < 0) {
		ike2_sa_dead(n, NULL);
		return 0;
	}
	gir = (struct ike_view){ secret, (size_t)len };
	err = ike_rekey_finish(sa, n, &gir);
	ike_wipe(secret, sizeof(secret));
	if (err) {
		ike2_sa_dead(n, NULL);
		return 0;
	}
	/* The old IKE SA goes now that the new one carries everything. */
	sa->want_delete = true;
	return 0;
}

static bool children_busy(const struct ike_sa *sa)
{
	const struct ike_child *c;

	for (c = sa->children; c; c = c->next)
		if (c->state != CHILD_S_INSTALLED)
			return true;
	return false;
}

static void rekeyed_expired(struct ike_timer *t)
{
	struct ike_sa *sa = (struct ike_sa *)((char *)t - offsetof(struct ike_sa, expire_timer));

	ike2_sa_dead(sa, "replaced by a rekey, and the peer never deleted it");
}

/* The responder's side of an IKE SA rekey. */
static int ike_rekey_in(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p,
			struct ike_out *o, uint16_t *nerr)
{
	struct ike_sa_pl sapl, reply;
	struct ike_chosen chosen;
	struct ike_ke ke;
	struct ike_view ni, nrv, gir;
	uint8_t secret[1024], pub[1024];
	struct ike_sa *n;
	struct ike_dh *dh;
	int idx, len, plen, err;

	*nerr = IKE_N_INVALID_SYNTAX;
	if (!p->ke || !p->nonce || ike_dec_sa(p->sa, &sapl) || ike_dec_ke(p->ke, &ke) ||
	    ike_dec_nonce(p->nonce, &ni) || ni.len > IKE_NONCE_MAX)
		return -1;
	idx = ike_prop_select(&sapl, &sa->conn->ike, IKE_PROTO_IKE, ke.group, &chosen);
	if (idx < 0 || sapl.prop[idx].spi_size != IKE_SPI_LEN) {
		*nerr = IKE_N_NO_PROPOSAL_CHOSEN;
		return -1;
	}
	if (chosen.dh != ke.group) {
		*nerr = IKE_N_INVALID_KE_PAYLOAD;
		return -1;
	}
	n = ike_sa_new(sa->conn, false);
	dh = ike_dh_new(chosen.dh);
	if (!n || !dh)
		goto fail;
	memcpy(n->spi_i, sapl.prop[idx].spi, IKE_SPI_LEN);
	n->local = sa->local;
	n->remote = sa->remote;
	n->alg = chosen;
	memcpy(n->ni, ni.p, ni.len);
	n->ni_len = ni.len;
	n->nr_len = IKE_NONCE_LEN;
	ike_random(n->nr, n->nr_len);
	len = ike_dh_shared(dh, ke.data.p, ke.data.len, secret, sizeof(secret));
	plen = ike_dh_public(dh, pub, sizeof(pub));
	ike_dh_free(dh);
	dh = NULL;
	if (len < 0 || plen < 0)
		goto fail;
	gir = (struct ike_view){ secret, (size_t)len };
	err = ike_rekey_finish(sa, n, &gir);
	ike_wipe(secret, sizeof(secret));
	if (err)
		goto fail;
	ike_prop_reply(&reply, &chosen, IKE_PROTO_IKE, sapl.prop[idx].num, n->spi_r, IKE_SPI_LEN);
	ike_enc_sa(&o->e, &reply);
	nrv = (struct ike_view){ n->nr, n->nr_len };
	ike_enc_nonce(&o->e, &nrv);
	ike_enc_ke(&o->e, &(struct ike_ke){ .group = chosen.dh, .data = { pub, (size_t)plen } });
	/* The initiator deletes this one; if it never does, it goes anyway. */
	sa->state = IKE_S_REKEYED;
	ike_timer_cancel(&sa->rekey_timer);
	ike_timer_cancel(&sa->dpd_timer);
	ike_timer_cancel(&sa->expire_timer);
	ike_timer_init(&sa->expire_timer, rekeyed_expired);
	ike_timer_arm(&sa->expire_timer, 60000);
	return 0;
fail:
	ike_dh_free(dh);
	if (n)
		ike2_sa_dead(n, NULL);
	*nerr = IKE_N_TEMPORARY_FAILURE;
	return -1;
}

int ike2_child_in_req(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p)
{
	static struct ike_out o;
	struct ike_child *old = NULL, *c = NULL;
	struct ike_notify n;
	struct ike_sa_pl sapl, reply;
	struct ike_view ni, nrv, gir = { NULL, 0 };
	struct ike_ke ke = { 0 };
	struct ike_dh *dh = NULL;
	uint8_t nr[IKE_NONCE_LEN], secret[1024], pub[1024], gb[2], spib[4];
	uint16_t err = 0;
	int len, plen = 0;

	ike2_out_enc(&o);
	if (sa->state != IKE_S_ESTABLISHED) {
		err = IKE_N_TEMPORARY_FAILURE;
		goto refuse;
	}
	if (!p->sa || ike_dec_sa(p->sa, &sapl) || !sapl.nprop) {
		err = IKE_N_INVALID_SYNTAX;
		goto refuse;
	}
	if (sapl.prop[0].protocol == IKE_PROTO_IKE) {
		if (sa->req || children_busy(sa)) {
			/*
			 * An exchange of ours is out (our own IKE rekey among them),
			 * or a child is half rekeyed or deleted: the peer tries
			 * again later (2.25, as strongSwan does).
			 */
			err = IKE_N_TEMPORARY_FAILURE;
			goto refuse;
		}
		if (ike_rekey_in(sa, m, p, &o, &err))
			goto refuse;
		return ike2_respond(sa, &o, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid);
	}
	if (ike2_notify(p, IKE_N_REKEY_SA, &n)) {
		if (n.spi_size != 4 ||
		    n.protocol != IKE_PROTO_ESP ||
		    !(old = ike_child_by_spi_out(sa, get_be32(n.spi))) ||
		    old->state == CHILD_S_DELETING) {
			err = IKE_N_CHILD_SA_NOT_FOUND;
			goto refuse;
		}
	}
	if (!p->nonce || ike_dec_nonce(p->nonce, &ni) || ni.len > IKE_NONCE_MAX ||
	    (p->ke && ike_dec_ke(p->ke, &ke))) {
		err = IKE_N_INVALID_SYNTAX;
		goto refuse;
	}
	c = ike_child_new(sa);
	if (!c)
		return -1;
	if (child_decide(sa, p, c, true, p->ke ? ke.group : 0, &err, &reply, spib)) {
		if (err == IKE_N_INVALID_KE_PAYLOAD) {
			gb[0] = c->alg.dh >> 8;
			gb[1] = c->alg.dh & 0xff;
			ike_child_free(c);
			ike2_out_notify(&o, 0, NULL, 0, err, gb, 2);
			return ike2_respond(sa, &o, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid);
		}
		ike_child_free(c);
		goto refuse;
	}
	ike_random(nr, sizeof(nr));
	if (c->alg.dh) {
		dh = ike_dh_new(c->alg.dh);
		len = dh ? ike_dh_shared(dh, ke.data.p, ke.data.len, secret, sizeof(secret)) : -1;
		plen = dh ? ike_dh_public(dh, pub, sizeof(pub)) : -1;
		ike_dh_free(dh);
		if (len < 0 || plen < 0) {
			ike_child_free(c);
			err = IKE_N_INVALID_SYNTAX;
			goto refuse;
		}
		gir = (struct ike_view){ secret, (size_t)len };
	}
	nrv = (struct ike_view){ nr, sizeof(nr) };
	/* A rekey's new outbound SA waits for the initiator to have the inbound one. */
	if (ike_child_install(c, c->alg.dh ? &gir : NULL, &ni, &nrv, old != NULL)) {
		ike_wipe(secret, sizeof(secret));
		ike_child_free(c);
		err = IKE_N_TEMPORARY_FAILURE;
		goto refuse;
	}
	ike_wipe(secret, sizeof(secret));
	ike2_child_timers(c);
	ike_enc_sa(&o.e, &reply);
	ike_enc_nonce(&o.e, &nrv);
	if (c->alg.dh)
		ike_enc_ke(&o.e, &(struct ike_ke){ .group = c->alg.dh,
						   .data = { pub, (size_t)plen } });
	put_answer_ts(&o, c);
	if (old) {
		old->successor = c;
		if (old->state == CHILD_S_REKEYING) {
			/* Our rekey of it is out too: child_resp settles it. */
			old->rekeyed_by_peer = true;
			old->peer_nonce_min_len = (size_t)nonce_min(&ni, &nrv, old->peer_nonce_min);
		} else {
			ike2_child_replaced(old, false);
		}
	}
	ike2_log_child(c);
	daemon_child_up(c);
	return ike2_respond(sa, &o, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid);
refuse:
	ike2_out_notify(&o, 0, NULL, 0, err, NULL, 0);
	return ike2_respond(sa, &o, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid);
}
