// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: a real long-term pin user, io_uring fixed buffers
 * (IORING_REGISTER_BUFFERS pins with FOLL_LONGTERM), keeps its ExMem
 * buffer in place within the pin budget; the block refuses offline with
 * EBUSY while the buffer is registered, and goes offline once it is
 * unregistered. The data survives.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define LEN (2UL << 20)
#define NR_PAGES (LEN / 4096)

static int uring_setup(void)
{
	struct io_uring_params p = { 0 };

	return syscall(__NR_io_uring_setup, 4, &p);
}

static int uring_register(int fd, unsigned int op, void *arg, unsigned int nr)
{
	return syscall(__NR_io_uring_register, fd, op, arg, nr);
}

TEST(io_uring_fixed_buffer_is_pinned_in_place_and_blocks_offline)
{
	unsigned long pfns[NR_PAGES], pfns_after[NR_PAGES], in_exmem, present, i;
	char block[64], pinned[32], bs[32];
	unsigned long block_pages;
	struct iovec iov;
	char *buf;
	int ring;

	if (!exmem_node_mask())
		SKIP(return, "no ExMem memory online");
	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	ASSERT_EQ(0, exmem_set_vm_sysctl("exmem_pin_budget_pct", "10"));
	ASSERT_EQ(0, exmem_read_file("/sys/devices/system/memory/block_size_bytes",
				     bs, sizeof(bs)));
	block_pages = strtoul(bs, NULL, 16) / 4096;

	buf = exmem_map_bound(LEN);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < LEN; i++)
		buf[i] = (char)(i * 13 + 5);
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns));
	ASSERT_EQ(NR_PAGES, in_exmem);

	iov.iov_base = buf;
	iov.iov_len = LEN;
	ASSERT_EQ(0, uring_register(ring, IORING_REGISTER_BUFFERS, &iov, 1));

	/* Pinned in place. */
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns_after));
	EXPECT_EQ(NR_PAGES, in_exmem);
	EXPECT_EQ(0, memcmp(pfns, pfns_after, sizeof(pfns)));
	snprintf(block, sizeof(block), "memory%lu", pfns[0] / block_pages);
	ASSERT_EQ(0, exmem_block_attr(block, "exmem_pinned", pinned, sizeof(pinned)));
	TH_LOG("%s: exmem_pinned %s with the buffer registered", block, pinned);
	EXPECT_LT(0, atol(pinned));
	EXPECT_EQ(-EBUSY, exmem_block_set_state(block, "offline"));

	/* Unregistered: the pins are gone and the block can go. */
	ASSERT_EQ(0, uring_register(ring, IORING_UNREGISTER_BUFFERS, NULL, 0));
	ASSERT_EQ(0, exmem_block_attr(block, "exmem_pinned", pinned, sizeof(pinned)));
	EXPECT_STREQ("0", pinned);
	EXPECT_EQ(0, exmem_block_set_state(block, "offline"));
	for (i = 0; i < LEN; i++)
		if (buf[i] != (char)(i * 13 + 5))
			break;
	EXPECT_EQ(LEN, i);
	EXPECT_EQ(0, exmem_block_set_state(block, "online"));
	close(ring);
}

TEST_HARNESS_MAIN
