// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events on the "events" multicast group. Nothing is built unless someone
 * listens in the namespace, so a busy control plane pays nothing for them.
 */

#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

enum { NFESP_MCGRP_EVENTS_IDX = 0 };

static bool listening(struct nfesp_net *nn)
{
	return genl_has_listeners(&nfesp_genl_family, nn->net, NFESP_MCGRP_EVENTS_IDX);
}

static void multicast(struct nfesp_net *nn, struct sk_buff *skb)
{
	genlmsg_multicast_netns(&nfesp_genl_family, nn->net, skb, 0,
				NFESP_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

void nfesp_event_sa(struct nfesp_net *nn, const struct nfesp_sa *sa, u8 cmd)
{
	struct sk_buff *skb;

	if (!listening(nn))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (nfesp_nl_fill_sa(skb, sa, 0, 0, 0, cmd, NULL)) {
		kfree_skb(skb);
		return;
	}
	multicast(nn, skb);
}

void nfesp_event_policy(struct nfesp_net *nn, const struct nfesp_policy *pol, u8 cmd)
{
	struct sk_buff *skb;

	if (!listening(nn))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (nfesp_nl_fill_policy(skb, pol, 0, 0, 0, cmd, NULL)) {
		kfree_skb(skb);
		return;
	}
	multicast(nn, skb);
}

void nfesp_event_flush(struct nfesp_net *nn, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	if (!listening(nn))
		return;
	skb = genlmsg_new(GENL_HDRLEN, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nfesp_genl_family, 0, cmd);
	if (!hdr) {
		kfree_skb(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	multicast(nn, skb);
}
