// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: /sys/kernel/mm/exmem/devices/<dev>/free_bytes is 0444, so
 * any user may read it in a loop. Its value is the device's share of what
 * the page allocator holds free in ZONE_EXMEM, and reading it costs the
 * reader only: readers without privileges, reading as fast as they can
 * while a block of the device goes offline and online again, get every
 * answer within a bound, and the offlines and onlines still succeed. The
 * debug kernel (make stress) adds lockdep's view of the walk against
 * memory hotplug, and RCU's: the walk holds no RCU read section.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"
#include "exmem_cxl.h"

#define READERS		4
/* Offline+online cycles of one block, read all along by the readers. */
#define CYCLES		5
/* Generous: a read of a 1 GiB device takes well under a millisecond. */
#define READ_BOUND_NS	(2ULL * 1000 * 1000 * 1000)
#define NOBODY		65534
/* ExMem in use while free_bytes is compared with the zone. */
#define USED		(64UL << 20)

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Sum of free_bytes over every ExMem device, or -1. */
static long long devices_free_bytes(void)
{
	DIR *d = opendir(EXMEM_DEVICES);
	struct dirent *de;
	long long sum = 0;
	long v;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		v = exmem_dev_long(de->d_name, "free_bytes");
		if (v < 0) {
			sum = -1;
			break;
		}
		sum += v;
	}
	closedir(d);
	return sum;
}

/*
 * A reader without privileges: reads free_bytes of every device until its
 * parent stops it with SIGTERM. Exits 1 if a read failed, 2 if one took
 * longer than READ_BOUND_NS.
 */
static void reader(void)
{
	unsigned long long t;

	if (setgid(NOBODY) || setuid(NOBODY))
		_exit(4);
	for (;;) {
		t = now_ns();
		if (devices_free_bytes() < 0)
			_exit(1);
		if (now_ns() - t > READ_BOUND_NS)
			_exit(2);
	}
}

/* Stop the readers and collect their verdicts: 0 if all were fine. */
static int stop_readers(const pid_t *pids, int n)
{
	int i, status, bad = 0;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i])
			bad++;
		else if (WIFEXITED(status) && WEXITSTATUS(status))
			bad++;
		else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
			bad++;
	}
	return bad;
}

/* USED bytes of ExMem in use (written: QEMU's CXL memory is slow). */
FIXTURE(used)
{
	char *buf;
};

FIXTURE_SETUP(used)
{
	self->buf = exmem_map_touched(USED, MAP_EXMEM);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(used)
{
	if (self->buf)
		munmap(self->buf, USED);
}

/*
 * The devices' free_bytes add up to ZONE_EXMEM's free pages in
 * /proc/zoneinfo (both count the buddy allocator's free lists, neither the
 * per-CPU lists), within what other tasks allocate between the two reads;
 * with USED bytes of ExMem in use, so that a file that showed the
 * capacity instead would fail.
 */
TEST_F_TIMEOUT(used, free_bytes_adds_up_to_the_zone_free_pages, 300)
{
	unsigned long present = exmem_zone_present("ExMem") * 4096UL;
	unsigned long zone = exmem_zone_free("ExMem") * 4096UL;
	long long devs = devices_free_bytes();
	long long slack = (4LL << 20) + zone / 100;

	TH_LOG("ZONE_EXMEM present %lu MiB, free %lu MiB, devices' free_bytes %lld MiB",
	       present >> 20, zone >> 20, devs >> 20);
	ASSERT_GT(zone, 0);
	ASSERT_GE(devs, 0);
	EXPECT_LE(zone + USED, present);
	EXPECT_LE(devs, (long long)zone + slack);
	EXPECT_GE(devs, (long long)zone - slack);
}

/* One ExMem block to take offline; online again in teardown. */
FIXTURE(block)
{
	char name[32];
};

FIXTURE_SETUP(block)
{
	ASSERT_EQ(0, exmem_find_block("ExMem", self->name, sizeof(self->name)));
}

FIXTURE_TEARDOWN(block)
{
	char state[32];

	if (!exmem_block_attr(self->name, "state", state, sizeof(state)) &&
	    !strcmp(state, "offline"))
		EXPECT_EQ(0, exmem_block_set_state(self->name, "online_exmem"));
}

/*
 * READERS unprivileged readers read every device's free_bytes in a loop
 * while one ExMem block goes offline and online CYCLES times: every read
 * answers within READ_BOUND_NS, every offline and online succeeds.
 */
TEST_F_TIMEOUT(block, free_bytes_readers_stay_bounded_while_it_goes_offline, 600)
{
	pid_t pids[READERS];
	int i, n;

	for (n = 0; n < READERS; n++) {
		pids[n] = fork();
		if (!pids[n])
			reader();
		if (pids[n] < 0)
			break;
	}
	for (i = 0; i < CYCLES && n == READERS; i++) {
		EXPECT_EQ(0, exmem_block_set_state(self->name, "offline"))
			TH_LOG("offline %s, cycle %d", self->name, i);
		EXPECT_EQ(0, exmem_block_set_state(self->name, "online_exmem"))
			TH_LOG("online %s, cycle %d", self->name, i);
	}
	EXPECT_EQ(0, stop_readers(pids, n))
		TH_LOG("a reader failed or was slower than %llu ms",
		       READ_BOUND_NS / 1000000);
	ASSERT_EQ(READERS, n);
}

TEST_HARNESS_MAIN
