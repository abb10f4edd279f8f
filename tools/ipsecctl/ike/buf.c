// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bounds-checked reader and writer; see buf.h.
 */

#include <string.h>
#include "buf.h"

void ike_rbuf_init(struct ike_rbuf *r, const uint8_t *p, size_t len)
{
	static const uint8_t none[1];

	/* Never NULL, so that an empty view is never NULL + 0. */
	r->p = p ? p : none;
	r->len = p ? len : 0;
	r->off = 0;
	r->err = false;
}

size_t ike_rbuf_left(const struct ike_rbuf *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* The next n bytes, consumed; NULL and the error set if fewer are left. */
static const uint8_t *take(struct ike_rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t ike_rbuf_u8(struct ike_rbuf *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

uint16_t ike_rbuf_u16(struct ike_rbuf *r)
{
	const uint8_t *p = take(r, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t ike_rbuf_u32(struct ike_rbuf *r)
{
	const uint8_t *p = take(r, 4);

	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t ike_rbuf_u64(struct ike_rbuf *r)
{
	uint64_t hi = ike_rbuf_u32(r);

	return hi << 32 | ike_rbuf_u32(r);
}

const uint8_t *ike_rbuf_bytes(struct ike_rbuf *r, size_t n)
{
	return take(r, n);
}

bool ike_rbuf_skip(struct ike_rbuf *r, size_t n)
{
	return take(r, n) != NULL;
}

void ike_wbuf_init(struct ike_wbuf *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = p ? cap : 0;
	w->len = 0;
	w->err = false;
}

/* Room for n more bytes, claimed; NULL and the error set if there is none. */
static uint8_t *claim(struct ike_wbuf *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	p = w->p ? w->p + w->len : NULL;
	w->len += n;
	return p;
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void append_be(struct ike_wbuf *w, uint64_t v, size_t n)
{
	uint8_t *p = claim(w, n);

	if (p)
		put_be(p, v, n);
}

void ike_wbuf_u8(struct ike_wbuf *w, uint8_t v)
{
	append_be(w, v, 1);
}

void ike_wbuf_u16(struct ike_wbuf *w, uint16_t v)
{
	append_be(w, v, 2);
}

void ike_wbuf_u32(struct ike_wbuf *w, uint32_t v)
{
	append_be(w, v, 4);
}

void ike_wbuf_u64(struct ike_wbuf *w, uint64_t v)
{
	append_be(w, v, 8);
}

void ike_wbuf_bytes(struct ike_wbuf *w, const void *p, size_t n)
{
	uint8_t *d = claim(w, n);

	if (d && n)
		memcpy(d, p, n);
}

size_t ike_wbuf_reserve(struct ike_wbuf *w, size_t n)
{
	size_t off = w->len;
	uint8_t *p = claim(w, n);

	if (p && n)
		memset(p, 0, n);
	return off;
}

static void patch_be(struct ike_wbuf *w, size_t off, uint64_t v, size_t n)
{
	if (w->err)
		return;
	if (off > w->len || n > w->len - off) {
		w->err = true;
		return;
	}
	put_be(w->p + off, v, n);
}

void ike_wbuf_patch_u8(struct ike_wbuf *w, size_t off, uint8_t v)
{
	patch_be(w, off, v, 1);
}

void ike_wbuf_patch_u16(struct ike_wbuf *w, size_t off, uint16_t v)
{
	patch_be(w, off, v, 2);
}

void ike_wbuf_patch_u32(struct ike_wbuf *w, size_t off, uint32_t v)
{
	patch_be(w, off, v, 4);
}
