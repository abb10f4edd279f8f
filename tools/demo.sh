#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: boot a VM with the newest installed kernel, load nfesp, and tell
# the five steps of IPsec as they happen between two gateways that run
# `ipsecctl daemon` (IKEv2, pre-shared key), with a host behind each:
#
#   host-a 10.1.0.10 -- 10.1.0.1 [ gw-a ] 192.0.2.1 ---- 192.0.2.2 [ gw-b ] 10.2.0.1 -- 10.2.0.10 host-b
#          LAN 10.1.0.0/24               the "internet"               LAN 10.2.0.0/24
#
# Each box is a network namespace joined by veth pairs. Each step prints a
# heading, a sentence or two, and its evidence: the lines of the daemons'
# logs, of `ipsecctl monitor`, `status` and `show`, and of the wire between
# the gateways (tcpdump, and tshark decrypting with the keys of
# --export-keys) that show it. The demo is also a smoke test: it exits
# nonzero, naming the step, if anything it shows did not happen (a ping
# lost, no ESP on the wire, SPIs that do not match, SAs left after down).

set -e
cd "$(dirname "$0")/.."
if [ "${1:-}" != --in-vm ]; then
	kver=${KVER:-$(tools/vm/run --list | tail -1)}
	[ -n "$kver" ] || { echo "demo: no bootable kernel; run tools/deps.sh" >&2; exit 1; }
	echo "demo: booting $kver"
	exec tools/vm/run -k "$kver" -t 300 -- tools/demo.sh --in-vm
fi

I=$PWD/build/ipsecctl
D=/tmp/demo                     # the VM's own /tmp: thrown away with it
mkdir -p "$D" && chmod 700 "$D"
T0=$(date +%s)
STEP=setup

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() { STEP=$1; shift; say "Step $STEP of 5: $*   (at $(elapsed))"; }
elapsed() { echo "$(($(date +%s) - T0)) s"; }
note() { fmt -w 78 <<<"$*"; }
# "gw-a# cmd": what the lines that follow come from
cmd() { printf '\033[2m%s# %s\033[0m\n' "$1" "$2"; }
ev() { sed 's/^/    /'; }
fail() {
	printf '\n\033[1;31mdemo: FAILED at step %s: %s\033[0m\n' "$STEP" "$*"
	for g in gw-a gw-b; do
		[ -f "$D/$g.log" ] || continue
		echo "--- last lines of $g's daemon log"
		tail -n 15 "$D/$g.log" | cut -c1-160
	done
	exit 1
}
on() { ip netns exec "$@"; }
# wait_for FILE REGEX SECONDS: until a line of FILE matches
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# The lines of the two daemons' logs since mark_logs that match $1, merged
# in time order as "gw-a 23:34:21.746 <message>", without the lines for
# each datagram sent or received
LOGMARK_A=1 LOGMARK_B=1
mark_logs() {
	LOGMARK_A=$(($(wc -l <"$D/gw-a.log") + 1)) LOGMARK_B=$(($(wc -l <"$D/gw-b.log") + 1))
	MONMARK_A=$(($(wc -l <"$D/gw-a.mon") + 1)) MONMARK_B=$(($(wc -l <"$D/gw-b.mon") + 1))
}
logs() {
	{ tail -n +"$LOGMARK_A" "$D/gw-a.log" | sed 's/^/gw-a /'
	  tail -n +"$LOGMARK_B" "$D/gw-b.log" | sed 's/^/gw-b /'; } |
		grep -E "$1" | grep -vE ' (sent|received) [0-9]+ bytes (from|to) ' |
		sort -s -k2,2 | sed -E 's/^(gw-.) [0-9-]+T([0-9:.]+) [a-z]+: /\1 \2 /'
}
# An SA or policy line of `ipsecctl show` without its owner label
short() { sed -E 's/ owner [0-9]+//'; }
# From `ipsecctl status` on gateway $1: the child SA's "0xIN/0xOUT" (child),
# or the IKE SA's "SPIi:SPIr" (ike) or its algorithms (algs)
status_get() {
	on "$1" "$I" status | awk -v what="$2" '
		what == "child" && $1 == "child" { print $2; exit }
		what == "ike" && $1 == "ike" { print $2; exit }
		what == "algs" && $1 == "ike" { print $7; exit }'
}
# wait_log GATEWAY REGEX SECONDS: until a line of its log since mark_logs matches
wait_log() {
	local f=$D/$1.log m=$LOGMARK_A i
	[ "$1" = gw-b ] && m=$LOGMARK_B
	for ((i = 0; i < $3 * 10; i++)); do
		tail -n +"$m" "$f" | grep -qE "$2" && return 0
		sleep 0.1
	done
	return 1
}
# The notify types (N(16388) ...) in the log lines on stdin, named (RFC 7296 3.10.1)
notify_names() {
	grep -oE 'N\([0-9]+\)' | sort -u | awk '
	BEGIN { n[14] = "NO_PROPOSAL_CHOSEN"; n[17] = "INVALID_KE_PAYLOAD"
		n[24] = "AUTHENTICATION_FAILED"; n[16384] = "INITIAL_CONTACT"
		n[16391] = "USE_TRANSPORT_MODE"; n[16388] = "NAT_DETECTION_SOURCE_IP"
		n[16389] = "NAT_DETECTION_DESTINATION_IP"; n[16390] = "COOKIE"
		n[16393] = "REKEY_SA"; n[16394] = "ESP_TFC_PADDING_NOT_SUPPORTED"
		n[16395] = "NON_FIRST_FRAGMENTS_ALSO"; n[16430] = "IKEV2_FRAGMENTATION_SUPPORTED"
		n[16431] = "SIGNATURE_HASH_ALGORITHMS" }
	{ c = substr($0, 3, length($0) - 3); l = l (l ? ", " : "") $0 " " (c in n ? n[c] : "?") }
	END { if (l) print "(" l ")" }' | fmt -w 74 | ev
}
sas() { on "$1" "$I" show | grep -c '^sa add' || true; }

