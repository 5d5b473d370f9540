// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: a CXL device is hot-unplugged (blocks offlined, dax device
 * unbound from kmem) under stress-ng memory load while ExMem holds user
 * data in a MAP_EXMEM mapping; every byte survives, and the data stays
 * in ExMem (the other device's capacity) rather than moving to DRAM, as
 * /proc/vmstat's exmem_offline_migrate_exmem counts.
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

#define LEN (96UL << 20)
#define NR_PAGES (LEN / 4096)

static void fill(char *buf)
{
	unsigned long i;

	for (i = 0; i < LEN; i += sizeof(unsigned long))
		*(unsigned long *)(buf + i) = i * 0x9e3779b97f4a7c15UL;
}

static unsigned long bad_words(const char *buf)
{
	unsigned long i, bad = 0;

	for (i = 0; i < LEN; i += sizeof(unsigned long))
		bad += *(const unsigned long *)(buf + i) != i * 0x9e3779b97f4a7c15UL;
	return bad;
}

FIXTURE(unplug) {};
FIXTURE_SETUP(unplug) {}
FIXTURE_TEARDOWN(unplug) {}

TEST_F_TIMEOUT(unplug, device_unplug_under_load_keeps_data_in_exmem, 600)
{
	unsigned long mask = exmem_node_mask(), in_exmem, present, first, nr;
	unsigned long pfn0;
	long kept;
	char dax[256];
	char *buf;
	pid_t stress;

	if (!mask)
		SKIP(return, "no ExMem memory online");
	/* MAP_EXMEM: the unplug must keep the mapping's pages in ExMem. */
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, LEN, MADV_NOHUGEPAGE);
	fill(buf);
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, NULL));
	ASSERT_EQ(NR_PAGES, in_exmem);

	/* The device holding the first page goes away, under load. */
	ASSERT_EQ(0, exmem_count_pages(buf, 4096, &in_exmem, &present, &pfn0));
	ASSERT_EQ(0, exmem_dax_of_phys((unsigned long long)pfn0 * 4096, dax,
				       sizeof(dax), &first, &nr));
	TH_LOG("unplugging %s (blocks %lu..%lu) under stress-ng", dax, first,
	       first + nr - 1);
	stress = exmem_stress_start(1, "64M", false);
	ASSERT_GT(stress, 0);
	kept = exmem_vmstat("exmem_offline_migrate_exmem");
	EXPECT_EQ(0, exmem_dax_unplug(dax, first, nr));
	kept = exmem_vmstat("exmem_offline_migrate_exmem") - kept;
	TH_LOG("%ld pages migrated within ExMem", kept);
	EXPECT_LE(1, kept);
	kill(-stress, SIGKILL);
	waitpid(stress, NULL, 0);

	/* Every byte is intact, and still in ExMem. */
	EXPECT_EQ(0, bad_words(buf));
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, NULL));
	EXPECT_EQ(NR_PAGES, present);
	EXPECT_EQ(NR_PAGES, in_exmem);

	/* Plug it back in. */
	EXPECT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", dax));
}

TEST_HARNESS_MAIN
