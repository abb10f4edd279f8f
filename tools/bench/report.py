#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Print the results of tools/bench/run as a table.

Usage: tools/bench/report.py [--markdown | --ktap | --profile] FILE...

FILE is a build/bench/KVER-*.json (or latest-KVER.json) that
tools/bench/collect.py wrote. For every figure and variant the table gives
the median over the repetitions and their spread (min-max); each nfesp
figure as a ratio to XFRM with the same algorithm and to WireGuard; and
for TCP the share of the crypto driver's raw AEAD throughput (tcrypt,
encryption of 1420-byte blocks) that the tunnel reached. A ratio above 1
means nfesp's figure is larger: better for throughput and install rate,
worse for latency and memory.

--markdown prints the same as Markdown tables, for the README.
--ktap prints the run's checks as KTAP (did every variant pass traffic,
through the stack and driver it claims) and exits 1 if one failed.
--profile prints, as Markdown, where the CPU time went per delivered packet
in a run with BENCH_PROFILE=1, and the top symbols.

The scale stage's figures (nfesp-gcm-scale: nfesp-gcm among 100,000 SAs
and 10,000 policies more) are given as a ratio to nfesp-gcm's of the same
boot; for ping, the inverse (its time with one of each over its time at
scale), so that for every figure a ratio below 0.9 is a loss of more than
10%, which is marked "(!)".
"""

import argparse
import datetime
import json
import signal
import sys

VARIANT_ORDER = ["plaintext", "xfrm-gcm", "nfesp-gcm", "xfrm-chacha", "nfesp-chacha",
                 "wireguard", "xfrm-null", "nfesp-null"]

# figure: (label, series order or None for VARIANT_ORDER)
FIGURES = [
    ("tcp1_mbps", "TCP, 1 stream (Mbit/s)", None),
    ("tcp2_mbps", "TCP, 2 streams (Mbit/s)", None),
    ("udp64_pps", "UDP, 64 B payload (packets/s received)", None),
    ("udp512_pps", "UDP, 512 B payload (packets/s received)", None),
    ("udp1400_pps", "UDP, 1400 B payload (packets/s received)", None),
    ("ping_p50_ms", "ping p50 (ms, lower is better)", None),
    ("ping_p90_ms", "ping p90 (ms, lower is better)", None),
    ("ping_p99_ms", "ping p99 (ms, lower is better)", None),
]
# The AEAD ceiling a variant's TCP figure is compared with.
CEILING = {
    "xfrm-gcm": "rfc4106(gcm(aes))", "nfesp-gcm": "rfc4106(gcm(aes))",
    "xfrm-chacha": "rfc7539esp(chacha20,poly1305)",
    "nfesp-chacha": "rfc7539esp(chacha20,poly1305)",
    # WireGuard calls the ChaCha20-Poly1305 library, not the AEAD; the
    # same primitives, so the same ceiling, roughly.
    "wireguard": "rfc7539esp(chacha20,poly1305)",
}


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1e6:
        return "%.2fM" % (v / 1e6)
    if a >= 1e4:
        return "%.1fk" % (v / 1e3)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def stats(values):
    vals = sorted(v for v in (values or []) if v is not None)
    if not vals:
        return None
    n = len(vals)
    med = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
    return {"median": med, "min": vals[0], "max": vals[-1], "n": n, "of": len(values)}


def ratio(a, b):
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def rows_for(doc):
    """(section, rows): each row is a dict of the table's columns."""
    figs = doc.get("figures", {})
    tcrypt = doc.get("tcrypt", {})
    variants = doc.get("variants", {})
    sections = []
    for key, label, _ in FIGURES:
        series = figs.get(key)
        if not series:
            continue
        rows = []
        order = [v for v in VARIANT_ORDER if v in series] + \
                sorted(v for v in series if v not in VARIANT_ORDER)
        for v in order:
            st = stats(series[v])
            row = {"name": v, "st": st}
            if not variants.get(v, {}).get("ok", True):
                row["name"] += " (!)"
            if v.startswith("nfesp-"):
                row["xfrm"] = ratio(st, stats(series.get("xfrm-" + v[6:].replace("-scale", ""))))
                row["wg"] = ratio(st, stats(series.get("wireguard")))
            if key.startswith("tcp") and v in CEILING and st:
                c = tcrypt.get(CEILING[v], {}).get("enc_mbps")
                row["aead"] = st["median"] / c if c else None
            rows.append(row)
        sections.append((label, rows))
    sections += scale_rows(doc)
    pol = figs.get("policy_udp64_pps")
    if pol:
        extra = doc.get("params", {}).get("extra_policies")
        base = stats(pol.get("base"))
        more = stats(pol.get("extra"))
        sections.append(("UDP, 64 B through nfesp-gcm, by SPD size (packets/s)", [
            {"name": "2 policies", "st": base},
            {"name": "+%s policies" % extra, "st": more, "base": ratio(more, base)},
        ]))
    counts = sorted(int(k.rsplit("_", 1)[1]) for k in figs if k.startswith("sa_rate_"))
    for n in counts:
        s = figs["sa_rate_%d" % n]
        nf, xf = stats(s.get("nfesp")), stats(s.get("xfrm"))
        sections.append(("SA install, %d in one batch (SAs/s)" % n, [
            {"name": "nfesp (ipsecctl -f)", "st": nf, "xfrm": ratio(nf, xf)},
            {"name": "XFRM (ip -batch)", "st": xf},
        ]))
    for k in sorted(k for k in figs if k.startswith("sa_bytes_")):
        s = figs[k]
        nf, xf = stats(s.get("nfesp")), stats(s.get("xfrm"))
        sections.append(("Memory per SA, Slab+Percpu over %s SAs (bytes, lower is better)"
                         % k.rsplit("_", 1)[1], [
                             {"name": "nfesp", "st": nf, "xfrm": ratio(nf, xf)},
                             {"name": "XFRM", "st": xf},
                         ]))
    sections += ike_rows(doc)
    for alg in sorted(tcrypt):
        t = tcrypt[alg]
        rows = []
        for d, name in (("enc", "encryption"), ("dec", "decryption")):
            v = t.get(d + "_mbps")
            rows.append({"name": name,
                         "st": {"median": v, "min": v, "max": v, "n": 1, "of": 1} if v else None})
        sections.append(("AEAD ceiling: tcrypt %s, %s-byte blocks (Mbit/s)"
                         % (t.get("driver"), t.get("block")), rows))
    return sections


