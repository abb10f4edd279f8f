#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# ESP input fuzzer for esp_fuzz.sh: runs in namespace a (nfesp), injects
# Ethernet frames into a's veth from namespace b through an AF_PACKET socket,
# and checks nfesp's counters against a model of what each packet must do.
#
# The model is nfesp's input path (kmod/hooks.c, input.c, replay.c) and the
# IP layer in front of it, written again in Python: every frame sent is run
# through it, in the order sent, so the expected change of every counter is
# known exactly, per phase. Phases are runs of one class of packets (and a
# final random mix of all of them); after each, the counters of the
# namespace and of every SA, and the datagrams that reached the UDP sockets
# behind the tunnel (port 7777) and on port 4500 (IKE), must be what the
# model says. One KTAP line per phase: "ok - ..." or "not ok - ...".
#
# Standard library only. Usage (the namespaces and SAs as esp_fuzz.sh sets
# them up): esp_fuzz.py PACKETS SEED
# Environment: IPSECCTL, the ipsecctl binary; NFESP_PARALLEL, the path of
# nfesp's "parallel" parameter.

import ctypes
import hmac
import json
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

NS_PEER = "/run/netns/b"
DEV_PEER = "vb"
MAC_A = bytes.fromhex("02000000 0a01".replace(" ", ""))
MAC_B = bytes.fromhex("02000000 0b01".replace(" ", ""))
A4, B4 = socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2")
A6 = socket.inet_pton(socket.AF_INET6, "2001:db8::1")
B6 = socket.inet_pton(socket.AF_INET6, "2001:db8::2")
IN_A4, IN_B4 = socket.inet_aton("10.1.0.1"), socket.inet_aton("10.2.0.1")
IN_A6 = socket.inet_pton(socket.AF_INET6, "2001:db8:1::1")
IN_B6 = socket.inet_pton(socket.AF_INET6, "2001:db8:2::1")
HK = bytes(range(32))
SINK_PORT, SENTINEL_PORT, NATT_PORT = 7777, 7778, 4500
WINDOW = 128
ICV = 16
PROTO_ESP, PROTO_UDP = 50, 17

NS_COUNTERS = ("in-no-sa", "in-malformed", "in-replay", "in-auth-fail",
               "in-policy-mismatch", "in-clear-protected", "crypto-error",
               "nomem", "crypto-busy", "in-natt-keepalive", "in-dummy")
SA_COUNTERS = ("rx_packets", "replay", "auth_fail", "errors")
SOCKETS = ("sink4", "sink6", "ike4", "ike6")


def csum(data, init=0):
    if len(data) % 2:
        data += b"\0"
    s = init + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo_sum(src, dst, proto, length):
    b = src + dst + (struct.pack("!BBH", 0, proto, length) if len(src) == 4
                     else struct.pack("!IxxxB", length, proto))
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


def udp(src, dst, sport, dport, payload, checksum=None, ulen=None):
    """checksum: None computes it (IPv6 needs one), 0 leaves it out."""
    n = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, n if ulen is None else ulen, 0)
    if checksum is None:
        c = csum(hdr + payload, pseudo_sum(src, dst, PROTO_UDP, n)) or 0xFFFF
    else:
        c = checksum
    return hdr[:6] + struct.pack("!H", c) + payload


