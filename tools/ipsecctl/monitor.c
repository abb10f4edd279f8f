// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl monitor: one line for every event, in the command grammar; with
 * -j one JSON object a line, named by its "event".
 */

#include <string.h>
#include <linux/nfesp.h>
#include <netlink/genl/genl.h>
#include "ipsecctl.h"

/* -t: text events start with the time; JSON events always have "time". */
bool opt_timestamp;

/* A JSON event: {"event": NAME, "time": NOW, ...}. */
static json_t *event(const char *name)
{
	return json_pack("{s:s, s:o}", "event", name, "time", json_time_now());
}

/* @what's members after the event's own; @what is used up. */
static void merge(json_t *o, json_t *what)
{
	json_object_update(o, what);
	json_decref(what);
}

/* The packet's selector in an ACQUIRE, each attribute long enough. */
static const struct nla_policy pkt_policy[NFESP_POL_A_MAX + 1] = {
	[NFESP_POL_A_SRC] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_DST] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_PROTO] = { .type = NLA_U8 },
	[NFESP_POL_A_SPORT_MIN] = { .type = NLA_U16 },
	[NFESP_POL_A_DPORT_MIN] = { .type = NLA_U16 },
};

/* acquire policy N reqid R src A dst B proto P [sport S dport D] */
static void print_acquire(struct nl_msg *msg, const struct policy *pol)
{
	struct nlattr *top[NFESP_A_MAX + 1], *pkt[NFESP_POL_A_MAX + 1] = { };
	struct addr src = { }, dst = { };
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], p[16];
	const char *pn;
	unsigned int proto = 0;
	bool ports;

	genlmsg_parse(nlmsg_hdr(msg), 0, top, NFESP_A_MAX, NULL);
	/* On a bad attribute, what came before it is shown, "?" for the rest. */
	if (top[NFESP_A_ACQUIRE])
		nla_parse_nested(pkt, NFESP_POL_A_MAX, top[NFESP_A_ACQUIRE], pkt_policy);
	if (pkt[NFESP_POL_A_SRC])
		nfesp_get_addr(pkt[NFESP_POL_A_SRC], &src);
	if (pkt[NFESP_POL_A_DST])
		nfesp_get_addr(pkt[NFESP_POL_A_DST], &dst);
	if (pkt[NFESP_POL_A_PROTO])
		proto = nla_get_u8(pkt[NFESP_POL_A_PROTO]);
	ports = pkt[NFESP_POL_A_SPORT_MIN] && pkt[NFESP_POL_A_DPORT_MIN];
	addr_str(&src, s, sizeof(s));
	addr_str(&dst, d, sizeof(d));

	pn = proto_str(proto, p, sizeof(p));
	if (opt_json) {
		json_t *o = event("acquire");

		json_object_set_new(o, "policy", json_u64(pol->id));
		json_object_set_new(o, "reqid", json_u64(pol->reqid));
		json_object_set_new(o, "src", json_string(s));
		json_object_set_new(o, "dst", json_string(d));
		json_object_set_new(o, "proto", json_string(pn));
		if (ports) {
			json_object_set_new(o, "sport",
					    json_u64(nla_get_u16(pkt[NFESP_POL_A_SPORT_MIN])));
			json_object_set_new(o, "dport",
					    json_u64(nla_get_u16(pkt[NFESP_POL_A_DPORT_MIN])));
		}
		json_emit(o);
		return;
	}
	printf("acquire policy %u reqid %u src %s dst %s proto %s", pol->id, pol->reqid,
	       s, d, pn);
	if (ports)
		printf(" sport %u dport %u", nla_get_u16(pkt[NFESP_POL_A_SPORT_MIN]),
		       nla_get_u16(pkt[NFESP_POL_A_DPORT_MIN]));
	putchar('\n');
}

static const struct nla_policy mapping_policy[NFESP_MAPPING_A_MAX + 1] = {
	[NFESP_MAPPING_A_OLD_ADDR] = { .minlen = 4, .maxlen = 16 },
	[NFESP_MAPPING_A_OLD_PORT] = { .type = NLA_U16 },
	[NFESP_MAPPING_A_NEW_ADDR] = { .minlen = 4, .maxlen = 16 },
	[NFESP_MAPPING_A_NEW_PORT] = { .type = NLA_U16 },
};

