// SPDX-License-Identifier: GPL-2.0-only
/*
 * Health of ExMem devices, and what it changes in placement.
 *
 * The driver of a device (drivers/cxl/exmem/ for CXL) reports what it sees
 * with exmem_health_report(); the administrator may set a state by writing
 * /sys/kernel/mm/exmem/devices/<name>/health. The states:
 *
 *   ok        placement as usual.
 *   degraded  new ExMem allocations avoid the device while another ExMem
 *             device is ok: the pageblocks of its online blocks are
 *             isolated (MIGRATE_ISOLATE), so the buddy allocator does not
 *             hand out their free pages. Pages in use stay where they are.
 *   failing   isolated at once, and every block is offlined (the drain):
 *             offline_pages() migrates the pages to healthy ExMem first, to
 *             other memory if no ExMem is left (exmem_migrate_in_tier()).
 *             Each block gets drain_timeout_s; passes repeat a second
 *             apart while blocks are left, and after EXMEM_DRAIN_PASSES in
 *             a row that offline none, the drain stops with its reason in
 *             the device's "drain" file, until the administrator writes
 *             "failing" again. "ok" cancels it.
 *   offline   all its blocks are offline.
 *
 * No allocator is forked and no zone is split: isolation is the mechanism
 * memory offlining and alloc_contig_range() already use.
 *
 * Every change is logged, counted (transitions) and sent as a KOBJ_CHANGE
 * uevent of /sys/kernel/mm/exmem/devices/<name> carrying EXMEM_HEALTH,
 * EXMEM_PREVIOUS and EXMEM_EVENT. The uevent goes out once the reaction is
 * in place (the pageblocks are isolated or released), so that whoever acts
 * on it sees the new placement.
 *
 * Locking: drivers report from IRQ threads and PCI error handlers, which
 * must not wait for memory hotplug. Reports are queued under
 * exmem_health_reqs_lock (a spinlock) and applied by exmem_health_work on
 * an ordered workqueue, which takes the device hotplug lock and then
 * exmem_devs_lock. The device hotplug lock keeps blocks from going on- or
 * offline while their isolation changes; exmem_devs_lock protects the
 * device list and the health fields.
 */
#include <linux/device.h>
#include <linux/exmem.h>
#include <linux/kthread.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/page-isolation.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "../internal.h"
#include "device.h"

static const char * const exmem_health_names[] = {
	[EXMEM_HEALTH_OK]	= "ok",
	[EXMEM_HEALTH_DEGRADED]	= "degraded",
	[EXMEM_HEALTH_FAILING]	= "failing",
	[EXMEM_HEALTH_OFFLINE]	= "offline",
};

/**
 * exmem_health_name - The sysfs name of a health state
 * @health: a health state
 *
 * Return: "ok", "degraded", "failing", "offline", or "unknown".
 */
const char *exmem_health_name(enum exmem_health health)
{
	if ((unsigned int)health >= ARRAY_SIZE(exmem_health_names))
		return "unknown";
	return exmem_health_names[health];
}
EXPORT_SYMBOL_GPL(exmem_health_name);

/* A report waiting for exmem_health_work. */
struct exmem_health_req {
	struct list_head list;
	unsigned long start_pfn, end_pfn;
	enum exmem_health health;
	bool lasting;			/* exmem_health_report_lasting() */
	char event[EXMEM_EVENT_LEN];
};

static struct workqueue_struct *exmem_health_wq;
static LIST_HEAD(exmem_health_reqs);
static DEFINE_SPINLOCK(exmem_health_reqs_lock);

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "exmem."

/*
 * How long the drain gives one block to go offline, 1 s to 1 h: long
 * enough to migrate a block under load, on slow memory; an interrupted
 * offline keeps what it migrated, and the next pass goes on from there.
 */
static unsigned int drain_timeout_s = 120;

static int drain_timeout_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 3600);
}

