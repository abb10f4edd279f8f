// SPDX-License-Identifier: GPL-2.0-only
/*
 * The keywords of each command, in tables: the parsers of sa.c and
 * policy.c take each keyword through kw_scan_word(), which refuses one
 * given twice and says what else was expected; ipsecctl --complete reads
 * the same tables for bash completion (tools/completion/ipsecctl).
 *
 * A keyword's args are the words that follow it: "a|b" is a choice of
 * words, "@enc", "@auth" and "@proto" a choice from the algorithm and
 * protocol tables, anything else (in capitals) a value to type.
 */

#include <string.h>
#include "ipsecctl.h"

#define SPI_KW { "spi", { "SPI" }, 0 }
#define DST_KW { "dst", { "ADDR" }, 0 }
#define SRC_KW { "src", { "ADDR" }, 0 }
#define ENCAP_KW { "encap", { "udp", "SPORT", "DPORT" }, 0 }
#define MODE_KW { "mode", { "tunnel|transport" }, 0 }
#define REQID_KW { "reqid", { "N" }, 0 }
#define OWNER_KW { "owner", { "N" }, 0 }
#define DIR_KW { "dir", { "out|in" }, 0 }
/* The selector's words; in sa add only after sel. */
#define SEL_KWS(f) \
	{ "from", { "PREFIX" }, KW_FROM | (f) }, \
	{ "to", { "PREFIX" }, KW_TO | (f) }, \
	{ "port", { "P[-Q]" }, KW_PORT | (f) }, \
	{ "proto", { "@proto" }, (f) }

static const struct keyword sa_add_kw[] = {
	SPI_KW, SRC_KW, DST_KW, MODE_KW, REQID_KW, OWNER_KW,
	{ "enc", { "@enc" }, 0 },
	{ "key", { "HEX|@FILE" }, 0 },
	{ "auth", { "@auth" }, 0 },
	{ "authkey", { "HEX|@FILE" }, 0 },
	{ "esn", { NULL }, 0 },
	{ "replay-window", { "N" }, 0 },
	ENCAP_KW,
	{ "follow-peer", { NULL }, 0 },
	{ "lifetime", { "soft|hard", "bytes|packets|seconds", "N" }, KW_MULTI },
	{ "driver", { "NAME" }, 0 },
	{ "sel", { NULL }, KW_OPENS_SEL },
	SEL_KWS(KW_SEL),
};

static const struct keyword sa_update_kw[] = { SPI_KW, DST_KW, SRC_KW, ENCAP_KW };
static const struct keyword sa_id_kw[] = { SPI_KW, DST_KW };

static const struct keyword spi_alloc_kw[] = {
	DST_KW, SRC_KW,
	{ "range", { "MIN-MAX" }, 0 },
};

static const struct keyword policy_add_kw[] = {
	DIR_KW,
	SEL_KWS(0),
	{ "action", { "protect|bypass|discard" }, 0 },
	MODE_KW,
	{ "local", { "ADDR" }, 0 },
	{ "peer", { "ADDR" }, 0 },
	REQID_KW,
	{ "priority", { "N" }, 0 },
	{ "match-ike", { NULL }, 0 },
	OWNER_KW,
};

static const struct keyword policy_del_kw[] = {
	{ "id", { "N" }, 0 },
	DIR_KW,
	SEL_KWS(0),
};

#define G(noun, verb, kw, hint) { noun, verb, kw, sizeof(kw) / sizeof(kw[0]), hint }

static const struct grammar grammars[] = {
	G("sa", "add", sa_add_kw, NULL),
	G("sa", "update", sa_update_kw, "sa update changes only src and encap ports"),
	G("sa", "del", sa_id_kw, "this takes only spi and dst"),
	G("sa", "delete", sa_id_kw, "this takes only spi and dst"),
	G("sa", "get", sa_id_kw, "this takes only spi and dst"),
	G("spi", "alloc", spi_alloc_kw, NULL),
	G("policy", "add", policy_add_kw, NULL),
	G("policy", "replace", policy_add_kw, NULL),
	G("policy", "del", policy_del_kw, NULL),
	G("policy", "delete", policy_del_kw, NULL),
	G("policy", "get", policy_del_kw, NULL),
};

/* The verbs a completion offers; aliases (delete, list) parse, unoffered. */
static const struct {
	const char *noun;
	const char *verbs;
} nouns[] = {
	{ "sa", "add update del get show flush" },
	{ "spi", "alloc" },
	{ "policy", "add replace del get show flush" },
	{ "show", NULL },
	{ "tunnels", NULL },
	{ "stats", NULL },
	{ "monitor", NULL },
	{ "daemon", NULL },
	{ "status", NULL },
	{ "up", NULL },
	{ "down", NULL },
	{ "rekey", NULL },
	{ "reload", NULL },
	{ "sync", NULL },
};

