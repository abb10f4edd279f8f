// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKEv1 message handling (RFC 2408 3-5, RFC 2409): receive, find the
 * ISAKMP SA and the exchange, decrypt with the exchange's IV chain, answer
 * a duplicate with our last message, retransmit on a timer while waiting,
 * and hand the message to its exchange.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "kernel.h"
#include "log.h"

#define RETRANSMIT_FIRST_MS	1000
#define RETRANSMIT_TRIES	6
#define X_KEEP_MS		30000	/* a finished exchange answers duplicates this long */
#define X_MAX			32	/* exchanges in progress on one ISAKMP SA */

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

static const char *exch_name(uint8_t x)
{
	switch (x) {
	case IKE1_EXCH_IDENT_PROT: return "Main Mode";
	case IKE1_EXCH_AGGRESSIVE: return "Aggressive Mode";
	case IKE1_EXCH_QUICK: return "Quick Mode";
	case IKE1_EXCH_INFORMATIONAL: return "Informational";
	case IKE1_EXCH_TRANSACTION: return "Transaction";
	}
	return "exchange";
}

/* At debug level: "[ SA V V ]". */
static void log_payloads(const char *who, const char *what, const struct ike_msg *m)
{
	static const char *const names[] = {
		[IKE1_PL_SA] = "SA", [IKE1_PL_KE] = "KE", [IKE1_PL_ID] = "ID",
		[IKE1_PL_CERT] = "CERT", [IKE1_PL_CERTREQ] = "CR", [IKE1_PL_HASH] = "HASH",
		[IKE1_PL_SIG] = "SIG", [IKE1_PL_NONCE] = "No", [IKE1_PL_NOTIFY] = "N",
		[IKE1_PL_DELETE] = "D", [IKE1_PL_VID] = "V", [IKE1_PL_ATTR] = "ATTR",
		[IKE1_PL_NAT_D] = "NAT-D", [IKE1_PL_NAT_OA] = "NAT-OA",
	};
	struct ike1_notify n;
	char buf[512];
	size_t off = 0;
	unsigned int i;
	uint8_t t;

	if (!ike_log_enabled(IKE_LOG_DEBUG))
		return;
	for (i = 0; i < m->npl && off < sizeof(buf) - 32; i++) {
		t = m->pl[i].type;
		if (t == IKE1_PL_NOTIFY && !ike1_dec_notify(&m->pl[i], &n))
			off += snprintf(buf + off, sizeof(buf) - off, " N(%u)", n.type);
		else if (t < sizeof(names) / sizeof(names[0]) && names[t])
			off += snprintf(buf + off, sizeof(buf) - off, " %s", names[t]);
		else
			off += snprintf(buf + off, sizeof(buf) - off, " #%u", t);
	}
	buf[off] = 0;
	ike_log(IKE_LOG_DEBUG, "%s: %s %s 0x%08x [%s ]", who, what, exch_name(m->hdr.exchange),
		m->hdr.msgid, buf);
}

/* --- Messages out ------------------------------------------------------- */

void ike1_out_begin(struct ike_out *o, struct ike_sa *sa, uint8_t exch, uint32_t msgid,
		    bool enc)
{
	struct ike_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, sa->spi_r, IKE_SPI_LEN);
	h.major = IKE1_MAJOR;
	h.exchange = exch;
	h.flags = enc ? IKE1_FLAG_ENCRYPTION : 0;
	h.msgid = msgid;
	o->enc = enc;
	ike_wbuf_init(&o->w, o->buf, sizeof(o->buf));
	ike_enc_begin(&o->e, &o->w, &h);
}

size_t ike1_out_hash_reserve(struct ike_out *o, struct ike_sa *sa)
{
	size_t off;

	ike_enc_pl_begin(&o->e, IKE1_PL_HASH, false);
	off = ike_wbuf_reserve(&o->w, sa->v1->k.prf->len);
	ike_enc_pl_end(&o->e);
	return off;
}

void ike1_out_hash(struct ike_out *o, struct ike_sa *sa, size_t hash_off, bool zero,
		   uint32_t msgid, const struct ike_view *ni, const struct ike_view *nr)
{
	size_t rest_off = hash_off + sa->v1->k.prf->len;
	struct ike_view rest = { o->buf + rest_off, o->w.len - rest_off };

	if (o->w.err || rest_off > o->w.len)
		return;
	if (ike1_hash_msg(&sa->v1->k, zero, msgid, ni, nr, zero ? NULL : &rest,
			  o->buf + hash_off))
		o->w.err = true;
}