static const struct kernel_param_ops drain_timeout_ops = {
	.set = drain_timeout_set,
	.get = param_get_uint,
};
module_param_cb(drain_timeout_s, &drain_timeout_ops, &drain_timeout_s, 0644);
MODULE_PARM_DESC(drain_timeout_s,
		 "Seconds a failing device's drain gives one block to go offline, 1-3600 (default: 120)");

/* Passes offlining no block before a failing device's drain stops. */
#define EXMEM_DRAIN_PASSES	3

/*
 * Drains run one at a time on a kthread of their own, exmem_drain.
 * offline_pages() retries migration until signal_pending(), and a kworker
 * never has a signal: one page that cannot migrate would hold the device
 * hotplug lock for good. This thread accepts SIGKILL, and gets it only
 * while it offlines a block for a drain: from the attempt's timer
 * (drain_timeout_s) or from an administrator's "ok" (exmem_drain_cancel()).
 * exmem_drain_lock guards that window (exmem_drain_dev), so that no signal
 * reaches the thread outside it; the thread flushes its signals when the
 * window closes.
 */
static struct kthread_worker *exmem_drain_worker;
static DEFINE_SPINLOCK(exmem_drain_lock);
static struct exmem_dev *exmem_drain_dev;	/* exmem_drain_lock */
static bool exmem_drain_timed_out;		/* exmem_drain_lock */

static void exmem_drain_timer_fn(struct timer_list *timer)
{
	unsigned long flags;

	spin_lock_irqsave(&exmem_drain_lock, flags);
	if (exmem_drain_dev) {
		exmem_drain_timed_out = true;
		send_sig(SIGKILL, exmem_drain_worker->task, 1);
	}
	spin_unlock_irqrestore(&exmem_drain_lock, flags);
}

static DEFINE_TIMER(exmem_drain_timer, exmem_drain_timer_fn);

static bool exmem_dev_overlaps(const struct exmem_dev *dev,
			       unsigned long start_pfn, unsigned long end_pfn)
{
	return dev->end_pfn && start_pfn < dev->end_pfn &&
	       end_pfn > dev->start_pfn;
}

/**
 * exmem_isolate_block_range - Isolate or release the pageblocks of a block
 * @id: memory block id of an online ExMem block
 * @isolate: isolate (true) or release (false)
 *
 * Free pages move to the isolated free lists, and pages freed later follow
 * them, so the allocator no longer hands out the block's memory. The caller
 * holds the device hotplug lock and tracks the state (health isolation in
 * &exmem_block.isolated, offline isolation in &exmem_block.sibling_isolated).
 *
 * Return: 0, or -EBUSY when a page cannot be isolated right now.
 */
int exmem_isolate_block_range(unsigned long id, bool isolate)
{
	unsigned long pfn = id * exmem_block_pages;
	unsigned long end = pfn + exmem_block_pages;

	if (!isolate) {
		undo_isolate_page_range(pfn, end, MIGRATE_MOVABLE);
		return 0;
	}
	if (start_isolate_page_range(pfn, end, MIGRATE_MOVABLE, 0, GFP_KERNEL))
		return -EBUSY;
	/* Per-CPU lists may still hold its free pages: give them back. */
	drain_all_pages(page_zone(pfn_to_page(pfn)));
	return 0;
}

/*
 * Apply the health isolation to one online block. A block with a page that
 * cannot be isolated right now (off the LRU for a moment) is left as it is:
 * the next change of any device's health tries again.
 */
static void exmem_block_isolate(unsigned long id, struct exmem_block *blk,
				bool isolate)
{
	if (blk->isolated == isolate)
		return;
	if (exmem_isolate_block_range(id, isolate)) {
		pr_warn_ratelimited("exmem: memory%lu: busy pageblock, not isolated\n",
				    id);
		return;
	}
	blk->isolated = isolate;
}

