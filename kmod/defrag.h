/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _NFESP_DEFRAG_H
#define _NFESP_DEFRAG_H

struct net;

int nfesp_defrag_init(void);
void nfesp_defrag_uninit(void);
int nfesp_defrag_enable(struct net *net);
void nfesp_defrag_disable(struct net *net);

#endif /* _NFESP_DEFRAG_H */
