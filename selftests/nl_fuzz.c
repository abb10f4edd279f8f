// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded fuzzer for the nfesp generic netlink family. Every command (and
 * the event-only and unknown ones) is sent valid and mutated: bit flips,
 * random bytes, truncated messages and attributes, wrong attribute lengths
 * and types, unknown and read-only attributes, huge and deep nests, wrong
 * nlmsg flags (NLM_F_DUMP on do-only commands, none, reserved bits), bad
 * genetlink versions, reserved bytes and commands. Every attribute of every
 * nest is built by some template.
 *
 * Root phase (a child process, so that a kill is a failure, not a crash of
 * the test): messages go in batches. After a batch in which the kernel
 * rejected every state-changing request, the SAD and SPD (every attribute
 * but counters, and the namespace's counts) must be byte for byte what they
 * were; after a batch with a success, the baseline is restored (flush and
 * re-add). The baseline SAs carry distinctive keys that the fuzzer never
 * sends: no reply, dump, error ack or event (the test listens on the events
 * group) may contain 8 bytes of them, and no SA in a reply or event may
 * carry a key attribute. Every EINVAL and ERANGE nfesp returns must come
 * with an extended ack.
 *
 * Non-root phase: a child drops to uid/gid 65534 with no capabilities and
 * sends the same kind of messages on a socket it opened and on one root
 * opened: each must be refused with EPERM (or by the genetlink core before
 * its permission check: no such command, dump of a do-only command, a
 * header too short or with reserved bits), no data may come back, joining
 * the events group must fail, and nothing may change.
 *
 * Afterwards a valid add/get/del round trip must still work.
 *
 * Usage: nl_fuzz [-s SEED] [-n MESSAGES] [-t SECONDS]
 * Environment: NFESP_FUZZ_SEED, NFESP_FUZZ_ITERS (messages in the root
 * phase; the non-root phase sends a quarter; by default 10,000, 40,000 or
 * 200,000 as NFESP_SCALE is small, normal or long), NFESP_FUZZ_SECONDS (a
 * time budget per phase; the phase stops early, with a note, when it runs
 * out, but it fails unless it sent at least a quarter of its messages, or
 * MIN_SENT, and each command, the event-only and unknown ones included,
 * at least one in COVER_SHARE of them).
 * NFESP_FUZZ_BREAK=leak|state|eperm makes the checks fail on purpose, to
 * show that they can: a key sent back in an error ack, a success counted as
 * a rejection, the unprivileged phase run with privileges.
 * Output is KTAP; run it as root in a VM, never on a host.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nfesp.h>
#include "ktap.h"
#include "nlattr.h"

#define DEFAULT_SEED	0x6e666573u	/* "nfes" */
#define ITERS_SMALL	10000	/* NFESP_SCALE=small: the debug kernel, 6.1 */
#define ITERS_NORMAL	40000
#define ITERS_LONG	200000
#define MIN_SENT	2000	/* a phase that ran out of time: at least this */
#define COVER_SHARE	200	/* each command: one message in 200 at least */
#define DEFAULT_SECONDS	300
#define BATCH		16
#define MSG_MAX		(48 * 1024)
#define RECV_MAX	(256 * 1024)
#define SNAP_MAX	(64 * 1024)
#define WINDOW		8	/* key bytes in a row that count as a leak */
#define MAX_DEPTH	80
#define MAX_ATTRS	4096
#define NO_REPLY	1	/* struct result.error: nothing came back */

/* Random numbers: splitmix64, so that a seed replays the same messages. */
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

static void rnd_bytes(void *p, size_t len)
{
	uint8_t *b = p;

	while (len--)
		*b++ = (uint8_t)rnd64();
}

/* Messages */

struct msg {
	unsigned char buf[MSG_MAX];
	unsigned int len;		/* bytes built; nlmsg_len follows */
	unsigned int nest[MAX_DEPTH];
	uint16_t nest_max[MAX_DEPTH];	/* highest attribute type of each nest */
	unsigned int depth;
	unsigned int attr[MAX_ATTRS];	/* offset of every attribute */
	unsigned int n_attr;
	unsigned int attr_pct;		/* chance that put() spoils an attribute */
	bool full;
};

static struct nlmsghdr *hdr(struct msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

static struct genlmsghdr *ghdr(struct msg *m)
{
	return (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
}

static struct nlattr *attr_ptr(struct msg *m, unsigned int off)
{
	return (struct nlattr *)(m->buf + off);
}

static void msg_init(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->depth = 0;
	m->n_attr = 0;
	m->attr_pct = 0;
	m->full = false;
	m->nest_max[0] = NFESP_A_MAX;
	hdr(m)->nlmsg_type = type;
	hdr(m)->nlmsg_flags = flags;
	ghdr(m)->cmd = cmd;
	ghdr(m)->version = NFESP_GENL_VERSION;
}

static uint16_t cur_max(struct msg *m)
{
	return m->nest_max[m->depth];
}

/* Append one attribute exactly as given; its offset, or 0 if full. */
static unsigned int put_raw(struct msg *m, uint16_t type, const void *data,
			    unsigned int len)
{
	unsigned int off = NLMSG_ALIGN(m->len);
	struct nlattr *a = attr_ptr(m, off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf) || len > 0xfff0) {
		m->full = true;
		return 0;
	}
	memset(m->buf + m->len, 0, off - m->len);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (data)
		memcpy(m->buf + off + NLA_HDRLEN, data, len);
	else
		memset(m->buf + off + NLA_HDRLEN, 0, len);
	memset(m->buf + off + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len = off + NLA_ALIGN(NLA_HDRLEN + len);
	if (m->n_attr < MAX_ATTRS)
		m->attr[m->n_attr++] = off;
	return off;
}

static const unsigned int odd_lens[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 19, 20, 21, 31, 32, 33,
	35, 36, 37, 48, 63, 64, 65, 127, 128, 129, 200, 1000,
};

/* A random attribute type for the current nest: near the range, or wild. */
static uint16_t rnd_type(struct msg *m)
{
	uint16_t t;

	switch (rnd(4)) {
	case 0:
		t = (uint16_t)rnd64();
		break;
	case 1:
		t = cur_max(m) + 1 + rnd(4);
		break;
	default:
		t = rnd(cur_max(m) + 1);
	}
	if (chance(15))
		t ^= NLA_F_NESTED;
	if (chance(10))
		t ^= NLA_F_NET_BYTEORDER;
	return t;
}

/*
 * Append an attribute; with m->attr_pct percent chance spoil it first: a
 * wrong length (random bytes), a wrong type, a copy, or nothing at all.
 */
static unsigned int put(struct msg *m, uint16_t type, const void *data,
			unsigned int len)
{
	uint8_t junk[1000];
	unsigned int l;

	if (!m->attr_pct || !chance(m->attr_pct))
		return put_raw(m, type, data, len);
	switch (rnd(6)) {
	case 0:		/* wrong length, the data cut or padded at random */
		l = odd_lens[rnd(sizeof(odd_lens) / sizeof(odd_lens[0]))];
		rnd_bytes(junk, l);
		if (data)
			memcpy(junk, data, l < len ? l : len);
		return put_raw(m, type, junk, l);
	case 1:		/* wrong type */
		return put_raw(m, rnd_type(m), data, len);
	case 2:		/* twice */
		put_raw(m, type, data, len);
		return put_raw(m, type, data, len);
	case 3:		/* missing */
		return 0;
	case 4:		/* random value of the same length */
		l = len < sizeof(junk) ? len : sizeof(junk);
		rnd_bytes(junk, l);
		return put_raw(m, type, junk, l);
	default:	/* the flag bits flipped */
		return put_raw(m, type ^ (chance(50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER),
			       data, len);
	}
}

static void put_u8(struct msg *m, uint16_t type, uint8_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_u16(struct msg *m, uint16_t type, uint16_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_u64(struct msg *m, uint16_t type, uint64_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_be32(struct msg *m, uint16_t type, uint32_t v)
{
	v = htonl(v);
	put(m, type, &v, sizeof(v));
}

static void put_addr(struct msg *m, uint16_t type, const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		put(m, type, &a4, sizeof(a4));
	else if (inet_pton(AF_INET6, addr, &a6) == 1)
		put(m, type, &a6, sizeof(a6));
	else
		abort();
}

static void nest_start(struct msg *m, uint16_t type, uint16_t max)
{
	unsigned int off;

	/* A spoilt nest header is one of put()'s wrong types. */
	if (m->attr_pct && chance(m->attr_pct / 2))
		type = rnd_type(m);
	else
		type |= NLA_F_NESTED;
	off = put_raw(m, type, NULL, 0);
	if (m->depth + 1 >= MAX_DEPTH)
		abort();
	m->nest[m->depth++] = off;
	m->nest_max[m->depth] = max;
}

static void nest_end(struct msg *m)
{
	unsigned int off = m->nest[--m->depth];

	if (off)
		attr_ptr(m, off)->nla_len = m->len - off;
}

/* Reading replies: see nlattr.h */

/* Key material: the baseline SAs' keys, which only setup ever sends. */

struct base_sa {
	uint32_t spi;
	const char *src, *dst;
	uint8_t mode;
	uint32_t reqid, flags;
	uint16_t enc;
	unsigned int enc_len;
	uint16_t auth;
	unsigned int auth_len;
	uint8_t enc_key[64], auth_key[64];
	bool encap;
};

#define BASE_SA(_spi, _src, _dst, _mode, _reqid, _flags, _enc, _enc_len,	\
		_auth, _auth_len, _encap)					\
	{ .spi = _spi, .src = _src, .dst = _dst, .mode = _mode,		\
	  .reqid = _reqid, .flags = _flags, .enc = _enc,			\
	  .enc_len = _enc_len, .auth = _auth, .auth_len = _auth_len,		\
	  .encap = _encap }

static struct base_sa base_sas[] = {
	BASE_SA(0x5001, "10.9.0.1", "10.9.0.2", NFESP_MODE_TUNNEL, 1, 0,
		NFESP_ENC_AES_GCM_16, 20, 0, 0, false),
	BASE_SA(0x5002, "2001:db8::1", "2001:db8::2", NFESP_MODE_TRANSPORT, 2,
		NFESP_SA_F_ESN, NFESP_ENC_AES_CBC, 32,
		NFESP_AUTH_HMAC_SHA2_256_128, 32, false),
	BASE_SA(0x5003, "10.9.0.1", "10.9.0.3", NFESP_MODE_TUNNEL, 3, 0,
		NFESP_ENC_CHACHA20_POLY1305, 36, 0, 0, true),
	BASE_SA(0x5004, "10.9.0.2", "10.9.0.1", NFESP_MODE_TUNNEL, 4, 0,
		NFESP_ENC_NULL, 0, NFESP_AUTH_HMAC_SHA2_512_256, 64, false),
	BASE_SA(0x5005, "10.9.0.4", "10.9.0.2", NFESP_MODE_TUNNEL, 1, 0,
		NFESP_ENC_AES_GCM_16, 36, 0, 0, false),
};
#define N_BASE_SA (sizeof(base_sas) / sizeof(base_sas[0]))

/* Every WINDOW-byte run of the keys, in an open-addressed hash set. */
#define KEYSET_SIZE 4096
static uint64_t keyset[KEYSET_SIZE];
static bool keyset_used[KEYSET_SIZE];

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static unsigned int keyset_slot(uint64_t v)
{
	return (unsigned int)((v * 0x9e3779b97f4a7c15ull) >> 52) % KEYSET_SIZE;
}

static void keyset_add(const uint8_t *key, unsigned int len)
{
	unsigned int i, s;

	for (i = 0; i + WINDOW <= len; i++) {
		uint64_t v = load64(key + i);

		for (s = keyset_slot(v); keyset_used[s] && keyset[s] != v;
		     s = (s + 1) % KEYSET_SIZE)
			;
		keyset_used[s] = true;
		keyset[s] = v;
	}
}

static bool keyset_has(uint64_t v)
{
	unsigned int s;

	for (s = keyset_slot(v); keyset_used[s]; s = (s + 1) % KEYSET_SIZE)
		if (keyset[s] == v)
			return true;
	return false;
}

/* Results, shared by the phases and handed from a child to the parent. */
struct stats {
	unsigned long sent, rejected, accepted, ignored, changed;
	unsigned long verified;		/* rejected, and checked to change nothing */
	unsigned long batches, clean_batches, restores;
	unsigned long events, sa_events, key_events, overruns;
	unsigned long bytes_scanned, data_msgs;
	unsigned long by_cmd[256];
	unsigned long no_extack, eperm_bad, eperm_data;
	unsigned int state_fail, leak_fail, key_attr_fail, setup_fail;
	bool time_out;
	bool mcast_refused;
	int mcast_errno;
	char first_fail[160];
};

static struct stats st;
static uint16_t family_id;
static uint32_t seq;
static int ctl_fd;		/* setup, snapshots: CAP_ACK */
static int ev_fd = -1;		/* the events group */
static uint32_t pol_ids[16];
static unsigned int n_pol_ids;
static const char *break_check = "";

static void fail_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail_note(const char *fmt, ...)
{
	va_list ap;

	if (st.first_fail[0])
		return;
	va_start(ap, fmt);
	vsnprintf(st.first_fail, sizeof(st.first_fail), fmt, ap);
	va_end(ap);
}

static void hexdump(const void *p, unsigned int len)
{
	const uint8_t *b = p;
	char line[3 * 32 + 1];
	unsigned int i, n;

	if (len > 512)
		len = 512;
	for (i = 0; i < len; i += 32) {
		for (n = 0; n < 32 && i + n < len; n++)
			sprintf(line + 3 * n, "%02x ", b[i + n]);
		ktap_diag("  %04x: %s", i, line);
	}
}

/* Whether key bytes are anywhere in @p; counts the bytes scanned. */
static bool scan_keys(const void *p, size_t len, const char *what)
{
	const uint8_t *b = p;
	size_t i;

	st.bytes_scanned += len;
	for (i = 0; i + WINDOW <= len; i++) {
		if (keyset_has(load64(b + i))) {
			ktap_diag("%s: key bytes at offset %zu of %zu", what, i, len);
			hexdump(b, (unsigned int)len);
			st.leak_fail++;
			fail_note("key bytes in %s", what);
			return true;
		}
	}
	return false;
}

/* An nfesp message that carries NFESP_A_SA must not carry keys in it. */
static void check_no_key_attrs(const struct nlmsghdr *nlh, const char *what)
{
	const struct nlattr *sa = genl_find(nlh, NFESP_A_SA);

	if (!sa)
		return;
	if (nested_find(sa, NFESP_SA_A_ENC_KEY) || nested_find(sa, NFESP_SA_A_AUTH_KEY)) {
		ktap_diag("%s: an SA with a key attribute", what);
		hexdump(nlh, nlh->nlmsg_len);
		st.key_attr_fail++;
		fail_note("key attribute in %s", what);
	}
}

/* What a request got back. */
struct result {
	int error;		/* 0, a negative errno, or NO_REPLY */
	bool has_msg, has_offs;
	char msg[128];
	unsigned int n_data;
};

static void parse_ack(struct result *r, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const struct nlattr *a;
	unsigned int off, len;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int)) {
		r->error = -EBADMSG;
		return;
	}
	memcpy(&r->error, NLMSG_DATA(nlh), sizeof(int));
	if (nlh->nlmsg_type != NLMSG_ERROR || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if (off > nlh->nlmsg_len)
		return;
	attr_for_each(a, (const char *)nlh + off, (const char *)nlh + nlh->nlmsg_len) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			len = attr_len(a);
			if (len >= sizeof(r->msg))
				len = sizeof(r->msg) - 1;
			memcpy(r->msg, attr_data(a), len);
			r->msg[len] = '\0';
			r->has_msg = r->msg[0] != '\0';
			break;
		case NLMSGERR_ATTR_OFFS:
			r->has_offs = true;
			break;
		}
	}
}

static unsigned char rbuf[RECV_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));

typedef void (*data_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * Read what the request with sequence @s got back: generic netlink handles a
 * request inside sendmsg(), so everything but the rest of a dump is queued
 * by then. Reads without blocking until the final message, and blocks only
 * while a dump is under way.
 */
static bool collect(int fd, uint32_t s, struct result *r, data_fn fn, void *arg)
{
	const struct nlmsghdr *nlh;
	bool in_dump = false;
	size_t off;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->error = NO_REPLY;
	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), MSG_TRUNC | (in_dump ? 0 : MSG_DONTWAIT));
		if (n < 0) {
			if (errno == EAGAIN && !in_dump)
				return true;
			ktap_diag("recv: %s", strerror(errno));
			return false;
		}
		if ((size_t)n > sizeof(rbuf)) {
			ktap_diag("recv: reply of %zd bytes truncated", n);
			return false;
		}
		scan_keys(rbuf, n, "a reply");
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)n;
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			nlh = (const void *)(rbuf + off);
			if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > (size_t)n - off)
				break;
			if (nlh->nlmsg_seq != s)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
				parse_ack(r, nlh);
				return true;
			}
			r->n_data++;
			st.data_msgs++;
			if (nlh->nlmsg_type == family_id)
				check_no_key_attrs(nlh, "a reply");
			if (nlh->nlmsg_flags & NLM_F_MULTI)
				in_dump = true;
			if (fn)
				fn(nlh, arg);
		}
	}
}

