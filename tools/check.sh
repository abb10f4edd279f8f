#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check and make check-long: install what is missing, build, run the
# host tests, then the selftests in VMs. The last line is
# "N passed, N failed, N skipped", printed even when a VM hangs or the run
# is interrupted.
#
# Usage: tools/check.sh [--long]
#        tools/check.sh --vm KVER [--scale S] [TEST...]
#
# make check runs a matrix sized for CI's time (selftests/run.sh, scales
# in selftests/lib.sh):
#   newest Debian 6.12   every test at normal scale (ike.sh, ikev1.sh: their
#                        core cases),
#                        and make bench --smoke
#   newest Debian 6.1    what differs by kernel (insmod, module, datapath, natt,
#                        esp_fuzz, interop core cases, stress with its
#                        async drivers) at small scale
#   the debug kernel     every test at small scale (KASAN, lockdep, ...)
# make check-long (--long) runs every test at long scale on every bootable
# kernel, the debug kernel at normal scale, the benchmark smoke run on
# every Debian kernel and the fuzzers for 10 minutes each.
#
# --vm KVER runs only the VM suite on KVER (the debug kernel's release
# too), with the module of NFESP_MODULE if set: a test of this script.
#
# A kernel of the matrix that is not installed, a test that skips for a
# reason not in selftests/skips.allow, a VM that reports fewer results than
# it planned: each is a failure. NFESP_CHECK_BUDGET (seconds, default 5100
# for make check, CI's 90 minutes less a margin) is the deadline: each VM's
# time-out is what is left of it, and the summary is printed in time.

set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
log=$top/build/check
ALLOW=$top/selftests/skips.allow
mkdir -p "$log"
passed=0
failed=0
skipped=0
start=$SECONDS
long=0
only=
only_scale=normal
only_tests=()
times=()

while [ $# -gt 0 ]; do
	case $1 in
	--long) long=1; shift ;;
	--vm) [ $# -ge 2 ] || { echo "check: --vm needs a kernel release" >&2; exit 2; }
		only=$2; shift 2 ;;
	--scale) [ $# -ge 2 ] || { echo "check: --scale needs small, normal or long" >&2; exit 2; }
		only_scale=$2; shift 2 ;;
	-h|--help) sed -n '4,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "check: unknown option $1" >&2; exit 2 ;;
	*) only_tests+=("$1"); shift ;;
	esac
done
if [ $long = 1 ]; then
	budget=${NFESP_CHECK_BUDGET:-36000}
else
	budget=${NFESP_CHECK_BUDGET:-5100}
fi
[[ $budget =~ ^[1-9][0-9]*$ ]] || { echo "check: bad NFESP_CHECK_BUDGET '$budget'" >&2; exit 2; }
deadline=$((start + budget))

pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
left() { echo $((deadline - SECONDS)); }

# timed NAME CMD...: run CMD, note its wall time for the table
timed() {
	local name=$1 t0=$SECONDS rc
	shift
	"$@"
	rc=$?
	times+=("$name|$((SECONDS - t0))")
	return $rc
}

# summary: the time table, then the closing line; also on a signal
summary() {
	local row f

	echo "# where the time went (s):"
	for row in "${times[@]}"; do
		printf '#   %-52s %6s\n' "${row%|*}" "${row##*|}"
	done
	for f in "$log"/vm-*.log; do
		[ -e "$f" ] && [ "$f" -nt "$log/.start" ] || continue
		grep -aE '^# time: ' "$f" | awk -v k="$(basename "$f" .log)" \
			'{ printf "#     %-50s %6s\n", k ": " $3, $4 }'
	done
	printf '#   %-52s %6s\n' "total" "$((SECONDS - start))"
	echo "$passed passed, $failed failed, $skipped skipped"
}

interrupted() {
	trap - INT TERM HUP
	fail "interrupted by SIG$1 after $((SECONDS - start)) s"
	summary
	exit 1
}
for sig in INT TERM HUP; do
	# shellcheck disable=SC2064 # expand sig now
	trap "interrupted $sig" $sig
done
touch "$log/.start"

# skip_allowed REASON: is REASON on the allow-list?
skip_allowed() {
	local re

	while IFS= read -r re; do
		case $re in ''|'#'*) continue ;; esac
		[[ $1 =~ $re ]] && return 0
	done <"$ALLOW"
	return 1
}

