// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where packets meet the SPD: netfilter hooks, registered in a namespace only
 * while it has policies, so a namespace without nfesp configuration pays
 * nothing.
 *
 *   POST_ROUTING  outbound, local and forwarded alike, after SNAT: selectors
 *                 see the addresses that go on the wire. Protect encrypts,
 *                 discard drops, bypass and no match let the packet go.
 *   LOCAL_IN      ESP for this host is decrypted; other traffic is checked
 *                 against inbound policies, as in FORWARD.
 *   FORWARD       inbound policy check of transit traffic.
 *
 * All run just before conntrack confirms (priority INT_MAX - 1): every
 * other hook, NAT and the user's filter rules included, has seen the packet
 * first. A packet that nfesp takes over gets here what the confirm hook
 * would have done, helpers and all, and a forwarded flow that nfesp
 * protects or decrypts is kept off flowtables (conntrack.c).
 *
 * Packets whose protocol or ports cannot be read, and ICMP errors, which
 * belong to the flow they quote, are classified as flow.c describes.
 *
 * Re-entrancy: ESP that nfesp sends carries IPSKB_XFRM_TRANSFORMED (or the
 * IPv6 twin), the kernel's own mark for "already transformed", and is let
 * through; decrypted packets re-enter through the device they arrived on,
 * marked as rx.c describes, and are not checked again, having been checked
 * against the SA and its policy already.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <linux/wait_bit.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/netfilter/nf_conntrack.h>
#include "compat.h"
#include "conntrack.h"
#include "datapath.h"
#include "defrag.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

#define NFESP_HOOK_PRIORITY (INT_MAX - 1)

static void policy_count(struct nfesp_policy *pol, unsigned int len)
{
	this_cpu_inc(pol->stats->packets);
	this_cpu_add(pol->stats->bytes, len);
}

static bool already_transformed(const struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		return IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED;
	return IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED;
}

/*
 * The outbound SAs a protect policy may use: its reqid and mode, towards
 * its peer in tunnel mode, or the packet's destination (@fl) in transport
 * mode.
 */
void nfesp_policy_okey(const struct nfesp_policy *pol, const struct nfesp_flow *fl,
		       struct nfesp_sa_okey *okey)
{
	memset(okey, 0, sizeof(*okey));
	okey->reqid = pol->reqid;
	okey->mode = pol->mode;
	if (pol->mode == NFESP_MODE_TUNNEL) {
		okey->family = pol->tunnel_family;
		okey->dst = pol->peer;
	} else {
		okey->family = fl->family;
		okey->dst = fl->dst;
	}
}

/* Protect a packet: with an SA if there is one, else hold it and acquire. */
void nfesp_output_policy(struct nfesp_net *nn, struct nfesp_policy *pol,
			 const struct nfesp_flow *fl, struct sk_buff *skb)
{
	struct nfesp_sa_okey okey;
	struct nfesp_sa *sa;

	nfesp_policy_okey(pol, fl, &okey);
	sa = nfesp_sa_lookup_out(nn, &okey);
	if (!sa) {
		nfesp_acquire(nn, pol, fl, skb);
		return;
	}
	nfesp_output(nn, sa, skb, fl->family);
	nfesp_sa_put(sa);
}

/*
 * IKE's own packets (RFC 7296 section 2.23, RFC 3948): UDP to or from port
 * 500, or port 4500 with the non-ESP marker or a NAT keepalive. ESP in UDP
 * on 4500 is not IKE.
 */
static bool is_ike(const struct sk_buff *skb, const struct nfesp_flow *fl)
{
	struct {
		struct udphdr uh;
		__be32 marker;
	} hdr;

	if (fl->proto != IPPROTO_UDP || !fl->has_ports)
		return false;
	if (fl->sport == htons(NFESP_IKE_PORT) || fl->dport == htons(NFESP_IKE_PORT))
		return true;
	if (fl->sport != htons(NFESP_NATT_PORT) && fl->dport != htons(NFESP_NATT_PORT))
		return false;
	if (skb_copy_bits(skb, fl->l4_off, &hdr, sizeof(hdr.uh) + 1))
		return false;
	if (ntohs(hdr.uh.len) == sizeof(hdr.uh) + 1)
		return *(u8 *)&hdr.marker == NFESP_NATT_KEEPALIVE;
	return !skb_copy_bits(skb, fl->l4_off, &hdr, sizeof(hdr)) && !hdr.marker;
}