static bool send_msg(int fd, const void *buf, unsigned int len)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (sendto(fd, buf, len, 0, (struct sockaddr *)&nl, sizeof(nl)) < 0) {
		ktap_diag("send: %s", strerror(errno));
		return false;
	}
	return true;
}

/* A well-formed request on @fd: its error, or -EBADMSG if none came. */
static int transact(int fd, struct msg *m, data_fn fn, void *arg, struct result *r)
{
	struct result local;

	if (!r)
		r = &local;
	hdr(m)->nlmsg_len = m->len;
	hdr(m)->nlmsg_seq = ++seq;
	if (!send_msg(fd, m->buf, m->len) || !collect(fd, seq, r, fn, arg))
		return -EIO;
	if (r->error == NO_REPLY)
		return 0;	/* no ack asked, no error */
	if (r->error && r->error != -ENOENT)
		ktap_diag("command %u: %s%s%s", ghdr(m)->cmd, strerror(-r->error),
			  r->has_msg ? ": " : "", r->msg);
	return r->error;
}

static int open_socket(bool cap_ack)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 20 };
	int fd, one = 1, cap = cap_ack, size = 4 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&nl, sizeof(nl)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &cap, sizeof(cap))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Resolving the family and its events group */

struct family_info {
	uint16_t id;
	uint32_t mcgrp;
};

static void family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a = genl_find(nlh, CTRL_ATTR_FAMILY_ID), *g, *n, *i;
	struct family_info *fi = arg;

	if (a && attr_len(a) == sizeof(uint16_t))
		memcpy(&fi->id, attr_data(a), sizeof(uint16_t));
	a = genl_find(nlh, CTRL_ATTR_MCAST_GROUPS);
	if (!a)
		return;
	attr_for_each(g, attr_data(a), attr_end(a)) {
		n = nested_find(g, CTRL_ATTR_MCAST_GRP_NAME);
		i = nested_find(g, CTRL_ATTR_MCAST_GRP_ID);
		if (n && i && attr_len(i) == 4 &&
		    !strncmp(attr_data(n), NFESP_GENL_MCGRP_EVENTS, attr_len(n)))
			memcpy(&fi->mcgrp, attr_data(i), 4);
	}
}

