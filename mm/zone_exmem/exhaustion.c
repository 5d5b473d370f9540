// SPDX-License-Identifier: GPL-2.0-only
/*
 * When ExMem runs out: the node constraint that makes an ExMem-only
 * request's reclaim, compaction, retries and OOM kill stay in ExMem.
 *
 * The zone filter (exmem_zone_allowed() in mm/internal.h) keeps such a
 * request out of other zones, but the slow path of the page allocator and
 * the OOM killer work on nodes. Narrowing the request's nodemask to the
 * nodes that have ExMem makes them treat it as they treat MPOL_BIND; the
 * OOM killer then ranks tasks by their resident ExMem pages
 * (MM_EXMEMPAGES, see exmem_mm_account()) in mm/oom_kill.c.
 */
#include <linux/exmem.h>
#include <linux/mm.h>
#include <linux/nodemask.h>

#include "../internal.h"

/**
 * exmem_alloc_nodes - The nodes an ExMem-only request may reclaim and OOM in
 * @nodemask: the request's nodemask, or NULL for every node
 * @buf: storage for the result, alive as long as the request
 *
 * Narrowed to the nodes that have ExMem, direct reclaim, compaction,
 * should_reclaim_retry() and kswapd wake-ups do not empty DRAM for a
 * request DRAM cannot serve, and the OOM killer sees a constrained
 * allocation (CONSTRAINT_MEMORY_POLICY), which vm.panic_on_oom=1 does not
 * panic on. On a node that holds ExMem and other zones, the zone filter
 * still keeps the pages in ExMem; reclaim there may take from both.
 *
 * The slow path calls this once per request. Zone state is read racily,
 * as the allocator reads it: a node that loses its ExMem meanwhile has
 * nothing the request can use, which the zone filter already ensures.
 *
 * Return: @buf, holding the nodes of @nodemask (or, for NULL, the nodes
 * with memory) that have ExMem; @nodemask itself when none has. The OOM
 * killer then still counts only ExMem, and kills the allocating task if
 * no task holds any.
 */
nodemask_t *exmem_alloc_nodes(nodemask_t *nodemask, nodemask_t *buf)
{
	int nid;

	nodes_clear(*buf);
	for_each_node_state(nid, N_MEMORY)
		if ((!nodemask || node_isset(nid, *nodemask)) &&
		    exmem_node_has_exmem(nid))
			node_set(nid, *buf);
	return nodes_empty(*buf) ? nodemask : buf;
}
