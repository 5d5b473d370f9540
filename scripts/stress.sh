#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: the reliability suite of issue 9, in two phases, both on
# the debug kernel (KASAN, PROVE_LOCKING, DEBUG_VM, DEBUG_PAGEALLOC,
# kmemleak; build/obj-debug).
#
#  debug  The whole of make test (host checks, main boot with the upstream mm
#         selftests, health, classes and interleave boots) with the API fuzz at 100,000
#         calls and the zone scan again after everything. Churn runs here in
#         its short form (10 cycles; make test runs 4). Results:
#         build/stress-results/debug/.
#  churn  100 offline/online_exmem cycles under load, in a boot of their
#         own. Results: build/stress-results/churn/.
#
# A churn cycle costs about as much on the debug kernel as on the normal one
# (about 30 s): the time is page copying to and from QEMU's emulated CXL
# memory (about 4 MiB/s), not the kernel's checks.
#
# The debug kernel's KASAN quarantine, kmemleak and page_owner make every
# kernel object cost more: 2 GiB guests ran out of memory (the pressure
# test's 160 MiB of headroom, cgroup's test_zswap). Both phases boot with
# EXMEM_GUEST_MEM (default 4G) and leave the pressure test
# EXMEM_PRESSURE_HEADROOM_MIB (default 512) of free DRAM; each upstream mm
# selftest gets EXMEM_MM_TIMEOUT=1200 s (test_zswap alone takes over 240).
#
# EXMEM_STRESS_PHASES picks phases (default "debug churn"); EXMEM_TESTS
# narrows the debug phase as it does make test. The last line sums both
# phases: "N passed, N failed, N skipped" (skips that tests/skips.allowed
# allows; any other skip is a failure); any failure exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
S=build/stress-results
PHASES=${EXMEM_STRESS_PHASES:-debug churn}
export EXMEM_GUEST_MEM=${EXMEM_GUEST_MEM:-4G}
HEADROOM=EXMEM_PRESSURE_HEADROOM_MIB=${EXMEM_PRESSURE_HEADROOM_MIB:-512}
KERNEL=build/obj-debug/arch/x86/boot/bzImage
total_pass=0
total_fail=0
total_skip=0

# Add up the summary line of one phase's test.sh run in directory $1.
add_summary() {
	local line
	line=$(tail -n 1 "$1/summary.txt" 2>/dev/null)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped ]]; then
		total_pass=$((total_pass + BASH_REMATCH[1]))
		total_fail=$((total_fail + BASH_REMATCH[2]))
		total_skip=$((total_skip + BASH_REMATCH[3]))
	else
		echo "stress: no summary in $1"
		total_fail=$((total_fail + 1))
	fi
	echo "stress: $1: ${line:-none}"
}

mkdir -p "$S"
for phase in $PHASES; do
	case $phase in
	debug)
		EXMEM_RESULTS=$S/debug \
			EXMEM_KERNEL=$KERNEL \
			EXMEM_BOOT_TIMEOUT=14400 \
			EXMEM_APPEND="EXMEM_TEST_TIMEOUT=7200 EXMEM_MM_TIMEOUT=1200 EXMEM_FUZZ_CALLS=100000 EXMEM_CHURN_CYCLES=10 EXMEM_FINAL_SCAN=1 $HEADROOM" \
			bash scripts/timed.sh stress-debug bash scripts/test.sh
		add_summary "$S/debug"
		;;
	churn)
		EXMEM_RESULTS=$S/churn EXMEM_HOST_CHECKS=0 EXMEM_TESTS=churn \
			EXMEM_KERNEL=$KERNEL EXMEM_BOOT_TIMEOUT=9000 \
			EXMEM_APPEND="EXMEM_CHURN_CYCLES=100 EXMEM_TEST_TIMEOUT=7200" \
			bash scripts/timed.sh stress-churn bash scripts/test.sh
		add_summary "$S/churn"
		;;
	*)
		echo "stress: unknown phase '$phase' (debug, churn)" >&2
		exit 2
		;;
	esac
done

echo "$total_pass passed, $total_fail failed, $total_skip skipped (make stress: $PHASES)" | tee "$S/summary.txt"
[ "$total_fail" = 0 ]
