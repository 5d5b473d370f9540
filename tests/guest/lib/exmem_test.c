// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exmem_test.h"

#define MEMORY_SYSFS "/sys/devices/system/memory"
#define EXMEM_DEVICES_SYSFS "/sys/kernel/mm/exmem/devices"

int exmem_read_zones(struct exmem_zone *zones, int max)
{
	char line[256], name[16];
	struct exmem_zone *z = NULL;
	unsigned long val;
	int n = 0, nid;
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s", &nid, name) == 2) {
			if (n == max)
				break;
			z = &zones[n++];
			memset(z, 0, sizeof(*z));
			z->nid = nid;
			snprintf(z->name, sizeof(z->name), "%s", name);
			continue;
		}
		if (!z)
			continue;
		if (sscanf(line, " present %lu", &val) == 1)
			z->present = val;
		else if (sscanf(line, " managed %lu", &val) == 1)
			z->managed = val;
		else if (sscanf(line, " spanned %lu", &val) == 1)
			z->spanned = val;
		else if (sscanf(line, " start_pfn: %lu", &val) == 1)
			z->start_pfn = val;
		else if (sscanf(line, " pages free %lu", &val) == 1)
			z->nr_free = val;
	}
	fclose(f);
	return n;
}

/* Sum one field (at @offset in struct exmem_zone) of zone @name over nodes. */
static unsigned long exmem_zone_sum(const char *name, size_t offset)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	unsigned long sum = 0;
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (!strcmp(zones[i].name, name))
			sum += *(unsigned long *)((char *)&zones[i] + offset);
	return sum;
}

unsigned long exmem_zone_present(const char *name)
{
	return exmem_zone_sum(name, offsetof(struct exmem_zone, present));
}

unsigned long exmem_zone_free(const char *name)
{
	return exmem_zone_sum(name, offsetof(struct exmem_zone, nr_free));
}

int exmem_read_file(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	while (r > 0 && buf[r - 1] == '\n')
		buf[--r] = '\0';
	return 0;
}

int exmem_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

unsigned long long exmem_cxl_ram_bytes(void)
{
	unsigned long long sum = 0;
	char path[300], buf[64];
	struct dirent *de;
	DIR *d = opendir("/sys/bus/cxl/devices");

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "mem", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/cxl/devices/%s/ram/size",
			 de->d_name);
		if (!exmem_read_file(path, buf, sizeof(buf)))
			sum += strtoull(buf, NULL, 0);
	}
	closedir(d);
	return sum;
}

int exmem_block_attr(const char *block, const char *attr, char *buf, size_t len)
{
	char path[300];

	snprintf(path, sizeof(path), MEMORY_SYSFS "/%s/%s", block, attr);
	return exmem_read_file(path, buf, len);
}

int exmem_block_set_state(const char *block, const char *state)
{
	char path[300];

	snprintf(path, sizeof(path), MEMORY_SYSFS "/%s/state", block);
	return exmem_write_file(path, state);
}

int exmem_block_id_set_state(unsigned long id, const char *state)
{
	char block[32];

	snprintf(block, sizeof(block), "memory%lu", id);
	return exmem_block_set_state(block, state);
}

/* SIGALRM only has to interrupt the write; nothing to do here. */
static void interrupt_write(int sig)
{
}

int exmem_block_offline_within(unsigned long id, unsigned int seconds)
{
	/* No SA_RESTART: write() returns EINTR instead of trying again. */
	struct sigaction sa = { .sa_handler = interrupt_write }, old;
	int err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(seconds);
	err = exmem_block_id_set_state(id, "offline");
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	return err == -EINTR ? -ETIMEDOUT : err;
}

