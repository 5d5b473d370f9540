#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make test: host checks, then the whole guest suite on the patched kernel.
# Results go to build/test-results/ (TAP, console log, guest dmesg), or to
# EXMEM_RESULTS (make stress). The last line is "N passed, N failed, N
# skipped"; any failure exits non-zero. EXMEM_HOST_CHECKS=0 leaves out the
# host checks (the second phase of make stress).
#
# Each boot's results are judged against the manifest, tests/expected.list
# (scripts/judge.sh): a missing result, an unlisted one, and a skip that
# tests/skips.allowed does not allow are failures. So are a guest that does
# not boot or hangs (bounded), a failed host check, and any BUG:, WARNING:,
# INFO:, Oops, KASAN, lockdep or Call Trace in the guest log.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
R=${EXMEM_RESULTS:-build/test-results}
pass=0
fail=0
skip=0
# shellcheck source=scripts/judge.sh
. scripts/judge.sh

# EXMEM_TESTS=a,b: only these programs; a name the manifest does not know
# is a typo that would run nothing, so it stops the run at once.
ONLY=
if [ -n "${EXMEM_TESTS:-}" ]; then
	ONLY=,$EXMEM_TESTS,
	check_only_names "$ONLY" || exit 2
fi
# make stress scans ExMem once more at the end of every boot.
FINAL=0
case " ${EXMEM_APPEND:-} " in *" EXMEM_FINAL_SCAN=1 "*) FINAL=1 ;; esac

phase() { printf 'test: %-10s %4ds\n' "$1" "$2"; }

mkdir -p "$R"
rm -rf "${R:?}"/*

# Host checks count as tests too.
if [ "${EXMEM_HOST_CHECKS:-1}" != 0 ]; then
	t0=$SECONDS
	bash scripts/check.sh | tee "$R/check.log"
	crc=${PIPESTATUS[0]}
	pass=$((pass + $(grep -c '^ok ' "$R/check.log")))
	nfail=$(grep -c '^not ok ' "$R/check.log")
	fail=$((fail + nfail))
	# check.sh failing without a "not ok" line (it stopped halfway).
	if [ "$crc" != 0 ] && [ "$nfail" = 0 ]; then
		echo "test: not ok - scripts/check.sh exited with rc=$crc"
		fail=$((fail + 1))
	fi
	phase check $((SECONDS - t0))
fi

# Judge the results of boot $3 (a manifest boot name) in directory $1, whose
# QEMU exited with $2; a boot that did not complete, or whose kernel log has
# errors, is a failure.
guest_results() {
	local dir=$1 qrc=$2 boot=$3 tap=$1/tap.log
	# The serial port writes CRLF line ends.
	[ -f "$tap" ] && sed -i "s/\r$//" "$tap" "$dir/console.log" "$dir/dmesg.log" 2>/dev/null
	touch "$tap"
	judge_results "$dir" "$boot" "$ONLY" "$FINAL"
	judge_exits "$dir"

	# The guest must have finished: the marker is its last act before poweroff.
	if [ "$qrc" != 0 ] || ! grep -q EXMEM-GUEST-DONE "$tap" 2>/dev/null; then
		echo "test: guest ($dir) did not complete (qemu rc=$qrc); last console lines:"
		tail -n 40 "$dir/console.log" 2>/dev/null
		fail=$((fail + 1))
	fi

	# The guest's kernel log must be clean.
	kernel_log_errors "$dir/console.log" "$dir/dmesg.log" >"$dir/dmesg-hits.txt"
	if [ -s "$dir/dmesg-hits.txt" ]; then
		echo "test: not ok - guest kernel log has errors ($dir):"
		head -n 40 "$dir/dmesg-hits.txt"
		fail=$((fail + 1))
	else
		echo "ok - guest dmesg clean ($dir)"
		pass=$((pass + 1))
	fi
}

# The main boot: every guest test but those of their own boot.
main_tests=
if [ -n "${EXMEM_TESTS:-}" ]; then
	main_tests=$(echo ",$EXMEM_TESTS," |
		sed 's/,cxl_health,/,/g; s/,aggregation_classes,/,/g; s/,interleave_poison,/,/g; s/^,*//; s/,*$//')
