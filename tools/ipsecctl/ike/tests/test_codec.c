// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the IKE codec: the reader and writer, a hand-built
 * IKE_SA_INIT request decoded field by field and encoded back byte for
 * byte, round trips of every payload, every class of malformed message
 * refused with its error, and a mutation loop that ASan and UBSan watch.
 * KTAP on stdout; exits 1 if any test failed.
 *
 *	test_codec [-n MUTATIONS] [-s SEED]
 *	test_codec -c DIR	write the valid messages to DIR (the fuzzer's seeds)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "../buf.h"
#include "../codec.h"
#include "../codec1.h"
#include "roundtrip.h"

static unsigned long mutations = 100000;
static unsigned long seed = 7296;

#define CHECK_ERR(got, want) check_err((got), (want), #got, __LINE__)

static bool check_err(int got, int want, const char *what, int line)
{
	checks++;
	if (got == want)
		return true;
	printf("# line %d: %s: got \"%s\", want \"%s\"\n", line, what, ike_strerror(got),
	       ike_strerror(want));
	failures++;
	return false;
}

/* A message under construction, in a fixed buffer. */
struct bytes {
	uint8_t p[4096];
	size_t len;
};

static void put(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->p))
		abort();
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_fill(struct bytes *b, uint8_t v, size_t n)
{
	if (b->len + n > sizeof(b->p))
		abort();
	memset(b->p + b->len, v, n);
	b->len += n;
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, v >> 16);
	put_u16(p + 2, (uint16_t)v);
}

/* Set the header's length field to the bytes so far. */
static void fix_len(struct bytes *b)
{
	put_u32(b->p + 24, (uint32_t)b->len);
}

/* Decode a copy of exactly len bytes, so that ASan sees any overread. */
static int decode_copy(const uint8_t *p, size_t len, struct ike_msg *m, uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	if (!*copy)
		abort();
	memcpy(*copy, p, len);
	return ike_decode(*copy, len, m);
}

/*
 * RFC 7296 1.2's first message, built by hand from the formats of section
 * 3: HDR, SA (IKE: AES-CBC-128, PRF-HMAC-SHA2-256, HMAC-SHA2-256-128,
 * MODP 2048), KE (group 14, 256 bytes), Ni (32 bytes), N(NAT_DETECTION_
 * SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP).
 */
static const uint8_t init_hdr[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* SPIi */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* SPIr */
	33, 0x20, 34, 0x08,				/* next SA, 2.0, IKE_SA_INIT, I */
	0x00, 0x00, 0x00, 0x00,				/* message ID */
	0x00, 0x00, 0x01, 0xb0,				/* length 432 */
};

static const uint8_t init_sa[] = {
	34, 0x00, 0x00, 48,			/* next KE, length 48 */
	0, 0, 0x00, 44, 1, 1, 0, 4,		/* last, length 44, #1, IKE, SPI 0, 4 transforms */
	3, 0, 0x00, 12, 1, 0, 0x00, 12,		/* more, length 12, ENCR, AES-CBC */
	0x80, 0x0e, 0x00, 0x80,			/* key length 128 */
	3, 0, 0x00, 8, 2, 0, 0x00, 5,		/* PRF_HMAC_SHA2_256 */
	3, 0, 0x00, 8, 3, 0, 0x00, 12,		/* AUTH_HMAC_SHA2_256_128 */
	0, 0, 0x00, 8, 4, 0, 0x00, 14,		/* last, DH MODP 2048 */
};

static const uint8_t init_ke[] = { 40, 0x00, 0x01, 0x08, 0x00, 14, 0x00, 0x00 };
static const uint8_t init_nonce[] = { 41, 0x00, 0x00, 36 };
static const uint8_t init_natd_src[] = { 41, 0x00, 0x00, 28, 0, 0, 0x40, 0x04 };
static const uint8_t init_natd_dst[] = { 0, 0x00, 0x00, 28, 0, 0, 0x40, 0x05 };

static void build_sa_init(struct bytes *b)
{
	b->len = 0;
	put(b, init_hdr, sizeof(init_hdr));
	put(b, init_sa, sizeof(init_sa));
	put(b, init_ke, sizeof(init_ke));
	put_fill(b, 0xaa, 256);
	put(b, init_nonce, sizeof(init_nonce));
	put_fill(b, 0x11, 32);
	put(b, init_natd_src, sizeof(init_natd_src));
	put_fill(b, 0x5a, 20);
	put(b, init_natd_dst, sizeof(init_natd_dst));
	put_fill(b, 0xa5, 20);
}

static void test_rbuf(void)
{
	static const uint8_t d[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct ike_rbuf r;

	ike_rbuf_init(&r, d, sizeof(d));
	CHECK(ike_rbuf_u8(&r) == 1);
	CHECK(ike_rbuf_u16(&r) == 0x0203);
	CHECK(ike_rbuf_u32(&r) == 0x04050607);
	CHECK(ike_rbuf_u64(&r) == 0x08090a0b0c0d0e0fULL);
	CHECK(!r.err && ike_rbuf_left(&r) == 0);
	CHECK(ike_rbuf_bytes(&r, 0) != NULL);
	CHECK(ike_rbuf_u8(&r) == 0 && r.err);
	/* Sticky: nothing reads once the error is set. */
	CHECK(ike_rbuf_bytes(&r, 0) == NULL && ike_rbuf_left(&r) == 0);

	ike_rbuf_init(&r, d, 3);
	CHECK(ike_rbuf_u32(&r) == 0 && r.err && r.off == 0);
	ike_rbuf_init(&r, d, 3);
	CHECK(ike_rbuf_skip(&r, 2) && !ike_rbuf_skip(&r, 2) && ike_rbuf_u8(&r) == 0);
	ike_rbuf_init(&r, d, 3);
	CHECK(ike_rbuf_bytes(&r, SIZE_MAX) == NULL && r.err);
	ike_rbuf_init(&r, NULL, 10);
	CHECK(ike_rbuf_left(&r) == 0 && ike_rbuf_u8(&r) == 0 && r.err);
}

static void test_wbuf(void)
{
	static const uint8_t want[] = { 1, 0, 2, 0, 0, 0, 3, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 4 };
	uint8_t buf[17];
	struct ike_wbuf w;
	size_t off;

	ike_wbuf_init(&w, buf, sizeof(buf));
	ike_wbuf_u8(&w, 1);
	ike_wbuf_u16(&w, 2);
	ike_wbuf_u32(&w, 3);
	off = ike_wbuf_reserve(&w, 2);
	ike_wbuf_u64(&w, 4);
	ike_wbuf_patch_u16(&w, off, 0xabcd);
	CHECK(!w.err && w.len == sizeof(want) && !memcmp(buf, want, sizeof(want)));
	/* Full: the write is refused whole and the error sticks. */
	ike_wbuf_u8(&w, 9);
	CHECK(w.err && w.len == sizeof(want));
	ike_wbuf_init(&w, buf, 3);
	ike_wbuf_u32(&w, 1);
	CHECK(w.err && w.len == 0);
	ike_wbuf_u8(&w, 1);
	CHECK(w.len == 0);
	/* Patches only inside what was written. */
	ike_wbuf_init(&w, buf, sizeof(buf));
	ike_wbuf_u16(&w, 0);
	ike_wbuf_patch_u16(&w, 1, 7);
	CHECK(w.err);
	ike_wbuf_init(&w, buf, sizeof(buf));
	ike_wbuf_patch_u8(&w, SIZE_MAX, 7);
	CHECK(w.err);
	ike_wbuf_init(&w, buf, sizeof(buf));
	ike_wbuf_bytes(&w, buf, SIZE_MAX);
	CHECK(w.err && w.len == 0);
}

static void test_strerror(void)
{
	int i, j;

	for (i = 0; i < IKE_E_COUNT; i++) {
		CHECK(strcmp(ike_strerror(i), "unknown error") != 0);
		for (j = 0; j < i; j++)
			if (!strcmp(ike_strerror(i), ike_strerror(j)))
				CHECK(!"two errors share a name");
	}
	CHECK(!strcmp(ike_strerror(-1), "unknown error"));
	CHECK(!strcmp(ike_strerror(IKE_E_COUNT), "unknown error"));
	CHECK(!strcmp(ike_strerror(IKE_E_PL_PAST_END), "payload length past end of message"));
}

static void check_sa_init_sa(const struct ike_pl *pl)
{
	struct ike_sa_pl sa;
	const struct ike_transform *t = sa.trans;

	if (!CHECK_ERR(ike_dec_sa(pl, &sa), IKE_OK))
		return;
	CHECK(sa.nprop == 1 && sa.ntrans == 4);
	CHECK(sa.prop[0].num == 1 && sa.prop[0].protocol == IKE_PROTO_IKE);
	CHECK(sa.prop[0].spi_size == 0 && sa.prop[0].first == 0 && sa.prop[0].ntrans == 4);
	CHECK(t[0].type == IKE_TRANS_ENCR && t[0].id == IKE_ENCR_AES_CBC && t[0].keylen == 128);
	CHECK(t[1].type == IKE_TRANS_PRF && t[1].id == IKE_PRF_HMAC_SHA2_256 && !t[1].keylen);
	CHECK(t[2].type == IKE_TRANS_INTEG && t[2].id == IKE_INTEG_HMAC_SHA2_256_128);
	CHECK(t[3].type == IKE_TRANS_DH && t[3].id == IKE_DH_MODP2048);
	CHECK(!t[0].unknown_attr && !t[1].unknown_attr && !t[2].unknown_attr &&
	      !t[3].unknown_attr);
}

static void check_sa_init_rest(const struct ike_msg *m)
{
	struct ike_notify n;
	struct ike_view v;
	struct ike_ke ke;

	if (CHECK_ERR(ike_dec_ke(&m->pl[1], &ke), IKE_OK))
		CHECK(ke.group == IKE_DH_MODP2048 && ke.data.len == 256 && ke.data.p[255] == 0xaa);
	if (CHECK_ERR(ike_dec_nonce(&m->pl[2], &v), IKE_OK))
		CHECK(v.len == 32 && v.p[0] == 0x11 && v.p == m->raw.p + 28 + 48 + 264 + 4);
	if (CHECK_ERR(ike_dec_notify(&m->pl[3], &n), IKE_OK))
		CHECK(n.type == IKE_N_NAT_DETECTION_SOURCE_IP && !n.protocol && !n.spi_size &&
		      n.data.len == 20 && n.data.p[19] == 0x5a);
	if (CHECK_ERR(ike_dec_notify(&m->pl[4], &n), IKE_OK))
		CHECK(n.type == IKE_N_NAT_DETECTION_DESTINATION_IP && n.data.len == 20 &&
		      n.data.p[0] == 0xa5);
	CHECK_ERR(ike_dec_ke(&m->pl[2], &ke), IKE_E_WRONG_TYPE);
}

static void test_sa_init_decode(void)
{
	static const uint8_t types[] = { 33, 34, 40, 41, 41 };
	const struct ike_pl *pl;
	struct ike_msg m;
	struct bytes b;
	unsigned int i, from = 0;
	uint8_t *copy;

	build_sa_init(&b);
	CHECK(b.len == 432);
	if (!CHECK_ERR(decode_copy(b.p, b.len, &m, &copy), IKE_OK))
		goto out;
	CHECK(!memcmp(m.hdr.spi_i, init_hdr, 8) && !memcmp(m.hdr.spi_r, init_hdr + 8, 8));
	CHECK(m.hdr.next == IKE_PL_SA && m.hdr.major == 2 && m.hdr.minor == 0);
	CHECK(m.hdr.exchange == IKE_EXCH_IKE_SA_INIT && m.hdr.flags == IKE_FLAG_INITIATOR);
	CHECK(m.hdr.msgid == 0 && m.hdr.length == 432);
	CHECK(m.npl == 5 && !m.encrypted.p);
	for (i = 0; i < m.npl && i < 5; i++)
		CHECK(m.pl[i].type == types[i] && !m.pl[i].critical && !m.pl[i].inner);
	CHECK(m.pl[0].body.len == 44 && m.pl[1].body.len == 260 && m.pl[2].body.len == 32);
	CHECK(m.pl[4].next == 0 && m.pl[0].next == 34);
	if (m.npl == 5) {
		check_sa_init_sa(&m.pl[0]);
		check_sa_init_rest(&m);
	}
	pl = ike_msg_find(&m, IKE_PL_NOTIFY, &from);
	CHECK(pl == &m.pl[3] && from == 4);
	pl = ike_msg_find(&m, IKE_PL_NOTIFY, &from);
	CHECK(pl == &m.pl[4] && !ike_msg_find(&m, IKE_PL_NOTIFY, &from));
	CHECK(!ike_msg_find(&m, IKE_PL_AUTH, NULL));
	CHECK(rt_check(copy, b.len) == NULL);
out:
	free(copy);
}

/* The same message from the encoders must be the same bytes. */
static void test_sa_init_encode(void)
{
	static const uint8_t natd_s[20] = { [0 ... 19] = 0x5a }, natd_d[20] = { [0 ... 19] = 0xa5 };
	static const uint8_t ke_data[256] = { [0 ... 255] = 0xaa };
	static const uint8_t nonce_data[32] = { [0 ... 31] = 0x11 };
	struct ike_sa_pl sa = {
		.nprop = 1, .ntrans = 4,
		.prop = { { .num = 1, .protocol = IKE_PROTO_IKE, .first = 0, .ntrans = 4 } },
		.trans = {
			{ .type = IKE_TRANS_ENCR, .id = IKE_ENCR_AES_CBC, .keylen = 128 },
			{ .type = IKE_TRANS_PRF, .id = IKE_PRF_HMAC_SHA2_256 },
			{ .type = IKE_TRANS_INTEG, .id = IKE_INTEG_HMAC_SHA2_256_128 },
			{ .type = IKE_TRANS_DH, .id = IKE_DH_MODP2048 },
		},
	};
	struct ike_ke ke = { IKE_DH_MODP2048, { ke_data, sizeof(ke_data) } };
	struct ike_view nonce = { nonce_data, sizeof(nonce_data) };
	struct ike_notify n = { .type = IKE_N_NAT_DETECTION_SOURCE_IP, .data = { natd_s, 20 } };
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	uint8_t out[432];
	struct ike_wbuf w;
	struct ike_enc e;
	struct bytes b;

	memcpy(h.spi_i, init_hdr, 8);
	build_sa_init(&b);
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	ike_enc_sa(&e, &sa);
	ike_enc_ke(&e, &ke);
	ike_enc_nonce(&e, &nonce);
	ike_enc_notify(&e, &n);
	n.type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	n.data.p = natd_d;
	ike_enc_notify(&e, &n);
	CHECK_ERR(ike_enc_end(&e), IKE_OK);
	CHECK(w.len == b.len && !memcmp(out, b.p, b.len));

	/* One byte short: refused, and the writer stays inside its buffer. */
	ike_wbuf_init(&w, out, sizeof(out) - 1);
	ike_enc_begin(&e, &w, &h);
	ike_enc_sa(&e, &sa);
	ike_enc_ke(&e, &ke);
	ike_enc_nonce(&e, &nonce);
	ike_enc_notify(&e, &n);
	ike_enc_notify(&e, &n);
	CHECK_ERR(ike_enc_end(&e), IKE_E_NOSPACE);
	CHECK(w.len <= sizeof(out) - 1);
}

/* Every payload through its encoder, the message decoded, each compared. */
static const uint8_t spi_a[4] = { 0xc0, 0, 0, 1 }, spi_b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t v4a[4] = { 10, 1, 0, 0 }, v4b[4] = { 10, 1, 255, 255 };
static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
static const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, [4 ... 15] = 0xff };
static const uint8_t blob[300] = { 1, 2, 3, [299] = 4 };

