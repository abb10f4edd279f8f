// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command table, and running commands: one from the argument list, or
 * one a line from a file. Also the way in for the configuration fuzzer.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
	{ "tunnels", cmd_tunnels },
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

/* Each line a command; stops at the first failure, naming @name and the line. */
int run_stream(FILE *f, const char *name)
{
	char *line = NULL, *argv[128], ctx[512];
	size_t cap = 0;
	int lineno = 0, argc, err = 0;

	while (getline(&line, &cap, f) > 0) {
		lineno++;
		/* Room for the NULL after the last word. */
		argc = split_words(line, argv, sizeof(argv) / sizeof(argv[0]) - 1);
		snprintf(ctx, sizeof(ctx), "%s:%d", name, lineno);
		set_error_context(ctx);
		if (argc < 0) {
			err = error("too many words");
			break;
		}
		if (argc == 0)
			continue;
		argv[argc] = NULL;
		err = run_command(argc, argv);
		if (err)
			break;
	}
	set_error_context(NULL);
	free(line);
	return err;
}

/* PATH, or - for stdin. */
int run_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int err;

	if (!f)
		return error("cannot open \"%s\": %s", path, strerror(errno));
	err = run_stream(f, path);
	if (f != stdin)
		fclose(f);
	return err;
}
