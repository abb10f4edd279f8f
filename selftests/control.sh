#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The control plane through ipsecctl: SAs and policies added, shown, pasted
# back, deleted; SPI reservation; events; batches of 10,000 SAs and
# policies (2,000 with NFESP_SCALE=small).

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 35

I=$IPSECCTL
work=$(mktemp -d)
cleanup() {
	[ -n "${monpid:-}" ] && kill "$monpid" 2>/dev/null
	rm -rf "$work"
	$I sa flush 2>/dev/null
	$I policy flush 2>/dev/null
}
trap cleanup EXIT

K20=0x0102030405060708090a0b0c0d0e0f1011121314
printf '%s\n' "$K20" >"$work/k20"
printf '%064d\n' 0 | tr 0 a >"$work/k32"
printf '%0128d\n' 0 | tr 0 b >"$work/k64"

# Lines of show without the comment lines, which carry ages and counters.
config() { $I show | grep -v '^\s*#'; }

$I monitor >"$work/events.all" 2>&1 &
monpid=$!
# Subscribing takes a moment: flush until the monitor reports a flush, and
# count only what follows it.
wait_for 5 sh -c "$I sa flush && grep -q '^sa flush' '$work/events.all'"

check "sa add aes-gcm-128 tunnel" \
	$I sa add spi 0x1000 src 192.0.2.1 dst 192.0.2.2 reqid 7 enc aes-gcm-128 key $K20
check "sa add chacha20-poly1305 IPv6 transport, key from a file" \
	$I sa add spi 0x1001 src 2001:db8::1 dst 2001:db8::2 mode transport \
	owner 0xffffffffffffffff enc chacha20-poly1305 key @<(printf '%072d' 7)
check "sa add aes-cbc-256 hmac-sha512 with esn, encap, lifetimes" \
	$I sa add spi 0x1002 src 192.0.2.1 dst 192.0.2.2 reqid 9 enc aes-cbc-256 key @$work/k32 \
	auth hmac-sha512 authkey @$work/k64 esn replay-window 4096 encap udp 4500 4500 \
	lifetime soft bytes 1000000 lifetime hard bytes 2000000 lifetime hard seconds 3600
check "sa add null encryption with hmac-sha256" \
	$I sa add spi 0x1003 src 192.0.2.1 dst 192.0.2.2 enc null auth hmac-sha256 authkey @$work/k32
check_fails "duplicate SPI is refused by the kernel" "exists" \
	$I sa add spi 0x1000 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20
check "same SPI to another destination is a different SA" \
	$I sa add spi 0x1000 src 192.0.2.1 dst 192.0.2.3 enc aes-gcm-128 key $K20
check_fails "wrong key size is refused with its size" "must be 20 bytes.*got 16" \
	$I sa add spi 0x2000 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key 0x0102030405060708090a0b0c0d0e0f10
check_fails "a crypto driver that is not the algorithm is refused" "implements another algorithm|no such algorithm" \
	$I sa add spi 0x2001 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 driver "cbc(aes)"

show=$(config)
diag "$show"
eq "sa show lists 5 SAs" 5 "$(grep -c '^sa add' <<<"$show")"
check "show names each algorithm as given" \
	grep -q "enc aes-gcm-128 key (hidden)" <<<"$show"
eq "show never prints key bytes" 0 "$({ $I show; $I -j show; } | grep -ciE '0102030405|aaaaaaaa|bbbbbbbb|0000000007')"
check "sa get finds one SA" sh -c "$I sa get spi 0x1002 dst 192.0.2.2 | grep -q 'esn replay-window 4096 encap udp 4500 4500 lifetime soft bytes 1000000 lifetime hard bytes 2000000 lifetime hard seconds 3600'"
check "sa get returns the owner label" \
	sh -c "$I sa get spi 0x1001 dst 2001:db8::2 | grep -q ' owner 18446744073709551615 enc '"

check "policy add protect tunnel" \
	$I policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 proto tcp port 443 action protect \
	local 192.0.2.1 peer 192.0.2.2 reqid 7
check "policy add bypass with a higher priority and an owner" \
	$I policy add dir out from 10.1.0.0/16 to 10.2.0.5 action bypass priority 10 owner 42
check "policy add discard IPv6 with port ranges" \
	$I policy add dir in from 2001:db8:1::/48 port 1000-2000 to 2001:db8:2::/48 proto udp action discard
check_fails "duplicate policy selector is refused" "exists" \
	$I policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 proto tcp port 443 action bypass
eq "policies are listed in priority order" "bypass protect discard" \
	"$($I policy show | grep -o 'action [a-z]*' | cut -d' ' -f2 | xargs)"

# Paste show back: flush, feed the lines (with keys) to -f, compare.
before=$(config)
sed -e "s|enc aes-gcm-128 key (hidden)|enc aes-gcm-128 key @$work/k20|" \
    -e "s|enc chacha20-poly1305 key (hidden)|enc chacha20-poly1305 key @$work/k20x|" \
    -e "s|enc aes-cbc-256 key (hidden)|enc aes-cbc-256 key @$work/k32|" \
    -e "s|authkey (hidden)|authkey @$work/authkey|" <<<"$before" >"$work/pasted"
