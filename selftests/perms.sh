#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Without CAP_NET_ADMIN over the namespace nothing can be read or changed:
# not as an unprivileged user, and not as root of a user namespace that does
# not own the network namespace. Every command is tried both ways.
#
# nfesp's commands are GENL_UNS_ADMIN_PERM: the owner of a user namespace
# with its own network namespace (unshare -Urn) manages that namespace's
# SAD and SPD, and only those. It sees none of the init namespace's SAs,
# policies or events, and the init namespace sees none of its own.

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 59

I=$IPSECCTL
K20=0x0102030405060708090a0b0c0d0e0f1011121314
K20B=0x1112131415161718191a1b1c1d1e1f2021222324
tmp=$(mktemp -d)
chmod 755 "$tmp"
nspid=
monpids=()
cleanup() {
	local p

	for p in "${monpids[@]}" $nspid; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

$I sa add spi 0x42 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20
$I policy add dir out from 10.0.0.0/8 to 10.1.0.0/16 action bypass
polid=$($I policy show | sed -n 's/.*# id \([0-9]*\).*/\1/p')

# What the SAD and SPD hold, reserved SPIs and policy ids included, counters
# and ages left out.
state() {
	$I show | sed -E 's/ reserved for IKE, [0-9]+s ago//; s/^[[:space:]]+# index .*//;
			  s/^([[:space:]]+# id [0-9]+) .*/\1/' | grep -v '^$'
	$I stats | grep -E '^(sa|policy)-count'
}
spis() { grep -c "spi $1 " <<<"$2"; }
before=$(state)
# What the unchanged-state checks below compare against: the SA and the
# policy, so that a state() that shows nothing cannot pass them.
eq "the init namespace holds its SA and its policy" "1 1" \
	"$(spis 0x00000042 "$before") $(grep -c '^policy add' <<<"$before")"

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
userns=(unshare -Ur)

DENIED="permission denied"
for who in nobody userns; do
	case $who in
	nobody) what="an unprivileged user"; as=("${nobody[@]}") ;;
	userns) what="root of a new user namespace"; as=("${userns[@]}") ;;
	esac
	check_fails "$what cannot add SAs" "$DENIED" \
		"${as[@]}" $I sa add spi 0x43 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20B
	check_fails "$what cannot delete SAs" "$DENIED" "${as[@]}" $I sa del spi 0x42 dst 192.0.2.2
	check_fails "$what cannot move SAs" "$DENIED" \
		"${as[@]}" $I sa update spi 0x42 dst 192.0.2.2 src 192.0.2.9
	check_fails "$what cannot get an SA" "$DENIED" "${as[@]}" $I sa get spi 0x42 dst 192.0.2.2
	check_fails "$what cannot list SAs" "$DENIED" "${as[@]}" $I sa show
	check_fails "$what cannot flush SAs" "$DENIED" "${as[@]}" $I sa flush
	check_fails "$what cannot reserve an SPI" "$DENIED" "${as[@]}" $I spi alloc dst 192.0.2.2
	check_fails "$what cannot add policies" "$DENIED" \
		"${as[@]}" $I policy add dir out from 10.2.0.0/16 to 10.3.0.0/16 action discard
	check_fails "$what cannot replace a policy" "$DENIED" \
		"${as[@]}" $I policy replace dir out from 10.0.0.0/8 to 10.1.0.0/16 action discard
	check_fails "$what cannot delete a policy by id" "$DENIED" "${as[@]}" $I policy del id "$polid"
	check_fails "$what cannot delete a policy by selector" "$DENIED" \
		"${as[@]}" $I policy del dir out from 10.0.0.0/8 to 10.1.0.0/16
	check_fails "$what cannot get a policy" "$DENIED" "${as[@]}" $I policy get id "$polid"
	check_fails "$what cannot list policies" "$DENIED" "${as[@]}" $I policy show
	check_fails "$what cannot flush policies" "$DENIED" "${as[@]}" $I policy flush
	check_fails "$what cannot show everything" "$DENIED" "${as[@]}" $I show
	check_fails "$what cannot read the counters" "$DENIED" "${as[@]}" $I stats
	check_fails "$what cannot listen to events" "$DENIED" timeout 10 "${as[@]}" $I monitor
done
eq "the SA and the policy are still there, alone, unchanged" "$before" "$(state)"

# The owner of a user and a network namespace: an unprivileged user. The
# kernels tested let one create user namespaces; if one does not, that is
# a failure, and root creates the namespace for the checks that follow
# (which then test less: a root-owned user namespace).
owner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
check "an unprivileged user (uid 65534) can create a user and a network namespace" \
	"${owner[@]}" unshare -Urn true
