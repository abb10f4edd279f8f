#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# IKEv1 (main, aggressive and quick mode, PSK): ipsecctl's daemon
# (ipsecctl daemon -f FILE with ikev1 rules, SAs in nfesp) against
# strongSwan 5.9.8 (charon-systemd, version = 1) and Libreswan 4.10 (pluto,
# ikev2=no), both with their SAs in XFRM, in the namespaces of netlib.sh
# (a: 10.1.0.1 behind 192.0.2.1, b: 10.2.0.1 behind 192.0.2.2; the rules
# protect 10.1.0.0/24 <-> 10.2.0.0/24) or, through a masquerading NAT,
# those of ikelib.sh's nat_up. Libreswan conflicts with strongSwan in apt:
# tools/deps.sh keeps its .deb in the cache, and ikelib.sh's ls_install
# unpacks it into the VM's throwaway overlay.
#
# Positive controls, strongSwan against Libreswan, which run whatever state
# the daemon is in: they prove the harness (both peers in namespaces, their
# status, tshark's decryption of ISAKMP with charon's Ka and of ESP with
# XFRM's keys) on this kernel. peers aggr is core (16 s under TCG, and it
# pays the Libreswan unpacking and tshark's first start for the cases
# after it); peers main (22 s) runs at NFESP_SCALE=long, or at any scale
# when named (ikev1.sh peers).
#   peers main     strongSwan in a initiates main mode, Libreswan answers
#   peers aggr     Libreswan in b initiates aggressive mode, strongSwan
#                  answers (i_dont_care_about_security_and_use_aggressive_mode_psk)
#
# ipsecctl's daemon in a (or i behind the NAT) against PEER (sw, ls) in b:
#   basic ROLE EXCH PEER  init: the first ping from a starts IKE and is answered; resp: the peer initiates. SPIs and
#                         algorithms agree, ping and a TCP transfer both
#                         ways, tshark verifies ESP (the negotiated SPIs)
#                         and decrypts ISAKMP with the keys of
#                         --export-keys, SIGTERM deletes the peer's SAs
#   rekey BY              quick mode rekeys (local: lifetime 30s; peer:
#                         swanctl --rekey) twice under ping -i 0.2: no loss,
#                         and the replaced SAs go
#   delete BY             ipsecctl down / swanctl --terminate: the other
#                         side's SAs go within seconds
#   dpd                   the peer vanishes: the daemon's SAs go
#   nat                   ipsecctl behind a masquerading NAT: UDP 4500, ESP
#                         in UDP
#   n2n EXCH              ipsecctl against ipsecctl
#   wrong_psk ROLE        no SA, a clear log line, the daemon still answers
#   mismatch              no SA; the log shows both proposal lists
#   pfs_none              quick mode without KE (group none), still up
# EXCH: main or aggr.
#
# While `ipsecctl daemon -n -f` refuses an ikev1 rule, each ipsecctl case
# is one failure, saying so (the daemon's IKEv1 is not there yet).
#
# NFESP_SCALE small and normal run the core cases (make check), long all
# of them (make check-long).
#
# Usage: ikev1.sh [PATTERN]   only the cases whose line matches PATTERN
#   (NFESP_SCALE=long tools/vm/run -k KVER -- selftests/ikev1.sh 'rekey|dpd')
#
# IPSECCTL=$PWD/selftests/ike_fake.sh runs the daemon's cases against a
# stand-in made of strongSwan (SAs in XFRM), to tell a harness bug from a
# daemon bug.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netlib.sh"
source "$(dirname "$0")/ikelib.sh"

[ "$(id -u)" = 0 ] || ktap_bail "must run as root, in a VM"
for tool in ip ping tcpdump tshark jq nft iperf3 dpkg-deb certutil "$CHARON" "$SWANCTL"; do
	command -v "$tool" >/dev/null || ktap_bail "$tool is not installed (tools/deps.sh)"
done

workdir "ikev1/$KREL"
WORK=$W
case_dead=

cleanup() {
	case_end
	W=$WORK
}
# Sockets (charon.vici, pluto.ctl) are not copied to build/ over 9p.
trap 'cleanup; find "$WORK" -type s -delete 2>/dev/null; workdir_save' EXIT
modprobe -q aesni_intel || diag "no aesni_intel: AES runs on the generic driver"

