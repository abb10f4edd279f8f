// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the IKE daemon's plumbing: the log's lines, the loop's
 * timers (order, re-arming and cancelling from callbacks, a holder freed
 * by the callback that cancelled it, a thousand timers), fds and signals;
 * the UDP sockets on 500 and 4500 over IPv4 and IPv6 loopback (the
 * non-ESP marker, local and remote endpoints, keepalives and ESP dropped
 * and counted, a second daemon refused); the control socket (a round trip,
 * a second daemon refused, no daemon, oversized, malformed, unprivileged
 * and slow clients).
 *
 * It runs in a network namespace of its own, which it makes first
 * (unshare(CLONE_NEWNET) as root, with a user namespace otherwise), so
 * that its ports and control socket never meet the host's. Clients run in
 * forked children while the loop serves in the parent. KTAP on stdout;
 * exits 1 if any test failed.
 *
 *	test_loop
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "check.h"
#include "../ctl.h"
#include "../log.h"
#include "../loop.h"
#include "../net.h"

static const char *skip_why;

/* Runs the loop until a callback stops it or ms pass; false on the latter. */
static struct ike_timer guard;
static bool guard_fired;

static void on_guard(struct ike_timer *t)
{
	guard_fired = true;
	ike_loop_stop();
}

static bool run_for(uint64_t ms)
{
	guard_fired = false;
	ike_timer_init(&guard, on_guard);
	ike_timer_arm(&guard, ms);
	CHECK(ike_loop_run() == 0);
	ike_timer_cancel(&guard);
	return !guard_fired;
}

