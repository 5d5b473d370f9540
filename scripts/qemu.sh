#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the ZONE_EXMEM guest on two emulated CXL type-3 volatile devices in two
# CFMWS windows (topology from shared/PLATFORM.md).
#
#   scripts/qemu.sh MODE OUTDIR     MODE: run | test | shell | mm
#
# OUTDIR gets console.log (ttyS0), tap.log (ttyS1) and dmesg.log (ttyS2).
# ttyS3 carries the guest tests' CXL injection requests to QEMU's QMP socket
# (OUTDIR/qmp.sock) through scripts/qmp-broker.py (log: OUTDIR/qmp.log).
# QEMU runs under TCG: KVM is used only if EXMEM_KVM=1 and /dev/kvm works.
# The run is bounded by EXMEM_BOOT_TIMEOUT seconds (default 1500).
# EXMEM_TESTS=a,b runs only the named guest tests (test mode).
# EXMEM_KERNEL boots another bzImage (the vanilla baseline); EXMEM_APPEND
# adds to the kernel command line. EXMEM_CXL0_OPTS adds type-3 device
# options to the first device, e.g. ",x-speed=8,x-width=4" (a degraded link).
# EXMEM_ICOUNT=1 makes the guest clock count instructions (-icount
# shift=0,sleep=off: one virtual ns per instruction), so that timings
# inside the guest measure path length, not the host's load (make bench).
# EXMEM_INTERLEAVE=1 interleaves the two devices in one region (below).
# EXMEM_GUEST_MEM sets the guest's boot DRAM (default 2G; make stress boots
# the debug kernel with 4G, whose KASAN and kmemleak make every object cost
# more).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-run}
OUT=${2:-build/run}
B=build
KERNEL=${EXMEM_KERNEL:-$B/obj/arch/x86/boot/bzImage}
INITRD=$B/initramfs.cpio.gz
TIMEOUT=${EXMEM_BOOT_TIMEOUT:-1500}
MEM=${EXMEM_GUEST_MEM:-2G}

mkdir -p "$OUT"
rm -f "$OUT"/console.log "$OUT"/tap.log "$OUT"/dmesg.log

accel=(-accel tcg -cpu max)
# KVM aborts or hangs on this machine kind (PLATFORM.md): opt-in only.
if [ "${EXMEM_KVM:-0}" = 1 ] && [ -w /dev/kvm ]; then
	accel=(-accel kvm -cpu host)
elif [ "${EXMEM_ICOUNT:-0}" = 1 ]; then
	# shellcheck disable=SC2054
	accel=(-accel tcg -cpu max -icount shift=0,sleep=off)
fi

# shellcheck disable=SC2054 # commas are QEMU option syntax
cxl=(
	-object memory-backend-ram,id=vmem0,size=512M
	-object memory-backend-ram,id=vmem1,size=512M
	-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
	-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2
	-device "cxl-type3,bus=rp0,volatile-memdev=vmem0,id=cxl-vmem0${EXMEM_CXL0_OPTS:-}"
	-device pxb-cxl,bus_nr=24,bus=pcie.0,id=cxl.2
	-device cxl-rp,port=0,bus=cxl.2,id=rp1,chassis=0,slot=3
	-device cxl-type3,bus=rp1,volatile-memdev=vmem1,id=cxl-vmem1
)
# A CFMWS window per host bridge; EXMEM_INTERLEAVE=1: one window
# interleaved across both host bridges in 4 KiB granules instead, so that
# cxl-setup.sh makes one 2-way region of both devices.
# shellcheck disable=SC2054 # commas are QEMU option syntax
if [ "${EXMEM_INTERLEAVE:-0}" = 1 ]; then
	cxl+=(-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.0.size=8G,cxl-fmw.0.interleave-granularity=4k)
else
	cxl+=(-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G,cxl-fmw.1.targets.0=cxl.2,cxl-fmw.1.size=4G)
fi

# null_blk.*: nullb0 reads at 1 MiB/s in 4 KiB requests (throttling passes
# no request larger than one 20 ms tick of bandwidth), so that an O_DIRECT
# read stays in flight long enough to offline its buffer's block meanwhile.
cmdline="console=ttyS0 panic=-1 oops=panic exmem_guest=$MODE"
cmdline="$cmdline null_blk.mbps=1 null_blk.max_sectors=8"
# EXMEM_TESTS=a,b: run only these guest tests (developer runs).
[ -z "${EXMEM_TESTS:-}" ] || cmdline="$cmdline exmem_tests=$EXMEM_TESTS"
# EXMEM_TEST_ARGS=-t,NAME: kselftest harness arguments for those programs,
# comma-separated (one test case of a program; developer runs only).
[ -z "${EXMEM_TEST_ARGS:-}" ] || cmdline="$cmdline exmem_test_args=$EXMEM_TEST_ARGS"
[ -z "${EXMEM_APPEND:-}" ] || cmdline="$cmdline $EXMEM_APPEND"

# EXMEM_HMAT=1: describe the platform's performance to the guest: HMAT for
# the DRAM node and an ACPI Generic Port per CXL host bridge, so that the
# CXL driver computes each region's performance (CDAT, link, host bridge)
# and memory tiers its abstract distance. Needed for performance classes.
machine=q35,cxl=on
numa=()
if [ "${EXMEM_HMAT:-0}" = 1 ]; then
	machine=$machine,hmat=on
	# shellcheck disable=SC2054
	numa=(
		-object "memory-backend-ram,id=ram0,size=$MEM"
		-numa node,nodeid=0,cpus=0-1,memdev=ram0
		-numa node,nodeid=1,initiator=0
		-numa node,nodeid=2,initiator=0
		-object acpi-generic-port,id=gp0,pci-bus=cxl.1,node=1
		-object acpi-generic-port,id=gp1,pci-bus=cxl.2,node=2
		-numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=10
		-numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=20G
		-numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=50
		-numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=64G
		-numa hmat-lb,initiator=0,target=2,hierarchy=memory,data-type=access-latency,latency=50
		-numa hmat-lb,initiator=0,target=2,hierarchy=memory,data-type=access-bandwidth,bandwidth=64G
	)
fi

# shellcheck disable=SC2054
common=(
	-M "$machine" -m "$MEM,maxmem=8G,slots=4" -smp 2 "${accel[@]}" "${numa[@]}"
	-kernel "$KERNEL" -initrd "$INITRD" -append "$cmdline"
	-no-reboot
	"${cxl[@]}"
)

if [ "$MODE" = shell ]; then
	exec qemu-system-x86_64 "${common[@]}" -nographic \
		-serial mon:stdio -serial file:"$OUT/tap.log" -serial file:"$OUT/dmesg.log"
fi

# QMP for CXL error injection, relayed from the guest's ttyS3.
rm -f "$OUT/qmp.sock" "$OUT/inject.sock" "$OUT/qmp.log"
python3 scripts/qmp-broker.py "$OUT/qmp.sock" "$OUT/inject.sock" \
	"$OUT/qmp.log" &
broker=$!

set +e
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 "${common[@]}" \
	-display none -monitor none \
	-serial file:"$OUT/console.log" -serial file:"$OUT/tap.log" \
	-serial file:"$OUT/dmesg.log" \
	-chardev socket,id=inject,path="$OUT/inject.sock",server=on,wait=off \
	-serial chardev:inject \
	-qmp unix:"$OUT/qmp.sock",server=on,wait=off </dev/null
rc=$?
kill "$broker" 2>/dev/null
wait "$broker" 2>/dev/null
set -e
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "qemu: guest did not power off within ${TIMEOUT}s" >&2
	exit 124
fi
exit "$rc"