#     core group case
CASES="
0 peer  peers main
1 peer  peers aggr
1 ikd   basic init main sw
1 ikd   basic resp main sw
1 ikd   basic init aggr sw
1 ikd   basic resp main ls
1 ikd   basic init main ls
1 ikd   n2n main
0 ikd   basic resp aggr sw
0 ikd   basic init aggr ls
0 ikd   basic resp aggr ls
0 ikd   rekey local
0 ikd   rekey peer
0 ikd   delete local
0 ikd   delete peer
0 ikd   dpd
0 ikd   nat
0 ikd   n2n aggr
0 ikd   wrong_psk init
0 ikd   wrong_psk resp
0 ikd   mismatch
0 ikd   pfs_none
"

# results CASE: how many KTAP lines the case prints
results() {
	case $1 in
	peers) echo 7 ;;
	basic) echo 9 ;;
	rekey) echo 5 ;;
	delete) echo 4 ;;
	dpd) echo 2 ;;
	nat) echo 4 ;;
	n2n) echo 4 ;;
	wrong_psk) echo 4 ;;
	mismatch) echo 3 ;;
	pfs_none) echo 4 ;;
	esac
}

# Every case is tunnel mode over IPv4: C_A, C_OA, ... (netlib.sh) are set
# once, for the whole run.
case_set tunnel 4 4 aes-gcm-128 - 0 0
# The selectors of every rule: /24s inside netlib.sh's routed /16s.
SEL_A=10.1.0.0/24 SEL_B=10.2.0.0/24
PSK=0x00112233445566778899aabbccddeeff
# strongSwan's and Libreswan's names of the default suite, which is
# ikd_rule1's: AES-CBC-128, HMAC-SHA2-256, MODP2048 (PFS in quick mode too).
SW_V1=(version=1 ike=aes128-sha256-modp2048 esp=aes128-sha256-modp2048)
LS_V1=("ike=aes128-sha2_256;modp2048" "esp=aes128-sha2_256;modp2048")
# Aggressive mode sends the IDs in clear: FQDNs, as deployments do.
ID_A=a.example ID_B=b.example

# --- the gate: does the daemon take ikev1 rules? --------------------------
gate=
ikd_psk "$WORK/gate.psk" "$PSK"
ikd_rule1 local=192.0.2.1 peer=192.0.2.2 from=$SEL_A to=$SEL_B \
	psk="$WORK/gate.psk" >"$WORK/gate.conf"
if ! out=$("$IPSECCTL" daemon -n -f "$WORK/gate.conf" 2>&1); then
	gate="the daemon refuses an ikev1 rule (IKEv1 not there yet?): $(head -n1 <<<"$out")"
fi

# --- per case -----------------------------------------------------------------

# step DESCRIPTION CMD...: check, in this shell (CMD may start daemons and
# set variables); CMD's output is shown if it fails. After a failed must,
# the case's other steps fail at once, unrun.
step() {
	local desc=$1 f=$W/step.out
	shift
	if [ -n "$case_dead" ]; then
		ktap_fail "$desc (not run: $case_dead)"
	elif "$@" >"$f" 2>&1; then
		ktap_ok "$desc"
	else
		diag "$ $*"
		diag "$(tail -n 60 "$f")"
		ktap_fail "$desc"
		return 1
	fi
}

# must DESCRIPTION CMD...: a step that the rest of the case needs
must() {
	step "$@" || case_dead="\"${1#*: }\" failed"
}

case_begin() {
	W=$WORK/$1
	mkdir -p "$W"
	cfg_log='' cfg_failed=0 case_dead=
}

case_end() {
	local k

	ike_capture_stop
	for k in "${!ikd_pid[@]}"; do ikd_stop "$k"; done
	for k in "${!sw_pid[@]}"; do sw_stop "$k"; done
	for k in "${!ls_pid[@]}"; do ls_stop "$k"; done
	net_down
	nat_down
	sw_ns=() ikd_nsof=() ls_ns=()
}

# topo: netlib.sh's namespaces, tunnel mode
topo() {
	case_set tunnel 4 4 aes-gcm-128 - 0 0
	net_up
	[ "$cfg_failed" = 0 ] || { echo "$cfg_log"; return 1; }
}

