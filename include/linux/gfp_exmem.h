/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_GFP_EXMEM_H
#define _LINUX_GFP_EXMEM_H

#include <linux/gfp_types.h>

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

#endif /* _LINUX_GFP_EXMEM_H */
