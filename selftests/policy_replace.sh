#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Replacing a protect policy under traffic (review M8): policy replace swaps
# it atomically, so no packet of the flow meets an SPD without it and
# leaves in clear, and the flow goes on.
#
#   +---------------------- ns a ----+          +---- ns b --------------+
#   | nfesp, ipsecctl                |          | in-kernel XFRM         |
#   | lo 10.1.0.1                    |          | lo 10.2.0.1            |
#   | va 192.0.2.1/24 ---------------+-- veth --+ vb 192.0.2.2/24        |
#   +--------------------------------+          +------------------------+
#
# Traffic between 10.1.0.0/16 and 10.2.0.0/16 is protected with reqid 1;
# b's XFRM drops what comes in clear.

. "$(dirname "$0")/lib.sh"

load_module
ktap_plan 13

A="ip netns exec a"
B="ip netns exec b"
workdir selftest-policy_replace
K_AB=0x0102030405060708090a0b0c0d0e0f1011121314
K_BA=0x1112131415161718191a1b1c1d1e1f2021222324

cleanup() {
	[ -n "${TCPDUMP:-}" ] && kill "$TCPDUMP" 2>/dev/null
	[ -n "${MON:-}" ] && kill "$MON" 2>/dev/null
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
}
trap 'cleanup; workdir_save' EXIT

ipa() { $A "$IPSECCTL" "$@"; }
stat() { ipa -j stats | sed -n "s/.*\"${1//-/_}\": *\([0-9]*\).*/\1/p"; }
# pol_out FIELD: a field of the outbound policy, from show -j
pol_out() {
	ipa -j policy show | python3 -c 'import json, sys
for p in json.load(sys.stdin)["policies"]:
    if p["dir"] == "out":
        print(p["'"$1"'"])'
}
# pols VERB PRIORITY: policy VERB of a's tunnel, both directions
pols() {
	ipa policy "$1" dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect \
		local 192.0.2.1 peer 192.0.2.2 reqid 1 priority "$2" &&
	ipa policy "$1" dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect \
		local 192.0.2.1 peer 192.0.2.2 reqid 1 priority "$2"
}

ab_pair
$B ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 reqid 1 \
	mode tunnel aead 'rfc4106(gcm(aes))' $K_AB 128
$B ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2001 reqid 1 \
	mode tunnel aead 'rfc4106(gcm(aes))' $K_BA 128
$B ip xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir out \
	tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
$B ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir in \
	tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel
ipa sa add spi 0x2001 src 192.0.2.2 dst 192.0.2.1 reqid 1 enc aes-gcm-128 key $K_BA
ipa sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 reqid 1 enc aes-gcm-128 key $K_AB

$A "$IPSECCTL" monitor > "$W/monitor" &
MON=$!
# It must listen before anything it is to see happens (datapath.sh).
monitor_listening() {
	ipa policy add dir out from 10.99.0.0/16 to 10.98.0.0/16 action bypass >/dev/null 2>&1
	ipa policy flush
	grep -q "10.99.0.0/16" "$W/monitor"
}
check "the event monitor is listening" wait_for 30 monitor_listening
check_fails "replacing a policy that does not exist fails" "no such policy" pols replace 100
check "the tunnel's policies are added" pols add 100
check "the tunnel carries a ping" $A ping -c 2 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1
id0=$(pol_out id)
pkts0=$(pol_out packets)

# --- a steady ping while the policies are replaced, priority 100 <-> 200 ---
# What a sends: decrypted replies show on va too, as arriving there.
$A tcpdump -U --immediate-mode -nli va -Q out -w "$W/wire.pcap" icmp 2>"$W/tcpdump.err" &
TCPDUMP=$!
wait_for 10 grep -q "listening on" "$W/tcpdump.err"
# The ping runs until the replacements are done, then is stopped with
# SIGINT, which makes it print its summary; the request it was waiting an
# answer for at that moment may be the one missing.
rounds=$(scaled 30 100 500)
$A ping -i 0.02 -W 2 -I 10.1.0.1 10.2.0.1 > "$W/ping" &
PING=$!
fails=0
for n in $(seq "$rounds"); do
	pols replace $((n % 2 ? 200 : 100)) >/dev/null 2>>"$W/replace.err" ||
		fails=$((fails + 1))
done
kill -INT "$PING"
wait "$PING"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/ping")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/ping")
diag "$rounds replacements of both policies while $sent echo requests went out, $got answered"
eq "every replacement succeeded" 0 "$fails"
check "the ping ran through them: at least 20 requests" test "${sent:-0}" -ge 20
check "every echo request was answered (but the last, maybe)" test "${got:-0}" -ge "$((${sent:-0} - 1))"
sleep 0.5; kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null; TCPDUMP=
eq "no ICMP crossed the wire in clear" 0 "$(tcpdump -nr "$W/wire.pcap" 2>/dev/null | wc -l)"
eq "nothing was held, dropped as cleartext or as a policy mismatch" "0 0 0 0" \
	"$(stat held) $(stat out-no-sa) $(stat in-clear-protected) $(stat in-policy-mismatch)"
eq "the policy kept its id" "$id0" "$(pol_out id)"
check "and its counters" test "$(pol_out packets)" -ge "$((pkts0 + ${sent:-1}))"
check "monitor shows the change as policy replace" \
	grep -q "^policy replace dir out from 10.1.0.0/16 to 10.2.0.0/16" "$W/monitor"

kill "$MON"; MON=
cleanup
sleep 1
check "the module unloads" rmmod nfesp
ktap_finish
