#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A test of make check itself (tools/check.sh --vm, selftests/run.sh,
# tools/vm/run): a module that does not load fails the run, with a message
# that names the kernel, for the shell tests and the C tests alike; it is
# never a skip or an empty green run.
#
# Usage: tools/tests/check-runner.sh KVER OTHER_KVER
#   KVER        a bootable kernel, with headers, to run the VMs on
#   OTHER_KVER  another kernel for which build/OTHER_KVER/nfesp.ko exists:
#               that module must refuse to load on KVER

set -u
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib.sh
[ $# -eq 2 ] || { echo "usage: $0 KVER OTHER_KVER" >&2; exit 2; }
k=$1
other=$2
work=$PWD/build/check-runner
rm -rf "$work"
mkdir -p "$work/src"
ktap_plan 9

# broken_module: a module with an unresolved symbol, as a compat.h mistake
# would leave one; modpost is told to let it through.
cat >"$work/src/nfesp.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0-only
#include <linux/module.h>

int nfesp_no_such_symbol(void);

static int __init broken_init(void)
{
	return nfesp_no_such_symbol();
}
module_init(broken_init);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := nfesp.o' >"$work/src/Kbuild"
check "a module with an unresolved symbol builds for $k" \
	make -C "/lib/modules/$k/build" M="$work/src" KBUILD_MODPOST_WARN=1 modules

# run_check NAME MODULE: make check's VM suite on k, two tests, one in
# shell and one in C, with MODULE as nfesp.ko
run_check() {
	local rc

	NFESP_MODULE=$2 NFESP_CHECK_BUDGET=900 NFESP_VM_NAME=check-runner-$1 \
		tools/check.sh --vm "$k" module.sh nl_malformed >"$work/$1.out" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] || diag "$(tail -n 12 "$work/$1.out")"
	return "$rc"
}

# fails_naming NAME WHY: the run failed, both tests failed naming the
# kernel and saying WHY, and nothing was counted as passed or skipped
fails_naming() {
	local out=$work/$1.out

	if ! grep -q "^0 passed, [1-9][0-9]* failed, 0 skipped$" "$out"; then
		diag "$(tail -n 5 "$out")"
		return 1
	fi
	[ "$(grep -cE "not ok .*on ${k//[.+]/[&]}.*($2)" "$out")" -ge 2 ] || { diag "$(grep 'not ok' "$out")"; return 1; }
}

run_check unresolved "$work/src/nfesp.ko"
eq "make check on $k fails when the module has an unresolved symbol" 1 $?
check "... each test says so, naming $k" fails_naming unresolved "Unknown symbol"
splat_reported() {
	grep -q "kernel splat (matched 'Unknown symbol')" "$work/unresolved.out" ||
		{ tail -n 12 "$work/unresolved.out"; return 1; }
}
check "... and the VM runner reports the splat" splat_reported

run_check foreign "$PWD/build/$other/nfesp.ko"
eq "make check on $k fails with the module built for $other" 1 $?
check "... each test says so, naming $k" fails_naming foreign "insmod.*failed"

run_check missing "$work/no-such-module.ko"
eq "make check on $k fails when there is no module" 1 $?
check "... each test says so, naming $k" fails_naming missing "no module at|insmod.*failed"

# A skip whose reason is not allowed is a failure: a test list that names
# no real test fails as well, and not with 0 results.
NFESP_CHECK_BUDGET=600 NFESP_VM_NAME=check-runner-none \
	tools/check.sh --vm "$k" no-such-test.sh >"$work/none.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || diag "$(tail -n 12 "$work/none.out")"
eq "make check fails on a test that does not exist" 1 "$rc"
ktap_finish
