// SPDX-License-Identifier: GPL-2.0-only
/*
 * Malformed and invalid requests to the nfesp generic netlink family, crafted
 * byte by byte on raw netlink sockets. Each must fail with the right errno
 * and say why in the extended ack; none may change the SAD or SPD, and no
 * reply may carry key material.
 *
 * Usage: nl_malformed                 the checks; needs CAP_NET_ADMIN
 *        nl_malformed --expect-eperm  without CAP_NET_ADMIN: an SA dump and
 *                                     a policy flush must fail with EPERM
 *
 * Output is KTAP. Exit status: 0 if every check passed, 1 if one failed,
 * 4 (skip) if the nfesp family is not registered (module not loaded).
 * Run it in a VM (tools/vm/run), never against a host's real tables.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nfesp.h>
#include "ktap.h"
#include "nlattr.h"

#define MSG_MAX		4096
#define RECV_MAX	65536
#define MAX_ENTRIES	256

#define TEST_SPI	0x1000
/* Key bytes: a run of KEY_RUN of any of these in a reply is a leak. */
#define KEY_VALID	0xc3	/* the SA the test adds */
#define KEY_ECHO	0xa5	/* encryption keys of rejected requests */
#define KEY_AUTH	0x5a	/* integrity keys of rejected requests */
#define KEY_RUN		4

/* A request under construction. */
struct msg {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[MSG_MAX];
	};
	unsigned int nest[4];
	unsigned int depth;
};

/* What came back: the final NLMSG_ERROR or NLMSG_DONE and its extack. */
struct reply {
	int error;		/* 0 or a negative errno */
	bool capped;		/* NLM_F_CAPPED: the request is not echoed */
	bool has_msg, has_offs, has_miss_type, has_miss_nest;
	char msg[256];
	uint32_t offs, miss_type, miss_nest;
	unsigned int n_data;	/* messages before the final one */
	unsigned int ack_len;
	unsigned char ack[MSG_MAX + 256];
};

/* What a request must get back. Zero offsets and types are not checked. */
struct expect {
	int err;		/* errno, 0 for success */
	int alt_err;		/* another errno accepted, or 0 */
	bool msg;		/* an extack message is required */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
	uint32_t miss_nest;	/* NLMSGERR_ATTR_MISS_NEST */
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS */
};

struct sa_id {
	uint32_t spi;		/* host order */
	uint8_t dst_len;
	uint8_t dst[16];
};

/* The SAD and SPD as dumps show them. */
struct tables {
	unsigned int n_sa, n_pol;
	struct sa_id sa[MAX_ENTRIES];
	uint32_t pol[MAX_ENTRIES];
	bool key_seen, intr;
};

typedef void (*data_fn)(const struct nlmsghdr *nlh, void *arg);

static int sock_fd;		/* NETLINK_EXT_ACK and NETLINK_CAP_ACK */
static int echo_fd;		/* NETLINK_EXT_ACK only: errors echo the request */
static uint16_t family_id;
static uint32_t seq;
static struct tables baseline;
static uint32_t policy_id;	/* the valid policy's, once added */

static const struct sa_id test_sa = {
	.spi = TEST_SPI, .dst_len = 4, .dst = { 10, 0, 0, 2 },
};

static const char *errname(int err)
{
	static char buf[32];

	switch (err) {
	case 0:
		return "success";
	case EINVAL:
		return "EINVAL";
	case ERANGE:
		return "ERANGE";
	case EEXIST:
		return "EEXIST";
	case ENOENT:
		return "ENOENT";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EPERM:
		return "EPERM";
	case ENOSPC:
		return "ENOSPC";
	case ENOMEM:
		return "ENOMEM";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EBADMSG:
		return "EBADMSG";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* The offset of the first run of @run bytes @byte in @p, or -1. */
static long find_run(const void *p, size_t len, uint8_t byte, size_t run)
{
	const uint8_t *b = p;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		n = b[i] == byte ? n + 1 : 0;
		if (n == run)
			return (long)(i + 1 - run);
	}
	return -1;
}

/* Whether any key pattern is in @p; says where. */
static bool has_key_bytes(const void *p, size_t len, const char *what)
{
	static const uint8_t keys[] = { KEY_VALID, KEY_ECHO, KEY_AUTH };
	bool found = false;
	unsigned int i;
	long off;

	for (i = 0; i < sizeof(keys); i++) {
		off = find_run(p, len, keys[i], KEY_RUN);
		if (off >= 0) {
			ktap_diag("%s: key bytes 0x%02x at offset %ld", what,
				  keys[i], off);
			found = true;
		}
	}
	return found;
}

/* Building requests */

static void msg_init(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = flags;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = NFESP_GENL_VERSION;
}

static struct nlattr *attr_ptr(struct msg *m, unsigned int off)
{
	return (struct nlattr *)(m->buf + off);
}

/* Append an attribute (zeroes if @data is NULL); its offset in the message. */
static unsigned int put(struct msg *m, uint16_t type, const void *data,
			unsigned int len)
{
	unsigned int off = NLMSG_ALIGN(m->nlh.nlmsg_len);
	struct nlattr *a = attr_ptr(m, off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf)) {
		fprintf(stderr, "request too long\n");
		exit(KTAP_EXIT_FAIL);
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (data)
		memcpy(m->buf + off + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = off + NLA_ALIGN(NLA_HDRLEN + len);
	return off;
}

static unsigned int put_u8(struct msg *m, uint16_t type, uint8_t v)
{
	return put(m, type, &v, sizeof(v));
}

static unsigned int put_u16(struct msg *m, uint16_t type, uint16_t v)
{
	return put(m, type, &v, sizeof(v));
}

static unsigned int put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	return put(m, type, &v, sizeof(v));
}

static unsigned int put_u64(struct msg *m, uint16_t type, uint64_t v)
{
	return put(m, type, &v, sizeof(v));
}

/* @v in host order, sent in network order */
static unsigned int put_be32(struct msg *m, uint16_t type, uint32_t v)
{
	v = htonl(v);
	return put(m, type, &v, sizeof(v));
}

/* An IPv4 or IPv6 address in text form, 4 or 16 bytes. */
static unsigned int put_addr(struct msg *m, uint16_t type, const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return put(m, type, &a4, sizeof(a4));
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return put(m, type, &a6, sizeof(a6));
	fprintf(stderr, "bad address %s\n", addr);
	exit(KTAP_EXIT_FAIL);
}

/* @len bytes of @byte: key material that is easy to look for. */
static unsigned int put_fill(struct msg *m, uint16_t type, uint8_t byte,
			     unsigned int len)
{
	uint8_t buf[128];

	memset(buf, byte, sizeof(buf));
	return put(m, type, buf, len);
}

static unsigned int nest_start(struct msg *m, uint16_t type)
{
	unsigned int off = put(m, type | NLA_F_NESTED, NULL, 0);

	m->nest[m->depth++] = off;
	return off;
}

static void nest_end(struct msg *m)
{
	unsigned int off = m->nest[--m->depth];

	attr_ptr(m, off)->nla_len = m->nlh.nlmsg_len - off;
}

/* Reading replies: see nlattr.h */

static bool attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || attr_len(a) != sizeof(*v))
		return false;
	memcpy(v, attr_data(a), sizeof(*v));
	return true;
}

