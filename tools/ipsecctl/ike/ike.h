/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IANA numbers of ISAKMP/IKEv1 (RFC 2407, 2408, 2409, 3947, 3706) and IKEv2
 * (RFC 7296 and the "Internet Key Exchange Version 2 (IKEv2) Parameters"
 * registry). Only numbers: no code. Names follow the registries, with an
 * IKE_ (IKEv2) or IKE1_ (IKEv1 only) prefix.
 */
#ifndef IKE_IKE_H
#define IKE_IKE_H

/* The header's version byte: major in the high nibble. */
#define IKE1_MAJOR			1
#define IKE2_MAJOR			2
#define IKE_HDR_LEN			28
#define IKE_PL_HDR_LEN			4
#define IKE_SPI_LEN			8

/* Header flags. */
enum {
	IKE1_FLAG_ENCRYPTION		= 0x01,	/* E: payloads after the header encrypted */
	IKE1_FLAG_COMMIT		= 0x02,	/* C */
	IKE1_FLAG_AUTH_ONLY		= 0x04,	/* A */
	IKE_FLAG_INITIATOR		= 0x08,	/* I: sent by the original initiator */
	IKE_FLAG_VERSION		= 0x10,	/* V: could speak a higher major version */
	IKE_FLAG_RESPONSE		= 0x20,	/* R */
};

/* Generic payload header, byte 1: the critical bit (IKEv2 only). */
#define IKE_PL_CRITICAL			0x80

/* Exchange types. */
enum ike_exchange {
	IKE1_EXCH_BASE			= 1,
	IKE1_EXCH_IDENT_PROT		= 2,	/* main mode */
	IKE1_EXCH_AUTH_ONLY		= 3,
	IKE1_EXCH_AGGRESSIVE		= 4,
	IKE1_EXCH_INFORMATIONAL		= 5,
	IKE1_EXCH_TRANSACTION		= 6,	/* mode config */
	IKE1_EXCH_QUICK			= 32,
	IKE1_EXCH_NEW_GROUP		= 33,
	IKE_EXCH_IKE_SA_INIT		= 34,
	IKE_EXCH_IKE_AUTH		= 35,
	IKE_EXCH_CREATE_CHILD_SA	= 36,
	IKE_EXCH_INFORMATIONAL		= 37,
	IKE_EXCH_IKE_SESSION_RESUME	= 38,
	IKE_EXCH_IKE_INTERMEDIATE	= 43,
};

/* Payload types. IKEv1 1..21 (and drafts' 130..132), IKEv2 33..54. */
enum ike_payload_type {
	IKE_PL_NONE			= 0,
	IKE1_PL_SA			= 1,
	IKE1_PL_PROPOSAL		= 2,
	IKE1_PL_TRANSFORM		= 3,
	IKE1_PL_KE			= 4,
	IKE1_PL_ID			= 5,
	IKE1_PL_CERT			= 6,
	IKE1_PL_CERTREQ			= 7,
	IKE1_PL_HASH			= 8,
	IKE1_PL_SIG			= 9,
	IKE1_PL_NONCE			= 10,
	IKE1_PL_NOTIFY			= 11,
	IKE1_PL_DELETE			= 12,
	IKE1_PL_VID			= 13,
	IKE1_PL_ATTR			= 14,	/* mode config */
	IKE1_PL_NAT_D			= 20,	/* RFC 3947 */
	IKE1_PL_NAT_OA			= 21,
	IKE1_PL_NAT_D_DRAFT		= 130,	/* draft-ietf-ipsec-nat-t-ike-02/03 */
	IKE1_PL_NAT_OA_DRAFT		= 131,
	IKE1_PL_FRAGMENT		= 132,	/* Cisco's IKEv1 fragmentation */
	IKE_PL_SA			= 33,
	IKE_PL_KE			= 34,
	IKE_PL_IDI			= 35,
	IKE_PL_IDR			= 36,
	IKE_PL_CERT			= 37,
	IKE_PL_CERTREQ			= 38,
	IKE_PL_AUTH			= 39,
	IKE_PL_NONCE			= 40,
	IKE_PL_NOTIFY			= 41,
	IKE_PL_DELETE			= 42,
	IKE_PL_VID			= 43,
	IKE_PL_TSI			= 44,
	IKE_PL_TSR			= 45,
	IKE_PL_SK			= 46,
	IKE_PL_CP			= 47,
	IKE_PL_EAP			= 48,
	IKE_PL_GSPM			= 49,	/* RFC 6467 */
	IKE_PL_SKF			= 53,	/* RFC 7383 */
	IKE_PL_PS			= 54,	/* RFC 8019 puzzle solution */
};

