// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE_AUTH (RFC 7296 1.2, 2.15): identities, authentication and the first
 * child SA. The authenticator is one function pair, psk_sign/psk_verify,
 * so that signatures can take their place.
 */

#include <string.h>
#include <linux/nfesp.h>
#include "daemon_int.h"
#include "ikev2.h"
#include "keylog.h"
#include "log.h"

/* The ID payload's body: type, three reserved bytes, data. */
int ike2_id_body(const struct ike_sa *sa, bool local, uint8_t *buf, size_t cap)
{
	const struct ike_id_conf *id = local ? &sa->conn->srcid : &sa->conn->dstid;
	const struct addr *a = local ? &sa->local.addr : &sa->remote.addr;
	size_t len;

	memset(buf, 0, 4);
	if (id->type) {
		len = id->len;
		if (4 + len > cap)
			return -1;
		buf[0] = id->type;
		memcpy(buf + 4, id->data, len);
	} else {
		len = a->family == AF_INET ? 4 : 16;
		buf[0] = a->family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		memcpy(buf + 4, a->bytes, len);
	}
	return (int)(4 + len);
}

static const char *id_str(const struct ike_id *id, char *buf, size_t len)
{
	struct addr a;

	if (id->type == IKE_ID_IPV4_ADDR && id->data.len == 4) {
		a.family = AF_INET;
		memcpy(a.bytes, id->data.p, 4);
		return addr_str(&a, buf, len);
	}
	if (id->type == IKE_ID_IPV6_ADDR && id->data.len == 16) {
		a.family = AF_INET6;
		memcpy(a.bytes, id->data.p, 16);
		return addr_str(&a, buf, len);
	}
	if (id->type == IKE_ID_FQDN || id->type == IKE_ID_RFC822_ADDR) {
		size_t n = id->data.len < len - 1 ? id->data.len : len - 1;
		size_t i;

		for (i = 0; i < n; i++)
			buf[i] = id->data.p[i] >= 0x20 && id->data.p[i] < 0x7f ? id->data.p[i] : '?';
		buf[n] = 0;
		return buf;
	}
	snprintf(buf, len, "(ID type %u)", id->type);
	return buf;
}

/*
 * The AUTH octets for a shared key (RFC 7296 2.15): the sender's
 * IKE_SA_INIT message, the other side's nonce, prf(SK_p, ID body).
 */
static int psk_auth(struct ike_sa *sa, bool of_initiator, const uint8_t *id_body, size_t id_len,
		    uint8_t *out)
{
	struct ike_view msg, nonce, id = { id_body, id_len };

	if (of_initiator) {
		msg.p = sa->init_req;
		msg.len = sa->init_req_len;
		nonce.p = sa->nr;
		nonce.len = sa->nr_len;
	} else {
		msg.p = sa->init_resp;
		msg.len = sa->init_resp_len;
		nonce.p = sa->ni;
		nonce.len = sa->ni_len;
	}
	return ike2_psk_auth(sa->keys.prf, sa->conn->psk, sa->conn->psk_len, &msg, &nonce,
			     of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, &id, out);
}

static void add_auth(struct ike_out *o, struct ike_sa *sa, const uint8_t *id_body, size_t id_len)
{
	uint8_t mac[IKE_KEY_MAX];
	struct ike_auth auth = { .method = IKE_AUTH_PSK };

	psk_auth(sa, sa->initiator, id_body, id_len, mac);
	auth.data.p = mac;
	auth.data.len = sa->keys.prf->len;
	ike_enc_auth(&o->e, &auth);
	ike_wipe(mac, sizeof(mac));
}

/* Does the peer's ID match what the rule expects? */
static bool id_ok(struct ike_sa *sa, const struct ike_id *id)
{
	uint8_t want[4 + IKE_CONF_ID_MAX];
	int len = ike2_id_body(sa, false, want, sizeof(want));

	/* Without dstid and with "peer any", any ID will do: the key decides. */
	if (!sa->conn->dstid.type && sa->conn->peer_any)
		return true;
	return len >= 4 && id->type == want[0] && id->data.len == (size_t)len - 4 &&
	       !memcmp(id->data.p, want + 4, id->data.len);
}

