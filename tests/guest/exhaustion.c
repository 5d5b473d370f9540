// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: running out of ExMem is a constrained out-of-memory
 * condition, like running out of the nodes of an MPOL_BIND policy. An
 * ExMem-only request (MAP_EXMEM, MPOL_F_ZONE_EXMEM, GFP_EXMEM) that
 * ExMem cannot serve reclaims only ExMem and, when that frees nothing,
 * kills a task that holds ExMem:
 *
 *  - a bystander that holds no ExMem survives with its data, even when
 *    the OOM killer would prefer it (oom_score_adj 1000);
 *  - the page cache in DRAM is not reclaimed for it;
 *  - the kernel log reports a constrained OOM, never CONSTRAINT_NONE, and
 *    vm.panic_on_oom=1 does not panic the machine;
 *  - GFP_EXMEM | __GFP_NORETRY fails fast, with no page outside ExMem and
 *    no DRAM page cache reclaimed.
 *
 * ExMem is shown to be full (its free pages, sampled while the hog runs),
 * not assumed. To keep the fills short (emulated CXL memory is slow to
 * write under TCG), each test first offlines all but EXMEM_FILL_KEEP of the
 * ExMem memory blocks, and onlines them again afterwards.
 *
 * Every OOM report the tests cause lies between the markers
 * "exmem-test: expect oom begin/end" in the kernel log: scripts/test.sh
 * accepts the stack dump of an OOM report there, and nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define MIB		(1UL << 20)
/* The DRAM page cache that must survive: a loop device read once. */
#define CACHE		(64 * MIB)
#define CACHE_FILE	"/tmp/exhaustion.img"
/* The bystander: DRAM only, the OOM killer's favourite. */
#define BYSTANDER	(64 * MIB)
/* How long a hog may take to be stopped; its expiry fails the test. */
#define HOG_TIMEOUT_S	600

#ifndef MPOL_LOCAL
#define MPOL_LOCAL	4
#endif

/* Page cache pages (the file LRUs), in kB, from /proc/meminfo. */
static long file_lru_kb(void)
{
	char key[64];
	long val, sum = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld kB\n", key, &val) == 2)
		if (!strcmp(key, "Active(file):") ||
		    !strcmp(key, "Inactive(file):"))
			sum += val;
	fclose(f);
	return sum;
}

/* Free pages of the ExMem zones. */
static unsigned long exmem_free(void)
{
	return exmem_zone_free("ExMem");
}

/*
 * Clean page cache in DRAM: a sparse CACHE-byte file behind a loop device,
 * read once through the device. Returns the loop device's fd, or -errno.
 */
static int cache_create(void)
{
	int ctl, file, dev, nr;
	char name[32], *buf;
	ssize_t r;

	file = open(CACHE_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (file < 0)
		return -errno;
	if (ftruncate(file, CACHE))
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0)
		return -errno;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (nr < 0)
		return -errno;
	snprintf(name, sizeof(name), "/dev/loop%d", nr);
	dev = open(name, O_RDONLY);
	if (dev < 0)
		return -errno;
	if (ioctl(dev, LOOP_SET_FD, file))
		return -errno;
	close(file);
	buf = malloc(MIB);
	if (!buf)
		return -ENOMEM;
	do
		r = read(dev, buf, MIB);
	while (r > 0);
	free(buf);
	return r < 0 ? -errno : dev;
}

static void cache_destroy(int dev)
{
	if (dev >= 0) {
		ioctl(dev, LOOP_CLR_FD, 0);
		close(dev);
	}
	unlink(CACHE_FILE);
}

/*
 * A child that holds BYSTANDER bytes of DRAM (MAP_NORMAL) with a pattern
 * in them and oom_score_adj 1000. It waits until @fd's write end closes,
 * then exits 0 if its data is intact. Returns its pid.
 */
