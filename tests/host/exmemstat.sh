#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of exmemstat, built with ASan and UBSan, on mutated copies of
# the fixture trees (tools/exmemstat/tests/run.sh tests the fixtures
# themselves; exmemstat-prometheus.sh the Prometheus output): the
# behaviours of exmemstat(8) that administrators rely on: strict parsing
# (file and line named, exit 3), exit 2 only for a valid meminfo without
# ExMem, hot-unplug between samples, vmstat-like interval and count, write
# errors (exit 4) in every output mode, and the kernel's page size. TAP
# with a plan.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/host/lib/ktap.sh
. tests/host/lib/ktap.sh
ktap_print_header
make -s -C tools/exmemstat exmemstat-asan ||
	ktap_exit_fail_msg "cannot build tools/exmemstat/exmemstat-asan"
ktap_set_plan 175

# BIN, F, T0, DEV, $D, run and mutate.
# shellcheck source=tests/host/lib/exmemstat.sh
. tests/host/lib/exmemstat.sh

# t NAME COMMAND...: one result; the command's status decides.
t() { ktap_t "$@"; }

# expect STATUS REGEX: the status, and stderr matching REGEX.
expect() { [ "$rc" = "$1" ] && grep -qE -- "$2" <<<"$err"; }
# expect_text STATUS TEXT: the status, and stderr containing TEXT.
expect_text() { [ "$rc" = "$1" ] && grep -qF -- "$2" <<<"$err"; }

# 1. Strict parsing: each bad file is exit 3 with the file (and line) named.
# name | file below the copy | sed expression or "empty" | stderr pattern
while IFS='|' read -r name file edit pattern; do
	mutate "$name"
	if [ "$edit" = empty ]; then
		: >"$D/$name/$file"
	else
		sed -i "$edit" "$D/$name/$file"
	fi
	run --root "$D/$name"
	t "strict: $name: exit 3, names $file" expect 3 "$D/$name/$file$pattern"
	t "strict: $name: no made-up output" test -z "$out"
done <<'EOF'
mi-neg|proc/meminfo|s/^ExMemFree:.*/ExMemFree:       -5 kB/|:4: ExMemFree: '-5 kB' is negative
mi-huge|proc/meminfo|s/^ExMemTotal:.*/ExMemTotal:      99999999999999999999 kB/|:3: ExMemTotal: .* is out of range
mi-suffix|proc/meminfo|s/^ExMemTotal:.*/ExMemTotal:      1048576xyz kB/|:3: ExMemTotal: .* is not a number
mi-unit|proc/meminfo|s/^ExMemFree:.*/ExMemFree:       900000 MB/|:4: ExMemFree: .* is not a number
mi-garbage|proc/meminfo|s/^ExMemTotal:.*/ExMemTotal: abc kB/|:3: ExMemTotal: 'abc kB' is not a number
mi-noline|proc/meminfo|3s/.*/this is not meminfo/|:3: not 'Name: value'
mi-empty|proc/meminfo|empty|: no MemTotal line
zi-neg|proc/zoneinfo|s/pages free     225000/pages free     -1/|:35: node 1 ExMem pages free: '-1' is negative
zi-suffix|proc/zoneinfo|s/managed  262144$/managed  262144xyz/|:40: node 1 ExMem managed: '262144xyz' is not a number
zi-huge|proc/zoneinfo|s/present  262144$/present  99999999999999999999/|:39: node 1 ExMem present: .* is out of range
zi-header|proc/zoneinfo|s/^Node 1, zone    ExMem/Node -1, zone ExMem/|:34: not 'Node N, zone NAME'
vm-neg|proc/vmstat|s/^pgalloc_exmem .*/pgalloc_exmem -3/|:[0-9]+: pgalloc_exmem: '-3' is negative
vm-suffix|proc/vmstat|s/^exmem_pin_inplace .*/exmem_pin_inplace 7 pages/|:[0-9]+: not 'name value'
vm-empty|proc/vmstat|empty|: empty
dev-neg|sys/kernel/mm/exmem/devices/dax0.0/pinned|s/.*/-1/|:1: '-1' is negative
dev-node-wrap|sys/kernel/mm/exmem/devices/dax0.0/node|s/.*/4294967297/|:1: '4294967297' is out of range
dev-suffix|sys/kernel/mm/exmem/devices/dax1.0/errors|s/.*/3 errors/|:1: '3 errors' is not a number
dev-empty|sys/kernel/mm/exmem/devices/dax0.0/capacity_bytes|empty|:1: empty
dev-two-lines|sys/kernel/mm/exmem/devices/dax0.0/free_bytes|s/.*/1\n2/|:1: not a single line
tier|sys/devices/virtual/memory_tiering/memory_tier22/nodelist|s/.*/x-y/|:1: 'x-y' is not a node list
uptime|proc/uptime|s/.*/soon/|:1: 'soon' is not 'UPTIME IDLE'
EOF

