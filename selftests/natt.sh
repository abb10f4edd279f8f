#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# NAT traversal (RFC 3948) through a masquerading NAT whose mapping
# changes under traffic: the MAPPING event, follow-peer, and sa update.
#
#   +-- ns natt-i ----------+      +-- ns natt-n: the NAT ----------------+      +-- ns natt-r ----------+
#   | nfesp, initiator      |      | UDP from 192.168.1.0/24 masqueraded  |      | nfesp, responder      |
#   | lo 10.2.0.1           |      | to one source port: 20000, then      |      | lo 10.1.0.1           |
#   | vi 192.168.1.2/24 ----+------+ vni 192.168.1.1   vnr 198.51.100.2 --+------+ vr 198.51.100.1/24    |
#   +-----------------------+      +--------------------------------------+      +-----------------------+
#
# ESP in UDP 4500 between 10.2.0.0/16 and 10.1.0.0/16, reqid 1. The
# responder sees the initiator at 198.51.100.2:20000. The NAT's mapping is
# changed as a NAT box's uplink bouncing changes it: the masquerade rule
# now says another port, and the link going down makes masquerade forget
# every mapping it made through it.

. "$(dirname "$0")/lib.sh"
export PATH=$PATH:/sbin:/usr/sbin

load_module
ktap_plan 48

I="ip netns exec natt-i"
N="ip netns exec natt-n"
R="ip netns exec natt-r"
workdir selftest-natt
K_IR=0x0102030405060708090a0b0c0d0e0f1011121314
K_RI=0x1112131415161718191a1b1c1d1e1f2021222324

cleanup() {
	[ -n "${MON:-}" ] && kill "$MON" 2>/dev/null
	for n in natt-i natt-n natt-r; do ip netns del $n 2>/dev/null; done
}
trap 'cleanup; workdir_save' EXIT

ipi() { $I "$IPSECCTL" "$@"; }
ipr() { $R "$IPSECCTL" "$@"; }
stat_of() { # NS-CMD FIELD
	$1 "$IPSECCTL" -j stats | sed -n "s/.*\"${2//-/_}\": *\([0-9]*\).*/\1/p"
}
# sa_field SPI DST FIELD: a number from R's SA in JSON (the first match)
sa_field() {
	ipr -j sa get spi "$1" dst "$2" | tr -d ' \n' |
		sed -n "s/.*\"$3\":\([0-9]*\).*/\1/p"
}
ping_i() { $I ping -c "${1:-1}" -i 0.2 -W "${2:-2}" -I 10.2.0.1 10.1.0.1; }
mappings() { grep -c '"event":"mapping"' "$W/mon"; }
# nat_port PORT: masquerade the initiator to PORT, and forget old mappings
nat_port() {
	$N nft -f - <<EOF
flush ruleset
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 192.168.1.0/24 oifname "vnr" meta l4proto udp masquerade to :$1
	}
}
EOF
	$N ip link set vnr down && $N ip link set vnr up &&
		wait_for 5 sh -c "ip -n natt-n link show vnr | grep -q 'state UP'"
}

modprobe -q aesni_intel
for n in natt-i natt-n natt-r; do ip netns add $n; ip -n $n link set lo up; done
ip link add vi netns natt-i type veth peer name vni netns natt-n
ip link add vr netns natt-r type veth peer name vnr netns natt-n
$I ip addr add 192.168.1.2/24 dev vi
$N ip addr add 192.168.1.1/24 dev vni
$N ip addr add 198.51.100.2/24 dev vnr
$R ip addr add 198.51.100.1/24 dev vr
$I ip addr add 10.2.0.1/32 dev lo
$R ip addr add 10.1.0.1/32 dev lo
for l in "natt-i vi" "natt-n vni" "natt-n vnr" "natt-r vr"; do ip -n "${l% *}" link set "${l#* }" up; done
$N sysctl -qw net.ipv4.ip_forward=1
$I ip route add default via 192.168.1.1
$R ip route add 10.2.0.0/16 via 198.51.100.2

# --- 1. Through the NAT, mapping 20000 --------------------------------------
#
#   i 192.168.1.2:4500 --> NAT --> 198.51.100.2:20000 --> r 198.51.100.1:4500
check "the NAT masquerades the initiator's UDP to port 20000" nat_port 20000
ipi sa add spi 0x2001 src 198.51.100.1 dst 192.168.1.2 reqid 1 enc aes-gcm-128 key $K_RI \
	encap udp 4500 4500
