#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Applying a configuration with a kernel: ipsecctl -f twice changes nothing
# (the SAs are not made again), a file the kernel refuses at its 4th command
# leaves everything as it was, and ipsecctl sync adds, replaces and deletes
# until the kernel holds what a fresh load of the file gives, leaving what
# has an owner (the IKE daemon's) alone; -n sync changes nothing.

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 40

I=$IPSECCTL
work=$(mktemp -d)
cleanup() {
	rm -rf "$work"
	$I sa flush 2>/dev/null
	$I policy flush 2>/dev/null
}
trap cleanup EXIT

K20=0x0102030405060708090a0b0c0d0e0f1011121314
K20B=0x1112131415161718191a1b1c1d1e1f2021222324

# Lines of show without the comments (ages and counters), SAs sorted: the
# SAD's dump order is its hash table's.
config() { $I show | grep -v '^\s*#' | grep '^policy'; $I show | grep '^sa add' | sort; }
# SPI and index of each SA, id of each policy: an SA made again has a new index.
idents() { $I show | awk '/^sa add/ {spi = $4} /# index/ {print spi, $3} /# id/ {print "policy", $3}' | sort; }

sa() { # SPI SRC DST REQID [WORDS...]
	local spi=$1 src=$2 dst=$3 reqid=$4
	shift 4
	echo "sa add spi $spi src $src dst $dst reqid $reqid enc aes-gcm-128 key $K20 $*"
}
pol() { # DIR FROM TO REQID PRIORITY
	echo "policy add dir $1 from $2 to $3 action protect local 192.0.2.1 peer 192.0.2.7 reqid $4 priority $5"
}
# Gateway 192.0.2.1 to 192.0.2.7: two tunnels, reqid 1 and 2, each with its
# SA pair, inbound SAs first; distinct priorities, so that the match order
# is the same however the policies came.
base() {
	sa 0x2001 192.0.2.7 192.0.2.1 1
	sa 0x2002 192.0.2.7 192.0.2.1 2 replay-window 128
	sa 0x1001 192.0.2.1 192.0.2.7 1
	sa 0x1002 192.0.2.1 192.0.2.7 2 lifetime soft seconds 3000 lifetime hard seconds 3600
	pol out 10.1.0.0/16 10.2.0.0/16 1 100
	pol in 10.2.0.0/16 10.1.0.0/16 1 101
	pol out 10.1.0.0/16 10.3.0.0/16 2 102
	pol in 10.3.0.0/16 10.1.0.0/16 2 103
	echo "policy add dir out from 10.1.0.0/16 to 10.9.0.0/16 action bypass priority 10"
}
base >"$work/base"

# --- the same file twice ----------------------------------------------------
check "-n -f: the base file's protect policies all have their SAs" $I -n -f "$work/base"
check "-f loads the base file" $I -f "$work/base"
before=$(config)
ids=$(idents)
eq "the base file gives 4 SAs and 5 policies" "4 5" \
	"$(grep -c '^sa add' <<<"$before") $(grep -c '^policy add' <<<"$before")"
check "-f of the same file again succeeds" $I -f "$work/base"
eq "and changes nothing" "$before" "$(config)"
eq "no SA was made again, no policy added again (indices and ids kept)" "$ids" "$(idents)"
out=$($I -f "$work/base" 2>&1)
eq "and says nothing" "" "$out"

# --- a file refused at its 4th command leaves everything as it was ----------
{
	sa 0x2003 192.0.2.8 192.0.2.1 3			# 1: a new SA
	echo "policy replace dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.7 reqid 1 priority 100 match-ike"
	echo "policy del dir in from 10.3.0.0/16 to 10.1.0.0/16"	# 3
	# 4: the kernel refuses a driver of another algorithm (ipsecctl
	# cannot know the crypto API's drivers)
	sa 0x2004 192.0.2.8 192.0.2.1 3 driver "cbc(aes)"
	sa 0x2005 192.0.2.8 192.0.2.1 3
} >"$work/refused"
check_fails "-n -f checks the file alone: line 2's policy has its SA in the kernel only" \
	"refused:2: policy out reqid 1 local 192.0.2.1 peer 192.0.2.7 has no SA with reqid 1 from 192.0.2.1 to 192.0.2.7" \
	$I -n -f "$work/refused"
check_fails "-f: the kernel refuses line 4; the 3 changes before it are undone" \
	"$work/refused:4: refused: undid the 3 changes before it; nothing else was changed" \
	$I -f "$work/refused"
eq "show is as it was" "$before" "$(config)"
eq "the replaced policy is back in place, as the deleted one is (its id is new)" \
	"$(grep -v policy <<<"$ids")" "$(idents | grep -v policy)"
# An sa update is undone too: the SA moves back.
{
	echo "sa update spi 0x1001 dst 192.0.2.7 src 192.0.2.5"
	sa 0x2004 192.0.2.8 192.0.2.1 3 driver "cbc(aes)"
} >"$work/moved"
check_fails "-f: an sa update before a refused line is undone" \
	"moved:2: refused: undid the 1 change before it" $I -f "$work/moved"
