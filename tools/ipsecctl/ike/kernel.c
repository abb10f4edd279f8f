// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IKE daemon's bridge to nfesp: requests on ipsecctl's request socket
 * (nl.c), built by sa.c's and policy.c's encoders; events on a socket of
 * our own, non-blocking, for the daemon's event loop. See kernel.h.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/nfesp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <openssl/crypto.h>
#include "kernel.h"

/* Room for a burst of events (an ACQUIRE is about 200 bytes). */
#define EVENT_RCVBUF (1 << 20)
/* Replies of ours and events fit in this; larger would be truncated. */
#define MSG_BUF_SIZE (64 * 1024)
/* A dump the table keeps changing under is tried this often. */
#define DUMP_TRIES 10

static struct nl_sock *ev_sock;
static struct nl_cb *ev_cb;
static char last_error[320];
static unsigned int restarts;

const char *kb_last_error(void)
{
	return last_error;
}

unsigned int kb_dump_restarts(void)
{
	return restarts;
}

static __attribute__((format(printf, 2, 3))) int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

/* A request the kernel refused: its extended ack if it gave one. */
static int kernel_fail(int err, const char *what)
{
	const char *why = nfesp_extack();

	if (*why)
		return fail(err, "%s: %s (%s)", what, why, strerror(-err));
	return fail(err, "%s: %s", what, strerror(-err));
}

/* libnl's error codes, as the errno they stand for where there is one. */
static int nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_BAD_SOCK:
		return -EBADF;
	default:
		return -EIO;
	}
}

/* ---- Opening and closing ---- */

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

int kb_open(void)
{
	int family, grp, err;

	last_error[0] = '\0';
	if (ev_sock)
		return fail(-EALREADY, "kb_open: already open");
	ev_sock = nl_socket_alloc();
	ev_cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ev_sock || !ev_cb) {
		err = fail(-ENOMEM, "out of memory");
		goto err_free;
	}
	err = genl_connect(ev_sock);
	if (err) {
		err = fail(nl_errno(err), "cannot open a generic netlink socket: %s",
			   nl_geterror(err));
		goto err_free;
	}
	family = genl_ctrl_resolve(ev_sock, NFESP_GENL_NAME);
	if (family < 0) {
		err = fail(-ENOENT, "the nfesp module is not loaded (no generic netlink family \"%s\")",
			   NFESP_GENL_NAME);
		goto err_free;
	}
	grp = genl_ctrl_resolve_grp(ev_sock, NFESP_GENL_NAME, NFESP_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		err = fail(-ENOENT, "the nfesp family has no \"%s\" group",
			   NFESP_GENL_MCGRP_EVENTS);
		goto err_free;
	}
	err = nl_socket_add_membership(ev_sock, grp);
	if (err) {
		err = fail(nl_errno(err), "cannot join nfesp's events: %s",
			   err == -NLE_PERM ? "permission denied (needs CAP_NET_ADMIN)" :
			   nl_geterror(err));
		goto err_free;
	}
	/*
	 * Events carry no sequence number of ours. A larger queue: the kernel
	 * caps SO_RCVBUF at rmem_max, SO_RCVBUFFORCE (as root) does not.
	 */
	nl_socket_disable_seq_check(ev_sock);
	nl_cb_set(ev_cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_socket_set_msg_buf_size(ev_sock, MSG_BUF_SIZE);
	if (setsockopt(nl_socket_get_fd(ev_sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &(int){ EVENT_RCVBUF }, sizeof(int)))
		nl_socket_set_buffer_size(ev_sock, EVENT_RCVBUF, 0);
	err = nl_socket_set_nonblocking(ev_sock);
	if (err) {
		err = fail(nl_errno(err), "cannot make the event socket non-blocking: %s",
			   nl_geterror(err));
		goto err_free;
	}
	/* nl.c's error() says why on stderr too, if this fails. */
	if (nfesp_connect()) {
		err = fail(-EIO, "cannot open the nfesp request socket");
		goto err_free;
	}
	return 0;

err_free:
	if (ev_cb)
		nl_cb_put(ev_cb);
	if (ev_sock)
		nl_socket_free(ev_sock);
	ev_cb = NULL;
	ev_sock = NULL;
	return err;
}

void kb_close(void)
{
	if (!ev_sock)
		return;
	nfesp_disconnect();
	nl_cb_put(ev_cb);
	nl_socket_free(ev_sock);
	ev_cb = NULL;
	ev_sock = NULL;
}

int kb_event_fd(void)
{
	return ev_sock ? nl_socket_get_fd(ev_sock) : -1;
}

/* ---- Events ---- */

struct dispatch {
	const struct kb_ops *ops;
	void *ctx;
	bool resync;
};

/* The packet's selector in an ACQUIRE, each attribute long enough. */
static const struct nla_policy pkt_policy[NFESP_POL_A_MAX + 1] = {
	[NFESP_POL_A_SRC] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_DST] = { .minlen = 4, .maxlen = 16 },
	[NFESP_POL_A_PROTO] = { .type = NLA_U8 },
	[NFESP_POL_A_SPORT_MIN] = { .type = NLA_U16 },
	[NFESP_POL_A_DPORT_MIN] = { .type = NLA_U16 },
};

