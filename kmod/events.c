// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events on the "events" multicast group. Nothing is built unless someone
 * listens in the namespace, so a busy control plane pays nothing for them.
 */

#include "datapath.h"
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

/* An SA event; EXPIRE also says whether the limit was hard. */
static void sa_event(struct nfesp_net *nn, const struct nfesp_sa *sa, u8 cmd, bool hard)
{
	struct sk_buff *skb;

	if (!listening(nn))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (nfesp_nl_fill_sa(skb, sa, 0, 0, 0, cmd, NULL) ||
	    (hard && nla_put_flag(skb, NFESP_A_EXPIRE_HARD))) {
		kfree_skb(skb);
		return;
	}
	nlmsg_end(skb, nlmsg_hdr(skb));
	multicast(nn, skb);
}

void nfesp_event_sa(struct nfesp_net *nn, const struct nfesp_sa *sa, u8 cmd)
{
	sa_event(nn, sa, cmd, false);
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

/*
 * ACQUIRE, from the packet path: the policy, and the packet's addresses,
 * protocol and ports in NFESP_A_ACQUIRE.
 */
void nfesp_event_acquire(struct nfesp_net *nn, const struct nfesp_policy *pol,
			 const struct nfesp_flow *fl)
{
	struct nlattr *nest;
	struct sk_buff *skb;

	if (!listening(nn))
		goto err_lost;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto err_nomem;
	if (nfesp_nl_fill_policy(skb, pol, 0, 0, 0, NFESP_CMD_ACQUIRE, NULL))
		goto err_free;
	nest = nla_nest_start(skb, NFESP_A_ACQUIRE);
	if (!nest ||
	    nfesp_addr_put(skb, NFESP_POL_A_SRC, &fl->src, fl->family) ||
	    nfesp_addr_put(skb, NFESP_POL_A_DST, &fl->dst, fl->family) ||
	    nla_put_u8(skb, NFESP_POL_A_PROTO, fl->proto) ||
	    (fl->has_ports &&
	     (nla_put_u16(skb, NFESP_POL_A_SPORT_MIN, ntohs(fl->sport)) ||
	      nla_put_u16(skb, NFESP_POL_A_DPORT_MIN, ntohs(fl->dport)))))
		goto err_free;
	nla_nest_end(skb, nest);
	nlmsg_end(skb, nlmsg_hdr(skb));
	/* -ESRCH: nobody got it; -ENOBUFS: a listener's queue was full. */
	if (genlmsg_multicast_netns(&nfesp_genl_family, nn->net, skb, 0,
				    NFESP_MCGRP_EVENTS_IDX, GFP_ATOMIC))
		goto err_lost;
	return;

err_free:
	kfree_skb(skb);
err_nomem:
	nfesp_net_count(nn, NFESP_STATS_A_NOMEM);
err_lost:
	nfesp_net_count(nn, NFESP_STATS_A_ACQUIRE_LOST);
}

/* EXPIRE: @sa reached a soft or a hard lifetime limit. */
void nfesp_event_expire(struct nfesp_net *nn, const struct nfesp_sa *sa, bool hard)
{
	sa_event(nn, sa, NFESP_CMD_EXPIRE, hard);
}

/*
 * MAPPING, from the packet path: @sa's peer was @old and an authenticated
 * packet came from @new (mapping.c).
 */
void nfesp_event_mapping(struct nfesp_net *nn, const struct nfesp_sa *sa,
			 const struct nfesp_sa_peer *old, const struct nfesp_sa_peer *new)
{
	u8 family = sa->key.family;
	struct nlattr *nest;
	struct sk_buff *skb;

	if (!listening(nn))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto err_nomem;
	if (nfesp_nl_fill_sa(skb, sa, 0, 0, 0, NFESP_CMD_MAPPING, NULL))
		goto err_free;
	nest = nla_nest_start(skb, NFESP_A_MAPPING);
	if (!nest ||
	    nfesp_addr_put(skb, NFESP_MAPPING_A_OLD_ADDR, &old->src, family) ||
	    nla_put_u16(skb, NFESP_MAPPING_A_OLD_PORT, old->sport) ||
	    nfesp_addr_put(skb, NFESP_MAPPING_A_NEW_ADDR, &new->src, family) ||
	    nla_put_u16(skb, NFESP_MAPPING_A_NEW_PORT, new->sport))
		goto err_free;
	nla_nest_end(skb, nest);
	nlmsg_end(skb, nlmsg_hdr(skb));
	genlmsg_multicast_netns(&nfesp_genl_family, nn->net, skb, 0,
				NFESP_MCGRP_EVENTS_IDX, GFP_ATOMIC);
	return;

err_free:
	kfree_skb(skb);
err_nomem:
	nfesp_net_count(nn, NFESP_STATS_A_NOMEM);
}
