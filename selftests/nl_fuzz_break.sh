#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# nl_fuzz's checks can fail: with NFESP_FUZZ_BREAK it does on purpose what
# each check exists to catch (a key echoed in an error ack, a rejected
# message that changed the SPD, the unprivileged phase run as root), on a
# short run, and the matching check must say "not ok".

source "$(dirname "$0")/lib.sh"
load_module
ktap_plan 6

FUZZ=$TOP/build/selftests/nl_fuzz
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# broken MODE REGEX: nl_fuzz with MODE fails, and fails the check REGEX
broken() {
	local rc

	NFESP_FUZZ_BREAK=$1 NFESP_FUZZ_ITERS=2000 "$FUZZ" >"$out" 2>&1
	rc=$?
	eq "NFESP_FUZZ_BREAK=$1: nl_fuzz fails" 1 "$rc"
	if grep -qE "^not ok [0-9]+ - $2" "$out"; then
		ktap_ok "NFESP_FUZZ_BREAK=$1: ... on the check '$2'"
	else
		diag "$(grep -E '^(not )?ok ' "$out")"
		ktap_fail "NFESP_FUZZ_BREAK=$1: ... on the check '$2'"
	fi
	$IPSECCTL sa flush >/dev/null 2>&1
	$IPSECCTL policy flush >/dev/null 2>&1
}

broken leak "root: no key bytes"
broken state "root: rejected messages changed nothing"
broken eperm "uid 65534 without capabilities"
ktap_finish
