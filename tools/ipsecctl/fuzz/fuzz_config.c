// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for ipsecctl's configuration grammar: the input is a
 * command file, run as ipsecctl -n -f FILE runs it (run_stream() in
 * commands.c), so every line goes through the word parser, the sa, spi and
 * policy parsers and their checks, and on to the netlink request, which
 * a dry run builds and discards. key @NAME reads the in-memory files of
 * keyfile.c here (@k16 @k20 @k32 @k36 @k48 @k64 @bad @odd @empty @long).
 */

#include <stdint.h>
#include <stdio.h>
#include "../ipsecctl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char errbuf[BUFSIZ];

	opt_dry_run = true;
	/* Every refused line prints an error: fewer writes, faster runs. */
	setvbuf(stderr, errbuf, _IOFBF, sizeof(errbuf));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	run_stream(f, "fuzz");
	fclose(f);
	return 0;
}
