#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install what nfesp needs to build and test, on Debian bookworm.
# Idempotent: only missing packages are installed, and what was done is said.
# Without root, the exact command is printed instead.

set -e

# Libreswan 4.10 (selftests/ikev1.sh's other IKEv1 peer) conflicts with
# strongSwan in apt (Conflicts: strongswan-libcharon, strongswan-starter),
# so it is never installed: its .deb is kept in the cache, and the tests
# unpack it (dpkg-deb -x) into the VM's throwaway overlay. Its dependencies
# do not conflict and are installed (libreswan's Depends in bookworm).
CACHE=${NFESP_CACHE:-$HOME/.cache/nfesp}
libreswan_deps=(
	dns-root-data bind9-host iptables libnss3-tools libaudit1 libcap-ng0 libcrypt1 libcurl3-nss
	libevent-core-2.1-7 libevent-pthreads-2.1-7 libldap-2.5-0 libldns3 libnspr4 libnss3
	libpam0g libselinux1 libsystemd0 libunbound8
)
# have_libreswan_deb: a libreswan .deb is in the cache
have_libreswan_deb() {
	compgen -G "$CACHE/libreswan_*_amd64.deb" >/dev/null
}

pkgs=(
	build-essential sparse pkg-config libnl-3-dev libnl-genl-3-dev libssl-dev libjansson-dev
	qemu-system-x86 busybox-static cpio kmod
	# tools/ipsecctl/tests/install.sh: DKMS, the man pages, the systemd units
	dkms man-db groff-base systemd xz-utils
	# tools/ipsecctl/tests/parse.sh: the completion with bash-completion loaded
	bash-completion
	python3 python3-cryptography iproute2 iputils-ping nftables conntrack iperf3 tcpdump tshark ethtool
	wireguard-tools
	strongswan-charon strongswan-swanctl charon-systemd libstrongswan-standard-plugins
	"${libreswan_deps[@]}"
	linux-image-amd64 linux-headers-amd64 linux-headers-cloud-amd64
	clang libclang-rt-14-dev
	linux-source-6.1 flex bison bc libelf-dev
)
# The 6.12 kernel comes from bookworm-backports; its exact name is resolved below.
bpo_meta=(linux-image-amd64 linux-headers-amd64 linux-headers-cloud-amd64)

APT_DIR=${NFESP_APT_DIR:-/etc/apt}

have_backports() {
	grep -rqs 'bookworm-backports' "$APT_DIR/sources.list" "$APT_DIR/sources.list.d/"
}

# debian_mirror: the URI this machine's own sources use for bookworm's main
# archive (one-line .list or deb822 .sources), so that backports comes from
# the same mirror or proxy; deb.debian.org when there is none.
debian_mirror() {
	local f files=()
	[ -f "$APT_DIR/sources.list" ] && files+=("$APT_DIR/sources.list")
	for f in "$APT_DIR"/sources.list.d/*.list "$APT_DIR"/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] && awk '
		function found(u) { sub(/\/+$/, "", u); print u; exit }
		# one-line: deb [opts] URI SUITE COMPONENTS...
		FILENAME ~ /\.list$/ && $1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
			if ($(i + 1) == "bookworm") found($i)
			next
		}
		# deb822: stanzas of Field: value, separated by blank lines
		FILENAME ~ /\.sources$/ {
			if (FNR == 1 || $0 ~ /^[ \t]*$/) { types = ""; uris = ""; suites = "" }
			if ($0 ~ /^#/) next
			if (tolower($1) == "types:") types = $0
			if (tolower($1) == "uris:") uris = $2
			if (tolower($1) == "suites:") suites = " " $0 " "
			if (types ~ / deb( |$)/ && uris != "" && suites ~ / bookworm /) found(uris)
		}' "${files[@]}" | grep . || echo http://deb.debian.org/debian
}
if [ "$1" = --print-mirror ]; then
	debian_mirror
	exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
bpo_missing=()
ls -d /lib/modules/6.12.*/build >/dev/null 2>&1 || bpo_missing=("${bpo_meta[@]}")

if [ ${#missing[@]} -eq 0 ] && [ ${#bpo_missing[@]} -eq 0 ] && have_libreswan_deb; then
	echo "deps: everything is installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; run this as root:" >&2
	have_backports || echo "  echo 'deb $(debian_mirror) bookworm-backports main' > /etc/apt/sources.list.d/backports.list" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	[ ${#bpo_missing[@]} -eq 0 ] || echo "  apt-get install -y -t bookworm-backports ${bpo_missing[*]}" >&2
	have_libreswan_deb || echo "  mkdir -p $CACHE && cd $CACHE && apt-get download libreswan" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! have_backports; then
	mirror=$(debian_mirror)
	echo "deps: adding bookworm-backports from $mirror to /etc/apt/sources.list.d/backports.list"
	echo "deb $mirror bookworm-backports main" >/etc/apt/sources.list.d/backports.list
fi
# tshark asks whether non-root users may capture; answer no.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt_opts=(-y -q -o Dpkg::Use-Pty=0 --no-install-recommends)
echo "deps: apt-get update"
apt-get -q update >/dev/null
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt-get install "${apt_opts[@]}" "${missing[@]}" >/dev/null
fi
if [ ${#bpo_missing[@]} -gt 0 ]; then
	echo "deps: installing from bookworm-backports: ${bpo_missing[*]}"
	apt-get install "${apt_opts[@]}" -t bookworm-backports "${bpo_missing[@]}" >/dev/null
fi
if ! have_libreswan_deb; then
	echo "deps: apt-get download libreswan into $CACHE (unpacked in the VM only)"
	mkdir -p "$CACHE"
	# As root, apt warns that its _apt sandbox cannot write to CACHE.
	(cd "$CACHE" && apt-get -q download libreswan 2>&1 | grep -v 'unsandboxed as root' >&2 || true)
	have_libreswan_deb || { echo "deps: apt-get download libreswan failed" >&2; exit 1; }
fi
# The strongSwan service must not run on the host; tests start charon in namespaces.
systemctl disable --now strongswan ipsec 2>/dev/null || true
echo "deps: done; kernels: $(ls /lib/modules | tr '\n' ' ')"