ipi sa add spi 0x1001 src 192.168.1.2 dst 198.51.100.1 reqid 1 enc aes-gcm-128 key $K_IR \
	encap udp 4500 4500
ipi policy add dir out from 10.2.0.0/16 to 10.1.0.0/16 action protect \
	local 192.168.1.2 peer 198.51.100.1 reqid 1
ipi policy add dir in from 10.1.0.0/16 to 10.2.0.0/16 action protect \
	local 192.168.1.2 peer 198.51.100.1 reqid 1
$R "$IPSECCTL" -j monitor > "$W/mon" &
MON=$!
# Once it hears an SA come and go, it hears everything that follows.
check "the monitor listens" wait_for 10 sh -c "
	ip netns exec natt-r $IPSECCTL sa add spi 0x4242 src 198.51.100.2 dst 198.51.100.1 \
		enc aes-gcm-128 key $K_IR && ip netns exec natt-r $IPSECCTL sa del spi 0x4242 dst 198.51.100.1 &&
	grep -q '\"spi\":\"0x00004242\"' $W/mon"
check "an inbound SA that follows its peer is added" \
	ipr sa add spi 0x1001 src 198.51.100.2 dst 198.51.100.1 reqid 1 enc aes-gcm-128 \
	key $K_IR encap udp 20000 4500 follow-peer
ipr sa add spi 0x2001 src 198.51.100.1 dst 198.51.100.2 reqid 1 enc aes-gcm-128 key $K_RI \
	encap udp 4500 20000
check "the monitor hears r's SAs" wait_for 5 grep -q '"spi":"0x00002001"' "$W/mon"
ipr policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect \
	local 198.51.100.1 peer 198.51.100.2 reqid 1
ipr policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect \
	local 198.51.100.1 peer 198.51.100.2 reqid 1
check "follow-peer is shown in the paste-back form" \
	sh -c "ip netns exec natt-r $IPSECCTL show | grep -q 'spi 0x00001001 .* encap udp 20000 4500 follow-peer'"
check "and in JSON" sh -c "ip netns exec natt-r $IPSECCTL -j sa show | grep -q '\"follow_peer\":true'"

# capture FILE: what comes in at r from the NAT, until capture_stop
capture() {
	$R tcpdump -U --immediate-mode -nli vr -w "$1" 'udp dst port 4500' 2>"$1.err" &
	TCPDUMP=$!
	wait_for 10 grep -q "listening on" "$1.err"
}
capture_stop() { kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null; }
# first_esp FILE: the first ESP-in-UDP payload captured, as hex
first_esp() {
	/usr/bin/python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 24
while off + 16 <= len(d):
    n = struct.unpack("<I", d[off + 8:off + 12])[0]
    p = d[off + 16:off + 16 + n][14:]
    off += 16 + n
    ihl = (p[0] & 15) * 4
    if p[9] == 17 and struct.unpack("!H", p[ihl + 2:ihl + 4])[0] == 4500 and \
            len(p) > ihl + 16 and p[ihl + 8:ihl + 12] != bytes(4):
        print(p[ihl + 8:].hex())
        break
EOF
}
capture "$W/in1.pcap"
check "pings cross the NAT in ESP in UDP" ping_i 3
capture_stop
eq "no MAPPING while the NAT keeps its mapping" 0 "$(mappings)"
OLD=$(first_esp "$W/in1.pcap")
check "an ESP-in-UDP packet was captured, to forge one from" test -n "$OLD"
rx0=$(sa_field 0x1001 198.51.100.1 rx_packets)
# send_from ADDR PORT HEX: one datagram from the NAT box to r:4500
send_from() {
	$N /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.sendto(bytes.fromhex(sys.argv[3]), ("198.51.100.1", 4500))' "$@"
}

