# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# IKE helpers for selftests/ike.sh, sourced after lib.sh and netlib.sh and
# after workdir (every file goes under $W, the guest's own tmpfs).
#
# strongSwan 5.9.8 (../shared/IKE.md 5.1): one charon-systemd per instance,
# in a namespace, with its own strongswan.conf (STRONGSWAN_CONF), vici
# socket, log and swanctl.conf under $W/sw-NAME. No pid file, no stroke,
# nothing written outside $W; XFRM is the namespace's.
#
#   sw_start NAME NS [IKE_LOGLEVEL]   start it (4 logs the IKE keys)
#   sw_conf NAME KEY=VALUE...         write its swanctl.conf (one connection;
#                                     version=1 [aggressive=yes] for IKEv1)
#   sw_load NAME                      swanctl --load-all
#   sw NAME ARGS...                   swanctl against it
#   sw_ike_state NAME CONN            ESTABLISHED, CONNECTING, ... or nothing
#   sw_child_state NAME CONN          INSTALLED, REKEYED, ... (the newest)
#   sw_wait_up NAME CONN SECS         IKE ESTABLISHED and a child INSTALLED
#   sw_child_spis NAME CONN           "SPI_IN SPI_OUT" of the installed child
#   sw_ike_spis NAME CONN             "SPI_I SPI_R" (16 hex digits each)
#   sw_stop NAME                      SIGTERM, then SIGKILL
#
# ipsecctl's IKE daemon, the same way under $W/ikd-NAME:
#   ikd_rule KEY=VALUE...             one iked.conf-style rule
#   ikd_rule1 KEY=VALUE...            one ikev1 rule
#   ikd_psk FILE SECRET               a PSK file, mode 600
#   ikd_start NAME NS CONF [ARGS]     ipsecctl daemon -f CONF --export-keys
#   ikd_state NS CONN                 established, connecting, idle or nothing
#   ikd_wait NS CONN STATE SECS
#   ikd_child_spis NS CONN            "SPI_IN SPI_OUT" as 0x%08x
#   ikd_stop NAME                     SIGTERM (deletes the SAs with the peer)
#   no_sas NS...                      no SA in nfesp (in NFESP_NS, default a's)
#                                     or in XFRM (the others)
#   wait_no_sas SECS NS...            until no_sas, or what is left is shown
#
# Captures and tshark:
#   ike_capture_start NS DEV FILE [FILTER], ike_capture_stop
#   ike_tshark_esp_opts NS...         esp_sa UAT options for every XFRM state
#   ike_tshark_file_opts DIR          UAT options from an --export-keys DIR
#   sw_ikev2_uat NAME CONN            ikev2_decryption_table entry from the
#                                     charon log (ike=4) and list-sas
#   sw_ikev1_uat NAME CONN            ikev1_decryption_table entry (CKY-I,Ka)
#   ike1_decrypts PCAP SPIS OPTS...   tshark decrypts every encrypted ISAKMP
#                                     message; quick mode carries SPIS
#
# Libreswan 4.10 (../shared/IKE.md 5.2), IKEv1 only here: its .deb, kept in
# the cache by tools/deps.sh (it conflicts with strongSwan in apt), is
# unpacked into the VM's throwaway overlay root, and one pluto per instance
# runs in a namespace with its ipsec.conf, ipsec.secrets, NSS db, run
# directory (pluto.ctl, pluto.pid) and log under $W/ls-NAME:
#   ls_install                        unpack the .deb into / (once)
#   ls_start NAME NS                  start pluto
#   ls_conf NAME KEY=VALUE...         write its ipsec.conf (one conn) and secrets
#   ls_load NAME                      add the conn (and route or initiate it)
#   ls_whack NAME ARGS...             whack against it
#   ls_up NAME [SECS]                 whack --initiate, blocking
#   ls_state NAME CONN                "IKE IPSEC": its newest states' names
#   ls_wait_up NAME CONN SECS         an IKE and an IPsec SA established
#   ls_child_spis NAME CONN           "SPI_IN SPI_OUT" (0x%08x) of the newest
#   ls_stop NAME                      SIGTERM (deletes the SAs), then SIGKILL

SWANCTL=${SWANCTL:-/usr/sbin/swanctl}
CHARON=${CHARON:-/usr/sbin/charon-systemd}
declare -A sw_pid=() sw_ns=() ikd_pid=() ikd_nsof=() ls_pid=() ls_ns=()

# hex8: each line's words (hex, with or without 0x) as 0x%08x, space-separated
hex8() {
	local l w out
	while read -r l; do
		out=
		for w in $l; do
			printf -v w '0x%08x' "0x${w#0x}"
			out+="${out:+ }$w"
		done
		echo "$out"
	done
}

# --- strongSwan ----------------------------------------------------------

sw_dir() { echo "$W/sw-$1"; }

sw() {
	local name=$1
	shift
	STRONGSWAN_CONF=$(sw_dir "$name")/strongswan.conf ip netns exec "${sw_ns[$name]}" \
		"$SWANCTL" "$@" 2> >(grep -vE "plugin '[a-z0-9-]+': failed to load|opening directory .* failed" >&2)
}