mutate mi-dir
rm "$D/mi-dir/proc/meminfo"
mkdir "$D/mi-dir/proc/meminfo"
run --root "$D/mi-dir"
t "strict: meminfo that is a directory: exit 3, unreadable" \
	expect 3 "$D/mi-dir/proc/meminfo: Is a directory"
run --root "$D/does-not-exist"
t "strict: missing meminfo: exit 3, the full path named" \
	expect 3 "$D/does-not-exist/proc/meminfo: No such file or directory"
mutate dev-missing
rm "$D/dev-missing/$DEV/dax1.0/pinned"
run --root "$D/dev-missing"
t "strict: a file missing from a device still there: exit 3" \
	expect 3 "dax1.0/pinned: missing"
run --root "$F/no-exmem"
t "no ExMem: a valid meminfo without ExMemTotal is exit 2" \
	expect 2 "this kernel has no ZONE_EXMEM"
for mode in -d --json --prometheus; do
	run --root "$D/zi-suffix" "$mode"
	t "strict: $mode: the same error, exit 3" expect 3 "262144xyz"
done

# 2. Hot-unplug: dax1.0's directory empties (a kmem unbind between
# readdir() and open()) or goes: its row is dropped, one message, the loop
# goes on.
mutate unplug-empty
rm -f "$D/unplug-empty/$DEV/dax1.0/"*
mutate unplug-gone
rm -rf "$D/unplug-gone/$DEV/dax1.0"
for u in unplug-empty unplug-gone; do
	run --root "$T0:$D/$u:$D/$u" 0.1 3
	t "hot-unplug ($u): exit 0 and all three lines" \
		test "$rc" = 0 -a "$(wc -l <<<"$out")" = 4
	t "hot-unplug ($u): said once on stderr" \
		test "$(grep -c 'device dax1.0 went away (hot-unplug?); its row is dropped' <<<"$err")" = 1 \
		-a "$(wc -l <<<"$err")" = 1
	run --root "$T0:$D/$u" -d 0.1 2
	t "hot-unplug ($u): -d drops the row in the second table" \
		test "$rc" = 0 -a "$(grep -c '^dax0.0 ' <<<"$out")" = 2 \
		-a "$(grep -c '^dax1.0 ' <<<"$out")" = 1
done
run --root "$T0:$D/unplug-empty:$T0:$D/unplug-empty" --json 0.1 4
t "hot-unplug: gone, back, gone again: said twice, 4 JSON lines" \
	test "$rc" = 0 -a "$(wc -l <<<"$out")" = 4 \
	-a "$(grep -c 'went away' <<<"$err")" = 2
run --root "$D/unplug-empty"
t "hot-unplug while read once: exit 0, said, row dropped" \
	test "$rc" = 0 -a "$(grep -c 'went away' <<<"$err")" = 1
