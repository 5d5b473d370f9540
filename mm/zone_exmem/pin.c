// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where long-term pins on ZONE_EXMEM pages are recorded, and what they block.
 *
 * Unlike ZONE_MOVABLE, ZONE_EXMEM keeps long-term pinned pages in place. To
 * keep memory unpluggable anyway:
 *
 * - a long-term pin (FOLL_LONGTERM) kept in place is recorded on its memory
 *   block: one bit per page of the pinned folio, set by GUP once the pin is
 *   held and cleared when the folio's last pin is dropped. Blocks and
 *   devices count the bits, so re-pinning a folio counts nothing new.
 *   Short-term pins (O_DIRECT, splice, process_vm_*) are not recorded:
 *   offlining waits for them to end, exactly as on ZONE_MOVABLE;
 * - the budget is in blocks: at most vm.exmem_pin_budget_pct of a device's
 *   blocks may hold long-term pins (its pin blocks). A block becomes a pin
 *   block with its first long-term pin and stops being one with its last.
 *   A folio in any other block is not long-term pinnable once the device's
 *   pin blocks are all taken, and GUP migrates it first, as for
 *   ZONE_MOVABLE: into a free page of a pin block (small folios), else to
 *   ordinary memory;
 * - offlining a block that holds long-term pins fails at once with -EBUSY,
 *   naming the block, its pinned pages and the last task that pinned there,
 *   instead of retrying until a signal arrives.
 *
 * Locking: exmem_blocks (an xarray indexed by memory block id) is written
 * only from the memory notifier, under the device hotplug lock; readers on
 * the pin paths (gup-fast included, IRQs off) use RCU. A block entry is
 * freed, after an RCU grace period, only once the block is offline, when no
 * page of it can be pinned. Each device's pin_lock (IRQ-safe: unpins run
 * from I/O completion) protects the pin bitmaps and counts of its blocks.
 * exmem_devs_lock (a mutex) protects the device list; a device lives as
 * long as one of its blocks is online.
 */
#include <linux/exmem.h>
#include <linux/kobject.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/vmstat.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>

#include "../internal.h"
#include "device.h"

/* Online ExMem blocks by block id; see the locking rules above. */
DEFINE_XARRAY(exmem_blocks);
/* Registered devices (exmem_devs_lock). */
LIST_HEAD(exmem_devs);
/* Protects exmem_devs and the health fields of its devices. */
DEFINE_MUTEX(exmem_devs_lock);

/*
 * Budget: the share of a device's memory blocks, in percent, that may hold
 * long-term pins. 10% by default: room for the RDMA/io_uring buffers of
 * typical applications on a device of a few dozen blocks or more, while 90%
 * of every device always stays unpluggable. A device gets
 * blocks * pct / 100 pin blocks, rounded down. 0 makes ExMem behave like
 * ZONE_MOVABLE for long-term pins; 100 lets pins spread over a device.
 */
static unsigned int exmem_pin_budget_pct = 10;

/* Pages per memory block: set once at init, constant afterwards. */
unsigned long exmem_block_pages __read_mostly;

/* The memory block id of @pfn, as drivers/base/memory.c numbers blocks. */
unsigned long pfn_to_block_id(unsigned long pfn)
{
	return pfn / exmem_block_pages;
}

static struct exmem_block *folio_exmem_block(struct folio *folio)
{
	return xa_load(&exmem_blocks, pfn_to_block_id(folio_pfn(folio)));
}

/*
 * The bits of @folio in its block's pin bitmap: one per page, from its head
 * page's, within the block.
 */
static unsigned long exmem_pin_bits(const struct exmem_block *blk,
				    struct folio *folio, unsigned long *nr)
{
	unsigned long bit = folio_pfn(folio) - blk->start_pfn;

	*nr = min(folio_nr_pages(folio), exmem_block_pages - bit);
	return bit;
}

