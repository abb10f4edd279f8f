#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Installing nfesp as a package, on the host, never into the host's own
# directories and never loading the module:
# - make install DESTDIR=D PREFIX=/usr puts every file in its place with its
#   mode; the installed ipsecctl prints the one VERSION, which dkms.conf
#   carries too; the UAPI header compiles alone; the man pages render
#   without a groff warning; the example configurations parse; make
#   uninstall removes every file and keeps what the operator wrote;
# - systemd-analyze verify accepts the units (installed with a PREFIX that
#   exists, so that it finds ipsecctl and the man pages), and the IKE
#   daemon's sandbox scores "OK" in systemd-analyze security;
# - make modules_install: into DESTDIR without depmod, into
#   INSTALL_MOD_PATH with it, and a clear error without a built module;
# - the IKE daemon's sd_notify: READY=1 once started, RELOADING=1 and
#   READY=1 around a reload, STOPPING=1 on SIGTERM, to a path and to an
#   abstract socket; and with the unit's CapabilityBoundingSet the daemon
#   still answers root's "ipsecctl status" (the fake-kernel build of
#   ike_daemon.sh, in a network namespace);
# - DKMS (a private tree: dkms --dkmstree/--sourcetree/--installtree) builds
#   nfesp.ko for the newest installed 6.1 and 6.12 kernels, each with that
#   kernel's vermagic and the VERSION.
#
#   install.sh  (as root; about 60 s, most of it the two module builds)

source "$(dirname "$0")/../../../selftests/lib.sh"
top=$TOP
export PATH=$PATH:/sbin:/usr/sbin

[ "$(id -u)" = 0 ] || ktap_bail "install: needs root (network namespaces, dkms)"

