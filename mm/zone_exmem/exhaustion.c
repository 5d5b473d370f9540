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
#include <linux/cpuset.h>
#include <linux/exmem.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/oom.h>
#include <linux/sched/signal.h>

#include "../internal.h"

/**
 * exmem_alloc_nodes - The nodes an ExMem-only request may reclaim and OOM in
 * @nodemask: the request's nodemask, or NULL for every node
 * @gfp: the request's GFP flags
 * @buf: storage for the result, alive as long as the request
 *
 * Narrowed to the nodes that have ExMem, direct reclaim, compaction,
 * should_reclaim_retry() and kswapd wake-ups do not empty DRAM for a
 * request DRAM cannot serve, and the OOM killer sees a constrained
 * allocation (CONSTRAINT_MEMORY_POLICY), which vm.panic_on_oom=1 does not
 * panic on. On a node that holds ExMem and other zones, the zone filter
 * still keeps the pages in ExMem; reclaim there may take from both.
 *
 * A user allocation (__GFP_HARDWALL) is narrowed to its cpuset's nodes
 * too, as the allocator's cpuset check narrows it: a zone rule never
 * widens a node rule.
 *
 * The slow path calls this once per request. Zone state is read racily,
 * as the allocator reads it: a node that loses its ExMem meanwhile has
 * nothing the request can use, which the zone filter already ensures.
 *
 * Return: @buf, holding the nodes of @nodemask (or, for NULL, the nodes
 * with memory) that have ExMem and that the request may use; NULL when
 * there is none (see exmem_alloc_unreachable()).
 */
nodemask_t *exmem_alloc_nodes(nodemask_t *nodemask, gfp_t gfp,
			      nodemask_t *buf)
{
	bool hardwall = cpusets_enabled() && (gfp & __GFP_HARDWALL) &&
			!in_interrupt();
	int nid;

	nodes_clear(*buf);
	for_each_node_state(nid, N_MEMORY)
		if ((!nodemask || node_isset(nid, *nodemask)) &&
		    (!hardwall || node_isset(nid, cpuset_current_mems_allowed)) &&
		    exmem_node_has_exmem(nid))
			node_set(nid, *buf);
	return nodes_empty(*buf) ? NULL : buf;
}

/*
 * May a request that no ExMem can serve be answered with an OOM kill of
 * its task? As for __alloc_pages_may_oom(): only a request that may
 * reclaim and may not fail, of a low order; and only a task's own user
 * memory (__GFP_HARDWALL), so that kernel callers of GFP_EXMEM get NULL.
 */
static bool exmem_unreachable_kills(gfp_t gfp, unsigned int order)
{
	return (gfp & __GFP_HARDWALL) && (gfp & __GFP_DIRECT_RECLAIM) &&
	       !(gfp & (__GFP_NORETRY | __GFP_RETRY_MAYFAIL |
			__GFP_THISNODE)) &&
	       order <= PAGE_ALLOC_COSTLY_ORDER && current->mm &&
	       !(current->flags & (PF_DUMPCORE | PF_MEMALLOC));
}

/**
 * exmem_alloc_unreachable - Fail an ExMem-only request no ExMem can serve
 * @gfp: the request's GFP flags
 * @order: its order
 * @ac: its allocation context
 *
 * None of the nodes the request may use has ExMem (exmem_alloc_nodes()
 * found none): its mempolicy binds it to DRAM nodes, or its cpuset has no
 * ExMem node, or no ExMem is online. Reclaim cannot help it, and no other
 * task's death can: the request fails without reclaiming. A page fault
 * that failed would be retried for ever (pagefault_out_of_memory()), so a
 * task's own user memory request fails as an MPOL_BIND request with no
 * memory fails, with an OOM kill, of the allocating task alone
 * (out_of_memory() sees the empty nodemask).
 *
 * Context: the page allocator's slow path; may sleep.
 */
void exmem_alloc_unreachable(gfp_t gfp, unsigned int order,
			     const struct alloc_context *ac)
{
	nodemask_t none = NODE_MASK_NONE;
	struct oom_control oc = {
		.zonelist = ac->zonelist,
		.nodemask = &none,
		.gfp_mask = gfp,
		.order = order,
	};

	if (!exmem_unreachable_kills(gfp, order))
		return;
	/* Somebody else is OOM-killing: the fault is retried meanwhile. */
	if (!mutex_trylock(&oom_lock)) {
		schedule_timeout_uninterruptible(1);
		return;
	}
	out_of_memory(&oc);
	mutex_unlock(&oom_lock);
}
