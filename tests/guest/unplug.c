// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: a CXL device is hot-unplugged (blocks offlined, dax device
 * unbound from kmem) under stress-ng memory load while ExMem holds user
 * data in a MAP_EXMEM mapping; every byte survives, and the data stays
 * in ExMem (the other device's capacity) rather than moving to DRAM, as
 * /proc/vmstat's exmem_offline_migrate_exmem counts. Offlining a device
 * block by block moves each page once, straight to another device, never
 * to the next block of the same device. Offlining succeeds at the first
 * attempt while a program is faulting pages in the block, as it does in
 * ZONE_MOVABLE (pins, not load, make an ExMem block refuse with EBUSY).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

#define LEN (96UL << 20)
#define NR_PAGES (LEN / 4096)

/* LEN bytes of MAP_EXMEM in 4 KiB pages, filled with the test pattern. */
static char *map_exmem_filled(void)
{
	char *buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	madvise(buf, LEN, MADV_NOHUGEPAGE);
	exmem_fill_pattern(buf, LEN);
	return buf;
}

/* The load's anonymous memory that shows it is running: half its buffer. */
#define LOAD_STARTED_KB(vm_mib)	((vm_mib) * 1024L / 2)
#define LOAD_START_S		120

FIXTURE(unplug) {
	char dax[256];		/* the device taken away, once chosen */
	unsigned long first, nr;
	pid_t stress;		/* the load's process group, while it runs */
};

FIXTURE_SETUP(unplug)
{
	/* The guest always has CXL memory in ExMem: none means breakage. */
	ASSERT_NE(0, exmem_node_mask()) TH_LOG("no ExMem memory online");
}

/* The device holding physical page @pfn, remembered for the teardown. */
static int choose_device(FIXTURE_DATA(unplug) *self, unsigned long pfn)
{
	return exmem_dax_of_phys((unsigned long long)pfn * 4096, self->dax,
				 sizeof(self->dax), &self->first, &self->nr);
}

/* Stop the load started in @self. */
static void stop_load(FIXTURE_DATA(unplug) *self)
{
	kill(-self->stress, SIGKILL);
	waitpid(self->stress, NULL, 0);
	self->stress = 0;
}

/*
 * Whatever step failed, stop the load and give the device back to the
 * tests that follow: bound to kmem, every block online.
 */
FIXTURE_TEARDOWN(unplug)
{
	if (self->stress > 0)
		stop_load(self);
	if (self->dax[0])
		EXPECT_EQ(0, exmem_dax_restore(self->dax, self->first, self->nr))
			TH_LOG("%s not restored", self->dax);
}

TEST_F_TIMEOUT(unplug, device_unplug_under_load_keeps_data_in_exmem, 600)
{
	unsigned long in_exmem, present, first, nr, pfn0;
	unsigned long before = exmem_zone_present("ExMem");
	char *dax = self->dax;
	long kept;
	char *buf;

	/* MAP_EXMEM: the unplug must keep the mapping's pages in ExMem. */
	buf = map_exmem_filled();
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, NULL));
	ASSERT_EQ(NR_PAGES, in_exmem);

	/* The device holding the first page goes away, under load. */
	ASSERT_EQ(0, exmem_count_pages(buf, 4096, &in_exmem, &present, &pfn0));
	ASSERT_EQ(0, choose_device(self, pfn0));
	first = self->first;
	nr = self->nr;
	TH_LOG("unplugging %s (blocks %lu..%lu) under stress-ng", dax, first,
	       first + nr - 1);
	self->stress = exmem_stress_start(1, "64M", false);
	ASSERT_GT(self->stress, 0);
	/* Under load: its pages are in memory before the unplug starts. */
	ASSERT_EQ(0, exmem_wait_load(self->stress, LOAD_STARTED_KB(64), LOAD_START_S))
		TH_LOG("stress-ng never held %ld kB", LOAD_STARTED_KB(64));
	kept = exmem_vmstat("exmem_offline_migrate_exmem");
	EXPECT_EQ(0, exmem_dax_unplug(dax, first, nr));
	kept = exmem_vmstat("exmem_offline_migrate_exmem") - kept;
	TH_LOG("%ld pages migrated within ExMem", kept);
	EXPECT_LE(1, kept);
	stop_load(self);

	/* Every byte is intact, and still in ExMem. */
	EXPECT_EQ(0, exmem_bad_words(buf, LEN));
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, NULL));
	EXPECT_EQ(NR_PAGES, present);
	EXPECT_EQ(NR_PAGES, in_exmem);

	/* Plug it back in: all of its memory is ExMem again. */
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", dax));
	EXPECT_EQ(0, exmem_wait_present(before, 30))
		TH_LOG("ExMem %lu pages after re-bind, %lu before",
		       exmem_zone_present("ExMem"), before);
}

