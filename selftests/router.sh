#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# nfesp on routers: two sites joined through a NAT, each gateway with the
# firewall a router runs (conntrack, a forward filter with a default drop,
# masquerade for what is not protected, and flow offload for established
# flows), and the question is always the same: does anything protected
# leave a gateway's WAN in clear?
#
#   ha            ga                     nat                  gb            hb
#   10.1.0.2 -- lan0 10.1.0.1     in0 172.16.0.1      wan0 198.51.100.2 -- lan0 10.2.0.1 -- 10.2.0.2
#   fd00:1::2    fd00:1::1        out0 198.51.100.1                   fd00:2::1   fd00:2::2
#                wan0 172.16.0.2 -- in0    out0 ----- wan0
#
# ga is behind the NAT, so the tunnel is ESP in UDP (RFC 3948) on port
# 4500; the IPv6 LANs cross the IPv4 WAN in the same tunnel. No
# neighbour entry is static: ARP and neighbour discovery run as on a real
# LAN. Captures on ga's WAN see every packet that leaves it; each check of
# "nothing in clear" has a positive control, packets sent in clear on
# purpose that the same capture must show.

. "$(dirname "$0")/lib.sh"

load_module
ktap_plan 65

workdir selftest-router
PEER=$TOP/selftests/flowpeer.py
K_AB=0x0102030405060708090a0b0c0d0e0f1011121314
K_BA=0x1112131415161718191a1b1c1d1e1f2021222324
NSS=(r-ha r-ga r-nat r-gb r-hb)
PIDS=()

