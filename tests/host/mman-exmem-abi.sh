#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit test: the MAP_EXMEM/MAP_NORMAL values of
# include/uapi/asm-generic/mman-exmem.h and the MPOL_F_ZONE_* values the
# series adds to uapi/linux/mempolicy.h collide with no flag of the pristine
# 6.12 tree, on asm-generic and on every architecture that includes it. The
# architectures that do not include it must be the ones the header names.
set -euo pipefail
cd "$(dirname "$0")/../.."
K=${KSRC:-build/pristine}
H=include/uapi/asm-generic/mman-exmem.h

hexval() { sed -n "s/^#define $1[[:space:]]*\(0x[0-9a-fA-F]*\).*/\1/p" "$H"; }
map_bits=$(( $(hexval MAP_EXMEM) | $(hexval MAP_NORMAL) ))
(( map_bits == 0x600000 )) || { echo "MAP_EXMEM/MAP_NORMAL are not SMDK's 0x200000/0x400000"; exit 1; }

# The series adds the mempolicy flags as "(1 << N)".
mpol_bit() { sed -n "s/^+#define $1[[:space:]]*(1 << \([0-9]*\)).*/\1/p" patches/*.patch | head -1; }
(( $(mpol_bit MPOL_F_ZONE_EXMEM) == 12 && $(mpol_bit MPOL_F_ZONE_NOEXMEM) == 11 )) ||
	{ echo "MPOL_F_ZONE_EXMEM/NOEXMEM are not SMDK's (1 << 12)/(1 << 11)"; exit 1; }
mpol_bits=$(( (1 << 12) | (1 << 11) ))

# OR of all MAP_* values the headers define (hex literals only).
map_values() {
	sed -n 's/^#define[[:space:]]\+MAP_[A-Z0-9_]\+[[:space:]]\+\(0x[0-9a-fA-F]\+\).*/\1/p' "$@"
}
# OR of the values on stdin.
or_values() { local u=0 v; while read -r v; do u=$((u | v)); done; echo "$u"; }

used=$(map_values "$K/include/uapi/asm-generic/mman-common.h" \
	"$K/include/uapi/asm-generic/mman.h" "$K/include/uapi/linux/mman.h" | or_values)
(( used & map_bits )) && { echo "MAP_EXMEM/MAP_NORMAL collide with asm-generic MAP_* flags"; exit 1; }

uncovered=()
for m in "$K"/arch/*/include/uapi/asm/mman.h; do
	a=${m#"$K"/arch/}; a=${a%%/*}
	if grep -q 'asm-generic/mman\(-common\)\?\.h' "$m"; then
		(( $(map_values "$m" | or_values) & map_bits )) &&
			{ echo "$a: its own MAP_* flags use bits 21-22"; exit 1; }
	else
		uncovered+=("$a")
	fi
done
echo "architectures with their own mman flags (not covered): ${uncovered[*]}"
for a in "${uncovered[@]}"; do
	grep -q "Not covered:.*$a\|^ \* .*$a" "$H" || { echo "header does not name $a as not covered"; exit 1; }
done

# Mempolicy mode flags: free in the pristine uapi/linux/mempolicy.h.
mp=0
for v in $(sed -n 's/^#define[[:space:]]\+MPOL_F_[A-Z_]\+[[:space:]]\+(1 << \([0-9]\+\)).*/\1/p' "$K/include/uapi/linux/mempolicy.h"); do
	mp=$((mp | (1 << v)))
done
(( mp & mpol_bits )) && { echo "MPOL_F_ZONE_* collide with uapi/linux/mempolicy.h flags"; exit 1; }
echo "mman-exmem ABI: ok"
