#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# IKEv2: ipsecctl's daemon (ipsecctl daemon -f FILE, SAs in nfesp) against
# strongSwan 5.9.8 (charon-systemd, SAs in XFRM), in the namespaces of
# netlib.sh (a: 10.1.0.1 behind 192.0.2.1, b: 10.2.0.1 behind 192.0.2.2)
# or, through a masquerading NAT, those of ikelib.sh's nat_up.
#
# Positive controls, strongSwan against strongSwan, which run whatever
# state the daemon is in: they prove the harness (charon per namespace,
# swanctl, list-sas, tshark's decryption of IKE and ESP) on this kernel.
#   sw_basic SUITE MODE TRIGGER   trap (a ping) or initiate, rekey, terminate
#   sw_nat                        through the NAT: UDP encapsulation
#
# ipsecctl's daemon in a (or i behind the NAT) against strongSwan in b:
#   basic ROLE MODE SUITE   init: ipsecctl initiates on the first ping,
#                           which is delivered; resp: strongSwan's trap.
#                           SPIs and algorithms agree, pings both ways,
#                           tshark decrypts IKE and ESP with the keys of
#                           --export-keys, SIGTERM deletes strongSwan's SAs
#   wrong_psk ROLE          no SA, nothing in clear, "authentication failed"
#   mismatch ike|esp        no SA; the log shows both proposal lists
#   down local|peer         ipsecctl down / swanctl --terminate, then again
#   rekey_child BY          peer (swanctl --rekey), local (lifetime 20s),
#                           both (at once): under ping -i 0.2, no loss
#   rekey_ike BY            peer (swanctl --rekey --ike), local (ikelifetime)
#   dpd                     the peer vanishes: the daemon's SAs go
#   nat                     ipsecctl behind a masquerading NAT
#   n2n                     ipsecctl against ipsecctl, first ping
# SUITE: gcm (aes-gcm-256, curve25519), chacha (chacha20-poly1305, ecp256),
# cbc (aes-cbc-256 + hmac-sha256, modp2048).
#
# While `ipsecctl daemon -n -f` says the daemon is "not built", every
# ipsecctl case is one skip, "IKE daemon not built".
#
# NFESP_SCALE small and normal run the core cases (make check), long all
# of them (make check-long).
#
# Usage: ike.sh [PATTERN]   only the cases whose name matches PATTERN
#   (tools/check.sh --vm takes test names only; for a PATTERN, run
#   NFESP_SCALE=long tools/vm/run -k KVER -- selftests/ike.sh 'rekey|dpd')
#
# IPSECCTL=$PWD/selftests/ike_fake.sh runs the daemon's cases against a
# stand-in made of strongSwan (SAs in XFRM): every case passes with it but
# the wrong-PSK log line, which is the daemon's own wording. A case that
# fails with the daemon and passes with the fake is the daemon's.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netlib.sh"
source "$(dirname "$0")/ikelib.sh"

[ "$(id -u)" = 0 ] || ktap_bail "must run as root, in a VM"
for tool in ip ping tcpdump tshark jq nft "$CHARON" "$SWANCTL"; do
	command -v "$tool" >/dev/null || ktap_bail "$tool is not installed (tools/deps.sh)"
done

workdir "ike/$KREL"
WORK=$W

cleanup() {
	case_end
	W=$WORK
}
trap 'cleanup; workdir_save' EXIT
modprobe -q aesni_intel || diag "no aesni_intel: AES runs on the generic driver"

