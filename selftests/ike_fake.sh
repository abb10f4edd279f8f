#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A stand-in for ipsecctl's IKE daemon, made of strongSwan, to test ike.sh
# itself before the daemon exists (and to tell a harness bug from a daemon
# bug after):
#
#   IPSECCTL=$PWD/selftests/ike_fake.sh tools/check.sh --vm KVER ike.sh
#
# It takes the daemon's command line (daemon -f FILE [--export-keys DIR]
# [-d], daemon -n -f FILE, [-j] status, up, down, reload) and `-j sa show`
# and `show`, and answers them from a charon in the caller's namespace: its
# SAs are XFRM's, not nfesp's, and XFRM queues the packets that wait for
# an SA (xfrm_larval_drop=0). --export-keys writes XFRM's keys and those of
# charon's log (ike = 4, first IKE SA only; for an ikev1 rule the
# ikev1_decryption_table). What it cannot be: the daemon's log lines (it
# passes charon's through). One rule a file.

export PATH=$PATH:/sbin:/usr/sbin
ns=$(ip netns identify $$)
D=/tmp/ike-fake/sw-${ns:-init}
json=0
[ "${1:-}" = -j ] && { json=1; shift; }
fsw() { STRONGSWAN_CONF=$D/strongswan.conf swanctl "$@" 2>/dev/null; }

# conf FILE: the rule's words as K=V lines for sw_conf (see ikelib.sh)
conf() {
	python3 - "$1" <<-'EOF'
	import re, shlex, sys
	w = shlex.split(open(sys.argv[1]).read())
	assert w[0] in ("ikev2", "ikev1"), "not an ikev2 or ikev1 rule"
	o = {"conn": w[1], "child": w[1] + "-child", "start": "trap"}
	if w[0] == "ikev1": o["version"] = "1"
	i = 2
	if w[i] in ("active", "passive"):
	    o["start"] = {"active": "start", "passive": "none"}[w[i]]; i += 1
	enc = {"aes-gcm-256": "aes256gcm16", "aes-gcm-128": "aes128gcm16",
	       "chacha20-poly1305": "chacha20poly1305", "aes-cbc-256": "aes256",
	       "aes-cbc-128": "aes128"}
	alg = lambda s: s.replace("hmac-", "").replace("curve25519", "x25519")
	ike, esp, sect = [], [], None
	while i < len(w):
	    k = w[i]
	    v = w[i + 1] if i + 1 < len(w) else ""
	    if k == "esp": o["mode"] = v
	    elif k == "from": o["lts"] = v
	    elif k == "to": o["rts"] = v
	    elif k == "local": o["local"] = v
	    elif k == "peer": o["remote"] = v
	    elif k in ("ikesa", "main", "aggressive"):
	        sect = ike; i += 1
	        if k == "aggressive": o["aggressive"] = "yes"
	        continue
	    elif k in ("childsa", "quick"): sect = esp; i += 1; continue
	    elif k == "enc": sect.append(enc[v])
	    elif k == "auth": sect.append(alg(v))
	    elif k == "prf": sect.append("prf" + alg(v))
	    elif k == "group":
	        if v != "none": sect.append(alg(v))
	    elif k == "srcid": o["lid"] = v
	    elif k == "dstid": o["rid"] = v
	    elif k == "psk": o["psk"] = open(v[1:]).read().strip()
	    elif k == "ikelifetime": o["rekey"] = v
	    elif k == "lifetime": o["child_rekey"] = v
	    elif k == "dpd": o["dpd"] = v
	    else: sys.exit("unknown word " + k)
	    i += 2
	# IKEv1 DPD: strongSwan's dpd_timeout (150 s by default) as 5 delays
	if o.get("version") == "1" and "dpd" in o:
	    o["dpd_timeout"] = "%ds" % (5 * int(o["dpd"].rstrip("s")))
	o["ike"] = "-".join(ike)
	o["esp"] = "-".join(esp)
	if o["psk"].startswith("0x"): pass
	else: o["psk"] = '"' + o["psk"] + '"'
	for k, v in o.items(): print("%s=%s" % (k, v))
	EOF
}