void ike1_last_free(struct ike1_last *l)
{
	free(l->out);
	memset(l, 0, sizeof(*l));
}

static void send_wire(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	int err = ike_net_send(&sa->local, &sa->remote, buf, len);

	if (err)
		ike_log(IKE_LOG_WARN, "%s: sending to the peer failed: %s", ike_sa_name(sa),
			strerror(-err));
}

int ike1_out_send(struct ike_sa *sa, struct ike_out *o, struct ike1_iv *iv,
		  struct ike1_last *last)
{
	static struct ike_msg dm;
	int err, len;
	uint8_t *copy;

	err = ike_enc_end(&o->e);
	if (!err && o->w.err)
		err = IKE_E_NOSPACE;
	if (!err && ike_log_enabled(IKE_LOG_DEBUG)) {
		const uint8_t *h = o->buf;

		/* The plaintext's payloads, before the encryption hides them. */
		memset(&dm, 0, sizeof(dm));
		dm.hdr.exchange = h[18];
		dm.hdr.msgid = get_be32(h + 20);
		if (!ike_decode_inner(&dm, h[16], o->buf + IKE_HDR_LEN, o->w.len - IKE_HDR_LEN))
			log_payloads(ike_sa_name(sa), "sending", &dm);
	}
	len = (int)o->w.len;
	if (!err && o->enc) {
		len = ike1_seal(&sa->v1->k, iv, o->buf, o->w.len, sizeof(o->buf));
		if (len < 0)
			err = -1;
	}
	if (err) {
		ike_log(IKE_LOG_ERR, "%s: cannot build a %s message: %s", ike_sa_name(sa),
			exch_name(o->buf[18]), err > 0 ? ike_strerror(err) : "encryption failed");
		return -1;
	}
	if (last) {
		copy = malloc((size_t)len);
		if (!copy)
			return -1;
		memcpy(copy, o->buf, (size_t)len);
		free(last->out);
		last->out = copy;
		last->out_len = (size_t)len;
		last->tries = 0;
	}
	send_wire(sa, o->buf, (size_t)len);
	return 0;
}

/* --- Retransmission ----------------------------------------------------- */

static void p1_retransmit(struct ike_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, retransmit);
	struct ike1_last *l = &sa->v1->last;

	if (!l->out || sa->v1->st == IKE1_P1_DONE)
		return;
	if (++l->tries >= RETRANSMIT_TRIES) {
		/*
		 * A peer that cannot decrypt our identity and HASH (its keys
		 * differ from ours) stays silent or answers what we cannot read.
		 */
		ike1_sa_dead(sa, sa->v1->st == IKE1_MM_I3 ?
			     "authentication failed: the peer does not answer our identity and "
			     "HASH; it probably has another pre-shared key" :
			     sa->v1->st == IKE1_MM_R2 ?
			     "authentication failed: no identity and HASH the peer's key decrypts; "
			     "it probably has another pre-shared key" :
			     "the peer does not answer");
		return;
	}
	ike_log(IKE_LOG_INFO, "%s: %s message retransmitted (%u)", ike_sa_name(sa),
		sa->v1->aggressive ? "Aggressive Mode" : "Main Mode", l->tries);
	send_wire(sa, l->out, l->out_len);
	ike_timer_arm(&sa->retransmit, (uint64_t)RETRANSMIT_FIRST_MS << l->tries);
}

void ike1_retransmit_arm(struct ike_sa *sa)
{
	/* Not ike_timer_init(): it may be armed, and arming again moves it. */
	sa->retransmit.fn = p1_retransmit;
	ike_timer_arm(&sa->retransmit, RETRANSMIT_FIRST_MS);
}

/* Whether m repeats the peer's last message of this exchange; then ours again. */
static bool duplicate(struct ike_sa *sa, struct ike1_last *l, const struct ike_msg *m)
{
	uint8_t h[20];

	if (ike_digest("SHA1", &m->raw, 1, h))
		return false;
	if (l->have_in && !memcmp(h, l->in, sizeof(h))) {
		if (l->out) {
			ike_log(IKE_LOG_DEBUG, "%s: duplicate %s message: ours resent",
				ike_sa_name(sa), exch_name(m->hdr.exchange));
			send_wire(sa, l->out, l->out_len);
		}
		return true;
	}
	return false;
}