SCALE_FIGURES = [("tcp1_mbps", "TCP, 1 stream"), ("tcp2_mbps", "TCP, 2 streams"),
                 ("udp64_pps", "UDP, 64 B packet rate"), ("ping_p50_ms", "ping median")]
SCALE_MIN = 0.9


def scale_rows(doc):
    """nfesp-gcm-scale against nfesp-gcm, figure by figure."""
    figs = doc.get("figures", {})
    sc = doc.get("scale") or {}
    if not any("nfesp-gcm-scale" in figs.get(k, {}) for k, _ in SCALE_FIGURES):
        return []
    rows = []
    for key, label in SCALE_FIGURES:
        series = figs.get(key, {})
        base, more = stats(series.get("nfesp-gcm")), stats(series.get("nfesp-gcm-scale"))
        r = ratio(more, base)
        if key.startswith("ping") and r:
            r = 1 / r
        row = {"name": label, "st": more, "scale": r, "base_st": base}
        if r is not None and r < SCALE_MIN:
            row["name"] += " (!)"
        rows.append(row)
    return [("nfesp-gcm with %s policies and %s SAs vs one of each (figure; ratio to nfesp-gcm's)"
             % (fmt_int(sc.get("policies")), fmt_int(sc.get("sas"))), rows)]


def fmt_int(n):
    return "{:,}".format(n) if isinstance(n, int) else "?"


