/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ExMem devices and blocks, shared by pin.c (registration, pins, sysfs) and
 * health.c (health states, isolation, drain). Not an API outside
 * mm/zone_exmem/.
 */
#ifndef _MM_ZONE_EXMEM_DEVICE_H
#define _MM_ZONE_EXMEM_DEVICE_H

#include <linux/exmem.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

/* Longest event name kept in a device's last_event. */
#define EXMEM_EVENT_LEN		32

/*
 * One device: the memory group that the blocks of one CXL device belong to,
 * registered by the driver that adds its memory (exmem_device_add()) and
 * shown in /sys/kernel/mm/exmem/devices/<name>/. Its kobject holds one
 * reference for the registration and one per online block; the last put
 * frees it after an RCU grace period (pin paths read blk->dev under RCU).
 *
 * The health fields are written with the device hotplug lock and
 * exmem_devs_lock held (health.c), so that a state and the isolation of
 * the device's blocks change together; sysfs reads them with READ_ONCE().
 */
struct exmem_dev {
	struct kobject kobj;
	struct list_head list;		/* on exmem_devs, exmem_devs_lock */
	struct memory_group *group;
	int mgid;
	unsigned long nr_blocks;	/* online ExMem blocks, exmem_devs_lock */
	/* Long-term pins kept in place on its blocks (pin.c). */
	spinlock_t pin_lock;		/* IRQ-safe; innermost */
	long pinned_pages;		/* its blocks' pinned_pages, pin_lock */
	unsigned long pin_blocks;	/* blocks with pinned_pages, pin_lock */
	struct rcu_head rcu;

	/* Physical range its blocks were ever online in; 0/0 before. */
	unsigned long start_pfn, end_pfn;
	enum exmem_health health;
	/* Degraded by a lasting cause: only the administrator lifts it. */
	bool lasting;
	char last_event[EXMEM_EVENT_LEN];
	time64_t last_event_time;	/* boot time (s) of last_event; 0 never */
	unsigned long transitions;	/* health changes since registration */
	int notify_from;		/* state to announce a change from, or -1 */
	atomic_long_t errors;		/* errors reported against it */
	unsigned int link_speed_mts;	/* trained link, 0 if not reported */
	unsigned int link_width;
	/* FAILING: offline its blocks (health.c's exmem_drain kthread). */
	struct kthread_delayed_work drain_work;
	bool drain_cancel;		/* an "ok" stops the drain */
	unsigned int drain_passes;	/* since the drain started */
	unsigned long drain_stalls;	/* drains stopped with blocks online */
	char drain_status[48];		/* sysfs "drain", exmem_devs_lock */
};

/*
 * One online memory block of ZONE_EXMEM. @isolated: health.c isolated its
 * pageblocks; @sibling_isolated: offline.c did, while another block of the
 * same device is being offlined. Both under the device hotplug lock, and
 * never both set. The pin fields are under the device's pin_lock: @pinned
 * has one bit per page, set for every page of each folio that holds a
 * long-term pin in place, and @pinned_pages is its weight.
 */
struct exmem_block {
	struct exmem_dev *dev;
	unsigned long start_pfn;
	long pinned_pages;
	pid_t pinner_pid;		/* the last task to pin here */
	char pinner_comm[TASK_COMM_LEN];
	/* Pin targets being taken from it, and whether it goes offline. */
	atomic_t targeting;
	bool offlining;			/* the device hotplug lock */
	unsigned long free_hint;	/* where to look for a free page */
	bool isolated;
	bool sibling_isolated;
	struct rcu_head rcu;
	unsigned long pinned[];		/* exmem_block_pages bits */
};

#define to_exmem_dev(k) container_of(k, struct exmem_dev, kobj)

extern struct xarray exmem_blocks;
extern struct list_head exmem_devs;
extern struct mutex exmem_devs_lock;
extern unsigned long exmem_block_pages;

unsigned long pfn_to_block_id(unsigned long pfn);

/* health.c */
extern const struct attribute_group exmem_health_group;
int exmem_isolate_block_range(unsigned long id, bool isolate);
void exmem_health_dev_init(struct exmem_dev *dev);
void exmem_health_dev_exit(struct exmem_dev *dev);
void exmem_health_block_online(struct exmem_dev *dev, unsigned long id,
			       struct exmem_block *blk);
void exmem_health_block_cancel_offline(unsigned long start_pfn);

#endif /* _MM_ZONE_EXMEM_DEVICE_H */
