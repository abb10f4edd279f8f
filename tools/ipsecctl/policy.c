// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl policy add|replace|del|get|show|flush.
 *
 *   policy add dir out|in from PREFIX [port P[-Q]] to PREFIX [port P[-Q]]
 *          [proto tcp|udp|icmp|N] action protect|bypass|discard
 *          [mode tunnel|transport] [local ADDR peer ADDR] [reqid N] [priority N]
 *          [match-ike] [owner N]
 *   policy del dir ... (the same selector) | policy del id N
 *
 * The selector words (from, to, port, proto) are also an SA's (sa.c: sel).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nfesp.h>
#include <netlink/genl/genl.h>
#include "ipsecctl.h"

static const char *const dirs[] = { [NFESP_DIR_OUT] = "out", [NFESP_DIR_IN] = "in" };
static const char *const actions[] = {
	[NFESP_ACTION_PROTECT] = "protect",
	[NFESP_ACTION_BYPASS] = "bypass",
	[NFESP_ACTION_DISCARD] = "discard",
};

static int lookup(const char *w, const char *const *names, int n, const char *what)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(w, names[i]))
			return i;
	if (n == 2)
		return error("%s \"%s\": expected %s or %s", what, w, names[0], names[1]);
	return error("%s \"%s\": expected %s, %s or %s", what, w, names[0], names[1], names[2]);
}