# sw_side NAME NS WORDS...: a charon in NS (keys in its log) loaded with
# one IKEv1 connection
sw_side() {
	local name=$1 ns=$2
	shift 2
	sw_start "$name" "$ns" 4 && sw_conf "$name" "${SW_V1[@]}" "$@" && sw_load "$name"
}

# peer_b PEER EXCH START WORDS...: strongSwan (sw) or Libreswan (ls) in b,
# the peer of a, main or aggressive (aggr) mode; START: none (answer),
# start (initiate now), trap (on traffic). For aggressive mode the IDs
# are FQDNs.
peer_b() {
	local peer=$1 exch=$2 start=$3 aggr=no lid=$C_OB rid=$C_OA auto=add
	shift 3
	[ "$exch" = aggr ] && aggr=yes lid=$ID_B rid=$ID_A
	if [ "$peer" = sw ]; then
		sw_side b $NS_B local=$C_OB remote=$C_OA lid=$lid rid=$rid lts=$SEL_B rts=$SEL_A \
			aggressive=$aggr start=$start "$@"
	else
		[ "$exch" = aggr ] && lid=@$ID_B rid=@$ID_A
		case $start in start) auto=start ;; trap) auto=route ;; esac
		ls_start b $NS_B && ls_conf b local=$C_OB remote=$C_OA lid=$lid rid=$rid \
			lsubnet=$SEL_B rsubnet=$SEL_A aggressive=$aggr auto=$auto "${LS_V1[@]}" "$@" &&
			ls_load b
	fi
}

# ikd_a EXCH WORDS...: the daemon in a, the peer of b, with one rule "c"
ikd_a() {
	local exch=$1 ids=()
	shift
	[ "$exch" = aggr ] && ids=(exchange=aggressive srcid=$ID_A dstid=$ID_B)
	ikd_psk "$W/a.psk" "${IKD_PSK:-$PSK}"
	ikd_rule1 local=$C_OA peer=$C_OB from=$SEL_A to=$SEL_B psk="$W/a.psk" "${ids[@]}" "$@" \
		>"$W/a.conf"
	ikd_start a $NS_A "$W/a.conf"
}

# peer_up PEER SECS: the peer in b has its IKE SA and an IPsec SA
peer_up() {
	if [ "$1" = sw ]; then sw_wait_up b c "$2"; else ls_wait_up b c "$2"; fi
}

# peer_spis PEER: "SPI_IN SPI_OUT" of the peer in b
peer_spis() {
	if [ "$1" = sw ]; then sw_child_spis b c; else ls_child_spis b c; fi
}

# peer_initiate PEER: the peer in b initiates (blocking)
peer_initiate() {
	if [ "$1" = sw ]; then sw b --initiate --child net --timeout 30; else ls_up b 30; fi
}

# peer_count_ike PEER: how many IKE SAs the peer in b has
peer_count_ike() {
	if [ "$1" = sw ]; then sw_count_ike b; else ls_count_ike b; fi
}

# spis_agree PEER: the daemon's child SA is the peer's, reversed, and nfesp
# and XFRM hold just those two SAs.
spis_agree() {
	local a b p_in p_out
	a=$(ikd_child_spis $NS_A c)
	read -r p_in p_out < <(peer_spis "$1")
	echo "ipsecctl: $a; $1: in $p_in out $p_out"
	[ -n "$p_in" ] && [ "$a" = "$p_out $p_in" ] || return 1
	b=$(printf '%s\n' $a | sort)
	[ "$(nfesp_spis $NS_A)" = "$b" ] || { echo "nfesp: $(nfesp_spis $NS_A)"; return 1; }
	[ "$(xfrm_spis $NS_B)" = "$b" ] || { echo "XFRM: $(xfrm_spis $NS_B)"; return 1; }
}

# algs_agree PEER: both sides have AES-CBC-128 and MODP2048 for phase 1
algs_agree() {
	local raw e g
	e=$(ikd_get $NS_A c .ike_sa.encr) g=$(ikd_get $NS_A c .ike_sa.group)
	echo "ipsecctl: $e $g"
	[ "$e" = aes-cbc-128 ] && [ "$g" = modp2048 ] || return 1
	if [ "$1" = sw ]; then
		raw=$(sw_raw b c)
		raw=${raw%%child-sas*}
		echo "strongSwan: $raw"
		[ "$(sw_field "$raw" encr-alg)" = AES_CBC ] &&
			[ "$(sw_field "$raw" encr-keysize)" = 128 ] &&
			[ "$(sw_field "$raw" dh-group)" = MODP_2048 ]
	else
		ls_algs b
	fi
}