static const struct nla_policy mapping_policy[NFESP_MAPPING_A_MAX + 1] = {
	[NFESP_MAPPING_A_OLD_ADDR] = { .minlen = 4, .maxlen = 16 },
	[NFESP_MAPPING_A_OLD_PORT] = { .type = NLA_U16 },
	[NFESP_MAPPING_A_NEW_ADDR] = { .minlen = 4, .maxlen = 16 },
	[NFESP_MAPPING_A_NEW_PORT] = { .type = NLA_U16 },
};

static void on_acquire(struct dispatch *d, struct nl_msg *msg, struct nlattr **top)
{
	struct nlattr *pkt[NFESP_POL_A_MAX + 1];
	struct kb_acquire a = { 0 };

	if (!d->ops->acquire || policy_from_nl(msg, &a.pol))
		return;
	/* Without the packet's addresses the daemon cannot narrow it: drop. */
	if (!top[NFESP_A_ACQUIRE] ||
	    nla_parse_nested(pkt, NFESP_POL_A_MAX, top[NFESP_A_ACQUIRE], pkt_policy) ||
	    !pkt[NFESP_POL_A_SRC] || !pkt[NFESP_POL_A_DST] ||
	    nfesp_get_addr(pkt[NFESP_POL_A_SRC], &a.src) ||
	    nfesp_get_addr(pkt[NFESP_POL_A_DST], &a.dst))
		return;
	if (pkt[NFESP_POL_A_PROTO])
		a.proto = nla_get_u8(pkt[NFESP_POL_A_PROTO]);
	if (pkt[NFESP_POL_A_SPORT_MIN] && pkt[NFESP_POL_A_DPORT_MIN]) {
		a.sport = nla_get_u16(pkt[NFESP_POL_A_SPORT_MIN]);
		a.dport = nla_get_u16(pkt[NFESP_POL_A_DPORT_MIN]);
	}
	d->ops->acquire(d->ctx, &a);
}

static void on_mapping(struct dispatch *d, struct nl_msg *msg, struct nlattr **top)
{
	struct nlattr *m[NFESP_MAPPING_A_MAX + 1];
	struct kb_mapping map = { 0 };
	bool larval;

	if (!d->ops->mapping || sa_from_nl(msg, &map.sa, &larval))
		return;
	if (!top[NFESP_A_MAPPING] ||
	    nla_parse_nested(m, NFESP_MAPPING_A_MAX, top[NFESP_A_MAPPING], mapping_policy) ||
	    !m[NFESP_MAPPING_A_OLD_ADDR] || !m[NFESP_MAPPING_A_NEW_ADDR] ||
	    !m[NFESP_MAPPING_A_OLD_PORT] || !m[NFESP_MAPPING_A_NEW_PORT] ||
	    nfesp_get_addr(m[NFESP_MAPPING_A_OLD_ADDR], &map.old_addr) ||
	    nfesp_get_addr(m[NFESP_MAPPING_A_NEW_ADDR], &map.new_addr))
		return;
	map.old_port = nla_get_u16(m[NFESP_MAPPING_A_OLD_PORT]);
	map.new_port = nla_get_u16(m[NFESP_MAPPING_A_NEW_PORT]);
	d->ops->mapping(d->ctx, &map);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *top[NFESP_A_MAX + 1];
	struct dispatch *d = arg;
	struct genlmsghdr *gh;
	struct kb_expire e;
	struct sa sa;
	bool larval;

	/* Only the kernel sends to the group; anything else is not ours. */
	if (nlmsg_get_src(msg)->nl_pid || !genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, top, NFESP_A_MAX, NULL))
		return NL_SKIP;
	gh = nlmsg_data(nlh);
	switch (gh->cmd) {
	case NFESP_CMD_ACQUIRE:
		on_acquire(d, msg, top);
		break;
	case NFESP_CMD_EXPIRE:
		if (!d->ops->expire || sa_from_nl(msg, &e.sa, &larval))
			break;
		e.hard = !!top[NFESP_A_EXPIRE_HARD];
		d->ops->expire(d->ctx, &e);
		break;
	case NFESP_CMD_MAPPING:
		on_mapping(d, msg, top);
		break;
	case NFESP_CMD_SA_DEL:
		if (d->ops->sa_deleted && !sa_from_nl(msg, &sa, &larval))
			d->ops->sa_deleted(d->ctx, &sa);
		break;
	case NFESP_CMD_SA_FLUSH:
	case NFESP_CMD_POLICY_FLUSH:
		d->resync = true;
		break;
	default:	/* additions, policy deletions, SA_SET: ours */
		break;
	}
	return NL_OK;
}

