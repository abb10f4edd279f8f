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
 * PATH, or - for stdin, opened for reading a file that can hold keys (-f,
 * sync): stdio reads through a buffer of ours, wiped when it is closed.
 * One such file at a time.
 */
static char key_file_buf[BUFSIZ];

FILE *key_file_open(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!f) {
		error("cannot open \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, key_file_buf, _IOFBF, sizeof(key_file_buf));
	return f;
}

void key_file_close(FILE *f)
{
	if (f != stdin)
		fclose(f);
	OPENSSL_cleanse(key_file_buf, sizeof(key_file_buf));
}

int run_file(const char *path)
{
	FILE *f = key_file_open(path);
	int err;

	if (!f)
		return -1;
	err = run_stream(f, path);
	key_file_close(f);
	return err;
}