cleanup() {
	local ns p

	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for ns in "${NSS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap 'cleanup; workdir_save' EXIT

ha() { ip netns exec r-ha "$@"; }
ga() { ip netns exec r-ga "$@"; }
nat() { ip netns exec r-nat "$@"; }
gb() { ip netns exec r-gb "$@"; }
hb() { ip netns exec r-hb "$@"; }
ipa() { ga "$IPSECCTL" "$@"; }
ipb() { gb "$IPSECCTL" "$@"; }
peer() { local ns=$1; shift; ip netns exec "$ns" /usr/bin/python3 "$PEER" "$@"; }
# stat NS COUNTER: a namespace counter of nfesp
stat() { ip netns exec "$1" "$IPSECCTL" -j stats | sed -n "s/.*\"${2//-/_}\": *\([0-9]*\).*/\1/p"; }
# bg NS CMD...: a background process in NS, killed at the end
bg() { local ns=$1; shift; ip netns exec "$ns" "$@" & PIDS+=($!); }
pcount() { tcpdump -nr "$1" "$2" 2>/dev/null | wc -l; }
# absent REGEX FILE: no line of FILE matches; shows those that do
absent() { ! grep -E "$1" "$2"; }

modprobe -q aesni_intel

# --- the network --------------------------------------------------------
for ns in "${NSS[@]}"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip link add lan0 netns r-ga type veth peer name eth0 netns r-ha
ip link add wan0 netns r-ga type veth peer name in0 netns r-nat
ip link add out0 netns r-nat type veth peer name wan0 netns r-gb
ip link add lan0 netns r-gb type veth peer name eth0 netns r-hb
for ns in "${NSS[@]}"; do
	for d in $(ip -n "$ns" -o link show | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2 }'); do
		ip -n "$ns" link set "$d" up
	done
done
ha ip addr add 10.1.0.2/24 dev eth0
ha ip addr add fd00:1::2/64 dev eth0 nodad
ha ip route add default via 10.1.0.1
ha ip -6 route add default via fd00:1::1
ga ip addr add 10.1.0.1/24 dev lan0
ga ip addr add fd00:1::1/64 dev lan0 nodad
ga ip addr add 172.16.0.2/24 dev wan0
ga ip route add default via 172.16.0.1
nat ip addr add 172.16.0.1/24 dev in0
nat ip addr add 198.51.100.1/24 dev out0
gb ip addr add 198.51.100.2/24 dev wan0
gb ip route add default via 198.51.100.1
# An IPv6 WAN beside the IPv4 one, routed, not translated.
ga ip addr add 2001:db8:a::2/64 dev wan0 nodad
nat ip addr add 2001:db8:a::1/64 dev in0 nodad
nat ip addr add 2001:db8:b::1/64 dev out0 nodad
gb ip addr add 2001:db8:b::2/64 dev wan0 nodad
ga ip -6 route add 2001:db8:b::/64 via 2001:db8:a::1
gb ip -6 route add 2001:db8:a::/64 via 2001:db8:b::1
gb ip addr add 10.2.0.1/24 dev lan0
gb ip addr add fd00:2::1/64 dev lan0 nodad
hb ip addr add 10.2.0.2/24 dev eth0
hb ip addr add fd00:2::2/64 dev eth0 nodad
hb ip route add default via 10.2.0.1
hb ip -6 route add default via fd00:2::1
# The IPv6 LANs have no IPv6 WAN: routes into the tunnel, which nfesp
# takes at POST_ROUTING, and one to a site without policy (fd00:9::/64).
ga ip -6 route add fd00:2::/64 dev wan0
ga ip -6 route add fd00:9::/64 dev wan0
# Nobody answers for fd00:9::9: a static entry lets its packets leave.
ga ip -6 neigh add fd00:9::9 lladdr 02:00:00:00:09:09 dev wan0 nud permanent
gb ip -6 route add fd00:1::/64 dev wan0
for ns in r-ga r-nat r-gb; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# Strict reverse path filtering, as router images ship it: decrypted
	# packets arrive on wan0, through which the route back goes.
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
done

# The NAT: what leaves out0 comes from 198.51.100.1.
nat nft -f - <<-'EOF'
	table ip nat {
		chain post { type nat hook postrouting priority srcnat; oifname "out0" masquerade; }
	}
	EOF

# The gateways' firewall: a router's, with flow offload. ga admits from
# the tunnel only ICMP and what its conntrack helper expects (FTP data);
# gb admits from its WAN only what came through IPsec ("meta ipsec exists",
# the same rule for nfesp and XFRM).
gw_fw() { # NS REMOTE4
	ip netns exec "$1" nft -f - <<-EOF
	table inet fw {
		flowtable ft { hook ingress priority 0; devices = { lan0, wan0 }; }
		ct helper ftp-std { type "ftp" protocol tcp; }
		chain pre {
			type filter hook prerouting priority filter;
			iifname "lan0" tcp dport 21 ct helper set "ftp-std"
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
			meta l4proto { tcp, udp } ct state established flow add @ft
			ct state established,related accept
			iifname "lan0" accept
			meta ipsec exists meta l4proto { icmp, ipv6-icmp } accept
			$3
			counter name fwd_drop drop
		}
		counter fwd_drop { }
	}
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "wan0" ip daddr != $2 masquerade
		}
	}
	EOF
}
gw_fw r-ga 10.2.0.0/24 ''
gw_fw r-gb 10.1.0.0/24 'meta ipsec exists accept comment "arrived through IPsec"'
check "both gateways have a router's firewall: conntrack, forward filter, masquerade, flowtable" \
	sh -c 'ip netns exec r-ga nft list flowtables | grep -q "flowtable ft" &&
	       ip netns exec r-gb nft list flowtables | grep -q "flowtable ft"'

# --- nfesp on both gateways: a tunnel in UDP 4500 through the NAT --------
nfesp_gw() { # SELF-ipsecctl OUR-WAN PEER-WAN SPI-OUT KEY-OUT SPI-IN KEY-IN LAN4 REMOTE4 LAN6 REMOTE6
	"$1" -f - <<-EOF
	sa add spi $4 src $2 dst $3 reqid 1 enc aes-gcm-128 key $5 encap udp 4500 4500 replay-window 1024
	sa add spi $6 src $3 dst $2 reqid 1 enc aes-gcm-128 key $7 encap udp 4500 4500 replay-window 1024
	policy add dir out from $8 to $9 action protect local $2 peer $3 reqid 1
	policy add dir in from $9 to $8 action protect local $2 peer $3 reqid 1
	policy add dir out from ${10} to ${11} action protect local $2 peer $3 reqid 1
	policy add dir in from ${11} to ${10} action protect local $2 peer $3 reqid 1
	EOF
}
check "ga: SAs and policies for both LANs, IPv4 and IPv6, over one tunnel" \
	nfesp_gw ipa 172.16.0.2 198.51.100.2 0x100 $K_AB 0x200 $K_BA \
	10.1.0.0/24 10.2.0.0/24 fd00:1::/64 fd00:2::/64
