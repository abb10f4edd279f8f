// SPDX-License-Identifier: GPL-2.0-only
/*
 * ESP input (RFC 4303 section 3.4) and the inbound policy check of what it
 * decrypts (RFC 4301 section 5.2).
 *
 * Order of checks, cheapest and least trusting first: the SA by (SPI,
 * destination, ESP); lengths; the replay window; then decryption, after
 * which the window advances and the pad length is checked. Inner fragments
 * are reassembled with the SA's other fragments only (defrag.c). The whole
 * inner datagram must lie within the SA's own selector, if it has one, and
 * match an inbound protect policy with the SA's reqid and mode whose tunnel
 * endpoints are the SA's; in transport mode it must come from the SA's
 * peer. It then re-enters the stack through the device its ESP arrived on
 * (rx.c), which is held meanwhile.
 *
 * Every drop is counted, per SA where there is one and per namespace.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "compat.h"
#include "datapath.h"
#include "defrag.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

static void drop(struct nfesp_net *nn, struct sk_buff *skb, enum nfesp_stats_attr why)
{
	nfesp_net_count(nn, why);
	kfree_skb(skb);
}

/*
 * The inbound protect policy for @fl, if it is the one @sa was made for
 * (RFC 4301 section 5.2 step 4): @fl lies within the SA's own selector,
 * and the policy has the SA's reqid and mode and, in tunnel mode, its
 * endpoints (XFRM's xfrm_state_ok). A shared reqid alone would let one
 * peer's SA carry another peer's traffic. @src is the SA's outer source.
 */
static struct nfesp_policy *sa_policy(struct nfesp_net *nn, const struct nfesp_sa *sa,
				      const union nfesp_addr *src,
				      const struct nfesp_flow *fl)
{
	const struct nfesp_selector *sel = &sa->sel;
	struct nfesp_policy *pol;

	if (sel->family && (!nfesp_selector_match(sel, sel->dir, fl) ||
			    nfesp_flow_sel_ambiguous(sel, fl)))
		return NULL;
	pol = nfesp_spd_lookup(nn, NFESP_DIR_IN, fl);
	if (!pol || nfesp_flow_ambiguous(pol, fl) || pol->action != NFESP_ACTION_PROTECT ||
	    pol->reqid != sa->reqid || pol->mode != sa->mode)
		return NULL;
	if (pol->tunnel_family &&
	    (pol->tunnel_family != sa->key.family ||
	     !nfesp_addr_equal(&pol->local, &sa->key.dst, sa->key.family) ||
	     !nfesp_addr_equal(&pol->peer, src, sa->key.family)))
		return NULL;
	return pol;
}

/*
 * The decrypted packet must be what the SA's policy protects; an ICMP error
 * may instead quote it (RFC 4301 section 6.2): a router on the protected
 * flow's path, the peer gateway among them, sends errors from its own
 * address.
 */
static bool policy_ok(struct nfesp_net *nn, struct nfesp_sa *sa, struct sk_buff *skb,
		      u8 family)
{
	struct nfesp_policy *pol;
	struct nfesp_flow fl, rev;
	struct nfesp_sa_peer peer;

	if (nfesp_flow_parse(skb, family, &fl))
		goto refuse;
	/* The SA's endpoint now: a NAT mapping may have moved it (mapping.c). */
	nfesp_sa_peer_read(sa, &peer);
	/*
	 * Transport mode keeps the outer IP header, so the packet's source is
	 * the one the ESP came from. The SA was found by (SPI, destination)
	 * alone: it must also be the SA's peer.
	 */
	if (sa->mode == NFESP_MODE_TRANSPORT &&
	    !nfesp_addr_equal(&fl.src, &peer.src, sa->key.family))
		goto refuse;
	rcu_read_lock();
	pol = sa_policy(nn, sa, &peer.src, &fl);
	if (!pol && nfesp_flow_icmp_reverse(skb, &fl, &rev))
		pol = sa_policy(nn, sa, &peer.src, &rev);
	if (pol) {
		this_cpu_inc(pol->stats->packets);
		this_cpu_add(pol->stats->bytes, skb->len);
	}
	rcu_read_unlock();
	if (pol)
		return true;
refuse:
	this_cpu_inc(sa->stats->errors);
	return false;
}