if ! "${owner[@]}" unshare -Urn true 2>/dev/null; then
	diag "unprivileged user namespaces are off: root creates the namespace"
	owner=()
fi
"${owner[@]}" unshare -Urn sleep 600 &
nspid=$!
ns_ready() { [ "$(readlink /proc/$nspid/ns/net)" != "$(readlink /proc/self/ns/net)" ]; }
check "its namespace comes up" wait_for 10 ns_ready
# Credentials kept: in a namespace made by an unprivileged user, setgroups is
# denied; the owner's uid is root there.
inns() { "${owner[@]}" nsenter --preserve-credentials -t "$nspid" -U -n "$@"; }

check "the namespace owner lists its own SAD" inns $I sa show
eq "it sees none of the init namespace's SAs or policies" "" \
	"$(inns $I show 2>&1 | grep -v '^[[:space:]]*#')"
check "it adds an SA in its namespace" \
	inns $I sa add spi 0x43 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20B
# A driver name instantiates crypto templates, modules autoloaded: only for
# the admin of the initial user namespace.
DRV="rfc4106(gcm_base(ctr(aes-generic),ghash-generic))"
check_fails "but not with a crypto driver name" "initial user namespace" \
	inns $I sa add spi 0x46 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20B driver "$DRV"
check "which root of the initial namespace may give" \
	$I sa add spi 0x46 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20B driver "$DRV"
$I sa del spi 0x46 dst 192.0.2.2
# Policy ids are per namespace: before it adds one, the init namespace's id
# is none of its own.
check_fails "it cannot delete the init namespace's policy by id" "no such policy" \
	inns $I policy del id "$polid"
check "it adds a policy in its namespace" \
	inns $I policy add dir out from 10.0.0.0/8 to 10.1.0.0/16 action discard
check "it reserves an SPI in its namespace" inns $I spi alloc dst 192.0.2.9
out=$(inns $I sa show)
eq "it lists its SA and its reserved SPI, not the init namespace's SA" "1 1 0" \
	"$(spis 0x00000043 "$out") $(grep -c 'dst 192.0.2.9 reserved' <<<"$out") $(spis 0x00000042 "$out")"
eq "its counters count its own: 2 SAs, 1 policy" "sa-count	2 policy-count	1" \
	"$(inns $I stats | grep -E '^(sa|policy)-count' | xargs -d '\n')"
eq "the init namespace sees none of them" "$before" "$(state)"
check_fails "nor get the init namespace's SA" "no SA" \
	inns $I sa get spi 0x42 dst 192.0.2.2
check_fails "nor delete it" "no SA" inns $I sa del spi 0x42 dst 192.0.2.2
check_fails "nor move it" "no SA" inns $I sa update spi 0x42 dst 192.0.2.2 src 192.0.2.9
check "it flushes its SAD" inns $I sa flush
check "and its SPD" inns $I policy flush
eq "which empties its namespace and leaves the init namespace's alone" \
	"$before" "$(inns $I show | grep -v '^[[:space:]]*#'; state)"

# Events stay in their namespace.
$I monitor >"$tmp/init.mon" 2>&1 &
monpids+=($!)
inns $I monitor >"$tmp/ns.mon" 2>&1 &
monpids+=($!)
# Both listening: an event each side would see is a flush.
monitors_up() {
	$I policy flush && inns $I policy flush &&
		grep -q flush "$tmp/init.mon" && grep -q flush "$tmp/ns.mon"
}
wait_for 10 monitors_up || diag "the monitors did not start"
inns $I sa add spi 0x44 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20B
$I sa add spi 0x45 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20B
both_seen() {
	grep -q 'spi 0x00000044 ' "$tmp/ns.mon" && grep -q 'spi 0x00000045 ' "$tmp/init.mon"
}
check "each namespace's monitor sees its own SA added" wait_for 10 both_seen
eq "neither sees the other's (SAs 0x45 in the namespace, 0x44 in init)" "0 0" \
	"$(grep -c 'spi 0x00000045 ' "$tmp/ns.mon") $(grep -c 'spi 0x00000044 ' "$tmp/init.mon")"
diag "$(cat "$tmp/ns.mon")"
$I sa del spi 0x45 dst 192.0.2.2
eq "the namespace's SA is not in the init namespace" "0" "$($I sa show | grep -c 'spi 0x00000044 ')"
# The init namespace's policy went in the flush above.
$I policy add dir out from 10.0.0.0/8 to 10.1.0.0/16 action bypass
kill "$nspid" "${monpids[@]}" 2>/dev/null
wait 2>/dev/null
nspid=
monpids=()
eq "the init namespace's SA is still there, alone" 1 "$($I sa show | grep -c '^sa add')"
$I sa flush
$I policy flush
rmmod nfesp
ktap_finish