eq "show is as it was, the SA's src too" "$before" "$(config)"
# An SA whose SPI exists with other attributes is found before anything is
# sent: line 1 is not even tried.
{ sa 0x2003 192.0.2.8 192.0.2.1 3; sa 0x2001 192.0.2.7 192.0.2.1 9; } >"$work/clash"
check_fails "an sa add of an existing SPI with another reqid is refused before anything is sent" \
	"$work/clash:2: sa add: the SA spi 0x00002001 dst 192.0.2.1 exists with another reqid .*sync" \
	$I -f "$work/clash"
eq "show is as it was" "$before" "$(config)"
printf 'sa del spi 0x2009 dst 192.0.2.1\n' >"$work/delmissing"
check_fails "sa del of a missing SA, which could not be undone, is refused before anything is sent" \
	"delmissing:1: sa del: there is no SA spi 0x00002009" $I -f "$work/delmissing"

# --- sync ------------------------------------------------------------------
# The IKE daemon's: an SA and a policy with an owner, which sync never touches.
$I sa add spi 0x3001 src 192.0.2.9 dst 192.0.2.1 reqid 9 owner 77 enc aes-gcm-128 key $K20B
$I policy add dir out from 10.1.0.0/16 to 10.7.0.0/16 action protect local 192.0.2.1 peer 192.0.2.9 reqid 9 priority 300 owner 77
owned=$($I show | grep -v '^\s*#' | grep 'owner 77' | sort)
before_o=$(config)
ids_o=$(idents)

# The new file: tunnel 2 gone, tunnel 1's outbound SA with esn (replaced),
# its in policy with another priority, tunnel 4 new.
{
	sa 0x2001 192.0.2.7 192.0.2.1 1
	sa 0x1001 192.0.2.1 192.0.2.7 1 esn
	sa 0x2004 192.0.2.7 192.0.2.1 4
	sa 0x1004 192.0.2.1 192.0.2.7 4
	pol out 10.1.0.0/16 10.2.0.0/16 1 100
	pol in 10.2.0.0/16 10.1.0.0/16 1 99
	pol out 10.1.0.0/16 10.4.0.0/16 4 104
	pol in 10.4.0.0/16 10.1.0.0/16 4 105
	echo "policy add dir out from 10.1.0.0/16 to 10.9.0.0/16 action bypass priority 10"
} >"$work/new"
# A plan, each line cut short: sa add and the policies to their selector.
short() { sed -E 's/^(sa add spi [^ ]*|policy [a-z]+ dir [a-z]+ from [^ ]* to [^ ]*).*/\1/'; }
plan=$($I -n sync "$work/new")
diag "$plan"
eq "-n sync changes nothing" "$before_o" "$(config)"
eq "-n sync changes nothing: indices and ids" "$ids_o" "$(idents)"
# The SAs to delete come in the SAD's order: sorted.
eq "-n sync's plan: new inbound SAs, new outbound SAs, policies, policies deleted; then what cannot be undone: the changed SA replaced, SAs deleted" \
	"sa add spi 0x2004|sa add spi 0x1004|policy replace dir in from 10.2.0.0/16 to 10.1.0.0/16|policy add dir out from 10.1.0.0/16 to 10.4.0.0/16|policy add dir in from 10.4.0.0/16 to 10.1.0.0/16|policy del dir out from 10.1.0.0/16 to 10.3.0.0/16|policy del dir in from 10.3.0.0/16 to 10.1.0.0/16|# spi 0x00001001 dst 192.0.2.7: esn changed; one SPI cannot be made before it is broken: deleted, then added|sa del spi 0x00001001 dst 192.0.2.7|sa add spi 0x1001|sa del spi 0x00001002 dst 192.0.2.7|sa del spi 0x00002002 dst 192.0.2.1" \
	"$({ short <<<"$plan" | head -n -2; short <<<"$plan" | tail -n 2 | sort; } | paste -sd'|')"