/*
 * mapping spi SPI dst ADDR old ADDR port N new ADDR port N [followed]:
 * the peer of an inbound SA moved behind a NAT.
 */
static void print_mapping(struct nl_msg *msg, const struct sa *sa)
{
	struct nlattr *top[NFESP_A_MAX + 1], *m[NFESP_MAPPING_A_MAX + 1] = { };
	char d[INET6_ADDRSTRLEN], o[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];
	struct addr old = { }, new = { };
	unsigned int oport = 0, nport = 0;
	bool followed = sa->flags & NFESP_SA_F_FOLLOW_PEER;

	genlmsg_parse(nlmsg_hdr(msg), 0, top, NFESP_A_MAX, NULL);
	/* On a bad attribute, what came before it is shown, "?" for the rest. */
	if (top[NFESP_A_MAPPING])
		nla_parse_nested(m, NFESP_MAPPING_A_MAX, top[NFESP_A_MAPPING], mapping_policy);
	if (m[NFESP_MAPPING_A_OLD_ADDR])
		nfesp_get_addr(m[NFESP_MAPPING_A_OLD_ADDR], &old);
	if (m[NFESP_MAPPING_A_NEW_ADDR])
		nfesp_get_addr(m[NFESP_MAPPING_A_NEW_ADDR], &new);
	if (m[NFESP_MAPPING_A_OLD_PORT])
		oport = nla_get_u16(m[NFESP_MAPPING_A_OLD_PORT]);
	if (m[NFESP_MAPPING_A_NEW_PORT])
		nport = nla_get_u16(m[NFESP_MAPPING_A_NEW_PORT]);
	addr_str(&sa->dst, d, sizeof(d));
	addr_str(&old, o, sizeof(o));
	addr_str(&new, n, sizeof(n));

	if (opt_json) {
		json_t *e = event("mapping");

		json_object_set_new(e, "spi", json_spi(sa->spi));
		json_object_set_new(e, "dst", json_string(d));
		json_object_set_new(e, "reqid", json_u64(sa->reqid));
		json_object_set_new(e, "old", json_pack("{s:s, s:i}", "addr", o, "port", oport));
		json_object_set_new(e, "new", json_pack("{s:s, s:i}", "addr", n, "port", nport));
		json_object_set_new(e, "followed", json_boolean(followed));
		json_emit(e);
		return;
	}
	printf("mapping spi 0x%08x dst %s reqid %u old %s port %u new %s port %u%s\n",
	       sa->spi, d, sa->reqid, o, oport, n, nport, followed ? " followed" : "");
}

/* sa update spi SPI dst ADDR src ADDR [encap udp SPORT DPORT]: as typed. */
static void print_sa_update(const struct sa *sa)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	addr_str(&sa->src, s, sizeof(s));
	addr_str(&sa->dst, d, sizeof(d));
	if (opt_json) {
		json_t *o = event("sa update"), *e = sa_encap_json(sa);

		json_object_set_new(o, "spi", json_spi(sa->spi));
		json_object_set_new(o, "dst", json_string(d));
		json_object_set_new(o, "src", json_string(s));
		if (e)
			json_object_set_new(o, "encap", e);
		json_emit(o);
		return;
	}
	printf("sa update spi 0x%08x dst %s src %s", sa->spi, d, s);
	if (sa->encap_sport)
		printf(" encap udp %u %u", sa->encap_sport, sa->encap_dport);
	putchar('\n');
}

/*
 * -t: the time before a text event, once it has been decoded (one that
 * cannot be is not printed, and must leave no time behind on its line).
 */
static void stamp(void)
{
	char t[40];

	if (!opt_timestamp || opt_json)
		return;
	time_now_str(t, sizeof(t));
	printf("%s ", t);
}

