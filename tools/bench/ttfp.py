#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Time to first packet: echo requests from SRC to DST every INTERVAL
seconds until the first reply, timed from the first request sent to that
reply, inside this process (python's start-up, a second under TCG, and
ping's own are not counted).

Usage: tools/bench/ttfp.py SRC DST [INTERVAL] [DEADLINE]

Prints one line: ttfp_ms=T seq=N rtt_ms=R sent=K, where seq is the request
that got the first reply (1: the one that started IKE, held until the SA
was there) and rtt_ms the time that request took. Exits 1 without a reply
before DEADLINE seconds (default 30).
"""

import os
import select
import socket
import struct
import sys
import time


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def main():
    src, dst = sys.argv[1], sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
    deadline = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.bind((src, 0))
    ident = os.getpid() & 0xffff
    sent = {}
    seq = 0
    now = time.monotonic
    t_first = now()
    nxt = t_first
    while True:
        t = now()
        if t - t_first > deadline:
            print("ttfp_ms= seq= rtt_ms= sent=%d" % seq)
            return 1
        if t >= nxt:
            seq += 1
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            payload = b"nfesp-bench-ttfp" + bytes(40)
            pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq) + payload
            t = now()
            if seq == 1:
                t_first = t
            sent[seq] = t
            try:
                s.sendto(pkt, (dst, 0))
            except OSError:
                # XFRM may refuse while the SA is larval; the
                # request counts as sent and lost.
                pass
            nxt = t + interval
        r, _, _ = select.select([s], [], [], max(0.0, nxt - now()))
        if not r:
            continue
        data, _ = s.recvfrom(2048)
        t = now()
        ihl = (data[0] & 0x0f) * 4
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if typ != 0 or rid != ident or rseq not in sent:
            continue
        print("ttfp_ms=%.3f seq=%d rtt_ms=%.3f sent=%d"
              % ((t - t_first) * 1000, rseq, (t - sent[rseq]) * 1000, seq))
        return 0


if __name__ == "__main__":
    sys.exit(main())
