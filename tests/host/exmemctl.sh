#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of exmemctl (tools/exmemctl), on this host's kernel: numactl's
# option forms (-i/--interleave NODES with a required argument, -m/--membind,
# -N/--cpunodebind, -s/--show), env(1)'s exit statuses (126 found but not
# executable, 127 not found, else the program's own), and --normal on a
# kernel without ExMem running the program. The policy a program gets is
# read back with "exmemctl ... -- exmemctl --show" (get_mempolicy). TAP
# with a plan (tests/host/lib/ktap.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/host/lib/ktap.sh
. tests/host/lib/ktap.sh
ktap_print_header
make -s -C tools/exmemctl || ktap_exit_fail_msg "cannot build tools/exmemctl/exmemctl"

BIN=$PWD/tools/exmemctl/exmemctl
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# t NAME COMMAND...: one result (ktap_t, with the program's output on failure).
t() { ktap_t "$@"; }

# run ARGS...: exmemctl ARGS; stdout in $out, stderr in $err, status in $rc.
run() { ktap_run "$BIN" "$@"; }

expect() { [ "$rc" = "$1" ] && grep -qE -- "$2" <<<"$err"; }
# shows STATUS LINE...: the status, and each line in --show's output.
shows() {
	local l
	[ "$rc" = "$1" ] || return 1
	shift
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$out" || return 1
	done
}

if [ -e /proc/sys/vm/exmem_user_default ]; then
	exmem=yes
	zone=--exmem
else
	exmem=no
	zone=--normal
fi
# 57 results, then 4 on a kernel without ExMem or 1 on one with it.
if [ "$exmem" = no ]; then
	ktap_set_plan 61
else
	ktap_set_plan 58
fi

# --show on its own: the inherited (default) policy, no program.
for s in --show -s; do
	run "$s"
	t "$s: exit 0, policy, zone and ExMem support" \
		shows 0 "policy: default" "zone: any" "exmem: $exmem"
done
run --show true
t "--show takes no program: exit 1" expect 1 "--show takes no program"
"$BIN" --show >/dev/full 2>"$D/err"
rc=$?
err=$(cat "$D/err")
t "--show >/dev/full: write error, exit 1" expect 1 "write error"

# numactl's forms: the NODES argument is required and separate or attached.
for form in "-i 0" "-i0" "--interleave 0" "--interleave=0" "--interl=0"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run $zone $form true
	t "'$zone $form true' runs true (exit 0)" test "$rc" = 0 -a -z "$err"
	# shellcheck disable=SC2086
	run $zone $form -- "$BIN" --show
	t "'$zone $form' installs interleave on node 0" \
		shows 0 "policy: interleave" "nodes: 0"
done
for form in "-m 0" "-m0" "--membind 0" "--membind=0" "-b 0" "--bind=0"; do
	# shellcheck disable=SC2086
	run --normal $form -- "$BIN" --show
	t "'--normal $form' installs bind on node 0" shows 0 "policy: bind" "nodes: 0"
done
for form in "-N 0" "--cpunodebind=0" "--cpunodebind 0"; do
	# shellcheck disable=SC2086
	run --normal $form -- "$BIN" --show
	t "'--normal $form' runs on node 0's CPUs" shows 0 "cpunodebind: 0"
done
# Weighted interleave needs Linux 6.9; an older kernel refuses it (exit 1).
for form in "-w 0" "--weighted-interleave=0" "--weighted 0"; do
	# shellcheck disable=SC2086
	run --normal $form -- "$BIN" --show
	t "'--normal $form' installs weighted interleave on node 0" eval \
		'shows 0 "policy: weighted-interleave" "nodes: 0" ||
		 expect 1 "set_mempolicy"'
done
run --normal -i 0 -m 0 true
t "two policies: exit 1" expect 1 "only one policy option"

# A missing NODES is a usage error, never a program named "--" or "0".
for form in "-i" "--interleave" "-m" "--membind" "-N" "--cpunodebind" "-w"; do
	# shellcheck disable=SC2086
	run --normal $form
	t "'--normal $form' (no NODES): exit 1" expect 1 "requires an argument"
	# shellcheck disable=SC2086
	run --normal $form -- true
	t "'--normal $form -- true' (no NODES): exit 1, says NODES is needed" \
		expect 1 "'--' is not a node list; the option needs NODES"
done
run --normal --interleave=nonsense true
t "bad node list: exit 1" expect 1 "invalid node list 'nonsense'"

# env(1)'s exit statuses.
: >"$D/not-executable"
chmod 0644 "$D/not-executable"
run --normal -- "$D/not-executable"
t "found but not executable: exit 126" expect 126 "Permission denied"
run --normal -- "$D"
t "a directory: exit 126" expect 126 "$D: Permission denied"
run --normal -- "$D/nonexistent"
t "not found (path): exit 127" expect 127 "No such file or directory"
run --normal -- exmemctl-no-such-command
t "not found (PATH search): exit 127" expect 127 "No such file or directory"
run --normal -- sh -c 'exit 42'
t "the program's own status passes through (42)" test "$rc" = 42
run --normal -- sh -c 'kill -TERM $$'
t "a program killed by SIGTERM: 143, as the shell reports it" test "$rc" = 143
run --normal -- sh -c 'echo "$0 $1"' a b
t "arguments after PROGRAM are the program's" test "$rc" = 0 -a "$out" = "a b"

# Usage errors.
run -- true
t "no zone: exit 1" expect 1 "one of --exmem or --normal is required"
run --exmem --normal -- true
t "both zones: exit 1" expect 1 "exclude each other"
run --normal
t "no program: exit 1" expect 1 "no program to run"
run --bogus -- true
t "unknown option: exit 1" expect 1 "unrecognized option"
run --help
t "--help: exit 0, numactl's forms" \
	test "$rc" = 0 -a -n "$(grep -e '--interleave=NODES' <<<"$out")"
"$BIN" --help >/dev/full 2>"$D/err"
rc=$?
err=$(cat "$D/err")
t "--help >/dev/full: exit 1" expect 1 "write error"

# A kernel without ExMem: --normal runs the program, --exmem is exit 2.
if [ "$exmem" = no ]; then
	run --normal -- sh -c 'echo ran'
	t "no ExMem: --normal runs the program" test "$rc" = 0 -a "$out" = ran
	run --normal -i 0 -- "$BIN" --show
	t "no ExMem: --normal keeps the NUMA policy, without a zone flag" \
		shows 0 "policy: interleave" "zone: any"
	run --exmem -- true
	t "no ExMem: --exmem is exit 2" expect 2 "this kernel has no ZONE_EXMEM"
	run --exmem --show
	t "no ExMem: --exmem --show is exit 2" expect 2 "no ZONE_EXMEM"
else
	run --exmem -- "$BIN" --show
	t "ExMem: --exmem is shown as zone exmem" shows 0 "zone: exmem"
fi

# exmemctl(8) says what it reads: the environment (PATH) and its files.
for sec in ENVIRONMENT FILES; do
	t "exmemctl(8): section $sec" grep -q "^\.SH $sec\$" tools/exmemctl/exmemctl.8
done

ktap_finished
