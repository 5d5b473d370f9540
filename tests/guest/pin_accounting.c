// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: what keeps an ExMem memory block from going offline is
 * the set of its pages that hold a long-term pin, counted exactly, in
 * pages, through every pin path (memoryN/exmem_pinned and each device's
 * "pinned" show it):
 * - legacy direct I/O (vfat, through __blockdev_direct_IO() and
 *   folio_add_pin()) takes short-term pins only: every count is as it was
 *   afterwards, and the block offlines;
 * - a short-term pin (an O_DIRECT read in flight) makes offline wait, as on
 *   ZONE_MOVABLE: offline succeeds once the I/O is done, without EBUSY;
 * - long-term pins taken by gup-fast (io_uring fixed buffers whose pages
 *   are present) are counted like those of the slow path;
 * - one THP registered in many buffers counts its pages once;
 * - the budget is in blocks: a page long-term pinned in another block of a
 *   device whose pin blocks are taken moves into a pin block first, and
 *   the other block stays unpluggable;
 * - the counts return to exactly 0 after unregistering, after the pinning
 *   process exits, after fork, munmap and mremap of a pinned range.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define PAGE		4096UL
#define MIB		(1UL << 20)
#define BUDGET		"exmem_pin_budget_pct"
/* vfat on a loop device on tmpfs: the legacy direct-I/O path. */
#define DIO_IMG		"/tmp/pin-dio.img"
#define DIO_DIR		"/tmp/pin-dio"
#define DIO_FILE	DIO_DIR "/data"
#define DIO_LEN		(8 * MIB)
/*
 * null_blk throttled to 1 MiB/s in 4 KiB requests (null_blk.mbps=1,
 * null_blk.max_sectors=8 on the command line): a 4 MiB read stays in
 * flight for about four seconds.
 */
#define NULLB		"/dev/nullb0"
#define NULLB_STAT	"/sys/block/nullb0/stat"
#define SLOW_LEN	(4 * MIB)

FIXTURE(pins)
{
	int ring;
	char saved_budget[16];
	long offlined;		/* block id + 1 that a test offlined, or 0 */
	char loop[32];		/* the loop device of DIO_DIR, once mounted */
};

/* Run a shell command made from @fmt; its exit status, -1 if it died. */
static int shell(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE_SETUP(pins)
{
	/* This guest always has ExMem online and io_uring built in. */
	ASSERT_NE(0, exmem_node_mask()) TH_LOG("no ExMem memory online");
	ASSERT_NE(0, exmem_block_pages());
	ASSERT_EQ(0, exmem_read_file("/proc/sys/vm/" BUDGET, self->saved_budget,
				     sizeof(self->saved_budget)));
	/*
	 * Every page may be pinned in place: these tests are about what is
	 * counted, not about where the budget sends pins.
	 */
	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "100"));
	self->ring = exmem_uring_setup();
	ASSERT_LE(0, self->ring) TH_LOG("io_uring_setup: %s", strerror(errno));
}

/*
 * In the parent, so that it runs when the test is killed too (its
 * timeout): the budget, the loop device and the offlined block are
 * restored whatever happened. The ring went with the test's process.
 */
FIXTURE_TEARDOWN_PARENT(pins)
{
	char block[32], state[32];

	if (self->loop[0]) {
		EXPECT_EQ(0, system("umount " DIO_DIR));
		EXPECT_EQ(0, shell("losetup -d %s", self->loop));
		unlink(DIO_IMG);
	}
	EXPECT_EQ(0, exmem_set_vm_sysctl(BUDGET, self->saved_budget));
	if (!self->offlined)
		return;
	snprintf(block, sizeof(block), "memory%ld", self->offlined - 1);
	if (!exmem_block_attr(block, "state", state, sizeof(state)) &&
	    !strcmp(state, "offline"))
		EXPECT_EQ(0, exmem_block_set_state(block, "online_exmem"));
}

