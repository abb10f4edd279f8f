// SPDX-License-Identifier: GPL-2.0-only
/*
 * Main mode (RFC 2409 5, Identity Protection exchange of RFC 2408 4.5)
 * with a pre-shared key, six messages:
 *
 *   I1: HDR, SA, VIDs              R1: HDR, SA, VIDs
 *   I2: HDR, KE, Ni, NAT-D, NAT-D  R2: HDR, KE, Nr, NAT-D, NAT-D
 *   I3: HDR*, IDii, HASH_I         R3: HDR*, IDir, HASH_R
 *
 * The responder must choose the key at I2, before it knows who the peer
 * is: so the rule (and its key) is found by the peer's address. Behind a
 * NAT the initiator moves to port 4500 for I3 (RFC 3947 4).
 */

#include <stdlib.h>
#include <string.h>
#include "ikev1.h"
#include "ikev2.h"
#include "log.h"

bool ike1_store(uint8_t *dst, size_t cap, size_t *len, const struct ike_view *v)
{
	if (v->len > cap)
		return false;
	memcpy(dst, v->p, v->len);
	*len = v->len;
	return true;
}

int ike1_p1_nonce_ke(struct ike_sa *sa, const struct ike_msg *m, struct ike_view *nonce,
		     struct ike_view *ke)
{
	const struct ike_dh_group *g = ike_dh_group(sa->dh_group);
	const struct ike_pl *kp = ike1_find(m, IKE1_PL_KE), *np = ike1_find(m, IKE1_PL_NONCE);

	if (!kp || !np || ike1_dec_data(kp, ke) || ike1_dec_data(np, nonce)) {
		ike_log(IKE_LOG_WARN, "%s: KE or nonce missing or malformed", ike_sa_name(sa));
		return -1;
	}
	if (!g || ke->len != g->ke_len) {
		ike_log(IKE_LOG_WARN, "%s: the peer's KE has %zu bytes, %s takes %zu",
			ike_sa_name(sa), ke->len, ike_dh_name(sa->dh_group), g ? g->ke_len : 0);
		return -1;
	}
	if (nonce->len < 8 || nonce->len > IKE_NONCE_MAX)
		return -1;
	return 0;
}

int ike1_keep_sai(struct ike_sa *sa, const uint8_t *body, size_t len)
{
	free(sa->v1->sai_b);
	sa->v1->sai_b = malloc(len ? len : 1);
	if (!sa->v1->sai_b)
		return -1;
	memcpy(sa->v1->sai_b, body, len);
	sa->v1->sai_b_len = len;
	return 0;
}

int ike1_main_start(struct ike_sa *sa)
{
	static struct ike_out o;
	struct ike1_state *v = sa->v1;
	struct ike_conn *conn = sa->conn;
	size_t off;

	v->offered = calloc(1, sizeof(*v->offered));
	if (!v->offered)
		return -1;
	ike1_p1_build(v->offered, &conn->ike, conn->ike_lifetime, false);
	sa->ni_len = IKE_NONCE_LEN;
	ike_random(sa->ni, sa->ni_len);
	v->st = IKE1_MM_I1;
	ike1_out_begin(&o, sa, IKE1_EXCH_IDENT_PROT, 0, false);
	off = o.w.len;
	ike1_enc_sa(&o.e, v->offered);
	if (o.w.err || ike1_keep_sai(sa, o.buf + off + IKE_PL_HDR_LEN, o.w.len - off - IKE_PL_HDR_LEN))
		return -1;
	ike1_add_vids(&o);
	if (ike1_out_send(sa, &o, NULL, &v->last))
		return -1;
	ike1_retransmit_arm(sa);
	ike_log(IKE_LOG_INFO, "%s: Main Mode to %s[%u]", ike_sa_name(sa),
		addr_str(&sa->remote.addr, (char[64]){ 0 }, 64), sa->remote.port);
	return 0;
}

