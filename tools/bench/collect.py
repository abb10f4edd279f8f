#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn the raw outputs of one run of tools/bench/guest.sh into JSON.

Usage: tools/bench/collect.py --kernel KVER [--vm-exit RC] [--console LOG]
                              -o OUT.json RAWDIR

The guest writes one tab-separated line of key=value fields per measurement
to RAWDIR/records.tsv, next to the raw outputs it names (iperf3 JSON, ping
output, /proc/crypto differences, counter snapshots, the kernel log of
tcrypt). This parses them, decides the checks (did each variant pass
traffic, through the stack and the crypto driver it claims) and writes:

  figures   {figure: {series: [value per repetition, null if it failed]}}
  summary   {figure: {series: {median, min, max, n}}}
  variants  {variant: {impl, alg, claim, reps: [{drivers, path, ...}]}}
  tcrypt    {algorithm: {driver, block, enc_mbps, dec_mbps, sizes}}
  scale     {sas, policies, sa_install_s, policy_install_s}: the scale
            stage, whose figures are the series nfesp-gcm-scale
  profile   {variant: {workload: {packets, us_per_packet, idle_share,
            categories: {category: us per packet}, top: [...]}}}, from
            perf report (BENCH_PROFILE=1)
  checks    [{name, ok, detail}], what tools/bench/report.py --ktap prints
  errors    [text], one per failed measurement