static pid_t bystander_start(int fd[2])
{
	pid_t pid;
	char c, *p;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid)
		return pid;
	close(fd[1]);
	p = mmap(NULL, BYSTANDER, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORMAL, -1, 0);
	if (p == MAP_FAILED)
		_exit(10);
	exmem_fill_pattern(p, BYSTANDER);
	if (exmem_write_file("/proc/self/oom_score_adj", "1000"))
		_exit(11);
	while (read(fd[0], &c, 1) > 0)
		;
	_exit(exmem_bad_words(p, BYSTANDER) ? 12 : 0);
}

/* How a hog asks for ExMem. */
enum hog_kind {
	HOG_MAP_EXMEM,		/* mmap(MAP_EXMEM) */
	HOG_MPOL_ZONE,		/* set_mempolicy(MPOL_LOCAL | MPOL_F_ZONE_EXMEM) */
};

/*
 * A child that faults in 1.5 times the ExMem there is, ExMem-only, then
 * exits 0: it must never get there. Returns its pid.
 */
static pid_t hog_start(enum hog_kind kind, size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	pid_t pid = fork();
	size_t i;
	char *p;

	if (pid)
		return pid;
	if (kind == HOG_MPOL_ZONE &&
	    syscall(SYS_set_mempolicy, MPOL_LOCAL | MPOL_F_ZONE_EXMEM, NULL, 0))
		_exit(20);
	if (kind == HOG_MAP_EXMEM)
		flags |= MAP_EXMEM;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		_exit(21);
	for (i = 0; i < len; i += 4096)
		p[i] = 1;
	_exit(0);
}

/* What happened while a hog ran. */
struct outcome {
	int hog_status;		/* its wait status */
	bool hog_stopped;	/* it ended within HOG_TIMEOUT_S */
	int bystander_status;
	long cache_before_kb, cache_after_kb;
	unsigned long exmem_free_min;	/* pages, sampled while it ran */
	double full_after_s;	/* when ExMem first had under 2% free */
	double stopped_after_s;	/* when the hog ended */
	long stalls, compact_stalls, scanned;	/* vmstat deltas */
	char *klog;		/* the kernel log since it started */
};

/* Seconds from @t0 to now (CLOCK_MONOTONIC). */
static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Direct reclaim stalls of movable allocations, and compaction stalls. */
static void reclaim_counts(long *stalls, long *compact, long *scanned)
{
	*stalls = exmem_vmstat("allocstall_movable");
	*compact = exmem_vmstat("compact_stall");
	*scanned = exmem_vmstat("pgscan_direct") + exmem_vmstat("pgscan_kswapd");
}

/*
 * Run a hog of @kind with a bystander and the DRAM page cache in place;
 * sample ExMem's free pages until the hog ends (bounded), then let the
 * bystander check its data.
 */
static void run_hog(struct __test_metadata *_metadata, enum hog_kind kind,
		    struct outcome *o)
{
	unsigned long present = exmem_zone_present("ExMem");
	size_t len = present * 4096 / 2 * 3;
	long stalls, compact, scanned;
	struct timespec t0;
	int fd[2], dev;
	pid_t by, hog;

	memset(o, 0, sizeof(*o));
	o->exmem_free_min = exmem_free();
	dev = cache_create();
	ASSERT_LE(0, dev) TH_LOG("loop device page cache: %s", strerror(-dev));
	by = bystander_start(fd);
	ASSERT_LT(0, by);
	close(fd[0]);
	o->cache_before_kb = file_lru_kb();

	exmem_klog_mark("expect oom begin");
	reclaim_counts(&stalls, &compact, &scanned);
	hog = hog_start(kind, len);
	ASSERT_LT(0, hog);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned long f = exmem_free();
		pid_t w = waitpid(hog, &o->hog_status, WNOHANG);