static void fill_typed(struct rt_typed *t, uint8_t type)
{
	memset(t, 0, sizeof(*t));
	switch (type) {
	case IKE_PL_SA:
		t->sa.nprop = 2;
		t->sa.ntrans = 5;
		t->sa.prop[0] = (struct ike_proposal){ .num = 1, .protocol = IKE_PROTO_ESP,
						       .spi_size = 4, .spi = spi_a, .ntrans = 2 };
		t->sa.prop[1] = (struct ike_proposal){ .num = 2, .protocol = IKE_PROTO_IKE,
						       .spi_size = 8, .spi = spi_b, .first = 2,
						       .ntrans = 3 };
		t->sa.trans[0] = (struct ike_transform){ .type = IKE_TRANS_ENCR,
							 .id = IKE_ENCR_AES_GCM_16, .keylen = 256 };
		t->sa.trans[1] = (struct ike_transform){ .type = IKE_TRANS_ESN, .id = IKE_ESN_YES };
		t->sa.trans[2] = (struct ike_transform){ .type = IKE_TRANS_ENCR,
							 .id = IKE_ENCR_CHACHA20_POLY1305 };
		t->sa.trans[3] = (struct ike_transform){ .type = IKE_TRANS_PRF,
							 .id = IKE_PRF_HMAC_SHA2_512 };
		t->sa.trans[4] = (struct ike_transform){ .type = IKE_TRANS_DH,
							 .id = IKE_DH_CURVE25519 };
		break;
	case IKE_PL_KE:
		t->ke = (struct ike_ke){ IKE_DH_CURVE25519, { blob, 32 } };
		break;
	case IKE_PL_NONCE:
		t->view = (struct ike_view){ blob, 256 };
		break;
	case IKE_PL_VID:
		t->view = (struct ike_view){ blob, 16 };
		break;
	case IKE_PL_IDI:
		t->id = (struct ike_id){ IKE_ID_FQDN, { (const uint8_t *)"gw-a.example", 12 } };
		break;
	case IKE_PL_IDR:
		t->id = (struct ike_id){ IKE_ID_IPV6_ADDR, { v6a, 16 } };
		break;
	case IKE_PL_AUTH:
		t->auth = (struct ike_auth){ IKE_AUTH_PSK, { blob, 32 } };
		break;
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		t->cert = (struct ike_cert){ 4, { blob, 300 } };
		break;
	case IKE_PL_NOTIFY:
		t->n = (struct ike_notify){ .protocol = IKE_PROTO_ESP, .spi_size = 4,
					    .type = IKE_N_REKEY_SA, .spi = spi_a };
		break;
	case IKE_PL_DELETE:
		t->d = (struct ike_delete){ IKE_PROTO_ESP, 4, 2, spi_b };
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		t->ts.n = 3;
		t->ts.ts[0] = (struct ike_ts){ .type = IKE_TS_IPV4_ADDR_RANGE, .proto = 6,
					       .sport = 80, .eport = 443, .alen = 4,
					       .start = v4a, .end = v4b };
		t->ts.ts[1] = (struct ike_ts){ .type = IKE_TS_IPV6_ADDR_RANGE, .eport = 65535,
					       .alen = 16, .start = v6a, .end = v6b };
		t->ts.ts[2] = (struct ike_ts){ .type = IKE_TS_IPV4_ADDR_RANGE, .proto = 17,
					       .sport = IKE_TS_PORT_OPAQUE_START,
					       .eport = IKE_TS_PORT_OPAQUE_END, .alen = 4,
					       .start = v4a, .end = v4a };
		break;
	case IKE_PL_CP:
		t->cp.cfg_type = IKE_CFG_REQUEST;
		t->cp.n = 2;
		t->cp.attr[0] = (struct ike_cp_attr){ 1, { NULL, 0 } };
		t->cp.attr[1] = (struct ike_cp_attr){ 3, { v4a, 4 } };
		break;
	case IKE_PL_SK:
		t->sk = (struct ike_sk){ .inner = IKE_PL_IDI, .data = { blob, 64 } };
		break;
	case IKE_PL_SKF:
		t->sk = (struct ike_sk){ .inner = IKE_PL_IDI, .frag = true, .frag_num = 2,
					 .frag_total = 3, .data = { blob, 64 } };
		break;
	}
}

