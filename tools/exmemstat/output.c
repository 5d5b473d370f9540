// SPDX-License-Identifier: GPL-2.0
/*
 * exmemstat output: the summary table, the device table, rolling interval
 * lines, the full-screen watch view, JSON (json-c) and Prometheus text.
 * Field names follow the kernel files they come from.
 */
#define _GNU_SOURCE		/* tm_gmtoff */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exmemstat.h"

#define MIB		(1024.0 * 1024.0)

static double mib(unsigned long long bytes)
{
	return bytes / MIB;
}

/* Pages of the sample's kernel (its own page size) in bytes. */
static unsigned long long pg(const struct exm_sample *s, unsigned long long pages)
{
	return pages * s->page_size;
}

static unsigned long long node_used(const struct exm_sample *s,
				    const struct exm_node *n)
{
	return n->managed_pages > n->free_pages ?
	       pg(s, n->managed_pages - n->free_pages) : 0;
}

static unsigned long long dev_used(const struct exm_dev *d)
{
	return d->online_bytes > d->free_bytes ?
	       d->online_bytes - d->free_bytes : 0;
}

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

/*
 * The sample's wall clock in local time, ISO 8601 with the UTC offset
 * ("2026-11-30T08:51:00+01:00"), as -t prints it.
 */
static void format_local_time(const struct exm_sample *s, char *buf,
			      size_t len)
{
	struct tm tm;
	size_t n = 0;
	long off;

	if (localtime_r(&s->wall.tv_sec, &tm))
		n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!n) {
		snprintf(buf, len, "-");
		return;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(buf + n, len - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
		 labs(off) / 60, labs(off) % 60);
}

/* The sample's wall clock in UTC, "2026-11-30T07:51:00.123Z" (JSON). */
static void format_utc_time(const struct exm_sample *s, char *buf, size_t len)
{
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&s->wall.tv_sec, &tm))
		n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!n) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf + n, len - n, ".%03ldZ", s->wall.tv_nsec / 1000000);
}

void exm_print_timestamp(FILE *f, const struct exm_sample *s)
{
	char when[64];

	format_local_time(s, when, sizeof(when));
	fprintf(f, "timestamp: %s\n", when);
}

void exm_print_summary(FILE *f, const struct exm_sample *s)
{
	int i;

	fprintf(f, "ExMem: %.1f MiB total, %.1f MiB free, %.1f MiB used\n",
		mib(s->total_bytes), mib(s->free_bytes),
		mib(s->total_bytes - (s->free_bytes < s->total_bytes ?
				      s->free_bytes : s->total_bytes)));
	if (!s->nr_nodes)
		fprintf(f, "no ExMem memory online\n");
	else
		fprintf(f, "%-6s %12s %12s %12s %10s %12s %5s\n", "node",
			"total_MiB", "free_MiB", "used_MiB", "pinned", "zswap_MiB",
			"tier");
	for (i = 0; i < s->nr_nodes; i++) {
		const struct exm_node *n = &s->nodes[i];
		char tier[16] = "-";

		if (n->tier >= 0)
			snprintf(tier, sizeof(tier), "%d", n->tier);
		fprintf(f, "%-6d %12.1f %12.1f %12.1f %10llu %12.1f %5s\n",
			n->nid, mib(pg(s, n->managed_pages)),
			mib(pg(s, n->free_pages)), mib(node_used(s, n)),
			n->pinned, mib(pg(s, n->zspages)), tier);
	}
	fprintf(f, "%-28s %14s\n", "event", "total");
	for (i = 0; i < EXM_NR_EVENTS; i++)
		if (s->has_event[i])
			fprintf(f, "%-28s %14llu\n", exm_event_names[i],
				s->events[i]);
}

/*
 * An age as "45s", "12m", "3h" or "2d" (a unit once the age is two of
 * them: "90s", "2m"); "-" when unknown.
 */
