#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kernel: build the ZONE_EXMEM guest kernel from Debian's linux-source-6.12.
#
#   build/pristine  the Debian tarball, extracted once (never modified)
#   build/src       the patched tree: pristine + new files + patches/series
#                   + mm/zswap-locality.patch
#   build/obj       the out-of-tree kbuild directory (O=)
#   build/obj-vanilla  "vanilla": pristine, same config minus ZONE_EXMEM
#   build/obj-debug    "debug": the patched tree with configs/debug.config
#
# Only files whose content changed are rewritten in build/src, so kbuild
# rebuilds only what changed. The patched files are produced in a small
# staging tree (just the files the overlay and the patches touch), then
# compared with build/src byte by byte.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/build
# shellcheck source=scripts/pristine-git.sh
. scripts/pristine-git.sh
TARBALL=/usr/src/linux-source-6.12.tar.xz
PKG=linux-source-6.12
JOBS=${JOBS:-$(($(nproc) + 1))}
# Kernel files that this repository adds, at their in-tree paths.
NEW_FILES_DIRS=(mm include drivers)

log() { printf 'kernel: %s\n' "$*"; }

pkg_version() { dpkg-query -W -f='${Version}' "$PKG"; }

# Extract the tarball into build/pristine when missing or when the installed
# Debian package changed. build/src is reset with it.
extract_pristine() {
	local ver have=
	ver=$(pkg_version)
	[ -f "$B/pristine/.debian-version" ] && have=$(cat "$B/pristine/.debian-version")
	if [ "$have" = "$ver" ] && [ -d "$B/src" ]; then
		return
	fi
	log "extracting $PKG $ver"
	local t0=$SECONDS
	rm -rf "$B/pristine" "$B/src" "$B/stage" "$B/touched.list"
	mkdir -p "$B/pristine.tmp"
	tar -C "$B/pristine.tmp" --strip-components=1 -xaf "$TARBALL"
	echo "$ver" >"$B/pristine.tmp/.debian-version"
	mv "$B/pristine.tmp" "$B/pristine"
	cp -a "$B/pristine" "$B/src"
	printf 'phase %-10s %5ds\n' extract $((SECONDS - t0))
}

# The patch files, in order: patches/series, then the zswap patch if non-empty.
patch_files() {
	local p
	grep -v '^\s*\(#\|$\)' patches/series | while read -r p; do
		echo "patches/$p"
	done
	[ -s mm/zswap-locality.patch ] && echo mm/zswap-locality.patch
	return 0
}

new_files() {
	local d
	for d in "${NEW_FILES_DIRS[@]}"; do
		if [ -d "$d" ]; then
			find "$d" -type f ! -name '*.patch' ! -name '*.orig'
		fi
	done | sort
}

