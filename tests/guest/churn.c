// SPDX-License-Identifier: GPL-2.0
/*
 * Specification (reliability, shortened form of make stress's churn): ten
 * (make stress: 100, from EXMEM_CHURN_CYCLES on the guest's kernel command
 * line) offline / online_exmem cycles of ExMem memory blocks, alternating
 * between the CXL devices, under stress-ng memory, fork and socket load in
 * ExMem that lasts the whole run. The data of a MAP_EXMEM mapping is
 * pattern-checked after every cycle: 0 words wrong, and its pages are still
 * in ExMem. Afterwards no slab or page-table page and no unmovable pageblock
 * is found in ExMem.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

#define LEN		(64UL << 20)
#define CYCLES		10	/* EXMEM_CHURN_CYCLES overrides */
#define TRIES		10	/* offline attempts per cycle (EBUSY, EAGAIN) */

/*
 * Offline @block, retrying while migration is busy; 0 or -errno. Adds the
 * attempts that failed with EBUSY or EAGAIN to *@retries.
 */
static int offline_block(const char *block, int *retries)
{
	int i, err = -EAGAIN;

	for (i = 0; i < TRIES && err; i++) {
		if (i)
			(*retries)++;
		err = exmem_block_set_state(block, "offline");
		if (err && err != -EBUSY && err != -EAGAIN)
			break;
		if (err)
			sleep(1);
	}
	return err;
}

/* The stress-ng load; a failed assertion must not leave it running. */
FIXTURE(churn) {
	pid_t stress;
};

FIXTURE_SETUP(churn)
{
	self->stress = 0;
}

FIXTURE_TEARDOWN(churn)
{
	if (self->stress > 0)
		exmem_stress_stop(self->stress);
}

/* The cycle count: EXMEM_CHURN_CYCLES if set and valid, else CYCLES. */
static int churn_cycles(void)
{
	const char *s = getenv("EXMEM_CHURN_CYCLES");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : CYCLES;
}

/* 100 cycles under TCG take about an hour; init.sh bounds every test too. */
TEST_F_TIMEOUT(churn, offline_online_cycles_under_load_keep_data, 7200)
{
	struct exmem_cxl_dev dev[EXMEM_CXL_MAX];
	unsigned long long block = exmem_block_pages() * 4096ULL;
	unsigned long in_exmem, present, unmovable, reclaimable, movable;
	unsigned long *buf;
	struct exmem_scan scan;
	char name[32];
	int n, c, cycles = churn_cycles(), retries = 0;

	n = exmem_cxl_devs(dev, EXMEM_CXL_MAX);
	if (n < 1)
		SKIP(return, "no CXL device backs ExMem");
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	exmem_fill_pattern(buf, LEN);
	self->stress = exmem_stress_mixed_start("64M", 7200);
	ASSERT_GT(self->stress, 0);
	sleep(2);

	for (c = 0; c < cycles; c++) {
		const struct exmem_cxl_dev *d = &dev[c % n];
		unsigned long long nr = d->size / block;

		snprintf(name, sizeof(name), "memory%llu",
			 d->start / block + (c / n) % nr);
		ASSERT_EQ(0, offline_block(name, &retries)) TH_LOG("cycle %d: offline %s", c, name);
		ASSERT_EQ(0, exmem_block_set_state(name, "online_exmem"))
			TH_LOG("cycle %d: online_exmem %s", c, name);
		ASSERT_EQ(0, exmem_bad_words(buf, LEN)) TH_LOG("cycle %d (%s)", c, name);
		ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present,
					       NULL));
		ASSERT_EQ(present, in_exmem) TH_LOG("cycle %d (%s)", c, name);
	}
	/* The load ran to the end, and none of its workers failed. */
	c = exmem_stress_stop(self->stress);
	self->stress = 0;
	ASSERT_EQ(0, c);
	TH_LOG("%d cycles, %lu pages checked after each, 0 words wrong, %d offline retries",
	       cycles, LEN / 4096, retries);

	for (c = 0; c < n; c++) {
		ASSERT_EQ(0, exmem_scan_pfns(dev[c].start / 4096,
					     dev[c].size / 4096, &scan));
		EXPECT_EQ(0, scan.slab);
		EXPECT_EQ(0, scan.pgtable);
	}
	ASSERT_EQ(0, exmem_pageblocks("ExMem", &unmovable, &reclaimable,
				      &movable));
	EXPECT_EQ(0, unmovable);
	munmap(buf, LEN);
}

TEST_HARNESS_MAIN
