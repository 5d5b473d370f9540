#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: fast host-only checks (no kernel build). Prints one TAP-style
# line per check and, last, "check: N passed, N failed". Needs build/pristine,
# which it extracts from the Debian tarball when missing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
PWD_ROOT=$PWD
# shellcheck disable=SC2054 # commas belong to the --ignore list
CP_ARGS=(--strict --terse --show-types
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,GERRIT_CHANGE_ID)
pass=0
fail=0

# report NAME FINDINGS: a check passes when it found nothing.
report() {
	if [ -z "$2" ]; then
		pass=$((pass + 1))
		echo "ok - $1"
	else
		fail=$((fail + 1))
		echo "not ok - $1"
		printf '%s\n' "$2" | sed 's/^/#   /'
	fi
}

# checkpatch from inside the pristine tree, as it expects; options first,
# then repository-relative paths. Prints findings only, or one line saying
# that checkpatch did not run: it exits 0 when clean (printing nothing with
# --terse) and 1 with findings, so any other exit status, or 1 with no
# finding, means that it failed and checked nothing.
checkpatch() {
	local opts=() paths=() a out rc findings
	for a in "$@"; do
		case "$a" in -*) opts+=("$a") ;; *) paths+=("$PWD_ROOT/$a") ;; esac
	done
	out=$(cd build/pristine && perl scripts/checkpatch.pl "${CP_ARGS[@]}" "${opts[@]}" "${paths[@]}" 2>&1)
	rc=$?
	findings=$(sed "s#$PWD_ROOT/##" <<<"$out" | grep -E ': (ERROR|WARNING|CHECK):')
	if [ "$rc" -gt 1 ] || { [ "$rc" = 1 ] && [ -z "$findings" ]; }; then
		echo "checkpatch did not run: rc=$rc: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
		return
	fi
	[ -z "$findings" ] || echo "$findings"
}

# Is finding $2 (TYPE) at line $3 of patch file $1 listed in
# patches/checkpatch.exceptions? (An entry with no text covers every line.)
accepted() {
	local file=$1 type=$2 text glob etype etext
	text=$(sed -n "${3}p" "$file")
	text=${text#+}
	while read -r glob etype etext; do
		case "$glob" in '#'* | '') continue ;; esac
		# shellcheck disable=SC2254 # the glob is meant to match
		case "$(basename "$file")" in $glob) ;; *) continue ;; esac
		[ "$etype" = "$type" ] || continue
		[[ "$text" == *"$etext"* ]] && return 0
	done <patches/checkpatch.exceptions
	return 1
}

# checkpatch on one patch file, less the accepted findings (printed as notes).
checkpatch_patch() {
	local line lnum type
	checkpatch "$@" | while IFS= read -r line; do
		lnum=$(cut -d: -f2 <<<"$line")
		type=$(cut -d: -f4 <<<"$line")
		if accepted "$1" "$type" "$lnum"; then
			echo "accepted: $line" >&2
		else
			echo "$line"
		fi
	done
}

# 1. The series and the zswap patch apply with no fuzz to the pristine tree.
report "patch series applies cleanly to pristine linux-source-6.12" \
	"$(bash scripts/kernel.sh stage 2>&1 >/dev/null || echo "staging failed")"

# 2. checkpatch --strict on every new kernel file and on every patch; first,
# that it finds a defect it must find (a canary: a checker that silently
# checks nothing reads as clean).
mkdir -p build/check
printf '// SPDX-License-Identifier: GPL-2.0\nint canary(void) { return 0;}\n' >build/check/canary.c
report "checkpatch finds a known defect" \
	"$(checkpatch -f build/check/canary.c | grep -q ':CODE_INDENT\|:SPACING\|:OPEN_BRACE' ||
		echo "no finding on build/check/canary.c")"
mapfile -t newfiles < <(bash scripts/kernel.sh new-files | grep '\.[ch]$')
report "checkpatch --strict: ${#newfiles[@]} new kernel files" "$(checkpatch -f "${newfiles[@]}")"
# The series as exported (make patchset): every patch with the new files it
# brings, the tools, the selftests and the documentation. Signed-off-by
# lines are left for the submitter.
if bash scripts/patchset.sh series >/dev/null; then
	report "make patchset" ""
	for p in build/patchset/0*.patch; do
		case "$p" in */0000-cover-letter.patch) continue ;; esac
		report "checkpatch --strict: ${p#build/}" \
			"$(checkpatch_patch "$p" --ignore=MISSING_SIGN_OFF 2>/dev/null)"
	done
else
	report "make patchset" "scripts/patchset.sh series failed"
fi

# kernel-doc: what other files call is documented, and the comments parse.
report "kernel-doc -Wall: ${#newfiles[@]} new kernel files" \
	"$(perl build/pristine/scripts/kernel-doc -Wall -none "${newfiles[@]}" 2>&1)"

# The series' documentation (new ABI, sysctl, parameter and index entries
# and the three exmem.rst) builds with Sphinx in the kernel tree without a
# warning in any file the series adds or changes (scripts/docs-check.sh).
if out=$(bash scripts/docs-check.sh 2>&1); then
	report "Sphinx: the series' documentation builds without warnings" ""
else
	report "Sphinx: the series' documentation builds without warnings" "$out"
fi

# 3. shellcheck on the harness.
report "shellcheck: harness scripts" \
	"$(shellcheck -S warning -x scripts/*.sh tests/guest/*.sh tests/host/*.sh \
		tests/host/lib/*.sh tools/exmemstat/tests/run.sh .ci/run 2>&1)"

# 4. Host tests of the user-space tools and the ABI. A test that sources
# tests/host/lib/ktap.sh writes TAP with a plan (kselftest's
# ktap_helpers.sh) and runs under prove (TAP::Harness), which fails it on a
# "not ok", a plan it did not keep (a test that stopped halfway), a "Bail
# out!" or a non-zero exit status; its failures, diagnostics and prove's
# summary are shown. Any other test is judged by its exit status and its
# whole output shown when it fails.
for t in tests/host/*.sh tools/exmemstat/tests/run.sh; do
	name=$(basename "$t" .sh)
	[ "$name" != run ] || name=exmemstat-fixtures
	if grep -q '^\. .*tests/host/lib/ktap\.sh"\?$' "$t"; then
		if out=$(prove --nocolor --verbose --exec bash "$t" 2>&1); then
			report "host: $name (TAP)" ""
		else
			report "host: $name (TAP)" "$(grep -v '^ok ' <<<"$out")"
		fi
	elif out=$(bash "$t" 2>&1); then
		report "host: $name" ""
	else
		report "host: $name" "exit status $?; ${out:-no output}"
	fi
done

# 5. The manifest (tests/expected.list) names exactly the results the guest
# test programs define, and every allowed skip names a result in it.
report "manifest: tests/expected.list matches the test programs" \
	"$(bash scripts/manifest.sh check 2>&1)"
report "skip allow-list: every entry names a manifest result and a reason" \
	"$(awk 'NR == FNR { if (!/^#/) m[$2 " " $3] = 1; next }
		!/^#/ && NF && (!(($1 " " $2) in m) || NF < 4) { print "tests/skips.allowed:" FNR ": " $0 }' \
		tests/expected.list tests/skips.allowed)"

echo "check: $pass passed, $fail failed"
[ "$fail" = 0 ]
