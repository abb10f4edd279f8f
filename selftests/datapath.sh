#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The packet path against its own rules: acquire, policy actions, the
# inbound checks, anti-replay and malformed ESP, lifetimes, the async crypto
# path, path MTU, and what decrypted packets look like to the stack: they
# arrive on the ESP's device, "meta ipsec exists", and the monitor device
# (nfesp0 here) shows them.
#
#   +---------------------- ns a ----+          +---- ns b --------------+
#   | nfesp, ipsecctl                |          | in-kernel XFRM         |
#   | lo 10.1.0.1                    |          | lo 10.2.0.1            |
#   | va 192.0.2.1/24 ---------------+-- veth --+ vb 192.0.2.2/24        |
#   +--------------------------------+          +------------------------+
#
# Traffic between 10.1.0.0/16 and 10.2.0.0/16 is protected with reqid 1.

. "$(dirname "$0")/lib.sh"

load_module
ktap_plan 145

A="ip netns exec a"
B="ip netns exec b"
workdir selftest-datapath
K_AB=0x0102030405060708090a0b0c0d0e0f1011121314
K_BA=0x1112131415161718191a1b1c1d1e1f2021222324
HK=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

cleanup() {
	[ -n "${MON:-}" ] && kill "$MON" 2>/dev/null
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
}
trap 'cleanup; workdir_save' EXIT

ipa() { $A "$IPSECCTL" "$@"; }
stat() { ipa -j stats | sed -n "s/.*\"${1//-/_}\": *\([0-9]*\).*/\1/p"; }
sa_stat() { # SPI FIELD
	ipa -j sa get spi "$1" dst "$2" | tr -d ' \n' |
		sed -n "s/.*\"$3\":\([0-9]*\).*/\1/p"
}

sa_gt() { test "$(sa_stat "$1" "$2" "$3")" -gt "$4" 2>/dev/null; }

modprobe -q aesni_intel
ab_pair
# Strict reverse path filtering: decrypted packets arrive on va.
$A sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.va.rp_filter=1
# The monitor device: one per namespace, on request.
check "a monitor device is made with ip link add nfesp0 type nfesp" \
	sh -c "$A ip link add nfesp0 type nfesp && $A ip link set nfesp0 up"
check_fails "a second one in the namespace is refused" "has an nfesp device already" \
	$A ip link add nfesp1 type nfesp

xfrm_b() { # ENC-ARGS...: b's side of the tunnel
	$B ip xfrm state flush
	$B ip xfrm policy flush
	$B ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 reqid 1 \
		mode tunnel aead 'rfc4106(gcm(aes))' $K_AB 128
	$B ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2001 reqid 1 \
		mode tunnel aead 'rfc4106(gcm(aes))' $K_BA 128
	$B ip xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir out priority 100 \
		tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
	$B ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir in priority 100 \
		tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel
}
sa_in_a() { ipa sa add spi 0x2001 src 192.0.2.2 dst 192.0.2.1 reqid 1 enc aes-gcm-128 key $K_BA "$@"; }
sa_out_a() { ipa sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 reqid 1 enc aes-gcm-128 key $K_AB "$@"; }
sas_a() { # [EXTRA...]: a's SAs, aes-gcm-128; inbound first, as IKE does
	sa_in_a "$@" && sa_out_a "$@"
}
policies_a() {
	ipa policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect \
		local 192.0.2.1 peer 192.0.2.2 reqid 1 &&
	ipa policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect \
		local 192.0.2.1 peer 192.0.2.2 reqid 1
}
# capture FILE FILTER [DIRECTION]: tcpdump on a's side of the wire, both
# ways or only in or out, ready when it returns.
capture() {
	$A tcpdump -U --immediate-mode -nli va -Q "${3:-inout}" -w "$1" "$2" 2>"$1.err" &
	TCPDUMP=$!
	wait_for 10 grep -q "listening on" "$1.err"
}
ping_a() { $A ping -c "${1:-1}" -i 0.2 -W "${2:-2}" -I 10.1.0.1 10.2.0.1; }

xfrm_b

# --- 1. acquire: held, asked for once, released, never in clear ---------
$A "$IPSECCTL" monitor > "$W/monitor" &
MON=$!
# It must listen before anything it is to see happens, and it can take
# seconds to start under TCG beside another VM: a bypass policy comes and
# goes until the monitor has told of one.
monitor_listening() {
	ipa policy add dir out from 10.99.0.0/16 to 10.98.0.0/16 action bypass >/dev/null 2>&1
	ipa policy flush
	grep -q "10.99.0.0/16" "$W/monitor"
}
check "the event monitor is listening" wait_for 30 monitor_listening
# What a sends on the wire. Both stacks show decrypted packets on their
# side of the wire too, as arriving there (a on va, b's XFRM on vb).
capture "$W/wire.pcap" 'ip proto 50 or icmp' out
policies_a
wait_for 5 grep -q "policy add dir in" "$W/monitor"
ping_a 3 15 > "$W/ping1" &
PING=$!
check "a protect policy without SA sends ACQUIRE" \
	wait_for 10 grep -q "^acquire policy [0-9]* reqid 1 src 10.1.0.1 dst 10.2.0.1 proto icmp" "$W/monitor"
check "all three echo requests are held" wait_eq 10 3 stat held
eq "held packets are not dropped" 0 "$(stat out-no-sa)"
eq "one ACQUIRE per pending policy, not one per packet" 1 "$(grep -c '^acquire' "$W/monitor")"
# The inbound SA does not serve the outbound policy: it must release nothing.
check "the inbound SA is added" sa_in_a
sleep 0.5
eq "an SA that does not serve the policy does not end the acquire" "1 3 0" \
	"$(grep -c '^acquire' "$W/monitor") $(stat held) $(stat out-no-sa)"
check "the outbound SA is added" sa_out_a
wait $PING
eq "the held packets go out once the SA is added, and the ping is answered" 0 $?
sleep 0.5; kill $TCPDUMP; wait $TCPDUMP 2>/dev/null
eq "no ICMP crossed the wire in clear" 0 "$(tcpdump -nr "$W/wire.pcap" icmp 2>/dev/null | wc -l)"
check "the echo requests crossed the wire as ESP" \
	test "$(tcpdump -nr "$W/wire.pcap" 'ip proto 50 and src 192.0.2.1' 2>/dev/null | wc -l)" -ge 3
eq "no error counted" "0 0 0 0" "$(stat out-no-sa) $(stat in-auth-fail) $(stat in-replay) $(stat in-policy-mismatch)"

# The acquire timeout drops what is held.
echo 1 > /sys/module/nfesp/parameters/acquire_timeout
ipa policy add dir out from 10.1.0.0/16 to 10.9.0.0/16 action protect \
	local 192.0.2.1 peer 192.0.2.9 reqid 9
