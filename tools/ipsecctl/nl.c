// SPDX-License-Identifier: GPL-2.0-only
/*
 * Talking to the nfesp generic netlink family with libnl-genl-3: requests,
 * acks with the kernel's extended ack message, dumps and events.
 */

#include <errno.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/nfesp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <openssl/crypto.h>
#include "ipsecctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sock;
static int family_id;
static char extack_msg[256];

const char *nfesp_extack(void)
{
	return extack_msg;
}

/*
 * 0 if the module speaks the API this tool was built for; else says which
 * two versions differ. @theirs is the family's CTRL_ATTR_VERSION.
 */
int nfesp_api_check(unsigned int theirs)
{
	if (theirs == NFESP_GENL_VERSION)
		return 0;
	return error("ipsecctl speaks nfesp API %u, the module has %u; "
		     "use the ipsecctl built with the module", NFESP_GENL_VERSION, theirs);
}

/*
 * The family's id and API version, from the kernel's list of families: -1
 * if it has no such family; -2, said why, if the list could not be read.
 */
static int resolve_family(unsigned int *version)
{
	struct nl_cache *cache;
	struct genl_family *f;
	int id = -1, err;

	err = genl_ctrl_alloc_cache(sock, &cache);
	if (err) {
		error("cannot read the kernel's generic netlink families: %s", nl_geterror(err));
		return -2;
	}
	f = genl_ctrl_search_by_name(cache, NFESP_GENL_NAME);
	if (f) {
		id = genl_family_get_id(f);
		*version = genl_family_get_version(f);
		genl_family_put(f);
	}
	nl_cache_free(cache);
	return id;
}

int nfesp_connect(void)
{
	unsigned int version = 0;
	int one = 1;

	sock = nl_socket_alloc();
	if (!sock)
		return error("out of memory");
	if (genl_connect(sock)) {
		nl_socket_free(sock);
		sock = NULL;
		return error("cannot open a generic netlink socket");
	}
	/* Ask for the kernel's reasons, and no copy of our request back. */
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_msg_buf_size(sock, 64 * 1024);
	family_id = resolve_family(&version);
	if (family_id < -1) {
		nfesp_disconnect();
		return -1;
	}
	if (family_id < 0) {
		nfesp_disconnect();
		return error("the nfesp module is not loaded (no generic netlink family \"%s\")",
			     NFESP_GENL_NAME);
	}
	if (nfesp_api_check(version)) {
		nfesp_disconnect();
		return -1;
	}
	return 0;
}

/* The request socket, for a caller that runs its own receive loop. */
struct nl_sock *nfesp_socket(void)
{
	return sock;
}

void nfesp_disconnect(void)
{
	if (sock)
		nl_socket_free(sock);
	sock = NULL;
}

struct nl_msg *nfesp_request(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0,
			 flags | NLM_F_ACK, cmd, NFESP_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int nfesp_put_addr(struct nl_msg *msg, int type, const struct addr *a)
{
	return nla_put(msg, type, a->family == AF_INET ? 4 : 16, a->bytes);
}

/* 4 bytes for IPv4, 16 for IPv6; any other length is refused with -1. */
int nfesp_get_addr(const struct nlattr *attr, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (nla_len(attr) == 4)
		a->family = AF_INET;
	else if (nla_len(attr) == 16)
		a->family = AF_INET6;
	else
		return -1;
	memcpy(a->bytes, nla_data(attr), nla_len(attr));
	return 0;
}

/*
 * The extended ack: TLVs after the struct nlmsgerr and, unless capped, the
 * rest of our request. libnl checked that the struct nlmsgerr is there;
 * the lengths inside it are checked here.
 */
static void read_extack(struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1], *m;
	size_t off = sizeof(*e), len = nlh->nlmsg_len - NLMSG_HDRLEN;

	extack_msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN ||
		    e->msg.nlmsg_len - NLMSG_HDRLEN > len - off)
			return;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	if (len <= off)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      len - off, NULL))
		return;
	m = tb[NLMSGERR_ATTR_MSG];
	if (m)	/* the kernel ends it with a NUL; do not count on it */
		snprintf(extack_msg, sizeof(extack_msg), "%.*s", nla_len(m),
			 (char *)nla_data(m));
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct transaction *t = arg;

	t->err = e->error;
	t->done = true;
	read_extack(e);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	t->done = true;
	return NL_STOP;
}