/*
 * This host's IKE is not held to a protect policy that does not ask for it
 * (NFESP_POL_F_MATCH_IKE): else a catch-all policy would hold the very
 * packets that negotiate its SAs.
 */
static bool ike_exempt(const struct nfesp_policy *pol, const struct sk_buff *skb,
		       const struct nfesp_flow *fl)
{
	return pol->action == NFESP_ACTION_PROTECT &&
	       !(pol->flags & NFESP_POL_F_MATCH_IKE) && is_ike(skb, fl);
}

/* Sent by this host, not forwarded: ip_forward() and ip6_forward() mark those. */
static bool locally_sent(const struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		return !(IPCB(skb)->flags & IPSKB_FORWARDED);
	return !(IP6CB(skb)->flags & IP6SKB_FORWARDED);
}

/*
 * Take a packet to protect: keep a forwarded flow off flowtables, do what
 * conntrack's confirm hook would have done, then encrypt or hold it.
 */
static unsigned int protect(struct nfesp_net *nn, struct nfesp_policy *pol,
			    const struct nfesp_flow *fl, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	unsigned int verdict;

	if (!locally_sent(skb, fl->family) && !nfesp_ct_keep_slow(skb)) {
		nfesp_net_count(nn, NFESP_STATS_A_NOMEM);
		return NF_DROP;
	}
	verdict = nfesp_ct_confirm(skb, state);
	if (verdict != NF_ACCEPT)
		return verdict;
	/* Locally generated packets get here in process context. */
	local_bh_disable();
	nfesp_output_policy(nn, pol, fl, skb);
	local_bh_enable();
	return NF_STOLEN;
}

/* ESP, or UDP on IKE's ports: never itself the flow a policy protects. */
static bool quotes_ipsec(const struct nfesp_flow *rev)
{
	return rev->proto == IPPROTO_ESP ||
	       (rev->proto == IPPROTO_UDP && rev->has_ports &&
		(rev->sport == htons(NFESP_IKE_PORT) || rev->dport == htons(NFESP_IKE_PORT) ||
		 rev->sport == htons(NFESP_NATT_PORT) || rev->dport == htons(NFESP_NATT_PORT)));
}

/*
 * An ICMP error about a protected flow (@rev: the quoted flow, reversed)
 * goes in that flow's SA, whatever its own addresses, or nowhere (RFC 4301
 * section 6.2): a gateway's "host unreachable" or "time exceeded" about
 * decrypted traffic would otherwise leave in clear, quoting it. Returns
 * false if the quoted flow is not protected or discarded; the error is then
 * looked up as any packet.
 */
static bool out_icmp_error(struct nfesp_net *nn, struct sk_buff *skb,
			   const struct nfesp_flow *rev, const struct nf_hook_state *state,
			   unsigned int *verdict)
{
	struct nfesp_sa_okey okey;
	struct nfesp_policy *pol;
	struct nfesp_sa *sa;

	if (quotes_ipsec(rev))
		return false;
	pol = nfesp_spd_lookup(nn, NFESP_DIR_OUT, rev);
	if (!pol || pol->action == NFESP_ACTION_BYPASS)
		return false;
	*verdict = NF_DROP;
	if (nfesp_flow_ambiguous(pol, rev)) {
		nfesp_net_count(nn, NFESP_STATS_A_OUT_UNCLASSIFIED);
		return true;
	}
	policy_count(pol, skb->len);
	if (pol->action == NFESP_ACTION_DISCARD) {
		nfesp_net_count(nn, NFESP_STATS_A_OUT_DISCARD);
		return true;
	}
	*verdict = nfesp_ct_confirm(skb, state);
	if (*verdict != NF_ACCEPT)
		return true;
	nfesp_policy_okey(pol, rev, &okey);
	local_bh_disable();
	sa = nfesp_sa_lookup_out(nn, &okey);
	if (sa) {
		nfesp_net_count(nn, NFESP_STATS_A_OUT_ICMP_TUNNELLED);
		nfesp_output(nn, sa, skb, rev->family);
		nfesp_sa_put(sa);
		*verdict = NF_STOLEN;
	} else {
		/* An error raises no ACQUIRE. */
		nfesp_net_count(nn, NFESP_STATS_A_OUT_NO_SA);
		*verdict = NF_DROP;
	}
	local_bh_enable();
	return true;
}