check "gb: the same from the other side, to the NAT's address" \
	nfesp_gw ipb 198.51.100.2 198.51.100.1 0x200 $K_BA 0x100 $K_AB \
	10.2.0.0/24 10.1.0.0/24 fd00:2::/64 fd00:1::/64

# Everything that leaves ga's WAN, for the whole test (-Q out: XFRM hands
# decrypted packets back on the interface they came in on).
ga tcpdump -n -Z root -U --immediate-mode -Q out -i wan0 -w "$W/wan.pcap" 2>"$W/wan.log" &
CAP=$!
PIDS+=($CAP)
wait_for 10 grep -q 'listening on' "$W/wan.log"
# LEAK: a packet on the WAN with a LAN address; the NAT hides none of
# them, ga's own masquerade excludes the remote LAN.
LEAK='(ip and (net 10.1.0.0/24 or net 10.2.0.0/24)) or (ip6 and net fd00::/16)'
# CONTROL: sent in clear on purpose, with a LAN address: from ga to a
# remote LAN host on the discard port. No policy covers ga's own address.
CONTROL='udp and dst host 10.2.0.99 and dst port 9'
control() { ga /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("172.16.0.2", 0))
s.sendto(b"in clear, on purpose", ("10.2.0.99", 9))'; }
control

check "the first packets of a flow are held for the SA and cross, ICMP over IPv4" \
	ha ping -c 3 -i 0.3 -W 3 10.2.0.2
check "and over IPv6, in the same IPv4 tunnel" ha ping -6 -c 3 -i 0.3 -W 3 fd00:2::2

# --- flow offload: an established flow stays with nfesp -----------------
bg r-hb /usr/bin/python3 "$PEER" serve 10.2.0.2 7000
bg r-gb /usr/bin/python3 "$PEER" serve 198.51.100.2 7001
wait_for 5 sh -c 'ip netns exec r-hb ss -Hltn "sport = :7000" | grep -q .'
wait_for 5 sh -c 'ip netns exec r-gb ss -Hltn "sport = :7001" | grep -q .'
peer r-ha talk 10.1.0.2 10.2.0.2 7000 4 >"$W/talk-prot" 2>&1 &
PROT=$!
peer r-ha talk 10.1.0.2 198.51.100.2 7001 4 >"$W/talk-clear" 2>&1 &
CLEAR=$!
sleep 2
ga conntrack -L 2>/dev/null >"$W/ct-ga"
gb conntrack -L 2>/dev/null >"$W/ct-gb"
check "positive control: a flow nfesp does not protect is offloaded to the flowtable" \
	grep -q 'dport=7001 .*OFFLOAD' "$W/ct-ga"
check "the protected TCP flow is ESTABLISHED in ga's conntrack" \
	grep -q 'tcp .* ESTABLISHED src=10.1.0.2 dst=10.2.0.2 .*dport=7000' "$W/ct-ga"
check "and in gb's, where its first packet arrived decrypted" \
	grep -q 'tcp .* ESTABLISHED src=10.1.0.2 dst=10.2.0.2 .*dport=7000' "$W/ct-gb"
check "it is not offloaded on ga" absent 'dport=7000 .*OFFLOAD' "$W/ct-ga"
check "nor on gb" absent 'dport=7000 .*OFFLOAD' "$W/ct-gb"
wait $PROT
check "the protected TCP conversation went on to its end" grep -q '^ok [1-9]' "$W/talk-prot"
wait $CLEAR
check "and the offloaded one too" grep -q '^ok [1-9]' "$W/talk-clear"

bg r-hb /usr/bin/python3 "$PEER" udp-serve 10.2.0.2 7002 20
wait_for 5 sh -c 'ip netns exec r-hb ss -Hlun "sport = :7002" | grep -q .'
peer r-ha udp-talk 10.1.0.2 10.2.0.2 7002 60 >"$W/udp" 2>&1 &
UDP=$!
sleep 2
ga conntrack -L 2>/dev/null >"$W/ct-udp"
wait $UDP
check "a UDP flow of 60 datagrams is answered" grep -q '^ok 60$' "$W/udp"
check "and not offloaded" absent 'dport=7002 .*OFFLOAD' "$W/ct-udp"
check "positive control: its conntrack entry has seen replies, so 'ct state established' holds" \
	sh -c "grep 'dport=7002' '$W/ct-udp' | grep -qv UNREPLIED"

