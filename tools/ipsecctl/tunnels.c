// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl tunnels: a human view, as wg show: per reqid its protect
 * policies and its SAs, inbound (to one of this namespace's addresses) or
 * outbound, with age, traffic and lifetime left. -j gives the same groups.
 * Reserved SPIs are left out; show has everything.
 */

#include <ifaddrs.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "ipsecctl.h"

/* 1h2m3s; 0s. */
static const char *duration(uint64_t s, char *buf, size_t len)
{
	uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
	int n = 0;

	buf[0] = '\0';
	if (d)
		n += snprintf(buf + n, len - n, "%" PRIu64 "d", d);
	if (h)
		n += snprintf(buf + n, len - n, "%" PRIu64 "h", h);
	if (m)
		n += snprintf(buf + n, len - n, "%" PRIu64 "m", m);
	if (s % 60 || !s)
		snprintf(buf + n, len - n, "%" PRIu64 "s", s % 60);
	return buf;
}

/* 512 B, 1.50 KiB, 3.00 MiB, ... */
static const char *bytes_str(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = b;
	int i = -1;

	if (b < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", b);
		return buf;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.2f %s", v, unit[i]);
	return buf;
}

/* The hard limits' rest: what is left of each that is set. */
static void left(const struct sa *sa, struct lifetime *l)
{
	uint64_t bytes = sa->stats.rx_bytes + sa->stats.tx_bytes;
	uint64_t packets = sa->stats.rx_packets + sa->stats.tx_packets;
	uint64_t age = sa_age(sa->add_time);

	memset(l, 0, sizeof(*l));
	if (sa->hard.seconds)
		l->seconds = sa->hard.seconds > age ? sa->hard.seconds - age : 0;
	if (sa->hard.bytes)
		l->bytes = sa->hard.bytes > bytes ? sa->hard.bytes - bytes : 0;
	if (sa->hard.packets)
		l->packets = sa->hard.packets > packets ? sa->hard.packets - packets : 0;
}

static void print_sa(const struct sa *sa, bool in)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], b1[32], b2[32];
	uint64_t pk = in ? sa->stats.rx_packets : sa->stats.tx_packets;
	uint64_t by = in ? sa->stats.rx_bytes : sa->stats.tx_bytes;
	struct lifetime l;

	printf("  sa %-3s spi 0x%08x %s -> %s %s%s%s, age %s\n", in ? "in" : "out", sa->spi,
	       addr_str(&sa->src, s, sizeof(s)), addr_str(&sa->dst, d, sizeof(d)),
	       sa->enc ? sa->enc->name : "unknown", sa->auth ? " " : "",
	       sa->auth ? sa->auth->name : "", duration(sa_age(sa->add_time), b1, sizeof(b1)));
	printf("      %s: %" PRIu64 " packets, %s", in ? "received" : "sent", pk,
	       bytes_str(by, b2, sizeof(b2)));
	if (sa->stats.replay || sa->stats.auth_fail || sa->stats.errors)
		printf(", dropped: %" PRIu64 " replay, %" PRIu64 " auth-fail, %" PRIu64 " errors",
		       sa->stats.replay, sa->stats.auth_fail, sa->stats.errors);
	putchar('\n');
	left(sa, &l);
	if (sa->hard.seconds || sa->hard.bytes || sa->hard.packets) {
		printf("      lifetime left:");
		if (sa->hard.seconds)
			printf(" %s", duration(l.seconds, b1, sizeof(b1)));
		if (sa->hard.bytes)
			printf(" %s", bytes_str(l.bytes, b2, sizeof(b2)));
		if (sa->hard.packets)
			printf(" %" PRIu64 " packets", l.packets);
		putchar('\n');
	}
}

static void print_policy(const struct policy *p)
{
	struct selector sel;

	printf("  policy %-3s", policy_dir_str(p->dir));
	policy_get_sel(p, &sel);
	selector_print(&sel);
	printf(" (id %u, %" PRIu64 " packets)\n", p->id, p->packets);
}

