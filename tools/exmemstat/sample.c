// SPDX-License-Identifier: GPL-2.0
/*
 * Reading one exmemstat sample from the kernel's files: /proc/meminfo
 * (ExMemTotal, ExMemFree), /proc/vmstat (exmem_* events, pgalloc_exmem),
 * /proc/zoneinfo (the ExMem zone of each node), the per-device directories
 * under /sys/kernel/mm/exmem/devices/ and the memory tiers under
 * /sys/devices/virtual/memory_tiering/. Every file is parsed strictly: a
 * missing field, a value that is not a whole decimal number (negative,
 * overflowing, with trailing text) or a line of the wrong shape is an
 * error naming the file and line, never a zero or a wrapped value.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int exm_fail(struct exm_source *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(src->error, sizeof(src->error), fmt, ap);
	va_end(ap);
	return EXM_EXIT_DATA;
}

/* @path below the root, as it is opened and named in messages. */
static void full_path(const struct exm_source *src, const char *path,
		      char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", src->root, path);
}

enum num { NUM_OK, NUM_BAD, NUM_NEG, NUM_RANGE };

static const char *const num_why[] = {
	[NUM_OK] = "is a number",
	[NUM_BAD] = "is not a number",
	[NUM_NEG] = "is negative",
	[NUM_RANGE] = "is out of range",
};

/*
 * A decimal number at the start of @s: digits only (no blank, sign or base
 * prefix) that fit an unsigned long long. *@end is set past the digits.
 */
static enum num parse_num(const char *s, const char **end,
			  unsigned long long *v)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return *s == '-' && isdigit((unsigned char)s[1]) ? NUM_NEG :
								    NUM_BAD;
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (errno)
		return NUM_RANGE;
	*end = e;
	return NUM_OK;
}

/* The whole of @s is one number ("12", never "12abc", "-1" or ""). */
static enum num parse_whole(const char *s, unsigned long long *v)
{
	const char *end;
	enum num r = parse_num(s, &end, v);

	return r != NUM_OK ? r : *end ? NUM_BAD : NUM_OK;
}

/* Blanks, then the rest of @s is one number. */
static enum num parse_field(const char *s, unsigned long long *v)
{
	if (*s != ' ' && *s != '\t')
		return NUM_BAD;
	return parse_whole(s + strspn(s, " \t"), v);
}

/* A kernel file read line by line, for messages with "file:line". */
struct lines {
	FILE *f;
	char path[4096];
	char *buf;
	size_t cap;
	int n;
};

static int lines_open(struct exm_source *src, struct lines *l,
		      const char *path)
{
	memset(l, 0, sizeof(*l));
	full_path(src, path, l->path, sizeof(l->path));
	l->f = fopen(l->path, "r");
	if (!l->f)
		return exm_fail(src, "%s: %s", l->path, strerror(errno));
	return EXM_EXIT_OK;
}