/* Set (@set) or clear the bits [@bit, @bit + @nr); how many changed. */
static long exmem_pin_bits_change(struct exmem_block *blk, unsigned long bit,
				  unsigned long nr, bool set)
{
	long changed = 0;

	lockdep_assert_held(&blk->dev->pin_lock);
	for (; nr; nr--, bit++)
		changed += set ? !__test_and_set_bit(bit, blk->pinned) :
				 __test_and_clear_bit(bit, blk->pinned);
	return changed;
}

/* Pages of @dev: a static group knows its size, a dynamic one its blocks. */
static unsigned long exmem_dev_capacity(const struct exmem_dev *dev)
{
	if (dev->group->is_dynamic)
		return READ_ONCE(dev->nr_blocks) * exmem_block_pages;
	return dev->group->s.max_pages;
}

/* Blocks of @dev that may hold long-term pins. */
static unsigned long exmem_dev_pin_blocks_max(const struct exmem_dev *dev)
{
	return exmem_dev_capacity(dev) / exmem_block_pages *
	       READ_ONCE(exmem_pin_budget_pct) / 100;
}

/*
 * May @blk take a long-term pin it does not hold yet? Yes if it is a pin
 * block already and the device is within its budget, or if the device has
 * a pin block to spare. A lowered budget lets existing pins stay but stops
 * new ones until the device is back within it. Exact under the device's
 * pin_lock, a hint without it.
 */
static bool exmem_block_may_pin(const struct exmem_block *blk)
{
	unsigned long max = exmem_dev_pin_blocks_max(blk->dev);
	unsigned long used = READ_ONCE(blk->dev->pin_blocks);

	if (READ_ONCE(blk->pinned_pages))
		return used <= max;
	return used < max;
}

/*
 * Add @nr (or take -@nr) pinned pages to @blk and its device: the bits just
 * set (cleared), so that the counts are always the bitmaps' weights.
 */
static void exmem_block_add_pinned(struct exmem_block *blk, long nr)
{
	struct exmem_dev *dev = blk->dev;

	lockdep_assert_held(&dev->pin_lock);
	if (!blk->pinned_pages)
		WRITE_ONCE(dev->pin_blocks, dev->pin_blocks + 1);
	WRITE_ONCE(blk->pinned_pages, blk->pinned_pages + nr);
	WRITE_ONCE(dev->pinned_pages, dev->pinned_pages + nr);
	if (!blk->pinned_pages)
		WRITE_ONCE(dev->pin_blocks, dev->pin_blocks - 1);
	/* Only bits that were set are ever subtracted: never below zero. */
	WARN_ON_ONCE(blk->pinned_pages < 0 || dev->pinned_pages < 0);
}

/**
 * exmem_longterm_pin - Record a long-term pin of an ExMem folio in place
 * @folio: a folio in ZONE_EXMEM that the caller holds a FOLL_PIN on
 *
 * Called by GUP for FOLL_LONGTERM pins, in any context (gup-fast runs with
 * interrupts disabled), only once the pin is held: exmem_unpin() then sees
 * it, whichever of the two takes the device's pin_lock first.
 *
 * Return: true if the pin may stay where it is (now recorded), false if the
 * device's pin blocks are used up (the caller migrates the folio).
 */
bool exmem_longterm_pin(struct folio *folio)
{
	struct exmem_block *blk;
	unsigned long flags, bit, nr;
	bool ok = false;

	rcu_read_lock();
	blk = folio_exmem_block(folio);
	if (!blk)
		goto out;
	bit = exmem_pin_bits(blk, folio, &nr);
	spin_lock_irqsave(&blk->dev->pin_lock, flags);
	if (test_bit(bit, blk->pinned)) {
		ok = true;	/* pinned already: counted once */
	} else if (exmem_block_may_pin(blk)) {
		exmem_block_add_pinned(blk,
				       exmem_pin_bits_change(blk, bit, nr, true));
		ok = true;
	}
	if (ok) {
		blk->pinner_pid = task_pid_nr(current);
		strscpy(blk->pinner_comm, current->comm);
	}
	spin_unlock_irqrestore(&blk->dev->pin_lock, flags);
out:
	rcu_read_unlock();
	if (ok)
		count_vm_event(EXMEM_PIN_INPLACE);
	return ok;
}

