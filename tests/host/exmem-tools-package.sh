#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the tools' installation and package (issue 24, point 7):
# "make install" (PREFIX, DESTDIR) of exmemstat and exmemctl puts the
# binaries, man pages (section 8), bash completion, exmemstat's systemd
# units (any *.service/*.timer, pointed at the installed binary) and
# exmem/exmem_detect.h in place; the exmem-tools .deb (make deb:
# tools/packaging/mkdeb.sh) unpacks into a scratch root with dpkg -x and
# installs there with dpkg --root, and both tools run from it. Then
# exmemstat -P PID (the per-process view) on fixture trees: RssExMem from
# /proc/PID/status, the numa_maps fallback, and its errors.
# Everything is built from a copy of tools/, so the working tree's builds
# are not touched. TAP with a plan (tests/host/lib/ktap.sh).

# shellcheck disable=SC2016 # the eval and bash -c strings expand when run
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/host/lib/ktap.sh
. tests/host/lib/ktap.sh
ktap_print_header
# 54 results, and one more (-P on this host is exit 2) without ExMem.
if [ ! -e /proc/sys/vm/exmem_user_default ]; then
	ktap_set_plan 55
else
	ktap_set_plan 54
fi

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# t NAME COMMAND...: one result (ktap_t, with the program's output on failure).
t() { ktap_t "$@"; }

# run CMD...: stdout in $out, stderr in $err, status in $rc.
run() { ktap_run -t 120 "$@"; }

# 1. make install, with a unit of each kind beside exmemstat (the real
# ones, if any, come along with the copy).
mkdir -p "$D/src"
cp -a tools/exmemstat tools/exmemctl tools/include "$D/src/"
printf '[Service]\nType=oneshot\nExecStart=/usr/local/bin/exmemstat --prometheus\n' \
	>"$D/src/exmemstat/zz-test.service"
printf '[Timer]\nOnCalendar=minutely\n' >"$D/src/exmemstat/zz-test.timer"
I=$D/inst
for tool in exmemstat exmemctl; do
	make -s -C "$D/src/$tool" clean
	run make -s -C "$D/src/$tool" install DESTDIR="$I" PREFIX=/opt/exmem
	t "make install ($tool, PREFIX=/opt/exmem, DESTDIR): exit 0" test "$rc" = 0
done
P=$I/opt/exmem
for f in bin/exmemstat bin/exmemctl; do
	t "installed $f, executable" test -x "$P/$f"
done
for f in share/man/man8/exmemstat.8 share/man/man8/exmemctl.8 \
	share/bash-completion/completions/exmemstat \
	share/bash-completion/completions/exmemctl \
	include/exmem/exmem_detect.h lib/systemd/system/zz-test.service \
	lib/systemd/system/zz-test.timer; do
	t "installed $f, mode 0644" test "$(stat -c %a "$P/$f" 2>/dev/null)" = 644
done
t "every unit in tools/exmemstat is installed" bash -c '
	cd tools/exmemstat && for u in *.service *.timer; do
		[ -e "$u" ] || continue
		[ -f "$1/lib/systemd/system/$u" ] || exit 1
	done' _ "$P"
t "units run the installed binary (PREFIX's bindir)" \
	grep -qx 'ExecStart=/opt/exmem/bin/exmemstat --prometheus' "$P/lib/systemd/system/zz-test.service"
for tool in exmemstat exmemctl; do
	run man -l "$P/share/man/man8/$tool.8"
	t "man page $tool.8 renders" test "$rc" = 0 -a -n "$out"
done
for tool in exmemstat exmemctl; do
	run make -s -C "$D/src/$tool" uninstall DESTDIR="$I" PREFIX=/opt/exmem
done
t "make uninstall removes every file" test -z "$(find "$I" -type f)"