# sw_write_conf DIR IKE_LOGLEVEL: DIR/strongswan.conf, with the vici socket
# and the log in DIR
sw_write_conf() {
	local d=$1 lvl=$2

	# swanctl looks for credentials next to its --file.
	(cd "$d" && mkdir -p x509 x509ca x509aa x509ocsp x509crl x509ac pubkey private rsa ecdsa bliss pkcs8 pkcs12)
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
		# IKEv1 aggressive mode with a PSK as responder (ikev1.sh); it
		# changes nothing for IKEv2.
		i_dont_care_about_security_and_use_aggressive_mode_psk = yes
		# IKEv1: after a quick mode rekey it initiated, delete the
		# replaced SAs (Delete to the peer) instead of letting them
		# expire, so that tests see the peer follow a Delete.
		delete_rekeyed = yes
		retransmit_timeout = 1
		retransmit_tries = 3
		filelog {
			sw {
				path = $d/charon.log
				time_format = %T
				default = 1
				ike = $lvl
				cfg = 2
				knl = 1
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

sw_start() {
	local name=$1 ns=$2 lvl=${3:-2} d

	d=$(sw_dir "$name")
	mkdir -p "$d"
	sw_write_conf "$d" "$lvl"
	sw_ns[$name]=$ns
	STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$ns" "$CHARON" \
		</dev/null >"$d/stdout" 2>&1 &
	sw_pid[$name]=$!
	net_pids+=("$!")
	wait_for 20 sw "$name" --stats || {
		echo "charon $name did not answer on $d/charon.vici:"
		tail -n 20 "$d/stdout" "$d/charon.log" 2>/dev/null
		return 1
	}
}

sw_stop() {
	local p=${sw_pid[$1]:-}

	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait_for 10 eval "! running $p" || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "sw_pid[$1]"
	return 0
}

# sw_conf NAME KEY=VALUE...: a swanctl.conf with one connection and its PSK.
# Keys (defaults in brackets):
#   conn [c] child [net] local remote (addresses) lid rid (ids [= addresses])
#   ike [aes256gcm16-prfsha256-x25519] esp [aes256gcm16]
#   lts rts (traffic selectors) mode [tunnel] start [none: trap, start]
#   mobike [no] encap [no] dpd [0s] dpd_action [clear]
#   rekey [4h] (IKE) child_rekey [1h] rand [0s] psk [0x...]
#   version [2] aggressive [no] (IKEv1) dpd_timeout [150s] (IKEv1)
sw_conf() {
	local name=$1 d kv
	local -A o=([conn]=c [child]=net [ike]=aes256gcm16-prfsha256-x25519 [esp]=aes256gcm16
		[mode]=tunnel [start]=none [mobike]=no [encap]=no [dpd]=0s [dpd_action]=clear
		[rekey]=4h [child_rekey]=1h [rand]=0s [psk]=0x00112233445566778899aabbccddeeff
		[version]=2 [aggressive]=no [dpd_timeout]=150s)
	shift
	for kv; do o[${kv%%=*}]=${kv#*=}; done
	: "${o[lid]:=${o[local]}}" "${o[rid]:=${o[remote]}}"
	d=$(sw_dir "$name")
	mkdir -p "$d"
	cat >"$d/swanctl.conf" <<-EOF
	connections {
		${o[conn]} {
			version = ${o[version]}
			aggressive = ${o[aggressive]}
			local_addrs = ${o[local]}
			remote_addrs = ${o[remote]}
			proposals = ${o[ike]}
			mobike = ${o[mobike]}
			encap = ${o[encap]}
			dpd_delay = ${o[dpd]}
			dpd_timeout = ${o[dpd_timeout]}
			rekey_time = ${o[rekey]}
			rand_time = ${o[rand]}
			local {
				auth = psk
				id = ${o[lid]}
			}
			remote {
				auth = psk
				id = ${o[rid]}
			}
			children {
				${o[child]} {
					local_ts = ${o[lts]}
					remote_ts = ${o[rts]}
					esp_proposals = ${o[esp]}
					mode = ${o[mode]}
					start_action = ${o[start]}
					dpd_action = ${o[dpd_action]}
					rekey_time = ${o[child_rekey]}
					rand_time = ${o[rand]}
				}
			}
		}
	}
	secrets {
		ike-1 {
			id-1 = ${o[lid]}
			id-2 = ${o[rid]}
			secret = ${o[psk]}
		}
	}
	EOF
}

sw_load() {
	sw "$1" --load-all --noprompt --file "$(sw_dir "$1")/swanctl.conf"
}

# sw_raw NAME CONN: the list-sas --raw line of CONN's IKE SAs
sw_raw() { sw "$1" --list-sas --ike "$2" --raw 2>/dev/null; }

# sw_field TEXT KEY: the values of KEY=VALUE in TEXT, one a line
sw_field() { grep -oE "(^|[ {])$2=[^ }]*" <<<"$1" | sed 's/^.*=//'; }

sw_ike_state() {
	local raw
	raw=$(sw_raw "$1" "$2") || return 1
	# The IKE SA's state comes before its child-sas block.
	sw_field "${raw%%child-sas*}" state | head -n1
}

sw_child_state() {
	local raw
	raw=$(sw_raw "$1" "$2") || return 1
	[[ $raw == *child-sas* ]] || return 0
	sw_field "${raw#*child-sas}" state | tail -n1
}

sw_up() {
	[ "$(sw_ike_state "$1" "$2")" = ESTABLISHED ] &&
		sw_field "$(sw_raw "$1" "$2")" state | grep -qx INSTALLED
}

sw_wait_up() {
	wait_for "$3" sw_up "$1" "$2" && return 0
	echo "strongSwan $1: $2 is not up after $3 s:"
	sw "$1" --list-sas
	tail -n 30 "$(sw_dir "$1")/charon.log"
	return 1
}

# sw_child_spis NAME CONN: "SPI_IN SPI_OUT" (0x%08x) of its INSTALLED child
sw_child_spis() {
	sw_raw "$1" "$2" | grep -oE '\{[^{}]*state=INSTALLED[^{}]*\}' | tail -n1 |
		awk '{ for (i = 1; i <= NF; i++) {
			if ($i ~ /^spi-in=/) { sub(/^spi-in=/, "", $i); si = $i }
			if ($i ~ /^spi-out=/) { sub(/^spi-out=/, "", $i); so = $i } }
			if (si != "") print si, so }' | hex8
}

sw_ike_spis() {
	local raw
	raw=$(sw_raw "$1" "$2")
	raw=${raw%%child-sas*}
	echo "$(sw_field "$raw" initiator-spi | head -n1) $(sw_field "$raw" responder-spi | head -n1)"
}

# sw_count_ike NAME: how many IKE SAs it has
sw_count_ike() { sw "$1" --list-sas --raw 2>/dev/null | grep -c 'list-sa event'; }

# sw_ikev2_uat NAME CONN: the ikev2_decryption_table entry of CONN's IKE SA,
# keys from the charon log (ike = 4) and SPIs from list-sas. Only for the
# first IKE SA of the log (keys of a rekeyed SA follow later in the log).
sw_ikev2_uat() {
	local spis raw encr ks integ te ti

	raw=$(sw_raw "$1" "$2")
	raw=${raw%%child-sas*}
	spis=$(sw_ike_spis "$1" "$2")
	encr=$(sw_field "$raw" encr-alg | head -n1)
	ks=$(sw_field "$raw" encr-keysize | head -n1)
	integ=$(sw_field "$raw" integ-alg | head -n1)
	case $encr in
	AES_GCM_16) te="AES-GCM-$ks with 16 octet ICV [RFC5282]" ;;
	AES_CBC) te="AES-CBC-$ks [RFC3602]" ;;
	*) echo "tshark cannot decrypt IKE with $encr" >&2; return 1 ;;
	esac
	case $integ in
	'') ti="NONE [RFC4306]" ;;
	HMAC_SHA2_256_128) ti="HMAC_SHA2_256_128 [RFC4868]" ;;
	HMAC_SHA2_384_192) ti="HMAC_SHA2_384_192 [RFC4868]" ;;
	HMAC_SHA2_512_256) ti="HMAC_SHA2_512_256 [RFC4868]" ;;
	*) echo "no tshark name for $integ" >&2; return 1 ;;
	esac
	awk -v spis="$spis" -v te="$te" -v ti="$ti" '
		# "Sk_ei secret => 36 bytes @ 0x...", then hexdump lines
		# "HH:MM:SS NN[IKE]    0: 8A 5B ... (16 bytes)  ascii"
		match($0, /Sk_(ei|er|ai|ar) secret => [0-9]+ bytes/) {
			split(substr($0, RSTART, RLENGTH), w, " ")
			k = w[1]; want[k] = w[4] * 2; if (k in got) k = ""; next
		}
		k != "" && match($0, /\[IKE\] +[0-9]+: /) {
			h = substr($0, RSTART + RLENGTH, 48); gsub(/ /, "", h)
			got[k] = got[k] tolower(h)
			if (length(got[k]) >= want[k]) k = ""
			next
		}
		{ k = "" }
		END {
			split(spis, s, " ")
			if (!("Sk_ei" in got) || s[2] == "") exit 1
			printf "%s,%s,%s,%s,\"%s\",%s,%s,\"%s\"\n", s[1], s[2],
				got["Sk_ei"], got["Sk_er"], te, got["Sk_ai"], got["Sk_ar"], ti
		}' "$(sw_dir "$1")/charon.log"
}

