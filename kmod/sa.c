// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SAD. SAs are found by (SPI, destination, protocol) in an rhashtable,
 * under RCU on the packet path, and kept by index in an xarray so that dumps
 * list them in the order they were added and resume cheaply.
 *
 * Lifetime: the SAD holds one reference. Unlinking drops it; the last put
 * frees the SA from a workqueue after an RCU grace period, because freeing a
 * crypto transform may sleep.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include "compat.h"
#include "netns.h"
#include "sa.h"
#include "datapath.h"

static struct workqueue_struct *sa_free_wq;
struct workqueue_struct *nfesp_life_wq;

unsigned int nfesp_max_sas = NFESP_MAX_SAS;
module_param_named(max_sas, nfesp_max_sas, uint, 0644);
MODULE_PARM_DESC(max_sas, "SAs per network namespace (default and at most 1048576)");

static const struct rhashtable_params sad_params = {
	.head_offset = offsetof(struct nfesp_sa, node),
	.key_offset = offsetof(struct nfesp_sa, key),
	.key_len = sizeof(struct nfesp_sa_key),
	.automatic_shrinking = true,
};

static const struct rhashtable_params sa_out_params = {
	.head_offset = offsetof(struct nfesp_sa_group, node),
	.key_offset = offsetof(struct nfesp_sa_group, okey),
	.key_len = sizeof(struct nfesp_sa_okey),
	.automatic_shrinking = true,
};

static struct kmem_cache *sa_cache;

static void sa_free_work(struct work_struct *work)
{
	struct nfesp_sa *sa = container_of(to_rcu_work(work), struct nfesp_sa,
					   free_work);

	/* Every packet in crypto held a reference, so none is left. */
	WARN_ON_ONCE(atomic_read(&sa->inflight));
	nfesp_lifetime_stop(sa);
	/* Index 0: never linked, so never reported created either. */
	if (sa->index)
		pr_debug("SA %u (spi 0x%08x) destroyed\n", sa->index, ntohl(sa->key.spi));
	/* crypto_free_aead() wipes the transform, and with it the keys. */
	if (sa->aead)
		crypto_free_aead(sa->aead);
	nfesp_replay_destroy(&sa->replay);
	dst_cache_destroy(&sa->dst_cache);
	memzero_explicit(sa->salt, sizeof(sa->salt));
	free_percpu(sa->stats);
	kfree(sa->driver);
	kmem_cache_free(sa_cache, sa);
}

static void sa_release(struct kref *ref)
{
	struct nfesp_sa *sa = container_of(ref, struct nfesp_sa, refcount);

	INIT_RCU_WORK(&sa->free_work, sa_free_work);
	queue_rcu_work(sa_free_wq, &sa->free_work);
}

void nfesp_sa_put(struct nfesp_sa *sa)
{
	if (sa)
		kref_put(&sa->refcount, sa_release);
}

/* Packet path: a referenced SA, or NULL. */
struct nfesp_sa *nfesp_sa_lookup(struct nfesp_net *nn,
				 const struct nfesp_sa_key *key)
{
	struct nfesp_sa *sa;

	rcu_read_lock();
	sa = rhashtable_lookup(&nn->sad, key, sad_params);
	if (sa && (nfesp_sa_is_larval(sa) || !kref_get_unless_zero(&sa->refcount)))
		sa = NULL;
	rcu_read_unlock();
	return sa;
}

/*
 * Packet path: the newest usable SA for a protect policy, referenced, or
 * NULL. Make-before-break: while a rekey overlaps, the new SA wins.
 */
struct nfesp_sa *nfesp_sa_lookup_out(struct nfesp_net *nn,
				     const struct nfesp_sa_okey *okey)
{
	struct nfesp_sa_group *group;
	struct nfesp_sa *sa;

	rcu_read_lock();
	group = rhashtable_lookup(&nn->sa_out, okey, sa_out_params);
	if (group) {
		list_for_each_entry_rcu(sa, &group->sas, out_node) {
			if (nfesp_sa_usable(sa) && kref_get_unless_zero(&sa->refcount))
				goto out;
		}
	}
	sa = NULL;
out:
	rcu_read_unlock();
	return sa;
}