# Bash completion: options from --help, node lists, the program after --.
run env PATH="$D/src/exmemctl:$D/src/exmemstat:$PATH" bash -c '
	source tools/exmemctl/exmemctl.bash-completion
	COMP_WORDS=(exmemctl --che); COMP_CWORD=1; _exmemctl; echo "${COMPREPLY[*]}"
	COMP_WORDS=(exmemctl --interleave al); COMP_CWORD=2; _exmemctl; echo "${COMPREPLY[*]}"
	source tools/exmemstat/exmemstat.bash-completion
	COMP_WORDS=(exmemstat --pi); COMP_CWORD=1; _exmemstat; echo "${COMPREPLY[*]}"'
t "bash completion: exmemctl --che -> --check, -i al -> all, exmemstat --pi -> --pid" \
	test "$out" = $'--check\nall\n--pid'

# 2. The package: build, inspect, unpack into a scratch root, install there.
run bash tools/packaging/mkdeb.sh "$D/deb"
deb=$out
t "make deb (tools/packaging/mkdeb.sh): exit 0, a .deb" test "$rc" = 0 -a -f "$deb"
run dpkg-deb -f "$deb" Package Architecture Depends
t "package exmem-tools, this architecture, shared-library Depends" \
	eval 'grep -qx "Package: exmem-tools" <<<"$out" &&
	      grep -qx "Architecture: $(dpkg --print-architecture)" <<<"$out" &&
	      grep -q "^Depends: .*libc6.*libjson-c" <<<"$out"'
run dpkg-deb -c "$deb"
for f in ./usr/bin/exmemstat ./usr/bin/exmemctl ./usr/share/man/man8/exmemstat.8.gz \
	./usr/share/man/man8/exmemctl.8.gz ./usr/share/bash-completion/completions/exmemstat \
	./usr/share/bash-completion/completions/exmemctl ./usr/include/exmem/exmem_detect.h \
	./usr/share/doc/exmem-tools/copyright; do
	t "package holds $f" grep -q " $f\$" <<<"$out"
done
t "package holds the systemd units of tools/exmemstat" bash -c '
	cd tools/exmemstat && for u in *.service *.timer; do
		[ -e "$u" ] || continue
		grep -q " ./lib/systemd/system/$u\$" <<<"$1" || exit 1
	done' _ "$out"
X=$D/x
run dpkg -x "$deb" "$X"
t "dpkg -x into a scratch root: exit 0" test "$rc" = 0
for tool in exmemstat exmemctl; do
	run "$X/usr/bin/$tool" --help
	t "$tool --help from the scratch root: exit 0" test "$rc" = 0 -a -n "$out"
done
R=$D/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
# The scratch root has no libc6 package: only the dependency check is
# forced; the binaries use the host's libraries.
run dpkg --root="$R" --force-depends --force-not-root --log=/dev/null -i "$deb"
t "dpkg --root -i into a scratch root: exit 0" test "$rc" = 0
run dpkg --root="$R" -s exmem-tools
t "dpkg --root: exmem-tools installed" grep -qx "Status: install ok installed" <<<"$out"
for tool in exmemstat exmemctl; do
	run "$R/usr/bin/$tool" --help
	t "$tool --help from the dpkg --root install: exit 0" test "$rc" = 0 -a -n "$out"
done
run "$R/usr/bin/exmemctl" --check
t "the installed exmemctl --check answers (0, 2 or 3)" eval '[[ $rc =~ ^[023]$ ]] && grep -q "^exmem: " <<<"$out"'

# 3. exmemstat -P PID on fixture trees (two-devices-t0: ExMem on nodes 0, 1).
BIN=$D/src/exmemstat/exmemstat
make -s -C "$D/src/exmemstat" exmemstat
F=$PWD/tools/exmemstat/tests/fixtures
T=$D/pid
cp -a "$F/two-devices-t0" "$T"
mkdir -p "$T/proc/4242" "$T/proc/4243" "$T/proc/2" "$T/proc/77" "$T/proc/88"
printf 'Name:\tstress-ng\nUmask:\t0022\nVmRSS:\t  131072 kB\nRssAnon:\t  131072 kB\nRssExMem:\t   98304 kB\n' \
	>"$T/proc/4242/status"