/*
 * Will @folio still hold a pin once @refs are dropped? The rule of
 * folio_maybe_dma_pinned(), applied before gup_put_folio() drops them: an
 * exact count for large folios, GUP_PIN_COUNTING_BIAS references for small
 * ones (which 1024 ordinary references also reach: a page so shared keeps
 * its record until exmem_block_prune() sees it unpinned).
 */
static bool exmem_folio_pinned_after(struct folio *folio, int refs)
{
	if (folio_test_large(folio))
		return atomic_read(&folio->_pincount) > refs;
	return folio_ref_count(folio) - refs * GUP_PIN_COUNTING_BIAS >=
	       GUP_PIN_COUNTING_BIAS;
}

/**
 * exmem_unpin - Forget a long-term pin once an ExMem folio holds no pin
 * @folio: a folio in ZONE_EXMEM
 * @refs: the FOLL_PIN references about to be dropped, still held
 *
 * Called by gup_put_folio() for every pin dropped, long-term or not, in any
 * context (I/O completion included). Folios that were never long-term
 * pinned in place cost one bit test.
 */
void exmem_unpin(struct folio *folio, int refs)
{
	struct exmem_block *blk;
	unsigned long flags, bit, nr;

	rcu_read_lock();
	blk = folio_exmem_block(folio);
	if (!blk)
		goto out;
	bit = exmem_pin_bits(blk, folio, &nr);
	/* Only set under pin_lock by a pinner that holds a pin: see above. */
	if (!test_bit(bit, blk->pinned))
		goto out;
	spin_lock_irqsave(&blk->dev->pin_lock, flags);
	if (test_bit(bit, blk->pinned) &&
	    !exmem_folio_pinned_after(folio, refs))
		exmem_block_add_pinned(blk,
				       -exmem_pin_bits_change(blk, bit, nr, false));
	spin_unlock_irqrestore(&blk->dev->pin_lock, flags);
out:
	rcu_read_unlock();
}

/*
 * Drop the records of pages in @blk that hold no pin any more: the
 * backstop for small folios unpinned while they had 1024 other references
 * (see exmem_folio_pinned_after()). Reading a page's refcount is safe
 * whatever the page is now; a stale record errs on the side of "pinned".
 */
static void exmem_block_prune(struct exmem_block *blk)
{
	unsigned long flags, bit;

	spin_lock_irqsave(&blk->dev->pin_lock, flags);
	for_each_set_bit(bit, blk->pinned, exmem_block_pages) {
		if (folio_maybe_dma_pinned(page_folio(pfn_to_page(blk->start_pfn + bit))))
			continue;
		exmem_block_add_pinned(blk,
				       -exmem_pin_bits_change(blk, bit, 1, false));
	}
	spin_unlock_irqrestore(&blk->dev->pin_lock, flags);
}

/*
 * A block stays online while a pin target is being taken from it:
 * exmem_block_going_offline() marks it offlining, then waits for the
 * takers it may have raced with; a taker that sees the mark backs off.
 */
static void exmem_block_target_put(struct exmem_block *blk)
{
	if (atomic_dec_and_test(&blk->targeting))
		wake_up_var(&blk->targeting);
}

static bool exmem_block_target_get(struct exmem_block *blk)
{
	atomic_inc(&blk->targeting);
	smp_mb__after_atomic();		/* pairs with exmem_block_offlining() */
	if (!READ_ONCE(blk->offlining))
		return true;
	exmem_block_target_put(blk);
	return false;
}

/*
 * A free page of @blk, from its buddy heads (a racy hint that
 * alloc_contig_range() checks), starting where the last search ended; 0
 * if none. Under RCU.
 */
static unsigned long exmem_block_free_pfn(struct exmem_block *blk)
{
	unsigned long end = blk->start_pfn + exmem_block_pages;
	unsigned long pfn = READ_ONCE(blk->free_hint), n;
	struct page *page;

	if (pfn < blk->start_pfn || pfn >= end)
		pfn = blk->start_pfn;
	for (n = 0; n < exmem_block_pages; n++, pfn++) {
		if (pfn >= end)
			pfn = blk->start_pfn;
		page = pfn_to_online_page(pfn);
		if (page && PageBuddy(page)) {
			WRITE_ONCE(blk->free_hint, pfn + 1);
			return pfn;
		}
	}
	return 0;
}

