#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every nfesp selftest, in the kselftest manner: each test's KTAP is
# nested under one top-level result. Meant to run as root inside a VM.
# Usage: run.sh [TEST...]

cd "$(dirname "$0")" || exit 1
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(module.sh control.sh netns.sh perms.sh secrets.sh nl_malformed nl_fuzz
	datapath.sh esp_fuzz.sh interop.sh stress.sh)
export PATH=$PATH:/sbin:/usr/sbin

echo "KTAP version 1"
echo "1..${#tests[@]}"
n=0
failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	if [ -x "./$t" ]; then
		cmd=("./$t")
	elif [ -x "../build/selftests/$t" ]; then
		cmd=(bash -c "modprobe -q -a nf_defrag_ipv4 nf_defrag_ipv6; grep -qw nfesp /proc/modules || insmod \${NFESP_MODULE:-../build/\$(uname -r)/nfesp.ko}; ../build/selftests/$t; rc=\$?; rmmod nfesp; exit \$rc")
	else
		echo "not ok $n selftests: nfesp: $t # no such test"
		failed=$((failed + 1))
		continue
	fi
	echo "# selftests: nfesp: $t"
	timeout 900 "${cmd[@]}" 2>&1 | sed 's/^/  /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n selftests: nfesp: $t" ;;
	4) echo "ok $n selftests: nfesp: $t # SKIP" ;;
	*) echo "not ok $n selftests: nfesp: $t # exit=$rc"; failed=$((failed + 1)) ;;
	esac
	grep -qw nfesp /proc/modules && rmmod nfesp 2>/dev/null
done
[ $failed -eq 0 ]
