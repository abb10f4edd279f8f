// SPDX-License-Identifier: GPL-2.0-only
/*
 * Acquire: a protect policy matched a packet and no SA with its reqid
 * exists. The packet is held, never sent in clear, and one ACQUIRE event
 * asks IKE for SAs. Held packets go out in order once an SA with the
 * policy's reqid is added; if none arrives within acquire_timeout seconds
 * they are dropped and counted, and the next packet asks again.
 *
 * Memory is bounded: NFESP_MAX_HELD_POLICY packets per policy and
 * NFESP_MAX_HELD per namespace; beyond that packets are dropped and counted
 * as OUT_NO_SA. While an acquire is pending no further event is sent for the
 * policy, so a flood of packets makes one event, listener or not.
 *
 * A held packet pins its dst but not its skb->dev, the device it was to
 * leave by, which may be deleted while it waits. Packets held with a device
 * that unregisters are dropped then (OUT_HELD_DEV_GONE), and a packet
 * released later takes its device from its dst, never from skb->dev.
 */

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include "datapath.h"
#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

static unsigned int acquire_timeout = 30;
module_param(acquire_timeout, uint, 0644);
MODULE_PARM_DESC(acquire_timeout,
		 "seconds packets are held waiting for an SA after an acquire (default 30, at most 3600)");

static void drop_held(struct nfesp_net *nn, struct sk_buff_head *list,
		      enum nfesp_stats_attr why)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(list))) {
		atomic_dec(&nn->held);
		nfesp_net_count(nn, why);
		kfree_skb(skb);
	}
}

static void acquire_timer(struct timer_list *t)
{
	struct nfesp_policy *pol = from_timer(pol, t, acq_timer);
	struct sk_buff_head list;

	__skb_queue_head_init(&list);
	spin_lock_bh(&pol->held.lock);
	skb_queue_splice_init(&pol->held, &list);
	pol->acq_pending = false;
	spin_unlock_bh(&pol->held.lock);
	drop_held(pol->nn, &list, NFESP_STATS_A_OUT_ACQUIRE_TIMEOUT);
}

void nfesp_acquire_init_policy(struct nfesp_policy *pol)
{
	skb_queue_head_init(&pol->held);
	timer_setup(&pol->acq_timer, acquire_timer, 0);
	INIT_LIST_HEAD(&pol->acq_node);
}

/* Under @pol's held.lock: @pol is, or is no longer, waiting for an SA. */
static void acq_list_add(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	lockdep_assert_held(&pol->held.lock);

	spin_lock(&nn->acq_lock);
	if (list_empty(&pol->acq_node))
		list_add_tail(&pol->acq_node, &nn->acq_list);
	spin_unlock(&nn->acq_lock);
}

static void acq_list_del(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	lockdep_assert_held(&pol->held.lock);

	spin_lock(&nn->acq_lock);
	list_del_init(&pol->acq_node);
	spin_unlock(&nn->acq_lock);
}

/*
 * Packet path: hold @skb for @pol, or drop it if the queues are full, and
 * ask for SAs if not asked already. The ACQUIRE goes out even for a packet
 * that could not be held: IKE must start all the same.
 */
void nfesp_acquire(struct nfesp_net *nn, struct nfesp_policy *pol,
		   const struct nfesp_flow *fl, struct sk_buff *skb)
{
	bool ask = false, held = false;

	spin_lock_bh(&pol->held.lock);
	if (!pol->dead) {
		if (!pol->acq_pending) {
			pol->acq_pending = true;
			mod_timer(&pol->acq_timer, jiffies +
				  min_t(unsigned long, acquire_timeout, 3600) * HZ);
			acq_list_add(nn, pol);
			ask = true;
		}
		if (skb_queue_len(&pol->held) < NFESP_MAX_HELD_POLICY &&
		    atomic_read(&nn->held) < NFESP_MAX_HELD && skb_dst_force(skb)) {
			atomic_inc(&nn->held);
			__skb_queue_tail(&pol->held, skb);
			held = true;
		}
	}
	spin_unlock_bh(&pol->held.lock);

	if (ask) {
		nfesp_net_count(nn, NFESP_STATS_A_ACQUIRES);
		nfesp_event_acquire(nn, pol, fl);
	}
	if (!held) {
		nfesp_net_count(nn, NFESP_STATS_A_OUT_NO_SA);
		kfree_skb(skb);
	}
}

/*
 * Whether @pol now has an outbound SA. In transport mode that depends on
 * each packet's destination, so they are tried (and held again if need be).
 */
static bool has_sa(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	struct nfesp_sa_okey okey;
	struct nfesp_sa *sa;

	if (pol->mode != NFESP_MODE_TUNNEL)
		return true;
	nfesp_policy_okey(pol, NULL, &okey);
	sa = nfesp_sa_lookup_out(nn, &okey);
	nfesp_sa_put(sa);
	return sa;
}

/*
 * The device a held packet leaves by, now: its dst's. The skb->dev it was
 * held with may have been freed since (a race with dev_gone() below); a
 * dst whose device went is moved to blackhole_netdev, which is down.
 * Under RCU: the dst holds a reference on the device it points to.
 */
