/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SA payloads from the configuration and back (RFC 7296 2.7, 3.3).
 *
 * What we offer is built from an "ikesa" or "childsa" block in its order.
 * AEADs and other ciphers never share a proposal (RFC 5282 8): the AEADs
 * make proposal #1, the rest, with the integrity algorithms, #2.
 *
 * As responder we take the peer's first acceptable proposal, in its order,
 * and in it the first transform of each type that we configured, also in
 * the peer's order (but the group of its KE first). As RFC 7296 3.3.6
 * says, a transform we do not know (ID or attribute) is skipped alone; a
 * transform type we do not know, or one that does not belong to the
 * protocol, makes the whole proposal unacceptable.
 *
 * ESN: we propose and accept only "no extended sequence numbers", although
 * the module could do ESN; an ESP proposal without an ESN transform is
 * taken to mean "no ESN". With an AEAD, an integrity transform may be
 * absent or NONE; with other ciphers it is required.
 */
#ifndef IKE_PROPOSAL_H
#define IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "conf.h"

/* The transforms of one negotiated SA; 0 is none (dh: no PFS, esn: no ESN). */
struct ike_chosen {
	uint16_t encr, encr_keybits, integ, prf, dh, esn;
};

/* A combined mode cipher, which takes no integrity transform. */
bool ike_encr_is_aead(uint16_t id);

/*
 * An SA payload from a configured block: for IKE_PROTO_IKE encr, prf,
 * integ (not with AEADs) and dh, with spi_size 0 in IKE_SA_INIT or 8 in a
 * rekey; for IKE_PROTO_ESP encr, integ (not with AEADs), dh only if PFS
 * groups are configured, ESN "no", with spi_size 4. The proposals point at
 * spi, which must outlive out. A non-AEAD proposal without integrity
 * algorithms is left out (conf.y refuses such a block). The child SA of
 * IKE_AUTH has no KE (RFC 7296 1.2): build it from a copy with ndh = 0.
 */
void ike_prop_build(struct ike_sa_pl *out, const struct ike_prop_conf *pc, uint8_t protocol,
		    const uint8_t *spi, uint8_t spi_size);

/* Flags of ike_prop_select_flags(). */
enum {
	/*
	 * ESP only: ignore transforms of type DH in the peer's proposals and
	 * choose no group, for the child SA of IKE_AUTH, which has no KE
	 * (RFC 7296 1.2), whatever PFS groups the block lists.
	 */
	IKE_PROP_SKIP_DH	= 1 << 0,
};

/*
 * Responder: the index in peer->prop of the peer's first proposal of this
 * protocol that is acceptable, with what was chosen in *out; -1 if none
 * (NO_PROPOSAL_CHOSEN). ke_group_hint is the group of the peer's KE (0 if
 * none): chosen if the proposal has it and we configured it. If the
 * proposal is acceptable only with another of our groups, out->dh is that
 * one and out->dh != ke_group_hint tells the caller to answer
 * INVALID_KE_PAYLOAD with it. For IKE an SPI size of 0 or 8 is taken, for
 * ESP 4; the caller checks which it expected.
 */
int ike_prop_select(const struct ike_sa_pl *peer, const struct ike_prop_conf *pc,
		    uint8_t protocol, uint16_t ke_group_hint, struct ike_chosen *out);
int ike_prop_select_flags(const struct ike_sa_pl *peer, const struct ike_prop_conf *pc,
			  uint8_t protocol, uint16_t ke_group_hint, unsigned int flags,
			  struct ike_chosen *out);

/*
 * Initiator: the responder's answer is one proposal, numbered as one we
 * offered, of our protocol and SPI size, with one transform of each type
 * that proposal needs, each of which we offered in it. A transform type
 * we offered only NONE of may be absent, and one we did not offer may be
 * there as NONE. 0, or -1 with a reason for the log in *why. That out->dh
 * is the group of our KE is for the caller to check.
 */
int ike_prop_accept(const struct ike_sa_pl *resp, const struct ike_sa_pl *offered,
		    uint8_t protocol, struct ike_chosen *out, const char **why);

/* The responder's answer: the peer's proposal number, the chosen transforms, our SPI. */
void ike_prop_reply(struct ike_sa_pl *out, const struct ike_chosen *c, uint8_t protocol,
		    uint8_t propnum, const uint8_t *spi, uint8_t spi_size);

/*
 * "aes-gcm-256/hmac-sha256/curve25519" (IKE: encr[/integ]/prf/dh), or
 * "aes-cbc-256/hmac-sha256-128/modp2048" (ESP: encr[/integ][/dh][/esn]).
 * Returns buf.
 */
const char *ike_chosen_str(const struct ike_chosen *c, uint8_t protocol, char *buf,
			   size_t len);

/*
 * For NO_PROPOSAL_CHOSEN: one line per proposal, the peer's and ours side
 * by side, "received: #1 ESP aes-gcm-128/no-esn | configured: #1 ESP
 * aes-gcm-256/no-esn", "-" for a side that has no more. Transform types
 * are separated by "/", alternatives by ","; unknown IDs as "encr#99".
 */
void ike_prop_log_mismatch(const struct ike_sa_pl *peer, const struct ike_sa_pl *ours,
			   void (*line)(void *arg, const char *text), void *arg);

/* Proposal i's SPI: false if i is out of range or its SPI is not 4 (8) bytes. */
bool ike_prop_esp_spi(const struct ike_sa_pl *sa, unsigned int i, uint32_t *spi);
bool ike_prop_ike_spi(const struct ike_sa_pl *sa, unsigned int i, uint8_t spi[IKE_SPI_LEN]);

#endif /* IKE_PROPOSAL_H */
