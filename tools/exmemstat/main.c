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
 *   exmemstat -p --output F    the same, replacing file F atomically
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exmemstat.h"
#include "proc.h"

#define EXMEMSTAT_VERSION	"1.0"
#define HEADER_EVERY		20	/* rolling lines between headers */
#define MAX_ROOTS		8
/* The interval's range, in seconds (exmemstat(8)). */
#define INTERVAL_MIN		0.1
#define INTERVAL_MAX		3600.0

enum format { FMT_TABLE, FMT_DEVICES, FMT_WATCH, FMT_JSON, FMT_PROMETHEUS };

struct options {
	enum format format;
	double interval;	/* seconds; 0: one sample */
	unsigned long count;	/* samples; 0: until interrupted */
	bool timestamp;		/* -t: the wall clock on each line */
	bool one_header;	/* -n: the header only once */
	bool tty;		/* the output is a terminal (-w clears it) */
	const char *output;	/* --output FILE; NULL: stdout */
	const char *roots[MAX_ROOTS];	/* fixture roots, used in turn */
	int nr_roots;
	char *roots_buf;
	struct exm_pids pids;	/* --pid: the per-process view */
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
	"  -P, --pid PID      how much of process PID is in ExMem, as numastat -p\n"
	"                     (PID,PID,... or the option repeated)\n"
	"  -t, --timestamp    the wall clock (ISO 8601) on each interval line,\n"
	"                     above each summary, table or screen\n"
	"  -n, --one-header   print the header only once, not every 20 lines\n"
	"      --output FILE  write one sample to FILE atomically (a temporary\n"
	"                     file in its directory renamed over it), for\n"
	"                     node_exporter's textfile collector\n"
	"  -r, --root DIR     read DIR/proc and DIR/sys instead of the system's;\n"
	"                     DIR1:DIR2:... are read in turn, one per sample\n"
	"                     (for fixtures; also EXMEMSTAT_ROOT, which\n"
	"                     --root overrides)\n"
	"  -h, --help         this help\n"
	"  -V, --version      the version\n"
	"\n"
	"The output modes -d, -w, -j and -p exclude one another.\n"
	"With INTERVAL (seconds, 0.1 to 3600), print a sample every INTERVAL,\n"
	"COUNT (a positive integer) times or until interrupted, with per-second\n"
	"rates: the first line's are averages since boot (\"over\" says boot),\n"
	"the next ones' are over the interval measured; \"-\" if unknown.\n"
	"Exit status: 0 ok, 1 usage error, 2 the kernel has no ZONE_EXMEM,\n"
	"3 a kernel file is unreadable or malformed, 4 write error.\n"
	"See exmemstat(8).\n";

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

/*
 * The interval: a decimal number of seconds ("2", "0.5"; no sign, exponent,
 * hex, nan or inf) from INTERVAL_MIN to INTERVAL_MAX.
 */
static int parse_interval(const char *s, double *v)
{
	size_t n = strspn(s, "0123456789");
	char *end;

	if (s[n] == '.')
		n += 1 + strspn(s + n + 1, "0123456789");
	if (!n || s[n] || !strcmp(s, "."))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || *end || !isfinite(*v))
		return -1;
	return *v >= INTERVAL_MIN && *v <= INTERVAL_MAX ? 0 : -1;
}

/* The count: a positive decimal integer. */
static int parse_count(const char *s, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || !*v ? -1 : 0;
}

/* The options that choose an output mode, for messages. */
static const char *const format_opts[] = {
	[FMT_DEVICES] = "--devices",
	[FMT_WATCH] = "--watch",
	[FMT_JSON] = "--json",
	[FMT_PROMETHEUS] = "--prometheus",
};

