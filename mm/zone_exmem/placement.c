// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where user space chooses the zone: mmap(MAP_EXMEM/MAP_NORMAL), and the
 * node side of every zone rule. The mempolicy mode flags
 * MPOL_F_ZONE_EXMEM/MPOL_F_ZONE_NOEXMEM are in mempolicy.c.
 *
 * Both end as one GFP bit on the allocation: __GFP_EXMEM (only ZONE_EXMEM)
 * or __GFP_NOEXMEM (never ZONE_EXMEM); the page allocator's filter does
 * the rest (mm/zone_exmem/alloc.c). The rules:
 *
 *  - A VMA flag (VM_EXMEM/VM_NORMAL, from mmap) outranks a policy flag,
 *    and a policy flag outranks vm.exmem_user_default.
 *  - A zone rule never widens a node rule: an allocation stays within its
 *    policy's nodes and its cpuset's, and fails when none of them has
 *    memory of its zone, as an MPOL_BIND allocation with no memory fails.
 *    mmap() and the zone flags refuse what is known to fail up front
 *    (exmem_task_allows()). An ExMem-only request's preferred node
 *    becomes the nearest allowed one with ExMem, so local-first paths
 *    (THP) look where the memory is.
 *  - Migration that the kernel starts on its own (NUMA balancing and
 *    memory-tier promotion) never moves a page across the rule; see
 *    exmem_node_allowed() in mpol_misplaced().
 *
 * Nothing here takes a lock: zone and node state are read racily, as the
 * page allocator reads them. A node that loses its ExMem between the check
 * and the allocation makes the allocation fail, never cross the rule.
 */
#include <linux/cpuset.h>
#include <linux/exmem.h>
#include <linux/hugetlb.h>
#include <linux/mempolicy.h>
#include <linux/mman.h>
#include <linux/mmzone.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/vmstat.h>

/**
 * exmem_node_has_exmem - Does node @nid have ExMem memory online?
 * @nid: node id
 *
 * Return: true when @nid is online and its ZONE_EXMEM manages pages.
 */
bool exmem_node_has_exmem(int nid)
{
	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid))
		return false;
	return managed_zone(&NODE_DATA(nid)->node_zones[ZONE_EXMEM]);
}

/**
 * exmem_node_has_normal - Does node @nid have memory online outside ZONE_EXMEM?
 * @nid: node id
 *
 * Return: true when @nid is online and one of its other zones manages pages.
 */
bool exmem_node_has_normal(int nid)
{
	int i;

	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid))
		return false;
	for (i = 0; i < MAX_NR_ZONES; i++)
		if (i != ZONE_EXMEM &&
		    managed_zone(&NODE_DATA(nid)->node_zones[i]))
			return true;
	return false;
}

/**
 * exmem_online - Is any ExMem memory online?
 *
 * Return: true when some node has ExMem pages; MAP_EXMEM and
 * MPOL_F_ZONE_EXMEM are refused with -ENODEV otherwise.
 */
bool exmem_online(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (exmem_node_has_exmem(nid))
			return true;
	return false;
}

/**
 * exmem_node_allowed - May a page with this zone rule move to node @nid?
 * @nid: candidate node
 * @gfp: GFP flags carrying the rule (__GFP_EXMEM/__GFP_NOEXMEM), if any
 *
 * Return: false when @nid has no memory of the zone the rule requires.
 */
bool exmem_node_allowed(int nid, gfp_t gfp)
{
	if (gfp & __GFP_EXMEM)
		return exmem_node_has_exmem(nid);
	if (gfp & __GFP_NOEXMEM)
		return exmem_node_has_normal(nid);
	return true;
}

/* The nearest node to @nid with ExMem, within @nodemask if given. */
static int exmem_nearest_node(int nid, nodemask_t *nodemask)
{
	struct zonelist *zonelist = node_zonelist(nid, GFP_HIGHUSER_MOVABLE);
	struct zoneref *z;
	struct zone *zone;

	/* The zonelist is ordered by node distance from @nid. */
	for_each_zone_zonelist_nodemask(zone, z, zonelist, ZONE_MOVABLE,
					nodemask)
		if (zone_idx(zone) == ZONE_EXMEM && managed_zone(zone))
			return zone_to_nid(zone);
	return NUMA_NO_NODE;
}

/**
 * exmem_target_nid - Point a zone-restricted allocation at its zone
 * @nodemask: the nodemask of the allocation's mempolicy, or NULL
 * @nid: the preferred node; for ExMem-only requests it becomes the nearest
 *	node with ExMem
 * @gfp: GFP flags with __GFP_EXMEM or __GFP_NOEXMEM
 *
 * The zone rule never widens the policy's nodes: when none of them has
 * memory of the zone the request is restricted to, the allocation fails
 * there, and a user fault ends in an OOM kill of the allocating task
 * alone (exmem_alloc_constrain()). mmap() and the policy calls refuse the
 * cases known up front; this covers nodemasks that change afterwards:
 * relative nodes, cpuset rebinding, memory hot-unplug.
 */
void exmem_target_nid(nodemask_t *nodemask, int *nid, gfp_t gfp)
{
	int node;

	if (!(gfp & __GFP_EXMEM))
		return;
	if (*nid == NUMA_NO_NODE)
		*nid = numa_node_id();
	if (!exmem_node_has_exmem(*nid)) {
		node = exmem_nearest_node(*nid, nodemask);
		if (node != NUMA_NO_NODE)
			*nid = node;
	}
}

