#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE daemon (`ipsecctl daemon`) on the host, without the module,
# against malformed and hostile IKEv2 messages (RFC 7296): truncated
# messages and bad lengths, unknown critical payloads, wrong versions,
# message IDs and I/R flags, retransmissions, bad ICVs, responses without
# a request, a KE of the wrong group, no proposal in common, COOKIEs above
# --cookie-threshold, a wrong PSK, garbage on UDP 4500, hostile fragments,
# CREATE_CHILD_SA and answers to the daemon's own requests, mutated
# requests; and two daemons that negotiate over a veth. Each case checks
# the answer (or the silence), `ipsecctl -j status`, what the fake kernel
# holds, and that the daemon still runs.
#
# ipsecctl is built with ike/tests/fake_kernel.c, an in-memory stand-in for
# ike/kernel.c, and with AddressSanitizer and UBSan, so that a memory error
# kills the daemon and fails the case. The daemons run in network
# namespaces of their own (UDP 500 and 4500 and the control socket are per
# namespace; a third one holds the test side's responder), removed on
# exit with whatever still runs in them. The cases are ike_daemon.py's
# (python3 and its cryptography module for the test side's IKE). KTAP on
# stdout; a known bug of the daemon is "not ok N - ... # TODO bug: ...".
#
#   ike_daemon.sh [SCRIPT]  (as root; about 15 s, plus the build: 20 s)
#
# SCRIPT (default ike_daemon.py) is the cases' script in this directory:
# ike_daemon_v1.sh runs ike_daemon_v1.py, IKEv1's, the same way.
#
# NFESP_IKE_FUZZ=SEED[:N] replays (or lengthens) the mutation cases, whose
# seed each run prints; NFESP_IKE_DAEMON_TIMEOUT (s, default 45) bounds the
# cases.

set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
tool=$top/tools/ipsecctl
out=$top/build/ike
bin=$out/ipsecctl-fake
export PATH=$PATH:/sbin:/usr/sbin

ktap_fail() {
	echo "KTAP version 1"
	echo "1..1"
	echo "# $1"
	echo "not ok 1 - ike_daemon: $2"
	echo "# 0 passed, 1 failed"
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	echo "KTAP version 1"
	echo "1..0 # SKIP needs root (network namespaces and a veth)"
	exit 0
fi

# ---- The build: every source of ipsecctl but ike/kernel.c, and the fake ----
# shellcheck source=tools/ipsecctl/tests/fake_daemon.bash
source "$tool/tests/fake_daemon.bash"
why=$(fake_daemon_build "$top") || ktap_fail "$why" "build"

# ---- Two namespaces, a veth between them; everything goes on exit ----
nsa=nfesp-ikeh-a-$$
nsb=nfesp-ikeh-b-$$
nsc=nfesp-ikeh-c-$$
work=$(mktemp -d /tmp/nfesp-ike-daemon.XXXXXX)
runner=
# shellcheck disable=SC2317 # the trap calls it
cleanup() {
	local ns pid

	trap - EXIT INT TERM HUP
	[ -n "$runner" ] && kill -TERM "$runner" 2>/dev/null && sleep 0.5
	for ns in "$nsa" "$nsb" "$nsc"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "$nsa" "$nsb" "$nsc"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if ! { ip netns add "$nsa" && ip netns add "$nsb" &&
	ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up &&
	ip -n "$nsa" link add veth0 type veth peer name veth1 netns "$nsb" &&
	ip -n "$nsa" addr add 10.99.0.1/24 dev veth0 &&
	ip -n "$nsb" addr add 10.99.0.2/24 dev veth1 &&
	ip -n "$nsa" link set veth0 up && ip -n "$nsb" link set veth1 up &&
	ip netns add "$nsc" && ip -n "$nsc" link set lo up &&
	ip -n "$nsa" link add veth2 type veth peer name veth3 netns "$nsc" &&
	ip -n "$nsa" addr add 10.98.0.1/24 dev veth2 &&
	ip -n "$nsc" addr add 10.98.0.2/24 dev veth3 &&
	ip -n "$nsa" link set veth2 up && ip -n "$nsc" link set veth3 up; }; then
	ktap_fail "ip netns and veth failed" "namespaces"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The cases take about 10 s; what is left of a minute is a bound. In the
# background, so that a signal runs the trap at once, not after it.
timeout -k 5 "${NFESP_IKE_DAEMON_TIMEOUT:-45}" \
	ip netns exec "$nsa" python3 "$tool/tests/${1:-ike_daemon.py}" "$work" "$bin" "$nsb" "$nsc" &
runner=$!
wait "$runner"
rc=$?
runner=
[ $rc = 124 ] && echo "not ok - ${1:-ike_daemon.py} timed out"
exit $rc