# --- a rekey under a flow: make before break ------------------------------
bg r-hb /usr/bin/python3 "$PEER" serve 10.2.0.2 7004
wait_for 5 sh -c 'ip netns exec r-hb ss -Hltn "sport = :7004" | grep -q .'
peer r-ha talk 10.1.0.2 10.2.0.2 7004 4 >"$W/talk-rekey" 2>&1 &
REKEY=$!
sleep 1
# Inbound first, on both sides, then outbound; then the old pair goes.
ipb sa add spi 0x101 src 198.51.100.1 dst 198.51.100.2 reqid 1 enc aes-gcm-128 key $K_BA encap udp 4500 4500 replay-window 1024
ipa sa add spi 0x201 src 198.51.100.2 dst 172.16.0.2 reqid 1 enc aes-gcm-128 key $K_AB encap udp 4500 4500 replay-window 1024
ipa sa add spi 0x101 src 172.16.0.2 dst 198.51.100.2 reqid 1 enc aes-gcm-128 key $K_BA encap udp 4500 4500 replay-window 1024
ipb sa add spi 0x201 src 198.51.100.2 dst 198.51.100.1 reqid 1 enc aes-gcm-128 key $K_AB encap udp 4500 4500 replay-window 1024
sleep 1
ipa sa del spi 0x100 dst 198.51.100.2
ipb sa del spi 0x200 dst 198.51.100.1
sleep 0.5
ipa sa del spi 0x200 dst 172.16.0.2
ipb sa del spi 0x100 dst 198.51.100.2
wait $REKEY
check "a TCP conversation lives through a rekey of both directions" grep -q '^ok [1-9]' "$W/talk-rekey"
check "the new SAs carry it" \
	test "$(ipa -j sa get spi 0x101 dst 198.51.100.2 | sed -n 's/.*"tx_packets": *\([0-9]*\).*/\1/p')" -gt 0

# --- conntrack helpers on protected flows --------------------------------
bg r-hb /usr/bin/python3 "$PEER" ftp-serve 10.2.0.2
wait_for 5 sh -c 'ip netns exec r-hb ss -Hltn "sport = :21" | grep -q .'
check "active FTP through the tunnel: ga's FTP helper saw the PORT command in clear and let the data connection in" \
	sh -c "ip netns exec r-ha /usr/bin/python3 $PEER ftp-get 10.1.0.2 10.2.0.2 | grep -qx nfesp-ftp-data"
check "the data connection was RELATED: a new TCP connection from the tunnel is otherwise dropped" \
	sh -c "! timeout 5 ip netns exec r-hb /usr/bin/python3 $PEER talk 10.2.0.2 10.1.0.2 22 1 &&
	       ip netns exec r-ga nft list counter inet fw fwd_drop | grep -q 'packets [1-9]'"

# --- ICMP errors about decrypted traffic (M3) ----------------------------
tun0=$(stat r-ga out-icmp-tunnelled)
hb ping -c 1 -W 8 10.1.0.99 >"$W/unreach" 2>&1
check "hb is told that a host on ga's LAN is unreachable, by an error that came through the tunnel" \
	grep -q 'Destination Host Unreachable' "$W/unreach"
hb ping -c 1 -W 3 -t 2 10.1.0.2 >"$W/ttl" 2>&1
check "a time-exceeded from ga reaches hb the same way" grep -q 'Time to live exceeded' "$W/ttl"
check "ga counted the errors it sent in the SA (out-icmp-tunnelled)" \
	test "$(stat r-ga out-icmp-tunnelled)" -ge $((tun0 + 2))
hb ping -6 -c 1 -W 3 -t 2 fd00:1::2 >"$W/ttl6" 2>&1
check "and an IPv6 time-exceeded too" grep -qi 'Time exceeded' "$W/ttl6"

