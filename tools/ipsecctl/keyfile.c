// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a key file for key @FILE. On its own so that the fuzzer can link
 * a stand-in that keeps the fuzzed paths inside a scratch directory.
 */

#include <fcntl.h>
#include <unistd.h>
#include "ipsecctl.h"

/* Up to @size bytes of @path into @buf: the count, or -1 with errno set. */
ssize_t read_key_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}