/* stderr into a pipe while fn runs; what it wrote, NUL-terminated. */
static void capture_stderr(void (*fn)(void *arg), void *arg, char *out, size_t size)
{
	int p[2], saved;
	ssize_t n;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = read(p[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
}

/* The log. */

static void log_some(void *arg)
{
	ike_log(IKE_LOG_INFO, "site-b: IKE_SA_INIT %d", 1);
	ike_log(IKE_LOG_DEBUG, "not written");
	ike_log(IKE_LOG_WARN, "a\nb\x1b[31m\n");
	ike_log(IKE_LOG_ERR, "%s", (const char *)arg);
}

static void test_log(void)
{
	char out[8192], big[4000];
	char *line2, *line3, *line4;
	int y, mo, d, h, mi, s, ms, n = 0;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ike_log_init(false, IKE_LOG_INFO);
	CHECK(ike_log_enabled(IKE_LOG_INFO) && !ike_log_enabled(IKE_LOG_DEBUG));
	errno = EPIPE;
	capture_stderr(log_some, big, out, sizeof(out));
	CHECK(errno == EPIPE);
	CHECK(sscanf(out, "%4d-%2d-%2dT%2d:%2d:%2d.%3d info: %n", &y, &mo, &d, &h, &mi, &s,
		     &ms, &n) == 7 && n == 30);
	CHECK(!strncmp(out + 30, "site-b: IKE_SA_INIT 1\n", 22));
	line2 = strchr(out, '\n');
	CHECK(line2 && !strncmp(line2 + 25, "warning: a?b?[31m\n", 18));
	line3 = line2 ? strchr(line2 + 1, '\n') : NULL;
	CHECK(line3 && !strncmp(line3 + 25, "error: xxx", 10));
	/* Cut short, marked, one line. */
	line4 = line3 ? strchr(line3 + 1, '\n') : NULL;
	CHECK(line4 && line4[1] == '\0' && line4 - line3 == 2047 && !strncmp(line4 - 3, "...", 3));
	ike_log_init(false, IKE_LOG_DEBUG);
	CHECK(ike_log_enabled(IKE_LOG_DEBUG));
	ike_log_init(false, IKE_LOG_WARN);
	CHECK(!ike_log_enabled(IKE_LOG_INFO) && ike_log_enabled(IKE_LOG_ERR));
}

/* Timers. */

struct rec_timer {
	struct ike_timer t;
	int id;
};

static int fired[2048];
static unsigned int nfired;

static void record(struct ike_timer *t)
{
	struct rec_timer *r = (struct rec_timer *)t;

	if (nfired < sizeof(fired) / sizeof(fired[0]))
		fired[nfired] = r->id;
	nfired++;
}

static void record_stop_at_5(struct ike_timer *t)
{
	record(t);
	if (nfired == 5)
		ike_loop_stop();
}

static void test_timer_order(void)
{
	static const unsigned int delay[] = { 300, 100, 200, 100, 0 };
	struct rec_timer r[5];
	uint64_t t0 = ike_now_ms();
	unsigned int i;

	for (i = 0; i < 5; i++) {
		ike_timer_init(&r[i].t, record_stop_at_5);
		r[i].id = i;
		CHECK(!ike_timer_armed(&r[i].t) && ike_timer_remaining(&r[i].t) == 0);
		ike_timer_arm(&r[i].t, delay[i]);
		CHECK(ike_timer_armed(&r[i].t));
	}
	CHECK(ike_timer_remaining(&r[0].t) > 0 && ike_timer_remaining(&r[0].t) <= 300);
	nfired = 0;
	CHECK(run_for(2000));
	/* By expiry, ties in the order they were armed. */
	CHECK(nfired == 5 && fired[0] == 4 && fired[1] == 1 && fired[2] == 3 && fired[3] == 2 &&
	      fired[4] == 0);
	CHECK(ike_now_ms() - t0 >= 300);
	for (i = 0; i < 5; i++)
		CHECK(!ike_timer_armed(&r[i].t));

	/* Re-arming moves it; cancelling twice is harmless. */
	ike_timer_arm(&r[0].t, 5000);
	ike_timer_arm(&r[1].t, 50);
	ike_timer_arm(&r[0].t, 10);
	CHECK(ike_timer_remaining(&r[0].t) <= 10);
	ike_timer_cancel(&r[1].t);
	ike_timer_cancel(&r[1].t);
	CHECK(!ike_timer_armed(&r[1].t));
	nfired = 0;
	r[0].t.fn = record;
	CHECK(!run_for(100));
	CHECK(nfired == 1 && fired[0] == 0);
}

/* Callbacks that arm, cancel and free. */
struct holder {
	struct ike_timer t;
	int *freed;
};

static struct rec_timer self_rearm, canceller, mover, moved, zero_loop;
static struct holder *victim;
static int victim_fired, victim_freed, zero_count, self_count;

static void on_self_rearm(struct ike_timer *t)
{
	if (++self_count < 3) {
		ike_timer_arm(t, 5);
		/* Re-armed, then cancelled and armed again: once more only. */
		ike_timer_cancel(t);
		ike_timer_arm(t, 5);
	}
}

static void on_victim(struct ike_timer *t)
{
	victim_fired++;
}

static void on_canceller(struct ike_timer *t)
{
	/* The victim is due too, armed later: it would fire next. */
	ike_timer_cancel(&victim->t);
	*victim->freed = 1;
	free(victim);
	victim = NULL;
}

static void on_mover(struct ike_timer *t)
{
	ike_timer_arm(&moved.t, 0);
}

static void on_moved(struct ike_timer *t)
{
	record(t);
}

static void on_zero_loop(struct ike_timer *t)
{
	/* Armed again for now, each time: it must not starve the rest. */
	if (++zero_count < 50)
		ike_timer_arm(t, 0);
}

static void on_last(struct ike_timer *t)
{
	ike_loop_stop();
}

static void test_timer_callbacks(void)
{
	struct rec_timer last;

	victim = calloc(1, sizeof(*victim));
	if (!CHECK(victim))
		return;
	victim->freed = &victim_freed;
	ike_timer_init(&victim->t, on_victim);
	ike_timer_init(&canceller.t, on_canceller);
	ike_timer_init(&self_rearm.t, on_self_rearm);
	ike_timer_init(&mover.t, on_mover);
	ike_timer_init(&moved.t, on_moved);
	ike_timer_init(&zero_loop.t, on_zero_loop);
	ike_timer_init(&last.t, on_last);
	moved.id = 77;
	ike_timer_arm(&canceller.t, 10);
	ike_timer_arm(&victim->t, 10);
	ike_timer_arm(&self_rearm.t, 5);
	ike_timer_arm(&mover.t, 15);
	ike_timer_arm(&moved.t, 10000);
	ike_timer_arm(&zero_loop.t, 1);
	ike_timer_arm(&last.t, 500);
	nfired = 0;
	CHECK(run_for(2000));
	CHECK(victim_freed && !victim_fired);
	CHECK(self_count == 3 && !ike_timer_armed(&self_rearm.t));
	CHECK(nfired == 1 && fired[0] == 77 && !ike_timer_armed(&moved.t));
	CHECK(zero_count == 50);
}

/* A thousand timers, a third cancelled, some re-armed. */
#define NTIMERS 1000

struct many {
	struct ike_timer t;
	uint64_t due;
	int fires;
};

static struct many many[NTIMERS];
static uint64_t last_due;
static unsigned int many_left;
static bool many_in_order = true;

static void on_many(struct ike_timer *t)
{
	struct many *m = (struct many *)t;

	/* Its expiry stays in the struct; the test's own clock could differ by 1 ms. */
	if (t->expires < last_due || ike_now_ms() < t->expires)
		many_in_order = false;
	last_due = t->expires;
	if (t->expires < m->due)
		many_in_order = false;
	m->fires++;
	if (--many_left == 0)
		ike_loop_stop();
}

static void test_many_timers(void)
{
	unsigned int i, wrong = 0;
	uint64_t now = ike_now_ms();

	srandom(4306);
	many_left = 0;
	for (i = 0; i < NTIMERS; i++) {
		uint64_t d = random() % 200;

		ike_timer_init(&many[i].t, on_many);
		ike_timer_arm(&many[i].t, d);
		many[i].due = now + d;
		many[i].fires = 0;
	}
	for (i = 0; i < NTIMERS; i += 3)
		ike_timer_cancel(&many[i].t);
	for (i = 1; i < NTIMERS; i += 5) {
		uint64_t d = random() % 200;

		if (i % 3 == 0)
			continue;

		now = ike_now_ms();
		ike_timer_arm(&many[i].t, d);
		many[i].due = now + d;
	}
	for (i = 0; i < NTIMERS; i++)
		many_left += ike_timer_armed(&many[i].t);
	CHECK(many_left == NTIMERS - (NTIMERS + 2) / 3);
	last_due = 0;
	CHECK(run_for(3000));
	for (i = 0; i < NTIMERS; i++)
		wrong += many[i].fires != (i % 3 ? 1 : 0);
	CHECK(wrong == 0);
	CHECK(many_in_order);
}

/* fds and signals. */
static int pipe_reads, terms, hups;
static char pipe_got[16];

static void on_pipe(int fd, void *arg)
{
	ssize_t n = read(fd, pipe_got, sizeof(pipe_got) - 1);

	pipe_got[n > 0 ? n : 0] = '\0';
	pipe_reads++;
	/* Deleting itself from its callback. */
	ike_loop_del_fd(fd);
	ike_loop_stop();
}

static void on_term(void)
{
	terms++;
	ike_loop_stop();
}

static void on_hup(void)
{
	hups++;
}

static void test_fds_signals(void)
{
	int p[2];

	if (!CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0))
		return;
	CHECK(ike_loop_add_fd(p[0], on_pipe, NULL) == 0);
	CHECK(ike_loop_add_fd(p[0], on_pipe, NULL) == -EEXIST);
	CHECK(ike_loop_mod_fd(p[1], 0) == -ENOENT);
	CHECK(write(p[1], "ping", 4) == 4);
	CHECK(run_for(1000));
	CHECK(pipe_reads == 1 && !strcmp(pipe_got, "ping"));
	CHECK(write(p[1], "again", 5) == 5);
	/* Deleted: the loop no longer wakes for it. */
	CHECK(!run_for(50) && pipe_reads == 1);
	close(p[0]);
	close(p[1]);

	ike_loop_signals(on_term, on_hup);
	raise(SIGHUP);
	raise(SIGHUP);
	raise(SIGTERM);
	CHECK(run_for(1000));
	CHECK(terms == 1 && hups >= 1);
	raise(SIGINT);
	CHECK(run_for(1000));
	CHECK(terms == 2);
	/* ike_loop_stop() before ike_loop_run(): it returns at once. */
	ike_loop_stop();
	CHECK(ike_loop_run() == 0);
}

/* The UDP sockets. */

struct rx_rec {
	uint8_t msg[256];
	size_t len;
	struct ike_ep local, remote;
	unsigned int count;
};

static struct rx_rec rx;

static void on_rx(const uint8_t *msg, size_t len, const struct ike_ep *local,
		  const struct ike_ep *remote, void *arg)
{
	rx.len = len < sizeof(rx.msg) ? len : sizeof(rx.msg);
	memcpy(rx.msg, msg, rx.len);
	rx.local = *local;
	rx.remote = *remote;
	rx.count++;
	CHECK(arg == &rx);
	ike_loop_stop();
}

static bool have_v6;

static struct ike_ep ep(const char *a, uint16_t port)
{
	struct ike_ep e = { .port = port };

	if (a) {
		e.addr.family = strchr(a, ':') ? AF_INET6 : AF_INET;
		inet_pton(e.addr.family, a, e.addr.bytes);
	}
	return e;
}

static bool ep_eq(const struct ike_ep *a, const struct ike_ep *b)
{
	size_t n = a->addr.family == AF_INET ? 4 : 16;

	return a->addr.family == b->addr.family && a->port == b->port &&
	       !memcmp(a->addr.bytes, b->addr.bytes, n);
}

/* A message as IKE would send it: 28 bytes and more. */
static uint8_t ikemsg[40];

static void make_msg(uint8_t tag)
{
	unsigned int i;

	for (i = 0; i < sizeof(ikemsg); i++)
		ikemsg[i] = (uint8_t)(tag + i + 1);
}

/* Sends ikemsg from local to remote through ike_net and checks its receipt. */
static void self_send(const char *from, const char *to, uint16_t port, uint8_t tag)
{
	struct ike_ep l = ep(from, port), r = ep(to, port);

	make_msg(tag);
	rx.count = 0;
	CHECK(ike_net_send(&l, &r, ikemsg, sizeof(ikemsg)) == 0);
	CHECK(run_for(2000));
	CHECK(rx.count == 1 && rx.len == sizeof(ikemsg) && !memcmp(rx.msg, ikemsg, rx.len));
	/* Its source is our socket, its destination as addressed. */
	l = ep(from ? from : to, port);
	CHECK(ep_eq(&rx.local, &r));
	CHECK(ep_eq(&rx.remote, &l));
}

/* A plain UDP socket bound to addr:port (0: any), receiving within 2 s. */
static int plain_sock(const char *addr, uint16_t *port)
{
	struct ike_ep e = ep(addr, *port);
	struct sockaddr_storage ss = { 0 };
	struct timeval tv = { 2, 0 };
	socklen_t sl;
	int fd;

	fd = socket(e.addr.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (e.addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = e.addr.v4;
		sin->sin_port = htons(e.port);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = e.addr.v6;
		sin6->sin6_port = htons(e.port);
		sl = sizeof(*sin6);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static ssize_t plain_send(int fd, const char *to, uint16_t port, const void *p, size_t len)
{
	struct ike_ep e = ep(to, port);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	if (e.addr.family == AF_INET) {
		sin.sin_addr = e.addr.v4;
		return sendto(fd, p, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	}
	sin6.sin6_addr = e.addr.v6;
	return sendto(fd, p, len, 0, (struct sockaddr *)&sin6, sizeof(sin6));
}

static void test_net_open(void)
{
	struct ike_net_stats st;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	have_v6 = fd >= 0;
	if (fd >= 0)
		close(fd);
	CHECK(ike_net_open(on_rx, &rx) == 0);
	CHECK(ike_net_open(on_rx, &rx) == -EALREADY);
	ike_net_stats(&st);
	CHECK(st.rx == 0 && st.tx == 0 && st.rx_dropped_esp == 0 && st.rx_keepalive == 0 &&
	      st.rx_short == 0 && st.tx_errors == 0);
}

static void test_net_500(void)
{
	struct ike_net_stats st;

	self_send("127.0.0.1", "127.0.0.1", IKE_PORT, 1);
	/* From another local address: IP_PKTINFO picks the source. */
	self_send("127.0.0.2", "127.0.0.1", IKE_PORT, 2);
	/* To another: IP_PKTINFO reports it. */
	self_send("127.0.0.1", "127.0.0.3", IKE_PORT, 3);
	/* Family 0: routing picks the source. */
	self_send(NULL, "127.0.0.1", IKE_PORT, 4);
	if (have_v6) {
		self_send("::1", "::1", IKE_PORT, 5);
		self_send(NULL, "::1", IKE_PORT, 6);
	} else {
		skip_why = "no IPv6";
	}
	ike_net_stats(&st);
	CHECK(st.rx == st.tx && st.tx == (have_v6 ? 6 : 4) && st.tx_errors == 0);
}

static void test_net_4500(void)
{
	struct ike_net_stats before, after;
	static const char *const addrs[] = { "127.0.0.1", "::1" };
	unsigned int i;

	ike_net_stats(&before);
	for (i = 0; i < (have_v6 ? 2 : 1); i++) {
		uint8_t buf[256] = { 0 };
		struct ike_ep l, r;
		uint16_t port = 0;
		int fd;

		self_send(addrs[i], addrs[i], IKE_NATT_PORT, 10 + i);
		/* On the wire: the marker, then the message. */
		fd = plain_sock(addrs[i], &port);
		if (!CHECK(fd >= 0))
			continue;
		l = ep(addrs[i], IKE_NATT_PORT);
		r = ep(addrs[i], port);
		make_msg(20 + i);
		CHECK(ike_net_send(&l, &r, ikemsg, sizeof(ikemsg)) == 0);
		CHECK(recv(fd, buf, sizeof(buf), 0) == 4 + sizeof(ikemsg));
		CHECK(!memcmp(buf, "\0\0\0\0", 4) && !memcmp(buf + 4, ikemsg, sizeof(ikemsg)));
		/* A peer's message with the marker: stripped, its port reported. */
		memmove(buf + 4, buf + 4, sizeof(ikemsg));
		rx.count = 0;
		CHECK(plain_send(fd, addrs[i], IKE_NATT_PORT, buf, 4 + sizeof(ikemsg)) ==
		      (ssize_t)(4 + sizeof(ikemsg)));
		CHECK(run_for(2000));
		CHECK(rx.count == 1 && rx.len == sizeof(ikemsg) &&
		      !memcmp(rx.msg, ikemsg, sizeof(ikemsg)));
		CHECK(ep_eq(&rx.remote, &r) && ep_eq(&rx.local, &l));
		/* A keepalive: one byte 0xff from 4500. */
		CHECK(ike_net_keepalive(&l, &r) == 0);
		CHECK(recv(fd, buf, sizeof(buf), 0) == 1 && buf[0] == 0xff);
		close(fd);
	}
	ike_net_stats(&after);
	CHECK(after.rx_dropped_esp == before.rx_dropped_esp &&
	      after.rx_keepalive == before.rx_keepalive);
}

static void test_net_drops(void)
{
	static const uint8_t esp[] = { 0x00, 0x00, 0x10, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef,
				       1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				       17, 18, 19, 20, 21, 22, 23, 24 };
	static const uint8_t ka = 0xff, tiny[2] = { 0, 0 };
	struct ike_net_stats before, after;
	uint8_t buf[64];
	uint16_t port = 0;
	int fd;

	fd = plain_sock("127.0.0.1", &port);
	if (!CHECK(fd >= 0))
		return;
	ike_net_stats(&before);
	rx.count = 0;
	/* On 4500: a keepalive, ESP (SPI 0x1001, no marker), 2 bytes, a marker alone. */
	CHECK(plain_send(fd, "127.0.0.1", IKE_NATT_PORT, &ka, 1) == 1);
	CHECK(plain_send(fd, "127.0.0.1", IKE_NATT_PORT, esp, sizeof(esp)) == sizeof(esp));
	CHECK(plain_send(fd, "127.0.0.1", IKE_NATT_PORT, tiny, sizeof(tiny)) == sizeof(tiny));
	CHECK(plain_send(fd, "127.0.0.1", IKE_NATT_PORT, "\0\0\0\0", 4) == 4);
	/* On 500: shorter than an IKE header; and a keepalive is not one there. */
	CHECK(plain_send(fd, "127.0.0.1", IKE_PORT, esp, 27) == 27);
	CHECK(plain_send(fd, "127.0.0.1", IKE_PORT, &ka, 1) == 1);
	/* Then IKE, which arrives after them on the same sockets. */
	memset(buf, 0, 4);
	make_msg(30);
	memcpy(buf + 4, ikemsg, sizeof(ikemsg));
	CHECK(plain_send(fd, "127.0.0.1", IKE_NATT_PORT, buf, 4 + sizeof(ikemsg)) > 0);
	CHECK(run_for(2000));
	CHECK(plain_send(fd, "127.0.0.1", IKE_PORT, ikemsg, sizeof(ikemsg)) > 0);
	CHECK(run_for(2000));
	CHECK(rx.count == 2);
	ike_net_stats(&after);
	CHECK(after.rx_keepalive - before.rx_keepalive == 1);
	CHECK(after.rx_dropped_esp - before.rx_dropped_esp == 1);
	CHECK(after.rx_short - before.rx_short == 4);
	CHECK(after.rx - before.rx == 2);
	close(fd);
}

static void test_net_send_errors(void)
{
	struct ike_ep l = ep("127.0.0.1", 501), r = ep("127.0.0.1", 500), l6 = ep("::1", 500);
	struct ike_net_stats before, after;
	struct addr src, dst;

	CHECK(ike_net_send(&l, &r, ikemsg, sizeof(ikemsg)) == -EINVAL);
	CHECK(ike_net_send(&l6, &r, ikemsg, sizeof(ikemsg)) == -EAFNOSUPPORT);
	ike_net_stats(&before);
	/* Not a local address: the kernel refuses the source. */
	l = ep("192.0.2.1", 500);
	CHECK(ike_net_send(&l, &r, ikemsg, sizeof(ikemsg)) < 0);
	ike_net_stats(&after);
	CHECK(after.tx_errors - before.tx_errors == 1 && after.tx == before.tx);

	dst = ep("127.0.0.5", 0).addr;
	CHECK(ike_net_route_src(&dst, &src) == 0 && src.family == AF_INET &&
	      src.v4.s_addr == htonl(0x7f000001));
	if (have_v6) {
		dst = ep("::1", 0).addr;
		CHECK(ike_net_route_src(&dst, &src) == 0 && src.family == AF_INET6 &&
		      IN6_IS_ADDR_LOOPBACK(&src.v6));
	}
	/* The namespace has no route but loopback's. */
	dst = ep("192.0.2.1", 0).addr;
	CHECK(ike_net_route_src(&dst, &src) == -ENETUNREACH);
	dst.family = 0;
	CHECK(ike_net_route_src(&dst, &src) == -EAFNOSUPPORT);
}

/*
 * Runs fn in a child, with its stderr into a pipe; what it wrote there
 * into out, and its exit status.
 */
static int child(int (*fn)(void *arg), void *arg, char *out, size_t size)
{
	int p[2], status = -1;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	out[0] = '\0';
	fflush(stdout);
	fflush(stderr);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		/* Not the parent's loop: its epoll is shared with us. */
		ike_loop_close();
		_exit(fn(arg));
	}
	close(p[1]);
	while (len < size - 1 && (n = read(p[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int second_net(void *arg)
{
	/* The parent's sockets, which stay bound in the parent. */
	ike_net_close();
	if (ike_loop_init())
		return 2;
	return ike_net_open(on_rx, NULL) == -EADDRINUSE ? 0 : 1;
}

static int other_netns_net(void *arg)
{
	ike_net_close();
	if (unshare(CLONE_NEWNET) < 0 || ike_loop_init())
		return 2;
	return ike_net_open(on_rx, NULL) == 0 ? 0 : 1;
}

static void test_net_second(void)
{
	char out[4096];

	CHECK(child(second_net, NULL, out, sizeof(out)) == 0);
	CHECK(strstr(out, "error: UDP port 500 is in use: is another IKE daemon (charon, pluto, "
		     "ipsecctl) running in this network namespace?\n") != NULL);
	if (failures)
		printf("# child's stderr: %s", out);
	CHECK(child(other_netns_net, NULL, out, sizeof(out)) == 0);
}

/* The control socket. */

static json_t *on_ctl(const json_t *req, void *arg)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *name = json_object_get(req, "name"), *answer;

	CHECK(arg == &rx);
	if (!strcmp(cmd, "null"))
		return NULL;
	if (!strcmp(cmd, "big")) {
		json_t *a = json_array();
		int i;

		for (i = 0; i < 100000; i++)
			json_array_append_new(a, json_integer(i));
		return json_pack("{s:b,s:o}", "ok", 1, "list", a);
	}
	answer = json_pack("{s:b,s:s}", "ok", 1, "cmd", cmd);
	if (name)
		json_object_set(answer, "name", name);
	return answer;
}

/* A client in a child, writing its answer or -1 to a pipe the loop reads. */
struct call {
	json_t *req;
	char answer[65536];
	size_t len;
	bool done;
	int (*fn)(struct call *c, int out);
	char err[1024];
};

static void on_answer(int fd, void *arg)
{
	struct call *c = arg;
	ssize_t n = read(fd, c->answer + c->len, sizeof(c->answer) - 1 - c->len);

	if (n > 0) {
		c->len += (size_t)n;
		return;
	}
	c->answer[c->len] = '\0';
	c->done = true;
	ike_loop_del_fd(fd);
	ike_loop_stop();
}

static int call_in_child(struct call *c, int out)
{
	json_t *resp;
	char *s;

	if (ike_ctl_call(c->req, &resp, 5000))
		return 1;
	s = json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s || write(out, s, strlen(s)) < 0)
		return 1;
	return 0;
}

/* The size of the list in the answer, and its last element. */
static int call_big(struct call *c, int out)
{
	json_t *resp, *list;
	char s[64];

	if (ike_ctl_call(c->req, &resp, 5000))
		return 1;
	list = json_object_get(resp, "list");
	snprintf(s, sizeof(s), "%zu %lld", json_array_size(list),
		 (long long)json_integer_value(json_array_get(list, json_array_size(list) - 1)));
	if (write(out, s, strlen(s)) < 0)
		return 1;
	return 0;
}

/* Runs c->fn in a child while the loop serves; its stderr in c->err. */
static int serve_call(struct call *c)
{
	int p[2], e[2], status = -1;
	ssize_t n;
	pid_t pid;

	c->len = 0;
	c->done = false;
	c->err[0] = '\0';
	fflush(stdout);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(e, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		dup2(e[1], STDERR_FILENO);
		ike_loop_close();
		_exit(c->fn(c, p[1]));
	}
	close(p[1]);
	close(e[1]);
	CHECK(ike_loop_add_fd(p[0], on_answer, c) == 0);
	CHECK(run_for(10000));
	if (!c->done)
		ike_loop_del_fd(p[0]);
	close(p[0]);
	waitpid(pid, &status, 0);
	n = read(e[0], c->err, sizeof(c->err) - 1);
	c->err[n > 0 ? n : 0] = '\0';
	close(e[0]);
	if (c->err[0])
		printf("# client's stderr: %s", c->err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static struct call call;

static int call_json(const char *req)
{
	int ret;

	call.req = json_loads(req, 0, NULL);
	call.fn = call_in_child;
	ret = serve_call(&call);
	json_decref(call.req);
	return ret;
}

static void no_daemon(void *arg)
{
	json_t *req = json_pack("{s:s}", "cmd", "status"), *resp = NULL;

	*(int *)arg = ike_ctl_call(req, &resp, 1000);
	CHECK(resp == NULL);
	json_decref(req);
}

static void test_ctl_none(void)
{
	char out[1024];
	int ret = 0;

	capture_stderr(no_daemon, &ret, out, sizeof(out));
	CHECK(ret == -1);
	CHECK(!strcmp(out, "ipsecctl: no IKE daemon is running in this network namespace "
		      "(start one with: ipsecctl daemon -f FILE)\n"));
}

static void test_ctl_round_trip(void)
{
	CHECK(ike_ctl_open(on_ctl, &rx) == 0);
	CHECK(ike_ctl_open(on_ctl, &rx) == -EALREADY);
	CHECK(call_json("{\"cmd\":\"up\",\"name\":\"site-b\"}") == 0);
	CHECK(!strcmp(call.answer, "{\"cmd\":\"up\",\"name\":\"site-b\",\"ok\":true}"));
	CHECK(call_json("{\"cmd\":\"status\"}") == 0);
	CHECK(!strcmp(call.answer, "{\"cmd\":\"status\",\"ok\":true}"));
	/* An answer larger than the socket's buffers: written as it drains. */
	call.req = json_pack("{s:s}", "cmd", "big");
	call.fn = call_big;
	CHECK(serve_call(&call) == 0);
	CHECK(!strcmp(call.answer, "100000 99999"));
	json_decref(call.req);
}

static int second_ctl(void *arg)
{
	/* The parent's socket, which stays bound in the parent. */
	ike_ctl_close();
	if (ike_loop_init())
		return 2;
	return ike_ctl_open(on_ctl, NULL) == -EADDRINUSE ? 0 : 1;
}

static int other_netns_ctl(void *arg)
{
	ike_ctl_close();
	if (unshare(CLONE_NEWNET) < 0 || ike_loop_init())
		return 2;
	return ike_ctl_open(on_ctl, NULL) == 0 ? 0 : 1;
}

static void test_ctl_second(void)
{
	char out[4096];

	CHECK(child(second_ctl, NULL, out, sizeof(out)) == 0);
	CHECK(strstr(out, "error: the control socket @nfesp-ipsecctl-ike is in use: another "
		     "IKE daemon is running in this network namespace\n") != NULL);
	if (failures)
		printf("# child's stderr: %s", out);
	/* Abstract sockets belong to the network namespace. */
	CHECK(child(other_netns_ctl, NULL, out, sizeof(out)) == 0);
}

static void test_ctl_bad(void)
{
	char *name = malloc(IKE_CTL_MAX_REQUEST + 100);
	char *req = malloc(IKE_CTL_MAX_REQUEST + 200);

	if (!CHECK(name && req))
		goto out;
	memset(name, 'x', IKE_CTL_MAX_REQUEST + 99);
	name[IKE_CTL_MAX_REQUEST + 99] = '\0';
	snprintf(req, IKE_CTL_MAX_REQUEST + 200, "{\"cmd\":\"up\",\"name\":\"%s\"}", name);
	CHECK(call_json(req) == 0);
	CHECK(!strcmp(call.answer, "{\"error\":\"the request is too large (more than 16384 "
		      "bytes)\",\"ok\":false}"));
	/* Just at the limit: served. */
	snprintf(req, IKE_CTL_MAX_REQUEST + 1, "{\"cmd\":\"up\",\"name\":\"%s\"}", name);
	req[IKE_CTL_MAX_REQUEST - 2] = '"';
	req[IKE_CTL_MAX_REQUEST - 1] = '}';
	CHECK(strlen(req) == IKE_CTL_MAX_REQUEST);
	CHECK(call_json(req) == 0);
	CHECK(!strncmp(call.answer, "{\"cmd\":\"up\",\"name\":\"xxx", 23));

	CHECK(call_json("[\"cmd\",\"status\"]") == 0);
	CHECK(!strcmp(call.answer, "{\"error\":\"the request is not a JSON object with a "
		      "\\\"cmd\\\" string\",\"ok\":false}"));
	CHECK(call_json("{\"name\":\"x\"}") == 0);
	CHECK(strstr(call.answer, "\"ok\":false") != NULL);
	CHECK(call_json("{\"cmd\":\"null\"}") == 0);
	CHECK(!strcmp(call.answer, "{\"error\":\"internal error\",\"ok\":false}"));
out:
	free(name);
	free(req);
}

/* Raw clients: not JSON; nothing sent within the time-out. */
static int raw_client(struct call *c, int out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t sl = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(IKE_CTL_NAME);
	char buf[4096];
	ssize_t n, len = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *send_this = json_string_value(c->req);

	memcpy(sun.sun_path + 1, IKE_CTL_NAME, strlen(IKE_CTL_NAME));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sl) < 0)
		return 1;
	if (send_this) {
		if (write(fd, send_this, strlen(send_this)) < 0)
			return 1;
		shutdown(fd, SHUT_WR);
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	if (write(out, len ? buf : "(closed)", len ? (size_t)len : 8) < 0)
		return 1;
	return 0;
}

static void test_ctl_raw(void)
{
	uint64_t t0;

	call.req = json_string("{\"cmd\": \"status\",");
	call.fn = raw_client;
	CHECK(serve_call(&call) == 0);
	CHECK(!strncmp(call.answer, "{\"ok\":false,\"error\":\"the request is not JSON: ", 46));
	CHECK(call.len && call.answer[call.len - 1] == '\n');
	json_decref(call.req);

	call.req = json_string("{\"cmd\":\"down\",\"name\":\"a\",\"cmd\":\"up\"}");
	CHECK(serve_call(&call) == 0);
	CHECK(!strncmp(call.answer, "{\"ok\":false,", 12));
	json_decref(call.req);

	/* A slow client: closed after the time-out, without an answer. */
	ike_ctl_set_timeout(200);
	call.req = NULL;
	t0 = ike_now_ms();
	CHECK(serve_call(&call) == 0);
	CHECK(!strcmp(call.answer, "(closed)"));
	CHECK(ike_now_ms() - t0 >= 200);
	ike_ctl_set_timeout(IKE_CTL_TIMEOUT_MS);
}

/* A client without CAP_NET_ADMIN in its effective set. */
static int unprivileged(struct call *c, int out)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return 3;
	d[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	if (syscall(SYS_capset, &h, d) < 0)
		return 3;
	return call_in_child(c, out);
}

/* A client with every capability, in a user namespace of its own. */
static int other_userns(struct call *c, int out)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return 3;
	return call_in_child(c, out);
}

static void test_ctl_unprivileged(void)
{
	char want[128];

	call.req = json_pack("{s:s}", "cmd", "reload");
	call.fn = unprivileged;
	CHECK(serve_call(&call) == 0);
	snprintf(want, sizeof(want), "{\"error\":\"permission denied: the client (PID ");
	CHECK(!strncmp(call.answer, want, strlen(want)));
	CHECK(strstr(call.answer, "does not have CAP_NET_ADMIN\",\"ok\":false}") != NULL);
	call.fn = other_userns;
	CHECK(serve_call(&call) == 0);
	CHECK(!strncmp(call.answer, want, strlen(want)));
	CHECK(strstr(call.answer, "does not have CAP_NET_ADMIN in the user namespace of this "
		     "network namespace\",\"ok\":false}") != NULL);
	json_decref(call.req);
	ike_ctl_close();
	ike_net_close();
}

static const struct test tests[] = {
	{ "log: timestamped lines, levels, control characters, long lines", test_log },
	{ "timers: by expiry, ties in arming order; re-arm moves, cancel", test_timer_order },
	{ "timers: callbacks re-arm, cancel, free a cancelled holder, arm at 0",
	  test_timer_callbacks },
	{ "timers: 1000, a third cancelled, some re-armed, in order", test_many_timers },
	{ "fds and signals: a pipe, deleting from its callback, SIGHUP/SIGTERM/SIGINT",
	  test_fds_signals },
	{ "net: opens 500 and 4500, IPv4 and IPv6", test_net_open },
	{ "net: to ourselves on 500, IPv4 and ::1, local and remote endpoints", test_net_500 },
	{ "net: 4500: the marker added and stripped, keepalives sent", test_net_4500 },
	{ "net: keepalive, ESP, short datagrams dropped and counted", test_net_drops },
	{ "net: send errors counted, route_src", test_net_send_errors },
	{ "net: a second daemon in the namespace fails, clearly; another namespace's not",
	  test_net_second },
	{ "ctl: without a daemon, the client says so", test_ctl_none },
	{ "ctl: round trips, a large answer", test_ctl_round_trip },
	{ "ctl: a second daemon in the namespace fails, clearly; another namespace's not",
	  test_ctl_second },
	{ "ctl: oversized, not an object, no cmd, no answer: refused", test_ctl_bad },
	{ "ctl: not JSON, duplicate keys, a slow client timed out", test_ctl_raw },
	{ "ctl: refused: a client without CAP_NET_ADMIN, one in another user namespace",
	  test_ctl_unprivileged },
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* A network namespace of our own, with loopback up. */
static int enter_netns(void)
{
	struct ifreq ifr = { 0 };
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	int fd, err;

	if (unshare(CLONE_NEWNET) < 0) {
		if (errno != EPERM)
			return -1;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		if (write_file("/proc/self/uid_map", map) < 0 ||
		    write_file("/proc/self/setgroups", "deny") < 0)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!err) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	const unsigned int n = sizeof(tests) / sizeof(tests[0]);
	unsigned int i, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%u\n", n);
	if (enter_netns() < 0 || ike_loop_init() < 0) {
		printf("# cannot make a network namespace: %s\n", strerror(errno));
		for (i = 0; i < n; i++)
			printf("not ok %u - %s\n", i + 1, tests[i].name);
		printf("# 0 checks; 0 passed, %u failed\n", n);
		return 1;
	}
	for (i = 0; i < n; i++) {
		failures = 0;
		skip_why = NULL;
		tests[i].fn();
		printf("%s %u - %s\n", failures ? "not ok" : "ok", i + 1, tests[i].name);
		if (skip_why)
			printf("# %s\n", skip_why);
		failed += !!failures;
	}
	ike_loop_close();
	printf("# %lu checks; %u passed, %u failed\n", checks, n - failed, failed);
	return failed ? 1 : 0;
}
