// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv2 message handling (RFC 7296 2.1-2.3): receive and decrypt, match a
 * response to our request or hand a request to its exchange, retransmit
 * with exponential backoff, and answer a retransmitted request from the
 * response kept for it.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "kernel.h"
#include "log.h"
#include "protect.h"

#define RETRANSMIT_FIRST_MS	1000
#define RETRANSMIT_TRIES	6	/* 1+2+4+8+16+32 s: about a minute */

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

static const char *exch_name(uint8_t x)
{
	switch (x) {
	case IKE_EXCH_IKE_SA_INIT: return "IKE_SA_INIT";
	case IKE_EXCH_IKE_AUTH: return "IKE_AUTH";
	case IKE_EXCH_CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case IKE_EXCH_INFORMATIONAL: return "INFORMATIONAL";
	}
	return "exchange";
}

static const char *pl_name(uint8_t t)
{
	static const char *const names[] = {
		[IKE_PL_SA] = "SA", [IKE_PL_KE] = "KE", [IKE_PL_IDI] = "IDi",
		[IKE_PL_IDR] = "IDr", [IKE_PL_CERT] = "CERT", [IKE_PL_CERTREQ] = "CERTREQ",
		[IKE_PL_AUTH] = "AUTH", [IKE_PL_NONCE] = "No", [IKE_PL_NOTIFY] = "N",
		[IKE_PL_DELETE] = "D", [IKE_PL_VID] = "V", [IKE_PL_TSI] = "TSi",
		[IKE_PL_TSR] = "TSr", [IKE_PL_SK] = "SK", [IKE_PL_CP] = "CP",
		[IKE_PL_EAP] = "EAP", [IKE_PL_SKF] = "SKF",
	};

	if (t < sizeof(names) / sizeof(names[0]) && names[t])
		return names[t];
	return "?";
}

static const char *notify_name(uint16_t t)
{
	switch (t) {
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKE_N_INVALID_SYNTAX: return "INVALID_SYNTAX";
	case IKE_N_NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case IKE_N_INVALID_KE_PAYLOAD: return "INVALID_KE";
	case IKE_N_AUTHENTICATION_FAILED: return "AUTH_FAILED";
	case IKE_N_TS_UNACCEPTABLE: return "TS_UNACCEPTABLE";
	case IKE_N_TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case IKE_N_CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	case IKE_N_INITIAL_CONTACT: return "INITIAL_CONTACT";
	case IKE_N_NAT_DETECTION_SOURCE_IP: return "NATD_S";
	case IKE_N_NAT_DETECTION_DESTINATION_IP: return "NATD_D";
	case IKE_N_COOKIE: return "COOKIE";
	case IKE_N_USE_TRANSPORT_MODE: return "USE_TRANSPORT";
	case IKE_N_REKEY_SA: return "REKEY_SA";
	case IKE_N_MOBIKE_SUPPORTED: return "MOBIKE_SUP";
	case IKE_N_NO_ADDITIONAL_ADDRESSES: return "NO_ADD_ADDR";
	case IKE_N_EAP_ONLY_AUTHENTICATION: return "EAP_ONLY";
	case IKE_N_CHILDLESS_IKEV2_SUPPORTED: return "CHILDLESS_SUP";
	case IKE_N_IKEV2_FRAGMENTATION_SUPPORTED: return "FRAG_SUP";
	case IKE_N_SIGNATURE_HASH_ALGORITHMS: return "HASH_ALG";
	case IKE_N_REDIRECT_SUPPORTED: return "REDIRECT_SUP";
	}
	return NULL;
}

/* At debug level, the payloads of a message: "[ SA KE No N(NATD_S) ]". */
static void log_payloads(const char *who, const char *what, const struct ike_msg *m)
{
	char buf[1024];
	size_t off = 0;
	struct ike_notify n;
	unsigned int i;

	if (!ike_log_enabled(IKE_LOG_DEBUG))
		return;
	for (i = 0; i < m->npl && off < sizeof(buf) - 48; i++) {
		if ((m->pl[i].type == IKE_PL_SK || m->pl[i].type == IKE_PL_SKF) &&
		    !m->pl[i].inner)
			continue;	/* its inner payloads follow, or it was empty */
		if (m->pl[i].type == IKE_PL_NOTIFY && !ike_dec_notify(&m->pl[i], &n))
			off += notify_name(n.type) ?
			       snprintf(buf + off, sizeof(buf) - off, " N(%s)", notify_name(n.type)) :
			       snprintf(buf + off, sizeof(buf) - off, " N(%u)", n.type);
		else
			off += snprintf(buf + off, sizeof(buf) - off, " %s",
					pl_name(m->pl[i].type));
	}
	buf[off] = 0;
	ike_log(IKE_LOG_DEBUG, "%s: %s %s %u [%s ]", who, what, exch_name(m->hdr.exchange),
		m->hdr.msgid, buf);
}

