#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/deps.sh takes bookworm-backports from the mirror the machine's own
# apt sources use (one-line .list or deb822 .sources), so that it works
# behind a local mirror or proxy; deb.debian.org only when none is found.

set -u
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib.sh
work=$PWD/build/deps-mirror
rm -rf "$work"
ktap_plan 6

# mirror_of NAME: what deps.sh finds in the apt directory $work/NAME
mirror_of() { NFESP_APT_DIR=$work/$1 bash tools/deps.sh --print-mirror; }
apt_dir() { mkdir -p "$work/$1/sources.list.d"; }

apt_dir deb822
cat >"$work/deb822/sources.list.d/debian.sources" <<'EOT'
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.net/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example.net/debian-security
Suites: bookworm-security
Components: main
EOT
eq "deb822 .sources: the URI of the stanza with bookworm, without its trailing /" \
	http://mirror.example.net/debian "$(mirror_of deb822)"

apt_dir security-first
cat >"$work/security-first/sources.list.d/debian.sources" <<'EOT'
Types: deb
URIs: http://security.example.net/debian-security
Suites: bookworm-security

Types: deb-src
URIs: http://src.example.net/debian
Suites: bookworm

Types: deb
URIs: http://apt-cacher.lan:3142/deb.debian.org/debian
Suites: bookworm
EOT
eq "deb822: neither bookworm-security nor a deb-src stanza is taken for the main archive" \
	http://apt-cacher.lan:3142/deb.debian.org/debian "$(mirror_of security-first)"

apt_dir oneline
cat >"$work/oneline/sources.list" <<'EOT'
# deb http://commented.example/debian bookworm main
deb http://security.debian.org/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://ftp.example.org/debian bookworm main contrib
EOT
eq "one-line sources.list with [options]: the bookworm line's URI" \
	http://ftp.example.org/debian "$(mirror_of oneline)"

apt_dir none
eq "no sources at all: deb.debian.org" http://deb.debian.org/debian "$(mirror_of none)"

apt_dir other
echo 'deb http://archive.ubuntu.com/ubuntu jammy main' >"$work/other/sources.list.d/ubuntu.list"
eq "sources for another release only: deb.debian.org" http://deb.debian.org/debian "$(mirror_of other)"

# The real run, as root without backports, writes the line deps.sh found.
eq "the machine's own sources give one URI" 1 "$(mirror_of .. >/dev/null; NFESP_APT_DIR=/etc/apt bash tools/deps.sh --print-mirror | grep -c '^http')"
ktap_finish
