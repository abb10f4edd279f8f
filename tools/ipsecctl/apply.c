// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipsecctl -f FILE: the whole file is parsed into a plan first, checked
 * against a model of what the kernel holds (an sa add or policy add that is
 * already so is skipped: running a file twice changes nothing), and only
 * then sent. If the kernel refuses a command, what this run did is undone in
 * reverse. sa del, sa flush and policy flush cannot be undone (an SA's keys
 * cannot be read back), so they are checked before anything is sent. With
 * -n, nothing is sent and every protect policy must have its SA in the file.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/nfesp.h>
#include <openssl/crypto.h>
#include "apply.h"

/* --- the kernel's state ----------------------------------------------------- */
/*
 * Each dump's models go into an index; a dump that a change interrupted is
 * run again (nfesp_dump), after what it collected is thrown away.
 */

static void collect_reset(void *arg)
{
	index_free(arg, true);
}

static int collect_sa(struct nl_msg *msg, void *arg)
{
	struct sa *sa = malloc(sizeof(*sa));
	bool larval;

	if (!sa)
		return error("out of memory");
	if (sa_from_nl(msg, sa, &larval)) {
		free(sa);
		return -1;
	}
	return index_put(arg, sa);
}

static int collect_policy(struct nl_msg *msg, void *arg)
{
	struct policy *p = malloc(sizeof(*p));

	if (!p)
		return error("out of memory");
	if (policy_from_nl(msg, p)) {
		free(p);
		return -1;
	}
	/* As it is, to be sent back as it was. */
	p->has_priority = p->has_mode = p->has_reqid = true;
	return index_put(arg, p);
}

int kernel_read(struct index *sas, struct index *pols)
{
	int err;

	err = nfesp_dump(NFESP_CMD_SA_GET, collect_sa, collect_reset, sas);
	if (err)
		return kernel_error("reading the SAs", err);
	err = nfesp_dump(NFESP_CMD_POLICY_GET, collect_policy, collect_reset, pols);
	return err ? kernel_error("reading the policies", err) : 0;
}

/* --- comparing ---------------------------------------------------------- */

static void differ(char *buf, size_t len, bool cond, const char *what)
{
	size_t n = strlen(buf);

	if (cond)
		snprintf(buf + n, len - n, "%s%s", n ? ", " : "", what);
}

static bool lifetime_eq(const struct lifetime *a, const struct lifetime *b)
{
	return a->bytes == b->bytes && a->packets == b->packets && a->seconds == b->seconds;
}

static bool sel_eq(const struct selector *a, const struct selector *b)
{
	if (!a->src.family || !b->src.family)
		return a->src.family == b->src.family;
	return addr_eq(&a->src, &b->src) && addr_eq(&a->dst, &b->dst) &&
	       a->src_plen == b->src_plen && a->dst_plen == b->dst_plen &&
	       a->proto == b->proto && a->sport_min == b->sport_min &&
	       a->sport_max == b->sport_max && a->dport_min == b->dport_min &&
	       a->dport_max == b->dport_max;
}

/*
 * Everything the kernel shows but the keys, which it never does, and but
 * the source and encap ports of an SA that follows its peer: the kernel
 * moves those itself when the peer's NAT mapping changes.
 */
const char *sa_differs(const struct sa *want, const struct sa *have, char *buf, size_t len)
{
	bool moves = want->flags & have->flags & NFESP_SA_F_FOLLOW_PEER;

	buf[0] = '\0';
	differ(buf, len, !moves && !addr_eq(&want->src, &have->src), "src");
	differ(buf, len, want->mode != have->mode, "mode");
	differ(buf, len, want->reqid != have->reqid, "reqid");
	differ(buf, len, want->owner != have->owner, "owner");
	differ(buf, len, want->enc != have->enc, "enc");
	differ(buf, len, want->auth != have->auth, "auth");
	differ(buf, len, (want->flags ^ have->flags) & NFESP_SA_F_ESN, "esn");
	differ(buf, len, (want->flags ^ have->flags) & NFESP_SA_F_FOLLOW_PEER, "follow-peer");
	differ(buf, len, want->replay_window != have->replay_window, "replay-window");
	differ(buf, len, !want->encap_sport != !have->encap_sport ||
	       (!moves && (want->encap_sport != have->encap_sport ||
			   want->encap_dport != have->encap_dport)), "encap");
	differ(buf, len, !lifetime_eq(&want->soft, &have->soft), "lifetime soft");
	differ(buf, len, !lifetime_eq(&want->hard, &have->hard), "lifetime hard");
	differ(buf, len, strcmp(want->driver, have->driver), "driver");
	differ(buf, len, !sel_eq(&want->sel, &have->sel), "sel");
	return buf;
}

