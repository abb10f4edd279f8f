# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the host tests that run `ipsecctl daemon` without the module
# (ike_daemon.sh, install.sh): fake_daemon_build builds ipsecctl with
# ike/tests/fake_kernel.c, an in-memory stand-in for ike/kernel.c, and with
# AddressSanitizer and UBSan, into TOP/build/ike/ipsecctl-fake, unless it is
# newer than every source. On failure it prints what went wrong and returns
# 1. Not a test itself (make check runs tests/*.sh).

# fake_daemon_build TOP
fake_daemon_build() {
	local top=$1 tool=$1/tools/ipsecctl ike=$1/tools/ipsecctl/ike
	local out=$1/build/ike
	local gen=$out/fake-gen fake_bin=$out/ipsecctl-fake f
	local srcs=()

	mkdir -p "$out" "$gen/obj"
	for f in "$tool"/*.c "$ike"/*.c "$ike/tests/fake_kernel.c"; do
		[ "$f" = "$ike/kernel.c" ] || srcs+=("$f")
	done
	if [ -x "$fake_bin" ] &&
	   [ -z "$(find "$tool" "$top/uapi" -name '*.[chy]' -newer "$fake_bin" | head -n1)" ]; then
		return 0
	fi
	NFESP_FAKE_CFLAGS="-std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wstrict-prototypes
		-Wmissing-prototypes -Werror -D_GNU_SOURCE -I$top/uapi -I$gen -I$ike
		$(pkg-config --cflags libnl-genl-3.0 2>/dev/null)
		-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1"
	export NFESP_FAKE_CFLAGS
	if ! bison -Wall -Werror -d -o "$gen/conf.tab.c" "$ike/conf.y" >"$gen/build.log" 2>&1; then
		echo "bison: $(tail -n 5 "$gen/build.log")"
		return 1
	fi
	rm -f "$gen"/obj/*.o
	# Two compilers at a time: the build is most of a test's time.
	# shellcheck disable=SC2016 # expanded by sh -c
	if ! printf '%s\n' "${srcs[@]}" "$gen/conf.tab.c" | xargs -P 2 -I{} sh -c \
		'${CC:-cc} $NFESP_FAKE_CFLAGS -c -o "$0/obj/$(echo "$1" | tr / _).o" "$1"' \
		"$gen" {} >>"$gen/build.log" 2>&1; then
		echo "build: $(grep -m5 -E 'error|warning' "$gen/build.log")"
		return 1
	fi
	# shellcheck disable=SC2046
	if ! ${CC:-cc} -fsanitize=address,undefined -o "$fake_bin.tmp" "$gen"/obj/*.o \
		$(pkg-config --libs libnl-genl-3.0 2>/dev/null) -lcrypto -ljansson \
		>>"$gen/build.log" 2>&1; then
		echo "link: $(tail -n 5 "$gen/build.log")"
		return 1
	fi
	mv "$fake_bin.tmp" "$fake_bin"
}
