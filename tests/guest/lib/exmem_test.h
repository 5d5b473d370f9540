/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ZONE_EXMEM guest tests: reading zones from
 * /proc/zoneinfo, memory blocks from sysfs, and page flags from
 * /proc/kpageflags. They only read what the kernel reports.
 */
#ifndef EXMEM_TEST_H
#define EXMEM_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * The user API (include/uapi/asm-generic/mman-exmem.h, uapi/linux/
 * mempolicy.h), for C libraries whose headers predate it.
 */
#ifndef MAP_EXMEM
#define MAP_EXMEM		0x200000
#define MAP_NORMAL		0x400000
#endif
#ifndef MPOL_F_ZONE_EXMEM
#define MPOL_F_ZONE_EXMEM	(1 << 12)
#define MPOL_F_ZONE_NOEXMEM	(1 << 11)
#endif
/* The mode the zone flags are tested with (uapi/linux/mempolicy.h). */
#ifndef MPOL_LOCAL
#define MPOL_LOCAL		4
#endif

#define EXMEM_MAX_ZONES 64

/* One zone as /proc/zoneinfo reports it. */
struct exmem_zone {
	int nid;
	char name[16];
	unsigned long present;	/* pages */
	unsigned long managed;	/* pages */
	unsigned long spanned;	/* pages */
	unsigned long start_pfn;
	unsigned long nr_free;	/* pages */
};

/* Parse /proc/zoneinfo; returns the number of zones, -1 on error. */
int exmem_read_zones(struct exmem_zone *zones, int max);
/* Sum of present pages of zone @name over all nodes. */
unsigned long exmem_zone_present(const char *name);
/* Sum of free pages of zone @name over all nodes. */
unsigned long exmem_zone_free(const char *name);

/* Read a whole small file into @buf (NUL-terminated, trailing \n cut). */
int exmem_read_file(const char *path, char *buf, size_t len);
/* Write @val to @path; returns 0 or -errno. */
int exmem_write_file(const char *path, const char *val);

/* Total bytes of volatile CXL capacity the guest enumerated (memX/ram/size). */
unsigned long long exmem_cxl_ram_bytes(void);

/*
 * Find a memory block whose valid_zones mentions @zone (first match) and
 * copy its name ("memoryN") to @name. Returns 0 or -1.
 */
int exmem_find_block(const char *zone, char *name, size_t len);
/* A block's attribute: state, valid_zones, ... */
int exmem_block_attr(const char *block, const char *attr, char *buf, size_t len);
int exmem_block_set_state(const char *block, const char *state);
/* The same for block number @id ("memory<id>"). */
int exmem_block_id_set_state(unsigned long id, const char *state);
/*
 * Offline block @id, giving up after @seconds: the kernel retries
 * migration for as long as no signal is pending, so an alarm interrupts
 * it. 0, -ETIMEDOUT, or the write's -errno (-EBUSY, ...).
 */
int exmem_block_offline_within(unsigned long id, unsigned int seconds);

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define KPF_SLAB_BIT	7
#define KPF_BUDDY_BIT	10
#define KPF_LRU_BIT	5
#define KPF_PGTABLE_BIT	26
#define KPF_RESERVED_BIT 32
#define KPF_NOPAGE_BIT	20
#define KPF_MMAP_BIT	11
#define KPF_ANON_BIT	12
#define KPF_COMPOUND_HEAD_BIT 15
#define KPF_HWPOISON_BIT 19

/* Counts of a kpageflags scan over a PFN range. */
struct exmem_scan {
	unsigned long pages;
	unsigned long slab;
	unsigned long pgtable;
	unsigned long reserved;
	unsigned long lru;
	unsigned long buddy;
	/*
	 * Pages with a flag set that is none of LRU, buddy, reserved or
	 * offline: in use, on no LRU list. A lower bound, since a page with
	 * no flag at all cannot be told from the free tail of a buddy block.
	 */
	unsigned long busy;
	unsigned long first_busy_pfn;	/* valid if busy */
	unsigned long long first_busy_flags;
};

