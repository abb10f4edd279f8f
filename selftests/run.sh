#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run nfesp selftests, in the kselftest manner: each test's KTAP is nested
# under one top-level result. Meant to run as root inside a VM.
#
# Usage: run.sh [TEST...]   the tests named, or every test in order
#        run.sh --list      the names of every test, in the order run
#
# Environment: NFESP_SCALE (small, normal or long; see lib.sh),
# NFESP_TEST_TIMEOUT (seconds one test may take, default 900).
#
# A test that exits 4 skipped: its top-level line is "ok N ... # SKIP
# REASON", which make check accepts only for reasons in skips.allow. After
# each test the module must unload; if it cannot, that test failed. Each
# test's wall time follows its result as "# time: TEST S s".

ALL=(insmod.sh module.sh control.sh apply.sh dump.sh netns.sh perms.sh secrets.sh nl_malformed nl_fuzz nl_fuzz_break.sh
	ike_bridge.sh datapath.sh acquire_dev.sh policy_replace.sh natt.sh natt_gro.sh router.sh esp_fuzz.sh interop.sh ike.sh ikev1.sh stress.sh)
if [ "$1" = --list ]; then
	printf '%s\n' "${ALL[@]}"
	exit 0
fi

cd "$(dirname "$0")" || exit 1
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${ALL[@]}")
export PATH=$PATH:/sbin:/usr/sbin
export NFESP_SCALE=${NFESP_SCALE:-normal}
limit=${NFESP_TEST_TIMEOUT:-900}
krel=$(uname -r)

# A C test needs the module loaded; it fails, naming the kernel, if the
# module does not load.
c_test() {
	local out

	if ! grep -qw nfesp /proc/modules &&
	   ! out=$(insmod "${NFESP_MODULE:-../build/$krel/nfesp.ko}" 2>&1); then
		echo "KTAP version 1"
		echo "1..1"
		echo "not ok 1 - on $krel, insmod failed: $out; $(dmesg | sed 's/^\[[^]]*\] //' |
			grep -E '^(module )?nfesp: ' | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	"../build/selftests/$1"
}

# Under QEMU's TCG a CPU can run a stale int3 that the kernel's own code
# patching (text_poke_bp) leaves while a static key flips under traffic:
# "Oops: int3" at the netfilter branch of ip_local_deliver or
# __ip_local_out (a 2-byte NOP site), seen in stress.sh as nfesp's unload,
# the last hook anywhere on those hooks, turned nf_hooks_needed off while
# packets flowed. Real CPUs serialize that patching. One base chain on
# every hook, in the initial namespace for the whole run, keeps netfilter's
# static keys on, so that nfesp's hooks (and nf_defrag's) come and go
# without patching code; they are still registered and unregistered as
# before, with packets in flight. The same for the keys of the receive and
# transmit paths that tests turn on and off: a device with a clsact qdisc
# and netdev ingress and egress chains (flowtables and the README's egress
# rule in router.sh), and a socket asking for timestamps (every tcpdump
# does: "Oops: int3" in __netif_receive_skb_core, seen once in router.sh).
pin_hooks() {
	ip link add nfesp-pin type dummy &&
	ip link set nfesp-pin up &&
	tc qdisc add dev nfesp-pin clsact &&
	nft -f - <<'EOF' || return 1
table inet nfesp_selftests_pin {
	chain pin_prerouting { type filter hook prerouting priority 0; }
	chain pin_input { type filter hook input priority 0; }
	chain pin_forward { type filter hook forward priority 0; }
	chain pin_output { type filter hook output priority 0; }
	chain pin_postrouting { type filter hook postrouting priority 0; }
}
table netdev nfesp_selftests_pin {
	chain pin_ingress { type filter hook ingress device "nfesp-pin" priority 0; }
	chain pin_egress { type filter hook egress device "nfesp-pin" priority 0; }
}
EOF
	python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_TIMESTAMP, 1)
time.sleep(1e9)' </dev/null >/dev/null 2>&1 &
}

export -f c_test
export krel
echo "KTAP version 1"
echo "# nfesp selftests on $krel, scale $NFESP_SCALE"
echo "1..${#tests[@]}"
n=0
failed=0
if ! out=$(pin_hooks 2>&1); then
	echo "# cannot hold netfilter's static keys on (nft): $out"
	failed=1
fi
for t in "${tests[@]}"; do
	n=$((n + 1))
	if [ -x "./$t" ]; then
		cmd=("./$t")
	elif [ -x "../build/selftests/$t" ]; then
		cmd=(bash -c 'c_test "$1"' c_test "$t")
	else
		echo "not ok $n selftests: nfesp: $t # no such test"
		failed=$((failed + 1))
		continue
	fi
	echo "# selftests: nfesp: $t"
	start=$SECONDS
	out=$(mktemp)
	timeout "$limit" "${cmd[@]}" 2>&1 | tee "$out" | sed 's/^/  /'
	rc=${PIPESTATUS[0]}
	unload=
	if grep -qw nfesp /proc/modules && ! unload=$(rmmod nfesp 2>&1); then
		unload="nfesp cannot be unloaded after it: ${unload:-rmmod failed}"
	fi
	if [ -n "$unload" ] && [ "$rc" -eq 0 -o "$rc" -eq 4 ]; then
		rc=1
	fi
	case $rc in
	0) echo "ok $n selftests: nfesp: $t" ;;
	4)
		why=$(sed -n 's/^1\.\.0 # SKIP //p' "$out" | head -n1)
		echo "ok $n selftests: nfesp: $t # SKIP ${why:-no reason given}"
		;;
	124) echo "not ok $n selftests: nfesp: $t # timed out after $limit s on $krel"; failed=$((failed + 1)) ;;
	*) echo "not ok $n selftests: nfesp: $t # exit=$rc on $krel${unload:+; $unload}"; failed=$((failed + 1)) ;;
	esac
	echo "# time: $t $((SECONDS - start)) s"
	rm -f "$out"
done
[ $failed -eq 0 ]
