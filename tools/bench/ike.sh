# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE stage of the benchmark, sourced by tools/bench/guest.sh (whose
# rec, say, n, now, wait_for, IPSECCTL, RAW, WORK, REPS and SMOKE it uses):
# ipsecctl's IKEv2 daemon against strongSwan 5.9.8's charon, in one boot.
#
# 1. A burst of IKE_N initiators against one responder. The initiators are
#    one charon (in namespace ikeI) with IKE_N connections, one per source
#    address, all with the same proposals; the responder (namespace ikeR) is
#    first `ipsecctl daemon` (child SAs into nfesp), then charon (into
#    XFRM), with the same IKE_N rules. One charon for every initiator: the
#    initiators' work is the same for both responders and costs one process,
#    where IKE_N charons would cost IKE_N start-ups (1.5-3 s each under TCG)
#    and IKE_N ipsecctl daemons IKE_N namespaces and module instances.
#
#      ikeI: charon, IKE_N connections          ikeR: the responder
#      198.51.100.10 ... .(10+IKE_N) ik0 ------ ik0 198.51.100.1
#      traps 10.3.0.0/16 -> 10.4.i.0/24         rules 10.4.i.0/24 <- 10.3.0.0/16
#
#    The initiator's connections are trap policies, loaded beforehand; the
#    burst is one bash in ikeI sending one UDP datagram to 10.4.i.1 for
#    every i, which raises IKE_N ACQUIREs within a millisecond or two, so
#    that no swanctl start-up (about a second here) is timed. The clock
#    starts there and stops when the responder has installed its 2 x IKE_N
#    child SAs, as its kernel reports them (ipsecctl monitor for nfesp, ip
#    xfrm monitor for XFRM), each event stamped as it arrives. The
#    responder's CPU time (user + system, all threads, from /proc/PID/stat)
#    over the burst is recorded too, and the initiators' charon's. Each burst has fresh daemons, and
#    before it one tunnel (c0, from .10) is set up untimed: ipsecctl
#    initializes OpenSSL at its first exchange, charon when it starts, and
#    the burst is for a responder that is running.
#
# 2. Time to first packet: echo requests from 10.1.0.1 to 10.2.0.1 with no
#    SA, one every 10 ms, from the first to the first reply (tools/bench/
#    ttfp.py), ipsecctl to ipsecctl (on-traffic rules on both sides: the
#    module holds the packets) and charon to charon (trap policies on both
#    sides: XFRM drops the packets sent before the SA is there,
#    net.core.xfrm_larval_drop=1, Debian's default, hence a request every
#    10 ms). Then the same over the established tunnel: its round trip.
#    Between repetitions the IKE SA is deleted (ipsecctl down, swanctl
#    --terminate) and the next ping waits until neither side has an SA.
#
# Proposals everywhere: IKE aes-gcm-256 / prf hmac-sha256 / curve25519
# (aes256gcm16-prfsha256-x25519), child aes-gcm-256 without PFS, PSK, IDs
# the IP addresses, MOBIKE off (ipsecctl has none; with it charon would
# move IKE_AUTH to port 4500 against charon only). Both daemons keep their
# DoS defaults: ipsecctl asks for COOKIEs from 32 half-open IKE SAs, charon
# from 30 (and 3 from one address); IKE_N stays below both.

IKE_N=24
IKE_NET=198.51.100
IKE_PSK=
IKE_DIR=
IKE_TIMEOUT=120
declare -A SWPID	# charon instance -> pid
IKED_PID=
# For profiling by hand: words put before the responder's command
# (IKE_WRAP="strace -tt -T -o FILE"), and more options for ipsecctl daemon
# (IKE_DAEMON_ARGS=-d: every message, with milliseconds). Source
# tools/bench/guest.sh in a VM, set RAW, WORK and IKE_N, then call
# load_modules, ike_init, ike_burst_setup and burst IMPL REP.
IKE_WRAP=${IKE_WRAP:-}
IKE_DAEMON_ARGS=${IKE_DAEMON_ARGS:-}

