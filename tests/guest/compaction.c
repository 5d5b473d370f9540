// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: compaction works in ZONE_EXMEM like in any zone. ExMem is
 * nearly filled with 4 KiB user pages, every other page is freed (no free
 * block of order 9 or more is left where they were), then /proc/sys/vm/compact_memory
 * is triggered: /proc/buddyinfo must show more high-order free blocks in
 * ExMem than before, and the data that was moved must be intact.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define MIB (1UL << 20)
#define HIGH_ORDER 9

/* Free blocks of order >= HIGH_ORDER in all ExMem zones, from buddyinfo. */
static unsigned long exmem_high_order_blocks(void)
{
	unsigned long sum = 0, c[11];
	char line[512], zone[16];
	int nid, o;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu",
			   &nid, zone, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5],
			   &c[6], &c[7], &c[8], &c[9], &c[10]) != 13 ||
		    strcmp(zone, "ExMem"))
			continue;
		for (o = HIGH_ORDER; o <= 10; o++)
			sum += c[o];
	}
	fclose(f);
	return sum;
}

FIXTURE(compaction) {};
FIXTURE_SETUP(compaction) {}
FIXTURE_TEARDOWN(compaction) {}

TEST_F_TIMEOUT(compaction, compaction_rebuilds_high_order_blocks_in_exmem, 600)
{
	unsigned long mask = exmem_node_mask(), len, i, before, after;
	char *buf;

	if (!mask)
		SKIP(return, "no ExMem memory online");
	/*
	 * Nearly all free ExMem (15/16; its watermarks are about 1 MiB), in
	 * 4 KiB pages: no large free block is left that compaction could
	 * spend as migration target instead of building new ones.
	 */
	len = exmem_zone_free("ExMem") * 4096 / 16 * 15 & ~(2 * MIB - 1);
	buf = exmem_map_bound(len);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < len; i += 4096)
		buf[i] = (char)(i >> 12);
	/* Free every other page: holes everywhere the buffer was. */
	for (i = 4096; i < len; i += 8192)
		madvise(buf + i, 4096, MADV_DONTNEED);
	before = exmem_high_order_blocks();

	ASSERT_EQ(0, exmem_write_file("/proc/sys/vm/compact_memory", "1"));
	after = exmem_high_order_blocks();
	TH_LOG("%lu MiB fragmented: ExMem blocks of order >= %d: %lu before, %lu after compaction",
	       len / MIB, HIGH_ORDER, before, after);
	EXPECT_GT(after, before);
	for (i = 0; i < len; i += 8192)
		if (buf[i] != (char)(i >> 12))
			break;
	EXPECT_GE(i, len);
}

TEST_HARNESS_MAIN
