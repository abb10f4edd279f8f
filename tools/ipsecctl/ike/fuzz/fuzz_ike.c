// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the IKE message codec: the input is one IKE
 * message as it would arrive in a UDP datagram (after any non-ESP marker).
 * Whatever decodes must re-encode, whole and payload by payload through the
 * typed encoders, into bytes that decode to the same views; an SK payload's
 * body is taken as its decrypted plaintext and its inner chain decoded and
 * checked the same way (rt_check() in tests/roundtrip.h). An IKEv1
 * message with the E flag is also decrypted by ike1_open() under a fixed
 * key and IV, its plaintext's chain decoded, and the plaintext sealed
 * again by ike1_seal(), which must give back the input's bytes and IV. A
 * difference aborts, so libFuzzer keeps the input as a crash.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../codec.h"
#include "../codec1.h"
#include "../protect1.h"
#include "../tests/roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_ike: %s\n", why);
	abort();
}

#define MSG_MAX	65536

/* Decrypt, decode the plaintext's chain, re-encrypt: the same bytes again. */
static void v1_open(const uint8_t *data, size_t size)
{
	static uint8_t plain[MSG_MAX], again[MSG_MAX];
	static struct ike1_keys k;
	struct ike1_iv iv = { { 0 }, 16 }, iv2;
	struct ike_msg m;
	size_t plen;

	if (ike_decode(data, size, &m) != IKE_OK || m.hdr.major != IKE1_MAJOR || !m.encrypted.p)
		return;
	if (!k.encr) {
		k.prf = ike_prf_alg(IKE_PRF_HMAC_SHA2_256);
		k.encr = ike_encr_alg(IKE_ENCR_AES_CBC, 128);
		k.md = "SHA256";
		memset(k.ka, 0x4b, sizeof(k.ka));
	}
	iv2 = iv;
	if (ike1_open(&m, &k, &iv, plain, sizeof(plain), &plen))
		return;
	if (plen != m.encrypted.len || memcmp(iv.b, data + size - 16, 16))
		fail("ike1_open: wrong length or next IV");
	ike_decode_inner(&m, m.hdr.next, plain, plen);
	memcpy(again, data, IKE_HDR_LEN);
	memcpy(again + IKE_HDR_LEN, plain, plen);
	if (ike1_seal(&k, &iv2, again, size, sizeof(again)) != (int)size ||
	    memcmp(again, data, size) || memcmp(iv2.b, iv.b, 16))
		fail("ike1_seal does not give back what ike1_open opened");
}

/*
 * IKEv1: each payload of a message that decodes goes through its typed
 * decoder (codec1.c); what decodes must encode back into a body that
 * decodes to the same SA.
 */
static void ikev1_payloads(const uint8_t *data, size_t size)
{
	static struct ike1_sa_pl sa, sb;
	static uint8_t out[65536];
	struct ike1_notify n;
	struct ike1_delete d;
	struct ike_msg m, m2;
	struct ike1_id id;
	struct ike_view v;
	struct ike_wbuf w;
	struct ike_enc e;
	unsigned int i;

	if (ike_decode(data, size, &m) || m.hdr.major != IKE1_MAJOR)
		return;
	for (i = 0; i < m.npl; i++) {
		ike1_dec_id(&m.pl[i], &id);
		ike1_dec_notify(&m.pl[i], &n);
		ike1_dec_delete(&m.pl[i], &d);
		ike1_dec_data(&m.pl[i], &v);
		if (ike1_dec_sa(&m.pl[i], &sa))
			continue;
		ike_wbuf_init(&w, out, sizeof(out));
		ike_enc_begin(&e, &w, &m.hdr);
		ike1_enc_sa(&e, &sa);
		if (ike_enc_end(&e))
			fail("IKEv1 SA decoded but does not encode");
		if (ike_decode(out, w.len, &m2) || m2.npl != 1 || ike1_dec_sa(&m2.pl[0], &sb))
			fail("IKEv1 SA encoded but does not decode");
		if (sb.nprop != sa.nprop || sb.ntrans != sa.ntrans ||
		    m2.pl[0].body.len != m.pl[i].body.len)
			fail("IKEv1 SA differs after a round trip");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = rt_check(data, size);

	if (why)
		fail(why);
	v1_open(data, size);
	ikev1_payloads(data, size);
	return 0;
}