run --root "$D/unplug-empty" -p
t "hot-unplug: no Prometheus series for the gone device" \
	test "$rc" = 0 -a "$(grep -c 'device="dax1.0"' <<<"$out")" = 0

# 3. Interval and count, as vmstat: bad values are usage errors (exit 1)
# at once, with a message naming the value.
for i in nan inf 1e-9 1e3 0x1p-10 0 0.0 0.05 4295 3600.5 1,5 . '' ' 1' +1; do
	SECONDS=0
	run --root "$T0" "$i" 2
	t "interval '$i': exit 1, named, no sleep" \
		expect_text 1 "bad interval '$i': a decimal number of seconds from 0.1 to 3600"
	t "interval '$i': at once" test "$SECONDS" -le 1
done
for c in 0 1.5 1e3 +3 0x10 abc 99999999999999999999 18446744073709551616 '2 '; do
	run --root "$T0" 1 "$c"
	t "count '$c': exit 1" expect_text 1 "bad count '$c': a positive integer"
done
run --root "$T0" 1 -1
t "count '-1': an option to getopt, as in vmstat: exit 1" expect 1 "invalid option"
SECONDS=0
run --root "$T0" 0.1 3
t "interval 0.1 (the minimum) and count 3: header and three lines" \
	test "$rc" = 0 -a "$(wc -l <<<"$out")" = 4 -a "$SECONDS" -le 2
run --root "$T0" -p 3600
t "--prometheus with an interval is still a usage error" expect 1 "takes no interval"

# 4. Write errors: exit 4 in every output mode, and for --help/--version.
wfull() {
	"$BIN" "$@" >/dev/full 2>"$D/err"
	rc=$?
	err=$(cat "$D/err")
}
for mode in "" -d -w --json --prometheus "0.1 2" "--json 0.1 2" "-d 0.1 2" \
	--help --version; do
	# shellcheck disable=SC2086 # the words are the arguments
	wfull --root "$T0" $mode
	t "write error '${mode:-table}' >/dev/full: exit 4" \
		expect 4 "^exmemstat: write error: No space left on device$"
done
"$BIN" --root "$T0" --json >&- 2>"$D/err"
rc=$?
err=$(cat "$D/err")
t "write error: stdout closed: exit 4" expect 4 "write error"
run --root "$T0" --prometheus
t "no write error: exit 0" test "$rc" = 0 -a -z "$err"

# 5. Page size: the kernel's, or the fixture's page_size. The 64 KiB-page
# fixture holds the same memory as two-devices-t0 in 1/16 of the pages.
run --root "$F/two-devices-64k"
t "64 KiB pages: node row agrees with the meminfo summary" \
	grep -qE "^1 +1024.0 +878.9 +145.1 +12 +1.0 +22$" <<<"$out"
run --root "$F/two-devices-64k" --json
t "64 KiB pages: JSON node bytes" python3 -c '
import json, sys
n = json.loads(sys.argv[1])["nodes"][0]
assert n["total_bytes"] == 1 << 30 and n["present_bytes"] == 1 << 30, n
assert n["free_bytes"] == 14062 * 65536 and n["zswap_bytes"] == 16 * 65536, n
' "$out"
run --root "$F/two-devices-64k" --prometheus
t "64 KiB pages: Prometheus node bytes" \
	grep -q '^exmem_node_total_bytes{node="1"} 1073741824$' <<<"$out"
mutate ps-none
rm "$D/ps-none/page_size"
run --root "$D/ps-none" --json
t "no page_size file: the running kernel's page size (getconf PAGESIZE)" \
	python3 -c '
import json, sys
assert json.loads(sys.argv[1])["nodes"][0]["total_bytes"] == 262144 * int(sys.argv[2])
' "$out" "$(getconf PAGESIZE)"
for ps in 4097 0 -4096 64k 1024x; do
	mutate ps-bad
	echo "$ps" >"$D/ps-bad/page_size"
	run --root "$D/ps-bad"
	t "page_size '$ps': exit 3" expect 3 "ps-bad/page_size:1: '$ps' is not a page size"
