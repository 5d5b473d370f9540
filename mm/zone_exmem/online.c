// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which zone an ExMem memory block is onlined to.
 *
 * A memory group is ExMem when the driver that added its memory passed
 * MHP_EXMEM (dax_kmem does so for memory inside a CXL window). Only blocks
 * of such groups may be onlined to ZONE_EXMEM; boot memory and other
 * hot-added memory never are.
 */
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "exmem."

/*
 * When true, a plain "online" (MMOP_ONLINE, which is also what automatic
 * onlining uses) of an ExMem block selects ZONE_EXMEM. When false, such
 * blocks follow the generic memory hotplug policy, and "online_exmem" must
 * be asked for explicitly. No lock: the value is sampled once per online
 * request, which runs under the device hotplug lock.
 */
static bool online_default = true;
module_param(online_default, bool, 0644);
MODULE_PARM_DESC(online_default,
		 "Online ExMem memory to ZONE_EXMEM by default (default: Y)");

static bool memory_group_is_exmem(const struct memory_group *group)
{
	return group && group->exmem;
}

/**
 * exmem_zone_for_online - ZONE_EXMEM, if an online request should use it
 * @online_type: the requested MMOP_* online type
 * @nid: the node the memory block belongs to
 * @group: the memory group of the block, or NULL
 *
 * Called by zone_for_pfn_range() before any generic zone policy.
 *
 * Return: the ExMem zone of @nid for "online_exmem", and for "online" while
 * exmem.online_default is set; NULL when the generic policy decides.
 */
struct zone *exmem_zone_for_online(enum mmop online_type, int nid,
				   struct memory_group *group)
{
	if (!memory_group_is_exmem(group))
		return NULL;
	if (online_type == MMOP_ONLINE_EXMEM ||
	    (online_type == MMOP_ONLINE && READ_ONCE(online_default)))
		return &NODE_DATA(nid)->node_zones[ZONE_EXMEM];
	return NULL;
}

/**
 * exmem_online_type_allowed - May a block of @group be onlined as asked?
 * @online_type: the requested MMOP_* online type
 * @group: the memory group of the block, or NULL
 *
 * Return: false for "online_exmem" on memory that is not ExMem, true
 * otherwise.
 */
bool exmem_online_type_allowed(enum mmop online_type,
			       struct memory_group *group)
{
	return online_type != MMOP_ONLINE_EXMEM ||
	       memory_group_is_exmem(group);
}
