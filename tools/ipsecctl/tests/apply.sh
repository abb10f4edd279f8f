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
ktap_plan 44

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

# --- the same SA or policy twice in one file --------------------------------
# Against the kernel's, an sa add or policy add that is already so is
# skipped (selftests/apply.sh); within one file, a second one is an error
# naming the first, whatever differs: keys cannot be compared.
{ tunnel 5; tunnel 5; } >"$tmp/twice"
check_fails "the same lines twice in one file: the second names the first" \
	"^ipsecctl: $tmp/twice:5: this SA \(spi and dst\) is on line 1 already\$" $I -n -f "$tmp/twice"
{ tunnel 5; sa 0x1001 192.0.2.1 192.0.2.7 5 | sed "s/$K20/0x1112131415161718191a1b1c1d1e1f2021222324/"; } >"$tmp/rekey"
check_fails "an SA twice with another key alone is not skipped" \
	"^ipsecctl: $tmp/rekey:5: this SA \(spi and dst\) is on line 2 already\$" $I -n -f "$tmp/rekey"
{ tunnel 5; sa 0x1001 192.0.2.1 192.0.2.7 6 esn; } >"$tmp/other"
check_fails "nor with other attributes" "$tmp/other:5: this SA \(spi and dst\) is on line 2 already" \
	$I -n -f "$tmp/other"
{ tunnel 5; echo "policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action bypass"; } >"$tmp/pother"
check_fails "a policy add of a selector the file added already" \
	"$tmp/pother:5: a policy with this dir and selector is on line 4 already" $I -n -f "$tmp/pother"
{ tunnel 5; echo "policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.7 reqid 5 priority 1000"; } >"$tmp/prio"
check_fails "even when it is the same policy" "$tmp/prio:5: a policy with this dir and selector is on line 3 already" \
	$I -n -f "$tmp/prio"
{ tunnel 5; echo "policy replace dir out from 10.1.0.0/16 to 10.2.0.0/16 action bypass"; } >"$tmp/prepl"
check "a policy replace of the file's own policy is no second add" $I -n -f "$tmp/prepl"
echo "policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action bypass" >>"$tmp/prepl"
check_fails "but a policy add after it names the replace" \
	"$tmp/prepl:6: a policy with this dir and selector is on line 5 already" $I -n -f "$tmp/prepl"
{ tunnel 5; echo "sa del spi 0x1001 dst 192.0.2.7"; echo "policy del dir out from 10.1.0.0/16 to 10.2.0.0/16"; \
  echo "policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action bypass"; } >"$tmp/readd"
check "a policy deleted by the file can be added again" $I -n -f "$tmp/readd"

# --- an SA deleted cannot be added again in the same file ---------------------
# An sa del cannot be undone: were a later line refused, undoing the sa add
# would leave neither the old SA nor the new one.
{ echo "sa del spi 0x1001 dst 192.0.2.7"; tunnel 5; } >"$tmp/delthenadd"
check_fails "sa del, then sa add of the same SA: refused before anything is sent, naming the del" \
	"^ipsecctl: $tmp/delthenadd:3: sa add: line 1 deletes this SA \(spi and dst\), and an sa del cannot be undone: .*sync" \
	$I -n -f "$tmp/delthenadd"
{ tunnel 5; echo "sa del spi 0x1001 dst 192.0.2.7"; sa 0x1001 192.0.2.1 192.0.2.7 5; } >"$tmp/addeladd"
check_fails "nor after the file's own sa add" "$tmp/addeladd:6: sa add: line 5 deletes this SA" \
	$I -n -f "$tmp/addeladd"
{ echo "sa del spi 0x1001 dst 192.0.2.7"; sa 0x1002 192.0.2.1 192.0.2.7 5; sa 0x1001 192.0.2.1 192.0.2.8 5; } >"$tmp/delother"
check "another SPI, or the same SPI to another dst, is another SA" $I -n -f "$tmp/delother"

# --- -n: the kernel's lifetime rule ---------------------------------------
for lt in "bytes 2000:bytes 1000" "packets 10:packets 10" "seconds 1h:seconds 3600"; do
	sa 0x1009 192.0.2.1 192.0.2.7 5 "lifetime soft ${lt%%:*} lifetime hard ${lt#*:}" >"$tmp/lt"
	w=${lt%% *}
	check_fails "-n refuses a soft $w limit not below the hard one, as the kernel does" \
		"^ipsecctl: $tmp/lt:1: lifetime soft $w [0-9]* must be below lifetime hard $w [0-9]*\$" $I -n -f "$tmp/lt"
done
sa 0x1009 192.0.2.1 192.0.2.7 5 "lifetime soft bytes 2000 lifetime hard packets 1000 lifetime soft seconds 10" >"$tmp/lt"
check "limits of different kinds, or a soft one alone, are not compared" $I -n -f "$tmp/lt"
check_fails "on the command line too" "lifetime soft seconds 60 must be below lifetime hard seconds 60" \
	$I -n sa add spi 0x1009 src 192.0.2.1 dst 192.0.2.7 enc aes-gcm-128 key $K20 \
	lifetime soft seconds 1m lifetime hard seconds 60

# --- a file of more than 64 commands (the plan grows) -----------------------
for i in $(seq 1 100); do sa $((0x5000 + i)) 192.0.2.1 192.0.2.7 7; done >"$tmp/many"
check "-n -f reads a file of 100 SAs" $I -n -f "$tmp/many"

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
{ tunnel 5 | sed 2d; echo "policy del dir out from 10.1.0.0/16 to 10.2.0.0/16"; } >"$tmp/poldeleted"
check "a policy that the file deletes later needs no SA" $I -n -f "$tmp/poldeleted"
{ tunnel 5 | sed 2d; echo "policy replace dir out from 10.1.0.0/16 to 10.2.0.0/16 action bypass"; } >"$tmp/polbypass"
check "nor one that the file replaces with a bypass policy" $I -n -f "$tmp/polbypass"
{ tunnel 5 | sed 2d; echo "policy replace dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.9 reqid 5"; } >"$tmp/polrepl"
check_fails "a policy as the file leaves it: the replace's line and peer" \
	"^ipsecctl: $tmp/polrepl:4: policy out reqid 5 local 192.0.2.1 peer 192.0.2.9 has no SA with reqid 5 from 192.0.2.1 to 192.0.2.9\$" \
	$I -n -f "$tmp/polrepl"
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