/* Take a free page of one of @dev's pin blocks, or return NULL. */
static struct folio *exmem_pin_block_alloc(struct exmem_dev *dev)
{
	struct exmem_block *blk;
	unsigned long id, pfn;
	int ret;

	rcu_read_lock();
	xa_for_each(&exmem_blocks, id, blk) {
		if (blk->dev != dev || !READ_ONCE(blk->pinned_pages))
			continue;
		pfn = exmem_block_free_pfn(blk);
		if (!pfn || !exmem_block_target_get(blk))
			continue;
		rcu_read_unlock();
		/* Isolates the page's pageblock meanwhile, drains pcplists. */
		ret = alloc_contig_range(pfn, pfn + 1, MIGRATE_MOVABLE,
					 GFP_KERNEL | __GFP_NOWARN);
		exmem_block_target_put(blk);
		if (!ret)
			return pfn_folio(pfn);
		rcu_read_lock();
	}
	rcu_read_unlock();
	return NULL;
}

/**
 * exmem_longterm_pin_target - Where GUP migrates a folio before pinning it
 * @src: a folio that may not be long-term pinned where it is
 * @private: the struct migration_target_control of alloc_migration_target()
 *
 * An ExMem folio whose block may not take a long-term pin goes to a free
 * page of one of its device's pin blocks, so that the pin stays in ExMem
 * without taking another block; once they are full, and for every other
 * folio, to where alloc_migration_target() puts it (ordinary memory: the
 * request is not movable). Large folios go there too for now: the pin
 * blocks are searched for single free pages only.
 *
 * Return: the new folio, or NULL.
 */
struct folio *exmem_longterm_pin_target(struct folio *src,
					unsigned long private)
{
	struct exmem_block *blk;
	struct exmem_dev *dev = NULL;
	struct folio *dst = NULL;

	if (folio_is_zone_exmem(src) && !folio_test_large(src)) {
		rcu_read_lock();
		blk = folio_exmem_block(src);
		/* The block holds @src, isolated: it cannot go offline. */
		if (blk)
			dev = blk->dev;
		rcu_read_unlock();
		if (dev)
			dst = exmem_pin_block_alloc(dev);
	}
	return dst ?: alloc_migration_target(src, private);
}

/**
 * exmem_folio_longterm_pinnable - May @folio be long-term pinned in place?
 * @folio: a folio in ZONE_EXMEM
 *
 * Called from folio_is_longterm_pinnable(), before the pin is taken: a
 * hint that lets GUP migrate at once; exmem_longterm_pin() decides.
 *
 * Return: true if the folio's block holds long-term pins already, or its
 * device has a pin block to spare.
 */
bool exmem_folio_longterm_pinnable(struct folio *folio)
{
	struct exmem_block *blk;
	bool ok;

	rcu_read_lock();
	blk = folio_exmem_block(folio);
	ok = blk && exmem_block_may_pin(blk);
	rcu_read_unlock();
	return ok;
}

/**
 * exmem_range_pinned - Long-term pinned pages in a range of memory blocks
 * @start_pfn: first PFN, memory block aligned
 * @nr_pages: number of pages, a multiple of the memory block size
 *
 * For offlining: stale records are dropped first (exmem_block_prune()).
 *
 * Return: the pages of the range's ExMem blocks that hold long-term pins.
 */
long exmem_range_pinned(unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long id = pfn_to_block_id(start_pfn);
	unsigned long last = pfn_to_block_id(start_pfn + nr_pages - 1);
	struct exmem_block *blk;
	long pinned = 0;

	rcu_read_lock();
	for (; id <= last; id++) {
		blk = xa_load(&exmem_blocks, id);
		if (!blk || !READ_ONCE(blk->pinned_pages))
			continue;
		exmem_block_prune(blk);
		pinned += READ_ONCE(blk->pinned_pages);
	}
	rcu_read_unlock();
	return pinned;
}

