#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE daemon's bridge to nfesp (tools/ipsecctl/ike/kernel.c), through
# the C driver ike_bridge, in a namespace of its own:
#
#     ns nfesp-ikeb
#     +--------------------------------------+
#     | dummy0 192.0.2.1/24                  |
#     |   198.51.100.0/24 routed out of it:  |
#     |   a UDP packet there meets a protect |
#     |   policy with no SA: ACQUIRE         |
#     +--------------------------------------+
#
# The driver prints the KTAP; this script sets the namespace up and takes
# it down.

source "$(dirname "$0")/lib.sh"
DRIVER=$TOP/build/selftests/ike_bridge
ns=nfesp-ikeb

[ -x "$DRIVER" ] || ktap_bail "on $KREL, no $DRIVER (make -C selftests)"
load_module
cleanup() {
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
ip netns del "$ns" 2>/dev/null
out=$(ip netns add "$ns" 2>&1 &&
	ip -n "$ns" link set lo up 2>&1 &&
	ip -n "$ns" link add dummy0 type dummy 2>&1 &&
	ip -n "$ns" addr add 192.0.2.1/24 dev dummy0 2>&1 &&
	ip -n "$ns" link set dummy0 up 2>&1 &&
	ip -n "$ns" route add 198.51.100.0/24 dev dummy0 2>&1) ||
	ktap_bail "on $KREL, cannot set up namespace $ns: $out"

ip netns exec "$ns" "$DRIVER"