#     core group case
CASES="
1 sw  sw_basic gcm tunnel trap
1 sw  sw_basic cbc transport initiate
0 sw  sw_basic chacha tunnel initiate
1 sw  sw_nat
1 ikd basic init tunnel gcm
0 ikd basic resp tunnel gcm
1 ikd basic init transport cbc
1 ikd basic resp transport chacha
0 ikd basic init tunnel chacha
0 ikd basic init tunnel cbc
0 ikd basic resp tunnel chacha
0 ikd basic resp tunnel cbc
0 ikd basic init transport gcm
0 ikd basic init transport chacha
0 ikd basic resp transport gcm
0 ikd basic resp transport cbc
1 ikd wrong_psk init
0 ikd wrong_psk resp
1 ikd mismatch ike
0 ikd mismatch esp
1 ikd down local
1 ikd down peer
1 ikd rekey_child peer
0 ikd rekey_child local
1 ikd rekey_child both
1 ikd rekey_ike peer
0 ikd rekey_ike local
0 ikd dpd
1 ikd nat
1 ikd n2n
"

# results CASE: how many KTAP lines the case prints
results() {
	case $1 in
	sw_basic) echo 10 ;;
	sw_nat) echo 4 ;;
	basic) echo 9 ;;
	wrong_psk) echo 5 ;;
	mismatch) echo 3 ;;
	down) echo 4 ;;
	rekey_child) echo 4 ;;
	rekey_ike) echo 3 ;;
	dpd) echo 2 ;;
	nat) echo 4 ;;
	n2n) echo 4 ;;
	esac
}

# --- the gate: is the daemon there? ----------------------------------------
gate=
ikd_psk "$WORK/gate.psk" gate-secret
ikd_rule local=192.0.2.1 peer=192.0.2.2 from=10.1.0.0/16 to=10.2.0.0/16 \
	psk="$WORK/gate.psk" >"$WORK/gate.conf"
if ! out=$("$IPSECCTL" daemon -n -f "$WORK/gate.conf" 2>&1); then
	if grep -q 'not built' <<<"$out"; then
		gate="IKE daemon not built"
	else
		gate_err=$out
	fi
fi

# --- the suites ---------------------------------------------------------------
# suite NAME: S_IKD (ikd_rule words), S_SW (sw_conf words), S_ENCR and
# S_GROUP (strongSwan's names, for list-sas), S_TSHARK (whether tshark 4.0
# can decrypt the suite)
suite() {
	S_TSHARK=1
	case $1 in
	gcm)
		S_IKD=(ike=aes-gcm-256 prf=hmac-sha256 group=curve25519 esp=aes-gcm-256)
		S_SW=(ike=aes256gcm16-prfsha256-x25519 esp=aes256gcm16)
		S_ENCR=AES_GCM_16 S_GROUP=CURVE_25519 S_IKD_ENCR=aes-gcm-256 S_IKD_GROUP=curve25519 ;;
	chacha)
		S_IKD=(ike=chacha20-poly1305 prf=hmac-sha256 group=ecp256 esp=chacha20-poly1305)
		S_SW=(ike=chacha20poly1305-prfsha256-ecp256 esp=chacha20poly1305)
		S_ENCR=CHACHA20_POLY1305 S_GROUP=ECP_256 S_IKD_ENCR=chacha20-poly1305 S_IKD_GROUP=ecp256
		S_TSHARK=0 ;;
	cbc)
		S_IKD=(ike=aes-cbc-256 ike_auth=hmac-sha256 prf=hmac-sha256 group=modp2048
			esp=aes-cbc-256 esp_auth=hmac-sha256)
		S_SW=(ike=aes256-sha256-modp2048 esp=aes256-sha256)
		S_ENCR=AES_CBC S_GROUP=MODP_2048 S_IKD_ENCR=aes-cbc-256 S_IKD_GROUP=modp2048 ;;
	esac
}
TSHARK_NO_CHACHA="tshark 4.0 cannot decrypt chacha20-poly1305"
# One line of the daemon's log that says authentication failed and names
# the peer (b).
AUTH_FAILED_RE='authenticat[a-z]*[ _]fail.*192\.0\.2\.2|192\.0\.2\.2.*authenticat[a-z]*[ _]fail'

# --- per case -----------------------------------------------------------------

