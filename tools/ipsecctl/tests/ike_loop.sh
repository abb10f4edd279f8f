#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE daemon's plumbing (tools/ipsecctl/ike/): log, loop, net and ctl,
# on the host, built with AddressSanitizer and UBSan, which fail the run on
# any read out of bounds, leak or undefined behaviour. The test binary
# makes its own network namespace (as root, or in a user namespace), so it
# never binds the host's UDP 500 and 4500. KTAP from the test binary.
#
#   ike_loop.sh

set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
ike=$top/tools/ipsecctl/ike
out=$top/build/ike
mkdir -p "$out"

${CC:-cc} -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes -Werror -D_GNU_SOURCE -I"$top/uapi" \
	-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1 \
	-o "$out/test_loop" "$ike/tests/test_loop.c" "$ike/log.c" "$ike/loop.c" \
	"$ike/net.c" "$ike/ctl.c" -ljansson
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$out/test_loop" "$@"
