/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --export-keys DIR: every IKE and ESP SA's keys in the files tshark reads,
 * DIR/ikev2_decryption_table and DIR/esp_sa. Off unless asked for; while
 * on, anyone who can read DIR can decrypt the traffic.
 */
#ifndef IKE_KEYLOG_H
#define IKE_KEYLOG_H

#include <stdint.h>
#include "../ipsecctl.h"
#include "crypto.h"

struct ike_sa;

int ike_keylog_open(const char *dir);
void ike_keylog_close(void);
void ike_keylog_ike(const struct ike_sa *sa);
/* IKEv1: ikev1_decryption_table's "CKY-I,Ka" (hex, unquoted). */
void ike_keylog_ike1(const struct ike_sa *sa);
void ike_keylog_esp(const struct sa *k, const struct ike_encr_alg *ea, uint16_t integ);

#endif /* IKE_KEYLOG_H */