static unsigned int out_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct nfesp_net *nn = nfesp_net(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct nfesp_flow fl, rev;
	struct nfesp_policy *pol;
	unsigned int verdict;

	if (already_transformed(skb, family))
		return NF_ACCEPT;
	if (nfesp_flow_parse(skb, family, &fl))
		goto unclassified;
	if (nfesp_flow_icmp_reverse(skb, &fl, &rev) &&
	    out_icmp_error(nn, skb, &rev, state, &verdict))
		return verdict;

	pol = nfesp_spd_lookup(nn, NFESP_DIR_OUT, &fl);
	if (!pol)
		return NF_ACCEPT;
	if (nfesp_flow_ambiguous(pol, &fl))
		goto unclassified;
	if (ike_exempt(pol, skb, &fl) && locally_sent(skb, family))
		return NF_ACCEPT;
	policy_count(pol, skb->len);
	switch (pol->action) {
	case NFESP_ACTION_BYPASS:
		return NF_ACCEPT;
	case NFESP_ACTION_DISCARD:
		nfesp_net_count(nn, NFESP_STATS_A_OUT_DISCARD);
		goto drop;
	}
	return protect(nn, pol, &fl, skb, state);

unclassified:
	nfesp_net_count(nn, NFESP_STATS_A_OUT_UNCLASSIFIED);
drop:
	if (!locally_sent(skb, family))
		nfesp_ct_dropped(skb);
	return NF_DROP;
}

/*
 * Inbound plaintext: RFC 4301 section 5.2, step 3a. For this host
 * (LOCAL_IN), its IKE a protect policy may leave alone. An ICMP error
 * about a protected flow must come in that flow's SA, unless this host sent
 * it (nfesp's own "fragmentation needed" to a local sender among them).
 */
static unsigned int check_clear(struct nfesp_net *nn, struct sk_buff *skb, u8 family,
				const struct nf_hook_state *state)
{
	bool local = state->hook == NF_INET_LOCAL_IN;
	struct nfesp_flow fl, rev;
	struct nfesp_policy *pol;

	if (nfesp_flow_parse(skb, family, &fl))
		goto unclassified;
	/* This host's own errors, to itself, come over loopback. */
	if (!(state->in && (state->in->flags & IFF_LOOPBACK)) &&
	    nfesp_flow_icmp_reverse(skb, &fl, &rev) && !quotes_ipsec(&rev)) {
		pol = nfesp_spd_lookup(nn, NFESP_DIR_IN, &rev);
		if (pol && pol->action != NFESP_ACTION_BYPASS) {
			if (nfesp_flow_ambiguous(pol, &rev))
				goto unclassified;
			policy_count(pol, skb->len);
			nfesp_net_count(nn, pol->action == NFESP_ACTION_DISCARD ?
					NFESP_STATS_A_IN_DISCARD :
					NFESP_STATS_A_IN_CLEAR_PROTECTED);
			goto drop;
		}
	}
	pol = nfesp_spd_lookup(nn, NFESP_DIR_IN, &fl);
	if (!pol)
		return NF_ACCEPT;
	if (nfesp_flow_ambiguous(pol, &fl))
		goto unclassified;
	switch (pol->action) {
	case NFESP_ACTION_BYPASS:
		policy_count(pol, skb->len);
		return NF_ACCEPT;
	case NFESP_ACTION_DISCARD:
		policy_count(pol, skb->len);
		nfesp_net_count(nn, NFESP_STATS_A_IN_DISCARD);
		goto drop;
	default:
		if (local && ike_exempt(pol, skb, &fl))
			return NF_ACCEPT;
		nfesp_net_count(nn, NFESP_STATS_A_IN_CLEAR_PROTECTED);
		goto drop;
	}

unclassified:
	nfesp_net_count(nn, NFESP_STATS_A_IN_UNCLASSIFIED);
drop:
	if (!local)
		nfesp_ct_dropped(skb);
	return NF_DROP;
}