/**
 * exmem_block_pinned - Long-term pinned pages in memory block @block_id
 * @block_id: memory block id
 *
 * For sysfs: a plain read of the count, no walk of the block.
 *
 * Return: its pages recorded as long-term pinned, 0 for non-ExMem blocks.
 */
long exmem_block_pinned(unsigned long block_id)
{
	struct exmem_block *blk;
	long pinned = 0;

	rcu_read_lock();
	blk = xa_load(&exmem_blocks, block_id);
	if (blk)
		pinned = READ_ONCE(blk->pinned_pages);
	rcu_read_unlock();
	return pinned;
}

/* Find the registered device of @group and take a block's reference. */
static struct exmem_dev *exmem_dev_get(struct memory_group *group)
{
	struct exmem_dev *dev;

	lockdep_assert_held(&exmem_devs_lock);
	list_for_each_entry(dev, &exmem_devs, list) {
		if (dev->group == group) {
			dev->nr_blocks++;
			kobject_get(&dev->kobj);
			return dev;
		}
	}
	return NULL;
}

/* Drop a block's reference on its device; exmem_devs_lock held. */
static void exmem_dev_put(struct exmem_dev *dev)
{
	lockdep_assert_held(&exmem_devs_lock);
	dev->nr_blocks--;
	kobject_put(&dev->kobj);
}

static struct memory_group *pfn_memory_group(unsigned long pfn)
{
	struct memory_block *mem = find_memory_block(pfn_to_section_nr(pfn));
	struct memory_group *group;

	if (!mem)
		return NULL;
	group = mem->group;
	put_device(&mem->dev);
	return group;
}

/* The physical range a device's blocks were ever online in. */
static void exmem_dev_extend(struct exmem_dev *dev, unsigned long start_pfn)
{
	unsigned long end_pfn = start_pfn + exmem_block_pages;

	if (!dev->end_pfn || start_pfn < dev->start_pfn)
		dev->start_pfn = start_pfn;
	dev->end_pfn = max(dev->end_pfn, end_pfn);
}

static int exmem_block_going_online(unsigned long start_pfn)
{
	struct memory_group *group = pfn_memory_group(start_pfn);
	struct exmem_block *blk;
	int ret;

	/* ExMem blocks always belong to a group: see MHP_EXMEM. */
	if (WARN_ON_ONCE(!group))
		return -EINVAL;
	blk = kvzalloc(struct_size(blk, pinned,
				   BITS_TO_LONGS(exmem_block_pages)),
		       GFP_KERNEL);
	if (!blk)
		return -ENOMEM;
	blk->start_pfn = start_pfn;
	mutex_lock(&exmem_devs_lock);
	blk->dev = exmem_dev_get(group);
	if (blk->dev) {
		exmem_dev_extend(blk->dev, start_pfn);
		ret = xa_err(xa_store(&exmem_blocks, pfn_to_block_id(start_pfn),
				      blk, GFP_KERNEL));
		if (ret)
			exmem_dev_put(blk->dev);
	} else {
		/* Only registered devices add MHP_EXMEM memory. */
		pr_err("exmem: memory%lu: no ExMem device registered for its group\n",
		       pfn_to_block_id(start_pfn));
		ret = -ENODEV;
	}
	mutex_unlock(&exmem_devs_lock);
	if (ret)
		kvfree(blk);
	return ret;
}

static void exmem_block_gone(unsigned long start_pfn)
{
	struct exmem_block *blk;

	blk = xa_erase(&exmem_blocks, pfn_to_block_id(start_pfn));
	if (!blk)
		return;
	/* Offline pages hold no pin: offlining migrated or refused them. */
	WARN_ON_ONCE(READ_ONCE(blk->pinned_pages));
	mutex_lock(&exmem_devs_lock);
	exmem_dev_put(blk->dev);
	mutex_unlock(&exmem_devs_lock);
	kvfree_rcu(blk, rcu);
}