say "load the module (it loads nf_defrag_ipv4 and _ipv6 itself)"
modprobe aesni_intel 2>/dev/null || true
cmd host "insmod build/$(uname -r)/nfesp.ko"
insmod "build/$(uname -r)/nfesp.ko"
dmesg | grep -o 'nfesp: version.*' | ev

say "four boxes: host-a, gw-a, gw-b, host-b"
ip -batch - <<'END'
netns add host-a
netns add gw-a
netns add gw-b
netns add host-b
link add lan netns gw-a type veth peer name eth0 netns host-a
link add wan netns gw-a type veth peer name wan netns gw-b
link add lan netns gw-b type veth peer name eth0 netns host-b
END
ip -n host-a -batch - <<'END'
addr add 10.1.0.10/24 dev eth0
link set lo up
link set eth0 up
route add default via 10.1.0.1
END
ip -n gw-a -batch - <<'END'
addr add 10.1.0.1/24 dev lan
addr add 192.0.2.1/24 dev wan
link set lo up
link set lan up
link set wan up
route add 10.2.0.0/24 via 192.0.2.2
END
ip -n gw-b -batch - <<'END'
addr add 192.0.2.2/24 dev wan
addr add 10.2.0.1/24 dev lan
link set lo up
link set wan up
link set lan up
route add 10.1.0.0/24 via 192.0.2.1
END
ip -n host-b -batch - <<'END'
addr add 10.2.0.10/24 dev eth0
link set lo up
link set eth0 up
route add default via 10.2.0.1
END
on gw-a sysctl -qw net.ipv4.ip_forward=1
on gw-b sysctl -qw net.ipv4.ip_forward=1
note "The hosts route everything to their gateway; each gateway routes the
other LAN to the other gateway's WAN address. Nothing is encrypted yet:
that is the IKE daemons' job."
cat <<'END' | ev
host-a 10.1.0.10 -- 10.1.0.1 [ gw-a ] 192.0.2.1 ---- 192.0.2.2 [ gw-b ] 10.2.0.1 -- 10.2.0.10 host-b
END

# The first ESP SA of a boot makes the crypto API build its AES-GCM
# instance, which in a VM without KVM can take longer than IKE's first
# retransmission timeout (1 s): build it now, in a scratch namespace, so
# that the IKE exchanges below show without retransmissions.
ip netns add warm
head -c 36 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$D/warm.key"
on warm "$I" sa add spi 0x100 src 192.0.2.9 dst 192.0.2.8 enc aes-gcm-256 key @"$D/warm.key" >/dev/null
ip netns del warm

