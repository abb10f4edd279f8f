#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ipsecctl's grammar on the host, with -n (no kernel): what it accepts, and
# for what it refuses, that it names the bad word and exits 1.

source "$(dirname "$0")/../../../selftests/lib.sh"
I=$IPSECCTL
K20=0x0102030405060708090a0b0c0d0e0f1011121314
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "$K20" >"$tmp/k20"
printf 'zz\n' >"$tmp/bad"

good=(
	"sa add spi 0x100 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20"
	"sa add spi 256 src 2001:db8::1 dst 2001:db8::2 mode transport reqid 4 enc aes-gcm-256 key @$tmp/k20x"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc null auth hmac-sha256 authkey 0x$(printf '%064d' 1)"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-cbc-128 key 0x$(printf '%032d' 1) auth hmac-sha384 authkey 0x$(printf '%096d' 1) esn replay-window 0 encap udp 4500 4500 lifetime soft packets 10 lifetime hard packets 20"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-cbc-128 key 0x$(printf '%032d' 1) auth hmac-sha1 authkey 0x$(printf '%040d' 1)"
	"sa del spi 0xffffffff dst 192.0.2.2"
	"spi alloc dst 192.0.2.1 range 0x100-0x1ff"
	"policy add dir out from 10.0.0.0/8 to any proto tcp action discard"
	"policy add dir in from any6 to 2001:db8::/32 port 1-1024 proto udp action protect mode transport reqid 1 priority 7"
	"policy add dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 2001:db8::1 peer 2001:db8::2"
	"policy del id 3"
	"sa add spi 2 src 192.0.2.1 dst 192.0.2.2 owner 0xffffffffffffffff enc aes-gcm-128 key $K20"
	"policy add dir out from any to any action bypass owner 42"
	"policy add dir out from any to any action protect local 192.0.2.1 peer 192.0.2.2 match-ike"
	"sa add spi 3 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 encap udp 4500 4500 follow-peer"
	"sa update spi 3 dst 192.0.2.2 src 192.0.2.9"
	"sa update spi 3 dst 192.0.2.2 encap udp 4500 20001"
	"sa update spi 3 dst 2001:db8::2 src 2001:db8::9 encap udp 4500 4501"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from 10.2.0.0/16 to 10.1.0.0/16"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from 10.2.0.0/16 port 1024-65535 to 10.1.0.5 port 53 proto udp reqid 7"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 sel from 2001:db8:2::/48 to 2001:db8:1::/48 proto icmp6 enc aes-gcm-128 key $K20"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 mode transport enc aes-gcm-128 key $K20 sel from 192.0.2.1 to 192.0.2.2 proto tcp"
	"policy replace dir out from 10.1.0.0/16 to 10.2.0.0/16 action protect local 192.0.2.1 peer 192.0.2.2 reqid 2 priority 5"
	"policy replace dir in from any6 to 2001:db8::/32 proto udp port 53 action bypass"
	"show"
)
bad=(
	"sa add spi 0 src 192.0.2.1 dst 192.0.2.2|SPI 0 is reserved"
	"sa add spi 0x1g src 192.0.2.1 dst 192.0.2.2|SPI \"0x1g\" is not a number"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key 0x0102|key for aes-gcm-128 must be 20 bytes .* got 2"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key 0x012|odd number of hex digits"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key @$tmp/bad|not hex: unexpected 'z'"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key @$tmp/missing|cannot read key file"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key (hidden)|hidden in show output"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc des key 0x01|unknown enc \"des\""
	"sa add spi 1 src 192.0.2.1 dst 2001:db8::2 enc aes-gcm-128 key $K20|must both be IPv4 or both IPv6"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-cbc-128 key 0x$(printf '%032d' 1)|needs auth"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc null auth hmac-sha1 authkey 0x$(printf '%064d' 1)|authkey for hmac-sha1 must be 20 bytes, got 32"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 auth hmac-sha256 authkey 0x01|AEAD and takes no auth"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 replay-window 5000|replay-window 5000 is above 4096"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 encap udp 0 4500|encap source port 0 must be 1 to 65535"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 lifetime soon bytes 1|expected soft or hard"
	"sa add spi 1 dst 192.0.2.300|\"192.0.2.300\" is not an IPv4 or IPv6 address"
	"sa frob|unknown sa command \"frob\""
	"policy add dir sideways from any to any action bypass|dir \"sideways\": expected out or in"
	"policy add dir out from 10.0.0.1/8 to any action bypass|has host bits set"
	"policy add dir out from 10.0.0.0/33 to any action bypass|must be 0 to 32"
	"policy add dir out from 10.0.0.0/8 port 80 to any action bypass|ports need proto"
	"policy add dir out from any to any proto tcp port 90-80 action bypass|runs backwards"
	"policy add dir out from any to any proto tcp port 70000 action bypass|above 65535"
	"policy add dir out from any to any action bypass reqid 3|only for action protect"
	"policy add dir out from any to any action protect|tunnel mode needs local ADDR and peer ADDR"
	"policy add dir out from any to any action protect mode transport local 192.0.2.1 peer 192.0.2.2|transport mode has no tunnel endpoints"
	"policy add dir out from any to any6 action bypass|must both be IPv4 or both IPv6"
	"policy add dir out from any to any proto bogus action bypass|unknown protocol \"bogus\""
	"policy del id 2 dir out|either id N or a selector"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 owner ike1 enc aes-gcm-128 key $K20|owner \"ike1\" is not a number"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 owner 0x10000000000000000 enc aes-gcm-128 key $K20|owner \"0x10000000000000000\" is out of range: 0 to 18446744073709551615"
	"policy add dir out from any to any action bypass owner -1|owner \"-1\" is not a number"
	"policy del dir out from any to any owner 3|unexpected \"owner\""
	"policy add dir out from any to any action bypass match-ike|match-ike are only for action protect"
	"sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 follow-peer|follow-peer needs encap udp SPORT DPORT"
	"sa update spi 3 dst 192.0.2.2|nothing to update"
	"sa update spi 3 src 192.0.2.9|missing dst"
	"sa update spi 3 dst 192.0.2.2 src 2001:db8::9|must both be IPv4 or both IPv6"
	"sa update spi 3 dst 192.0.2.2 reqid 4|unexpected \"reqid\"; sa update changes only src and encap ports"
	"sa update spi 3 dst 192.0.2.2 encap udp 4500 0|encap destination port 0 must be 1 to 65535"
	"sa update spi 3 dst 192.0.2.2 follow-peer|unexpected \"follow-peer\""
	"policy replace dir out from any to any|missing action"
	"policy replace id 3 dir out from any to any action bypass|unexpected \"id\""
	"policy replace dir out from any to any action discard reqid 1|only for action protect"
	"frobnicate|unknown command \"frobnicate\""
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel|sel: missing from PREFIX"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from 10.2.0.0/16|sel: missing to PREFIX"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from 10.2.0.0/16 to any6|sel: from and to must both be IPv4 or both IPv6"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from any port 53 to any|sel: ports need proto"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from 10.2.0.1/16 to any|\"10.2.0.1/16\" has host bits set"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from any to any proto tcp port 9-8|runs backwards"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 sel from any to any sel from any to any|sel given twice"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 mode transport enc aes-gcm-128 key $K20 sel from any6 to any6|selector must be of its own family"
	"sa add spi 4 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key $K20 from any to any|unexpected \"from\""
	"sa update spi 3 dst 192.0.2.2 sel from any to any|unexpected \"sel\"; sa update changes only src and encap ports"
)
ktap_plan $((${#good[@]} + ${#bad[@]} + 5))
printf '%072d\n' 1 >"$tmp/k20x"
for c in "${good[@]}"; do
	# shellcheck disable=SC2086
	check "accepts: $c" $I -n $c
done
for case in "${bad[@]}"; do
	c=${case%%|*}
	# shellcheck disable=SC2086
	check_fails "refuses: $c" "^ipsecctl: .*${case#*|}" $I -n $c
done
printf 'show\n\n# a comment\nsa del spi 1 dst 192.0.2.1   # trailing comment\npolicy frob\n' >"$tmp/batch"
check_fails "a batch file error names file and line" "$tmp/batch:5: unknown policy command" $I -n -f "$tmp/batch"
printf 'policy replace dir out from any to any action bypass\npolicy replace dir in from any to any action bypass priority\n' >"$tmp/batch"
check_fails "policy replace in a batch file: its errors name file and line" \
	"$tmp/batch:2: .*priority" $I -n -f "$tmp/batch"
check "help lists policy replace" sh -c "$I --help | grep -q 'policy add|replace'"
check "help lists every command" sh -c "$I --help | grep -q 'spi alloc' && $I --help | grep -q monitor"
out=$($I -n sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key 0x0102 2>&1)
eq "an error never prints the key" 0 "$(grep -c 0102 <<<"$out")"
ktap_finish
