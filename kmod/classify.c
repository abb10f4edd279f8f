// SPDX-License-Identifier: GPL-2.0-only
/*
 * SPD lookup without a linear scan: tuple space search. Policies are
 * grouped into classes by (direction, family, source prefix length,
 * destination prefix length); each class hashes its policies by their
 * masked source and destination. A packet is looked up once per class,
 * with its addresses masked to that class's lengths, and the match that
 * comes first in SPD order (priority, then age) wins. Real SPDs use few
 * distinct prefix-length pairs, so a lookup costs a few hash probes
 * whatever the number of policies.
 *
 * Classes are created under nn->lock and read under RCU. An emptied class
 * leaves the lookup list but is kept, and revived if its lengths come back,
 * until the namespace goes: readers never see one freed. It is revived only
 * after a grace period since it left: a reader still standing on it would
 * otherwise follow it to its new place and skip the classes in between.
 */

#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include "datapath.h"
#include "netns.h"
#include "policy.h"

struct nfesp_class {
	struct list_head node;		/* in nn->classes[dir][fam], RCU */
	struct list_head all;		/* in nn->class_all, under nn->lock */
	u8 dir;
	u8 family;
	u8 src_plen;
	u8 dst_plen;
	unsigned int count;
	unsigned long gp;		/* RCU state when it left the list */
	struct rhltable tbl;
};

/* Policies are keyed by the selector's addresses, which have no host bits. */
struct class_key {
	union nfesp_addr src;
	union nfesp_addr dst;
};

static const struct rhashtable_params class_params = {
	.head_offset = offsetof(struct nfesp_policy, cnode),
	.key_offset = offsetof(struct nfesp_policy, sel.src),
	.key_len = sizeof(struct class_key),
	.automatic_shrinking = true,
};

static_assert(offsetof(struct nfesp_selector, dst) ==
	      offsetof(struct nfesp_selector, src) + sizeof(union nfesp_addr));

static struct list_head *class_list(struct nfesp_net *nn, u8 dir, u8 family)
{
	return &nn->classes[dir][family == AF_INET6];
}

static void mask_addr(union nfesp_addr *out, const union nfesp_addr *in, u8 plen,
		      u8 family)
{
	if (family == AF_INET)
		out->ip4 = plen ? in->ip4 & htonl(~0U << (32 - plen)) : 0;
	else
		ipv6_addr_prefix(&out->ip6, &in->ip6, plen);
}

static bool comes_first(const struct nfesp_policy *a, const struct nfesp_policy *b)
{
	return !b || a->priority < b->priority ||
	       (a->priority == b->priority && a->seq < b->seq);
}

/*
 * Packet path, under RCU (netfilter hooks hold it): the first policy in SPD
 * order whose selector covers the packet.
 */
struct nfesp_policy *nfesp_spd_lookup(struct nfesp_net *nn, u8 dir,
				      const struct nfesp_flow *fl)
{
	struct nfesp_policy *pol, *best = NULL;
	struct nfesp_class *cls;
	struct rhlist_head *list, *pos;

	list_for_each_entry_rcu(cls, class_list(nn, dir, fl->family), node) {
		struct class_key k = { };

		mask_addr(&k.src, &fl->src, cls->src_plen, fl->family);
		mask_addr(&k.dst, &fl->dst, cls->dst_plen, fl->family);
		list = rhltable_lookup(&cls->tbl, &k, class_params);
		rhl_for_each_entry_rcu(pol, pos, list, cnode)
			if (comes_first(pol, best) && nfesp_selector_match(&pol->sel, dir, fl))
				best = pol;
	}
	return best;
}

/* An emptied class leaves the lookup list; see class_get() for its return. */
static void class_unlink(struct nfesp_class *cls)
{
	list_del_rcu(&cls->node);
	cls->gp = get_state_synchronize_rcu();
}

static struct nfesp_class *class_get(struct nfesp_net *nn, const struct nfesp_selector *sel)
{
	struct nfesp_class *cls;

	lockdep_assert_held(&nn->lock);

	list_for_each_entry(cls, &nn->class_all, all) {
		if (cls->dir != sel->dir || cls->family != sel->family ||
		    cls->src_plen != sel->src_plen || cls->dst_plen != sel->dst_plen)
			continue;
		if (!cls->count) {
			cond_synchronize_rcu(cls->gp);
			list_add_tail_rcu(&cls->node, class_list(nn, sel->dir, sel->family));
		}
		return cls;
	}
	cls = kzalloc(sizeof(*cls), GFP_KERNEL_ACCOUNT);
	if (!cls)
		return NULL;
	if (rhltable_init(&cls->tbl, &class_params)) {
		kfree(cls);
		return NULL;
	}
	cls->dir = sel->dir;
	cls->family = sel->family;
	cls->src_plen = sel->src_plen;
	cls->dst_plen = sel->dst_plen;
	list_add_tail(&cls->all, &nn->class_all);
	list_add_tail_rcu(&cls->node, class_list(nn, sel->dir, sel->family));
	return cls;
}

int nfesp_classify_insert(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	struct nfesp_class *cls;
	int err;

	lockdep_assert_held(&nn->lock);

	cls = class_get(nn, &pol->sel);
	if (!cls)
		return -ENOMEM;
	err = rhltable_insert(&cls->tbl, &pol->cnode, class_params);
	if (err) {
		if (!cls->count)
			class_unlink(cls);
		return err;
	}
	cls->count++;
	pol->cls = cls;
	return 0;
}

void nfesp_classify_remove(struct nfesp_net *nn, struct nfesp_policy *pol)
{
	struct nfesp_class *cls = pol->cls;

	lockdep_assert_held(&nn->lock);

	rhltable_remove(&cls->tbl, &pol->cnode, class_params);
	if (!--cls->count)
		class_unlink(cls);
}

void nfesp_classify_init(struct nfesp_net *nn)
{
	int d, f;

	for (d = 0; d <= NFESP_DIR_MAX; d++)
		for (f = 0; f < 2; f++)
			INIT_LIST_HEAD(&nn->classes[d][f]);
	INIT_LIST_HEAD(&nn->class_all);
}

/* Every policy is gone and no hook runs any more. */
void nfesp_classify_destroy(struct nfesp_net *nn)
{
	struct nfesp_class *cls, *tmp;

	synchronize_rcu();
	list_for_each_entry_safe(cls, tmp, &nn->class_all, all) {
		WARN_ON_ONCE(cls->count);
		rhltable_destroy(&cls->tbl);
		kfree(cls);
	}
	INIT_LIST_HEAD(&nn->class_all);
}
