// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for ipsecctl's decoding of what the nfesp module sends:
 * replies to sa show, sa get, spi alloc, policy show, policy add and stats,
 * and monitor's events. The input's first byte picks the handler (bits 0-2)
 * and JSON output (bit 3); the rest is what one read of the netlink socket
 * returns: netlink messages, each an nlmsghdr, a genlmsghdr and attributes,
 * or NLMSG_ERROR with an extended ack, or NLMSG_DONE. libnl walks them with
 * the callbacks nfesp_transact() uses (nfesp_reply_cb() in nl.c), fed by
 * an overridden recv instead of a socket. Output goes to stdout, which the
 * runner points at /dev/null.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include "../ipsecctl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const reply_fn handlers[8] = {
	sa_print_reply,
	spi_print_reply,
	policy_print_reply,
	policy_id_reply,
	stats_print_reply,
	monitor_print_event,
	monitor_print_event,
	monitor_print_event,
};

static struct nl_sock *sock;
static const uint8_t *pending;
static size_t pending_len;

/* One read returns the whole input; the next finds nothing more. */
static int feed(struct nl_sock *sk, struct sockaddr_nl *nla,
		unsigned char **buf, struct ucred **creds)
{
	size_t n = pending_len;

	if (!n)
		return 0;
	*buf = malloc(n);
	if (!*buf)
		return -NLE_NOMEM;
	memcpy(*buf, pending, n);
	pending_len = 0;
	return n;
}

static int any_seq(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char errbuf[BUFSIZ];

	sock = nl_socket_alloc();
	if (!sock)
		abort();
	setvbuf(stderr, errbuf, _IOFBF, sizeof(errbuf));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t id = 0;
	struct transaction t = { .arg = &id };
	struct nl_cb *cb;

	if (size < 1 || size > 65536)
		return 0;
	t.fn = handlers[data[0] & 7];
	opt_json = data[0] & 8;
	pending = data + 1;
	pending_len = size - 1;

	cb = nfesp_reply_cb(&t);
	if (!cb)
		return 0;
	nl_cb_overwrite_recv(cb, feed);
	/* Replies to our requests or events: any sequence number. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, any_seq, NULL);
	nl_recvmsgs(sock, cb);
	nl_cb_put(cb);
	if (t.err)
		puts(nfesp_extack());
	return 0;
}
