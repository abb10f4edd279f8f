// SPDX-License-Identifier: GPL-2.0-only
/*
 * The crypto of one packet: its context, the CPU that does it, and the
 * order in which finished packets leave.
 *
 * Order. A packet whose crypto is done where it arrives, synchronously or
 * by a driver that completes in order, keeps its order by itself, as in
 * XFRM. A packet whose crypto is spread over the CPUs joins its SA's order
 * list when it is given its sequence number (outbound) or passes the replay
 * check (inbound), and so does any packet behind it. Crypto only marks such
 * a packet done; whoever finds the head of the list done takes the done
 * prefix off it and finishes those packets, in order, outside the lock, on
 * the CPU they arrived on. One CPU at a time does that for an SA
 * (->flushing).
 *
 * Parallelism. A single flow through a router is one SA, and its packets
 * arrive on one CPU. Encrypting them all there makes one CPU the limit, as
 * it is for XFRM. Under load, nfesp spreads an SA's packets over the online
 * CPUs: a packet handed to another CPU is queued to that CPU's worker. A
 * packet alone (a ping, a trickle of traffic) is always done where it
 * arrives, without the latency of a queue, and so are packets that already
 * arrive on several CPUs: they are spread already. Spreading is not free:
 * a queue, a wake-up and a trip back to the home CPU, which also carries
 * the rest of the path; so under load the packets go to the other CPUs in
 * turn, and the home CPU does those the CPU whose turn it is cannot take.
 * It is only done where it pays: for packets of at least spread_min bytes
 * (short ones cost less to encrypt than to hand over), to CPUs that have
 * had spare time lately, idle or in our workers (spare_pct; one busy with
 * other work would hold the SA's later packets back in its order), and
 * whose worker is not behind already (worker_depth, roughly: senders on
 * several CPUs may overshoot it by one each). The module parameter
 * "parallel" chooses: 0 never, 1 under load (the default), 2 always, round
 * robin over every CPU, the home CPU included, whatever the size and load
 * (for tests).
 *
 * Lifetime. A context holds a reference to its SA and counts in its SA's
 * and namespace's in-flight packets from allocation to free; the namespace
 * waits for them at exit (nfesp_inflight_drain()), and the module destroys
 * the workers only after every namespace is gone.
 */

#include <linux/cpumask.h>
#include <linux/llist.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/tick.h>
#include <linux/workqueue.h>
#include "datapath.h"
#include "netns.h"
#include "sa.h"

static int parallel = 1;
module_param(parallel, int, 0644);
MODULE_PARM_DESC(parallel,
		 "spread an SA's crypto over the CPUs: 0 never, 1 under load (default), 2 always");

/*
 * Packets shorter than this are never spread under load: their crypto costs
 * less than handing them to another CPU and back.
 */
static unsigned int spread_min = 512;
module_param(spread_min, uint, 0644);
MODULE_PARM_DESC(spread_min,
		 "under load, spread only packets of at least this many bytes (default 512)");

/*
 * A CPU is only given packets of another if it has had at least this share
 * of idle time lately: one that is busy already would make them wait, and
 * every packet behind them in their SA's order.
 */
static unsigned int spare_pct = 20;
module_param(spare_pct, uint, 0644);
MODULE_PARM_DESC(spare_pct,
		 "spread packets only to CPUs idle or in nfesp's workers at least this percent of the time lately (default 20; 0: to any; at most 100)");

/* More packets than this for one SA within a jiffy, from one CPU, is load. */
static unsigned int burst = 8;
module_param(burst, uint, 0644);
MODULE_PARM_DESC(burst,
		 "more packets of an SA than this within a jiffy, all from one CPU, is load (default 8)");

/* How often a CPU's idle time is sampled, in jiffies. */
#define NFESP_IDLE_WINDOW max(HZ / 100, 2)

struct nfesp_idle {
	unsigned long stamp;		/* jiffy of the last sample */
	u64 spare_us;			/* the CPU's spare time then */
	u64 wall_us;			/* and the time */
	bool spare;			/* spare enough since the sample before */
	atomic64_t own_ns;		/* time in our worker, on this CPU */
};

static DEFINE_PER_CPU(struct nfesp_idle, idle_est);

/*
 * A CPU's worker holds at most this many packets waiting for it: one that
 * does not keep up is busy with other work, and the next packets are done
 * where they arrive rather than wait behind it.
 */
