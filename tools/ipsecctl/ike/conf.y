/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE daemon's configuration grammar (conf.h has the rule's shape), and
 * its lexer, written by hand in the manner of OpenBSD's iked and pf:
 *
 *   - a rule is one line; a line ending in "\" goes on on the next;
 *   - "#" starts a comment that runs to the end of the line;
 *   - NAME = "value" at the top level defines a macro, and $NAME is
 *     replaced by its value, which is then read as words (a value's own
 *     "$" and "#" are plain characters);
 *   - include "FILE" reads FILE there (a relative name is relative to the
 *     including file's directory), at most INCLUDE_MAX deep, and a file
 *     that includes itself, directly or not, is an error;
 *   - a quoted word is never a keyword; "\"" and "\\" inside quotes.
 *
 * The keywords of a rule come in any order, each at most once. A list of
 * algorithms, or of selectors in braces, is words separated by blanks:
 *
 *   ikesa enc aes-gcm-256 aes-gcm-128 prf hmac-sha256 group curve25519
 *   from { 10.1.0.0/24 10.5.0.0/24 } port 80 to 10.2.0.0/24 proto tcp
 *
 * What a rule means beyond its words:
 *
 *   - peer is required; peer any only with passive (an initiator must
 *     know whom to call); psk @FILE is required (the only authentication
 *     so far), and a key written in the configuration is refused;
 *   - psk @FILE, like include, is relative to the configuration file's
 *     directory, and is printed back as an absolute path;
 *   - tunnel mode needs from and to; in transport mode they default to
 *     local/32 and peer/32 (/128), so local and peer are then required;
 *   - "any" in from or to is 0.0.0.0/0 or ::/0 as the other side's
 *     selectors are, both if they are both, IPv4 if the other side is
 *     any too ("any6" is always ::/0); port applies to each selector of
 *     its side and needs proto tcp, udp or sctp; proto to the whole rule;
 *   - a block's enc lists AEADs only (and no auth) or CBC only (and auth);
 *     a list left out takes the safe defaults of conf_default_algs().
 *
 * Every error is printed as "file:line: what is wrong" and reading goes
 * on at the next line, so that one run shows all of a file's errors; then
 * ike_conf_load() fails. A rule is checked as a whole when its line ends.
 */

%code requires {
#include <stdbool.h>

/* Every token's value: a STRING's word (malloc'ed), and where it was. */
struct conf_tok {
	char *s;
	int line;
};
}

%code {
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <linux/nfesp.h>
#include "ike.h"
#include "conf.h"
#include "conf_words.h"

static int yylex(void);
static void yyerror(const char *msg);

static void drop(struct conf_tok *t);
static void wipe(struct conf_tok *t);
static void start_rule(int line, int version);
static void set_name(struct conf_tok *t);
static void finish_rule(void);
static void drop_rule(void);
static bool once(int tok, int line);
static void set_start(int tok, int line);
static void set_mode(int mode);
static void begin_side(int s);
static void add_sel(struct conf_tok *t);
static void set_ports(struct conf_tok *t);
static void set_proto(struct conf_tok *t);
static void set_local(struct conf_tok *t);
static void set_peer(struct conf_tok *t);
static void begin_block(int tok, int line);
static void begin_algs(int tok, int line);
static void add_alg(struct conf_tok *t);
static void set_id(int tok, struct conf_tok *t);
static void set_psk(struct conf_tok *t);
static void set_duration(int tok, struct conf_tok *t);
static void set_bytes(struct conf_tok *t);
static void define_macro(struct conf_tok *name, struct conf_tok *value);
static void include_file(struct conf_tok *t);
}

%define api.prefix {conf_yy}
%define api.value.type {struct conf_tok}
%define parse.error custom
%expect 0

/* The keywords, in this order: KW_BIT() numbers them from IKEV2. */
%token IKEV2 ACTIVE PASSIVE ESP TUNNEL TRANSPORT FROM TO PORT PROTO LOCAL PEER
%token IKESA CHILDSA ENC AUTH PRF GROUP SRCID DSTID PSK IKELIFETIME LIFETIME DPD
%token IKEV1 MAIN AGGRESSIVE QUICK
%token INCLUDE
%token STRING
/* A word the lexer refused, and said why: the parser only recovers. */
%token LEXERR
/* The end of a line, and the characters that are tokens of their own. */
%token NL EQ LBRACE RBRACE

%destructor { wipe(&$$); } STRING

%%

grammar		: %empty
		| grammar NL
		| grammar rule NL		{ finish_rule(); }
		| grammar STRING EQ STRING NL { define_macro(&$2, &$4); }
		/*
		 * Reduced as soon as NL is shifted, before the parser reads
		 * a token more: the next one is the included file's first.
		 */
		| grammar INCLUDE STRING NL	{ include_file(&$3); }
		| grammar error NL		{ drop_rule(); yyerrok; }
		;

rule		: IKEV2 { start_rule($1.line, 2); } STRING { set_name(&$3); } opts
		| IKEV1 { start_rule($1.line, 1); } STRING { set_name(&$3); } opts
		;

opts		: %empty
		| opts opt
		;

opt		: ACTIVE			{ set_start(ACTIVE, $1.line); }
		| PASSIVE			{ set_start(PASSIVE, $1.line); }
		| ESP				{ once(ESP, $1.line); }
		| ESP TUNNEL			{ if (once(ESP, $1.line)) set_mode(NFESP_MODE_TUNNEL); }
		| ESP TRANSPORT			{ if (once(ESP, $1.line)) set_mode(NFESP_MODE_TRANSPORT); }
		| FROM { once(FROM, $1.line); begin_side(0); } side
		  TO { begin_side(1); } side
		| PROTO STRING			{ if (once(PROTO, $1.line)) set_proto(&$2); drop(&$2); }
		| LOCAL STRING			{ if (once(LOCAL, $1.line)) set_local(&$2); drop(&$2); }
		| PEER STRING			{ if (once(PEER, $1.line)) set_peer(&$2); drop(&$2); }
		| IKESA { begin_block(IKESA, $1.line); } block
		| CHILDSA { begin_block(CHILDSA, $1.line); } block
		| MAIN { begin_block(MAIN, $1.line); } block
		| AGGRESSIVE { begin_block(AGGRESSIVE, $1.line); } block
		| QUICK { begin_block(QUICK, $1.line); } block
		| SRCID STRING			{ if (once(SRCID, $1.line)) set_id(SRCID, &$2); drop(&$2); }
		| DSTID STRING			{ if (once(DSTID, $1.line)) set_id(DSTID, &$2); drop(&$2); }
		| PSK STRING			{ if (once(PSK, $1.line)) set_psk(&$2); else wipe(&$2); }
		| IKELIFETIME STRING		{
			if (once(IKELIFETIME, $1.line))
				set_duration(IKELIFETIME, &$2);
			drop(&$2);
		}
		| LIFETIME STRING		{ if (once(LIFETIME, $1.line)) set_duration(LIFETIME, &$2); drop(&$2); }
		| LIFETIME STRING STRING	{
			if (once(LIFETIME, $1.line)) {
				set_duration(LIFETIME, &$2);
				set_bytes(&$3);
			}
			drop(&$2);
			drop(&$3);
		}
		| DPD STRING			{ if (once(DPD, $1.line)) set_duration(DPD, &$2); drop(&$2); }
		;

side		: sels
		| sels PORT STRING		{ set_ports(&$3); drop(&$3); }
		;

sels		: STRING			{ add_sel(&$1); drop(&$1); }
		| LBRACE sellist RBRACE
		;

sellist		: STRING			{ add_sel(&$1); drop(&$1); }
		| sellist STRING		{ add_sel(&$2); drop(&$2); }
		;

block		: %empty
		| block algkw algs
		;

algkw		: ENC				{ begin_algs(ENC, $1.line); }
		| AUTH				{ begin_algs(AUTH, $1.line); }
		| PRF				{ begin_algs(PRF, $1.line); }
		| GROUP				{ begin_algs(GROUP, $1.line); }
		;

algs		: STRING			{ add_alg(&$1); drop(&$1); }
		| algs STRING			{ add_alg(&$2); drop(&$2); }
		;

%%

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KW_BIT(tok)	(1u << ((tok) - IKEV2))
#define INCLUDE_MAX	8
#define WORD_MAX	1024
#define MACRO_MAX	1024
#define PUSHBACK_MAX	(4 * MACRO_MAX)

static const struct {
	const char *word;
	int tok;
} keywords[] = {
	{ "active", ACTIVE }, { "aggressive", AGGRESSIVE }, { "auth", AUTH },
	{ "childsa", CHILDSA },
	{ "dpd", DPD }, { "dstid", DSTID }, { "enc", ENC }, { "esp", ESP },
	{ "from", FROM }, { "group", GROUP }, { "ikelifetime", IKELIFETIME },
	{ "ikesa", IKESA }, { "ikev1", IKEV1 }, { "ikev2", IKEV2 }, { "include", INCLUDE },
	{ "lifetime", LIFETIME }, { "local", LOCAL }, { "main", MAIN }, { "passive", PASSIVE },
	{ "peer", PEER }, { "port", PORT }, { "prf", PRF }, { "proto", PROTO },
	{ "psk", PSK }, { "quick", QUICK }, { "srcid", SRCID }, { "to", TO },
	{ "transport", TRANSPORT },
	{ "tunnel", TUNNEL },
};

/* A file being read, and those that include it (prev). */
struct conf_file {
	struct conf_file *prev;
	FILE *f;
	char *name;
	int line;
	dev_t dev;
	ino_t ino;
	bool eof_nl;			/* the '\n' that ends its last line is returned */
};

struct macro {
	struct macro *next;
	char *name;
	char *value;
};

/* The state of one ike_conf_load(); it reads one file at a time. */
static struct ike_config *conf;
static struct conf_file *file;
static int depth;
static unsigned int errors;
static struct macro *macros;
static char err_ctx[300];

/*
 * Characters read back: a macro's value, and the lexer's lookahead. A
 * macro's characters are marked, so that "$" and "#" in them are plain.
 */
static struct {
	int c;
	bool macro;
} pushback[PUSHBACK_MAX];
static unsigned int npushback;
static bool from_macro;			/* the last character read was a macro's */

/* The last two tokens' text and line, for syntax errors. */
static char tok_text[64], prev_text[64];
static int tok_line, prev_line;
static bool tok_hidden;			/* this word may be a key: never shown */
static bool hide_words;			/* psk and no @FILE after it on this line */
static bool after_psk;			/* the last token was psk */

/* The rule being read: cur, and what it has been given so far. */
static struct ike_conn *cur;
static unsigned int cur_errors;		/* errors before the rule began */
static uint32_t given;			/* KW_BIT()s */
static int kw_line[32];
static struct ike_prop_conf *blk;
static const char *blk_name;
static int blk_tok;
static uint32_t blk_given;
static enum conf_alg_kind alg_kind;
static int alg_tok;
static bool group_none;			/* quick group none: no PFS */
static int group_none_line;
static int side;			/* 0: from, 1: to */
static bool sel_any[2][IKE_CONF_MAX_SEL];
static bool have_ports[2];
static uint16_t port_min[2], port_max[2];
static int port_line[2];
static int sel_proto;

bool conf_is_keyword(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (!strcmp(keywords[i].word, s))
			return true;
	return false;
}

static const char *kw_name(int tok)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (keywords[i].tok == tok)
			return keywords[i].word;
	return "?";
}

