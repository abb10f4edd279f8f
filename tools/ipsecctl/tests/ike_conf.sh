#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE daemon's configuration (tools/ipsecctl/ike/conf.y) on the host:
# configurations written here into a scratch directory are loaded by
# ike/tests/test_conf, built with AddressSanitizer and UBSan, which prints
# the rules back in the grammar, or the errors. What it accepts, printed
# back in full and read back equal; for each class of error, the exact
# "file:line: what is wrong". KTAP.

source "$(dirname "$0")/../../../selftests/lib.sh"
ike=$TOP/tools/ipsecctl/ike
out=$TOP/build/ike-conf
mkdir -p "$out"

# A sanitizer's report exits 66, never 1, which is a refused configuration.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=66}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=66}
if ! build_log=$({
	bison -Wall -Werror -d -o "$out/conf.tab.c" "$ike/conf.y" &&
	${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes \
		-Wmissing-prototypes -D_GNU_SOURCE -fsanitize=address,undefined \
		-fno-sanitize-recover=all -g -O1 -I"$TOP/uapi" -I"$out" -I"$ike" \
		-o "$out/test_conf" "$ike/tests/test_conf.c" "$out/conf.tab.c" \
		"$ike/conf_words.c" "$ike/conf_print.c" "$TOP/tools/ipsecctl/parse.c" \
		"$TOP/tools/ipsecctl/keyfile.c" "$TOP/tools/ipsecctl/algs.c" -lcrypto
} 2>&1); then
	diag "$build_log"
	ktap_bail "test_conf builds without warnings"
fi
T=$out/test_conf

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tmp=$(cd "$tmp" && pwd -P)
cd "$tmp" || exit 1

printf 'correct horse battery staple\n' >site-b.psk
printf '0x61 62 63\n' >hex.psk
printf 'no secret\n' >open.psk
chmod 600 site-b.psk hex.psk
chmod 644 open.psk
K=$tmp/site-b.psk
IKE_DEF="ikesa enc aes-gcm-256 aes-gcm-128 prf hmac-sha256 hmac-sha384 group curve25519 ecp256 modp3072 modp2048"
CHILD_DEF="childsa enc aes-gcm-256 aes-gcm-128"
TAIL="ikelifetime 8h lifetime 1h dpd 30s"
R="from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk"

# prints DESC FILE EXPECTED: FILE loads, and its rules print as EXPECTED
prints() {
	local got rc
	got=$("$T" "$2" 2>&1)
	rc=$?
	[ $rc = 0 ] || diag "exit $rc"
	eq "$1" "$3" "$got"
}

# round_trip DESC FILE: printed, read back: equal rules, the same text
round_trip() {
	check "$1" "$T" -r "$2"
}

# refuses DESC FILE MESSAGE...: FILE is refused (exit 1) with each MESSAGE
# as a line of its own, and with nothing else
refuses() {
	local desc=$1 f=$2 got rc want
	shift 2
	got=$("$T" "$f" 2>&1)
	rc=$?
	want=$(printf 'ipsecctl: %s\n' "$@")
	if [ $rc != 1 ]; then
		diag "exit $rc: $got"
		ktap_fail "$desc"
	else
		eq "$desc" "$want" "$got"
	fi
}

# warns DESC FILE MESSAGE...: FILE loads, and says each MESSAGE (a
# warning) on stderr as a line of its own, and nothing else
warns() {
	local desc=$1 f=$2 got rc want
	shift 2
	got=$("$T" "$f" 2>&1 >/dev/null)
	rc=$?
	want=$(printf 'ipsecctl: %s\n' "$@")
	if [ $rc != 0 ]; then
		diag "exit $rc: $got"
		ktap_fail "$desc"
	else
		eq "$desc" "$want" "$got"
	fi
}

ktap_plan $(( $(id -u) == 0 ? 72 : 71 ))

# --- accepted ---

cat >example.conf <<'EOF'
ikev2 "site-b" esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 198.51.100.2 \
      ikesa enc aes-gcm-256 prf hmac-sha256 group curve25519 \
      childsa enc aes-gcm-256 \
      srcid gw-a.example dstid gw-b.example psk @site-b.psk \
      ikelifetime 8h lifetime 1h
EOF
prints "the issue's example, printed back on one line" example.conf \
	"ikev2 \"site-b\" esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 198.51.100.2 ikesa enc aes-gcm-256 prf hmac-sha256 group curve25519 childsa enc aes-gcm-256 srcid gw-a.example dstid gw-b.example psk @$K $TAIL"
round_trip "the issue's example read back from its print: equal" example.conf

echo "ikev2 \"min\" $R" >min.conf
prints "defaults: every list and value spelled out" min.conf \
	"ikev2 \"min\" esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 local any peer 192.0.2.2 $IKE_DEF $CHILD_DEF psk @$K $TAIL"
got=$("$T" -d min.conf | grep -E '^(mode|start|ikesa|childsa|srcid|dstid|ike_lifetime|lifetime|lifetime_bytes|dpd) ' | tr '\n' ';')
eq "defaults: the IANA numbers, lifetimes, dpd, tunnel, on-traffic" \
	"mode 0;start 0;ikesa encr 20:256 20:128 integ prf 5 6 dh 31 19 15 14;childsa encr 20:256 20:128 integ prf dh;srcid type 0 len 0 data ;dstid type 0 len 0 data ;ike_lifetime 28800;lifetime 3600;lifetime_bytes 0;dpd 30;" "$got"
round_trip "defaults read back: equal" min.conf

cat >transport.conf <<'EOF'
ikev2 "t4" esp transport local 192.0.2.1 peer 192.0.2.2 psk @site-b.psk proto udp
ikev2 "t6" active esp transport local 2001:db8::1 peer 2001:db8::2 psk @site-b.psk
EOF
prints "transport mode: from and to default to local and peer, /32 and /128" transport.conf \
	"ikev2 \"t4\" esp transport from 192.0.2.1/32 to 192.0.2.2/32 proto udp local 192.0.2.1 peer 192.0.2.2 $IKE_DEF $CHILD_DEF psk @$K $TAIL
ikev2 \"t6\" active esp transport from 2001:db8::1/128 to 2001:db8::2/128 local 2001:db8::1 peer 2001:db8::2 $IKE_DEF $CHILD_DEF psk @$K $TAIL"

cat >sels.conf <<'EOF'
ikev2 "multi" passive from { 10.1.0.0/24 10.5.0.0/24 192.168.7.1 } port 1024-65535 to { 10.2.0.0/16 } port 443 proto tcp peer any psk @site-b.psk
EOF
prints "several selectors in braces, ports and proto" sels.conf \
	"ikev2 \"multi\" passive esp tunnel from { 10.1.0.0/24 10.5.0.0/24 192.168.7.1/32 } port 1024-65535 to 10.2.0.0/16 port 443 proto tcp local any peer any $IKE_DEF $CHILD_DEF psk @$K $TAIL"
round_trip "several selectors read back: equal" sels.conf

cat >any.conf <<EOF
ikev2 "v6" from any to 2001:db8::/32 peer 192.0.2.2 psk @site-b.psk
ikev2 "both" from { 10.1.0.0/24 2001:db8:1::/48 } to any peer 192.0.2.2 psk @site-b.psk
EOF
got=$("$T" -d any.conf | grep -E '^(from|to) ' | tr '\n' ';')
eq "any takes the other side's family, or both" \
	"from ::/0 proto 0 ports 0-65535;to 2001:db8::/32 proto 0 ports 0-65535;from 10.1.0.0/24 proto 0 ports 0-65535 2001:db8:1::/48 proto 0 ports 0-65535;to 0.0.0.0/0 proto 0 ports 0-65535 ::/0 proto 0 ports 0-65535;" "$got"

# shellcheck disable=SC1003 # the backslashes are the file's
printf '%s\n' \
	'# a comment, then a blank line' '' \
	'ikev2 "site-b" esp tunnel \' \
	'    from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 198.51.100.2 \   ' \
	'	ikesa enc aes-gcm-256 prf hmac-sha256 group curve25519 childsa enc aes-gcm-256 \' \
	'	srcid gw-a.example dstid gw-b.example psk @site-b.psk ikelifetime 8h lifetime 1h	# the end' \
	'   # indented comment' >cont.conf
eq "continuation lines (blanks after the \\ too) and comments: the same rule" \
	"$("$T" example.conf)" "$("$T" cont.conf 2>&1)"

cat >macro.conf <<'EOF'
gw = "198.51.100.2"
nets = "{ 10.1.0.0/24 10.5.0.0/24 }"
strong = "aes-gcm-256 chacha20-poly1305"
name = "$not-expanded"
ikev2 "m" from $nets to 10.2.0.0/24 peer $gw childsa enc $strong psk @site-b.psk dstid $name
EOF
prints "macros: expanded as words; a value's \$ is a plain character" macro.conf \
	"ikev2 \"m\" esp tunnel from { 10.1.0.0/24 10.5.0.0/24 } to 10.2.0.0/24 local any peer 198.51.100.2 $IKE_DEF childsa enc aes-gcm-256 chacha20-poly1305 dstid \"\$not-expanded\" psk @$K $TAIL"

mkdir -p sub
echo "ikev2 \"one\" $R" >top.conf
echo 'include "sub/mid.conf"' >>top.conf
echo "ikev2 \"three\" from 10.3.0.0/24 to 10.4.0.0/24 peer 192.0.2.2 psk @site-b.psk" >>top.conf
printf 'include "last.conf"\n' >sub/mid.conf
printf 'ikev2 "two" from 10.5.0.0/24 to 10.6.0.0/24 peer 192.0.2.3 psk @../site-b.psk' >sub/last.conf
got=$("$T" top.conf 2>&1 | cut -d' ' -f2 | tr '\n' ' ')
eq "include: relative to the including file, rules in file order, a last line without its newline" \
	'"one" "two" "three" ' "$got"

echo "ikev2 \"key\" $R" >key.conf
check "psk: the file's text less its newline" "$T" -k "correct horse battery staple" key.conf
echo "ikev2 \"hex\" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @hex.psk" >hexkey.conf
check "psk: 0x and hex digits" "$T" -k abc hexkey.conf

cat >ids.conf <<'EOF'
ikev2 "ids" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk srcid 192.0.2.1 dstid "ops@gw-b.example"
ikev2 "ids6" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk srcid 2001:db8::1 dstid gw-b.example
EOF
got=$("$T" -d ids.conf | grep -E '^(srcid|dstid) ' | tr '\n' ';')
eq "srcid and dstid: IPv4, RFC 822, IPv6 and FQDN IDs" \
	"srcid type 1 len 4 data c0000201;dstid type 3 len 16 data 6f70734067772d622e6578616d706c65;srcid type 5 len 16 data 20010db8000000000000000000000001;dstid type 2 len 12 data 67772d622e6578616d706c65;" "$got"
round_trip "IDs read back: equal" ids.conf

cat >misc.conf <<'EOF'
ikev2 "cbc" active from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk \
	ikesa enc aes-cbc-256 auth hmac-sha512 hmac-sha384 prf hmac-sha512 group ecp384 modp4096 \
	childsa enc aes-cbc-128 auth hmac-sha256 group modp3072 \
	ikelifetime 1d lifetime 90m 10G dpd off
ikev2 "short" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk lifetime 100 1500K dpd 45
EOF
prints "cbc with auth, PFS, lifetimes with bytes, dpd off" misc.conf \
	"ikev2 \"cbc\" active esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 local any peer 192.0.2.2 ikesa enc aes-cbc-256 auth hmac-sha512 hmac-sha384 prf hmac-sha512 group ecp384 modp4096 childsa enc aes-cbc-128 auth hmac-sha256 group modp3072 psk @$K ikelifetime 1d lifetime 90m 10G dpd off
ikev2 \"short\" esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 local any peer 192.0.2.2 $IKE_DEF $CHILD_DEF psk @$K ikelifetime 8h lifetime 100s 1500K dpd 45s"
round_trip "cbc, PFS and lifetimes read back: equal" misc.conf
echo 'ikev2 "k2" psk @site-b.psk dpd 0 peer 192.0.2.2 to 10.2.0.0/24' >order.conf
refuses "keywords in any order; to before from is a syntax error" order.conf \
	'order.conf:1: "to" belongs after the selectors of from'
printf '\n# nothing\n' >empty.conf
prints "a file without rules loads" empty.conf ""

# --- ikev1 ---

cat >v1.conf <<'EOF'
ikev1 "branch" esp tunnel from 10.1.0.0/24 to 10.3.0.0/24 local 192.0.2.1 peer 203.0.113.7 \
      main enc aes-cbc-256 auth hmac-sha256 group modp2048 \
      quick enc aes-cbc-256 auth hmac-sha256 group modp2048 \
      psk @site-b.psk lifetime 1h
ikev1 "road" esp tunnel from 10.1.0.0/24 to 10.4.0.0/24 local 192.0.2.1 peer 198.51.100.9 \
      aggressive enc aes-cbc-256 auth hmac-sha256 group modp2048 \
      quick enc aes-gcm-256 group modp2048 \
      srcid gw-a.example dstid road.example psk @site-b.psk
EOF
eq "ikev1: the examples, main and aggressive mode, printed back on one line" \
	"ikev1 \"branch\" esp tunnel from 10.1.0.0/24 to 10.3.0.0/24 local 192.0.2.1 peer 203.0.113.7 main enc aes-cbc-256 auth hmac-sha256 group modp2048 quick enc aes-cbc-256 auth hmac-sha256 group modp2048 psk @$K $TAIL
ikev1 \"road\" esp tunnel from 10.1.0.0/24 to 10.4.0.0/24 local 192.0.2.1 peer 198.51.100.9 aggressive enc aes-cbc-256 auth hmac-sha256 group modp2048 quick enc aes-gcm-256 group modp2048 srcid gw-a.example dstid road.example psk @$K $TAIL" \
	"$("$T" v1.conf 2>/dev/null)"
round_trip "ikev1: the examples read back from their print: equal" v1.conf
warns "ikev1: aggressive mode with a psk warns once, at its keyword's line" v1.conf \
	'v1.conf:6: warning: rule "road": aggressive mode with a pre-shared key exposes a hash an eavesdropper can attack offline to find the key; prefer main mode, or a long random key'

cat >v1min.conf <<'EOF'
ikev1 "min" from 10.1.0.0/24 to 10.3.0.0/24 peer 203.0.113.8 main psk @site-b.psk
ikev1 "nopfs" passive from 10.1.0.0/24 to 10.3.0.0/24 peer any aggressive group ecp256 quick enc aes-gcm-128 group none psk @site-b.psk lifetime 30m 1G
EOF
eq "ikev1 defaults: main's, quick's, PFS in phase 1's group; group none" \
	"ikev1 \"min\" esp tunnel from 10.1.0.0/24 to 10.3.0.0/24 local any peer 203.0.113.8 main enc aes-cbc-256 auth hmac-sha256 group modp2048 quick enc aes-gcm-256 aes-cbc-256 auth hmac-sha256 group modp2048 psk @$K $TAIL
ikev1 \"nopfs\" passive esp tunnel from 10.1.0.0/24 to 10.3.0.0/24 local any peer any aggressive enc aes-cbc-256 auth hmac-sha256 group ecp256 quick enc aes-gcm-128 group none psk @$K ikelifetime 8h lifetime 30m 1G dpd 30s" \
	"$("$T" v1min.conf 2>/dev/null)"
got=$("$T" -d v1min.conf 2>/dev/null | grep -E '^(version|aggressive|ikesa|childsa) ' | tr '\n' ';')
eq "ikev1 defaults: the IANA numbers (the hash as its PRF)" \
	"version 1;aggressive 0;ikesa encr 12:256 integ prf 5 dh 14;childsa encr 20:256 12:256 integ 12 prf dh 14;version 1;aggressive 1;ikesa encr 12:256 integ prf 5 dh 19;childsa encr 20:128 integ prf dh;" "$got"
round_trip "ikev1 defaults read back: equal" v1min.conf

echo "ikev1 \"old\" $R main enc aes-cbc-256 aes-cbc-128 auth hmac-sha1 group modp1024 quick enc aes-cbc-128 auth hmac-sha1 hmac-sha256" >v1weak.conf
warns "ikev1: aes-cbc-128, hmac-sha1 and modp1024 each warn where named" v1weak.conf \
	'v1weak.conf:1: warning: rule "old": main enc aes-cbc-128 is weak; accepted for old IKEv1 peers only' \
	'v1weak.conf:1: warning: rule "old": main auth hmac-sha1 is weak; accepted for old IKEv1 peers only' \
	'v1weak.conf:1: warning: rule "old": main group modp1024 is weak; accepted for old IKEv1 peers only' \
	'v1weak.conf:1: warning: rule "old": quick enc aes-cbc-128 is weak; accepted for old IKEv1 peers only' \
	'v1weak.conf:1: warning: rule "old": quick auth hmac-sha1 is weak; accepted for old IKEv1 peers only'
eq "ikev1: weak algorithms printed back, PFS in modp1024" \
	"ikev1 \"old\" esp tunnel from 10.1.0.0/24 to 10.2.0.0/24 local any peer 192.0.2.2 main enc aes-cbc-256 aes-cbc-128 auth hmac-sha1 group modp1024 quick enc aes-cbc-128 auth hmac-sha1 hmac-sha256 group modp1024 psk @$K $TAIL" \
	"$("$T" v1weak.conf 2>/dev/null)"

# v1refuses DESC RULE MESSAGE: RULE, alone on line 1, is refused with MESSAGE
v1refuses() {
	echo "$2" >e-v1.conf
	refuses "$1" e-v1.conf "e-v1.conf:1: $3"
}
v1refuses "ikev1: ikesa refused" "ikev1 \"a\" $R main ikesa enc aes-cbc-256" \
	'"ikesa" belongs in ikev2 rules; an ikev1 rule has main or aggressive, and quick'
v1refuses "ikev1: childsa refused" "ikev1 \"a\" $R main childsa enc aes-gcm-256" \
	'"childsa" belongs in ikev2 rules; an ikev1 rule has main or aggressive, and quick'
v1refuses "ikev1: prf refused" "ikev1 \"a\" $R main prf hmac-sha256" \
	"\"prf\": an ikev1 rule has no prf; phase 1's auth is its hash, which is its PRF too"
v1refuses "ikev2: main refused" "ikev2 \"a\" $R main" \
	'"main" belongs in ikev1 rules; an ikev2 rule has ikesa and childsa'
v1refuses "ikev2: quick refused" "ikev2 \"a\" $R quick enc aes-gcm-256" \
	'"quick" belongs in ikev1 rules; an ikev2 rule has ikesa and childsa'
v1refuses "ikev1: main and aggressive both" "ikev1 \"a\" $R main aggressive" \
	'"main" and "aggressive" both given; phase 1 is one mode or the other'
v1refuses "ikev1: no phase 1 mode" "ikev1 \"a\" $R" \
	'rule "a": no main or aggressive; an ikev1 rule names its phase 1 mode'
v1refuses "ikev1: aggressive mode with two groups" "ikev1 \"a\" $R aggressive group modp2048 modp3072" \
	'rule "a": aggressive mode takes exactly one group (its KE goes in the first message), not 2'
v1refuses "ikev1: peer any with main mode and a psk" \
	"ikev1 \"a\" passive from 10.1.0.0/24 to 10.2.0.0/24 peer any psk @site-b.psk main" \
	"peer any with main mode and a psk: main mode chooses the key by the peer's address, before any ID is seen; give peer ADDR, or use aggressive mode"
v1refuses "ikev1: one from and one to selector" \
	"ikev1 \"a\" from { 10.1.0.0/24 10.5.0.0/24 } to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk main" \
	'rule "a": an ikev1 rule takes one from and one to selector (IKEv1 negotiates one pair per quick mode); write one rule per pair'
printf '%s\n' "ikev1 \"m1\" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk main" \
	"ikev1 \"m2\" from 10.1.1.0/24 to 10.2.1.0/24 peer 192.0.2.2 psk @site-b.psk main" >e-v1m.conf
refuses "ikev1: two main mode rules for one peer" e-v1m.conf \
	'e-v1m.conf:2: rule "m2": rule "m1" (e-v1m.conf:1) is main mode with the same peer; a main mode responder tells rules apart only by address: one main mode rule per peer and local address (or aggressive mode, with srcid and dstid)'
v1refuses "ikev1: phase 1 is AES-CBC only" "ikev1 \"a\" $R main enc aes-gcm-256" \
	'"aes-gcm-256": main mode enc is aes-cbc-256 or aes-cbc-128'
v1refuses "ikev1: quick mode is AES-CBC or AES-GCM, 128 or 256" "ikev1 \"a\" $R main quick enc aes-cbc-192" \
	'"aes-cbc-192": quick mode enc is aes-gcm-256, aes-gcm-128, aes-cbc-256 or aes-cbc-128'
v1refuses "ikev1: quick auth with only AES-GCM" "ikev1 \"a\" $R main quick enc aes-gcm-256 auth hmac-sha256" \
	'rule "a": quick auth hmac-sha256 given, but enc lists only aes-gcm, which needs none'
v1refuses "ikev1: quick group none and a group" "ikev1 \"a\" $R main quick group none modp2048" \
	'rule "a": quick group none and modp2048: no PFS, or PFS groups, not both'
v1refuses "ikev2: hmac-sha1 and modp1024 are ikev1's only" "ikev2 \"a\" $R childsa enc aes-cbc-256 auth hmac-sha1" \
	'unknown auth algorithm "hmac-sha1"; expected hmac-sha256, hmac-sha384 or hmac-sha512'

# --- refused: each class of error, with its file and line ---

echo "ikev2 \"a\" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk \"hunter2\"" >e-psk1.conf
refuses "psk written in the configuration, quoted" e-psk1.conf \
	'e-psk1.conf:1: psk: a key written in the configuration is refused: keys belong in a file only root can read, and configurations get pasted into tickets; write psk @FILE'
printf 'ikev2 "a" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2\\\n psk hunter2 more words\n' >e-psk2.conf
refuses "psk written in the configuration, bare, more words after it" e-psk2.conf \
	'e-psk2.conf:2: psk: a key written in the configuration is refused: keys belong in a file only root can read, and configurations get pasted into tickets; write psk @FILE' \
	'e-psk2.conf:2: unexpected word after the psk'
eq "an error never prints the key" 0 "$("$T" e-psk2.conf 2>&1 | grep -c -e hunter2 -e more -e words)"
echo "ikev2 \"a\" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @open.psk" >e-open.conf
refuses "psk file readable by others" e-open.conf \
	'e-open.conf:1: open.psk: readable by others (mode 0644); chmod 600 it'
chmod 620 open.psk
refuses "psk file writable by others" e-open.conf \
	'e-open.conf:1: open.psk: writable by others (mode 0620); chmod 600 it'
if [ "$(id -u)" = 0 ]; then
	chmod 600 open.psk
	chown 65534 open.psk
	refuses "psk file owned by someone else" e-open.conf \
		'e-open.conf:1: open.psk: owned by uid 65534, neither root nor the user reading it (uid 0); chown it'
fi
echo "ikev2 \"a\" from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 psk @nothere.psk" >e-nofile.conf
refuses "psk file missing" e-nofile.conf \
	'e-nofile.conf:1: cannot read psk file "nothere.psk": No such file or directory'
printf '# algorithms\n\nikev2 "a" %s ikesa enc aes-gcm-256 prf hmac-md5\n' "$R" >e-alg.conf
refuses "unknown algorithm" e-alg.conf \
	'e-alg.conf:3: unknown prf algorithm "hmac-md5"; expected hmac-sha256, hmac-sha384 or hmac-sha512'
echo "ikev2 \"a\" $R childsa enc aes-cbc-256 group modp2048" >e-cbc.conf
refuses "cbc without auth names the rule" e-cbc.conf \
	'e-cbc.conf:1: rule "a": childsa enc aes-cbc-256 needs auth hmac-sha256, hmac-sha384 or hmac-sha512'
echo "ikev2 \"a\" $R childsa enc aes-gcm-128 aes-cbc-128 auth hmac-sha256" >e-mix.conf
refuses "AEADs and CBC in one block" e-mix.conf \
	'e-mix.conf:1: rule "a": childsa enc lists aes-gcm-128, an AEAD, and aes-cbc-128, which is not: one kind in a block'
echo "ikev2 \"a\" $R ikesa auth hmac-sha256" >e-aead.conf
refuses "auth with only AEADs names the rule" e-aead.conf \
	'e-aead.conf:1: rule "a": ikesa auth hmac-sha256 given, but enc lists only AEADs (aes-gcm, chacha20-poly1305), which need none'
echo "ikev2 \"a\" $R rekey 5m" >e-kw.conf
refuses "unknown keyword" e-kw.conf 'e-kw.conf:1: "rekey": unknown keyword'
printf 'ikev2 "a" %s \\\n  peer 192.0.2.3\n' "$R" >e-twice.conf
refuses "repeated keyword" e-twice.conf 'e-twice.conf:2: "peer" given twice'
printf 'ikev2 "a" %s\n\nikev2 "a" %s\n' "$R" "$R" >e-dup.conf
refuses "duplicate name, both lines" e-dup.conf 'e-dup.conf:3: rule "a" is already defined at e-dup.conf:1'
echo 'ikev2 "a" from 10.1.0.1/24 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk' >e-prefix.conf
refuses "prefix with host bits" e-prefix.conf \
	'e-prefix.conf:1: "10.1.0.1/24" has host bits set; did you mean a network address?'
echo 'ikev2 "a" from 10.1.0.0/24 to { 10.2.0.0/24 10.3.0.0/33 } peer 192.0.2.2 psk @site-b.psk' >e-plen.conf
refuses "prefix length out of range" e-plen.conf \
	'e-plen.conf:1: prefix length in "10.3.0.0/33" must be 0 to 32'
echo "ikev2 \"a\" $R lifetime 1y" >e-dur.conf
refuses "bad duration" e-dur.conf \
	'e-dur.conf:1: lifetime "1y" is not a duration: a number with s, m, h or d'
echo 'ikev2 "a" from 10.1.0.0/24 to 10.2.0.0/24 peer any psk @site-b.psk' >e-any.conf
refuses "peer any without passive" e-any.conf \
	'e-any.conf:1: peer any needs passive: only a responder can wait for a peer it does not know'
echo "ikev2 \"a\" $R childsa prf hmac-sha256" >e-prf.conf
refuses "childsa has no prf" e-prf.conf \
	"e-prf.conf:1: \"prf\": childsa has no prf; a child SA's keys come from the IKE SA's"
# shellcheck disable=SC2016 # $gw is the configuration's
echo 'ikev2 "a" from 10.1.0.0/24 to 10.2.0.0/24 psk @site-b.psk local $gw' >e-macro.conf
# shellcheck disable=SC2016
refuses "undefined macro, and a rule without peer" e-macro.conf \
	'e-macro.conf:1: macro "$gw" is not defined'
echo 'ikev2 "a" from 10.1.0.0/24 to 10.2.0.0/24 psk @site-b.psk' >e-nopeer.conf
refuses "no peer" e-nopeer.conf \
	'e-nopeer.conf:1: rule "a": no peer; give peer ADDR, or peer any with passive'
echo "ikev2 \"a\" from 10.1.0.0/24 port 80 to 10.2.0.0/24 peer 192.0.2.2 psk @site-b.psk" >e-port.conf
refuses "port without tcp, udp or sctp" e-port.conf \
	'e-port.conf:1: port needs proto tcp, udp or sctp, not any'
echo "ikev2 \"a\" $R dpd" >e-value.conf
refuses "a keyword without its value" e-value.conf 'e-value.conf:1: "dpd" needs a value'
mkdir -p loop
echo 'include "b.conf"' >loop/a.conf
printf '# b\ninclude "a.conf"\n' >loop/b.conf
refuses "include loop" loop/a.conf \
	'loop/b.conf:2: include "loop/a.conf": an include loop (loop/a.conf is being read already)'
printf '\ninclude "none.conf"\n' >e-inc.conf
refuses "include of a missing file" e-inc.conf \
	'e-inc.conf:2: include "none.conf": No such file or directory'
mkfifo fifo
echo 'include "fifo"' >e-fifo.conf
refuses "include of a FIFO: refused, not waited on" e-fifo.conf \
	'e-fifo.conf:1: include "fifo": not a regular file'
cat >e-many.conf <<EOF
ikev2 "ok" $R
ikev2 "b" $R ikelifetime 0
ikev2 "c" $R childsa enc aes-gcm-512

ikev2 "d" $R esp tunnel esp transport
EOF
refuses "every error of a file, and nothing loaded" e-many.conf \
	'e-many.conf:2: ikelifetime "0" must be at least 1s' \
	'e-many.conf:3: unknown enc algorithm "aes-gcm-512"; expected aes-gcm-128, aes-gcm-192, aes-gcm-256, chacha20-poly1305, aes-cbc-128, aes-cbc-192 or aes-cbc-256' \
	'e-many.conf:5: "esp" given twice'
refuses "a file that is not there" nothere.conf 'cannot open "nothere.conf": No such file or directory'

# shellcheck disable=SC2154 # lib.sh's counters
echo "# $((ktap_n - ktap_failed)) passed, $ktap_failed failed"
ktap_finish