/* Is another device ok, with memory online? */
static bool exmem_other_healthy(const struct exmem_dev *dev)
{
	struct exmem_dev *other;

	lockdep_assert_held(&exmem_devs_lock);
	list_for_each_entry(other, &exmem_devs, list)
		if (other != dev && other->health == EXMEM_HEALTH_OK &&
		    other->nr_blocks)
			return true;
	return false;
}

/*
 * The isolation rule: a degraded device is avoided only while healthy ExMem
 * is left to take its allocations; failing and offline ones always are.
 */
static bool exmem_dev_wants_isolation(const struct exmem_dev *dev)
{
	switch (dev->health) {
	case EXMEM_HEALTH_OK:
		return false;
	case EXMEM_HEALTH_DEGRADED:
		return exmem_other_healthy(dev);
	default:
		return true;
	}
}

/* Apply the isolation rule to every device; both locks held. */
static void exmem_rebalance(void)
{
	struct exmem_block *blk;
	struct exmem_dev *dev;
	unsigned long id;

	lockdep_assert_held(&exmem_devs_lock);
	list_for_each_entry(dev, &exmem_devs, list) {
		bool isolate = exmem_dev_wants_isolation(dev);

		xa_for_each(&exmem_blocks, id, blk)
			if (blk->dev == dev)
				exmem_block_isolate(id, blk, isolate);
	}
}

static void exmem_dev_uevent(struct exmem_dev *dev, int old)
{
	char health[32], previous[32], event[16 + EXMEM_EVENT_LEN];
	char *envp[4];

	snprintf(health, sizeof(health), "EXMEM_HEALTH=%s",
		 exmem_health_name(dev->health));
	snprintf(previous, sizeof(previous), "EXMEM_PREVIOUS=%s",
		 exmem_health_name(old));
	snprintf(event, sizeof(event), "EXMEM_EVENT=%s", dev->last_event);
	envp[0] = health;
	envp[1] = previous;
	envp[2] = event;
	envp[3] = NULL;
	kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, envp);
}

/*
 * Apply the isolation rule to every device, then announce the changes:
 * both locks held.
 */
static void exmem_react(void)
{
	struct exmem_dev *dev;

	exmem_rebalance();
	list_for_each_entry(dev, &exmem_devs, list) {
		if (dev->notify_from >= 0 && dev->notify_from != dev->health)
			exmem_dev_uevent(dev, dev->notify_from);
		dev->notify_from = -1;
	}
}

static void exmem_drain_start(struct exmem_dev *dev);

/*
 * Set the health of @dev because of @event. Reports only make a device
 * worse, or bring a degraded one back to ok unless a @lasting cause
 * degraded it (a device asking to be replaced, a link trained below its
 * capability: no quiet period cures those); @admin (a write to sysfs) may
 * set any state. Both locks held; the caller then calls exmem_react().
 */
static void exmem_dev_set_health(struct exmem_dev *dev,
				 enum exmem_health health, const char *event,
				 bool admin, bool lasting)
{
	enum exmem_health old = dev->health;

	lockdep_assert_held(&exmem_devs_lock);
	if (!admin && health < old &&
	    (old >= EXMEM_HEALTH_FAILING || dev->lasting))
		return;
	/* The administrator's word replaces any cause. */
	dev->lasting = admin ? false :
		       dev->lasting || (lasting && health == EXMEM_HEALTH_DEGRADED);
	strscpy(dev->last_event, event, sizeof(dev->last_event));
	WRITE_ONCE(dev->last_event_time, ktime_get_boottime_seconds());
	if (health == old)
		return;
	WRITE_ONCE(dev->health, health);
	WRITE_ONCE(dev->transitions, dev->transitions + 1);
	pr_info("exmem: %s: health %s -> %s (%s)\n", kobject_name(&dev->kobj),
		exmem_health_name(old), exmem_health_name(health), event);
	if (dev->notify_from < 0)
		dev->notify_from = old;
	if (health == EXMEM_HEALTH_FAILING)
		exmem_drain_start(dev);
}

