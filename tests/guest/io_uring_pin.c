// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: a real long-term pin user, io_uring fixed buffers
 * (IORING_REGISTER_BUFFERS pins with FOLL_LONGTERM), keeps its ExMem
 * buffer in place within the pin budget, and the kernel counts exactly its
 * pages as pinned; the block refuses offline with
 * EBUSY while the buffer is registered, and goes offline once it is
 * unregistered. The data survives. A pin that faults in an untouched
 * MAP_EXMEM buffer gets its pages from ExMem.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <stdbool.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define LEN (2UL << 20)
#define NR_PAGES (LEN / 4096)

#define BUDGET "exmem_pin_budget_pct"

/*
 * Named "global" so that the TAP name stays what it was as a plain TEST()
 * (global.<test>); a fixture gives the test a teardown that restores the
 * pin budget and the block on every path, and a timeout.
 */
FIXTURE(global) {
	int ring;
	char saved_budget[16];
	char block[64];		/* the buffer's block, once known */
};

FIXTURE_SETUP(global)
{
	/* This guest always has ExMem online and io_uring built in. */
	ASSERT_NE(0, exmem_node_mask()) TH_LOG("no ExMem memory online");
	self->ring = exmem_uring_setup();
	ASSERT_LE(0, self->ring) TH_LOG("io_uring_setup: %s", strerror(errno));
	ASSERT_EQ(0, exmem_read_file("/proc/sys/vm/" BUDGET, self->saved_budget,
				     sizeof(self->saved_budget)));
}

FIXTURE_TEARDOWN(global)
{
	char state[32];

	close(self->ring);	/* drops the pins if the test did not */
	/* The budget and the block as they were, whatever happened. */
	EXPECT_EQ(0, exmem_set_vm_sysctl(BUDGET, self->saved_budget));
	if (self->block[0] &&
	    !exmem_block_attr(self->block, "state", state, sizeof(state)) &&
	    !strcmp(state, "offline"))
		EXPECT_EQ(0, exmem_block_set_state(self->block, "online_exmem"));
}

static bool pattern_intact(const char *buf)
{
	unsigned long i;

	for (i = 0; i < LEN; i++)
		if (buf[i] != (char)(i * 13 + 5))
			return false;
	return true;
}

/* Offlining a block migrates all of it: CXL in QEMU moves ~4 MiB/s. */
TEST_F_TIMEOUT(global, io_uring_fixed_buffer_is_pinned_in_place_and_blocks_offline, 600)
{
	unsigned long pfns[NR_PAGES], pfns_after[NR_PAGES], in_exmem, present, i;
	unsigned long block_pages = exmem_block_pages();
	struct iovec iov;
	char pinned[32];
	char *buf;

	ASSERT_NE(0, block_pages);
	long before = exmem_devices_pinned(), in_block = 0;

	/* Two of a 512 MiB device's four blocks: the buffer spans at most two. */
	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "50"));

	buf = exmem_map_bound(LEN);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < LEN; i++)
		buf[i] = (char)(i * 13 + 5);
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns));
	ASSERT_EQ(NR_PAGES, in_exmem);
	snprintf(self->block, sizeof(self->block), "memory%lu",
		 pfns[0] / block_pages);
	in_block = exmem_pages_in_block(pfns, NR_PAGES, pfns[0] / block_pages);

	iov.iov_base = buf;
	iov.iov_len = LEN;
	ASSERT_EQ(0, exmem_uring_register(self->ring, IORING_REGISTER_BUFFERS, &iov, 1));

	/* Pinned in place. */
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns_after));
	EXPECT_EQ(NR_PAGES, in_exmem);
	EXPECT_EQ(0, memcmp(pfns, pfns_after, sizeof(pfns)));
	ASSERT_EQ(0, exmem_block_attr(self->block, "exmem_pinned", pinned,
				      sizeof(pinned)));
	TH_LOG("%s: exmem_pinned %s with the buffer registered", self->block,
	       pinned);
	/* Exactly the buffer's pages: in its block, and in all devices. */
	EXPECT_EQ(in_block, atol(pinned));
	EXPECT_EQ(before + NR_PAGES, exmem_devices_pinned());
	EXPECT_EQ(-EBUSY, exmem_block_set_state(self->block, "offline"));

	/* Unregistered: the pins are gone and the block can go. */
	ASSERT_EQ(0, exmem_uring_register(self->ring, IORING_UNREGISTER_BUFFERS, NULL, 0));
	ASSERT_EQ(0, exmem_block_attr(self->block, "exmem_pinned", pinned,
				      sizeof(pinned)));
	EXPECT_STREQ("0", pinned);
	EXPECT_EQ(0, exmem_block_set_state(self->block, "offline"));
	EXPECT_TRUE(pattern_intact(buf));
	EXPECT_EQ(0, exmem_block_set_state(self->block, "online"));
}

/*
 * A pin faults in an untouched MAP_EXMEM buffer (registration before the
 * first write, as applications do): with room in the pin budget its pages
 * come from ExMem and stay there, as a written buffer's do. The pin's allocation context
 * (PF_MEMALLOC_PIN) drops __GFP_MOVABLE to keep pinned pages out of
 * ZONE_MOVABLE; without it an ExMem-only request cannot reach ZONE_EXMEM
 * either, and it was served from DRAM and counted as a caller error in
 * exmem_gfp_refused.
 */
TEST_F_TIMEOUT(global, a_pin_faults_an_untouched_map_exmem_buffer_into_exmem, 300)
{
	unsigned long pfns[NR_PAGES], in_exmem, present;
	long refused = exmem_vmstat("exmem_gfp_refused");
	struct iovec iov;
	char *buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);

	ASSERT_NE(MAP_FAILED, buf);
	/* Room in the budget, as for the written buffer above. */
	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "50"));
	ASSERT_EQ(0, madvise(buf, LEN, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns));
	ASSERT_EQ(0, present) TH_LOG("the buffer is not untouched");

	iov.iov_base = buf;
	iov.iov_len = LEN;
	ASSERT_EQ(0, exmem_uring_register(self->ring, IORING_REGISTER_BUFFERS, &iov, 1));
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns));
	TH_LOG("after the pin: %lu of %lu pages present, %lu in ExMem",
	       present, NR_PAGES, in_exmem);
	EXPECT_EQ(NR_PAGES, present);
	EXPECT_EQ(NR_PAGES, in_exmem);
	EXPECT_EQ(refused, exmem_vmstat("exmem_gfp_refused"));
	ASSERT_EQ(0, exmem_uring_register(self->ring, IORING_UNREGISTER_BUFFERS, NULL, 0));
	munmap(buf, LEN);
}

TEST_HARNESS_MAIN