static int resolve_family(struct family_info *fi)
{
	struct result r;
	struct msg *m = calloc(1, sizeof(*m));
	int err;

	memset(fi, 0, sizeof(*fi));
	msg_init(m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY);
	put_raw(m, CTRL_ATTR_FAMILY_NAME, NFESP_GENL_NAME, sizeof(NFESP_GENL_NAME));
	err = transact(ctl_fd, m, family_cb, fi, &r);
	free(m);
	return err;
}

/* Snapshots of the SAD and SPD, without counters */

struct snap {
	size_t len;
	unsigned int n_sa, n_pol;
	bool overflow;
	unsigned char buf[SNAP_MAX];
};

static void snap_put(struct snap *s, const void *p, size_t len)
{
	if (s->len + len > sizeof(s->buf)) {
		s->overflow = true;
		return;
	}
	memcpy(s->buf + s->len, p, len);
	s->len += len;
}

/* A nest's attributes but @skip, with @mask_type's u32 masked by @mask. */
static void snap_nest(struct snap *s, char tag, const struct nlattr *nest,
		      uint16_t skip, uint16_t mask_type, uint32_t mask)
{
	const struct nlattr *a;

	snap_put(s, &tag, 1);
	if (!nest)
		return;
	attr_for_each(a, attr_data(nest), attr_end(nest)) {
		uint16_t t = a->nla_type & NLA_TYPE_MASK;

		if (t == skip)
			continue;
		if (t == mask_type && attr_len(a) == 4) {
			struct nlattr h = *a;
			uint32_t v;

			memcpy(&v, attr_data(a), 4);
			v &= mask;
			snap_put(s, &h, sizeof(h));
			snap_put(s, &v, 4);
			continue;
		}
		snap_put(s, a, NLA_ALIGN(a->nla_len));
	}
}

static void snap_sa_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct snap *s = arg;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		s->overflow = true;
	snap_nest(s, 'S', genl_find(nlh, NFESP_A_SA), NFESP_SA_A_STATS,
		  NFESP_SA_A_FLAGS, ~(uint32_t)NFESP_SA_F_EXPIRED_SOFT);
	s->n_sa++;
}

static void snap_pol_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *pol = genl_find(nlh, NFESP_A_POLICY);
	struct snap *s = arg;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		s->overflow = true;
	snap_nest(s, 'P', pol, NFESP_POL_A_STATS, 0, 0);
	s->n_pol++;
	pol = nested_find(pol, NFESP_POL_A_ID);
	if (pol && attr_len(pol) == 4 && n_pol_ids < 16)
		memcpy(&pol_ids[n_pol_ids++], attr_data(pol), 4);
}

static void snap_stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *stats = genl_find(nlh, NFESP_A_STATS);
	const struct nlattr *a;
	struct snap *s = arg;

	snap_put(s, "C", 1);
	a = nested_find(stats, NFESP_STATS_A_SA_COUNT);
	if (a)
		snap_put(s, a, NLA_ALIGN(a->nla_len));
	a = nested_find(stats, NFESP_STATS_A_POLICY_COUNT);
	if (a)
		snap_put(s, a, NLA_ALIGN(a->nla_len));
}

static bool snapshot(struct snap *s)
{
	struct msg *m = malloc(sizeof(*m));
	bool ok;

	s->len = 0;
	s->n_sa = s->n_pol = 0;
	s->overflow = false;
	n_pol_ids = 0;
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_DUMP, NFESP_CMD_SA_GET);
	ok = !transact(ctl_fd, m, snap_sa_cb, s, NULL);
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_DUMP, NFESP_CMD_POLICY_GET);
	ok = ok && !transact(ctl_fd, m, snap_pol_cb, s, NULL);
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_STATS_GET);
	ok = ok && !transact(ctl_fd, m, snap_stats_cb, s, NULL);
	free(m);
	if (s->overflow) {
		ktap_diag("snapshot: tables too large or a dump was interrupted");
		return false;
	}
	return ok;
}

static bool snap_eq(const struct snap *a, const struct snap *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

static void snap_diff(const struct snap *a, const struct snap *b)
{
	size_t i;

	ktap_diag("before: %u SAs, %u policies, %zu bytes; after: %u SAs, %u policies, %zu bytes",
		  a->n_sa, a->n_pol, a->len, b->n_sa, b->n_pol, b->len);
	for (i = 0; i < a->len && i < b->len && a->buf[i] == b->buf[i]; i++)
		;
	ktap_diag("first difference at byte %zu; after, from there:", i);
	if (i < b->len)
		hexdump(b->buf + i, (unsigned int)(b->len - i));
}

/* The baseline: SAs with secret keys, and policies */

static void sa_put_base(struct msg *m, const struct base_sa *b)
{
	nest_start(m, NFESP_A_SA, NFESP_SA_A_MAX);
	put_be32(m, NFESP_SA_A_SPI, b->spi);
	put_addr(m, NFESP_SA_A_SRC, b->src);
	put_addr(m, NFESP_SA_A_DST, b->dst);
	put_u8(m, NFESP_SA_A_MODE, b->mode);
	put_u32(m, NFESP_SA_A_REQID, b->reqid);
	put_u16(m, NFESP_SA_A_ENC_ALG, b->enc);
	if (b->enc_len)
		put(m, NFESP_SA_A_ENC_KEY, b->enc_key, b->enc_len);
	if (b->auth) {
		put_u16(m, NFESP_SA_A_AUTH_ALG, b->auth);
		put(m, NFESP_SA_A_AUTH_KEY, b->auth_key, b->auth_len);
	}
	if (b->flags)
		put_u32(m, NFESP_SA_A_FLAGS, b->flags);
	if (b->encap) {
		nest_start(m, NFESP_SA_A_ENCAP, NFESP_ENCAP_A_MAX);
		put_u16(m, NFESP_ENCAP_A_SPORT, 4500);
		put_u16(m, NFESP_ENCAP_A_DPORT, 4500);
		nest_end(m);
	}
	nest_end(m);
}

struct base_pol {
	uint8_t dir, action, mode, plen_s, plen_d, proto;
	const char *src, *dst, *local, *peer;
	uint32_t reqid, prio;
	uint16_t dport;
};

static const struct base_pol base_pols[] = {
	{ NFESP_DIR_OUT, NFESP_ACTION_PROTECT, NFESP_MODE_TUNNEL, 16, 16, 0,
	  "10.1.0.0", "10.2.0.0", "10.9.0.1", "10.9.0.2", 1, 0, 0 },
	{ NFESP_DIR_IN, NFESP_ACTION_BYPASS, 0, 48, 48, IPPROTO_TCP,
	  "2001:db8:1::", "2001:db8:2::", NULL, NULL, 0, 0, 443 },
	{ NFESP_DIR_OUT, NFESP_ACTION_DISCARD, 0, 24, 24, 0,
	  "10.3.0.0", "10.4.0.0", NULL, NULL, 0, 5, 0 },
	{ NFESP_DIR_IN, NFESP_ACTION_PROTECT, NFESP_MODE_TRANSPORT, 16, 16, IPPROTO_UDP,
	  "10.5.0.0", "10.6.0.0", NULL, NULL, 2, 10, 0 },
};
#define N_BASE_POL (sizeof(base_pols) / sizeof(base_pols[0]))

static void pol_put_selector(struct msg *m, const struct base_pol *p)
{
	put_u8(m, NFESP_POL_A_DIR, p->dir);
	put_addr(m, NFESP_POL_A_SRC, p->src);
	put_u8(m, NFESP_POL_A_SRC_PREFIXLEN, p->plen_s);
	put_addr(m, NFESP_POL_A_DST, p->dst);
	put_u8(m, NFESP_POL_A_DST_PREFIXLEN, p->plen_d);
	if (p->proto)
		put_u8(m, NFESP_POL_A_PROTO, p->proto);
	if (p->dport)
		put_u16(m, NFESP_POL_A_DPORT_MIN, p->dport);
}

static void pol_put_base(struct msg *m, const struct base_pol *p)
{
	nest_start(m, NFESP_A_POLICY, NFESP_POL_A_MAX);
	pol_put_selector(m, p);
	put_u8(m, NFESP_POL_A_ACTION, p->action);
	if (p->prio)
		put_u32(m, NFESP_POL_A_PRIORITY, p->prio);
	if (p->action == NFESP_ACTION_PROTECT) {
		put_u8(m, NFESP_POL_A_MODE, p->mode);
		put_u32(m, NFESP_POL_A_REQID, p->reqid);
		if (p->local) {
			put_addr(m, NFESP_POL_A_LOCAL, p->local);
			put_addr(m, NFESP_POL_A_PEER, p->peer);
		}
	}
	nest_end(m);
}

static struct snap base_snap, cur_snap;

/* Flush, add the baseline, and take its snapshot. */
static bool restore(void)
{
	struct msg *m = malloc(sizeof(*m));
	unsigned int i;
	bool ok = true;

	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_FLUSH);
	ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_POLICY_FLUSH);
	ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	for (i = 0; i < N_BASE_SA; i++) {
		msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_NEW);
		sa_put_base(m, &base_sas[i]);
		ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	}
	for (i = 0; i < N_BASE_POL; i++) {
		msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_POLICY_NEW);
		pol_put_base(m, &base_pols[i]);
		ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	}
	free(m);
	ok = ok && snapshot(&base_snap);
	if (ok && (base_snap.n_sa != N_BASE_SA || base_snap.n_pol != N_BASE_POL)) {
		ktap_diag("baseline: %u SAs and %u policies", base_snap.n_sa,
			  base_snap.n_pol);
		ok = false;
	}
	if (!ok) {
		st.setup_fail++;
		fail_note("restoring the baseline failed");
	}
	st.restores++;
	return ok;
}

