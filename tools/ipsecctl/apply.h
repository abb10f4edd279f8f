/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Applying a file all or nothing (apply.c) and sync (sync.c): a file is read
 * into a plan of operations first, checked against a model of the kernel's
 * SAs and policies, and only then sent, each change with the way to undo it.
 */
#ifndef IPSECCTL_APPLY_H
#define IPSECCTL_APPLY_H

#include <stddef.h>
#include "ipsecctl.h"

enum op_kind {
	OP_SA_ADD,
	OP_SA_UPDATE,
	OP_SA_DEL,
	OP_SA_FLUSH,
	OP_POL_ADD,
	OP_POL_REPLACE,
	OP_POL_DEL,
	OP_POL_FLUSH,
	OP_RUN,			/* a command that changes nothing: run in its place */
};

/* One command of the plan. */
struct op {
	enum op_kind kind;
	int line;		/* in the file; 0: made by sync */
	int argc;
	char **argv;		/* the line's words, a copy; NULL for sync's own */
	bool borrowed;		/* argv is another plan's */
	bool skip;		/* already so in the kernel: nothing to send */
	bool done;		/* sent and acknowledged */
	bool final;		/* sync's last phase, which cannot be undone: if it
				 * fails, nothing is undone */
	union {
		struct sa sa;
		struct policy pol;
	};
	/* What it changes, as it was, for the undo (SA update, policy
	 * replace and del); NULL if nothing. */
	void *old;
	uint32_t new_id;	/* the policy an add made */
	const char *note;	/* sync: a comment to print before it */
};

/* The op that holds @model, its SA or policy. */
static inline struct op *op_of(void *model)
{
	/* An SA and a policy share the place in struct op's union. */
	return (struct op *)((char *)model - offsetof(struct op, sa));
}

struct plan {
	const char *name;	/* the file's name, for FILE:LINE */
	bool keep_words;	/* every line's words, else only OP_RUN's */
	bool kept;		/* plan_apply(): a final op failed, what was
				 * done before it stays */
	struct op *ops;
	size_t n, cap;
};

/*
 * An index of models by their identity: an SA by (SPI, destination), a
 * policy by (direction, selector). Items are the caller's; NULL when gone.
 */
struct index {
	void **item;
	uint32_t *next, *head;
	size_t n, cap;
	uint32_t mask;
	bool sa;		/* of SAs, else of policies */
};

void index_init(struct index *ix, bool sa);
void index_free(struct index *ix, bool free_items);
void *index_find(const struct index *ix, const void *key);
int index_put(struct index *ix, void *item);	/* replaces an equal one */
void *index_remove(struct index *ix, const void *key);
/* An item as the index frees it: an SA wiped first (it may hold keys). */
void item_free(const struct index *ix, void *item);
bool addr_eq(const struct addr *a, const struct addr *b);

/* The kernel's SAs (larval ones too) and policies; -1 after an error. */
int kernel_read(struct index *sas, struct index *pols);

/* What differs between two models of the same identity, as a list of
 * attribute names into @buf; "" if nothing. */
const char *sa_differs(const struct sa *want, const struct sa *have, char *buf, size_t len);
const char *policy_differs(const struct policy *want, const struct policy *have,
			   char *buf, size_t len);

/* The file, all lines parsed; -1 after an error naming FILE:LINE. */
int plan_read(FILE *f, const char *name, struct plan *p);
struct op *plan_add(struct plan *p, enum op_kind kind, int line);
void plan_free(struct plan *p);
/* Send every op not skipped, in order; on a failure undo what was done,
 * but for a failure of a final op: then what was done stays. */
int plan_apply(struct plan *p);
/* An op as a command that could be pasted; keys as @FILE or (hidden). */
void op_print(const struct op *op);
/* FILE:LINE, or FILE alone for line 0, as the error context. */
void plan_context(const struct plan *p, int line);
/* PATH or - (stdin) to read, through a buffer wiped at key_file_close(). */
FILE *key_file_open(const char *path);
void key_file_close(FILE *f);
/* ipsecctl -f: the plan, checked against the kernel, then applied. */
int apply_stream(FILE *f, const char *name);

#endif /* IPSECCTL_APPLY_H */
