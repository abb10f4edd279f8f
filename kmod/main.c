// SPDX-License-Identifier: GPL-2.0-only
/*
 * nfesp: IPsec ESP for Linux as a loadable module, with policies matched from
 * netfilter hooks and a generic netlink control plane.
 */

#include <linux/module.h>
#include "conntrack.h"
#include "datapath.h"
#include "defrag.h"
#include "netlink.h"
#include "netns.h"
#include "replay.h"
#include "sa.h"

/* Kbuild passes the file VERSION's. */
#ifndef NFESP_VERSION
#define NFESP_VERSION "unknown"
#endif

static int __init nfesp_mod_init(void)
{
	int err;

	/*
	 * Per-CPU u64 counters (SA, policy and namespace statistics) are read
	 * without u64_stats_sync, which only 64-bit kernels can afford: they
	 * alone are supported (README).
	 */
	BUILD_BUG_ON(BITS_PER_LONG != 64);
	if (!nfesp_replay_selftest())
		return -ENOTRECOVERABLE;
	err = nfesp_defrag_init();
	if (err)
		return err;
	err = nfesp_conntrack_init();
	if (err)
		goto err_uninit_defrag;
	err = nfesp_sa_init();
	if (err)
		goto err_uninit_conntrack;
	err = nfesp_crypt_init();
	if (err)
		goto err_uninit_sa;
	err = nfesp_rx_init();
	if (err)
		goto err_uninit_crypt;
	err = nfesp_netns_init();
	if (err)
		goto err_uninit_rx;
	err = nfesp_device_init();
	if (err)
		goto err_uninit_netns;
	err = nfesp_acquire_init();
	if (err)
		goto err_uninit_device;
	err = nfesp_genl_init();
	if (err)
		goto err_uninit_acquire;
	pr_info("version " NFESP_VERSION " loaded\n");
	return 0;

err_uninit_acquire:
	nfesp_acquire_uninit();
err_uninit_device:
	nfesp_device_uninit();
err_uninit_netns:
	nfesp_netns_uninit();
err_uninit_rx:
	nfesp_rx_uninit();
err_uninit_crypt:
	nfesp_crypt_uninit();
err_uninit_sa:
	nfesp_sa_uninit();
err_uninit_conntrack:
	nfesp_conntrack_uninit();
err_uninit_defrag:
	nfesp_defrag_uninit();
	return err;
}

static void __exit nfesp_mod_exit(void)
{
	/* No new requests, then no namespaces, then wait for deferred frees. */
	nfesp_genl_uninit();
	nfesp_acquire_uninit();
	nfesp_device_uninit();
	nfesp_netns_uninit();
	nfesp_rx_uninit();
	nfesp_crypt_uninit();
	nfesp_sa_uninit();
	rcu_barrier();
	nfesp_conntrack_uninit();
	nfesp_defrag_uninit();
	pr_info("unloaded\n");
}

module_init(nfesp_mod_init);
module_exit(nfesp_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec ESP with netfilter-selected traffic");
MODULE_AUTHOR("nfesp developers");
MODULE_VERSION(NFESP_VERSION);
MODULE_ALIAS_GENL_FAMILY(NFESP_GENL_NAME);
