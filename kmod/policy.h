/* SPDX-License-Identifier: GPL-2.0-only */
/* Security policies and the SPD. */
#ifndef _NFESP_POLICY_H
#define _NFESP_POLICY_H

#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <linux/rhashtable-types.h>
#include <linux/rhashtable.h>
#include "addr.h"

struct nfesp_net;

/*
 * RFC 4301 section 4.4.1.1 selectors. Compared as bytes when looking for
 * duplicates, so every instance starts zeroed.
 */
struct nfesp_selector {
	union nfesp_addr src;
	union nfesp_addr dst;
	u8 family;
	u8 src_plen;
	u8 dst_plen;
	u8 proto;		/* 0: any */
	u16 sport_min;
	u16 sport_max;
	u16 dport_min;
	u16 dport_max;
	u8 dir;			/* enum nfesp_dir; part of the identity */
	u8 zero[3];
};

struct nfesp_policy_stats {
	u64 packets;
	u64 bytes;
};

struct nfesp_policy {
	struct list_head node;		/* in nn->spd, match order */
	struct rhash_head hnode;	/* in nn->spd_by_sel */
	struct rhlist_head cnode;	/* in its class (classify.c) */
	struct nfesp_class *cls;
	struct nfesp_selector sel;
	u32 id;
	u32 priority;
	u64 seq;			/* order among equal priorities */
	u8 action;
	u8 mode;
	u8 tunnel_family;		/* AF_UNSPEC in transport mode */
	union nfesp_addr local;
	union nfesp_addr peer;
	u32 reqid;
	u64 owner;			/* opaque to the kernel; 0: none */
	u32 flags;			/* NFESP_POL_F_* */
	struct nfesp_policy_stats __percpu *stats;
	bool stats_moved;		/* replaced: @stats belong to the new one */
	struct rcu_head rcu;

	/* Acquire: packets held until an SA arrives; held.lock guards all. */
	struct nfesp_net *nn;
	struct sk_buff_head held;
	struct timer_list acq_timer;
	bool acq_pending;		/* an ACQUIRE was sent and is unanswered */
	bool dead;			/* unlinked: hold nothing more */
	/* In nn->acq_list (under nn->acq_lock) while an acquire may be pending. */
	struct list_head acq_node;
};

struct nfesp_policy_config {
	struct nfesp_selector sel;
	u32 priority;
	u8 action;
	u8 mode;
	u8 tunnel_family;
	union nfesp_addr local;
	union nfesp_addr peer;
	u32 reqid;
	u64 owner;
	u32 flags;
};

int nfesp_spd_init(struct nfesp_net *nn);
void nfesp_spd_destroy(struct nfesp_net *nn);

struct nfesp_policy *nfesp_policy_create(struct nfesp_net *nn,
					 const struct nfesp_policy_config *cfg,
					 struct netlink_ext_ack *extack);
struct nfesp_policy *nfesp_policy_find_locked(struct nfesp_net *nn,
					      const struct nfesp_selector *sel);
struct nfesp_policy *nfesp_policy_replace(struct nfesp_net *nn,
					  struct nfesp_policy *old,
					  const struct nfesp_policy_config *cfg,
					  struct netlink_ext_ack *extack);
void nfesp_policy_unlink(struct nfesp_net *nn, struct nfesp_policy *pol);
void nfesp_policy_flush(struct nfesp_net *nn);
struct nfesp_flow;
bool nfesp_selector_match(const struct nfesp_selector *sel, u8 dir,
			  const struct nfesp_flow *fl);
int nfesp_classify_insert(struct nfesp_net *nn, struct nfesp_policy *pol);
void nfesp_classify_remove(struct nfesp_net *nn, struct nfesp_policy *pol);
void nfesp_classify_init(struct nfesp_net *nn);
void nfesp_classify_destroy(struct nfesp_net *nn);
/* classify.c */
struct nfesp_policy *nfesp_spd_lookup(struct nfesp_net *nn, u8 dir,
				      const struct nfesp_flow *fl);
void nfesp_policy_stats_read(const struct nfesp_policy *pol,
			     struct nfesp_policy_stats *st);

#endif /* _NFESP_POLICY_H */
