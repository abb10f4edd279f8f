#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: boot a VM with the newest installed kernel, load nfesp, configure
# a pair of gateways' SAs and policies with ipsecctl, show them, take them
# down again and unload. Later issues grow this into all five steps of IPsec.

set -e
cd "$(dirname "$0")/.."
if [ "${1:-}" != --in-vm ]; then
	kver=${KVER:-$(tools/vm/run --list | tail -1)}
	[ -n "$kver" ] || { echo "demo: no bootable kernel; run tools/deps.sh" >&2; exit 1; }
	echo "demo: booting $kver"
	exec tools/vm/run -k "$kver" -- tools/demo.sh --in-vm
fi

I=build/ipsecctl
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }

say "load the module"
run insmod "build/$(uname -r)/nfesp.ko"
dmesg | grep 'nfesp: version'

keys=$(mktemp -d /root/keys.XXXXXX)
# Keys come from files; ipsecctl never prints them.
head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$keys/a-to-b"
head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$keys/b-to-a"

say "gateway A: 10.1.0.0/16 behind 192.0.2.1, talking to 10.2.0.0/16 behind 192.0.2.2"
run $I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 reqid 1 enc aes-gcm-128 key @"$keys/a-to-b" \
	lifetime soft seconds 3000 lifetime hard seconds 3600
run $I sa add spi 0x2001 src 192.0.2.2 dst 192.0.2.1 reqid 1 enc aes-gcm-128 key @"$keys/b-to-a" \
	lifetime soft seconds 3000 lifetime hard seconds 3600
run $I policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 1
run $I policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 1
run $I policy add dir out from 10.1.0.0/16 to 10.2.0.53 proto udp port 53 action bypass priority 10
run $I policy add dir out from 10.1.0.0/16 to 10.2.9.0/24 action discard priority 20

say "everything, as commands that can be pasted back (keys hidden)"
run $I show
say "the same as JSON"
run $I -j policy show
say "a reserved SPI for IKE"
run $I spi alloc dst 192.0.2.1
say "counters"
run $I stats

say "a mistake is named, and nothing changes"
run $I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key 0x0011 || true
run $I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key @"$keys/a-to-b" || true

say "take it down and unload"
run $I sa flush
run $I policy flush
run rmmod nfesp
dmesg | tail -1
rm -rf "$keys"