# step DESCRIPTION CMD...: check, in this shell (CMD may start daemons and
# set variables); CMD's output is shown if it fails.
step() {
	local desc=$1 f=$W/step.out
	shift
	if "$@" >"$f" 2>&1; then
		ktap_ok "$desc"
	else
		diag "$ $*"
		diag "$(tail -n 60 "$f")"
		ktap_fail "$desc"
	fi
}

case_begin() {
	W=$WORK/$1
	mkdir -p "$W"
	cfg_log='' cfg_failed=0
}

case_end() {
	local k

	ike_capture_stop
	for k in "${!ikd_pid[@]}"; do ikd_stop "$k"; done
	for k in "${!sw_pid[@]}"; do sw_stop "$k"; done
	net_down
	nat_down
	sw_ns=() ikd_nsof=()
}

# topo MODE: netlib.sh's namespaces, for a tunnel or transport case
topo() {
	case_set "$1" 4 4 aes-gcm-128 - 0 0
	net_up
	[ "$cfg_failed" = 0 ] || { echo "$cfg_log"; return 1; }
}

# sw_side NAME NS WORDS...: a charon in NS loaded with one connection
sw_side() {
	local name=$1 ns=$2
	shift 2
	sw_start "$name" "$ns" 4 && sw_conf "$name" "$@" && sw_load "$name"
}

# sw_b WORDS...: strongSwan in b, the peer of a, for the case's selectors
sw_b() {
	sw_side b $NS_B local=$C_OB remote=$C_OA lts=$C_NET_B rts=$C_NET_A mode=$C_MODE "$@"
}

# ikd_a WORDS...: the daemon in a, the peer of b, with one rule "c"
ikd_a() {
	ikd_psk "$W/a.psk" "${IKD_PSK:-0x00112233445566778899aabbccddeeff}"
	ikd_rule local=$C_OA peer=$C_OB from=$C_NET_A to=$C_NET_B mode=$C_MODE \
		psk="$W/a.psk" "$@" >"$W/a.conf"
	ikd_start a $NS_A "$W/a.conf"
}

both_up() {
	ikd_wait $NS_A c established "${1:-30}" && sw_wait_up b c "${1:-30}"
}

# spis_agree: the daemon's child SA is strongSwan's, reversed, and nfesp
# and XFRM hold just those two SAs.
spis_agree() {
	local a b sw_in sw_out
	a=$(ikd_child_spis $NS_A c)
	read -r sw_in sw_out < <(sw_child_spis b c)
	echo "ipsecctl: $a; strongSwan: in $sw_in out $sw_out"
	[ -n "$sw_in" ] && [ "$a" = "$sw_out $sw_in" ] || return 1
	b=$(printf '%s\n' $a | sort)
	[ "$(nfesp_spis $NS_A)" = "$b" ] || { echo "nfesp: $(nfesp_spis $NS_A)"; return 1; }
	[ "$(xfrm_spis $NS_B)" = "$b" ] || { echo "XFRM: $(xfrm_spis $NS_B)"; return 1; }
}

algs_agree() {
	local raw e g
	raw=$(sw_raw b c)
	raw=${raw%%child-sas*}
	e=$(ikd_get $NS_A c .ike_sa.encr) g=$(ikd_get $NS_A c .ike_sa.group)
	echo "ipsecctl: $e $g; strongSwan: $(sw_field "$raw" encr-alg) $(sw_field "$raw" dh-group)"
	[ "$e" = "$S_IKD_ENCR" ] && [ "$g" = "$S_IKD_GROUP" ] &&
		[ "$(sw_field "$raw" encr-alg)" = "$S_ENCR" ] &&
		[ "$(sw_field "$raw" dh-group)" = "$S_GROUP" ]
}

pings_ok() { ping_ok a && ping_ok b; }

first_ping() {
	local src=$C_A dst=$C_B
	[ "$1" = a ] || src=$C_B dst=$C_A
	timeout 20 ip netns exec "$(ns "$1")" ping -c 1 -W 15 -I "$src" "$dst"
}

