#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Output a program can trust: dumps while another process adds, deletes and
# rekeys SAs and policies (each SA and policy once, exit 0, valid JSON);
# -j batches as NDJSON; one type for SPIs and an "event" and "time" in every
# monitor event; monitor -t; the tunnels view of a namespace reached with -N
# (the right SPIs under the right reqid, counters that move); and -N seeing
# that namespace's SAs, not the init namespace's.

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 16

I=$IPSECCTL
NS=nfesp-dump
work=$(mktemp -d)
cleanup() {
	touch "$work/stop"
	[ -n "${churnpid:-}" ] && wait "$churnpid" 2>/dev/null
	[ -n "${monpid:-}" ] && kill "$monpid" 2>/dev/null
	[ -n "${jmonpid:-}" ] && kill "$jmonpid" 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -rf "$work"
	$I sa flush 2>/dev/null
	$I policy flush 2>/dev/null
}
trap cleanup EXIT
K20=0x0102030405060708090a0b0c0d0e0f1011121314

# 1. Dumps while the SAD and SPD churn. STABLE SAs and policies stay put;
# the churner rekeys (adds a new SA, deletes the old) and adds and deletes a
# policy, as fast as ipsecctl goes, until told to stop.
STABLE=$(scaled 300 1000 3000)
DUMPS=$(scaled 40 100 300)
$I sa flush
$I policy flush
awk -v n="$STABLE" -v k="$K20" 'BEGIN {
	for (i = 1; i <= n; i++) {
		printf "sa add spi %d src 198.51.100.1 dst 198.51.100.2 reqid %d enc aes-gcm-128 key %s\n", 65536 + i, i, k
		printf "policy add dir out from 10.%d.%d.0/24 to 10.200.0.0/16 action discard\n", int(i / 256), i % 256
	}
}' >"$work/stable"
$I -f "$work/stable"

churn() {
	local n=0 old=0x30000 new

	$I sa add spi $old src 198.51.100.1 dst 198.51.100.3 reqid 1 enc aes-gcm-128 key $K20
	while [ ! -e "$work/stop" ]; do
		new=$(printf '0x%x' $((0x30001 + n % 2)))
		$I sa add spi $new src 198.51.100.1 dst 198.51.100.3 reqid 1 enc aes-gcm-128 key $K20 &&
			$I sa del spi $old dst 198.51.100.3 || { echo fail >>"$work/churn-err"; }
		old=$new
		$I policy add dir in from 10.250.0.0/16 to any action bypass &&
			$I policy del dir in from 10.250.0.0/16 to any || { echo fail >>"$work/churn-err"; }
		n=$((n + 1))
		echo $n >"$work/churned"
	done
}
churn &
churnpid=$!
wait_for 10 test -s "$work/churned"

# check_dump OUT: each SA (SPI, dst) once, each stable SA there
check_sa_text() {
	grep '^sa add' "$1" | awk '{ print $4, $8 }' | sort >"$1.keys"
	[ "$(uniq -d "$1.keys" | wc -l)" = 0 ] || { echo "duplicate SA in a dump"; return 1; }
	[ "$(grep -c ' 198.51.100.2$' "$1.keys")" = "$STABLE" ] || { echo "stable SAs: $(grep -c ' 198.51.100.2$' "$1.keys")"; return 1; }
}
check_json='
import json, sys
d = json.load(open(sys.argv[1]))
stable = int(sys.argv[2])
keys = [(s["spi"], s["dst"]) for s in d["sas"]]
assert len(keys) == len(set(keys)), "duplicate SA"
assert all(isinstance(s["spi"], str) and s["spi"].startswith("0x") and len(s["spi"]) == 10 for s in d["sas"]), "SPI not 0x%08x"
assert sum(1 for k in keys if k[1] == "198.51.100.2") == stable, "stable SAs"
if "policies" in d:
    ids = [p["id"] for p in d["policies"]]
    assert len(ids) == len(set(ids)), "duplicate policy"
    assert sum(1 for p in d["policies"] if p["to"] == "10.200.0.0/16") == stable, "stable policies"
if "stats" in d:
    assert "sa_count" in d["stats"] and "in_no_sa" in d["stats"], "stats keys not snake_case"
