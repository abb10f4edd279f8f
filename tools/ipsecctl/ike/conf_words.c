// SPDX-License-Identifier: GPL-2.0-only
/*
 * The words of the IKE configuration: algorithm names and their IANA
 * numbers, durations, byte counts, IDs and the PSK file. conf.y reads the
 * rules; conf_print.c prints them back. (Not conf.c: make's built-in
 * rule would make a conf.c out of conf.y, over this file.)
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "ike.h"
#include "conf.h"
#include "conf_words.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct alg_name {
	const char *name;
	uint16_t id;
	uint16_t keybits;
};

static const struct alg_name encrs[] = {
	{ "aes-gcm-128", IKE_ENCR_AES_GCM_16, 128 },
	{ "aes-gcm-192", IKE_ENCR_AES_GCM_16, 192 },
	{ "aes-gcm-256", IKE_ENCR_AES_GCM_16, 256 },
	{ "chacha20-poly1305", IKE_ENCR_CHACHA20_POLY1305, 0 },
	{ "aes-cbc-128", IKE_ENCR_AES_CBC, 128 },
	{ "aes-cbc-192", IKE_ENCR_AES_CBC, 192 },
	{ "aes-cbc-256", IKE_ENCR_AES_CBC, 256 },
};

static const struct alg_name integs[] = {
	{ "hmac-sha1", IKE_INTEG_HMAC_SHA1_96, 0 },
	{ "hmac-sha256", IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "hmac-sha384", IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "hmac-sha512", IKE_INTEG_HMAC_SHA2_512_256, 0 },
};

static const struct alg_name prfs[] = {
	{ "hmac-sha1", IKE_PRF_HMAC_SHA1, 0 },
	{ "hmac-sha256", IKE_PRF_HMAC_SHA2_256, 0 },
	{ "hmac-sha384", IKE_PRF_HMAC_SHA2_384, 0 },
	{ "hmac-sha512", IKE_PRF_HMAC_SHA2_512, 0 },
};

static const struct alg_name dhs[] = {
	{ "modp1024", IKE_DH_MODP1024, 0 },
	{ "modp2048", IKE_DH_MODP2048, 0 },
	{ "modp3072", IKE_DH_MODP3072, 0 },
	{ "modp4096", IKE_DH_MODP4096, 0 },
	{ "ecp256", IKE_DH_ECP256, 0 },
	{ "ecp384", IKE_DH_ECP384, 0 },
	{ "curve25519", IKE_DH_CURVE25519, 0 },
};

static const struct {
	const char *keyword;
	const struct alg_name *names;
	size_t n;
} kinds[] = {
	[CONF_ENC] = { "enc", encrs, ARRAY_SIZE(encrs) },
	[CONF_AUTH] = { "auth", integs, ARRAY_SIZE(integs) },
	[CONF_PRF] = { "prf", prfs, ARRAY_SIZE(prfs) },
	[CONF_GROUP] = { "group", dhs, ARRAY_SIZE(dhs) },
};

static const char *name_of(const struct alg_name *t, size_t n, uint16_t id, uint16_t keybits)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id && t[i].keybits == keybits)
			return t[i].name;
	return "unknown";
}

const char *ike_encr_name(uint16_t id, uint16_t keybits)
{
	return name_of(encrs, ARRAY_SIZE(encrs), id, keybits);
}

const char *ike_integ_name(uint16_t id)
{
	return name_of(integs, ARRAY_SIZE(integs), id, 0);
}

const char *ike_prf_name(uint16_t id)
{
	return name_of(prfs, ARRAY_SIZE(prfs), id, 0);
}

const char *ike_dh_name(uint16_t id)
{
	return name_of(dhs, ARRAY_SIZE(dhs), id, 0);
}

bool conf_encr_is_aead(uint16_t id)
{
	return id == IKE_ENCR_AES_GCM_16 || id == IKE_ENCR_CHACHA20_POLY1305;
}

static unsigned int *list_len(struct ike_prop_conf *p, enum conf_alg_kind kind)
{
	switch (kind) {
	case CONF_ENC:
		return &p->nencr;
	case CONF_AUTH:
		return &p->ninteg;
	case CONF_PRF:
		return &p->nprf;
	case CONF_GROUP:
		break;
	}
	return &p->ndh;
}

/* The IDs of @kind; enc's are ike_xform_conf, see conf_add_alg(). */
static uint16_t *list_ids(struct ike_prop_conf *p, enum conf_alg_kind kind)
{
	switch (kind) {
	case CONF_AUTH:
		return p->integ;
	case CONF_PRF:
		return p->prf;
	default:
		break;
	}
	return p->dh;
}

/*
 * Kept for old IKEv1 peers only, and named in ikev1 rules only: an IKEv2
 * peer can do better, so an ikev2 rule does not know these names.
 */
static bool v1_only(const char *s)
{
	return !strcmp(s, "hmac-sha1") || !strcmp(s, "modp1024");
}