/* Events: drain the group's socket and check every message. */
static void drain_events(void)
{
	const struct nlmsghdr *nlh;
	size_t off;
	ssize_t n;

	if (ev_fd < 0)
		return;
	for (;;) {
		n = recv(ev_fd, rbuf, sizeof(rbuf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == ENOBUFS) {
				st.overruns++;
				continue;
			}
			return;
		}
		if ((size_t)n > sizeof(rbuf))
			n = sizeof(rbuf);
		scan_keys(rbuf, n, "an event");
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)n;
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			nlh = (const void *)(rbuf + off);
			if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > (size_t)n - off)
				break;
			st.events++;
			if (nlh->nlmsg_type != family_id)
				continue;
			check_no_key_attrs(nlh, "an event");
			if (genl_find(nlh, NFESP_A_SA)) {
				const struct nlattr *spi;
				uint32_t v;
				unsigned int i;

				st.sa_events++;
				spi = nested_find(genl_find(nlh, NFESP_A_SA), NFESP_SA_A_SPI);
				if (spi && attr_len(spi) == 4) {
					memcpy(&v, attr_data(spi), 4);
					for (i = 0; i < N_BASE_SA; i++)
						st.key_events += ntohl(v) == base_sas[i].spi;
				}
			}
		}
	}
}

/* The message generator */

enum tmpl {
	T_SA_NEW, T_SA_DEL, T_SA_GET, T_SA_DUMP, T_SA_FLUSH, T_SPI_ALLOC,
	T_POL_NEW, T_POL_DEL, T_POL_GET, T_POL_DUMP, T_POL_FLUSH, T_STATS,
	T_SA_SET, T_POL_REPLACE,
	/* From here on, not one command's message: see gen_valid(). */
	T_EVENT_CMD, T_HUGE, T_DEEP, T_RANDOM, __T_MAX
};

static const unsigned int tmpl_weight[__T_MAX] = {
	[T_SA_NEW] = 18, [T_SA_DEL] = 7, [T_SA_GET] = 7, [T_SA_DUMP] = 5,
	[T_SA_FLUSH] = 2, [T_SPI_ALLOC] = 7, [T_POL_NEW] = 16, [T_POL_DEL] = 7,
	[T_POL_GET] = 5, [T_POL_DUMP] = 4, [T_POL_FLUSH] = 2, [T_STATS] = 4,
	[T_EVENT_CMD] = 3, [T_HUGE] = 4, [T_DEEP] = 4, [T_RANDOM] = 5,
	[T_SA_SET] = 7, [T_POL_REPLACE] = 7,
};

static const char *const v4[] = { "10.9.0.1", "10.9.0.2", "10.9.0.3", "192.0.2.7",
				   "0.0.0.0", "255.255.255.255" };
static const char *const v6[] = { "2001:db8::1", "2001:db8::2", "::", "fe80::1",
				   "ff02::1" };

static const char *rnd_addr(bool six)
{
	return six ? v6[rnd(5)] : v4[rnd(6)];
}

static uint32_t rnd_spi(void)
{
	static const uint32_t spis[] = { 0x5001, 0x5002, 0x5003, 0x5004, 0x5005,
					 0x6000, 0x6001, 0x100, 0xffffffff, 0, 1 };

	return chance(90) ? spis[rnd(sizeof(spis) / sizeof(spis[0]))] : (uint32_t)rnd64();
}

static uint64_t rnd_u64(void)
{
	static const uint64_t vals[] = { 0, 1, 2, 10, 1000, UINT32_MAX,
					 UINT64_MAX, 1ull << 40 };

	return chance(80) ? vals[rnd(8)] : rnd64();
}

/* A lifetime nest with some of its attributes, read-only PAD too. */
static void put_lifetime(struct msg *m, uint16_t type)
{
	nest_start(m, type, NFESP_LT_A_MAX);
	if (chance(60))
		put_u64(m, NFESP_LT_A_BYTES, rnd_u64());
	if (chance(60))
		put_u64(m, NFESP_LT_A_PACKETS, rnd_u64());
	if (chance(60))
		put_u64(m, NFESP_LT_A_SECONDS, chance(50) ? 3600 : rnd_u64());
	if (chance(5))
		put_u64(m, NFESP_LT_A_PAD, 0);
	nest_end(m);
}

/* Fuzz keys: a pattern of the generator's, never the baseline's. */
static void put_fuzz_key(struct msg *m, uint16_t type, unsigned int len)
{
	uint8_t key[64];

	rnd_bytes(key, sizeof(key));
	put(m, type, key, len);
}

static void gen_sa(struct msg *m, bool full)
{
	const struct base_sa *b = &base_sas[rnd(N_BASE_SA)];
	static const uint16_t encs[] = { NFESP_ENC_AES_GCM_16, NFESP_ENC_AES_CBC,
					 NFESP_ENC_NULL, NFESP_ENC_CHACHA20_POLY1305,
					 0, 3, 99 };
	static const uint16_t auths[] = { NFESP_AUTH_HMAC_SHA2_256_128,
					  NFESP_AUTH_HMAC_SHA2_384_192,
					  NFESP_AUTH_HMAC_SHA2_512_256, 0, 2, 12345 };
	static const unsigned int klens[] = { 16, 20, 24, 28, 32, 36, 48, 64 };
	static const char *const drivers[] = {
		"rfc4106(gcm_base(ctr(aes-generic),ghash-generic))",
		"cryptd(rfc4106-gcm-aesni)", "no-such-driver", "",
	};
	bool six = chance(30), copy = chance(40);

	nest_start(m, NFESP_A_SA, NFESP_SA_A_MAX);
	put_be32(m, NFESP_SA_A_SPI, copy ? b->spi : rnd_spi());
	if (copy) {
		put_addr(m, NFESP_SA_A_SRC, b->src);
		put_addr(m, NFESP_SA_A_DST, b->dst);
	} else {
		put_addr(m, NFESP_SA_A_SRC, rnd_addr(six));
		put_addr(m, NFESP_SA_A_DST, rnd_addr(chance(90) ? six : !six));
	}
	if (full || chance(20))
		put_u8(m, NFESP_SA_A_PROTO, chance(80) ? IPPROTO_ESP : (uint8_t)rnd64());
	if (!full)
		goto out;
	if (chance(50))
		put_u8(m, NFESP_SA_A_MODE, rnd(3));
	if (chance(50))
		put_u32(m, NFESP_SA_A_REQID, rnd(5));
	if (copy && chance(60)) {
		put_u16(m, NFESP_SA_A_ENC_ALG, b->enc);
		if (b->enc_len)
			put_fuzz_key(m, NFESP_SA_A_ENC_KEY, b->enc_len);
		if (b->auth) {
			put_u16(m, NFESP_SA_A_AUTH_ALG, b->auth);
			put_fuzz_key(m, NFESP_SA_A_AUTH_KEY, b->auth_len);
		}
	} else {
		if (chance(95))
			put_u16(m, NFESP_SA_A_ENC_ALG, encs[rnd(7)]);
		if (chance(80))
			put_fuzz_key(m, NFESP_SA_A_ENC_KEY, klens[rnd(8)]);
		if (chance(50))
			put_u16(m, NFESP_SA_A_AUTH_ALG, auths[rnd(6)]);
		if (chance(50))
			put_fuzz_key(m, NFESP_SA_A_AUTH_KEY, klens[rnd(8)]);
	}
	if (chance(30))
		put_u32(m, NFESP_SA_A_FLAGS, chance(70) ? NFESP_SA_F_ESN : (uint32_t)rnd64());
	if (chance(15)) {
		if (chance(90))
			put_u64(m, NFESP_SA_A_OWNER, chance(50) ? rnd(3) : rnd64());
		else
			put_u32(m, NFESP_SA_A_OWNER, 1);	/* too short: EINVAL */
	}
	if (chance(30))
		put_u32(m, NFESP_SA_A_REPLAY_WINDOW, chance(60) ? rnd(4097) : (uint32_t)rnd64());
	if (chance(20)) {
		nest_start(m, NFESP_SA_A_ENCAP, NFESP_ENCAP_A_MAX);
		if (chance(90))
			put_u16(m, NFESP_ENCAP_A_SPORT, chance(80) ? 4500 : 0);
		if (chance(90))
			put_u16(m, NFESP_ENCAP_A_DPORT, chance(80) ? 4500 : 0);
		nest_end(m);
	}
	if (chance(20))
		put_lifetime(m, NFESP_SA_A_LIFETIME_SOFT);
	if (chance(20))
		put_lifetime(m, NFESP_SA_A_LIFETIME_HARD);
	if (chance(8)) {
		const char *d = drivers[rnd(4)];

		put(m, NFESP_SA_A_CRYPTO_DRIVER, d, strlen(d) + (chance(90) ? 1 : 0));
	}
	if (chance(5))
		put_u32(m, NFESP_SA_A_SPI_MIN, rnd64());
	if (chance(5))
		put_u32(m, NFESP_SA_A_SPI_MAX, rnd64());
	/* What dumps carry and requests must not. */
	if (chance(3))
		put_u32(m, NFESP_SA_A_INDEX, 1);
	if (chance(3))
		put_u64(m, NFESP_SA_A_ADD_TIME, 1);
	if (chance(3)) {
		nest_start(m, NFESP_SA_A_STATS, NFESP_SA_STATS_A_MAX);
		put_u64(m, 1 + rnd(NFESP_SA_STATS_A_MAX), 0);
		nest_end(m);
	}
	if (chance(3))
		put_u64(m, NFESP_SA_A_PAD, 0);
	if (chance(3))
		put_u16(m, NFESP_SA_A_ENC_KEY_LEN, 20);
	if (chance(3))
		put_u64(m, NFESP_SA_A_USE_TIME, 1);
out:
	nest_end(m);
}

