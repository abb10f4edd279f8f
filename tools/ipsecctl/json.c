// SPDX-License-Identifier: GPL-2.0-only
/*
 * -j output through jansson: each document one line on stdout (NDJSON),
 * flushed, so that a batch (-f) or the monitor is read one line at a time.
 * The values that have one form everywhere: SPIs, addresses, counters and
 * the time of an event. The schema is in ipsecctl(8), JSON OUTPUT.
 */

#include <stdio.h>
#include <time.h>
#include "ipsecctl.h"

void json_emit(json_t *doc)
{
	if (!doc) {
		error("out of memory");
		return;
	}
	/* Strings are checked UTF-8 on the way in; JSON_ENSURE_ASCII escapes. */
	json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	putchar('\n');
	fflush(stdout);
	json_decref(doc);
}

/* Counters go up to 2^64 - 1; JSON integers in jansson to 2^63 - 1. */
json_t *json_u64(uint64_t v)
{
	if (v > INT64_MAX)
		return json_real((double)v);
	return json_integer((json_int_t)v);
}

/* An SPI is the string "0x%08x", as in the text output and as it is typed. */
json_t *json_spi(uint32_t spi)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%08x", spi);
	return json_string(buf);
}

json_t *json_addr(const struct addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	return json_string(addr_str(a, buf, sizeof(buf)));
}

/* ISO 8601, UTC, to the millisecond: 2026-11-30T08:53:40.123Z. */
void time_now_str(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

json_t *json_time_now(void)
{
	char buf[40];

	time_now_str(buf, sizeof(buf));
	return json_string(buf);
}
