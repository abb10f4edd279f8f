// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl sync FILE: make the kernel's manual SAs and policies (those
 * without an owner) the file's, which holds sa add and policy add lines.
 * What can be undone goes first: the new inbound SAs, then the new outbound
 * ones, then the policies (a changed one replaced in place), then the
 * policies the file does not have deleted. What cannot be undone comes
 * last, once all that succeeded: an SA that changed is deleted and added
 * again (one SPI cannot be made before it is broken), then the SAs the file
 * does not have are deleted; no policy is left without its SA but for that
 * moment. If that last phase fails, what was done stays. SAs and policies
 * with an owner (the IKE daemon's) are never touched. It prints what it did
 * as commands, nothing if nothing changed; with -n, what it would do, and
 * does nothing.
 */

#include <errno.h>
#include <ifaddrs.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nfesp.h>
#include "apply.h"

/*
 * Inbound: to one of this host's addresses, or to the local end of one of
 * the file's inbound policies.
 */
static bool sa_inbound(const struct sa *sa, const struct ifaddrs *ifs, const struct plan *file)
{
	size_t i;

	if (addr_is_local(ifs, &sa->dst))
		return true;
	for (i = 0; i < file->n; i++) {
		const struct policy *p = &file->ops[i].pol;

		if (file->ops[i].kind == OP_POL_ADD && p->dir == NFESP_DIR_IN &&
		    p->local.family && !memcmp(&p->local, &sa->dst, sizeof(sa->dst)) &&
		    !memcmp(&p->peer, &sa->src, sizeof(sa->src)))
			return true;
	}
	return false;
}

/* The file: only sa add and policy add, each SA and selector once. */
static int check_file(struct plan *file, struct index *want_sas, struct index *want_pols)
{
	size_t i;
	int err = 0;

	for (i = 0; i < file->n && !err; i++) {
		struct op *op = &file->ops[i];
		uint64_t owner = op->kind == OP_SA_ADD ? op->sa.owner : op->pol.owner;
		struct index *ix = op->kind == OP_SA_ADD ? want_sas : want_pols;
		void *other;

		plan_context(file, op->line);
		if (op->kind != OP_SA_ADD && op->kind != OP_POL_ADD) {
			err = error("sync takes only sa add and policy add lines, got %s %s",
				    op->argv[0], op->argc > 1 ? op->argv[1] : "");
			break;
		}
		if (owner) {
			err = error("sync leaves SAs and policies with an owner alone, and makes none: drop owner %llu",
				    (unsigned long long)owner);
			break;
		}
		other = index_find(ix, &op->sa);
		if (other)
			err = error("%s is on line %d already",
				    op->kind == OP_SA_ADD ? "this SA (spi and dst)" :
				    "a policy with this dir and selector", op_of(other)->line);
		else
			err = index_put(ix, op->kind == OP_SA_ADD ? (void *)&op->sa : (void *)&op->pol);
	}
	set_error_context(NULL);
	return err;
}

static struct op *todo_from(struct plan *todo, const struct op *from, enum op_kind kind)
{
	struct op *op = plan_add(todo, kind, from->line);

	if (!op)
		return NULL;
	op->argc = from->argc;
	op->argv = from->argv;
	op->borrowed = true;
	if (kind == OP_SA_ADD)
		op->sa = from->sa;
	else
		op->pol = from->pol;
	return op;
}

/*
 * The file's SAs of one direction: the new ones added, or (@changed) those
 * that changed deleted and added again.
 */
static int plan_sas(struct plan *todo, struct plan *file, struct index *have,
		    const struct ifaddrs *ifs, bool inbound, bool changed)
{
	char why[256], d[INET6_ADDRSTRLEN], *note;
	size_t i;

	for (i = 0; i < file->n; i++) {
		struct op *f = &file->ops[i], *op;
		struct sa *k;

		if (f->kind != OP_SA_ADD || sa_inbound(&f->sa, ifs, file) != inbound)
			continue;
		k = index_find(have, &f->sa);
		/* A reserved SPI: sa add fills it. */
		if (k && (k->flags & NFESP_SA_F_LARVAL))
			k = NULL;
		if (!changed) {
			if (k && k->owner) {
				plan_context(file, f->line);
				return error("the SA spi 0x%08x dst %s has owner %llu (the IKE daemon's): sync does not touch it",
					     k->spi, addr_str(&k->dst, d, sizeof(d)),
					     (unsigned long long)k->owner);
			}
			if (!k && !todo_from(todo, f, OP_SA_ADD))
				return error("out of memory");
			continue;
		}
		if (!k || !*sa_differs(&f->sa, k, why, sizeof(why)))
			continue;
		op = plan_add(todo, OP_SA_DEL, f->line);
		if (!op || asprintf(&note, "spi 0x%08x dst %s: %s changed; one SPI cannot be made before it is broken: deleted, then added",
				    k->spi, addr_str(&k->dst, d, sizeof(d)), why) < 0)
			return error("out of memory");
		op->sa = *k;
		op->note = note;
		op->final = true;
		op = todo_from(todo, f, OP_SA_ADD);
		if (!op)
			return error("out of memory");
		op->final = true;
	}
	return 0;
}

static int plan_policies(struct plan *todo, struct plan *file, struct index *have)
{
	char why[256];
	size_t i;

	for (i = 0; i < file->n; i++) {
		struct op *f = &file->ops[i], *op;
		struct policy *k;

		if (f->kind != OP_POL_ADD)
			continue;
		k = index_find(have, &f->pol);
		if (!k) {
			if (!todo_from(todo, f, OP_POL_ADD))
				return error("out of memory");
			continue;
		}
		if (k->owner) {
			plan_context(file, f->line);
			error("policy %u, with this dir and selector, has owner %llu (the IKE daemon's): sync does not touch it",
			      k->id, (unsigned long long)k->owner);
			set_error_context(NULL);
			return -1;
		}
		if (!*policy_differs(&f->pol, k, why, sizeof(why)))
			continue;
		op = todo_from(todo, f, OP_POL_REPLACE);
		if (!op || !(op->old = malloc(sizeof(*k))))
			return error("out of memory");
		memcpy(op->old, k, sizeof(*k));
	}
	return 0;
}

/* The policies the kernel has without an owner and the file does not. */
static int plan_policy_deletions(struct plan *todo, struct index *have_pols,
				 struct index *want_pols)
{
	size_t i;

	for (i = 0; i < have_pols->n; i++) {
		struct policy *k = have_pols->item[i];
		struct op *op;

		if (!k || k->owner || index_find(want_pols, k))
			continue;
		op = plan_add(todo, OP_POL_DEL, 0);
		if (!op || !(op->old = malloc(sizeof(*k))))
			return error("out of memory");
		memcpy(op->old, k, sizeof(*k));
		op->pol = *k;
		op->pol.id = 0;		/* by its selector, as printed */
	}
	return 0;
}

/* The SAs the kernel has without an owner and the file does not. */
static int plan_sa_deletions(struct plan *todo, struct index *have_sas, struct index *want_sas)
{
	size_t i;

	for (i = 0; i < have_sas->n; i++) {
		struct sa *k = have_sas->item[i];
		struct op *op;

		if (!k || k->owner || (k->flags & NFESP_SA_F_LARVAL) || index_find(want_sas, k))
			continue;
		op = plan_add(todo, OP_SA_DEL, 0);
		if (!op)
			return error("out of memory");
		op->sa = *k;
		op->final = true;
	}
	return 0;
}

static int sync_plan(struct plan *file, struct plan *todo)
{
	struct index want_sas, want_pols, have_sas, have_pols;
	struct ifaddrs *ifs = NULL;
	int err;

	index_init(&want_sas, true);
	index_init(&want_pols, false);
	index_init(&have_sas, true);
	index_init(&have_pols, false);
	err = check_file(file, &want_sas, &want_pols);
	/* With -n too: it says what it would change. */
	if (!err)
		err = nfesp_connect() || kernel_read(&have_sas, &have_pols);
	if (!err && getifaddrs(&ifs))
		err = error("cannot list this host's addresses: %s", strerror(errno));
	/* What can be undone first: the new SAs, the policies added,
	 * replaced and deleted. */
	if (!err)
		err = plan_sas(todo, file, &have_sas, ifs, true, false);
	if (!err)
		err = plan_sas(todo, file, &have_sas, ifs, false, false);
	if (!err)
		err = plan_policies(todo, file, &have_pols);
	if (!err)
		err = plan_policy_deletions(todo, &have_pols, &want_pols);
	/* Then what cannot: the changed SAs deleted and added again, and
	 * the SAs the file does not have deleted. */
	if (!err)
		err = plan_sas(todo, file, &have_sas, ifs, true, true);
	if (!err)
		err = plan_sas(todo, file, &have_sas, ifs, false, true);
	if (!err)
		err = plan_sa_deletions(todo, &have_sas, &want_sas);
	if (ifs)
		freeifaddrs(ifs);
	/* The wanted ones are the file's own. */
	index_free(&want_sas, false);
	index_free(&want_pols, false);
	index_free(&have_sas, true);
	index_free(&have_pols, true);
	return err;
}

int cmd_sync(struct args *a)
{
	struct plan file = { 0 }, todo = { 0 };
	const char *path = next_word(a, "FILE after sync");
	size_t i;
	FILE *f;
	int err;

	if (!path)
		return -1;
	if (opt_json)
		return error("sync prints commands, not JSON: drop -j");
	if (a->i < a->argc)
		return error("sync takes one FILE, got \"%s\" too", a->argv[a->i]);
	f = key_file_open(path);
	if (!f)
		return -1;
	file.keep_words = true;
	err = plan_read(f, path, &file);
	key_file_close(f);
	todo.name = path;
	if (!err)
		err = sync_plan(&file, &todo);
	if (!err && !opt_dry_run)
		err = plan_apply(&todo);
	/* What it did, or with -n would do; nothing if nothing. If its
	 * last phase failed, what it did, which stays. */
	if (!err)
		for (i = 0; i < todo.n; i++)
			op_print(&todo.ops[i]);
	else if (todo.kept)
		for (i = 0; i < todo.n; i++)
			if (todo.ops[i].done)
				op_print(&todo.ops[i]);
	for (i = 0; i < todo.n; i++)
		free((char *)todo.ops[i].note);
	plan_free(&todo);
	plan_free(&file);
	return err;
}