static void test_roundtrip_all(void)
{
	static const uint8_t types[] = {
		IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_IDI, IKE_PL_IDR, IKE_PL_CERT,
		IKE_PL_CERTREQ, IKE_PL_AUTH, IKE_PL_NOTIFY, IKE_PL_DELETE, IKE_PL_TSI, IKE_PL_TSR,
		IKE_PL_VID, IKE_PL_CP, IKE_PL_SK,
	};
	const unsigned int n = sizeof(types);
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_IKE_AUTH, .msgid = 1 };
	struct rt_typed want, got;
	static uint8_t out[4096];
	struct ike_wbuf w;
	struct ike_msg m;
	struct ike_enc e;
	unsigned int i;

	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	for (i = 0; i < n; i++) {
		fill_typed(&want, types[i]);
		rt_enc(&e, types[i], &want);
	}
	if (!CHECK_ERR(ike_enc_end(&e), IKE_OK) || !CHECK_ERR(ike_decode(out, w.len, &m), IKE_OK))
		return;
	CHECK(m.npl == n && m.hdr.length == w.len);
	for (i = 0; i < n && i < m.npl; i++) {
		fill_typed(&want, types[i]);
		if (!CHECK(m.pl[i].type == types[i] && rt_dec(&m.pl[i], &got)))
			continue;
		if (!CHECK_ERR(got.err, IKE_OK))
			continue;
		if (!check(rt_eq(types[i], &want, &got), "round trip", __LINE__))
			printf("# payload type %u\n", types[i]);
	}
	CHECK(rt_check(out, w.len) == NULL);

	/* SKF, alone, and nothing after an SK. */
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	fill_typed(&want, IKE_PL_SKF);
	ike_enc_sk(&e, &want.sk);
	CHECK_ERR(ike_enc_end(&e), IKE_OK);
	if (CHECK_ERR(ike_decode(out, w.len, &m), IKE_OK) && CHECK(m.npl == 1)) {
		CHECK(rt_dec(&m.pl[0], &got) && got.err == IKE_OK);
		CHECK(rt_eq(IKE_PL_SKF, &want, &got));
	}
	ike_enc_vid(&e, &want.view);
	CHECK_ERR(ike_enc_end(&e), IKE_E_ENC_ORDER);
	/* A payload after the SK, by hand: not part of the chain. */
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	fill_typed(&want, IKE_PL_SK);
	ike_enc_sk(&e, &want.sk);
	ike_wbuf_bytes(&w, (uint8_t[]){ 0, 0, 0, 4 }, 4);
	CHECK_ERR(ike_enc_end(&e), IKE_OK);
	CHECK_ERR(ike_decode(out, w.len, &m), IKE_E_TRAILING);
}

/* An SK payload's plaintext chain joins the message, marked inner. */
static void test_inner(void)
{
	static const uint8_t plain[] = {
		39, 0, 0, 12, IKE_ID_IPV4_ADDR, 0, 0, 0, 192, 0, 2, 1,	/* IDi */
		0, 0, 0, 9, IKE_AUTH_PSK, 0, 0, 0, 0xee,		/* AUTH */
	};
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_IKE_AUTH, .msgid = 1 };
	struct ike_sk sk = { .inner = IKE_PL_IDI, .data = { blob, 40 } };
	static uint8_t out[256];
	struct ike_wbuf w;
	struct ike_msg m;
	struct ike_enc e;
	struct ike_id id;

	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	ike_enc_sk(&e, &sk);
	if (!CHECK_ERR(ike_enc_end(&e), IKE_OK) || !CHECK_ERR(ike_decode(out, w.len, &m), IKE_OK))
		return;
	CHECK(m.npl == 1 && m.pl[0].type == IKE_PL_SK && m.pl[0].next == IKE_PL_IDI);
	if (!CHECK_ERR(ike_decode_inner(&m, m.pl[0].next, plain, sizeof(plain)), IKE_OK))
		return;
	CHECK(m.npl == 3 && m.pl[1].inner && m.pl[2].inner && m.pl[2].type == IKE_PL_AUTH);
	if (CHECK_ERR(ike_dec_id(&m.pl[1], &id), IKE_OK))
		CHECK(id.type == IKE_ID_IPV4_ADDR && id.data.len == 4 && id.data.p[0] == 192);
	/* Re-encoding leaves the inner ones in the ciphertext. */
	ike_wbuf_init(&w, out + 128, 128);
	CHECK_ERR(ike_encode(&w, &m), IKE_OK);
	CHECK(w.len == m.raw.len && !memcmp(out, out + 128, w.len));
	CHECK_ERR(ike_decode_inner(&m, IKE_PL_IDI, plain, sizeof(plain) - 1), IKE_E_PL_PAST_END);
}

/* An IKEv1 main mode first message: SA (DOI IPsec, situation identity only), a VID. */
static const uint8_t mm[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0,
	IKE1_PL_SA, 0x10, IKE1_EXCH_IDENT_PROT, 0, 0, 0, 0, 0, 0, 0, 0, 52,
	IKE1_PL_VID, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 1,		/* SA: DOI, situation */
	0, 0x80, 0, 12, 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, /* VID */
};

static bool refused(const struct bytes *b, int want, int line);

static void test_ikev1(void)
{
	struct ike_msg m;
	struct bytes b;
	uint8_t *copy;

	if (CHECK_ERR(decode_copy(mm, sizeof(mm), &m, &copy), IKE_OK)) {
		CHECK(m.hdr.major == 1 && m.hdr.exchange == IKE1_EXCH_IDENT_PROT && m.npl == 2);
		CHECK(m.pl[1].type == IKE1_PL_VID && !m.pl[1].critical && m.pl[1].body.len == 8);
		CHECK(rt_check(copy, sizeof(mm)) == NULL);
	}
	free(copy);

	/* The E flag: everything after the header is the caller's to decrypt. */
	b.len = 0;
	put(&b, mm, sizeof(mm));
	b.p[19] = IKE1_FLAG_ENCRYPTION;
	if (CHECK_ERR(decode_copy(b.p, b.len, &m, &copy), IKE_OK)) {
		CHECK(m.npl == 0 && m.encrypted.len == 24 && m.encrypted.p == copy + 28);
		CHECK(rt_check(copy, b.len) == NULL);
		/* Decrypted, with padding after the chain. */
		CHECK_ERR(ike_decode_inner(&m, IKE1_PL_SA, mm + 28, 24 - 1), IKE_E_PL_PAST_END);
		m.npl = 0;
		put_fill(&b, 0, 3);
		CHECK_ERR(ike_decode_inner(&m, IKE1_PL_SA, b.p + 28, b.len - 28), IKE_OK);
		CHECK(m.npl == 2 && m.pl[0].inner);
	}
	free(copy);

	/* Libreswan pads a message to 4 bytes: up to 3 taken and kept, not 4. */
	b.len = 0;
	put(&b, mm, sizeof(mm));
	put_fill(&b, 0, 3);
	b.p[27] = (uint8_t)b.len;
	if (CHECK_ERR(decode_copy(b.p, b.len, &m, &copy), IKE_OK)) {
		CHECK(m.npl == 2 && m.trailer.len == 3);
		CHECK(rt_check(copy, b.len) == NULL);
	}
	free(copy);
	put_fill(&b, 0, 1);
	b.p[27] = (uint8_t)b.len;
	refused(&b, IKE_E_TRAILING, __LINE__);
}

/* Decoding bytes b must fail with want. */
static bool refused(const struct bytes *b, int want, int line)
{
	struct ike_msg m;
	uint8_t *copy;
	bool ok;

	ok = check_err(decode_copy(b->p, b->len, &m, &copy), want, "ike_decode", line);
	free(copy);
	return ok;
}

static void test_bad_header(void)
{
	struct ike_msg m;
	struct bytes b;
	size_t len;
	uint8_t *copy;

	build_sa_init(&b);
	for (len = 0; len < IKE_HDR_LEN; len++) {
		CHECK_ERR(decode_copy(b.p, len, &m, &copy), IKE_E_HDR_TRUNC);
		free(copy);
	}
	CHECK_ERR(ike_decode(NULL, 0, &m), IKE_E_HDR_TRUNC);
	/* Any shorter datagram, or the length field one off either way. */
	for (len = IKE_HDR_LEN; len < b.len; len++) {
		CHECK_ERR(decode_copy(b.p, len, &m, &copy), IKE_E_MSG_LEN);
		free(copy);
	}
	put_u32(b.p + 24, 433);
	refused(&b, IKE_E_MSG_LEN, __LINE__);
	put_u32(b.p + 24, 431);
	refused(&b, IKE_E_MSG_LEN, __LINE__);
	put_u32(b.p + 24, 0xffffffff);
	refused(&b, IKE_E_MSG_LEN, __LINE__);
	fix_len(&b);
	b.p[17] = 0x30;
	refused(&b, IKE_E_VERSION, __LINE__);
	b.p[17] = 0x00;
	refused(&b, IKE_E_VERSION, __LINE__);
	b.p[17] = 0xf0;
	refused(&b, IKE_E_VERSION, __LINE__);
	b.p[17] = 0x2f;		/* minor versions are ignored */
	refused(&b, IKE_OK, __LINE__);
	/* Trailing bytes, length field included. */
	build_sa_init(&b);
	put_fill(&b, 0, 4);
	fix_len(&b);
	refused(&b, IKE_E_TRAILING, __LINE__);
	/* A first payload announced, none there. */
	b.len = IKE_HDR_LEN;
	fix_len(&b);
	refused(&b, IKE_E_PL_HDR_TRUNC, __LINE__);
	b.p[16] = 0;
	refused(&b, IKE_OK, __LINE__);
	put_fill(&b, 0, 3);
	b.p[16] = IKE_PL_VID;
	fix_len(&b);
	refused(&b, IKE_E_PL_HDR_TRUNC, __LINE__);
}

static void test_bad_payload_len(void)
{
	struct ike_msg m;
	struct bytes b;
	uint8_t *copy;
	uint16_t len;

	/* The nonce's length 0..3, and one past the end of the message. */
	for (len = 0; len < 4; len++) {
		build_sa_init(&b);
		put_u16(b.p + 28 + 48 + 264 + 2, len);
		refused(&b, IKE_E_PL_SHORT, __LINE__);
	}
	build_sa_init(&b);
	put_u16(b.p + 28 + 48 + 264 + 2, 0xffff);
	refused(&b, IKE_E_PL_PAST_END, __LINE__);
	build_sa_init(&b);
	put_u16(b.p + b.len - 28 + 2, 29);
	if (CHECK_ERR(decode_copy(b.p, b.len, &m, &copy), IKE_E_PL_PAST_END))
		CHECK(m.bad_off == b.len - 28);
	free(copy);
	/* Shorter: the rest is trailing data or a bad next header. */
	build_sa_init(&b);
	put_u16(b.p + b.len - 28 + 2, 27);
	refused(&b, IKE_E_TRAILING, __LINE__);
}

