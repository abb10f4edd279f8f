// SPDX-License-Identifier: GPL-2.0-only
/*
 * -j output through jansson: each document one line on stdout (NDJSON),
 * flushed, so that a batch (-f) or the monitor is read one line at a time.
 * The values that have one form everywhere: SPIs, addresses, counters and
 * the time of an event. The schema is in ipsecctl(8), JSON OUTPUT.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ipsecctl.h"

/*
 * jansson's integers stop at 2^63 - 1; a counter or an owner tag goes to
 * 2^64 - 1. Such a number is held as a string with this prefix (a control
 * character no string from the kernel has) and printed bare, as digits.
 */
#define U64_MARK "\\u0001u64:"

static void put_doc(const char *s)
{
	const char *m, *e;

	while ((m = strstr(s, "\"" U64_MARK)) != NULL) {
		e = m + 1 + strlen(U64_MARK);
		e += strspn(e, "0123456789");
		if (*e != '"') {	/* not ours: as it is */
			fwrite(s, 1, e - s, stdout);
			s = e;
			continue;
		}
		fwrite(s, 1, m - s, stdout);
		m += 1 + strlen(U64_MARK);
		fwrite(m, 1, e - m, stdout);
		s = e + 1;
	}
	fputs(s, stdout);
}

void json_emit(json_t *doc)
{
	char *s;

	if (!doc) {
		error("out of memory");
		return;
	}
	/* Strings are checked UTF-8 on the way in; JSON_ENSURE_ASCII escapes. */
	s = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!s) {
		error("out of memory");
		return;
	}
	put_doc(s);
	putchar('\n');
	fflush(stdout);
	free(s);
}

json_t *json_u64(uint64_t v)
{
	char buf[32];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof(buf), "\001u64:%" PRIu64, v);
	return json_string(buf);
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
