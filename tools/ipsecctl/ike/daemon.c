// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl daemon: the IKE daemon's main, and the commands that talk to
 * it. The daemon loads the rules, installs the policies of those that
 * start on traffic, listens for IKE and for the module's events, and
 * answers the control socket; the exchanges are in v2_*.c.
 */

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/nfesp.h>
#include "../ipsecctl.h"
#include "ctl.h"
#include "daemon.h"
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "kernel.h"
#include "keylog.h"
#include "log.h"
#include "sdnotify.h"

#define KEEPER_MS	5000	/* how often "active" rules are brought back up */
#define MAX_POLICIES	(4 * IKE_CONF_MAX_SEL * IKE_CONF_MAX_SEL)

struct daemon_opts daemon_opts = { .cookie_threshold = 32, .fragment_size = 1280 };
struct ike_config daemon_cfg;

/* What the daemon keeps per rule besides its SAs: the policies it put in. */
struct conn_state {
	struct conn_state *next;
	char name[IKE_CONF_NAME_MAX];
	uint32_t pol_ids[MAX_POLICIES];
	unsigned int npol;
	bool down;			/* "ipsecctl down": not brought back up */
};

static struct conn_state *states;
static const char *cfg_path;
static struct ike_timer keeper, term_timer;
bool daemon_terminating;

static struct conn_state *state_of(const char *name, bool create)
{
	struct conn_state *s;

	for (s = states; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	if (!create)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->next = states;
	states = s;
	return s;
}

static struct ike_conn *conn_by_name(const char *name)
{
	struct ike_conn *c;

