// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: after the CXL ram regions are created, ZONE_EXMEM exists on
 * the CXL node(s) and holds exactly the CXL capacity; DRAM nodes have none.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

#define PAGE_SZ 4096ULL

TEST(exmem_zone_holds_all_cxl_capacity)
{
	unsigned long long cxl = exmem_cxl_ram_bytes();
	unsigned long long exmem = exmem_zone_present("ExMem") * PAGE_SZ;

	/* The guest always has CXL type-3 devices: none means breakage. */
	ASSERT_GT(cxl, 0) TH_LOG("no CXL ram capacity enumerated");
	TH_LOG("CXL ram capacity %llu MiB, ExMem present %llu MiB",
	       cxl >> 20, exmem >> 20);
	ASSERT_EQ(cxl, exmem);
}

TEST(exmem_zone_only_on_cpuless_nodes)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES), populated = 0;

	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++) {
		if (strcmp(zones[i].name, "ExMem") || !zones[i].present)
			continue;
		populated++;
		TH_LOG("node %d: ExMem %lu pages at pfn %lu", zones[i].nid,
		       zones[i].present, zones[i].start_pfn);
		EXPECT_FALSE(exmem_node_has_cpus(zones[i].nid));
	}
	ASSERT_GT(populated, 0);
}

/*
 * Online memory blocks of the CXL devices, and among them those outside
 * ZONE_EXMEM (an online block's valid_zones names the zone it is in).
 * The device count, or -1.
 */
static int cxl_blocks_outside_exmem(unsigned long *online, unsigned long *outside)
{
	struct exmem_cxl_dev devs[EXMEM_CXL_MAX];
	int d, n = exmem_cxl_devs(devs, EXMEM_CXL_MAX);
	char dax[64], block[32], buf[64];
	unsigned long first, nr, i;

	*online = *outside = 0;
	for (d = 0; d < n; d++) {
		if (exmem_dax_of_phys(devs[d].start, dax, sizeof(dax), &first, &nr))
			return -1;
		for (i = first; i < first + nr; i++) {
			snprintf(block, sizeof(block), "memory%lu", i);
			if (exmem_block_attr(block, "state", buf, sizeof(buf)) ||
			    strcmp(buf, "online"))
				continue;
			(*online)++;
			if (exmem_block_attr(block, "valid_zones", buf, sizeof(buf)) ||
			    strcmp(buf, "ExMem"))
				(*outside)++;
		}
	}
	return n;
}

TEST(cxl_memory_is_not_in_movable_or_normal)
{
	/* With the default policy, nothing was hot-added anywhere else. */
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES), exmem_zones = 0;
	unsigned long online, outside;

	ASSERT_GT(n, 0) TH_LOG("cannot read /proc/zoneinfo");
	for (i = 0; i < n; i++) {
		if (exmem_node_has_cpus(zones[i].nid))
			continue;
		if (!strcmp(zones[i].name, "ExMem") && zones[i].present)
			exmem_zones++;
		if (!strcmp(zones[i].name, "Movable") ||
		    !strcmp(zones[i].name, "Normal"))
			EXPECT_EQ(0, zones[i].present)
				TH_LOG("node %d: CXL memory in %s", zones[i].nid,
				       zones[i].name);
	}
	/* The checks above looked at the CXL memory: it is on CPU-less nodes. */
	ASSERT_GT(exmem_zones, 0) TH_LOG("no CPU-less node with an ExMem zone");

	/* The same block by block, whatever node the blocks landed on. */
	ASSERT_GT(cxl_blocks_outside_exmem(&online, &outside), 0)
		TH_LOG("no CXL device with a region and a dax device");
	TH_LOG("%lu online CXL blocks, %lu of them outside ExMem", online, outside);
	ASSERT_GT(online, 0);
	EXPECT_EQ(0, outside);
}

/* A "Name: N kB" line of /proc/meminfo, in kB, or -1. */
static long meminfo_kb(const char *key)
{
	char buf[8192], *p;
	long kb;

	if (exmem_read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	if (!p || sscanf(p + strlen(key), " %ld", &kb) != 1)
		return -1;
	return kb;
}

TEST(meminfo_reports_exmem_total_and_free)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	unsigned long managed = 0;
	long total = meminfo_kb("ExMemTotal:"), free = meminfo_kb("ExMemFree:");
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (!strcmp(zones[i].name, "ExMem"))
			managed += zones[i].managed;
	TH_LOG("ExMemTotal %ld kB, ExMemFree %ld kB", total, free);
	ASSERT_EQ((long)(managed * 4), total);
	EXPECT_GT(free, 0);
	EXPECT_LE(free, total);
}

TEST_HARNESS_MAIN