fi
if [ -z "${EXMEM_TESTS:-}" ] || [ -n "$main_tests" ]; then
	t0=$SECONDS
	# All guest tests and the mm selftests: about 25 minutes under TCG.
	EXMEM_BOOT_TIMEOUT=${EXMEM_BOOT_TIMEOUT:-3000} EXMEM_TESTS=$main_tests \
		bash scripts/qemu.sh test "$R"
	qrc=$?
	phase guest $((SECONDS - t0))
	guest_results "$R" "$qrc" main
fi

# The upstream mm selftests must give what they give on the unpatched
# kernel (tests/mm-selftests.expected, written by make mm-baseline).
if grep -q '^# mm-selftest: ' "$R/tap.log" 2>/dev/null; then
	sed -n 's/^# mm-selftest: \([^ ]*\) \([a-z]*\) \([^ ]*\) .*/\1 \2 \3/p' "$R/tap.log" >"$R/mm-selftests.txt"
	if diff -u tests/mm-selftests.expected "$R/mm-selftests.txt" >"$R/mm-selftests.diff"; then
		echo "ok - upstream mm selftests: same results as the unpatched kernel ($(wc -l <"$R/mm-selftests.txt") runs)"
		pass=$((pass + 1))
	else
		echo "not ok - upstream mm selftests differ from the unpatched kernel:"
		cat "$R/mm-selftests.diff"
		fail=$((fail + 1))
	fi
fi

# CXL device health (tests/guest/cxl_health.c) in a boot of its own: the
# first CXL device trains a slow link, and the last test leaves a device
# offline. Skipped when EXMEM_TESTS names other tests only.
case ",${EXMEM_TESTS:-cxl_health}," in
*,cxl_health,*)
	t0=$SECONDS
	EXMEM_TESTS=cxl_health EXMEM_CXL0_OPTS=",x-speed=8,x-width=4" \
		bash scripts/qemu.sh test "$R/health"
	qrc=$?
	phase health $((SECONDS - t0))
	guest_results "$R/health" "$qrc" health
	;;
esac

# Performance classes (tests/guest/aggregation_classes.c) in a boot of its
# own: QEMU gives HMAT and a Generic Port per CXL host bridge, and the first
# device a slower link, so the two devices are of different classes.
case ",${EXMEM_TESTS:-aggregation_classes}," in
*,aggregation_classes,*)
	t0=$SECONDS
	EXMEM_TESTS=aggregation_classes EXMEM_HMAT=1 EXMEM_CXL0_OPTS=",x-speed=8,x-width=4" \
		bash scripts/qemu.sh test "$R/classes"
	qrc=$?
	phase classes $((SECONDS - t0))
	guest_results "$R/classes" "$qrc" classes
	;;
esac

# Poison on an interleaved region (tests/guest/interleave_poison.c) in a
# boot of its own: QEMU gives one CXL window interleaved across both host
# bridges, and cxl-setup.sh one 2-way region of both devices.
case ",${EXMEM_TESTS:-interleave_poison}," in
*,interleave_poison,*)
	t0=$SECONDS
	EXMEM_TESTS=interleave_poison EXMEM_INTERLEAVE=1 \
		bash scripts/qemu.sh test "$R/interleave"
	qrc=$?
	phase interleave $((SECONDS - t0))
	guest_results "$R/interleave" "$qrc" interleave
	;;
esac

# Where the time went: every program's wall time, per boot.
for d in "$R" "$R/health" "$R/classes" "$R/interleave"; do
	[ -s "$d/times.txt" ] || continue
	echo "time: ${d#"$R"}"
	sed 's/^/time:   /' "$d/times.txt"
done
echo "results: $R/"
# The summary says when only some guest tests ran (make patchset quotes it).
{
	printf '%s passed, %s failed, %s skipped' "$pass" "$fail" "$skip"
	if [ -n "${EXMEM_TESTS:-}" ]; then
		printf ' (only EXMEM_TESTS=%s)' "$EXMEM_TESTS"
	fi
	echo
} | tee "$R/summary.txt"
[ "$fail" = 0 ]