/* Where the pages of @buf are: all present, all ExMem; their PFNs. */
static void expect_all_exmem(struct __test_metadata *_metadata,
			     const char *buf, size_t len, unsigned long *pfns)
{
	unsigned long in_exmem, present;

	ASSERT_EQ(0, exmem_count_pages(buf, len, &in_exmem, &present, pfns));
	ASSERT_EQ(len / PAGE, present);
	ASSERT_EQ(len / PAGE, in_exmem);
}

/* Register @nr copies of the buffer [@buf, @buf + @len) on @ring. */
static int register_buffer(int ring, void *buf, size_t len, unsigned int nr)
{
	struct iovec iov[256];
	unsigned int i;

	if (nr > ARRAY_SIZE(iov))
		return -1;
	for (i = 0; i < nr; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = len;
	}
	return exmem_uring_register(ring, IORING_REGISTER_BUFFERS, iov, nr);
}

static int unregister_buffers(int ring)
{
	return exmem_uring_register(ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
}

static bool no_pins_left(void *arg)
{
	return exmem_devices_pinned() == 0;
}

/* A vfat file system on a loop device, holding DIO_LEN of pattern. */
static void make_vfat_file(struct __test_metadata *_metadata,
			   FIXTURE_DATA(pins) *self)
{
	char *data = malloc(DIO_LEN), loop[32] = "";
	FILE *free_loop;
	int fd;

	ASSERT_NE(NULL, data);
	ASSERT_EQ(0, system("mkdir -p " DIO_DIR " && truncate -s 64M " DIO_IMG));
	free_loop = popen("losetup -f", "r");
	ASSERT_NE(NULL, free_loop);
	ASSERT_NE(NULL, fgets(loop, sizeof(loop), free_loop));
	pclose(free_loop);
	loop[strcspn(loop, "\n")] = '\0';
	ASSERT_EQ(0, shell("losetup %s %s", loop, DIO_IMG));
	ASSERT_EQ(0, shell("mkdosfs %s >/dev/null", loop));
	ASSERT_EQ(0, shell("mount -t vfat %s %s", loop, DIO_DIR));
	snprintf(self->loop, sizeof(self->loop), "%s", loop);
	exmem_fill_pattern(data, DIO_LEN);
	fd = open(DIO_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", DIO_FILE, strerror(errno));
	ASSERT_EQ(DIO_LEN, write(fd, data, DIO_LEN));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	free(data);
}

TEST_F(pins, gup_fast_longterm_pins_are_counted_like_the_slow_path)
{
	const size_t len = 64 * PAGE;
	unsigned long pfns[64], after[64];
	long inplace = exmem_vmstat("exmem_pin_inplace");
	long before = exmem_devices_pinned();
	char *buf = exmem_map_touched(len, MAP_EXMEM);

	ASSERT_NE(NULL, buf);
	expect_all_exmem(_metadata, buf, len, pfns);
	/* Every page is present: pin_user_pages_fast() pins them all. */
	ASSERT_EQ(0, register_buffer(self->ring, buf, len, 1));
	TH_LOG("pinned %ld -> %ld, exmem_pin_inplace +%ld", before,
	       exmem_devices_pinned(), exmem_vmstat("exmem_pin_inplace") - inplace);
	EXPECT_EQ(before + 64, exmem_devices_pinned());
	EXPECT_EQ(inplace + 64, exmem_vmstat("exmem_pin_inplace"));
	expect_all_exmem(_metadata, buf, len, after);
	EXPECT_EQ(0, memcmp(pfns, after, sizeof(pfns)));
	ASSERT_EQ(0, unregister_buffers(self->ring));
	EXPECT_EQ(before, exmem_devices_pinned());
}

/* A child's own 16 pages, registered on its own ring: how many stay ExMem. */
static long child_pins_in_exmem(void)
{
	int fd[2], status;
	long in = -1;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (!pid) {
		unsigned long in_exmem = 0, present;
		char *buf = exmem_map_touched(16 * PAGE, MAP_EXMEM);
		int ring = exmem_uring_setup();

		if (buf && ring >= 0 && !register_buffer(ring, buf, 16 * PAGE, 1)) {
			exmem_count_pages(buf, 16 * PAGE, &in_exmem, &present,
					  NULL);
			/* Now, not in the ring's asynchronous teardown. */
			unregister_buffers(ring);
		}
		in = in_exmem;
		_exit(write(fd[1], &in, sizeof(in)) == sizeof(in) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], &in, sizeof(in)) != sizeof(in))
		in = -1;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return in;
}

TEST_F(pins, reregister_one_thp_counts_its_pages_once)
{
	const size_t huge = 2 * MIB;
	struct exmem_where where;
	unsigned long pfn, in_exmem, present, id;
	long before = exmem_devices_pinned(), blk_before;
	char *map, *thp;

	map = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	thp = (char *)(((unsigned long)map + huge - 1) & ~(huge - 1));
	ASSERT_EQ(0, madvise(thp, huge, MADV_HUGEPAGE));
	memset(thp, 0x3c, huge);
	ASSERT_EQ(0, exmem_count_pages_of(0, thp, huge, &where));
	ASSERT_EQ(huge / PAGE, where.thp) TH_LOG("no THP in ExMem");
	ASSERT_EQ(huge / PAGE, where.exmem);
	ASSERT_EQ(0, exmem_count_pages(thp, PAGE, &in_exmem, &present, &pfn));
	id = pfn / exmem_block_pages();
	blk_before = exmem_block_id_pinned(id);

	/* 256 buffers, one THP: 131072 pin references, 512 pages. */
	ASSERT_EQ(0, register_buffer(self->ring, thp, huge, 256));
	TH_LOG("memory%lu: exmem_pinned %ld -> %ld; devices' pinned %ld -> %ld",
	       id, blk_before, exmem_block_id_pinned(id), before,
	       exmem_devices_pinned());
	EXPECT_EQ(blk_before + 512, exmem_block_id_pinned(id));
	EXPECT_EQ(before + 512, exmem_devices_pinned());
	/* Another process's pins still stay in ExMem. */
	EXPECT_EQ(16, child_pins_in_exmem());
	ASSERT_EQ(0, unregister_buffers(self->ring));
	EXPECT_EQ(before, exmem_devices_pinned());
	munmap(map, 2 * huge);
}

/* A child that registers its own buffer and exits with the pins held. */
static int child_exits_pinned(void)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		char *buf = exmem_map_touched(32 * PAGE, MAP_EXMEM);
		int ring = exmem_uring_setup();

		_exit(buf && ring >= 0 && !register_buffer(ring, buf, 32 * PAGE, 1) &&
		      exmem_devices_pinned() == 32 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(pins, pin_lifecycle_counts_return_to_zero_after_unpin_exit_fork_munmap_mremap)
{
	const size_t len = 32 * PAGE;
	char *buf, *moved;
	int status;
	pid_t pid;

	ASSERT_EQ(0, exmem_devices_pinned()) TH_LOG("pins left by another test");

	/* Unregister. */
	buf = exmem_map_touched(len, MAP_EXMEM);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, register_buffer(self->ring, buf, len, 1));
	EXPECT_EQ(32, exmem_devices_pinned());
	ASSERT_EQ(0, unregister_buffers(self->ring));
	EXPECT_EQ(0, exmem_devices_pinned());

	/* Exit with the pins held: the ring's teardown (a kworker) drops them. */
	EXPECT_EQ(0, child_exits_pinned());
	EXPECT_TRUE(exmem_wait_until(no_pins_left, NULL, 60, 50))
		TH_LOG("%ld pinned after the pinning process exited",
		       exmem_devices_pinned());

	/* Fork of a pinned range: the child gets copies, the count stays. */
	ASSERT_EQ(0, register_buffer(self->ring, buf, len, 1));
	pid = fork();
	if (!pid) {
		memset(buf, 0x11, len);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(32, exmem_devices_pinned());

	/* munmap: the ring still holds the pages. */
	ASSERT_EQ(0, munmap(buf, len));
	EXPECT_EQ(32, exmem_devices_pinned());
	ASSERT_EQ(0, unregister_buffers(self->ring));
	EXPECT_EQ(0, exmem_devices_pinned());

	/* mremap of a pinned range moves the mapping, not the pins. */
	buf = exmem_map_touched(len, MAP_EXMEM);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, register_buffer(self->ring, buf, len, 1));
	moved = mremap(buf, len, 2 * len, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, moved);
	EXPECT_EQ(32, exmem_devices_pinned());
	ASSERT_EQ(0, munmap(moved, 2 * len));
	EXPECT_EQ(32, exmem_devices_pinned());
	ASSERT_EQ(0, unregister_buffers(self->ring));
	EXPECT_EQ(0, exmem_devices_pinned());
}

/* Two pages of one device in two different blocks, found by filling. */
#define SPREAD_MAX	(512 * MIB)	/* how much find_spread() maps */
struct spread {
	char *map;
	size_t len;		/* of map, all of it touched */
	size_t off[2];		/* the two pages, in map */
	unsigned long block[2];
	char dax[64];		/* their device */
};

/*
 * Touch MAP_EXMEM memory in 8 MiB steps (at most 512 MiB) until two of its
 * pages lie in different blocks of one device. 0 or -1.
 */
static int find_spread(struct spread *sp)
{
	const size_t step = 8 * MIB, max = SPREAD_MAX;
	unsigned long pfns[8 * MIB / PAGE], in_exmem, present, first, nr, i;
	unsigned long block_pages = exmem_block_pages(), block = -1UL;
	char dax[64];
	int no_dax = 1;

	sp->map = mmap(NULL, max, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
	/* Small folios: a pinned page then counts one page, not a THP's 512. */
	if (sp->map == MAP_FAILED || madvise(sp->map, max, MADV_NOHUGEPAGE))
		return -1;
	for (sp->len = 0; sp->len < max; sp->len += step) {
		memset(sp->map + sp->len, 0x77, step);
		if (exmem_count_pages(sp->map + sp->len, step, &in_exmem,
				      &present, pfns))
			return -1;
		for (i = 0; i < step / PAGE; i++) {
			/*
			 * The device of a page is that of its block: looked up
			 * (a walk of sysfs, slow on the debug kernel) once per
			 * run of pages in one block, not once per page.
			 */
			if (pfns[i] / block_pages != block) {
				block = pfns[i] / block_pages;
				no_dax = exmem_dax_of_phys((unsigned long long)pfns[i] * PAGE,
							   dax, sizeof(dax),
							   &first, &nr);
			}
			if (no_dax)
				continue;
			if (!sp->dax[0]) {
				snprintf(sp->dax, sizeof(sp->dax), "%s", dax);
				sp->off[0] = sp->len + i * PAGE;
				sp->block[0] = pfns[i] / block_pages;
			} else if (!strcmp(dax, sp->dax) &&
				   pfns[i] / block_pages != sp->block[0]) {
				sp->off[1] = sp->len + i * PAGE;
				sp->block[1] = pfns[i] / block_pages;
				sp->len += step;
				return 0;
			}
		}
	}
	return -1;
}

/* Unmap all of @sp's memory but its two pages. */
static void unmap_all_but_two(struct spread *sp)
{
	size_t lo = sp->off[0] < sp->off[1] ? sp->off[0] : sp->off[1];
	size_t hi = sp->off[0] + sp->off[1] - lo;

	munmap(sp->map, lo);
	munmap(sp->map + lo + PAGE, hi - lo - PAGE);
	munmap(sp->map + hi + PAGE, SPREAD_MAX - hi - PAGE);
}

/* A device's pin_blocks file: "used max". */
static void read_pin_blocks(const char *dax, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/mm/exmem/devices/%s/pin_blocks",
		 dax);
	if (exmem_read_file(path, buf, len))
		snprintf(buf, len, "unreadable");
}

TEST_F_TIMEOUT(pins,
	       pin_spread_over_two_blocks_a_pin_past_the_budget_moves_into_the_pin_block,
	       1200)
{
	unsigned long pfn[2], in_exmem, present, i;
	long migrated = exmem_vmstat("exmem_pin_migrated");
	struct spread sp = { 0 };
	struct iovec iov[2];
	char pin_blocks[32];

	/* A 512 MiB device has four blocks: one may hold long-term pins. */
	ASSERT_EQ(0, exmem_set_vm_sysctl(BUDGET, "25"));
	ASSERT_EQ(0, exmem_devices_pinned()) TH_LOG("pins left by another test");
	exmem_klog_mark("pin_spread: filling");
	ASSERT_EQ(0, find_spread(&sp)) TH_LOG("no device's pages in two blocks");
	exmem_klog_mark("pin_spread: found");
	TH_LOG("%s: pages in memory%lu and memory%lu after touching %zu MiB",
	       sp.dax, sp.block[0], sp.block[1], sp.len / MIB);
	for (i = 0; i < 2; i++)
		exmem_fill_pattern(sp.map + sp.off[i], PAGE);
	/* The filling took the first block's free pages: give them back. */
	unmap_all_but_two(&sp);
	exmem_klog_mark("pin_spread: registering");

	/*
	 * Registered in order: the first makes its block the device's pin
	 * block and stays in place; the second, in another block, is past
	 * the budget: it moves into the pin block before it is pinned.
	 */
	iov[0].iov_base = sp.map + sp.off[0];
	iov[1].iov_base = sp.map + sp.off[1];
	iov[0].iov_len = PAGE;
	iov[1].iov_len = PAGE;
	ASSERT_EQ(0, exmem_uring_register(self->ring, IORING_REGISTER_BUFFERS,
					  iov, 2));
	exmem_klog_mark("pin_spread: registered");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, exmem_count_pages(sp.map + sp.off[i], PAGE,
					       &in_exmem, &present, &pfn[i]));
		EXPECT_EQ(0, exmem_bad_words(sp.map + sp.off[i], PAGE));
	}
	read_pin_blocks(sp.dax, pin_blocks, sizeof(pin_blocks));
	TH_LOG("pinned pages now at PFNs %#lx (memory%lu), %#lx (memory%lu); pin_blocks \"%s\"",
	       pfn[0], pfn[0] / exmem_block_pages(), pfn[1],
	       pfn[1] / exmem_block_pages(), pin_blocks);
	EXPECT_EQ(sp.block[0], pfn[0] / exmem_block_pages());
	EXPECT_EQ(sp.block[0], pfn[1] / exmem_block_pages());
	EXPECT_EQ(migrated + 1, exmem_vmstat("exmem_pin_migrated"));
	EXPECT_EQ(2, exmem_devices_pinned());
	EXPECT_STREQ("1 1", pin_blocks);

	/* The block past the budget stays unpluggable; the pin block not. */
	self->offlined = sp.block[1] + 1;
	EXPECT_EQ(0, exmem_block_offline_within(sp.block[1], 300));
	EXPECT_EQ(-EBUSY, exmem_block_offline_within(sp.block[0], 300));
	ASSERT_EQ(0, unregister_buffers(self->ring));
	EXPECT_EQ(0, exmem_devices_pinned());
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, exmem_bad_words(sp.map + sp.off[i], PAGE));
}