# Build build/stage: the touched files from pristine, the new files on top,
# then every patch applied with no fuzz.
stage_tree() {
	local f
	rm -rf "$B/stage"
	mkdir -p "$B/stage"
	mapfile -t PATCHES < <(patch_files)
	{ new_files; [ ${#PATCHES[@]} -eq 0 ] || paths_in_patches "${PATCHES[@]}"; } |
		sort -u >"$B/touched.new"
	while read -r f; do
		if [ -f "$B/pristine/$f" ]; then
			mkdir -p "$B/stage/$(dirname "$f")"
			cp -p "$B/pristine/$f" "$B/stage/$f"
		fi
	done <"$B/touched.new"
	new_files | while read -r f; do
		mkdir -p "$B/stage/$(dirname "$f")"
		cp "$f" "$B/stage/$f"
	done
	for f in "${PATCHES[@]}"; do
		if ! patch -d "$B/stage" -p1 -F0 -N -s --no-backup-if-mismatch <"$f"; then
			log "patch failed to apply with no fuzz: $f"
			exit 1
		fi
	done
}

# Copy staged files whose content differs into build/src; restore files that
# an earlier run touched but this one does not.
sync_src() {
	local f changed=0
	while read -r f; do
		if ! cmp -s "$B/stage/$f" "$B/src/$f"; then
			mkdir -p "$B/src/$(dirname "$f")"
			cp "$B/stage/$f" "$B/src/$f"
			log "updated $f"
			changed=$((changed + 1))
		fi
	done <"$B/touched.new"
	if [ -f "$B/touched.list" ]; then
		comm -23 "$B/touched.list" "$B/touched.new" | while read -r f; do
			if [ -f "$B/pristine/$f" ]; then
				cp -p "$B/pristine/$f" "$B/src/$f"
			else
				rm -f "$B/src/$f"
			fi
		done
	fi
	mv "$B/touched.new" "$B/touched.list"
	log "$changed file(s) changed in build/src"
}

# x86_64_defconfig + kvm_guest.config + fragment $3, made in tree $1 and
# written to $2/.config only when it differs.
make_config() {
	local src=$1 obj=$2 frag=$3 cfg=$2.cfg line want sym
	rm -rf "$cfg"
	mkdir -p "$cfg" "$obj"
	make -s -C "$src" O="$cfg" ARCH=x86_64 x86_64_defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$cfg" "$cfg/.config" \
		"$src/kernel/configs/kvm_guest.config" "$frag" >/dev/null
	make -s -C "$src" O="$cfg" ARCH=x86_64 olddefconfig >/dev/null
	# Every option of the fragment must survive olddefconfig.
	while read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		want=$line
		if ! grep -qx "$want" "$cfg/.config"; then
			log "config: $want requested, got: $(grep "^$sym=\|# $sym is not set" "$cfg/.config" || echo unset)"
			exit 1
		fi
	done <"$frag"
	if ! cmp -s "$cfg/.config" "$obj/.config"; then
		cp "$cfg/.config" "$obj/.config"
		log "config updated"
	fi
	rm -rf "$cfg"
}

# Build bzImage from tree $1 in $2, logging to $3.
build() {
	local src=$1 obj=$2 buildlog=$3 cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	# Paths below the repository hash relative: clones elsewhere hit too.
	export CCACHE_BASEDIR=$ROOT
	make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig
	# -s keeps the log to warnings and errors; the full log is kept.
	if ! make -s -C "$src" O="$obj" ARCH=x86_64 CC="$cc" -j"$JOBS" \
		KBUILD_BUILD_TIMESTAMP=exmem KBUILD_BUILD_USER=exmem \
		KBUILD_BUILD_HOST=exmem bzImage >"$buildlog" 2>&1; then
		grep -E -m 40 'error|Error' "$buildlog" || tail -n 40 "$buildlog"
		log "build failed; full log: ${buildlog#"$ROOT"/}"
		exit 1
	fi
	grep -E 'warning:' "$buildlog" | head -n 20 || true
}

# Everything before compiling: a patched build/src and build/obj/.config.
prepare() {
	extract_pristine
	log "Debian $PKG $(cat "$B/pristine/.debian-version"), kernel $(make -s -C "$B/pristine" kernelversion)"
	stage_tree
	sync_src
	make_config "$B/src" "$B/obj" "$ROOT/configs/exmem.config"
}

main() {
	local t0=$SECONDS
	prepare
	build "$B/src" "$B/obj" "$B/kernel-build.log"
	printf '%s %s\n' "$(cat "$B/pristine/.debian-version")" \
		"$(cat "$B/obj/include/config/kernel.release")" >"$B/kernel-version.txt"
	log "built $B/obj/arch/x86/boot/bzImage ($(cat "$B/obj/include/config/kernel.release")) in $((SECONDS - t0))s"
}

# The same Debian source and configuration without the series and without
# CONFIG_ZONE_EXMEM, in build/obj-vanilla: the baseline that the mm selftest
# comparison and make bench boot side by side with the patched kernel.
vanilla() {
	local t0=$SECONDS frag=$B/vanilla.config
	extract_pristine
	grep -v '^CONFIG_\(ZONE_EXMEM\|CXL_EXMEM\|EXMEM_DEBUG\)=' configs/exmem.config >"$frag"
	make_config "$B/pristine" "$B/obj-vanilla" "$frag"
	build "$B/pristine" "$B/obj-vanilla" "$B/kernel-vanilla-build.log"
	log "built $B/obj-vanilla/arch/x86/boot/bzImage (vanilla) in $((SECONDS - t0))s"
}

# make kernel DEBUG=1: the patched tree with configs/debug.config on top
# (KASAN, lockdep, DEBUG_VM, DEBUG_PAGEALLOC, kmemleak) in build/obj-debug,
# for make stress. A full build of its own: every object changes.
debug() {
	local t0=$SECONDS frag=$B/debug.config
	prepare
	cat configs/exmem.config configs/debug.config >"$frag"
	make_config "$B/src" "$B/obj-debug" "$frag"
	build "$B/src" "$B/obj-debug" "$B/kernel-debug-build.log"
	log "built $B/obj-debug/arch/x86/boot/bzImage (debug) in $((SECONDS - t0))s"
}

# The production configuration: configs/production.config overriding
# configs/exmem.config, as build/obj-production/.config; nothing is
# compiled. tests/host/production_config.sh (make check) reads it.
production() {
	local frag=$B/production.config sym
	extract_pristine
	stage_tree
	sync_src >/dev/null
	sym=$(sed -n 's/^\(# \)\?\(CONFIG_[A-Z0-9_]*\)[= ].*/\2/p' configs/production.config |
		paste -sd'|')
	{
		grep -Ev "^($sym)=" configs/exmem.config
		cat configs/production.config
	} >"$frag"
	make_config "$B/src" "$B/obj-production" "$frag" >/dev/null
}

case "${1:-build}" in
build) main ;;
vanilla) vanilla ;;
debug) debug ;;
stage) extract_pristine; stage_tree ;;
production) production ;;
new-files) new_files ;;
sync) prepare ;;
*) echo "usage: $0 [build|vanilla|debug|stage|sync|new-files|production]" >&2; exit 1 ;;
esac