# count_ktap FILE RC WHAT: count a KTAP log's results, leaf lines nested or
# not; a skip counts as skipped if its reason is allowed, else as a
# failure. A run that failed without a failing leaf (a splat, a time-out,
# a crash) counts as one failure, and so does a VM suite (the top-level
# "selftests: nfesp:" lines) that reports fewer results than it planned.
count_ktap() {
	local file=$1 rc=$2 what=$3 p f s=0 bad=0 line why planned ran

	p=$(grep -aE '^\s*ok [0-9]+ - ' "$file" | grep -vac '# SKIP')
	# Failing leaves, and each failed test of a suite that has none (a
	# time-out, a plan not kept, a module that did not unload).
	f=$(awk '/^[ \t]*not ok [0-9]+ (- |# )/ { leaf++; n++ }
		/^not ok [0-9]+ selftests: nfesp: / && !leaf { n++ }
		/^(not )?ok [0-9]+ selftests: nfesp: / { leaf = 0 }
		END { print n + 0 }' "$file")
	while IFS= read -r line; do
		why=${line#*# SKIP}
		why=${why# }
		if skip_allowed "$why"; then
			s=$((s + 1))
		else
			bad=$((bad + 1))
			echo "not ok - $what: a skip that is not in selftests/skips.allow: $line"
		fi
	done < <(grep -aE '^\s*ok [0-9]+( .*)? # SKIP' "$file")
	passed=$((passed + p))
	failed=$((failed + f + bad))
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$bad" -eq 0 ]; then
		fail "$what exited $rc (see $file)"
	fi
	if grep -aq '# selftests: nfesp: ' "$file"; then
		planned=$(grep -aE '^1\.\.[0-9]+$' "$file" | head -n1 | cut -c4-)
		ran=$(grep -acE '^(not )?ok [0-9]+ selftests: nfesp: ' "$file")
		[ "${planned:-0}" -gt 0 ] && [ "$ran" -eq "$planned" ] ||
			fail "$what: $ran of ${planned:-?} tests reported a result"
	fi
	if [ "$f" -gt 0 ] && ! grep -aq '# selftests: nfesp: ' "$file"; then
		# A host test's failures are shown here, each with the
		# diagnostics before it, so that a run whose logs are gone
		# (a CI machine's) still says what failed.
		awk '/^[ \t]*#/ { d[n++ % 8] = $0; next }
			/^[ \t]*not ok / {
				for (i = (n > 8 ? n - 8 : 0); i < n; i++)
					print "#   " d[i % 8]
				print "#   " $0
			}
			{ n = 0 }' "$file" | head -n 60
	fi
	echo "# $what: $p passed, $((f + bad)) failed, $s skipped"
}

# vm_suite KVER SCALE CAP [TEST...]: selftests/run.sh in a VM on KVER, at
# SCALE, for at most CAP seconds and never past the deadline. The debug
# kernel's variables (NFESP_VM_*) come from the caller.
vm_suite() {
	local r=$1 scale=$2 cap=$3 t rc file
	shift 3

	file=$log/vm-$r.log
	t=$(left)
	t=$((t - 60))
	[ "$t" -lt "$cap" ] || t=$cap
	if [ "$t" -lt 60 ]; then
		fail "selftests on $r: no time left before the deadline (NFESP_CHECK_BUDGET=$budget)"
		return
	fi
	echo "# selftests in a VM on $r, scale $scale, at most $t s"
	NFESP_SCALE=$scale NFESP_TEST_TIMEOUT=$((t * 2 / 3)) \
		timed "selftests on $r ($scale)" \
		tools/vm/run -k "$r" -t "$t" -- selftests/run.sh "$@" >"$file" 2>&1
	rc=$?
	grep -aE '^\s*(not )?ok [0-9]+ selftests|^\s*not ok |vm-run' "$file" |
		grep -avE '^\s*ok ' | sed "s/^/# $r: /" || true
	count_ktap "$file" $rc "selftests on $r"
}

# bench_smoke KVER: make bench --smoke, the benchmark harness in one run
bench_smoke() {
	local r=$1 t rc

	t=$(($(left) - 60))
	[ "$t" -lt 900 ] || t=900
	if [ "$t" -lt 60 ]; then
		fail "bench --smoke on $r: no time left before the deadline"
		return
	fi
	echo "# make bench --smoke in a VM on $r"
	BENCH_TIMEOUT=$t timed "bench --smoke on $r" \
		tools/bench/run --smoke -k "$r" >"$log/bench-$r.log" 2>&1
	rc=$?
	grep -aE '^\s*(not )?ok |vm-run' "$log/bench-$r.log" | grep -avE '^\s*ok ' || true
	count_ktap "$log/bench-$r.log" $rc "bench --smoke on $r"
}

# module_build R [KDIR]: the module for R, clean at W=1 and under sparse
module_build() {
	local r=$1 kdir=${2:-}

	rm -rf "build/$r/src"
	if timed "module build $r" make -s modules KVER="$r" ${kdir:+KDIR="$kdir"} W=1 C=1 \
		>"$log/module-$r.log" 2>&1 &&
	   ! grep -qE 'warning|error' "$log/module-$r.log"; then
		pass "module builds for $r, clean at W=1 and under sparse"
	else
		grep -E 'warning|error' "$log/module-$r.log" | head -20
		fail "module builds for $r, clean at W=1 and under sparse"
		return 1
	fi
}

# debug_env CMD...: CMD with the debug kernel's VM settings. panic_on_warn
# turns any WARN into a failed run; guest-init scans for leaks at the end.
# Under TCG a vCPU can wait 20 s for a busy host, so the soft-lockup
# detector gets its longest threshold (120 s).
debug_env() {
	NFESP_VM_KERNEL=$dk/bzImage NFESP_VM_MODULES=$dk/modules NFESP_VM_PVH=0 \
	NFESP_VM_APPEND="panic_on_warn=1 watchdog_thresh=60" "$@"
}

# newest PATTERN: the newest bootable kernel whose release matches PATTERN
newest() {
	grep -E "$1" <<<"$vms" | tail -n1
}

if [ -n "$only" ]; then
	if [[ $only == *-nfesp-debug ]]; then
		dk=$(tools/vm/debug-kernel -q) || { fail "debug kernel builds"; summary; exit 1; }
		debug_env vm_suite "$only" "$only_scale" "$(left)" "${only_tests[@]}"
	else
		vm_suite "$only" "$only_scale" "$(left)" "${only_tests[@]}"
	fi
	summary
	[ "$failed" -eq 0 ]
	exit
fi

echo "# installing what is missing (tools/deps.sh)"
if timed "deps" tools/deps.sh >"$log/deps.log" 2>&1; then
	pass "dependencies installed"
else
	cat "$log/deps.log"
	fail "dependencies installed (tools/deps.sh)"
fi

# The debug kernel builds in the background (6 minutes on a fresh machine)
# while the host work runs; both are mostly CPU, but the fuzzers have a
# fixed time and the builds are short.
echo "# debug kernel (tools/vm/debug-kernel), in the background"
(
	t0=$SECONDS
	tools/vm/debug-kernel -q >"$log/debug-kernel.out" 2>"$log/debug-kernel.log"
	rc=$?
	echo $((SECONDS - t0)) >"$log/debug-kernel.secs"
	exit $rc
) &
dk_pid=$!

echo "# building"
rm -f build/ipsecctl
if timed "tool build" make -s tool >"$log/tool.log" 2>&1 && ! grep -q warning "$log/tool.log"; then
	pass "ipsecctl builds without warnings"
else
	cat "$log/tool.log"; fail "ipsecctl builds without warnings"
fi
rm -rf build/selftests
if timed "selftests build" make -s -C selftests >"$log/selftests-build.log" 2>&1 &&
   ! grep -q warning "$log/selftests-build.log"; then
	pass "selftests build without warnings"
else
	cat "$log/selftests-build.log"; fail "selftests build without warnings"
fi
kvers=$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||; s|/build||')
[ -n "$kvers" ] || fail "no kernel headers in /lib/modules/*/build"
for r in $kvers; do
	module_build "$r"
done

echo "# host tests"
# A wait whose value is expanded once, before it starts, never polls:
# wait_for N with an unescaped $(...) (not $((...))) anywhere on the line.
if grep -rnE 'wait_for [0-9]+ [^#]*[^\\]\$\([^(]' selftests tools --exclude=check.sh; then
	fail "no wait_for N test \"\$(...)\" (use wait_eq or wait_ge from selftests/lib.sh)"
else
	pass "no wait_for N test \"\$(...)\" in the tests"
fi
# The two lists of tests agree, in order.
if [ "$(selftests/run.sh --list)" = "$(make -s --no-print-directory -C selftests list | tr ' ' '\n')" ]; then
	pass "selftests/run.sh and selftests/Makefile list the same tests in the same order"
else
	fail "selftests/run.sh and selftests/Makefile list the same tests in the same order"
fi
for t in tools/ipsecctl/tests/*.sh; do
	timed "host test $(basename "$t")" bash "$t" >"$log/host-$(basename "$t").log" 2>&1
	count_ktap "$log/host-$(basename "$t").log" $? "$t"
done
timed "host test deps-mirror.sh" bash tools/tests/deps-mirror.sh >"$log/host-deps-mirror.log" 2>&1
count_ktap "$log/host-deps-mirror.log" $? tools/tests/deps-mirror.sh

if [ $long = 1 ]; then
	echo "# fuzzing ipsecctl's parsers, 10 minutes each"
	timed "fuzz" tools/fuzz/run >"$log/fuzz.log" 2>&1
	count_ktap "$log/fuzz.log" $? "tools/fuzz/run"
else
	echo "# fuzzing ipsecctl's parsers, briefly (make fuzz for long)"
	timed "fuzz --short" tools/fuzz/run --short >"$log/fuzz.log" 2>&1
	count_ktap "$log/fuzz.log" $? "tools/fuzz/run --short"
fi

dk_t0=$SECONDS
wait "$dk_pid"
dk_rc=$?
times+=("debug kernel: built or found in the cache, in the background|$(cat "$log/debug-kernel.secs" 2>/dev/null)")
times+=("debug kernel: waited for after the host work|$((SECONDS - dk_t0))")
dk=$(cat "$log/debug-kernel.out")
if [ "$dk_rc" -eq 0 ] && [ -n "$dk" ]; then
	dr=$(cat "$dk/release")
	pass "debug kernel $dr built or found in the cache"
	module_build "$dr" "$dk/obj" || dr=
else
	cat "$log/debug-kernel.log"
	fail "debug kernel builds"
	dr=
fi

# The runner itself: a module that does not load fails the run, naming
# the kernel.
vms=$(tools/vm/run --list)
k612=$(newest '^6\.12\.')
k61=$(newest '^6\.1\.')
[ -n "$k612" ] || fail "a Debian 6.12 kernel is installed and bootable (tools/deps.sh; bootable: ${vms//$'\n'/ })"
[ -n "$k61" ] || fail "a Debian 6.1 kernel is installed and bootable (tools/deps.sh; bootable: ${vms//$'\n'/ })"
if [ -n "$k612" ] && [ -n "$k61" ]; then
	timed "host test check-runner.sh" tools/tests/check-runner.sh "$k612" "$k61" >"$log/host-check-runner.log" 2>&1
	count_ktap "$log/host-check-runner.log" $? "tools/tests/check-runner.sh"
fi

if [ $long = 1 ]; then
	for r in $vms; do
		vm_suite "$r" long 14400
		bench_smoke "$r"
	done
	[ -z "$dr" ] || debug_env vm_suite "$dr" normal 14400
else
	if [ -n "$k612" ]; then
		vm_suite "$k612" normal 1800
		bench_smoke "$k612"
	fi
	# ike.sh (IKEv2 against strongSwan) and ikev1.sh (IKEv1 against
	# strongSwan and Libreswan) run on 6.12 only in make check: their core
	# cases; make check-long runs their whole matrix everywhere.
	[ -z "$k61" ] || vm_suite "$k61" small 1200 \
		insmod.sh module.sh datapath.sh natt.sh natt_gro.sh router.sh esp_fuzz.sh interop.sh stress.sh
	# Not router.sh yet: its firewall does not load on the debug kernel
	# (a netfilter option is still missing from debug.config).
	[ -z "$dr" ] || debug_env vm_suite "$dr" small 2700 \
		insmod.sh module.sh control.sh apply.sh dump.sh netns.sh perms.sh secrets.sh nl_malformed nl_fuzz \
		nl_fuzz_break.sh datapath.sh acquire_dev.sh policy_replace.sh natt.sh esp_fuzz.sh interop.sh stress.sh
fi
echo "# kernels tested: ${k612:-no 6.12} ${k61:-no 6.1} ${dr:-no debug kernel}"

summary
[ "$failed" -eq 0 ]
