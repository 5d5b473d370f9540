#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: run the kernel's own mm selftests (tools/testing/selftests/mm,
# built unchanged from the pristine tree) and print one line per test:
#   # mm-selftest: NAME pass|fail|skip TOTALS rc=N
# The host compares these lines with tests/mm-selftests.expected, the
# results of the same binaries on the unpatched kernel (make mm-baseline).

MM=/mm-selftests
MM_TIMEOUT=240

mm_run() {
	name=$1
	shift
	setsid timeout -s KILL "$MM_TIMEOUT" "$@" >"/tmp/mm.$name" 2>&1 &
	wait $!
	rc=$?
	killall5 -9
	case "$rc" in
	0) r=pass ;;
	4) r=skip ;;
	*) r=fail ;;
	esac
	# The kselftest totals, when the test prints them (same on both kernels).
	tot=$(sed -n 's/.*# Totals: pass:\([0-9]*\) fail:\([0-9]*\) .* skip:\([0-9]*\).*/pass:\1,fail:\2,skip:\3/p' "/tmp/mm.$name" | tail -n 1)
	echo "# mm-selftest: $name $r ${tot:--} rc=$rc"
	# The details, for the log; TAP counters ignore "#" lines.
	sed 's/^/#   /' "/tmp/mm.$name" | tail -n 15
}

mm_selftests() {
	[ -d $MM ] || return 0
	cd /tmp || return 1
	mm_run map_fixed_noreplace $MM/map_fixed_noreplace
	mm_run map_populate $MM/map_populate
	mm_run mremap_dontunmap $MM/mremap_dontunmap
	mm_run mremap_test $MM/mremap_test
	mm_run mlock2-tests $MM/mlock2-tests
	mm_run migration $MM/migration
	mm_run cow $MM/cow
	mm_run gup_longterm $MM/gup_longterm
	mm_run ksm_functional_tests $MM/ksm_functional_tests
	mm_run ksm_tests-merge $MM/ksm_tests -M -p 10
	mm_run ksm_tests-unmerge $MM/ksm_tests -U
	mm_run ksm_tests-zero-pages $MM/ksm_tests -Z -p 10 -z 0
	mm_run ksm_tests-numa $MM/ksm_tests -N -m 1
	cd / || return 1
}
