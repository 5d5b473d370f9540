// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: vm.exmem_user_default decides where ordinary user memory
 * (no flag, no policy) may go: "fallback" (default) uses ExMem only after
 * DRAM, "never" not at all, "prefer" first. Any other value is refused
 * with EINVAL and the setting is unchanged. Checked on the PFNs of real
 * user pages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define LEN (32UL << 20)
#define SYSCTL "/proc/sys/vm/exmem_user_default"

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

FIXTURE(user_default)
{
	char saved[32];
};

FIXTURE_SETUP(user_default)
{
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file(SYSCTL, self->saved, sizeof(self->saved)));
}

FIXTURE_TEARDOWN(user_default)
{
	exmem_write_file(SYSCTL, self->saved);
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

TEST_HARNESS_MAIN
