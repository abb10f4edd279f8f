// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl show: policies, then SAs, as commands that can be read back with
 * ipsecctl -f (keys excepted); ipsecctl stats: the namespace's counters.
 */

#include <inttypes.h>
#include <string.h>
#include <linux/nfesp.h>
#include <netlink/genl/genl.h>
#include "ipsecctl.h"

static const char *const stat_names[] = {
	[NFESP_STATS_A_SA_COUNT] = "sa-count",
	[NFESP_STATS_A_POLICY_COUNT] = "policy-count",
	[NFESP_STATS_A_IN_NO_SA] = "in-no-sa",
	[NFESP_STATS_A_IN_MALFORMED] = "in-malformed",
	[NFESP_STATS_A_IN_REPLAY] = "in-replay",
	[NFESP_STATS_A_IN_AUTH_FAIL] = "in-auth-fail",
	[NFESP_STATS_A_IN_POLICY] = "in-policy-mismatch",
	[NFESP_STATS_A_IN_CLEAR_PROTECTED] = "in-clear-protected",
	[NFESP_STATS_A_IN_DISCARD] = "in-discard",
	[NFESP_STATS_A_OUT_DISCARD] = "out-discard",
	[NFESP_STATS_A_OUT_NO_SA] = "out-no-sa",
	[NFESP_STATS_A_OUT_ACQUIRE_TIMEOUT] = "out-acquire-timeout",
	[NFESP_STATS_A_OUT_SEQ_OVERFLOW] = "out-seq-overflow",
	[NFESP_STATS_A_CRYPTO_ERROR] = "crypto-error",
	[NFESP_STATS_A_NOMEM] = "nomem",
	[NFESP_STATS_A_OUT_NO_ROUTE] = "out-no-route",
	[NFESP_STATS_A_OUT_MALFORMED] = "out-malformed",
	[NFESP_STATS_A_CRYPTO_BUSY] = "crypto-busy",
	[NFESP_STATS_A_OUT_TOO_BIG] = "out-too-big",
	[NFESP_STATS_A_CRYPTO_QUEUED] = "crypto-queued",
	[NFESP_STATS_A_HELD] = "held",
	[NFESP_STATS_A_INFLIGHT] = "inflight",
	[NFESP_STATS_A_ACQUIRES] = "acquires",
	[NFESP_STATS_A_ACQUIRE_LOST] = "acquire-lost",
	[NFESP_STATS_A_IN_NATT_KEEPALIVE] = "in-natt-keepalive",
	[NFESP_STATS_A_OUT_UNCLASSIFIED] = "out-unclassified",
	[NFESP_STATS_A_IN_UNCLASSIFIED] = "in-unclassified",
	[NFESP_STATS_A_OUT_ICMP_TUNNELLED] = "out-icmp-tunnelled",
	[NFESP_STATS_A_IN_DUMMY] = "in-dummy",
	[NFESP_STATS_A_IN_ECN] = "in-ecn",
	[NFESP_STATS_A_OUT_HELD_DEV_GONE] = "out-held-dev-gone",
};

int stats_print_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *top[NFESP_A_MAX + 1], *tb[NFESP_STATS_A_MAX + 1];
	int i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, NFESP_A_MAX, NULL) || !top[NFESP_A_STATS] ||
	    nla_parse_nested(tb, NFESP_STATS_A_MAX, top[NFESP_A_STATS], NULL))
		return error("malformed statistics from the kernel");
	if (opt_json)
		json_begin_object("stats");
	for (i = NFESP_STATS_A_SA_COUNT; i <= NFESP_STATS_A_MAX; i++) {
		uint64_t v = tb[i] ? nla_get_u64(tb[i]) : 0;

		if (i == NFESP_STATS_A_PAD)
			continue;
		if (opt_json)
			json_u64(stat_names[i], v);
		else
			printf("%s\t%" PRIu64 "\n", stat_names[i], v);
	}
	if (opt_json)
		json_end_object();
	return 0;
}

int stats_dump(void)
{
	int err = nfesp_transact(nfesp_request(NFESP_CMD_STATS_GET, 0), stats_print_reply, NULL);

	return err ? kernel_error("stats", err) : 0;
}

/* One listing, as a JSON object with -j. */
int show_listing(int (*dump)(void))
{
	int err;

	if (opt_dry_run)
		return 0;
	if (opt_json)
		json_begin_object(NULL);
	err = dump();
	if (opt_json) {
		json_end_object();
		json_finish();
	}
	return err;
}

int cmd_stats(struct args *a)
{
	if (a->i < a->argc)
		return error("stats takes no arguments, got \"%s\"", a->argv[a->i]);
	return show_listing(stats_dump);
}

int cmd_show(struct args *a)
{
	int err;

	if (a->i < a->argc)
		return error("show takes no arguments, got \"%s\"; try sa show or policy show",
			     a->argv[a->i]);
	if (opt_dry_run)
		return 0;
	if (opt_json) {
		json_begin_object(NULL);
		err = policy_dump() || sa_dump() || stats_dump();
		json_end_object();
		json_finish();
		return err ? -1 : 0;
	}
	printf("# policies, in match order\n");
	if (policy_dump())
		return -1;
	printf("# SAs\n");
	return sa_dump();
}
