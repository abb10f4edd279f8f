// SPDX-License-Identifier: GPL-2.0-only
/*
 * INFORMATIONAL (RFC 7296 1.4, 1.5, 2.4): Delete of child and IKE SAs,
 * liveness checks (dead peer detection), and notifies.
 */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "daemon_int.h"
#include "ikev1.h"
#include "ikev2.h"
#include "log.h"

static int delete_child_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
			     const struct ike2_pls *p)
{
	if (r->child) {
		ike_log(IKE_LOG_INFO, "%s: child SA 0x%08x/0x%08x deleted", ike_sa_name(sa),
			r->child->spi_in, r->child->spi_out);
		ike_child_free(r->child);
	}
	return 0;
}

int ike2_delete_child(struct ike_child *c)
{
	static struct ike_out o;
	struct ike_sa *sa = c->ike;
	struct ike_req *r;
	uint8_t spib[4];

	r = ike2_req_new(IKE_REQ_DELETE_CHILD, delete_child_resp);
	if (!r)
		return -1;
	r->child = c;
	c->state = CHILD_S_DELETING;
	ike_timer_cancel(&c->rekey_timer);
	put_be32(spib, c->spi_in);
	ike2_out_enc(&o);
	ike_enc_delete(&o.e, &(struct ike_delete){ .protocol = IKE_PROTO_ESP, .spi_size = 4,
						   .nspi = 1, .spis = spib });
	return ike2_request(sa, &o, IKE_EXCH_INFORMATIONAL, r);
}

static int delete_ike_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
			   const struct ike2_pls *p)
{
	ike2_sa_dead(sa, "deleted");
	return 0;
}

int ike2_delete_ike(struct ike_sa *sa)
{
	static struct ike_out o;
	struct ike_req *r;

	if (sa->version == 1)
		return ike1_delete_isakmp(sa);
	r = ike2_req_new(IKE_REQ_DELETE_IKE, delete_ike_resp);
	if (!r)
		return -1;
	ike2_out_enc(&o);
	ike_enc_delete(&o.e, &(struct ike_delete){ .protocol = IKE_PROTO_IKE });
	sa->state = IKE_S_DELETING;
	return ike2_request(sa, &o, IKE_EXCH_INFORMATIONAL, r);
}

static int dpd_resp(struct ike_sa *sa, struct ike_req *r, const struct ike_msg *m,
		    const struct ike2_pls *p)
{
	ike_log(IKE_LOG_DEBUG, "%s: the peer is alive", ike_sa_name(sa));
	return 0;
}

int ike2_dpd(struct ike_sa *sa)
{
	static struct ike_out o;
	struct ike_req *r;

	r = ike2_req_new(IKE_REQ_DPD, dpd_resp);
	if (!r)
		return -1;
	ike2_out_enc(&o);
	ike_log(IKE_LOG_DEBUG, "%s: liveness check", ike_sa_name(sa));
	return ike2_request(sa, &o, IKE_EXCH_INFORMATIONAL, r);
}

int ike2_info_in_req(struct ike_sa *sa, const struct ike_msg *m, const struct ike2_pls *p)
{
	static struct ike_out o;
	uint8_t ours[4 * 64];
	struct ike_delete d;
	struct ike_child *c;
	bool ike_deleted = false;
	unsigned int i, j, nours = 0;
	uint32_t spi;

	for (i = 0; i < p->ndel; i++) {
		if (ike_dec_delete(p->del[i], &d))
			continue;
		if (d.protocol == IKE_PROTO_IKE) {
			ike_deleted = true;
			continue;
		}
		if (d.protocol != IKE_PROTO_ESP || d.spi_size != 4)
			continue;
		for (j = 0; j < d.nspi; j++) {
			memcpy(&spi, d.spis + 4 * j, 4);
			c = ike_child_by_spi_out(sa, ntohl(spi));
			if (!c)
				continue;
			/* Our inbound SPIs in the answer, unless we are deleting it too. */
			if (c->state != CHILD_S_DELETING && nours < 64) {
				spi = htonl(c->spi_in);
				memcpy(ours + 4 * nours++, &spi, 4);
			}
			ike_log(IKE_LOG_INFO, "%s: the peer deleted child SA 0x%08x/0x%08x",
				ike_sa_name(sa), c->spi_in, c->spi_out);
			if (sa->req && (sa->req->child == c || sa->req->new_child == c)) {
				/* Our exchange about it is out: it forgets it on answer. */
				if (sa->req->child == c)
					sa->req->child = NULL;
			}
			ike_child_free(c);
		}
	}
	ike2_out_enc(&o);
	if (ike_deleted) {
		ike2_respond(sa, &o, IKE_EXCH_INFORMATIONAL, m->hdr.msgid);
		daemon_peer_deleted(sa);
		ike2_sa_dead(sa, "deleted by the peer");
		return 0;
	}
	if (nours)
		ike_enc_delete(&o.e, &(struct ike_delete){ .protocol = IKE_PROTO_ESP, .spi_size = 4,
							   .nspi = (uint16_t)nours, .spis = ours });
	if (!p->ndel && !p->nnotify)
		ike_log(IKE_LOG_DEBUG, "%s: liveness check answered", ike_sa_name(sa));
	return ike2_respond(sa, &o, IKE_EXCH_INFORMATIONAL, m->hdr.msgid);
}
