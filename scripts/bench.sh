#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the patched kernel against the vanilla kernel (same Debian
# source and config, no ZONE_EXMEM; CXL memory onlined as ZONE_MOVABLE) on
# the same emulated CXL topology, in alternating boots, EXMEM_BENCH_ROUNDS
# (default 3) of each. The report, build/bench/report.md, gives medians
# and spreads as ratios measured side by side; build/bench/ratios.png
# charts them (gnuplot). Absolute times under TCG are not hardware
# numbers: only the ratios carry over.
#
#   P1  DRAM first-touch fault throughput, 4 KiB and THP: patched/vanilla
#   P2  CXL memory fault throughput: MAP_EXMEM (patched) / mbind onto
#       ZONE_MOVABLE (vanilla)
#   P3  offlining the CXL device that holds most of 384 MiB of user data:
#       time patched/vanilla, and migration against memcpy bandwidth
#   P4  zswap.exmem_locality tier / node / off (patched only, first boot)
#
# Every boot's kernel log must be clean, as in make test.
#
# EXMEM_BENCH_CLOCK=icount (default) boots with QEMU's instruction
# counting: the guest clock advances one nanosecond per instruction, so a
# figure is a path length, reproducible whatever the host does; emulated
# CXL accesses then cost what DRAM ones cost. EXMEM_BENCH_CLOCK=realtime
# keeps the host's clock (noisier, and it includes TCG's memory cost).
# EXMEM_BENCH_PATCHED=BZIMAGE measures another patched kernel (say, the
# one before a change) against the same vanilla kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/bench
ROUNDS=${EXMEM_BENCH_ROUNDS:-3}
VANILLA=build/obj-vanilla/arch/x86/boot/bzImage
PATCHED=${EXMEM_BENCH_PATCHED:-build/obj/arch/x86/boot/bzImage}
CLOCK=${EXMEM_BENCH_CLOCK:-icount}
case "$CLOCK" in
icount) export EXMEM_ICOUNT=1 ;;
realtime) export EXMEM_ICOUNT=0 ;;
*) echo "bench: EXMEM_BENCH_CLOCK is icount or realtime, not '$CLOCK'" >&2; exit 2 ;;
esac
BAD='BUG:|WARNING:|Oops|KASAN|lockdep|Call Trace|UBSAN|kmemleak'

[ -f "$VANILLA" ] || { echo "bench: no $VANILLA: run make kernel-vanilla" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"

# boot KERNEL DIR BENCHES: one bench boot; fails on a dirty kernel log.
boot() {
	local kernel=$1 dir=$OUT/$2 benches=$3 append="exmem_bench=$3"
	[ "$kernel" = vanilla ] && append="$append memhp_default_state=online_movable"
	echo "bench: $2 ($benches)"
	if [ "$kernel" = vanilla ]; then
		EXMEM_KERNEL=$VANILLA EXMEM_APPEND=$append bash scripts/qemu.sh bench "$dir"
	else
		EXMEM_KERNEL=$PATCHED EXMEM_APPEND=$append bash scripts/qemu.sh bench "$dir"
	fi
	sed -i 's/\r$//' "$dir"/*.log
	if grep -aEn "$BAD" "$dir/console.log" "$dir/dmesg.log"; then
		echo "bench: kernel log of $2 has errors" >&2
		exit 1
	fi
	grep '^bench ' "$dir/tap.log" >>"$OUT/raw.txt" || true
}

echo "bench clock $CLOCK" >"$OUT/raw.txt"
for r in $(seq 1 "$ROUNDS"); do
	if [ "$r" = 1 ]; then
		boot patched "patched-$r" fault_bench,zswap_bench
	else
		boot patched "patched-$r" fault_bench
	fi
	boot vanilla "vanilla-$r" fault_bench
done
grep -q '^bench fault vanilla' "$OUT/raw.txt" || { echo "bench: no results" >&2; exit 1; }

python3 scripts/bench-report.py "$OUT/raw.txt" build/timings.log "$OUT"
gnuplot -e "data='$OUT/ratios.dat'; out='$OUT/ratios.png'" scripts/bench-chart.gp
cat "$OUT/report.md"
echo "bench: $OUT/report.md, $OUT/ratios.png"
