/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_EXMEM_H
#define _LINUX_EXMEM_H

/*
 * ZONE_EXMEM services: where user mappings and mempolicies choose the zone
 * (mm/zone_exmem/placement.c), and the interface for the drivers that add
 * extended memory (drivers/dax/kmem.c) and for /proc. The page allocator
 * side is <linux/gfp_exmem.h>.
 */

#include <linux/gfp_exmem.h>
#include <linux/mm.h>
#include <linux/nodemask.h>

struct mempolicy;

/**
 * enum exmem_health - Health of a device that provides ExMem memory
 * @EXMEM_HEALTH_OK: in service
 * @EXMEM_HEALTH_DEGRADED: new ExMem allocations avoid it while other ExMem
 *	is healthy; its pages in use stay
 * @EXMEM_HEALTH_FAILING: isolated; its pages are being migrated away and
 *	its memory offlined
 * @EXMEM_HEALTH_OFFLINE: drained, all its memory offline
 *
 * See Documentation/admin-guide/mm/exmem.rst.
 */
enum exmem_health {
	EXMEM_HEALTH_OK,
	EXMEM_HEALTH_DEGRADED,
	EXMEM_HEALTH_FAILING,
	EXMEM_HEALTH_OFFLINE,
};

#ifdef CONFIG_ZONE_EXMEM
gfp_t exmem_vm_flags_gfp(vm_flags_t vm_flags, gfp_t gfp);
gfp_t exmem_vma_gfp(const struct vm_area_struct *vma, gfp_t gfp);
bool exmem_online(void);
bool exmem_node_has_exmem(int nid);
bool exmem_node_has_normal(int nid);
bool exmem_node_allowed(int nid, gfp_t gfp);
void exmem_target_nid(nodemask_t *nodemask, int *nid, gfp_t gfp);
int exmem_mmap_flags(struct file *file, unsigned long flags,
		     vm_flags_t *vm_flags);
gfp_t exmem_mpol_gfp(const struct mempolicy *pol, gfp_t gfp);
gfp_t exmem_user_gfp(struct vm_area_struct *vma, unsigned long addr,
		     gfp_t gfp);
bool exmem_task_allows(bool exmem, bool task_policy);
int exmem_logical_node(int nid, int *adist);
void exmem_meminfo(unsigned long *total, unsigned long *free);
int exmem_device_add(int mgid, const char *name);
void exmem_device_remove(int mgid);
const char *exmem_health_name(enum exmem_health health);
int exmem_health_report(phys_addr_t start, u64 size, enum exmem_health health,
			const char *event);
int exmem_health_report_lasting(phys_addr_t start, u64 size, const char *event);
void exmem_health_count_error(phys_addr_t start, u64 size);
void exmem_health_set_link(phys_addr_t start, u64 size, unsigned int speed_mts,
			   unsigned int width);
int exmem_health_poison(phys_addr_t start, u64 size);
void exmem_offline_begin(unsigned long start_pfn, unsigned long nr_pages);
#else
static inline gfp_t exmem_vm_flags_gfp(vm_flags_t vm_flags, gfp_t gfp)
{
	return gfp;
}

static inline gfp_t exmem_vma_gfp(const struct vm_area_struct *vma, gfp_t gfp)
{
	return gfp;
}

static inline bool exmem_online(void)
{
	return false;
}

static inline bool exmem_node_allowed(int nid, gfp_t gfp)
{
	return true;
}

static inline bool exmem_task_allows(bool exmem, bool task_policy)
{
	return !exmem;
}

static inline void exmem_target_nid(nodemask_t *nodemask, int *nid, gfp_t gfp)
{
}

static inline int exmem_mmap_flags(struct file *file, unsigned long flags,
				   vm_flags_t *vm_flags)
{
	return 0;
}

static inline gfp_t exmem_mpol_gfp(const struct mempolicy *pol, gfp_t gfp)
{
	return gfp;
}

static inline gfp_t exmem_user_gfp(struct vm_area_struct *vma,
				   unsigned long addr, gfp_t gfp)
{
	return gfp;
}

static inline int exmem_logical_node(int nid, int *adist)
{
	return nid;
}

static inline int exmem_device_add(int mgid, const char *name)
{
	return 0;
}

static inline void exmem_device_remove(int mgid)
{
}

static inline void exmem_offline_begin(unsigned long start_pfn,
				       unsigned long nr_pages)
{
}
#endif

#endif /* _LINUX_EXMEM_H */