	for (c = daemon_cfg.conns; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

struct ike_conn *daemon_conn_for(const struct addr *local, const struct addr *remote)
{
	struct ike_conn *c;

	for (c = daemon_cfg.conns; c; c = c->next) {
		if (c->version != 2)
			continue;
		if (c->local.family && !addr_eq(&c->local, local))
			continue;
		if (c->peer_any || addr_eq(&c->peer, remote))
			return c;
	}
	return NULL;
}

static int add_policy(struct conn_state *st, const struct ike_conn *conn, int dir,
		      const struct addr *src, int splen, const struct addr *dst, int dplen,
		      uint8_t proto, uint16_t smin, uint16_t smax, uint16_t dmin, uint16_t dmax,
		      const struct addr *local, const struct addr *peer)
{
	struct policy p;
	uint32_t id;
	int err;

	if (st->npol >= MAX_POLICIES)
		return -ENOSPC;
	memset(&p, 0, sizeof(p));
	p.dir = dir;
	p.action = NFESP_ACTION_PROTECT;
	p.src = *src;
	p.src_plen = splen;
	p.dst = *dst;
	p.dst_plen = dplen;
	p.proto = proto;
	p.sport_min = smin;
	p.sport_max = smax;
	p.dport_min = dmin;
	p.dport_max = dmax;
	p.mode = conn->mode;
	p.has_mode = true;
	if (conn->mode == NFESP_MODE_TUNNEL) {
		p.local = *local;
		p.peer = *peer;
	}
	p.reqid = ike_conn_reqid(conn);
	p.has_reqid = true;
	p.owner = ike_conn_owner(conn);
	err = kb_policy_add(&p, &id);
	if (err == -EEXIST && conn->start == IKE_START_PASSIVE)
		return 0;	/* another child SA of the rule put it in */
	if (err) {
		ike_log(IKE_LOG_ERR, "%s: cannot install a policy: %s", conn->name, kb_last_error());
		return err;
	}
	st->pol_ids[st->npol++] = id;
	return 0;
}

static void remove_policies(struct conn_state *st)
{
	unsigned int i;

	for (i = 0; i < st->npol; i++)
		kb_policy_del(st->pol_ids[i]);
	st->npol = 0;
}

/* The rule's selectors, both ways, as protect policies: traffic starts IKE. */
static int install_policies(struct ike_conn *conn)
{
	struct conn_state *st = state_of(conn->name, true);
	const struct ike_sel *f, *t;
	struct addr local = conn->local;
	unsigned int i, j;
	int err;

	if (!st)
		return -ENOMEM;
	if (conn->start == IKE_START_PASSIVE)
		return 0;
	if (conn->mode == NFESP_MODE_TUNNEL && !local.family &&
	    ike_net_route_src(&conn->peer, &local)) {
		ike_log(IKE_LOG_ERR, "%s: no route to the peer %s: no local address for the tunnel",
			conn->name, addr_str(&conn->peer, (char[64]){ 0 }, 64));
		return -EHOSTUNREACH;
	}
	for (i = 0; i < conn->nfrom; i++) {
		for (j = 0; j < conn->nto; j++) {
			f = &conn->from[i];
			t = &conn->to[j];
			if (f->addr.family != t->addr.family)
				continue;
			err = add_policy(st, conn, NFESP_DIR_OUT, &f->addr, f->plen, &t->addr,
					 t->plen, f->proto ? f->proto : t->proto, f->port_min,
					 f->port_max, t->port_min, t->port_max, &local,
					 &conn->peer);
			if (!err)
				err = add_policy(st, conn, NFESP_DIR_IN, &t->addr, t->plen,
						 &f->addr, f->plen, f->proto ? f->proto : t->proto,
						 t->port_min, t->port_max, f->port_min,
						 f->port_max, &local, &conn->peer);
			if (err) {
				remove_policies(st);
				return err;
			}
		}
	}
	return 0;
}

/*
 * A passive rule gets policies from what its child SAs negotiated, kept
 * per rule (a rekeyed child's successor has the same ones) until the rule
 * has no IKE SA left.
 */
void daemon_child_up(struct ike_child *c)
{
	struct ike_sa *sa = c->ike;
	const struct ike_tsel *tl, *tr;
	struct addr la[4], ra[4];
	int lp[4], rp[4], nl, nr, k;
	struct conn_state *st;
	unsigned int i, j;
	uint8_t proto;

	if (!sa->conn || sa->conn->start != IKE_START_PASSIVE)
		return;
	st = state_of(sa->conn->name, true);
	if (!st)
		return;
	for (i = 0; i < c->nlocal; i++) {
		tl = &c->ts_local[i];
		nl = ike_tsel_to_prefixes(tl, la, lp, 4);
		for (j = 0; nl > 0 && j < c->nremote; j++) {
			tr = &c->ts_remote[j];
			nr = ike_tsel_to_prefixes(tr, ra, rp, 4);
			proto = tl->proto ? tl->proto : tr->proto;
			for (k = 0; nr > 0 && k < nl * nr; k++) {
				add_policy(st, sa->conn, NFESP_DIR_OUT, &la[k / nr], lp[k / nr],
					   &ra[k % nr], rp[k % nr], proto, tl->sport, tl->eport,
					   tr->sport, tr->eport, &sa->local.addr,
					   &sa->remote.addr);
				add_policy(st, sa->conn, NFESP_DIR_IN, &ra[k % nr], rp[k % nr],
					   &la[k / nr], lp[k / nr], proto, tr->sport, tr->eport,
					   tl->sport, tl->eport, &sa->local.addr,
					   &sa->remote.addr);
			}
		}
	}
}

void daemon_peer_deleted(struct ike_sa *sa)
{
	struct conn_state *st = sa->replaced ? NULL : state_of(sa->conn_name, true);

	if (st && sa->conn && sa->conn->start == IKE_START_ACTIVE) {
		st->down = true;
		ike_log(IKE_LOG_INFO, "%s: deleted by the peer: up again on traffic or "
			"\"ipsecctl up %s\"", sa->conn_name, sa->conn_name);
	}
}

void daemon_sa_gone(struct ike_sa *gone)
{
	struct conn_state *st;
	struct ike_sa *sa;

	if (!gone->conn || gone->conn->start != IKE_START_PASSIVE)
		return;
	for (sa = ike_sas; sa; sa = sa->next)
		if (sa != gone && sa->state != IKE_S_DEAD && !strcmp(sa->conn_name, gone->conn_name))
			return;
	st = state_of(gone->conn_name, false);
	if (st)
		remove_policies(st);
}

static void start_conn(struct ike_conn *conn, const struct ike_tsel *src,
		       const struct ike_tsel *dst)
{
	struct ike_sa *sa = ike_sa_by_conn(conn->name);
	struct ike_child *c;

	if (sa && sa->state == IKE_S_ESTABLISHED) {
		for (c = sa->children; c; c = c->next)
			if (c->state == CHILD_S_INSTALLED || c->state == CHILD_S_REKEYING)
				return;
		if (src && dst) {
			sa->trigger_src = *src;
			sa->trigger_dst = *dst;
			sa->has_trigger = true;
		}
		sa->pending_child = true;
		ike2_kick(sa);
		return;
	}
	if (sa)
		return;		/* on its way */
	ike2_initiate(conn, src, dst);
}

static void on_acquire(void *ctx, const struct kb_acquire *a)
{
	struct ike_tsel src, dst;
	struct ike_conn *conn;

	for (conn = daemon_cfg.conns; conn; conn = conn->next)
		if (ike_conn_reqid(conn) == a->pol.reqid)
			break;
	if (!conn || conn->start == IKE_START_PASSIVE)
		return;
	ike_tsel_from_host(&src, &a->src, a->proto, a->sport);
	ike_tsel_from_host(&dst, &a->dst, a->proto, a->dport);
	ike_log(IKE_LOG_INFO, "%s: ACQUIRE for %s", conn->name,
		ike_tsel_str(&dst, (char[128]){ 0 }, 128));
	state_of(conn->name, true)->down = false;
	start_conn(conn, &src, &dst);
}

static struct ike_child *child_by_kernel_sa(const struct sa *k, struct ike_sa **out)
{
	struct ike_child *c;
	struct ike_sa *sa;

	for (sa = ike_sas; sa; sa = sa->next) {
		if (sa->state == IKE_S_DEAD)
			continue;
		for (c = sa->children; c; c = c->next) {
			if ((c->spi_in == k->spi && addr_eq(&sa->local.addr, &k->dst)) ||
			    (c->spi_out == k->spi && addr_eq(&sa->remote.addr, &k->dst))) {
				*out = sa;
				return c;
			}
		}
	}
	return NULL;
}

static void on_expire(void *ctx, const struct kb_expire *e)
{
	struct ike_child *c;
	struct ike_sa *sa;

	c = child_by_kernel_sa(&e->sa, &sa);
	if (!c)
		return;
	if (!e->hard) {
		if (c->state == CHILD_S_INSTALLED) {
			ike_log(IKE_LOG_INFO, "%s: child SA 0x%08x reached its soft lifetime: rekeying",
				ike_sa_name(sa), c->spi_in);
			c->want_rekey = true;
			ike2_kick(sa);
		}
		return;
	}
	ike_log(IKE_LOG_WARN, "%s: child SA 0x%08x reached its hard lifetime: deleted",
		ike_sa_name(sa), c->spi_in);
	c->state = CHILD_S_REKEYED;
	c->delete_at_ms = 0;
	ike2_kick(sa);
}

static void on_mapping(void *ctx, const struct kb_mapping *m)
{
	struct ike_child *c;
	struct ike_sa *sa;

	c = child_by_kernel_sa(&m->sa, &sa);
	if (!c || c->spi_in != m->sa.spi)
		return;
	if (!addr_eq(&m->new_addr, &sa->remote.addr)) {
		ike_log(IKE_LOG_WARN, "%s: the peer's ESP comes from a new address: not followed "
			"(no MOBIKE)", ike_sa_name(sa));
		return;
	}
	ike_log(IKE_LOG_INFO, "%s: NAT mapping changed: the peer is now at port %u",
		ike_sa_name(sa), m->new_port);
	sa->remote.port = m->new_port;
	for (c = sa->children; c; c = c->next)
		if (c->installed_out)
			kb_sa_set_encap(c->spi_out, &sa->remote.addr, NULL, 0, m->new_port);
}

static void on_overrun(void *ctx)
{
	ike_log(IKE_LOG_WARN, "events from the module were lost (socket buffer full); "
		"expiries will be caught by the rekey timers");
}

static const struct kb_ops kb_ops = {
	.acquire = on_acquire,
	.expire = on_expire,
	.mapping = on_mapping,
	.overrun = on_overrun,
};

static void on_kernel_event(int fd, void *arg)
{
	kb_dispatch(&kb_ops, NULL);
}

static void keeper_due(struct ike_timer *t)
{
	struct ike_conn *conn;
	struct conn_state *st;

	for (conn = daemon_cfg.conns; conn; conn = conn->next) {
		st = state_of(conn->name, false);
		if (conn->start == IKE_START_ACTIVE && !(st && st->down) &&
		    !ike_sa_by_conn(conn->name))
			start_conn(conn, NULL, NULL);
	}
	ike_timer_arm(&keeper, KEEPER_MS);
}

/* JSON for status. */
static json_t *ts_json(const struct ike_tsel *t, unsigned int n)
{
	json_t *a = json_array();
	char buf[128];
	unsigned int i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(ike_tsel_str(&t[i], buf, sizeof(buf))));
	return a;
}

static void hexs(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static json_t *child_json(struct ike_sa *sa, struct ike_child *c, uint64_t now)
{
	static const char *const states_s[] = { "installed", "rekeying", "rekeyed", "deleting" };
	char spi[16], buf[96];
	struct sa k;
	json_t *o = json_object();

	snprintf(spi, sizeof(spi), "0x%08x", c->spi_in);
	json_object_set_new(o, "spi_in", json_string(spi));
	snprintf(spi, sizeof(spi), "0x%08x", c->spi_out);
	json_object_set_new(o, "spi_out", json_string(spi));
	json_object_set_new(o, "state", json_string(states_s[c->state]));
	json_object_set_new(o, "mode", json_string(c->mode == NFESP_MODE_TRANSPORT ? "transport"
									 : "tunnel"));
	json_object_set_new(o, "encr", json_string(ike_encr_name(c->alg.encr,
								  c->alg.encr_keybits)));
	if (c->alg.integ)
		json_object_set_new(o, "integ", json_string(ike_integ_name(c->alg.integ)));
	if (c->alg.dh)
		json_object_set_new(o, "pfs", json_string(ike_dh_name(c->alg.dh)));
	json_object_set_new(o, "algorithms",
			    json_string(ike_chosen_str(&c->alg, IKE_PROTO_ESP, buf, sizeof(buf))));
	json_object_set_new(o, "age", json_integer((json_int_t)((now - c->created_ms) / 1000)));
	if (c->state == CHILD_S_INSTALLED)
		json_object_set_new(o, "rekey_in", json_integer((json_int_t)(
			c->rekey_at_ms > now ? (c->rekey_at_ms - now) / 1000 : 0)));
	if (!kb_sa_get(c->spi_in, &sa->local.addr, &k)) {
		json_object_set_new(o, "packets_in", json_integer((json_int_t)k.stats.rx_packets));
		json_object_set_new(o, "bytes_in", json_integer((json_int_t)k.stats.rx_bytes));
	}
	if (!kb_sa_get(c->spi_out, &sa->remote.addr, &k)) {
		json_object_set_new(o, "packets_out", json_integer((json_int_t)k.stats.tx_packets));
		json_object_set_new(o, "bytes_out", json_integer((json_int_t)k.stats.tx_bytes));
	}
	json_object_set_new(o, "local_ts", ts_json(c->ts_local, c->nlocal));
	json_object_set_new(o, "remote_ts", ts_json(c->ts_remote, c->nremote));
	return o;
}

static json_t *ike_json(struct ike_sa *sa, uint64_t now)
{
	static const char *const states_s[] = {
		"connecting", "connecting", "connecting", "established", "rekeyed", "deleting",
		"dead",
	};
	char spi[17], ab[64];
	json_t *o = json_object();

	hexs(sa->spi_i, IKE_SPI_LEN, spi);
	json_object_set_new(o, "spi_i", json_string(spi));
	hexs(sa->spi_r, IKE_SPI_LEN, spi);
	json_object_set_new(o, "spi_r", json_string(spi));
	json_object_set_new(o, "state", json_string(states_s[sa->state]));
	json_object_set_new(o, "version", json_integer(sa->version));
	if (sa->version == 1 && sa->v1)
		json_object_set_new(o, "phase1", json_string(sa->v1->aggressive ? "aggressive"
										: "main"));
	json_object_set_new(o, "initiator", json_boolean(sa->initiator));
	json_object_set_new(o, "local", json_string(addr_str(&sa->local.addr, ab, sizeof(ab))));
	json_object_set_new(o, "local_port", json_integer(sa->local.port));
	json_object_set_new(o, "peer", json_string(addr_str(&sa->remote.addr, ab, sizeof(ab))));
	json_object_set_new(o, "peer_port", json_integer(sa->remote.port));
	json_object_set_new(o, "nat", json_boolean(sa->nat_local || sa->nat_remote));
	if (sa->state >= IKE_S_ESTABLISHED) {
		json_object_set_new(o, "encr", json_string(ike_encr_name(sa->alg.encr,
									  sa->alg.encr_keybits)));
		if (sa->alg.integ)
			json_object_set_new(o, "integ", json_string(ike_integ_name(sa->alg.integ)));
		json_object_set_new(o, "prf", json_string(ike_prf_name(sa->alg.prf)));
		json_object_set_new(o, "group", json_string(ike_dh_name(sa->alg.dh)));
		json_object_set_new(o, "age", json_integer((json_int_t)(
			(now - sa->established_ms) / 1000)));
		json_object_set_new(o, "rekey_in", json_integer((json_int_t)(
			sa->rekey_at_ms > now ? (sa->rekey_at_ms - now) / 1000 : 0)));
	}
	return o;
}

static json_t *status_json(void)
{
	json_t *conns = json_array(), *c, *children;
	uint64_t now = ike_now_ms();
	struct ike_conn *conn;
	struct ike_child *ch;
	struct ike_sa *sa;

	for (conn = daemon_cfg.conns; conn; conn = conn->next) {
		c = json_object();
		json_object_set_new(c, "name", json_string(conn->name));
		sa = ike_sa_by_conn(conn->name);
		json_object_set_new(c, "state", json_string(
			!sa ? "idle" : sa->state == IKE_S_ESTABLISHED ? "established" : "connecting"));
		children = json_array();
		if (sa) {
			json_object_set_new(c, "ike_sa", ike_json(sa, now));
			for (ch = sa->children; ch; ch = ch->next)
				json_array_append_new(children, child_json(sa, ch, now));
		}
		json_object_set_new(c, "child_sas", children);
		json_array_append_new(conns, c);
	}
	return json_pack("{s:b,s:o}", "ok", 1, "connections", conns);
}

static json_t *ctl_error(const char *fmt, const char *arg)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), fmt, arg);
	return json_pack("{s:b,s:s}", "ok", 0, "error", buf);
}

