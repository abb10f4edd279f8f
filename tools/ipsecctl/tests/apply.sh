#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ipsecctl -f on the host, no kernel: the whole file is parsed before
# anything is sent, -n checks that each protect policy has its SA, and the
# checks made before anything is applied (a line that contradicts an earlier
# one). selftests/apply.sh tests the rest with a kernel.

source "$(dirname "$0")/../../../selftests/lib.sh"
I=$IPSECCTL
K20=0x0102030405060708090a0b0c0d0e0f1011121314
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "$K20" >"$tmp/k20"
ktap_plan 30

sa() { # SPI SRC DST REQID [WORDS...]
	local spi=$1 src=$2 dst=$3 reqid=$4
	shift 4
	echo "sa add spi $spi src $src dst $dst reqid $reqid enc aes-gcm-128 key $K20 $*"
}
tunnel() { # REQID: a gateway's four lines, SAs first
	sa 0x2001 192.0.2.7 192.0.2.1 "$1"
	sa 0x1001 192.0.2.1 192.0.2.7 "$1"
	echo "policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.7 reqid $1"
	echo "policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect local 192.0.2.1 peer 192.0.2.7 reqid $1"
}

# --- the whole file is parsed first -------------------------------------
tunnel 5 >"$tmp/good"
check "-n -f accepts a tunnel's four lines" $I -n -f "$tmp/good"
{ tunnel 5; echo "policy add dir out from 10.3.0.0/16 to any action sideways"; } >"$tmp/bad5"
check_fails "-n: an error on line 5 names it" "^ipsecctl: $tmp/bad5:5: action \"sideways\"" \
	$I -n -f "$tmp/bad5"
# Without -n and without the module (never loaded on the host): the parse
# error comes first, so nothing of lines 1 to 4 was sent.
check_fails "without -n, an error on line 5 is found before the kernel is asked for anything" \
	"^ipsecctl: $tmp/bad5:5: action \"sideways\"" $I -f "$tmp/bad5"
out=$($I -f "$tmp/bad5" 2>&1)
eq "and it says nothing of the module (it never got that far)" 0 "$(grep -c 'module' <<<"$out")"
eq "an error never prints a key from the file" 0 "$(grep -c 0102030405 <<<"$out")"
printf 'show\nspi alloc dst 192.0.2.1\n' >"$tmp/spi"
check_fails "spi alloc cannot be in a file (what it reserves is not undone)" \
	"$tmp/spi:2: spi cannot be in a file" $I -n -f "$tmp/spi"
printf 'monitor\n' >"$tmp/mon"
check_fails "nor monitor" "$tmp/mon:1: monitor cannot be in a file" $I -n -f "$tmp/mon"
printf 'sa flush extra\n' >"$tmp/flush"
check_fails "a flush is checked as any line" "$tmp/flush:1: sa flush takes no arguments" \
	$I -n -f "$tmp/flush"

# --- the same file twice, within one file ------------------------------
{ tunnel 5; tunnel 5; } >"$tmp/twice"
check "the same lines twice in one file: the second time changes nothing" $I -n -f "$tmp/twice"
{ tunnel 5; sa 0x1001 192.0.2.1 192.0.2.7 6 esn; } >"$tmp/other"
check_fails "an sa add of an SA that exists with other attributes says which, and points to sync" \
	"$tmp/other:5: sa add: the SA spi 0x00001001 dst 192.0.2.7 exists with another reqid, esn .*sync" \
	$I -n -f "$tmp/other"
{ tunnel 5; echo "policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action bypass"; } >"$tmp/pother"
check_fails "a policy add whose selector exists with another action says so" \
	"$tmp/pother:5: policy add: a policy dir in with this selector exists with another action" \
	$I -n -f "$tmp/pother"
{ tunnel 5; echo "policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.7 reqid 5 priority 1000"; } >"$tmp/prio"
check "priority 1000 is the default: the same policy" $I -n -f "$tmp/prio"

{
	sa 0x1001 192.0.2.1 192.0.2.7 5 encap udp 4500 4500 follow-peer
	sa 0x1001 192.0.2.9 192.0.2.7 5 encap udp 4501 4500 follow-peer
} >"$tmp/moved"
check "an SA that follows its peer is the same with another src and encap port (the kernel moves them)" \
	$I -n -f "$tmp/moved"
sa 0x1001 192.0.2.9 192.0.2.7 5 encap udp 4501 4500 >>"$tmp/moved"
check_fails "but not without follow-peer" "moved:3: .*exists with another src, follow-peer, encap" \
	$I -n -f "$tmp/moved"

