// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where CXL events are handled for ZONE_EXMEM.
 *
 * The CXL core calls in from its AER handlers (core/ras.c), its event
 * record handler and its poison list reader (core/mbox.c); link.c and the
 * debugfs injector (inject.c) use the same entry points. Each event becomes
 * an ExMem health report for the host physical ranges of the regions the
 * memory device backs (mm/zone_exmem/health.c acts on it):
 *
 *   correctable errors  ce_threshold of them within ce_window_ms: degraded
 *   media event, corrected               counts as a correctable error
 *   media event, uncorrectable           the page goes to memory_failure()
 *   media event, threshold descriptor    degraded
 *   memory module: performance degraded, temperature, maintenance needed,
 *                  replacement needed    degraded
 *   uncorrectable error (AER)            failing: drained, then offline
 *   poison list record                   the pages go to memory_failure()
 *
 * A device degraded by errors or events returns to ok after quiet_ms
 * without any (the quiet timer). A record whose address maps to no region
 * is logged and ignored.
 *
 * Locking: cxl_exmem_lock (a mutex) protects the monitors (one per memory
 * device, in cxl_exmem_mons by memdev id). cxlmd->endpoint and cxlmd->cxlds
 * are used only under the memdev device lock, with the memdev bound, as
 * the CXL core does (cxl_error_detected(), cxl_reset_done(),
 * cxl_mem_sanitize()): cxl_mem_probe() sets the endpoint and
 * delete_endpoint(), a devm action of the memdev, clears it and drops its
 * reference, both under that lock; cxl_memdev_unregister() clears cxlds
 * only after the memdev has been unbound. The order is the core's: memdev
 * device lock, cxl_region_rwsem, cxl_dpa_rwsem.
 *
 *   AER (cxl_cor_error_detected(), cxl_error_detected()): the caller holds
 *	the memdev lock and has checked dev->driver;
 *   event records (cxl_exmem_event()): the callers (event IRQ thread, cxl_pci
 *	probe, CPER work) hold at most the PCI device lock, the memdev's
 *	parent; the memdev lock is taken here;
 *   poison (cxl_exmem_poison()): under cxl_region_rwsem and cxl_dpa_rwsem,
 *	from a sysfs attribute of the cxl_mem driver, which unbind removes
 *	(waiting for writers) before delete_endpoint() runs; the memdev lock
 *	must not be taken there (lock order, and unbind holds it while it
 *	waits for the attribute's writers).
 *
 * Every entry point may sleep.
 */
#include <linux/exmem.h>
#include <linux/moduleparam.h>
#include <linux/range.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <cxlmem.h>
#include <cxl.h>

#include "../core/core.h"
#include "cxl_exmem.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "cxl_exmem."

/* Out-of-range values are refused with -EINVAL, as documented. */
#define CXL_EXMEM_CE_MAX	100000
#define CXL_EXMEM_MS_MAX	(24 * 3600 * MSEC_PER_SEC)

static int cxl_exmem_count_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, CXL_EXMEM_CE_MAX);
}

static const struct kernel_param_ops cxl_exmem_count_ops = {
	.set = cxl_exmem_count_set,
	.get = param_get_uint,
};

static int cxl_exmem_ms_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, CXL_EXMEM_MS_MAX);
}

static const struct kernel_param_ops cxl_exmem_ms_ops = {
	.set = cxl_exmem_ms_set,
	.get = param_get_uint,
};

static unsigned int ce_threshold = 5;
module_param_cb(ce_threshold, &cxl_exmem_count_ops, &ce_threshold, 0644);
MODULE_PARM_DESC(ce_threshold,
		 "Correctable errors within ce_window_ms that degrade a device, 1-100000 (default 5)");

static unsigned int ce_window_ms = 60000;
module_param_cb(ce_window_ms, &cxl_exmem_ms_ops, &ce_window_ms, 0644);
MODULE_PARM_DESC(ce_window_ms,
		 "Correctable error window in ms, 1-86400000 (default 60000)");

static unsigned int quiet_ms = 30000;
module_param_cb(quiet_ms, &cxl_exmem_ms_ops, &quiet_ms, 0644);
MODULE_PARM_DESC(quiet_ms,
		 "A device degraded by errors recovers after this many ms without any, 1-86400000 (default 30000)");