It runs on the host, where python starts quickly; the guest parses nothing.
"""

import argparse
import json
import os
import re
import statistics
import sys

# What each variant claims to be: its stack and its algorithm.
VARIANTS = {
    "plaintext": ("plaintext", None),
    "xfrm-gcm": ("xfrm", "gcm"),
    "nfesp-gcm": ("nfesp", "gcm"),
    "xfrm-chacha": ("xfrm", "chacha"),
    "nfesp-chacha": ("nfesp", "chacha"),
    "wireguard": ("wireguard", None),
    "xfrm-null": ("xfrm", "null"),
    "nfesp-null": ("nfesp", "null"),
    # nfesp-gcm among the scale stage's SAs and policies
    "nfesp-gcm-scale": ("nfesp", "gcm"),
}

# The crypto API algorithm of each, and the driver it must resolve to:
# the accelerated one, never a *-generic fallback. A transform whose name
# contains the algorithm (seqiv(...), __rfc4106(...), cryptd(...) inside
# the SIMD wrapper) counts; every one of them must match.
ALGS = {
    "gcm": {
        "name": "rfc4106(gcm(aes))",
        "driver": r"rfc4106-gcm-(aesni|vaes)",
        "claim": "rfc4106-gcm-aesni*",
        "tcrypt_mode": 211,
    },
    "chacha": {
        "name": "rfc7539esp(chacha20,poly1305)",
        "driver": r"rfc7539esp\(chacha20-simd,poly1305-simd\)",
        "claim": "rfc7539esp(chacha20-simd,poly1305-simd)",
        "tcrypt_mode": 213,
    },
    "null": {
        "name": "authenc(hmac(sha256),ecb(cipher_null))",
        "driver": r"authenc\(hmac\(sha256-(?!generic)[^)]+\),ecb.cipher_null\)",
        "claim": "authenc(hmac(sha256-<not generic>),ecb-cipher_null)",
        "tcrypt_mode": None,
    },
}

TCRYPT_BLOCK = 1420     # an ESP payload of a full-sized packet
SPI_OUT = 0x1001        # gwA's outbound SA, gwB's inbound one
# A variant whose outbound tunnel counted fewer packets than this share of
# what the server received let traffic past it. (More is normal: packets
# can be dropped after decryption, on the way to the server.)
MIN_SHARE = 0.9

WORKLOADS = ["tcp1", "tcp2", "udp64", "udp512", "udp1400", "ping"]
# The scale stage's variant runs these only.
SCALE_WORKLOADS = ["tcp1", "tcp2", "udp64", "ping"]
FIGURE_OF = {
    "tcp1": ["tcp1_mbps"],
    "tcp2": ["tcp2_mbps"],
    "udp64": ["udp64_pps"],
    "udp512": ["udp512_pps"],
    "udp1400": ["udp1400_pps"],
    "ping": ["ping_p50_ms", "ping_p90_ms", "ping_p99_ms"],
}


def read_records(raw):
    recs = []
    with open(os.path.join(raw, "records.tsv")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            rec = {}
            for field in line.split("\t"):
                k, _, v = field.partition("=")
                rec[k] = v
            recs.append(rec)
    return recs


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def read_json(path):
    text = read_text(path)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def summarize(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


class Run:
    def __init__(self, raw, kernel):
        self.raw = raw
        self.kernel = kernel
        self.figures = {}
        self.errors = []
        self.checks = []
        self.variants = {}
        self.info = {}
        self.params = {}
        # nfesp's counters are per namespace and the gateways stay: each
        # snapshot is compared with the one before it.
        self.last_nfesp_stats = {}
        self.scale = None
        self.profiles = {}
        self.modsyms = None

    def put(self, fig, series, rep, value):
        """Store value as repetition rep (from 1) of series in fig."""
        lst = self.figures.setdefault(fig, {}).setdefault(series, [])
        while len(lst) < rep:
            lst.append(None)
        lst[rep - 1] = value

    def error(self, what, why):
        self.errors.append("%s: %s" % (what, why))

    def check(self, name, ok, detail=""):
        self.checks.append({"name": "%s: %s" % (self.kernel, name),
                            "ok": bool(ok), "detail": detail})

    # ------------------------------------------------------ measurements

    def iperf_error(self, path):
        err = (read_text(path + ".err") or "").strip()
        data = read_json(path)
        if data and data.get("error"):
            err = data["error"]
        return err.splitlines()[-1] if err else "no output"

    def tcp(self, rec, what):
        rcs = rec.get("rc", "").split(",")
        files = rec.get("file", "").split(",") if rec.get("file") else []
        total = 0.0
        for rc, path in zip(rcs, files):
            data = read_json(path)
            try:
                bps = data["end"]["sum_received"]["bits_per_second"]
            except (TypeError, KeyError):
                bps = None
            if rc != "0" or bps is None:
                self.error(what, "iperf3 exit %s: %s" % (rc, self.iperf_error(path)))
                return None
            total += bps
        if not files:
            self.error(what, "not run (%s)" % rec.get("rc"))
            return None
        return total / 1e6

    def udp(self, rec, what):
        path = rec.get("file")
        rc = rec.get("rc")
        if not path:
            self.error(what, "not run (%s)" % rc)
            return None
        if rc != "0":
            self.error(what, "iperf3 exit %s: %s" % (rc, self.iperf_error(path)))
            return None
        data = read_json(path)
        seconds = None
        try:
            seconds = data["end"]["sum"]["seconds"]
        except (TypeError, KeyError):
            pass
        if not seconds:
            seconds = num(rec.get("nominal"))
        packets = num(rec.get("packets"))
        if packets is None or not seconds:
            self.error(what, "no counters")
            return None
        return packets / seconds

    def ping(self, rec, what):
        text = read_text(rec.get("file", "")) or ""
        rtts = [float(m) for m in re.findall(r"time=([0-9.]+) ms", text)]
        if not rtts:
            self.error(what, "no replies (ping exit %s)" % rec.get("rc"))
            return None
        sent = self.params.get("pings")
        if isinstance(sent, int) and len(rtts) < sent:
            self.error(what, "%d of %d echo requests unanswered" % (sent - len(rtts), sent))
        return {p: percentile(rtts, p) for p in (50, 90, 99)}

    def measure(self, rec):
        v, rep, metric = rec["variant"], int(rec["rep"]), rec["metric"]
        what = "%s rep %d %s" % (v, rep, metric)
        if v.startswith("policy-"):
            self.put("policy_udp64_pps", v[len("policy-"):], rep, self.udp(rec, what))
            return
        if metric.startswith("tcp"):
            self.put(metric + "_mbps", v, rep, self.tcp(rec, what))
        elif metric.startswith("udp"):
            self.put(metric + "_pps", v, rep, self.udp(rec, what))
        elif metric == "ping":
            pct = self.ping(rec, what)
            for p in (50, 90, 99):
                self.put("ping_p%d_ms" % p, v, rep, pct and pct[p])

    # ------------------------------------------------------ variant checks

    def drivers(self, path):
        out = []
        for line in (read_text(path) or "").splitlines():
            f = line.split("\t")
            if len(f) == 4:
                out.append({"name": f[0], "driver": f[1],
                            "refs_before": int(f[2]), "refs_after": int(f[3])})
        return out

    def snapshot(self, path):
        """Sections of a snapshot file, parsed: per gateway the XFRM
        states, nfesp's counters and SAs, WireGuard's transfer, /proc/net/dev."""
        snap = {}
        text = read_text(path) or ""
        for part in re.split(r"^## ", text, flags=re.M)[1:]:
            head, _, body = part.partition("\n")
            gw, _, kind = head.partition(" ")
            g = snap.setdefault(gw, {})
            if kind == "xfrm":
                g["xfrm"] = parse_xfrm_states(body)
            elif kind == "nfesp-stats":
                g["nfesp_stats"] = (loads(body) or {}).get("stats")
            elif kind == "nfesp-sas":
                sas = loads(body)
                g["nfesp_sas"] = sas.get("sas") if isinstance(sas, dict) else sas
            elif kind == "wg":
                g["wg"] = [l.split("\t") for l in body.splitlines() if "\t" in l]
            elif kind == "dev":
                g["dev"] = parse_net_dev(body)
        return snap

    def path_check(self, v, snap, server_rx):
        """Did variant v's traffic go through the stack it claims? Returns
        (ok, detail, the packets gwA's outbound tunnel counted)."""
        impl = VARIANTS[v][0]
        problems = []
        out = None
        stacks = {}
        for gw in ("gwA", "gwB"):
            g = snap.get(gw)
            if not g:
                return False, "no counters from %s" % gw, None
            stacks[gw] = {
                "xfrm": len(g.get("xfrm") or []),
                "nfesp": (g.get("nfesp_stats") or {}).get("sa_count", 0),
                "wireguard": len(g.get("wg") or []),
            }
            for other, count in stacks[gw].items():
                if other != impl and count:
                    problems.append("%s has %s configured too" % (gw, other))
        a, b = snap["gwA"], snap["gwB"]
        if impl == "xfrm":
            out = xfrm_packets(a.get("xfrm"), SPI_OUT)
            inb = xfrm_packets(b.get("xfrm"), SPI_OUT)
            what = "XFRM state 0x%x" % SPI_OUT
        elif impl == "nfesp":
            out = nfesp_counter(a.get("nfesp_sas"), SPI_OUT, "tx_packets")
            inb = nfesp_counter(b.get("nfesp_sas"), SPI_OUT, "rx_packets")
            what = "nfesp SA 0x%x" % SPI_OUT
        elif impl == "wireguard":
            out = (a.get("dev") or {}).get("wg0", {}).get("tx_packets")
            inb = (b.get("dev") or {}).get("wg0", {}).get("rx_packets")
            what = "wg0"
        else:
            if server_rx <= 0:
                problems.append("the server received nothing")
            return not problems, "; ".join(problems) or "no tunnel configured", None
        if not out:
            problems.append("%s on gwA sent %s packets" % (what, out))
        if not inb:
            problems.append("%s on gwB received %s packets" % (what, inb))
        share = out / server_rx if out and server_rx > 0 else 0
        if out and share < MIN_SHARE:
            problems.append("%s on gwA sent %d packets for %d received by the server"
                            % (what, out, server_rx))
        detail = "; ".join(problems) or ("%s: %d packets out of gwA, %d into gwB, "
                                         "%.2f per packet the server received"
                                         % (what, out, inb, share))
        return not problems, detail, out

    def driver_check(self, v, drivers):
        alg = ALGS[VARIANTS[v][1]]
        used = [d for d in drivers if alg["name"] in d["name"]]
        if not used:
            return False, "no transform of %s was taken" % alg["name"]
        bad = [d["driver"] for d in used if not re.search(alg["driver"], d["driver"])]
        names = sorted({d["driver"] for d in used})
        if bad:
            return False, "%s instead of %s" % (", ".join(sorted(set(bad))), alg["claim"])
        return True, ", ".join(names)

    def variant(self, rec):
        v, rep = rec["variant"], int(rec["rep"])
        impl, alg = VARIANTS.get(v, ("?", None))
        var = self.variants.setdefault(v, {
            "impl": impl, "alg": ALGS[alg]["name"] if alg else None,
            "claim": ALGS[alg]["claim"] if alg else impl, "reps": []})
        r = {"rep": rep, "setup": rec.get("setup"), "reachable": rec.get("reach") == "ok",
             "seconds": num(rec.get("seconds"))}
        var["reps"].append(r)
        if "extra_sas" in rec:
            var["extra_sas"] = int(rec["extra_sas"])
            var["extra_policies"] = int(rec.get("extra_policies") or 0)
        if rec.get("setup") != "ok":
            log = (read_text(rec.get("log", "")) or "").strip()
            r["setup_log"] = log[-2000:]
            self.error("%s rep %d" % (v, rep), "setup failed: %s" % (log.splitlines() or ["?"])[-1])
            return
        if not r["reachable"]:
            self.error("%s rep %d" % (v, rep), "client cannot reach the server")
        drivers = self.drivers(rec.get("drivers", ""))
        snap = self.snapshot(rec.get("snapshot", ""))
        server_rx = int(rec.get("server_rx") or 0)
        r["drivers"] = drivers
        r["server_rx_packets"] = server_rx
        r["path_ok"], r["path"], r["tunnel_packets"] = self.path_check(v, snap, server_rx)
        if alg:
            r["driver_ok"], r["driver"] = self.driver_check(v, drivers)
        if "extra_sas" in rec:
            r["scale_ok"], r["scale"] = self.scale_check(rec, snap)
        delta = self.nfesp_delta(snap)
        if delta:
            r["nfesp_counters"] = delta

    def scale_check(self, rec, snap):
        """Were the scale stage's SAs and policies there, besides the
        variant's own two of each, while it ran?"""
        want_sa = int(rec["extra_sas"]) + 2
        want_pol = int(rec.get("extra_policies") or 0) + 2
        problems = []
        for gw in ("gwA", "gwB"):
            st = (snap.get(gw) or {}).get("nfesp_stats") or {}
            if st.get("sa_count") != want_sa or st.get("policy_count") != want_pol:
                problems.append("%s has %s SAs and %s policies, not %d and %d"
                                % (gw, st.get("sa_count"), st.get("policy_count"),
                                   want_sa, want_pol))
        return not problems, "; ".join(problems) or (
            "%d SAs and %d policies on each gateway" % (want_sa, want_pol))

    def nfesp_delta(self, snap):
        """nfesp's namespace counters that moved since the last snapshot."""
        delta = {}
        for gw in ("gwA", "gwB"):
            now = (snap.get(gw) or {}).get("nfesp_stats") or {}
            last = self.last_nfesp_stats.get(gw, {})
            for k, val in now.items():
                if k not in ("sa_count", "policy_count") and val != last.get(k, 0):
                    delta["%s %s" % (gw, k)] = val - last.get(k, 0)
            if now:
                self.last_nfesp_stats[gw] = now
        return delta

    def variant_checks(self):
        for v, var in self.variants.items():
            reps = var["reps"]
            bad = []
            for r in reps:
                for w in SCALE_WORKLOADS if "extra_sas" in var else WORKLOADS:
                    for fig in FIGURE_OF[w]:
                        vals = self.figures.get(fig, {}).get(v, [])
                        val = vals[r["rep"] - 1] if len(vals) >= r["rep"] else None
                        if val is None or val <= 0:
                            bad.append("rep %d %s" % (r["rep"], fig))
            self.check("%s passes traffic in every workload" % v, not bad,
                       "failed: " + ", ".join(bad) if bad else "")
            paths = [r.get("path_ok") for r in reps]
            self.check("%s traffic goes through %s" % (v, var["impl"]),
                       reps and all(paths),
                       " | ".join("rep %d: %s" % (r["rep"], r.get("path", r.get("setup")))
                                  for r in reps if not r.get("path_ok")) or
                       (reps[-1].get("path", "") if reps else "not run"))
            if var["alg"]:
                oks = [r.get("driver_ok") for r in reps]
                self.check("%s uses %s" % (v, var["claim"]), reps and all(oks),
                           " | ".join("rep %d: %s" % (r["rep"], r.get("driver", "not set up"))
                                      for r in reps if not r.get("driver_ok")) or
                           (reps[-1].get("driver", "") if reps else ""))
            if "extra_sas" in var:
                oks = [r.get("scale_ok") for r in reps]
                self.check("%s runs with %d SAs and %d policies more on each gateway"
                           % (v, var["extra_sas"], var["extra_policies"]), reps and all(oks),
                           " | ".join("rep %d: %s" % (r["rep"], r.get("scale", r.get("setup")))
                                      for r in reps if not r.get("scale_ok")) or
                           (reps[-1].get("scale", "") if reps else ""))
            var["ok"] = all(c["ok"] for c in self.checks
                            if c["name"].startswith("%s: %s " % (self.kernel, v)))

    # ------------------------------------------------------ SAs, policies

    def sa(self, rec, sa_runs):
        impl, n, rep = rec["impl"], int(rec["n"]), int(rec["rep"])
        secs = num(rec.get("seconds"))
        count = int(rec["count"]) if rec.get("count", "").isdigit() else None
        ok = rec.get("rc") == "0" and count == n
        sa_runs.setdefault((impl, n), []).append(ok)
        if not ok:
            self.error("SA install %s %d rep %d" % (impl, n, rep),
                       "exit %s, %s SAs installed" % (rec.get("rc"), count))
        self.put("sa_rate_%d" % n, impl, rep, n / secs if ok and secs else None)
        self.put("sa_flush_s_%d" % n, impl, rep, num(rec.get("flush_seconds")) if ok else None)
        if n == max(self.params.get("sa_counts", [n])):
            m0, m1 = num(rec.get("mem_before_kb")), num(rec.get("mem_after_kb"))
            self.put("sa_bytes_%d" % n, impl, rep,
                     (m1 - m0) * 1024 / n if ok and m0 is not None and m1 is not None else None)

    def policy_setup(self, rec, pol_runs):
        rep = int(rec["rep"])
        snap = self.snapshot(rec.get("snapshot", ""))
        extra = int(rec.get("count") or 0)
        problems = []
        if rec.get("rc") != "0":
            problems.append("install exit %s" % rec.get("rc"))
        for gw in ("gwA", "gwB"):
            pc = ((snap.get(gw) or {}).get("nfesp_stats") or {}).get("policy_count")
            if pc != extra + 2:
                problems.append("%s has %s policies, not %d" % (gw, pc, extra + 2))
        out = nfesp_counter((snap.get("gwA") or {}).get("nfesp_sas"), SPI_OUT, "tx_packets")
        if not out:
            problems.append("nfesp SA 0x%x on gwA sent %s packets" % (SPI_OUT, out))
        pol_runs.append(problems)
        self.nfesp_delta(snap)
        self.put("policy_install_s", "nfesp", rep, num(rec.get("install_seconds")))
        self.put("policy_flush_s", "nfesp", rep, num(rec.get("flush_seconds")))

    def scale_setup(self, rec):
        self.scale = {"sas": int(rec.get("sas") or 0),
                      "policies": int(rec.get("policies") or 0),
                      "sa_install_s": num(rec.get("sa_seconds")),
                      "policy_install_s": num(rec.get("policy_seconds"))}
        ok = rec.get("rc") == "0"
        if not ok:
            log = (read_text(rec.get("log", "")) or "").strip().splitlines()
            self.error("scale stage", "install exit %s: %s" % (rec.get("rc"), (log or ["?"])[-1]))
        self.check("scale: %d SAs and %d policies installed on each gateway"
                   % (self.scale["sas"], self.scale["policies"]), ok,
                   "%.1f s for the SAs, %.1f s for the policies, per gateway"
                   % (self.scale["sa_install_s"] or 0, self.scale["policy_install_s"] or 0)
                   if ok else "ipsecctl -f exit %s" % rec.get("rc"))

    # ------------------------------------------------------ profile

    def profile(self, rec):
        v, w = rec["variant"], rec["workload"]
        what = "profile %s %s" % (v, w)
        if rec.get("rc") != "0":
            self.error(what, "perf or the workload failed (%s)" % rec.get("rc"))
            return
        if self.modsyms is None:
            self.modsyms = {}
            text = read_text(os.path.join(self.raw, "profile-modsyms.txt")) or ""
            for line in text.splitlines():
                f = line.split()
                if len(f) == 2:
                    self.modsyms.setdefault(f[0], f[1])
        p = parse_profile(read_text(rec.get("file", "")) or "", num(rec.get("freq")) or 1999,
                          num(rec.get("packets")) or 0, num(rec.get("seconds")), self.modsyms)
        if p is None:
            self.error(what, "no samples in the perf report")
            return
        self.profiles.setdefault(v, {})[w] = p

    # ------------------------------------------------------ IKE

    def ike_burst(self, rec, runs):
        """A burst of n initiators against one responder: tunnels per second
        from the first datagram sent to the responder's last child SA
        installed, and the responder's CPU time per tunnel."""
        impl, rep, n = rec["impl"], int(rec["rep"]), int(rec["n"])
        what = "IKE burst, %s responder, rep %d" % (impl, rep)
        start = None
        m = re.match(r"(\d+\.\d+) START", read_text(rec.get("start", "")) or "")
        if m:
            start = float(m.group(1))
        events = read_text(rec.get("events", "")) or ""
        done = re.search(r"^(\d+\.\d+) DONE (\d+)", events, re.M)
        sas = []
        for line in events.splitlines():
            t, _, text = line.partition(" ")
            if text.startswith("sa add ") or text.startswith("\tproto esp spi"):
                sas.append(float(t))
        ok = rec.get("rc") == "0" and start is not None and done is not None
        runs.setdefault(impl, []).append(ok)
        if not ok:
            self.error(what, "rc %s, %d of %d child SAs installed"
                       % (rec.get("rc"), len(sas), 2 * n))
        secs = float(done.group(1)) - start if ok else None
        self.put("ike_burst_tps", impl, rep, n / secs if ok and secs > 0 else None)
        self.put("ike_burst_s", impl, rep, secs)
        # The first tunnel: its second SA (the responder installs the
        # inbound SA, then the outbound one).
        self.put("ike_burst_first_s", impl, rep,
                 sas[1] - start if ok and len(sas) > 1 else None)
        ticks, hz = num(rec.get("cpu_ticks")), num(rec.get("hz"))
        self.put("ike_burst_cpu_ms", impl, rep,
                 ticks * 1000 / hz / n if ok and ticks is not None and hz else None)
        ticks = num(rec.get("init_cpu_ticks"))
        if ticks is not None:
            self.put("ike_burst_init_cpu_ms", impl, rep,
                     ticks * 1000 / hz / n if ok and hz else None)

    def ike_ttfp(self, rec, runs):
        """Echo requests with no SA: from the first to the first reply."""
        impl, rep = rec["impl"], int(rec["rep"])
        what = "IKE time to first packet, %s, rep %d" % (impl, rep)
        vals = {}
        for key in ("first", "again"):
            text = read_text(rec.get(key, "")) or ""
            m = re.search(r"ttfp_ms=([0-9.]+) seq=(\d+) rtt_ms=([0-9.]+)", text)
            if m:
                vals[key] = (float(m.group(1)), int(m.group(2)))
        ok = rec.get("rc") == "0" and "first" in vals and "again" in vals
        runs.setdefault(impl, []).append("first" in vals)
        if not ok:
            self.error(what, "rc %s, %s" % (rec.get("rc"), "measured" if vals else "no reply"))
        first, again = vals.get("first"), vals.get("again")
        self.put("ike_ttfp_ms", impl, rep, first and first[0])
        self.put("ike_ttfp_seq", impl, rep, first and first[1])
        self.put("ike_ttfp_again_ms", impl, rep, again and again[0])

    # ------------------------------------------------------ tcrypt

    def tcrypt(self, rec):
        text = read_text(rec.get("file", "")) or ""
        mode = int(rec["mode"])
        marker = "nfesp-bench: tcrypt mode=%d start" % mode
        text = text[text.rfind(marker):] if marker in text else ""
        return mode, parse_tcrypt(text)

    # ------------------------------------------------------ all

    def collect(self):
        recs = read_records(self.raw)
        for rec in recs:
            if rec.get("kind") == "info":
                self.info[rec["key"]] = rec.get("value", "")
        self.params = parse_params(self.info.get("params", ""))
        sa_runs, pol_runs, tcrypt = {}, [], {}
        burst_runs, ttfp_runs = {}, {}
        for rec in recs:
            kind = rec.get("kind")
            try:
                if kind == "measure":
                    self.measure(rec)
                elif kind == "variant":
                    self.variant(rec)
                elif kind == "sa":
                    self.sa(rec, sa_runs)
                elif kind == "policy_setup":
                    self.policy_setup(rec, pol_runs)
                elif kind == "scale_setup":
                    self.scale_setup(rec)
                elif kind == "profile":
                    self.profile(rec)
                elif kind == "ike_burst":
                    self.ike_burst(rec, burst_runs)
                elif kind == "ike_ttfp":
                    self.ike_ttfp(rec, ttfp_runs)
                elif kind == "tcrypt":
                    mode, res = self.tcrypt(rec)
                    tcrypt.update(res)
                    if not res:
                        self.error("tcrypt mode %d" % mode, "no result in the kernel log")
            except (KeyError, ValueError) as e:
                self.error("record %r" % rec, "cannot parse: %s" % e)
        self.variant_checks()
        for (impl, n), oks in sorted(sa_runs.items()):
            self.check("%s installs %d SAs in one batch" % (impl, n), all(oks),
                       "%d of %d repetitions failed" % (oks.count(False), len(oks))
                       if not all(oks) else "")
        if pol_runs or "policy_udp64_pps" in self.figures:
            extra = self.params.get("extra_policies")
            vals = self.figures.get("policy_udp64_pps", {}).get("extra", [])
            problems = [p for run in pol_runs for p in run]
            if not vals or any(x is None or x <= 0 for x in vals):
                problems.append("no 64-byte UDP through it")
            self.check("nfesp-gcm passes traffic with %s more policies" % extra,
                       not problems, "; ".join(problems))
        names = {"ipsecctl": "ipsecctl daemon (nfesp)", "strongswan": "strongSwan charon (XFRM)"}
        # Runs from before the IKE stage have no stages and no IKE.
        stages = self.params.get("stages") or ["sa", "variants", "tcrypt"]
        if "ike" in stages and not self.info.get("ike", "").startswith("skipped"):
            for impl in ("ipsecctl", "strongswan"):
                oks = burst_runs.get(impl, [])
                self.check("IKE: a burst of initiators gets every child SA from the %s responder"
                           % names[impl], oks and all(oks),
                           "%d of %d repetitions failed" % (oks.count(False), len(oks))
                           if oks else "not run")
                oks = ttfp_runs.get(impl, [])
                self.check("IKE: a first ping through %s to %s gets its reply"
                           % (names[impl], names[impl]), oks and all(oks),
                           "%d of %d repetitions failed" % (oks.count(False), len(oks))
                           if oks else "not run")
        for mode in self.params.get("tcrypt_modes", []) if "tcrypt" in stages else []:
            alg = [a for a in ALGS.values() if a["tcrypt_mode"] == mode]
            res = tcrypt.get(alg[0]["name"]) if alg else None
            self.check("tcrypt mode %d gives the %s ceiling" % (mode, alg[0]["name"] if alg else "?"),
                       res and res.get("enc_mbps"),
                       "%s at %d bytes: %.0f Mbit/s" % (res["driver"], res["block"], res["enc_mbps"])
                       if res and res.get("enc_mbps") else "not found in the kernel log")
        return tcrypt


# Where a profile's samples go: the first category whose test matches a
# (dso, symbol), in this order. Idle is the idle loop, whatever its name.
IDLE = re.compile(r"(^|_)idle|^pv_native_safe_halt$|^native_safe_halt$|^cpuidle|"
                  r"^acpi_safe_halt$|^mwait_idle|^poll_idle$|^do_idle$|^cpu_startup_entry$")
CRYPTO_DSO = re.compile(r"\[(aesni_intel|ghash_clmulni_intel|aes_generic|gcm|cryptd|crypto_simd|"
                        r"chacha\w*|poly1305\w*|libchacha\w*|libpoly1305\w*)\]$")
CATEGORIES = [
    ("user space", lambda d, s, k: k == "."),
    # WireGuard's own ChaCha20-Poly1305 calls included, and the saving
    # of the FPU state that SIMD code in the kernel needs. Anything in a
    # crypto module counts too: 6.1's aesni_intel has its assembly's local
    # labels (_encrypt_by_8_new9944) as symbols.
    ("AEAD crypto", lambda d, s, k: CRYPTO_DSO.match(d) or re.match(
        r"(_?_?aes|gcm|ghash|chacha|poly1305|crypto_|rfc4106|gf128mul|blake2|curve25519|"
        r"aesni|clmul|_aesni|gcmaes|simd_aead|cryptd|seqiv|scatterwalk|skcipher|aead_|"
        r"kernel_fpu_|save_fpregs|restore_fpregs|fpregs_)", s)),
    ("nfesp module", lambda d, s, k: d == "[nfesp]"),
    ("wireguard module", lambda d, s, k: d == "[wireguard]"),
    ("XFRM, esp", lambda d, s, k: re.match(r"(__)?(xfrm|esp)", s) or
     d.startswith("[xfrm") or d.startswith("[esp")),
    ("netfilter", lambda d, s, k: re.match(r"(__)?(nf_|nft_|ipt_|nf_hook|ipv4_conntrack)", s)),
    ("scheduling, workqueues", lambda d, s, k: re.match(
        r"(finish_task_switch|__schedule|schedule|queue_work|__queue_work|worker_thread|"
        r"process_one_work|try_to_wake_up|_raw_spin_unlock_irq|__napi_schedule|"
        r"ttwu|enqueue_task|dequeue_task|pick_next|update_curr|__wake_up|"
        r"kick_process|native_send_call_func|__smp_call|raw_spin_rq|"
        r"__softirqentry|__do_softirq|do_softirq|handle_softirqs|irq_exit|run_ksoftirqd|"
        r"__local_bh_enable|smpboot_thread_fn|kthread|native_queued_spin_lock|"
        r"_raw_spin_lock)", s)),
    ("memory allocation", lambda d, s, k: re.match(
        r"(__)?(kmalloc|kfree|kmem_cache|__kmem_cache|alloc_pages|__alloc_pages|free_pages|"
        r"__free_pages|get_page_from_freelist|free_unref|rmqueue|___slab|__slab|slab_|"
        r"__call_rcu|kvfree|krealloc|page_frag|__page_frag)", s)),
    ("system calls", lambda d, s, k: re.match(
        r"(do_syscall|x64_sys_call|__x64_sys|syscall_exit|entry_SYSCALL|ksys_|vfs_|"
        r"do_select|core_sys_select|__check_object_size|__virt_addr_valid|"
        r"rw_verify_area|apparmor_|security_|irqentry_exit|fdget|__fdget|"
        r"ktime_get|poll_|do_sys_poll|__se_sys)", s)),
    ("copies, checksums", lambda d, s, k: re.match(
        r"(rep_movs|rep_stos|copy_|_copy_|__copy|memcpy|memmove|memset|clear_page|"
        r"csum_|__csum|skb_copy|copyin|copyout)", s)),
    ("network stack", lambda d, s, k: re.match(
        r"(__)?(_)?(ip_|ip4|ipv4|tcp|udp|skb|__skb|kfree_skb|consume_skb|"
        r"net|napi|dev_|__dev|veth|sock|sk_|__sk|inet|fib|neigh|eth_|"
        r"__netif|netif|gro|dst_|rt_|raw_|icmp|__ip|__tcp|__udp|nexthop|"
        r"validate_xmit|sch_|qdisc|__qdisc|pfifo|__build_skb|build_skb|"
        r"page_pool|napi_|__napi|process_backlog|enqueue_to_backlog)", s)),
]


def classify(dso, sym, kind):
    if IDLE.search(sym):
        return "idle"
    for name, test in CATEGORIES:
        if test(dso, sym, kind):
            return name
    return "other"


def parse_profile(text, freq, packets, seconds, modsyms=None):
    """perf report --stdio -n --sort dso,sym: the CPU time per packet
    delivered, by category, and the top symbols. modsyms maps a module's
    symbols to its [name], for those perf put in [kernel.kallsyms]."""
    lines = []
    for line in text.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\d+)\s+(\S+)\s+\[(.)\]\s+(.*\S)", line)
        if m:
            dso, sym = m.group(3), m.group(5)
            if dso == "[kernel.kallsyms]" and modsyms:
                dso = modsyms.get(sym, dso)
            lines.append((int(m.group(2)), dso, m.group(4), sym))
    total = sum(n for n, _, _, _ in lines)
    if not total:
        return None
    cats = {}
    for n, dso, kind, sym in lines:
        c = classify(dso, sym, kind)
        cats[c] = cats.get(c, 0) + n
    idle = cats.pop("idle", 0)
    busy = total - idle
    per = (lambda n: n / freq / packets * 1e6) if packets else (lambda n: None)
    top = sorted(lines, key=lambda x: -x[0])
    return {
        "packets": int(packets), "seconds": seconds, "samples": total,
        "idle_share": idle / total,
        "packets_per_s": packets / seconds if seconds else None,
        "us_per_packet": per(busy),
        "categories": {c: per(n) for c, n in sorted(cats.items(), key=lambda x: -x[1])},
        "top": [{"symbol": sym, "dso": dso, "share": n / total,
                 "category": classify(dso, sym, kind)}
                for n, dso, kind, sym in top[:15]],
    }