static int do_reload(char *err, size_t errlen);

static json_t *on_ctl(const json_t *req, void *arg)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	const char *name = json_string_value(json_object_get(req, "name"));
	struct ike_conn *conn;
	struct ike_sa *sa;
	char err[512];

	if (!cmd)
		return ctl_error("%s", "no \"cmd\" in the request");
	if (!strcmp(cmd, "status"))
		return status_json();
	if (!strcmp(cmd, "reload")) {
		if (do_reload(err, sizeof(err)))
			return ctl_error("%s", err);
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(cmd, "up") && strcmp(cmd, "down") && strcmp(cmd, "rekey"))
		return ctl_error("unknown command \"%s\"", cmd);
	if (!name)
		return ctl_error("\"%s\" needs a connection name", cmd);
	conn = conn_by_name(name);
	if (!conn)
		return ctl_error("no connection \"%s\" in the configuration", name);
	if (!strcmp(cmd, "rekey")) {
		struct ike_child *ch;

		sa = ike_sa_by_conn(name);
		if (!sa || sa->state != IKE_S_ESTABLISHED)
			return ctl_error("\"%s\" has no established IKE SA", name);
		if (json_is_true(json_object_get(req, "ike")))
			sa->want_rekey = true;
		else
			for (ch = sa->children; ch; ch = ch->next)
				if (ch->state == CHILD_S_INSTALLED)
					ch->want_rekey = true;
		ike2_kick(sa);
		return json_pack("{s:b}", "ok", 1);
	}
	if (!strcmp(cmd, "up")) {
		state_of(conn->name, true)->down = false;
		start_conn(conn, NULL, NULL);
		return json_pack("{s:b}", "ok", 1);
	}
	state_of(conn->name, true)->down = true;
	for (sa = ike_sas; sa; sa = sa->next) {
		if (strcmp(sa->conn_name, name) || sa->state == IKE_S_DEAD || sa->rekey_of)
			continue;
		if (sa->state == IKE_S_ESTABLISHED) {
			sa->want_delete = true;
			ike2_kick(sa);
		} else if (sa->state != IKE_S_DELETING) {
			ike2_sa_dead(sa, "ipsecctl down");
		}
	}
	return json_pack("{s:b}", "ok", 1);
}

