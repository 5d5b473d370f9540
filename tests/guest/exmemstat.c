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

TEST(figures_follow_a_map_exmem_allocation)
{
	static char before[65536], after[65536];
	long long free0, free1;
	char *p;

	if (!exmem_zone_present("ExMem"))
		SKIP(return, "no ExMem memory online");
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

	free0 = prom(before, "exmem_free_bytes");
	free1 = prom(after, "exmem_free_bytes");
	TH_LOG("exmemstat: free %lld -> %lld MiB", free0 >> 20, free1 >> 20);
	EXPECT_GT(SLACK, llabs_(free0 - free1 - (long long)LEN));
	/* The node line tells the same story as the total. */
	EXPECT_GT(SLACK, llabs_(prom(after, "exmem_node_free_bytes{node=\"1\"}") -
				free1));
	munmap(p, LEN);
}

TEST(device_figures_follow_an_offline_block)
{
	static char before[65536], after[65536], metric[512];
	char dax[256], block[64], path[512], node[16];
	unsigned long first, nr;
	long long on0, on1;

	if (exmem_dax_not_on_node(-1, dax, sizeof(dax), &first, &nr))
		SKIP(return, "no ExMem device");
	snprintf(path, sizeof(path), "/sys/kernel/mm/exmem/devices/%s/node", dax);
	ASSERT_EQ(0, exmem_read_file(path, node, sizeof(node)));
	snprintf(metric, sizeof(metric),
		 "exmem_device_online_bytes{device=\"%s\",node=\"%s\"}", dax,
		 node);
	run_exmemstat(_metadata, before, sizeof(before));
	/* The device's last block goes offline, then comes back. */
	snprintf(block, sizeof(block), "memory%lu", first + nr - 1);
	ASSERT_EQ(0, exmem_block_set_state(block, "offline"));
	run_exmemstat(_metadata, after, sizeof(after));
	ASSERT_EQ(0, exmem_block_set_state(block, "online_exmem"));
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
