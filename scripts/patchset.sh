#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series as an mm maintainer would receive it.
#
#   make patchset       commit every entry of patches/patchset.list, with
#                       the new files it brings, onto the pristine files in
#                       build/patchset/git, and write the series with a
#                       cover letter to build/patchset/*.patch
#   make bisect-check   build the kernel after each commit of that series
#                       (QUICK=1: only the objects the series touches;
#                       FROM=N: only steps N and later)
#
# The git repository holds only the files the series touches: a patch
# series is a diff, so the pristine rest of the tree adds nothing to it.
# bisect-check lays each commit over a full copy of the pristine tree.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/build
P=$B/pristine
PS=$B/patchset
G=$PS/git
# bisect-check's logs and result; make patchset does not touch them.
BISECT=$B/bisect
LIST=patches/patchset.list
# shellcheck source=scripts/pristine-git.sh
. scripts/pristine-git.sh
AUTHOR="ZONE_EXMEM developers <dev@exmem>"
# Upstream files the new-file commits edit (index entries, MAINTAINERS).
EXTRA_BASE=(MAINTAINERS Documentation/admin-guide/mm/index.rst
	Documentation/mm/index.rst Documentation/userspace-api/index.rst
	tools/testing/selftests/Makefile)

log() { printf 'patchset: %s\n' "$*"; }

entries() { grep -v '^\s*\(#\|$\)' "$LIST"; }

