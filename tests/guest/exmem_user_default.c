// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: vm.exmem_user_default decides where ordinary user memory
 * (no flag, no policy) may go: "fallback" (default) uses ExMem only after
 * DRAM, "never" not at all, "prefer" first. Any other value is refused
 * with EINVAL and the setting is unchanged. Checked on the PFNs of real
 * user pages, with memory plentiful and at the edge: more user memory
 * than DRAM has free spills into ExMem under "fallback" and never under
 * "never"; more than ExMem has free spills into DRAM under "prefer".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define LEN (32UL << 20)
#define SYSCTL "/proc/sys/vm/exmem_user_default"
#define WSF "/proc/sys/vm/watermark_scale_factor"

/* Fault in LEN bytes of fresh anonymous memory; count pages in ExMem. */
static unsigned long touch_and_count(struct __test_metadata *_metadata)
{
	unsigned long in_exmem, present;
	char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	/* 4 KiB pages: the PFN of every page is checked. */
	madvise(p, LEN, MADV_NOHUGEPAGE);
	memset(p, 0x3c, LEN);
	ASSERT_EQ(0, exmem_count_pages(p, LEN, &in_exmem, &present, NULL));
	ASSERT_EQ(LEN / 4096, present);
	munmap(p, LEN);
	return in_exmem;
}

/* Free pages of the zones that are not ExMem (DRAM), or of ExMem. */
static unsigned long free_pages(bool exmem)
{
	struct exmem_zone z[EXMEM_MAX_ZONES];
	unsigned long sum = 0;
	int i, n = exmem_read_zones(z, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (!strcmp(z[i].name, "ExMem") == exmem)
			sum += z[i].nr_free;
	return sum;
}

/* Where a spill put the pages, and whether reclaim ran meanwhile. */
struct spill {
	struct exmem_where where;
	unsigned long bad_pages;
	long reclaim_scans;
};

static long reclaim_scans(void)
{
	return exmem_vmstat("pgscan_kswapd") + exmem_vmstat("pgscan_direct");
}

/*
 * Page i holds i in its first word and 0x5a bytes after it: every page
 * differs (zram cannot fold it to a same-filled page), yet compresses to
 * a few bytes, so that swapping it out to zram makes room in DRAM.
 */
static void fill_pages(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len / 4096; i++) {
		memset(p + i * 4096, 0x5a, 4096);
		*(unsigned long *)(p + i * 4096) = i;
	}
}

/* Pages whose content is not what fill_pages() wrote. */
static unsigned long bad_pages(const char *p, size_t len)
{
	unsigned long bad = 0;
	size_t i, j;

	for (i = 0; i < len / 4096; i++) {
		const char *pg = p + i * 4096;

		if (*(const unsigned long *)pg != i) {
			bad++;
			continue;
		}
		for (j = sizeof(unsigned long); j < 4096; j++)
			if (pg[j] != 0x5a) {
				bad++;
				break;
			}
	}
	return bad;
}

/* What a filler leaves free of ExMem (of DRAM: see fill_to_headroom()). */
#define HEADROOM	(64UL << 20)

/*
 * The spilling region: 96 MiB more than the DRAM headroom (160 MiB but on
 * the debug kernel), small enough to check every byte of quickly.
 */
static size_t probe_bytes(void)
{
	return exmem_pressure_headroom(HEADROOM >> 20) + (96UL << 20);
}

/*
 * In a child the OOM killer would choose first: lock @fill bytes of one
 * tier (@fill_flag: MAP_NORMAL fills DRAM, MAP_EXMEM fills ExMem) so that
 * HEADROOM is left of it, then fault in probe_bytes() of plain anonymous
 * memory (4 KiB pages, filled by fill_pages()), more than the headroom.
 * Report where the probe's pages are, whether its data survived, and how
 * many pages reclaim scanned meanwhile. A child killed before reporting
 * (by the OOM killer) fails the test: the spill must find room.
 */
