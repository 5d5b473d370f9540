/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_EXMEM_H
#define _LINUX_EXMEM_H

/*
 * ZONE_EXMEM services for the drivers that add extended memory
 * (drivers/dax/kmem.c) and for /proc. The page allocator side is
 * <linux/gfp_exmem.h>.
 */

#ifdef CONFIG_ZONE_EXMEM
int exmem_logical_node(int nid, int adist);
void exmem_meminfo(unsigned long *total, unsigned long *free);
int exmem_device_add(int mgid, const char *name);
void exmem_device_remove(int mgid);
#else
static inline int exmem_logical_node(int nid, int adist)
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
#endif

#endif /* _LINUX_EXMEM_H */
