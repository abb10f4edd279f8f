#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ESP input fuzzing: random and mutated packets against live SAs, and
# nfesp's counters checked against a model of what each must do
# (esp_fuzz.py). Namespace b injects Ethernet frames into a's veth with an
# AF_PACKET socket, so lengths and checksums can be anything.
#
#   +------------------------------- ns a ----+        +---- ns b ----------+
#   | nfesp: inbound SAs from b               |        | esp_fuzz.py's      |
#   |   0x1001 IPv4 tunnel, NULL+HMAC-SHA-256 |        | AF_PACKET socket;  |
#   |   0x1002 IPv6 tunnel, NULL+HMAC-SHA-256 |        | XFRM, for a ping   |
#   |   0x1003 IPv4, ESP in UDP 4500, NULL+H. |        | through the tunnel |
#   |   0x3001-3 the same three, AES-GCM-128  |        |                    |
#   |   0x1fff the generator's sentinel       |        |                    |
#   |   0x2001/0x2002 AES-GCM, a ping to b    |        |                    |
#   | va 192.0.2.1/24 2001:db8::1/64 ---------+- veth -+ vb 192.0.2.2/24    |
#   | lo 10.1.0.1 2001:db8:1::1               |        | lo 10.2.0.1        |
#   +-----------------------------------------+        +--------------------+
#
# Environment: NFESP_FUZZ_PACKETS (default by NFESP_SCALE: 20,000 small,
# 100,000 normal, 1,000,000 long), NFESP_FUZZ_SEED (default: random;
# printed either way).

. "$(dirname "$0")/lib.sh"

load_module
GEN_TESTS=14
ktap_plan $((GEN_TESTS + 9))

PACKETS=${NFESP_FUZZ_PACKETS:-$(scaled 20000 100000 1000000)}
SEED=${NFESP_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
A="ip netns exec a"
B="ip netns exec b"
HK=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KG=0x2122232425262728292a2b2c2d2e2f3031323334
K_AB=0x0102030405060708090a0b0c0d0e0f1011121314
K_BA=0x1112131415161718191a1b1c1d1e1f2021222324
export PATH=$PATH:/sbin:/usr/sbin

cleanup() {
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
}
trap cleanup EXIT

ipa() { $A "$IPSECCTL" "$@"; }
stat() { ipa -j stats | sed -n "s/.*\"${1//-/_}\": *\([0-9]*\).*/\1/p"; }
ping_ok() { $A ping -c 2 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1; }

diag "seed $SEED, $PACKETS packets (NFESP_FUZZ_SEED=$SEED NFESP_FUZZ_PACKETS=$PACKETS to repeat)"
modprobe -q aesni_intel
cfg_failed=0
cfg_log=
cfg() {
	local out

	if ! out=$("$@" 2>&1); then
		cfg_failed=1
		cfg_log+="\$ $*"$'\n'"$out"$'\n'
	fi
}
cfg ip netns add a
cfg ip netns add b
# Static neighbour entries here, unlike the interop tests: the fuzzer's
# packets go out by the thousand from a raw socket, and neighbour discovery
# racing them would make the count of what a answered depend on timing.
cfg ip link add va netns a address 02:00:00:00:0a:01 type veth \
	peer name vb netns b address 02:00:00:00:0b:01
cfg ip -n a -batch - <<EOF
link set lo up
address add 192.0.2.1/24 dev va
address add 2001:db8::1/64 dev va nodad
address add 10.1.0.1/32 dev lo
address add 2001:db8:1::1/128 dev lo
neigh add 192.0.2.2 lladdr 02:00:00:00:0b:01 dev va nud permanent
neigh add 2001:db8::2 lladdr 02:00:00:00:0b:01 dev va nud permanent
link set va up
route add 10.2.0.0/16 via 192.0.2.2
EOF
cfg ip -n b -batch - <<EOF
link set lo up
address add 192.0.2.2/24 dev vb
address add 2001:db8::2/64 dev vb nodad
address add 10.2.0.1/32 dev lo
neigh add 192.0.2.1 lladdr 02:00:00:00:0a:01 dev vb nud permanent
neigh add 2001:db8::1 lladdr 02:00:00:00:0a:01 dev vb nud permanent
link set vb up
route add 10.1.0.0/16 via 192.0.2.1
xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2002 reqid 1 mode tunnel aead rfc4106(gcm(aes)) $K_AB 128
xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2001 reqid 1 mode tunnel aead rfc4106(gcm(aes)) $K_BA 128
xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir out tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir in tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel
EOF
# Fragments that never complete leave their queues within 2 s, and there
# is room for all of them meanwhile. The fuzzed inner sources are anything:
# no reverse-path filter.
cfg $A sh -c '
	for f in net/ipv4/ipfrag_time net/ipv6/ip6frag_time net/netfilter/nf_conntrack_frag6_timeout; do
		[ ! -e /proc/sys/$f ] || echo 2 > /proc/sys/$f || exit 1
	done
	for f in net/ipv4/ipfrag_high_thresh net/ipv6/ip6frag_high_thresh net/netfilter/nf_conntrack_frag6_high_thresh; do
		[ ! -e /proc/sys/$f ] || echo 67108864 > /proc/sys/$f || exit 1
	done
	for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done'
v4="src 192.0.2.2 dst 192.0.2.1 reqid 1"
v6="src 2001:db8::2 dst 2001:db8::1 reqid 2"
hm="enc null auth hmac-sha256 authkey $HK replay-window 128"
gcm="enc aes-gcm-128 key $KG replay-window 128"
cfg ipa -f - <<EOF
sa add spi 0x1001 $v4 $hm
sa add spi 0x1002 $v6 $hm
sa add spi 0x1003 $v4 $hm encap udp 4500 4500
sa add spi 0x3001 $v4 $gcm
sa add spi 0x3002 $v6 $gcm
sa add spi 0x3003 $v4 $gcm encap udp 4500 4500
sa add spi 0x1fff $v4 $hm
sa add spi 0x2001 $v4 enc aes-gcm-128 key $K_BA replay-window 128
sa add spi 0x2002 src 192.0.2.1 dst 192.0.2.2 reqid 1 enc aes-gcm-128 key $K_AB
policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 1
policy add dir in from 10.2.0.0/16 to 10.1.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 1
policy add dir in from 2001:db8:2::/48 to 2001:db8:1::/48 action protect local 2001:db8::1 peer 2001:db8::2 reqid 2
EOF
cfg wait_for 10 sh -c "$A ip link show va | grep -q 'state UP'"
if [ "$cfg_failed" = 0 ]; then
	ktap_ok "namespaces, SAs and policies set up"
else
	diag "$cfg_log"
	ktap_fail "namespaces, SAs and policies set up"
fi

check "a ping through the tunnel before the fuzzing" ping_ok

# Memory that packets could leak: sk_buff heads, and all unreclaimable slab.
skb_heads() {
	shrink_slabs
	awk '/^skbuff_(head|fclone)_cache / { n += $2 } END { print n + 0 }' /proc/slabinfo
}
unreclaimable_kb() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }
softnet_drops() {
	local n=0 processed dropped rest

	while read -r processed dropped rest; do
		n=$((n + 0x$dropped))
	done </proc/net/softnet_stat
	echo $n
}
# The frames lost between b's socket and a's IP layer: veth and backlog.
link_drops() {
	echo $(($($B cat /sys/class/net/vb/statistics/tx_dropped) + \
		$($A cat /sys/class/net/va/statistics/rx_dropped) + $(softnet_drops)))
}
skb0=$(skb_heads) slab0=$(unreclaimable_kb) drops0=$(link_drops)

