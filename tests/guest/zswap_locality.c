// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: zswap keeps every compressed page on its own tier
 * (zswap.exmem_locality=tier): the compressed data of ExMem pages lands in
 * ZONE_EXMEM, that of DRAM pages outside it; with ExMem full what zswap
 * stores is still in ExMem alone (a refused store goes to the swap device),
 * nothing lost. With =off the inversion (ExMem data in DRAM) happens, which
 * shows the test can fail.
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
#include <stdint.h>
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
/* The ExMem-full test's child: its data compresses to 8192 zspage pages. */
#define DENSE_LEN	(32UL << 20)
/*
 * What the ExMem-full test leaves free above the min watermark: 4 MiB, a
 * quarter of what the dense data compresses to, and above the high
 * watermark, so that the filler itself never has to reclaim. (Filled to
 * the min watermark, ExMem's last pages can only come from reclaim; once
 * that fails, the MAP_EXMEM fault is an ExMem OOM, and the test, which
 * holds the filler, is the task it kills.)
 */
#define FULL_HEADROOM	1024UL
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

/*
 * Each 64-byte chunk: a string naming its page, then (@dense) 32 bytes
 * that do not compress, derived from the chunk's offset. Without them a
 * page compresses to a few dozen bytes; with them to about half a page,
 * so that DENSE_LEN bytes need more zspages than a full ExMem has left.
 */
static void chunk(char *c, size_t off, bool dense)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ULL + 1;
	int k;

	memset(c, 0, 64);
	snprintf(c, 32, "exmem zswap page %u", (unsigned int)(off / PAGE));
	for (k = 32; dense && k < 64; k += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(c + k, &x, 8);
	}
}

/* Different on every page (no same-filled pages). */
static void fill(char *p, size_t len, bool dense)
{
	size_t i;

	for (i = 0; i < len; i += 64)
		chunk(p + i, i, dense);
}

static size_t bad_bytes(const char *p, size_t len, bool dense)
{
	char want[64];
	size_t i, bad = 0;

	for (i = 0; i < len; i += 64) {
		chunk(want, i, dense);
		if (memcmp(p + i, want, 64))
			bad += 64;
	}
	return bad;
}

struct child {
	pid_t pid;
	int go[2], done[2];
	bool dense;	/* fill(): data that compresses to half a page */
};

/* The child's size: DENSE_LEN with dense data, else LEN. */
static size_t child_len(const struct child *c)
{
	return c->dense ? DENSE_LEN : LEN;
}

/*
 * A child in the test cgroup with all its anonymous memory in ExMem (or
 * none of it): it fills child_len() bytes, waits while the parent reclaims, then
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
	size_t len = child_len(c);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		       MAP_ANONYMOUS | (exmem ? MAP_EXMEM : MAP_NORMAL), -1, 0);
	size_t bad;
	char x;

	if (p == MAP_FAILED)
		_exit(3);
	madvise(p, len, MADV_NOHUGEPAGE);
	fill(p, len, c->dense);
	if (write(c->done[1], "r", 1) != 1 || read(c->go[0], &x, 1) != 1)
		_exit(4);
	bad = bad_bytes(p, len, c->dense);
	_exit(write(c->done[1], &bad, sizeof(bad)) == sizeof(bad) ? 0 : 5);
}

/* A zswap debugfs figure (stored_pages, pool_total_size), or -1. */
static long zswap_debugfs(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "/sys/kernel/debug/zswap/%s", name);
	return exmem_read_file(path, buf, sizeof(buf)) ? -1 : atol(buf);
}

/*
 * The zone counters with every CPU's pending deltas folded in: what
 * /proc/zoneinfo shows otherwise lags by up to a stat threshold per CPU.
 */
static void fold_zone_counters(void)
{
	exmem_write_file("/proc/sys/vm/stat_refresh", "1");
}

