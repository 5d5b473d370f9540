# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the variables are the callers'
#
# What the exmemstat host tests share, sourced from the repository root
# after the ASan/UBSan build (make -C tools/exmemstat exmemstat-asan): the
# binary and the fixtures, a scratch directory $D removed at exit, run()
# and mutate().
BIN=$PWD/tools/exmemstat/exmemstat-asan
F=$PWD/tools/exmemstat/tests/fixtures
T0=$F/two-devices-t0
DEV=sys/kernel/mm/exmem/devices
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# run ARGS...: exmemstat's stdout in $out, stderr in $err, status in $rc.
# A sanitizer report is status 99 whatever exmemstat returned.
run() {
	out=$(timeout 30 "$BIN" "$@" 2>"$D/err")
	rc=$?
	err=$(cat "$D/err")
	if grep -q 'Sanitizer\|runtime error' <<<"$err"; then
		rc=99
	fi
}

# mutate NAME: a fresh copy of two-devices-t0 in $D/NAME.
mutate() {
	rm -rf "${D:?}/$1"
	cp -a "$T0" "$D/$1"
}