$A ip route add 10.9.0.0/16 via 192.0.2.2
$A ping -c 2 -i 0.2 -W 1 -I 10.1.0.1 10.9.0.1 >/dev/null
check "held packets are dropped and counted after the acquire timeout" \
	wait_eq 5 2 stat out-acquire-timeout
echo 30 > /sys/module/nfesp/parameters/acquire_timeout

# --- 2. policy actions and order ----------------------------------------
check "protected traffic flows both ways" ping_a 2
check "b reaches a through the tunnel" $B ping -c 2 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1
# The use time, for dead peer detection: both SAs carried a packet just now.
check "both SAs report a use time of 0 to 2 s ago" \
	test "$(sa_stat 0x1001 192.0.2.2 used_ago)" -le 2 -a "$(sa_stat 0x2001 192.0.2.1 used_ago)" -le 2
used_line() { ipa sa get spi 0x1001 dst 192.0.2.2 | grep -q '# index [0-9]* age [0-9]*s used [0-2]s ago rx '; }
check "and say so in the comment line" used_line
ipa policy add dir out from 10.1.0.1/32 to 10.2.0.1/32 action discard priority 2000
check "a more specific policy with a later priority does not win" ping_a 1
ipa policy del dir out from 10.1.0.1/32 to 10.2.0.1/32
ipa policy add dir out from 10.1.0.1/32 to 10.2.0.1/32 proto icmp action discard priority 10
check_fails "a discard policy before protect drops the ping" "" ping_a 1 1
eq "and counts it" 1 "$(stat out-discard)"
ipa policy del dir out from 10.1.0.1/32 to 10.2.0.1/32 proto icmp
ipa policy add dir out from 10.1.0.1/32 to 10.2.0.1/32 proto icmp action bypass priority 10
$B ip xfrm policy add src 10.1.0.1/32 dst 10.2.0.1/32 proto icmp dir in priority 1 action allow
$B ip xfrm policy add src 10.2.0.1/32 dst 10.1.0.1/32 proto icmp dir out priority 1 action allow
ipa policy add dir in from 10.2.0.1/32 to 10.1.0.1/32 proto icmp action bypass priority 10
capture "$W/bypass.pcap" icmp
check "a bypass policy before protect sends in clear" ping_a 1
sleep 0.5; kill $TCPDUMP; wait $TCPDUMP 2>/dev/null
check "and the ping crossed the wire in clear" \
	test "$(tcpdump -nr "$W/bypass.pcap" icmp 2>/dev/null | wc -l)" -ge 2
ipa policy del dir out from 10.1.0.1/32 to 10.2.0.1/32 proto icmp
ipa policy del dir in from 10.2.0.1/32 to 10.1.0.1/32 proto icmp
before=$(stat in-clear-protected)
check_fails "inbound cleartext that matches protect is dropped" "" \
	$B ping -c 1 -W 1 -I 10.2.0.1 10.1.0.1
check "and counted" test "$(stat in-clear-protected)" -gt "$before"
$B ip xfrm policy del src 10.1.0.1/32 dst 10.2.0.1/32 proto icmp dir in
$B ip xfrm policy del src 10.2.0.1/32 dst 10.1.0.1/32 proto icmp dir out
check "the tunnel works again" ping_a 1

# A decrypted packet must match the policy of its SA: b sends 10.3.0.1
# through the tunnel, which a's inbound policy (10.2.0.0/16) does not cover.
$B ip addr add 10.3.0.1/32 dev lo
$B ip xfrm policy add src 10.3.0.0/16 dst 10.1.0.0/16 dir out priority 100 \
	tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
check_fails "a decrypted packet outside its SA's policy is dropped" "" \
	$B ping -c 1 -W 1 -I 10.3.0.1 10.1.0.1
eq "and counted as a policy mismatch" 1 "$(stat in-policy-mismatch)"
nosa0=$(stat in-no-sa)
authfail0=$(stat in-auth-fail)

# recv_one ADDR PORT decode|hex: a Python program that prints the first UDP
# datagram to ADDR:PORT, as text or hex, waiting 30 s at most: the sender's
# own Python took more than 5 s to start on the debug kernel
recv_one() {
	printf '%s\n' 'import socket' \
		's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)' \
		"s.bind((\"$1\", $2))" \
		's.settimeout(30)' \
		"print(s.recvfrom(100)[0].$3())"
}

# --- 3. anti-replay and malformed ESP (NULL + HMAC SA, crafted by b) --------
ipa sa add spi 0x3001 src 192.0.2.2 dst 192.0.2.1 reqid 3 enc null auth hmac-sha256 \
	authkey $HK replay-window 64
ipa policy add dir in from 10.4.0.0/16 to 10.1.0.0/16 action protect \
	local 192.0.2.1 peer 192.0.2.2 reqid 3
inject() { $B /usr/bin/python3 "$TOP/selftests/esp_inject.py" 192.0.2.2 192.0.2.1 0x3001 $HK \
	10.4.0.1 10.1.0.1 "$@"; }
rx() { sa_stat 0x3001 192.0.2.1 rx_packets; }
eq "an SA that carried nothing has no use time" "" "$(sa_stat 0x3001 192.0.2.1 used_ago)"
inject badicv:1
check "a packet that fails its ICV is no use of the SA" wait_eq 3 $((authfail0 + 1)) stat in-auth-fail
eq "and gives it no use time" "" "$(sa_stat 0x3001 192.0.2.1 used_ago)"
inject ok:1
check "a crafted NULL+HMAC packet is accepted" wait_eq 3 1 rx
inject ok:1
check "a replayed packet is dropped" wait_eq 3 1 stat in-replay
inject ok:10 ok:8 ok:9
check "packets reordered within the window are accepted" wait_eq 3 4 rx
inject ok:200 ok:100
check "a packet behind the window is dropped" wait_eq 3 2 stat in-replay
eq "the packet ahead of it was accepted" 5 "$(rx)"
inject badicv:201
check "a flipped ICV bit is dropped as an auth failure" wait_eq 3 $((authfail0 + 2)) stat in-auth-fail
inject truncated:202
check "a truncated ESP packet is dropped as malformed" wait_eq 3 1 stat in-malformed
inject badpad:203
check "a bad pad length is dropped as malformed" wait_eq 3 2 stat in-malformed
# RFC 4303 2.6: a dummy packet (next header 59) is discarded silently, in
# tunnel mode (not malformed) and in transport mode (not delivered, though a
# policy for protocol 59 would let it in).
inject dummy:205
check "a dummy packet in tunnel mode is discarded and counted" wait_eq 3 1 stat in-dummy
eq "and not as malformed" 2 "$(stat in-malformed)"
ipa sa add spi 0x3101 src 192.0.2.2 dst 192.0.2.1 mode transport reqid 31 enc null \
	auth hmac-sha256 authkey $HK
ipa policy add dir in from 192.0.2.2/32 to 192.0.2.1/32 proto 59 action protect \
	mode transport reqid 31