int exmem_find_block(const char *zone, char *name, size_t len)
{
	struct dirent *de;
	char zones[128];
	int found = -1;
	DIR *d = opendir(MEMORY_SYSFS);

	if (!d)
		return -1;
	while (found && (de = readdir(d))) {
		if (strncmp(de->d_name, "memory", 6) ||
		    exmem_block_attr(de->d_name, "valid_zones", zones,
				     sizeof(zones)))
			continue;
		if (strstr(zones, zone)) {
			snprintf(name, len, "%s", de->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

int exmem_scan_pfns(unsigned long start_pfn, unsigned long nr,
		    struct exmem_scan *scan)
{
	uint64_t flags[512];
	unsigned long done = 0, i;
	int fd = open("/proc/kpageflags", O_RDONLY);

	memset(scan, 0, sizeof(*scan));
	if (fd < 0)
		return -errno;
	while (done < nr) {
		size_t want = nr - done > 512 ? 512 : nr - done;
		ssize_t r = pread(fd, flags, want * 8, (start_pfn + done) * 8);

		if (r <= 0) {
			close(fd);
			return r < 0 ? -errno : -EIO;
		}
		for (i = 0; i < (size_t)r / 8; i++) {
			uint64_t f = flags[i];

			scan->pages++;
			scan->slab += !!(f & (1ULL << KPF_SLAB_BIT));
			scan->pgtable += !!(f & (1ULL << KPF_PGTABLE_BIT));
			scan->reserved += !!(f & (1ULL << KPF_RESERVED_BIT));
			scan->lru += !!(f & (1ULL << KPF_LRU_BIT));
			scan->buddy += !!(f & (1ULL << KPF_BUDDY_BIT));
			/* Free pages past a buddy head show no flags. */
			if (!f || f & (1ULL << KPF_LRU_BIT | 1ULL << KPF_BUDDY_BIT |
				       1ULL << KPF_RESERVED_BIT |
				       1ULL << KPF_NOPAGE_BIT))
				continue;
			if (!scan->busy++) {
				scan->first_busy_pfn = start_pfn + done + i;
				scan->first_busy_flags = f;
			}
		}
		done += r / 8;
	}
	close(fd);
	return 0;
}

int exmem_pageblocks(const char *name, unsigned long *unmovable,
		     unsigned long *reclaimable, unsigned long *movable)
{
	char line[512], zone[16];
	bool counts = false;
	unsigned long u, r, m;
	int nid;
	FILE *f = fopen("/proc/pagetypeinfo", "r");

	if (!f)
		return -1;
	*unmovable = *reclaimable = *movable = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "Number of blocks type"))
			counts = true;
		/* "Node 1, zone    ExMem   0   8   0 ..." in the block table */
		if (counts &&
		    sscanf(line, "Node %d, zone %15s %lu %lu %lu", &nid, zone,
			   &u, &m, &r) == 5 && !strcmp(zone, name)) {
			*unmovable += u;
			*movable += m;
			*reclaimable += r;
		}
	}
	fclose(f);
	return counts ? 0 : -1;
}

bool exmem_pfn_in_zone(unsigned long pfn, const char *name)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (!strcmp(zones[i].name, name) && zones[i].spanned &&
		    pfn >= zones[i].start_pfn &&
		    pfn < zones[i].start_pfn + zones[i].spanned)
			return true;
	return false;
}

int exmem_pagemap(pid_t pid, const void *addr, size_t len, uint64_t *entries)
{
	unsigned long first = (unsigned long)addr / 4096, nr = len / 4096;
	char path[64];
	ssize_t got;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	got = pread(fd, entries, nr * 8, first * 8);
	close(fd);
	return got == (ssize_t)(nr * 8) ? 0 : -EIO;
}

/* Is @pfn inside the span of one of the @n zones named "ExMem"? */
static bool pfn_in_exmem(const struct exmem_zone *zones, int n,
			 unsigned long pfn)
{
	int z;

	for (z = 0; z < n; z++)
		if (!strcmp(zones[z].name, "ExMem") && zones[z].spanned &&
		    pfn >= zones[z].start_pfn &&
		    pfn < zones[z].start_pfn + zones[z].spanned)
			return true;
	return false;
}

