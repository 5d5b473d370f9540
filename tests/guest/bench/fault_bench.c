// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (make bench, P1-P3): the same program runs on the patched
 * kernel and on the vanilla kernel (CXL memory onlined as ZONE_MOVABLE),
 * in alternating boots; scripts/bench.sh turns its lines into ratios.
 *
 *   P1  first-touch fault throughput of ordinary anonymous memory (DRAM),
 *       4 KiB pages and THP
 *   P2  the same on CXL memory: MAP_EXMEM on the patched kernel, mbind()
 *       onto the CPU-less CXL nodes (ZONE_MOVABLE) on vanilla
 *   P3  offlining the CXL device that holds most of 192 MiB of user data:
 *       seconds, migration throughput, and the guest's memcpy bandwidth
 *
 * Under TCG every access to CXL memory goes through QEMU's CXL window
 * emulation, about 60 times slower than guest RAM, so the CXL cases use
 * less memory than the DRAM ones; only ratios between kernels are used.
 *
 * One line per run:
 *
 *   bench fault KERNEL CASE REP mibps=X placed=S
 *   bench offline KERNEL 0 secs=T migrated_mib=M mig_mibps=X memcpy_mibps=Y
 *         bad_words=W in_cxl_after=S device=D
 *
 * placed is the share of the pages in the zone the case asks for, read
 * from pagemap PFNs against the zone spans. Timings are only for ratios.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exmem_test.h"

#define PAGE		4096UL
#define HPAGE		(2UL << 20)
#define DRAM_LEN	(64UL << 20)
#define CXL_LEN		(16UL << 20)
#define OFFLINE_LEN	(192UL << 20)
#define COPY_LEN	(64UL << 20)
#define REPS		5
#define MPOL_BIND_MODE	2
#define PFN_MASK	((1ULL << 55) - 1)

static bool patched;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The zone CXL memory is onlined to on this kernel. */
static const char *cxl_zone(void)
{
	return patched ? "ExMem" : "Movable";
}

/* An anonymous mapping of @len at a 2 MiB boundary, placed per @cxl. */
static char *map_case(size_t len, bool cxl, bool thp)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	unsigned long mask;
	char *raw, *p;

	if (cxl && patched)
		flags |= MAP_EXMEM;
	raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (cxl && !patched) {
		mask = exmem_cpuless_nodes();
		if (syscall(__NR_mbind, p, len, MPOL_BIND_MODE, &mask, 64, 0))
			return NULL;
	}
	return p;
}

/* Share of the present pages of [p, p + len) inside zone @zone. */
static double placed(const char *p, size_t len, const char *zone)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	size_t i, n = len / PAGE, in = 0, present = 0;
	uint64_t *e = calloc(n, sizeof(*e)), pfn;
	int z, nr_zones = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	if (!e || nr_zones <= 0 || exmem_pagemap(0, p, len, e)) {
		free(e);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!(e[i] & EXMEM_PM_PRESENT))
			continue;
		present++;
		pfn = e[i] & PFN_MASK;
		for (z = 0; z < nr_zones; z++)
			if (!strcmp(zones[z].name, zone) &&
			    pfn - zones[z].start_pfn < zones[z].spanned) {
				in++;
				break;
			}
	}
	free(e);
	return present ? (double)in / present : 0;
}

/* P1/P2: first-touch throughput of one case, in MiB/s. */
static void fault_case(const char *name, bool cxl, bool thp, int rep)
{
	size_t len = cxl ? CXL_LEN : DRAM_LEN;
	char *p = map_case(len, cxl, thp);
	double t0, secs, share;
	size_t i;

	if (!p) {
		printf("bench fault %s %s %d error\n",
		       patched ? "patched" : "vanilla", name, rep);
		return;
	}
	t0 = now();
	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
	secs = now() - t0;
	share = placed(p, len, cxl_zone());
	if (!cxl)	/* DRAM: anywhere but the CXL zone */
		share = 1 - share;
	printf("bench fault %s %s %d mibps=%.1f placed=%.3f\n",
	       patched ? "patched" : "vanilla", name, rep,
	       (len >> 20) / secs, share);
	fflush(stdout);
	munmap((void *)((unsigned long)p & ~(HPAGE - 1)), len + HPAGE);
}

/* The guest's memcpy bandwidth, best of three, in MiB/s. */
static double memcpy_mibps(void)
{
	char *src = malloc(COPY_LEN), *dst = malloc(COPY_LEN);
	double best = 0, t0, r;
	int i;

	if (!src || !dst)
		return 0;
	memset(src, 1, COPY_LEN);
	memset(dst, 2, COPY_LEN);
	for (i = 0; i < 3; i++) {
		t0 = now();
		memcpy(dst, src, COPY_LEN);
		r = (COPY_LEN >> 20) / (now() - t0);
		if (r > best)
			best = r;
	}
	free(src);
	free(dst);
	return best;
}

/* A CXL device's dax name and memory blocks. */
struct device_blocks {
	char dax[64];
	unsigned long first, nr, pages;
};

/*
 * The device holding most pages of the pagemap @e (@n entries): the
 * devices are found from a sample of the pages, then counted in one pass.
 */