/* Choose output mode @f: one only, never the last of several silently. */
static int set_format(struct options *o, enum format f)
{
	if (o->format != FMT_TABLE && o->format != f) {
		fprintf(stderr,
			"exmemstat: %s and %s are conflicting output modes: choose one\n",
			format_opts[o->format], format_opts[f]);
		return -1;
	}
	o->format = f;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "devices", no_argument, NULL, 'd' },
		{ "watch", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, 'P' },
		{ "root", required_argument, NULL, 'r' },
		{ "timestamp", no_argument, NULL, 't' },
		{ "one-header", no_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("EXMEMSTAT_ROOT");
	bool root_opt = false;
	int c;

	while ((c = getopt_long(argc, argv, "dwjpP:r:tnhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (set_format(o, FMT_DEVICES))
				return -1;
			break;
		case 'w':
			if (set_format(o, FMT_WATCH))
				return -1;
			break;
		case 'j':
			if (set_format(o, FMT_JSON))
				return -1;
			break;
		case 'p':
			if (set_format(o, FMT_PROMETHEUS))
				return -1;
			break;
		case 'P':
			if (exm_pids_parse(&o->pids, optarg))
				return -1;
			break;
		case 'r':
			if (parse_roots(o, optarg)) {
				fprintf(stderr, "exmemstat: bad --root '%s'\n", optarg);
				return -1;
			}
			root_opt = true;
			break;
		case 't':
			o->timestamp = true;
			break;
		case 'n':
			o->one_header = true;
			break;
		case 'O':
			if (!optarg[0]) {
				fprintf(stderr, "exmemstat: --output needs a file name\n");
				return -1;
			}
			o->output = optarg;
			break;
		case 'h':
			print_help(stdout);
			return 1;
		case 'V':
			printf("exmemstat %s\n", EXMEMSTAT_VERSION);
			return 1;
		default:
			return -1;
		}
	}
	/* --root on the command line wins over the environment. */
	if (!root_opt && env && env[0] && parse_roots(o, env)) {
		fprintf(stderr,
			"exmemstat: bad EXMEMSTAT_ROOT '%s': DIR or DIR1:DIR2:... (at most %d)\n",
			env, MAX_ROOTS);
		return -1;
	}
	if (optind < argc) {
		if (parse_interval(argv[optind], &o->interval)) {
			fprintf(stderr,
				"exmemstat: bad interval '%s': a decimal number of seconds from %g to %g\n",
				argv[optind], INTERVAL_MIN, INTERVAL_MAX);
			return -1;
		}
		optind++;
	}
	if (optind < argc) {
		if (parse_count(argv[optind], &o->count)) {
			fprintf(stderr,
				"exmemstat: bad count '%s': a positive integer up to %lu\n",
				argv[optind], ULONG_MAX);
			return -1;
		}
		optind++;
	}
	if (optind < argc) {
		fprintf(stderr, "exmemstat: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->pids.nr && (o->interval || o->format != FMT_TABLE)) {
		fprintf(stderr, "exmemstat: --pid takes no interval and no other output mode\n");
		return -1;
	}
	if (o->format == FMT_WATCH && !o->interval)
		o->interval = 1;
	if (o->output && (o->interval || o->pids.nr)) {
		fprintf(stderr,
			"exmemstat: --output writes one sample: no interval, no --watch, no --pid\n");
		return -1;
	}
	if (o->format == FMT_PROMETHEUS && o->interval) {
		fprintf(stderr, "exmemstat: --prometheus takes no interval\n");
		return -1;
	}
	if (o->format == FMT_PROMETHEUS && o->timestamp) {
		fprintf(stderr,
			"exmemstat: --prometheus takes no -t: the textfile collector wants no timestamps\n");
		return -1;
	}
	return 0;
}

static void print_sample(const struct options *o, FILE *f,
			 const struct exm_sample *prev,
			 const struct exm_sample *cur, unsigned long n)
{
	bool header = !n || (!o->one_header && n % HEADER_EVERY == 0);

	switch (o->format) {
	case FMT_TABLE:
		if (!o->interval) {
			if (o->timestamp)
				exm_print_timestamp(f, cur);
			exm_print_summary(f, cur);
			break;
		}
		if (header)
			exm_print_interval_header(f, o->timestamp);
		exm_print_interval_line(f, prev, cur, o->timestamp);
		break;
	case FMT_DEVICES:
		/* Whole tables; with -n, one header and then the rows. */
		if (n && !o->one_header)
			fputc('\n', f);
		if (o->timestamp)
			exm_print_timestamp(f, cur);
		exm_print_devices(f, cur, !n || !o->one_header);
		break;
	case FMT_WATCH:
		/*
		 * Clear the screen only on a terminal, as watch(1) and top
		 * -b: into a pipe or a file the screens follow one another,
		 * a blank line apart.
		 */
		if (n && !o->tty)
			fputc('\n', f);
		exm_print_watch(f, prev, cur, o->timestamp, o->tty);
		break;
	case FMT_JSON:
		exm_print_json(f, prev, cur);
		break;
	case FMT_PROMETHEUS:
		exm_print_prometheus(f, cur);
		break;
	}
}

static bool has_dev(const struct exm_sample *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr_devs; i++)
		if (!strcmp(s->devs[i].name, name))
			return true;
	return false;
}

static bool was_gone(const struct exm_sample *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr_gone; i++)
		if (!strcmp(s->gone[i], name))
			return true;
	return false;
}