/* Tunnel mode: what is left after the ESP header and IV is the inner packet. */
static int decap_tunnel(struct sk_buff *skb, struct nfesp_crypt *c, u8 next,
			unsigned int hdrs, u8 *family)
{
	u8 outer_ds, inner_ds;

	outer_ds = c->sa->key.family == AF_INET ? ipv4_get_dsfield(ip_hdr(skb))
						: ipv6_get_dsfield(ipv6_hdr(skb));
	skb_pull(skb, hdrs);
	skb_reset_network_header(skb);
	if (next == IPPROTO_IPIP) {
		struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return -EINVAL;
		iph = ip_hdr(skb);
		if (iph->version != 4 || iph->ihl < 5 || ntohs(iph->tot_len) > skb->len ||
		    ntohs(iph->tot_len) < iph->ihl * 4 || !pskb_may_pull(skb, iph->ihl * 4))
			return -EINVAL;
		iph = ip_hdr(skb);
		if (pskb_trim(skb, ntohs(iph->tot_len)))
			return -ENOMEM;
		skb->protocol = htons(ETH_P_IP);
		*family = AF_INET;
	} else if (next == IPPROTO_IPV6) {
		struct ipv6hdr *ip6h;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return -EINVAL;
		ip6h = ipv6_hdr(skb);
		if (ip6h->version != 6 ||
		    ntohs(ip6h->payload_len) + sizeof(*ip6h) > skb->len)
			return -EINVAL;
		if (pskb_trim(skb, ntohs(ip6h->payload_len) + sizeof(*ip6h)))
			return -ENOMEM;
		skb->protocol = htons(ETH_P_IPV6);
		*family = AF_INET6;
	} else {
		return -EINVAL;
	}
	/*
	 * RFC 6040 section 4.2: CE on the outer header marks the inner one,
	 * unless the inner packet is Not-ECT: then it must be dropped.
	 */
	inner_ds = *family == AF_INET ? ipv4_get_dsfield(ip_hdr(skb))
				      : ipv6_get_dsfield(ipv6_hdr(skb));
	if (INET_ECN_decapsulate(skb, outer_ds, inner_ds) == 2)
		return -EPROTO;
	return 0;
}

/* Why decapsulation failed, as a namespace counter. */
static enum nfesp_stats_attr decap_error(int err)
{
	switch (err) {
	case -ENOMEM:
		return NFESP_STATS_A_NOMEM;
	case -EPROTO:
		return NFESP_STATS_A_IN_ECN;
	default:
		return NFESP_STATS_A_IN_MALFORMED;
	}
}

/* Transport mode: close the gap the ESP header and IV leave. */
static int decap_transport(struct sk_buff *skb, struct nfesp_crypt *c, u8 next,
			   unsigned int hdrs, u8 *family)
{
	unsigned int gap = hdrs - c->ip_end;

	if (skb_network_offset(skb))
		return -EINVAL;
	memmove(skb->data + gap, skb->data, c->ip_end);
	skb_pull(skb, gap);
	skb_reset_network_header(skb);
	skb->data[c->nh_off] = next;
	if (c->sa->key.family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
		*family = AF_INET;
	} else {
		ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
		*family = AF_INET6;
	}
	return 0;
}

