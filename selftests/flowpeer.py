#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The ends of the router test's flows, and the odd packets it sends.

  flowpeer.py serve ADDR PORT             echo one TCP connection until EOF
  flowpeer.py talk SRC ADDR PORT SECS     a TCP conversation of SECS seconds:
                                          100 bytes out and back every 0.1 s,
                                          every echo checked; prints "ok N"
  flowpeer.py udp-serve ADDR PORT SECS    echo UDP datagrams for SECS seconds
  flowpeer.py udp-talk SRC ADDR PORT N    N datagrams, 0.05 s apart; prints
                                          "ok M", M the echoes received
  flowpeer.py ftp-serve ADDR              the server half of an active-mode FTP
                                          exchange: answers PORT, then sends a
                                          line from port 20 to the client
  flowpeer.py ftp-get SRC SERVER          the client half; prints the line
  flowpeer.py nh59 SRC DST                an IPv6 packet with No Next Header
  flowpeer.py frag SRC DST DPORT          an IPv4 UDP non-first fragment
  flowpeer.py frag6 SRC DST               an IPv6 packet whose extension
                                          header is cut short

Exit status 0 when the exchange worked, 1 otherwise.
"""

import socket
import struct
import sys
import time

from esp_inject import ipv4

PAYLOAD = bytes(range(100))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port):
    srv = socket.socket(family(addr), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(1)
    srv.settimeout(60)
    conn, _ = srv.accept()
    conn.settimeout(30)
    while True:
        data = conn.recv(4096)
        if not data:
            return 0
        conn.sendall(data)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        data = sock.recv(n - len(buf))
        if not data:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += data
    return buf


def talk(src, addr, port, secs):
    sock = socket.socket(family(addr), socket.SOCK_STREAM)
    sock.bind((src, 0))
    sock.settimeout(10)
    sock.connect((addr, int(port)))
    end = time.time() + float(secs)
    n = 0
    while time.time() < end:
        sock.sendall(PAYLOAD)
        if recv_exact(sock, len(PAYLOAD)) != PAYLOAD:
            print("echo %d differs" % n)
            return 1
        n += 1
        time.sleep(0.1)
    sock.close()
    print("ok %d" % n)
    return 0


def udp_serve(addr, port, secs):
    sock = socket.socket(family(addr), socket.SOCK_DGRAM)
    sock.bind((addr, int(port)))
    end = time.time() + float(secs)
    while time.time() < end:
        sock.settimeout(max(0.1, end - time.time()))
        try:
            data, peer = sock.recvfrom(2048)
        except socket.timeout:
            break
        sock.sendto(data, peer)
    return 0


def echoes(sock, timeout):
    """The echoes of PAYLOAD that arrive until TIMEOUT passes without one."""
    got = 0
    sock.settimeout(timeout)
    try:
        while True:
            data, _ = sock.recvfrom(2048)
            got += data[:100] == PAYLOAD
    except socket.timeout:
        return got


def udp_talk(src, addr, port, count):
    sock = socket.socket(family(addr), socket.SOCK_DGRAM)
    sock.bind((src, 0))
    got = 0
    for i in range(int(count)):
        sock.sendto(PAYLOAD + struct.pack("!I", i), (addr, int(port)))
        got += echoes(sock, 0.05)
    got += echoes(sock, 1)
    print("ok %d" % got)
    return 0


def ftp_serve(addr):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, 21))
    srv.listen(1)
    srv.settimeout(60)
    conn, _ = srv.accept()
    conn.settimeout(20)
    rfile = conn.makefile("rb")
    conn.sendall(b"220 nfesp test\r\n")
    rfile.readline()
    conn.sendall(b"230 logged in\r\n")
    words = rfile.readline().split()
    if len(words) != 2 or words[0] != b"PORT":
        print("not a PORT command: %r" % words)
        return 1
    h = words[1].decode().split(",")
    conn.sendall(b"200 PORT ok\r\n")
    data = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    data.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    data.bind((addr, 20))
    data.settimeout(10)
    try:
        data.connect((".".join(h[:4]), int(h[4]) * 256 + int(h[5])))
        data.sendall(b"nfesp-ftp-data\n")
        data.close()
        conn.sendall(b"226 done\r\n")
    except OSError as e:
        print("data connection: %s" % e)
        conn.sendall(b"425 no data connection\r\n")
        return 1
    return 0


def ftp_get(src, server):
    lsn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsn.bind((src, 0))
    lsn.listen(1)
    lsn.settimeout(15)
    port = lsn.getsockname()[1]
    ctl = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ctl.bind((src, 0))
    ctl.settimeout(10)
    ctl.connect((server, 21))
    rfile = ctl.makefile("rb")
    rfile.readline()
    # Not PORT first: a helper reads only lines that follow one it saw end.
    ctl.sendall(b"USER anonymous\r\n")
    rfile.readline()
    ctl.sendall(("PORT %s,%d,%d\r\n" % (src.replace(".", ","), port >> 8, port & 255)).encode())
    rfile.readline()
    try:
        data, _ = lsn.accept()
    except socket.timeout:
        print("no data connection")
        return 1
    data.settimeout(10)
    print(data.makefile("rb").readline().decode().strip())
    return 0


def nh59(src, dst):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 59)
    sock.bind((src, 0))
    sock.sendto(b"no next header, but bytes all the same", (dst, 0))
    return 0


def frag(src, dst, dport):
    # A non-first fragment: offset 1480 bytes, more fragments follow. Its
    # first eight bytes look like a UDP header to DPORT, which they are not.
    body = struct.pack("!HHHH", 40000, int(dport), 72, 0) + bytes(64)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.sendto(ipv4(src, dst, socket.IPPROTO_UDP, body, 0x4242, 0x2000 | (1480 // 8)),
                (dst, 0))
    return 0


def frag6(src, dst):
    # Destination options that claim 64 bytes and bring 8: routers do not
    # read them, so the packet is forwarded.
    body = bytes([socket.IPPROTO_UDP, 7, 1, 4, 0, 0, 0, 0])
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(body), 60, 64,
                      socket.inet_pton(socket.AF_INET6, src),
                      socket.inet_pton(socket.AF_INET6, dst))
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.sendto(hdr + body, (dst, 0))
    return 0


def main(argv):
    cmds = {"serve": serve, "talk": talk, "udp-serve": udp_serve,
            "udp-talk": udp_talk, "ftp-serve": ftp_serve, "ftp-get": ftp_get,
            "nh59": nh59, "frag": frag, "frag6": frag6}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[argv[1]](*argv[2:])
    except (OSError, ConnectionError, ValueError) as e:
        print("%s: %s" % (argv[1], e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
