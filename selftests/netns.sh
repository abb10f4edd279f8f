#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Each network namespace has its own SAD and SPD.
#
#   init ns          ns1             ns2
#   (nothing)        SPI 0x100       SPI 0x100 (same key tuple, other ns)
#                    policy A        policy A
#
# and a namespace that goes away takes its SAs and policies with it.

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 9

I=$IPSECCTL
K20=0x0102030405060708090a0b0c0d0e0f1011121314
cleanup() {
	ip netns del nfesp-ns1 2>/dev/null
	ip netns del nfesp-ns2 2>/dev/null
}
trap cleanup EXIT
n1() { ip netns exec nfesp-ns1 "$@"; }
n2() { ip netns exec nfesp-ns2 "$@"; }

ip netns add nfesp-ns1
ip netns add nfesp-ns2
sa() { "$@" $I sa add spi 0x100 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20; }
pol() { "$@" $I policy add dir out from 10.0.0.0/8 to 10.1.0.0/16 action discard; }

check "SA added in ns1" sa n1
check "the same SA tuple added in ns2" sa n2
check "a policy added in ns1" pol n1
check "the same policy added in ns2" pol n2
eq "the init namespace sees none of them" "sa-count	0 policy-count	0" \
	"$($I stats | grep -E '^(sa|policy)-count' | xargs -d '\n')"
n2 $I sa del spi 0x100 dst 192.0.2.2
eq "deleting in ns2 leaves ns1's SA" 1 "$(n1 $I sa show | grep -c '^sa add')"
n2 $I policy flush
eq "flushing ns2's SPD leaves ns1's" 1 "$(n1 $I policy show | grep -c '^policy add')"

# A namespace deleted with state in it: everything is freed with it.
for i in $(seq 1 50); do
	n1 $I sa add spi $((0x1000 + i)) src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20
done
ip netns del nfesp-ns1
ip netns del nfesp-ns2
# 52 SAs (1 in ns2, 51 in ns1) and 2 policies.
all_freed() { wait_for 10 lifecycle_balanced 52 2 || lifecycle_balanced 52 2; }
check "namespace exit freed every SA and policy (at least 52 SAs and 2 policies created)" \
	all_freed
rmmod nfesp
check "module unloads cleanly after" sh -c "! grep -qw nfesp /proc/modules"
ktap_finish
