#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the ZONE_EXMEM test guest. The kernel command line selects what it
# does with exmem_guest=run|test|shell:
#   run    bring up CXL memory and show where it went (make run)
#   test   bring up CXL memory and run every guest test (make test)
#   shell  bring up CXL memory and start an interactive shell (make shell)
#   mm     bring up CXL memory and run only the upstream mm selftests
#          (make mm-baseline, on the unpatched kernel)
#   bench  bring up CXL memory and run the benchmarks in /bench (make bench)
# Serial ports: ttyS0 console, ttyS1 TAP results, ttyS2 the final dmesg.
# The guest always powers itself off.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/tests
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

. /lib/exmem/cxl-setup.sh
. /lib/exmem/mm-selftests.sh

mode=run
only=
benches=
targs=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	exmem_guest=*) mode=${arg#exmem_guest=} ;;
	exmem_tests=*) only=,${arg#exmem_tests=}, ;;
	exmem_bench=*) benches=,${arg#exmem_bench=}, ;;
	exmem_test_args=*) targs=$(echo "${arg#exmem_test_args=}" | tr , ' ') ;;
	esac
done

echo "exmem-guest: mode $mode, kernel $(uname -r)"
t0=$(cut -d' ' -f1 /proc/uptime)
# The guest always has two CXL devices: their regions coming up is the
# first result of every boot (tests/expected.list), not an echo.
echo "# exmem-guest: running setup" >/dev/ttyS1
if cxl_setup_regions; then
	echo "ok 1 exmem-guest.cxl_regions_ready" >/dev/ttyS1
else
	echo "exmem-guest: CXL setup incomplete"
	echo "not ok 1 exmem-guest.cxl_regions_ready" >/dev/ttyS1
fi
echo "exmem-guest: CXL regions ready at ${t0}s boot, $(cut -d' ' -f1 /proc/uptime)s now"

show_exmem() {
	echo "=== /proc/zoneinfo (ExMem zones)"
	awk '/^Node/ {show = ($4 == "ExMem")} show && /Node|present|managed|spanned|start_pfn|nr_free_pages/' /proc/zoneinfo
	echo "=== /proc/meminfo, /proc/vmstat (ExMem)"
	grep ExMem /proc/meminfo
	grep exmem /proc/vmstat
	echo "=== numactl -H"
	numactl -H
	echo "=== memory blocks of ExMem"
	for b in /sys/devices/system/memory/memory*; do
		z=$(cat "$b/valid_zones" 2>/dev/null)
		case "$z" in *ExMem*) echo "$(basename "$b"): $(cat "$b/state") zones: $z" ;; esac
	done
	if command -v exmemstat >/dev/null; then
		echo "=== exmemstat"
		exmemstat
	fi
}

# Each test runs in its own session with a time bound; whatever it leaves
# behind (processes holding memory or the console) is killed afterwards, so
# one test cannot hang or starve the next.
# EXMEM_TEST_TIMEOUT (kernel command line, make stress) raises the bound.
TEST_TIMEOUT=${EXMEM_TEST_TIMEOUT:-900}
# cxl_health needs a device with a slow link (scripts/test.sh boots once
# more for it) and leaves a device offline; aggregation_classes needs HMAT
# and two devices of different performance (a boot of its own too);
# interleave_poison needs one region interleaved across both devices.
OWN_BOOT="cxl_health aggregation_classes interleave_poison"
run_tests() {
	for t in /tests/*.test; do
		name=$(basename "$t" .test)
		# exmem_tests=a,b (EXMEM_TESTS on the host) runs only those.
		case "$only" in "" | *",$name,"*) ;; *) continue ;; esac
		# Tests that need a boot of their own run only when named.
		case " $OWN_BOOT " in *" $name "*) [ -n "$only" ] || continue ;; esac
		# shellcheck disable=SC2086 # one word per harness argument
		run_one "$name" "$t" $targs
	done
}

# What a test must leave as it found it: every memory block's state and
# zone, the ExMem and zswap tunables, and which dax devices are System RAM.
exmem_state() {
	for b in /sys/devices/system/memory/memory*; do
		st=$(cat "$b/state")
		z=
		[ "$st" = online ] && z=$(cat "$b/valid_zones")
		echo "${b##*/} $st $z"
	done
	for f in /proc/sys/vm/exmem_* /sys/module/exmem/parameters/* \
		/sys/module/cxl_exmem/parameters/* /sys/module/zswap/parameters/*; do
		[ -r "$f" ] && echo "$f $(cat "$f")"
	done
	for d in /sys/bus/dax/drivers/kmem/dax*; do
		[ -e "$d" ] && echo "kmem ${d##*/}"
	done
}

