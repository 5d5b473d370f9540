// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: zswap keeps every compressed page on its own tier
 * (zswap.exmem_locality=tier): the compressed data of ExMem pages lands in
 * ZONE_EXMEM, that of DRAM pages outside it; with ExMem full the stores are
 * refused and the pages go to the swap device, nothing lost. With =off the
 * inversion (ExMem data in DRAM) happens, which shows the test can fail.
 *
 * Placement is read from the zones' own nr_zspages in /proc/zoneinfo (every
 * zsmalloc page is counted in the zone it sits in), not from counters of
 * the code under test. The pages are a memory cgroup's, pushed out with
 * memory.reclaim, and read back and pattern-checked after.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define MPOL_LOCAL		4

#define PAGE		4096UL
#define LEN		(16UL << 20)
#define CG		"/sys/fs/cgroup"
#define CG_TEST		CG "/exmem-zswap"
#define ZSWAP		"/sys/module/zswap/parameters"
#define LOCALITY	ZSWAP "/exmem_locality"

/* The min watermark of the ExMem zones, in pages. */
static unsigned long min_wmark(void)
{
	char line[256], zone[32] = "";
	unsigned long sum = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %31s", zone) == 1)
			continue;
		if (!strcmp(zone, "ExMem") && sscanf(line, " min %lu", &v) == 1)
			sum += v;
	}
	if (f)
		fclose(f);
	return sum;
}

/* Compressible, and different on every page (no same-filled pages). */
static void fill(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 64) {
		memset(p + i, 0, 64);
		snprintf(p + i, 64, "exmem zswap page %zu", i / PAGE);
	}
}

static size_t bad_bytes(const char *p, size_t len)
{
	char want[64];
	size_t i, bad = 0;

	for (i = 0; i < len; i += 64) {
		memset(want, 0, 64);
		snprintf(want, 64, "exmem zswap page %zu", i / PAGE);
		if (memcmp(p + i, want, 64))
			bad += 64;
	}
	return bad;
}

struct child {
	pid_t pid;
	int go[2], done[2];
};

/*
 * A child in the test cgroup with all its anonymous memory in ExMem (or
 * none of it): it fills LEN bytes, waits while the parent reclaims, then
 * reads them back and reports the bytes that differ.
 */
static int start_child(struct child *c, bool exmem)
{
	if (pipe(c->go) || pipe(c->done))
		return -1;
	c->pid = fork();
	if (c->pid)
		return c->pid < 0 ? -1 : 0;
	if (exmem_memcg_join(CG_TEST) ||
	    syscall(SYS_set_mempolicy, MPOL_LOCAL | (exmem ? MPOL_F_ZONE_EXMEM :
				MPOL_F_ZONE_NOEXMEM), NULL, 0))
		_exit(2);
	char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		       MAP_ANONYMOUS | (exmem ? MAP_EXMEM : MAP_NORMAL), -1, 0);
	size_t bad;
	char x;

	if (p == MAP_FAILED)
		_exit(3);
	madvise(p, LEN, MADV_NOHUGEPAGE);
	fill(p, LEN);
	if (write(c->done[1], "r", 1) != 1 || read(c->go[0], &x, 1) != 1)
		_exit(4);
	bad = bad_bytes(p, LEN);
	_exit(write(c->done[1], &bad, sizeof(bad)) == sizeof(bad) ? 0 : 5);
}

/* Wait for the child's fill, reclaim its cgroup, then let it check. */
static size_t reclaim_child(struct __test_metadata *_metadata, struct child *c,
			    long *d_exmem, long *d_other)
{
	long e0, o0;
	size_t bad = ~0UL;
	int status;
	char x;

	ASSERT_EQ(1, read(c->done[0], &x, 1));
	/*
	 * Quiesce: free the page cache earlier tests left, so that kswapd is
	 * not pushing other processes' pages into zswap while we count.
	 */
	exmem_write_file("/proc/sys/vm/drop_caches", "3");
	sleep(2);
	e0 = exmem_zspages(true);
	o0 = exmem_zspages(false);
	exmem_write_file(CG_TEST "/memory.reclaim", "24M");	/* EAGAIN: ok */
	*d_exmem = exmem_zspages(true) - e0;
	*d_other = exmem_zspages(false) - o0;
	ASSERT_EQ(1, write(c->go[1], "g", 1));
	ASSERT_EQ(sizeof(bad), read(c->done[0], &bad, sizeof(bad)));
	waitpid(c->pid, &status, 0);
	return bad;
}