static bool psk_verify(struct ike_sa *sa, const struct ike2_pls *p, const struct ike_pl *idpl)
{
	uint8_t mac[IKE_KEY_MAX];
	struct ike_auth auth;
	bool ok;

	if (ike_dec_auth(p->auth, &auth) || auth.method != IKE_AUTH_PSK ||
	    auth.data.len != sa->keys.prf->len)
		return false;
	if (psk_auth(sa, !sa->initiator, idpl->body.p, idpl->body.len, mac))
		return false;
	ok = ike_memeq(mac, auth.data.p, auth.data.len);
	ike_wipe(mac, sizeof(mac));
	return ok;
}

static void log_established(struct ike_sa *sa)
{
	char ab[64];

	ike_log(IKE_LOG_INFO, "%s: IKE SA established with %s[%u] as %s: %s/%s/%s%s",
		ike_sa_name(sa), addr_str(&sa->remote.addr, ab, sizeof(ab)), sa->remote.port,
		sa->initiator ? "initiator" : "responder",
		ike_encr_name(sa->alg.encr, sa->alg.encr_keybits), ike_prf_name(sa->alg.prf),
		ike_dh_name(sa->alg.dh), sa->natt ? ", UDP 4500" : "");
	ike_keylog_ike(sa);
}

static int auth_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
		     const struct ike2_pls *p)
{
	struct ike_child *c;
	struct ike_id id;
	uint16_t err;
	char ab[64], ib[128];

	err = ike2_error_notify(p);
	if (!p->auth && err) {
		if (err == IKE_N_AUTHENTICATION_FAILED)
			ike_log(IKE_LOG_WARN, "%s: authentication failed: the peer %s refused our "
				"AUTH (do the pre-shared keys differ?)", ike_sa_name(sa),
				addr_str(&sa->remote.addr, ab, sizeof(ab)));
		else
			ike_log(IKE_LOG_WARN, "%s: the peer refused IKE_AUTH with error %u",
				ike_sa_name(sa), err);
		return -1;
	}
	if (!p->idr || !p->auth || ike_dec_id(p->idr, &id)) {
		ike_log(IKE_LOG_WARN, "%s: IKE_AUTH response without IDr or AUTH", ike_sa_name(sa));
		return -1;
	}
	if (!id_ok(sa, &id)) {
		ike_log(IKE_LOG_WARN, "%s: authentication failed: the peer %s says it is %s, "
			"not the configured dstid", ike_sa_name(sa),
			addr_str(&sa->remote.addr, ab, sizeof(ab)), id_str(&id, ib, sizeof(ib)));
		return -1;
	}
	if (!psk_verify(sa, p, p->idr)) {
		ike_log(IKE_LOG_WARN, "%s: authentication failed: the peer %s (%s) sent a wrong "
			"AUTH (do the pre-shared keys differ?)", ike_sa_name(sa),
			addr_str(&sa->remote.addr, ab, sizeof(ab)), id_str(&id, ib, sizeof(ib)));
		return -1;
	}
	ike2_established(sa);
	log_established(sa);
	if (!r->new_child)
		return 0;
	c = r->new_child;
	r->new_child = NULL;
	if (err || !p->sa) {
		ike_log(IKE_LOG_WARN, "%s: no child SA: the peer answered with error %u",
			ike_sa_name(sa), err);
		ike_child_free(c);
		return 0;
	}
	if (ike2_child_accept(sa, r, p, c)) {
		ike_child_free(c);
		return 0;
	}
	return 0;
}

/* Another IKE SA of ours with this peer that it may still know. */
static bool other_sa_with_peer(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	for (o = ike_sas; o; o = o->next)
		if (o != sa && o->state >= IKE_S_HALF_OPEN && o->state <= IKE_S_REKEYED &&
		    addr_eq(&o->remote.addr, &sa->remote.addr))
			return true;
	return false;
}

