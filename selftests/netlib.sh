# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Network helpers for nfesp's integration tests, sourced after lib.sh.
#
# Two network namespaces joined by a veth pair. The "inner" addresses, the
# ones tunnel mode protects, sit on lo; the "outer" ones, the tunnel
# endpoints and the transport-mode hosts, on the veth:
#
#   ns a (stack: IMPL_A=xfrm|nfesp)             ns b (stack: XFRM)
#   +-------------------------------+           +-------------------------------+
#   | lo     10.1.0.1/32            |           | lo     10.2.0.1/32            |
#   |        2001:db8:1::1/128      |           |        2001:db8:2::1/128      |
#   |                               |   ESP     |                               |
#   | vethA  192.0.2.1/24           |===========| vethB  192.0.2.2/24           |
#   |        2001:db8::1/64         |           |        2001:db8::2/64         |
#   +-------------------------------+           +-------------------------------+
#
# As on a real network: ARP and neighbour discovery find the peer's MAC
# address (in transport mode over IPv6 the peer's Neighbour Advertisements
# come inside ESP, and must update vethA's neighbour cache), and strict
# reverse path filtering (rp_filter=1) is on for every interface, so
# decrypted packets must be seen arriving on vethA. The routes to the inner
# prefixes go through the peer's outer address. NET_STATIC_NEIGH=1 gives
# both sides permanent neighbour entries instead, for a test that must see
# no ARP or neighbour discovery on the link.
#
# One case at a time: net_up builds the topology for one mode and pair of
# families, ipsec_up configures both stacks for one algorithm, net_down
# throws everything away (and with it every counter).

NS_A=nfesp-a
NS_B=nfesp-b
MAC_A=02:00:00:00:0a:01
MAC_B=02:00:00:00:0b:01
OUT_A4=192.0.2.1 OUT_B4=192.0.2.2
OUT_A6=2001:db8::1 OUT_B6=2001:db8::2
IN_A4=10.1.0.1 IN_B4=10.2.0.1
IN_A6=2001:db8:1::1 IN_B6=2001:db8:2::1
NET_A4=10.1.0.0/16 NET_B4=10.2.0.0/16
NET_A6=2001:db8:1::/48 NET_B6=2001:db8:2::/48
REQID=1
# The replay window of every SA. With 64, XFRM-vs-XFRM once dropped 21
# packets of a TCP transfer as behind the window (XfrmInStateSeqError on the
# receiver) although they were in order on the wire: the receiver reorders
# them, most likely because AES-NI falls back to cryptd when the FPU is not
# usable, and under TCG a packet can wait there while dozens overtake it.
REPLAY_WINDOW=1024
IMPL_A=${IMPL_A:-nfesp}
export PATH=$PATH:/sbin:/usr/sbin

na() { ip netns exec "$NS_A" "$@"; }
nb() { ip netns exec "$NS_B" "$@"; }
# ns SIDE: the namespace of side a or b
ns() { if [ "$1" = a ]; then echo "$NS_A"; else echo "$NS_B"; fi; }

# ktap_skip DESCRIPTION REASON: a test that could not run here.
ktap_skip() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n - $1 # SKIP $2"
}

# Processes started in the namespaces (servers, captures), killed by net_down.
net_pids=()

# hexkey VAR BYTES SEED: set VAR to BYTES bytes of key, as hex without
# 0x, the same for the same numeric SEED. Pure bash: under TCG each process
# costs tens of milliseconds.
hexkey() {
	local hex=''

	RANDOM=$3
	while [ ${#hex} -lt $(($2 * 2)) ]; do
		printf -v hex '%s%04x' "$hex" $((RANDOM * 2 + (RANDOM & 1)))
	done
	printf -v "$1" '%s' "${hex:0:$(($2 * 2))}"
}

# enc_keylen ALG, auth_keylen ALG: key bytes, as ipsecctl wants them.
enc_keylen() {
	case $1 in
	aes-gcm-128) echo 20 ;;
	aes-gcm-192) echo 28 ;;
	aes-gcm-256|chacha20-poly1305) echo 36 ;;
	aes-cbc-128) echo 16 ;;
	aes-cbc-192) echo 24 ;;
	aes-cbc-256) echo 32 ;;
	null) echo 0 ;;
	*) return 1 ;;
	esac
}

