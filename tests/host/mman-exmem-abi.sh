#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit test: the MAP_EXMEM/MAP_NORMAL and MPOL_F_ZONE_* values of
# include/uapi/asm-generic/mman-exmem.h collide with no flag that the
# pristine 6.12 tree defines, on asm-generic and on every architecture's own
# uapi mman.h. Architectures that do collide are listed and must be the ones
# the header names as not covered.
set -euo pipefail
cd "$(dirname "$0")/../.."
K=${KSRC:-build/pristine}
H=include/uapi/asm-generic/mman-exmem.h

val() { sed -n "s/^#define $1[[:space:]]*\(([^)]*)\|0x[0-9a-fA-F]*\).*/\1/p" "$H"; }
map_bits=$(( $(val MAP_EXMEM) | $(val MAP_NORMAL) ))
mpol_bits=$(( $(val MPOL_F_ZONE_EXMEM) | $(val MPOL_F_ZONE_NOEXMEM) ))

# OR of all MAP_* values a header defines (hex literals only).
map_values() {
	sed -n 's/^#define[[:space:]]\+MAP_[A-Z0-9_]\+[[:space:]]\+\(0x[0-9a-fA-F]\+\).*/\1/p' "$@"
}

used=0
for v in $(map_values "$K/include/uapi/asm-generic/mman-common.h" "$K/include/uapi/asm-generic/mman.h" "$K/include/uapi/linux/mman.h"); do
	used=$((used | v))
done
if (( used & map_bits )); then
	echo "MAP_EXMEM/MAP_NORMAL collide with asm-generic MAP_* flags"
	exit 1
fi

collide=()
for m in "$K"/arch/*/include/uapi/asm/mman.h; do
	a=$(basename "$(dirname "$(dirname "$(dirname "$(dirname "$m")")")")")
	u=0
	for v in $(map_values "$m"); do u=$((u | v)); done
	(( u & map_bits )) && collide+=("$a")
done
echo "architectures whose own MAP_* flags use bits 21-22: ${collide[*]:-none}"
for a in "${collide[@]}"; do
	grep -qi "$a" "$H" || { echo "header does not name $a as not covered"; exit 1; }
done

# Mempolicy mode flags: free in uapi/linux/mempolicy.h.
mp=0
for v in $(sed -n 's/^#define[[:space:]]\+MPOL_F_[A-Z_]\+[[:space:]]\+(1 << \([0-9]\+\)).*/\1/p' "$K/include/uapi/linux/mempolicy.h"); do
	mp=$((mp | (1 << v)))
done
if (( mp & mpol_bits )); then
	echo "MPOL_F_ZONE_* collide with uapi/linux/mempolicy.h mode flags"
	exit 1
fi
echo "mman-exmem ABI: ok"
