#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make mm-baseline: boot the unpatched kernel (make kernel-vanilla) on the
# same emulated CXL topology, with CXL memory onlined as ZONE_MOVABLE, run
# the upstream mm selftests there and record their results in
# tests/mm-selftests.expected. make test then requires the patched kernel
# to give the same results. build/mm-baseline/ keeps the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/mm-baseline
K=build/obj-vanilla/arch/x86/boot/bzImage
[ -f "$K" ] || { echo "mm-baseline: no $K: run make kernel-vanilla" >&2; exit 1; }
EXMEM_KERNEL=$K EXMEM_APPEND="memhp_default_state=online_movable" \
	bash scripts/qemu.sh mm "$OUT"
sed -i 's/\r$//' "$OUT"/*.log
sed -n 's/^# mm-selftest: \([^ ]*\) \([a-z]*\) \([^ ]*\) .*/\1 \2 \3/p' "$OUT/tap.log" >tests/mm-selftests.expected
[ -s tests/mm-selftests.expected ] || { echo "mm-baseline: no results" >&2; exit 1; }
echo "mm-baseline: $(wc -l <tests/mm-selftests.expected) results on $(sed -n 's/.*kernel \(6[^ ]*\).*/\1/p' "$OUT/console.log" | head -1):"
cat tests/mm-selftests.expected
