// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE daemon's event loop: epoll over the sockets, a timerfd set to
 * the earliest timer of a min-heap, a signalfd.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "log.h"
#include "loop.h"

struct fd_handler {
	void (*fn)(int fd, void *arg);
	void *arg;
};

static int epfd = -1, tfd = -1, sigfd = -1;
static bool stopping;
/* Indexed by fd; fn is NULL for an fd not added. */
static struct fd_handler *handlers;
static int nhandlers;

/* The heap of armed timers: heap[1..heap_len], heap[0] unused. */
static struct ike_timer **heap;
static unsigned int heap_len, heap_size;
static uint64_t next_seq;
/* What tfd is set to: an absolute expiry, or 0 when disarmed. */
static uint64_t tfd_expires;

static void (*term_fn)(void), (*hup_fn)(void);
static sigset_t sigs;
static bool sigs_blocked;

uint64_t ike_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool timer_before(const struct ike_timer *a, const struct ike_timer *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

static void heap_set(unsigned int i, struct ike_timer *t)
{
	heap[i] = t;
	t->index = i;
}

static void sift_up(unsigned int i)
{
	struct ike_timer *t = heap[i];

	while (i > 1 && timer_before(t, heap[i / 2])) {
		heap_set(i, heap[i / 2]);
		i /= 2;
	}
	heap_set(i, t);
}

static void sift_down(unsigned int i)
{
	struct ike_timer *t = heap[i];
	unsigned int c;

	for (;;) {
		c = 2 * i;
		if (c > heap_len)
			break;
		if (c < heap_len && timer_before(heap[c + 1], heap[c]))
			c++;
		if (!timer_before(heap[c], t))
			break;
		heap_set(i, heap[c]);
		i = c;
	}
	heap_set(i, t);
}

static void heap_remove(struct ike_timer *t)
{
	unsigned int i = t->index;
	struct ike_timer *last = heap[heap_len--];

	t->index = 0;
	if (last == t)
		return;
	heap_set(i, last);
	if (i > 1 && timer_before(last, heap[i / 2]))
		sift_up(i);
	else
		sift_down(i);
}

void ike_timer_init(struct ike_timer *t, void (*fn)(struct ike_timer *t))
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
}

void ike_timer_arm(struct ike_timer *t, uint64_t delay_ms)
{
	uint64_t now = ike_now_ms();

	if (t->index)
		heap_remove(t);
	if (heap_len + 1 >= heap_size) {
		unsigned int size = heap_size ? 2 * heap_size : 64;
		struct ike_timer **p = realloc(heap, size * sizeof(*p));

		if (!p) {
			ike_log(IKE_LOG_ERR, "out of memory for %u timers", heap_len + 1);
			abort();
		}
		heap = p;
		heap_size = size;
	}
	t->expires = delay_ms > UINT64_MAX - now ? UINT64_MAX : now + delay_ms;
	t->seq = next_seq++;
	heap_set(++heap_len, t);
	sift_up(heap_len);
}

void ike_timer_cancel(struct ike_timer *t)
{
	if (t->index)
		heap_remove(t);
}

bool ike_timer_armed(const struct ike_timer *t)
{
	return t->index != 0;
}

uint64_t ike_timer_remaining(const struct ike_timer *t)
{
	uint64_t now;

	if (!t->index)
		return 0;
	now = ike_now_ms();
	return t->expires > now ? t->expires - now : 0;
}

/*
 * The timers due now, earliest first. Those armed while this runs wait
 * for the next turn, so that a timer re-arming itself with a delay of 0
 * cannot hold the loop. Such a timer sorts after every timer due now (its
 * expiry is not earlier and its seq is later), so stopping at the first
 * of them leaves no older due timer behind.
 */
static void run_timers(void)
{
	uint64_t now = ike_now_ms(), limit = next_seq;
	struct ike_timer *t;

	while (heap_len && !stopping) {
		t = heap[1];
		if (t->expires > now || t->seq >= limit)
			break;
		heap_remove(t);
		t->fn(t);
	}
}

