// SPDX-License-Identifier: GPL-2.0-only
/*
 * ESP output (RFC 4303 section 3.3), tunnel and transport mode, over IPv4
 * and IPv6 in any combination.
 *
 * The packet is encrypted in place. One allocation per packet holds the
 * request, the IV, the associated data and the scatterlist (struct
 * nfesp_crypt); the crypto API may complete synchronously or later, in
 * softirq or process context, and output_done() finishes either way.
 *
 * Layout given to the AEAD, the same for every transform:
 *
 *   [SPI][seq hi, with ESN][seq lo] [IV] [payload | pad | pad len | next] [ICV]
 *   `---- ad, in nfesp_crypt ----'  `-------------- in the skb -----------------'
 *
 * with assoclen = ad + IV. rfc4106 and rfc7539esp take the IV as the tail of
 * the associated data; authenc and authencesn authenticate it as ESP
 * requires, and authencesn moves the high sequence bits after the payload
 * (RFC 4303 appendix A).
 *
 * IVs: for the counter-based AEADs, the 64-bit sequence number XORed with a
 * random per-SA salt, as the kernel's seqiv does (unique per key, never
 * repeated); for CBC, random.
 *
 * Path MTU, tunnel mode: a packet that would not fit the outer path once
 * wrapped, and must not be fragmented (IPv4 with DF, or IPv6), is dropped
 * with an ICMP "fragmentation needed" / "packet too big" giving the inner
 * MTU, and the inner route's PMTU is lowered, so TCP adapts. Other packets
 * are sent and the outer packet is fragmented. Transport mode: the ESP
 * packet is fragmented.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <linux/udp.h>
#include <net/ip6_checksum.h>
#include <crypto/algapi.h>
#include <net/icmp.h>
#include <net/dst_cache.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include "compat.h"
#include "datapath.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

static void sa_error(struct nfesp_net *nn, struct nfesp_sa *sa, enum nfesp_stats_attr why)
{
	this_cpu_inc(sa->stats->errors);
	nfesp_net_count(nn, why);
}

/* Whether @sa has encap never changes; its ports may (NFESP_CMD_SA_SET). */
static unsigned int encap_len(const struct nfesp_sa *sa)
{
	return READ_ONCE(sa->encap_sport) ? sizeof(struct udphdr) : 0;
}

static u8 outer_proto(const struct nfesp_sa *sa)
{
	return READ_ONCE(sa->encap_sport) ? IPPROTO_UDP : IPPROTO_ESP;
}

static void put_udp(const struct nfesp_sa_peer *peer, struct udphdr *uh, unsigned int len)
{
	uh->source = htons(peer->sport);
	uh->dest = htons(peer->dport);
	uh->len = htons(len);
	uh->check = 0;	/* IPv4: none (RFC 3948); IPv6: set once encrypted */
}

/* ESP in UDP over IPv6 needs a UDP checksum, over the ciphertext. */
static void udp6_checksum(struct sk_buff *skb, unsigned int udp_off)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct udphdr *uh = (struct udphdr *)(skb->data + udp_off);
	unsigned int len = skb->len - udp_off;
	__wsum csum;

	csum = skb_checksum(skb, udp_off, len, 0);
	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len, IPPROTO_UDP, csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

static void output_done(struct nfesp_crypt *c, int err)
{
	struct sk_buff *skb = c->skb;
	struct nfesp_net *nn = c->nn;

	if (!err && encap_len(c->sa) && c->sa->key.family == AF_INET6)
		udp6_checksum(skb, c->esp_off - sizeof(struct udphdr));
	/* The device the packet came with may be gone by now. */
	skb->dev = skb_dst(skb)->dev;
	if (unlikely(err)) {
		sa_error(nn, c->sa, NFESP_STATS_A_CRYPTO_ERROR);
		kfree_skb(skb);
	} else if (c->sa->key.family == AF_INET) {
		ip_local_out(nn->net, NULL, skb);
	} else {
		ip6_local_out(nn->net, NULL, skb);
	}
	nfesp_crypt_free(c);
}