static void input_done(struct nfesp_crypt *c, int err)
{
	struct sk_buff *skb = c->skb;
	struct net_device *dev = skb->dev;
	struct nfesp_sa *sa = c->sa;
	struct nfesp_net *nn = c->nn;
	unsigned int icv = sa->algo->icv_len, hdrs, len;
	u8 trailer[2], family;

	if (unlikely(err)) {
		if (err == -EBADMSG) {
			this_cpu_inc(sa->stats->auth_fail);
			drop(nn, skb, NFESP_STATS_A_IN_AUTH_FAIL);
		} else {
			this_cpu_inc(sa->stats->errors);
			drop(nn, skb, NFESP_STATS_A_CRYPTO_ERROR);
		}
		goto out;
	}
	if (nfesp_replay_advance(&sa->replay, c->seq)) {
		this_cpu_inc(sa->stats->replay);
		drop(nn, skb, NFESP_STATS_A_IN_REPLAY);
		goto out;
	}
	/* Authenticated and not a replay: its outer endpoint may be believed. */
	if (c->esp_off != c->ip_end)
		nfesp_mapping_check(nn, sa, skb, c->ip_end);

	/* The trailer is authenticated now, so it may be believed. */
	hdrs = c->esp_off + sizeof(struct ip_esp_hdr) + sa->algo->iv_len;
	if (skb_copy_bits(skb, skb->len - icv - 2, trailer, 2) ||
	    hdrs + trailer[0] + 2 + icv > skb->len) {
		this_cpu_inc(sa->stats->errors);
		drop(nn, skb, NFESP_STATS_A_IN_MALFORMED);
		goto out;
	}
	len = skb->len;
	if (pskb_trim(skb, len - icv - 2 - trailer[0])) {
		this_cpu_inc(sa->stats->errors);
		drop(nn, skb, NFESP_STATS_A_NOMEM);
		goto out;
	}
	/* A dummy packet (RFC 4303 2.6) is discarded silently, in either mode. */
	if (trailer[1] == IPPROTO_NONE) {
		nfesp_net_count(nn, NFESP_STATS_A_IN_DUMMY);
		consume_skb(skb);
		goto out;
	}
	if (sa->mode == NFESP_MODE_TUNNEL)
		err = decap_tunnel(skb, c, trailer[1], hdrs, &family);
	else
		err = decap_transport(skb, c, trailer[1], hdrs, &family);
	if (err) {
		this_cpu_inc(sa->stats->errors);
		drop(nn, skb, decap_error(err));
		goto out;
	}

	/*
	 * Transport mode behind a NAT: the inner checksums cover addresses
	 * the NAT changed; the ICV vouches for the data (RFC 3948 3.1.2).
	 */
	skb->ip_summed = sa->mode == NFESP_MODE_TRANSPORT && c->ip_end != c->esp_off ?
			 CHECKSUM_UNNECESSARY : CHECKSUM_NONE;
	this_cpu_inc(sa->stats->rx_packets);
	this_cpu_add(sa->stats->rx_bytes, skb->len);
	nfesp_sa_touch(sa);
	nfesp_lifetime_account(sa, skb->len);

	/* The outer packet's route and connection are not the inner one's. */
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	err = nfesp_defrag_decrypted(nn->net, skb, family, sa->index);
	if (err) {
		/* Gone: waiting for the rest of its datagram, or dropped. */
		if (err != -EINPROGRESS) {
			this_cpu_inc(sa->stats->errors);
			nfesp_net_count(nn, NFESP_STATS_A_IN_MALFORMED);
		}
		goto out;
	}
	if (!policy_ok(nn, sa, skb, family)) {
		drop(nn, skb, NFESP_STATS_A_IN_POLICY);
		goto out;
	}
	nfesp_rx(nn, skb);
out:
	dev_put(dev);
	nfesp_crypt_free(c);
}

static NFESP_CRYPTO_DONE(input_complete, data, err)
{
	struct nfesp_crypt *c = nfesp_crypto_data(data);

	if (err == -EINPROGRESS)
		return;
	nfesp_crypt_done(c, err);
}

/*
 * ESP for this host: the ESP header at @esp_off, @nh_off the byte of the
 * IP header (or extension header) that says ESP. Takes @skb.
 */
