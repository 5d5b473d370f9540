#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: create one volatile (ram) CXL region per root decoder that has
# a memdev below it, through the kernel's region sysfs ABI
# (Documentation/ABI/testing/sysfs-bus-cxl), and bind it. dax_kmem then adds
# the memory and it is onlined (into ZONE_EXMEM by default).
#
# Memdev names do not follow the QEMU command line: which memdev sits under
# which root decoder is found from sysfs paths, never from names.

CXL=/sys/bus/cxl/devices

cxl_log() { echo "cxl-setup: $*"; }

# Write $1 to sysfs file $2; say which file refused it.
cxl_write() {
	if ! echo "$1" >"$2" 2>/dev/null; then
		cxl_log "writing '$1' to $2 failed"
		return 1
	fi
}

# Wait for the CXL bus to enumerate N memdevs with their endpoint ports.
cxl_wait() {
	want=$1
	i=0
	while [ $i -lt 300 ]; do
		n=$(ls -d $CXL/endpoint* 2>/dev/null | wc -l)
		[ "$n" -ge "$want" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	cxl_log "only $n of $want CXL endpoints appeared"
	return 1
}

# The endpoint decoder of a memdev: the first decoder of the endpoint port
# whose uport is that memdev.
cxl_memdev_endpoint_decoder() {
	md=$(readlink -f "$CXL/$1")
	for ep in $CXL/endpoint*; do
		[ "$(readlink -f "$ep/uport")" = "$md" ] || continue
		for d in "$ep"/decoder*.0; do
			basename "$d"
			return 0
		done
	done
	return 1
}

# The sysfs path of the PCI host bridge behind dport $2 of root port $1.
cxl_dport_host_bridge() {
	dp=$CXL/$1/dport$2
	if [ -e "$dp/physical_node" ]; then
		readlink -f "$dp/physical_node"
	else
		readlink -f "$dp"
	fi
}

# Memdevs whose PCI device sits below one of root decoder $1's targets.
cxl_root_decoder_memdevs() {
	rd=$1
	root=$(basename "$(dirname "$(readlink -f "$CXL/$rd")")")
	for t in $(tr ',' ' ' <"$CXL/$rd/target_list"); do
		hb=$(cxl_dport_host_bridge "$root" "$t")
		for md in $CXL/mem*; do
			case "$(readlink -f "$md")" in
			"$hb"/*) basename "$md" ;;
			esac
		done
	done
}

# Give memdev $1's endpoint decoder all of its ram, as target $3 of region
# path $2.
cxl_region_target() {
	ed=$(cxl_memdev_endpoint_decoder "$1") || {
		cxl_log "$1: no endpoint decoder"
		return 1
	}
	# A region torn down earlier may leave its DPA allocated: free it.
	echo 0 >"$CXL/$ed/dpa_size" 2>/dev/null
	cxl_write ram "$CXL/$ed/mode" &&
		cxl_write "$(cat "$CXL/$1/ram/size")" "$CXL/$ed/dpa_size" &&
		cxl_write "$ed" "$2/target$3"
}

# Create, configure, commit and bind a ram region on root decoder $1 backed
# by memdevs $2... in the order of the root decoder's targets, one per
# interleave way (all memdevs of the same ram size).
cxl_create_ram_region() {
	rd=$1
	shift
	ways=$#
	size=$(($(cat "$CXL/$1/ram/size") * ways))
	region=$(cat "$CXL/$rd/create_ram_region")
	cxl_write "$region" "$CXL/$rd/create_ram_region" || return 1
	r=$CXL/$region
	cxl_write "$(cat "$CXL/$rd/interleave_granularity")" "$r/interleave_granularity" &&
		cxl_write "$ways" "$r/interleave_ways" &&
		cxl_write "$size" "$r/size" || return 1
	pos=0
	for md in "$@"; do
		cxl_region_target "$md" "$r" $pos || {
			cxl_log "$region on $rd: target $pos ($md) failed"
			return 1
		}
		pos=$((pos + 1))
	done
	if ! { cxl_write 1 "$r/commit" &&
		cxl_write "$region" /sys/bus/cxl/drivers/cxl_region/bind; }; then
		cxl_log "$region on $rd with $*: setup failed"
		return 1
	fi
	cxl_log "$region: $rd + $* ($ways-way), $((size >> 20)) MiB"
}

# One ram region per root decoder that can create them and has a memdev;
# decoders that already have a region keep it (so this can run again after
# a region was torn down).
cxl_setup_regions() {
	n=$(ls -d $CXL/mem* 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || { cxl_log "no CXL memdevs"; return 1; }
	cxl_wait "$n" || return 1
	rc=0
	for rdp in $CXL/decoder*; do
		[ -e "$rdp/create_ram_region" ] || continue
		ls -d "$rdp"/region* >/dev/null 2>&1 && continue
		rd=$(basename "$rdp")
		# One memdev per way, the first ones below the decoder's
		# targets, in their order.
		ways=$(cat "$rdp/interleave_ways")
		# shellcheck disable=SC2046 # one memdev name per word
		set -- $(cxl_root_decoder_memdevs "$rd" | head -n "$ways")
		[ $# = "$ways" ] || continue
		cxl_create_ram_region "$rd" "$@" || rc=1
	done
	return $rc
}