# sw_ikev1_uat NAME CONN: the ikev1_decryption_table entry of CONN's IKE
# SA: the initiator cookie from list-sas and Ka ("encryption key Ka", the
# cipher key of RFC 2409 App. B) from the charon log (ike = 4), the first
# one of the log.
sw_ikev1_uat() {
	local spis

	spis=$(sw_ike_spis "$1" "$2")
	awk -v cky="${spis%% *}" '
		# "encryption key Ka => 16 bytes @ 0x...", then hexdump lines
		/encryption key Ka => [0-9]+ bytes/ && !done {
			match($0, /=> [0-9]+ bytes/)
			split(substr($0, RSTART, RLENGTH), w, " ")
			want = w[2] * 2; k = 1; next
		}
		k && match($0, /\[IKE\] +[0-9]+: /) {
			h = substr($0, RSTART + RLENGTH, 48); gsub(/ /, "", h)
			ka = ka tolower(h)
			if (length(ka) >= want) { k = 0; done = 1 }
			next
		}
		{ k = 0 }
		END {
			if (ka == "" || length(cky) != 16) exit 1
			printf "%s,%s\n", cky, substr(ka, 1, want)
		}' "$(sw_dir "$1")/charon.log"
}

# --- Libreswan 4.10 --------------------------------------------------------

PLUTO=${PLUTO:-/usr/libexec/ipsec/pluto}
WHACK=${WHACK:-/usr/libexec/ipsec/whack}
ADDCONN=${ADDCONN:-/usr/libexec/ipsec/addconn}

# ls_deb: the cached libreswan .deb (tools/deps.sh), newest version last
ls_deb() {
	local c
	for c in "${LIBRESWAN_DEB:-}" "${NFESP_CACHE:-$HOME/.cache/nfesp}" /root/.cache/nfesp; do
		[ -n "$c" ] || continue
		if [ -f "$c" ]; then echo "$c"; return 0; fi
		compgen -G "$c/libreswan_*_amd64.deb" | sort -V | tail -n1 | grep . && return 0
	done
	return 1
}