static void format_age(double age, char *buf, size_t len)
{
	static const struct {
		double secs;
		char unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t i;

	if (age < 0) {
		snprintf(buf, len, "-");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(units) - 1; i++)
		if (age >= 2 * units[i].secs)
			break;
	snprintf(buf, len, "%.0f%c", age / units[i].secs, units[i].unit);
}

/* The width of the state column: 8, or the longest state, printed whole. */
#define STATE_WIDTH	8

void exm_print_devices(FILE *f, const struct exm_sample *s, bool header)
{
	int i, sw = STATE_WIDTH;

	if (!s->nr_devs) {
		fprintf(f, "no ExMem devices\n");
		return;
	}
	for (i = 0; i < s->nr_devs; i++)
		if ((int)strlen(s->devs[i].state) > sw)
			sw = (int)strlen(s->devs[i].state);
	if (header)
		fprintf(f, "%-12s %4s %10s %10s %10s %10s %8s %-*s %-9s %-19s %7s %6s %s\n",
			"device", "node", "cap_MiB", "online_MiB", "free_MiB",
			"used_MiB", "pinned", sw, "state", "health",
			"last_event", "since", "errors", "link");
	for (i = 0; i < s->nr_devs; i++) {
		const struct exm_dev *d = &s->devs[i];
		char since[16], errors[24] = "-";

		format_age(exm_event_age(s, d), since, sizeof(since));
		if (d->errors != EXM_NO_ERRORS)
			snprintf(errors, sizeof(errors), "%llu", d->errors);
		fprintf(f,
			"%-12s %4d %10.1f %10.1f %10.1f %10.1f %8llu %-*s %-9s %-19s %7s %6s %s\n",
			d->name, d->node, mib(d->capacity_bytes),
			mib(d->online_bytes), mib(d->free_bytes),
			mib(dev_used(d)), d->pinned, sw, d->state,
			or_dash(d->health),
			or_dash(d->last_event), since, errors,
			or_dash(d->link));
	}
}

/* The rates of the interval view, in column order. */
static const struct {
	const char *title;
	enum exm_event event;
} rate_cols[] = {
	{ "alloc/s", EXM_PGALLOC },
	{ "fallbk/s", EXM_FALLBACK },
	{ "pin_in/s", EXM_PIN_INPLACE },
	{ "pin_mig/s", EXM_PIN_MIGRATED },
	{ "offl_ex/s", EXM_OFFLINE_EXMEM },
	{ "offl_dr/s", EXM_OFFLINE_OTHER },
	{ "zsw_ref/s", EXM_ZSWPOUT_REFUSED },
};

#define NR_RATE_COLS ARRAY_SIZE(rate_cols)

/* The width of the interval lines' "over" column ("boot", "3600.0s"). */
#define OVER_WIDTH	7

void exm_print_interval_header(FILE *f, bool timestamp)
{
	size_t i;

	fprintf(f, "%10s %10s %10s", "total_MiB", "free_MiB", "pinned");
	for (i = 0; i < NR_RATE_COLS; i++)
		fprintf(f, " %10s", rate_cols[i].title);
	fprintf(f, " %*s", OVER_WIDTH, "over");
	if (timestamp)
		fprintf(f, " %s", "timestamp");
	fputc('\n', f);
}

static unsigned long long total_pinned(const struct exm_sample *s)
{
	unsigned long long p = 0;
	int i;

	for (i = 0; i < s->nr_devs; i++)
		p += s->devs[i].pinned;
	return p;
}

/*
 * What the rates of a line are over: "boot" for the first line (averages
 * since boot, as vmstat's first line), else the interval measured ("2.0s";
 * "-" if the clock did not advance).
 */
static void format_over(const struct exm_sample *prev,
			const struct exm_sample *cur, char *buf, size_t len)
{
	double dt = prev ? cur->time - prev->time : 0;

	if (!prev)
		snprintf(buf, len, "boot");
	else if (dt > 0)
		snprintf(buf, len, "%.1fs", dt);
	else
		snprintf(buf, len, "-");
}

void exm_print_interval_line(FILE *f, const struct exm_sample *prev,
			     const struct exm_sample *cur, bool timestamp)
{
	char over[32], when[64];
	double rate;
	size_t i;

	fprintf(f, "%10.1f %10.1f %10llu", mib(cur->total_bytes),
		mib(cur->free_bytes), total_pinned(cur));
	for (i = 0; i < NR_RATE_COLS; i++) {
		if (exm_rate(prev, cur, rate_cols[i].event, &rate))
			fprintf(f, " %10.1f", rate);
		else
			fprintf(f, " %10s", "-");
	}
	format_over(prev, cur, over, sizeof(over));
	fprintf(f, " %*s", OVER_WIDTH, over);
	if (timestamp) {
		format_local_time(cur, when, sizeof(when));
		fprintf(f, " %s", when);
	}
	fputc('\n', f);
}

#define BAR_WIDTH 40

void exm_print_watch(FILE *f, const struct exm_sample *prev,
		     const struct exm_sample *cur, bool timestamp, bool clear)
{
	char bar[BAR_WIDTH + 1];
	int i, used;

	if (clear)
		fputs("\033[H\033[2J", f);	/* home, clear screen */
	if (timestamp)
		exm_print_timestamp(f, cur);
	exm_print_summary(f, cur);
	fputc('\n', f);
	for (i = 0; i < cur->nr_devs; i++) {
		const struct exm_dev *d = &cur->devs[i];

		used = d->online_bytes ?
		       (int)(dev_used(d) * BAR_WIDTH / d->online_bytes) : 0;
		memset(bar, '#', used);
		memset(bar + used, '.', BAR_WIDTH - used);
		bar[BAR_WIDTH] = 0;
		fprintf(f, "%-12s [%s] %5.1f%% of %.0f MiB  %s %s\n", d->name,
			bar, d->online_bytes ? 100.0 * dev_used(d) /
			d->online_bytes : 0.0, mib(d->online_bytes), d->state,
			or_dash(d->health));
	}
	fputc('\n', f);
	exm_print_interval_header(f, false);
	exm_print_interval_line(f, prev, cur, false);
	fflush(f);
}

static void add_u64(json_object *o, const char *key, unsigned long long v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v && v[0] ? json_object_new_string(v) :
						    NULL);
}