# Delivered to protocol 59, which has no handler, it would count here.
unknown_protos() { $A awk '/^Ip: [0-9]/ { print $8 }' /proc/net/snmp; }
rx0=$(unknown_protos)
$B /usr/bin/python3 "$TOP/selftests/esp_inject.py" 192.0.2.2 192.0.2.1 0x3101 $HK \
	10.4.0.1 10.1.0.1 dummy:1
check "a dummy packet in transport mode is discarded and counted" wait_eq 3 2 stat in-dummy
eq "and not delivered" "$rx0 2 0" "$(unknown_protos) $(stat in-malformed) $(sa_stat 0x3101 192.0.2.1 rx_packets)"
ipa policy del dir in from 192.0.2.2/32 to 192.0.2.1/32 proto 59
ipa sa del spi 0x3101 dst 192.0.2.1
# RFC 6040 4.2: an outer CE marks an ECT inner packet CE; over a Not-ECT
# inner packet it is dropped, the congestion mark being undeliverable.
$A tcpdump -U -c 1 -nli nfesp0 -w "$W/ecn.pcap" "icmp and ip[1] & 3 = 3" 2>"$W/ecn.err" &
TCPDUMP=$!
wait_for 10 grep -q "listening on" "$W/ecn.err"
inject ce-notect:206 ce-ect0:207
check "an outer CE over a Not-ECT inner packet is dropped and counted" wait_eq 3 1 stat in-ecn
check "an ECT(0) inner packet under an outer CE is delivered marked CE" \
	wait_for 10 sh -c "! kill -0 $TCPDUMP"
kill "$TCPDUMP" 2>/dev/null; wait "$TCPDUMP"
# ESP for an SPI nfesp has no SA for is counted and left to the stack: here
# XFRM, which has none either and counts it as XfrmInNoStates (M9).
xfrm_nostates() { $A awk '/^XfrmInNoStates/ { print $2 }' /proc/net/xfrm_stat; }
nostates0=$(xfrm_nostates)
inject nosa:204
check "an unknown SPI is counted in in-no-sa" wait_eq 3 $((nosa0 + 1)) stat in-no-sa
check "and left to the stack: XFRM sees it and has no state for it either" \
	wait_eq 3 $((nostates0 + 1)) xfrm_nostates
# ESP behind an IPv6 Routing header with segments left is not yet at its
# final destination: nfesp leaves it to the stack, and does not even look
# its SPI up. Bare ESP with the same SPI after it is, and is counted.
$A ip -6 addr add 2001:db8::1/64 dev va nodad
$B ip -6 addr add 2001:db8::2/64 dev vb nodad
nosa1=$(stat in-no-sa)
$B /usr/bin/python3 -c 'import socket, struct
a = ("2001:db8::1", 0)
esp = struct.pack("!II", 0x7777, 1) + bytes(32)
rh = struct.pack("!BBBB4x16s", 50, 2, 0, 1, socket.inet_pton(socket.AF_INET6, "2001:db8::3"))
socket.socket(socket.AF_INET6, socket.SOCK_RAW, 43).sendto(rh + esp, a)
socket.socket(socket.AF_INET6, socket.SOCK_RAW, 50).sendto(esp, a)'
check "bare IPv6 ESP with an unknown SPI is counted in in-no-sa" \
	wait_eq 3 $((nosa1 + 1)) stat in-no-sa
sleep 0.5
eq "but not ESP behind a Routing header with segments left" $((nosa1 + 1)) "$(stat in-no-sa)"
# An XFRM SA in a, beside nfesp's: b sends UDP to a's port 7000 in XFRM
# transport mode (SPI 0x5001, which nfesp does not know), a's XFRM decrypts
# it; at the same time nfesp's SAs carry the tunnel.
K_X=0x3132333435363738393a3b3c3d3e3f4041424344
for ns in a b; do
	ip -n $ns xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x5001 reqid 5 \
		mode transport aead 'rfc4106(gcm(aes))' $K_X 128
done
$B ip xfrm policy add src 192.0.2.2 dst 192.0.2.1 proto udp dport 7000 dir out priority 1 \
	tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 5 mode transport
$A ip xfrm policy add src 192.0.2.2 dst 192.0.2.1 proto udp dport 7000 dir in priority 1 \
	tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 5 mode transport
$A /usr/bin/python3 -c "$(recv_one 192.0.2.1 7000 decode)" > "$W/xfrm-rx" &
XRX=$!
wait_for 5 sh -c "$A ss -Hlun sport = :7000 | grep -q ."
nfesp_rx0=$(sa_stat 0x2001 192.0.2.1 rx_packets)
$B /usr/bin/python3 -c 'import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"through XFRM", ("192.0.2.1", 7000))'
check "an nfesp SA receives meanwhile" $B ping -c 2 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1
wait $XRX
eq "an XFRM SA in the same namespace receives its ESP" "through XFRM" "$(cat "$W/xfrm-rx")"
check "the ping went through nfesp's SA" test "$(sa_stat 0x2001 192.0.2.1 rx_packets)" -ge $((nfesp_rx0 + 2))
$A ip xfrm policy flush
$A ip xfrm state flush
$B ip xfrm policy del src 192.0.2.2 dst 192.0.2.1 proto udp dport 7000 dir out
$B ip xfrm state del src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x5001
inject ok:201
check "the SA still works after all that" wait_eq 3 7 rx
eq "per-SA replay and auth-fail counters" "2 2" \
	"$(sa_stat 0x3001 192.0.2.1 replay) $(sa_stat 0x3001 192.0.2.1 auth_fail)"

# --- 3b. fragments inside the tunnel -------------------------------------
# An inbound policy with a port: the tail fragment of a datagram has no
# ports to match, so the datagram is checked whole, once reassembled (M6).
# A first fragment sent in clear never completes a datagram whose tail came
# through the tunnel (M2): decrypted fragments have a reassembly queue of
# their own.
check "an inbound policy with a port, before the address-only one" \
	ipa policy add dir in from 10.4.0.0/16 to 10.1.0.0/16 port 5060 proto udp \
	action protect local 192.0.2.1 peer 192.0.2.2 reqid 3 priority 50
# udp_got SECONDS: what the first datagram to 10.1.0.1:5060 says, or "none".
udp_got() {
	$A /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.1.0.1", 5060))
s.settimeout(float(sys.argv[1]))
try:
	print(s.recv(2000)[:18].decode())
except socket.timeout:
	print("none")' "$1" >"$W/frag-got" &
	UDP_PID=$!
	wait_for 30 sh -c "$A ss -Hlun sport = :5060 | grep -q ."
}
frag() { $B /usr/bin/python3 "$TOP/selftests/frag_inject.py" 192.0.2.2 192.0.2.1 0x3001 $HK \
	10.4.0.5 10.1.0.1 5060 "$@"; }
udp_got 20
frag 300 tunnel
wait "$UDP_PID"
eq "a datagram fragmented inside the tunnel is reassembled, then checked with its ports" \
	nfesp-frag-tunnel- "$(cat "$W/frag-got")"