static bool has_ports(int proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

void selector_init(struct selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->sport_max = sel->dport_max = 65535;
}

/*
 * One word of a selector, @w, and what follows it: from PREFIX [port P[-Q]]
 * to PREFIX [port P[-Q]] proto P. Returns 1 if it took @w, 0 if @w is not a
 * selector word, -1 on an error it reported.
 */
int selector_word(struct args *a, const char *w, struct selector_parse *sp)
{
	struct selector *sel = sp->sel;
	const char *v;
	int r;

	if (!strcmp(w, "from") || !strcmp(w, "to")) {
		bool from = w[0] == 'f';

		if (!(v = next_word(a, from ? "from PREFIX" : "to PREFIX")) ||
		    parse_prefix(v, from ? &sel->src : &sel->dst,
				 from ? &sel->src_plen : &sel->dst_plen))
			return -1;
		sp->last = w;
	} else if (!strcmp(w, "port")) {
		if (!sp->last)
			return error("port must follow from PREFIX or to PREFIX");
		if (!(v = next_word(a, "port")))
			return -1;
		if (sp->last[0] == 'f') {
			r = parse_port_range(v, &sel->sport_min, &sel->sport_max);
			sp->sport = true;
		} else {
			r = parse_port_range(v, &sel->dport_min, &sel->dport_max);
			sp->dport = true;
		}
		if (r)
			return -1;
	} else if (!strcmp(w, "proto")) {
		if (!(v = next_word(a, "proto")) || parse_proto(v, &sel->proto))
			return -1;
	} else {
		return 0;
	}
	return 1;
}

/* A whole selector; @what ("" or "sel ") starts each complaint. */
int selector_check(const struct selector_parse *sp, const char *what)
{
	const struct selector *sel = sp->sel;

	if (!sel->src.family)
		return error("%smissing from PREFIX", what);
	if (!sel->dst.family)
		return error("%smissing to PREFIX", what);
	if (sel->src.family != sel->dst.family)
		return error("%sfrom and to must both be IPv4 or both IPv6", what);
	if ((sp->sport || sp->dport) && !has_ports(sel->proto))
		return error("%sports need proto tcp, udp or sctp", what);
	return 0;
}

void policy_get_sel(const struct policy *p, struct selector *sel)
{
	sel->src = p->src;
	sel->dst = p->dst;
	sel->src_plen = p->src_plen;
	sel->dst_plen = p->dst_plen;
	sel->proto = p->proto;
	sel->sport_min = p->sport_min;
	sel->sport_max = p->sport_max;
	sel->dport_min = p->dport_min;
	sel->dport_max = p->dport_max;
}

static void policy_set_sel(struct policy *p, const struct selector *sel)
{
	p->src = sel->src;
	p->dst = sel->dst;
	p->src_plen = sel->src_plen;
	p->dst_plen = sel->dst_plen;
	p->proto = sel->proto;
	p->sport_min = sel->sport_min;
	p->sport_max = sel->sport_max;
	p->dport_min = sel->dport_min;
	p->dport_max = sel->dport_max;
}

static int policy_check(struct policy *p, bool for_add, const struct selector_parse *sp)
{
	if (p->id)
		return 0;
	if (p->dir < 0)
		return error("missing dir in or out");
	if (selector_check(sp, ""))
		return -1;
	if (!for_add)
		return 0;
	if (p->action < 0)
		return error("missing action protect, bypass or discard");
	if (p->action != NFESP_ACTION_PROTECT) {
		if (p->has_mode || p->local.family || p->peer.family || p->has_reqid || p->flags)
			return error("mode, local, peer, reqid and match-ike are only for action protect");
		return 0;
	}
	if (p->mode == NFESP_MODE_TRANSPORT) {
		if (p->local.family || p->peer.family)
			return error("transport mode has no tunnel endpoints; drop local and peer");
		return 0;
	}
	if (!p->local.family || !p->peer.family)
		return error("tunnel mode needs local ADDR and peer ADDR");
	if (p->local.family != p->peer.family)
		return error("local and peer must both be IPv4 or both IPv6");
	return 0;
}

/* The words of policy add, replace, del or get (@g) after the verb into @p. */
int policy_parse(struct args *a, struct policy *p, bool for_add,
		 const struct grammar *g)
{
	struct selector sel;
	struct selector_parse sp = { .sel = &sel };
	const struct keyword *k;
	struct kw_scan s;
	const char *w, *v;
	uint32_t n;
	int r;

	memset(p, 0, sizeof(*p));
	p->dir = p->action = -1;
	selector_init(&sel);
	kw_scan_init(&s, g);
	while ((w = more_words(a)) != NULL) {
		k = kw_scan_word(&s, w);
		if (!k)
			return -1;
		if ((r = selector_word(a, w, &sp)) < 0)
			return -1;
		if (r)
			continue;
		if (!strcmp(w, "id")) {
			if (!(v = next_word(a, "policy id")) || parse_u32(v, "policy id", &p->id))
				return -1;
			if (!p->id)
				return error("policy id 0 does not exist; ids start at 1");
		} else if (!strcmp(w, "dir")) {
			if (!(v = next_word(a, "dir")) ||
			    (r = lookup(v, dirs, 2, "dir")) < 0)
				return -1;
			p->dir = r;
		} else if (!strcmp(w, "action")) {
			if (!(v = next_word(a, "action")) ||
			    (r = lookup(v, actions, 3, "action")) < 0)
				return -1;
			p->action = r;
		} else if (!strcmp(w, "mode")) {
			if (!(v = next_word(a, "mode")) || parse_mode(v, &p->mode))
				return -1;
			p->has_mode = true;
		} else if (!strcmp(w, "local") || !strcmp(w, "peer")) {
			if (!(v = next_word(a, w[0] == 'l' ? "local ADDR" : "peer ADDR")) ||
			    parse_addr(v, w[0] == 'l' ? &p->local : &p->peer))
				return -1;
		} else if (!strcmp(w, "reqid")) {
			if (!(v = next_word(a, "reqid")) || parse_u32(v, "reqid", &p->reqid))
				return -1;
			p->has_reqid = true;
		} else if (!strcmp(w, "priority")) {
			if (!(v = next_word(a, "priority")) || parse_u32(v, "priority", &n))
				return -1;
			p->priority = n;
			p->has_priority = true;
		} else if (!strcmp(w, "match-ike")) {
			p->flags |= NFESP_POL_F_MATCH_IKE;
		} else if (!strcmp(w, "owner")) {
			if (!(v = next_word(a, "owner")) || parse_u64(v, "owner", &p->owner))
				return -1;
		} else {
			return error("\"%s\" is in the table but not parsed", w);
		}
	}
	if (p->id && (p->dir >= 0 || sel.src.family || sel.dst.family))
		return error("give either id N or a selector, not both");
	policy_set_sel(p, &sel);
	return policy_check(p, for_add, &sp);
}

static void put_ports(struct nl_msg *msg, int min_type, uint16_t min, uint16_t max)
{
	if (min == 0 && max == 65535)
		return;
	nla_put_u16(msg, min_type, min);
	nla_put_u16(msg, min_type + 1, max);
}

/* The NFESP_POL_A_* selector attributes of @sel, a policy's or an SA's. */
void selector_put(struct nl_msg *msg, const struct selector *sel)
{
	nfesp_put_addr(msg, NFESP_POL_A_SRC, &sel->src);
	nfesp_put_addr(msg, NFESP_POL_A_DST, &sel->dst);
	nla_put_u8(msg, NFESP_POL_A_SRC_PREFIXLEN, sel->src_plen);
	nla_put_u8(msg, NFESP_POL_A_DST_PREFIXLEN, sel->dst_plen);
	if (sel->proto)
		nla_put_u8(msg, NFESP_POL_A_PROTO, sel->proto);
	put_ports(msg, NFESP_POL_A_SPORT_MIN, sel->sport_min, sel->sport_max);
	put_ports(msg, NFESP_POL_A_DPORT_MIN, sel->dport_min, sel->dport_max);
}

/* The request for @cmd about @p (by id if set, else by selector), nothing printed. */
struct nl_msg *policy_msg(uint8_t cmd, const struct policy *p, bool for_add)
{
	struct nl_msg *msg = nfesp_request(cmd, 0);
	struct selector sel;
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, NFESP_A_POLICY);
	if (p->id) {
		nla_put_u32(msg, NFESP_POL_A_ID, p->id);
		nla_nest_end(msg, nest);
		return msg;
	}
	nla_put_u8(msg, NFESP_POL_A_DIR, p->dir);
	policy_get_sel(p, &sel);
	selector_put(msg, &sel);
	if (for_add) {
		nla_put_u8(msg, NFESP_POL_A_ACTION, p->action);
		if (p->has_priority)
			nla_put_u32(msg, NFESP_POL_A_PRIORITY, p->priority);
		if (p->owner)
			nla_put_u64(msg, NFESP_POL_A_OWNER, p->owner);
		if (p->action == NFESP_ACTION_PROTECT) {
			nla_put_u8(msg, NFESP_POL_A_MODE, p->mode);
			nla_put_u32(msg, NFESP_POL_A_REQID, p->reqid);
			if (p->flags)
				nla_put_u32(msg, NFESP_POL_A_FLAGS, p->flags);
			if (p->local.family) {
				nfesp_put_addr(msg, NFESP_POL_A_LOCAL, &p->local);
				nfesp_put_addr(msg, NFESP_POL_A_PEER, &p->peer);
			}
		}
	}
	nla_nest_end(msg, nest);
	return msg;
}