int ike2_gather(const struct ike_msg *m, struct ike2_pls *p)
{
	const struct ike_pl *pl;
	unsigned int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < m->npl; i++) {
		pl = &m->pl[i];
		switch (pl->type) {
		case IKE_PL_SA: if (!p->sa) p->sa = pl; break;
		case IKE_PL_KE: if (!p->ke) p->ke = pl; break;
		case IKE_PL_NONCE: if (!p->nonce) p->nonce = pl; break;
		case IKE_PL_IDI: if (!p->idi) p->idi = pl; break;
		case IKE_PL_IDR: if (!p->idr) p->idr = pl; break;
		case IKE_PL_AUTH: if (!p->auth) p->auth = pl; break;
		case IKE_PL_TSI: if (!p->tsi) p->tsi = pl; break;
		case IKE_PL_TSR: if (!p->tsr) p->tsr = pl; break;
		case IKE_PL_NOTIFY: p->notify[p->nnotify++] = pl; break;
		case IKE_PL_DELETE: p->del[p->ndel++] = pl; break;
		}
	}
	return 0;
}

const struct ike_pl *ike2_notify(const struct ike2_pls *p, uint16_t type, struct ike_notify *n)
{
	struct ike_notify tmp;
	unsigned int i;

	if (!n)
		n = &tmp;
	for (i = 0; i < p->nnotify; i++)
		if (!ike_dec_notify(p->notify[i], n) && n->type == type)
			return p->notify[i];
	return NULL;
}

uint16_t ike2_error_notify(const struct ike2_pls *p)
{
	struct ike_notify n;
	unsigned int i;

	for (i = 0; i < p->nnotify; i++)
		if (!ike_dec_notify(p->notify[i], &n) && n.type < IKE_NOTIFY_STATUS_MIN)
			return n.type;
	return 0;
}

static void fill_hdr(struct ike_hdr *h, struct ike_sa *sa, uint8_t exch, bool response,
		     uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(h->spi_r, sa->spi_r, IKE_SPI_LEN);
	h->major = IKE2_MAJOR;
	h->exchange = exch;
	h->flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) | (response ? IKE_FLAG_RESPONSE : 0);
	h->msgid = msgid;
}

void ike2_out_plain(struct ike_out *o, struct ike_sa *sa, uint8_t exch, bool response,
		    uint32_t msgid)
{
	struct ike_hdr h;

	fill_hdr(&h, sa, exch, response, msgid);
	o->enc = false;
	ike_wbuf_init(&o->w, o->buf, sizeof(o->buf));
	ike_enc_begin(&o->e, &o->w, &h);
}

void ike2_out_enc(struct ike_out *o)
{
	o->enc = true;
	ike_wbuf_init(&o->w, o->buf, sizeof(o->buf));
	ike_enc_chain_begin(&o->e, &o->w);
}

void ike2_out_notify(struct ike_out *o, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
		     uint16_t type, const void *data, size_t len)
{
	struct ike_notify n = {
		.protocol = proto, .spi_size = spi_size, .type = type, .spi = spi,
		.data = { .p = data, .len = len },
	};

	ike_enc_notify(&o->e, &n);
}

/* What an SK message may weigh before it goes in fragments (RFC 7383 2.5). */
static size_t frag_max(const struct ike_sa *sa)
{
	size_t over = (sa->local.addr.family == AF_INET ? 20 : 40) + 8 +
		      (sa->local.port == 500 ? 0 : 4);

	return daemon_opts.fragment_size > over ? daemon_opts.fragment_size - over : 0;
}