void ike1_seen(struct ike1_last *l, const struct ike_msg *m)
{
	l->have_in = !ike_digest("SHA1", &m->raw, 1, l->in);
}

/* --- Exchanges of phase 2 ---------------------------------------------- */

static void x_due(struct ike_timer *t)
{
	struct ike1_x *x = container_of(t, struct ike1_x, timer);
	struct ike_sa *sa = x->sa;

	if (x->st == IKE1_QM_DONE || !x->last.out) {
		ike1_x_free(x);
		return;
	}
	if (++x->last.tries >= RETRANSMIT_TRIES) {
		ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x: the peer does not answer",
			ike_sa_name(sa), x->msgid);
		if (x->old)
			x->old->state = CHILD_S_INSTALLED;	/* try again at its expiry */
		ike1_x_free(x);
		return;
	}
	ike_log(IKE_LOG_INFO, "%s: Quick Mode 0x%08x retransmitted (%u)", ike_sa_name(sa),
		x->msgid, x->last.tries);
	send_wire(sa, x->last.out, x->last.out_len);
	ike_timer_arm(&x->timer, (uint64_t)RETRANSMIT_FIRST_MS << x->last.tries);
}

uint32_t ike1_msgid_new(struct ike_sa *sa)
{
	uint32_t msgid;

	do
		ike_random(&msgid, sizeof(msgid));
	while (!msgid || (sa->v1 && ike1_x_find(sa, msgid)));
	return msgid;
}

struct ike1_x *ike1_x_new(struct ike_sa *sa, uint8_t exch, uint32_t msgid, bool initiator)
{
	struct ike1_x *x, *i;
	unsigned int n = 0;

	for (i = sa->v1->xs; i; i = i->next)
		n++;
	if (n >= X_MAX)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->sa = sa;
	x->exch = exch;
	x->initiator = initiator;
	if (!msgid)
		msgid = ike1_msgid_new(sa);
	x->msgid = msgid;
	if (ike1_iv_phase2(&sa->v1->k, &sa->v1->iv, msgid, &x->iv)) {
		free(x);
		return NULL;
	}
	ike_timer_init(&x->timer, x_due);
	x->next = sa->v1->xs;
	sa->v1->xs = x;
	return x;
}

