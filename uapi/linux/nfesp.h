/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) */
/*
 * nfesp: IPsec ESP in a netfilter-hooked module, controlled over generic netlink.
 *
 * Documentation
 * =============
 *
 * The generic netlink family is "nfesp" (NFESP_GENL_NAME), version
 * NFESP_GENL_VERSION. Every command needs CAP_NET_ADMIN in the user namespace
 * that owns the network namespace of the socket, and acts on that network
 * namespace only. Each namespace has its own SAD (security association
 * database) and SPD (security policy database); nothing is shared.
 *
 * Every request carries its objects nested in one top-level attribute:
 * NFESP_A_SA for SA commands, NFESP_A_POLICY for policy commands. Validation
 * is strict: unknown attributes, wrong lengths, unknown flag bits and values
 * out of range are rejected with EINVAL (or ERANGE) and an extended ack
 * message naming the attribute.
 *
 * Addresses (NFESP_SA_A_SRC, _DST, NFESP_POL_A_SRC, _DST, _LOCAL, _PEER) are
 * binary, in network byte order: 4 bytes for IPv4, 16 for IPv6. The family of
 * an object follows from the length. SPIs are NLA_BE32 in network byte
 * order. Every other integer is in host byte order.
 *
 * Keys are write-only. They are given to NFESP_CMD_SA_NEW, handed to the
 * kernel crypto API and wiped; no reply, dump or event ever contains them.
 *
 * NFESP_CMD_SA_NEW
 * ----------------
 * Adds an SA. Returns EEXIST if an SA with the same (SPI, destination,
 * protocol) exists, unless it is one reserved by NFESP_CMD_SPI_ALLOC, which
 * the new SA then replaces. Takes NFESP_A_SA with:
 *
 *    NFESP_SA_A_SPI: NLA_BE32, required, not 0
 *    NFESP_SA_A_SRC: outer source address, required
 *    NFESP_SA_A_DST: outer destination address, required, same family as SRC
 *    NFESP_SA_A_PROTO: NLA_U8, IPPROTO_ESP (the default); nothing else yet
 *    NFESP_SA_A_MODE: NLA_U8, enum nfesp_mode, default NFESP_MODE_TUNNEL
 *    NFESP_SA_A_REQID: NLA_U32, binds the SA to protect policies, default 0
 *    NFESP_SA_A_ENC_ALG: NLA_U16, enum nfesp_enc_alg, required
 *    NFESP_SA_A_ENC_KEY: NLA_BINARY, the key; for AEADs the key followed by
 *                        the 4-byte salt, as RFC 4106 and RFC 7634 define
 *                        the keying material. Absent for NFESP_ENC_NULL.
 *    NFESP_SA_A_AUTH_ALG: NLA_U16, enum nfesp_auth_alg; required with
 *                         NFESP_ENC_AES_CBC and NFESP_ENC_NULL, refused
 *                         with AEADs
 *    NFESP_SA_A_AUTH_KEY: NLA_BINARY, the HMAC key, exactly the hash size
 *    NFESP_SA_A_FLAGS: NLA_U32, NFESP_SA_F_* bits; unknown bits are refused.
 *        NFESP_SA_F_ESN: 64-bit extended sequence numbers.
 *        NFESP_SA_F_FOLLOW_PEER: only with NFESP_SA_A_ENCAP; see "NAT
 *        mappings" below.
 *    NFESP_SA_A_REPLAY_WINDOW: NLA_U32, 0 (no replay check) to
 *                              NFESP_REPLAY_WINDOW_MAX packets; default 64
 *    NFESP_SA_A_ENCAP: NLA_NESTED, UDP encapsulation (RFC 3948)
 *        NFESP_ENCAP_A_SPORT: NLA_U16, source port, not 0
 *        NFESP_ENCAP_A_DPORT: NLA_U16, destination port, not 0
 *    NFESP_SA_A_LIFETIME_SOFT, NFESP_SA_A_LIFETIME_HARD: NLA_NESTED
 *        NFESP_LT_A_BYTES, NFESP_LT_A_PACKETS, NFESP_LT_A_SECONDS: NLA_U64;
 *        0 or absent means no limit. A soft limit must be below its hard
 *        limit.
 *    NFESP_SA_A_CRYPTO_DRIVER: NLA_NUL_STRING, optional name of the crypto
 *        driver to use, e.g. "cryptd(rfc4106-gcm-aesni)". It must implement
 *        the algorithm the SA asks for; this exists for testing the
 *        asynchronous crypto path. A name can instantiate any crypto
 *        template (with module autoload), so it needs CAP_NET_ADMIN in the
 *        initial user namespace, not only over the network namespace:
 *        EPERM otherwise.
 *    NFESP_SA_A_OWNER: NLA_U64, an opaque label the kernel keeps and
 *        returns and never interprets, so that an IKE daemon can find its
 *        own SAs again after a restart; 0 (the default) means none and is
 *        not reported.
 *    NFESP_SA_A_SELECTOR: NLA_NESTED, optional: the traffic the SA was
 *        negotiated for (RFC 4301 section 4.4.2, XFRM's x->sel), in the
 *        direction the SA carries it: for an inbound SA the source is the
 *        peer's side. It holds the selector attributes of a policy, with
 *        their meaning and defaults, and nothing else (no direction):
 *            NFESP_POL_A_SRC, NFESP_POL_A_DST: required, of one family,
 *                which may differ from the SA's in tunnel mode
 *            NFESP_POL_A_SRC_PREFIXLEN, NFESP_POL_A_DST_PREFIXLEN
 *            NFESP_POL_A_PROTO
 *            NFESP_POL_A_SPORT_MIN, _SPORT_MAX, _DPORT_MIN, _DPORT_MAX
 *        One selector per SA: an IKE daemon whose traffic selector lists
 *        hold several entries installs one that covers them all (ipsecctl
 *        does). It never changes, and a
 *        dump returns it as given (with the defaults filled in). Without
 *        one, the SA admits whatever its policy does.
 *
 * Inbound, a decrypted packet is accepted only if all of these hold, and
 * is otherwise dropped and counted in NFESP_STATS_A_IN_POLICY and the SA's
 * NFESP_SA_STATS_A_ERRORS:
 *
 *    - it lies within the SA's NFESP_SA_A_SELECTOR, if the SA has one (in
 *      tunnel mode the inner packet, in transport mode the packet itself);
 *    - the first inbound policy it matches protects it with the SA's reqid
 *      and mode;
 *    - tunnel mode: the SA's outer source and destination are the policy's
 *      NFESP_POL_A_PEER and NFESP_POL_A_LOCAL;
 *    - transport mode: the packet came from the SA's source address (its
 *      current one, for an SA that follows a NAT mapping): an SA is found
 *      by (SPI, destination) alone.
 *
 * An ICMP error passes the first two checks if either its own addresses
 * or the flow it quotes, reversed, do (see below). A reqid is then no
 * longer the only thing that binds an SA to its traffic: two peers may
 * share one, and neither can send the other's.
 *
 * NFESP_CMD_SA_DEL
 * ----------------
 * Deletes the SA identified by NFESP_SA_A_SPI, NFESP_SA_A_DST and
 * NFESP_SA_A_PROTO (default ESP) in NFESP_A_SA. ENOENT if there is none.
 *
 * NFESP_CMD_SA_SET
 * ----------------
 * Moves an existing SA to new outer addresses or UDP ports, without making
 * a new one: its keys, sequence number, replay window, counters, lifetimes
 * and index stay. The SA is identified as for NFESP_CMD_SA_DEL (ENOENT if
 * there is none; EINVAL for a reserved SPI). NFESP_A_SA holds, besides
 * NFESP_SA_A_SPI, _DST and _PROTO, at least one of:
 *
 *    NFESP_SA_A_SRC: the new outer source address, of the SA's family: for
 *        an inbound SA the peer, for an outbound SA this host's address.
 *    NFESP_SA_A_ENCAP: new ports, NFESP_ENCAP_A_SPORT and/or _DPORT (a port
 *        left out stays). Only for an SA created with NFESP_SA_A_ENCAP:
 *        encapsulation is neither added nor removed.
 *
 * Everything else is refused with EINVAL and an extack naming the
 * attribute. In particular the destination cannot change: it is part of
 * the SA's identity (SPI, destination, protocol), and for an outbound SA
 * also what protect policies find it by (their NFESP_POL_A_PEER). A NAT
 * that rebinds keeps its public address and changes the port, which this
 * command follows; a peer at a new public address needs a new SA and
 * policy. Packets in flight use either the old or the new endpoint, never
 * a mix. The change is multicast as NFESP_CMD_SA_SET with NFESP_A_SA as in
 * a dump, after the change.
 *
 * NFESP_CMD_SA_GET
 * ----------------
 * Without NLM_F_DUMP: the SA identified as for NFESP_CMD_SA_DEL. With
 * NLM_F_DUMP: all SAs, in the order they were added, including reserved
 * SPIs (flag NFESP_SA_F_LARVAL). Dumps are resumable and consistent: if the
 * SAD changes while a dump is in progress, the message that follows the change
 * carries NLM_F_DUMP_INTR and the dump should be restarted.
 * Each reply message carries one NFESP_A_SA with every attribute given at
 * NFESP_CMD_SA_NEW except the keys, plus:
 *
 *    NFESP_SA_A_INDEX: NLA_U32, the SA's index in this namespace
 *    NFESP_SA_A_ADD_TIME: NLA_U64, seconds since boot when it was added
 *    NFESP_SA_A_ENC_KEY_LEN: NLA_U16, the length of NFESP_SA_A_ENC_KEY as
 *                            given, so that the algorithm can be named
 *    NFESP_SA_A_STATS: NLA_NESTED, NFESP_SA_STATS_A_* NLA_U64 counters
 *    NFESP_SA_A_USE_TIME: NLA_U64, seconds since boot when the SA last
 *        carried a packet, in (authenticated) or out; absent if it never
 *        did. For dead peer detection; kept to the jiffy, reported to the
 *        second.
 *
 * NFESP_CMD_SA_FLUSH
 * ------------------
 * Deletes every SA of the namespace, reserved SPIs included.
 *
 * NFESP_CMD_SPI_ALLOC
 * -------------------
 * Reserves a random unused SPI for an inbound SA that IKE is negotiating.
 * NFESP_A_SA holds NFESP_SA_A_DST (required), NFESP_SA_A_SRC (optional), and
 * optionally NFESP_SA_A_SPI_MIN and NFESP_SA_A_SPI_MAX (NLA_U32, host order,
 * inclusive, default 0x100 to 0xffffffff). The reply is like one of
 * NFESP_CMD_SA_GET with NFESP_SA_A_SPI set. The reservation is dropped after
 * NFESP_SPI_RESERVE_SECONDS unless NFESP_CMD_SA_NEW fills it. ENOSPC if
 * no SPI in the range is free after a bounded number of random tries.
 *
 * NFESP_CMD_POLICY_NEW
 * --------------------
 * Adds a policy to the SPD. Policies are matched in ascending order of
 * NFESP_POL_A_PRIORITY, then in the order they were added; the first match
 * wins. EEXIST if a policy with the same direction and selector exists.
 * The reply carries NFESP_POL_A_ID, the policy's identifier. NFESP_A_POLICY
 * holds:
 *
 *    NFESP_POL_A_DIR: NLA_U8, enum nfesp_dir, required
 *    NFESP_POL_A_ACTION: NLA_U8, enum nfesp_action, required
 *    NFESP_POL_A_PRIORITY: NLA_U32, default NFESP_PRIORITY_DEFAULT
 *    NFESP_POL_A_SRC, NFESP_POL_A_DST: selector addresses, required, of one
 *                                      family
 *    NFESP_POL_A_SRC_PREFIXLEN, NFESP_POL_A_DST_PREFIXLEN: NLA_U8, up to 32
 *        or 128; default: the full length. Host bits must be zero.
 *    NFESP_POL_A_PROTO: NLA_U8, IP protocol, 0 (the default) for any
 *    NFESP_POL_A_SPORT_MIN, _SPORT_MAX, _DPORT_MIN, _DPORT_MAX: NLA_U16,
 *        inclusive port ranges, only with TCP, UDP, SCTP or UDP-Lite;
 *        default 0 to 65535. A MIN alone means that single port.
 *    With NFESP_ACTION_PROTECT only:
 *    NFESP_POL_A_MODE: NLA_U8, enum nfesp_mode, default NFESP_MODE_TUNNEL
 *    NFESP_POL_A_LOCAL, NFESP_POL_A_PEER: this host's and the remote tunnel
 *        endpoint, required in tunnel mode, of one family (which may differ
 *        from the selector's)
 *    NFESP_POL_A_REQID: NLA_U32, the SAs this policy uses, default 0
 *    NFESP_POL_A_FLAGS: NLA_U32, NFESP_POL_F_* bits; unknown bits are
 *        refused. IKE's own packets, to and from this host, are never
 *        protected: a UDP packet to or from port 500, or port 4500 that
 *        starts with the non-ESP marker (four zero bytes) or is a NAT
 *        keepalive, sent by this host (not forwarded, at POST_ROUTING) or
 *        received for it (LOCAL_IN), that first matches a protect policy
 *        goes on in clear instead, so that even a catch-all protect policy
 *        leaves IKE able to negotiate the SAs it asks for. Forwarded IKE of
 *        other hosts is matched as any packet. NFESP_POL_F_MATCH_IKE turns
 *        this off for one policy: it protects IKE too (and holds it and
 *        raises ACQUIRE without an SA). Bypass and discard policies always
 *        apply to IKE.
 *    With any action:
 *    NFESP_POL_A_OWNER: NLA_U64, an opaque label as NFESP_SA_A_OWNER: kept,
 *        returned in dumps, replies and events, never interpreted; 0 (the
 *        default) means none and is not reported. Not part of the policy's
 *        identity (two policies may not differ by their owner alone).
 *
 * NFESP_CMD_POLICY_DEL
 * --------------------
 * Deletes one policy, identified either by NFESP_POL_A_ID alone or by its
 * direction and selector (the same attributes as NFESP_CMD_POLICY_NEW).
 *
 * NFESP_CMD_POLICY_REPLACE
 * ------------------------
 * Replaces one policy atomically: every packet is matched against either
 * the old policy or the new one, never against an SPD with neither, so a
 * protect policy can change without a moment in which its traffic leaves
 * in clear (as it would between NFESP_CMD_POLICY_DEL and _NEW). NFESP_A_POLICY
 * holds the new policy, with the attributes of NFESP_CMD_POLICY_NEW, and
 * names the policy to replace either by NFESP_POL_A_ID or, without it, by
 * the new policy's direction and selector. With NFESP_POL_A_ID the selector
 * may change (EEXIST if another policy has the new one); the direction may
 * not (EINVAL). ENOENT if there is no such policy. The policy keeps its id
 * and its counters, and its place in the match order if its priority stays;
 * with a new priority it comes after the policies of that priority, as if
 * added. Packets it held for an ACQUIRE are dropped (NFESP_STATS_A_OUT_NO_SA)
 * and the new policy raises a new one. The reply and the event (multicast as
 * NFESP_CMD_POLICY_REPLACE) carry the new policy as NFESP_CMD_POLICY_GET.
 *
 * NFESP_CMD_POLICY_GET
 * --------------------
 * NLM_F_DUMP only: every policy in match order, each reply message with one
 * NFESP_A_POLICY holding the attributes above plus NFESP_POL_A_ID and
 * NFESP_POL_A_STATS (NFESP_POL_STATS_A_* NLA_U64 counters). Consistent and
 * resumable as for SAs.
 *
 * NFESP_CMD_POLICY_FLUSH
 * ----------------------
 * Deletes every policy of the namespace.
 *
 * NFESP_CMD_STATS_GET
 * -------------------
 * Replies with NFESP_A_STATS: NLA_NESTED of NFESP_STATS_A_* NLA_U64
 * counters for the namespace, one for each reason a packet was dropped, plus
 * NFESP_STATS_A_SA_COUNT and NFESP_STATS_A_POLICY_COUNT.
 *
 * NFESP_STATS_A_IN_NO_SA counts ESP for this host (bare, or in UDP to port
 * 4500 with a non-zero SPI) for an SPI nfesp has no SA for. It is not
 * dropped but left to the rest of the stack, so that SAs of the kernel's
 * XFRM stack in the same namespace keep working; XFRM decrypts it, or drops
 * it and counts XfrmInNoStates, and UDP goes to its socket. It is counted
 * whether or not XFRM has an SA for it: nfesp does not look into XFRM's SAD.
 * ESP for an SA nfesp has but can no longer use (hard expired) is dropped
 * and counted here too.
 *
 * NAT keepalives (RFC 3948 section 2.3: a UDP datagram to port 4500 whose
 * payload is the single byte 0xFF) for this host are dropped and counted in
 * NFESP_STATS_A_IN_NATT_KEEPALIVE before any policy or socket sees them,
 * whether or not a socket listens on 4500, as long as the namespace has
 * policies (nfesp's hooks are off in a namespace without). Their UDP
 * checksum is not verified: they carry nothing.
 *
 * A packet whose protocol or ports nfesp cannot read (a non-first fragment
 * that escaped reassembly, a transport header cut short, IPv6 extension
 * headers that cannot be walked) matches policies as if the unreadable
 * field matched every selector. If the first policy it so matches selects
 * on that field, the packet cannot be classified: it is dropped and counted
 * in NFESP_STATS_A_OUT_UNCLASSIFIED or NFESP_STATS_A_IN_UNCLASSIFIED, never
 * sent or accepted in clear. IPv6 No Next Header (59) is a protocol like
 * any other. A packet whose IP header cannot be read is dropped and counted
 * there too.
 *
 * An ICMP or ICMPv6 error (destination unreachable, packet too big, time
 * exceeded, parameter problem) belongs to the flow of the packet it quotes,
 * reversed (RFC 4301 section 6.2). Sent by or through this host, it is
 * looked up that way first: if that flow is protected, the error is sent in
 * that flow's SA whatever its own addresses (counted in
 * NFESP_STATS_A_OUT_ICMP_TUNNELLED; dropped and counted in
 * NFESP_STATS_A_OUT_NO_SA if there is none: an error raises no ACQUIRE);
 * if that flow is discarded, so is the error. Received in an SA, an error
 * is accepted if its own addresses or its quoted flow, reversed, fall within
 * the SA's selector and policy. Received in clear, an error about a protected flow is
 * dropped as cleartext that should have been protected.
 *
 * A dummy packet (RFC 4303 section 2.6: next header 59, traffic flow
 * confidentiality padding) is, once its ICV verified and the replay window
 * advanced, silently discarded, in either mode, and counted in
 * NFESP_STATS_A_IN_DUMMY; it is not an error and counts in no SA counter
 * but the replay window.
 *
 * Tunnel mode decapsulation follows RFC 6040 section 4.2: an outer CE
 * marks an ECT(0) or ECT(1) inner packet CE, an outer ECT(1) makes an
 * ECT(0) inner packet ECT(1), and an outer CE over a Not-ECT inner packet,
 * a congestion mark the receiver could not see, is dropped and counted in
 * NFESP_STATS_A_IN_ECN.
 *
 * Events
 * ------
 * The multicast group NFESP_GENL_MCGRP_EVENTS ("events") needs the same
 * CAP_NET_ADMIN to join. It carries:
 *
 *    NFESP_CMD_SA_NEW, NFESP_CMD_SA_DEL: an SA was added or removed, with
 *        NFESP_A_SA as in a dump (no keys); NFESP_CMD_SA_FLUSH and
 *        NFESP_CMD_POLICY_FLUSH with no attributes.
 *    NFESP_CMD_POLICY_NEW, NFESP_CMD_POLICY_DEL, NFESP_CMD_POLICY_REPLACE:
 *        likewise with NFESP_A_POLICY (for a replacement, the new policy).
 *    NFESP_CMD_ACQUIRE: a protect policy matched a packet and has no SA.
 *        NFESP_A_POLICY is the policy; NFESP_A_ACQUIRE holds the packet's
 *        addresses, protocol and ports (NFESP_POL_A_SRC, _DST, _PROTO,
 *        _SPORT_MIN, _DPORT_MIN).
 *    NFESP_CMD_EXPIRE: an SA reached a lifetime limit; NFESP_A_SA and
 *        NFESP_A_EXPIRE_HARD (NLA_FLAG) for a hard limit.
 *    NFESP_CMD_SA_SET: an SA was moved by NFESP_CMD_SA_SET; NFESP_A_SA as
 *        in a dump, after the change.
 *    NFESP_CMD_MAPPING: the peer of an SA moved behind a NAT; NFESP_A_SA
 *        as in a dump (after the SA followed, with NFESP_SA_F_FOLLOW_PEER),
 *        and NFESP_A_MAPPING: NLA_NESTED with
 *            NFESP_MAPPING_A_OLD_ADDR, NFESP_MAPPING_A_NEW_ADDR: binary, 4 or
 *                16 bytes, the SA's family
 *            NFESP_MAPPING_A_OLD_PORT, NFESP_MAPPING_A_NEW_PORT: NLA_U16
 *
 * NAT mappings
 * ------------
 * An SA with NFESP_SA_A_ENCAP records its peer: NFESP_SA_A_SRC and
 * NFESP_ENCAP_A_SPORT, for an inbound SA the address and port the peer's
 * packets come from. When ESP in UDP arrives for the SA from another
 * source address or UDP source port, and only once the packet is
 * authenticated (its ICV verified and the replay window advanced past it;
 * nothing is done for a packet that fails either), nfesp multicasts
 * NFESP_CMD_MAPPING with the recorded (old) and the packet's (new)
 * endpoint, as XFRM's km_new_mapping() does, so that IKE can move the
 * SAs that go the other way. Such events are limited to one per SA per new
 * endpoint (a new endpoint already reported is not reported again until
 * packets have come from the recorded one in between), and to one per SA
 * per second: a change within a second of the last report is reported
 * when a packet from it arrives after that second. The packet is accepted
 * in every case, as before.
 *
 * Without NFESP_SA_F_FOLLOW_PEER the SA keeps the peer it has. With it,
 * the SA's NFESP_SA_A_SRC and NFESP_ENCAP_A_SPORT become the new endpoint
 * when, and only when, the event is raised (whether or not anyone
 * listens): the SA never follows a change that IKE was not told of.
 * Outbound SAs are separate objects and never follow by themselves: the
 * IKE daemon moves them with NFESP_CMD_SA_SET (NFESP_ENCAP_A_DPORT). Bare
 * ESP (not in UDP) raises no event. The SA's NFESP_ENCAP_A_DPORT, this
 * host's port, is never changed by a packet.
 */