# Seconds since boot, whole.
uptime_s() { cut -d. -f1 /proc/uptime; }

# Run test binary $2 (with arguments $3...) under the name $1; its TAP goes
# to ttyS1, then "NAME rc=RC secs=S". A test that runs in the main boot
# must restore what it changed: exmem-guest.state_unchanged says whether it
# did (the next test is judged against what this one left).
run_one() {
	name=$1
	shift
	echo "# exmem-guest: running $name" | tee /dev/ttyS1
	exmem_state >/tmp/state.before
	start=$(uptime_s)
	setsid timeout -s KILL "$TEST_TIMEOUT" "$@" >"/tmp/out.$name" 2>&1 &
	wait $!
	rc=$?
	kill -9 -1 2>/dev/null	# whatever it left behind (not /init)
	tee /dev/ttyS1 <"/tmp/out.$name"
	case " $OWN_BOOT " in
	*" $name "*) ;;
	*) state_unchanged ;;
	esac
	echo "# exmem-guest: $name rc=$rc secs=$(($(uptime_s) - start))" | tee /dev/ttyS1
}

state_unchanged() {
	exmem_state >/tmp/state.after
	if cmp -s /tmp/state.before /tmp/state.after; then
		echo "ok 1 exmem-guest.state_unchanged" >/dev/ttyS1
	else
		diff /tmp/state.before /tmp/state.after | sed 's/^/# /' >/dev/ttyS1
		echo "not ok 1 exmem-guest.state_unchanged" >/dev/ttyS1
	fi
}

# The upstream mm selftests, timed like a test program.
run_mm_selftests() {
	echo "# exmem-guest: running mm_selftests" >/dev/ttyS1
	start=$(uptime_s)
	mm_selftests >/tmp/mm.out 2>&1
	rc=$?
	tee /dev/ttyS1 </tmp/mm.out
	echo "# exmem-guest: mm_selftests rc=$rc secs=$(($(uptime_s) - start))" >/dev/ttyS1
}

# The debug kernel's kmemleak scans every 10 minutes: ask for a scan (two:
# an unreferenced object whose contents changed since the previous scan is
# reported only by the next) so that what leaked in this boot's last
# minutes reaches the kernel log.
kmemleak_scan() {
	k=/sys/kernel/debug/kmemleak
	[ -w $k ] || return 0
	echo scan >$k
	echo scan >$k
	cat $k
}

# make run: exmemstat before and while a program runs entirely in ExMem.
demo_exmem() {
	echo "=== exmemstat -d"
	exmemstat -d
	echo "=== exmemctl --exmem -- stress-ng --vm 1 --vm-bytes 128M (running)"
	exmemctl --exmem -- stress-ng --vm 1 --vm-bytes 128M --vm-keep \
		--timeout 20s --quiet &
	sleep 10
	echo "=== exmemstat (while it runs)"
	exmemstat
	exmemstat -d
	wait
}

case "$mode" in
run)
	show_exmem
	demo_exmem
	;;
test)
	show_exmem
	run_tests
	# The upstream mm selftests, unless a test list leaves them out.
	case "$only" in "" | *,mm_selftests,*) run_mm_selftests ;; esac
	# make stress: the zone invariant once more, after everything else:
	# a scan of ExMem as the run left it, with no load of its own.
	if [ -n "${EXMEM_FINAL_SCAN:-}" ]; then
		run_one final_scan /tests/no_unmovable_in_exmem.test -f final
	fi
	;;
mm)
	run_mm_selftests
	;;
bench)
	# exmem_bench=a,b (scripts/bench.sh) runs only those.
	for b in /bench/*.bench; do
		case "$benches" in "" | *",$(basename "$b" .bench),"*) ;; *) continue ;; esac
		"$b" 2>&1 | tee /dev/ttyS1
	done
	;;
shell)
	show_exmem
	echo "exmem-guest: interactive shell; 'poweroff -f' or Ctrl-D to leave"
	setsid cttyhack sh
	;;
esac

echo "exmem-guest: done"
kmemleak_scan
dmesg >/dev/ttyS2
echo "EXMEM-DMESG-END" >/dev/ttyS2
echo "EXMEM-GUEST-DONE" >/dev/ttyS1
sync
poweroff -f