const struct grammar *grammar_find(const char *noun, const char *verb)
{
	unsigned int i;

	for (i = 0; i < sizeof(grammars) / sizeof(grammars[0]); i++)
		if (!strcmp(noun, grammars[i].noun) && !strcmp(verb, grammars[i].verb))
			return &grammars[i];
	return NULL;
}

void kw_scan_init(struct kw_scan *s, const struct grammar *g)
{
	memset(s, 0, sizeof(*s));
	s->g = g;
}

/* Whether @k may come next: not given yet (or may repeat), in its place. */
static bool kw_allowed(const struct kw_scan *s, unsigned int i)
{
	const struct keyword *k = &s->g->kw[i];

	if ((k->flags & KW_SEL) && !s->sel)
		return false;
	if (k->flags & KW_PORT)
		return s->last && !(s->last == 'f' ? s->sport : s->dport);
	return (k->flags & KW_MULTI) || !(s->seen & (1ULL << i));
}

/* Edit distance of @a and @b, small words only: for "did you mean". */
static unsigned int distance(const char *a, const char *b)
{
	unsigned int d[32][32], i, j, la = strlen(a), lb = strlen(b);

	if (la >= 32 || lb >= 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			unsigned int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			/* A swap of two letters counts as one. */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	}
	return d[la][lb];
}

/*
 * Whether @w could be (part of) a key: 16 or more hex digits, after an
 * optional 0x. Such a word is never shown in an error.
 */
static bool looks_like_key(const char *w)
{
	size_t n;

	if (w[0] == '0' && (w[1] == 'x' || w[1] == 'X'))
		w += 2;
	n = strspn(w, "0123456789abcdefABCDEF");
	return n >= 16 && !w[n];
}

static int unexpected(const struct kw_scan *s, const char *w)
{
	const struct grammar *g = s->g;
	char list[512] = "", mean[128] = "", what[128];
	unsigned int i, j, best = 3, d;
	size_t len = 0, m;
	bool hide = s->after_key || looks_like_key(w);

	/*
	 * The word after a key's value may be the rest of a key split in two
	 * (key 0x0102\ on one line, 0304... on the next): errors go to the
	 * journal, so it is named, not shown. A keyword of the command is no
	 * key (none is hex) and is shown.
	 */
	for (i = 0; hide && i < g->n; i++)
		if (!strcmp(w, g->kw[i].name))
			hide = false;
	if (!hide)
		snprintf(what, sizeof(what), "unexpected \"%.100s\"", w);
	else if (s->after_key)
		snprintf(what, sizeof(what), "unexpected word after %s "
			 "(not shown: it may be key material)", s->after_key);
	else
		snprintf(what, sizeof(what), "unexpected word "
			 "(not shown: it may be key material)");

	for (i = 0; i < g->n; i++) {
		if (!kw_allowed(s, i))
			continue;
		d = distance(w, g->kw[i].name);
		if (d < best && d < strlen(g->kw[i].name))
			best = d;
		len += snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
				"%s%s", len ? ", " : "", g->kw[i].name);
	}
	/* A keyword of another verb of the noun is no misspelling. */
	for (i = 0; i < sizeof(grammars) / sizeof(grammars[0]); i++)
		for (j = 0; !strcmp(grammars[i].noun, g->noun) && j < grammars[i].n; j++)
			if (!strcmp(w, grammars[i].kw[j].name))
				best = 3;
	/* Every allowed keyword at the least distance, if that is 1 or 2. */
	for (i = 0, m = 0; !hide && best < 3 && i < g->n; i++) {
		if (!kw_allowed(s, i) || distance(w, g->kw[i].name) != best)
			continue;
		m += snprintf(mean + m, m < sizeof(mean) ? sizeof(mean) - m : 0, "%s\"%s\"",
			      m ? " or " : " (did you mean ", g->kw[i].name);
	}
	if (m && m + 3 < sizeof(mean))
		strcat(mean, "?)");
	else
		mean[0] = '\0';
	for (i = 0; i < g->n; i++)
		if ((g->kw[i].flags & KW_SEL) && !s->sel && !strcmp(w, g->kw[i].name))
			return error("%s; a selector follows sel: "
				     "sel from PREFIX to PREFIX", what);
	if (g->hint)
		return error("%s%s; %s", what, mean, g->hint);
	if (!len)
		return error("%s; %s %s takes nothing more", what, g->noun, g->verb);
	return error("%s%s; expected one of: %s", what, mean, list);
}