/* The kernel's default for a policy given none. */
static uint32_t priority(const struct policy *p)
{
	return p->has_priority ? p->priority : NFESP_PRIORITY_DEFAULT;
}

const char *policy_differs(const struct policy *want, const struct policy *have,
			   char *buf, size_t len)
{
	buf[0] = '\0';
	differ(buf, len, want->action != have->action, "action");
	differ(buf, len, priority(want) != priority(have), "priority");
	differ(buf, len, want->owner != have->owner, "owner");
	if (want->action != NFESP_ACTION_PROTECT || have->action != NFESP_ACTION_PROTECT)
		return buf;
	differ(buf, len, want->mode != have->mode, "mode");
	differ(buf, len, !addr_eq(&want->local, &have->local), "local");
	differ(buf, len, !addr_eq(&want->peer, &have->peer), "peer");
	differ(buf, len, want->reqid != have->reqid, "reqid");
	differ(buf, len, (want->flags ^ have->flags) & NFESP_POL_F_MATCH_IKE, "match-ike");
	return buf;
}

/* --- the plan -------------------------------------------------------------- */

void plan_context(const struct plan *p, int line)
{
	static char ctx[512];

	if (line)
		snprintf(ctx, sizeof(ctx), "%s:%d", p->name, line);
	else
		snprintf(ctx, sizeof(ctx), "%s", p->name);
	set_error_context(ctx);
}

struct op *plan_add(struct plan *p, enum op_kind kind, int line)
{
	struct op *op;

	/* Grown by hand, not realloc'd: the old block, which holds the
	 * file's keys, is wiped before it is freed. */
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct op *ops = malloc(cap * sizeof(*ops));

		if (!ops)
			return NULL;
		if (p->ops) {
			memcpy(ops, p->ops, p->n * sizeof(*ops));
			OPENSSL_cleanse(p->ops, p->cap * sizeof(*p->ops));
			free(p->ops);
		}
		p->ops = ops;
		p->cap = cap;
	}
	op = &p->ops[p->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->line = line;
	return op;
}

static void words_free(int argc, char **argv)
{
	int i;

	if (!argv)
		return;
	for (i = 0; i < argc; i++) {
		OPENSSL_cleanse(argv[i], strlen(argv[i]));
		free(argv[i]);
	}
	free(argv);
}

void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct op *op = &p->ops[i];

		if (!op->borrowed)
			words_free(op->argc, op->argv);
		/* An SA update's old SA can be a copy of the file's own,
		 * with its keys. */
		if (op->old)
			OPENSSL_cleanse(op->old, op->kind == OP_SA_UPDATE ?
					sizeof(struct sa) : sizeof(struct policy));
		free(op->old);
	}
	if (p->ops)
		OPENSSL_cleanse(p->ops, p->cap * sizeof(*p->ops));
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

static char **words_dup(int argc, char **argv)
{
	char **w = calloc(argc + 1, sizeof(*w));
	int i;

	if (!w)
		return NULL;
	for (i = 0; i < argc; i++)
		if (!(w[i] = strdup(argv[i]))) {
			words_free(i, w);
			return NULL;
		}
	return w;
}

static enum op_kind classify(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (!strcmp(argv[0], "sa")) {
		if (!strcmp(verb, "add"))
			return OP_SA_ADD;
		if (!strcmp(verb, "update"))
			return OP_SA_UPDATE;
		if (!strcmp(verb, "del") || !strcmp(verb, "delete"))
			return OP_SA_DEL;
		if (!strcmp(verb, "flush"))
			return OP_SA_FLUSH;
	} else if (!strcmp(argv[0], "policy")) {
		if (!strcmp(verb, "add"))
			return OP_POL_ADD;
		if (!strcmp(verb, "replace"))
			return OP_POL_REPLACE;
		if (!strcmp(verb, "del") || !strcmp(verb, "delete"))
			return OP_POL_DEL;
		if (!strcmp(verb, "flush"))
			return OP_POL_FLUSH;
	}
	return OP_RUN;
}