/*
 * No pin target is taken from the block from now on (until the offline is
 * cancelled), and none is being taken. Under the device hotplug lock, which
 * keeps the entry alive.
 */
static void exmem_block_offlining(unsigned long start_pfn, bool offlining)
{
	struct exmem_block *blk;

	blk = xa_load(&exmem_blocks, pfn_to_block_id(start_pfn));
	if (!blk)
		return;
	WRITE_ONCE(blk->offlining, offlining);
	if (!offlining)
		return;
	smp_mb();	/* pairs with exmem_block_target_get() */
	wait_var_event(&blk->targeting, !atomic_read(&blk->targeting));
}

/* Refuse to offline a block holding long-term pins: fail fast, say why. */
static int exmem_block_going_offline(unsigned long start_pfn,
				     unsigned long nr_pages)
{
	struct exmem_block *blk;
	char comm[TASK_COMM_LEN] = "?";
	unsigned long flags;
	pid_t pid = 0;
	long pinned;

	exmem_block_offlining(start_pfn, true);
	pinned = exmem_range_pinned(start_pfn, nr_pages);
	if (!pinned)
		return 0;
	rcu_read_lock();
	blk = xa_load(&exmem_blocks, pfn_to_block_id(start_pfn));
	if (blk) {
		spin_lock_irqsave(&blk->dev->pin_lock, flags);
		pid = blk->pinner_pid;
		strscpy(comm, blk->pinner_comm);
		spin_unlock_irqrestore(&blk->dev->pin_lock, flags);
	}
	rcu_read_unlock();
	pr_info("exmem: memory%lu: %ld long-term pinned pages (last pinned by %s[%d]), offline refused\n",
		pfn_to_block_id(start_pfn), pinned, comm, pid);
	count_vm_event(EXMEM_OFFLINE_PINNED);
	return -EBUSY;
}

/*
 * Free pages in @pfn..@end: the buddy heads, read locklessly (a snapshot,
 * like /proc/pagetypeinfo), skipping each free buddy whole. A resched
 * point per pageblock keeps a walk of a large block preemptible.
 */
static unsigned long exmem_range_free_pages(unsigned long pfn,
					    unsigned long end)
{
	unsigned long free = 0;
	struct page *page;

	while (pfn < end) {
		if (IS_ALIGNED(pfn, pageblock_nr_pages))
			cond_resched();
		page = pfn_to_online_page(pfn);
		if (page && PageBuddy(page)) {
			unsigned int order = buddy_order_unsafe(page);

			if (order <= MAX_PAGE_ORDER) {
				free += 1UL << order;
				pfn += 1UL << order;
				continue;
			}
		}
		pfn++;
	}
	return free;
}

/*
 * Pages free in the online blocks of @dev, for a 0444 sysfs file: any user
 * may read it in a loop, on a device of any size. So the walk holds no
 * lock and no RCU read section across its pages: each block is walked
 * under get_online_mems(), which keeps the block online (its memmap in
 * place) and its entry alive (entries are freed at MEM_OFFLINE, under
 * mem_hotplug_lock), and the reader may sleep between pageblocks.
 */
static unsigned long exmem_dev_free_pages(struct exmem_dev *dev)
{
	unsigned long id = 0, free = 0;
	struct exmem_block *blk;

	for (;;) {
		get_online_mems();
		blk = xa_find(&exmem_blocks, &id, ULONG_MAX, XA_PRESENT);
		if (blk && blk->dev == dev)
			free += exmem_range_free_pages(id * exmem_block_pages,
						       (id + 1) * exmem_block_pages);
		put_online_mems();
		if (!blk || fatal_signal_pending(current))
			break;
		id++;
		cond_resched();
	}
	return free;
}

static ssize_t capacity_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  exmem_dev_capacity(to_exmem_dev(kobj)) << PAGE_SHIFT);
}

static ssize_t online_bytes_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	unsigned long blocks = READ_ONCE(to_exmem_dev(kobj)->nr_blocks);

	return sysfs_emit(buf, "%lu\n", (blocks * exmem_block_pages) << PAGE_SHIFT);
}