static bool attr_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || attr_len(a) != sizeof(*v))
		return false;
	memcpy(v, attr_data(a), sizeof(*v));
	return true;
}

/* The extack TLVs of @nlh, which start at @off. */
static void parse_ext_ack(struct reply *r, const struct nlmsghdr *nlh,
			  unsigned int off)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *a;
	unsigned int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLA_ALIGN(off);
	if (off > nlh->nlmsg_len)
		return;
	attr_for_each(a, (const char *)nlh + off, end) {
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
			r->has_offs = attr_u32(a, &r->offs);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			r->has_miss_type = attr_u32(a, &r->miss_type);
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			r->has_miss_nest = attr_u32(a, &r->miss_nest);
			break;
		}
	}
}

static void parse_end(struct reply *r, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	unsigned int off;

	r->ack_len = nlh->nlmsg_len < sizeof(r->ack) ? nlh->nlmsg_len : sizeof(r->ack);
	memcpy(r->ack, nlh, r->ack_len);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int)) {
		r->error = -EBADMSG;
		return;
	}
	memcpy(&r->error, NLMSG_DATA(nlh), sizeof(int));
	off = NLMSG_HDRLEN + sizeof(int);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e)) {
			r->error = -EBADMSG;
			return;
		}
		r->capped = nlh->nlmsg_flags & NLM_F_CAPPED;
		off = NLMSG_HDRLEN + sizeof(*e);
		if (!r->capped)
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	parse_ext_ack(r, nlh, off);
}

/*
 * Send @m on @fd and read until its final NLMSG_ERROR or NLMSG_DONE; @fn
 * sees each message before that. False if nothing final came back.
 */
static bool transact(int fd, struct msg *m, struct reply *r, data_fn fn,
		     void *arg)
{
	static unsigned char buf[RECV_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	const struct nlmsghdr *nlh;
	size_t off;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	m->nlh.nlmsg_seq = ++seq;
	if (sendto(fd, m->buf, m->nlh.nlmsg_len, 0, (struct sockaddr *)&nl,
		   sizeof(nl)) < 0) {
		ktap_diag("send: %s", strerror(errno));
		return false;
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0) {
			ktap_diag("recv: %s", strerror(errno));
			return false;
		}
		if ((size_t)n > sizeof(buf)) {
			ktap_diag("recv: reply of %zd bytes truncated", n);
			return false;
		}
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)n;
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			nlh = (const void *)(buf + off);
			if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > (size_t)n - off)
				break;
			if (nlh->nlmsg_seq != seq)
				continue;	/* left over from a timed out request */
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				parse_end(r, nlh);
				return true;
			}
			r->n_data++;
			if (fn)
				fn(nlh, arg);
		}
	}
}

static void diag_reply(const struct reply *r)
{
	char extra[96] = "";
	int n = 0;

	if (r->has_offs)
		n += snprintf(extra + n, sizeof(extra) - n, " offset %u", r->offs);
	if (r->has_miss_type)
		n += snprintf(extra + n, sizeof(extra) - n, " missing type %u",
			      r->miss_type);
	if (r->has_miss_nest)
		snprintf(extra + n, sizeof(extra) - n, " in nest at %u",
			 r->miss_nest);
	if (r->has_msg)
		ktap_diag("%s: \"%s\"%s", errname(-r->error), r->msg, extra);
	else
		ktap_diag("%s, no extack message%s", errname(-r->error), extra);
}

static bool check_u32(const char *what, bool has, uint32_t got, uint32_t want)
{
	if (!want)
		return true;
	if (!has) {
		ktap_diag("no %s, expected %u", what, want);
		return false;
	}
	if (got != want) {
		ktap_diag("%s is %u, expected %u", what, got, want);
		return false;
	}
	return true;
}

static bool check_reply(const struct reply *r, const struct expect *e)
{
	int got = -r->error;
	bool pass = true;

	diag_reply(r);
	if (got != e->err && !(e->alt_err && got == e->alt_err)) {
		if (e->alt_err)
			ktap_diag("expected %s or %s", errname(e->err),
				  errname(e->alt_err));
		else
			ktap_diag("expected %s", errname(e->err));
		pass = false;
	}
	if (e->msg && !r->has_msg) {
		ktap_diag("expected an extack message");
		pass = false;
	}
	pass &= check_u32("NLMSGERR_ATTR_MISS_TYPE", r->has_miss_type,
			  r->miss_type, e->miss_type);
	pass &= check_u32("NLMSGERR_ATTR_MISS_NEST", r->has_miss_nest,
			  r->miss_nest, e->miss_nest);
	pass &= check_u32("NLMSGERR_ATTR_OFFS", r->has_offs, r->offs, e->offs);
	return pass;
}

/* Send @m on the capped socket and check what comes back. */
static bool request(struct msg *m, const struct expect *e)
{
	struct reply r;

	return transact(sock_fd, m, &r, NULL, NULL) && check_reply(&r, e);
}