# trigger SIDE: pings whose first ones XFRM may drop (larval state)
trigger() {
	local src=$C_A dst=$C_B
	[ "$1" = a ] || src=$C_B dst=$C_A
	timeout 20 ip netns exec "$(ns "$1")" ping -c 4 -i 0.5 -W 2 -I "$src" "$dst"
	return 0
}

not_established() { [ "$(ikd_state "$1" "$2")" != established ]; }

# --- strongSwan against strongSwan (the harness's positive controls) -------

sw_basic() {
	local st=$1 mode=$2 how=$3 n="sw $1 $2 $3" start=none pcap=$W/cap.pcap uat old
	local NFESP_NS=none
	suite "$st"
	[ "$how" = trap ] && start=trap
	step "$n: charon in a and b start and load their connection" eval '
		topo $mode &&
		sw_side a $NS_A local=$C_OA remote=$C_OB lts=$C_NET_A rts=$C_NET_B mode=$C_MODE \
			start=$start "${S_SW[@]}" &&
		sw_b "${S_SW[@]}" &&
		ike_capture_start $NS_B vethB $pcap'
	if [ "$how" = trap ]; then
		step "$n: a holds a trap policy, and a ping raises its ACQUIRE" eval '
			ip -n $NS_A xfrm policy | grep -q "tmpl src" && trigger a'
	else
		step "$n: swanctl --initiate brings the child up" \
			sw a --initiate --child net --timeout 30
	fi
	step "$n: IKE ESTABLISHED and the child INSTALLED on both sides" eval \
		'sw_wait_up a c 30 && sw_wait_up b c 30'
	step "$n: the SPIs of a and b agree, and XFRM holds them on both sides" eval '
		read -r ai ao < <(sw_child_spis a c); read -r bi bo < <(sw_child_spis b c)
		echo "a: in $ai out $ao; b: in $bi out $bo"
		[ -n "$ai" ] && [ "$ai" = "$bo" ] && [ "$ao" = "$bi" ] &&
		[ "$(xfrm_spis $NS_A)" = "$(printf "%s\n" $ai $ao | sort)" ] &&
		[ "$(xfrm_spis $NS_B)" = "$(printf "%s\n" $ai $ao | sort)" ]'
	step "$n: the negotiated algorithms are $S_ENCR and $S_GROUP" eval '
		r=$(sw_raw a c); echo "$r"; r=${r%%child-sas*}
		[ "$(sw_field "$r" encr-alg)" = $S_ENCR ] && [ "$(sw_field "$r" dh-group)" = $S_GROUP ]'
	step "$n: ping both ways" pings_ok
	ike_capture_stop
	if [ "$S_TSHARK" = 1 ]; then
		mapfile -t opts < <(ike_tshark_esp_opts $NS_A)
		step "$n: tshark verifies every ESP ICV with XFRM's keys and finds the pings" \
			esp_decrypts "$pcap" "$C_A" "$C_B" "${opts[@]}"
		uat=$(sw_ikev2_uat a c 2>&1)
		step "$n: tshark decrypts IKE_AUTH with the keys of charon's log" \
			ike_decrypts "$pcap" -o "uat:ikev2_decryption_table:$uat"
	else
		ktap_skip "$n: tshark verifies every ESP ICV" "$TSHARK_NO_CHACHA"
		ktap_skip "$n: tshark decrypts IKE_AUTH" "$TSHARK_NO_CHACHA"
	fi
	old=$(sw_child_spis a c)
	step "$n: swanctl --rekey --child: new SPIs on both sides, pings go on" eval '
		sw a --rekey --child net && wait_for 20 sw_rekeyed "$old" && pings_ok ||
		{ echo "before: $old; a: $(sw_child_spis a c); b: $(sw_child_spis b c)"; false; }'
	step "$n: swanctl --terminate --ike: no SA left on either side" eval '
		sw a --terminate --ike c --timeout 20 && wait_no_sas 20 $NS_A $NS_B'
}

