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
chmod 700 "$tmp"
umask 077

# says DESC WANT CMD...: CMD exits 1 and its stderr is exactly WANT
says() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$out" = "$want" ]; then
		ktap_ok "$desc"
	else
		diag "$ $*"
		diag "exit $rc; expected: $want"
		diag "got:      $out"
		ktap_fail "$desc"
	fi
}
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
# Refused, with exactly this message on stderr ("ipsecctl: " before it).
S="src 192.0.2.1 dst 192.0.2.2"
SA="sa add spi 1 $S enc aes-gcm-128 key $K20"
# the same, key not last: the word after a key's value is never shown
SAK="sa add spi 1 $S key $K20 enc aes-gcm-128"
P="policy add dir out"
exact=(
	# a keyword given twice
	"sa add spi 1 spi 2 $S|spi given twice"
	"$SA key $K20|key given twice"
	"$SA esn esn|esn given twice"
	"$SA lifetime soft bytes 1 lifetime soft bytes 2|lifetime soft bytes given twice"
	"$SA lifetime hard seconds 1 lifetime soft seconds 1 lifetime hard seconds 1h|lifetime hard seconds given twice"
	"$SA sel from any to any proto tcp proto udp|proto given twice"
	"$SA sel sel from any to any|sel given twice"
	"$P from 10.1.0.0/16 from 10.3.0.0/16 to any action bypass|from given twice"
	"$P from any to any to any action bypass|to given twice"
	"$P from any port 1 port 2 to any proto tcp action bypass|port given twice for from"
	"$P from any port 1 to any port 2 proto tcp port 3 action bypass|port given twice for to"
	"$P dir in from any to any action bypass|dir given twice"
	"policy del id 1 id 2|id given twice"
	"spi alloc dst 192.0.2.1 dst 192.0.2.1|dst given twice"
	"sa update spi 1 dst 192.0.2.2 encap udp 1 2 encap udp 3 4|encap given twice"
	# what was expected instead, and a close misspelling
	"$SAK ensp|unexpected \"ensp\" (did you mean \"esn\" or \"encap\"?); expected one of: mode, reqid, owner, auth, authkey, esn, replay-window, encap, follow-peer, lifetime, driver, sel"
	"sa add spi 1 ensp|unexpected \"ensp\" (did you mean \"enc\" or \"esn\" or \"encap\"?); expected one of: src, dst, mode, reqid, owner, enc, key, auth, authkey, esn, replay-window, encap, follow-peer, lifetime, driver, sel"
	"$SAK rqid 1|unexpected \"rqid\" (did you mean \"reqid\"?); expected one of: mode, reqid, owner, auth, authkey, esn, replay-window, encap, follow-peer, lifetime, driver, sel"
	"$P from any to any action bypass frob|unexpected \"frob\"; expected one of: port, proto, mode, local, peer, reqid, priority, match-ike, owner"
	"$P from any to any action bypass prority 1|unexpected \"prority\" (did you mean \"priority\"?); expected one of: port, proto, mode, local, peer, reqid, priority, match-ike, owner"
	"sa del spi 1 dst 192.0.2.2 src 192.0.2.1|unexpected \"src\"; this takes only spi and dst"
	"sa update spi 1 dst 192.0.2.2 rqid 1|unexpected \"rqid\"; sa update changes only src and encap ports"
	"spi alloc dst 192.0.2.1 src 192.0.2.2 range 1-2 x|unexpected \"x\"; spi alloc takes nothing more"
	"$SA from any to any|unexpected \"from\"; a selector follows sel: sel from PREFIX to PREFIX"
	"$P port 80 from any to any action bypass|port must follow from PREFIX or to PREFIX"
	# numbers: decimal or 0x, in the field's range
	"sa add spi -1 $S|SPI \"-1\" is not a number: decimal, or hex after 0x"
	"sa add spi  $S|SPI \"src\" is not a number: decimal, or hex after 0x"
	"sa add spi 0x $S|SPI \"0x\" is not a number: decimal, or hex after 0x"
	"sa add spi +5 $S|SPI \"+5\" is not a number: decimal, or hex after 0x"
	"sa add spi 1e3 $S|SPI \"1e3\" is not a number: decimal, or hex after 0x"
	"sa add spi 0x100000000 $S|SPI \"0x100000000\" is out of range: 0 to 4294967295"
	"$SA reqid 4294967296|reqid \"4294967296\" is out of range: 0 to 4294967295"
	"$SA owner 18446744073709551616|owner \"18446744073709551616\" is out of range: 0 to 18446744073709551615"
	"$P from any port 010-9 to any proto tcp action bypass|port range \"010-9\" runs backwards"
	"$P from any port 0x10-15 to any proto tcp action bypass|port range \"0x10-15\" runs backwards"
	"spi alloc dst 192.0.2.1 range 010-9|SPI range \"010-9\" runs backwards"
	"$P from 10.0.0.0/+8 to any action bypass|prefix length in \"10.0.0.0/+8\" must be 0 to 32"
	# protocols
	"$P from any to any proto 256 action bypass|protocol \"256\" is out of range: 0 to 255"
	"$P from any to any proto bogus action bypass|unknown protocol \"bogus\"; use a number or one of: tcp, udp, icmp, icmp6, sctp, udplite, gre, esp, ah, ..."
	# lifetimes with units
	"$SA lifetime soft packets 1x|lifetime soft packets \"1x\" is not a number, or one with K, M, G or T (powers of 1024)"
	"$SA lifetime hard bytes 1k|lifetime hard bytes \"1k\" is not a number, or one with K, M, G or T (powers of 1024)"
	"$SA lifetime soft seconds 1.5h|lifetime soft seconds \"1.5h\" is not a number of seconds, or one with s, m, h or d"
	"$SA lifetime soft seconds h|lifetime soft seconds \"h\" is not a number of seconds, or one with s, m, h or d"
	"$SA lifetime soft bytes 0x10K|lifetime soft bytes \"0x10K\" is not a number: decimal, or hex after 0x"
	"$SA lifetime soft seconds 1w|lifetime soft seconds \"1w\" is not a number of seconds, or one with s, m, h or d"
	"$SA lifetime hard bytes 16777216T|lifetime hard bytes \"16777216T\" is out of range: at most 16777215T"
	"$SA lifetime hard seconds 18446744073709551616|lifetime hard seconds \"18446744073709551616\" is out of range: 0 to 18446744073709551615"
	# every algorithm in the hints
	"sa add spi 1 $S|missing enc; one of: aes-gcm-128, aes-gcm-192, aes-gcm-256, chacha20-poly1305, aes-cbc-128, aes-cbc-192, aes-cbc-256, null"
	"sa add spi 1 $S enc des|unknown enc \"des\"; one of: aes-gcm-128, aes-gcm-192, aes-gcm-256, chacha20-poly1305, aes-cbc-128, aes-cbc-192, aes-cbc-256, null"
	"sa add spi 1 $S enc null auth md5|unknown auth \"md5\"; one of: hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1"
	"sa add spi 1 $S enc null|null needs auth, one of: hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1"
	"$SA enc x|enc given twice"
	# the word after a key's value may be the rest of the key: not shown,
	# nor a word of 16 hex digits or more anywhere
	"$SA 05060708090a0b0c|unexpected word after key (not shown: it may be key material); expected one of: mode, reqid, owner, auth, authkey, esn, replay-window, encap, follow-peer, lifetime, driver, sel"
	"$SA frm any|unexpected word after key (not shown: it may be key material); expected one of: mode, reqid, owner, auth, authkey, esn, replay-window, encap, follow-peer, lifetime, driver, sel"
	"sa add spi 1 $S 0x0102030405060708 enc aes-gcm-128|unexpected word (not shown: it may be key material); expected one of: mode, reqid, owner, enc, key, auth, authkey, esn, replay-window, encap, follow-peer, lifetime, driver, sel"
	"$SA from any to any|unexpected \"from\"; a selector follows sel: sel from PREFIX to PREFIX"
	# an inline key's error says no place but the command's
	"sa add spi 1 $S enc aes-gcm-128 key 0xzz|key is not hex: unexpected 'z'"
)
# Accepted: numbers, protocol names, units, a keyword that may repeat.
good2=(
	"$P from any port 08 to any port 010 proto tcp action bypass priority 010"
	"$P from any port 0x10-16 to any proto 0x11 action bypass"
	"$SA lifetime soft bytes 1 lifetime hard bytes 2 lifetime soft packets 3 lifetime hard packets 4 lifetime soft seconds 5 lifetime hard seconds 6"
	"$SA lifetime soft seconds 1h lifetime hard seconds 2d lifetime soft bytes 10G lifetime hard bytes 1T lifetime soft packets 2K lifetime hard packets 1M"
	"$SA lifetime soft seconds 90s lifetime hard seconds 30m lifetime hard bytes 0x10"
	"$SA lifetime hard bytes 16777215T"
	"$P from any to any proto 59 action bypass"
	"$P from 10.0.0.0/08 to any action bypass"
	"$P from any to any proto ipv6-icmp action bypass"
	"sa add spi 09 $S enc aes-gcm-128 key $K20"
)
# A name only /etc/protocols knows, if it does (netbase).
grep -q '^ipv6-route[[:space:]]' /etc/protocols 2>/dev/null &&
	good2+=("$P from any to any proto ipv6-route action bypass")