# status: the daemon's JSON from list-sas --raw
status() {
	fsw --list-sas --raw | python3 -c '
import json, re, sys
names = sys.argv[1:]
conns = {n: {"name": n, "state": "idle", "child_sas": []} for n in names}
enc = {"AES_GCM_16": "aes-gcm", "AES_CBC": "aes-cbc", "CHACHA20_POLY1305": "chacha20-poly1305"}
grp = {"CURVE_25519": "curve25519", "ECP_256": "ecp256", "ECP_384": "ecp384", "MODP_2048": "modp2048",
       "MODP_3072": "modp3072", "MODP_4096": "modp4096"}
def kv(s): return dict(re.findall(r"([a-z-]+)=([^ {}]*)", s))
def e(d):
    a = enc.get(d.get("encr-alg"), d.get("encr-alg"))
    return a + "-" + d["encr-keysize"] if a.startswith("aes") else a
for line in sys.stdin:
    m = re.match(r"list-sa event \{(\S+) \{(.*)\}\}\s*$", line)
    if not m: continue
    name, body = m.groups()
    ike, _, kids = body.partition("child-sas")
    d = kv(ike)
    c = conns.setdefault(name, {"name": name, "child_sas": []})
    c["state"] = {"ESTABLISHED": "established"}.get(d.get("state"), "connecting")
    c["ike_sa"] = {"spi_i": d.get("initiator-spi"), "spi_r": d.get("responder-spi"),
        "initiator": d.get("initiator") == "yes", "local": d.get("local-host"),
        "peer": d.get("remote-host"), "peer_port": int(d.get("remote-port", 0)),
        "encr": e(d), "prf": d.get("prf-alg"), "group": grp.get(d.get("dh-group")),
        "rekey_in": int(d.get("rekey-time", 0))}
    for cm in re.finditer(r"\{([^{}]*state=INSTALLED[^{}]*)\}", kids):
        k = kv(cm.group(1))
        c["child_sas"].append({"spi_in": "0x" + k["spi-in"], "spi_out": "0x" + k["spi-out"],
            "mode": k.get("mode", "").lower(), "encr": e(k), "rekey_in": int(k.get("rekey-time", 0)),
            "packets_in": int(k.get("packets-in", 0)), "packets_out": int(k.get("packets-out", 0))})
json.dump({"connections": list(conns.values())}, sys.stdout)
print()' $(cat "$D/names")
}

case ${1:-} in
daemon)
	shift
	check=0 file= keys=
	while [ $# -gt 0 ]; do
		case $1 in
		-n) check=1 ;;
		-f) file=$2; shift ;;
		--export-keys) keys=$2; shift ;;
		-d) ;;
		esac
		shift
	done
	words=$(conf "$file") || exit 1
	[ $check = 1 ] && exit 0
	rm -rf "$D"
	mkdir -p "$D"
	W=${D%/*}
	source "$(dirname "$0")/lib.sh"
	source "$(dirname "$0")/netlib.sh"
	source "$(dirname "$0")/ikelib.sh"
	mapfile -t kvs <<<"$words"
	sw_write_conf "$D" 4
	# XFRM holds the packets that raise an ACQUIRE, as nfesp does, instead
	# of dropping them.
	sysctl -qw net.core.xfrm_larval_drop=0
	sw_conf "$ns" "${kvs[@]}"
	echo "${kvs[0]#conn=}" >"$D/names"
	echo "${kvs[1]#child=}" >"$D/child"
	STRONGSWAN_CONF=$D/strongswan.conf charon-systemd </dev/null >"$D/stdout" 2>&1 &
	pid=$!
	trap 'fsw --terminate --ike "$(cat $D/names)" --timeout 5; kill $pid $tailpid; wait $pid; exit 0' TERM INT
	wait_for 20 fsw --stats || exit 1
	fsw --load-all --noprompt --file "$D/swanctl.conf" >&2
	tail -F "$D/charon.log" >&2 &
	tailpid=$!
	echo ready >"$D/ready"
	# --export-keys: what XFRM holds and the IKE keys of charon's log
	sw_ns[$ns]=$ns
	while running $pid; do
		if [ -n "$keys" ]; then
			ike_tshark_esp_opts "$ns" | sed -n 's/^uat:esp_sa://p' >"$keys/esp_sa.new" &&
				mv "$keys/esp_sa.new" "$keys/esp_sa"
			if grep -qx version=1 <<<"$words"; then
				sw_ikev1_uat "$ns" "$(cat "$D/names")" >"$keys/ike.new" 2>/dev/null &&
					mv "$keys/ike.new" "$keys/ikev1_decryption_table"
			else
				sw_ikev2_uat "$ns" "$(cat "$D/names")" >"$keys/ike.new" 2>/dev/null &&
					mv "$keys/ike.new" "$keys/ikev2_decryption_table"
			fi
		fi
		sleep 0.5 & wait $!
	done
	;;
status)
	[ -e "$D/ready" ] || exit 1
	if [ $json = 1 ]; then status; else fsw --list-sas; fi
	;;
up) fsw --initiate --child "$(cat "$D/child")" --timeout 30 ;;
down) fsw --terminate --ike "$2" --timeout 10 ;;
reload) fsw --load-all --noprompt --file "$D/swanctl.conf" ;;
sa) ip xfrm state | python3 -c '
import json, re, sys
sas = []
for st in re.split(r"(?m)^src ", sys.stdin.read())[1:]:
    m = re.search(r"proto esp spi (0x[0-9a-f]+)", st)
    if not m: continue
    sa = {"spi": m.group(1)}
    e = re.search(r"encap type espinudp sport (\d+) dport (\d+)", st)
    if e: sa["encap"] = {"sport": int(e.group(1)), "dport": int(e.group(2))}
    sas.append(sa)
print(json.dumps({"sas": sas}))' ;;
show) ip xfrm state ;;
*) echo "ike_fake: $* is not faked" >&2; exit 2 ;;
esac
