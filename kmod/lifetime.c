// SPDX-License-Identifier: GPL-2.0-only
/*
 * SA lifetimes (RFC 4301 section 4.4.2.1): soft and hard limits on bytes,
 * packets and seconds. Reaching a soft limit sends EXPIRE and the SA keeps
 * working, so IKE can rekey before it breaks; reaching a hard limit makes
 * the SA unusable at once, sends EXPIRE with NFESP_A_EXPIRE_HARD, and removes
 * it, which frees its transform and with it the keys.
 *
 * The packet path only counts and flags; the events and the removal happen
 * in the SA's life_work, which holds a reference on the SA while queued.
 */

#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/timekeeping.h>
#include "datapath.h"
#include "netlink.h"
#include "netns.h"
#include "sa.h"

static void life_queue(struct nfesp_sa *sa, unsigned long delay)
{
	if (test_bit(NFESP_SA_S_DEAD, &sa->state))
		return;
	nfesp_sa_get(sa);
	/* mod_delayed_work() is true if the work was queued: it has a ref. */
	if (mod_delayed_work(nfesp_life_wq, &sa->life_work, delay))
		nfesp_sa_put(sa);
}

static bool over(u64 used, u64 limit)
{
	return limit && used >= limit;
}

/*
 * Nanoseconds from now until @secs after the SA was added, or 0. A time
 * beyond what a u64 of nanoseconds holds (XFRM's XFRM_INF, U64_MAX, among
 * them) saturates: it is never reached, rather than wrapping to the past.
 */
static u64 ns_until(const struct nfesp_sa *sa, u64 secs, u64 now)
{
	u64 span, at;

	if (check_mul_overflow(secs, (u64)NSEC_PER_SEC, &span) ||
	    check_add_overflow(sa->add_ns, span, &at))
		at = U64_MAX;
	return at > now ? at - now : 0;
}

/* As a workqueue delay: rounded up, and never wrapping jiffies. */
static unsigned long delay_of(u64 ns)
{
	return min_t(u64, nsecs_to_jiffies64(ns) + 1, MAX_JIFFY_OFFSET);
}

static bool time_over(const struct nfesp_sa *sa, u64 secs, u64 now)
{
	return secs && !ns_until(sa, secs, now);
}

static void life_work(struct work_struct *work)
{
	struct nfesp_sa *sa = container_of(to_delayed_work(work), struct nfesp_sa,
					   life_work);
	struct nfesp_net *nn = sa->nn;
	u64 now = ktime_get_boottime_ns();
	u64 bytes = atomic64_read(&sa->lt_bytes);
	u64 packets = atomic64_read(&sa->lt_packets);
	bool hard, soft;

	mutex_lock(&nn->lock);
	if (test_bit(NFESP_SA_S_DEAD, &sa->state))
		goto out_unlock;

	hard = test_bit(NFESP_SA_S_HARD, &sa->state) ||
	       over(bytes, sa->hard.bytes) || over(packets, sa->hard.packets) ||
	       time_over(sa, sa->hard.seconds, now);
	soft = over(bytes, sa->soft.bytes) || over(packets, sa->soft.packets) ||
	       time_over(sa, sa->soft.seconds, now);

	/* A soft limit passed on the way to a hard one is still reported. */
	if (soft && !test_and_set_bit(NFESP_SA_S_SOFT, &sa->state))
		nfesp_event_expire(nn, sa, false);
	if (hard) {
		set_bit(NFESP_SA_S_HARD, &sa->state);
		nfesp_event_expire(nn, sa, true);
		nfesp_event_sa(nn, sa, NFESP_CMD_SA_DEL);
		pr_debug("SA %u (spi 0x%08x) hard expired\n", sa->index, ntohl(sa->key.spi));
		nfesp_sa_unlink(nn, sa);
		goto out_unlock;
	}

	/* Come back for whichever time limit is still ahead. */
	if (sa->hard.seconds)
		life_queue(sa, delay_of(ns_until(sa, sa->hard.seconds, now)));
	else if (sa->soft.seconds && !test_bit(NFESP_SA_S_SOFT, &sa->state))
		life_queue(sa, delay_of(ns_until(sa, sa->soft.seconds, now)));
out_unlock:
	mutex_unlock(&nn->lock);
	nfesp_sa_put(sa);	/* the queued work's reference */
}

void nfesp_lifetime_init(struct nfesp_sa *sa)
{
	INIT_DELAYED_WORK(&sa->life_work, life_work);
}

/* The SA was just linked: arm the first time limit. */
/* Before the SA is published: the packet path reads both. */
void nfesp_lifetime_setup(struct nfesp_sa *sa)
{
	sa->add_ns = ktime_get_boottime_ns();
	sa->has_limits = sa->soft.bytes || sa->soft.packets ||
			 sa->hard.bytes || sa->hard.packets;
}

/* Once it is published: the timer for the first limit in seconds. */
void nfesp_lifetime_start(struct nfesp_sa *sa)
{
	u64 first = U64_MAX;

	lockdep_assert_held(&sa->nn->lock);

	if (sa->soft.seconds)
		first = sa->soft.seconds;
	if (sa->hard.seconds)
		first = min(first, sa->hard.seconds);
	if (first != U64_MAX)
		life_queue(sa, delay_of(ns_until(sa, first, sa->add_ns)));
}

/* Packet path: count a packet of @bytes and flag a limit reached. */
void nfesp_lifetime_account(struct nfesp_sa *sa, unsigned int bytes)
{
	u64 b, p;

	if (!sa->has_limits)
		return;
	b = atomic64_add_return(bytes, &sa->lt_bytes);
	p = atomic64_inc_return(&sa->lt_packets);
	if (over(b, sa->hard.bytes) || over(p, sa->hard.packets)) {
		if (!test_and_set_bit(NFESP_SA_S_HARD, &sa->state))
			life_queue(sa, 0);
	} else if ((over(b, sa->soft.bytes) || over(p, sa->soft.packets)) &&
		   !test_bit(NFESP_SA_S_SOFT, &sa->state)) {
		life_queue(sa, 0);
	}
}

/* Packet path: the SA must not be used again (sequence numbers ran out). */
void nfesp_sa_hard_expire(struct nfesp_sa *sa)
{
	if (!test_and_set_bit(NFESP_SA_S_HARD, &sa->state))
		life_queue(sa, 0);
}

/* The SA is being freed: no reference is left, so no work is queued. */
void nfesp_lifetime_stop(struct nfesp_sa *sa)
{
	cancel_delayed_work_sync(&sa->life_work);
}