/* Events are unsolicited: they carry no sequence number of ours. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

/*
 * A message of a dump the kernel marks as interrupted (NLM_F_DUMP_INTR,
 * also on its DONE): the caller runs the dump again. libnl calls this
 * before the VALID or FINISH callback of the same message, so it only
 * takes note.
 */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	t->dump_intr = true;
	return NL_OK;
}

/*
 * Every reply, once: also those of a dump marked interrupted, which the
 * caller throws away or (the IKE daemon's SA dumps) may keep.
 */
static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	if (t->fn && t->fn(msg, t->arg))
		t->err = -EINVAL;
	return NL_OK;
}

/* The callbacks that read the replies to a request into @t. */
struct nl_cb *nfesp_reply_cb(struct transaction *t)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, t);
	/* libnl refuses a dump with NLM_F_DUMP_INTR; we retry instead. */
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, t);
	return cb;
}

static int run(struct nl_msg *msg, struct transaction *t)
{
	struct nl_cb *cb = nfesp_reply_cb(t);
	int err;

	if (!cb)
		return -ENOMEM;
	err = nl_send_auto(sock, msg);
	while (err >= 0 && !t->done)
		err = nl_recvmsgs(sock, cb);
	nl_cb_put(cb);
	if (err < 0 && !t->err)
		t->err = -EIO;
	return t->err;
}

/*
 * Send @msg and wait for its ack, handing each reply to @fn; frees @msg.
 * Returns 0 or a negative errno; the kernel's message is nfesp_extack().
 */
int nfesp_transact(struct nl_msg *msg, reply_fn fn, void *arg)
{
	struct transaction t = { .fn = fn, .arg = arg };
	int err;

	extack_msg[0] = '\0';
	if (!msg)
		return -ENOMEM;
	err = run(msg, &t);
	nfesp_discard(msg);
	return err;
}

/*
 * Dump @cmd, handing each object to @fn. If the kernel marks the dump as
 * interrupted by a change, @reset throws away what @fn collected and the
 * dump runs again from the start, with a new request (a new sequence
 * number), up to NFESP_DUMP_TRIES times; then -EAGAIN, with a message in
 * nfesp_extack().
 */
int nfesp_dump(uint8_t cmd, reply_fn fn, void (*reset)(void *arg), void *arg)
{
	int tries, err = 0;

	for (tries = 0; tries < NFESP_DUMP_TRIES; tries++) {
		struct transaction t = { .fn = fn, .arg = arg };
		struct nl_msg *msg = nfesp_request(cmd, NLM_F_DUMP);

		extack_msg[0] = '\0';
		if (!msg)
			return -ENOMEM;
		err = run(msg, &t);
		nfesp_discard(msg);
		if (!t.dump_intr || err)
			return err;
		reset(arg);
	}
	snprintf(extack_msg, sizeof(extack_msg),
		 "the table changed during each of %d dumps in a row; try again", tries);
	return -EAGAIN;
}

/* Requests may carry keys: wipe before handing the memory back. */
void nfesp_discard(struct nl_msg *msg)
{
	if (!msg)
		return;
	OPENSSL_cleanse(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
}

int kernel_error(const char *what, int err)
{
	const char *why = nfesp_extack();

	/* Generic netlink's own check says nothing; nfesp's say why. */
	if (err == -EPERM && !*why)
		return error("%s: permission denied (needs CAP_NET_ADMIN)", what);
	if (*why)
		return error("%s: %s (%s)", what, why, strerror(-err));
	return error("%s: %s", what, strerror(-err));
}


/* Join the events group and hand every event to @fn, until it fails. */
int nfesp_monitor(reply_fn fn, void *arg)
{
	struct transaction t = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int grp, err;

	grp = genl_ctrl_resolve_grp(sock, NFESP_GENL_NAME, NFESP_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return error("the kernel has no nfesp events group");
	err = nl_socket_add_membership(sock, grp);
	if (err)
		return error("cannot join the events group: %s",
			     err == -NLE_PERM ? "permission denied (needs CAP_NET_ADMIN)" :
			     nl_geterror(err));
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	do {
		err = nl_recvmsgs(sock, cb);
		fflush(stdout);
		/* ENOBUFS: the socket's queue overflowed and events were lost. */
		if (err == -NLE_NOMEM)
			fprintf(stderr, "%s: monitor: events were lost (the receive queue was full); "
				"the kernel counts lost ACQUIREs as acquire-lost\n", prog);
	} while (err >= 0 || err == -NLE_NOMEM);
	nl_cb_put(cb);
	return error("lost the event stream: %s", nl_geterror(err));
}
