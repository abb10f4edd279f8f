#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark proper, run as root inside a VM by tools/bench/run, one boot
# per kernel. It builds the topology once and then measures every variant in
# turn, repetition after repetition (A B C ... A B C ...), so that a slow
# drift of the host (the other VMs it runs) hits every variant alike.
#
# Usage: tools/bench/guest.sh --raw DIR [--smoke] [--reps N] [--time S]
#                             [--variants "V ..."] [--stages "S ..."]
#                             [--ike-n N] [--profile]
#
# The stages, in this order: sa (SA install), variants (the traffic of
# every variant, and the policies), scale (nfesp-gcm again, with
# SCALE_SAS SAs and SCALE_POLICIES policies more on each gateway), ike
# (IKEv2: ipsecctl's daemon against strongSwan, tools/bench/ike.sh),
# tcrypt. --profile adds, after all of them, one perf record of TCP and
# 64-byte UDP through nfesp-gcm, xfrm-gcm, wireguard (and nfesp-gcm-scale),
# which no figure is taken from.
#
# Nothing is parsed here: python takes about a second to start under TCG.
# Each measurement leaves its raw output in DIR and one line of
# tab-separated key=value fields in DIR/records.tsv; tools/bench/collect.py
# turns them into JSON on the host. A measurement that fails is recorded
# with its exit status and the run goes on.
#
#   client           gwA                           gwB                           server
#   +----------+     +-----------------------+     +-----------------------+     +----------+
#   | eth0     |-----| lan            wan    |=====| wan            lan    |-----| eth0     |
#   | 10.1.0.2 |     | 10.1.0.1  192.0.2.1   |     | 192.0.2.2  10.2.0.1   |     | 10.2.0.2 |
#   +----------+     +-----------------------+     +-----------------------+     +----------+
#   10.1.0.0/16 <------- plaintext, ESP (XFRM or nfesp) or WireGuard -------> 10.2.0.0/16
#
# Only the gateways' configuration changes between variants: the namespaces,
# links, addresses and offload settings (the veth defaults) stay as they are.

set -u
export PATH=$PATH:/sbin:/usr/sbin

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IPSECCTL=$TOP/build/ipsecctl
ALL_STAGES="sa variants scale ike tcrypt"
ALL_VARIANTS="plaintext xfrm-gcm nfesp-gcm xfrm-chacha nfesp-chacha wireguard xfrm-null nfesp-null"

RAW=
SMOKE=0
REPS=5
TIME=3
VARIANTS=$ALL_VARIANTS
STAGES=$ALL_STAGES
IKE_N_ARG=
PINGS=50
SA_COUNTS="100000 10000 1000"
# 100k SAs take some 50 s per repetition (nfesp and XFRM) under TCG; two
# keep a full run within 20 minutes, and that figure varies little.
SA_REPS_100K=2
EXTRA_POLICIES=10000
# The scale stage: a gateway with many peers. 100k SAs take some 50 s
# per gateway to install under TCG, once for all its repetitions.
SCALE_SAS=100000
SCALE_POLICIES=10000
PROFILE=0
PROFILE_TIME=4
PROFILE_VARIANTS="nfesp-gcm xfrm-gcm wireguard"
TCRYPT_MODES="211 213"

SRV=10.2.0.2
GW_A=192.0.2.1
GW_B=192.0.2.2
NET_A=10.1.0.0/16
NET_B=10.2.0.0/16
SPI_AB=0x1001
SPI_BA=0x2001
# Both stacks get the same window; with 64, cryptd's reordering under TCG
# drops packets as too old (see selftests/netlib.sh).
REPLAY_WINDOW=1024
WG_PORT=51820
# IPv4 outer header: 1500 - 20 - 8 - 32. wg's default of 1420 allows for
# IPv6, and would fragment the 1400-byte UDP payloads of one variant only.
WG_MTU=1440

declare -A HOLD		# namespace -> pid of a process living in it
L='' R='' LN='' RN='' OUT='' IN='' SPI_OUT='' SPI_IN=''	# set by side()
srv_pids=()
WORK=

say() { echo "# [$(date +%T)] $*"; }
n() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

usage() {
	echo "usage: tools/bench/guest.sh --raw DIR [--smoke] [--reps N] [--time S] [--variants \"V ...\"] [--stages \"S ...\"] [--ike-n N] [--profile]" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--raw) RAW=$2; shift 2 ;;
		--smoke) SMOKE=1; shift ;;
		--reps) REPS=$2; shift 2 ;;
		--time) TIME=$2; shift 2 ;;
		--variants) VARIANTS=$2; shift 2 ;;
		--stages) STAGES=$2; shift 2 ;;
		--ike-n) IKE_N_ARG=$2; shift 2 ;;
		--profile) PROFILE=1; shift ;;
		*) usage ;;
		esac
	done
	[ -n "$RAW" ] || usage
	[[ $REPS =~ ^[1-9][0-9]*$ && $TIME =~ ^[1-9][0-9]*$ ]] || usage
	if [ "$SMOKE" = 1 ]; then
		SA_COUNTS=1000
		EXTRA_POLICIES=1000
		SCALE_SAS=1000
		SCALE_POLICIES=1000
		# The parser is what a smoke run checks; 211 takes 60-100 s.
		TCRYPT_MODES=213
	fi
}