# --- 2. The mapping changes; r's inbound SA follows ---------------------------
#
#   i 192.168.1.2:4500 --> NAT --> 198.51.100.2:20001 --> r (SA: follow-peer)
#   r --> 198.51.100.2:20000 --> nowhere, until r's outbound SA is updated
check "the NAT's mapping changes to port 20001" nat_port 20001
# One packet, forged (its sequence number far ahead, so its ICV fails), from
# a new endpoint: unauthenticated, it must move nothing and raise nothing.
af0=$(stat_of "$R" in-auth-fail)
send_from 198.51.100.2 33333 "${OLD:0:8}7fffffff${OLD:16}"
check "a forged packet from a new endpoint fails its ICV" wait_eq 3 $((af0 + 1)) stat_of "$R" in-auth-fail
eq "and raises no MAPPING" 0 "$(mappings)"
# Pings from i now reach r from the new port; their replies are lost.
check "authenticated ESP in UDP from 20001 raises a MAPPING event" \
	wait_for 30 sh -c "ip netns exec natt-i ping -c 1 -W 1 -I 10.2.0.1 10.1.0.1; grep -q '\"event\":\"mapping\"' $W/mon"
check "it names the SA, the old endpoint and the new one, and says the SA followed" \
	grep -q '"event":"mapping","time":"[^"]*","spi":"0x00001001","dst":"198.51.100.1","reqid":1,"old":{"addr":"198.51.100.2","port":20000},"new":{"addr":"198.51.100.2","port":20001},"followed":true' "$W/mon"
eq "the inbound SA follows: its peer is now port 20001" 20001 "$(sa_field 0x1001 198.51.100.1 sport)"
check_fails "replies still go to the old port 20000 and are lost" "0 received|100% packet loss" ping_i 2 1
eq "the packets from the new endpoint were accepted all along" 1 \
	"$([ "$(sa_field 0x1001 198.51.100.1 rx_packets)" -gt "$rx0" ] && echo 1)"
tx0=$(sa_field 0x2001 198.51.100.2 tx_packets)
idx0=$(sa_field 0x2001 198.51.100.2 index)
replay_i0=$(stat_of "$I" in-replay)
# As IKE would on the event: move the outbound SA.
check "sa update moves r's outbound SA to port 20001" \
	ipr sa update spi 0x2001 dst 198.51.100.2 encap udp 4500 20001
check "the update is multicast" \
	wait_for 5 grep -q '"event":"sa update","time":"[^"]*","spi":"0x00002001","dst":"198.51.100.2","src":"198.51.100.1","encap":{"type":"udp","sport":4500,"dport":20001}' "$W/mon"
check "replies reach the initiator again" ping_i 3
eq "the moved SA kept its index, and its counters went on" "$idx0 1" \
	"$(sa_field 0x2001 198.51.100.2 index) $([ "$(sa_field 0x2001 198.51.100.2 tx_packets)" -ge $((tx0 + 3)) ] && echo 1)"
eq "its sequence numbers went on: the initiator dropped nothing as a replay" \
	"$replay_i0" "$(stat_of "$I" in-replay)"
eq "one MAPPING event for one change, however many packets" 1 "$(mappings)"

# --- 3. Without follow-peer: the event, and the SA keeps its peer ------------
#
#   i --> NAT --> 198.51.100.2:20002 --> r (SA: peer 20001, kept)
ipr sa del spi 0x1001 dst 198.51.100.1
check "an inbound SA without follow-peer, at the current mapping" \
	ipr sa add spi 0x1001 src 198.51.100.2 dst 198.51.100.1 reqid 1 enc aes-gcm-128 \
	key $K_IR encap udp 20001 4500
capture "$W/in3.pcap"
check "pings work at mapping 20001" ping_i 2
capture_stop
OLD=$(first_esp "$W/in3.pcap")
check "one of them was captured, to replay later" test -n "$OLD"
check "the NAT's mapping changes to port 20002" nat_port 20002
rx0=$(sa_field 0x1001 198.51.100.1 rx_packets)
check "a MAPPING event for 20001 to 20002" \
	wait_for 30 sh -c "ip netns exec natt-i ping -c 1 -W 1 -I 10.2.0.1 10.1.0.1; grep -q '\"port\":20002' $W/mon"
check "it says the SA did not follow" \
	grep -q '"old":{"addr":"198.51.100.2","port":20001},"new":{"addr":"198.51.100.2","port":20002},"followed":false' "$W/mon"
ping_i 3 1 >/dev/null
eq "the SA keeps its peer, port 20001" 20001 "$(sa_field 0x1001 198.51.100.1 sport)"
eq "the packets from 20002 are accepted" 1 \
	"$([ "$(sa_field 0x1001 198.51.100.1 rx_packets)" -ge $((rx0 + 4)) ] && echo 1)"