auth_keylen() {
	case $1 in
	hmac-sha256) echo 32 ;;
	hmac-sha384) echo 48 ;;
	hmac-sha512) echo 64 ;;
	hmac-sha1) echo 20 ;;
	-) echo 0 ;;
	*) return 1 ;;
	esac
}

# The case being run, set by case_set:
#   C_MODE tunnel|transport, C_IN and C_OUT the inner and outer families
#   (4|6; equal in transport mode), C_ENC, C_AUTH (- for none), C_ESN 0|1,
#   the SPIs and keys of both directions, and the addresses each side uses.
case_set() {
	local n=${7:-0} elen alen

	C_MODE=$1 C_IN=$2 C_OUT=$3 C_ENC=$4 C_AUTH=$5 C_ESN=$6
	printf -v C_SPI_AB '0x%08x' $((0x0a0b0000 + n))
	printf -v C_SPI_BA '0x%08x' $((0x0b0a0000 + n))
	elen=$(enc_keylen "$C_ENC") alen=$(auth_keylen "$C_AUTH")
	hexkey C_KEY_AB "$elen" $((n * 4))
	hexkey C_KEY_BA "$elen" $((n * 4 + 1))
	hexkey C_AKEY_AB "$alen" $((n * 4 + 2))
	hexkey C_AKEY_BA "$alen" $((n * 4 + 3))
	if [ "$C_OUT" = 4 ]; then
		C_OA=$OUT_A4 C_OB=$OUT_B4
	else
		C_OA=$OUT_A6 C_OB=$OUT_B6
	fi
	if [ "$C_MODE" = transport ]; then
		# Host to host: the selectors are the outer addresses.
		C_A=$C_OA C_B=$C_OB
		if [ "$C_OUT" = 4 ]; then
			C_NET_A=$C_OA/32 C_NET_B=$C_OB/32
		else
			C_NET_A=$C_OA/128 C_NET_B=$C_OB/128
		fi
	elif [ "$C_IN" = 4 ]; then
		C_A=$IN_A4 C_B=$IN_B4 C_NET_A=$NET_A4 C_NET_B=$NET_B4
	else
		C_A=$IN_A6 C_B=$IN_B6 C_NET_A=$NET_A6 C_NET_B=$NET_B6
	fi
}

# cfg CMD...: one configuration step; a failure is remembered with its
# output, for cfg_check to report.
cfg_log=
cfg_failed=0
cfg() {
	local out

	if ! out=$("$@" 2>&1); then
		cfg_failed=1
		cfg_log+="\$ $*"$'\n'"$out"$'\n'
	fi
}

# cfg_batch CMD...: cfg with the commands on standard input, shown
# numbered if CMD fails (ip -batch names the line that failed).
cfg_batch() {
	local in out

	in=$(cat)
	if ! out=$("$@" <<<"$in" 2>&1); then
		cfg_failed=1
		cfg_log+="\$ $* <<EOF"$'\n'"$(nl -ba <<<"$in")"$'\n'"EOF"$'\n'"$out"$'\n'
	fi
}

# cfg_check DESCRIPTION: one KTAP line for every cfg since the last one.
cfg_check() {
	if [ "$cfg_failed" = 0 ]; then
		ktap_ok "$1"
	else
		diag "$cfg_log"
		ktap_fail "$1"
	fi
	cfg_log='' cfg_failed=0
}

link_up() { [[ $(ip -n "$1" link show "$2") = *"state UP"* ]]; }

