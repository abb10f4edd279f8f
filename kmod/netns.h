/* SPDX-License-Identifier: GPL-2.0-only */
/* Per network namespace state: the SAD, the SPD and the counters. */
#ifndef _NFESP_NETNS_H
#define _NFESP_NETNS_H

#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/xarray.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <uapi/linux/nfesp.h>

/*
 * Bounds on what one namespace may hold, so memory stays bounded: the module
 * parameters max_sas and max_policies, at most these.
 */
#define NFESP_MAX_SAS		(1U << 20)
#define NFESP_MAX_POLICIES	(1U << 16)
extern unsigned int nfesp_max_sas, nfesp_max_policies;

struct nfesp_net_stats {
	u64 cnt[NFESP_STATS_A_MAX + 1];
};

struct nfesp_net {
	struct net *net;

	/* Serialises every change to the SAD and the SPD. */
	struct mutex lock;

	/* SAD: by (SPI, destination, protocol) for lookups under RCU... */
	struct rhashtable sad;
	/* ...and by index, in the order added, for dumps. */
	struct xarray sa_by_index;
	u32 sa_next_index;
	unsigned int sa_count;
	/* Bumped on every change so that dumps can tell they were interrupted. */
	unsigned int sad_gen;
	/* Outbound candidates: groups by (reqid, family, mode, destination). */
	struct rhashtable sa_out;
	/* SPIs reserved by NFESP_CMD_SPI_ALLOC, oldest first. */
	struct list_head larval_list;
	struct delayed_work larval_work;

	/* SPD: in match order, readers under RCU. */
	struct list_head spd;
	struct rhashtable spd_by_sel;
	/* For lookups: classes by direction and family (classify.c). */
	struct list_head classes[NFESP_DIR_MAX + 1][2];
	struct list_head class_all;
	struct xarray policy_by_id;
	u32 policy_next_id;
	unsigned int policy_count;
	unsigned int spd_gen;
	u64 policy_seq;

	struct nfesp_net_stats __percpu *stats;

	/* The packet path. Hooks are registered only while policies exist. */
	bool hooks_on;			/* under lock */
	atomic_t inflight;		/* packets in crypto */
	struct net_device __rcu *mon;	/* the monitor device, under RTNL */
	struct xfrm_state *rx_state;	/* marks what nfesp decrypted (rx.c) */
	atomic_t held;			/* packets held for acquires */
	/*
	 * Outbound protect policies that sent an ACQUIRE (acquire.c), so that
	 * a new SA looks at them, not at the whole SPD. Nested in a policy's
	 * held.lock.
	 */
	spinlock_t acq_lock;
	struct list_head acq_list;
};

#define NFESP_MAX_HELD		1024	/* per namespace */
#define NFESP_MAX_HELD_POLICY	32
#define NFESP_MAX_INFLIGHT	4096	/* packets in crypto, per namespace */

struct nfesp_net *nfesp_net(const struct net *net);

static inline void nfesp_net_count(struct nfesp_net *nn, enum nfesp_stats_attr what)
{
	this_cpu_inc(nn->stats->cnt[what]);
}

u64 nfesp_net_stat(const struct nfesp_net *nn, enum nfesp_stats_attr what);

int nfesp_netns_init(void);
void nfesp_netns_uninit(void);

#endif /* _NFESP_NETNS_H */
