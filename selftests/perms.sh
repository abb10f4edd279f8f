#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Without CAP_NET_ADMIN over the namespace nothing can be read or changed:
# not as an unprivileged user, and not as root of a user namespace that does
# not own the network namespace.

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 7

I=$IPSECCTL
K20=0x0102030405060708090a0b0c0d0e0f1011121314
$I sa add spi 0x42 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }

check_fails "an unprivileged user cannot list SAs" "permission denied" nobody $I sa show
check_fails "nor flush them" "permission denied" nobody $I sa flush
check_fails "nor listen to events" "permission denied" timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all $I monitor
check_fails "root in a new user namespace cannot list SAs" "permission denied" unshare -Ur $I sa show
check_fails "nor add policies" "permission denied" \
	unshare -Ur $I policy add dir out from 10.0.0.0/8 to 10.1.0.0/16 action bypass
check_fails "nor listen to events" "permission denied" timeout 10 unshare -Ur $I monitor
eq "the SA is still there, alone" 1 "$($I sa show | grep -c '^sa add')"
$I sa flush
rmmod nfesp
ktap_finish
