#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series' documentation builds with Sphinx in the kernel tree without
# warnings (issue 25, point 2). Run by make check; host only, no kernel build.
#
# The tree (build/docs-check/src): build/pristine's Documentation/, the
# series' changes to it (patches/series and mm/zswap-locality.patch, applied
# by `scripts/kernel.sh stage`) and this repository's new files under
# Documentation/. Only files whose content changed are rewritten, so the
# doctrees kept in build/docs-check/doctrees make a second run quick.
#
# Sphinx: Debian's (/usr/bin/sphinx-build, python3-sphinx), with the
# kernel's own conf.py and extensions (kernel-doc, kernel-abi, kfigure,
# automarkup, ...), run once on Documentation/ with everything excluded
# but the books the series touches: admin-guide (which renders
# Documentation/ABI through kernel-abi), mm, userspace-api (without the
# media book, which needs generated files), filesystems/proc.rst and the
# pages that link them (index.rst, subsystem-apis.rst, filesystems/index.rst,
# core-api/memory-allocation.rst for a label mm/index.rst uses). One
# run from the Documentation root, unlike `make SPHINXDIRS=...`, resolves
# references between these books, as a full `make htmldocs` does. The
# "dummy" builder reads and resolves everything and writes no HTML.
#
# Fails on any warning in a file the series adds or changes (the new
# Documentation/ files of this repository and every Documentation/ file a
# patch touches), and on any warning of `scripts/get_abi.pl validate` for
# the ABI files the series adds or changes. Warnings in untouched upstream
# files are counted and shown as a number only; "reference to excluded
# document" warnings come from the subset and are ignored.
#
# Also: every Documentation/ path named in the new files and in the lines
# the patches add must exist (automarkup silently leaves a wrong one as
# plain text).
#
# Usage: scripts/docs-check.sh [-v] [PATCH...]
#   -v     print the warnings in untouched upstream files too
#   PATCH  a patch to check before it joins patches/series: applied (-p1,
#          no fuzz) to Documentation/ after the series; its files count as
#          the series'
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
B=$ROOT/build
D=$B/docs-check
T=$D/src
SPHINX=/usr/bin/sphinx-build
PY=/usr/bin/python3
verbose=0
if [ "${1:-}" = -v ]; then
	verbose=1
	shift
fi
extra=()
for p in "$@"; do
	[ -f "$p" ] || { echo "docs-check: $p: no such patch" >&2; exit 1; }
	extra+=("$(realpath "$p")")
done
# shellcheck source=scripts/pristine-git.sh
. scripts/pristine-git.sh

die() {
	echo "docs-check: $*" >&2
	exit 1
}

[ -x "$SPHINX" ] || die "$SPHINX missing: apt-get install python3-sphinx (make deps)"
t0=$SECONDS

# 1. The patched Documentation/ files (build/stage) and the tree.
bash scripts/kernel.sh stage >/dev/null 2>"$D.stage.log" ||
	die "scripts/kernel.sh stage failed: $(tail -n 3 "$D.stage.log")"
rm -f "$D.stage.log"
patchfiles=()
while read -r p; do
	patchfiles+=("patches/$p")
done < <(grep -v '^\s*\(#\|$\)' patches/series)
[ -s mm/zswap-locality.patch ] && patchfiles+=(mm/zswap-locality.patch)
mapfile -t changed < <(paths_in_patches "${patchfiles[@]}" | grep '^Documentation/' | sort -u)
[ "${#extra[@]}" = 0 ] ||
	mapfile -t changed < <({ printf '%s\n' "${changed[@]}"; paths_in_patches "${extra[@]}"; } |
		grep '^Documentation/' | sort -u)
mapfile -t added < <(find Documentation -type f | sort)
mapfile -t ours < <(printf '%s\n' "${changed[@]}" "${added[@]}" | sort -u)

mkdir -p "$T"
rm -rf "$D/new"
mkdir -p "$D/new"
cp -a "$B/pristine/Documentation" "$D/new/"
for f in "${changed[@]}"; do
	[ ! -f "$B/stage/$f" ] || cp "$B/stage/$f" "$D/new/$f"
done
cp -r Documentation/. "$D/new/Documentation/"
for p in "${extra[@]}"; do
	patch -d "$D/new" -p1 -F0 -N -s --no-backup-if-mismatch <"$p" ||
		die "$p does not apply with no fuzz after the series"
done
# Content, not times, decides what is copied: unchanged files keep their
# mtime, and Sphinx rereads only what changed.
rsync -rlc --delete "$D/new/Documentation/" "$T/Documentation/"
rm -rf "$D/new"
# Sphinx reports a file's warnings only when it reads the file: have it
# read the series' files, and the pages that render Documentation/ABI,
# every time.
for f in "${ours[@]}" Documentation/admin-guide/abi*.rst; do
	[ ! -f "$T/$f" ] || touch "$T/$f"
