// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: mmap(MAP_EXMEM) takes every page of the mapping from
 * ZONE_EXMEM, and mmap(MAP_NORMAL) none, on every path that allocates or
 * moves the mapping's pages: private and shared anonymous memory, memfd,
 * the copy-on-write copies of private file mappings, THP faults and
 * MADV_COLLAPSE, fork, mremap, mprotect splits, swap-out/swap-in and the
 * MADV_WILLNEED read-ahead of swapped-out pages.
 * Bad combinations are refused with the documented errno.
 *
 * Every check reads the PFN of every page from /proc/self/pagemap and
 * compares it with the zone spans of /proc/zoneinfo. MAP_NORMAL cases run
 * with vm.exmem_user_default=prefer, so that without the flag the pages
 * would have gone to ExMem: each test can fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define MB		(1UL << 20)
#define PAGE		4096UL
#define PMD		(2 * MB)
#define LEN		(16 * MB)
#define SYSCTL		"/proc/sys/vm/exmem_user_default"
#define ANON		(MAP_PRIVATE | MAP_ANONYMOUS)

/* Fill every page with a pattern derived from its index and @seed. */
static void fill(char *p, size_t len, int seed)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		memset(p + i, (int)((i / PAGE + seed) & 0xff), PAGE);
}

/* Does every page still hold the pattern fill() wrote? */
static bool check(const char *p, size_t len, int seed)
{
	size_t i, j;

	for (i = 0; i < len; i += PAGE)
		for (j = 0; j < PAGE; j += 512)
			if (p[i + j] != (char)((i / PAGE + seed) & 0xff))
				return false;
	return true;
}

/* All @len bytes at @p present, and all (or none) of them in ExMem. */
#define EXPECT_PAGES_IN(p, len, want_exmem) do {			\
	size_t len_ = (len);						\
	struct exmem_where w;						\
	ASSERT_EQ(0, exmem_count_pages_of(0, p, len_, &w));		\
	EXPECT_EQ(len_ / PAGE, w.present);				\
	EXPECT_EQ((want_exmem) ? w.present : 0, w.exmem);		\
} while (0)

static char *map(size_t len, int flags, int fd)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A @len mapping aligned to 2 MiB, for THP. */
static char *map_aligned(size_t len, int flags)
{
	char *p = map(len + PMD, flags, -1);
	char *a;

	if (!p)
		return NULL;
	a = (char *)(((unsigned long)p + PMD - 1) & ~(PMD - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + PMD - a);
	return a;
}

/*
 * A file that is not shmem: / and /tmp are tmpfs in the guest, whose pages
 * the flags do place, so the file-backed cases use ramfs.
 */
#define RAMFS		"/tmp/exmem-ramfs"

static int ramfs_file(struct __test_metadata *_metadata)
{
	char path[] = RAMFS "/file-XXXXXX";
	int fd;

	mkdir(RAMFS, 0755);
	if (umount2(RAMFS, MNT_DETACH) && errno != EINVAL)
		TH_LOG("umount %s: %s", RAMFS, strerror(errno));
	if (mount("ramfs", RAMFS, "ramfs", 0, NULL))
		return -1;
	fd = mkstemp(path);
	unlink(path);
	return fd;
}

FIXTURE(map) {
	char saved[32];
};

FIXTURE_SETUP(map)
{
	/* This guest always has ExMem online: MAP_EXMEM would be ENODEV. */
	ASSERT_LT(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->saved, sizeof(self->saved)));
}

FIXTURE_TEARDOWN(map)
{
	exmem_write_file(SYSCTL, self->saved);
}

/* For MAP_NORMAL: without the flag, these pages would go to ExMem. */
static void prefer_exmem(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, exmem_write_file(SYSCTL, "prefer"));
}

TEST_F_TIMEOUT(map, private_anon_exmem_every_page_in_exmem, 300)
{
	char *p = map(LEN, ANON | MAP_EXMEM, -1);

	ASSERT_NE(NULL, p);
	madvise(p, LEN, MADV_NOHUGEPAGE);
	fill(p, LEN, 1);
	EXPECT_PAGES_IN(p, LEN, true);
	EXPECT_TRUE(check(p, LEN, 1));
	munmap(p, LEN);
}

TEST_F_TIMEOUT(map, private_anon_normal_no_page_in_exmem, 300)
{
	char *p;

	prefer_exmem(_metadata);
	p = map(LEN, ANON | MAP_NORMAL, -1);
	ASSERT_NE(NULL, p);
	madvise(p, LEN, MADV_NOHUGEPAGE);
	fill(p, LEN, 2);
	EXPECT_PAGES_IN(p, LEN, false);
	munmap(p, LEN);
}

