// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SPD. Policies sit in one list in match order, ascending priority and
 * then the order they were added, which the packet path walks under RCU.
 * They are also hashed by direction and selector, to refuse duplicates and
 * delete by selector without a walk, and kept by id in an xarray.
 */

#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include "datapath.h"
#include "netns.h"
#include "policy.h"

unsigned int nfesp_max_policies = NFESP_MAX_POLICIES;
module_param_named(max_policies, nfesp_max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "policies per network namespace (default and at most 65536)");

static const struct rhashtable_params spd_params = {
	.head_offset = offsetof(struct nfesp_policy, hnode),
	.key_offset = offsetof(struct nfesp_policy, sel),
	.key_len = sizeof(struct nfesp_selector),
	.automatic_shrinking = true,
};

static void policy_free_rcu(struct rcu_head *rcu)
{
	struct nfesp_policy *pol = container_of(rcu, struct nfesp_policy, rcu);

	if (!pol->stats_moved)
		free_percpu(pol->stats);
	kfree(pol);
}

void nfesp_policy_stats_read(const struct nfesp_policy *pol,
			     struct nfesp_policy_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct nfesp_policy_stats *p = per_cpu_ptr(pol->stats, cpu);

		st->packets += p->packets;
		st->bytes += p->bytes;
	}
}

static bool prefix_match(const union nfesp_addr *a, const union nfesp_addr *p,
			 u8 plen, u8 family)
{
	if (family == AF_INET)
		return !plen || !((a->ip4 ^ p->ip4) & htonl(~0U << (32 - plen)));
	return ipv6_prefix_equal(&a->ip6, &p->ip6, plen);
}

/* A port the packet does not let nfesp read matches any range. */
static bool port_match(const struct nfesp_flow *fl, __be16 port, u16 min, u16 max)
{
	if ((!min && max == U16_MAX) || (fl->unknown & NFESP_FLOW_UNKNOWN_PORTS))
		return true;
	return fl->has_ports && ntohs(port) >= min && ntohs(port) <= max;
}

/*
 * Unknown fields match anything: the caller asks nfesp_flow_ambiguous()
 * whether the match depended on them.
 */
bool nfesp_selector_match(const struct nfesp_selector *sel, u8 dir,
			  const struct nfesp_flow *fl)
{
	return sel->dir == dir && sel->family == fl->family &&
	       (!sel->proto || sel->proto == fl->proto ||
		(fl->unknown & NFESP_FLOW_UNKNOWN_PROTO)) &&
	       prefix_match(&fl->src, &sel->src, sel->src_plen, fl->family) &&
	       prefix_match(&fl->dst, &sel->dst, sel->dst_plen, fl->family) &&
	       port_match(fl, fl->sport, sel->sport_min, sel->sport_max) &&
	       port_match(fl, fl->dport, sel->dport_min, sel->dport_max);
}

struct nfesp_policy *nfesp_policy_find_locked(struct nfesp_net *nn,
					      const struct nfesp_selector *sel)
{
	lockdep_assert_held(&nn->lock);
	return rhashtable_lookup_fast(&nn->spd_by_sel, sel, spd_params);
}

/* Insert after every policy that comes first: lower or equal priority. */
static void spd_insert_ordered(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	struct nfesp_policy *pos;

	lockdep_assert_held(&nn->lock);

	list_for_each_entry_reverse(pos, &nn->spd, node) {
		if (pos->priority <= pol->priority) {
			list_add_rcu(&pol->node, &pos->node);
			return;
		}
	}
	list_add_rcu(&pol->node, &nn->spd);
}

/* A policy from @cfg, in no index yet, without its counters. */
static struct nfesp_policy *policy_alloc(struct nfesp_net *nn,
					 const struct nfesp_policy_config *cfg)
{
	struct nfesp_policy *pol;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
	if (!pol)
		return NULL;
	pol->sel = cfg->sel;
	pol->priority = cfg->priority;
	pol->action = cfg->action;
	pol->mode = cfg->mode;
	pol->tunnel_family = cfg->tunnel_family;
	pol->local = cfg->local;
	pol->peer = cfg->peer;
	pol->reqid = cfg->reqid;
	pol->owner = cfg->owner;
	pol->flags = cfg->flags;
	pol->nn = nn;
	nfesp_acquire_init_policy(pol);
	return pol;
}

struct nfesp_policy *nfesp_policy_create(struct nfesp_net *nn,
					 const struct nfesp_policy_config *cfg,
					 struct netlink_ext_ack *extack)
{
	struct nfesp_policy *pol;
	int err;

	lockdep_assert_held(&nn->lock);

	if (nn->policy_count >= min(READ_ONCE(nfesp_max_policies),
				    NFESP_MAX_POLICIES)) {
		NL_SET_ERR_MSG_MOD(extack, "SPD is full");
		return ERR_PTR(-ENOSPC);
	}
	pol = policy_alloc(nn, cfg);
	if (!pol)
		return ERR_PTR(-ENOMEM);
	pol->stats = alloc_percpu_gfp(struct nfesp_policy_stats, GFP_KERNEL_ACCOUNT);
	if (!pol->stats) {
		err = -ENOMEM;
		goto err_free_policy;
	}