static NFESP_CRYPTO_DONE(output_complete, data, err)
{
	struct nfesp_crypt *c = nfesp_crypto_data(data);

	/* With MAY_BACKLOG, a backlogged request first reports -EINPROGRESS. */
	if (err == -EINPROGRESS)
		return;
	nfesp_crypt_done(c, err);
}

static unsigned int esp_block(const struct nfesp_sa *sa)
{
	return max(sa->algo->block_size, 4U);
}

/* The largest packet of @hlen bytes of header that fits @room once wrapped. */
static unsigned int max_inner(const struct nfesp_sa *sa, unsigned int room,
			      unsigned int hlen)
{
	unsigned int over = sizeof(struct ip_esp_hdr) + sa->algo->iv_len +
			    sa->algo->icv_len + hlen + encap_len(sa);

	if (room <= over + esp_block(sa))
		return 0;
	return round_down(room - over, esp_block(sa)) - 2;
}

/*
 * The packet is larger than @mtu allows. Returns true if it was dropped with
 * an ICMP error, false if it may go on in fragmented outer packets.
 */
static bool too_big(struct sk_buff *skb, u8 family, unsigned int mtu)
{
	if (family == AF_INET) {
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
			return false;
		mtu = max(mtu, 68U);
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		/* _ndo_: after SNAT, the error goes to the untranslated sender. */
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
		return true;
	}
	/* A datagram the sender lets be fragmented, or one reassembled here. */
	if (mtu < IPV6_MIN_MTU || skb->ignore_df || IP6CB(skb)->frag_max_size)
		return false;
	skb_dst_update_pmtu_no_confirm(skb, mtu);
	icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	return true;
}

/*
 * Whether the packet goes to the tunnel peer itself: then its route, and
 * the PMTU that would be lowered, is the one ESP uses too.
 */
static bool shares_route(const struct nfesp_sa *sa, const struct sk_buff *skb, u8 family)
{
	if (family != sa->key.family)
		return false;
	if (family == AF_INET)
		return ip_hdr(skb)->daddr == sa->key.dst.ip4;
	return ipv6_addr_equal(&ipv6_hdr(skb)->daddr, &sa->key.dst.ip6);
}

static bool fits(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu);
	return skb->len <= mtu;
}

static struct dst_entry *route_peer(struct nfesp_net *nn, struct nfesp_sa *sa,
				    const union nfesp_addr *src)
{
	if (sa->key.family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = sa->key.dst.ip4,
			.saddr = src->ip4,
			.flowi4_proto = IPPROTO_ESP,
		};
		struct rtable *rt;
		__be32 saddr;

		rt = dst_cache_get_ip4(&sa->dst_cache, &saddr);
		if (rt)
			return &rt->dst;
		rt = ip_route_output_key(nn->net, &fl4);
		if (IS_ERR(rt))
			return ERR_CAST(rt);
		dst_cache_set_ip4(&sa->dst_cache, &rt->dst, fl4.saddr);
		return &rt->dst;
	} else {
		struct flowi6 fl6 = {
			.daddr = sa->key.dst.ip6,
			.saddr = src->ip6,
			.flowi6_proto = IPPROTO_ESP,
		};
		struct dst_entry *dst;
		struct in6_addr saddr;

		dst = dst_cache_get_ip6(&sa->dst_cache, &saddr);
		if (dst)
			return dst;
		dst = ip6_route_output(nn->net, NULL, &fl6);
		if (dst->error) {
			int err = dst->error;

			dst_release(dst);
			return ERR_PTR(err);
		}
		dst_cache_set_ip6(&sa->dst_cache, dst, &fl6.saddr);
		return dst;
	}
}

static unsigned int outer_hlen(const struct nfesp_sa *sa)
{
	return sa->key.family == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
}

/* What the wrapping needs to know about the packet before it changes. */
struct out_layout {
	u8 next;		/* ESP next header */
	u8 dsfield;		/* tunnel: inner DSCP and ECN */
	bool df;		/* false: the ESP packet may be fragmented */
	unsigned int hdr_len;	/* transport: IP header(s) kept in front */
	unsigned int nh_off;	/* transport: the byte that names ESP */
	struct nfesp_sa_peer peer; /* the SA's endpoint, read once */
};

