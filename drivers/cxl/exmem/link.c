// SPDX-License-Identifier: GPL-2.0-only
/*
 * QoS of CXL memory links, and the AER setup that lets CXL errors arrive.
 *
 * Whenever ExMem memory goes online (a memory notifier queues
 * cxl_exmem_link_work), every CXL memory device that backs ExMem is
 * checked:
 *
 * - its trained link (speed and width, PCIe Link Status) is recorded as the
 *   ExMem device's link_speed_mts and link_width;
 * - a link trained below the device's own capability (Link Capabilities),
 *   or whose bandwidth (speed x width) is below link_bw_pct percent of the
 *   fastest CXL memory link, makes the device degraded. New ExMem
 *   allocations then prefer the faster devices of the same logical node.
 *   The state does not recover by itself: 6.12 has no link bandwidth
 *   notification; an administrator writes "ok" after retraining.
 * - internal errors (how CXL RAS errors are signalled) are unmasked in the
 *   device's AER capability and made non-fatal: a fatal error resets the
 *   link, and the reset loses the memory that we want to drain.
 *
 * Locking: the work item runs alone (one work_struct). It looks at each
 * memdev under its device lock, and only while it is bound to cxl_mem: then
 * cxlmd->cxlds and cxlmd->endpoint stay (see events.c), and so does the
 * PCI device, whose cxl_pci unbind waits for the memdev lock. Regions are
 * read under cxl_region_rwsem (cxl_exmem_memdev_ranges()).
 */
#include <linux/aer.h>
#include <linux/exmem.h>
#include <linux/memory.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/range.h>
#include <cxlmem.h>
#include <cxl.h>

#include "cxl_exmem.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "cxl_exmem."

static unsigned int link_bw_pct = 50;

/* 1 to 100: above 100 every link, the fastest included, would be slow. */
static int link_bw_pct_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 100);
}

static const struct kernel_param_ops link_bw_pct_ops = {
	.set = link_bw_pct_set,
	.get = param_get_uint,
};
module_param_cb(link_bw_pct, &link_bw_pct_ops, &link_bw_pct, 0644);
MODULE_PARM_DESC(link_bw_pct,
		 "A link below this percentage of the fastest CXL memory link is degraded, 1-100 (default 50)");

/* A trained or possible link: speed in MT/s, width in lanes. */
struct cxl_exmem_link {
	unsigned int mts, width;
};

/* PCIe Link Speed encoding (Link Status CLS, Link Capabilities SLS). */
static unsigned int cxl_exmem_speed_mts(unsigned int code)
{
	static const unsigned int mts[] = { 0, 2500, 5000, 8000, 16000,
					    32000, 64000 };

	return code < ARRAY_SIZE(mts) ? mts[code] : 0;
}

static bool cxl_exmem_read_link(struct pci_dev *pdev,
				struct cxl_exmem_link *cur,
				struct cxl_exmem_link *cap)
{
	u16 lnksta;
	u32 lnkcap;

	if (pcie_capability_read_word(pdev, PCI_EXP_LNKSTA, &lnksta) ||
	    pcie_capability_read_dword(pdev, PCI_EXP_LNKCAP, &lnkcap))
		return false;
	cur->mts = cxl_exmem_speed_mts(lnksta & PCI_EXP_LNKSTA_CLS);
	cur->width = FIELD_GET(PCI_EXP_LNKSTA_NLW, lnksta);
	cap->mts = cxl_exmem_speed_mts(lnkcap & PCI_EXP_LNKCAP_SLS);
	cap->width = FIELD_GET(PCI_EXP_LNKCAP_MLW, lnkcap);
	return cur->mts && cur->width;
}