void ike1_x_free(struct ike1_x *x)
{
	struct ike1_x **pp;

	for (pp = &x->sa->v1->xs; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	ike_timer_cancel(&x->timer);
	ike_dh_free(x->dh);
	free(x->offered);
	ike1_last_free(&x->last);
	if (x->child && x->child->state != CHILD_S_INSTALLED)
		ike_child_free(x->child);
	ike_wipe(x, sizeof(*x));
	free(x);
}

void ike1_child_gone(struct ike_child *c)
{
	struct ike1_x *x;

	if (!c->ike->v1)
		return;
	for (x = c->ike->v1->xs; x; x = x->next) {
		if (x->child == c)
			x->child = NULL;
		if (x->old == c)
			x->old = NULL;
	}
}

struct ike1_x *ike1_x_find(struct ike_sa *sa, uint32_t msgid)
{
	struct ike1_x *x;

	for (x = sa->v1->xs; x; x = x->next)
		if (x->msgid == msgid)
			return x;
	return NULL;
}

/* --- Payload helpers ---------------------------------------------------- */

const struct ike_pl *ike1_find(const struct ike_msg *m, uint8_t type)
{
	unsigned int from = 0;

	return ike_msg_find(m, type, &from);
}

bool ike1_rest(const struct ike_msg *m, struct ike_view *rest)
{
	const struct ike_pl *first, *last;

	if (m->npl < 1 || m->pl[0].type != IKE1_PL_HASH)
		return false;
	first = &m->pl[0];
	last = &m->pl[m->npl - 1];
	rest->p = first->body.p + first->body.len;
	rest->len = (size_t)(last->body.p + last->body.len - rest->p);
	return true;
}

bool ike1_hash_ok(struct ike_sa *sa, const struct ike_msg *m, bool zero, uint32_t msgid,
		  const struct ike_view *ni, const struct ike_view *nr)
{
	uint8_t want[IKE_KEY_MAX];
	struct ike_view rest;
	bool ok;

	if (!ike1_rest(m, &rest) || m->pl[0].body.len != sa->v1->k.prf->len)
		return false;
	if (ike1_hash_msg(&sa->v1->k, zero, msgid, ni, nr, zero ? NULL : &rest, want))
		return false;
	ok = ike_memeq(want, m->pl[0].body.p, sa->v1->k.prf->len);
	ike_wipe(want, sizeof(want));
	return ok;
}

/* --- SA lifecycle ------------------------------------------------------- */

void ike1_state_free(struct ike_sa *sa)
{
	struct ike1_state *v = sa->v1;

	if (!v)
		return;
	while (v->xs)
		ike1_x_free(v->xs);
	free(v->offered);
	free(v->sai_b);
	ike1_last_free(&v->last);
	ike1_keys_wipe(&v->k);
	ike_wipe(v, sizeof(*v));
	free(v);
	sa->v1 = NULL;
}

void ike1_sa_dead(struct ike_sa *sa, const char *why)
{
	ike2_sa_dead(sa, why);
}

void ike1_established(struct ike_sa *sa)
{
	ike_timer_cancel(&sa->retransmit);
	ike2_established(sa);
}

/* --- Receiving ---------------------------------------------------------- */

static bool zero_spi(const uint8_t *spi)
{
	static const uint8_t z[IKE_SPI_LEN];

	return !memcmp(spi, z, IKE_SPI_LEN);
}

/* Decrypts m with a copy of *iv, committed only when its payloads decode. */
static int decrypt(struct ike_sa *sa, struct ike_msg *m, struct ike1_iv *iv)
{
	static uint8_t plain[IKE_MSG_MAX];
	struct ike1_iv next = *iv;
	size_t plen;
	int err;

	if (!(m->hdr.flags & IKE1_FLAG_ENCRYPTION))
		return 0;
	if (!sa->v1->k.prf || ike1_open(m, &sa->v1->k, &next, plain, sizeof(plain), &plen)) {
		ike_log(IKE_LOG_INFO, "%s: %s 0x%08x dropped: cannot be decrypted", ike_sa_name(sa),
			exch_name(m->hdr.exchange), m->hdr.msgid);
		return -1;
	}
	err = ike_decode_inner(m, m->hdr.next, plain, plen);
	if (err) {
		/*
		 * Garbage after decryption, in phase 1, is what a peer with
		 * another pre-shared key sends: its keys differ from ours.
		 */
		ike_log(IKE_LOG_WARN, "%s: %s 0x%08x dropped: malformed payloads (%s)%s",
			ike_sa_name(sa), exch_name(m->hdr.exchange), m->hdr.msgid,
			ike_strerror(err), m->hdr.exchange == IKE1_EXCH_QUICK ||
			m->hdr.exchange == IKE1_EXCH_INFORMATIONAL ? "" :
			": the peer probably has another pre-shared key");
		return -1;
	}
	*iv = next;
	return 0;
}

static void phase1_in(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *local,
		      const struct ike_ep *remote)
{
	if (duplicate(sa, &sa->v1->last, m))
		return;
	if (sa->v1->st == IKE1_P1_DONE)
		return;		/* a late message of a finished phase 1 */
	if (m->hdr.exchange != (sa->v1->aggressive ? IKE1_EXCH_AGGRESSIVE : IKE1_EXCH_IDENT_PROT)) {
		ike_log(IKE_LOG_INFO, "%s: %s message in %s dropped", ike_sa_name(sa),
			exch_name(m->hdr.exchange), exch_name(sa->v1->aggressive ?
			IKE1_EXCH_AGGRESSIVE : IKE1_EXCH_IDENT_PROT));
		return;
	}
	if (decrypt(sa, m, &sa->v1->iv))
		return;
	log_payloads(ike_sa_name(sa), "received", m);
	ike1_seen(&sa->v1->last, m);
	sa->last_rx_ms = ike_now_ms();
	if (sa->v1->aggressive)
		ike1_aggr_in(sa, m, local, remote);
	else
		ike1_main_in(sa, m, local, remote);
}

static void phase2_in(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *remote)
{
	struct ike1_x *x = ike1_x_find(sa, m->hdr.msgid);
	struct ike1_x tmp;
	bool fresh = false;

	if (!(m->hdr.flags & IKE1_FLAG_ENCRYPTION)) {
		ike_log(IKE_LOG_INFO, "%s: unencrypted %s 0x%08x after phase 1 dropped",
			ike_sa_name(sa), exch_name(m->hdr.exchange), m->hdr.msgid);
		return;
	}
	if (m->hdr.exchange == IKE1_EXCH_INFORMATIONAL) {
		/* One message, its own IV; never kept. */
		memset(&tmp, 0, sizeof(tmp));
		tmp.sa = sa;
		tmp.msgid = m->hdr.msgid;
		if (ike1_iv_phase2(&sa->v1->k, &sa->v1->iv, m->hdr.msgid, &tmp.iv) ||
		    decrypt(sa, m, &tmp.iv))
			return;
		log_payloads(ike_sa_name(sa), "received", m);
		sa->last_rx_ms = ike_now_ms();
		ike2_follow_peer(sa, remote);
		ike1_info_in(sa, m, &tmp);
		return;
	}
	if (m->hdr.exchange != IKE1_EXCH_QUICK || !m->hdr.msgid) {
		ike_log(IKE_LOG_INFO, "%s: %s 0x%08x not supported: dropped", ike_sa_name(sa),
			exch_name(m->hdr.exchange), m->hdr.msgid);
		return;
	}
	if (x && duplicate(sa, &x->last, m))
		return;
	if (!x && daemon_terminating)
		return;
	if (!x) {
		x = ike1_x_new(sa, IKE1_EXCH_QUICK, m->hdr.msgid, false);
		if (!x) {
			ike_log(IKE_LOG_WARN, "%s: Quick Mode 0x%08x dropped: too many exchanges",
				ike_sa_name(sa), m->hdr.msgid);
			return;
		}
		fresh = true;
	}
	if (decrypt(sa, m, &x->iv)) {
		if (fresh)
			ike1_x_free(x);
		return;
	}
	log_payloads(ike_sa_name(sa), "received", m);
	ike1_seen(&x->last, m);
	sa->last_rx_ms = ike_now_ms();
	ike2_follow_peer(sa, remote);
	ike1_quick_in(sa, m, x);
}

/* The initiator's SA waiting for the responder's cookie. */
static struct ike_sa *find_half_initiated(const uint8_t *spi_i, const struct ike_ep *remote)
{
	struct ike_sa *sa;

	for (sa = ike_sas; sa; sa = sa->next)
		if (sa->version == 1 && sa->initiator && sa->state == IKE_S_INIT_SENT &&
		    !memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) &&
		    addr_eq(&sa->remote.addr, &remote->addr))
			return sa;
	return NULL;
}

