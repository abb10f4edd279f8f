// SPDX-License-Identifier: GPL-2.0-only
/* Per network namespace state, created and torn down with the namespace. */

#include <linux/slab.h>
#include <net/netns/generic.h>
#include "datapath.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

static unsigned int nfesp_net_id __read_mostly;

struct nfesp_net *nfesp_net(const struct net *net)
{
	return net_generic(net, nfesp_net_id);
}

u64 nfesp_net_stat(const struct nfesp_net *nn, enum nfesp_stats_attr what)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(nn->stats, cpu)->cnt[what];
	return sum;
}

static int __net_init nfesp_net_init(struct net *net)
{
	struct nfesp_net *nn = nfesp_net(net);
	int err;

	nn->net = net;
	mutex_init(&nn->lock);
	nn->stats = alloc_percpu(struct nfesp_net_stats);
	if (!nn->stats)
		return -ENOMEM;
	err = nfesp_sad_init(nn);
	if (err)
		goto err_free_stats;
	err = nfesp_spd_init(nn);
	if (err)
		goto err_destroy_sad;
	err = nfesp_rx_net_init(nn);
	if (err)
		goto err_destroy_spd;
	return 0;

err_destroy_spd:
	nfesp_spd_destroy(nn);
err_destroy_sad:
	nfesp_sad_destroy(nn);
err_free_stats:
	free_percpu(nn->stats);
	return err;
}

static void __net_exit nfesp_net_exit(struct net *net)
{
	struct nfesp_net *nn = nfesp_net(net);

	/*
	 * No packet may enter nfesp once the hooks are gone; then wait for
	 * those in crypto, whose completions still use the SAs, the placeholder
	 * state (rx.c) and the counters.
	 */
	nfesp_device_net_exit(nn);
	mutex_lock(&nn->lock);
	nfesp_hooks_disable(nn);
	mutex_unlock(&nn->lock);
	nfesp_inflight_drain(nn);
	nfesp_spd_destroy(nn);
	nfesp_sad_destroy(nn);
	nfesp_rx_net_exit(nn);
	free_percpu(nn->stats);
}

static struct pernet_operations nfesp_net_ops = {
	.init = nfesp_net_init,
	.exit = nfesp_net_exit,
	.id = &nfesp_net_id,
	.size = sizeof(struct nfesp_net),
};

int nfesp_netns_init(void)
{
	/* A device: torn down before the core's default_device_exit. */
	return register_pernet_device(&nfesp_net_ops);
}

void nfesp_netns_uninit(void)
{
	unregister_pernet_device(&nfesp_net_ops);
}
