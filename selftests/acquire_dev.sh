#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Packets held for an acquire, and the device they were to leave by going
# away (review M1): a held packet must not keep a pointer to a freed
# device. Run on the debug kernel, KASAN turns a use of one into a splat,
# which fails the run.
#
#   +---------------------- ns a ----+          +---- ns b --------------+
#   | nfesp, ipsecctl                |          | in-kernel XFRM         |
#   | lo 10.1.0.1                    |          | lo 10.2.0.1            |
#   | va 192.0.2.1/24 ---------------+-- veth --+ vb 192.0.2.2/24        |
#   | vx 198.51.100.1/24 ------------+-- veth --+ vy 198.51.100.2/24     |
#   +--------------------------------+          +------------------------+
#
# The tunnel peer, 192.0.2.2, is reached through va; the inner traffic,
# 10.1.0.0/16 to 10.2.0.0/16, is routed through vx, so its held packets
# carry vx. DF echo requests of 1500 bytes fit vx but not the tunnel: once
# an SA comes they are dropped with an ICMP "fragmentation needed", which
# reads the packet's device.

. "$(dirname "$0")/lib.sh"

load_module
ktap_plan 11

A="ip netns exec a"
B="ip netns exec b"
workdir selftest-acquire_dev
K_AB=0x0102030405060708090a0b0c0d0e0f1011121314
K_BA=0x1112131415161718191a1b1c1d1e1f2021222324

cleanup() {
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
}
trap 'cleanup; workdir_save' EXIT

ipa() { $A "$IPSECCTL" "$@"; }
stat() { ipa -j stats | sed -n "s/.*\"${1//-/_}\": *\([0-9]*\).*/\1/p"; }

# vx_up: a's second link to b, the route of the inner traffic through it
vx_up() {
	ip link add vx netns a type veth peer name vy netns b &&
	$A ip addr add 198.51.100.1/24 dev vx &&
	$B ip addr add 198.51.100.2/24 dev vy &&
	$A ip link set vx up &&
	$B ip link set vy up &&
	$A ip route replace 10.2.0.0/16 via 198.51.100.2 dev vx
}
# big_pings N: N DF echo requests of 1500 bytes from 10.1.0.1, not waited for
big_pings() {
	$A ping -c "$1" -i 0.2 -W 1 -M do -s 1472 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1
}
sas_a() {
	ipa sa add spi 0x2001 src 192.0.2.2 dst 192.0.2.1 reqid 1 enc aes-gcm-128 key $K_BA &&
	ipa sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 reqid 1 enc aes-gcm-128 key $K_AB
}

ab_pair no-route-a
check "a's second link, vx, carries the inner traffic" vx_up
ipa policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect \
	local 192.0.2.1 peer 192.0.2.2 reqid 1
# Nothing held may time out meanwhile, however slow the (debug) kernel.
echo 3600 > /sys/module/nfesp/parameters/acquire_timeout

# --- 1. the device is deleted while packets are held --------------------
big_pings 3
check "three DF echo requests of 1500 bytes are held" wait_eq 10 3 stat held
$A ip link del vx
check "deleting the device they were to leave by drops them" wait_eq 10 0 stat held
eq "and counts them as out-held-dev-gone" 3 "$(stat out-held-dev-gone)"
check "the SAs are added" sas_a
sleep 1
eq "adding the SA afterwards sends nothing more and drops nothing more" \
	"3 0" "$(stat out-held-dev-gone) $(stat held)"

# --- 2. the device is down when the SA comes -------------------------------
# No unregistration: release itself must see that the dst's device is down
# and not use the device the packet was held with.
ipa sa flush
check "a's second link is back" vx_up
big_pings 2
check "two more are held" wait_eq 10 2 stat held
$A ip link set vx down
check "the SAs are added with the device down" sas_a
check "the held packets are dropped on release, and counted" \
	wait_eq 10 5 stat out-held-dev-gone
diag "$(ipa stats | grep -E '^(held|out-)' | xargs -d '\n')"

cleanup
sleep 1
check "the module unloads" rmmod nfesp
ktap_finish
