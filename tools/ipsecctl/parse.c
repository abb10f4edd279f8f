// SPDX-License-Identifier: GPL-2.0-only
/* Words of the grammar: addresses, prefixes, numbers, ports, keys. */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <linux/nfesp.h>
#include "ipsecctl.h"

static const char *error_context;

void warning(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	if (error_context)
		fprintf(stderr, "%s: ", error_context);
	fprintf(stderr, "warning: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void set_error_context(const char *ctx)
{
	error_context = ctx;
}

int error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	if (error_context)
		fprintf(stderr, "%s: ", error_context);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

const char *next_word(struct args *a, const char *what)
{
	if (a->i >= a->argc) {
		error("missing %s", what);
		return NULL;
	}
	return a->argv[a->i++];
}

/* The next word, or NULL at the end: for loops over optional words. */
const char *more_words(struct args *a)
{
	return a->i < a->argc ? a->argv[a->i++] : NULL;
}

int parse_addr(const char *s, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return error("\"%s\" is not an IPv4 or IPv6 address", s);
}

/* ADDR or ADDR/LEN; "any" is 0.0.0.0/0, "any6" is ::/0. */
int parse_prefix(const char *s, struct addr *out, int *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	int max, i;
	long n;

	if (!strcmp(s, "any") || !strcmp(s, "any6")) {
		memset(out, 0, sizeof(*out));
		out->family = s[3] ? AF_INET6 : AF_INET;
		*plen = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return error("\"%s\" is not a prefix", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (parse_addr(buf, out))
		return -1;
	max = out->family == AF_INET ? 32 : 128;
	*plen = max;
	if (slash) {
		errno = 0;
		n = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || n < 0 || n > max ||
		    strspn(slash + 1, "0123456789") != strlen(slash + 1))
			return error("prefix length in \"%s\" must be 0 to %d", s, max);
		*plen = n;
	}
	for (i = *plen; i < max; i++)
		if (out->bytes[i / 8] & (0x80 >> (i % 8)))
			return error("\"%s\" has host bits set; did you mean a network address?", s);
	return 0;
}

/*
 * Decimal, or hex after 0x: a leading 0 is no octal (010 is ten), and no
 * sign, blank or other base is taken. At most @max; @what names the field.
 */
static int parse_unsigned(const char *s, const char *what, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	const char *digits = s;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!*digits || strspn(digits, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") !=
	    strlen(digits))
		return error("%s \"%s\" is not a number: decimal, or hex after 0x", what, s);
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno || v > max)
		return error("%s \"%s\" is out of range: 0 to %llu", what, s,
			     (unsigned long long)max);
	*out = v;
	return 0;
}

int parse_u32(const char *s, const char *what, uint32_t *out)
{
	uint64_t v;

	if (parse_unsigned(s, what, UINT32_MAX, &v))
		return -1;
	*out = v;
	return 0;
}

int parse_u64(const char *s, const char *what, uint64_t *out)
{
	return parse_unsigned(s, what, UINT64_MAX, out);
}

int parse_spi(const char *s, uint32_t *out)
{
	if (parse_u32(s, "SPI", out))
		return -1;
	if (*out == 0)
		return error("SPI 0 is reserved (RFC 4303); use 1 to 0xffffffff");
	return 0;
}

/* P or P-Q */
int parse_port_range(const char *s, uint16_t *min, uint16_t *max)
{
	char buf[16], *dash;
	uint32_t a, b;

	if (strlen(s) >= sizeof(buf))
		return error("port \"%s\" is not a port or range P-Q", s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u32(buf, "port", &a))
		return -1;
	b = a;
	if (dash && parse_u32(dash + 1, "port", &b))
		return -1;
	if (a > 65535 || b > 65535)
		return error("port \"%s\" is above 65535", s);
	if (a > b)
		return error("port range \"%s\" runs backwards", s);
	*min = a;
	*max = b;
	return 0;
}

int parse_mode(const char *s, int *mode)
{
	if (!strcmp(s, "tunnel"))
		*mode = NFESP_MODE_TUNNEL;
	else if (!strcmp(s, "transport"))
		*mode = NFESP_MODE_TRANSPORT;
	else
		return error("mode \"%s\": expected tunnel or transport", s);
	return 0;
}

/*
 * Protocol names, both ways, without /etc/protocols (a router or a container
 * may not have it): the first name of a number is the one printed.
 */
static const struct {
	const char *name;
	int proto;
} protos[] = {
	{ "icmp", IPPROTO_ICMP },
	{ "igmp", IPPROTO_IGMP },
	{ "ipip", IPPROTO_IPIP },
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "ipv6", IPPROTO_IPV6 },
	{ "rsvp", IPPROTO_RSVP },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "icmp6", IPPROTO_ICMPV6 },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "ospf", 89 },
	{ "pim", IPPROTO_PIM },
	{ "vrrp", 112 },
	{ "l2tp", 115 },
	{ "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE },
};

/* The @i-th name of the table, NULL past its end: for completion. */
const char *proto_nth(unsigned int i)
{
	return i < sizeof(protos) / sizeof(protos[0]) ? protos[i].name : NULL;
}