/* KE and nonce, and NAT-D once the peer has said it knows NAT-T. */
static int send_ke(struct ike_sa *sa)
{
	static struct ike_out o;
	struct ike1_state *v = sa->v1;
	uint8_t pub[IKE1_GX_MAX];
	int len = ike1_p1_ke(sa, pub, sizeof(pub));

	if (len < 0)
		return -1;
	if (sa->initiator)
		memcpy(v->gxi, pub, v->gxi_len = (size_t)len);
	else
		memcpy(v->gxr, pub, v->gxr_len = (size_t)len);
	ike1_out_begin(&o, sa, IKE1_EXCH_IDENT_PROT, 0, false);
	ike1_enc_data(&o.e, IKE1_PL_KE, pub, (size_t)len);
	if (sa->initiator)
		ike1_enc_data(&o.e, IKE1_PL_NONCE, sa->ni, sa->ni_len);
	else
		ike1_enc_data(&o.e, IKE1_PL_NONCE, sa->nr, sa->nr_len);
	ike1_add_natd(&o, sa);
	return ike1_out_send(sa, &o, NULL, &sa->v1->last);
}

/* IDii, HASH_I or IDir, HASH_R, encrypted. */
int ike1_send_id_hash(struct ike_sa *sa)
{
	static struct ike_out o;
	uint8_t id_b[4 + IKE_CONF_ID_MAX], hash[IKE_KEY_MAX];
	struct ike1_id id;
	int len = ike1_id_body(sa, true, id_b, sizeof(id_b));

	if (len < 4 || ike1_hash_mine(sa, id_b, (size_t)len, hash))
		return -1;
	id.type = id_b[0];
	id.proto = 0;
	id.port = 0;
	id.data.p = id_b + 4;
	id.data.len = (size_t)len - 4;
	ike1_out_begin(&o, sa, IKE1_EXCH_IDENT_PROT, 0, true);
	ike1_enc_id(&o.e, &id);
	ike1_enc_data(&o.e, IKE1_PL_HASH, hash, sa->v1->k.prf->len);
	ike_wipe(hash, sizeof(hash));
	return ike1_out_send(sa, &o, &sa->v1->iv, &sa->v1->last);
}

/* The peer's ID and HASH: who it says it is, and that it has the key. */
bool ike1_check_id_hash(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *idp = ike1_find(m, IKE1_PL_ID);
	struct ike1_id id;
	char ab[64];

	if (!idp || ike1_dec_id(idp, &id)) {
		ike_log(IKE_LOG_WARN, "%s: no identity from the peer", ike_sa_name(sa));
		return false;
	}
	if (!ike1_hash_peer_ok(sa, &idp->body, ike1_find(m, IKE1_PL_HASH))) {
		ike_log(IKE_LOG_WARN, "%s: authentication of %s failed: the peer's HASH does not "
			"match (a different pre-shared key?)", ike_sa_name(sa),
			addr_str(&sa->remote.addr, ab, sizeof(ab)));
		return false;
	}
	if (!ike1_peer_id_ok(sa, &id)) {
		ike_log(IKE_LOG_WARN, "%s: the peer's identity (type %u) is not the one configured",
			ike_sa_name(sa), id.type);
		return false;
	}
	return true;
}

static int in_r1(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike1_state *v = sa->v1;
	const struct ike_pl *sap = ike1_find(m, IKE1_PL_SA);
	static struct ike1_sa_pl resp;
	const char *why = "no SA payload";

	if (!sap || ike1_dec_sa(sap, &resp) || ike1_p1_accept(&resp, v->offered, &v->p1, &why)) {
		ike_log(IKE_LOG_WARN, "%s: the peer's phase 1 answer is refused: %s",
			ike_sa_name(sa), why);
		return -1;
	}
	sa->dh_group = v->p1.alg.dh;
	v->k.prf = ike_prf_alg(v->p1.alg.prf);
	v->k.md = ike1_prf_md(v->p1.alg.prf);
	if (!v->k.prf || !v->k.md)
		return -1;
	ike1_read_vids(sa, m);
	sa->state = IKE_S_AUTH_SENT;
	v->st = IKE1_MM_I2;
	return send_ke(sa);
}

