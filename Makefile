# SPDX-License-Identifier: GPL-2.0
#
# ZONE_EXMEM: a Linux 6.12 patch series that gives CXL memory its own zone,
# built from Debian's linux-source-6.12 and tested in a QEMU guest with
# emulated CXL type-3 memory. See README.md.

.PHONY: all deps kernel kernel-vanilla initramfs run shell test check clean mm-baseline bench

all: kernel initramfs

deps:
	@bash scripts/timed.sh deps bash scripts/deps.sh

kernel: deps
	@bash scripts/timed.sh kernel bash scripts/kernel.sh

# The unpatched baseline: same Debian source and config, no ZONE_EXMEM.
kernel-vanilla: deps
	@bash scripts/timed.sh kernel-vanilla bash scripts/kernel.sh vanilla

initramfs: kernel
	@bash scripts/timed.sh initramfs bash scripts/initramfs.sh

run: initramfs
	@bash scripts/timed.sh boot bash scripts/qemu.sh run build/run
	@sed -n '/exmem-guest:/,$$p' build/run/console.log | grep -av '^\[' || true

shell: initramfs
	@bash scripts/qemu.sh shell build/shell

test: initramfs
	@bash scripts/timed.sh tests bash scripts/test.sh

# Record the upstream mm selftests' results on the unpatched kernel.
mm-baseline: kernel-vanilla initramfs
	@bash scripts/timed.sh mm-baseline bash scripts/mm-baseline.sh

# Benchmarks: ratios measured side by side in one boot (build/bench/).
bench: initramfs
	@bash scripts/timed.sh bench bash scripts/bench.sh

check: deps
	@bash scripts/check.sh

clean:
	rm -rf build/obj build/stage build/cfg build/initramfs* build/guest-tests build/test-results
