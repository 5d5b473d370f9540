# SPDX-License-Identifier: GPL-2.0
#
# ZONE_EXMEM: a Linux 6.12 patch series that gives CXL memory its own zone,
# built from Debian's linux-source-6.12 and tested in a QEMU guest with
# emulated CXL type-3 memory. See README.md.

.PHONY: all deps kernel kernel-vanilla initramfs run shell test check clean mm-baseline bench stress \
	patchset bisect-check tools install-tools deb

all: kernel initramfs

deps:
	@bash scripts/timed.sh deps bash scripts/deps.sh

# make kernel DEBUG=1 builds the debug kernel (build/obj-debug) instead.
kernel: deps
	@bash scripts/timed.sh kernel bash scripts/kernel.sh $(if $(DEBUG),debug,build)

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

# Benchmarks: the patched kernel against vanilla in alternating boots,
# ratios with their spread (build/bench/report.md, ratios.png).
bench: initramfs kernel-vanilla
	@bash scripts/timed.sh bench bash scripts/bench.sh

# The reliability suite (scripts/stress.sh) on the debug kernel (KASAN,
# lockdep, DEBUG_VM, DEBUG_PAGEALLOC, kmemleak): the whole guest suite with
# the long fuzz, then 100 churn cycles in a boot of their own. Well over an
# hour; not part of make test. Results: build/stress-results/.
stress: deps
	@$(MAKE) --no-print-directory kernel DEBUG=1
	@$(MAKE) --no-print-directory initramfs
	@bash scripts/timed.sh stress bash scripts/stress.sh

# The series as sent to linux-mm: build/patchset/*.patch, cover letter first.
patchset: deps
	@bash scripts/patchset.sh series

# Build the kernel after every patch of that series (long; QUICK=1 compiles
# only the objects the series touches; FROM=N starts at patch N). Result:
# build/bisect/result.txt.
bisect-check: patchset
	@QUICK=$(QUICK) FROM=$(FROM) bash scripts/timed.sh bisect-check bash scripts/patchset.sh bisect

check: deps
	@bash scripts/check.sh

# The user-space tools for a real host (not the guest): exmemstat, exmemctl.
tools:
	@$(MAKE) --no-print-directory -C tools/exmemstat
	@$(MAKE) --no-print-directory -C tools/exmemctl

# Both tools, their man pages, bash completion, exmemstat's systemd units
# and exmem/exmem_detect.h; PREFIX (default /usr/local) and DESTDIR.
install-tools: tools
	@$(MAKE) --no-print-directory -C tools/exmemstat install
	@$(MAKE) --no-print-directory -C tools/exmemctl install

# The exmem-tools Debian package of the same, in build/deb/.
deb:
	@bash tools/packaging/mkdeb.sh build/deb

clean:
	rm -rf build/obj build/stage build/cfg build/initramfs* build/guest-tests build/test-results build/stress-results