# rec KEY=VALUE...: one record, tab-separated, for collect.py, with the
# wall time since the previous one (where the time goes, under TCG).
REC_T=
rec() {
	local IFS=$'\t' t

	now t
	echo "$*"$'\t'"wall=$(((t - ${REC_T:-$t}) / 1000))e-3" >>"$RAW/records.tsv"
	REC_T=$t
}

# wait_for SECONDS CMD...: poll CMD until it succeeds, at most SECONDS.
wait_for() {
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# now VAR: the time in microseconds, without starting a process.
now() {
	printf -v "$1" '%s' "${EPOCHREALTIME/./}"
}

# hexkey BYTES: that many random bytes as hex, with 0x.
hexkey() {
	echo "0x$(od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n')"
}

load_modules() {
	local m loaded=

	# Before anything asks for AES: else XFRM picks aes-generic for good.
	modprobe aesni_intel || say "aesni_intel did not load"
	insmod "$TOP/build/$(uname -r)/nfesp.ko" || return 1
	# The accelerated drivers are modules too, and only a loaded one can
	# win over the generic one when a transform is first instantiated.
	for m in wireguard xfrm_user esp4 authenc seqiv gcm crypto_null \
		 ghash_clmulni_intel sha256_ssse3 chacha20poly1305 \
		 chacha_x86_64 poly1305_x86_64; do
		modprobe -q "$m" && loaded+=" $m"
	done
	rec kind=info key=modules "value=${loaded# }"
}

record_env() {
	local model

	model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2)
	rec kind=info key=kernel "value=$(uname -r)"
	rec kind=info key=cpus "value=$(nproc)"
	rec kind=info key=cpu "value=${model# }"
	rec kind=info key=mem_kb "value=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
	rec kind=info key=iperf3 "value=$(iperf3 --version | head -n1)"
	rec kind=info key=ipsecctl "value=$("$IPSECCTL" -V 2>&1)"
	rec kind=info key=nfesp_srcversion "value=$(cat /sys/module/nfesp/srcversion 2>/dev/null)"
	rec kind=info key=params "value=reps=$REPS time=$TIME smoke=$SMOKE pings=$PINGS sa_counts=${SA_COUNTS// /,} sa_reps_100k=$SA_REPS_100K extra_policies=$EXTRA_POLICIES scale_sas=$SCALE_SAS scale_policies=$SCALE_POLICIES profile=$PROFILE tcrypt_modes=${TCRYPT_MODES// /,} replay_window=$REPLAY_WINDOW variants=${VARIANTS// /,} stages=${STAGES// /,}"
}

# ---------------------------------------------------------------- topology

# hold NS: a process that lives in NS, so that its counters can be read
# from /proc/PID/net without starting anything (ip netns exec costs some
# 50 ms under TCG).
hold() {
	ip netns exec "$1" sleep infinity &
	HOLD[$1]=$!
}

# gateway NS LAN_ADDR WAN_ADDR PEER_NET PEER_WAN: a gateway's addresses and
# its route to the other side.
gateway() {
	ip -n "$1" -batch - <<-EOF
	link set lo up
	address add $2/24 dev lan
	address add $3/24 dev wan
	link set lan up
	link set wan up
	route add $4 via $5 dev wan
	EOF
}

topology_up() {
	local ns

	for ns in client gwA gwB server; do
		ip netns add "$ns" || return 1
		# No IPv6: its autoconfiguration traffic would count as received
		# packets in the UDP figures.
		n "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
		hold "$ns"
	done
	for ns in gwA gwB; do
		# Reverse-path filtering off, for every variant alike: the
		# figures measure the tunnels, not the FIB lookup it adds.
		n "$ns" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 || return 1
	done
	ip link add eth0 netns client type veth peer name lan netns gwA &&
	ip link add wan netns gwA type veth peer name wan netns gwB &&
	ip link add lan netns gwB type veth peer name eth0 netns server || return 1
	ip -n client -batch - <<-EOF || return 1
	link set lo up
	address add 10.1.0.2/24 dev eth0
	link set eth0 up
	route add default via 10.1.0.1
	EOF
	gateway gwA 10.1.0.1 $GW_A $NET_B $GW_B || return 1
	gateway gwB 10.2.0.1 $GW_B $NET_A $GW_A || return 1
	ip -n server -batch - <<-EOF || return 1
	link set lo up
	address add $SRV/24 dev eth0
	link set eth0 up
	route add default via 10.2.0.1
	EOF
}

# dev_stat VAR NS DEV FIELD: a counter of DEV in NS from /proc/net/dev;
# FIELD 1 is rx_bytes, 2 rx_packets, 9 tx_bytes, 10 tx_packets.
dev_stat() {
	local line f

	printf -v "$1" '%s' ''
	while read -r line; do
		[[ $line == "$3:"* ]] || continue
		read -ra f <<<"${line#*:}"
		printf -v "$1" '%s' "${f[$(($4 - 1))]}"
		return 0
	done <"/proc/${HOLD[$2]}/net/dev"
	return 1
}

# ---------------------------------------------------------------- variants

KEY_GCM_AB='' KEY_GCM_BA='' KEY_CHACHA_AB='' KEY_CHACHA_BA='' AUTH_AB='' AUTH_BA=''
WG_DIR=