void nfesp_input(struct nfesp_net *nn, struct sk_buff *skb, struct nfesp_sa *sa, u8 family,
		 unsigned int ip_end, unsigned int esp_off, unsigned int nh_off)
{
	struct ip_esp_hdr esph;
	unsigned int ivlen, icv, clen;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	struct nfesp_crypt *c;
	int nfrags, err;
	bool esn;
	u64 seq;

	if (skb_copy_bits(skb, esp_off, &esph, sizeof(esph))) {
		nfesp_sa_put(sa);
		drop(nn, skb, NFESP_STATS_A_IN_MALFORMED);
		return;
	}
	if (!sa)
		sa = nfesp_sa_lookup_in(nn, skb, family, esph.spi);
	if (!sa || !nfesp_sa_usable(sa)) {
		nfesp_sa_put(sa);
		drop(nn, skb, NFESP_STATS_A_IN_NO_SA);
		return;
	}

	ivlen = sa->algo->iv_len;
	icv = sa->algo->icv_len;
	esn = sa->flags & NFESP_SA_F_ESN;
	if (skb->len < esp_off + sizeof(esph) + ivlen + icv + 2)
		goto err_malformed;
	clen = skb->len - esp_off - sizeof(esph) - ivlen - icv;
	if (clen % max(sa->algo->block_size, 4U))
		goto err_malformed;

	err = nfesp_replay_check(&sa->replay, ntohl(esph.seq_no), &seq);
	if (err) {
		this_cpu_inc(sa->stats->replay);
		nfesp_net_count(nn, NFESP_STATS_A_IN_REPLAY);
		goto err_free;
	}

	if (unlikely(atomic_read(&nn->inflight) >= NFESP_MAX_INFLIGHT)) {
		nfesp_net_count(nn, NFESP_STATS_A_CRYPTO_BUSY);
		goto err_free;
	}
	/* The headers are moved or pulled after decryption: make them linear. */
	if (!pskb_may_pull(skb, esp_off + sizeof(esph) + ivlen))
		goto err_malformed;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto err_nomem;
	c = nfesp_crypt_new(nn, sa, nfrags + 1, &sg);
	if (!c)
		goto err_nomem;
	c->skb = skb;
	c->finish = input_done;
	c->seq = seq;
	c->esp_off = esp_off;
	c->ip_end = ip_end;
	c->nh_off = nh_off;
	if (skb_copy_bits(skb, esp_off + sizeof(esph), c->iv, ivlen)) {
		nfesp_crypt_free(c);
		goto err_malformed;
	}
	memcpy(c->ad, &esph.spi, 4);
	if (esn) {
		__be32 hi = htonl(upper_32_bits(seq));

		memcpy(c->ad + 4, &hi, 4);
		memcpy(c->ad + 8, &esph.seq_no, 4);
	} else {
		memcpy(c->ad + 4, &esph.seq_no, 4);
	}

	sg_init_table(sg, nfrags + 1);
	sg_set_buf(sg, c->ad, esn ? 12 : 8);
	err = skb_to_sgvec(skb, sg + 1, esp_off + sizeof(esph), ivlen + clen + icv);
	if (unlikely(err < 0)) {
		nfesp_crypt_free(c);
		goto err_nomem;
	}
	aead_request_set_callback(c->req, CRYPTO_TFM_REQ_MAY_BACKLOG, input_complete, c);
	aead_request_set_crypt(c->req, sg, sg, clen + icv, c->iv);
	aead_request_set_ad(c->req, (esn ? 12 : 8) + ivlen);

	/*
	 * The context holds its own reference; it keeps its place in arrival
	 * order. The packet goes back in through its device, which may be
	 * unregistered while it is in crypto: held until then.
	 */
	nfesp_sa_put(sa);
	dev_hold(skb->dev);
	nfesp_crypt_order(c);
	nfesp_crypt_run(c);
	return;

err_malformed:
	this_cpu_inc(sa->stats->errors);
	nfesp_net_count(nn, NFESP_STATS_A_IN_MALFORMED);
	goto err_free;
err_nomem:
	this_cpu_inc(sa->stats->errors);
	nfesp_net_count(nn, NFESP_STATS_A_NOMEM);
err_free:
	nfesp_sa_put(sa);
	kfree_skb(skb);
}
