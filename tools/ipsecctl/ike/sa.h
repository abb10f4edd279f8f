/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE SA table and its child SAs.
 *
 * An IKE SA is found by its SPIs (ours is unique); a child SA by the SPI
 * of its inbound ESP SA. Each IKE SA belongs to a connection of the
 * configuration, by name: a reload that keeps a rule keeps its SAs.
 *
 * Message IDs (RFC 7296 2.3) with a window of one each way: one request
 * of ours in flight (out), and the last response we sent (in), resent
 * when the peer retransmits its request.
 */
#ifndef IKE_SA_H
#define IKE_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include "codec.h"
#include "conf.h"
#include "crypto.h"
#include "kdf.h"
#include "loop.h"
#include "net.h"
#include "proposal.h"
#include "ts.h"

#define IKE_MSG_MAX		65535
#define IKE_NONCE_LEN		32
#define IKE_TS_MAX		IKE_CONF_MAX_SEL
#define IKE_FRAGS_MAX		32	/* RFC 7383 fragments of one message */

enum ike_state {
	IKE_S_INIT_SENT,	/* initiator: IKE_SA_INIT request out */
	IKE_S_AUTH_SENT,	/* initiator: IKE_AUTH request out */
	IKE_S_HALF_OPEN,	/* responder: IKE_SA_INIT answered */
	IKE_S_ESTABLISHED,
	IKE_S_REKEYED,		/* replaced by a new IKE SA, waiting for its delete */
	IKE_S_DELETING,		/* our Delete out */
	IKE_S_DEAD,		/* to be freed */
};

enum child_state {
	CHILD_S_INSTALLED,
	CHILD_S_REKEYING,	/* our CREATE_CHILD_SA for it is out */
	CHILD_S_REKEYED,	/* replaced; deleted soon */
	CHILD_S_DELETING,
};

struct ike_sa;

struct ike_child {
	struct ike_child *next;
	struct ike_sa *ike;
	enum child_state state;
	uint32_t spi_in, spi_out;	/* host order; inbound: the one we chose */
	uint32_t reqid;
	int mode;			/* NFESP_MODE_* */
	struct ike_chosen alg;
	struct ike_tsel ts_local[IKE_TS_MAX], ts_remote[IKE_TS_MAX];
	unsigned int nlocal, nremote;
	bool installed_in, installed_out;
	uint8_t v1_encap;		/* IKEv1: the quick mode's encapsulation mode */
	uint64_t life_s;		/* the peer's shorter lifetime (RESPONDER-LIFETIME); 0: the rule's */
	/*
	 * The rekey responder's new outbound SA waits (RFC 7296 2.8: the
	 * initiator must have the new inbound SA first) until the old child
	 * goes or a few seconds pass; successor links the old to the new.
	 */
	struct sa *out_pending;
	struct ike_timer out_timer;
	struct ike_child *successor;
	bool initiator;			/* we initiated this child's exchange */
	bool want_rekey;
	/* Replaced (REKEYED): deleted with a Delete at delete_at_ms. */
	uint64_t delete_at_ms;
	/* The peer rekeyed it while our rekey was out: its exchange's lower nonce. */
	bool rekeyed_by_peer;
	uint8_t peer_nonce_min[IKE_NONCE_MAX];
	size_t peer_nonce_min_len;
	uint64_t created_ms;
	uint64_t rekey_at_ms;
	struct ike_timer rekey_timer;
};

/* An exchange we started: what to do with its answer. */
struct ike_req;
struct ike2_pls;
/* 0, or -1 when the IKE SA is to go (the handler has said why). */
typedef int (*ike_resp_fn)(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
			   const struct ike2_pls *p);

struct ike_req {
	uint8_t exchange;
	uint32_t msgid;
	uint8_t *buf;			/* the message, or its fragments one after another */
	size_t len;
	unsigned int nfrag;		/* 0: not fragmented */
	size_t flen[IKE_FRAGS_MAX];
	unsigned int tries;
	uint64_t sent_ms;
	ike_resp_fn fn;
	/* What the exchange is about. */
	struct ike_child *child;	/* being rekeyed or deleted */
	struct ike_child *new_child;	/* being made */
	struct ike_sa *new_ike;		/* an IKE SA rekey */
	struct ike_dh *dh;
	uint8_t nonce[IKE_NONCE_LEN];
	struct ike_sa_pl offered;	/* its SPI points into spi_bytes */
	uint8_t spi_bytes[4];
	struct ike_tsel tsi[IKE_TS_MAX], tsr[IKE_TS_MAX];
	unsigned int ntsi, ntsr;
	uint32_t spi_in;
	int kind;			/* IKE_REQ_* */
};

enum {
	IKE_REQ_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_CHILD_NEW,
	IKE_REQ_CHILD_REKEY,
	IKE_REQ_IKE_REKEY,
	IKE_REQ_DELETE_CHILD,
	IKE_REQ_DELETE_IKE,
	IKE_REQ_DPD,
};

struct ike1_state;

