// SPDX-License-Identifier: GPL-2.0-only
/*
 * NAT mappings (RFC 3948, RFC 7296 section 2.23): ESP in UDP for an SA from
 * another address or source port than the SA's recorded peer means that a
 * NAT in front of the peer changed its mapping, or that the peer moved.
 * Only authenticated packets are looked at: the caller has verified the
 * ICV and advanced the replay window. nfesp then tells IKE with a
 * rate-limited NFESP_CMD_MAPPING event and, if the SA has
 * NFESP_SA_F_FOLLOW_PEER, moves the SA's peer with it. XFRM does the
 * former in km_new_mapping(); it never does the latter.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include "netlink.h"
#include "netns.h"
#include "sa.h"

static bool same_endpoint(const struct nfesp_sa *sa, const union nfesp_addr *a, u16 pa,
			  const union nfesp_addr *b, u16 pb)
{
	if (pa != pb)
		return false;
	if (sa->key.family == AF_INET)
		return a->ip4 == b->ip4;
	return ipv6_addr_equal(&a->ip6, &b->ip6);
}

/*
 * @skb holds an authenticated ESP-in-UDP packet for @sa, its outer IP
 * header at the network header and its UDP header at @udp_off. Process
 * or softirq context.
 */
void nfesp_mapping_check(struct nfesp_net *nn, struct nfesp_sa *sa,
			 const struct sk_buff *skb, unsigned int udp_off)
{
	struct nfesp_sa_peer old, new;
	struct udphdr uh;
	bool report;

	if (skb_copy_bits(skb, udp_off, &uh, sizeof(uh)))
		return;
	memset(&new.src, 0, sizeof(new.src));
	if (sa->key.family == AF_INET)
		new.src.ip4 = ip_hdr(skb)->saddr;
	else
		new.src.ip6 = ipv6_hdr(skb)->saddr;
	new.sport = ntohs(uh.source);

	/* Every packet comes here: the common case takes no lock. */
	nfesp_sa_peer_read(sa, &old);
	if (same_endpoint(sa, &old.src, old.sport, &new.src, new.sport) &&
	    !READ_ONCE(sa->map_pending))
		return;

	write_seqlock_bh(&sa->peer_lock);
	old.src = sa->src;
	old.sport = sa->encap_sport;
	old.dport = sa->encap_dport;
	if (same_endpoint(sa, &old.src, old.sport, &new.src, new.sport)) {
		/* From the recorded peer: a later move is news again. */
		WRITE_ONCE(sa->map_pending, false);
		report = false;
	} else if (sa->map_pending &&
		   same_endpoint(sa, &sa->map_addr, sa->map_port, &new.src, new.sport)) {
		report = false;		/* reported already */
	} else if (time_before(jiffies, sa->map_jiffies + NFESP_MAPPING_INTERVAL)) {
		report = false;		/* too soon: a later packet reports it */
	} else {
		sa->map_addr = new.src;
		sa->map_port = new.sport;
		sa->map_jiffies = jiffies;
		WRITE_ONCE(sa->map_pending, true);
		report = true;
		/* Never a move IKE is not told of: only with the event. */
		if (sa->flags & NFESP_SA_F_FOLLOW_PEER) {
			new.dport = old.dport;
			__nfesp_sa_set_peer(sa, &new);
		}
	}
	write_sequnlock_bh(&sa->peer_lock);

	if (report)
		nfesp_event_mapping(nn, sa, &old, &new);
}