/*
 * The whole message, sealed if it is to be, in fragments if it is too big
 * and the peer takes them: a malloc'd copy, fragments one after another.
 */
static int finish(struct ike_sa *sa, struct ike_out *o, uint8_t exch, bool response,
		  uint32_t msgid, uint8_t **buf, size_t *len, unsigned int *nfrag, size_t *flen)
{
	static uint8_t sealed[IKE_MSG_MAX];
	struct ike_view frags[IKE_FRAGS_MAX];
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_view chain;
	struct ike_hdr h;
	const uint8_t *msg;
	unsigned int i;
	uint8_t first;
	int err;

	*nfrag = 0;
	if (!o->enc) {
		err = ike_enc_end(&o->e);
		msg = o->buf;
		*len = o->w.len;
		if (!err && ike_log_enabled(IKE_LOG_DEBUG)) {
			static struct ike_msg dm;

			if (!ike_decode(o->buf, o->w.len, &dm))
				log_payloads(ike_sa_name(sa), "sending", &dm);
		}
	} else {
		err = ike_enc_chain_end(&o->e, &chain, &first);
		if (!err) {
			fill_hdr(&h, sa, exch, response, msgid);
			ike_wbuf_init(&w, sealed, sizeof(sealed));
			ike_enc_begin(&e, &w, &h);
			err = ike2_sk_seal(&e, &sa->keys, sa->initiator, first, chain.p,
					   chain.len);
			*len = w.len;
		}
		if (!err && sa->peer_frag && exch != IKE_EXCH_IKE_SA_INIT && *len > frag_max(sa)) {
			h.next = IKE_PL_SKF;
			err = ike2_skf_seal(&h, &sa->keys, sa->initiator, first, chain.p, chain.len,
					    frag_max(sa), sealed, sizeof(sealed), frags,
					    IKE_FRAGS_MAX, nfrag);
			for (i = 0, *len = 0; !err && i < *nfrag; i++) {
				flen[i] = frags[i].len;
				*len += frags[i].len;
			}
		}
		if (!err && ike_log_enabled(IKE_LOG_DEBUG)) {
			static struct ike_msg dm;

			memset(&dm, 0, sizeof(dm));
			dm.hdr.exchange = exch;
			dm.hdr.msgid = msgid;
			if (!ike_decode_inner(&dm, first, chain.p, chain.len))
				log_payloads(ike_sa_name(sa), "sending",
					     &dm);
		}
		ike_wipe(o->buf, o->w.len);
		msg = sealed;
	}
	if (err) {
		ike_log(IKE_LOG_ERR, "%s: cannot build %s: %s", ike_sa_name(sa), exch_name(exch),
			err > 0 ? ike_strerror(err) : "encryption failed");
		return -1;
	}
	*buf = malloc(*len);
	if (!*buf)
		return -1;
	memcpy(*buf, msg, *len);
	return 0;
}

/* A message, or each of its fragments. */
static void send_wire(struct ike_sa *sa, const uint8_t *buf, size_t len, unsigned int nfrag,
		      const size_t *flen)
{
	unsigned int i;
	int err = 0;

	if (!nfrag) {
		err = ike_net_send(&sa->local, &sa->remote, buf, len);
	} else {
		for (i = 0; i < nfrag && !err; buf += flen[i++])
			err = ike_net_send(&sa->local, &sa->remote, buf, flen[i]);
	}
	if (err)
		ike_log(IKE_LOG_WARN, "%s: sending to the peer failed: %s", ike_sa_name(sa),
			strerror(-err));
}

static void retransmit(struct ike_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, retransmit);
	struct ike_req *r = sa->req;

	if (!r)
		return;
	if (++r->tries >= RETRANSMIT_TRIES) {
		ike2_sa_dead(sa, r->kind == IKE_REQ_DPD ? "dead peer: no answer to liveness checks"
						     : "the peer does not answer");
		return;
	}
	ike_log(IKE_LOG_INFO, "%s: %s request %u retransmitted (%u)", ike_sa_name(sa),
		exch_name(r->exchange), r->msgid, r->tries);
	send_wire(sa, r->buf, r->len, r->nfrag, r->flen);
	ike_timer_arm(&sa->retransmit, (uint64_t)RETRANSMIT_FIRST_MS << r->tries);
}