/**
 * exmem_task_allows - May the current task have user memory of a zone?
 * @exmem: of ZONE_EXMEM (true), or of the other zones (false)
 * @task_policy: narrow the task's nodes by its task policy too
 *
 * A zone rule never widens a node rule: MAP_EXMEM, MAP_NORMAL and the
 * zone flags allocate only on nodes the task may use. Those are its
 * cpuset's memory nodes and, for MAP_EXMEM and MAP_NORMAL (@task_policy),
 * the nodes of its task policy when that is MPOL_BIND, a hard constraint.
 * mmap(), set_mempolicy() and mbind() refuse a zone rule that no such node
 * can meet with -ENODEV. A hint, as racy as the node state it reads: a
 * policy or cpuset changed later makes the faults fail, as an MPOL_BIND
 * fault with no memory fails (see exmem_alloc_constrain()).
 *
 * Return: true if one of the task's nodes has memory of that zone online.
 */
bool exmem_task_allows(bool exmem, bool task_policy)
{
	gfp_t gfp = exmem_zone_gfp(GFP_HIGHUSER_MOVABLE, exmem);
	struct mempolicy *pol;
	nodemask_t nodes;
	int nid;

	/* task_lock() keeps the policy against a cpuset rebinding it. */
	task_lock(current);
	nodes = cpuset_current_mems_allowed;
	pol = current->mempolicy;
	if (task_policy && pol && pol->mode == MPOL_BIND)
		nodes_and(nodes, nodes, pol->nodes);
	task_unlock(current);
	for_each_node_mask(nid, nodes)
		if (exmem_node_allowed(nid, gfp))
			return true;
	return false;
}

/*
 * May MAP_EXMEM/MAP_NORMAL be combined with these flags? Hugetlb pages come
 * from a pool reserved per node in advance, not from a zone the mapping
 * could choose, so the flags cannot be honoured there.
 */
static int exmem_mmap_check(struct file *file, unsigned long flags,
			    unsigned long zone)
{
	if (zone == (MAP_EXMEM | MAP_NORMAL))
		return -EINVAL;
	if ((flags & MAP_HUGETLB) || (file && is_file_hugepages(file)))
		return -EINVAL;
	/* No node the task may use has memory of the zone (or none at all). */
	if (!exmem_task_allows(zone & MAP_EXMEM, true))
		return -ENODEV;
	return 0;
}

/**
 * exmem_mmap_flags - Turn MAP_EXMEM/MAP_NORMAL into VM_EXMEM/VM_NORMAL
 * @file: the file being mapped, or NULL for anonymous memory
 * @flags: the mmap() flags
 * @vm_flags: VMA flags of the new mapping; gets VM_EXMEM or VM_NORMAL
 *
 * Private mappings (anonymous or of a file: the flag then places the
 * copy-on-write copies), shared anonymous memory and shmem/memfd honour
 * the flags. Shared mappings of other files ignore them, as MAP_SHARED
 * ignores every flag it does not know: their pages are the file's page
 * cache. MAP_SHARED_VALIDATE refuses them there, in do_mmap().
 *
 * Return: 0; -EINVAL for both flags, or either with MAP_HUGETLB or a
 * hugetlbfs file; -ENODEV when none of the nodes the task may use (its
 * cpuset's, narrowed by an MPOL_BIND task policy) has memory of the zone
 * the flag asks for online, ExMem for MAP_EXMEM, other memory for
 * MAP_NORMAL.
 */
int exmem_mmap_flags(struct file *file, unsigned long flags,
		     vm_flags_t *vm_flags)
{
	unsigned long zone = flags & (MAP_EXMEM | MAP_NORMAL);
	int err;

	if (!zone)
		return 0;
	err = exmem_mmap_check(file, flags, zone);
	if (err) {
		count_vm_event(EXMEM_MAP_REFUSED);
		return err;
	}
	if (file && !shmem_file(file) && (flags & MAP_TYPE) != MAP_PRIVATE)
		return 0;
	*vm_flags |= (zone & MAP_EXMEM) ? VM_EXMEM : VM_NORMAL;
	return 0;
}

/**
 * exmem_vm_flags_gfp - Apply a mapping's ZONE_EXMEM rule to a user allocation
 * @vm_flags: VMA flags; VM_EXMEM or VM_NORMAL decide, if either is set
 * @gfp: GFP flags of the allocation
 *
 * A VMA flag outranks whatever zone bits @gfp already carries, including
 * those a mempolicy zone flag would add (see exmem_user_gfp()). Out of
 * line, so that <linux/exmem.h> does not depend on the VMA flags.
 *
 * Return: @gfp with __GFP_EXMEM or __GFP_NOEXMEM as the mapping requires.
 */
gfp_t exmem_vm_flags_gfp(vm_flags_t vm_flags, gfp_t gfp)
{
	if (likely(!(vm_flags & (VM_EXMEM | VM_NORMAL))))
		return gfp;
	return exmem_zone_gfp(gfp, vm_flags & VM_EXMEM);
}

/**
 * exmem_vma_gfp - Apply the ZONE_EXMEM rule of mapping @vma
 * @vma: the mapping, or NULL
 * @gfp: GFP flags of the allocation
 *
 * Return: exmem_vm_flags_gfp() of @vma's flags, or @gfp when @vma is NULL.
 */
gfp_t exmem_vma_gfp(const struct vm_area_struct *vma, gfp_t gfp)
{
	return vma ? exmem_vm_flags_gfp(vma->vm_flags, gfp) : gfp;
}