# ls_algs NAME: pluto logged its ISAKMP SA with AES_CBC_128 and MODP2048
ls_algs() {
	local l
	l=$(grep -E 'ISAKMP SA established|IKE SA established' "$(ls_dir "$1")/pluto.log" | tail -n1)
	echo "Libreswan: $l"
	grep -q 'AES_CBC_128' <<<"$l" && grep -q 'MODP2048' <<<"$l"
}

pings_ok() { ping_ok a && ping_ok b; }

# traffic_ok: pings both ways and a 1 MB TCP transfer from a to b
traffic_ok() { pings_ok && iperf_ok; }

# first_pings: one ping from a, which starts IKE and must be answered: the
# module holds it until the SAs are in, and the daemon's outbound SA waits
# a second after quick mode's third message, which strongSwan and Libreswan
# as responders need before they install their inbound SA. (ike_fake.sh,
# strongSwan against strongSwan, loses this one: XFRM drops it while the
# SA is larval.)
first_pings() {
	timeout 25 ip netns exec $NS_A ping -c 1 -W 20 -I $C_A $C_B
}

not_established() { [ "$(ikd_state "$1" "$2")" != established ]; }

# esp_ok PCAP SPIS OPTS...: with the keys of OPTS tshark verifies every
# ESP ICV of the capture and finds echo requests from a to b and replies
# inside (esp_decrypts), and the ESP packets use exactly the SPIs SPIS
# (0x%08x words), every one of them. One tshark run.
esp_ok() {
	local f=$1 spis=$2 out bad got want
	shift 2
	out=$(ike_tshark_esp "$f" "$@")
	bad=$(awk '$1 != 1' <<<"$out")
	if [ -z "$out" ] || [ -n "$bad" ]; then
		echo "ESP packets whose ICV tshark did not verify (icv_good spi src dst type):"
		echo "${bad:-(no ESP packets)}"
		cat "$f.err"
		return 1
	fi
	if ! grep -q " $C_A $C_B 8\$" <<<"$out" || ! grep -q " $C_B $C_A 0\$" <<<"$out"; then
		echo "no echo request $C_A -> $C_B and reply inside; tshark saw:"
		head -n 20 <<<"$out"
		return 1
	fi
	got=$(awk '{ print $2 }' <<<"$out" | hex8 | sort -u)
	want=$(printf '%s\n' $spis | sort -u)
	echo "ESP SPIs on the wire: $(echo $got); negotiated: $(echo $want)"
	[ "$got" = "$want" ]
}

# --- strongSwan against Libreswan (the harness's positive controls) --------

peers() {
	local exch=$1 n="peers $1" pcap=$W/cap.pcap aggr=no lid=$C_OA rid=$C_OB NFESP_NS=none
	local spis uat
	[ "$exch" = aggr ] && aggr=yes lid=$ID_A rid=$ID_B
	must "$n: charon in a and pluto in b start and load their connection" eval '
		topo && ike_capture_start $NS_B vethB $pcap &&
		sw_side a $NS_A local=$C_OA remote=$C_OB lid=$lid rid=$rid lts=$SEL_A rts=$SEL_B \
			aggressive=$aggr &&
		peer_b ls $exch none'
	if [ "$exch" = main ]; then
		must "$n: swanctl --initiate (main mode) brings the child up" \
			sw a --initiate --child net --timeout 30
	else
		must "$n: whack --initiate (aggressive mode) brings the child up" ls_up b 30
	fi
	must "$n: strongSwan ESTABLISHED and INSTALLED, Libreswan's IKE and IPsec SA established" \
		eval 'sw_wait_up a c 20 && ls_wait_up b c 20 && ls_algs b'
	spis=$(sw_child_spis a c)
	step "$n: the SPIs agree, and XFRM holds them on both sides" eval '
		read -r ai ao <<<"$spis"; read -r bi bo < <(ls_child_spis b c)
		echo "strongSwan: in $ai out $ao; Libreswan: in $bi out $bo"
		[ -n "$ai" ] && [ "$ai" = "$bo" ] && [ "$ao" = "$bi" ] &&
		[ "$(xfrm_spis $NS_A)" = "$(printf "%s\n" $ai $ao | sort)" ] &&
		[ "$(xfrm_spis $NS_B)" = "$(printf "%s\n" $ai $ao | sort)" ]'
	step "$n: ping both ways" pings_ok
	ike_capture_stop
	mapfile -t opts < <(ike_tshark_esp_opts $NS_A)
	step "$n: tshark verifies every ESP ICV with XFRM's keys and finds the pings" \
		esp_ok "$pcap" "$spis" "${opts[@]}"
	uat=$(sw_ikev1_uat a c 2>&1)
	step "$n: tshark decrypts ISAKMP with charon's Ka, quick mode has the SPIs" \
		ike1_decrypts "$pcap" "$spis" -o "uat:ikev1_decryption_table:$uat"
}

