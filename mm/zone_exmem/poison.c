// SPDX-License-Identifier: GPL-2.0-only
/*
 * Poisoned ExMem pages go to memory_failure(), every one of them.
 *
 * A device reports poison as ranges: a CXL poison list record covers up to
 * 2^32 * 64 bytes, a general media event one cache line. The pages of a
 * range are handed to memory_failure() in process context, by
 * exmem_poison_work, not through memory_failure_queue(): its per-CPU kfifo
 * holds 16 entries and drops the rest ("buffer overflow when queuing
 * memory failure"), so a record longer than 64 KiB, filled in a tight
 * loop, left most of its pages mapped and in use.
 *
 * exmem_health_poison() only queues the range: its callers hold the CXL
 * region and DPA rwsems, or run in an IRQ thread, and memory_failure()
 * may take long (it unmaps, kills, migrates). The queue holds one entry
 * per range, not per page, and the work yields between pages.
 *
 * Locking: exmem_poison_lock (a spinlock) protects exmem_poison_ranges.
 */
#include <linux/exmem.h>
#include <linux/list.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

/* A poisoned range waiting for exmem_poison_work: [pfn, end_pfn). */
struct exmem_poison_range {
	struct list_head list;
	unsigned long pfn, end_pfn;
};

static LIST_HEAD(exmem_poison_ranges);
static DEFINE_SPINLOCK(exmem_poison_lock);

static void exmem_poison_fn(struct work_struct *work);
static DECLARE_WORK(exmem_poison_work, exmem_poison_fn);

/* The next queued range, taken off the queue, or NULL. */
static struct exmem_poison_range *exmem_poison_next(void)
{
	struct exmem_poison_range *r;

	guard(spinlock)(&exmem_poison_lock);
	r = list_first_entry_or_null(&exmem_poison_ranges,
				     struct exmem_poison_range, list);
	if (r)
		list_del(&r->list);
	return r;
}

/*
 * memory_failure() for each online ExMem page of @r; the number of such
 * pages. Other pages (offline, another zone) are not ours to poison. A
 * page already poisoned is skipped: a device's poison list holds its
 * records until they are cleared, so every read of the list reports them
 * again, and memory_failure() would log each as a failed recovery.
 */
static unsigned long exmem_poison_range(const struct exmem_poison_range *r)
{
	unsigned long pfn, nr = 0;
	struct page *page;

	for (pfn = r->pfn; pfn < r->end_pfn; pfn++) {
		page = pfn_to_online_page(pfn);
		if (page && zone_idx_is_exmem(page_zonenum(page))) {
			nr++;
			if (PageHWPoison(page))
				continue;
			/* Without CONFIG_MEMORY_FAILURE, only counted. */
			if (IS_ENABLED(CONFIG_MEMORY_FAILURE))
				memory_failure(pfn, 0);
			exmem_health_count_error(PFN_PHYS(pfn), PAGE_SIZE);
		}
		cond_resched();
	}
	return nr;
}

static void exmem_poison_fn(struct work_struct *work)
{
	struct exmem_poison_range *r;

	while ((r = exmem_poison_next())) {
		if (!exmem_poison_range(r))
			pr_warn_ratelimited("exmem: poison at PFN %#lx-%#lx is not online ExMem, ignored\n",
					    r->pfn, r->end_pfn - 1);
		kfree(r);
	}
}

/**
 * exmem_health_poison - Hand poisoned ExMem pages to memory_failure()
 * @start: physical start address of the poisoned range
 * @size: size in bytes
 *
 * Queues the range for a work item that calls memory_failure() on each of
 * its online ZONE_EXMEM pages, which unmaps them, so that only the
 * processes that touch them get SIGBUS, and counts an error against the
 * page's device. A range holding no online ExMem page is logged and
 * ignored there. May be called in any context that may sleep.
 *
 * Return: 0, -EINVAL for an empty or wrapping range, -ENOMEM.
 */
int exmem_health_poison(phys_addr_t start, u64 size)
{
	struct exmem_poison_range *r;

	if (!size || start + size < start)
		return -EINVAL;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->pfn = PHYS_PFN(start);
	r->end_pfn = PFN_UP(start + size);
	scoped_guard(spinlock, &exmem_poison_lock)
		list_add_tail(&r->list, &exmem_poison_ranges);
	schedule_work(&exmem_poison_work);
	return 0;
}
EXPORT_SYMBOL_GPL(exmem_health_poison);
