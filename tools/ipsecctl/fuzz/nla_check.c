// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checked stand-ins for libnl's fixed-size attribute getters, linked into
 * the fuzzers only. libnl is not built with AddressSanitizer, so its own
 * nla_get_u32() of a 0-byte attribute at the end of a message reads past
 * the buffer unseen. These read through the sanitizer and stop the fuzzer
 * when an attribute is shorter than the type it is read as, which a parse
 * with an nla_policy rules out. (nla_get_u64() checks the length itself.)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>

static void check(const struct nlattr *nla, int size, const char *what)
{
	if (nla_len(nla) >= size)
		return;
	fprintf(stderr, "nla_check: attribute type %d of %d bytes read with %s\n",
		nla_type(nla), nla_len(nla), what);
	abort();
}

uint8_t nla_get_u8(const struct nlattr *nla)
{
	uint8_t v;

	check(nla, sizeof(v), __func__);
	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

uint16_t nla_get_u16(const struct nlattr *nla)
{
	uint16_t v;

	check(nla, sizeof(v), __func__);
	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

uint32_t nla_get_u32(const struct nlattr *nla)
{
	uint32_t v;

	check(nla, sizeof(v), __func__);
	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}
