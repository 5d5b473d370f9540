// SPDX-License-Identifier: GPL-2.0
/*
 * Reading one exmemstat sample from the kernel's files: /proc/meminfo
 * (ExMemTotal, ExMemFree), /proc/vmstat (exmem_* events, pgalloc_exmem),
 * /proc/zoneinfo (the ExMem zone of each node), the per-device directories
 * under /sys/kernel/mm/exmem/devices/ and the memory tiers under
 * /sys/devices/virtual/memory_tiering/. Every file is parsed strictly: a
 * missing field or a value that is not a number is an error, never a zero.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exmemstat.h"

const char *const exm_event_names[EXM_NR_EVENTS] = {
	[EXM_PGALLOC] = "pgalloc_exmem",
	[EXM_FALLBACK] = "exmem_alloc_fallback",
	[EXM_PIN_INPLACE] = "exmem_pin_inplace",
	[EXM_PIN_MIGRATED] = "exmem_pin_migrated",
	[EXM_OFFLINE_PINNED] = "exmem_offline_pinned",
	[EXM_OFFLINE_EXMEM] = "exmem_offline_migrate_exmem",
	[EXM_OFFLINE_OTHER] = "exmem_offline_migrate_other",
	[EXM_MAP_REFUSED] = "exmem_map_refused",
	[EXM_ZSWPOUT] = "exmem_zswpout",
	[EXM_ZSWPOUT_REFUSED] = "exmem_zswpout_refused",
};

static int fail(struct exm_source *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(src->error, sizeof(src->error), fmt, ap);
	va_end(ap);
	return EXM_EXIT_DATA;
}

static FILE *open_file(const struct exm_source *src, const char *path)
{
	char full[4096];

	snprintf(full, sizeof(full), "%s%s", src->root, path);
	return fopen(full, "r");
}

/* A whole decimal number (surrounding blanks allowed); false otherwise. */
static bool parse_ull(const char *s, unsigned long long *v)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return !errno && !*end;
}

static int read_meminfo(struct exm_source *src, struct exm_sample *s)
{
	FILE *f = open_file(src, "/proc/meminfo");
	bool total = false, free_ = false;
	char line[256], key[64];
	unsigned long long kb;

	if (!f)
		return fail(src, "/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %llu kB", key, &kb) != 2)
			continue;
		if (!strcmp(key, "ExMemTotal")) {
			s->total_bytes = kb * 1024;
			total = true;
		} else if (!strcmp(key, "ExMemFree")) {
			s->free_bytes = kb * 1024;
			free_ = true;
		}
	}
	fclose(f);
	if (!total) {
		fail(src, "this kernel has no ZONE_EXMEM (no ExMemTotal in /proc/meminfo)");
		return EXM_EXIT_NO_EXMEM;
	}
	if (!free_)
		return fail(src, "/proc/meminfo: ExMemTotal without ExMemFree");
	return EXM_EXIT_OK;
}

static int read_vmstat(struct exm_source *src, struct exm_sample *s)
{
	FILE *f = open_file(src, "/proc/vmstat");
	char line[256], *sp;
	int e, n = 0;

	if (!f)
		return fail(src, "/proc/vmstat: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		n++;
		line[strcspn(line, "\n")] = 0;
		sp = strchr(line, ' ');
		if (!sp) {
			fclose(f);
			return fail(src, "/proc/vmstat:%d: not 'name value'", n);
		}
		*sp++ = 0;
		for (e = 0; e < EXM_NR_EVENTS; e++) {
			if (strcmp(line, exm_event_names[e]))
				continue;
			if (!parse_ull(sp, &s->events[e])) {
				fclose(f);
				return fail(src, "/proc/vmstat:%d: %s: '%s' is not a number",
					    n, line, sp);
			}
			s->has_event[e] = true;
		}
	}
	fclose(f);
	return EXM_EXIT_OK;
}

/* Every node has an ExMem zone; only those with memory present count. */
static void drop_empty_nodes(struct exm_sample *s)
{
	int i, n = 0;

	for (i = 0; i < s->nr_nodes; i++)
		if (s->nodes[i].present_pages)
			s->nodes[n++] = s->nodes[i];
	s->nr_nodes = n;
}

/* The ExMem zone fields of /proc/zoneinfo that a node entry must have. */
enum { Z_PRESENT = 1, Z_MANAGED = 2, Z_FREE = 4, Z_ALL = 7 };

