// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: the figures exmemstat prints agree with what the kernel
 * reports: after a MAP_EXMEM allocation of 64 MiB, exmemstat's free ExMem
 * drops by 64 MiB (within what else moved meanwhile), its total and free
 * match /proc/meminfo, and its per-device figures add up to the node's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define MIB		(1ULL << 20)
#define LEN		(64 * MIB)
#define SLACK		(8 * MIB)	/* other activity between two reads */

/* The value of metric @name (with optional @labels) in exmemstat -p. */
static long long prom(const char *out, const char *metric)
{
	const char *p = out;
	size_t len = strlen(metric);

	while ((p = strstr(p, metric))) {
		if ((p == out || p[-1] == '\n') && p[len] == ' ')
			return atoll(p + len + 1);
		p += len;
	}
	return -1;
}

static void run_exmemstat(struct __test_metadata *_metadata, char *out, size_t len)
{
	FILE *f = popen("exmemstat --prometheus", "r");
	size_t got;

	ASSERT_NE(NULL, f);
	got = fread(out, 1, len - 1, f);
	out[got] = 0;
	ASSERT_EQ(0, pclose(f));
}

static long long meminfo_kb(const char *key)
{
	char line[128];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atoll(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

static long long llabs_(long long v)
{
	return v < 0 ? -v : v;
}

/*
 * exmem_node_free_bytes summed over the nodes of @mask (the ExMem nodes);
 * -1 if a node has no such line.
 */
static long long node_free_sum(const char *out, unsigned long mask)
{
	char metric[64];
	long long sum = 0, v;
	int nid;

	for (nid = 0; nid < 64; nid++) {
		if (!(mask & (1UL << nid)))
			continue;
		snprintf(metric, sizeof(metric),
			 "exmem_node_free_bytes{node=\"%d\"}", nid);
		v = prom(out, metric);
		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}

/*
 * Pages of the ExMem zones on per-CPU free lists (/proc/zoneinfo's
 * pagesets "count"): free, yet not counted in ExMemFree. An allocation
 * takes them first, so ExMemFree falls by less than it allocates when
 * they are many (after an earlier test freed much of ExMem).
 */
static long long exmem_pcp_pages(void)
{
	char line[256], zone[32] = "";
	long long sum = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %31s", zone) == 1)
			continue;
		if (!strcmp(zone, "ExMem") && sscanf(line, " count: %lld", &v) == 1)
			sum += v;
	}
	if (f)
		fclose(f);
	return sum;
}

/*
 * A fixture named like the harness's own: its test keeps its TAP name
 * (global.<test>) and gets what a plain TEST() lacks in 6.12, a teardown
 * that runs after a failed ASSERT and a timeout of its own.
 */
FIXTURE(global) {
	char block[64];		/* the block taken offline, once it is */
};

FIXTURE_SETUP(global) {}

/* Whatever step failed, the block is online again for the next tests. */
FIXTURE_TEARDOWN(global)
{
	char state[32];

	if (!self->block[0] ||
	    exmem_block_attr(self->block, "state", state, sizeof(state)) ||
	    strcmp(state, "offline"))
		return;
	EXPECT_EQ(0, exmem_block_set_state(self->block, "online_exmem"))
		TH_LOG("%s left offline", self->block);
}

/* Writing 64 MiB of MAP_EXMEM runs at QEMU's CXL speed: 25 s or more. */
TEST_F_TIMEOUT(global, figures_follow_a_map_exmem_allocation, 300)
{
	static char before[65536], after[65536];
	unsigned long nodes = exmem_node_mask();
	long long free0, free1, pcp0, pcp1;
	char *p;

	/* The guest always has CXL memory in ExMem: none means breakage. */
	ASSERT_NE(0, nodes) TH_LOG("no ExMem memory online");
	pcp0 = exmem_pcp_pages();
	run_exmemstat(_metadata, before, sizeof(before));
	EXPECT_EQ(meminfo_kb("ExMemTotal:") * 1024,
		  prom(before, "exmem_total_bytes"));
	EXPECT_GT(SLACK, llabs_(meminfo_kb("ExMemFree:") * 1024 -
				prom(before, "exmem_free_bytes")));

	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x77, LEN);
	run_exmemstat(_metadata, after, sizeof(after));
	pcp1 = exmem_pcp_pages();

	free0 = prom(before, "exmem_free_bytes");
	free1 = prom(after, "exmem_free_bytes");
	TH_LOG("exmemstat: free %lld -> %lld MiB; per-CPU lists %lld -> %lld pages",
	       free0 >> 20, free1 >> 20, pcp0, pcp1);
	/* What left the free lists and the per-CPU lists is the mapping. */
	EXPECT_GT(SLACK, llabs_(free0 - free1 + (pcp0 - pcp1) * getpagesize() -
				(long long)LEN));
	/* The ExMem nodes' lines tell the same story as the total. */
	EXPECT_GE(node_free_sum(after, nodes), 0)
		TH_LOG("no exmem_node_free_bytes line for a node of %#lx", nodes);
	EXPECT_GT(SLACK, llabs_(node_free_sum(after, nodes) - free1));
	munmap(p, LEN);
}

/* Offlining a block migrates its pages at QEMU's CXL speed. */
TEST_F_TIMEOUT(global, device_figures_follow_an_offline_block, 600)
{
	static char before[65536], after[65536], metric[512], info[512];
	char dax[256], path[512], node[16];
	unsigned long first, nr;
	long long on0, on1;

	/* The guest always has ExMem devices: none means breakage. */
	ASSERT_EQ(0, exmem_dax_not_on_node(-1, dax, sizeof(dax), &first, &nr))
		TH_LOG("no ExMem device");
	snprintf(path, sizeof(path), "/sys/kernel/mm/exmem/devices/%s/node", dax);
	ASSERT_EQ(0, exmem_read_file(path, node, sizeof(node)));
	/* Device series carry the device alone; exmem_device_info the node. */
	snprintf(metric, sizeof(metric),
		 "exmem_device_online_bytes{device=\"%s\"}", dax);
	snprintf(info, sizeof(info),
		 "exmem_device_info{device=\"%s\",node=\"%s\"}", dax, node);
	run_exmemstat(_metadata, before, sizeof(before));
	EXPECT_EQ(1, prom(before, info))
		TH_LOG("no '%s 1' in exmemstat -p", info);
	/* The device's last block goes offline, then comes back. */
	snprintf(self->block, sizeof(self->block), "memory%lu", first + nr - 1);
	ASSERT_EQ(0, exmem_block_set_state(self->block, "offline"));
	run_exmemstat(_metadata, after, sizeof(after));
	ASSERT_EQ(0, exmem_block_set_state(self->block, "online_exmem"));
	on0 = prom(before, metric);
	on1 = prom(after, metric);
	TH_LOG("%s online: %lld -> %lld MiB", dax, on0 >> 20, on1 >> 20);
	EXPECT_EQ((long long)exmem_block_pages() * 4096, on0 - on1);
}

TEST(no_exmem_arguments_are_usage_errors)
{
	EXPECT_EQ(1 << 8, system("exmemstat --bogus >/dev/null 2>&1"));
	EXPECT_EQ(1 << 8, system("exmemstat 0 >/dev/null 2>&1"));
	EXPECT_EQ(0, system("exmemstat -d >/dev/null 2>&1"));
	EXPECT_EQ(0, system("exmemstat --json 0.1 2 >/dev/null 2>&1"));
}

TEST_HARNESS_MAIN
