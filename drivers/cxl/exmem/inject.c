// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only event injection (CONFIG_EXMEM_DEBUG): drives the same entry
 * points as the real CXL handlers (events.c, link.c), for states that QEMU
 * cannot produce.
 *
 *   echo "mem0 throttle" > /sys/kernel/debug/cxl/exmem/inject
 *
 * Events: correctable, uncorrectable, throttle, link-degraded, quiet (end
 * the quiet period now). Root only. A line that is not "MEMDEV EVENT" or
 * names an unknown event is refused with -EINVAL, an unknown memdev or one
 * not bound to cxl_mem with -ENODEV, an uncorrectable error on a memdev
 * without ExMem with -ENODEV. Events are delivered under the memdev lock,
 * as the CXL core delivers AER errors.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <cxlmem.h>
#include <cxl.h>

#include "cxl_exmem.h"

enum { INJ_CE, INJ_UE, INJ_THROTTLE, INJ_LINK, INJ_QUIET };

static const char * const cxl_exmem_inj_names[] = {
	[INJ_CE]	= "correctable",
	[INJ_UE]	= "uncorrectable",
	[INJ_THROTTLE]	= "throttle",
	[INJ_LINK]	= "link-degraded",
	[INJ_QUIET]	= "quiet",
};

static int cxl_exmem_inject(struct cxl_memdev *cxlmd, int event)
{
	switch (event) {
	case INJ_CE:
		cxl_exmem_correctable_error(cxlmd);
		return 0;
	case INJ_UE:
		return cxl_exmem_uncorrectable_error(cxlmd) ? 0 : -ENODEV;
	case INJ_THROTTLE:
		cxl_exmem_degrade(cxlmd, "throttling", true);
		return 0;
	case INJ_LINK:
		cxl_exmem_degrade(cxlmd, "link-degraded", false);
		return 0;
	default:
		cxl_exmem_quiet_now(cxlmd);
		return 0;
	}
}

static ssize_t cxl_exmem_inject_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	char buf[64], name[16], what[24];
	struct device *dev;
	int event, ret;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%15s %23s", name, what) != 2)
		return -EINVAL;
	event = match_string(cxl_exmem_inj_names,
			     ARRAY_SIZE(cxl_exmem_inj_names), what);
	if (event < 0)
		return -EINVAL;
	dev = bus_find_device_by_name(&cxl_bus_type, NULL, name);
	if (!dev)
		return -ENODEV;
	ret = -ENODEV;
	/* As the core's handlers: under the memdev lock, while it is bound. */
	if (is_cxl_memdev(dev)) {
		scoped_guard(device, dev) {
			if (dev->driver)
				ret = cxl_exmem_inject(to_cxl_memdev(dev),
						       event);
		}
	}
	put_device(dev);
	return ret ? ret : len;
}

static const struct file_operations cxl_exmem_inject_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= cxl_exmem_inject_write,
	.llseek	= noop_llseek,
};

static int __init cxl_exmem_inject_init(void)
{
	struct dentry *dir = cxl_debugfs_create_dir("exmem");

	debugfs_create_file("inject", 0200, dir, NULL, &cxl_exmem_inject_fops);
	return 0;
}
late_initcall(cxl_exmem_inject_init);