/* Put @sa at the head of its okey's group, making the group if need be. */
static int sa_out_link(struct nfesp_net *nn, struct nfesp_sa *sa)
{
	struct nfesp_sa_group *group;
	int err;

	lockdep_assert_held(&nn->lock);

	group = rhashtable_lookup_fast(&nn->sa_out, &sa->okey, sa_out_params);
	if (!group) {
		group = kzalloc(sizeof(*group), GFP_KERNEL_ACCOUNT);
		if (!group)
			return -ENOMEM;
		group->okey = sa->okey;
		INIT_LIST_HEAD(&group->sas);
		err = rhashtable_insert_fast(&nn->sa_out, &group->node, sa_out_params);
		if (err) {
			kfree(group);
			return err;
		}
	}
	list_add_rcu(&sa->out_node, &group->sas);
	sa->group = group;
	return 0;
}

static void sa_out_unlink(struct nfesp_net *nn, struct nfesp_sa *sa)
{
	struct nfesp_sa_group *group = sa->group;

	lockdep_assert_held(&nn->lock);

	list_del_rcu(&sa->out_node);
	sa->group = NULL;
	if (list_empty(&group->sas)) {
		rhashtable_remove_fast(&nn->sa_out, &group->node, sa_out_params);
		kfree_rcu(group, rcu);
	}
}

/* Packet path: the SA for ESP with @spi addressed to this packet. */
struct nfesp_sa *nfesp_sa_lookup_in(struct nfesp_net *nn, const struct sk_buff *skb,
				    u8 family, __be32 spi)
{
	struct nfesp_sa_key key;

	/* Compared as bytes: the tail of an IPv4 address must be zero too. */
	memset(&key, 0, sizeof(key));
	key.spi = spi;
	key.proto = IPPROTO_ESP;
	key.family = family;
	if (family == AF_INET)
		key.dst.ip4 = ip_hdr(skb)->daddr;
	else
		key.dst.ip6 = ipv6_hdr(skb)->daddr;
	return nfesp_sa_lookup(nn, &key);
}

struct nfesp_sa *nfesp_sa_find_locked(struct nfesp_net *nn,
				      const struct nfesp_sa_key *key)
{
	lockdep_assert_held(&nn->lock);
	return rhashtable_lookup_fast(&nn->sad, key, sad_params);
}

void nfesp_sa_stats_read(const struct nfesp_sa *sa, struct nfesp_sa_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct nfesp_sa_stats *p = per_cpu_ptr(sa->stats, cpu);

		st->rx_packets += p->rx_packets;
		st->rx_bytes += p->rx_bytes;
		st->tx_packets += p->tx_packets;
		st->tx_bytes += p->tx_bytes;
		st->replay += p->replay;
		st->auth_fail += p->auth_fail;
		st->errors += p->errors;
	}
}

/*
 * Move @sa to a new outer endpoint: NFESP_CMD_SA_SET (under nn->lock) or a
 * NAT mapping it follows (the packet path). Packets read the endpoint
 * whole, old or new. Encapsulation stays on or off: a port is never 0.
 */
void __nfesp_sa_set_peer(struct nfesp_sa *sa, const struct nfesp_sa_peer *peer)
{
	lockdep_assert_held(&sa->peer_lock.lock);

	sa->src = peer->src;
	if (sa->encap_sport) {
		WRITE_ONCE(sa->encap_sport, peer->sport);
		WRITE_ONCE(sa->encap_dport, peer->dport);
	}
	/* The route to the peer was looked up with the old source. */
	if (sa->mode == NFESP_MODE_TUNNEL)
		dst_cache_reset(&sa->dst_cache);
}

/* NFESP_CMD_SA_SET: what is NULL or 0 stays as it is. */
void nfesp_sa_set_peer(struct nfesp_sa *sa, const union nfesp_addr *src, u16 sport,
		       u16 dport)
{
	struct nfesp_sa_peer peer;

	write_seqlock_bh(&sa->peer_lock);
	peer.src = src ? *src : sa->src;
	peer.sport = sport ?: sa->encap_sport;
	peer.dport = dport ?: sa->encap_dport;
	__nfesp_sa_set_peer(sa, &peer);
	write_sequnlock_bh(&sa->peer_lock);
}