# --- ipsecctl against strongSwan and Libreswan ----------------------------

basic() {
	local role=$1 exch=$2 peer=$3 n="ipsecctl $1 $2 $3" pcap=$W/cap.pcap
	local ikds=passive spis
	[ "$role" = init ] && ikds=-
	must "$n: $peer in b and the daemon in a start" eval '
		topo && ike_capture_start $NS_B vethB $pcap && peer_b $peer $exch none &&
		ikd_a $exch start=$ikds'
	if [ "$role" = init ]; then
		must "$n: the first ping from a starts IKE and is answered" first_pings
	else
		must "$n: $peer initiates" peer_initiate $peer
	fi
	must "$n: ipsecctl says established, $peer has its IKE and IPsec SA" eval '
		ikd_wait $NS_A c established 30 && peer_up $peer 30'
	step "$n: SPIs agree; nfesp and XFRM hold the child SA" spis_agree $peer
	spis=$(ikd_child_spis $NS_A c)
	step "$n: both sides negotiated aes-cbc-128 and modp2048" algs_agree $peer
	step "$n: pings both ways, a 1 MB TCP transfer" traffic_ok
	ike_capture_stop
	mapfile -t opts < <(ike_tshark_file_opts "$(ikd_dir a)/keys")
	step "$n: tshark verifies every ESP ICV with the exported keys, on the negotiated SPIs" \
		esp_ok "$pcap" "$spis" "${opts[@]}"
	step "$n: tshark decrypts ISAKMP with the exported ikev1_decryption_table" \
		ike1_decrypts "$pcap" "$spis" "${opts[@]}"
	# Libreswan, when it initiated, revives the connection at once when the
	# daemon's Delete comes ("must remain up per local policy"): a daemon
	# that is stopping must not answer that, or must delete what it made.
	step "$n: SIGTERM to the daemon deletes the SAs on both sides" eval '
		ikd_stop a && wait_no_sas 15 $NS_A $NS_B && wait_eq 15 0 peer_count_ike $peer'
}

# up_active PEER EXCH WORDS...: the daemon in a (rule words WORDS)
# initiates at start against PEER in b
up_active() {
	local peer=$1 exch=$2
	shift 2
	topo && peer_b $peer $exch none "${PEER_EXTRA[@]}" && ikd_a $exch start=active "$@" &&
		ikd_wait $NS_A c established 30 && peer_up $peer 30
}

# flood SECONDS: ping -i 0.2 from a to b in the background, into $W/flood
flood() {
	timeout $(($1 + 20)) ip netns exec $NS_A ping -c $(($1 * 5)) -i 0.2 -W 5 -I $C_A $C_B \
		>"$W/flood" 2>&1 &
	flood_pid=$!
}

flood_lossless() {
	[ -n "${flood_pid:-}" ] || return 1
	wait "$flood_pid"
	tail -n 3 "$W/flood"
	grep -q ' 0% packet loss' "$W/flood"
}

# rekeyed OLD: the daemon's child SPIs differ from OLD and are strongSwan's
# newest child's, reversed
rekeyed() {
	local a p_in p_out
	a=$(ikd_child_spis $NS_A c)
	read -r p_in p_out < <(sw_child_spis b c)
	[ -n "$p_in" ] && [ "$a" != "$1" ] && [ "$a" = "$p_out $p_in" ]
}