/* Has an ExMem device ever had memory online in the range? */
static bool exmem_range_has_device(phys_addr_t start, u64 size)
{
	unsigned long start_pfn = PHYS_PFN(start), end_pfn = PFN_UP(start + size);
	struct exmem_dev *dev;
	bool found = false;

	mutex_lock(&exmem_devs_lock);
	list_for_each_entry(dev, &exmem_devs, list)
		if (exmem_dev_overlaps(dev, start_pfn, end_pfn))
			found = true;
	mutex_unlock(&exmem_devs_lock);
	return found;
}

/* Apply the queued reports; runs on exmem_health_wq. */
static void exmem_health_workfn(struct work_struct *work)
{
	struct exmem_health_req *req, *tmp;
	struct exmem_dev *dev;
	LIST_HEAD(reqs);

	spin_lock(&exmem_health_reqs_lock);
	list_splice_init(&exmem_health_reqs, &reqs);
	spin_unlock(&exmem_health_reqs_lock);

	lock_device_hotplug();
	mutex_lock(&exmem_devs_lock);
	list_for_each_entry_safe(req, tmp, &reqs, list) {
		list_for_each_entry(dev, &exmem_devs, list)
			if (exmem_dev_overlaps(dev, req->start_pfn, req->end_pfn))
				exmem_dev_set_health(dev, req->health,
						     req->event, false,
						     req->lasting);
		list_del(&req->list);
		kfree(req);
	}
	exmem_react();
	mutex_unlock(&exmem_devs_lock);
	unlock_device_hotplug();
}

static DECLARE_WORK(exmem_health_work, exmem_health_workfn);

/* Queue a report for exmem_health_work; see exmem_health_report(). */
static int exmem_health_queue(phys_addr_t start, u64 size,
			      enum exmem_health health, const char *event,
			      bool lasting)
{
	struct exmem_health_req *req;

	if (!size || start + size < start || !event ||
	    (unsigned int)health > EXMEM_HEALTH_OFFLINE)
		return -EINVAL;
	if (!exmem_health_wq || !exmem_range_has_device(start, size))
		return -ENODEV;
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->start_pfn = PHYS_PFN(start);
	req->end_pfn = PFN_UP(start + size);
	req->health = min(health, EXMEM_HEALTH_FAILING);
	req->lasting = lasting;
	strscpy(req->event, event, sizeof(req->event));

	spin_lock(&exmem_health_reqs_lock);
	list_add_tail(&req->list, &exmem_health_reqs);
	spin_unlock(&exmem_health_reqs_lock);
	queue_work(exmem_health_wq, &exmem_health_work);
	return 0;
}

/**
 * exmem_health_report - Report the health of the ExMem memory in a range
 * @start: physical start address
 * @size: size in bytes
 * @health: what the driver sees; EXMEM_HEALTH_OFFLINE is taken as
 *	EXMEM_HEALTH_FAILING (a device goes offline once it is drained)
 * @event: why, a short name shown in sysfs and the uevent
 *
 * May sleep; never waits for memory hotplug. The change is applied
 * asynchronously, in the order of the reports, to every ExMem device whose
 * memory overlaps the range. An ok report does not lift a degradation of
 * exmem_health_report_lasting().
 *
 * Return: 0, -EINVAL for an empty range or a bad state, -ENOMEM, or
 * -ENODEV if no ExMem device has memory in the range.
 */
int exmem_health_report(phys_addr_t start, u64 size, enum exmem_health health,
			const char *event)
{
	return exmem_health_queue(start, size, health, event, false);
}
EXPORT_SYMBOL_GPL(exmem_health_report);

/**
 * exmem_health_report_lasting - Report the memory of a range degraded for good
 * @start: physical start address
 * @size: size in bytes
 * @event: why, a short name shown in sysfs and the uevent
 *
 * As exmem_health_report() with EXMEM_HEALTH_DEGRADED, for a cause that
 * does not go away by itself (the device asks to be replaced, its link
 * trained below its capability): later ok reports of the driver (a quiet
 * period) leave the device degraded; only the administrator's "ok" lifts
 * it.
 *
 * Return: as exmem_health_report().
 */
