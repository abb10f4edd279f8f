#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Craft ESP packets for an SA with NULL encryption and HMAC-SHA-256-128
# (RFC 2410, RFC 4868), which needs nothing beyond Python's standard library,
# and send them from a raw socket. Tunnel mode, IPv4 in IPv4: the payload is
# an ICMP echo request from INNER_SRC to INNER_DST.
#
# Usage: esp_inject.py SRC DST SPI AUTHKEY_HEX INNER_SRC INNER_DST KIND:SEQ...
# KIND is one of
#   ok         a valid packet
#   badicv     valid, then one bit of the ICV flipped
#   badpad     a pad length larger than the payload, with a valid ICV
#   truncated  six bytes of ESP header
#   nosa       valid, but for SPI + 1
#   transport  valid, transport mode: the ESP carries the echo request's
#              ICMP message alone, from SRC to DST (INNER_* unused)
#   dummy      valid, a dummy packet (RFC 4303 2.6): next header 59, no
#              inner packet
#   ce-notect  valid, outer ECN CE, inner packet Not-ECT (RFC 6040: drop)
#   ce-ect0    valid, outer ECN CE, inner packet ECT(0) (delivered as CE)
# for example: ok:1 ok:1 ok:10 ok:8 badicv:11
# KIND:SEQ@PORT sends that packet in UDP (RFC 3948) from SRC port PORT to
# DST port 4500 instead, for example ok:1@30001.

import hashlib
import hmac
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0, frag=0, tos=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident, frag, 64,
                      proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def echo_request(src, dst, seq, tos=0):
    body = struct.pack("!BBHHH", 8, 0, 0, 0x4e46, seq & 0xFFFF) + b"nfesp-inject" * 2
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return ipv4(src, dst, socket.IPPROTO_ICMP, body, ident=seq & 0xFFFF, tos=tos)


# ECN codepoints (RFC 3168) of the outer and inner header, by kind
TOS = {"ce-notect": (3, 0), "ce-ect0": (3, 2)}


def esp(spi, seq, key, inner, kind, nexthdr=4):
    if kind == "dummy":
        inner, nexthdr = b"nfesp-dummy-tfc", 59
    padlen = (-(len(inner) + 2)) % 4
    pad = bytes(range(1, padlen + 1))
    if kind == "badpad":
        padlen = 250
    body = inner + pad + bytes([padlen, nexthdr])
    head = struct.pack("!II", spi, seq & 0xFFFFFFFF)
    icv = hmac.new(key, head + body, hashlib.sha256).digest()[:16]
    if kind == "badicv":
        icv = bytes([icv[0] ^ 0x01]) + icv[1:]
    if kind == "truncated":
        return head[:6]
    return head + body + icv


def main():
    if len(sys.argv) < 8:
        sys.exit(__doc__ or "usage: esp_inject.py SRC DST SPI KEY ISRC IDST KIND:SEQ...")
    src, dst, spi, key, isrc, idst = sys.argv[1:7]
    spi = int(spi, 0)
    key = bytes.fromhex(key[2:] if key.startswith("0x") else key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for item in sys.argv[7:]:
        kind, seq = item.split(":")
        seq, _, port = seq.partition("@")
        seq = int(seq, 0)
        this_spi = spi + 1 if kind == "nosa" else spi
        outer_tos, inner_tos = TOS.get(kind, (0, 0))
        if kind == "transport":
            icmp = echo_request(src, dst, seq)[20:]
            payload = esp(this_spi, seq, key, icmp, kind, socket.IPPROTO_ICMP)
        else:
            payload = esp(this_spi, seq, key, echo_request(isrc, idst, seq, inner_tos), kind)
        if port:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.bind((src, int(port)))
                udp.sendto(payload, (dst, 4500))
            continue
        sock.sendto(ipv4(src, dst, socket.IPPROTO_ESP, payload, ident=seq & 0xFFFF,
                         tos=outer_tos), (dst, 0))


if __name__ == "__main__":
    main()