# ls_install: pluto, whack and addconn at their compiled-in paths (pluto
# 4.10 runs /usr/libexec/ipsec/addconn). Unpacked from the cached .deb,
# only onto a throwaway overlay root (the test VM's), never a real one.
ls_install() {
	local deb root

	[ -x "$PLUTO" ] && [ -x "$ADDCONN" ] && [ -x "$WHACK" ] && return 0
	deb=$(ls_deb) || { echo "no libreswan .deb in the cache: run tools/deps.sh"; return 1; }
	root=$(awk '$2 == "/" { t = $3 } END { print t }' /proc/mounts)
	if [ "$root" != overlay ]; then
		echo "the root is $root, not the VM's throwaway overlay: not unpacking $deb into it"
		return 1
	fi
	# Not dpkg-deb -x: its tar replaces the merged-/usr symlinks /lib
	# (the .deb has ./lib/systemd) with directories, and every dynamically
	# linked program then lacks its loader. --keep-directory-symlink
	# follows them.
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C / --keep-directory-symlink --no-same-owner &&
		[ -x "$PLUTO" ] || { echo "unpacking $deb into / failed"; return 1; }
	command -v certutil >/dev/null || { echo "certutil missing (libnss3-tools, tools/deps.sh)"; return 1; }
}

ls_dir() { echo "$W/ls-$1"; }

ls_whack() {
	local name=$1
	shift
	ip netns exec "${ls_ns[$name]}" "$WHACK" --rundir "$(ls_dir "$name")/run" "$@"
}

# ls_setup DIR: the config setup section
ls_setup() {
	# Indented with a tab, which a <<- here-document would strip: pluto
	# takes an unindented line for a new section.
	echo "config setup"
	printf '\t%s\n' "logfile=$1/pluto.log" logappend=yes logtime=yes \
		"plutodebug=${LS_DEBUG:-none}" dnssec-enable=no "nssdir=$1/nss" \
		"secretsfile=$1/ipsec.secrets" ikev1-policy=accept uniqueids=no
}

# ls_start NAME NS: pluto in NS. No conn yet (ls_conf, ls_load).
ls_start() {
	local name=$1 ns=$2 d

	ls_install || return 1
	d=$(ls_dir "$name")
	mkdir -p "$d/nss" "$d/run"
	ls_ns[$name]=$ns
	[ -e "$d/nss/cert9.db" ] || certutil -N -d "sql:$d/nss" --empty-password || return 1
	[ -e "$d/ipsec.conf" ] || ls_setup "$d" >"$d/ipsec.conf"
	[ -e "$d/ipsec.secrets" ] || (umask 077 && : >"$d/ipsec.secrets")
	ip netns exec "$ns" "$PLUTO" --config "$d/ipsec.conf" --rundir "$d/run" --nssdir "$d/nss" \
		--secretsfile "$d/ipsec.secrets" --nofork </dev/null >"$d/stdout" 2>&1 &
	ls_pid[$name]=$!
	net_pids+=("$!")
	wait_for 20 ls_whack "$name" --briefstatus || {
		echo "pluto $name did not answer on $d/run/pluto.ctl:"
		tail -n 20 "$d/stdout" "$d/pluto.log" 2>/dev/null
		return 1
	}
}

# ls_stop NAME: SIGTERM (pluto deletes its SAs, telling the peer), then
# SIGKILL; what is left in XFRM stays (the namespace goes with the case).
ls_stop() {
	local p=${ls_pid[$1]:-}

	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait_for 10 eval "! running $p" || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "ls_pid[$1]"
	return 0
}

# ls_conf NAME KEY=VALUE...: its ipsec.conf, with one conn, and the PSK.
# Keys (defaults in brackets):
#   conn [c] local remote (addresses) lid rid (ids [= addresses]; @fqdn)
#   lsubnet rsubnet (empty: host to host) type [tunnel]
#   ike [aes128-sha2_256;modp2048] esp [aes128-sha2_256] pfs [yes]
#   aggressive [no] ikelifetime [8h] salifetime [1h] rekeymargin [9m]
#   rekeyfuzz [0%] dpddelay [0] dpdtimeout [0] dpdaction [clear]
#   encapsulation [auto] auto [add: respond; start, route] keyingtries [1]
#   psk [0x...]
ls_conf() {
	local name=$1 d kv
	local -A o=([conn]=c [type]=tunnel [ike]='aes128-sha2_256;modp2048' [esp]=aes128-sha2_256
		[pfs]=yes [aggressive]=no [ikelifetime]=8h [salifetime]=1h [rekeymargin]=9m
		[rekeyfuzz]=0% [dpddelay]=0 [dpdtimeout]=0 [dpdaction]=clear [encapsulation]=auto
		[auto]=add [keyingtries]=1 [psk]=0x00112233445566778899aabbccddeeff
		[lsubnet]='' [rsubnet]='')
	shift
	for kv; do o[${kv%%=*}]=${kv#*=}; done
	: "${o[lid]:=${o[local]}}" "${o[rid]:=${o[remote]}}"
	d=$(ls_dir "$name")
	mkdir -p "$d"
	{
		ls_setup "$d"
		echo
		echo "conn ${o[conn]}"
		printf '\t%s\n' ikev2=no authby=secret "type=${o[type]}" \
			"left=${o[local]}" "leftid=${o[lid]}" "right=${o[remote]}" "rightid=${o[rid]}" \
			${o[lsubnet]:+"leftsubnet=${o[lsubnet]}"} ${o[rsubnet]:+"rightsubnet=${o[rsubnet]}"} \
			"ike=${o[ike]}" "esp=${o[esp]}" "pfs=${o[pfs]}" "aggressive=${o[aggressive]}" \
			"ikelifetime=${o[ikelifetime]}" "salifetime=${o[salifetime]}" \
			"rekeymargin=${o[rekeymargin]}" "rekeyfuzz=${o[rekeyfuzz]}" \
			"keyingtries=${o[keyingtries]}" "encapsulation=${o[encapsulation]}" \
			"auto=${o[auto]}"
		if [ "${o[dpddelay]}" != 0 ]; then
			printf '\t%s\n' "dpddelay=${o[dpddelay]}" "dpdtimeout=${o[dpdtimeout]}" \
				"dpdaction=${o[dpdaction]}"
		fi
	} >"$d/ipsec.conf"
	(umask 077 && echo "${o[lid]} ${o[rid]} : PSK ${o[psk]}" >"$d/ipsec.secrets")
	echo "${o[conn]} ${o[auto]}" >"$d/conn"
}

# ls_load NAME: reread the secrets, add the conn; auto=route traps it,
# auto=start initiates it without waiting.
ls_load() {
	local name=$1 d conn auto

	d=$(ls_dir "$name")
	read -r conn auto <"$d/conn"
	ls_whack "$name" --rereadsecrets || return 1
	ip netns exec "${ls_ns[$name]}" "$ADDCONN" --ctlsocket "$d/run/pluto.ctl" \
		--config "$d/ipsec.conf" "$conn" || return 1
	case $auto in
	route|ondemand) ls_whack "$name" --name "$conn" --route ;;
	start) ls_whack "$name" --name "$conn" --initiate --asynchronous ;;
	esac
}