/* A child's 16 MiB of ExMem (or DRAM) pages through zswap in @mode. */
static void locality_run(struct __test_metadata *_metadata, const char *mode,
			 bool exmem, long *de, long *dother)
{
	struct child c;

	ASSERT_EQ(0, exmem_write_file(LOCALITY, mode));
	ASSERT_EQ(0, start_child(&c, exmem));
	EXPECT_EQ(0, reclaim_child(_metadata, &c, de, dother));
	TH_LOG("%s, %s pages: +%ld zspages in ExMem, +%ld elsewhere", mode,
	       exmem ? "ExMem" : "DRAM", *de, *dother);
}

FIXTURE(zswap) {
	char locality[16], enabled[8];
};

FIXTURE_SETUP(zswap)
{
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(LOCALITY, self->locality,
				     sizeof(self->locality)))
		TH_LOG("no zswap.exmem_locality");
	ASSERT_EQ(0, exmem_read_file(ZSWAP "/enabled", self->enabled,
				     sizeof(self->enabled)));
	ASSERT_EQ(0, exmem_swap_on()) TH_LOG("no zram swap device");
	ASSERT_EQ(0, exmem_write_file(ZSWAP "/enabled", "Y"));
	ASSERT_EQ(0, exmem_memcg_create(CG_TEST));
}

FIXTURE_TEARDOWN(zswap)
{
	exmem_write_file(LOCALITY, self->locality);
	exmem_write_file(ZSWAP "/enabled", self->enabled);
	rmdir(CG_TEST);
}

TEST_F(zswap, default_is_tier_and_bad_values_are_einval)
{
	ASSERT_STREQ("tier", self->locality);
	EXPECT_EQ(-EINVAL, exmem_write_file(LOCALITY, "bogus"));
	EXPECT_EQ(-EINVAL, exmem_write_file(LOCALITY, "\n"));
	EXPECT_EQ(0, exmem_write_file(LOCALITY, "node"));
	EXPECT_EQ(0, exmem_write_file(LOCALITY, "off"));
	EXPECT_EQ(0, exmem_write_file(LOCALITY, "tier"));
}

TEST_F_TIMEOUT(zswap, tier_keeps_exmem_data_in_exmem, 300)
{
	long de, dother;

	locality_run(_metadata, "tier", true, &de, &dother);
	EXPECT_LT(0, de);
	EXPECT_EQ(0, dother);
}

TEST_F_TIMEOUT(zswap, tier_keeps_dram_data_out_of_exmem, 300)
{
	long de, dother;

	locality_run(_metadata, "tier", false, &de, &dother);
	EXPECT_EQ(0, de);
	EXPECT_LT(0, dother);
}

TEST_F_TIMEOUT(zswap, node_prefers_the_page_node, 300)
{
	long de, dother;

	/* Upstream's preference: the ExMem node first while it has room. */
	locality_run(_metadata, "node", true, &de, &dother);
	EXPECT_LT(0, de);
}

TEST_F_TIMEOUT(zswap, off_shows_the_inversion, 300)
{
	long de, dother;

	locality_run(_metadata, "off", true, &de, &dother);
	EXPECT_LT(0, dother);	/* ExMem data promoted into DRAM */
}