#define EXPECT(...) (&(const struct expect){ __VA_ARGS__ })

/* SAs */

#define OMIT(type) (1u << (type))

static unsigned int sa_begin(struct msg *m, uint8_t cmd)
{
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, cmd);
	return nest_start(m, NFESP_A_SA);
}

/* The valid SA, AES-GCM-128 10.0.0.1 -> 10.0.0.2 SPI TEST_SPI, but @omit. */
static void sa_put_valid(struct msg *m, unsigned int omit)
{
	if (!(omit & OMIT(NFESP_SA_A_SPI)))
		put_be32(m, NFESP_SA_A_SPI, TEST_SPI);
	if (!(omit & OMIT(NFESP_SA_A_SRC)))
		put_addr(m, NFESP_SA_A_SRC, "10.0.0.1");
	if (!(omit & OMIT(NFESP_SA_A_DST)))
		put_addr(m, NFESP_SA_A_DST, "10.0.0.2");
	if (!(omit & OMIT(NFESP_SA_A_ENC_ALG)))
		put_u16(m, NFESP_SA_A_ENC_ALG, NFESP_ENC_AES_GCM_16);
	if (!(omit & OMIT(NFESP_SA_A_ENC_KEY)))
		put_fill(m, NFESP_SA_A_ENC_KEY, KEY_VALID, 20);
}

static bool sa_new_no_nest(void)
{
	struct msg m;

	msg_init(&m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_SA_NEW);
	return request(&m, EXPECT(.err = EINVAL, .msg = true,
				  .miss_type = NFESP_A_SA));
}

static bool sa_new_missing(uint16_t type)
{
	unsigned int nest;
	struct msg m;

	nest = sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(type));
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true,
				  .miss_type = type, .miss_nest = nest));
}

static bool sa_new_no_spi(void)
{
	return sa_new_missing(NFESP_SA_A_SPI);
}

static bool sa_new_no_dst(void)
{
	return sa_new_missing(NFESP_SA_A_DST);
}

static bool sa_new_no_src(void)
{
	return sa_new_missing(NFESP_SA_A_SRC);
}

static bool sa_new_no_enc_alg(void)
{
	return sa_new_missing(NFESP_SA_A_ENC_ALG);
}

/* The valid SA with attribute @type of @len bytes @byte instead. */
static bool sa_new_bad_len(uint16_t type, uint8_t byte, unsigned int len)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(type));
	bad = put_fill(&m, type, byte, len);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_new_dst_5(void)
{
	return sa_new_bad_len(NFESP_SA_A_DST, 10, 5);
}

static bool sa_new_src_3(void)
{
	return sa_new_bad_len(NFESP_SA_A_SRC, 10, 3);
}

static bool sa_new_dst_17(void)
{
	return sa_new_bad_len(NFESP_SA_A_DST, 0x20, 17);
}

static bool sa_new_spi_2(void)
{
	return sa_new_bad_len(NFESP_SA_A_SPI, 0x10, 2);
}

static bool sa_new_spi_0(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(NFESP_SA_A_SPI));
	bad = put_be32(&m, NFESP_SA_A_SPI, 0);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_new_mixed_families(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(NFESP_SA_A_SRC) | OMIT(NFESP_SA_A_DST));
	bad = put_addr(&m, NFESP_SA_A_SRC, "10.0.0.1");
	put_addr(&m, NFESP_SA_A_DST, "2001:db8::2");
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

/* The valid SA's addresses and SPI with the given transform. */
static bool sa_new_transform(uint16_t enc, unsigned int enc_key_len,
			     uint16_t auth, unsigned int auth_key_len)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(NFESP_SA_A_ENC_ALG) | OMIT(NFESP_SA_A_ENC_KEY));
	put_u16(&m, NFESP_SA_A_ENC_ALG, enc);
	if (enc_key_len)
		put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, enc_key_len);
	if (auth)
		put_u16(&m, NFESP_SA_A_AUTH_ALG, auth);
	if (auth_key_len)
		put_fill(&m, NFESP_SA_A_AUTH_KEY, KEY_AUTH, auth_key_len);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true));
}

static bool sa_new_enc_99(void)
{
	return sa_new_transform(99, 20, 0, 0);
}

static bool sa_new_gcm_key_16(void)
{
	return sa_new_transform(NFESP_ENC_AES_GCM_16, 16, 0, 0);
}

static bool sa_new_cbc_no_auth(void)
{
	return sa_new_transform(NFESP_ENC_AES_CBC, 16, 0, 0);
}

static bool sa_new_gcm_with_auth(void)
{
	return sa_new_transform(NFESP_ENC_AES_GCM_16, 20,
				NFESP_AUTH_HMAC_SHA2_256_128, 32);
}

static bool sa_new_hmac_key_16(void)
{
	return sa_new_transform(NFESP_ENC_AES_CBC, 16,
				NFESP_AUTH_HMAC_SHA2_256_128, 16);
}

static bool sa_new_flags(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	bad = put_u32(&m, NFESP_SA_A_FLAGS, 0x80000000);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_new_replay_5000(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	bad = put_u32(&m, NFESP_SA_A_REPLAY_WINDOW, 5000);
	nest_end(&m);
	return request(&m, EXPECT(.err = ERANGE, .alt_err = EINVAL, .msg = true,
				  .offs = bad));
}

/* NFESP_SA_A_SELECTOR holds a policy's selector attributes, no direction. */
static bool sa_new_sel_dir(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	nest_start(&m, NFESP_SA_A_SELECTOR);
	put_addr(&m, NFESP_POL_A_SRC, "10.2.0.0");
	put_addr(&m, NFESP_POL_A_DST, "10.1.0.0");
	bad = put_u8(&m, NFESP_POL_A_DIR, NFESP_DIR_IN);
	nest_end(&m);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_new_sel_no_dst(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	nest_start(&m, NFESP_SA_A_SELECTOR);
	put_addr(&m, NFESP_POL_A_SRC, "10.2.0.0");
	nest_end(&m);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true));
}