done
mutate ps-overflow
echo 65536 >"$D/ps-overflow/page_size"
sed -i 's/present  262144$/present  281474976710656/' "$D/ps-overflow/proc/zoneinfo"
run --root "$D/ps-overflow"
t "page counts that overflow bytes: exit 3" expect 3 "page counts out of range"

# 6. vmstat's first line: rates averaged since boot (/proc/uptime), marked
# "boot" in the "over" column; later lines are marked with the interval
# they measure. A rate that cannot be known (a counter went down, the
# clock did not advance, no uptime, a counter the kernel lacks) is "-" in
# tables and null in JSON, never a made-up 0.0.
T1=$F/two-devices-t1
run --root "$T0:$T1" 0.1 2
t "first line: since-boot averages (10000/160 s), marked 'boot'" \
	grep -qE '^ +1024.0 +878.9 +12 +62.5 +3.1 +0.0 +0.0 +0.0 +0.0 +0.0 +boot$' <<<"$out"
t "second line: deltas over the 2 s interval, marked '2.0s'" \
	grep -qE '^ +1024.0 +869.1 +14 +1000.0 +200.0 +1.0 +0.0 +32.0 +0.0 +0.0 +2.0s$' <<<"$out"
t "header names the 'over' column" grep -qE ' zsw_ref/s +over$' <<<"$out"
mutate later
echo 104.0 >"$D/later/time"
echo '164.00 308.00' >"$D/later/proc/uptime"
run --root "$T1:$D/later" 0.1 2
t "counters that went down: '-', not 0.0; counters unchanged: 0.0" \
	grep -qE '^ +1024.0 +878.9 +12 +- +- +- +0.0 +- +0.0 +0.0 +2.0s$' <<<"$out"
run --root "$T0:$T0" 0.1 2
t "clock did not advance: every rate '-'" \
	grep -qE '^ +1024.0 +878.9 +12( +-){7} +-$' <<<"$out"
run --root "$T1:$D/later" --json 0.1 2
t "JSON: a counter that went down has a null rate" python3 -c '
import json, sys
b = json.loads(sys.argv[1].splitlines()[1])["rates_per_second"]
assert b["pgalloc_exmem"] is None and b["exmem_pin_migrated"] == 0.0, b
' "$out"
mutate no-uptime
rm "$D/no-uptime/proc/uptime"
run --root "$D/no-uptime" 0.1 1
t "no /proc/uptime: since-boot rates are '-'" \
	grep -qE '^ +1024.0 +878.9 +12( +-){7} +boot$' <<<"$out"
mutate no-counter
sed -i '/^exmem_zswpout_refused /d' "$D/no-counter/proc/vmstat"
run --root "$D/no-counter:$D/no-counter" 0.1 1
t "a counter the kernel lacks: its rate is '-'" \
	grep -qE '^ +1024.0 +878.9 +12 +62.5 +3.1( +0.0){4} +- +boot$' <<<"$out"

# 7. -t (a timestamp) and -n (one header), as vmstat; JSON carries the
# wall clock (ISO 8601, UTC) and the uptime next to the monotonic time.
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'
TZ=UTC run --root "$T0" -t 0.1 2
t "-t: a timestamp column after 'over'" \
	test "$rc" = 0 -a "$(grep -cE " (boot|-) +$ISO\+00:00$" <<<"$out")" = 2
t "-t: the header names it" grep -qE ' over +timestamp$' <<<"$out"
TZ=UTC run --root "$T0" -t
t "-t one-shot: a timestamp line first" \
	grep -qE "^timestamp: $ISO\+00:00$" <<<"$(head -1 <<<"$out")"
TZ=UTC run --root "$T0" -t -d
t "-t -d: a timestamp line above the table" \
	grep -qE "^timestamp: $ISO\+00:00$" <<<"$(head -1 <<<"$out")"
