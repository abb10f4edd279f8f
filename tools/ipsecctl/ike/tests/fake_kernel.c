// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel.h in memory, for host tests of the IKE daemon: linked instead of
 * kernel.c, it lets `ipsecctl daemon` run with no nfesp module (see
 * tools/ipsecctl/tests/ike_daemon.sh).
 *
 * SPIs are allocated from a counter (larval SAs, which kb_sa_add() fills),
 * SAs and policies are kept in arrays, the event fd is an eventfd nothing
 * ever writes to. If the environment names a file in
 * NFESP_FAKE_KERNEL_STATE, the tables are written there, as JSON, after
 * every change (to a temporary file, then renamed), so that a test can
 * check what the daemon installed:
 *	{"sas":[{"spi":"0x...","src":"A","dst":"B","larval":false,
 *	         "owner":"0x...","reqid":N,"encap":[sport,dport]},...],
 *	 "policies":[{"id":N,"dir":"in"|"out"|"fwd","src":"A/P","dst":"B/P",
 *	              "owner":"0x..."},...],
 *	 "sa_adds":N,"sa_dels":N,"spi_allocs":N,"policy_adds":N,"errors":N}
 * NFESP_FAKE_KERNEL_FAIL=sa_add|spi_alloc|policy_add makes that call fail
 * with -ENOMEM (error paths).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>
#include <sys/eventfd.h>
#include <linux/nfesp.h>
#include <openssl/crypto.h>
#include "../kernel.h"

#define MAX_SAS		4096
#define MAX_POLS	4096

struct fsa {
	struct sa sa;
	bool larval;
};

static struct fsa sas[MAX_SAS];
static unsigned int nsas;
static struct policy pols[MAX_POLS];
static unsigned int npols;
static uint32_t next_spi = 0xc0de0100, next_pol_id = 1;
static unsigned long n_sa_add, n_sa_del, n_spi, n_pol_add, n_err;
static int ev_fd = -1;
static char last_error[320];

static int fail(int err, const char *what)
{
	snprintf(last_error, sizeof(last_error), "%s: %s (fake kernel)", what, strerror(-err));
	n_err++;
	return err;
}

static bool fail_wanted(const char *what)
{
	const char *f = getenv("NFESP_FAKE_KERNEL_FAIL");

	return f && !strcmp(f, what);
}