/* A transport mode SA carries its own family: an IPv6 selector is refused. */
static bool sa_new_sel_transport6(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	put_u8(&m, NFESP_SA_A_MODE, NFESP_MODE_TRANSPORT);
	bad = nest_start(&m, NFESP_SA_A_SELECTOR);
	put_addr(&m, NFESP_POL_A_SRC, "2001:db8::1");
	put_addr(&m, NFESP_POL_A_DST, "2001:db8::2");
	nest_end(&m);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool unknown_top_attr(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	nest_end(&m);
	bad = put_u32(&m, 200, 1);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool unknown_sa_attr(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	bad = put_u32(&m, 100, 1);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

/*
 * NFESP_SA_A_STATS as a dump has it, but without NLA_F_NESTED: the rejection
 * must come from its read-only policy, not from the flag.
 */
static bool read_only_stats(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	bad = put(&m, NFESP_SA_A_STATS, NULL, 0);
	put_u64(&m, NFESP_SA_STATS_A_RX_PACKETS, 0);
	attr_ptr(&m, bad)->nla_len = m.nlh.nlmsg_len - bad;
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

/* The last top-level attribute claims 200 bytes; 8 are there. */
static bool truncated_top_attr(void)
{
	unsigned int off;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	nest_end(&m);
	off = put_u32(&m, NFESP_A_STATS, 0);
	attr_ptr(&m, off)->nla_len = 200;
	return request(&m, EXPECT(.err = EINVAL, .msg = true));
}

/* The last attribute in NFESP_A_SA runs past the end of the nest. */
static bool truncated_nested_attr(void)
{
	unsigned int off;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	off = put_u32(&m, NFESP_SA_A_REQID, 1);
	nest_end(&m);
	attr_ptr(&m, off)->nla_len = 64;
	return request(&m, EXPECT(.err = EINVAL, .msg = true));
}

static bool unknown_cmd(void)
{
	struct msg m;

	msg_init(&m, family_id, NLM_F_REQUEST | NLM_F_ACK, 250);
	return request(&m, EXPECT(.err = EOPNOTSUPP));
}

static bool sa_new_valid(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	nest_end(&m);
	return request(&m, EXPECT(.err = 0));
}

static bool sa_new_duplicate(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	nest_end(&m);
	return request(&m, EXPECT(.err = EEXIST, .msg = true));
}

/*
 * Send @m on the socket without NETLINK_CAP_ACK, so that the error ack
 * echoes the request; no key bytes may be in it.
 */
static bool no_key_in_echo(struct msg *m, const struct expect *e)
{
	const struct nlmsgerr *err;
	struct reply r;
	bool pass;

	if (!transact(echo_fd, m, &r, NULL, NULL))
		return false;
	pass = check_reply(&r, e);
	err = (const void *)(r.ack + NLMSG_HDRLEN);
	/* Without the request in the ack, this test would prove nothing. */
	if (r.capped || r.ack_len < NLMSG_HDRLEN + sizeof(int) + m->nlh.nlmsg_len ||
	    err->msg.nlmsg_len != m->nlh.nlmsg_len) {
		ktap_diag("the error ack does not echo the whole request");
		return false;
	}
	if (has_key_bytes(r.ack, r.ack_len, "error ack"))
		pass = false;
	return pass;
}

static bool echo_duplicate(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(NFESP_SA_A_ENC_KEY));
	put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, 20);
	nest_end(&m);
	return no_key_in_echo(&m, EXPECT(.err = EEXIST, .msg = true));
}

static bool echo_hmac_key_16(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	put_be32(&m, NFESP_SA_A_SPI, TEST_SPI + 1);
	put_addr(&m, NFESP_SA_A_SRC, "10.0.0.1");
	put_addr(&m, NFESP_SA_A_DST, "10.0.0.2");
	put_u16(&m, NFESP_SA_A_ENC_ALG, NFESP_ENC_AES_CBC);
	put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, 16);
	put_u16(&m, NFESP_SA_A_AUTH_ALG, NFESP_AUTH_HMAC_SHA2_256_128);
	put_fill(&m, NFESP_SA_A_AUTH_KEY, KEY_AUTH, 16);
	nest_end(&m);
	return no_key_in_echo(&m, EXPECT(.err = EINVAL, .msg = true));
}

static bool echo_bad_flags(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	put_be32(&m, NFESP_SA_A_SPI, TEST_SPI + 1);
	put_addr(&m, NFESP_SA_A_SRC, "10.0.0.1");
	put_addr(&m, NFESP_SA_A_DST, "10.0.0.2");
	put_u16(&m, NFESP_SA_A_ENC_ALG, NFESP_ENC_AES_CBC);
	put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, 16);
	put_u16(&m, NFESP_SA_A_AUTH_ALG, NFESP_AUTH_HMAC_SHA2_256_128);
	put_fill(&m, NFESP_SA_A_AUTH_KEY, KEY_AUTH, 32);
	bad = put_u32(&m, NFESP_SA_A_FLAGS, 0x80000000);
	nest_end(&m);
	return no_key_in_echo(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

/* Two ENC_KEYs: nla_parse keeps the last; the first must be wiped too. */
static bool echo_two_keys(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(NFESP_SA_A_ENC_KEY));
	put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, 20);
	put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, 20);
	nest_end(&m);
	return no_key_in_echo(&m, EXPECT(.err = EEXIST, .msg = true));
}

/* Two NFESP_A_SA nests: the keys of the first, which is not used, too. */
static bool echo_two_nests(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, OMIT(NFESP_SA_A_ENC_KEY));
	put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, 20);
	nest_end(&m);
	nest_start(&m, NFESP_A_SA);
	sa_put_valid(&m, OMIT(NFESP_SA_A_ENC_KEY));
	put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_ECHO, 20);
	nest_end(&m);
	return no_key_in_echo(&m, EXPECT(.err = EEXIST, .msg = true));
}

/* Dumps */

