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

/*
 * The nodes of @nodemask (NULL: every node with memory) that have memory
 * of the request's zone, ExMem (@exmem) or other, and that it may use: a
 * user allocation (__GFP_HARDWALL) only its cpuset's, as the allocator's
 * cpuset check allows. Filled into @buf; NULL when there is none.
 *
 * A cpuset rebinding the task meanwhile can make a racy read see no node:
 * an empty answer is only given once mems_allowed_seq says it is stable,
 * as the allocator's own retry_cpuset does.
 */
static nodemask_t *exmem_alloc_nodes(nodemask_t *nodemask, gfp_t gfp,
				     bool exmem, nodemask_t *buf)
{
	bool hardwall = cpusets_enabled() && (gfp & __GFP_HARDWALL) &&
			!in_interrupt();
	unsigned int cookie;
	int nid;

	do {
		cookie = read_mems_allowed_begin();
		nodes_clear(*buf);
		for_each_node_state(nid, N_MEMORY) {
			if (nodemask && !node_isset(nid, *nodemask))
				continue;
			if (hardwall &&
			    !node_isset(nid, cpuset_current_mems_allowed))
				continue;
			if (exmem ? exmem_node_has_exmem(nid) :
				    exmem_node_has_normal(nid))
				node_set(nid, *buf);
		}
	} while (nodes_empty(*buf) && read_mems_allowed_retry(cookie));
	return nodes_empty(*buf) ? NULL : buf;
}

/*
 * May a request that no node it may use can serve be answered with an OOM
 * kill of its task? As for __alloc_pages_may_oom(): only a request that
 * may reclaim and may fail, of a low order; and only a task's own user
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

/*
 * Fail a request that no node it may use can serve: its mempolicy binds
 * it to nodes without its zone, or its cpuset has none, or none is
 * online. Reclaim cannot help it, and no other task's death can. A page
 * fault that failed would be retried for ever (pagefault_out_of_memory()),
 * so a task's own user memory request fails as an MPOL_BIND request with
 * no memory fails, with an OOM kill, of the allocating task alone:
 * out_of_memory() sees the empty nodemask.
 */
static void exmem_alloc_unreachable(gfp_t gfp, unsigned int order,
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

/**
 * exmem_alloc_constrain - Keep a zone-restricted request within its nodes
 * @gfp: the request's GFP flags
 * @order: its order
 * @ac: its allocation context, ac->exmem EXMEM_ALLOC_ONLY or _NEVER, with
 *	the caller's nodemask
 * @buf: storage for a narrowed nodemask, alive as long as the request
 *
 * Called once per request, before the page allocator's slow path.
 *
 * An ExMem-only request's nodemask is narrowed to the nodes that have
 * ExMem, so that direct reclaim, compaction, should_reclaim_retry() and
 * kswapd wake-ups do not empty DRAM for a request DRAM cannot serve, and
 * the OOM killer sees a constrained allocation (CONSTRAINT_MEMORY_POLICY),
 * which vm.panic_on_oom=1 does not panic on. On a node that holds ExMem
 * and other zones, the zone filter still keeps the pages in ExMem; reclaim
 * there may take from both. A request that must stay out of ExMem keeps
 * its nodemask.
 *
 * A zone rule never widens a node rule: when none of the nodes the request
 * may use has memory of its zone, it fails at once without reclaim, and a
 * task's own user memory request OOM-kills that task alone
 * (exmem_alloc_unreachable()). __GFP_NOFAIL requests go on as they would
 * have: they may not fail.
 *
 * Zone state is read racily, as the allocator reads it: a node that loses
 * its ExMem meanwhile has nothing the request can use, which the zone
 * filter already ensures.
 *
 * Return: false if the request has failed, true to go on with the slow
 * path (ac->nodemask possibly pointing at @buf).
 */
bool exmem_alloc_constrain(gfp_t gfp, unsigned int order,
			   struct alloc_context *ac, nodemask_t *buf)
{
	bool exmem = ac->exmem == EXMEM_ALLOC_ONLY;
	nodemask_t *nodes = exmem_alloc_nodes(ac->nodemask, gfp, exmem, buf);

	if (!nodes) {
		if (gfp & __GFP_NOFAIL)
			return true;
		exmem_alloc_unreachable(gfp, order, ac);
		return false;
	}
	if (exmem)
		ac->nodemask = nodes;
	return true;
}
