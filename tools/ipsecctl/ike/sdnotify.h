/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: one
 * datagram to the socket named in $NOTIFY_SOCKET, if set.
 */
#ifndef IKE_SDNOTIFY_H
#define IKE_SDNOTIFY_H

/*
 * Send state ("READY=1", "RELOADING=1", "STOPPING=1", ...: newline-separated
 * assignments) to the service manager. Nothing without $NOTIFY_SOCKET;
 * 0 when sent or not asked for, -1 after logging why it could not be sent.
 */
int ike_sd_notify(const char *state);

#endif /* IKE_SDNOTIFY_H */
