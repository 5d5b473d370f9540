# SPDX-License-Identifier: GPL-2.0
#
# ZONE_EXMEM: a Linux 6.12 patch series that gives CXL memory its own zone,
# built from Debian's linux-source-6.12 and tested in a QEMU guest with
# emulated CXL type-3 memory. See README.md.

.PHONY: all deps kernel initramfs run shell test check clean

all: kernel initramfs

deps:
	@bash scripts/timed.sh deps bash scripts/deps.sh

kernel: deps
	@bash scripts/timed.sh kernel bash scripts/kernel.sh

initramfs: kernel
	@bash scripts/timed.sh initramfs bash scripts/initramfs.sh

run: initramfs
	@bash scripts/timed.sh boot bash scripts/qemu.sh run build/run
	@sed -n '/exmem-guest:/,$$p' build/run/console.log | grep -av '^\[' || true

shell: initramfs
	@bash scripts/qemu.sh shell build/shell

test: initramfs
	@bash scripts/timed.sh tests bash scripts/test.sh

check: deps
	@bash scripts/check.sh

clean:
	rm -rf build/obj build/stage build/cfg build/initramfs* build/guest-tests build/test-results
