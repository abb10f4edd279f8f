// SPDX-License-Identifier: GPL-2.0-only
/*
 * Aggressive mode (RFC 2409 5) with a pre-shared key, three messages:
 *
 *   1: HDR, SA, KE, Ni, IDii, VIDs
 *   2: HDR, SA, KE, Nr, IDir, HASH_R, VIDs, NAT-D, NAT-D
 *   3: HDR*, HASH_I, NAT-D, NAT-D
 *
 * The identities travel in the clear, so the responder can choose the
 * key by the initiator's identity; the price is that message 2 carries a
 * hash of the key that an eavesdropper can attack offline (the rule's
 * load warns). Only one group can be offered: the KE goes with the offer.
 * Message 3 goes encrypted, and is taken either way (strongSwan and
 * Libreswan encrypt it; RFC 2409 leaves it open).
 */

#include <stdlib.h>
#include <string.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "log.h"

static void enc_id(struct ike_out *o, const uint8_t *id_b, size_t len)
{
	struct ike1_id id = {
		.type = id_b[0], .data = { .p = id_b + 4, .len = len - 4 },
	};

	ike1_enc_id(&o->e, &id);
}

int ike1_aggr_start(struct ike_sa *sa)
{
	static struct ike_out o;
	struct ike1_state *v = sa->v1;
	struct ike_conn *conn = sa->conn;
	uint8_t pub[IKE1_GX_MAX], id_b[4 + IKE_CONF_ID_MAX];
	int len, idlen;
	size_t off;

	v->offered = calloc(1, sizeof(*v->offered));
	if (!v->offered)
		return -1;
	ike1_p1_build(v->offered, &conn->ike, conn->ike_lifetime, true);
	sa->dh_group = conn->ike.dh[0];
	len = ike1_p1_ke(sa, pub, sizeof(pub));
	idlen = ike1_id_body(sa, true, id_b, sizeof(id_b));
	if (len < 0 || idlen < 4)
		return -1;
	memcpy(v->gxi, pub, v->gxi_len = (size_t)len);
	sa->ni_len = IKE_NONCE_LEN;
	ike_random(sa->ni, sa->ni_len);
	v->st = IKE1_AM_I1;
	ike1_out_begin(&o, sa, IKE1_EXCH_AGGRESSIVE, 0, false);
	off = o.w.len;
	ike1_enc_sa(&o.e, v->offered);
	if (o.w.err || ike1_keep_sai(sa, o.buf + off + IKE_PL_HDR_LEN,
				     o.w.len - off - IKE_PL_HDR_LEN))
		return -1;
	ike1_enc_data(&o.e, IKE1_PL_KE, pub, (size_t)len);
	ike1_enc_data(&o.e, IKE1_PL_NONCE, sa->ni, sa->ni_len);
	enc_id(&o, id_b, (size_t)idlen);
	ike1_add_vids(&o);
	if (ike1_out_send(sa, &o, NULL, &v->last))
		return -1;
	ike1_retransmit_arm(sa);
	ike_log(IKE_LOG_INFO, "%s: Aggressive Mode to %s[%u]", ike_sa_name(sa),
		addr_str(&sa->remote.addr, (char[64]){ 0 }, 64), sa->remote.port);
	return 0;
}

/* Initiator: message 2 in, message 3 out. */
static int in_2(struct ike_sa *sa, const struct ike_msg *m)
{
	static struct ike1_sa_pl resp;
	static struct ike_out o;
	struct ike1_state *v = sa->v1;
	const struct ike_pl *sap = ike1_find(m, IKE1_PL_SA);
	uint8_t id_b[4 + IKE_CONF_ID_MAX], hash[IKE_KEY_MAX];
	struct ike_view nonce, ke;
	const char *why = NULL;
	int idlen;

	if (!sap || ike1_dec_sa(sap, &resp))
		why = "no SA payload, or a malformed one";
	else if (!ike1_p1_accept(&resp, v->offered, &v->p1, &why))
		why = v->p1.alg.dh == sa->dh_group ? NULL : "another group than our KE's";
	if (why) {
		ike_log(IKE_LOG_WARN, "%s: the peer's phase 1 answer is refused: %s",
			ike_sa_name(sa), why);
		return -1;
	}
	v->k.prf = ike_prf_alg(v->p1.alg.prf);
	v->k.md = ike1_prf_md(v->p1.alg.prf);
	if (!v->k.prf || !v->k.md)
		return -1;
	ike1_read_vids(sa, m);
	if (ike1_p1_nonce_ke(sa, m, &nonce, &ke) ||
	    !ike1_store(v->gxr, sizeof(v->gxr), &v->gxr_len, &ke) ||
	    !ike1_store(sa->nr, sizeof(sa->nr), &sa->nr_len, &nonce))
		return -1;
	ike1_detect_nat(sa, m);
	if (ike1_p1_keys(sa, &ke) || !ike1_check_id_hash(sa, m))
		return -1;
	if (sa->nat_local || sa->nat_remote) {
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = IKE_NATT_PORT;
		sa->natt = true;
	}
	idlen = ike1_id_body(sa, true, id_b, sizeof(id_b));
	if (idlen < 4 || ike1_hash_mine(sa, id_b, (size_t)idlen, hash))
		return -1;
	ike1_out_begin(&o, sa, IKE1_EXCH_AGGRESSIVE, 0, true);
	ike1_enc_data(&o.e, IKE1_PL_HASH, hash, v->k.prf->len);
	ike_wipe(hash, sizeof(hash));
	ike1_add_natd(&o, sa);
	return ike1_out_send(sa, &o, &v->iv, &v->last);
}

