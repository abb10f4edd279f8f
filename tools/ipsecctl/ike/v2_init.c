// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE_SA_INIT (RFC 7296 1.2): proposals, Diffie-Hellman and nonces, with
 * COOKIE (2.6), INVALID_KE_PAYLOAD (1.2) and NAT detection (2.23).
 */

#include <stdlib.h>
#include <string.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "log.h"

static uint8_t cookie_secret[32];
static bool cookie_secret_set;

/* The NAT-D hash of an endpoint: SHA-1(SPIi | SPIr | address | port). */
static void natd_hash(const uint8_t *spi_i, const uint8_t *spi_r, const struct ike_ep *ep,
		      uint8_t out[20])
{
	uint8_t port[2] = { ep->port >> 8, ep->port & 0xff };
	const struct ike_view parts[] = {
		{ spi_i, IKE_SPI_LEN }, { spi_r, IKE_SPI_LEN },
		{ ep->addr.bytes, ep->addr.family == AF_INET ? 4 : 16 }, { port, 2 },
	};

	if (ike_digest("SHA1", parts, 4, out))
		memset(out, 0, 20);
}

static void add_natd(struct ike_out *o, struct ike_sa *sa)
{
	uint8_t h[20];

	natd_hash(sa->spi_i, sa->spi_r, &sa->local, h);
	ike2_out_notify(o, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	natd_hash(sa->spi_i, sa->spi_r, &sa->remote, h);
	ike2_out_notify(o, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

/*
 * From the peer's NAT-D notifies: is either side behind a NAT? The hashes
 * cover the SPIs of the header they came in (RFC 7296 2.23).
 */
static void detect_nat(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p)
{
	struct ike_notify n;
	uint8_t h[20];
	bool src_seen = false, src_match = false;
	unsigned int i;

	for (i = 0; i < p->nnotify; i++) {
		if (ike_dec_notify(p->notify[i], &n))
			continue;
		if (n.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			src_seen = true;
			natd_hash(m->hdr.spi_i, m->hdr.spi_r, &sa->remote, h);
			if (n.data.len == 20 && !memcmp(h, n.data.p, 20))
				src_match = true;
		} else if (n.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			natd_hash(m->hdr.spi_i, m->hdr.spi_r, &sa->local, h);
			sa->nat_local = n.data.len != 20 || memcmp(h, n.data.p, 20);
		}
	}
	sa->nat_remote = src_seen && !src_match;
}

static int keys_from_dh(struct ike_sa *sa, const struct ike_ke *ke)
{
	uint8_t gir[1024], skeyseed[IKE_KEY_MAX];
	struct ike_view ni = { sa->ni, sa->ni_len }, nr = { sa->nr, sa->nr_len };
	struct ike_view g;
	int len, err = -1;

	len = ike_dh_shared(sa->dh, ke->data.p, ke->data.len, gir, sizeof(gir));
	if (len < 0) {
		ike_log(IKE_LOG_WARN, "%s: the peer's %s public value is invalid", ike_sa_name(sa),
			ike_dh_name(sa->dh_group));
		return -1;
	}
	g.p = gir;
	g.len = (size_t)len;
	sa->keys.prf = ike_prf_alg(sa->alg.prf);
	sa->keys.encr = ike_encr_alg(sa->alg.encr, sa->alg.encr_keybits);
	sa->keys.integ = sa->alg.integ ? ike_integ_alg(sa->alg.integ) : NULL;
	if (!sa->keys.prf || !sa->keys.encr || (sa->alg.integ && !sa->keys.integ))
		goto out;
	if (ike2_skeyseed(sa->keys.prf, &ni, &nr, &g, skeyseed))
		goto out;
	err = ike2_derive(&sa->keys, skeyseed, &ni, &nr, sa->spi_i, sa->spi_r);
out:
	ike_wipe(gir, sizeof(gir));
	ike_wipe(skeyseed, sizeof(skeyseed));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	return err;
}

static int init_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
		     const struct ike2_pls *p);

static int send_init(struct ike_sa *sa)
{
	static struct ike_out o;
	struct ike_conn *conn = sa->conn;
	uint8_t pub[1024];
	struct ike_ke ke;
	struct ike_view nonce = { sa->ni, sa->ni_len };
	struct ike_req *r;
	int len;

	ike_dh_free(sa->dh);
	sa->dh = ike_dh_new(sa->dh_group);
	if (!sa->dh)
		return -1;
	len = ike_dh_public(sa->dh, pub, sizeof(pub));
	if (len < 0)
		return -1;
	ike_prop_build(&sa->offered, &conn->ike, IKE_PROTO_IKE, NULL, 0);
	sa->msgid_out = 0;
	ike2_out_plain(&o, sa, IKE_EXCH_IKE_SA_INIT, false, 0);
	if (sa->cookie)
		ike2_out_notify(&o, 0, NULL, 0, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	ike_enc_sa(&o.e, &sa->offered);
	ke.group = sa->dh_group;
	ke.data.p = pub;
	ke.data.len = (size_t)len;
	ike_enc_ke(&o.e, &ke);
	ike_enc_nonce(&o.e, &nonce);
	add_natd(&o, sa);
	ike2_out_notify(&o, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	r = ike2_req_new(IKE_REQ_INIT, init_resp);
	if (!r || ike2_request(sa, &o, IKE_EXCH_IKE_SA_INIT, r))
		return -1;
	free(sa->init_req);
	sa->init_req = malloc(sa->req->len);
	if (!sa->init_req)
		return -1;
	memcpy(sa->init_req, sa->req->buf, sa->req->len);
	sa->init_req_len = sa->req->len;
	ike_log(IKE_LOG_INFO, "%s: IKE_SA_INIT to %s[%u]: %s", ike_sa_name(sa),
		addr_str(&sa->remote.addr, (char[64]){ 0 }, 64), sa->remote.port,
		ike_dh_name(sa->dh_group));
	return 0;
}

int ike2_initiate(struct ike_conn *conn, const struct ike_tsel *src, const struct ike_tsel *dst)
{
	struct ike_sa *sa;

	if (conn->version == 1)
		return ike1_initiate(conn, src, dst);
	sa = ike_sa_initiate(conn, src, dst);
	if (!sa)
		return -1;
	sa->ni_len = IKE_NONCE_LEN;
	ike_random(sa->ni, sa->ni_len);
	sa->dh_group = conn->ike.dh[0];
	sa->state = IKE_S_INIT_SENT;
	if (send_init(sa)) {
		ike2_sa_dead(sa, "cannot send IKE_SA_INIT");
		return -1;
	}
	return 0;
}

static bool group_configured(const struct ike_conn *conn, uint16_t group)
{
	unsigned int i;

	for (i = 0; i < conn->ike.ndh; i++)
		if (conn->ike.dh[i] == group)
			return true;
	return false;
}

static void log_refusal(void *arg, const char *text)
{
	ike_log(IKE_LOG_WARN, "%s:   %s", (const char *)arg, text);
}

static int init_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
		     const struct ike2_pls *p)
{
	struct ike_notify n;
	struct ike_sa_pl sapl;
	struct ike_ke ke;
	struct ike_view nonce;
	const char *why = NULL;
	uint16_t group;

	/* Unprotected answers: a few retries at most, whoever sent them. */
	if ((ike2_notify(p, IKE_N_COOKIE, NULL) || ike2_notify(p, IKE_N_INVALID_KE_PAYLOAD, NULL)) &&
	    ++sa->init_retries > 3) {
		ike_log(IKE_LOG_WARN, "%s: too many COOKIE or INVALID_KE_PAYLOAD answers",
			ike_sa_name(sa));
		return -1;
	}
	if (ike2_notify(p, IKE_N_COOKIE, &n)) {
		if (n.data.len < 1 || n.data.len > 64)
			return ike_log(IKE_LOG_WARN, "%s: bad COOKIE", ike_sa_name(sa)), -1;
		free(sa->cookie);
		sa->cookie = malloc(n.data.len);
		if (!sa->cookie)
			return -1;
		memcpy(sa->cookie, n.data.p, n.data.len);
		sa->cookie_len = n.data.len;
		ike_log(IKE_LOG_INFO, "%s: the peer asks for a COOKIE: retrying", ike_sa_name(sa));
		return send_init(sa);
	}
	if (ike2_notify(p, IKE_N_INVALID_KE_PAYLOAD, &n)) {
		group = n.data.len == 2 ? (uint16_t)(n.data.p[0] << 8 | n.data.p[1]) : 0;
		if (!group_configured(sa->conn, group) || group == sa->dh_group) {
			ike_log(IKE_LOG_WARN, "%s: the peer wants group %u (%s), which is not configured",
				ike_sa_name(sa), group, ike_dh_name(group));
			return -1;
		}
		ike_log(IKE_LOG_INFO, "%s: the peer wants %s: retrying", ike_sa_name(sa),
			ike_dh_name(group));
		sa->dh_group = group;
		return send_init(sa);
	}
	if (ike2_error_notify(p)) {
		group = ike2_error_notify(p);
		ike_log(IKE_LOG_WARN, "%s: the peer refused IKE_SA_INIT: %s", ike_sa_name(sa),
			group == IKE_N_NO_PROPOSAL_CHOSEN ? "NO_PROPOSAL_CHOSEN" : "error notify");
		if (group == IKE_N_NO_PROPOSAL_CHOSEN) {
			ike_log(IKE_LOG_WARN, "%s: proposed:", ike_sa_name(sa));
			static const struct ike_sa_pl none;

			ike_prop_log_mismatch(&none, &sa->offered, log_refusal,
					      (void *)ike_sa_name(sa));
		}
		return -1;
	}
	if (!p->sa || !p->ke || !p->nonce || ike_dec_sa(p->sa, &sapl) ||
	    ike_dec_ke(p->ke, &ke) || ike_dec_nonce(p->nonce, &nonce) ||
	    nonce.len > sizeof(sa->nr)) {
		ike_log(IKE_LOG_WARN, "%s: IKE_SA_INIT response without SA, KE or nonce",
			ike_sa_name(sa));
		return -1;
	}
	if (ike_prop_accept(&sapl, &sa->offered, IKE_PROTO_IKE, &sa->alg, &why)) {
		ike_log(IKE_LOG_WARN, "%s: the peer's IKE proposal is not one we sent: %s",
			ike_sa_name(sa), why ? why : "?");
		return -1;
	}
	if (ke.group != sa->dh_group || sa->alg.dh != sa->dh_group) {
		ike_log(IKE_LOG_WARN, "%s: the peer's KE is not of the group we chose",
			ike_sa_name(sa));
		return -1;
	}
	memcpy(sa->spi_r, m->hdr.spi_r, IKE_SPI_LEN);
	sa->peer_frag = ike2_notify(p, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL);
	memcpy(sa->nr, nonce.p, nonce.len);
	sa->nr_len = nonce.len;
	detect_nat(sa, m, p);
	if (keys_from_dh(sa, &ke))
		return -1;
	sa->init_resp = malloc(m->raw.len);
	if (!sa->init_resp)
		return -1;
	memcpy(sa->init_resp, m->raw.p, m->raw.len);
	sa->init_resp_len = m->raw.len;
	if (sa->nat_local || sa->nat_remote || daemon_opts.force_natt) {
		/* RFC 7296 2.23: from now on IKE goes over 4500. */
		sa->local.port = 4500;
		sa->remote.port = 4500;
		sa->natt = true;
		ike_log(IKE_LOG_INFO, "%s: NAT detected (%s%s): moving to port 4500",
			ike_sa_name(sa), sa->nat_local ? "this host" : "",
			sa->nat_remote ? (sa->nat_local ? ", peer" : "peer") : "");
	}
	sa->state = IKE_S_AUTH_SENT;
	return ike2_auth_start(sa);
}

/* A stateless cookie: SHA-256(Ni | IPi | SPIi | secret), RFC 7296 2.6. */
static void make_cookie(const struct ike_msg *m, const struct ike_view *ni,
			const struct ike_ep *remote, uint8_t out[32])
{
	const struct ike_view parts[] = {
		*ni, { remote->addr.bytes, remote->addr.family == AF_INET ? 4 : 16 },
		{ m->hdr.spi_i, IKE_SPI_LEN }, { cookie_secret, sizeof(cookie_secret) },
	};

	if (!cookie_secret_set) {
		ike_random(cookie_secret, sizeof(cookie_secret));
		cookie_secret_set = true;
	}
	if (ike_digest("SHA256", parts, 4, out))
		memset(out, 0, 32);
}

static void half_open_expired(struct ike_timer *t)
{
	struct ike_sa *sa = (struct ike_sa *)((char *)t - offsetof(struct ike_sa, expire_timer));

	if (sa->state == IKE_S_HALF_OPEN)
		ike2_sa_dead(sa, "no IKE_AUTH after IKE_SA_INIT");
}

int ike2_init_in_req(const struct ike_msg *m, const struct ike_ep *local,
		     const struct ike_ep *remote)
{
	static struct ike_out o;
	char ab[64], name[96];
	struct ike2_pls p;
	struct ike_sa_pl sapl, reply;
	struct ike_ke ke, myke;
	struct ike_view nonce, nr;
	struct ike_notify n;
	struct ike_chosen chosen;
	struct ike_conn *conn;
	struct ike_sa *sa;
	uint8_t cookie[32], pub[1024], gbuf[2];
	int idx, len;

	sa = ike_sa_find_half(m->hdr.spi_i, remote);
	if (sa) {
		if (sa->state == IKE_S_HALF_OPEN && sa->last_resp && !m->hdr.msgid)
			ike_net_send(&sa->local, &sa->remote, sa->last_resp, sa->last_resp_len);
		return 0;
	}
	snprintf(name, sizeof(name), "%s[%u]", addr_str(&remote->addr, ab, sizeof(ab)),
		 remote->port);
	/* An initiator may start on 4500 (RFC 7296 2.23); SPIr must be zero. */
	if (m->hdr.msgid != 0 || !memcmp(m->hdr.spi_i, (uint8_t[IKE_SPI_LEN]){ 0 }, IKE_SPI_LEN) ||
	    memcmp(m->hdr.spi_r, (uint8_t[IKE_SPI_LEN]){ 0 }, IKE_SPI_LEN))
		return 0;
	conn = daemon_conn_for(&local->addr, &remote->addr);
	if (!conn) {
		ike_log(IKE_LOG_INFO, "%s: IKE_SA_INIT refused: no rule for this peer", name);
		ike2_respond_plain_notify(m, local, remote, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return 0;
	}
	ike2_gather(m, &p);
	if (!p.sa || !p.ke || !p.nonce || ike_dec_sa(p.sa, &sapl) || ike_dec_ke(p.ke, &ke) ||
	    ike_dec_nonce(p.nonce, &nonce)) {
		/* INVALID_SYNTAX goes only in protected messages (3.10.1): silence. */
		ike_log(IKE_LOG_INFO, "%s: IKE_SA_INIT without a valid SA, KE or nonce: dropped",
			name);
		return 0;
	}
	if (ike_sa_half_open() >= daemon_opts.cookie_threshold) {
		make_cookie(m, &nonce, remote, cookie);
		if (!ike2_notify(&p, IKE_N_COOKIE, &n) || n.data.len != sizeof(cookie) ||
		    !ike_memeq(n.data.p, cookie, sizeof(cookie))) {
			ike_log(IKE_LOG_DEBUG, "%s: %u half-open IKE SAs: COOKIE asked", name,
				ike_sa_half_open());
			ike2_respond_plain_notify(m, local, remote, IKE_N_COOKIE, cookie,
						  sizeof(cookie));
			return 0;
		}
	}
	idx = ike_prop_select(&sapl, &conn->ike, IKE_PROTO_IKE, ke.group, &chosen);
	if (idx < 0) {
		ike_prop_build(&reply, &conn->ike, IKE_PROTO_IKE, NULL, 0);
		ike_log(IKE_LOG_WARN, "%s: %s: no IKE proposal in common (NO_PROPOSAL_CHOSEN):",
			conn->name, name);
		ike_prop_log_mismatch(&sapl, &reply, log_refusal, conn->name);
		ike2_respond_plain_notify(m, local, remote, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return 0;
	}
	if (chosen.dh != ke.group) {
		gbuf[0] = chosen.dh >> 8;
		gbuf[1] = chosen.dh & 0xff;
		ike_log(IKE_LOG_INFO, "%s: %s: KE of group %u, %s wanted: INVALID_KE_PAYLOAD",
			conn->name, name, ke.group, ike_dh_name(chosen.dh));
		ike2_respond_plain_notify(m, local, remote, IKE_N_INVALID_KE_PAYLOAD, gbuf, 2);
		return 0;
	}
	if (nonce.len > IKE_NONCE_MAX)
		return 0;
	sa = ike_sa_new(conn, false);
	if (!sa)
		return 0;
	memcpy(sa->spi_i, m->hdr.spi_i, IKE_SPI_LEN);
	sa->local = *local;
	sa->remote = *remote;
	sa->natt = local->port != 500;
	sa->alg = chosen;
	sa->dh_group = chosen.dh;
	memcpy(sa->ni, nonce.p, nonce.len);
	sa->ni_len = nonce.len;
	sa->nr_len = IKE_NONCE_LEN;
	ike_random(sa->nr, sa->nr_len);
	sa->msgid_in = 0;
	detect_nat(sa, m, &p);
	sa->dh = ike_dh_new(chosen.dh);
	if (!sa->dh)
		goto fail;
	len = ike_dh_public(sa->dh, pub, sizeof(pub));
	if (len < 0 || keys_from_dh(sa, &ke))
		goto fail;
	ike2_out_plain(&o, sa, IKE_EXCH_IKE_SA_INIT, true, 0);
	ike_prop_reply(&reply, &chosen, IKE_PROTO_IKE, sapl.prop[idx].num, NULL, 0);
	ike_enc_sa(&o.e, &reply);
	myke.group = chosen.dh;
	myke.data.p = pub;
	myke.data.len = (size_t)len;
	ike_enc_ke(&o.e, &myke);
	nr.p = sa->nr;
	nr.len = sa->nr_len;
	ike_enc_nonce(&o.e, &nr);
	add_natd(&o, sa);
	sa->peer_frag = ike2_notify(&p, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL);
	if (sa->peer_frag)
		ike2_out_notify(&o, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	if (ike2_respond(sa, &o, IKE_EXCH_IKE_SA_INIT, 0))
		goto fail;
	sa->init_req = malloc(m->raw.len);
	sa->init_resp = malloc(sa->last_resp_len);
	if (!sa->init_req || !sa->init_resp)
		goto fail;
	memcpy(sa->init_req, m->raw.p, m->raw.len);
	sa->init_req_len = m->raw.len;
	memcpy(sa->init_resp, sa->last_resp, sa->last_resp_len);
	sa->init_resp_len = sa->last_resp_len;
	sa->state = IKE_S_HALF_OPEN;
	ike_timer_init(&sa->expire_timer, half_open_expired);
	ike_timer_arm(&sa->expire_timer, 30000);
	ike_log(IKE_LOG_INFO, "%s: IKE_SA_INIT from %s answered: %s/%s/%s%s", ike_sa_name(sa),
		name, ike_encr_name(chosen.encr, chosen.encr_keybits), ike_prf_name(chosen.prf),
		ike_dh_name(chosen.dh), sa->nat_local || sa->nat_remote ? ", NAT detected" : "");
	return 0;
fail:
	ike2_sa_dead(sa, "cannot answer IKE_SA_INIT");
	return 0;
}
