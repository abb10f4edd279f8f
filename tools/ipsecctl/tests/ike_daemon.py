#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""
The IKE daemon against malformed and hostile IKEv2 messages, on the host:
driven by ike_daemon.sh, which builds `ipsecctl` with the in-memory kernel
bridge (ike/tests/fake_kernel.c) under ASan and UBSan and makes the network
namespaces. This script runs in namespace A, where daemon A answers; daemon
B (namespace B, behind a veth) is the real initiator of the positive case;
in namespace C (behind another veth) the test side plays a hostile
responder to daemon A's own initiations.

Each case sends what it sends from its own address on lo (127.0.0.N, one
rule each), so that `ipsecctl -j status` shows what that case left, and
then checks that the daemon is alive and its log has no sanitizer report;
a daemon that died is started again for the next case. Silence is checked
without waiting: a sentinel that is always answered follows the message
(Peer.answers()). The test side's IKE (IKE_SA_INIT, IKE_AUTH,
CREATE_CHILD_SA, INFORMATIONAL, RFC 7383 fragments; aes-gcm-256,
hmac-sha256, curve25519) is the `cryptography` module's.

KTAP on stdout. A case that shows a known bug of the daemon is an expected
failure: "not ok N - ... # TODO bug: ..." (see XFAIL below); the exit status
is 0 if no other case failed.

    ike_daemon.py WORKDIR IPSECCTL NS_B NS_C
"""

import hashlib
import hmac
import json
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import traceback

try:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey, X25519PublicKey)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives import serialization
    HAVE_CRYPTO = True
except ImportError:
    HAVE_CRYPTO = False

WORK, IPSECCTL, NS_B = sys.argv[1], sys.argv[2], sys.argv[3]
NS_C = sys.argv[4] if len(sys.argv) > 4 else None
A = "127.0.0.1"                 # daemon A's address for the test side
A_VETH, B_VETH = "10.99.0.1", "10.99.0.2"
A_OUT, C_OUT = "10.98.0.1", "10.98.0.2"     # daemon A initiates to the test side in NS_C
PSK = b"nfesp host test key, 32 bytes.."
WRONG_PSK = b"not the key"
ANSWER = 3.0                    # how long an answer may take

# RFC 7296 numbers
PL_SA, PL_KE, PL_IDI, PL_IDR, PL_AUTH, PL_NONCE, PL_N, PL_D = 33, 34, 35, 36, 39, 40, 41, 42
PL_VID, PL_TSI, PL_TSR, PL_SK, PL_SKF = 43, 44, 45, 46, 53
X_INIT, X_AUTH, X_CHILD, X_INFO = 34, 35, 36, 37
F_I, F_V, F_R = 0x08, 0x10, 0x20
N_UNSUPPORTED_CRITICAL, N_INVALID_MAJOR, N_INVALID_SYNTAX = 1, 5, 7
N_NO_PROPOSAL, N_INVALID_KE, N_AUTH_FAILED = 14, 17, 24
N_TS_UNACCEPTABLE, N_TEMPORARY_FAILURE, N_CHILD_SA_NOT_FOUND = 38, 43, 44
N_REKEY_SA = 16393
N_COOKIE, N_USE_TRANSPORT, N_FRAG_SUPPORTED = 16390, 16391, 16430
T_ENCR, T_PRF, T_INTEG, T_DH, T_ESN = 1, 2, 3, 4, 5
ENCR_AES_CBC, ENCR_GCM16 = 12, 20
PRF_SHA1, PRF_SHA256 = 2, 5
INTEG_SHA1_96 = 2
G_MODP1024, G_MODP2048, G_ECP256, G_X25519 = 2, 14, 19, 31
P_IKE, P_ESP = 1, 3

# One rule, and one address on lo, per case that needs its own.
RULES = {}


def rule(name, n, extra=""):
    RULES[name] = ("127.0.0.%d" % n, extra)
    return name


R_GOOD = rule("good", 2)
R_TRUNC = rule("trunc", 3)
R_CRIT = rule("crit", 4)
R_VER = rule("ver", 5)
R_MSGID = rule("msgid", 6)
R_RETX = rule("retx", 7)
R_ICV = rule("icv", 8)
R_NORESP = rule("noresp", 9)
R_FLAGS = rule("flags", 10)
R_KE = rule("ke", 11)
R_NOPROP = rule("noprop", 12)
R_PSK = rule("psk", 13)
R_NATT = rule("natt", 14)
R_INNER = rule("inner", 15)
R_SYNTAX = rule("syntax", 16)
R_COOKIE = rule("cookie", 17)
R_EST = rule("est", 18)
R_FRAG = rule("frag", 19)
R_CHILD = rule("child", 20)
R_REKEY = rule("rekey", 21)
R_FUZZ = rule("fuzz", 22)
R_NATD = rule("natd", 23)
R_INIT4500 = rule("init4500", 24)
# The mutation cases' seed and size: NFESP_IKE_FUZZ=SEED[:N] to replay or to go on.
FUZZ_SEED, FUZZ_N = (lambda v: (int(v[0]), int(v[1]) if len(v) > 1 else 150))(
    os.environ.get("NFESP_IKE_FUZZ", "%d" % (int(time.time()) % 100000)).split(":"))
NORULE = "127.0.0.99"


def conf_text():
    lines = []
    for name, (addr, extra) in RULES.items():
        lines.append('ikev2 "%s" passive esp transport local %s peer %s psk @%s/key.psk '
                     'dpd off %s' % (name, A, addr, WORK, extra))
    lines.append('ikev2 "peerb" passive esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 '
                 'local %s peer %s psk @%s/key.psk' % (A_VETH, B_VETH, WORK))
    lines.append('ikev2 "out" esp transport local %s peer %s psk @%s/key.psk dpd off'
                 % (A_OUT, C_OUT, WORK))
    return "\n".join(lines) + "\n"


# ---- Messages ----

def payloads(pls):
    """[(type, body) or (type, body, critical)] -> (first type, bytes)"""
    out = b""
    for i, pl in enumerate(pls):
        t, body = pl[0], pl[1]
        crit = pl[2] if len(pl) > 2 else False
        nxt = pls[i + 1][0] if i + 1 < len(pls) else 0
        out += struct.pack("!BBH", nxt, 0x80 if crit else 0, 4 + len(body)) + body
    return (pls[0][0] if pls else 0), out


def header(spi_i, spi_r, nxt, exch, flags, msgid, length, ver=0x20):
    return spi_i + spi_r + struct.pack("!BBBBII", nxt, ver, exch, flags, msgid, length)


def message(spi_i, spi_r, exch, flags, msgid, pls, ver=0x20):
    first, body = payloads(pls)
    return header(spi_i, spi_r, first, exch, flags, msgid, 28 + len(body), ver) + body


def xf(t, tid, keylen=None):
    return (t, tid, struct.pack("!HH", 0x800E, keylen) if keylen else b"")


def sa_body(props):
    """[(protocol, spi, [xf...])] -> SA payload body"""
    out = b""
    for i, (proto, spi, trs) in enumerate(props):
        tb = b""
        for j, (t, tid, attrs) in enumerate(trs):
            tb += struct.pack("!BBHBBH", 0 if j == len(trs) - 1 else 3, 0, 8 + len(attrs),
                              t, 0, tid) + attrs
        out += struct.pack("!BBHBBBB", 0 if i == len(props) - 1 else 2, 0,
                           8 + len(spi) + len(tb), i + 1, proto, len(spi), len(trs)) + spi + tb
    return out


IKE_PROP = [(P_IKE, b"", [xf(T_ENCR, ENCR_GCM16, 256), xf(T_PRF, PRF_SHA256),
                          xf(T_DH, G_X25519)])]


def notify(ntype, data=b"", proto=0, spi=b""):
    return (PL_N, struct.pack("!BBH", proto, len(spi), ntype) + spi + data)


def ke(group, data):
    return (PL_KE, struct.pack("!HH", group, 0) + data)


def ts_body(addr):
    a = socket.inet_aton(addr)
    return struct.pack("!B3x", 1) + struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + a + a


def id_body(addr):
    return bytes([1, 0, 0, 0]) + socket.inet_aton(addr)


def parse(data):
    """A message's header and outer payloads: dict, or None if malformed."""
    if data is None or len(data) < 28:
        return None
    spi_i, spi_r = data[:8], data[8:16]
    nxt, ver, exch, flags, msgid, length = struct.unpack("!BBBBII", data[16:28])
    if length != len(data):
        return None
    pls, off = [], 28
    while nxt:
        if off + 4 > len(data):
            return None
        n2, fl, plen = struct.unpack("!BBH", data[off:off + 4])
        if plen < 4 or off + plen > len(data):
            return None
        pls.append((nxt, data[off + 4:off + plen], off))
        if nxt == PL_SK:
            break
        nxt, off = n2, off + plen
    return {"spi_i": spi_i, "spi_r": spi_r, "ver": ver, "exch": exch, "flags": flags,
            "msgid": msgid, "pls": pls, "raw": data}


def notifies(pls):
    out = []
    for t, body, *_ in pls:
        if t == PL_N and len(body) >= 4:
            proto, spisz, ntype = struct.unpack("!BBH", body[:4])
            out.append((ntype, body[4 + spisz:]))
    return out


def inner_chain(first, plain):
    pls, nxt, off = [], first, 0
    while nxt:
        n2, fl, plen = struct.unpack("!BBH", plain[off:off + 4])
        pls.append((nxt, plain[off + 4:off + plen]))
        nxt, off = n2, off + plen
    return pls


def prf(k, d):
    return hmac.new(k, d, hashlib.sha256).digest()