static unsigned int fwd_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct nfesp_net *nn = nfesp_net(state->net);

	/* Decrypted: its flow stays off flowtables, as the way out does. */
	if (nfesp_rx_decrypted(nn, skb)) {
		if (nfesp_ct_keep_slow(skb))
			return NF_ACCEPT;
		nfesp_net_count(nn, NFESP_STATS_A_NOMEM);
		return NF_DROP;
	}
	return check_clear(nn, skb, state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6, state);
}

/*
 * Where the IPv6 headers that stay in front of ESP end (RFC 4303 3.1.1),
 * which byte names what follows, and what that is. -EREMOTE: a Routing
 * header still has segments left, so this host is not the packet's final
 * destination (RFC 8200 4.4); the stack's routing header handler sends it
 * on, or brings it back here once it has arrived.
 */
static int find_transport6(struct sk_buff *skb, unsigned int *end, unsigned int *nh_off,
			   u8 *proto)
{
	unsigned int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	unsigned int nhoff = skb_network_offset(skb) + offsetof(struct ipv6hdr, nexthdr);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;

	while (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
	       nexthdr == NEXTHDR_DEST) {
		u8 hdr[4];	/* next header, length; Routing: type, segments left */

		if (skb_copy_bits(skb, off, hdr, nexthdr == NEXTHDR_ROUTING ? 4 : 2))
			return -EINVAL;
		if (nexthdr == NEXTHDR_ROUTING && hdr[3])
			return -EREMOTE;
		nhoff = off;
		nexthdr = hdr[0];
		off += ipv6_optlen((struct ipv6_opt_hdr *)hdr);
	}
	*end = off;
	*nh_off = nhoff;
	*proto = nexthdr;
	return 0;
}

/*
 * A NAT keepalive (RFC 3948 section 2.3): one byte, 0xFF, to port 4500.
 * It only keeps a NAT mapping open, and no socket wants it.
 */
static bool natt_keepalive(struct sk_buff *skb, unsigned int udp_off)
{
	struct {
		struct udphdr uh;
		u8 payload;
	} __packed ka;

	if (skb_copy_bits(skb, udp_off, &ka, sizeof(ka)))
		return false;
	return ka.uh.dest == htons(NFESP_NATT_PORT) &&
	       ntohs(ka.uh.len) == sizeof(ka) &&
	       ka.payload == NFESP_NATT_KEEPALIVE;
}

/*
 * ESP in UDP (RFC 3948): a UDP packet whose first four bytes are an SPI
 * (not the zero non-ESP marker of IKE, not a NAT keepalive) of an SA that
 * expects ESP in UDP on this port, in a datagram whose UDP length fits the
 * packet; bytes past that length are trimmed. Returns the SA, referenced;
 * ERR_PTR(-ENOENT) for such a datagram to port 4500 with an SPI nfesp has
 * no SA for, which is left to the stack (an XFRM encapsulation socket);
 * NULL for everything else, which goes on to its socket as any UDP.
 */