keys_make() {
	# AEAD keys carry a 4-byte salt, as ip xfrm and ipsecctl want them.
	KEY_GCM_AB=$(hexkey 20) KEY_GCM_BA=$(hexkey 20)
	KEY_CHACHA_AB=$(hexkey 36) KEY_CHACHA_BA=$(hexkey 36)
	AUTH_AB=$(hexkey 32) AUTH_BA=$(hexkey 32)
	WG_DIR=$TOP/build/bench/wg
	mkdir -p "$WG_DIR" || return 1
	(umask 077
	 wg genkey >"$WG_DIR/gwA.key" && wg genkey >"$WG_DIR/gwB.key") || return 1
	wg pubkey <"$WG_DIR/gwA.key" >"$WG_DIR/gwA.pub" &&
	wg pubkey <"$WG_DIR/gwB.key" >"$WG_DIR/gwB.pub"
}

impl_of() { echo "${1%%-*}"; }

# xfrm_alg ALG DIR: the algorithm words of ip xfrm state add for ALG (gcm,
# chacha, null) in direction DIR (ab or ba).
xfrm_alg() {
	local k

	case $1$2 in
	gcmab) k=$KEY_GCM_AB ;; gcmba) k=$KEY_GCM_BA ;;
	chachaab) k=$KEY_CHACHA_AB ;; chachaba) k=$KEY_CHACHA_BA ;;
	nullab) k=$AUTH_AB ;; nullba) k=$AUTH_BA ;;
	esac
	case $1 in
	gcm) echo "aead rfc4106(gcm(aes)) $k 128" ;;
	chacha) echo "aead rfc7539esp(chacha20,poly1305) $k 128" ;;
	null) echo "enc ecb(cipher_null) \"\" auth-trunc hmac(sha256) $k 128" ;;
	esac
}

# nfesp_alg ALG DIR: the same for ipsecctl sa add.
nfesp_alg() {
	case $1$2 in
	gcmab) echo "enc aes-gcm-128 key $KEY_GCM_AB" ;;
	gcmba) echo "enc aes-gcm-128 key $KEY_GCM_BA" ;;
	chachaab) echo "enc chacha20-poly1305 key $KEY_CHACHA_AB" ;;
	chachaba) echo "enc chacha20-poly1305 key $KEY_CHACHA_BA" ;;
	nullab) echo "enc null auth hmac-sha256 authkey $AUTH_AB" ;;
	nullba) echo "enc null auth hmac-sha256 authkey $AUTH_BA" ;;
	esac
}

# side GW: set the local and remote addresses and networks of gateway GW,
# and the direction of its outbound SA.
side() {
	if [ "$1" = gwA ]; then
		L=$GW_A R=$GW_B LN=$NET_A RN=$NET_B OUT=ab IN=ba SPI_OUT=$SPI_AB SPI_IN=$SPI_BA
	else
		L=$GW_B R=$GW_A LN=$NET_B RN=$NET_A OUT=ba IN=ab SPI_OUT=$SPI_BA SPI_IN=$SPI_AB
	fi
}

# xfrm_cmds GW ALG: ip -batch lines for a tunnel between the gateways.
# Decrypted packets are forwarded, and XFRM drops a forwarded packet that
# came out of a tunnel unless a fwd policy asks for that tunnel.
xfrm_cmds() {
	local st="proto esp reqid 1 mode tunnel replay-window $REPLAY_WINDOW"

	side "$1"
	echo "xfrm state add src $L dst $R spi $SPI_OUT $st $(xfrm_alg "$2" $OUT)"
	echo "xfrm state add src $R dst $L spi $SPI_IN $st $(xfrm_alg "$2" $IN)"
	echo "xfrm policy add src $LN dst $RN dir out tmpl src $L dst $R proto esp reqid 1 mode tunnel"
	echo "xfrm policy add src $RN dst $LN dir in tmpl src $R dst $L proto esp reqid 1 mode tunnel"
	echo "xfrm policy add src $RN dst $LN dir fwd tmpl src $R dst $L proto esp reqid 1 mode tunnel"
}

# nfesp_cmds GW ALG: ipsecctl -f lines for the same tunnel.
nfesp_cmds() {
	local pol

	side "$1"
	pol="action protect local $L peer $R reqid 1"
	echo "sa add spi $SPI_IN src $R dst $L reqid 1 $(nfesp_alg "$2" $IN) replay-window $REPLAY_WINDOW"
	echo "sa add spi $SPI_OUT src $L dst $R reqid 1 $(nfesp_alg "$2" $OUT) replay-window $REPLAY_WINDOW"
	echo "policy add dir out from $LN to $RN $pol"
	echo "policy add dir in from $RN to $LN $pol"
}

wg_up() {
	local gw=$1 peer=$2

	side "$gw"
	ip -n "$gw" link add wg0 type wireguard &&
	n "$gw" wg set wg0 listen-port $WG_PORT private-key "$WG_DIR/$gw.key" \
		peer "$(cat "$WG_DIR/$peer.pub")" allowed-ips "$RN" \
		endpoint "$R:$WG_PORT" &&
	ip -n "$gw" -batch - <<-EOF
	link set wg0 mtu $WG_MTU up
	route replace $RN dev wg0
	EOF
}

wg_down() {
	side "$1"
	ip -n "$1" link del wg0 2>/dev/null
	# The route through wg0 went with it.
	ip -n "$1" route replace "$RN" via "$R" dev wan
}

