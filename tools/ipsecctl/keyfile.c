// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a key file for key @FILE. On its own so that the fuzzer can link
 * a stand-in that keeps the fuzzed paths inside a scratch directory.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ipsecctl.h"

/*
 * Up to @size bytes of @path into @buf: the count, or -1 with errno set. A
 * file that group or others can read is read, with a warning, as ssh does.
 */
ssize_t read_key_file(const char *path, char *buf, size_t size)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0044))
		warning("key file %s is readable by others (mode %04o); chmod 600 it", path,
			(unsigned int)(st.st_mode & 07777));
	while (n < size) {
		r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	return n;
}