static void spill(struct __test_metadata *_metadata, int fill_flag,
		  size_t fill, struct spill *out)
{
	size_t probe = probe_bytes();
	int fd[2];
	pid_t pid;
	int status;

	ASSERT_EQ(0, pipe(fd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct spill r;
		char *p;

		exmem_write_file("/proc/self/oom_score_adj", "1000");
		if (mmap(NULL, fill, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED | fill_flag,
			 -1, 0) == MAP_FAILED)
			_exit(1);
		p = mmap(NULL, probe, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, probe, MADV_NOHUGEPAGE);
		r.reclaim_scans = reclaim_scans();
		fill_pages(p, probe);
		r.reclaim_scans = reclaim_scans() - r.reclaim_scans;
		/* Where the pages are first: checking swaps them back in. */
		if (exmem_count_pages_of(0, p, probe, &r.where))
			_exit(2);
		r.bad_pages = bad_pages(p, probe);
		_exit(write(fd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 3);
	}
	close(fd[1]);
	ASSERT_EQ(sizeof(*out), read(fd[0], out, sizeof(*out)))
		TH_LOG("the spilling child reported nothing");
	close(fd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	TH_LOG("%zu MiB locked; probe pages: %lu ExMem, %lu other, %lu swapped",
	       fill >> 20, out->where.exmem, out->where.other,
	       out->where.swapped);
	TH_LOG("pages scanned by reclaim meanwhile: %ld", out->reclaim_scans);
	/* Nothing lost, wherever it went. */
	ASSERT_EQ(0, out->bad_pages);
}

/*
 * Bytes to lock so that HEADROOM is left free of ExMem, or of DRAM: there
 * the kernel's own allocations need it, more on the debug kernel.
 */
static size_t fill_to_headroom(bool exmem)
{
	size_t free = free_pages(exmem) << 12;
	size_t room = exmem ? HEADROOM : exmem_pressure_headroom(HEADROOM >> 20);

	return free > room ? free - room : 0;
}

/*
 * "fallback" spills user pages into ExMem once DRAM is below its low
 * watermark; what DRAM then has for the kernel's own allocations (page
 * tables, slab) is what lies between low and min, about 0.1% of DRAM by
 * default, and none of it comes back by reclaim when DRAM is full of
 * locked pages. The debug kernel's slab alone outgrows that. Widen the gap
 * to half the test's DRAM headroom with vm.watermark_scale_factor, as
 * Documentation/admin-guide/mm/exmem.rst advises for such a system:
 * @headroom bytes free is then above low, so the filler never reclaims.
 */
static int widen_dram_low_gap(size_t headroom)
{
	struct exmem_zone z[EXMEM_MAX_ZONES];
	unsigned long managed = 0, wsf;
	char val[16];
	int i, n = exmem_read_zones(z, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (strcmp(z[i].name, "ExMem"))
			managed += z[i].managed;
	if (!managed)
		return -1;
	/* Parts per 10,000 of each zone's managed pages, at most 3000. */
	wsf = (headroom >> 13) * 10000 / managed;
	snprintf(val, sizeof(val), "%lu", wsf < 10 ? 10 : wsf > 3000 ? 3000 : wsf);
	return exmem_write_file(WSF, val);
}

FIXTURE(user_default)
{
	char saved[32];
	char saved_wsf[16];
	char offlined[4096];	/* the blocks exmem_shrink() offlined */
};

FIXTURE_SETUP(user_default)
{
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->saved, sizeof(self->saved)));
	ASSERT_EQ(0, exmem_read_file(WSF, self->saved_wsf,
				     sizeof(self->saved_wsf)));
	self->offlined[0] = '\0';
}

/* In the parent: it restores even when the test process was killed. */
FIXTURE_TEARDOWN_PARENT(user_default)
{
	exmem_write_file(SYSCTL, self->saved);
	exmem_write_file(WSF, self->saved_wsf);
	EXPECT_EQ(0, exmem_set_state_list(self->offlined, "online_exmem"));
}

TEST_F(user_default, default_is_fallback)
{
	ASSERT_STREQ("fallback", self->saved);
}

TEST_F(user_default, fallback_keeps_user_pages_in_dram_while_it_has_room)
{
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "fallback"));
	EXPECT_EQ(0, touch_and_count(_metadata));
}

TEST_F(user_default, prefer_puts_user_pages_in_exmem)
{
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
	EXPECT_EQ(LEN / 4096, touch_and_count(_metadata));
}

TEST_F(user_default, never_keeps_user_pages_out_of_exmem)
{
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "never"));
	EXPECT_EQ(0, touch_and_count(_metadata));
}

/*
 * DRAM full: locked down to 64 MiB free, then 160 MiB more. "fallback"
 * serves what DRAM cannot from ExMem: some of the pages are there. The
 * kernel keeps half the headroom below DRAM's low watermark meanwhile
 * (widen_dram_low_gap()): without it, the debug kernel's slab growth
 * during the fill found DRAM at min and the OOM killer took the child.
 */
