#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of scripts/judge.sh, the rules make test judges a boot by: on
# a small manifest and allow-list of its own, a complete boot passes, and
# each way a boot can fall short (a result missing, one not in the
# manifest, a skip not allowed, a program that crashed) is a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=scripts/judge.sh
. scripts/judge.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
MANIFEST=$T/expected.list
ALLOWED=$T/skips.allowed
bad=0

cat >"$MANIFEST" <<'EOF'
# BOOT PROGRAM RESULT-NAME
main setup exmem-guest.cxl_regions_ready
main alpha global.first
main alpha fix.variant.second
main mm_selftests migration
health setup exmem-guest.cxl_regions_ready
EOF
echo "mm_selftests migration needs more than 2 CPUs" >"$ALLOWED"

# A complete main boot: every manifest result, one allowed skip.
good_tap() {
	cat <<'EOF'
# exmem-guest: running setup
ok 1 exmem-guest.cxl_regions_ready
# exmem-guest: running alpha
ok 1 global.first
ok 2 fix.variant.second
# exmem-guest: alpha rc=0 secs=3
# mm-selftest: migration pass pass:0,fail:0,skip:6 rc=0
EOF
}

# expect NAME PASS FAIL SKIP ONLY: judge $T/tap.log as the main boot and
# compare the counters.
expect() {
	pass=0 fail=0 skip=0
	mkdir -p "$T/boot"
	cp "$T/tap.log" "$T/boot/tap.log"
	judge_results "$T/boot" main "$5" 0 >/dev/null
	judge_exits "$T/boot" >/dev/null
	if [ "$pass $fail $skip" != "$2 $3 $4" ]; then
		echo "not ok - $1: pass/fail/skip $pass $fail $skip, want $2 $3 $4"
		bad=1
	else
		echo "ok - $1"
	fi
}

good_tap >"$T/tap.log"
expect "a complete boot passes" 3 0 1 ""

good_tap | grep -v 'fix.variant.second' >"$T/tap.log"
expect "a missing result fails" 2 1 1 ""

{ good_tap; echo "ok 3 global.stray"; } >"$T/tap.log"
expect "a result the manifest does not name fails" 4 1 1 ""

good_tap | sed 's/^ok 1 global.first$/ok 1 global.first # SKIP no reason/' >"$T/tap.log"
expect "a skip not on the allow-list fails" 2 1 1 ""

good_tap | sed 's/alpha rc=0/alpha rc=139/' >"$T/tap.log"
expect "a program that crashed fails" 3 1 1 ""

good_tap | sed 's/^ok 2 fix/not ok 2 fix/' >"$T/tap.log"
expect "a failed result fails" 2 1 1 ""

good_tap | grep -v '^# exmem-guest: running alpha' | grep -v '^ok [12] [gf]' >"$T/tap.log"
expect "EXMEM_TESTS narrows the manifest, setup stays" 1 0 1 ",mm_selftests,"

# The kernel log: an OOM report's stack dump is accepted only inside a
# window a test announced; anything else that fails a boot still does.
oom_report() {
	echo "[ 1.0] hog invoked oom-killer: gfp_mask=0x140dca"
	echo "[ 1.1] Call Trace:"
	echo "[ 1.2]  <TASK>"
}
log_expect() {
	local name=$1 want=$2 hits
	hits=$(kernel_log_errors "$T/kernel.log" | wc -l)
	if [ "$hits" = "$want" ]; then
		echo "ok - $name"
	else
		echo "not ok - $name ($hits error lines, expected $want)"
		bad=1
	fi
}
{ echo "[ 0.9] exmem-test: expect oom begin"; oom_report
  echo "[ 1.3] exmem-test: expect oom end"; } >"$T/kernel.log"
log_expect "an announced OOM report's stack is accepted" 0
{ echo "[ 0.9] exmem-test: expect oom begin"; oom_report
  echo "[ 1.21]  ? lockdep_hardirqs_on_prepare+0x262/0x3f0"
  echo "[ 1.22]  out_of_memory+0x7c9/0x1750"
  echo "[ 1.23]  </TASK>"
  echo "[ 1.3] exmem-test: expect oom end"; } >"$T/kernel.log"
log_expect "its frames, a stale lockdep_ one included, are accepted" 0
{ echo "[ 0.9] exmem-test: expect oom begin"; oom_report
  echo "[ 1.23]  </TASK>"
  echo "[ 1.24]  ? lockdep_hardirqs_on_prepare+0x262/0x3f0"
  echo "[ 1.3] exmem-test: expect oom end"; } >"$T/kernel.log"
log_expect "a lockdep_ frame after the OOM stack ends still fails" 1
oom_report >"$T/kernel.log"
log_expect "an OOM report nobody announced fails" 1
{ echo "[ 0.9] exmem-test: expect oom begin"; oom_report
  echo "[ 1.2] WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:1 x"
  echo "[ 1.25] Call Trace:"
  echo "[ 1.3] exmem-test: expect oom end"; } >"$T/kernel.log"
log_expect "a warning inside the window, and its stack, still fail" 2

if check_only_names ",alpha,typo," 2>/dev/null; then
	echo "not ok - an unknown EXMEM_TESTS name is refused"
	bad=1
else
	echo "ok - an unknown EXMEM_TESTS name is refused"
fi
exit "$bad"