TEST_F_TIMEOUT(map, shared_anon_exmem_and_normal, 300)
{
	char *e = map(LEN, MAP_SHARED | MAP_ANONYMOUS | MAP_EXMEM, -1);
	char *n;

	ASSERT_NE(NULL, e);
	fill(e, LEN, 3);
	EXPECT_PAGES_IN(e, LEN, true);
	prefer_exmem(_metadata);
	n = map(LEN, MAP_SHARED | MAP_ANONYMOUS | MAP_NORMAL, -1);
	ASSERT_NE(NULL, n);
	fill(n, LEN, 4);
	EXPECT_PAGES_IN(n, LEN, false);
	munmap(e, LEN);
	munmap(n, LEN);
}

TEST_F_TIMEOUT(map, memfd_shared_validate_exmem_and_shared_normal, 300)
{
	int fd = memfd_create("exmem", 0), fd2 = memfd_create("normal", 0);
	char *e, *n;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ftruncate(fd, LEN));
	ASSERT_EQ(0, ftruncate(fd2, LEN));
	e = map(LEN, MAP_SHARED_VALIDATE | MAP_EXMEM, fd);
	ASSERT_NE(NULL, e);
	fill(e, LEN, 5);
	EXPECT_PAGES_IN(e, LEN, true);
	prefer_exmem(_metadata);
	n = map(LEN, MAP_SHARED | MAP_NORMAL, fd2);
	ASSERT_NE(NULL, n);
	fill(n, LEN, 6);
	EXPECT_PAGES_IN(n, LEN, false);
	munmap(e, LEN);
	munmap(n, LEN);
	close(fd);
	close(fd2);
}

TEST_F_TIMEOUT(map, private_file_cow_copies_in_exmem, 300)
{
	int fd = ramfs_file(_metadata);
	char *buf = malloc(LEN), *p;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, buf);
	fill(buf, LEN, 7);
	ASSERT_EQ((ssize_t)LEN, write(fd, buf, LEN));
	p = map(LEN, MAP_PRIVATE | MAP_EXMEM, fd);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(check(p, LEN, 7));	/* read faults: the file's pages */
	fill(p, LEN, 8);		/* write faults: COW copies */
	EXPECT_PAGES_IN(p, LEN, true);
	EXPECT_TRUE(check(p, LEN, 8));
	munmap(p, LEN);
	free(buf);
	close(fd);
}

TEST_F_TIMEOUT(map, thp_fault_exmem, 300)
{
	char *p = map_aligned(4 * PMD, ANON | MAP_EXMEM);
	struct exmem_where w;

	ASSERT_NE(NULL, p);
	madvise(p, 4 * PMD, MADV_HUGEPAGE);
	fill(p, 4 * PMD, 9);
	ASSERT_EQ(0, exmem_count_pages_of(0, p, 4 * PMD, &w));
	EXPECT_EQ(4 * PMD / PAGE, w.exmem);
	EXPECT_LT(0, w.thp);
	munmap(p, 4 * PMD);
}

/* Collapse @p (4 KiB pages) into THPs with MADV_COLLAPSE; count THP pages. */
static unsigned long collapse(struct __test_metadata *_metadata, char *p,
			      size_t len, bool exmem)
{
	struct exmem_where w;
	int tries;

	madvise(p, len, MADV_NOHUGEPAGE);
	fill(p, len, 10);
	ASSERT_EQ(0, exmem_count_pages_of(0, p, len, &w));
	EXPECT_EQ(0, w.thp);
	madvise(p, len, MADV_HUGEPAGE);
	for (tries = 0; tries < 5; tries++)
		if (!madvise(p, len, MADV_COLLAPSE))
			break;
	EXPECT_GT(5, tries);
	EXPECT_TRUE(check(p, len, 10));
	EXPECT_PAGES_IN(p, len, exmem);
	ASSERT_EQ(0, exmem_count_pages_of(0, p, len, &w));
	return w.thp;
}

TEST_F_TIMEOUT(map, madv_collapse_keeps_exmem_and_normal, 300)
{
	char *e = map_aligned(2 * PMD, ANON | MAP_EXMEM), *n;

	ASSERT_NE(NULL, e);
	EXPECT_EQ(2 * PMD / PAGE, collapse(_metadata, e, 2 * PMD, true));
	prefer_exmem(_metadata);
	n = map_aligned(2 * PMD, ANON | MAP_NORMAL);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(2 * PMD / PAGE, collapse(_metadata, n, 2 * PMD, false));
	munmap(e, 2 * PMD);
	munmap(n, 2 * PMD);
}

TEST_F_TIMEOUT(map, fork_cow_copies_stay_in_exmem, 300)
{
	char *p = map(LEN, ANON | MAP_EXMEM, -1);
	int status;
	pid_t pid;

	ASSERT_NE(NULL, p);
	madvise(p, LEN, MADV_NOHUGEPAGE);
	fill(p, LEN, 11);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct exmem_where w;

		fill(p, LEN, 12);	/* COW: the child's own copies */
		if (exmem_count_pages_of(0, p, LEN, &w) ||
		    w.exmem != LEN / PAGE || !check(p, LEN, 12))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(check(p, LEN, 11));
	EXPECT_PAGES_IN(p, LEN, true);
	munmap(p, LEN);
}

