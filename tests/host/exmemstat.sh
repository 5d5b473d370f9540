#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests of exmemstat on fixture trees, built with ASan and UBSan
# (tools/exmemstat/tests/run.sh), then the behaviours of exmemstat(8) that
# administrators rely on, on mutated copies of the fixtures: strict parsing
# (file and line named, exit 3), exit 2 only for a valid meminfo without
# ExMem, hot-unplug between samples, vmstat-like interval and count, write
# errors (exit 4) in every output mode, and the kernel's page size.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
make -s -C tools/exmemstat check || exit 1

BIN=$PWD/tools/exmemstat/exmemstat-asan
F=$PWD/tools/exmemstat/tests/fixtures
T0=$F/two-devices-t0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
failed=0
n=0

# t NAME COMMAND...: one result; the command's status decides.
t() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		printf '#   rc=%s stderr: %s\n' "$rc" "$err"
	fi
}

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

# expect STATUS REGEX: the status, and stderr matching REGEX.
expect() { [ "$rc" = "$1" ] && grep -qE -- "$2" <<<"$err"; }
# expect_text STATUS TEXT: the status, and stderr containing TEXT.
expect_text() { [ "$rc" = "$1" ] && grep -qF -- "$2" <<<"$err"; }

# mutate NAME: a fresh copy of two-devices-t0 in $D/NAME.
mutate() {
	rm -rf "${D:?}/$1"
	cp -a "$T0" "$D/$1"
}

DEV=sys/kernel/mm/exmem/devices

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

echo "exmemstat host: $n tests, $failed failed"
[ "$failed" = 0 ]
