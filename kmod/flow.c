// SPDX-License-Identifier: GPL-2.0-only
/*
 * The selector fields of a packet (RFC 4301 section 4.4.1.1): addresses,
 * the next-layer protocol and its ports.
 *
 * What cannot be read is marked unknown rather than guessed: the ports of a
 * non-first fragment or of a transport header cut short, the protocol of an
 * IPv6 packet whose extension headers cannot be walked or that is a
 * non-first fragment. The SPD lookup lets an unknown field match any
 * selector, and the hooks refuse a packet whose first match depends on
 * one (nfesp_flow_ambiguous): fail closed, never in clear by accident.
 *
 * An ICMP error belongs to the flow of the packet it quotes, reversed:
 * nfesp_flow_icmp_reverse() reads that flow (RFC 4301 section 6.2).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "datapath.h"
#include "policy.h"

static bool ports_known(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

static void parse_ports(const struct sk_buff *skb, unsigned int off, bool first,
			struct nfesp_flow *fl)
{
	__be16 ports[2];

	fl->l4_off = off;
	/* A non-first fragment holds no transport header, whatever the protocol. */
	if (!first) {
		fl->unknown |= NFESP_FLOW_UNKNOWN_PORTS;
		return;
	}
	if (!ports_known(fl->proto))
		return;
	if (skb_copy_bits(skb, off, ports, sizeof(ports))) {
		fl->unknown |= NFESP_FLOW_UNKNOWN_PORTS;
		return;
	}
	fl->has_ports = true;
	fl->sport = ports[0];
	fl->dport = ports[1];
}

static int parse4(const struct sk_buff *skb, unsigned int off, struct nfesp_flow *fl)
{
	struct iphdr iph;

	if (skb_copy_bits(skb, off, &iph, sizeof(iph)) || iph.ihl < 5)
		return -EINVAL;
	fl->src.ip4 = iph.saddr;
	fl->dst.ip4 = iph.daddr;
	fl->proto = iph.protocol;
	/* Only a first fragment carries the ports. */
	parse_ports(skb, off + iph.ihl * 4, !(iph.frag_off & htons(IP_OFFSET)), fl);
	return 0;
}

/*
 * Walk the extension headers to the upper-layer protocol. No Next Header
 * (59) is a protocol like any other, with no ports.
 */
static int parse6(const struct sk_buff *skb, unsigned int off, struct nfesp_flow *fl)
{
	struct ipv6hdr ip6h;
	u8 nexthdr;

	if (skb_copy_bits(skb, off, &ip6h, sizeof(ip6h)))
		return -EINVAL;
	fl->src.ip6 = ip6h.saddr;
	fl->dst.ip6 = ip6h.daddr;
	nexthdr = ip6h.nexthdr;
	off += sizeof(ip6h);
	while (nexthdr != NEXTHDR_NONE && ipv6_ext_hdr(nexthdr)) {
		struct frag_hdr fh;

		/* Every extension header starts as a fragment header does. */
		if (skb_copy_bits(skb, off, &fh, sizeof(fh)))
			goto unknown;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			if (fh.frag_off & htons(IP6_OFFSET)) {
				/* What follows is in the first fragment. */
				fl->proto = fh.nexthdr;
				fl->unknown |= NFESP_FLOW_UNKNOWN_PORTS;
				if (ipv6_ext_hdr(fh.nexthdr))
					goto unknown;
				return 0;
			}
			off += sizeof(fh);
		} else if (nexthdr == NEXTHDR_AUTH) {
			off += ipv6_authlen((struct ipv6_opt_hdr *)&fh);
		} else {
			off += ipv6_optlen((struct ipv6_opt_hdr *)&fh);
		}
		nexthdr = fh.nexthdr;
	}
	fl->proto = nexthdr;
	parse_ports(skb, off, true, fl);
	return 0;

unknown:
	fl->proto = 0;
	fl->unknown |= NFESP_FLOW_UNKNOWN_PROTO | NFESP_FLOW_UNKNOWN_PORTS;
	return 0;
}

static int parse_at(const struct sk_buff *skb, u8 family, unsigned int off,
		    struct nfesp_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = family;
	return family == AF_INET ? parse4(skb, off, fl) : parse6(skb, off, fl);
}

/* The selector fields of the packet at skb->network_header. */
int nfesp_flow_parse(struct sk_buff *skb, u8 family, struct nfesp_flow *fl)
{
	return parse_at(skb, family, skb_network_offset(skb), fl);
}

/*
 * Whether the first policy that @fl matches, @pol, was chosen by a field
 * that @fl does not know: then another might have been, and the packet
 * cannot be classified.
 */
bool nfesp_flow_ambiguous(const struct nfesp_policy *pol, const struct nfesp_flow *fl)
{
	return nfesp_flow_sel_ambiguous(&pol->sel, fl);
}

/* Whether @fl's match of @sel depended on a field @fl does not know. */
bool nfesp_flow_sel_ambiguous(const struct nfesp_selector *sel, const struct nfesp_flow *fl)
{
	bool any_ports = !sel->sport_min && sel->sport_max == U16_MAX &&
			 !sel->dport_min && sel->dport_max == U16_MAX;

	if ((fl->unknown & NFESP_FLOW_UNKNOWN_PROTO) && sel->proto)
		return true;
	return (fl->unknown & NFESP_FLOW_UNKNOWN_PORTS) && !any_ports;
}

static bool icmp_error(const struct sk_buff *skb, const struct nfesp_flow *fl)
{
	u8 type;

	if (fl->proto != (fl->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6) ||
	    fl->unknown || skb_copy_bits(skb, fl->l4_off, &type, sizeof(type)))
		return false;
	return fl->family == AF_INET ? icmp_is_err(type) : icmpv6_is_err(type);
}

/*
 * If @fl is an ICMP or ICMPv6 error, the flow it is about, in the direction
 * the error travels: the packet it quotes, with source and destination
 * swapped. Returns false if it is not an error, quotes too little, or is
 * not addressed to the quoted packet's source: a peer could otherwise send
 * anything anywhere dressed as an error about its own traffic.
 */
bool nfesp_flow_icmp_reverse(const struct sk_buff *skb, const struct nfesp_flow *fl,
			     struct nfesp_flow *rev)
{
	struct nfesp_flow q;

	if (!icmp_error(skb, fl))
		return false;
	/* The quoted packet follows the 8 bytes of the ICMP header. */
	if (parse_at(skb, fl->family, fl->l4_off + 8, &q))
		return false;
	/* An error goes back to the quoted packet's source, or it is not one. */
	if (!nfesp_addr_equal(&fl->dst, &q.src, fl->family))
		return false;
	*rev = q;
	rev->src = q.dst;
	rev->dst = q.src;
	rev->sport = q.dport;
	rev->dport = q.sport;
	return true;
}
