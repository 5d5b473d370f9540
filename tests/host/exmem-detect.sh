#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of MAP_EXMEM detection (issue 24, point 6): the header-only
# helper tools/include/exmem/exmem_detect.h and "exmemctl --check".
# On this host's kernel (no ZONE_EXMEM) both must say "unsupported" (the
# sysfs answer and the mmap() probe), exmemctl --check exit 2. On fixture
# roots the three answers and "cannot tell" come from /sys/kernel/mm/exmem,
# /proc/sys/vm/exmem_user_default and ExMemTotal in /proc/meminfo. The
# header compiles as C99, C11 and C++, warning-free. TAP with a plan
# (tests/host/lib/ktap.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/host/lib/ktap.sh
. tests/host/lib/ktap.sh
ktap_print_header
make -s -C tools/exmemctl || ktap_exit_fail_msg "cannot build tools/exmemctl/exmemctl"

CTL=$PWD/tools/exmemctl/exmemctl
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
DET=$D/exmem-detect

# t NAME COMMAND...: one result (ktap_t, with the program's output on failure).
t() { ktap_t "$@"; }

# run CMD...: stdout in $out, stderr in $err, status in $rc.
run() { ktap_run "$@"; }

# This host: the kernel decides, so expect what it has (tested below).
if [ -d /sys/kernel/mm/exmem ]; then
	if grep -q '^ExMemTotal: *[1-9]' /proc/meminfo; then
		want=usable status=0
	else
		want=none-online status=3
	fi
else
	want=unsupported status=2
fi
# 35 results, and one more (MAP_PRIVATE|MAP_EXMEM accepted) without ExMem.
if [ "$want" = unsupported ]; then
	ktap_set_plan 36
else
	ktap_set_plan 35
fi

# The header is for copying into applications: it must build cleanly as
# C (gnu11, and C99/C11 with _DEFAULT_SOURCE) and as C++.
rc=0 out='' err=''
for std in "" "-std=c99 -D_DEFAULT_SOURCE" "-std=c11 -D_GNU_SOURCE"; do
	# shellcheck disable=SC2086 # the words are compiler options
	run gcc $std -Wall -Wextra -Wpedantic -Werror -o "$DET" tests/host/exmem-detect.c
	t "header compiles warning-free (gcc ${std:-default})" test "$rc" = 0
done
run g++ -x c++ -Wall -Wextra -Werror -fsyntax-only tests/host/exmem-detect.c
t "header compiles as C++" test "$rc" = 0

run "$DET" /
t "the kernel's values: MAP_EXMEM, MAP_NORMAL, MPOL_F_ZONE_*" \
	grep -qx "MAP_EXMEM=0x200000 MAP_NORMAL=0x400000 MPOL_F_ZONE_EXMEM=0x1000 MPOL_F_ZONE_NOEXMEM=0x800" <<<"$out"
hv() { sed -n "s/^#define $1[[:space:]]*\(0x[0-9a-f]*\).*/\1/p" include/uapi/asm-generic/mman-exmem.h; }
t "the header's values are those of include/uapi/asm-generic/mman-exmem.h" \
	grep -q "MAP_EXMEM=$(hv MAP_EXMEM) MAP_NORMAL=$(hv MAP_NORMAL) " <<<"$out"

run "$DET"
t "this host: exmem_supported() is $want" grep -q "^$want " <<<"$out"
run "$DET" --probe
t "this host: exmem_probe() (mmap MAP_SHARED_VALIDATE|MAP_EXMEM) is $want" \
	grep -q "^$want " <<<"$out"
run "$CTL" --check
t "this host: exmemctl --check says $want, exit $status" \
	test "$rc" = "$status" -a "$(cut -d: -f1-2 <<<"$out")" = "exmem: $want"
if [ "$want" = unsupported ]; then
	# The reason for the helper: MAP_PRIVATE|MAP_EXMEM succeeds here.
	run python3 -c '
import mmap
m = mmap.mmap(-1, 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x200000)
print("mapped")'
	t "this host: mmap(MAP_PRIVATE|MAP_EXMEM) is silently accepted (why --check exists)" \
		test "$rc" = 0 -a "$out" = mapped
fi

# Fixture roots: fix NAME [sys|nosys] [sysctl] [meminfo LINE|nomeminfo].
fix() {
	local r=$D/$1
	shift
	mkdir -p "$r/proc/sys/vm"
	while [ $# -gt 0 ]; do
		case $1 in
		exmem) mkdir -p "$r/sys/kernel/mm/exmem/devices" ;;
		sysfs) mkdir -p "$r/sys/kernel/mm" ;;
		sysctl) echo fallback >"$r/proc/sys/vm/exmem_user_default" ;;
		noproc) rm -rf "$r/proc" ;;
		meminfo)
			printf 'MemTotal:        4030000 kB\nMemFree:         3000000 kB\n%s\n' \
				"$2" >"$r/proc/meminfo"
			shift
			;;
		esac
		shift
	done
}
fix usable exmem meminfo 'ExMemTotal:      1048576 kB'
fix none-online exmem meminfo 'ExMemTotal:            0 kB'
fix unsupported sysfs meminfo 'Cached:           100 kB'
fix procfs-usable sysctl meminfo 'ExMemTotal:      2048 kB'
fix procfs-none sysctl meminfo 'ExMemTotal:      0 kB'
fix procfs-unsupported meminfo 'Cached:           100 kB'
fix no-meminfo exmem
fix no-line exmem meminfo 'Cached:           100 kB'
fix garbage exmem meminfo 'ExMemTotal:      lots kB'
fix empty noproc

# name | exmem_supported_at() | exmemctl --check status
while IFS='|' read -r name want status; do
	run "$DET" "$D/$name"
	t "fixture $name: exmem_supported_at() is $want" grep -q "^$want " <<<"$out"
	run "$CTL" --check --root "$D/$name"
	t "fixture $name: exmemctl --check says $want, exit $status" \
		test "$rc" = "$status" -a "$(cut -d: -f1-2 <<<"$out")" = "exmem: $want"
done <<'EOF2'
usable|usable|0
none-online|none-online|3
unsupported|unsupported|2
procfs-usable|usable|0
procfs-none|none-online|3
procfs-unsupported|unsupported|2
no-meminfo|unknown|4
no-line|unknown|4
garbage|unknown|4
empty|unknown|4
EOF2
# The exmemstat fixtures agree: two devices online; sysfs without ExMem.
F=tools/exmemstat/tests/fixtures
run "$DET" "$F/two-devices-t0"
t "exmemstat fixture two-devices-t0: usable" grep -q "^usable " <<<"$out"

# Usage of --check.
run "$CTL" --check --exmem
t "--check with a zone: exit 1" test "$rc" = 1
run "$CTL" --check -- true
t "--check with a program: exit 1" test "$rc" = 1
run "$CTL" --root /tmp --show
t "--root without --check: exit 1" test "$rc" = 1
"$CTL" --check --root "$D/usable" >/dev/full 2>"$D/err"
rc=$? out='' err=$(cat "$D/err")
t "--check >/dev/full: write error, exit 1" test "$rc" = 1
run "$CTL" --help
t "--help documents --check's statuses" grep -q -- "--check .*exit 0 usable" <<<"$out"

ktap_finished