/* Each attribute from the kernel long enough for its type. */
static const struct nla_policy pol_policy[NFESP_POL_A_MAX + 1] = {
	[NFESP_POL_A_ID] = { .type = NLA_U32 },
	[NFESP_POL_A_DIR] = { .type = NLA_U8 },
	[NFESP_POL_A_ACTION] = { .type = NLA_U8 },
	[NFESP_POL_A_PRIORITY] = { .type = NLA_U32 },
	[NFESP_POL_A_SRC] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_DST] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_SRC_PREFIXLEN] = { .type = NLA_U8 },
	[NFESP_POL_A_DST_PREFIXLEN] = { .type = NLA_U8 },
	[NFESP_POL_A_PROTO] = { .type = NLA_U8 },
	[NFESP_POL_A_SPORT_MIN] = { .type = NLA_U16 },
	[NFESP_POL_A_SPORT_MAX] = { .type = NLA_U16 },
	[NFESP_POL_A_DPORT_MIN] = { .type = NLA_U16 },
	[NFESP_POL_A_DPORT_MAX] = { .type = NLA_U16 },
	[NFESP_POL_A_MODE] = { .type = NLA_U8 },
	[NFESP_POL_A_LOCAL] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_PEER] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_REQID] = { .type = NLA_U32 },
	[NFESP_POL_A_STATS] = { .type = NLA_NESTED },
	[NFESP_POL_A_OWNER] = { .type = NLA_U64 },
	[NFESP_POL_A_FLAGS] = { .type = NLA_U32 },
};

