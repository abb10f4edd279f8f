/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE daemon's control socket, and its clients (`ipsecctl status`,
 * `up`, `down`, `reload`).
 *
 * The socket is the abstract unix stream socket "@nfesp-ipsecctl-ike".
 * Abstract sockets belong to the network namespace, so daemons in two
 * namespaces do not collide, and a client reaches the daemon of its own
 * namespace. Anyone in the namespace can connect to an abstract socket, so
 * the daemon checks each client: it must have CAP_NET_ADMIN in the user
 * namespace that owns this network namespace (or in an ancestor of it),
 * which is what configuring the namespace's IPsec takes anyway. How, and
 * the race it leaves on kernels before 6.5, is told in ctl.c.
 *
 * One request per connection: the client writes one JSON object, such as
 *	{"cmd":"status"}  {"cmd":"up","name":"x"}  {"cmd":"down","name":"x"}
 *	{"cmd":"reload"}
 * then shuts down its write side; the daemon answers one JSON object,
 * {"ok":true,...} or {"ok":false,"error":"text"}, followed by a newline,
 * and closes. The daemon never blocks on a client: a request is read
 * without blocking, up to IKE_CTL_MAX_REQUEST bytes, within
 * IKE_CTL_TIMEOUT_MS of the connection, or refused; at most
 * IKE_CTL_MAX_CLIENTS are served at once.
 */
#ifndef IKE_CTL_H
#define IKE_CTL_H

#include <stddef.h>
#include <jansson.h>

#define IKE_CTL_NAME "nfesp-ipsecctl-ike"
#define IKE_CTL_MAX_REQUEST 16384
#define IKE_CTL_TIMEOUT_MS 5000
#define IKE_CTL_MAX_CLIENTS 32

/*
 * Handles one request: req is a JSON object with a "cmd" string (checked
 * before the call). Returns a new reference, the answer: a JSON object
 * with "ok". NULL answers {"ok":false,"error":"internal error"}. It may
 * call ike_loop_stop() but not ike_ctl_close().
 */
typedef json_t *(*ike_ctl_fn)(const json_t *req, void *arg);

/*
 * Binds the socket and registers it with the loop. 0 or -errno:
 * -EADDRINUSE, after logging that another daemon runs in this namespace;
 * -EALREADY if already open.
 */
int ike_ctl_open(ike_ctl_fn fn, void *arg);
/* Closes the socket and every connection. */
void ike_ctl_close(void);
/* The time a client has from connecting to its last byte (tests). */
void ike_ctl_set_timeout(unsigned int ms);

/*
 * Client side: sends req to the daemon of this network namespace and
 * waits up to timeout_ms (0: without limit) for the answer. 0 and *resp
 * (json_decref() it), whatever its "ok"; -1 after printing a clear error
 * to stderr, such as that no daemon is running.
 */
int ike_ctl_call(const json_t *req, json_t **resp, int timeout_ms);

#endif /* IKE_CTL_H */