/*
 * Wait until the child has filled its memory: 0, or -1. The parent keeps
 * the pipe's write end too, so a caller that waits earlier (to measure
 * ExMem after the fill) puts the byte back for reclaim_window().
 */
static int child_filled(struct child *c)
{
	char x;

	return read(c->done[0], &x, 1) == 1 ? 0 : -1;
}

/*
 * Wait for the child's fill, then reclaim its cgroup. Over the reclaim,
 * the zspages added in ExMem and elsewhere, and (@d_pool, if not NULL) the
 * pages zswap's pool grew by, all in one window.
 */
static void reclaim_window(struct __test_metadata *_metadata,
			   struct child *c, long *d_exmem, long *d_other,
			   long *d_pool)
{
	long e0, o0, p0;
	char amount[32];

	ASSERT_EQ(0, child_filled(c));
	/*
	 * Quiesce: free the page cache earlier tests left, so that kswapd is
	 * not pushing other processes' pages into zswap while we count.
	 */
	exmem_write_file("/proc/sys/vm/drop_caches", "3");
	sleep(2);
	fold_zone_counters();
	e0 = exmem_zspages(true);
	o0 = exmem_zspages(false);
	p0 = zswap_debugfs("pool_total_size");
	/* All of the child's memory, and then some. EAGAIN: ok. */
	snprintf(amount, sizeof(amount), "%zuM", (child_len(c) >> 20) + 8);
	exmem_write_file(CG_TEST "/memory.reclaim", amount);
	fold_zone_counters();
	*d_exmem = exmem_zspages(true) - e0;
	*d_other = exmem_zspages(false) - o0;
	if (d_pool)
		*d_pool = (zswap_debugfs("pool_total_size") - p0) / (long)PAGE;
}

/* Let the child read its data back: the bytes that differ. */
static size_t child_check(struct __test_metadata *_metadata, struct child *c)
{
	size_t bad = ~0UL;
	int status;

	ASSERT_EQ(1, write(c->go[1], "g", 1));
	ASSERT_EQ(sizeof(bad), read(c->done[0], &bad, sizeof(bad)));
	waitpid(c->pid, &status, 0);
	return bad;
}

/* reclaim_window(), then child_check(). */
static size_t reclaim_child(struct __test_metadata *_metadata, struct child *c,
			    long *d_exmem, long *d_other)
{
	reclaim_window(_metadata, c, d_exmem, d_other, NULL);
	return child_check(_metadata, c);
}

/* A child's 16 MiB of ExMem (or DRAM) pages through zswap in @mode. */
static void locality_run(struct __test_metadata *_metadata, const char *mode,
			 bool exmem, long *de, long *dother)
{
	struct child c = { .dense = false };

	ASSERT_EQ(0, exmem_write_file(LOCALITY, mode));
	ASSERT_EQ(0, start_child(&c, exmem));
	EXPECT_EQ(0, reclaim_child(_metadata, &c, de, dother));
	TH_LOG("%s, %s pages: +%ld zspages in ExMem, +%ld elsewhere", mode,
	       exmem ? "ExMem" : "DRAM", *de, *dother);
}

FIXTURE(zswap) {
	char locality[16], enabled[8];
	char offlined[4096];	/* the blocks exmem_shrink() offlined */
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
	self->offlined[0] = '\0';
}

