#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the patched kernel in bench mode and report, as a
# Markdown table in build/bench/report.md, the medians and spread of the
# guest benchmarks, as ratios against a baseline measured in the same boot.
# Absolute times under TCG are not hardware numbers: only ratios carry over.
#
#   P4  zswap.exmem_locality tier / node / off: share of the compressed data
#       of ExMem pages that stays in ExMem, store and load throughput
#       against off.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"
bash scripts/qemu.sh bench "$OUT"
sed -i 's/\r$//' "$OUT"/*.log
grep '^bench ' "$OUT/tap.log" >"$OUT/raw.txt" || { echo "bench: no results" >&2; exit 1; }

python3 - "$OUT/raw.txt" "$OUT/report.md" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"bench zswap (\w+) \d+ share=([\d.]+) store_mbps=([\d.]+) load_mbps=([\d.]+)", line)
    if m:
        runs.setdefault(m.group(1), []).append([float(x) for x in m.groups()[1:]])
def med(mode, i):
    v = [r[i] for r in runs.get(mode, [])]
    return (statistics.median(v), (max(v) - min(v)) if v else 0) if v else (float("nan"), 0)
out = ["# make bench report", "",
       "Absolute times under TCG are not hardware numbers; only the ratios carry over.", "",
       "## P4: zswap locality (64 MiB of ExMem pages, %d runs per mode, modes alternating)" %
       max((len(v) for v in runs.values()), default=0), "",
       "| mode | ExMem-origin data kept in ExMem (median) | store throughput vs off | load throughput vs off |",
       "|---|---|---|---|"]
off_store, off_load = med("off", 1)[0], med("off", 2)[0]
for mode in ("off", "node", "tier"):
    share, ss = med(mode, 0)
    store, sp = med(mode, 1)
    load, lp = med(mode, 2)
    out.append("| %s | %.0f %% (spread %.0f) | %.2f (spread %.2f) | %.2f (spread %.2f) |" % (
        mode, 100 * share, 100 * ss, store / off_store, sp / off_store,
        load / off_load, lp / off_load))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