/* CXL r3.0 8.2.9.2.1.1: bits 5:0 of a media event's address are flags. */
#define CXL_EXMEM_DPA_MASK		GENMASK_ULL(63, 6)
/* General media / DRAM event descriptor (CXL r3.0 Table 8-43). */
#define CXL_EXMEM_DESC_UNCORRECTABLE	BIT(0)
#define CXL_EXMEM_DESC_THRESHOLD	BIT(1)
/* Health info (CXL r3.0 Table 8-100): health status, device temperature. */
#define CXL_EXMEM_HS_MAINTENANCE	BIT(0)
#define CXL_EXMEM_HS_PERF_DEGRADED	BIT(1)
#define CXL_EXMEM_HS_REPLACE		BIT(2)
#define CXL_EXMEM_AS_DEV_TEMP(as)	(((as) >> 2) & 0x3)

/* What we remember of a memory device between events. */
struct cxl_exmem_mon {
	unsigned long window_start;	/* jiffies */
	unsigned int ce_count;		/* correctable errors in the window */
	bool degraded;			/* by errors or events: recovers */
	int nr_ranges;
	struct range ranges[CXL_EXMEM_MAX_RANGES];
	struct delayed_work quiet_work;
};

static DEFINE_XARRAY(cxl_exmem_mons);
static DEFINE_MUTEX(cxl_exmem_lock);

struct cxl_exmem_ranges {
	struct range *r;
	int nr, max;
};

static int cxl_exmem_collect(struct device *dev, void *arg)
{
	struct cxl_exmem_ranges *rs = arg;
	struct cxl_endpoint_decoder *cxled;
	struct cxl_region *cxlr;

	if (!is_endpoint_decoder(dev) || rs->nr == rs->max)
		return 0;
	cxled = to_cxl_endpoint_decoder(dev);
	cxlr = cxled->cxld.region;
	if (!cxlr || !cxlr->params.res)
		return 0;
	rs->r[rs->nr].start = cxlr->params.res->start;
	rs->r[rs->nr].end = cxlr->params.res->end;
	rs->nr++;
	return 0;
}

/* Is @cxlmd bound to cxl_mem? Then its endpoint and cxlds stay. */
static bool cxl_exmem_memdev_bound(const struct cxl_memdev *cxlmd)
{
	lockdep_assert_held(&cxlmd->dev.mutex);
	return cxlmd->dev.driver && cxlmd->endpoint;
}

/**
 * cxl_exmem_memdev_ranges - Host physical ranges of the regions of a memdev
 * @cxlmd: the memory device; the caller holds its device lock
 * @r: array to fill
 * @max: its size
 *
 * Return: the number of ranges filled in, 0 if the memdev is not bound.
 */
int cxl_exmem_memdev_ranges(const struct cxl_memdev *cxlmd, struct range *r,
			    int max)
{
	struct cxl_exmem_ranges rs = { .r = r, .max = max };

	if (!cxl_exmem_memdev_bound(cxlmd))
		return 0;
	guard(rwsem_read)(&cxl_region_rwsem);
	device_for_each_child(&cxlmd->endpoint->dev, &rs, cxl_exmem_collect);
	return rs.nr;
}

/*
 * Report @health for each range, or with @lasting a degradation for good
 * (exmem_health_report_lasting()); return how many were ExMem.
 */
static int cxl_exmem_report(const struct range *r, int nr,
			    enum exmem_health health, const char *why,
			    bool lasting)
{
	int i, hits = 0;
	u64 len;

	for (i = 0; i < nr; i++) {
		len = range_len(&r[i]);
		if (!(lasting ? exmem_health_report_lasting(r[i].start, len, why) :
				exmem_health_report(r[i].start, len, health, why)))
			hits++;
	}
	return hits;
}

static void cxl_exmem_count_errors(const struct range *r, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		exmem_health_count_error(r[i].start, range_len(&r[i]));
}

static void cxl_exmem_quiet_workfn(struct work_struct *work)
{
	struct cxl_exmem_mon *mon = container_of(to_delayed_work(work),
						 struct cxl_exmem_mon,
						 quiet_work);

	mutex_lock(&cxl_exmem_lock);
	if (mon->degraded) {
		cxl_exmem_report(mon->ranges, mon->nr_ranges, EXMEM_HEALTH_OK,
				 "quiet", false);
		mon->degraded = false;
		mon->ce_count = 0;
	}
	mutex_unlock(&cxl_exmem_lock);
}

/* The monitor of @cxlmd, created on first use; cxl_exmem_lock held. */
static struct cxl_exmem_mon *cxl_exmem_mon(const struct cxl_memdev *cxlmd)
{
	struct cxl_exmem_mon *mon = xa_load(&cxl_exmem_mons, cxlmd->id);