static void gen_spi_alloc(struct msg *m)
{
	bool six = chance(30);
	uint32_t lo;

	nest_start(m, NFESP_A_SA, NFESP_SA_A_MAX);
	if (chance(95))
		put_addr(m, NFESP_SA_A_DST, rnd_addr(six));
	if (chance(50))
		put_addr(m, NFESP_SA_A_SRC, rnd_addr(chance(90) ? six : !six));
	if (chance(20))
		put_u8(m, NFESP_SA_A_PROTO, IPPROTO_ESP);
	lo = chance(50) ? 0x7000 : (uint32_t)rnd64();
	if (chance(60))
		put_u32(m, NFESP_SA_A_SPI_MIN, lo);
	if (chance(60))
		put_u32(m, NFESP_SA_A_SPI_MAX, chance(70) ? lo + rnd(4) : (uint32_t)rnd64());
	if (chance(5))
		put_be32(m, NFESP_SA_A_SPI, rnd_spi());
	nest_end(m);
}

/*
 * SA_SET: often one of the batch's SAs, a new source or ports, and now and
 * then an attribute it refuses (anything else, or a port of 0).
 */
static void gen_sa_set(struct msg *m)
{
	const struct base_sa *b = &base_sas[rnd(N_BASE_SA)];
	bool six = chance(30), copy = chance(60);

	nest_start(m, NFESP_A_SA, NFESP_SA_A_MAX);
	if (chance(95))
		put_be32(m, NFESP_SA_A_SPI, copy ? b->spi : rnd_spi());
	if (chance(95))
		put_addr(m, NFESP_SA_A_DST, copy ? b->dst : rnd_addr(six));
	if (chance(60))
		put_addr(m, NFESP_SA_A_SRC, copy && chance(50) ? b->src :
			 rnd_addr(chance(90) ? six : !six));
	if (chance(50)) {
		nest_start(m, NFESP_SA_A_ENCAP, NFESP_ENCAP_A_MAX);
		if (chance(70))
			put_u16(m, NFESP_ENCAP_A_SPORT, chance(90) ? 4500 + rnd(3) : 0);
		if (chance(70))
			put_u16(m, NFESP_ENCAP_A_DPORT, chance(90) ? 4500 + rnd(3) : 0);
		nest_end(m);
	}
	if (chance(10))
		put_u8(m, NFESP_SA_A_PROTO, IPPROTO_ESP);
	if (chance(10))
		put_u32(m, NFESP_SA_A_REQID, rnd(5));
	if (chance(5))
		put_u32(m, NFESP_SA_A_FLAGS, NFESP_SA_F_FOLLOW_PEER);
	if (chance(5))
		put_fuzz_key(m, NFESP_SA_A_ENC_KEY, 20);
	nest_end(m);
}

static void gen_selector(struct msg *m, bool six)
{
	uint8_t proto;

	put_u8(m, NFESP_POL_A_DIR, chance(95) ? rnd(2) : (uint8_t)rnd64());
	put_addr(m, NFESP_POL_A_SRC, six ? "2001:db8::" : "10.7.0.0");
	if (chance(80))
		put_u8(m, NFESP_POL_A_SRC_PREFIXLEN, chance(80) ? (six ? 32 : 16) : rnd(140));
	put_addr(m, NFESP_POL_A_DST, chance(95) == six ? "2001:db8:1::" : "10.8.0.0");
	if (chance(80))
		put_u8(m, NFESP_POL_A_DST_PREFIXLEN, chance(80) ? (six ? 48 : 16) : rnd(140));
	if (chance(50)) {
		static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP,
						  IPPROTO_UDPLITE, IPPROTO_ICMP, 0, 255 };

		proto = protos[rnd(7)];
		put_u8(m, NFESP_POL_A_PROTO, proto);
		if (chance(50))
			put_u16(m, NFESP_POL_A_SPORT_MIN, rnd(3) * 1000);
		if (chance(40))
			put_u16(m, NFESP_POL_A_SPORT_MAX, chance(50) ? 65535 : rnd(3000));
		if (chance(50))
			put_u16(m, NFESP_POL_A_DPORT_MIN, rnd(3) * 443);
		if (chance(40))
			put_u16(m, NFESP_POL_A_DPORT_MAX, chance(50) ? 65535 : rnd(1000));
	}
}

static void gen_policy_new(struct msg *m)
{
	const struct base_pol *p = &base_pols[rnd(N_BASE_POL)];
	uint8_t action;
	bool six = chance(30);

	if (chance(35)) {
		pol_put_base(m, p);	/* EEXIST when valid */
		return;
	}
	nest_start(m, NFESP_A_POLICY, NFESP_POL_A_MAX);
	gen_selector(m, six);
	action = chance(90) ? rnd(3) : (uint8_t)rnd64();
	if (chance(95))
		put_u8(m, NFESP_POL_A_ACTION, action);
	if (chance(40))
		put_u32(m, NFESP_POL_A_PRIORITY, chance(50) ? rnd(20) : (uint32_t)rnd64());
	if (chance(15)) {
		if (chance(90))
			put_u64(m, NFESP_POL_A_OWNER, chance(50) ? rnd(3) : rnd64());
		else
			put_u32(m, NFESP_POL_A_OWNER, 1);	/* too short: EINVAL */
	}
	if (chance(3))
		put_u64(m, NFESP_POL_A_PAD, 0);	/* read-only */
	if (action == NFESP_ACTION_PROTECT || chance(10)) {
		if (chance(60))
			put_u8(m, NFESP_POL_A_MODE, rnd(3));
		if (chance(70)) {
			bool tsix = chance(30);

			put_addr(m, NFESP_POL_A_LOCAL, rnd_addr(tsix));
			put_addr(m, NFESP_POL_A_PEER, rnd_addr(chance(90) ? tsix : !tsix));
		}
		if (chance(60))
			put_u32(m, NFESP_POL_A_REQID, rnd(5));
		if (chance(20))
			put_u32(m, NFESP_POL_A_FLAGS, chance(80) ? NFESP_POL_F_MATCH_IKE
							 : (uint32_t)rnd64());
	}
	if (chance(4))
		put_u32(m, NFESP_POL_A_ID, chance(50) ? 1 : (uint32_t)rnd64());
	if (chance(3)) {
		nest_start(m, NFESP_POL_A_STATS, NFESP_POL_STATS_A_MAX);
		put_u64(m, NFESP_POL_STATS_A_PACKETS, 0);
		nest_end(m);
	}
	nest_end(m);
}

/* POLICY_DEL and _GET: by id (often an existing one), or by selector. */
static void gen_policy_ref(struct msg *m)
{
	nest_start(m, NFESP_A_POLICY, NFESP_POL_A_MAX);
	if (chance(50)) {
		uint32_t id = n_pol_ids && chance(70) ? pol_ids[rnd(n_pol_ids)]
						      : (uint32_t)rnd(1000);

		put_u32(m, NFESP_POL_A_ID, id);
		if (chance(10))
			put_u8(m, NFESP_POL_A_DIR, 0);
	} else if (chance(50)) {
		pol_put_selector(m, &base_pols[rnd(N_BASE_POL)]);
	} else {
		gen_selector(m, chance(30));
	}
	nest_end(m);
}

/* Read-only top-level attributes, or an object for another command. */
static void gen_stray_top(struct msg *m)
{
	switch (rnd(5)) {
	case 0:
		nest_start(m, NFESP_A_STATS, NFESP_STATS_A_MAX);
		put_u64(m, NFESP_STATS_A_SA_COUNT, 0);
		nest_end(m);
		break;
	case 1:
		nest_start(m, NFESP_A_ACQUIRE, NFESP_POL_A_MAX);
		put_addr(m, NFESP_POL_A_SRC, "10.0.0.1");
		nest_end(m);
		break;
	case 2:
		put_raw(m, NFESP_A_EXPIRE_HARD, NULL, 0);
		break;
	case 3:
		gen_sa(m, chance(50));
		break;
	default:
		gen_policy_ref(m);
	}
}

/* Many attributes in one nest, or a chain of nests many levels deep. */
static void gen_huge(struct msg *m)
{
	unsigned int i, n = 100 + rnd(chance(20) ? 3000 : 600);
	bool sa = chance(50);
	uint32_t v;

	nest_start(m, sa ? NFESP_A_SA : NFESP_A_POLICY,
		   sa ? NFESP_SA_A_MAX : NFESP_POL_A_MAX);
	for (i = 0; i < n && !m->full; i++) {
		v = (uint32_t)rnd64();
		if (chance(70))
			put_raw(m, sa ? NFESP_SA_A_REQID : NFESP_POL_A_PRIORITY, &v, 4);
		else
			put_raw(m, rnd_type(m), &v, rnd(5));
	}
	nest_end(m);
}

static void gen_deep(struct msg *m)
{
	unsigned int i, depth = 2 + rnd(MAX_DEPTH - 4);
	bool sa = chance(50);

	nest_start(m, sa ? NFESP_A_SA : NFESP_A_POLICY,
		   sa ? NFESP_SA_A_MAX : NFESP_POL_A_MAX);
	for (i = 1; i < depth; i++) {
		static const uint16_t sa_nests[] = { NFESP_SA_A_ENCAP,
			NFESP_SA_A_LIFETIME_SOFT, NFESP_SA_A_LIFETIME_HARD,
			NFESP_SA_A_STATS };
		uint16_t t = chance(50) ? sa_nests[rnd(4)] : rnd(40);

		nest_start(m, t, 40);
		if (chance(20))
			put_u32(m, rnd(6), (uint32_t)rnd64());
	}
	while (m->depth)
		nest_end(m);
}

