// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: RssExMem in /proc/PID/status is the part of a process's
 * resident memory that is in ZONE_EXMEM, the count the OOM killer ranks
 * tasks by when ExMem runs out. It equals what the page tables say (the
 * PFNs of /proc/self/pagemap against the ExMem zone spans) as pages are
 * faulted in, duplicated by fork, migrated out of ExMem and unmapped, and
 * memory outside ExMem never counts. A count that does not return to zero
 * when a process exits is a "Bad rss-counter state" in the kernel log,
 * which fails the boot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

/* uapi/linux/mempolicy.h */
#define MPOL_BIND	2
#define MPOL_MF_MOVE	(1 << 1)

#define LEN	(32UL << 20)
#define PAGES	(LEN / 4096)

/* RssExMem of this process, in pages; -1 if the line is missing. */
static long rss_exmem_pages(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssExMem: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb / 4;
}

/* Pages of [p, p + LEN) in ExMem, by PFN. */
static unsigned long pages_in_exmem(struct __test_metadata *_metadata,
				    const char *p)
{
	unsigned long in_exmem, present;

	ASSERT_EQ(0, exmem_count_pages(p, LEN, &in_exmem, &present, NULL));
	ASSERT_EQ(PAGES, present);
	return in_exmem;
}

FIXTURE(rss)
{
	long base;
};

FIXTURE_SETUP(rss)
{
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	self->base = rss_exmem_pages();
	ASSERT_LE(0, self->base) TH_LOG("no RssExMem in /proc/self/status");
}

FIXTURE_TEARDOWN(rss)
{
}

TEST_F_TIMEOUT(rss, rss_exmem_counts_the_pages_pagemap_finds_in_exmem, 120)
{
	char *p = exmem_map_touched(LEN, MAP_EXMEM);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(PAGES, pages_in_exmem(_metadata, p));
	EXPECT_EQ(self->base + (long)PAGES, rss_exmem_pages());
	ASSERT_EQ(0, munmap(p, LEN));
	EXPECT_EQ(self->base, rss_exmem_pages());
}

TEST_F_TIMEOUT(rss, rss_exmem_ignores_memory_outside_exmem, 120)
{
	char *p = exmem_map_touched(LEN, MAP_NORMAL);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pages_in_exmem(_metadata, p));
	EXPECT_EQ(self->base, rss_exmem_pages());
	munmap(p, LEN);
}

/* A child shares the parent's pages: they count in both, until it writes. */
TEST_F_TIMEOUT(rss, rss_exmem_follows_fork_and_copy_on_write, 120)
{
	char *p = exmem_map_touched(LEN, MAP_EXMEM);
	int status;
	pid_t pid;

	ASSERT_NE(NULL, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long shared = rss_exmem_pages(), after;
		unsigned long in_exmem, present;

		/* The copies go to ExMem too: MAP_EXMEM is inherited. */
		memset(p, 0xa5, LEN);
		after = rss_exmem_pages();
		if (exmem_count_pages(p, LEN, &in_exmem, &present, NULL))
			_exit(2);
		fprintf(stderr, "# child: RssExMem %ld pages after fork, %ld after writing\n",
			shared, after);
		fprintf(stderr, "# child: %lu of %lu pages in ExMem\n",
			in_exmem, present);
		_exit(shared >= (long)PAGES && after == shared &&
		      in_exmem == PAGES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(self->base + (long)PAGES, rss_exmem_pages());
	munmap(p, LEN);
}

/* Migration unmaps the ExMem page and maps the new one: the count drops. */
TEST_F_TIMEOUT(rss, rss_exmem_follows_migration_out_of_exmem, 120)
{
	char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *pages[PAGES / 2];
	int nodes[PAGES / 2], status[PAGES / 2];
	unsigned long i, mask = exmem_node_mask();
	long moved;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(0, mask);
	/* Plain memory bound to the ExMem nodes, so that it may leave them. */
	ASSERT_EQ(0, syscall(SYS_mbind, p, LEN, MPOL_BIND, &mask,
			     sizeof(mask) * 8, 0));
	madvise(p, LEN, MADV_NOHUGEPAGE);
	memset(p, 0x5a, LEN);
	ASSERT_EQ(PAGES, pages_in_exmem(_metadata, p));
	EXPECT_EQ(self->base + (long)PAGES, rss_exmem_pages());
	for (i = 0; i < PAGES / 2; i++) {
		pages[i] = p + i * 4096;
		nodes[i] = 0;		/* node 0: DRAM */
	}
	moved = syscall(SYS_move_pages, 0, PAGES / 2, pages, nodes, status,
			MPOL_MF_MOVE);
	ASSERT_EQ(0, moved);
	EXPECT_EQ(PAGES - PAGES / 2, pages_in_exmem(_metadata, p));
	EXPECT_EQ(self->base + (long)(PAGES - PAGES / 2), rss_exmem_pages());
	munmap(p, LEN);
	EXPECT_EQ(self->base, rss_exmem_pages());
}

TEST_HARNESS_MAIN
