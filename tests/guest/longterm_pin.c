// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: long-term pins (FOLL_LONGTERM, here through the kernel's
 * gup_test) keep ExMem pages in place while the device's blocks that hold
 * pins stay within vm.exmem_pin_budget_pct of its blocks; past the budget
 * they migrate the pages to ordinary memory first, as ZONE_MOVABLE always
 * does. memoryN/exmem_pinned and the devices' "pinned" count the pinned
 * pages exactly. A memory block that holds pins refuses to go offline with
 * EBUSY at once; after the unpin the same offline succeeds. The data
 * survives every step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "gup_test.h"

#define LEN (4UL << 20)
#define NR_PAGES (LEN / 4096)
#define GUP_TEST "/sys/kernel/debug/gup_test"
#define BUDGET "exmem_pin_budget_pct"

FIXTURE(pin)
{
	int gup_fd;
	char *buf;
	unsigned long block_pages;
	unsigned long pfns[NR_PAGES];
	char saved_budget[16];
	char block[64];		/* a block the test offlines, once known */
};

/* Anonymous memory bound to the ExMem nodes, filled with a pattern. */
FIXTURE_SETUP(pin)
{
	unsigned long mask = exmem_node_mask(), in_exmem, present, i;
	char bs[32];

	/* This guest always has ExMem online and CONFIG_GUP_TEST=y. */
	ASSERT_NE(0, mask) TH_LOG("no ExMem memory online");
	self->gup_fd = open(GUP_TEST, O_RDWR);
	ASSERT_LE(0, self->gup_fd)
		TH_LOG("%s: %s (CONFIG_GUP_TEST)", GUP_TEST, strerror(errno));
	ASSERT_EQ(0, exmem_read_file("/sys/devices/system/memory/block_size_bytes",
				     bs, sizeof(bs)));
	self->block_pages = strtoul(bs, NULL, 16) / 4096;
	ASSERT_EQ(0, exmem_read_file("/proc/sys/vm/" BUDGET, self->saved_budget,
				     sizeof(self->saved_budget)));
	self->buf = exmem_map_bound(LEN);
	ASSERT_NE(NULL, self->buf);
	for (i = 0; i < LEN; i++)
		self->buf[i] = (char)(i * 7 + 1);
	ASSERT_EQ(0, exmem_count_pages(self->buf, LEN, &in_exmem, &present,
				       self->pfns));
	ASSERT_EQ(NR_PAGES, present);
	ASSERT_EQ(NR_PAGES, in_exmem);
}

FIXTURE_TEARDOWN(pin)
{
	char state[32];

	ioctl(self->gup_fd, PIN_LONGTERM_TEST_STOP);
	close(self->gup_fd);
	/* The budget and the block as they were, whatever happened. */
	EXPECT_EQ(0, exmem_set_vm_sysctl(BUDGET, self->saved_budget));
	if (self->block[0] &&
	    !exmem_block_attr(self->block, "state", state, sizeof(state)) &&
	    !strcmp(state, "offline"))
		EXPECT_EQ(0, exmem_block_set_state(self->block, "online_exmem"));
}

static void pin_buffer(struct __test_metadata *_metadata, FIXTURE_DATA(pin) *self)
{
	struct pin_longterm_test args = {
		.addr = (unsigned long)self->buf,
		.size = LEN,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
	};

	ASSERT_EQ(0, ioctl(self->gup_fd, PIN_LONGTERM_TEST_START, &args));
}

static bool pattern_intact(const char *buf)
{
	unsigned long i;

	for (i = 0; i < LEN; i++)
		if (buf[i] != (char)(i * 7 + 1))
			return false;
	return true;
}

/* memoryN of the first page of the buffer, as it was pinned. */
static void block_of(unsigned long pfn, unsigned long block_pages, char *name,
		     size_t len)
{
	snprintf(name, len, "memory%lu", pfn / block_pages);
}

TEST_F(pin, longterm_pins_stay_in_exmem_within_budget)
{
	unsigned long pfns[NR_PAGES], in_exmem, present;
	long inplace = exmem_vmstat("exmem_pin_inplace");
	long pinned = exmem_devices_pinned();

	/* Two of a 512 MiB device's four blocks: the buffer spans at most two. */
	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "50"));
	pin_buffer(_metadata, self);
	ASSERT_EQ(0, exmem_count_pages(self->buf, LEN, &in_exmem, &present, pfns));
	/* Pinned in place: same PFNs, still ExMem. */
	EXPECT_EQ(NR_PAGES, in_exmem);
	EXPECT_EQ(0, memcmp(pfns, self->pfns, sizeof(pfns)));
	/* One event per folio pinned in place, one page per folio here. */
	EXPECT_EQ(inplace + NR_PAGES, exmem_vmstat("exmem_pin_inplace"));
	EXPECT_EQ(pinned + NR_PAGES, exmem_devices_pinned());
	EXPECT_TRUE(pattern_intact(self->buf));
}