static void drop_conn_sas(const char *name, const char *why)
{
	struct ike_sa *sa;

	for (sa = ike_sas; sa; sa = sa->next) {
		if (strcmp(sa->conn_name, name) || sa->state == IKE_S_DEAD || sa->rekey_of)
			continue;
		if (sa->state == IKE_S_ESTABLISHED && !sa->req) {
			ike2_delete_ike(sa);
			/* The Delete is out; the SA no longer belongs to a rule. */
		}
		ike2_sa_dead(sa, why);
	}
}

/*
 * Reload: rules that are unchanged keep their SAs and policies; changed
 * or removed ones lose them; new or changed ones get theirs.
 */
static int do_reload(char *err, size_t errlen)
{
	struct ike_config ncfg, ocfg = daemon_cfg;
	struct ike_conn *o, *n;
	struct conn_state *st;
	struct ike_sa *sa;

	/* systemd: "reloading" until READY=1, whether or not the reload worked. */
	ike_sd_notify("RELOADING=1");
	if (ike_conf_load(cfg_path, &ncfg)) {
		snprintf(err, errlen, "%s has errors (see the daemon's log); nothing changed",
			 cfg_path);
		ike_sd_notify("READY=1");
		return -1;
	}
	for (o = ocfg.conns; o; o = o->next) {
		for (n = ncfg.conns; n; n = n->next)
			if (!strcmp(n->name, o->name))
				break;
		if (n && ike_conn_equal(o, n)) {
			for (sa = ike_sas; sa; sa = sa->next)
				if (sa->conn == o)
					sa->conn = n;
			continue;
		}
		ike_log(IKE_LOG_INFO, "%s: %s by the reload", o->name, n ? "changed" : "removed");
		drop_conn_sas(o->name, "its rule changed");
		st = state_of(o->name, false);
		if (st)
			remove_policies(st);
	}
	daemon_cfg = ncfg;
	for (n = ncfg.conns; n; n = n->next) {
		for (o = ocfg.conns; o; o = o->next)
			if (!strcmp(n->name, o->name) && ike_conn_equal(o, n))
				break;
		if (!o && install_policies(n))
			ike_log(IKE_LOG_ERR, "%s: policies not installed", n->name);
	}
	/* What still points into the old rules is dead: free them, keys wiped. */
	for (sa = ike_sas; sa; sa = sa->next)
		for (o = ocfg.conns; o; o = o->next)
			if (sa->conn == o)
				sa->conn = NULL;
	ike_conf_free(&ocfg);
	ike_log(IKE_LOG_INFO, "configuration reloaded from %s: %u rules", cfg_path,
		ncfg.nconns);
	ike_sd_notify("READY=1");
	return 0;
}

