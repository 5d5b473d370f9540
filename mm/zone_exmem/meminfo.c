// SPDX-License-Identifier: GPL-2.0-only
/*
 * ExMem totals for /proc/meminfo.
 */
#include <linux/exmem.h>
#include <linux/mm.h>

/**
 * exmem_meminfo - Size and free memory of ZONE_EXMEM, over all nodes
 * @total: managed pages of all ExMem zones
 * @free: free pages of all ExMem zones
 */
void exmem_meminfo(unsigned long *total, unsigned long *free)
{
	struct zone *zone;

	*total = 0;
	*free = 0;
	for_each_populated_zone(zone) {
		if (!zone_idx_is_exmem(zone_idx(zone)))
			continue;
		*total += zone_managed_pages(zone);
		*free += zone_page_state(zone, NR_FREE_PAGES);
	}
}
