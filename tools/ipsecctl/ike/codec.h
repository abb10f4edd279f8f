/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE message codec, for IKEv2 (RFC 7296) and the generic layer of
 * ISAKMP/IKEv1 (RFC 2408): bytes in, a read-only view out.
 *
 * Decoding never allocates and never writes anywhere but the struct it is
 * given; every view points into the caller's datagram, which must outlive
 * it. ike_decode() checks the header and the chain of generic payloads;
 * the typed decoders (ike_dec_*) check one payload's body each. Every
 * refusal is a distinct enum ike_err, named by ike_strerror(); after one,
 * the output struct holds partial results and is not to be used (but for
 * ike_msg's bad_type and bad_off). Unknown payloads without the critical
 * bit stay in the chain, for the caller to skip (RFC 7296 2.5).
 *
 * Encoding appends to an ike_wbuf: ike_enc_begin() writes the header, each
 * ike_enc_*() one payload, back-patching the previous payload's next
 * payload field and its own length, and ike_enc_end() the message length.
 *
 * IKEv2 SK/SKF (and an IKEv1 message with the E flag) end the chain: what
 * follows is ciphertext, the caller's business. Once decrypted, the inner
 * payloads are added with ike_decode_inner().
 */
#ifndef IKE_CODEC_H
#define IKE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "ike.h"

#define IKE_MAX_PAYLOADS	64	/* in one message, inner ones included */
#define IKE_MAX_PROPOSALS	16	/* in one SA payload */
#define IKE_MAX_TRANSFORMS	128	/* in one SA payload, all proposals together */
#define IKE_MAX_TS		16	/* in one TSi or TSr */
#define IKE_MAX_CP_ATTRS	32	/* in one CP */
#define IKE1_MAX_TRAILER	3	/* pad bytes after an IKEv1 chain (ikepad: to 4) */

enum ike_err {
	IKE_OK = 0,
	IKE_E_HDR_TRUNC,
	IKE_E_VERSION,
	IKE_E_MSG_LEN,
	IKE_E_PL_HDR_TRUNC,
	IKE_E_PL_SHORT,
	IKE_E_PL_PAST_END,
	IKE_E_TRAILING,
	IKE_E_TOO_MANY,
	IKE_E_CRITICAL,
	IKE_E_WRONG_TYPE,
	IKE_E_BODY_SHORT,
	IKE_E_PROP_LEN,
	IKE_E_PROP_MORE,
	IKE_E_PROP_SPI,
	IKE_E_PROP_NTRANS,
	IKE_E_TOO_MANY_PROPS,
	IKE_E_XFORM_LEN,
	IKE_E_XFORM_MORE,
	IKE_E_TOO_MANY_XFORMS,
	IKE_E_ATTR_LEN,
	IKE_E_NONCE_LEN,
	IKE_E_ID_LEN,
	IKE_E_NOTIFY_SPI,
	IKE_E_DELETE_LEN,
	IKE_E_TS_COUNT,
	IKE_E_TS_LEN,
	IKE_E_TS_RANGE,
	IKE_E_TOO_MANY_TS,
	IKE_E_CP_ATTR_LEN,
	IKE_E_TOO_MANY_CP_ATTRS,
	IKE_E_FRAG_NUM,
	IKE_E_NOSPACE,
	IKE_E_TOO_LONG,
	IKE_E_ENC_ORDER,
	IKE_E_ENC_ARG,
	IKE_E_V1_NESTED,
	IKE_E_NONCE1_LEN,
	IKE_E_TOO_MANY_ATTRS,
	IKE_E_COUNT		/* not an error: how many there are */
};

/* A short name for logs, e.g. "payload length past end of message". */
const char *ike_strerror(int err);

/* Bytes somewhere in a message. */
struct ike_view {
	const uint8_t *p;
	size_t len;
};

struct ike_hdr {
	uint8_t spi_i[IKE_SPI_LEN];
	uint8_t spi_r[IKE_SPI_LEN];
	uint8_t next;		/* the first payload's type */
	uint8_t major, minor;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

/* One payload of the chain. */
struct ike_pl {
	uint8_t type;
	uint8_t next;		/* its next payload field; for SK/SKF the first inner type */
	bool critical;		/* IKEv2 only */
	bool inner;		/* added by ike_decode_inner(): was inside SK/SKF */
	struct ike_view body;	/* after the 4-byte generic header */
};

struct ike_msg {
	struct ike_hdr hdr;
	struct ike_view raw;		/* the whole message */
	unsigned int npl;
	struct ike_pl pl[IKE_MAX_PAYLOADS];
	struct ike_view encrypted;	/* IKEv1 with the E flag: all after the header */
	struct ike_view trailer;	/* IKEv1: up to 3 bytes after the chain (Libreswan pads) */
	/* Where decoding stopped, for logs and for the answer to send. */
	uint8_t bad_type;		/* IKE_E_CRITICAL: the unsupported payload's type */
	size_t bad_off;			/* offset in raw (or in the inner chain) of the fault */
};

/*
 * The header and the payload chain, IKEv1 or IKEv2 by the major version
 * (IKE_E_VERSION for others, so that the caller can answer
 * INVALID_MAJOR_VERSION). IKE_E_CRITICAL leaves the type in m->bad_type.
 */
int ike_decode(const uint8_t *p, size_t len, struct ike_msg *m);
/* The payloads that were inside SK/SKF, first of type first, appended to m. */
int ike_decode_inner(struct ike_msg *m, uint8_t first, const uint8_t *p, size_t len);
/* The first payload of this type at or after index *from (then moved past it). */
const struct ike_pl *ike_msg_find(const struct ike_msg *m, uint8_t type, unsigned int *from);
/* Is this a payload type ike_decode() knows for the message's version? */
bool ike_pl_known(uint8_t major, uint8_t type);

/* Typed views of IKEv2 payload bodies. */
struct ike_transform {
	uint8_t type;		/* IKE_TRANS_* */
	uint16_t id;
	uint16_t keylen;	/* bits, from the key length attribute; 0 if absent */
	bool unknown_attr;	/* an attribute other than key length: reject this one */
};

struct ike_proposal {
	uint8_t num;
	uint8_t protocol;	/* IKE_PROTO_* */
	uint8_t spi_size;
	const uint8_t *spi;
	unsigned int first;	/* index of its first transform in ike_sa_pl.trans */
	unsigned int ntrans;
};

struct ike_sa_pl {
	unsigned int nprop, ntrans;
	struct ike_proposal prop[IKE_MAX_PROPOSALS];
	struct ike_transform trans[IKE_MAX_TRANSFORMS];
};

struct ike_ke {
	uint16_t group;
	struct ike_view data;
};

/* IDi, IDr; AUTH; CERT, CERTREQ: a type byte and data. */
struct ike_id {
	uint8_t type;
	struct ike_view data;
};

struct ike_auth {
	uint8_t method;
	struct ike_view data;
};

struct ike_cert {
	uint8_t encoding;
	struct ike_view data;
};

struct ike_notify {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	struct ike_view data;
};

struct ike_delete {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t nspi;
	const uint8_t *spis;	/* nspi * spi_size bytes */
};

struct ike_ts {
	uint8_t type;		/* IKE_TS_*; others kept as body only */
	uint8_t proto;
	uint16_t sport, eport;
	uint8_t alen;		/* 4 or 16; 0 for an unknown type */
	const uint8_t *start, *end;
	struct ike_view body;	/* after type, protocol and length */
};

struct ike_ts_pl {
	unsigned int n;
	struct ike_ts ts[IKE_MAX_TS];
};

/* SK or SKF: the rest (IV, ciphertext, ICV) is for the caller. */
struct ike_sk {
	uint8_t inner;		/* the first inner payload's type */
	bool frag;
	uint16_t frag_num, frag_total;
	struct ike_view data;
};

struct ike_cp_attr {
	uint16_t type;		/* without the reserved top bit */
	struct ike_view value;
};

struct ike_cp {
	uint8_t cfg_type;
	unsigned int n;
	struct ike_cp_attr attr[IKE_MAX_CP_ATTRS];
};

int ike_dec_sa(const struct ike_pl *pl, struct ike_sa_pl *sa);
int ike_dec_ke(const struct ike_pl *pl, struct ike_ke *ke);
int ike_dec_nonce(const struct ike_pl *pl, struct ike_view *nonce);
int ike_dec_id(const struct ike_pl *pl, struct ike_id *id);
int ike_dec_auth(const struct ike_pl *pl, struct ike_auth *auth);
int ike_dec_cert(const struct ike_pl *pl, struct ike_cert *cert);
int ike_dec_notify(const struct ike_pl *pl, struct ike_notify *n);
int ike_dec_delete(const struct ike_pl *pl, struct ike_delete *d);
int ike_dec_ts(const struct ike_pl *pl, struct ike_ts_pl *ts);
int ike_dec_sk(const struct ike_pl *pl, struct ike_sk *sk);
int ike_dec_vid(const struct ike_pl *pl, struct ike_view *vid);
int ike_dec_cp(const struct ike_pl *pl, struct ike_cp *cp);

/* Encoding state: one message being written into w. */
struct ike_enc {
	struct ike_wbuf *w;
	size_t start;		/* of the header */
	size_t next_off;	/* the next payload field to patch; SIZE_MAX after SK */
	size_t pl_off;		/* of the open payload's header */
	int err;
};

void ike_enc_begin(struct ike_enc *e, struct ike_wbuf *w, const struct ike_hdr *h);
/*
 * A bare chain of payloads, without a header: the plaintext of an SK
 * payload. ike_enc_chain_end() gives the chain and its first payload's
 * type; the ike_enc_*() payload functions work as in a message.
 */
void ike_enc_chain_begin(struct ike_enc *e, struct ike_wbuf *w);
int ike_enc_chain_end(struct ike_enc *e, struct ike_view *chain, uint8_t *first);
/* Open a payload: its generic header, the previous next payload field patched. */
void ike_enc_pl_begin(struct ike_enc *e, uint8_t type, bool critical);
/* Close it: its length patched. */
void ike_enc_pl_end(struct ike_enc *e);
/* The message length patched; IKE_OK or the first error. */
int ike_enc_end(struct ike_enc *e);

void ike_enc_raw(struct ike_enc *e, uint8_t type, bool critical, const struct ike_view *body);
void ike_enc_sa(struct ike_enc *e, const struct ike_sa_pl *sa);
void ike_enc_ke(struct ike_enc *e, const struct ike_ke *ke);
void ike_enc_nonce(struct ike_enc *e, const struct ike_view *nonce);
void ike_enc_id(struct ike_enc *e, uint8_t pl_type, const struct ike_id *id);
void ike_enc_auth(struct ike_enc *e, const struct ike_auth *auth);
void ike_enc_cert(struct ike_enc *e, uint8_t pl_type, const struct ike_cert *cert);
void ike_enc_notify(struct ike_enc *e, const struct ike_notify *n);
void ike_enc_delete(struct ike_enc *e, const struct ike_delete *d);
void ike_enc_ts(struct ike_enc *e, uint8_t pl_type, const struct ike_ts_pl *ts);
void ike_enc_vid(struct ike_enc *e, const struct ike_view *vid);
void ike_enc_cp(struct ike_enc *e, const struct ike_cp *cp);
/* SK or SKF, the last payload: nothing may follow. */
void ike_enc_sk(struct ike_enc *e, const struct ike_sk *sk);

/*
 * A whole message from a decoded one: header and the outer payloads
 * (inner ones are in the SK ciphertext), or the IKEv1 encrypted body.
 */
int ike_encode(struct ike_wbuf *w, const struct ike_msg *m);

#endif /* IKE_CODEC_H */
