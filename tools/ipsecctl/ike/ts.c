// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traffic selectors as ranges: from the configuration, from packets and
 * from TS payloads; their intersection, the responder's narrowing and the
 * initiator's check of it (RFC 7296 2.9), and the prefixes a range takes
 * as nfesp policies. See ts.h.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "ts.h"

#define PORT_ANY_MAX	65535

static unsigned int alen_of(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

static bool port_any(const struct ike_tsel *t)
{
	return t->sport == 0 && t->eport == PORT_ANY_MAX;
}

static bool port_opaque(const struct ike_tsel *t)
{
	return t->sport == IKE_TS_PORT_OPAQUE_START && t->eport == IKE_TS_PORT_OPAQUE_END;
}

/* Set the low @host bits of a (alen bytes); clear them instead if !set. */
static void low_bits(uint8_t *a, unsigned int alen, unsigned int host, bool set)
{
	unsigned int i, byte;
	uint8_t m;

	for (i = 0; i < host && i < alen * 8; i += 8) {
		byte = alen - 1 - i / 8;
		m = host - i >= 8 ? 0xff : (uint8_t)((1u << (host - i)) - 1);
		if (set)
			a[byte] |= m;
		else
			a[byte] &= (uint8_t)~m;
	}
}

void ike_tsel_from_sel(struct ike_tsel *t, const struct ike_sel *s)
{
	unsigned int alen = alen_of(s->addr.family);
	int plen = s->plen;

	memset(t, 0, sizeof(*t));
	t->family = s->addr.family;
	if (plen < 0)
		plen = 0;
	if (plen > (int)alen * 8)
		plen = (int)alen * 8;
	memcpy(t->start, s->addr.bytes, alen);
	low_bits(t->start, alen, alen * 8 - (unsigned int)plen, false);
	memcpy(t->end, t->start, alen);
	low_bits(t->end, alen, alen * 8 - (unsigned int)plen, true);
	t->proto = s->proto;
	t->sport = s->port_min;
	t->eport = s->port_max;
	if (!t->sport && !t->eport)
		t->eport = PORT_ANY_MAX;
}

void ike_tsel_from_host(struct ike_tsel *t, const struct addr *a, uint8_t proto, uint16_t port)
{
	unsigned int alen = alen_of(a->family);

	memset(t, 0, sizeof(*t));
	t->family = a->family;
	memcpy(t->start, a->bytes, alen);
	memcpy(t->end, a->bytes, alen);
	t->proto = proto;
	t->sport = port;
	t->eport = port ? port : PORT_ANY_MAX;
}

int ike_tsel_from_ts(struct ike_tsel *t, const struct ike_ts *ts)
{
	memset(t, 0, sizeof(*t));
	if (ts->type == IKE_TS_IPV4_ADDR_RANGE && ts->alen == 4)
		t->family = AF_INET;
	else if (ts->type == IKE_TS_IPV6_ADDR_RANGE && ts->alen == 16)
		t->family = AF_INET6;
	else
		return -1;
	if (!ts->start || !ts->end)
		return -1;
	memcpy(t->start, ts->start, ts->alen);
	memcpy(t->end, ts->end, ts->alen);
	t->proto = ts->proto;
	t->sport = ts->sport;
	t->eport = ts->eport;
	return 0;
}

void ike_ts_pl_build(struct ike_ts_pl *pl, const struct ike_tsel *t, unsigned int n,
		     uint8_t (*storage)[32])
{
	struct ike_ts *ts;
	unsigned int i, alen;

	if (n > IKE_MAX_TS)
		n = IKE_MAX_TS;
	pl->n = 0;
	for (i = 0; i < n; i++) {
		alen = alen_of(t[i].family);
		if (!alen)
			continue;
		ts = &pl->ts[pl->n++];
		memset(ts, 0, sizeof(*ts));
		memset(storage[i], 0, 32);
		memcpy(storage[i], t[i].start, alen);
		memcpy(storage[i] + 16, t[i].end, alen);
		ts->type = alen == 4 ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
		ts->proto = t[i].proto;
		ts->sport = t[i].sport;
		ts->eport = t[i].eport;
		ts->alen = (uint8_t)alen;
		ts->start = storage[i];
		ts->end = storage[i] + 16;
	}
}

/* --- Intersection and containment --- */

static bool ports_intersect(const struct ike_tsel *a, const struct ike_tsel *b,
			    struct ike_tsel *out)
{
	if (port_opaque(a) || port_opaque(b)) {
		/* OPAQUE meets only OPAQUE and any. */
		if (!(port_opaque(a) || port_any(a)) || !(port_opaque(b) || port_any(b)))
			return false;
		out->sport = IKE_TS_PORT_OPAQUE_START;
		out->eport = IKE_TS_PORT_OPAQUE_END;
		return true;
	}
	out->sport = a->sport > b->sport ? a->sport : b->sport;
	out->eport = a->eport < b->eport ? a->eport : b->eport;
	return out->sport <= out->eport;
}

bool ike_tsel_intersect(const struct ike_tsel *a, const struct ike_tsel *b, struct ike_tsel *out)
{
	unsigned int alen = alen_of(a->family);
	struct ike_tsel r;

	if (!alen || a->family != b->family)
		return false;
	if (a->proto && b->proto && a->proto != b->proto)
		return false;
	memset(&r, 0, sizeof(r));
	r.family = a->family;
	r.proto = a->proto ? a->proto : b->proto;
	if (!ports_intersect(a, b, &r))
		return false;
	memcpy(r.start, memcmp(a->start, b->start, alen) > 0 ? a->start : b->start, alen);
	memcpy(r.end, memcmp(a->end, b->end, alen) < 0 ? a->end : b->end, alen);
	if (memcmp(r.start, r.end, alen) > 0)
		return false;
	*out = r;
	return true;
}

bool ike_tsel_contains(const struct ike_tsel *outer, const struct ike_tsel *inner)
{
	unsigned int alen = alen_of(outer->family);

	if (!alen || outer->family != inner->family)
		return false;
	if (outer->proto && outer->proto != inner->proto)
		return false;
	if (!port_any(outer)) {
		if (port_opaque(outer) || port_opaque(inner)) {
			if (!port_opaque(outer) || !port_opaque(inner))
				return false;
		} else if (inner->sport < outer->sport || inner->eport > outer->eport) {
			return false;
		}
	}
	return memcmp(outer->start, inner->start, alen) <= 0 &&
	       memcmp(inner->end, outer->end, alen) <= 0;
}

/* --- Narrowing --- */

/*
 * Append t unless one in the list holds it already; one that t holds is
 * replaced in its place by t (and any further ones dropped), so that the
 * list stays free of redundancy and in first-seen order.
 */
static void add_unique(struct ike_tsel *out, unsigned int *n, unsigned int max,
		       const struct ike_tsel *t)
{
	unsigned int i, j;
	bool placed = false;

	for (i = 0; i < *n; i++)
		if (ike_tsel_contains(&out[i], t))
			return;
	for (i = 0, j = 0; i < *n; i++) {
		if (ike_tsel_contains(t, &out[i])) {
			if (placed)
				continue;
			out[j++] = *t;
			placed = true;
		} else {
			out[j++] = out[i];
		}
	}
	*n = j;
	if (!placed && *n < max)
		out[(*n)++] = *t;
}

static bool single_address(const struct ike_tsel *t)
{
	unsigned int alen = alen_of(t->family);

	return alen && !memcmp(t->start, t->end, alen);
}

unsigned int ike_ts_narrow(const struct ike_tsel *peer, unsigned int npeer,
			   const struct ike_tsel *mine, unsigned int nmine, struct ike_tsel *out,
			   unsigned int max)
{
	struct ike_tsel x;
	unsigned int i, j, n = 0;

	if (!max)
		return 0;
	/* The packet that triggered the peer's request: our range for it first. */
	if (npeer && single_address(&peer[0])) {
		for (j = 0; j < nmine; j++) {
			if (!ike_tsel_contains(&mine[j], &peer[0]))
				continue;
			if (npeer >= 2 && ike_tsel_intersect(&mine[j], &peer[1], &x) &&
			    ike_tsel_contains(&x, &peer[0]))
				out[n++] = x;
			else
				out[n++] = peer[0];
			break;
		}
	}
	for (i = 0; i < npeer; i++)
		for (j = 0; j < nmine; j++)
			if (ike_tsel_intersect(&peer[i], &mine[j], &x))
				add_unique(out, &n, max, &x);
	return n;
}

bool ike_ts_within(const struct ike_tsel *resp, unsigned int nresp,
		   const struct ike_tsel *offered, unsigned int noffered)
{
	unsigned int i, j;

	if (!nresp)
		return false;
	for (i = 0; i < nresp; i++) {
		for (j = 0; j < noffered; j++)
			if (ike_tsel_contains(&offered[j], &resp[i]))
				break;
		if (j == noffered)
			return false;
	}
	return true;
}

/* --- Prefixes --- */

/* How many low bits of a are zero (all of them for 0). */
static unsigned int trailing_zeros(const uint8_t *a, unsigned int alen)
{
	unsigned int n = 0;
	int i;
	uint8_t b;

	for (i = (int)alen - 1; i >= 0; i--) {
		b = a[i];
		if (!b) {
			n += 8;
			continue;
		}
		while (!(b & 1)) {
			b >>= 1;
			n++;
		}
		break;
	}
	return n;
}

/* a + 1; false if it wrapped. */
static bool incr(uint8_t *a, unsigned int alen)
{
	int i;

	for (i = (int)alen - 1; i >= 0; i--)
		if (++a[i])
			return true;
	return false;
}

int ike_tsel_to_prefixes(const struct ike_tsel *t, struct addr *addrs, int *plens,
			 unsigned int max)
{
	unsigned int alen = alen_of(t->family), host, n = 0;
	uint8_t cur[16], last[16];

	if (!alen || memcmp(t->start, t->end, alen) > 0)
		return -1;
	memcpy(cur, t->start, alen);
	for (;;) {
		/* The shortest prefix at cur that ends no later than t->end. */
		host = trailing_zeros(cur, alen);
		for (;;) {
			memcpy(last, cur, alen);
			low_bits(last, alen, host, true);
			if (!host || memcmp(last, t->end, alen) <= 0)
				break;
			host--;
		}
		if (n >= max)
			return -1;
		memset(&addrs[n], 0, sizeof(addrs[n]));
		addrs[n].family = t->family;
		memcpy(addrs[n].bytes, cur, alen);
		plens[n] = (int)(alen * 8 - host);
		n++;
		if (!memcmp(last, t->end, alen) || !incr(last, alen))
			return (int)n;
		memcpy(cur, last, alen);
	}
}

/* --- Names --- */

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 0:
		return "any";
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 47:
		return "gre";
	case 58:
		return "ipv6-icmp";
	case 132:
		return "sctp";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

const char *ike_tsel_str(const struct ike_tsel *t, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pb[8], ports[16] = "";
	struct addr pfx;
	int plen, n;

	if (!len)
		return buf;
	if (!alen_of(t->family) || !inet_ntop(t->family, t->start, a, sizeof(a)) ||
	    !inet_ntop(t->family, t->end, b, sizeof(b))) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (port_opaque(t))
		snprintf(ports, sizeof(ports), "/opaque");
	else if (t->sport == t->eport)
		snprintf(ports, sizeof(ports), "/%u", t->sport);
	else if (!port_any(t))
		snprintf(ports, sizeof(ports), "/%u-%u", t->sport, t->eport);
	if (ike_tsel_to_prefixes(t, &pfx, &plen, 1) == 1)
		n = snprintf(buf, len, "%s/%d", a, plen);
	else
		n = snprintf(buf, len, "%s-%s", a, b);
	if (n >= 0 && (size_t)n < len && (t->proto || ports[0]))
		snprintf(buf + n, len - (size_t)n, "[%s%s]", proto_name(t->proto, pb, sizeof(pb)),
			 ports);
	return buf;
}

/* --- The kernel SA's selector --- */

static bool proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/*
 * One side of the selector: the shortest prefix that holds every range of
 * @t, and the union of their port ranges (OPAQUE widens it to any). False
 * if the ranges are of different families.
 */
static bool cover_side(const struct ike_tsel *t, unsigned int n, struct addr *a, int *plen,
		       uint16_t *pmin, uint16_t *pmax)
{
	unsigned int alen = alen_of(t[0].family), i, bit;
	uint8_t lo[16], hi[16];

	memcpy(lo, t[0].start, alen);
	memcpy(hi, t[0].end, alen);
	*pmin = 65535;
	*pmax = 0;
	for (i = 0; i < n; i++) {
		if (t[i].family != t[0].family)
			return false;
		if (memcmp(t[i].start, lo, alen) < 0)
			memcpy(lo, t[i].start, alen);
		if (memcmp(t[i].end, hi, alen) > 0)
			memcpy(hi, t[i].end, alen);
		if (t[i].sport > t[i].eport) {		/* OPAQUE */
			*pmin = 0;
			*pmax = 65535;
		}
		if (t[i].sport < *pmin)
			*pmin = t[i].sport;
		if (t[i].eport > *pmax)
			*pmax = t[i].eport;
	}
	for (bit = 0; bit < alen * 8; bit++)
		if ((lo[bit / 8] ^ hi[bit / 8]) & (0x80 >> (bit % 8)))
			break;
	memset(a, 0, sizeof(*a));
	a->family = t[0].family;
	memcpy(a->bytes, lo, alen);
	low_bits(a->bytes, alen, alen * 8 - bit, false);
	*plen = (int)bit;
	return true;
}

/* @sel is all zero (no selector) when this returns false. */
bool ike_ts_selector(const struct ike_tsel *from, unsigned int nfrom,
		     const struct ike_tsel *to, unsigned int nto, struct selector *sel)
{
	unsigned int i, j;
	int proto = -1;

	memset(sel, 0, sizeof(*sel));
	if (!nfrom || !nto)
		return false;
	if (!cover_side(from, nfrom, &sel->src, &sel->src_plen, &sel->sport_min,
			&sel->sport_max) ||
	    !cover_side(to, nto, &sel->dst, &sel->dst_plen, &sel->dport_min, &sel->dport_max) ||
	    sel->src.family != sel->dst.family) {
		memset(sel, 0, sizeof(*sel));
		return false;
	}
	/*
	 * A pair of TS carries the protocol either names (they intersect),
	 * any if neither does; the SA, the one protocol of all its pairs if
	 * they agree, else any.
	 */
	for (i = 0; i < nfrom; i++) {
		for (j = 0; j < nto; j++) {
			int p = from[i].proto ? from[i].proto : to[j].proto;

			proto = proto < 0 || proto == p ? p : 0;
		}
	}
	sel->proto = (uint8_t)proto;
	if (!proto_has_ports(sel->proto)) {
		sel->sport_min = sel->dport_min = 0;
		sel->sport_max = sel->dport_max = 65535;
	}
	return true;
}