eq "keys are never printed" 0 "$(grep -c 0102030405 <<<"$plan")"
check "sync applies it" $I sync "$work/new"
synced=$(config | grep -v 'owner 77')
$I sa flush && $I policy flush
$I -f "$work/new"
eq "show after sync is show after a fresh load of the file" "$(config)" "$synced"
# Again from the old state, for the owned entries and a second sync.
$I sa flush && $I policy flush
$I -f "$work/base"
$I sa add spi 0x3001 src 192.0.2.9 dst 192.0.2.1 reqid 9 owner 77 enc aes-gcm-128 key $K20B
$I policy add dir out from 10.1.0.0/16 to 10.7.0.0/16 action protect local 192.0.2.1 peer 192.0.2.9 reqid 9 priority 300 owner 77
out=$($I sync "$work/new")
eq "sync prints what it did, as -n printed it would" "$(sort <<<"$plan")" "$(sort <<<"$out")"
eq "sync leaves the SA and policy with an owner alone" "$owned" "$($I show | grep -v '^\s*#' | grep 'owner 77' | sort)"
ids2=$(idents)
out=$($I sync "$work/new" 2>&1)
eq "sync again changes nothing and says nothing" "" "$out"
eq "and made nothing again" "$ids2" "$(idents)"
printf '%s\n' "sa add spi 0x3001 src 192.0.2.9 dst 192.0.2.1 reqid 9 enc aes-gcm-128 key $K20B" >"$work/theirs"
check_fails "sync refuses a file SA that the IKE daemon owns" \
	"theirs:1: the SA spi 0x00003001 dst 192.0.2.1 has owner 77 .*: sync does not touch it" $I sync "$work/theirs"
# --- -f against the kernel's: what is already so, what differs ------------------
$I sa flush && $I policy flush
$I -f "$work/base"
before=$(config)
sa 0x1001 192.0.2.1 192.0.2.7 1 esn >"$work/other"
check_fails "an sa add of an SA that exists with other attributes says which, and points to sync" \
	"other:1: sa add: the SA spi 0x00001001 dst 192.0.2.7 exists with another esn .*sync" $I -f "$work/other"
echo "policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action bypass" >"$work/pother"
check_fails "a policy add whose selector exists with another action says so" \
	"pother:1: policy add: a policy dir in with this selector exists with another action" $I -f "$work/pother"
echo "policy add dir out from 10.1.0.0/16 to 10.9.0.0/16 action bypass priority 10" >"$work/same"
check "a policy add that is already so is skipped" $I -f "$work/same"
$I sa add spi 0x1009 src 192.0.2.1 dst 192.0.2.7 reqid 5 enc aes-gcm-128 key $K20 encap udp 4500 4500 follow-peer
sa 0x1009 192.0.2.9 192.0.2.7 5 encap udp 4501 4500 follow-peer >"$work/moved"
check "an SA that follows its peer is the same with another src and encap port (the kernel moves them)" \
	$I -f "$work/moved"
sa 0x1009 192.0.2.9 192.0.2.7 5 encap udp 4501 4500 >"$work/moved"
check_fails "but not without follow-peer" "moved:1: .*exists with another src, follow-peer, encap" \
	$I -f "$work/moved"
$I sa del spi 0x1009 dst 192.0.2.7
eq "show is as it was" "$before" "$(config)"

# --- an SA deleted and added again ------------------------------------------
# -f: refused before anything is sent (were a later line refused, the undo
# would leave neither SA).
{ echo "sa del spi 0x1001 dst 192.0.2.7"; sa 0x1001 192.0.2.1 192.0.2.7 1 esn; } >"$work/delthenadd"
check_fails "-f: sa del then sa add of the same SA is refused, naming the del" \
	"delthenadd:2: sa add: line 1 deletes this SA" $I -f "$work/delthenadd"
eq "and nothing was sent" "$before" "$(config)"
# sync: a changed SA is replaced last, after all that can be undone; a
# refused line before it leaves it as it was.
{
	base | sed 's/^\(sa add spi 0x2001 .*\)$/\1 esn/'
	sa 0x2005 192.0.2.7 192.0.2.1 5
	sa 0x1005 192.0.2.1 192.0.2.7 5 driver "cbc(aes)"
} >"$work/syncbad"
check_fails "sync: a new SA the kernel refuses; the new SA before it deleted" \
	"syncbad:11: refused: undid the 1 change before it; nothing else was changed" $I sync "$work/syncbad"
eq "and the changed SA, not yet replaced, is there as it was" "$before" "$(config)"
# The replacement itself refused: what was done stays.
{ base | sed 's/^\(sa add spi 0x2001 .*\)$/\1 driver cbc(aes)/'; echo "policy add dir out from 10.1.0.0/16 to 10.8.0.0/16 action bypass priority 11"; } >"$work/syncrepl"
out=$($I sync "$work/syncrepl" 2>&1)
diag "$out"
eq "sync: a replacement refused says the SA is gone and the rest stays" 1 \
	"$(grep -c 'syncrepl:1: refused: the SA spi 0x00002001 dst 192.0.2.1 was deleted to be added again, and is not there now; the 2 changes before it stay' <<<"$out")"
eq "it prints what it did, which stays" "policy add dir out from 10.1.0.0/16 to 10.8.0.0/16|sa del spi 0x00002001 dst 192.0.2.1" \
	"$(grep -v '^[#i]' <<<"$out" | short | paste -sd'|')"
eq "the kernel holds the rest of the file: the new policy, not SA 0x2001" "1 0" \
	"$($I show | grep -c 'to 10.8.0.0/16') $($I show | grep -c 'spi 0x0*2001 ')"
ktap_finish