'
bad_exit=0 bad_text=0 bad_json=0 bad_pol=0
c0=$(cat "$work/churned")
for ((i = 0; i < DUMPS; i++)); do
	$I sa show >"$work/d.txt" 2>"$work/d.err" || { bad_exit=$((bad_exit + 1)); diag "$(cat "$work/d.err")"; }
	check_sa_text "$work/d.txt" >>"$work/why" || bad_text=$((bad_text + 1))
	$I -j show >"$work/d.json" 2>"$work/d.err" || { bad_exit=$((bad_exit + 1)); diag "$(cat "$work/d.err")"; }
	python3 -c "$check_json" "$work/d.json" "$STABLE" 2>>"$work/why" || bad_json=$((bad_json + 1))
	$I policy show >"$work/p.txt" 2>"$work/d.err" || { bad_exit=$((bad_exit + 1)); diag "$(cat "$work/d.err")"; }
	[ "$(grep '^policy add' "$work/p.txt" | grep -c 'to 10.200.0.0/16 action discard')" = "$STABLE" ] &&
		[ "$(grep -o '# id [0-9]*' "$work/p.txt" | sort | uniq -d | wc -l)" = 0 ] || bad_pol=$((bad_pol + 1))
done
c1=$(cat "$work/churned")
touch "$work/stop"
wait "$churnpid"; churnpid=
[ -s "$work/why" ] && diag "$(sort "$work/why" | uniq -c | head)"
diag "$DUMPS rounds of sa show, show -j, policy show over $STABLE SAs and policies; $((c1 - c0)) rekeys and policy add/del meanwhile"
check "the churner changed the SAD and SPD during the dumps" test $((c1 - c0)) -ge 5
eq "no churn command failed" 0 "$(cat "$work/churn-err" 2>/dev/null | wc -l)"
eq "every dump exits 0" 0 "$bad_exit"
eq "sa show: each SA once, every stable SA there" 0 "$bad_text"
eq "show -j: valid JSON, each SA and policy once, the stable ones all there" 0 "$bad_json"
eq "policy show: each policy once, the stable ones all there" 0 "$bad_pol"
$I sa flush
$I policy flush

# 2. -j is NDJSON: a batch of two gets is two lines, each a document.
$I sa add spi 0x100 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20
$I sa add spi 0x200 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20
# (spi alloc cannot be in a file, which is applied all or nothing.)
printf 'sa get spi 0x100 dst 192.0.2.2\nsa get spi 0x200 dst 192.0.2.2\nsa add spi 0x300 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key %s\nsa get spi 0x300 dst 192.0.2.2\n' \
	"$K20" >"$work/gets"
eq "ipsecctl -j -f with three sa get, then a spi alloc: four JSON lines, SPIs as 0x%08x" \
	"0x00000100 0x00000200 0x00000300 0x00000400" \
	"$({ $I -j -f "$work/gets" && $I -j spi alloc dst 192.0.2.2 range 0x400-0x400; } |
		python3 -c 'import json, sys; print(*[json.loads(l)["spi"] for l in sys.stdin])')"

# 3. A namespace reached with -N, and the monitor in it: -t and -j.
ip netns add $NS
ip -n $NS link set lo up
ip -n $NS link add d0 type dummy
ip -n $NS addr add 192.0.2.1/24 dev d0
ip -n $NS addr add 10.1.0.1/16 dev d0
ip -n $NS link set d0 up
ip -n $NS route add 10.2.0.0/16 dev d0
$I -N $NS -t monitor >"$work/mon.txt" 2>&1 &
monpid=$!
$I -N $NS -j monitor >"$work/mon.json" 2>&1 &
jmonpid=$!
wait_for 5 sh -c "$I -N $NS sa flush && grep -q 'sa flush' '$work/mon.txt' && grep -q 'sa flush' '$work/mon.json'"
cat >"$work/tunnels" <<EOF
sa add spi 0x5001 src 192.0.2.2 dst 192.0.2.1 reqid 5 enc aes-gcm-128 key $K20
sa add spi 0x5002 src 192.0.2.1 dst 192.0.2.2 reqid 5 enc aes-gcm-128 key $K20 lifetime hard seconds 3600
sa add spi 0x6001 src 192.0.2.3 dst 192.0.2.1 reqid 6 enc aes-gcm-128 key $K20
sa add spi 0x6002 src 192.0.2.1 dst 192.0.2.3 reqid 6 enc aes-gcm-128 key $K20
policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 5
policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 5
policy add dir out from 10.1.0.0/16 to 10.3.0.0/16 action protect local 192.0.2.1 peer 192.0.2.3 reqid 6
EOF
$I -N $NS -f "$work/tunnels"
$I -N $NS sa del spi 0x6002 dst 192.0.2.3
$I -N $NS sa add spi 0x6002 src 192.0.2.1 dst 192.0.2.3 reqid 6 enc aes-gcm-128 key $K20
eq "-N: the namespace's SAs, not the init namespace's (which has 0x100 to 0x300, and 0x400 reserved)" \
	"0x00005001 0x00005002 0x00006001 0x00006002 | 0x00000100 0x00000200 0x00000300" \
	"$($I -N $NS sa show | awk '/^sa add/ { print $4 }' | sort | xargs) | $($I sa show | awk '/^sa add/ { print $4 }' | sort | xargs)"
