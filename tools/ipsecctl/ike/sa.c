// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE SA table, child SAs, and the step that turns a negotiated child
 * SA into two ESP SAs in the module.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nfesp.h>
#include "kernel.h"
#include "keylog.h"
#include "log.h"
#include "ikev1.h"
#include "ikev2.h"
#include "sa.h"

struct ike_sa *ike_sas;
static void link_child(struct ike_child *c);
static void drop_out_pending(struct ike_child *c);
static uint32_t next_serial = 1;

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Bound to the rule's name, so that a restarted daemon finds its SAs. */
uint32_t ike_conn_reqid(const struct ike_conn *conn)
{
	return 0x4b000000u | (name_hash(conn->name) & 0x00ffffffu);
}

uint64_t ike_conn_owner(const struct ike_conn *conn)
{
	return IKE_OWNER_BASE | name_hash(conn->name);
}

struct ike_sa *ike_sa_new(struct ike_conn *conn, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	snprintf(sa->conn_name, sizeof(sa->conn_name), "%s", conn->name);
	sa->conn = conn;
	sa->version = conn->version == 1 ? 1 : 2;
	sa->serial = next_serial++;
	sa->initiator = initiator;
	do
		ike_random(initiator ? sa->spi_i : sa->spi_r, IKE_SPI_LEN);
	while (ike_sa_find(initiator ? sa->spi_i : NULL, initiator ? NULL : sa->spi_r));
	sa->created_ms = ike_now_ms();
	sa->next = ike_sas;
	ike_sas = sa;
	return sa;
}

struct ike_sa *ike_sa_initiate(struct ike_conn *conn, const struct ike_tsel *src,
			       const struct ike_tsel *dst)
{
	struct ike_sa *sa;

	if (conn->peer_any) {
		ike_log(IKE_LOG_WARN, "%s: cannot initiate to \"peer any\"", conn->name);
		return NULL;
	}
	sa = ike_sa_new(conn, true);
	if (!sa)
		return NULL;
	sa->remote.addr = conn->peer;
	sa->remote.port = IKE_PORT;
	sa->local.port = IKE_PORT;
	if (conn->local.family) {
		sa->local.addr = conn->local;
	} else if (ike_net_route_src(&conn->peer, &sa->local.addr)) {
		ike_log(IKE_LOG_WARN, "%s: no route to the peer %s", conn->name,
			addr_str(&conn->peer, (char[64]){ 0 }, 64));
		ike2_sa_dead(sa, NULL);
		return NULL;
	}
	if (src && dst) {
		sa->trigger_src = *src;
		sa->trigger_dst = *dst;
		sa->has_trigger = true;
	}
	return sa;
}

/* A request owns what it was making: a child SA, the IKE SA of a rekey. */
static void req_free(struct ike_req *r)
{
	if (!r)
		return;
	if (r->new_child)
		ike_child_free(r->new_child);
	if (r->new_ike)
		ike2_sa_dead(r->new_ike, NULL);
	ike_dh_free(r->dh);
	ike_wipe(r->nonce, sizeof(r->nonce));
	free(r->buf);
	free(r);
}

void ike_sa_free(struct ike_sa *sa)
{
	struct ike_sa **pp;

	for (pp = &ike_sas; *pp; pp = &(*pp)->next) {
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	}
	while (sa->children)
		ike_child_free(sa->children);
	req_free(sa->req);
	sa->req = NULL;
	ike_timer_cancel(&sa->retransmit);
	ike_timer_cancel(&sa->rekey_timer);
	ike_timer_cancel(&sa->dpd_timer);
	ike_timer_cancel(&sa->keepalive_timer);
	ike_timer_cancel(&sa->expire_timer);
	ike_dh_free(sa->dh);
	ike2_keys_wipe(&sa->keys);
	ike1_state_free(sa);
	ike_wipe(sa->ni, sizeof(sa->ni));
	ike_wipe(sa->nr, sizeof(sa->nr));
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->cookie);
	free(sa->last_resp);
	ike_sa_frags_drop(sa);
	free(sa);
}

