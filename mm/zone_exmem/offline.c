// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where offlining keeps an ExMem block's pages off its own device.
 *
 * Offlining an ExMem block migrates its pages to other ExMem first
 * (exmem_migrate_in_tier() in mm/memory_hotplug.c). Left alone, the
 * allocator would often place them on the same device's other blocks, and
 * an administrator who offlines a device block by block (daxctl
 * offline-memory does) would move the same data once per block. So while
 * one block of a device is being offlined, and other ExMem has room for a
 * whole block, the device's other online blocks are isolated too: the
 * pages go to another device at once, and stay in their tier. Without room
 * elsewhere nothing is isolated, and the pages may use the device's other
 * blocks as before.
 *
 * The isolation lasts from MEM_GOING_OFFLINE to MEM_OFFLINE or
 * MEM_CANCEL_OFFLINE, one of which always follows. Blocks isolated for
 * device health (&exmem_block.isolated) are left as they are.
 *
 * Locking: memory notifiers run under the device hotplug lock and
 * mem_hotplug_lock, which serialise offlining with health's isolation
 * changes (exmem_rebalance() holds the device hotplug lock too).
 */
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/xarray.h>

#include "device.h"

/* ExMem pages the allocator can hand out now, on all nodes. */
static unsigned long exmem_allocatable_pages(void)
{
	unsigned long free = 0;
	int nid;

	/* NR_FREE_PAGES leaves out free pages of isolated pageblocks. */
	for_each_online_node(nid)
		free += zone_page_state(&NODE_DATA(nid)->node_zones[ZONE_EXMEM],
					NR_FREE_PAGES);
	return free;
}

/* Release every block this file isolated. */
static void exmem_release_siblings(void)
{
	struct exmem_block *blk;
	unsigned long id;

	xa_for_each(&exmem_blocks, id, blk) {
		if (!blk->sibling_isolated)
			continue;
		exmem_isolate_block_range(id, false);
		blk->sibling_isolated = false;
	}
}

/* MEM_GOING_OFFLINE of ExMem block @self: isolate its device's others. */
static void exmem_isolate_siblings(unsigned long self)
{
	struct exmem_block *blk, *victim = xa_load(&exmem_blocks, self);
	unsigned long id;

	if (!victim)
		return;
	xa_for_each(&exmem_blocks, id, blk) {
		if (id == self || blk->dev != victim->dev || blk->isolated ||
		    blk->sibling_isolated)
			continue;
		if (!exmem_isolate_block_range(id, true))
			blk->sibling_isolated = true;
	}
	/* No room elsewhere: the device's own blocks are better than DRAM. */
	if (exmem_allocatable_pages() < exmem_block_pages)
		exmem_release_siblings();
}

static int exmem_offline_callback(struct notifier_block *nb,
				  unsigned long action, void *arg)
{
	struct memory_notify *mn = arg;

	switch (action) {
	case MEM_GOING_OFFLINE:
		exmem_isolate_siblings(pfn_to_block_id(mn->start_pfn));
		break;
	case MEM_OFFLINE:
	case MEM_CANCEL_OFFLINE:
		exmem_release_siblings();
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block exmem_offline_nb = {
	.notifier_call = exmem_offline_callback,
	/* After pin.c's callback, which may refuse the offline. */
	.priority = DEFAULT_CALLBACK_PRI - 1,
};

static int __init exmem_offline_init(void)
{
	return register_memory_notifier(&exmem_offline_nb);
}
subsys_initcall(exmem_offline_init);