/*
 * Say once on stderr that a device went away (hot-unplug): it vanished
 * while @cur was read, or @prev had it and @cur has not. Its row is left
 * out and the samples go on.
 */
static void report_gone(const struct exm_sample *prev,
			const struct exm_sample *cur)
{
	int i;

	for (i = 0; i < cur->nr_gone; i++)
		if (!prev || !was_gone(prev, cur->gone[i]))
			fprintf(stderr,
				"exmemstat: device %s went away (hot-unplug?); its row is dropped\n",
				cur->gone[i]);
	for (i = 0; prev && i < prev->nr_devs; i++)
		if (!has_dev(cur, prev->devs[i].name) &&
		    !was_gone(cur, prev->devs[i].name))
			fprintf(stderr,
				"exmemstat: device %s went away (hot-unplug?); its row is dropped\n",
				prev->devs[i].name);
}

/* Sleep @secs (at most INTERVAL_MAX) unless a signal asks to stop. */
static void sleep_interval(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR && !atomic_load(&stop))
		;
}

/* Say that writing @path (NULL: stdout) failed; return EXM_EXIT_WRITE. */
static int write_error(const char *path)
{
	const char *why = errno ? strerror(errno) : "unknown error";

	if (path)
		fprintf(stderr, "exmemstat: write error: %s: %s\n", path, why);
	else
		fprintf(stderr, "exmemstat: write error: %s\n", why);
	return EXM_EXIT_WRITE;
}

/* Flush @f (@path, or stdout if NULL); a failure is EXM_EXIT_WRITE. */
static int flush_output(FILE *f, const char *path)
{
	if (!fflush(f) && !ferror(f))
		return EXM_EXIT_OK;
	return write_error(path);
}

/*
 * --output FILE: the sample is written to a temporary file in FILE's
 * directory (mkstemp), flushed, given the mode a new file would get (0666
 * less the umask: node_exporter runs as another user), fsync()ed and
 * renamed over FILE, so that a reader sees the old file or the new one,
 * never a part of either. On any error the temporary file is removed and
 * FILE is left as it was.
 */
struct atomic_file {
	const char *path;
	char *tmp;		/* the temporary file's name */
	FILE *f;
};

static int atomic_open(struct atomic_file *a, const char *path)
{
	char *dir = strdup(path), *base = strdup(path);
	int fd = -1;

	a->path = path;
	a->f = NULL;
	a->tmp = NULL;
	errno = ENOMEM;
	if (dir && base && asprintf(&a->tmp, "%s/.%s.XXXXXX", dirname(dir),
				    basename(base)) < 0)
		a->tmp = NULL;
	free(dir);
	free(base);
	if (!a->tmp)
		return write_error(path);
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		write_error(path);
		free(a->tmp);
		a->tmp = NULL;
		return EXM_EXIT_WRITE;
	}
	a->f = fdopen(fd, "w");
	if (!a->f) {
		close(fd);
		unlink(a->tmp);
		free(a->tmp);
		a->tmp = NULL;
		return write_error(path);
	}
	return EXM_EXIT_OK;
}

