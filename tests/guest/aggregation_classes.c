// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: CXL devices of different performance classes are not
 * aggregated. Each class gets its own CPU-less node, each in a lower
 * memory tier than DRAM, the slower class no higher than the faster one;
 * the tolerance that decides "same class" is exmem.class_tolerance_pct,
 * and bad values for it are refused with EINVAL. With two ExMem nodes, a
 * zone flag never widens a cpuset: an MPOL_BIND set whose ExMem node the
 * cpuset excludes is refused with ENODEV. Devices of different memory
 * types aggregated into one node (a wide tolerance) leave and come back
 * in any order with the node in its class's tier, and without an oops.
 *
 * This test runs in a boot of its own (scripts/test.sh): QEMU gives the
 * guest HMAT and an ACPI Generic Port per CXL host bridge, so that the CXL
 * driver computes each region's performance from CDAT, the PCIe link and
 * the host bridge, and it trains the first device's link at 8 GT/s x4
 * instead of 32 GT/s x16. aggregation.c covers devices of one class.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define DEVICES		"/sys/kernel/mm/exmem/devices"
#define TOLERANCE	"/sys/module/exmem/parameters/class_tolerance_pct"
/* A cpuset of DRAM and the fast class's node. */
#define CPUSET		"/sys/fs/cgroup/exmem-fast-class"
#define MPOL_BIND	2
#define MAXNODE		64

struct dev_class {
	char name[256];
	long node, speed_mts, width;
	unsigned long long capacity;
};

/* An attribute of /sys/kernel/mm/exmem/devices/<dax>/, as a number. */
static long long dev_attr(const char *dax, const char *attr)
{
	char path[600], buf[64];

	snprintf(path, sizeof(path), DEVICES "/%s/%s", dax, attr);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

/* The ExMem devices, with their node, link and capacity. Count. */
static int read_devices(struct dev_class *devs, int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(DEVICES);

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(devs[n].name, sizeof(devs[n].name), "%s", de->d_name);
		devs[n].node = dev_attr(de->d_name, "node");
		devs[n].speed_mts = dev_attr(de->d_name, "link_speed_mts");
		devs[n].width = dev_attr(de->d_name, "link_width");
		devs[n].capacity = dev_attr(de->d_name, "capacity_bytes");
		n++;
	}
	closedir(d);
	return n;
}

/* Pages present in the ExMem zone of node @nid. */
static unsigned long exmem_present_on(int nid)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (zones[i].nid == nid && !strcmp(zones[i].name, "ExMem"))
			return zones[i].present;
	return 0;
}

TEST(devices_of_different_classes_get_separate_nodes)
{
	struct dev_class devs[4], *slow, *fast;
	int n, dram_tier, slow_tier, fast_tier, i;
	unsigned long nodes = exmem_cpuless_nodes();

	/* This boot always has HMAT and two devices: else it is broken. */
	ASSERT_EQ(0, access("/sys/firmware/acpi/tables/HMAT", R_OK))
		TH_LOG("no HMAT: the platform gives no performance data");
	n = read_devices(devs, 4);
	ASSERT_EQ(2, n) TH_LOG("needs two ExMem devices, found %d", n);
	for (i = 0; i < n; i++)
		TH_LOG("%s: node %ld, link %ld MT/s x%ld, %llu bytes", devs[i].name,
		       devs[i].node, devs[i].speed_mts, devs[i].width,
		       devs[i].capacity);
	/* This boot trains one link slower: the devices differ in class. */
	ASSERT_NE(devs[0].speed_mts * devs[0].width,
		  devs[1].speed_mts * devs[1].width);
	slow = devs[0].speed_mts * devs[0].width < devs[1].speed_mts * devs[1].width ?
	       &devs[0] : &devs[1];
	fast = slow == &devs[0] ? &devs[1] : &devs[0];

	/* Two logical nodes, both CPU-less, each holding only its device. */
	ASSERT_NE(slow->node, fast->node);
	ASSERT_GE(slow->node, 0);
	ASSERT_GE(fast->node, 0);
	/* Not 0 == 0 below: each device reports a capacity. */
	ASSERT_GT(slow->capacity, 0);
	ASSERT_GT(fast->capacity, 0);
	EXPECT_EQ(2, __builtin_popcountl(nodes));
	EXPECT_TRUE(nodes & (1UL << slow->node));
	EXPECT_TRUE(nodes & (1UL << fast->node));
	EXPECT_EQ(slow->capacity, exmem_present_on(slow->node) * 4096ULL);
	EXPECT_EQ(fast->capacity, exmem_present_on(fast->node) * 4096ULL);

	/* Both below DRAM; the slow class no higher than the fast one. */
	dram_tier = exmem_memory_tier(0);
	slow_tier = exmem_memory_tier(slow->node);
	fast_tier = exmem_memory_tier(fast->node);
	TH_LOG("memory tiers: DRAM %d, fast class %d, slow class %d",
	       dram_tier, fast_tier, slow_tier);
	ASSERT_GE(dram_tier, 0);
	EXPECT_GT(fast_tier, dram_tier);
	EXPECT_GE(slow_tier, fast_tier);
}

