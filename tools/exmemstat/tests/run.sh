#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# exmemstat unit tests on fixture trees (tests/fixtures/*: fake /proc and
# /sys), run with the ASan/UBSan build: parsing, rates from two samples, the
# JSON schema, Prometheus validity, the no-ExMem exit code, and truncated or
# garbage files. TAP with a plan (kselftest's ktap_helpers.sh).
# Usage: tests/run.sh [BINARY]   (default: make exmemstat-asan and run it)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/host/lib/ktap.sh
. ../../tests/host/lib/ktap.sh
ktap_print_header
if [ $# = 0 ]; then
	make -s exmemstat-asan || ktap_exit_fail_msg "cannot build exmemstat-asan"
fi
BIN=${1:-./exmemstat-asan}
F=tests/fixtures
T0=$F/two-devices-t0
T1=$F/two-devices-t1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# stderr goes to a file of this run's own, so two runs (two make checks)
# cannot read each other's.
TMP=$(mktemp -d) || ktap_exit_fail_msg "mktemp -d failed"
trap 'rm -rf "$TMP"' EXIT
ktap_set_plan 34

check() { if eval "$2"; then ktap_test_pass "$1"; else ktap_test_fail "$1"; fi; }

# Run exmemstat; stdout to $out, stderr to $err, exit status to $rc.
# shellcheck disable=SC2034 # $out is read by the checks' eval strings
run() {
	out=$("$BIN" "$@" 2>"$TMP/err")
	rc=$?
	err=$(cat "$TMP/err")
	# A sanitizer report is a failure whatever the exit status.
	if grep -q 'Sanitizer\|runtime error' <<<"$err"; then
		echo "$err" >&2
		rc=99
	fi
}

run --root $T0
check "summary exits 0" '[ $rc = 0 ]'
check "summary: total, free, used from meminfo" 'grep -q "ExMem: 1024.0 MiB total, 878.9 MiB free, 145.1 MiB used" <<<"$out"'
check "summary: node 1 from zoneinfo, pinned summed over devices, tier 22" \
	'grep -qE "^1 +1024.0 +878.9 +145.1 +12 +0.0 +22$" <<<"$out"'
check "summary: empty ExMem zones (DRAM nodes) are not listed" '! grep -qE "^0 " <<<"$out"'
check "summary: events from vmstat" 'grep -qE "^exmem_pin_inplace +7$" <<<"$out"'

run --root $T0 -d
check "devices: one line per device, sorted" \
	'[ "$(grep -c "^dax" <<<"$out")" = 2 ] && grep -A1 "^dax0.0" <<<"$out" | grep -q "^dax1.0"'
check "devices: capacity, free, pinned, state" \
	'grep -qE "^dax0.0 +1 +512.0 +512.0 +476.8 +35.2 +12 online" <<<"$out"'

check "devices: health, last event, its age (uptime - last_event_time), errors, link" \
	'grep -qE "^dax1.0 .* degraded +correctable-errors +60s +3 8GT/s x4$" <<<"$out" &&
	 grep -qE "^dax0.0 .* ok +none +- +0 32GT/s x16$" <<<"$out"'

run --root $T0:$T1 0.1 2
check "interval: header and two lines" '[ "$(wc -l <<<"$out")" = 3 ]'
# t1 - t0 = 2 s: 2000 allocations -> 1000/s, 400 fallbacks -> 200/s,
# 64 offline migrations within ExMem -> 32/s.
check "interval: rates from the deltas" \
	'tail -1 <<<"$out" | grep -qE "^ +1024.0 +869.1 +14 +1000.0 +200.0 +1.0 +0.0 +32.0 +0.0 +0.0 +2.0s$"'

run --root $T0:$T1 --json 0.1 2
check "json: one object per sample" '[ "$(wc -l <<<"$out")" = 2 ]'
check "json: schema and values" 'python3 - "$out" <<'"'"'PY'"'"'
import json, sys
lines = sys.argv[1].splitlines()
a, b = (json.loads(l) for l in lines)
for o in (a, b):
    assert o["version"] == 1
    assert set(o) >= {"time", "exmem", "nodes", "devices", "events"}
    assert set(o["exmem"]) == {"total_bytes", "free_bytes", "used_bytes", "pinned"}
    for n in o["nodes"]:
        assert set(n) == {"node", "total_bytes", "free_bytes", "used_bytes",
                          "present_bytes", "pinned", "zswap_bytes", "tier"}
    for d in o["devices"]:
        assert set(d) == {"device", "node", "capacity_bytes", "online_bytes",
                          "free_bytes", "used_bytes", "pinned", "state",
                          "health", "last_event", "last_event_age_s",
                          "errors", "link"}
assert "rates_per_second" not in a
assert b["rates_per_second"]["pgalloc_exmem"] == 1000.0
assert b["nodes"][0]["zswap_bytes"] == 5 * 4096
assert b["devices"][0]["pinned"] == 14 and b["exmem"]["pinned"] == 14
assert a["devices"][0]["last_event_age_s"] is None
assert a["devices"][1]["health"] == "degraded"
assert a["devices"][1]["last_event_age_s"] == 60.0
assert b["devices"][1]["last_event_age_s"] == 62.0
PY'

run --root $T0:$T1 --watch 0.1 2
# Into a pipe, as top -b: the screens one after another, no escape codes
# (tests/host/exmemstat.sh runs it on a terminal).
check "watch into a pipe: two screens, no escape codes, a usage bar per device" \
	'[ "$(grep -c "^ExMem: " <<<"$out")" = 2 ] && ! grep -q $'"'"'\e'"'"' <<<"$out" &&
	 grep -qE "^dax0.0 +\[#+\.+\] +6.9% of 512 MiB  online ok$" <<<"$out"'

run --root $T0 --prometheus
check "prometheus: exposition format and naming rules (prometheus_client)" \
	'/usr/bin/python3 ../../tests/host/lib/prom_check.py <<<"$out"'
check "prometheus: counters and labels" \
	'grep -q "^exmem_pin_inplace_total 7$" <<<"$out" &&
	 grep -q "^exmem_device_pinned_pages{device=\"dax0.0\"} 12$" <<<"$out"'
check "prometheus: health is a state set, four series per device" \
	'grep -q "^exmem_device_health{device=\"dax1.0\",state=\"degraded\"} 1$" <<<"$out" &&
	 grep -q "^exmem_device_health{device=\"dax1.0\",state=\"ok\"} 0$" <<<"$out" &&
	 [ "$(grep -c "^exmem_device_health{" <<<"$out")" = 8 ]'

run --root $F/no-exmem
check "no ZONE_EXMEM: exit 2 and a clear message" \
	'[ $rc = 2 ] && grep -q "no ZONE_EXMEM" <<<"$err" && [ -z "$out" ]'
run --root $F/none-online
check "ExMem support, none online: exit 0, says so" \
	'[ $rc = 0 ] && grep -q "no ExMem memory online" <<<"$out"'
for bad in garbage-vmstat truncated-zoneinfo bad-device binary-garbage; do
	run --root $F/$bad
	check "$bad: exit 3 with the file named, no crash" \
		'[ $rc = 3 ] && grep -q "exmemstat: .*\(vmstat\|zoneinfo\|devices/\)" <<<"$err"'
done
run --root $F/does-not-exist
check "missing files: exit 3" '[ $rc = 3 ] && grep -q "meminfo" <<<"$err"'

for args in "--bogus" "0" "-1" "x" "1 0" "1 2 3" "--prometheus 1" "--root ::"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run --root $T0 $args
	check "usage error '$args': exit 1" '[ $rc = 1 ]'
done
run --help
check "--help: exit 0" '[ $rc = 0 ] && grep -q "^Usage: exmemstat" <<<"$out"'
run --version
check "--version: exit 0" '[ $rc = 0 ] && grep -q "^exmemstat " <<<"$out"'
EXMEMSTAT_ROOT=$T0 run
check "EXMEMSTAT_ROOT selects the tree" '[ $rc = 0 ] && grep -q "1024.0 MiB total" <<<"$out"'

ktap_finished
