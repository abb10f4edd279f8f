// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decrypted packets back into the stack, as XFRM's are: through the device
 * the ESP arrived on, with the Ethernet header it arrived with. For
 * neighbour discovery, reverse path filtering, routing and sockets they
 * arrived there, which is what hosts and routers rely on: an IPv6 Neighbour
 * Advertisement that came inside ESP updates that interface's neighbour
 * cache, and rp_filter finds the route back to the inner source through it.
 *
 * "Arrived through IPsec" is what the kernel says it is for XFRM: the
 * packet carries a security path (skb extension), here with one entry, a
 * placeholder state of this namespace that is never in XFRM's SAD. nftables
 * matches it with "meta ipsec exists". The placeholder is a transport-mode state of no protocol:
 * with no XFRM policy the stack accepts such packets (XFRM refuses
 * tunnel-mode states there), and no XFRM template, which always names AH,
 * ESP or IPComp, is satisfied by it, so an XFRM policy in the same
 * namespace still demands its own SAs. nfesp's own hooks know their
 * packets by the placeholder being the last entry.
 *
 * Packets enter through one GRO cell (a NAPI context) per CPU: a CPU's
 * packets reach the stack in the order that CPU hands them over, and TCP
 * segments are merged. crypt.c hands each SA's spread packets over on the
 * CPU they arrived on, in order. The cells belong to the module and to a
 * device that is never registered, as XFRM's do.
 */

#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/gro_cells.h>
#include <net/xfrm.h>
#include "compat.h"
#include "datapath.h"
#include "netns.h"

static struct net_device *napi_dev;
static struct gro_cells cells;

int nfesp_rx_init(void)
{
	int err;

	napi_dev = kzalloc(sizeof(*napi_dev), GFP_KERNEL);
	if (!napi_dev)
		return -ENOMEM;
	init_dummy_netdev(napi_dev);
	err = gro_cells_init(&cells, napi_dev);
	if (err)
		goto err_free_dev;
	return 0;

err_free_dev:
	kfree(napi_dev);
	return err;
}

/* After the last namespace: nothing hands packets over any more. */
void nfesp_rx_uninit(void)
{
	gro_cells_destroy(&cells);
	kfree(napi_dev);
}

int nfesp_rx_net_init(struct nfesp_net *nn)
{
	struct xfrm_state *x;

	x = xfrm_state_alloc(nn->net);
	if (!x)
		return -ENOMEM;
	x->props.mode = XFRM_MODE_TRANSPORT;
	x->km.state = XFRM_STATE_VALID;
	nn->rx_state = x;
	return 0;
}

/*
 * Packets of this namespace may still hold the placeholder (in a socket's
 * queue, say): the last of them frees it, in XFRM's garbage collector.
 */
void nfesp_rx_net_exit(struct nfesp_net *nn)
{
	struct xfrm_state *x = nn->rx_state;

	if (!x)
		return;
	x->km.state = XFRM_STATE_DEAD;
	nn->rx_state = NULL;
	xfrm_state_put(x);
}

/* Decrypted by nfesp in this namespace, and not transformed again since. */
bool nfesp_rx_decrypted(const struct nfesp_net *nn, const struct sk_buff *skb)
{
	const struct sec_path *sp = skb_sec_path(skb);

	return sp && sp->len && sp->xvec[sp->len - 1] == nn->rx_state;
}

static int mark(struct nfesp_net *nn, struct sk_buff *skb)
{
	struct sec_path *sp;

	sp = secpath_set(skb);
	if (!sp)
		return -ENOMEM;
	/* Nested in XFRM's own SAs up to XFRM's depth, as XFRM allows. */
	if (sp->len == XFRM_MAX_DEPTH)
		return -E2BIG;
	xfrm_state_hold(nn->rx_state);
	sp->xvec[sp->len++] = nn->rx_state;
	return 0;
}

/*
 * The link-layer header the ESP arrived with goes back in front of the
 * inner packet, for packet sockets and GRO; on Ethernet it names the inner
 * family, which may not be the outer one.
 */
static void restore_mac(struct sk_buff *skb)
{
	if (!skb_mac_header_was_set(skb) || !skb->mac_len ||
	    skb->mac_len > skb_headroom(skb)) {
		skb_reset_mac_header(skb);
		skb->mac_len = 0;
		return;
	}
	skb_mac_header_rebuild(skb);
	if (skb->dev->type == ARPHRD_ETHER && skb->mac_len == ETH_HLEN)
		eth_hdr(skb)->h_proto = skb->protocol;
}

/*
 * A decrypted, checked, whole packet, network header at skb->data, on its
 * way in through skb->dev, the device it arrived on. Takes @skb. Called
 * with bottom halves off.
 */
void nfesp_rx(struct nfesp_net *nn, struct sk_buff *skb)
{
	int err;

	err = mark(nn, skb);
	if (unlikely(err)) {
		nfesp_net_count(nn, err == -ENOMEM ? NFESP_STATS_A_NOMEM :
				NFESP_STATS_A_IN_MALFORMED);
		kfree_skb(skb);
		return;
	}
	skb->pkt_type = PACKET_HOST;
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	restore_mac(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	nfesp_device_tap_in(nn, skb);
	if (unlikely(gro_cells_receive(&cells, skb) != NET_RX_SUCCESS))
		nfesp_net_count(nn, NFESP_STATS_A_NOMEM);
}