void ike1_rx(const uint8_t *p, size_t len, const struct ike_ep *local,
	     const struct ike_ep *remote)
{
	static struct ike_msg m;
	uint8_t exch;
	char ab[64];
	struct ike_sa *sa;
	int err;

	err = ike_decode(p, len, &m);
	if (err) {
		ike_log(IKE_LOG_INFO, "from %s[%u]: malformed IKEv1 message dropped: %s",
			addr_str(&remote->addr, ab, sizeof(ab)), remote->port, ike_strerror(err));
		return;
	}
	exch = m.hdr.exchange;
	if (zero_spi(m.hdr.spi_r)) {
		if (exch != IKE1_EXCH_IDENT_PROT && exch != IKE1_EXCH_AGGRESSIVE) {
			ike_log(IKE_LOG_DEBUG, "from %s[%u]: %s without a responder cookie dropped",
				addr_str(&remote->addr, ab, sizeof(ab)), remote->port,
				exch_name(exch));
			return;
		}
		sa = ike_sa_find_half(m.hdr.spi_i, remote);
		if (sa && sa->version == 1) {
			phase1_in(sa, &m, local, remote);
			return;
		}
		if (daemon_terminating)
			return;
		log_payloads(addr_str(&remote->addr, ab, sizeof(ab)), "received", &m);
		if (exch == IKE1_EXCH_IDENT_PROT)
			ike1_main_r1(&m, local, remote);
		else
			ike1_aggr_r1(&m, local, remote);
		return;
	}
	sa = ike_sa_find(m.hdr.spi_i, m.hdr.spi_r);
	if (sa && sa->version == 1 && sa->state == IKE_S_INIT_SENT &&
	    memcmp(sa->spi_r, m.hdr.spi_r, IKE_SPI_LEN))
		sa = NULL;
	if (!sa) {
		sa = find_half_initiated(m.hdr.spi_i, remote);
		if (sa)
			memcpy(sa->spi_r, m.hdr.spi_r, IKE_SPI_LEN);
	}
	if (!sa || sa->version != 1 || !sa->v1) {
		ike_log(IKE_LOG_DEBUG, "from %s[%u]: %s for an unknown ISAKMP SA dropped",
			addr_str(&remote->addr, ab, sizeof(ab)), remote->port, exch_name(exch));
		return;
	}
	if (exch == IKE1_EXCH_IDENT_PROT || exch == IKE1_EXCH_AGGRESSIVE) {
		phase1_in(sa, &m, local, remote);
		return;
	}
	if (sa->v1->st != IKE1_P1_DONE) {
		/* Before the keys, only a clear notify can come: the peer refused. */
		if (exch == IKE1_EXCH_INFORMATIONAL && !(m.hdr.flags & IKE1_FLAG_ENCRYPTION)) {
			struct ike1_x tmp = { .sa = sa };

			log_payloads(ike_sa_name(sa), "received", &m);
			ike1_info_in(sa, &m, &tmp);
		}
		return;
	}
	phase2_in(sa, &m, remote);
}

