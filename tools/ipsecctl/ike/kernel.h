/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IKE daemon's one bridge to the nfesp module (uapi/linux/nfesp.h).
 *
 * Requests are blocking, on ipsecctl's request socket (nl.c's
 * nfesp_connect()). Events (ACQUIRE, EXPIRE, MAPPING, SA deletions) come on
 * a second, non-blocking socket joined to the "events" group, whose fd the
 * daemon's event loop watches: when it is readable, kb_dispatch() reads
 * every pending event and hands each to a callback.
 *
 * Nothing here prints to stdout. A failed call returns -errno and keeps the
 * reason, the kernel's extended ack where it gave one or else strerror(),
 * for kb_last_error(). (A reply the kernel should never send, malformed,
 * is also reported by nl.c's error(), on stderr.)
 *
 * Not thread-safe: one thread calls all of this. Callbacks of kb_dispatch()
 * may make requests (kb_sa_add() and the like), not kb_close().
 */
#ifndef IKE_KERNEL_H
#define IKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../ipsecctl.h"	/* struct sa, struct policy, struct addr */

/*
 * Owner labels (NFESP_SA_A_OWNER, NFESP_POL_A_OWNER): every SA and policy
 * the daemon installs carries IKE_OWNER_BASE | (connection id & 0xffffffff),
 * so that a restarted daemon finds what it left: kb_list_owned_*(),
 * kb_flush_owned() with IKE_OWNER_MASK and IKE_OWNER_BASE.
 *
 * The top 16 bits are "KE" (0x4b45), the daemon's tag; bits 32 to 47 are 0
 * (reserved: a daemon instance or generation could go there); the low 32
 * bits are the connection id. ipsecctl's "owner N" by hand rarely sets the
 * top bits, so manual objects are not mistaken for the daemon's.
 */
#define IKE_OWNER_BASE 0x4b45000000000000ULL
#define IKE_OWNER_MASK 0xffff000000000000ULL
#define IKE_OWNER(conn_id) (IKE_OWNER_BASE | ((uint64_t)(conn_id) & 0xffffffffULL))

/* Request socket (nfesp_connect) and event socket; 0 or -errno. */
int kb_open(void);
void kb_close(void);
/* The event socket's fd, for epoll (EPOLLIN); -1 if not open. */
int kb_event_fd(void);

/* An outbound packet matched protect policy @pol and found no SA. */
struct kb_acquire {
	struct policy pol;
	struct addr src, dst;		/* the packet's addresses */
	uint8_t proto;			/* 0 if the kernel did not say */
	uint16_t sport, dport;		/* 0 unless TCP, UDP, SCTP, UDP-Lite */
};

/* @sa reached a soft (rekey) or hard (gone) lifetime limit. */
struct kb_expire {
	struct sa sa;
	bool hard;
};

/* The peer of inbound @sa moved behind a NAT (sa as after any follow). */
struct kb_mapping {
	struct sa sa;
	struct addr old_addr, new_addr;
	uint16_t old_port, new_port;
};

/*
 * Callbacks of kb_dispatch(); any may be NULL. The structures passed are
 * valid during the call only.
 */
struct kb_ops {
	void (*acquire)(void *ctx, const struct kb_acquire *a);
	void (*expire)(void *ctx, const struct kb_expire *e);
	void (*mapping)(void *ctx, const struct kb_mapping *m);
	/* Any SA removed: deleted, hard expired (after its expire), a
	 * reserved SPI that timed out (sa->flags has NFESP_SA_F_LARVAL). */
	void (*sa_deleted)(void *ctx, const struct sa *sa);
	/*
	 * The daemon's view may be stale, resync (kb_list_owned_*): the event
	 * socket lost events (ENOBUFS), or someone flushed every SA or every
	 * policy of the namespace (ipsecctl sa flush). Called once per
	 * kb_dispatch(), after the events that were still queued.
	 */
	void (*overrun)(void *ctx);
};

/*
 * Reads every pending event without blocking and calls @ops for each;
 * 0 or -errno if the event socket failed (then kb_close() and kb_open()).
 * SA and policy additions, and NFESP_CMD_SA_SET (kb_sa_set_encap's own
 * moves), are not delivered.
 */
int kb_dispatch(const struct kb_ops *ops, void *ctx);

/* Reserves an SPI for an inbound SA to @dst (from @src, may be NULL). */
int kb_spi_alloc(const struct addr *dst, const struct addr *src, uint32_t *spi);

/*
 * Adds @sa: SPI (host order), src, dst, mode, reqid, owner, enc with key,
 * auth with authkey (has_key, has_auth_key, lengths as the algorithm
 * wants), flags, replay window, encap ports, lifetimes, driver, and the
 * selector if sel.src.family is set (NFESP_SA_A_SELECTOR). A
 * replay_window of 0 means the default (NFESP_REPLAY_WINDOW_DEFAULT, 64),
 * not "no replay check", so that a zeroed struct sa is safe. Fills an SPI
 * reserved by kb_spi_alloc(). The request's copy of the keys is wiped;
 * @sa's are the caller's to wipe.
 */
int kb_sa_add(const struct sa *sa);
/* -ENOENT if there is no such SA. */
int kb_sa_del(uint32_t spi, const struct addr *dst);
/*
 * Moves an SA with UDP encapsulation to a new outer source (@src, NULL:
 * keep) and ports (0: keep); -EINVAL if nothing would change.
 */
int kb_sa_set_encap(uint32_t spi, const struct addr *dst, const struct addr *src,
		    uint16_t sport, uint16_t dport);
/* The SA as the kernel has it, keys absent; use_time and stats for DPD. */
int kb_sa_get(uint32_t spi, const struct addr *dst, struct sa *out);

/*
 * Adds @p, returns its id in @id. dir and action must be set; a port range
 * of 0-0 (a zeroed struct) means any port, as does 0-65535; priority only
 * if has_priority.
 */
int kb_policy_add(const struct policy *p, uint32_t *id);
/* -ENOENT if there is no such policy. */
int kb_policy_del(uint32_t id);

/*
 * Deletes every policy, then every SA, whose owner & @mask == @value (one
 * dump each, then deletes; a dump interrupted by a change restarts with a
 * fresh request). Objects gone meanwhile are not an error. Returns how many
 * were deleted, or -errno.
 */
int kb_flush_owned(uint64_t mask, uint64_t value);

/*
 * Every SA or policy whose owner & @mask == @value, for takeover after a
 * restart: a malloc'd array (NULL if none) of @n, SAs without keys; the
 * caller frees it. 0 or -errno. A dump that a change interrupts is asked
 * for again; if the SAD changes during each of 10 SA dumps, the last is
 * taken, which lists every SA that existed throughout it exactly once (SAs
 * added or deleted meanwhile may be missing or stale). Policy dumps are
 * always whole: -EAGAIN after 10 interrupted ones.
 */
int kb_list_owned_sas(uint64_t mask, uint64_t value, struct sa **out, size_t *n);
int kb_list_owned_policies(uint64_t mask, uint64_t value, struct policy **out, size_t *n);

/* Why the last failed call failed: the kernel's extack, or strerror. */
const char *kb_last_error(void);

/* Dumps restarted because a change interrupted them, since kb_open(). */
unsigned int kb_dump_restarts(void);

#endif /* IKE_KERNEL_H */