# sw_rekeyed OLD: a's child has SPIs other than OLD, and b's are the same
# reversed
sw_rekeyed() {
	local ai ao bi bo
	read -r ai ao < <(sw_child_spis a c)
	read -r bi bo < <(sw_child_spis b c)
	[ -n "$ai" ] && [ "$ai $ao" != "$1" ] && [ "$ai" = "$bo" ] && [ "$ao" = "$bi" ]
}

sw_nat() {
	local n="sw nat"
	step "$n: charon behind the NAT (i) and in front of it (r) start" eval '
		nat_up &&
		sw_side i $NAT_I local=192.168.1.2 remote=198.51.100.1 lts=10.1.0.0/16 rts=10.2.0.0/16 \
			start=none &&
		sw_side r $NAT_R local=198.51.100.1 remote=%any rid=192.168.1.2 \
			lts=10.2.0.0/16 rts=10.1.0.0/16'
	step "$n: swanctl --initiate through the NAT" eval '
		sw i --initiate --child net --timeout 30 && sw_wait_up r c 20'
	step "$n: both sides encapsulate ESP in UDP 4500" eval '
		ip -n $NAT_I xfrm state | grep -q "encap type espinudp sport 4500 dport 4500" &&
		ip -n $NAT_R xfrm state | grep -q "encap type espinudp sport 4500 dport [0-9]" ||
		{ ip -n $NAT_I xfrm state; ip -n $NAT_R xfrm state; false; }'
	step "$n: ping through the NAT" eval '
		timeout 20 ip netns exec $NAT_I ping -c 3 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1 | grep " 0% packet loss"'
}

# --- ipsecctl against strongSwan -------------------------------------------

basic() {
	local role=$1 mode=$2 st=$3 n="ipsecctl $1 $2 $3" pcap=$W/cap.pcap sws=none ikds=passive
	suite "$st"
	[ "$role" = init ] && ikds=- 
	[ "$role" = resp ] && sws=trap
	step "$n: strongSwan in b and the daemon in a start" eval '
		topo $mode && sw_b start=$sws "${S_SW[@]}" &&
		ike_capture_start $NS_B vethB $pcap && ikd_a start=$ikds "${S_IKD[@]}"'
	if [ "$role" = init ]; then
		step "$n: the first ping from a starts IKE and is delivered" first_ping a
	else
		step "$n: a ping from b raises strongSwan's ACQUIRE" trigger b
	fi
	step "$n: ipsecctl says established, strongSwan ESTABLISHED and INSTALLED" both_up 30
	step "$n: SPIs agree; nfesp and XFRM hold the child SA" spis_agree
	step "$n: both sides negotiated $S_IKD_ENCR and $S_IKD_GROUP" algs_agree
	step "$n: ping both ways" pings_ok
	ike_capture_stop
	if [ "$S_TSHARK" = 1 ]; then
		mapfile -t opts < <(ike_tshark_file_opts "$(ikd_dir a)/keys")
		step "$n: tshark decrypts IKE_AUTH with the daemon's exported keys" \
			ike_decrypts "$pcap" "${opts[@]}"
		step "$n: tshark verifies every ESP ICV with the daemon's exported keys" \
			esp_decrypts "$pcap" "$C_A" "$C_B" "${opts[@]}"
	else
		ktap_skip "$n: tshark decrypts IKE_AUTH" "$TSHARK_NO_CHACHA"
		ktap_skip "$n: tshark verifies every ESP ICV" "$TSHARK_NO_CHACHA"
	fi
	step "$n: SIGTERM to the daemon deletes the SAs on both sides" eval '
		ikd_stop a && wait_no_sas 15 $NS_A $NS_B &&
		wait_eq 15 0 sw_count_ike b'
}

