// SPDX-License-Identifier: GPL-2.0-only
/*
 * Anti-replay, as RFC 4303 appendix A describes it. The window is a ring of
 * bits indexed by sequence number modulo its size, so sliding it clears only
 * the bits that leave it. With ESN the high 32 bits are never sent; they are
 * inferred from where the low 32 bits fall relative to the window (A.2.2).
 *
 * A packet is checked before it is decrypted, so forgeries cost no crypto,
 * and the window advances only after its ICV has verified, with a second
 * check, because another copy may have been authenticated in the meantime.
 */

#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include "replay.h"

int nfesp_replay_init(struct nfesp_replay *r, u32 size, bool esn)
{
	spin_lock_init(&r->lock);
	r->size = size;
	r->esn = esn;
	r->top = 0;
	r->bitmap = NULL;
	if (!size)
		return 0;
	r->bitmap = bitmap_zalloc(size, GFP_KERNEL_ACCOUNT);
	return r->bitmap ? 0 : -ENOMEM;
}

void nfesp_replay_destroy(struct nfesp_replay *r)
{
	bitmap_free(r->bitmap);
	r->bitmap = NULL;
}

/* The full sequence number a received low half stands for. */
static u64 infer_seq(const struct nfesp_replay *r, u32 seq_lo)
{
	u32 top_lo = lower_32_bits(r->top), top_hi = upper_32_bits(r->top);
	u32 win = r->size ? r->size : 1;
	u32 bottom_lo = top_lo - win + 1;

	if (!r->esn)
		return seq_lo;
	if (top_lo >= win - 1) {
		/* Case A: the window lies within one subspace. */
		if (seq_lo >= bottom_lo)
			return ((u64)top_hi << 32) | seq_lo;
		return ((u64)(top_hi + 1) << 32) | seq_lo;
	}
	/* Case B: the window spans two subspaces. */
	if (seq_lo >= bottom_lo && top_hi)
		return ((u64)(top_hi - 1) << 32) | seq_lo;
	return ((u64)top_hi << 32) | seq_lo;
}

/* The window's bit for @seq: u64 % u32 in a form 32-bit kernels link. */
static u32 bit_of(const struct nfesp_replay *r, u64 seq)
{
	u32 bit;

	div_u64_rem(seq, r->size, &bit);
	return bit;
}

static int check_locked(const struct nfesp_replay *r, u64 seq)
{
	lockdep_assert_held(&r->lock);

	if (!seq)
		return -EINVAL;	/* sequence numbers start at 1 */
	if (!r->size || seq > r->top)
		return 0;
	if (r->top - seq >= r->size)
		return -ERANGE;	/* behind the window */
	if (test_bit(bit_of(r, seq), r->bitmap))
		return -EEXIST;	/* replayed */
	return 0;
}

/*
 * Before decryption: 0 and the full sequence number in @seq if the packet
 * may be new; -EEXIST if it was seen, -ERANGE if it is behind the window.
 */
int nfesp_replay_check(struct nfesp_replay *r, u32 seq_lo, u64 *seq)
{
	int err;

	spin_lock_bh(&r->lock);
	*seq = infer_seq(r, seq_lo);
	err = check_locked(r, *seq);
	spin_unlock_bh(&r->lock);
	return err;
}

/* After the ICV verified: record @seq, sliding the window if it is ahead. */
int nfesp_replay_advance(struct nfesp_replay *r, u64 seq)
{
	int err;

	spin_lock_bh(&r->lock);
	err = check_locked(r, seq);
	if (err)
		goto out;
	if (seq > r->top) {
		u64 shift = seq - r->top;

		if (r->size) {
			if (shift >= r->size) {
				bitmap_zero(r->bitmap, r->size);
			} else {
				u64 s;

				for (s = r->top + 1; s < seq; s++)
					__clear_bit(bit_of(r, s), r->bitmap);
			}
		}
		r->top = seq;
	}
	if (r->size)
		__set_bit(bit_of(r, seq), r->bitmap);
out:
	spin_unlock_bh(&r->lock);
	return err;
}

/*
 * Pure logic, so it is tested at every load, before anything can use it;
 * the module refuses to load if it fails. The ESN inference across the
 * 2^32 boundary is tested nowhere else: no selftest sends 4G packets.
 */
bool __init nfesp_replay_selftest(void)
{
	struct nfesp_replay r;
	u64 seq;
	bool ok = true;

#define EXPECT(cond) do { if (!(cond)) { pr_err("replay self-test %d failed\n", __LINE__); ok = false; } } while (0)
	if (nfesp_replay_init(&r, 64, false))
		return false;
	EXPECT(!nfesp_replay_check(&r, 1, &seq) && seq == 1);
	EXPECT(!nfesp_replay_advance(&r, 1));
	EXPECT(nfesp_replay_check(&r, 1, &seq) == -EEXIST);
	EXPECT(!nfesp_replay_advance(&r, 100));
	EXPECT(!nfesp_replay_check(&r, 37, &seq));
	EXPECT(nfesp_replay_check(&r, 36, &seq) == -ERANGE);
	EXPECT(!nfesp_replay_advance(&r, 99));
	EXPECT(nfesp_replay_advance(&r, 99) == -EEXIST);
	EXPECT(nfesp_replay_check(&r, 0, &seq) == -EINVAL);
	nfesp_replay_destroy(&r);

	if (nfesp_replay_init(&r, 128, true))
		return false;
	r.top = 0xffffffffULL + 10;	/* high half 1, low half 9 */
	EXPECT(!nfesp_replay_check(&r, 5, &seq) && seq == 0x100000005ULL);
	EXPECT(!nfesp_replay_check(&r, 0xfffffff0, &seq) && seq == 0xfffffff0ULL);
	r.top = 0x1fffffff0ULL;
	EXPECT(!nfesp_replay_check(&r, 3, &seq) && seq == 0x200000003ULL);
	nfesp_replay_destroy(&r);
#undef EXPECT
	if (ok)
		pr_debug("replay self-tests: pass\n");
	return ok;
}
