/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKE's UDP sockets: ports 500 and 4500 on the wildcard address, IPv4 and
 * IPv6, registered with the loop (loop.h).
 *
 * Port 4500 carries IKE after the non-ESP marker (four zero bytes, RFC
 * 3948 section 2.2); ike_net strips it on receipt and adds it on sending,
 * so that callers always see bare IKE messages. strongSwan moves to 4500
 * with MOBIKE even without NAT, so both ports are always open.
 */
#ifndef IKE_NET_H
#define IKE_NET_H

#include <stddef.h>
#include <stdint.h>
#include "../ipsecctl.h"

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
/* A datagram shorter than an IKE header (RFC 7296 section 3.1) is dropped. */
#define IKE_NET_MIN_LEN 28

struct ike_ep {
	struct addr addr;
	uint16_t port;		/* host order */
};

/*
 * One datagram, the marker stripped: local is the address it was sent to
 * (from IP_PKTINFO/IPV6_PKTINFO) and the port of the socket; remote is
 * its source. msg is valid during the call only.
 */
typedef void (*ike_rx_fn)(const uint8_t *msg, size_t len, const struct ike_ep *local,
			  const struct ike_ep *remote, void *arg);

/*
 * Binds UDP 500 and 4500 on the wildcard address of IPv4 and of IPv6
 * (IPV6_V6ONLY; IPv6 is skipped with a warning if the kernel has none),
 * without SO_REUSEADDR, so that a second IKE daemon in the network
 * namespace fails with a message naming the port, and registers them with
 * the loop (ike_loop_init() first). Fragmentation is allowed: IKE messages
 * can exceed the path MTU. Datagrams on 4500 without the marker (ESP that
 * reached the socket, say with no SA) and NAT keepalives are dropped and
 * counted, and so are datagrams shorter than IKE_NET_MIN_LEN. 0 or -errno
 * (-EADDRINUSE, after logging which port; -EALREADY if already open).
 */
int ike_net_open(ike_rx_fn rx, void *arg);
void ike_net_close(void);

/*
 * Sends msg from local (its address through IP_PKTINFO/IPV6_PKTINFO;
 * family 0 lets routing choose) and the socket of local->port (500 or
 * 4500, which adds the marker) to remote. 0 or -errno: -EINVAL for another
 * port, -EAFNOSUPPORT if local and remote differ in family or the family
 * has no socket.
 */
int ike_net_send(const struct ike_ep *local, const struct ike_ep *remote, const uint8_t *msg,
		 size_t len);
/* A NAT keepalive (RFC 3948 section 2.3): the byte 0xff from port 4500. */
int ike_net_keepalive(const struct ike_ep *local, const struct ike_ep *remote);

/*
 * The source address routing picks towards remote (a UDP socket connected
 * to it, then getsockname()); no packet is sent. 0 or -errno
 * (-ENETUNREACH).
 */
int ike_net_route_src(const struct addr *remote, struct addr *src);

struct ike_net_stats {
	uint64_t rx;			/* datagrams passed to rx */
	uint64_t tx;			/* datagrams sent, keepalives too */
	uint64_t rx_dropped_esp;	/* on 4500 without the marker */
	uint64_t rx_keepalive;		/* on 4500, the byte 0xff */
	uint64_t rx_short;		/* shorter than IKE_NET_MIN_LEN */
	uint64_t tx_errors;		/* sendmsg() failed */
};
void ike_net_stats(struct ike_net_stats *s);

#endif /* IKE_NET_H */
