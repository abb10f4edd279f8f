// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl show: policies, then SAs, as commands that can be read back with
 * ipsecctl -f (keys excepted); ipsecctl stats: the namespace's counters.
 */

#include <inttypes.h>
#include <stdlib.h>
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

int stats_from_nl(struct nl_msg *msg, struct stats *st)
{
	struct nlattr *top[NFESP_A_MAX + 1], *tb[NFESP_STATS_A_MAX + 1];
	int i;

	memset(st, 0, sizeof(*st));
	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, NFESP_A_MAX, NULL) || !top[NFESP_A_STATS] ||
	    nla_parse_nested(tb, NFESP_STATS_A_MAX, top[NFESP_A_STATS], NULL))
		return error("malformed statistics from the kernel");
	for (i = NFESP_STATS_A_SA_COUNT; i <= NFESP_STATS_A_MAX; i++)
		if (tb[i] && i != NFESP_STATS_A_PAD)
			st->v[i] = nla_get_u64(tb[i]);
	return 0;
}

/* The counters as an object; the text's names, in snake_case. */
json_t *stats_json(const struct stats *st)
{
	json_t *o = json_object();
	char name[64], *p;
	int i;

	for (i = NFESP_STATS_A_SA_COUNT; i <= NFESP_STATS_A_MAX; i++) {
		if (i == NFESP_STATS_A_PAD)
			continue;
		snprintf(name, sizeof(name), "%s", stat_names[i]);
		for (p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		json_object_set_new(o, name, json_u64(st->v[i]));
	}
	return o;
}

static void stats_print(const struct stats *st)
{
	int i;

	if (opt_json) {
		json_emit(json_pack("{s:o}", "stats", stats_json(st)));
		return;
	}
	for (i = NFESP_STATS_A_SA_COUNT; i <= NFESP_STATS_A_MAX; i++)
		if (i != NFESP_STATS_A_PAD)
			printf("%s\t%" PRIu64 "\n", stat_names[i], st->v[i]);
}

int stats_print_reply(struct nl_msg *msg, void *arg)
{
	struct stats st;

	if (stats_from_nl(msg, &st))
		return -1;
	stats_print(&st);
	return 0;
}

static int stats_reply(struct nl_msg *msg, void *arg)
{
	return stats_from_nl(msg, arg);
}

int stats_get(struct stats *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	err = nfesp_transact(nfesp_request(NFESP_CMD_STATS_GET, 0), stats_reply, st);
	return err ? kernel_error("stats", err) : 0;
}

int stats_show(void)
{
	struct stats st;

	if (opt_dry_run)
		return 0;
	if (stats_get(&st))
		return -1;
	stats_print(&st);
	return 0;
}

int cmd_stats(struct args *a)
{
	if (a->i < a->argc)
		return error("stats takes no arguments, got \"%s\"", a->argv[a->i]);
	return stats_show();
}

/*
 * show: policies, then SAs, as commands; with -j one document
 * {"policies": [...], "sas": [...], "stats": {...}}.
 */
int cmd_show(struct args *a)
{
	struct policy *pv = NULL;
	struct sa *sv = NULL;
	size_t i, pn, sn;
	struct stats st;
	int err = -1;

	if (a->i < a->argc)
		return error("show takes no arguments, got \"%s\"; try sa show or policy show",
			     a->argv[a->i]);
	if (opt_dry_run)
		return 0;
	if (policy_dump(&pv, &pn) || sa_dump(&sv, &sn) || stats_get(&st))
		goto out;
	if (opt_json) {
		json_t *pa = json_array(), *sa = json_array();

		for (i = 0; i < pn; i++)
			json_array_append_new(pa, policy_json(&pv[i]));
		for (i = 0; i < sn; i++)
			json_array_append_new(sa, sa_json(&sv[i], sv[i].flags & NFESP_SA_F_LARVAL));
		json_emit(json_pack("{s:o, s:o, s:o}", "policies", pa, "sas", sa,
				    "stats", stats_json(&st)));
	} else {
		printf("# policies, in match order\n");
		for (i = 0; i < pn; i++)
			policy_print(&pv[i], NULL);
		printf("# SAs\n");
		for (i = 0; i < sn; i++)
			sa_print(&sv[i], sv[i].flags & NFESP_SA_F_LARVAL);
	}
	err = 0;
out:
	free(pv);
	free(sv);
	return err;
}