		if (f < o->exmem_free_min)
			o->exmem_free_min = f;
		if (!o->full_after_s && f < present / 50)
			o->full_after_s = since(&t0);
		if (w == hog) {
			o->hog_stopped = true;
			break;
		}
		if (since(&t0) > HOG_TIMEOUT_S)
			break;
		usleep(100 * 1000);
	}
	o->stopped_after_s = since(&t0);
	reclaim_counts(&o->stalls, &o->compact_stalls, &o->scanned);
	o->stalls -= stalls;
	o->compact_stalls -= compact;
	o->scanned -= scanned;
	if (!o->hog_stopped) {
		kill(hog, SIGKILL);
		waitpid(hog, &o->hog_status, 0);
	}
	exmem_klog_mark("expect oom end");
	o->cache_after_kb = file_lru_kb();
	o->klog = exmem_klog_since("exmem-test: expect oom begin");

	close(fd[1]);
	waitpid(by, &o->bystander_status, 0);
	cache_destroy(dev);
	TH_LOG("hog of %zu MiB: %s %d; ExMem free min %lu of %lu pages",
	       len / MIB, WIFSIGNALED(o->hog_status) ? "signal" : "exit",
	       WIFSIGNALED(o->hog_status) ? WTERMSIG(o->hog_status) :
					    WEXITSTATUS(o->hog_status),
	       o->exmem_free_min, exmem_zone_present("ExMem"));
	TH_LOG("DRAM page cache %ld kB before, %ld kB after",
	       o->cache_before_kb, o->cache_after_kb);
	TH_LOG("ExMem full after %.1f s, hog stopped after %.1f s",
	       o->full_after_s, o->stopped_after_s);
	TH_LOG("reclaim stalls %ld, compaction stalls %ld, pages scanned %ld",
	       o->stalls, o->compact_stalls, o->scanned);
}

/* The verdicts every exhaustion case shares. */
static void check_constrained(struct __test_metadata *_metadata,
			      struct outcome *o)
{
	unsigned long present = exmem_zone_present("ExMem");

	ASSERT_TRUE(o->hog_stopped) TH_LOG("the hog ran %d s", HOG_TIMEOUT_S);
	/* ExMem was full: shown by its free pages, not assumed. */
	EXPECT_LT(o->exmem_free_min, present / 50);
	/* The hog asked for more than there is: it must not have finished. */
	EXPECT_TRUE(WIFSIGNALED(o->hog_status) &&
		    WTERMSIG(o->hog_status) == SIGKILL);
	/* The bystander holds no ExMem: it survives with its data. */
	EXPECT_TRUE(WIFEXITED(o->bystander_status) &&
		    !WEXITSTATUS(o->bystander_status))
		TH_LOG("bystander: %s %d", WIFSIGNALED(o->bystander_status) ?
		       "killed by signal" : "exit status",
		       WIFSIGNALED(o->bystander_status) ?
		       WTERMSIG(o->bystander_status) :
		       WEXITSTATUS(o->bystander_status));
	/* DRAM's page cache was not reclaimed for ExMem. */
	EXPECT_GE(o->cache_after_kb, o->cache_before_kb * 9 / 10);
	ASSERT_NE(NULL, o->klog);
	EXPECT_NE(NULL, strstr(o->klog, "constraint=CONSTRAINT_MEMORY_POLICY"));
	EXPECT_EQ(NULL, strstr(o->klog, "constraint=CONSTRAINT_NONE"));
	free(o->klog);
}

FIXTURE(exhaustion)
{
	char panic_on_oom[16];
	char offlined[4096];	/* the blocks exmem_shrink() offlined */
	unsigned long exmem_free;
};

FIXTURE_SETUP(exhaustion)
{
	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	ASSERT_EQ(0, exmem_read_file("/proc/sys/vm/panic_on_oom",
				     self->panic_on_oom,
				     sizeof(self->panic_on_oom)));
	exmem_shrink(EXMEM_FILL_KEEP, self->offlined, sizeof(self->offlined));
	TH_LOG("ExMem for the test: %lu MiB (offlined: %s)",
	       exmem_zone_present("ExMem") >> 8, self->offlined);
	self->exmem_free = exmem_free();
}

/* Whether ExMem has its pages back (the hog's memory was freed). */
static bool exmem_refilled(void *arg)
{
	return exmem_free() >= *(unsigned long *)arg;
}