	err = rhashtable_lookup_insert_fast(&nn->spd_by_sel, &pol->hnode, spd_params);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack,
					   "a policy with this direction and selector exists");
		goto err_free_stats;
	}
	err = xa_alloc_cyclic(&nn->policy_by_id, &pol->id, pol,
			      XA_LIMIT(1, U32_MAX), &nn->policy_next_id,
			      GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		NL_SET_ERR_MSG_MOD(extack, "out of policy ids");
		goto err_unhash;
	}
	pol->seq = nn->policy_seq++;
	err = nfesp_classify_insert(nn, pol);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "cannot grow the SPD");
		goto err_erase_id;
	}
	spd_insert_ordered(nn, pol);
	nn->policy_count++;
	nn->spd_gen++;
	pr_debug("policy %u created\n", pol->id);
	return pol;

err_erase_id:
	xa_erase(&nn->policy_by_id, pol->id);
err_unhash:
	rhashtable_remove_fast(&nn->spd_by_sel, &pol->hnode, spd_params);
err_free_stats:
	free_percpu(pol->stats);
err_free_policy:
	kfree(pol);
	return ERR_PTR(err);
}

/*
 * Replace @old by a policy made from @cfg, in place: it keeps the id, the
 * counters and, if the priority stays, the place in the SPD's order. No
 * packet finds neither policy: the new one is in every index before the old
 * one leaves them. Lookups go class by class (classify.c); if the two are
 * in different classes, a reader could have passed the new one's class
 * before it came and reach the old one's after it went, so the old one
 * stays for a grace period beside the new one. In the same class a packet
 * that both select has one key, under which the new policy is linked ahead
 * of the old one.
 *
 * Packets held for an acquire by the old policy are dropped as when it is
 * deleted; the new one holds the next and asks again.
 */
struct nfesp_policy *nfesp_policy_replace(struct nfesp_net *nn,
					  struct nfesp_policy *old,
					  const struct nfesp_policy_config *cfg,
					  struct netlink_ext_ack *extack)
{
	bool same_sel = !memcmp(&old->sel, &cfg->sel, sizeof(cfg->sel));
	struct nfesp_policy *pol;
	int err;

	lockdep_assert_held(&nn->lock);

	pol = policy_alloc(nn, cfg);
	if (!pol)
		return ERR_PTR(-ENOMEM);
	if (!same_sel) {
		err = rhashtable_lookup_insert_fast(&nn->spd_by_sel, &pol->hnode,
						    spd_params);
		if (err) {
			if (err == -EEXIST)
				NL_SET_ERR_MSG_MOD(extack,
						   "another policy with this direction and selector exists");
			goto err_free_policy;
		}
	}
	pol->id = old->id;
	pol->stats = old->stats;
	pol->seq = pol->priority == old->priority ? old->seq : nn->policy_seq++;
	err = nfesp_classify_insert(nn, pol);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "cannot grow the SPD");
		goto err_unhash;
	}

	/* Nothing fails from here on: the new policy is in the lookup. */
	if (same_sel)
		rhashtable_replace_fast(&nn->spd_by_sel, &old->hnode, &pol->hnode,
					spd_params);
	else
		rhashtable_remove_fast(&nn->spd_by_sel, &old->hnode, spd_params);
	xa_store(&nn->policy_by_id, pol->id, pol, GFP_KERNEL_ACCOUNT);
	if (pol->priority == old->priority) {
		list_replace_rcu(&old->node, &pol->node);
	} else {
		spd_insert_ordered(nn, pol);
		list_del_rcu(&old->node);
	}
	if (pol->cls != old->cls)
		synchronize_rcu();
	nfesp_classify_remove(nn, old);
	nn->spd_gen++;
	nfesp_acquire_flush_policy(nn, old);
	/* The counters went to @pol; readers of @old still add to them. */
	old->stats_moved = true;
	pr_debug("policy %u created\n", pol->id);
	pr_debug("policy %u destroyed\n", old->id);
	call_rcu(&old->rcu, policy_free_rcu);
	return pol;

err_unhash:
	if (!same_sel)
		rhashtable_remove_fast(&nn->spd_by_sel, &pol->hnode, spd_params);
err_free_policy:
	kfree(pol);
	return ERR_PTR(err);
}

void nfesp_policy_unlink(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	lockdep_assert_held(&nn->lock);

	list_del_rcu(&pol->node);
	nfesp_classify_remove(nn, pol);
	rhashtable_remove_fast(&nn->spd_by_sel, &pol->hnode, spd_params);
	xa_erase(&nn->policy_by_id, pol->id);
	nn->policy_count--;
	nn->spd_gen++;
	nfesp_acquire_flush_policy(nn, pol);
	pr_debug("policy %u destroyed\n", pol->id);
	call_rcu(&pol->rcu, policy_free_rcu);
}

void nfesp_policy_flush(struct nfesp_net *nn)
{
	struct nfesp_policy *pol, *tmp;

	lockdep_assert_held(&nn->lock);

	list_for_each_entry_safe(pol, tmp, &nn->spd, node)
		nfesp_policy_unlink(nn, pol);
}

int nfesp_spd_init(struct nfesp_net *nn)
{
	int err;

	err = rhashtable_init(&nn->spd_by_sel, &spd_params);
	if (err)
		return err;
	INIT_LIST_HEAD(&nn->spd);
	spin_lock_init(&nn->acq_lock);
	INIT_LIST_HEAD(&nn->acq_list);
	nfesp_classify_init(nn);
	xa_init_flags(&nn->policy_by_id, XA_FLAGS_ALLOC1);
	return 0;
}

void nfesp_spd_destroy(struct nfesp_net *nn)
{
	mutex_lock(&nn->lock);
	nfesp_policy_flush(nn);
	mutex_unlock(&nn->lock);
	nfesp_classify_destroy(nn);
	rhashtable_destroy(&nn->spd_by_sel);
	xa_destroy(&nn->policy_by_id);
}
