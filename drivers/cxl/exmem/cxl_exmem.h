/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the CXL core calls when an event may change where ExMem memory is
 * placed: drivers/cxl/exmem/events.c (errors, event records, poison) and
 * drivers/cxl/exmem/link.c (link state). Declared for the core's hooks.
 */
#ifndef __CXL_EXMEM_H__
#define __CXL_EXMEM_H__

#include <cxl/event.h>

struct cxl_memdev;
struct cxl_region;
struct cxl_poison_record;

#ifdef CONFIG_CXL_EXMEM
void cxl_exmem_correctable_error(const struct cxl_memdev *cxlmd);
bool cxl_exmem_uncorrectable_error(const struct cxl_memdev *cxlmd);
void cxl_exmem_event(const struct cxl_memdev *cxlmd, enum cxl_event_type type,
		     const union cxl_event *evt);
void cxl_exmem_poison(struct cxl_memdev *cxlmd, struct cxl_region *cxlr,
		      const struct cxl_poison_record *rec);
#else
static inline void cxl_exmem_correctable_error(const struct cxl_memdev *cxlmd)
{
}

static inline bool cxl_exmem_uncorrectable_error(const struct cxl_memdev *cxlmd)
{
	return false;
}

static inline void cxl_exmem_event(const struct cxl_memdev *cxlmd,
				   enum cxl_event_type type,
				   const union cxl_event *evt)
{
}

static inline void cxl_exmem_poison(struct cxl_memdev *cxlmd,
				    struct cxl_region *cxlr,
				    const struct cxl_poison_record *rec)
{
}
#endif

/*
 * Locking (drivers/cxl/exmem/events.c): cxl_exmem_correctable_error(),
 * cxl_exmem_uncorrectable_error(), cxl_exmem_memdev_ranges() and
 * cxl_exmem_degrade() want the memdev device lock held, as the core holds
 * it in cxl_cor_error_detected() and cxl_error_detected() after its
 * dev->driver check; cxl_exmem_event() takes it; cxl_exmem_poison() runs
 * under cxl_region_rwsem and cxl_dpa_rwsem and must not take it.
 */

/* Shared by the files of drivers/cxl/exmem/ only. */
#define CXL_EXMEM_MAX_RANGES	8

struct range;

int cxl_exmem_memdev_ranges(const struct cxl_memdev *cxlmd, struct range *r,
			    int max);
void cxl_exmem_degrade(const struct cxl_memdev *cxlmd, const char *why,
		       bool recovers);
void cxl_exmem_quiet_now(const struct cxl_memdev *cxlmd);

#endif /* __CXL_EXMEM_H__ */
