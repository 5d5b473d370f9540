#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Developer tool. The patch series is edited as git commits in build/work, a
# small repository holding only the kernel files the series touches:
#
#   scripts/export-patches.sh init     create build/work from build/pristine
#                                      and patches/series (one commit each)
#   scripts/export-patches.sh export   rewrite patches/ from build/work
#   scripts/export-patches.sh add F..  add pristine files to the base commit
#
# To change a patch: edit in build/work, `git commit --fixup` and
# `git rebase -i --autosquash pristine`, then export.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=$ROOT/build/work
P=$ROOT/build/pristine
# shellcheck source=scripts/pristine-git.sh
. scripts/pristine-git.sh

series() { grep -v '^\s*\(#\|$\)' patches/series; }

init() {
	local p
	[ -d "$P" ] || { echo "run make kernel first (needs build/pristine)" >&2; exit 1; }
	rm -rf "$W"
	mkdir -p "$W"
	{
		series | sed 's#^#patches/#'
		if [ -s "$ZSWAP_PATCH" ]; then echo "$ZSWAP_PATCH"; fi
	} | while read -r p; do
		paths_in_patches "$p"
	done | pristine_git "$W" "$P" pristine
	series | while read -r p; do git -C "$W" am -q "$ROOT/patches/$p"; done
	if [ -s "$ZSWAP_PATCH" ]; then git -C "$W" am -q "$ROOT/$ZSWAP_PATCH"; fi
	git -C "$W" log --oneline pristine..
}

# Bring more pristine files into the base commit, so a patch can touch them.
add_files() {
	local f base
	base=$(git -C "$W" rev-parse pristine)
	git -C "$W" checkout -q --detach pristine
	for f in "$@"; do
		mkdir -p "$W/$(dirname "$f")"
		cp "$P/$f" "$W/$f"
		git -C "$W" add "$f"
	done
	git -C "$W" commit -q --amend --no-edit
	git -C "$W" tag -f pristine >/dev/null
	git -C "$W" rebase -q --onto pristine "$base" master
}

# The zswap locality change is the last commit ("mm/zswap: ..."); it is
# kept as mm/zswap-locality.patch, applied after patches/series.
ZSWAP_PATCH=mm/zswap-locality.patch

export_series() {
	local z
	rm -f patches/*.patch
	git -C "$W" format-patch -q --no-signature --zero-commit --no-stat \
		-o "$ROOT/patches" pristine..HEAD
	: >"$ZSWAP_PATCH"
	for z in patches/*-mm-zswap-*.patch; do
		[ -e "$z" ] || continue
		mv "$z" "$ZSWAP_PATCH"
	done
	(cd patches && ls -1 ./*.patch | sed 's#^\./##') >patches/series
	cat patches/series
	[ -s "$ZSWAP_PATCH" ] && echo "$ZSWAP_PATCH"
	return 0
}

case "${1:-}" in
init) init ;;
add) shift; add_files "$@" ;;
export) export_series ;;
*) echo "usage: $0 init|export|add FILE..." >&2; exit 1 ;;
esac
