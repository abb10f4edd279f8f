// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replies of the kernel fed through ipsecctl's real reply callbacks
 * (nfesp_reply_cb() in nl.c), from a hand-made buffer instead of a socket:
 * dumps the kernel marks as interrupted (NLM_F_DUMP_INTR on an SA and on
 * the DONE) are noted, each SA handed on once and the DONE never; a clean
 * dump likewise; the API version check; -j's numbers. KTAP on stdout.
 */

#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/nfesp.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include "../ipsecctl.h"

static uint8_t buf[8192];
static size_t buf_len, pending;
static int failed, tests;

static void ok(bool cond, const char *what)
{
	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, what);
}

/* Append an SA message (SPI @spi) with @flags, as the kernel sends in a dump. */
static void add_sa(uint32_t spi, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;
	struct nlmsghdr *h;
	uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };

	genlmsg_put(msg, 1, 1, 0x20, 0, flags, NFESP_CMD_SA_GET, NFESP_GENL_VERSION);
	nest = nla_nest_start(msg, NFESP_A_SA);
	nla_put_u32(msg, NFESP_SA_A_SPI, htonl(spi));
	nla_put(msg, NFESP_SA_A_SRC, 4, a);
	nla_put(msg, NFESP_SA_A_DST, 4, b);
	nla_put_u16(msg, NFESP_SA_A_ENC_ALG, NFESP_ENC_AES_GCM_16);
	nla_put_u16(msg, NFESP_SA_A_ENC_KEY_LEN, 20);
	nla_nest_end(msg, nest);
	h = nlmsg_hdr(msg);
	memcpy(buf + buf_len, h, h->nlmsg_len);
	buf_len += NLMSG_ALIGN(h->nlmsg_len);
	nlmsg_free(msg);
}

static void add_done(int flags)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + buf_len);

	memset(h, 0, NLMSG_LENGTH(4));
	h->nlmsg_len = NLMSG_LENGTH(4);
	h->nlmsg_type = NLMSG_DONE;
	h->nlmsg_flags = NLM_F_MULTI | flags;
	h->nlmsg_seq = 1;
	h->nlmsg_pid = 1;
	buf_len += NLMSG_ALIGN(h->nlmsg_len);
}

static int feed(struct nl_sock *sk, struct sockaddr_nl *nla,
		unsigned char **out, struct ucred **creds)
{
	size_t n = pending;

	if (!n)
		return 0;
	*out = malloc(n);
	memcpy(*out, buf, n);
	pending = 0;
	return n;
}

static int any_seq(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static int spis[16], nspis;

static int count_sa(struct nl_msg *msg, void *arg)
{
	bool larval;
	struct sa sa;

	if (sa_from_nl(msg, &sa, &larval))
		return -1;
	if (nspis < 16)
		spis[nspis++] = sa.spi;
	return 0;
}

/* What the callbacks make of buf: the transaction, and spis[] decoded. */
static struct transaction run(struct nl_sock *sock)
{
	struct transaction t = { .fn = count_sa };
	struct nl_cb *cb = nfesp_reply_cb(&t);

	nspis = 0;
	pending = buf_len;
	nl_cb_overwrite_recv(cb, feed);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, any_seq, NULL);
	while (!t.done && pending && nl_recvmsgs(sock, cb) >= 0)
		;
	nl_cb_put(cb);
	buf_len = 0;
	return t;
}

