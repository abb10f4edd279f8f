#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ESP in UDP when the receiving device does UDP GRO (review M7): with
# rx-udp-gro-forwarding or rx-gro-list, GRO merges consecutive datagrams
# to port 4500, which no socket claims, into one GSO packet. nfesp must
# split it and decrypt each datagram alone, not fail the ICV of the train.
#
#   +---------------------- ns a ----+          +---- ns b --------------+
#   | nfesp, receives                |          | nfesp, sends           |
#   | lo 10.1.0.1                    |          | lo 10.2.0.1            |
#   | va 2001:db8::1/64 -------------+-- veth --+ vb 2001:db8::2/64      |
#   | GRO (NAPI) on va               |          |                        |
#   +--------------------------------+          +------------------------+
#
# ESP in UDP 4500 <-> 4500 between 10.1.0.0/16 and 10.2.0.0/16, reqid 1,
# over IPv6: GRO merges only UDP with a checksum (udp_gro_receive_segment(),
# "for symmetry with GSO"), which ESP in UDP over IPv4 usually lacks (RFC
# 3948 section 2.1; nfesp sends none) but over IPv6 always has.
# b sends bursts of equal UDP datagrams to a through the tunnel; a veth
# with GRO on hands its peer's packets to NAPI, whose GRO merges them. A
# veth's NAPI runs right after each packet sent from a process, one packet
# a poll: netem on vb releases b's packets in slots of 20 ms instead, many
# in one softirq, so that one poll finds a train to merge; and a veth that
# can do TSO sends most packets past NAPI, so vb's TSO is off.

. "$(dirname "$0")/lib.sh"
export PATH=$PATH:/sbin:/usr/sbin

load_module
command -v ethtool >/dev/null || ktap_skip_all "ethtool is not installed (tools/deps.sh)"
ktap_plan 11

A="ip netns exec a"
B="ip netns exec b"
workdir selftest-natt_gro
K_AB=0x0102030405060708090a0b0c0d0e0f1011121314
K_BA=0x1112131415161718191a1b1c1d1e1f2021222324

cleanup() {
	[ -n "${RECV:-}" ] && kill "$RECV" 2>/dev/null
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
}
trap 'cleanup; workdir_save' EXIT

stat_of() { # a|b FIELD
	ip netns exec "$1" "$IPSECCTL" -j stats | sed -n "s/.*\"${2//-/_}\": *\([0-9]*\).*/\1/p"
}
# tunnel NS LOCAL PEER LNET PNET: NS's SAs and policies, ESP in UDP 4500
tunnel() {
	local ns="ip netns exec $1" spi_in spi_out key_in key_out

	if [ "$1" = a ]; then
		spi_in=0x2001 spi_out=0x1001 key_in=$K_BA key_out=$K_AB
	else
		spi_in=0x1001 spi_out=0x2001 key_in=$K_AB key_out=$K_BA
	fi
	$ns "$IPSECCTL" sa add spi $spi_in src "$3" dst "$2" reqid 1 enc aes-gcm-128 \
		key "$key_in" encap udp 4500 4500 &&
	$ns "$IPSECCTL" sa add spi $spi_out src "$2" dst "$3" reqid 1 enc aes-gcm-128 \
		key "$key_out" encap udp 4500 4500 &&
	$ns "$IPSECCTL" policy add dir out from "$4" to "$5" action protect \
		local "$2" peer "$3" reqid 1 &&
	$ns "$IPSECCTL" policy add dir in from "$5" to "$4" action protect \
		local "$2" peer "$3" reqid 1
}
# burst N: b sends N datagrams of 1000 bytes to a's 10.1.0.1:7000, at once
burst() {
	$B python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.2.0.1", 0))
for i in range(int(sys.argv[1])):
    s.sendto(i.to_bytes(4, "big") + bytes(996), ("10.1.0.1", 7000))' "$1"
}
# received: the datagrams a's receiver counted so far
received() { wc -l < "$W/recv"; }

ip netns add a
ip netns add b
ip link add va netns a type veth peer name vb netns b
$A ip link set lo up
$B ip link set lo up
$A ip addr add 2001:db8::1/64 dev va nodad
$B ip addr add 2001:db8::2/64 dev vb nodad
$A ip link set va up
$B ip link set vb up
$A ip addr add 10.1.0.1/32 dev lo
$B ip addr add 10.2.0.1/32 dev lo
$A ip route add 10.2.0.0/16 via inet6 2001:db8::2 dev va
$B ip route add 10.1.0.0/16 via inet6 2001:db8::1 dev vb
check "a's tunnel, ESP in UDP over IPv6" tunnel a 2001:db8::1 2001:db8::2 10.1.0.0/16 10.2.0.0/16
check "b's tunnel, ESP in UDP over IPv6" tunnel b 2001:db8::2 2001:db8::1 10.2.0.0/16 10.1.0.0/16
check "the tunnel carries a ping" $B ping -c 2 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1
check "a's veth does GRO, and UDP GRO of forwarded (unclaimed) datagrams" \
	$A ethtool -K va gro on rx-udp-gro-forwarding on
check "b's packets leave in bursts, every 20 ms" \
	$B tc qdisc add dev vb root netem limit 10000 slot 20ms 20ms
# A veth whose sender can do TSO gives its peer's NAPI only what a socket
# sent and the peer would merge anyway (veth_skb_is_eligible_for_gro()).
check "and without TSO, so that a's NAPI and GRO see them all" $B ethtool -K vb tso off
diag "$($A ethtool -k va | grep -E '^(generic-receive-offload|rx-udp-gro-forwarding|rx-gro-list):' | tr '\n' ' ')"

$A python3 -u -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("10.1.0.1", 7000))
while True:
    d = s.recv(2000)
    print(len(d))' > "$W/recv" &
RECV=$!
wait_for 10 $A ss -Hlun 'sport = :7000'

n=$(scaled 200 1000 5000)
auth0=$(stat_of a in-auth-fail)
for i in 1 2 3 4 5; do burst $((n / 5)); done
check "all $n datagrams of the bursts arrive" wait_eq 20 "$n" received
eq "none failed its ICV" "$auth0" "$(stat_of a in-auth-fail)"
eq "and none was malformed" 0 "$(stat_of a in-malformed)"
check "every datagram arrived whole, 1000 bytes" sh -c "! grep -vx 1000 $W/recv"

cleanup; RECV=
sleep 1
check "the module unloads" rmmod nfesp
ktap_finish
