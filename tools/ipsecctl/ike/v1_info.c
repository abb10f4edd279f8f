// SPDX-License-Identifier: GPL-2.0-only
/*
 * Informational exchanges (RFC 2408 4.8, RFC 2409 5.7): one message each,
 * HDR*, HASH(1), N or D, with its own message ID and IV, unanswered --
 * but for dead peer detection (RFC 3706), where R-U-THERE is answered by
 * R-U-THERE-ACK with the same sequence number. Before phase 1 has keys a
 * notify goes in the clear, without HASH.
 */

#include <stdlib.h>
#include <string.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "log.h"

#define DPD_MAX_MISSES	3

int ike1_info_send(struct ike_sa *sa, void (*fill)(struct ike_out *o, void *arg), void *arg)
{
	static struct ike_out o;
	struct ike1_iv iv;
	uint32_t msgid;
	size_t hoff;

	msgid = ike1_msgid_new(sa);
	if (ike1_iv_phase2(&sa->v1->k, &sa->v1->iv, msgid, &iv))
		return -1;
	ike1_out_begin(&o, sa, IKE1_EXCH_INFORMATIONAL, msgid, true);
	hoff = ike1_out_hash_reserve(&o, sa);
	fill(&o, arg);
	ike1_out_hash(&o, sa, hoff, false, msgid, NULL, NULL);
	return ike1_out_send(sa, &o, &iv, NULL);
}

struct notify_arg {
	struct ike1_notify n;
};

static void fill_notify(struct ike_out *o, void *arg)
{
	ike1_enc_notify(&o->e, &((struct notify_arg *)arg)->n);
}

void ike1_send_notify(struct ike_sa *sa, uint16_t type, uint8_t proto, const uint8_t *spi,
		      uint8_t spi_size, const void *data, size_t len)
{
	static struct ike_out o;
	struct notify_arg a = {
		.n = {
			.doi = IKE1_DOI_IPSEC, .protocol = proto, .spi_size = spi_size,
			.type = type, .spi = spi, .data = { .p = data, .len = len },
		},
	};
	uint32_t msgid;

	if (sa->v1->st == IKE1_P1_DONE) {
		ike1_info_send(sa, fill_notify, &a);
		return;
	}
	/* No keys yet: in the clear (RFC 2408 4.8). */
	msgid = ike1_msgid_new(sa);
	ike1_out_begin(&o, sa, IKE1_EXCH_INFORMATIONAL, msgid, false);
	ike1_enc_notify(&o.e, &a.n);
	ike1_out_send(sa, &o, NULL, NULL);
}

struct delete_arg {
	struct ike1_delete d;
};

static void fill_delete(struct ike_out *o, void *arg)
{
	ike1_enc_delete(&o->e, &((struct delete_arg *)arg)->d);
}

int ike1_delete_child(struct ike_child *c)
{
	struct ike_sa *sa = c->ike;
	uint8_t spi[4];
	struct delete_arg a = {
		.d = {
			.doi = IKE1_DOI_IPSEC, .protocol = IKE_PROTO_ESP, .spi_size = 4, .nspi = 1,
			.spis = spi,
		},
	};

	if (!c->spi_in || sa->state != IKE_S_ESTABLISHED)
		return -1;
	put_be32(spi, c->spi_in);
	ike_log(IKE_LOG_INFO, "%s: deleting child SA 0x%08x/0x%08x", ike_sa_name(sa), c->spi_in,
		c->spi_out);
	return ike1_info_send(sa, fill_delete, &a);
}

int ike1_delete_isakmp(struct ike_sa *sa)
{
	uint8_t cookies[2 * IKE_SPI_LEN];
	struct delete_arg a = {
		.d = {
			.doi = IKE1_DOI_IPSEC, .protocol = IKE_PROTO_IKE,
			.spi_size = 2 * IKE_SPI_LEN, .nspi = 1, .spis = cookies,
		},
	};
	struct ike_child *c;

	if (!sa->v1 || sa->v1->st != IKE1_P1_DONE)
		return -1;
	/* Its IPsec SAs first (unless a newer ISAKMP SA took them over). */
	for (c = sa->children; c; c = c->next)
		if (c->installed_in)
			ike1_delete_child(c);
	memcpy(cookies, sa->spi_i, IKE_SPI_LEN);
	memcpy(cookies + IKE_SPI_LEN, sa->spi_r, IKE_SPI_LEN);
	sa->state = IKE_S_DELETING;
	ike_log(IKE_LOG_INFO, "%s: deleting the ISAKMP SA", ike_sa_name(sa));
	return ike1_info_send(sa, fill_delete, &a);
}

static void fill_dpd(struct ike_out *o, void *arg)
{
	struct ike_sa *sa = arg;
	uint8_t cookies[2 * IKE_SPI_LEN], seq[4];
	struct ike1_notify n = {
		.doi = IKE1_DOI_IPSEC, .protocol = IKE_PROTO_IKE, .spi_size = sizeof(cookies),
		.type = sa->v1->dpd_out ? IKE1_N_R_U_THERE : IKE1_N_R_U_THERE_ACK,
		.spi = cookies, .data = { .p = seq, .len = 4 },
	};

	memcpy(cookies, sa->spi_i, IKE_SPI_LEN);
	memcpy(cookies + IKE_SPI_LEN, sa->spi_r, IKE_SPI_LEN);
	put_be32(seq, sa->v1->dpd_seq);
	ike1_enc_notify(&o->e, &n);
}