#ifndef _UAPI_LINUX_NFESP_H
#define _UAPI_LINUX_NFESP_H

#define NFESP_GENL_NAME "nfesp"
#define NFESP_GENL_VERSION 1
#define NFESP_GENL_MCGRP_EVENTS "events"

#define NFESP_REPLAY_WINDOW_MAX 4096
#define NFESP_REPLAY_WINDOW_DEFAULT 64
#define NFESP_PRIORITY_DEFAULT 1000
#define NFESP_SPI_RESERVE_SECONDS 60
#define NFESP_CRYPTO_DRIVER_MAX 128

enum nfesp_cmd {
	NFESP_CMD_UNSPEC,
	NFESP_CMD_SA_NEW,
	NFESP_CMD_SA_DEL,
	NFESP_CMD_SA_GET,
	NFESP_CMD_SA_FLUSH,
	NFESP_CMD_SPI_ALLOC,
	NFESP_CMD_POLICY_NEW,
	NFESP_CMD_POLICY_DEL,
	NFESP_CMD_POLICY_GET,
	NFESP_CMD_POLICY_FLUSH,
	NFESP_CMD_STATS_GET,
	NFESP_CMD_ACQUIRE,
	NFESP_CMD_EXPIRE,
	NFESP_CMD_SA_SET,
	NFESP_CMD_MAPPING,
	NFESP_CMD_POLICY_REPLACE,
	__NFESP_CMD_MAX
};
#define NFESP_CMD_MAX (__NFESP_CMD_MAX - 1)

