#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the exmem-tools Debian package (exmemstat, exmemctl, their man
# pages and bash completion, the exmemstat systemd units, the applications'
# exmem/exmem_detect.h), built with dpkg-deb from "make install" into a
# staging directory, so it needs only dpkg-dev (build-essential). Depends
# come from dpkg-shlibdeps on the binaries.
# Usage: tools/packaging/mkdeb.sh [OUTDIR]   (default build/deb)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build/deb}
PKG=exmem-tools
VERSION=$(sed -n 's/^#define EXMEMSTAT_VERSION[[:space:]]*"\(.*\)"/\1/p' tools/exmemstat/main.c)
ARCH=$(dpkg --print-architecture)
[ -n "$VERSION" ] || { echo "mkdeb: no EXMEMSTAT_VERSION in tools/exmemstat/main.c" >&2; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# $W is what dpkg-shlibdeps expects: debian/control, the package in
# debian/PKG. Fresh binaries from a copy of the sources, so that the
# builds of the working tree (tests may be using them) stay untouched.
W=$OUT/work
S=$W/debian/$PKG
rm -rf "$W"
mkdir -p "$W/src" "$S"
cp -a tools/exmemstat tools/exmemctl tools/include "$W/src/"
for t in exmemstat exmemctl; do
	make -s -C "$W/src/$t" clean
	make -s -C "$W/src/$t" install DESTDIR="$S" PREFIX=/usr \
		UNITDIR=/lib/systemd/system
done
strip --strip-unneeded "$S/usr/bin/exmemstat" "$S/usr/bin/exmemctl"
gzip -9n "$S"/usr/share/man/man8/*.8
install -d "$S/usr/share/doc/$PKG"
cat >"$S/usr/share/doc/$PKG/copyright" <<EOC
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ZONE_EXMEM tools

Files: *
Copyright: ZONE_EXMEM developers
License: GPL-2.0
 On Debian systems, the full text is in /usr/share/common-licenses/GPL-2.

Files: usr/include/exmem/exmem_detect.h
Copyright: ZONE_EXMEM developers
License: LGPL-2.1 or BSD-2-Clause
 On Debian systems, the LGPL 2.1 is in /usr/share/common-licenses/LGPL-2.1.
EOC
printf '%s (%s) unstable; urgency=medium\n\n  * Built from the ZONE_EXMEM tree by make deb.\n\n -- ZONE_EXMEM developers <dev@exmem>  %s\n' \
	"$PKG" "$VERSION" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" |
	gzip -9n >"$S/usr/share/doc/$PKG/changelog.gz"

printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$PKG" "$PKG" >"$W/debian/control"
# (Its warning that the binaries should be in the package's directory
# comes from a check for debian/tmp that does not apply here.)
depends=$(cd "$W" && dpkg-shlibdeps -O "debian/$PKG/usr/bin/exmemstat" \
	"debian/$PKG/usr/bin/exmemctl" 2>"$W/shlibdeps.err" |
	sed -n 's/^shlibs:Depends=//p')
grep -v 'should already be installed' "$W/shlibdeps.err" >&2 || true
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d "$S/DEBIAN"
cat >"$S/DEBIAN/control" <<EOC
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: ZONE_EXMEM developers <dev@exmem>
Depends: $depends
Recommends: bash-completion
Section: admin
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$S" | cut -f1)
Homepage: https://www.kernel.org/
Description: ZONE_EXMEM (CXL memory) tools: exmemstat and exmemctl
 exmemstat shows ZONE_EXMEM memory per node and device, pins, events and
 per-process use, as tables, JSON or Prometheus text (with a systemd timer
 for node_exporter's textfile collector). exmemctl runs a program with its
 memory in or out of ExMem, numactl-style, and with --check tells whether
 MAP_EXMEM works on this kernel. The header exmem/exmem_detect.h gives
 applications the same check.
EOC
(cd "$S" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
	sort -z | xargs -0 md5sum) >"$S/DEBIAN/md5sums"
deb=$OUT/${PKG}_${VERSION}_$ARCH.deb
dpkg-deb --root-owner-group -Zxz --build "$S" "$deb" >/dev/null
rm -rf "$W"
echo "$deb"