void ike_sa_frags_drop(struct ike_sa *sa)
{
	unsigned int i;

	for (i = 0; i < IKE_FRAGS_MAX; i++) {
		if (sa->frag_in.piece[i])
			ike_wipe(sa->frag_in.piece[i], sa->frag_in.plen[i]);
		free(sa->frag_in.piece[i]);
		sa->frag_in.piece[i] = NULL;
	}
	sa->frag_in.total = 0;
	sa->frag_in.have = 0;
}

void ike_req_free(struct ike_req *r)
{
	req_free(r);
}

struct ike_sa *ike_sa_find(const uint8_t *spi_i, const uint8_t *spi_r)
{
	struct ike_sa *sa;

	for (sa = ike_sas; sa; sa = sa->next) {
		if (sa->state == IKE_S_DEAD)
			continue;
		/* Our own SPI is unique; the peer's only with ours. */
		if (sa->initiator && spi_i && !memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) &&
		    (!spi_r || !memcmp(sa->spi_r, spi_r, IKE_SPI_LEN) ||
		     sa->state == IKE_S_INIT_SENT))
			return sa;
		if (!sa->initiator && spi_r && !memcmp(sa->spi_r, spi_r, IKE_SPI_LEN) &&
		    (!spi_i || !memcmp(sa->spi_i, spi_i, IKE_SPI_LEN)))
			return sa;
	}
	return NULL;
}

struct ike_sa *ike_sa_find_half(const uint8_t *spi_i, const struct ike_ep *remote)
{
	struct ike_sa *sa;

	for (sa = ike_sas; sa; sa = sa->next)
		if (!sa->initiator && sa->state != IKE_S_DEAD &&
		    !memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) &&
		    addr_eq(&sa->remote.addr, &remote->addr))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_by_conn(const char *name)
{
	struct ike_sa *sa, *best = NULL;

	for (sa = ike_sas; sa; sa = sa->next) {
		if (strcmp(sa->conn_name, name) || sa->state == IKE_S_DEAD ||
		    sa->state == IKE_S_REKEYED || sa->state == IKE_S_DELETING || sa->rekey_of)
			continue;
		if (!best || (sa->state == IKE_S_ESTABLISHED && best->state != IKE_S_ESTABLISHED))
			best = sa;
	}
	return best;
}

unsigned int ike_sa_half_open(void)
{
	struct ike_sa *sa;
	unsigned int n = 0;

	for (sa = ike_sas; sa; sa = sa->next)
		n += sa->state == IKE_S_HALF_OPEN;
	return n;
}

const char *ike_sa_name(const struct ike_sa *sa)
{
	static char buf[IKE_CONF_NAME_MAX + 16];

	snprintf(buf, sizeof(buf), "%s[%u]", sa->conn_name, sa->serial);
	return buf;
}

struct ike_child *ike_child_new(struct ike_sa *sa)
{
	struct ike_child *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ike = sa;
	c->mode = sa->conn ? sa->conn->mode : NFESP_MODE_TUNNEL;
	c->reqid = sa->conn ? ike_conn_reqid(sa->conn) : 0;
	c->created_ms = ike_now_ms();
	return c;
}