# Without the port, so that the tail alone passes the inbound check.
check "a fragmented datagram matched the policy with the port" \
	test "$(ipa -j policy get dir in from 10.4.0.0/16 to 10.1.0.0/16 port 5060 proto udp |
		tr -d ' \n' | sed -n 's/.*"packets":\([0-9]*\).*/\1/p')" -ge 1
ipa policy del dir in from 10.4.0.0/16 to 10.1.0.0/16 port 5060 proto udp
udp_got 4
frag 302 mixed
wait "$UDP_PID"
eq "a first fragment in clear and a last one through the tunnel make no datagram" \
	none "$(cat "$W/frag-got")"

# --- 3c. an SA admits only the traffic it was negotiated for (H2) ------------
#
#   peer A 192.0.2.2 (vb) --- SA 0x6001 --> a   10.6.0.0/16 -> 10.1.0.0/16
#   peer B 192.0.2.3 (vb) --- SA 0x6002 --> a   10.7.0.0/16 -> 10.1.0.0/16
#
# Both peers' SAs and inbound policies share reqid 6, as with one reqid for
# every peer. b crafts ESP (NULL + HMAC) from either address.
$B ip addr add 192.0.2.3/24 dev vb
ipa sa add spi 0x6001 src 192.0.2.2 dst 192.0.2.1 reqid 6 enc null auth hmac-sha256 authkey $HK
ipa sa add spi 0x6002 src 192.0.2.3 dst 192.0.2.1 reqid 6 enc null auth hmac-sha256 authkey $HK
ipa policy add dir in from 10.6.0.0/16 to 10.1.0.0/16 action protect \
	local 192.0.2.1 peer 192.0.2.2 reqid 6
ipa policy add dir in from 10.7.0.0/16 to 10.1.0.0/16 action protect \
	local 192.0.2.1 peer 192.0.2.3 reqid 6
inject_from() { # OUTER_SRC SPI INNER_SRC KIND:SEQ...
	local src=$1 spi=$2 isrc=$3

	shift 3
	$B /usr/bin/python3 "$TOP/selftests/esp_inject.py" "$src" 192.0.2.1 "$spi" $HK \
		"$isrc" 10.1.0.1 "$@"
}
pol_packets() { # FROM: packets the inbound policy from FROM accepted
	ipa policy show | grep -A1 "^policy add dir in from $1 " |
		sed -n 's/.*# id [0-9]* packets \([0-9]*\) .*/\1/p'
}
mismatch0=$(stat in-policy-mismatch)
inject_from 192.0.2.3 0x6002 10.7.0.1 ok:1
check "peer B's own traffic in B's SA is accepted" wait_eq 3 1 pol_packets 10.7.0.0/16
inject_from 192.0.2.2 0x6001 10.6.0.1 ok:1
check "and peer A's in A's" wait_eq 3 1 pol_packets 10.6.0.0/16
eq "neither is a policy mismatch or an SA error" "$mismatch0 0 0" \
	"$(stat in-policy-mismatch) $(sa_stat 0x6001 192.0.2.1 errors) $(sa_stat 0x6002 192.0.2.1 errors)"
inject_from 192.0.2.3 0x6002 10.6.0.1 ok:2
check "A's subnet in B's valid SA, same reqid: dropped as a policy mismatch" \
	wait_eq 3 $((mismatch0 + 1)) stat in-policy-mismatch
eq "and counted in B's SA's errors, not accepted by A's policy" "1 1" \
	"$(sa_stat 0x6002 192.0.2.1 errors) $(pol_packets 10.6.0.0/16)"

# An SA negotiated for less than its policy: 10.7.1.0/24 of B's 10.7.0.0/16.
check "an SA with a selector is added" \
	ipa sa add spi 0x6003 src 192.0.2.3 dst 192.0.2.1 reqid 6 enc null auth hmac-sha256 \
	authkey $HK sel from 10.7.1.0/24 to 10.1.0.0/16 proto icmp
check "sa get prints it back in the grammar of sa add" sh -c \
	"$A $IPSECCTL sa get spi 0x6003 dst 192.0.2.1 | grep -q ' sel from 10.7.1.0/24 to 10.1.0.0/16 proto icmp\$'"
check "and -j as \"sel\"" sh -c "$A $IPSECCTL -j sa get spi 0x6003 dst 192.0.2.1 | tr -d ' \n' |
	grep -qF '\"sel\":{\"from\":\"10.7.1.0/24\",\"to\":\"10.1.0.0/16\",\"proto\":\"icmp\"}'"
check_fails "a selector given to sa update is refused" "unexpected \"sel\"" \
	ipa sa update spi 0x6003 dst 192.0.2.1 sel from 10.7.0.0/16 to 10.1.0.0/16
inject_from 192.0.2.3 0x6003 10.7.1.1 ok:1
check "inside the SA's selector: accepted" wait_eq 3 2 pol_packets 10.7.0.0/16
inject_from 192.0.2.3 0x6003 10.7.2.1 ok:2
check "inside its policy, outside its selector: dropped as a policy mismatch" \
	wait_eq 3 $((mismatch0 + 2)) stat in-policy-mismatch
eq "and counted in the SA's errors" 1 "$(sa_stat 0x6003 192.0.2.1 errors)"

# Transport mode: an SA is found by (SPI, destination) alone. B sends with
# A's valid SPI from its own address: the source must be the SA's.
ipa sa add spi 0x6004 src 192.0.2.2 dst 192.0.2.1 mode transport reqid 8 \
	enc null auth hmac-sha256 authkey $HK
ipa policy add dir in from 192.0.2.0/24 to 192.0.2.1 proto icmp action protect \
	mode transport reqid 8
inject_from 192.0.2.2 0x6004 - transport:1
check "transport mode ESP from the SA's source is accepted" \
	wait_eq 3 1 pol_packets 192.0.2.0/24
inject_from 192.0.2.3 0x6004 - transport:2
check "with a valid SPI from another source: dropped as a policy mismatch" \
	wait_eq 3 $((mismatch0 + 3)) stat in-policy-mismatch
eq "and not accepted by the policy" 1 "$(pol_packets 192.0.2.0/24)"
ipa policy del dir in from 192.0.2.0/24 to 192.0.2.1 proto icmp
$B ip addr del 192.0.2.3/24 dev vb

# --- 4. lifetimes --------------------------------------------------------
ipa sa add spi 0x4001 src 192.0.2.2 dst 192.0.2.1 reqid 3 enc null auth hmac-sha256 \
	authkey $HK lifetime soft bytes 100 lifetime hard bytes 400
inject4() { $B /usr/bin/python3 "$TOP/selftests/esp_inject.py" 192.0.2.2 192.0.2.1 0x4001 $HK \
	10.4.0.1 10.1.0.1 "$@"; }
