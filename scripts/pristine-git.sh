# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by scripts/kernel.sh, export-patches.sh and patchset.sh: what they
# share about patches and the pristine Debian tree.

# paths_in_patches PATCH...: the files the patches touch, one per line, as
# their ---/+++ lines name them (with repeats).
paths_in_patches() {
	sed -n 's#^\(---\|+++\) [ab]/\([^[:space:]]*\).*#\2#p' "$@"
}

# pristine_git DIR PRISTINE MESSAGE: a new git repository in DIR whose first
# commit (MESSAGE, tagged "pristine") holds PRISTINE's version of every file
# named on stdin. Names PRISTINE lacks (new files) are left out. The
# repository commits as the project, whatever the machine's git identity.
pristine_git() {
	local dir=$1 pristine=$2 msg=$3 f
	git -C "$dir" init -q
	git -C "$dir" config user.name "ZONE_EXMEM developers"
	git -C "$dir" config user.email dev@exmem
	sort -u | while read -r f; do
		[ -f "$pristine/$f" ] || continue
		mkdir -p "$dir/$(dirname "$f")"
		cp "$pristine/$f" "$dir/$f"
	done
	git -C "$dir" add -A
	git -C "$dir" commit -q -m "$msg"
	git -C "$dir" tag pristine
}
