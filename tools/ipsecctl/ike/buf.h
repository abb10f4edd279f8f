/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounds-checked network-order reader and writer over caller-owned memory.
 *
 * Both have a sticky error flag: the first read past the end, or the first
 * write that does not fit, sets it, and from then on reads return zero (or
 * NULL) and writes do nothing, so a sequence of calls needs one check at the
 * end. Neither allocates.
 */
#ifndef IKE_BUF_H
#define IKE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ike_rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

struct ike_wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err;
};

void ike_rbuf_init(struct ike_rbuf *r, const uint8_t *p, size_t len);
size_t ike_rbuf_left(const struct ike_rbuf *r);
uint8_t ike_rbuf_u8(struct ike_rbuf *r);
uint16_t ike_rbuf_u16(struct ike_rbuf *r);
uint32_t ike_rbuf_u32(struct ike_rbuf *r);
uint64_t ike_rbuf_u64(struct ike_rbuf *r);
/* A view of the next n bytes, or NULL (and the error set) if fewer are left. */
const uint8_t *ike_rbuf_bytes(struct ike_rbuf *r, size_t n);
bool ike_rbuf_skip(struct ike_rbuf *r, size_t n);

void ike_wbuf_init(struct ike_wbuf *w, uint8_t *p, size_t cap);
void ike_wbuf_u8(struct ike_wbuf *w, uint8_t v);
void ike_wbuf_u16(struct ike_wbuf *w, uint16_t v);
void ike_wbuf_u32(struct ike_wbuf *w, uint32_t v);
void ike_wbuf_u64(struct ike_wbuf *w, uint64_t v);
void ike_wbuf_bytes(struct ike_wbuf *w, const void *p, size_t n);
/*
 * n zero bytes to be filled in later; returns their offset (meaningless
 * once the error is set, and then the patch functions do nothing).
 */
size_t ike_wbuf_reserve(struct ike_wbuf *w, size_t n);
void ike_wbuf_patch_u8(struct ike_wbuf *w, size_t off, uint8_t v);
void ike_wbuf_patch_u16(struct ike_wbuf *w, size_t off, uint16_t v);
void ike_wbuf_patch_u32(struct ike_wbuf *w, size_t off, uint32_t v);

#endif /* IKE_BUF_H */
