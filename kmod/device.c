// SPDX-License-Identifier: GPL-2.0-only
/*
 * nfesp0, one per network namespace: where decrypted packets re-enter the
 * stack, like OpenBSD's enc0. nftables can match "arrived through IPsec" with
 * iifname "nfesp0", and tcpdump -i nfesp0 sees the cleartext of protected
 * traffic, inbound as it arrives and outbound before it is encrypted.
 *
 * It carries no traffic of its own: anything routed into it is dropped. It
 * cannot be deleted or moved to another namespace, and goes with the
 * namespace or the module.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/dst.h>
#include <net/gro_cells.h>
#include "compat.h"
#include "datapath.h"
#include "netns.h"

#define NFESP_DEV_NAME "nfesp0"
/*
 * Decrypted packets enter through one GRO cell (a NAPI context) per CPU: a
 * CPU's packets reach the stack in the order that CPU hands them over, and
 * TCP segments are merged. crypt.c hands each SA's spread packets over on
 * the CPU they arrived on, in order.
 */
struct nfesp_dev {
	struct gro_cells cells;
};

static void dev_destruct(struct net_device *dev)
{
	struct nfesp_dev *nd = netdev_priv(dev);

	gro_cells_destroy(&nd->cells);
}

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
	dev->features |= NETIF_F_GRO;
}

int nfesp_device_create(struct nfesp_net *nn)
{
	struct net_device *dev;
	struct nfesp_dev *nd;
	int err;

	dev = alloc_netdev(sizeof(*nd), NFESP_DEV_NAME, NET_NAME_PREDICTABLE, dev_setup);
	if (!dev)
		return -ENOMEM;
	dev_net_set(dev, nn->net);
	nd = netdev_priv(dev);
	err = gro_cells_init(&nd->cells, dev);
	if (err) {
		free_netdev(dev);
		return err;
	}

	rtnl_lock();
	err = register_netdevice(dev);
	if (err) {
		rtnl_unlock();
		gro_cells_destroy(&nd->cells);
		free_netdev(dev);
		return err;
	}
	/* From now on, unregistering frees the cells and the device. */
	dev->priv_destructor = dev_destruct;
	err = dev_change_flags(dev, dev->flags | IFF_UP, NULL);
	if (err) {
		unregister_netdevice(dev);
		rtnl_unlock();
		return err;
	}
	rtnl_unlock();
	WRITE_ONCE(nn->dev, dev);
	return 0;
}

void nfesp_device_destroy(struct nfesp_net *nn)
{
	struct net_device *dev = nn->dev;

	if (!dev)
		return;
	WRITE_ONCE(nn->dev, NULL);
	unregister_netdev(dev);
}

/* A decrypted, checked packet, network header first: into the stack. */
void nfesp_device_rx(struct nfesp_net *nn, struct sk_buff *skb)
{
	struct net_device *dev = READ_ONCE(nn->dev);
	struct nfesp_dev *nd;
	unsigned int len;

	if (unlikely(!dev)) {
		kfree_skb(skb);
		return;
	}
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	nd = netdev_priv(dev);
	len = skb->len;
	if (unlikely(gro_cells_receive(&nd->cells, skb) != NET_RX_SUCCESS)) {
		DEV_STATS_INC(dev, rx_dropped);
		return;
	}
	DEV_STATS_INC(dev, rx_packets);
	DEV_STATS_ADD(dev, rx_bytes, len);
}

/* Outbound cleartext, for packet sockets on nfesp0 only; costs nothing else. */
void nfesp_device_tap_out(struct nfesp_net *nn, struct sk_buff *skb)
{
	struct net_device *dev = READ_ONCE(nn->dev), *orig;

	if (!dev || !dev_nit_active(dev))
		return;
	orig = skb->dev;
	skb->dev = dev;
	dev_queue_xmit_nit(skb, dev);
	skb->dev = orig;
	DEV_STATS_INC(dev, tx_packets);
	DEV_STATS_ADD(dev, tx_bytes, skb->len);
}