int monitor_print_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *top[NFESP_A_MAX + 1];
	const char *name;
	struct policy pol;
	bool larval;
	struct sa sa;
	char a[INET6_ADDRSTRLEN];
	json_t *o;

	if (!genlmsg_valid_hdr(nlmsg_hdr(msg), 0))
		return 0;
	switch (gh->cmd) {
	case NFESP_CMD_SA_NEW:
	case NFESP_CMD_SA_GET:
		if (sa_from_nl(msg, &sa, &larval))
			return 0;
		stamp();
		if (!opt_json) {
			sa_print(&sa, larval);
			break;
		}
		o = event(larval ? "spi alloc" : "sa add");
		merge(o, sa_json(&sa, larval));
		json_emit(o);
		break;
	case NFESP_CMD_SA_DEL:
	case NFESP_CMD_EXPIRE:
		if (sa_from_nl(msg, &sa, &larval))
			return 0;
		stamp();
		genlmsg_parse(nlmsg_hdr(msg), 0, top, NFESP_A_MAX, NULL);
		name = gh->cmd == NFESP_CMD_SA_DEL ? "sa del" :
		       top[NFESP_A_EXPIRE_HARD] ? "expire hard" : "expire soft";
		if (opt_json) {
			o = event(name);
			json_object_set_new(o, "spi", json_spi(sa.spi));
			json_object_set_new(o, "dst", json_addr(&sa.dst));
			json_object_set_new(o, "reqid", json_u64(sa.reqid));
			json_emit(o);
		} else if (gh->cmd == NFESP_CMD_SA_DEL) {
			printf("sa del spi 0x%08x dst %s\n", sa.spi, addr_str(&sa.dst, a, sizeof(a)));
		} else {
			printf("%s spi 0x%08x dst %s reqid %u\n", name, sa.spi,
			       addr_str(&sa.dst, a, sizeof(a)), sa.reqid);
		}
		break;
	case NFESP_CMD_SA_SET:
		if (sa_from_nl(msg, &sa, &larval))
			return 0;
		stamp();
		print_sa_update(&sa);
		break;
	case NFESP_CMD_MAPPING:
		if (sa_from_nl(msg, &sa, &larval))
			return 0;
		stamp();
		print_mapping(msg, &sa);
		break;
	case NFESP_CMD_POLICY_NEW:
	case NFESP_CMD_POLICY_DEL:
	case NFESP_CMD_POLICY_REPLACE:
		if (policy_from_nl(msg, &pol))
			return 0;
		stamp();
		name = gh->cmd == NFESP_CMD_POLICY_NEW ? "add" :
		       gh->cmd == NFESP_CMD_POLICY_DEL ? "del" : "replace";
		if (!opt_json) {
			policy_print(&pol, name);
			break;
		}
		o = event(gh->cmd == NFESP_CMD_POLICY_NEW ? "policy add" :
			  gh->cmd == NFESP_CMD_POLICY_DEL ? "policy del" : "policy replace");
		merge(o, policy_json(&pol));
		json_emit(o);
		break;
	case NFESP_CMD_ACQUIRE:
		if (policy_from_nl(msg, &pol))
			return 0;
		stamp();
		print_acquire(msg, &pol);
		break;
	case NFESP_CMD_SA_FLUSH:
	case NFESP_CMD_POLICY_FLUSH:
		name = gh->cmd == NFESP_CMD_SA_FLUSH ? "sa flush" : "policy flush";
		stamp();
		if (opt_json)
			json_emit(event(name));
		else
			printf("%s\n", name);
		break;
	default:
		stamp();
		if (opt_json)
			json_emit(json_pack("{s:s, s:o, s:i}", "event", "unknown",
					    "time", json_time_now(), "cmd", gh->cmd));
		else
			printf("# unknown event %u\n", gh->cmd);
		return 0;
	}
	return 0;
}

int cmd_monitor(struct args *a)
{
	if (a->i < a->argc)
		return error("monitor takes no arguments, got \"%s\"", a->argv[a->i]);
	if (opt_dry_run)
		return 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	return nfesp_monitor(monitor_print_event, NULL);
}
