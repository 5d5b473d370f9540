// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: CXL memory of one performance class appears to user space
 * as one CPU-less NUMA node, whatever the number of CXL windows it came
 * through, and each device stays individually visible (its own dax device
 * and memory group). The guest has two identical devices in two windows.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define PAGE_SZ 4096ULL

static int count_dax_devices(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(EXMEM_DAX_DEVICES);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "dax", 3);
	closedir(d);
	return n;
}

TEST(same_class_devices_share_one_node)
{
	unsigned long mask = exmem_cpuless_nodes();
	unsigned long long cxl = exmem_cxl_ram_bytes();
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n, nid = __builtin_ctzl(mask | (1UL << 63));

	if (!cxl)
		SKIP(return, "no CXL ram capacity enumerated");
	TH_LOG("CPU-less nodes with memory: mask %#lx", mask);
	ASSERT_EQ(1, __builtin_popcountl(mask));
	/* That node's ExMem zone holds the capacity of both devices. */
	n = exmem_read_zones(zones, EXMEM_MAX_ZONES);
	for (i = 0; i < n; i++)
		if (zones[i].nid == nid && !strcmp(zones[i].name, "ExMem"))
			ASSERT_EQ(cxl, zones[i].present * PAGE_SZ);
}

TEST(logical_node_is_a_lower_tier_than_dram)
{
	unsigned long mask = exmem_cpuless_nodes();
	int dram, cxl;

	if (!mask)
		SKIP(return, "no CPU-less memory node");
	dram = exmem_memory_tier(0);
	cxl = exmem_memory_tier(__builtin_ctzl(mask));
	TH_LOG("memory tier of node 0: %d, of the ExMem node: %d", dram, cxl);
	ASSERT_GE(dram, 0);
	/* Higher tier ids are slower (larger abstract distance). */
	ASSERT_GT(cxl, dram);
}

/* An attribute of /sys/kernel/mm/exmem/devices/<dax>/, as a number. */
static long long dev_attr(const char *dax, const char *attr)
{
	char path[600], buf[64];

	snprintf(path, sizeof(path), "/sys/kernel/mm/exmem/devices/%s/%s", dax, attr);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

TEST(each_device_stays_visible)
{
	char path[600], buf[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (!exmem_cxl_ram_bytes())
		SKIP(return, "no CXL ram capacity enumerated");
	/* One dax device per CXL region, each onlined by kmem on its own... */
	ASSERT_EQ(2, count_dax_devices());
	/* ...and each with its own ExMem directory. */
	d = opendir(EXMEM_DAX_DEVICES);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		long long size;

		if (strncmp(de->d_name, "dax", 3))
			continue;
		snprintf(path, sizeof(path), EXMEM_DAX_DEVICES "/%s/size", de->d_name);
		ASSERT_EQ(0, exmem_read_file(path, buf, sizeof(buf)));
		size = strtoll(buf, NULL, 0);
		TH_LOG("%s: capacity %lld, online %lld, free %lld, pinned %lld",
		       de->d_name, dev_attr(de->d_name, "capacity_bytes"),
		       dev_attr(de->d_name, "online_bytes"),
		       dev_attr(de->d_name, "free_bytes"),
		       dev_attr(de->d_name, "pinned"));
		EXPECT_EQ(size, dev_attr(de->d_name, "capacity_bytes"));
		EXPECT_EQ(size, dev_attr(de->d_name, "online_bytes"));
		EXPECT_GT(dev_attr(de->d_name, "free_bytes"), 0);
		EXPECT_LE(dev_attr(de->d_name, "free_bytes"), size);
		EXPECT_EQ(0, dev_attr(de->d_name, "pinned"));
		snprintf(path, sizeof(path), "/sys/kernel/mm/exmem/devices/%s/state",
			 de->d_name);
		ASSERT_EQ(0, exmem_read_file(path, buf, sizeof(buf)));
		EXPECT_STREQ("online", buf);
		n++;
	}
	closedir(d);
	EXPECT_EQ(2, n);
}

TEST(one_device_unplugs_alone_and_rejoins_per_the_knob)
{
	unsigned long first, nr, before = exmem_cpuless_nodes();
	unsigned long long cxl = exmem_cxl_ram_bytes();
	char dax[256];

	if (!cxl || count_dax_devices() < 2)
		SKIP(return, "needs two CXL dax devices");
	ASSERT_EQ(1, __builtin_popcountl(before));
	ASSERT_EQ(0, exmem_dax_not_on_node(__builtin_ctzl(before), dax,
					   sizeof(dax), &first, &nr));
	TH_LOG("%s: blocks %lu..%lu", dax, first, first + nr - 1);

	/* Unplug one device: the other one's memory stays. */
	ASSERT_EQ(0, exmem_dax_unplug(dax, first, nr));
	EXPECT_EQ(cxl / 2, exmem_zone_present("ExMem") * PAGE_SZ);
	/* Its ExMem directory went with it. */
	EXPECT_EQ(-1, dev_attr(dax, "capacity_bytes"));
	EXPECT_EQ(before, exmem_cpuless_nodes());

	/* Without aggregation it comes back on its own node... */
	ASSERT_EQ(0, exmem_write_file("/sys/module/exmem/parameters/aggregate", "0"));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", dax));
	EXPECT_EQ(cxl, exmem_zone_present("ExMem") * PAGE_SZ);
	EXPECT_EQ(2, __builtin_popcountl(exmem_cpuless_nodes()));
	EXPECT_EQ((long long)(cxl / 2), dev_attr(dax, "online_bytes"));

	/* ...and with it, back into the shared node. */
	ASSERT_EQ(0, exmem_dax_unplug(dax, first, nr));
	ASSERT_EQ(0, exmem_write_file("/sys/module/exmem/parameters/aggregate", "1"));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", dax));
	EXPECT_EQ(cxl, exmem_zone_present("ExMem") * PAGE_SZ);
	EXPECT_EQ(before, exmem_cpuless_nodes());
}

TEST_HARNESS_MAIN