# One pre-shared key, a rule on each gateway, and the daemons.
( umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' >"$D/psk" )
mkdir -m 700 "$D/keys-a" "$D/keys-b"
cat >"$D/gw-a.conf" <<END
ikev2 "site-b" esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 \\
      local 192.0.2.1 peer 192.0.2.2 \\
      psk @$D/psk lifetime 1h
END
sed -e 's/site-b/site-a/; s/10.1.0.0/X/; s/10.2.0.0/10.1.0.0/; s/X/10.2.0.0/' \
    -e 's/192.0.2.1 peer 192.0.2.2/192.0.2.2 peer 192.0.2.1/' "$D/gw-a.conf" >"$D/gw-b.conf"
# The wire between the gateways, from the start
ip netns exec gw-b tcpdump -Z root -U -w "$D/wire.pcap" -nni wan 'udp port 500 or udp port 4500 or esp' 2>/dev/null &
BG=($!)
for g in gw-a gw-b; do
	ip netns exec $g "$I" monitor >"$D/$g.mon" 2>&1 &
	BG+=($!)
done
sleep 0.5
ip netns exec gw-a "$I" daemon -d --export-keys "$D/keys-a" -f "$D/gw-a.conf" 2>"$D/gw-a.log" &
PID_A=$!
ip netns exec gw-b "$I" daemon -d --export-keys "$D/keys-b" -f "$D/gw-b.conf" 2>"$D/gw-b.log" &
PID_B=$!
wait_for "$D/gw-a.log" 'IKE daemon started' 10 || fail "gw-a's daemon did not start"
wait_for "$D/gw-b.log" 'IKE daemon started' 10 || fail "gw-b's daemon did not start"

# ---------------------------------------------------------------------------
step 1 "interesting traffic"
note "Each gateway has one rule: traffic between the two LANs must go through
an IPsec tunnel to the other gateway, keys negotiated by IKEv2 with a shared
secret."
cmd gw-a "cat gw-a.conf"
ev <"$D/gw-a.conf"
note "From its rule the daemon installs two protect policies in the module,
one each way (the access list of a crypto map). No SA yet: no keys."
cmd gw-a "ipsecctl show      (owner labels cut)"
on gw-a "$I" show | grep -E '^policy|^sa' | short | ev
[ "$(on gw-a "$I" show | grep -c '^policy add .*action protect')" = 2 ] ||
	fail "gw-a's daemon did not install its two protect policies"
[ "$(sas gw-a)" = 0 ] || fail "gw-a has SAs before any traffic"
note "host-a pings host-b. The packet matches the outbound policy, which has
no SA: the module holds it and raises an ACQUIRE, which starts IKE."
cmd host-a "ping -c 3 -i 0.3 10.2.0.10 &"
ip netns exec host-a ping -c 3 -i 0.3 -W 10 10.2.0.10 >"$D/ping1" 2>&1 &
PING1=$!
wait_for "$D/gw-a.mon" '^acquire' 10 || fail "no ACQUIRE"
cmd gw-a "ipsecctl monitor"
grep -m1 '^acquire' "$D/gw-a.mon" | ev
cmd gw-a "ipsecctl daemon -d"
wait_for "$D/gw-a.log" 'ACQUIRE for' 5 || fail "the daemon did not take the ACQUIRE"
logs 'ACQUIRE for' | ev

# ---------------------------------------------------------------------------
step 2 "IKE phase 1: IKE_SA_INIT and IKE_AUTH"
note "Two exchanges of two messages on UDP 500 make the IKE SA, the secure
channel between the gateways. IKE_SA_INIT, in clear, agrees on algorithms
and runs Diffie-Hellman (SA: the proposals, KE: the public values, No:
nonces, N: notifies); IKE_AUTH, encrypted, proves that both know the
pre-shared key (IDi, IDr, AUTH) and, in IKEv2, carries the first child SA
(SA, TSi, TSr: its proposal and traffic selectors)."
wait_for "$D/gw-a.log" 'IKE SA established' 15 || fail "no IKE SA on gw-a"
wait_for "$D/gw-b.log" 'IKE SA established' 5 || fail "no IKE SA on gw-b"
cmd "gw-a, gw-b" "ipsecctl daemon -d   (both logs, in time order)"
logs 'IKE_SA_INIT|IKE_AUTH|IKE SA established' | cut -c1-150 >"$D/phase1"
ev <"$D/phase1"
notify_names <"$D/phase1"
for ((i = 0; i < 10; i++)); do      # tcpdump may be behind: see step 4
	on gw-b tcpdump -r "$D/wire.pcap" -nn 'udp port 500' 2>/dev/null | head -4 >"$D/ike-wire"
	[ "$(wc -l <"$D/ike-wire")" = 4 ] && break
	sleep 0.5
done
cmd gw-b "tcpdump -r wire.pcap udp port 500    (captured on gw-b's wan: the same four messages)"
sed -E 's/^[0-9:.]+ //' "$D/ike-wire" | cut -c1-100 | ev
[ "$(wc -l <"$D/ike-wire")" = 4 ] || fail "not four IKE messages on the wire"
note "What gw-a offered (its rule's defaults), and what was agreed:"
on gw-a "$I" daemon -n -f "$D/gw-a.conf" | grep -oE 'ikesa .* childsa [^@]*' |
	sed -E 's/ (childsa)/\n\1/; s/ psk $//' | ev
a=$(status_get gw-a algs)
b=$(status_get gw-b algs)
echo "    IKE SA: $a (encryption/PRF/Diffie-Hellman group; gw-a and gw-b agree)"
[ -n "$a" ] && [ "$a" = "$b" ] || fail "the gateways disagree on the IKE SA: '$a' and '$b'"

# ---------------------------------------------------------------------------
step 3 "IKE phase 2: the child SA"
note "The child SA is the pair of ESP SAs that carry the traffic, one each
way, each with its own SPI and keys. Each daemon installs them in the
module: the inbound one first, so that the first reply finds it."
wait_for "$D/gw-a.log" ': child SA 0x' 5 || fail "no child SA on gw-a"
wait_for "$D/gw-b.log" ': child SA 0x' 5 || fail "no child SA on gw-b"
logs ': child SA 0x' | ev
cmd gw-a "ipsecctl status"
on gw-a "$I" status | ev
for g in gw-a gw-b; do
	cmd $g "ipsecctl show | grep '^sa'      (owner labels cut)"
	on $g "$I" show | grep '^sa add' | short | ev
done
a=$(status_get gw-a child) b=$(status_get gw-b child)
IN_A=${a%/*} OUT_A=${a#*/} IN_B=${b%/*} OUT_B=${b#*/}
note "gw-a sends with SPI $OUT_A, which gw-b receives; gw-b sends with
$OUT_B, which gw-a receives. The keys stay in the kernel: show prints
\"(hidden)\"."
[ "$(sas gw-a)" = 2 ] && [ "$(sas gw-b)" = 2 ] || fail "not two SAs on each gateway"
[ "$OUT_A" = "$IN_B" ] && [ "$OUT_B" = "$IN_A" ] ||
	fail "the SPIs do not match: gw-a $IN_A/$OUT_A, gw-b $IN_B/$OUT_B"

# ---------------------------------------------------------------------------
step 4 "data: ESP"
note "The held ping left as soon as the SAs were in: its first replies took
the time of IKE, none was lost."
wait $PING1 || true
cmd host-a "ping -c 3 -i 0.3 10.2.0.10     (its output)"
grep -E 'icmp_seq=1 |packets transmitted' "$D/ping1" | ev
grep -q '3 received' "$D/ping1" || fail "the held ping was lost"
note "Now the tunnel is up: pings go through at once. On the wire between
the gateways only ESP shows, with the SPIs of the child SA:"
cmd host-a "ping -c 4 -i 0.2 10.2.0.10"
on host-a ping -c 4 -i 0.2 -W 2 10.2.0.10 >"$D/ping2" 2>&1 || true
grep 'packets transmitted' "$D/ping2" | ev
grep -q '4 received' "$D/ping2" || fail "pings through the tunnel were lost"
# tcpdump writes each packet as it comes (-U), but it may be behind: wait
# for the 7th of each way, up to 5 s
for ((i = 0; i < 10; i++)); do
	on gw-b tcpdump -r "$D/wire.pcap" -nn esp 2>/dev/null >"$D/esp-wire"
	n_out=$(grep -c "192.0.2.1 > 192.0.2.2: ESP(spi=$OUT_A," "$D/esp-wire" || true)
	n_in=$(grep -c "192.0.2.2 > 192.0.2.1: ESP(spi=$OUT_B," "$D/esp-wire" || true)
	[ "$n_out" -ge 7 ] && [ "$n_in" -ge 7 ] && break
	sleep 0.5
done
cmd gw-b "tcpdump -r wire.pcap esp | tail -4"
sed -E 's/^[0-9:.]+ //' "$D/esp-wire" | tail -n 4 | ev
[ "$n_out" -ge 7 ] && [ "$n_in" -ge 7 ] ||
	fail "ESP on the wire: $n_out packets with SPI $OUT_A, $n_in with $OUT_B (7 each expected)"
echo "    ($n_out packets with SPI $OUT_A and $n_in with $OUT_B: the 3 held pings and the 4 since, each way)"
note "Only the gateways can read them. With the keys the daemons wrote for
debugging (ipsecctl daemon --export-keys DIR), tshark decrypts ESP and IKE
alike: the inner packets are host-a's pings, and IKE_AUTH carried identities,
AUTH and the child SA's proposal and traffic selectors."
targs=(-o esp.enable_encryption_decode:TRUE)
while IFS= read -r l; do targs+=(-o "uat:esp_sa:$l"); done <"$D/keys-a/esp_sa"
while IFS= read -r l; do targs+=(-o "uat:ikev2_decryption_table:$l"); done <"$D/keys-a/ikev2_decryption_table"
cmd gw-b "tshark -r wire.pcap -o uat:esp_sa:... -o uat:ikev2_decryption_table:..."
tshark -r "$D/wire.pcap" -n "${targs[@]}" -T fields -E 'separator=|' \
	-e ip.src -e ip.dst -e esp.spi -e _ws.col.Info -e isakmp.typepayload 2>/dev/null >"$D/decrypted" ||
	fail "tshark failed"
# IKEv2 payload types (RFC 7296 3.2); the proposals and transforms inside SA left out
awk -F'|' '
BEGIN { split("33 SA 34 KE 35 IDi 36 IDr 39 AUTH 40 No 41 N 42 D 44 TSi 45 TSr 46 SK{", a, " ")
	for (i = 1; i < 22; i += 2) name[a[i]] = a[i + 1] }
{ gsub(/ +/, " ", $4) }
$3 != "" && $1 ~ /,/ && esp++ < 4 {
	split($1, s, ","); split($2, d, ","); info = $4
	sub(/ id=0x[0-9a-f]+,/, "", info); sub(/\/[0-9]+,.*/, "", info)
	print "ESP " $3 " " s[1] " > " d[1] ": inside " s[2] " > " d[2] " " info }
$4 ~ /IKE_AUTH/ {
	n = split($5, t, ","); pl = ""
	for (i = 1; i <= n; i++) if (t[i] in name) pl = pl " " name[t[i]]
	print "IKE " $1 " > " $2 ": " $4 ":" pl " }" }' "$D/decrypted" | ev
grep -qE "\|$OUT_A\|Echo \(ping\) request" "$D/decrypted" ||
	fail "tshark did not find host-a's pings inside the ESP of SPI $OUT_A"
note "And TCP: a 2 MB transfer from host-b to host-a, through the tunnel."
on host-a iperf3 -s -1 -D -B 10.1.0.10 >/dev/null
sleep 0.5
cmd host-b "iperf3 -c 10.1.0.10 -n 2M"
on host-b iperf3 -c 10.1.0.10 -n 2M >"$D/iperf" 2>&1 || fail "the TCP transfer failed: $(tail -1 "$D/iperf")"
grep -E 'sender' "$D/iperf" | sed -E 's/^\[ *[0-9]+\] +//' | ev

# ---------------------------------------------------------------------------
step 5 "termination: rekey and delete"
note "SAs do not live for ever. At 80 to 90% of the child SA's lifetime (1 h
here) a gateway makes a new one with CREATE_CHILD_SA (new SPIs, new keys),
moves the traffic to it, and deletes the old one with an INFORMATIONAL
Delete a second later; \`ipsecctl rekey\` does it now. A ping runs
meanwhile, 5 a second for 6 s: none may be lost."
old=$(status_get gw-a child)
mark_logs
ip netns exec host-a ping -c 30 -i 0.2 -W 2 10.2.0.10 >"$D/ping3" 2>&1 &
PING3=$!
sleep 1
cmd gw-a "ipsecctl rekey site-b"
on gw-a "$I" rekey site-b
wait_log gw-a "child SA $old deleted" 15 || fail "the old child SA $old was not deleted"
wait $PING3 || true
cmd "gw-a, gw-b" "ipsecctl daemon -d"
logs 'CREATE_CHILD_SA|child SA 0x|INFORMATIONAL .*\[ D \]' | cut -c1-150 >"$D/rekey"
ev <"$D/rekey"
notify_names <"$D/rekey"
cmd gw-a "ipsecctl monitor"
tail -n +"$MONMARK_A" "$D/gw-a.mon" | grep -E '^sa (add|del)' | sed -E 's/ mode .* (lifetime)/ ... \1/' | ev
cmd host-a "ping -c 30 -i 0.2 10.2.0.10"
grep 'packets transmitted' "$D/ping3" | ev
if ! grep -qE ' 0% packet loss' "$D/ping3"; then
	for g in gw-a gw-b; do
		cmd $g "ipsecctl stats | grep in-no-sa    (ESP for an SPI not installed yet)"
		on $g "$I" stats | grep in-no-sa | ev
	done
	fail "pings lost during the rekey"
fi
grep -q '[1-9][0-9]* received' "$D/ping3" || fail "no ping went through during the rekey"
new=$(status_get gw-a child)
[ "$(sas gw-a)" = 2 ] && [ "$(sas gw-b)" = 2 ] || fail "not two SAs on each gateway after the rekey"
[ -n "$new" ] && [ "$new" != "$old" ] || fail "gw-a still has the old child SA"
[ "$(status_get gw-b child)" = "${new#*/}/${new%/*}" ] || fail "the gateways do not agree on the new child SA"

note "The IKE SA is rekeyed the same way, at its own lifetime (8 h by
default): a new IKE SA (#2) with new keys takes over the child SAs, and the
old one (#1) is deleted."
ike_old=$(status_get gw-a ike)
mark_logs
cmd gw-a "ipsecctl rekey site-b ike"
on gw-a "$I" rekey site-b ike
wait_log gw-a 'IKE SA rekeyed' 10 || fail "no IKE SA rekey"
wait_log gw-b 'IKE SA rekeyed|closed' 5 || true
sleep 0.5
logs 'rekeying the IKE SA|IKE SA rekeyed|retired|closed' | ev
[ "$(status_get gw-a child)" = "$new" ] || fail "the IKE SA rekey lost the child SA"
ike_new=$(status_get gw-a ike)
[ -n "$ike_new" ] && [ "$ike_new" != "$ike_old" ] || fail "gw-a's IKE SA did not change"
[ "$(status_get gw-b ike)" = "$ike_new" ] || fail "the gateways do not agree on the new IKE SA"
cmd gw-a "ipsecctl status | grep ike"
on gw-a "$I" status | grep '^ *ike' | ev

note "Finally gw-a takes the tunnel down: it sends a Delete for the IKE SA,
which takes its child SAs with it, and both gateways remove the SAs and
their keys from the module. The protect policies stay: the next packet
would start IKE again."
mark_logs
cmd gw-a "ipsecctl down site-b"
on gw-a "$I" down site-b
wait_log gw-a closed 10 || fail "gw-a did not close its IKE SA"
wait_log gw-b closed 10 || fail "gw-b did not close its IKE SA"
logs 'INFORMATIONAL|closed' | ev
for g in gw-a gw-b; do
	cmd $g "ipsecctl monitor"
	[ $g = gw-a ] && m=$MONMARK_A || m=$MONMARK_B
	tail -n +"$m" "$D/$g.mon" | grep -E '^sa del' | ev
	cmd $g "ipsecctl show | grep -c '^sa'; ipsecctl status"
	{ sas $g; on $g "$I" status; } | ev
	[ "$(sas $g)" = 0 ] || fail "$g still has SAs after down"
done
note "Stopping a daemon (SIGTERM) removes its policies too: the module is
left as it was found."
kill -TERM $PID_A $PID_B
wait $PID_A || fail "gw-a's daemon did not exit cleanly"
wait $PID_B || fail "gw-b's daemon did not exit cleanly"
logs 'stopped' | ev
for g in gw-a gw-b; do
	cmd $g "ipsecctl show"
	on $g "$I" show | ev
	[ "$(on $g "$I" show | grep -c '^[ps]' || true)" = 0 ] || fail "$g: policies or SAs left"
done

say "take it down and unload"
kill "${BG[@]}" 2>/dev/null; wait "${BG[@]}" 2>/dev/null || true
for ns in host-a gw-a gw-b host-b; do ip netns del $ns; done
sleep 1
cmd host "rmmod nfesp"
rmmod nfesp || fail "rmmod nfesp"
STEP=end
say "all five steps shown and checked in $(($(date +%s) - T0)) s"