struct ike_req *ike2_req_new(int kind, ike_resp_fn fn)
{
	struct ike_req *r = calloc(1, sizeof(*r));

	if (r) {
		r->kind = kind;
		r->fn = fn;
	}
	return r;
}

int ike2_request(struct ike_sa *sa, struct ike_out *o, uint8_t exch, struct ike_req *r)
{
	if (sa->req) {
		ike_log(IKE_LOG_ERR, "%s: a request is already out", ike_sa_name(sa));
		ike_req_free(r);
		return -1;
	}
	r->exchange = exch;
	r->msgid = sa->msgid_out;
	if (finish(sa, o, exch, false, r->msgid, &r->buf, &r->len, &r->nfrag, r->flen)) {
		ike_req_free(r);
		return -1;
	}
	sa->msgid_out++;
	sa->req = r;
	r->sent_ms = ike_now_ms();
	ike_log(IKE_LOG_DEBUG, "%s: %s request %u sent (%zu bytes%s)", ike_sa_name(sa),
		exch_name(exch), r->msgid, r->len, r->nfrag ? ", in fragments" : "");
	send_wire(sa, r->buf, r->len, r->nfrag, r->flen);
	ike_timer_init(&sa->retransmit, retransmit);
	ike_timer_arm(&sa->retransmit, RETRANSMIT_FIRST_MS);
	return 0;
}

int ike2_respond(struct ike_sa *sa, struct ike_out *o, uint8_t exch, uint32_t msgid)
{
	uint8_t *buf;
	size_t len;

	if (finish(sa, o, exch, true, msgid, &buf, &len, &sa->last_resp_nfrag,
		   sa->last_resp_flen))
		return -1;
	free(sa->last_resp);
	sa->last_resp = buf;
	sa->last_resp_len = len;
	sa->last_resp_exch = exch;
	sa->msgid_in = msgid + 1;
	send_wire(sa, buf, len, sa->last_resp_nfrag, sa->last_resp_flen);
	return 0;
}

void ike2_respond_plain_notify(const struct ike_msg *m, const struct ike_ep *local,
			       const struct ike_ep *remote, uint16_t type,
			       const void *data, size_t len)
{
	static uint8_t buf[512];
	struct ike_notify n = { .type = type, .data = { .p = data, .len = len } };
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, m->hdr.spi_i, IKE_SPI_LEN);
	h.major = IKE2_MAJOR;
	h.exchange = m->hdr.exchange;
	h.flags = IKE_FLAG_RESPONSE;
	h.msgid = m->hdr.msgid;
	ike_wbuf_init(&w, buf, sizeof(buf));
	ike_enc_begin(&e, &w, &h);
	ike_enc_notify(&e, &n);
	if (ike_enc_end(&e) == IKE_OK)
		ike_net_send(local, remote, buf, w.len);
}

static void free_dead(struct ike_timer *t)
{
	ike_sa_free(container_of(t, struct ike_sa, expire_timer));
}

void ike2_sa_dead(struct ike_sa *sa, const char *why)
{
	if (sa->state == IKE_S_DEAD)
		return;
	if (why && sa->replaced)
		ike_log(IKE_LOG_INFO, "%s: the IKE SA replaced by its rekey is retired", ike_sa_name(sa));
	else if (why)
		ike_log(IKE_LOG_INFO, "%s: IKE SA with %s closed: %s", ike_sa_name(sa),
			addr_str(&sa->remote.addr, (char[64]){ 0 }, 64), why);
	sa->state = IKE_S_DEAD;
	while (sa->children)
		ike_child_free(sa->children);
	daemon_sa_gone(sa);
	ike_timer_cancel(&sa->retransmit);
	ike_timer_cancel(&sa->rekey_timer);
	ike_timer_cancel(&sa->dpd_timer);
	ike_timer_cancel(&sa->keepalive_timer);
	/* Freed from the loop: the caller may still hold it. */
	ike_timer_cancel(&sa->expire_timer);
	ike_timer_init(&sa->expire_timer, free_dead);
	ike_timer_arm(&sa->expire_timer, 0);
}

static uint64_t jitter(uint64_t seconds)
{
	uint32_t r;

	/* Between 80 and 90 percent of the lifetime, so that peers differ. */
	ike_random(&r, sizeof(r));
	return seconds * 800 + (seconds * 100 * (r % 1000)) / 1000;
}