enum nfesp_attr {
	NFESP_A_UNSPEC,
	NFESP_A_SA,
	NFESP_A_POLICY,
	NFESP_A_STATS,
	NFESP_A_ACQUIRE,
	NFESP_A_EXPIRE_HARD,
	NFESP_A_MAPPING,
	__NFESP_A_MAX
};
#define NFESP_A_MAX (__NFESP_A_MAX - 1)

enum nfesp_mode {
	NFESP_MODE_TUNNEL,
	NFESP_MODE_TRANSPORT,
	__NFESP_MODE_MAX
};
#define NFESP_MODE_MAX (__NFESP_MODE_MAX - 1)

/* Encryption transforms, numbered as the IKEv2 registry (RFC 7296, 3.3.2). */
enum nfesp_enc_alg {
	/* With an NFESP_AUTH_*; a 16, 24 or 32-byte key (RFC 3602). */
	NFESP_ENC_AES_CBC = 12,
	NFESP_ENC_NULL = 11,		/* with an NFESP_AUTH_*; no key */
	NFESP_ENC_AES_GCM_16 = 20,	/* rfc4106(gcm(aes)); 20, 28 or 36 bytes */
	NFESP_ENC_CHACHA20_POLY1305 = 28, /* rfc7539esp; 36 bytes */
};