/* --- What an established SA does next ----------------------------------- */

static bool child_is_newest(const struct ike_child *c)
{
	const struct ike_child *i;

	for (i = c->ike->children; i; i = i->next)
		if (i != c && i->state == CHILD_S_INSTALLED && i->created_ms > c->created_ms)
			return false;
	return true;
}

void ike1_kick(struct ike_sa *sa)
{
	struct ike_child *c, *next;
	struct ike1_x *x;

	if (sa->state != IKE_S_ESTABLISHED || !sa->v1)
		return;
	if (sa->want_delete) {
		sa->want_delete = false;
		ike1_delete_isakmp(sa);
		ike2_sa_dead(sa, "deleted");
		return;
	}
	for (c = sa->children; c; c = next) {
		next = c->next;
		if (c->state == CHILD_S_REKEYED && ike_now_ms() >= c->delete_at_ms) {
			ike1_delete_child(c);
			ike_child_free(c);
		}
	}
	for (c = sa->children; c; c = c->next) {
		if (!c->want_rekey || c->state != CHILD_S_INSTALLED)
			continue;
		c->want_rekey = false;
		/* Both peers may renew at once: only the newest child is renewed. */
		if (!child_is_newest(c))
			continue;
		for (x = sa->v1->xs; x; x = x->next)
			if (x->old == c || (x->child && x->st != IKE1_QM_DONE))
				break;
		if (x)
			continue;
		c->state = CHILD_S_REKEYING;
		if (ike1_quick_start(sa, c))
			c->state = CHILD_S_INSTALLED;
	}
	if (sa->want_rekey) {
		struct ike_sa *i;

		sa->want_rekey = false;
		/* Renew phase 1 only from the newest ISAKMP SA of the rule. */
		for (i = ike_sas; i; i = i->next)
			if (i != sa && i->version == 1 && i->state != IKE_S_DEAD &&
			    !strcmp(i->conn_name, sa->conn_name) && i->created_ms > sa->created_ms)
				break;
		if (!i && sa->conn && sa->conn->peer.family) {
			ike_log(IKE_LOG_INFO, "%s: phase 1 renewed before it expires",
				ike_sa_name(sa));
			ike1_initiate(sa->conn, NULL, NULL);
		}
	}
	if (sa->pending_child) {
		sa->pending_child = false;
		ike1_quick_start(sa, NULL);
	}
	if (sa->want_dpd) {
		sa->want_dpd = false;
		ike1_dpd(sa);
	}
}

int ike1_initiate(struct ike_conn *conn, const struct ike_tsel *src, const struct ike_tsel *dst)
{
	struct ike_sa *sa;

	sa = ike_sa_initiate(conn, src, dst);
	if (!sa)
		return -1;
	sa->v1 = calloc(1, sizeof(*sa->v1));
	if (!sa->v1) {
		ike2_sa_dead(sa, NULL);
		return -1;
	}
	sa->v1->aggressive = conn->aggressive;
	sa->state = IKE_S_INIT_SENT;
	sa->pending_child = true;
	if (conn->aggressive ? ike1_aggr_start(sa) : ike1_main_start(sa)) {
		ike2_sa_dead(sa, "cannot start phase 1");
		return -1;
	}
	return 0;
}