static int read_zoneinfo(struct exm_source *src, struct exm_sample *s)
{
	FILE *f = open_file(src, "/proc/zoneinfo");
	struct exm_node *cur = NULL;
	char line[512], name[32], key[64];
	unsigned long long v;
	int nid, n = 0, seen = 0;

	if (!f)
		return fail(src, "/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (sscanf(line, "Node %d, zone %31s", &nid, name) == 2) {
			if (cur && seen != Z_ALL)
				break;
			cur = NULL;
			if (strcmp(name, "ExMem"))
				continue;
			if (s->nr_nodes == EXM_MAX_NODES) {
				fclose(f);
				return fail(src, "/proc/zoneinfo: more than %d ExMem zones",
					    EXM_MAX_NODES);
			}
			cur = &s->nodes[s->nr_nodes++];
			memset(cur, 0, sizeof(*cur));
			cur->nid = nid;
			cur->tier = -1;
			seen = 0;
			continue;
		}
		if (!cur)
			continue;
		if (sscanf(line, " pages free %llu", &v) == 1) {
			cur->free_pages = v;
			seen |= Z_FREE;
		} else if (sscanf(line, " %63s %llu", key, &v) == 2) {
			if (!strcmp(key, "present")) {
				cur->present_pages = v;
				seen |= Z_PRESENT;
			} else if (!strcmp(key, "managed")) {
				cur->managed_pages = v;
				seen |= Z_MANAGED;
			} else if (!strcmp(key, "nr_zspages")) {
				cur->zspages = v;
			}
		}
	}
	fclose(f);
	if (cur && seen != Z_ALL)
		return fail(src,
			    "/proc/zoneinfo:%d: node %d ExMem zone is truncated (no free, present or managed)",
			    n, cur->nid);
	drop_empty_nodes(s);
	return EXM_EXIT_OK;
}

/* Read /sys/kernel/mm/exmem/devices/<dev>/<attr> into @buf. */
static bool dev_attr(const struct exm_source *src, const char *dev,
		     const char *attr, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/kernel/mm/exmem/devices/%s/%s", dev,
		 attr);
	f = open_file(src, path);
	if (!f)
		return false;
	ok = !!fgets(buf, len, f);
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static int dev_number(struct exm_source *src, const char *dev,
		      const char *attr, unsigned long long *v, bool required)
{
	char buf[64];

	if (!dev_attr(src, dev, attr, buf, sizeof(buf)))
		return required ? fail(src, "devices/%s/%s: missing", dev, attr) :
				  EXM_EXIT_OK;
	if (!parse_ull(buf, v))
		return fail(src, "devices/%s/%s: '%s' is not a number", dev,
			    attr, buf);
	return EXM_EXIT_OK;
}

static int read_device(struct exm_source *src, struct exm_dev *d)
{
	static const char *const required[] = { "capacity_bytes",
		"online_bytes", "free_bytes", "pinned" };
	unsigned long long *vals[] = { &d->capacity_bytes, &d->online_bytes,
		&d->free_bytes, &d->pinned };
	unsigned long long node, speed = 0, width = 0;
	char buf[64];
	int i, err;

	for (i = 0; i < 4; i++) {
		err = dev_number(src, d->name, required[i], vals[i], true);
		if (err)
			return err;
	}
	if (!dev_attr(src, d->name, "state", d->state, sizeof(d->state)))
		return fail(src, "devices/%s/state: missing", d->name);
	d->node = -1;
	if (dev_attr(src, d->name, "node", buf, sizeof(buf))) {
		if (!parse_ull(buf, &node))
			return fail(src, "devices/%s/node: '%s' is not a number",
				    d->name, buf);
		d->node = (int)node;
	}
	/* Health, its last event, error counters and the link (optional). */
	dev_attr(src, d->name, "health", d->health, sizeof(d->health));
	dev_attr(src, d->name, "last_event", d->last_event,
		 sizeof(d->last_event));
	err = dev_number(src, d->name, "errors", &d->errors, false);
	if (!err)
		err = dev_number(src, d->name, "last_event_time",
				 &d->last_event_time, false);
	if (!err)
		err = dev_number(src, d->name, "link_speed_mts", &speed, false);
	if (!err)
		err = dev_number(src, d->name, "link_width", &width, false);
	if (err)
		return err;
	if (speed && width)
		snprintf(d->link, sizeof(d->link), "%lluGT/s x%llu",
			 speed / 1000, width);
	return EXM_EXIT_OK;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct exm_dev *)a)->name,
		      ((const struct exm_dev *)b)->name);
}