int exmem_health_report_lasting(phys_addr_t start, u64 size, const char *event)
{
	return exmem_health_queue(start, size, EXMEM_HEALTH_DEGRADED, event,
				  true);
}
EXPORT_SYMBOL_GPL(exmem_health_report_lasting);

/**
 * exmem_health_count_error - Count an error against the devices of a range
 * @start: physical start address
 * @size: size in bytes
 *
 * May sleep. Shown as /sys/kernel/mm/exmem/devices/<name>/errors.
 */
void exmem_health_count_error(phys_addr_t start, u64 size)
{
	unsigned long start_pfn = PHYS_PFN(start), end_pfn = PFN_UP(start + size);
	struct exmem_dev *dev;

	mutex_lock(&exmem_devs_lock);
	list_for_each_entry(dev, &exmem_devs, list)
		if (exmem_dev_overlaps(dev, start_pfn, end_pfn))
			atomic_long_inc(&dev->errors);
	mutex_unlock(&exmem_devs_lock);
}
EXPORT_SYMBOL_GPL(exmem_health_count_error);

/**
 * exmem_health_set_link - Record the trained link of the devices of a range
 * @start: physical start address
 * @size: size in bytes
 * @speed_mts: link speed in MT/s
 * @width: link width in lanes
 *
 * May sleep. Shown as link_speed_mts and link_width in sysfs.
 */
void exmem_health_set_link(phys_addr_t start, u64 size, unsigned int speed_mts,
			   unsigned int width)
{
	unsigned long start_pfn = PHYS_PFN(start), end_pfn = PFN_UP(start + size);
	struct exmem_dev *dev;

	mutex_lock(&exmem_devs_lock);
	list_for_each_entry(dev, &exmem_devs, list) {
		if (!exmem_dev_overlaps(dev, start_pfn, end_pfn))
			continue;
		WRITE_ONCE(dev->link_speed_mts, speed_mts);
		WRITE_ONCE(dev->link_width, width);
	}
	mutex_unlock(&exmem_devs_lock);
}
EXPORT_SYMBOL_GPL(exmem_health_set_link);

/* Offline one memory block; the device hotplug lock is held. */
static int exmem_offline_block(unsigned long id)
{
	struct memory_block *mem;
	int ret;

	mem = find_memory_block(pfn_to_section_nr(id * exmem_block_pages));
	if (!mem)
		return 0;
	ret = device_offline(&mem->dev);
	put_device(&mem->dev);
	return ret < 0 ? ret : 0;
}

/* The first block of @dev at or after *@id; device hotplug lock held. */
static struct exmem_block *exmem_dev_next_block(struct exmem_dev *dev,
						unsigned long *id)
{
	struct exmem_block *blk;

	while ((blk = xa_find(&exmem_blocks, id, ULONG_MAX, XA_PRESENT))) {
		if (blk->dev == dev)
			return blk;
		(*id)++;
	}
	return NULL;
}

/* Set what the device's "drain" file shows. */
static void exmem_drain_status(struct exmem_dev *dev, const char *status)
{
	guard(mutex)(&exmem_devs_lock);
	strscpy(dev->drain_status, status, sizeof(dev->drain_status));
}

/*
 * Offline block @id for the drain of @dev, within drain_timeout_s and
 * unless cancelled; the device hotplug lock is held, so the block stays.
 *
 * Return: 0, -ETIMEDOUT, -ECANCELED, or the error of the offline.
 */
