// SPDX-License-Identifier: GPL-2.0
/*
 * Specification: unmovable kernel allocations never land in ZONE_EXMEM.
 *
 * With DRAM nearly full of user memory, a kernel-heavy load (fork storm,
 * sockets with queued data, pipes, slab churn from many files) runs, then
 * every page of every ExMem zone is scanned in /proc/kpageflags and the
 * zone's pageblocks are read from /proc/pagetypeinfo. The same scan over
 * DRAM must find slab pages: it proves the scan can see them.
 *
 * final.exmem_holds_no_unmovable_page is the same check with no load of
 * its own: make stress runs it alone ("-f final") after the whole suite.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "exmem_test.h"

#define MIB (1UL << 20)
#define NR_CHILDREN 200
#define NR_SOCKETPAIRS 128
#define NR_PIPES 128
#define NR_FILES 10000

/* MemFree of all nodes that have CPUs (the DRAM nodes), in bytes. */
static unsigned long dram_free(void)
{
	unsigned long sum = 0, kb;
	char path[128], buf[4096], *p;
	int nid;

	for (nid = 0; nid < 64; nid++) {
		if (!exmem_node_has_cpus(nid))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
		if (exmem_read_file(path, buf, sizeof(buf)))
			continue;
		p = strstr(buf, "MemFree:");
		if (p && sscanf(p, "MemFree: %lu", &kb) == 1)
			sum += kb * 1024;
	}
	return sum;
}

/* Touch anonymous memory in 4 MiB steps until DRAM has @left bytes free. */
static void fill_dram_until(unsigned long left, unsigned long cap)
{
	unsigned long done = 0;

	while (dram_free() > left && done < cap) {
		char *p = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return;
		memset(p, 0x5a, 4 * MIB);
		done += 4 * MIB;
	}
}

/*
 * The fork storm runs in a small helper forked before DRAM is filled: forking
 * the test process itself would copy the page tables of all its memory.
 * The helper forks NR_CHILDREN sleepers when it reads a byte from @go.
 */
/* Bind @len bytes of new anonymous memory to the ExMem nodes and touch it. */
static int fill_exmem(unsigned long len)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	unsigned long mask = 0;
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);
	char *p;

	for (i = 0; i < n; i++)
		if (!strcmp(zones[i].name, "ExMem") && zones[i].present)
			mask |= 1UL << zones[i].nid;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* MPOL_BIND == 2 */
	if (syscall(SYS_mbind, p, len, 2, &mask, 64, 0))
		return -errno;
	memset(p, 0xa5, len);
	return 0;
}

static pid_t start_forker(int *go)
{
	int fds[2], i;
	char c;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < NR_CHILDREN; i++)
			if (fork() == 0) {
				pause();
				_exit(0);
			}
		pause();
		_exit(0);
	}
	close(fds[0]);
	*go = fds[1];
	setpgid(pid, pid);
	return pid;
}

/* Sockets and pipes with queued data, slab churn from many files. */
static void kernel_heavy_load(void)
{
	static char chunk[65536];
	int sv[2], pfd[2], i, fd;
	char path[64];

	for (i = 0; i < NR_SOCKETPAIRS; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			break;
		fcntl(sv[0], F_SETFL, O_NONBLOCK);
		while (write(sv[0], chunk, sizeof(chunk)) > 0)
			;
	}
	for (i = 0; i < NR_PIPES; i++) {
		if (pipe(pfd))
			break;
		fcntl(pfd[1], F_SETFL, O_NONBLOCK);
		while (write(pfd[1], chunk, sizeof(chunk)) > 0)
			;
	}
	mkdir("/tmp/exmem-load", 0755);
	for (i = 0; i < NR_FILES; i++) {
		snprintf(path, sizeof(path), "/tmp/exmem-load/f%d", i);
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			break;
		if (write(fd, chunk, 1024 + (i % 4) * 1024) < 0)
			break;
		close(fd);
	}
}

/* The load's files live in tmpfs: remove them so later tests get the RAM. */
static void remove_load_files(void)
{
	char path[64];
	int i;

	for (i = 0; i < NR_FILES; i++) {
		snprintf(path, sizeof(path), "/tmp/exmem-load/f%d", i);
		unlink(path);
	}
	rmdir("/tmp/exmem-load");
}