/* Integrity transforms, numbered as the IKEv2 registry (RFC 4868). */
enum nfesp_auth_alg {
	NFESP_AUTH_HMAC_SHA2_256_128 = 12,	/* 32-byte key */
	NFESP_AUTH_HMAC_SHA2_384_192 = 13,	/* 48-byte key */
	NFESP_AUTH_HMAC_SHA2_512_256 = 14,	/* 64-byte key */
	/*
	 * 20-byte key, 12-byte ICV (RFC 2404): for IKEv1 peers that offer
	 * nothing stronger. Added last; the registry's number.
	 */
	NFESP_AUTH_HMAC_SHA1_96 = 2,
};

enum nfesp_sa_flags {
	NFESP_SA_F_ESN = 1U << 0,	/* 64-bit extended sequence numbers */
	NFESP_SA_F_LARVAL = 1U << 1,	/* reserved SPI; reported, never set */
	NFESP_SA_F_EXPIRED_SOFT = 1U << 2, /* reported, never set */
	NFESP_SA_F_FOLLOW_PEER = 1U << 3, /* UDP encap: move with the NAT */
	__NFESP_SA_F_ALL = NFESP_SA_F_ESN | NFESP_SA_F_FOLLOW_PEER
};

enum nfesp_sa_attr {
	NFESP_SA_A_UNSPEC,
	NFESP_SA_A_SPI,
	NFESP_SA_A_SRC,
	NFESP_SA_A_DST,
	NFESP_SA_A_PROTO,
	NFESP_SA_A_MODE,
	NFESP_SA_A_REQID,
	NFESP_SA_A_ENC_ALG,
	NFESP_SA_A_ENC_KEY,
	NFESP_SA_A_AUTH_ALG,
	NFESP_SA_A_AUTH_KEY,
	NFESP_SA_A_FLAGS,
	NFESP_SA_A_REPLAY_WINDOW,
	NFESP_SA_A_ENCAP,
	NFESP_SA_A_LIFETIME_SOFT,
	NFESP_SA_A_LIFETIME_HARD,
	NFESP_SA_A_CRYPTO_DRIVER,
	NFESP_SA_A_SPI_MIN,
	NFESP_SA_A_SPI_MAX,
	NFESP_SA_A_INDEX,
	NFESP_SA_A_ADD_TIME,
	NFESP_SA_A_STATS,
	NFESP_SA_A_PAD,
	NFESP_SA_A_ENC_KEY_LEN,
	NFESP_SA_A_OWNER,
	NFESP_SA_A_USE_TIME,
	NFESP_SA_A_SELECTOR,		/* nested NFESP_POL_A_* selector */
	__NFESP_SA_A_MAX
};
#define NFESP_SA_A_MAX (__NFESP_SA_A_MAX - 1)