static int exmem_drain_block(struct exmem_dev *dev, unsigned long id)
{
	unsigned long flags;
	bool timed_out;
	int ret;

	spin_lock_irqsave(&exmem_drain_lock, flags);
	exmem_drain_dev = dev;
	exmem_drain_timed_out = false;
	spin_unlock_irqrestore(&exmem_drain_lock, flags);
	/* A cancel from before the window found no thread to signal. */
	if (READ_ONCE(dev->drain_cancel)) {
		ret = -ECANCELED;
	} else {
		mod_timer(&exmem_drain_timer,
			  jiffies + READ_ONCE(drain_timeout_s) * HZ);
		ret = exmem_offline_block(id);
		timer_delete_sync(&exmem_drain_timer);
	}
	spin_lock_irqsave(&exmem_drain_lock, flags);
	exmem_drain_dev = NULL;
	timed_out = exmem_drain_timed_out;
	spin_unlock_irqrestore(&exmem_drain_lock, flags);
	/* No signal is sent from now on: none may stay for the next work. */
	flush_signals(current);
	if (ret && READ_ONCE(dev->drain_cancel))
		return -ECANCELED;
	if (ret && timed_out)
		return -ETIMEDOUT;
	return ret;
}

/* Every block of @dev is offline: the device is. */
static void exmem_drain_done(struct exmem_dev *dev)
{
	lock_device_hotplug();
	mutex_lock(&exmem_devs_lock);
	if (dev->health == EXMEM_HEALTH_FAILING && !dev->drain_cancel) {
		strscpy(dev->drain_status, "done", sizeof(dev->drain_status));
		exmem_dev_set_health(dev, EXMEM_HEALTH_OFFLINE, "drained", false,
				     false);
		exmem_react();
	}
	mutex_unlock(&exmem_devs_lock);
	unlock_device_hotplug();
}

/*
 * A pass left blocks online: retry after a second, or, after
 * EXMEM_DRAIN_PASSES passes in a row that offlined no block, stop and say
 * why (logged, in the device's "drain" file, counted in drain_stalls).
 */
static void exmem_drain_busy(struct exmem_dev *dev, unsigned long id, int err,
			     bool progress)
{
	char why[32];

	if (err == -ETIMEDOUT)
		snprintf(why, sizeof(why), "not offline after %u s",
			 READ_ONCE(drain_timeout_s));
	else
		snprintf(why, sizeof(why), "offline failed: %d", err);
	mutex_lock(&exmem_devs_lock);
	dev->drain_passes = progress ? 0 : dev->drain_passes + 1;
	if (dev->drain_passes < EXMEM_DRAIN_PASSES) {
		snprintf(dev->drain_status, sizeof(dev->drain_status),
			 "retrying: memory%lu %s", id, why);
		mutex_unlock(&exmem_devs_lock);
		kthread_queue_delayed_work(exmem_drain_worker, &dev->drain_work,
					   HZ);
		return;
	}
	snprintf(dev->drain_status, sizeof(dev->drain_status),
		 "stalled: memory%lu %s", id, why);
	WRITE_ONCE(dev->drain_stalls, dev->drain_stalls + 1);
	mutex_unlock(&exmem_devs_lock);
	pr_warn("exmem: %s: drain stalled: memory%lu %s; write \"failing\" to its health to retry\n",
		kobject_name(&dev->kobj), id, why);
}

/*
 * FAILING: one pass over the device's blocks, offlining each; offlining
 * migrates the block's pages away (offline_pages() drops our isolation
 * first, see exmem_offline_begin()). The device hotplug lock is taken for
 * one block at a time, each offline bounded by drain_timeout_s, so memory
 * hotplug waits at most that long for a drain.
 */