/* Chains of n empty VIDs, and n VIDs whose next points at themselves. */
static void test_too_many(void)
{
	static const uint8_t vid[] = { IKE_PL_VID, 0, 0, 4 };
	struct bytes b;
	unsigned int i;

	build_sa_init(&b);
	b.p[16] = IKE_PL_VID;
	b.len = IKE_HDR_LEN;
	for (i = 0; i < IKE_MAX_PAYLOADS; i++)
		put(&b, vid, sizeof(vid));
	b.p[b.len - 4] = 0;
	fix_len(&b);
	refused(&b, IKE_OK, __LINE__);
	b.p[b.len - 4] = IKE_PL_VID;
	put(&b, vid, sizeof(vid));
	b.p[b.len - 4] = 0;
	fix_len(&b);
	refused(&b, IKE_E_TOO_MANY, __LINE__);
	/* The loop ends at the end of the message, whatever it claims. */
	b.p[b.len - 4] = IKE_PL_VID;
	refused(&b, IKE_E_TOO_MANY, __LINE__);
	b.len = IKE_HDR_LEN + 4 * 10;
	fix_len(&b);
	refused(&b, IKE_E_PL_HDR_TRUNC, __LINE__);
}

static void test_critical(void)
{
	struct ike_msg m;
	struct bytes b;
	uint8_t *copy;

	/* The nonce, renamed 99 (unassigned): skipped, then refused when critical. */
	build_sa_init(&b);
	b.p[28 + 48] = 99;
	if (CHECK_ERR(decode_copy(b.p, b.len, &m, &copy), IKE_OK))
		CHECK(m.npl == 5 && m.pl[2].type == 99 && !ike_pl_known(2, 99));
	free(copy);
	b.p[28 + 48 + 264 + 1] = IKE_PL_CRITICAL;
	if (CHECK_ERR(decode_copy(b.p, b.len, &m, &copy), IKE_E_CRITICAL))
		CHECK(m.bad_type == 99 && m.bad_off == 28 + 48 + 264);
	free(copy);
	/* A known payload may be critical; the other bits are ignored. */
	build_sa_init(&b);
	b.p[28 + 48 + 264 + 1] = 0xff;
	if (CHECK_ERR(decode_copy(b.p, b.len, &m, &copy), IKE_OK))
		CHECK(m.pl[2].critical && !m.pl[1].critical);
	free(copy);
	/* IKEv1 has no critical bit. */
	build_sa_init(&b);
	b.p[17] = 0x10;
	b.p[28 + 48] = 99;
	b.p[28 + 48 + 264 + 1] = IKE_PL_CRITICAL;
	refused(&b, IKE_OK, __LINE__);
}

/* An SA payload from raw proposal bytes, decoded alone. */
static int dec_sa_bytes(const uint8_t *body, size_t len)
{
	struct ike_sa_pl sa;
	struct ike_pl pl = { .type = IKE_PL_SA };
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, body, len);
	pl.body = (struct ike_view){ copy, len };
	err = ike_dec_sa(&pl, &sa);
	free(copy);
	return err;
}

static void test_bad_sa(void)
{
	uint8_t p[64];
	const size_t len = 44;

	memcpy(p, init_sa + 4, len);
	CHECK_ERR(dec_sa_bytes(p, len), IKE_OK);
	CHECK_ERR(dec_sa_bytes(p, 0), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_sa_bytes(p, 7), IKE_E_PROP_LEN);
	CHECK_ERR(dec_sa_bytes(p, len - 1), IKE_E_PROP_LEN);
	p[3] = 7;
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_LEN);
	p[3] = 45;
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_LEN);
	p[3] = 36;	/* a shorter proposal: then it must say more */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_MORE);
	p[3] = 44;
	p[0] = 2;	/* more, but nothing follows */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_MORE);
	p[0] = 1;
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_MORE);
	p[0] = 0;
	p[6] = 37;	/* SPI size past the proposal */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_SPI);
	p[6] = 4;	/* eats into the transforms: the first is misread */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_XFORM_MORE);
	p[6] = 0;
	p[7] = 3;
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_NTRANS);
	p[7] = 5;
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_PROP_NTRANS);
	p[7] = 4;
	p[8 + 3] = 7;	/* transform length under 8 */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_XFORM_LEN);
	p[8 + 3] = 40;	/* past the proposal */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_XFORM_LEN);
	p[8 + 3] = 14;	/* into the next transform: its header misread */
	CHECK(dec_sa_bytes(p, len) != IKE_OK);
	p[8 + 3] = 12;
	p[8] = 0;	/* last, but more follow */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_XFORM_MORE);
	p[8] = 3;
	p[36] = 3;	/* the last says more */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_XFORM_MORE);
	p[36] = 0;
	p[16] = 0x00;	/* key length as TLV: 0x80 bytes of value past the end */
	CHECK_ERR(dec_sa_bytes(p, len), IKE_E_ATTR_LEN);
	p[16] = 0x80;
	CHECK_ERR(dec_sa_bytes(p, len), IKE_OK);
}

static void test_bad_sa_attrs(void)
{
	/* One proposal, one transform with attributes after its 8 bytes. */
	uint8_t p[32] = { 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 20 };
	struct ike_pl pl = { .type = IKE_PL_SA, .body = { p, 0 } };
	struct ike_sa_pl sa;

	/* Three bytes of attribute. */
	p[3] = 19;
	p[11] = 11;
	pl.body.len = 19;
	CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_E_ATTR_LEN);
	/* An unknown TV attribute and a TLV one: decoded, marked. */
	p[3] = 24;
	p[11] = 16;
	memcpy(p + 16, (uint8_t[]){ 0x80, 0x01, 0, 5, 0x00, 0x02, 0, 0 }, 8);
	pl.body.len = 24;
	if (CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_OK))
		CHECK(sa.trans[0].unknown_attr && !sa.trans[0].keylen);
	/* Key length twice, or zero. */
	memcpy(p + 16, (uint8_t[]){ 0x80, 0x0e, 0, 128, 0x80, 0x0e, 1, 0 }, 8);
	if (CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_OK))
		CHECK(sa.trans[0].unknown_attr && sa.trans[0].keylen == 128);
	memcpy(p + 16, (uint8_t[]){ 0x80, 0x0e, 0, 0, 0x80, 0x0e, 1, 0 }, 8);
	if (CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_OK))
		CHECK(sa.trans[0].unknown_attr && sa.trans[0].keylen == 256);
	pl.type = IKE_PL_KE;
	CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_E_WRONG_TYPE);
}

/* Too many proposals and transforms. */
static void test_sa_limits(void)
{
	static uint8_t p[4096];
	struct ike_pl pl = { .type = IKE_PL_SA, .body = { p, 0 } };
	static struct ike_sa_pl sa;
	unsigned int i;
	size_t len = 0;

	for (i = 0; i <= IKE_MAX_PROPOSALS; i++) {
		memcpy(p + len, (uint8_t[]){ 2, 0, 0, 8, i + 1, 3, 0, 0 }, 8);
		len += 8;
	}
	p[len - 8] = 0;
	pl.body.len = len - 8;
	p[len - 16] = 0;
	CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_OK);
	CHECK(sa.nprop == IKE_MAX_PROPOSALS && sa.ntrans == 0);
	p[len - 16] = 2;
	pl.body.len = len;
	CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_E_TOO_MANY_PROPS);

	/* 255 transforms in two proposals. */
	len = 0;
	for (i = 0; i < 2; i++) {
		memcpy(p + len, (uint8_t[]){ 2 * !i, 0, (8 + 8 * 80) >> 8, (8 + 8 * 80) & 0xff,
					     i + 1, 3, 0, 80 }, 8);
		len += 8;
		for (unsigned int j = 0; j < 80; j++) {
			memcpy(p + len, (uint8_t[]){ j < 79 ? 3 : 0, 0, 0, 8, 1, 0, 0, 12 }, 8);
			len += 8;
		}
	}
	pl.body.len = len;
	CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_E_TOO_MANY_XFORMS);
	pl.body.len = len / 2;
	p[0] = 0;
	CHECK_ERR(ike_dec_sa(&pl, &sa), IKE_OK);
	CHECK(sa.ntrans == 80);
}

static int dec_ts_bytes(const uint8_t *body, size_t len)
{
	struct ike_pl pl = { .type = IKE_PL_TSI };
	uint8_t *copy = malloc(len ? len : 1);
	static struct ike_ts_pl ts;
	int err;

	memcpy(copy, body, len);
	pl.body = (struct ike_view){ copy, len };
	err = ike_dec_ts(&pl, &ts);
	free(copy);
	return err;
}

static void test_bad_ts(void)
{
	uint8_t v4[] = {
		1, 0, 0, 0, IKE_TS_IPV4_ADDR_RANGE, 6, 0, 16, 0, 80, 0, 80,
		10, 0, 0, 1, 10, 0, 0, 9,
	};
	uint8_t v6[44] = { 1, 0, 0, 0, IKE_TS_IPV6_ADDR_RANGE, 0, 0, 40, 0, 0, 0xff, 0xff };

	memset(v6 + 28, 0xff, 16);
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_OK);
	CHECK_ERR(dec_ts_bytes(v6, sizeof(v6)), IKE_OK);
	CHECK_ERR(dec_ts_bytes(v4, 3), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_ts_bytes(v4, 4), IKE_E_TS_COUNT);
	CHECK_ERR(dec_ts_bytes(v4, 7), IKE_E_TS_LEN);
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4) - 1), IKE_E_TS_LEN);
	/* Address start above end, in the last byte and the first. */
	v4[19] = 0;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_RANGE);
	v4[19] = 9;
	v4[12] = 11;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_RANGE);
	v4[12] = 10;
	v6[12] = 0x01;
	v6[28] = 0x00;
	CHECK_ERR(dec_ts_bytes(v6, sizeof(v6)), IKE_E_TS_RANGE);
	v6[28] = 0xff;
	/* Ports: backwards refused, OPAQUE (65535, 0) taken. */
	v4[9] = 81;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_RANGE);
	memcpy(v4 + 8, (uint8_t[]){ 0xff, 0xff, 0, 0 }, 4);
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_OK);
	/* Selector lengths: of the other family, under 4, past the end. */
	v4[7] = 40;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_LEN);
	v6[7] = 16;
	CHECK_ERR(dec_ts_bytes(v6, sizeof(v6)), IKE_E_TS_LEN);
	v4[7] = 3;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_LEN);
	v4[7] = 17;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_LEN);
	v4[7] = 16;
	/* The count: more, fewer, zero. */
	v4[0] = 2;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_COUNT);
	v4[0] = 0;
	CHECK_ERR(dec_ts_bytes(v4, sizeof(v4)), IKE_E_TS_COUNT);
	v4[0] = 1;
	/* An unknown type is kept whole. */
	v4[4] = 10;
	v4[7] = 6;
	CHECK_ERR(dec_ts_bytes(v4, 10), IKE_OK);
}

