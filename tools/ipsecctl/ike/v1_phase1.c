// SPDX-License-Identifier: GPL-2.0-only
/*
 * What main mode and aggressive mode share (RFC 2409 5): the keys from
 * Diffie-Hellman and the pre-shared key, identities and the HASH_I/HASH_R
 * that authenticate them, vendor IDs, NAT detection (RFC 3947 3), the
 * rule an incoming phase 1 belongs to, and the end of phase 1.
 */

#include <stdlib.h>
#include <string.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "keylog.h"
#include "log.h"

static const uint8_t vid_rfc3947[16] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
};
/* MD5("draft-ietf-ipsec-nat-t-ike-02\n"): what older peers know. */
static const uint8_t vid_natt_02n[16] = {
	0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
	0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f,
};
/* RFC 3706: version 1.0. */
static const uint8_t vid_dpd[16] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

void ike1_add_vids(struct ike_out *o)
{
	ike1_enc_data(&o->e, IKE1_PL_VID, vid_rfc3947, sizeof(vid_rfc3947));
	ike1_enc_data(&o->e, IKE1_PL_VID, vid_natt_02n, sizeof(vid_natt_02n));
	ike1_enc_data(&o->e, IKE1_PL_VID, vid_dpd, sizeof(vid_dpd));
}

void ike1_read_vids(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_view v;
	unsigned int i;

	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != IKE1_PL_VID || ike1_dec_data(&m->pl[i], &v) || v.len != 16)
			continue;
		if (!memcmp(v.p, vid_rfc3947, 16)) {
			sa->v1->peer_natt = true;
			sa->v1->natd_type = IKE1_PL_NAT_D;
		} else if (!memcmp(v.p, vid_natt_02n, 16) && !sa->v1->natd_type) {
			sa->v1->peer_natt = true;
			sa->v1->natd_type = IKE1_PL_NAT_D_DRAFT;
		} else if (!memcmp(v.p, vid_dpd, 15)) {
			sa->v1->peer_dpd = true;
		}
	}
}

/* NAT-D = HASH(CKY-I | CKY-R | IP | Port), the negotiated hash (RFC 3947 3.2). */
static int natd_hash(const struct ike_sa *sa, const struct ike_ep *ep, uint8_t *out)
{
	uint8_t port[2] = { ep->port >> 8, ep->port & 0xff };
	const struct ike_view parts[] = {
		{ sa->spi_i, IKE_SPI_LEN }, { sa->spi_r, IKE_SPI_LEN },
		{ ep->addr.bytes, ep->addr.family == AF_INET ? 4 : 16 }, { port, 2 },
	};

	return ike_digest(sa->v1->k.md, parts, 4, out);
}

/* The peer's address first, then ours (RFC 3947 3.2). */
void ike1_add_natd(struct ike_out *o, struct ike_sa *sa)
{
	uint8_t h[IKE_KEY_MAX];

	if (!sa->v1->peer_natt)
		return;
	if (!natd_hash(sa, &sa->remote, h))
		ike1_enc_data(&o->e, sa->v1->natd_type, h, sa->v1->k.prf->len);
	if (!natd_hash(sa, &sa->local, h))
		ike1_enc_data(&o->e, sa->v1->natd_type, h, sa->v1->k.prf->len);
}

/*
 * The first NAT-D is of our address as the peer saw it, the others of the
 * peer's as it knows them: a mismatch says which side is behind a NAT.
 */
void ike1_detect_nat(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t mine[IKE_KEY_MAX], peer[IKE_KEY_MAX];
	size_t hl = sa->v1->k.prf->len;
	bool first = true, peer_match = false, any = false;
	struct ike_view d;
	unsigned int i;

	if (!sa->v1->peer_natt || natd_hash(sa, &sa->local, mine) ||
	    natd_hash(sa, &sa->remote, peer))
		return;
	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != IKE1_PL_NAT_D && m->pl[i].type != IKE1_PL_NAT_D_DRAFT)
			continue;
		if (ike1_dec_data(&m->pl[i], &d))
			continue;
		any = true;
		if (first)
			sa->nat_local = d.len != hl || memcmp(d.p, mine, hl);
		else if (d.len == hl && !memcmp(d.p, peer, hl))
			peer_match = true;
		first = false;
	}
	if (!any)
		return;
	sa->nat_remote = !peer_match;
	if (daemon_opts.force_natt)
		sa->nat_local = true;
	if (sa->nat_local || sa->nat_remote)
		ike_log(IKE_LOG_INFO, "%s: NAT detected (%s): IKE and ESP go over UDP 4500",
			ike_sa_name(sa), sa->nat_local ? (sa->nat_remote ? "both sides" : "this host")
						       : "the peer");
}

int ike1_p1_ke(struct ike_sa *sa, uint8_t *pub, size_t cap)
{
	ike_dh_free(sa->dh);
	sa->dh = ike_dh_new(sa->dh_group);
	if (!sa->dh)
		return -1;
	return ike_dh_public(sa->dh, pub, cap);
}