static int in_r2(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike1_state *v = sa->v1;
	struct ike_view nonce, ke;

	if (ike1_p1_nonce_ke(sa, m, &nonce, &ke) ||
	    !ike1_store(v->gxr, sizeof(v->gxr), &v->gxr_len, &ke) ||
	    !ike1_store(sa->nr, sizeof(sa->nr), &sa->nr_len, &nonce))
		return -1;
	ike1_detect_nat(sa, m);
	if (ike1_p1_keys(sa, &ke))
		return -1;
	if (sa->nat_local || sa->nat_remote) {
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = IKE_NATT_PORT;
		sa->natt = true;
	}
	v->st = IKE1_MM_I3;
	return ike1_send_id_hash(sa);
}

void ike1_main_in(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *local,
		  const struct ike_ep *remote)
{
	struct ike1_state *v = sa->v1;
	struct ike_view nonce, ke;
	int err = -1;

	switch (v->st) {
	case IKE1_MM_I1:
		err = in_r1(sa, m);
		break;
	case IKE1_MM_I2:
		err = in_r2(sa, m);
		break;
	case IKE1_MM_I3:
		if (!(m->hdr.flags & IKE1_FLAG_ENCRYPTION) || !ike1_check_id_hash(sa, m))
			break;
		ike1_p1_done(sa);
		return;
	case IKE1_MM_R1:
		if (ike1_p1_nonce_ke(sa, m, &nonce, &ke) ||
		    !ike1_store(v->gxi, sizeof(v->gxi), &v->gxi_len, &ke) ||
		    !ike1_store(sa->ni, sizeof(sa->ni), &sa->ni_len, &nonce))
			break;
		sa->nr_len = IKE_NONCE_LEN;
		ike_random(sa->nr, sa->nr_len);
		ike1_detect_nat(sa, m);
		if (send_ke(sa) || ike1_p1_keys(sa, &ke))
			break;
		v->st = IKE1_MM_R2;
		err = 0;
		break;
	case IKE1_MM_R2:
		if (!(m->hdr.flags & IKE1_FLAG_ENCRYPTION))
			break;
		/* The initiator may have moved to 4500 (RFC 3947 4). */
		sa->local = *local;
		sa->remote = *remote;
		sa->natt = local->port != IKE_PORT;
		if (!ike1_check_id_hash(sa, m) || ike1_send_id_hash(sa))
			break;
		ike1_p1_done(sa);
		return;
	default:
		return;
	}
	if (err) {
		ike1_sa_dead(sa, "Main Mode failed");
		return;
	}
	ike1_retransmit_arm(sa);
}

int ike1_main_r1(const struct ike_msg *m, const struct ike_ep *local,
		 const struct ike_ep *remote)
{
	static struct ike1_sa_pl peer, reply;
	static struct ike_out o;
	const struct ike_pl *sap = ike1_find(m, IKE1_PL_SA);
	struct ike_conn *conn = ike1_conn_for(local, remote, false);
	struct ike_sa *sa;
	char ab[64];
	int ti;

	if (!conn) {
		ike_log(IKE_LOG_INFO, "from %s[%u]: Main Mode refused: no ikev1 main mode rule for "
			"this peer", addr_str(&remote->addr, ab, sizeof(ab)), remote->port);
		return -1;
	}
	if (!sap || ike1_dec_sa(sap, &peer)) {
		ike_log(IKE_LOG_INFO, "%s: Main Mode from %s refused: malformed SA payload",
			conn->name, addr_str(&remote->addr, ab, sizeof(ab)));
		return -1;
	}
	sa = ike1_p1_responder(conn, m, sap, &peer, local, remote, false, &ti);
	if (!sa)
		return -1;
	ike1_p1_reply(&reply, &peer, ti);
	ike1_out_begin(&o, sa, IKE1_EXCH_IDENT_PROT, 0, false);
	ike1_enc_sa(&o.e, &reply);
	ike1_add_vids(&o);
	sa->v1->st = IKE1_MM_R1;
	if (ike1_out_send(sa, &o, NULL, &sa->v1->last))
		goto err_sa;
	ike1_retransmit_arm(sa);
	ike_log(IKE_LOG_INFO, "%s: Main Mode from %s[%u]", ike_sa_name(sa),
		addr_str(&remote->addr, ab, sizeof(ab)), remote->port);
	return 0;
err_sa:
	ike2_sa_dead(sa, NULL);
	return -1;
}