static json_object *json_nodes(const struct exm_sample *s)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < s->nr_nodes; i++) {
		const struct exm_node *n = &s->nodes[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "node", json_object_new_int(n->nid));
		add_u64(o, "total_bytes", pg(s, n->managed_pages));
		add_u64(o, "free_bytes", pg(s, n->free_pages));
		add_u64(o, "used_bytes", node_used(s, n));
		add_u64(o, "present_bytes", pg(s, n->present_pages));
		add_u64(o, "pinned", n->pinned);
		add_u64(o, "zswap_bytes", pg(s, n->zspages));
		json_object_object_add(o, "tier", n->tier >= 0 ?
				       json_object_new_int(n->tier) : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *json_devices(const struct exm_sample *s)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < s->nr_devs; i++) {
		const struct exm_dev *d = &s->devs[i];
		json_object *o = json_object_new_object();

		add_str(o, "device", d->name);
		json_object_object_add(o, "node", d->node >= 0 ?
				       json_object_new_int(d->node) : NULL);
		add_u64(o, "capacity_bytes", d->capacity_bytes);
		add_u64(o, "online_bytes", d->online_bytes);
		add_u64(o, "free_bytes", d->free_bytes);
		add_u64(o, "used_bytes", dev_used(d));
		add_u64(o, "pinned", d->pinned);
		add_str(o, "state", d->state);
		add_str(o, "health", d->health);
		add_str(o, "last_event", d->last_event);
		json_object_object_add(o, "last_event_age_s",
				       exm_event_age(s, d) >= 0 ?
				       json_object_new_double(exm_event_age(s, d)) :
				       NULL);
		json_object_object_add(o, "errors", d->errors != EXM_NO_ERRORS ?
				       json_object_new_uint64(d->errors) : NULL);
		add_str(o, "link", d->link);
		json_object_array_add(arr, o);
	}
	return arr;
}

int exm_print_json(FILE *f, const struct exm_sample *prev,
		   const struct exm_sample *cur)
{
	json_object *root = json_object_new_object();
	json_object *ev = json_object_new_object();
	json_object *tot = json_object_new_object();
	char when[64];
	double rate;
	int i;

	format_utc_time(cur, when, sizeof(when));
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "timestamp", json_object_new_string(when));
	json_object_object_add(root, "time", json_object_new_double(cur->time));
	json_object_object_add(root, "uptime", cur->uptime >= 0 ?
			       json_object_new_double(cur->uptime) : NULL);
	add_u64(tot, "total_bytes", cur->total_bytes);
	add_u64(tot, "free_bytes", cur->free_bytes);
	add_u64(tot, "used_bytes", cur->total_bytes > cur->free_bytes ?
		cur->total_bytes - cur->free_bytes : 0);
	add_u64(tot, "pinned", total_pinned(cur));
	json_object_object_add(root, "exmem", tot);
	json_object_object_add(root, "nodes", json_nodes(cur));
	json_object_object_add(root, "devices", json_devices(cur));
	for (i = 0; i < EXM_NR_EVENTS; i++)
		if (cur->has_event[i])
			add_u64(ev, exm_event_names[i], cur->events[i]);
	json_object_object_add(root, "events", ev);
	if (prev) {
		json_object *rates = json_object_new_object();

		for (i = 0; i < EXM_NR_EVENTS; i++) {
			if (!cur->has_event[i])
				continue;
			json_object_object_add(rates, exm_event_names[i],
					       exm_rate(prev, cur, i, &rate) ?
					       json_object_new_double(rate) : NULL);
		}
		json_object_object_add(root, "rates_per_second", rates);
	}
	/* "32GT/s", not json-c's default "32GT\/s". */
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

