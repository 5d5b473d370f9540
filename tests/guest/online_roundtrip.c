// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: a CXL memory block goes offline -> online_exmem -> offline
 * -> online_movable -> offline -> online (default: ExMem), and valid_zones
 * and /proc/zoneinfo agree at every step. Bad strings written to "state",
 * and online_exmem for an offline block of memory that is not ExMem (boot
 * DRAM), fail with EINVAL.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

	/* This guest always has CXL memory online in ExMem. */
	ASSERT_EQ(0, exmem_find_block("ExMem", self->name, sizeof(self->name)))
		TH_LOG("no memory block with ExMem in valid_zones");
	ASSERT_EQ(0, exmem_read_file("/sys/devices/system/memory/block_size_bytes",
				     buf, sizeof(buf)));
	self->block_pages = strtoul(buf, NULL, 16) / 4096;
	TH_LOG("using %s (%lu pages)", self->name, self->block_pages);
}

FIXTURE_TEARDOWN(block)
{
	char state[32], zones[128];

	/*
	 * Leave the block online in ExMem, whatever happened: a block left
	 * in Movable inside the ExMem span would count as ExMem later.
	 */
	if (!exmem_block_attr(self->name, "state", state, sizeof(state)) &&
	    !strcmp(state, "online") &&
	    !exmem_block_attr(self->name, "valid_zones", zones, sizeof(zones)) &&
	    strcmp(zones, "ExMem"))
		EXPECT_EQ(0, exmem_block_set_state(self->name, "offline"));
	if (!exmem_block_attr(self->name, "state", state, sizeof(state)) &&
	    strcmp(state, "online"))
		EXPECT_EQ(0, exmem_block_set_state(self->name, "online_exmem"));
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

/* Offlining a block migrates all of it: CXL in QEMU moves ~4 MiB/s. */
TEST_F_TIMEOUT(block, offline_exmem_movable_round_trip, 600)
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

/*
 * online_exmem for DRAM needs an offline DRAM block: state_store() refuses
 * any online request for an online block with EINVAL ("already online"),
 * whatever the ExMem rule says. Boot DRAM can be offlined where its pages
 * can migrate; the kernel keeps retrying while they cannot, so each try is
 * bounded.
 */
#define OFFLINE_TRY_S	20
#define FIND_DRAM_S	300

/*
 * A kernel zone of a node with CPUs: boot DRAM. DMA32 in a guest whose RAM
 * all sits below 4 GiB, Normal above.
 */
static bool dram_zone(const char *zone)
{
	return !strcmp(zone, "Normal") || !strcmp(zone, "DMA32");
}

/*
 * Is block @id online boot DRAM, and inside its zone's span (not at either
 * end)? Offlining an end block shrinks the span, and "online" would then
 * pick another zone; an inner block comes back where it was. Its zone goes
 * to @zone.
 */
static bool inner_dram_block(unsigned long id, unsigned long block_pages,
			     char *zone, size_t len)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n, nid = exmem_block_nid(id);
	unsigned long start = id * block_pages, end = start + block_pages;
	char name[32], buf[64];

	snprintf(name, sizeof(name), "memory%lu", id);
	if (nid < 0 || !exmem_node_has_cpus(nid) ||
	    exmem_block_attr(name, "state", buf, sizeof(buf)) ||
	    strcmp(buf, "online") ||
	    exmem_block_attr(name, "valid_zones", buf, sizeof(buf)) ||
	    !dram_zone(buf))
		return false;
	n = exmem_read_zones(zones, EXMEM_MAX_ZONES);
	for (i = 0; i < n; i++)
		if (zones[i].nid == nid && !strcmp(zones[i].name, buf) &&
		    start > zones[i].start_pfn &&
		    end < zones[i].start_pfn + zones[i].spanned) {
			snprintf(zone, len, "%s", buf);
			return true;
		}
	return false;
}

/* The highest memory block number, or -1. */
static long last_block(void)
{
	DIR *d = opendir("/sys/devices/system/memory");
	struct dirent *de;
	long id = -1;

	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "memory", 6) && isdigit(de->d_name[6]) &&
		    atol(de->d_name + 6) > id)
			id = atol(de->d_name + 6);
	if (d)
		closedir(d);
	return id;
}

/*
 * Take an inner boot DRAM block offline, trying the highest-numbered ones
 * first, for at most FIND_DRAM_S: a block holding unmovable pages refuses
 * at once (EBUSY), one whose pages do not migrate in OFFLINE_TRY_S is left
 * online. Its name and zone; 0, or -1 if none went offline.
 */
static int offline_dram_block(char *block, size_t len, char *zone,
			      size_t zone_len)
{
	unsigned long block_pages = exmem_block_pages();
	time_t end = time(NULL) + FIND_DRAM_S;
	long id;
	int err;

	for (id = last_block(); block_pages && id >= 0 && time(NULL) < end; id--) {
		if (!inner_dram_block(id, block_pages, zone, zone_len))
			continue;
		err = exmem_block_offline_within(id, OFFLINE_TRY_S);
		fprintf(stderr, "# memory%ld (%s): offline: %s\n", id, zone,
			err ? strerror(-err) : "done");
		if (!err) {
			snprintf(block, len, "memory%ld", id);
			return 0;
		}
	}
	return -1;
}

/*
 * Named "global" so that the TAP name stays what it was as a plain TEST()
 * (global.<test>); a fixture gives the test a teardown that brings the
 * DRAM block back on every path, and a timeout.
 */
