// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the IKE message codec: the input is one IKE
 * message as it would arrive in a UDP datagram (after any non-ESP marker).
 * Whatever decodes must re-encode, whole and payload by payload through the
 * typed encoders, into bytes that decode to the same views; an SK payload's
 * body is taken as its decrypted plaintext and its inner chain decoded and
 * checked the same way (rt_check() in tests/roundtrip.h). A difference
 * aborts, so libFuzzer keeps the input as a crash.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "../codec.h"
#include "../tests/roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_ike: %s\n", why);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = rt_check(data, size);

	if (why)
		fail(why);
	return 0;
}