static const uint8_t tmpl_cmd[__T_MAX] = {
	[T_SA_NEW] = NFESP_CMD_SA_NEW, [T_SA_DEL] = NFESP_CMD_SA_DEL,
	[T_SA_GET] = NFESP_CMD_SA_GET, [T_SA_DUMP] = NFESP_CMD_SA_GET,
	[T_SA_FLUSH] = NFESP_CMD_SA_FLUSH, [T_SPI_ALLOC] = NFESP_CMD_SPI_ALLOC,
	[T_POL_NEW] = NFESP_CMD_POLICY_NEW, [T_POL_DEL] = NFESP_CMD_POLICY_DEL,
	[T_POL_GET] = NFESP_CMD_POLICY_GET, [T_POL_DUMP] = NFESP_CMD_POLICY_GET,
	[T_POL_FLUSH] = NFESP_CMD_POLICY_FLUSH, [T_STATS] = NFESP_CMD_STATS_GET,
	[T_SA_SET] = NFESP_CMD_SA_SET, [T_POL_REPLACE] = NFESP_CMD_POLICY_REPLACE,
};

static enum tmpl pick_tmpl(void)
{
	unsigned int total = 0, r, t;

	for (t = 0; t < __T_MAX; t++)
		total += tmpl_weight[t];
	r = rnd(total);
	for (t = 0; r >= tmpl_weight[t]; t++)
		r -= tmpl_weight[t];
	return t;
}

/* The valid (or plausible) message of template @t. */
static void gen_valid(struct msg *m, enum tmpl t, unsigned int attr_pct)
{
	uint8_t cmd = tmpl_cmd[t];
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;

	if (t == T_SA_DUMP || t == T_POL_DUMP)
		flags = NLM_F_REQUEST | NLM_F_DUMP;
	if (t == T_EVENT_CMD) {
		static const uint8_t events[] = { NFESP_CMD_ACQUIRE, NFESP_CMD_EXPIRE,
						  NFESP_CMD_MAPPING };

		cmd = chance(70) ? events[rnd(3)] :
		      chance(50) ? NFESP_CMD_UNSPEC : NFESP_CMD_MAX + 1 + rnd(250);
	}
	if (t >= T_HUGE)
		cmd = 1 + rnd(NFESP_CMD_MAX);
	if (t == T_RANDOM && chance(50))
		flags |= chance(50) ? NLM_F_DUMP : 0;
	msg_init(m, family_id, flags, cmd);
	m->attr_pct = attr_pct;
	switch (t) {
	case T_SA_NEW:
		gen_sa(m, true);
		break;
	case T_SA_DEL:
	case T_SA_GET:
		gen_sa(m, chance(10));
		break;
	case T_SA_DUMP:
		if (chance(40)) {
			nest_start(m, NFESP_A_SA, NFESP_SA_A_MAX);
			if (chance(80))
				put_u32(m, NFESP_SA_A_REQID, rnd(5));
			nest_end(m);
		}
		break;
	case T_SPI_ALLOC:
		gen_spi_alloc(m);
		break;
	case T_SA_SET:
		gen_sa_set(m);
		break;
	case T_POL_NEW:
	case T_POL_REPLACE:
		gen_policy_new(m);
		break;
	case T_POL_DEL:
	case T_POL_GET:
		gen_policy_ref(m);
		break;
	case T_POL_DUMP:
	case T_SA_FLUSH:
	case T_POL_FLUSH:
	case T_STATS:
		break;
	case T_EVENT_CMD:
		if (chance(50))
			gen_stray_top(m);
		break;
	case T_HUGE:
		gen_huge(m);
		break;
	case T_DEEP:
		gen_deep(m);
		break;
	default: {
		unsigned int n = rnd(64);

		m->len += n;
		rnd_bytes(m->buf + NLMSG_HDRLEN + GENL_HDRLEN, n);
		break;
	}
	}
	if (chance(5))
		gen_stray_top(m);
}

/* Mutations of the built message; @sent is how much of it goes out. */
static void mutate(struct msg *m, unsigned int *sent)
{
	static const uint16_t flag_bits[] = { NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK,
		NLM_F_ECHO, NLM_F_DUMP_INTR, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC,
		NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND };
	unsigned int n = 1 + rnd(3), i, len = m->len, off, bit, long_len = 0;
	struct nlattr *a;

	for (i = 0; i < n; i++) {
		switch (rnd(12)) {
		case 0:
		case 1:	/* bit flips past the netlink header */
			if (len <= NLMSG_HDRLEN)
				break;
			bit = rnd((len - NLMSG_HDRLEN) * 8);
			m->buf[NLMSG_HDRLEN + bit / 8] ^= 1 << (bit % 8);
			break;
		case 2:	/* a random byte */
			if (len > NLMSG_HDRLEN)
				m->buf[NLMSG_HDRLEN + rnd(len - NLMSG_HDRLEN)] = (uint8_t)rnd64();
			break;
		case 3:	/* truncated */
			len = NLMSG_HDRLEN + rnd(len - NLMSG_HDRLEN + 1);
			break;
		case 4:
		case 5:	/* an attribute's length */
			if (!m->n_attr)
				break;
			a = attr_ptr(m, m->attr[rnd(m->n_attr)]);
			if ((unsigned char *)a >= m->buf + len)
				break;
			switch (rnd(4)) {
			case 0:
				a->nla_len = rnd(NLA_HDRLEN + 1);
				break;
			case 1:
				a->nla_len += 1 + rnd(8);
				break;
			case 2:
				a->nla_len -= 1 + rnd(a->nla_len > 8 ? 8 : a->nla_len);
				break;
			default:
				a->nla_len = (uint16_t)rnd64();
			}
			break;
		case 6:	/* an attribute's type */
			if (!m->n_attr)
				break;
			a = attr_ptr(m, m->attr[rnd(m->n_attr)]);
			if ((unsigned char *)a < m->buf + len)
				a->nla_type = chance(50) ? (uint16_t)rnd64() :
					      (a->nla_type & ~NLA_TYPE_MASK) | rnd(30);
			break;
		case 7:	/* nlmsg flags */
			if (chance(30))
				hdr(m)->nlmsg_flags ^= NLM_F_DUMP;
			else if (chance(20))
				hdr(m)->nlmsg_flags = (uint16_t)rnd64() | NLM_F_REQUEST;
			else
				hdr(m)->nlmsg_flags ^= flag_bits[rnd(12)];
			break;
		case 8:	/* genetlink version and reserved bytes */
			if (chance(60))
				ghdr(m)->version = chance(50) ? (uint8_t)rnd64() : rnd(3);
			else
				ghdr(m)->reserved = (uint16_t)rnd64();
			break;
		case 9:	/* the command */
			ghdr(m)->cmd = chance(70) ? rnd(NFESP_CMD_MAX + 3) : (uint8_t)rnd64();
			break;
		case 10: /* random bytes inserted */
			off = NLMSG_HDRLEN + GENL_HDRLEN;
			if (len < off || len + 16 > sizeof(m->buf))
				break;
			off += rnd(len - off + 1);
			bit = 1 + rnd(16);
			memmove(m->buf + off + bit, m->buf + off, len - off);
			rnd_bytes(m->buf + off, bit);
			len += bit;
			break;
		default: /* a header too short or a length past the end */
			if (chance(50))
				len = NLMSG_HDRLEN + rnd(GENL_HDRLEN);
			else
				long_len = 4 + rnd(64);
			break;
		}
	}
	/* Never less than is sent: the rest would be another message. */
	m->len = len;
	hdr(m)->nlmsg_len = len + long_len;
	*sent = len;
}

/* Commands that change the SAD or SPD when they succeed. */
static bool changes_state(uint8_t cmd)
{
	switch (cmd) {
	case NFESP_CMD_SA_NEW:
	case NFESP_CMD_SA_DEL:
	case NFESP_CMD_SA_SET:
	case NFESP_CMD_SA_FLUSH:
	case NFESP_CMD_SPI_ALLOC:
	case NFESP_CMD_POLICY_NEW:
	case NFESP_CMD_POLICY_DEL:
	case NFESP_CMD_POLICY_FLUSH:
	case NFESP_CMD_POLICY_REPLACE:
		return true;
	}
	return false;
}

static bool is_op(uint8_t cmd)
{
	return (cmd >= NFESP_CMD_SA_NEW && cmd <= NFESP_CMD_STATS_GET) ||
	       cmd == NFESP_CMD_SA_SET || cmd == NFESP_CMD_POLICY_REPLACE;
}

static bool has_dumpit(uint8_t cmd)
{
	return cmd == NFESP_CMD_SA_GET || cmd == NFESP_CMD_POLICY_GET;
}

/* What the kernel does with a message before any family sees it. */
static bool ignored_by_netlink(const struct msg *m, unsigned int sent)
{
	const struct nlmsghdr *h = (const void *)m->buf;

	return sent < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN ||
	       h->nlmsg_len > sent || !(h->nlmsg_flags & NLM_F_REQUEST);
}

/*
 * Without CAP_NET_ADMIN, the errors the genetlink core may return before it
 * checks permissions (see genl_family_rcv_msg()).
 */
static bool core_error_before_perm(const struct msg *m, unsigned int sent, int err)
{
	const struct nlmsghdr *h = (const void *)m->buf;
	const struct genlmsghdr *g = (const void *)(m->buf + NLMSG_HDRLEN);
	uint16_t flags = h->nlmsg_flags;
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || sent < NLMSG_HDRLEN + GENL_HDRLEN)
		return err == -EINVAL;
	if (err == -EINVAL && g->cmd > NFESP_CMD_SA_NEW) {
		if (dump)
			flags &= ~NLM_F_DUMP;
		if (g->reserved || (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)))
			return true;
	}
	if (err == -EOPNOTSUPP)
		return !is_op(g->cmd) || (dump && !has_dumpit(g->cmd));
	return false;
}