int exmem_count_pages_of(pid_t pid, const void *addr, size_t len,
			 struct exmem_where *where)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int n = exmem_read_zones(zones, EXMEM_MAX_ZONES);
	unsigned long i, nr = len / 4096;
	uint64_t *e = calloc(nr, 8), flags;
	int err, kpf = open("/proc/kpageflags", O_RDONLY);

	memset(where, 0, sizeof(*where));
	if (!e || kpf < 0) {
		free(e);
		if (kpf >= 0)
			close(kpf);
		return kpf < 0 ? -errno : -ENOMEM;
	}
	err = exmem_pagemap(pid, addr, len, e);
	for (i = 0; !err && i < nr; i++) {
		unsigned long pfn = e[i] & ((1ULL << 55) - 1);

		if (e[i] & EXMEM_PM_SWAP)
			where->swapped++;
		if (!(e[i] & EXMEM_PM_PRESENT))
			continue;
		/* One read of the page's flags (one open for the whole range). */
		if (pread(kpf, &flags, 8, pfn * 8) != 8)
			flags = 0;
		/* The shared zero page is not memory of the mapping. */
		if (flags & (1ULL << KPF_ZERO_PAGE_BIT)) {
			where->zero++;
			continue;
		}
		where->present++;
		if (pfn_in_exmem(zones, n, pfn))
			where->exmem++;
		else
			where->other++;
		if (flags & (1ULL << KPF_THP_BIT))
			where->thp++;
	}
	close(kpf);
	free(e);
	return err;
}

int exmem_count_pages(const void *addr, size_t len, unsigned long *in_exmem,
		      unsigned long *present, unsigned long *pfns)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	int n = exmem_read_zones(zones, EXMEM_MAX_ZONES);
	unsigned long i, nr = len / 4096;
	uint64_t *e = calloc(nr, 8);
	int err;

	*in_exmem = *present = 0;
	if (!e)
		return -ENOMEM;
	err = exmem_pagemap(0, addr, len, e);
	for (i = 0; !err && i < nr; i++) {
		unsigned long pfn = e[i] & ((1ULL << 55) - 1);
		bool there = e[i] & EXMEM_PM_PRESENT;

		if (pfns)
			pfns[i] = there ? pfn : 0;
		if (!there)
			continue;
		(*present)++;
		if (pfn_in_exmem(zones, n, pfn))
			(*in_exmem)++;
	}
	free(e);
	return err;
}

uint64_t exmem_kpageflags(unsigned long pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	uint64_t flags = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &flags, 8, pfn * 8) != 8)
		flags = 0;
	close(fd);
	return flags;
}

/* kpageflags bits of a page that someone uses, or that cannot be used. */
#define KPF_IN_USE	((1ULL << KPF_LRU_BIT) | (1ULL << KPF_SLAB_BIT) | \
			 (1ULL << KPF_MMAP_BIT) | (1ULL << KPF_ANON_BIT) | \
			 (1ULL << KPF_COMPOUND_HEAD_BIT) | \
			 (1ULL << KPF_HWPOISON_BIT) | (1ULL << KPF_NOPAGE_BIT))

unsigned long exmem_free_run(unsigned long first, unsigned long end,
			     unsigned long nr)
{
	unsigned long pfn, i;

	for (pfn = (end - nr) / nr * nr; pfn >= first && pfn + nr <= end; pfn -= nr) {
		if (!(exmem_kpageflags(pfn) & (1ULL << KPF_BUDDY_BIT)))
			continue;
		for (i = 0; i < nr; i++)
			if (exmem_kpageflags(pfn + i) & KPF_IN_USE)
				break;
		if (i == nr)
			return pfn;
	}
	return 0;
}

unsigned long exmem_hwpoisoned(unsigned long pfn, unsigned long nr)
{
	unsigned long i, n = 0;

	for (i = 0; i < nr; i++)
		n += !!(exmem_kpageflags(pfn + i) & (1ULL << KPF_HWPOISON_BIT));
	return n;
}