static void scan_zones(struct __test_metadata *_metadata, const char *name,
		       struct exmem_scan *total)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	struct exmem_scan s;
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	memset(total, 0, sizeof(*total));
	for (i = 0; i < n; i++) {
		if (strcmp(zones[i].name, name) || !zones[i].spanned)
			continue;
		ASSERT_EQ(0, exmem_scan_pfns(zones[i].start_pfn,
					     zones[i].spanned, &s));
		TH_LOG("node %d %s pfn %lu+%lu:", zones[i].nid, name,
		       zones[i].start_pfn, zones[i].spanned);
		TH_LOG("  slab %lu pgtable %lu reserved %lu lru %lu buddy %lu",
		       s.slab, s.pgtable, s.reserved, s.lru, s.buddy);
		total->pages += s.pages;
		total->slab += s.slab;
		total->pgtable += s.pgtable;
		total->reserved += s.reserved;
		total->lru += s.lru;
		total->buddy += s.buddy;
	}
}

/*
 * Slab pages in DRAM: ZONE_NORMAL, and ZONE_DMA32 (all of a small guest's
 * RAM). More than 0 proves that the scan sees slab pages.
 */
static unsigned long dram_slab_pages(struct __test_metadata *_metadata)
{
	struct exmem_scan normal, dma32;

	scan_zones(_metadata, "Normal", &normal);
	scan_zones(_metadata, "DMA32", &dma32);
	return normal.slab + dma32.slab;
}

/* ExMem's pages and pageblocks hold nothing unmovable; @exmem: its scan. */
static void expect_nothing_unmovable(struct __test_metadata *_metadata,
				     const struct exmem_scan *exmem)
{
	unsigned long unmovable = 0, reclaimable = 0, movable = 0;

	EXPECT_EQ(0, exmem_pageblocks("ExMem", &unmovable, &reclaimable,
				      &movable));
	TH_LOG("ExMem pageblocks: unmovable %lu reclaimable %lu movable %lu",
	       unmovable, reclaimable, movable);
	EXPECT_EQ(0, exmem->slab);
	EXPECT_EQ(0, exmem->pgtable);
	EXPECT_EQ(0, exmem->reserved);
	EXPECT_EQ(0, unmovable);
	EXPECT_EQ(0, reclaimable);
}

FIXTURE(pressure) {};
FIXTURE_SETUP(pressure) {}
FIXTURE_TEARDOWN(pressure) {}

/* Under TCG the load takes minutes, not the harness's default 30 s. */
TEST_F_TIMEOUT(pressure, no_unmovable_kernel_page_in_exmem, 600)
{
	unsigned long dram_slab;
	struct exmem_scan exmem;
	int go;
	pid_t forker;

	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");

	forker = start_forker(&go);
	ASSERT_GT(forker, 0);
	/*
	 * DRAM nearly full of user memory (unreclaimable: no swap), user
	 * memory in ExMem too, then the kernel load: kernel allocations must
	 * squeeze into what DRAM has left while ExMem has plenty free.
	 */
	fill_dram_until(exmem_pressure_headroom(160), 4096 * MIB);
	ASSERT_EQ(0, fill_exmem(256 * MIB));
	TH_LOG("DRAM free before the load: %lu MiB", dram_free() / MIB);
	ASSERT_EQ(1, write(go, "g", 1));
	kernel_heavy_load();
	TH_LOG("DRAM free under load: %lu MiB, ExMem free %lu MiB",
	       dram_free() / MIB, exmem_zone_free("ExMem") * 4096 / MIB);

	scan_zones(_metadata, "ExMem", &exmem);
	dram_slab = dram_slab_pages(_metadata);
	/* No unmovable kernel page reached ExMem under the load. */
	expect_nothing_unmovable(_metadata, &exmem);
	kill(-forker, SIGKILL);
	remove_load_files();

	/* The scan works: DRAM has slab pages. */
	EXPECT_GT(dram_slab, 0);
	/* User memory did reach ExMem under pressure. */
	EXPECT_GT(exmem.lru, 0);
}

FIXTURE(final) {};
FIXTURE_SETUP(final) {}
FIXTURE_TEARDOWN(final) {}

/* ExMem as the tests before left it: a scan, with no load of its own. */
TEST_F_TIMEOUT(final, exmem_holds_no_unmovable_page, 300)
{
	struct exmem_scan exmem;

	ASSERT_NE(0, exmem_zone_present("ExMem")) TH_LOG("no ExMem memory online");
	scan_zones(_metadata, "ExMem", &exmem);
	/* The scan works: DRAM has slab pages. */
	EXPECT_GT(dram_slab_pages(_metadata), 0);
	expect_nothing_unmovable(_metadata, &exmem);
}

TEST_HARNESS_MAIN