/* The request that sends @op, an SA or policy change; NULL if out of memory. */
static struct nl_msg *op_msg(const struct op *op)
{
	switch (op->kind) {
	case OP_SA_ADD:
		return sa_msg(NFESP_CMD_SA_NEW, &op->sa, SA_FULL);
	case OP_SA_UPDATE:
		return sa_msg(NFESP_CMD_SA_SET, &op->sa, SA_MOVE);
	case OP_SA_DEL:
		return sa_msg(NFESP_CMD_SA_DEL, &op->sa, SA_ID);
	case OP_POL_ADD:
		return policy_msg(NFESP_CMD_POLICY_NEW, &op->pol, true);
	case OP_POL_REPLACE:
		return policy_msg(NFESP_CMD_POLICY_REPLACE, &op->pol, true);
	case OP_POL_DEL:
		return policy_msg(NFESP_CMD_POLICY_DEL, &op->pol, false);
	default:
		return NULL;
	}
}

/* One command of the file into the plan, parsed and checked. */
static int plan_line(struct plan *p, int line, int argc, char **argv)
{
	struct args a = { .argc = argc, .argv = argv, .i = 2 };
	enum op_kind kind = classify(argc, argv);
	bool dry = opt_dry_run;
	struct op *op;
	int err = 0;

	if (!strcmp(argv[0], "spi") || !strcmp(argv[0], "monitor") || !strcmp(argv[0], "sync"))
		return error("%s cannot be in a file, which -f applies all or nothing; run it on its own",
			     argv[0]);
	/* What changes nothing, and the flushes: checked as a dry run does. */
	if (kind == OP_RUN || kind == OP_SA_FLUSH || kind == OP_POL_FLUSH) {
		opt_dry_run = true;
		err = run_command(argc, argv);
		opt_dry_run = dry;
		if (err)
			return err;
	}
	op = plan_add(p, kind, line);
	if (!op)
		return error("out of memory");
	switch (kind) {
	case OP_SA_ADD:
		err = sa_parse(&a, &op->sa, SA_FULL, grammar_find("sa", "add"));
		break;
	case OP_SA_UPDATE:
		err = sa_parse(&a, &op->sa, SA_MOVE, grammar_find("sa", "update"));
		break;
	case OP_SA_DEL:
		err = sa_parse(&a, &op->sa, SA_ID, grammar_find("sa", "del"));
		break;
	case OP_POL_ADD:
		err = policy_parse(&a, &op->pol, true, grammar_find("policy", "add"));
		break;
	case OP_POL_REPLACE:
		err = policy_parse(&a, &op->pol, true, grammar_find("policy", "replace"));
		break;
	case OP_POL_DEL:
		err = policy_parse(&a, &op->pol, false, grammar_find("policy", "del"));
		break;
	default:
		break;
	}
	/* A dry run goes as far as the request, as on the command line. */
	if (!err && opt_dry_run && kind != OP_RUN && kind != OP_SA_FLUSH &&
	    kind != OP_POL_FLUSH) {
		struct nl_msg *msg = op_msg(op);

		if (!msg)
			err = error("out of memory");
		nfesp_discard(msg);
	}
	/* Only what is run as it is, or printed by sync: 100,000 SAs are
	 * a file that -f is given. */
	if (!err && (kind == OP_RUN || p->keep_words)) {
		op->argv = words_dup(argc, argv);
		op->argc = argc;
		if (!op->argv)
			err = error("out of memory");
	}
	if (err) {
		OPENSSL_cleanse(op, sizeof(*op));
		p->n--;
	}
	return err;
}

/*
 * Every command of @f (cmdread.c: lines, continued with a backslash,
 * quoting, comments) into the plan; an error names @name and the
 * command's first line.
 */
int plan_read(FILE *f, const char *name, struct plan *p)
{
	struct cmd_reader r;
	struct command c;
	int n, err = 0;

	p->name = name;
	cmd_reader_init(&r, f, name);
	while ((n = read_command(&r, &c)) > 0) {
		plan_context(p, c.line);
		err = plan_line(p, c.line, c.argc, c.argv);
		command_free(&c);
		if (err)
			break;
	}
	if (n < 0)
		err = -1;
	set_error_context(NULL);
	cmd_reader_free(&r);
	return err;
}

/* --- checking the plan against the model --------------------------------- */