bool conf_alg_weak(const char *s)
{
	return v1_only(s) || !strcmp(s, "aes-cbc-128");
}

/* The names @kind has in this version's rules, for the message of an unknown one. */
static void expected_names(enum conf_alg_kind kind, bool v1, char *buf, size_t size)
{
	const struct alg_name *t = kinds[kind].names;
	size_t j, k = 0, n = 0, len = 0;

	for (j = 0; j < kinds[kind].n; j++)
		n += v1 || !v1_only(t[j].name);
	buf[0] = '\0';
	for (j = 0; j < kinds[kind].n; j++) {
		if (!v1 && v1_only(t[j].name))
			continue;
		len += snprintf(buf + len, size - len, "%s%s",
				k == 0 ? "" : k + 1 == n ? " or " : ", ", t[j].name);
		k++;
		if (len >= size)
			break;
	}
}

static int add_alg(struct ike_prop_conf *p, enum conf_alg_kind kind, const char *kw,
		   const char *s, const char *blk, bool v1)
{
	const struct alg_name *t = kinds[kind].names;
	unsigned int *n = list_len(p, kind), i;
	char expected[256];
	size_t j;
	bool dup;

	for (j = 0; j < kinds[kind].n; j++)
		if (!strcmp(t[j].name, s) && (v1 || !v1_only(s)))
			break;
	if (j == kinds[kind].n) {
		expected_names(kind, v1, expected, sizeof(expected));
		return error("unknown %s algorithm \"%s\"; expected %s", kw, s, expected);
	}
	for (i = 0; i < *n; i++) {
		if (kind == CONF_ENC)
			dup = p->encr[i].id == t[j].id && p->encr[i].keybits == t[j].keybits;
		else
			dup = list_ids(p, kind)[i] == t[j].id;
		if (dup)
			return error("%s: %s \"%s\" given twice", blk, kw, s);
	}
	if (*n == IKE_CONF_MAX_ALGS)
		return error("%s: more than %d %s algorithms", blk, IKE_CONF_MAX_ALGS, kw);
	if (kind == CONF_ENC) {
		p->encr[*n].id = t[j].id;
		p->encr[*n].keybits = t[j].keybits;
	} else {
		list_ids(p, kind)[*n] = t[j].id;
	}
	(*n)++;
	return 0;
}

int conf_add_alg(struct ike_prop_conf *p, enum conf_alg_kind kind, const char *s,
		 const char *blk)
{
	return add_alg(p, kind, kinds[kind].keyword, s, blk, false);
}

int conf_add_alg_v1(struct ike_prop_conf *p, enum conf_alg_kind kind, const char *kw,
		    const char *s, const char *blk)
{
	return add_alg(p, kind, kw, s, blk, true);
}

/*
 * What is proposed when a rule leaves a list out: AEADs, the newer and
 * stronger first. A child SA has no PFS unless its block names a group.
 */
void conf_default_algs(struct ike_prop_conf *p, enum conf_alg_kind kind, bool child)
{
	static const char *const encr_def[] = { "aes-gcm-256", "aes-gcm-128" };
	static const char *const prf_def[] = { "hmac-sha256", "hmac-sha384" };
	static const char *const dh_def[] = { "curve25519", "ecp256", "modp3072", "modp2048" };
	const char *const *names;
	size_t i, n;

	switch (kind) {
	case CONF_ENC:
		names = encr_def;
		n = ARRAY_SIZE(encr_def);
		break;
	case CONF_PRF:
		names = prf_def;
		n = ARRAY_SIZE(prf_def);
		break;
	case CONF_GROUP:
		names = dh_def;
		n = child ? 0 : ARRAY_SIZE(dh_def);
		break;
	default:
		return;
	}
	for (i = 0; i < n; i++)
		conf_add_alg(p, kind, names[i], "");
}

/* Leading decimal digits into @n, @unit after them. */
static int split_number(const char *s, uint64_t *n, const char **unit)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*n = strtoull(s, &end, 10);
	if (errno)
		return -1;
	*unit = end;
	return 0;
}