TEST(class_tolerance_refuses_bad_values)
{
	/* Garbage, and percentages past 100 (they would merge every class). */
	static const char * const bad[] = { "abc", "-1", "10%", "0x", "101",
					    "1000" };
	char before[32], after[32];
	size_t i;

	ASSERT_EQ(0, exmem_read_file(TOLERANCE, before, sizeof(before)))
		TH_LOG("no %s", TOLERANCE);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("class_tolerance_pct <- \"%s\"", bad[i]);
		EXPECT_EQ(-EINVAL, exmem_write_file(TOLERANCE, bad[i]));
	}
	ASSERT_EQ(0, exmem_read_file(TOLERANCE, after, sizeof(after)));
	EXPECT_STREQ(before, after);
	/* A good value is taken, and the default restored. */
	EXPECT_EQ(0, exmem_write_file(TOLERANCE, "25"));
	EXPECT_EQ(0, exmem_write_file(TOLERANCE, before));
}

/* The devices' slow and fast class, in @devs: 0, or -1 if not two classes. */
static int pick_classes(struct dev_class *devs, struct dev_class **slow,
			struct dev_class **fast)
{
	if (read_devices(devs, 4) != 2 ||
	    devs[0].speed_mts * devs[0].width == devs[1].speed_mts * devs[1].width)
		return -1;
	*slow = devs[0].speed_mts * devs[0].width < devs[1].speed_mts * devs[1].width ?
		&devs[0] : &devs[1];
	*fast = *slow == &devs[0] ? &devs[1] : &devs[0];
	return 0;
}

/*
 * In a child that joins CPUSET: set_mempolicy(MPOL_BIND |
 * MPOL_F_ZONE_EXMEM, @nodes). 0, the errno value, or -1.
 */
static int zone_bind_in_cpuset(unsigned long nodes)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		if (exmem_memcg_join(CPUSET))
			_exit(100);
		_exit(syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_ZONE_EXMEM,
			      &nodes, MAXNODE) ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(cpuset) {
	struct dev_class devs[4], *slow, *fast;
};

FIXTURE_SETUP(cpuset)
{
	char mems[32];

	ASSERT_EQ(0, pick_classes(self->devs, &self->slow, &self->fast));
	/* Node 0 is DRAM: the boot's only node with CPUs. */
	ASSERT_EQ(0, exmem_node_mask() & 1);
	ASSERT_EQ(0, exmem_memcg_create(CPUSET));
	ASSERT_EQ(0, exmem_write_file("/sys/fs/cgroup/cgroup.subtree_control",
				      "+cpuset"));
	snprintf(mems, sizeof(mems), "0,%ld", self->fast->node);
	ASSERT_EQ(0, exmem_write_file(CPUSET "/cpuset.mems", mems));
}

FIXTURE_TEARDOWN(cpuset)
{
	/* Its tasks were the test's children, all gone. */
	EXPECT_EQ(0, rmdir(CPUSET));
}

/*
 * A zone rule never widens a node rule, with two ExMem nodes: in a cpuset
 * of DRAM and the fast node, a bind set of DRAM and the slow node leaves
 * the task no ExMem it may use. It is refused with ENODEV, as a zone flag
 * in a cpuset without ExMem is. The same bind with the cpuset's own ExMem
 * node is taken; a bind set the cpuset empties stays upstream's EINVAL.
 */
TEST_F(cpuset, zone_bind_set_whose_exmem_node_the_cpuset_excludes_is_enodev)
{
	unsigned long slow = 1UL << self->slow->node;
	unsigned long fast = 1UL << self->fast->node;

	EXPECT_EQ(0, zone_bind_in_cpuset(1 | fast));
	EXPECT_EQ(ENODEV, zone_bind_in_cpuset(1 | slow));
	EXPECT_EQ(EINVAL, zone_bind_in_cpuset(slow));
}

/*
 * Aggregated devices of different memory types. With the tolerance at
 * 100%, the fast device unplugged and added again joins the slow class's
 * node (the slow class came first: this boot probes the slow device
 * first). memory-tiers counts a node's devices only under the node's one
 * memory type, so the joiner must take the class's type: else unplugging
 * the first device of the class clears the node's type while the other
 * device's memory is still in it, and offlining that memory then
 * dereferences NULL in clear_node_memory_tier() (review F1).
 */
FIXTURE(refcount) {
	struct dev_class devs[4], *slow, *fast;
	unsigned long slow_first, slow_nr, fast_first, fast_nr;
	int slow_tier, fast_tier;
	char tolerance[32];
};

