// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reassembly before PRE_ROUTING, borrowed from nf_defrag_ipv4 and
 * nf_defrag_ipv6 as conntrack does. Their symbols are looked up when the
 * module loads, loading those modules on demand (request_module of
 * "symbol:NAME"), rather than linked: a plain insmod of nfesp.ko on a
 * freshly booted router then works, with no modprobe first. The references
 * taken here keep both modules loaded until nfesp unloads.
 */

#include <linux/kmod.h>
#include <linux/module.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include "defrag.h"

static struct {
	int (*enable4)(struct net *net);
	void (*disable4)(struct net *net);
	int (*enable6)(struct net *net);
	void (*disable6)(struct net *net);
} defrag;

static void defrag_put(void)
{
	if (defrag.disable6)
		symbol_put(nf_defrag_ipv6_disable);
	if (defrag.enable6)
		symbol_put(nf_defrag_ipv6_enable);
	if (defrag.disable4)
		symbol_put(nf_defrag_ipv4_disable);
	if (defrag.enable4)
		symbol_put(nf_defrag_ipv4_enable);
	memset(&defrag, 0, sizeof(defrag));
}

int nfesp_defrag_init(void)
{
	defrag.enable4 = symbol_request(nf_defrag_ipv4_enable);
	defrag.disable4 = symbol_request(nf_defrag_ipv4_disable);
	defrag.enable6 = symbol_request(nf_defrag_ipv6_enable);
	defrag.disable6 = symbol_request(nf_defrag_ipv6_disable);
	if (!defrag.enable4 || !defrag.disable4 || !defrag.enable6 || !defrag.disable6) {
		pr_err("cannot load nf_defrag_ipv4 and nf_defrag_ipv6 (CONFIG_NF_DEFRAG_IPV4/6)\n");
		defrag_put();
		return -ENOENT;
	}
	return 0;
}

void nfesp_defrag_uninit(void)
{
	defrag_put();
}

int nfesp_defrag_enable(struct net *net)
{
	int err;

	err = defrag.enable4(net);
	if (err)
		return err;
	err = defrag.enable6(net);
	if (err)
		goto err_disable4;
	return 0;

err_disable4:
	defrag.disable4(net);
	return err;
}

void nfesp_defrag_disable(struct net *net)
{
	defrag.disable6(net);
	defrag.disable4(net);
}