IKE_NAMES = [("ipsecctl", "ipsecctl daemon (nfesp)"), ("strongswan", "strongSwan charon (XFRM)")]
IKE_FIGURES = [
    ("ike_burst_tps", "IKE, burst of %s initiators: tunnels/s until every child SA is in the responder"),
    ("ike_burst_first_s", "IKE, burst of %s: the first tunnel's child SAs in (s, lower is better)"),
    ("ike_burst_cpu_ms", "IKE, burst of %s: the responder's CPU time per tunnel (ms, lower is better)"),
    ("ike_burst_init_cpu_ms", "IKE, burst of %s: the initiators' CPU time per tunnel, the same charon against either (ms)"),
    ("ike_ttfp_ms", "IKE, time to first packet: echo request with no SA to the first reply, the same daemon on both sides (ms, lower is better)"),
    ("ike_ttfp_again_ms", "IKE, the same over the established tunnel: its round trip (ms)"),
    ("ike_ttfp_seq", "IKE, the echo request that got the first reply (1: the one that started IKE)"),
]


def ike_rows(doc):
    """The IKE stage: ipsecctl against strongSwan, the ratio in the
    nfesp/XFRM column (ipsecctl's daemon puts its SAs into nfesp, charon
    into XFRM)."""
    figs = doc.get("figures", {})
    n = "?"
    for field in doc.get("env", {}).get("ike_params", "").split():
        if field.startswith("n="):
            n = field[2:]
    out = []
    for key, label in IKE_FIGURES:
        series = figs.get(key)
        if not series:
            continue
        ip, sw = stats(series.get("ipsecctl")), stats(series.get("strongswan"))
        out.append((label % n if "%s" in label else label, [
            {"name": IKE_NAMES[0][1], "st": ip,
             "xfrm": ratio(ip, sw) if key != "ike_ttfp_seq" else None},
            {"name": IKE_NAMES[1][1], "st": sw},
        ]))
    return out


def cells(row):
    st = row["st"]
    if st:
        med = fmt(st["median"])
        spread = "%s-%s" % (fmt(st["min"]), fmt(st["max"])) if st["of"] > 1 else ""
        if st["n"] < st["of"]:
            spread += " (%d/%d)" % (st["n"], st["of"])
    else:
        med, spread = "-", "failed"
    r = lambda k: "%.2f" % row[k] if row.get(k) is not None else ""
    aead = "%.0f%%" % (100 * row["aead"]) if row.get("aead") is not None else ""
    if row.get("base") is not None:
        return [row["name"], med, spread, "x%.2f vs 2" % row["base"], "", ""]
    if "scale" in row:
        base = row["base_st"]["median"] if row.get("base_st") else None
        vs = "x%.2f of %s" % (row["scale"], fmt(base)) if row["scale"] is not None else "-"
        return [row["name"], med, spread, vs, "", ""]
    return [row["name"], med, spread, r("xfrm"), r("wg"), aead]


HEAD = ["", "median", "min-max", "nfesp/XFRM", "nfesp/WG", "of AEAD"]


def title(doc):
    p = doc.get("params", {})
    when = doc.get("started") or "?"
    dur = ""
    try:
        t0 = datetime.datetime.fromisoformat(doc["started"].replace("Z", "+00:00"))
        t1 = datetime.datetime.fromisoformat(doc["finished"].replace("Z", "+00:00"))
        dur = ", %.1f min" % ((t1 - t0).total_seconds() / 60)
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    return "%s, %s run: %s x %s s, %s%s (%s)" % (
        doc.get("kernel"), doc.get("mode"), p.get("reps"), p.get("time"), when, dur,
        doc.get("env", {}).get("cpu", "?"))


def problems(doc):
    out = ["check failed: %s: %s" % (c["name"], c["detail"])
           for c in doc.get("checks", []) if not c["ok"]]
    errs = doc.get("errors", [])
    out += ["error: %s" % e for e in errs[:10]]
    if len(errs) > 10:
        out.append("... and %d more errors" % (len(errs) - 10))
    return out


def text_table(doc):
    print(title(doc))
    sections = rows_for(doc)
    first = max([len(r["name"]) + 4 for _, rows in sections for r in rows] + [26])
    widths = [first, 9, 17, 11, 9, 8]
    line = lambda c: "".join(
        (x.ljust(w) if i == 0 else x.rjust(w)) for i, (x, w) in enumerate(zip(c, widths)))
    print(line(HEAD))
    for label, rows in sections:
        print(label)
        for row in rows:
            c = cells(row)
            c[0] = "  " + c[0]
            print(line(c).rstrip())
    for p in problems(doc):
        print("! " + p)
    print()


