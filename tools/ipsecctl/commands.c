// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command table, and running commands: one from the argument list, or
 * one a line from a file. Also the way in for the configuration fuzzer.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "ipsecctl.h"

bool opt_json, opt_dry_run, opt_numeric;
const char *prog = "ipsecctl";

static const struct {
	const char *name;
	int (*fn)(struct args *a);
} commands[] = {
	{ "sa", cmd_sa },
	{ "spi", cmd_spi },
	{ "policy", cmd_policy },
	{ "show", cmd_show },
	{ "stats", cmd_stats },
	{ "monitor", cmd_monitor },
};

int run_command(int argc, char **argv)
{
	struct args a = { .argc = argc, .argv = argv, .i = 1 };
	unsigned int i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].fn(&a);
	return error("unknown command \"%s\"; try %s --help", argv[0], prog);
}

/*
 * Each command of the file (cmdread.c: lines, continued with a backslash,
 * quoting, comments) in turn; stops at the first failure, naming @name and
 * the command's first line.
 */
int run_stream(FILE *f, const char *name)
{
	struct cmd_reader r;
	struct command c;
	char ctx[512];
	int err = 0, n;

	cmd_reader_init(&r, f, name);
	while ((n = read_command(&r, &c)) > 0) {
		snprintf(ctx, sizeof(ctx), "%s:%d", name, c.line);
		set_error_context(ctx);
		err = run_command(c.argc, c.argv);
		set_error_context(NULL);
		command_free(&c);
		if (err)
			break;
	}
	if (n < 0)
		err = -1;
	cmd_reader_free(&r);
	return err;
}

/*
 * PATH, or - for stdin. stdio reads through a buffer of ours, wiped at the
 * end: the file can hold keys.
 */
int run_file(const char *path)
{
	static char buf[BUFSIZ];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int err;

	if (!f)
		return error("cannot open \"%s\": %s", path, strerror(errno));
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	err = run_stream(f, path);
	if (f != stdin)
		fclose(f);
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}