/* Messages from here on, and from parse.c's helpers, name file and line. */
static void at(int line)
{
	snprintf(err_ctx, sizeof(err_ctx), "%s:%d", file ? file->name : "?", line);
	set_error_context(err_ctx);
}

static void conf_err(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void conf_err(int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	at(line);
	error("%s", msg);
	errors++;
}

/* "file:line: warning: ...": the rule loads all the same. */
static void conf_warn(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void conf_warn(int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	at(line);
	error("warning: %s", msg);
}

/* For the word parsers, which print their own message: count it. */
static void check(int err)
{
	if (err)
		errors++;
}

/*
 * A STRING's word, once used. Error recovery frees the words on the stack
 * (the %destructor), so a used one must be NULL there.
 */
static void drop(struct conf_tok *t)
{
	free(t->s);
	t->s = NULL;
}

/* The same, for a word that may be a key. */
static void wipe(struct conf_tok *t)
{
	if (t->s)
		OPENSSL_cleanse(t->s, strlen(t->s));
	drop(t);
}

/* The lexer. */

static int lgetc(void)
{
	int c;

	if (npushback) {
		npushback--;
		from_macro = pushback[npushback].macro;
		c = pushback[npushback].c;
		if (c == '\n' && !from_macro)
			file->line++;
		return c;
	}
	from_macro = false;
	if (!file)
		return EOF;
	c = getc(file->f);
	if (c == '\n')
		file->line++;
	return c;
}

/* Puts back the character just read. */
static void lungetc(int c)
{
	if (c == EOF)
		return;
	if (c == '\n' && !from_macro)
		file->line--;
	pushback[npushback].c = c;
	pushback[npushback].macro = from_macro;
	npushback++;
}

static void save_text(const char *s, int line)
{
	size_t n = strnlen(s, sizeof(tok_text) - 1);

	strcpy(prev_text, tok_text);
	prev_line = tok_line;
	memcpy(tok_text, s, n);
	tok_text[n] = '\0';
	tok_line = line;
}

static struct macro *find_macro(const char *name)
{
	struct macro *m;

	for (m = macros; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static bool is_macro_char(int c)
{
	return isalnum(c) || c == '_';
}

/* $NAME: its value goes back into the input, to be read as words. */
static int expand_macro(int line)
{
	char name[MACRO_MAX];
	struct macro *m;
	size_t n = 0, i;
	int c;

	while ((c = lgetc()) != EOF && is_macro_char(c) && !from_macro) {
		if (n == sizeof(name) - 1)
			break;
		name[n++] = c;
	}
	lungetc(c);
	name[n] = '\0';
	if (!n) {
		conf_err(line, "\"$\" must be followed by a macro name");
		return -1;
	}
	m = find_macro(name);
	if (!m) {
		conf_err(line, "macro \"$%s\" is not defined", name);
		return -1;
	}
	n = strlen(m->value);
	if (npushback + n > PUSHBACK_MAX) {
		conf_err(line, "macro \"$%s\" is too long here", name);
		return -1;
	}
	for (i = n; i > 0; i--) {
		pushback[npushback].c = (unsigned char)m->value[i - 1];
		pushback[npushback].macro = true;
		npushback++;
	}
	return 0;
}

static bool ends_word(int c)
{
	return c == EOF || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '{' || c == '}' || c == '=' || c == '"' ||
	       ((c == '#' || c == '\\') && !from_macro);
}

static int word(char *buf, int line);

static int lex_quoted(int line)
{
	char buf[WORD_MAX];
	size_t n = 0;
	int c;

	for (;;) {
		c = lgetc();
		if (c == EOF || c == '\n') {
			lungetc(c);
			OPENSSL_cleanse(buf, sizeof(buf));
			conf_err(line, "a quoted word has no closing quote");
			return LEXERR;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			int d = lgetc();

			if (d == '"' || d == '\\')
				c = d;
			else
				lungetc(d);
		}
		if (n == sizeof(buf) - 1) {
			OPENSSL_cleanse(buf, sizeof(buf));
			conf_err(line, "a quoted word is longer than %d characters", WORD_MAX - 1);
			return LEXERR;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	return word(buf, line);
}

/* A STRING; the one after psk, if not an @FILE, and the rest of its line are hidden. */
static int word(char *buf, int line)
{
	if (after_psk && buf[0] == '@')
		hide_words = false;
	after_psk = false;
	save_text(hide_words ? "" : buf, line);
	tok_hidden = hide_words;
	yylval.s = strdup(buf);
	OPENSSL_cleanse(buf, strlen(buf));
	if (!yylval.s) {
		conf_err(line, "out of memory");
		return LEXERR;
	}
	return STRING;
}

static int lex_word(int c, int line)
{
	char buf[WORD_MAX];
	size_t n = 0, i;

	do {
		if (c < 0x20 || c == 0x7f) {
			conf_err(line, "control character 0x%02x", c);
			return LEXERR;
		}
		if (n == sizeof(buf) - 1) {
			OPENSSL_cleanse(buf, sizeof(buf));
			conf_err(line, "a word is longer than %d characters", WORD_MAX - 1);
			return LEXERR;
		}
		buf[n++] = c;
		c = lgetc();
	} while (!ends_word(c));
	lungetc(c);
	buf[n] = '\0';
	for (i = 0; i < ARRAY_SIZE(keywords); i++) {
		if (!strcmp(buf, keywords[i].word)) {
			save_text(buf, line);
			tok_hidden = false;
			after_psk = keywords[i].tok == PSK;
			if (after_psk)
				hide_words = true;
			return keywords[i].tok;
		}
	}
	return word(buf, line);
}

static void pop_file(void)
{
	struct conf_file *f = file;

	file = f->prev;
	fclose(f->f);
	free(f->name);
	free(f);
	depth--;
}

static int yylex(void)
{
	int c, d, line;

	yylval.s = NULL;
	for (;;) {
		line = file ? file->line : 0;
		c = lgetc();
		yylval.line = line;
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (c == '\\' && !from_macro) {
			do
				d = lgetc();
			while (d == ' ' || d == '\t' || d == '\r');
			if (d == '\n')
				continue;
			lungetc(d);
			conf_err(line, "\"\\\" may only end a line, to continue it on the next");
			return LEXERR;
		}
		if (c == '#' && !from_macro) {
			while ((c = lgetc()) != '\n' && c != EOF)
				;
			lungetc(c);
			continue;
		}
		if (c == '$' && !from_macro) {
			if (expand_macro(line))
				return LEXERR;
			continue;
		}
		if (c == EOF) {
			if (!file)
				return 0;
			/* A last line without its '\n' ends its rule all the same. */
			if (!file->eof_nl) {
				file->eof_nl = true;
				hide_words = after_psk = false;
				save_text("", line);
				return NL;
			}
			if (!file->prev)
				return 0;
			pop_file();
			continue;
		}
		break;
	}
	switch (c) {
	case '\n':
		hide_words = after_psk = false;
		save_text("", line);
		return NL;
	case '{':
		save_text("{", line);
		return LBRACE;
	case '}':
		save_text("}", line);
		return RBRACE;
	case '=':
		save_text("=", line);
		return EQ;
	case '"':
		return lex_quoted(line);
	}
	return lex_word(c, line);
}

static void yyerror(const char *msg)
{
	conf_err(tok_line, "%s", msg);
}

/*
 * A syntax error names the word it stopped at, or the keyword whose value
 * is missing. A word after "psk" on its line may be a key: never shown.
 */
static int yyreport_syntax_error(const yypcontext_t *ctx)
{
	yysymbol_kind_t la = yypcontext_token(ctx), exp[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS), i;
	bool want_word = false;

	if (la == YYSYMBOL_LEXERR)
		return 0;	/* the lexer has said what is wrong */
	if (la == YYSYMBOL_PORT || la == YYSYMBOL_TO) {
		conf_err(tok_line, "\"%s\" belongs after the selectors of %s", tok_text,
			 la == YYSYMBOL_PORT ? "from or to" : "from");
		return 0;
	}
	for (i = 0; i < n; i++)
		if (exp[i] == YYSYMBOL_STRING)
			want_word = true;
	if (n == 1 && exp[0] == YYSYMBOL_EQ && !tok_hidden)
		conf_err(prev_line, "\"%s\": unknown keyword", prev_text);
	else if (la == YYSYMBOL_STRING && tok_hidden)
		conf_err(tok_line, "unexpected word after the psk");
	else if (la == YYSYMBOL_STRING && isalpha((unsigned char)tok_text[0]))
		conf_err(tok_line, "\"%s\": unknown keyword", tok_text);
	else if ((la == YYSYMBOL_YYEOF || la == YYSYMBOL_NL) && want_word)
		conf_err(tok_line, "\"%s\" needs a value", prev_text);
	else if (la == YYSYMBOL_YYEOF || la == YYSYMBOL_NL)
		conf_err(tok_line, "unexpected end of line after \"%s\"", prev_text);
	else if (want_word)
		conf_err(tok_line, "\"%s\" needs a value before \"%s\"", prev_text, tok_text);
	else
		conf_err(tok_line, "unexpected \"%s\"", tok_text);
	return 0;
}

/* Macros and includes. */

static void define_macro(struct conf_tok *name, struct conf_tok *value)
{
	struct macro *m;
	const char *p;

	for (p = name->s; *p; p++)
		if (!is_macro_char((unsigned char)*p))
			break;
	if (*p || !*name->s) {
		conf_err(name->line, "\"%s\": a macro name is letters, digits and _", name->s);
		goto out;
	}
	if (strlen(value->s) >= MACRO_MAX) {
		conf_err(name->line, "macro \"%s\" is longer than %d characters", name->s,
			 MACRO_MAX - 1);
		goto out;
	}
	m = find_macro(name->s);
	if (m) {
		free(m->value);
		m->value = value->s;
		value->s = NULL;
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		conf_err(name->line, "out of memory");
		goto out;
	}
	m->name = name->s;
	m->value = value->s;
	name->s = value->s = NULL;
	m->next = macros;
	macros = m;
out:
	drop(name);
	drop(value);
}

/* @name, relative to the directory of the file being read. */
static char *resolve(const char *name)
{
	const char *slash = file ? strrchr(file->name, '/') : NULL;
	char *path;

	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&path, "%.*s/%s", (int)(slash - file->name), file->name, name) < 0)
		return NULL;
	return path;
}

/* Reads @path from here on; @line is the include's, 0 for the top file. */
static int push_file(const char *path, int line)
{
	struct conf_file *f, *o;
	struct stat st;
	int fd = -1;

	if (depth >= INCLUDE_MAX) {
		conf_err(line, "include \"%s\": includes nested more than %d deep", path,
			 INCLUDE_MAX);
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (f)
		f->name = strdup(path);
	if (!f || !f->name) {
		free(f);
		if (line)
			conf_err(line, "out of memory");
		else
			error("out of memory");
		return -1;
	}
	/* Not blocking in open(): a FIFO or a device is refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		if (line)
			conf_err(line, "include \"%s\": %s", path, strerror(errno));
		else
			error("cannot open \"%s\": %s", path, strerror(errno));
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		if (line)
			conf_err(line, "include \"%s\": not a regular file", path);
		else
			error("\"%s\" is not a regular file", path);
		goto err;
	}
	f->f = fdopen(fd, "r");
	if (!f->f) {
		conf_err(line, "out of memory");
		goto err;
	}
	fd = -1;
	for (o = file; o; o = o->prev) {
		if (o->dev == st.st_dev && o->ino == st.st_ino) {
			conf_err(line, "include \"%s\": an include loop (%s is being read already)",
				 path, o->name);
			goto err;
		}
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->line = 1;
	f->prev = file;
	file = f;
	depth++;
	return 0;
err:
	if (fd >= 0)
		close(fd);
	if (f->f)
		fclose(f->f);
	free(f->name);
	free(f);
	return -1;
}

static void include_file(struct conf_tok *t)
{
	char *path = resolve(t->s);

	if (!path)
		conf_err(t->line, "out of memory");
	else
		push_file(path, t->line);
	free(path);
	drop(t);
}

/* The rule being read. */

static void start_rule(int line, int version)
{
	int s;

	cur = calloc(1, sizeof(*cur));
	if (!cur) {
		conf_err(line, "out of memory");
		return;
	}
	cur_errors = errors;
	given = 0;
	blk = NULL;
	for (s = 0; s < 2; s++) {
		memset(sel_any[s], 0, sizeof(sel_any[s]));
		have_ports[s] = false;
	}
	sel_proto = 0;
	group_none = false;
	snprintf(cur->file, sizeof(cur->file), "%s", file->name);
	cur->line = line;
	cur->version = version;
	cur->mode = NFESP_MODE_TUNNEL;
	cur->start = IKE_START_TRAFFIC;
	cur->ike_lifetime = 8 * 3600;
	cur->lifetime = 3600;
	cur->dpd = 30;
}

static void free_conn(struct ike_conn *c)
{
	if (!c)
		return;
	OPENSSL_cleanse(c->psk, sizeof(c->psk));
	free(c);
}

static void drop_rule(void)
{
	free_conn(cur);
	cur = NULL;
}

static void set_name(struct conf_tok *t)
{
	size_t i, len = strlen(t->s);

	if (cur && (!len || len >= IKE_CONF_NAME_MAX))
		conf_err(t->line, "rule name \"%s\" must be 1 to %d characters", t->s,
			 IKE_CONF_NAME_MAX - 1);
	else if (cur)
		for (i = 0; i < len; i++)
			if (!isprint((unsigned char)t->s[i])) {
				conf_err(t->line, "rule name \"%s\" has a control character", t->s);
				break;
			}
	if (cur && !(errors - cur_errors))
		strcpy(cur->name, t->s);
	drop(t);
}

/* A keyword of the rule: false if it was given already. */
static bool once(int tok, int line)
{
	if (given & KW_BIT(tok)) {
		conf_err(line, "\"%s\" given twice", kw_name(tok));
		return false;
	}
	given |= KW_BIT(tok);
	kw_line[tok - IKEV2] = line;
	return cur;
}

static void set_start(int tok, int line)
{
	int other = tok == ACTIVE ? PASSIVE : ACTIVE;

	if (given & KW_BIT(other)) {
		conf_err(line, "\"%s\" and \"%s\" both given; a rule starts one way",
			 kw_name(other), kw_name(tok));
		return;
	}
	if (!once(tok, line))
		return;
	cur->start = tok == ACTIVE ? IKE_START_ACTIVE : IKE_START_PASSIVE;
}

static void set_mode(int mode)
{
	cur->mode = mode;
}

static void begin_side(int s)
{
	side = s;
}

static void add_sel(struct conf_tok *t)
{
	struct ike_sel *sel;
	unsigned int *n;

	if (!cur)
		return;
	sel = side ? cur->to : cur->from;
	n = side ? &cur->nto : &cur->nfrom;
	if (*n == IKE_CONF_MAX_SEL) {
		conf_err(t->line, "\"%s\": more than %d selectors in %s", t->s,
			 IKE_CONF_MAX_SEL, side ? "to" : "from");
		return;
	}
	at(t->line);
	if (parse_prefix(t->s, &sel[*n].addr, &sel[*n].plen)) {
		errors++;
		return;
	}
	sel_any[side][*n] = !strcmp(t->s, "any");
	(*n)++;
}

static void set_ports(struct conf_tok *t)
{
	at(t->line);
	check(parse_port_range(t->s, &port_min[side], &port_max[side]));
	have_ports[side] = true;
	port_line[side] = t->line;
}

static void set_proto(struct conf_tok *t)
{
	at(t->line);
	check(parse_proto(t->s, &sel_proto));
}

static void set_local(struct conf_tok *t)
{
	if (!strcmp(t->s, "any")) {
		memset(&cur->local, 0, sizeof(cur->local));
		return;
	}
	at(t->line);
	check(parse_addr(t->s, &cur->local));
}

static void set_peer(struct conf_tok *t)
{
	if (!strcmp(t->s, "any")) {
		cur->peer_any = true;
		return;
	}
	at(t->line);
	check(parse_addr(t->s, &cur->peer));
}

/* ikesa and childsa are IKEv2's; main or aggressive, and quick, IKEv1's. */
static bool block_of_version(int tok, int line)
{
	bool v1 = tok == MAIN || tok == AGGRESSIVE || tok == QUICK;

	if (!cur || (cur->version == 1) == v1)
		return true;
	if (v1)
		conf_err(line, "\"%s\" belongs in ikev1 rules; an ikev2 rule has ikesa and childsa",
			 kw_name(tok));
	else
		conf_err(line, "\"%s\" belongs in ikev2 rules; an ikev1 rule has main or aggressive, and quick",
			 kw_name(tok));
	return false;
}

static void begin_block(int tok, int line)
{
	int other = tok == MAIN ? AGGRESSIVE : MAIN;

	blk = NULL;
	if (!block_of_version(tok, line))
		return;
	if ((tok == MAIN || tok == AGGRESSIVE) && (given & KW_BIT(other))) {
		conf_err(line, "\"%s\" and \"%s\" both given; phase 1 is one mode or the other",
			 kw_name(other), kw_name(tok));
		return;
	}
	if (!once(tok, line))
		return;
	blk = tok == IKESA || tok == MAIN || tok == AGGRESSIVE ? &cur->ike : &cur->child;
	if (tok == AGGRESSIVE)
		cur->aggressive = true;
	blk_name = kw_name(tok);
	blk_tok = tok;
	blk_given = 0;
}

static void begin_algs(int tok, int line)
{
	static const enum conf_alg_kind kind[] = {
		[ENC - ENC] = CONF_ENC, [AUTH - ENC] = CONF_AUTH,
		[PRF - ENC] = CONF_PRF, [GROUP - ENC] = CONF_GROUP,
	};

	if (!blk)
		return;
	if (blk_given & KW_BIT(tok)) {
		conf_err(line, "\"%s\" given twice in %s", kw_name(tok), blk_name);
		blk = NULL;
		return;
	}
	blk_given |= KW_BIT(tok);
	kw_line[tok - IKEV2] = line;
	if (tok == PRF && blk == &cur->child && cur->version == 2) {
		conf_err(line, "\"prf\": childsa has no prf; a child SA's keys come from the IKE SA's");
		blk = NULL;
		return;
	}
	if (tok == PRF && cur->version == 1) {
		conf_err(line, "\"prf\": an ikev1 rule has no prf; phase 1's auth is its hash, which is its PRF too");
		blk = NULL;
		return;
	}
	alg_kind = kind[tok - ENC];
	/* IKEv1's phase 1 hash, named auth, is kept as its PRF (conf.h). */
	if (tok == AUTH && blk == &cur->ike && cur->version == 1)
		alg_kind = CONF_PRF;
	alg_tok = tok;
}

/* What the module and IKEv1 peers do: AES-CBC in phase 1, AES-CBC or AES-GCM in quick mode. */
static bool v1_enc_ok(const char *s)
{
	static const char *const ok[] = { "aes-cbc-256", "aes-cbc-128", "aes-gcm-256", "aes-gcm-128" };
	size_t i, n = blk_tok == QUICK ? ARRAY_SIZE(ok) : 2;

	for (i = 0; i < n; i++)
		if (!strcmp(s, ok[i]))
			return true;
	return false;
}

static void add_alg_v1(struct conf_tok *t)
{
	if (alg_kind == CONF_ENC && !v1_enc_ok(t->s)) {
		conf_err(t->line, "\"%s\": %s mode enc is %s", t->s, blk_name,
			 blk_tok == QUICK ? "aes-gcm-256, aes-gcm-128, aes-cbc-256 or aes-cbc-128"
					  : "aes-cbc-256 or aes-cbc-128");
		return;
	}
	if (alg_kind == CONF_GROUP && blk_tok == QUICK && !strcmp(t->s, "none")) {
		group_none = true;
		group_none_line = t->line;
		return;
	}
	at(t->line);
	if (conf_add_alg_v1(blk, alg_kind, kw_name(alg_tok), t->s, blk_name)) {
		errors++;
		return;
	}
	if (conf_alg_weak(t->s))
		conf_warn(t->line, "rule \"%s\": %s %s %s is weak; accepted for old IKEv1 peers only",
			  cur->name, blk_name, kw_name(alg_tok), t->s);
}

static void add_alg(struct conf_tok *t)
{
	if (!blk)
		return;
	if (cur->version == 1) {
		add_alg_v1(t);
		return;
	}
	at(t->line);
	check(conf_add_alg(blk, alg_kind, t->s, blk_name));
}

static void set_id(int tok, struct conf_tok *t)
{
	at(t->line);
	check(conf_parse_id(t->s, kw_name(tok), tok == SRCID ? &cur->srcid : &cur->dstid));
}

/* psk @FILE; a key written here would end up in tickets and backups. */
static void set_psk(struct conf_tok *t)
{
	char *path;

	if (t->s[0] != '@') {
		conf_err(t->line, "psk: a key written in the configuration is refused: keys belong in a file only root can read, and configurations get pasted into tickets; write psk @FILE");
		goto out;
	}
	path = resolve(t->s + 1);
	if (!path) {
		conf_err(t->line, "out of memory");
		goto out;
	}
	at(t->line);
	check(conf_read_psk(path, cur));
	free(path);
out:
	wipe(t);
}

static void set_duration(int tok, struct conf_tok *t)
{
	uint64_t *v = tok == IKELIFETIME ? &cur->ike_lifetime :
		      tok == LIFETIME ? &cur->lifetime : &cur->dpd;

	at(t->line);
	check(conf_parse_duration(t->s, kw_name(tok), tok == DPD, v));
}

static void set_bytes(struct conf_tok *t)
{
	at(t->line);
	check(conf_parse_bytes(t->s, "lifetime", &cur->lifetime_bytes));
}

/* The checks of the whole rule, once its line has ended. */

static int kwl(int tok)
{
	return given & KW_BIT(tok) ? kw_line[tok - IKEV2] : cur->line;
}

/* "any" takes the other side's family; with both families there, both. */
static void resolve_any(struct ike_conn *c)
{
	struct ike_sel *sel[2] = { c->from, c->to };
	unsigned int *n[2] = { &c->nfrom, &c->nto }, i, s, fam[2];

	for (s = 0; s < 2; s++) {
		fam[s] = 0;
		for (i = 0; i < *n[s]; i++)
			if (!sel_any[s][i])
				fam[s] |= sel[s][i].addr.family == AF_INET ? 1 : 2;
	}
	for (s = 0; s < 2; s++) {
		unsigned int other = fam[!s], last = *n[s];

		for (i = 0; i < last; i++) {
			if (!sel_any[s][i] || !other || other == 1)
				continue;
			sel[s][i].addr.family = AF_INET6;
			if (other == 3) {
				if (*n[s] == IKE_CONF_MAX_SEL) {
					conf_err(kwl(FROM), "more than %d selectors in %s once any is both 0.0.0.0/0 and ::/0",
						 IKE_CONF_MAX_SEL, s ? "to" : "from");
					return;
				}
				sel[s][*n[s]] = sel[s][i];
				sel[s][i].addr.family = AF_INET;
				(*n[s])++;
			}
		}
	}
	for (s = 0; s < 2; s++) {
		fam[s] = 0;
		for (i = 0; i < *n[s]; i++)
			fam[s] |= sel[s][i].addr.family == AF_INET ? 1 : 2;
	}
	if (!(fam[0] & fam[1]))
		conf_err(kwl(FROM), "from and to have no address family in common");
}

static void host_sel(struct ike_sel *sel, unsigned int *n, const struct addr *a)
{
	sel->addr = *a;
	sel->plen = a->family == AF_INET ? 32 : 128;
	*n = 1;
}

static void check_selectors(struct ike_conn *c)
{
	struct ike_sel *sel[2] = { c->from, c->to };
	unsigned int *n[2] = { &c->nfrom, &c->nto }, i, s;
	char proto[16];

	if (!c->nfrom && c->mode == NFESP_MODE_TUNNEL) {
		conf_err(c->line, "rule \"%s\": tunnel mode needs from and to", c->name);
		return;
	}
	if (!c->nfrom) {
		if (!c->local.family)
			conf_err(c->line, "rule \"%s\": transport mode without from needs local ADDR, which from defaults to",
				 c->name);
		else if (c->peer_any)
			conf_err(c->line, "rule \"%s\": transport mode with peer any needs from and to",
				 c->name);
		else if (c->peer.family) {
			host_sel(c->from, &c->nfrom, &c->local);
			host_sel(c->to, &c->nto, &c->peer);
		}
	} else {
		resolve_any(c);
	}
	for (s = 0; s < 2; s++) {
		if (have_ports[s] && sel_proto != IPPROTO_TCP && sel_proto != IPPROTO_UDP &&
		    sel_proto != IPPROTO_SCTP)
			conf_err(port_line[s], "port needs proto tcp, udp or sctp, not %s",
				 sel_proto ? proto_str(sel_proto, proto, sizeof(proto)) : "any");
		for (i = 0; i < *n[s]; i++) {
			sel[s][i].proto = sel_proto;
			sel[s][i].port_min = have_ports[s] ? port_min[s] : 0;
			sel[s][i].port_max = have_ports[s] ? port_max[s] : 65535;
		}
	}
}

/*
 * A block's ciphers are all AEADs, without auth, or all CBC, with auth:
 * one proposal each (conf.h: integ is empty with AEADs).
 */
static void check_block(struct ike_prop_conf *p, int tok)
{
	const char *name = kw_name(tok), *cbc = NULL, *aead = NULL;
	int line = kwl(tok);
	unsigned int i;

	for (i = 0; i < p->nencr; i++) {
		if (!conf_encr_is_aead(p->encr[i].id) && !cbc)
			cbc = ike_encr_name(p->encr[i].id, p->encr[i].keybits);
		else if (conf_encr_is_aead(p->encr[i].id) && !aead)
			aead = ike_encr_name(p->encr[i].id, p->encr[i].keybits);
	}
	if (cbc && aead)
		conf_err(line, "rule \"%s\": %s enc lists %s, an AEAD, and %s, which is not: one kind in a block",
			 cur->name, name, aead, cbc);
	else if (cbc && !p->ninteg)
		conf_err(line, "rule \"%s\": %s enc %s needs auth hmac-sha256, hmac-sha384 or hmac-sha512",
			 cur->name, name, cbc);
	else if (!cbc && p->ninteg)
		conf_err(line, "rule \"%s\": %s auth %s given, but enc lists only AEADs (aes-gcm, chacha20-poly1305), which need none",
			 cur->name, name, ike_integ_name(p->integ[0]));
}

/* An ikev1 rule's blocks: their defaults, and what IKEv1 allows of them. */
static void check_v1(struct ike_conn *c)
{
	static const char *const quick_enc[] = { "aes-gcm-256", "aes-cbc-256" };
	bool cbc = false;
	size_t i;

	if (!(given & (KW_BIT(MAIN) | KW_BIT(AGGRESSIVE)))) {
		conf_err(c->line, "rule \"%s\": no main or aggressive; an ikev1 rule names its phase 1 mode",
			 c->name);
		return;
	}
	/* A quick mode's IDci and IDcr name one selector each. */
	if (c->nfrom > 1 || c->nto > 1)
		conf_err(c->line, "rule \"%s\": an ikev1 rule takes one from and one to selector (IKEv1 negotiates one pair per quick mode); write one rule per pair",
			 c->name);
	if (!c->ike.nencr)
		conf_add_alg_v1(&c->ike, CONF_ENC, "enc", "aes-cbc-256", "");
	if (!c->ike.nprf)
		conf_add_alg_v1(&c->ike, CONF_PRF, "auth", "hmac-sha256", "");
	if (!c->ike.ndh)
		conf_add_alg_v1(&c->ike, CONF_GROUP, "group", "modp2048", "");
	/* Libreswan's rule too: aggressive mode's KE goes out with the offer, in one group. */
	if (c->aggressive && c->ike.ndh != 1)
		conf_err(kwl(AGGRESSIVE), "rule \"%s\": aggressive mode takes exactly one group (its KE goes in the first message), not %u",
			 c->name, c->ike.ndh);
	else if (c->aggressive)
		conf_warn(kwl(AGGRESSIVE), "rule \"%s\": aggressive mode with a pre-shared key exposes a hash an eavesdropper can attack offline to find the key; prefer main mode, or a long random key",
			  c->name);
	if (!c->child.nencr)
		for (i = 0; i < ARRAY_SIZE(quick_enc); i++)
			conf_add_alg_v1(&c->child, CONF_ENC, "enc", quick_enc[i], "");
	for (i = 0; i < c->child.nencr; i++)
		cbc |= !conf_encr_is_aead(c->child.encr[i].id);
	if (!cbc && c->child.ninteg)
		conf_err(kwl(QUICK), "rule \"%s\": quick auth %s given, but enc lists only aes-gcm, which needs none",
			 c->name, ike_integ_name(c->child.integ[0]));
	else if (cbc && !c->child.ninteg)
		conf_add_alg_v1(&c->child, CONF_AUTH, "auth", "hmac-sha256", "");
	/* PFS in the phase 1 group, unless the rule says none. */
	if (group_none && c->child.ndh)
		conf_err(group_none_line, "rule \"%s\": quick group none and %s: no PFS, or PFS groups, not both",
			 c->name, ike_dh_name(c->child.dh[0]));
	else if (!group_none && !c->child.ndh && c->ike.ndh)
		c->child.dh[c->child.ndh++] = c->ike.dh[0];
}

static bool same_addr(const struct addr *a, const struct addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static void check_rule(struct ike_conn *c)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct ike_conn *o;

	if (!(given & KW_BIT(PEER)))
		conf_err(c->line, "rule \"%s\": no peer; give peer ADDR, or peer any with passive",
			 c->name);
	else if (c->version == 1 && c->peer_any && !c->aggressive)
		conf_err(kwl(PEER), "peer any with main mode and a psk: main mode chooses the key by the peer's address, before any ID is seen; give peer ADDR, or use aggressive mode");
	else if (c->peer_any && c->start != IKE_START_PASSIVE)
		conf_err(kwl(PEER), "peer any needs passive: only a responder can wait for a peer it does not know");
	if (c->local.family && c->peer.family && c->local.family != c->peer.family)
		conf_err(kwl(PEER), "local %s and peer %s are not of one address family",
			 addr_str(&c->local, a, sizeof(a)), addr_str(&c->peer, b, sizeof(b)));
	if (!(given & KW_BIT(PSK)))
		conf_err(c->line, "rule \"%s\": no psk @FILE; a pre-shared key is the only authentication so far",
			 c->name);
	check_selectors(c);
	if (c->version == 1) {
		check_v1(c);
	} else {
		if (!c->ike.nencr)
			conf_default_algs(&c->ike, CONF_ENC, false);
		if (!c->ike.nprf)
			conf_default_algs(&c->ike, CONF_PRF, false);
		if (!c->ike.ndh)
			conf_default_algs(&c->ike, CONF_GROUP, false);
		if (!c->child.nencr)
			conf_default_algs(&c->child, CONF_ENC, true);
		check_block(&c->ike, IKESA);
		check_block(&c->child, CHILDSA);
	}
	for (o = conf->conns; o; o = o->next) {
		if (!strcmp(o->name, c->name))
			conf_err(c->line, "rule \"%s\" is already defined at %s:%d", c->name,
				 o->file, o->line);
		/*
		 * A main mode responder knows the peer only by its address when
		 * it must choose the rule (and its key): two rules for one peer
		 * could not be told apart.
		 */
		else if (c->version == 1 && o->version == 1 && !c->aggressive && !o->aggressive &&
			 !c->peer_any && !o->peer_any && same_addr(&c->peer, &o->peer) &&
			 (!c->local.family || !o->local.family || same_addr(&c->local, &o->local)))
			conf_err(c->line, "rule \"%s\": rule \"%s\" (%s:%d) is main mode with the same peer; a main mode responder tells rules apart only by address: one main mode rule per peer and local address (or aggressive mode, with srcid and dstid)",
				 c->name, o->name, o->file, o->line);
	}
}

static void finish_rule(void)
{
	struct ike_conn *c = cur, **pp;

	if (!c)
		return;
	if (errors == cur_errors)
		check_rule(c);
	cur = NULL;
	if (errors != cur_errors) {
		free_conn(c);
		return;
	}
	for (pp = &conf->conns; *pp; pp = &(*pp)->next)
		;
	*pp = c;
	conf->nconns++;
}

int ike_conf_load(const char *path, struct ike_config *cfg)
{
	struct macro *m;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	conf = cfg;
	file = NULL;
	depth = 0;
	errors = 0;
	macros = NULL;
	npushback = 0;
	hide_words = after_psk = false;
	tok_text[0] = prev_text[0] = '\0';
	cur = NULL;
	if (push_file(path, 0))
		return -1;
	ret = yyparse();
	if (ret && !errors)
		errors++;
	drop_rule();
	while (file)
		pop_file();
	while (macros) {
		m = macros;
		macros = m->next;
		free(m->name);
		free(m->value);
		free(m);
	}
	npushback = 0;
	set_error_context(NULL);
	conf = NULL;
	if (errors) {
		ike_conf_free(cfg);
		return -1;
	}
	return 0;
}

void ike_conf_free(struct ike_config *cfg)
{
	struct ike_conn *c;

	while (cfg->conns) {
		c = cfg->conns;
		cfg->conns = c->next;
		free_conn(c);
	}
	cfg->nconns = 0;
}