unsigned long exmem_node_mask(void)
{
	struct exmem_zone zones[EXMEM_MAX_ZONES];
	unsigned long mask = 0;
	int i, n = exmem_read_zones(zones, EXMEM_MAX_ZONES);

	for (i = 0; i < n; i++)
		if (!strcmp(zones[i].name, "ExMem") && zones[i].present)
			mask |= 1UL << zones[i].nid;
	return mask;
}

int exmem_alloc_test(const char *gfp_case, unsigned long nr,
		     struct exmem_alloc_counts *c)
{
	char cmd[64], buf[512], *line, *save;
	unsigned long v;
	char name[32];
	int err;

	snprintf(cmd, sizeof(cmd), "%s %lu", gfp_case, nr);
	err = exmem_write_file(EXMEM_ALLOC_TEST, cmd);
	if (err)
		return err;
	err = exmem_read_file(EXMEM_ALLOC_TEST, buf, sizeof(buf));
	if (err)
		return err;
	memset(c, 0, sizeof(*c));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%31s %lu", name, &v) != 2)
			continue;
		if (!strcmp(name, "ExMem"))
			c->exmem += v;
		else if (!strcmp(name, "failed"))
			c->failed += v;
		else
			c->other += v;
	}
	return 0;
}

long exmem_vmstat(const char *name)
{
	char key[64];
	long val, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2)
		if (!strcmp(key, name))
			found = val;
	fclose(f);
	return found;
}

int exmem_set_vm_sysctl(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	return exmem_write_file(path, val);
}

/* First memory block and block count of dax device @name. */
static int exmem_dax_blocks(const char *name, unsigned long long *start,
			    unsigned long *first, unsigned long *nr)
{
	char path[600], buf[64];
	unsigned long long size, block;

	snprintf(path, sizeof(path), EXMEM_DAX_DEVICES "/%s/resource", name);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return -1;
	*start = strtoull(buf, NULL, 16);
	snprintf(path, sizeof(path), EXMEM_DAX_DEVICES "/%s/size", name);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return -1;
	size = strtoull(buf, NULL, 0);
	if (exmem_read_file(MEMORY_SYSFS "/block_size_bytes", buf, sizeof(buf)))
		return -1;
	block = strtoull(buf, NULL, 16);
	*first = *start / block;
	*nr = size / block;
	return 0;
}

int exmem_dax_block_range(const char *dax, unsigned long *first,
			  unsigned long *nr)
{
	unsigned long long start;

	return exmem_dax_blocks(dax, &start, first, nr);
}

int exmem_dax_not_on_node(int nid, char *name, size_t len,
			  unsigned long *first, unsigned long *nr)
{
	unsigned long long start;
	char path[600], buf[64];
	struct dirent *de;
	DIR *d = opendir(EXMEM_DAX_DEVICES);

	name[0] = '\0';
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "dax", 3))
			continue;
		snprintf(path, sizeof(path), EXMEM_DAX_DEVICES "/%s/target_node",
			 de->d_name);
		if (!exmem_read_file(path, buf, sizeof(buf)) && atoi(buf) != nid)
			snprintf(name, len, "%s", de->d_name);
	}
	closedir(d);
	if (!name[0])
		return -1;
	return exmem_dax_blocks(name, &start, first, nr);
}

