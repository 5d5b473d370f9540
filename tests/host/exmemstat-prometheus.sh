#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# exmemstat --prometheus read by a real parser: Debian's
# python3-prometheus-client (tests/host/lib/prom_check.py) checks the text
# exposition format and the naming rules (units in names, _total for
# counters only, HELP and TYPE for every family, one label set per family,
# health as a state set) on every fixture and on mutated copies, and that a
# change of state, health or node keeps every series' identity. Then
# --output FILE: written atomically (a temporary file renamed over FILE),
# and on any error FILE is left as it was, with no temporary file left
# behind and the documented exit status. TAP with a plan.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/host/lib/ktap.sh
. tests/host/lib/ktap.sh
ktap_print_header
make -s -C tools/exmemstat exmemstat-asan ||
	ktap_exit_fail_msg "cannot build tools/exmemstat/exmemstat-asan"
# Debian's python3, which sees Debian's python3-prometheus-client.
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client' ||
	ktap_exit_fail_msg "no python3-prometheus-client for $PY (make deps)"
ktap_set_plan 51

CHECK=$PWD/tests/host/lib/prom_check.py
umask 022
# BIN, F, T0, DEV, $D, run and mutate.
# shellcheck source=tests/host/lib/exmemstat.sh
. tests/host/lib/exmemstat.sh

# valid ARGS...: exit 0, and the output passes prom_check.py ARGS.
valid() {
	[ "$rc" = 0 ] || { echo "exit status $rc"; return 1; }
	"$PY" "$CHECK" "$@" <<<"$out"
}

# invalid: prom_check.py rejects standard input (a negative control).
invalid() {
	if "$PY" "$CHECK" >"$D/why"; then
		echo "prom_check.py accepted it"
		return 1
	fi
	[ -s "$D/why" ]
}

# 1. Every fixture: valid, with the values the fixture holds.
run --root "$T0" --prometheus
t0=$out
printf '%s\n' "$t0" >"$D/t0.prom"
ktap_t "two-devices-t0: valid, 24 families, values" valid \
	'exmem_total_bytes 1073741824' 'exmem_free_bytes 921600000' \
	'exmem_node_total_bytes{node="1"} 1073741824' \
	'exmem_node_free_bytes{node="1"} 921600000' \
	'exmem_node_pinned_pages{node="1"} 12' \
	'exmem_node_zswap_bytes{node="1"} 12288' \
	'exmem_device_info{device="dax0.0",node="1"} 1' \
	'exmem_device_capacity_bytes{device="dax1.0"} 536870912' \
	'exmem_device_free_bytes{device="dax1.0"} 520000000' \
	'exmem_device_pinned_pages{device="dax0.0"} 12' \
	'exmem_device_errors_total{device="dax1.0"} 3' \
	'exmem_device_up{device="dax0.0"} 1' \
	'exmem_alloc_pages_total 10000' 'exmem_alloc_fallback_pages_total 500' \
	'exmem_pin_inplace_total 7' 'exmem_offline_pinned_refused_total 1' \
	'exmem_map_refused_total 4'
ktap_t "two-devices-t0: health is a state set of four per device" valid \
	'exmem_device_health{device="dax0.0",state="ok"} 1' \
	'exmem_device_health{device="dax0.0",state="degraded"} 0' \
	'exmem_device_health{device="dax0.0",state="failing"} 0' \
	'exmem_device_health{device="dax0.0",state="offline"} 0' \
	'exmem_device_health{device="dax1.0",state="ok"} 0' \
	'exmem_device_health{device="dax1.0",state="degraded"} 1' \
	'exmem_device_health{device="dax1.0",state="failing"} 0' \
	'exmem_device_health{device="dax1.0",state="offline"} 0'
ktap_t "two-devices-t0: every family has HELP and TYPE, counters end in _total" \
	test "$(grep -c '^# HELP ' <<<"$t0")" = 24 \
	-a "$(grep -c '^# TYPE ' <<<"$t0")" = 24 \
	-a "$(grep '^# TYPE .* counter$' <<<"$t0" | grep -vc '_total counter$')" = 0 \
	-a "$(grep '^# TYPE .* gauge$' <<<"$t0" | grep -c '_total gauge$')" = 0
run --root "$F/two-devices-t1" --prometheus
ktap_t "two-devices-t1: valid, the same series as t0" valid \
	--same-series="$D/t0.prom" 'exmem_alloc_pages_total 12000' \
	'exmem_device_pinned_pages{device="dax0.0"} 14'
run --root "$F/two-devices-64k" --prometheus
ktap_t "two-devices-64k: valid, bytes from 64 KiB pages" valid \
	--same-series="$D/t0.prom" 'exmem_node_total_bytes{node="1"} 1073741824'
run --root "$F/none-online" --prometheus
ktap_t "none-online: valid, every family with HELP and TYPE, no node or device" \
	valid 'exmem_total_bytes 0'
ktap_t "none-online: no node or device series" \
	test -z "$(grep -E '^exmem_(node|device)_' <<<"$out")"