def ip4(src, dst, proto, payload, ident=0, frag=0, opts=b"", tot_len=None,
        bad_csum=False, ihl=None, version=4):
    hl = 20 + len(opts)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ((ihl or hl // 4) & 15), 0,
                      hl + len(payload) if tot_len is None else tot_len,
                      ident & 0xFFFF, frag, 64, proto, 0, src, dst) + opts
    c = csum(hdr) ^ (0x5555 if bad_csum else 0)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ip6(src, dst, nh, payload, plen=None, version=6):
    return struct.pack("!IHBB16s16s", version << 28, len(payload) if plen is None else plen,
                       nh, 64, src, dst) + payload


def frame(ip, v6=False):
    return MAC_A + MAC_B + struct.pack("!H", 0x86DD if v6 else 0x0800) + ip


class Replay:
    """replay.c, non-ESN: a window of WINDOW below the highest seen."""

    def __init__(self, size):
        self.size, self.top, self.seen = size, 0, set()

    def check(self, seq):
        if seq == 0:
            return False
        if not self.size or seq > self.top:
            return True
        return self.top - seq < self.size and seq not in self.seen

    def advance(self, seq):
        if not self.check(seq):
            return False
        if seq > self.top:
            self.top = seq
            if len(self.seen) > 4 * self.size:
                self.seen = {s for s in self.seen if self.top - s < self.size}
        self.seen.add(seq)
        return True


class SA:
    def __init__(self, name, spi, v6, aead, reqid, encap=False):
        self.name, self.spi, self.v6, self.aead = name, spi, v6, aead
        self.reqid, self.encap = reqid, encap
        self.iv = 8 if aead else 0
        self.replay = Replay(WINDOW)
        self.next = 1
        self.dst = A6 if v6 else A4
        self.src = B6 if v6 else B4

    def fresh(self, skip=0):
        """A sequence number never used on this SA, ahead of all others."""
        self.next += 1 + skip
        return self.next - 1

    def verify(self, esp):
        if self.aead:
            return False	# garbage never passes AES-GCM
        return hmac.compare_digest(hmac.digest(HK, esp[:-ICV], "sha256")[:ICV], esp[-ICV:])


# Inbound SAs in namespace a; the key of the SAD is (SPI, family, destination).
SAS = [
    SA("v4", 0x1001, False, False, 1),
    SA("v6", 0x1002, True, False, 2),
    SA("natt", 0x1003, False, False, 1, encap=True),
    SA("gcm4", 0x3001, False, True, 1),
    SA("gcm6", 0x3002, True, True, 2),
    SA("gcm-natt", 0x3003, False, True, 1, encap=True),
    SA("sentinel", 0x1FFF, False, False, 1),
    # b's XFRM sent it the two echo replies of the ping before the fuzzing;
    # mutated SPIs can land on it (0x3001 is one bit away).
    SA("ping", 0x2001, False, True, 1),
]
BY_SPI = {sa.spi: sa for sa in SAS}
BY_SPI[0x2001].replay.top, BY_SPI[0x2001].replay.seen = 2, {1, 2}
SAD = {(sa.spi, sa.v6): sa for sa in SAS}
BY_NAME = {sa.name: sa for sa in SAS}
HMAC_SAS = [sa for sa in SAS if not sa.aead and sa.name != "sentinel"]
GCM_SAS = [sa for sa in SAS if sa.aead and sa.name != "ping"]
PEER_SPIS = {0x2002}	# the GCM SAs of the ping through the tunnel


class Expect:
    def __init__(self):
        self.ns = dict.fromkeys(NS_COUNTERS, 0)
        self.sa = {sa.spi: dict.fromkeys(SA_COUNTERS, 0) for sa in SAS}
        self.sock = dict.fromkeys(SOCKETS, 0)
        self.reached = 0	# packets nfesp took and counted
        self.ip_dropped = 0	# dropped by the IP layer before nfesp
        self.passed = 0		# seen by nfesp, given to the stack uncounted
        # Crypto spread over the CPUs: a forgery whose sequence number is
        # that of a packet still in crypto passes the check before
        # decryption and fails authentication instead: replay or auth-fail.
        self.spread = False
        self.either = {sa.spi: 0 for sa in SAS}

    def drop(self, what, sa=None, sa_what=None):
        self.ns[what] += 1
        self.reached += 1
        if sa is not None and sa_what:
            self.sa[sa.spi][sa_what] += 1


def in_prefix(addr, prefix, bits):
    n = bits // 8
    return addr[:n] == prefix[:n]


def policy_ok(sa, inner, v6):
    """policy_ok() in input.c against the inbound policies of esp_fuzz.sh."""
    if v6:
        nh, off = inner[6], 40
        while nh in (0, 43, 44, 51, 59, 60):	# ipv6_skip_exthdr
            if nh == 59 or len(inner) < off + 2:
                return False
            if nh == 44:
                hl = 8
            elif nh == 51:
                hl = (inner[off + 1] + 2) << 2
            else:
                hl = (inner[off + 1] + 1) << 3
            nh = inner[off]
            off += hl
        return (sa.reqid == 2 and in_prefix(inner[8:24], IN_B6, 48)
                and in_prefix(inner[24:40], IN_A6, 48))
    return (sa.reqid == 1 and in_prefix(inner[12:16], IN_B4, 16)
            and in_prefix(inner[16:20], IN_A4, 16))


def udp_trim(u):
    """The UDP layer's length check: the datagram, or None if dropped."""
    if len(u) < 8:
        return None
    ulen = struct.unpack("!H", u[4:6])[0]
    if ulen < 8 or ulen > len(u):
        return None
    return u[:ulen]


def inner_sink(inner, v6):
    """Which socket behind the tunnel a delivered inner packet reaches."""
    if v6:
        if len(inner) < 48 or inner[6] != PROTO_UDP or inner[24:40] != IN_A6:
            return None
        u = udp_trim(inner[40:])
        if u is None or csum(u, pseudo_sum(inner[8:24], inner[24:40], PROTO_UDP, len(u))):
            return None
        port, sock = struct.unpack("!H", u[2:4])[0], "sink6"
    else:
        ihl = (inner[0] & 15) * 4
        if (inner[9] != PROTO_UDP or inner[16:20] != IN_A4 or csum(inner[:ihl])
                or struct.unpack("!H", inner[6:8])[0] & 0x3FFF or len(inner) < ihl + 8):
            return None
        u = udp_trim(inner[ihl:])
        if u is None or (u[6:8] != b"\0\0" and csum(u, pseudo_sum(
                inner[12:16], inner[16:20], PROTO_UDP, len(u)))):
            return None
        port, sock = struct.unpack("!H", u[2:4])[0], "sink4"
    if port == SINK_PORT:
        return sock
    if port == SENTINEL_PORT:
        return "sentinel"
    return None


def model_esp(exp, v6, esp, sa=None):
    """nfesp_input() and input_done(): ESP as nfesp sees it, from its header
    to the end of the IP packet. @sa is given for ESP in UDP."""
    if len(esp) < 8:
        return exp.drop("in-malformed")
    spi, seq = struct.unpack("!II", esp[:8])
    if sa is None:
        sa = SAD.get((spi, v6))
        if sa is None:	# counted, and left to the stack (unknown_spi())
            exp.ns["in-no-sa"] += 1
            exp.passed += 1
            return None
    if len(esp) < 8 + sa.iv + ICV + 2 or (len(esp) - 8 - sa.iv - ICV) % 4:
        return exp.drop("in-malformed", sa, "errors")
    if not sa.replay.check(seq):
        if exp.spread and seq and not sa.verify(esp):
            exp.either[sa.spi] += 1
        return exp.drop("in-replay", sa, "replay")
    if not sa.verify(esp):
        return exp.drop("in-auth-fail", sa, "auth_fail")
    if not sa.replay.advance(seq):
        return exp.drop("in-replay", sa, "replay")
    padlen, nh = esp[-ICV - 2], esp[-ICV - 1]
    if 8 + sa.iv + padlen + 2 + ICV > len(esp):
        return exp.drop("in-malformed", sa, "errors")
    inner = esp[8 + sa.iv:len(esp) - ICV - 2 - padlen]
    if nh == 59:	# a dummy packet (RFC 4303 2.6): discarded, no error
        return exp.drop("in-dummy")
    if nh == 4:
        if len(inner) < 20:
            return exp.drop("in-malformed", sa, "errors")
        ihl, tot = (inner[0] & 15) * 4, struct.unpack("!H", inner[2:4])[0]
        if inner[0] >> 4 != 4 or ihl < 20 or tot > len(inner) or tot < ihl:
            return exp.drop("in-malformed", sa, "errors")
        inner, iv6 = inner[:tot], False
    elif nh == 41:
        if len(inner) < 40:
            return exp.drop("in-malformed", sa, "errors")
        plen = struct.unpack("!H", inner[4:6])[0]
        if inner[0] >> 4 != 6 or plen + 40 > len(inner):
            return exp.drop("in-malformed", sa, "errors")
        inner, iv6 = inner[:plen + 40], True
    else:
        return exp.drop("in-malformed", sa, "errors")
    exp.sa[sa.spi]["rx_packets"] += 1
    if not policy_ok(sa, inner, iv6):	# counted in the SA's errors too (H2)
        return exp.drop("in-policy-mismatch", sa, "errors")
    exp.reached += 1
    sock = inner_sink(inner, iv6)
    if sock in SOCKETS:
        exp.sock[sock] += 1
    return None


def model_udp(exp, v6, src, dst, u):
    """A NAT keepalive (natt_keepalive()), ESP in UDP or not
    (udp_encap_sa()), then the UDP layer for the rest."""
    if (len(u) >= 9 and struct.unpack("!HH", u[2:6]) == (NATT_PORT, 9)
            and u[8] == 0xFF):
        return exp.drop("in-natt-keepalive")
    if len(u) >= 12:
        spi = struct.unpack("!I", u[8:12])[0]
        ulen = struct.unpack("!H", u[4:6])[0]
        dport = struct.unpack("!H", u[2:4])[0]
        esp_like = spi and 12 <= ulen <= len(u)
        sa = SAD.get((spi, v6)) if esp_like else None
        if sa and sa.encap and dport == NATT_PORT:
            return model_esp(exp, v6, u[8:ulen], sa)
        if esp_like and sa is None and dport == NATT_PORT:
            exp.ns["in-no-sa"] += 1	# counted, then on to the socket
    exp.passed += 1
    u = udp_trim(u)
    if u is None:
        return None
    if (u[6:8] != b"\0\0" or v6) and csum(u, pseudo_sum(src, dst, PROTO_UDP, len(u))):
        return None
    if struct.unpack("!H", u[2:4])[0] == NATT_PORT:
        exp.sock["ike6" if v6 else "ike4"] += 1
    return None


def model_ip(exp, ip, v6):
    """The IP layer in front of nfesp (ip_rcv_core(), ipv6_rcv()), then
    in_hook(). Not for fragments, which the generators model themselves."""
    if v6:
        if len(ip) < 40 or ip[0] >> 4 != 6:
            exp.ip_dropped += 1
            return
        plen, nh = struct.unpack("!HB", ip[4:7])
        if plen + 40 > len(ip):
            exp.ip_dropped += 1
            return
        ip = ip[:plen + 40]
        off = 40
        while nh in (0, 43, 60):	# find_transport6()
            if len(ip) < off + 2:
                exp.passed += 1
                return
            nh, off = ip[off], off + ((ip[off + 1] + 1) << 3)
        if off > len(ip):
            exp.passed += 1
            return
        if nh == PROTO_ESP:
            return model_esp(exp, True, ip[off:])
        if nh == PROTO_UDP:
            return model_udp(exp, True, ip[8:24], ip[24:40], ip[off:])
        exp.passed += 1
        return
    if len(ip) < 20 or ip[0] >> 4 != 4:
        exp.ip_dropped += 1
        return
    ihl, tot = (ip[0] & 15) * 4, struct.unpack("!H", ip[2:4])[0]
    if ihl < 20 or len(ip) < ihl or csum(ip[:ihl]) or tot > len(ip) or tot < ihl:
        exp.ip_dropped += 1
        return
    ip = ip[:tot]
    if ip[9] == PROTO_ESP:
        return model_esp(exp, False, ip[ihl:])
    if ip[9] == PROTO_UDP:
        return model_udp(exp, False, ip[12:16], ip[16:20], ip[ihl:])
    exp.passed += 1
    return None


# ---------------------------------------------------------------- packets

def inner4(rnd, port=SINK_PORT, src=IN_B4, dst=IN_A4, size=None):
    payload = rnd.randbytes(rnd.randrange(0, 64) if size is None else size)
    return ip4(src, dst, PROTO_UDP, udp(src, dst, 1024 + rnd.randrange(1000), port,
                                        payload, checksum=0), ident=rnd.randrange(65536))


def inner6(rnd, port=SINK_PORT, src=IN_B6, dst=IN_A6, size=None):
    payload = rnd.randbytes(rnd.randrange(0, 64) if size is None else size)
    return ip6(src, dst, PROTO_UDP, udp(src, dst, 1024 + rnd.randrange(1000), port, payload))


def inner_for(rnd, sa, size=None):
    return (inner6(rnd, size=size), 41) if sa.v6 else (inner4(rnd, size=size), 4)


def esp(sa, seq, inner, nh, padlen=None, pad=None, rnd=None, spi=None):
    """ESP for @sa: HMAC-SHA-256-128 with NULL encryption, valid unless told;
    for an AEAD SA, the right shape with a random body."""
    n = (-(len(inner) + 2)) % 4
    if rnd is not None and padlen is None:
        n += 4 * rnd.randrange(4)
    pad = bytes(range(1, n + 1)) if pad is None else pad
    body = inner + pad + bytes([n if padlen is None else padlen, nh])
    head = struct.pack("!II", sa.spi if spi is None else spi, seq & 0xFFFFFFFF)
    if sa.aead:
        return head + os.urandom(8 + len(body) + ICV)
    return head + body + hmac.digest(HK, head + body, "sha256")[:ICV]


def wrap(sa, payload, opts=b"", destopts=False):
    """The outer IP packet (and UDP for NAT-T) around ESP payload for @sa;
    IPv4 options, or an IPv6 destination options header (PadN) before ESP."""
    v6 = sa.v6
    if sa.encap:
        payload = udp(sa.src, sa.dst, NATT_PORT, NATT_PORT, payload, checksum=0)
        proto = PROTO_UDP
    else:
        proto = PROTO_ESP
    if v6:
        if destopts:
            return ip6(sa.src, sa.dst, 60, bytes([proto, 0, 1, 4, 0, 0, 0, 0]) + payload)
        return ip6(sa.src, sa.dst, proto, payload)
    return ip4(sa.src, sa.dst, proto, payload, ident=random.randrange(65536), opts=opts)


# ---------------------------------------------------------------- the wire

CLONE_NEWNET = 0x40000000


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET):
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