struct ike_sa {
	struct ike_sa *next;
	uint8_t version;		/* 1 (ISAKMP, RFC 2409) or 2 */
	struct ike1_state *v1;		/* IKEv1's phase 1 and exchanges (ikev1.h) */
	char conn_name[IKE_CONF_NAME_MAX];
	struct ike_conn *conn;		/* NULL once its rule is gone */
	uint32_t serial;		/* for logs: "site-b[3]" */
	enum ike_state state;
	bool initiator;			/* original initiator of this IKE SA */
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct ike_ep local, remote;
	bool nat_local, nat_remote;	/* this host / the peer behind a NAT */
	bool natt;			/* IKE moved to 4500: ESP goes in UDP if nat_* */
	struct ike_chosen alg;
	struct ike2_keys keys;
	struct ike_dh *dh;
	uint16_t dh_group;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t *init_req, *init_resp;	/* IKE_SA_INIT messages, for AUTH */
	size_t init_req_len, init_resp_len;
	uint8_t *cookie;		/* initiator: the responder's COOKIE */
	size_t cookie_len;
	struct ike_sa_pl offered;	/* initiator: the IKE proposals sent */
	/* The packet that started it, for the first TS (RFC 7296 2.9). */
	struct ike_tsel trigger_src, trigger_dst;
	bool has_trigger;
	/* Our requests: window of one, plus a queue of what waits for it. */
	uint32_t msgid_out;		/* the next request's ID */
	struct ike_req *req;		/* in flight */
	struct ike_timer retransmit;
	/* The peer's requests. */
	uint32_t msgid_in;		/* the next request ID we expect */
	uint8_t *last_resp;
	size_t last_resp_len;
	unsigned int last_resp_nfrag;
	uint8_t last_resp_exch;
	size_t last_resp_flen[IKE_FRAGS_MAX];
	/* RFC 7383: the peer takes fragments; fragments of a message coming in. */
	bool peer_frag;
	struct {
		uint32_t msgid;
		bool response;
		uint16_t total;
		uint8_t first;
		uint32_t have;		/* bit n-1: fragment n is here */
		uint8_t *piece[IKE_FRAGS_MAX];
		size_t plen[IKE_FRAGS_MAX];
	} frag_in;
	struct ike_child *children;
	struct ike_sa *rekey_of;	/* our IKE SA rekey under way: the SA it replaces */
	uint64_t created_ms, established_ms, last_rx_ms;
	uint64_t rekey_at_ms;
	struct ike_timer rekey_timer;	/* IKE SA rekey */
	struct ike_timer dpd_timer;
	struct ike_timer keepalive_timer;	/* NAT keepalives (RFC 3948 4) */
	struct ike_timer expire_timer;	/* half-open and deleting SAs */
	bool pending_child;		/* a child to make once established */
	bool want_rekey, want_delete, want_dpd;
	bool replaced;			/* its children moved to a rekeyed IKE SA */
	bool initial_contact_sent;
	unsigned int dpd_misses;
	unsigned int init_retries;	/* COOKIE and INVALID_KE answers taken */
};

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

extern struct ike_sa *ike_sas;

/* A new IKE SA of conn->version; our SPI (cookie) is chosen. */
struct ike_sa *ike_sa_new(struct ike_conn *conn, bool initiator);
/*
 * An initiator's IKE SA to the rule's peer, from its local address or the
 * route's source, on UDP 500, with the packet that started it (src and dst
 * may be NULL); NULL for "peer any" or no route (logged).
 */
struct ike_sa *ike_sa_initiate(struct ike_conn *conn, const struct ike_tsel *src,
			       const struct ike_tsel *dst);
void ike_sa_free(struct ike_sa *sa);	/* children deleted from the kernel */
struct ike_sa *ike_sa_find(const uint8_t *spi_i, const uint8_t *spi_r);
/* By the initiator's SPI and address, for a retransmitted IKE_SA_INIT. */
struct ike_sa *ike_sa_find_half(const uint8_t *spi_i, const struct ike_ep *remote);
struct ike_sa *ike_sa_by_conn(const char *name);	/* the established or newest */
unsigned int ike_sa_half_open(void);
/* "site-b[3]" */
const char *ike_sa_name(const struct ike_sa *sa);

struct ike_child *ike_child_new(struct ike_sa *sa);
void ike_child_free(struct ike_child *c);	/* unlinks; kernel SAs deleted */
struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi);
/*
 * Keys from KEYMAT and the SAs into the module: the inbound SA first, then
 * the outbound one (make-before-break). gir is the PFS secret or NULL.
 */
int ike_child_install(struct ike_child *c, const struct ike_view *gir,
		      const struct ike_view *ni, const struct ike_view *nr, bool defer_out);
/*
 * The same with the keys given: enc key then integrity key of the inbound
 * SA, and of the outbound SA (IKEv1's KEYMAT is one per SPI). With
 * defer_ms, the outbound SA waits that long, or for ike_child_install_out().
 */
int ike_child_install_keys(struct ike_child *c, const uint8_t *keys_in, const uint8_t *keys_out,
			   size_t ekey, size_t akey, unsigned int defer_ms);
/* The deferred outbound SA, now. */
void ike_child_install_out(struct ike_child *c);
void ike_child_uninstall(struct ike_child *c);
/* Moves a child to another IKE SA (an IKE SA rekey). */
void ike_child_move(struct ike_child *c, struct ike_sa *to);
void ike_req_free(struct ike_req *r);
void ike_sa_frags_drop(struct ike_sa *sa);
uint32_t ike_conn_reqid(const struct ike_conn *conn);
uint64_t ike_conn_owner(const struct ike_conn *conn);

#endif /* IKE_SA_H */