int kb_dispatch(const struct kb_ops *ops, void *ctx)
{
	struct dispatch d = { .ops = ops, .ctx = ctx };
	int err;

	if (!ev_sock)
		return fail(-ENOTCONN, "kb_dispatch: not open");
	nl_cb_set(ev_cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &d);
	for (;;) {
		err = nl_recvmsgs(ev_sock, ev_cb);
		if (err >= 0)
			continue;
		if (err == -NLE_AGAIN)
			break;
		/* ENOBUFS: the queue overflowed; what is still queued is read. */
		if (err == -NLE_NOMEM) {
			d.resync = true;
			continue;
		}
		return fail(nl_errno(err), "the event socket failed: %s", nl_geterror(err));
	}
	if (d.resync && ops->overrun)
		ops->overrun(ctx);
	return 0;
}

/* ---- Requests ---- */

/* Send @msg (NULL: out of memory), wait for the ack, replies to @fn. */
static int request(struct nl_msg *msg, reply_fn fn, void *arg, const char *what)
{
	int err;

	last_error[0] = '\0';
	if (!nfesp_socket()) {
		nfesp_discard(msg);
		return fail(-ENOTCONN, "%s: not open", what);
	}
	if (!msg)
		return fail(-ENOMEM, "%s: out of memory", what);
	err = nfesp_transact(msg, fn, arg);	/* wipes and frees msg */
	return err ? kernel_fail(err, what) : 0;
}

static int sa_reply(struct nl_msg *msg, void *arg)
{
	bool larval;

	return sa_from_nl(msg, arg, &larval);
}

int kb_spi_alloc(const struct addr *dst, const struct addr *src, uint32_t *spi)
{
	static const struct addr none;
	struct sa sa;
	int err;

	if (!dst || !dst->family || (src && src->family && src->family != dst->family))
		return fail(-EINVAL, "spi alloc: needs dst, and src of its family if any");
	err = request(spi_msg(dst, src ? src : &none, 0, 0), sa_reply, &sa, "spi alloc");
	if (!err)
		*spi = sa.spi;
	return err;
}

static int sa_check(const struct sa *sa)
{
	const struct enc_alg *enc = sa->enc;
	const struct auth_alg *auth = sa->auth;

	if (!sa->spi || !sa->src.family || sa->src.family != sa->dst.family)
		return fail(-EINVAL, "sa add: needs an SPI, src and dst of one family");
	if (!enc)
		return fail(-EINVAL, "sa add: no encryption algorithm");
	if ((sa->has_key ? sa->key_len : 0) != enc->key_len || enc->key_len > KEY_MAX)
		return fail(-EINVAL, "sa add: %s needs a key of %zu bytes", enc->name,
			    enc->key_len);
	if (enc->aead && auth)
		return fail(-EINVAL, "sa add: %s is an AEAD and takes no auth", enc->name);
	if (!enc->aead && !auth)
		return fail(-EINVAL, "sa add: %s needs an auth algorithm", enc->name);
	if (auth && (!sa->has_auth_key || sa->auth_key_len != auth->key_len ||
		     auth->key_len > KEY_MAX))
		return fail(-EINVAL, "sa add: %s needs an authkey of %zu bytes", auth->name,
			    auth->key_len);
	if (memchr(sa->driver, '\0', sizeof(sa->driver)) == NULL)
		return fail(-EINVAL, "sa add: the driver name has no end");
	return 0;
}