class Wire:
    def __init__(self):
        home = "/proc/self/ns/net"
        keep = os.open(home, os.O_RDONLY)
        setns(NS_PEER)
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind((DEV_PEER, 0))
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(keep, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns back")
        os.close(keep)
        self.socks = {}
        for name, fam, addr, port in (("sink4", socket.AF_INET, "10.1.0.1", SINK_PORT),
                                      ("sink6", socket.AF_INET6, "2001:db8:1::1", SINK_PORT),
                                      ("ike4", socket.AF_INET, "192.0.2.1", NATT_PORT),
                                      ("ike6", socket.AF_INET6, "2001:db8::1", NATT_PORT),
                                      ("sentinel", socket.AF_INET, "10.1.0.1", SENTINEL_PORT)):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)	# SO_RCVBUFFORCE
            s.bind((addr, port))
            s.setblocking(False)
            self.socks[name] = s
        self.got = dict.fromkeys(SOCKETS, 0)
        self.sent = 0
        self.unpaced = 0
        self.sentinel_seq = 0
        self.send_errors = 0

    def drain(self):
        for name in SOCKETS:
            s = self.socks[name]
            while True:
                try:
                    s.recv(65536)
                except BlockingIOError:
                    break
                self.got[name] += 1

    def send(self, f):
        try:
            self.tx.send(f)
        except OSError:
            self.send_errors += 1
            raise
        self.sent += 1
        self.unpaced += 1
        if self.unpaced >= 400:
            self.sync()

    def sync(self, exp=None):
        """A valid packet on the sentinel SA after what was sent: once it is
        through, so is everything before it (one CPU, in order)."""
        sa = BY_NAME["sentinel"]
        self.sentinel_seq += 1
        seq = sa.fresh()
        tag = struct.pack("!I", self.sentinel_seq)
        inner = ip4(IN_B4, IN_A4, PROTO_UDP, udp(IN_B4, IN_A4, 9, SENTINEL_PORT, tag, 0))
        sent_esp = esp(sa, seq, inner, 4)
        if sa.replay.advance(seq):
            SYNC_EXPECT["rx"] += 1
        self.tx.send(frame(wrap(sa, sent_esp)))
        self.unpaced = 0
        deadline = time.monotonic() + 10
        s = self.socks["sentinel"]
        while time.monotonic() < deadline:
            self.drain()
            r, _, _ = select.select([s], [], [], 0.05)
            if r:
                try:
                    data = s.recv(64)
                except BlockingIOError:
                    continue
                if data == tag:
                    self.drain()
                    return True
        self.drain()
        return False