# sw_conf NAME: a strongswan.conf for a charon of its own in
# $IKE_DIR/sw-NAME, with its own vici socket, its log in a file (default
# level 1: about one line per exchange, as ipsecctl logs) and nothing
# outside that directory (no stroke plugin, no routes).
sw_conf() {
	local d=$IKE_DIR/sw-$1

	mkdir -p "$d" || return 1
	cat >"$d/strongswan.conf" <<-EOF
	charon {
		load_modular = yes
		plugins {
			include /etc/strongswan.d/charon/*.conf
			vici {
				socket = unix://$d/charon.vici
			}
			stroke {
				load = no
			}
		}
		install_routes = no
		filelog {
			sw {
				path = $d/charon.log
				time_format = %T
				time_add_ms = yes
				default = 1
				flush_line = yes
			}
		}
		syslog {
			daemon {
				default = -1
			}
		}
	}
	charon-systemd {
		journal {
			default = -1
		}
	}
	swanctl {
		socket = unix://$d/charon.vici
	}
	EOF
}

# sw NAME NS ARGS...: swanctl for charon NAME in namespace NS. Its start-up
# noise (plugins it cannot load, credential directories) goes to a log.
sw() {
	local name=$1 ns=$2

	shift 2
	STRONGSWAN_CONF=$IKE_DIR/sw-$name/strongswan.conf timeout 60 \
		ip netns exec "$ns" swanctl "$@" 2>>"$IKE_DIR/sw-$name/swanctl.err"
}

# sw_start NAME NS CONF: charon NAME in NS, with the connections of CONF.
sw_start() {
	local name=$1 ns=$2 conf=$3

	local wrap=

	[ "$name" != resp ] || wrap=$IKE_WRAP
	STRONGSWAN_CONF=$IKE_DIR/sw-$name/strongswan.conf \
		ip netns exec "$ns" $wrap /usr/sbin/charon-systemd \
		</dev/null >>"$IKE_DIR/sw-$name/stdout" 2>&1 &
	SWPID[$name]=$!
	wait_for 30 eval "sw $name $ns --stats >/dev/null" || return 1
	sw "$name" "$ns" --load-all --noprompt --file "$conf" >/dev/null
}

# stop_pid PID: TERM, then KILL if it lingers.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait_for 10 eval "! kill -0 $1 2>/dev/null" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

sw_stop() {
	stop_pid "${SWPID[$1]:-}"
	SWPID[$1]=
}

# cpu_ticks VAR PID: user + system time of PID and all its threads, in
# clock ticks.
cpu_ticks() {
	local stat f

	printf -v "$1" '%s' ''
	stat=$(cat "/proc/$2/stat" 2>/dev/null) || return 1
	read -ra f <<<"${stat##*) }"
	# After "pid (comm) ": state is field 0, utime 11, stime 12.
	printf -v "$1" '%s' $((f[11] + f[12]))
}

# udp_listening NS PORT: something in NS listens on UDP PORT.
udp_listening() {
	local port addr _

	printf -v port ':%04X' "$2"
	while read -r _ addr _; do
		[[ $addr == *"$port" ]] && return 0
	done <"/proc/${HOLD[$1]}/net/udp"
	return 1
}

# ike_link A B ADDR_A ADDR_B: a veth between namespaces A and B.
ike_link() {
	ip link add ik0 netns "$1" type veth peer name ik0 netns "$2" &&
	ip -n "$1" address add "$3/24" dev ik0 &&
	ip -n "$2" address add "$4/24" dev ik0 &&
	ip -n "$1" link set ik0 up && ip -n "$2" link set ik0 up
}

ike_ns() {
	ip netns add "$1" &&
	n "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 &&
	ip -n "$1" link set lo up &&
	hold "$1"
}

# ---------------------------------------------------------------- burst

# burst_files: the initiators' swanctl.conf and both responders' rules.
burst_files() {
	local i ip c

	{
		echo "connections {"
		for i in $(seq 0 "$IKE_N"); do
			ip=$IKE_NET.$((10 + i))
			cat <<-EOF
			c$i {
				version = 2
				local_addrs = $ip
				remote_addrs = $IKE_NET.1
				proposals = aes256gcm16-prfsha256-x25519
				mobike = no
				local {
					auth = psk
					id = $ip
				}
				remote {
					auth = psk
					id = $IKE_NET.1
				}
				children {
					c$i {
						local_ts = 10.3.0.0/16
						remote_ts = 10.4.$i.0/24
						esp_proposals = aes256gcm16
						start_action = trap
					}
				}
			}
			EOF
		done
		echo "}"
		echo "secrets { ike-all { secret = $IKE_PSK } }"
	} >"$IKE_DIR/burst-init.conf"
	{
		echo "connections {"
		for i in $(seq 0 "$IKE_N"); do
			ip=$IKE_NET.$((10 + i))
			cat <<-EOF
			c$i {
				version = 2
				local_addrs = $IKE_NET.1
				remote_addrs = $ip
				proposals = aes256gcm16-prfsha256-x25519
				mobike = no
				local {
					auth = psk
					id = $IKE_NET.1
				}
				remote {
					auth = psk
					id = $ip
				}
				children {
					c$i {
						local_ts = 10.4.$i.0/24
						remote_ts = 10.3.0.0/16
						esp_proposals = aes256gcm16
					}
				}
			}
			EOF
		done
		echo "}"
		echo "secrets { ike-all { secret = $IKE_PSK } }"
	} >"$IKE_DIR/burst-resp-sw.conf"
	for i in $(seq 0 "$IKE_N"); do
		c="ikev2 \"c$i\" passive esp tunnel from 10.4.$i.0/24 to 10.3.0.0/16"
		c+=" local $IKE_NET.1 peer $IKE_NET.$((10 + i))"
		c+=" ikesa enc aes-gcm-256 prf hmac-sha256 group curve25519"
		c+=" childsa enc aes-gcm-256 psk @$IKE_DIR/psk"
		echo "$c"
	done >"$IKE_DIR/burst-resp-ipsecctl.conf"
}

# burst_watch IMPL OUT: follow the responder's SA events in ikeR, each line
# stamped with the time it arrived; exit once 2 x IKE_N SAs are in.
burst_watch() {
	local impl=$1 out=$2 line t count=0 want=$((2 * IKE_N)) hdr=

	while IFS= read -r line; do
		t=$EPOCHREALTIME
		echo "$t $line"
		if [ "$impl" = ipsecctl ]; then
			[[ $line == "sa add "* ]] && count=$((count + 1))
		else
			# ip xfrm monitor: "src A dst B" (or "Updated src...",
			# "Deleted src..."), then "proto esp spi ..." lines.
			case $line in
			src\ *|Updated\ *) hdr=new ;;
			Deleted\ *|Expired\ *) hdr= ;;
			$'\t'proto\ esp\ spi*) [ "$hdr" != new ] || count=$((count + 1)); hdr= ;;
			esac
		fi
		if [ $count -ge $want ]; then
			echo "$t DONE $count"
			break
		fi
	done >"$out"
}

# burst_flush: no SA and no policy left in either namespace.
burst_flush() {
	local ns

	for ns in ikeI ikeR; do
		ip -n "$ns" -batch - <<-EOF
		xfrm policy flush
		xfrm state flush
		EOF
	done
	n ikeR "$IPSECCTL" -f - <<-EOF
	policy flush
	sa flush
	EOF
}

# warm IMPL: the responder has the two SAs of c0.
warm() {
	local c

	sa_count c "$1" ikeR && [ "$c" -ge 2 ]
}

# burst IMPL REP: one burst against responder IMPL (ipsecctl or strongswan);
# REP 0 is a warm-up and not recorded.
burst() {
	local impl=$1 r=$2 pfx=$RAW/ike-burst-$1-$2 rpid wpid= mpid= c0='' c1='' i0='' i1='' rc=0 st

	burst_flush >/dev/null 2>&1
	if [ "$impl" = ipsecctl ]; then
		ip netns exec ikeR $IKE_WRAP "$IPSECCTL" daemon $IKE_DAEMON_ARGS \
			-f "$IKE_DIR/burst-resp-ipsecctl.conf" \
			</dev/null >"$pfx-responder.log" 2>&1 &
		rpid=$!
		wait_for 20 udp_listening ikeR 500 || rc=responder
	else
		: >"$IKE_DIR/sw-resp/charon.log"
		sw_start resp ikeR "$IKE_DIR/burst-resp-sw.conf" || rc=responder
		rpid=${SWPID[resp]}
	fi
	: >"$IKE_DIR/sw-init/charon.log"
	[ "$rc" != 0 ] || sw_start init ikeI "$IKE_DIR/burst-init.conf" || rc=initiator
	# One tunnel first, c0, not timed: ipsecctl initializes OpenSSL at
	# its first exchange (some 0.3 s here), charon when it starts. The
	# burst is for a responder that runs.
	if [ "$rc" = 0 ]; then
		n ikeI bash -c 'echo x 2>/dev/null >/dev/udp/10.4.0.1/9'
		wait_for 30 warm "$impl" || rc=warm-up
		sleep 0.5
	fi
	if [ "$rc" = 0 ]; then
		# Monitors with line-buffered output, their events stamped here.
		rm -f "$IKE_DIR/fifo" && mkfifo "$IKE_DIR/fifo" || rc=fifo
		burst_watch "$impl" "$pfx-events.txt" <"$IKE_DIR/fifo" &
		wpid=$!
		if [ "$impl" = ipsecctl ]; then
			ip netns exec ikeR "$IPSECCTL" monitor
		else
			ip netns exec ikeR stdbuf -oL ip xfrm monitor nokeys SA
		fi >"$IKE_DIR/fifo" 2>/dev/null &
		mpid=$!
		# No readiness signal from either monitor: give it time to
		# subscribe (ip netns exec alone takes 0.3 s under TCG).
		sleep 2
		cpu_ticks c0 "$rpid"
		cpu_ticks i0 "${SWPID[init]}"
		# The clock starts in ikeI, just before the first datagram.
		ip netns exec ikeI bash -c '
			t=$EPOCHREALTIME
			for i in $(seq '"$IKE_N"'); do
				echo x 2>/dev/null >/dev/udp/10.4.$i.1/9
			done
			echo "$t START"' >"$pfx-start.txt" 2>&1
		st=$SECONDS
		while kill -0 "$wpid" 2>/dev/null && [ $((SECONDS - st)) -lt $IKE_TIMEOUT ]; do
			sleep 0.1
		done
		cpu_ticks c1 "$rpid"
		cpu_ticks i1 "${SWPID[init]}"
		grep -q DONE "$pfx-events.txt" || rc=timeout
	fi
	stop_pid "$mpid"
	stop_pid "$wpid"
	cp "$IKE_DIR/sw-init/charon.log" "$pfx-initiator.log" 2>/dev/null
	sw_stop init
	if [ "$impl" = ipsecctl ]; then
		n ikeR "$IPSECCTL" -j status >"$pfx-status.json" 2>&1
		stop_pid "$rpid"
	else
		sw resp ikeR --list-sas --raw >"$pfx-status.txt" 2>/dev/null
		sw_stop resp
		cp "$IKE_DIR/sw-resp/charon.log" "$pfx-responder.log"
	fi
	burst_flush >/dev/null 2>&1
	[ "$r" != 0 ] || return 0
	rec kind=ike_burst impl="$impl" rep="$r" n="$IKE_N" rc=$rc \
		"start=$pfx-start.txt" "events=$pfx-events.txt" \
		"cpu_ticks=$((${c1:-0} - ${c0:-0}))" "init_cpu_ticks=$((${i1:-0} - ${i0:-0}))" \
		"hz=$(getconf CLK_TCK)" \
		"log=$pfx-responder.log"
}

# ---------------------------------------------------------------- first packet

# ttfp_setup: two pairs of namespaces, tIa-tIb for ipsecctl and tSa-tSb
# for charon, each 10.1.0.1 (on lo) - 192.0.2.1 === 192.0.2.2 - 10.2.0.1.
ttfp_setup() {
	local p a b

	for p in I S; do
		a=t${p}a b=t${p}b
		ike_ns "$a" && ike_ns "$b" && ike_link "$a" "$b" 192.0.2.1 192.0.2.2 &&
		ip -n "$a" address add 10.1.0.1/24 dev lo &&
		ip -n "$b" address add 10.2.0.1/24 dev lo &&
		ip -n "$a" route add 10.2.0.0/24 via 192.0.2.2 src 10.1.0.1 &&
		ip -n "$b" route add 10.1.0.0/24 via 192.0.2.1 src 10.2.0.1 || return 1
	done
	for p in a b; do
		if [ $p = a ]; then
			set -- 10.1.0.0/24 10.2.0.0/24 192.0.2.1 192.0.2.2
		else
			set -- 10.2.0.0/24 10.1.0.0/24 192.0.2.2 192.0.2.1
		fi
		echo "ikev2 \"ab\" esp tunnel from $1 to $2 local $3 peer $4" \
			"ikesa enc aes-gcm-256 prf hmac-sha256 group curve25519" \
			"childsa enc aes-gcm-256 psk @$IKE_DIR/psk" >"$IKE_DIR/ttfp-$p.conf"
		cat >"$IKE_DIR/ttfp-$p.swanctl.conf" <<-EOF
		connections {
			ab {
				version = 2
				local_addrs = $3
				remote_addrs = $4
				proposals = aes256gcm16-prfsha256-x25519
				mobike = no
				local {
					auth = psk
					id = $3
				}
				remote {
					auth = psk
					id = $4
				}
				children {
					ab {
						local_ts = $1
						remote_ts = $2
						esp_proposals = aes256gcm16
						start_action = trap
					}
				}
			}
		}
		secrets { ike-all { secret = $IKE_PSK } }
		EOF
		ip netns exec tI$p "$IPSECCTL" daemon -f "$IKE_DIR/ttfp-$p.conf" \
			</dev/null >"$RAW/ike-ttfp-ipsecctl-$p.log" 2>&1 &
		IKED_PID+=" $!"
		sw_conf "t$p" || return 1
		sw_start "t$p" "tS$p" "$IKE_DIR/ttfp-$p.swanctl.conf" || return 1
	done
	wait_for 20 udp_listening tIa 500 && wait_for 20 udp_listening tIb 500
}

# sa_count VAR IMPL NS: the SAs in NS, nfesp's or XFRM's.
sa_count() {
	local out

	printf -v "$1" '%s' ''
	if [ "$2" = ipsecctl ]; then
		out=$(n "$3" "$IPSECCTL" -j stats 2>/dev/null)
		[[ $out =~ \"sa_count\":([0-9]+) ]] || return 1
		printf -v "$1" '%s' "${BASH_REMATCH[1]}"
	else
		out=$(ip -n "$3" xfrm state count 2>/dev/null)
		[[ $out =~ count\ ([0-9]+) ]] || return 1
		printf -v "$1" '%s' "${BASH_REMATCH[1]}"
	fi
}

# no_sa_i, no_sa_s: neither side of the ipsecctl (tIa-tIb) or the charon
# (tSa-tSb) pair has an SA. XFRM's larval acquire states count: while one
# is there, no new ACQUIRE is raised.
no_sa_i() { local c; sa_count c ipsecctl tIa && [ "$c" = 0 ] && sa_count c ipsecctl tIb && [ "$c" = 0 ]; }
no_sa_s() { local c; sa_count c strongswan tSa && [ "$c" = 0 ] && sa_count c strongswan tSb && [ "$c" = 0 ]; }

# ttfp_ping NS OUT: echo requests from 10.1.0.1 to 10.2.0.1 in NS, one
# every 10 ms until the first reply (at most 30 s), timed by ttfp.py from
# the first request it sends: not its start-up, a second under TCG.
ttfp_ping() {
	ip netns exec "$1" python3 "$TOP/tools/bench/ttfp.py" 10.1.0.1 10.2.0.1 0.01 30 \
		>"$2" 2>&1
	echo "rc=$?" >>"$2"
}

# ttfp IMPL REP: one time to first packet, then the same over the tunnel,
# then the tunnel down again.
ttfp() {
	local impl=$1 r=$2 pfx=$RAW/ike-ttfp-$1-$2 ns rc=0 waitfn

	if [ "$impl" = ipsecctl ]; then ns=tIa waitfn=no_sa_i; else ns=tSa waitfn=no_sa_s; fi
	wait_for 30 $waitfn || rc=stale
	ttfp_ping "$ns" "$pfx-first.txt"
	ttfp_ping "$ns" "$pfx-again.txt"
	if [ "$impl" = ipsecctl ]; then
		n tIa "$IPSECCTL" down ab >>"$pfx-down.log" 2>&1
	else
		sw ta tSa --terminate --ike ab --timeout 20 >>"$pfx-down.log" 2>&1
	fi
	wait_for 30 $waitfn || rc=down
	[ "$r" != 0 ] || return 0
	rec kind=ike_ttfp impl="$impl" rep="$r" rc=$rc "first=$pfx-first.txt" \
		"again=$pfx-again.txt"
}

# ---------------------------------------------------------------- stage

# ike_burst_setup: the burst's namespaces, addresses and files.
ike_burst_setup() {
	local r

	ike_ns ikeI && ike_ns ikeR && ike_link ikeR ikeI $IKE_NET.1 $IKE_NET.11 || return
	for r in $(seq 10 $((10 + IKE_N))); do
		[ "$r" != 11 ] || continue
		ip -n ikeI address add $IKE_NET.$r/24 dev ik0 || return
	done
	ip -n ikeI address add 10.3.0.1/16 dev lo &&
	ip -n ikeI route add 10.4.0.0/16 via $IKE_NET.1 src 10.3.0.1 &&
	sw_conf init && sw_conf resp && burst_files
}

# ike_init: the stage's directory and key.
ike_init() {
	IKE_DIR=$WORK/ike
	mkdir -p "$IKE_DIR" || return
	IKE_PSK=$(hexkey 32)
	(umask 077; echo "$IKE_PSK" >"$IKE_DIR/psk")
}

ike_bench() {
	local r impl first=0

	[ -x /usr/sbin/charon-systemd ] && command -v swanctl >/dev/null ||
		{ rec kind=info key=ike "value=skipped: no strongSwan"; say "IKE: no strongSwan, skipped"; return; }
	# A smoke run checks that it works: 4 initiators, no warm-up.
	[ "$SMOKE" = 0 ] || IKE_N=4 first=1
	[ -z "$IKE_N_ARG" ] || IKE_N=$IKE_N_ARG
	rec kind=info key=ike_params "value=n=$IKE_N reps=$REPS larval_drop=$(sysctl -n net.core.xfrm_larval_drop) strongswan=$(dpkg-query -W -f '${Version}' charon-systemd 2>/dev/null)"
	ike_init && ike_burst_setup || { rec kind=ike_burst impl=setup rep=1 n=$IKE_N rc=setup; return; }
	# Rep 0 warms up: binaries and plugins read over 9p, transforms made.
	for r in $(seq $first "$REPS"); do
		for impl in ipsecctl strongswan; do
			say "IKE burst of $IKE_N, rep $r/$REPS: $impl responder"
			burst "$impl" "$r"
		done
	done
	say "IKE time to first packet: setting up"
	ttfp_setup || { rec kind=ike_ttfp impl=setup rep=1 rc=setup; return; }
	for r in $(seq $first "$REPS"); do
		for impl in ipsecctl strongswan; do
			say "IKE time to first packet, rep $r/$REPS: $impl"
			ttfp "$impl" "$r"
		done
	done
	for r in $IKED_PID; do
		stop_pid "$r"
	done
	sw_stop ta
	sw_stop tb
	for r in a b; do
		cp "$IKE_DIR/sw-t$r/charon.log" "$RAW/ike-ttfp-strongswan-$r.log" 2>/dev/null
	done
}