enum nfesp_encap_attr {
	NFESP_ENCAP_A_UNSPEC,
	NFESP_ENCAP_A_SPORT,
	NFESP_ENCAP_A_DPORT,
	__NFESP_ENCAP_A_MAX
};
#define NFESP_ENCAP_A_MAX (__NFESP_ENCAP_A_MAX - 1)

/* NFESP_A_MAPPING of a NFESP_CMD_MAPPING event. */
enum nfesp_mapping_attr {
	NFESP_MAPPING_A_UNSPEC,
	NFESP_MAPPING_A_OLD_ADDR,	/* binary, 4 or 16 bytes */
	NFESP_MAPPING_A_OLD_PORT,	/* NLA_U16 */
	NFESP_MAPPING_A_NEW_ADDR,
	NFESP_MAPPING_A_NEW_PORT,
	__NFESP_MAPPING_A_MAX
};
#define NFESP_MAPPING_A_MAX (__NFESP_MAPPING_A_MAX - 1)

enum nfesp_lifetime_attr {
	NFESP_LT_A_UNSPEC,
	NFESP_LT_A_BYTES,
	NFESP_LT_A_PACKETS,
	NFESP_LT_A_SECONDS,
	NFESP_LT_A_PAD,
	__NFESP_LT_A_MAX
};
#define NFESP_LT_A_MAX (__NFESP_LT_A_MAX - 1)

