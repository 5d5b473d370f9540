#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: turn the guest's "bench ..." lines into build/bench/report.md
and build/bench/ratios.dat (for scripts/bench-chart.gp).

Usage: bench-report.py RAW TIMINGS OUTDIR

A ratio's spread is the range of the per-round ratios: each round is one
patched boot and the vanilla boot right after it, so the spread shows how
much the machine's noise moved the ratio, not just the timings.
"""
import re
import statistics
import sys
from collections import defaultdict

raw, timings, out = sys.argv[1:]

fault = defaultdict(list)      # (kernel, case) -> [(round, mibps, placed)]
offline = defaultdict(list)    # kernel -> [dict]
zswap = defaultdict(list)      # mode -> [(share, store, load)]
clock = "realtime"
errors = []
rounds = {"patched": 0, "vanilla": 0}

for line in open(raw):
    f = line.split()
    if len(f) == 3 and f[:2] == ["bench", "clock"]:
        clock = f[2]
        continue
    if len(f) < 3 or f[0] != "bench":
        continue
    kv = dict(x.split("=", 1) for x in f if "=" in x)
    if any(x.startswith("error") for x in f) or "error" in kv:
        errors.append(line.strip())
        continue
    if f[1] == "fault":
        kernel, case, rep = f[2], f[3], int(f[4])
        if case == "dram_4k" and rep == 0:
            rounds[kernel] += 1
        fault[(kernel, case)].append((rounds[kernel], float(kv["mibps"]),
                                      float(kv["placed"])))
    elif f[1] == "offline":
        kv["round"] = rounds[f[2]]
        offline[f[2]].append(kv)
    elif f[1] == "zswap":
        zswap[f[2]].append((float(kv["share"]), float(kv["store_mbps"]),
                            float(kv["load_mbps"])))


def med(values):
    return statistics.median(values) if values else float("nan")


def per_round(samples):
    by = defaultdict(list)
    for rnd, value in samples:
        by[rnd].append(value)
    return {r: med(v) for r, v in by.items()}


def ratio(p_samples, v_samples):
    """Median ratio over all runs, and the range of per-round ratios."""
    p_all = [v for _, v in p_samples]
    v_all = [v for _, v in v_samples]
    r = med(p_all) / med(v_all) if p_all and v_all else float("nan")
    pr, vr = per_round(p_samples), per_round(v_samples)
    per = [pr[k] / vr[k] for k in pr if k in vr and vr[k]]
    return r, (min(per) if per else r), (max(per) if per else r)


lines = ["# make bench report", "",
         "Patched (ZONE_EXMEM) against vanilla 6.12 (same Debian source and "
         "config, CXL memory onlined as ZONE_MOVABLE), in %d alternating boot "
         "pairs on the same emulated CXL topology." % min(rounds.values()),
         "Absolute times under TCG are not hardware numbers: only the ratios "
         "carry over. A ratio's spread is the range of its per-round ratios.",
         "",
         ("Clock: **icount** (QEMU -icount shift=0,sleep=off). The guest "
          "clock counts instructions, one nanosecond each: a MiB/s figure "
          "is MiB per 10^9 guest instructions, a path length, not hardware "
          "time; emulated CXL accesses cost what DRAM ones cost."
          if clock == "icount" else
          "Clock: **realtime** (the host's): figures carry the host's "
          "noise and TCG's cost of emulated memory."),
         ""]
dat = []

lines += ["## P1, P2: first-touch fault throughput (64 MiB of DRAM, 16 MiB of CXL memory, MiB/s)", "",
          "| case | patched | vanilla | ratio patched/vanilla (spread) | goal "
          "| pages where asked, patched / vanilla |",
          "|---|---|---|---|---|---|"]
cases = [("dram_4k", "P1 DRAM, 4 KiB", 0.99),
         ("dram_thp", "P1 DRAM, THP", 0.99),
         ("cxl_4k", "P2 CXL, 4 KiB", 1.00),
         ("cxl_thp", "P2 CXL, THP", 1.00)]
for case, label, goal in cases:
    p = [(r, v) for r, v, _ in fault[("patched", case)]]
    v = [(r, v) for r, v, _ in fault[("vanilla", case)]]
    if not p or not v:
        continue
    r, lo, hi = ratio(p, v)
    pp = med([s for _, _, s in fault[("patched", case)]])
    vp = med([s for _, _, s in fault[("vanilla", case)]])
    lines.append("| %s | %.0f | %.0f | **%.3f** (%.3f-%.3f) | >= %.2f | %.0f %% / %.0f %% |"
                 % (label, med([x for _, x in p]), med([x for _, x in v]),
                    r, lo, hi, goal, 100 * pp, 100 * vp))
    dat.append('"%s" %.4f %.4f %.4f %.2f' % (label, r, lo, hi, goal))
lines += ["", "CXL cases: MAP_EXMEM on the patched kernel, mbind(MPOL_BIND) onto "
          "the CPU-less CXL nodes on vanilla; the last column is the share of "
          "pages in ZONE_EXMEM (patched) or ZONE_MOVABLE (vanilla) for CXL "
          "cases, and outside them for DRAM cases, from pagemap PFNs.", ""]

lines += ["## P3: offlining a CXL device holding user data", "",
          "192 MiB of user data is written to CXL memory; the device holding "
          "most of it (512 MiB, 4 blocks) is offlined while the data stays "
          "mapped; every word is checked afterwards.", "",
          "| kernel | offline time, s | migrated MiB | migration MiB/s | "
          "guest memcpy MiB/s | migration / memcpy | wrong words | "
          "data still in CXL memory after |",
          "|---|---|---|---|---|---|---|---|"]
for kernel in ("patched", "vanilla"):
    runs = offline[kernel]
    if not runs:
        continue
    secs = med([float(x["secs"]) for x in runs])
    mig = med([float(x["mig_mibps"]) for x in runs])
    cp = med([float(x["memcpy_mibps"]) for x in runs])
    lines.append("| %s | %.2f | %.0f | %.1f | %.0f | %.3f | %d | %.0f %% |"
                 % (kernel, secs, med([float(x["migrated_mib"]) for x in runs]),
                    mig, cp, mig / cp if cp else float("nan"),
                    sum(int(x["bad_words"]) for x in runs),
                    100 * med([float(x.get("in_cxl_after", "nan")) for x in runs])))
if offline["patched"] and offline["vanilla"]:
    # Time per migrated MiB, so that different amounts compare fairly.
    def spm(x):
        return float(x["secs"]) / max(float(x["migrated_mib"]), 1)
    p = [(x["round"], spm(x)) for x in offline["patched"]]
    v = [(x["round"], spm(x)) for x in offline["vanilla"]]
    r, lo, hi = ratio(p, v)
    lines += ["", "Offline time per migrated MiB, patched/vanilla: **%.3f** "
              "(spread %.3f-%.3f; goal <= 1.00)." % (r, lo, hi)]
    dat.append('"P3 offline s/MiB" %.4f %.4f %.4f %.2f' % (r, lo, hi, 1.0))
lines.append("")

if zswap:
    n = max(len(v) for v in zswap.values())
    lines += ["## P4: zswap locality (64 MiB of ExMem pages, %d runs per mode, "
              "modes alternating, patched kernel)" % n, "",
              "| mode | ExMem-origin data kept in ExMem (median) | store "
              "throughput vs off | load throughput vs off |", "|---|---|---|---|"]
    off_s = med([x[1] for x in zswap["off"]])
    off_l = med([x[2] for x in zswap["off"]])
    for mode in ("off", "node", "tier"):
        runs = zswap[mode]
        if not runs:
            continue
        s = [x[0] for x in runs]
        st = [x[1] / off_s for x in runs]
        ld = [x[2] / off_l for x in runs]
        lines.append("| %s | %.0f %% (%.0f-%.0f) | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) |"
                     % (mode, 100 * med(s), 100 * min(s), 100 * max(s),
                        med(st), min(st), max(st), med(ld), min(ld), max(ld)))
    lines.append("")

last = {}
try:
    for line in open(timings):
        f = line.split()
        if len(f) == 4 and f[3] == "0":
            last[f[1]] = (int(f[2]), f[0])
except OSError:
    pass
lines += ["## Build and test times (this machine, last successful run of each)", "",
          "| phase | seconds | when |", "|---|---|---|"]
for phase in ("kernel", "kernel-vanilla", "initramfs", "tests", "bisect-check"):
    if phase in last:
        lines.append("| %s | %d | %s |" % (phase, last[phase][0], last[phase][1]))
lines += ["", "A warm `make test` (ccache and build/ kept) rebuilds only what "
          "changed; a cold one adds the full kernel build. See README.", ""]

if errors:
    lines += ["## Runs that failed", ""] + ["    " + e for e in errors] + [""]

open(out + "/report.md", "w").write("\n".join(lines))
open(out + "/ratios.dat", "w").write("\n".join(dat) + "\n")