	lockdep_assert_held(&cxl_exmem_lock);
	if (mon)
		return mon;
	mon = kzalloc(sizeof(*mon), GFP_KERNEL);
	if (!mon)
		return NULL;
	INIT_DELAYED_WORK(&mon->quiet_work, cxl_exmem_quiet_workfn);
	if (xa_err(xa_store(&cxl_exmem_mons, cxlmd->id, mon, GFP_KERNEL))) {
		kfree(mon);
		return NULL;
	}
	return mon;
}

/* Another error or event while degraded: restart the quiet period. */
static void cxl_exmem_not_quiet(struct cxl_exmem_mon *mon)
{
	lockdep_assert_held(&cxl_exmem_lock);
	if (mon->degraded)
		mod_delayed_work(system_wq, &mon->quiet_work,
				 msecs_to_jiffies(quiet_ms));
}

/**
 * cxl_exmem_degrade - Report the ExMem memory of a memdev degraded
 * @cxlmd: the memory device; the caller holds its device lock
 * @why: the event, shown in sysfs and in the uevent
 * @recovers: return to ok after quiet_ms without errors or events; if
 *	false, the degradation lasts until the administrator lifts it, and
 *	the end of a quiet period (of an earlier, recoverable cause) does not
 */
void cxl_exmem_degrade(const struct cxl_memdev *cxlmd, const char *why,
		       bool recovers)
{
	struct range r[CXL_EXMEM_MAX_RANGES];
	struct cxl_exmem_mon *mon;
	int nr = cxl_exmem_memdev_ranges(cxlmd, r, ARRAY_SIZE(r));

	if (!cxl_exmem_report(r, nr, EXMEM_HEALTH_DEGRADED, why, !recovers) ||
	    !recovers)
		return;
	mutex_lock(&cxl_exmem_lock);
	mon = cxl_exmem_mon(cxlmd);
	if (mon) {
		memcpy(mon->ranges, r, sizeof(r));
		mon->nr_ranges = nr;
		mon->degraded = true;
		cxl_exmem_not_quiet(mon);
	}
	mutex_unlock(&cxl_exmem_lock);
}

/**
 * cxl_exmem_quiet_now - End the quiet period of a memdev now (debugfs)
 * @cxlmd: the memory device
 */
void cxl_exmem_quiet_now(const struct cxl_memdev *cxlmd)
{
	struct cxl_exmem_mon *mon;

	mutex_lock(&cxl_exmem_lock);
	mon = xa_load(&cxl_exmem_mons, cxlmd->id);
	if (mon && mon->degraded)
		mod_delayed_work(system_wq, &mon->quiet_work, 0);
	mutex_unlock(&cxl_exmem_lock);
	/*
	 * Its report is queued when this returns, ahead of any later one
	 * (monitors are never freed: the code is built in). Not under
	 * cxl_exmem_lock, which the work takes.
	 */
	if (mon)
		flush_delayed_work(&mon->quiet_work);
}

/**
 * cxl_exmem_correctable_error - A correctable error of a memory device
 * @cxlmd: the memory device (AER correctable, CXL RAS correctable, or a
 *	corrected media event); the caller holds its device lock
 *
 * Counted against its ExMem memory; ce_threshold errors within
 * ce_window_ms make it degraded.
 */
void cxl_exmem_correctable_error(const struct cxl_memdev *cxlmd)
{
	struct range r[CXL_EXMEM_MAX_RANGES];
	int nr = cxl_exmem_memdev_ranges(cxlmd, r, ARRAY_SIZE(r));
	unsigned long window = msecs_to_jiffies(READ_ONCE(ce_window_ms));
	struct cxl_exmem_mon *mon;
	bool over = false;

	if (!nr)
		return;
	cxl_exmem_count_errors(r, nr);
	mutex_lock(&cxl_exmem_lock);
	mon = cxl_exmem_mon(cxlmd);
	if (mon) {
		if (!mon->ce_count ||
		    time_after(jiffies, mon->window_start + window)) {
			mon->window_start = jiffies;
			mon->ce_count = 0;
		}
		mon->ce_count++;
		over = mon->ce_count >= max(READ_ONCE(ce_threshold), 1U);
		cxl_exmem_not_quiet(mon);
	}
	mutex_unlock(&cxl_exmem_lock);
	if (over)
		cxl_exmem_degrade(cxlmd, "correctable-errors", true);
}
EXPORT_SYMBOL_NS_GPL(cxl_exmem_correctable_error, CXL);