run --root "$T0" -t --prometheus
t "-t --prometheus: usage error (the textfile collector refuses timestamps)" \
	expect 1 "no timestamps"
run --root "$T0" 0.1 25
t "without -n the header repeats every 20 lines" \
	test "$rc" = 0 -a "$(grep -c 'total_MiB' <<<"$out")" = 2
run --root "$T0" -n 0.1 25
t "-n: the header once" \
	test "$rc" = 0 -a "$(grep -c 'total_MiB' <<<"$out")" = 1 -a "$(wc -l <<<"$out")" = 26
run --root "$T0" --one-header -d 0.1 3
t "-n -d: one table header, then the rows of each sample" \
	test "$rc" = 0 -a "$(grep -c '^device ' <<<"$out")" = 1 \
	-a "$(grep -c '^dax' <<<"$out")" = 6 -a "$(grep -c '^$' <<<"$out")" = 0
before=$(date +%s)
run --root "$T0" --json
t "JSON: ISO 8601 UTC timestamp (the wall clock), uptime, monotonic time" python3 -c '
import json, sys, datetime
o = json.loads(sys.argv[1])
ts = o["timestamp"]
assert ts.endswith("Z") and len(ts) == 24, ts
t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
assert int(sys.argv[2]) - 1 <= t <= int(sys.argv[2]) + 30, (t, sys.argv[2])
assert o["uptime"] == 160.0 and o["time"] == 100.0, o
' "$out" "$before"
run --root "$D/no-uptime" --json
t "JSON: uptime null when /proc/uptime is absent" python3 -c '
import json, sys
assert json.loads(sys.argv[1])["uptime"] is None
' "$out"

# 8. Strict zoneinfo: empty, or without an ExMem zone although meminfo has
# ExMem memory: exit 3, never "no ExMem memory online".
mutate zi-empty
: >"$D/zi-empty/proc/zoneinfo"
run --root "$D/zi-empty"
t "strict: empty zoneinfo: exit 3" expect 3 "zi-empty/proc/zoneinfo: empty"
mutate zi-noexmem
sed -i '/zone    ExMem/,$d' "$D/zi-noexmem/proc/zoneinfo"
run --root "$D/zi-noexmem"
t "strict: zoneinfo without an ExMem zone, meminfo with ExMem: exit 3" \
	expect 3 "zi-noexmem/proc/zoneinfo: no ExMem zone, but ExMemTotal is 1048576 kB"
run --root "$F/none-online"
t "ExMem support with nothing online is still fine" test "$rc" = 0

# 9. A device file the kernel does not provide (errors) is "-" in the
# table, null in JSON and no sample in Prometheus, never a made-up 0.
mutate no-errors
rm "$D/no-errors/$DEV/dax0.0/errors"
run --root "$D/no-errors" -d
t "no errors file: '-' in the device table" \
	grep -qE '^dax0\.0 .* ok +none +- +- 32GT/s x16$' <<<"$out"
run --root "$D/no-errors" --json
t "no errors file: null in JSON" python3 -c '
import json, sys
d = {x["device"]: x for x in json.loads(sys.argv[1])["devices"]}
assert d["dax0.0"]["errors"] is None and d["dax1.0"]["errors"] == 3
' "$out"
run --root "$D/no-errors" --prometheus
t "no errors file: no exmem_device_errors_total sample for that device" \
	eval '[ "$rc" = 0 ] && ! grep -q "^exmem_device_errors_total{device=\"dax0.0\"}" <<<"$out" &&
	      grep -qx "exmem_device_errors_total{device=\"dax1.0\"} 3" <<<"$out"'

# 10. Devices in numeric order, as daxctl list: dax2.0 before dax10.0.
mutate order
cp -a "$D/order/$DEV/dax1.0" "$D/order/$DEV/dax10.0"
cp -a "$D/order/$DEV/dax1.0" "$D/order/$DEV/dax2.0"
run --root "$D/order" -d
t "devices in numeric order (dax0.0 dax1.0 dax2.0 dax10.0)" \
	test "$(awk 'NR > 1 { printf "%s ", $1 }' <<<"$out")" = "dax0.0 dax1.0 dax2.0 dax10.0 "