int exmem_dax_of_phys(unsigned long long phys, char *name, size_t len,
		      unsigned long *first, unsigned long *nr)
{
	unsigned long long start, block;
	struct dirent *de;
	char buf[64];
	int found = -1;
	DIR *d = opendir(EXMEM_DAX_DEVICES);

	if (!d || exmem_read_file(MEMORY_SYSFS "/block_size_bytes", buf, sizeof(buf)))
		return -1;
	block = strtoull(buf, NULL, 16);
	while (found && (de = readdir(d))) {
		if (strncmp(de->d_name, "dax", 3) ||
		    exmem_dax_blocks(de->d_name, &start, first, nr))
			continue;
		if (phys >= start && phys < start + *nr * block) {
			snprintf(name, len, "%s", de->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

int exmem_blocks_offline(unsigned long first, unsigned long nr)
{
	unsigned long i;
	int err;

	for (i = 0; i < nr; i++) {
		err = exmem_block_id_set_state(first + i, "offline");
		if (err)
			return err;
	}
	return 0;
}

int exmem_dax_unplug(const char *dax, unsigned long first, unsigned long nr)
{
	int err = exmem_blocks_offline(first, nr);

	return err ? err : exmem_write_file(EXMEM_KMEM "/unbind", dax);
}

char *exmem_map_bound(size_t len)
{
	unsigned long mask = exmem_node_mask();
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	/* MPOL_BIND == 2 */
	if (syscall(SYS_mbind, p, len, 2, &mask, 64, 0)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

char *exmem_map_touched(size_t len, int zone_flag)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | zone_flag, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, len);
	return p;
}

bool exmem_node_has_cpus(int nid)
{
	char path[128], buf[256];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", nid);
	return !exmem_read_file(path, buf, sizeof(buf)) && buf[0];
}

void exmem_fill_pattern(void *buf, size_t len)
{
	unsigned long *w = buf;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = exmem_pattern_word(i);
}

unsigned long exmem_bad_words(const void *buf, size_t len)
{
	const unsigned long *w = buf;
	unsigned long bad = 0;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		bad += w[i] != exmem_pattern_word(i);
	return bad;
}

unsigned long exmem_cpuless_nodes(void)
{
	char path[128], buf[4096];
	unsigned long mask = 0, kb;
	char *p;
	int nid;

	for (nid = 0; nid < 64; nid++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
		if (exmem_read_file(path, buf, sizeof(buf)) || exmem_node_has_cpus(nid))
			continue;
		p = strstr(buf, "MemTotal:");
		if (p && sscanf(p, "MemTotal: %lu", &kb) == 1 && kb)
			mask |= 1UL << nid;
	}
	return mask;
}

int exmem_memory_tier(int nid)
{
	char path[320], buf[256], *tok, *save;
	struct dirent *de;
	int tier = -1, lo, hi;
	DIR *d = opendir("/sys/devices/virtual/memory_tiering");

	if (!d)
		return -1;
	while (tier < 0 && (de = readdir(d))) {
		if (strncmp(de->d_name, "memory_tier", 11))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/virtual/memory_tiering/%s/nodelist",
			 de->d_name);
		if (exmem_read_file(path, buf, sizeof(buf)))
			continue;
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (sscanf(tok, "%d-%d", &lo, &hi) == 1)
				hi = lo;
			if (nid >= lo && nid <= hi)
				tier = atoi(de->d_name + 11);
		}
	}
	closedir(d);
	return tier;
}

int exmem_swap_on(void)
{
	char buf[256];

	/* Already on (an earlier test)? /proc/swaps lists it. */
	if (!exmem_read_file("/proc/swaps", buf, sizeof(buf)) &&
	    strstr(buf, "/dev/zram0"))
		return 0;
	if (exmem_write_file("/sys/block/zram0/disksize", "256M"))
		return -ENODEV;
	if (system("mkswap /dev/zram0 >/dev/null 2>&1"))
		return -EIO;
	return swapon("/dev/zram0", 0) ? -errno : 0;
}

int exmem_set_state_all(const char *zone, const char *from, const char *to,
			char *done, size_t len)
{
	char path[300], buf[64];
	struct dirent *d;
	size_t used = 0;
	DIR *dir = opendir(MEMORY_SYSFS);
	int err = 0;

	if (!dir)
		return -errno;
	done[0] = 0;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "memory", 6) || !isdigit(d->d_name[6]))
			continue;
		if (exmem_block_attr(d->d_name, "state", buf, sizeof(buf)) ||
		    strcmp(buf, from))
			continue;
		if (zone && (exmem_block_attr(d->d_name, "valid_zones", buf,
					      sizeof(buf)) ||
			     strncmp(buf, zone, strlen(zone))))
			continue;
		snprintf(path, sizeof(path), "%s ", d->d_name);
		if (used + strlen(path) >= len) {
			err = -ENOSPC;
			break;
		}
		err = exmem_block_set_state(d->d_name, to);
		if (err)
			break;
		memcpy(done + used, path, strlen(path) + 1);
		used += strlen(path);
	}
	closedir(dir);
	return err;
}