int conf_parse_duration(const char *s, const char *what, bool zero_ok, uint64_t *out)
{
	static const struct {
		char c;
		uint64_t mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const char *unit;
	uint64_t n, mult = 1;
	size_t i;

	if (zero_ok && !strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	if (split_number(s, &n, &unit))
		goto bad;
	if (*unit) {
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (unit[0] == units[i].c && !unit[1])
				break;
		if (i == ARRAY_SIZE(units))
			goto bad;
		mult = units[i].mult;
	}
	if (n > UINT32_MAX / mult)
		return error("%s \"%s\" is too long (at most 136 years)", what, s);
	if (!n && !zero_ok)
		return error("%s \"%s\" must be at least 1s", what, s);
	*out = n * mult;
	return 0;
bad:
	return error("%s \"%s\" is not a duration: a number with s, m, h or d%s", what, s,
		     zero_ok ? ", or off" : "");
}

int conf_parse_bytes(const char *s, const char *what, uint64_t *out)
{
	const char *unit;
	uint64_t n;
	int shift = 0;

	if (split_number(s, &n, &unit))
		goto bad;
	if (*unit) {
		if (unit[1])
			goto bad;
		switch (unit[0]) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		default:
			goto bad;
		}
	}
	if (n > UINT64_MAX >> shift)
		return error("%s \"%s\" is too large", what, s);
	if (!n)
		return error("%s \"%s\" must be at least 1", what, s);
	*out = n << shift;
	return 0;
bad:
	return error("%s \"%s\" is not a byte count: a number with K, M or G", what, s);
}

int conf_parse_id(const char *s, const char *what, struct ike_id_conf *id)
{
	struct addr a;
	size_t len = strlen(s), i;

	memset(id, 0, sizeof(*id));
	if (inet_pton(AF_INET, s, &a.v4) == 1) {
		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		memcpy(id->data, &a.v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a.v6) == 1) {
		id->type = IKE_ID_IPV6_ADDR;
		id->len = 16;
		memcpy(id->data, &a.v6, 16);
		return 0;
	}
	if (!len || len > IKE_CONF_ID_MAX)
		return error("%s \"%s\" must be 1 to %d characters", what, s, IKE_CONF_ID_MAX);
	for (i = 0; i < len; i++)
		if (!isgraph((unsigned char)s[i]))
			return error("%s \"%s\": an FQDN or user@host has no blanks or control characters",
				     what, s);
	id->type = strchr(s, '@') ? IKE_ID_RFC822_ADDR : IKE_ID_FQDN;
	id->len = len;
	memcpy(id->data, s, len);
	return 0;
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

/* 0x and hex digits (white space between them is skipped) into @c->psk. */
static int psk_from_hex(const char *path, const char *s, struct ike_conn *c)
{
	size_t n = 0;
	int hi = -1, v;

	for (s += 2; *s; s++) {
		if (isspace((unsigned char)*s))
			continue;
		v = hexval((unsigned char)*s);
		if (v < 0)
			return error("%s: a key that starts with 0x must be hex: unexpected '%c'",
				     path, *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == IKE_CONF_PSK_MAX)
			return error("%s: the key is longer than %d bytes", path, IKE_CONF_PSK_MAX);
		c->psk[n++] = hi << 4 | v;
		hi = -1;
	}
	if (hi >= 0)
		return error("%s: the key has an odd number of hex digits", path);
	if (!n)
		return error("%s: the key is empty", path);
	c->psk_len = n;
	return 0;
}

/*
 * The key is the file's text, less one trailing newline, or 0x and hex.
 * The file must belong to root or to us and be readable by its owner only:
 * a key others can read is no secret. It is stat()ed, then read with
 * read_key_file(), for which the fuzzers have an in-memory stand-in.
 */
int conf_read_psk(const char *path, struct ike_conn *c)
{
	char buf[2 * IKE_CONF_PSK_MAX + 16], *real;
	struct stat st;
	ssize_t n;
	int err = 0;

	if (strlen(path) >= sizeof(c->psk_file))
		return error("psk file name \"%s\" is too long", path);
	if (stat(path, &st))
		return error("cannot read psk file \"%s\": %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error("psk file \"%s\" is not a regular file", path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return error("%s: owned by uid %u, neither root nor the user reading it (uid %u); chown it",
			     path, (unsigned int)st.st_uid, (unsigned int)geteuid());
	if (st.st_mode & 0044)
		return error("%s: readable by others (mode %04o); chmod 600 it", path,
			     (unsigned int)(st.st_mode & 07777));
	if (st.st_mode & 0022)
		return error("%s: writable by others (mode %04o); chmod 600 it", path,
			     (unsigned int)(st.st_mode & 07777));

	n = read_key_file(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return error("cannot read psk file \"%s\": %s", path, strerror(errno));
	if (n == sizeof(buf) - 1) {
		err = error("%s: the key is longer than %d bytes", path, IKE_CONF_PSK_MAX);
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n) {
		err = error("%s: the key holds a NUL byte; write it as 0x and hex", path);
		goto out;
	}
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		err = psk_from_hex(path, buf, c);
	} else if (!n) {
		err = error("%s: the key is empty", path);
	} else if ((size_t)n > IKE_CONF_PSK_MAX) {
		err = error("%s: the key is longer than %d bytes", path, IKE_CONF_PSK_MAX);
	} else {
		memcpy(c->psk, buf, n);
		c->psk_len = n;
	}
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (err) {
		OPENSSL_cleanse(c->psk, sizeof(c->psk));
		c->psk_len = 0;
		return err;
	}
	/* Printed back, the name must not depend on the directory it is read in. */
	real = realpath(path, NULL);
	snprintf(c->psk_file, sizeof(c->psk_file), "%s",
		 real && strlen(real) < sizeof(c->psk_file) ? real : path);
	free(real);
	return 0;
}
