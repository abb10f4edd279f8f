/* SPDX-License-Identifier: GPL-2.0-only */
/* Security associations and the SAD. */
#ifndef _NFESP_SA_H
#define _NFESP_SA_H

#include <linux/kref.h>
#include <linux/rhashtable.h>
#include <linux/seqlock.h>
#include <linux/workqueue.h>
#include <crypto/aead.h>
#include <net/dst_cache.h>
#include "addr.h"
#include "algs.h"
#include "policy.h"
#include "replay.h"

struct nfesp_net;

/* How an SA is found: RFC 4301 section 4.1, (SPI, destination, protocol). */
struct nfesp_sa_key {
	__be32 spi;
	u8 proto;
	u8 family;
	u16 zero;		/* padding, always 0: the key is compared as bytes */
	union nfesp_addr dst;
};

/* How outbound SAs are found for a protect policy. */
struct nfesp_sa_okey {
	u32 reqid;
	u8 family;
	u8 mode;
	u16 zero;
	union nfesp_addr dst;
};

/*
 * The outbound SAs that share an okey, newest first: a rekey adds the new SA
 * at the head, so the packet path takes the first usable one. Removing an SA
 * is O(1) however many share its okey.
 */
struct nfesp_sa_group {
	struct rhash_head node;		/* in nn->sa_out */
	struct nfesp_sa_okey okey;
	struct list_head sas;		/* RCU; changed under nn->lock */
	struct rcu_head rcu;
};

/* sa->state bits */
enum {
	NFESP_SA_S_DEAD,	/* unlinked from the SAD */
	NFESP_SA_S_SOFT,	/* a soft limit was reached */
	NFESP_SA_S_HARD,	/* a hard limit was reached: unusable */
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

/* Packets of an SA in crypto, in sequence order: see crypt.c. */
struct nfesp_order {
	spinlock_t lock;
	struct list_head list;
	bool flushing;		/* a CPU is finishing packets */
	struct work_struct work; /* finishes them on another CPU */
};

struct nfesp_sa {
	struct rhash_head node;
	struct nfesp_sa_key key;
	struct kref refcount;

	u32 index;
	u32 flags;		/* NFESP_SA_F_* */
	u32 reqid;
	u8 mode;
	/*
	 * The outer endpoint: src and the encap ports, which NFESP_CMD_SA_SET
	 * and a NAT mapping (follow-peer) change under peer_lock while
	 * packets use them; read them with nfesp_sa_peer_read(). Whether the
	 * SA has encap (encap_sport != 0) never changes.
	 */
	seqlock_t peer_lock;
	union nfesp_addr src;
	u16 encap_sport;
	u16 encap_dport;
	/* The last NAT mapping reported (mapping.c), under peer_lock. */
	union nfesp_addr map_addr;
	u16 map_port;
	bool map_pending;		/* reported, no packet from src since */
	unsigned long map_jiffies;	/* when; starts a second in the past */
	u32 replay_window;
	struct nfesp_lifetime soft;
	struct nfesp_lifetime hard;
	time64_t add_time;
	u64 owner;			/* opaque to the kernel; 0: none */
	/* What the SA was negotiated for; family 0: none. Never changes. */
	struct nfesp_selector sel;

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

	/* The packet path. */
	struct nfesp_net *nn;
	struct list_head out_node;	/* in group->sas */
	struct nfesp_sa_group *group;	/* under nn->lock */
	struct nfesp_sa_okey okey;
	unsigned long state;		/* NFESP_SA_S_* */
	atomic64_t seq_out;		/* last sequence number sent */
	u8 salt[8];			/* seqiv: IV = sequence ^ salt */
	struct nfesp_replay replay;
	struct dst_cache dst_cache;	/* tunnel mode: route to the peer */
	atomic_t inflight;		/* packets in crypto */
	unsigned long use_jiffies;	/* last packet in or out; 0: never */
	struct nfesp_order order;
	unsigned long burst_stamp;	/* jiffy of burst_count; under order.lock */
	unsigned int burst_count;	/* packets in that jiffy */
	int burst_cpu;			/* where they came from; -1: several */
	int last_cpu;			/* round robin over the CPUs */

	/* Lifetimes: use so far, and the work that reports and enforces them. */
	bool has_limits;
	u64 add_ns;			/* boot time when linked, for seconds */
	atomic64_t lt_bytes;
	atomic64_t lt_packets;
	struct delayed_work life_work;
};

/* NAT mapping events: at most one per SA in this long. */
#define NFESP_MAPPING_INTERVAL HZ

/* An SA's outer endpoint, as one packet uses it. */
struct nfesp_sa_peer {
	union nfesp_addr src;
	u16 sport;
	u16 dport;
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
	u64 owner;
	struct nfesp_selector sel;	/* family 0: none */
	struct nfesp_lifetime soft;
	struct nfesp_lifetime hard;
	struct nfesp_keys keys;	/* wiped by the caller */
};

extern struct workqueue_struct *nfesp_life_wq;

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
struct nfesp_sa *nfesp_sa_lookup_in(struct nfesp_net *nn, const struct sk_buff *skb,
				    u8 family, __be32 spi);
struct nfesp_sa *nfesp_sa_lookup_out(struct nfesp_net *nn,
				     const struct nfesp_sa_okey *okey);
void nfesp_sa_unlink(struct nfesp_net *nn, struct nfesp_sa *sa);
void nfesp_sa_flush(struct nfesp_net *nn);
void nfesp_sa_put(struct nfesp_sa *sa);
void nfesp_sa_stats_read(const struct nfesp_sa *sa, struct nfesp_sa_stats *st);
void nfesp_sa_set_peer(struct nfesp_sa *sa, const union nfesp_addr *src, u16 sport,
		       u16 dport);
void __nfesp_sa_set_peer(struct nfesp_sa *sa, const struct nfesp_sa_peer *peer);

/* mapping.c: ESP in UDP from a new endpoint, authenticated. */
void nfesp_mapping_check(struct nfesp_net *nn, struct nfesp_sa *sa,
			 const struct sk_buff *skb, unsigned int udp_off);

/* A consistent snapshot of @sa's endpoint: any context. */
static inline void nfesp_sa_peer_read(const struct nfesp_sa *sa,
				      struct nfesp_sa_peer *peer)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&sa->peer_lock);
		peer->src = sa->src;
		peer->sport = sa->encap_sport;
		peer->dport = sa->encap_dport;
	} while (read_seqretry(&sa->peer_lock, seq));
}

static inline bool nfesp_sa_is_larval(const struct nfesp_sa *sa)
{
	return sa->flags & NFESP_SA_F_LARVAL;
}

/* Usable for new packets: not removed, no hard limit reached. */
static inline bool nfesp_sa_usable(const struct nfesp_sa *sa)
{
	return !(READ_ONCE(sa->state) & (BIT(NFESP_SA_S_DEAD) | BIT(NFESP_SA_S_HARD)));
}

/*
 * The SA carried a packet now. Many CPUs may do this for every packet: one
 * read, and a write (a dirtied cache line) at most once per jiffy.
 */
static inline void nfesp_sa_touch(struct nfesp_sa *sa)
{
	unsigned long now = jiffies ?: 1;	/* 0 means never */

	if (READ_ONCE(sa->use_jiffies) != now)
		WRITE_ONCE(sa->use_jiffies, now);
}

static inline struct nfesp_sa *nfesp_sa_get(struct nfesp_sa *sa)
{
	kref_get(&sa->refcount);
	return sa;
}

#endif /* _NFESP_SA_H */
