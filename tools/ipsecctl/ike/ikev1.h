/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv1 (RFC 2408, 2409): the dispatcher and what its exchange files share.
 *
 * An IKEv1 IKE SA (the ISAKMP SA of phase 1) is a struct ike_sa of version
 * 1, with its IKEv1 state in sa->v1: the phase 1 exchange (v1_main.c: main
 * mode, v1_aggr.c: aggressive mode, both built on v1_phase1.c), then any
 * number of quick mode exchanges (v1_quick.c) and informational ones
 * (v1_info.c), each with its own message ID and IV chain (struct ike1_x).
 *
 * IKEv1 has no request/response window: a message is answered by the
 * exchange's next one. So each side keeps its last message of an exchange
 * and sends it again when the peer repeats the message before it (RFC 2408
 * 5: "retransmit on duplicate"), and a side that waits for an answer also
 * retransmits on a timer.
 *
 * The timers and the child SA bookkeeping are IKEv2's (ikev2.c): ike2_kick()
 * hands an IKEv1 SA to ike1_kick(), ike2_sa_dead() frees it.
 */
#ifndef IKE_IKEV1_H
#define IKE_IKEV1_H

#include "codec1.h"
#include "kdf1.h"
#include "protect1.h"
#include "proposal1.h"
#include "sa.h"

#define IKE1_GX_MAX	1024

enum ike1_p1_state {
	IKE1_MM_I1,		/* initiator: SA sent */
	IKE1_MM_I2,		/* initiator: KE, Ni sent */
	IKE1_MM_I3,		/* initiator: IDii, HASH_I sent */
	IKE1_MM_R1,		/* responder: SA answered */
	IKE1_MM_R2,		/* responder: KE, Nr answered */
	IKE1_AM_I1,		/* initiator: SA, KE, Ni, IDii sent */
	IKE1_AM_R1,		/* responder: SA, KE, Nr, IDir, HASH_R answered */
	IKE1_P1_DONE,
};

/* Our last message of an exchange, and a fingerprint of the peer's. */
struct ike1_last {
	uint8_t *out;
	size_t out_len;
	uint8_t in[20];		/* SHA-1 of the peer's last message */
	bool have_in;
	unsigned int tries;
};

/* A quick mode or informational exchange. */
struct ike1_x {
	struct ike1_x *next;
	struct ike_sa *sa;
	uint32_t msgid;
	uint8_t exch;
	bool initiator;
	int st;			/* IKE1_QM_* */
	struct ike1_iv iv;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	struct ike_dh *dh;	/* PFS */
	uint8_t gxy[IKE1_GX_MAX];
	size_t gxy_len;
	struct ike1_sa_pl *offered;	/* initiator */
	struct ike_child *child;	/* being made */
	struct ike_child *old;		/* being replaced */
	bool commit;			/* the initiator asked for CONNECTED */
	struct ike1_last last;
	struct ike_timer timer;		/* retransmit, then the end of its keeping */
};

enum {
	IKE1_QM_I1,		/* initiator: HASH(1), SA, Ni, [KE], [IDs] sent */
	IKE1_QM_R1,		/* responder: HASH(2), SA, Nr, [KE], [IDs] sent */
	IKE1_QM_DONE,		/* kept a while, to answer duplicates */
};

struct ike1_state {
	enum ike1_p1_state st;
	bool aggressive;
	struct ike1_keys k;
	struct ike1_iv iv;		/* phase 1's chain; then its last block */
	struct ike1_sa_pl *offered;	/* initiator: our SA payload */
	uint8_t *sai_b;			/* the initiator's SA payload body, for the hashes */
	size_t sai_b_len;
	uint8_t gxi[IKE1_GX_MAX], gxr[IKE1_GX_MAX];
	size_t gxi_len, gxr_len;
	uint8_t gxy[IKE1_GX_MAX];
	size_t gxy_len;
	struct ike1_p1 p1;
	uint8_t peer_idb[4 + IKE_CONF_ID_MAX];	/* aggressive responder: IDii's body */
	size_t peer_idb_len;
	struct ike1_last last;
	/* The peer's vendor IDs. */
	bool peer_natt;			/* RFC 3947 or a draft of it */
	uint8_t natd_type;		/* IKE1_PL_NAT_D, or the drafts' */
	bool peer_dpd;			/* RFC 3706 */
	uint32_t dpd_seq;
	bool dpd_out;			/* an R-U-THERE unanswered */
	struct ike1_x *xs;
};

/* Received on 500 or 4500 with a version 1 header. */
void ike1_rx(const uint8_t *p, size_t len, const struct ike_ep *local,
	     const struct ike_ep *remote);
int ike1_initiate(struct ike_conn *conn, const struct ike_tsel *src, const struct ike_tsel *dst);
/* What an established IKEv1 SA has to do: delete, rekeys, a quick mode, DPD. */
void ike1_kick(struct ike_sa *sa);
/* Delete for the ISAKMP SA and its children's SPIs; 0 if sent. */
int ike1_delete_isakmp(struct ike_sa *sa);
void ike1_state_free(struct ike_sa *sa);

/* ikev1.c: messages. */
struct ike_out;
void ike1_out_begin(struct ike_out *o, struct ike_sa *sa, uint8_t exch, uint32_t msgid,
		    bool enc);
/*
 * The message ended, encrypted with *iv if it has the E flag, kept in last
 * (if not NULL) and sent. 0 or -1.
 */
int ike1_out_send(struct ike_sa *sa, struct ike_out *o, struct ike1_iv *iv,
		  struct ike1_last *last);
