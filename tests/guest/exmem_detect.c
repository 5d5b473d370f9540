// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: on a kernel with ExMem online, the detection helper that
 * applications copy (tools/include/exmem/exmem_detect.h) says "usable" both
 * from sysfs and procfs (exmem_supported()) and from mmap() itself
 * (exmem_probe()), and exmemctl --check exits 0; and "usable" is true: a
 * MAP_EXMEM mapping made on that answer has every page in ZONE_EXMEM. The
 * kernel without ZONE_EXMEM and the none-online answer are covered on the
 * host (tests/host/exmem-detect.sh: the host kernel and fixture trees).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "../../tools/include/exmem/exmem_detect.h"

#define MAP_LEN		(8UL << 20)

FIXTURE(exmem_detect) {
	int unused;
};

FIXTURE_SETUP(exmem_detect)
{
	/* This guest always has ExMem online. */
	ASSERT_LT(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
}

FIXTURE_TEARDOWN(exmem_detect)
{
}

TEST_F(exmem_detect, supported_says_usable)
{
	int s = exmem_supported();

	EXPECT_EQ(EXMEM_USABLE, s) TH_LOG("exmem_supported(): %s",
					  exmem_support_name(s));
}

TEST_F(exmem_detect, probe_says_usable)
{
	int s = exmem_probe();

	EXPECT_EQ(EXMEM_USABLE, s) TH_LOG("exmem_probe(): %s",
					  exmem_support_name(s));
}

TEST_F(exmem_detect, exmemctl_check_exits_0)
{
	int status = system("exmemctl --check");

	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(exmem_detect, usable_means_map_exmem_places_pages)
{
	unsigned long in_exmem, present;
	char *p;

	ASSERT_EQ(EXMEM_USABLE, exmem_supported());
	p = exmem_map_touched(MAP_LEN, MAP_EXMEM);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, exmem_count_pages(p, MAP_LEN, &in_exmem, &present, NULL));
	EXPECT_EQ(MAP_LEN / getpagesize(), present);
	EXPECT_EQ(present, in_exmem);
	munmap(p, MAP_LEN);
}

TEST_HARNESS_MAIN