/*
 * From the peer's KE: g^xy, SKEYID from the key and the nonces, SKEYID_d,
 * _a, _e and the cipher key, and the first IV.
 */
int ike1_p1_keys(struct ike_sa *sa, const struct ike_view *peer_ke)
{
	struct ike1_state *v = sa->v1;
	struct ike1_keys *k = &v->k;
	struct ike_view ni = { sa->ni, sa->ni_len }, nr = { sa->nr, sa->nr_len };
	struct ike_view gxi = { v->gxi, v->gxi_len }, gxr = { v->gxr, v->gxr_len }, gxy;
	int len;

	if (peer_ke->len > IKE1_GX_MAX)
		return -1;
	len = ike_dh_shared(sa->dh, peer_ke->p, peer_ke->len, v->gxy, sizeof(v->gxy));
	if (len < 0) {
		ike_log(IKE_LOG_WARN, "%s: the peer's %s public value is invalid", ike_sa_name(sa),
			ike_dh_name(sa->dh_group));
		return -1;
	}
	v->gxy_len = (size_t)len;
	gxy.p = v->gxy;
	gxy.len = v->gxy_len;
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	k->prf = ike_prf_alg(v->p1.alg.prf);
	k->encr = ike_encr_alg(v->p1.alg.encr, v->p1.alg.encr_keybits);
	k->md = ike1_prf_md(v->p1.alg.prf);
	if (!k->prf || !k->encr || !k->md || !sa->conn)
		return -1;
	if (ike1_skeyid_psk(k, sa->conn->psk, sa->conn->psk_len, &ni, &nr) ||
	    ike1_derive(k, &gxy, sa->spi_i, sa->spi_r) || ike1_iv_phase1(k, &gxi, &gxr, &v->iv))
		return -1;
	ike_wipe(v->gxy, sizeof(v->gxy));
	return 0;
}

/* Our ID payload's body (type, protocol 0, port 0, data), or the peer's as configured. */
int ike1_id_body(const struct ike_sa *sa, bool local, uint8_t *buf, size_t cap)
{
	return ike2_id_body(sa, local, buf, cap);
}

bool ike1_peer_id_ok(const struct ike_sa *sa, const struct ike1_id *id)
{
	uint8_t want[4 + IKE_CONF_ID_MAX];
	int len = ike1_id_body(sa, false, want, sizeof(want));

	/* Without dstid and with "peer any", any ID will do: the key decides. */
	if (!sa->conn->dstid.type && sa->conn->peer_any)
		return true;
	return len >= 4 && id->type == want[0] && id->data.len == (size_t)len - 4 &&
	       !memcmp(id->data.p, want + 4, id->data.len);
}

static int hash_of(struct ike_sa *sa, bool of_initiator, const struct ike_view *id_b,
		   uint8_t *out)
{
	struct ike1_state *v = sa->v1;
	struct ike_view gxi = { v->gxi, v->gxi_len }, gxr = { v->gxr, v->gxr_len };
	struct ike_view sai = { v->sai_b, v->sai_b_len };

	return ike1_hash_auth(&v->k, of_initiator, &gxi, &gxr, sa->spi_i, sa->spi_r, &sai, id_b,
			      out);
}

int ike1_hash_mine(struct ike_sa *sa, const uint8_t *id_b, size_t id_len, uint8_t *out)
{
	struct ike_view id = { id_b, id_len };

	return hash_of(sa, sa->initiator, &id, out);
}

bool ike1_hash_peer_ok(struct ike_sa *sa, const struct ike_view *id_b, const struct ike_pl *hash)
{
	uint8_t want[IKE_KEY_MAX];
	struct ike_view got;
	bool ok;

	if (!hash || ike1_dec_data(hash, &got) || got.len != sa->v1->k.prf->len ||
	    hash_of(sa, !sa->initiator, id_b, want))
		return false;
	ok = ike_memeq(want, got.p, got.len);
	ike_wipe(want, sizeof(want));
	return ok;
}

/*
 * The rule for a phase 1 from remote to local: an IKEv1 rule of the same
 * mode (aggressive mode only where a rule asks for it, as responder too).
 */
struct ike_conn *ike1_conn_for(const struct ike_ep *local, const struct ike_ep *remote,
			       bool aggressive)
{
	struct ike_conn *c;

	for (c = daemon_cfg.conns; c; c = c->next) {
		if (c->version != 1 || c->aggressive != aggressive)
			continue;
		if (c->local.family && !addr_eq(&c->local, &local->addr))
			continue;
		if (c->peer_any || addr_eq(&c->peer, &remote->addr))
			return c;
	}
	return NULL;
}

/*
 * A responder's ISAKMP SA for the peer's first message m (its SA payload
 * sap, decoded in peer), the phase 1 proposal chosen: *ti is the chosen
 * transform. NULL, having answered NO-PROPOSAL-CHOSEN if that was why.
 */
