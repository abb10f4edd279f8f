// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver of tests/ike_conf.sh: loads an IKE configuration with
 * ike_conf_load() and shows what it read. Errors go to stderr as the
 * daemon prints them; exits 1 if the load (or the check asked for) fails.
 *
 *	test_conf FILE		each rule printed back, one a line
 *	test_conf -d FILE	each rule's fields, one a line
 *	test_conf -r FILE	round trip: the rules printed into FILE.printed,
 *				which must load into equal rules and print the same
 *	test_conf -k KEY FILE	the first rule's PSK must be KEY's bytes
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "../ipsecctl.h"
#include "../conf.h"

const char *prog = "ipsecctl";

static void dump_prop(const char *kw, const struct ike_prop_conf *p)
{
	unsigned int i;

	printf("%s encr", kw);
	for (i = 0; i < p->nencr; i++)
		printf(" %u:%u", p->encr[i].id, p->encr[i].keybits);
	printf(" integ");
	for (i = 0; i < p->ninteg; i++)
		printf(" %u", p->integ[i]);
	printf(" prf");
	for (i = 0; i < p->nprf; i++)
		printf(" %u", p->prf[i]);
	printf(" dh");
	for (i = 0; i < p->ndh; i++)
		printf(" %u", p->dh[i]);
	printf("\n");
}

static void dump_sels(const char *kw, const struct ike_sel *s, unsigned int n)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned int i;

	printf("%s", kw);
	for (i = 0; i < n; i++)
		printf(" %s/%d proto %u ports %u-%u", addr_str(&s[i].addr, buf, sizeof(buf)),
		       s[i].plen, s[i].proto, s[i].port_min, s[i].port_max);
	printf("\n");
}

static void dump_id(const char *kw, const struct ike_id_conf *id)
{
	size_t i;

	printf("%s type %u len %zu data ", kw, id->type, id->len);
	for (i = 0; i < id->len; i++)
		printf("%02x", id->data[i]);
	printf("\n");
}

static void dump(const struct ike_conn *c)
{
	char buf[INET6_ADDRSTRLEN];

	printf("name %s\nversion %d\naggressive %d\nmode %d\nstart %d\n", c->name, c->version,
	       c->aggressive, c->mode, c->start);
	dump_sels("from", c->from, c->nfrom);
	dump_sels("to", c->to, c->nto);
	printf("local %s\n", c->local.family ? addr_str(&c->local, buf, sizeof(buf)) : "any");
	printf("peer %s\n", c->peer_any ? "any" :
	       c->peer.family ? addr_str(&c->peer, buf, sizeof(buf)) : "unset");
	dump_prop("ikesa", &c->ike);
	dump_prop("childsa", &c->child);
	dump_id("srcid", &c->srcid);
	dump_id("dstid", &c->dstid);
	printf("psk_len %zu\npsk_file %s\n", c->psk_len, c->psk_file);
	printf("ike_lifetime %llu\nlifetime %llu\nlifetime_bytes %llu\ndpd %llu\n",
	       (unsigned long long)c->ike_lifetime, (unsigned long long)c->lifetime,
	       (unsigned long long)c->lifetime_bytes, (unsigned long long)c->dpd);
	printf("at %s:%d\n", c->file, c->line);
}

/* Print, load the print, compare, print again: the same text. */
static int round_trip(const char *path, struct ike_config *a)
{
	struct ike_config b;
	struct ike_conn *x, *y;
	char *printed, *text_a = NULL, *text_b = NULL;
	size_t len_a = 0, len_b = 0;
	FILE *f;
	int err = 1;

	if (asprintf(&printed, "%s.printed", path) < 0)
		return 1;
	f = fopen(printed, "w");
	if (!f) {
		perror(printed);
		free(printed);
		return 1;
	}
	for (x = a->conns; x; x = x->next)
		ike_conn_print(f, x);
	fclose(f);
	if (ike_conf_load(printed, &b)) {
		printf("# the printed rules do not load\n");
		goto out;
	}
	if (a->nconns != b.nconns) {
		printf("# %u rules, %u printed back\n", a->nconns, b.nconns);
		goto out_free;
	}
	for (x = a->conns, y = b.conns; x && y; x = x->next, y = y->next) {
		if (!ike_conn_equal(x, y)) {
			printf("# rule \"%s\" differs when read back\n", x->name);
			goto out_free;
		}
	}
	f = open_memstream(&text_a, &len_a);
	for (x = a->conns; x; x = x->next)
		ike_conn_print(f, x);
	fclose(f);
	f = open_memstream(&text_b, &len_b);
	for (y = b.conns; y; y = y->next)
		ike_conn_print(f, y);
	fclose(f);
	if (strcmp(text_a, text_b)) {
		printf("# printed differently the second time:\n# %s# %s", text_a, text_b);
		goto out_free;
	}
	fputs(text_a, stdout);
	err = 0;
out_free:
	ike_conf_free(&b);
out:
	free(text_a);
	free(text_b);
	free(printed);
	return err;
}

int main(int argc, char **argv)
{
	const char *key = NULL;
	struct ike_config cfg;
	struct ike_conn *c;
	int opt, mode = 'p', err = 0;

	while ((opt = getopt(argc, argv, "drk:")) != -1) {
		if (opt == 'd' || opt == 'r')
			mode = opt;
		else if (opt == 'k')
			key = optarg;
		else
			return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: test_conf [-d|-r] [-k KEY] FILE\n");
		return 2;
	}
	if (ike_conf_load(argv[optind], &cfg))
		return 1;
	if (key && (!cfg.conns || cfg.conns->psk_len != strlen(key) ||
		    memcmp(cfg.conns->psk, key, strlen(key)))) {
		printf("# the first rule's psk is not the key expected\n");
		err = 1;
	}
	if (mode == 'r')
		err |= round_trip(argv[optind], &cfg);
	for (c = cfg.conns; c && mode != 'r'; c = c->next) {
		if (mode == 'd')
			dump(c);
		else
			ike_conn_print(stdout, c);
	}
	ike_conf_free(&cfg);
	return err;
}