static unsigned int worker_depth = 8;
module_param(worker_depth, uint, 0644);
MODULE_PARM_DESC(worker_depth,
		 "packets that may wait for another CPU's crypto worker before the next are done where they arrive (default 8; 0: no limit)");

struct nfesp_worker {
	struct llist_head queue;
	atomic_t queued;		/* in queue, or taken and not yet run */
	struct work_struct work;
};

static struct nfesp_worker __percpu *workers;
static struct workqueue_struct *crypt_wq;

struct nfesp_crypt *nfesp_crypt_new(struct nfesp_net *nn, struct nfesp_sa *sa, int nsg,
				    struct scatterlist **sg)
{
	/* The IV as the transform wants it aligned, as esp4's esp_tmp_iv(). */
	unsigned int iv_align = crypto_aead_alignmask(sa->aead) + 1;
	size_t req_off = ALIGN(sizeof(struct nfesp_crypt) + iv_align - 1 + NFESP_IV_MAX,
			       crypto_tfm_ctx_alignment());
	size_t sg_off = ALIGN(req_off + sizeof(struct aead_request) +
			      crypto_aead_reqsize(sa->aead), __alignof__(struct scatterlist));
	struct nfesp_crypt *c;
	void *p;

	p = kmalloc(sg_off + nsg * sizeof(struct scatterlist), GFP_ATOMIC);
	if (!p)
		return NULL;
	c = p;
	memset(c, 0, sizeof(*c));
	c->iv = PTR_ALIGN((u8 *)p + sizeof(*c), iv_align);
	c->req = p + req_off;
	aead_request_set_tfm(c->req, sa->aead);
	*sg = p + sg_off;
	c->nn = nn;
	c->sa = nfesp_sa_get(sa);
	atomic_inc(&nn->inflight);
	atomic_inc(&sa->inflight);
	return c;
}

void nfesp_crypt_free(struct nfesp_crypt *c)
{
	struct nfesp_net *nn = c->nn;

	atomic_dec(&c->sa->inflight);
	nfesp_sa_put(c->sa);
	kfree(c);
	if (atomic_dec_and_test(&nn->inflight))
		wake_up_var(&nn->inflight);
}

static void order_work(struct work_struct *work);

void nfesp_order_init(struct nfesp_order *q)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->list);
	q->flushing = false;
	INIT_WORK(&q->work, order_work);
}

/*
 * Whether spreading @sa's packets would help: more than burst of them
 * this jiffy, all from this CPU. Packets that already arrive on several
 * CPUs are done where they arrive, as XFRM does; a worker busy with its own
 * CPU's traffic would only hold the rest of the SA's packets back. Under
 * the SA's order lock.
 */
static bool sa_spread(struct nfesp_sa *sa)
{
	unsigned long now = jiffies;
	int cpu = smp_processor_id();

	lockdep_assert_held(&sa->order.lock);
	if (sa->burst_stamp != now) {
		sa->burst_stamp = now;
		sa->burst_count = 1;
		sa->burst_cpu = cpu;
		return false;
	}
	if (sa->burst_cpu != cpu)
		sa->burst_cpu = -1;
	return ++sa->burst_count > READ_ONCE(burst) && sa->burst_cpu == cpu;
}

/*
 * Whether @cpu had spare time since the sample before: idle (iowait too)
 * by the tick's accounting, or in our own crypto worker, which it would
 * give to this packet as readily. Sampled at most every NFESP_IDLE_WINDOW
 * jiffies, by one CPU at a time. A sample too old to say anything of now,
 * or one that went backwards (6.1 reads a remote CPU's idle time without a
 * seqcount), only starts a new window. Without the accounting (nohz off),
 * every CPU has spare time.
 */