eq "and raise one event, not one per packet" 2 "$(mappings)"
check "sa update moves both SAs to 20002, as IKE would" \
	sh -c "ip netns exec natt-r $IPSECCTL sa update spi 0x2001 dst 198.51.100.2 encap udp 4500 20002 &&
	       ip netns exec natt-r $IPSECCTL sa update spi 0x1001 dst 198.51.100.1 src 198.51.100.2 encap udp 20002 4500"
check "replies reach the initiator again" ping_i 2
eq "the inbound SA's peer is port 20002, its counters kept" "20002 1" \
	"$(sa_field 0x1001 198.51.100.1 sport) $([ "$(sa_field 0x1001 198.51.100.1 rx_packets)" -ge $((rx0 + 6)) ] && echo 1)"
# The moved SA still has its replay window: the old packet from part 1 is
# refused, whatever endpoint it comes from, and moves nothing.
rp0=$(sa_field 0x1001 198.51.100.1 replay)
# (From a port of its own: the NAT's 20000 to 20002 are taken by conntrack.)
send_from 198.51.100.2 33335 "$OLD"
check "a replayed old packet is still refused after the update" \
	wait_eq 3 $((rp0 + 1)) sa_field 0x1001 198.51.100.1 replay
eq "and raises no MAPPING" 2 "$(mappings)"

# --- 4. At most one event a second per SA -----------------------------------
#
# Packets crafted by esp_inject.py (NULL + HMAC-SHA-256) from the NAT box:
# seq 1 from port 30001, at once seq 2 from 30002, then more from 30002.
HK=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
inject() { $N /usr/bin/python3 "$TOP/selftests/esp_inject.py" 198.51.100.2 198.51.100.1 \
	0x5001 $HK 10.2.0.1 10.1.0.1 "$@"; }
ipr sa add spi 0x5001 src 198.51.100.2 dst 198.51.100.1 reqid 5 enc null auth hmac-sha256 \
	authkey $HK encap udp 30000 4500 follow-peer
inject ok:1@30001 ok:2@30002
check "a move is reported at once" wait_for 5 grep -q '"port":30000},"new":{"addr":"198.51.100.2","port":30001}' "$W/mon"
eq "a second move within the second is not, yet, and the SA stays where the event said" \
	"0 30001" "$(grep -c '"port":30002' "$W/mon") $(sa_field 0x5001 198.51.100.1 sport)"
seq=3
# inject_until_reported: one more packet from 30002, then is it reported?
inject_until_reported() {
	inject "ok:$seq@30002"
	seq=$((seq + 1))
	grep -q '"port":30001},"new":{"addr":"198.51.100.2","port":30002}' "$W/mon"
}
check "a later packet from it reports it, once the second is over" wait_for 10 inject_until_reported
eq "and the SA follows it" 30002 "$(sa_field 0x5001 198.51.100.1 sport)"

# --- 5. What sa update refuses -------------------------------------------------
check_fails "an update of a missing SA: ENOENT, with the kernel's message" \
	"no SA with this SPI and destination \(No such file or directory\)" \
	ipr sa update spi 0x9999 dst 198.51.100.1 src 198.51.100.2
ipr sa add spi 0x3001 src 198.51.100.2 dst 198.51.100.1 reqid 2 enc aes-gcm-128 key $K_IR
check_fails "encap cannot be added to an SA without it" \
	"the SA has no UDP encapsulation to change \(Invalid argument\)" \
	ipr sa update spi 0x3001 dst 198.51.100.1 encap udp 4500 4500
SPI=$(ipr spi alloc dst 198.51.100.1)
check_fails "a reserved SPI cannot be updated" "only reserved" \
	ipr sa update spi "$SPI" dst 198.51.100.1 src 198.51.100.2
check "an SA without encap can move its source address" \
	ipr sa update spi 0x3001 dst 198.51.100.1 src 198.51.100.9
eq "and shows it" 1 "$(ipr sa get spi 0x3001 dst 198.51.100.1 | grep -c 'src 198.51.100.9 dst 198.51.100.1')"

kill "$MON"; MON=
cleanup
check "the module unloads" wait_for 10 rmmod nfesp
# At least 9 SAs (a reserved SPI among them) and 4 policies were added above.
check "every SA and policy was freed" lifecycle_balanced 9 4
ktap_finish