static void ike_rekey_due(struct ike_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, rekey_timer);

	sa->want_rekey = true;
	ike2_kick(sa);
}

static void dpd_due(struct ike_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, dpd_timer);
	uint64_t idle = ike_now_ms() - sa->last_rx_ms;

	if (!sa->conn || !sa->conn->dpd)
		return;
	if (idle >= sa->conn->dpd * 1000) {
		sa->want_dpd = true;
		ike2_kick(sa);
		ike_timer_arm(&sa->dpd_timer, sa->conn->dpd * 1000);
	} else {
		ike_timer_arm(&sa->dpd_timer, sa->conn->dpd * 1000 - idle);
	}
}

#define KEEPALIVE_MS	20000

/* Behind a NAT, a keepalive keeps its mapping open when nothing else goes. */
static void keepalive_due(struct ike_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, keepalive_timer);

	if (sa->state != IKE_S_ESTABLISHED || !sa->nat_local)
		return;
	ike_net_keepalive(&sa->local, &sa->remote);
	ike_timer_arm(&sa->keepalive_timer, KEEPALIVE_MS);
}

void ike2_established(struct ike_sa *sa)
{
	uint64_t lt = sa->conn ? sa->conn->ike_lifetime : 8 * 3600;

	sa->state = IKE_S_ESTABLISHED;
	sa->established_ms = ike_now_ms();
	sa->last_rx_ms = sa->established_ms;
	ike_timer_init(&sa->rekey_timer, ike_rekey_due);
	sa->rekey_at_ms = sa->established_ms + jitter(lt);
	ike_timer_arm(&sa->rekey_timer, sa->rekey_at_ms - sa->established_ms);
	ike_timer_init(&sa->dpd_timer, dpd_due);
	if (sa->conn && sa->conn->dpd)
		ike_timer_arm(&sa->dpd_timer, sa->conn->dpd * 1000);
	ike_timer_init(&sa->keepalive_timer, keepalive_due);
	if (sa->nat_local)
		ike_timer_arm(&sa->keepalive_timer, KEEPALIVE_MS);
	ike_timer_cancel(&sa->expire_timer);
}

static void child_rekey_due(struct ike_timer *t)
{
	struct ike_child *c = container_of(t, struct ike_child, rekey_timer);

	c->want_rekey = true;
	ike2_kick(c->ike);
}

static void child_delete_due(struct ike_timer *t)
{
	struct ike_child *c = container_of(t, struct ike_child, rekey_timer);

	ike2_kick(c->ike);
}

/*
 * A replaced child SA goes late: after a second when we made its
 * successor (its traffic has moved), after a minute when the peer did and
 * is to delete it, as RFC 7296 2.8 asks.
 */
void ike2_child_replaced(struct ike_child *c, bool we_made_successor)
{
	uint64_t delay = we_made_successor ? 1000 : 60000;

	c->state = CHILD_S_REKEYED;
	c->want_rekey = false;
	c->delete_at_ms = ike_now_ms() + delay;
	ike_timer_cancel(&c->rekey_timer);
	ike_timer_init(&c->rekey_timer, child_delete_due);
	ike_timer_arm(&c->rekey_timer, delay);
}

void ike2_child_timers(struct ike_child *c)
{
	uint64_t lt = c->ike->conn ? c->ike->conn->lifetime : 3600;

	ike_timer_init(&c->rekey_timer, child_rekey_due);
	c->rekey_at_ms = ike_now_ms() + jitter(lt);
	ike_timer_arm(&c->rekey_timer, c->rekey_at_ms - ike_now_ms());
}