# ls_up NAME [SECS]: whack --initiate, which returns when quick mode is
# done (or failed)
ls_up() {
	local conn
	read -r conn _ <"$(ls_dir "$1")/conn"
	timeout "${2:-30}" ip netns exec "${ls_ns[$1]}" "$WHACK" --rundir "$(ls_dir "$1")/run" \
		--name "$conn" --initiate
}

# ls_states NAME CONN: whack --showstates lines of CONN
ls_states() { ls_whack "$1" --showstates 2>/dev/null | grep -F "\"$2\""; }

# ls_state NAME CONN: "IKE IPSEC", the newest phase 1 and quick mode state
# names (STATE_MAIN_I4, STATE_QUICK_R2, ...; - for none)
ls_state() {
	local st ike ipsec
	st=$(ls_states "$1" "$2")
	ike=$(grep -oE 'STATE_(MAIN|AGGR)_[IR][0-9]' <<<"$st" | tail -n1)
	ipsec=$(grep -oE 'STATE_QUICK_[IR][0-9]' <<<"$st" | tail -n1)
	echo "${ike:--} ${ipsec:--}"
}

ls_up_now() {
	local st
	st=$(ls_state "$1" "$2")
	[[ $st =~ ^STATE_(MAIN_I4|MAIN_R3|AGGR_I2|AGGR_R2)\ STATE_QUICK_(I2|R2)$ ]]
}

ls_wait_up() {
	wait_for "$3" ls_up_now "$1" "$2" && return 0
	echo "Libreswan $1: $2 is not up after $3 s ($(ls_state "$1" "$2")):"
	ls_whack "$1" --showstates
	tail -n 30 "$(ls_dir "$1")/pluto.log"
	return 1
}

# ls_count_ike NAME: how many established phase 1 states it has (pluto
# revives a connection it initiated when the peer deletes it: a new
# STATE_MAIN_I1 is no IKE SA)
ls_count_ike() {
	ls_whack "$1" --showstates 2>/dev/null | grep -cE 'STATE_(MAIN_I4|MAIN_R3|AGGR_I2|AGGR_R2)'
}

# ls_child_spis NAME CONN: "SPI_IN SPI_OUT" of its newest IPsec SA, from
# whack --status ("#2: "c":500 ... esp.SPI@PEER esp.SPI@LOCAL ..."): the
# SA to the peer is the outbound one.
ls_child_spis() {
	local d local_ip
	d=$(ls_dir "$1")
	local_ip=$(awk -F= '/^\tleft=/ { print $2 }' "$d/ipsec.conf")
	ls_whack "$1" --status 2>/dev/null | grep -F "\"$2\"" | grep -oE 'esp\.[0-9a-f]+@[^ ]+.*' |
		tail -n1 | awk -v l="$local_ip" '{
			for (i = 1; i <= NF; i++) if ($i ~ /^esp\./) {
				split(substr($i, 5), p, "@")
				if (p[2] == l) si = p[1]; else so = p[1]
			}
			if (si != "" && so != "") print si, so }' | hex8
}

# --- ipsecctl's IKE daemon -------------------------------------------------

# ikd_psk FILE SECRET: the PSK file (mode 600)
ikd_psk() {
	(umask 077 && printf '%s\n' "$2" >"$1") && chmod 600 "$1"
}