static void on_hup(void)
{
	char err[512];

	if (do_reload(err, sizeof(err)))
		ike_log(IKE_LOG_ERR, "reload: %s", err);
}

static void term_due(struct ike_timer *t)
{
	ike_loop_stop();
}

/* SIGTERM: tell each peer, then take everything out of the kernel. */
static void on_term(void)
{
	struct ike_sa *sa;
	unsigned int n = 0;

	if (daemon_terminating) {
		ike_loop_stop();
		return;
	}
	daemon_terminating = true;
	ike_sd_notify("STOPPING=1");
	ike_timer_cancel(&keeper);
	for (sa = ike_sas; sa; sa = sa->next) {
		if (sa->state != IKE_S_ESTABLISHED)
			continue;
		if (sa->req) {
			ike_timer_cancel(&sa->retransmit);
			ike_req_free(sa->req);
			sa->req = NULL;
		}
		if (!ike2_delete_ike(sa))
			n++;
	}
	ike_log(IKE_LOG_INFO, "terminating: Delete sent for %u IKE SAs", n);
	ike_timer_init(&term_timer, term_due);
	ike_timer_arm(&term_timer, n ? 1500 : 0);
}

static void usage_daemon(FILE *f)
{
	fprintf(f,
"Usage: %s daemon [-n] [-d] [--export-keys DIR] [--cookie-threshold N] -f FILE\n"
"  -f, --file FILE        the rules (see ipsecctl.conf(5))\n"
"  -n, --check            check FILE, print the rules as understood, and exit\n"
"  -d, --debug            log every message's payloads\n"
"      --export-keys DIR  write tshark's ikev1_ and ikev2_decryption_table and esp_sa to DIR\n"
"                         (anyone who can read DIR can decrypt the traffic)\n"
"      --cookie-threshold N  half-open IKE SAs before COOKIEs are asked (32)\n"
"      --fragment-size N  IKE messages larger than IP packets of N bytes are\n"
"                         sent in fragments to peers that take them (1280)\n"
"      --force-natt       move IKE to UDP 4500 after IKE_SA_INIT even without\n"
"                         a NAT, as strongSwan does with MOBIKE\n"
"      --syslog           log to syslog instead of standard error\n", prog);
}