/*
 * Prometheus text exposition (format 0.0.4), for node_exporter's textfile
 * collector. Every family has HELP and TYPE lines, even with no sample;
 * names carry their unit (_bytes, _pages) and counters end in _total.
 * Device series are labelled by device alone, so that a device keeps its
 * series when it moves to another node (exmem_device_info has the node).
 */

/* The /proc/vmstat counters, one family each: their units differ. */
static const struct {
	const char *name;
	const char *help;
} prom_events[EXM_NR_EVENTS] = {
	[EXM_PGALLOC] = {
		"exmem_alloc_pages_total",
		"Pages allocated from ZONE_EXMEM (pgalloc_exmem).",
	},
	[EXM_FALLBACK] = {
		"exmem_alloc_fallback_pages_total",
		"Of those, pages for requests that did not ask for ExMem (exmem_alloc_fallback).",
	},
	[EXM_PIN_INPLACE] = {
		"exmem_pin_inplace_total",
		"Long-term pins of ExMem folios kept in place, one per folio and pin request (exmem_pin_inplace).",
	},
	[EXM_PIN_MIGRATED] = {
		"exmem_pin_migrated_total",
		"Long-term pins of ExMem folios that migrated out (exmem_pin_migrated).",
	},
	[EXM_OFFLINE_PINNED] = {
		"exmem_offline_pinned_refused_total",
		"Offline requests refused because of long-term pins (exmem_offline_pinned).",
	},
	[EXM_OFFLINE_EXMEM] = {
		"exmem_offline_migrate_exmem_pages_total",
		"Pages that offlining migrated to other ExMem capacity (exmem_offline_migrate_exmem).",
	},
	[EXM_OFFLINE_OTHER] = {
		"exmem_offline_migrate_other_pages_total",
		"Pages that offlining moved out of ExMem (exmem_offline_migrate_other).",
	},
	[EXM_MAP_REFUSED] = {
		"exmem_map_refused_total",
		"mmap() calls refused for MAP_EXMEM or MAP_NORMAL (exmem_map_refused).",
	},
	[EXM_ZSWPOUT] = {
		"exmem_zswpout_pages_total",
		"zswap stores whose data was kept in ExMem (exmem_zswpout).",
	},
	[EXM_ZSWPOUT_REFUSED] = {
		"exmem_zswpout_refused_pages_total",
		"zswap stores refused to keep ExMem data out of a faster tier (exmem_zswpout_refused).",
	},
};

/* The states of exmem_device_health's state set: the kernel's names. */
static const char *const health_states[] = {
	"ok", "degraded", "failing", "offline",
};

