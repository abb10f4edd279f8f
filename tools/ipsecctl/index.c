// SPDX-License-Identifier: GPL-2.0-only
/*
 * An index of SAs by (SPI, destination) or of policies by (direction,
 * selector), their identities in the kernel: chained hashing over an array
 * that only grows, for the files of 100,000 SAs that ipsecctl -f is given.
 */

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "apply.h"

#define NONE UINT32_MAX

static uint32_t mix(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static uint32_t sa_hash(const struct sa *s)
{
	uint32_t h = mix(2166136261u, &s->spi, sizeof(s->spi));

	return mix(h, s->dst.bytes, sizeof(s->dst.bytes));
}

static uint32_t policy_hash(const struct policy *p)
{
	uint32_t h = mix(2166136261u, &p->dir, sizeof(p->dir));

	h = mix(h, p->src.bytes, sizeof(p->src.bytes));
	h = mix(h, p->dst.bytes, sizeof(p->dst.bytes));
	h = mix(h, &p->src_plen, sizeof(p->src_plen));
	h = mix(h, &p->dst_plen, sizeof(p->dst_plen));
	h = mix(h, &p->proto, sizeof(p->proto));
	h = mix(h, &p->sport_min, sizeof(p->sport_min));
	return mix(h, &p->dport_min, sizeof(p->dport_min));
}

static uint32_t key_hash(const struct index *ix, const void *it)
{
	return ix->sa ? sa_hash(it) : policy_hash(it);
}

bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static bool sa_same(const struct sa *a, const struct sa *b)
{
	return a->spi == b->spi && addr_eq(&a->dst, &b->dst);
}

static bool policy_same(const struct policy *a, const struct policy *b)
{
	return a->dir == b->dir && addr_eq(&a->src, &b->src) && addr_eq(&a->dst, &b->dst) &&
	       a->src_plen == b->src_plen && a->dst_plen == b->dst_plen &&
	       a->proto == b->proto && a->sport_min == b->sport_min &&
	       a->sport_max == b->sport_max && a->dport_min == b->dport_min &&
	       a->dport_max == b->dport_max;
}

static bool key_same(const struct index *ix, const void *x, const void *y)
{
	return ix->sa ? sa_same(x, y) : policy_same(x, y);
}

void index_init(struct index *ix, bool sa)
{
	memset(ix, 0, sizeof(*ix));
	ix->sa = sa;
}

void item_free(const struct index *ix, void *it)
{
	if (!it)
		return;
	/* An SA of the file holds its keys. */
	OPENSSL_cleanse(it, ix->sa ? sizeof(struct sa) : sizeof(struct policy));
	free(it);
}

void index_free(struct index *ix, bool free_items)
{
	size_t i;

	if (free_items)
		for (i = 0; i < ix->n; i++)
			item_free(ix, ix->item[i]);
	free(ix->item);
	free(ix->next);
	free(ix->head);
	index_init(ix, ix->sa);
}

static uint32_t *slot(const struct index *ix, const void *key)
{
	return &ix->head[key_hash(ix, key) & ix->mask];
}

void *index_find(const struct index *ix, const void *key)
{
	uint32_t i;

	if (!ix->head)
		return NULL;
	for (i = *slot(ix, key); i != NONE; i = ix->next[i])
		if (key_same(ix, ix->item[i], key))
			return ix->item[i];
	return NULL;
}

static int grow(struct index *ix)
{
	size_t cap = ix->cap ? 2 * ix->cap : 64, i;
	void **item = realloc(ix->item, cap * sizeof(*item));
	uint32_t *next;

	if (!item)
		return -1;
	ix->item = item;
	next = realloc(ix->next, cap * sizeof(*next));
	if (!next)
		return -1;
	ix->next = next;
	free(ix->head);
	ix->head = malloc(2 * cap * sizeof(*ix->head));
	if (!ix->head)
		return -1;
	ix->cap = cap;
	ix->mask = 2 * cap - 1;
	for (i = 0; i <= ix->mask; i++)
		ix->head[i] = NONE;
	for (i = 0; i < ix->n; i++) {
		uint32_t *h;

		if (!ix->item[i])
			continue;
		h = slot(ix, ix->item[i]);
		ix->next[i] = *h;
		*h = i;
	}
	return 0;
}

/* Adds @item, or puts it in the place of the equal one, which it returns. */
static void *put(struct index *ix, void *item, int *err)
{
	uint32_t i, *h;
	void *old;

	*err = 0;
	if (ix->head)
		for (i = *slot(ix, item); i != NONE; i = ix->next[i])
			if (key_same(ix, ix->item[i], item)) {
				old = ix->item[i];
				ix->item[i] = item;
				return old;
			}
	if (ix->n == ix->cap && grow(ix)) {
		*err = -1;
		return NULL;
	}
	h = slot(ix, item);
	ix->item[ix->n] = item;
	ix->next[ix->n] = *h;
	*h = ix->n++;
	return NULL;
}

int index_put(struct index *ix, void *item)
{
	int err;

	item_free(ix, put(ix, item, &err));
	return err ? error("out of memory") : 0;
}

void *index_remove(struct index *ix, const void *key)
{
	uint32_t *link, i;
	void *it;

	if (!ix->head)
		return NULL;
	for (link = slot(ix, key); (i = *link) != NONE; link = &ix->next[i])
		if (key_same(ix, ix->item[i], key)) {
			it = ix->item[i];
			*link = ix->next[i];
			ix->item[i] = NULL;
			return it;
		}
	return NULL;
}
