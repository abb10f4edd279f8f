#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The IKEv2 crypto layer (tools/ipsecctl/ike/: crypto.c, dh.c, kdf.c,
# protect.c) on the host: published vectors for the PRFs, prf+, the KDF
# and the key exchange groups, RFC 7634's IKEv2 example, and SK payload
# round trips, built with AddressSanitizer and UBSan. KTAP from the test
# binary.

set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
ike=$top/tools/ipsecctl/ike
out=$top/build/ike
mkdir -p "$out"

${CC:-cc} -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -g -O1 -o "$out/test_crypto" \
	"$ike/tests/test_crypto.c" "$ike/crypto.c" "$ike/dh.c" "$ike/kdf.c" \
	"$ike/protect.c" "$ike/kdf1.c" "$ike/protect1.c" "$ike/codec.c" "$ike/buf.c" -lcrypto
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$out/test_crypto" "$@"
