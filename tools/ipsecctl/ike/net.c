// SPDX-License-Identifier: GPL-2.0-only
/*
 * IKE's UDP sockets on 500 and 4500, IPv4 and IPv6: the local address of
 * each datagram from IP_PKTINFO, the non-ESP marker on 4500.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "log.h"
#include "loop.h"
#include "net.h"

static const uint8_t non_esp_marker[4];

struct sock {
	int fd;
	int family;
	uint16_t port;
};

static struct sock socks[] = {
	{ -1, AF_INET, IKE_PORT },
	{ -1, AF_INET, IKE_NATT_PORT },
	{ -1, AF_INET6, IKE_PORT },
	{ -1, AF_INET6, IKE_NATT_PORT },
};
#define NSOCKS (sizeof(socks) / sizeof(socks[0]))

static ike_rx_fn rx_fn;
static void *rx_arg;
static bool open_now;
static struct ike_net_stats stats;
/* A datagram up to the largest UDP payload. */
static uint8_t rx_buf[65536];

static void ep_from_sockaddr(const struct sockaddr_storage *ss, struct ike_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ep->addr.family = AF_INET;
		ep->addr.v4 = sin->sin_addr;
		ep->port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		ep->addr.family = AF_INET6;
		ep->addr.v6 = sin6->sin6_addr;
		ep->port = ntohs(sin6->sin6_port);
	}
}

static socklen_t sockaddr_from(const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->v4;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->v6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	return 0;
}

static const char *ep_str(const struct ike_ep *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ep->addr.family)
		inet_ntop(ep->addr.family, ep->addr.bytes, a, sizeof(a));
	snprintf(buf, len, ep->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, ep->port);
	return buf;
}

/* Whether one received datagram is IKE: strips the marker on 4500. */
static bool classify(const struct sock *s, const uint8_t **msg, size_t *len)
{
	if (s->port == IKE_NATT_PORT) {
		if (*len == 1 && (*msg)[0] == 0xff) {
			stats.rx_keepalive++;
			return false;
		}
		if (*len < sizeof(non_esp_marker)) {
			stats.rx_short++;
			return false;
		}
		if (memcmp(*msg, non_esp_marker, sizeof(non_esp_marker))) {
			stats.rx_dropped_esp++;
			return false;
		}
		*msg += sizeof(non_esp_marker);
		*len -= sizeof(non_esp_marker);
	}
	if (*len < IKE_NET_MIN_LEN) {
		stats.rx_short++;
		return false;
	}
	return true;
}

static void local_from_cmsg(struct msghdr *mh, const struct sock *s, struct ike_ep *local)
{
	struct cmsghdr *c;

	memset(local, 0, sizeof(*local));
	local->port = s->port;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->addr.family = AF_INET;
			local->addr.v4 = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->addr.family = AF_INET6;
			local->addr.v6 = pi.ipi6_addr;
		}
	}
}

static void on_readable(int fd, void *arg)
{
	const struct sock *s = arg;
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} control;
	struct sockaddr_storage from;
	struct iovec iov = { rx_buf, sizeof(rx_buf) };
	struct msghdr mh;
	struct ike_ep local, remote;
	const uint8_t *msg;
	size_t len;
	ssize_t n;
	int i;

	/* A bounded batch, so that one busy socket cannot starve the rest. */
	for (i = 0; i < 64; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				ike_log(IKE_LOG_WARN, "UDP port %u: recvmsg: %s", s->port,
					strerror(errno));
			return;
		}
		msg = rx_buf;
		len = (size_t)n;
		if (!classify(s, &msg, &len))
			continue;
		local_from_cmsg(&mh, s, &local);
		ep_from_sockaddr(&from, &remote);
		stats.rx++;
		if (ike_log_enabled(IKE_LOG_DEBUG)) {
			char l[64], r[64];

			ike_log(IKE_LOG_DEBUG, "received %zu bytes from %s to %s", len,
				ep_str(&remote, r, sizeof(r)), ep_str(&local, l, sizeof(l)));
		}
		if (rx_fn)
			rx_fn(msg, len, &local, &remote, rx_arg);
		/* rx may have closed the sockets. */
		if (!open_now)
			return;
	}
}

static int setopt(int fd, int level, int name, int val, const char *what, uint16_t port)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0) {
		int err = -errno;

		ike_log(IKE_LOG_ERR, "UDP port %u: %s: %s", port, what, strerror(errno));
		return err;
	}
	return 0;
}

static int open_sock(struct sock *s)
{
	struct sockaddr_storage ss;
	struct addr any = { .family = s->family };
	socklen_t sl;
	int fd, err;

	fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (s->family == AF_INET) {
		err = setopt(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO", s->port);
		if (!err)
			err = setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT,
				     "IP_MTU_DISCOVER", s->port);
	} else {
		err = setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY", s->port);
		if (!err)
			err = setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO",
				     s->port);
		if (!err)
			err = setopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT,
				     "IPV6_MTU_DISCOVER", s->port);
	}
	if (err)
		goto err_close;
	sl = sockaddr_from(&any, s->port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		err = -errno;
		if (err == -EADDRINUSE)
			ike_log(IKE_LOG_ERR,
				"UDP port %u is in use: is another IKE daemon (charon, pluto, ipsecctl) running in this network namespace?",
				s->port);
		else if (err == -EACCES)
			ike_log(IKE_LOG_ERR, "cannot bind UDP port %u: %s (it takes CAP_NET_BIND_SERVICE)",
				s->port, strerror(-err));
		else
			ike_log(IKE_LOG_ERR, "cannot bind UDP port %u (%s): %s", s->port,
				s->family == AF_INET ? "IPv4" : "IPv6", strerror(-err));
		goto err_close;
	}
	err = ike_loop_add_fd(fd, on_readable, s);
	if (err) {
		ike_log(IKE_LOG_ERR, "UDP port %u: cannot add to the loop: %s", s->port,
			strerror(-err));
		goto err_close;
	}
	s->fd = fd;
	return 0;