void ike2_kick(struct ike_sa *sa)
{
	struct ike_child *c;

	if (sa->version == 1) {
		ike1_kick(sa);
		return;
	}
	if (sa->req || sa->state != IKE_S_ESTABLISHED)
		return;
	if (sa->want_delete) {
		sa->want_delete = false;
		ike2_delete_ike(sa);
		return;
	}
	for (c = sa->children; c; c = c->next) {
		if (c->state == CHILD_S_REKEYED && ike_now_ms() >= c->delete_at_ms) {
			ike2_delete_child(c);
			return;
		}
	}
	for (c = sa->children; c; c = c->next) {
		if (c->want_rekey && c->state == CHILD_S_INSTALLED) {
			c->want_rekey = false;
			ike2_rekey_child(c);
			return;
		}
	}
	if (sa->want_rekey) {
		sa->want_rekey = false;
		ike2_rekey_ike(sa);
		return;
	}
	if (sa->pending_child) {
		sa->pending_child = false;
		ike2_new_child(sa);
		return;
	}
	if (sa->want_dpd) {
		sa->want_dpd = false;
		ike2_dpd(sa);
	}
}

/* The fragment number of an SKF message, 0 for others. */
static unsigned int request_frag_num(const struct ike_msg *m)
{
	struct ike_sk sk;

	if (!m->npl || m->pl[m->npl - 1].type != IKE_PL_SKF ||
	    ike_dec_sk(&m->pl[m->npl - 1], &sk))
		return 0;
	return sk.frag_num;
}

/*
 * One fragment in (RFC 7383 2.6): each is authenticated alone, then kept
 * until all are here. 1 while fragments are missing, 0 with the whole
 * inner chain in plain (*plen), -1 for a bad one.
 */
static int defragment(struct ike_sa *sa, const struct ike_msg *m, const struct ike_sk *sk,
		      const uint8_t *piece, size_t len, uint8_t *plain, size_t *plen)
{
	bool response = m->hdr.flags & IKE_FLAG_RESPONSE;
	unsigned int i, n = sk->frag_num, total = sk->frag_total;
	size_t off = 0;

	if (!n || !total || n > total || total > IKE_FRAGS_MAX)
		return -1;
	if (sa->frag_in.total && (sa->frag_in.msgid != m->hdr.msgid ||
				  sa->frag_in.response != response || sa->frag_in.total != total))
		ike_sa_frags_drop(sa);
	if (!sa->frag_in.total) {
		sa->frag_in.msgid = m->hdr.msgid;
		sa->frag_in.response = response;
		sa->frag_in.total = (uint16_t)total;
	}
	if (sa->frag_in.have & (1u << (n - 1)))
		return 1;
	sa->frag_in.piece[n - 1] = malloc(len ? len : 1);
	if (!sa->frag_in.piece[n - 1])
		return -1;
	memcpy(sa->frag_in.piece[n - 1], piece, len);
	sa->frag_in.plen[n - 1] = len;
	sa->frag_in.have |= 1u << (n - 1);
	if (n == 1)
		sa->frag_in.first = sk->inner;
	if (sa->frag_in.have != (total == 32 ? 0xffffffffu : (1u << total) - 1))
		return 1;
	for (i = 0; i < total; i++) {
		if (off + sa->frag_in.plen[i] > IKE_MSG_MAX) {
			ike_sa_frags_drop(sa);
			return -1;
		}
		memcpy(plain + off, sa->frag_in.piece[i], sa->frag_in.plen[i]);
		off += sa->frag_in.plen[i];
	}
	*plen = off;
	return 0;
}

/* 0 with the inner payloads decoded; 1 for a fragment of a message not yet whole. */
static int decrypt(struct ike_sa *sa, struct ike_msg *m)
{
	static uint8_t plain[IKE_MSG_MAX], piece[IKE_MSG_MAX];
	const struct ike_pl *pl;
	struct ike_sk sk;
	uint8_t first;
	size_t plen;
	int err;

	if (!m->npl)
		return -1;
	pl = &m->pl[m->npl - 1];
	if ((pl->type != IKE_PL_SK && pl->type != IKE_PL_SKF) || ike_dec_sk(pl, &sk))
		return -1;
	if (ike2_sk_open(m, &sa->keys, m->hdr.flags & IKE_FLAG_INITIATOR,
			 pl->type == IKE_PL_SK ? plain : piece, IKE_MSG_MAX, &plen)) {
		ike_log(IKE_LOG_INFO, "%s: %s %u dropped: bad ICV or padding", ike_sa_name(sa),
			exch_name(m->hdr.exchange), m->hdr.msgid);
		return -1;
	}
	first = sk.inner;
	if (pl->type == IKE_PL_SKF) {
		err = defragment(sa, m, &sk, piece, plen, plain, &plen);
		ike_wipe(piece, plen);
		if (err)
			return err;
		first = sa->frag_in.first;
		ike_log(IKE_LOG_DEBUG, "%s: %s %u reassembled from %u fragments", ike_sa_name(sa),
			exch_name(m->hdr.exchange), m->hdr.msgid, sa->frag_in.total);
		ike_sa_frags_drop(sa);
	}
	err = ike_decode_inner(m, first, plain, plen);
	if (err == IKE_E_CRITICAL) {
		ike_log(IKE_LOG_INFO, "%s: %s %u refused: unknown critical payload %u",
			ike_sa_name(sa), exch_name(m->hdr.exchange), m->hdr.msgid, m->bad_type);
		return 2;
	}
	if (err) {
		ike_log(IKE_LOG_INFO, "%s: %s %u dropped: malformed payloads inside SK",
			ike_sa_name(sa), exch_name(m->hdr.exchange), m->hdr.msgid);
		return -1;
	}
	return 0;
}