static struct nfesp_sa *udp_encap_sa(struct nfesp_net *nn, struct sk_buff *skb,
				     u8 family, unsigned int udp_off)
{
	struct {
		struct udphdr uh;
		__be32 spi;
	} hdr;
	struct nfesp_sa *sa;
	unsigned int ulen;

	if (skb_copy_bits(skb, udp_off, &hdr, sizeof(hdr)) || !hdr.spi)
		return NULL;
	/* A length the UDP layer would refuse: leave the datagram to it. */
	ulen = ntohs(hdr.uh.len);
	if (ulen < sizeof(hdr) || ulen > skb->len - udp_off)
		return NULL;
	sa = nfesp_sa_lookup_in(nn, skb, family, hdr.spi);
	if (!sa && hdr.uh.dest == htons(NFESP_NATT_PORT))
		return ERR_PTR(-ENOENT);
	if (sa && (!READ_ONCE(sa->encap_dport) ||
		   htons(READ_ONCE(sa->encap_dport)) != hdr.uh.dest))
		goto err_put_sa;
	/* Bytes after the datagram, within the IP packet, are not ESP. */
	if (sa && skb->len > udp_off + ulen && pskb_trim_rcsum(skb, udp_off + ulen))
		goto err_put_sa;
	return sa;

err_put_sa:
	nfesp_sa_put(sa);
	return NULL;
}

/*
 * An ICMP "fragmentation needed" or ICMPv6 "packet too big" about ESP that
 * one of our SAs sent: learn the outer path MTU, which no protocol handler
 * does for nfesp (XFRM's looks only at its own SAs). The route's new PMTU
 * then limits the inner MTU that tunnel mode tells senders about. The error
 * itself goes on to the stack.
 */
static void learn_pmtu(struct nfesp_net *nn, struct sk_buff *skb, u8 family,
		       unsigned int off)
{
	unsigned int qoff = off + 8, spi_off;
	struct nfesp_sa_key key;
	struct nfesp_sa *sa;
	u8 qproto;
	u32 mtu;

	/* Compared as bytes: the tail of an IPv4 address must be zero too. */
	memset(&key, 0, sizeof(key));
	key.proto = IPPROTO_ESP;
	key.family = family;
	if (family == AF_INET) {
		const struct icmphdr *icmph;
		const struct iphdr *qiph;

		if (!pskb_may_pull(skb, qoff + sizeof(*qiph)))
			return;
		icmph = (const struct icmphdr *)(skb->data + off);
		if (icmph->type != ICMP_DEST_UNREACH || icmph->code != ICMP_FRAG_NEEDED)
			return;
		mtu = ntohs(icmph->un.frag.mtu);
		qiph = (const struct iphdr *)(skb->data + qoff);
		qproto = qiph->protocol;
		key.dst.ip4 = qiph->daddr;
		spi_off = qoff + qiph->ihl * 4;
	} else {
		const struct icmp6hdr *icmp6h;
		const struct ipv6hdr *qip6h;

		if (!pskb_may_pull(skb, qoff + sizeof(*qip6h)))
			return;
		icmp6h = (const struct icmp6hdr *)(skb->data + off);
		if (icmp6h->icmp6_type != ICMPV6_PKT_TOOBIG)
			return;
		mtu = ntohl(icmp6h->icmp6_mtu);
		qip6h = (const struct ipv6hdr *)(skb->data + qoff);
		qproto = qip6h->nexthdr;
		key.dst.ip6 = qip6h->daddr;
		spi_off = qoff + sizeof(*qip6h);
	}
	if (qproto == IPPROTO_UDP)
		spi_off += sizeof(struct udphdr);
	else if (qproto != IPPROTO_ESP)
		return;
	if (skb_copy_bits(skb, spi_off, &key.spi, sizeof(key.spi)))
		return;
	sa = nfesp_sa_lookup(nn, &key);
	if (!sa)
		return;
	/* Both take the quoted header at skb->data. */
	__skb_pull(skb, qoff);
	if (family == AF_INET)
		ipv4_update_pmtu(skb, nn->net, mtu, 0, qproto);
	else
		ip6_update_pmtu(skb, nn->net, htonl(mtu), 0, 0, sock_net_uid(nn->net, NULL));
	__skb_push(skb, qoff);
	nfesp_sa_put(sa);
}

/*
 * ESP for an SPI nfesp has no SA for may be for an SA of the kernel's XFRM
 * stack in the same namespace (M9): leave it to the stack, which decrypts
 * it or drops it as it would without nfesp. Counted all the same, so that
 * a peer that lost its SAs shows.
 */
