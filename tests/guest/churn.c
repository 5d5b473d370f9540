// SPDX-License-Identifier: GPL-2.0
/*
 * Specification (reliability, shortened form of make stress's churn): four
 * (each device's blocks twice; make stress: 10 in its debug phase, 100 in
 * its churn phase, from EXMEM_CHURN_CYCLES on the guest's kernel command
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
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

/*
 * Sizes: QEMU's emulated CXL memory is slow to reach (make bench measures
 * about 4 MiB/s migration and 8 MiB/s first touch, where DRAM memcpy does
 * 2.5 GiB/s), and every offline migrates what the load and the mapping
 * keep in the block. With 64 MiB each, one offline took up to 4 minutes.
 */
#define LEN		(16UL << 20)
#define LOAD_VM_BYTES	"16M"
/*
 * make test's count: a cycle takes 5 to 90 s under TCG (what the load
 * keeps in the block), and make test's guest time is budgeted (45 min);
 * the long forms are make stress's.
 */
#define CYCLES		4	/* EXMEM_CHURN_CYCLES overrides */
#define TRIES		10	/* offline attempts per cycle */
/*
 * Seconds one offline attempt may take. The kernel checks for a signal
 * between migration batches only, so an attempt can overrun it.
 */
#define ATTEMPT_S	120

/* Log what keeps block @id from going offline: its in-use, non-LRU pages. */
static void log_busy_pages(struct __test_metadata *_metadata,
			   unsigned long id)
{
	unsigned long nr = exmem_block_pages();
	struct exmem_scan scan;

	if (exmem_scan_pfns(id * nr, nr, &scan))
		return;
	TH_LOG("memory%lu: %lu LRU, %lu not on an LRU (first: pfn %#lx flags %#llx), %lu slab",
	       id, scan.lru, scan.busy, scan.first_busy_pfn,
	       scan.first_busy_flags, scan.slab);
}

/*
 * Offline block @id, retrying while migration is busy (EBUSY, EAGAIN) or
 * an attempt runs past ATTEMPT_S seconds; 0 or -errno. Adds the failed
 * attempts to *@retries.
 */
static int offline_block(struct __test_metadata *_metadata, unsigned long id,
			 int *retries)
{
	int i, err = -EAGAIN;

	for (i = 0; i < TRIES && err; i++) {
		if (i)
			(*retries)++;
		err = exmem_block_offline_within(id, ATTEMPT_S);
		if (err == -ETIMEDOUT)
			log_busy_pages(_metadata, id);
		else if (err && err != -EBUSY && err != -EAGAIN)
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
	int n, c, cycles = churn_cycles(), retries = 0, rc;
	time_t t0 = time(NULL);

	n = exmem_cxl_devs(dev, EXMEM_CXL_MAX);
	ASSERT_GE(n, 1) TH_LOG("no CXL device backs ExMem");
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	exmem_fill_pattern(buf, LEN);
	self->stress = exmem_stress_mixed_start(LOAD_VM_BYTES, 7200);
	ASSERT_GT(self->stress, 0);
	sleep(2);

	for (c = 0; c < cycles; c++) {
		const struct exmem_cxl_dev *d = &dev[c % n];
		unsigned long id = d->start / block + (c / n) % (d->size / block);

		ASSERT_EQ(0, offline_block(_metadata, id, &retries))
			TH_LOG("cycle %d: offline memory%lu", c, id);
		ASSERT_EQ(0, exmem_block_id_set_state(id, "online_exmem"))
			TH_LOG("cycle %d: online_exmem memory%lu", c, id);
		ASSERT_EQ(0, exmem_bad_words(buf, LEN))
			TH_LOG("cycle %d (memory%lu)", c, id);
		ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present,
					       NULL));
		ASSERT_EQ(present, in_exmem) TH_LOG("cycle %d (memory%lu)", c, id);
		/* Progress, for a run that hits init.sh's per-test bound. */
		TH_LOG("cycle %d: memory%lu offline and online, %lds so far",
		       c, id, (long)(time(NULL) - t0));
	}
	/* The load ran to the end, and none of its workers failed. */
	rc = exmem_stress_stop(self->stress);
	self->stress = 0;
	ASSERT_EQ(0, rc);
	TH_LOG("%d cycles in %lds, %lu pages checked after each, 0 words wrong, %d offline retries",
	       cycles, (long)(time(NULL) - t0), LEN / 4096, retries);

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
