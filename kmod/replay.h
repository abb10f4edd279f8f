/* SPDX-License-Identifier: GPL-2.0-only */
/* The anti-replay window of an inbound SA (RFC 4303 section 3.4.3, appendix A). */
#ifndef _NFESP_REPLAY_H
#define _NFESP_REPLAY_H

#include <linux/init.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct nfesp_replay {
	spinlock_t lock;
	u32 size;		/* packets; 0: no replay check */
	bool esn;		/* 64-bit sequence numbers */
	u64 top;		/* highest sequence number authenticated */
	unsigned long *bitmap;	/* ring of size bits; bit (seq % size) */
};

int nfesp_replay_init(struct nfesp_replay *r, u32 size, bool esn);
void nfesp_replay_destroy(struct nfesp_replay *r);
int nfesp_replay_check(struct nfesp_replay *r, u32 seq_lo, u64 *seq);
int nfesp_replay_advance(struct nfesp_replay *r, u64 seq);
bool __init nfesp_replay_selftest(void);

#endif /* _NFESP_REPLAY_H */