static unsigned int unknown_spi(struct nfesp_net *nn)
{
	nfesp_net_count(nn, NFESP_STATS_A_IN_NO_SA);
	return NF_ACCEPT;
}

static unsigned int in_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	struct nfesp_net *nn = nfesp_net(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	unsigned int ip_end, nh_off, verdict;
	struct nfesp_sa *sa = NULL;
	u8 proto;

	if (nfesp_rx_decrypted(nn, skb))
		return NF_ACCEPT;
	if (family == AF_INET) {
		proto = ip_hdr(skb)->protocol;
		ip_end = skb_network_offset(skb) + ip_hdrlen(skb);
		nh_off = skb_network_offset(skb) + offsetof(struct iphdr, protocol);
	} else {
		int err = find_transport6(skb, &ip_end, &nh_off, &proto);

		if (err == -EREMOTE)
			return NF_ACCEPT;	/* FORWARD checks it, if it goes on */
		if (err)
			return check_clear(nn, skb, family, state);
	}
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		learn_pmtu(nn, skb, family, ip_end);
		return check_clear(nn, skb, family, state);
	}
	if (proto == IPPROTO_UDP) {
		if (natt_keepalive(skb, ip_end)) {
			nfesp_net_count(nn, NFESP_STATS_A_IN_NATT_KEEPALIVE);
			return NF_DROP;
		}
		sa = udp_encap_sa(nn, skb, family, ip_end);
		if (IS_ERR(sa))
			return unknown_spi(nn);
		if (!sa)
			return check_clear(nn, skb, family, state);
	} else if (proto == IPPROTO_ESP) {
		struct ip_esp_hdr esph;

		/* Too short for an ESP header: nfesp_input() counts it as malformed. */
		if (!skb_copy_bits(skb, ip_end, &esph, sizeof(esph))) {
			sa = nfesp_sa_lookup_in(nn, skb, family, esph.spi);
			if (!sa)
				return unknown_spi(nn);
		}
	} else {
		return check_clear(nn, skb, family, state);
	}
	verdict = nfesp_ct_confirm(skb, state);
	if (verdict != NF_ACCEPT) {
		nfesp_sa_put(sa);
		return verdict;
	}
	nfesp_input(nn, skb, sa, family, ip_end,
		    proto == IPPROTO_UDP ? ip_end + sizeof(struct udphdr) : ip_end, nh_off);
	return NF_STOLEN;
}

/*
 * Whether @skb, a GSO packet, is a train of ESP-in-UDP datagrams for us:
 * UDP GSO whose first datagram carries the SPI of one of our SAs.
 */
static bool gso_esp_in_udp(struct nfesp_net *nn, struct sk_buff *skb, u8 family)
{
	struct {
		struct udphdr uh;
		__be32 spi;
	} hdr;
	unsigned int udp_off, nh_off;
	struct nfesp_sa *sa;
	u8 proto;

	if (!(skb_shinfo(skb)->gso_type & SKB_GSO_UDP_L4))
		return false;
	if (family == AF_INET) {
		proto = ip_hdr(skb)->protocol;
		udp_off = skb_network_offset(skb) + ip_hdrlen(skb);
	} else if (find_transport6(skb, &udp_off, &nh_off, &proto)) {
		return false;
	}
	if (proto != IPPROTO_UDP || skb_copy_bits(skb, udp_off, &hdr, sizeof(hdr)) ||
	    !hdr.spi)
		return false;
	sa = nfesp_sa_lookup_in(nn, skb, family, hdr.spi);
	nfesp_sa_put(sa);
	return sa;
}

/*
 * LOCAL_IN, before in_hook(). UDP GRO (rx-udp-gro-forwarding, rx-gro-list)
 * merges consecutive datagrams of a flow that no socket claims, such as
 * ESP in UDP to port 4500, into one GSO packet; the UDP layer would split
 * it again for a socket, but nfesp comes first, and each datagram is an
 * ESP packet with its own ICV. Such a train is split here, as
 * udp_rcv_segment() does (the checksum left to the segments' CHECKSUM_PARTIAL),
 * and in_hook() sees each datagram alone. A datagram it lets pass (IKE on
 * the same ports, an SPI nfesp does not know) goes through the receive path
 * again, alone now, which it then passes straight through.
 */