# variant_up VARIANT: configure both gateways; the plaintext routes are
# there all along.
variant_up() {
	local impl alg=${1#*-} gw

	impl=$(impl_of "$1")
	for gw in gwA gwB; do
		case $impl in
		plaintext) ;;
		xfrm) ip -n "$gw" -batch - < <(xfrm_cmds "$gw" "$alg") || return 1 ;;
		nfesp) n "$gw" "$IPSECCTL" -f - < <(nfesp_cmds "$gw" "$alg") || return 1 ;;
		wireguard)
			if [ "$gw" = gwA ]; then
				wg_up gwA gwB || return 1
			else
				wg_up gwB gwA || return 1
			fi
			;;
		esac
	done
}

variant_down() {
	local gw

	for gw in gwA gwB; do
		case $(impl_of "$1") in
		xfrm) ip -n "$gw" -batch - <<-EOF ;;
			xfrm policy flush
			xfrm state flush
			EOF
		nfesp) n "$gw" "$IPSECCTL" -f - <<-EOF ;;
			policy flush
			sa flush
			EOF
		wireguard) wg_down "$gw" ;;
		esac
	done
}

# crypto_read VAR: "name|driver|refcnt" lines of /proc/crypto.
crypto_read() {
	local line name='' driver='' out=''

	while read -r line; do
		case $line in
		"name "*) name=${line#*: } ;;
		"driver "*) driver=${line#*: } ;;
		"refcnt "*) out+="$name|$driver|${line#*: }"$'\n' ;;
		esac
	done </proc/crypto
	printf -v "$1" '%s' "$out"
}

# crypto_settle VAR: /proc/crypto once it holds still: XFRM frees the
# transforms of deleted states from a work item, so those of the previous
# variant may still be going away.
crypto_settle() {
	local a b i

	crypto_read a
	for i in $(seq 30); do
		sleep 0.1
		crypto_read b
		[ "$a" != "$b" ] || break
		a=$b
	done
	printf -v "$1" '%s' "$b"
}

# crypto_diff BEFORE AFTER FILE: the transforms whose reference count went
# up, as "name<TAB>driver<TAB>before<TAB>after". A transform that did not
# exist before had one reference (its registration).
crypto_diff() {
	local -A before
	local name driver ref

	while IFS='|' read -r name driver ref; do
		[ -n "$name" ] && before["$name|$driver"]=$ref
	done <<<"$1"
	while IFS='|' read -r name driver ref; do
		[ -n "$name" ] || continue
		if [ "$ref" -gt "${before["$name|$driver"]:-1}" ]; then
			printf '%s\t%s\t%s\t%s\n' "$name" "$driver" \
				"${before["$name|$driver"]:-1}" "$ref"
		fi
	done <<<"$2" >"$3"
}

# snapshot FILE [own]: the counters collect.py checks a variant's path
# with. With own, nfesp's SAs are the bench's two only (sa get), not the
# thousands more of the scale stage (sa show).
snapshot() {
	local gw

	for gw in gwA gwB; do
		side "$gw"
		echo "## $gw xfrm"
		ip -n "$gw" -s xfrm state
		echo "## $gw nfesp-stats"
		n "$gw" "$IPSECCTL" -j stats
		echo
		echo "## $gw nfesp-sas"
		if [ "${2:-}" = own ]; then
			echo "["
			n "$gw" "$IPSECCTL" -j sa get spi $SPI_IN dst $L
			echo ","
			n "$gw" "$IPSECCTL" -j sa get spi $SPI_OUT dst $R
			echo "]"
		else
			n "$gw" "$IPSECCTL" -j sa show
		fi
		echo
		echo "## $gw wg"
		n "$gw" wg show all transfer
		echo "## $gw dev"
		cat "/proc/${HOLD[$gw]}/net/dev"
	done >"$1" 2>&1
}

# ---------------------------------------------------------------- workloads

listening() {
	local port addr st _

	printf -v port ':%04X' "$1"
	while read -r _ addr _ st _; do
		[[ $addr == *"$port" && $st == 0A ]] && return 0
	done <"/proc/${HOLD[server]}/net/tcp"
	return 1
}

# servers_up: iperf3 servers on 5201 and 5202, kept across measurements;
# a dead or deaf one is replaced.
servers_up() {
	local i port

	for i in 0 1; do
		port=$((5201 + i))
		if [ -n "${srv_pids[$i]:-}" ] && kill -0 "${srv_pids[$i]}" 2>/dev/null &&
		   listening $port; then
			continue
		fi
		server_kill $i
		# Not through n: $! must be iperf3, which ip netns exec becomes.
		ip netns exec server iperf3 -s -B $SRV -p $port \
			>>"$WORK/iperf3-server-$port.log" 2>&1 &
		srv_pids[i]=$!
		wait_for 10 listening $port || return 1
	done
}

# server_kill I: stop server I however stuck it is.
server_kill() {
	local pid=${srv_pids[$1]:-}

	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for 3 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	srv_pids[$1]=
}

servers_down() {
	server_kill 0
	server_kill 1
}

# client OUT PORT ARGS...: one iperf3 client run, killed if it overruns.
client() {
	local out=$1 port=$2

	shift 2
	timeout -k 3 $((TIME + 20)) ip netns exec client iperf3 -c $SRV -p "$port" \
		-t "$TIME" -J --connect-timeout 5000 "$@" >"$out" 2>"$out.err"
}

# A client that failed may have left its server in the middle of a test,
# where it refuses the next one: replace both before retrying.
retry_prep() {
	servers_down
	servers_up
}