struct ike_sa *ike1_p1_responder(struct ike_conn *conn, const struct ike_msg *m,
				 const struct ike_pl *sap, const struct ike1_sa_pl *peer,
				 const struct ike_ep *local, const struct ike_ep *remote,
				 bool aggressive, int *ti)
{
	static struct ike1_sa_pl ours;
	struct ike1_state *v;
	struct ike_sa *sa;

	sa = ike_sa_new(conn, false);
	if (!sa)
		return NULL;
	v = sa->v1 = calloc(1, sizeof(*sa->v1));
	if (!v)
		goto err_sa;
	v->aggressive = aggressive;
	memcpy(sa->spi_i, m->hdr.spi_i, IKE_SPI_LEN);
	sa->local = *local;
	sa->remote = *remote;
	sa->state = IKE_S_HALF_OPEN;
	*ti = ike1_p1_select(peer, &conn->ike, 0, &v->p1);
	if (*ti < 0) {
		ike_log(IKE_LOG_WARN, "%s: %s from %s: no proposal chosen", ike_sa_name(sa),
			aggressive ? "Aggressive Mode" : "Main Mode",
			addr_str(&remote->addr, (char[64]){ 0 }, 64));
		ike1_p1_build(&ours, &conn->ike, conn->ike_lifetime, aggressive);
		ike1_log_mismatch(sa, peer, &ours);
		ike1_send_notify(sa, IKE_N_NO_PROPOSAL_CHOSEN, IKE_PROTO_IKE, NULL, 0, NULL, 0);
		goto err_sa;
	}
	sa->dh_group = v->p1.alg.dh;
	v->k.prf = ike_prf_alg(v->p1.alg.prf);
	v->k.md = ike1_prf_md(v->p1.alg.prf);
	if (!v->k.prf || !v->k.md || ike1_keep_sai(sa, sap->body.p, sap->body.len))
		goto err_sa;
	ike1_read_vids(sa, m);
	ike1_seen(&v->last, m);
	return sa;
err_sa:
	ike2_sa_dead(sa, NULL);
	return NULL;
}

static void log_line(void *arg, const char *text)
{
	ike_log(IKE_LOG_WARN, "%s:   %s", (const char *)arg, text);
}

void ike1_log_mismatch(struct ike_sa *sa, const struct ike1_sa_pl *peer,
		       const struct ike1_sa_pl *ours)
{
	char who[96];

	snprintf(who, sizeof(who), "%s", ike_sa_name(sa));
	ike1_prop_log_mismatch(peer, ours, log_line, who);
}

/*
 * A newer phase 1 of the same rule takes over the children of an older one,
 * which is deleted. Both peers renewing at once make two new ISAKMP SAs, each
 * established while the other was being negotiated: both peers keep the one
 * with the lower initiator cookie, so that they agree.
 */
static void take_over(struct ike_sa *sa)
{
	struct ike_sa *o, *winner, *loser;

	for (o = ike_sas; o; o = o->next) {
		if (o == sa || o->version != 1 || o->state != IKE_S_ESTABLISHED ||
		    strcmp(o->conn_name, sa->conn_name) ||
		    !addr_eq(&o->remote.addr, &sa->remote.addr))
			continue;
		winner = sa;
		loser = o;
		if (o->established_ms >= sa->created_ms &&
		    memcmp(o->spi_i, sa->spi_i, IKE_SPI_LEN) < 0) {
			winner = o;
			loser = sa;
		}
		while (loser->children)
			ike_child_move(loser->children, winner);
		loser->replaced = true;
		ike_log(IKE_LOG_INFO, "%s: replaced by %s", ike_sa_name(loser), ike_sa_name(winner));
		loser->want_delete = true;
		ike1_kick(loser);
		if (loser == sa)
			return;
	}
}

void ike1_p1_done(struct ike_sa *sa)
{
	struct ike1_state *v = sa->v1;
	struct ike_child *c;

	v->st = IKE1_P1_DONE;
	sa->alg = v->p1.alg;
	free(v->offered);
	v->offered = NULL;
	ike_log(IKE_LOG_INFO, "%s: ISAKMP SA established with %s[%u] (%s, %s%s)", ike_sa_name(sa),
		addr_str(&sa->remote.addr, (char[64]){ 0 }, 64), sa->remote.port,
		v->aggressive ? "aggressive mode" : "main mode",
		ike_chosen_str(&sa->alg, IKE_PROTO_IKE, (char[96]){ 0 }, 96),
		sa->nat_local || sa->nat_remote ? ", NAT-T" : "");
	ike_keylog_ike1(sa);
	ike1_established(sa);
	take_over(sa);
	for (c = sa->children; c; c = c->next)
		if (c->state == CHILD_S_INSTALLED)
			sa->pending_child = false;
	if (!sa->initiator)
		sa->pending_child = false;	/* the initiator starts quick mode */
	ike1_kick(sa);
}