inject4 ok:1 ok:2
check "a soft byte limit sends EXPIRE soft" \
	wait_for 5 grep -q "^expire soft spi 0x00004001" "$W/monitor"
check "the SA keeps working after a soft expiry" wait_eq 3 2 sa_stat 0x4001 192.0.2.1 rx_packets
inject4 ok:3 ok:4 ok:5 ok:6 ok:7 ok:8
check "a hard byte limit sends EXPIRE hard" \
	wait_for 5 grep -q "^expire hard spi 0x00004001" "$W/monitor"
check_fails "and removes the SA" "No such|not found|ENOENT|no SA" ipa sa get spi 0x4001 dst 192.0.2.1
ipa sa add spi 0x4002 src 192.0.2.2 dst 192.0.2.1 reqid 3 enc null auth hmac-sha256 \
	authkey $HK lifetime soft seconds 1 lifetime hard seconds 2
check "a soft time limit sends EXPIRE soft" \
	wait_for 5 grep -q "^expire soft spi 0x00004002" "$W/monitor"
check "a hard time limit sends EXPIRE hard and removes the SA" \
	wait_for 5 grep -q "^expire hard spi 0x00004002" "$W/monitor"
# XFRM's "infinite" (XFRM_INF, U64_MAX) must saturate, not wrap to "now".
ipa sa add spi 0x4003 src 192.0.2.2 dst 192.0.2.1 reqid 3 enc null auth hmac-sha256 \
	authkey $HK lifetime soft seconds 18446744073709551614 \
	lifetime hard seconds 18446744073709551615
sleep 2
check "an infinite (U64_MAX seconds) lifetime does not expire" \
	sh -c "! grep -q '^expire .*spi 0x00004003' '$W/monitor' && $A $IPSECCTL sa get spi 0x4003 dst 192.0.2.1"
inject4_3() { $B /usr/bin/python3 "$TOP/selftests/esp_inject.py" 192.0.2.2 192.0.2.1 0x4003 $HK \
	10.4.0.1 10.1.0.1 "$@"; }
inject4_3 ok:1
check "and the SA carries packets" wait_eq 3 1 sa_stat 0x4003 192.0.2.1 rx_packets
ipa sa del spi 0x4003 dst 192.0.2.1

# --- 4b. crypto spread over the CPUs, packets still in order --------------
# parallel=2 hands every other packet to the other CPU's worker, here on
# the default driver and after 5b on the async one. a's sequence numbers
# must leave in order, and a burst of ESP that arrives in order must be
# delivered in order. (TCP's out-of-order count cannot tell: b's XFRM sends
# from both CPUs, and a veth may reorder that before nfesp sees it.)
PAR=/sys/module/nfesp/parameters/parallel
in_order() { # PCAP SPI: the SPI's ESP sequence numbers only go up
	tshark -r "$1" -Y "esp.spi == $2" -T fields -e esp.sequence |
		awk 'NR > 1 && $1 <= prev { bad++ } { prev = $1; n++ }
		     END { if (bad || n < 50) { print n " packets, " bad+0 " out of order"; exit 1 } }'
}
behind_on_wire() { # PCAP SPI WINDOW: packets of SPI that came WINDOW or more
	# behind the highest sequence number before them
	tshark -r "$1" -Y "esp.spi == $2" -T fields -e esp.sequence |
		awk -v w="$3" '$1 + w <= max { n++ } $1 > max { max = $1 } END { print n + 0 }'
}
# ping_alone: three pings two seconds apart, at parallel=2: each is spread
# over the CPUs alone, with no packet behind it to push it out. A packet held
# back until the next one comes is answered after the interval at the
# earliest, or never, for the last: nothing in crypt.c flushes on a timer.
# So every ping must be answered, and within 1500 ms, before the next is sent.
# The bound is not a latency target (that is make bench's ping figure): a
# debug kernel under emulation has taken over 500 ms for one of them.
ping_alone() {
	local out max queued0=$(stat crypto-queued)

	out=$($A ping -c 3 -i 2 -W 3 -I 10.1.0.1 10.2.0.1 2>&1)
	echo "$out"
	grep -q ', 0% packet loss' <<<"$out" || return 1
	echo "crypto-queued: $queued0 before, $(stat crypto-queued) after"
	[ "$(stat crypto-queued)" -gt "$queued0" ] || return 1
	max=$(sed -n 's|^rtt .* = [0-9.]*/[0-9.]*/\([0-9]*\)\.[0-9]*/.*|\1|p' <<<"$out")
	[ -n "$max" ] && [ "$max" -lt 1500 ]
}
# ping_unspread: at parallel=1, a ping alone is done where it arrives.
ping_unspread() {
	local queued0=$(stat crypto-queued)

	ping_a 3 || return 1
	echo "crypto-queued: $queued0 before, $(stat crypto-queued) after"
	[ "$(stat crypto-queued)" = "$queued0" ]
}
par_case() { # NAME SPI_OUT
	local queued0 bad0 behind

	echo 2 >"$PAR"
	queued0=$(stat crypto-queued)
	bad0="$(stat in-replay) $(stat crypto-error) $(stat in-auth-fail)"
	# Headers only, and a big buffer: under emulation tcpdump drops much.
	$A tcpdump -U -s 96 -B 32768 -nli va -w "$W/par-${1// /-}.pcap" esp 2>"$W/par-${1// /-}.err" &
	TCPDUMP=$!
	wait_for 10 grep -q "listening on" "$W/par-${1// /-}.err"
	$B iperf3 -s -1 -D -B 10.2.0.1 >/dev/null
	wait_for 5 sh -c "$B ss -Hltn sport = :5201 | grep -q ."
	check "$1: TCP from a, encrypted on both CPUs" \
		$A timeout 30 iperf3 -c 10.2.0.1 -B 10.1.0.1 -n 1M
	$B iperf3 -s -1 -D -B 10.2.0.1 >/dev/null
	wait_for 5 sh -c "$B ss -Hltn sport = :5201 | grep -q ."
	check "$1: TCP to a, decrypted on both CPUs" \
		$A timeout 30 iperf3 -R -c 10.2.0.1 -B 10.1.0.1 -n 1M
	kill "$TCPDUMP"; wait "$TCPDUMP"
	check "$1: packets were handed to the other CPU" \
		test "$(stat crypto-queued)" -gt "$((queued0 + 100))"
	check "$1: ESP sequence numbers leave in order" in_order "$W/par-${1// /-}.pcap" "$2"
	check "$1: ping, alone, is spread and not held back (each answered before the next is sent)" ping_alone
	# Under load b's XFRM can itself send packets more than the window
	# out of order (see REPLAY_WINDOW in netlib.sh): those are replay drops
	# on the wire already. nfesp must add none of its own.
	behind=$(behind_on_wire "$W/par-${1// /-}.pcap" $(($2 + 0x1000)) 64)
	eq "$1: no crypto or auth error, no replay drop but for the $behind packets b sent behind the window" \
		"$bad0" "$(($(stat in-replay) - behind)) $(stat crypto-error) $(stat in-auth-fail)"
	echo 1 >"$PAR"
	check "$1: at parallel=1, a ping alone is not handed to another CPU" ping_unspread
}
par_case "default driver" 0x1001

