# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for nfesp's shell selftests: KTAP output and small assertions.
# Each test file sources this, calls load_module (if it needs the module)
# before it declares its plan with ktap_plan N, and ends with ktap_finish,
# which exits 0 (all passed), 1 (a failure) or 4 (skip). A skip is a
# failure in make check unless its reason is in selftests/skips.allow.
#
# NFESP_SCALE sets how much work a test does: small (the debug kernel and
# the Debian 6.1 subset of make check), normal (make check's full suite)
# or long (make check-long). Tests size their loops with scaled.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KREL=$(uname -r)
MODULE=${NFESP_MODULE:-$TOP/build/$KREL/nfesp.ko}
IPSECCTL=${IPSECCTL:-$TOP/build/ipsecctl}
ktap_n=0
ktap_failed=0
ktap_planned=0

SCALE=${NFESP_SCALE:-normal}
case $SCALE in
small|normal|long) ;;
*) echo "NFESP_SCALE must be small, normal or long, not '$SCALE'" >&2; exit 2 ;;
esac

# scaled SMALL NORMAL LONG: the value for this run's NFESP_SCALE
scaled() {
	case $SCALE in
	small) echo "$1" ;;
	long) echo "$3" ;;
	*) echo "$2" ;;
	esac
}

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

# ktap_bail REASON: the test cannot start (no module, not root): a failure,
# never a skip. Called before ktap_plan, so it prints the only header.
ktap_bail() {
	echo "KTAP version 1"
	echo "1..1"
	echo "not ok 1 - $*"
	exit 1
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
# CMD is run again each time: to wait for a value, use wait_eq or wait_ge,
# never `wait_for N test "$(...)" = X`, whose $(...) is expanded only once
# (make check refuses that pattern).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# wait_eq SECONDS EXPECTED CMD...: poll until CMD prints EXPECTED. On a
# time-out, says what CMD printed last and fails.
wait_eq() {
	local deadline=$((SECONDS + $1)) want=$2 got
	shift 2
	while got=$("$@" 2>/dev/null); [ "$got" != "$want" ]; do
		if [ $SECONDS -ge $deadline ]; then
			echo "# waited for '$want' from '$*', got '$got'"
			return 1
		fi
		sleep 0.1
	done
}

# wait_ge SECONDS MIN CMD...: poll until CMD prints a number >= MIN.
wait_ge() {
	local deadline=$((SECONDS + $1)) min=$2 got
	shift 2
	while got=$("$@" 2>/dev/null); ! [[ $got =~ ^[0-9]+$ ]] || [ "$got" -lt "$min" ]; do
		if [ $SECONDS -ge $deadline ]; then
			echo "# waited for at least $min from '$*', got '$got'"
			return 1
		fi
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

# module_log: the kernel's last words about nfesp, on one line
module_log() {
	dmesg | sed 's/^\[[^]]*\] //' | grep -E '^(module )?nfesp: ' | tail -n 3 | tr '\n' ' '
}

# Load the module with its debug messages on, so that lifecycle lines
# ("SA N created/destroyed") can be counted at the end. A module that does
# not load is a failure of the test, never a skip; so is one that cannot be
# unloaded first. Call it before ktap_plan.
load_module() {
	local out

	[ "$(id -u)" = 0 ] || ktap_bail "on $KREL, not root: the tests run as root, in a VM"
	[ -e "$MODULE" ] || ktap_bail "on $KREL, no module at $MODULE (run make)"
	if grep -qw nfesp /proc/modules; then
		out=$(rmmod nfesp 2>&1) || ktap_bail "on $KREL, the loaded nfesp cannot be unloaded: $out"
	fi
	dmesg -C
	out=$(insmod "$MODULE" dyndbg=+p 2>&1) ||
		ktap_bail "on $KREL, insmod $MODULE failed: $out; $(module_log)"
}

# lifecycle_balanced [MIN_SAS [MIN_POLICIES]]: every SA and policy created
# was destroyed (after rmmod or netns exit), and at least MIN_SAS SAs and
# MIN_POLICIES policies were created (default 1 SA, 0 policies), so that a
# log without lifecycle lines cannot pass.
lifecycle_balanced() {
	local log c d what min
	local -A mins=([SA]=${1:-1} [policy]=${2:-0})

	log=$(dmesg)
	for what in SA policy; do
		c=$(grep -c "nfesp: $what [0-9]* .*created" <<<"$log")
		d=$(grep -c "nfesp: $what [0-9]* .*destroyed" <<<"$log")
		min=${mins[$what]}
		echo "$what: $c created (at least $min expected), $d destroyed"
		[ "$c" = "$d" ] && [ "$c" -ge "$min" ] || return 1
	done
}

# workdir NAME: set W to a directory of the guest's own (tmpfs) for the
# test's files, captures and event logs written while the test reads them:
# the build directory is shared over 9p, where a write under load was seen
# lost (an ACQUIRE line of ipsecctl monitor came back as NUL bytes).
# workdir_save, from the EXIT trap, copies it to build/NAME for a look
# after the run.
workdir() {
	WORKDIR_NAME=$1
	W=$(mktemp -d "/tmp/nfesp-${1//\//-}.XXXXXX") || ktap_bail "cannot create a work directory"
}

# ab_pair [no-route-a]: namespaces a and b joined by the veth pair va-vb
# (192.0.2.1/24 and 192.0.2.2/24), 10.1.0.1 and 10.2.0.1 on their lo, each
# routing the other's /16 through the veth; with no-route-a, a does not
# (its inner traffic takes another link). datapath.sh's topology.
ab_pair() {
	ip netns add a
	ip netns add b
	ip link add va netns a type veth peer name vb netns b
	ip -n a link set lo up
	ip -n b link set lo up
	ip -n a addr add 192.0.2.1/24 dev va
	ip -n b addr add 192.0.2.2/24 dev vb
	ip -n a link set va up
	ip -n b link set vb up
	ip -n a addr add 10.1.0.1/32 dev lo
	ip -n b addr add 10.2.0.1/32 dev lo
	[ "${1:-}" = no-route-a ] || ip -n a route add 10.2.0.0/16 via 192.0.2.2
	ip -n b route add 10.1.0.0/16 via 192.0.2.1
}

workdir_save() {
	[ -n "${WORKDIR_NAME:-}" ] && [ -d "$W" ] || return 0
	rm -rf "${TOP:?}/build/$WORKDIR_NAME"
	mkdir -p "$(dirname "$TOP/build/$WORKDIR_NAME")"
	cp -r "$W" "$TOP/build/$WORKDIR_NAME" 2>/dev/null
	rm -rf "$W"
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