static unsigned int in_gso_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	netdev_features_t features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM;
	struct nfesp_net *nn = nfesp_net(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct sk_buff *segs, *seg, *next;

	if (likely(!skb_is_gso(skb)) || !gso_esp_in_udp(nn, skb, family))
		return in_hook(priv, skb, state);
	segs = __skb_gso_segment(skb, features, false);
	if (IS_ERR_OR_NULL(segs)) {
		nfesp_net_count(nn, NFESP_STATS_A_IN_MALFORMED);
		return NF_DROP;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		switch (in_hook(priv, seg, state)) {
		case NF_STOLEN:
			break;
		case NF_ACCEPT:
			netif_rx(seg);
			break;
		default:
			kfree_skb(seg);
		}
	}
	return NF_STOLEN;
}

static const struct nf_hook_ops nfesp_nf_ops[] = {
	{ .hook = out_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_POST_ROUTING,
	  .priority = NFESP_HOOK_PRIORITY },
	{ .hook = out_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_POST_ROUTING,
	  .priority = NFESP_HOOK_PRIORITY },
	{ .hook = in_gso_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NFESP_HOOK_PRIORITY },
	{ .hook = in_gso_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NFESP_HOOK_PRIORITY },
	{ .hook = fwd_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD,
	  .priority = NFESP_HOOK_PRIORITY },
	{ .hook = fwd_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD,
	  .priority = NFESP_HOOK_PRIORITY },
};

/*
 * Hooks follow the SPD: on with the first policy, off with the last. With
 * them, fragments are reassembled before PRE_ROUTING (nf_defrag_ipv4/6, as
 * conntrack does): ESP is decrypted whole, and selectors with ports see
 * every fragment of a forwarded datagram, not just the first.
 */
int nfesp_hooks_update(struct nfesp_net *nn)
{
	int err;

	lockdep_assert_held(&nn->lock);

	if (nn->policy_count && !nn->hooks_on) {
		err = nfesp_defrag_enable(nn->net);
		if (err)
			return err;
		err = nf_register_net_hooks(nn->net, nfesp_nf_ops,
					    ARRAY_SIZE(nfesp_nf_ops));
		if (err)
			goto err_disable_defrag;
		nn->hooks_on = true;
	} else if (!nn->policy_count && nn->hooks_on) {
		nfesp_hooks_disable(nn);
	}
	return 0;

err_disable_defrag:
	nfesp_defrag_disable(nn->net);
	return err;
}

void nfesp_hooks_disable(struct nfesp_net *nn)
{
	lockdep_assert_held(&nn->lock);

	if (!nn->hooks_on)
		return;
	/* Unregistering waits until no CPU is inside a hook. */
	nf_unregister_net_hooks(nn->net, nfesp_nf_ops, ARRAY_SIZE(nfesp_nf_ops));
	nfesp_defrag_disable(nn->net);
	nn->hooks_on = false;
}

#define NFESP_DRAIN_WARN_SECS 10

/*
 * Wait for every packet of the namespace that is in crypto to come back.
 * The packets hold the SAs and the namespace's state, so there is no giving
 * up; a crypto driver that never completes is named in the log, every
 * NFESP_DRAIN_WARN_SECS, with how many packets it still holds.
 */
void nfesp_inflight_drain(struct nfesp_net *nn)
{
	unsigned int waited = 0;

	while (!wait_var_event_timeout(&nn->inflight, !atomic_read(&nn->inflight),
				       NFESP_DRAIN_WARN_SECS * HZ)) {
		waited += NFESP_DRAIN_WARN_SECS;
		pr_warn("namespace exit: %d packets still in crypto after %u s, waiting\n",
			atomic_read(&nn->inflight), waited);
	}
}