# net_up: the two namespaces and the veth between them, with the routes the
# current case needs (see case_set).
net_up() {
	local n

	for n in $NS_A $NS_B; do
		cfg ip netns add $n
		cfg ip netns exec $n sysctl -qw net.ipv4.conf.all.rp_filter=1 \
			net.ipv4.conf.default.rp_filter=1
	done
	cfg ip link add vethA netns $NS_A address $MAC_A type veth \
		peer name vethB netns $NS_B address $MAC_B
	# Batches: under TCG, each ip takes some 50 ms to start.
	cfg_batch ip -n $NS_A -batch - \
		< <(net_side vethA $OUT_A4 $OUT_A6 $IN_A4 $IN_A6 $OUT_B4 $OUT_B6 $MAC_B "$C_NET_B")
	cfg_batch ip -n $NS_B -batch - \
		< <(net_side vethB $OUT_B4 $OUT_B6 $IN_B4 $IN_B6 $OUT_A4 $OUT_A6 $MAC_A "$C_NET_A")
	cfg wait_for 10 link_up $NS_A vethA
	cfg wait_for 10 link_up $NS_B vethB
}

# net_side DEV OUT4 OUT6 IN4 IN6 PEER4 PEER6 PEER_MAC PEER_NET: the ip
# commands that set up one end.
net_side() {
	cat <<-EOF
	link set lo up
	address add $2/24 dev $1
	address add $3/64 dev $1 nodad
	address add $4/32 dev lo
	address add $5/128 dev lo
	link set $1 up
	EOF
	[ "${NET_STATIC_NEIGH:-0}" = 0 ] || printf 'neigh add %s lladdr %s dev %s nud permanent\n' \
		"$6" "$8" "$1" "$7" "$8" "$1"
	[ "$C_MODE" = tunnel ] || return 0
	# Inner prefixes through the peer's outer address. IPv4 takes an IPv6
	# gateway (RTA_VIA), but IPv6 refuses an IPv4 one ("IPv6 does not
	# support RTA_VIA attribute"), so 6in4 routes through the peer's outer
	# IPv6 address.
	case $C_IN$C_OUT in
	44) echo "route add $9 via $6 dev $1" ;;
	46) echo "route add $9 via inet6 $7 dev $1" ;;
	6?) echo "route add $9 via $7 dev $1" ;;
	esac
}

net_down() {
	local p

	for p in "${net_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	net_pids=()
	ip netns del $NS_A 2>/dev/null
	ip netns del $NS_B 2>/dev/null
	return 0
}

# xfrm_alg KEY AUTHKEY: the algorithm words of ip xfrm state add.
xfrm_alg() {
	case $C_ENC in
	aes-gcm-*) echo "aead rfc4106(gcm(aes)) 0x$1 128" ;;
	chacha20-poly1305) echo "aead rfc7539esp(chacha20,poly1305) 0x$1 128" ;;
	aes-cbc-*) echo "enc cbc(aes) 0x$1" ;;
	null) echo 'enc ecb(cipher_null) ""' ;;
	esac
	case $C_AUTH in
	hmac-sha256) echo "auth-trunc hmac(sha256) 0x$2 128" ;;
	hmac-sha384) echo "auth-trunc hmac(sha384) 0x$2 192" ;;
	hmac-sha512) echo "auth-trunc hmac(sha512) 0x$2 256" ;;
	hmac-sha1) echo "auth-trunc hmac(sha1) 0x$2 96" ;;
	esac
}