/* Scan /proc/kpageflags for [start_pfn, start_pfn + nr). 0 or -errno. */
int exmem_scan_pfns(unsigned long start_pfn, unsigned long nr,
		    struct exmem_scan *scan);

/*
 * Pageblocks of zone @name per migratetype, from /proc/pagetypeinfo, summed
 * over nodes: fills unmovable, reclaimable and movable. 0 or -1.
 */
int exmem_pageblocks(const char *name, unsigned long *unmovable,
		     unsigned long *reclaimable, unsigned long *movable);

/*
 * Where the pages of [addr, addr + len) of this process are: reads their
 * PFNs from /proc/self/pagemap (root only) and counts those inside the
 * spans of ZONE_EXMEM zones. @pfns (optional, len / page size entries)
 * gets the PFNs. Returns 0 or -errno; non-present pages count in neither.
 */
int exmem_count_pages(const void *addr, size_t len, unsigned long *in_exmem,
		      unsigned long *present, unsigned long *pfns);
/* /proc/PID/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
#define EXMEM_PM_PRESENT	(1ULL << 63)
#define EXMEM_PM_SWAP		(1ULL << 62)
#define KPF_THP_BIT		22
#define KPF_ZERO_PAGE_BIT	24

/* Raw pagemap entries of [addr, addr + len) of @pid (0: this process). */
int exmem_pagemap(pid_t pid, const void *addr, size_t len, uint64_t *entries);
/* The /proc/kpageflags word of @pfn (0 if unreadable). */
uint64_t exmem_kpageflags(unsigned long pfn);
/*
 * The highest run of @nr pages in [@first, @end), aligned to @nr, that
 * nobody uses: its first page is a free buddy page and none is on an LRU,
 * mapped, slab, compound, poisoned or missing. Its first PFN, 0 if none.
 * Tests poison such runs so that no process is hit.
 */
unsigned long exmem_free_run(unsigned long first, unsigned long end,
			     unsigned long nr);
/* How many of the @nr pages from @pfn are poisoned (KPF_HWPOISON). */
unsigned long exmem_hwpoisoned(unsigned long pfn, unsigned long nr);

/* Where the pages of a range are, by PFN against the zone spans. */
struct exmem_where {
	unsigned long present;	/* pages in memory, not the zero page */
	unsigned long exmem;	/* ... inside a ZONE_EXMEM span */
	unsigned long other;	/* ... anywhere else */
	unsigned long swapped;	/* pages out in swap */
	unsigned long thp;	/* present pages that are part of a THP */
	unsigned long zero;	/* mappings of the shared zero page */
};

/* Fill @where for [addr, addr + len) of @pid (0: self). 0 or -errno. */
int exmem_count_pages_of(pid_t pid, const void *addr, size_t len,
			 struct exmem_where *where);
/* Is @pfn inside the span of a zone named @name? */
bool exmem_pfn_in_zone(unsigned long pfn, const char *name);
/* Does node @nid have CPUs (a non-empty cpulist)? */
bool exmem_node_has_cpus(int nid);
/*
 * Data checks: exmem_fill_pattern() writes word i of @buf as
 * exmem_pattern_word(i); exmem_bad_words() counts the words that differ.
 */
static inline unsigned long exmem_pattern_word(size_t i)
{
	return i * 0x9e3779b97f4a7c15UL + 1;
}

void exmem_fill_pattern(void *buf, size_t len);
unsigned long exmem_bad_words(const void *buf, size_t len);
/* Nodes with memory and no CPU (the CXL nodes), as a bit mask. */
unsigned long exmem_cpuless_nodes(void);
/* The memory tier holding node @nid, from memory_tiering sysfs, or -1. */
int exmem_memory_tier(int nid);
/* Nodes with ExMem present, as a bit mask for mbind(). */
unsigned long exmem_node_mask(void);
/*
 * @len bytes of anonymous memory in 4 KiB pages, bound (MPOL_BIND) to the
 * ExMem nodes, not yet touched. NULL on error.
 */
char *exmem_map_bound(size_t len);
/*
 * @len bytes of private anonymous memory mapped with @zone_flag (MAP_EXMEM,
 * MAP_NORMAL or 0), every page written (present). NULL on error.
 */
