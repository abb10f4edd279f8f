#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Interoperability: ESP between namespace a (nfesp, or XFRM with
# IMPL_A=xfrm) and namespace b (always the kernel's XFRM), over a veth pair;
# the topology is drawn in netlib.sh.
#
#   - every algorithm, with ESN off and on, in a 4in4 tunnel: ping both ways;
#   - tunnel 4in4, 6in6, 4in6, 6in4 and transport over IPv4 and IPv6, with
#     aes-gcm-128 (ESN) and aes-cbc-128 + hmac-sha256: ping both ways and a
#     short TCP transfer (iperf3) each way;
#   - after each case, no error counter moved on either side and every SA
#     carried packets, and namespace a found b's MAC address by ARP or
#     neighbour discovery (no static entries; rp_filter=1 everywhere: see
#     netlib.sh);
#   - for one case of each kind of algorithm, tshark decrypts the ESP
#     captured on the wire with the same keys, verifies every ICV and finds
#     the pings inside.
#
# With NFESP_SCALE=small only the core cases run, 9 of the 30: each mode and
# pair of families once, each kind of algorithm once (HMAC-SHA1-96 too: it
# is what IKEv1 peers offer), ESN in some of them, tshark in four. normal
# and long run them all.
#
# Usage: interop.sh [PATTERN]   (only the cases whose name matches PATTERN)
# Environment: IMPL_A=nfesp (default) or xfrm: the stack of namespace a;
# xfrm gives the XFRM-against-XFRM baseline.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netlib.sh"

# A test that cannot start fails: none of these is a reason to skip.
[ "$(id -u)" = 0 ] || ktap_bail "must run as root, in a VM"
case $IMPL_A in
xfrm) ;;
nfesp) load_module ;;
*) ktap_bail "IMPL_A must be xfrm or nfesp, not '$IMPL_A'" ;;
esac
for tool in ip ping iperf3 tcpdump tshark ss python3; do
	command -v $tool >/dev/null || ktap_bail "$tool is not installed (tools/deps.sh)"
done

workdir "interop/$KREL-$IMPL_A"
WORK=$W

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	net_down
}
trap 'cleanup; workdir_save' EXIT

# Both stacks use the same AES drivers (aesni) rather than aes-generic.
modprobe -q aesni_intel || diag "no aesni_intel: AES runs on the generic driver"

# The cases, one a line:
#   mode inner outer enc auth esn iperf tshark core
# inner/outer: address families; auth: - for an AEAD; esn, iperf (a TCP
# transfer each way), tshark (decode the capture), core (run at
# NFESP_SCALE=small too): 0 or 1.
CASES="
tunnel    4 4 aes-gcm-128       -           0 0 1 1
tunnel    4 4 aes-gcm-128       -           1 0 0 0
tunnel    4 4 aes-gcm-192       -           0 0 0 0
tunnel    4 4 aes-gcm-192       -           1 0 0 0
tunnel    4 4 aes-gcm-256       -           0 0 0 0
tunnel    4 4 aes-gcm-256       -           1 0 0 0
tunnel    4 4 chacha20-poly1305 -           0 0 1 0
tunnel    4 4 chacha20-poly1305 -           1 0 0 1
tunnel    4 4 aes-cbc-128       hmac-sha256 0 0 0 0
tunnel    4 4 aes-cbc-128       hmac-sha256 1 0 0 0
tunnel    4 4 aes-cbc-192       hmac-sha384 0 0 0 0
tunnel    4 4 aes-cbc-192       hmac-sha384 1 0 0 0
tunnel    4 4 aes-cbc-256       hmac-sha512 0 0 0 0
tunnel    4 4 aes-cbc-256       hmac-sha512 1 0 0 0
tunnel    4 4 aes-cbc-128       hmac-sha1   0 0 1 1
tunnel    4 4 aes-cbc-128       hmac-sha1   1 0 0 0
tunnel    4 4 null              hmac-sha256 0 0 1 1
tunnel    4 4 null              hmac-sha256 1 0 0 0
tunnel    4 4 aes-gcm-128       -           1 1 0 0
tunnel    6 6 aes-gcm-128       -           1 1 0 0
tunnel    4 6 aes-gcm-128       -           1 1 0 1
tunnel    6 4 aes-gcm-128       -           1 1 0 1
transport 4 4 aes-gcm-128       -           1 1 0 1
transport 6 6 aes-gcm-128       -           1 1 0 0
tunnel    4 4 aes-cbc-128       hmac-sha256 0 1 0 0
tunnel    6 6 aes-cbc-128       hmac-sha256 0 1 1 1
tunnel    4 6 aes-cbc-128       hmac-sha256 0 1 0 0
tunnel    6 4 aes-cbc-128       hmac-sha256 0 1 0 0
transport 4 4 aes-cbc-128       hmac-sha256 0 1 0 0
transport 6 6 aes-cbc-128       hmac-sha256 0 1 0 1
"

# case_name MODE IN OUT ENC AUTH ESN: "tunnel 4in6 aes-cbc-128+hmac-sha256 esn"
case_name() {
	local n

	if [ "$1" = tunnel ]; then
		n="tunnel $2in$3"
	else
		n="transport v$2"
	fi
	n+=" $4"
	[ "$5" = - ] || n+="+$5"
	[ "$6" = 0 ] || n+=" esn"
	echo "$n"
}

# selected [PATTERN]: the cases to run, by NFESP_SCALE and PATTERN.
selected() {
	local line core=$(scaled 1 0 0)

	while read -r line; do
		[ -n "$line" ] || continue
		[ "$core" = 0 ] || [ "${line##* }" = 1 ] || continue
		# shellcheck disable=SC2086 # the words of the line
		[[ $(case_name $line) =~ ${1:-.} ]] && echo "$line"
	done <<<"$CASES"
}