static struct nfesp_sa *sa_alloc(const struct nfesp_sa_key *key)
{
	struct nfesp_sa *sa;

	sa = kmem_cache_zalloc(sa_cache, GFP_KERNEL_ACCOUNT);
	if (!sa)
		return NULL;
	sa->stats = alloc_percpu_gfp(struct nfesp_sa_stats, GFP_KERNEL_ACCOUNT);
	if (!sa->stats) {
		kmem_cache_free(sa_cache, sa);
		return NULL;
	}
	sa->key = *key;
	kref_init(&sa->refcount);
	INIT_LIST_HEAD(&sa->larval_node);
	seqlock_init(&sa->peer_lock);
	sa->map_jiffies = jiffies - NFESP_MAPPING_INTERVAL;
	atomic_set(&sa->inflight, 0);
	nfesp_order_init(&sa->order);
	sa->last_cpu = -1;
	nfesp_lifetime_init(sa);
	atomic64_set(&sa->seq_out, 0);
	sa->add_time = ktime_get_boottime_seconds();
	return sa;
}

/* Everything of unlinking @sa but its removal from the SAD's hash table. */
static void sa_retire(struct nfesp_net *nn, struct nfesp_sa *sa)
{
	lockdep_assert_held(&nn->lock);

	set_bit(NFESP_SA_S_DEAD, &sa->state);
	if (!nfesp_sa_is_larval(sa))
		sa_out_unlink(nn, sa);
	xa_erase(&nn->sa_by_index, sa->index);
	list_del_init(&sa->larval_node);
	nn->sa_count--;
	nn->sad_gen++;
	/* The lifetime work holds its own reference while it is queued. */
	if (cancel_delayed_work(&sa->life_work))
		nfesp_sa_put(sa);
	nfesp_sa_put(sa);
}

void nfesp_sa_unlink(struct nfesp_net *nn, struct nfesp_sa *sa)
{
	lockdep_assert_held(&nn->lock);

	rhashtable_remove_fast(&nn->sad, &sa->node, sad_params);
	sa_retire(nn, sa);
}

/*
 * Make @sa visible: give it an index and put it in both tables. If @larval
 * is the reservation of its SPI, @sa takes its place in the SAD in one step,
 * and only once nothing else can fail, so that a failed SA_NEW leaves the
 * reservation IKE made where it was.
 */
static int sa_link(struct nfesp_net *nn, struct nfesp_sa *sa,
		   struct nfesp_sa *larval, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&nn->lock);

	if (!larval && nn->sa_count >= min(READ_ONCE(nfesp_max_sas), NFESP_MAX_SAS)) {
		NL_SET_ERR_MSG_MOD(extack, "SAD is full");
		return -ENOSPC;
	}
	/* Everything the packet path reads is set before it can see @sa. */
	sa->nn = nn;
	err = xa_alloc_cyclic(&nn->sa_by_index, &sa->index, sa,
			      XA_LIMIT(1, U32_MAX), &nn->sa_next_index,
			      GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		NL_SET_ERR_MSG_MOD(extack, "out of SA indexes");
		return err;
	}
	if (!nfesp_sa_is_larval(sa)) {
		err = sa_out_link(nn, sa);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack, "cannot grow the SAD");
			goto err_erase_index;
		}
	}
	if (larval)
		err = rhashtable_replace_fast(&nn->sad, &larval->node, &sa->node,
					      sad_params);
	else
		err = rhashtable_lookup_insert_fast(&nn->sad, &sa->node, sad_params);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack, "an SA with this SPI and destination exists");
		else
			NL_SET_ERR_MSG_MOD(extack, "cannot grow the SAD");
		goto err_out_unlink;
	}
	if (larval)
		sa_retire(nn, larval);
	nn->sa_count++;
	nn->sad_gen++;
	pr_debug("SA %u (spi 0x%08x) created\n", sa->index, ntohl(sa->key.spi));
	return 0;

err_out_unlink:
	if (!nfesp_sa_is_larval(sa))
		sa_out_unlink(nn, sa);
err_erase_index:
	xa_erase(&nn->sa_by_index, sa->index);
	sa->index = 0;
	return err;
}