static bool same_addr(const struct addr *a, const struct addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static const char *astr(const struct addr *a, char *buf, size_t len)
{
	if (!a->family)
		return "";
	return addr_str(a, buf, len);
}

static void dump_state(void)
{
	const char *path = getenv("NFESP_FAKE_KERNEL_STATE");
	static const char *const dirs[] = { "in", "out", "fwd" };
	char tmp[4096], b1[64], b2[64], sel[160];
	unsigned int i;
	FILE *f;

	if (!path || !*path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"sas\":[");
	for (i = 0; i < nsas; i++) {
		const struct sa *s = &sas[i].sa;

		/* The selector as "FROM/LEN TO/LEN PROTO", "" if none. */
		sel[0] = '\0';
		if (s->sel.src.family)
			snprintf(sel, sizeof(sel), "%s/%d %s/%d %d",
				 astr(&s->sel.src, b1, sizeof(b1)), s->sel.src_plen,
				 astr(&s->sel.dst, b2, sizeof(b2)), s->sel.dst_plen, s->sel.proto);
		fprintf(f, "%s{\"spi\":\"0x%08x\",\"src\":\"%s\",\"dst\":\"%s\",\"larval\":%s,"
			"\"owner\":\"0x%016" PRIx64 "\",\"reqid\":%u,\"encap\":[%u,%u],"
			"\"enc\":\"%s\",\"sel\":\"%s\"}",
			i ? "," : "", s->spi, astr(&s->src, b1, sizeof(b1)),
			astr(&s->dst, b2, sizeof(b2)), sas[i].larval ? "true" : "false", s->owner,
			s->reqid, s->encap_sport, s->encap_dport, s->enc ? s->enc->name : "", sel);
	}
	fprintf(f, "],\"policies\":[");
	for (i = 0; i < npols; i++) {
		const struct policy *p = &pols[i];

		fprintf(f, "%s{\"id\":%u,\"dir\":\"%s\",\"src\":\"%s/%d\",\"dst\":\"%s/%d\","
			"\"owner\":\"0x%016" PRIx64 "\",\"reqid\":%u}",
			i ? "," : "", p->id,
			p->dir >= 0 && p->dir < 3 ? dirs[p->dir] : "?",
			astr(&p->src, b1, sizeof(b1)), p->src_plen,
			astr(&p->dst, b2, sizeof(b2)), p->dst_plen, p->owner, p->reqid);
	}
	fprintf(f, "],\"sa_adds\":%lu,\"sa_dels\":%lu,\"spi_allocs\":%lu,\"policy_adds\":%lu,"
		"\"errors\":%lu}\n", n_sa_add, n_sa_del, n_spi, n_pol_add, n_err);
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

int kb_open(void)
{
	last_error[0] = '\0';
	if (ev_fd >= 0)
		return fail(-EALREADY, "kb_open");
	ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ev_fd < 0)
		return fail(-errno, "eventfd");
	dump_state();
	return 0;
}

void kb_close(void)
{
	if (ev_fd >= 0)
		close(ev_fd);
	ev_fd = -1;
	/* Keys wiped, as the kernel would forget them. */
	OPENSSL_cleanse(sas, sizeof(sas));
	nsas = 0;
	npols = 0;
	dump_state();
}

int kb_event_fd(void)
{
	return ev_fd;
}

int kb_dispatch(const struct kb_ops *ops, void *ctx)
{
	uint64_t v;

	/* Nothing writes to it; drain it anyway, should anything ever. */
	while (ev_fd >= 0 && read(ev_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	return 0;
}

static struct fsa *sa_find(uint32_t spi, const struct addr *dst)
{
	unsigned int i;

	for (i = 0; i < nsas; i++)
		if (sas[i].sa.spi == spi && same_addr(&sas[i].sa.dst, dst))
			return &sas[i];
	return NULL;
}

int kb_spi_alloc(const struct addr *dst, const struct addr *src, uint32_t *spi)
{
	struct fsa *f;

	last_error[0] = '\0';
	if (!dst || !dst->family || (src && src->family && src->family != dst->family))
		return fail(-EINVAL, "spi alloc: needs dst, and src of its family if any");
	if (fail_wanted("spi_alloc"))
		return fail(-ENOMEM, "spi alloc");
	if (nsas >= MAX_SAS)
		return fail(-ENOSPC, "spi alloc");
	f = &sas[nsas++];
	memset(f, 0, sizeof(*f));
	f->larval = true;
	f->sa.spi = next_spi++;
	f->sa.dst = *dst;
	if (src)
		f->sa.src = *src;
	f->sa.flags = NFESP_SA_F_LARVAL;
	*spi = f->sa.spi;
	n_spi++;
	dump_state();
	return 0;
}

int kb_sa_add(const struct sa *sa)
{
	const struct enc_alg *enc = sa->enc;
	struct fsa *f;

	last_error[0] = '\0';
	/* As kernel.c's sa_check(). */
	if (!sa->spi || !sa->src.family || sa->src.family != sa->dst.family)
		return fail(-EINVAL, "sa add: needs an SPI, src and dst of one family");
	if (!enc || (sa->has_key ? sa->key_len : 0) != enc->key_len)
		return fail(-EINVAL, "sa add: bad encryption algorithm or key");
	if ((enc->aead && sa->auth) || (!enc->aead && !sa->auth))
		return fail(-EINVAL, "sa add: bad auth algorithm");
	if (sa->auth && (!sa->has_auth_key || sa->auth_key_len != sa->auth->key_len))
		return fail(-EINVAL, "sa add: bad authkey");
	if (fail_wanted("sa_add"))
		return fail(-ENOMEM, "sa add");
	f = sa_find(sa->spi, &sa->dst);
	if (f && !f->larval)
		return fail(-EEXIST, "sa add");
	if (!f) {
		if (nsas >= MAX_SAS)
			return fail(-ENOSPC, "sa add");
		f = &sas[nsas++];
	}
	f->sa = *sa;
	f->sa.flags &= ~(NFESP_SA_F_LARVAL | NFESP_SA_F_EXPIRED_SOFT);
	f->larval = false;
	n_sa_add++;
	dump_state();
	return 0;
}

int kb_sa_del(uint32_t spi, const struct addr *dst)
{
	struct fsa *f;

	last_error[0] = '\0';
	if (!spi || !dst || (dst->family != AF_INET && dst->family != AF_INET6))
		return fail(-EINVAL, "sa del: needs an SPI and dst");
	f = sa_find(spi, dst);
	if (!f)
		return fail(-ENOENT, "sa del");
	OPENSSL_cleanse(f, sizeof(*f));
	*f = sas[--nsas];
	OPENSSL_cleanse(&sas[nsas], sizeof(sas[nsas]));
	n_sa_del++;
	dump_state();
	return 0;
}

int kb_sa_set_encap(uint32_t spi, const struct addr *dst, const struct addr *src,
		    uint16_t sport, uint16_t dport)
{
	struct fsa *f;

	last_error[0] = '\0';
	if (!spi || !dst)
		return fail(-EINVAL, "sa update: needs an SPI and dst");
	if ((!src || !src->family) && !sport && !dport)
		return fail(-EINVAL, "sa update: nothing to change");
	f = sa_find(spi, dst);
	if (!f || f->larval)
		return fail(-ENOENT, "sa update");
	if (src && src->family)
		f->sa.src = *src;
	if (sport)
		f->sa.encap_sport = sport;
	if (dport)
		f->sa.encap_dport = dport;
	dump_state();
	return 0;
}

int kb_sa_get(uint32_t spi, const struct addr *dst, struct sa *out)
{
	struct fsa *f;

	last_error[0] = '\0';
	if (!spi || !dst)
		return fail(-EINVAL, "sa get: needs an SPI and dst");
	f = sa_find(spi, dst);
	if (!f)
		return fail(-ENOENT, "sa get");
	*out = f->sa;
	OPENSSL_cleanse(out->key, sizeof(out->key));
	OPENSSL_cleanse(out->auth_key, sizeof(out->auth_key));
	out->has_key = out->has_auth_key = false;
	if (f->larval)
		out->flags |= NFESP_SA_F_LARVAL;
	return 0;
}

static bool same_selector(const struct policy *a, const struct policy *b)
{
	return a->dir == b->dir && same_addr(&a->src, &b->src) && same_addr(&a->dst, &b->dst) &&
	       a->src_plen == b->src_plen && a->dst_plen == b->dst_plen && a->proto == b->proto &&
	       a->sport_min == b->sport_min && a->sport_max == b->sport_max &&
	       a->dport_min == b->dport_min && a->dport_max == b->dport_max &&
	       a->priority == b->priority;
}

int kb_policy_add(const struct policy *p, uint32_t *id)
{
	struct policy req;
	unsigned int i;

	last_error[0] = '\0';
	if (p->dir < 0 || p->dir > NFESP_DIR_MAX || p->action < 0 ||
	    p->action > NFESP_ACTION_MAX)
		return fail(-EINVAL, "policy add: needs dir and action");
	if (!p->src.family || p->src.family != p->dst.family)
		return fail(-EINVAL, "policy add: needs src and dst of one family");
	if (fail_wanted("policy_add"))
		return fail(-ENOMEM, "policy add");
	req = *p;
	if (!req.sport_min && !req.sport_max)
		req.sport_max = 65535;
	if (!req.dport_min && !req.dport_max)
		req.dport_max = 65535;
	for (i = 0; i < npols; i++)
		if (same_selector(&pols[i], &req))
			return fail(-EEXIST, "policy add");
	if (npols >= MAX_POLS)
		return fail(-ENOSPC, "policy add");
	req.id = next_pol_id++;
	pols[npols++] = req;
	if (id)
		*id = req.id;
	n_pol_add++;
	dump_state();
	return 0;
}

int kb_policy_del(uint32_t id)
{
	unsigned int i;

	last_error[0] = '\0';
	if (!id)
		return fail(-EINVAL, "policy del: needs an id");
	for (i = 0; i < npols; i++) {
		if (pols[i].id == id) {
			pols[i] = pols[--npols];
			dump_state();
			return 0;
		}
	}
	return fail(-ENOENT, "policy del");
}

int kb_list_owned_sas(uint64_t mask, uint64_t value, struct sa **out, size_t *n)
{
	unsigned int i;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < nsas; i++)
		if ((sas[i].sa.owner & mask) == value)
			k++;
	if (!k)
		return 0;
	*out = calloc(k, sizeof(**out));
	if (!*out)
		return fail(-ENOMEM, "sa list");
	for (i = 0; i < nsas; i++) {
		if ((sas[i].sa.owner & mask) != value)
			continue;
		(*out)[*n] = sas[i].sa;
		OPENSSL_cleanse((*out)[*n].key, sizeof((*out)[*n].key));
		OPENSSL_cleanse((*out)[*n].auth_key, sizeof((*out)[*n].auth_key));
		(*out)[*n].has_key = (*out)[*n].has_auth_key = false;
		(*n)++;
	}
	return 0;
}

int kb_list_owned_policies(uint64_t mask, uint64_t value, struct policy **out, size_t *n)
{
	unsigned int i;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < npols; i++)
		if ((pols[i].owner & mask) == value)
			k++;
	if (!k)
		return 0;
	*out = calloc(k, sizeof(**out));
	if (!*out)
		return fail(-ENOMEM, "policy list");
	for (i = 0; i < npols; i++)
		if ((pols[i].owner & mask) == value)
			(*out)[(*n)++] = pols[i];
	return 0;
}

int kb_flush_owned(uint64_t mask, uint64_t value)
{
	struct policy *pl;
	struct sa *sl;
	size_t i, n;
	int err, deleted = 0;

	err = kb_list_owned_policies(mask, value, &pl, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (!kb_policy_del(pl[i].id))
			deleted++;
	free(pl);
	err = kb_list_owned_sas(mask, value, &sl, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (!kb_sa_del(sl[i].spi, &sl[i].dst))
			deleted++;
	free(sl);
	last_error[0] = '\0';
	return deleted;
}

const char *kb_last_error(void)
{
	return last_error;
}

unsigned int kb_dump_restarts(void)
{
	return 0;
}