# --- -n: each protect policy's SA ------------------------------------------
{ sa 0x2001 192.0.2.7 192.0.2.1 5; tunnel 5 | tail -n 3; } >"$tmp/noout"
sed -i 2d "$tmp/noout"
check_fails "an out policy without its outbound SA: the policy's line, what is missing" \
	"^ipsecctl: $tmp/noout:2: policy out reqid 5 local 192.0.2.1 peer 192.0.2.7 has no SA with reqid 5 from 192.0.2.1 to 192.0.2.7\$" \
	$I -n -f "$tmp/noout"
tunnel 5 | sed 1d >"$tmp/noin"
check_fails "an in policy without its inbound SA: mirrored" \
	"^ipsecctl: $tmp/noin:3: policy in reqid 5 local 192.0.2.1 peer 192.0.2.7 has no SA with reqid 5 from 192.0.2.7 to 192.0.2.1\$" \
	$I -n -f "$tmp/noin"
out=$($I -n -f "$tmp/noin" 2>&1)
eq "the out policy, whose SA is there, is not named" 0 "$(grep -c 'policy out' <<<"$out")"
{ sa 0x2001 192.0.2.7 192.0.2.1 5; sa 0x1001 192.0.2.1 192.0.2.7 6; tunnel 5 | tail -n 2; } >"$tmp/reqid"
check_fails "an SA of the right endpoints and another reqid does not count" \
	":3: policy out reqid 5 .* has no SA with reqid 5 from 192.0.2.1 to 192.0.2.7" $I -n -f "$tmp/reqid"
{ sa 0x2001 192.0.2.1 192.0.2.7 5; sa 0x1001 192.0.2.1 192.0.2.7 5; tunnel 5 | tail -n 2; } >"$tmp/swapped"
check_fails "nor one of the wrong direction (the inbound SA written as a second outbound one)" \
	":4: policy in reqid 5 .* has no SA with reqid 5 from 192.0.2.7 to 192.0.2.1" $I -n -f "$tmp/swapped"
{ tunnel 5; echo "sa del spi 0x1001 dst 192.0.2.7"; } >"$tmp/deleted"
check_fails "an SA that the file deletes later does not count" \
	":3: policy out reqid 5 .* has no SA" $I -n -f "$tmp/deleted"
{
	sa 0x3001 192.0.2.1 192.0.2.7 9 mode transport
	echo "policy add dir out from 192.0.2.1 to 192.0.2.7 proto tcp action protect mode transport reqid 9"
	echo "policy add dir in from 192.0.2.7 to 192.0.2.1 proto tcp action protect mode transport reqid 9"
} >"$tmp/transport"
check_fails "transport mode between two hosts: the selector's addresses are the SA's" \
	"^ipsecctl: $tmp/transport:3: policy in reqid 9 mode transport has no transport mode SA with reqid 9 from 192.0.2.7 to 192.0.2.1\$" \
	$I -n -f "$tmp/transport"
out=$($I -n -f "$tmp/transport" 2>&1)
eq "and only the one that lacks its SA" 1 "$(grep -c 'has no' <<<"$out")"
{ tunnel 5; echo "policy add dir out from 10.9.0.0/16 to any action bypass"; } >"$tmp/bypass"
check "bypass and discard policies need no SA" $I -n -f "$tmp/bypass"

# --- sync: only sa add and policy add, each once ------------------------------
{ tunnel 5; echo "policy del dir out from 10.1.0.0/16 to 10.2.0.0/16"; } >"$tmp/syncdel"
check_fails "sync takes only sa add and policy add lines" \
	"$tmp/syncdel:5: sync takes only sa add and policy add lines, got policy del" \
	$I -n sync "$tmp/syncdel"
{ tunnel 5; sa 0x1001 192.0.2.1 192.0.2.7 5; } >"$tmp/syncdup"
check_fails "sync: an SA twice in the file" "$tmp/syncdup:5: this SA \(spi and dst\) is on line 2 already" \
	$I -n sync "$tmp/syncdup"
{ tunnel 5; sa 0x1002 192.0.2.1 192.0.2.7 5 owner 7; } >"$tmp/syncowner"
check_fails "sync makes no SA with an owner" "$tmp/syncowner:5: sync leaves SAs and policies with an owner alone" \
	$I -n sync "$tmp/syncowner"
check_fails "sync FILE: a missing file" "cannot open \"$tmp/none\"" $I -n sync "$tmp/none"
check_fails "sync takes one file" "sync takes one FILE" $I -n sync "$tmp/good" "$tmp/good"
check_fails "sync has no JSON output" "sync prints commands, not JSON" $I -j -n sync "$tmp/good"
check "help lists sync" sh -c "$I --help | grep -q 'sync FILE'"
ktap_finish
