// SPDX-License-Identifier: GPL-2.0
/*
 * Specification (reliability, shortened form of make stress's churn): ten
 * offline / online_exmem cycles of ExMem memory blocks, alternating between
 * the CXL devices, under stress-ng memory load in ExMem. The data of a
 * MAP_EXMEM mapping is pattern-checked after every cycle: 0 words wrong,
 * and its pages are still in ExMem. Afterwards no slab or page-table page
 * and no unmovable pageblock is found in ExMem.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

#define LEN		(64UL << 20)
#define CYCLES		10
#define TRIES		10	/* offline attempts per cycle (EBUSY, EAGAIN) */
#define PATTERN(i)	((unsigned long)(i) * 0x9e3779b97f4a7c15UL + 7)

static unsigned long bad_words(const unsigned long *w)
{
	unsigned long i, bad = 0;

	for (i = 0; i < LEN / sizeof(*w); i++)
		bad += w[i] != PATTERN(i);
	return bad;
}

/* Offline @block, retrying while migration is busy; 0 or -errno. */
static int offline_block(const char *block)
{
	int i, err = -EAGAIN;

	for (i = 0; i < TRIES && err; i++) {
		err = exmem_block_set_state(block, "offline");
		if (err && err != -EBUSY && err != -EAGAIN)
			break;
		if (err)
			sleep(1);
	}
	return err;
}

FIXTURE(churn) {};
FIXTURE_SETUP(churn) {}
FIXTURE_TEARDOWN(churn) {}

TEST_F_TIMEOUT(churn, offline_online_cycles_under_load_keep_data, 900)
{
	struct exmem_cxl_dev dev[EXMEM_CXL_MAX];
	unsigned long long block = exmem_block_pages() * 4096ULL;
	unsigned long in_exmem, present, unmovable, reclaimable, movable, i;
	unsigned long *buf;
	struct exmem_scan scan;
	char name[32];
	pid_t stress;
	int n, c;

	n = exmem_cxl_devs(dev, EXMEM_CXL_MAX);
	if (n < 1)
		SKIP(return, "no CXL device backs ExMem");
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	for (i = 0; i < LEN / sizeof(*buf); i++)
		buf[i] = PATTERN(i);
	stress = exmem_stress_start(1, "64M", true);
	ASSERT_GT(stress, 0);
	sleep(2);

	for (c = 0; c < CYCLES; c++) {
		const struct exmem_cxl_dev *d = &dev[c % n];
		unsigned long long nr = d->size / block;

		snprintf(name, sizeof(name), "memory%llu",
			 d->start / block + (c / n) % nr);
		ASSERT_EQ(0, offline_block(name)) TH_LOG("cycle %d: offline %s", c, name);
		ASSERT_EQ(0, exmem_block_set_state(name, "online_exmem"))
			TH_LOG("cycle %d: online_exmem %s", c, name);
		ASSERT_EQ(0, bad_words(buf)) TH_LOG("cycle %d (%s)", c, name);
		ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present,
					       NULL));
		ASSERT_EQ(present, in_exmem) TH_LOG("cycle %d (%s)", c, name);
	}
	kill(-stress, SIGKILL);
	waitpid(stress, NULL, 0);
	TH_LOG("%d cycles, %lu pages checked after each, 0 words wrong", CYCLES,
	       LEN / 4096);

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