# 2. A series keeps its identity: state, health and node are values (or,
# for the node, exmem_device_info's label), never labels of the others.
mutate down
echo offline >"$D/down/$DEV/dax1.0/state"
echo 0 >"$D/down/$DEV/dax1.0/online_bytes"
echo offline >"$D/down/$DEV/dax1.0/health"
run --root "$D/down" --prometheus
ktap_t "device offline: up 0, health offline, the same series" valid \
	--same-series="$D/t0.prom" 'exmem_device_up{device="dax1.0"} 0' \
	'exmem_device_health{device="dax1.0",state="offline"} 1' \
	'exmem_device_health{device="dax1.0",state="degraded"} 0' \
	'exmem_device_online_bytes{device="dax1.0"} 0'
for h in failing ok; do
	mutate "health-$h"
	echo "$h" >"$D/health-$h/$DEV/dax1.0/health"
	run --root "$D/health-$h" --prometheus
	ktap_t "health $h: its state at 1, the others 0, the same series" valid \
		--same-series="$D/t0.prom" \
		"exmem_device_health{device=\"dax1.0\",state=\"$h\"} 1" \
		'exmem_device_health{device="dax1.0",state="degraded"} 0'
done
mutate moved
echo 2 >"$D/moved/$DEV/dax1.0/node"
run --root "$D/moved" --prometheus
ktap_t "device on another node: only exmem_device_info says so" valid \
	--same-series="$D/t0.prom" 'exmem_device_info{device="dax1.0",node="2"} 1'
mutate no-node
rm "$D/no-node/$DEV/dax0.0/node"
run --root "$D/no-node" --prometheus
ktap_t "node not reported: exmem_device_info has an empty node" valid \
	--same-series="$D/t0.prom" 'exmem_device_info{device="dax0.0",node=""} 1'
mutate weird
echo rebooting >"$D/weird/$DEV/dax1.0/health"
run --root "$D/weird" --prometheus
ktap_t "a health state exmemstat does not know: all four 0" valid \
	--same-series="$D/t0.prom" \
	'exmem_device_health{device="dax1.0",state="ok"} 0' \
	'exmem_device_health{device="dax1.0",state="degraded"} 0' \
	'exmem_device_health{device="dax1.0",state="failing"} 0' \
	'exmem_device_health{device="dax1.0",state="offline"} 0'
mutate no-health
rm "$D/no-health/$DEV/dax1.0/health"
run --root "$D/no-health" --prometheus
ktap_t "health not reported: no health series for that device" valid \
	'exmem_device_up{device="dax1.0"} 1'
ktap_t "health not reported: the other device keeps its four" test \
	"$(grep -c '^exmem_device_health{device="dax0.0",' <<<"$out")" = 4 -a \
	"$(grep -c '^exmem_device_health{device="dax1.0",' <<<"$out")" = 0
mutate no-counter
sed -i '/^exmem_zswpout_refused /d' "$D/no-counter/proc/vmstat"
run --root "$D/no-counter" --prometheus
ktap_t "a counter the kernel lacks: HELP and TYPE, no sample" valid
ktap_t "a counter the kernel lacks: no exmem_zswpout_refused_pages_total sample" \
	test "$(grep -c '^exmem_zswpout_refused_pages_total' <<<"$out")" = 0
mutate quote
mv "$D/quote/$DEV/dax1.0" "$D/quote/$DEV/da\"x\\1"
run --root "$D/quote" --prometheus
ktap_t 'a device named da"x\1: escaped, parsed back' valid \
	'exmem_device_up{device="da\"x\\1"} 1' \
	'exmem_device_health{device="da\"x\\1",state="degraded"} 1'
mutate gone
rm -rf "$D/gone/$DEV/dax1.0"
run --root "$D/gone" --prometheus
ktap_t "a device gone: valid, in no family" valid \
	'exmem_device_up{device="dax0.0"} 1'
ktap_t "a device gone: no dax1.0 series" \
	test "$(grep -c 'device="dax1.0"' <<<"$out")" = 0

# 3. The checker is not vacuous: each defect of the old output, and each
# breach of the format, is rejected.
while IFS='|' read -r what edit; do
	ktap_t "prom_check rejects: $what" invalid < <(sed -E "$edit" <<<"$t0")