int main(void)
{
	struct nl_sock *sock = nl_socket_alloc();
	struct transaction t;

	printf("KTAP version 1\n1..14\n");

	add_sa(0x100, NLM_F_MULTI);
	add_sa(0x200, NLM_F_MULTI);
	add_done(0);
	t = run(sock);
	ok(t.done && !t.err && !t.dump_intr, "a clean dump ends with its DONE, no error");
	ok(nspis == 2 && spis[0] == 0x100 && spis[1] == 0x200,
	   "and each SA of it is handed on once");

	add_sa(0x100, NLM_F_MULTI);
	add_sa(0x200, NLM_F_MULTI | NLM_F_DUMP_INTR);
	add_done(NLM_F_DUMP_INTR);
	t = run(sock);
	ok(t.dump_intr, "NLM_F_DUMP_INTR on an SA and the DONE: the dump is marked interrupted");
	ok(t.done && !t.err, "and ends at its DONE without an error (the DONE is no SA)");
	ok(nspis == 2 && spis[0] == 0x100 && spis[1] == 0x200,
	   "each SA, the flagged one too, is handed on once; the DONE is not");

	add_sa(0x300, NLM_F_MULTI);
	add_done(NLM_F_DUMP_INTR);
	t = run(sock);
	ok(t.dump_intr && t.done && !t.err,
	   "NLM_F_DUMP_INTR on the DONE alone: interrupted, no error");
	ok(nspis == 1 && spis[0] == 0x300, "and the SA before it is handed on once");

	add_sa(0x400, NLM_F_MULTI | NLM_F_DUMP_INTR);
	add_sa(0x500, NLM_F_MULTI);
	add_done(0);
	t = run(sock);
	ok(t.dump_intr && t.done && !t.err && nspis == 2 && spis[0] == 0x400 && spis[1] == 0x500,
	   "a flagged first message: interrupted, and the rest still read once each");

	ok(nfesp_api_check(NFESP_GENL_VERSION) == 0, "the module's API version, ours: accepted");
	ok(nfesp_api_check(NFESP_GENL_VERSION + 1) == -1, "another: refused");
	ok(nfesp_api_check(0) == -1, "version 0: refused");
	ok(NFESP_DUMP_TRIES > 1 && NFESP_DUMP_TRIES <= 100,
	   "an interrupted dump is tried again a bounded number of times");

	{
		FILE *out = stdout;
		char *mem = NULL;
		size_t len = 0;
		json_t *o = json_object();

		json_object_set_new(o, "owner", json_u64(UINT64_MAX));
		json_object_set_new(o, "n", json_u64(7));
		json_object_set_new(o, "s", json_string("x\001u64:12"));
		json_object_set_new(o, "spi", json_spi(0x1001));
		stdout = open_memstream(&mem, &len);
		json_emit(o);
		fclose(stdout);
		stdout = out;
		ok(mem && !strcmp(mem, "{\"owner\":18446744073709551615,\"n\":7,"
				  "\"s\":\"x\\u0001u64:12\",\"spi\":\"0x00001001\"}\n"),
		   "-j: a number up to 2^64 - 1 exactly, SPIs as \"0x%08x\", one line");
		if (mem)
			printf("# %s", mem);
		free(mem);
	}
	{
		/* monitor -t: an event that does not decode leaves no time behind. */
		struct nl_msg *bad = nlmsg_alloc(), *flush = nlmsg_alloc();
		FILE *out = stdout, *err = stderr;
		char *mem = NULL, *emem = NULL;
		size_t len = 0, elen = 0;

		genlmsg_put(bad, 0, 0, 0x20, 0, 0, NFESP_CMD_SA_DEL, NFESP_GENL_VERSION);
		nla_nest_end(bad, nla_nest_start(bad, NFESP_A_SA));
		genlmsg_put(flush, 0, 0, 0x20, 0, 0, NFESP_CMD_SA_FLUSH, NFESP_GENL_VERSION);
		opt_timestamp = true;
		stdout = open_memstream(&mem, &len);
		stderr = open_memstream(&emem, &elen);
		monitor_print_event(bad, NULL);
		monitor_print_event(flush, NULL);
		fclose(stdout);
		fclose(stderr);
		stdout = out;
		stderr = err;
		opt_timestamp = false;
		/* 2026-11-30T10:09:32.974Z sa flush */
		ok(mem && strlen(mem) == 34 && mem[10] == 'T' && mem[23] == 'Z' &&
		   !strcmp(mem + 24, " sa flush\n"),
		   "monitor -t: a malformed event prints no time; the next event one time, its own line");
		if (mem)
			printf("# %s", mem);
		free(mem);
		free(emem);
		nlmsg_free(bad);
		nlmsg_free(flush);
	}
	nl_socket_free(sock);
	printf("# %d passed, %d failed\n", tests - failed, failed);
	return failed ? 1 : 0;
}
