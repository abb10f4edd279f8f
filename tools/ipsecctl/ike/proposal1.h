/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IKEv1 SA payloads from the configuration and back: phase 1 (RFC 2409
 * 5, Appendix A) and quick mode (RFC 2407 4.4-4.5, RFC 3947 for the UDP
 * encapsulation modes).
 *
 * Phase 1: one ISAKMP proposal whose transforms (KEY_IKE) are every
 * combination of the "main"/"aggressive" block's enc x auth x group, in
 * the block's order (enc outermost), each with the authentication method
 * (pre-shared key) and the lifetime in seconds. Aggressive mode offers
 * only the block's first group: its KE goes out with the offer.
 *
 * Quick mode: for each combination of the "quick" block's enc x auth, an
 * ESP proposal of one transform (ID = the IKEv2 ENCR number, key length
 * attribute, auth algorithm attribute unless AEAD, encapsulation mode,
 * lifetime in seconds and, if configured, kilobytes, the PFS group if
 * any), numbered 1, 2, ... Our SPI in each.
 *
 * Responder: the peer's first acceptable transform, in the peer's order.
 * Unknown attributes make that transform unacceptable (RFC 2409 5: the
 * responder must not change attributes); lifetimes are accepted whatever
 * they are (the shorter of the peer's and ours is used).
 */
#ifndef IKE_PROPOSAL1_H
#define IKE_PROPOSAL1_H

#include <stdbool.h>
#include <stdint.h>
#include "codec1.h"
#include "conf.h"
#include "proposal.h"

struct ike1_p1 {
	struct ike_chosen alg;	/* encr (IKE_ENCR_AES_CBC), encr_keybits, prf (IKE_PRF_HMAC_*), dh */
	uint8_t auth_method;	/* IKE1_AUTH_PSK */
	uint64_t life_s;	/* 0: none given */
};

struct ike1_p2 {
	struct ike_chosen alg;	/* encr, encr_keybits, integ (IKE_INTEG_*, 0 with AEAD), dh (PFS, 0: none) */
	uint16_t encap;		/* IKE1_ENCAP_* as on the wire (or draft values, see below: 16 bits) */
	uint32_t spi;		/* the proposal's SPI, host order */
	uint64_t life_s, life_kb;	/* 0: none given */
};

/* Draft NAT-T encapsulation values (draft-ietf-ipsec-nat-t-ike-02/03), which strongSwan and Libreswan accept. */
#define IKE1_ENCAP_UDP_TUNNEL_DRAFT	61443
#define IKE1_ENCAP_UDP_TRANSPORT_DRAFT	61444

/* Phase 1 offer: see above. life_s the configured IKE lifetime. */
void ike1_p1_build(struct ike1_sa_pl *out, const struct ike_prop_conf *pc, uint64_t life_s,
		   bool aggressive);
/*
 * Responder: the index (in peer->trans) of the first acceptable
 * transform of the peer's first ISAKMP proposal, its meaning in *out;
 * -1 if none. ke_group: aggressive mode's KE group (the transform must
 * have it), 0 in main mode.
 */
int ike1_p1_select(const struct ike1_sa_pl *peer, const struct ike_prop_conf *pc,
		   uint16_t ke_group, struct ike1_p1 *out);
/* The answer: the peer's proposal with only transform ti, attributes as the peer sent them. */
void ike1_p1_reply(struct ike1_sa_pl *out, const struct ike1_sa_pl *peer, int ti);
/* Initiator: the answer is one transform equal to one we offered. 0, or -1 with *why. */
int ike1_p1_accept(const struct ike1_sa_pl *resp, const struct ike1_sa_pl *offered,
		   struct ike1_p1 *out, const char **why);

/*
 * Quick mode offer: see above. encap: IKE1_ENCAP_TUNNEL/TRANSPORT, or the
 * UDP ones (RFC 3947) behind a NAT. life_kb 0: no kilobyte lifetime.
 */
void ike1_p2_build(struct ike1_sa_pl *out, const struct ike_prop_conf *pc, uint32_t spi,
		   uint8_t encap, uint64_t life_s, uint64_t life_kb);
/*
 * Responder: the index in peer->prop of the first acceptable ESP
 * proposal (its first acceptable transform's meaning and the peer's SPI
 * in *out, transform index in *ti); -1 if none. encap: what the mode and
 * NAT say it must be (the draft values are taken for the RFC ones); pfs:
 * the group of the peer's KE, 0 if it sent none (then the transform must
 * have no group, or the proposal is not acceptable).
 */
int ike1_p2_select(const struct ike1_sa_pl *peer, const struct ike_prop_conf *pc,
		   uint8_t encap, uint16_t pfs, struct ike1_p2 *out, int *ti);
/* The answer: the peer's proposal pi with only transform ti, our SPI. */
void ike1_p2_reply(struct ike1_sa_pl *out, const struct ike1_sa_pl *peer, int pi, int ti,
		   uint32_t our_spi);
/* Initiator: one ESP proposal, one transform we offered; the peer's SPI in out->spi. */
int ike1_p2_accept(const struct ike1_sa_pl *resp, const struct ike1_sa_pl *offered,
		   struct ike1_p2 *out, const char **why);

/* For NO-PROPOSAL-CHOSEN: as ike_prop_log_mismatch(), v1 transforms named by their attributes. */
void ike1_prop_log_mismatch(const struct ike1_sa_pl *peer, const struct ike1_sa_pl *ours,
			    void (*line)(void *arg, const char *text), void *arg);

#endif /* IKE_PROPOSAL1_H */