printf 'Name:\tbash\nVmRSS:\t    4096 kB\nRssExMem:\t       0 kB\n' >"$T/proc/4243/status"
printf 'Name:\tkthreadd\nRssExMem:\t       0 kB\n' >"$T/proc/2/status"
# A kernel with ExMem but without RssExMem: numa_maps pages on node 1 (the
# fixture's ExMem node) count, on nodes 0 and 2 (no ExMem zone with
# memory) not; a 2 MiB THP line counts 2 MiB.
printf 'Name:\told\nVmRSS:\t   10240 kB\n' >"$T/proc/77/status"
printf '%s\n' '00400000 default file=/bin/old mapped=4 N2=4 kernelpagesize_kB=4' \
	'7f0000000000 default anon=100 dirty=100 N1=80 N2=20 kernelpagesize_kB=4' \
	'7f1000000000 bind=exmem:0-1 anon=1280 N0=256 N1=1024 kernelpagesize_kB=4' \
	'7f2000000000 default anon=512 N1=1 kernelpagesize_kB=2048' >"$T/proc/77/numa_maps"
printf 'Name:\tbad\nVmRSS:\t   10240 kB\nRssExMem:\t 12x kB\n' >"$T/proc/88/status"

run "$BIN" --root "$T" -P 4242,4243 -P 2
t "-P: exit 0, a header and a row per PID" test "$rc" = 0 -a "$(wc -l <<<"$out")" = 4
t "-P: RssExMem and VmRSS from status, in MiB, with the share" \
	grep -qE '^4242 +128\.0 +96\.0 +75\.0 status +stress-ng$' <<<"$out"
t "-P: a process with no ExMem" grep -qE '^4243 +4\.0 +0\.0 +0\.0 status +bash$' <<<"$out"
t "-P: a kernel thread (no VmRSS): share '-'" grep -qE '^2 +0\.0 +0\.0 +- status +kthreadd$' <<<"$out"
t "-P: the header" grep -qE '^pid +rss_MiB +exmem_MiB +exmem% +source +command$' <<<"$out"
run "$BIN" --root "$T" --pid=77
# (80 + 1024) 4 KiB pages + one 2 MiB page = 4416 + 2048 kB = 6464 kB.
t "-P without RssExMem: numa_maps pages on ExMem nodes, by page size" \
	grep -qE '^77 +10\.0 +6\.3 +63\.1 numa_maps +old$' <<<"$out"
run "$BIN" --root "$T" -P 99999
t "-P: no such process: exit 3, the file named" \
	eval '[ "$rc" = 3 ] && grep -q "proc/99999/status: No such file or directory (no such process)" <<<"$err"'
run "$BIN" --root "$T" -P 88
t "-P: a malformed RssExMem: exit 3, file and line" \
	eval '[ "$rc" = 3 ] && grep -qF "proc/88/status:3: '"'"'RssExMem:	 12x kB'"'"' is not" <<<"$err"'
run "$BIN" --root "$F/no-exmem" -P 1
t "-P on a kernel without ZONE_EXMEM (fixture): exit 2" \
	eval '[ "$rc" = 2 ] && grep -q "no ZONE_EXMEM" <<<"$err"'
if [ ! -e /proc/sys/vm/exmem_user_default ]; then
	run "$BIN" -P $$
	t "-P on this host (no ZONE_EXMEM): exit 2" test "$rc" = 2
fi
for bad in abc 0 -1 1,,2 1x 99999999999; do
	run "$BIN" --root "$T" -P "$bad"
	t "-P '$bad': usage error, exit 1" test "$rc" = 1
done
run "$BIN" --root "$T" -P 4242 1
t "-P with an interval: exit 1" \
	eval 'expr "$rc:$err" : "1:.*--pid takes no interval" >/dev/null'
run "$BIN" --root "$T" -P 4242 --json
t "-P with --json: exit 1" test "$rc" = 1
"$BIN" --root "$T" -P 4242 >/dev/full 2>"$D/err"
rc=$? err=$(cat "$D/err")
t "-P >/dev/full: write error, exit 4" test "$rc" = 4

ktap_finished