TEST_F_TIMEOUT(map, mremap_grown_mapping_stays_exmem, 300)
{
	char *p = map(LEN / 2, ANON | MAP_EXMEM, -1), *q;

	ASSERT_NE(NULL, p);
	madvise(p, LEN / 2, MADV_NOHUGEPAGE);
	fill(p, LEN / 2, 13);
	q = mremap(p, LEN / 2, LEN, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, q);
	madvise(q, LEN, MADV_NOHUGEPAGE);
	EXPECT_TRUE(check(q, LEN / 2, 13));
	fill(q + LEN / 2, LEN / 2, 14);
	EXPECT_PAGES_IN(q, LEN, true);
	munmap(q, LEN);
}

/* Does /proc/self/smaps list VmFlags containing @flag for @addr's VMA? */
static bool vma_has_flag(const void *addr, const char *flag)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[512], want[8];
	bool in = false, found = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), " %s", flag);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = a >= start && a < end;
		else if (in && !strncmp(line, "VmFlags:", 8))
			found = !!strstr(line, want);
	}
	fclose(f);
	return found;
}

TEST_F_TIMEOUT(map, mprotect_split_keeps_flag_on_every_part, 300)
{
	char *p = map(LEN, ANON | MAP_EXMEM, -1);

	ASSERT_NE(NULL, p);
	madvise(p, LEN, MADV_NOHUGEPAGE);
	ASSERT_EQ(0, mprotect(p + LEN / 4, LEN / 2,
			      PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_TRUE(vma_has_flag(p, "em"));
	EXPECT_TRUE(vma_has_flag(p + LEN / 2, "em"));
	EXPECT_TRUE(vma_has_flag(p + LEN - PAGE, "em"));
	fill(p, LEN, 15);
	EXPECT_PAGES_IN(p, LEN, true);
	munmap(p, LEN);
}

/*
 * Page @p out with MADV_PAGEOUT, then read it back: where did it land?
 * @willneed reads it into the swap cache with MADV_WILLNEED first, before
 * any fault: that read-ahead allocates the pages, so it must apply the
 * mapping's rule as a fault does.
 */
static void pageout_and_back(struct __test_metadata *_metadata, char *p,
			     size_t len, bool exmem, bool willneed)
{
	unsigned char vec[LEN / PAGE];
	struct exmem_where w;
	size_t i, resident = 0;

	madvise(p, len, MADV_NOHUGEPAGE);
	fill(p, len, 16);
	ASSERT_EQ(0, madvise(p, len, MADV_PAGEOUT));
	ASSERT_EQ(0, exmem_count_pages_of(0, p, len, &w));
	ASSERT_LT(0, w.swapped) TH_LOG("nothing paged out");
	if (willneed) {
		ASSERT_EQ(0, madvise(p, len, MADV_WILLNEED));
		/* In the swap cache now: mincore() counts those resident. */
		ASSERT_EQ(0, mincore(p, len, vec));
		for (i = 0; i < len / PAGE; i++)
			resident += vec[i] & 1;
		EXPECT_EQ(len / PAGE, resident);
	}
	EXPECT_TRUE(check(p, len, 16));	/* swap-in */
	EXPECT_PAGES_IN(p, len, exmem);
}

/* A MAP_EXMEM and, under "prefer", a MAP_NORMAL mapping, out and back. */
static void both_out_and_back(struct __test_metadata *_metadata, bool willneed)
{
	char *e, *n;

	/* MADV_PAGEOUT of anonymous pages needs swap: zram. */
	ASSERT_EQ(0, exmem_swap_on()) TH_LOG("no swap on /dev/zram0");
	e = map(LEN, ANON | MAP_EXMEM, -1);
	ASSERT_NE(NULL, e);
	pageout_and_back(_metadata, e, LEN, true, willneed);
	prefer_exmem(_metadata);
	n = map(LEN, ANON | MAP_NORMAL, -1);
	ASSERT_NE(NULL, n);
	pageout_and_back(_metadata, n, LEN, false, willneed);
	munmap(e, LEN);
	munmap(n, LEN);
}

TEST_F_TIMEOUT(map, pageout_and_swap_in_keep_exmem_and_normal, 300)
{
	both_out_and_back(_metadata, false);
}

TEST_F_TIMEOUT(map, madv_willneed_swap_in_keeps_exmem_and_normal, 300)
{
	both_out_and_back(_metadata, true);
}

TEST_F(map, smaps_shows_em_and_nm)
{
	char *e = map(LEN, ANON | MAP_EXMEM, -1);
	char *n = map(LEN, ANON | MAP_NORMAL, -1);
	char *d = map(LEN, ANON, -1);

	ASSERT_NE(NULL, e);
	ASSERT_NE(NULL, n);
	ASSERT_NE(NULL, d);
	EXPECT_TRUE(vma_has_flag(e, "em"));
	EXPECT_TRUE(vma_has_flag(n, "nm"));
	EXPECT_FALSE(vma_has_flag(d, "em"));
	EXPECT_FALSE(vma_has_flag(d, "nm"));
	munmap(e, LEN);
	munmap(n, LEN);
	munmap(d, LEN);
}

/* mmap() that must fail with @err, and be counted as refused. */
#define EXPECT_MMAP_ERR(err, flags, fd) do {				\
	long before = exmem_vmstat("exmem_map_refused");		\
	void *r = mmap(NULL, LEN, PROT_READ | PROT_WRITE, flags, fd, 0);\
	EXPECT_EQ(MAP_FAILED, r);					\
	EXPECT_EQ(err, errno);						\
	if (r != MAP_FAILED)						\
		munmap(r, LEN);						\
	EXPECT_EQ(before + 1, exmem_vmstat("exmem_map_refused"));	\
} while (0)

TEST_F(map, both_flags_are_einval)
{
	EXPECT_MMAP_ERR(EINVAL, ANON | MAP_EXMEM | MAP_NORMAL, -1);
	EXPECT_MMAP_ERR(EINVAL, MAP_SHARED | MAP_ANONYMOUS | MAP_EXMEM |
				MAP_NORMAL, -1);
}

TEST_F(map, hugetlb_is_einval)
{
	int fd = memfd_create("huge", MFD_HUGETLB);
	int memfd_errno = errno;

	EXPECT_MMAP_ERR(EINVAL, ANON | MAP_HUGETLB | MAP_EXMEM, -1);
	EXPECT_MMAP_ERR(EINVAL, ANON | MAP_HUGETLB | MAP_NORMAL, -1);
	/* CONFIG_HUGETLBFS=y: a hugetlbfs file needs no reserved pages. */
	ASSERT_LE(0, fd) TH_LOG("memfd_create(MFD_HUGETLB): %s", strerror(memfd_errno));
	EXPECT_MMAP_ERR(EINVAL, MAP_SHARED | MAP_EXMEM, fd);
	close(fd);
}

TEST_F(map, shared_validate_on_regular_file_is_eopnotsupp)
{
	int fd = ramfs_file(_metadata);
	void *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, LEN));
	p = mmap(NULL, LEN, PROT_READ, MAP_SHARED_VALIDATE | MAP_EXMEM, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* Plain MAP_SHARED ignores unknown flags, as it always has. */
	p = mmap(NULL, LEN, PROT_READ, MAP_SHARED | MAP_EXMEM, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_FALSE(vma_has_flag(p, "em"));
	munmap(p, LEN);
	close(fd);
}

/* With no ExMem online, every way to ask for ExMem fails with ENODEV. */
static void expect_enodev_everywhere(struct __test_metadata *_metadata)
{
	void *normal;

	EXPECT_MMAP_ERR(ENODEV, ANON | MAP_EXMEM, -1);
	EXPECT_MMAP_ERR(ENODEV, MAP_SHARED | MAP_ANONYMOUS | MAP_EXMEM, -1);
	/* So are the policy flag and the launcher (exit status 2). */
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_set_mempolicy,
			      MPOL_LOCAL | MPOL_F_ZONE_EXMEM, NULL, 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(2 << 8, system("exmemctl --exmem -- true 2>/dev/null"));
	/* MAP_NORMAL needs no ExMem. */
	normal = mmap(NULL, LEN, PROT_READ, ANON | MAP_NORMAL, -1, 0);
	EXPECT_NE(MAP_FAILED, normal);
	munmap(normal, LEN);
}

TEST_F_TIMEOUT(map, no_exmem_online_is_enodev, 900)
{
	char blocks[4096];
	int offl;

	/* Take all ExMem offline (its pages migrate to DRAM). */
	offl = exmem_set_state_all("ExMem", "online", "offline", blocks,
				   sizeof(blocks));
	EXPECT_EQ(0, offl) TH_LOG("offlining the ExMem blocks: %s", strerror(-offl));
	EXPECT_EQ(0, exmem_zone_present("ExMem"));
	/* The checks mean something only with ExMem really gone. */
	if (!offl && !exmem_zone_present("ExMem"))
		expect_enodev_everywhere(_metadata);
	/* Back, whatever happened: the blocks this test took offline. */
	ASSERT_EQ(0, exmem_set_state_list(blocks, "online_exmem"));
	EXPECT_LT(0, exmem_zone_present("ExMem"));
}

TEST_HARNESS_MAIN