static int transport_layout(struct sk_buff *skb, u8 family, struct out_layout *l)
{
	if (family == AF_INET) {
		l->hdr_len = ip_hdrlen(skb);
		l->nh_off = offsetof(struct iphdr, protocol);
		l->next = ip_hdr(skb)->protocol;
	} else {
		u8 *prevhdr;
		int off = ip6_find_1stfragopt(skb, &prevhdr);

		if (off < 0)
			return off;
		l->hdr_len = off;
		l->nh_off = prevhdr - skb_network_header(skb);
		l->next = *prevhdr;
	}
	return 0;
}

static void push_outer(struct nfesp_net *nn, struct nfesp_sa *sa, struct sk_buff *skb,
		       struct dst_entry *dst, const struct out_layout *l)
{
	u8 ds = INET_ECN_encapsulate(l->dsfield, l->dsfield);

	if (sa->key.family == AF_INET) {
		struct iphdr *iph;

		skb_push(skb, sizeof(*iph));
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->version = 4;
		iph->ihl = sizeof(*iph) >> 2;
		iph->tos = ds;
		iph->tot_len = htons(skb->len);
		iph->frag_off = l->df ? htons(IP_DF) : 0;
		iph->ttl = ip4_dst_hoplimit(dst);
		iph->protocol = outer_proto(sa);
		iph->saddr = l->peer.src.ip4;
		iph->daddr = sa->key.dst.ip4;
		iph->check = 0;
		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
		ip_select_ident(nn->net, skb, NULL);
	} else {
		struct ipv6hdr *ip6h;

		skb_push(skb, sizeof(*ip6h));
		skb_reset_network_header(skb);
		ip6h = ipv6_hdr(skb);
		ip6_flow_hdr(ip6h, ds, 0);
		ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
		ip6h->nexthdr = outer_proto(sa);
		ip6h->hop_limit = ip6_dst_hoplimit(dst);
		ip6h->saddr = l->peer.src.ip6;
		ip6h->daddr = sa->key.dst.ip6;
		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
		if (!l->df)
			skb->ignore_df = 1;
	}
}

static void mark_transformed(struct sk_buff *skb, u8 family)
{
	memset(skb->cb, 0, sizeof(skb->cb));
	if (family == AF_INET) {
		IPCB(skb)->flags = IPSKB_XFRM_TRANSFORMED;
		skb->protocol = htons(ETH_P_IP);
	} else {
		IP6CB(skb)->flags = IP6SKB_XFRM_TRANSFORMED;
		skb->protocol = htons(ETH_P_IPV6);
	}
}