/* A payload of type t with these body bytes through decoder fn's wrapper. */
static int dec_one(uint8_t t, const uint8_t *body, size_t len)
{
	struct ike_pl pl = { .type = t, .next = IKE_PL_IDI };
	struct rt_typed *typed = malloc(sizeof(*typed));
	uint8_t *copy = malloc(len ? len : 1);
	int err = -1;

	memcpy(copy, body, len);
	pl.body = (struct ike_view){ copy, len };
	if (rt_dec(&pl, typed))
		err = typed->err;
	free(copy);
	free(typed);
	return err;
}

static void test_bad_others(void)
{
	static const uint8_t z[300];
	static const uint8_t n_spi[] = { 3, 4, 0x40, 0x09, 1, 2, 3 };
	static const uint8_t del[] = { 3, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t del_ike[] = { 1, 0, 0, 1 };
	static const uint8_t cp[] = { 1, 0, 0, 0, 0, 1, 0, 4, 10, 0, 0, 1, 0, 2, 0, 4, 1 };
	static const uint8_t id4[] = { 1, 0, 0, 0, 192, 0, 2, 1, 9 };
	static const uint8_t skf[] = { 0, 1, 0, 2, 0xaa };

	CHECK_ERR(dec_one(IKE_PL_NONCE, z, 15), IKE_E_NONCE_LEN);
	CHECK_ERR(dec_one(IKE_PL_NONCE, z, 16), IKE_OK);
	CHECK_ERR(dec_one(IKE_PL_NONCE, z, 256), IKE_OK);
	CHECK_ERR(dec_one(IKE_PL_NONCE, z, 257), IKE_E_NONCE_LEN);
	CHECK_ERR(dec_one(IKE_PL_NONCE, z, 0), IKE_E_NONCE_LEN);
	CHECK_ERR(dec_one(IKE_PL_KE, z, 4), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_KE, z, 5), IKE_OK);
	CHECK_ERR(dec_one(IKE_PL_AUTH, z, 4), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_IDI, id4, sizeof(id4) - 1), IKE_OK);
	CHECK_ERR(dec_one(IKE_PL_IDR, id4, sizeof(id4)), IKE_E_ID_LEN);
	CHECK_ERR(dec_one(IKE_PL_IDR, id4, 7), IKE_E_ID_LEN);
	CHECK_ERR(dec_one(IKE_PL_IDI, z, 4), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_NOTIFY, n_spi, 3), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_NOTIFY, n_spi, sizeof(n_spi)), IKE_E_NOTIFY_SPI);
	CHECK_ERR(dec_one(IKE_PL_NOTIFY, n_spi, 4), IKE_E_NOTIFY_SPI);
	CHECK_ERR(dec_one(IKE_PL_DELETE, del, sizeof(del)), IKE_OK);
	CHECK_ERR(dec_one(IKE_PL_DELETE, del, sizeof(del) - 1), IKE_E_DELETE_LEN);
	CHECK_ERR(dec_one(IKE_PL_DELETE, del, 4), IKE_E_DELETE_LEN);
	CHECK_ERR(dec_one(IKE_PL_DELETE, del_ike, 4), IKE_E_DELETE_LEN);
	CHECK_ERR(dec_one(IKE_PL_DELETE, del, 3), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_CP, cp, 16), IKE_E_CP_ATTR_LEN);
	CHECK_ERR(dec_one(IKE_PL_CP, cp, 14), IKE_E_CP_ATTR_LEN);
	CHECK_ERR(dec_one(IKE_PL_CP, cp, 12), IKE_OK);
	CHECK_ERR(dec_one(IKE_PL_CP, cp, 3), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_VID, z, 0), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_SKF, skf, sizeof(skf)), IKE_OK);
	CHECK_ERR(dec_one(IKE_PL_SKF, skf, 3), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_one(IKE_PL_SKF, (uint8_t[]){ 0, 3, 0, 2 }, 4), IKE_E_FRAG_NUM);
	CHECK_ERR(dec_one(IKE_PL_SKF, (uint8_t[]){ 0, 0, 0, 2 }, 4), IKE_E_FRAG_NUM);
	CHECK_ERR(dec_one(IKE_PL_CERT, z, 0), IKE_E_BODY_SHORT);
}

static void test_encoder_limits(void)
{
	static const uint8_t big[65532];
	struct ike_hdr h = { .major = 2 };
	struct ike_view v = { big, sizeof(big) };
	static uint8_t out[70000];
	struct ike_wbuf w;
	struct ike_enc e;

	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	v.len = 65531;
	ike_enc_vid(&e, &v);
	CHECK_ERR(ike_enc_end(&e), IKE_OK);
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	v.len = 65532;
	ike_enc_vid(&e, &v);
	CHECK_ERR(ike_enc_end(&e), IKE_E_TOO_LONG);
	ike_wbuf_init(&w, out, 20);
	ike_enc_begin(&e, &w, &h);
	CHECK_ERR(ike_enc_end(&e), IKE_E_NOSPACE);
}

/* IKE_AUTH's payloads, and then some, for an SK's inner chain. */
static const uint8_t auth[] = {
	IKE_PL_IDI, IKE_PL_IDR, IKE_PL_AUTH, IKE_PL_SA, IKE_PL_TSI, IKE_PL_TSR,
	IKE_PL_NOTIFY, IKE_PL_CP, IKE_PL_CERT, IKE_PL_CERTREQ, IKE_PL_VID,
};

/* HDR, SK {types...}: the SK body is the inner chain in clear. */
static size_t build_with_inner(uint8_t *out, size_t cap, const uint8_t *types, size_t n)
{
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_IKE_AUTH, .msgid = 1,
			     .flags = IKE_FLAG_INITIATOR };
	static uint8_t inner[2048];
	struct ike_wbuf w;
	struct ike_enc e;
	struct rt_typed t;
	struct ike_sk sk;
	size_t i;

	ike_wbuf_init(&w, inner, sizeof(inner));
	ike_enc_begin(&e, &w, &h);
	for (i = 0; i < n; i++) {
		fill_typed(&t, types[i]);
		rt_enc(&e, types[i], &t);
	}
	if (ike_enc_end(&e))
		abort();
	sk = (struct ike_sk){ .inner = inner[16], .data = { inner + 28, w.len - 28 } };
	ike_wbuf_init(&w, out, cap);
	ike_enc_begin(&e, &w, &h);
	ike_enc_sk(&e, &sk);
	if (ike_enc_end(&e))
		abort();
	return w.len;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Byte flips (and some with the length field fixed up) and truncations;
 * counts those that still decode.
 */
static void mutate(const uint8_t *msg, size_t len, uint64_t *s, unsigned long *decoded)
{
	static struct ike_msg m;
	uint64_t r = next_rand(s);
	size_t n = len, i, flips = 1 + r % 4;
	uint8_t *p = malloc(len);
	const char *why;

	memcpy(p, msg, len);
	for (i = 0; i < flips; i++) {
		r = next_rand(s);
		p[r % len] ^= (uint8_t)(1 + (r >> 32) % 255);
	}
	if (r & (1ULL << 60))
		n = (r >> 40) % len;
	if (n >= IKE_HDR_LEN && (r & (1ULL << 61)))
		put_u32(p + 24, (uint32_t)n);
	*decoded += ike_decode(p, n, &m) == IKE_OK;
	why = rt_check(p, n);
	if (why)
		check(false, why, __LINE__);
	free(p);
}

static void test_mutations(void)
{
	static uint8_t all[4096], inner[4096];
	uint64_t s = seed ? seed : 1;
	size_t len;
	unsigned long i, decoded = 0;
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_IKE_AUTH, .msgid = 1 };
	struct rt_typed t;
	struct ike_wbuf w;
	struct ike_enc e;
	struct bytes b;
	static const uint8_t types[] = {
		IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_IDI, IKE_PL_IDR, IKE_PL_CERT,
		IKE_PL_AUTH, IKE_PL_NOTIFY, IKE_PL_DELETE, IKE_PL_TSI, IKE_PL_CP, IKE_PL_SK,
	};

	build_sa_init(&b);
	ike_wbuf_init(&w, all, sizeof(all));
	ike_enc_begin(&e, &w, &h);
	for (i = 0; i < sizeof(types); i++) {
		fill_typed(&t, types[i]);
		rt_enc(&e, types[i], &t);
	}
	if (!CHECK_ERR(ike_enc_end(&e), IKE_OK))
		return;
	len = build_with_inner(inner, sizeof(inner), auth, sizeof(auth));
	for (i = 0; i < mutations && failures < 10; i++) {
		if (i % 3 == 0)
			mutate(b.p, b.len, &s, &decoded);
		else if (i % 3 == 1)
			mutate(all, w.len, &s, &decoded);
		else
			mutate(inner, len, &s, &decoded);
	}
	printf("# %lu mutations (seed %lu), %lu still decoded\n", i, seed, decoded);
}

/* --- IKEv1 payload bodies (codec1.c) --- */

/*
 * An IKEv1 main mode first message as strongSwan's charon sends it, built
 * by hand from RFC 2408 3.1-3.6 and RFC 2409 Appendix A: HDR, SA (DOI
 * IPsec, identity only; proposal #1 ISAKMP, two KEY_IKE transforms:
 * AES-CBC-256/SHA2-256/PSK/MODP2048, life 86400 s as a 4-byte TLV, and
 * AES-CBC-128/SHA1/MODP1024 with its attributes in Libreswan's order and
 * life 3600 s as a TV), VID (RFC 3947 NAT-T), VID (DPD, RFC 3706).
 */