protos=$($I --complete policy add proto)
nprotos=$(wc -w <<<"$protos")
ktap_plan $((${#good[@]} + ${#bad[@]} + ${#exact[@]} + ${#good2[@]} + nprotos + 61))
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
# nor the rest of a key split in two words (by a continuation, a blank),
# nor a word that looks like a key: exit 1, said, and not shown.
K2=05060708090a0b0c0d0e0f1011121314
hides() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	eq "$desc" "1 1 0" "$rc $(grep -c 'not shown: it may be key material' <<<"$out") $(grep -c 0506 <<<"$out")"
}
printf 'show\nsa add spi 1 %s enc aes-gcm-128 key 0x01020304\\\n%s\n' "$S" "$K2" >"$tmp/split"
hides "an error never prints a key split across lines (key 0x0102\\ then the rest)" "$I" -n -f "$tmp/split"
printf 'sa add spi 1 %s enc aes-gcm-128 \\\n key 01020304 \\\n  %s esn\n' "$S" "$K2" >"$tmp/split"
hides "an error never prints a key split across lines, each indented" "$I" -n -f "$tmp/split"
hides "an error never prints a key split in two words on one line" \
	"$I" -n sa add spi 1 $S enc aes-gcm-128 key 01020304 "$K2"
hides "an error never prints an authkey split in two words" \
	"$I" -n sa add spi 1 $S enc aes-cbc-128 key 0x$(printf '%032d' 1) auth hmac-sha1 authkey 0x01020304 "$K2"
hides "an error never prints a word that looks like a key, 0x or not" \
	"$I" -n sa add spi 1 $S "$K2" enc aes-gcm-128 key 0x$K2
check_fails "a file that cannot be read (a directory) is refused, not taken as empty" \
	"^ipsecctl: cannot read \"$tmp\": Is a directory\$" "$I" -n -f "$tmp"
check_fails "sync of a file that cannot be read is refused" \
	"^ipsecctl: cannot read \"$tmp\": Is a directory\$" "$I" -n sync "$tmp"
for case in "${exact[@]}"; do
	c=${case%%|*}
	# shellcheck disable=SC2086
	says "says: $c" "ipsecctl: ${case#*|}" $I -n $c
done
for c in "${good2[@]}"; do
	# shellcheck disable=SC2086
	check "accepts: $c" $I -n $c
done
# Every name of the protocol table parses (what show prints is one of them),
# with /etc/protocols or without it.
for p in $protos; do
	check "proto $p parses" $I -n $P from any to any proto "$p" action bypass
done
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	# shellcheck disable=SC2016
	check "without /etc/protocols, every name of the table still parses" \
		unshare -m sh -c 'mount --bind /dev/null /etc/protocols || exit 1
			I=$1; shift
			for p; do
				"$I" -n policy add dir out from any to any proto "$p" action bypass || exit 1
			done' sh "$I" $protos
else
	ktap_ok "without /etc/protocols, every name of the table still parses # SKIP not root"
fi

# --- Files: continuation, quoting, comments (ipsecctl.8, FILES) ---
# The README's example, as a file: its commands without "ipsecctl ".
mkdir "$tmp/key dir"
printf '%s\n' "$K20" >"$tmp/a-to-b.key"
printf '%s\n' "$K20" >"$tmp/b-to-a.key"
printf '%s\n' "$K20" >"$tmp/key dir/k#1"
# readme_conf GATEWAY: that gateway's nfesp.conf as the README gives it
readme_conf() {
	sed -n "/^# \/etc\/nfesp\/nfesp.conf on gateway $1/,/^\`\`\`/p" "$(dirname "$0")/../../../README.md" |
		grep -v '^```' | sed -e "s|/etc/nfesp/|$tmp/|g"
}
readme_conf A >"$tmp/readme"
readme_conf B >"$tmp/readme-b"
eq "the README's example has a comment and 4 commands on 8 lines" "9 4" \
	"$(wc -l <"$tmp/readme") $(grep -c '\\$' "$tmp/readme")"
check "the README's example, with its backslashes, read from a file" $I -n -f "$tmp/readme"
check "gateway B's file in the README reads too, each protect policy with its SA pair" $I -n -f "$tmp/readme-b"
# joined FILE: its commands, one a line
joined() { sed -e :a -e '/\\$/N; s/\\\n */ /; ta' "$1" | grep -v '^#'; }
eq "gateway B's SAs are gateway A's (the same SPIs and keys), and its policies A's mirrored" \
	"$(joined "$tmp/readme" | grep '^sa ' | sort)
$(joined "$tmp/readme" | grep '^policy ' |
	sed -E 's/from ([^ ]*) to ([^ ]*)/from \2 to \1/; s/local ([^ ]*) peer ([^ ]*)/local \2 peer \1/' | sort)" \
	"$(joined "$tmp/readme-b" | grep '^sa ' | sort)
$(joined "$tmp/readme-b" | grep '^policy ' | sort)"
check "and from stdin" sh -c "$I -n -f - <'$tmp/readme'"
cat >"$tmp/quotes" <<EOF
sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key "@$tmp/key dir/k#1"
sa add spi 2 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key '@$tmp/key dir/k#1' # a comment
sa add spi 3 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key @$tmp/key\ dir/k#1
sa add "spi" 4 src 192.0.2.1 dst 192.0.2.2 \\
	enc aes-gcm-128 key "@$tmp/key dir/"'k#1' # a comment
  # a comment line, then one continued on a line of blanks:
sa del spi 1 dst 192.0.2.2 \\
    
show \\
EOF
check "quotes, a backslash before a blank, # inside a word, continuation" $I -n -f "$tmp/quotes"
printf 'show\nsa add spi 1 \\\n  src 192.0.2.1 \\\n  dst 192.0.2.2 enc aes-gcm-128 key 0x12 \\\n  esn\n' >"$tmp/cont"
says "an error in a continued command names its first line" \
	"ipsecctl: $tmp/cont:2: key for aes-gcm-128 must be 20 bytes (key and 4-byte salt), got 1" \
	$I -n -f "$tmp/cont"
printf 'show\nsa add spi 1 src 192.0.2.1 dst 192.0.2.2 \\\n# a comment line ends a command, as in sh\n enc aes-gcm-128 key %s\n' "$K20" >"$tmp/comment"
says "a comment line ends a continued command" \
	"ipsecctl: $tmp/comment:2: missing enc; one of: aes-gcm-128, aes-gcm-192, aes-gcm-256, chacha20-poly1305, aes-cbc-128, aes-cbc-192, aes-cbc-256, null" \
	$I -n -f "$tmp/comment"
printf 'show\nsa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key 0xzz\n' >"$tmp/inline"
says "a bad inline key in a file names the file and line, not the command line" \
	"ipsecctl: $tmp/inline:2: key is not hex: unexpected 'z'" $I -n -f "$tmp/inline"
printf 'show\nsa add spi 1 src 192.0.2.1 dst 192.0.2.2 \\\n enc aes-gcm-128 key "@%s\nshow\n' "$tmp/a-to-b.key" >"$tmp/unterm"
says "an unterminated double quote" "ipsecctl: $tmp/unterm:3: unterminated \" quote" \
	$I -n -f "$tmp/unterm"
printf "sa del spi 1 dst '192.0.2.2\n" >"$tmp/unterm"
says "an unterminated single quote" "ipsecctl: $tmp/unterm:1: unterminated ' quote" \
	$I -n -f "$tmp/unterm"
printf 'show\nsa del spi 1 dst 192.0.2.2 src\0\n' >"$tmp/nul"
says "a NUL byte" "ipsecctl: $tmp/nul:2: a NUL byte in the line" $I -n -f "$tmp/nul"
printf 'sa del spi 1 dst "192.0.2.2 "\n' >"$tmp/q"
says "a quoted blank stays in the word" \
	"ipsecctl: $tmp/q:1: \"192.0.2.2 \" is not an IPv4 or IPv6 address" $I -n -f "$tmp/q"
printf 'sa del spi 1 dst "a\\"b\\\\c"\n' >"$tmp/q"
says "\\\" and \\\\ inside double quotes" \
	"ipsecctl: $tmp/q:1: \"a\"b\\c\" is not an IPv4 or IPv6 address" $I -n -f "$tmp/q"
printf "sa del spi 1 dst 'a\\\\b'\n" >"$tmp/q"
says "nothing is special inside single quotes" \
	"ipsecctl: $tmp/q:1: \"a\\b\" is not an IPv4 or IPv6 address" $I -n -f "$tmp/q"
printf 'sa del spi 1 dst ""\n' >"$tmp/q"
says "an empty quoted word is a word" \
	"ipsecctl: $tmp/q:1: \"\" is not an IPv4 or IPv6 address" $I -n -f "$tmp/q"

# --- Key files others can read: a warning, as ssh gives ---
chmod 644 "$tmp/a-to-b.key"
out=$($I -n sa add spi 1 $S enc aes-gcm-128 key @"$tmp/a-to-b.key" 2>&1 >/dev/null)
rc=$?
eq "a key file others can read works, with a warning" \
	"0 ipsecctl: warning: key file $tmp/a-to-b.key is readable by others (mode 0644); chmod 600 it" \
	"$rc $out"
chmod 640 "$tmp/a-to-b.key"
out=$(printf 'sa add spi 1 src 192.0.2.1 dst 192.0.2.2 enc aes-gcm-128 key @%s\n' "$tmp/a-to-b.key" |
	$I -n -f - 2>&1 >/dev/null)
eq "by the group too; in a file, the warning names file and line" \
	"ipsecctl: -:1: warning: key file $tmp/a-to-b.key is readable by others (mode 0640); chmod 600 it" \
	"$out"
chmod 600 "$tmp/a-to-b.key"
out=$($I -n sa add spi 1 $S enc aes-gcm-128 key @"$tmp/a-to-b.key" 2>&1)
eq "a key file only its owner reads: no warning" "" "$out"

# An inline key is wiped from the arguments once parsed: ps no longer shows
# it. The authkey, read from a FIFO, holds the run while we look.
mkfifo "$tmp/fifo"
$I -n sa add spi 1 $S enc aes-cbc-128 key 0x$(printf '%032d' 7) auth hmac-sha1 authkey @"$tmp/fifo" &
pid=$!
wait_for 5 grep -q fifo "/proc/$pid/cmdline"
check "an inline key is wiped from /proc/PID/cmdline once parsed" \
	wait_for 5 sh -c "tr '\\0' ' ' </proc/$pid/cmdline | grep -q 'key  *auth hmac-sha1 authkey'"
printf '%040d\n' 1 >"$tmp/fifo"
wait "$pid"
eq "and the command goes on" 0 "$?"

says "a connection name that is not UTF-8 is refused before the daemon is asked" \
	"ipsecctl: \"$(printf '\377')\" is not a name of the configuration (not valid UTF-8)" $I up "$(printf '\377')"

# --- Completion: ipsecctl --complete, from the parser's tables ---
words() { "$I" --complete "$@" | tr '\n' ' ' | sed 's/ $//'; }
eq "complete: the commands" "sa spi policy show tunnels stats monitor daemon status up down rekey reload sync" \
	"$(words)"
eq "complete: -N's name is no command; the commands after it, and sa's verbs" \
	"sa spi policy show tunnels stats monitor daemon status up down rekey reload sync|add update del get show flush" \
	"$(words -j -N blue | tr '\n' ' ' | sed 's/ $//')|$(words --netns blue sa)"
eq "complete: sync takes a file, no word of ours" "" "$(words sync)"
eq "complete: sa's verbs" "add update del get show flush" "$(words sa)"
eq "complete: after sa add, its keywords" \
	"spi src dst mode reqid owner enc key auth authkey esn replay-window encap follow-peer lifetime driver sel" \
	"$(words sa add)"
eq "complete: spi is not offered again after sa add spi 1" \
	"src dst mode reqid owner enc key auth authkey esn replay-window encap follow-peer lifetime driver sel" \
	"$(words -n sa add spi 1)"
eq "complete: the selector's words after sel, port after from" \
	"src dst mode reqid owner enc key auth authkey esn replay-window encap follow-peer lifetime driver to port proto" \
	"$(words sa add spi 1 sel from any)"
eq "complete: enc offers every algorithm" \
	"aes-gcm-128 aes-gcm-192 aes-gcm-256 chacha20-poly1305 aes-cbc-128 aes-cbc-192 aes-cbc-256 null" \
	"$(words sa add enc)"
eq "complete: lifetime's words, lifetime again after one" \
	"soft hard|bytes packets seconds||lifetime" \
	"$(words sa add lifetime)|$(words sa add lifetime soft)|$(words sa add lifetime soft bytes)|$(words sa add lifetime soft bytes 1 | grep -o lifetime)"
eq "complete: a value to type offers nothing" "" "$(words sa add spi)"
eq "complete: policy add dir" "out in" "$(words policy add dir)"
eq "complete: port once per side" "dir to action mode local peer reqid priority match-ike owner" \
	"$(words policy add from any port 1 proto tcp | tr ' ' '\n' | grep -vx from | tr '\n' ' ' | sed 's/ $//')"
eq "complete: nothing after -f, nothing after a word that is not a keyword" "|" \
	"$(words -f x)|$(words sa add bogus)"
# bash with the completion script loaded, as on a terminal
comp() {
	# shellcheck disable=SC2016
	PATH=$(dirname "$I"):$PATH bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_ipsecctl; echo "${COMPREPLY[*]}"' bash "$(dirname "$0")/../../completion/ipsecctl" "$@"
}
eq "bash: ipsecctl sa add spi 1 s<TAB>" "src sel" "$(comp ipsecctl sa add spi 1 s)"
eq "bash: ipsecctl -n po<TAB>" "policy" "$(comp ipsecctl -n po)"
eq "bash: ipsecctl policy add dir out from any to any action <TAB>" "protect bypass discard" \
	"$(comp ipsecctl policy add dir out from any to any action '')"
eq "bash: key @FILE completes file names" "@$tmp/a-to-b.key" \
	"$(comp ipsecctl sa add key "@$tmp/a-to")"
eq "bash: sync FILE completes file names" "$tmp/a-to-b.key" \
	"$(comp ipsecctl -n sync "$tmp/a-to")"

# An interactive bash on a terminal, COMP_WORDBREAKS as it is (with @ and :,
# or without @ once bash-completion is loaded): LINE typed, then TAB twice;
# the words of the line readline made, each in <>. Only this shows what
# readline does with the replies (an @ or a : splits bash's words).
mkdir "$tmp/comp dir"
: >"$tmp/comp dir/k1.key"
tty_complete() {
	HISTFILE=/dev/null INPUTRC=/dev/null PATH=$(dirname "$I"):$PATH python3 - "$1" "$2" \
		"$(dirname "$0")/../../completion/ipsecctl" <<'PY'
import os, pty, select, sys, time
bc, line, script = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "$ "
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
def until(mark, t=20):
    out = b""
    end = time.time() + t
    while time.time() < end and mark not in out:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
    return out
setup = ". /usr/share/bash-completion/bash_completion; " if bc == "1" else ""
os.write(fd, (setup + ". '%s'; echo READY''1\n" % script).encode())
until(b"READY1")
until(b"$ ")
# Typed ahead, the keys wait while a completion runs.
os.write(fd, line.encode() + b"\t")
time.sleep(0.5)
os.write(fd, b"\t")
time.sleep(0.5)
os.write(fd, b"\x01printf '<%s>' \x05; echo DONE''1\n")
out = until(b"DONE1").decode(errors="replace")
os.kill(pid, 9)
os.waitpid(pid, 0)
for l in out.replace("\r", "\n").splitlines():
    if l.startswith("<") and l.endswith("DONE1"):
        print(l[:-5])
PY
}
for bc in 0 1; do
	with=without
	[ $bc = 1 ] && with=with
	if ! command -v python3 >/dev/null; then
		for _ in 1 2 3 4; do ktap_ok "bash $with bash-completion # SKIP no python3"; done
		continue
	fi
	if [ $bc = 1 ] && [ ! -f /usr/share/bash-completion/bash_completion ]; then
		for _ in 1 2 3 4; do ktap_ok "bash with bash-completion # SKIP not installed (tools/deps.sh)"; done
		continue
	fi
	eq "bash $with bash-completion: key @FILE<TAB><TAB>: a directory with a space, then its file" \
		"<ipsecctl><sa><add><key><@$tmp/comp dir/k1.key>" \
		"$(tty_complete $bc "ipsecctl sa add key @$tmp/comp\\ d")"
	eq "bash $with bash-completion: a keyword after an IPv6 address" \
		"<ipsecctl><sa><add><spi><1><dst><2001:db8::1><replay-window>" \
		"$(tty_complete $bc "ipsecctl sa add spi 1 dst 2001:db8::1 rep")"
	eq "bash $with bash-completion: a choice after two IPv6 addresses" \
		"<ipsecctl><policy><add><local><2001:db8::1><peer><2001:db8::2><action><protect>" \
		"$(tty_complete $bc "ipsecctl policy add local 2001:db8::1 peer 2001:db8::2 action pro")"
	eq "bash $with bash-completion: sync and its file" \
		"<ipsecctl><-n><sync><$tmp/comp dir/k1.key>" \
		"$(tty_complete $bc "ipsecctl -n syn"$'\t'"$tmp/comp\\ d")"
done
ktap_finish