/*
 * Notify message types. IKEv2: errors 1..16383 (8192..16383 private),
 * status 16384..65535 (40960..65535 private). IKEv1 shares the error
 * numbers 1..30 and has its own status numbers.
 */
#define IKE_NOTIFY_ERROR_MAX		16383
#define IKE_NOTIFY_ERROR_PRIVATE	8192
#define IKE_NOTIFY_STATUS_MIN		16384
#define IKE_NOTIFY_STATUS_PRIVATE	40960

enum ike_notify_type {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD	= 1,
	IKE_N_INVALID_IKE_SPI			= 4,
	IKE_N_INVALID_MAJOR_VERSION		= 5,
	IKE_N_INVALID_SYNTAX			= 7,
	IKE_N_INVALID_MESSAGE_ID		= 9,
	IKE_N_INVALID_SPI			= 11,
	IKE_N_NO_PROPOSAL_CHOSEN		= 14,
	IKE_N_INVALID_KE_PAYLOAD		= 17,
	IKE_N_AUTHENTICATION_FAILED		= 24,
	IKE_N_SINGLE_PAIR_REQUIRED		= 34,
	IKE_N_NO_ADDITIONAL_SAS			= 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE		= 36,
	IKE_N_FAILED_CP_REQUIRED		= 37,
	IKE_N_TS_UNACCEPTABLE			= 38,
	IKE_N_INVALID_SELECTORS			= 39,
	IKE_N_TEMPORARY_FAILURE			= 43,
	IKE_N_CHILD_SA_NOT_FOUND		= 44,
	IKE_N_INITIAL_CONTACT			= 16384,
	IKE_N_SET_WINDOW_SIZE			= 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE		= 16386,
	IKE_N_IPCOMP_SUPPORTED			= 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP		= 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP	= 16389,
	IKE_N_COOKIE				= 16390,
	IKE_N_USE_TRANSPORT_MODE		= 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED	= 16392,
	IKE_N_REKEY_SA				= 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED	= 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO		= 16395,
	IKE_N_MOBIKE_SUPPORTED			= 16396,
	IKE_N_ADDITIONAL_IP4_ADDRESS		= 16397,
	IKE_N_ADDITIONAL_IP6_ADDRESS		= 16398,
	IKE_N_NO_ADDITIONAL_ADDRESSES		= 16399,
	IKE_N_UPDATE_SA_ADDRESSES		= 16400,
	IKE_N_COOKIE2				= 16401,
	IKE_N_NO_NATS_ALLOWED			= 16402,
	IKE_N_REDIRECT_SUPPORTED		= 16406,	/* RFC 5685 */
	IKE_N_EAP_ONLY_AUTHENTICATION		= 16417,	/* RFC 5998 */
	IKE_N_CHILDLESS_IKEV2_SUPPORTED		= 16418,	/* RFC 6023 */
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED	= 16430,	/* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS		= 16431,	/* RFC 7427 */
	IKE1_N_INVALID_ID_INFORMATION		= 18,	/* IKEv1 only (RFC 2408 3.14.1) */
	/* IKEv1 status (RFC 2407 4.6.3, RFC 3706) */
	IKE1_N_CONNECTED			= 16384,
	IKE1_N_RESPONDER_LIFETIME		= 24576,
	IKE1_N_REPLAY_STATUS			= 24577,
	IKE1_N_INITIAL_CONTACT			= 24578,
	IKE1_N_R_U_THERE			= 36136,
	IKE1_N_R_U_THERE_ACK			= 36137,
};

/* Protocol IDs in proposals, notifies and deletes. */
enum ike_protocol {
	IKE_PROTO_IKE			= 1,	/* IKEv1: PROTO_ISAKMP */
	IKE_PROTO_AH			= 2,
	IKE_PROTO_ESP			= 3,
	IKE1_PROTO_IPCOMP		= 4,
};

