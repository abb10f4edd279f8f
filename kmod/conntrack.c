// SPDX-License-Identifier: GPL-2.0-only
/*
 * What nfesp owes conntrack. nfesp takes protected packets at POST_ROUTING
 * just before conntrack's confirm hook, so it does that hook's work itself
 * (nfesp_ct_confirm): the connection's helper (FTP, SIP, ...) sees the
 * cleartext and may create expectations or mangle it, sequence numbers are
 * adjusted after such mangling, the entry is confirmed and its cached
 * events are delivered.
 *
 * Flowtables (nft "flow add @ft") move an established flow to a fast path
 * at the ingress of its devices that never reaches POST_ROUTING, so nfesp
 * would not see it again and it would leave in clear. The flowtable leaves
 * alone every conntrack entry that has a helper extension, whether or not
 * a helper is attached (the state a helper module's unloading leaves). So
 * nfesp gives each flow it protects or decrypts an empty helper extension
 * before the entry is confirmed (nfesp_ct_keep_slow). An entry confirmed
 * before any policy protected it, which a flowtable may already carry, is
 * killed: its next packet makes a new one, which is kept on the slow path.
 * So is the entry of a forwarded packet that a policy drops
 * (nfesp_ct_dropped): the forward chain's "flow add" has seen that packet
 * before nfesp. When a protect or discard policy is added, or a bypass
 * policy deleted, flows that flowtables already carry in this namespace are
 * torn down (nfesp_ct_spd_changed), so that their next packet meets the
 * policies as they are now.
 *
 * The conntrack functions are looked up when the module loads, loading
 * nf_conntrack if needed (which tracks nothing by itself), as defrag.c
 * does; nf_flow_table's only when a policy is added, and only if it is
 * loaded: without it there is no flowtable to tear down.
 */

#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_extend.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_flow_table.h>
#include "compat.h"
#include "conntrack.h"
#include "netns.h"

#if IS_ENABLED(CONFIG_NF_CONNTRACK)

static struct {
#ifdef NFESP_HAVE_NF_CONFIRM_HOOK
	unsigned int (*confirm)(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state);
#else
	unsigned int (*confirm)(struct sk_buff *skb, unsigned int protoff,
				struct nf_conn *ct, enum ip_conntrack_info ctinfo);
	int (*confirm_entry)(struct sk_buff *skb);
#ifdef CONFIG_NF_CONNTRACK_EVENTS
	void (*deliver_events)(struct nf_conn *ct);
#endif
#endif
	struct nf_conn_help *(*helper_ext_add)(struct nf_conn *ct, gfp_t gfp);
	bool (*delete)(struct nf_conn *ct, u32 portid, int report);
} ct_sym;

static void ct_sym_put(void)
{
	if (ct_sym.delete)
		symbol_put(nf_ct_delete);
	if (ct_sym.helper_ext_add)
		symbol_put(nf_ct_helper_ext_add);
#ifndef NFESP_HAVE_NF_CONFIRM_HOOK
#ifdef CONFIG_NF_CONNTRACK_EVENTS
	if (ct_sym.deliver_events)
		symbol_put(nf_ct_deliver_cached_events);
#endif
	if (ct_sym.confirm_entry)
		symbol_put(__nf_conntrack_confirm);
#endif
	if (ct_sym.confirm)
		symbol_put(nf_confirm);
	memset(&ct_sym, 0, sizeof(ct_sym));
}

int nfesp_conntrack_init(void)
{
	ct_sym.confirm = symbol_request(nf_confirm);
#ifndef NFESP_HAVE_NF_CONFIRM_HOOK
	ct_sym.confirm_entry = symbol_request(__nf_conntrack_confirm);
	if (!ct_sym.confirm_entry)
		goto err_put;
#ifdef CONFIG_NF_CONNTRACK_EVENTS
	ct_sym.deliver_events = symbol_request(nf_ct_deliver_cached_events);
	if (!ct_sym.deliver_events)
		goto err_put;
#endif
#endif
	ct_sym.helper_ext_add = symbol_request(nf_ct_helper_ext_add);
	ct_sym.delete = symbol_request(nf_ct_delete);
	if (!ct_sym.confirm || !ct_sym.helper_ext_add || !ct_sym.delete)
		goto err_put;
	return 0;

err_put:
	pr_err("cannot load nf_conntrack (CONFIG_NF_CONNTRACK)\n");
	ct_sym_put();
	return -ENOENT;
}