/* The selector attributes in @tb; -1 if an address is of a bad length. */
static int selector_from_nl(struct nlattr **tb, struct selector *sel)
{
	selector_init(sel);
	if (nfesp_get_addr(tb[NFESP_POL_A_SRC], &sel->src) ||
	    nfesp_get_addr(tb[NFESP_POL_A_DST], &sel->dst))
		return -1;
	sel->src_plen = tb[NFESP_POL_A_SRC_PREFIXLEN] ? nla_get_u8(tb[NFESP_POL_A_SRC_PREFIXLEN]) : 0;
	sel->dst_plen = tb[NFESP_POL_A_DST_PREFIXLEN] ? nla_get_u8(tb[NFESP_POL_A_DST_PREFIXLEN]) : 0;
	if (tb[NFESP_POL_A_PROTO])
		sel->proto = nla_get_u8(tb[NFESP_POL_A_PROTO]);
	if (tb[NFESP_POL_A_SPORT_MIN] && tb[NFESP_POL_A_SPORT_MAX]) {
		sel->sport_min = nla_get_u16(tb[NFESP_POL_A_SPORT_MIN]);
		sel->sport_max = nla_get_u16(tb[NFESP_POL_A_SPORT_MAX]);
	}
	if (tb[NFESP_POL_A_DPORT_MIN] && tb[NFESP_POL_A_DPORT_MAX]) {
		sel->dport_min = nla_get_u16(tb[NFESP_POL_A_DPORT_MIN]);
		sel->dport_max = nla_get_u16(tb[NFESP_POL_A_DPORT_MAX]);
	}
	return 0;
}

/* An SA's NFESP_SA_A_SELECTOR, from the kernel. */
int selector_from_nest(struct nlattr *nest, struct selector *sel)
{
	struct nlattr *tb[NFESP_POL_A_MAX + 1];

	if (nla_parse_nested(tb, NFESP_POL_A_MAX, nest, pol_policy) ||
	    !tb[NFESP_POL_A_SRC] || !tb[NFESP_POL_A_DST] || selector_from_nl(tb, sel))
		return error("malformed SA selector from the kernel");
	return 0;
}

