#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A production kernel has none of the test interfaces (issue 25, F14).
# configs/production.config is merged onto configs/exmem.config through
# Kconfig (scripts/kernel.sh production, no compilation); then the object
# lists of mm/zone_exmem/ and of the CXL core's ExMem objects are evaluated
# from the merged .config by make itself, and no object in them may create
# a debugfs file. A control run with CONFIG_EXMEM_DEBUG=y must find the
# test hooks (alloc_test.o, inject.o): a check that cannot see them proves
# nothing. TAP with a plan.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/host/lib/ktap.sh
. tests/host/lib/ktap.sh
ktap_print_header
ktap_set_plan 6
B=$PWD/build
SRC=$B/src

# objects CONFIG DIR VAR: the objects kbuild's DIR/Makefile puts in VAR-y
# under .config CONFIG, as paths relative to DIR.
objects() {
	make -s --no-print-directory -f - <<EOF
include $1
include $SRC/$2/Makefile
all: ; @echo \$($3-y)
EOF
}

# The ExMem objects of a .config: mm/zone_exmem/*.o, drivers/cxl/exmem/*.o.
exmem_objects() {
	objects "$1" mm/zone_exmem obj | tr ' ' '\n' | sed 's#^#mm/zone_exmem/#'
	objects "$1" drivers/cxl/core cxl_core | tr ' ' '\n' |
		sed -n 's#^\.\./exmem/#drivers/cxl/exmem/#p'
}

# Objects among $1's whose source creates a debugfs file.
hooks() {
	local o
	exmem_objects "$1" | while read -r o; do
		grep -l 'debugfs_create' "$SRC/${o%.o}.c" 2>/dev/null |
			sed "s#^$SRC/##"
	done
}

bash scripts/kernel.sh production ||
	ktap_exit_fail_msg "scripts/kernel.sh production failed"
PROD=$B/obj-production/.config
CTRL=$B/obj-production/control.config
sed 's/^# CONFIG_EXMEM_DEBUG is not set$/CONFIG_EXMEM_DEBUG=y/' "$PROD" >"$CTRL"

ktap_t "production .config: ZONE_EXMEM and CXL_EXMEM built in" \
	bash -c "grep -qx 'CONFIG_ZONE_EXMEM=y' '$PROD' &&
		grep -qx 'CONFIG_CXL_EXMEM=y' '$PROD'"
ktap_t "production .config: DEBUG_FS on, EXMEM_DEBUG off" \
	bash -c "grep -qx 'CONFIG_DEBUG_FS=y' '$PROD' &&
		grep -qx '# CONFIG_EXMEM_DEBUG is not set' '$PROD'"
ktap_t "production .config: CXL_REGION_INVALIDATION_TEST off" \
	grep -qx '# CONFIG_CXL_REGION_INVALIDATION_TEST is not set' "$PROD"
prod_objs=$(exmem_objects "$PROD" | paste -sd' ')
echo "# production objects: $prod_objs"
ktap_t "production build has the ExMem objects" \
	bash -c "[[ ' $prod_objs ' == *' mm/zone_exmem/pin.o '* &&
		' $prod_objs ' == *' drivers/cxl/exmem/events.o '* ]]"
prod_hooks=$(hooks "$PROD" | paste -sd' ')
echo "# production objects creating debugfs files: ${prod_hooks:-none}"
ktap_t "production build creates no debugfs file" test -z "$prod_hooks"
ctrl_hooks=$(hooks "$CTRL" | paste -sd' ')
echo "# with CONFIG_EXMEM_DEBUG=y: ${ctrl_hooks:-none}"
ktap_t "control: CONFIG_EXMEM_DEBUG=y builds alloc_test and inject" \
	test "$ctrl_hooks" = "mm/zone_exmem/alloc_test.c drivers/cxl/exmem/inject.c"

ktap_finished
