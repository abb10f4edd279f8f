/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE daemon's configuration: one rule per connection, in the manner
 * of OpenBSD's iked.conf(5), read by conf.y into these structs.
 *
 *   ikev2 "site-b" [active|passive] esp tunnel|transport
 *         from PREFIX [port P[-Q]] to PREFIX [port P[-Q]] [proto P]
 *         (or from { PREFIX ... } to { PREFIX ... })
 *         local ADDR peer ADDR|any
 *         ikesa enc ALG... [auth ALG...] prf ALG... group GRP...
 *         childsa enc ALG... [auth ALG...] [group GRP...]
 *         srcid ID dstid ID psk @FILE
 *         ikelifetime DUR lifetime DUR [BYTES] dpd DUR
 *
 *   ikev1 "branch" [active|passive] esp tunnel|transport from ... to ...
 *         local ADDR peer ADDR|any
 *         main|aggressive enc ALG... auth ALG... group GRP...
 *         quick enc ALG... [auth ALG...] [group GRP...|none]
 *         srcid ID dstid ID psk @FILE ikelifetime DUR lifetime DUR dpd DUR
 *
 * An IKEv1 rule keeps its phase 1 block in ike (auth: the hash, kept as
 * its IKE_PRF_HMAC_* in prf; integ empty) and its quick mode block in
 * child (auth as IKE_INTEG_*, group the PFS groups, none: ndh 0).
 *
 * Algorithms are kept as IANA IKEv2 transform IDs (ike.h), in the order
 * the rule lists them: that is the order they are proposed in.
 */
#ifndef IKE_CONF_H
#define IKE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../ipsecctl.h"

#define IKE_CONF_MAX_ALGS	8	/* of one kind in one block */
#define IKE_CONF_MAX_SEL	16	/* from or to selectors of one rule */
#define IKE_CONF_NAME_MAX	64
#define IKE_CONF_ID_MAX		255
#define IKE_CONF_PSK_MAX	256

/* One "from" or "to" selector: a prefix, and optionally protocol and ports. */
struct ike_sel {
	struct addr addr;
	int plen;
	uint8_t proto;			/* 0: any */
	uint16_t port_min, port_max;	/* 0-65535: any */
};

struct ike_xform_conf {
	uint16_t id;			/* IKE_ENCR_*, IKE_INTEG_*, IKE_PRF_*, IKE_DH_* */
	uint16_t keybits;		/* ENCR with a key length attribute; else 0 */
};

/*
 * An "ikesa" or "childsa" block. For a child SA, integ is empty with
 * AEADs, prf is unused and dh lists the PFS groups (empty: no PFS).
 */
struct ike_prop_conf {
	struct ike_xform_conf encr[IKE_CONF_MAX_ALGS];
	unsigned int nencr;
	uint16_t integ[IKE_CONF_MAX_ALGS];
	unsigned int ninteg;
	uint16_t prf[IKE_CONF_MAX_ALGS];
	unsigned int nprf;
	uint16_t dh[IKE_CONF_MAX_ALGS];
	unsigned int ndh;
};

/* srcid/dstid: an IKE ID type and its data; type 0 means the address. */
struct ike_id_conf {
	uint8_t type;			/* IKE_ID_* */
	uint8_t data[IKE_CONF_ID_MAX];
	size_t len;
};

enum ike_start {
	IKE_START_TRAFFIC,		/* the default: policies, then IKE on ACQUIRE */
	IKE_START_ACTIVE,		/* initiate at start, keep it up */
	IKE_START_PASSIVE,		/* only answer */
};

struct ike_conn {
	struct ike_conn *next;
	char name[IKE_CONF_NAME_MAX];
	int version;			/* 1 or 2 */
	bool aggressive;		/* IKEv1: aggressive mode, not main */
	int mode;			/* NFESP_MODE_TUNNEL or NFESP_MODE_TRANSPORT */
	struct ike_sel from[IKE_CONF_MAX_SEL], to[IKE_CONF_MAX_SEL];
	unsigned int nfrom, nto;
	struct addr local;		/* family 0: any (the route's source) */
	struct addr peer;		/* family 0 with peer_any */
	bool peer_any;
	struct ike_prop_conf ike, child;
	struct ike_id_conf srcid, dstid;
	uint8_t psk[IKE_CONF_PSK_MAX];
	size_t psk_len;
	char psk_file[256];		/* where it came from, for messages */
	uint64_t ike_lifetime;		/* seconds */
	uint64_t lifetime;		/* the child SA's, seconds */
	uint64_t lifetime_bytes;	/* the child SA's; 0: none */
	uint64_t dpd;			/* seconds between liveness checks; 0: off */
	enum ike_start start;
	/* Where the rule is, for messages. */
	char file[256];
	int line;
};

struct ike_config {
	struct ike_conn *conns;		/* in file order */
	unsigned int nconns;
};

/*
 * Reads @path (and what it includes). On an error, prints
 * "file:line: what is wrong" to stderr, frees what was read and returns -1;
 * @cfg is then empty.
 */
int ike_conf_load(const char *path, struct ike_config *cfg);
/* Frees the rules; PSKs are wiped first. */
void ike_conf_free(struct ike_config *cfg);
/* The same rule in every respect that matters to the SAs (reload keeps them). */
bool ike_conn_equal(const struct ike_conn *a, const struct ike_conn *b);
/* The rule in the grammar it is read in, on one line; the PSK as its @FILE. */
void ike_conn_print(FILE *f, const struct ike_conn *c);
/* Names for logs and status: "aes-gcm-256", "hmac-sha256", "curve25519". */
const char *ike_encr_name(uint16_t id, uint16_t keybits);
const char *ike_integ_name(uint16_t id);
const char *ike_prf_name(uint16_t id);
const char *ike_dh_name(uint16_t id);

#endif /* IKE_CONF_H */