void nfesp_conntrack_uninit(void)
{
	ct_sym_put();
}

#ifdef NFESP_HAVE_NF_CONFIRM_HOOK
unsigned int nfesp_ct_confirm(struct sk_buff *skb, const struct nf_hook_state *state)
{
	return ct_sym.confirm(NULL, skb, state);
}
#else
/* ipv4_confirm() and ipv6_confirm() of 6.1, which are not exported. */
unsigned int nfesp_ct_confirm(struct sk_buff *skb, const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	__be16 frag_off;
	int protoff;
	u8 pnum;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	if (ctinfo == IP_CT_RELATED_REPLY)
		goto confirm_only;
	if (state->pf == NFPROTO_IPV4)
		return ct_sym.confirm(skb, skb_network_offset(skb) + ip_hdrlen(skb),
				      ct, ctinfo);
	pnum = ipv6_hdr(skb)->nexthdr;
	protoff = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(struct ipv6hdr),
				   &pnum, &frag_off);
	if (protoff < 0 || (frag_off & htons(~0x7)))
		goto confirm_only;
	return ct_sym.confirm(skb, protoff, ct, ctinfo);

confirm_only:
	/* nf_conntrack_confirm() */
	if (!nf_ct_is_confirmed(ct)) {
		unsigned int verdict = ct_sym.confirm_entry(skb);

		if (verdict != NF_ACCEPT)
			return verdict;
		ct = nf_ct_get(skb, &ctinfo);
	}
#ifdef CONFIG_NF_CONNTRACK_EVENTS
	if (ct && nf_ct_ecache_exist(ct))
		ct_sym.deliver_events(ct);
#endif
	return NF_ACCEPT;
}
#endif

/* What nft's flow offload takes: TCP, UDP and GRE. */
static bool offloadable(const struct nf_conn *ct)
{
	switch (nf_ct_protonum(ct)) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_GRE:
		return true;
	}
	return false;
}

/*
 * An entry confirmed without the extension, that a flowtable may carry or
 * take: deleted, so that the flow's next packet makes a new one. The
 * packet's own reference keeps it until the packet is done with.
 */
static void forget(struct nf_conn *ct, enum ip_conntrack_info ctinfo)
{
	/* An ICMP error is related to an entry, not its own flow. */
	if (ctinfo == IP_CT_RELATED || ctinfo == IP_CT_RELATED_REPLY || !offloadable(ct))
		return;
	ct_sym.delete(ct, 0, 0);
}

bool nfesp_ct_keep_slow(struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_ext_exist(ct, NF_CT_EXT_HELPER))
		return true;
	if (!nf_ct_is_confirmed(ct))
		return ct_sym.helper_ext_add(ct, GFP_ATOMIC);
	forget(ct, ctinfo);
	return true;
}

/*
 * A forwarded packet dropped by a policy: a flowtable rule before nfesp's
 * hook may just have offloaded its flow, which would then go on in clear.
 */
void nfesp_ct_dropped(struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (ct && nf_ct_is_confirmed(ct) && !nf_ct_ext_exist(ct, NF_CT_EXT_HELPER))
		forget(ct, ctinfo);
}

void nfesp_ct_spd_changed(struct net *net)
{
	void (*cleanup)(struct net_device *dev);
	struct net_device *dev;

	cleanup = symbol_get(nf_flow_table_cleanup);
	if (!cleanup)
		return;
	rtnl_lock();
	/* A device going down had its flows torn down then. */
	for_each_netdev(net, dev)
		if (dev->flags & IFF_UP)
			cleanup(dev);
	rtnl_unlock();
	symbol_put(nf_flow_table_cleanup);
}

#else /* !CONFIG_NF_CONNTRACK */

int nfesp_conntrack_init(void)
{
	return 0;
}

void nfesp_conntrack_uninit(void)
{
}

unsigned int nfesp_ct_confirm(struct sk_buff *skb, const struct nf_hook_state *state)
{
	return NF_ACCEPT;
}

bool nfesp_ct_keep_slow(struct sk_buff *skb)
{
	return true;
}

void nfesp_ct_dropped(struct sk_buff *skb)
{
}

void nfesp_ct_spd_changed(struct net *net)
{
}

#endif