/* RFC 3706 5: R-U-THERE when the peer has been quiet; dead after a few misses. */
int ike1_dpd(struct ike_sa *sa)
{
	struct ike1_state *v = sa->v1;

	if (!v->peer_dpd)
		return 0;
	if (v->dpd_out && ++sa->dpd_misses >= DPD_MAX_MISSES) {
		ike2_sa_dead(sa, "dead peer: no answer to R-U-THERE");
		return -1;
	}
	if (!v->dpd_seq)
		ike_random(&v->dpd_seq, sizeof(v->dpd_seq));
	v->dpd_seq = (v->dpd_seq + 1) & 0x7fffffff;
	v->dpd_out = true;
	ike_log(IKE_LOG_DEBUG, "%s: R-U-THERE %u", ike_sa_name(sa), v->dpd_seq);
	return ike1_info_send(sa, fill_dpd, sa);
}

static void dpd_ack(struct ike_sa *sa, uint32_t seq)
{
	struct ike1_state *v = sa->v1;
	uint32_t mine = v->dpd_seq;
	bool out = v->dpd_out;

	/* The answer carries the peer's sequence number; ours is restored after. */
	v->dpd_seq = seq;
	v->dpd_out = false;
	ike1_info_send(sa, fill_dpd, sa);
	v->dpd_seq = mine;
	v->dpd_out = out;
}

static void on_delete(struct ike_sa *sa, const struct ike1_delete *d)
{
	struct ike_child *c;
	unsigned int i;

	if (d->protocol == IKE_PROTO_IKE && d->spi_size == 2 * IKE_SPI_LEN) {
		for (i = 0; i < d->nspi; i++) {
			if (memcmp(d->spis + d->spi_size * i, sa->spi_i, IKE_SPI_LEN) ||
			    memcmp(d->spis + d->spi_size * i + IKE_SPI_LEN, sa->spi_r, IKE_SPI_LEN))
				continue;
			ike_log(IKE_LOG_INFO, "%s: the peer deleted the ISAKMP SA", ike_sa_name(sa));
			if (!sa->replaced)
				daemon_peer_deleted(sa);
			ike2_sa_dead(sa, "deleted by the peer");
			return;
		}
		return;
	}
	if (d->protocol != IKE_PROTO_ESP || d->spi_size != 4)
		return;
	for (i = 0; i < d->nspi; i++) {
		c = ike_child_by_spi_out(sa, get_be32(d->spis + 4 * i));
		if (!c)
			continue;
		ike_log(IKE_LOG_INFO, "%s: the peer deleted child SA 0x%08x/0x%08x",
			ike_sa_name(sa), c->spi_in, c->spi_out);
		ike_child_free(c);
	}
}

void ike1_info_in(struct ike_sa *sa, struct ike_msg *m, struct ike1_x *x)
{
	struct ike1_notify n;
	struct ike1_delete d;
	bool enc = m->hdr.flags & IKE1_FLAG_ENCRYPTION;
	unsigned int i;

	if (enc && !ike1_hash_ok(sa, m, false, m->hdr.msgid, NULL, NULL)) {
		ike_log(IKE_LOG_WARN, "%s: Informational 0x%08x: bad HASH(1): dropped",
			ike_sa_name(sa), m->hdr.msgid);
		return;
	}
	(void)x;
	for (i = 0; i < m->npl && sa->state != IKE_S_DEAD; i++) {
		if (m->pl[i].type == IKE1_PL_DELETE && enc && !ike1_dec_delete(&m->pl[i], &d)) {
			on_delete(sa, &d);
			continue;
		}
		if (m->pl[i].type != IKE1_PL_NOTIFY || ike1_dec_notify(&m->pl[i], &n))
			continue;
		if (enc && n.type == IKE1_N_R_U_THERE && n.data.len == 4) {
			dpd_ack(sa, get_be32(n.data.p));
		} else if (enc && n.type == IKE1_N_R_U_THERE_ACK && n.data.len == 4) {
			if (get_be32(n.data.p) == sa->v1->dpd_seq) {
				sa->v1->dpd_out = false;
				sa->dpd_misses = 0;
			}
		} else if (n.type < IKE_NOTIFY_STATUS_MIN) {
			ike_log(IKE_LOG_WARN, "%s: the peer refused: notify %u%s", ike_sa_name(sa),
				n.type, n.type == IKE_N_NO_PROPOSAL_CHOSEN ? " (NO-PROPOSAL-CHOSEN)" :
				n.type == IKE_N_AUTHENTICATION_FAILED ? " (AUTHENTICATION-FAILED)" :
				n.type == IKE1_N_INVALID_ID_INFORMATION ? " (INVALID-ID-INFORMATION)" :
				"");
			/* Before phase 1 is up, such a notify ends it. */
			if (sa->v1->st != IKE1_P1_DONE)
				ike2_sa_dead(sa, "refused by the peer");
		} else {
			ike_log(IKE_LOG_DEBUG, "%s: notify %u from the peer", ike_sa_name(sa),
				n.type);
		}
	}
}