/*
 * For quick mode and informational messages: a HASH payload of prf->len
 * bytes reserved first; ike1_out_hash() fills it once the rest is written.
 */
size_t ike1_out_hash_reserve(struct ike_out *o, struct ike_sa *sa);
void ike1_out_hash(struct ike_out *o, struct ike_sa *sa, size_t hash_off, bool zero,
		   uint32_t msgid, const struct ike_view *ni, const struct ike_view *nr);
void ike1_last_free(struct ike1_last *l);
/* The peer's payloads after its first (HASH) one, as they were on the wire. */
bool ike1_rest(const struct ike_msg *m, struct ike_view *rest);
bool ike1_hash_ok(struct ike_sa *sa, const struct ike_msg *m, bool zero, uint32_t msgid,
		  const struct ike_view *ni, const struct ike_view *nr);
const struct ike_pl *ike1_find(const struct ike_msg *m, uint8_t type);
void ike1_sa_dead(struct ike_sa *sa, const char *why);
void ike1_established(struct ike_sa *sa);
void ike1_retransmit_arm(struct ike_sa *sa);
/* An unencrypted or encrypted notify outside of any exchange state: INVALID-*, etc. */
void ike1_send_notify(struct ike_sa *sa, uint16_t type, uint8_t proto, const uint8_t *spi,
		      uint8_t spi_size, const void *data, size_t len);
/* A message ID for a new exchange: random, not 0, not in use. */
uint32_t ike1_msgid_new(struct ike_sa *sa);
/* msgid 0: a new one of ours. */
struct ike1_x *ike1_x_new(struct ike_sa *sa, uint8_t exch, uint32_t msgid, bool initiator);
/* The peer's message, remembered to tell its duplicates. */
void ike1_seen(struct ike1_last *l, const struct ike_msg *m);
void ike1_x_free(struct ike1_x *x);
/* A child SA is freed or moves away: the exchanges forget it. */
void ike1_child_gone(struct ike_child *c);
struct ike1_x *ike1_x_find(struct ike_sa *sa, uint32_t msgid);

/* v1_phase1.c: what main and aggressive mode share. */
int ike1_p1_keys(struct ike_sa *sa, const struct ike_view *peer_ke);
int ike1_id_body(const struct ike_sa *sa, bool local, uint8_t *buf, size_t cap);
bool ike1_peer_id_ok(const struct ike_sa *sa, const struct ike1_id *id);
int ike1_hash_mine(struct ike_sa *sa, const uint8_t *id_b, size_t id_len, uint8_t *out);
bool ike1_hash_peer_ok(struct ike_sa *sa, const struct ike_view *id_b, const struct ike_pl *hash);
void ike1_add_vids(struct ike_out *o);
void ike1_read_vids(struct ike_sa *sa, const struct ike_msg *m);
void ike1_add_natd(struct ike_out *o, struct ike_sa *sa);
void ike1_detect_nat(struct ike_sa *sa, const struct ike_msg *m);
int ike1_p1_ke(struct ike_sa *sa, uint8_t *pub, size_t cap);
struct ike_conn *ike1_conn_for(const struct ike_ep *local, const struct ike_ep *remote,
			       bool aggressive);
void ike1_log_mismatch(struct ike_sa *sa, const struct ike1_sa_pl *peer,
		       const struct ike1_sa_pl *ours);
void ike1_p1_done(struct ike_sa *sa);
struct ike_sa *ike1_p1_responder(struct ike_conn *conn, const struct ike_msg *m,
				 const struct ike_pl *sap, const struct ike1_sa_pl *peer,
				 const struct ike_ep *local, const struct ike_ep *remote,
				 bool aggressive, int *ti);

/* v1_main.c */
/* The nonce and the KE of a message, the KE checked against the group. */
int ike1_p1_nonce_ke(struct ike_sa *sa, const struct ike_msg *m, struct ike_view *nonce,
		     struct ike_view *ke);
/* The initiator's SA payload body, kept for the hashes. */
int ike1_keep_sai(struct ike_sa *sa, const uint8_t *body, size_t len);
bool ike1_store(uint8_t *dst, size_t cap, size_t *len, const struct ike_view *v);
/* The peer's ID and HASH: who it says it is, and that it has the key. */
bool ike1_check_id_hash(struct ike_sa *sa, const struct ike_msg *m);
/* Main mode's last message: IDii, HASH_I or IDir, HASH_R, encrypted. */
int ike1_send_id_hash(struct ike_sa *sa);
int ike1_main_start(struct ike_sa *sa);
void ike1_main_in(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *local,
		  const struct ike_ep *remote);
int ike1_main_r1(const struct ike_msg *m, const struct ike_ep *local,
		 const struct ike_ep *remote);
/* v1_aggr.c */
int ike1_aggr_start(struct ike_sa *sa);
void ike1_aggr_in(struct ike_sa *sa, struct ike_msg *m, const struct ike_ep *local,
		  const struct ike_ep *remote);
int ike1_aggr_r1(const struct ike_msg *m, const struct ike_ep *local,
		 const struct ike_ep *remote);
/* v1_quick.c */
int ike1_quick_start(struct ike_sa *sa, struct ike_child *old);
void ike1_quick_in(struct ike_sa *sa, struct ike_msg *m, struct ike1_x *x);
/* v1_info.c */
void ike1_info_in(struct ike_sa *sa, struct ike_msg *m, struct ike1_x *x);
int ike1_info_send(struct ike_sa *sa, void (*fill)(struct ike_out *o, void *arg), void *arg);
int ike1_delete_child(struct ike_child *c);
int ike1_dpd(struct ike_sa *sa);

#endif /* IKE_IKEV1_H */