wrong_psk() {
	local role=$1 n="ipsecctl wrong PSK, $1" sws=none ikds=- side=a log
	[ "$role" = resp ] && sws=trap ikds=passive side=b
	step "$n: strongSwan in b and the daemon in a start, with different PSKs" eval '
		topo tunnel && sw_b start=$sws psk=0x0badc0de0badc0de0badc0de0badc0de &&
		ike_capture_start $NS_B vethB $W/clear.pcap icmp && ikd_a start=$ikds'
	step "$n: the pings from $side are not answered" eval '! timeout 20 ip netns exec $(ns $side) \
		ping -c 3 -i 0.5 -W 2 -I $([ $side = a ] && echo $C_A || echo $C_B) \
		$([ $side = a ] && echo $C_B || echo $C_A)'
	log=$(ikd_dir a)/log
	step "$n: the daemon logs that authentication failed, naming 192.0.2.2" eval '
		wait_for 20 grep -qiE "$AUTH_FAILED_RE" "$log" || { tail -n 30 "$log"; false; }'
	step "$n: no SA in nfesp or XFRM" eval 'no_sas $NS_A $NS_B || wait_no_sas 0 $NS_A $NS_B'
	ike_capture_stop
	step "$n: nothing went in clear (no ICMP on the wire)" eval '
		[ "$(tcpdump -nr $W/clear.pcap 2>/dev/null | wc -l)" = 0 ] || tcpdump -nr $W/clear.pcap'
}

mismatch() {
	local what=$1 n="ipsecctl proposal mismatch, $1" sww=(ike=aes128-sha256-modp2048)
	[ "$what" = esp ] && sww=(esp=aes128-sha256)
	step "$n: strongSwan in b ($sww) and the daemon in a (aes-gcm-256, curve25519) start" eval '
		topo tunnel && sw_b "${sww[@]}" && ikd_a start=passive'
	step "$n: swanctl --initiate fails and no SA is installed" eval '
		! sw b --initiate --child net --timeout 20 && no_sas $NS_A $NS_B'
	if [ "$what" = ike ]; then
		step "$n: the daemon's log shows both lists" eval '
			grep -qiE "curve25519|curve_25519" $(ikd_dir a)/log &&
			grep -qiE "modp2048|modp_2048" $(ikd_dir a)/log &&
			grep -qiE "aes-cbc-128|aes_cbc_128|aes128|aes-cbc.*128" $(ikd_dir a)/log ||
			{ tail -n 30 $(ikd_dir a)/log; false; }'
	else
		step "$n: the daemon's log shows both lists" eval '
			grep -qiE "aes-gcm-256|aes_gcm_16.*256" $(ikd_dir a)/log &&
			grep -qiE "hmac-sha256|hmac_sha2_256" $(ikd_dir a)/log &&
			grep -qiE "aes-cbc-128|aes_cbc_128|aes128|aes-cbc.*128" $(ikd_dir a)/log ||
			{ tail -n 30 $(ikd_dir a)/log; false; }'
	fi
}

# up_active: the daemon in a initiates at start against strongSwan in b
up_active() {
	topo tunnel && sw_b "$@" && ikd_a start=active "${IKD_EXTRA[@]}" && both_up 30
}

down() {
	local by=$1 n="ipsecctl down, by $1"
	IKD_EXTRA=()
	step "$n: the daemon in a initiates at start; both sides are up" up_active
	step "$n: ping both ways" pings_ok
	if [ "$by" = local ]; then
		step "$n: ipsecctl down c: strongSwan's SAs go, and nfesp's" eval '
			ip netns exec $NS_A $IPSECCTL down c && wait_no_sas 15 $NS_A $NS_B &&
			wait_eq 15 0 sw_count_ike b'
		step "$n: ipsecctl up c: up again, pings go" eval '
			ip netns exec $NS_A $IPSECCTL up c && both_up 30 && pings_ok'
	else
		step "$n: swanctl --terminate: nfesp's SAs go, the daemon is no longer established" eval '
			sw b --terminate --ike c --timeout 20 && wait_no_sas 15 $NS_A $NS_B &&
			wait_for 15 not_established $NS_A c'
		step "$n: swanctl --initiate: up again, pings go" eval '
			sw b --initiate --child net --timeout 30 && both_up 30 && pings_ok'
	fi
}