def loads(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def parse_params(text):
    p = {}
    for field in text.split():
        k, _, v = field.partition("=")
        if k in ("sa_counts", "variants", "tcrypt_modes", "stages"):
            p[k] = [int(x) if x.isdigit() else x for x in v.split(",") if x]
        else:
            p[k] = int(v) if v.isdigit() else v
    return p


def parse_xfrm_states(text):
    """ip -s xfrm state: [{src, dst, spi, packets}]."""
    states, cur, take = [], None, False
    for line in text.splitlines():
        m = re.match(r"src (\S+) dst (\S+)", line)
        if m:
            cur = {"src": m.group(1), "dst": m.group(2), "spi": None, "packets": None}
            states.append(cur)
            continue
        if cur is None:
            continue
        m = re.search(r"proto esp spi 0x([0-9a-f]+)", line)
        if m:
            cur["spi"] = int(m.group(1), 16)
        if "lifetime current:" in line:
            take = True
            continue
        if take:
            m = re.search(r"(\d+)\(packets\)", line)
            if m:
                cur["packets"] = int(m.group(1))
            take = False
    return states


def xfrm_packets(states, spi):
    for s in states or []:
        if s["spi"] == spi:
            return s["packets"]
    return None


def nfesp_counter(sas, spi, counter):
    for sa in sas or []:
        try:
            if int(sa["spi"], 16) == spi:
                return sa["stats"][counter]
        except (KeyError, ValueError, TypeError):
            continue
    return None


def parse_net_dev(text):
    devs = {}
    for line in text.splitlines():
        if ":" not in line or "|" in line:
            continue
        name, _, rest = line.partition(":")
        f = rest.split()
        if len(f) >= 10:
            devs[name.strip()] = {"rx_packets": int(f[1]), "tx_packets": int(f[9])}
    return devs


def parse_tcrypt(text):
    """tcrypt's AEAD speed lines, for the ESP algorithms only and their
    first key size: {alg: {driver, key_bits, block, enc_*, dec_*, sizes}}.
    The result of a test may be on the line of its title or on the next
    one: tcrypt prints it with a separate printk."""
    out = {}
    names = {a["name"] for a in ALGS.values()}
    cur = None
    pending = None
    for line in text.splitlines():
        line = re.sub(r"^\s*\[[ 0-9.]+\]\s*", "", line)
        line = re.sub(r"^tcrypt:\s*", "", line)
        m = re.search(r"testing speed of (\S+) \((\S+)\) (encryption|decryption)", line)
        if m:
            cur = None
            if m.group(1) in names:
                e = out.setdefault(m.group(1), {"driver": m.group(2), "sizes": {}})
                cur = (e, m.group(3)[:3])
            pending = None
            continue
        m = re.search(r"test\s*\d+ \((\d+) bit key, (\d+) byte blocks\):", line)
        if m:
            pending = (int(m.group(1)), int(m.group(2)))
        m2 = re.search(r"(\d+) operations in (\d+) seconds \((\d+) bytes\)", line)
        if m2 and pending and cur:
            e, d = cur
            key, block = pending
            e.setdefault("key_bits", key)
            if key == e["key_bits"] and int(m2.group(2)):
                e["sizes"].setdefault(d, {})[block] = int(m2.group(3)) / int(m2.group(2))
            pending = None
    for e in out.values():
        enc = e["sizes"].get("enc", {})
        if not enc:
            continue
        block = min(enc, key=lambda b: (abs(b - TCRYPT_BLOCK), b))
        e["block"] = block
        for d in ("enc", "dec"):
            bps = e["sizes"].get(d, {}).get(block)
            e[d + "_bytes_per_s"] = bps
            e[d + "_mbps"] = bps * 8 / 1e6 if bps else None
        e["sizes"] = {d: {str(b): v for b, v in s.items()} for d, s in e["sizes"].items()}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--vm-exit", type=int)
    ap.add_argument("--console")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("raw")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.raw, "records.tsv")):
        print("collect: no records in %s" % args.raw, file=sys.stderr)
        return 1
    run = Run(args.raw, args.kernel)
    tcrypt = run.collect()
    if args.vm_exit is not None:
        run.checks.insert(0, {
            "name": "%s: the VM ran to the end without a kernel splat" % args.kernel,
            "ok": args.vm_exit == 0 and "finished" in run.info,
            "detail": "exit %d, console %s" % (args.vm_exit, args.console)})
    doc = {
        "schema": "nfesp-bench/1",
        "kernel": args.kernel,
        "mode": "smoke" if run.params.get("smoke") == 1 else "full",
        "started": run.info.get("started"),
        "finished": run.info.get("finished"),
        "params": run.params,
        "env": {k: v for k, v in run.info.items()
                if k not in ("params", "started", "finished")},
        "vm": {"exit": args.vm_exit, "console": args.console, "raw": args.raw},
        "figures": run.figures,
        "summary": {f: {s: summarize(v) for s, v in ser.items()}
                    for f, ser in run.figures.items()},
        "variants": run.variants,
        "tcrypt": tcrypt,
        "scale": run.scale,
        "profile": run.profiles,
        "checks": run.checks,
        "errors": run.errors,
    }
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