# rekey BY: two quick mode rekeys under ping -i 0.2. local: the daemon's
# lifetime is 30s; peer: swanctl --rekey, and strongSwan deletes the
# replaced SAs at once (delete_rekeyed, ikelib.sh), which the daemon must
# follow.
rekey() {
	local by=$1 n="ipsecctl quick mode rekey, by $1" s0 s1='' s2='' secs=70 i prev
	PEER_EXTRA=()
	if [ "$by" = local ]; then
		must "$n: the daemon in a (lifetime 30s) initiates at start; both up" \
			up_active sw main lifetime=30s
	else
		must "$n: the daemon in a initiates at start; both up" up_active sw main
		secs=25
	fi
	s0=$(ikd_child_spis $NS_A c)
	prev=$s0
	diag "$n: flood for $secs s"
	[ -n "$case_dead" ] || flood $secs
	for i in 1 2; do
		[ -z "$case_dead" ] || break
		if [ "$by" = peer ]; then
			sleep 4
			sw b --rekey --child net >"$W/rekey$i.out" 2>&1
		fi
		wait_for 45 rekeyed "$prev" || break
		prev=$(ikd_child_spis $NS_A c)
		if [ $i = 1 ]; then s1=$prev; else s2=$prev; fi
	done
	step "$n: two rekeys: new SPIs each time, the same on both sides" eval '
		echo "first: $s0; after one rekey: $s1; after two: $s2; strongSwan: $(sw_child_spis b c)"
		[ -n "$s2" ] && [ "$s1" != "$s0" ] && [ "$s2" != "$s1" ]'
	step "$n: no ping lost (ping -i 0.2 across both rekeys)" flood_lossless
	if [ "$by" = local ]; then
		step "$n: the daemon's replaced SAs are gone within its lifetime: two in nfesp" \
			wait_eq 40 2 nfesp_sa_count $NS_A
	else
		step "$n: strongSwan deleted the replaced SAs, and so did the daemon: two in each" eval '
			wait_eq 20 2 xfrm_state_count $NS_B && wait_eq 20 2 nfesp_sa_count $NS_A'
	fi
	step "$n: the new SAs carry pings both ways" pings_ok
}

delete() {
	local by=$1 n="ipsecctl delete, by $1"
	PEER_EXTRA=()
	must "$n: the daemon in a initiates at start; both up" up_active sw main
	step "$n: ping both ways" pings_ok
	if [ "$by" = local ]; then
		step "$n: ipsecctl down c: strongSwan's SAs go within 10 s, and nfesp's" eval '
			ip netns exec $NS_A $IPSECCTL down c && wait_no_sas 10 $NS_A $NS_B &&
			wait_eq 10 0 sw_count_ike b'
		step "$n: ipsecctl up c: up again, pings go" eval '
			ip netns exec $NS_A $IPSECCTL up c && ikd_wait $NS_A c established 30 &&
			sw_wait_up b c 30 && pings_ok'
	else
		step "$n: swanctl --terminate: nfesp's SAs go within 10 s" eval '
			sw b --terminate --ike c --timeout 20 && wait_no_sas 10 $NS_A $NS_B &&
			wait_for 10 not_established $NS_A c'
		step "$n: swanctl --initiate: up again, pings go" eval '
			sw b --initiate --child net --timeout 30 && ikd_wait $NS_A c established 30 &&
			sw_wait_up b c 30 && pings_ok'
	fi
}

dpd() {
	local n="ipsecctl DPD"
	PEER_EXTRA=()
	must "$n: the daemon in a (dpd 3s) initiates at start; both up" up_active sw main dpd=3s
	step "$n: charon in b is killed and b drops everything: the daemon's SAs go within 60 s" eval '
		kill -KILL ${sw_pid[b]} && wait ${sw_pid[b]} 2>/dev/null; unset "sw_pid[b]"
		ip netns exec $NS_B nft -f - <<<"table inet vanish { chain pre { type filter hook prerouting priority -400; policy drop; }; }" &&
		wait_for 60 eval "not_established $NS_A c && no_sas $NS_A" ||
		{ ikd_json $NS_A; tail -n 20 $(ikd_dir a)/log; false; }'
}