static void set_tfd(void)
{
	struct itimerspec its = { 0 };
	uint64_t expires = heap_len ? heap[1]->expires : 0;

	if (expires == tfd_expires)
		return;
	if (expires) {
		/* 0 would disarm: a timer due at 0 ms is due anyway. */
		its.it_value.tv_sec = expires / 1000;
		its.it_value.tv_nsec = (expires % 1000) * 1000000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		ike_log(IKE_LOG_ERR, "timerfd_settime: %s", strerror(errno));
		abort();
	}
	tfd_expires = expires;
}

static void on_tfd(int fd, void *arg)
{
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		ike_log(IKE_LOG_WARN, "timerfd: %s", strerror(errno));
	/* Expired, hence disarmed: set_tfd() must set it again. */
	tfd_expires = 0;
	run_timers();
}

int ike_loop_add_fd(int fd, void (*fn)(int fd, void *arg), void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd < 0 || !fn)
		return -EINVAL;
	if (epfd < 0)
		return -EBADF;
	if (fd >= nhandlers) {
		int n = fd + 16;
		struct fd_handler *p = realloc(handlers, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + nhandlers, 0, (n - nhandlers) * sizeof(*p));
		handlers = p;
		nhandlers = n;
	}
	if (handlers[fd].fn)
		return -EEXIST;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	handlers[fd].fn = fn;
	handlers[fd].arg = arg;
	return 0;
}

int ike_loop_mod_fd(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || fd >= nhandlers || !handlers[fd].fn)
		return -ENOENT;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void ike_loop_del_fd(int fd)
{
	if (fd < 0 || fd >= nhandlers || !handlers[fd].fn)
		return;
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	handlers[fd].fn = NULL;
	handlers[fd].arg = NULL;
}

static void on_signal(int fd, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (hup_fn)
				hup_fn();
		} else if (term_fn) {
			term_fn();
		}
	}
}

void ike_loop_signals(void (*on_term)(void), void (*on_hup)(void))
{
	term_fn = on_term;
	hup_fn = on_hup;
	signal(SIGPIPE, SIG_IGN);
	if (sigfd >= 0)
		return;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sigs_blocked = true;
	sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigfd < 0 || ike_loop_add_fd(sigfd, on_signal, NULL) < 0) {
		/* Only without memory: then the default actions stay. */
		ike_log(IKE_LOG_ERR, "signalfd: %s", strerror(errno));
		if (sigfd >= 0)
			close(sigfd);
		sigfd = -1;
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		sigs_blocked = false;
	}
}

int ike_loop_init(void)
{
	int err;

	if (epfd >= 0)
		return 0;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0) {
		err = -errno;
		goto err_close_epfd;
	}
	tfd_expires = 0;
	err = ike_loop_add_fd(tfd, on_tfd, NULL);
	if (err)
		goto err_close_tfd;
	return 0;

err_close_tfd:
	close(tfd);
	tfd = -1;
err_close_epfd:
	close(epfd);
	epfd = -1;
	return err;
}

int ike_loop_run(void)
{
	struct epoll_event evs[64];
	int i, n, fd;

	if (epfd < 0)
		return -EBADF;
	while (!stopping) {
		set_tfd();
		n = epoll_wait(epfd, evs, sizeof(evs) / sizeof(evs[0]), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !stopping; i++) {
			fd = evs[i].data.fd;
			/* An earlier callback of this turn may have deleted it. */
			if (fd < nhandlers && handlers[fd].fn)
				handlers[fd].fn(fd, handlers[fd].arg);
		}
	}
	stopping = false;
	return 0;
}

void ike_loop_stop(void)
{
	stopping = true;
}

void ike_loop_close(void)
{
	while (heap_len)
		heap_remove(heap[heap_len]);
	free(heap);
	heap = NULL;
	heap_size = 0;
	free(handlers);
	handlers = NULL;
	nhandlers = 0;
	if (sigfd >= 0)
		close(sigfd);
	sigfd = -1;
	if (sigs_blocked)
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	sigs_blocked = false;
	term_fn = NULL;
	hup_fn = NULL;
	if (tfd >= 0)
		close(tfd);
	tfd = -1;
	tfd_expires = 0;
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
	stopping = false;
}