int kb_sa_add(const struct sa *sa)
{
	struct nl_msg *msg;
	struct sa req;
	int err;

	last_error[0] = '\0';
	err = sa_check(sa);
	if (err)
		return err;
	/* A copy with the defaults filled in, wiped at once. */
	req = *sa;
	if (!req.replay_window)
		req.replay_window = NFESP_REPLAY_WINDOW_DEFAULT;
	req.flags &= ~(NFESP_SA_F_LARVAL | NFESP_SA_F_EXPIRED_SOFT);
	msg = sa_msg(NFESP_CMD_SA_NEW, &req, SA_FULL);
	OPENSSL_cleanse(&req, sizeof(req));
	return request(msg, NULL, NULL, "sa add");
}

static void sa_id(struct sa *sa, uint32_t spi, const struct addr *dst)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->dst = *dst;
}

static bool id_ok(uint32_t spi, const struct addr *dst)
{
	return spi && dst && (dst->family == AF_INET || dst->family == AF_INET6);
}

int kb_sa_del(uint32_t spi, const struct addr *dst)
{
	struct sa sa;

	if (!id_ok(spi, dst))
		return fail(-EINVAL, "sa del: needs an SPI and dst");
	sa_id(&sa, spi, dst);
	return request(sa_msg(NFESP_CMD_SA_DEL, &sa, SA_ID), NULL, NULL, "sa del");
}

int kb_sa_set_encap(uint32_t spi, const struct addr *dst, const struct addr *src,
		    uint16_t sport, uint16_t dport)
{
	struct sa sa;

	if (!id_ok(spi, dst))
		return fail(-EINVAL, "sa update: needs an SPI and dst");
	if ((!src || !src->family) && !sport && !dport)
		return fail(-EINVAL, "sa update: nothing to change");
	if (src && src->family && src->family != dst->family)
		return fail(-EINVAL, "sa update: src and dst must be of one family");
	sa_id(&sa, spi, dst);
	if (src)
		sa.src = *src;
	sa.encap_sport = sport;
	sa.encap_dport = dport;
	return request(sa_msg(NFESP_CMD_SA_SET, &sa, SA_MOVE), NULL, NULL, "sa update");
}

int kb_sa_get(uint32_t spi, const struct addr *dst, struct sa *out)
{
	struct sa sa;

	if (!id_ok(spi, dst))
		return fail(-EINVAL, "sa get: needs an SPI and dst");
	sa_id(&sa, spi, dst);
	return request(sa_msg(NFESP_CMD_SA_GET, &sa, SA_ID), sa_reply, out, "sa get");
}

int kb_policy_add(const struct policy *p, uint32_t *id)
{
	struct policy req;
	uint32_t got = 0;
	int err;

	if (p->dir < 0 || p->dir > NFESP_DIR_MAX || p->action < 0 ||
	    p->action > NFESP_ACTION_MAX)
		return fail(-EINVAL, "policy add: needs dir and action");
	if (!p->src.family || p->src.family != p->dst.family)
		return fail(-EINVAL, "policy add: needs src and dst of one family");
	req = *p;
	req.id = 0;	/* else policy_msg() names the policy by id alone */
	if (!req.sport_min && !req.sport_max)
		req.sport_max = 65535;
	if (!req.dport_min && !req.dport_max)
		req.dport_max = 65535;
	err = request(policy_msg(NFESP_CMD_POLICY_NEW, &req, true), policy_id_reply, &got,
		      "policy add");
	if (!err && id)
		*id = got;
	return err;
}

int kb_policy_del(uint32_t id)
{
	struct policy p = { .id = id };

	if (!id)
		return fail(-EINVAL, "policy del: needs an id");
	return request(policy_msg(NFESP_CMD_POLICY_DEL, &p, false), NULL, NULL, "policy del");
}

/* ---- Dumps ---- */

/* What a dump keeps: the objects whose owner & mask == value. */
struct collect {
	uint64_t mask, value;
	size_t size;		/* of one element */
	void *items;
	size_t n, cap;
	int err;
};

static int push(struct collect *c, const void *item)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		void *items = reallocarray(c->items, cap, c->size);

		if (!items) {
			c->err = -ENOMEM;
			return -1;
		}
		c->items = items;
		c->cap = cap;
	}
	memcpy((char *)c->items + c->n * c->size, item, c->size);
	c->n++;
	return 0;
}

static int collect_sa(struct nl_msg *msg, void *arg)
{
	struct collect *c = arg;
	bool larval;
	struct sa sa;

	if (sa_from_nl(msg, &sa, &larval))
		return -1;
	if ((sa.owner & c->mask) != c->value)
		return 0;
	return push(c, &sa);
}