static void dump_sa_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *sa = genl_find(nlh, NFESP_A_SA), *a;
	struct tables *t = arg;
	struct sa_id id = { 0 };

	if (has_key_bytes(nlh, nlh->nlmsg_len, "SA dump"))
		t->key_seen = true;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = true;
	a = nested_find(sa, NFESP_SA_A_SPI);
	if (attr_u32(a, &id.spi))
		id.spi = ntohl(id.spi);
	a = nested_find(sa, NFESP_SA_A_DST);
	if (a && attr_len(a) <= sizeof(id.dst)) {
		id.dst_len = attr_len(a);
		memcpy(id.dst, attr_data(a), id.dst_len);
	}
	if (t->n_sa < MAX_ENTRIES)
		t->sa[t->n_sa] = id;
	t->n_sa++;
}

static void dump_policy_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *pol = genl_find(nlh, NFESP_A_POLICY);
	struct tables *t = arg;
	uint32_t id = 0;

	if (has_key_bytes(nlh, nlh->nlmsg_len, "policy dump"))
		t->key_seen = true;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = true;
	attr_u32(nested_find(pol, NFESP_POL_A_ID), &id);
	if (t->n_pol < MAX_ENTRIES)
		t->pol[t->n_pol] = id;
	t->n_pol++;
}

static bool dump(uint8_t cmd, data_fn fn, struct tables *t)
{
	struct reply r;
	struct msg m;

	msg_init(&m, family_id, NLM_F_REQUEST | NLM_F_DUMP, cmd);
	if (!transact(sock_fd, &m, &r, fn, t))
		return false;
	if (r.error) {
		ktap_diag("dump (command %u) failed", cmd);
		diag_reply(&r);
		return false;
	}
	return true;
}

static bool dump_tables(struct tables *t)
{
	memset(t, 0, sizeof(*t));
	if (!dump(NFESP_CMD_SA_GET, dump_sa_cb, t) ||
	    !dump(NFESP_CMD_POLICY_GET, dump_policy_cb, t))
		return false;
	if (t->n_sa > MAX_ENTRIES || t->n_pol > MAX_ENTRIES) {
		ktap_diag("more than %u SAs or policies", MAX_ENTRIES);
		return false;
	}
	if (t->intr) {
		ktap_diag("a dump was interrupted (NLM_F_DUMP_INTR)");
		return false;
	}
	if (t->key_seen)
		return false;
	return true;
}

static bool sa_eq(const struct sa_id *a, const struct sa_id *b)
{
	return a->spi == b->spi && a->dst_len == b->dst_len &&
	       !memcmp(a->dst, b->dst, a->dst_len);
}

static unsigned int sa_count(const struct tables *t, const struct sa_id *id)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->n_sa; i++)
		n += sa_eq(&t->sa[i], id);
	return n;
}

static unsigned int pol_count(const struct tables *t, uint32_t id)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->n_pol; i++)
		n += t->pol[i] == id;
	return n;
}

/* Whether @cur is the baseline plus @sa (if not NULL) and policy @pol (if not 0). */
static bool tables_are(const struct tables *cur, const struct sa_id *sa,
		       uint32_t pol)
{
	const struct tables *base = &baseline;
	bool pass = true;
	unsigned int i;

	for (i = 0; i < cur->n_sa; i++) {
		const struct sa_id *s = &cur->sa[i];

		if (sa_count(base, s) || (sa && sa_eq(s, sa)))
			continue;
		ktap_diag("unexpected SA: SPI 0x%x, destination of %u bytes",
			  s->spi, s->dst_len);
		pass = false;
	}
	for (i = 0; i < base->n_sa; i++) {
		if (sa_count(cur, &base->sa[i]))
			continue;
		ktap_diag("SA with SPI 0x%x is gone", base->sa[i].spi);
		pass = false;
	}
	if (sa && sa_count(cur, sa) != 1) {
		ktap_diag("the test's SA is listed %u times", sa_count(cur, sa));
		pass = false;
	}
	if (cur->n_sa != base->n_sa + !!sa) {
		ktap_diag("%u SAs, expected %u", cur->n_sa, base->n_sa + !!sa);
		pass = false;
	}
	for (i = 0; i < cur->n_pol; i++) {
		if (pol_count(base, cur->pol[i]) || (pol && cur->pol[i] == pol))
			continue;
		ktap_diag("unexpected policy %u", cur->pol[i]);
		pass = false;
	}
	for (i = 0; i < base->n_pol; i++) {
		if (pol_count(cur, base->pol[i]))
			continue;
		ktap_diag("policy %u is gone", base->pol[i]);
		pass = false;
	}
	if (pol && pol_count(cur, pol) != 1) {
		ktap_diag("the test's policy is listed %u times", pol_count(cur, pol));
		pass = false;
	}
	if (cur->n_pol != base->n_pol + !!pol) {
		ktap_diag("%u policies, expected %u", cur->n_pol,
			  base->n_pol + !!pol);
		pass = false;
	}
	return pass;
}

static bool dump_baseline(void)
{
	if (!dump_tables(&baseline))
		return false;
	ktap_diag("%u SAs and %u policies before the test", baseline.n_sa,
		  baseline.n_pol);
	if (sa_count(&baseline, &test_sa)) {
		ktap_diag("an SA with the test's SPI and destination exists already");
		return false;
	}
	return true;
}

static bool dump_sa_added(void)
{
	struct tables cur;

	return dump_tables(&cur) && tables_are(&cur, &test_sa, 0);
}

static bool dump_policy_added(void)
{
	struct tables cur;

	if (!policy_id) {
		ktap_diag("the valid policy was not added");
		return false;
	}
	return dump_tables(&cur) && tables_are(&cur, &test_sa, policy_id);
}

static void stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *st = genl_find(nlh, NFESP_A_STATS);
	uint64_t *counts = arg;

	attr_u64(nested_find(st, NFESP_STATS_A_SA_COUNT), &counts[0]);
	attr_u64(nested_find(st, NFESP_STATS_A_POLICY_COUNT), &counts[1]);
}