static int busiest_device(const uint64_t *e, size_t n, struct device_blocks *best)
{
	struct device_blocks devs[8];
	unsigned long block_pages = exmem_block_pages(), f, c, blk;
	int nr_devs = 0, d;
	char name[64];
	size_t i;

	for (i = 0; i < n && nr_devs < 8; i += 256) {
		if (!(e[i] & EXMEM_PM_PRESENT) ||
		    exmem_dax_of_phys((e[i] & PFN_MASK) * PAGE, name,
				      sizeof(name), &f, &c))
			continue;
		for (d = 0; d < nr_devs; d++)
			if (!strcmp(devs[d].dax, name))
				break;
		if (d < nr_devs)
			continue;
		snprintf(devs[nr_devs].dax, sizeof(devs[nr_devs].dax), "%s", name);
		devs[nr_devs].first = f;
		devs[nr_devs].nr = c;
		devs[nr_devs++].pages = 0;
	}
	if (!nr_devs || !block_pages)
		return -1;
	for (i = 0; i < n; i++) {
		if (!(e[i] & EXMEM_PM_PRESENT))
			continue;
		blk = (e[i] & PFN_MASK) / block_pages;
		for (d = 0; d < nr_devs; d++)
			if (blk - devs[d].first < devs[d].nr)
				devs[d].pages++;
	}
	*best = devs[0];
	for (d = 1; d < nr_devs; d++)
		if (devs[d].pages > best->pages)
			*best = devs[d];
	return 0;
}

/* vmstat counters sampled around the offline (a missing one reads -1). */
static const char * const watch[] = {
	"pgmigrate_success", "pgmigrate_fail", "allocstall_movable",
	"pgscan_direct", "compact_stall", "pgalloc_exmem",
	"exmem_offline_migrate_exmem", "exmem_offline_migrate_other",
};

#define NR_WATCH	ARRAY_SIZE(watch)

/* Set every block of a device to @state. 0 or -1. */
static int set_blocks(unsigned long first, unsigned long nr, const char *state)
{
	char block[32];
	unsigned long i;

	for (i = 0; i < nr; i++) {
		snprintf(block, sizeof(block), "memory%lu", first + i);
		if (exmem_block_set_state(block, state))
			return -1;
	}
	return 0;
}

/* P3: offline the device holding most of OFFLINE_LEN of user data. */
static void offline_case(int rep, double copy_mibps)
{
	const char *kernel = patched ? "patched" : "vanilla";
	const char *online = patched ? "online" : "online_movable";
	size_t n = OFFLINE_LEN / PAGE;
	unsigned long bad;
	uint64_t *e = calloc(n, sizeof(*e));
	char *p = map_case(OFFLINE_LEN, true, false);
	struct device_blocks dev;
	double t0, secs, mib;
	long watch0[NR_WATCH];
	size_t i;

	if (!p || !e) {
		printf("bench offline %s %d error=map\n", kernel, rep);
		return;
	}
	exmem_fill_pattern(p, OFFLINE_LEN);
	if (exmem_pagemap(0, p, OFFLINE_LEN, e) || busiest_device(e, n, &dev)) {
		printf("bench offline %s %d error=device\n", kernel, rep);
		return;
	}
	for (i = 0; i < NR_WATCH; i++)
		watch0[i] = exmem_vmstat(watch[i]);
	t0 = now();
	if (set_blocks(dev.first, dev.nr, "offline")) {
		printf("bench offline %s %d error=offline\n", kernel, rep);
		set_blocks(dev.first, dev.nr, online);
		return;
	}
	secs = now() - t0;
	bad = exmem_bad_words(p, OFFLINE_LEN);
	mib = dev.pages * PAGE / 1048576.0;
	/* Where did the data go: still in CXL memory, or into DRAM? */
	printf("bench offline %s %d secs=%.2f migrated_mib=%.1f mig_mibps=%.1f memcpy_mibps=%.1f bad_words=%lu in_cxl_after=%.3f device=%s\n",
	       kernel, rep, secs, mib, mib / secs, copy_mibps, bad,
	       placed(p, OFFLINE_LEN, cxl_zone()), dev.dax);
	/* What the offline cost besides copying: reclaim, compaction, retries. */
	printf("# offline %s vmstat:", kernel);
	for (i = 0; i < NR_WATCH; i++)
		printf(" %s=%ld", watch[i], exmem_vmstat(watch[i]) - watch0[i]);
	printf("\n");
	fflush(stdout);
	munmap((void *)((unsigned long)p & ~(HPAGE - 1)), OFFLINE_LEN + HPAGE);
	free(e);
	if (set_blocks(dev.first, dev.nr, online))
		printf("bench offline %s %d error=online\n", kernel, rep);
}

int main(void)
{
	const char *only;
	double copy;
	int rep;

	patched = !access("/proc/sys/vm/exmem_user_default", F_OK);
	if (!exmem_cpuless_nodes()) {
		printf("bench fault: no CXL memory node\n");
		return 1;
	}
	copy = memcpy_mibps();
	/* EXMEM_BENCH_ONLY=offline (guest environment): P3 alone. */
	only = getenv("EXMEM_BENCH_ONLY");
	for (rep = 0; rep < REPS && !(only && !strcmp(only, "offline")); rep++) {
		fault_case("dram_4k", false, false, rep);
		fault_case("dram_thp", false, true, rep);
		fault_case("cxl_4k", true, false, rep);
		fault_case("cxl_thp", true, true, rep);
	}
	offline_case(0, copy);
	return 0;
}