# tcp V R STREAMS: TCP throughput with 1 or 2 streams, one iperf3 process
# (and server) each so that two streams can use both CPUs.
tcp() {
	local v=$1 r=$2 k=$3 f1 f2 p1 p2 rc1 rc2 _

	f1=$RAW/$v-$r-tcp$k-1.json f2=$RAW/$v-$r-tcp$k-2.json
	for _ in 1 2; do
		servers_up || { rec kind=measure variant="$v" rep="$r" metric="tcp$k" rc=servers; return; }
		client "$f1" 5201 &
		p1=$!
		if [ "$k" = 2 ]; then
			client "$f2" 5202 &
			p2=$!
		fi
		wait $p1
		rc1=$?
		rc2=0
		[ "$k" = 1 ] || { wait $p2; rc2=$?; }
		[ $rc1 != 0 ] || [ $rc2 != 0 ] || break
		retry_prep
	done
	if [ "$k" = 1 ]; then
		rec kind=measure variant="$v" rep="$r" metric=tcp1 rc=$rc1 "file=$f1"
	else
		rec kind=measure variant="$v" rep="$r" metric=tcp2 "rc=$rc1,$rc2" "file=$f1,$f2"
	fi
}

# udp V R SIZE: packets per second received at the server, from the
# server's interface counter: iperf3's own count would include what the
# server's socket dropped, and we want what the path delivered.
udp() {
	local v=$1 r=$2 size=$3 f c0 c1 rc _

	f=$RAW/$v-$r-udp$size.json
	for _ in 1 2; do
		servers_up || { rec kind=measure variant="$v" rep="$r" metric="udp$size" rc=servers; return; }
		dev_stat c0 server eth0 2
		client "$f" 5201 -u -b 0 -l "$size"
		rc=$?
		dev_stat c1 server eth0 2
		[ $rc != 0 ] || break
		retry_prep
	done
	rec kind=measure variant="$v" rep="$r" metric="udp$size" rc=$rc "file=$f" \
		"packets=$((c1 - c0))" "nominal=$TIME"
}

# latency V R: round trips of PINGS echo requests, every 20 ms.
latency() {
	local f=$RAW/$1-$2-ping.txt

	timeout 60 ip netns exec client ping -n -c $PINGS -i 0.02 -W 1 $SRV >"$f" 2>&1
	rec kind=measure variant="$1" rep="$2" metric=ping rc=$? "file=$f"
}

# reachable: the path works end to end. The first packets may resolve
# neighbours or start WireGuard's handshake, hence three tries.
reachable() {
	local i

	for i in 1 2 3; do
		n client ping -n -q -c 1 -W 2 $SRV >/dev/null 2>&1 && return 0
	done
	return 1
}

# run_variant V R [BASE]: one repetition of every workload through
# variant V. With BASE (the scale stage), V is BASE set up among the
# scale stage's SAs and policies: TCP, 64-byte UDP and ping only, and
# only BASE's own SAs and policies go at the end.
run_variant() {
	local v=$1 r=$2 base=${3:-$1} before after rx0 rx1 t0 t1 size reach=fail
	local sizes="64 512 1400" extra=()

	if [ "$base" != "$v" ]; then
		sizes=64
		extra=("extra_sas=$SCALE_SAS" "extra_policies=$SCALE_POLICIES")
	fi
	now t0
	crypto_settle before
	if ! variant_up "$base" >"$RAW/$v-$r-setup.log" 2>&1; then
		rec kind=variant variant="$v" rep="$r" setup=fail "log=$RAW/$v-$r-setup.log"
		variant_off "$v" "$base" >/dev/null 2>&1
		return
	fi
	crypto_read after
	crypto_diff "$before" "$after" "$RAW/$v-$r-drivers.tsv"
	dev_stat rx0 server eth0 2
	if reachable; then
		tcp "$v" "$r" 1
		tcp "$v" "$r" 2
		for size in $sizes; do
			udp "$v" "$r" $size
		done
		latency "$v" "$r"
		reach=ok
	fi
	dev_stat rx1 server eth0 2
	if [ "$base" = "$v" ]; then
		snapshot "$RAW/$v-$r-snapshot.txt"
	else
		snapshot "$RAW/$v-$r-snapshot.txt" own
	fi
	variant_off "$v" "$base" >>"$RAW/$v-$r-setup.log" 2>&1
	now t1
	rec kind=variant variant="$v" rep="$r" setup=ok reach=$reach \
		"drivers=$RAW/$v-$r-drivers.tsv" "snapshot=$RAW/$v-$r-snapshot.txt" \
		"server_rx=$((rx1 - rx0))" "seconds=$(((t1 - t0) / 1000))e-3" "${extra[@]}"
}

# variant_off V BASE: take variant V down: all of it, or for the scale
# stage's (BASE an nfesp variant) its own two SAs and policies only.
variant_off() {
	local gw

	if [ "$1" = "$2" ]; then
		variant_down "$1"
		return
	fi
	for gw in gwA gwB; do
		side "$gw"
		n "$gw" "$IPSECCTL" -f - <<-EOF
		policy del dir out from $LN to $RN
		policy del dir in from $RN to $LN
		sa del spi $SPI_OUT dst $R
		sa del spi $SPI_IN dst $L
		EOF
	done
}

# ---------------------------------------------------------------- policies