# --- packets nfesp cannot classify (M4) -----------------------------------
# A DNS bypass before the protect policies, as sites have: a packet whose
# ports cannot be read might be for it, or not.
check "a DNS bypass before the protect policies" ipa -f - <<-'EOF'
	policy add dir out from 10.1.0.0/24 to 10.2.0.0/24 port 53 proto udp action bypass priority 100
	policy add dir out from fd00:1::/64 to fd00:2::/64 port 53 proto udp action bypass priority 100
	EOF
# Fragments escape reassembly when a rule untracks them before defrag.
ga nft -f - <<-'EOF'
	table inet raw {
		chain pre { type filter hook prerouting priority -450; ip frag-off & 0x1fff != 0 notrack; }
	}
	EOF
ga ip route add 10.9.0.0/24 via 172.16.0.1
unc0=$(stat r-ga out-unclassified) tx0=$(ipa -j sa get spi 0x101 dst 198.51.100.2 | sed -n 's/.*"tx_packets": *\([0-9]*\).*/\1/p')
ha /usr/bin/python3 "$PEER" frag 10.1.0.2 10.2.0.2 53
ha /usr/bin/python3 "$PEER" frag6 fd00:1::2 fd00:2::2
ha /usr/bin/python3 "$PEER" frag 10.1.0.2 10.9.0.9 53
ha /usr/bin/python3 "$PEER" frag6 fd00:1::2 fd00:9::9
ha /usr/bin/python3 "$PEER" nh59 fd00:1::2 fd00:2::2
check "a non-first fragment and a cut-short IPv6 header under the policies are dropped and counted" \
	wait_eq 5 $((unc0 + 2)) stat r-ga out-unclassified
check "an IPv6 packet with No Next Header is protected like any other" \
	wait_ge 5 $((tx0 + 1)) sh -c "ip netns exec r-ga $IPSECCTL -j sa get spi 0x101 dst 198.51.100.2 | sed -n 's/.*\"tx_packets\": *\([0-9]*\).*/\1/p'"

# --- path MTU, end to end --------------------------------------------------
nat ip link set out0 mtu 1400
gb ip link set wan0 mtu 1400
ha ip route flush cache
for s in 1000 1300 1372 1472; do
	ha ping -M do -c 2 -i 0.3 -W 2 -s $s 10.2.0.2 >"$W/pmtu-$s" 2>&1
done
check "a DF ping that fits the tunnel crosses it" grep -q ', 0% packet loss' "$W/pmtu-1000"
check "the largest DF pings learn a smaller path MTU, told back through the tunnel's gateway" \
	sh -c "grep -qE 'mtu ?= ?1[0-9]{3}|Frag needed|message too long' '$W/pmtu-1472'"
check "ha's route cache holds a path MTU under 1400" \
	sh -c 'ip netns exec r-ha ip route get 10.2.0.2 | grep -qE "mtu 1[0-3][0-9]{2}"'