int exmem_set_state_list(const char *blocks, const char *to)
{
	char copy[4096], *save, *b;
	int err = 0;

	snprintf(copy, sizeof(copy), "%s", blocks);
	for (b = strtok_r(copy, " ", &save); b; b = strtok_r(NULL, " ", &save))
		if (exmem_block_set_state(b, to))
			err = -EIO;
	return err;
}

unsigned long exmem_shrink(unsigned long keep, char *done, size_t len)
{
	unsigned long kept = 0, block = exmem_block_pages() * 4096UL;
	char buf[64];
	struct dirent *d;
	size_t used = 0;
	DIR *dir = opendir(MEMORY_SYSFS);

	done[0] = '\0';
	if (!dir || !block) {
		if (dir)
			closedir(dir);
		return exmem_zone_present("ExMem") * 4096UL;
	}
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "memory", 6) || !isdigit(d->d_name[6]))
			continue;
		if (exmem_block_attr(d->d_name, "state", buf, sizeof(buf)) ||
		    strcmp(buf, "online") ||
		    exmem_block_attr(d->d_name, "valid_zones", buf, sizeof(buf)) ||
		    strncmp(buf, "ExMem", 5))
			continue;
		if (kept < keep) {
			kept += block;
			continue;
		}
		if (used + strlen(d->d_name) + 2 > len ||
		    exmem_block_set_state(d->d_name, "offline"))
			continue;
		used += snprintf(done + used, len - used, "%s ", d->d_name);
	}
	closedir(dir);
	return exmem_zone_present("ExMem") * 4096UL;
}

unsigned long exmem_block_pages(void)
{
	char buf[64];

	if (exmem_read_file(MEMORY_SYSFS "/block_size_bytes", buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 16) / 4096;
}

unsigned long exmem_pages_in_block(const unsigned long *pfns, size_t n,
				   unsigned long id)
{
	unsigned long block_pages = exmem_block_pages(), in = 0;
	size_t i;

	for (i = 0; block_pages && i < n; i++)
		in += pfns[i] / block_pages == id;
	return in;
}

long exmem_block_id_pinned(unsigned long id)
{
	char block[32], buf[32];

	snprintf(block, sizeof(block), "memory%lu", id);
	if (exmem_block_attr(block, "exmem_pinned", buf, sizeof(buf)))
		return LONG_MIN;
	return atol(buf);
}

long exmem_devices_pinned(void)
{
	char path[512], buf[32];
	struct dirent *de;
	long sum = 0;
	DIR *d = opendir(EXMEM_DEVICES_SYSFS);

	if (!d)
		return LONG_MIN;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/pinned", EXMEM_DEVICES_SYSFS,
			 de->d_name);
		if (exmem_read_file(path, buf, sizeof(buf))) {
			sum = LONG_MIN;
			break;
		}
		sum += atol(buf);
	}
	closedir(d);
	return sum;
}

int exmem_uring_setup(void)
{
	struct io_uring_params p = { 0 };

	return syscall(__NR_io_uring_setup, 4, &p);
}

int exmem_uring_register(int ring, unsigned int op, void *arg, unsigned int nr)
{
	return syscall(__NR_io_uring_register, ring, op, arg, nr);
}

/* All of the kernel log buffer (4 MiB is more than this guest keeps). */
#define EXMEM_KLOG_SIZE	(1 << 22)