static void exmem_drain_workfn(struct kthread_work *work)
{
	struct exmem_dev *dev = container_of(work, struct exmem_dev,
					     drain_work.work);
	unsigned long id = 0, busy_id = 0;
	bool progress = false;
	int ret, err = 0;

	allow_signal(SIGKILL);
	for (;; id++) {
		lock_device_hotplug();
		if (READ_ONCE(dev->health) != EXMEM_HEALTH_FAILING ||
		    !exmem_dev_next_block(dev, &id))
			ret = 1;
		else
			ret = exmem_drain_block(dev, id);
		unlock_device_hotplug();
		if (ret == 1)
			break;
		if (ret == -ECANCELED) {
			exmem_drain_status(dev, "cancelled");
			return;
		}
		if (ret && !err) {
			err = ret;
			busy_id = id;
		}
		progress |= !ret;
		cond_resched();
	}
	if (READ_ONCE(dev->health) != EXMEM_HEALTH_FAILING)
		exmem_drain_status(dev, "cancelled");
	else if (err)
		exmem_drain_busy(dev, busy_id, err, progress);
	else
		exmem_drain_done(dev);
}

/* Start, or restart, the drain of a failing device; exmem_devs_lock held. */
static void exmem_drain_start(struct exmem_dev *dev)
{
	lockdep_assert_held(&exmem_devs_lock);
	WRITE_ONCE(dev->drain_cancel, false);
	dev->drain_passes = 0;
	strscpy(dev->drain_status, "running", sizeof(dev->drain_status));
	kthread_mod_delayed_work(exmem_drain_worker, &dev->drain_work, 0);
}

/* Stop the drain of @dev, interrupting the offline it may be in. */
static void exmem_drain_cancel(struct exmem_dev *dev)
{
	unsigned long flags;

	WRITE_ONCE(dev->drain_cancel, true);
	spin_lock_irqsave(&exmem_drain_lock, flags);
	if (exmem_drain_dev == dev)
		send_sig(SIGKILL, exmem_drain_worker->task, 1);
	spin_unlock_irqrestore(&exmem_drain_lock, flags);
}

/**
 * exmem_offline_begin - Release health isolation before offlining
 * @start_pfn: first PFN of the range offline_pages() is about to isolate
 * @nr_pages: its size
 *
 * offline_pages() isolates the range itself and fails on pageblocks that
 * are isolated already: drop ours first. If the offline fails, the memory
 * notifier isolates the blocks again (MEM_CANCEL_OFFLINE). Called with the
 * device hotplug lock held.
 */
void exmem_offline_begin(unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long id = pfn_to_block_id(start_pfn);
	unsigned long last = pfn_to_block_id(start_pfn + nr_pages - 1);
	struct exmem_block *blk;

	for (; id <= last; id++) {
		blk = xa_load(&exmem_blocks, id);
		if (blk)
			exmem_block_isolate(id, blk, false);
	}
}

/* MEM_ONLINE of an ExMem block: isolate it if its device is avoided. */
void exmem_health_block_online(struct exmem_dev *dev, unsigned long id,
			       struct exmem_block *blk)
{
	mutex_lock(&exmem_devs_lock);
	if (exmem_dev_wants_isolation(dev))
		exmem_block_isolate(id, blk, true);
	mutex_unlock(&exmem_devs_lock);
}

/* MEM_CANCEL_OFFLINE: the block stays; isolate it again if needed. */
void exmem_health_block_cancel_offline(unsigned long start_pfn)
{
	unsigned long id = pfn_to_block_id(start_pfn);
	struct exmem_block *blk = xa_load(&exmem_blocks, id);

	if (blk)
		exmem_health_block_online(blk->dev, id, blk);
}

void exmem_health_dev_init(struct exmem_dev *dev)
{
	dev->health = EXMEM_HEALTH_OK;
	dev->notify_from = -1;
	strscpy(dev->last_event, "none", sizeof(dev->last_event));
	strscpy(dev->drain_status, "none", sizeof(dev->drain_status));
	kthread_init_delayed_work(&dev->drain_work, exmem_drain_workfn);
}

/* The device is being unregistered; no block of it is online. */
void exmem_health_dev_exit(struct exmem_dev *dev)
{
	exmem_drain_cancel(dev);
	kthread_cancel_delayed_work_sync(&dev->drain_work);
}