done <<'EOF'
a counter typed gauge|s/^# TYPE exmem_device_errors_total counter$/# TYPE exmem_device_errors_total gauge/
a counter without _total|s/exmem_device_errors_total/exmem_device_errors/
a name without its unit|s/exmem_node_pinned_pages/exmem_node_pinned/
health as one series labelled health|/^exmem_device_health.*\} 0$/d; s/state=/health=/
a state set missing a state|/^exmem_device_health\{device="dax0.0",state="failing"\}/d
a state set with two states at 1|s/^(exmem_device_health\{device="dax0.0",state="failing"\}) 0$/\1 1/
a changing label on exmem_device_up|s/^exmem_device_up\{device="dax1.0"\}/exmem_device_up{device="dax1.0",state="online"}/
a family without HELP|/^# HELP exmem_free_bytes /d
a family without TYPE|/^# TYPE exmem_free_bytes /d
a family split in two|/^exmem_total_bytes /d; $a exmem_total_bytes 1
a sample that is not a number|s/^exmem_free_bytes .*/exmem_free_bytes lots/
a family missing|/^(# [A-Z]+ )?exmem_map_refused_total/d
EOF

# 4. --output FILE: atomic replacement.
OUT=$D/textfile/exmem.prom
mkdir "$D/textfile"
# leftovers: files in the textfile directory other than exmem.prom.
leftovers() { find "$D/textfile" -mindepth 1 ! -name exmem.prom | wc -l; }
run --root "$T0" --prometheus --output "$OUT"
ktap_t "--output: exit 0, nothing on stdout or stderr" \
	test "$rc" = 0 -a -z "$out" -a -z "$err"
ktap_t "--output: the file holds what stdout would, valid" \
	cmp -s "$OUT" "$D/t0.prom"
ktap_t "--output: mode 0644 (0666 less the umask 022), no temporary file left" \
	test "$(stat -c %a "$OUT")" = 644 -a "$(leftovers)" = 0
exec 3<"$OUT"
inode=$(stat -c %i "$OUT")
run --root "$F/two-devices-t1" --prometheus --output "$OUT"
ktap_t "--output again: a new file renamed over the old one (new inode)" \
	test "$rc" = 0 -a "$(stat -c %i "$OUT")" != "$inode"
ktap_t "--output again: a reader of the old file still reads it whole" \
	cmp -s /dev/fd/3 "$D/t0.prom"
exec 3<&-
ktap_t "--output again: the new sample" grep -q '^exmem_alloc_pages_total 12000$' "$OUT"
cp "$OUT" "$D/before.prom"

# unchanged [STATUS]: exmemstat exited STATUS (if given), $OUT is as it was
# before, and no temporary file is left.
unchanged() {
	[ -z "${1-}" ] || [ "$rc" = "$1" ] || return 1
	cmp -s "$OUT" "$D/before.prom" && [ "$(leftovers)" = 0 ]
}
(
	trap '' XFSZ		# EFBIG from write(), not the signal
	ulimit -f 1		# 1 KiB: the exposition is larger
	exec "$BIN" --root "$T0" --prometheus --output "$OUT"
) >/dev/null 2>"$D/err"
rc=$?
err=$(cat "$D/err")
ktap_t "--output, the write fails (file size limit): exit 4, the file named" \
	test "$rc" = 4 -a "$err" = "exmemstat: write error: $OUT: File too large"
ktap_t "--output, the write fails: the file unchanged, no temporary file" unchanged
mutate zi-bad
sed -i 's/managed  262144$/managed  262144xyz/' "$D/zi-bad/proc/zoneinfo"
run --root "$D/zi-bad" --prometheus --output "$OUT"
ktap_t "--output, a malformed kernel file: exit 3, the file unchanged" \
	unchanged 3
run --root "$F/no-exmem" --prometheus --output "$OUT"
ktap_t "--output, no ZONE_EXMEM: exit 2, the file unchanged" \
	unchanged 2
run --root "$T0" --prometheus --output "$D/no-such-dir/exmem.prom"
ktap_t "--output into a missing directory: exit 4, the file named" \
	test "$rc" = 4 -a "$err" = \
	"exmemstat: write error: $D/no-such-dir/exmem.prom: No such file or directory"
mkdir "$D/textfile/dir.prom"
run --root "$T0" --prometheus --output "$D/textfile/dir.prom"
ktap_t "--output onto a directory: exit 4, no temporary file left" \
	test "$rc" = 4 -a -d "$D/textfile/dir.prom" -a "$(leftovers)" = 1
rmdir "$D/textfile/dir.prom"
for args in "0.1 2" "-w" "--output=" "-P 1"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run --root "$T0" --prometheus --output "$OUT" $args
	ktap_t "--output and '$args': usage error (exit 1), the file unchanged" \
		unchanged 1
done
run --root "$T0" --json --output "$D/textfile/exmem.json"
ktap_t "--output --json: one JSON object in the file" \
	"$PY" -c 'import json, sys; assert json.load(open(sys.argv[1]))["version"] == 1' \
	"$D/textfile/exmem.json"
rm -f "$D/textfile/exmem.json"

# 5. The systemd units: they parse, and the service writes the textfile
# collector's file with --output.
U=tools/exmemstat
ktap_t "exmemstat-textfile.service runs exmemstat --prometheus --output" \
	grep -qx 'ExecStart=/usr/bin/exmemstat --prometheus --output /var/lib/prometheus/node-exporter/exmem.prom' \
	"$U/exmemstat-textfile.service"
if command -v systemd-analyze >/dev/null; then
	mkdir "$D/units"
	sed "s|/usr/bin/exmemstat|$BIN|" "$U/exmemstat-textfile.service" \
		>"$D/units/exmemstat-textfile.service"
	cp "$U/exmemstat-textfile.timer" "$D/units/"
	ktap_t "systemd-analyze verify: the service and the timer" \
		systemd-analyze verify --man=no "$D/units/exmemstat-textfile.service" \
		"$D/units/exmemstat-textfile.timer"
else
	ktap_test_skip "systemd-analyze verify: no systemd-analyze"
fi

ktap_finished
