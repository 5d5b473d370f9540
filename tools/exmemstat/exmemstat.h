/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exmemstat: one sample of what the kernel reports about ZONE_EXMEM, read
 * from /proc and /sys (below a root directory, for fixtures), and the ways
 * of printing it.
 */
#ifndef EXMEMSTAT_H
#define EXMEMSTAT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define EXM_MAX_NODES	64
/* exm_dev.errors when the kernel provides no errors file (shown as -). */
#define EXM_NO_ERRORS	ULLONG_MAX
#define EXM_NAME_LEN	64
/* A device's state, whole: as long as the longest sysfs line read. */
#define EXM_STATE_LEN	256

/* Exit codes (exmemstat(8)). */
enum {
	EXM_EXIT_OK,
	EXM_EXIT_USAGE,		/* bad option, interval or count */
	EXM_EXIT_NO_EXMEM,	/* the kernel has no ZONE_EXMEM */
	EXM_EXIT_DATA,		/* a kernel file is unreadable or malformed */
	EXM_EXIT_WRITE,		/* writing the output failed */
};

/* The ExMem zone of one (logical) NUMA node, from /proc/zoneinfo. */
struct exm_node {
	int nid;
	unsigned long long present_pages;
	unsigned long long managed_pages;
	unsigned long long free_pages;
	unsigned long long zspages;	/* zsmalloc (zswap) pages in the zone */
	unsigned long long pinned;	/* pin references, summed over devices */
	int tier;			/* memory tier id, -1 if unknown */
};

/* One CXL device, from /sys/kernel/mm/exmem/devices/<name>/. */
struct exm_dev {
	char name[256];
	int node;			/* -1 if not reported */
	unsigned long long capacity_bytes;
	unsigned long long online_bytes;
	unsigned long long free_bytes;
	unsigned long long pinned;
	char state[EXM_STATE_LEN];	/* online, offline */
	char health[16];		/* ok, degraded, failing, offline; "" */
	char last_event[EXM_NAME_LEN];	/* "" when not reported */
	unsigned long long last_event_time; /* seconds since boot; 0 never */
	unsigned long long errors;	/* error counter; EXM_NO_ERRORS: no file */
	char link[48];			/* "32GT/s x8", "" */
};

/* The /proc/vmstat events exmemstat follows, in output order. */
enum exm_event {
	EXM_PGALLOC,			/* pgalloc_exmem */
	EXM_FALLBACK,			/* exmem_alloc_fallback */
	EXM_PIN_INPLACE,
	EXM_PIN_MIGRATED,
	EXM_OFFLINE_PINNED,
	EXM_OFFLINE_EXMEM,
	EXM_OFFLINE_OTHER,
	EXM_MAP_REFUSED,
	EXM_ZSWPOUT,
	EXM_ZSWPOUT_REFUSED,
	EXM_NR_EVENTS
};

extern const char *const exm_event_names[EXM_NR_EVENTS];

struct exm_sample;
struct exm_dev;
double exm_event_age(const struct exm_sample *s, const struct exm_dev *d);

struct exm_sample {
	double time;			/* CLOCK_MONOTONIC seconds */
	struct timespec wall;		/* CLOCK_REALTIME, for -t and JSON */
	double uptime;			/* /proc/uptime seconds, -1 unknown */
	unsigned long long total_bytes;	/* ExMemTotal */
	unsigned long long free_bytes;	/* ExMemFree */
	int nr_nodes;
	struct exm_node nodes[EXM_MAX_NODES];
	/* Devices, grown as needed (exm_read()), freed by exm_sample_free(). */
	int nr_devs;
	int devs_cap;
	struct exm_dev *devs;
	unsigned long long events[EXM_NR_EVENTS];
	bool has_event[EXM_NR_EVENTS];
	unsigned long page_size;	/* bytes per page of the kernel read */
	/* Devices whose sysfs files vanished while being read (hot-unplug). */
	int nr_gone;
	int gone_cap;
	char (*gone)[256];
};

/* Where the files are: "" for the running system, or a fixture tree. */
struct exm_source {
	const char *root;
	char error[256];		/* why exm_read() failed */
};

/* Say why in src->error (printf format); returns EXM_EXIT_DATA. */
int exm_fail(struct exm_source *src, const char *fmt, ...);

/*
 * Read one sample. Returns EXM_EXIT_OK, EXM_EXIT_NO_EXMEM (the kernel has
 * no ZONE_EXMEM: a valid meminfo without ExMemTotal) or EXM_EXIT_DATA (a
 * file is unreadable, missing, truncated or garbage; src->error names the
 * file and line). A device that vanishes while it is read is not an error:
 * it is left out of s->devs and named in s->gone.
 */
int exm_read(struct exm_source *src, struct exm_sample *s);

/*
 * Free what exm_read() allocated in @s: its devices go, the rest stays.
 * @s may be read into again.
 */
void exm_sample_free(struct exm_sample *s);

/*
 * Per-second rate of event @e into *@rate: between two samples, or since
 * boot (/proc/uptime) when @prev is NULL, as vmstat's first line. False
 * when it cannot be known: the kernel lacks the counter, it went down, the
 * clock did not advance or the uptime is unknown. Never a made-up 0.
 */
bool exm_rate(const struct exm_sample *prev, const struct exm_sample *cur,
	      enum exm_event e, double *rate);

/*
 * Output. @prev is NULL for the first sample of a run (rates since boot);
 * @timestamp adds the wall clock (-t), @header the column header, @clear
 * the terminal's home and clear-screen codes before a watch screen.
 */
void exm_print_timestamp(FILE *f, const struct exm_sample *s);
void exm_print_summary(FILE *f, const struct exm_sample *s);
void exm_print_devices(FILE *f, const struct exm_sample *s, bool header);
void exm_print_interval_header(FILE *f, bool timestamp);
void exm_print_interval_line(FILE *f, const struct exm_sample *prev,
			     const struct exm_sample *cur, bool timestamp);
void exm_print_watch(FILE *f, const struct exm_sample *prev,
		     const struct exm_sample *cur, bool timestamp, bool clear);
int exm_print_json(FILE *f, const struct exm_sample *prev,
		   const struct exm_sample *cur);
void exm_print_prometheus(FILE *f, const struct exm_sample *s);

#endif /* EXMEMSTAT_H */
