/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _NFESP_DEFRAG_H
#define _NFESP_DEFRAG_H

#include <linux/types.h>

struct net;
struct sk_buff;

int nfesp_defrag_init(void);
void nfesp_defrag_uninit(void);
int nfesp_defrag_enable(struct net *net);
void nfesp_defrag_disable(struct net *net);
int nfesp_defrag_decrypted(struct net *net, struct sk_buff *skb, u8 family, u32 sa_index);

#endif /* _NFESP_DEFRAG_H */