err_close:
	close(fd);
	return err;
}

int ike_net_open(ike_rx_fn rx, void *arg)
{
	unsigned int i;
	int err;

	if (open_now)
		return -EALREADY;
	for (i = 0; i < NSOCKS; i++) {
		err = open_sock(&socks[i]);
		if (err == -EAFNOSUPPORT && socks[i].family == AF_INET6) {
			ike_log(IKE_LOG_WARN, "no IPv6 in this kernel: IKE on IPv4 only");
			break;
		}
		if (err)
			goto err_close;
	}
	rx_fn = rx;
	rx_arg = arg;
	open_now = true;
	return 0;

err_close:
	while (i--) {
		if (socks[i].fd < 0)
			continue;
		ike_loop_del_fd(socks[i].fd);
		close(socks[i].fd);
		socks[i].fd = -1;
	}
	return err;
}

void ike_net_close(void)
{
	unsigned int i;

	for (i = 0; i < NSOCKS; i++) {
		if (socks[i].fd < 0)
			continue;
		ike_loop_del_fd(socks[i].fd);
		close(socks[i].fd);
		socks[i].fd = -1;
	}
	rx_fn = NULL;
	rx_arg = NULL;
	open_now = false;
}

static const struct sock *sock_for(int family, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < NSOCKS; i++)
		if (socks[i].family == family && socks[i].port == port && socks[i].fd >= 0)
			return &socks[i];
	return NULL;
}

static int send_iov(const struct ike_ep *local, const struct ike_ep *remote, struct iovec *iov,
		    int iovlen)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control;
	struct sockaddr_storage to;
	const struct sock *s;
	struct msghdr mh;
	struct cmsghdr *c;
	char l[64], r[64];

	if (local->port != IKE_PORT && local->port != IKE_NATT_PORT)
		return -EINVAL;
	if (local->addr.family && local->addr.family != remote->addr.family)
		return -EAFNOSUPPORT;
	s = sock_for(remote->addr.family, local->port);
	if (!s)
		return open_now ? -EAFNOSUPPORT : -ENOTCONN;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &to;
	mh.msg_namelen = sockaddr_from(&remote->addr, remote->port, &to);
	mh.msg_iov = iov;
	mh.msg_iovlen = iovlen;
	if (local->addr.family) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		c = (struct cmsghdr *)control.buf;
		if (local->addr.family == AF_INET) {
			struct in_pktinfo pi = { .ipi_spec_dst = local->addr.v4 };

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = { .ipi6_addr = local->addr.v6 };

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		int err = -errno;

		stats.tx_errors++;
		if (ike_log_enabled(IKE_LOG_DEBUG))
			ike_log(IKE_LOG_DEBUG, "sending from %s to %s: %s",
				ep_str(local, l, sizeof(l)), ep_str(remote, r, sizeof(r)),
				strerror(-err));
		return err;
	}
	stats.tx++;
	if (ike_log_enabled(IKE_LOG_DEBUG))
		ike_log(IKE_LOG_DEBUG, "sent %zu bytes from %s to %s",
			iov[iovlen - 1].iov_len, ep_str(local, l, sizeof(l)),
			ep_str(remote, r, sizeof(r)));
	return 0;
}

int ike_net_send(const struct ike_ep *local, const struct ike_ep *remote, const uint8_t *msg,
		 size_t len)
{
	struct iovec iov[2] = {
		{ (void *)non_esp_marker, sizeof(non_esp_marker) },
		{ (void *)msg, len },
	};

	if (local->port == IKE_NATT_PORT)
		return send_iov(local, remote, iov, 2);
	return send_iov(local, remote, iov + 1, 1);
}

int ike_net_keepalive(const struct ike_ep *local, const struct ike_ep *remote)
{
	static const uint8_t ka = 0xff;
	struct ike_ep from = *local;
	struct iovec iov = { (void *)&ka, 1 };

	from.port = IKE_NATT_PORT;
	return send_iov(&from, remote, &iov, 1);
}

int ike_net_route_src(const struct addr *remote, struct addr *src)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, err = 0;

	sl = sockaddr_from(remote, IKE_PORT, &ss);
	if (!sl)
		return -EAFNOSUPPORT;
	fd = socket(remote->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		err = -errno;
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		err = -errno;
		goto out;
	}
	if (ss.ss_family != remote->family) {
		err = -EAFNOSUPPORT;
		goto out;
	}
	{
		struct ike_ep ep;

		ep_from_sockaddr(&ss, &ep);
		*src = ep.addr;
	}
out:
	close(fd);
	return err;
}

void ike_net_stats(struct ike_net_stats *s)
{
	*s = stats;
}
