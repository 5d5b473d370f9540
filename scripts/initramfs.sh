#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make initramfs: busybox-static, the Debian tools the guest needs (with the
# shared libraries ldd lists), the guest scripts and the guest test binaries
# (kselftest harness, linked statically) in build/initramfs.cpio.gz.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/build
R=$B/initramfs.root
OUT=$B/initramfs.cpio.gz
KSFT=$B/src/tools/testing/selftests
# Dynamic tools for the guest; each must exist (make deps installs them).
TOOLS=(/usr/bin/numactl /usr/bin/stress-ng /usr/bin/cxl /usr/bin/daxctl)

log() { printf 'initramfs: %s\n' "$*"; }

copy_with_libs() {
	local bin=$1 lib
	install -D -m 0755 "$bin" "$R$bin"
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$R$lib" ] || install -D -m 0755 "$lib" "$R$lib"
	done
}

# Is a file of the guest test library newer than binary $1?
newer_lib() {
	local f
	for f in tests/guest/lib/*.[ch]; do
		[ "$f" -nt "$1" ] && return 0
	done
	return 1
}

# Guest tests: tests/guest/*.c, one kselftest binary each, statically linked.
build_guest_tests() {
	local c t
	mkdir -p "$B/guest-tests"
	[ -f "$KSFT/kselftest_harness.h" ] || { log "no kernel tree: run make kernel"; exit 1; }
	# A binary whose source is gone (renamed or deleted) must not ship.
	for t in "$B"/guest-tests/*.test; do
		[ -e "$t" ] || continue
		[ -f "tests/guest/$(basename "$t" .test).c" ] || rm -f "$t"
	done
	for c in tests/guest/*.c; do
		t=$B/guest-tests/$(basename "$c" .c).test
		if [ "$t" -nt "$c" ] && ! newer_lib "$t"; then
			continue
		fi
		gcc -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered -static \
			-I "$KSFT" -I "$B/src/mm" -I tests/guest/lib -o "$t" "$c" tests/guest/lib/*.c
	done
}

# The kernel's own mm selftests, unchanged, from the pristine tree: static
# binaries against its exported uapi headers (no liburing: those cases skip).
MM_SELFTESTS=(map_fixed_noreplace map_populate mremap_dontunmap mremap_test
	mlock2-tests migration cow gup_longterm ksm_functional_tests ksm_tests)
build_mm_selftests() {
	local t src=$B/pristine/tools/testing/selftests/mm out=$B/mm-selftests
	mkdir -p "$out"
	if [ ! -f "$B/hdr/usr/include/linux/mman.h" ]; then
		make -s -C "$B/pristine" O="$B/hdr" ARCH=x86_64 headers_install \
			INSTALL_HDR_PATH="$B/hdr/usr" >/dev/null
	fi
	: >"$out/local_config.h"	# what the selftests' Makefile would probe
	for t in "${MM_SELFTESTS[@]}"; do
		[ -x "$out/$t" ] && continue
		(cd "$src" && gcc -static -O2 -w -isystem "$B/hdr/usr/include" \
			-I "$out" -I .. -I . -I "$B/pristine" -o "$out/$t" \
			"$t.c" vm_util.c thp_settings.c -lrt -lpthread -lm -lnuma)
	done
	# zswap's own cgroup selftest, with the flags of cgroup's Makefile:
	# no -O2, which would drop its allocate-touch-free helpers as dead
	# stores, so that nothing is ever pushed into zswap.
	[ "$out/test_zswap" -nt scripts/initramfs.sh ] ||
		(cd "$src/../cgroup" && gcc -static -Wall -pthread -w \
			-isystem "$B/hdr/usr/include" -I .. -I . \
			-o "$out/test_zswap" test_zswap.c cgroup_util.c)
}

# Benchmarks (make bench): tests/guest/bench/*.c, plain programs.
build_benches() {
	local c t
	mkdir -p "$B/bench-bin"
	for c in tests/guest/bench/*.c; do
		t=$B/bench-bin/$(basename "$c" .c).bench
		[ "$t" -nt "$c" ] && [ "$t" -nt tests/guest/lib/exmem_test.c ] && continue
		gcc -O2 -Wall -Wextra -Wno-unused-parameter -static \
			-I tests/guest/lib -o "$t" "$c" tests/guest/lib/exmem_test.c
	done
}

main() {
	local t
	build_guest_tests
	build_mm_selftests
	build_benches
	rm -rf "$R"
	mkdir -p "$R"/{bin,sbin,proc,sys,dev,tmp,etc,tests,lib/exmem,usr/bin,usr/sbin}
	install -m 0755 /bin/busybox "$R/bin/busybox"
	ln -s busybox "$R/bin/sh"
	for t in "${TOOLS[@]}"; do copy_with_libs "$t"; done
	# exmemctl, statically linked with libnuma, runs programs placed.
	gcc -O2 -Wall -Wextra -static -o "$B/exmemctl" tools/exmemctl/exmemctl.c -lnuma
	install -D -m 0755 "$B/exmemctl" "$R/usr/bin/exmemctl"
	# exmemstat, linked statically with json-c.
	make -s -C tools/exmemstat exmemstat-static
	install -D -m 0755 tools/exmemstat/exmemstat-static "$R/usr/bin/exmemstat"
	install -m 0755 tests/guest/init.sh "$R/init"
	install -m 0644 tests/guest/cxl-setup.sh "$R/lib/exmem/cxl-setup.sh"
	install -m 0644 tests/guest/mm-selftests.sh "$R/lib/exmem/mm-selftests.sh"
	mkdir -p "$R/mm-selftests"
	for t in "${MM_SELFTESTS[@]}" test_zswap; do
		install -m 0755 "$B/mm-selftests/$t" "$R/mm-selftests/"
	done
	install -m 0755 "$B"/guest-tests/*.test "$R/tests/"
	install -D -m 0755 -t "$R/bench" "$B"/bench-bin/*.bench
	(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$OUT.tmp"
	mv "$OUT.tmp" "$OUT"
	log "$OUT: $(du -h "$OUT" | cut -f1), $(ls "$R/tests" | wc -l) guest test binaries"
}

main "$@"