/* Encrypt and send one packet that is not GSO; takes @skb. */
static void output_one(struct nfesp_net *nn, struct nfesp_sa *sa,
		       struct sk_buff *skb, struct dst_entry *dst,
		       const struct out_layout *l)
{
	const struct nfesp_algo *a = sa->algo;
	bool esn = sa->flags & NFESP_SA_F_ESN;
	unsigned int ivlen = a->iv_len, icv = a->icv_len;
	unsigned int plen, clen, padlen, tailen, adlen, esp_off, i;
	struct sk_buff *trailer;
	struct scatterlist *sg;
	struct ip_esp_hdr *esph;
	struct nfesp_crypt *c;
	unsigned int inner_len = skb->len;
	int nfrags, err;
	bool wrapped;
	u8 *tail;
	u64 seq;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto err_drop;

	plen = sa->mode == NFESP_MODE_TUNNEL ? skb->len : skb->len - l->hdr_len;
	clen = ALIGN(plen + 2, esp_block(sa));
	padlen = clen - plen - 2;
	tailen = padlen + 2 + icv;
	if (unlikely(skb->len + tailen + sizeof(*esph) + ivlen + encap_len(sa) +
		     (sa->mode == NFESP_MODE_TUNNEL ? outer_hlen(sa) : 0) > IP_MAX_MTU)) {
		sa_error(nn, sa, NFESP_STATS_A_OUT_TOO_BIG);
		goto err_free;
	}
	if (unlikely(atomic_read(&nn->inflight) >= NFESP_MAX_INFLIGHT)) {
		sa_error(nn, sa, NFESP_STATS_A_CRYPTO_BUSY);
		goto err_free;
	}

	if (skb_cow_head(skb, LL_RESERVED_SPACE((dst ?: skb_dst(skb))->dev) +
			 outer_hlen(sa) + encap_len(sa) + sizeof(*esph) + ivlen))
		goto err_nomem;
	nfrags = skb_cow_data(skb, tailen, &trailer);
	if (nfrags < 0)
		goto err_nomem;
	tail = pskb_put(skb, trailer, tailen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = l->next;

	if (sa->mode == NFESP_MODE_TUNNEL) {
		skb_push(skb, encap_len(sa) + sizeof(*esph) + ivlen);
		esp_off = encap_len(sa);
	} else {
		skb_push(skb, encap_len(sa) + sizeof(*esph) + ivlen);
		memmove(skb->data, skb->data + encap_len(sa) + sizeof(*esph) + ivlen,
			l->hdr_len);
		skb->data[l->nh_off] = outer_proto(sa);
		skb_reset_network_header(skb);
		esp_off = l->hdr_len + encap_len(sa);
	}
	if (encap_len(sa))
		put_udp(&l->peer, (struct udphdr *)(skb->data + esp_off - sizeof(struct udphdr)),
			skb->len - esp_off + sizeof(struct udphdr));
	esph = (struct ip_esp_hdr *)(skb->data + esp_off);
	esph->spi = sa->key.spi;

	c = nfesp_crypt_new(nn, sa, nfrags + 1, &sg);
	if (!c)
		goto err_nomem;
	c->skb = skb;
	c->finish = output_done;
	c->encrypt = true;

	/* Sequence numbers leave in the order they are given. */
	spin_lock_bh(&sa->order.lock);
	seq = atomic64_inc_return(&sa->seq_out);
	wrapped = !esn && seq > U32_MAX;
	if (likely(!wrapped))
		nfesp_crypt_order_locked(c);
	spin_unlock_bh(&sa->order.lock);
	if (unlikely(wrapped)) {
		/* Never wrap (RFC 4303 3.3.3): the SA is done. */
		nfesp_crypt_free(c);
		nfesp_sa_hard_expire(sa);
		sa_error(nn, sa, NFESP_STATS_A_OUT_SEQ_OVERFLOW);
		goto err_free;
	}
	/* From here on, the packet leaves through nfesp_crypt_done(). */
	c->seq = seq;
	esph->seq_no = htonl(lower_32_bits(seq));
	if (!a->auth) {
		__be64 iv = cpu_to_be64(seq);

		memcpy(c->iv, &iv, sizeof(iv));
		crypto_xor(c->iv, sa->salt, sizeof(iv));
	} else if (ivlen) {
		get_random_bytes(c->iv, ivlen);
	}
	memcpy(esph + 1, c->iv, ivlen);

	memcpy(c->ad, &esph->spi, 4);
	if (esn) {
		__be32 hi = htonl(upper_32_bits(seq));

		memcpy(c->ad + 4, &hi, 4);
		memcpy(c->ad + 8, &esph->seq_no, 4);
		adlen = 12;
	} else {
		memcpy(c->ad + 4, &esph->seq_no, 4);
		adlen = 8;
	}

	if (sa->mode == NFESP_MODE_TUNNEL) {
		push_outer(nn, sa, skb, dst, l);
		dst = NULL;	/* the skb has it now */
		esp_off += outer_hlen(sa);
	}
	mark_transformed(skb, sa->key.family);
	if (!l->df)
		skb->ignore_df = 1;
	skb_set_transport_header(skb, esp_off - encap_len(sa));
	c->esp_off = esp_off;
	nf_reset_ct(skb);
	skb->ip_summed = CHECKSUM_NONE;

	sg_init_table(sg, nfrags + 1);
	sg_set_buf(sg, c->ad, adlen);
	err = skb_to_sgvec(skb, sg + 1, esp_off + sizeof(*esph), ivlen + clen + icv);
	if (unlikely(err < 0)) {
		nfesp_crypt_done(c, err);
		return;
	}
	aead_request_set_callback(c->req, CRYPTO_TFM_REQ_MAY_BACKLOG, output_complete, c);
	aead_request_set_crypt(c->req, sg, sg, clen, c->iv);
	aead_request_set_ad(c->req, adlen + ivlen);

	this_cpu_inc(sa->stats->tx_packets);
	this_cpu_add(sa->stats->tx_bytes, inner_len);
	nfesp_sa_touch(sa);
	nfesp_lifetime_account(sa, inner_len);
	nfesp_crypt_run(c);
	return;

err_nomem:
	nfesp_net_count(nn, NFESP_STATS_A_NOMEM);
	this_cpu_inc(sa->stats->errors);
	goto err_free;
err_drop:
	sa_error(nn, sa, NFESP_STATS_A_NOMEM);
err_free:
	dst_release(dst);
	kfree_skb(skb);
}

/*
 * Protect one packet, network header first, with @sa; takes @skb. GSO
 * packets are checked against the path MTU whole, then segmented.
 */
void nfesp_output(struct nfesp_net *nn, struct nfesp_sa *sa, struct sk_buff *skb,
		  u8 family)
{
	struct dst_entry *dst = NULL;
	struct out_layout l = { };
	struct sk_buff *segs, *seg, *next;
	unsigned int mtu;

	/* The route may be borrowed (RCU only); crypto may complete later. */
	if (!skb_dst_force(skb)) {
		sa_error(nn, sa, NFESP_STATS_A_OUT_NO_ROUTE);
		goto err_free;
	}
	nfesp_device_tap_out(nn, skb);
	nfesp_sa_peer_read(sa, &l.peer);

	if (sa->mode == NFESP_MODE_TUNNEL) {
		dst = route_peer(nn, sa, &l.peer.src);
		if (IS_ERR(dst)) {
			sa_error(nn, sa, NFESP_STATS_A_OUT_NO_ROUTE);
			goto err_free;
		}
		if (family == AF_INET) {
			l.next = IPPROTO_IPIP;
			l.dsfield = ipv4_get_dsfield(ip_hdr(skb));
			l.df = ip_hdr(skb)->frag_off & htons(IP_DF);
		} else {
			l.next = IPPROTO_IPV6;
			l.dsfield = ipv6_get_dsfield(ipv6_hdr(skb));
			l.df = true;
		}
		mtu = max_inner(sa, dst_mtu(dst), outer_hlen(sa));
	} else {
		if (transport_layout(skb, family, &l)) {
			sa_error(nn, sa, NFESP_STATS_A_OUT_MALFORMED);
			goto err_free;
		}
		mtu = max_inner(sa, dst_mtu(skb_dst(skb)), l.hdr_len) + l.hdr_len;
		l.df = true;
	}

	/*
	 * Tunnel mode lowers the inner path MTU. Transport mode cannot: its
	 * ESP packets share the route, and so the PMTU, of the packet they
	 * carry; they are fragmented instead.
	 */
	if (!fits(skb, mtu)) {
		if (sa->mode == NFESP_MODE_TUNNEL && !shares_route(sa, skb, family) &&
		    too_big(skb, family, mtu))
			goto err_free;
		l.df = false;
	}

	if (!skb_is_gso(skb)) {
		output_one(nn, sa, skb, dst, &l);
		return;
	}
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		sa_error(nn, sa, NFESP_STATS_A_NOMEM);
		goto err_free;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (dst)
			dst_hold(dst);
		output_one(nn, sa, seg, dst, &l);
	}
	dst_release(dst);
	return;

err_free:
	if (!IS_ERR_OR_NULL(dst))
		dst_release(dst);
	kfree_skb(skb);
}