/* Internal errors: unmasked, correctable and non-fatal uncorrectable. */
static void cxl_exmem_aer_setup(struct pci_dev *pdev)
{
	int aer = pdev->aer_cap;
	u32 val;

	if (!aer || !pcie_aer_is_native(pdev))
		return;
	pci_read_config_dword(pdev, aer + PCI_ERR_UNCOR_MASK, &val);
	pci_write_config_dword(pdev, aer + PCI_ERR_UNCOR_MASK,
			       val & ~PCI_ERR_UNC_INTN);
	pci_read_config_dword(pdev, aer + PCI_ERR_UNCOR_SEVER, &val);
	pci_write_config_dword(pdev, aer + PCI_ERR_UNCOR_SEVER,
			       val & ~PCI_ERR_UNC_INTN);
	pci_read_config_dword(pdev, aer + PCI_ERR_COR_MASK, &val);
	pci_write_config_dword(pdev, aer + PCI_ERR_COR_MASK,
			       val & ~PCI_ERR_COR_INTERNAL);
}

/*
 * The PCI device of a memdev that backs memory in a region, or NULL. The
 * caller holds the memdev's device lock; the PCI device is valid as long
 * as it does.
 */
static struct pci_dev *cxl_exmem_pdev(struct device *dev, struct range *r,
				      int *nr)
{
	struct cxl_memdev *cxlmd = to_cxl_memdev(dev);
	struct cxl_dev_state *cxlds;

	device_lock_assert(dev);
	if (!dev->driver)
		return NULL;
	cxlds = cxlmd->cxlds;
	if (!cxlds || !dev_is_pci(cxlds->dev))
		return NULL;
	*nr = cxl_exmem_memdev_ranges(cxlmd, r, CXL_EXMEM_MAX_RANGES);
	return *nr ? to_pci_dev(cxlds->dev) : NULL;
}

static int cxl_exmem_best_link(struct device *dev, void *arg)
{
	struct range r[CXL_EXMEM_MAX_RANGES];
	struct cxl_exmem_link cur, cap;
	unsigned long *best = arg;
	struct pci_dev *pdev;
	int nr;

	if (!is_cxl_memdev(dev))
		return 0;
	guard(device)(dev);
	pdev = cxl_exmem_pdev(dev, r, &nr);
	if (pdev && cxl_exmem_read_link(pdev, &cur, &cap))
		*best = max(*best, (unsigned long)cur.mts * cur.width);
	return 0;
}

static int cxl_exmem_check_link(struct device *dev, void *arg)
{
	struct range r[CXL_EXMEM_MAX_RANGES];
	unsigned long best = *(unsigned long *)arg, bw;
	struct cxl_exmem_link cur, cap;
	struct pci_dev *pdev;
	int i, nr;

	if (!is_cxl_memdev(dev))
		return 0;
	guard(device)(dev);
	pdev = cxl_exmem_pdev(dev, r, &nr);
	if (!pdev)
		return 0;
	cxl_exmem_aer_setup(pdev);
	if (!cxl_exmem_read_link(pdev, &cur, &cap))
		return 0;
	for (i = 0; i < nr; i++)
		exmem_health_set_link(r[i].start, range_len(&r[i]), cur.mts,
				      cur.width);
	bw = (unsigned long)cur.mts * cur.width;
	if (cur.mts < cap.mts || cur.width < cap.width ||
	    bw * 100 < best * READ_ONCE(link_bw_pct)) {
		dev_dbg(dev, "ExMem: link %u MT/s x%u (capable of %u MT/s x%u), degraded\n",
			cur.mts, cur.width, cap.mts, cap.width);
		cxl_exmem_degrade(to_cxl_memdev(dev), "link-degraded", false);
	}
	return 0;
}

static void cxl_exmem_link_workfn(struct work_struct *work)
{
	unsigned long best = 0;

	bus_for_each_dev(&cxl_bus_type, NULL, &best, cxl_exmem_best_link);
	bus_for_each_dev(&cxl_bus_type, NULL, &best, cxl_exmem_check_link);
}

static DECLARE_WORK(cxl_exmem_link_work, cxl_exmem_link_workfn);

static int cxl_exmem_memory_callback(struct notifier_block *nb,
				     unsigned long action, void *arg)
{
	if (action == MEM_ONLINE)
		schedule_work(&cxl_exmem_link_work);
	return NOTIFY_OK;
}

static struct notifier_block cxl_exmem_memory_nb = {
	.notifier_call = cxl_exmem_memory_callback,
};

static int __init cxl_exmem_link_init(void)
{
	return register_memory_notifier(&cxl_exmem_memory_nb);
}
late_initcall(cxl_exmem_link_init);