int policy_from_nl(struct nl_msg *msg, struct policy *p)
{
	struct selector sel;

	struct nlattr *top[NFESP_A_MAX + 1], *tb[NFESP_POL_A_MAX + 1];

	memset(p, 0, sizeof(*p));
	p->sport_max = p->dport_max = 65535;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, NFESP_A_MAX, NULL) || !top[NFESP_A_POLICY] ||
	    nla_parse_nested(tb, NFESP_POL_A_MAX, top[NFESP_A_POLICY], pol_policy))
		return error("malformed policy from the kernel");
	if (!tb[NFESP_POL_A_ID] || !tb[NFESP_POL_A_DIR] || !tb[NFESP_POL_A_ACTION] ||
	    !tb[NFESP_POL_A_SRC] || !tb[NFESP_POL_A_DST])
		return error("policy from the kernel lacks its selector");
	p->id = nla_get_u32(tb[NFESP_POL_A_ID]);
	p->dir = nla_get_u8(tb[NFESP_POL_A_DIR]);
	p->action = nla_get_u8(tb[NFESP_POL_A_ACTION]);
	if (p->dir > NFESP_DIR_MAX || p->action > NFESP_ACTION_MAX)
		return error("policy %u from the kernel has an unknown dir or action", p->id);
	if (tb[NFESP_POL_A_PRIORITY])
		p->priority = nla_get_u32(tb[NFESP_POL_A_PRIORITY]);
	if (selector_from_nl(tb, &sel) ||
	    (tb[NFESP_POL_A_LOCAL] && nfesp_get_addr(tb[NFESP_POL_A_LOCAL], &p->local)) ||
	    (tb[NFESP_POL_A_PEER] && nfesp_get_addr(tb[NFESP_POL_A_PEER], &p->peer)))
		return error("policy %u from the kernel has an address of neither 4 nor 16 bytes",
			     p->id);
	policy_set_sel(p, &sel);
	if (tb[NFESP_POL_A_MODE])
		p->mode = nla_get_u8(tb[NFESP_POL_A_MODE]);
	if (tb[NFESP_POL_A_REQID])
		p->reqid = nla_get_u32(tb[NFESP_POL_A_REQID]);
	if (tb[NFESP_POL_A_OWNER])
		p->owner = nla_get_u64(tb[NFESP_POL_A_OWNER]);
	if (tb[NFESP_POL_A_FLAGS])
		p->flags = nla_get_u32(tb[NFESP_POL_A_FLAGS]);
	if (tb[NFESP_POL_A_STATS]) {
		struct nlattr *st[NFESP_POL_STATS_A_MAX + 1];

		if (!nla_parse_nested(st, NFESP_POL_STATS_A_MAX, tb[NFESP_POL_A_STATS], NULL)) {
			if (st[NFESP_POL_STATS_A_PACKETS])
				p->packets = nla_get_u64(st[NFESP_POL_STATS_A_PACKETS]);
			if (st[NFESP_POL_STATS_A_BYTES])
				p->bytes = nla_get_u64(st[NFESP_POL_STATS_A_BYTES]);
		}
	}
	return 0;
}

static void print_ports(uint16_t min, uint16_t max)
{
	if (min == 0 && max == 65535)
		return;
	if (min == max)
		printf(" port %u", min);
	else
		printf(" port %u-%u", min, max);
}

/* A port range as typed: "443" or "1000-2000"; absent if any. */
static void json_ports(json_t *o, const char *key, uint16_t min, uint16_t max)
{
	char buf[16];

	if (min == 0 && max == 65535)
		return;
	if (min == max)
		snprintf(buf, sizeof(buf), "%u", min);
	else
		snprintf(buf, sizeof(buf), "%u-%u", min, max);
	json_object_set_new(o, key, json_string(buf));
}

static const char *prefix_str(const struct addr *a, int plen, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];
	int max = a->family == AF_INET ? 32 : 128;

	addr_str(a, ab, sizeof(ab));
	if (plen == max)
		snprintf(buf, len, "%s", ab);
	else
		snprintf(buf, len, "%s/%d", ab, plen);
	return buf;
}

/* from, from_port, to, to_port and proto, set in @o. */
void selector_json(json_t *o, const struct selector *sel)
{
	char buf[INET6_ADDRSTRLEN + 8];

	json_object_set_new(o, "from", json_string(prefix_str(&sel->src, sel->src_plen,
								buf, sizeof(buf))));
	json_ports(o, "from_port", sel->sport_min, sel->sport_max);
	json_object_set_new(o, "to", json_string(prefix_str(&sel->dst, sel->dst_plen,
							      buf, sizeof(buf))));
	json_ports(o, "to_port", sel->dport_min, sel->dport_max);
	json_object_set_new(o, "proto", json_string(sel->proto ?
						    proto_str(sel->proto, buf, sizeof(buf)) : "any"));
}

