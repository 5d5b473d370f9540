// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: on a region interleaved across two CXL devices, poison
 * that one device reports reaches exactly the host pages that hold that
 * device's poisoned granules, and no page of the other device between
 * them. A device's poison list speaks in device addresses (DPA); DPA-
 * contiguous memory of a 2-way region is spread over host memory one
 * granule of each device in turn, so a record longer than a granule must
 * be translated granule by granule (review F6: the length was applied as
 * a contiguous host range, poisoning the other device's healthy pages and
 * missing the device's own).
 *
 * This test runs in a boot of its own (scripts/test.sh): QEMU gives one
 * CXL window interleaved across both host bridges with 4 KiB granules
 * (EXMEM_INTERLEAVE=1), and cxl-setup.sh makes one region of both
 * devices, so that a granule is a page.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

/* The run of host pages the test poisons half of: 256 KiB. */
#define RUN_PAGES	64

struct expect {
	const struct exmem_cxl_dev *d;
	unsigned long pfn;
};

/* Is every page of the run that is on the device poisoned? */
static bool device_pages_poisoned(void *arg)
{
	const struct expect *e = arg;
	unsigned long i;

	for (i = 0; i < RUN_PAGES; i++) {
		unsigned long long phys = (e->pfn + i) * 4096ULL;

		if (exmem_cxl_dpa(e->d, phys) != ULLONG_MAX &&
		    !exmem_hwpoisoned(e->pfn + i, 1))
			return false;
	}
	return true;
}

/* No state: the fixture only gives the test a longer timeout. */
FIXTURE(interleave) {
};

FIXTURE_SETUP(interleave) {}
FIXTURE_TEARDOWN(interleave) {}

TEST_F_TIMEOUT(interleave, poison_reaches_exactly_the_poisoned_granules, 300)
{
	struct exmem_cxl_dev devs[EXMEM_CXL_MAX];
	const struct exmem_cxl_dev *d;
	unsigned long long dpa;
	struct expect e;
	unsigned long i, mine = 0, other = 0;
	int n = exmem_cxl_devs(devs, EXMEM_CXL_MAX);

	/* This boot always has one region of two devices, 4 KiB granules. */
	ASSERT_EQ(2, n) TH_LOG("needs two CXL devices in the region, found %d", n);
	ASSERT_EQ(2, devs[0].ways);
	ASSERT_EQ(4096, devs[0].gran);
	ASSERT_EQ(devs[0].start, devs[1].start);
	ASSERT_NE(devs[0].pos, devs[1].pos);
	/* The second device in the region: its first granule is not at 0. */
	d = devs[0].pos == 1 ? &devs[0] : &devs[1];
	e.d = d;

	e.pfn = exmem_free_run(d->start / 4096, (d->start + d->size) / 4096,
			       RUN_PAGES);
	ASSERT_NE(0, e.pfn) TH_LOG("no free %d pages in the region", RUN_PAGES);
	ASSERT_EQ(0, exmem_hwpoisoned(e.pfn - 1, RUN_PAGES + 2));
	/* The device's half of the run is one DPA range of 32 granules. */
	dpa = exmem_cxl_dpa(d, e.pfn * 4096ULL + d->gran);
	ASSERT_NE(ULLONG_MAX, dpa);
	ASSERT_EQ(e.pfn * 4096ULL + d->gran, exmem_cxl_hpa(d, dpa));
	TH_LOG("run PFN %#lx-%#lx; %s DPA %#llx + %d KiB", e.pfn,
	       e.pfn + RUN_PAGES - 1, d->qdev, dpa, RUN_PAGES / 2 * 4);

	ASSERT_EQ(0, exmem_cxl_inject_poison(d, dpa, RUN_PAGES / 2 * 4096));
	ASSERT_EQ(0, exmem_cxl_trigger_poison_list(d));
	EXPECT_TRUE(exmem_wait_until(device_pages_poisoned, &e, 120, 200));

	/* Exactly the device's pages: every other page is untouched. */
	for (i = 0; i < RUN_PAGES; i++) {
		bool on_d = exmem_cxl_dpa(d, (e.pfn + i) * 4096ULL) != ULLONG_MAX;
		bool poisoned = exmem_hwpoisoned(e.pfn + i, 1);

		if (on_d)
			mine += poisoned;
		else
			other += poisoned;
	}
	TH_LOG("poisoned: %lu of the device's %d pages, %lu of the other's",
	       mine, RUN_PAGES / 2, other);
	EXPECT_EQ(RUN_PAGES / 2, mine);
	EXPECT_EQ(0, other);
	EXPECT_EQ(0, exmem_hwpoisoned(e.pfn - 1, 1));
	EXPECT_EQ(0, exmem_hwpoisoned(e.pfn + RUN_PAGES, 1));
}

TEST_HARNESS_MAIN