printf '%072d\n' 7 >"$work/k20x"
# Both SAs with an authkey use hmac-sha512 or hmac-sha256: give each its own.
sed -i -e "/hmac-sha512/s|@$work/authkey|@$work/k64|" -e "/hmac-sha256/s|@$work/authkey|@$work/k32|" "$work/pasted"
$I sa flush && $I policy flush
check "show output is accepted back by ipsecctl -f" $I -f "$work/pasted"
eq "and gives the same configuration" "$before" "$(config)"

check "JSON output parses" sh -c "$I -j show | python3 -m json.tool >/dev/null"
eq "JSON carries the owners, and no owner where none was given" "18446744073709551615 42 2" \
	"$($I -j show | python3 -c 'import json,sys; d=json.load(sys.stdin); o=[x["owner"] for x in d["sas"] + d["policies"] if "owner" in x]; print(*o, sum(1 for x in d["policies"] if "owner" not in x))')"
eq "an SA that never carried a packet has no use time, in JSON and text" "0 5" \
	"$($I -j sa show | grep -c used_ago) $($I sa show | grep -c '# index .* never used rx ')"
eq "JSON lists every SA" 5 "$($I -j sa show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sas"]))')"

spi=$($I spi alloc dst 192.0.2.9 range 0x5000-0x50ff)
check "spi alloc reserves an SPI in the range ($spi)" test $((spi)) -ge $((0x5000)) -a $((spi)) -le $((0x50ff))
check "the reserved SPI is filled by sa add" \
	$I sa add spi $spi src 192.0.2.1 dst 192.0.2.9 enc aes-gcm-128 key $K20

check "policy del by selector" $I policy del dir in from 2001:db8:1::/48 port 1000-2000 to 2001:db8:2::/48 proto udp
check "sa del" $I sa del spi 0x1000 dst 192.0.2.3
check_fails "deleting a missing SA says so" "no SA" $I sa del spi 0x1000 dst 192.0.2.3

check_fails "a bad line in a batch file is named by file and line" "/dev/fd/[0-9]+:2: .*not an IPv4 or IPv6" \
	$I -n -f <(printf 'sa del spi 1 dst 192.0.2.1\nsa del spi 1 dst 192.0.2.300\n') 
wait_for 5 grep -q '^sa del spi 0x00001000 dst 192.0.2.3' "$work/events.all"
kill $monpid; monpid=
sed '0,/^sa flush$/d' "$work/events.all" >"$work/events"
diag "$(head -20 "$work/events")"
check "the add events carry the owners" sh -c \
	"grep -q '^sa add spi 0x00001001 .* owner 18446744073709551615 ' '$work/events' && grep -q '^policy add .* priority 10 owner 42$' '$work/events'"
eq "monitor saw every add, delete and flush" "sa-add=11 sa-del=1 policy-add=6 policy-del=1 flush=2" \
	"sa-add=$(grep -c '^sa add' "$work/events") sa-del=$(grep -c '^sa del' "$work/events") policy-add=$(grep -c '^policy add' "$work/events") policy-del=$(grep -c '^policy del' "$work/events") flush=$(grep -c 'flush$' "$work/events")"

# BULK SAs in one batch, then one dump of them all: each SA exactly once
# (as many lines as SAs, and as many different SPIs).
BULK=$(scaled 2000 10000 10000)
echo 'module nfesp -p' >/sys/kernel/debug/dynamic_debug/control 2>/dev/null
$I sa flush
awk -v n="$BULK" -v k="$K20" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "sa add spi %d src 198.51.100.1 dst 198.51.100.2 enc aes-gcm-128 key %s\n", 65536 + i, k
}' >"$work/bulk"
t0=$(date +%s.%N)
$I -f "$work/bulk"
t1=$(date +%s.%N)
diag "added $BULK SAs in $(echo "$t1 - $t0" | bc) s"
$I sa show | grep '^sa add' | awk '{print $4}' >"$work/dumped"
eq "$BULK SAs are dumped, each once: lines, different SPIs" "$BULK $BULK" \
	"$(wc -l <"$work/dumped") $(sort -u "$work/dumped" | wc -l)"
$I sa flush
eq "flush leaves none" "sa-count	0" "$($I stats | grep sa-count)"

# And BULK policies, dumped in match order across many messages.
$I policy flush
awk -v n="$BULK" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "policy add dir out from 10.%d.%d.0/24 to any action bypass priority %d\n",
			int(i / 256), i % 256, n - i
}' >"$work/bulk-policies"
$I -f "$work/bulk-policies"
# Their priorities are 1 to BULK: each once, in order, when they rise
# strictly from 1 to BULK in BULK lines.
eq "$BULK policies are dumped, each once, in priority order" "$BULK 1 $BULK" \
	"$($I policy show | grep -o 'priority [0-9]*' | awk '{print $2}' | awk 'NR==1{f=$1} {n++; if (NR > 1 && $1 <= p) bad=1; p=$1} END{print n, f, (bad ? "unsorted" : p)}')"
$I policy flush
ktap_finish