# The generator's KTAP lines become ours; the rest is shown as it comes.
# Its exit status comes last, as "generator exit N".
start=$SECONDS
n=0
gen_rc=none
while IFS= read -r line; do
	case $line in
	"ok - "*) ktap_ok "${line#ok - }"; n=$((n + 1)) ;;
	"not ok - "*) ktap_fail "${line#not ok - }"; n=$((n + 1)) ;;
	"generator exit "*) gen_rc=${line#generator exit } ;;
	*) echo "$line" ;;
	esac
done < <(IPSECCTL=$IPSECCTL NFESP_PARALLEL=/sys/module/nfesp/parameters/parallel \
	$A taskset -c 0 /usr/bin/python3 "$TOP/selftests/esp_fuzz.py" "$PACKETS" "$SEED" 2>&1
	echo "generator exit $?")
while [ $n -lt $GEN_TESTS ]; do
	ktap_fail "generator phase $((n + 1)) did not report"
	n=$((n + 1))
done
diag "the generator ran for $((SECONDS - start)) s"
eq "the generator ran to its end (exit status 0)" 0 "$gen_rc"

# Both gauges must be there and 0: a stats command that prints neither fails.
gauges() { echo "$(stat inflight) $(stat held)"; }
check "no packet left in crypto or held" wait_eq 10 "0 0" gauges
eq "no frame was dropped between b's socket and a's IP layer" "$drops0" "$(link_drops)"
check "a ping through the tunnel after the fuzzing" ping_ok

# Leftover fragments leave their queues after 2 s.
sleep 3
skb1=$(skb_heads) slab1=$(unreclaimable_kb)
diag "sk_buff heads: $skb0 before, $skb1 after; unreclaimable slab: $slab0 kB before, $slab1 kB after"
check "no memory growth: sk_buff heads and unreclaimable slab back to their baseline" \
	test $((skb1 - skb0)) -lt 512 -a $((slab1 - slab0)) -lt 4096

cleanup
sleep 1
check "the module unloads" rmmod nfesp
# 9 SAs and 3 policies were added above.
check "every SA and policy was freed" lifecycle_balanced 9 3
ktap_finish