# flood SECONDS: ping -i 0.2 from a to b in the background, into $W/flood
flood() {
	timeout $(($1 + 20)) ip netns exec $NS_A ping -c $(($1 * 5)) -i 0.2 -W 5 -I $C_A $C_B \
		>"$W/flood" 2>&1 &
	flood_pid=$!
}

flood_lossless() {
	wait "$flood_pid"
	tail -n 3 "$W/flood"
	grep -q ' 0% packet loss' "$W/flood"
}

rekey_child() {
	local by=$1 n="ipsecctl child rekey, by $1" old secs=15 rin
	IKD_EXTRA=()
	[ "$by" = peer ] || IKD_EXTRA=(lifetime=20s)
	step "$n: the daemon in a initiates at start; both sides are up" up_active
	old=$(ikd_child_spis $NS_A c)
	rin=$(ikd_get $NS_A c '.child_sas[-1].rekey_in')
	[[ $rin =~ ^[0-9]+$ ]] || rin=25
	[ "$by" = peer ] || secs=$((rin + 12))
	diag "$n: flood for $secs s"
	flood $secs
	case $by in
	peer) sleep 3; sw b --rekey --child net >"$W/rekey.out" 2>&1 ;;
	both)
		# strongSwan's rekey when the daemon's timer fires
		sleep "$rin"
		sw b --rekey --child net >"$W/rekey.out" 2>&1 ;;
	esac
	step "$n: new SPIs, the same on both sides" eval '
		wait_for 40 eval "[ \"\$(ikd_child_spis $NS_A c)\" != \"$old\" ]" &&
		wait_for 20 spis_agree || { echo "before: $old"; spis_agree; false; }'
	step "$n: no ping lost (ping -i 0.2 across the rekey)" flood_lossless
	step "$n: the old SAs are gone: two in nfesp, two in XFRM" eval '
		wait_eq 20 2 nfesp_sa_count $NS_A && wait_eq 20 2 xfrm_state_count $NS_B'
}

rekey_ike() {
	local by=$1 n="ipsecctl IKE SA rekey, by $1" old
	IKD_EXTRA=()
	[ "$by" = peer ] || IKD_EXTRA=(ikelifetime=30s)
	step "$n: the daemon in a initiates at start; both sides are up" up_active
	old=$(ikd_ike_spis $NS_A c)
	[ "$by" = peer ] && sw b --rekey --ike c >"$W/rekey.out" 2>&1
	step "$n: new IKE SPIs, the same on both sides, still established" eval '
		wait_for 60 eval "[ \"\$(ikd_ike_spis $NS_A c)\" != \"$old\" ]" &&
		wait_for 10 eval "[ \"\$(ikd_ike_spis $NS_A c)\" = \"\$(sw_ike_spis b c)\" ]" &&
		[ "$(ikd_state $NS_A c)" = established ] && sw_wait_up b c 10 ||
		{ echo "before: $old; now: $(ikd_ike_spis $NS_A c); strongSwan: $(sw_ike_spis b c)"; false; }'
	step "$n: one IKE SA on each side, and the child SA carries pings" eval '
		wait_eq 15 1 sw_count_ike b && pings_ok'
}

dpd() {
	local n="ipsecctl DPD"
	IKD_EXTRA=(dpd=3s)
	step "$n: the daemon in a (dpd 3s) initiates at start; both sides are up" up_active
	step "$n: b vanishes (drops all): within 90 s the daemon's SAs are gone" eval '
		ip netns exec $NS_B nft -f - <<<"table inet vanish { chain pre { type filter hook prerouting priority -400; policy drop; }; }" &&
		wait_for 90 eval "not_established $NS_A c && no_sas $NS_A" ||
		{ ikd_json $NS_A; tail -n 20 $(ikd_dir a)/log; false; }'
}

