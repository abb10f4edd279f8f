// SPDX-License-Identifier: GPL-2.0-only
/*
 * The crypto of one packet: its context, the CPU that does it, and the
 * order in which finished packets leave.
 *
 * Order. Every packet an SA encrypts or decrypts joins the SA's order list
 * when it is given its sequence number (outbound) or is accepted by the
 * replay check (inbound). Crypto may finish in any order: on several CPUs,
 * or asynchronously in a driver. A finished packet is only marked done;
 * whoever finds the head of the list done takes the done prefix off it and
 * finishes those packets, in order, outside the lock. One CPU at a time
 * does that for an SA (->flushing), so packets also leave in order.
 *
 * Parallelism. A single flow through a router is one SA, and its packets
 * arrive on one CPU. Encrypting them all there makes one CPU the limit, as
 * it is for XFRM. Under load, nfesp spreads an SA's packets over the online
 * CPUs, round robin: the packets whose turn is this CPU's are done here at
 * once, the others are queued to a per-CPU worker. A packet alone (a ping,
 * a trickle of traffic) is always done where it arrives, without the
 * latency of a queue. The module parameter "parallel" chooses: 0 never,
 * 1 under load (the default), 2 always (for tests).
 *
 * Lifetime. A context holds a reference to its SA and counts in its SA's
 * and namespace's in-flight packets from allocation to free; the namespace
 * waits for them at exit (nfesp_inflight_drain()), and the module destroys
 * the workers only after every namespace is gone.
 */

#include <linux/cpumask.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "datapath.h"
#include "netns.h"
#include "sa.h"

static int parallel = 1;
module_param(parallel, int, 0644);
MODULE_PARM_DESC(parallel,
		 "spread an SA's crypto over the CPUs: 0 never, 1 under load (default), 2 always");

/* More packets than this for one SA within a jiffy is load. */
#define NFESP_BURST 8

struct nfesp_worker {
	struct llist_head queue;
	struct work_struct work;
};

static struct nfesp_worker __percpu *workers;
static struct workqueue_struct *crypt_wq;

struct nfesp_crypt *nfesp_crypt_new(struct nfesp_net *nn, struct nfesp_sa *sa, int nsg,
				    struct scatterlist **sg)
{
	size_t req_off = ALIGN(sizeof(struct nfesp_crypt), crypto_tfm_ctx_alignment());
	size_t sg_off = ALIGN(req_off + sizeof(struct aead_request) +
			      crypto_aead_reqsize(sa->aead), __alignof__(struct scatterlist));
	struct nfesp_crypt *c;
	void *p;

	p = kmalloc(sg_off + nsg * sizeof(struct scatterlist), GFP_ATOMIC);
	if (!p)
		return NULL;
	c = p;
	memset(c, 0, sizeof(*c));
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

void nfesp_order_add_locked(struct nfesp_order *q, struct nfesp_crypt *c)
{
	lockdep_assert_held(&q->lock);
	list_add_tail(&c->node, &q->list);
}

void nfesp_order_add(struct nfesp_order *q, struct nfesp_crypt *c)
{
	spin_lock_bh(&q->lock);
	nfesp_order_add_locked(q, c);
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
 * Crypto for @c is over, with @err: finish it and every packet after it
 * that is done, once the packets before it are. Process or softirq context;
 * packets are finished with BHs off, as the stack expects of both.
 *
 * Spread outbound packets are sent from one CPU, the one they arrived on:
 * a veth or a loopback queues what is sent on the sending CPU's backlog,
 * and packets sent from two CPUs could overtake each other there. Inbound
 * ones go to nfesp0's NAPI context, which delivers them one at a time.
 */
void nfesp_crypt_done(struct nfesp_crypt *c, int err)
{
	struct nfesp_sa *sa = c->sa;
	struct nfesp_order *q = &sa->order;
	int tx_cpu = c->spread && c->encrypt ? c->tx_cpu : -1;

	c->err = err;
	local_bh_disable();
	/* Hold the SA: once done, @c may be finished by another CPU. */
	nfesp_sa_get(sa);
	spin_lock(&q->lock);
	c->done = true;
	spin_unlock(&q->lock);
	if (tx_cpu >= 0 && tx_cpu != smp_processor_id()) {
		/* The work puts the reference; it had one already if pending. */
		if (!queue_work_on(tx_cpu, crypt_wq, &q->work))
			nfesp_sa_put(sa);
	} else {
		order_flush(sa);
		nfesp_sa_put(sa);
	}
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

	list = llist_reverse_order(llist_del_all(&w->queue));
	llist_for_each_entry_safe(c, next, list, work_node) {
		local_bh_disable();
		crypt_submit(c);
		local_bh_enable();
		cond_resched();
	}
}

/* Whether @sa is under load: more than NFESP_BURST packets this jiffy. */
static bool sa_busy(struct nfesp_sa *sa)
{
	unsigned long now = jiffies;

	if (READ_ONCE(sa->burst_stamp) != now) {
		WRITE_ONCE(sa->burst_stamp, now);
		WRITE_ONCE(sa->burst_count, 1);
		return false;
	}
	/* Racy on purpose: this is a hint, not an account. */
	WRITE_ONCE(sa->burst_count, READ_ONCE(sa->burst_count) + 1);
	return READ_ONCE(sa->burst_count) > NFESP_BURST;
}

/* The CPU whose turn it is for @sa's next packet. */
static int sa_next_cpu(struct nfesp_sa *sa)
{
	int cpu = cpumask_next(READ_ONCE(sa->last_cpu), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(sa->last_cpu, cpu);
	return cpu;
}

/*
 * Start crypto for @c, already in its SA's order list, here or on another
 * CPU. Softirq context (or BH disabled).
 */
void nfesp_crypt_run(struct nfesp_crypt *c)
{
	struct nfesp_sa *sa = c->sa;
	struct nfesp_worker *w;
	int mode = READ_ONCE(parallel);
	int cpu;

	if (!mode || num_online_cpus() < 2 || (mode == 1 && !sa_busy(sa))) {
		crypt_submit(c);
		return;
	}
	c->spread = true;
	c->tx_cpu = smp_processor_id();
	cpu = sa_next_cpu(sa);
	if (cpu == c->tx_cpu) {
		crypt_submit(c);
		return;
	}
	nfesp_net_count(c->nn, NFESP_STATS_A_CRYPTO_QUEUED);
	w = per_cpu_ptr(workers, cpu);
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