static json_t *sa_entry_json(const struct sa *sa, bool in)
{
	json_t *o = json_pack("{s:s}", "dir", in ? "in" : "out"), *s = sa_json(sa, false);
	struct lifetime l;

	json_object_update(o, s);
	json_decref(s);
	if (sa->hard.seconds || sa->hard.bytes || sa->hard.packets) {
		json_t *lo = json_object();

		left(sa, &l);
		if (sa->hard.seconds)
			json_object_set_new(lo, "seconds", json_u64(l.seconds));
		if (sa->hard.bytes)
			json_object_set_new(lo, "bytes", json_u64(l.bytes));
		if (sa->hard.packets)
			json_object_set_new(lo, "packets", json_u64(l.packets));
		json_object_set_new(o, "lifetime_left", lo);
	}
	return o;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Each reqid once, sorted: those of protect policies and of SAs. */
static uint32_t *reqids(const struct policy *pv, size_t pn, const struct sa *sv, size_t sn,
			size_t *n)
{
	uint32_t *r = malloc((pn + sn + 1) * sizeof(*r));
	size_t i, k = 0, j;

	if (!r)
		return NULL;
	for (i = 0; i < pn; i++)
		if (pv[i].action == NFESP_ACTION_PROTECT)
			r[k++] = pv[i].reqid;
	for (i = 0; i < sn; i++)
		if (!(sv[i].flags & NFESP_SA_F_LARVAL))
			r[k++] = sv[i].reqid;
	qsort(r, k, sizeof(*r), cmp_u32);
	for (i = j = 0; i < k; i++)
		if (!j || r[j - 1] != r[i])
			r[j++] = r[i];
	*n = j;
	return r;
}

static void tunnel(uint32_t reqid, const struct policy *pv, size_t pn, const struct sa *sv,
		   size_t sn, const struct ifaddrs *ifa, json_t *all)
{
	const struct policy *ep = NULL;
	json_t *o = NULL, *pa = NULL, *sa = NULL;
	char l[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	size_t i;
	int in;

	for (i = 0; i < pn; i++)
		if (pv[i].action == NFESP_ACTION_PROTECT && pv[i].reqid == reqid) {
			ep = &pv[i];
			break;
		}
	if (all) {
		o = json_pack("{s:o}", "reqid", json_u64(reqid));
		if (ep) {
			json_object_set_new(o, "mode", json_string(ep->mode == NFESP_MODE_TRANSPORT ?
								   "transport" : "tunnel"));
			if (ep->local.family) {
				json_object_set_new(o, "local", json_addr(&ep->local));
				json_object_set_new(o, "peer", json_addr(&ep->peer));
			}
		}
		pa = json_array();
		sa = json_array();
	} else {
		printf("tunnel reqid %u", reqid);
		if (ep && ep->local.family)
			printf(": local %s peer %s", addr_str(&ep->local, l, sizeof(l)),
			       addr_str(&ep->peer, p, sizeof(p)));
		if (ep)
			printf(", %s mode", ep->mode == NFESP_MODE_TRANSPORT ? "transport" : "tunnel");
		else
			printf(", no policy");
		putchar('\n');
	}
	for (i = 0; i < pn; i++) {
		if (pv[i].action != NFESP_ACTION_PROTECT || pv[i].reqid != reqid)
			continue;
		if (all)
			json_array_append_new(pa, policy_json(&pv[i]));
		else
			print_policy(&pv[i]);
	}
	/* Inbound first, as they are installed. */
	for (in = 1; in >= 0; in--)
		for (i = 0; i < sn; i++) {
			if ((sv[i].flags & NFESP_SA_F_LARVAL) || sv[i].reqid != reqid ||
			    addr_is_local(ifa, &sv[i].dst) != in)
				continue;
			if (all)
				json_array_append_new(sa, sa_entry_json(&sv[i], in));
			else
				print_sa(&sv[i], in);
		}
	if (all) {
		json_object_set_new(o, "policies", pa);
		json_object_set_new(o, "sas", sa);
		json_array_append_new(all, o);
	}
}

int cmd_tunnels(struct args *a)
{
	struct policy *pv = NULL;
	struct sa *sv = NULL;
	struct ifaddrs *ifa = NULL;
	size_t i, pn, sn, rn;
	uint32_t *r = NULL;
	json_t *all = NULL;
	int err = -1;

	if (a->i < a->argc)
		return error("tunnels takes no arguments, got \"%s\"", a->argv[a->i]);
	if (opt_dry_run)
		return 0;
	if (policy_dump(&pv, &pn) || sa_dump(&sv, &sn))
		goto out;
	if (getifaddrs(&ifa)) {
		error("cannot list this namespace's addresses");
		goto out;
	}
	r = reqids(pv, pn, sv, sn, &rn);
	if (!r) {
		error("out of memory");
		goto out;
	}
	if (opt_json)
		all = json_array();
	for (i = 0; i < rn; i++) {
		if (i && !all)
			putchar('\n');
		tunnel(r[i], pv, pn, sv, sn, ifa, all);
	}
	if (all)
		json_emit(json_pack("{s:o}", "tunnels", all));
	err = 0;
out:
	if (ifa)
		freeifaddrs(ifa);
	free(r);
	free(pv);
	free(sv);
	return err;
}
