# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for nfesp's shell selftests: KTAP output and small assertions.
# Each test file sources this, declares its plan with ktap_plan N, and ends
# with ktap_finish, which exits 0 (all passed), 1 (a failure) or 4 (skip).

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KREL=$(uname -r)
MODULE=${NFESP_MODULE:-$TOP/build/$KREL/nfesp.ko}
IPSECCTL=${IPSECCTL:-$TOP/build/ipsecctl}
ktap_n=0
ktap_failed=0
ktap_planned=0

ktap_plan() {
	ktap_planned=$1
	echo "KTAP version 1"
	echo "1..$1"
}

ktap_ok() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n - $*"
}

ktap_fail() {
	ktap_n=$((ktap_n + 1))
	ktap_failed=$((ktap_failed + 1))
	echo "not ok $ktap_n - $*"
}

ktap_skip_all() {
	echo "KTAP version 1"
	echo "1..0 # SKIP $*"
	exit 4
}

diag() {
	echo "$*" | sed 's/^/# /'
}

# check DESCRIPTION CMD...: passes if CMD succeeds; its output is shown as
# diagnostics when it does not.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_ok "$desc"
	else
		diag "$ $*"
		diag "$out"
		ktap_fail "$desc"
	fi
}

# check_fails DESCRIPTION EXPECTED_STDERR_REGEX CMD...: passes if CMD fails
# and says what is expected.
check_fails() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		diag "$ $*"
		diag "unexpectedly succeeded: $out"
		ktap_fail "$desc"
	elif ! grep -qE -- "$want" <<<"$out"; then
		diag "$ $*"
		diag "expected /$want/, got: $out"
		ktap_fail "$desc"
	else
		diag "$out"
		ktap_ok "$desc"
	fi
}

# eq DESCRIPTION EXPECTED ACTUAL
eq() {
	if [ "$2" = "$3" ]; then
		ktap_ok "$1"
	else
		diag "expected: $2"
		diag "got:      $3"
		ktap_fail "$1"
	fi
}

# wait_for SECONDS CMD...: poll until CMD succeeds, never a bare sleep.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

ktap_finish() {
	if [ "$ktap_n" -ne "$ktap_planned" ]; then
		echo "# planned $ktap_planned tests but ran $ktap_n"
		exit 1
	fi
	[ "$ktap_failed" -eq 0 ] && exit 0
	exit 1
}

# Load the module with its debug messages on, so that lifecycle lines
# ("SA N created/destroyed") can be counted at the end.
load_module() {
	[ -e "$MODULE" ] || ktap_skip_all "no module at $MODULE (run make)"
	[ "$(id -u)" = 0 ] || ktap_skip_all "must run as root, in a VM"
	grep -qw nfesp /proc/modules && rmmod nfesp
	dmesg -C
	# What nfesp.ko links against, as modprobe would load it.
	modprobe -q -a nf_defrag_ipv4 nf_defrag_ipv6
	insmod "$MODULE" dyndbg=+p || ktap_skip_all "insmod $MODULE failed"
}

# Every SA and policy created was destroyed (after rmmod or netns exit).
lifecycle_balanced() {
	local log c d
	log=$(dmesg)
	for what in SA policy; do
		c=$(grep -c "nfesp: $what [0-9]* .*created" <<<"$log")
		d=$(grep -c "nfesp: $what [0-9]* .*destroyed" <<<"$log")
		if [ "$c" != "$d" ]; then
			echo "$what: $c created, $d destroyed"
			return 1
		fi
		echo "$what: $c created, $d destroyed"
	done
}

# Shrink every slab cache: free slabs go back to the page allocator, and
# on a KASAN kernel the cache's quarantine is emptied, so that memory
# measured afterwards counts only objects in use.
shrink_slabs() {
	local f

	for f in /sys/kernel/slab/*/shrink; do
		echo 1 >"$f" 2>/dev/null
	done
}