nat() {
	local n="ipsecctl behind a NAT"
	step "$n: strongSwan in r, the daemon in i behind the masquerading NAT" eval '
		nat_up && C_A=10.1.0.1 C_B=10.2.0.1 &&
		sw_side r $NAT_R local=198.51.100.1 remote=%any rid=192.168.1.2 \
			lts=10.2.0.0/16 rts=10.1.0.0/16 &&
		ikd_psk $W/i.psk 0x00112233445566778899aabbccddeeff &&
		ikd_rule start=active local=192.168.1.2 peer=198.51.100.1 from=10.1.0.0/16 \
			to=10.2.0.0/16 psk=$W/i.psk >$W/i.conf &&
		ikd_start i $NAT_I $W/i.conf'
	step "$n: both sides are up" eval 'ikd_wait $NAT_I c established 30 && sw_wait_up r c 30'
	step "$n: IKE moved to 4500, and both sides encapsulate ESP" eval '
		[ "$(ikd_get $NAT_I c .ike_sa.peer_port)" = 4500 ] &&
		ip netns exec $NAT_I $IPSECCTL -j sa show | jq -e "[.sas[] | select(.encap != null)] | length == 2" &&
		ip -n $NAT_R xfrm state | grep -q "encap type espinudp" ||
		{ ikd_json $NAT_I; ip netns exec $NAT_I $IPSECCTL show; ip -n $NAT_R xfrm state; false; }'
	step "$n: ping both ways through the NAT" eval '
		timeout 20 ip netns exec $NAT_I ping -c 3 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1 | grep " 0% packet loss" &&
		timeout 20 ip netns exec $NAT_R ping -c 3 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1 | grep " 0% packet loss"'
}

n2n() {
	local n="ipsecctl against ipsecctl"
	step "$n: a daemon in a (on traffic) and one in b (passive) start" eval '
		topo tunnel && ikd_a &&
		ikd_psk $W/b.psk 0x00112233445566778899aabbccddeeff &&
		ikd_rule start=passive local=$C_OB peer=$C_OA from=$C_NET_B to=$C_NET_A \
			psk=$W/b.psk >$W/b.conf && ikd_start b $NS_B $W/b.conf'
	step "$n: the first ping from a starts IKE and is delivered" first_ping a
	step "$n: both established, their SPIs agree" eval '
		ikd_wait $NS_A c established 30 && ikd_wait $NS_B c established 30 &&
		a=$(ikd_child_spis $NS_A c) && b=$(ikd_child_spis $NS_B c | awk "{ print \$2, \$1 }") &&
		echo "a: $a, b reversed: $b" && [ -n "$a" ] && [ "$a" = "$b" ]'
	step "$n: ping both ways" pings_ok
}

# --- run -----------------------------------------------------------------------

selected() {
	local core group c
	while read -r core group c; do
		[ -n "$c" ] || continue
		[ "$SCALE" = long ] || [ "$core" = 1 ] || continue
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
[ -z "${gate_err:-}" ] || plan=$((plan + 1))
[ "$need_module" = 0 ] || load_module
ktap_plan $plan
diag "strongSwan $(dpkg-query -W -f '${Version}' strongswan-swanctl 2>/dev/null), work in $WORK"
if [ -n "${gate_err:-}" ]; then
	diag "$gate_err"
	ktap_fail "ipsecctl daemon -n -f accepts $(cat "$WORK/gate.conf")"
fi

case_no=0
t_start=$SECONDS
while read -r group c args; do
	case_no=$((case_no + 1))
	if [ "$group" = ikd ] && [ -n "$gate" ]; then
		ktap_skip "ipsecctl: $c $args" "$gate"
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