def prf_plus(k, s, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(k, t + s + bytes([i]))
        out += t
        i += 1
    return out[:n]


# ---- The test side's endpoint and IKE SA ----

class Peer:
    """A UDP socket on 127.0.0.N (any port), talking to daemon A."""

    def __init__(self, src, dst=A):
        self.dst = dst
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((src, 0))

    def close(self):
        self.s.close()

    def drain(self):
        while select.select([self.s], [], [], 0)[0]:
            self.s.recv(70000)

    def send(self, data, port=500, marker=False):
        self.drain()
        self.s.sendto((b"\0\0\0\0" if marker else b"") + data, (self.dst, port))

    def recv(self, timeout=ANSWER):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            if not select.select([self.s], [], [], min(left, 0.1))[0]:
                # A dead daemon answers nothing: no use waiting for it.
                if daemon and not daemon.alive():
                    alive_or_fail()
                continue
            data, (addr, port) = self.s.recvfrom(70000)
            if addr != self.dst:
                continue
            if port == 4500:
                if data[:4] != b"\0\0\0\0":
                    continue
                data = data[4:]
            return data

    def ask(self, data, port=500, marker=False, timeout=ANSWER):
        self.send(data, port, marker)
        return self.recv(timeout)

    def answers(self, datas, port=500, marker=False):
        """
        Every answer to datas (datagrams sent in order), without waiting for
        silence: a sentinel follows them on the same socket, an IKE_SA_INIT
        with an unknown critical payload, which is always answered
        (UNSUPPORTED_CRITICAL_PAYLOAD) and makes no SA. The daemon reads a
        socket's datagrams in order and answers each before the next, so an
        answer to datas comes before the sentinel's, or never.
        """
        self.drain()
        for d in datas:
            self.s.sendto((b"\0\0\0\0" if marker else b"") + d, (self.dst, port))
        spi = os.urandom(8)
        sentinel = message(spi, b"\0" * 8, X_INIT, F_I, 0, [(99, b"sentinel", True)])
        self.s.sendto((b"\0\0\0\0" if port == 4500 else b"") + sentinel, (self.dst, port))
        got = []
        while True:
            r = self.recv(ANSWER)
            if r is None:
                raise Fail("no answer to the sentinel after the message: the daemon is "
                           "dead or stuck")
            if r[:8] == spi:
                return got
            got.append(r)

    def ask_or_silence(self, data, port=500, marker=False):
        """The first answer to data, or None (see answers())."""
        got = self.answers([data], port, marker)
        return got[0] if got else None


class Ike:
    """The initiator of one IKE SA with daemon A: aes-gcm-256/hmac-sha256/curve25519."""

    def __init__(self, peer, my_addr):
        self.peer, self.me = peer, my_addr
        self.spi_i, self.spi_r = os.urandom(8), b"\0" * 8
        self.ni = os.urandom(32)
        self.priv = X25519PrivateKey.generate()
        self.pub = self.priv.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)
        self.msgid = 1
        self.init_req = None

    def init_msg(self, extra=(), first=(), prop=None, group=G_X25519, kedata=None, ver=0x20,
                 flags=F_I, msgid=0):
        pls = list(first) + [(PL_SA, sa_body(prop or IKE_PROP)),
                             ke(group, self.pub if kedata is None else kedata),
                             (PL_NONCE, self.ni)] + list(extra)
        self.init_req = message(self.spi_i, b"\0" * 8, X_INIT, flags, msgid, pls, ver)
        return self.init_req

    def init(self, **kw):
        """IKE_SA_INIT; the parsed answer (keys derived if it is a real one) or None."""
        r = parse(self.peer.ask(self.init_msg(**kw)))
        if r and any(t == PL_KE for t, *_ in r["pls"]):
            self.take_init_resp(r)
        return r

    def take_init_resp(self, r):
        self.init_resp = r["raw"]
        self.spi_r = r["spi_r"]
        for t, body, *_ in r["pls"]:
            if t == PL_KE:
                peer_pub = body[4:]
            elif t == PL_NONCE:
                self.nr = body
        shared = self.priv.exchange(X25519PublicKey.from_public_bytes(peer_pub))
        skeyseed = prf(self.ni + self.nr, shared)
        km = prf_plus(skeyseed, self.ni + self.nr + self.spi_i + self.spi_r,
                      32 + 36 + 36 + 32 + 32)
        self.sk_d, self.sk_ei, self.sk_er = km[:32], km[32:68], km[68:104]
        self.sk_pi, self.sk_pr = km[104:136], km[136:168]

    def seal(self, exch, flags, msgid, inner, spoil_icv=False, from_responder=False):
        first, plain = payloads(inner)
        plain += b"\0"                           # no padding, pad length 0
        iv = os.urandom(8)
        sk_len = 4 + 8 + len(plain) + 16
        h = header(self.spi_i, self.spi_r, PL_SK, exch, flags, msgid, 28 + sk_len)
        skh = struct.pack("!BBH", first, 0, sk_len)
        key = self.sk_er if from_responder else self.sk_ei
        ct = AESGCM(key[:32]).encrypt(key[32:] + iv, plain, h + skh)
        if spoil_icv:
            ct = ct[:-1] + bytes([ct[-1] ^ 1])
        return h + skh + iv + ct

    def frag(self, exch, msgid, num, total, piece, first=0, flags=F_I, spoil_icv=False):
        """One SKF message (RFC 7383 2.5): piece is part of the inner chain."""
        plain = piece + b"\0"
        iv = os.urandom(8)
        skf_len = 8 + 8 + len(plain) + 16
        h = header(self.spi_i, self.spi_r, PL_SKF, exch, flags, msgid, 28 + skf_len)
        skh = struct.pack("!BBHHH", first, 0, skf_len, num, total)
        ct = AESGCM(self.sk_ei[:32]).encrypt(self.sk_ei[32:] + iv, plain, h + skh)
        if spoil_icv:
            ct = ct[:-1] + bytes([ct[-1] ^ 1])
        return h + skh + iv + ct

    def frags(self, exch, msgid, inner, n):
        first, plain = payloads(inner)
        size = -(-len(plain) // n)
        return [self.frag(exch, msgid, i + 1, n, plain[i * size:(i + 1) * size],
                          first if i == 0 else 0) for i in range(n)]

    def open(self, data):
        """A message from the daemon: its inner payloads, or None."""
        r = parse(data)
        if not r or not r["pls"] or r["pls"][-1][0] != PL_SK:
            return None
        t, body, off = r["pls"][-1]
        first = data[off]
        iv, ct = body[:8], body[8:]
        plain = AESGCM(self.sk_er[:32]).decrypt(self.sk_er[32:] + iv, ct, data[:off + 4])
        plain = plain[:len(plain) - 1 - plain[-1]]
        r["inner"] = inner_chain(first, plain)
        return r

    def auth_payloads(self, psk=PSK, child=True, extra=()):
        idb = id_body(self.me)
        octets = self.init_req + self.nr + prf(self.sk_pi, idb)
        auth = prf(prf(psk, b"Key Pad for IKEv2"), octets)
        pls = [(PL_IDI, idb), (PL_AUTH, bytes([2, 0, 0, 0]) + auth)] + list(extra)
        if child:
            self.spi_esp = os.urandom(4)
            pls += [notify(N_USE_TRANSPORT),
                    (PL_SA, sa_body([(P_ESP, self.spi_esp, [xf(T_ENCR, ENCR_GCM16, 256),
                                                            xf(T_ESN, 0)])])),
                    (PL_TSI, ts_body(self.me)), (PL_TSR, ts_body(A))]
        return pls

    def auth_msg(self, psk=PSK, msgid=1, flags=F_I, spoil_icv=False, extra=()):
        return self.seal(X_AUTH, flags, msgid, self.auth_payloads(psk, extra=extra), spoil_icv)

    def check_responder_auth(self, inner):
        idr = [b for t, b in inner if t == PL_IDR]
        auth = [b for t, b in inner if t == PL_AUTH]
        if not idr or not auth:
            return False
        octets = self.init_resp + self.ni + prf(self.sk_pr, idr[0])
        return hmac.compare_digest(auth[0][4:], prf(prf(PSK, b"Key Pad for IKEv2"), octets))

    def establish(self, port=500, marker=False):
        """IKE_SA_INIT and IKE_AUTH; the IKE_AUTH answer's inner payloads or an exception."""
        r = self.init()
        if not r or not any(t == PL_KE for t, *_ in r["pls"]):
            raise Fail("no IKE_SA_INIT answer with KE: %s" % describe(r))
        ans = self.open(self.peer.ask(self.auth_msg(), port, marker))
        if not ans:
            raise Fail("no IKE_AUTH answer")
        if not self.check_responder_auth(ans["inner"]):
            raise Fail("IKE_AUTH answer without a valid AUTH: %s" % inner_names(ans["inner"]))
        self.msgid = 2
        return ans


class Fail(Exception):
    pass


def describe(r):
    if r is None:
        return "no answer"
    return "exchange %d flags 0x%02x msgid %d payloads %s notifies %s" % (
        r["exch"], r["flags"], r["msgid"], [t for t, *_ in r["pls"]],
        [n for n, _ in notifies(r["pls"])])


def inner_names(inner):
    return "[%s]" % " ".join("N(%d)" % n for n, _ in notifies(inner)) + \
        " payloads %s" % [t for t, *_ in inner]


# ---- The daemons ----

class Daemon:
    def __init__(self, name, conf, ns=None, args=()):
        self.name, self.ns = name, ns
        self.log = "%s/%s.log" % (WORK, name)
        self.state = "%s/%s.kernel.json" % (WORK, name)
        env = dict(os.environ, NFESP_FAKE_KERNEL_STATE=self.state)
        cmd = [IPSECCTL, "daemon", "-d", "-f", conf] + list(args)
        if ns:
            cmd = ["ip", "netns", "exec", ns] + cmd
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=env)
        self.log_seen = 0

    def ctl(self, *args):
        cmd = [IPSECCTL] + list(args)
        if self.ns:
            cmd = ["ip", "netns", "exec", self.ns] + cmd
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=15)

    def status(self):
        p = self.ctl("-j", "status")
        if p.returncode:
            raise Fail("%s: ipsecctl status failed: %s" % (self.name, p.stderr.strip()))
        return {c["name"]: c for c in json.loads(p.stdout)["connections"]}

    def wait_ready(self, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            if self.ctl("-j", "status").returncode == 0:
                return True
            time.sleep(0.05)
        return False

    def alive(self):
        return self.proc.poll() is None

    def kernel(self):
        with open(self.state) as f:
            return json.load(f)

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def sanitizer_report(self):
        t = self.log_text()
        for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer"):
            if mark in t:
                return t[t.index(mark):][:3000]
        return None

    def new_log(self):
        """What the daemon logged since the last call."""
        t = self.log_text()
        new, self.log_seen = t[self.log_seen:], len(t)
        return new

    def stop(self, timeout=8):
        """SIGTERM; its exit status (ASan's leak check is part of it), None if killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.logf.close()
                return None
        self.logf.close()
        return self.proc.returncode


# ---- The cases ----

daemon = None            # daemon A, the one under test
daemon_b = None


def conn_state(name):
    return daemon.status()[name]["state"]


def expect_state(name, want):
    got = conn_state(name)
    if got != want:
        raise Fail("rule %s: state %s, not %s" % (name, got, want))


def kernel_sas(peer_addr):
    """Daemon A's ESP SAs (not larval) to or from peer_addr."""
    return [s for s in daemon.kernel()["sas"]
            if not s["larval"] and peer_addr in (s["src"], s["dst"])]


def expect_silence(peer, data, what, port=500, marker=False):
    r = peer.ask_or_silence(data, port, marker)
    if r is not None:
        raise Fail("%s: answered: %s" % (what, describe(parse(r))))


def expect_notify(r, ntype, data=None, what=""):
    if r is None:
        raise Fail("%sno answer, %d expected" % (what, ntype))
    ns = notifies(r["pls"])
    if not (r["flags"] & F_R):
        raise Fail("%sanswer without the R flag" % what)
    for n, d in ns:
        if n == ntype and (data is None or d == data):
            return d
    raise Fail("%snot notify %d%s: %s" % (what, ntype,
                                         "" if data is None else " with data %s" % data.hex(),
                                         describe(r)))


def patch(data, off, fmt, val):
    """data with val packed at off"""
    b = bytearray(data)
    struct.pack_into(fmt, b, off, val)
    return bytes(b)


def peer_for(rname):
    return Peer(RULES[rname][0])


def good_init_msg():
    return Ike(None, "0.0.0.0").init_msg()


def case_start():
    """daemon A starts with the fake kernel, its control socket answers"""
    st = daemon.status()
    missing = [r for r in list(RULES) + ["peerb"] if r not in st]
    if missing:
        raise Fail("rules missing from status: %s" % missing)
    bad = {n: c["state"] for n, c in st.items() if c["state"] != "idle" and n != "peerb"}
    if bad:
        raise Fail("not idle: %s" % bad)


def case_truncated():
    """truncated datagrams (1, 16, 27 bytes, and an IKE_SA_INIT cut short) are dropped"""
    p = peer_for(R_TRUNC)
    m = Ike(p, "").init_msg()
    for n in (1, 16, 27, 28 + 3, len(m) // 2, len(m) - 1):
        expect_silence(p, m[:n], "first %d bytes of an IKE_SA_INIT" % n)
    expect_state(R_TRUNC, "idle")


def case_bad_lengths():
    """bad lengths (header length above or below the datagram's, payload length under 4 or
past the end, trailing bytes, bad proposal/transform lengths) get no SA"""
    p = peer_for(R_TRUNC)
    ike = Ike(p, "")
    m = ike.init_msg()
    grown = m + b"\0" * 8
    variants = [("length+8", patch(m, 24, "!I", len(m) + 8)),
                ("length-8", patch(m, 24, "!I", len(m) - 8)),
                ("length 0", patch(m, 24, "!I", 0)),
                ("length ~0", patch(m, 24, "!I", 0xFFFFFFFF)),
                ("SA length 3", patch(m, 30, "!H", 3)),
                ("SA length 0", patch(m, 30, "!H", 0)),
                ("SA length ~0", patch(m, 30, "!H", 0xFFFF)),
                ("8 trailing bytes", patch(grown, 24, "!I", len(grown)))]
    for what, v in variants:
        expect_silence(p, v, what)
    # Bodies that are well framed but wrong inside: INVALID_SYNTAX or silence.
    sab = sa_body(IKE_PROP)
    bodies = [("proposal length past SA", patch(sab, 2, "!H", len(sab) + 4)),
              ("transform length 2", patch(sab, 10, "!H", 2)),
              ("9 transforms announced, 3 there", patch(sab, 7, "!B", 9)),
              ("\"more\" on the last proposal", patch(sab, 0, "!B", 2)),
              ("SPI size 8 without the SPI", patch(sab, 6, "!B", 8))]
    for what, b in bodies:
        pls = [(PL_SA, bytes(b)), ke(G_X25519, ike.pub), (PL_NONCE, ike.ni)]
        r = parse(p.ask_or_silence(message(os.urandom(8), b"\0" * 8, X_INIT, F_I, 0, pls)))
        if r is not None:
            expect_notify(r, N_INVALID_SYNTAX, what=what + ": ")
    # A nonce of 3 bytes, a KE of 10: out of range.
    for what, pls in (("nonce of 3 bytes", [(PL_SA, sa_body(IKE_PROP)), ke(G_X25519, ike.pub),
                                             (PL_NONCE, b"abc")]),
                      ("nonce of 300 bytes", [(PL_SA, sa_body(IKE_PROP)), ke(G_X25519, ike.pub),
                                               (PL_NONCE, os.urandom(300))]),
                      ("curve25519 KE of 10 bytes", [(PL_SA, sa_body(IKE_PROP)),
                                                     ke(G_X25519, b"x" * 10),
                                                     (PL_NONCE, ike.ni)]),
                      ("curve25519 KE of a low-order point", [(PL_SA, sa_body(IKE_PROP)),
                                                              ke(G_X25519, b"\0" * 32),
                                                              (PL_NONCE, ike.ni)])):
        r = parse(p.ask_or_silence(message(os.urandom(8), b"\0" * 8, X_INIT, F_I, 0, pls)))
        if r is not None:
            if any(t == PL_KE for t, *_ in r["pls"]):
                raise Fail("%s: accepted: %s" % (what, describe(r)))
            expect_notify(r, N_INVALID_SYNTAX, what=what + ": ")
    expect_state(R_TRUNC, "idle")


def case_missing():
    """IKE_SA_INIT without KE, without nonce or without SA: INVALID_SYNTAX or silence, no SA"""
    p = peer_for(R_SYNTAX)
    ike = Ike(p, "")
    full = [(PL_SA, sa_body(IKE_PROP)), ke(G_X25519, ike.pub), (PL_NONCE, ike.ni)]
    for drop in range(3):
        pls = full[:drop] + full[drop + 1:]
        r = parse(p.ask_or_silence(message(os.urandom(8), b"\0" * 8, X_INIT, F_I, 0, pls)))
        if r is not None:
            expect_notify(r, N_INVALID_SYNTAX, what="without payload %d: " % full[drop][0])
    r = parse(p.ask_or_silence(message(os.urandom(8), b"\0" * 8, X_INIT, F_I, 0, [])))
    if r is not None:
        expect_notify(r, N_INVALID_SYNTAX, what="no payload at all: ")
    expect_state(R_SYNTAX, "idle")


def case_critical():
    """IKE_SA_INIT with an unknown critical payload: UNSUPPORTED_CRITICAL_PAYLOAD naming it"""
    p = peer_for(R_CRIT)
    for t in (99, 200, 1):
        ike = Ike(p, "")
        m = ike.init_msg(extra=[(t, b"hostile", True)])
        r = parse(p.ask(m))
        d = expect_notify(r, N_UNSUPPORTED_CRITICAL, what="payload type %d: " % t)
        if d != bytes([t]):
            raise Fail("payload type %d: notify data %s, not the type" % (t, d.hex()))
        if r["spi_i"] != ike.spi_i or r["msgid"] != 0 or r["exch"] != X_INIT:
            raise Fail("answer not for the request: %s" % describe(r))
        if any(tt == PL_KE for tt, *_ in r["pls"]):
            raise Fail("answer has a KE")
    expect_state(R_CRIT, "idle")


def case_noncritical():
    """an unknown payload without the critical bit, and a minor version 1, are ignored:
IKE_SA_INIT answered (RFC 7296 2.5, 3.1)"""
    p = peer_for(R_CRIT)
    ike = Ike(p, "")
    r = ike.init(extra=[(99, b"skip me")], ver=0x21)
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT not answered: %s" % describe(r))
    expect_state(R_CRIT, "connecting")


def case_critical_response():
    """an IKE_SA_INIT response (R flag) with an unknown critical payload: silence"""
    p = peer_for(R_NORESP)
    m = message(os.urandom(8), os.urandom(8), X_INIT, F_R, 0,
                [(99, b"x", True), notify(N_NO_PROPOSAL)])
    expect_silence(p, m, "critical payload in a response")


def case_version():
    """wrong major version (3, 15, 1): silence or INVALID_MAJOR_VERSION, no SA"""
    p = peer_for(R_VER)
    answers = []
    for ver in (0x30, 0xF0, 0x10):
        ike = Ike(p, "")
        r = parse(p.ask_or_silence(ike.init_msg(ver=ver)))
        if r is None:
            answers.append("%d.%d: silence" % (ver >> 4, ver & 15))
            continue
        if ver == 0x10:
            raise Fail("IKEv1 header answered: %s" % describe(r))
        expect_notify(r, N_INVALID_MAJOR, what="version %d: " % (ver >> 4))
        if r["ver"] >> 4 != 2:
            raise Fail("INVALID_MAJOR_VERSION not sent as version 2")
        answers.append("%d.%d: INVALID_MAJOR_VERSION" % (ver >> 4, ver & 15))
    expect_state(R_VER, "idle")
    return "; ".join(answers)


def case_msgid_init():
    """IKE_SA_INIT with message ID 1: dropped, no SA"""
    p = peer_for(R_MSGID)
    expect_silence(p, Ike(p, "").init_msg(msgid=1), "IKE_SA_INIT with ID 1")
    expect_state(R_MSGID, "idle")


def case_msgid_auth():
    """IKE_AUTH with a wrong message ID (0, 2, 7, 2^32-1): dropped; ID 1 then establishes"""
    p = peer_for(R_MSGID)
    ike = Ike(p, RULES[R_MSGID][0])
    r = ike.init()
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT not answered: %s" % describe(r))
    for mid in (0, 2, 7, 0xFFFFFFFF):
        expect_silence(p, ike.auth_msg(msgid=mid), "IKE_AUTH with ID %d" % mid)
    expect_state(R_MSGID, "connecting")
    ans = ike.open(p.ask(ike.auth_msg()))
    if not ans or not ike.check_responder_auth(ans["inner"]):
        raise Fail("IKE_AUTH with ID 1 not answered after the wrong ones")
    expect_state(R_MSGID, "established")
    # Established: INFORMATIONAL 3 (2 is expected) and 1 (old, not the last) dropped.
    for mid in (3, 1 << 31):
        expect_silence(p, ike.seal(X_INFO, F_I, mid, []), "INFORMATIONAL with ID %d" % mid)
    ans = ike.open(p.ask(ike.seal(X_INFO, F_I, 2, [])))
    if not ans or ans["msgid"] != 2:
        raise Fail("INFORMATIONAL 2 not answered")
    expect_state(R_MSGID, "established")


def case_retransmit():
    """retransmitted IKE_SA_INIT, IKE_AUTH and INFORMATIONAL requests: the same answer from
the cache, one child SA"""
    p = peer_for(R_RETX)
    ike = Ike(p, RULES[R_RETX][0])
    m = ike.init_msg()
    a1 = p.ask(m)
    a2 = p.ask(m)
    if a1 is None or a1 != a2:
        raise Fail("IKE_SA_INIT retransmission: %s" % ("no answer" if a1 is None else
                                                       "a different answer"))
    ike.take_init_resp(parse(a1))
    m = ike.auth_msg()
    b1 = p.ask(m)
    b2 = p.ask(m)
    if b1 is None or b1 != b2:
        raise Fail("IKE_AUTH retransmission: %s" % ("no answer" if b1 is None else
                                                    "a different answer"))
    ans = ike.open(b1)
    if not ans or not ike.check_responder_auth(ans["inner"]):
        raise Fail("IKE_AUTH answer without a valid AUTH")
    # The IKE_SA_INIT again, now: must not make a second SA nor disturb this one.
    p.ask_or_silence(ike.init_req)
    m = ike.seal(X_INFO, F_I, 2, [])
    c1 = p.ask(m)
    c2 = p.ask(m)
    if c1 is None or c1 != c2:
        raise Fail("INFORMATIONAL retransmission: %s" % ("no answer" if c1 is None else
                                                         "a different answer"))
    sas = kernel_sas(RULES[R_RETX][0])
    if len(sas) != 2:
        raise Fail("%d ESP SAs in the kernel for the peer, not 2: %s" % (len(sas), sas))
    expect_state(R_RETX, "established")


def case_icv():
    """bad ICV on IKE_AUTH and on INFORMATIONAL: dropped silently, the SA unharmed"""
    p = peer_for(R_ICV)
    ike = Ike(p, RULES[R_ICV][0])
    r = ike.init()
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT not answered: %s" % describe(r))
    expect_silence(p, ike.auth_msg(spoil_icv=True), "IKE_AUTH with a bad ICV")
    # Sealed with the responder's key: as bad as a wrong ICV.
    expect_silence(p, ike.seal(X_AUTH, F_I, 1, ike.auth_payloads(), from_responder=True),
                   "IKE_AUTH sealed with SK_er")
    expect_state(R_ICV, "connecting")
    ans = ike.open(p.ask(ike.auth_msg()))
    if not ans or not ike.check_responder_auth(ans["inner"]):
        raise Fail("the good IKE_AUTH after the bad ones not answered")
    expect_silence(p, ike.seal(X_INFO, F_I, 2, [(PL_D, struct.pack("!BBH", P_IKE, 0, 0))],
                               spoil_icv=True), "Delete with a bad ICV")
    # SK too short for IV and ICV
    h = header(ike.spi_i, ike.spi_r, PL_SK, X_INFO, F_I, 2, 28 + 4 + 10)
    expect_silence(p, h + struct.pack("!BBH", 0, 0, 14) + os.urandom(10), "SK of 10 bytes")
    expect_state(R_ICV, "established")
    if len(kernel_sas(RULES[R_ICV][0])) != 2:
        raise Fail("child SA gone after bad ICVs")


def case_no_request():
    """responses without a request (IKE_SA_INIT for unknown SPIs, IKE_AUTH and
INFORMATIONAL responses to an SA that asked nothing): silence, the SA unharmed"""
    p = peer_for(R_NORESP)
    m = message(os.urandom(8), os.urandom(8), X_INIT, F_R, 0,
                [(PL_SA, sa_body(IKE_PROP)), ke(G_X25519, os.urandom(32)),
                 (PL_NONCE, os.urandom(32))])
    expect_silence(p, m, "IKE_SA_INIT response for unknown SPIs")
    ike = Ike(p, RULES[R_NORESP][0])
    ike.establish()
    for mid in (0, 1, 2):
        expect_silence(p, ike.seal(X_INFO, F_I | F_R, mid, []),
                       "INFORMATIONAL response %d" % mid)
    expect_silence(p, ike.seal(X_AUTH, F_I | F_R, 1, ike.auth_payloads()),
                   "IKE_AUTH response")
    expect_silence(p, ike.seal(X_CHILD, F_I | F_R, 2, []), "CREATE_CHILD_SA response")
    # An IKE_SA_INIT response naming the daemon's responder SPI as the initiator's.
    expect_silence(p, message(ike.spi_r, ike.spi_i, X_INIT, F_R, 0, [notify(N_NO_PROPOSAL)]),
                   "IKE_SA_INIT response with the SPIs swapped")
    expect_state(R_NORESP, "established")
    ans = ike.open(p.ask(ike.seal(X_INFO, F_I, 2, [])))
    if not ans:
        raise Fail("INFORMATIONAL request not answered after the stray responses")


def case_flags():
    """wrong I/R flags (IKE_AUTH without I, INFORMATIONAL without I): dropped; the SA
unharmed"""
    p = peer_for(R_FLAGS)
    ike = Ike(p, RULES[R_FLAGS][0])
    r = ike.init()
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT not answered: %s" % describe(r))
    expect_silence(p, ike.auth_msg(flags=0), "IKE_AUTH without the I flag")
    expect_state(R_FLAGS, "connecting")
    ans = ike.open(p.ask(ike.auth_msg()))
    if not ans or not ike.check_responder_auth(ans["inner"]):
        raise Fail("the good IKE_AUTH not answered")
    expect_silence(p, ike.seal(X_INFO, 0, 2, [(PL_D, struct.pack("!BBH", P_IKE, 0, 0))]),
                   "Delete without the I flag")
    expect_state(R_FLAGS, "established")


def case_invalid_ke():
    """IKE_SA_INIT with a KE of a group not proposed: INVALID_KE_PAYLOAD naming ours; the
retry with it answered"""
    p = peer_for(R_KE)
    ike = Ike(p, RULES[R_KE][0])
    prop = [(P_IKE, b"", [xf(T_ENCR, ENCR_GCM16, 256), xf(T_PRF, PRF_SHA256),
                          xf(T_DH, G_X25519), xf(T_DH, G_ECP256)])]
    r = parse(p.ask(ike.init_msg(prop=prop, group=G_MODP2048, kedata=os.urandom(256))))
    expect_notify(r, N_INVALID_KE, struct.pack("!H", G_X25519), "KE of modp2048: ")
    if any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("the refusal has a KE")
    # Only ecp256 proposed, a curve25519 KE: the daemon names ecp256.
    prop2 = [(P_IKE, b"", [xf(T_ENCR, ENCR_GCM16, 256), xf(T_PRF, PRF_SHA256),
                           xf(T_DH, G_ECP256)])]
    r = parse(p.ask(ike.init_msg(prop=prop2)))
    expect_notify(r, N_INVALID_KE, struct.pack("!H", G_ECP256), "KE of curve25519: ")
    expect_state(R_KE, "idle")
    ike.establish()
    expect_state(R_KE, "established")


def case_no_proposal():
    """no proposal in common (aes-cbc-128/sha1/modp1024, or ESP in IKE_SA_INIT), and no rule
for the peer: NO_PROPOSAL_CHOSEN, no SA"""
    p = peer_for(R_NOPROP)
    prop = [(P_IKE, b"", [xf(T_ENCR, ENCR_AES_CBC, 128), xf(T_PRF, PRF_SHA1),
                          xf(T_INTEG, INTEG_SHA1_96), xf(T_DH, G_MODP1024)])]
    ike = Ike(p, "")
    r = parse(p.ask(ike.init_msg(prop=prop, group=G_MODP1024, kedata=os.urandom(128))))
    expect_notify(r, N_NO_PROPOSAL, what="aes-cbc-128/sha1/modp1024: ")
    prop = [(P_ESP, b"", [xf(T_ENCR, ENCR_GCM16, 256), xf(T_ESN, 0)])]
    r = parse(p.ask(Ike(p, "").init_msg(prop=prop)))
    expect_notify(r, N_NO_PROPOSAL, what="an ESP proposal: ")
    expect_state(R_NOPROP, "idle")
    q = Peer(NORULE)
    r = parse(q.ask(Ike(q, "").init_msg()))
    expect_notify(r, N_NO_PROPOSAL, what="from a peer without a rule: ")


def case_wrong_psk():
    """a wrong PSK: AUTHENTICATION_FAILED, no SA, no ESP SA; the next, correct initiator
is served"""
    p = peer_for(R_PSK)
    ike = Ike(p, RULES[R_PSK][0])
    r = ike.init()
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT not answered: %s" % describe(r))
    ans = ike.open(p.ask(ike.auth_msg(psk=WRONG_PSK)))
    if not ans:
        raise Fail("no answer to the IKE_AUTH with a wrong key")
    if N_AUTH_FAILED not in [n for n, _ in notifies(ans["inner"])]:
        raise Fail("answer is not AUTHENTICATION_FAILED: %s" % inner_names(ans["inner"]))
    if any(t in (PL_AUTH, PL_SA) for t, _ in ans["inner"]):
        raise Fail("AUTHENTICATION_FAILED answer with AUTH or SA")
    expect_state(R_PSK, "idle")
    if kernel_sas(RULES[R_PSK][0]):
        raise Fail("ESP SAs installed after a failed authentication")
    # The same message again: the SA is gone, nothing to answer with.
    p.ask_or_silence(ike.auth_msg(psk=WRONG_PSK))
    # A wrong ID (a different address) with the right key: refused too.
    ike2 = Ike(p, "127.0.0.250")
    ike2.init()
    ans = ike2.open(p.ask(ike2.auth_msg()))
    if not ans or N_AUTH_FAILED not in [n for n, _ in notifies(ans["inner"])]:
        raise Fail("wrong IDi: not AUTHENTICATION_FAILED")
    expect_state(R_PSK, "idle")
    good = Ike(p, RULES[R_PSK][0])
    good.establish()
    expect_state(R_PSK, "established")
    if len(kernel_sas(RULES[R_PSK][0])) != 2:
        raise Fail("the correct initiator's child SA is not in the kernel")


def case_inner_critical():
    """an unknown critical payload inside a valid SK (INFORMATIONAL): an encrypted
UNSUPPORTED_CRITICAL_PAYLOAD answer (RFC 7296 2.5), the SA unharmed"""
    p = peer_for(R_INNER)
    ike = Ike(p, RULES[R_INNER][0])
    ike.establish()
    m = ike.seal(X_INFO, F_I, 2, [(99, b"hostile", True)])
    raw = p.ask_or_silence(m)
    alive_or_fail()
    expect_state(R_INNER, "established")
    ans = ike.open(raw) if raw else None
    if not ans:
        # Whatever else: the next request must still be served (the ID not consumed).
        ok = ike.open(p.ask(ike.seal(X_INFO, F_I, 2, [])))
        raise Fail("no answer (silently dropped)%s" %
                   ("" if ok else "; and the next INFORMATIONAL 2 not answered either"))
    if N_UNSUPPORTED_CRITICAL not in [n for n, _ in notifies(ans["inner"])]:
        raise Fail("answer is not UNSUPPORTED_CRITICAL_PAYLOAD: %s" % inner_names(ans["inner"]))


def case_inner_syntax():
    """malformed payloads inside a valid SK (inner length past the end, a truncated
Delete): silence or INVALID_SYNTAX, the SA unharmed and served after"""
    p = peer_for(R_SYNTAX)
    ike = Ike(p, RULES[R_SYNTAX][0])
    ike.establish()
    mid = 2
    for what, inner in (("inner payload length past the end",
                         [(PL_D, b"\x03\x04\x00\x05")]),
                        ("Delete announcing 100 SPIs, carrying 1",
                         [(PL_D, struct.pack("!BBH", P_ESP, 4, 100) + b"\0\0\0\1")]),
                        ("notify with SPI size past the end",
                         [(PL_N, struct.pack("!BBH", P_ESP, 200, 16384))])):
        # A chain whose first payload claims more than there is.
        if what.startswith("inner payload length"):
            first, plain = payloads(inner)
            plain = plain[:2] + struct.pack("!H", 200) + plain[4:]
            m = seal_raw(ike, X_INFO, mid, first, plain)
        else:
            m = ike.seal(X_INFO, F_I, mid, inner)
        raw = p.ask_or_silence(m)
        if raw is not None:
            ans = ike.open(raw)
            if not ans:
                raise Fail("%s: an answer that does not open" % what)
            ns = [n for n, _ in notifies(ans["inner"])]
            if N_INVALID_SYNTAX not in ns and ans["inner"] and \
                    not what.startswith("Delete"):
                raise Fail("%s: answered %s" % (what, inner_names(ans["inner"])))
            mid += 1
        alive_or_fail()
    expect_state(R_SYNTAX, "established")
    ans = ike.open(p.ask(ike.seal(X_INFO, F_I, mid, [])))
    if not ans:
        raise Fail("INFORMATIONAL %d not answered after the malformed ones" % mid)


def seal_raw(ike, exch, msgid, first, plain):
    plain += b"\0"
    iv = os.urandom(8)
    sk_len = 4 + 8 + len(plain) + 16
    h = header(ike.spi_i, ike.spi_r, PL_SK, exch, F_I, msgid, 28 + sk_len)
    skh = struct.pack("!BBH", first, 0, sk_len)
    return h + skh + iv + AESGCM(ike.sk_ei[:32]).encrypt(ike.sk_ei[32:] + iv, plain, h + skh)


def case_fragments():
    """IKE_AUTH in RFC 7383 fragments among hostile ones (number 0, past the total, total
over 32, a bad ICV, duplicates, out of order): dropped; the real ones establish, a
retransmission is answered once"""
    p = peer_for(R_FRAG)
    ike = Ike(p, RULES[R_FRAG][0])
    r = ike.init(extra=[notify(N_FRAG_SUPPORTED)])
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT not answered: %s" % describe(r))
    inner = ike.auth_payloads()
    good = ike.frags(X_AUTH, 1, inner, 3)
    first = inner[0][0]
    hostile = [("number 0", ike.frag(X_AUTH, 1, 0, 3, b"x" * 20, first)),
               ("number 4 of 3", ike.frag(X_AUTH, 1, 4, 3, b"x" * 20)),
               ("1 of 33", ike.frag(X_AUTH, 1, 1, 33, b"x" * 20, first)),
               ("1 of 65535", ike.frag(X_AUTH, 1, 1, 65535, b"x" * 20, first)),
               ("2 of 3 with a bad ICV", ike.frag(X_AUTH, 1, 2, 3, b"x" * 20, spoil_icv=True)),
               ("SKF of 3 bytes", header(ike.spi_i, ike.spi_r, PL_SKF, X_AUTH, F_I, 1, 35) +
                struct.pack("!BBH", 0, 0, 7) + b"abc"),
               ("msgid 2", ike.frag(X_AUTH, 2, 1, 2, b"x" * 20, first))]
    for what, m in hostile:
        expect_silence(p, m, "fragment " + what)
    # Out of order, with duplicates: one answer, after the last one missing.
    got = p.answers([good[2], good[0], good[2]])
    if got:
        raise Fail("answered before fragment 2 came: %s" % describe(parse(got[0])))
    got = p.answers([good[1], good[1]])
    if len(got) != 1:
        raise Fail("%d answers to the completing fragment and its duplicate, not 1" % len(got))
    ans = ike.open(got[0])
    if not ans or not ike.check_responder_auth(ans["inner"]):
        raise Fail("the reassembled IKE_AUTH not answered with a valid AUTH")
    expect_state(R_FRAG, "established")
    # All three again: a retransmission, answered once (on fragment 1), the same bytes.
    again = p.answers(good)
    if again != got:
        raise Fail("retransmitted fragments: %d answers%s" % (
            len(again), "" if len(again) != 1 else ", not the cached one"))
    # Fragments of an INFORMATIONAL that never completes, then a whole one: served.
    expect_silence(p, ike.frag(X_INFO, 2, 1, 4, b""), "INFORMATIONAL fragment 1 of 4")
    ans = ike.open(p.ask(ike.seal(X_INFO, F_I, 2, [])))
    if not ans:
        raise Fail("INFORMATIONAL 2 not answered after a partial one")
    expect_state(R_FRAG, "established")


def child_payloads(ike, spi, prop=None, tsi=None, tsr=None, extra=()):
    return list(extra) + [
        (PL_SA, sa_body([(P_ESP, spi, prop or [xf(T_ENCR, ENCR_GCM16, 256), xf(T_ESN, 0)])])),
        (PL_NONCE, os.urandom(32)), (PL_TSI, ts_body(tsi or ike.me)),
        (PL_TSR, ts_body(tsr or A)), notify(N_USE_TRANSPORT)]


def case_create_child():
    """hostile CREATE_CHILD_SA requests (no SA, no nonce, REKEY_SA of an unknown SPI,
no ESP proposal in common, selectors outside the rule, an IKE rekey with a KE of the wrong
group or no SPI): the right encrypted error each, the SA unharmed; then a real child is
made and deleted"""
    p = peer_for(R_CHILD)
    ike = Ike(p, RULES[R_CHILD][0])
    ike.establish()
    mid = 2
    spi = os.urandom(4)
    ike_prop = lambda spi, g: [(P_IKE, spi, [xf(T_ENCR, ENCR_GCM16, 256), xf(T_PRF, PRF_SHA256),
                                             xf(T_DH, g)])]
    cases = [
        ("empty", [], N_INVALID_SYNTAX),
        ("no nonce", [x for x in child_payloads(ike, spi) if x[0] != PL_NONCE],
         N_INVALID_SYNTAX),
        ("REKEY_SA of an unknown SPI",
         child_payloads(ike, spi, extra=[notify(N_REKEY_SA, proto=P_ESP, spi=b"\1\2\3\4")]),
         N_CHILD_SA_NOT_FOUND),
        ("REKEY_SA with a 2-byte SPI",
         child_payloads(ike, spi, extra=[notify(N_REKEY_SA, proto=P_ESP, spi=b"\1\2")]),
         N_CHILD_SA_NOT_FOUND),
        ("aes-cbc without integrity",
         child_payloads(ike, spi, prop=[xf(T_ENCR, ENCR_AES_CBC, 128), xf(T_ESN, 0)]),
         N_NO_PROPOSAL),
        ("an ESP SPI of 2 bytes", child_payloads(ike, b"\1\2"), N_NO_PROPOSAL),
        ("selectors outside the rule",
         child_payloads(ike, spi, tsi="10.9.9.9", tsr="10.8.8.8"), N_TS_UNACCEPTABLE),
        ("IKE rekey with a KE of the wrong group",
         [(PL_SA, sa_body(ike_prop(os.urandom(8), G_X25519))), (PL_NONCE, os.urandom(32)),
          ke(G_ECP256, os.urandom(64))], N_INVALID_KE),
        ("IKE rekey without an SPI",
         [(PL_SA, sa_body(ike_prop(b"", G_X25519))), (PL_NONCE, os.urandom(32)),
          ke(G_X25519, os.urandom(32))], N_NO_PROPOSAL),
        ("IKE rekey without KE",
         [(PL_SA, sa_body(ike_prop(os.urandom(8), G_X25519))), (PL_NONCE, os.urandom(32))],
         N_INVALID_SYNTAX),
    ]
    for what, inner, want in cases:
        raw = p.ask(ike.seal(X_CHILD, F_I, mid, inner))
        ans = ike.open(raw) if raw else None
        if not ans:
            raise Fail("%s: no answer" % what)
        ns = [n for n, _ in notifies(ans["inner"])]
        if want not in ns:
            raise Fail("%s: answered %s, not notify %d" % (what, inner_names(ans["inner"]), want))
        if any(t == PL_SA for t, _ in ans["inner"]):
            raise Fail("%s: the refusal has an SA payload" % what)
        mid += 1
        alive_or_fail()
    expect_state(R_CHILD, "established")
    if len(kernel_sas(RULES[R_CHILD][0])) != 2:
        raise Fail("ESP SAs changed by the refused requests")
    ans = ike.open(p.ask(ike.seal(X_CHILD, F_I, mid, child_payloads(ike, spi))))
    mid += 1
    if not ans or not any(t == PL_SA for t, _ in ans["inner"]):
        raise Fail("a real CREATE_CHILD_SA refused: %s" %
                   (inner_names(ans["inner"]) if ans else "no answer"))
    if len(kernel_sas(RULES[R_CHILD][0])) != 4:
        raise Fail("the new child's ESP SAs are not in the kernel")
    ans = ike.open(p.ask(ike.seal(X_INFO, F_I, mid, [(PL_D, struct.pack("!BBH", P_ESP, 4, 1) +
                                                      spi)])))
    if not ans or not any(t == PL_D for t, _ in ans["inner"]):
        raise Fail("the child's Delete not answered with a Delete")
    if len(kernel_sas(RULES[R_CHILD][0])) != 2:
        raise Fail("the deleted child's ESP SAs are still in the kernel")
    expect_state(R_CHILD, "established")


def case_ike_rekey():
    """the peer rekeys the IKE SA (CREATE_CHILD_SA) and deletes the old one: the child SA
moves to the new IKE SA, which answers; the old one is gone"""
    p = peer_for(R_REKEY)
    old = Ike(p, RULES[R_REKEY][0])
    old.establish()
    new = Ike(p, RULES[R_REKEY][0])
    prop = [(P_IKE, new.spi_i, [xf(T_ENCR, ENCR_GCM16, 256), xf(T_PRF, PRF_SHA256),
                                xf(T_DH, G_X25519)])]
    ans = old.open(p.ask(old.seal(X_CHILD, F_I, 2, [(PL_SA, sa_body(prop)),
                                                    (PL_NONCE, new.ni),
                                                    ke(G_X25519, new.pub)])))
    if not ans:
        raise Fail("the IKE rekey not answered")
    sa = [b for t, b in ans["inner"] if t == PL_SA]
    kep = [b for t, b in ans["inner"] if t == PL_KE]
    nr = [b for t, b in ans["inner"] if t == PL_NONCE]
    if not sa or not kep or not nr:
        raise Fail("the IKE rekey refused: %s" % inner_names(ans["inner"]))
    # The proposal's SPI: after last/more, reserved, length, number, protocol, size, count.
    if sa[0][5] != P_IKE or sa[0][6] != 8:
        raise Fail("the answer's proposal is not IKE with an 8-byte SPI")
    new.spi_r, new.nr = sa[0][8:16], nr[0]
    shared = new.priv.exchange(X25519PublicKey.from_public_bytes(kep[0][4:]))
    skeyseed = prf(old.sk_d, shared + new.ni + new.nr)
    km = prf_plus(skeyseed, new.ni + new.nr + new.spi_i + new.spi_r, 32 + 36 + 36 + 32 + 32)
    new.sk_d, new.sk_ei, new.sk_er = km[:32], km[32:68], km[68:104]
    new.sk_pi, new.sk_pr = km[104:136], km[136:168]
    # The old SA: a CREATE_CHILD_SA now is refused, its Delete answered.
    ans = old.open(p.ask(old.seal(X_INFO, F_I, 3, [(PL_D, struct.pack("!BBH", P_IKE, 0, 0))])))
    if not ans:
        raise Fail("the old IKE SA's Delete not answered")
    ans = new.open(p.ask(new.seal(X_INFO, F_I, 0, [])))
    if not ans:
        raise Fail("the new IKE SA does not answer INFORMATIONAL 0")
    expect_silence(p, old.seal(X_INFO, F_I, 4, []), "INFORMATIONAL on the deleted IKE SA")
    st = daemon.status()[R_REKEY]
    if st["state"] != "established" or st["ike_sa"]["spi_i"] != new.spi_i.hex():
        raise Fail("status: %s, IKE SA %s" % (st["state"], st.get("ike_sa", {}).get("spi_i")))
    if len(st["child_sas"]) != 1 or len(kernel_sas(RULES[R_REKEY][0])) != 2:
        raise Fail("the child SA did not survive the IKE rekey")
    # Deleting the new one takes the child with it.
    ans = new.open(p.ask(new.seal(X_INFO, F_I, 1, [(PL_D, struct.pack("!BBH", P_IKE, 0, 0))])))
    if not ans:
        raise Fail("the new IKE SA's Delete not answered")
    time.sleep(0.05)
    expect_state(R_REKEY, "idle")
    if kernel_sas(RULES[R_REKEY][0]):
        raise Fail("ESP SAs left after the new IKE SA's Delete")


def mutate(rng, pls):
    """A few random changes to a payload list: bodies flipped, cut, grown, payloads
dropped, doubled, retyped or made critical. The chain stays well framed."""
    pls = [list(pl) + [False] * (3 - len(pl)) for pl in pls]
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(8)
        i = rng.randrange(len(pls)) if pls else 0
        if not pls:
            pls.append([rng.choice([PL_SA, PL_N, PL_D, PL_TSI, PL_KE]), os.urandom(8), False])
        elif k <= 2 and pls[i][1]:
            b = bytearray(pls[i][1])
            for _ in range(rng.randint(1, 3)):
                j = rng.randrange(len(b))
                b[j] = rng.choice([0, 1, 0xff, 0x80, b[j] ^ (1 << rng.randrange(8)),
                                   rng.randrange(256)])
            pls[i][1] = bytes(b)
        elif k == 3:
            pls[i][1] = pls[i][1][:rng.randrange(len(pls[i][1]) + 1)]
        elif k == 4:
            pls[i][1] = pls[i][1] + os.urandom(rng.choice([1, 4, 8, 100]))
        elif k == 5:
            pls.insert(rng.randrange(len(pls) + 1), list(pls[i]))
        elif k == 6 and len(pls) > 1:
            del pls[i]
        else:
            pls[i][0] = rng.choice([PL_SA, PL_KE, PL_IDI, PL_IDR, PL_AUTH, PL_NONCE, PL_N,
                                    PL_D, PL_TSI, PL_TSR, 47, 48, PL_VID, 38, 37, 99])
            pls[i][2] = rng.random() < 0.2
    return [tuple(pl) for pl in pls]


def fuzz_bases(ike, rng):
    spi = os.urandom(4)
    prop = [(P_IKE, os.urandom(8), [xf(T_ENCR, ENCR_GCM16, 256), xf(T_PRF, PRF_SHA256),
                                    xf(T_DH, G_X25519)])]
    return [
        (X_CHILD, child_payloads(ike, spi)),
        (X_CHILD, child_payloads(ike, spi, extra=[notify(N_REKEY_SA, proto=P_ESP,
                                                         spi=ike.spi_esp)])),
        (X_CHILD, [(PL_SA, sa_body(prop)), (PL_NONCE, os.urandom(32)),
                   ke(G_X25519, os.urandom(32))]),
        (X_INFO, [(PL_D, struct.pack("!BBH", P_ESP, 4, 2) + ike.spi_esp + spi)]),
        (X_INFO, [notify(16384), notify(16388, os.urandom(20)), (PL_VID, b"x" * 16)]),
        (X_INFO, [(47, b"\1\0\0\0" + struct.pack("!HH", 1, 0))]),
    ]


def case_fuzz_sk():
    """mutated requests inside a valid SK (CREATE_CHILD_SA, INFORMATIONAL), authenticated:
no crash, the IKE SA re-made when a mutation deletes it, a good peer served after"""
    rng = random.Random(FUZZ_SEED)
    p = peer_for(R_FUZZ)
    ike, mid, made, answered = None, 2, 0, 0
    for n in range(FUZZ_N):
        if ike is None:
            ike = Ike(p, RULES[R_FUZZ][0])
            ike.establish()
            made += 1
            mid = 2
            bases = fuzz_bases(ike, rng)
        exch, pls = rng.choice(bases)
        got = p.answers([ike.seal(exch, F_I, mid, mutate(rng, pls))])
        if got:
            mid += 1
            answered += 1
            if not ike.open(got[0]):
                raise Fail("mutation %d: an answer that does not open" % n)
        # Is the IKE SA still there? An empty INFORMATIONAL tells.
        if p.answers([ike.seal(X_INFO, F_I, mid, [])]):
            mid += 1
        else:
            ike = None
    case_still_serves()
    return "seed %d: %d mutations, %d answered, %d IKE SAs made (NFESP_IKE_FUZZ=%d:%d " \
        "replays)" % (FUZZ_SEED, FUZZ_N, answered, made, FUZZ_SEED, FUZZ_N)


def case_fuzz_auth():
    """mutated IKE_AUTH requests inside a valid SK, and mutated IKE_SA_INIT requests: no
crash, a good peer served after"""
    rng = random.Random(FUZZ_SEED + 1)
    p = peer_for(R_FUZZ)
    n_auth = max(FUZZ_N // 3, 1)
    for n in range(n_auth):
        ike = Ike(p, RULES[R_FUZZ][0])
        r = ike.init()
        if not r or not any(t == PL_KE for t, *_ in r["pls"]):
            raise Fail("IKE_SA_INIT %d not answered: %s" % (n, describe(r)))
        pls = mutate(rng, ike.auth_payloads(extra=[notify(16384)]))
        got = p.answers([ike.seal(X_AUTH, F_I, 1, pls)])
        if got and not ike.open(got[0]):
            raise Fail("IKE_AUTH mutation %d: an answer that does not open" % n)
        # The half-open or established SA goes, so that they do not pile up.
        if got:
            p.answers([ike.seal(X_INFO, F_I, 2, [(PL_D, struct.pack("!BBH", P_IKE, 0, 0))])])
    for n in range(FUZZ_N):
        ike = Ike(p, "")
        base = [(PL_SA, sa_body(IKE_PROP)), ke(G_X25519, ike.pub), (PL_NONCE, ike.ni),
                notify(16388, os.urandom(20)), notify(16389, os.urandom(20)),
                notify(N_FRAG_SUPPORTED)]
        m = message(os.urandom(8), b"\0" * 8, X_INIT, F_I, 0, mutate(rng, base))
        if rng.random() < 0.3:
            m = bytearray(m)
            m[rng.randrange(len(m))] ^= 1 << rng.randrange(8)
            m = bytes(m)
        p.answers([m])
    case_still_serves()
    return "seed %d: %d IKE_AUTH and %d IKE_SA_INIT mutations" % (FUZZ_SEED + 1, n_auth,
                                                                  FUZZ_N)


def case_natd_port500():
    """NAT-D notifies that say "NAT", then IKE_AUTH still on UDP 500 (the initiator did not
move to 4500 as RFC 7296 2.23 says it must): no ESP SA encapsulated in UDP to or from
port 500"""
    p = peer_for(R_NATD)
    ike = Ike(p, RULES[R_NATD][0])
    r = ike.init(extra=[notify(16388, os.urandom(20)), notify(16389, os.urandom(20))])
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT not answered: %s" % describe(r))
    ans = ike.open(p.ask(ike.auth_msg()))
    if not ans:
        raise Fail("IKE_AUTH not answered")
    bad = [s for s in kernel_sas(RULES[R_NATD][0]) if 500 in s["encap"]]
    if bad:
        raise Fail("ESP SAs in UDP with port 500: %s" % ", ".join(
            "%s %s->%s encap %s" % (s["spi"], s["src"], s["dst"], s["encap"]) for s in bad))


def case_init_4500():
    """IKE_SA_INIT on UDP 4500 with the non-ESP marker (RFC 7296 2.23: an initiator can
use port 4500 even at the beginning of IKE): answered on 4500"""
    p = peer_for(R_INIT4500)
    ike = Ike(p, RULES[R_INIT4500][0])
    r = parse(p.ask_or_silence(ike.init_msg(), port=4500, marker=True))
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("IKE_SA_INIT on 4500: %s" % describe(r))


# ---- Daemon A as the initiator, the test side a hostile responder ----

def socket_in_ns(ns, addr, port):
    """A UDP socket bound in network namespace ns (setns there and back)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    me = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(there, 0x40000000):
            raise OSError(ctypes.get_errno(), "setns " + ns)
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((addr, port))
        finally:
            if libc.setns(me, 0x40000000):
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(me)
        os.close(there)
    return s


class Responder:
    """The other end of daemon A's rule "out": answers as each case says."""

    sock = None

    def __init__(self):
        if Responder.sock is None:
            Responder.sock = socket_in_ns(NS_C, C_OUT, 500)
        self.s = Responder.sock
        self.priv = X25519PrivateKey.generate()
        self.pub = self.priv.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)
        self.spi_r, self.nr = os.urandom(8), os.urandom(32)

    def recv(self, timeout=ANSWER):
        if not select.select([self.s], [], [], timeout)[0]:
            return None
        data, self.addr = self.s.recvfrom(70000)
        r = parse(data)
        if r is None:
            raise Fail("daemon A sent a malformed message")
        return r

    def send(self, data):
        self.s.sendto(data, self.addr)

    def expect(self, exch, what, timeout=ANSWER):
        r = self.recv(timeout)
        # Retransmissions of an SA given up meanwhile: not for this one.
        while r is not None and exch == X_INIT and r["exch"] != X_INIT:
            r = self.recv(timeout)
        if r is None:
            raise Fail("%s: no %d request from daemon A" % (what, exch))
        if r["exch"] != exch or r["flags"] & F_R or not r["flags"] & F_I:
            raise Fail("%s: not an %d request: %s" % (what, exch, describe(r)))
        return r

    def init_req(self, what):
        """The next IKE_SA_INIT request (retransmissions of older SAs skipped)."""
        r = self.expect(X_INIT, what)
        self.req = r
        self.spi_i, self.msg_init_req = r["spi_i"], r["raw"]
        for t, body, *_ in r["pls"]:
            if t == PL_KE:
                self.ke_group, self.peer_pub = struct.unpack("!H", body[:2])[0], body[4:]
            elif t == PL_NONCE:
                self.ni = body
        return r

    def init_answer(self, pls=None, spi_r=None):
        """The answer to the last IKE_SA_INIT: by default a real one, keys derived."""
        if pls is None:
            pls = [(PL_SA, sa_body([(P_IKE, b"", [xf(T_ENCR, ENCR_GCM16, 256),
                                                   xf(T_PRF, PRF_SHA256),
                                                   xf(T_DH, G_X25519)])])),
                   ke(G_X25519, self.pub), (PL_NONCE, self.nr)]
        m = message(self.spi_i, self.spi_r if spi_r is None else spi_r, X_INIT, F_R, 0, pls)
        self.send(m)
        self.msg_init_resp = m
        return m

    def keys(self):
        shared = self.priv.exchange(X25519PublicKey.from_public_bytes(self.peer_pub))
        skeyseed = prf(self.ni + self.nr, shared)
        km = prf_plus(skeyseed, self.ni + self.nr + self.spi_i + self.spi_r,
                      32 + 36 + 36 + 32 + 32)
        self.sk_d, self.sk_ei, self.sk_er = km[:32], km[32:68], km[68:104]
        self.sk_pi, self.sk_pr = km[104:136], km[136:168]

    def open_req(self, r):
        t, body, off = r["pls"][-1]
        plain = AESGCM(self.sk_ei[:32]).decrypt(self.sk_ei[32:] + body[:8], body[8:],
                                                r["raw"][:off + 4])
        return inner_chain(r["raw"][off], plain[:len(plain) - 1 - plain[-1]])

    def seal(self, exch, msgid, inner, spoil_icv=False):
        first, plain = payloads(inner)
        plain += b"\0"
        iv = os.urandom(8)
        sk_len = 4 + 8 + len(plain) + 16
        h = header(self.spi_i, self.spi_r, PL_SK, exch, F_R, msgid, 28 + sk_len)
        skh = struct.pack("!BBH", first, 0, sk_len)
        ct = AESGCM(self.sk_er[:32]).encrypt(self.sk_er[32:] + iv, plain, h + skh)
        if spoil_icv:
            ct = ct[:-1] + bytes([ct[-1] ^ 1])
        return h + skh + iv + ct

    def auth_answer(self, req_inner, psk=PSK, idr=None):
        idb = id_body(idr or C_OUT)
        octets = self.msg_init_resp + self.ni + prf(self.sk_pr, idb)
        auth = prf(prf(psk, b"Key Pad for IKEv2"), octets)
        sa = [b for t, b in req_inner if t == PL_SA][0]
        out = [(PL_IDR, idb), (PL_AUTH, bytes([2, 0, 0, 0]) + auth),
               (PL_SA, sa_body([(P_ESP, os.urandom(4), [xf(T_ENCR, ENCR_GCM16, 256),
                                                         xf(T_ESN, 0)])]))]
        out += [(t, b) for t, b in req_inner if t in (PL_TSI, PL_TSR)]
        out.append(notify(N_USE_TRANSPORT))
        # The daemon's proposal number is 1 with its SPI: ours answers it.
        return out


def out_up():
    """ipsecctl up out, from idle"""
    if conn_state("out") != "idle":
        daemon.ctl("down", "out")
        out_gone("down before up")
    p = daemon.ctl("up", "out")
    if p.returncode:
        raise Fail("ipsecctl up out: %s" % p.stderr.strip())


def out_gone(what):
    """Daemon A gave up on "out": idle, and not asking again."""
    end = time.monotonic() + 2
    while conn_state("out") != "idle":
        if time.monotonic() > end:
            raise Fail("%s: daemon A still %s" % (what, conn_state("out")))
        time.sleep(0.02)


def case_hostile_init_resp():
    """daemon A as initiator, hostile IKE_SA_INIT answers: COOKIEs without end (3 retries),
INVALID_KE naming an unconfigured or the same group, an SA or KE not as offered, no nonce:
the IKE SA given up; INVALID_KE naming a configured group: retried with it"""
    c = Responder()
    out_up()
    r = c.init_req("first")
    for i in range(3):
        c.send(message(c.spi_i, b"\0" * 8, X_INIT, F_R, 0, [notify(N_COOKIE, b"c%d" % i)]))
        r = c.init_req("after COOKIE %d" % (i + 1))
        ns = notifies(r["pls"])
        if not ns or ns[0] != (N_COOKIE, b"c%d" % i) or r["pls"][0][0] != PL_N:
            raise Fail("retry %d does not start with the COOKIE: %s" % (i + 1, describe(r)))
    c.send(message(c.spi_i, b"\0" * 8, X_INIT, F_R, 0, [notify(N_COOKIE, b"c3")]))
    if c.recv(0.3):
        raise Fail("a fourth retry after four COOKIEs")
    out_gone("four COOKIEs")
    prop = lambda *trs: [(PL_SA, sa_body([(P_IKE, b"", list(trs))]))]
    gcm, sha, x = xf(T_ENCR, ENCR_GCM16, 256), xf(T_PRF, PRF_SHA256), xf(T_DH, G_X25519)
    for what, pls in (
            ("INVALID_KE naming modp1024", [notify(N_INVALID_KE, struct.pack("!H", 2))]),
            ("INVALID_KE naming curve25519, the group sent",
             [notify(N_INVALID_KE, struct.pack("!H", G_X25519))]),
            ("INVALID_KE without data", [notify(N_INVALID_KE)]),
            ("a COOKIE of 100 bytes", [notify(N_COOKIE, b"x" * 100)]),
            ("NO_PROPOSAL_CHOSEN", [notify(N_NO_PROPOSAL)]),
            ("aes-cbc chosen", prop(xf(T_ENCR, ENCR_AES_CBC, 128), sha, x) +
             [ke(G_X25519, c.pub), (PL_NONCE, c.nr)]),
            ("two encryption transforms", prop(gcm, gcm, sha, x) +
             [ke(G_X25519, c.pub), (PL_NONCE, c.nr)]),
            ("KE of ecp256", prop(gcm, sha, x) + [ke(G_ECP256, os.urandom(64)),
                                                  (PL_NONCE, c.nr)]),
            ("KE of 5 bytes", prop(gcm, sha, x) + [ke(G_X25519, b"abcde"), (PL_NONCE, c.nr)]),
            ("KE of a low-order point", prop(gcm, sha, x) + [ke(G_X25519, b"\0" * 32),
                                                             (PL_NONCE, c.nr)]),
            ("no nonce", prop(gcm, sha, x) + [ke(G_X25519, c.pub)]),
            ("no SA", [ke(G_X25519, c.pub), (PL_NONCE, c.nr)]),
            ("a nonce of 300 bytes", prop(gcm, sha, x) + [ke(G_X25519, c.pub),
                                                          (PL_NONCE, os.urandom(300))])):
        out_up()
        c.init_req(what)
        c.init_answer(pls)
        r = c.recv(0.3)
        if r:
            raise Fail("%s: daemon A went on: %s" % (what, describe(r)))
        out_gone(what)
        alive_or_fail()
    # Malformed answers are ignored: the request is retransmitted (after 1 s).
    out_up()
    c.init_req("malformed")
    good = message(c.spi_i, c.spi_r, X_INIT, F_R, 0,
                   prop(gcm, sha, x) + [ke(G_X25519, c.pub), (PL_NONCE, c.nr)])
    c.send(good[:-3])
    c.send(patch(good, 24, "!I", len(good) + 1))
    c.send(patch(good, 18, "!B", X_AUTH))
    c.send(b"\0" * 10)
    r = c.recv(1.6)
    if not r or r["exch"] != X_INIT or r["raw"] != c.msg_init_req:
        raise Fail("no retransmission of the same IKE_SA_INIT after malformed answers: %s"
                   % describe(r))
    # INVALID_KE naming ecp256, which is configured: a new request with its KE.
    c.send(message(c.spi_i, b"\0" * 8, X_INIT, F_R, 0,
                   [notify(N_INVALID_KE, struct.pack("!H", G_ECP256))]))
    r = c.init_req("after INVALID_KE(ecp256)")
    if c.ke_group != G_ECP256:
        raise Fail("the retry's KE is of group %d, not ecp256" % c.ke_group)
    daemon.ctl("down", "out")
    out_gone("down")


def case_hostile_auth_resp():
    """daemon A as initiator, hostile IKE_AUTH answers: a bad ICV or a wrong message ID
(ignored), AUTHENTICATION_FAILED, a wrong AUTH, another IDr, no AUTH: the IKE SA given up,
no ESP SA left; then a correct responder is accepted"""
    for what, mangle in (("AUTHENTICATION_FAILED", lambda c, inner: [notify(N_AUTH_FAILED)]),
                         ("a wrong AUTH", lambda c, inner: c.auth_answer(inner, WRONG_PSK)),
                         ("another IDr", lambda c, inner: c.auth_answer(inner, idr="10.98.0.9")),
                         ("no AUTH", lambda c, inner: [x for x in c.auth_answer(inner)
                                                       if x[0] != PL_AUTH]),
                         ("no SA: childless", lambda c, inner: [x for x in c.auth_answer(inner)
                                                                if x[0] != PL_SA]),
                         ("good", lambda c, inner: c.auth_answer(inner))):
        c = Responder()
        out_up()
        c.init_req(what)
        c.init_answer()
        c.keys()
        r = c.expect(X_AUTH, what)
        inner = c.open_req(r)
        if what == "good":
            c.send(c.seal(X_AUTH, 1, c.auth_answer(inner), spoil_icv=True))
            c.send(c.seal(X_AUTH, 2, c.auth_answer(inner)))
            c.send(c.seal(X_INFO, 1, c.auth_answer(inner)))
            time.sleep(0.05)
            if conn_state("out") != "connecting":
                raise Fail("bad IKE_AUTH answers not ignored: %s" % conn_state("out"))
        c.send(c.seal(X_AUTH, 1, mangle(c, inner)))
        time.sleep(0.05)
        alive_or_fail()
        st = daemon.status()["out"]
        if what.startswith("no SA") or what == "good":
            if st["state"] != "established":
                raise Fail("%s: %s, not established" % (what, st["state"]))
            if (len(st["child_sas"]) == 1) != (what == "good"):
                raise Fail("%s: %d child SAs" % (what, len(st["child_sas"])))
            daemon.ctl("down", "out")
            r = c.expect(X_INFO, "down")
            c.send(c.seal(X_INFO, r["msgid"], []))
        out_gone(what)
        if [s for s in daemon.kernel()["sas"] if not s["larval"] and C_OUT in (s["src"],
                                                                               s["dst"])]:
            raise Fail("%s: ESP SAs left in the kernel" % what)


def case_natt_garbage():
    """garbage on UDP 4500 without the non-ESP marker (ESP-like, a keepalive, short) and
with it (random, a bare marker, a cut header): silence"""
    p = peer_for(R_NATT)
    for what, data, marker in (
            ("100 random bytes as ESP", b"\x01\x02\x03\x04" + os.urandom(96), False),
            ("NAT keepalive", b"\xff", False),
            ("3 bytes", b"abc", False),
            ("ESP with SPI 1 and 2000 bytes", b"\0\0\0\1" + os.urandom(2000), False),
            ("random after the marker", os.urandom(200), True),
            ("the bare marker", b"", True),
            ("20 bytes after the marker", os.urandom(20), True),
            ("a cut IKE_SA_INIT after the marker", good_init_msg()[:40], True),
            ("an IKE_SA_INIT with a bad length after the marker",
             good_init_msg()[:-1] + b"\0\0", True)):
        expect_silence(p, data, what, port=4500, marker=marker)
    expect_state(R_NATT, "idle")


def case_natt_auth():
    """IKE_AUTH moved to UDP 4500 (with the marker) after IKE_SA_INIT on 500: answered on
4500, SA established"""
    p = peer_for(R_NATT)
    ike = Ike(p, RULES[R_NATT][0])
    ike.establish(port=4500, marker=True)
    expect_state(R_NATT, "established")
    st = daemon.status()[R_NATT]["ike_sa"]
    if st["local_port"] != 4500:
        raise Fail("status: local port %s, not 4500" % st["local_port"])
    ans = ike.open(p.ask(ike.seal(X_INFO, F_I, 2, []), port=4500, marker=True))
    if not ans:
        raise Fail("INFORMATIONAL on 4500 not answered")


def case_delete():
    """an established SA deleted by the peer: answered, gone from status and the kernel"""
    p = peer_for(R_EST)
    ike = Ike(p, RULES[R_EST][0])
    ike.establish()
    if len(kernel_sas(RULES[R_EST][0])) != 2:
        raise Fail("no child SA in the kernel")
    ans = ike.open(p.ask(ike.seal(X_INFO, F_I, 2, [(PL_D, struct.pack("!BBH", P_IKE, 0, 0))])))
    if not ans:
        raise Fail("Delete not answered")
    time.sleep(0.1)
    expect_state(R_EST, "idle")
    if kernel_sas(RULES[R_EST][0]):
        raise Fail("ESP SAs left in the kernel after the Delete")


def case_two_daemons():
    """two daemons negotiate over a veth: both established, the ESP SAs mirrored"""
    end = time.monotonic() + 15
    while time.monotonic() < end:
        sa = daemon.status()["peerb"]
        sb = daemon_b.status()["peera"]
        if sa["state"] == sb["state"] == "established" and sa["child_sas"] and sb["child_sas"]:
            break
        if not daemon_b.alive():
            raise Fail("daemon B died")
        time.sleep(0.2)
    else:
        raise Fail("not established: A %s, B %s" % (sa["state"], sb["state"]))
    ca, cb = sa["child_sas"][0], sb["child_sas"][0]
    if ca["spi_in"] != cb["spi_out"] or ca["spi_out"] != cb["spi_in"]:
        raise Fail("SPIs do not mirror: A %s/%s, B %s/%s" % (ca["spi_in"], ca["spi_out"],
                                                             cb["spi_in"], cb["spi_out"]))
    ka = [s for s in daemon.kernel()["sas"] if not s["larval"] and B_VETH in (s["src"], s["dst"])]
    kb = [s for s in daemon_b.kernel()["sas"] if not s["larval"]]
    if len(ka) != 2 or len(kb) != 2:
        raise Fail("ESP SAs in the fake kernels: A %d, B %d (2 each expected)" % (len(ka),
                                                                                  len(kb)))
    if not daemon.kernel()["policies"]:
        raise Fail("daemon A (passive) installed no policy for the child SA")
    # Each SA is bound to the traffic selectors, in the direction it carries.
    sel = {s["src"]: s["sel"] for s in ka}
    want = {B_VETH: "10.2.0.0/24 10.1.0.0/24 0", A_VETH: "10.1.0.0/24 10.2.0.0/24 0"}
    if sel != want:
        raise Fail("daemon A's SA selectors %s, not %s" % (sel, want))


def case_still_serves():
    """after all of it, a correct initiator is served"""
    p = peer_for(R_GOOD)
    ike = Ike(p, RULES[R_GOOD][0])
    ike.establish()
    expect_state(R_GOOD, "established")


def case_stop_a():
    """daemon A stops on SIGTERM: exit 0, no leak, its SAs flushed"""
    rc = daemon.stop()
    if rc is None:
        raise Fail("did not stop within 8 s: killed")
    if rc != 0:
        raise Fail("exit status %d" % rc)
    k = daemon.kernel()
    if k["sas"] or k["policies"]:
        raise Fail("the fake kernel still has %d SAs, %d policies" % (len(k["sas"]),
                                                                      len(k["policies"])))


def case_cookie():
    """above --cookie-threshold 2 half-open SAs: a COOKIE is demanded, a wrong one again;
the request with the right one is answered"""
    p = peer_for(R_COOKIE)
    for i in range(2):
        r = Ike(p, "").init()
        if not r or not any(t == PL_KE for t, *_ in r["pls"]):
            raise Fail("half-open SA %d not answered: %s" % (i + 1, describe(r)))
    ike = Ike(p, RULES[R_COOKIE][0])
    r = parse(p.ask(ike.init_msg()))
    cookie = expect_notify(r, N_COOKIE, what="third IKE_SA_INIT: ")
    if not 1 <= len(cookie) <= 64 or any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("bad COOKIE answer: %s" % describe(r))
    r = parse(p.ask(ike.init_msg(first=[notify(N_COOKIE, b"\x55" * len(cookie))])))
    expect_notify(r, N_COOKIE, cookie, "with a wrong COOKIE: ")
    r = parse(p.ask(ike.init_msg(first=[notify(N_COOKIE, cookie + b"x")])))
    expect_notify(r, N_COOKIE, cookie, "with a COOKIE one byte too long: ")
    # The right COOKIE, first as RFC 7296 2.6 says: a real answer, then IKE_AUTH.
    r = parse(p.ask(ike.init_msg(first=[notify(N_COOKIE, cookie)])))
    if not r or not any(t == PL_KE for t, *_ in r["pls"]):
        raise Fail("with the COOKIE: %s" % describe(r))
    ike.take_init_resp(r)
    ans = ike.open(p.ask(ike.auth_msg()))
    if not ans or not ike.check_responder_auth(ans["inner"]):
        raise Fail("IKE_AUTH after the COOKIE not answered")
    expect_state(R_COOKIE, "established")


def case_stop_all():
    """daemons A (cookie run) and B stop on SIGTERM: exit 0, no leak"""
    out = []
    for d in (daemon, daemon_b):
        if d.alive():
            d.proc.send_signal(signal.SIGTERM)
    for d in (daemon, daemon_b):
        rc = d.stop()
        if rc != 0:
            out.append("%s: %s" % (d.name, "killed" if rc is None else "exit %d" % rc))
    if out:
        raise Fail(", ".join(out))


# Known bugs: the case's function name -> why (shown as "# TODO bug: ...").
XFAIL = {}

CASES = [case_start, case_truncated, case_bad_lengths, case_missing, case_critical,
         case_noncritical, case_critical_response, case_version, case_msgid_init,
         case_msgid_auth, case_retransmit, case_icv, case_no_request, case_flags,
         case_invalid_ke, case_no_proposal, case_wrong_psk, case_inner_critical,
         case_inner_syntax, case_fragments, case_create_child, case_ike_rekey,
         case_fuzz_sk, case_fuzz_auth, case_natt_garbage, case_natd_port500,
         case_init_4500, case_hostile_init_resp, case_hostile_auth_resp, case_natt_auth,
         case_delete,
         case_two_daemons, case_still_serves, case_stop_a, case_cookie, case_stop_all]
CRYPTO_CASES = {case_msgid_auth, case_retransmit, case_icv, case_no_request, case_flags,
                case_invalid_ke, case_wrong_psk, case_inner_critical, case_inner_syntax,
                case_natt_auth, case_delete, case_still_serves, case_cookie, case_fragments,
                case_create_child, case_ike_rekey, case_fuzz_sk, case_fuzz_auth,
                case_hostile_init_resp, case_hostile_auth_resp}
# Cases after which the daemon under test is not expected to run.
NO_ALIVE_CHECK = {case_stop_a, case_stop_all}


def alive_or_fail():
    if not daemon.alive():
        rep = daemon.sanitizer_report()
        raise Fail("daemon A died (exit %s)%s" % (daemon.proc.returncode,
                                                   ": " + rep.splitlines()[0] if rep else ""))


def comment(text):
    for line in text.rstrip().splitlines():
        print("# " + line)


def main():
    global daemon, daemon_b
    print("KTAP version 1")
    print("1..%d" % len(CASES))
    sys.stdout.flush()
    with open(WORK + "/key.psk", "wb") as f:
        f.write(PSK)
    os.chmod(WORK + "/key.psk", 0o600)
    with open(WORK + "/a.conf", "w") as f:
        f.write(conf_text())
    with open(WORK + "/b.conf", "w") as f:
        f.write('ikev2 "peera" active esp tunnel from 10.2.0.0/24 to 10.1.0.0/24 '
                'local %s peer %s psk @%s/key.psk\n' % (B_VETH, A_VETH, WORK))
    daemon = Daemon("a", WORK + "/a.conf", args=["--cookie-threshold", "1000000"])
    daemon_b = None
    passed = failed = xfailed = restarts = 0
    start = time.monotonic()
    try:
        if not daemon.wait_ready():
            comment(daemon.log_text()[-3000:])
        daemon_b = Daemon("b", WORK + "/b.conf", ns=NS_B)
        for i, case in enumerate(CASES, 1):
            desc = " ".join(case.__doc__.split())
            if case is case_cookie:
                daemon = Daemon("a-cookie", WORK + "/a.conf",
                                args=["--cookie-threshold", "2"])
                daemon.wait_ready()
            elif not daemon.alive() and case not in NO_ALIVE_CHECK:
                # It died in an earlier case (which failed): a new one for this case.
                restarts += 1
                comment("daemon A restarted for case %d" % i)
                daemon = Daemon("a-%d" % restarts, WORK + "/a.conf",
                                args=["--cookie-threshold", "1000000"])
                daemon.wait_ready()
            daemon.new_log()
            note = None
            try:
                if case in CRYPTO_CASES and not HAVE_CRYPTO:
                    print("ok %d - %s # SKIP python3-cryptography is not installed" % (i, desc))
                    passed += 1
                    continue
                note = case()
                if case not in NO_ALIVE_CHECK:
                    alive_or_fail()
                    daemon.status()
                ok, why = True, None
            except Fail as e:
                ok, why = False, str(e)
            except Exception:
                ok, why = False, traceback.format_exc()
            for d in (daemon, daemon_b):
                rep = d and d.sanitizer_report()
                if rep and not getattr(d, "reported", False):
                    d.reported = True
                    ok, why = False, "%s: sanitizer report:\n%s" % (d.name, rep)
            xfail = XFAIL.get(case.__name__)
            if ok:
                passed += 1
                print("ok %d - %s%s" % (i, desc, " # TODO bug fixed? " + xfail if xfail else ""))
                if note:
                    comment(note)
            else:
                failed += 1
                xfailed += bool(xfail)
                comment(why)
                if case not in NO_ALIVE_CHECK:
                    comment("daemon log of the case:\n" + daemon.new_log()[-4000:])
                print("not ok %d - %s%s" % (i, desc, " # TODO bug: " + xfail if xfail else ""))
            sys.stdout.flush()
    finally:
        for d in (daemon, daemon_b):
            if d and d.alive():
                d.stop(timeout=3)
    print("# cases took %.1f s" % (time.monotonic() - start))
    print("# %d passed, %d failed" % (passed, failed))
    return 0 if failed == xfailed else 1


if __name__ == "__main__":
    sys.exit(main())