struct nfesp_sa *nfesp_sa_create(struct nfesp_net *nn,
				 const struct nfesp_sa_config *cfg,
				 struct netlink_ext_ack *extack)
{
	const struct nfesp_algo *algo;
	struct nfesp_sa *sa, *old;
	int err;

	lockdep_assert_held(&nn->lock);

	algo = nfesp_algo_find(cfg->keys.enc, cfg->keys.auth, extack);
	if (!algo)
		return ERR_PTR(-EINVAL);
	err = nfesp_algo_check_keys(&cfg->keys, extack);
	if (err)
		return ERR_PTR(err);

	old = nfesp_sa_find_locked(nn, &cfg->key);
	if (old && !nfesp_sa_is_larval(old)) {
		NL_SET_ERR_MSG_MOD(extack, "an SA with this SPI and destination exists");
		return ERR_PTR(-EEXIST);
	}

	sa = sa_alloc(&cfg->key);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	sa->src = cfg->src;
	sa->mode = cfg->mode;
	sa->reqid = cfg->reqid;
	sa->flags = cfg->flags;
	sa->replay_window = cfg->replay_window;
	sa->encap_sport = cfg->encap_sport;
	sa->encap_dport = cfg->encap_dport;
	sa->owner = cfg->owner;
	sa->sel = cfg->sel;
	sa->soft = cfg->soft;
	sa->hard = cfg->hard;
	sa->enc_alg = cfg->keys.enc;
	sa->enc_key_len = cfg->keys.enc_key_len;
	sa->auth_alg = cfg->keys.auth;
	sa->algo = algo;
	sa->okey.reqid = cfg->reqid;
	sa->okey.family = cfg->key.family;
	sa->okey.mode = cfg->mode;
	sa->okey.dst = cfg->key.dst;
	get_random_bytes(sa->salt, sizeof(sa->salt));
	err = nfesp_replay_init(&sa->replay, cfg->replay_window,
				cfg->flags & NFESP_SA_F_ESN);
	if (err)
		goto err_put_sa;
	if (cfg->mode == NFESP_MODE_TUNNEL) {
		err = dst_cache_init(&sa->dst_cache, GFP_KERNEL_ACCOUNT);
		if (err)
			goto err_put_sa;
	}
	if (cfg->keys.driver) {
		sa->driver = kstrdup(cfg->keys.driver, GFP_KERNEL_ACCOUNT);
		if (!sa->driver) {
			err = -ENOMEM;
			goto err_put_sa;
		}
	}
	sa->aead = nfesp_algo_new_aead(algo, &cfg->keys,
				       cfg->flags & NFESP_SA_F_ESN, extack);
	if (IS_ERR(sa->aead)) {
		err = PTR_ERR(sa->aead);
		sa->aead = NULL;
		goto err_put_sa;
	}

	/* A reserved SPI is filled: the new SA takes the reservation's place. */
	nfesp_lifetime_setup(sa);
	err = sa_link(nn, sa, old, extack);
	if (err)
		goto err_put_sa;
	nfesp_lifetime_start(sa);
	return sa;

err_put_sa:
	nfesp_sa_put(sa);
	return ERR_PTR(err);
}

static void larval_schedule(struct nfesp_net *nn)
{
	struct nfesp_sa *first;
	long delay;

	lockdep_assert_held(&nn->lock);

	first = list_first_entry_or_null(&nn->larval_list, struct nfesp_sa,
					 larval_node);
	if (!first)
		return;
	delay = (long)(first->larval_expires - jiffies);
	mod_delayed_work(system_wq, &nn->larval_work, max(delay, 0L));
}

static void larval_expire_work(struct work_struct *work)
{
	struct nfesp_net *nn = container_of(to_delayed_work(work),
					    struct nfesp_net, larval_work);
	struct nfesp_sa *sa, *tmp;

	mutex_lock(&nn->lock);
	list_for_each_entry_safe(sa, tmp, &nn->larval_list, larval_node) {
		if (time_before(jiffies, sa->larval_expires))
			break;
		nfesp_sa_unlink(nn, sa);
	}
	larval_schedule(nn);
	mutex_unlock(&nn->lock);
}