/* Read requests null_blk has completed (the first field of its stat). */
static unsigned long nullb_reads(void)
{
	char buf[256];

	if (exmem_read_file(NULLB_STAT, buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 10);
}

/* The reader of short_term: one O_DIRECT read of SLOW_LEN from null_blk. */
struct slow_read {
	int fd;
	char *buf;
	unsigned long reads_before;
	ssize_t ret;
	double seconds;
	bool done;		/* __atomic: the reader thread sets it */
};

static void *slow_read(void *arg)
{
	struct slow_read *r = arg;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->ret = pread(r->fd, r->buf, SLOW_LEN, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Is the read under way: some of its requests done, not all of them? */
static bool read_under_way(void *arg)
{
	struct slow_read *r = arg;

	return !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) &&
	       nullb_reads() > r->reads_before;
}

TEST_F_TIMEOUT(pins, short_term_pin_in_flight_makes_offline_wait_then_succeed, 600)
{
	unsigned long pfns[SLOW_LEN / PAGE], after[SLOW_LEN / PAGE];
	unsigned long id, in_exmem, present;
	long refused = exmem_vmstat("exmem_offline_pinned");
	struct slow_read r = { .ret = -1 };
	pthread_t reader;

	r.buf = exmem_map_touched(SLOW_LEN, MAP_EXMEM);
	ASSERT_NE(NULL, r.buf);
	expect_all_exmem(_metadata, r.buf, SLOW_LEN, pfns);
	id = pfns[0] / exmem_block_pages();
	r.fd = open(NULLB, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, r.fd) TH_LOG("%s: %s (CONFIG_BLK_DEV_NULL_BLK)", NULLB,
				  strerror(errno));

	r.reads_before = nullb_reads();
	ASSERT_EQ(0, pthread_create(&reader, NULL, slow_read, &r));
	ASSERT_TRUE(exmem_wait_until(read_under_way, &r, 30, 10))
		TH_LOG("read done %d, %lu requests, in %.1f s", r.done,
		       nullb_reads() - r.reads_before, r.seconds);
	/* The pages of the block are pinned by the read now: offline waits. */
	self->offlined = id + 1;
	EXPECT_EQ(0, exmem_block_offline_within(id, 300));
	pthread_join(reader, NULL);
	close(r.fd);
	TH_LOG("memory%lu offline; the read returned %zd after %.1f s", id,
	       r.ret, r.seconds);
	EXPECT_EQ(SLOW_LEN, r.ret);
	EXPECT_EQ(refused, exmem_vmstat("exmem_offline_pinned"));
	/* The buffer left the block with the offline. */
	ASSERT_EQ(0, exmem_count_pages(r.buf, SLOW_LEN, &in_exmem, &present,
				       after));
	EXPECT_EQ(SLOW_LEN / PAGE, present);
	EXPECT_EQ(0, exmem_pages_in_block(after, SLOW_LEN / PAGE, id));
}

TEST_F_TIMEOUT(pins, legacy_dio_leaves_counts_unchanged_and_the_block_offlines, 600)
{
	unsigned long pfns[DIO_LEN / PAGE], id;
	long dev_before, blk_before;
	char *buf;
	size_t off;
	int fd;

	make_vfat_file(_metadata, self);
	buf = exmem_map_touched(DIO_LEN, MAP_EXMEM);
	ASSERT_NE(NULL, buf);
	expect_all_exmem(_metadata, buf, DIO_LEN, pfns);
	id = pfns[0] / exmem_block_pages();
	dev_before = exmem_devices_pinned();
	blk_before = exmem_block_id_pinned(id);

	/* vfat's direct I/O is __blockdev_direct_IO(): folio_add_pin(). */
	fd = open(DIO_FILE, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, fd) TH_LOG("O_DIRECT %s: %s", DIO_FILE, strerror(errno));
	for (off = 0; off < DIO_LEN; off += MIB)
		ASSERT_EQ(MIB, pread(fd, buf + off, MIB, off));
	close(fd);
	EXPECT_EQ(0, exmem_bad_words(buf, DIO_LEN));

	TH_LOG("memory%lu: exmem_pinned %ld -> %ld; devices' pinned %ld -> %ld",
	       id, blk_before, exmem_block_id_pinned(id), dev_before,
	       exmem_devices_pinned());
	EXPECT_EQ(blk_before, exmem_block_id_pinned(id));
	EXPECT_EQ(dev_before, exmem_devices_pinned());
	/* Nothing holds the pages now: the block offlines, the data moves. */
	self->offlined = id + 1;
	EXPECT_EQ(0, exmem_block_offline_within(id, 300));
	EXPECT_EQ(0, exmem_bad_words(buf, DIO_LEN));
}

TEST_HARNESS_MAIN
