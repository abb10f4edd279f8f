// SPDX-License-Identifier: GPL-2.0-only
/*
 * The monitor device: "ip link add nfesp0 type nfesp" makes one in a
 * network namespace, and packet sockets on it (tcpdump -i nfesp0) see the
 * cleartext of the namespace's protected traffic, inbound once decrypted
 * and checked, outbound before it is encrypted, as OpenBSD's enc0 shows
 * it. Copies are made only while something listens.
 *
 * It is a window, not a path: decrypted packets enter the stack through
 * the device their ESP arrived on (rx.c), the copies shown here go no
 * further, and anything routed into the device is dropped. One per
 * namespace, of any name; it stays in the namespace it was made in and goes
 * with it, or with the module. A namespace that never asks for one has
 * none.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>
#include "compat.h"
#include "datapath.h"
#include "netns.h"

#define NFESP_LINK_KIND "nfesp"

static netdev_tx_t dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops nfesp_netdev_ops = {
	.ndo_start_xmit = dev_xmit,
};

static void dev_setup(struct net_device *dev)
{
	dev->netdev_ops = &nfesp_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_NOARP;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	dev->needs_free_netdev = true;
	nfesp_dev_set_netns_local(dev);
	nfesp_dev_set_lltx(dev);
}

static struct net_device *monitor(struct nfesp_net *nn)
{
	return rcu_dereference_protected(nn->mon, lockdep_rtnl_is_held());
}

static int dev_newlink(struct net *src_net, struct net_device *dev, struct nlattr *tb[],
		       struct nlattr *data[], struct netlink_ext_ack *extack)
{
	struct nfesp_net *nn = nfesp_net(dev_net(dev));
	int err;

	if (monitor(nn)) {
		NL_SET_ERR_MSG_MOD(extack, "this namespace has an nfesp device already");
		return -EEXIST;
	}
	err = register_netdevice(dev);
	if (err)
		return err;
	rcu_assign_pointer(nn->mon, dev);
	return 0;
}

static void dev_dellink(struct net_device *dev, struct list_head *head)
{
	struct nfesp_net *nn = nfesp_net(dev_net(dev));

	if (monitor(nn) == dev)
		RCU_INIT_POINTER(nn->mon, NULL);
	/* Unregistering waits for readers before the device is freed. */
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops nfesp_link_ops __read_mostly = {
	.kind = NFESP_LINK_KIND,
	.setup = dev_setup,
	.newlink = dev_newlink,
	.dellink = dev_dellink,
};

int nfesp_device_init(void)
{
	return rtnl_link_register(&nfesp_link_ops);
}

/* Deletes every monitor device, in every namespace. */
void nfesp_device_uninit(void)
{
	rtnl_link_unregister(&nfesp_link_ops);
}

/* The namespace goes: its monitor device with it, before its state. */
void nfesp_device_net_exit(struct nfesp_net *nn)
{
	struct net_device *dev;

	rtnl_lock();
	dev = monitor(nn);
	if (dev)
		dev_dellink(dev, NULL);
	rtnl_unlock();
}

/* The monitor device if something listens on it, under RCU. */
static struct net_device *listening(struct nfesp_net *nn)
{
	struct net_device *dev = rcu_dereference(nn->mon);

	if (!dev || !(dev->flags & IFF_UP) || !dev_nit_active(dev))
		return NULL;
	return dev;
}

/*
 * Inbound cleartext, network header at skb->data: a copy, received on the
 * monitor device as a packet for another host, which packet sockets see
 * and the IP layer drops at once.
 */
void nfesp_device_tap_in(struct nfesp_net *nn, struct sk_buff *skb)
{
	struct net_device *dev;
	struct sk_buff *copy;

	rcu_read_lock();
	dev = listening(nn);
	if (!dev)
		goto out;
	copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy) {
		DEV_STATS_INC(dev, rx_dropped);
		goto out;
	}
	copy->dev = dev;
	copy->pkt_type = PACKET_OTHERHOST;
	skb_reset_mac_header(copy);
	copy->mac_len = 0;
	DEV_STATS_INC(dev, rx_packets);
	DEV_STATS_ADD(dev, rx_bytes, copy->len);
	netif_rx(copy);
out:
	rcu_read_unlock();
}

/* Outbound cleartext, for packet sockets on the monitor device. */
void nfesp_device_tap_out(struct nfesp_net *nn, struct sk_buff *skb)
{
	struct net_device *dev, *orig;

	rcu_read_lock();
	dev = listening(nn);
	if (dev) {
		orig = skb->dev;
		skb->dev = dev;
		dev_queue_xmit_nit(skb, dev);
		skb->dev = orig;
		DEV_STATS_INC(dev, tx_packets);
		DEV_STATS_ADD(dev, tx_bytes, skb->len);
	}
	rcu_read_unlock();
}

MODULE_ALIAS_RTNL_LINK(NFESP_LINK_KIND);