TEST_F_TIMEOUT(user_default, fallback_spills_into_exmem_when_dram_is_full, 600)
{
	struct spill r;

	ASSERT_EQ(0, exmem_write_file(SYSCTL, "fallback"));
	ASSERT_EQ(0, widen_dram_low_gap(exmem_pressure_headroom(HEADROOM >> 20)));
	spill(_metadata, MAP_NORMAL, fill_to_headroom(false), &r);
	EXPECT_GT(r.where.exmem, 0);
}

/*
 * The same with "never": DRAM full, and still no page in ExMem. Reclaim
 * (zram swap) makes the room, and it must have run: else DRAM was not full.
 */
TEST_F_TIMEOUT(user_default, never_does_not_spill_into_exmem_when_dram_is_full, 600)
{
	struct spill r;

	ASSERT_EQ(0, exmem_swap_on()) TH_LOG("no zram swap device");
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "never"));
	spill(_metadata, MAP_NORMAL, fill_to_headroom(false), &r);
	EXPECT_EQ(0, r.where.exmem);
	EXPECT_GT(r.reclaim_scans, 0);
}

/*
 * ExMem shrunk to 256 MiB and full (locked down to 64 MiB free), then
 * 160 MiB under "prefer":
 * ExMem takes what it can, DRAM the rest.
 */
TEST_F_TIMEOUT(user_default, prefer_spills_into_dram_when_exmem_is_full, 600)
{
	struct spill r;

	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
	/* Less ExMem to lock: filling all of it took minutes under TCG. */
	exmem_shrink(EXMEM_FILL_KEEP, self->offlined, sizeof(self->offlined));
	spill(_metadata, MAP_EXMEM, fill_to_headroom(true), &r);
	EXPECT_GT(r.where.exmem, 0);
	EXPECT_GT(r.where.other, 0);
}

TEST_F(user_default, bad_values_are_einval_and_change_nothing)
{
	static const char * const bad[] = {
		"bogus", "Prefer", "prefer2", "fallback never", "1", "\n",
	};
	char now[32];
	size_t i;

	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("exmem_user_default <- \"%s\"", bad[i]);
		EXPECT_EQ(-EINVAL, exmem_write_file(SYSCTL, bad[i]));
	}
	ASSERT_EQ(0, exmem_read_file(SYSCTL, now, sizeof(now)));
	ASSERT_STREQ("prefer", now);
	/* A trailing newline, as echo writes it, is fine. */
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "never\n"));
	ASSERT_EQ(0, exmem_read_file(SYSCTL, now, sizeof(now)));
	ASSERT_STREQ("never", now);
}

/*
 * The sysctl is a string with proc_dostring()'s strict-mode rules: a write
 * continues the current value at its file offset, and a write starting
 * past the value's end is ignored. Every write below starts from the value
 * the kernel holds ("never"), never from uninitialised memory (under KASAN,
 * reading one is a report in the kernel log, which fails the run), and a
 * result that is no mode name is EINVAL and changes nothing.
 */
TEST_F(user_default, writes_in_chunks_and_at_offsets_start_from_the_current_value)
{
	static const struct {
		const char *data;
		off_t off;
		ssize_t ret;	/* what pwrite() returns: bytes, or -errno */
	} writes[] = {
		{ "xyz", 20, 3 },	/* past the end: ignored */
		{ "xyz", 6, 3 },	/* past the end: ignored */
		{ "x", 5, -EINVAL },	/* appended: "neverx" */
		{ "pre", 0, -EINVAL },	/* a first chunk alone: "pre" */
		{ "fer", 3, -EINVAL },	/* continues "never": "nevfer" */
		{ "er", 3, 2 },		/* continues "never": "never" */
	};
	char now[32];
	ssize_t ret;
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(writes); i++) {
		ASSERT_EQ(0, exmem_write_file(SYSCTL, "never"));
		fd = open(SYSCTL, O_WRONLY);
		ASSERT_LE(0, fd);
		ret = pwrite(fd, writes[i].data, strlen(writes[i].data),
			     writes[i].off);
		if (ret < 0)
			ret = -errno;
		close(fd);
		EXPECT_EQ(writes[i].ret, ret)
			TH_LOG("\"%s\" at offset %ld", writes[i].data,
			       (long)writes[i].off);
		ASSERT_EQ(0, exmem_read_file(SYSCTL, now, sizeof(now)));
		EXPECT_STREQ("never", now);
	}
}

TEST_HARNESS_MAIN
