/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The words of the IKE configuration, shared by the grammar (conf.y),
 * conf_words.c and conf_print.c: algorithm names, durations, byte counts,
 * IDs and the PSK file.
 * Each parser returns 0, or prints "file:line: what is wrong" through
 * error() (the caller has set the error context) and returns -1.
 */
#ifndef IKE_CONF_WORDS_H
#define IKE_CONF_WORDS_H

#include "conf.h"

enum conf_alg_kind {
	CONF_ENC,
	CONF_AUTH,
	CONF_PRF,
	CONF_GROUP,
};

/* Appends the algorithm named @s to @p's list of @kind; @blk for messages. */
int conf_add_alg(struct ike_prop_conf *p, enum conf_alg_kind kind, const char *s,
		 const char *blk);
/*
 * The same for an ikev1 rule, which also knows the names kept for old
 * IKEv1 peers; @kw names the list in messages (the phase 1 hash is "auth"
 * but kept as a PRF).
 */
int conf_add_alg_v1(struct ike_prop_conf *p, enum conf_alg_kind kind, const char *kw,
		    const char *s, const char *blk);
/* aes-cbc-128, hmac-sha1, modp1024: accepted in ikev1 rules, with a warning. */
bool conf_alg_weak(const char *s);
/* The safe defaults of an "ikesa" (@child false) or "childsa" block. */
void conf_default_algs(struct ike_prop_conf *p, enum conf_alg_kind kind, bool child);
bool conf_encr_is_aead(uint16_t id);

/* N, Ns, Nm, Nh or Nd, in seconds; @zero_ok allows 0 (and "off"). */
int conf_parse_duration(const char *s, const char *what, bool zero_ok, uint64_t *out);
/* N, NK, NM or NG (powers of 1024). */
int conf_parse_bytes(const char *s, const char *what, uint64_t *out);
/* An address, a user@host or an FQDN. */
int conf_parse_id(const char *s, const char *what, struct ike_id_conf *id);
/* psk @FILE: the key from a file only its owner may read. */
int conf_read_psk(const char *path, struct ike_conn *c);

/* A keyword of the grammar: printed in quotes when it is a value. */
bool conf_is_keyword(const char *s);

#endif /* IKE_CONF_WORDS_H */
