// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where a mempolicy chooses the zone: the mode flags MPOL_F_ZONE_EXMEM and
 * MPOL_F_ZONE_NOEXMEM of set_mempolicy() and mbind(), and the rule that
 * combines them with a mapping's MAP_EXMEM/MAP_NORMAL (placement.c): the
 * VMA flag outranks the policy flag, which outranks
 * vm.exmem_user_default.
 *
 * Locking: none of its own. exmem_user_gfp() runs under the caller's
 * mmap_lock (asserted) and takes a reference on the policy it reads.
 */
#include <linux/exmem.h>
#include <linux/mempolicy.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>

/**
 * exmem_mpol_gfp - Apply a mempolicy's zone flag to an allocation
 * @pol: the mempolicy in force
 * @gfp: GFP flags of the allocation
 *
 * Zone bits already in @gfp (from a VMA flag, or a kernel caller's own
 * __GFP_EXMEM/__GFP_NOEXMEM) win over the policy. Allocations made by
 * reclaim (PF_MEMALLOC: zram's zsmalloc pages written from direct reclaim
 * in a task that asked for ExMem) are the system's, not the task's memory,
 * and do not get the task's zone rule: with ExMem full it would fail them.
 *
 * Return: @gfp, with the zone rule of @pol if it has one.
 */
gfp_t exmem_mpol_gfp(const struct mempolicy *pol, gfp_t gfp)
{
	if (!pol || (gfp & (__GFP_EXMEM | __GFP_NOEXMEM)))
		return gfp;
	if (current->flags & PF_MEMALLOC)
		return gfp;
	if (pol->flags & MPOL_F_ZONE_EXMEM)
		return exmem_zone_gfp(gfp, true);
	if (pol->flags & MPOL_F_ZONE_NOEXMEM)
		return exmem_zone_gfp(gfp, false);
	return gfp;
}

/**
 * exmem_user_gfp - The zone rule for user memory at @addr of @vma
 * @vma: the mapping
 * @addr: an address inside @vma
 * @gfp: GFP flags of the allocation
 *
 * For paths that allocate user memory without going through
 * vma_alloc_folio() (khugepaged's collapse): the VMA flag, else the VMA's
 * or task's policy flag.
 *
 * Context: the caller holds the mmap_lock of @vma's mm, which keeps @vma
 * and its policy alive.
 *
 * Return: @gfp with __GFP_EXMEM or __GFP_NOEXMEM as the rule requires.
 */
gfp_t exmem_user_gfp(struct vm_area_struct *vma, unsigned long addr,
		     gfp_t gfp)
{
	struct mempolicy *pol;
	pgoff_t ilx;

	mmap_assert_locked(vma->vm_mm);
	gfp = exmem_vma_gfp(vma, gfp);
	if (gfp & (__GFP_EXMEM | __GFP_NOEXMEM))
		return gfp;
	pol = get_vma_policy(vma, addr, 0, &ilx);
	gfp = exmem_mpol_gfp(pol, gfp);
	mpol_cond_put(pol);
	return gfp;
}
