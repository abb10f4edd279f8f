#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Send one UDP datagram from INNER_SRC to INNER_DST:DPORT in two IPv4
# fragments, tunnelled in ESP as esp_inject.py crafts it (NULL encryption,
# HMAC-SHA-256-128), or with its first fragment in clear:
#
#   tunnel  both fragments inside ESP, sequence numbers SEQ and SEQ + 1:
#           the datagram arrives, whole, through the SA
#   mixed   the first fragment in clear, straight to INNER_DST, then the
#           last inside ESP (SEQ): an attacker's head on a tunnelled tail,
#           which must never be delivered
#
# The payload says which: "nfesp-frag-tunnel..." or "nfesp-frag-mixed...".
#
# Usage: frag_inject.py SRC DST SPI AUTHKEY_HEX INNER_SRC INNER_DST DPORT SEQ tunnel|mixed

import socket
import struct
import sys

from esp_inject import esp, ipv4

IDENT = {"tunnel": 0x4e46, "mixed": 0x4e47}


def fragments(isrc, idst, dport, what):
    data = (b"nfesp-frag-%s-" % what.encode()) * 40
    # UDP checksum 0: none, as an attacker who cannot know the tail sends it.
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(data), 0) + data
    cut = 8 * 20
    return (ipv4(isrc, idst, socket.IPPROTO_UDP, udp[:cut], ident=IDENT[what], frag=0x2000),
            ipv4(isrc, idst, socket.IPPROTO_UDP, udp[cut:], ident=IDENT[what], frag=cut // 8))


def main():
    if len(sys.argv) != 10 or sys.argv[9] not in ("tunnel", "mixed"):
        sys.exit("usage: frag_inject.py SRC DST SPI KEY ISRC IDST DPORT SEQ tunnel|mixed")
    src, dst, spi, key, isrc, idst, dport, seq, what = sys.argv[1:]
    spi, dport, seq = int(spi, 0), int(dport), int(seq, 0)
    key = bytes.fromhex(key[2:] if key.startswith("0x") else key)
    head, tail = fragments(isrc, idst, dport, what)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    if what == "mixed":
        sock.sendto(head, (idst, 0))
    else:
        sock.sendto(ipv4(src, dst, socket.IPPROTO_ESP, esp(spi, seq, key, head, "ok"),
                         ident=seq & 0xFFFF), (dst, 0))
        seq += 1
    sock.sendto(ipv4(src, dst, socket.IPPROTO_ESP, esp(spi, seq, key, tail, "ok"),
                     ident=seq & 0xFFFF), (dst, 0))


if __name__ == "__main__":
    main()
