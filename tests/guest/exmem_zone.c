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

#define PAGE_SZ 4096ULL

TEST(exmem_zone_holds_all_cxl_capacity)
{
	unsigned long long cxl = exmem_cxl_ram_bytes();
	unsigned long long exmem = exmem_zone_present("ExMem") * PAGE_SZ;

	if (!cxl)
		SKIP(return, "no CXL ram capacity enumerated");
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

TEST(cxl_memory_is_not_in_movable_or_normal)
{
	/* With the default policy, nothing was hot-added anywhere else. */
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++) {
		if (exmem_node_has_cpus(zones[i].nid))
			continue;
		if (!strcmp(zones[i].name, "Movable") ||
		    !strcmp(zones[i].name, "Normal"))
			EXPECT_EQ(0, zones[i].present);
	}
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
