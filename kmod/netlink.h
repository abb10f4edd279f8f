/* SPDX-License-Identifier: GPL-2.0-only */
/* The "nfesp" generic netlink family: requests, replies and events. */
#ifndef _NFESP_NETLINK_H
#define _NFESP_NETLINK_H

#include <net/genetlink.h>

struct nfesp_net;
struct nfesp_sa;
struct nfesp_policy;

extern struct genl_family nfesp_genl_family;

int nfesp_genl_init(void);
void nfesp_genl_uninit(void);

int nfesp_nl_fill_sa(struct sk_buff *skb, const struct nfesp_sa *sa, u32 portid,
		     u32 seq, int flags, u8 cmd, struct netlink_callback *cb);
int nfesp_nl_fill_policy(struct sk_buff *skb, const struct nfesp_policy *pol,
			 u32 portid, u32 seq, int flags, u8 cmd,
			 struct netlink_callback *cb);

/* events.c: multicasts on the "events" group, when anyone listens. */
void nfesp_event_sa(struct nfesp_net *nn, const struct nfesp_sa *sa, u8 cmd);
void nfesp_event_policy(struct nfesp_net *nn, const struct nfesp_policy *pol, u8 cmd);
void nfesp_event_flush(struct nfesp_net *nn, u8 cmd);
struct nfesp_flow;
void nfesp_event_acquire(struct nfesp_net *nn, const struct nfesp_policy *pol,
			 const struct nfesp_flow *fl);
void nfesp_event_expire(struct nfesp_net *nn, const struct nfesp_sa *sa, bool hard);
struct nfesp_sa_peer;
void nfesp_event_mapping(struct nfesp_net *nn, const struct nfesp_sa *sa,
			 const struct nfesp_sa_peer *old, const struct nfesp_sa_peer *new);

#endif /* _NFESP_NETLINK_H */