# 11. JSON as ndctl writes it: '/' is not escaped ("32GT/s", not "32GT\/s").
run --root "$T0" --json
t "JSON: '/' is not escaped (json-c NOSLASHESCAPE)" \
	eval 'grep -qF "\"link\":\"32GT/s x16\"" <<<"$out" && ! grep -qF "\\/" <<<"$out"'

# 12. -w clears the screen only on a terminal, as watch(1) and top do:
# into a pipe or a file the screens follow one another, with no escapes.
T1=$F/two-devices-t1
run --root "$T0:$T1" -w 0.1 2
t "-w into a pipe: no terminal escape codes, two screens" \
	eval '[ "$rc" = 0 ] && ! grep -q $'"'"'\e'"'"' <<<"$out" &&
	      [ "$(grep -c "^ExMem: " <<<"$out")" = 2 ]'
# script(1) gives exmemstat a terminal.
out=$(timeout 30 script -qefc "$BIN --root $T0:$T1 -w 0.1 2" /dev/null </dev/null)
rc=$?
err=
t "-w on a terminal: home and clear screen before each screen" \
	eval '[ "$rc" = 0 ] && [ "$(grep -c $'"'"'^\e\[H\e\[2JExMem: '"'"' <<<"$out")" = 2 ]'

# 13. Output modes exclude one another: two of them are a usage error
# naming both, never the last one silently.
while IFS='|' read -r args first second; do
	# shellcheck disable=SC2086 # the words are the arguments
	run --root "$T0" $args
	t "'$args': exit 1, $first and $second conflict" \
		eval 'expect_text 1 "exmemstat: $first and $second are conflicting output modes" && [ -z "$out" ]'
done <<'MODES'
--json --prometheus|--json|--prometheus
-d --json|--devices|--json
-p -d|--prometheus|--devices
-w -j|--watch|--json
-d -w 0.1 2|--devices|--watch
MODES
run --root "$T0" -j --json
t "the same mode twice is no conflict" test "$rc" = 0 -a -n "$out"

# 14. EXMEMSTAT_ROOT: a bad value says why; --root on the command line wins
# over the environment (exmemstat(8), ENVIRONMENT).
EXMEMSTAT_ROOT=:: run
t "bad EXMEMSTAT_ROOT '::': exit 1, says why" \
	expect_text 1 "exmemstat: bad EXMEMSTAT_ROOT '::'"
EXMEMSTAT_ROOT=a:b:c:d:e:f:g:h:i run
t "bad EXMEMSTAT_ROOT (9 roots): exit 1, says why" \
	expect_text 1 "exmemstat: bad EXMEMSTAT_ROOT 'a:b:c:d:e:f:g:h:i'"
EXMEMSTAT_ROOT=a:b:c:d:e:f:g:h:i run --root "$T0"
t "--root wins over a bad EXMEMSTAT_ROOT" \
	eval '[ "$rc" = 0 ] && grep -q "1024.0 MiB total" <<<"$out"'
EXMEMSTAT_ROOT=$F/no-exmem run --root "$T0"
t "--root wins over a good EXMEMSTAT_ROOT" \
	eval '[ "$rc" = 0 ] && grep -q "1024.0 MiB total" <<<"$out"'
EXMEMSTAT_ROOT=$T0 run
t "EXMEMSTAT_ROOT alone still selects the tree" \
	eval '[ "$rc" = 0 ] && grep -q "1024.0 MiB total" <<<"$out"'
t "exmemstat(8) has an ENVIRONMENT section naming EXMEMSTAT_ROOT" \
	eval 'sed -n "/^\.SH ENVIRONMENT/,/^\.SH /p" tools/exmemstat/exmemstat.8 |
	      grep -q "EXMEMSTAT_ROOT"'