static bool held_dev_ok(struct nfesp_net *nn, struct sk_buff *skb)
{
	struct net_device *dev = READ_ONCE(skb_dst(skb)->dev);

	if (dev == blackhole_netdev || !netif_running(dev) ||
	    !net_eq(dev_net(dev), nn->net))
		return false;
	skb->dev = dev;
	return true;
}

/*
 * An SA with @reqid was added: send what its policies held, in order. Only
 * the policies that sent an ACQUIRE are looked at, not the whole SPD, so
 * that installing many SAs while packets are held is not quadratic. They
 * are taken off nn->acq_list for the walk: nothing else removes a policy
 * from it (flush needs nn->lock), and the packet path adds a policy only if
 * it is on no list; those that remain go back at the end.
 */
void nfesp_acquire_release(struct nfesp_net *nn, u32 reqid)
{
	struct nfesp_policy *pol, *tmp;
	struct sk_buff_head list;
	struct sk_buff *skb;
	LIST_HEAD(todo);

	lockdep_assert_held(&nn->lock);

	if (!atomic_read(&nn->held))
		return;
	__skb_queue_head_init(&list);
	spin_lock_bh(&nn->acq_lock);
	list_splice_init(&nn->acq_list, &todo);
	spin_unlock_bh(&nn->acq_lock);
	list_for_each_entry_safe(pol, tmp, &todo, acq_node) {
		bool stale;

		/* Timed out since: it waits for nothing any more. */
		spin_lock_bh(&pol->held.lock);
		stale = !pol->acq_pending;
		if (stale)
			acq_list_del(nn, pol);
		spin_unlock_bh(&pol->held.lock);
		if (stale || pol->reqid != reqid || !has_sa(nn, pol))
			continue;
		spin_lock_bh(&pol->held.lock);
		acq_list_del(nn, pol);
		if (pol->acq_pending) {
			skb_queue_splice_tail_init(&pol->held, &list);
			pol->acq_pending = false;
			del_timer(&pol->acq_timer);
		}
		spin_unlock_bh(&pol->held.lock);

		/* The policy cannot go away: its removal needs nn->lock. */
		rcu_read_lock_bh();
		while ((skb = __skb_dequeue(&list))) {
			struct nfesp_flow fl;

			atomic_dec(&nn->held);
			if (!held_dev_ok(nn, skb)) {
				nfesp_net_count(nn, NFESP_STATS_A_OUT_HELD_DEV_GONE);
				kfree_skb(skb);
				continue;
			}
			if (nfesp_flow_parse(skb, pol->sel.family, &fl)) {
				kfree_skb(skb);
				continue;
			}
			nfesp_output_policy(nn, pol, &fl, skb);
		}
		rcu_read_unlock_bh();
	}
	spin_lock_bh(&nn->acq_lock);
	list_splice(&todo, &nn->acq_list);
	spin_unlock_bh(&nn->acq_lock);
}

/* @pol was unlinked: drop what it holds and stop its timer for good. */
void nfesp_acquire_flush_policy(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	struct sk_buff_head list;

	lockdep_assert_held(&nn->lock);

	__skb_queue_head_init(&list);
	spin_lock_bh(&pol->held.lock);
	pol->dead = true;
	skb_queue_splice_init(&pol->held, &list);
	pol->acq_pending = false;
	acq_list_del(nn, pol);
	spin_unlock_bh(&pol->held.lock);
	timer_delete_sync(&pol->acq_timer);
	drop_held(nn, &list, NFESP_STATS_A_OUT_NO_SA);
}

/*
 * Drop the packets held with @dev, which is unregistering: their skb->dev
 * is about to be freed. Under RTNL, so no nn->lock (a mutex that is held
 * while RTNL is taken elsewhere): the SPD is walked under RCU, and a policy
 * unlinked meanwhile has had its queue emptied and holds nothing more.
 */
static void dev_gone(struct nfesp_net *nn, struct net_device *dev)
{
	struct nfesp_policy *pol;
	struct sk_buff_head list;
	struct sk_buff *skb, *tmp;

	ASSERT_RTNL();

	__skb_queue_head_init(&list);
	rcu_read_lock();
	list_for_each_entry_rcu(pol, &nn->spd, node) {
		if (skb_queue_empty_lockless(&pol->held))
			continue;
		spin_lock_bh(&pol->held.lock);
		skb_queue_walk_safe(&pol->held, skb, tmp) {
			if (skb->dev == dev) {
				__skb_unlink(skb, &pol->held);
				__skb_queue_tail(&list, skb);
			}
		}
		spin_unlock_bh(&pol->held.lock);
	}
	rcu_read_unlock();
	drop_held(nn, &list, NFESP_STATS_A_OUT_HELD_DEV_GONE);
}

static int acquire_netdev_event(struct notifier_block *nb, unsigned long event,
				void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nfesp_net *nn;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	nn = nfesp_net(dev_net(dev));
	/* Also false in a namespace nfesp has left, whose counters are gone. */
	if (atomic_read(&nn->held))
		dev_gone(nn, dev);
	return NOTIFY_DONE;
}

static struct notifier_block acquire_netdev_notifier = {
	.notifier_call = acquire_netdev_event,
};

int nfesp_acquire_init(void)
{
	return register_netdevice_notifier(&acquire_netdev_notifier);
}

void nfesp_acquire_uninit(void)
{
	unregister_netdevice_notifier(&acquire_netdev_notifier);
}