void ike_child_move(struct ike_child *c, struct ike_sa *to)
{
	struct ike_child **pp;

	if (c->ike->version == 1)
		ike1_child_gone(c);
	for (pp = &c->ike->children; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	c->ike = to;
	link_child(c);
}

void ike_child_uninstall(struct ike_child *c)
{
	struct ike_sa *sa = c->ike;
	int err;

	/* The outbound SA first: nothing more is sent in an SA about to go. */
	if (c->installed_out) {
		err = kb_sa_del(c->spi_out, &sa->remote.addr);
		if (err && err != -ENOENT)
			ike_log(IKE_LOG_WARN, "%s: deleting ESP SA 0x%08x: %s",
				ike_sa_name(sa), c->spi_out, kb_last_error());
		c->installed_out = false;
	}
	if (c->installed_in) {
		err = kb_sa_del(c->spi_in, &sa->local.addr);
		if (err && err != -ENOENT)
			ike_log(IKE_LOG_WARN, "%s: deleting ESP SA 0x%08x: %s",
				ike_sa_name(sa), c->spi_in, kb_last_error());
		c->installed_in = false;
	} else if (c->spi_in) {
		/* Reserved for a negotiation that failed: free it now, not in a minute. */
		kb_sa_del(c->spi_in, &sa->local.addr);
	}
	c->spi_in = 0;
}

void ike_child_free(struct ike_child *c)
{
	struct ike_child **pp, *o;

	/* Its successor's outbound SA takes over before it goes. */
	if (c->successor)
		ike_child_install_out(c->successor);
	for (o = c->ike->children; o; o = o->next)
		if (o->successor == c)
			o->successor = NULL;
	if (c->ike->version == 1)
		ike1_child_gone(c);

	for (pp = &c->ike->children; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	ike_child_uninstall(c);
	drop_out_pending(c);
	ike_timer_cancel(&c->rekey_timer);
	free(c);
}

struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	struct ike_child *c;

	for (c = sa->children; c; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

static void link_child(struct ike_child *c)
{
	struct ike_child *i;

	for (i = c->ike->children; i; i = i->next)
		if (i == c)
			return;
	c->next = c->ike->children;
	c->ike->children = c;
}

static void set_lifetimes(struct sa *k, const struct ike_conn *conn, uint64_t peer_s)
{
	uint64_t lt = conn ? conn->lifetime : 3600;

	if (peer_s && peer_s < lt)
		lt = peer_s;
	uint64_t bytes = conn ? conn->lifetime_bytes : 0;

	/* IKE rekeys before the soft limit; the kernel's limits are backstops. */
	k->soft.seconds = lt;
	k->hard.seconds = lt + lt / 10 + 10;
	if (bytes) {
		k->soft.bytes = bytes - bytes / 10;
		k->hard.bytes = bytes;
	}
}

/* One direction's SA, keys: its encryption key, then its integrity key. */
static int install_one(struct ike_child *c, bool inbound, const uint8_t *keys,
		       size_t ekey, size_t akey, bool defer)
{
	struct ike_sa *sa = c->ike;
	const struct ike_encr_alg *ea = ike_encr_alg(c->alg.encr, c->alg.encr_keybits);
	struct sa k;
	int err;

	memset(&k, 0, sizeof(k));
	k.spi = inbound ? c->spi_in : c->spi_out;
	k.src = inbound ? sa->remote.addr : sa->local.addr;
	k.dst = inbound ? sa->local.addr : sa->remote.addr;
	k.mode = c->mode;
	k.reqid = c->reqid;
	k.owner = sa->conn ? ike_conn_owner(sa->conn) : IKE_OWNER_BASE;
	k.enc = enc_alg_by_id(c->alg.encr, ekey);
	if (!k.enc || !ea)
		return -EINVAL;
	memcpy(k.key, keys, ekey);
	k.key_len = ekey;
	k.has_key = true;
	if (akey) {
		k.auth = auth_alg_by_id(c->alg.integ);
		if (!k.auth)
			return -EINVAL;
		memcpy(k.auth_key, keys + ekey, akey);
		k.auth_key_len = akey;
		k.has_auth_key = true;
	}
	k.replay_window = 64;
	/* ESP goes in UDP only where IKE went: 4500 (RFC 7296 2.23, RFC 3948). */
	if ((sa->nat_local || sa->nat_remote) && sa->natt) {
		k.encap_sport = inbound ? sa->remote.port : sa->local.port;
		k.encap_dport = inbound ? sa->local.port : sa->remote.port;
		if (inbound)
			k.flags |= NFESP_SA_F_FOLLOW_PEER;
	}
	/*
	 * The traffic this SA was negotiated for, in the direction it carries
	 * it: inbound from the peer's side (TSi if we are the responder) to
	 * ours. Without it the kernel would admit into the SA whatever its
	 * policies do, another child's or another peer's traffic among it
	 * when a reqid is shared. The kernel takes one selector per SA: see
	 * ike_ts_selector() for lists of several ranges. Transport mode
	 * through a NAT has none: the TS name the hosts' own addresses, the
	 * packets carry the NAT's (RFC 7296 2.23), and the kernel still
	 * holds the SA to its peer's address.
	 */
	if (k.mode != NFESP_MODE_TRANSPORT || !(sa->nat_local || sa->nat_remote))
		ike_ts_selector(inbound ? c->ts_remote : c->ts_local,
				inbound ? c->nremote : c->nlocal,
				inbound ? c->ts_local : c->ts_remote,
				inbound ? c->nlocal : c->nremote, &k.sel);
	if (k.mode == NFESP_MODE_TRANSPORT && k.sel.src.family != k.src.family)
		memset(&k.sel, 0, sizeof(k.sel));
	set_lifetimes(&k, sa->conn, c->life_s);
	if (defer) {
		c->out_pending = malloc(sizeof(k));
		if (!c->out_pending) {
			err = -ENOMEM;
		} else {
			memcpy(c->out_pending, &k, sizeof(k));
			err = 0;
		}
		ike_wipe(&k, sizeof(k));
		return err;
	}
	err = kb_sa_add(&k);
	if (!err)
		ike_keylog_esp(&k, ea, c->alg.integ);
	ike_wipe(k.key, sizeof(k.key));
	ike_wipe(k.auth_key, sizeof(k.auth_key));
	if (err)
		ike_log(IKE_LOG_ERR, "%s: installing %s ESP SA 0x%08x: %s", ike_sa_name(sa),
			inbound ? "inbound" : "outbound", k.spi, kb_last_error());
	return err;
}

static void drop_out_pending(struct ike_child *c)
{
	if (!c->out_pending)
		return;
	ike_wipe(c->out_pending, sizeof(*c->out_pending));
	free(c->out_pending);
	c->out_pending = NULL;
	ike_timer_cancel(&c->out_timer);
}

void ike_child_install_out(struct ike_child *c)
{
	struct sa *k = c->out_pending;
	int err;

	if (!k)
		return;
	err = kb_sa_add(k);
	if (err)
		ike_log(IKE_LOG_ERR, "%s: installing outbound ESP SA 0x%08x: %s",
			ike_sa_name(c->ike), k->spi, kb_last_error());
	else
		ike_keylog_esp(k, ike_encr_alg(c->alg.encr, c->alg.encr_keybits), c->alg.integ);
	c->installed_out = !err;
	drop_out_pending(c);
}

static void out_due(struct ike_timer *t)
{
	ike_child_install_out((struct ike_child *)((char *)t -
						    offsetof(struct ike_child, out_timer)));
}

int ike_child_install_keys(struct ike_child *c, const uint8_t *keys_in, const uint8_t *keys_out,
			   size_t ekey, size_t akey, unsigned int defer_ms)
{
	bool defer_out = defer_ms > 0;
	struct ike_sa *sa = c->ike;
	int err;

	err = install_one(c, true, keys_in, ekey, akey, false);
	if (err)
		return err;
	c->installed_in = true;
	err = install_one(c, false, keys_out, ekey, akey, defer_out);
	if (err) {
		kb_sa_del(c->spi_in, &sa->local.addr);
		c->installed_in = false;
		return err;
	}
	c->installed_out = !defer_out;
	if (defer_out) {
		ike_timer_init(&c->out_timer, out_due);
		ike_timer_arm(&c->out_timer, defer_ms);
	}
	c->state = CHILD_S_INSTALLED;
	link_child(c);
	return 0;
}

/*
 * KEYMAT (RFC 7296 2.17) holds the initiator-to-responder encryption and
 * integrity keys, then those of the other way.
 */
int ike_child_install(struct ike_child *c, const struct ike_view *gir,
		      const struct ike_view *ni, const struct ike_view *nr, bool defer_out)
{
	struct ike_sa *sa = c->ike;
	const struct ike_encr_alg *ea = ike_encr_alg(c->alg.encr, c->alg.encr_keybits);
	const struct ike_integ_alg *ia = c->alg.integ ? ike_integ_alg(c->alg.integ) : NULL;
	uint8_t keymat[2 * (IKE_KEY_MAX + IKE_KEY_MAX)];
	const uint8_t *i2r = keymat, *r2i;
	size_t ekey, akey;
	int err;

	if (!ea || (c->alg.integ && !ia))
		return -EINVAL;
	ekey = ea->key_len;
	akey = ia ? ia->key_len : 0;
	r2i = keymat + ekey + akey;
	err = ike2_child_keymat(sa->keys.prf, sa->keys.sk_d, gir, ni, nr, keymat,
				2 * (ekey + akey));
	if (!err)
		err = ike_child_install_keys(c, c->initiator ? r2i : i2r, c->initiator ? i2r : r2i,
					     ekey, akey, defer_out ? 5000 : 0);
	ike_wipe(keymat, sizeof(keymat));
	return err;
}
