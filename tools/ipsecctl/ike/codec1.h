/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKEv1 payload bodies (RFC 2408 3.4-3.15, RFC 2407 4.6, RFC 3947 3):
 * typed views over codec.c's generic chain, and their encoders. Same rules
 * as codec.h: decoding never allocates, every view points into the
 * message, every refusal is an enum ike_err.
 *
 * SA payloads (RFC 2408 3.4-3.6): DOI, situation, then proposals, each
 * with its transforms, each with a list of data attributes (TV when the AF
 * bit is set, TLV otherwise). Proposals with the same number are one
 * conjunctive proposal (AND, RFC 2408 4.2); nfesp only builds and accepts
 * proposals of one protocol each.
 */
#ifndef IKE_CODEC1_H
#define IKE_CODEC1_H

#include <stdbool.h>
#include <stdint.h>
#include "codec.h"

#define IKE1_MAX_ATTRS		16	/* in one transform */
#define IKE1_MAX_TRANSFORMS	64	/* in one SA payload, all proposals together */

struct ike1_attr {
	uint16_t type;		/* without the AF bit */
	bool tlv;		/* variable length on the wire */
	uint64_t val;		/* a TV's value, or a TLV's of 1..8 bytes (big-endian) */
	struct ike_view data;	/* a TLV's value bytes (empty for TV) */
};

struct ike1_transform {
	uint8_t num;
	uint8_t id;		/* KEY_IKE (1) in phase 1; ESP_* (IKEv2 ENCR numbers) in phase 2 */
	unsigned int nattr;
	struct ike1_attr attr[IKE1_MAX_ATTRS];
};

struct ike1_proposal {
	uint8_t num;
	uint8_t protocol;	/* IKE_PROTO_IKE (ISAKMP) or IKE_PROTO_ESP */
	uint8_t spi_size;
	uint8_t spi[16];	/* copied: encoders build proposals from scratch */
	unsigned int first;	/* index of its first transform in ike1_sa_pl.trans */
	unsigned int ntrans;
};

struct ike1_sa_pl {
	uint32_t doi;		/* IKE1_DOI_IPSEC */
	uint32_t situation;	/* IKE1_SIT_IDENTITY_ONLY */
	unsigned int nprop, ntrans;
	struct ike1_proposal prop[IKE_MAX_PROPOSALS];
	struct ike1_transform trans[IKE1_MAX_TRANSFORMS];
};

/* The value of the first attribute of this type: true if present. */
bool ike1_attr_get(const struct ike1_transform *t, uint16_t type, uint64_t *val);
/* Appends an attribute: TV if val < 65536 and !force_tlv, else a 4- or 8-byte TLV. */
int ike1_attr_add(struct ike1_transform *t, uint16_t type, uint64_t val, bool force_tlv);

/* ID (RFC 2407 4.6.2): type, protocol, port, data. */
struct ike1_id {
	uint8_t type;		/* IKE_ID_*, IKE1_ID_* */
	uint8_t proto;		/* 0: any */
	uint16_t port;		/* 0: any */
	struct ike_view data;
};

/* Notification (RFC 2408 3.14): DOI, protocol, SPI size, type, SPI, data. */
struct ike1_notify {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	struct ike_view data;
};

/* Delete (RFC 2408 3.15): DOI, protocol, SPI size, number of SPIs, SPIs. */
struct ike1_delete {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;	/* 16 for ISAKMP (CKY-I | CKY-R), 4 for ESP */
	uint16_t nspi;
	const uint8_t *spis;
};

int ike1_dec_sa(const struct ike_pl *pl, struct ike1_sa_pl *sa);
int ike1_dec_id(const struct ike_pl *pl, struct ike1_id *id);
int ike1_dec_notify(const struct ike_pl *pl, struct ike1_notify *n);
int ike1_dec_delete(const struct ike_pl *pl, struct ike1_delete *d);
/* KE, Nonce, HASH, VID, NAT-D: the body as it is (KE non-empty, a nonce 8..256 bytes). */
int ike1_dec_data(const struct ike_pl *pl, struct ike_view *data);

/* The generic header's type is pl_type: IKE1_PL_SA etc. */
void ike1_enc_sa(struct ike_enc *e, const struct ike1_sa_pl *sa);
void ike1_enc_id(struct ike_enc *e, const struct ike1_id *id);
void ike1_enc_notify(struct ike_enc *e, const struct ike1_notify *n);
void ike1_enc_delete(struct ike_enc *e, const struct ike1_delete *d);
/* KE, Nonce, HASH, VID, NAT-D: a payload of that type with the body given. */
void ike1_enc_data(struct ike_enc *e, uint8_t pl_type, const void *p, size_t len);

#endif /* IKE_CODEC1_H */