static ssize_t health_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  exmem_health_name(READ_ONCE(to_exmem_dev(kobj)->health)));
}

/*
 * The administrator sets a state: "ok" returns a device to service,
 * "degraded" steers allocations away, "failing" and "offline" drain it.
 */
static ssize_t health_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct exmem_dev *dev = to_exmem_dev(kobj);
	int health = sysfs_match_string(exmem_health_names, buf);
	int ret;

	if (health < 0)
		return -EINVAL;
	/* "ok" and "degraded" stop a drain at once, even mid-offline. */
	if (health < EXMEM_HEALTH_FAILING)
		exmem_drain_cancel(dev);
	ret = lock_device_hotplug_sysfs();
	if (ret)
		return ret;
	mutex_lock(&exmem_devs_lock);
	/* "failing" again restarts a drain that stopped. */
	if (health >= EXMEM_HEALTH_FAILING &&
	    dev->health == EXMEM_HEALTH_FAILING)
		exmem_drain_start(dev);
	exmem_dev_set_health(dev, min(health, EXMEM_HEALTH_FAILING), "admin",
			     true, false);
	exmem_react();
	mutex_unlock(&exmem_devs_lock);
	unlock_device_hotplug();
	return count;
}

static ssize_t last_event_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	guard(mutex)(&exmem_devs_lock);
	return sysfs_emit(buf, "%s\n", to_exmem_dev(kobj)->last_event);
}

/* When last_event happened: seconds since boot, as in /proc/uptime. */
static ssize_t last_event_time_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)READ_ONCE(to_exmem_dev(kobj)->last_event_time));
}

static ssize_t errors_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&to_exmem_dev(kobj)->errors));
}

static ssize_t transitions_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(to_exmem_dev(kobj)->transitions));
}

static ssize_t link_speed_mts_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(to_exmem_dev(kobj)->link_speed_mts));
}

static ssize_t link_width_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_exmem_dev(kobj)->link_width));
}

/* What the drain of a failing device is doing, or why it stopped. */
static ssize_t drain_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	guard(mutex)(&exmem_devs_lock);
	return sysfs_emit(buf, "%s\n", to_exmem_dev(kobj)->drain_status);
}

/* How many times a drain of the device stopped with blocks online. */
static ssize_t drain_stalls_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(to_exmem_dev(kobj)->drain_stalls));
}

static struct kobj_attribute health_attr = __ATTR_RW(health);
static struct kobj_attribute drain_attr = __ATTR_RO(drain);
static struct kobj_attribute drain_stalls_attr = __ATTR_RO(drain_stalls);
static struct kobj_attribute last_event_attr = __ATTR_RO(last_event);
static struct kobj_attribute last_event_time_attr = __ATTR_RO(last_event_time);
static struct kobj_attribute errors_attr = __ATTR_RO(errors);
static struct kobj_attribute transitions_attr = __ATTR_RO(transitions);
static struct kobj_attribute link_speed_mts_attr = __ATTR_RO(link_speed_mts);
static struct kobj_attribute link_width_attr = __ATTR_RO(link_width);

static struct attribute *exmem_health_attrs[] = {
	&health_attr.attr,
	&drain_attr.attr,
	&drain_stalls_attr.attr,
	&last_event_attr.attr,
	&last_event_time_attr.attr,
	&errors_attr.attr,
	&transitions_attr.attr,
	&link_speed_mts_attr.attr,
	&link_width_attr.attr,
	NULL,
};

const struct attribute_group exmem_health_group = {
	.attrs = exmem_health_attrs,
};

static int __init exmem_health_init(void)
{
	exmem_drain_worker = kthread_create_worker(0, "exmem_drain");
	if (IS_ERR(exmem_drain_worker))
		return PTR_ERR(exmem_drain_worker);
	exmem_health_wq = alloc_ordered_workqueue("exmem_health", 0);
	return exmem_health_wq ? 0 : -ENOMEM;
}
subsys_initcall(exmem_health_init);
