// SPDX-License-Identifier: GPL-2.0-only
/*
 * An IKE rule printed back in the grammar it is read in, on one line with
 * every algorithm and value spelled out, and two rules compared.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <openssl/crypto.h>
#include <linux/nfesp.h>
#include "ike.h"
#include "conf.h"
#include "conf_words.h"

/* @s as one word: in quotes if it must be, or if @quote. */
static void print_word(FILE *f, const char *s, bool quote)
{
	bool plain = !quote && *s && *s != '$' && !conf_is_keyword(s);
	const char *p;

	for (p = s; *p && plain; p++)
		if (!isgraph((unsigned char)*p) || strchr("\"\\{}=#", *p))
			plain = false;
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* In the largest unit that divides it. */
static void print_duration(FILE *f, uint64_t s)
{
	if (s && s % 86400 == 0)
		fprintf(f, "%" PRIu64 "d", s / 86400);
	else if (s && s % 3600 == 0)
		fprintf(f, "%" PRIu64 "h", s / 3600);
	else if (s && s % 60 == 0)
		fprintf(f, "%" PRIu64 "m", s / 60);
	else
		fprintf(f, "%" PRIu64 "s", s);
}

static void print_bytes(FILE *f, uint64_t b)
{
	if (b % (1 << 30) == 0)
		fprintf(f, "%" PRIu64 "G", b >> 30);
	else if (b % (1 << 20) == 0)
		fprintf(f, "%" PRIu64 "M", b >> 20);
	else if (b % (1 << 10) == 0)
		fprintf(f, "%" PRIu64 "K", b >> 10);
	else
		fprintf(f, "%" PRIu64, b);
}

/* The ports are the side's, the same for each of its selectors. */
static void print_side(FILE *f, const char *kw, const struct ike_sel *sel, unsigned int n)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned int i;

	fprintf(f, " %s%s", kw, n > 1 ? " {" : "");
	for (i = 0; i < n; i++)
		fprintf(f, " %s/%d", addr_str(&sel[i].addr, buf, sizeof(buf)), sel[i].plen);
	if (n > 1)
		fputs(" }", f);
	if (sel[0].port_min == sel[0].port_max)
		fprintf(f, " port %u", sel[0].port_min);
	else if (sel[0].port_min != 0 || sel[0].port_max != 65535)
		fprintf(f, " port %u-%u", sel[0].port_min, sel[0].port_max);
}

static void print_prop(FILE *f, const char *kw, const struct ike_prop_conf *p, bool child)
{
	unsigned int i;

	fprintf(f, " %s enc", kw);
	for (i = 0; i < p->nencr; i++)
		fprintf(f, " %s", ike_encr_name(p->encr[i].id, p->encr[i].keybits));
	if (p->ninteg)
		fputs(" auth", f);
	for (i = 0; i < p->ninteg; i++)
		fprintf(f, " %s", ike_integ_name(p->integ[i]));
	if (!child) {
		fputs(" prf", f);
		for (i = 0; i < p->nprf; i++)
			fprintf(f, " %s", ike_prf_name(p->prf[i]));
	}
	if (p->ndh)
		fputs(" group", f);
	for (i = 0; i < p->ndh; i++)
		fprintf(f, " %s", ike_dh_name(p->dh[i]));
}

/*
 * An ikev1 rule's block: phase 1's auth is its hash, kept as a PRF; quick
 * mode's group is its PFS group, "none" without.
 */
static void print_prop1(FILE *f, const char *kw, const struct ike_prop_conf *p, bool quick)
{
	unsigned int i;

	fprintf(f, " %s enc", kw);
	for (i = 0; i < p->nencr; i++)
		fprintf(f, " %s", ike_encr_name(p->encr[i].id, p->encr[i].keybits));
	if (quick ? p->ninteg : p->nprf)
		fputs(" auth", f);
	for (i = 0; quick && i < p->ninteg; i++)
		fprintf(f, " %s", ike_integ_name(p->integ[i]));
	for (i = 0; !quick && i < p->nprf; i++)
		fprintf(f, " %s", ike_prf_name(p->prf[i]));
	fputs(" group", f);
	if (!p->ndh)
		fputs(" none", f);
	for (i = 0; i < p->ndh; i++)
		fprintf(f, " %s", ike_dh_name(p->dh[i]));
}

static void print_id(FILE *f, const char *kw, const struct ike_id_conf *id)
{
	char buf[IKE_CONF_ID_MAX + 1];

	switch (id->type) {
	case 0:
		return;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		inet_ntop(id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6, id->data, buf,
			  sizeof(buf));
		break;
	default:
		memcpy(buf, id->data, id->len);
		buf[id->len] = '\0';
		break;
	}
	fprintf(f, " %s ", kw);
	print_word(f, buf, false);
}

