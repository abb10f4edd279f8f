/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv2 (RFC 7296): the dispatcher and what the exchange files share.
 *
 * ikev2.c receives, decrypts, matches requests and responses to their
 * exchange, retransmits and answers retransmissions. Each exchange has
 * its file: v2_init.c (IKE_SA_INIT), v2_auth.c (IKE_AUTH), v2_child.c
 * (CREATE_CHILD_SA), v2_info.c (INFORMATIONAL). A request handler reads
 * the request and writes the response; a response handler is the
 * ike_req's fn.
 *
 * The entry points the daemon calls (ike2_rx, ike2_initiate, ike2_kick,
 * ike2_delete_ike, ike2_sa_dead) take IKEv1 too: they hand a version 1
 * message, rule or SA to ikev1.h's functions.
 */
#ifndef IKE_IKEV2_H
#define IKE_IKEV2_H

#include "sa.h"

/* The payloads of a message, decoded once. */
struct ike2_pls {
	const struct ike_pl *sa, *ke, *nonce, *idi, *idr, *auth, *tsi, *tsr;
	const struct ike_pl *notify[IKE_MAX_PAYLOADS];
	unsigned int nnotify;
	const struct ike_pl *del[IKE_MAX_PAYLOADS];
	unsigned int ndel;
};

/* A message being written: IKE_SA_INIT's payloads, or SK's plaintext. */
struct ike_out {
	struct ike_wbuf w;
	struct ike_enc e;
	bool enc;
	uint8_t buf[IKE_MSG_MAX];
};

int ike2_gather(const struct ike_msg *m, struct ike2_pls *p);
/* The first notify of this type, or NULL. */
const struct ike_pl *ike2_notify(const struct ike2_pls *p, uint16_t type, struct ike_notify *n);
/* The first error notify (type below 16384), or 0. */
uint16_t ike2_error_notify(const struct ike2_pls *p);

/* For IKE_SA_INIT: the header now, payloads follow in o->e. */
void ike2_out_plain(struct ike_out *o, struct ike_sa *sa, uint8_t exch, bool response,
		    uint32_t msgid);
/* For the others: payloads go into the chain, sealed at send. */
void ike2_out_enc(struct ike_out *o);
void ike2_out_notify(struct ike_out *o, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
		     uint16_t type, const void *data, size_t len);

/*
 * Sends a request of ours (its ID the next one), keeping it for
 * retransmission; r says what its answer means. r is owned by sa then.
 */
int ike2_request(struct ike_sa *sa, struct ike_out *o, uint8_t exch, struct ike_req *r);
/* Sends the response to the peer's request msgid and keeps it. */
int ike2_respond(struct ike_sa *sa, struct ike_out *o, uint8_t exch, uint32_t msgid);
/* An unprotected error answer outside any SA (IKE_SA_INIT). */
void ike2_respond_plain_notify(const struct ike_msg *m, const struct ike_ep *local,
			       const struct ike_ep *remote, uint16_t type,
			       const void *data, size_t len);
/* Sends what an IKE SA has queued, if nothing of ours is in flight. */
void ike2_kick(struct ike_sa *sa);
/* The IKE SA is gone: its children, timers and kernel SAs go with it. */
void ike2_sa_dead(struct ike_sa *sa, const char *why);
/* Set the timers of an established IKE SA (rekey, DPD). */
void ike2_established(struct ike_sa *sa);
void ike2_child_timers(struct ike_child *c);
void ike2_child_replaced(struct ike_child *c, bool we_made_successor);
struct ike_req *ike2_req_new(int kind, ike_resp_fn fn);
/* The peer's port moved behind a NAT (no MOBIKE): IKE and ESP follow it. */
void ike2_follow_peer(struct ike_sa *sa, const struct ike_ep *remote);

void ike2_rx(const uint8_t *p, size_t len, const struct ike_ep *local,
	     const struct ike_ep *remote, void *arg);

/* v2_init.c */
int ike2_initiate(struct ike_conn *conn, const struct ike_tsel *src, const struct ike_tsel *dst);
int ike2_init_in_req(const struct ike_msg *m, const struct ike_ep *local,
		     const struct ike_ep *remote);
/* v2_auth.c */
int ike2_auth_start(struct ike_sa *sa);
int ike2_auth_in_req(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p);
int ike2_id_body(const struct ike_sa *sa, bool local, uint8_t *buf, size_t cap);
/* v2_child.c: TS and SA payloads of a child, both roles. */
int ike2_child_offer(struct ike_sa *sa, struct ike_out *o, struct ike_req *r, bool create);
int ike2_child_answer(struct ike_sa *sa, struct ike_out *o, const struct ike2_pls *p,
		      struct ike_child *c, uint16_t *err);
int ike2_child_accept(struct ike_sa *sa, struct ike_req *r, const struct ike2_pls *p,
		      struct ike_child *c);
int ike2_child_in_req(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p);
void ike2_rekey_child(struct ike_child *c);
void ike2_log_child(struct ike_child *c);
void ike2_rekey_ike(struct ike_sa *sa);
int ike2_new_child(struct ike_sa *sa);
/* v2_info.c */
int ike2_info_in_req(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p);
int ike2_delete_child(struct ike_child *c);
int ike2_delete_ike(struct ike_sa *sa);
int ike2_dpd(struct ike_sa *sa);

#endif /* IKE_IKEV2_H */