/**
 * cxl_exmem_uncorrectable_error - An uncorrectable error of a memory device
 * @cxlmd: the memory device; the caller holds its device lock
 *
 * Its ExMem memory becomes failing: isolated, drained and offlined by
 * mm/zone_exmem/health.c.
 *
 * Return: true if the device backs ExMem memory: the caller must then keep
 * the memdev (and so the region) until the memory is offline.
 */
bool cxl_exmem_uncorrectable_error(const struct cxl_memdev *cxlmd)
{
	struct range r[CXL_EXMEM_MAX_RANGES];
	int nr = cxl_exmem_memdev_ranges(cxlmd, r, ARRAY_SIZE(r));

	cxl_exmem_count_errors(r, nr);
	return cxl_exmem_report(r, nr, EXMEM_HEALTH_FAILING,
				"uncorrectable-error", false) > 0;
}
EXPORT_SYMBOL_NS_GPL(cxl_exmem_uncorrectable_error, CXL);

/* Host physical address of @dpa, ULLONG_MAX if it maps to no region. */
static u64 cxl_exmem_dpa_to_hpa(const struct cxl_memdev *cxlmd,
				struct cxl_region *cxlr, u64 dpa)
{
	/* Regions and DPA assignments cannot change under the translation. */
	lockdep_assert_held(&cxl_region_rwsem);
	lockdep_assert_held(&cxl_dpa_rwsem);
	if (!cxlr)
		cxlr = cxl_dpa_to_region(cxlmd, dpa);
	if (!cxlr)
		return ULLONG_MAX;
	return cxl_dpa_to_hpa(cxlr, cxlmd, dpa);
}

/*
 * Host physical address of @dpa, and in *@n the bytes from @dpa (at most
 * to @end) that are contiguous in host physical memory, ULLONG_MAX if
 * @dpa maps to no region (then the @n bytes are in none either).
 *
 * HDM decoders map DPA in units of 256 MiB (base, size and skip), so a
 * run never crosses a 256 MiB boundary of DPA: past it may be another
 * region, or none, and the region is looked up again. Within an
 * interleaved region, DPA-contiguous memory is spread over HPA in strides
 * of granularity * ways, so a run is the rest of @dpa's granule (granules
 * start at multiples of the granularity, the decoder base being 256 MiB
 * aligned).
 */
static u64 cxl_exmem_dpa_to_hpa_run(const struct cxl_memdev *cxlmd, u64 dpa,
				    u64 end, u64 *n)
{
	struct cxl_region *r = cxl_dpa_to_region(cxlmd, dpa);
	u64 gran;

	*n = min(end - dpa, SZ_256M - (dpa & (SZ_256M - 1)));
	if (!r)
		return ULLONG_MAX;
	if (r->params.interleave_ways > 1) {
		gran = r->params.interleave_granularity;
		*n = min(*n, gran - (dpa & (gran - 1)));
	}
	return cxl_exmem_dpa_to_hpa(cxlmd, r, dpa);
}

/*
 * Poisoned host ranges, merged while they touch or overlap in whole pages
 * (granules smaller than a page map to the same pages), handed to
 * exmem_health_poison() when the next one does not, and at the end.
 */
struct cxl_exmem_hpa_run {
	u64 start, end;		/* page aligned; empty when equal */
};

static void cxl_exmem_poison_flush(struct cxl_exmem_hpa_run *run)
{
	if (run->end > run->start)
		exmem_health_poison(run->start, run->end - run->start);
	run->start = 0;
	run->end = 0;
}

static void cxl_exmem_poison_add(struct cxl_exmem_hpa_run *run, u64 hpa,
				 u64 n)
{
	u64 start = hpa & PAGE_MASK, end = PAGE_ALIGN(hpa + n);

	if (run->end > run->start && start <= run->end && end >= run->start) {
		run->start = min(run->start, start);
		run->end = max(run->end, end);
		return;
	}
	cxl_exmem_poison_flush(run);
	run->start = start;
	run->end = end;
}

static void cxl_exmem_media_event(const struct cxl_memdev *cxlmd,
				  const struct cxl_event_media_hdr *hdr)
{
	u64 dpa = le64_to_cpu(hdr->phys_addr) & CXL_EXMEM_DPA_MASK;
	u64 hpa;

	/* cxl_dpa_to_region() follows cxlmd->endpoint. */
	if (!cxl_exmem_memdev_bound(cxlmd))
		return;
	scoped_guard(rwsem_read, &cxl_region_rwsem) {
		guard(rwsem_read)(&cxl_dpa_rwsem);
		hpa = cxl_exmem_dpa_to_hpa(cxlmd, NULL, dpa);
	}
	if (hpa == ULLONG_MAX) {
		dev_warn_ratelimited(&cxlmd->dev,
				     "ExMem: media event at DPA %#llx is in no region, ignored\n",
				     dpa);
		return;
	}
	if (hdr->descriptor & CXL_EXMEM_DESC_UNCORRECTABLE)
		exmem_health_poison(hpa & PAGE_MASK, PAGE_SIZE);
	else
		cxl_exmem_correctable_error(cxlmd);
	if (hdr->descriptor & CXL_EXMEM_DESC_THRESHOLD)
		cxl_exmem_degrade(cxlmd, "media-threshold", true);
}