/* The next line without its newline: 1, 0 at the end, -1 on an error. */
static int lines_next(struct exm_source *src, struct lines *l, char **line)
{
	ssize_t len = getline(&l->buf, &l->cap, l->f);

	if (len < 0) {
		if (ferror(l->f)) {
			exm_fail(src, "%s: %s", l->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	l->n++;
	if (len && l->buf[len - 1] == '\n')
		l->buf[--len] = 0;
	if (strlen(l->buf) != (size_t)len) {
		exm_fail(src, "%s:%d: a NUL byte in the line", l->path, l->n);
		return -1;
	}
	*line = l->buf;
	return 1;
}

static void lines_close(struct lines *l)
{
	if (l->f)
		fclose(l->f);
	free(l->buf);
}

/* "   1048576 kB" (after "Name:") in bytes. */
static int meminfo_kb(struct exm_source *src, struct lines *l,
		      const char *key, const char *val,
		      unsigned long long *bytes)
{
	const char *end;
	unsigned long long kb;
	enum num r = NUM_BAD;

	if (*val == ' ' || *val == '\t') {
		r = parse_num(val + strspn(val, " \t"), &end, &kb);
		if (r == NUM_OK && strcmp(end, " kB"))
			r = NUM_BAD;
	}
	if (r == NUM_OK && kb > ULLONG_MAX / 1024)
		r = NUM_RANGE;
	if (r != NUM_OK)
		return exm_fail(src, "%s:%d: %s: '%s' %s (expected 'N kB')",
				l->path, l->n, key, val + strspn(val, " \t"),
				num_why[r]);
	*bytes = kb * 1024;
	return EXM_EXIT_OK;
}

static int read_meminfo(struct exm_source *src, struct exm_sample *s,
			int *free_line)
{
	bool memtotal = false, total = false, free_ = false;
	unsigned long long bytes = 0;
	struct lines l;
	char *line, *val;
	int r = 0, err;

	err = lines_open(src, &l, "/proc/meminfo");
	while (!err && (r = lines_next(src, &l, &line)) > 0) {
		val = strchr(line, ':');
		if (!val || val == line) {
			err = exm_fail(src, "%s:%d: not 'Name: value'", l.path, l.n);
			break;
		}
		*val++ = 0;
		if (strcmp(line, "MemTotal") && strcmp(line, "ExMemTotal") &&
		    strcmp(line, "ExMemFree"))
			continue;
		err = meminfo_kb(src, &l, line, val, &bytes);
		if (err)
			break;
		if (!strcmp(line, "MemTotal")) {
			memtotal = true;
		} else if (!strcmp(line, "ExMemTotal")) {
			s->total_bytes = bytes;
			total = true;
		} else {
			s->free_bytes = bytes;
			*free_line = l.n;
			free_ = true;
		}
	}
	if (!err && r < 0)
		err = EXM_EXIT_DATA;
	if (!err && !memtotal)
		err = exm_fail(src, "%s: no MemTotal line: not a meminfo file",
			       l.path);
	if (!err && !total) {
		exm_fail(src, "this kernel has no ZONE_EXMEM (no ExMemTotal in %s)",
			 l.path);
		err = EXM_EXIT_NO_EXMEM;
	}
	if (!err && !free_)
		err = exm_fail(src, "%s: ExMemTotal without ExMemFree", l.path);
	lines_close(&l);
	return err;
}

static int read_vmstat(struct exm_source *src, struct exm_sample *s)
{
	struct lines l;
	char *line, *sp;
	int e, r = 0, err;
	enum num why;

	err = lines_open(src, &l, "/proc/vmstat");
	while (!err && (r = lines_next(src, &l, &line)) > 0) {
		sp = strchr(line, ' ');
		if (!sp || sp == line || strchr(sp + 1, ' ')) {
			err = exm_fail(src, "%s:%d: not 'name value'", l.path, l.n);
			break;
		}
		*sp++ = 0;
		for (e = 0; e < EXM_NR_EVENTS; e++) {
			if (strcmp(line, exm_event_names[e]))
				continue;
			why = parse_whole(sp, &s->events[e]);
			if (why != NUM_OK) {
				err = exm_fail(src, "%s:%d: %s: '%s' %s", l.path,
					       l.n, line, sp, num_why[why]);
				break;
			}
			s->has_event[e] = true;
		}
	}
	if (!err && r < 0)
		err = EXM_EXIT_DATA;
	if (!err && !l.n)
		err = exm_fail(src, "%s: empty", l.path);
	lines_close(&l);
	return err;
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

/*
 * "Node 1, zone    ExMem": 1 and *@name set; 0 for any other line; -1 for a
 * line that starts like one but is not.
 */
static int zone_header(char *line, int *nid, char **name)
{
	unsigned long long v;
	const char *end;
	char *p;

	if (strncmp(line, "Node ", 5))
		return 0;
	if (parse_num(line + 5, &end, &v) != NUM_OK || v > INT_MAX ||
	    strncmp(end, ", zone ", 7))
		return -1;
	p = (char *)end + 7;
	p += strspn(p, " ");
	if (!*p || strchr(p, ' '))
		return -1;
	*nid = (int)v;
	*name = p;
	return 1;
}

/*
 * How far a zone's free pages may read above its managed pages: free pages
 * are a vmstat counter, whose per-CPU deltas (at most 125 pages each,
 * mm/vmstat.c) are folded in later, so a nearly free zone can briefly
 * show a few more free pages than it has. Beyond that it is malformed.
 */
#define VMSTAT_MAX_THRESHOLD	125ULL

static unsigned long long free_drift_pages(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	return VMSTAT_MAX_THRESHOLD * (unsigned long long)(cpus > 0 ? cpus : 1);
}

/* The ExMem zone fields of /proc/zoneinfo that a node entry must have. */
enum { Z_PRESENT = 1, Z_MANAGED = 2, Z_FREE = 4, Z_ALL = 7 };

/* A zone's free pages (line @free_line) above its managed pages. */
static int zone_free_check(struct exm_source *src, struct lines *l,
			   const struct exm_node *n, int free_line)
{
	if (n->free_pages <= n->managed_pages ||
	    n->free_pages - n->managed_pages <= free_drift_pages())
		return EXM_EXIT_OK;
	return exm_fail(src, "%s:%d: node %d ExMem pages free: %llu is more than managed (%llu)",
			l->path, free_line, n->nid, n->free_pages, n->managed_pages);
}

/* One "key value" line of an ExMem zone; the fields not used are skipped. */
static int zone_field(struct exm_source *src, struct lines *l, char *line,
		      struct exm_node *cur, int *seen, int *free_line)
{
	static const struct {
		const char *key;
		size_t off;
		int bit;
	} fields[] = {
		{ "pages free", offsetof(struct exm_node, free_pages), Z_FREE },
		{ "present", offsetof(struct exm_node, present_pages), Z_PRESENT },
		{ "managed", offsetof(struct exm_node, managed_pages), Z_MANAGED },
		{ "nr_zspages", offsetof(struct exm_node, zspages), 0 },
	};
	char *p = line + strspn(line, " ");
	unsigned long long v;
	size_t i, len;
	enum num why;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		len = strlen(fields[i].key);
		if (!strncmp(p, fields[i].key, len) &&
		    (p[len] == ' ' || p[len] == '\t' || !p[len]))
			break;
	}
	if (i == ARRAY_SIZE(fields))
		return EXM_EXIT_OK;
	why = parse_field(p + len, &v);
	if (why != NUM_OK)
		return exm_fail(src, "%s:%d: node %d ExMem %s: '%s' %s", l->path,
				l->n, cur->nid, fields[i].key,
				p + len + strspn(p + len, " \t"), num_why[why]);
	*(unsigned long long *)((char *)cur + fields[i].off) = v;
	if (fields[i].bit == Z_FREE)
		*free_line = l->n;
	*seen |= fields[i].bit;
	if ((*seen & (Z_FREE | Z_MANAGED)) == (Z_FREE | Z_MANAGED) &&
	    (fields[i].bit & (Z_FREE | Z_MANAGED)))
		return zone_free_check(src, l, cur, *free_line);
	return EXM_EXIT_OK;
}

static int read_zoneinfo(struct exm_source *src, struct exm_sample *s)
{
	struct exm_node *cur = NULL;
	int nid, hdr, r = 0, err, seen = 0, free_line = 0;
	struct lines l;
	char *line, *name;

	err = lines_open(src, &l, "/proc/zoneinfo");
	while (!err && (r = lines_next(src, &l, &line)) > 0) {
		hdr = zone_header(line, &nid, &name);
		if (hdr < 0) {
			err = exm_fail(src, "%s:%d: not 'Node N, zone NAME'",
				       l.path, l.n);
			break;
		}
		if (hdr) {
			if (cur && seen != Z_ALL)
				break;
			cur = NULL;
			if (strcmp(name, "ExMem"))
				continue;
			if (s->nr_nodes == EXM_MAX_NODES) {
				err = exm_fail(src, "%s:%d: more than %d ExMem zones",
					       l.path, l.n, EXM_MAX_NODES);
				break;
			}
			cur = &s->nodes[s->nr_nodes++];
			memset(cur, 0, sizeof(*cur));
			cur->nid = nid;
			cur->tier = -1;
			seen = 0;
			continue;
		}
		if (cur)
			err = zone_field(src, &l, line, cur, &seen, &free_line);
	}
	if (!err && r < 0)
		err = EXM_EXIT_DATA;
	if (!err && cur && seen != Z_ALL)
		err = exm_fail(src,
			       "%s:%d: node %d ExMem zone is truncated (no free, present or managed)",
			       l.path, l.n, cur->nid);
	if (!err && !l.n)
		err = exm_fail(src, "%s: empty", l.path);
	/* A kernel with ZONE_EXMEM lists the zone for every node. */
	if (!err && !s->nr_nodes && s->total_bytes)
		err = exm_fail(src, "%s: no ExMem zone, but ExMemTotal is %llu kB",
			       l.path, s->total_bytes / 1024);
	lines_close(&l);
	if (!err)
		drop_empty_nodes(s);
	return err;
}

/* Reading a one-line sysfs attribute. */
enum attr { ATTR_OK, ATTR_MISSING, ATTR_GONE, ATTR_ERROR };

/*
 * Read the one-line file @path (below the root) into @buf, without its
 * newline; @full receives its name for messages. ATTR_MISSING: it does not
 * exist; ATTR_GONE: its kobject went away while it was read (ENODEV);
 * ATTR_ERROR: unreadable, or more than one line (src->error says why).
 */
static enum attr read_attr(struct exm_source *src, const char *path,
			   char *buf, size_t len, char *full, size_t flen)
{
	size_t n;
	FILE *f;
	int err;

	full_path(src, path, full, flen);
	f = fopen(full, "r");
	if (!f) {
		if (errno == ENOENT)
			return ATTR_MISSING;
		if (errno == ENODEV)
			return ATTR_GONE;
		exm_fail(src, "%s: %s", full, strerror(errno));
		return ATTR_ERROR;
	}
	n = fread(buf, 1, len - 1, f);
	err = ferror(f) ? errno : 0;
	if (!err && n == len - 1 && fgetc(f) != EOF)
		err = EFBIG;
	fclose(f);
	if (err == ENODEV)
		return ATTR_GONE;
	if (err) {
		exm_fail(src, "%s: %s", full,
			 err == EFBIG ? "longer than expected" : strerror(err));
		return ATTR_ERROR;
	}
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	if (strlen(buf) != n || strchr(buf, '\n')) {
		exm_fail(src, "%s:1: not a single line of text", full);
		return ATTR_ERROR;
	}
	return ATTR_OK;
}

/* A device attribute, /sys/kernel/mm/exmem/devices/<dev>/<attr>. */
static enum attr dev_attr(struct exm_source *src, const char *dev,
			  const char *attr, char *buf, size_t len, char *full,
			  size_t flen)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/kernel/mm/exmem/devices/%s/%s", dev,
		 attr);
	return read_attr(src, path, buf, len, full, flen);
}

/*
 * Has device @dev gone (hot-unplug)? Its directory is gone, or it is empty:
 * sysfs removes a kobject's files before its directory.
 */
static bool dev_vanished(const struct exm_source *src, const char *dev)
{
	char path[4096];
	struct dirent *de;
	bool empty = true;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/sys/kernel/mm/exmem/devices/%s",
		 src->root, dev);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT || errno == ENODEV;
	while (empty && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			empty = false;
	closedir(dir);
	return empty;
}

/* Returned by read_device() for a device that went away while read. */
#define DEV_GONE	(-1)

/*
 * Read attribute @attr of device @dev into @buf (its path into @full);
 * *@present says whether it was there. Without the file, a @required
 * attribute is an error (unless the device went away: DEV_GONE) and an
 * optional one is not.
 */
static int dev_read(struct exm_source *src, const char *dev, const char *attr,
		    bool required, char *buf, size_t len, char *full,
		    size_t flen, bool *present)
{
	*present = false;
	switch (dev_attr(src, dev, attr, buf, len, full, flen)) {
	case ATTR_OK:
		*present = true;
		return EXM_EXIT_OK;
	case ATTR_MISSING:
		if (!required)
			return EXM_EXIT_OK;
		if (dev_vanished(src, dev))
			return DEV_GONE;
		return exm_fail(src, "%s: missing", full);
	case ATTR_GONE:
		return DEV_GONE;
	default:
		return EXM_EXIT_DATA;
	}
}

/*
 * A numeric device attribute no greater than @max. Without the file, a
 * @required attribute is an error (unless the device went away) and an
 * optional one leaves *@v alone.
 */
static int dev_number(struct exm_source *src, const char *dev,
		      const char *attr, unsigned long long *v,
		      unsigned long long max, bool required)
{
	char buf[64], full[4096];
	bool present;
	enum num why;
	int err;

	err = dev_read(src, dev, attr, required, buf, sizeof(buf), full,
		       sizeof(full), &present);
	if (err || !present)
		return err;
	if (!buf[0])
		return exm_fail(src, "%s:1: empty", full);
	why = parse_whole(buf, v);
	if (why == NUM_OK && *v > max)
		why = NUM_RANGE;
	if (why != NUM_OK)
		return exm_fail(src, "%s:1: '%s' %s", full, buf, num_why[why]);
	return EXM_EXIT_OK;
}

/* A text device attribute; "" when an optional one is not provided. */
static int dev_text(struct exm_source *src, const char *dev, const char *attr,
		    char *dst, size_t len, bool required)
{
	char buf[256], full[4096];
	bool present;
	size_t n;
	int err;

	err = dev_read(src, dev, attr, required, buf, sizeof(buf), full,
		       sizeof(full), &present);
	if (err || !present)
		return err;
	if (required && !buf[0])
		return exm_fail(src, "%s:1: empty", full);
	n = strnlen(buf, len - 1);	/* @len - 1 bytes at most */
	memcpy(dst, buf, n);
	dst[n] = 0;
	return EXM_EXIT_OK;
}

static int read_device(struct exm_source *src, struct exm_dev *d)
{
	static const char *const required[] = { "capacity_bytes",
		"online_bytes", "free_bytes", "pinned" };
	unsigned long long *vals[] = { &d->capacity_bytes, &d->online_bytes,
		&d->free_bytes, &d->pinned };
	unsigned long long node = ULLONG_MAX, speed = 0, width = 0;
	int i, err = EXM_EXIT_OK;

	for (i = 0; !err && i < 4; i++)
		err = dev_number(src, d->name, required[i], vals[i],
				 ULLONG_MAX, true);
	if (!err)
		err = dev_text(src, d->name, "state", d->state,
			       sizeof(d->state), true);
	if (!err)
		err = dev_number(src, d->name, "node", &node, INT_MAX, false);
	/* Health, its last event, error counters and the link (optional). */
	if (!err)
		err = dev_text(src, d->name, "health", d->health,
			       sizeof(d->health), false);
	if (!err)
		err = dev_text(src, d->name, "last_event", d->last_event,
			       sizeof(d->last_event), false);
	d->errors = EXM_NO_ERRORS;	/* unless the file says otherwise */
	if (!err)
		err = dev_number(src, d->name, "errors", &d->errors,
				 EXM_NO_ERRORS - 1, false);
	if (!err)
		err = dev_number(src, d->name, "last_event_time",
				 &d->last_event_time, ULLONG_MAX, false);
	if (!err)
		err = dev_number(src, d->name, "link_speed_mts", &speed,
				 ULLONG_MAX, false);
	if (!err)
		err = dev_number(src, d->name, "link_width", &width,
				 ULLONG_MAX, false);
	if (err)
		return err;
	d->node = node == ULLONG_MAX ? -1 : (int)node;
	if (speed && width)
		snprintf(d->link, sizeof(d->link), "%lluGT/s x%llu",
			 speed / 1000, width);
	return EXM_EXIT_OK;
}

/* Numeric order, as daxctl list and ls -v: dax2.0 before dax10.0. */
static int cmp_dev(const void *a, const void *b)
{
	return strverscmp(((const struct exm_dev *)a)->name,
			  ((const struct exm_dev *)b)->name);
}

/*
 * Room for @n elements of @size bytes in *@arr, which holds *@cap: grown
 * by doubling. 0, or -1 when out of memory (*@arr is kept).
 */
static int grow(void *arr, int *cap, int n, size_t size)
{
	void **p = arr, *q;
	int c = *cap ? *cap : 16;

	while (c < n) {
		if (c > INT_MAX / 2)
			return -1;
		c *= 2;
	}
	if (c == *cap)
		return 0;
	q = reallocarray(*p, c, size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
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
		if (grow(&s->devs, &s->devs_cap, s->nr_devs + 1,
			 sizeof(*s->devs))) {
			err = exm_fail(src, "%s: out of memory for %d devices",
				       path, s->nr_devs + 1);
			break;
		}
		d = &s->devs[s->nr_devs++];
		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", de->d_name);
		err = read_device(src, d);
		if (err == DEV_GONE) {
			/* Hot-unplugged between readdir() and reading it. */
			if (!grow(&s->gone, &s->gone_cap, s->nr_gone + 1,
				  sizeof(*s->gone)))
				memcpy(s->gone[s->nr_gone++], d->name,
				       sizeof(s->gone[0]));
			s->nr_devs--;
			err = EXM_EXIT_OK;
		}
	}
	closedir(dir);
	if (s->nr_devs)
		qsort(s->devs, s->nr_devs, sizeof(s->devs[0]), cmp_dev);
	return err;
}

/*
 * Does the node list ("0-1,3", "" for none) include @nid? 1 or 0; -1 when
 * @list is not a node list.
 */
static int nodelist_has(const char *list, int nid)
{
	unsigned long long a, b;
	const char *p = list;
	int found = 0;

	while (*p) {
		if (parse_num(p, &p, &a) != NUM_OK)
			return -1;
		b = a;
		if (*p == '-' && parse_num(p + 1, &p, &b) != NUM_OK)
			return -1;
		if (b < a || (*p && *p != ','))
			return -1;
		if (*p == ',' && !*++p)
			return -1;
		if (nid >= 0 && (unsigned long long)nid >= a &&
		    (unsigned long long)nid <= b)
			found = 1;
	}
	return found;
}

/* Memory tiers are optional (CONFIG_NUMA and memory tiering). */
static int read_tiers(struct exm_source *src, struct exm_sample *s)
{
	char path[4096], full[4096], list[4096];
	unsigned long long tier;
	int i, has, err = EXM_EXIT_OK;
	struct dirent *de;
	const char *end;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/sys/devices/virtual/memory_tiering",
		 src->root);
	dir = opendir(path);
	if (!dir)
		return EXM_EXIT_OK;
	while (!err && (de = readdir(dir))) {
		if (strncmp(de->d_name, "memory_tier", 11) ||
		    parse_num(de->d_name + 11, &end, &tier) != NUM_OK ||
		    *end || tier > INT_MAX)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/virtual/memory_tiering/%s/nodelist",
			 de->d_name);
		switch (read_attr(src, path, list, sizeof(list), full,
				  sizeof(full))) {
		case ATTR_OK:
			break;
		case ATTR_ERROR:
			err = EXM_EXIT_DATA;
			continue;
		default:	/* the tier went away */
			continue;
		}
		for (i = 0; i < s->nr_nodes; i++) {
			has = nodelist_has(list, s->nodes[i].nid);
			if (has < 0) {
				err = exm_fail(src, "%s:1: '%s' is not a node list",
					       full, list);
				break;
			}
			if (has)
				s->nodes[i].tier = (int)tier;
		}
	}
	closedir(dir);
	return err;
}

