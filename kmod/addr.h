/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv4 and IPv6 addresses as nfesp stores them, and their netlink form. */
#ifndef _NFESP_ADDR_H
#define _NFESP_ADDR_H

#include <linux/in6.h>
#include <linux/socket.h>
#include <net/netlink.h>

union nfesp_addr {
	__be32 ip4;
	struct in6_addr ip6;
};

static inline unsigned int nfesp_addr_len(u8 family)
{
	return family == AF_INET ? sizeof(__be32) : sizeof(struct in6_addr);
}

static inline bool nfesp_addr_equal(const union nfesp_addr *a, const union nfesp_addr *b,
				    u8 family)
{
	return !memcmp(a, b, nfesp_addr_len(family));
}

static inline unsigned int nfesp_addr_bits(u8 family)
{
	return nfesp_addr_len(family) * 8;
}

/*
 * Read an address attribute. Its length gives the family: 4 bytes for IPv4,
 * 16 for IPv6. The policy already bounds the length to 4..16.
 */
static inline int nfesp_addr_get(const struct nlattr *attr, union nfesp_addr *addr,
				 u8 *family, struct netlink_ext_ack *extack)
{
	memset(addr, 0, sizeof(*addr));
	switch (nla_len(attr)) {
	case sizeof(__be32):
		*family = AF_INET;
		break;
	case sizeof(struct in6_addr):
		*family = AF_INET6;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address must be 4 bytes (IPv4) or 16 bytes (IPv6)");
		return -EINVAL;
	}
	memcpy(addr, nla_data(attr), nla_len(attr));
	return 0;
}

static inline int nfesp_addr_put(struct sk_buff *skb, int type,
				 const union nfesp_addr *addr, u8 family)
{
	return nla_put(skb, type, nfesp_addr_len(family), addr);
}

/* Whether all bits of @addr past the first @plen are zero. */
static inline bool nfesp_addr_host_bits_zero(const union nfesp_addr *addr,
					     u8 family, u8 plen)
{
	const u8 *p = (const u8 *)addr;
	unsigned int i, len = nfesp_addr_len(family);

	for (i = plen / 8; i < len; i++) {
		u8 keep = i == plen / 8 ? (u8)(0xff00 >> (plen % 8)) : 0;

		if (p[i] & ~keep)
			return false;
	}
	return true;
}

#endif /* _NFESP_ADDR_H */