static const uint8_t mm1[] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0, 0, 0, 0, 0, 0, 0, 0,
	IKE1_PL_SA, 0x10, IKE1_EXCH_IDENT_PROT, 0, 0, 0, 0, 0, 0, 0, 0, 164,
	/* SA: next VID, length 96 */
	IKE1_PL_VID, 0, 0, 96, 0, 0, 0, 1, 0, 0, 0, 1,
	/* proposal: last, length 84, #1, ISAKMP, SPI size 0, 2 transforms */
	0, 0, 0, 84, 1, IKE_PROTO_IKE, 0, 2,
	/* transform: more, length 40, #1, KEY_IKE */
	3, 0, 0, 40, 1, 1, 0, 0,
	0x80, 0x01, 0, 7,		/* encryption AES-CBC */
	0x80, 0x0e, 1, 0,		/* key length 256 */
	0x80, 0x02, 0, 4,		/* hash SHA2-256 */
	0x80, 0x03, 0, 1,		/* auth method PSK */
	0x80, 0x04, 0, 14,		/* group MODP2048 */
	0x80, 0x0b, 0, 1,		/* life type seconds */
	0x00, 0x0c, 0, 4, 0x00, 0x01, 0x51, 0x80,	/* life duration 86400, TLV */
	/* transform: last, length 36, #2, KEY_IKE */
	0, 0, 0, 36, 2, 1, 0, 0,
	0x80, 0x0b, 0, 1,		/* life type seconds */
	0x80, 0x0c, 0x0e, 0x10,		/* life duration 3600 */
	0x80, 0x01, 0, 7,		/* encryption AES-CBC */
	0x80, 0x02, 0, 2,		/* hash SHA1 */
	0x80, 0x04, 0, 2,		/* group MODP1024 */
	0x80, 0x03, 0, 1,		/* auth method PSK */
	0x80, 0x0e, 0, 128,		/* key length 128 */
	/* VID: RFC 3947 */
	IKE1_PL_VID, 0, 0, 20,
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
	/* VID: DPD */
	0, 0, 0, 20,
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

static void test_ikev1_main_mode(void)
{
	static uint8_t out[512];
	const struct ike1_transform *t;
	struct ike1_sa_pl sa;
	struct ike_view vid;
	struct ike_hdr h;
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_msg m;
	uint8_t *copy;
	uint64_t v;
	unsigned int i;

	if (!CHECK_ERR(decode_copy(mm1, sizeof(mm1), &m, &copy), IKE_OK)) {
		free(copy);
		return;
	}
	CHECK(m.npl == 3 && m.pl[0].type == IKE1_PL_SA && m.pl[1].type == IKE1_PL_VID &&
	      m.pl[2].type == IKE1_PL_VID);
	/* The proposal and transform inside the SA body are not in the chain. */
	for (i = 0; i < m.npl; i++)
		CHECK(m.pl[i].type != IKE1_PL_PROPOSAL && m.pl[i].type != IKE1_PL_TRANSFORM);
	if (CHECK_ERR(ike1_dec_sa(&m.pl[0], &sa), IKE_OK)) {
		CHECK(sa.doi == IKE1_DOI_IPSEC && sa.situation == IKE1_SIT_IDENTITY_ONLY);
		CHECK(sa.nprop == 1 && sa.ntrans == 2 && sa.prop[0].num == 1 &&
		      sa.prop[0].protocol == IKE_PROTO_IKE && sa.prop[0].spi_size == 0 &&
		      sa.prop[0].first == 0 && sa.prop[0].ntrans == 2);
		t = &sa.trans[0];
		CHECK(t->num == 1 && t->id == IKE1_TRANSFORM_KEY_IKE && t->nattr == 7);
		CHECK(ike1_attr_get(t, IKE1_A_ENCRYPTION, &v) && v == IKE1_ENC_AES_CBC);
		CHECK(ike1_attr_get(t, IKE1_A_KEY_LENGTH, &v) && v == 256);
		CHECK(ike1_attr_get(t, IKE1_A_LIFE_DURATION, &v) && v == 86400);
		CHECK(t->attr[6].tlv && t->attr[6].data.len == 4 && !t->attr[5].tlv);
		CHECK(!ike1_attr_get(t, 99, &v));
		t = &sa.trans[1];
		CHECK(t->num == 2 && t->nattr == 7 && t->attr[0].type == IKE1_A_LIFE_TYPE);
		CHECK(ike1_attr_get(t, IKE1_A_LIFE_DURATION, &v) && v == 3600);
		CHECK(ike1_attr_get(t, IKE1_A_GROUP_DESC, &v) && v == IKE_DH_MODP1024);
	}
	CHECK_ERR(ike1_dec_data(&m.pl[1], &vid), IKE_OK);
	CHECK(vid.len == 16 && vid.p[0] == 0x4a);
	CHECK(rt_check(copy, sizeof(mm1)) == NULL);

	/* The encoders give the same bytes. */
	memcpy(&h, &m.hdr, sizeof(h));
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	ike1_enc_sa(&e, &sa);
	ike1_enc_data(&e, IKE1_PL_VID, mm1 + 128, 16);
	ike1_enc_data(&e, IKE1_PL_VID, mm1 + 148, 16);
	if (CHECK_ERR(ike_enc_end(&e), IKE_OK))
		CHECK(w.len == sizeof(mm1) && !memcmp(out, mm1, sizeof(mm1)));
	free(copy);
}

/* pl over a malloc'ed copy of the body, for ASan; free pl->body.p after. */
static void mkpl(struct ike_pl *pl, uint8_t type, const void *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (!c)
		abort();
	memcpy(c, p, len);
	memset(pl, 0, sizeof(*pl));
	pl->type = type;
	pl->body.p = c;
	pl->body.len = len;
}

static void unpl(struct ike_pl *pl)
{
	free((void *)pl->body.p);
}

/* Encode one payload with fn's help and decode it back as pl. */
static uint8_t rt_buf[4096];

static bool rt_one(struct ike_enc *e, struct ike_wbuf *w, struct ike_msg *m)
{
	if (!CHECK_ERR(ike_enc_end(e), IKE_OK))
		return false;
	return CHECK_ERR(ike_decode(rt_buf, w->len, m), IKE_OK) && CHECK(m->npl == 1);
}

static void rt_begin(struct ike_enc *e, struct ike_wbuf *w)
{
	static const struct ike_hdr h = { .major = 1, .exchange = IKE1_EXCH_QUICK };

	ike_wbuf_init(w, rt_buf, sizeof(rt_buf));
	ike_enc_begin(e, w, &h);
}