char *exmem_map_touched(size_t len, int zone_flag);
/* The kernel's debugfs allocation hook (mm/zone_exmem/alloc_test.c). */
#define EXMEM_ALLOC_TEST "/sys/kernel/debug/exmem/alloc_test"
/* Pages per zone of an alloc_test run; "failed" for failed allocations. */
struct exmem_alloc_counts {
	unsigned long exmem, other, failed;
};

/*
 * Allocate @nr pages with the GFP flags of alloc_test case @gfp_case, and
 * read where they came from into @c. 0 or -errno.
 */
int exmem_alloc_test(const char *gfp_case, unsigned long nr,
		     struct exmem_alloc_counts *c);
/* A /proc/vmstat counter, or -1. */
long exmem_vmstat(const char *name);
/* Write a sysctl under /proc/sys/vm; 0 or -errno. */
int exmem_set_vm_sysctl(const char *name, const char *val);

#define EXMEM_DAX_DEVICES "/sys/bus/dax/devices"
#define EXMEM_KMEM "/sys/bus/dax/drivers/kmem"

/*
 * A dax device whose target_node is not @nid (the one aggregated into
 * another window's node), with its first memory block and block count.
 */
int exmem_dax_not_on_node(int nid, char *name, size_t len,
			  unsigned long *first, unsigned long *nr);
/* The first memory block and the block count of dax device @dax. 0/-1. */
int exmem_dax_block_range(const char *dax, unsigned long *first,
			  unsigned long *nr);
/* The dax device holding physical address @phys, with its blocks. */
int exmem_dax_of_phys(unsigned long long phys, char *name, size_t len,
		      unsigned long *first, unsigned long *nr);
/* Offline blocks @first to @first + @nr - 1, in order. 0 or -errno. */
int exmem_blocks_offline(unsigned long first, unsigned long nr);
/* Offline a dax device's blocks and unbind it from kmem. 0 or -errno. */
int exmem_dax_unplug(const char *dax, unsigned long first, unsigned long nr);

/*
 * zsmalloc pages (nr_zspages of /proc/zoneinfo) summed over the ExMem zones
 * (@exmem) or over all other zones.
 */
long exmem_zspages(bool exmem);
/*
 * A memory cgroup at @path (under /sys/fs/cgroup, mounted as cgroup v2 with
 * the memory controller if it is not yet); it may already exist. 0/-errno.
 */
int exmem_memcg_create(const char *path);
/* Move the calling process into the cgroup at @path. 0 or -errno. */
int exmem_memcg_join(const char *path);
/* Pages per memory block (block_size_bytes / 4 KiB), 0 on error. */
unsigned long exmem_block_pages(void);
/* How many of the @n PFNs in @pfns are in memory block @id. */
unsigned long exmem_pages_in_block(const unsigned long *pfns, size_t n,
				   unsigned long id);
/*
 * Long-term pinned pages as the kernel reports them: of memory block @id
 * (its exmem_pinned), and of all ExMem devices (the sum of their "pinned").
 * LONG_MIN if a file cannot be read.
 */
long exmem_block_id_pinned(unsigned long id);
long exmem_devices_pinned(void);
/*
 * io_uring without liburing: a ring of 4 entries (its fd, or -1), and
 * io_uring_register(2) (0 or -1 with errno). Fixed buffers registered on a
 * ring are long-term pins (FOLL_LONGTERM) held until unregistered or the
 * ring is gone.
 */
int exmem_uring_setup(void);
int exmem_uring_register(int ring, unsigned int op, void *arg, unsigned int nr);
/* Swap on /dev/zram0 (256 MiB), once per boot. 0 or -errno. */
int exmem_swap_on(void);
/*
 * Move every memory block in state @from whose valid_zones starts with
 * @zone (NULL: any) to state @to; the names of the blocks changed go to
 * @done, space-separated. 0 or -errno (blocks changed so far stay in @done).
 */
int exmem_set_state_all(const char *zone, const char *from, const char *to,
			char *done, size_t len);