static ssize_t free_bytes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  exmem_dev_free_pages(to_exmem_dev(kobj)) << PAGE_SHIFT);
}

/* Pages of the device that hold long-term pins. */
static ssize_t pinned_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  READ_ONCE(to_exmem_dev(kobj)->pinned_pages));
}

/* Blocks of the device that hold long-term pins, and how many may. */
static ssize_t pin_blocks_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct exmem_dev *dev = to_exmem_dev(kobj);

	return sysfs_emit(buf, "%lu %lu\n", READ_ONCE(dev->pin_blocks),
			  exmem_dev_pin_blocks_max(dev));
}

/* The (logical) NUMA node that the device's memory is in. */
static ssize_t node_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%d\n", to_exmem_dev(kobj)->group->nid);
}

/* "online" while any of its blocks is online in ZONE_EXMEM. */
static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(to_exmem_dev(kobj)->nr_blocks) ?
			  "online" : "offline");
}

static struct kobj_attribute capacity_bytes_attr = __ATTR_RO(capacity_bytes);
static struct kobj_attribute online_bytes_attr = __ATTR_RO(online_bytes);
static struct kobj_attribute free_bytes_attr = __ATTR_RO(free_bytes);
static struct kobj_attribute pinned_attr = __ATTR_RO(pinned);
static struct kobj_attribute pin_blocks_attr = __ATTR_RO(pin_blocks);
static struct kobj_attribute state_attr = __ATTR_RO(state);
static struct kobj_attribute node_attr = __ATTR_RO(node);

static struct attribute *exmem_dev_attrs[] = {
	&capacity_bytes_attr.attr,
	&online_bytes_attr.attr,
	&free_bytes_attr.attr,
	&pinned_attr.attr,
	&pin_blocks_attr.attr,
	&state_attr.attr,
	&node_attr.attr,
	NULL,
};

static const struct attribute_group exmem_dev_group = {
	.attrs = exmem_dev_attrs,
};

/* Capacity and pins (here), health (health.c). */
static const struct attribute_group *exmem_dev_groups[] = {
	&exmem_dev_group,
	&exmem_health_group,
	NULL,
};

static void exmem_dev_release(struct kobject *kobj)
{
	struct exmem_dev *dev = to_exmem_dev(kobj);

	WARN_ON_ONCE(dev->pinned_pages);
	kfree_rcu(dev, rcu);
}

static const struct kobj_type exmem_dev_ktype = {
	.release	= exmem_dev_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= exmem_dev_groups,
};

/*
 * /sys/kernel/mm/exmem/devices: a kset, so that devices can send uevents
 * (health changes) with SUBSYSTEM=exmem.
 */
static struct kset *exmem_devices_kset;

static const char *exmem_uevent_name(const struct kobject *kobj)
{
	return "exmem";
}

static const struct kset_uevent_ops exmem_uevent_ops = {
	.name = exmem_uevent_name,
};

/**
 * exmem_device_add - Register the ExMem device of memory group @mgid
 * @mgid: the memory group id of the device's memory
 * @name: the device's name (e.g. "dax0.0"), shown in sysfs
 *
 * Called by the driver before it adds memory with MHP_EXMEM to @mgid.
 *
 * Return: 0, or -EINVAL, -ENOMEM or a kobject error.
 */
int exmem_device_add(int mgid, const char *name)
{
	struct memory_group *group = memory_group_find_by_id(mgid);
	struct exmem_dev *dev;
	int ret;

	if (!group || !exmem_devices_kset)
		return -EINVAL;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->group = group;
	dev->mgid = mgid;
	spin_lock_init(&dev->pin_lock);
	exmem_health_dev_init(dev);
	dev->kobj.kset = exmem_devices_kset;
	ret = kobject_init_and_add(&dev->kobj, &exmem_dev_ktype, NULL, "%s",
				   name);
	if (ret) {
		kobject_put(&dev->kobj);
		return ret;
	}
	mutex_lock(&exmem_devs_lock);
	list_add(&dev->list, &exmem_devs);
	mutex_unlock(&exmem_devs_lock);
	kobject_uevent(&dev->kobj, KOBJ_ADD);
	return 0;
}
EXPORT_SYMBOL_GPL(exmem_device_add);

