// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reassembly before PRE_ROUTING, borrowed from nf_defrag_ipv4 and
 * nf_defrag_ipv6 as conntrack does. Their symbols are looked up when the
 * module loads, loading those modules on demand (request_module of
 * "symbol:NAME"), rather than linked: a plain insmod of nfesp.ko on a
 * freshly booted router then works, with no modprobe first. The references
 * taken here keep both modules loaded until nfesp unloads.
 *
 * Decrypted fragments are reassembled here too, apart from everything else
 * (review M2 and M6): each SA has a queue of its own, so a fragment that
 * came in clear, or through another SA, never completes a datagram that
 * came through this one, and the inbound policy check sees whole datagrams,
 * ports and all. A datagram whose fragments straddle a rekey (old SA, new
 * SA) does not complete; its sender retransmits.
 */

#include <linux/kmod.h>
#include <linux/module.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include "defrag.h"

static struct {
	int (*enable4)(struct net *net);
	void (*disable4)(struct net *net);
	int (*enable6)(struct net *net);
	void (*disable6)(struct net *net);
	int (*gather6)(struct net *net, struct sk_buff *skb, u32 user);
} defrag;

/*
 * Reassembly users of decrypted fragments: above every user the kernel
 * numbers (IP_DEFRAG_*, IP6_DEFRAG_*, at most about 2^18), one per SA.
 */
#define NFESP_DEFRAG_USER	0x80000000U

static void defrag_put(void)
{
	if (defrag.gather6)
		symbol_put(nf_ct_frag6_gather);
	if (defrag.disable6)
		symbol_put(nf_defrag_ipv6_disable);
	if (defrag.enable6)
		symbol_put(nf_defrag_ipv6_enable);
	if (defrag.disable4)
		symbol_put(nf_defrag_ipv4_disable);
	if (defrag.enable4)
		symbol_put(nf_defrag_ipv4_enable);
	memset(&defrag, 0, sizeof(defrag));
}

int nfesp_defrag_init(void)
{
	defrag.enable4 = symbol_request(nf_defrag_ipv4_enable);
	defrag.disable4 = symbol_request(nf_defrag_ipv4_disable);
	defrag.enable6 = symbol_request(nf_defrag_ipv6_enable);
	defrag.disable6 = symbol_request(nf_defrag_ipv6_disable);
	defrag.gather6 = symbol_request(nf_ct_frag6_gather);
	if (!defrag.enable4 || !defrag.disable4 || !defrag.enable6 || !defrag.disable6 ||
	    !defrag.gather6) {
		pr_err("cannot load nf_defrag_ipv4 and nf_defrag_ipv6 (CONFIG_NF_DEFRAG_IPV4/6)\n");
		defrag_put();
		return -ENOENT;
	}
	return 0;
}

void nfesp_defrag_uninit(void)
{
	defrag_put();
}

int nfesp_defrag_enable(struct net *net)
{
	int err;

	err = defrag.enable4(net);
	if (err)
		return err;
	err = defrag.enable6(net);
	if (err)
		goto err_disable4;
	return 0;

err_disable4:
	defrag.disable4(net);
	return err;
}

void nfesp_defrag_disable(struct net *net)
{
	defrag.disable6(net);
	defrag.disable4(net);
}

/*
 * A decrypted packet, network header at skb->data, no dst, no conntrack:
 * if it is a fragment, queue it with the other fragments @sa_index
 * decrypted. Returns 0 if @skb is (now) a whole datagram; otherwise @skb
 * is gone: -EINPROGRESS if it waits for the rest of its datagram, another
 * error if it was dropped (too many fragments, overlapping, no memory).
 */
int nfesp_defrag_decrypted(struct net *net, struct sk_buff *skb, u8 family, u32 sa_index)
{
	u32 user = NFESP_DEFRAG_USER | (sa_index & ~NFESP_DEFRAG_USER);
	int err;

	memset(skb->cb, 0, sizeof(skb->cb));
	if (family == AF_INET) {
		if (!ip_is_fragment(ip_hdr(skb)))
			return 0;
		/* Consumes @skb on error. */
		return ip_defrag(net, skb, user);
	}
	/* Returns 0 for a packet with no fragment header. */
	err = defrag.gather6(net, skb, user);
	if (err && err != -EINPROGRESS)
		kfree_skb(skb);
	return err;
}