# ping_case NAME: ping both ways, capturing the ESP if the case decodes it.
ping_case() {
	local pcap=$WORK/case$case_no.pcap

	# 12 packets: three echo requests and three replies each way.
	[ "$t_tshark" = 1 ] && { capture_start "$pcap" 12 || diag "tcpdump did not start: $(cat "$pcap.log")"; }
	check "$1: ping a -> b" ping_ok a
	check "$1: ping b -> a" ping_ok b
	[ "$t_tshark" = 1 ] || return 0
	capture_stop
	tshark_case "$1" "$pcap"
}

# tshark_case NAME PCAP: tshark checks every ICV of the capture and finds
# three echo requests and three replies each way inside.
tshark_case() {
	local decoded got want why t8=8 t0=0

	[ "$C_IN" = 4 ] || t8=128 t0=129
	tshark_opts
	decoded=$(tshark_decode "$2")
	if grep -q 'invalid value' "$2.err"; then
		# The reason names tshark's major.minor version and the algorithm
		# only, so that selftests/skips.allow can list it exactly.
		why="tshark $(tshark --version 2>/dev/null | grep -o '[0-9]\+\.[0-9]\+' | head -n1) cannot decrypt $C_ENC"
		diag "$why:"
		diag "$(grep -v 'Running as user' "$2.err")"
		ktap_skip "$1: tshark verifies every ICV" "$why"
		ktap_skip "$1: tshark finds the pings inside" "$why"
		return
	fi
	got=$(awk '$1 != 1' <<<"$decoded")
	if [ -n "$decoded" ] && [ -z "$got" ]; then
		ktap_ok "$1: tshark verifies every ICV ($(wc -l <<<"$decoded") ESP packets)"
	else
		diag "ESP packets whose ICV tshark did not verify (icv_good spi src dst type):"
		diag "${got:-(no ESP packets)}"
		ktap_fail "$1: tshark verifies every ICV"
	fi
	got=$(awk '{ print $3, $4, $5 }' <<<"$decoded" | sort | uniq -c | awk '{ $1 = $1; print }')
	want=$(printf '3 %s %s %s\n' "$C_A" "$C_B" $t8 "$C_A" "$C_B" $t0 \
		"$C_B" "$C_A" $t8 "$C_B" "$C_A" $t0 | sort)
	if [ "$got" = "$want" ]; then
		ktap_ok "$1: tshark finds the pings inside"
	else
		diag "(count src dst icmp-type) expected:"
		diag "$want"
		diag "got:"
		diag "$got"
		diag "tshark's view of the capture $2:"
		diag "$(tshark "${TSHARK_OPTS[@]}" -r "$2" 2>/dev/null | head -n 20)"
		ktap_fail "$1: tshark finds the pings inside"
	fi
}

# neigh_learnt: namespace a's neighbour entry for b's outer address was
# learnt (not static), with b's MAC address. In transport mode over IPv6,
# b's Neighbour Advertisements come inside ESP.
neigh_learnt() {
	local e

	e=$(na ip neigh show dev vethA to "$C_OB")
	diag "a: $e"
	[[ $e = *"lladdr $MAC_B "* ]] && [[ $e != *PERMANENT* ]]
}

cases=$(selected "${1:-}")
[ -n "$cases" ] || ktap_bail "no case matches '${1:-}' at NFESP_SCALE=$SCALE"
# configure, 2 pings, neighbour, 2 error checks; 2 iperf3; 2 tshark; at the end with
# nfesp, one for the SAs and policies freed with their namespaces.
plan=0 ncases=0
while read -r _ _ _ _ _ _ iperf tshark _; do
	plan=$((plan + 6 + 2 * iperf + 2 * tshark))
	ncases=$((ncases + 1))
done <<<"$cases"
[ "$IMPL_A" = xfrm ] || plan=$((plan + 1))
ktap_plan $plan
diag "namespace a runs $IMPL_A, namespace b XFRM; captures in $WORK"

case_no=0
t_start=$SECONDS
while read -r mode in out enc auth esn t_iperf t_tshark _; do
	case_no=$((case_no + 1))
	name=$(case_name "$mode" "$in" "$out" "$enc" "$auth" "$esn")
	case_set "$mode" "$in" "$out" "$enc" "$auth" "$esn" $case_no
	t0=$SECONDS
	net_up
	ipsec_up
	cfg_check "$name: configure"
	ping_case "$name"
	check "$name: a resolved b's outer address ($C_OB) by ARP or ND" neigh_learnt
	if [ "$t_iperf" = 1 ]; then
		check "$name: TCP a -> b (iperf3)" iperf_ok
		check "$name: TCP b -> a (iperf3 -R)" iperf_ok -R
	fi
	check "$name: ns b (xfrm): no errors, both SAs used" xfrm_clean $NS_B
	if [ "$IMPL_A" = nfesp ]; then
		check "$name: ns a (nfesp): no drops, both SAs used" nfesp_clean
	else
		check "$name: ns a (xfrm): no errors, both SAs used" xfrm_clean $NS_A
	fi
	net_down
	diag "$name: $((SECONDS - t0)) s"
done <<<"$cases"
diag "$case_no cases in $((SECONDS - t_start)) s"
# Namespaces are freed asynchronously: wait, then say what was found. Each
# case added 2 SAs and 2 policies.
freed() {
	wait_for 10 lifecycle_balanced $((2 * ncases)) $((2 * ncases))
	lifecycle_balanced $((2 * ncases)) $((2 * ncases))
}
[ "$IMPL_A" = xfrm ] || check "every SA and policy was freed with its namespace" freed
ktap_finish