# xfrm_cmds SIDE: the ip commands that configure XFRM in SIDE (a or b).
xfrm_cmds() {
	local lo ro ln rn spi_out spi_in k_out k_in a_out a_in opts tmpl_out tmpl_in

	if [ "$1" = a ]; then
		lo=$C_OA ro=$C_OB ln=$C_NET_A rn=$C_NET_B
		spi_out=$C_SPI_AB spi_in=$C_SPI_BA
		k_out=$C_KEY_AB k_in=$C_KEY_BA a_out=$C_AKEY_AB a_in=$C_AKEY_BA
	else
		lo=$C_OB ro=$C_OA ln=$C_NET_B rn=$C_NET_A
		spi_out=$C_SPI_BA spi_in=$C_SPI_AB
		k_out=$C_KEY_BA k_in=$C_KEY_AB a_out=$C_AKEY_BA a_in=$C_AKEY_AB
	fi
	opts="mode $C_MODE reqid $REQID replay-window $REPLAY_WINDOW"
	# A state whose inner family is not the outer one needs af-unspec.
	if [ "$C_MODE" = tunnel ] && [ "$C_IN" != "$C_OUT" ]; then
		opts+=" flag af-unspec$([ "$C_ESN" = 0 ] || echo " esn")"
	elif [ "$C_ESN" = 1 ]; then
		opts+=" flag esn"
	fi
	# shellcheck disable=SC2046 # one line of the algorithms' words
	echo "xfrm state add src $lo dst $ro proto esp spi $spi_out $opts" \
		$(xfrm_alg "$k_out" "$a_out")
	# shellcheck disable=SC2046
	echo "xfrm state add src $ro dst $lo proto esp spi $spi_in $opts" \
		$(xfrm_alg "$k_in" "$a_in")
	if [ "$C_MODE" = tunnel ]; then
		tmpl_out="tmpl src $lo dst $ro" tmpl_in="tmpl src $ro dst $lo"
	else
		tmpl_out=tmpl tmpl_in=tmpl
	fi
	echo "xfrm policy add src $ln dst $rn dir out $tmpl_out proto esp mode $C_MODE reqid $REQID"
	echo "xfrm policy add src $rn dst $ln dir in $tmpl_in proto esp mode $C_MODE reqid $REQID"
}

# xfrm_up SIDE: configure XFRM in namespace SIDE for the case.
xfrm_up() {
	cfg_batch ip -n "$(ns "$1")" -batch - < <(xfrm_cmds "$1")
}

# nfesp_cmds: the ipsecctl commands that configure nfesp in namespace a.
nfesp_cmds() {
	local sa="mode $C_MODE reqid $REQID enc $C_ENC" pol="mode $C_MODE reqid $REQID"
	local k_ab='' k_ba=''

	[ "$C_ENC" = null ] || k_ab="key $C_KEY_AB" k_ba="key $C_KEY_BA"
	if [ "$C_AUTH" != - ]; then
		k_ab+=" auth $C_AUTH authkey $C_AKEY_AB"
		k_ba+=" auth $C_AUTH authkey $C_AKEY_BA"
	fi
	[ "$C_ESN" = 0 ] || k_ab+=" esn" k_ba+=" esn"
	[ "$C_MODE" = transport ] || pol+=" local $C_OA peer $C_OB"
	echo "sa add spi $C_SPI_AB src $C_OA dst $C_OB $sa $k_ab replay-window $REPLAY_WINDOW"
	echo "sa add spi $C_SPI_BA src $C_OB dst $C_OA $sa $k_ba replay-window $REPLAY_WINDOW"
	echo "policy add dir out from $C_NET_A to $C_NET_B action protect $pol"
	echo "policy add dir in from $C_NET_B to $C_NET_A action protect $pol"
}

# ipsec_up: both stacks, XFRM in b and IMPL_A in a.
ipsec_up() {
	xfrm_up b
	if [ "$IMPL_A" = nfesp ]; then
		cfg_batch na "$IPSECCTL" -f - < <(nfesp_cmds)
	else
		xfrm_up a
	fi
}

# ping_ok SIDE: three echo requests from SIDE's address to the other's,
# every one answered.
ping_ok() {
	local src=$C_A dst=$C_B out

	[ "$1" = a ] || src=$C_B dst=$C_A
	out=$(timeout 20 ip netns exec "$(ns "$1")" ping -c 3 -i 0.2 -W 2 -I "$src" "$dst" 2>&1)
	echo "$out"
	grep -q ', 0% packet loss' <<<"$out"
}

listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }

# iperf_ok [-R]: a short TCP transfer from a to b's iperf3 server (from b
# to a with -R), between the case's addresses. The server logs to $WORK.
iperf_ok() {
	local srv rc log=$WORK/iperf3-server.log

	# Not through nb: $! must be the server itself, which ip netns exec
	# becomes, and not a subshell running a function.
	ip netns exec $NS_B iperf3 -s -1 -B "$C_B" -p 5201 >"$log" 2>&1 &
	srv=$!
	net_pids+=("$srv")
	if ! wait_for 10 listening $NS_B 5201; then
		echo "iperf3 server did not listen:"
		cat "$log"
		kill "$srv" 2>/dev/null
		wait "$srv"
		return 1
	fi
	timeout 30 ip netns exec $NS_A iperf3 -c "$C_B" -B "$C_A" -p 5201 -n 1M \
		--connect-timeout 5000 "$@" 2>&1 | tail -n 4
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ]; then
		echo "server said:"
		tail -n 6 "$log"
		kill "$srv" 2>/dev/null
		ip -n $NS_A -s link show vethA
		ip -n $NS_B -s link show vethB
	fi
	wait "$srv"
	return "$rc"
}

# xfrm_clean NS: no XFRM error counter moved in NS, and each of its two
# states carried packets, none too old (behind the window), replayed or
# failing (ICV or decryption).
xfrm_clean() {
	ip netns exec "$1" sh -c 'cat /proc/net/xfrm_stat; ip -s xfrm state' | awk '
		/^Xfrm/ { if ($2 != 0) { print "/proc/net/xfrm_stat: " $0; bad = 1 }; next }
		{ all = all "\n" $0 }
		/^src / { s = $2; d = $4 }
		/proto esp spi/ { spi = $4; sub(/\(.*/, "", spi) }
		/lifetime current:/ { getline; all = all "\n" $0; p = $2; sub(/\(packets\)/, "", p) }
		/replay-window [0-9]+ replay [0-9]+ failed [0-9]+/ {
			n++
			if (!(p > 0 && $2 == 0 && $4 == 0 && $6 == 0)) {
				printf "state %s -> %s spi %s: %d packets, %d too old, %d replayed, %d failed\n",
					s, d, spi, p, $2, $4, $6
				bad = 1
			}
		}
		END {
			if (n != 2) {
				print n + 0 " states instead of 2"
				bad = 1
			}
			if (bad)
				print "ip -s xfrm state:" all
			exit bad
		}'
}

# nfesp_clean: in namespace a, no nfesp drop counter moved, nothing is held
# and no ACQUIRE was raised, the case's 2 SAs and 2 policies are all there
# is, the a-to-b SA sent packets, the b-to-a SA received some, and neither
# saw an error.
nfesp_clean() {
	local stats show

	stats=$(na "$IPSECCTL" -j stats) || return 1
	show=$(na "$IPSECCTL" -j show) || return 1
	python3 - "$stats" "$show" "$C_SPI_AB" "$C_SPI_BA" <<-'EOF'
	import json, sys
	stats, show = json.loads(sys.argv[1]), json.loads(sys.argv[2])
	ab, ba = int(sys.argv[3], 16), int(sys.argv[4], 16)
	bad = []
	for k, v in stats["stats"].items():
	    # Gauges, packets handed to another CPU, ICMP errors sent in an
	    # SA: not drops. Both SAs are there before the policies: nothing
	    # may be held for one, and no ACQUIRE raised.
	    if k not in ("sa_count", "policy_count", "crypto_queued",
	                 "inflight", "out_icmp_tunnelled") and v != 0:
	        bad.append("stats %s = %d" % (k, v))
	if stats["stats"].get("sa_count") != 2 or stats["stats"].get("policy_count") != 2:
	    bad.append("sa-count and policy-count are not 2 and 2")
	sas = {int(sa["spi"], 16): sa for sa in show["sas"]}
	for spi, want in ((ab, "tx_packets"), (ba, "rx_packets")):
	    sa = sas.get(spi)
	    if sa is None:
	        bad.append("no SA 0x%08x" % spi)
	        continue
	    st = sa["stats"]
	    if st[want] == 0:
	        bad.append("SA 0x%08x: %s = 0" % (spi, want))
	    for k in ("replay", "auth_fail", "errors"):
	        if st[k] != 0:
	            bad.append("SA 0x%08x: %s = %d" % (spi, k, st[k]))
	if bad:
	    print("\n".join(bad))
	    print(json.dumps(stats, indent=1))
	    print(json.dumps(show["sas"], indent=1))
	sys.exit(1 if bad else 0)
	EOF
}

# capture_start FILE COUNT: tcpdump COUNT ESP packets on vethB into FILE;
# capture_stop waits for them (a signal could lose what the kernel still
# buffers).
capture_pid=
capture_start() {
	rm -f "$1" "$1.log"
	ip netns exec $NS_B tcpdump -n -Z root -U --immediate-mode -c "$2" \
		-i vethB -w "$1" esp 2>"$1.log" &
	capture_pid=$!
	net_pids+=("$capture_pid")
	wait_for 10 grep -q 'listening on' "$1.log"
}

running() { kill -0 "$1" 2>/dev/null; }

# SIGTERM, not SIGINT: a background job of a script ignores SIGINT.
capture_stop() {
	wait_for 10 eval "! running $capture_pid" || kill -TERM "$capture_pid" 2>/dev/null
	wait "$capture_pid" 2>/dev/null
	capture_pid=
}

# tshark_enc ALG, tshark_auth ALG: the names of tshark's esp_sa UAT.
tshark_enc() {
	case $1 in
	aes-gcm-*) echo "AES-GCM with 16 octet ICV [RFC4106]" ;;
	chacha20-poly1305) echo "ChaCha20 with Poly1305 [RFC7634]" ;;
	aes-cbc-*) echo "AES-CBC [RFC3602]" ;;
	null) echo "NULL" ;;
	esac
}

