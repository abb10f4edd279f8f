// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the commands of a file (-f): a command is a line, continued on
 * the next while it ends in a backslash; "..." and '...' group words with
 * white space; a # at the start of a word starts a comment. Everything read
 * is wiped before it is freed: a line can hold a key.
 *
 *   words:   white space separates them
 *   \        as the last character but blanks: the command goes on on the
 *            next line; elsewhere outside quotes: the next character as it is
 *   "..."    one word (or part of one); \" and \\ inside stand for " and \
 *   '...'    one word (or part of one), nothing special inside
 *   #        at the start of a word (outside quotes): the rest of the line
 *            is a comment
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "ipsecctl.h"

/* @p grown to hold at least @need bytes; the old block wiped, not realloc'd. */
static int grow(char **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	char *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = malloc(ncap);
	if (!n)
		return -1;
	if (*p) {
		memcpy(n, *p, *cap);
		OPENSSL_cleanse(*p, *cap);
		free(*p);
	}
	*p = n;
	*cap = ncap;
	return 0;
}

void cmd_reader_init(struct cmd_reader *r, FILE *f, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
}

void cmd_reader_free(struct cmd_reader *r)
{
	if (r->line)
		OPENSSL_cleanse(r->line, r->line_cap);
	free(r->line);
	r->line = NULL;
	r->line_cap = 0;
}

void command_free(struct command *c)
{
	if (c->text)
		OPENSSL_cleanse(c->text, c->text_cap);
	free(c->text);
	free(c->argv);
	memset(c, 0, sizeof(*c));
}

/*
 * The next line, without its newline, into r->line: its length, -1 at the
 * end, -2 out of memory, -3 if reading failed (errno says why).
 */
static ssize_t read_line(struct cmd_reader *r)
{
	size_t n = 0;
	int ch;

	for (;;) {
		errno = 0;
		ch = getc(r->f);
		if (ch == EOF && ferror(r->f))
			return -3;
		if (ch == EOF && !n)
			return -1;
		if (ch == EOF || ch == '\n')
			break;
		if (grow(&r->line, &r->line_cap, n + 2))
			return -2;
		r->line[n++] = ch;
	}
	if (grow(&r->line, &r->line_cap, n + 1))
		return -2;
	r->line[n] = '\0';
	r->lineno++;
	return n;
}

/* Reported with FILE:LINE of the line where it went wrong. */
static int read_error(struct cmd_reader *r, const char *msg)
{
	snprintf(r->ctx, sizeof(r->ctx), "%s:%d", r->name, r->lineno);
	set_error_context(r->ctx);
	error("%s", msg);
	set_error_context(NULL);
	return -1;
}

static int put(struct command *c, char ch)
{
	if (grow(&c->text, &c->text_cap, c->text_len + 1))
		return -1;
	c->text[c->text_len++] = ch;
	return 0;
}

/*
 * Where the words start in c->text: offsets while the text may still move
 * as it grows, made pointers in c->argv at the end.
 */
struct word_starts {
	size_t *off;
	size_t n, cap;
};

static int start_word(struct command *c, struct word_starts *ws)
{
	if (ws->n == ws->cap) {
		size_t ncap = ws->cap ? ws->cap * 2 : 16;
		size_t *n = realloc(ws->off, ncap * sizeof(*n));

		if (!n)
			return -1;
		ws->off = n;
		ws->cap = ncap;
	}
	ws->off[ws->n++] = c->text_len;
	return 0;
}

/*
 * The words of one line into @c, appended; returns 1 if the line ends in a
 * continuation, 0 if not, -1 on an error (reported), -2 out of memory.
 */
static int split_line(struct cmd_reader *r, struct command *c, size_t len,
		      struct word_starts *ws)
{
	const char *p = r->line, *end = r->line + len;
	bool in_word = false;

	if (memchr(p, '\0', len))
		return read_error(r, "a NUL byte in the line");
	while (p < end) {
		char ch = *p;

		if (isspace((unsigned char)ch)) {
			if (in_word && put(c, '\0'))
				return -2;
			in_word = false;
			p++;
			continue;
		}
		if (ch == '#' && !in_word)
			break;
		if (!in_word) {
			if (start_word(c, ws))
				return -2;
			in_word = true;
		}
		if (ch == '\\') {
			const char *q = p + 1;

			while (q < end && isspace((unsigned char)*q))
				q++;
			if (q == end) {
				/* A continuation: the word ends here, if one began. */
				if (c->text_len == ws->off[ws->n - 1])
					ws->n--;
				else if (put(c, '\0'))
					return -2;
				return 1;
			}
			if (put(c, p[1]))
				return -2;
			p += 2;
			continue;
		}
		if (ch == '"' || ch == '\'') {
			const char *q = p + 1;

			for (; q < end && *q != ch; q++) {
				if (ch == '"' && *q == '\\' && q + 1 < end &&
				    (q[1] == '"' || q[1] == '\\'))
					q++;
				if (put(c, *q))
					return -2;
			}
			if (q == end)
				return read_error(r, ch == '"' ? "unterminated \" quote" :
						  "unterminated ' quote");
			p = q + 1;
			continue;
		}
		if (put(c, ch))
			return -2;
		p++;
	}
	if (in_word && put(c, '\0'))
		return -2;
	return 0;
}

/*
 * The next command of r->f into @c: 1 if there is one (c->argv ends in a
 * NULL, c->line is the number of its first line), 0 at the end of the file,
 * -1 on an error already reported as NAME:LINE: .... The command belongs to
 * the caller, until command_free(); commands read earlier stay valid.
 */
int read_command(struct cmd_reader *r, struct command *c)
{
	struct word_starts ws = { NULL, 0, 0 };
	ssize_t len;
	size_t i;
	int cont, err;

	memset(c, 0, sizeof(*c));
	for (;;) {
		len = read_line(r);
		if (len == -2)
			goto oom;
		if (len == -3)
			goto bad_read;
		if (len < 0)
			break;
		if (!c->line)
			c->line = r->lineno;
		cont = split_line(r, c, len, &ws);
		if (cont == -2)
			goto oom;
		if (cont < 0) {
			free(ws.off);
			command_free(c);
			return -1;
		}
		if (cont)
			continue;	/* a continuation on the last line ends there */
		if (ws.n)
			break;
		c->line = 0;	/* a blank or comment line */
	}
	if (!ws.n) {
		free(ws.off);
		command_free(c);
		return 0;
	}
	c->argv = malloc((ws.n + 1) * sizeof(*c->argv));
	if (!c->argv)
		goto oom;
	for (i = 0; i < ws.n; i++)
		c->argv[i] = c->text + ws.off[i];
	c->argv[ws.n] = NULL;
	c->argc = ws.n;
	free(ws.off);
	return 1;
oom:
	free(ws.off);
	command_free(c);
	return read_error(r, "out of memory");
bad_read:
	/* Not an end of file: what was read so far is no whole file. */
	err = errno ? errno : EIO;
	free(ws.off);
	command_free(c);
	set_error_context(NULL);
	return error("cannot read \"%s\": %s", r->name, strerror(err));
}