enum nfesp_sa_stats_attr {
	NFESP_SA_STATS_A_UNSPEC,
	NFESP_SA_STATS_A_RX_PACKETS,
	NFESP_SA_STATS_A_RX_BYTES,
	NFESP_SA_STATS_A_TX_PACKETS,
	NFESP_SA_STATS_A_TX_BYTES,
	NFESP_SA_STATS_A_REPLAY,
	NFESP_SA_STATS_A_AUTH_FAIL,
	NFESP_SA_STATS_A_ERRORS,
	NFESP_SA_STATS_A_PAD,
	__NFESP_SA_STATS_A_MAX
};
#define NFESP_SA_STATS_A_MAX (__NFESP_SA_STATS_A_MAX - 1)

enum nfesp_dir {
	NFESP_DIR_OUT,
	NFESP_DIR_IN,
	__NFESP_DIR_MAX
};
#define NFESP_DIR_MAX (__NFESP_DIR_MAX - 1)

enum nfesp_action {
	NFESP_ACTION_PROTECT,
	NFESP_ACTION_BYPASS,
	NFESP_ACTION_DISCARD,
	__NFESP_ACTION_MAX
};
#define NFESP_ACTION_MAX (__NFESP_ACTION_MAX - 1)

enum nfesp_policy_flags {
	NFESP_POL_F_MATCH_IKE = 1U << 0,	/* applies to this host's IKE too */
	__NFESP_POL_F_ALL = NFESP_POL_F_MATCH_IKE
};