tshark_auth() {
	case $1 in
	hmac-sha256) echo "HMAC-SHA-256-128 [RFC4868]" ;;
	hmac-sha384) echo "HMAC-SHA-384-192 [RFC4868]" ;;
	hmac-sha512) echo "HMAC-SHA-512-256 [RFC4868]" ;;
	hmac-sha1) echo "HMAC-SHA-1-96 [RFC2404]" ;;
	-) echo "NULL" ;;
	esac
}

# tshark_sa SRC DST SPI KEY AUTHKEY: the -o option for one SA of the case.
tshark_sa() {
	local fam=IPv4 ek=0x$4 ak=""

	[ "$C_OUT" = 4 ] || fam=IPv6
	[ -n "$4" ] || ek=""
	[ -z "$5" ] || ak=0x$5
	printf 'uat:esp_sa:"%s","%s","%s","%s","%s","%s","%s","%s"' \
		$fam "$1" "$2" "$3" "$(tshark_enc "$C_ENC")" "$ek" "$(tshark_auth "$C_AUTH")" "$ak"
}

# tshark_opts: tshark's options to decrypt and verify both SAs of the case.
tshark_opts() {
	TSHARK_OPTS=(-n -o esp.enable_encryption_decode:TRUE
		-o esp.enable_authentication_check:TRUE
		-o "$(tshark_sa "$C_OA" "$C_OB" "$C_SPI_AB" "$C_KEY_AB" "$C_AKEY_AB")"
		-o "$(tshark_sa "$C_OB" "$C_OA" "$C_SPI_BA" "$C_KEY_BA" "$C_AKEY_BA")")
}

# tshark_decode FILE: one line per ESP packet in FILE, decrypted: whether
# its ICV verified (1, 0 or - if unchecked), its SPI, and the source,
# destination and ICMP type of the packet inside (the last IP header).
# tshark's complaints go to FILE.err: "invalid value" there means that it
# does not know an algorithm of the case (4.0 has no ChaCha20-Poly1305).
tshark_decode() {
	local f=(-e ip.src -e ip.dst -e icmp.type)

	[ "$C_IN" = 4 ] || f=(-e ipv6.src -e ipv6.dst -e icmpv6.type)
	tshark_opts
	timeout 120 tshark "${TSHARK_OPTS[@]}" -r "$1" -Y esp -T fields -E occurrence=l \
		-e esp.icv_good -e esp.spi "${f[@]}" 2>"$1.err" |
		awk -F'\t' '{ print ($1 == "" ? "-" : $1), $2, $3, $4, $5 }'
}