/*
 * A non-negative decimal number of seconds ("160.25") at the start of @s;
 * *@end is set past it. False if there is none.
 */
static bool parse_seconds(const char *s, const char **end, double *v)
{
	size_t n = strspn(s, "0123456789");
	char *e;

	if (!n)
		return false;
	if (s[n] == '.')
		n += 1 + strspn(s + n + 1, "0123456789");
	errno = 0;
	*v = strtod(s, &e);
	if (errno || e != s + n || !isfinite(*v))
		return false;
	*end = e;
	return true;
}

/* Fixtures carry their own clock: <root>/time, in seconds. */
static int sample_time(struct exm_source *src, struct exm_sample *s)
{
	char buf[64], full[4096];
	struct timespec ts;
	const char *end;

	if (src->root[0]) {
		switch (read_attr(src, "/time", buf, sizeof(buf), full,
				  sizeof(full))) {
		case ATTR_OK:
			if (!parse_seconds(buf, &end, &s->time) || *end)
				return exm_fail(src, "%s:1: '%s' is not a number of seconds",
						full, buf);
			return EXM_EXIT_OK;
		case ATTR_ERROR:
			return EXM_EXIT_DATA;
		default:
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->time = ts.tv_sec + ts.tv_nsec / 1e9;
	return EXM_EXIT_OK;
}

/* The wall clock of a sample: always the real one, even for fixtures. */
static int sample_wall(struct exm_source *src, struct exm_sample *s)
{
	if (clock_gettime(CLOCK_REALTIME, &s->wall))
		return exm_fail(src, "clock_gettime(CLOCK_REALTIME): %s",
				strerror(errno));
	return EXM_EXIT_OK;
}

/* Seconds since boot, the clock of last_event_time; -1 if unknown. */
static int sample_uptime(struct exm_source *src, struct exm_sample *s)
{
	char buf[128], full[4096];
	const char *end;
	double idle;

	s->uptime = -1;
	switch (read_attr(src, "/proc/uptime", buf, sizeof(buf), full,
			  sizeof(full))) {
	case ATTR_OK:
		break;
	case ATTR_ERROR:
		return EXM_EXIT_DATA;
	default:
		return EXM_EXIT_OK;
	}
	if (!parse_seconds(buf, &end, &s->uptime) || *end != ' ' ||
	    !parse_seconds(end + 1, &end, &idle) || *end)
		return exm_fail(src, "%s:1: '%s' is not 'UPTIME IDLE' in seconds",
				full, buf);
	return EXM_EXIT_OK;
}

/*
 * The page size of the kernel whose files are read: the running one's, or
 * <root>/page_size for a fixture tree of another kernel (a 64 KiB-page
 * arm64 or ppc64le kernel reports page counts in its own pages).
 */
static int sample_page_size(struct exm_source *src, struct exm_sample *s)
{
	unsigned long long v;
	char buf[64], full[4096];
	long ps;

	if (src->root[0]) {
		switch (read_attr(src, "/page_size", buf, sizeof(buf), full,
				  sizeof(full))) {
		case ATTR_OK:
			if (parse_whole(buf, &v) != NUM_OK || v < 512 ||
			    v > (1ULL << 30) || (v & (v - 1)))
				return exm_fail(src,
						"%s:1: '%s' is not a page size (a power of two)",
						full, buf);
			s->page_size = (unsigned long)v;
			return EXM_EXIT_OK;
		case ATTR_ERROR:
			return EXM_EXIT_DATA;
		default:
			break;
		}
	}
	ps = sysconf(_SC_PAGESIZE);
	if (ps <= 0)
		return exm_fail(src, "sysconf(_SC_PAGESIZE): %s", strerror(errno));
	s->page_size = (unsigned long)ps;
	return EXM_EXIT_OK;
}

/*
 * ExMemFree above ExMemTotal is malformed, beyond the drift of the free
 * page counters of the ExMem zones (free_drift_pages() each).
 */
static int check_meminfo_free(struct exm_source *src,
			      const struct exm_sample *s, int free_line)
{
	unsigned long long drift = free_drift_pages() * s->page_size *
				   (unsigned long long)(s->nr_nodes ? s->nr_nodes : 1);
	char path[4096];

	if (s->free_bytes <= s->total_bytes ||
	    s->free_bytes - s->total_bytes <= drift)
		return EXM_EXIT_OK;
	full_path(src, "/proc/meminfo", path, sizeof(path));
	return exm_fail(src, "%s:%d: ExMemFree: %llu kB is more than ExMemTotal (%llu kB)",
			path, free_line, s->free_bytes / 1024,
			s->total_bytes / 1024);
}

/* Page counts of the ExMem zones must fit in bytes. */
static int check_page_counts(struct exm_source *src, struct exm_sample *s)
{
	unsigned long long max = ULLONG_MAX / s->page_size;
	int i;

	for (i = 0; i < s->nr_nodes; i++) {
		const struct exm_node *n = &s->nodes[i];

		if (n->present_pages > max || n->managed_pages > max ||
		    n->free_pages > max || n->zspages > max)
			return exm_fail(src, "%s/proc/zoneinfo: node %d: page counts out of range",
					src->root, n->nid);
	}
	return EXM_EXIT_OK;
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

void exm_sample_free(struct exm_sample *s)
{
	free(s->devs);
	free(s->gone);
	s->devs = NULL;
	s->gone = NULL;
	s->nr_devs = 0;
	s->devs_cap = 0;
	s->nr_gone = 0;
	s->gone_cap = 0;
}

int exm_read(struct exm_source *src, struct exm_sample *s)
{
	struct exm_dev *devs = s->devs;
	char (*gone)[256] = s->gone;
	int devs_cap = s->devs_cap, gone_cap = s->gone_cap;
	int err, i, j, free_line = 0;

	/* A new sample in the arrays of the last one read into @s. */
	memset(s, 0, sizeof(*s));
	s->devs = devs;
	s->devs_cap = devs_cap;
	s->gone = gone;
	s->gone_cap = gone_cap;
	src->error[0] = 0;
	err = sample_page_size(src, s);
	if (!err)
		err = sample_time(src, s);
	if (!err)
		err = sample_wall(src, s);
	if (!err)
		err = sample_uptime(src, s);
	if (!err)
		err = read_meminfo(src, s, &free_line);
	if (!err)
		err = read_vmstat(src, s);
	if (!err)
		err = read_zoneinfo(src, s);
	if (!err)
		err = check_page_counts(src, s);
	if (!err)
		err = check_meminfo_free(src, s, free_line);
	if (!err)
		err = read_devices(src, s);
	if (!err)
		err = read_tiers(src, s);
	if (err)
		return err;
	for (i = 0; i < s->nr_nodes; i++)
		for (j = 0; j < s->nr_devs; j++)
			if (s->devs[j].node == s->nodes[i].nid)
				s->nodes[i].pinned += s->devs[j].pinned;
	return EXM_EXIT_OK;
}

bool exm_rate(const struct exm_sample *prev, const struct exm_sample *cur,
	      enum exm_event e, double *rate)
{
	unsigned long long from = 0;
	double dt = cur->uptime;	/* since boot; -1 if unknown */

	if (!cur->has_event[e])
		return false;
	if (prev) {
		if (!prev->has_event[e])
			return false;
		from = prev->events[e];
		dt = cur->time - prev->time;
	}
	if (dt <= 0 || cur->events[e] < from)
		return false;
	*rate = (cur->events[e] - from) / dt;
	return true;
}