static int read_devices(struct exm_source *src, struct exm_sample *s)
{
	char path[4096];
	struct dirent *de;
	DIR *dir;
	int err = EXM_EXIT_OK;

	snprintf(path, sizeof(path), "%s/sys/kernel/mm/exmem/devices", src->root);
	dir = opendir(path);
	if (!dir)	/* no device registered yet */
		return EXM_EXIT_OK;
	while (!err && (de = readdir(dir))) {
		struct exm_dev *d;

		if (de->d_name[0] == '.')
			continue;
		if (s->nr_devs == EXM_MAX_DEVS) {
			err = fail(src, "more than %d devices", EXM_MAX_DEVS);
			break;
		}
		d = &s->devs[s->nr_devs++];
		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", de->d_name);
		err = read_device(src, d);
	}
	closedir(dir);
	qsort(s->devs, s->nr_devs, sizeof(s->devs[0]), cmp_dev);
	return err;
}

/* Does the node list ("0-1,3") include @nid? */
static bool nodelist_has(const char *list, int nid)
{
	const char *p = list;
	char *end;
	long a, b;

	while (*p) {
		a = strtol(p, &end, 10);
		if (end == p)
			return false;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p)
				return false;
		}
		if (nid >= a && nid <= b)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return false;
	}
	return false;
}

/* Memory tiers are optional (CONFIG_NUMA and memory tiering). */
static void read_tiers(struct exm_source *src, struct exm_sample *s)
{
	char path[4096], list[256];
	struct dirent *de;
	FILE *f;
	DIR *dir;
	int i, tier;

	snprintf(path, sizeof(path), "%s/sys/devices/virtual/memory_tiering",
		 src->root);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (sscanf(de->d_name, "memory_tier%d", &tier) != 1)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/virtual/memory_tiering/%s/nodelist",
			 de->d_name);
		f = open_file(src, path);
		if (!f)
			continue;
		if (fgets(list, sizeof(list), f)) {
			list[strcspn(list, "\n")] = 0;
			for (i = 0; i < s->nr_nodes; i++)
				if (nodelist_has(list, s->nodes[i].nid))
					s->nodes[i].tier = tier;
		}
		fclose(f);
	}
	closedir(dir);
}

/* Fixtures carry their own clock: <root>/time, in seconds. */
static double sample_time(const struct exm_source *src)
{
	struct timespec ts;
	double t;
	FILE *f = src->root[0] ? open_file(src, "/time") : NULL;

	if (f) {
		if (fscanf(f, "%lf", &t) != 1)
			t = 0;
		fclose(f);
		return t;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds since boot, the clock of last_event_time; -1 if unknown. */
static double sample_uptime(const struct exm_source *src)
{
	double t = -1;
	FILE *f = open_file(src, "/proc/uptime");

	if (f) {
		if (fscanf(f, "%lf", &t) != 1 || t < 0)
			t = -1;
		fclose(f);
	}
	return t;
}

/**
 * exm_event_age - Seconds since a device's last health event
 * @s: the sample
 * @d: one of its devices
 *
 * Return: the age, or -1 when the device reported no event or the boot
 * clock is unknown.
 */
double exm_event_age(const struct exm_sample *s, const struct exm_dev *d)
{
	if (!d->last_event_time || s->uptime < 0 ||
	    s->uptime < (double)d->last_event_time)
		return -1;
	return s->uptime - (double)d->last_event_time;
}

int exm_read(struct exm_source *src, struct exm_sample *s)
{
	int err, i, j;

	memset(s, 0, sizeof(*s));
	src->error[0] = 0;
	s->time = sample_time(src);
	s->uptime = sample_uptime(src);
	err = read_meminfo(src, s);
	if (!err)
		err = read_vmstat(src, s);
	if (!err)
		err = read_zoneinfo(src, s);
	if (!err)
		err = read_devices(src, s);
	if (err)
		return err;
	read_tiers(src, s);
	for (i = 0; i < s->nr_nodes; i++)
		for (j = 0; j < s->nr_devs; j++)
			if (s->devs[j].node == s->nodes[i].nid)
				s->nodes[i].pinned += s->devs[j].pinned;
	return EXM_EXIT_OK;
}

double exm_rate(const struct exm_sample *prev, const struct exm_sample *cur,
		enum exm_event e)
{
	double dt = cur->time - prev->time;

	if (dt <= 0 || cur->events[e] < prev->events[e])
		return 0;
	return (cur->events[e] - prev->events[e]) / dt;
}
