// SPDX-License-Identifier: GPL-2.0-only
/*
 * sd_notify(3) in a few lines: $NOTIFY_SOCKET names a Unix datagram socket,
 * a path ("/run/systemd/notify") or, with a leading '@', a name in the
 * abstract namespace. The service manager reads one datagram per state.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "log.h"
#include "sdnotify.h"

int ike_sd_notify(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	ssize_t n;
	int fd;

	if (!name || !*name)
		return 0;
	len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len < 2 || len > sizeof(sun.sun_path)) {
		ike_log(IKE_LOG_WARN, "NOTIFY_SOCKET=%s: not a path or an @abstract name", name);
		return -1;
	}
	memcpy(sun.sun_path, name, len);
	/* Abstract: a leading NUL, and the length says where the name ends. */
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ike_log(IKE_LOG_WARN, "NOTIFY_SOCKET: socket: %s", strerror(errno));
		return -1;
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun,
		   offsetof(struct sockaddr_un, sun_path) + len);
	close(fd);
	if (n < 0) {
		ike_log(IKE_LOG_WARN, "NOTIFY_SOCKET=%s: %s not sent: %s", name, state,
			strerror(errno));
		return -1;
	}
	return 0;
}