/* In the parent: it restores even when the test process was killed. */
FIXTURE_TEARDOWN_PARENT(exhaustion)
{
	unsigned long want = self->exmem_free * 9 / 10;

	exmem_set_vm_sysctl("panic_on_oom", self->panic_on_oom);
	/* Nothing lost: the killed hog's ExMem comes back. */
	EXPECT_TRUE(exmem_wait_until(exmem_refilled, &want, 120, 200));
	EXPECT_EQ(0, exmem_set_state_list(self->offlined, "online_exmem"));
}

TEST_F_TIMEOUT(exhaustion, exhaustion_map_exmem_is_a_constrained_oom, 600)
{
	struct outcome o;

	run_hog(_metadata, HOG_MAP_EXMEM, &o);
	check_constrained(_metadata, &o);
}

TEST_F_TIMEOUT(exhaustion, exhaustion_mpol_zone_exmem_is_a_constrained_oom, 600)
{
	struct outcome o;

	run_hog(_metadata, HOG_MPOL_ZONE, &o);
	check_constrained(_metadata, &o);
}

/*
 * GFP_EXMEM | __GFP_NORETRY with ExMem held full by a locked MAP_EXMEM
 * filler: the allocations that find no ExMem fail, none is served from
 * another zone, and DRAM's page cache is not reclaimed for them.
 */
TEST_F_TIMEOUT(exhaustion, exhaustion_gfp_exmem_noretry_fails_without_dram_reclaim, 600)
{
	unsigned long headroom = 16 * MIB / 4096, nr;
	struct exmem_alloc_counts got;
	long before, after;
	unsigned long free_pages = exmem_free();
	int fd[2], dev, status;
	pid_t filler;
	char c;

	ASSERT_EQ(0, access(EXMEM_ALLOC_TEST, W_OK));
	ASSERT_LT(headroom, free_pages);
	ASSERT_EQ(0, pipe(fd));
	filler = fork();
	ASSERT_LE(0, filler);
	if (!filler) {
		close(fd[0]);
		if (mmap(NULL, (free_pages - headroom) * 4096,
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_POPULATE | MAP_LOCKED | MAP_EXMEM, -1, 0) == MAP_FAILED)
			_exit(1);
		close(fd[1]);
		pause();
		_exit(0);
	}
	close(fd[1]);
	ASSERT_EQ(0, read(fd[0], &c, 1));	/* the filler holds ExMem */
	close(fd[0]);
	ASSERT_EQ(0, waitpid(filler, &status, WNOHANG))
		TH_LOG("the filler could not lock %lu pages of ExMem",
		       free_pages - headroom);
	dev = cache_create();
	ASSERT_LE(0, dev);
	before = file_lru_kb();
	/* Twice the headroom: half of the requests must fail. */
	nr = 2 * headroom;
	EXPECT_EQ(0, exmem_alloc_test("exmem", nr, &got));
	after = file_lru_kb();
	kill(filler, SIGKILL);
	waitpid(filler, &status, 0);
	cache_destroy(dev);
	TH_LOG("%lu GFP_EXMEM|__GFP_NORETRY pages: %lu ExMem, %lu elsewhere, %lu failed",
	       nr, got.exmem, got.other, got.failed);
	TH_LOG("DRAM page cache %ld kB before, %ld kB after", before, after);
	EXPECT_EQ(0, got.other);
	EXPECT_LT(0, got.failed);
	EXPECT_GE(after, before * 9 / 10);
}

/*
 * The first case once more with vm.panic_on_oom=1, which panics on an
 * unconstrained OOM: the guest lives on. Last, so that a kernel that does
 * panic has run the other cases first.
 */
TEST_F_TIMEOUT(exhaustion, exhaustion_panic_on_oom_does_not_panic, 600)
{
	struct outcome o;

	ASSERT_EQ(0, exmem_set_vm_sysctl("panic_on_oom", "1"));
	run_hog(_metadata, HOG_MAP_EXMEM, &o);
	check_constrained(_metadata, &o);
}

TEST_HARNESS_MAIN
