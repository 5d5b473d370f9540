# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# TAP for the host tests of the tools, from kselftest's ktap_helpers.sh in
# the pristine kernel tree (KSRC, default build/pristine, which make check
# extracts): a "TAP version 13" header, a plan set before the first result,
# "ok N name" / "not ok N name" and the totals; ktap_finished exits 0 only
# when every planned result passed. scripts/check.sh runs a test that
# sources this file under prove(1), which also fails it on a plan it did not
# keep or a non-zero exit status.
#
#   . "$REPO/tests/host/lib/ktap.sh"
#   ktap_print_header
#   ktap_set_plan 3
#   ktap_t NAME COMMAND...     one result: the command's exit status
#   ktap_run [-t SECS] CMD...  run the program under test ($out $err $rc)
#   ktap_finished
KTAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
KTAP_HELPERS=${KSRC:-$KTAP_ROOT/build/pristine}/tools/testing/selftests/kselftest/ktap_helpers.sh
if [ ! -r "$KTAP_HELPERS" ]; then
	echo "Bail out! $KTAP_HELPERS is missing (make check extracts build/pristine)"
	exit 1
fi
# shellcheck source=/dev/null # the kernel's file, not checked here
. "$KTAP_HELPERS"

# ktap_t NAME COMMAND...: run COMMAND as one result named NAME. When it
# fails, what it printed and, if ktap_run set them, $rc, $err and $out (the
# status, standard error and output of the program under test) follow as
# diagnostics.
ktap_t() {
	local name=$1 says
	shift
	if says=$("$@" 2>&1); then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name"
		[ -z "$says" ] || printf '%s\n' "$says" | sed 's/^/#   /'
		printf '#   rc=%s stderr: %s\n' "${rc-}" "${err-}" | sed '2,$s/^/#   /'
		[ -z "${out+set}" ] ||
			printf '#   stdout: %s\n' "$out" | sed '2,$s/^/#   /'
	fi
}

# ktap_run [-t SECS] CMD...: run the program under test, bounded (30 s
# unless -t): its standard output in $out, standard error in $err, exit
# status in $rc.
ktap_run() {
	local secs=30 f
	if [ "$1" = -t ]; then
		secs=$2
		shift 2
	fi
	f=$(mktemp)
	out=$(timeout "$secs" "$@" 2>"$f")
	rc=$?
	err=$(cat "$f")
	rm -f "$f"
}
