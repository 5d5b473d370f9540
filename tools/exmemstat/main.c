// SPDX-License-Identifier: GPL-2.0
/*
 * exmemstat - the administrator's view of ZONE_EXMEM (CXL memory), in the
 * manner of vmstat and numastat:
 *
 *   exmemstat                  one-shot summary
 *   exmemstat INTERVAL [COUNT] rolling lines with per-second rates
 *   exmemstat -d               per-device table
 *   exmemstat -w [INTERVAL]    full-screen refresh with usage bars
 *   exmemstat --json           JSON, one object per sample
 *   exmemstat --prometheus     Prometheus text exposition
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exmemstat.h"

#define EXMEMSTAT_VERSION	"1.0"
#define HEADER_EVERY		20	/* rolling lines between headers */
#define MAX_ROOTS		8

enum format { FMT_TABLE, FMT_DEVICES, FMT_WATCH, FMT_JSON, FMT_PROMETHEUS };

struct options {
	enum format format;
	double interval;	/* seconds; 0: one sample */
	long count;		/* samples; 0: until interrupted */
	const char *roots[MAX_ROOTS];	/* fixture roots, used in turn */
	int nr_roots;
	char *roots_buf;
};

/* Set by the SIGINT/SIGTERM handler; lock-free, so async-signal-safe. */
static atomic_int stop;

static void on_signal(int sig)
{
	atomic_store(&stop, 1);
}

static const char help_text[] =
	"Usage: exmemstat [OPTIONS] [INTERVAL [COUNT]]\n"
	"Show ZONE_EXMEM (CXL memory): per node, per device, and event rates.\n"
	"\n"
	"  -d, --devices      per-device table (capacity, free, pinned, health)\n"
	"  -w, --watch        full-screen view with a usage bar per device\n"
	"  -j, --json         JSON, one object per sample (json-c)\n"
	"  -p, --prometheus   Prometheus text exposition (node_exporter textfile)\n"
	"  -r, --root DIR     read DIR/proc and DIR/sys instead of the system's;\n"
	"                     DIR1:DIR2:... are read in turn, one per sample\n"
	"                     (for fixtures; also EXMEMSTAT_ROOT)\n"
	"  -h, --help         this help\n"
	"  -V, --version      the version\n"
	"\n"
	"With INTERVAL (seconds), print a sample every INTERVAL, COUNT times or\n"
	"until interrupted, with per-second rates from the deltas.\n"
	"Exit status: 0 ok, 1 usage error, 2 the kernel has no ZONE_EXMEM,\n"
	"3 a kernel file is missing or cannot be parsed. See exmemstat(8).\n";

static void print_help(FILE *f)
{
	fputs(help_text, f);
}

static int parse_roots(struct options *o, const char *arg)
{
	char *save, *r;

	free(o->roots_buf);
	o->roots_buf = strdup(arg);
	o->nr_roots = 0;
	if (!o->roots_buf)
		return -1;
	for (r = strtok_r(o->roots_buf, ":", &save); r;
	     r = strtok_r(NULL, ":", &save)) {
		if (o->nr_roots == MAX_ROOTS)
			return -1;
		o->roots[o->nr_roots++] = r;
	}
	return o->nr_roots ? 0 : -1;
}

static int parse_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end || *v < 0 ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "devices", no_argument, NULL, 'd' },
		{ "watch", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("EXMEMSTAT_ROOT");
	double v;
	int c;

	if (env && env[0] && parse_roots(o, env))
		return -1;
	while ((c = getopt_long(argc, argv, "dwjpr:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->format = FMT_DEVICES;
			break;
		case 'w':
			o->format = FMT_WATCH;
			break;
		case 'j':
			o->format = FMT_JSON;
			break;
		case 'p':
			o->format = FMT_PROMETHEUS;
			break;
		case 'r':
			if (parse_roots(o, optarg)) {
				fprintf(stderr, "exmemstat: bad --root '%s'\n", optarg);
				return -1;
			}
			break;
		case 'h':
			print_help(stdout);
			exit(EXM_EXIT_OK);
		case 'V':
			printf("exmemstat %s\n", EXMEMSTAT_VERSION);
			exit(EXM_EXIT_OK);
		default:
			return -1;
		}
	}
	if (optind < argc) {
		if (parse_number(argv[optind], &o->interval) || o->interval == 0) {
			fprintf(stderr, "exmemstat: bad interval '%s'\n", argv[optind]);
			return -1;
		}
		optind++;
	}
	if (optind < argc) {
		if (parse_number(argv[optind], &v) || v < 1 || v != (long)v) {
			fprintf(stderr, "exmemstat: bad count '%s'\n", argv[optind]);
			return -1;
		}
		o->count = (long)v;
		optind++;
	}
	if (optind < argc) {
		fprintf(stderr, "exmemstat: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->format == FMT_WATCH && !o->interval)
		o->interval = 1;
	if (o->format == FMT_PROMETHEUS && o->interval) {
		fprintf(stderr, "exmemstat: --prometheus takes no interval\n");
		return -1;
	}
	return 0;
}

static void print_sample(const struct options *o, const struct exm_sample *prev,
			 const struct exm_sample *cur, long n)
{
	switch (o->format) {
	case FMT_TABLE:
		if (!o->interval) {
			exm_print_summary(stdout, cur);
			break;
		}
		if (n % HEADER_EVERY == 0)
			exm_print_interval_header(stdout);
		exm_print_interval_line(stdout, prev, cur);
		break;
	case FMT_DEVICES:
		if (n)
			putchar('\n');
		exm_print_devices(stdout, cur);
		break;
	case FMT_WATCH:
		exm_print_watch(stdout, prev, cur);
		break;
	case FMT_JSON:
		exm_print_json(stdout, prev, cur);
		break;
	case FMT_PROMETHEUS:
		exm_print_prometheus(stdout, cur);
		break;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct exm_sample samples[2];
	struct options o = { .format = FMT_TABLE };
	struct exm_source src = { .root = "" };
	struct exm_sample *prev = NULL, *cur;
	long n;
	int err = EXM_EXIT_OK;

	if (parse_args(argc, argv, &o)) {
		fprintf(stderr, "Try 'exmemstat --help'.\n");
		free(o.roots_buf);
		return EXM_EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (n = 0; !atomic_load(&stop) && (!o.count || n < o.count); n++) {
		if (n && o.interval)
			usleep((useconds_t)(o.interval * 1e6));
		if (atomic_load(&stop))
			break;
		if (o.nr_roots)
			src.root = o.roots[n % o.nr_roots];
		cur = &samples[n % 2];
		err = exm_read(&src, cur);
		if (err) {
			fprintf(stderr, "exmemstat: %s\n", src.error);
			break;
		}
		print_sample(&o, prev, cur, n);
		prev = cur;
		if (!o.interval)
			break;
	}
	free(o.roots_buf);
	return err;
}
