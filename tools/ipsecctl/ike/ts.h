/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Traffic selectors (RFC 7296 2.9, 3.13) as ranges: an address range, a
 * protocol (0: any) and a port range. Ports 0-65535 are any; the pair
 * 65535-0 is OPAQUE (RFC 7296 3.13.1), which only "any" and OPAQUE
 * contain. Configured selectors are prefixes; what a peer sends need not
 * be, and nfesp's policies are prefixes, hence ike_tsel_to_prefixes().
 */
#ifndef IKE_TS_H
#define IKE_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "conf.h"

struct ike_tsel {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t start[16], end[16];	/* network order; 4 bytes used for AF_INET */
	uint8_t proto;			/* 0: any */
	uint16_t sport, eport;		/* 0-65535: any; 65535-0: OPAQUE */
};

/* A configured selector; ports 0-0 are taken as any, like 0-65535. */
void ike_tsel_from_sel(struct ike_tsel *t, const struct ike_sel *s);
/* One packet's endpoint; port 0 is any. */
void ike_tsel_from_host(struct ike_tsel *t, const struct addr *a, uint8_t proto, uint16_t port);
/* A decoded TS; -1 for a type we do not know, which the caller skips. */
int ike_tsel_from_ts(struct ike_tsel *t, const struct ike_ts *ts);
/*
 * An encodable TSi or TSr of the first n (at most IKE_MAX_TS) ranges: the
 * views point into storage, which holds start and end of TS i in
 * storage[i] and must outlive pl.
 */
void ike_ts_pl_build(struct ike_ts_pl *pl, const struct ike_tsel *t, unsigned int n,
		     uint8_t (*storage)[32]);

/* The part of both in a, if any. */
bool ike_tsel_intersect(const struct ike_tsel *a, const struct ike_tsel *b, struct ike_tsel *out);
/* Everything inner matches, outer matches too. */
bool ike_tsel_contains(const struct ike_tsel *outer, const struct ike_tsel *inner);

/*
 * Responder narrowing (RFC 7296 2.9) of one side: TSi against our remote
 * selectors, or TSr against our local ones. out gets the intersections of
 * each of the peer's TS (in its order) with each of ours (in ours), less
 * those inside another one of the list. If the peer's first TS is a single
 * address (the packet that triggered its ACQUIRE) and one of our
 * selectors contains it, that selector, cut down to the peer's second TS
 * if that still holds the packet, comes first: the largest range we have
 * for the packet that the peer also proposed. Returns the count (at most
 * max), 0 if nothing intersects (TS_UNACCEPTABLE).
 */
unsigned int ike_ts_narrow(const struct ike_tsel *peer, unsigned int npeer,
			   const struct ike_tsel *mine, unsigned int nmine, struct ike_tsel *out,
			   unsigned int max);
/* Initiator: every TS of the answer is inside one we proposed; false if there are none. */
/*
 * The selector of the kernel SA (sa add ... sel) that carries traffic from
 * @from to @to: the shortest prefixes that hold every range of each list,
 * the union of the port ranges, one protocol if the lists agree on one.
 * nfesp holds one selector per SA, and IKE's lists may hold several
 * ranges: covering them all never drops what was negotiated, at the cost
 * of admitting what lies between them, which the SA's policies still
 * check. With one range a side, as nearly always, it is exact if the
 * ranges are prefixes. False if nothing fits (no range, mixed families).
 */
bool ike_ts_selector(const struct ike_tsel *from, unsigned int nfrom,
		     const struct ike_tsel *to, unsigned int nto, struct selector *sel);
bool ike_ts_within(const struct ike_tsel *resp, unsigned int nresp,
		   const struct ike_tsel *offered, unsigned int noffered);

/*
 * The fewest prefixes that cover the address range, in ascending order,
 * into addrs and plens: their count, or -1 if more than max are needed.
 * The ports and protocol are t's own (OPAQUE is for the caller to map).
 */
int ike_tsel_to_prefixes(const struct ike_tsel *t, struct addr *addrs, int *plens,
			 unsigned int max);
/* "10.1.0.0/24", "10.1.0.5/32[udp/53]", "10.0.0.1-10.0.0.9[tcp]"; returns buf. */
const char *ike_tsel_str(const struct ike_tsel *t, char *buf, size_t len);

#endif /* IKE_TS_H */