static void test_ikev1_roundtrip(void)
{
	static const uint8_t addr[8] = { 10, 1, 0, 0, 255, 255, 255, 0 };
	static const uint8_t spis[8] = { 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xf0, 0x0d };
	static const uint8_t big[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct ike1_sa_pl sa, sb;
	struct ike1_id id, id2;
	struct ike1_notify n, n2;
	struct ike1_delete d, d2;
	struct ike_view v;
	struct ike_wbuf w;
	struct ike_enc e;
	struct ike_msg m;
	uint64_t val;

	/* Quick mode: two ESP proposals, SPI 4 bytes, an 8-byte TLV and a long opaque one. */
	memset(&sa, 0, sizeof(sa));
	sa.doi = IKE1_DOI_IPSEC;
	sa.situation = IKE1_SIT_IDENTITY_ONLY;
	sa.nprop = 2;
	sa.ntrans = 3;
	sa.prop[0] = (struct ike1_proposal){ .num = 1, .protocol = IKE_PROTO_ESP, .spi_size = 4,
					     .spi = { 1, 2, 3, 4 }, .first = 0, .ntrans = 2 };
	sa.prop[1] = (struct ike1_proposal){ .num = 2, .protocol = IKE_PROTO_ESP, .spi_size = 4,
					     .spi = { 5, 6, 7, 8 }, .first = 2, .ntrans = 1 };
	sa.trans[0].num = 1;
	sa.trans[0].id = IKE_ENCR_AES_GCM_16;
	CHECK(!ike1_attr_add(&sa.trans[0], IKE1_A_SA_LIFE_TYPE, IKE1_LIFE_SECONDS, false));
	CHECK(!ike1_attr_add(&sa.trans[0], IKE1_A_SA_LIFE_DURATION, 100000, false));
	CHECK(!ike1_attr_add(&sa.trans[0], IKE1_A_SA_LIFE_TYPE, IKE1_LIFE_KILOBYTES, false));
	CHECK(!ike1_attr_add(&sa.trans[0], IKE1_A_SA_LIFE_DURATION, 1ull << 40, false));
	CHECK(!ike1_attr_add(&sa.trans[0], IKE1_A_ENCAP_MODE, IKE1_ENCAP_TUNNEL, true));
	sa.trans[1].num = 2;
	sa.trans[1].id = IKE_ENCR_AES_CBC;
	sa.trans[1].nattr = 1;
	sa.trans[1].attr[0] = (struct ike1_attr){ .type = 16000, .tlv = true,
						  .data = { big, sizeof(big) } };
	sa.trans[2].num = 1;
	sa.trans[2].id = IKE_ENCR_AES_CBC;
	rt_begin(&e, &w);
	ike1_enc_sa(&e, &sa);
	if (rt_one(&e, &w, &m) && CHECK_ERR(ike1_dec_sa(&m.pl[0], &sb), IKE_OK)) {
		CHECK(sb.nprop == 2 && sb.ntrans == 3 && sb.prop[1].first == 2 &&
		      !memcmp(sb.prop[1].spi, sa.prop[1].spi, 4) && sb.prop[1].num == 2);
		CHECK(sb.trans[0].nattr == 5 && sb.trans[0].attr[1].tlv &&
		      sb.trans[0].attr[1].val == 100000 && sb.trans[0].attr[1].data.len == 4);
		CHECK(sb.trans[0].attr[3].data.len == 8 && sb.trans[0].attr[3].val == 1ull << 40);
		CHECK(sb.trans[0].attr[4].tlv && sb.trans[0].attr[4].val == IKE1_ENCAP_TUNNEL);
		CHECK(ike1_attr_get(&sb.trans[0], IKE1_A_ENCAP_MODE, &val) && val == 1);
		CHECK(sb.trans[1].attr[0].data.len == 16 && sb.trans[1].attr[0].val == 0 &&
		      !memcmp(sb.trans[1].attr[0].data.p, big, 16));
		CHECK(sb.trans[2].nattr == 0);
	}

	id = (struct ike1_id){ IKE1_ID_IPV4_ADDR_SUBNET, 17, 500, { addr, sizeof(addr) } };
	rt_begin(&e, &w);
	ike1_enc_id(&e, &id);
	if (rt_one(&e, &w, &m) && CHECK_ERR(ike1_dec_id(&m.pl[0], &id2), IKE_OK))
		CHECK(id2.type == id.type && id2.proto == 17 && id2.port == 500 &&
		      id2.data.len == 8 && !memcmp(id2.data.p, addr, 8));

	n = (struct ike1_notify){ IKE1_DOI_IPSEC, IKE_PROTO_IKE, 16, IKE1_N_R_U_THERE,
				  big, { spis, 4 } };
	rt_begin(&e, &w);
	ike1_enc_notify(&e, &n);
	if (rt_one(&e, &w, &m) && CHECK_ERR(ike1_dec_notify(&m.pl[0], &n2), IKE_OK))
		CHECK(n2.doi == 1 && n2.protocol == 1 && n2.spi_size == 16 &&
		      n2.type == IKE1_N_R_U_THERE && !memcmp(n2.spi, big, 16) &&
		      n2.data.len == 4 && !memcmp(n2.data.p, spis, 4));

	d = (struct ike1_delete){ IKE1_DOI_IPSEC, IKE_PROTO_ESP, 4, 2, spis };
	rt_begin(&e, &w);
	ike1_enc_delete(&e, &d);
	if (rt_one(&e, &w, &m) && CHECK_ERR(ike1_dec_delete(&m.pl[0], &d2), IKE_OK))
		CHECK(d2.doi == 1 && d2.protocol == IKE_PROTO_ESP && d2.spi_size == 4 &&
		      d2.nspi == 2 && !memcmp(d2.spis, spis, 8));

	rt_begin(&e, &w);
	ike1_enc_data(&e, IKE1_PL_NONCE, big, 16);
	if (rt_one(&e, &w, &m) && CHECK_ERR(ike1_dec_data(&m.pl[0], &v), IKE_OK))
		CHECK(v.len == 16 && !memcmp(v.p, big, 16));
	rt_begin(&e, &w);
	ike1_enc_data(&e, IKE1_PL_HASH, big, 12);
	if (rt_one(&e, &w, &m) && CHECK_ERR(ike1_dec_data(&m.pl[0], &v), IKE_OK))
		CHECK(v.len == 12);

	/* The encoders refuse what they cannot write. */
	rt_begin(&e, &w);
	d.nspi = 0;
	ike1_enc_delete(&e, &d);
	CHECK_ERR(ike_enc_end(&e), IKE_E_ENC_ARG);
	rt_begin(&e, &w);
	sa.prop[1].ntrans = 2;
	ike1_enc_sa(&e, &sa);
	CHECK_ERR(ike_enc_end(&e), IKE_E_ENC_ARG);
	rt_begin(&e, &w);
	sa.prop[1].ntrans = 1;
	sa.trans[2].nattr = 1;
	sa.trans[2].attr[0] = (struct ike1_attr){ .type = 1, .tlv = false, .val = 70000 };
	ike1_enc_sa(&e, &sa);
	CHECK_ERR(ike_enc_end(&e), IKE_E_ENC_ARG);
	/* ike1_attr_add() stops at IKE1_MAX_ATTRS. */
	sa.trans[2].nattr = IKE1_MAX_ATTRS;
	CHECK(ike1_attr_add(&sa.trans[2], 1, 1, false) == -1);
}

/* The SA body of mm1: DOI, situation, proposal, transforms (96 - 4 bytes). */
#define MM1_SA		(mm1 + 32)
#define MM1_SA_LEN	92

static int dec_sa1_bytes(const uint8_t *p, size_t len)
{
	struct ike1_sa_pl sa;
	struct ike_pl pl;
	int err;

	mkpl(&pl, IKE1_PL_SA, p, len);
	err = ike1_dec_sa(&pl, &sa);
	unpl(&pl);
	return err;
}

static void test_ikev1_bad_sa(void)
{
	uint8_t b[1024];
	size_t i;

	CHECK_ERR(dec_sa1_bytes(MM1_SA, MM1_SA_LEN), IKE_OK);
	/* Truncated: DOI only, DOI and situation only, cut in a proposal. */
	CHECK_ERR(dec_sa1_bytes(MM1_SA, 4), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_sa1_bytes(MM1_SA, 8), IKE_E_BODY_SHORT);
	CHECK_ERR(dec_sa1_bytes(MM1_SA, 14), IKE_E_PROP_LEN);
	CHECK_ERR(dec_sa1_bytes(MM1_SA, MM1_SA_LEN - 1), IKE_E_PROP_LEN);
	/* Proposal length past the end; under 8. */
	memcpy(b, MM1_SA, MM1_SA_LEN);
	b[11] = 85;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_LEN);
	b[11] = 7;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_LEN);
	/* Proposal "more" with nothing after it; next payload 3 for a proposal. */
	memcpy(b, MM1_SA, MM1_SA_LEN);
	b[8] = IKE1_PL_PROPOSAL;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_MORE);
	b[8] = IKE1_PL_TRANSFORM;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_MORE);
	/* SPI size past the proposal, and over 16. */
	memcpy(b, MM1_SA, MM1_SA_LEN);
	b[14] = 90;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_SPI);
	b[14] = 17;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_SPI);
	/* Transform count: more or fewer than there are. */
	memcpy(b, MM1_SA, MM1_SA_LEN);
	b[15] = 1;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_NTRANS);
	b[15] = 3;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_PROP_NTRANS);
	/* Transform length past the proposal; its next payload field wrong. */
	memcpy(b, MM1_SA, MM1_SA_LEN);
	b[16 + 40 + 3] = 37;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_XFORM_LEN);
	memcpy(b, MM1_SA, MM1_SA_LEN);
	b[16] = 0;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_XFORM_MORE);
	/* An attribute TLV's length past the end of its transform. */
	memcpy(b, MM1_SA, MM1_SA_LEN);
	b[16 + 8 + 24 + 3] = 5;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN), IKE_E_ATTR_LEN);
	/* An attribute cut short: the transform two bytes longer (and its proposal, SA). */
	memcpy(b, MM1_SA, 16 + 40);
	b[16 + 3] = 42;
	b[16 + 40] = 0x80;
	b[16 + 41] = 0x01;
	memcpy(b + 16 + 42, MM1_SA + 16 + 40, 36);
	b[11] = 86;
	CHECK_ERR(dec_sa1_bytes(b, MM1_SA_LEN + 2), IKE_E_ATTR_LEN);

	/* Too many transforms: 65 in one proposal. */
	memset(b, 0, sizeof(b));
	b[3] = 1;
	b[7] = 1;
	put_u16(b + 10, 8 + 65 * 8);
	b[12] = 1;
	b[13] = IKE_PROTO_ESP;
	b[15] = 65;
	for (i = 0; i < 65; i++) {
		b[16 + 8 * i] = i + 1 < 65 ? IKE1_PL_TRANSFORM : 0;
		b[16 + 8 * i + 3] = 8;
		b[16 + 8 * i + 5] = IKE_ENCR_AES_CBC;
	}
	CHECK_ERR(dec_sa1_bytes(b, 16 + 65 * 8), IKE_E_TOO_MANY_XFORMS);
	b[15] = 64;
	b[16 + 8 * 63] = 0;
	put_u16(b + 10, 8 + 64 * 8);
	CHECK_ERR(dec_sa1_bytes(b, 16 + 64 * 8), IKE_OK);

	/* Too many attributes: 17 in one transform. */
	memset(b, 0, sizeof(b));
	b[3] = 1;
	b[7] = 1;
	put_u16(b + 10, 16 + 17 * 4);
	b[12] = 1;
	b[13] = IKE_PROTO_IKE;
	b[15] = 1;
	put_u16(b + 18, 8 + 17 * 4);
	b[21] = 1;
	for (i = 0; i < 17; i++)
		put_u16(b + 24 + 4 * i, IKE_ATTR_AF | 1);
	CHECK_ERR(dec_sa1_bytes(b, 24 + 17 * 4), IKE_E_TOO_MANY_ATTRS);

	/* Too many proposals. */
	memset(b, 0, sizeof(b));
	b[3] = 1;
	b[7] = 1;
	for (i = 0; i < IKE_MAX_PROPOSALS + 1; i++) {
		uint8_t *p = b + 8 + 16 * i;

		p[0] = i < IKE_MAX_PROPOSALS ? IKE1_PL_PROPOSAL : 0;
		p[3] = 16;
		p[4] = i + 1;
		p[5] = IKE_PROTO_ESP;
		p[7] = 1;
		p[11] = 8;
	}
	CHECK_ERR(dec_sa1_bytes(b, 8 + 16 * (IKE_MAX_PROPOSALS + 1)), IKE_E_TOO_MANY_PROPS);
}

