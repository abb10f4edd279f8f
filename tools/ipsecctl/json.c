// SPDX-License-Identifier: GPL-2.0-only
/* Just enough of a JSON writer for -j output, to stdout. */

#include <stdio.h>
#include <inttypes.h>
#include "ipsecctl.h"

static int depth;
static bool need_comma[32];

static void key(const char *k)
{
	if (need_comma[depth])
		putchar(',');
	need_comma[depth] = true;
	if (k)
		printf("\"%s\":", k);
}

static void open_(const char *k, char c)
{
	key(k);
	putchar(c);
	need_comma[++depth] = false;
}

void json_begin_object(const char *k) { open_(k, '{'); }
void json_begin_array(const char *k) { open_(k, '['); }
void json_end_object(void) { depth--; putchar('}'); }
void json_end_array(void) { depth--; putchar(']'); }

void json_str(const char *k, const char *val)
{
	const char *p;

	key(k);
	putchar('"');
	for (p = val; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

void json_u64(const char *k, uint64_t val)
{
	key(k);
	printf("%" PRIu64, val);
}

void json_bool(const char *k, bool val)
{
	key(k);
	fputs(val ? "true" : "false", stdout);
}

void json_finish(void)
{
	putchar('\n');
	need_comma[0] = false;
}
