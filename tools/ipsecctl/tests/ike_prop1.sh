#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE daemon's IKEv1 proposals (tools/ipsecctl/ike/proposal1.c) on the
# host: its unit tests, with the codec (codec1.c) for the round trips,
# built with AddressSanitizer and UBSan, which fail the run on any read
# out of bounds or undefined behaviour. KTAP from the test binary.

set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
ike=$top/tools/ipsecctl/ike
out=$top/build/ike
mkdir -p "$out"

# Never a stale binary: one that does not build fails the test.
rm -f "$out/test_prop1"
${CC:-cc} -std=gnu11 -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1 -I"$top/uapi" -o "$out/test_prop1" \
	"$ike/tests/test_prop1.c" "$ike/proposal1.c" "$ike/proposal.c" "$ike/codec1.c" \
	"$ike/codec.c" "$ike/buf.c" ||
	{ echo "Bail out! test_prop1 does not build"; exit 1; }
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$out/test_prop1" "$@"