static int run_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "export-keys", required_argument, NULL, 'K' },
		{ "cookie-threshold", required_argument, NULL, 'C' },
		{ "force-natt", no_argument, NULL, 'T' },
		{ "fragment-size", required_argument, NULL, 'F' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool check = opt_dry_run, debug = false, use_syslog = false;
	struct ike_conn *conn;
	uint32_t n;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:ndh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': cfg_path = optarg; break;
		case 'n': check = true; break;
		case 'd': debug = true; break;
		case 'K': daemon_opts.export_keys = optarg; break;
		case 'T': daemon_opts.force_natt = true; break;
		case 'S': use_syslog = true; break;
		case 'C':
			if (parse_u32(optarg, "--cookie-threshold", &n))
				return -1;
			daemon_opts.cookie_threshold = n;
			break;
		case 'F':
			if (parse_u32(optarg, "--fragment-size", &n))
				return -1;
			if (n < 256 || n > 65535)
				return error("--fragment-size %u: from 256 to 65535", n);
			daemon_opts.fragment_size = n;
			break;
		case 'h': usage_daemon(stdout); return 0;
		default: usage_daemon(stderr); return -1;
		}
	}
	if (!cfg_path || optind != argc) {
		usage_daemon(stderr);
		return -1;
	}
	if (ike_conf_load(cfg_path, &daemon_cfg))
		return -1;
	if (check) {
		for (conn = daemon_cfg.conns; conn; conn = conn->next)
			ike_conn_print(stdout, conn);
		ike_conf_free(&daemon_cfg);
		return 0;
	}
	ike_log_init(use_syslog, debug ? IKE_LOG_DEBUG : IKE_LOG_INFO);
	ike_crypto_init();
	if (ike_loop_init() || kb_open())
		return -1;
	err = kb_flush_owned(IKE_OWNER_MASK, IKE_OWNER_BASE);
	if (err > 0)
		ike_log(IKE_LOG_INFO, "removed %d SAs and policies a previous daemon left", err);
	if (daemon_opts.export_keys && ike_keylog_open(daemon_opts.export_keys))
		goto err_kernel;
	if (ike_net_open(ike2_rx, NULL))
		goto err_kernel;
	if (ike_ctl_open(on_ctl, NULL))
		goto err_net;
	if (ike_loop_add_fd(kb_event_fd(), on_kernel_event, NULL))
		goto err_ctl;
	ike_loop_signals(on_term, on_hup);
	for (conn = daemon_cfg.conns; conn; conn = conn->next)
		if (install_policies(conn))
			goto err_ctl;
	ike_timer_init(&keeper, keeper_due);
	ike_timer_arm(&keeper, 0);
	ike_log(IKE_LOG_INFO, "IKE daemon started: %u rules from %s", daemon_cfg.nconns,
		cfg_path);
	/* Rules loaded, sockets bound, policies in: ready for systemd. */
	ike_sd_notify("READY=1");
	ike_loop_run();
	while (ike_sas)
		ike_sa_free(ike_sas);
	kb_flush_owned(IKE_OWNER_MASK, IKE_OWNER_BASE);
	ike_log(IKE_LOG_INFO, "IKE daemon stopped; its SAs and policies are removed");
	ike_ctl_close();
	ike_net_close();
	ike_keylog_close();
	kb_close();
	return 0;