# policy_file N FILE: N policies for other networks, half outbound and half
# inbound, in four classes of prefix lengths (/32-/32, /24-/24, /24-/32,
# /25-/23), none overlapping the benchmark's networks.
policy_file() {
	awk -v n="$1" 'BEGIN {
		split("bypass discard", act, " ")
		for (i = 0; i < n; i++) {
			c = i % 4; k = int(i / 4); a = int(k / 256); b = k % 256
			s = 64 + 32 * c + a; d = s + 16
			if (c == 0) { f = "100." s "." b ".1/32"; t = "100." d "." b ".1/32" }
			if (c == 1) { f = "100." s "." b ".0/24"; t = "100." d "." b ".0/24" }
			if (c == 2) { f = "100." s "." b ".0/24"; t = "100." d "." b ".1/32" }
			if (c == 3) { f = "100." s "." b ".0/25"; t = "100." d "." (b - b % 2) ".0/23" }
			printf "policy add dir %s from %s to %s action %s priority %d\n",
				(k % 2 ? "in" : "out"), f, t, act[1 + int(k / 2) % 2], 100 + c
		}
	}' >"$2"
}

# policies R: 64-byte UDP through nfesp-gcm with its two policies, then
# with EXTRA_POLICIES more on each gateway.
policies() {
	local r=$1 file=$WORK/policies.conf t0 t1 t2 t3 rc=0 gw

	[ -s "$file" ] || policy_file $EXTRA_POLICIES "$file"
	crypto_settle _
	if ! variant_up nfesp-gcm >"$RAW/policy-$r-setup.log" 2>&1; then
		rec kind=policy_setup rep="$r" rc=setup "log=$RAW/policy-$r-setup.log"
		variant_down nfesp-gcm >/dev/null 2>&1
		return
	fi
	if reachable; then
		udp policy-base "$r" 64
	else
		rec kind=measure variant=policy-base rep="$r" metric=udp64 rc=unreachable
	fi
	now t0
	for gw in gwA gwB; do
		timeout 300 ip netns exec $gw "$IPSECCTL" -f "$file" \
			>>"$RAW/policy-$r-setup.log" 2>&1 || rc=$?
	done
	now t1
	if reachable; then
		udp policy-extra "$r" 64
	else
		rec kind=measure variant=policy-extra rep="$r" metric=udp64 rc=unreachable
	fi
	snapshot "$RAW/policy-$r-snapshot.txt"
	now t2
	variant_down nfesp-gcm >>"$RAW/policy-$r-setup.log" 2>&1
	now t3
	rec kind=policy_setup rep="$r" rc=$rc count=$EXTRA_POLICIES \
		"install_seconds=$(((t1 - t0) / 1000))e-3" \
		"flush_seconds=$(((t3 - t2) / 1000))e-3" \
		"snapshot=$RAW/policy-$r-snapshot.txt"
}

# ---------------------------------------------------------------- scale

# scale_sa_file GW N FILE: N AES-GCM-128 SAs for gateway GW, one per peer in
# 198.18.0.0/15, half inbound (to GW, SPIs that nfesp-gcm's 0x1001 and
# 0x2001 are far from) and half outbound, as a responder with many
# peers has them.
scale_sa_file() {
	side "$1"
	awk -v n="$2" -v k="$KEY_GCM_AB" -v l="$L" 'BEGIN {
		for (i = 0; i < n; i++) {
			p = sprintf("198.%d.%d.%d", 18 + int(i / 65536), int(i / 256) % 256, i % 256)
			printf "sa add spi 0x%x src %s dst %s reqid 2 enc aes-gcm-128 key %s replay-window 64\n",
				1048576 + i, i % 2 ? p : l, i % 2 ? l : p, k
		}
	}' >"$3"
}

# scale_install [KIND]: SCALE_SAS SAs and SCALE_POLICIES policies more on
# each gateway, one ipsecctl -f each, recorded as KIND (scale_setup).
scale_install() {
	local gw t0 t1 t2 rc=0 sa_s=0 pol_s=0 pol=$WORK/scale-policies.conf

	[ -s "$pol" ] || policy_file $SCALE_POLICIES "$pol"
	for gw in gwA gwB; do
		[ -s "$WORK/scale-sas-$gw.conf" ] ||
			scale_sa_file $gw $SCALE_SAS "$WORK/scale-sas-$gw.conf"
		now t0
		timeout 600 ip netns exec $gw "$IPSECCTL" -f "$WORK/scale-sas-$gw.conf" \
			>>"$RAW/scale-setup.log" 2>&1 || rc=$?
		now t1
		timeout 300 ip netns exec $gw "$IPSECCTL" -f "$pol" \
			>>"$RAW/scale-setup.log" 2>&1 || rc=$?
		now t2
		sa_s=$((sa_s + t1 - t0)) pol_s=$((pol_s + t2 - t1))
	done
	rec kind="${1:-scale_setup}" rc=$rc sas=$SCALE_SAS policies=$SCALE_POLICIES \
		"sa_seconds=$((sa_s / 2000))e-3" "policy_seconds=$((pol_s / 2000))e-3" \
		"log=$RAW/scale-setup.log"
	return $rc
}

# scale_remove: the gateways' nfesp tables empty again.
scale_remove() {
	local gw t0 t1

	now t0
	for gw in gwA gwB; do
		n $gw "$IPSECCTL" -f - >>"$RAW/scale-setup.log" 2>&1 <<-EOF
		policy flush
		sa flush
		EOF
	done
	now t1
	rec kind=info key=scale_flush_seconds "value=$(((t1 - t0) / 2000))e-3"
}