/* The peer's endpoint moved (a NAT rebinding): follow it. */
void ike2_follow_peer(struct ike_sa *sa, const struct ike_ep *remote)
{
	struct ike_child *c;

	if (addr_eq(&sa->remote.addr, &remote->addr) && sa->remote.port == remote->port)
		return;
	if (!sa->natt || !addr_eq(&sa->remote.addr, &remote->addr))
		return;		/* only a port change behind a NAT; no MOBIKE */
	ike_log(IKE_LOG_INFO, "%s: peer moved to port %u", ike_sa_name(sa), remote->port);
	sa->remote.port = remote->port;
	for (c = sa->children; c; c = c->next)
		if (c->installed_out && (sa->nat_local || sa->nat_remote) && sa->natt)
			kb_sa_set_encap(c->spi_out, &sa->remote.addr, NULL, 0, remote->port);
}

static void handle_response(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *local,
			    const struct ike_ep *remote)
{
	struct ike_req *r = sa->req;
	struct ike2_pls p;
	int err;

	if (!r || m->hdr.msgid != r->msgid || m->hdr.exchange != r->exchange) {
		ike_log(IKE_LOG_DEBUG, "%s: unexpected response %u dropped", ike_sa_name(sa),
			m->hdr.msgid);
		return;
	}
	if (m->hdr.exchange != IKE_EXCH_IKE_SA_INIT && decrypt(sa, m))
		return;		/* a response we cannot read: as if lost */
	log_payloads(ike_sa_name(sa), "received", m);
	ike2_gather(m, &p);
	sa->req = NULL;
	ike_timer_cancel(&sa->retransmit);
	sa->last_rx_ms = ike_now_ms();
	if (m->hdr.exchange != IKE_EXCH_IKE_SA_INIT)
		ike2_follow_peer(sa, remote);
	err = r->fn(sa, r, m, &p);
	ike_req_free(r);
	if (err)
		ike2_sa_dead(sa, NULL);
	else if (sa->state != IKE_S_DEAD)
		ike2_kick(sa);
}