/* " from PREFIX [port P] to PREFIX [port P] [proto P]", as they are parsed. */
void selector_print(const struct selector *sel)
{
	char buf[INET6_ADDRSTRLEN + 8];

	printf(" from %s", prefix_str(&sel->src, sel->src_plen, buf, sizeof(buf)));
	print_ports(sel->sport_min, sel->sport_max);
	printf(" to %s", prefix_str(&sel->dst, sel->dst_plen, buf, sizeof(buf)));
	print_ports(sel->dport_min, sel->dport_max);
	if (sel->proto)
		printf(" proto %s", proto_str(sel->proto, buf, sizeof(buf)));
}

const char *policy_dir_str(int dir)
{
	return dir >= 0 && dir <= NFESP_DIR_MAX ? dirs[dir] : "?";
}

const char *policy_action_str(int action)
{
	return action >= 0 && action <= NFESP_ACTION_MAX ? actions[action] : "?";
}

json_t *policy_json(const struct policy *p)
{
	json_t *o = json_object();
	struct selector sel;

	json_object_set_new(o, "id", json_u64(p->id));
	json_object_set_new(o, "dir", json_string(dirs[p->dir]));
	policy_get_sel(p, &sel);
	selector_json(o, &sel);
	json_object_set_new(o, "action", json_string(actions[p->action]));
	if (p->action == NFESP_ACTION_PROTECT) {
		json_object_set_new(o, "mode", json_string(p->mode == NFESP_MODE_TRANSPORT ?
							   "transport" : "tunnel"));
		if (p->local.family) {
			json_object_set_new(o, "local", json_addr(&p->local));
			json_object_set_new(o, "peer", json_addr(&p->peer));
		}
		json_object_set_new(o, "reqid", json_u64(p->reqid));
		json_object_set_new(o, "match_ike", json_boolean(p->flags & NFESP_POL_F_MATCH_IKE));
	}
	json_object_set_new(o, "priority", json_u64(p->priority));
	if (p->owner)
		json_object_set_new(o, "owner", json_u64(p->owner));
	json_object_set_new(o, "packets", json_u64(p->packets));
	json_object_set_new(o, "bytes", json_u64(p->bytes));
	return o;
}

/* In the grammar of policy add, with the id and counters as a comment. */
void policy_print(const struct policy *p, const char *verb)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct selector sel;

	/* monitor builds its events' JSON itself (monitor.c). */
	if (opt_json)
		return json_emit(policy_json(p));
	printf("policy %s dir %s", verb ? verb : "add", dirs[p->dir]);
	policy_get_sel(p, &sel);
	selector_print(&sel);
	printf(" action %s", actions[p->action]);
	if (p->action == NFESP_ACTION_PROTECT) {
		printf(" mode %s", p->mode == NFESP_MODE_TRANSPORT ? "transport" : "tunnel");
		if (p->local.family) {
			printf(" local %s", addr_str(&p->local, buf, sizeof(buf)));
			printf(" peer %s", addr_str(&p->peer, buf, sizeof(buf)));
		}
		printf(" reqid %u", p->reqid);
		if (p->flags & NFESP_POL_F_MATCH_IKE)
			printf(" match-ike");
	}
	printf(" priority %u", p->priority);
	if (p->owner)
		printf(" owner %" PRIu64, p->owner);
	printf("\n\t# id %u packets %" PRIu64 " bytes %" PRIu64 "\n",
	       p->id, p->packets, p->bytes);
}

int policy_print_reply(struct nl_msg *msg, void *arg)
{
	struct policy p;

	if (policy_from_nl(msg, &p))
		return -1;
	policy_print(&p, NULL);
	return 0;
}

struct policy_list {
	struct policy *v;
	size_t n, cap;
};