# patches/NAME, or a path (mm/zswap-locality.patch) as it is.
patch_path() {
	case "$1" in */*) echo "$1" ;; *) echo "patches/$1" ;; esac
}

# Every patch the build applies is exported exactly once, and nothing else.
check_list() {
	local want have
	want=$({ grep -v '^\s*\(#\|$\)' patches/series
		[ -s mm/zswap-locality.patch ] && echo mm/zswap-locality.patch; } | sort)
	have=$(entries | awk '$1 !~ /^@/ { print $1 }' | sort)
	if [ "$want" != "$have" ]; then
		log "$LIST and patches/series disagree:"
		diff <(echo "$want") <(echo "$have") >&2 || true
		exit 1
	fi
	# ... and so is every new kernel file.
	want=$(bash scripts/kernel.sh new-files | sort)
	have=$(entries | tr ' ' '\n' | grep -E '^(mm|include|drivers)/' | grep -v '\.patch$' | sort)
	if [ "$want" != "$have" ]; then
		log "new files missing from (<) or unknown to (>) $LIST:"
		diff <(echo "$want") <(echo "$have") >&2 || true
		exit 1
	fi
}

# The pristine version of every file the series touches.
base_files() {
	local e
	entries | awk '$1 !~ /^@/ { print $1 }' | while read -r e; do
		paths_in_patches "$(patch_path "$e")"
	done
	printf '%s\n' "${EXTRA_BASE[@]}"
}

# mm/zone_exmem/Makefile lists only the objects whose sources are present,
# so that every step links.
zone_makefile() {
	local mk=$G/mm/zone_exmem/Makefile line o
	[ -f "$mk" ] || return 0
	while IFS= read -r line; do
		case "$line" in
		obj-*)
			o=$(awk '{ print $3 }' <<<"$line")
			[ -f "$G/mm/zone_exmem/${o%.o}.c" ] || continue
			;;
		esac
		printf '%s\n' "$line"
	done <mm/zone_exmem/Makefile >"$mk"
}

add_files() {
	local f
	for f in "$@"; do
		mkdir -p "$G/$(dirname "$f")"
		cp "$f" "$G/$f"
	done
}

# Insert line $3 into $1 after the first line matching regex $2.
insert_after() {
	grep -q "$2" "$1" || { log "$1: no line matches '$2'"; exit 1; }
	sed -i "0,/$2/s//&\n$3/" "$1"
}

# tools/testing/selftests/exmem: the guest tests in kselftest layout.
selftests_tree() {
	local d=$G/tools/testing/selftests/exmem t progs=()
	mkdir -p "$d/lib"
	cp tests/guest/lib/*.[ch] "$d/lib/"
	for t in tests/guest/*.c; do
		cp "$t" "$d/"
		t=$(basename "$t" .c)
		case "$t" in cxl_health | aggregation_classes | interleave_poison) ;; *) progs+=("$t") ;; esac
	done
	{
		echo "# SPDX-License-Identifier: GPL-2.0"
		echo "# ZONE_EXMEM: make -C tools/testing/selftests TARGETS=exmem run_tests"
		echo "CFLAGS += -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered"
		echo "CFLAGS += -I.. -Ilib -I../../../../mm \$(KHDR_INCLUDES)"
		echo
		echo "TEST_GEN_PROGS :="
		printf 'TEST_GEN_PROGS += %s\n' "${progs[@]}"
		echo "# Need the host: QEMU's cxl-inject-* QMP commands relayed to the guest,"
		echo "# a platform with HMAT and two CXL devices of different performance,"
		echo "# and a region interleaved across two devices."
		echo "TEST_GEN_PROGS_EXTENDED := cxl_health aggregation_classes interleave_poison"
		echo "LOCAL_HDRS += lib/exmem_test.h lib/exmem_cxl.h"
		echo
		echo "include ../lib.mk"
		echo
		echo "\$(TEST_GEN_PROGS) \$(TEST_GEN_PROGS_EXTENDED): lib/exmem_test.c lib/exmem_cxl.c"
	} >"$d/Makefile"
	printf '%s\n' "${progs[@]}" cxl_health aggregation_classes interleave_poison >"$d/.gitignore"
	grep '^CONFIG_' configs/exmem.config >"$d/config"
	# churn and the unplug tests run for minutes under TCG.
	echo "timeout=3600" >"$d/settings"
	insert_after "$G/tools/testing/selftests/Makefile" '^TARGETS += exec$' 'TARGETS += exmem'
}

# The MAINTAINERS entry; the index entries of the three documents come with
# the patch after @docs (the ABI, sysctl and parameter entries).
docs_tree() {
	python3 - "$G/MAINTAINERS" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
entry = """ZONE_EXMEM (CXL EXTENDED MEMORY ZONE)
L:	linux-mm@kvack.org
L:	linux-cxl@vger.kernel.org
S:	Maintained
F:	Documentation/admin-guide/mm/exmem.rst
F:	Documentation/mm/exmem.rst
F:	Documentation/userspace-api/exmem.rst
F:	drivers/cxl/exmem/
F:	include/linux/exmem.h
F:	include/linux/gfp_exmem.h
F:	include/uapi/asm-generic/mman-exmem.h
F:	mm/zone_exmem/
F:	tools/exmemctl/
F:	tools/exmemstat/
F:	tools/testing/selftests/exmem/

"""
# Sections are sorted by name: insert before the first that sorts after.
parts = text.split("\n\n")
for i, p in enumerate(parts):
    name = p.split("\n", 1)[0]
    if i > 0 and name.isupper() and name > "ZONE_EXMEM" and name.startswith("ZONE") or \
       (i > 0 and name.startswith("ZR")):
        parts.insert(i, entry.rstrip("\n"))
        break
else:
    raise SystemExit("MAINTAINERS: no place for the entry")
open(path, "w").write("\n\n".join(parts))
PY
}

# One commit of new files only: @NAME FILE...
commit_new() {
	local name=$1
	shift
	case "$name" in
	selftests) selftests_tree ;;
	docs) docs_tree ;;
	esac
	add_files "$@"
	git -C "$G" add -A
	git -C "$G" commit -q --author="$AUTHOR" -F "$ROOT/patches/patchset/$name.msg"
}

make_series() {
	local e f name
	[ -d "$P" ] || { log "run make kernel first (needs build/pristine)"; exit 1; }
	check_list
	rm -rf "$PS"
	mkdir -p "$G"
	base_files | pristine_git "$G" "$P" "linux-source-6.12 $(cat "$P/.debian-version")"
	while read -r name f; do
		# shellcheck disable=SC2086 # the file list is split on purpose
		set -- $f
		case "$name" in
		@*) commit_new "${name#@}" "$@" ;;
		*)
			git -C "$G" am -q --keep-cr "$ROOT/$(patch_path "$name")"
			add_files "$@"
			zone_makefile
			git -C "$G" add -A
			# Signed-off-by lines are the submitter's to add.
			git -C "$G" log -1 --format=%B | grep -v '^Signed-off-by:' |
				git -C "$G" commit -q --amend --cleanup=strip -F -
			;;
		esac
	done < <(entries)
	git -C "$G" format-patch -q --cover-letter --thread=shallow --no-signature \
		--zero-commit -o "$PS" pristine..HEAD
	cover_letter "$PS/0000-cover-letter.patch"
	log "$(git -C "$G" rev-list --count pristine..HEAD) patches and a cover letter in ${PS#"$ROOT"/}/"
}

# The cover letter: the summary, then what the last runs measured.
cover_letter() {
	local cl=$1 body=$PS/cover.body
	{
		tail -n +3 patches/patchset/cover.txt
		echo
		echo "Testing"
		echo "-------"
		echo "Every test runs in a QEMU guest with two emulated CXL type-3 memory"
		echo "devices, on this series applied to Debian's linux-source-6.12."
		if [ -s build/test-results/summary.txt ]; then
			echo "The last make test: $(cat build/test-results/summary.txt)."
		fi
		if [ -s "$BISECT/result.txt" ]; then
			echo
			echo "Bisection (make bisect-check): $(tail -n1 "$BISECT/result.txt")"
		fi
		if [ -s build/bench/report.md ]; then
			echo
			echo "Benchmarks (make bench; ratios, medians of alternating runs)"
			echo "-------------------------------------------------------------"
			grep -v '^#' build/bench/report.md | sed '/^$/N;/^\n$/D'
		fi
		echo
		echo "checkpatch --strict"
		echo "-------------------"
		echo "0 errors, 0 warnings. The remaining CHECKs extend an upstream macro"
		echo "pattern exactly like its neighbours (patches/checkpatch.exceptions):"
		grep -v '^#' patches/checkpatch.exceptions | sed 's/^/  /'
	} >"$body"
	python3 - "$cl" "$body" "$(head -n1 patches/patchset/cover.txt)" <<'PY'
import sys
path, body, subject = sys.argv[1:]
text = open(path).read()
text = text.replace("*** SUBJECT HERE ***", subject)
text = text.replace("*** BLURB HERE ***", open(body).read().rstrip("\n"))
open(path, "w").write(text)
PY
	rm -f "$body"
}

# bisect-check: the tree after each commit, built with the project config.
# build/bisect-src is the pristine tree plus the commit's files; only files
# whose content changed are rewritten, so each step rebuilds what it must.
bisect_check() {
	local quick=${QUICK:-} src=$B/bisect-src obj=$B/obj-bisect n=0 total c f rc
	local res=$BISECT/result.txt cc=gcc
	[ -d "$G" ] || make_series
	mkdir -p "$BISECT"
	# Build from a private copy: make patchset (and so make check) rewrites
	# build/patchset/git with new commit ids while the steps run.
	rm -rf "$BISECT/git"
	cp -a "$G" "$BISECT/git"
	local G=$BISECT/git
	command -v ccache >/dev/null && cc="ccache gcc"
	export CCACHE_BASEDIR=$ROOT
	if [ ! -d "$src" ]; then
		log "copying the pristine tree to ${src#"$ROOT"/}"
		cp -a "$P" "$src"
	fi
	mapfile -t commits < <(git -C "$G" rev-list --reverse pristine..HEAD)
	total=${#commits[@]}
	: >"$res"
	for c in "${commits[@]}"; do
		n=$((n + 1))
		# FROM=N: recheck from step N on, after a change to patch N.
		if [ "$n" -lt "${FROM:-1}" ]; then
			printf 'skipped %d/%d (FROM=%s)\n' "$n" "$total" "$FROM" | tee -a "$res"
			continue
		fi
		sync_commit "$c" "$src"
		# Options appear with the patches that add them: merge every step.
		bisect_config "$src" "$obj"
		if [ -n "$quick" ]; then
			quick_build "$c" "$src" "$obj" "$cc" >"$BISECT/step-$n.log" 2>&1 && rc=0 || rc=$?
		else
			make -s -C "$src" O="$obj" ARCH=x86_64 CC="$cc" -j"$(($(nproc) + 1))" \
				bzImage >"$BISECT/step-$n.log" 2>&1 && rc=0 || rc=$?
		fi
		f=$(git -C "$G" log -1 --format=%s "$c")
		if [ "$rc" = 0 ]; then
			printf 'ok %d/%d %s\n' "$n" "$total" "$f" | tee -a "$res"
		else
			printf 'FAIL %d/%d %s (build/bisect/step-%d.log)\n' "$n" "$total" "$f" "$n" | tee -a "$res"
			grep -m 10 -E 'error|Error' "$BISECT/step-$n.log" | sed 's/^/#   /' | tee -a "$res"
		fi
	done
	if grep -q '^FAIL' "$res"; then
		echo "$(grep -c '^FAIL' "$res") of $total steps fail to build${quick:+ (touched objects only)}" | tee -a "$res"
		return 1
	fi
	local note='' from=${FROM:-1}
	[ -n "$quick" ] && note="objects the series touches; make kernel builds the last step in full"
	[ "$from" -gt 1 ] && note="${note}${note:+; }steps 1 to $((from - 1)) not rebuilt in this run"
	echo "all $((total - from + 1)) steps$([ "$from" -gt 1 ] && echo " from $from to $total") build${note:+ ($note)}" | tee -a "$res"
}

# QUICK=1: compile the objects of every C file the series changed up to
# commit $1, then check that each ExMem symbol they use is defined by one
# of them (what the link would find missing).
quick_build() {
	local c=$1 src=$2 obj=$3 cc=$4 targets=() o objs=() missing
	while read -r f; do
		case "$f" in
		drivers/cxl/*) targets+=(drivers/cxl/) ;;
		*) targets+=("${f%.c}.o") ;;
		esac
	done < <(git -C "$G" diff --name-only pristine "$c" -- '*.c' | grep -E '^(mm|drivers|fs)/')
	mapfile -t targets < <(printf '%s\n' "${targets[@]}" | sort -u)
	make -s -C "$src" O="$obj" ARCH=x86_64 CC="$cc" -j"$(($(nproc) + 1))" "${targets[@]}" || return 1
	for o in "${targets[@]}"; do
		case "$o" in
		*/) mapfile -t -O "${#objs[@]}" objs < <(find "$obj/$o" -name '*.o' ! -name '*.mod.o') ;;
		*) objs+=("$obj/$o") ;;
		esac
	done
	missing=$(comm -23 <(nm -u "${objs[@]}" 2>/dev/null | awk '/exmem/ { print $2 }' | sort -u) \
		<(nm --defined-only "${objs[@]}" 2>/dev/null | awk '/exmem/ { print $3 }' | sort -u))
	if [ -n "$missing" ]; then
		printf 'error: undefined ExMem symbol %s\n' $missing
		return 1
	fi
}

