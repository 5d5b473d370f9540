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
#define PROMOTE_RATE	"/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps"
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
	char demotion[16], balancing[16], promote_rate[32], user_default[32];
};

FIXTURE_SETUP(tiering)
{
	/* This guest always has ExMem online: the slower tier under test. */
	ASSERT_LT(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(DEMOTION, self->demotion,
				     sizeof(self->demotion)));
	ASSERT_EQ(0, exmem_read_file(BALANCING, self->balancing,
				     sizeof(self->balancing)));
	ASSERT_EQ(0, exmem_read_file(PROMOTE_RATE, self->promote_rate,
				     sizeof(self->promote_rate)));
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->user_default,
				     sizeof(self->user_default)));
}

FIXTURE_TEARDOWN(tiering)
{
	exmem_write_file(DEMOTION, self->demotion);
	exmem_write_file(BALANCING, self->balancing);
	exmem_write_file(PROMOTE_RATE, self->promote_rate);
	exmem_write_file(SYSCTL, self->user_default);
	rmdir(CG_TEST);
}

TEST_F_TIMEOUT(tiering, demotion_skips_map_normal_pages, 300)
{
	struct exmem_where plain, flagged;
	int ready[2], status;
	struct regions r;
	pid_t pid;

	/* Reclaim needs somewhere to put the MAP_NORMAL pages: zram swap. */
	ASSERT_EQ(0, exmem_swap_on()) TH_LOG("no swap on /dev/zram0");
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

/*
 * The control: promotion works on the plain pages next to the MAP_EXMEM
 * ones. With DRAM mostly free, NUMA balancing promotes a hot page at its
 * first hint fault, so most plain pages move; half of them is required.
 * The bound only has to cover a slow guest.
 */
#define PROMOTED_MIN	(LEN / PAGE / 2)
#define PROMOTE_S	300
#define HOT_MS		200

/* Both regions, kept hot, and where the plain pages are. */
struct hot {
	struct regions r;
	struct exmem_where plain;
	int err;
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Touch both regions for HOT_MS, as a workload would (NUMA balancing scans
 * a task in proportion to the CPU time it uses), then: have PROMOTED_MIN
 * plain pages left ExMem?
 */
static bool control_promoted(void *arg)
{
	unsigned long long end = now_ms() + HOT_MS;
	struct hot *h = arg;

	do {
		touch_all(h->r.plain);
		touch_all(h->r.flagged);
	} while (now_ms() < end);
	h->err = exmem_count_pages_of(0, h->r.plain, LEN, &h->plain);
	return h->err || h->plain.present - h->plain.exmem >= PROMOTED_MIN;
}

TEST_F_TIMEOUT(tiering, promotion_skips_map_exmem_pages, 600)
{
	struct exmem_where flagged;
	struct hot h = { 0 };
	bool promoted;

	/* Both regions start in ExMem. */
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
	ASSERT_EQ(0, map_regions(&h.r, MAP_EXMEM));
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "fallback"));
	ASSERT_EQ(0, exmem_count_pages_of(0, h.r.plain, LEN, &h.plain));
	ASSERT_EQ(LEN / PAGE, h.plain.exmem);
	ASSERT_EQ(0, exmem_count_pages_of(0, h.r.flagged, LEN, &flagged));
	ASSERT_EQ(LEN / PAGE, flagged.exmem);
	/*
	 * NUMA_BALANCING_MEMORY_TIERING: promote hot pages to DRAM, with no
	 * rate limit worth the name, so that only the zone rule can hold a
	 * page back.
	 */
	ASSERT_EQ(0, exmem_write_file(PROMOTE_RATE, "1048576"));
	ASSERT_EQ(0, exmem_write_file(BALANCING, "2"));

	promoted = exmem_wait_until(control_promoted, &h, PROMOTE_S, 0);
	ASSERT_EQ(0, h.err);
	ASSERT_EQ(0, exmem_count_pages_of(0, h.r.flagged, LEN, &flagged));
	TH_LOG("plain: %lu of %lu pages still in ExMem; MAP_EXMEM: %lu",
	       h.plain.exmem, LEN / PAGE, flagged.exmem);
	ASSERT_TRUE(promoted)
		TH_LOG("NUMA balancing promoted fewer than %lu plain pages in %d s",
		       PROMOTED_MIN, PROMOTE_S);
	/* Scanned and hot like the plain pages, yet all still in ExMem. */
	EXPECT_EQ(LEN / PAGE, flagged.present);
	EXPECT_EQ(LEN / PAGE, flagged.exmem);
}

TEST_HARNESS_MAIN
