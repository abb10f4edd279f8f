/* SPDX-License-Identifier: GPL-2.0-only */
/* Security associations and the SAD. */
#ifndef _NFESP_SA_H
#define _NFESP_SA_H

#include <linux/kref.h>
#include <linux/rhashtable.h>
#include <linux/workqueue.h>
#include <crypto/aead.h>
#include "addr.h"
#include "algs.h"

struct nfesp_net;

/* How an SA is found: RFC 4301 section 4.1, (SPI, destination, protocol). */
struct nfesp_sa_key {
	__be32 spi;
	u8 proto;
	u8 family;
	u16 zero;		/* padding, always 0: the key is compared as bytes */
	union nfesp_addr dst;
};

struct nfesp_lifetime {
	u64 bytes;
	u64 packets;
	u64 seconds;
};

struct nfesp_sa_stats {
	u64 rx_packets;
	u64 rx_bytes;
	u64 tx_packets;
	u64 tx_bytes;
	u64 replay;
	u64 auth_fail;
	u64 errors;
};

struct nfesp_sa {
	struct rhash_head node;
	struct nfesp_sa_key key;
	struct kref refcount;

	u32 index;
	u32 flags;		/* NFESP_SA_F_* */
	u32 reqid;
	u8 mode;
	union nfesp_addr src;
	u32 replay_window;
	u16 encap_sport;
	u16 encap_dport;
	struct nfesp_lifetime soft;
	struct nfesp_lifetime hard;
	time64_t add_time;

	u16 enc_alg;
	u16 enc_key_len;
	u16 auth_alg;
	const struct nfesp_algo *algo;
	struct crypto_aead *aead;	/* holds the only copy of the keys */
	char *driver;			/* as asked for, or NULL */

	/* Larval (reserved) SAs only: when the reservation lapses. */
	struct list_head larval_node;
	unsigned long larval_expires;

	struct nfesp_sa_stats __percpu *stats;
	struct rcu_work free_work;
};

/* What NFESP_CMD_SA_NEW asks for, parsed and checked. */
struct nfesp_sa_config {
	struct nfesp_sa_key key;
	union nfesp_addr src;
	u8 mode;
	u32 reqid;
	u32 flags;
	u32 replay_window;
	u16 encap_sport;
	u16 encap_dport;
	struct nfesp_lifetime soft;
	struct nfesp_lifetime hard;
	struct nfesp_keys keys;	/* wiped by the caller */
};

int nfesp_sa_init(void);
void nfesp_sa_uninit(void);
int nfesp_sad_init(struct nfesp_net *nn);
void nfesp_sad_destroy(struct nfesp_net *nn);

struct nfesp_sa *nfesp_sa_create(struct nfesp_net *nn,
				 const struct nfesp_sa_config *cfg,
				 struct netlink_ext_ack *extack);
struct nfesp_sa *nfesp_sa_reserve_spi(struct nfesp_net *nn,
				      const struct nfesp_sa_key *key,
				      const union nfesp_addr *src,
				      u32 spi_min, u32 spi_max,
				      struct netlink_ext_ack *extack);
struct nfesp_sa *nfesp_sa_find_locked(struct nfesp_net *nn,
				      const struct nfesp_sa_key *key);
struct nfesp_sa *nfesp_sa_lookup(struct nfesp_net *nn,
				 const struct nfesp_sa_key *key);
void nfesp_sa_unlink(struct nfesp_net *nn, struct nfesp_sa *sa);
void nfesp_sa_flush(struct nfesp_net *nn);
void nfesp_sa_put(struct nfesp_sa *sa);
void nfesp_sa_stats_read(const struct nfesp_sa *sa, struct nfesp_sa_stats *st);

static inline bool nfesp_sa_is_larval(const struct nfesp_sa *sa)
{
	return sa->flags & NFESP_SA_F_LARVAL;
}

#endif /* _NFESP_SA_H */