struct model {
	struct index sas, pols;
	/* What the file's sa add and policy add or replace lines made, while
	 * it is there: their ops' SAs and policies (not owned), for the line. */
	struct index file_sas, file_pols;
	/* The SAs the file's sa del lines delete: their ops' (not owned). */
	struct index deleted;
	bool known;		/* read from the kernel; else only the file's */
};

/* @item, an op's SA or policy, in an index of the file's: any equal one out. */
static int mark(struct index *ix, void *item)
{
	index_remove(ix, item);
	return index_put(ix, item);
}

static void unmark_all(struct index *ix)
{
	index_free(ix, false);
}

static void *copy(const void *m, size_t size)
{
	void *c = malloc(size);

	if (c)
		memcpy(c, m, size);
	return c;
}

static int put_copy(struct index *ix, const void *m)
{
	void *c = copy(m, ix->sa ? sizeof(struct sa) : sizeof(struct policy));

	if (!c)
		return error("out of memory");
	return index_put(ix, c);
}

static const char *sa_name(const struct sa *sa, char *buf, size_t len)
{
	char d[INET6_ADDRSTRLEN];

	snprintf(buf, len, "spi 0x%08x dst %s", sa->spi, addr_str(&sa->dst, d, sizeof(d)));
	return buf;
}

static const char *dir_name(int dir)
{
	return dir == NFESP_DIR_IN ? "in" : "out";
}

static void index_clear(struct index *ix)
{
	index_free(ix, true);
}

static struct policy *policy_by_id(struct index *ix, uint32_t id)
{
	size_t i;

	for (i = 0; i < ix->n; i++) {
		struct policy *p = ix->item[i];

		if (p && p->id == id)
			return p;
	}
	return NULL;
}

/*
 * @op's effect on the model: skipped if it is already so, refused if the
 * kernel would refuse it or it could not be undone.
 */
static int model_op(struct model *m, struct op *op)
{
	char why[256], name[96];
	struct policy *pol;
	struct sa *sa;
	void *other;

	switch (op->kind) {
	case OP_SA_ADD:
		other = index_find(&m->file_sas, &op->sa);
		if (other)
			return error("this SA (spi and dst) is on line %d already",
				     op_of(other)->line);
		/* Were a later line refused, the undo would delete this SA,
		 * and the one it takes the place of could not be put back. */
		other = index_find(&m->deleted, &op->sa);
		if (other)
			return error("sa add: line %d deletes this SA (spi and dst), and an sa del cannot be undone: the file cannot add it again (ipsecctl sync FILE replaces an SA)",
				     op_of(other)->line);
		if (mark(&m->file_sas, &op->sa))
			return -1;
		sa = index_find(&m->sas, &op->sa);
		if (!sa || (sa->flags & NFESP_SA_F_LARVAL))
			return put_copy(&m->sas, &op->sa);
		if (!*sa_differs(&op->sa, sa, why, sizeof(why))) {
			op->skip = true;
			return 0;
		}
		return error("sa add: the SA %s exists with another %s (keys are not compared: they cannot be read back); ipsecctl sync FILE replaces it",
			     sa_name(&op->sa, name, sizeof(name)), why);
	case OP_SA_UPDATE:
		sa = index_find(&m->sas, &op->sa);
		if (!sa) {
			if (m->known)
				return error("sa update: there is no SA %s",
					     sa_name(&op->sa, name, sizeof(name)));
			return 0;
		}
		op->old = copy(sa, sizeof(*sa));
		if (!op->old)
			return error("out of memory");
		if (op->sa.src.family)
			sa->src = op->sa.src;
		if (op->sa.encap_sport)
			sa->encap_sport = op->sa.encap_sport;
		if (op->sa.encap_dport)
			sa->encap_dport = op->sa.encap_dport;
		return 0;
	case OP_SA_DEL:
		sa = index_remove(&m->sas, &op->sa);
		if (!sa && m->known)
			return error("sa del: there is no SA %s (and an sa del cannot be undone, so nothing was applied)",
				     sa_name(&op->sa, name, sizeof(name)));
		item_free(&m->sas, sa);
		index_remove(&m->file_sas, &op->sa);
		return mark(&m->deleted, &op->sa);
	case OP_SA_FLUSH:
		index_clear(&m->sas);
		unmark_all(&m->file_sas);
		return 0;
	case OP_POL_ADD:
		other = index_find(&m->file_pols, &op->pol);
		if (other)
			return error("a policy with this dir and selector is on line %d already",
				     op_of(other)->line);
		if (mark(&m->file_pols, &op->pol))
			return -1;
		pol = index_find(&m->pols, &op->pol);
		if (!pol)
			return put_copy(&m->pols, &op->pol);
		if (!*policy_differs(&op->pol, pol, why, sizeof(why))) {
			op->skip = true;
			return 0;
		}
		return error("policy add: a policy dir %s with this selector exists with another %s; policy replace or ipsecctl sync FILE changes it",
			     dir_name(op->pol.dir), why);
	case OP_POL_REPLACE:
		if (mark(&m->file_pols, &op->pol))
			return -1;
		pol = index_find(&m->pols, &op->pol);
		if (!pol) {
			if (m->known)
				return error("policy replace: there is no policy dir %s with this selector to replace",
					     dir_name(op->pol.dir));
			return put_copy(&m->pols, &op->pol);
		}
		if (!*policy_differs(&op->pol, pol, why, sizeof(why))) {
			op->skip = true;
			return 0;
		}
		op->old = copy(pol, sizeof(*pol));
		if (!op->old)
			return error("out of memory");
		{
			uint32_t id = pol->id;

			*pol = op->pol;
			pol->id = id;
		}
		return 0;
	case OP_POL_DEL:
		pol = op->pol.id ? policy_by_id(&m->pols, op->pol.id) : index_find(&m->pols, &op->pol);
		if (!pol) {
			if (!m->known)
				return 0;
			if (op->pol.id)
				return error("policy del: there is no policy id %u", op->pol.id);
			return error("policy del: there is no policy dir %s with this selector",
				     dir_name(op->pol.dir));
		}
		index_remove(&m->file_pols, pol);
		op->old = index_remove(&m->pols, pol);
		return 0;
	case OP_POL_FLUSH:
		index_clear(&m->pols);
		unmark_all(&m->file_pols);
		return 0;
	case OP_RUN:
		return 0;
	}
	return 0;
}