TEST_F_TIMEOUT(zswap, exmem_full_refuses_or_stays_in_exmem_and_loses_nothing, 600)
{
	long refused = exmem_vmstat("exmem_zswpout_refused");
	unsigned long free_pages;
	struct child c;
	long de, dother, stored0, stored1;
	char buf[32];
	char *filler;
	size_t len;

	ASSERT_EQ(0, exmem_write_file(LOCALITY, "tier"));
	ASSERT_EQ(0, start_child(&c, true));
	/*
	 * The child's data is in; now fill (and lock) ExMem down to its min
	 * watermark, below which zswap's __GFP_NORETRY allocations fail.
	 */
	free_pages = exmem_zone_free("ExMem");
	len = (free_pages > min_wmark() ? free_pages - min_wmark() : 0) * PAGE;
	filler = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		      MAP_ANONYMOUS | MAP_EXMEM | MAP_POPULATE | MAP_LOCKED,
		      -1, 0);
	ASSERT_NE(MAP_FAILED, filler);
	ASSERT_EQ(0, exmem_read_file("/sys/kernel/debug/zswap/stored_pages",
				     buf, sizeof(buf)));
	stored0 = atol(buf);
	EXPECT_EQ(0, reclaim_child(_metadata, &c, &de, &dother));
	ASSERT_EQ(0, exmem_read_file("/sys/kernel/debug/zswap/stored_pages",
				     buf, sizeof(buf)));
	stored1 = atol(buf);
	munmap(filler, len);
	TH_LOG("ExMem full: +%ld zspages in ExMem, +%ld elsewhere (zram's)",
	       de, dother);
	TH_LOG("  %ld stores refused, zswap stored %ld -> %ld",
	       exmem_vmstat("exmem_zswpout_refused") - refused, stored0, stored1);
	/*
	 * Stores are refused (the pages then go to zram, whose own zsmalloc
	 * pages are in DRAM), or they still found room in ExMem: never is
	 * ExMem data stored in DRAM by zswap. Nothing was lost either way
	 * (reclaim_child() checked every byte).
	 */
	EXPECT_TRUE(exmem_vmstat("exmem_zswpout_refused") > refused ||
		    dother == 0);
}

/* Unplug dax device @dax (offline its blocks, unbind kmem), then plug it. */
static int unplug_and_back(const char *dax)
{
	unsigned long long start;
	unsigned long first, nr;
	char path[600], buf[64], name[256];
	int err;

	snprintf(path, sizeof(path), EXMEM_DAX_DEVICES "/%s/resource", dax);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return -ENOENT;
	start = strtoull(buf, NULL, 16);
	if (exmem_dax_of_phys(start + (16ULL << 20), name, sizeof(name),
			      &first, &nr))
		return -ENOENT;
	err = exmem_dax_unplug(name, first, nr);
	exmem_write_file(EXMEM_KMEM "/bind", name);
	return err;
}

TEST_F_TIMEOUT(zswap, unplug_keeps_compressed_exmem_data, 600)
{
	char devs[2][256];
	struct dirent *d;
	struct child c;
	long de, dother;
	int i, n = 0;
	DIR *dir = opendir("/sys/kernel/mm/exmem/devices");

	while (dir && n < 2 && (d = readdir(dir)))
		if (d->d_name[0] != '.')
			snprintf(devs[n++], sizeof(devs[0]), "%s", d->d_name);
	if (dir)
		closedir(dir);
	ASSERT_GE(n, 2) TH_LOG("needs two ExMem devices");

	ASSERT_EQ(0, exmem_write_file(LOCALITY, "tier"));
	ASSERT_EQ(0, start_child(&c, true));
	/*
	 * Store the data in zswap, then unplug each device in turn: the
	 * zspages on the first move to the second (ExMem first), and back.
	 * The child reads every byte afterwards (reclaim_child()).
	 */
	char x;

	ASSERT_EQ(1, read(c.done[0], &x, 1));
	exmem_write_file(CG_TEST "/memory.reclaim", "24M");
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, unplug_and_back(devs[i]));
	ASSERT_EQ(1, write(c.done[1], "r", 1));	/* replay the fill signal */
	EXPECT_EQ(0, reclaim_child(_metadata, &c, &de, &dother));
	TH_LOG("after two unplugs: every byte of the zswap'd ExMem data read back");
}

TEST_HARNESS_MAIN