/*
 * @w as the next keyword: its entry, or NULL if it is none here or was
 * given before (said, unless s->quiet).
 */
const struct keyword *kw_scan_word(struct kw_scan *s, const char *w)
{
	const struct grammar *g = s->g;
	const struct keyword *k;
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(w, g->kw[i].name))
			break;
	if (i == g->n || ((g->kw[i].flags & KW_SEL) && !s->sel)) {
		if (!s->quiet)
			unexpected(s, w);
		return NULL;
	}
	k = &g->kw[i];
	/* Its value is the parser's; the word after that is ours again. */
	s->after_key = !strcmp(k->name, "key") || !strcmp(k->name, "authkey") ?
		       k->name : NULL;
	if (k->flags & KW_PORT) {
		if (!s->last) {
			if (!s->quiet)
				error("port must follow from PREFIX or to PREFIX");
			return NULL;
		}
		if (s->last == 'f' ? s->sport : s->dport) {
			if (!s->quiet)
				error("port given twice for %s", s->last == 'f' ? "from" : "to");
			return NULL;
		}
		if (s->last == 'f')
			s->sport = true;
		else
			s->dport = true;
		return k;
	}
	if ((s->seen & (1ULL << i)) && !(k->flags & KW_MULTI)) {
		if (!s->quiet)
			error("%s given twice", w);
		return NULL;
	}
	s->seen |= 1ULL << i;
	if (k->flags & KW_OPENS_SEL)
		s->sel = true;
	if (k->flags & KW_FROM)
		s->last = 'f';
	if (k->flags & KW_TO)
		s->last = 't';
	return k;
}

/* Each word of the list @words ("a|b" or "a b"), one a line. */
static void print_choices(const char *words)
{
	const char *p = words;
	size_t n;

	while (*p) {
		n = strcspn(p, "| ");
		printf("%.*s\n", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

/* What may follow @k's argument @arg: the words of its choice, if any. */
static void print_arg(const char *arg)
{
	const char *name;
	unsigned int i;

	if (!strcmp(arg, "@enc") || !strcmp(arg, "@auth")) {
		for (i = 0; (name = alg_nth(arg[1] == 'e', i)); i++)
			printf("%s\n", name);
		return;
	}
	if (!strcmp(arg, "@proto")) {
		printf("any\n");
		for (i = 0; (name = proto_nth(i)); i++)
			printf("%s\n", name);
		return;
	}
	/* A value to type, in capitals, offers nothing. */
	for (name = arg; *name; name++)
		if (*name >= 'A' && *name <= 'Z')
			return;
	print_choices(arg);
}

/*
 * ipsecctl --complete WORD...: the words that may follow WORD..., one a
 * line, for the shell to filter by what is typed. Global options before
 * the command are skipped (-N with its name); after -f, nothing is offered.
 */
int complete(int argc, char **argv)
{
	const struct grammar *g;
	const struct keyword *k;
	struct kw_scan s;
	unsigned int i;
	int w = 0, pending = 0, arg = 0;

	while (w < argc && argv[w][0] == '-') {
		/* -f FILE takes no command: nothing to offer. */
		if (!strcmp(argv[w], "-f") || !strcmp(argv[w], "--file") ||
		    !strncmp(argv[w], "--file=", 7) || (argv[w][1] != '-' && strchr(argv[w], 'f')))
			return 0;
		/* -N NETNS: its name is no command. */
		if (!strcmp(argv[w], "-N") || !strcmp(argv[w], "--netns"))
			w++;
		w++;
	}
	if (w == argc) {
		for (i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
			printf("%s\n", nouns[i].noun);
		return 0;
	}
	if (w + 1 == argc) {
		for (i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
			if (!strcmp(argv[w], nouns[i].noun) && nouns[i].verbs)
				print_choices(nouns[i].verbs);
		return 0;
	}
	g = grammar_find(argv[w], argv[w + 1]);
	if (!g)
		return 0;
	kw_scan_init(&s, g);
	s.quiet = true;
	k = NULL;
	for (w += 2; w < argc; w++) {
		if (pending) {
			pending--;
			arg++;
			continue;
		}
		k = kw_scan_word(&s, argv[w]);
		if (!k)
			return 0;	/* lost: offer nothing rather than nonsense */
		for (pending = 0; pending < 3 && k->args[pending]; pending++)
			;
		arg = 0;
	}
	if (pending) {
		print_arg(k->args[arg]);
		return 0;
	}
	for (i = 0; i < g->n; i++)
		if (kw_allowed(&s, i))
			printf("%s\n", g->kw[i].name);
	return 0;
}
