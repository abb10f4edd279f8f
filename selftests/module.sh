#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Loading and unloading: the family comes and goes, and an unload with SAs
# and policies in several namespaces frees them all.

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 12

I=$IPSECCTL
K20=0x0102030405060708090a0b0c0d0e0f1011121314
trap 'ip netns del nfesp-mod 2>/dev/null' EXIT

check "module is loaded" grep -qw nfesp /proc/modules
check "its generic netlink family answers" $I stats
check "it says it loaded" sh -c "dmesg | grep -q 'nfesp: version .* loaded'"
check "the replay window's self-tests ran at load and passed" \
	sh -c "dmesg | grep -q 'nfesp: replay self-tests: pass'"

ip netns add nfesp-mod
for ns in "" "ip netns exec nfesp-mod"; do
	for i in 1 2 3; do
		$ns $I sa add spi $i src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20
		$ns $I policy add dir out from 10.0.$i.0/24 to 10.1.0.0/16 action bypass
	done
	$ns $I spi alloc dst 192.0.2.1 >/dev/null
done
# A namespace has no nfesp device unless asked for one (review L16).
# (Not "only lo": a kernel with ipip or sit built in adds its own.)
check "a new namespace has no nfesp device" \
	sh -c "! ip -n nfesp-mod -d -o link show | grep -q nfesp"
check "a monitor device in a namespace goes with the module" \
	ip -n nfesp-mod link add nfesp0 type nfesp
check "unload with SAs, policies and reserved SPIs in two namespaces" rmmod nfesp
# 3 SAs and 3 policies in each of the two namespaces.
check "every SA and policy was destroyed (at least 6 of each created)" lifecycle_balanced 6 6
check_fails "without the module, ipsecctl says what is missing" "module is not loaded" $I show
check_fails "and its monitor device is gone" "does not exist" ip -n nfesp-mod link show nfesp0
# A device named nfesp0 is no concern of the module's any more.
ip -n nfesp-mod link add nfesp0 type dummy
check "the module loads again, beside a device named nfesp0" insmod "$MODULE"
check "whose namespace still works" ip netns exec nfesp-mod $I sa add spi 9 src 192.0.2.1 \
	dst 192.0.2.2 enc aes-gcm-128 key $K20
rmmod nfesp
ktap_finish