static bool dump_after_cleanup(void)
{
	uint64_t counts[2] = { UINT64_MAX, UINT64_MAX };
	struct tables cur;
	struct reply r;
	struct msg m;
	bool pass;

	if (!dump_tables(&cur))
		return false;
	pass = tables_are(&cur, NULL, 0);
	msg_init(&m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_STATS_GET);
	if (!transact(sock_fd, &m, &r, stats_cb, counts) ||
	    !check_reply(&r, EXPECT(.err = 0)))
		return false;
	if (counts[0] != cur.n_sa || counts[1] != cur.n_pol) {
		ktap_diag("STATS_GET counts %llu SAs and %llu policies, dumps %u and %u",
			  (unsigned long long)counts[0],
			  (unsigned long long)counts[1], cur.n_sa, cur.n_pol);
		pass = false;
	}
	return pass;
}

static bool sa_del_valid(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_DEL);
	put_be32(&m, NFESP_SA_A_SPI, TEST_SPI);
	put_addr(&m, NFESP_SA_A_DST, "10.0.0.2");
	nest_end(&m);
	return request(&m, EXPECT(.err = 0));
}

static bool sa_del_missing(void)
{
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_DEL);
	put_be32(&m, NFESP_SA_A_SPI, TEST_SPI);
	put_addr(&m, NFESP_SA_A_DST, "10.0.0.2");
	nest_end(&m);
	return request(&m, EXPECT(.err = ENOENT, .msg = true));
}

/* NFESP_SA_F_FOLLOW_PEER means nothing without UDP encapsulation. */
static bool sa_new_follow_no_encap(void)
{
	unsigned int bad;
	struct msg m;

	sa_begin(&m, NFESP_CMD_SA_NEW);
	sa_put_valid(&m, 0);
	bad = put_u32(&m, NFESP_SA_A_FLAGS, NFESP_SA_F_FOLLOW_PEER);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

/* SA_SET of the valid SA: its identity, then what the caller puts. */
static void sa_set_begin(struct msg *m)
{
	sa_begin(m, NFESP_CMD_SA_SET);
	put_be32(m, NFESP_SA_A_SPI, TEST_SPI);
	put_addr(m, NFESP_SA_A_DST, "10.0.0.2");
}

static bool sa_set_same_src(void)
{
	struct msg m;

	sa_set_begin(&m);
	put_addr(&m, NFESP_SA_A_SRC, "10.0.0.1");
	nest_end(&m);
	return request(&m, EXPECT(.err = 0));
}

static bool sa_set_reqid(void)
{
	unsigned int bad;
	struct msg m;

	sa_set_begin(&m);
	put_addr(&m, NFESP_SA_A_SRC, "10.0.0.1");
	bad = put_u32(&m, NFESP_SA_A_REQID, 7);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_set_key(void)
{
	unsigned int bad;
	struct msg m;

	sa_set_begin(&m);
	bad = put_fill(&m, NFESP_SA_A_ENC_KEY, KEY_VALID, 20);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_set_nothing(void)
{
	struct msg m;

	sa_set_begin(&m);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true));
}

static bool sa_set_encap(void)
{
	unsigned int bad;
	struct msg m;

	sa_set_begin(&m);
	bad = nest_start(&m, NFESP_SA_A_ENCAP);
	put_u16(&m, NFESP_ENCAP_A_DPORT, 4500);
	nest_end(&m);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_set_src6(void)
{
	unsigned int bad;
	struct msg m;

	sa_set_begin(&m);
	bad = put_addr(&m, NFESP_SA_A_SRC, "2001:db8::1");
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool sa_set_missing(void)
{
	struct msg m;

	sa_set_begin(&m);
	put_addr(&m, NFESP_SA_A_SRC, "10.0.0.1");
	nest_end(&m);
	return request(&m, EXPECT(.err = ENOENT, .msg = true));
}

/* Policies */

static unsigned int pol_begin(struct msg *m, uint8_t cmd)
{
	msg_init(m, family_id, NLM_F_REQUEST | NLM_F_ACK, cmd);
	return nest_start(m, NFESP_A_POLICY);
}

/*
 * The valid policy, but @omit: out, protect 10.1.0.0/24 -> 10.2.0.0/24 in a
 * tunnel 10.0.0.1 -> 10.0.0.2, reqid 1.
 */
static void pol_put_valid(struct msg *m, unsigned int omit)
{
	if (!(omit & OMIT(NFESP_POL_A_DIR)))
		put_u8(m, NFESP_POL_A_DIR, NFESP_DIR_OUT);
	if (!(omit & OMIT(NFESP_POL_A_ACTION)))
		put_u8(m, NFESP_POL_A_ACTION, NFESP_ACTION_PROTECT);
	if (!(omit & OMIT(NFESP_POL_A_SRC)))
		put_addr(m, NFESP_POL_A_SRC, "10.1.0.0");
	if (!(omit & OMIT(NFESP_POL_A_SRC_PREFIXLEN)))
		put_u8(m, NFESP_POL_A_SRC_PREFIXLEN, 24);
	if (!(omit & OMIT(NFESP_POL_A_DST)))
		put_addr(m, NFESP_POL_A_DST, "10.2.0.0");
	if (!(omit & OMIT(NFESP_POL_A_DST_PREFIXLEN)))
		put_u8(m, NFESP_POL_A_DST_PREFIXLEN, 24);
	if (!(omit & OMIT(NFESP_POL_A_LOCAL)))
		put_addr(m, NFESP_POL_A_LOCAL, "10.0.0.1");
	if (!(omit & OMIT(NFESP_POL_A_PEER)))
		put_addr(m, NFESP_POL_A_PEER, "10.0.0.2");
	if (!(omit & OMIT(NFESP_POL_A_REQID)))
		put_u32(m, NFESP_POL_A_REQID, 1);
}

static void policy_id_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *pol = genl_find(nlh, NFESP_A_POLICY);

	attr_u32(nested_find(pol, NFESP_POL_A_ID), arg);
}

static bool policy_new_valid(void)
{
	struct reply r;
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, 0);
	nest_end(&m);
	if (!transact(sock_fd, &m, &r, policy_id_cb, &policy_id) ||
	    !check_reply(&r, EXPECT(.err = 0)))
		return false;
	if (!policy_id) {
		ktap_diag("the reply carries no NFESP_POL_A_ID");
		return false;
	}
	ktap_diag("policy id %u", policy_id);
	return true;
}

static bool policy_new_duplicate(void)
{
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, 0);
	nest_end(&m);
	return request(&m, EXPECT(.err = EEXIST, .msg = true));
}