# Lay commit $1 over tree $2: files it has get its content, files it lacks
# but an earlier step added are removed; unchanged files are left alone.
sync_commit() {
	local c=$1 src=$2 f tmp
	tmp=$(mktemp -d)
	git -C "$G" archive "$c" | tar -C "$tmp" -x
	git -C "$G" ls-tree -r --name-only HEAD | while read -r f; do
		if [ -f "$tmp/$f" ]; then
			if ! cmp -s "$tmp/$f" "$src/$f"; then
				mkdir -p "$src/$(dirname "$f")"
				cp "$tmp/$f" "$src/$f"
			fi
		elif [ -f "$P/$f" ]; then
			cmp -s "$P/$f" "$src/$f" || cp -p "$P/$f" "$src/$f"
		else
			rm -f "$src/$f"
		fi
	done
	rm -rf "$tmp"
}

# The project config (configs/exmem.config) on the bisect tree.
bisect_config() {
	local src=$1 obj=$2 cfg=$2.cfg
	rm -rf "$cfg"
	mkdir -p "$cfg" "$obj"
	make -s -C "$src" O="$cfg" ARCH=x86_64 x86_64_defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$cfg" "$cfg/.config" \
		"$src/kernel/configs/kvm_guest.config" "$ROOT/configs/exmem.config" >/dev/null 2>&1
	make -s -C "$src" O="$cfg" ARCH=x86_64 olddefconfig >/dev/null
	cmp -s "$cfg/.config" "$obj/.config" || cp "$cfg/.config" "$obj/.config"
	rm -rf "$cfg"
}

case "${1:-series}" in
series) make_series ;;
bisect) bisect_check ;;
*) echo "usage: $0 [series|bisect]" >&2; exit 1 ;;
esac