# scale_bench: nfesp-gcm as in the variants stage, among many SAs and
# policies, as nfesp-gcm-scale. They are installed once: 100k SAs take
# longer than all the repetitions.
scale_bench() {
	local r

	say "scale: $SCALE_SAS SAs and $SCALE_POLICIES policies more on each gateway"
	if scale_install; then
		for r in $(seq "$REPS"); do
			say "rep $r/$REPS: nfesp-gcm-scale"
			run_variant nfesp-gcm-scale "$r" nfesp-gcm
		done
	fi
	scale_remove
}

# ---------------------------------------------------------------- profile

# profile_one V BASE W: one perf record of workload W (tcp1 or udp64)
# through variant V (set up as BASE), and its report.
profile_one() {
	local v=$1 w=$3 f=$RAW/profile-$1-$3 c0 c1 rc args=()

	[ "$w" = tcp1 ] || args=(-u -b 0 -l 64)
	servers_up || { rec kind=profile variant="$v" workload="$w" rc=servers; return; }
	dev_stat c0 server eth0 2
	timeout -k 3 $((PROFILE_TIME + 30)) perf record -q -o "$WORK/perf.data" \
		-e cpu-clock -F 1999 -a -g -- \
		ip netns exec client iperf3 -c $SRV -p 5201 -t $PROFILE_TIME -J \
		--connect-timeout 5000 "${args[@]}" >"$f.json" 2>"$f.err"
	rc=$?
	dev_stat c1 server eth0 2
	if [ $rc = 0 ]; then
		timeout 300 perf report -i "$WORK/perf.data" --stdio -n --no-children \
			--sort dso,sym -g none >"$f.txt" 2>>"$f.err"
		rc=$?
	fi
	rm -f "$WORK/perf.data"
	rec kind=profile variant="$v" workload="$w" rc=$rc "file=$f.txt" \
		"packets=$((c1 - c0))" "seconds=$PROFILE_TIME" freq=1999
}

# profile_bench: where the CPU time goes, per variant and workload. Not a
# figure: perf itself costs time. Run last, so that no figure pays for it.
profile_bench() {
	local v base

	if ! perf --version >/dev/null 2>&1; then
		rec kind=info key=profile "value=skipped: no perf"
		return
	fi
	# perf report names modules' symbols [kernel.kallsyms] when it finds
	# no .ko under /lib/modules (nfesp's is not there): collect.py needs
	# to know which module each is in.
	grep '\[' /proc/kallsyms | awk '{ print $3, $4 }' >"$RAW/profile-modsyms.txt"
	for v in $PROFILE_VARIANTS nfesp-gcm-scale; do
		base=${v%-scale}
		if [ "$base" != "$v" ]; then
			stage scale || continue
			scale_install profile_setup || { scale_remove; continue; }
		fi
		say "profile: $v"
		if variant_up "$base" >"$RAW/profile-$v-setup.log" 2>&1 && reachable; then
			profile_one "$v" "$base" tcp1
			profile_one "$v" "$base" udp64
		else
			rec kind=profile variant="$v" workload=all rc=setup
		fi
		variant_off "$v" "$base" >>"$RAW/profile-$v-setup.log" 2>&1
		[ "$base" = "$v" ] || scale_remove
	done
	servers_down
}

# ---------------------------------------------------------------- SA install

# sa_files N: the same N SAs for ipsecctl -f and ip -batch: AES-GCM-128,
# one SA per peer in 198.18.0.0/15, as a responder with many peers has
# them. (100k SAs to a single peer would measure a hash chain instead.)
sa_files() {
	awk -v n="$1" -v k="$KEY_GCM_AB" -v w=64 \
	    -v nf="$WORK/sa-nfesp-$1.conf" -v xf="$WORK/sa-xfrm-$1.conf" 'BEGIN {
		for (i = 0; i < n; i++) {
			dst = sprintf("198.%d.%d.%d", 18 + int(i / 65536), int(i / 256) % 256, i % 256)
			printf "sa add spi 0x%x src 192.0.2.1 dst %s reqid 1 enc aes-gcm-128 key %s replay-window %d\n",
				4096 + i, dst, k, w >nf
			printf "xfrm state add src 192.0.2.1 dst %s proto esp spi 0x%x reqid 1 mode tunnel replay-window %d aead rfc4106(gcm(aes)) %s 128\n",
				dst, 4096 + i, w, k >xf
		}
	}'
}

# mem_kb VAR: Slab + Percpu from /proc/meminfo, in KiB.
mem_kb() {
	local k v slab=0 percpu=0

	while read -r k v _; do
		case $k in
		Slab:) slab=$v ;;
		Percpu:) percpu=$v ;;
		esac
	done </proc/meminfo
	printf -v "$1" '%s' $((slab + percpu))
}

# mem_settle VAR: mem_kb once it changes by less than 256 KiB in half a
# second: freed SAs go back through RCU and XFRM's garbage collector.
mem_settle() {
	local a b i

	mem_kb a
	for i in $(seq 20); do
		sleep 0.5
		mem_kb b
		[ $((a - b)) -ge 256 ] || [ $((b - a)) -ge 256 ] || break
		a=$b
	done
	printf -v "$1" '%s' "$b"
}