def md_table(doc):
    print("#### %s\n" % title(doc))
    print("| Figure | Variant | Median | Min–max | nfesp/XFRM | nfesp/WG | Of AEAD |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for label, rows in rows_for(doc):
        first = True
        for row in rows:
            c = cells(row)
            c[2] = c[2].replace("-", "–", 1) if c[2] != "failed" else c[2]
            print("| %s | %s |" % (label if first else "", " | ".join(c)))
            first = False
    for p in problems(doc):
        print("\n- %s" % p, end="")
    print("\n")


PROFILE_CATS = ["AEAD crypto", "nfesp module", "XFRM, esp", "wireguard module", "netfilter",
                "scheduling, workqueues", "copies, checksums", "memory allocation",
                "network stack", "system calls", "user space", "other"]
PROFILE_ORDER = ["nfesp-gcm", "xfrm-gcm", "wireguard", "nfesp-gcm-scale"]


def profile_md(doc):
    prof = doc.get("profile") or {}
    print("#### Where the time goes, per packet: %s\n" % title(doc))
    if not prof:
        why = doc.get("env", {}).get("profile") or "not run (BENCH_PROFILE=1)"
        print("No profile: %s.\n" % why)
        return
    print("perf record -e cpu-clock -F 1999 -a -g over both vCPUs, one run each "
          "(not a repetition of the figures above). CPU time per packet delivered "
          "at the server, in µs; idle is the share of both vCPUs' time.\n")
    order = [v for v in PROFILE_ORDER if v in prof] + sorted(v for v in prof if v not in PROFILE_ORDER)
    runs = [(v, w, prof[v][w]) for v in order for w in ("tcp1", "udp64") if w in prof[v]]
    print("| Variant | Workload | Packets/s | Idle | µs/packet | " +
          " | ".join(PROFILE_CATS) + " |")
    print("|---|---|--:|--:|--:|" + "--:|" * len(PROFILE_CATS))
    for v, w, p in runs:
        cats = p.get("categories", {})
        c = lambda x: "%.1f" % x if x is not None else "-"
        print("| %s | %s | %s | %.0f%% | %s | %s |" % (
            v, w, fmt(p.get("packets_per_s")), 100 * p.get("idle_share", 0),
            c(p.get("us_per_packet")),
            " | ".join(c(cats.get(k, 0.0)) if p.get("us_per_packet") is not None else "-"
                       for k in PROFILE_CATS)))
    print()
    for v, w, p in runs:
        print("Top symbols, %s, %s (share of all samples, idle included):\n" % (v, w))
        print("| Share | Object | Symbol | Category |")
        print("|--:|---|---|---|")
        for t in p.get("top", []):
            print("| %.1f%% | %s | %s | %s |" % (100 * t["share"], t["dso"],
                                                t["symbol"].replace("|", "\\|"), t["category"]))
        print()


def ktap(docs):
    checks = []
    for name, doc in docs:
        if doc is None:
            checks.append({"name": "%s: results readable" % name, "ok": False,
                           "detail": "no JSON (see the .log next to it)"})
        else:
            checks += doc.get("checks", [])
    print("KTAP version 1")
    print("1..%d" % len(checks))
    for i, c in enumerate(checks, 1):
        if not c["ok"]:
            for line in (c.get("detail") or "").split(" | "):
                print("# " + line)
        print("%sok %d - %s" % ("" if c["ok"] else "not ", i, c["name"]))
    failed = sum(not c["ok"] for c in checks)
    print("# %d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--markdown", action="store_true")
    g.add_argument("--ktap", action="store_true")
    g.add_argument("--profile", action="store_true")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args()
    docs = [(f, load(f)) for f in args.files]
    if args.ktap:
        return ktap(docs)
    rc = 0
    for name, doc in docs:
        if doc is None:
            print("report: cannot read %s" % name, file=sys.stderr)
            rc = 1
            continue
        if args.profile:
            profile_md(doc)
        else:
            (md_table if args.markdown else text_table)(doc)
    return rc


if __name__ == "__main__":
    sys.exit(main())