# 15. A device state longer than the column is printed whole; the column
# grows for every row of the table (the health column stays aligned), and
# keeps its width of 8 for the kernel's states (tests/guest/cxl_health.c
# matches " offline  offline   drained ").
mutate longstate
echo online-but-going-offline >"$D/longstate/$DEV/dax1.0/state"
run --root "$D/longstate" -d
t "long state: printed whole in the device table" \
	grep -qE '^dax1\.0 .* online-but-going-offline degraded +correctable-errors ' <<<"$out"
t "long state: the column grows for every row (health aligned)" \
	test "$(awk '{ print index($0, " ok ") + index($0, " degraded ") + index($0, " health ") }' <<<"$out" |
		sort -u | wc -l)" = 1
run --root "$D/longstate" --json
t "long state: whole in JSON" grep -qF '"state":"online-but-going-offline"' <<<"$out"
run --root "$T0" -d
t "kernel states: the state column is 8 wide, as the guest tests read it" \
	grep -qE '^dax0\.0 .* 12 online   ok        none ' <<<"$out"

# 16. Free memory above the total is malformed (exit 3, file and line),
# beyond what the kernel's per-CPU counter drift can show (125 pages per
# CPU and zone: free pages are a vmstat counter, the total is not).
mutate mi-freegt
sed -i 's/^ExMemFree:.*/ExMemFree:       100000000 kB/' "$D/mi-freegt/proc/meminfo"
run --root "$D/mi-freegt"
t "strict: ExMemFree above ExMemTotal: exit 3, file and line named" \
	expect_text 3 "mi-freegt/proc/meminfo:4: ExMemFree: 100000000 kB is more than ExMemTotal (1048576 kB)"
t "strict: ExMemFree above ExMemTotal: no made-up output" test -z "$out"
mutate zi-freegt
sed -i 's/pages free     225000/pages free     2621440/' "$D/zi-freegt/proc/zoneinfo"
run --root "$D/zi-freegt" --json
t "strict: zone pages free above managed: exit 3, file and line named" \
	expect_text 3 "zi-freegt/proc/zoneinfo:35: node 1 ExMem pages free: 2621440 is more than managed (262144)"
t "strict: zone pages free above managed: no made-up output" test -z "$out"
mutate drift
sed -i 's/^ExMemFree:.*/ExMemFree:       1048580 kB/' "$D/drift/proc/meminfo"
sed -i 's/pages free     225000/pages free     262145/' "$D/drift/proc/zoneinfo"
run --root "$D/drift"
t "per-CPU counter drift (free a page above the total) is no error" test "$rc" = 0
run --root "$F/none-online"
t "nothing online: free 0 of 0 is fine" test "$rc" = 0

# 17. No fixed limit on the number of devices: 69 (more than the 64 that
# was the limit), in numeric order, in every output mode.
mutate many
for n in $(seq 2 68); do
	cp -a "$D/many/$DEV/dax1.0" "$D/many/$DEV/dax$n.0"
done
run --root "$D/many" -d
t "69 devices: exit 0, 69 rows, dax68.0 last" \
	eval '[ "$rc" = 0 ] && [ "$(grep -c "^dax" <<<"$out")" = 69 ] &&
	      tail -1 <<<"$out" | grep -q "^dax68\.0 "'
run --root "$D/many:$D/many" --json 0.1 2
t "69 devices: JSON, two samples" python3 -c '
import json, sys
for line in sys.argv[1].splitlines():
    assert len(json.loads(line)["devices"]) == 69
assert len(sys.argv[1].splitlines()) == 2
' "$out"
run --root "$D/many" --prometheus
t "69 devices: Prometheus" \
	test "$rc" = 0 -a "$(grep -c '^exmem_device_up{' <<<"$out")" = 69

ktap_finished