void ike_conn_print(FILE *f, const struct ike_conn *c)
{
	char buf[INET6_ADDRSTRLEN], proto[16], psk[sizeof(c->psk_file) + 1];

	fprintf(f, "ikev%d ", c->version == 1 ? 1 : 2);
	print_word(f, c->name, true);
	if (c->start == IKE_START_ACTIVE)
		fputs(" active", f);
	else if (c->start == IKE_START_PASSIVE)
		fputs(" passive", f);
	fprintf(f, " esp %s", c->mode == NFESP_MODE_TRANSPORT ? "transport" : "tunnel");
	if (c->nfrom && c->nto) {
		print_side(f, "from", c->from, c->nfrom);
		print_side(f, "to", c->to, c->nto);
		if (c->from[0].proto)
			fprintf(f, " proto %s", proto_str(c->from[0].proto, proto, sizeof(proto)));
	}
	fprintf(f, " local %s", c->local.family ? addr_str(&c->local, buf, sizeof(buf)) : "any");
	fprintf(f, " peer %s", c->peer_any ? "any" : addr_str(&c->peer, buf, sizeof(buf)));
	if (c->version == 1) {
		print_prop1(f, c->aggressive ? "aggressive" : "main", &c->ike, false);
		print_prop1(f, "quick", &c->child, true);
	} else {
		print_prop(f, "ikesa", &c->ike, false);
		print_prop(f, "childsa", &c->child, true);
	}
	print_id(f, "srcid", &c->srcid);
	print_id(f, "dstid", &c->dstid);
	if (c->psk_file[0]) {
		fputs(" psk ", f);
		snprintf(psk, sizeof(psk), "@%s", c->psk_file);
		print_word(f, psk, false);
	}
	fputs(" ikelifetime ", f);
	print_duration(f, c->ike_lifetime);
	fputs(" lifetime ", f);
	print_duration(f, c->lifetime);
	if (c->lifetime_bytes) {
		fputc(' ', f);
		print_bytes(f, c->lifetime_bytes);
	}
	fputs(" dpd ", f);
	if (c->dpd)
		print_duration(f, c->dpd);
	else
		fputs("off", f);
	fputc('\n', f);
}

static bool addr_equal(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return false;
	if (!a->family)
		return true;
	return !memcmp(a->bytes, b->bytes, a->family == AF_INET6 ? 16 : 4);
}

static bool sels_equal(const struct ike_sel *a, const struct ike_sel *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!addr_equal(&a[i].addr, &b[i].addr) || a[i].plen != b[i].plen ||
		    a[i].proto != b[i].proto || a[i].port_min != b[i].port_min ||
		    a[i].port_max != b[i].port_max)
			return false;
	return true;
}

static bool props_equal(const struct ike_prop_conf *a, const struct ike_prop_conf *b)
{
	unsigned int i;

	if (a->nencr != b->nencr || a->ninteg != b->ninteg || a->nprf != b->nprf ||
	    a->ndh != b->ndh)
		return false;
	for (i = 0; i < a->nencr; i++)
		if (a->encr[i].id != b->encr[i].id || a->encr[i].keybits != b->encr[i].keybits)
			return false;
	return !memcmp(a->integ, b->integ, a->ninteg * sizeof(a->integ[0])) &&
	       !memcmp(a->prf, b->prf, a->nprf * sizeof(a->prf[0])) &&
	       !memcmp(a->dh, b->dh, a->ndh * sizeof(a->dh[0]));
}

static bool ids_equal(const struct ike_id_conf *a, const struct ike_id_conf *b)
{
	return a->type == b->type && a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/*
 * Everything but where the rule was read from: its file and line, and the
 * PSK's file name (the same key from another file is the same key).
 */
bool ike_conn_equal(const struct ike_conn *a, const struct ike_conn *b)
{
	return !strcmp(a->name, b->name) && a->version == b->version &&
	       a->aggressive == b->aggressive && a->mode == b->mode &&
	       a->nfrom == b->nfrom && a->nto == b->nto &&
	       sels_equal(a->from, b->from, a->nfrom) && sels_equal(a->to, b->to, a->nto) &&
	       addr_equal(&a->local, &b->local) && a->peer_any == b->peer_any &&
	       addr_equal(&a->peer, &b->peer) &&
	       props_equal(&a->ike, &b->ike) && props_equal(&a->child, &b->child) &&
	       ids_equal(&a->srcid, &b->srcid) && ids_equal(&a->dstid, &b->dstid) &&
	       a->psk_len == b->psk_len && !CRYPTO_memcmp(a->psk, b->psk, a->psk_len) &&
	       a->ike_lifetime == b->ike_lifetime && a->lifetime == b->lifetime &&
	       a->lifetime_bytes == b->lifetime_bytes && a->dpd == b->dpd && a->start == b->start;
}