/* In the parent: it restores even when the test process was killed. */
FIXTURE_TEARDOWN_PARENT(zswap)
{
	exmem_write_file(LOCALITY, self->locality);
	exmem_write_file(ZSWAP "/enabled", self->enabled);
	rmdir(CG_TEST);
	EXPECT_EQ(0, exmem_set_state_list(self->offlined, "online_exmem"));
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

/*
 * ExMem full, shown: a locked MAP_EXMEM filler takes ExMem (shrunk to
 * EXMEM_FILL_KEEP) down to 4 MiB above its min watermark, less than half
 * of what the child's 32 MiB compress to (about 16 MiB). Reclaim then
 * pushes the child's pages through zswap: whatever zswap stores is in
 * ExMem (its pool grows by no more pages than ExMem's zspages do; zram's
 * own zspages are in DRAM and are not zswap's), zswap does store (the
 * test is not passed by doing nothing), every refused store goes to the
 * swap device, and no byte is lost.
 *
 * Why zswap is not made to refuse here: every page that reclaim stores
 * frees its own ExMem page right after (shrink_folio_list()), and its
 * compressed copy takes about half of one, so a full ExMem gains room as
 * reclaim proceeds, and the next store finds it. A store is refused only
 * when not even that page is there: under concurrent ExMem allocation, or
 * with the device's free memory isolated. The refusals are logged.
 */
TEST_F_TIMEOUT(zswap, exmem_full_stores_stay_in_exmem_and_lose_nothing, 600)
{
	long refused = exmem_vmstat("exmem_zswpout_refused");
	long pswpout = exmem_vmstat("pswpout");
	long dpool, de, dother;
	struct child c = { .dense = true };
	unsigned long free_pages, wmark;
	char *filler;
	size_t len;

	ASSERT_EQ(0, exmem_write_file(LOCALITY, "tier"));
	/* Less ExMem to lock: filling all of it took minutes under TCG. */
	exmem_shrink(EXMEM_FILL_KEEP, self->offlined, sizeof(self->offlined));
	wmark = min_wmark();
	ASSERT_EQ(0, start_child(&c, true));
	/* The child's data is in (the byte goes back for reclaim_window()). */
	ASSERT_EQ(0, child_filled(&c));
	ASSERT_EQ(1, write(c.done[1], "r", 1));
	/* Now fill (and lock) ExMem. */
	free_pages = exmem_zone_free("ExMem");
	len = free_pages > wmark + FULL_HEADROOM ?
	      (free_pages - wmark - FULL_HEADROOM) * PAGE : 0;
	filler = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		      MAP_ANONYMOUS | MAP_EXMEM | MAP_POPULATE | MAP_LOCKED,
		      -1, 0);
	ASSERT_NE(MAP_FAILED, filler);
	free_pages = exmem_zone_free("ExMem");
	TH_LOG("ExMem filled: %lu pages free, min watermark %lu", free_pages,
	       wmark);
	/* Full: less free than half of the data's compressed size. */
	ASSERT_LT(free_pages, DENSE_LEN / PAGE / 4);
	ASSERT_LE(0, zswap_debugfs("pool_total_size"));
	reclaim_window(_metadata, &c, &de, &dother, &dpool);
	/*
	 * Room before the child reads back: its MAP_EXMEM pages come back
	 * into ExMem, which the filler holds.
	 */
	munmap(filler, len);
	EXPECT_EQ(0, child_check(_metadata, &c));
	refused = exmem_vmstat("exmem_zswpout_refused") - refused;
	pswpout = exmem_vmstat("pswpout") - pswpout;
	TH_LOG("%ld stores refused, %ld pages written to zram", refused,
	       pswpout);
	TH_LOG("zswap pool +%ld pages; zspages +%ld in ExMem, +%ld elsewhere",
	       dpool, de, dother);
	/* zswap stored the child's data, in ExMem alone. */
	EXPECT_LT(0, dpool);
	EXPECT_LE(dpool, de);
	/* A refused page went to the swap device. */
	EXPECT_GE(pswpout, refused);
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
	struct child c = { .dense = false };
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
	ASSERT_EQ(0, child_filled(&c));
	exmem_write_file(CG_TEST "/memory.reclaim", "24M");
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, unplug_and_back(devs[i]));
	ASSERT_EQ(1, write(c.done[1], "r", 1));	/* replay the fill signal */
	EXPECT_EQ(0, reclaim_child(_metadata, &c, &de, &dother));
	TH_LOG("after two unplugs: every byte of the zswap'd ExMem data read back");
}

TEST_HARNESS_MAIN
