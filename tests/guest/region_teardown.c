// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: the administrator's whole hot-unplug path works on a
 * device while another holds a MAP_EXMEM mapping's data: offline every
 * block of the device, unbind its dax device from kmem, tear the CXL region
 * down with `cxl disable-region` and `cxl destroy-region`. The device then
 * disappears from ZONE_EXMEM and /sys/kernel/mm/exmem/devices; the data is
 * intact and still in ExMem. Creating the region again brings it back.
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
#define CXL		"/sys/bus/cxl/devices"
#define DEVICES		"/sys/kernel/mm/exmem/devices"

/* The last CXL region, with the physical address it starts at. */
static int last_region(char *name, size_t len, unsigned long long *start)
{
	char path[300], buf[64];
	struct dirent *d;
	DIR *dir = opendir(CXL);

	name[0] = 0;
	while (dir && (d = readdir(dir)))
		if (!strncmp(d->d_name, "region", 6) &&
		    strcmp(d->d_name, name) > 0)
			snprintf(name, len, "%s", d->d_name);
	if (dir)
		closedir(dir);
	if (!name[0])
		return -ENOENT;
	snprintf(path, sizeof(path), CXL "/%s/resource", name);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return -EIO;
	*start = strtoull(buf, NULL, 0);
	return 0;
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

TEST(offline_unbind_destroy_region_and_back)
{
	unsigned long present, in_exmem, nr_pages, first, nr, i, before;
	unsigned long long start;
	char region[300], dax[256];
	int waited;
	char *buf;

	if (!exmem_zone_present("ExMem") ||
	    last_region(region, sizeof(region), &start))
		SKIP(return, "no CXL region with ExMem");
	/* Its dax device may start a little into the region. */
	ASSERT_EQ(0, exmem_dax_of_phys(start + (16ULL << 20), dax, sizeof(dax),
				       &first, &nr));
	before = exmem_zone_present("ExMem");
	TH_LOG("tearing down %s (%s, blocks %lu..%lu)", region, dax, first,
	       first + nr - 1);

	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	for (i = 0; i < LEN; i += sizeof(long))
		*(unsigned long *)(buf + i) = i ^ 0x5eed;

	/* 1. offline the blocks, 2. unbind from kmem. */
	ASSERT_EQ(0, exmem_dax_unplug(dax, first, nr));
	EXPECT_FALSE(exists(DEVICES "/%s", dax));
	/* 3. tear the region down. */
	ASSERT_EQ(0, run("cxl disable-region %s", region));
	ASSERT_EQ(0, run("cxl destroy-region %s", region));
	EXPECT_FALSE(exists(CXL "/%s", region));
	nr_pages = exmem_zone_present("ExMem");
	EXPECT_EQ(before - nr * exmem_block_pages(), nr_pages);

	/* The data stayed, in ExMem. */
	for (i = 0; i < LEN; i += sizeof(long))
		if (*(unsigned long *)(buf + i) != (i ^ 0x5eed))
			break;
	EXPECT_EQ(LEN, i);
	ASSERT_EQ(0, exmem_count_pages(buf, LEN, &in_exmem, &present, NULL));
	EXPECT_EQ(LEN / 4096, in_exmem);

	/* The region comes back, and its memory is ExMem again. */
	EXPECT_EQ(0, system(". /lib/exmem/cxl-setup.sh; cxl_setup_regions >/dev/null"));
	for (waited = 0; waited < 300; waited++) {
		if (exmem_zone_present("ExMem") == before)
			break;
		usleep(100000);
	}
	EXPECT_EQ(before, exmem_zone_present("ExMem"));
	munmap(buf, LEN);
}

TEST_HARNESS_MAIN