enum nfesp_policy_attr {
	NFESP_POL_A_UNSPEC,
	NFESP_POL_A_ID,
	NFESP_POL_A_DIR,
	NFESP_POL_A_ACTION,
	NFESP_POL_A_PRIORITY,
	NFESP_POL_A_SRC,
	NFESP_POL_A_DST,
	NFESP_POL_A_SRC_PREFIXLEN,
	NFESP_POL_A_DST_PREFIXLEN,
	NFESP_POL_A_PROTO,
	NFESP_POL_A_SPORT_MIN,
	NFESP_POL_A_SPORT_MAX,
	NFESP_POL_A_DPORT_MIN,
	NFESP_POL_A_DPORT_MAX,
	NFESP_POL_A_MODE,
	NFESP_POL_A_LOCAL,
	NFESP_POL_A_PEER,
	NFESP_POL_A_REQID,
	NFESP_POL_A_STATS,
	NFESP_POL_A_PAD,
	NFESP_POL_A_OWNER,
	NFESP_POL_A_FLAGS,
	__NFESP_POL_A_MAX
};
#define NFESP_POL_A_MAX (__NFESP_POL_A_MAX - 1)

enum nfesp_policy_stats_attr {
	NFESP_POL_STATS_A_UNSPEC,
	NFESP_POL_STATS_A_PACKETS,
	NFESP_POL_STATS_A_BYTES,
	NFESP_POL_STATS_A_PAD,
	__NFESP_POL_STATS_A_MAX
};
#define NFESP_POL_STATS_A_MAX (__NFESP_POL_STATS_A_MAX - 1)

