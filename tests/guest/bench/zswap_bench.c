// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (make bench, P4): zswap placement and throughput for the three
 * zswap.exmem_locality modes, in one boot. For each mode and repetition, a
 * child in a memory cgroup fills 64 MiB of ExMem pages (MAP_EXMEM), the
 * cgroup is reclaimed into zswap (store) and the child reads it all back
 * (load). Printed per run, one line each:
 *
 *   bench zswap MODE REP share=S store_mbps=X load_mbps=Y
 *
 * S is the share of the new zsmalloc pages that are in ZONE_EXMEM, from the
 * zones' own nr_zspages. Timings are for ratios between modes only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exmem_test.h"

#define PAGE		4096UL
#define LEN		(64UL << 20)
#define REPS		3
#define CG		"/sys/fs/cgroup"
#define CG_BENCH	CG "/exmem-bench"
#define LOCALITY	"/sys/module/zswap/parameters/exmem_locality"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One run: returns 0 and fills the figures, or -1. */
static int run(double *share, double *store_mbps, double *load_mbps)
{
	int go[2], done[2], status;
	long e0, o0, de, dother;
	double t0, t_store, t_load;
	char x;
	pid_t pid;

	if (pipe(go) || pipe(done))
		return -1;
	pid = fork();
	if (!pid) {
		char *p;
		size_t i;

		if (exmem_memcg_join(CG_BENCH))
			_exit(1);
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_EXMEM, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, LEN, MADV_NOHUGEPAGE);
		for (i = 0; i < LEN; i += 64)
			snprintf(p + i, 64, "bench page %zu", i / PAGE);
		if (write(done[1], "r", 1) != 1 || read(go[0], &x, 1) != 1)
			_exit(1);
		t0 = now();
		for (i = 0; i < LEN; i += PAGE)
			x += p[i];
		t_load = now() - t0;
		_exit(write(done[1], &t_load, sizeof(t_load)) == sizeof(t_load) ?
		      0 : 1);
	}
	if (pid < 0 || read(done[0], &x, 1) != 1)
		return -1;
	exmem_write_file("/proc/sys/vm/drop_caches", "3");
	e0 = exmem_zspages(true);
	o0 = exmem_zspages(false);
	t0 = now();
	exmem_write_file(CG_BENCH "/memory.reclaim", "96M");
	t_store = now() - t0;
	de = exmem_zspages(true) - e0;
	dother = exmem_zspages(false) - o0;
	if (write(go[1], "g", 1) != 1 ||
	    read(done[0], &t_load, sizeof(t_load)) != sizeof(t_load))
		return -1;
	waitpid(pid, &status, 0);
	*share = de + dother > 0 ? (double)de / (de + dother) : 0;
	*store_mbps = (LEN >> 20) / t_store;
	*load_mbps = (LEN >> 20) / t_load;
	return 0;
}

int main(void)
{
	static const char * const modes[] = { "off", "node", "tier" };
	double share, store, load;
	int m, r;

	if (exmem_swap_on() ||
	    exmem_write_file("/sys/module/zswap/parameters/enabled", "Y")) {
		printf("bench zswap: no swap or zswap\n");
		return 1;
	}
	if (exmem_memcg_create(CG_BENCH)) {
		printf("bench zswap: no memory cgroup\n");
		return 1;
	}
	/* Modes alternate within each repetition. */
	for (r = 0; r < REPS; r++)
		for (m = 0; m < 3; m++) {
			if (exmem_write_file(LOCALITY, modes[m]) ||
			    run(&share, &store, &load)) {
				printf("bench zswap %s %d failed\n", modes[m], r);
				continue;
			}
			printf("bench zswap %s %d share=%.3f store_mbps=%.1f load_mbps=%.1f\n",
			       modes[m], r, share, store, load);
			fflush(stdout);
		}
	exmem_write_file(LOCALITY, "tier");
	rmdir(CG_BENCH);
	return 0;
}