static int model_plan(struct model *m, struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		plan_context(p, p->ops[i].line);
		if (model_op(m, &p->ops[i])) {
			set_error_context(NULL);
			return -1;
		}
	}
	set_error_context(NULL);
	return 0;
}

/*
 * -n: each protect policy that the file leaves needs an SA that it leaves,
 * for its direction: the out policy's local and peer are its outbound SA's
 * src and dst, the in policy's are its inbound SA's dst and src. In
 * transport mode the selector's addresses stand for them when they are
 * single hosts.
 */
static int pair_check(const struct model *m, const struct plan *p)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int bad = 0;
	size_t i, j;

	for (i = 0; i < m->pols.n; i++) {
		const struct policy *pol = m->pols.item[i];
		const struct addr *src = NULL, *dst = NULL;
		struct policy *from;
		bool found = false;
		int full;

		if (!pol || pol->action != NFESP_ACTION_PROTECT)
			continue;
		if (pol->mode == NFESP_MODE_TUNNEL) {
			src = pol->dir == NFESP_DIR_OUT ? &pol->local : &pol->peer;
			dst = pol->dir == NFESP_DIR_OUT ? &pol->peer : &pol->local;
		} else {
			full = pol->src.family == AF_INET ? 32 : 128;
			if (pol->src_plen == full && pol->dst_plen == full) {
				src = &pol->src;
				dst = &pol->dst;
			}
		}
		for (j = 0; j < m->sas.n && !found; j++) {
			const struct sa *sa = m->sas.item[j];

			found = sa && sa->reqid == pol->reqid && sa->mode == pol->mode &&
				(!src || (addr_eq(&sa->src, src) && addr_eq(&sa->dst, dst)));
		}
		if (found)
			continue;
		from = index_find(&m->file_pols, pol);
		plan_context(p, from ? op_of(from)->line : 0);
		if (pol->mode == NFESP_MODE_TUNNEL)
			error("policy %s reqid %u local %s peer %s has no SA with reqid %u from %s to %s",
			      dir_name(pol->dir), pol->reqid, addr_str(&pol->local, l, sizeof(l)),
			      addr_str(&pol->peer, r, sizeof(r)), pol->reqid,
			      addr_str(src, s, sizeof(s)), addr_str(dst, d, sizeof(d)));
		else if (src)
			error("policy %s reqid %u mode transport has no transport mode SA with reqid %u from %s to %s",
			      dir_name(pol->dir), pol->reqid, pol->reqid,
			      addr_str(src, l, sizeof(l)), addr_str(dst, r, sizeof(r)));
		else
			error("policy %s reqid %u mode transport has no transport mode SA with reqid %u",
			      dir_name(pol->dir), pol->reqid, pol->reqid);
		bad = -1;
	}
	set_error_context(NULL);
	return bad;
}