static bool policy_new_prefix_33(void)
{
	unsigned int bad;
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, OMIT(NFESP_POL_A_SRC_PREFIXLEN));
	bad = put_u8(&m, NFESP_POL_A_SRC_PREFIXLEN, 33);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool policy_new_host_bits(void)
{
	unsigned int bad;
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, OMIT(NFESP_POL_A_SRC));
	bad = put_addr(&m, NFESP_POL_A_SRC, "10.1.0.1");
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool policy_new_no_dir(void)
{
	unsigned int nest;
	struct msg m;

	nest = pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, OMIT(NFESP_POL_A_DIR));
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true,
				  .miss_type = NFESP_POL_A_DIR, .miss_nest = nest));
}

static bool policy_new_bypass_reqid(void)
{
	unsigned int bad;
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, OMIT(NFESP_POL_A_ACTION) | OMIT(NFESP_POL_A_LOCAL) |
			  OMIT(NFESP_POL_A_PEER) | OMIT(NFESP_POL_A_REQID));
	put_u8(&m, NFESP_POL_A_ACTION, NFESP_ACTION_BYPASS);
	bad = put_u32(&m, NFESP_POL_A_REQID, 1);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool policy_new_no_endpoints(void)
{
	unsigned int nest;
	struct msg m;

	nest = pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, OMIT(NFESP_POL_A_LOCAL) | OMIT(NFESP_POL_A_PEER));
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true,
				  .miss_type = NFESP_POL_A_LOCAL, .miss_nest = nest));
}

static bool policy_new_icmp_ports(void)
{
	unsigned int bad;
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, 0);
	put_u8(&m, NFESP_POL_A_PROTO, IPPROTO_ICMP);
	bad = put_u16(&m, NFESP_POL_A_DPORT_MIN, 80);
	put_u16(&m, NFESP_POL_A_DPORT_MAX, 90);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool policy_new_ports_reversed(void)
{
	unsigned int bad;
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_NEW);
	pol_put_valid(&m, 0);
	put_u8(&m, NFESP_POL_A_PROTO, IPPROTO_TCP);
	put_u16(&m, NFESP_POL_A_DPORT_MIN, 100);
	bad = put_u16(&m, NFESP_POL_A_DPORT_MAX, 50);
	nest_end(&m);
	return request(&m, EXPECT(.err = EINVAL, .msg = true, .offs = bad));
}

static bool policy_del(int err)
{
	struct msg m;

	pol_begin(&m, NFESP_CMD_POLICY_DEL);
	put_u32(&m, NFESP_POL_A_ID, policy_id ? policy_id : UINT32_MAX);
	nest_end(&m);
	return request(&m, EXPECT(.err = err, .msg = err != 0));
}

static bool policy_del_valid(void)
{
	return policy_del(0);
}

static bool policy_del_missing(void)
{
	return policy_del(ENOENT);
}

struct test {
	const char *name;
	bool (*fn)(void);
};

