// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where CXL memory is aggregated: one logical NUMA node per performance
 * class.
 *
 * Firmware gives every CXL window (CFMWS) its own NUMA node, so two devices
 * behind two host bridges show up as two CPU-less nodes, and user space has
 * to bind to both. Memory of the same performance class belongs together:
 * dax_kmem asks exmem_logical_node() which node to add a region's memory
 * to. The first region of a class keeps its own node; later regions whose
 * abstract distance (memory-tiers' performance measure, computed from
 * HMAT/CDAT and link bandwidth) is within exmem.class_tolerance_pct of the
 * class join that node. Each device stays its own memory group and dax
 * device, so it is still visible and unpluggable on its own.
 *
 * The buddy allocator is not forked: a logical node is an ordinary node
 * whose ZONE_EXMEM spans several devices.
 *
 * Locking: exmem_classes is protected by exmem_classes_lock; it is only
 * used when memory is added, never on allocation paths.
 */
#include <linux/exmem.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "exmem."

static bool aggregate = true;
module_param(aggregate, bool, 0644);
MODULE_PARM_DESC(aggregate,
		 "Aggregate CXL memory of one performance class into one node (default: Y)");

/*
 * Two regions are of one class when their abstract distances differ by at
 * most this percentage of the class's distance. 10% by default: identical
 * devices match exactly, while a link trained at half the width or speed
 * changes the distance by far more.
 */
static unsigned int class_tolerance_pct = 10;

/* 0 (exact match) to 100: past that, every class would merge. */
static int class_tolerance_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 100);
}

static const struct kernel_param_ops class_tolerance_ops = {
	.set = class_tolerance_set,
	.get = param_get_uint,
};
module_param_cb(class_tolerance_pct, &class_tolerance_ops,
		&class_tolerance_pct, 0644);
MODULE_PARM_DESC(class_tolerance_pct,
		 "Abstract distance tolerance of one performance class, in percent, 0-100 (default: 10)");

struct exmem_class {
	struct list_head list;	/* on exmem_classes */
	int nid;		/* the logical node of the class */
	int adist;		/* abstract distance of its first region */
};

static LIST_HEAD(exmem_classes);
static DEFINE_MUTEX(exmem_classes_lock);

static bool exmem_class_matches(const struct exmem_class *class, int adist)
{
	long delta = abs(adist - class->adist);

	return delta * 100 <= (long)class->adist * READ_ONCE(class_tolerance_pct);
}

/**
 * exmem_logical_node - The node to add CXL memory of node @nid to
 * @nid: the node firmware assigned to the memory (its CXL window's node)
 * @adist: in: the memory's abstract distance (mt_calc_adistance()); out:
 *	the abstract distance of the class it joined
 *
 * A node has one memory type in memory-tiers, and counts the devices
 * mapped to it (map_count) only under that type. So memory that joins a
 * class takes the class's abstract distance, from which the caller finds
 * the class's memory type: every device of a logical node is counted
 * under one type, and the node stays in its tier until the last device
 * leaves.
 *
 * Return: the node of the first class @adist matches, or @nid, which then
 * starts a new class. @nid, and @adist unchanged, when exmem.aggregate is
 * off or on allocation failure.
 */
int exmem_logical_node(int nid, int *adist)
{
	struct exmem_class *class;
	int own = *adist;

	if (!READ_ONCE(aggregate))
		return nid;

	guard(mutex)(&exmem_classes_lock);
	list_for_each_entry(class, &exmem_classes, list) {
		if (class->nid != nid && !exmem_class_matches(class, own))
			continue;
		*adist = class->adist;
		if (class->nid != nid)
			pr_info("exmem: node %d (adistance %d) aggregated into node %d (adistance %d)\n",
				nid, own, class->nid, class->adist);
		return class->nid;
	}
	class = kzalloc(sizeof(*class), GFP_KERNEL);
	if (class) {
		class->nid = nid;
		class->adist = own;
		list_add_tail(&class->list, &exmem_classes);
	}
	return nid;
}
EXPORT_SYMBOL_GPL(exmem_logical_node);