/* --- sending, and undoing ---------------------------------------------- */

static int send_msg(struct nl_msg *msg, const char *what, reply_fn fn, void *arg)
{
	int err;

	if (!msg)
		return error("out of memory");
	err = nfesp_transact(msg, fn, arg);
	return err ? kernel_error(what, err) : 0;
}

static int op_send(struct op *op)
{
	switch (op->kind) {
	case OP_SA_ADD:
		return send_msg(op_msg(op), "sa add", NULL, NULL);
	case OP_SA_UPDATE:
		return send_msg(op_msg(op), "sa update", NULL, NULL);
	case OP_SA_DEL:
		return send_msg(op_msg(op), "sa del", NULL, NULL);
	case OP_SA_FLUSH:
		return send_msg(nfesp_request(NFESP_CMD_SA_FLUSH, 0), "sa flush", NULL, NULL);
	case OP_POL_ADD:
	case OP_POL_REPLACE:
		if (send_msg(op_msg(op), op->kind == OP_POL_ADD ? "policy add" : "policy replace",
			     policy_id_reply, &op->new_id))
			return -1;
		/* As policy add -j says which id it got. */
		if (opt_json)
			json_emit(json_pack("{s:o}", "id", json_u64(op->new_id)));
		return 0;
	case OP_POL_DEL:
		return send_msg(op_msg(op), "policy del", NULL, NULL);
	case OP_POL_FLUSH:
		return send_msg(nfesp_request(NFESP_CMD_POLICY_FLUSH, 0), "policy flush", NULL, NULL);
	case OP_RUN:
		return run_command(op->argc, op->argv);
	}
	return 0;
}

static int op_undo(struct op *op)
{
	struct policy pol;
	struct sa *old = op->old;

	switch (op->kind) {
	case OP_SA_ADD:
		return send_msg(sa_msg(NFESP_CMD_SA_DEL, &op->sa, SA_ID), "undoing sa add: sa del",
				NULL, NULL);
	case OP_SA_UPDATE:
		if (!old->encap_sport && op->sa.encap_sport)
			return error("sa update cannot be undone: it gave the SA a UDP encapsulation, which sa update cannot take away");
		return send_msg(sa_msg(NFESP_CMD_SA_SET, old, SA_MOVE), "undoing sa update",
				NULL, NULL);
	case OP_SA_DEL:
		return error("sa del cannot be undone (an SA's keys cannot be read back): the SA stays deleted");
	case OP_SA_FLUSH:
		return error("sa flush cannot be undone (an SA's keys cannot be read back): the SAs stay deleted");
	case OP_POL_ADD:
		pol = op->pol;
		pol.id = op->new_id;	/* 0 if the reply had none: by selector */
		return send_msg(policy_msg(NFESP_CMD_POLICY_DEL, &pol, false),
				"undoing policy add: policy del", NULL, NULL);
	case OP_POL_REPLACE:
	case OP_POL_DEL:
		/* The policy as it was, named by its selector. */
		pol = *(struct policy *)op->old;
		pol.id = 0;
		if (op->kind == OP_POL_REPLACE)
			return send_msg(policy_msg(NFESP_CMD_POLICY_REPLACE, &pol, true),
					"undoing policy replace: policy replace", NULL, NULL);
		return send_msg(policy_msg(NFESP_CMD_POLICY_NEW, &pol, true),
				"undoing policy del: policy add", NULL, NULL);
	case OP_POL_FLUSH:
		return error("policy flush cannot be undone: the policies stay deleted");
	case OP_RUN:
		return 0;
	}
	return 0;
}