static bool cpu_spare(int cpu)
{
	struct nfesp_idle *e = per_cpu_ptr(&idle_est, cpu);
	unsigned long stamp = READ_ONCE(e->stamp), now = jiffies;
	unsigned int pct = min(READ_ONCE(spare_pct), 100U);
	u64 idle, iowait, spare_us, wall;
	bool spare;

	if (!pct)
		return true;
	if (time_before(now, stamp + NFESP_IDLE_WINDOW) ||
	    cmpxchg(&e->stamp, stamp, now) != stamp)
		return READ_ONCE(e->spare);
	idle = get_cpu_idle_time_us(cpu, NULL);
	iowait = get_cpu_iowait_time_us(cpu, NULL);
	if (idle == (u64)-1 || iowait == (u64)-1) {
		WRITE_ONCE(e->spare, true);
		return true;
	}
	spare_us = idle + iowait + div_u64(atomic64_read(&e->own_ns), NSEC_PER_USEC);
	wall = ktime_to_us(ktime_get());
	spare = READ_ONCE(e->spare);
	if (e->wall_us && time_before(now, stamp + 2 * NFESP_IDLE_WINDOW) &&
	    spare_us >= e->spare_us && wall > e->wall_us)
		spare = min(spare_us - e->spare_us, wall - e->wall_us) * 100 >=
			(wall - e->wall_us) * pct;
	e->spare_us = spare_us;
	e->wall_us = wall;
	WRITE_ONCE(e->spare, spare);
	return spare;
}

/*
 * The CPU whose turn it is for @sa's next packet, other than @skip if
 * another is online. Under load the home CPU has the rest of the path to
 * carry (the stack, the finishing of every packet in order): the others
 * take the crypto, and the home CPU only what they cannot.
 */
static int sa_next_cpu(struct nfesp_sa *sa, int skip)
{
	int cpu = READ_ONCE(sa->last_cpu), i;

	for (i = 0; i < 2; i++) {
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		if (cpu != skip)
			break;
	}
	WRITE_ONCE(sa->last_cpu, cpu);
	return cpu;
}

/*
 * Give @c its place: spread over the CPUs or not, and in its SA's order list
 * if it is spread or packets are already waiting there. A packet done where
 * it arrives, with none waiting, needs no place: it cannot overtake.
 */
void nfesp_crypt_order_locked(struct nfesp_crypt *c)
{
	struct nfesp_order *q = &c->sa->order;
	int mode = READ_ONCE(parallel);

	lockdep_assert_held(&q->lock);
	c->home_cpu = smp_processor_id();
	c->spread = mode && num_online_cpus() > 1 &&
		    (mode == 2 || (sa_spread(c->sa) && c->skb->len >= READ_ONCE(spread_min)));
	if (c->spread || !list_empty(&q->list)) {
		list_add_tail(&c->node, &q->list);
		c->ordered = true;
	}
}

void nfesp_crypt_order(struct nfesp_crypt *c)
{
	struct nfesp_order *q = &c->sa->order;

	spin_lock_bh(&q->lock);
	nfesp_crypt_order_locked(c);
	spin_unlock_bh(&q->lock);
}

/* Move the done packets at the head of @q to @ready. */
static void order_take_done(struct nfesp_order *q, struct list_head *ready)
{
	struct nfesp_crypt *c, *next;

	lockdep_assert_held(&q->lock);
	list_for_each_entry_safe(c, next, &q->list, node) {
		if (!c->done)
			break;
		list_move_tail(&c->node, ready);
	}
}

/*
 * Finish the done packets at the head of @sa's order list, in order, until
 * none is left, unless another CPU is at it. BHs off; the caller holds a
 * reference to @sa, as finishing the last packet may drop the others.
 */
static void order_flush(struct nfesp_sa *sa)
{
	struct nfesp_order *q = &sa->order;
	struct nfesp_crypt *c, *next;
	LIST_HEAD(ready);

	spin_lock(&q->lock);
	if (q->flushing) {
		/* The CPU that is finishing packets will find ours. */
		spin_unlock(&q->lock);
		return;
	}
	q->flushing = true;
	for (;;) {
		order_take_done(q, &ready);
		if (list_empty(&ready))
			break;
		spin_unlock(&q->lock);
		list_for_each_entry_safe(c, next, &ready, node) {
			list_del(&c->node);
			c->finish(c, c->err);
		}
		spin_lock(&q->lock);
	}
	q->flushing = false;
	spin_unlock(&q->lock);
}

static void order_work(struct work_struct *work)
{
	struct nfesp_sa *sa = container_of(work, struct nfesp_sa, order.work);

	local_bh_disable();
	order_flush(sa);
	local_bh_enable();
	nfesp_sa_put(sa);	/* taken when queued */
}