/*
 * Offline every block of the device holding a MAP_EXMEM mapping, one at a
 * time, as daxctl offline-memory does: the pages that were on the device
 * are migrated once each (pgmigrate_success grows by no more than the
 * device's pages in use), all to another device, with every byte intact.
 */
TEST_F_TIMEOUT(unplug, block_by_block_offline_moves_each_page_once, 600)
{
	unsigned long in_exmem, present, first, nr, i, bp = exmem_block_pages();
	unsigned long *pfns = calloc(NR_PAGES, sizeof(*pfns));
	char *dax = self->dax;
	long moved, in_use;
	char *buf;

	ASSERT_NE(NULL, pfns);
	ASSERT_NE(0, bp);
	buf = map_exmem_filled();
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns));
	ASSERT_EQ(NR_PAGES, in_exmem);
	/* The teardown onlines any block left offline by a failure below. */
	ASSERT_EQ(0, choose_device(self, pfns[0]));
	first = self->first;
	nr = self->nr;
	/* Pages in use: ours, and any other movable page (zsmalloc's too). */
	in_use = (exmem_dev_long(dax, "online_bytes") -
		  exmem_dev_long(dax, "free_bytes")) / 4096;
	TH_LOG("%s: blocks %lu..%lu, %ld pages in use", dax, first,
	       first + nr - 1, in_use);
	ASSERT_GE(in_use, NR_PAGES);

	moved = exmem_vmstat("pgmigrate_success");
	for (i = 0; i < nr; i++)
		ASSERT_EQ(0, exmem_block_id_set_state(first + i, "offline"))
			TH_LOG("offline memory%lu", first + i);
	moved = exmem_vmstat("pgmigrate_success") - moved;
	TH_LOG("%ld pages migrated for %lu blocks", moved, nr);
	/* A little slack for pages other tasks allocate meanwhile. */
	EXPECT_LE(moved, in_use + 256);

	/* Every byte intact, in ExMem, and none of it on the offline device. */
	EXPECT_EQ(0, exmem_bad_words(buf, LEN));
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, pfns));
	EXPECT_EQ(NR_PAGES, in_exmem);
	for (i = 0; i < NR_PAGES; i++)
		if (pfns[i] / bp - first < nr)
			break;
	EXPECT_EQ(NR_PAGES, i) TH_LOG("page %lu still on %s", i, dax);

	for (i = 0; i < nr; i++)
		EXPECT_EQ(0, exmem_block_id_set_state(first + i, "online_exmem"));
	munmap(buf, LEN);
	free(pfns);
}

/*
 * Offline every block of a device, once each and without retrying, while
 * stress-ng keeps faulting pages in ExMem (it maps, writes and unmaps its
 * buffer over and over, in the blocks being offlined too): each offline
 * succeeds at once. A freshly faulted page that is not on the LRU yet
 * does not make the isolation fail with EBUSY ("unmovable page"), and the
 * MAP_EXMEM data survives intact, in ExMem.
 */
TEST_F_TIMEOUT(unplug, offline_under_fault_load_succeeds_first_time, 600)
{
	unsigned long in_exmem, present, first, nr, i, pfn0, done = 0;
	bool offlined[64] = { false };
	char *dax = self->dax;
	char *buf;
	int err;

	buf = map_exmem_filled();
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, exmem_count_pages(buf, 4096, &in_exmem, &present, &pfn0));
	ASSERT_EQ(0, choose_device(self, pfn0));
	first = self->first;
	nr = self->nr;
	ASSERT_GE(ARRAY_SIZE(offlined), nr);
	/* One worker: migration under TCG is slow, and the test is too. */
	self->stress = exmem_stress_start(1, "16M", true);
	ASSERT_GT(self->stress, 0);
	/* Under load: the worker is faulting its pages in ExMem. */
	ASSERT_EQ(0, exmem_wait_load(self->stress, LOAD_STARTED_KB(16), LOAD_START_S))
		TH_LOG("stress-ng never held %ld kB", LOAD_STARTED_KB(16));

	for (i = 0; i < nr; i++) {
		err = exmem_block_id_set_state(first + i, "offline");
		EXPECT_EQ(0, err) TH_LOG("offline memory%lu under load: %s",
					 first + i, strerror(-err));
		offlined[i] = !err;
		done += !err;
	}
	stop_load(self);
	TH_LOG("%s: %lu of %lu blocks offlined at the first attempt under load",
	       dax, done, nr);

	EXPECT_EQ(0, exmem_bad_words(buf, LEN));
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, NULL));
	EXPECT_EQ(NR_PAGES, in_exmem);
	for (i = 0; i < nr; i++) {
		if (offlined[i])
			EXPECT_EQ(0, exmem_block_id_set_state(first + i,
							      "online_exmem"));
	}
	munmap(buf, LEN);
}

TEST_HARNESS_MAIN