# Short packets are not worth another CPU (crypt.c): at parallel=1, under
# load, a burst of them is done where it arrives; with spread_min and
# spare_pct at 0 the same burst is spread. burst=0 makes every packet after
# the first of a jiffy load: a slow (debug) kernel may not send 9 within one.
SPREAD_MIN=/sys/module/nfesp/parameters/spread_min
SPARE_PCT=/sys/module/nfesp/parameters/spare_pct
BURST=/sys/module/nfesp/parameters/burst
short_burst() { # local|spread
	local queued0=$(stat crypto-queued) queued

	$A ping -q -f -l 64 -c 400 -s 16 -W 2 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1
	queued=$(($(stat crypto-queued) - queued0))
	echo "crypto-queued: $queued more"
	if [ "$1" = local ]; then
		[ "$queued" = 0 ]
	else
		[ "$queued" -gt 0 ]
	fi
}
sm0=$(cat "$SPREAD_MIN") sp0=$(cat "$SPARE_PCT") bu0=$(cat "$BURST")
echo 0 >"$BURST"
check "parallel=1: a burst of 44-byte pings is done where it arrives" short_burst local
echo 0 >"$SPREAD_MIN"
echo 0 >"$SPARE_PCT"
check "parallel=1, spread_min=0, spare_pct=0: the same burst is spread" short_burst spread
echo "$sm0" >"$SPREAD_MIN"
echo "$sp0" >"$SPARE_PCT"
echo "$bu0" >"$BURST"

# b sends 300 ESP packets of the NULL+HMAC SA from one CPU; a decrypts them
# on both and must hand them to the stack in order, as nfesp0 shows.
burst_in_order() {
	tshark -r "$W/burst.pcap" -T fields -e ip.id |
		awk 'NR > 1 && $1 <= prev { bad++ } { prev = $1; n++ }
		     END { if (bad || n != 300) { print n " packets, " bad+0 " out of order"; exit 1 } }'
}
echo 2 >"$PAR"
rx0=$(rx)
$A tcpdump -U -c 300 -s 64 -B 32768 -nli nfesp0 -w "$W/burst.pcap" "icmp[0] == 8" \
	2>"$W/burst.err" &
TCPDUMP=$!
wait_for 10 grep -q "listening on" "$W/burst.err"
$B taskset -c 0 /usr/bin/python3 "$TOP/selftests/esp_inject.py" 192.0.2.2 192.0.2.1 0x3001 \
	$HK 10.4.0.1 10.1.0.1 $(seq -f ok:%g 1001 1300)
check "a burst of 300 ESP packets is decrypted, spread over the CPUs" \
	wait_for 10 sa_gt 0x3001 192.0.2.1 rx_packets $((rx0 + 299))
# tcpdump stops after 300 packets; it may be slow to read them all.
wait_for 30 sh -c "! kill -0 $TCPDUMP"
kill "$TCPDUMP" 2>/dev/null; wait "$TCPDUMP"
check "and delivered in the order it arrived" burst_in_order
echo 1 >"$PAR"

# --- 5. the asynchronous crypto path, through cryptd ----------------------
ipa sa del spi 0x1001 dst 192.0.2.2
ipa sa del spi 0x2001 dst 192.0.2.1
# Before 6.3, every cryptd() AEAD instance fails the crypto self-tests
# ("corrupted request struct"), with a WARN; pcrypt() is async there too.
# The debug kernel (tools/vm/debug-kernel) runs no self-tests, so cryptd()
# is usable there; and pcrypt() trips lockdep in its own padata code.
kv=$(uname -r | awk -F. '{ print $1 * 100 + $2 }')
if [ "$kv" -ge 603 ] || [[ $(uname -r) = *-nfesp-debug ]]; then
	drv="cryptd(rfc4106(gcm_base(ctr(aes-generic),ghash-generic)))"
else
	drv="pcrypt(rfc4106-gcm-aesni)"
	diag "kernel before 6.3: cryptd() AEADs are broken, using $drv"
fi
check "SAs with an async driver are accepted: $drv" sas_a driver "$drv"
check "traffic flows through the async path" ping_a 3
check "the async driver is the one in use" \
	sh -c "$A $IPSECCTL show | grep -qF 'driver $drv'"
check "the driver is asynchronous" \
	sh -c "grep -A10 -F 'driver       : $drv' /proc/crypto | grep -q 'async *: yes'"
$A iperf3 -s -1 -D -B 10.1.0.1 >/dev/null
wait_for 5 sh -c "$A ss -Hltn sport = :5201 | grep -q ."
check "a TCP transfer through the async path" \
	$B timeout 30 iperf3 -c 10.1.0.1 -B 10.2.0.1 -n 1M
eq "no crypto or auth error on the async path" "0 $((authfail0 + 2))" \
	"$(stat crypto-error) $(stat in-auth-fail)"

# --- 5b. rekey under traffic: make-before-break, old SAs deleted in use ----
K2_AB=0x2122232425262728292a2b2c2d2e2f3031323334
K2_BA=0x3132333435363738393a3b3c3d3e3f4041424344
# The transfer runs until the new SAs have carried it for 3 s alone, however
# long the rekey takes on this machine; a's server reports what it received
# every 0.5 s. Make-before-break is judged by the counters: no packet may
# wait for an SA or be dropped for want of one. (An empty 0.5 s interval
# is no proof of a gap: under TCG on a busy host the receiver can go
# unscheduled that long, with the sender's window full and no loss.)
$A iperf3 -s -1 -B 10.1.0.1 -i 0.5 --forceflush >"$W/iperf-rekey-server" 2>&1 &
SERVER=$!
wait_for 5 sh -c "$A ss -Hltn sport = :5201 | grep -q ."
$B timeout 600 iperf3 -c 10.1.0.1 -B 10.2.0.1 -t 590 -i 0.5 --forceflush >"$W/iperf-rekey" 2>&1 &
IPERF=$!
intervals() { grep -c "sec.*bits/sec" "$W/iperf-rekey-server"; }
check "a TCP transfer runs through the old SAs" wait_ge 30 2 intervals
before="$(stat out-no-sa) $(stat out-acquire-timeout) $(stat in-no-sa) $(grep -c '^acquire' "$W/monitor")"
# New SAs: inbound first on each side, then outbound, then the old ones go.
ipa sa add spi 0x2003 src 192.0.2.2 dst 192.0.2.1 reqid 1 enc aes-gcm-128 key $K2_BA driver "$drv"
$B ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1003 reqid 1 \
	mode tunnel aead 'rfc4106(gcm(aes))' $K2_AB 128
$B ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2003 reqid 1 \
	mode tunnel aead 'rfc4106(gcm(aes))' $K2_BA 128
