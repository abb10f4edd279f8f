// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command table, and running commands: one from the argument list, or
 * a file of them (apply.c). Also the way in for the configuration fuzzer.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "apply.h"

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
	{ "tunnels", cmd_tunnels },
	{ "stats", cmd_stats },
	{ "monitor", cmd_monitor },
	{ "sync", cmd_sync },
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
 * A file of commands, one a line, applied all or nothing (apply.c): every
 * line is parsed first, an error names @name and the line.
 */
int run_stream(FILE *f, const char *name)
{
	return apply_stream(f, name);
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