/* Label values: escape backslash, quote and newline. */
static void prom_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The start of a device's sample: 'name{device="dax0.0"', still open. */
static void prom_dev_labels(FILE *f, const char *name,
			    const struct exm_dev *d)
{
	fprintf(f, "%s{device=\"", name);
	prom_label(f, d->name);
	fputc('"', f);
}

enum { NODE_TOTAL, NODE_FREE, NODE_PINNED, NODE_ZSWAP };

static void prom_node_metric(FILE *f, const struct exm_sample *s,
			     const char *name, const char *help, int field)
{
	int i;

	prom_head(f, name, "gauge", help);
	for (i = 0; i < s->nr_nodes; i++) {
		const struct exm_node *n = &s->nodes[i];
		unsigned long long v[] = { pg(s, n->managed_pages),
			pg(s, n->free_pages), n->pinned, pg(s, n->zspages) };

		fprintf(f, "%s{node=\"%d\"} %llu\n", name, n->nid, v[field]);
	}
}

enum { DEV_CAPACITY, DEV_ONLINE, DEV_FREE, DEV_PINNED, DEV_ERRORS, DEV_UP };

static void prom_dev_metric(FILE *f, const struct exm_sample *s,
			    const char *name, const char *type,
			    const char *help, int field)
{
	int i;

	prom_head(f, name, type, help);
	for (i = 0; i < s->nr_devs; i++) {
		const struct exm_dev *d = &s->devs[i];
		unsigned long long v[] = { d->capacity_bytes, d->online_bytes,
			d->free_bytes, d->pinned, d->errors,
			!strcmp(d->state, "online") };

		if (field == DEV_ERRORS && d->errors == EXM_NO_ERRORS)
			continue;	/* no errors file: no sample */
		prom_dev_labels(f, name, d);
		fprintf(f, "} %llu\n", v[field]);
	}
}

void exm_print_prometheus(FILE *f, const struct exm_sample *s)
{
	size_t j;
	int i;

	prom_head(f, "exmem_total_bytes", "gauge",
		  "ZONE_EXMEM memory (ExMemTotal in /proc/meminfo).");
	fprintf(f, "exmem_total_bytes %llu\n", s->total_bytes);
	prom_head(f, "exmem_free_bytes", "gauge",
		  "Free ZONE_EXMEM memory (ExMemFree in /proc/meminfo).");
	fprintf(f, "exmem_free_bytes %llu\n", s->free_bytes);
	prom_node_metric(f, s, "exmem_node_total_bytes",
			 "ExMem memory of a node (managed pages).", NODE_TOTAL);
	prom_node_metric(f, s, "exmem_node_free_bytes",
			 "Free ExMem memory of a node.", NODE_FREE);
	prom_node_metric(f, s, "exmem_node_pinned_pages",
			 "Pages of a node's ExMem that hold long-term pins.",
			 NODE_PINNED);
	prom_node_metric(f, s, "exmem_node_zswap_bytes",
			 "zswap (zsmalloc) memory in a node's ExMem.",
			 NODE_ZSWAP);
	prom_head(f, "exmem_device_info", "gauge",
		  "Always 1; the node label is the NUMA node of a CXL device's memory (empty if not reported).");
	for (i = 0; i < s->nr_devs; i++) {
		prom_dev_labels(f, "exmem_device_info", &s->devs[i]);
		if (s->devs[i].node >= 0)
			fprintf(f, ",node=\"%d\"} 1\n", s->devs[i].node);
		else
			fputs(",node=\"\"} 1\n", f);
	}
	prom_dev_metric(f, s, "exmem_device_capacity_bytes", "gauge",
			"Capacity of a CXL device.", DEV_CAPACITY);
	prom_dev_metric(f, s, "exmem_device_online_bytes", "gauge",
			"Memory of a device online in ZONE_EXMEM.", DEV_ONLINE);
	prom_dev_metric(f, s, "exmem_device_free_bytes", "gauge",
			"Free memory in a device's online blocks.", DEV_FREE);
	prom_dev_metric(f, s, "exmem_device_pinned_pages", "gauge",
			"Pages of a device that hold long-term pins.",
			DEV_PINNED);
	prom_dev_metric(f, s, "exmem_device_errors_total", "counter",
			"Errors counted against a device (correctable errors, corrected media events, poisoned pages).",
			DEV_ERRORS);
	prom_dev_metric(f, s, "exmem_device_up", "gauge",
			"1 while any block of a device is online, else 0.",
			DEV_UP);
	prom_head(f, "exmem_device_health", "gauge",
		  "Health of a device as a state set: 1 for its current state (ok, degraded, failing, offline), 0 for the others.");
	for (i = 0; i < s->nr_devs; i++) {
		if (!s->devs[i].health[0])	/* not reported */
			continue;
		for (j = 0; j < ARRAY_SIZE(health_states); j++) {
			prom_dev_labels(f, "exmem_device_health", &s->devs[i]);
			fprintf(f, ",state=\"%s\"} %d\n", health_states[j],
				!strcmp(s->devs[i].health, health_states[j]));
		}
	}
	for (i = 0; i < EXM_NR_EVENTS; i++) {
		prom_head(f, prom_events[i].name, "counter",
			  prom_events[i].help);
		if (s->has_event[i])
			fprintf(f, "%s %llu\n", prom_events[i].name,
				s->events[i]);
	}
}
