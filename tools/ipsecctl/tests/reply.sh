#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ipsecctl's reading of kernel replies on the host, through its real
# callbacks (nl.c) with hand-made messages: interrupted dumps
# (NLM_F_DUMP_INTR on an SA and on the DONE) and the API version check.
# Built with AddressSanitizer and UBSan. KTAP from tests/test_reply.c.

set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
src=$top/tools/ipsecctl
out=$top/build/reply
mkdir -p "$out"

srcs=()
for f in "$src"/*.c; do
	case ${f##*/} in main.c) continue ;; esac
	srcs+=("$f")
done
# shellcheck disable=SC2046
${CC:-cc} -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE \
	-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1 \
	-I"$top/uapi" $(pkg-config --cflags libnl-genl-3.0) -o "$out/test_reply" \
	"$src/tests/test_reply.c" "${srcs[@]}" \
	$(pkg-config --libs libnl-genl-3.0) -lcrypto -ljansson
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$out/test_reply"