nat() {
	local n="ipsecctl behind a NAT"
	must "$n: strongSwan in r, the daemon in i behind the masquerading NAT" eval '
		nat_up && C_A=10.1.0.1 C_B=10.2.0.1 &&
		sw_side r $NAT_R local=198.51.100.1 remote=%any rid=192.168.1.2 \
			lts=$SEL_B rts=$SEL_A &&
		ikd_psk $W/i.psk $PSK &&
		ikd_rule1 start=active local=192.168.1.2 peer=198.51.100.1 from=$SEL_A \
			to=$SEL_B psk=$W/i.psk >$W/i.conf &&
		ikd_start i $NAT_I $W/i.conf'
	step "$n: both sides are up" eval 'ikd_wait $NAT_I c established 30 && sw_wait_up r c 30'
	step "$n: IKE floated to 4500, and both sides encapsulate ESP in UDP" eval '
		[ "$(ikd_get $NAT_I c .ike_sa.peer_port)" = 4500 ] &&
		ip netns exec $NAT_I $IPSECCTL -j sa show | jq -e "[.sas[] | select(.encap != null)] | length == 2" &&
		ip -n $NAT_R xfrm state | grep -q "encap type espinudp" ||
		{ ikd_json $NAT_I; ip netns exec $NAT_I $IPSECCTL show; ip -n $NAT_R xfrm state; false; }'
	step "$n: ping both ways through the NAT" eval '
		timeout 20 ip netns exec $NAT_I ping -c 3 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1 | grep " 0% packet loss" &&
		timeout 20 ip netns exec $NAT_R ping -c 3 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1 | grep " 0% packet loss"'
}

n2n() {
	local exch=$1 n="ipsecctl against ipsecctl, $1" ids=()
	[ "$exch" = aggr ] && ids=(exchange=aggressive srcid=$ID_B dstid=$ID_A)
	must "$n: a daemon in a (on traffic) and one in b (passive) start" eval '
		topo && ikd_a $exch &&
		ikd_psk $W/b.psk $PSK &&
		ikd_rule1 start=passive local=$C_OB peer=$C_OA from=$SEL_B to=$SEL_A \
			psk=$W/b.psk "${ids[@]}" >$W/b.conf && ikd_start b $NS_B $W/b.conf'
	must "$n: the first ping from a starts IKE and is answered" first_pings
	step "$n: both established, their SPIs agree" eval '
		ikd_wait $NS_A c established 30 && ikd_wait $NS_B c established 30 &&
		a=$(ikd_child_spis $NS_A c) && b=$(ikd_child_spis $NS_B c | awk "{ print \$2, \$1 }") &&
		echo "a: $a, b reversed: $b" && [ -n "$a" ] && [ "$a" = "$b" ]'
	step "$n: ping both ways" pings_ok
}

# The daemon's log line that says authentication failed or that the peer
# has another PSK, naming the rule's IKE SA (c[N]) or the peer.
AUTH_FAILED_RE='(c\[[0-9]+\]|192\.0\.2\.2).*(authenticat[a-z]* (of [^ ]+ )?fail|authentication-failed|another pre-shared key)'

# wrong_psk ROLE: init (the daemon, on traffic, initiates: pings start it)
# or resp (strongSwan initiates)
wrong_psk() {
	local role=$1 n="ipsecctl wrong PSK, $1" log ikds=- side=a
	[ "$role" = resp ] && ikds=passive
	must "$n: strongSwan in b and the daemon in a start, with different PSKs" eval '
		topo && peer_b sw main none psk=0x0badc0de0badc0de0badc0de0badc0de &&
		ike_capture_start $NS_B vethB $W/clear.pcap icmp && ikd_a main start=$ikds'
	if [ "$role" = init ]; then
		step "$n: the pings from a start IKE and are not answered" eval '
			! timeout 20 ip netns exec $NS_A ping -c 4 -i 0.5 -W 2 -I $C_A $C_B'
	else
		step "$n: swanctl --initiate fails" eval '! sw b --initiate --child net --timeout 20'
	fi
	log=$(ikd_dir a)/log
	# As initiator the daemon hears nothing it can read (the responder's
	# notification is under the responder's keys) and says so when its
	# phase 1 dies, after its retransmissions (1+2+...+32 s).
	step "$n: the daemon logs that authentication failed (or another PSK)" eval '
		wait_for $([ $role = init ] && echo 75 || echo 30) grep -qiE "$AUTH_FAILED_RE" "$log" ||
		{ tail -n 30 "$log"; false; }'
	ike_capture_stop
	step "$n: no SA in nfesp or XFRM, nothing went in clear, the daemon still answers" eval '
		no_sas $NS_A $NS_B && [ "$(tcpdump -nr $W/clear.pcap 2>/dev/null | wc -l)" = 0 ] &&
		running ${ikd_pid[a]} && ikd_json $NS_A >/dev/null ||
		{ tcpdump -nr $W/clear.pcap; ip -n $NS_B xfrm state; false; }'
}

