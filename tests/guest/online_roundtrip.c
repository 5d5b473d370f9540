// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: a CXL memory block goes offline -> online_exmem -> offline
 * -> online_movable -> offline -> online (default: ExMem), and valid_zones
 * and /proc/zoneinfo agree at every step. Bad strings written to "state",
 * and online_exmem for memory that is not ExMem, fail with EINVAL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

FIXTURE(block)
{
	char name[64];
	unsigned long block_pages;
};

FIXTURE_SETUP(block)
{
	char buf[64];

	if (exmem_find_block("ExMem", self->name, sizeof(self->name)))
		SKIP(return, "no memory block with ExMem in valid_zones");
	ASSERT_EQ(0, exmem_read_file("/sys/devices/system/memory/block_size_bytes",
				     buf, sizeof(buf)));
	self->block_pages = strtoul(buf, NULL, 16) / 4096;
	TH_LOG("using %s (%lu pages)", self->name, self->block_pages);
}

FIXTURE_TEARDOWN(block)
{
	char state[32];

	/* Leave the block online in ExMem, whatever happened. */
	if (!exmem_block_attr(self->name, "state", state, sizeof(state)) &&
	    strcmp(state, "online")) {
		exmem_block_set_state(self->name, "online");
	}
}

static void expect_state(struct __test_metadata *_metadata, const char *block,
			 const char *state, const char *zones)
{
	char buf[128];

	ASSERT_EQ(0, exmem_block_attr(block, "state", buf, sizeof(buf)));
	ASSERT_STREQ(state, buf);
	ASSERT_EQ(0, exmem_block_attr(block, "valid_zones", buf, sizeof(buf)));
	ASSERT_STREQ(zones, buf);
}

TEST_F(block, offline_exmem_movable_round_trip)
{
	unsigned long exmem0 = exmem_zone_present("ExMem");
	unsigned long movable0 = exmem_zone_present("Movable");
	unsigned long n = self->block_pages;

	expect_state(_metadata, self->name, "online", "ExMem");

	ASSERT_EQ(0, exmem_block_set_state(self->name, "offline"));
	/* Offline: the default zone first, then the others allowed. */
	expect_state(_metadata, self->name, "offline", "ExMem Normal Movable");
	ASSERT_EQ(exmem0 - n, exmem_zone_present("ExMem"));

	ASSERT_EQ(0, exmem_block_set_state(self->name, "online_exmem"));
	expect_state(_metadata, self->name, "online", "ExMem");
	ASSERT_EQ(exmem0, exmem_zone_present("ExMem"));

	ASSERT_EQ(0, exmem_block_set_state(self->name, "offline"));
	ASSERT_EQ(0, exmem_block_set_state(self->name, "online_movable"));
	expect_state(_metadata, self->name, "online", "Movable");
	ASSERT_EQ(movable0 + n, exmem_zone_present("Movable"));
	ASSERT_EQ(exmem0 - n, exmem_zone_present("ExMem"));

	ASSERT_EQ(0, exmem_block_set_state(self->name, "offline"));
	ASSERT_EQ(movable0, exmem_zone_present("Movable"));
	ASSERT_EQ(0, exmem_block_set_state(self->name, "online"));
	expect_state(_metadata, self->name, "online", "ExMem");
	ASSERT_EQ(exmem0, exmem_zone_present("ExMem"));
}

TEST_F(block, bad_state_strings_are_einval)
{
	static const char * const bad[] = {
		"online_exmemx", "exmem", "online exmem", "ONLINE_EXMEM",
		"online_", "1", "\n", "online_exmem online",
	};
	unsigned long exmem0 = exmem_zone_present("ExMem");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("state <- \"%s\"", bad[i]);
		EXPECT_EQ(-EINVAL, exmem_block_set_state(self->name, bad[i]));
	}
	expect_state(_metadata, self->name, "online", "ExMem");
	ASSERT_EQ(exmem0, exmem_zone_present("ExMem"));
}

TEST(online_exmem_refused_for_dram)
{
	char name[64], zones[128];

	/*
	 * A boot DRAM block: online in Normal, or DMA32 in a small guest whose
	 * RAM all sits below 4 GiB.
	 */
	if (exmem_find_block("Normal", name, sizeof(name)) &&
	    exmem_find_block("DMA32", name, sizeof(name)))
		SKIP(return, "no DRAM memory block found");
	ASSERT_EQ(0, exmem_block_attr(name, "valid_zones", zones, sizeof(zones)));
	ASSERT_EQ(NULL, strstr(zones, "ExMem"));
	EXPECT_EQ(-EINVAL, exmem_block_set_state(name, "online_exmem"));
}

TEST_HARNESS_MAIN