/*
 * Crypto for @c is over, with @err: finish it, or, if it has a place in its
 * SA's order list, it and every packet after it that is done, once the
 * packets before it are. Process or softirq context; packets are finished
 * with BHs off, as the stack expects of both.
 *
 * Ordered packets are finished on the CPU they arrived on. Whatever is sent
 * on a veth or handed to the GRO cells (rx.c) is queued on the current
 * CPU's backlog or GRO cell, and packets queued on two CPUs could overtake
 * each other there.
 */
void nfesp_crypt_done(struct nfesp_crypt *c, int err)
{
	struct nfesp_sa *sa = c->sa;
	struct nfesp_order *q = &sa->order;
	int home = c->home_cpu;

	local_bh_disable();
	if (!c->ordered) {
		c->finish(c, err);
		goto out;
	}
	c->err = err;
	/* Hold the SA: once done, @c may be finished by another CPU. */
	nfesp_sa_get(sa);
	spin_lock(&q->lock);
	c->done = true;
	spin_unlock(&q->lock);
	if (home != smp_processor_id()) {
		/* The work puts the reference; it had one already if pending. */
		if (!queue_work_on(home, crypt_wq, &q->work))
			nfesp_sa_put(sa);
	} else {
		order_flush(sa);
		nfesp_sa_put(sa);
	}
out:
	local_bh_enable();
}

static void crypt_submit(struct nfesp_crypt *c)
{
	int err;

	err = c->encrypt ? crypto_aead_encrypt(c->req) : crypto_aead_decrypt(c->req);
	/* -EINPROGRESS, or -EBUSY when backlogged: the completion owns it now. */
	if (err == -EINPROGRESS || err == -EBUSY)
		return;
	nfesp_crypt_done(c, err);
}

static void crypt_worker(struct work_struct *work)
{
	struct nfesp_worker *w = container_of(work, struct nfesp_worker, work);
	struct llist_node *list;
	struct nfesp_crypt *c, *next;
	u64 t0, t1;

	list = llist_reverse_order(llist_del_all(&w->queue));
	llist_for_each_entry_safe(c, next, list, work_node) {
		local_bh_disable();
		t0 = local_clock();
		crypt_submit(c);
		t1 = local_clock();
		/* BHs off: no migration, this is the CPU the time was spent on. */
		atomic64_add(t1 - t0, &this_cpu_ptr(&idle_est)->own_ns);
		local_bh_enable();
		atomic_dec(&w->queued);
		cond_resched();
	}
}

/*
 * Start crypto for @c, which has its place (nfesp_crypt_order()), here or
 * on another CPU. Softirq context (or BHs off).
 */
void nfesp_crypt_run(struct nfesp_crypt *c)
{
	bool always = READ_ONCE(parallel) == 2;
	struct nfesp_worker *w;
	unsigned int depth;
	int cpu;

	if (!c->spread) {
		crypt_submit(c);
		return;
	}
	cpu = sa_next_cpu(c->sa, always ? -1 : c->home_cpu);
	if (cpu == c->home_cpu) {
		crypt_submit(c);
		return;
	}
	w = per_cpu_ptr(workers, cpu);
	depth = READ_ONCE(worker_depth);
	/* Always means always (the tests' setting): no load is judged. */
	if (!always && ((depth && atomic_read(&w->queued) >= (int)depth) || !cpu_spare(cpu))) {
		crypt_submit(c);
		return;
	}
	atomic_inc(&w->queued);
	nfesp_net_count(c->nn, NFESP_STATS_A_CRYPTO_QUEUED);
	if (llist_add(&c->work_node, &w->queue))
		queue_work_on(cpu, crypt_wq, &w->work);
}

int nfesp_crypt_init(void)
{
	int cpu;

	workers = alloc_percpu(struct nfesp_worker);
	if (!workers)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct nfesp_worker *w = per_cpu_ptr(workers, cpu);

		init_llist_head(&w->queue);
		INIT_WORK(&w->work, crypt_worker);
	}
	crypt_wq = alloc_workqueue("nfesp-crypt", WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	if (!crypt_wq)
		goto err_free_workers;
	return 0;

err_free_workers:
	free_percpu(workers);
	return -ENOMEM;
}

/* After every namespace is gone, so no packet is queued any more. */
void nfesp_crypt_uninit(void)
{
	destroy_workqueue(crypt_wq);
	free_percpu(workers);
}