static int policy_collect(struct nl_msg *msg, void *arg)
{
	struct policy_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct policy *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return error("out of memory");
		l->v = v;
		l->cap = cap;
	}
	if (policy_from_nl(msg, &l->v[l->n]))
		return -1;
	l->n++;
	return 0;
}

static void policy_collect_reset(void *arg)
{
	((struct policy_list *)arg)->n = 0;
}

/* The kernel's policies, in match order. */
int policy_dump(struct policy **list, size_t *n)
{
	struct policy_list l = { 0 };
	int err;

	err = nfesp_dump(NFESP_CMD_POLICY_GET, policy_collect, policy_collect_reset, &l);
	if (err) {
		free(l.v);
		return kernel_error("policy show", err);
	}
	*list = l.v;
	*n = l.n;
	return 0;
}

/* policy show: text, or with -j one document {"policies": [...]}. */
int policy_show(void)
{
	struct policy *v;
	size_t i, n;

	if (opt_dry_run)
		return 0;
	if (policy_dump(&v, &n))
		return -1;
	if (opt_json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, policy_json(&v[i]));
		json_emit(json_pack("{s:o}", "policies", a));
	} else {
		for (i = 0; i < n; i++)
			policy_print(&v[i], NULL);
	}
	free(v);
	return 0;
}

int policy_id_reply(struct nl_msg *msg, void *arg)
{
	struct policy p;

	if (policy_from_nl(msg, &p))
		return -1;
	*(uint32_t *)arg = p.id;
	return 0;
}

static int policy_change(struct args *a, uint8_t cmd, const char *what)
{
	bool for_add = cmd == NFESP_CMD_POLICY_NEW || cmd == NFESP_CMD_POLICY_REPLACE;
	struct nl_msg *msg;
	struct policy p;
	uint32_t id = 0;
	int err;

	/* what is "policy VERB", VERB one of the table's. */
	if (policy_parse(a, &p, for_add, grammar_find("policy", what + 7)))
		return -1;
	msg = policy_msg(cmd, &p, for_add);
	if (!msg)
		return error("out of memory");
	/* A dry run goes as far as the request, and does not send it. */
	if (opt_dry_run) {
		nfesp_discard(msg);
		return 0;
	}
	err = nfesp_transact(msg,
			  cmd == NFESP_CMD_POLICY_GET ? policy_print_reply : policy_id_reply,
			  cmd == NFESP_CMD_POLICY_GET ? NULL : &id);
	if (err)
		return kernel_error(what, err);
	if (for_add && opt_json)
		json_emit(json_pack("{s:o}", "id", json_u64(id)));
	return 0;
}

int cmd_policy(struct args *a)
{
	const char *verb = next_word(a, "policy command: add, replace, del, get, show or flush");
	int err;

	if (!verb)
		return -1;
	if (!strcmp(verb, "add"))
		return policy_change(a, NFESP_CMD_POLICY_NEW, "policy add");
	if (!strcmp(verb, "replace"))
		return policy_change(a, NFESP_CMD_POLICY_REPLACE, "policy replace");
	if (!strcmp(verb, "del") || !strcmp(verb, "delete"))
		return policy_change(a, NFESP_CMD_POLICY_DEL, "policy del");
	if (!strcmp(verb, "get"))
		return policy_change(a, NFESP_CMD_POLICY_GET, "policy get");
	if (a->i < a->argc)
		return error("policy %s takes no arguments, got \"%s\"", verb, a->argv[a->i]);
	if (opt_dry_run && (!strcmp(verb, "show") || !strcmp(verb, "flush")))
		return 0;
	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		return policy_show();
	if (!strcmp(verb, "flush")) {
		err = nfesp_transact(nfesp_request(NFESP_CMD_POLICY_FLUSH, 0), NULL, NULL);
		return err ? kernel_error("policy flush", err) : 0;
	}
	return error("unknown policy command \"%s\"; use add, replace, del, get, show or flush", verb);
}
