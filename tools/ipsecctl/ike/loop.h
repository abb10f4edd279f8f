/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE daemon's event loop: one epoll, one timerfd for every timer,
 * one signalfd. Single-threaded: nothing here may be called from another
 * thread or from a signal handler.
 *
 * Timers live in a min-heap ordered by expiry, then by the order they were
 * armed, so arming, cancelling and firing are O(log n) and timers due at
 * the same millisecond fire in the order they were armed. A timer fires
 * once per arming. Its callback runs with the timer already disarmed and
 * may arm or cancel any timer, itself included, and may free the struct
 * holding any timer it has cancelled (or that is not armed): the loop
 * keeps no pointer to a timer that is not armed. A timer armed from a
 * callback, even with a delay of 0, fires on the next turn of the loop,
 * after the file descriptors that are ready, never in the same turn.
 */
#ifndef IKE_LOOP_H
#define IKE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t ike_now_ms(void);

struct ike_timer {
	uint64_t expires;	/* ike_now_ms() at which it fires */
	uint64_t seq;		/* arming order, for ties */
	unsigned int index;	/* in the heap, 0 if not armed */
	void (*fn)(struct ike_timer *t);
};

/* Before any other use; a zeroed struct with fn set is equivalent. */
void ike_timer_init(struct ike_timer *t, void (*fn)(struct ike_timer *t));
/* Re-arming an armed timer moves it. Allocation failure aborts. */
void ike_timer_arm(struct ike_timer *t, uint64_t delay_ms);
/* Harmless on a timer that is not armed. */
void ike_timer_cancel(struct ike_timer *t);
bool ike_timer_armed(const struct ike_timer *t);
/* Milliseconds until it fires; 0 if not armed (or due now). */
uint64_t ike_timer_remaining(const struct ike_timer *t);

/* 0 or -errno. Timers may be armed before it. */
int ike_loop_init(void);
/*
 * Calls fn when fd is readable (EPOLLIN; also on error or hang-up). One
 * callback per fd; fn may add and delete any fd, its own included.
 * 0 or -errno.
 */
int ike_loop_add_fd(int fd, void (*fn)(int fd, void *arg), void *arg);
/*
 * What fd waits for: EPOLLIN, EPOLLOUT or both (from <sys/epoll.h>); the
 * same callback is called, which finds out which with non-blocking calls.
 * 0 or -errno.
 */
int ike_loop_mod_fd(int fd, uint32_t events);
/* Before closing fd. Harmless on an fd that was not added. */
void ike_loop_del_fd(int fd);
/*
 * After ike_loop_init(): SIGTERM and SIGINT call on_term, SIGHUP calls
 * on_hup (either may be NULL: the signal is then ignored), from the loop
 * through a signalfd; SIGPIPE is ignored. The three signals are blocked
 * in this thread. Called again, it only changes the callbacks.
 */
void ike_loop_signals(void (*on_term)(void), void (*on_hup)(void));
/* Runs until ike_loop_stop(); 0, or -errno if epoll itself fails. */
int ike_loop_run(void);
/* Makes ike_loop_run() return after the callback that calls it. */
void ike_loop_stop(void);
/*
 * Closes the loop's descriptors and forgets its fds and timers, as in a
 * child after fork() or at the end of a test; ike_loop_init() may follow.
 * Signals are unblocked again.
 */
void ike_loop_close(void);

#endif /* IKE_LOOP_H */