ipa sa add spi 0x1003 src 192.0.2.1 dst 192.0.2.2 reqid 1 enc aes-gcm-128 key $K2_AB driver "$drv"
sleep 1
$B ip xfrm state del src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2001
ipa sa del spi 0x1001 dst 192.0.2.2
sleep 0.5
ipa sa del spi 0x2001 dst 192.0.2.1
$B ip xfrm state del src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001
n1=$(intervals)
check "the new outbound SA took over at once" \
	wait_for 10 sa_gt 0x1003 192.0.2.2 tx_packets 10
check "and so did the new inbound one" \
	wait_for 10 sa_gt 0x2003 192.0.2.1 rx_packets 10
check "the transfer goes on for 3 s on the new SAs alone" wait_ge 120 $((n1 + 6)) intervals
alive=0
kill -0 $IPERF 2>/dev/null && alive=1
kill -INT $IPERF 2>/dev/null; wait $IPERF
wait_for 10 sh -c "! kill -0 $SERVER" || kill $SERVER 2>/dev/null
wait $SERVER
eq "a TCP transfer survives a rekey with the old SAs deleted under it" 1 $alive
[ $alive = 1 ] || diag "$(cat "$W/iperf-rekey")"
diag "$(grep "sec.*bits/sec" "$W/iperf-rekey-server" | grep -vc "sender\|receiver") intervals of 0.5 s," \
	"$(grep "sec.*bits/sec" "$W/iperf-rekey-server" | grep -v "sender\|receiver" | grep -c " 0.00 bits/sec") empty"
eq "no packet waited for an SA, nor was dropped for want of one" "$before" \
	"$(stat out-no-sa) $(stat out-acquire-timeout) $(stat in-no-sa) $(grep -c '^acquire' "$W/monitor")"
check "the tunnel works on the new SAs" ping_a 1
par_case "async driver" 0x1003

# --- 6. path MTU -----------------------------------------------------------
# AES-GCM-128 over a 1500-byte IPv4 path leaves 1446 bytes (README). The
# first such ping is told by ICMP ("Frag needed and DF set (mtu = 1446)");
# once the inner route has learnt it, by the socket ("message too long,
# mtu=1446").
check_fails "a DF ping too big for the tunnel gets 'fragmentation needed' with MTU 1446" \
	"mtu ?= ?1446([^0-9]|$)" \
	$A ping -c 1 -W 2 -M do -s 1472 -I 10.1.0.1 10.2.0.1
check "a ping that fits the tunnel's MTU goes through" \
	$A ping -c 1 -W 2 -M do -s 1418 -I 10.1.0.1 10.2.0.1
capture "$W/frag.pcap" 'ip proto 50 and src 192.0.2.1'
check "without DF, a big ping goes through" \
	$A ping -c 1 -W 3 -M dont -s 3000 -I 10.1.0.1 10.2.0.1
sleep 0.5; kill $TCPDUMP; wait $TCPDUMP 2>/dev/null
# Its ESP packet, some 3080 bytes, leaves in three fragments: two with more
# fragments set, one at a non-zero offset.
frags() { tcpdump -nr "$W/frag.pcap" "$1" 2>/dev/null | wc -l; }
eq "carried in fragments of the outer packet on the wire" "2 2" \
	"$(frags 'ip[6] & 0x20 != 0') $(frags 'ip[6:2] & 0x1fff != 0')"

# A router on the way reports a smaller MTU for a's ESP: the outer path MTU
# is learnt, and the inner MTU told to senders follows it.
$B /usr/bin/python3 - <<'PY'
import socket, struct
def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
quoted = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0, 0x4000, 64, 50, 0,
                     socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2"))
quoted += struct.pack("!II", 0x1003, 1)
icmp = struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + quoted
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(icmp, ("192.0.2.1", 0))
PY
check "an ICMP 'fragmentation needed' about nfesp's ESP lowers the outer path MTU" \
	wait_for 3 sh -c "$A ip route get 192.0.2.2 | grep -q 'mtu 1400'"
check_fails "and the inner MTU told to senders follows it" "mtu = 1346" \
	$A ping -c 1 -W 2 -M do -s 1400 -I 10.1.0.1 10.2.0.1

# --- 7. decrypted traffic: where it arrives, and how to see and match it --
$A nft add table inet t
$A nft add chain inet t in '{ type filter hook input priority 0; }'
$A nft add rule inet t in iifname va meta ipsec exists icmp type echo-reply counter
$A nft add rule inet t in meta ipsec missing icmp type echo-reply counter
nft_count() { # RULE-NUMBER: the packets rule N of chain in counted
	$A nft list chain inet t in | grep -o 'packets [0-9]*' | sed -n "$1s/packets //p"
}
# mon_shows N: the capture on the monitor device ended with N ICMP echoes.
mon_shows() {
	wait_for 10 sh -c "! kill -0 $MONDEV 2>/dev/null"
	diag "$(tcpdump -nr "$W/mon.pcap" 2>/dev/null)"
	test "$(tcpdump -nr "$W/mon.pcap" 2>/dev/null | grep -c 'ICMP echo')" = "$1"
}
$A tcpdump -U -c 4 -nli nfesp0 -w "$W/mon.pcap" icmp 2>"$W/mon.err" &
MONDEV=$!
wait_for 10 grep -q "listening on" "$W/mon.err"
check "pings answered through the tunnel" ping_a 2
check "decrypted packets arrive on the ESP's device, matched by 'meta ipsec exists'" \
	test "$(nft_count 1)" -ge 2
eq "and not by 'meta ipsec missing'" 0 "$(nft_count 2)"
check "the monitor device shows the cleartext both ways" mon_shows 4
kill "$MONDEV" 2>/dev/null
check "a ping in clear is answered" $A ping -c 1 -W 2 192.0.2.2
eq "and its reply is matched by 'meta ipsec missing'" 1 "$(nft_count 2)"
$A nft delete table inet t

# --- 8. ESP in UDP (RFC 3948), and IKE beside it on port 4500 --------------
ipa sa del spi 0x1003 dst 192.0.2.2
ipa sa del spi 0x2003 dst 192.0.2.1
check "SAs with UDP encapsulation are accepted" sas_a encap udp 4500 4500
$B ip xfrm state flush
$B ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 reqid 1 mode tunnel \
	aead 'rfc4106(gcm(aes))' $K_AB 128 encap espinudp 4500 4500 0.0.0.0
$B ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2001 reqid 1 mode tunnel \
	aead 'rfc4106(gcm(aes))' $K_BA 128 encap espinudp 4500 4500 0.0.0.0