/* Remove the temporary file; FILE stays as it was. */
static void atomic_abort(struct atomic_file *a)
{
	if (a->f)
		fclose(a->f);
	a->f = NULL;
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	a->tmp = NULL;
}

/* Sync the directory of @path, so that the rename survives a crash. */
static int sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	if (fsync(fd) && errno != EINVAL)	/* EINVAL: cannot be synced */
		err = -1;
	close(fd);
	return err;
}

/* Flush, sync and rename the temporary file over FILE. */
static int atomic_commit(struct atomic_file *a)
{
	mode_t mask = umask(0);
	FILE *f = a->f;
	int err;

	umask(mask);
	a->f = NULL;
	errno = 0;
	err = fflush(f) || ferror(f) || fchmod(fileno(f), 0666 & ~mask) ||
	      fsync(fileno(f));
	if (fclose(f))
		err = 1;
	if (err || rename(a->tmp, a->path)) {
		write_error(a->path);
		atomic_abort(a);
		return EXM_EXIT_WRITE;
	}
	free(a->tmp);
	a->tmp = NULL;
	if (sync_dir(a->path))
		return write_error(a->path);
	return EXM_EXIT_OK;
}

/*
 * Close stdout at exit, as vmstat does, so that a write error (a full
 * disk, a closed pipe) is an error and never a silent exit 0.
 */
static int close_stdout(int status)
{
	errno = 0;
	if (!fclose(stdout))
		return status;
	if (status == EXM_EXIT_WRITE)
		return status;	/* already said */
	fprintf(stderr, "exmemstat: write error: %s\n",
		errno ? strerror(errno) : "unknown error");
	return status ? status : EXM_EXIT_WRITE;
}

int main(int argc, char **argv)
{
	static struct exm_sample samples[2];
	struct options o = { .format = FMT_TABLE };
	struct exm_source src = { .root = "" };
	struct exm_sample *prev = NULL, *cur;
	struct atomic_file file = { NULL };
	FILE *out = stdout;
	unsigned long n;
	int err = EXM_EXIT_OK;

	switch (parse_args(argc, argv, &o)) {
	case 0:
		break;
	case 1:		/* --help, --version */
		free(o.roots_buf);
		return close_stdout(EXM_EXIT_OK);
	default:
		fprintf(stderr, "Try 'exmemstat --help'.\n");
		free(o.roots_buf);
		return EXM_EXIT_USAGE;
	}
	if (o.pids.nr) {
		if (o.nr_roots)
			src.root = o.roots[0];
		err = exm_print_pids(stdout, &src, &o.pids);
		free(o.roots_buf);
		return close_stdout(err);
	}
	if (o.output) {
		err = atomic_open(&file, o.output);
		if (err) {
			free(o.roots_buf);
			return close_stdout(err);
		}
		out = file.f;
	}
	o.tty = isatty(fileno(out));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (n = 0; !atomic_load(&stop) && (!o.count || n < o.count); n++) {
		if (n && o.interval)
			sleep_interval(o.interval);
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
		report_gone(prev, cur);
		print_sample(&o, out, prev, cur, n);
		err = flush_output(out, o.output);
		if (err)
			break;
		prev = cur;
		if (!o.interval)
			break;
	}
	if (o.output) {
		/* Replace FILE only with a whole sample. */
		if (err || !prev)
			atomic_abort(&file);
		else
			err = atomic_commit(&file);
	}
	exm_sample_free(&samples[0]);
	exm_sample_free(&samples[1]);
	free(o.roots_buf);
	return close_stdout(err);
}
