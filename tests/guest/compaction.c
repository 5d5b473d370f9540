// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: compaction works in ZONE_EXMEM like in any zone. ExMem is
 * nearly filled with 4 KiB user pages, every other page is freed (no free
 * block of order 9 or more is left where they were), then /proc/sys/vm/compact_memory
 * is triggered: /proc/buddyinfo must show more high-order free blocks in
 * ExMem than before, and the pages that were moved must be intact and
 * still in ExMem.
 */
#include <stdio.h>
#include <stdlib.h>
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

/* Pages of @pfns (@nr entries, 0: not present) that differ from @was. */
static unsigned long pages_moved(const unsigned long *was,
				 const unsigned long *pfns, unsigned long nr)
{
	unsigned long i, moved = 0;

	for (i = 0; i < nr; i++)
		moved += was[i] && pfns[i] && was[i] != pfns[i];
	return moved;
}

FIXTURE(compaction) {};
FIXTURE_SETUP(compaction) {}
FIXTURE_TEARDOWN(compaction) {}

TEST_F_TIMEOUT(compaction, compaction_rebuilds_high_order_blocks_in_exmem, 600)
{
	unsigned long mask = exmem_node_mask(), len, i, before, after;
	unsigned long in_exmem, present, kept, *was, *pfns;
	char *buf;

	ASSERT_NE(0, mask) TH_LOG("no ExMem memory online");
	/*
	 * Nearly all free ExMem (15/16; its watermarks are about 1 MiB), in
	 * 4 KiB pages: no large free block is left that compaction could
	 * spend as migration target instead of building new ones.
	 */
	len = exmem_zone_free("ExMem") * 4096 / 16 * 15 & ~(2 * MIB - 1);
	ASSERT_GT(len, 0);
	buf = exmem_map_bound(len);
	ASSERT_NE(NULL, buf);
	was = calloc(len / 4096, sizeof(*was));
	pfns = calloc(len / 4096, sizeof(*pfns));
	ASSERT_NE(NULL, was);
	ASSERT_NE(NULL, pfns);
	for (i = 0; i < len; i += 4096)
		buf[i] = (char)(i >> 12);
	/* Free every other page: holes everywhere the buffer was. */
	for (i = 4096; i < len; i += 8192)
		madvise(buf + i, 4096, MADV_DONTNEED);
	/* The half that is kept starts out in ExMem. */
	kept = len / 8192;
	ASSERT_EQ(0, exmem_count_pages(buf, len, &in_exmem, &present, was));
	ASSERT_EQ(kept, present);
	ASSERT_EQ(kept, in_exmem);
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

	/*
	 * Compaction migrated some of the kept pages (the checks above and
	 * below are about moved pages), and each one moved within ExMem.
	 */
	ASSERT_EQ(0, exmem_count_pages(buf, len, &in_exmem, &present, pfns));
	TH_LOG("%lu of %lu pages moved, %lu in ExMem", pages_moved(was, pfns, len / 4096),
	       kept, in_exmem);
	EXPECT_GT(pages_moved(was, pfns, len / 4096), 0);
	EXPECT_EQ(kept, present);
	EXPECT_EQ(kept, in_exmem);
	free(pfns);
	free(was);
}

TEST_HARNESS_MAIN
