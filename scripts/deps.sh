#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deps: install what the build, the guest and the tests need.
# Debian packages only. Idempotent and quiet when everything is present.
# Without root it prints the exact commands to run and fails.
set -euo pipefail

# Packages from the base suites (bookworm, bookworm-security).
BASE_PKGS=(
	linux-source-6.12
	build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
	dwarves ccache kmod patch rsync
	ndctl daxctl numactl libnuma-dev stress-ng busybox-static
	libjson-c-dev pkg-config shellcheck socat python3 python3-prometheus-client gnuplot-nox
	python3-sphinx systemd groff-base man-db
)
# QEMU must come from bookworm-backports: 7.2 in bookworm has no usable
# volatile CXL type-3 emulation (see shared/PLATFORM.md).
BPO_PKGS=(qemu-system-x86)
BPO_MIN_QEMU=10

BPO_FILE=/etc/apt/sources.list.d/exmem-bookworm-backports.sources

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

qemu_major() {
	qemu-system-x86_64 --version 2>/dev/null |
		sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p' || true
}

have_backports_suite() {
	grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/
}

# The backports entry uses the same Debian archive URI as the bookworm entry.
debian_uri() {
	local uri
	uri=$(grep -rhs '^URIs:.*debian/\?$' /etc/apt/sources.list.d/*.sources | head -n1 | awk '{print $2}')
	[ -n "$uri" ] || uri=$(grep -hs '^deb .*debian/\? bookworm ' /etc/apt/sources.list | head -n1 | awk '{print $2}')
	echo "${uri:-http://deb.debian.org/debian}"
}

mapfile -t need_base < <(missing_pkgs "${BASE_PKGS[@]}")
need_qemu=()
qm=$(qemu_major)
if [ -z "$qm" ] || [ "$qm" -lt "$BPO_MIN_QEMU" ]; then
	need_qemu=("${BPO_PKGS[@]}")
fi

if [ ${#need_base[@]} -eq 0 ] && [ ${#need_qemu[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages; run as root:" >&2
	if [ ${#need_qemu[@]} -gt 0 ] && ! have_backports_suite; then
		printf '  printf "Types: deb\\nURIs: %s\\nSuites: bookworm-backports\\nComponents: main\\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n" > %s\n' \
			"$(debian_uri)" "$BPO_FILE" >&2
	fi
	echo "  apt-get update" >&2
	[ ${#need_base[@]} -eq 0 ] || echo "  apt-get install -y ${need_base[*]}" >&2
	[ ${#need_qemu[@]} -eq 0 ] || echo "  apt-get install -y -t bookworm-backports ${need_qemu[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#need_qemu[@]} -gt 0 ] && ! have_backports_suite; then
	echo "deps: adding bookworm-backports ($BPO_FILE)"
	cat >"$BPO_FILE" <<EOS
Types: deb
URIs: $(debian_uri)
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi
echo "deps: installing: ${need_base[*]} ${need_qemu[*]}"
apt-get update -qq
[ ${#need_base[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${need_base[@]}" >/dev/null
[ ${#need_qemu[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends -t bookworm-backports "${need_qemu[@]}" >/dev/null
echo "deps: qemu $(qemu-system-x86_64 --version | head -n1)"
