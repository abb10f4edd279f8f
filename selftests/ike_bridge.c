// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE daemon's bridge to nfesp (tools/ipsecctl/ike/kernel.c), driven
 * as the daemon drives it: SPI reservation, SAs with keys, encapsulation,
 * lifetimes and owners, protect policies, ACQUIRE and EXPIRE from the event
 * socket, encap moves that are not mistaken for NAT mappings, owned objects
 * listed and flushed, dumps restarted under churn, a lost-events overrun.
 *
 * Run by ike_bridge.sh in a scratch network namespace with the module
 * loaded: dummy0 holds 192.0.2.1/24, and 198.51.100.0/24 is routed out of
 * it. It refuses to run in the initial namespace. Output is KTAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/nfesp.h>
#include <openssl/crypto.h>
#include "../tools/ipsecctl/ike/kernel.h"
#include "ktap.h"

/* What ipsecctl's main.c and commands.c would define. */
bool opt_json, opt_dry_run, opt_numeric;
const char *prog = "ike_bridge";

#define LOCAL "192.0.2.1"
#define PEER "192.0.2.2"
#define CHURN_SAS 1000

/* Everything kb_dispatch() delivered. */
struct seen {
	unsigned int acquires, expires, mappings, deleted, overruns;
	struct kb_acquire acquire;
	struct kb_expire expire[8];
	struct sa del[8];
};

static struct seen seen;

static void on_acquire(void *ctx, const struct kb_acquire *a)
{
	seen.acquire = *a;
	seen.acquires++;
}

static void on_expire(void *ctx, const struct kb_expire *e)
{
	if (seen.expires < 8)
		seen.expire[seen.expires] = *e;
	seen.expires++;
}

static void on_mapping(void *ctx, const struct kb_mapping *m)
{
	seen.mappings++;
}

static void on_deleted(void *ctx, const struct sa *sa)
{
	if (seen.deleted < 8)
		seen.del[seen.deleted] = *sa;
	seen.deleted++;
}

static void on_overrun(void *ctx)
{
	seen.overruns++;
}

static const struct kb_ops ops = {
	.acquire = on_acquire,
	.expire = on_expire,
	.mapping = on_mapping,
	.sa_deleted = on_deleted,
	.overrun = on_overrun,
};

static struct addr A(const char *s)
{
	struct addr a = { 0 };