FIXTURE_SETUP(refcount)
{
	ASSERT_EQ(0, pick_classes(self->devs, &self->slow, &self->fast));
	ASSERT_EQ(0, exmem_dax_block_range(self->slow->name, &self->slow_first,
					   &self->slow_nr));
	ASSERT_EQ(0, exmem_dax_block_range(self->fast->name, &self->fast_first,
					   &self->fast_nr));
	ASSERT_EQ(0, exmem_read_file(TOLERANCE, self->tolerance,
				     sizeof(self->tolerance)));
	self->slow_tier = exmem_memory_tier(self->slow->node);
	self->fast_tier = exmem_memory_tier(self->fast->node);
	ASSERT_GT(self->slow_tier, self->fast_tier);
}

/* The device's logical node (its ExMem directory's node), or -1. */
static long dev_node(const struct dev_class *dev)
{
	return dev_attr(dev->name, "node");
}

/*
 * The boot's layout again, whatever step failed: both devices out of
 * joined nodes, the tolerance restored, then the slow device first (its
 * own class) and the fast one (its own class again at the tolerance).
 */
FIXTURE_TEARDOWN_PARENT(refcount)
{
	if (exmem_dax_bound(self->fast->name) &&
	    dev_node(self->fast) != self->fast->node)
		EXPECT_EQ(0, exmem_dax_unplug(self->fast->name, self->fast_first,
					      self->fast_nr));
	EXPECT_EQ(0, exmem_write_file(TOLERANCE, self->tolerance));
	EXPECT_EQ(0, exmem_dax_restore(self->slow->name, self->slow_first,
				       self->slow_nr));
	EXPECT_EQ(0, exmem_dax_restore(self->fast->name, self->fast_first,
				       self->fast_nr));
	EXPECT_EQ(self->slow->node, dev_node(self->slow));
	EXPECT_EQ(self->fast->node, dev_node(self->fast));
}

/* Adding and offlining a 512 MiB device under TCG: minutes, not seconds. */
TEST_F_TIMEOUT(refcount, aggregation_refcount_holds_through_unplug_of_either_device_in_any_order,
	       900)
{
	int node = self->slow->node;
	unsigned long long both = self->slow->capacity + self->fast->capacity;

	/* The fast device joins the slow class's node, in the slow tier. */
	ASSERT_EQ(0, exmem_write_file(TOLERANCE, "100"));
	ASSERT_EQ(0, exmem_dax_unplug(self->fast->name, self->fast_first,
				      self->fast_nr));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", self->fast->name));
	ASSERT_EQ(node, dev_node(self->fast));
	EXPECT_EQ(1UL << node, exmem_cpuless_nodes());
	EXPECT_EQ(both, exmem_present_on(node) * 4096ULL);
	EXPECT_EQ(self->slow_tier, exmem_memory_tier(node));

	/* The class's first device leaves; the node keeps the other's memory. */
	ASSERT_EQ(0, exmem_dax_unplug(self->slow->name, self->slow_first,
				      self->slow_nr));
	EXPECT_EQ(self->fast->capacity, exmem_present_on(node) * 4096ULL);
	EXPECT_EQ(self->slow_tier, exmem_memory_tier(node));

	/* The node's last memory goes offline: it leaves its tier, no oops. */
	ASSERT_EQ(0, exmem_blocks_offline(self->fast_first, self->fast_nr));
	EXPECT_EQ(-1, exmem_memory_tier(node));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/unbind", self->fast->name));
	EXPECT_EQ(0, exmem_cpuless_nodes());

	/* Added again in the other order: one node, back in the slow tier. */
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", self->fast->name));
	ASSERT_EQ(node, dev_node(self->fast));
	EXPECT_EQ(self->slow_tier, exmem_memory_tier(node));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", self->slow->name));
	ASSERT_EQ(node, dev_node(self->slow));
	EXPECT_EQ(both, exmem_present_on(node) * 4096ULL);
	EXPECT_EQ(self->slow_tier, exmem_memory_tier(node));

	/*
	 * At the boot's tolerance the fast device, added again, is of its
	 * own class on its own node, in its own tier: its firmware node's
	 * memory type was not left behind by the joined node's.
	 */
	ASSERT_EQ(0, exmem_dax_unplug(self->fast->name, self->fast_first,
				      self->fast_nr));
	ASSERT_EQ(0, exmem_write_file(TOLERANCE, self->tolerance));
	ASSERT_EQ(0, exmem_write_file(EXMEM_KMEM "/bind", self->fast->name));
	EXPECT_EQ(self->fast->node, dev_node(self->fast));
	EXPECT_EQ(self->fast_tier, exmem_memory_tier(self->fast->node));
	EXPECT_EQ(self->slow_tier, exmem_memory_tier(node));
	EXPECT_EQ(self->slow->capacity, exmem_present_on(node) * 4096ULL);
}

TEST_HARNESS_MAIN
