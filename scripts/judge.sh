# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by scripts/test.sh: how one guest boot's results are judged
# against the manifest (tests/expected.list) and the skip allow-list
# (tests/skips.allowed).
#
# A boot's TAP log (ttyS1) is turned into one line per result,
#   PROGRAM RESULT-NAME pass|fail|skip
# in DIR/results.txt. PROGRAM is the guest test program that printed the
# result (init.sh's "# exmem-guest: running PROGRAM" line), so the same
# kselftest name in two programs stays two results. The upstream mm
# selftests give one result each (program mm_selftests); one that skipped
# cases counts as a skip, so it needs an allow-list entry too.
#
# The rules, each a failure when broken:
#  - every result the manifest names for this boot is present;
#  - every result present is named in the manifest;
#  - a skip is allowed only when tests/skips.allowed lists it, with a reason;
#  - every program exits 0 (4, kselftest's "skipped", only when all its
#    skips are allowed).

MANIFEST=tests/expected.list
ALLOWED=tests/skips.allowed

# tap_results TAP: PROGRAM RESULT-NAME pass|fail|skip, one line each.
tap_results() {
	awk '
	/^# exmem-guest: running / { prog = $4; next }
	/^ok [0-9]+ / {
		print prog, $3, ($0 ~ /# SKIP/) ? "skip" : "pass"; next
	}
	/^not ok [0-9]+ / { print prog, $4, "fail"; next }
	/^# mm-selftest: / {
		r = $4
		if (r == "pass" && $5 ~ /skip:[1-9]/)
			r = "skip"
		print "mm_selftests", $3, r
	}' "$1"
}

# manifest_programs: every program name the manifest knows.
manifest_programs() {
	awk '!/^#/ && NF >= 3 { print $2 }' "$MANIFEST" | sort -u
}

# expected_results BOOT ONLY FINAL: the manifest's results for boot BOOT,
# as "PROGRAM RESULT-NAME", narrowed to the programs in ONLY (",a,b,",
# empty for all; the CXL setup is in every boot), plus the final scan's
# when FINAL is 1.
expected_results() {
	awk -v boot="$1" -v only="$2" -v final="$3" '
	/^#/ || NF < 3 { next }
	$1 == boot && (only == "" || $2 == "setup" || index(only, "," $2 ",")) { print $2, $3 }
	$1 == "final" && final == "1" { print $2, $3 }' "$MANIFEST" | sort -u
}

# skip_allowed PROGRAM RESULT-NAME: is this skip on the allow-list?
skip_allowed() {
	awk -v p="$1" -v n="$2" '!/^#/ && $1 == p && $2 == n { f = 1 } END { exit !f }' "$ALLOWED"
}

# judge_results DIR BOOT ONLY FINAL: apply the rules to DIR/results.txt;
# adds to the caller's pass, fail and skip counters and prints a line for
# every failure.
judge_results() {
	local dir=$1 prog name res
	tap_results "$dir/tap.log" >"$dir/results.txt"
	while read -r prog name res; do
		case "$res" in
		pass) pass=$((pass + 1)) ;;
		fail) fail=$((fail + 1)) ;;
		skip)
			if skip_allowed "$prog" "$name"; then
				skip=$((skip + 1))
			else
				echo "test: not ok - $prog $name skipped, and tests/skips.allowed does not allow it"
				fail=$((fail + 1))
			fi
			;;
		esac
	done <"$dir/results.txt"

	expected_results "$2" "$3" "$4" >"$dir/expected.txt"
	awk '{ print $1, $2 }' "$dir/results.txt" | sort -u >"$dir/present.txt"
	while read -r prog name; do
		echo "test: not ok - $prog $name: in $MANIFEST, missing from the results"
		fail=$((fail + 1))
	done < <(comm -23 "$dir/expected.txt" "$dir/present.txt")
	while read -r prog name; do
		echo "test: not ok - $prog $name: a result $MANIFEST does not name"
		fail=$((fail + 1))
	done < <(comm -13 "$dir/expected.txt" "$dir/present.txt")
}

# judge_exits DIR: every program that ran exited 0, or 4 ("skipped") with
# its skips allowed (judged per result above). Prints each program's wall
# time into DIR/times.txt.
judge_exits() {
	local dir=$1 name rc secs
	: >"$dir/times.txt"
	while read -r name rc secs; do
		printf '%-24s %5ss\n' "$name" "$secs" >>"$dir/times.txt"
		case "$rc" in
		0 | 4) ;;
		*)
			echo "test: not ok - $name exited with rc=$rc"
			fail=$((fail + 1))
			;;
		esac
	done < <(sed -n 's/^# exmem-guest: \([^ ]*\) rc=\([0-9]*\) secs=\([0-9]*\)$/\1 \2 \3/p' "$dir/tap.log")
}

# check_only_names ONLY: every name in ONLY (",a,b,") is a program of the
# manifest; an unknown name is a typo that would otherwise run nothing.
check_only_names() {
	local n bad=0
	for n in ${1//,/ }; do
		if ! manifest_programs | grep -qx "$n"; then
			echo "test: EXMEM_TESTS names '$n', which $MANIFEST does not know" >&2
			bad=1
		fi
	done
	return "$bad"
}

# What a guest's kernel log must not contain; BENIGN: boot banners of the
# debug kernel (make stress) that name a checker without reporting anything.
BAD='BUG:|WARNING:|INFO:|Oops|KASAN|lockdep|Call Trace|Kernel panic|suspected memory leak|Memory failure: .*(Failed|Ignored)|exmem.*: no ExMem device registered'
BENIGN='RCU lockdep checking is enabled'

# without_expected_oom_stacks: copy a kernel log from stdin to stdout less
# the stack dump of each OOM report that a test announced: between the
# lines "exmem-test: expect oom begin" and "... end", the first "Call
# Trace:" after each "invoked oom-killer:" (dump_header()'s dump_stack()),
# and the frames that follow it up to "</TASK>" (on the debug kernel a
# stale "? lockdep_..." frame would read as a lockdep report). Everything
# else stays, inside the window too: a WARNING there still fails.
without_expected_oom_stacks() {
	awk '/exmem-test: expect oom begin/ { w = 1 }
	     /exmem-test: expect oom end/ { w = 0; oom = 0; st = 0 }
	     st && /<\/TASK>/ { st = 0 }
	     st && /^\[[^]]*\] +(\? )?[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+/ { next }
	     w && /invoked oom-killer:/ { oom = 1 }
	     w && oom && /Call Trace:/ { oom = 0; st = 1; next }
	     { print }'
}

# kernel_log_errors FILE...: the lines of the kernel logs that fail a boot,
# as FILE:LINE:TEXT.
kernel_log_errors() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		without_expected_oom_stacks <"$f" | grep -aEn "$BAD" |
			grep -avE "$BENIGN" | sed "s|^|$f:|"
	done
}