void ike1_aggr_in(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *local,
		  const struct ike_ep *remote)
{
	struct ike1_state *v = sa->v1;
	struct ike_view peer_id;

	if (v->st == IKE1_AM_I1) {
		sa->state = IKE_S_AUTH_SENT;
		if (in_2(sa, m)) {
			ike1_sa_dead(sa, "Aggressive Mode failed");
			return;
		}
		ike1_p1_done(sa);
		return;
	}
	if (v->st != IKE1_AM_R1)
		return;
	/* Message 3: the initiator may have moved to 4500 (RFC 3947 4). */
	sa->local = *local;
	sa->remote = *remote;
	sa->natt = local->port != IKE_PORT;
	/* HASH_I covers the initiator's ID as it sent it in message 1. */
	peer_id.p = v->peer_idb;
	peer_id.len = v->peer_idb_len;
	if (!ike1_hash_peer_ok(sa, &peer_id, ike1_find(m, IKE1_PL_HASH))) {
		ike_log(IKE_LOG_WARN, "%s: authentication of the initiator failed: its HASH does "
			"not match (a different pre-shared key?)", ike_sa_name(sa));
		ike1_sa_dead(sa, "Aggressive Mode failed");
		return;
	}
	ike1_detect_nat(sa, m);
	ike1_p1_done(sa);
}

/* The rule for an aggressive mode from remote whose identity is id. */
static struct ike_conn *conn_for_id(const struct ike_ep *local, const struct ike_ep *remote,
				    const struct ike1_id *id)
{
	struct ike_sa probe;
	struct ike_conn *c;

	memset(&probe, 0, sizeof(probe));
	probe.local = *local;
	probe.remote = *remote;
	for (c = daemon_cfg.conns; c; c = c->next) {
		if (c->version != 1 || !c->aggressive)
			continue;
		if (c->local.family && !addr_eq(&c->local, &local->addr))
			continue;
		if (!c->peer_any && !addr_eq(&c->peer, &remote->addr))
			continue;
		probe.conn = c;
		if (ike1_peer_id_ok(&probe, id))
			return c;
	}
	return NULL;
}

int ike1_aggr_r1(const struct ike_msg *m, const struct ike_ep *local,
		 const struct ike_ep *remote)
{
	static struct ike1_sa_pl peer, reply;
	static struct ike_out o;
	const struct ike_pl *sap = ike1_find(m, IKE1_PL_SA), *idp = ike1_find(m, IKE1_PL_ID);
	uint8_t pub[IKE1_GX_MAX], id_b[4 + IKE_CONF_ID_MAX], hash[IKE_KEY_MAX];
	struct ike1_state *v;
	struct ike_view nonce, ke;
	struct ike_conn *conn;
	struct ike1_id id;
	struct ike_sa *sa;
	char ab[64];
	int ti, len, idlen;

	addr_str(&remote->addr, ab, sizeof(ab));
	if (!sap || !idp || ike1_dec_sa(sap, &peer) || ike1_dec_id(idp, &id)) {
		ike_log(IKE_LOG_INFO, "from %s[%u]: Aggressive Mode refused: SA or ID missing or "
			"malformed", ab, remote->port);
		return -1;
	}
	conn = conn_for_id(local, remote, &id);
	if (!conn) {
		ike_log(IKE_LOG_INFO, "from %s[%u]: Aggressive Mode refused: no ikev1 aggressive "
			"rule for this peer and identity", ab, remote->port);
		return -1;
	}
	sa = ike1_p1_responder(conn, m, sap, &peer, local, remote, true, &ti);
	if (!sa)
		return -1;
	v = sa->v1;
	if (ike1_p1_nonce_ke(sa, m, &nonce, &ke) ||
	    !ike1_store(v->gxi, sizeof(v->gxi), &v->gxi_len, &ke) ||
	    !ike1_store(sa->ni, sizeof(sa->ni), &sa->ni_len, &nonce))
		goto err_sa;
	sa->nr_len = IKE_NONCE_LEN;
	ike_random(sa->nr, sa->nr_len);
	len = ike1_p1_ke(sa, pub, sizeof(pub));
	if (len < 0)
		goto err_sa;
	memcpy(v->gxr, pub, v->gxr_len = (size_t)len);
	ike1_detect_nat(sa, m);
	idlen = ike1_id_body(sa, true, id_b, sizeof(id_b));
	if (ike1_p1_keys(sa, &ke) || idlen < 4 || ike1_hash_mine(sa, id_b, (size_t)idlen, hash))
		goto err_sa;
	/* The initiator's ID body, for HASH_I in message 3. */
	if (!ike1_store(v->peer_idb, sizeof(v->peer_idb), &v->peer_idb_len, &idp->body))
		goto err_sa;
	ike1_p1_reply(&reply, &peer, ti);
	ike1_out_begin(&o, sa, IKE1_EXCH_AGGRESSIVE, 0, false);
	ike1_enc_sa(&o.e, &reply);
	ike1_enc_data(&o.e, IKE1_PL_KE, pub, (size_t)len);
	ike1_enc_data(&o.e, IKE1_PL_NONCE, sa->nr, sa->nr_len);
	enc_id(&o, id_b, (size_t)idlen);
	ike1_enc_data(&o.e, IKE1_PL_HASH, hash, v->k.prf->len);
	ike_wipe(hash, sizeof(hash));
	ike1_add_vids(&o);
	ike1_add_natd(&o, sa);
	v->st = IKE1_AM_R1;
	if (ike1_out_send(sa, &o, NULL, &v->last))
		goto err_sa;
	ike1_retransmit_arm(sa);
	ike_log(IKE_LOG_INFO, "%s: Aggressive Mode from %s[%u]", ike_sa_name(sa), ab,
		remote->port);
	return 0;
err_sa:
	ike2_sa_dead(sa, NULL);
	return -1;
}