pm=$(ha ip route get 10.2.0.2 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
check "a DF ping of exactly that path MTU crosses" ha ping -M do -c 2 -i 0.3 -W 2 -s $((pm - 28)) 10.2.0.2
bg r-hb /usr/bin/python3 "$PEER" serve 10.2.0.2 7003
wait_for 5 sh -c 'ip netns exec r-hb ss -Hltn "sport = :7003" | grep -q .'
check "TCP with the default MSS works across the smaller path" \
	sh -c "ip netns exec r-ha /usr/bin/python3 -c '
import socket
s = socket.create_connection((\"10.2.0.2\", 7003), timeout=10)
data = bytes(range(256)) * 256
s.sendall(data)
got = b\"\"
while len(got) < len(data):
    b = s.recv(65536)
    if not b: break
    got += b
assert got == data, len(got)
print(\"ok\")' | grep -qx ok"

# --- a protect policy added under an offloaded flow --------------------
bg r-gb /usr/bin/python3 "$PEER" udp-serve 198.51.100.2 7010 20
wait_for 5 sh -c 'ip netns exec r-gb ss -Hlun "sport = :7010" | grep -q .'
peer r-ha udp-talk 10.1.0.2 198.51.100.2 7010 120 >"$W/late" 2>&1 &
LATE=$!
# conntrack calls a UDP flow a stream, which is offloaded, after 2 s.
check "positive control: a flow in clear to gb's WAN is offloaded" \
	wait_for 5 sh -c 'ip netns exec r-ga conntrack -L 2>/dev/null | grep -q "dport=7010 .*OFFLOAD"'
T_OFF=$(date +%s.%N)
# clear_since T [D]: the flow's packets on ga's WAN later than D s after time T
clear_since() {
	tcpdump -tt -nr "$W/wan.pcap" 'udp and dst port 7010' 2>/dev/null |
		awk -v t="$1" -v d="${2:-0}" '$1 > t + d' | wc -l
}
offloaded_seen() { [ "$(clear_since "$T_OFF")" -ge 3 ]; }
check "positive control: ga's WAN capture sees the flow in clear once offloaded (the fast path is visible to it)" \
	wait_for 10 offloaded_seen
acq0=$(stat r-ga acquires)
check "a protect policy for it, after ga's masquerade: the addresses that go on the wire" \
	ipa policy add dir out from 172.16.0.2/32 to 198.51.100.2/32 port 7010 proto udp \
	action protect local 172.16.0.2 peer 198.51.100.2 reqid 7
T_POL=$(date +%s.%N)
wait $LATE
check "once a protect policy covers it, its packets meet nfesp (an ACQUIRE, no SA for reqid 7)" \
	test "$(stat r-ga acquires)" -gt "$acq0"
# Give ga's WAN capture what it still buffers, then end it.
control
sleep 1
kill -TERM $CAP; wait $CAP 2>/dev/null
eq "and none leaves the WAN in clear after the policy (in the flowtable's fast path or not)" 0 \
	"$(clear_since "$T_POL" 0.2)"

# --- nothing in clear --------------------------------------------------------
leaks=$(pcount "$W/wan.pcap" "($LEAK) and not ($CONTROL) and not dst host 10.9.0.9 and not dst host fd00:9::9")
eq "nothing with a LAN address left ga's WAN in clear, whole test" 0 "$leaks"
[ "$leaks" = 0 ] || tcpdump -nr "$W/wan.pcap" "($LEAK) and not ($CONTROL)" 2>/dev/null | head -20
eq "positive control: the capture holds the two packets sent in clear on purpose" 2 \
	"$(pcount "$W/wan.pcap" "$CONTROL")"
eq "positive control: the untracked fragment and the cut-short packet to a site without policy left in clear" 2 \
	"$(pcount "$W/wan.pcap" 'dst host 10.9.0.9 or dst host fd00:9::9')"
check "the protected traffic crossed the WAN as ESP in UDP" \
	test "$(pcount "$W/wan.pcap" 'udp port 4500')" -gt 100
eq "and none as bare ESP" 0 "$(pcount "$W/wan.pcap" 'ip proto 50')"

# --- the same LANs over the IPv6 WAN: IPv4 in IPv6, IPv6 in IPv6 ---------
ipa sa flush
ipa policy flush
ipb sa flush
ipb policy flush
ga nft delete table inet raw
nfesp_gw6() { # SELF-ipsecctl OUR-WAN PEER-WAN SPI-OUT KEY-OUT SPI-IN KEY-IN LAN4 REMOTE4 LAN6 REMOTE6
	"$1" -f - <<-EOF
	sa add spi $4 src $2 dst $3 reqid 2 enc aes-gcm-128 key $5 replay-window 1024
	sa add spi $6 src $3 dst $2 reqid 2 enc aes-gcm-128 key $7 replay-window 1024
	policy add dir out from $8 to $9 action protect local $2 peer $3 reqid 2
	policy add dir in from $9 to $8 action protect local $2 peer $3 reqid 2
	policy add dir out from ${10} to ${11} action protect local $2 peer $3 reqid 2
	policy add dir in from ${11} to ${10} action protect local $2 peer $3 reqid 2
	EOF
}
check "ga: the LANs over the IPv6 WAN, bare ESP" \
	nfesp_gw6 ipa 2001:db8:a::2 2001:db8:b::2 0x300 $K_AB 0x400 $K_BA \
	10.1.0.0/24 10.2.0.0/24 fd00:1::/64 fd00:2::/64
check "gb: the same" \
	nfesp_gw6 ipb 2001:db8:b::2 2001:db8:a::2 0x400 $K_BA 0x300 $K_AB \
	10.2.0.0/24 10.1.0.0/24 fd00:2::/64 fd00:1::/64
ga tcpdump -n -Z root -U --immediate-mode -Q out -i wan0 -w "$W/wan6.pcap" 2>"$W/wan6.log" &
CAP=$!
PIDS+=($CAP)
wait_for 10 grep -q 'listening on' "$W/wan6.log"
check "IPv4 LANs over the IPv6 WAN" ha ping -c 3 -i 0.3 -W 3 10.2.0.2
check "IPv6 LANs over the IPv6 WAN" ha ping -6 -c 3 -i 0.3 -W 3 fd00:2::2
bg r-hb /usr/bin/python3 "$PEER" serve 10.2.0.2 7030
wait_for 5 sh -c 'ip netns exec r-hb ss -Hltn "sport = :7030" | grep -q .'
check "TCP between the IPv4 LANs over the IPv6 WAN" \
	sh -c "ip netns exec r-ha /usr/bin/python3 $PEER talk 10.1.0.2 10.2.0.2 7030 2 | grep -q '^ok [1-9]'"
sleep 0.5
kill -TERM $CAP; wait $CAP 2>/dev/null
eq "nothing with a LAN address in clear on the IPv6 WAN" 0 "$(pcount "$W/wan6.pcap" "$LEAK")"
check "it crossed as ESP in IPv6" test "$(pcount "$W/wan6.pcap" 'ip6 and esp')" -ge 12
ipa sa flush
ipa policy flush

# --- one gateway nfesp, the other the in-kernel XFRM stack ---------------
# gb becomes XFRM: same SAs, same tunnel; an encapsulation socket on 4500
# as an IKE daemon would open.
xfrm_gw() { # NS OUR-WAN PEER-WAN SPI-OUT KEY-OUT SPI-IN KEY-IN LAN4 REMOTE4 LAN6 REMOTE6
	ip -n "$1" -batch - <<-EOF
	xfrm state add src $2 dst $3 proto esp spi $4 reqid 1 mode tunnel flag af-unspec aead rfc4106(gcm(aes)) $5 128 encap espinudp 4500 4500 0.0.0.0 replay-window 1024
	xfrm state add src $3 dst $2 proto esp spi $6 reqid 1 mode tunnel flag af-unspec aead rfc4106(gcm(aes)) $7 128 encap espinudp 4500 4500 0.0.0.0 replay-window 1024
	xfrm policy add dir out src $8 dst $9 tmpl src $2 dst $3 proto esp reqid 1 mode tunnel
	xfrm policy add dir fwd src $9 dst $8 tmpl src $3 dst $2 proto esp reqid 1 mode tunnel
	xfrm policy add dir in src $9 dst $8 tmpl src $3 dst $2 proto esp reqid 1 mode tunnel
	xfrm policy add dir out src ${10} dst ${11} tmpl src $2 dst $3 proto esp reqid 1 mode tunnel
	xfrm policy add dir fwd src ${11} dst ${10} tmpl src $3 dst $2 proto esp reqid 1 mode tunnel
	xfrm policy add dir in src ${11} dst ${10} tmpl src $3 dst $2 proto esp reqid 1 mode tunnel
	EOF
}
encap_sock() { # NS ADDR
	bg "$1" /usr/bin/python3 -c "import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 100, 2)
s.bind((\"$2\", 4500))
time.sleep(120)"
	wait_for 5 sh -c "ip netns exec $1 ss -Hlun 'sport = :4500' | grep -q ."
}
mixed_ok() { # DESCRIPTION
	ga tcpdump -n -Z root -U --immediate-mode -Q out -i wan0 -w "$W/mixed-$2.pcap" 2>"$W/mixed-$2.log" &
	CAP=$!
	PIDS+=($CAP)
	wait_for 10 grep -q 'listening on' "$W/mixed-$2.log"
	ha ping -c 2 -i 0.3 -W 3 10.2.0.2 >/dev/null 2>&1	# the first may wait for ARP
	check "$1: ICMP over IPv4" ha ping -c 3 -i 0.3 -W 3 10.2.0.2
	check "$1: ICMP over IPv6" ha ping -6 -c 3 -i 0.3 -W 3 fd00:2::2
	bg r-hb /usr/bin/python3 "$PEER" serve 10.2.0.2 $((7020 + $2))
	wait_for 5 sh -c "ip netns exec r-hb ss -Hltn 'sport = :$((7020 + $2))' | grep -q ."
	check "$1: a TCP conversation" sh -c "ip netns exec r-ha /usr/bin/python3 $PEER talk 10.1.0.2 10.2.0.2 $((7020 + $2)) 2 | grep -q '^ok [1-9]'"
	sleep 0.5
	kill -TERM $CAP; wait $CAP 2>/dev/null
	eq "$1: nothing in clear on ga's WAN" 0 "$(pcount "$W/mixed-$2.pcap" "$LEAK")"
	if [ "$ktap_failed" != 0 ]; then
		diag "$(ga "$IPSECCTL" stats; gb "$IPSECCTL" stats)"
		diag "$(ip -n r-ga -s xfrm state; ip -n r-gb -s xfrm state; ip netns exec r-gb cat /proc/net/xfrm_stat)"
		diag "$(tcpdump -nr "$W/mixed-$2.pcap" 2>/dev/null | head -20)"
	fi
}
ipb sa flush
ipb policy flush
check "ga: nfesp as at first, without the extra policies" \
	nfesp_gw ipa 172.16.0.2 198.51.100.2 0x100 $K_AB 0x200 $K_BA \
	10.1.0.0/24 10.2.0.0/24 fd00:1::/64 fd00:2::/64
check "gb: XFRM SAs and policies, ESP in UDP through the NAT" \
	xfrm_gw r-gb 198.51.100.2 198.51.100.1 0x200 $K_BA 0x100 $K_AB \
	10.2.0.0/24 10.1.0.0/24 fd00:2::/64 fd00:1::/64
encap_sock r-gb 198.51.100.2
gb nft delete rule inet fw forward handle "$(gb nft -a list chain inet fw forward |
	sed -n 's/.*arrived through IPsec.* handle \([0-9]*\)/\1/p')"
gb nft insert rule inet fw forward meta ipsec exists accept
mixed_ok "nfesp at ga, XFRM at gb" 1

# And the other way round: XFRM at ga, behind the NAT, nfesp at gb.
ip -n r-gb xfrm policy flush
ip -n r-gb xfrm state flush
ipa sa flush
ipa policy flush
check "ga: XFRM SAs and policies" \
	xfrm_gw r-ga 172.16.0.2 198.51.100.2 0x100 $K_AB 0x200 $K_BA \
	10.1.0.0/24 10.2.0.0/24 fd00:1::/64 fd00:2::/64
encap_sock r-ga 172.16.0.2
check "gb: nfesp again" \
	nfesp_gw ipb 198.51.100.2 198.51.100.1 0x200 $K_BA 0x100 $K_AB \
	10.2.0.0/24 10.1.0.0/24 fd00:2::/64 fd00:1::/64
gb nft insert rule inet fw forward meta ipsec exists accept
mixed_ok "XFRM at ga, nfesp at gb" 2

# --- fail closed: the README's WAN egress rule, with no IPsec at all ------
check "ga: the WAN egress rule of the README loads" ga nft -f - <<-'EOF'
	table netdev wan_guard {
		chain egress {
			type filter hook egress device "wan0" priority 0;
			ip saddr 10.1.0.0/24 ip daddr 10.2.0.0/24 counter drop
			ip6 saddr fd00:1::/64 ip6 daddr fd00:2::/64 counter drop
		}
	}
	EOF
ip -n r-ga xfrm policy flush
ga tcpdump -n -Z root -U --immediate-mode -Q out -i wan0 -w "$W/guard.pcap" 2>"$W/guard.log" &
CAP=$!
PIDS+=($CAP)
wait_for 10 grep -q 'listening on' "$W/guard.log"
check "with no policy left on ga, hostA's packets for the remote LAN are not answered" \
	sh -c '! ip netns exec r-ha ping -c 2 -i 0.3 -W 1 10.2.0.2'
control
sleep 0.5
kill -TERM $CAP; wait $CAP 2>/dev/null
check "the egress rule dropped them" \
	sh -c 'ip netns exec r-ga nft list table netdev wan_guard | grep -q "packets [1-9]"'
eq "so nothing with a LAN address reached the WAN but the control" 1 "$(pcount "$W/guard.pcap" "$LEAK")"

cleanup
PIDS=()
check "no SA or policy outlived its namespace" wait_for 10 lifecycle_balanced 16 22
ktap_finish