static void test_ikev1_bad_others(void)
{
	static const uint8_t zeros[300];
	struct ike1_notify n;
	struct ike1_delete d;
	struct ike1_id id;
	struct ike_view v;
	struct ike_pl pl;
	uint8_t b[64];
	struct bytes m;

	mkpl(&pl, IKE1_PL_NONCE, zeros, 7);
	CHECK_ERR(ike1_dec_data(&pl, &v), IKE_E_NONCE1_LEN);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_NONCE, zeros, 8);
	CHECK_ERR(ike1_dec_data(&pl, &v), IKE_OK);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_NONCE, zeros, 256);
	CHECK_ERR(ike1_dec_data(&pl, &v), IKE_OK);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_NONCE, zeros, 257);
	CHECK_ERR(ike1_dec_data(&pl, &v), IKE_E_NONCE1_LEN);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_KE, zeros, 0);
	CHECK_ERR(ike1_dec_data(&pl, &v), IKE_E_BODY_SHORT);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_SA, zeros, 16);
	CHECK_ERR(ike1_dec_data(&pl, &v), IKE_E_WRONG_TYPE);
	CHECK_ERR(ike1_dec_id(&pl, &id), IKE_E_WRONG_TYPE);
	CHECK_ERR(ike1_dec_notify(&pl, &n), IKE_E_WRONG_TYPE);
	CHECK_ERR(ike1_dec_delete(&pl, &d), IKE_E_WRONG_TYPE);
	unpl(&pl);

	/* ID: an IPv4 address of 5 bytes, a subnet of 4, no data at all. */
	memset(b, 0, sizeof(b));
	b[0] = IKE_ID_IPV4_ADDR;
	mkpl(&pl, IKE1_PL_ID, b, 9);
	CHECK_ERR(ike1_dec_id(&pl, &id), IKE_E_ID_LEN);
	unpl(&pl);
	b[0] = IKE1_ID_IPV4_ADDR_SUBNET;
	mkpl(&pl, IKE1_PL_ID, b, 8);
	CHECK_ERR(ike1_dec_id(&pl, &id), IKE_E_ID_LEN);
	unpl(&pl);
	b[0] = IKE1_ID_IPV6_ADDR_RANGE;
	mkpl(&pl, IKE1_PL_ID, b, 36);
	CHECK_ERR(ike1_dec_id(&pl, &id), IKE_OK);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_ID, b, 4);
	CHECK_ERR(ike1_dec_id(&pl, &id), IKE_E_BODY_SHORT);
	unpl(&pl);

	/* Notify: under 8 bytes; its SPI past the end. */
	memset(b, 0, sizeof(b));
	mkpl(&pl, IKE1_PL_NOTIFY, b, 7);
	CHECK_ERR(ike1_dec_notify(&pl, &n), IKE_E_BODY_SHORT);
	unpl(&pl);
	b[5] = 16;
	mkpl(&pl, IKE1_PL_NOTIFY, b, 8 + 15);
	CHECK_ERR(ike1_dec_notify(&pl, &n), IKE_E_NOTIFY_SPI);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_NOTIFY, b, 8 + 16);
	CHECK_ERR(ike1_dec_notify(&pl, &n), IKE_OK);
	unpl(&pl);

	/* Delete: the SPIs do not fill the payload; none; SPI size 0. */
	memset(b, 0, sizeof(b));
	b[5] = 4;
	b[7] = 2;
	mkpl(&pl, IKE1_PL_DELETE, b, 8 + 7);
	CHECK_ERR(ike1_dec_delete(&pl, &d), IKE_E_DELETE_LEN);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_DELETE, b, 8 + 9);
	CHECK_ERR(ike1_dec_delete(&pl, &d), IKE_E_DELETE_LEN);
	unpl(&pl);
	b[7] = 0;
	mkpl(&pl, IKE1_PL_DELETE, b, 8);
	CHECK_ERR(ike1_dec_delete(&pl, &d), IKE_E_DELETE_LEN);
	unpl(&pl);
	b[5] = 0;
	b[7] = 1;
	mkpl(&pl, IKE1_PL_DELETE, b, 8);
	CHECK_ERR(ike1_dec_delete(&pl, &d), IKE_E_DELETE_LEN);
	unpl(&pl);
	mkpl(&pl, IKE1_PL_DELETE, b, 5);
	CHECK_ERR(ike1_dec_delete(&pl, &d), IKE_E_BODY_SHORT);
	unpl(&pl);

	/* A proposal or transform payload in the message's own chain. */
	m.len = 0;
	put(&m, mm1, 28);
	m.p[16] = IKE1_PL_PROPOSAL;
	put(&m, "\0\0\0\x08\0\0\0\0", 8);
	fix_len(&m);
	CHECK(refused(&m, IKE_E_V1_NESTED, __LINE__));
	m.p[16] = IKE1_PL_VID;
	m.p[28] = IKE1_PL_TRANSFORM;
	put(&m, "\0\0\0\x04", 4);
	fix_len(&m);
	CHECK(refused(&m, IKE_E_V1_NESTED, __LINE__));
	/* The same types in IKEv2 are just unknown payloads. */
	m.p[17] = 0x20;
	CHECK(refused(&m, IKE_OK, __LINE__));
}

/* Every decoded IKEv1 payload of a mutated message goes through its decoder. */
static void test_ikev1_mutations(void)
{
	struct ike1_sa_pl sa;
	struct ike1_notify n;
	struct ike1_delete d;
	struct ike1_id id;
	struct ike_view v;
	struct ike_msg m;
	unsigned long k, ok = 0;
	uint8_t *copy;
	unsigned int i;
	uint8_t b[sizeof(mm1)];

	srand((unsigned int)seed);
	for (k = 0; k < mutations / 4; k++) {
		memcpy(b, mm1, sizeof(b));
		for (i = 0; i < 1 + (unsigned int)rand() % 4; i++)
			b[28 + (unsigned int)rand() % (sizeof(b) - 28)] = (uint8_t)rand();
		if (decode_copy(b, sizeof(b), &m, &copy) == IKE_OK) {
			for (i = 0; i < m.npl; i++) {
				ok += !ike1_dec_sa(&m.pl[i], &sa);
				ok += !ike1_dec_id(&m.pl[i], &id);
				ok += !ike1_dec_notify(&m.pl[i], &n);
				ok += !ike1_dec_delete(&m.pl[i], &d);
				ok += !ike1_dec_data(&m.pl[i], &v);
			}
		}
		free(copy);
	}
	printf("# %lu IKEv1 mutations, %lu payloads still decoded\n", mutations / 4, ok);
	CHECK(ok > 0);
}


/* The seed corpus of fuzz/fuzz_ike.c: the valid messages built here. */
static int emit(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

static int write_corpus(const char *dir)
{
	static const uint8_t info[] = { IKE_PL_DELETE, IKE_PL_NOTIFY };
	static const uint8_t init[] = { IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_NOTIFY };
	static uint8_t out[4096];
	struct ike_hdr h = { .major = 2, .exchange = IKE_EXCH_IKE_SA_INIT };
	struct ike_wbuf w;
	struct ike_enc e;
	struct rt_typed t;
	struct bytes b;
	size_t i, len;
	int err = 0;

	build_sa_init(&b);
	err |= emit(dir, "ikev2-sa-init-request", b.p, b.len);
	len = build_with_inner(out, sizeof(out), auth, sizeof(auth));
	err |= emit(dir, "ikev2-auth-sk-inner", out, len);
	len = build_with_inner(out, sizeof(out), info, sizeof(info));
	err |= emit(dir, "ikev2-informational-delete", out, len);
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	for (i = 0; i < sizeof(init); i++) {
		fill_typed(&t, init[i]);
		rt_enc(&e, init[i], &t);
	}
	if (!ike_enc_end(&e))
		err |= emit(dir, "ikev2-sa-init-curve25519", out, w.len);
	ike_wbuf_init(&w, out, sizeof(out));
	ike_enc_begin(&e, &w, &h);
	fill_typed(&t, IKE_PL_SKF);
	ike_enc_sk(&e, &t.sk);
	if (!ike_enc_end(&e))
		err |= emit(dir, "ikev2-skf", out, w.len);
	err |= emit(dir, "ikev1-main-mode", mm, sizeof(mm));
	err |= emit(dir, "ikev1-main-mode-sa", mm1, sizeof(mm1));
	memcpy(out, mm, sizeof(mm));
	out[19] = IKE1_FLAG_ENCRYPTION;
	err |= emit(dir, "ikev1-encrypted", out, sizeof(mm));
	return err;
}

static const struct test tests[] = {
	{ "reader: bounds and the sticky error", test_rbuf },
	{ "writer: bounds, reserve and patch, the sticky error", test_wbuf },
	{ "error names: one per error, distinct", test_strerror },
	{ "IKE_SA_INIT request built by hand: decoded field by field", test_sa_init_decode },
	{ "IKE_SA_INIT request from the encoders: the same bytes", test_sa_init_encode },
	{ "round trip of every IKEv2 payload", test_roundtrip_all },
	{ "SK: the decrypted inner chain joins the message", test_inner },
	{ "IKEv1: header and chain, the E flag, padding after an inner chain", test_ikev1 },
	{ "refused: truncated header, length mismatch, version, trailing", test_bad_header },
	{ "refused: payload length 0..3 and past the end", test_bad_payload_len },
	{ "refused: too many payloads, chains that loop", test_too_many },
	{ "refused: unknown critical payload, with its type", test_critical },
	{ "refused: bad proposal and transform lengths", test_bad_sa },
	{ "transform attributes: past the end, unknown, repeated", test_bad_sa_attrs },
	{ "SA: too many proposals and transforms", test_sa_limits },
	{ "refused: TS start above end, bad lengths and counts", test_bad_ts },
	{ "refused: nonce, KE, ID, notify, delete, CP, SKF, CERT", test_bad_others },
	{ "encoder: payload and buffer limits", test_encoder_limits },
	{ "mutations of valid messages: no crash, no overread, round trips", test_mutations },
	{ "IKEv1 main mode first message by hand: decoded, encoded to the same bytes",
	  test_ikev1_main_mode },
	{ "IKEv1 round trips: SA (TV, TLV, long TLV), ID, notify, delete, data", test_ikev1_roundtrip },
	{ "IKEv1 SA refused: truncated, lengths, counts, TLV past end, limits", test_ikev1_bad_sa },
	{ "IKEv1 refused: nonce, KE, ID, notify, delete; proposal at top level", test_ikev1_bad_others },
	{ "IKEv1 mutations: the typed decoders on whatever still decodes", test_ikev1_mutations },
};

int main(int argc, char **argv)
{
	const unsigned int n = sizeof(tests) / sizeof(tests[0]);
	int opt;

	while ((opt = getopt(argc, argv, "c:n:s:")) != -1) {
		if (opt == 'c')
			return write_corpus(optarg);
		else if (opt == 'n')
			mutations = strtoul(optarg, NULL, 0);
		else if (opt == 's')
			seed = strtoul(optarg, NULL, 0);
		else
			return 2;
	}
	return run_tests(tests, n);
}
