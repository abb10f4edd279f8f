/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Differences between the kernels nfesp supports (Debian 6.1 and 6.12).
 * Each is keyed on a probe of the headers (see Kbuild), never on
 * LINUX_VERSION_CODE, because Debian backports API changes.
 */
#ifndef _NFESP_COMPAT_H
#define _NFESP_COMPAT_H

#include <linux/crypto.h>
#include <net/genetlink.h>

#ifdef NFESP_HAVE_NET_GSO_H
#include <net/gso.h>
#else
#include <linux/netdevice.h>	/* skb_gso_segment() lived here before 6.5 */
#endif

/*
 * Since 6.3 a crypto completion receives the data pointer given to
 * *_request_set_callback() instead of the crypto_async_request. Define
 * completions as NFESP_CRYPTO_DONE(name, data, err) and recover the data
 * with nfesp_crypto_data(data).
 */
#ifdef NFESP_HAVE_CRYPTO_COMPLETION_DATA
#define NFESP_CRYPTO_DONE(name, data, err) void name(void *data, int err)
#define nfesp_crypto_data(data) (data)
#else
#define NFESP_CRYPTO_DONE(name, data, err) \
	void name(struct crypto_async_request *data, int err)
#define nfesp_crypto_data(data) ((data)->data)
#endif

/*
 * genl_split_ops arrived in 6.2; nfesp declares full struct genl_ops, which
 * both kernels take, so it needs no shim.
 *
 * 6.1 has genl_dumpit_info(cb)->attrs; 6.12 has genl_info_dump(cb)->attrs.
 */
#ifdef NFESP_HAVE_GENL_INFO_DUMP
#define nfesp_dump_attrs(cb) (genl_info_dump(cb)->attrs)
#else
#define nfesp_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

/*
 * Formatted extack messages arrived in 6.2. nfesp_err_fmt() takes a message
 * that stands on its own and a detail with the values; kernels without
 * formatted messages get the message alone.
 */
#ifdef NFESP_HAVE_EXTACK_FMT
#define nfesp_err_fmt(extack, msg, detail, ...) \
	NL_SET_ERR_MSG_FMT_MOD(extack, msg detail, ##__VA_ARGS__)
#else
#define nfesp_err_fmt(extack, msg, detail, ...) NL_SET_ERR_MSG_MOD(extack, msg)
#endif

/*
 * 6.12 made "cannot change namespace" and "lockless xmit" device bits
 * (netns_local, lltx) out of the NETIF_F_NETNS_LOCAL and NETIF_F_LLTX
 * features.
 */
#ifdef NFESP_HAVE_DEV_NETNS_LOCAL
#define nfesp_dev_set_netns_local(dev) ((dev)->netns_local = true)
#else
#define nfesp_dev_set_netns_local(dev) ((dev)->features |= NETIF_F_NETNS_LOCAL)
#endif
#ifdef NFESP_HAVE_DEV_LLTX
#define nfesp_dev_set_lltx(dev) ((dev)->lltx = true)
#else
#define nfesp_dev_set_lltx(dev) ((dev)->features |= NETIF_F_LLTX)
#endif

/*
 * 6.4 merged ipv4_confirm() and ipv6_confirm() into nf_confirm(), which
 * became the hook function itself (NFESP_HAVE_NF_CONFIRM_HOOK); before,
 * nf_confirm() took the transport offset and left ICMP errors and IPv6
 * without a transport header to its callers. conntrack.c has both.
 */

#endif /* _NFESP_COMPAT_H */
