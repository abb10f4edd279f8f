#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A plain insmod on a freshly booted machine, as on a router: nothing is
# loaded first. nfesp loads what it needs (nf_defrag_ipv4, nf_defrag_ipv6
# and nf_conntrack) itself, holds it while loaded, and lets it go at rmmod.
# run.sh runs this first in its VM, before anything loads those modules.

source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || ktap_bail "on $KREL, not root: the tests run as root, in a VM"
[ -e "$MODULE" ] || ktap_bail "on $KREL, no module at $MODULE (run make)"
ktap_plan 9

I=$IPSECCTL
builtin=/lib/modules/$KREL/modules.builtin

# present MOD: MOD is loaded or built in
present() {
	grep -q "^$1 " /proc/modules || grep -q "/$1\.ko$" "$builtin" 2>/dev/null
}
# loadable MOD: MOD is a module (not built in), so insmod must load it
loadable() {
	! grep -q "/$1\.ko$" "$builtin" 2>/dev/null
}

grep -qw nfesp /proc/modules && rmmod nfesp
for m in nf_conntrack nf_defrag_ipv6 nf_defrag_ipv4; do
	loadable $m && grep -q "^$m " /proc/modules && modprobe -r $m 2>/dev/null
done
check "nothing has loaded nf_defrag_ipv4, nf_defrag_ipv6 or nf_conntrack (run this first in a fresh VM)" \
	sh -c "! grep -qE '^(nf_defrag_ipv[46]|nf_conntrack) ' /proc/modules"
check "insmod nfesp.ko alone works" insmod "$MODULE"
both_present() { present nf_defrag_ipv4 && present nf_defrag_ipv6; }
check "it loaded nf_defrag_ipv4 and nf_defrag_ipv6 for itself" both_present
check "and nf_conntrack" present nf_conntrack
check "a policy turns the hooks and reassembly on" \
	$I policy add dir out from 10.0.0.0/8 to 10.1.0.0/16 action bypass
if loadable nf_defrag_ipv4; then
	check_fails "nf_defrag_ipv4 is held while nfesp is loaded" "in use|is used by|Resource temporarily" \
		rmmod nf_defrag_ipv4
	check_fails "so is nf_conntrack" "in use|is used by|Resource temporarily" rmmod nf_conntrack
else
	check "nf_conntrack is built in, nothing to hold" present nf_conntrack
	check "nf_defrag_ipv4 is built in, nothing to hold" present nf_defrag_ipv4
fi
check "rmmod nfesp" rmmod nfesp
if loadable nf_defrag_ipv4; then
	check "then nf_conntrack, nf_defrag_ipv4 and nf_defrag_ipv6 can be unloaded" \
		modprobe -r nf_conntrack nf_defrag_ipv6 nf_defrag_ipv4
else
	check "nf_defrag_ipv4 is built in, nothing to release" present nf_defrag_ipv4
fi
ktap_finish