unsigned long exmem_pressure_headroom(unsigned long default_mib)
{
	const char *s = getenv("EXMEM_PRESSURE_HEADROOM_MIB");
	unsigned long mib = s ? strtoul(s, NULL, 0) : 0;

	return (mib ? mib : default_mib) << 20;
}

void exmem_klog_mark(const char *what)
{
	char line[128];

	snprintf(line, sizeof(line), "exmem-test: %s\n", what);
	exmem_write_file("/dev/kmsg", line);
}

char *exmem_klog_since(const char *marker)
{
	char *buf = malloc(EXMEM_KLOG_SIZE + 1), *at, *next;
	int n;

	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, EXMEM_KLOG_SIZE);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	at = strstr(buf, marker);
	if (!at) {
		free(buf);
		return NULL;
	}
	while ((next = strstr(at + 1, marker)))
		at = next;
	memmove(buf, at, strlen(at) + 1);
	return buf;
}

long exmem_zspages(bool exmem)
{
	char line[256], zone[32] = "";
	long sum = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %31s", zone) == 1)
			continue;
		if (sscanf(line, " nr_zspages %ld", &v) == 1 &&
		    !strcmp(zone, "ExMem") == exmem)
			sum += v;
	}
	if (f)
		fclose(f);
	return sum;
}

int exmem_memcg_create(const char *path)
{
	char buf[256];

	/* cgroup v2 at /sys/fs/cgroup, with the memory controller enabled. */
	if (exmem_read_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf))) {
		mkdir("/sys/fs/cgroup", 0755);
		if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL))
			return -errno;
	}
	exmem_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

int exmem_memcg_join(const char *path)
{
	char file[300], pid[16];

	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return exmem_write_file(file, pid);
}

/*
 * Fork, and exec stress-ng with the arguments that follow @in_exmem (up to
 * 19, ending with NULL) in a process group of its own, through exmemctl
 * --exmem if @in_exmem. The child's pid, or -1.
 */