#define HOTPLUG_PARAMS	"/sys/module/memory_hotplug/parameters/"
#define ONLINE_POLICY	HOTPLUG_PARAMS "online_policy"
#define MOVABLE_RATIO	HOTPLUG_PARAMS "auto_movable_ratio"

FIXTURE(global) {
	char block[32];		/* the DRAM block taken offline, once it is */
	char zone[64];		/* the zone it was in */
	char policy[32], ratio[16];	/* memory_hotplug's, to restore */
};

FIXTURE_SETUP(global)
{
	ASSERT_EQ(0, exmem_read_file(ONLINE_POLICY, self->policy,
				     sizeof(self->policy)));
	ASSERT_EQ(0, exmem_read_file(MOVABLE_RATIO, self->ratio,
				     sizeof(self->ratio)));
}

/*
 * Bring the DRAM block back with a plain "online": online again, and in
 * the zone it was in (as the guest's state check expects).
 */
static void dram_block_back(struct __test_metadata *_metadata,
			    FIXTURE_DATA(global) *self)
{
	char buf[128];

	if (!exmem_block_attr(self->block, "state", buf, sizeof(buf)) &&
	    strcmp(buf, "online"))
		EXPECT_EQ(0, exmem_block_set_state(self->block, "online"));
	EXPECT_EQ(0, exmem_block_attr(self->block, "state", buf, sizeof(buf)));
	EXPECT_STREQ("online", buf);
	EXPECT_EQ(0, exmem_block_attr(self->block, "valid_zones", buf, sizeof(buf)));
	EXPECT_STREQ(self->zone, buf);
	self->block[0] = '\0';
}

FIXTURE_TEARDOWN(global)
{
	/* The policy first: "online" then puts the block where it was. */
	EXPECT_EQ(0, exmem_write_file(ONLINE_POLICY, self->policy));
	EXPECT_EQ(0, exmem_write_file(MOVABLE_RATIO, self->ratio));
	if (self->block[0])
		dram_block_back(_metadata, self);
}

TEST_F_TIMEOUT(global, online_exmem_refused_for_dram, 600)
{
	char buf[128];

	ASSERT_EQ(0, offline_dram_block(self->block, sizeof(self->block),
					self->zone, sizeof(self->zone)))
		TH_LOG("no boot DRAM block could be offlined within %d s",
		       FIND_DRAM_S);

	/* Refused by the ExMem rule, not by "already online". */
	EXPECT_EQ(-EINVAL, exmem_block_set_state(self->block, "online_exmem"));
	ASSERT_EQ(0, exmem_block_attr(self->block, "state", buf, sizeof(buf)));
	EXPECT_STREQ("offline", buf);
	/* Offline, valid_zones lists every zone it may go to: never ExMem. */
	ASSERT_EQ(0, exmem_block_attr(self->block, "valid_zones", buf, sizeof(buf)));
	TH_LOG("%s offline, valid_zones: %s", self->block, buf);
	EXPECT_EQ(NULL, strstr(buf, "ExMem"));
	EXPECT_EQ(0, strncmp(buf, self->zone, strlen(self->zone)));

	dram_block_back(_metadata, self);
}

/* Present pages of the zones named @name (NULL: all but ExMem, Movable). */
static unsigned long present_pages(const char *name)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);
	unsigned long sum = 0;

	for (i = 0; i < n; i++) {
		bool kernel = strcmp(zones[i].name, "ExMem") &&
			      strcmp(zones[i].name, "Movable");

		if (name ? !strcmp(zones[i].name, name) : kernel)
			sum += zones[i].present;
	}
	return sum;
}

/*
 * memory_hotplug's auto-movable online policy counts ExMem as movable
 * memory, as it counts ZONE_MOVABLE: with auto_movable_ratio set so that
 * the kernel zones may back half of ExMem's size in movable memory, ExMem
 * alone is past the ratio, and a DRAM block that "online" would place goes
 * to its kernel zone (valid_zones lists the default zone first). ExMem
 * counted as neither left the ratio's room to other hot-added memory
 * (review F17: auto_movable_stats_account_zone()).
 */
TEST_F_TIMEOUT(global, auto_movable_policy_counts_exmem_as_movable, 600)
{
	unsigned long exmem = present_pages("ExMem"), kernel = present_pages(NULL);
	unsigned long ratio = exmem * 50 / kernel;
	char buf[128];

	ASSERT_GT(exmem, 0);
	/* Half of ExMem must hold a block: else the case shows nothing. */
	ASSERT_GE(kernel * ratio / 100, exmem_block_pages());
	ASSERT_EQ(0, offline_dram_block(self->block, sizeof(self->block),
					self->zone, sizeof(self->zone)))
		TH_LOG("no boot DRAM block could be offlined within %d s",
		       FIND_DRAM_S);
	snprintf(buf, sizeof(buf), "%lu", ratio);
	TH_LOG("ExMem %lu pages, kernel zones %lu: auto_movable_ratio %s",
	       exmem, kernel, buf);
	ASSERT_EQ(0, exmem_write_file(MOVABLE_RATIO, buf));
	ASSERT_EQ(0, exmem_write_file(ONLINE_POLICY, "auto-movable"));

	ASSERT_EQ(0, exmem_block_attr(self->block, "valid_zones", buf, sizeof(buf)));
	TH_LOG("%s offline, valid_zones: %s", self->block, buf);
	EXPECT_EQ(0, strncmp(buf, self->zone, strlen(self->zone)));
	EXPECT_EQ(NULL, strstr(buf, "ExMem"));
}

TEST_HARNESS_MAIN
