/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_GFP_EXMEM_H
#define _LINUX_GFP_EXMEM_H

#include <linux/gfp.h>

/**
 * DOC: GFP_EXMEM
 *
 * GFP_EXMEM asks for a movable page in ZONE_EXMEM (extended memory, such as
 * CXL-attached DRAM). It is GFP_HIGHUSER_MOVABLE plus %__GFP_EXMEM: only
 * movable allocations may use ZONE_EXMEM, because the zone must stay
 * hot-unpluggable. %__GFP_NOEXMEM keeps a movable allocation out of it.
 */
#define GFP_EXMEM	(GFP_HIGHUSER_MOVABLE | __GFP_EXMEM)
#define GFP_NOEXMEM	(GFP_HIGHUSER_MOVABLE | __GFP_NOEXMEM)

/**
 * exmem_zone_gfp - Restrict an allocation to, or away from, ZONE_EXMEM
 * @gfp: GFP flags; any __GFP_EXMEM/__GFP_NOEXMEM in it are replaced
 * @exmem: true for "only ZONE_EXMEM", false for "never ZONE_EXMEM"
 *
 * Only movable requests may use ZONE_EXMEM, so a request that is not
 * movable is returned without __GFP_EXMEM: it never reaches the zone
 * anyway, and asking would only trip the warning in the allocator.
 *
 * Return: the adjusted GFP flags.
 */
static inline gfp_t exmem_zone_gfp(gfp_t gfp, bool exmem)
{
	gfp &= ~(__GFP_EXMEM | __GFP_NOEXMEM);
	if (!exmem)
		return gfp | __GFP_NOEXMEM;
	if (gfp_zone(gfp) == ZONE_MOVABLE)
		return gfp | __GFP_EXMEM;
	return gfp;
}

#endif /* _LINUX_GFP_EXMEM_H */