mismatch() {
	local n="ipsecctl proposal mismatch" log
	must "$n: strongSwan in b (aes256-sha384-modp3072) and the daemon in a (aes-cbc-128, hmac-sha256, modp2048) start" eval '
		topo && peer_b sw main none ike=aes256-sha384-modp3072 &&
		ikd_a main start=passive'
	step "$n: swanctl --initiate fails and no SA is installed" eval '
		! sw b --initiate --child net --timeout 20 && no_sas $NS_A $NS_B'
	log=$(ikd_dir a)/log
	step "$n: the daemon's log shows both lists" eval '
		grep -qiE "modp3072|modp_3072" $log && grep -qiE "modp2048|modp_2048" $log &&
		grep -qiE "aes-cbc-256|aes_cbc_256|aes256|aes-cbc.*256" $log &&
		grep -qiE "aes-cbc-128|aes_cbc_128|aes128|aes-cbc.*128" $log ||
		{ tail -n 30 $log; false; }'
}

pfs_none() {
	local n="ipsecctl quick mode without PFS" pcap=$W/cap.pcap spis ke
	must "$n: strongSwan in b (esp without DH) and the daemon in a (group none) start" eval '
		topo && ike_capture_start $NS_B vethB $pcap &&
		peer_b sw main none esp=aes128-sha256 && ikd_a main pfs=none'
	must "$n: the first ping starts IKE, both sides are up" eval '
		first_pings && ikd_wait $NS_A c established 30 && sw_wait_up b c 30 && spis_agree sw'
	spis=$(ikd_child_spis $NS_A c)
	step "$n: ping both ways" pings_ok
	ike_capture_stop
	mapfile -t opts < <(ike_tshark_file_opts "$(ikd_dir a)/keys")
	step "$n: tshark decrypts quick mode: the SPIs, and no KE payload" eval '
		ike1_decrypts "$pcap" "$spis" "${opts[@]}" &&
		ke=$(timeout 120 tshark -n "${opts[@]}" -r $pcap -Y "isakmp.exchangetype == 32" \
			-T fields -e isakmp.typepayload 2>/dev/null) &&
		echo "quick mode payloads: $ke" && [ -n "$ke" ] && ! grep -qw 4 <<<"${ke//,/ }"'
}

# --- run -----------------------------------------------------------------------

selected() {
	local core group c
	while read -r core group c; do
		[ -n "$c" ] || continue
		[ "$SCALE" = long ] || [ "$core" = 1 ] ||
			{ [ "$group" = peer ] && [[ ${1:-} == peers* ]]; } || continue
		[[ $c =~ ${1:-.} ]] && echo "$group $c"
	done <<<"$CASES"
}

cases=$(selected "${1:-}")
[ -n "$cases" ] || ktap_bail "no case matches '${1:-}' at NFESP_SCALE=$SCALE"
plan=0
need_module=0
while read -r group c _; do
	if [ "$group" = ikd ] && [ -n "$gate" ]; then
		plan=$((plan + 1))
	else
		plan=$((plan + $(results "$c")))
		[ "$group" = ikd ] && need_module=1
	fi
done <<<"$cases"
[ "$need_module" = 0 ] || load_module
ktap_plan $plan
diag "strongSwan $(dpkg-query -W -f '${Version}' strongswan-swanctl 2>/dev/null)," \
	"Libreswan $(basename "$(ls_deb 2>/dev/null || echo none)"), work in $WORK"

case_no=0
t_start=$SECONDS
while read -r group c args; do
	case_no=$((case_no + 1))
	if [ "$group" = ikd ] && [ -n "$gate" ]; then
		diag "$(cat "$WORK/gate.conf")"
		ktap_fail "ipsecctl: $c $args: $gate"
		continue
	fi
	t0=$SECONDS
	case_begin "$(printf '%02d' $case_no)-$c${args:+-${args// /-}}"
	# shellcheck disable=SC2086 # the case's words
	$c $args
	case_end
	W=$WORK
	diag "$c $args: $((SECONDS - t0)) s"
done <<<"$cases"
diag "$case_no cases in $((SECONDS - t_start)) s"
ktap_finish
