// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuzzers' stand-in for ../keyfile.c: key @FILE reads from a few files
 * held in memory, never from the disk, so a fuzzed path can neither read
 * nor open anything (a FIFO that blocks, a device that acts on open). Any
 * other name is a file that does not exist.
 */

#include <errno.h>
#include <string.h>
#include "../ipsecctl.h"

static const struct {
	const char *name;
	const char *text;
} files[] = {
	{ "k16", "0x0102030405060708090a0b0c0d0e0f10\n" },
	{ "k20", "0x0102030405060708090a0b0c0d0e0f1011121314\n" },
	{ "k32", "000102030405060708090a0b0c0d0e0f"
		 "101112131415161718191a1b1c1d1e1f\n" },
	{ "k36", "0x00010203 04050607 08090a0b 0c0d0e0f\n"
		 "10111213 14151617 18191a1b 1c1d1e1f 20212223\n" },
	{ "k48", "000102030405060708090a0b0c0d0e0f"
		 "101112131415161718191a1b1c1d1e1f"
		 "202122232425262728292a2b2c2d2e2f\n" },
	{ "k64", "000102030405060708090a0b0c0d0e0f"
		 "101112131415161718191a1b1c1d1e1f"
		 "202122232425262728292a2b2c2d2e2f"
		 "303132333435363738393a3b3c3d3e3f\n" },
	{ "bad", "zz\n" },
	{ "odd", "0x012\n" },
	{ "empty", "" },
	{ "long", "00000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000000000000000000000000000000" },
};

ssize_t read_key_file(const char *path, char *buf, size_t size)
{
	unsigned int i;
	size_t n;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(path, files[i].name))
			continue;
		n = strlen(files[i].text);
		if (n > size)
			n = size;
		memcpy(buf, files[i].text, n);
		return n;
	}
	errno = ENOENT;
	return -1;
}