/**
 * exmem_device_remove - Unregister the ExMem device of memory group @mgid
 * @mgid: as passed to exmem_device_add()
 *
 * Called by the driver once the device's memory is removed, before the
 * memory group is unregistered. Unknown @mgid is ignored.
 */
void exmem_device_remove(int mgid)
{
	struct exmem_dev *dev, *found = NULL;

	mutex_lock(&exmem_devs_lock);
	list_for_each_entry(dev, &exmem_devs, list) {
		if (dev->mgid == mgid) {
			found = dev;
			list_del(&dev->list);
			break;
		}
	}
	mutex_unlock(&exmem_devs_lock);
	if (!found)
		return;
	WARN_ON_ONCE(found->nr_blocks);
	/* No sysfs write can queue a drain once the files are gone. */
	kobject_del(&found->kobj);
	exmem_health_dev_exit(found);
	kobject_put(&found->kobj);
}
EXPORT_SYMBOL_GPL(exmem_device_remove);

static int __init exmem_sysfs_init(void)
{
	struct kobject *exmem_kobj = kobject_create_and_add("exmem", mm_kobj);

	if (!exmem_kobj)
		return -ENOMEM;
	exmem_devices_kset = kset_create_and_add("devices", &exmem_uevent_ops,
						 exmem_kobj);
	return exmem_devices_kset ? 0 : -ENOMEM;
}

/*
 * Is the range ExMem? Only valid from MEM_GOING_ONLINE to MEM_OFFLINE: before
 * and after, the memmap is not initialised (or poisoned).
 */
static bool exmem_notify_range(const struct memory_notify *mn)
{
	return zone_idx_is_exmem(page_zonenum(pfn_to_page(mn->start_pfn)));
}

/* A block is online: let health.c isolate it if its device is avoided. */
static void exmem_block_online(unsigned long start_pfn)
{
	unsigned long id = pfn_to_block_id(start_pfn);
	struct exmem_block *blk = xa_load(&exmem_blocks, id);

	if (blk)
		exmem_health_block_online(blk->dev, id, blk);
}

static int exmem_memory_callback(struct notifier_block *nb,
				 unsigned long action, void *arg)
{
	struct memory_notify *mn = arg;
	int ret = 0;

	switch (action) {
	case MEM_GOING_ONLINE:
		if (exmem_notify_range(mn))
			ret = exmem_block_going_online(mn->start_pfn);
		break;
	case MEM_GOING_OFFLINE:
		if (exmem_notify_range(mn))
			ret = exmem_block_going_offline(mn->start_pfn,
							mn->nr_pages);
		break;
	case MEM_ONLINE:
		exmem_block_online(mn->start_pfn);
		break;
	case MEM_CANCEL_OFFLINE:
		exmem_block_offlining(mn->start_pfn, false);
		exmem_health_block_cancel_offline(mn->start_pfn);
		break;
	case MEM_CANCEL_ONLINE:
	case MEM_OFFLINE:
		/* Only ExMem blocks have an entry to drop. */
		exmem_block_gone(mn->start_pfn);
		break;
	}
	return notifier_from_errno(ret);
}

static struct notifier_block exmem_memory_nb = {
	.notifier_call = exmem_memory_callback,
	.priority = DEFAULT_CALLBACK_PRI,
};

static struct ctl_table exmem_pin_sysctls[] = {
	{
		.procname	= "exmem_pin_budget_pct",
		.data		= &exmem_pin_budget_pct,
		.maxlen		= sizeof(exmem_pin_budget_pct),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE_HUNDRED,
	},
};

static int __init exmem_pin_init(void)
{
	int ret;

	exmem_block_pages = memory_block_size_bytes() >> PAGE_SHIFT;
	ret = exmem_sysfs_init();
	if (ret)
		return ret;
	register_sysctl_init("vm", exmem_pin_sysctls);
	return register_memory_notifier(&exmem_memory_nb);
}
subsys_initcall(exmem_pin_init);
