// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: memory tiering never moves a page across its mapping's
 * zone rule. Demotion (reclaim moving cold DRAM pages to the slower ExMem
 * node) skips MAP_NORMAL pages; promotion (NUMA balancing in tiering mode
 * moving hot ExMem pages to DRAM) skips MAP_EXMEM pages. Ordinary pages
 * next to them do move, which shows that each test could fail.
 * Checked on the PFN of every page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define PAGE		4096UL
#define LEN		(16UL << 20)
#define CG		"/sys/fs/cgroup"
#define CG_TEST		CG "/exmem-tiering"
#define DEMOTION	"/sys/kernel/mm/numa/demotion_enabled"
#define BALANCING	"/proc/sys/kernel/numa_balancing"
#define SYSCTL		"/proc/sys/vm/exmem_user_default"

struct regions {
	char *plain;	/* no flag */
	char *flagged;	/* MAP_NORMAL or MAP_EXMEM */
};

static int map_regions(struct regions *r, int flag)
{
	int prot = PROT_READ | PROT_WRITE, type = MAP_PRIVATE | MAP_ANONYMOUS;

	r->plain = mmap(NULL, LEN, prot, type, -1, 0);
	r->flagged = mmap(NULL, LEN, prot, type | flag, -1, 0);
	if (r->plain == MAP_FAILED || r->flagged == MAP_FAILED)
		return -1;
	madvise(r->plain, LEN, MADV_NOHUGEPAGE);
	madvise(r->flagged, LEN, MADV_NOHUGEPAGE);
	/* The flagged region first: reclaim finds it first on the LRU. */
	memset(r->flagged, 2, LEN);
	memset(r->plain, 1, LEN);
	return 0;
}

FIXTURE(tiering) {
	char demotion[16], balancing[16], user_default[32];
};

FIXTURE_SETUP(tiering)
{
	if (!exmem_zone_present("ExMem"))
		SKIP(return, "no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(DEMOTION, self->demotion,
				     sizeof(self->demotion)));
	ASSERT_EQ(0, exmem_read_file(BALANCING, self->balancing,
				     sizeof(self->balancing)));
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->user_default,
				     sizeof(self->user_default)));
}

FIXTURE_TEARDOWN(tiering)
{
	exmem_write_file(DEMOTION, self->demotion);
	exmem_write_file(BALANCING, self->balancing);
	exmem_write_file(SYSCTL, self->user_default);
	rmdir(CG_TEST);
}

TEST_F_TIMEOUT(tiering, demotion_skips_map_normal_pages, 300)
{
	struct exmem_where plain, flagged;
	int ready[2], status;
	struct regions r;
	pid_t pid;

	if (exmem_swap_on())
		SKIP(return, "no zram swap device");
	/* A memory cgroup for the child, so that memory.reclaim targets it. */
	ASSERT_EQ(0, exmem_memcg_create(CG_TEST));
	ASSERT_EQ(0, exmem_write_file(DEMOTION, "1"));
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "fallback"));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (exmem_memcg_join(CG_TEST) ||
		    map_regions(&r, MAP_NORMAL))
			_exit(1);
		if (write(ready[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(sizeof(r), read(ready[0], &r, sizeof(r)));
	ASSERT_EQ(0, exmem_count_pages_of(pid, r.plain, LEN, &plain));
	EXPECT_EQ(0, plain.exmem);	/* fallback: DRAM first */
	/* All of the flagged region and half of the plain one, oldest first. */
	exmem_write_file(CG_TEST "/memory.reclaim", "24M");	/* EAGAIN: ok */
	ASSERT_EQ(0, exmem_count_pages_of(pid, r.plain, LEN, &plain));
	ASSERT_EQ(0, exmem_count_pages_of(pid, r.flagged, LEN, &flagged));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	TH_LOG("plain: %lu in ExMem, %lu swapped; MAP_NORMAL: %lu in ExMem, %lu swapped",
	       plain.exmem, plain.swapped, flagged.exmem, flagged.swapped);
	EXPECT_LT(0, plain.exmem);	/* demotion happened */
	EXPECT_EQ(0, flagged.exmem);	/* but not to MAP_NORMAL pages */
	EXPECT_LT(0, flagged.swapped);	/* which reclaim did consider */
	EXPECT_EQ(LEN / PAGE, flagged.present + flagged.swapped);
}

static void touch_all(char *p)
{
	unsigned long i;

	for (i = 0; i < LEN; i += PAGE)
		p[i]++;
}

TEST_F_TIMEOUT(tiering, promotion_skips_map_exmem_pages, 300)
{
	struct exmem_where plain, flagged;
	struct regions r;
	time_t end;

	/* Both regions start in ExMem. */
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
	ASSERT_EQ(0, map_regions(&r, MAP_EXMEM));
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "fallback"));
	ASSERT_EQ(0, exmem_count_pages_of(0, r.plain, LEN, &plain));
	ASSERT_EQ(LEN / PAGE, plain.exmem);
	/* NUMA_BALANCING_MEMORY_TIERING: promote hot pages to DRAM. */
	ASSERT_EQ(0, exmem_write_file(BALANCING, "2"));
	end = time(NULL) + 60;
	do {
		touch_all(r.plain);
		touch_all(r.flagged);
		ASSERT_EQ(0, exmem_count_pages_of(0, r.plain, LEN, &plain));
	} while (plain.exmem == LEN / PAGE && time(NULL) < end);
	ASSERT_EQ(0, exmem_count_pages_of(0, r.flagged, LEN, &flagged));
	TH_LOG("plain: %lu of %lu pages still in ExMem; MAP_EXMEM: %lu",
	       plain.exmem, LEN / PAGE, flagged.exmem);
	EXPECT_EQ(LEN / PAGE, flagged.exmem);
	if (plain.exmem == LEN / PAGE)
		SKIP(return, "NUMA balancing promoted nothing within 60 s");
}

TEST_HARNESS_MAIN
