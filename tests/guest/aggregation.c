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
	int i, n, nid = __builtin_ctzl(mask | (1UL << 63)), found = 0;

	/* The guest always has two CXL devices: none means breakage. */
	ASSERT_GT(cxl, 0) TH_LOG("no CXL ram capacity enumerated");
	TH_LOG("CPU-less nodes with memory: mask %#lx", mask);
	ASSERT_EQ(1, __builtin_popcountl(mask));
	/* That node's ExMem zone holds the capacity of both devices. */
	n = exmem_read_zones(zones, EXMEM_MAX_ZONES);
	ASSERT_GT(n, 0) TH_LOG("cannot read /proc/zoneinfo");
	for (i = 0; i < n; i++) {
		if (zones[i].nid != nid || strcmp(zones[i].name, "ExMem"))
			continue;
		found++;
		ASSERT_EQ(cxl, zones[i].present * PAGE_SZ);
	}
	ASSERT_EQ(1, found) TH_LOG("node %d has no ExMem zone", nid);
}

TEST(logical_node_is_a_lower_tier_than_dram)
{
	unsigned long mask = exmem_cpuless_nodes();
	int dram, cxl;

	ASSERT_NE(0, mask) TH_LOG("no CPU-less memory node");
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

	ASSERT_GT(exmem_cxl_ram_bytes(), 0) TH_LOG("no CXL ram capacity enumerated");
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

#define AGGREGATE	"/sys/module/exmem/parameters/aggregate"

/*
 * A fixture named like the harness's own: its test keeps its TAP name
 * (global.<test>) and gets what a plain TEST() lacks in 6.12, a teardown
 * that runs after a failed ASSERT and a timeout of its own.
 */
FIXTURE(global) {
	char dax[256];		/* the device unplugged, once chosen */
	unsigned long first, nr;
	unsigned long nodes;	/* CPU-less nodes before the test */
	unsigned long present;	/* ExMem pages before the test */
	char knob[16];		/* the aggregate parameter before the test */
};

FIXTURE_SETUP(global)
{
	self->nodes = exmem_cpuless_nodes();
	self->present = exmem_zone_present("ExMem");
	ASSERT_EQ(0, exmem_read_file(AGGREGATE, self->knob, sizeof(self->knob)));
}

/*
 * Whatever step failed, leave the device as the next test expects it:
 * bound, every block online, in the shared node, the knob as it was.
 */
FIXTURE_TEARDOWN(global)
{
	if (!self->dax[0])
		return;
	/* Bound on a node of its own (aggregate=0): take it out to rejoin. */
	if (exmem_dax_bound(self->dax) && exmem_cpuless_nodes() != self->nodes)
		EXPECT_EQ(0, exmem_dax_unplug(self->dax, self->first, self->nr));
	EXPECT_EQ(0, exmem_write_file(AGGREGATE, self->knob));
	EXPECT_EQ(0, exmem_dax_restore(self->dax, self->first, self->nr));
	EXPECT_EQ(self->nodes, exmem_cpuless_nodes()) TH_LOG("%s not restored", self->dax);
	EXPECT_EQ(self->present, exmem_zone_present("ExMem"));
}

/* Offlining a 512 MiB device migrates its pages at QEMU's CXL speed. */
TEST_F_TIMEOUT(global, one_device_unplugs_alone_and_rejoins_per_the_knob, 600)
{
	unsigned long first, nr, before = self->nodes;
	unsigned long long cxl = exmem_cxl_ram_bytes();
	char *dax = self->dax;

	/* The guest always has two CXL devices: fewer means breakage. */
	ASSERT_GT(cxl, 0) TH_LOG("no CXL ram capacity enumerated");
	ASSERT_GE(count_dax_devices(), 2) TH_LOG("needs two CXL dax devices");
	ASSERT_EQ(1, __builtin_popcountl(before));
	ASSERT_EQ(0, exmem_dax_not_on_node(__builtin_ctzl(before), dax,
					   sizeof(self->dax), &first, &nr));
	self->first = first;
	self->nr = nr;
	TH_LOG("%s: blocks %lu..%lu", dax, first, first + nr - 1);

	/* Unplug one device: the other one's memory stays. */
	ASSERT_EQ(0, exmem_dax_unplug(dax, first, nr));
	EXPECT_EQ(cxl / 2, exmem_zone_present("ExMem") * PAGE_SZ);
	/* Its ExMem directory went with it. */
	EXPECT_EQ(-1, dev_attr(dax, "capacity_bytes"));
	EXPECT_EQ(before, exmem_cpuless_nodes());

	/* Without aggregation it comes back on its own node... */
	ASSERT_EQ(0, exmem_write_file(AGGREGATE, "0"));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", dax));
	EXPECT_EQ(cxl, exmem_zone_present("ExMem") * PAGE_SZ);
	EXPECT_EQ(2, __builtin_popcountl(exmem_cpuless_nodes()));
	EXPECT_EQ((long long)(cxl / 2), dev_attr(dax, "online_bytes"));

	/* ...and with it, back into the shared node. */
	ASSERT_EQ(0, exmem_dax_unplug(dax, first, nr));
	ASSERT_EQ(0, exmem_write_file(AGGREGATE, "1"));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", dax));
	EXPECT_EQ(cxl, exmem_zone_present("ExMem") * PAGE_SZ);
	EXPECT_EQ(before, exmem_cpuless_nodes());
}

TEST_HARNESS_MAIN