/* Transform types (IKEv2). */
enum ike_transform_type {
	IKE_TRANS_ENCR			= 1,
	IKE_TRANS_PRF			= 2,
	IKE_TRANS_INTEG			= 3,
	IKE_TRANS_DH			= 4,	/* "Key Exchange Method" since RFC 9370 */
	IKE_TRANS_ESN			= 5,
};

enum ike_encr {
	IKE_ENCR_DES			= 2,
	IKE_ENCR_3DES			= 3,
	IKE_ENCR_NULL			= 11,
	IKE_ENCR_AES_CBC		= 12,
	IKE_ENCR_AES_CTR		= 13,
	IKE_ENCR_AES_CCM_8		= 14,
	IKE_ENCR_AES_CCM_12		= 15,
	IKE_ENCR_AES_CCM_16		= 16,
	IKE_ENCR_AES_GCM_8		= 18,
	IKE_ENCR_AES_GCM_12		= 19,
	IKE_ENCR_AES_GCM_16		= 20,
	IKE_ENCR_NULL_AUTH_AES_GMAC	= 21,
	IKE_ENCR_CHACHA20_POLY1305	= 28,
};

enum ike_prf {
	IKE_PRF_HMAC_MD5		= 1,
	IKE_PRF_HMAC_SHA1		= 2,
	IKE_PRF_AES128_XCBC		= 4,
	IKE_PRF_HMAC_SHA2_256		= 5,
	IKE_PRF_HMAC_SHA2_384		= 6,
	IKE_PRF_HMAC_SHA2_512		= 7,
	IKE_PRF_AES128_CMAC		= 8,
};

enum ike_integ {
	IKE_INTEG_NONE			= 0,
	IKE_INTEG_HMAC_MD5_96		= 1,
	IKE_INTEG_HMAC_SHA1_96		= 2,
	IKE_INTEG_AES_XCBC_96		= 5,
	IKE_INTEG_AES_CMAC_96		= 8,
	IKE_INTEG_HMAC_SHA2_256_128	= 12,
	IKE_INTEG_HMAC_SHA2_384_192	= 13,
	IKE_INTEG_HMAC_SHA2_512_256	= 14,
};

enum ike_dh_id {	/* not ike_dh: that tag is crypto.h's key pair */
	IKE_DH_NONE			= 0,
	IKE_DH_MODP768			= 1,
	IKE_DH_MODP1024			= 2,
	IKE_DH_MODP1536			= 5,
	IKE_DH_MODP2048			= 14,
	IKE_DH_MODP3072			= 15,
	IKE_DH_MODP4096			= 16,
	IKE_DH_MODP6144			= 17,
	IKE_DH_MODP8192			= 18,
	IKE_DH_ECP256			= 19,
	IKE_DH_ECP384			= 20,
	IKE_DH_ECP521			= 21,
	IKE_DH_CURVE25519		= 31,
	IKE_DH_CURVE448			= 32,
};

enum ike_esn {
	IKE_ESN_NO			= 0,
	IKE_ESN_YES			= 1,
};

/* Transform attributes: the AF bit marks the TV (2-byte value) format. */
#define IKE_ATTR_AF			0x8000
#define IKE_ATTR_KEY_LENGTH		14

/* Identification types (IKEv1 also has the subnet and range types). */
enum ike_id_type {
	IKE_ID_IPV4_ADDR		= 1,
	IKE_ID_FQDN			= 2,
	IKE_ID_RFC822_ADDR		= 3,
	IKE1_ID_IPV4_ADDR_SUBNET	= 4,
	IKE_ID_IPV6_ADDR		= 5,
	IKE1_ID_IPV6_ADDR_SUBNET	= 6,
	IKE1_ID_IPV4_ADDR_RANGE		= 7,
	IKE1_ID_IPV6_ADDR_RANGE		= 8,
	IKE_ID_DER_ASN1_DN		= 9,
	IKE_ID_DER_ASN1_GN		= 10,
	IKE_ID_KEY_ID			= 11,
	IKE_ID_NULL			= 13,	/* RFC 7619 */
};