/* any, a name of the table, a number 0 to 255, or a name in /etc/protocols. */
int parse_proto(const char *s, int *proto)
{
	const struct protoent *pe;
	unsigned int i;
	uint32_t n;

	if (!strcmp(s, "any")) {
		*proto = 0;
		return 0;
	}
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	if (isdigit((unsigned char)*s)) {
		if (parse_u32(s, "protocol", &n))
			return -1;
		if (n > 255)
			return error("protocol \"%s\" is out of range: 0 to 255", s);
		*proto = n;
		return 0;
	}
	pe = getprotobyname(s);
	if (!pe || pe->p_proto < 0 || pe->p_proto > 255)
		return error("unknown protocol \"%s\"; use a number or one of: "
			     "tcp, udp, icmp, icmp6, sctp, udplite, gre, esp, ah, ...", s);
	*proto = pe->p_proto;
	return 0;
}

const char *proto_str(int proto, char *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, len, "%d", proto);
	return buf;
}

/*
 * A number with a unit after it: the unit's letter and multiplier, or a
 * multiplier of 1 for a bare number (decimal or 0x); before a unit, decimal
 * digits only. @kind is said when it is neither.
 */
struct unit {
	char c;
	uint64_t mult;
};

static int parse_with_unit(const char *s, const char *what, const struct unit *units,
			   const char *kind, uint64_t *out)
{
	char buf[32];
	size_t len = strlen(s);
	uint64_t n, mult = 1;

	if (len && len < sizeof(buf) && !isdigit((unsigned char)s[len - 1]) &&
	    !(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		for (; units->c; units++)
			if (s[len - 1] == units->c)
				break;
		/* Digits before the unit: 1.5h is no number of seconds. */
		if (!units->c || len == 1 || strspn(s, "0123456789") != len - 1)
			return error("%s \"%s\" is not %s", what, s, kind);
		mult = units->mult;
		memcpy(buf, s, len - 1);
		buf[len - 1] = '\0';
		s = buf;
	}
	if (parse_unsigned(s, what, UINT64_MAX, &n))
		return -1;
	if (n > UINT64_MAX / mult)
		return error("%s \"%s%c\" is out of range: at most %llu%c", what, s,
			     units->c, (unsigned long long)(UINT64_MAX / mult), units->c);
	*out = n * mult;
	return 0;
}

/* A count of bytes or packets: N, or N with K, M, G or T (powers of 1024). */
int parse_count(const char *s, const char *what, uint64_t *out)
{
	static const struct unit units[] = {
		{ 'K', 1ULL << 10 }, { 'M', 1ULL << 20 }, { 'G', 1ULL << 30 },
		{ 'T', 1ULL << 40 }, { 0, 0 },
	};

	return parse_with_unit(s, what, units,
			       "a number, or one with K, M, G or T (powers of 1024)", out);
}

/* Seconds: N, or N with s, m, h or d. */
int parse_seconds(const char *s, const char *what, uint64_t *out)
{
	static const struct unit units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 0, 0 },
	};

	return parse_with_unit(s, what, units, "a number of seconds, or one with s, m, h or d",
			       out);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hex digits, an optional 0x in front; white space is skipped. */
static int decode_hex(const char *s, const char *what, const char *where,
		      uint8_t *key, size_t *len)
{
	size_t n = 0;
	int hi = -1;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		v = hexval((unsigned char)*s);
		if (v < 0)
			return error("%s%s is not hex: unexpected '%c'", what, where, *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == KEY_MAX)
			return error("%s%s is longer than %d bytes", what, where, KEY_MAX);
		key[n++] = hi << 4 | v;
		hi = -1;
	}
	if (hi >= 0)
		return error("%s%s has an odd number of hex digits", what, where);
	if (!n)
		return error("%s%s is empty", what, where);
	*len = n;
	return 0;
}

/*
 * HEX, or @FILE holding the hex. The file's contents are wiped from memory
 * after use; nothing here ever prints a key.
 */
int parse_key(const char *s, const char *what, uint8_t *key, size_t *len)
{
	char buf[4 * KEY_MAX + 64];
	ssize_t n;
	int err;

	if (!strcmp(s, "(hidden)"))
		return error("%s is hidden in show output; give the key as HEX or @FILE", what);
	if (s[0] != '@')
		return decode_hex(s, what, "", key, len);

	n = read_key_file(s + 1, buf, sizeof(buf) - 1);
	if (n < 0)
		return error("cannot read %s file \"%s\": %s", what, s + 1, strerror(errno));
	if (n == sizeof(buf) - 1) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return error("%s file \"%s\" is too long for a key", what, s + 1);
	}
	buf[n] = '\0';
	{
		char where[300];

		snprintf(where, sizeof(where), " in \"%s\"", s + 1);
		err = decode_hex(buf, what, where, key, len);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

/* Is @a one of the addresses in @ifs (getifaddrs), this namespace's? */
bool addr_is_local(const struct ifaddrs *ifs, const struct addr *a)
{
	for (; ifs; ifs = ifs->ifa_next) {
		const struct sockaddr *sa = ifs->ifa_addr;

		if (!sa || sa->sa_family != a->family)
			continue;
		if (a->family == AF_INET &&
		    !memcmp(&((const struct sockaddr_in *)sa)->sin_addr, &a->v4, 4))
			return true;
		if (a->family == AF_INET6 &&
		    !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &a->v6, 16))
			return true;
	}
	return false;
}

const char *addr_str(const struct addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}