/* The batch's messages, kept to show one that broke something. */
struct sent_msg {
	unsigned long index;
	unsigned int len;
	int error;
	unsigned char head[256];
};

static struct sent_msg batch_log[BATCH];

static void show_batch(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		ktap_diag("message %lu (%u bytes): %s", batch_log[i].index,
			  batch_log[i].len,
			  batch_log[i].error == NO_REPLY ? "no reply" :
			  strerror(-batch_log[i].error));
		hexdump(batch_log[i].head, batch_log[i].len < 256 ? batch_log[i].len : 256);
	}
}

static void show_no_extack(const struct msg *m, unsigned long index,
			   const struct result *r)
{
	if (++st.no_extack > 5)
		return;
	ktap_diag("message %lu: command %u, %s, no extended ack", index,
		  ghdr((struct msg *)m)->cmd, strerror(-r->error));
	hexdump(m->buf, m->len);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One fuzzed message on @fd; its result in @r. */
static bool fuzz_one(int fd, struct msg *m, unsigned long index, struct result *r,
		     unsigned int *sentp)
{
	enum tmpl t = pick_tmpl();
	unsigned int sent;
	struct nlmsghdr *h = hdr(m);

	/* Spoilt attributes while building a quarter of the messages. */
	gen_valid(m, t, chance(25) ? 5 + rnd(20) : 0);
	h->nlmsg_len = m->len;
	sent = m->len;
	if (chance(92))
		mutate(m, &sent);
	h->nlmsg_seq = ++seq;
	st.sent++;
	st.by_cmd[ghdr(m)->cmd]++;
	*sentp = sent;
	(void)index;
	if (!send_msg(fd, m->buf, sent))
		return false;
	return collect(fd, seq, r, NULL, NULL);
}

/* The root phase: the fuzzer itself. */
static void fuzz_root(unsigned long iters, double budget)
{
	struct msg *m = malloc(sizeof(*m));
	int fd = open_socket(false);
	double end = now() + budget;
	unsigned long i = 0;
	unsigned int b, sent;
	struct result r;

	if (!m || fd < 0 || !restore()) {
		st.setup_fail++;
		return;
	}
	if (!strcmp(break_check, "leak")) {
		/* An unknown attribute with a key in it: the error ack echoes it. */
		msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_GET);
		put_raw(m, 200, base_sas[0].enc_key, 16);
		transact(fd, m, NULL, NULL, &r);
	}
	while (i < iters) {
		bool dirty = false;

		if (now() > end) {
			st.time_out = true;
			break;
		}
		for (b = 0; b < BATCH && i < iters; b++, i++) {
			uint8_t cmd;

			if (!fuzz_one(fd, m, i, &r, &sent)) {
				st.setup_fail++;
				fail_note("message %lu: no answer", i);
				goto out;
			}
			batch_log[b].index = i;
			batch_log[b].len = sent;
			batch_log[b].error = r.error;
			memcpy(batch_log[b].head, m->buf, sent < 256 ? sent : 256);
			cmd = sent >= NLMSG_HDRLEN + GENL_HDRLEN ? ghdr(m)->cmd : 0;
			if (ignored_by_netlink(m, sent)) {
				st.ignored++;
				if (r.error != NO_REPLY && r.error) {
					ktap_diag("message %lu: should be ignored, got %s",
						  i, strerror(-r.error));
				}
				continue;
			}
			if (r.error == NO_REPLY || r.error == 0) {
				st.accepted++;
				if (changes_state(cmd)) {
					st.changed++;
					dirty = true;
				}
				continue;
			}
			st.rejected++;
			if ((r.error == -EINVAL || r.error == -ERANGE) &&
			    !r.has_msg && !r.has_offs &&
			    !core_error_before_perm(m, sent, r.error))
				show_no_extack(m, i, &r);
		}
		st.batches++;
		drain_events();
		if (dirty) {
			if (!restore())
				goto out;
			continue;
		}
		if (!strcmp(break_check, "state") && !st.state_fail) {
			/*
			 * A policy added in the first clean batch, as if a
			 * rejected message had done it (before the loop, the
			 * restore after a dirty batch would wipe it unseen).
			 */
			struct base_pol p = base_pols[2];

			p.src = "10.66.0.0";
			msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_POLICY_NEW);
			pol_put_base(m, &p);
			transact(fd, m, NULL, NULL, &r);
		}
		if (!snapshot(&cur_snap)) {
			st.setup_fail++;
			goto out;
		}
		if (!snap_eq(&base_snap, &cur_snap)) {
			st.state_fail++;
			if (st.state_fail == 1) {
				ktap_diag("state changed in a batch of rejected messages:");
				snap_diff(&base_snap, &cur_snap);
				show_batch(b);
			}
			fail_note("state changed by rejected messages");
			if (!restore())
				goto out;
			continue;
		}
		st.clean_batches++;
		st.verified += b;
	}
	/* The last events, after a flush of everything. */
	restore();
	drain_events();
out:
	close(fd);
	free(m);
}

/* The non-root phase: uid 65534, no capabilities. */
static bool drop_privileges(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return false;
	if (syscall(SYS_capset, &h, d))
		return false;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return false;
	memset(d, 0xff, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return false;
	return !d[0].effective && !d[0].permitted && !d[1].effective && !d[1].permitted &&
	       geteuid() == 65534;
}

static void fuzz_eperm(unsigned long iters, double budget, int root_fd,
		       uint32_t mcgrp)
{
	struct msg *m = malloc(sizeof(*m));
	double end = now() + budget;
	unsigned int sent;
	struct result r;
	unsigned long i;
	int fds[2], fd, grp = mcgrp;

	if (strcmp(break_check, "eperm") && !drop_privileges()) {
		ktap_diag("cannot drop privileges: %s", strerror(errno));
		st.setup_fail++;
		return;
	}
	fd = open_socket(false);
	if (fd < 0 || !m) {
		st.setup_fail++;
		return;
	}
	/* Joining the events group: refused. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		st.mcast_errno = errno;
		st.mcast_refused = errno == EPERM;
	}
	fds[0] = fd;
	fds[1] = root_fd;	/* opened with privileges, used without */
	for (i = 0; i < iters; i++) {
		if (now() > end) {
			st.time_out = true;
			break;
		}
		if (!fuzz_one(fds[i % 2], m, i, &r, &sent)) {
			st.setup_fail++;
			break;
		}
		if (ignored_by_netlink(m, sent)) {
			st.ignored++;
			if (r.error == NO_REPLY || !r.error)
				continue;
		}
		if (r.n_data) {
			st.eperm_data++;
			ktap_diag("message %lu: %u data messages without privileges", i,
				  r.n_data);
		}
		if (r.error == -EPERM) {
			st.rejected++;
			continue;
		}
		if (r.error != NO_REPLY && r.error && core_error_before_perm(m, sent, r.error)) {
			st.rejected++;
			continue;
		}
		if (++st.eperm_bad <= 5) {
			ktap_diag("message %lu without privileges: %s", i,
				  r.error == NO_REPLY ? "no reply" : r.error ?
				  strerror(-r.error) : "success");
			hexdump(m->buf, sent);
		}
	}
	drain_events();
	close(fd);
	free(m);
}

/* Children: the phases run in them, so that a kill shows. */
static bool run_child(const char *what, void (*fn)(void *), void *arg)
{
	unsigned int leaks = st.leak_fail, key_attrs = st.key_attr_fail;
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(p))
		return false;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		close(p[0]);
		memset(&st, 0, sizeof(st));
		fn(arg);
		n = write(p[1], &st, sizeof(st));
		_exit(n == sizeof(st) ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], &st, sizeof(st));
	close(p[0]);
	st.leak_fail += leaks;
	st.key_attr_fail += key_attrs;
	if (waitpid(pid, &status, 0) < 0)
		return false;
	if (WIFSIGNALED(status)) {
		ktap_diag("%s: killed by signal %d (%s)", what, WTERMSIG(status),
			  strsignal(WTERMSIG(status)));
		return false;
	}
	if (n != sizeof(st) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		ktap_diag("%s: exited without results", what);
		return false;
	}
	return true;
}

struct args {
	unsigned long iters;
	double budget;
	int root_fd;
	uint32_t mcgrp;
};

static void root_child(void *p)
{
	struct args *a = p;

	fuzz_root(a->iters, a->budget);
}

static void eperm_child(void *p)
{
	struct args *a = p;

	fuzz_eperm(a->iters, a->budget, a->root_fd, a->mcgrp);
}

static void print_stats(const char *phase, double secs)
{
	unsigned long others = 0;
	char cmds[512];
	unsigned int c;
	int n = 0;

	ktap_diag("%s: %lu messages in %.1f s (%.0f/s): %lu rejected, %lu accepted "
		  "(%lu changed state), %lu ignored by netlink",
		  phase, st.sent, secs, secs > 0 ? st.sent / secs : 0.0, st.rejected,
		  st.accepted, st.changed, st.ignored);
	for (c = 0; c <= NFESP_CMD_MAX; c++)
		n += snprintf(cmds + n, sizeof(cmds) - n, " %u:%lu", c, st.by_cmd[c]);
	for (; c < 256; c++)
		others += st.by_cmd[c];
	ktap_diag("%s: messages by command:%s, others:%lu", phase, cmds, others);
	ktap_diag("%s: %lu batches, %lu of only rejections verified (%lu messages), "
		  "%lu restores; %lu events (%lu about SAs, %lu about keyed ones), "
		  "%lu overruns; %lu replies, %lu bytes scanned for keys",
		  phase, st.batches, st.clean_batches, st.verified, st.restores,
		  st.events, st.sa_events, st.key_events, st.overruns, st.data_msgs,
		  st.bytes_scanned);
	if (st.time_out)
		ktap_diag("%s: stopped early: the time budget ran out", phase);
	if (st.first_fail[0])
		ktap_diag("%s: first failure: %s", phase, st.first_fail);
}

