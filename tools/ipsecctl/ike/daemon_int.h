/* SPDX-License-Identifier: GPL-2.0-only */
/* What the IKE exchanges ask of the daemon around them (daemon.c). */
#ifndef IKE_DAEMON_INT_H
#define IKE_DAEMON_INT_H

#include <stdbool.h>
#include "conf.h"

struct ike_child;

struct daemon_opts {
	unsigned int cookie_threshold;	/* half-open IKE SAs before COOKIEs */
	bool force_natt;		/* move to 4500 even without NAT */
	const char *export_keys;
	unsigned int fragment_size;	/* largest IP packet of an IKE fragment */
};

extern struct daemon_opts daemon_opts;
/*
 * SIGTERM came: the Deletes are out. No new exchange is answered, or a peer
 * that brings its side straight back up (Libreswan's "must remain up")
 * would be left with SAs the exiting daemon never deletes.
 */
extern bool daemon_terminating;
extern struct ike_config daemon_cfg;

/* The rule for an IKE_SA_INIT from remote to local, or NULL. */
struct ike_conn *daemon_conn_for(const struct addr *local, const struct addr *remote);
/* A child SA is up: policies for rules that install them per child. */
void daemon_child_up(struct ike_child *c);
/* An IKE SA died: a passive rule without SAs loses its policies. */
struct ike_sa;
void daemon_sa_gone(struct ike_sa *sa);
/*
 * The peer deleted the IKE SA on purpose: an "active" rule is not brought
 * back up at once (that would fight the peer's operator); traffic or
 * "ipsecctl up" starts it again. A peer that vanished (no answer) is
 * another matter: the rule comes back up.
 */
void daemon_peer_deleted(struct ike_sa *sa);

#endif /* IKE_DAEMON_INT_H */