int plan_apply(struct plan *p)
{
	size_t i, n, undone = 0, failed = 0;
	int line;

	for (i = 0; i < p->n; i++) {
		struct op *op = &p->ops[i];

		if (op->skip)
			continue;
		plan_context(p, op->line);
		if (op_send(op))
			break;
		op->done = true;
	}
	if (i == p->n) {
		set_error_context(NULL);
		return 0;
	}
	line = p->ops[i].line;
	if (p->ops[i].final) {
		char name[96];

		/* sync's last phase: what was done before it stays, as the
		 * SAs it deleted cannot be put back. */
		p->kept = true;
		for (n = 0; n < i; n++)
			undone += p->ops[n].done && p->ops[n].kind != OP_RUN;
		plan_context(p, line);
		if (i && p->ops[i].kind == OP_SA_ADD && p->ops[i - 1].kind == OP_SA_DEL &&
		    p->ops[i - 1].final && p->ops[i - 1].done)
			error("refused: the SA %s was deleted to be added again, and is not there now; the %zu change%s before it stay (it cannot be put back, so nothing is undone): run sync again once the file is right",
			      sa_name(&p->ops[i].sa, name, sizeof(name)), undone,
			      undone == 1 ? "" : "s");
		else
			error("refused: the %zu change%s before it stay (SAs deleted cannot be put back, so nothing is undone): run sync again",
			      undone, undone == 1 ? "" : "s");
		set_error_context(NULL);
		return -1;
	}
	for (n = i; n-- > 0;) {
		struct op *op = &p->ops[n];

		if (!op->done || op->kind == OP_RUN)
			continue;
		plan_context(p, op->line);
		if (op_undo(op))
			failed++;
		else
			undone++;
	}
	plan_context(p, line);
	if (failed)
		error("refused: undid %zu change%s before it; %zu could not be undone (see above)",
		      undone, undone == 1 ? "" : "s", failed);
	else if (undone)
		error("refused: undid the %zu change%s before it; nothing else was changed",
		      undone, undone == 1 ? "" : "s");
	else
		error("refused: nothing was changed");
	set_error_context(NULL);
	return -1;
}

/* --- printing -------------------------------------------------------------- */

static void print_words(const struct op *op, const char *verb)
{
	int i;

	for (i = 0; i < op->argc; i++) {
		const char *w = op->argv[i];

		if (i == 1 && verb)
			w = verb;
		else if (i && (!strcmp(op->argv[i - 1], "key") || !strcmp(op->argv[i - 1], "authkey")) &&
			 w[0] != '@')
			w = "(hidden)";
		printf("%s%s", i ? " " : "", w);
	}
	printf("\n");
}

void op_print(const struct op *op)
{
	char d[INET6_ADDRSTRLEN];
	struct selector sel;

	if (op->note)
		printf("# %s\n", op->note);
	switch (op->kind) {
	case OP_SA_DEL:
		if (op->argv)
			break;
		printf("sa del spi 0x%08x dst %s\n", op->sa.spi, addr_str(&op->sa.dst, d, sizeof(d)));
		return;
	case OP_POL_DEL:
		if (op->argv)
			break;
		selector_init(&sel);
		sel.src = op->pol.src;
		sel.dst = op->pol.dst;
		sel.src_plen = op->pol.src_plen;
		sel.dst_plen = op->pol.dst_plen;
		sel.proto = op->pol.proto;
		sel.sport_min = op->pol.sport_min;
		sel.sport_max = op->pol.sport_max;
		sel.dport_min = op->pol.dport_min;
		sel.dport_max = op->pol.dport_max;
		printf("policy del dir %s", dir_name(op->pol.dir));
		selector_print(&sel);
		printf("\n");
		return;
	case OP_POL_REPLACE:
		print_words(op, "replace");
		return;
	default:
		break;
	}
	if (op->argv)
		print_words(op, NULL);
}

/* --- ipsecctl -f ------------------------------------------------------------ */

int apply_stream(FILE *f, const char *name)
{
	struct model m = { .known = !opt_dry_run };
	struct plan p = { 0 };
	int err;

	index_init(&m.sas, true);
	index_init(&m.pols, false);
	index_init(&m.file_sas, true);
	index_init(&m.file_pols, false);
	index_init(&m.deleted, true);
	err = plan_read(f, name, &p);
	if (!err && m.known)
		err = nfesp_connect() || kernel_read(&m.sas, &m.pols);
	if (!err)
		err = model_plan(&m, &p);
	if (!err && opt_dry_run)
		err = pair_check(&m, &p);
	else if (!err)
		err = plan_apply(&p);
	index_free(&m.sas, true);
	index_free(&m.pols, true);
	index_free(&m.file_sas, false);
	index_free(&m.file_pols, false);
	index_free(&m.deleted, false);
	plan_free(&p);
	return err;
}