/* A valid SA add, get and delete, and a policy add and delete. */
static bool round_trip(void)
{
	struct base_sa sa = base_sas[0];
	struct base_pol pol = base_pols[2];
	struct msg *m = malloc(sizeof(*m));
	struct result r;
	bool ok = true;
	int err;

	sa.spi = 0x7777;
	rnd_bytes(sa.enc_key, sizeof(sa.enc_key));
	pol.src = "10.77.0.0";
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_NEW);
	sa_put_base(m, &sa);
	ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_GET);
	nest_start(m, NFESP_A_SA, NFESP_SA_A_MAX);
	put_be32(m, NFESP_SA_A_SPI, sa.spi);
	put_addr(m, NFESP_SA_A_DST, sa.dst);
	nest_end(m);
	err = transact(ctl_fd, m, NULL, NULL, &r);
	ok &= !err && r.n_data == 1;
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_DEL);
	nest_start(m, NFESP_A_SA, NFESP_SA_A_MAX);
	put_be32(m, NFESP_SA_A_SPI, sa.spi);
	put_addr(m, NFESP_SA_A_DST, sa.dst);
	nest_end(m);
	ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	ok &= transact(ctl_fd, m, NULL, NULL, NULL) == -ENOENT;
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_POLICY_NEW);
	pol_put_base(m, &pol);
	ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_POLICY_DEL);
	nest_start(m, NFESP_A_POLICY, NFESP_POL_A_MAX);
	pol_put_selector(m, &pol);
	nest_end(m);
	ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	free(m);
	return ok;
}

static bool flush_all(void)
{
	struct msg *m = malloc(sizeof(*m));
	bool ok;

	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_FLUSH);
	ok = !transact(ctl_fd, m, NULL, NULL, NULL);
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_POLICY_FLUSH);
	ok &= !transact(ctl_fd, m, NULL, NULL, NULL);
	free(m);
	return ok;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static void bail_out(const char *why)
{
	ktap_bail("%s", why);
}

/* The messages of NFESP_SCALE. */
static unsigned long scale_iters(void)
{
	const char *s = getenv("NFESP_SCALE");

	if (!s || !*s || !strcmp(s, "normal"))
		return ITERS_NORMAL;
	if (!strcmp(s, "small"))
		return ITERS_SMALL;
	if (!strcmp(s, "long"))
		return ITERS_LONG;
	fprintf(stderr, "NFESP_SCALE must be small, normal or long, not '%s'\n", s);
	exit(KTAP_EXIT_FAIL);
}

/*
 * The messages a phase of @iters must have sent: all of them, or if its
 * time budget ran out, a quarter of them and at least MIN_SENT (or all, if
 * fewer were asked for). One message is not a fuzzing run.
 */
static unsigned long sent_floor(unsigned long iters)
{
	unsigned long floor = iters / 4;

	if (!st.time_out)
		return iters;
	if (floor < MIN_SENT)
		floor = iters < MIN_SENT ? iters : MIN_SENT;
	return floor;
}

/*
 * Every command, NFESP_CMD_UNSPEC and the event-only ones included, was
 * sent at least once in COVER_SHARE messages (and at least once): @fewest
 * is the command sent least, its count in @n.
 */
static bool covered(unsigned int *fewest, unsigned long *n, unsigned long *min)
{
	unsigned int c;

	*min = st.sent / COVER_SHARE ? st.sent / COVER_SHARE : 1;
	*fewest = 0;
	for (c = 1; c <= NFESP_CMD_MAX; c++)
		if (st.by_cmd[c] < st.by_cmd[*fewest])
			*fewest = c;
	*n = st.by_cmd[*fewest];
	return *n >= *min;
}

int main(int argc, char **argv)
{
	unsigned long seed = env_ulong("NFESP_FUZZ_SEED", DEFAULT_SEED);
	unsigned long iters = env_ulong("NFESP_FUZZ_ITERS", scale_iters());
	double budget = env_ulong("NFESP_FUZZ_SECONDS", DEFAULT_SECONDS), t0;
	struct family_info fi;
	struct snap before, after;
	struct args a;
	unsigned long n, min;
	unsigned int i, fewest;
	bool ok, cover;
	int opt, one = 1;

	while ((opt = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			iters = strtoul(optarg, NULL, 0);
			break;
		case 't':
			budget = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n MESSAGES] [-t SECONDS]\n",
				argv[0]);
			return KTAP_EXIT_FAIL;
		}
	}
	if (getenv("NFESP_FUZZ_BREAK"))
		break_check = getenv("NFESP_FUZZ_BREAK");
	if (geteuid())
		ktap_bail("must run as root, in a VM");
	ctl_fd = open_socket(true);
	if (ctl_fd < 0)
		bail_out(strerror(errno));
	if (resolve_family(&fi) == -ENOENT || !fi.id)
		ktap_bail("generic netlink family " NFESP_GENL_NAME
			  " not registered (module not loaded)");
	family_id = fi.id;

	ktap_plan(12);
	ktap_diag("seed 0x%lx, %lu messages as root, %lu without privileges "
		  "(replay: NFESP_FUZZ_SEED=0x%lx NFESP_FUZZ_ITERS=%lu)",
		  seed, iters, iters / 4, seed, iters);

	/* Keys: their own stream, so that no fuzz message holds them. */
	rng_state = seed ^ 0x5ec4e75ec4e75ec4ull;
	for (i = 0; i < N_BASE_SA; i++) {
		rnd_bytes(base_sas[i].enc_key, sizeof(base_sas[i].enc_key));
		rnd_bytes(base_sas[i].auth_key, sizeof(base_sas[i].auth_key));
		keyset_add(base_sas[i].enc_key, base_sas[i].enc_len);
		keyset_add(base_sas[i].auth_key, base_sas[i].auth_len);
	}
	rng_state = seed;

	ev_fd = open_socket(true);
	ok = ev_fd >= 0 && fi.mcgrp &&
	     !setsockopt(ev_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &fi.mcgrp,
			 sizeof(fi.mcgrp));
	setsockopt(ev_fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	ok = ok && restore() && flush_all();
	ktap_result(ok, "setup: family %u, events group %u, baseline of %zu SAs with "
		    "known keys and %zu policies", family_id, fi.mcgrp, N_BASE_SA,
		    N_BASE_POL);
	if (!ok)
		ktap_fail_rest("setup failed");

	/* (a) root */
	a.iters = iters;
	a.budget = budget;
	t0 = now();
	ok = run_child("root fuzzer", root_child, &a);
	print_stats("root", now() - t0);
	ktap_result(ok && !st.setup_fail && st.sent >= sent_floor(iters),
		    "root: %lu fuzzed messages sent (at least %lu), every one answered, "
		    "process alive", st.sent, sent_floor(iters));
	cover = covered(&fewest, &n, &min);
	ktap_result(ok && cover,
		    "root: every command, 0 to %u, sent at least %lu times (the fewest: "
		    "command %u, %lu times)", NFESP_CMD_MAX, min, fewest, n);
	ktap_result(ok && !st.state_fail && st.verified >= st.sent / 5,
		    "root: rejected messages changed nothing (%lu verified in %lu batches)",
		    st.verified, st.clean_batches);
	ktap_result(ok && !st.leak_fail && !st.key_attr_fail && st.key_events >= N_BASE_SA,
		    "root: no key bytes in any reply, dump, ack or event (%lu events, %lu "
		    "about keyed SAs)", st.events, st.key_events);
	ktap_result(ok && !st.no_extack, "root: every EINVAL and ERANGE of nfesp has an "
		    "extended ack (%lu without)", st.no_extack);
	ok = round_trip();
	ktap_result(ok, "after the root fuzzer: SA add, get, delete and policy add, "
		    "delete work");

	/* (b) without privileges, on the baseline */
	memset(&st, 0, sizeof(st));
	ok = restore() && snapshot(&before);
	drain_events();
	a.iters = iters / 4;
	a.root_fd = open_socket(false);
	a.mcgrp = fi.mcgrp;
	t0 = now();
	ok = ok && a.root_fd >= 0 && run_child("unprivileged fuzzer", eperm_child, &a);
	print_stats("unprivileged", now() - t0);
	ktap_result(ok && !st.setup_fail && !st.eperm_bad && !st.eperm_data &&
		    st.sent >= sent_floor(a.iters),
		    "uid 65534 without capabilities: all %lu messages (at least %lu) "
		    "refused, no data (%lu bad answers)", st.sent, sent_floor(a.iters),
		    st.eperm_bad + st.eperm_data);
	cover = covered(&fewest, &n, &min);
	ktap_result(ok && cover,
		    "uid 65534: every command, 0 to %u, sent at least %lu times (the "
		    "fewest: command %u, %lu times)", NFESP_CMD_MAX, min, fewest, n);
	ktap_result(ok && st.mcast_refused, "uid 65534: joining the events group: %s",
		    st.mcast_errno ? strerror(st.mcast_errno) : "allowed");
	drain_events();
	ok = snapshot(&after);
	if (ok && !snap_eq(&before, &after))
		snap_diff(&before, &after);
	ktap_result(ok && snap_eq(&before, &after) && !st.events,
		    "uid 65534: the SAD, SPD and counts are unchanged, no events "
		    "(%lu)", st.events);
	ok = round_trip() && flush_all() && snapshot(&after) && !after.n_sa && !after.n_pol;
	drain_events();
	ktap_result(ok && !st.leak_fail && !st.key_attr_fail,
		    "afterwards: the round trip works and everything flushes");
	return ktap_finish();
}