# XFRM takes ESP in UDP only on a socket marked UDP_ENCAP_ESPINUDP, as IKE
# daemons make; nfesp needs none.
$B /usr/bin/python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 100, 2)
s.bind(("192.0.2.2", 4500))
time.sleep(60)' &
ENCAPSOCK=$!
wait_for 5 sh -c "$B ss -Hlun sport = :4500 | grep -q ."
capture "$W/natt.pcap" 'udp port 4500 or ip proto 50'
check "traffic flows through ESP in UDP, to and from XFRM" ping_a 3
sleep 0.5; kill $TCPDUMP; wait $TCPDUMP 2>/dev/null
check "the packets crossed the wire in UDP port 4500" \
	test "$(tcpdump -nr "$W/natt.pcap" 'udp port 4500' 2>/dev/null | wc -l)" -ge 6
eq "and none as bare ESP" 0 "$(tcpdump -nr "$W/natt.pcap" 'ip proto 50' 2>/dev/null | wc -l)"
# IKE's packets on port 4500 start with four zero bytes; they reach the socket.
$A /usr/bin/python3 -c "$(recv_one 192.0.2.1 4500 hex)" > "$W/ike" &
IKE=$!
wait_for 5 sh -c "$A ss -Hlun sport = :4500 | grep -q ."
$B /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 4501))
s.sendto(bytes(4) + b"IKE message", ("192.0.2.1", 4500))'
wait $IKE
eq "a non-ESP-marked packet on port 4500 goes to the IKE socket" \
	"00000000$(printf 'IKE message' | od -An -tx1 | tr -d ' \n')" "$(cat "$W/ike")"
kill $ENCAPSOCK 2>/dev/null

# NAT keepalives (RFC 3948 2.3), one byte 0xFF to port 4500: dropped and
# counted, with or without a socket there. With none, a one-byte datagram
# that is not a keepalive draws an ICMP port unreachable (the capture's
# positive control); the keepalive before it must not.
send_b() { # PAYLOAD-HEX...: datagrams from b:4501 to a:4500, in order
	$B /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 4501))
for p in sys.argv[1:]:
    s.sendto(bytes.fromhex(p), ("192.0.2.1", 4500))' "$@"
}
ka0=$(stat in-natt-keepalive)
capture "$W/ka.pcap" icmp
send_b ff fe
check "a NAT keepalive is dropped and counted, with no socket on 4500" \
	wait_eq 3 $((ka0 + 1)) stat in-natt-keepalive
sleep 0.5; kill $TCPDUMP; wait $TCPDUMP 2>/dev/null
eq "and draws no ICMP port unreachable; the datagram after it draws one" 1 \
	"$(tcpdump -nr "$W/ka.pcap" 'icmp[icmptype] == icmp-unreach' 2>/dev/null | wc -l)"
$A /usr/bin/python3 -c "$(recv_one 192.0.2.1 4500 hex)" > "$W/ike" &
IKE=$!
wait_for 5 sh -c "$A ss -Hlun sport = :4500 | grep -q ."
send_b ff 0000000041
wait $IKE
eq "with a socket on 4500, the socket gets the datagram after the keepalive, not it" \
	0000000041 "$(cat "$W/ike")"
eq "and the keepalive is counted" $((ka0 + 2)) "$(stat in-natt-keepalive)"

# --- IKE bypass: catch-all protect policies both ways leave this host's IKE
# (UDP 500, and 4500 with the non-ESP marker) in clear; match-ike opts out.
catch_all() { # [match-ike]
	local d
	for d in out in; do
		ipa policy add dir $d from 0.0.0.0/0 to 0.0.0.0/0 action protect \
			local 192.0.2.1 peer 192.0.2.2 reqid 77 priority 1 "$@" || return 1
	done
}
# b echoes one datagram on each of its ports 500 and 4500; a sends from
# the same ports and prints what came back.
$B /usr/bin/python3 -c 'import socket, select
ss = []
for p in (500, 4500):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.2", p))
    ss.append(s)
left = set(ss)
while left:
    r, _, _ = select.select(list(left), [], [], 10)
    if not r:
        break
    for s in r:
        d, peer = s.recvfrom(100)
        s.sendto(d, peer)
        left.discard(s)' &
ECHO=$!
wait_for 5 sh -c "$B ss -Hlun sport = :4500 | grep -q ."
ike_a() {
	$A /usr/bin/python3 -c 'import socket
out = []
for p, d in ((500, bytes(8) + b"IKE_SA_INIT"), (4500, bytes(4) + b"IKE_AUTH")):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.1", p))
    s.settimeout(3)
    s.sendto(d, ("192.0.2.2", p))
    try:
        out.append(str(p) if s.recvfrom(100)[0] == d else "bad")
    except OSError:
        out.append("none")
print(*out)'
}
check "catch-all protect policies both ways, without match-ike" catch_all
acq0=$(stat acquires) clear0=$(stat in-clear-protected)
capture "$W/ike.pcap" 'udp port 500 or udp port 4500'
eq "IKE on 500 and 4500 goes out and its answers come in, past them" "500 4500" "$(ike_a)"
sleep 0.5; kill $TCPDUMP; wait $TCPDUMP 2>/dev/null
eq "in clear on the wire, both ways" 4 \
	"$(tcpdump -nr "$W/ike.pcap" 'udp port 500 or udp port 4500' 2>/dev/null | wc -l)"
eq "no ACQUIRE raised, nothing dropped as cleartext" "$acq0 $clear0" \
	"$(stat acquires) $(stat in-clear-protected)"
wait $ECHO
# The positive control: other UDP (and ESP-like UDP on 4500) is caught.
$A /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 4500))
s.sendto(b"\x00\x00\x50\x01esp", ("192.0.2.2", 4500))'
check "ESP-like UDP on 4500 from this host is held, and raises an ACQUIRE" \
	wait_eq 3 $((acq0 + 1)) stat acquires
ipa policy del dir out from 0.0.0.0/0 to 0.0.0.0/0
ipa policy del dir in from 0.0.0.0/0 to 0.0.0.0/0
check "the same policies with match-ike" catch_all match-ike
check "show prints match-ike" sh -c "$A $IPSECCTL policy show | grep -q 'reqid 77 match-ike priority 1'"
acq0=$(stat acquires) clear0=$(stat in-clear-protected)
$A /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 500))
s.sendto(bytes(8) + b"IKE_SA_INIT", ("192.0.2.2", 500))'
check "with match-ike, IKE from this host is held and raises an ACQUIRE" \
	wait_eq 3 $((acq0 + 1)) stat acquires
$B /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 500))
s.sendto(bytes(8) + b"IKE_SA_INIT", ("192.0.2.1", 500))'
check "and IKE to it in clear is dropped as cleartext" \
	wait_eq 3 $((clear0 + 1)) stat in-clear-protected
ipa policy del dir out from 0.0.0.0/0 to 0.0.0.0/0
ipa policy del dir in from 0.0.0.0/0 to 0.0.0.0/0

kill "$MON"; MON=
cleanup
sleep 1
check "the module unloads" rmmod nfesp
# 15 SAs and 12 policies were added above.
check "every SA and policy was freed" lifecycle_balanced 15 12
ktap_finish