	if (inet_pton(AF_INET, s, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		a.family = AF_INET6;
	return a;
}

static bool addr_is(const struct addr *a, const char *s)
{
	struct addr b = A(s);

	return a->family == b.family && !memcmp(a->bytes, b.bytes, a->family == AF_INET ? 4 : 16);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Dispatch events as the daemon's loop would, until @done or @ms pass. */
static bool pump(int ms, bool (*done)(void))
{
	long end = now_ms() + ms;
	struct pollfd p = { .fd = kb_event_fd(), .events = POLLIN };

	for (;;) {
		int err = kb_dispatch(&ops, NULL);
		long left;

		if (err) {
			ktap_diag("kb_dispatch: %d %s", err, kb_last_error());
			return false;
		}
		if (done && done())
			return true;
		left = end - now_ms();
		if (left <= 0)
			return !done;
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return false;
	}
}

/* An SA of aes-gcm-128 from @src to @dst, with a key of @fill bytes. */
static struct sa gcm_sa(uint32_t spi, const char *src, const char *dst, uint64_t owner)
{
	struct sa sa = { 0 };

	sa.spi = spi;
	sa.src = A(src);
	sa.dst = A(dst);
	sa.owner = owner;
	sa.reqid = 5;
	sa.enc = enc_alg_by_name("aes-gcm-128");
	sa.has_key = true;
	sa.key_len = 20;
	memset(sa.key, 0xc3, sa.key_len);
	return sa;
}

static struct policy protect(const char *from, int fplen, const char *to, int tplen,
			     uint64_t owner)
{
	struct policy p = { 0 };

	p.dir = NFESP_DIR_OUT;
	p.action = NFESP_ACTION_PROTECT;
	p.src = A(from);
	p.src_plen = fplen;
	p.dst = A(to);
	p.dst_plen = tplen;
	p.mode = NFESP_MODE_TUNNEL;
	p.local = A(LOCAL);
	p.peer = A(PEER);
	p.reqid = 5;
	p.owner = owner;
	return p;
}

static bool check(bool ok, int err, const char *what)
{
	if (!ok)
		ktap_diag("%s: %d %s", what, err, kb_last_error());
	return ok;
}

/* 1: the sockets */
static void t_open(void)
{
	int err = kb_open();

	ktap_result(check(!err && kb_event_fd() >= 0, err, "kb_open"),
		    "kb_open opens the request and event sockets");
	if (err)
		ktap_bail("cannot go on without the sockets");
}

static uint32_t spi_reserved;

/* 2-6: a reserved SPI filled by an SA with everything, read back */
static void t_spi_and_sa(void)
{
	struct addr dst = A(LOCAL), src = A(PEER);
	struct sa sa, got;
	bool ok;
	int err;

	err = kb_spi_alloc(&dst, &src, &spi_reserved);
	ok = !err && spi_reserved >= 0x100 && !kb_sa_get(spi_reserved, &dst, &got) &&
	     (got.flags & NFESP_SA_F_LARVAL);
	ktap_result(check(ok, err, "kb_spi_alloc"),
		    "kb_spi_alloc reserves SPI 0x%08x (larval in sa_get)", spi_reserved);

	sa = gcm_sa(spi_reserved, PEER, LOCAL, IKE_OWNER(1));
	sa.flags = NFESP_SA_F_ESN | NFESP_SA_F_FOLLOW_PEER;
	sa.encap_sport = 4500;
	sa.encap_dport = 4501;
	sa.soft.bytes = 1000000;
	sa.hard.bytes = 2000000;
	sa.soft.seconds = 3000;
	sa.hard.seconds = 3600;
	sa.mode = NFESP_MODE_TUNNEL;
	err = kb_sa_add(&sa);
	ktap_result(check(!err, err, "kb_sa_add"), "kb_sa_add fills the reserved SPI");

	memset(&got, 0x5a, sizeof(got));
	err = kb_sa_get(spi_reserved, &dst, &got);
	ok = !err && got.spi == spi_reserved && !(got.flags & NFESP_SA_F_LARVAL) &&
	     (got.flags & NFESP_SA_F_ESN) && (got.flags & NFESP_SA_F_FOLLOW_PEER) &&
	     addr_is(&got.src, PEER) && addr_is(&got.dst, LOCAL) &&
	     got.owner == IKE_OWNER(1) && got.reqid == 5 && got.mode == NFESP_MODE_TUNNEL &&
	     got.enc && !strcmp(got.enc->name, "aes-gcm-128") && !got.auth &&
	     got.encap_sport == 4500 && got.encap_dport == 4501 &&
	     got.soft.bytes == 1000000 && got.hard.bytes == 2000000 &&
	     got.soft.seconds == 3000 && got.hard.seconds == 3600 &&
	     got.replay_window == NFESP_REPLAY_WINDOW_DEFAULT;
	if (!err && !ok)
		ktap_diag("got spi 0x%x flags 0x%x owner 0x%llx reqid %u encap %u/%u rw %u",
			  got.spi, got.flags, (unsigned long long)got.owner, got.reqid,
			  got.encap_sport, got.encap_dport, got.replay_window);
	ktap_result(check(ok, err, "kb_sa_get"),
		    "kb_sa_get reads back flags, owner, reqid, encap, lifetimes, replay window 64 for 0");
	ktap_result(!err && !got.has_key && !got.has_auth_key && !got.key_len &&
		    got.key[0] == 0 && !memchr(got.key, 0xc3, sizeof(got.key)),
		    "kb_sa_get carries no keys");

	err = kb_sa_add(&sa);
	ok = err == -EEXIST && strstr(kb_last_error(), "sa add:");
	ktap_result(check(ok, err, "second kb_sa_add"),
		    "the same SA again: -EEXIST, with a reason (%s)", kb_last_error());
	OPENSSL_cleanse(&sa, sizeof(sa));
}

/* 7-9: errors with their reasons */
static void t_errors(void)
{
	struct addr dst = A(LOCAL);
	struct sa sa = gcm_sa(0x7000, PEER, LOCAL, 0);
	int err;

	sa.soft.seconds = 10;
	sa.hard.seconds = 5;
	err = kb_sa_add(&sa);
	/* "sa add: EXTACK (Invalid argument)": the kernel said why. */
	ktap_result(check(err == -EINVAL && strstr(kb_last_error(), "(Invalid argument)"), err,
			  "kb_sa_add soft > hard"),
		    "a soft lifetime above the hard one: -EINVAL with the kernel's extack: %s",
		    kb_last_error());
	sa.has_key = false;
	err = kb_sa_add(&sa);
	ktap_result(check(err == -EINVAL, err, "kb_sa_add without a key"),
		    "an SA without its key is refused before the kernel: %s", kb_last_error());
	err = kb_sa_del(0x7001, &dst);
	ktap_result(check(err == -ENOENT && kb_sa_get(0x7001, &dst, &sa) == -ENOENT, err,
			  "kb_sa_del of nothing"),
		    "kb_sa_del and kb_sa_get of an SA that is not there: -ENOENT");
}

static uint32_t pol_id;

static bool got_overrun(void)
{
	return seen.overruns > 0;
}

static bool got_acquire(void)
{
	return seen.acquires > 0;
}

/* 10-11: a protect policy without an SA raises ACQUIRE for a packet */
static void t_acquire(void)
{
	struct policy p = protect(LOCAL, 32, "198.51.100.0", 24, IKE_OWNER(1));
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(40000) };
	const struct kb_acquire *a = &seen.acquire;
	int err, fd;
	bool ok;

	p.proto = IPPROTO_UDP;	/* ports 0-0 below: any, not port 0 */
	err = kb_policy_add(&p, &pol_id);
	ktap_result(check(!err && pol_id, err, "kb_policy_add"),
		    "kb_policy_add of an owned protect policy gives id %u", pol_id);

	pump(0, NULL);
	memset(&seen, 0, sizeof(seen));
	inet_pton(AF_INET, "198.51.100.7", &to.sin_addr);
	inet_pton(AF_INET, LOCAL, &from.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
	    sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) != 1)
		ktap_diag("sending the UDP packet: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	ok = pump(5000, got_acquire) && a->pol.id == pol_id &&
	     a->pol.owner == IKE_OWNER(1) && a->pol.reqid == 5 &&
	     addr_is(&a->src, LOCAL) && addr_is(&a->dst, "198.51.100.7") &&
	     a->proto == IPPROTO_UDP && a->sport == 40000 && a->dport == 9;
	if (seen.acquires && !ok)
		ktap_diag("acquire: policy %u owner 0x%llx proto %u ports %u/%u",
			  a->pol.id, (unsigned long long)a->pol.owner, a->proto, a->sport,
			  a->dport);
	ktap_result(ok, "a UDP packet raises an ACQUIRE that kb_dispatch delivers with the packet's addresses, proto and ports (%u)",
		    seen.acquires);
}

static bool got_hard(void)
{
	unsigned int i;

	for (i = 0; i < seen.expires && i < 8; i++)
		if (seen.expire[i].hard)
			return seen.deleted > 0;
	return false;
}

/* 12-13: soft then hard expire, then the deletion */
static void t_expire(void)
{
	struct sa sa = gcm_sa(0x2000, LOCAL, PEER, IKE_OWNER(1));
	int err;
	bool ok;

	sa.soft.seconds = 1;
	sa.hard.seconds = 2;
	memset(&seen, 0, sizeof(seen));
	err = kb_sa_add(&sa);
	ok = !err && pump(8000, got_hard) && seen.expires == 2 &&
	     !seen.expire[0].hard && seen.expire[1].hard &&
	     seen.expire[0].sa.spi == 0x2000 && seen.expire[1].sa.spi == 0x2000 &&
	     seen.expire[0].sa.owner == IKE_OWNER(1);
	if (!ok)
		ktap_diag("%u expires (first hard: %d), %u deleted", seen.expires,
			  seen.expires ? seen.expire[0].hard : -1, seen.deleted);
	ktap_result(check(ok, err, "expire"),
		    "a 1 s soft and 2 s hard lifetime: EXPIRE soft, then EXPIRE hard");
	ktap_result(seen.deleted == 1 && seen.del[0].spi == 0x2000 && addr_is(&seen.del[0].dst, PEER),
		    "and sa_deleted for it after the hard expire");
}

/* 14-16: encap moves, not delivered as mappings */
static void t_set_encap(void)
{
	struct sa sa = gcm_sa(0x3000, PEER, LOCAL, IKE_OWNER(2)), got;
	struct addr dst = A(LOCAL), src2 = A("192.0.2.3");
	int err;
	bool ok;

	sa.encap_sport = 4500;
	sa.encap_dport = 4500;
	err = kb_sa_add(&sa);
	if (!err)
		err = kb_sa_set_encap(0x3000, &dst, NULL, 4501, 0);
	ok = !err && !kb_sa_get(0x3000, &dst, &got) && got.encap_sport == 4501 &&
	     got.encap_dport == 4500 && addr_is(&got.src, PEER);
	ktap_result(check(ok, err, "kb_sa_set_encap sport"),
		    "kb_sa_set_encap moves the source port and keeps the rest");
	err = kb_sa_set_encap(0x3000, &dst, &src2, 0, 4600);
	ok = !err && !kb_sa_get(0x3000, &dst, &got) && got.encap_sport == 4501 &&
	     got.encap_dport == 4600 && addr_is(&got.src, "192.0.2.3");
	ktap_result(check(ok, err, "kb_sa_set_encap src and dport"),
		    "kb_sa_set_encap moves the source address and the destination port");
	memset(&seen, 0, sizeof(seen));
	pump(300, NULL);
	ktap_result(!seen.mappings && !seen.acquires && !seen.expires && !seen.deleted &&
		    !seen.overruns && kb_sa_set_encap(0x3000, &dst, NULL, 0, 0) == -EINVAL,
		    "kb_dispatch delivers no MAPPING (nor anything) for them; a move of nothing is -EINVAL");
}

static int by_spi(const void *a, const void *b)
{
	const struct sa *x = a, *y = b;

	return x->spi < y->spi ? -1 : x->spi > y->spi;
}

/* 17-19: listing what an owner left */
static void t_list(void)
{
	struct policy other = protect(LOCAL, 32, "203.0.113.0", 24, 42), none;
	struct sa s0 = gcm_sa(0x4000, LOCAL, PEER, 0), s42 = gcm_sa(0x4001, LOCAL, PEER, 42);
	struct sa s3 = gcm_sa(0x4002, LOCAL, PEER, IKE_OWNER(3));
	struct policy *pols = NULL;
	struct sa *sas = NULL;
	size_t n = 0, np = 0, i;
	uint32_t id42 = 0, id0 = 0;
	int err;
	bool ok;

	none = protect(LOCAL, 32, "203.0.114.0", 24, 0);
	err = kb_sa_add(&s0) ?: kb_sa_add(&s42) ?: kb_sa_add(&s3) ?:
	      kb_policy_add(&other, &id42) ?: kb_policy_add(&none, &id0);
	if (!err)
		err = kb_list_owned_sas(IKE_OWNER_MASK, IKE_OWNER_BASE, &sas, &n);
	/* Owned: the reserved SPI filled, 0x3000 and 0x4002 (0x2000 expired). */
	ok = !err && n == 3;
	for (i = 0; ok && i < n; i++)
		ok = !sas[i].has_key && ((sas[i].spi == 0x3000 && sas[i].owner == IKE_OWNER(2)) ||
					 (sas[i].spi == 0x4002 && sas[i].owner == IKE_OWNER(3)) ||
					 (sas[i].spi == spi_reserved &&
					  sas[i].owner == IKE_OWNER(1)));
	if (!err && !ok)
		ktap_diag("%zu owned SAs listed", n);
	ktap_result(check(ok, err, "kb_list_owned_sas"),
		    "kb_list_owned_sas lists exactly the daemon's SAs, without keys");
	free(sas);
	sas = NULL;
	err = kb_list_owned_sas(~0ULL, IKE_OWNER(2), &sas, &n);
	ok = !err && n == 1 && sas[0].spi == 0x3000;
	ktap_result(check(ok, err, "kb_list_owned_sas one connection"),
		    "with the full mask, one connection's SAs only");
	free(sas);
	err = kb_list_owned_policies(IKE_OWNER_MASK, IKE_OWNER_BASE, &pols, &np);
	ok = !err && np == 1 && pols[0].id == pol_id && pols[0].owner == IKE_OWNER(1) &&
	     pols[0].action == NFESP_ACTION_PROTECT && addr_is(&pols[0].peer, PEER);
	ktap_result(check(ok, err, "kb_list_owned_policies"),
		    "kb_list_owned_policies lists exactly the daemon's policy (of 3)");
	free(pols);
	OPENSSL_cleanse(&s0, sizeof(s0));
}

/* 20-21: dumps under churn, restarted with a fresh request */
#define CHURN_OWNER 99

static void churn(void)
{
	struct addr dst = A(PEER);
	uint32_t spi = 0x100000;

	/* Sockets of its own: the parent's fds are shared, not to be read. */
	kb_close();
	if (kb_open())
		_exit(1);
	for (;;) {
		struct sa sa = gcm_sa(spi, LOCAL, PEER, CHURN_OWNER);

		/* About 250 changes a second: more than rekeying ever makes. */
		kb_sa_add(&sa);
		usleep(2000);
		kb_sa_del(spi, &dst);
		usleep(2000);
		spi = spi == 0x100fff ? 0x100000 : spi + 1;
	}
}

static void t_churn(void)
{
	unsigned int i, before = kb_dump_restarts(), bad = 0, rounds = 0;
	size_t n;
	struct sa *sas;
	pid_t pid;
	int err = 0;

	for (i = 0; i < CHURN_SAS && !err; i++) {
		struct sa sa = gcm_sa(0x10000 + i, LOCAL, PEER, IKE_OWNER(7));

		err = kb_sa_add(&sa);
	}
	if (err) {
		check(false, err, "adding the SAs to dump");
		ktap_result(false, "dumps under churn list each owned SA once");
		ktap_result(false, "an interrupted dump was restarted");
		return;
	}
	pid = fork();
	if (pid == 0)
		churn();
	/* Until a restart was seen, at least 3 rounds, at most 200. */
	for (rounds = 0; rounds < 200 && (rounds < 3 || kb_dump_restarts() == before); rounds++) {
		err = kb_list_owned_sas(~0ULL, IKE_OWNER(7), &sas, &n);
		if (err)
			break;
		qsort(sas, n, sizeof(*sas), by_spi);
		for (i = 0; i < n; i++)
			if (sas[i].spi != 0x10000 + i)
				break;
		if (n != CHURN_SAS || i != n)
			bad++;
		free(sas);
	}
	if (err)
		ktap_diag("kb_list_owned_sas under churn: %d %s", err, kb_last_error());
	/* The SA the churner had added when it was killed, if any. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (kb_flush_owned(~0ULL, CHURN_OWNER) < 0)
		ktap_diag("flushing the churner's SA: %s", kb_last_error());
	ktap_result(!err && !bad,
		    "%u dumps under churn each list the %d owned SAs once (%u wrong)", rounds,
		    CHURN_SAS, bad);
	ktap_result(kb_dump_restarts() > before,
		    "an interrupted dump was restarted (%u restarts)", kb_dump_restarts() - before);
}

/* 22: events lost to a full queue are reported as an overrun */
static void t_overrun(void)
{
	int small = 1, big = 1 << 20, err = 0, i;
	struct addr dst = A(PEER);

	pump(0, NULL);
	memset(&seen, 0, sizeof(seen));
	setsockopt(kb_event_fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (i = 0; i < 100 && !err; i++) {
		struct sa sa = gcm_sa(0x20000 + i, LOCAL, PEER, 0);

		err = kb_sa_add(&sa) ?: kb_sa_del(0x20000 + i, &dst);
	}
	if (!err)
		err = kb_dispatch(&ops, NULL);
	setsockopt(kb_event_fd(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	ktap_result(check(!err && seen.overruns == 1, err, "overrun"),
		    "a full event queue: kb_dispatch calls overrun once (%u), and goes on",
		    seen.overruns);
}

/* 23-25: flush what the daemon owns, and only that */
static void t_flush(void)
{
	struct policy *pols;
	struct sa *sas;
	size_t n, np, i;
	int got, err;
	bool ok;

	/* Owned: 3 SAs (+1000 of connection 7) and 1 policy. */
	got = kb_flush_owned(IKE_OWNER_MASK, IKE_OWNER_BASE);
	ktap_result(check(got == 3 + CHURN_SAS + 1, got, "kb_flush_owned"),
		    "kb_flush_owned deletes the %d owned SAs and policies (%d)",
		    3 + CHURN_SAS + 1, got);
	err = kb_list_owned_sas(0, 0, &sas, &n);
	if (!err)
		err = kb_list_owned_policies(0, 0, &pols, &np);
	ok = !err && n == 2 && np == 2;
	for (i = 0; ok && i < n; i++)
		ok = (sas[i].spi == 0x4000 && !sas[i].owner) ||
		     (sas[i].spi == 0x4001 && sas[i].owner == 42);
	for (i = 0; ok && i < np; i++)
		ok = !pols[i].owner || pols[i].owner == 42;
	if (!err && !ok)
		ktap_diag("%zu SAs, %zu policies left", n, np);
	ktap_result(check(ok, err, "what is left"),
		    "the SA and policy without an owner and those of owner 42 survive");
	if (!err) {
		free(sas);
		free(pols);
	}
	got = kb_flush_owned(IKE_OWNER_MASK, IKE_OWNER_BASE);
	ktap_result(check(got == 0, got, "kb_flush_owned again"),
		    "kb_flush_owned again deletes nothing");
}

/* 26: a flush of the namespace by hand is reported as a resync */
static void t_flush_event(void)
{
	struct nl_msg *msg = nfesp_request(NFESP_CMD_POLICY_FLUSH, 0);
	int err;

	pump(0, NULL);
	memset(&seen, 0, sizeof(seen));
	err = nfesp_transact(msg, NULL, NULL);
	ktap_result(check(!err && pump(3000, got_overrun) && seen.overruns == 1, err, "flush"),
		    "ipsecctl policy flush by hand: kb_dispatch asks for a resync");
}

/* 27: closed */
static void t_close(void)
{
	struct sa sa = gcm_sa(0x5000, LOCAL, PEER, 0);
	int err;

	kb_close();
	err = kb_sa_add(&sa);
	ktap_result(kb_event_fd() == -1 && err == -ENOTCONN,
		    "after kb_close: no event fd, requests fail with -ENOTCONN (%d)", err);
}

int main(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) || stat("/proc/1/ns/net", &init))
		ktap_bail("cannot tell which network namespace this is: %s", strerror(errno));
	if (self.st_ino == init.st_ino && self.st_dev == init.st_dev)
		ktap_bail("refusing to run in the initial network namespace: use ike_bridge.sh");
	signal(SIGPIPE, SIG_IGN);
	ktap_plan(27);
	t_open();
	t_spi_and_sa();
	t_errors();
	t_acquire();
	t_expire();
	t_set_encap();
	t_list();
	t_churn();
	t_overrun();
	t_flush();
	t_flush_event();
	t_close();
	return ktap_finish();
}