static void handle_request(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *local,
			   const struct ike_ep *remote)
{
	struct ike2_pls p;
	int err = 0;

	if (sa->last_resp && m->hdr.msgid + 1 == sa->msgid_in &&
	    m->hdr.exchange == sa->last_resp_exch) {
		ike_log(IKE_LOG_DEBUG, "%s: retransmitted request %u: response resent",
			ike_sa_name(sa), m->hdr.msgid);
		/* For a fragmented request, once: on its first fragment. */
		if (request_frag_num(m) <= 1)
			send_wire(sa, sa->last_resp, sa->last_resp_len, sa->last_resp_nfrag,
				  sa->last_resp_flen);
		return;
	}
	if (m->hdr.msgid != sa->msgid_in) {
		ike_log(IKE_LOG_DEBUG, "%s: request %u dropped: expected %u", ike_sa_name(sa),
			m->hdr.msgid, sa->msgid_in);
		return;
	}
	err = decrypt(sa, m);
	if (err == 2) {
		/* RFC 7296 2.5: the answer names the payload we do not support. */
		static struct ike_out o;
		uint8_t t = m->bad_type;

		ike2_out_enc(&o);
		ike2_out_notify(&o, 0, NULL, 0, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
		ike2_respond(sa, &o, m->hdr.exchange, m->hdr.msgid);
		return;
	}
	if (err)
		return;
	log_payloads(ike_sa_name(sa), "received", m);
	ike2_gather(m, &p);
	sa->last_rx_ms = ike_now_ms();
	if (m->hdr.exchange == IKE_EXCH_IKE_AUTH) {
		if (sa->state != IKE_S_HALF_OPEN)
			return;
		/* The initiator may have moved to 4500 (RFC 7296 2.23). */
		sa->local = *local;
		sa->remote = *remote;
		sa->natt = local->port != 500;
		err = ike2_auth_in_req(sa, m, &p);
	} else if (sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_REKEYED &&
		   sa->state != IKE_S_DELETING) {
		return;
	} else {
		ike2_follow_peer(sa, remote);
		if (m->hdr.exchange == IKE_EXCH_CREATE_CHILD_SA)
			err = ike2_child_in_req(sa, m, &p);
		else if (m->hdr.exchange == IKE_EXCH_INFORMATIONAL)
			err = ike2_info_in_req(sa, m, &p);
		else
			ike_log(IKE_LOG_INFO, "%s: exchange type %u not supported: dropped",
				ike_sa_name(sa), m->hdr.exchange);
	}
	if (err)
		ike2_sa_dead(sa, NULL);
}

void ike2_rx(const uint8_t *p, size_t len, const struct ike_ep *local,
	     const struct ike_ep *remote, void *arg)
{
	static struct ike_msg m;
	char ab[64];
	struct ike_sa *sa;
	int err;

	if (len > 17 && p[17] >> 4 == IKE1_MAJOR) {
		ike1_rx(p, len, local, remote);
		return;
	}
	err = ike_decode(p, len, &m);
	if (err == IKE_E_VERSION || (!err && m.hdr.major != IKE2_MAJOR)) {
		ike_log(IKE_LOG_INFO, "from %s[%u]: IKE version %u.%u not supported: dropped",
			addr_str(&remote->addr, ab, sizeof(ab)), remote->port,
			len > 17 ? p[17] >> 4 : 0, len > 17 ? p[17] & 15 : 0);
		return;
	}
	if (err == IKE_E_CRITICAL && !(m.hdr.flags & IKE_FLAG_RESPONSE) &&
	    m.hdr.exchange == IKE_EXCH_IKE_SA_INIT) {
		uint8_t t = m.bad_type;

		ike2_respond_plain_notify(&m, local, remote, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
					  &t, 1);
		return;
	}
	if (err) {
		ike_log(IKE_LOG_INFO, "from %s[%u]: malformed message dropped: %s",
			addr_str(&remote->addr, ab, sizeof(ab)), remote->port,
			ike_strerror(err));
		return;
	}
	if (m.hdr.exchange == IKE_EXCH_IKE_SA_INIT && !(m.hdr.flags & IKE_FLAG_RESPONSE)) {
		char who[96];

		snprintf(who, sizeof(who), "%s[%u]", addr_str(&remote->addr, ab, sizeof(ab)),
			 remote->port);
		log_payloads(who, "received", &m);
		if (!daemon_terminating)
			ike2_init_in_req(&m, local, remote);
		return;
	}
	if (m.hdr.exchange == IKE_EXCH_IKE_SA_INIT) {
		sa = ike_sa_find(m.hdr.spi_i, NULL);
		/* Before any key, only the address we sent to may answer. */
		if (sa && !addr_eq(&sa->remote.addr, &remote->addr))
			sa = NULL;
	} else
		sa = ike_sa_find(m.hdr.spi_i, m.hdr.spi_r);
	if (!sa) {
		ike_log(IKE_LOG_DEBUG, "from %s[%u]: %s for an unknown IKE SA dropped",
			addr_str(&remote->addr, ab, sizeof(ab)), remote->port,
			exch_name(m.hdr.exchange));
		return;
	}
	/* A message from the wrong side of the SA is not ours. */
	if (!!(m.hdr.flags & IKE_FLAG_INITIATOR) == sa->initiator)
		return;
	if (m.hdr.flags & IKE_FLAG_RESPONSE)
		handle_response(sa, &m, local, remote);
	else
		handle_request(sa, &m, local, remote);
}
