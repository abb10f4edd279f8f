#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: build everything, run the host tests, then the selftests in a
# VM on every bootable installed kernel and on the debug kernel. The last
# line is "N passed, N failed".

set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
log=$top/build/check
mkdir -p "$log"
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }

# Count a KTAP log's results: leaf lines, nested or not. A run that failed
# without a failing leaf (a splat, a timeout, a crash) counts as one failure.
count_ktap() {
	local file=$1 rc=$2 what=$3 p f
	p=$(grep -cE '^\s*ok [0-9]+ - ' "$file")
	f=$(grep -cE '^\s*not ok [0-9]+ - ' "$file")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$what exited $rc (see $file)"
	fi
	echo "# $what: $p passed, $f failed"
}

echo "# building"
if make -s tool >"$log/tool.log" 2>&1 && ! grep -q warning "$log/tool.log"; then
	pass "ipsecctl builds without warnings"
else
	cat "$log/tool.log"; fail "ipsecctl builds without warnings"
fi
if make -s -C selftests >"$log/selftests-build.log" 2>&1 && ! grep -q warning "$log/selftests-build.log"; then
	pass "selftests build without warnings"
else
	cat "$log/selftests-build.log"; fail "selftests build without warnings"
fi
kvers=$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||; s|/build||')
for r in $kvers; do
	rm -rf "build/$r/src"
	if make -s modules KVER="$r" W=1 C=1 >"$log/module-$r.log" 2>&1 &&
	   ! grep -qE 'warning|error' "$log/module-$r.log"; then
		pass "module builds for $r, clean at W=1 and under sparse"
	else
		grep -E 'warning|error' "$log/module-$r.log" | head -20
		fail "module builds for $r, clean at W=1 and under sparse"
	fi
done

echo "# host tests"
for t in tools/ipsecctl/tests/*.sh; do
	bash "$t" >"$log/host-$(basename "$t").log" 2>&1
	count_ktap "$log/host-$(basename "$t").log" $? "$t"
done

echo "# fuzzing ipsecctl's parsers, briefly (make fuzz for long)"
tools/fuzz/run --short >"$log/fuzz.log" 2>&1
count_ktap "$log/fuzz.log" $? "tools/fuzz/run --short"

vms=$(tools/vm/run --list)
[ -n "$vms" ] || fail "no bootable kernel installed (run tools/deps.sh)"
for r in $vms; do
	echo "# selftests in a VM on $r"
	tools/vm/run -k "$r" -t 1500 -- selftests/run.sh >"$log/vm-$r.log" 2>&1
	rc=$?
	grep -E '^\s*(not )?ok |vm-run' "$log/vm-$r.log" | grep -vE '^\s*ok ' || true
	count_ktap "$log/vm-$r.log" $rc "selftests on $r"
	# The benchmark harness itself, in one short run: every variant
	# passes traffic through the stack and driver it claims.
	echo "# make bench --smoke in a VM on $r"
	tools/bench/run --smoke -k "$r" >"$log/bench-$r.log" 2>&1
	rc=$?
	grep -E '^\s*(not )?ok |vm-run' "$log/bench-$r.log" | grep -vE '^\s*ok ' || true
	count_ktap "$log/bench-$r.log" $rc "bench --smoke on $r"
done

# The same VM suite on the debug kernel (KASAN, UBSAN, lockdep, kmemleak,
# debug objects; tools/vm/debug-kernel), built on first use and cached.
# panic_on_warn turns any WARN into a failed run; guest-init scans for
# leaks at the end. Under TCG a vCPU can wait 20 s for a busy host, so the
# soft-lockup detector gets its longest threshold (120 s).
echo "# debug kernel"
if dk=$(tools/vm/debug-kernel -q 2>"$log/debug-kernel.log"); then
	dr=$(cat "$dk/release")
	pass "debug kernel $dr built or found in the cache"
	rm -rf "build/$dr/src"
	if make -s modules KVER="$dr" KDIR="$dk/obj" W=1 C=1 >"$log/module-$dr.log" 2>&1 &&
	   ! grep -qE 'warning|error' "$log/module-$dr.log"; then
		pass "module builds for $dr, clean at W=1 and under sparse"
		echo "# selftests in a VM on $dr"
		NFESP_VM_KERNEL=$dk/bzImage NFESP_VM_MODULES=$dk/modules NFESP_VM_PVH=0 \
		NFESP_VM_APPEND="panic_on_warn=1 watchdog_thresh=60" \
			tools/vm/run -k "$dr" -t 3000 -- selftests/run.sh >"$log/vm-$dr.log" 2>&1
		rc=$?
		grep -E '^\s*(not )?ok |vm-run' "$log/vm-$dr.log" | grep -vE '^\s*ok ' || true
		count_ktap "$log/vm-$dr.log" $rc "selftests on $dr"
	else
		grep -E 'warning|error' "$log/module-$dr.log" | head -20
		fail "module builds for $dr, clean at W=1 and under sparse"
	fi
else
	cat "$log/debug-kernel.log"
	fail "debug kernel builds"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
