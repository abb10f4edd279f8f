#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Keys go into the kernel and never come out: SAs are added with known
# encryption keys, integrity keys and AEAD salts, and none of them may
# appear, in hex or as raw bytes, in what ipsecctl shows (text and JSON),
# in the events ipsecctl monitor prints while the SAs are added, expire and
# go, in error messages, in the kernel log (with nfesp's debug messages on),
# or in any readable file of /proc/net, /proc/self/net, /sys/module/nfesp and
# the nfesp0 device's sysfs directory.
#
# The detector is shown to work first: it must find every key in the key
# files, in hex and as raw bytes.

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 21

I=$IPSECCTL
tmp=$(mktemp -d)
monpids=()
cleanup() {
	local p

	for p in "${monpids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Random keys, fixed so that a failure can be looked for by hand.
GCM128=d4c007ac06d4ba6bd5d5b3539e6bfbbc
SALT1=402fe159
GCM256=54addb4f496105ed802268460b6c9bda7aa18812dc8b8508a2063a13a66196f1
SALT2=76c179ee
CHACHA=eb44b5fa5927002a6d88f80764deb83c8bd399b8c986ab850b2cef24ac035e2c
SALT3=520fcf81
CBC256=272706aefb03bc79540207ea41602fdc7314dbca9c65773aa05c47c62228c21a
HMAC256=297258b8131f48fd93cf337e15354653c85a758e61f5f902000eec1ff4579aa5
CBC128=0fabf180ef11975a500fb383121f7d94
HMAC512=b12717c303bbaccdfa25ce65137639c6a25f31eb5548b5e844690ee201572fe16c6c0933531e843f1e5d06020cbf38e1f1d339b5cb76bd66579ab55adeadfb14
HMAC384=8af671b8146a8d95d82907af6afcb1e73979a2ab50ef8683898afc88ff515c585dc48b64e17e1b9c3b19308c77e7f280
KEYS=($GCM128 $GCM256 $CHACHA $CBC256 $HMAC256 $CBC128 $HMAC512 $HMAC384)
SALTS=($SALT1 $SALT2 $SALT3)

# What counts as a leak: each aligned 8 bytes of a key, its last 8 bytes,
# and each 4-byte salt, as lowercase hex.
secrets=("${SALTS[@]}")
for k in "${KEYS[@]}"; do
	for ((o = 0; o + 16 <= ${#k}; o += 16)); do
		secrets+=("${k:o:16}")
	done
	secrets+=("${k: -16}")
done

# The secrets in FILE: in its text with case, white space, colons, dots and
# dashes ignored, or in its bytes.
found_in() {
	local text raw s

	text=$(tr 'A-F' 'a-f' <"$1" | tr -d ' \t\r\n:.\000-')
	raw=$(od -An -v -tx1 "$1" | tr -d ' \n')
	for s in "${secrets[@]}"; do
		if [[ $text == *"$s"* || $raw == *"$s"* ]]; then
			echo "$s"
		fi
	done
}

# no_keys DESCRIPTION FILE...: none of the secrets in any FILE.
no_keys() {
	local desc=$1 f hits bad=0

	shift
	for f; do
		hits=$(found_in "$f")
		if [ -n "$hits" ]; then
			diag "$f holds key bytes: $(echo $hits)"
			bad=1
		fi
	done
	if [ $bad = 0 ]; then
		ktap_ok "$desc"
	else
		ktap_fail "$desc"
	fi
}

# The detector itself: every secret in the key files, in hex and raw.
umask 077
key() { printf '%s\n' "$1" >"$tmp/$2.key"; }
key "$GCM128$SALT1" gcm128
key "0x${GCM256^^}$SALT2" gcm256	# 0x and upper case: ipsecctl takes both
key "$CHACHA$SALT3" chacha
key "$CBC256" cbc256
key "$HMAC256" hmac256
key "$CBC128" cbc128
key "$HMAC512" hmac512
key "$HMAC384" hmac384
cat "$tmp"/*.key >"$tmp/all.hex"
for k in "${KEYS[@]}" "${SALTS[@]}"; do
	printf '%b' "$(sed 's/../\\x&/g' <<<"$k")"
done >"$tmp/all.raw"
eq "the detector finds all ${#secrets[@]} key pieces in the key files' hex" \
	"${#secrets[@]}" "$(found_in "$tmp/all.hex" | wc -l)"
eq "and as raw bytes" "${#secrets[@]}" "$(found_in "$tmp/all.raw" | wc -l)"

# Monitors first, so that they see the SAs come.
$I monitor >"$tmp/monitor.txt" 2>&1 &
monpids+=($!)
$I -j monitor >"$tmp/monitor.json" 2>&1 &
monpids+=($!)
monitors_up() {
	$I policy flush && grep -q 'policy flush' "$tmp/monitor.txt" &&
		grep -q 'policy flush' "$tmp/monitor.json"
}
wait_for 10 monitors_up || diag "the monitors did not start"

add_all() {
	$I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 reqid 1 \
		enc aes-gcm-128 key @"$tmp/gcm128.key" &&
	$I sa add spi 0x1002 src 192.0.2.1 dst 192.0.2.2 mode transport esn \
		enc aes-gcm-256 key @"$tmp/gcm256.key" &&
	$I sa add spi 0x1003 src 192.0.2.1 dst 192.0.2.3 encap udp 4500 4500 \
		enc chacha20-poly1305 key "$CHACHA$SALT3" &&
	$I sa add spi 0x1004 src 192.0.2.2 dst 192.0.2.1 reqid 2 \
		enc aes-cbc-256 key @"$tmp/cbc256.key" auth hmac-sha256 authkey @"$tmp/hmac256.key" &&
	$I sa add spi 0x1005 src 2001:db8::1 dst 2001:db8::2 \
		enc aes-cbc-128 key "0x$CBC128" auth hmac-sha512 authkey @"$tmp/hmac512.key"
}
add_expiring() {
	$I sa add spi 0x1006 src 192.0.2.4 dst 192.0.2.2 \
		enc null auth hmac-sha384 authkey "$HMAC384" \
		lifetime soft seconds 1 lifetime hard seconds 2
}
check "five SAs added with the keys" add_all

# Errors: a duplicate, and keys of the wrong length.
{
	$I sa add spi 0x1001 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key "$GCM128$SALT1"
	$I sa add spi 0x1007 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key "${GCM256}00"
	$I sa add spi 0x1007 src 192.0.2.1 dst 192.0.2.2 \
		enc aes-cbc-128 key "$CBC128" auth hmac-sha256 authkey "$HMAC384"
	$I sa add spi 0x1007 src 192.0.2.1 dst 192.0.2.2 \
		enc aes-cbc-128 key "$CBC256$SALT1" auth hmac-sha256 authkey "$HMAC256"
} >"$tmp/errors.txt" 2>&1
eq "four SA adds with a duplicate or wrong key lengths were refused" 4 \
	"$(grep -c . "$tmp/errors.txt")"
no_keys "and their error messages show no key" "$tmp/errors.txt"

$I sa show >"$tmp/sa.txt"
$I -j sa show >"$tmp/sa.json"
$I show >"$tmp/show.txt"
$I -j show >"$tmp/show.json"
$I stats >"$tmp/stats.txt"
for spi in 0x1001 0x1002 0x1004; do
	dst=192.0.2.2
	[ $spi = 0x1004 ] && dst=192.0.2.1
	$I sa get spi $spi dst $dst
	$I -j sa get spi $spi dst $dst
done >"$tmp/get.txt"
$I sa get spi 0x1005 dst 2001:db8::2 >>"$tmp/get.txt"
eq "sa show lists the five SAs, keys hidden" "5 7" \
	"$(grep -c '^sa add' "$tmp/sa.txt") $(grep -o '(hidden)' "$tmp/sa.txt" | wc -l)"
no_keys "sa show and sa show -j hold no key" "$tmp/sa.txt" "$tmp/sa.json"
no_keys "show, show -j and stats hold no key" "$tmp/show.txt" "$tmp/show.json" "$tmp/stats.txt"
eq "sa get finds the SAs, text and JSON" "4 3" \
	"$(grep -c 'sa add spi' "$tmp/get.txt") $(grep -oE '"spi": ?"0x0000100[0-9]"' "$tmp/get.txt" | sort -u | wc -l)"
no_keys "sa get and sa get -j hold no key" "$tmp/get.txt"

# An SA that expires: soft, then hard, then gone.
add_expiring
expired() { grep -q 'expire hard spi 0x00001006' "$tmp/monitor.txt"; }
check "an SA with a null cipher and HMAC-SHA-384 expired, soft and hard" wait_for 10 expired
$I sa del spi 0x1001 dst 192.0.2.2
$I sa flush
flushed() { grep -q 'sa flush' "$tmp/monitor.txt" && grep -q 'sa flush' "$tmp/monitor.json"; }
wait_for 10 flushed
kill "${monpids[@]}" 2>/dev/null
wait 2>/dev/null
monpids=()
eq "the monitors saw the six SAs added, text and JSON" "6 6" \
	"$(grep -c '^sa add' "$tmp/monitor.txt") $(grep -oE '"spi": ?"0x0000100[0-9]"' "$tmp/monitor.json" | sort -u | wc -l)"
diag "$(grep -v '^sa add' "$tmp/monitor.txt")"
no_keys "ipsecctl monitor and monitor -j showed no key" "$tmp/monitor.txt" "$tmp/monitor.json"

# The kernel log, with nfesp's debug messages on since load_module.
dmesg >"$tmp/dmesg.txt"
# Six SAs so far: the five, and the one that expired.
eq "the kernel log has nfesp's SA messages, for the six SAs added" yes \
	"$([ "$(grep -c 'nfesp: SA [0-9]* .*created' "$tmp/dmesg.txt")" -ge 6 ] && echo yes)"
no_keys "the kernel log holds no key" "$tmp/dmesg.txt"

# Every readable file into one dump; prints how many were read. One cat
# reads them all (a process each costs tens of milliseconds under TCG), under
# one time-out in case a file blocks; cat names each file it cannot read.
read_all() {
	local out=$1 list=$1.list n bad

	shift
	find "$@" -type f -readable -print0 2>/dev/null >"$list"
	n=$(tr -cd '\0' <"$list" | wc -c)
	timeout 60 xargs -0 cat <"$list" >"$out" 2>"$out.err"
	bad=$(grep -c '^cat: ' "$out.err")
	echo $((n - bad))
}
# Keys are live again while these are read.
add_all >/dev/null 2>&1
add_expiring >/dev/null 2>&1
n=$(read_all "$tmp/procnet" /proc/net/ /proc/self/net/)
eq "/proc/net and /proc/self/net have files to read" yes "$([ "$n" -gt 20 ] && echo yes)"
diag "$n files read in /proc/net and /proc/self/net"
no_keys "no file of /proc/net or /proc/self/net holds a key" "$tmp/procnet"
ip link add nfesp0 type nfesp 2>/dev/null
n=$(read_all "$tmp/sys" /sys/module/nfesp/ /sys/class/net/nfesp0/ /sys/devices/virtual/net/nfesp0/)
eq "/sys/module/nfesp and the monitor device's sysfs have files to read" yes \
	"$([ "$n" -gt 10 ] && echo yes)"
diag "$n files read in /sys/module/nfesp and nfesp0's sysfs"
no_keys "no file of /sys/module/nfesp or of nfesp0 holds a key" "$tmp/sys"
ip link del nfesp0 2>/dev/null

$I sa flush
rmmod nfesp
dmesg >"$tmp/dmesg.txt"
no_keys "nor the kernel log once the SAs and the module are gone" "$tmp/dmesg.txt"
# Twelve SAs: the five and the expiring one, twice.
check "every SA created was destroyed (at least 12)" lifecycle_balanced 12 0
ktap_finish
