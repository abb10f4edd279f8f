/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _NFESP_CONNTRACK_H
#define _NFESP_CONNTRACK_H

#include <linux/netfilter.h>

struct net;
struct sk_buff;

int nfesp_conntrack_init(void);
void nfesp_conntrack_uninit(void);
unsigned int nfesp_ct_confirm(struct sk_buff *skb, const struct nf_hook_state *state);
bool nfesp_ct_keep_slow(struct sk_buff *skb);
void nfesp_ct_dropped(struct sk_buff *skb);
void nfesp_ct_spd_changed(struct net *net);

#endif /* _NFESP_CONNTRACK_H */