done
# Sources for kernel-doc and the scripts the extensions run: the patched
# tree of the last `make kernel`, or the pristine one.
src=$B/src
[ -d "$src/scripts" ] || src=$B/pristine
for e in "$src"/*; do
	n=$(basename "$e")
	[ "$n" = Documentation ] || ln -sfn "$e" "$T/$n"
done

# 2. Sphinx on the subset.
excl=()
for e in "$T"/Documentation/*; do
	n=$(basename "$e")
	case "$n" in
	admin-guide | mm | userspace-api | filesystems | core-api | index.rst | \
		subsystem-apis.rst | sphinx | ABI) ;;
	*) if [ -d "$e" ]; then excl+=("$n/**"); else excl+=("$n"); fi ;;
	esac
done
# core-api only for the label mm/index.rst refers to.
for e in "$T"/Documentation/core-api/*; do
	n=$(basename "$e")
	case "$n" in
	memory-allocation.rst) ;;
	*) if [ -d "$e" ]; then excl+=("core-api/$n/**"); else excl+=("core-api/$n"); fi ;;
	esac
done
for e in "$T"/Documentation/filesystems/*; do
	n=$(basename "$e")
	case "$n" in
	index.rst | proc.rst) ;;
	*) if [ -d "$e" ]; then excl+=("filesystems/$n/**"); else excl+=("filesystems/$n"); fi ;;
	esac
done
excl+=("userspace-api/media/**" output)
log=$D/sphinx.log
rm -rf "$D/out"
(
	cd "$T/Documentation" &&
		srctree=$T PYTHONDONTWRITEBYTECODE=1 nice -n 19 "$PY" "$SPHINX" \
			-b dummy -j 1 -q -c . -d "$D/doctrees" \
			-D kerneldoc_srctree="$T" -D kerneldoc_bin="$T/scripts/kernel-doc" \
			-D exclude_patterns="$(IFS=,; echo "${excl[*]}")" \
			. "$D/out"
) >"$log" 2>&1
rc=$?
[ "$rc" = 0 ] || die "sphinx-build failed (rc=$rc): $(tail -n 5 "$log")"

# A warning line names its file as an absolute path below $T, perhaps
# followed by :LINE or a docutils suffix.
is_ours() {
	local f
	for f in "${ours[@]}"; do
		case "$1" in "$T/$f" | "$T/$f":*) return 0 ;; esac
	done
	return 1
}
findings=()
upstream=0
while IFS= read -r line; do
	case "$line" in *"reference to excluded document"*) continue ;; esac
	file=${line%%: *}
	if is_ours "$file"; then
		findings+=("${line#"$T"/}")
	else
		upstream=$((upstream + 1))
		[ "$verbose" = 0 ] || echo "upstream: ${line#"$T"/}"
	fi
done < <(grep -E '(WARNING|ERROR|CRITICAL|SEVERE):' "$log")

# 3. get_abi.pl validate on the ABI files the series adds or changes.
abi=$(cd "$T" && perl scripts/get_abi.pl validate --dir Documentation/ABI 2>&1)
for f in "${ours[@]}"; do
	case "$f" in Documentation/ABI/*) ;; *) continue ;; esac
	while IFS= read -r line; do
		[ -n "$line" ] && findings+=("get_abi.pl: $line")
	done < <(grep -F "${f#Documentation/ABI/}" <<<"$abi" | grep -i 'warn\|error')
done

# 4. Documentation/ paths named in our text exist.
for f in "${added[@]}"; do
	grep -Hno 'Documentation/[A-Za-z0-9_./-]*[A-Za-z0-9_]' "$f"
done >"$D/refs.txt"
for p in "${patchfiles[@]}" "${extra[@]}"; do
	grep '^+' "$p" | grep -v '^+++' |
		grep -o 'Documentation/[A-Za-z0-9_./-]*[A-Za-z0-9_]' | sed "s#^#$p:+:#"
done >>"$D/refs.txt"
while IFS=: read -r file lnum ref; do
	[ -e "$T/$ref" ] || findings+=("$file:$lnum: no such file: $ref")
done <"$D/refs.txt"

echo "docs-check: ${#ours[@]} files of the series (${#added[@]} new, ${#changed[@]} changed)," \
	"$((SECONDS - t0))s; warnings: ${#findings[@]} in them, $upstream in untouched upstream" \
	"files (in those Sphinx read this time: all of them on a first run)"
if [ "${#findings[@]}" -gt 0 ]; then
	printf '%s\n' "${findings[@]}"
	exit 1
fi
exit 0