tmp=$(mktemp -d /tmp/nfesp-install.XXXXXX)
ns=nfesp-inst-$$
listener=
# shellcheck disable=SC2317 # the trap calls it
cleanup() {
	local pid

	trap - EXIT INT TERM HUP
	[ -n "$listener" ] && kill "$listener" 2>/dev/null
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

version=$(cat "$top/VERSION")
units=(nfesp.service nfesp@.service nfesp-iked.service nfesp-iked@.service)
# Every file make install writes with PREFIX=/usr, and its mode.
files=(
	"usr/sbin/ipsecctl 755"
	"usr/share/man/man8/ipsecctl.8 644"
	"usr/share/man/man5/ipsecctl.conf.5 644"
	"usr/include/linux/nfesp.h 644"
	"usr/lib/systemd/system/nfesp.service 644"
	"usr/lib/systemd/system/nfesp@.service 644"
	"usr/lib/systemd/system/nfesp-iked.service 644"
	"usr/lib/systemd/system/nfesp-iked@.service 644"
	"usr/lib/modules-load.d/nfesp.conf 644"
	"usr/lib/sysctl.d/60-nfesp.conf 644"
	"usr/share/doc/nfesp/README.md 644"
	"usr/share/doc/nfesp/examples/nfesp.conf 644"
	"usr/share/doc/nfesp/examples/ike.conf 644"
	"etc/nfesp 700"
)
# The newest installed 6.1 and 6.12 kernels, as make check's VMs take them.
kernels=()
for series in 6.1 6.12; do
	k=$(find /lib/modules -mindepth 1 -maxdepth 1 -name "$series.*-amd64" ! -name '*cloud*' \
		-printf '%f\n' | sort -V | tail -n 1)
	[ -n "$k" ] && kernels+=("$k")
done

ktap_plan $((${#files[@]} + 34))

# ---- make install, DESTDIR and PREFIX=/usr ----
d=$tmp/d
check "make install DESTDIR=D PREFIX=/usr" make -s -C "$top" install DESTDIR="$d" PREFIX=/usr
for f in "${files[@]}"; do
	eq "installed ${f% *} with mode ${f#* }" "${f#* }" "$(stat -c %a "$d/${f% *}" 2>&1)"
done
if [ -f "$top/tools/completion/ipsecctl" ]; then
	eq "the bash completion installed, mode 644" 644 \
		"$(stat -c %a "$d/usr/share/bash-completion/completions/ipsecctl" 2>&1)"
else
	eq "no bash completion installed: tools/completion/ipsecctl does not exist" no \
		"$([ -e "$d/usr/share/bash-completion/completions/ipsecctl" ] && echo yes || echo no)"
fi
u=$d/usr/lib/systemd/system
eq "the units name /usr/sbin/ipsecctl and /etc/nfesp, no @placeholder@ left" \
	"0 4 4" "$(cat "${units[@]/#/$u/}" | grep -c '@[A-Z]*@') \
$(grep -l 'ExecStart=/usr/sbin/ipsecctl ' "${units[@]/#/$u/}" | wc -l) \
$(grep -l '^ConditionPathExists=/etc/nfesp/' "${units[@]/#/$u/}" | wc -l)"
eq "the modules-load.d file loads nfesp" nfesp "$(grep -v '^#' "$d/usr/lib/modules-load.d/nfesp.conf")"
eq "the installed ipsecctl -V prints VERSION and the API it speaks" "ipsecctl $version, nfesp API $(sed -n 's/^#define NFESP_GENL_VERSION \([0-9]*\).*/\1/p' uapi/linux/nfesp.h)" "$("$d/usr/sbin/ipsecctl" -V 2>&1)"
eq "dkms.conf's PACKAGE_VERSION is VERSION" "\"$version\"" \
	"$(sed -n 's/^PACKAGE_VERSION=//p' "$top/dkms.conf")"
check "the installed <linux/nfesp.h> compiles alone" sh -c \
	"printf '#include <linux/nfesp.h>\nint x = NFESP_GENL_VERSION;\n' |
	 ${CC:-cc} -Wall -Werror -fsyntax-only -I'$d/usr/include' -x c -"
for m in man8/ipsecctl.8 man5/ipsecctl.conf.5; do
	eq "groff -man -ww renders $m with no warning" "" \
		"$(groff -man -Tutf8 -ww -z "$d/usr/share/man/$m" 2>&1)"
	eq "man --warnings -l renders $m with no warning" "" \
		"$(MANWIDTH=80 man --warnings -l "$d/usr/share/man/$m" 2>&1 >/dev/null)"
done
# The examples, with their key files under tmp.
mkdir -p "$tmp/etc"
head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/etc/a-to-b.key"
cp "$tmp/etc/a-to-b.key" "$tmp/etc/b-to-a.key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/etc/site-b.psk"
chmod 600 "$tmp"/etc/*
for f in nfesp.conf ike.conf; do
	sed "s|/etc/nfesp/|$tmp/etc/|g" "$d/usr/share/doc/nfesp/examples/$f" >"$tmp/etc/$f"
done
check "ipsecctl -n -f accepts the example nfesp.conf" "$d/usr/sbin/ipsecctl" -n -f "$tmp/etc/nfesp.conf"
check "ipsecctl daemon -n accepts the example ike.conf" \
	"$d/usr/sbin/ipsecctl" daemon -n -f "$tmp/etc/ike.conf"

# ---- The units, where their paths exist ----
p=$tmp/p
if make -s -C "$top" install PREFIX="$p" SYSCONFDIR="$p/etc" >"$tmp/p.log" 2>&1; then
	out=$(cd "$p/lib/systemd/system" && MANPATH=$p/share/man systemd-analyze verify \
		./nfesp.service ./nfesp@r1.service ./nfesp-iked.service ./nfesp-iked@r1.service 2>&1)
	rc=$?
	eq "systemd-analyze verify: the four units, no complaint" "0 " "$rc $out"
	exposure=$(systemd-analyze security --offline=yes "$p/lib/systemd/system/nfesp-iked.service" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
	case $exposure in
	*" OK") ktap_ok "systemd-analyze security: nfesp-iked.service's exposure is $exposure" ;;
	*) ktap_fail "systemd-analyze security: nfesp-iked.service's exposure is OK, not '$exposure'" ;;
	esac
else
	diag "$(cat "$tmp/p.log")"
	ktap_fail "make install PREFIX=$p"
	ktap_fail "systemd-analyze security (not run)"
fi

# ---- make uninstall ----
echo 0x01 >"$d/etc/nfesp/operator.key"
check "make uninstall DESTDIR=D PREFIX=/usr" make -s -C "$top" uninstall DESTDIR="$d" PREFIX=/usr
eq "make uninstall leaves no installed file" "$d/etc/nfesp/operator.key" "$(find "$d" -type f)"
eq "make uninstall keeps the operator's file in /etc/nfesp" 0x01 "$(cat "$d/etc/nfesp/operator.key" 2>&1)"

# ---- The IKE daemon under systemd: sd_notify and the capability set ----
source "$top/tools/ipsecctl/tests/fake_daemon.bash"
bin=$top/build/ike/ipsecctl-fake
# listen SOCKET FILE [CMD...]: each datagram to SOCKET (a path, or @name
# for the abstract namespace) as a line of FILE, the listener run by CMD
listen() {
	local sock=$1 file=$2
	shift 2
	"$@" python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
name = sys.argv[1]
s.bind("\0" + name[1:] if name[0] == "@" else name)
print("listening", flush=True)
while True:
    print(s.recv(4096).decode(), flush=True)
' "$sock" >"$file" 2>&1 &
	listener=$!
	wait_for 5 grep -q listening "$file"
}
# notified FILE STATE...: FILE has, after "listening", exactly these lines
notified() {
	local f=$1
	shift
	[ "$(sed 1d "$f" | tr '\n' ' ')" = "$* " ]
}
# The unit's CapabilityBoundingSet as setpriv's --bounding-set.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$top/tools/systemd/nfesp-iked.service" |
	tr '[:upper:]' '[:lower:]' | sed 's/cap_/+/g; s/ /,/g')
if ! why=$(fake_daemon_build "$top"); then
	diag "$why"
	for _ in 1 2 3 4 5 6 7; do ktap_fail "sd_notify: the fake-kernel daemon did not build"; done
elif ! { ip netns add "$ns" && ip -n "$ns" link set lo up; }; then
	for _ in 1 2 3 4 5 6 7; do ktap_fail "sd_notify: no network namespace"; done
else
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
	sed "s|/etc/nfesp/|$tmp/etc/|" "$top/tools/examples/ike.conf" >"$tmp/ike.conf"
	listen "$tmp/notify" "$tmp/notified"
	NOTIFY_SOCKET=$tmp/notify ip netns exec "$ns" \
		setpriv --bounding-set "-all,$caps" --inh-caps -all \
		"$bin" daemon -f "$tmp/ike.conf" >"$tmp/daemon.log" 2>&1 &
	daemon=$!
	if wait_for 10 notified "$tmp/notified" READY=1; then
		ktap_ok "sd_notify: READY=1 once the daemon has started (NOTIFY_SOCKET a path)"
	else
		diag "$(cat "$tmp/notified" "$tmp/daemon.log")"
		ktap_fail "sd_notify: READY=1 once the daemon has started (NOTIFY_SOCKET a path)"
	fi
	check "with the unit's capabilities ($caps) the daemon answers root's ipsecctl status" \
		ip netns exec "$ns" "$bin" status
	check "ipsecctl reload" ip netns exec "$ns" "$bin" reload
	if wait_for 5 notified "$tmp/notified" READY=1 RELOADING=1 READY=1; then
		ktap_ok "sd_notify: RELOADING=1, then READY=1, around a reload"
	else
		diag "$(cat "$tmp/notified")"
		ktap_fail "sd_notify: RELOADING=1, then READY=1, around a reload"
	fi
	kill -TERM "$daemon"
	wait "$daemon"
	rc=$?
	if [ $rc = 0 ] && notified "$tmp/notified" READY=1 RELOADING=1 READY=1 STOPPING=1; then
		ktap_ok "sd_notify: STOPPING=1 on SIGTERM, and the daemon exits 0"
	else
		diag "exit $rc; $(cat "$tmp/notified" "$tmp/daemon.log")"
		ktap_fail "sd_notify: STOPPING=1 on SIGTERM, and the daemon exits 0"
	fi
	kill "$listener"
	wait "$listener" 2>/dev/null
	listener=

	# An abstract name belongs to the network namespace: listen in it.
	listen "@nfesp-notify-$$" "$tmp/notified2" ip netns exec "$ns"
	NOTIFY_SOCKET=@nfesp-notify-$$ ip netns exec "$ns" "$bin" daemon -f "$tmp/ike.conf" \
		>"$tmp/daemon2.log" 2>&1 &
	daemon=$!
	if wait_for 10 notified "$tmp/notified2" READY=1; then
		ktap_ok "sd_notify: READY=1 to an abstract NOTIFY_SOCKET (@name)"
	else
		diag "$(cat "$tmp/notified2" "$tmp/daemon2.log")"
		ktap_fail "sd_notify: READY=1 to an abstract NOTIFY_SOCKET (@name)"
	fi
	kill -TERM "$daemon"
	wait "$daemon"
	kill "$listener"
	wait "$listener" 2>/dev/null
	listener=

	# A NOTIFY_SOCKET that is neither: said once, and the daemon runs on.
	NOTIFY_SOCKET=notify ip netns exec "$ns" "$bin" daemon -f "$tmp/ike.conf" \
		>"$tmp/daemon3.log" 2>&1 &
	daemon=$!
	if wait_for 10 grep -q "IKE daemon started" "$tmp/daemon3.log" &&
	   grep -q "NOTIFY_SOCKET=notify: not a path or an @abstract name" "$tmp/daemon3.log"; then
		ktap_ok "a NOTIFY_SOCKET that is neither a path nor @name is reported, and the daemon starts"
	else
		diag "$(cat "$tmp/daemon3.log")"
		ktap_fail "a NOTIFY_SOCKET that is neither a path nor @name is reported, and the daemon starts"
	fi
	kill -TERM "$daemon"
	wait "$daemon"
fi

# ---- DKMS, in a private tree, for two kernels ----
src=$tmp/dk/usr/src
check "make dkms-install DESTDIR=D copies the source" make -s -C "$top" dkms-install DESTDIR="$tmp/dk"
eq "dkms-install writes no build product" "" "$(find "$src" -name '*.o' -o -name '*.ko' -o -name build)"
mkdir -p "$tmp/dkms" "$tmp/inst"
dk=(dkms --dkmstree "$tmp/dkms" --sourcetree "$src" --installtree "$tmp/inst")
check "dkms add nfesp/$version (private tree)" "${dk[@]}" add "nfesp/$version"
eq "two kernels to build for (6.1 and 6.12)" 2 "${#kernels[@]}"
for k in "${kernels[@]}"; do
	# nfesp.ko.xz where the kernel's own modules are compressed (6.12)
	ko=
	if "${dk[@]}" build "nfesp/$version" -k "$k" >"$tmp/dkms-$k.log" 2>&1; then
		ko=$(find "$tmp/dkms/nfesp/$version/$k/x86_64/module" -name 'nfesp.ko*')
	fi
	if [ -n "$ko" ] && [ -f "$ko" ]; then
		eq "dkms build for $k: nfesp.ko with its vermagic and version $version" "$k $version" \
			"$(modinfo -F vermagic "$ko" | cut -d' ' -f1) $(modinfo -F version "$ko")"
	else
		diag "$(tail -n 20 "$tmp/dkms-$k.log")"
		ktap_fail "dkms build for $k: nfesp.ko"
	fi
done
for _ in $(seq $((${#kernels[@]} + 1)) 2); do
	ktap_fail "dkms build: a kernel fewer than two (tools/deps.sh installs both)"
done

# ---- make modules_install, with the module DKMS built ----
k=${kernels[0]:-none}
b=$tmp/b
check_fails "modules_install without a built module says how to build it" \
	"no build/$k/nfesp.ko: make modules KVER=$k first" \
	make -s -C "$top" modules_install BUILD="$b" KVER="$k" DESTDIR="$tmp/m1"
mkdir -p "$b/$k"
# shellcheck disable=SC2046 # one file, if DKMS built it
cp $(find "$tmp/dkms/nfesp/$version/$k/x86_64/module" -name 'nfesp.ko*') "$b/$k/" 2>/dev/null &&
	{ [ -f "$b/$k/nfesp.ko" ] || xz -d "$b/$k/nfesp.ko.xz"; }
make -s -C "$top" modules_install BUILD="$b" KVER="$k" DESTDIR="$tmp/m1" >"$tmp/m1.log" 2>&1
eq "modules_install DESTDIR=D: updates/nfesp.ko, mode 644, no depmod" "644 no" \
	"$(stat -c %a "$tmp/m1/lib/modules/$k/updates/nfesp.ko" 2>&1) \
$([ -e "$tmp/m1/lib/modules/$k/modules.dep" ] && echo yes || echo no)"
make -s -C "$top" modules_install BUILD="$b" KVER="$k" INSTALL_MOD_PATH="$tmp/m2" >"$tmp/m2.log" 2>&1
eq "modules_install INSTALL_MOD_PATH=D: depmod -b D lists updates/nfesp.ko" "updates/nfesp.ko:" \
	"$(grep -o '^updates/nfesp.ko:' "$tmp/m2/lib/modules/$k/modules.dep" 2>&1)"
ktap_finish