/* Offlining a block migrates all of it: CXL in QEMU moves ~4 MiB/s. */
TEST_F_TIMEOUT(pin, pinned_block_offline_is_ebusy_then_succeeds_after_unpin, 600)
{
	long refused = exmem_vmstat("exmem_offline_pinned");
	char *block = self->block, pinned[32];

	unsigned long id = self->pfns[0] / self->block_pages;
	long before = exmem_devices_pinned();
	char why[160], *log;

	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "50"));
	pin_buffer(_metadata, self);
	block_of(self->pfns[0], self->block_pages, block, sizeof(self->block));
	ASSERT_EQ(0, exmem_block_attr(block, "exmem_pinned", pinned, sizeof(pinned)));
	TH_LOG("%s: exmem_pinned %s", block, pinned);
	/* Exactly the buffer's pages in the block, and in all devices. */
	EXPECT_EQ(exmem_pages_in_block(self->pfns, NR_PAGES, id), atol(pinned));
	EXPECT_EQ(before + NR_PAGES, exmem_devices_pinned());

	/* Refused at once, not retried until a signal, for the pins. */
	exmem_klog_mark("pinned offline");
	EXPECT_EQ(-EBUSY, exmem_block_set_state(block, "offline"));
	EXPECT_EQ(refused + 1, exmem_vmstat("exmem_offline_pinned"));
	/* The log names the block, its pinned pages and who pinned them. */
	snprintf(why, sizeof(why),
		 "exmem: %s: %ld long-term pinned pages (last pinned by %.15s[%d])",
		 block, atol(pinned), program_invocation_short_name, getpid());
	log = exmem_klog_since("exmem-test: pinned offline");
	ASSERT_NE(NULL, log);
	EXPECT_NE(NULL, strstr(log, why)) TH_LOG("no \"%s\" in the log", why);
	free(log);
	EXPECT_EQ(0, exmem_block_attr(block, "state", pinned, sizeof(pinned)));
	EXPECT_STREQ("online", pinned);

	ASSERT_EQ(0, ioctl(self->gup_fd, PIN_LONGTERM_TEST_STOP));
	ASSERT_EQ(0, exmem_block_attr(block, "exmem_pinned", pinned, sizeof(pinned)));
	EXPECT_STREQ("0", pinned);
	EXPECT_EQ(0, exmem_block_set_state(block, "offline"));
	/* The data migrated with the pages. */
	EXPECT_TRUE(pattern_intact(self->buf));
	EXPECT_EQ(0, exmem_block_set_state(block, "online"));
}

TEST_F(pin, pins_past_the_budget_migrate_out_of_exmem)
{
	unsigned long in_exmem, present;
	long migrated = exmem_vmstat("exmem_pin_migrated");

	/* Budget 0: ExMem behaves like ZONE_MOVABLE for long-term pins. */
	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "0"));
	pin_buffer(_metadata, self);
	ASSERT_EQ(0, exmem_count_pages(self->buf, LEN, &in_exmem, &present, NULL));
	EXPECT_EQ(NR_PAGES, present);
	EXPECT_EQ(0, in_exmem);
	EXPECT_LT(migrated, exmem_vmstat("exmem_pin_migrated"));
	EXPECT_TRUE(pattern_intact(self->buf));
}

/* A refused value leaves the budget as it was (@before). */
static void expect_refused(struct __test_metadata *_metadata, const char *bad,
			   const char *before)
{
	char now[16];

	EXPECT_EQ(-EINVAL, exmem_set_vm_sysctl(BUDGET, bad))
		TH_LOG("budget <- \"%s\" accepted", bad);
	ASSERT_EQ(0, exmem_read_file("/proc/sys/vm/" BUDGET, now, sizeof(now)));
	EXPECT_STREQ(before, now) TH_LOG("budget <- \"%s\" changed it", bad);
}

TEST_F(pin, budget_sysctl_rejects_bad_values)
{
	static const char * const bad[] = {
		"101", "-1", "abc", "4294967296", "4294967303",
	};
	size_t i;

	/*
	 * Neither 0, 100 nor the default 10: a refusal that clamps or resets
	 * the value shows.
	 */
	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "7"));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		expect_refused(_metadata, bad[i], "7");
	/* The boundaries are accepted. */
	EXPECT_EQ(0, exmem_set_vm_sysctl(BUDGET, "100"));
	EXPECT_EQ(0, exmem_set_vm_sysctl(BUDGET, "0"));
}

TEST_HARNESS_MAIN