# sa_install IMPL N R: install N SAs in the empty namespace sadb in one
# batch, count them, flush them.
sa_install() {
	local impl=$1 nsa=$2 r=$3 m0 m1 t0 t1 t2 t3 rc count='' out

	mem_settle m0
	now t0
	if [ "$impl" = nfesp ]; then
		timeout 600 ip netns exec sadb "$IPSECCTL" -f "$WORK/sa-nfesp-$nsa.conf" \
			>"$WORK/sa.log" 2>&1
	else
		timeout 600 ip -n sadb -batch "$WORK/sa-xfrm-$nsa.conf" >"$WORK/sa.log" 2>&1
	fi
	rc=$?
	now t1
	mem_kb m1
	if [ "$impl" = nfesp ]; then
		out=$(n sadb "$IPSECCTL" -j stats)
		[[ $out =~ \"sa_count\":([0-9]+) ]] && count=${BASH_REMATCH[1]}
		now t2
		timeout 600 ip netns exec sadb "$IPSECCTL" sa flush
	else
		out=$(ip -n sadb xfrm state count)
		[[ $out =~ count\ ([0-9]+) ]] && count=${BASH_REMATCH[1]}
		now t2
		timeout 600 ip -n sadb xfrm state flush
	fi
	now t3
	[ $rc = 0 ] || head -n 5 "$WORK/sa.log" | sed 's/^/# /'
	rec kind=sa impl="$impl" n="$nsa" rep="$r" rc=$rc "count=$count" \
		"seconds=$(((t1 - t0) / 1000))e-3" "mem_before_kb=$m0" "mem_after_kb=$m1" \
		"flush_seconds=$(((t3 - t2) / 1000))e-3"
}

# sa_bench: nfesp against XFRM, interleaved, largest batch first so that
# its memory figure starts from a machine that has not held SAs yet.
sa_bench() {
	local r nsa

	ip netns add sadb || return
	for nsa in $SA_COUNTS; do
		say "writing $nsa SAs"
		sa_files "$nsa"
	done
	for r in $(seq "$REPS"); do
		for nsa in $SA_COUNTS; do
			# 100k is the slow one: fewer repetitions.
			[ "$nsa" -lt 100000 ] || [ "$r" -le $SA_REPS_100K ] || continue
			say "SA install, rep $r/$REPS: $nsa SAs, nfesp then XFRM"
			sa_install nfesp "$nsa" "$r"
			sa_install xfrm "$nsa" "$r"
		done
	done
	ip netns del sadb
	rm -f "$WORK"/sa-*.conf
}

# ---------------------------------------------------------------- tcrypt

# tcrypt MODE: tcrypt's speed test of an AEAD, one second per block size.
# The module never stays loaded: its init returns -EAGAIN on purpose. The
# results are in the kernel log only, after our marker.
tcrypt() {
	local f=$RAW/tcrypt-$1.txt rc

	echo "nfesp-bench: tcrypt mode=$1 start" >/dev/kmsg
	timeout 600 modprobe tcrypt mode="$1" sec=1 2>/dev/null
	rc=$?
	dmesg >"$f"
	rec kind=tcrypt mode="$1" rc=$rc "file=$f"
}

# ---------------------------------------------------------------- IKE

. "$TOP/tools/bench/ike.sh"

# ---------------------------------------------------------------- main

# stage S: S is one of the stages to run.
stage() {
	[[ " $STAGES " == *" $1 "* ]]
}

cleanup() {
	local pid

	servers_down
	for pid in $IKED_PID "${SWPID[@]}"; do
		[ -z "$pid" ] || kill "$pid" 2>/dev/null
	done
	for pid in "${HOLD[@]}"; do
		kill "$pid" 2>/dev/null
	done
	[ -z "$WORK" ] || rm -rf "$WORK"
}

main() {
	local r v mode

	parse_args "$@"
	mkdir -p "$RAW" || exit 1
	: >"$RAW/records.tsv"
	rec kind=info key=started "value=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	# The guest's /tmp is its own tmpfs: fast, and only we need it.
	WORK=$(mktemp -d /tmp/bench.XXXXXX)
	trap cleanup EXIT
	load_modules || { echo "# cannot load nfesp"; exit 1; }
	record_env
	keys_make || { echo "# cannot make keys"; exit 1; }
	topology_up || { echo "# cannot build the topology"; exit 1; }

	! stage sa || sa_bench
	for r in $(seq "$REPS"); do
		stage variants || break
		for v in $VARIANTS; do
			say "rep $r/$REPS: $v"
			run_variant "$v" "$r"
		done
		say "rep $r/$REPS: nfesp-gcm with 2 and with $EXTRA_POLICIES more policies"
		policies "$r"
	done
	! stage scale || scale_bench
	servers_down
	! stage ike || ike_bench
	for mode in $TCRYPT_MODES; do
		stage tcrypt || break
		say "tcrypt mode=$mode"
		tcrypt "$mode"
	done
	[ "$PROFILE" = 0 ] || profile_bench
	rec kind=info key=finished "value=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	say "done"
}

# Sourced (to debug a variant by hand), it only defines the functions.
# The exit is read with main: bash reads a script as it runs it, and one
# edited during a run would otherwise go on from where the old one ended.
[ "${BASH_SOURCE[0]}" != "$0" ] || { main "$@"; exit; }