/* Set every block of the space-separated list @blocks to @to. 0 or -EIO. */
int exmem_set_state_list(const char *blocks, const char *to);
/*
 * Offline the online ExMem blocks past the first @keep bytes (a whole
 * number of blocks); the names of those offlined go to @done,
 * space-separated. Tests that fill ExMem shrink it first: emulated CXL
 * memory is slow to write under TCG (about 8 MiB/s). A block that refuses
 * (busy) stays online: the fill is then longer, not wrong. The test
 * onlines @done again in its teardown, with exmem_set_state_list(@done,
 * "online_exmem"). Returns the bytes of ExMem left online.
 */
unsigned long exmem_shrink(unsigned long keep, char *done, size_t len);
/* What the tests that fill ExMem keep of it: two memory blocks. */
#define EXMEM_FILL_KEEP		(256UL << 20)

/*
 * Start stress-ng's vm stressor (@workers workers of @vm_bytes each, for at
 * most 10 minutes) in a process group of its own, its memory in ExMem if
 * @in_exmem (through exmemctl --exmem). Stop it with kill(-pid, SIGKILL).
 * Its pid, or -1.
 */
pid_t exmem_stress_start(int workers, const char *vm_bytes, bool in_exmem);
/*
 * Start stress-ng's memory, fork and socketpair stressors, one worker each,
 * all in ExMem, the vm worker with @vm_bytes, for at most @seconds. Stop it
 * with exmem_stress_stop(). Its pid, or -1.
 */
pid_t exmem_stress_mixed_start(const char *vm_bytes, int seconds);
/*
 * Stop a stress-ng started by either function above, and wait for it (at most a minute, then
 * SIGKILL). Its exit status: 0 when every worker ran without a failure, 2
 * when one failed (stress-ng's own codes); -1 if it had to be killed.
 */
int exmem_stress_stop(pid_t pid);

/*
 * Waiting on a condition with a bound instead of sleeping, restoring
 * devices after a failed test, and finding a block's node.
 */
/*
 * Call @cond(@arg) until it returns true, sleeping @interval_ms between
 * calls, for at most @timeout_s seconds (CLOCK_MONOTONIC). Whether it
 * returned true.
 */
bool exmem_wait_until(bool (*cond)(void *arg), void *arg,
		      unsigned int timeout_s, unsigned int interval_ms);
/* The node of memory block @id (its nodeN link), or -1. */
int exmem_block_nid(unsigned long id);
/* Poll until ZONE_EXMEM has @pages present pages. 0 or -ETIMEDOUT. */
int exmem_wait_present(unsigned long pages, int timeout_s);
/* Is dax device @dax bound to kmem (its memory added)? */
bool exmem_dax_bound(const char *dax);
/*
 * Undo a partial or complete exmem_dax_unplug(): bind @dax to kmem again if
 * it is not, else online (online_exmem) each of its blocks that is offline.
 * 0, or the first -errno.
 */
int exmem_dax_restore(const char *dax, unsigned long first, unsigned long nr);
/* Anonymous resident memory (RssAnon) of process group @pgid, in kB. */
long exmem_pgrp_anon_kb(pid_t pgid);
/*
 * Poll until process group @pgid (a load started above) holds at least @kb
 * of anonymous memory: its pages are in memory. 0 or -ETIMEDOUT.
 */
int exmem_wait_load(pid_t pgid, long kb, int timeout_s);

/*
 * The kernel log: exmem_klog_mark() writes "exmem-test: @what" into it (in
 * its own order); exmem_klog_since() returns what follows the last line
 * containing @marker (malloc'd), or NULL.
 */
/*
 * DRAM that a test filling memory leaves free for the kernel, in bytes:
 * EXMEM_PRESSURE_HEADROOM_MIB from the kernel command line (make stress
 * gives the debug kernel more: KASAN's quarantine, kmemleak and page_owner
 * make the same load cost several times as much kernel memory), else
 * @default_mib.
 */
unsigned long exmem_pressure_headroom(unsigned long default_mib);
void exmem_klog_mark(const char *what);
char *exmem_klog_since(const char *marker);

#endif /* EXMEM_TEST_H */