/* Authentication methods (IKEv2 AUTH payload). */
enum ike_auth_method {
	IKE_AUTH_RSA_SIG		= 1,
	IKE_AUTH_PSK			= 2,
	IKE_AUTH_DSS_SIG		= 3,
	IKE_AUTH_ECDSA_256		= 9,
	IKE_AUTH_ECDSA_384		= 10,
	IKE_AUTH_ECDSA_521		= 11,
	IKE_AUTH_DIGITAL_SIGNATURE	= 14,	/* RFC 7427 */
};

/* Traffic selector types. */
enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE		= 7,
	IKE_TS_IPV6_ADDR_RANGE		= 8,
};

#define IKE_TS_IPV4_LEN			16
#define IKE_TS_IPV6_LEN			40
/* Start port 65535 and end port 0: OPAQUE ports (RFC 7296 3.13.1). */
#define IKE_TS_PORT_OPAQUE_START	65535
#define IKE_TS_PORT_OPAQUE_END		0

/* Configuration payload types. */
enum ike_cfg_type {
	IKE_CFG_REQUEST			= 1,
	IKE_CFG_REPLY			= 2,
	IKE_CFG_SET			= 3,
	IKE_CFG_ACK			= 4,
};

/*
 * IKEv1: the IPsec DOI (RFC 2407), phase 1 SA attributes (RFC 2409 App. A)
 * and phase 2 SA attributes (RFC 2407 4.5, RFC 3947 for UDP encapsulation).
 * Attribute values that are IKEv2 numbers too (DH groups) are not repeated.
 */
#define IKE1_DOI_IPSEC			1
#define IKE1_SIT_IDENTITY_ONLY		1
#define IKE1_TRANSFORM_KEY_IKE		1	/* the phase 1 transform ID */

enum ike1_p1_attr {
	IKE1_A_ENCRYPTION		= 1,
	IKE1_A_HASH			= 2,
	IKE1_A_AUTH_METHOD		= 3,
	IKE1_A_GROUP_DESC		= 4,	/* an IKE_DH_* value */
	IKE1_A_LIFE_TYPE		= 11,
	IKE1_A_LIFE_DURATION		= 12,
	IKE1_A_KEY_LENGTH		= 14,
};

enum {
	IKE1_ENC_DES_CBC		= 1,
	IKE1_ENC_3DES_CBC		= 5,
	IKE1_ENC_AES_CBC		= 7,
	IKE1_HASH_MD5			= 1,
	IKE1_HASH_SHA1			= 2,
	IKE1_HASH_SHA2_256		= 4,
	IKE1_HASH_SHA2_384		= 5,
	IKE1_HASH_SHA2_512		= 6,
	IKE1_AUTH_PSK			= 1,
	IKE1_AUTH_DSS_SIG		= 2,
	IKE1_AUTH_RSA_SIG		= 3,
	IKE1_LIFE_SECONDS		= 1,
	IKE1_LIFE_KILOBYTES		= 2,
};

enum ike1_p2_attr {
	IKE1_A_SA_LIFE_TYPE		= 1,
	IKE1_A_SA_LIFE_DURATION		= 2,
	IKE1_A_SA_GROUP_DESC		= 3,
	IKE1_A_ENCAP_MODE		= 4,
	IKE1_A_AUTH_ALG			= 5,
	IKE1_A_SA_KEY_LENGTH		= 6,
};

enum {
	IKE1_ENCAP_TUNNEL		= 1,
	IKE1_ENCAP_TRANSPORT		= 2,
	IKE1_ENCAP_UDP_TUNNEL		= 3,	/* RFC 3947 */
	IKE1_ENCAP_UDP_TRANSPORT	= 4,
	IKE1_AUTH_ALG_HMAC_SHA1		= 2,
	IKE1_AUTH_ALG_HMAC_SHA2_256	= 5,
	IKE1_AUTH_ALG_HMAC_SHA2_384	= 6,
	IKE1_AUTH_ALG_HMAC_SHA2_512	= 7,
};

/* IKEv1 ESP transform IDs share IKEv2's ENCR numbers (IKE_ENCR_*). */

/* Nonce length limits (RFC 7296 3.9). */
#define IKE_NONCE_MIN			16
#define IKE_NONCE_MAX			256

#endif /* IKE_IKE_H */