# ikd_rule KEY=VALUE...: one rule. Keys (defaults in brackets):
#   name [c] start [-: on traffic; active, passive] mode [tunnel]
#   from to local peer srcid dstid (ids [= addresses]) psk (file)
#   ike [aes-gcm-256] ike_auth [-] prf [hmac-sha256] group [curve25519]
#   esp [aes-gcm-256] esp_auth [-] pfs [-] ikelifetime [4h] lifetime [1h]
#   dpd [0]
ikd_rule() {
	local kv r
	local -A o=([name]=c [start]=- [mode]=tunnel [ike]=aes-gcm-256 [ike_auth]=- [prf]=hmac-sha256
		[group]=curve25519 [esp]=aes-gcm-256 [esp_auth]=- [pfs]=- [ikelifetime]=4h
		[lifetime]=1h [dpd]=0)
	for kv; do o[${kv%%=*}]=${kv#*=}; done
	: "${o[srcid]:=${o[local]}}" "${o[dstid]:=${o[peer]}}"
	r="ikev2 \"${o[name]}\""
	[ "${o[start]}" = - ] || r+=" ${o[start]}"
	r+=" esp ${o[mode]} from ${o[from]} to ${o[to]} local ${o[local]} peer ${o[peer]}"
	r+=" ikesa enc ${o[ike]}"
	[ "${o[ike_auth]}" = - ] || r+=" auth ${o[ike_auth]}"
	r+=" prf ${o[prf]} group ${o[group]} childsa enc ${o[esp]}"
	[ "${o[esp_auth]}" = - ] || r+=" auth ${o[esp_auth]}"
	[ "${o[pfs]}" = - ] || r+=" group ${o[pfs]}"
	r+=" srcid ${o[srcid]} dstid ${o[dstid]} psk @${o[psk]}"
	r+=" ikelifetime ${o[ikelifetime]} lifetime ${o[lifetime]}"
	[ "${o[dpd]}" = 0 ] || r+=" dpd ${o[dpd]}"
	echo "$r"
}

# ikd_rule1 KEY=VALUE...: one ikev1 rule. Keys (defaults in brackets):
#   name [c] start [-: on traffic; active, passive] mode [tunnel]
#   from to local peer srcid dstid (ids [= addresses]) psk (file)
#   exchange [main; aggressive] ike [aes-cbc-128] ike_auth [hmac-sha256]
#   group [modp2048] esp [aes-cbc-128] esp_auth [hmac-sha256]
#   pfs [modp2048; none] ikelifetime [8h] lifetime [1h] dpd [0]
ikd_rule1() {
	local kv r
	local -A o=([name]=c [start]=- [mode]=tunnel [exchange]=main [ike]=aes-cbc-128
		[ike_auth]=hmac-sha256 [group]=modp2048 [esp]=aes-cbc-128 [esp_auth]=hmac-sha256
		[pfs]=modp2048 [ikelifetime]=8h [lifetime]=1h [dpd]=0)
	for kv; do o[${kv%%=*}]=${kv#*=}; done
	: "${o[srcid]:=${o[local]}}" "${o[dstid]:=${o[peer]}}"
	r="ikev1 \"${o[name]}\""
	[ "${o[start]}" = - ] || r+=" ${o[start]}"
	r+=" esp ${o[mode]} from ${o[from]} to ${o[to]} local ${o[local]} peer ${o[peer]}"
	r+=" ${o[exchange]} enc ${o[ike]} auth ${o[ike_auth]} group ${o[group]}"
	r+=" quick enc ${o[esp]}"
	[ "${o[esp_auth]}" = - ] || r+=" auth ${o[esp_auth]}"
	if [ "${o[pfs]}" = none ]; then r+=" group none"; else r+=" group ${o[pfs]}"; fi
	r+=" srcid ${o[srcid]} dstid ${o[dstid]} psk @${o[psk]}"
	r+=" ikelifetime ${o[ikelifetime]} lifetime ${o[lifetime]}"
	[ "${o[dpd]}" = 0 ] || r+=" dpd ${o[dpd]}"
	echo "$r"
}

ikd_dir() { echo "$W/ikd-$1"; }

# ikd_start NAME NS CONF [ARGS...]: the daemon in NS, in the foreground of
# a background job, at debug level, with its keys exported to
# $W/ikd-NAME/keys and its log in $W/ikd-NAME/log.
ikd_start() {
	local name=$1 ns=$2 conf=$3 d
	shift 3

	d=$(ikd_dir "$name")
	mkdir -p "$d/keys"
	ip netns exec "$ns" "$IPSECCTL" daemon -f "$conf" --export-keys "$d/keys" -d "$@" \
		</dev/null >"$d/log" 2>&1 &
	ikd_pid[$name]=$!
	ikd_nsof[$name]=$ns
	net_pids+=("$!")
	# It answers status once it runs (ike_fake.sh under TCG: several s).
	wait_for 20 ip netns exec "$ns" "$IPSECCTL" status || {
		echo "ipsecctl daemon $name does not answer status:"
		tail -n 20 "$d/log"
		return 1
	}
}

ikd_stop() {
	local p=${ikd_pid[$1]:-}

	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	wait_for 10 eval "! running $p" || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "ikd_pid[$1]"
	return 0
}

ikd_json() { ip netns exec "$1" "$IPSECCTL" -j status; }

# ikd_get NS CONN JQ: a value from CONN's status object
ikd_get() {
	ikd_json "$1" | jq -r --arg n "$2" ".connections[] | select(.name == \$n) | $3"
}

ikd_state() { ikd_get "$1" "$2" .state; }

ikd_wait() {
	wait_eq "$4" "$3" ikd_state "$1" "$2" && return 0
	ikd_json "$1"
	return 1
}

# ikd_child_spis NS CONN: "SPI_IN SPI_OUT" of the newest child SA, 0x%08x
ikd_child_spis() {
	ikd_get "$1" "$2" '.child_sas[-1] | "\(.spi_in) \(.spi_out)"' | hex8
}

ikd_ike_spis() { ikd_get "$1" "$2" '.ike_sa | "\(.spi_i) \(.spi_r)"'; }

# nfesp_spis NS: the SPIs of every nfesp SA in NS, sorted, 0x%08x
nfesp_spis() {
	ip netns exec "$1" "$IPSECCTL" -j sa show |
		jq -r '.sas[].spi' | hex8 | sort
}

nfesp_sa_count() { nfesp_spis "$1" | grep -c .; }

# xfrm_spis NS: the SPIs of every XFRM state in NS, sorted, 0x%08x
xfrm_spis() {
	ip -n "$1" xfrm state | awk '/proto esp spi/ { print $4 }' | hex8 | sort
}

xfrm_state_count() { xfrm_spis "$1" | grep -c .; }

# --- captures and tshark ---------------------------------------------------

ike_cap_pid=
ike_capture_start() {
	local ns=$1 dev=$2 f=$3 filter=${4:-udp port 500 or udp port 4500 or esp}

	rm -f "$f" "$f.log"
	ip netns exec "$ns" tcpdump -n -Z root -U --immediate-mode -i "$dev" -w "$f" "$filter" \
		2>"$f.log" &
	ike_cap_pid=$!
	net_pids+=("$ike_cap_pid")
	wait_for 10 grep -q 'listening on' "$f.log"
}

ike_capture_stop() {
	[ -n "$ike_cap_pid" ] || return 0
	kill -TERM "$ike_cap_pid" 2>/dev/null
	wait "$ike_cap_pid" 2>/dev/null
	ike_cap_pid=
}

# ike_tshark_esp_opts NS...: tshark's options to decrypt every XFRM state
# in the namespaces (ip xfrm state shows the keys).
ike_tshark_esp_opts() {
	local ns

	echo "-o"
	echo "esp.enable_encryption_decode:TRUE"
	echo "-o"
	echo "esp.enable_authentication_check:TRUE"
	for ns; do
		ip -n "$ns" xfrm state | awk '
			function out() {
				if (spi == "") return
				printf "-o\nuat:esp_sa:\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\"\n",
					fam, src, dst, spi, enc, ek, auth, ak
				spi = ""
			}
			/^src / { out(); src = $2; dst = $4; fam = (src ~ /:/) ? "IPv6" : "IPv4"
				enc = "NULL"; ek = ""; auth = "NULL"; ak = "" }
			/proto esp spi/ { spi = $4 }
			/aead rfc4106/ { enc = "AES-GCM with 16 octet ICV [RFC4106]"; ek = $3 }
			/aead rfc7539esp/ { enc = "ChaCha20 with Poly1305 [RFC7634]"; ek = $3 }
			/enc cbc\(aes\)/ { enc = "AES-CBC [RFC3602]"; ek = $3 }
			/auth-trunc hmac\(sha256\)/ { auth = "HMAC-SHA-256-128 [RFC4868]"; ak = $3 }
			/auth-trunc hmac\(sha384\)/ { auth = "HMAC-SHA-384-192 [RFC4868]"; ak = $3 }
			/auth-trunc hmac\(sha512\)/ { auth = "HMAC-SHA-512-256 [RFC4868]"; ak = $3 }
			END { out() }'
	done
}

# ike_tshark_file_opts DIR: tshark's options from the UAT files of
# ipsecctl daemon --export-keys DIR (esp_sa, ikev2_decryption_table and,
# for IKEv1, ikev1_decryption_table: "CKY-I,Ka" in hex, as strongSwan's
# save-keys writes it).
ike_tshark_file_opts() {
	local l

	echo "-o"
	echo "esp.enable_encryption_decode:TRUE"
	echo "-o"
	echo "esp.enable_authentication_check:TRUE"
	[ -f "$1/esp_sa" ] && while IFS= read -r l; do
		[[ $l == \#* || -z $l ]] || printf -- '-o\nuat:esp_sa:%s\n' "$l"
	done <"$1/esp_sa"
	[ -f "$1/ikev2_decryption_table" ] && while IFS= read -r l; do
		[[ $l == \#* || -z $l ]] || printf -- '-o\nuat:ikev2_decryption_table:%s\n' "$l"
	done <"$1/ikev2_decryption_table"
	[ -f "$1/ikev1_decryption_table" ] && while IFS= read -r l; do
		[[ $l == \#* || -z $l ]] || printf -- '-o\nuat:ikev1_decryption_table:%s\n' "$l"
	done <"$1/ikev1_decryption_table"
	return 0
}

# ike_tshark_esp PCAP OPTS...: one line per ESP packet: icv_good (1, 0 or
# -), SPI, and the inner source, destination and ICMP type.
ike_tshark_esp() {
	local f=$1
	shift
	timeout 120 tshark -n "$@" -r "$f" -Y esp -T fields -E occurrence=l \
		-e esp.icv_good -e esp.spi -e ip.src -e ip.dst -e icmp.type 2>"$f.err" |
		awk -F'\t' '{ print ($1 == "" ? "-" : $1), $2, $3, $4, $5 }'
}

# esp_decrypts PCAP SRC DST OPTS...: tshark verifies every ESP ICV of the
# capture and finds echo requests from SRC to DST and replies back inside.
esp_decrypts() {
	local f=$1 src=$2 dst=$3 out bad
	shift 3
	out=$(ike_tshark_esp "$f" "$@")
	bad=$(awk '$1 != 1' <<<"$out")
	if [ -z "$out" ] || [ -n "$bad" ]; then
		echo "ESP packets whose ICV tshark did not verify (icv_good spi src dst type):"
		echo "${bad:-(no ESP packets)}"
		cat "$f.err"
		return 1
	fi
	grep -q " $src $dst 8\$" <<<"$out" && grep -q " $dst $src 0\$" <<<"$out" && return 0
	echo "no echo request $src -> $dst and reply inside; tshark saw:"
	head -n 20 <<<"$out"
	return 1
}

# ike_decrypts PCAP OPTS...: tshark decrypts every IKE_AUTH message of the
# capture (exchange type 35) with a correct ICV: each shows its ID payload
# and no expert message (a wrong key or integrity check says so).
ike_decrypts() {
	local f=$1 out
	shift
	out=$(timeout 120 tshark -n "$@" -r "$f" -Y 'isakmp.exchangetype == 35' -T fields \
		-e isakmp.ispi -e isakmp.id.type -e _ws.expert.message 2>"$f.ike.err")
	if [ "$(wc -l <<<"$out")" -ge 2 ] && ! awk -F'\t' '$2 == "" || $3 != ""' <<<"$out" | grep -q .; then
		return 0
	fi
	echo "IKE_AUTH messages (ispi, ID type, expert message):"
	echo "${out:-(none)}"
	cat "$f.ike.err"
	return 1
}

# ike1_decrypts PCAP SPIS OPTS...: tshark decrypts the capture's ISAKMP
# (IKEv1) with the keys of OPTS: every encrypted message shows its HASH
# payload and nothing malformed, there is at least one, and the decrypted
# quick mode messages carry every SPI of SPIS (0x%08x words, the child SAs'
# SPIs): garbage from a wrong key could not. A retransmission (the same
# sender, message ID and length as an earlier message) is left out:
# tshark decrypts it with the IV that follows the first copy, into garbage.
ike1_decrypts() {
	local f=$1 spis=$2 out qm s bad=0
	shift 2
	out=$(timeout 120 tshark -n "$@" -r "$f" -Y 'isakmp.flag_e == 1' -T fields \
		-E occurrence=a -E aggregator=' ' -e frame.number -e isakmp.exchangetype \
		-e isakmp.hash -e isakmp.spi -e isakmp.id.type -e _ws.malformed \
		-e ip.src -e isakmp.messageid -e udp.length 2>"$f.ike.err" |
		awk -F'\t' '!seen[$7 " " $8 " " $9]++')
	[ -n "$out" ] || bad=1
	awk -F'\t' '$3 == "" || $6 != ""' <<<"$out" | grep -q . && bad=1
	qm=$(awk -F'\t' '$2 == 32 { print $4 }' <<<"$out" | tr -d ':' | tr 'A-F ' 'a-f\n')
	for s in $spis; do
		s=${s#0x}
		grep -qx "$s" <<<"$qm" || { echo "SPI 0x$s is in no decrypted quick mode message"; bad=1; }
	done
	[ "$bad" = 0 ] && return 0
	echo "encrypted ISAKMP messages (frame, exchange, hash, SPIs, ID type, malformed, src, message ID, length):"
	echo "${out:-(none)}"
	cat "$f.ike.err"
	return 1
}

# --- a masquerading NAT (as natt.sh) ---------------------------------------
#
#   ns ike-i (initiator)       ns ike-n (NAT)                      ns ike-r (responder)
#   lo 10.1.0.1                vni 192.168.1.1  vnr 198.51.100.2    lo 10.2.0.1
#   vi 192.168.1.2/24 -------- masquerade out of vnr ----------------- vr 198.51.100.1/24
NAT_I=ike-i NAT_N=ike-n NAT_R=ike-r
nat_up() {
	local n

	for n in $NAT_I $NAT_N $NAT_R; do
		ip netns add $n && ip -n $n link set lo up || return 1
	done
	ip link add vi netns $NAT_I type veth peer name vni netns $NAT_N &&
	ip link add vr netns $NAT_R type veth peer name vnr netns $NAT_N &&
	ip -n $NAT_I addr add 192.168.1.2/24 dev vi &&
	ip -n $NAT_N addr add 192.168.1.1/24 dev vni &&
	ip -n $NAT_N addr add 198.51.100.2/24 dev vnr &&
	ip -n $NAT_R addr add 198.51.100.1/24 dev vr &&
	ip -n $NAT_I addr add 10.1.0.1/32 dev lo &&
	ip -n $NAT_R addr add 10.2.0.1/32 dev lo || return 1
	for n in "$NAT_I vi" "$NAT_N vni" "$NAT_N vnr" "$NAT_R vr"; do
		ip -n "${n% *}" link set "${n#* }" up || return 1
	done
	ip netns exec $NAT_N sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n $NAT_I route add default via 192.168.1.1 &&
	ip -n $NAT_R route add 10.1.0.0/16 via 198.51.100.2 &&
	ip netns exec $NAT_N nft -f - <<-'EOF'
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "vnr" masquerade
		}
	}
	EOF
}

nat_down() {
	local n
	for n in $NAT_I $NAT_N $NAT_R; do ip netns del $n 2>/dev/null; done
	return 0
}

# no_sas NS...: no SA in nfesp (a) or XFRM (the others) of each namespace
no_sas() {
	local n
	for n; do
		if [ "$n" = "${NFESP_NS:-$NS_A}" ]; then
			[ "$(nfesp_sa_count "$n")" = 0 ] || return 1
		else
			[ "$(ip -n "$n" xfrm state | grep -c 'proto esp spi 0x[0-9a-f]*[1-9a-f]')" = 0 ] || return 1
		fi
	done
}

wait_no_sas() {
	wait_for "$1" no_sas "${@:2}" && return 0
	echo "SAs left after $1 s:"
	for n in "${@:2}"; do
		echo "[$n]"
		if [ "$n" = "${NFESP_NS:-$NS_A}" ]; then
			ip netns exec "$n" "$IPSECCTL" show
		else
			ip -n "$n" xfrm state
		fi
	done
	return 1
}
