// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: kernel allocations reach ZONE_EXMEM only when they ask
 * with __GFP_EXMEM and are movable; __GFP_NOEXMEM keeps them out; every
 * request that is not movable stays out, __GFP_EXMEM or not. A task's
 * mempolicy zone flag steers the movable allocations made in its context,
 * but not those that reclaim makes there.
 *
 * The kernel's debugfs hook exmem/alloc_test allocates N pages with the
 * named flags and reports the zone of each page it got.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define NR 2000

FIXTURE(gfp)
{
	char saved_default[32];
};

FIXTURE_SETUP(gfp)
{
	ASSERT_EQ(0, access(EXMEM_ALLOC_TEST, W_OK))
		TH_LOG("no %s (CONFIG_DEBUG_FS?)", EXMEM_ALLOC_TEST);
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file("/proc/sys/vm/exmem_user_default",
				     self->saved_default, sizeof(self->saved_default)));
}

FIXTURE_TEARDOWN(gfp)
{
	exmem_set_vm_sysctl("exmem_user_default", self->saved_default);
}

TEST_F(gfp, gfp_exmem_is_served_from_exmem_only)
{
	struct exmem_alloc_counts c;

	ASSERT_EQ(0, exmem_alloc_test("exmem", NR, &c));
	EXPECT_EQ(NR, c.exmem);
	EXPECT_EQ(0, c.other);
	EXPECT_EQ(0, c.failed);
}

TEST_F(gfp, gfp_noexmem_never_uses_exmem_even_when_preferred)
{
	struct exmem_alloc_counts c;

	/* "prefer" sends plain movable requests to ExMem first... */
	ASSERT_EQ(0, exmem_set_vm_sysctl("exmem_user_default", "prefer"));
	ASSERT_EQ(0, exmem_alloc_test("movable", NR, &c));
	EXPECT_EQ(NR, c.exmem);
	/* ...but not those with __GFP_NOEXMEM. */
	ASSERT_EQ(0, exmem_alloc_test("noexmem", NR, &c));
	EXPECT_EQ(0, c.exmem);
	EXPECT_EQ(NR, c.other);
}

TEST_F(gfp, kernel_requests_never_use_exmem)
{
	long refused = exmem_vmstat("exmem_gfp_refused");
	struct exmem_alloc_counts c;

	ASSERT_EQ(0, exmem_set_vm_sysctl("exmem_user_default", "prefer"));
	ASSERT_EQ(0, exmem_alloc_test("kernel", NR, &c));
	EXPECT_EQ(0, c.exmem);
	EXPECT_EQ(NR, c.other);
	/* __GFP_EXMEM on GFP_KERNEL: refused, served from ordinary zones. */
	ASSERT_EQ(0, exmem_alloc_test("kernel_exmem", NR, &c));
	EXPECT_EQ(0, c.exmem);
	EXPECT_EQ(NR, c.other);
	EXPECT_LE(refused + NR, exmem_vmstat("exmem_gfp_refused"));
	/* Both bits: a caller error, ExMem excluded. */
	ASSERT_EQ(0, exmem_alloc_test("both", NR, &c));
	EXPECT_EQ(0, c.exmem);
	EXPECT_EQ(NR, c.other);
}

TEST_F(gfp, misuse_is_logged_with_the_flag_names)
{
	static char log[1 << 20];
	struct exmem_alloc_counts c;
	int len;

	ASSERT_EQ(0, exmem_alloc_test("kernel_exmem", 1, &c));
	/* SYSLOG_ACTION_READ_ALL */
	len = klogctl(3, log, sizeof(log) - 1);
	ASSERT_GT(len, 0);
	log[len] = '\0';
	EXPECT_NE(NULL, strstr(log, "exmem: __GFP_EXMEM needs a movable request (GFP_KERNEL|"));
	EXPECT_NE(NULL, strstr(log, "|__GFP_EXMEM)"));
}

/*
 * A task's MPOL_F_ZONE_* flag steers the movable allocations made in its
 * context, but not those reclaim makes there (PF_MEMALLOC: zram's
 * compressed pages when the task reclaims directly). They belong to the
 * system and follow vm.exmem_user_default. The harness runs each test in a
 * child of its own, so the policy set here ends with the test.
 */
TEST_F(gfp, task_zone_policy_does_not_steer_what_reclaim_allocates)
{
	struct exmem_alloc_counts c;

	/* The sysctl keeps plain movable requests out; the policy wins. */
	ASSERT_EQ(0, exmem_set_vm_sysctl("exmem_user_default", "never"));
	ASSERT_EQ(0, syscall(SYS_set_mempolicy, MPOL_LOCAL | MPOL_F_ZONE_EXMEM,
			     NULL, 0));
	ASSERT_EQ(0, exmem_alloc_test("movable", NR, &c));
	EXPECT_EQ(NR, c.exmem);
	ASSERT_EQ(0, exmem_alloc_test("movable_reclaim", NR, &c));
	EXPECT_EQ(0, c.exmem);
	EXPECT_EQ(NR, c.other);

	/* The sysctl sends them to ExMem; the policy keeps them out. */
	ASSERT_EQ(0, exmem_set_vm_sysctl("exmem_user_default", "prefer"));
	ASSERT_EQ(0, syscall(SYS_set_mempolicy,
			     MPOL_LOCAL | MPOL_F_ZONE_NOEXMEM, NULL, 0));
	ASSERT_EQ(0, exmem_alloc_test("movable", NR, &c));
	EXPECT_EQ(0, c.exmem);
	EXPECT_EQ(NR, c.other);
	ASSERT_EQ(0, exmem_alloc_test("movable_reclaim", NR, &c));
	EXPECT_EQ(NR, c.exmem);
	EXPECT_EQ(0, c.failed);
}

TEST_F(gfp, alloc_test_rejects_bad_input)
{
	EXPECT_EQ(-EINVAL, exmem_write_file(EXMEM_ALLOC_TEST, "nosuchcase 10"));
	EXPECT_EQ(-EINVAL, exmem_write_file(EXMEM_ALLOC_TEST, "exmem 0"));
	EXPECT_EQ(-EINVAL, exmem_write_file(EXMEM_ALLOC_TEST, "exmem"));
	EXPECT_EQ(-EINVAL, exmem_write_file(EXMEM_ALLOC_TEST, "exmem 100000000"));
	EXPECT_EQ(-EINVAL, exmem_write_file(EXMEM_ALLOC_TEST, "exmem 65537"));
	/* Reclaim's allocations may use the reserves: 4096 pages at most. */
	EXPECT_EQ(-EINVAL, exmem_write_file(EXMEM_ALLOC_TEST, "movable_reclaim 4097"));
	EXPECT_EQ(0, exmem_write_file(EXMEM_ALLOC_TEST, "movable_reclaim 4096"));
}

TEST_HARNESS_MAIN
