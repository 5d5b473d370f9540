// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: the administrator's whole hot-unplug path works on the
 * device that holds (part of) a MAP_EXMEM mapping's data: offline every
 * block of the device, unbind its dax device from kmem, tear the CXL region
 * down with `cxl disable-region` and `cxl destroy-region`. The device then
 * disappears from ZONE_EXMEM and /sys/kernel/mm/exmem/devices; the data is
 * intact and still in ExMem, on the other device. Creating the region
 * again brings it back.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define LEN		(32UL << 20)
#define NR_PAGES	(LEN / 4096)
#define CXL		"/sys/bus/cxl/devices"
#define DEVICES		"/sys/kernel/mm/exmem/devices"

/* The CXL region holding physical address @phys, with its range. */
static int region_of_phys(unsigned long long phys, char *name, size_t len,
			  unsigned long long *start, unsigned long long *size)
{
	char path[300], buf[64];
	struct dirent *d;
	int err = -ENOENT;
	DIR *dir = opendir(CXL);

	while (dir && err && (d = readdir(dir))) {
		if (strncmp(d->d_name, "region", 6))
			continue;
		snprintf(path, sizeof(path), CXL "/%s/resource", d->d_name);
		if (exmem_read_file(path, buf, sizeof(buf)))
			continue;
		*start = strtoull(buf, NULL, 0);
		snprintf(path, sizeof(path), CXL "/%s/size", d->d_name);
		if (exmem_read_file(path, buf, sizeof(buf)))
			continue;
		*size = strtoull(buf, NULL, 0);
		if (phys >= *start && phys - *start < *size) {
			snprintf(name, len, "%s", d->d_name);
			err = 0;
		}
	}
	if (dir)
		closedir(dir);
	return err;
}

static bool exists(const char *fmt, const char *name)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), fmt, name);
	return !stat(path, &st);
}

static int run(const char *fmt, const char *arg)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

/* Pages of @pfns (@nr entries) in physical range [start, start + size). */
static unsigned long pages_in(const unsigned long *pfns, unsigned long nr,
			      unsigned long long start, unsigned long long size)
{
	unsigned long i, in = 0;

	/* Below @start, the unsigned difference wraps to more than @size. */
	for (i = 0; i < nr; i++)
		in += pfns[i] && (unsigned long long)pfns[i] * 4096 - start < size;
	return in;
}

/*
 * A fixture named like the harness's own: its test keeps its TAP name
 * (global.<test>) and gets what a plain TEST() lacks in 6.12, a teardown
 * that runs after a failed ASSERT and a timeout of its own.
 */
FIXTURE(global) {
	char region[256], dax[256];	/* torn down, once chosen */
	unsigned long first, nr;	/* the dax device's blocks */
	unsigned long present;		/* ExMem pages before the test */
	unsigned long *pfns;
	char *buf;
};

FIXTURE_SETUP(global)
{
	self->present = exmem_zone_present("ExMem");
	/* The guest always has CXL memory in ExMem: none means breakage. */
	ASSERT_GT(self->present, 0) TH_LOG("no ExMem memory online");
	self->pfns = calloc(NR_PAGES, sizeof(*self->pfns));
	ASSERT_NE(NULL, self->pfns);
}

/*
 * Whatever step failed, bring the device back for the tests that follow:
 * the region created again, else the dax device bound again, else its
 * blocks online.
 */
FIXTURE_TEARDOWN(global)
{
	if (self->dax[0] && exmem_zone_present("ExMem") != self->present) {
		if (!exists(CXL "/%s", self->region)) {
			system(". /lib/exmem/cxl-setup.sh; cxl_setup_regions >/dev/null");
		} else {
			/* No-op unless it was disabled but not destroyed. */
			run("cxl enable-region %s >/dev/null 2>&1", self->region);
			exmem_dax_restore(self->dax, self->first, self->nr);
		}
		EXPECT_EQ(0, exmem_wait_present(self->present, 30))
			TH_LOG("%s not restored", self->region);
	}
	if (self->buf)
		munmap(self->buf, LEN);
	free(self->pfns);
}

/* Offlining a 512 MiB device migrates its pages at QEMU's CXL speed. */
TEST_F_TIMEOUT(global, offline_unbind_destroy_region_and_back, 600)
{
	unsigned long present, in_exmem, i, on_region, before = self->present;
	unsigned long long start, size, phys;
	char *region = self->region, *dax = self->dax;
	char *buf;

	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	self->buf = buf;
	for (i = 0; i < LEN; i += sizeof(long))
		*(unsigned long *)(buf + i) = i ^ 0x5eed;
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, self->pfns));
	ASSERT_EQ(NR_PAGES, in_exmem);

	/* The region, and dax device, holding the buffer's first page. */
	phys = (unsigned long long)self->pfns[0] * 4096;
	ASSERT_EQ(0, region_of_phys(phys, region, sizeof(self->region), &start,
				    &size)) TH_LOG("no CXL region holds %#llx", phys);
	ASSERT_EQ(0, exmem_dax_of_phys(phys, dax, sizeof(self->dax),
				       &self->first, &self->nr));
	/* The teardown moves the buffer's own pages, not only others'. */
	on_region = pages_in(self->pfns, NR_PAGES, start, size);
	TH_LOG("tearing down %s (%s, blocks %lu..%lu), holding %lu of %lu pages",
	       region, dax, self->first, self->first + self->nr - 1, on_region,
	       NR_PAGES);
	ASSERT_GT(on_region, 0);

	/* 1. offline the blocks, 2. unbind from kmem. */
	ASSERT_EQ(0, exmem_dax_unplug(dax, self->first, self->nr));
	EXPECT_FALSE(exists(DEVICES "/%s", dax));
	/* 3. tear the region down. */
	ASSERT_EQ(0, run("cxl disable-region %s", region));
	ASSERT_EQ(0, run("cxl destroy-region %s", region));
	EXPECT_FALSE(exists(CXL "/%s", region));
	EXPECT_EQ(before - self->nr * exmem_block_pages(),
		  exmem_zone_present("ExMem"));

	/* The data stayed, in ExMem, none of it where the region was. */
	for (i = 0; i < LEN; i += sizeof(long))
		if (*(unsigned long *)(buf + i) != (i ^ 0x5eed))
			break;
	EXPECT_EQ(LEN, i);
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, self->pfns));
	EXPECT_EQ(NR_PAGES, present);
	EXPECT_EQ(NR_PAGES, in_exmem);
	EXPECT_EQ(0, pages_in(self->pfns, NR_PAGES, start, size));

	/* The region comes back, and its memory is ExMem again. */
	EXPECT_EQ(0, system(". /lib/exmem/cxl-setup.sh; cxl_setup_regions >/dev/null"));
	EXPECT_EQ(0, exmem_wait_present(before, 30));
}

TEST_HARNESS_MAIN