SYNC_EXPECT = {"rx": 0}


class DryWire(Wire):
    """NFESP_FUZZ_DRY=1: build and model everything, send nothing (to try
    the generator without a VM)."""

    def __init__(self):
        self.got = dict.fromkeys(SOCKETS, 0)
        self.sent = self.unpaced = self.sentinel_seq = self.send_errors = 0

    def send(self, f):
        self.sent += 1

    def sync(self, exp=None):
        return True


def read_counters():
    if os.environ.get("NFESP_FUZZ_DRY"):
        return {}, {sa.spi: dict.fromkeys(SA_COUNTERS, 0) for sa in SAS}
    out = subprocess.run([os.environ.get("IPSECCTL", "ipsecctl"), "-j", "show"],
                         check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    sas = {int(s["spi"], 16): s["stats"] for s in j["sas"]}
    # The JSON keys are the text's counter names in snake_case.
    return {k.replace("_", "-"): v for k, v in j["stats"].items()}, sas


def diff_counters(before, after, wire_before, wire):
    ns = {k: after[0].get(k, 0) - before[0].get(k, 0) for k in NS_COUNTERS}
    sa = {}
    for s in SAS:
        sa[s.spi] = {k: after[1][s.spi][k] - before[1][s.spi][k] for k in SA_COUNTERS}
    sock = {k: wire.got[k] - wire_before[k] for k in SOCKETS}
    return ns, sa, sock


class Phase:
    def __init__(self, wire, name):
        self.wire, self.name = wire, name
        self.exp = Expect()
        self.classes = {}
        self.before = read_counters()
        self.wire_before = dict(wire.got)
        self.sync0 = SYNC_EXPECT["rx"]
        self.t0 = time.monotonic()

    def send(self, cls, frames):
        self.classes[cls] = self.classes.get(cls, 0) + 1
        for f in frames:
            self.wire.send(f)

    def one(self, cls, ip, v6=False):
        """A whole, unfragmented IP packet: modelled, then sent."""
        model_ip(self.exp, ip, v6)
        self.send(cls, [frame(ip, v6)])

    def finish(self):
        w = self.wire
        synced = w.sync()
        self.exp.sa[0x1FFF]["rx_packets"] += SYNC_EXPECT["rx"] - self.sync0
        exp = self.exp
        want = (exp.ns, exp.sa, exp.sock)
        deadline = time.monotonic() + 15
        while True:
            got = diff_counters(self.before, read_counters(), self.wire_before, w)
            if got == want or time.monotonic() > deadline or os.environ.get("NFESP_FUZZ_DRY"):
                break
            time.sleep(0.3)
            w.drain()
        dt = time.monotonic() - self.t0
        n = sum(self.classes.values())
        total = sum(got[0].values()) + sum(v["rx_packets"] for v in got[1].values()) - \
            got[0]["in-policy-mismatch"]
        print("# %s: %d packets in %.1f s (%.0f/s): %s" % (
            self.name, n, dt, n / dt if dt else 0,
            ", ".join("%s %d" % kv for kv in sorted(self.classes.items()))))
        print("# %s: model: %d counted by nfesp, %d dropped by IP before it, "
              "%d passed on uncounted; nfesp counted %d" % (
                  self.name, exp.reached + SYNC_EXPECT["rx"] - self.sync0,
                  exp.ip_dropped, exp.passed, total))
        bad = []
        either = sum(exp.either.values())
        if either:
            print("# %s: %d forgeries could count as replay or as auth-fail" % (self.name, either))
        for k in NS_COUNTERS:
            if k == "in-replay" and exp.ns[k] - either <= got[0][k] <= exp.ns[k] and \
                    got[0][k] + got[0]["in-auth-fail"] == exp.ns[k] + exp.ns["in-auth-fail"]:
                continue
            if k == "in-auth-fail" and exp.ns[k] <= got[0][k] <= exp.ns[k] + either and \
                    got[0][k] + got[0]["in-replay"] == exp.ns[k] + exp.ns["in-replay"]:
                continue
            if got[0][k] != exp.ns[k]:
                bad.append("%s: expected +%d, got +%d" % (k, exp.ns[k], got[0][k]))
        for s in SAS:
            e, g, amb = exp.sa[s.spi], got[1][s.spi], exp.either[s.spi]
            if amb and e["replay"] - amb <= g["replay"] <= e["replay"] and \
                    g["replay"] + g["auth_fail"] == e["replay"] + e["auth_fail"]:
                e = dict(e, replay=g["replay"], auth_fail=g["auth_fail"])
            for k in SA_COUNTERS:
                if got[1][s.spi][k] != e[k]:
                    bad.append("SA %s (0x%x) %s: expected +%d, got +%d" % (
                        s.name, s.spi, k, e[k], got[1][s.spi][k]))
        for k in SOCKETS:
            if got[2][k] != exp.sock[k]:
                bad.append("socket %s: expected %d datagrams, got %d" % (
                    k, exp.sock[k], got[2][k]))
        if not synced:
            bad.append("the sentinel packet was not delivered")
        for b in bad:
            print("# " + b)
        print("%s - %s: counters as modelled" % ("not ok" if bad else "ok", self.name))
        sys.stdout.flush()
        return n, dt


# ---------------------------------------------------------------- phases

def valid_packet(rnd, sa, seq=None, size=None):
    inner, nh = inner_for(rnd, sa, size)
    return esp(sa, sa.fresh() if seq is None else seq, inner, nh, rnd=rnd)


def gen_valid(ph, rnd, n):
    for i in range(n):
        sa = rnd.choice(HMAC_SAS)
        e = valid_packet(rnd, sa)
        r = i % 4
        if r == 1 and not sa.v6:
            ph.one("valid ipv4 options", wrap(sa, e, opts=b"\x01\x01\x01\x00"))
        elif r == 1:
            ph.one("valid ipv6 dest-opts", wrap(sa, e, destopts=True), True)
        else:
            ph.one("valid " + sa.name, wrap(sa, e), sa.v6)


def gen_truncated(ph, rnd, n):
    # Every length of the IP packet from 0 up, with and without the IP
    # length fixed up: the IP layer drops the first kind, nfesp sees the
    # second.
    for sa in HMAC_SAS + GCM_SAS:
        e = valid_packet(rnd, sa, size=8) if not sa.aead else \
            esp(sa, sa.fresh(), bytes(28), 4)
        full = wrap(sa, e)
        hdr = len(full) - len(e)
        for cut in range(0, len(full) + 1):
            ph.one("truncated frame", full[:cut], sa.v6)
        for cut in range(0, len(e)):
            if sa.encap:
                ph.one("truncated esp", ip4(sa.src, sa.dst, PROTO_UDP, udp(
                    sa.src, sa.dst, NATT_PORT, NATT_PORT, e[:cut], 0)))
            elif sa.v6:
                ph.one("truncated esp", ip6(sa.src, sa.dst, PROTO_ESP, e[:cut]), True)
            else:
                ph.one("truncated esp", ip4(sa.src, sa.dst, PROTO_ESP, e[:cut]))
        del hdr
    while sum(ph.classes.values()) < n:
        sa = rnd.choice(HMAC_SAS + GCM_SAS)
        e = valid_packet(rnd, sa) if not sa.aead else esp(sa, sa.fresh(), bytes(40), 4)
        cut = rnd.randrange(len(e))
        e = e[:cut]
        if sa.encap:
            ph.one("truncated esp", ip4(sa.src, sa.dst, PROTO_UDP, udp(
                sa.src, sa.dst, NATT_PORT, NATT_PORT, e, 0)))
        elif sa.v6:
            ph.one("truncated esp", ip6(sa.src, sa.dst, PROTO_ESP, e), True)
        else:
            ph.one("truncated esp", ip4(sa.src, sa.dst, PROTO_ESP, e))


def gen_bad_headers(ph, rnd, n):
    for i in range(n):
        sa = rnd.choice(HMAC_SAS)
        e = valid_packet(rnd, sa)
        k = i % 9
        if sa.v6:
            plen = len(e) + (8 if sa.encap else 0)
            body = e
            choices = [plen + 1 + rnd.randrange(100), 0, rnd.randrange(plen),
                       rnd.randrange(65536)]
            ph.one("bad ipv6 payload length", ip6(sa.src, sa.dst, PROTO_ESP, body,
                                                  plen=choices[k % 4]), True)
            continue
        if sa.encap:
            u = udp(sa.src, sa.dst, NATT_PORT, NATT_PORT, e, 0)
            if k == 0:
                u = udp(sa.src, sa.dst, NATT_PORT, NATT_PORT, e, 0, ulen=rnd.randrange(65536))
                ph.one("bad udp length", ip4(sa.src, sa.dst, PROTO_UDP, u))
            elif k == 1:
                u = udp(sa.src, sa.dst, NATT_PORT, NATT_PORT, e, 0x1234)
                ph.one("bad udp checksum", ip4(sa.src, sa.dst, PROTO_UDP, u))
            elif k == 2:
                u = udp(sa.src, sa.dst, NATT_PORT, NATT_PORT + 1, e, 0)
                ph.one("esp in udp, wrong port", ip4(sa.src, sa.dst, PROTO_UDP, u))
            else:
                ph.one("bad ip length", ip4(sa.src, sa.dst, PROTO_UDP, u,
                                            tot_len=rnd.randrange(65536)))
            continue
        if k == 0:
            ph.one("bad ip checksum", ip4(sa.src, sa.dst, PROTO_ESP, e, bad_csum=True))
        elif k == 1:
            ph.one("bad ip version", ip4(sa.src, sa.dst, PROTO_ESP, e, version=rnd.choice((0, 5, 7, 15))))
        elif k == 2:
            ph.one("bad ihl", ip4(sa.src, sa.dst, PROTO_ESP, e, ihl=rnd.randrange(5)))
        else:
            ph.one("bad ip length", ip4(sa.src, sa.dst, PROTO_ESP, e,
                                        tot_len=rnd.choice((rnd.randrange(65536),
                                                            rnd.randrange(20 + len(e) + 1)))))


def gen_unknown_spi(ph, rnd, n):
    known = {sa.spi for sa in SAS} | PEER_SPIS
    for i in range(n):
        spi = rnd.getrandbits(32)
        if spi in known:
            continue
        v6 = bool(i & 1)
        sa = BY_NAME["v6" if v6 else "v4"]
        body = rnd.randbytes(rnd.randrange(0, 120))
        e = struct.pack("!II", spi, rnd.getrandbits(32)) + body
        if i % 5 == 4:	# a known SPI sent to the other family
            e = struct.pack("!I", BY_NAME["v4" if v6 else "v6"].spi) + e[4:]
        if v6:
            ph.one("unknown spi ipv6", ip6(sa.src, sa.dst, PROTO_ESP, e), True)
        else:
            ph.one("unknown spi ipv4", ip4(sa.src, sa.dst, PROTO_ESP, e))


def gen_garbage_body(ph, rnd, n):
    for i in range(n):
        sa = rnd.choice(HMAC_SAS + GCM_SAS)
        seq = rnd.choice((sa.fresh(), rnd.getrandbits(32), 0, max(sa.replay.top - rnd.randrange(300), 0)))
        ln = rnd.choice((rnd.randrange(200), 4 * rnd.randrange(60)))
        e = struct.pack("!II", sa.spi, seq) + rnd.randbytes(ln)
        ph.one("garbage body " + ("aead" if sa.aead else "hmac"), wrap(sa, e), sa.v6)


def gen_bad_icv(ph, rnd, n):
    for i in range(n):
        sa = rnd.choice(HMAC_SAS)
        e = bytearray(valid_packet(rnd, sa))
        e[len(e) - 1 - rnd.randrange(ICV)] ^= 1 << rnd.randrange(8)
        ph.one("bad icv", wrap(sa, bytes(e)), sa.v6)


def gen_bad_inner(ph, rnd, n):
    for i in range(n):
        sa = rnd.choice(HMAC_SAS)
        seq = sa.fresh()
        inner, nh = inner_for(rnd, sa)
        k = i % 8
        if k == 0:
            e = esp(sa, seq, inner, nh, padlen=rnd.choice(
                (255, min(255, len(inner) + 4 + rnd.randrange(20)), rnd.randrange(256))))
            cls = "bad pad length"
        elif k == 1:
            e = esp(sa, seq, inner, rnd.choice((0, 6, 17, 50, 59, 255)))
            cls = "wrong next header"
        elif k == 2:
            e = esp(sa, seq, rnd.randbytes(rnd.randrange(80)), nh, rnd=rnd)
            cls = "garbage inner packet"
        elif k == 3:
            e = esp(sa, seq, inner, 41 if nh == 4 else 4)
            cls = "inner family mismatch"
        elif k == 4:	# right family, other SA's policy (reqid)
            inner, nh = (inner4(rnd), 4) if sa.v6 else (inner6(rnd), 41)
            e = esp(sa, seq, inner, nh)
            cls = "inner outside the SA's policy"
        elif k == 5:
            bad = inner4(rnd, src=socket.inet_aton("10.9.0.1")) if not sa.v6 else \
                inner6(rnd, src=socket.inet_pton(socket.AF_INET6, "2001:db8:9::1"))
            e = esp(sa, seq, bad, nh)
            cls = "inner outside every policy"
        elif k == 6:	# inner length fields that lie
            b = bytearray(inner)
            if sa.v6:
                struct.pack_into("!H", b, 4, rnd.randrange(65536))
            else:
                struct.pack_into("!H", b, 2, rnd.randrange(65536))
            e = esp(sa, seq, bytes(b), nh)
            cls = "inner bad length"
        else:	# an empty payload, only the trailer
            e = esp(sa, seq, b"", nh, rnd=rnd)
            cls = "empty inner"
        ph.one(cls, wrap(sa, e), sa.v6)


def gen_replay(ph, rnd, n):
    history = {sa.spi: [] for sa in HMAC_SAS}
    for i in range(n):
        sa = rnd.choice(HMAC_SAS)
        h = history[sa.spi]
        k = rnd.randrange(5)
        if k == 0 or not h:
            e = valid_packet(rnd, sa, seq=sa.fresh(rnd.randrange(3)))
            h.append(e)
            cls = "valid"
        elif k == 1:
            e = rnd.choice(h[-300:])
            cls = "replayed"
        elif k == 2:
            e = valid_packet(rnd, sa, seq=max(1, sa.replay.top - WINDOW - rnd.randrange(50)))
            cls = "behind the window"
        elif k == 3:
            e = valid_packet(rnd, sa, seq=0)
            cls = "sequence number 0"
        else:	# out of order but new: inside the window, never used
            seq = sa.replay.top - rnd.randrange(1, WINDOW)
            if seq < 1 or seq in sa.replay.seen:
                continue
            e = valid_packet(rnd, sa, seq=seq)
            cls = "reordered in the window"
        ph.one(cls, wrap(sa, e), sa.v6)


def gen_natt_other(ph, rnd, n):
    for i in range(n):
        v6 = i % 4 == 3
        src, dst = (B6, A6) if v6 else (B4, A4)
        k = rnd.randrange(7)
        if k == 0:
            p, cls = bytes(4) + rnd.randbytes(rnd.randrange(100)), "ike (non-esp marker)"
        elif k == 1:
            p, cls = b"\xff", "nat-t keepalive"
        elif k == 2:
            p, cls = rnd.randbytes(rnd.randrange(4)), "short udp payload"
        elif k == 3:
            p, cls = rnd.randbytes(4 + rnd.randrange(60)), "udp garbage"
        elif k == 4:	# the SPI of an SA that is not ESP in UDP
            p = struct.pack("!II", BY_NAME["v4"].spi, 1) + rnd.randbytes(40)
            cls = "spi of a bare esp sa"
        elif k == 5:	# the NAT-T SA's SPI, shorter than an ESP header
            p = struct.pack("!I", BY_NAME["natt"].spi) + rnd.randbytes(rnd.randrange(4))
            cls = "natt spi, short"
        else:
            p = struct.pack("!I", BY_NAME["natt"].spi) + rnd.randbytes(rnd.randrange(4, 80))
            cls = "natt spi, garbage"
        u = udp(src, dst, rnd.choice((NATT_PORT, 500, 1025)), NATT_PORT, p,
                checksum=None if v6 or rnd.random() < 0.5 else 0)
        ip = ip6(src, dst, PROTO_UDP, u) if v6 else ip4(src, dst, PROTO_UDP, u)
        ph.one(cls + (" ipv6" if v6 else ""), ip, v6)


FRAG_ID = [0]


def frag_ident():
    """Sequential: a stale queue of an earlier datagram is never joined."""
    FRAG_ID[0] += 1
    return FRAG_ID[0]


def fragments(sa, payload, pieces, ident, proto):
    """IP fragments of @payload (pieces: (offset, length, more) in bytes)."""
    out = []
    for off, ln, more in pieces:
        chunk = payload[off:off + ln]
        if sa.v6:
            fh = struct.pack("!BBHI", proto, 0, off | (1 if more else 0), ident)
            out.append(frame(ip6(sa.src, sa.dst, 44, fh + chunk), True))
        else:
            out.append(frame(ip4(sa.src, sa.dst, proto, chunk, ident=ident,
                                 frag=(off >> 3) | (0x2000 if more else 0))))
    return out


def split(rnd, total):
    """At least two pieces, all but the last a multiple of 8, the first at
    least 16 bytes."""
    pos, cuts = 0, []
    while True:
        step = 8 * rnd.randrange(2, max(3, total // 24))
        if pos + step >= total:
            if not cuts:
                step = 8 * (total // 16)
            else:
                cuts.append((pos, total - pos, False))
                return cuts
        cuts.append((pos, step, True))
        pos += step


def gen_fragments(ph, rnd, n):
    count = 0
    while count < n:
        sa = rnd.choice(HMAC_SAS)
        e = valid_packet(rnd, sa, size=rnd.randrange(64, 1200))
        payload = udp(sa.src, sa.dst, NATT_PORT, NATT_PORT, e, 0) if sa.encap else e
        proto = PROTO_UDP if sa.encap else PROTO_ESP
        pieces = split(rnd, len(payload))
        ident = frag_ident()
        k = rnd.randrange(4)
        whole = True
        if k == 0:
            frames, cls = fragments(sa, payload, pieces, ident, proto), "valid fragments"
        elif k == 1:
            # Shuffled, with an exact duplicate, which is ignored while the
            # datagram is incomplete; one that comes after it is complete
            # starts a queue of its own, which never completes.
            order = pieces + [rnd.choice(pieces)]
            rnd.shuffle(order)
            frames = fragments(sa, payload, order, ident, proto)
            cls = "valid fragments, shuffled, one duplicate"
        elif k == 2:
            frames = fragments(sa, payload, pieces[:-1], ident, proto)
            cls, whole = "incomplete fragments", False
        else:
            # After all but the last, a fragment that overlaps the tail: the
            # queue is thrown away; the last piece then waits alone.
            tail = pieces[-1][0]
            frames = fragments(sa, payload, pieces[:-1], ident, proto)
            frames += fragments(sa, rnd.randbytes(tail + 8), [(tail - 8, 16, True)], ident, proto)
            frames += fragments(sa, payload, pieces[-1:], ident, proto)
            cls, whole = "overlapping fragments", False
        if whole:
            if sa.v6:
                model_ip(ph.exp, ip6(sa.src, sa.dst, proto, payload), True)
            else:
                model_ip(ph.exp, ip4(sa.src, sa.dst, proto, payload), False)
        ph.send(cls, frames)
        count += len(frames)


def mutate(rnd, data):
    b = bytearray(data)
    k = rnd.randrange(6)
    if k == 0:
        for _ in range(rnd.randrange(1, 4)):
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
        return bytes(b), "bit flips"
    if k == 1:
        i = rnd.randrange(len(b))
        b[i] = (b[i] + rnd.randrange(1, 256)) & 0xFF
        return bytes(b), "byte changed"
    if k == 2:
        i = rnd.randrange(min(len(b), 16))
        b[i] ^= 1 << rnd.randrange(8)
        return bytes(b), "header bit flip"
    if k == 3:
        return bytes(b) + rnd.randbytes(rnd.randrange(1, 40)), "bytes appended"
    if k == 4:
        i = rnd.randrange(len(b))
        return bytes(b[:i] + b[i + 1:]), "byte deleted"
    i = rnd.randrange(len(b))
    return bytes(b[:i] + rnd.randbytes(rnd.randrange(1, 8)) + b[i:]), "bytes inserted"


def gen_mutated(ph, rnd, n):
    for i in range(n):
        sa = rnd.choice(HMAC_SAS + GCM_SAS[:1])
        e = valid_packet(rnd, sa) if not sa.aead else esp(sa, sa.fresh(), bytes(40), 4)
        m, cls = mutate(rnd, e)
        ph.one("mutated: " + cls, wrap(sa, m), sa.v6)


def gen_mix(ph, rnd, n):
    gens = (gen_valid, gen_truncated_rand, gen_bad_headers, gen_unknown_spi,
            gen_garbage_body, gen_bad_icv, gen_bad_inner, gen_replay,
            gen_natt_other, gen_fragments, gen_mutated, gen_mutated)
    start = ph.wire.sent
    while ph.wire.sent - start < n:
        rnd.choice(gens)(ph, rnd, rnd.randrange(1, 6))


def gen_truncated_rand(ph, rnd, n):
    for _ in range(n):
        sa = rnd.choice(HMAC_SAS)
        full = wrap(sa, valid_packet(rnd, sa))
        ph.one("truncated frame", full[:rnd.randrange(len(full))], sa.v6)


def set_parallel(v):
    p = os.environ.get("NFESP_PARALLEL")
    if p:
        with open(p, "w") as f:
            f.write("%d\n" % v)


def main():
    total, seed = int(sys.argv[1]), int(sys.argv[2])
    rnd = random.Random(seed)
    random.seed(seed)
    wire = DryWire() if os.environ.get("NFESP_FUZZ_DRY") else Wire()
    share = max(total // 40, 50)
    phases = [
        ("valid packets", gen_valid, share),
        ("truncated packets", gen_truncated, share),
        ("bad IP and UDP headers", gen_bad_headers, share),
        ("unknown SPIs", gen_unknown_spi, share),
        ("garbage bodies on valid SPIs", gen_garbage_body, share),
        ("bad ICVs", gen_bad_icv, share),
        ("bad padding, next header and inner packets", gen_bad_inner, share),
        ("replayed and reordered sequence numbers", gen_replay, share),
        ("UDP 4500 that is not ESP", gen_natt_other, share),
        ("IPv4 and IPv6 fragments", gen_fragments, share),
        ("mutated valid packets", gen_mutated, 4 * share),
    ]
    done = 0
    t0 = time.monotonic()
    set_parallel(0)	# in order: the model is exact
    for name, gen, n in phases:
        ph = Phase(wire, name)
        gen(ph, rnd, n)
        done += ph.finish()[0]
    rest = max(total - wire.sent, 100)
    for name, par, share_of in (("random mix, crypto inline", 0, 0.65),
                                ("random mix, crypto spread over the CPUs", 2, 0.35)):
        set_parallel(par)
        ph = Phase(wire, name)
        ph.exp.spread = par != 0
        gen_mix(ph, rnd, int(rest * share_of))
        done += ph.finish()[0]
    set_parallel(1)
    ph = Phase(wire, "valid packets after the fuzzing")
    gen_valid(ph, rnd, 40)
    ph.finish()
    dt = time.monotonic() - t0
    print("# %d frames sent (%d sentinels) in %.1f s: %.0f frames/s" % (
        wire.sent, wire.sentinel_seq, dt, wire.sent / dt))


if __name__ == "__main__":
    main()