int ike2_auth_start(struct ike_sa *sa)
{
	static struct ike_out o;
	uint8_t body[4 + IKE_CONF_ID_MAX];
	struct ike_view v;
	struct ike_req *r;
	int len;

	r = ike2_req_new(IKE_REQ_AUTH, auth_resp);
	if (!r)
		return -1;
	ike2_out_enc(&o);
	len = ike2_id_body(sa, true, body, sizeof(body));
	if (len < 0)
		goto fail;
	v.p = body + 4;
	v.len = (size_t)len - 4;
	ike_enc_id(&o.e, IKE_PL_IDI, &(struct ike_id){ .type = body[0], .data = v });
	if (sa->conn->dstid.type) {
		uint8_t rb[4 + IKE_CONF_ID_MAX];
		int rlen = ike2_id_body(sa, false, rb, sizeof(rb));

		ike_enc_id(&o.e, IKE_PL_IDR, &(struct ike_id){
			.type = rb[0], .data = { rb + 4, (size_t)rlen - 4 } });
	}
	add_auth(&o, sa, body, (size_t)len);
	if (!sa->initial_contact_sent && !other_sa_with_peer(sa)) {
		ike2_out_notify(&o, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
		sa->initial_contact_sent = true;
	}
	if (ike2_child_offer(sa, &o, r, false))
		goto fail;
	return ike2_request(sa, &o, IKE_EXCH_IKE_AUTH, r);
fail:
	ike_req_free(r);
	return -1;
}

static void auth_failed(struct ike_sa *sa, uint32_t msgid)
{
	static struct ike_out o;

	ike2_out_enc(&o);
	ike2_out_notify(&o, 0, NULL, 0, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	ike2_respond(sa, &o, IKE_EXCH_IKE_AUTH, msgid);
}

/* INITIAL_CONTACT: the peer has no other IKE SA with us; drop what we kept. */
static void initial_contact(struct ike_sa *sa)
{
	struct ike_sa *o;

	/* Only established ones of this rule: a rule with "peer any" may serve many. */
	if (sa->conn->peer_any)
		return;
	for (o = ike_sas; o; o = o->next)
		if (o != sa && o->state == IKE_S_ESTABLISHED && !o->rekey_of &&
		    !strcmp(o->conn_name, sa->conn_name) &&
		    addr_eq(&o->remote.addr, &sa->remote.addr))
			ike2_sa_dead(o, "the peer restarted (INITIAL_CONTACT)");
}

int ike2_auth_in_req(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p)
{
	static struct ike_out o;
	uint8_t body[4 + IKE_CONF_ID_MAX];
	struct ike_child *c = NULL;
	struct ike_id id;
	struct ike_view v;
	uint16_t err = 0;
	char ab[64], ib[128];
	int len;

	if (!p->idi || !p->auth || ike_dec_id(p->idi, &id)) {
		ike_log(IKE_LOG_WARN, "%s: IKE_AUTH without IDi or AUTH (EAP is not supported)",
			ike_sa_name(sa));
		auth_failed(sa, m->hdr.msgid);
		return -1;
	}
	addr_str(&sa->remote.addr, ab, sizeof(ab));
	id_str(&id, ib, sizeof(ib));
	if (!id_ok(sa, &id)) {
		ike_log(IKE_LOG_WARN, "%s: authentication failed: the peer %s says it is %s, "
			"not the configured dstid", ike_sa_name(sa), ab, ib);
		auth_failed(sa, m->hdr.msgid);
		return -1;
	}
	if (!psk_verify(sa, p, p->idi)) {
		ike_log(IKE_LOG_WARN, "%s: authentication failed: the peer %s (%s) sent a wrong "
			"AUTH (do the pre-shared keys differ?)", ike_sa_name(sa), ab, ib);
		auth_failed(sa, m->hdr.msgid);
		return -1;
	}
	ike2_out_enc(&o);
	len = ike2_id_body(sa, true, body, sizeof(body));
	if (len < 0)
		return -1;
	v.p = body + 4;
	v.len = (size_t)len - 4;
	ike_enc_id(&o.e, IKE_PL_IDR, &(struct ike_id){ .type = body[0], .data = v });
	add_auth(&o, sa, body, (size_t)len);
	if (p->sa && p->tsi && p->tsr) {
		c = ike_child_new(sa);
		if (!c)
			return -1;
		if (ike2_child_answer(sa, &o, p, c, &err)) {
			ike2_out_notify(&o, 0, NULL, 0, err, NULL, 0);
			ike_child_free(c);
			c = NULL;
		}
	}
	if (ike2_notify(p, IKE_N_INITIAL_CONTACT, NULL))
		initial_contact(sa);
	ike2_established(sa);
	/* The child's SAs went in before the answer: the initiator sends at once. */
	if (ike2_respond(sa, &o, IKE_EXCH_IKE_AUTH, m->hdr.msgid))
		return -1;
	log_established(sa);
	if (c) {
		ike2_log_child(c);
		daemon_child_up(c);
	}
	return 0;
}
