#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKE message codec (tools/ipsecctl/ike/) on the host: its unit tests,
# built with AddressSanitizer and UBSan, which fail the run on any read
# out of bounds or undefined behaviour. KTAP from the test binary.
#
#   ike_codec.sh [-n MUTATIONS] [-s SEED]    (passed to test_codec)

set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
ike=$top/tools/ipsecctl/ike
out=$top/build/ike
mkdir -p "$out"

${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -g -O1 -o "$out/test_codec" \
	"$ike/tests/test_codec.c" "$ike/codec.c" "$ike/codec1.c" "$ike/buf.c"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$out/test_codec" "$@"