#define SPI_ALLOC_TRIES 64

struct nfesp_sa *nfesp_sa_reserve_spi(struct nfesp_net *nn,
				      const struct nfesp_sa_key *key,
				      const union nfesp_addr *src,
				      u32 spi_min, u32 spi_max,
				      struct netlink_ext_ack *extack)
{
	struct nfesp_sa_key k = *key;
	struct nfesp_sa *sa;
	unsigned int i;
	int err;

	lockdep_assert_held(&nn->lock);

	for (i = 0; i < SPI_ALLOC_TRIES; i++) {
		u32 span = spi_max - spi_min;	/* the caller ensures min <= max */
		u32 spi;

		if (span == U32_MAX)
			spi = get_random_u32();
		else
			spi = spi_min + get_random_u32_below(span + 1);
		if (!spi)
			continue;
		k.spi = htonl(spi);
		if (!nfesp_sa_find_locked(nn, &k))
			break;
	}
	if (i == SPI_ALLOC_TRIES) {
		NL_SET_ERR_MSG_MOD(extack, "no free SPI found in the range");
		return ERR_PTR(-ENOSPC);
	}

	sa = sa_alloc(&k);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	if (src)
		sa->src = *src;
	sa->flags = NFESP_SA_F_LARVAL;
	sa->larval_expires = jiffies + NFESP_SPI_RESERVE_SECONDS * HZ;
	err = sa_link(nn, sa, NULL, extack);
	if (err) {
		nfesp_sa_put(sa);
		return ERR_PTR(err);
	}
	list_add_tail(&sa->larval_node, &nn->larval_list);
	larval_schedule(nn);
	return sa;
}

void nfesp_sa_flush(struct nfesp_net *nn)
{
	struct nfesp_sa *sa;
	unsigned long index;

	lockdep_assert_held(&nn->lock);

	xa_for_each(&nn->sa_by_index, index, sa) {
		nfesp_sa_unlink(nn, sa);
		cond_resched();
	}
}

int nfesp_sad_init(struct nfesp_net *nn)
{
	int err;

	err = rhashtable_init(&nn->sad, &sad_params);
	if (err)
		return err;
	err = rhashtable_init(&nn->sa_out, &sa_out_params);
	if (err) {
		rhashtable_destroy(&nn->sad);
		return err;
	}
	xa_init_flags(&nn->sa_by_index, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&nn->larval_list);
	INIT_DELAYED_WORK(&nn->larval_work, larval_expire_work);
	return 0;
}

void nfesp_sad_destroy(struct nfesp_net *nn)
{
	mutex_lock(&nn->lock);
	nfesp_sa_flush(nn);
	mutex_unlock(&nn->lock);
	/* Flushing emptied the larval list, so the work cannot re-arm. */
	cancel_delayed_work_sync(&nn->larval_work);
	/* Lifetime work queued before the flush finds its SA dead. */
	flush_workqueue(nfesp_life_wq);
	rhashtable_destroy(&nn->sa_out);
	rhashtable_destroy(&nn->sad);
	xa_destroy(&nn->sa_by_index);
}

int nfesp_sa_init(void)
{
	/* A cache of its own: an SA would waste a third of a kmalloc-1k. */
	sa_cache = KMEM_CACHE(nfesp_sa, SLAB_ACCOUNT);
	if (!sa_cache)
		return -ENOMEM;
	sa_free_wq = alloc_workqueue("nfesp_sa_free", WQ_UNBOUND, 0);
	if (!sa_free_wq)
		goto err_destroy_cache;
	nfesp_life_wq = alloc_workqueue("nfesp_lifetime", WQ_UNBOUND, 0);
	if (!nfesp_life_wq)
		goto err_destroy_free_wq;
	return 0;

err_destroy_free_wq:
	destroy_workqueue(sa_free_wq);
err_destroy_cache:
	kmem_cache_destroy(sa_cache);
	return -ENOMEM;
}

/* Called after every namespace is gone: waits for the last SA to be freed. */
void nfesp_sa_uninit(void)
{
	destroy_workqueue(nfesp_life_wq);
	rcu_barrier();
	destroy_workqueue(sa_free_wq);
	kmem_cache_destroy(sa_cache);
}