static pid_t stress_spawn(bool in_exmem, ...)
{
	const char *argv[24] = { "exmemctl", "--exmem", "--", "stress-ng" };
	int n = 4;
	va_list ap;
	pid_t pid = fork();

	if (pid)
		return pid;
	setpgid(0, 0);
	/*
	 * The load runs at nice 19. Offline migrates in the writer's context
	 * and QEMU gives the guest two vCPUs: at nice 0 the load's three
	 * workers took most of the test's vCPU and stretched every offline
	 * several times over. It still runs all the time on the other vCPU.
	 */
	if (setpriority(PRIO_PROCESS, 0, 19))
		_exit(126);
	va_start(ap, in_exmem);
	while (n < 23 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (in_exmem)
		execv("/usr/bin/exmemctl", (char *const *)argv);
	else
		execv("/usr/bin/stress-ng", (char *const *)&argv[3]);
	_exit(127);
}

pid_t exmem_stress_start(int workers, const char *vm_bytes, bool in_exmem)
{
	char nr[16];

	snprintf(nr, sizeof(nr), "%d", workers);
	return stress_spawn(in_exmem, "--vm", nr, "--vm-bytes", vm_bytes,
			    "--timeout", "600s", "--quiet", (char *)NULL);
}

pid_t exmem_stress_mixed_start(const char *vm_bytes, int seconds)
{
	char t[24];

	snprintf(t, sizeof(t), "%ds", seconds);
	/* socketpair(): the guest brings up no network, not even lo. */
	return stress_spawn(true, "--vm", "1", "--vm-bytes", vm_bytes,
			    "--fork", "1", "--sockpair", "1", "--timeout", t,
			    "--quiet", (char *)NULL);
}

int exmem_stress_stop(pid_t pid)
{
	int i, status;

	/* SIGINT: stress-ng stops its workers and reports their failures. */
	kill(-pid, SIGINT);
	for (i = 0; i < 60; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		sleep(1);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/*
 * Helpers for waiting on a condition with a bound instead of sleeping,
 * for restoring devices after a failed test, and for finding a block's
 * node.
 */
static unsigned long long exmem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

bool exmem_wait_until(bool (*cond)(void *arg), void *arg,
		      unsigned int timeout_s, unsigned int interval_ms)
{
	unsigned long long end = exmem_now_ms() + timeout_s * 1000ULL;

	for (;;) {
		if (cond(arg))
			return true;
		if (exmem_now_ms() >= end)
			return false;
		usleep(interval_ms * 1000);
	}
}

/* Polls of the waiters below: every 100 ms. */
#define EXMEM_POLL_MS	100

static bool exmem_present_is(void *pages)
{
	return exmem_zone_present("ExMem") == *(unsigned long *)pages;
}

int exmem_wait_present(unsigned long pages, int timeout_s)
{
	return exmem_wait_until(exmem_present_is, &pages, timeout_s,
				EXMEM_POLL_MS) ? 0 : -ETIMEDOUT;
}

bool exmem_dax_bound(const char *dax)
{
	char path[300];

	snprintf(path, sizeof(path), EXMEM_KMEM "/%s", dax);
	return !access(path, F_OK);
}

int exmem_dax_restore(const char *dax, unsigned long first, unsigned long nr)
{
	char block[32], state[32];
	unsigned long i;
	int err = 0, e;

	/* Binding adds, and onlines, every block of the device. */
	if (!exmem_dax_bound(dax))
		return exmem_write_file(EXMEM_KMEM "/bind", dax);
	for (i = 0; i < nr; i++) {
		snprintf(block, sizeof(block), "memory%lu", first + i);
		if (exmem_block_attr(block, "state", state, sizeof(state)) ||
		    strcmp(state, "offline"))
			continue;
		e = exmem_block_set_state(block, "online_exmem");
		if (e && !err)
			err = e;
	}
	return err;
}

/* RssAnon of process @pid in kB if it is in process group @pgid, else 0. */
static long anon_kb_in_pgrp(const char *pid, pid_t pgid)
{
	char path[300], buf[4096], *p;
	long kb = 0;
	int pgrp;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return 0;
	/* The fields after the command name: state ppid pgrp ... */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %d", &pgrp) != 1 || pgrp != pgid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if (exmem_read_file(path, buf, sizeof(buf)))
		return 0;
	p = strstr(buf, "RssAnon:");
	if (!p || sscanf(p, "RssAnon: %ld", &kb) != 1)
		return 0;
	return kb;
}

long exmem_pgrp_anon_kb(pid_t pgid)
{
	struct dirent *de;
	long kb = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (isdigit(de->d_name[0]))
			kb += anon_kb_in_pgrp(de->d_name, pgid);
	closedir(d);
	return kb;
}

struct exmem_load {
	pid_t pgid;
	long kb;
};

static bool exmem_load_reached(void *arg)
{
	struct exmem_load *l = arg;

	return exmem_pgrp_anon_kb(l->pgid) >= l->kb;
}

int exmem_wait_load(pid_t pgid, long kb, int timeout_s)
{
	struct exmem_load l = { .pgid = pgid, .kb = kb };

	return exmem_wait_until(exmem_load_reached, &l, timeout_s,
				EXMEM_POLL_MS) ? 0 : -ETIMEDOUT;
}

int exmem_block_nid(unsigned long id)
{
	char path[64];
	struct dirent *de;
	int nid = -1;
	DIR *d;

	snprintf(path, sizeof(path), MEMORY_SYSFS "/memory%lu", id);
	d = opendir(path);
	if (!d)
		return -1;
	while (nid < 0 && (de = readdir(d)))
		if (!strncmp(de->d_name, "node", 4) && isdigit(de->d_name[4]))
			nid = atoi(de->d_name + 4);
	closedir(d);
	return nid;
}
