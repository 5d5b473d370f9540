#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: run the kernel's own mm selftests (tools/testing/selftests/mm,
# built unchanged from the pristine tree) and print one line per test:
#   # mm-selftest: NAME pass|fail|skip TOTALS rc=N
# The host compares these lines with tests/mm-selftests.expected, the
# results of the same binaries on the unpatched kernel (make mm-baseline).

MM=/mm-selftests
# Seconds per binary; EXMEM_MM_TIMEOUT (kernel command line) raises it for
# the debug kernel, on which cgroup's test_zswap alone takes over 240 s.
MM_TIMEOUT=${EXMEM_MM_TIMEOUT:-240}

mm_run() {
	name=$1
	shift
	setsid timeout -s KILL "$MM_TIMEOUT" "$@" >"/tmp/mm.$name" 2>&1 &
	wait $!
	rc=$?
	kill -9 -1 2>/dev/null	# whatever it left behind (not /init)
	case "$rc" in
	0) r=pass ;;
	4) r=skip ;;
	*) r=fail ;;
	esac
	# The kselftest totals, when the test prints them (same on both kernels).
	tot=$(sed -n 's/.*# Totals: pass:\([0-9]*\) fail:\([0-9]*\) .* skip:\([0-9]*\).*/pass:\1,fail:\2,skip:\3/p' "/tmp/mm.$name" | tail -n 1)
	# Tests without kselftest totals: count their distinct TAP lines
	# (forked children may print a line twice).
	if [ -z "$tot" ]; then
		p=$(grep -E '^ok [0-9]+ ' "/tmp/mm.$name" | sort -u | grep -vc SKIP)
		f=$(grep -E '^not ok [0-9]+ ' "/tmp/mm.$name" | sort -u | wc -l)
		s=$(grep -E '^ok [0-9]+ .*SKIP' "/tmp/mm.$name" | sort -u | wc -l)
		tot=pass:$p,fail:$f,skip:$s
	fi
	echo "# mm-selftest: $name $r ${tot:--} rc=$rc"
	# The details, for the log; TAP counters ignore "#" lines.
	sed 's/^/#   /' "/tmp/mm.$name" | tail -n 15
}

# What the selftests expect: cgroup v2 with the memory controller, and a
# swap device (zram) behind zswap; and a layout that repeats.
mm_prepare() {
	# A fixed address-space layout: tests such as mremap_test pick fixed
	# addresses and collide now and then with ASLR, on any kernel.
	echo 0 >/proc/sys/kernel/randomize_va_space
	mkdir -p /sys/fs/cgroup
	grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
		mount -t cgroup2 none /sys/fs/cgroup
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	if ! grep -q zram0 /proc/swaps; then
		echo 256M >/sys/block/zram0/disksize &&
			mkswap /dev/zram0 >/dev/null && swapon /dev/zram0
	fi
}

mm_selftests() {
	[ -d $MM ] || return 0
	mm_prepare
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
	echo 2 >/proc/sys/kernel/randomize_va_space
	zswap_selftest
	cd / || return 1
}

# cgroup's test_zswap, unchanged, in the environment it was written for:
# - zswap on (6.12 defaults it off) and its shrinker off (6.12's default:
#   with it on, a memcg's own reclaim writes back that memcg's entries,
#   which test_no_invasive_cgroup_shrink counts as invasive);
# - swap slots for every stored page (test_no_kmem_bypass allocates more
#   than RAM): zram0 is made 4 GiB (zram allocates only what is written);
# - small folios: 6.12's zswap stores no large folio (that came in 6.13),
#   so with THP "always" (Debian's default) the tests' malloc()ed buffers
#   are swapped out as whole THPs, around zswap. THP is "madvise" for it.
# Everything is put back afterwards.
zswap_selftest() {
	zp=/sys/module/zswap/parameters
	thp=/sys/kernel/mm/transparent_hugepage/enabled
	[ -x $MM/test_zswap ] && [ -d $zp ] || return 0
	old_enabled=$(cat $zp/enabled)
	old_shrinker=$(cat $zp/shrinker_enabled)
	old_thp=$(sed 's/.*\[\(.*\)\].*/\1/' $thp)
	swapoff /dev/zram0 2>/dev/null
	echo 1 >/sys/block/zram0/reset
	echo 4G >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
		swapon /dev/zram0
	echo Y >$zp/enabled
	echo N >$zp/shrinker_enabled
	echo madvise >$thp
	mm_run test_zswap $MM/test_zswap
	echo "$old_thp" >$thp
	echo "$old_enabled" >$zp/enabled
	echo "$old_shrinker" >$zp/shrinker_enabled
	swapoff /dev/zram0
	echo 1 >/sys/block/zram0/reset
	echo 256M >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
		swapon /dev/zram0
}