/* Namespace-wide counters; each NLA_U64. */
enum nfesp_stats_attr {
	NFESP_STATS_A_UNSPEC,
	NFESP_STATS_A_SA_COUNT,
	NFESP_STATS_A_POLICY_COUNT,
	NFESP_STATS_A_IN_NO_SA,		/* not a drop: see the head comment */
	NFESP_STATS_A_IN_MALFORMED,	/* truncated, bad length or padding */
	NFESP_STATS_A_IN_REPLAY,	/* replayed or behind the window */
	NFESP_STATS_A_IN_AUTH_FAIL,	/* ICV did not verify */
	NFESP_STATS_A_IN_POLICY,	/* did not match the SA's policy */
	NFESP_STATS_A_IN_CLEAR_PROTECTED, /* plaintext matching protect */
	NFESP_STATS_A_IN_DISCARD,	/* matched an inbound discard */
	NFESP_STATS_A_OUT_DISCARD,	/* matched an outbound discard */
	NFESP_STATS_A_OUT_NO_SA,	/* protect with no SA, queue full */
	NFESP_STATS_A_OUT_ACQUIRE_TIMEOUT, /* held packets dropped by timeout */
	NFESP_STATS_A_OUT_SEQ_OVERFLOW,	/* SA out of sequence numbers */
	NFESP_STATS_A_CRYPTO_ERROR,	/* the crypto API failed */
	NFESP_STATS_A_NOMEM,		/* allocation failed */
	NFESP_STATS_A_PAD,
	NFESP_STATS_A_OUT_NO_ROUTE,	/* no route to the tunnel peer */
	NFESP_STATS_A_OUT_MALFORMED,	/* outbound packet nfesp cannot parse */
	NFESP_STATS_A_CRYPTO_BUSY,	/* too many packets in crypto already */
	NFESP_STATS_A_OUT_TOO_BIG,	/* would exceed 64 KiB once wrapped */
	NFESP_STATS_A_CRYPTO_QUEUED,	/* not a drop: crypto done on another CPU */
	NFESP_STATS_A_HELD,		/* gauge: packets held for acquires now */
	NFESP_STATS_A_INFLIGHT,		/* gauge: packets in crypto now */
	NFESP_STATS_A_ACQUIRES,		/* ACQUIRE events raised */
	NFESP_STATS_A_ACQUIRE_LOST,	/* ...that no listener received */
	NFESP_STATS_A_IN_NATT_KEEPALIVE, /* NAT keepalives (RFC 3948) dropped */
	NFESP_STATS_A_OUT_UNCLASSIFIED,	/* policy depends on an unreadable field */
	NFESP_STATS_A_IN_UNCLASSIFIED,	/* likewise, inbound */
	NFESP_STATS_A_OUT_ICMP_TUNNELLED, /* not a drop: ICMP error sent in an SA */
	NFESP_STATS_A_IN_DUMMY,		/* not an error: dummy packets (NH 59) */
	NFESP_STATS_A_IN_ECN,		/* outer CE over a Not-ECT inner packet */
	NFESP_STATS_A_OUT_HELD_DEV_GONE, /* held packets whose device went away */
	__NFESP_STATS_A_MAX
};
#define NFESP_STATS_A_MAX (__NFESP_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_NFESP_H */