static void cxl_exmem_module_event(const struct cxl_memdev *cxlmd,
				   const struct cxl_event_mem_module *rec)
{
	u8 hs = rec->info.health_status;

	if (hs & CXL_EXMEM_HS_REPLACE)
		cxl_exmem_degrade(cxlmd, "replace-device", false);
	else if (hs & CXL_EXMEM_HS_PERF_DEGRADED)
		cxl_exmem_degrade(cxlmd, "throttling", true);
	else if (CXL_EXMEM_AS_DEV_TEMP(rec->info.add_status))
		cxl_exmem_degrade(cxlmd, "temperature", true);
	else if (hs & CXL_EXMEM_HS_MAINTENANCE)
		cxl_exmem_degrade(cxlmd, "maintenance", true);
}

/**
 * cxl_exmem_event - An event record read from a memory device
 * @cxlmd: the memory device; the caller must not hold its device lock
 * @type: general media, DRAM, memory module or generic
 * @evt: the record
 *
 * Records of a memdev that is not bound to cxl_mem are only traced.
 */
void cxl_exmem_event(const struct cxl_memdev *cxlmd, enum cxl_event_type type,
		     const union cxl_event *evt)
{
	/*
	 * cxl_event_trace_record() passes the memdev as const; it is not
	 * (its callers hold a plain pointer), and its lock is taken here.
	 */
	struct device *dev = (struct device *)&cxlmd->dev;

	guard(device)(dev);
	if (!dev->driver)
		return;
	switch (type) {
	case CXL_CPER_EVENT_GEN_MEDIA:
	case CXL_CPER_EVENT_DRAM:
		cxl_exmem_media_event(cxlmd, &evt->media_hdr);
		break;
	case CXL_CPER_EVENT_MEM_MODULE:
		cxl_exmem_module_event(cxlmd, &evt->mem_module);
		break;
	default:
		break;
	}
}
EXPORT_SYMBOL_NS_GPL(cxl_exmem_event, CXL);

/**
 * cxl_exmem_poison - A record of the device's poison list
 * @cxlmd: the memory device
 * @cxlr: the region being scanned, or NULL; not used: a record may reach
 *	past it, and each run of the record is looked up on its own
 * @rec: the record
 *
 * Each host-contiguous run of the record (an interleave granule, or up to
 * a 256 MiB boundary of DPA) is translated on its own, so that under
 * interleave exactly the poisoned pages are hit, not the neighbouring
 * granules of the other devices.
 *
 * Called with cxl_region_rwsem and cxl_dpa_rwsem held for reading, from
 * cxl_trigger_poison_list(), that is from a sysfs attribute of the cxl_mem
 * driver: the memdev stays bound, and its endpoint stays, until the write
 * returns (unbind removes the attribute first). The memdev lock is not
 * taken: it nests outside these rwsems. The pages are queued for
 * memory_failure(), which runs later in a work item.
 */
void cxl_exmem_poison(struct cxl_memdev *cxlmd, struct cxl_region *cxlr,
		      const struct cxl_poison_record *rec)
{
	u64 first = le64_to_cpu(rec->address) & CXL_POISON_START_MASK;
	u64 len = (u64)le32_to_cpu(rec->length) * CXL_POISON_LEN_MULT;
	struct cxl_exmem_hpa_run run = { 0 };
	u64 dpa = first, end = first + len, n, hpa;
	bool mapped = false;

	while (dpa < end) {
		hpa = cxl_exmem_dpa_to_hpa_run(cxlmd, dpa, end, &n);
		if (hpa != ULLONG_MAX) {
			cxl_exmem_poison_add(&run, hpa, n);
			mapped = true;
		}
		dpa += n;
		cond_resched();
	}
	cxl_exmem_poison_flush(&run);
	if (!mapped)
		dev_warn_ratelimited(&cxlmd->dev,
				     "ExMem: poison at DPA %#llx is in no region, ignored\n",
				     first);
}
EXPORT_SYMBOL_NS_GPL(cxl_exmem_poison, CXL);