ip netns exec $NS ping -c 2 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1
tj=$($I -N $NS -j tunnels)
diag "$($I -N $NS tunnels)"
eq "tunnels -j: per reqid its policies and its SA pair, inbound first" \
	"5:out,in:in=0x00005001,out=0x00005002 6:out:in=0x00006001,out=0x00006002" \
	"$(python3 -c 'import json, sys
for t in json.loads(sys.argv[1])["tunnels"]:
    print("%d:%s:%s" % (t["reqid"], ",".join(p["dir"] for p in t["policies"]),
          ",".join("%s=%s" % (s["dir"], s["spi"]) for s in t["sas"])), end=" ")' "$tj" | xargs)"
eq "tunnels -j: the outbound SA counted the 2 pings, most of its hour is left" "2 True" \
	"$(python3 -c 'import json, sys
s = [s for t in json.loads(sys.argv[1])["tunnels"] for s in t["sas"] if s["spi"] == "0x00005002"][0]
print(s["stats"]["tx_packets"], 3500 <= s["lifetime_left"]["seconds"] <= 3600)' "$tj")"
check "tunnels: the text view has the pair under its reqid, traffic in human units" sh -c \
	"$I -N $NS tunnels | grep -A8 '^tunnel reqid 5: local 192.0.2.1 peer 192.0.2.2, tunnel mode' |
	 grep -q 'sa out spi 0x00005002 192.0.2.1 -> 192.0.2.2 aes-gcm-128' &&
	 $I -N $NS tunnels | grep -q 'sent: 2 packets, [0-9.]* \(B\|KiB\)'"
wait_for 5 grep -q 'sa add spi 0x00006002' "$work/mon.txt"
wait_for 5 grep -q '"spi":"0x00006002"' "$work/mon.json"
kill $monpid $jmonpid; monpid= jmonpid=
diag "$(head -3 "$work/mon.txt")"
check "monitor -t: each event starts with an ISO 8601 time" sh -c \
	"grep -q '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]\{3\}Z sa add spi 0x00006002 ' '$work/mon.txt' &&
	 ! grep -vE '^(20[0-9-]{8}T[0-9:.]{12}Z |	# )' '$work/mon.txt'"
eq "monitor -j: each line an object with event and time, SPIs as strings" \
	"policy add:3 sa add:5 sa del:1" \
	"$(python3 -c 'import json, sys, collections
c = collections.Counter()
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert "time" in e and e["time"].endswith("Z"), l
    if "spi" in e:
        assert isinstance(e["spi"], str) and len(e["spi"]) == 10, l
    if e["event"] == "sa flush":
        c.clear()
        continue
    c[e["event"]] += 1
print(*["%s:%d" % kv for kv in sorted(c.items())])' "$work/mon.json")"
eq "tunnels of an empty namespace: nothing, -j an empty list" "0 []" \
	"$($I -N $NS sa flush; $I -N $NS policy flush; $I -N $NS tunnels | wc -l) $($I -N $NS -j tunnels | python3 -c 'import json, sys; print(json.load(sys.stdin)["tunnels"])')"
check_fails "-N with a namespace that does not exist names it" 'network namespace "nfesp-none": cannot open /run/netns/nfesp-none' \
	$I -N nfesp-none show
check "-V names the nfesp API the tool speaks, and the module's (the same) is accepted" sh -c \
	"$I -V | grep -q '^ipsecctl .*, nfesp API 1$' && $I stats >/dev/null"
$I sa flush

ktap_finish
