#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: boot a VM with the newest installed kernel, load nfesp, and
# connect two gateways, each in its own network namespace, with manually
# keyed SAs: the ESP on the wire, the cleartext on nfesp0, the counters
# going up. Later issues grow this into all five steps of IPsec.
#
#   10.1.0.1 [ gateway a ] 192.0.2.1 ---- veth ---- 192.0.2.2 [ gateway b ] 10.2.0.1

set -e
cd "$(dirname "$0")/.."
if [ "${1:-}" != --in-vm ]; then
	kver=${KVER:-$(tools/vm/run --list | tail -1)}
	[ -n "$kver" ] || { echo "demo: no bootable kernel; run tools/deps.sh" >&2; exit 1; }
	echo "demo: booting $kver"
	exec tools/vm/run -k "$kver" -t 300 -- tools/demo.sh --in-vm
fi

I=$PWD/build/ipsecctl
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
in_a() { ip netns exec gw-a "$@"; }
in_b() { ip netns exec gw-b "$@"; }

say "load the module (it loads nf_defrag_ipv4 and _ipv6 itself)"
modprobe aesni_intel 2>/dev/null || true
run insmod "build/$(uname -r)/nfesp.ko"
dmesg | grep 'nfesp: version'

say "two gateways in two namespaces; each has nfesp0"
ip netns add gw-a
ip netns add gw-b
ip link add wan netns gw-a type veth peer name wan netns gw-b
in_a ip addr add 192.0.2.1/24 dev wan
in_b ip addr add 192.0.2.2/24 dev wan
for ns in gw-a gw-b; do
	ip -n $ns link set lo up
	ip -n $ns link set wan up
done
in_a ip addr add 10.1.0.1/32 dev lo
in_b ip addr add 10.2.0.1/32 dev lo
in_a ip route add 10.2.0.0/16 via 192.0.2.2
in_b ip route add 10.1.0.0/16 via 192.0.2.1
run in_a ip -br link

keys=$(mktemp -d /root/keys.XXXXXX)
# Keys come from files; ipsecctl never prints them.
head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$keys/a-to-b"
head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$keys/b-to-a"

say "gateway a: 10.1.0.0/16 behind 192.0.2.1, talking to 10.2.0.0/16 behind 192.0.2.2"
run in_a $I sa add spi 0x2001 src 192.0.2.2 dst 192.0.2.1 reqid 1 enc aes-gcm-128 key @"$keys/b-to-a" \
	lifetime soft seconds 3000 lifetime hard seconds 3600
run in_a $I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 reqid 1 enc aes-gcm-128 key @"$keys/a-to-b" \
	lifetime soft seconds 3000 lifetime hard seconds 3600
run in_a $I policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 1
run in_a $I policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 1
run in_a $I policy add dir out from 10.1.0.0/16 to 10.2.9.0/24 action discard priority 20

say "gateway b: the mirror image, pasted from a's configuration"
in_a $I show | sed -e 's/dir out/dir OUT/; s/dir in/dir out/; s/dir OUT/dir in/' \
	-e 's/local 192.0.2.1 peer 192.0.2.2/local 192.0.2.2 peer 192.0.2.1/' \
	-e "s|spi 0x00001001 \(.*\)key (hidden)|spi 0x00001001 \1key @$keys/a-to-b|" \
	-e "s|spi 0x00002001 \(.*\)key (hidden)|spi 0x00002001 \1key @$keys/b-to-a|" \
	-e '/10.2.9.0/d' -e '/^\t#/d' > "$keys/b.conf"
run cat "$keys/b.conf"
run in_b $I -f "$keys/b.conf"

say "ping 10.2.0.1 from 10.1.0.1, watching the wire and nfesp0"
in_b tcpdump -l -nni wan -c 6 'ip proto 50' 2>/dev/null > "$keys/wire" &
w=$!
in_b tcpdump -l -nni nfesp0 -c 3 icmp 2>/dev/null > "$keys/clear" &
c=$!
sleep 1
run in_a ping -c 3 -i 0.3 -I 10.1.0.1 10.2.0.1
wait $w $c || true
say "on the wire, ESP only"
cat "$keys/wire"
say "on gateway b's nfesp0, the cleartext of what arrived through IPsec"
cat "$keys/clear"

say "a short TCP transfer through the tunnel"
in_b iperf3 -s -1 -D -B 10.2.0.1 >/dev/null
sleep 0.5
in_a iperf3 -c 10.2.0.1 -B 10.1.0.1 -n 2M | grep -E "sender|receiver"

say "traffic to the discarded prefix is dropped and counted"
in_a ip route add 10.2.9.0/24 via 192.0.2.2
run in_a ping -c 1 -W 1 -I 10.1.0.1 10.2.9.1 || true

say "gateway a's SAs and policies with their counters, and its namespace counters"
run in_a $I show
run in_a $I stats
run in_a ip -s link show nfesp0

say "a mistake is named, and nothing changes"
run in_a $I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key 0x0011 || true
run in_a $I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key @"$keys/a-to-b" || true

say "take it down and unload"
ip netns del gw-a
ip netns del gw-b
rm -rf "$keys"
sleep 1
run rmmod nfesp
dmesg | tail -1
