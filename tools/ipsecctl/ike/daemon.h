/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE daemon's commands: "daemon" runs it, "status", "up", "down" and
 * "reload" talk to the daemon of this network namespace over its control
 * socket.
 */
#ifndef IKE_DAEMON_H
#define IKE_DAEMON_H

#include <stdbool.h>

bool ike_is_command(const char *verb);
/* argv[0] is the verb; 0 on success, -1 after saying what went wrong. */
int ike_command(int argc, char **argv);

#endif /* IKE_DAEMON_H */