static int collect_policy(struct nl_msg *msg, void *arg)
{
	struct collect *c = arg;
	struct policy p;

	if (policy_from_nl(msg, &p))
		return -1;
	if ((p.owner & c->mask) != c->value)
		return 0;
	return push(c, &p);
}

/*
 * Dump with @cmd into @c. A dump the kernel marks as interrupted by a
 * change (nfesp_reply_cb() notes it in t.dump_intr) is thrown away and
 * asked for again with a new request, and so a new sequence number.
 *
 * Under constant churn (a router rekeying thousands of SAs), a long SA
 * dump may never get through unchanged. After DUMP_TRIES passes, with
 * @weak_ok, the last one is taken: the kernel sends SAs in index order and
 * resumes after the last index sent (kmod/netlink.c, nfesp_nl_sa_dump), so
 * an interrupted pass still lists every SA that existed throughout it
 * exactly once; only SAs added or deleted during it may be missing or
 * stale. Policy dumps resume by position, where a deletion can skip one:
 * they are never taken interrupted.
 */
static int dump(uint8_t cmd, reply_fn fn, struct collect *c, bool weak_ok, const char *what)
{
	struct nl_sock *sock = nfesp_socket();
	int tries, err;

	last_error[0] = '\0';
	if (!sock)
		return fail(-ENOTCONN, "%s: not open", what);
	for (tries = 1;; tries++) {
		struct transaction t = { .fn = fn, .arg = c };
		struct nl_msg *msg = nfesp_request(cmd, NLM_F_DUMP);
		struct nl_cb *cb = nfesp_reply_cb(&t);

		c->n = 0;
		c->err = 0;
		if (!msg || !cb) {
			nlmsg_free(msg);
			if (cb)
				nl_cb_put(cb);
			return fail(-ENOMEM, "%s: out of memory", what);
		}
		err = nl_send_auto(sock, msg);
		nlmsg_free(msg);
		while (err >= 0 && !t.done)
			err = nl_recvmsgs(sock, cb);
		nl_cb_put(cb);
		if (c->err)
			return fail(c->err, "%s: %s", what, strerror(-c->err));
		if (t.err)
			return kernel_fail(t.err, what);
		if (err < 0)
			return fail(nl_errno(err), "%s: %s", what, nl_geterror(err));
		if (!t.dump_intr)
			return 0;
		restarts++;
		if (tries < DUMP_TRIES)
			continue;
		if (weak_ok)
			return 0;
		return fail(-EAGAIN, "%s: the table changed during each of %d dumps", what,
			    DUMP_TRIES);
	}
}

int kb_list_owned_sas(uint64_t mask, uint64_t value, struct sa **out, size_t *n)
{
	struct collect c = { .mask = mask, .value = value, .size = sizeof(struct sa) };
	int err;

	err = dump(NFESP_CMD_SA_GET, collect_sa, &c, true, "sa dump");
	if (err) {
		free(c.items);
		return err;
	}
	*out = c.items;
	*n = c.n;
	return 0;
}

int kb_list_owned_policies(uint64_t mask, uint64_t value, struct policy **out, size_t *n)
{
	struct collect c = { .mask = mask, .value = value, .size = sizeof(struct policy) };
	int err;

	err = dump(NFESP_CMD_POLICY_GET, collect_policy, &c, false, "policy dump");
	if (err) {
		free(c.items);
		return err;
	}
	*out = c.items;
	*n = c.n;
	return 0;
}

int kb_flush_owned(uint64_t mask, uint64_t value)
{
	struct policy *pols;
	struct sa *sas;
	size_t i, n;
	int err, first = 0, deleted = 0;
	char why[sizeof(last_error)] = "";

	/* Policies first: no ACQUIRE for a policy whose SAs are gone. */
	err = kb_list_owned_policies(mask, value, &pols, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		err = kb_policy_del(pols[i].id);
		if (!err)
			deleted++;
		else if (err != -ENOENT && !first) {
			first = err;
			snprintf(why, sizeof(why), "%s", last_error);
		}
	}
	free(pols);
	err = kb_list_owned_sas(mask, value, &sas, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		err = kb_sa_del(sas[i].spi, &sas[i].dst);
		if (!err)
			deleted++;
		else if (err != -ENOENT && !first) {
			first = err;
			snprintf(why, sizeof(why), "%s", last_error);
		}
	}
	free(sas);
	if (first)
		return fail(first, "%s", why);
	last_error[0] = '\0';
	return deleted;
}