static const struct test tests[] = {
	{ "dump the SAD and SPD before the test", dump_baseline },
	{ "SA_NEW without NFESP_A_SA: EINVAL, missing NFESP_A_SA", sa_new_no_nest },
	{ "SA_NEW without SPI: EINVAL, missing SPI", sa_new_no_spi },
	{ "SA_NEW without destination: EINVAL, missing DST", sa_new_no_dst },
	{ "SA_NEW without source: EINVAL, missing SRC", sa_new_no_src },
	{ "SA_NEW without encryption algorithm: EINVAL, missing ENC_ALG",
	  sa_new_no_enc_alg },
	{ "SA_NEW with a 5-byte destination: EINVAL", sa_new_dst_5 },
	{ "SA_NEW with a 3-byte source: EINVAL", sa_new_src_3 },
	{ "SA_NEW with a 17-byte destination: EINVAL", sa_new_dst_17 },
	{ "SA_NEW with a 2-byte SPI: EINVAL", sa_new_spi_2 },
	{ "SA_NEW with SPI 0: EINVAL", sa_new_spi_0 },
	{ "SA_NEW from IPv4 to IPv6: EINVAL", sa_new_mixed_families },
	{ "SA_NEW with encryption algorithm 99: EINVAL", sa_new_enc_99 },
	{ "SA_NEW with a 16-byte AES-GCM key: EINVAL", sa_new_gcm_key_16 },
	{ "SA_NEW with AES-CBC and no integrity algorithm: EINVAL",
	  sa_new_cbc_no_auth },
	{ "SA_NEW with AES-GCM and an integrity algorithm: EINVAL",
	  sa_new_gcm_with_auth },
	{ "SA_NEW with a 16-byte HMAC-SHA2-256 key: EINVAL", sa_new_hmac_key_16 },
	{ "SA_NEW with flag 0x80000000: EINVAL", sa_new_flags },
	{ "SA_NEW with replay window 5000: ERANGE or EINVAL", sa_new_replay_5000 },
	{ "SA_NEW with a direction in its selector: EINVAL, at it", sa_new_sel_dir },
	{ "SA_NEW with a selector without destination: EINVAL", sa_new_sel_no_dst },
	{ "SA_NEW transport IPv4 with an IPv6 selector: EINVAL, at the selector",
	  sa_new_sel_transport6 },
	{ "unknown top-level attribute 200: EINVAL", unknown_top_attr },
	{ "unknown attribute 100 in NFESP_A_SA: EINVAL", unknown_sa_attr },
	{ "read-only NFESP_SA_A_STATS in SA_NEW: EINVAL", read_only_stats },
	{ "top-level attribute longer than the message: EINVAL",
	  truncated_top_attr },
	{ "attribute longer than its nest: EINVAL", truncated_nested_attr },
	{ "unknown command 250: EOPNOTSUPP", unknown_cmd },
	{ "SA_NEW of a valid AES-GCM-128 SA, SPI 0x1000: success", sa_new_valid },
	{ "SA_NEW of the same SA again: EEXIST", sa_new_duplicate },
	{ "no key in the echoed request: duplicate SA", echo_duplicate },
	{ "no key in the echoed request: wrong HMAC key length",
	  echo_hmac_key_16 },
	{ "no key in the echoed request: attribute validation failed",
	  echo_bad_flags },
	{ "no key in the echoed request: two ENC_KEY attributes", echo_two_keys },
	{ "no key in the echoed request: two NFESP_A_SA nests", echo_two_nests },
	{ "SA dump: the baseline and the valid SA, no key bytes", dump_sa_added },
	{ "POLICY_NEW of a valid protect policy: success, id", policy_new_valid },
	{ "POLICY_NEW of the same policy again: EEXIST", policy_new_duplicate },
	{ "POLICY_NEW with IPv4 prefix length 33: EINVAL", policy_new_prefix_33 },
	{ "POLICY_NEW with 10.1.0.1/24: EINVAL", policy_new_host_bits },
	{ "POLICY_NEW without direction: EINVAL, missing DIR", policy_new_no_dir },
	{ "POLICY_NEW bypass with a reqid: EINVAL", policy_new_bypass_reqid },
	{ "POLICY_NEW tunnel protect without endpoints: EINVAL, missing LOCAL",
	  policy_new_no_endpoints },
	{ "POLICY_NEW with ports and protocol ICMP: EINVAL",
	  policy_new_icmp_ports },
	{ "POLICY_NEW with destination ports 100-50: EINVAL",
	  policy_new_ports_reversed },
	{ "dumps: the baseline, the valid SA and the valid policy",
	  dump_policy_added },
	{ "SA_NEW with follow-peer and no encap: EINVAL", sa_new_follow_no_encap },
	{ "SA_SET of the valid SA to its own source: success", sa_set_same_src },
	{ "SA_SET with a reqid: EINVAL, at the reqid", sa_set_reqid },
	{ "SA_SET with a key: EINVAL, at the key", sa_set_key },
	{ "SA_SET with nothing to change: EINVAL", sa_set_nothing },
	{ "SA_SET with encap ports on an SA without encap: EINVAL", sa_set_encap },
	{ "SA_SET with an IPv6 source on an IPv4 SA: EINVAL", sa_set_src6 },
	{ "SA_DEL of the valid SA: success", sa_del_valid },
	{ "SA_DEL of a missing SA: ENOENT", sa_del_missing },
	{ "SA_SET of a missing SA: ENOENT", sa_set_missing },
	{ "POLICY_DEL of the valid policy by id: success", policy_del_valid },
	{ "POLICY_DEL of a missing policy: ENOENT", policy_del_missing },
	{ "after cleanup: SAD and SPD as before the test, counts agree",
	  dump_after_cleanup },
};

/* Without CAP_NET_ADMIN over the namespace, reads and writes fail. */
static int run_eperm(void)
{
	struct reply r;
	struct msg m;
	bool pass;

	ktap_plan(2);
	ktap_diag("uid %u euid %u", getuid(), geteuid());

	msg_init(&m, family_id, NLM_F_REQUEST | NLM_F_DUMP, NFESP_CMD_SA_GET);
	pass = transact(sock_fd, &m, &r, NULL, NULL) &&
	       check_reply(&r, EXPECT(.err = EPERM));
	if (r.n_data)
		ktap_diag("the dump returned %u SAs", r.n_data);
	ktap_result(pass && !r.n_data, "SA dump without CAP_NET_ADMIN: EPERM");

	msg_init(&m, family_id, NLM_F_REQUEST | NLM_F_ACK, NFESP_CMD_POLICY_FLUSH);
	pass = transact(sock_fd, &m, &r, NULL, NULL) &&
	       check_reply(&r, EXPECT(.err = EPERM));
	ktap_result(pass, "POLICY_FLUSH without CAP_NET_ADMIN: EPERM");
	return ktap_finish();
}

static int open_socket(bool cap_ack)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	int fd, one = 1, cap = cap_ack;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&nl, sizeof(nl)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &cap, sizeof(cap)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a = genl_find(nlh, CTRL_ATTR_FAMILY_ID);

	if (a && attr_len(a) == sizeof(uint16_t))
		memcpy(arg, attr_data(a), sizeof(uint16_t));
}

/* The family id; 0 if the family is not registered, -1 on errors. */
static int resolve_family(void)
{
	uint16_t id = 0;
	struct reply r;
	struct msg m;

	msg_init(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY);
	put(&m, CTRL_ATTR_FAMILY_NAME, NFESP_GENL_NAME, sizeof(NFESP_GENL_NAME));
	if (!transact(sock_fd, &m, &r, family_cb, &id))
		return -1;
	if (r.error == -ENOENT)
		return 0;
	if (r.error || !id) {
		diag_reply(&r);
		return -1;
	}
	return id;
}

static void bail_out(const char *why)
{
	ktap_bail("%s", why);
}

int main(int argc, char **argv)
{
	bool eperm = argc == 2 && !strcmp(argv[1], "--expect-eperm");
	unsigned int i;
	int id;

	if (argc > 1 && !eperm) {
		fprintf(stderr, "usage: %s [--expect-eperm]\n", argv[0]);
		return KTAP_EXIT_FAIL;
	}
	sock_fd = open_socket(true);
	if (sock_fd < 0)
		bail_out(strerror(errno));
	id = resolve_family();
	if (id < 0)
		bail_out("cannot resolve the " NFESP_GENL_NAME " family");
	if (!id)
		ktap_bail("generic netlink family " NFESP_GENL_NAME
			  " not registered (module not loaded)");
	family_id = id;
	if (eperm)
		return run_eperm();

	echo_fd = open_socket(false);
	if (echo_fd < 0)
		bail_out(strerror(errno));
	ktap_plan(sizeof(tests) / sizeof(tests[0]));
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		ktap_result(tests[i].fn(), "%s", tests[i].name);
	return ktap_finish();
}