err_ctl:
	ike_ctl_close();
err_net:
	ike_net_close();
err_kernel:
	kb_flush_owned(IKE_OWNER_MASK, IKE_OWNER_BASE);
	kb_close();
	return -1;
}

/* The human view of status. */
static void print_status(const json_t *resp)
{
	const json_t *conns = json_object_get(resp, "connections"), *c, *ike, *ch, *t;
	size_t i, j, k;

	json_array_foreach(conns, i, c) {
		ike = json_object_get(c, "ike_sa");
		printf("%s: %s\n", json_string_value(json_object_get(c, "name")),
		       json_string_value(json_object_get(c, "state")));
		if (ike) {
			printf("  %s%s %s:%s %s %s[%lld] -> %s[%lld]",
			       json_integer_value(json_object_get(ike, "version")) == 1 ? "ikev1 " : "ike",
			       json_object_get(ike, "phase1") ?
			       json_string_value(json_object_get(ike, "phase1")) : "",
			       json_string_value(json_object_get(ike, "spi_i")),
			       json_string_value(json_object_get(ike, "spi_r")),
			       json_is_true(json_object_get(ike, "initiator")) ? "initiator" : "responder",
			       json_string_value(json_object_get(ike, "local")),
			       json_integer_value(json_object_get(ike, "local_port")),
			       json_string_value(json_object_get(ike, "peer")),
			       json_integer_value(json_object_get(ike, "peer_port")));
			if (json_object_get(ike, "encr"))
				printf(" %s/%s/%s age %llds rekey in %llds",
				       json_string_value(json_object_get(ike, "encr")),
				       json_string_value(json_object_get(ike, "prf")),
				       json_string_value(json_object_get(ike, "group")),
				       json_integer_value(json_object_get(ike, "age")),
				       json_integer_value(json_object_get(ike, "rekey_in")));
			printf("\n");
		}
		json_array_foreach(json_object_get(c, "child_sas"), j, ch) {
			printf("  child %s/%s %s %s %s age %llds",
			       json_string_value(json_object_get(ch, "spi_in")),
			       json_string_value(json_object_get(ch, "spi_out")),
			       json_string_value(json_object_get(ch, "state")),
			       json_string_value(json_object_get(ch, "mode")),
			       json_string_value(json_object_get(ch, "algorithms")),
			       json_integer_value(json_object_get(ch, "age")));
			if (json_object_get(ch, "rekey_in"))
				printf(" rekey in %llds", json_integer_value(json_object_get(ch, "rekey_in")));
			printf(" in %lld packets out %lld packets\n   ",
			       json_integer_value(json_object_get(ch, "packets_in")),
			       json_integer_value(json_object_get(ch, "packets_out")));
			json_array_foreach(json_object_get(ch, "local_ts"), k, t)
				printf(" %s", json_string_value(t));
			printf(" ===");
			json_array_foreach(json_object_get(ch, "remote_ts"), k, t)
				printf(" %s", json_string_value(t));
			printf("\n");
		}
	}
}

static int run_client(int argc, char **argv)
{
	json_t *req, *resp = NULL;
	int err = -1;

	if (!strcmp(argv[0], "status") || !strcmp(argv[0], "reload")) {
		if (argc != 1)
			return error("\"%s\" takes nothing more, got \"%s\"", argv[0], argv[1]);
		req = json_pack("{s:s}", "cmd", argv[0]);
	} else if (!strcmp(argv[0], "rekey")) {
		if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "ike")))
			return error("usage: %s rekey NAME [ike]", prog);
		req = json_pack("{s:s,s:s,s:b}", "cmd", argv[0], "name", argv[1], "ike", argc == 3);
	} else {
		if (argc != 2)
			return error("usage: %s %s NAME", prog, argv[0]);
		req = json_pack("{s:s,s:s}", "cmd", argv[0], "name", argv[1]);
	}
	/* jansson refuses a string that is not UTF-8. */
	if (!req) {
		if (argc > 1)
			error("\"%s\" is not a name of the configuration (not valid UTF-8)", argv[1]);
		else
			error("out of memory");
		goto out;
	}
	if (ike_ctl_call(req, &resp, 10000))
		goto out;
	if (!json_is_true(json_object_get(resp, "ok"))) {
		error("%s: %s", argv[0], json_string_value(json_object_get(resp, "error")));
		goto out;
	}
	if (!strcmp(argv[0], "up"))
		printf("%s: starting\n", argv[1]);
	else if (!strcmp(argv[0], "down"))
		printf("%s: deleting its IKE SA with the peer\n", argv[1]);
	else if (!strcmp(argv[0], "rekey"))
		printf("%s: rekeying %s\n", argv[1], argc == 3 ? "the IKE SA" : "its child SAs");
	else if (!strcmp(argv[0], "reload"))
		printf("configuration reloaded\n");
	if (!strcmp(argv[0], "status")) {
		if (opt_json) {
			json_object_del(resp, "ok");
			/* One document a line, as every -j output (ipsecctl(8)). */
			json_emit(json_incref(resp));
		} else {
			print_status(resp);
		}
	}
	err = 0;
out:
	json_decref(req);
	json_decref(resp);
	return err;
}

static const char *const verbs[] = { "daemon", "status", "up", "down", "reload", "rekey" };

bool ike_is_command(const char *verb)
{
	unsigned int i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verb, verbs[i]))
			return true;
	return false;
}

int ike_command(int argc, char **argv)
{
	if (!strcmp(argv[0], "daemon"))
		return run_daemon(argc, argv);
	return run_client(argc, argv);
}
